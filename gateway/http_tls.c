/* TLS on the page's listener (see http_tls.h). */
#define G_LOG_DOMAIN "rtc2sip"
#include "gateway/http_tls.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "gateway/gateway.h"

gboolean
http_tls_configured(const config *cfg)
{
  return *config_get_string(cfg, "http", "certificate") && *config_get_string(cfg, "http", "private-key");
}

/* Whether PATH can be read; otherwise ERROR says so, naming KEY and PATH. */
static gboolean
check_readable(const char *key, const char *path, GError **error)
{
  if (g_access(path, R_OK) == 0 && !g_file_test(path, G_FILE_TEST_IS_DIR))
    return TRUE;
  int e = g_file_test(path, G_FILE_TEST_IS_DIR) ? EISDIR : errno;
  g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "http.%s: cannot read %s: %s", key, path,
              g_strerror(e));
  return FALSE;
}

identity *
http_tls_load(const config *cfg, GError **error)
{
  const char *cert = config_get_string(cfg, "http", "certificate");
  const char *key = config_get_string(cfg, "http", "private-key");
  if (!check_readable("certificate", cert, error) || !check_readable("private-key", key, error))
    return NULL;
  /* Messages name the files, never their content. */
  g_autoptr(GError) local = NULL;
  identity *id = identity_load_files(cert, key, &local);
  if (!id) {
    g_set_error(error, local->domain, local->code, "http.certificate, http.private-key: %s", local->message);
    return NULL;
  }
  return id;
}

char *
http_tls_describe(const identity *id)
{
  char fp[FINGERPRINT_MAX_TEXT];
  g_autoptr(GDateTime) expires = g_date_time_new_from_unix_utc(identity_expires(id));
  g_autofree char *date = expires ? g_date_time_format(expires, "%Y-%m-%d") : g_strdup("?");
  return g_strdup_printf("%s, expires %s", fingerprint_format(identity_fingerprint(id), fp), date);
}

static const char *
pk_name(gnutls_pk_algorithm_t pk)
{
  const char *name = gnutls_pk_algorithm_get_name(pk);
  return name ? name : "unknown";
}

gboolean
gateway_reload_http_tls(gateway *gw)
{
  if (!gw->http_tls) {
    g_message("reload: the page listener has no TLS ([http] certificate); nothing to reload");
    return FALSE;
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(identity) next = http_tls_load(gw->cfg, &error);
  /* OpenSSL keeps one certificate per key type in a TLS context: loading an
   * RSA pair over an ECDSA one would keep serving the old ECDSA certificate
   * to clients that prefer it. */
  if (next && identity_pk_algorithm(next) != identity_pk_algorithm(gw->http_tls)) {
    g_set_error(&error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                "the new certificate's key is %s and the one in use %s: changing the key type needs a "
                "restart", pk_name(identity_pk_algorithm(next)), pk_name(identity_pk_algorithm(gw->http_tls)));
    g_clear_pointer(&next, identity_unref);
  }
  g_autofree char *current = http_tls_describe(gw->http_tls);
  if (next && !http_server_reload_tls(gw->http, &error)) {
    /* The files passed our checks, yet libwebsockets refused them part way. */
    gw->counters.http_tls_reload_failures++;
    g_warning("reload: libwebsockets refused the page listener's new certificate; new TLS connections "
              "may fail until a good pair is loaded (was %s): %s", current, error->message);
    return FALSE;
  }
  if (!next) {
    gw->counters.http_tls_reload_failures++;
    g_warning("reload: keeping the page listener's certificate %s: %s", current, error->message);
    return FALSE;
  }
  identity_unref(gw->http_tls);
  gw->http_tls = g_steal_pointer(&next);
  gw->counters.http_tls_reloads++;
  g_autofree char *described = http_tls_describe(gw->http_tls);
  g_message("reload: the page listener's certificate is now %s for new connections (was %s); open "
            "connections keep theirs",
            described, current);
  return TRUE;
}
