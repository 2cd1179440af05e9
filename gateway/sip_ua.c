/* The gateway's SIP user agent (see sip_ua.h). */
#define G_LOG_DOMAIN "rtc2sip-sip"
#include "build-config.h"

#include "gateway/sip_ua.h"

#include <errno.h>
#include <string.h>

#include "signalling/sip/net/sip_transport.h"

/* TLS policy toward one trunk address. */
typedef struct {
  sip_addr addr;
  sip_tls_client_policy policy;
  fingerprint pin;
  char *server_name;
} trunk_tls;

struct sip_ua {
  gateway *gw;
  GPtrArray *tls_policies; /* of trunk_tls* */
  sip_stack *stack;
  sip_transport *transport;
  GSource *timer;
  gint64 timer_deadline;
  GPtrArray *registrations; /* of sip_ua_registration*, index = trunk order */
  GArray *registration_ids; /* guint stack handle per registration */
  gboolean shutdown_done;
  char *contact_host;
};

static void sip_ua_process(sip_ua *ua);

static void
registration_free(sip_ua_registration *r)
{
  g_free(r->trunk);
  g_free(r->aor);
  g_free(r->reason);
  g_free(r);
}

static gboolean
on_timer(gpointer data)
{
  sip_ua *ua = data;
  g_source_unref(ua->timer);
  ua->timer = NULL;
  sip_stack_tick(ua->stack, g_get_monotonic_time());
  sip_ua_process(ua);
  return G_SOURCE_REMOVE;
}

static void
schedule(sip_ua *ua)
{
  gint64 deadline = sip_stack_next_deadline(ua->stack);
  if (ua->timer && deadline == ua->timer_deadline)
    return;
  if (ua->timer) {
    g_source_destroy(ua->timer);
    g_source_unref(ua->timer);
    ua->timer = NULL;
  }
  if (deadline == G_MAXINT64)
    return;
  gint64 wait_ms = (deadline - g_get_monotonic_time() + 999) / 1000;
  ua->timer_deadline = deadline;
  ua->timer = g_timeout_source_new((guint)CLAMP(wait_ms, 0, G_MAXINT));
  g_source_set_callback(ua->timer, on_timer, ua, NULL);
  g_source_attach(ua->timer, NULL);
}

static sip_ua_registration *
registration_by_handle(sip_ua *ua, guint handle)
{
  for (guint i = 0; i < ua->registration_ids->len; i++)
    if (g_array_index(ua->registration_ids, guint, i) == handle)
      return ua->registrations->pdata[i];
  return NULL;
}

static const char *
registration_state_name(sip_registration_state s)
{
  switch (s) {
  case SIP_REG_REGISTERING: return "registering";
  case SIP_REG_REGISTERED: return "registered";
  case SIP_REG_FAILED: return "failed";
  case SIP_REG_UNREGISTERED: return "unregistered";
  }
  return "unknown";
}

static void
on_registration(sip_ua *ua, const sip_event *ev)
{
  sip_ua_registration *r = registration_by_handle(ua, ev->registration);
  if (!r)
    return;
  r->state = ev->reg_state;
  r->status = ev->status;
  g_free(r->reason);
  r->reason = g_strdup(ev->reason);
  if (ev->reg_state == SIP_REG_REGISTERED) {
    r->expires = ev->expires;
    r->registered_at_us = g_get_monotonic_time();
    g_message("trunk %s: %s registered for %u s", r->trunk, r->aor, ev->expires);
  } else if (ev->reg_state == SIP_REG_FAILED) {
    g_message("trunk %s: registration of %s failed: %u %s", r->trunk, r->aor, ev->status,
              ev->reason ? ev->reason : "");
  } else {
    g_message("trunk %s: %s %s", r->trunk, r->aor, registration_state_name(ev->reg_state));
  }
}

