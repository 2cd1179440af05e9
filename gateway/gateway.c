/* The running gateway (see gateway.h). */
#define G_LOG_DOMAIN "rtc2sip"
#include "gateway/gateway.h"

#include <string.h>

#include "gateway/call.h"
#include "gateway/call_private.h"
#include "gateway/media/dtls_srtp.h"
#include "gateway/media/media_srtp.h"
#include "gateway/admin.h"
#include "gateway/http_tls.h"
#include "gateway/sip_ua.h"
#include "signalling/browser/browser_origin.h"
#include "gateway/dialplan.h"
#include "gateway/limits.h"

static gboolean
split_address(const char *text, char **host, guint16 *port)
{
  const char *reason;
  if (!*text)
    return FALSE;
  return config_parse_listen(text, host, port, &reason);
}

static void
load_ice_settings(gateway *gw)
{
  gateway_ice_settings *ice = &gw->ice;
  g_auto(GStrv) ifaces = config_get_list(gw->cfg, "ice", "interfaces");
  if (!g_strv_contains((const char *const *)ifaces, "all"))
    ice->addresses = g_strdupv(ifaces);
  ice->port_min = (guint16)config_get_uint(gw->cfg, "ice", "port-min");
  ice->port_max = (guint16)config_get_uint(gw->cfg, "ice", "port-max");
  split_address(config_get_string(gw->cfg, "ice", "stun-server"), &ice->stun_host, &ice->stun_port);
  split_address(config_get_string(gw->cfg, "ice", "turn-server"), &ice->turn_host, &ice->turn_port);
  ice->turn_username = g_strdup(config_get_string(gw->cfg, "ice", "turn-username"));
  ice->turn_password = g_strdup(config_get_string(gw->cfg, "ice", "turn-password"));
  ice->consent_freshness = config_get_bool(gw->cfg, "ice", "consent-freshness");
  ice->handover = config_get_bool(gw->cfg, "ice", "handover");

  /* What pages give their RTCPeerConnection (welcome.ice_servers). */
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_array(b);
  if (ice->stun_host) {
    g_autofree char *url = g_strdup_printf("stun:%s", config_get_string(gw->cfg, "ice", "stun-server"));
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "urls");
    json_builder_add_string_value(b, url);
    json_builder_end_object(b);
  }
  if (ice->turn_host) {
    g_autofree char *url = g_strdup_printf("turn:%s?transport=udp", config_get_string(gw->cfg, "ice", "turn-server"));
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "urls");
    json_builder_add_string_value(b, url);
    json_builder_set_member_name(b, "username");
    json_builder_add_string_value(b, ice->turn_username);
    json_builder_set_member_name(b, "credential");
    json_builder_add_string_value(b, ice->turn_password);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  gw->ice_servers = json_builder_get_root(b);
}

static void
free_ice_settings(gateway_ice_settings *ice)
{
  g_strfreev(ice->addresses);
  g_free(ice->stun_host);
  g_free(ice->turn_host);
  g_free(ice->turn_username);
  if (ice->turn_password)
    memset(ice->turn_password, 0, strlen(ice->turn_password));
  g_free(ice->turn_password);
}

char *
gateway_state_dir(const config *cfg)
{
  const char *dir = config_get_string(cfg, "general", "state-dir");
  if (*dir)
    return g_strdup(dir);
  return g_build_filename(g_get_user_state_dir(), "rtc2sip", NULL);
}

identity *
gateway_load_identity(const config *cfg, GError **error)
{
  const char *cert = config_get_string(cfg, "general", "certificate");
  const char *key = config_get_string(cfg, "general", "private-key");
  if (*cert)
    return identity_load_files(cert, key, error);

  g_autofree char *dir = gateway_state_dir(cfg);
  gboolean created = FALSE;
  identity *id = identity_load_or_create(dir, g_get_real_time() / G_USEC_PER_SEC, &created, error);
  if (id && created)
    g_message("generated a new gateway identity in %s", dir);
  return id;
}

/* The source tree's web/www when this binary runs from its build tree, else
 * the installed copy. */
char *
gateway_document_root(const config *cfg)
{
  const char *root = config_get_string(cfg, "http", "document-root");
  if (*root)
    return g_strdup(root);
  g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
  g_autofree char *installed = g_build_filename(RTC2SIP_DATADIR, "www", NULL);
  if (exe && g_str_has_prefix(exe, RTC2SIP_BUILDDIR "/"))
    return g_build_filename(RTC2SIP_SRCDIR, "web", "www", NULL);
  if (g_file_test(installed, G_FILE_TEST_IS_DIR))
    return g_steal_pointer(&installed);
  return g_build_filename(RTC2SIP_SRCDIR, "web", "www", NULL);
}

