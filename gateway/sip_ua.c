/* The gateway's SIP user agent (see sip_ua.h). */
#define G_LOG_DOMAIN "rtc2sip-sip"
#include "build-config.h"

#include "gateway/sip_ua.h"

#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "gateway/call.h"
#include "gateway/call_private.h"
#include "gateway/limits.h"
#include "signalling/sip/net/sip_transport.h"

/* TLS policy toward one trunk address. */
typedef struct {
  sip_addr addr;
  sip_tls_client_policy policy;
  fingerprint pin;
  char *server_name;
} trunk_tls;

/* A registration made for a page user. */
typedef struct {
  browser_conn *conn;
  char *user;
  char *aor;
  guint handle;
} user_registration;

struct sip_ua {
  gateway *gw;
  GHashTable *call_by_dialog; /* dialog handle -> call serial (guint64 *) */
  GHashTable *call_by_txn;    /* INVITE transaction -> call serial */
  GHashTable *users_by_reg;   /* registration handle -> user_registration */
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

static void
user_registration_free(user_registration *r)
{
  g_free(r->user);
  g_free(r->aor);
  g_free(r);
}

/* A page user's upstream registration changed. FALSE: not a page's. */
static gboolean
on_user_registration(sip_ua *ua, const sip_event *ev)
{
  user_registration *r = g_hash_table_lookup(ua->users_by_reg, GUINT_TO_POINTER(ev->registration));
  if (!r)
    return FALSE;
  browser_conn *conn = r->conn;
  if (conn && ev->reg_state == SIP_REG_REGISTERED) {
    g_message("page user %s: %s registered upstream for %u s", r->user, r->aor, ev->expires);
    browser_conn_sip_authenticated(conn, r->user, TRUE);
    if (conn->register_id || !conn->upstream_registered) {
      browser_session_send_registered(conn->session, conn->register_id, r->user, r->aor, TRUE);
      g_clear_pointer(&conn->register_id, json_node_unref);
    }
    conn->upstream_registered = TRUE;
    browser_conn_flush(conn);
  } else if (conn && ev->reg_state == SIP_REG_FAILED) {
    g_autofree char *msg = g_strdup_printf("the registrar refused %s: %u %s", r->aor, ev->status,
                                           ev->reason ? ev->reason : "");
    g_message("page user %s: %s", r->user, msg);
    browser_conn_sip_authenticated(conn, r->user, FALSE);
    browser_session_send_error(conn->session, conn->register_id, NULL,
                               ev->status == 401 || ev->status == 403 || ev->status == 407
                                 ? BROWSER_ERROR_UNAUTHORIZED : BROWSER_ERROR_UNAVAILABLE, msg);
    g_clear_pointer(&conn->register_id, json_node_unref);
    browser_conn_flush(conn);
  }
  if (ev->reg_state == SIP_REG_UNREGISTERED && !conn)
    g_hash_table_remove(ua->users_by_reg, GUINT_TO_POINTER(ev->registration));
  return TRUE;
}

const char *
sip_ua_registration_state_name(sip_registration_state s)
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
    g_message("trunk %s: %s %s", r->trunk, r->aor, sip_ua_registration_state_name(ev->reg_state));
  }
}

static call *
lookup(sip_ua *ua, GHashTable *table, guint handle)
{
  guint64 *serial = handle ? g_hash_table_lookup(table, GUINT_TO_POINTER(handle)) : NULL;
  return serial ? gateway_find_call(ua->gw, *serial) : NULL;
}

static void
bind_handle(GHashTable *table, guint handle, call *c)
{
  guint64 *serial = g_new(guint64, 1);
  *serial = call_serial(c);
  g_hash_table_replace(table, GUINT_TO_POINTER(handle), serial);
}

/* The user part of the Request-URI, unescaped. Caller frees. */
static char *
request_user(const sip_message *msg)
{
  sip_uri uri;
  if (sip_message_request_uri_parse(msg, &uri, NULL) < 0 || !uri.user.len)
    return NULL;
  g_autofree char *out = g_malloc(uri.user.len + 1);
  gssize n = sip_unescape(uri.user, out);
  if (n < 0 || memchr(out, '\0', (gsize)n))
    return NULL;
  return g_strndup(out, (gsize)n);
}