static void
handle_event(sip_ua *ua, sip_event *ev)
{
  gint64 now = g_get_monotonic_time();
  switch (ev->type) {
  case SIP_EVENT_INCOMING_INVITE:
    /* No user is reachable through SIP yet (the bridge routes calls). */
    sip_stack_respond(ua->stack, now, ev->transaction, 404, "Not Found", NULL, NULL, NULL, 0, NULL);
    break;
  case SIP_EVENT_REQUEST:
  case SIP_EVENT_REINVITE:
  case SIP_EVENT_UPDATE:
  case SIP_EVENT_INFO:
    if (ev->transaction)
      sip_stack_respond(ua->stack, now, ev->transaction, 481, "Call/Transaction Does Not Exist", NULL,
                        NULL, NULL, 0, NULL);
    break;
  case SIP_EVENT_REGISTRATION:
    on_registration(ua, ev);
    break;
  case SIP_EVENT_SHUTDOWN_DONE:
    ua->shutdown_done = TRUE;
    break;
  default:
    break;
  }
}

/* The TLS policy of the trunk at TO, or NULL (verify against the system
 * trust store). */
static const sip_tls_client_policy *
tls_policy_for(sip_ua *ua, const sip_addr *to)
{
  if (to->kind != SIP_TRANSPORT_TLS)
    return NULL;
  for (guint i = 0; i < ua->tls_policies->len; i++) {
    trunk_tls *t = ua->tls_policies->pdata[i];
    if (t->addr.port == to->port && !strcmp(t->addr.host, to->host))
      return &t->policy;
  }
  return NULL;
}

/* Sends what the stack queued, hands its events on, re-arms its timer. */
static void
sip_ua_process(sip_ua *ua)
{
  for (;;) {
    sip_outgoing out = { 0 };
    gboolean any = FALSE;
    while (sip_stack_pop_output(ua->stack, &out)) {
      any = TRUE;
      int rc = sip_transport_send(ua->transport, &out.to, out.data, tls_policy_for(ua, &out.to));
      if (rc < 0) {
        g_debug("cannot send to %s:%u: %s", out.to.host, out.to.port, g_strerror(-rc));
        sip_stack_transport_error(ua->stack, g_get_monotonic_time(), &out.to);
      }
      sip_outgoing_clear(&out);
    }
    sip_event ev = { 0 };
    while (sip_stack_pop_event(ua->stack, &ev)) {
      any = TRUE;
      handle_event(ua, &ev);
      sip_event_clear(&ev);
    }
    if (!any)
      break;
  }
  schedule(ua);
}

static void
on_message(const sip_addr *from, GBytes *message, gpointer user_data)
{
  sip_ua *ua = user_data;
  sip_stack_feed(ua->stack, g_get_monotonic_time(), from, message);
  sip_ua_process(ua);
}

static void
on_send_error(const sip_addr *to, int error, const char *reason, gpointer user_data)
{
  sip_ua *ua = user_data;
  g_message("SIP %s to %s:%u failed: %s", sip_transport_name(to->kind), to->host, to->port,
            reason ? reason : g_strerror(-error));
  sip_stack_transport_error(ua->stack, g_get_monotonic_time(), to);
  sip_ua_process(ua);
}

static gboolean
parse_kind(const char *text, sip_transport_kind *kind)
{
  if (!g_ascii_strcasecmp(text, "udp"))
    *kind = SIP_TRANSPORT_UDP;
  else if (!g_ascii_strcasecmp(text, "tcp"))
    *kind = SIP_TRANSPORT_TCP;
  else if (!g_ascii_strcasecmp(text, "tls"))
    *kind = SIP_TRANSPORT_TLS;
  else
    return FALSE;
  return TRUE;
}