const double gateway_dtls_bucket_bounds[GATEWAY_DTLS_BUCKETS] = { 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, G_MAXDOUBLE };

void
gateway_count(GHashTable *table, const char *key)
{
  gsize n = GPOINTER_TO_SIZE(g_hash_table_lookup(table, key));
  g_hash_table_insert(table, g_strdup(key), GSIZE_TO_POINTER(n + 1));
}

/* Every second: fresh media counters for the admin side. */
static gboolean
on_stats_timer(gpointer data)
{
  gateway *gw = data;
  g_autoptr(GPtrArray) calls = gateway_table_values(gw->calls);
  guint64 timeout_s = config_get_uint(gw->cfg, "media", "rtp-timeout");
  for (guint i = 0; i < calls->len; i++) {
    call_refresh_stats(calls->pdata[i]);
    if (timeout_s)
      call_check_media_timeout(calls->pdata[i], g_get_monotonic_time(), (gint64)timeout_s * G_USEC_PER_SEC);
  }
  limits_tick(gw->limits, g_get_monotonic_time());
  return G_SOURCE_CONTINUE;
}

char *
gateway_admin_root(void)
{
  g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
  g_autofree char *installed = g_build_filename(RTC2SIP_DATADIR, "admin", NULL);
  if ((!exe || !g_str_has_prefix(exe, RTC2SIP_BUILDDIR "/")) && g_file_test(installed, G_FILE_TEST_IS_DIR))
    return g_steal_pointer(&installed);
  return g_build_filename(RTC2SIP_SRCDIR, "web", "admin", NULL);
}

/* [http] allowed-origins, or the listener's own origin(s) when empty. */
static browser_origin_policy *
build_origin_policy(const config *cfg, const char *host, guint port, gboolean tls, GError **error)
{
  g_autoptr(browser_origin_policy) policy = browser_origin_policy_new();
  g_auto(GStrv) entries = g_strsplit(config_get_string(cfg, "http", "allowed-origins"), ",", -1);
  gboolean any = FALSE;
  const char *reason = NULL;
  for (guint i = 0; entries[i]; i++) {
    char *entry = g_strstrip(entries[i]);
    if (!*entry)
      continue;
    if (browser_origin_policy_allow(policy, entry, &reason) < 0) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "http.allowed-origins: \"%s\": %s", entry, reason);
      return NULL;
    }
    any = TRUE;
  }
  if (!any && browser_origin_policy_allow_own(policy, host, port, tls, &reason) < 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "http.listen: no own origin: %s", reason);
    return NULL;
  }
  g_autofree char *described = browser_origin_policy_describe(policy);
  g_message("pages may open /ws from: %s", described);
  return g_steal_pointer(&policy);
}

gateway *
gateway_new(config *cfg, GMainLoop *loop, GError **error)
{
  g_autoptr(gateway) gw = g_new0(gateway, 1);
  gw->cfg = cfg;
  gw->loop = g_main_loop_ref(loop);
  gw->calls = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
  gw->connections = g_hash_table_new(NULL, NULL);
  gw->users = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  gw->started_us = g_get_monotonic_time();
  gw->counters.calls_by_kind = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  gw->counters.failures_by_reason = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

  gw->identity = gateway_load_identity(cfg, error);
  if (!gw->identity)
    return NULL;
  gw->fingerprint_text = fingerprint_to_string(identity_fingerprint(gw->identity));
  load_ice_settings(gw);
  dtls_srtp_global_init(); /* before the media workers use GnuTLS */
  media_srtp_global_init();
  dtls_srtp_set_trace(config_get_bool(cfg, "trace", "dtls"));
  call_media_set_gateway(gw);
  gw->workers = media_workers_new((guint)config_get_uint(cfg, "media", "threads"));
  media_workers_set_fill(gw->workers, (guint)config_get_uint(cfg, "media", "worker-fill"));

  g_autofree char *host = NULL;
  guint16 port = 0;
  const char *reason = NULL;
  config_parse_listen(config_get_string(cfg, "http", "listen"), &host, &port, &reason);
  g_autofree char *root = gateway_document_root(cfg);
  if (http_tls_configured(cfg)) {
    gw->http_tls = http_tls_load(cfg, error);
    if (!gw->http_tls)
      return NULL;
    g_autofree char *described = http_tls_describe(gw->http_tls);
    g_message("the page listener serves https with %s", described);
  }
  http_server_options http = {
    .host = host,
    .port = port,
    .document_root = root,
    .ws_path = "/ws",
    .ws = browser_conn_ws_callbacks(gw),
    .tls_certificate = gw->http_tls ? config_get_string(cfg, "http", "certificate") : NULL,
    .tls_private_key = gw->http_tls ? config_get_string(cfg, "http", "private-key") : NULL,
  };
  g_autoptr(GError) local = NULL;
  gw->http = http_server_new(loop, &http, &local);
  if (!gw->http) {
    g_set_error(error, local->domain, local->code, "http.listen: %s", local->message);
    return NULL;
  }
  gw->limits = limits_new((guint)config_get_uint(cfg, "limits", "table-size"));
  g_auto(GStrv) rules = config_get_list(cfg, "route", "rules");
  g_auto(GStrv) trunks = config_sections_with_prefix(cfg, "trunk");
  g_autofree char *plan_problem = NULL;
  gw->dialplan = dialplan_new((const char *const *)rules, (const char *const *)trunks, &plan_problem);
  if (!gw->dialplan) {
    g_set_error(error, CONFIG_ERROR, 0, "route.rules: %s", plan_problem);
    return NULL;
  }
  gw->sip_trusted = g_ptr_array_new_with_free_func(g_object_unref);
  g_auto(GStrv) trusted = config_get_list(cfg, "sip", "trusted");
  for (guint i = 0; trusted[i]; i++) {
    GInetAddressMask *mask = g_inet_address_mask_new_from_string(trusted[i], NULL);
    if (mask)
      g_ptr_array_add(gw->sip_trusted, mask);
  }
  gw->origins = build_origin_policy(cfg, host, http_server_port(gw->http), gw->http_tls != NULL, error);
  if (!gw->origins)
    return NULL;
  if (!admin_start(gw, error))
    return NULL;
  gw->stats_timer = g_timeout_source_new_seconds(1);
  g_source_set_callback(gw->stats_timer, on_stats_timer, gw, NULL);
  g_source_attach(gw->stats_timer, NULL);
  gw->sip = sip_ua_new(gw, &local);
  if (!gw->sip) {
    g_set_error(error, local->domain, local->code, "sip.listen: %s", local->message);
    return NULL;
  }
  return g_steal_pointer(&gw);
}