/* The trunk whose address is HOST (an IP literal), or NULL. Caller frees. */
static char *
source_trunk(const gateway *gw, const char *host)
{
  g_autoptr(GInetAddress) from = g_inet_address_new_from_string(host);
  g_auto(GStrv) trunks = config_sections_with_prefix(gw->cfg, "trunk");
  for (guint i = 0; from && trunks[i]; i++) {
    g_autofree char *section = g_strdup_printf("trunk:%s", trunks[i]);
    g_autofree char *thost = NULL;
    guint16 port;
    const char *reason;
    if (!config_parse_listen(config_get_string(gw->cfg, section, "address"), &thost, &port, &reason))
      continue;
    g_autoptr(GInetAddress) a = g_inet_address_new_from_string(thost);
    if (a && g_inet_address_equal(a, from))
      return g_strdup(trunks[i]);
  }
  return NULL;
}

/* Is HOST in [sip] trusted? */
static gboolean
source_trusted(const gateway *gw, const char *host)
{
  g_autoptr(GInetAddress) from = g_inet_address_new_from_string(host);
  for (guint i = 0; from && gw->sip_trusted && i < gw->sip_trusted->len; i++)
    if (g_inet_address_mask_matches(gw->sip_trusted->pdata[i], from))
      return TRUE;
  return FALSE;
}

static void
refuse_503(sip_ua *ua, const sip_event *ev, const char *why)
{
  g_autofree char *warning = g_strdup_printf("399 rtc2sip \"%s\"", why);
  const char *hdrs[] = { "Retry-After", "5", "Warning", warning, NULL };
  sip_ua_respond(ua, ev->transaction, 503, NULL, hdrs, NULL, NULL);
  ua->gw->counters.sip_refusals++;
  g_message("INVITE from %s:%u refused with 503: %s", ev->from.host, ev->from.port, why);
}

/* A new INVITE: limits by source (untrusted addresses, trunks), then the
 * page that registered the user it is for. */
static void
on_incoming_invite(sip_ua *ua, const sip_event *ev)
{
  gateway *gw = ua->gw;
  g_autofree char *trunk = source_trunk(gw, ev->from.host);
  guint per_minute = (guint)config_get_uint(gw->cfg, "limits", "sip-invites-per-minute-per-address");
  if (!trunk && per_minute && gw->limits && !source_trusted(gw, ev->from.host)) {
    g_autofree char *key = g_strconcat("sip-rate:", ev->from.host, NULL);
    if (limits_try_rate(gw->limits, g_get_monotonic_time(), key, per_minute) < 0) {
      g_autofree char *why = g_strdup_printf("more than %u INVITEs a minute from %s "
                                             "(limits.sip-invites-per-minute-per-address)", per_minute, ev->from.host);
      refuse_503(ua, ev, why);
      return;
    }
  }
  g_autofree char *user = request_user(ev->msg);
  browser_conn *conn = user ? g_hash_table_lookup(gw->users, user) : NULL;
  if (!conn) {
    sip_stack_respond(ua->stack, g_get_monotonic_time(), ev->transaction, 404, "Not Found", NULL, NULL,
                      NULL, 0, NULL);
    g_message("INVITE for %s: no page has registered that user (404)", user ? user : "(no user)");
    return;
  }
  g_autofree char *slot = NULL;
  g_autofree char *why = NULL;
  if (trunk && call_trunk_admit(gw, trunk, &slot, &why) < 0) {
    refuse_503(ua, ev, why);
    return;
  }
  call *c = call_sip_incoming(gw, ev, conn, user);
  if (slot && c)
    call_hold_limit(c, slot);
  else if (slot)
    limits_release(gw->limits, slot);
}

