/* rtc2sip: the WebRTC-to-SIP gateway program. Loads the configuration and
 * the identity, starts the listeners on the GLib main loop, reloads the page
 * listener's certificate on SIGHUP, and stops cleanly on SIGINT or SIGTERM. */
#define G_LOG_DOMAIN "rtc2sip"
#include "build-config.h"

#include <glib-unix.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "certs/identity.h"
#include "gateway/config.h"
#include "gateway/gateway.h"
#include "gateway/http_tls.h"
#include "gateway/log.h"
#include "gateway/sip_ua.h"

typedef struct {
  char *config_file;
  char **overrides;
  gboolean check_config;
  gboolean print_config;
  gboolean print_fingerprint;
  gboolean version;
  gboolean verbose;
} options;

static void
options_clear(options *o)
{
  g_free(o->config_file);
  g_strfreev(o->overrides);
}

static gboolean
parse_options(int *argc, char ***argv, options *o, GError **error)
{
  const GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &o->config_file,
      "Read the configuration from FILE (INI); every key has a built-in default", "FILE" },
    { "set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &o->overrides,
      "Override one key, e.g. --set http.listen=127.0.0.1:18080 (repeatable)", "SECTION.KEY=VALUE" },
    { "check-config", 0, 0, G_OPTION_ARG_NONE, &o->check_config,
      "Validate the configuration, print each problem as section.key: reason, and exit", NULL },
    { "print-config", 0, 0, G_OPTION_ARG_NONE, &o->print_config,
      "Print the effective configuration (secrets hidden) and exit", NULL },
    { "print-fingerprint", 0, 0, G_OPTION_ARG_NONE, &o->print_fingerprint,
      "Print the gateway certificate's sha-256 fingerprint (creating the identity if needed) and exit", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &o->verbose, "Log debug messages too", NULL },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &o->version, "Print the version and exit", NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
  g_option_context_set_summary(ctx,
    "WebRTC-to-SIP gateway: web pages call SIP phones and trunks, SIP phones call web pages,\n"
    "and both sides see how each leg is encrypted.\n\n"
    "With no options it runs on built-in defaults: the page on http://127.0.0.1:8080/,\n"
    "its identity in $XDG_STATE_HOME/rtc2sip. See docs/configuration.md for every key.\n\n"
    "HTTPS for the page: --set http.certificate=FILE --set http.private-key=FILE (PEM);\n"
    "SIGHUP reads them again for new connections (open calls are untouched).");
  g_option_context_add_main_entries(ctx, entries, NULL);
  return g_option_context_parse(ctx, argc, argv, error);
}

/* The effective configuration: defaults, the file, then --set. */
static config *
load_config(const options *o, GError **error)
{
  g_autoptr(config) cfg = config_new_defaults();
  if (o->config_file && !config_load_file(cfg, o->config_file, error))
    return NULL;
  for (guint i = 0; o->overrides && o->overrides[i]; i++)
    if (!config_set_override(cfg, o->overrides[i], error))
      return NULL;
  return g_steal_pointer(&cfg);
}

static gboolean
on_stop_signal(gpointer loop)
{
  g_message("stopping");
  g_main_loop_quit(loop);
  return G_SOURCE_CONTINUE;
}

/* SIGHUP: the page listener's certificate and key are read again. */
static gboolean
on_reload_signal(gpointer gw)
{
  g_message("SIGHUP: reloading the page listener's certificate");
  gateway_reload_http_tls(gw);
  return G_SOURCE_CONTINUE;
}

/* Gives allocations of 64 KiB and more a mapping of their own instead of a
 * place in a malloc arena (glibc's default threshold is 128 KiB, raised
 * further as such blocks are freed). The ones that matter are libnice's: two
 * g_malloc(65535) buffers per ICE component, one per call, of which only the
 * first page or two is ever written (its receive buffer) or none (its RFC 4571
 * framing buffer, TCP only). In a media worker's arena they sat between the
 * call's small blocks and cost about 15 KiB of resident memory per call; in
 * their own mappings about 9 (rtc2sip-bench, 100 calls: 92.1 -> 85.6 KiB per
 * call; docs/performance.md). Since the browser legs' hand-over frees the agent
 * once ICE completes, this matters for legs that keep libnice (a relayed pair,
 * [ice] handover = false) and during set-up. Nothing on the packet path
 * allocates. */