/* Starts the registration of trunk NAME when it says register = true. */
static void
start_trunk_registration(sip_ua *ua, const char *name)
{
  g_autofree char *section = g_strdup_printf("trunk:%s", name);
  const config *cfg = ua->gw->cfg;
  if (!config_get_bool(cfg, section, "register"))
    return;
  sip_transport_kind kind = SIP_TRANSPORT_UDP;
  parse_kind(config_get_string(cfg, section, "transport"), &kind);
  g_autofree char *host = NULL;
  guint16 port = 0;
  const char *reason = NULL;
  if (!config_parse_listen(config_get_string(cfg, section, "address"), &host, &port, &reason)) {
    g_warning("trunk %s: address: %s", name, reason);
    return;
  }
  const char *domain = config_get_string(cfg, section, "domain");
  if (!*domain)
    domain = host;
  const char *user = config_get_string(cfg, section, "username");
  const char *auth_user = config_get_string(cfg, section, "auth-username");
  g_autofree char *registrar = g_strdup_printf("sip:%s", domain);
  g_autofree char *aor = g_strdup_printf("sip:%s@%s", user, domain);
  sip_credentials creds = {
    .username = *auth_user ? auth_user : user,
    .password = config_get_string(cfg, section, "password"),
  };
  sip_registration_params p = {
    .registrar_uri = registrar,
    .aor = aor,
    .expires = (guint32)config_get_uint(cfg, section, "expires"),
    .credentials = *creds.password ? &creds : NULL,
  };
  if (!sip_addr_set(&p.next_hop, kind, host, port, 0)) {
    g_warning("trunk %s: address %s is not usable", name, host);
    return;
  }
  if (!g_hostname_is_ip_address(host)) {
    g_warning("trunk %s: address must be an IP address for now (%s)", name, host);
    return;
  }
  guint handle = sip_stack_register(ua->stack, g_get_monotonic_time(), &p);
  if (!handle) {
    g_warning("trunk %s: cannot start registering %s", name, aor);
    return;
  }
  sip_ua_registration *r = g_new0(sip_ua_registration, 1);
  r->trunk = g_strdup(name);
  r->aor = g_strdup(aor);
  r->state = SIP_REG_REGISTERING;
  g_ptr_array_add(ua->registrations, r);
  g_array_append_val(ua->registration_ids, handle);
  g_message("trunk %s: registering %s with %s:%u over %s", name, aor, host, port, sip_transport_name(kind));
}

/* Remembers how to check the certificate of a TLS trunk. */
static void
add_trunk_tls_policy(sip_ua *ua, const char *name)
{
  g_autofree char *section = g_strdup_printf("trunk:%s", name);
  const config *cfg = ua->gw->cfg;
  if (g_ascii_strcasecmp(config_get_string(cfg, section, "transport"), "tls") != 0)
    return;
  g_autofree char *host = NULL;
  guint16 port = 0;
  const char *reason = NULL;
  if (!config_parse_listen(config_get_string(cfg, section, "address"), &host, &port, &reason))
    return;
  trunk_tls *t = g_new0(trunk_tls, 1);
  if (!sip_addr_set(&t->addr, SIP_TRANSPORT_TLS, host, port, 0)) {
    g_free(t);
    return;
  }
  const char *pin = config_get_string(cfg, section, "tls-fingerprint");
  const char *server_name = config_get_string(cfg, section, "tls-server-name");
  const char *domain = config_get_string(cfg, section, "domain");
  t->server_name = g_strdup(*server_name ? server_name : *domain ? domain : host);
  t->policy.server_name = t->server_name;
  t->policy.verify = config_get_bool(cfg, section, "tls-verify");
  if (*pin && fingerprint_parse(pin, strlen(pin), &t->pin, &reason) == 0) {
    t->policy.verify = FALSE; /* the pin replaces the CA check */
    t->policy.pin = &t->pin;
  }
  if (!t->policy.verify && !t->policy.pin)
    g_warning("trunk %s: TLS certificate checks are off (tls-verify = false)", name);
  g_ptr_array_add(ua->tls_policies, t);
}

static void
trunk_tls_free(trunk_tls *t)
{
  g_free(t->server_name);
  g_free(t);
}