static void
handle_event(sip_ua *ua, sip_event *ev)
{
  gint64 now = g_get_monotonic_time();
  call *c = NULL;
  switch (ev->type) {
  case SIP_EVENT_INCOMING_INVITE:
    on_incoming_invite(ua, ev);
    break;
  case SIP_EVENT_INVITE_RESPONSE:
  case SIP_EVENT_BYE:
  case SIP_EVENT_REINVITE:
  case SIP_EVENT_UPDATE:
  case SIP_EVENT_INFO:
  case SIP_EVENT_ACK:
  case SIP_EVENT_DIALOG_ENDED:
  case SIP_EVENT_CANCELLED:
    c = lookup(ua, ua->call_by_dialog, ev->dialog);
    if (!c)
      c = lookup(ua, ua->call_by_txn, ev->transaction);
    if (c)
      call_sip_on_event(c, ev);
    else if (ev->transaction && (ev->type == SIP_EVENT_REINVITE || ev->type == SIP_EVENT_UPDATE ||
                                 ev->type == SIP_EVENT_INFO))
      sip_stack_respond(ua->stack, now, ev->transaction, 481, "Call/Transaction Does Not Exist", NULL,
                        NULL, NULL, 0, NULL);
    if (ev->type == SIP_EVENT_DIALOG_ENDED)
      g_hash_table_remove(ua->call_by_dialog, GUINT_TO_POINTER(ev->dialog));
    break;
  case SIP_EVENT_REQUEST:
    if (ev->transaction)
      sip_stack_respond(ua->stack, now, ev->transaction, 405, "Method Not Allowed", NULL, NULL, NULL, 0, NULL);
    break;
  case SIP_EVENT_REGISTRATION:
    if (!on_user_registration(ua, ev))
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
  ua->call_by_dialog = g_hash_table_new_full(NULL, NULL, NULL, g_free);
  ua->call_by_txn = g_hash_table_new_full(NULL, NULL, NULL, g_free);
  ua->users_by_reg = g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify)user_registration_free);

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
  g_hash_table_unref(ua->call_by_dialog);
  g_hash_table_unref(ua->call_by_txn);
  g_hash_table_unref(ua->users_by_reg);
  g_free(ua->contact_host);
  g_free(ua);
}

/* ---- calls ---- */

static const char *
trunk_section_value(const sip_ua *ua, const call *c, const char *key)
{
  if (!c->trunk)
    return "";
  g_autofree char *section = g_strdup_printf("trunk:%s", c->trunk);
  return config_get_string(ua->gw->cfg, section, key);
}

guint
sip_ua_invite(sip_ua *ua, call *c, const char *request_uri, const char *from_domain,
              const sip_addr *next_hop, const char *sdp)
{
  const char *from_user = trunk_section_value(ua, c, "from-user");
  if (!*from_user)
    from_user = c->conn && c->conn->token_user ? c->conn->token_user
              : c->conn && c->conn->user ? c->conn->user : "rtc2sip";
  g_autofree char *from = g_strdup_printf("<sip:%s@%s>", from_user, from_domain);
  g_autofree char *to = g_strdup_printf("<%s>", request_uri);
  sip_credentials creds = {
    .username = *trunk_section_value(ua, c, "auth-username") ? trunk_section_value(ua, c, "auth-username")
                                                             : trunk_section_value(ua, c, "username"),
    .password = trunk_section_value(ua, c, "password"),
  };
  sip_invite_params p = {
    .request_uri = request_uri,
    .from = from,
    .to = to,
    .next_hop = *next_hop,
    .content_type = "application/sdp",
    .body = sdp,
    .body_len = strlen(sdp),
    .credentials = *creds.password ? &creds : NULL,
  };
  guint dialog = sip_stack_invite(ua->stack, g_get_monotonic_time(), &p);
  if (dialog)
    bind_handle(ua->call_by_dialog, dialog, c);
  sip_ua_process(ua);
  return dialog;
}

guint
sip_ua_respond(sip_ua *ua, guint txn, guint status, const char *reason, const char *const *headers,
               const char *content_type, const char *body)
{
  guint dialog = 0;
  guint64 *serial = g_hash_table_lookup(ua->call_by_txn, GUINT_TO_POINTER(txn));
  sip_stack_respond(ua->stack, g_get_monotonic_time(), txn, status, reason, headers, content_type, body,
                    body ? strlen(body) : 0, &dialog);
  if (dialog && serial) {
    guint64 *copy = g_new(guint64, 1);
    *copy = *serial;
    g_hash_table_replace(ua->call_by_dialog, GUINT_TO_POINTER(dialog), copy);
  }
  if (status >= 200)
    g_hash_table_remove(ua->call_by_txn, GUINT_TO_POINTER(txn));
  sip_ua_process(ua);
  return dialog;
}