static void
tune_malloc(void)
{
#ifdef M_MMAP_THRESHOLD
  if (!mallopt(M_MMAP_THRESHOLD, 64 * 1024))
    g_warning("mallopt(M_MMAP_THRESHOLD) refused; large buffers stay in the malloc arenas");
#endif
}

static int
run(config *cfg, const options *o)
{
  g_autoptr(GError) error = NULL;
  tune_malloc();
  if (o->print_fingerprint) {
    g_autoptr(identity) id = gateway_load_identity(cfg, &error);
    char fp_text[FINGERPRINT_MAX_TEXT];
    if (!id) {
      fprintf(stderr, "rtc2sip: %s\n", error->message);
      return 1;
    }
    printf("%s\n", fingerprint_format(identity_fingerprint(id), fp_text));
    return 0;
  }

  if (!config_listen_is_loopback(config_get_string(cfg, "http", "listen")) && !http_tls_configured(cfg))
    g_warning("http.listen %s is not loopback and has no TLS (http.allow-insecure = true): serve the page "
              "only through a TLS-terminating reverse proxy; browsers refuse the microphone on plain http",
              config_get_string(cfg, "http", "listen"));
  g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
  g_autoptr(gateway) gw = gateway_new(cfg, loop, &error);
  if (!gw) {
    fprintf(stderr, "rtc2sip: %s\n", error->message);
    return 1;
  }
  guint sigint = g_unix_signal_add(SIGINT, on_stop_signal, loop);
  guint sigterm = g_unix_signal_add(SIGTERM, on_stop_signal, loop);
  guint sighup = g_unix_signal_add(SIGHUP, on_reload_signal, gw);

  printf("rtc2sip %s serving %s fingerprint %s\n", PACKAGE_VERSION, http_server_url(gw->http),
         gw->fingerprint_text);
  fflush(stdout);
  g_autofree char *sip = sip_ua_describe_listeners(gw->sip);
  g_message("SIP listening on %s", sip);
  g_main_loop_run(loop);

  g_source_remove(sigint);
  g_source_remove(sigterm);
  g_source_remove(sighup);
  return 0;
}

int
main(int argc, char **argv)
{
  options o = { 0 };
  g_autoptr(GError) error = NULL;
  int status;

  if (!parse_options(&argc, &argv, &o, &error)) {
    fprintf(stderr, "rtc2sip: %s (see --help)\n", error->message);
    options_clear(&o);
    return 2;
  }
  if (o.version) {
    printf("rtc2sip %s\n", PACKAGE_VERSION);
    options_clear(&o);
    return 0;
  }
  gateway_log_init(o.verbose);
  http_server_route_lws_logs(o.verbose);

  g_autoptr(config) cfg = load_config(&o, &error);
  g_autofree char *problems = NULL;
  if (!cfg) {
    fprintf(stderr, "rtc2sip: %s\n", error->message);
    status = 1;
  } else if (!config_validate(cfg, &problems)) {
    fprintf(stderr, "%s", problems);
    status = 1;
  } else if (o.check_config) {
    /* The files the start would read, read now. */
    g_autoptr(identity) http_tls = http_tls_configured(cfg) ? http_tls_load(cfg, &error) : NULL;
    if (error) {
      fprintf(stderr, "%s\n", error->message);
      status = 1;
    } else {
      printf("configuration OK\n");
      status = 0;
    }
  } else if (o.print_config) {
    g_autofree char *text = config_to_string(cfg);
    fputs(text, stdout);
    status = 0;
  } else {
    status = run(cfg, &o);
  }
  options_clear(&o);
  return status;
}