sip_ua *
sip_ua_new(gateway *gw, GError **error)
{
  g_autoptr(GArray) specs = g_array_new(FALSE, TRUE, sizeof(sip_listen_spec));
  const char *reason = NULL;
  if (sip_listen_parse(config_get_string(gw->cfg, "sip", "listen"), specs, &reason) < 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "sip.listen: %s", reason);
    return NULL;
  }
  sip_ua *ua = g_new0(sip_ua, 1);
  ua->gw = gw;
  ua->registrations = g_ptr_array_new_with_free_func((GDestroyNotify)registration_free);
  ua->registration_ids = g_array_new(FALSE, FALSE, sizeof(guint));
  ua->tls_policies = g_ptr_array_new_with_free_func((GDestroyNotify)trunk_tls_free);

  sip_transport_config tc = {
    .listen = (const sip_listen_spec *)specs->data,
    .n_listen = specs->len,
    .identity = gw->identity,
    .limits = SIP_LIMITS_DEFAULT,
    .callbacks = { .on_message = on_message, .on_send_error = on_send_error, .user_data = ua },
  };
  ua->transport = sip_transport_new(&tc, error);
  for (guint i = 0; i < specs->len; i++)
    g_free((char *)g_array_index(specs, sip_listen_spec, i).host);
  if (!ua->transport) {
    sip_ua_free(ua);
    return NULL;
  }

  sip_stack_config sc = { .contact_user = "rtc2sip", .user_agent = "rtc2sip/" PACKAGE_VERSION };
  for (int k = 0; k < SIP_TRANSPORT_COUNT; k++) {
    guint16 port = sip_transport_local_port(ua->transport, k);
    if (port) {
      sc.local[k].host = sip_transport_local_host(ua->transport, k);
      sc.local[k].port = port;
    }
  }
  ua->stack = sip_stack_new(&sc);

  g_auto(GStrv) trunks = config_sections_with_prefix(gw->cfg, "trunk");
  for (guint i = 0; trunks[i]; i++) {
    add_trunk_tls_policy(ua, trunks[i]);
    start_trunk_registration(ua, trunks[i]);
  }
  sip_ua_process(ua);
  return ua;
}

void
sip_ua_set_draining(sip_ua *ua, gboolean draining)
{
  sip_stack_set_draining(ua->stack, draining);
}

char *
sip_ua_describe_listeners(const sip_ua *ua)
{
  GString *out = g_string_new(NULL);
  static const char *names[] = { "udp", "tcp", "tls" };
  for (int k = 0; k < SIP_TRANSPORT_COUNT; k++) {
    guint16 port = sip_transport_local_port(ua->transport, k);
    if (!port)
      continue;
    const char *host = sip_transport_local_host(ua->transport, k);
    g_string_append_printf(out, "%s%s:%s%s%s:%u", out->len ? " " : "", names[k],
                           strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", port);
  }
  return g_string_free(out, FALSE);
}

const GPtrArray *
sip_ua_registrations(const sip_ua *ua)
{
  return ua->registrations;
}

static gboolean
wake_up(gpointer data)
{
  return G_SOURCE_REMOVE;
}

void
sip_ua_free(sip_ua *ua)
{
  if (!ua)
    return;
  if (ua->stack && ua->transport) {
    /* Unregister and end dialogs, waiting a moment for the answers. */
    sip_stack_set_draining(ua->stack, TRUE);
    sip_stack_shutdown(ua->stack, g_get_monotonic_time());
    sip_ua_process(ua);
    gint64 end = g_get_monotonic_time() + 1500 * 1000;
    GSource *wake = g_timeout_source_new(1500); /* the wait never outlasts this */
    g_source_set_callback(wake, wake_up, NULL, NULL);
    g_source_attach(wake, NULL);
    while (!ua->shutdown_done && g_get_monotonic_time() < end)
      g_main_context_iteration(NULL, TRUE);
    g_source_destroy(wake);
    g_source_unref(wake);
  }
  if (ua->timer) {
    g_source_destroy(ua->timer);
    g_source_unref(ua->timer);
  }
  sip_transport_free(ua->transport);
  sip_stack_free(ua->stack);
  g_ptr_array_unref(ua->registrations);
  g_array_unref(ua->registration_ids);
  g_ptr_array_unref(ua->tls_policies);
  g_free(ua->contact_host);
  g_free(ua);
}