GPtrArray *
gateway_table_values(GHashTable *table)
{
  GPtrArray *out = g_ptr_array_sized_new(g_hash_table_size(table));
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, table);
  while (g_hash_table_iter_next(&it, NULL, &value))
    g_ptr_array_add(out, value);
  return out;
}

call *
gateway_find_call(gateway *gw, guint64 serial)
{
  return g_hash_table_lookup(gw->calls, &serial);
}

guint
gateway_active_calls(const gateway *gw)
{
  return g_hash_table_size(gw->calls);
}

void
gateway_free(gateway *gw)
{
  if (!gw)
    return;
  if (gw->stats_timer) {
    g_source_destroy(gw->stats_timer);
    g_source_unref(gw->stats_timer);
  }
  admin_stop(gw);
  /* Pages first: their calls end and their media is released. */
  if (gw->connections)
    browser_conn_close_all(gw);
  http_server_free(gw->http);
  gw->http = NULL;
  browser_origin_policy_free(gw->origins);
  gw->origins = NULL;
  sip_ua_free(gw->sip); /* unregisters, ends dialogs */
  gw->sip = NULL;
  if (gw->calls) {
    g_autoptr(GPtrArray) calls = gateway_table_values(gw->calls);
    for (guint i = 0; i < calls->len; i++)
      call_end(calls->pdata[i], "the gateway is shutting down", 0, TRUE);
  }
  /* Workers run what is queued (every release) before they stop; then the
   * main context delivers their last events while the gateway still exists. */
  media_workers_free(gw->workers);
  while (g_main_context_iteration(NULL, FALSE))
    ;
  if (gw->calls) {
    if (g_hash_table_size(gw->calls))
      g_warning("%u calls were not released at shutdown", g_hash_table_size(gw->calls));
    g_hash_table_unref(gw->calls);
  }
  if (gw->connections)
    g_hash_table_unref(gw->connections);
  if (gw->limits)
    limits_free(gw->limits);
  dialplan_free(gw->dialplan);
  if (gw->sip_trusted)
    g_ptr_array_unref(gw->sip_trusted);
  if (gw->users)
    g_hash_table_unref(gw->users);
  call_media_set_gateway(NULL);
  if (gw->counters.calls_by_kind)
    g_hash_table_unref(gw->counters.calls_by_kind);
  if (gw->counters.failures_by_reason)
    g_hash_table_unref(gw->counters.failures_by_reason);
  free_ice_settings(&gw->ice);
  if (gw->ice_servers)
    json_node_unref(gw->ice_servers);
  g_free(gw->fingerprint_text);
  if (gw->http_tls)
    identity_unref(gw->http_tls);
  identity_unref(gw->identity);
  if (gw->loop)
    g_main_loop_unref(gw->loop);
  g_free(gw);
}