void
sip_ua_cancel(sip_ua *ua, guint dialog)
{
  sip_stack_cancel(ua->stack, g_get_monotonic_time(), dialog);
  sip_ua_process(ua);
}

void
sip_ua_bye(sip_ua *ua, guint dialog)
{
  sip_ua_bye_reason(ua, dialog, NULL);
}

void
sip_ua_bye_reason(sip_ua *ua, guint dialog, const char *reason)
{
  sip_stack_bye_reason(ua->stack, g_get_monotonic_time(), dialog, reason);
  sip_ua_process(ua);
}

void
sip_ua_info_dtmf(sip_ua *ua, guint dialog, char digit, guint duration_ms)
{
  g_autofree char *body = g_strdup_printf("Signal=%c\r\nDuration=%u\r\n", digit, duration_ms ? duration_ms : 100);
  sip_stack_info(ua->stack, g_get_monotonic_time(), dialog, "application/dtmf-relay", body, strlen(body));
  sip_ua_process(ua);
}

void
sip_ua_bind_transaction(sip_ua *ua, guint txn, call *c)
{
  bind_handle(ua->call_by_txn, txn, c);
}

static gboolean
is_call(gpointer key, gpointer value, gpointer data)
{
  return *(guint64 *)value == *(guint64 *)data;
}

void
sip_ua_forget_call(sip_ua *ua, call *c)
{
  guint64 serial = call_serial(c);
  g_hash_table_foreach_remove(ua->call_by_txn, is_call, &serial);
  /* Dialogs stay mapped until their DIALOG_ENDED, so a late BYE answer or
   * re-INVITE still finds (or no longer finds) the call by its serial. */
}

gboolean
sip_ua_loopback_only(const sip_ua *ua)
{
  for (int k = 0; k < SIP_TRANSPORT_COUNT; k++) {
    if (!sip_transport_local_port(ua->transport, k))
      continue;
    g_autoptr(GInetAddress) a = g_inet_address_new_from_string(sip_transport_local_host(ua->transport, k));
    if (!a || !g_inet_address_get_is_loopback(a))
      return FALSE;
  }
  return TRUE;
}

/* Is ADDRESS one of this machine's own (any interface, or loopback)? */
static gboolean
address_is_local(GInetAddress *address)
{
  if (g_inet_address_get_is_loopback(address) || g_inet_address_get_is_any(address))
    return TRUE;
  struct ifaddrs *list = NULL;
  gboolean local = FALSE;
  if (getifaddrs(&list) < 0)
    return FALSE;
  for (struct ifaddrs *i = list; i && !local; i = i->ifa_next) {
    if (!i->ifa_addr || (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6))
      continue;
    g_autoptr(GSocketAddress) sa = g_socket_address_new_from_native(
      i->ifa_addr, i->ifa_addr->sa_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
    local = sa && g_inet_address_equal(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(sa)), address);
  }
  freeifaddrs(list);
  return local;
}

gboolean
sip_ua_is_own_address(const sip_ua *ua, const char *host, guint16 port)
{
  g_autoptr(GInetAddress) target = g_inet_address_new_from_string(host);
  if (!target)
    return FALSE;
  for (int k = 0; k < SIP_TRANSPORT_COUNT; k++) {
    if (sip_transport_local_port(ua->transport, k) != port)
      continue;
    g_autoptr(GInetAddress) bound = g_inet_address_new_from_string(sip_transport_local_host(ua->transport, k));
    if (!bound)
      continue;
    if (g_inet_address_equal(bound, target) || g_inet_address_get_is_any(target))
      return TRUE;
    /* A wildcard listener answers on every local address. */
    if (g_inet_address_get_is_any(bound) && address_is_local(target))
      return TRUE;
  }
  return FALSE;
}

const char *
sip_ua_local_host(const sip_ua *ua, sip_transport_kind kind)
{
  const char *h = sip_transport_local_port(ua->transport, kind) ? sip_transport_local_host(ua->transport, kind) : NULL;
  return h ? h : sip_transport_local_host(ua->transport, SIP_TRANSPORT_UDP);
}

const char *
sip_ua_media_address(const sip_ua *ua)
{
  const char *configured = config_get_string(ua->gw->cfg, "sip", "media-address");
  if (*configured)
    return configured;
  const char *h = sip_ua_local_host(ua, SIP_TRANSPORT_UDP);
  return h ? h : "127.0.0.1";
}

void
sip_ua_rtp_ports(const sip_ua *ua, guint16 *min, guint16 *max)
{
  const char *text = config_get_string(ua->gw->cfg, "media", "rtp-ports");
  guint a = 20000, b = 29999;
  if (sscanf(text, "%u-%u", &a, &b) != 2 || a > b || b > 65535)
    a = 20000, b = 29999;
  *min = (guint16)a;
  *max = (guint16)b;
}

guint
sip_ua_register_user(sip_ua *ua, browser_conn *conn, const char *user, const char *aor,
                     const char *auth_user, const char *password, const char *proxy, const char **reason)
{
  g_autofree char *host = NULL;
  guint16 port = 5060;
  const char *r = NULL;
  const char *at = strchr(aor, '@');
  if (!g_str_has_prefix(aor, "sip:") || !at) {
    *reason = "uri: expected sip:user@host";
    return 0;
  }
  if (proxy && *proxy) {
    if (!config_parse_listen(proxy, &host, &port, &r)) {
      *reason = "proxy: expected IP:PORT";
      return 0;
    }
  } else {
    g_autofree char *hostport = g_strndup(at + 1, strcspn(at + 1, ";>?"));
    char *colon = strrchr(hostport, ':');
    host = colon ? g_strndup(hostport, colon - hostport) : g_strdup(hostport);
    if (colon)
      port = (guint16)g_ascii_strtoull(colon + 1, NULL, 10);
  }
  if (!g_hostname_is_ip_address(host)) {
    *reason = "the registrar must be an IP address (give proxy as IP:PORT)";
    return 0;
  }
  g_autofree char *registrar = g_strdup_printf("sip:%s", strchr(aor, '@') + 1);
  char *semi = strpbrk(registrar, ";>?");
  if (semi)
    *semi = '\0';
  const char *ch = sip_ua_local_host(ua, SIP_TRANSPORT_UDP);
  g_autofree char *contact = g_strdup_printf("sip:%s@%s%s%s:%u", user, strchr(ch, ':') ? "[" : "", ch,
                                             strchr(ch, ':') ? "]" : "",
                                             sip_transport_local_port(ua->transport, SIP_TRANSPORT_UDP));
  sip_credentials creds = { .username = auth_user && *auth_user ? auth_user : user, .password = password };
  sip_registration_params p = {
    .registrar_uri = registrar,
    .aor = aor,
    .contact = contact,
    .expires = 3600,
    .credentials = password && *password ? &creds : NULL,
  };
  if (!sip_addr_set(&p.next_hop, SIP_TRANSPORT_UDP, host, port, 0)) {
    *reason = "the registrar address is not usable";
    return 0;
  }
  guint handle = sip_stack_register(ua->stack, g_get_monotonic_time(), &p);
  if (!handle) {
    *reason = "the registration could not start";
    return 0;
  }
  user_registration *ur = g_new0(user_registration, 1);
  ur->conn = conn;
  ur->user = g_strdup(user);
  ur->aor = g_strdup(aor);
  ur->handle = handle;
  g_hash_table_insert(ua->users_by_reg, GUINT_TO_POINTER(handle), ur);
  sip_ua_process(ua);
  return handle;
}

void
sip_ua_unregister_user(sip_ua *ua, guint handle)
{
  user_registration *r = g_hash_table_lookup(ua->users_by_reg, GUINT_TO_POINTER(handle));
  if (r)
    r->conn = NULL; /* the page is gone: nobody to tell */
  sip_stack_unregister(ua->stack, g_get_monotonic_time(), handle);
  sip_ua_process(ua);
}
