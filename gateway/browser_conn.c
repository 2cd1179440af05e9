/* The page's WebSocket: feeds frames to the protocol core and acts on the
 * requests it returns (see browser_conn.h). */
#define G_LOG_DOMAIN "rtc2sip-browser"
#include "gateway/browser_conn.h"

#include <errno.h>
#include <string.h>

#include "gateway/call.h"
#include "gateway/call_private.h"
#include "gateway/limits.h"
#include "gateway/sip_ua.h"
#include "signalling/browser/browser_origin.h"
#include "signalling/browser/browser_token.h"

void
browser_conn_flush(browser_conn *conn)
{
  char *frame;
  while ((frame = browser_session_pop_output(conn->session))) {
    if (conn->ws)
      ws_connection_send(conn->ws, frame, strlen(frame));
    g_free(frame);
  }
}

/* Whether [limits] apply to pages: not with auth = none, which only runs on
 * loopback where every page shares one address (docs/auth.md). */
static gboolean
page_limits_apply(const gateway *gw)
{
  return gw->limits && strcmp(config_get_string(gw->cfg, "browser", "auth"), "none") != 0;
}

/* limits.connections-per-user, once CONN is authenticated as a user. FALSE:
 * refused (busy, and the socket closes). */
static gboolean
hold_user_connection(browser_conn *conn)
{
  gateway *gw = conn->gw;
  guint max = (guint)config_get_uint(gw->cfg, "limits", "connections-per-user");
  if (!gw->limits || !max || !conn->token_user || conn->user_conn_limit_key)
    return TRUE;
  g_autofree char *key = g_strconcat("conn:user:", conn->token_user, NULL);
  if (limits_try_acquire(gw->limits, g_get_monotonic_time(), key, max) == 0) {
    conn->user_conn_limit_key = g_steal_pointer(&key);
    return TRUE;
  }
  g_autofree char *msg = g_strdup_printf("user %s already has %u connections open (limits.connections-per-user)",
                                         conn->token_user, max);
  g_message("page %s: %s", conn->peer, msg);
  gw->counters.ws_errors_sent++;
  browser_session_send_error(conn->session, NULL, NULL, BROWSER_ERROR_BUSY, msg);
  browser_conn_flush(conn);
  if (conn->ws)
    ws_connection_close(conn->ws, 1013, "busy");
  conn->refused = TRUE;
  return FALSE;
}

static gboolean
auth_is_sip(const gateway *gw)
{
  return !strcmp(config_get_string(gw->cfg, "browser", "auth"), "sip");
}

/* One limit pair for a new call: concurrency on "open:SCOPE", rate per
 * minute on "rate:SCOPE". The slot taken goes into SLOTS. Returns 0, or
 * -EBUSY with *MESSAGE. */
static int
admit_call(browser_conn *conn, const char *scope, const char *who, const char *open_setting,
           const char *rate_setting, GPtrArray *slots, char **message)
{
  gateway *gw = conn->gw;
  guint open = (guint)config_get_uint(gw->cfg, "limits", open_setting);
  guint rate = (guint)config_get_uint(gw->cfg, "limits", rate_setting);
  g_autofree char *open_key = g_strconcat("open:", scope, NULL);
  g_autofree char *rate_key = g_strconcat("rate:", scope, NULL);
  gboolean held = FALSE;
  int rc = limits_try_admit(gw->limits, g_get_monotonic_time(), open_key, open, rate_key, rate, LIMITS_MINUTE_US, &held);
  if (held)
    g_ptr_array_add(slots, g_steal_pointer(&open_key));
  if (rc == -EBUSY)
    *message = g_strdup_printf("call: %s already has %u calls open (limits.%s)", who, open, open_setting);
  else if (rc == -EAGAIN)
    *message = g_strdup_printf("call: %s started %u calls in the last minute (limits.%s)", who, rate, rate_setting);
  else if (rc < 0)
    *message = g_strdup("call: the gateway tracks too many callers right now (limits.table-size)");
  return rc < 0 ? -EBUSY : 0;
}

/* [limits] for a new call of a page: per token user, then per source
 * address (in this order, so that a user hammering past their own limit
 * does not use up the budget of others behind the same address). The slots
 * taken go into SLOTS (the call gives them back when it ends). Returns 0, or
 * -EBUSY with *MESSAGE (logged). */
static int
check_call_limits(browser_conn *conn, GPtrArray *slots, char **message)
{
  gateway *gw = conn->gw;
  if (!page_limits_apply(gw))
    return 0;
  int rc = 0;
  if (conn->token_user) {
    g_autofree char *user_scope = g_strconcat("user:", conn->token_user, NULL);
    g_autofree char *user_who = g_strdup_printf("user %s", conn->token_user);
    rc = admit_call(conn, user_scope, user_who, "concurrent-calls-per-user", "calls-per-minute-per-user", slots,
                    message);
  }
  if (rc == 0) {
    g_autofree char *addr_scope = g_strconcat("addr:", conn->peer, NULL);
    g_autofree char *addr_who = g_strdup_printf("address %s", conn->peer);
    rc = admit_call(conn, addr_scope, addr_who, "concurrent-calls-per-address", "calls-per-minute-per-address",
                    slots, message);
  }
  if (rc < 0) {
    for (guint i = 0; i < slots->len; i++)
      limits_release(gw->limits, slots->pdata[i]);
    g_ptr_array_set_size(slots, 0);
    g_message("page %s: %s", conn->peer, *message);
  }
  return rc;
}

static void
handle_call(browser_conn *conn, browser_request *req)
{
  browser_error_code code = BROWSER_ERROR_INTERNAL;
  g_autofree char *message = NULL;
  g_autoptr(GPtrArray) slots = g_ptr_array_new_with_free_func(g_free);
  if (auth_is_sip(conn->gw) && !conn->token_user) {
    conn->gw->counters.ws_errors_sent++;
    browser_session_send_error(conn->session, req->id, req->call, BROWSER_ERROR_UNAUTHORIZED,
                               "call: register first: this gateway lets a page call once the registrar "
                               "accepted its SIP credentials (browser.auth = sip)");
    browser_session_call_ended(conn->session, req->call);
    return;
  }
  int rc = check_call_limits(conn, slots, &message);
  if (rc < 0)
    code = BROWSER_ERROR_BUSY;
  else
    rc = g_strcmp0(req->to, "echo") == 0
           ? call_start_echo(conn, req->call, req->sdp, &code, &message)
           : call_start_outbound(conn, req->call, req->to, req->sdp, &code, &message);
  call *c = rc < 0 ? NULL : g_hash_table_lookup(conn->calls, req->call);
  for (guint i = 0; i < slots->len; i++) {
    if (c && c->state != CALL_STATE_ENDED)
      call_hold_limit(c, slots->pdata[i]);
    else
      limits_release(conn->gw->limits, slots->pdata[i]);
  }
  if (rc < 0) {
    conn->gw->counters.ws_errors_sent++;
    if (code == BROWSER_ERROR_FORBIDDEN) {
      conn->gw->counters.route_refusals++;
      g_message("page %s: call to %s refused: %s", conn->peer, req->to, message);
    }
    browser_session_send_error(conn->session, req->id, req->call, code, message);
    browser_session_call_ended(conn->session, req->call);
  }
}

/* Drops this page's user registration (local and upstream). */
void
browser_conn_unregister(browser_conn *conn)
{
  if (conn->user && g_hash_table_lookup(conn->gw->users, conn->user) == conn)
    g_hash_table_remove(conn->gw->users, conn->user);
  if (conn->upstream_registration && conn->gw->sip)
    sip_ua_unregister_user(conn->gw->sip, conn->upstream_registration);
  conn->upstream_registration = 0;
  conn->upstream_registered = FALSE;
  g_clear_pointer(&conn->register_id, json_node_unref);
  g_clear_pointer(&conn->user, g_free);
}

/* auth = sip: the page's first register goes to browser.registrar's trunk
 * (its address and domain, whatever uri and proxy the page gave) with the
 * page's password; the page becomes that user only when the registrar
 * accepts (browser_conn_sip_authenticated). */
static void
register_for_auth(browser_conn *conn, browser_request *req)
{
  gateway *gw = conn->gw;
  if (!req->password) {
    browser_session_send_error(conn->session, req->id, NULL, BROWSER_ERROR_UNAUTHORIZED,
                               "register: this gateway authenticates pages by SIP registration "
                               "(browser.auth = sip): give your SIP password");
    return;
  }
  if (conn->auth_pending_user) {
    browser_session_send_error(conn->session, req->id, NULL, BROWSER_ERROR_BUSY,
                               "register: a registration is already under way");
    return;
  }
  const char *trunk = config_get_string(gw->cfg, "browser", "registrar");
  g_autofree char *section = g_strdup_printf("trunk:%s", trunk);
  const char *address = config_get_string(gw->cfg, section, "address");
  const char *domain = config_get_string(gw->cfg, section, "domain");
  g_autofree char *host = NULL;
  guint16 port = 0;
  const char *reason = NULL;
  config_parse_listen(address, &host, &port, &reason);
  g_autofree char *aor = g_strdup_printf("sip:%s@%s", req->user, *domain ? domain : host);
  browser_conn_unregister(conn);
  conn->register_id = req->id ? json_node_copy(req->id) : NULL;
  conn->upstream_registration = sip_ua_register_user(gw->sip, conn, req->user, aor, req->auth_user, req->password,
                                                     address, &reason);
  if (!conn->upstream_registration) {
    g_autofree char *msg = g_strdup_printf("register: %s", reason);
    browser_session_send_error(conn->session, req->id, NULL, BROWSER_ERROR_BAD_REQUEST, msg);
    g_clear_pointer(&conn->register_id, json_node_unref);
    return;
  }
  conn->auth_pending_user = g_strdup(req->user);
  g_message("page %s asks %s to authenticate %s", conn->peer, trunk, aor);
}

void
browser_conn_sip_authenticated(browser_conn *conn, const char *user, gboolean accepted)
{
  gateway *gw = conn->gw;
  if (!auth_is_sip(gw) || conn->token_user || g_strcmp0(conn->auth_pending_user, user) != 0)
    return;
  g_clear_pointer(&conn->auth_pending_user, g_free);
  if (!accepted) {
    g_message("page %s: the registrar refused %s; not authenticated", conn->peer, user);
    return;
  }
  conn->token_user = g_strdup(user);
  if (!hold_user_connection(conn)) {
    browser_conn_unregister(conn);
    return;
  }
  browser_conn *other = g_hash_table_lookup(gw->users, user);
  if (other && other != conn)
    browser_conn_unregister(other); /* the newest authenticated page takes the user's calls */
  g_free(conn->user);
  conn->user = g_strdup(user);
  g_hash_table_insert(gw->users, g_strdup(user), conn);
  g_message("page %s authenticated as %s by SIP registration", conn->peer, user);
}

static void
handle_register(browser_conn *conn, browser_request *req)
{
  gateway *gw = conn->gw;
  if (conn->token_user && strcmp(conn->token_user, req->user) != 0) {
    g_autofree char *msg = g_strdup_printf("register: this page is authenticated as user %s",
                                           conn->token_user);
    browser_session_send_error(conn->session, req->id, NULL, BROWSER_ERROR_UNAUTHORIZED, msg);
    return;
  }
  if (auth_is_sip(gw) && !conn->token_user) {
    register_for_auth(conn, req);
    return;
  }
  browser_conn *other = g_hash_table_lookup(gw->users, req->user);
  if (other && other != conn) {
    browser_session_send_error(conn->session, req->id, NULL, BROWSER_ERROR_BUSY,
                               "register: another page has registered this user");
    return;
  }
  browser_conn_unregister(conn);
  conn->user = g_strdup(req->user);
  g_hash_table_insert(gw->users, g_strdup(req->user), conn);
  if (req->uri && req->password) {
    const char *reason = NULL;
    conn->register_id = req->id ? json_node_copy(req->id) : NULL;
    conn->upstream_registration = sip_ua_register_user(gw->sip, conn, req->user, req->uri, req->auth_user,
                                                       req->password, req->proxy, &reason);
    if (!conn->upstream_registration) {
      g_autofree char *msg = g_strdup_printf("register: %s", reason);
      browser_session_send_error(conn->session, req->id, NULL, BROWSER_ERROR_BAD_REQUEST, msg);
      browser_conn_unregister(conn);
    }
    g_message("page %s registers user %s upstream as %s", conn->peer, req->user, req->uri);
    return; /* registered (or error) when the registrar answers */
  }
  g_message("page %s registered user %s", conn->peer, req->user);
  browser_session_send_registered(conn->session, req->id, req->user, NULL, TRUE);
}

/* auth = token: the hello's token must be signed with browser.secret and
 * not expired; its user becomes the caller's identity. A refused page gets
 * "unauthorized" and the socket closes. */
static gboolean
check_token(browser_conn *conn, browser_request *req)
{
  const config *cfg = conn->gw->cfg;
  const char *secret = config_get_string(cfg, "browser", "secret");
  const char *reason = "malformed: no token";
  char *user = NULL;
  if (req->token &&
      browser_token_verify(req->token, strlen(req->token), (const guint8 *)secret, strlen(secret),
                           g_get_real_time() / G_USEC_PER_SEC,
                           (gint64)config_get_uint(cfg, "browser", "token-leeway"), &user, &reason) == 0) {
    g_free(conn->token_user);
    conn->token_user = user;
    g_message("page %s authenticated as %s", conn->peer, user);
    return TRUE;
  }
  g_autofree char *msg = g_strdup_printf("unauthorized: the token is refused (%s)", reason);
  g_message("page %s: token refused (%s)", conn->peer, reason);
  conn->gw->counters.ws_errors_sent++;
  browser_session_send_error(conn->session, req->id, NULL, BROWSER_ERROR_UNAUTHORIZED, msg);
  browser_conn_flush(conn);
  if (conn->ws)
    ws_connection_close(conn->ws, 1008, "unauthorized");
  return FALSE;
}

static void
handle_request(browser_conn *conn, browser_request *req)
{
  call *c = req->call ? g_hash_table_lookup(conn->calls, req->call) : NULL;

  switch (req->type) {
  case BROWSER_REQ_HELLO:
    if (!strcmp(config_get_string(conn->gw->cfg, "browser", "auth"), "token") &&
        (!check_token(conn, req) || !hold_user_connection(conn)))
      break;
    browser_session_send_welcome(conn->session, req->id, conn->gw->fingerprint_text,
                                 conn->gw->ice_servers);
    break;
  case BROWSER_REQ_CALL:
    handle_call(conn, req);
    break;
  case BROWSER_REQ_CANDIDATE:
    if (c)
      call_add_remote_candidate(c, req->candidate.end_of_candidates ? NULL : req->candidate.candidate);
    break;
  case BROWSER_REQ_HANGUP:
    if (c)
      call_end(c, "the page hung up", 0, FALSE);
    break;
  case BROWSER_REQ_REGISTER:
    handle_register(conn, req);
    break;
  case BROWSER_REQ_UNREGISTER:
    if (!conn->user || g_strcmp0(conn->user, req->user) != 0) {
      browser_session_send_error(conn->session, req->id, NULL, BROWSER_ERROR_NOT_FOUND,
                                 "unregister: this page has not registered that user");
      break;
    }
    browser_conn_unregister(conn);
    browser_session_send_registered(conn->session, req->id, req->user, NULL, FALSE);
    break;
  case BROWSER_REQ_ACCEPT:
    if (c) {
      browser_error_code code = BROWSER_ERROR_BAD_REQUEST;
      g_autofree char *message = NULL;
      if (call_accept(c, req->sdp, &code, &message) < 0)
        browser_session_send_error(conn->session, req->id, req->call, code, message);
    }
    break;
  case BROWSER_REQ_REJECT:
    if (c)
      call_reject(c, req->status);
    break;
  case BROWSER_REQ_DTMF:
    if (c) {
      browser_error_code code = BROWSER_ERROR_BAD_REQUEST;
      g_autofree char *message = NULL;
      if (call_send_dtmf(c, req->digits, req->duration_ms, &code, &message) < 0)
        browser_session_send_error(conn->session, req->id, req->call, code, message);
    }
    break;
  case BROWSER_REQ_PING:
    break;
  }
}

static void
on_open(ws_connection *ws, gpointer data)
{
  gateway *gw = data;
  browser_limits session_limits;
  browser_limits_init_default(&session_limits);
  session_limits.max_message_bytes = config_get_uint(gw->cfg, "browser", "max-message-bytes");
  session_limits.max_calls = config_get_uint(gw->cfg, "browser", "max-calls");
  session_limits.max_messages_per_second = config_get_uint(gw->cfg, "browser", "messages-per-second");

  browser_conn *conn = g_new0(browser_conn, 1);
  conn->gw = gw;
  conn->ws = ws;
  conn->session = browser_session_new(&session_limits);
  conn->calls = g_hash_table_new(g_str_hash, g_str_equal);
  /* An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d. */
  const char *peer = ws_connection_peer(ws);
  conn->peer = g_strdup(g_str_has_prefix(peer, "::ffff:") && strchr(peer, '.') ? peer + 7 : peer);
  ws_connection_set_user(ws, conn);
  g_hash_table_add(gw->connections, conn);
  gw->counters.ws_connections_total++;
  g_debug("page connected from %s", conn->peer);
  guint per_address = (guint)config_get_uint(gw->cfg, "limits", "connections-per-address");
  if (page_limits_apply(gw) && per_address) {
    g_autofree char *key = g_strconcat("conn:", conn->peer, NULL);
    if (limits_try_acquire(gw->limits, g_get_monotonic_time(), key, per_address) == 0) {
      conn->conn_limit_key = g_steal_pointer(&key);
    } else {
      g_autofree char *msg = g_strdup_printf("too many connections from %s: at most %u at once "
                                             "(limits.connections-per-address)", conn->peer, per_address);
      g_message("page %s: %s", conn->peer, msg);
      gw->counters.ws_errors_sent++;
      browser_session_send_error(conn->session, NULL, NULL, BROWSER_ERROR_BUSY, msg);
      browser_conn_flush(conn);
      ws_connection_close(ws, 1013, "busy");
      conn->refused = TRUE;
    }
  }
}

static void
on_message(ws_connection *ws, const char *text, gsize len, gpointer data)
{
  browser_conn *conn = ws_connection_get_user(ws);
  g_autoptr(browser_request) req = NULL;
  if (!conn || conn->refused)
    return;
  if (!text) {
    /* The glue dropped an oversize frame without buffering it. */
    g_autofree char *msg = g_strdup_printf("message too large: the limit is %" G_GUINT64_FORMAT
                                           " bytes (browser.max-message-bytes)",
                                           config_get_uint(conn->gw->cfg, "browser", "max-message-bytes"));
    conn->gw->counters.ws_errors_sent++;
    browser_session_send_error(conn->session, NULL, NULL, BROWSER_ERROR_BAD_REQUEST, msg);
    browser_conn_flush(conn);
    return;
  }
  int rc = browser_session_feed(conn->session, g_get_monotonic_time(), text, len, &req);
  if (rc < 0) {
    conn->gw->counters.ws_errors_sent++;
    g_debug("page %s: message refused (%d)", conn->peer, rc);
  } else if (req) {
    handle_request(conn, req);
  }
  browser_conn_flush(conn);
}

static void
browser_conn_free(browser_conn *conn)
{
  browser_session_free(conn->session);
  g_hash_table_unref(conn->calls);
  if (conn->conn_limit_key && conn->gw->limits)
    limits_release(conn->gw->limits, conn->conn_limit_key);
  g_free(conn->conn_limit_key);
  if (conn->user_conn_limit_key && conn->gw->limits)
    limits_release(conn->gw->limits, conn->user_conn_limit_key);
  g_free(conn->user_conn_limit_key);
  g_free(conn->auth_pending_user);
  g_free(conn->peer);
  g_free(conn->token_user);
  g_free(conn);
}

/* Hangs up every call of CONN (the socket is gone) and frees it. */
static void
browser_conn_release(browser_conn *conn)
{
  g_autoptr(GPtrArray) calls = gateway_table_values(conn->calls);
  if (conn->ws)
    ws_connection_set_user(conn->ws, NULL);
  conn->ws = NULL;
  for (guint i = 0; i < calls->len; i++)
    call_end(calls->pdata[i], "the page closed its WebSocket", 0, FALSE);
  browser_conn_unregister(conn);
  g_hash_table_remove(conn->gw->connections, conn);
  browser_conn_free(conn);
}

static void
on_close(ws_connection *ws, gpointer data)
{
  browser_conn *conn = ws_connection_get_user(ws);
  if (!conn)
    return;
  g_debug("page %s disconnected", conn->peer);
  browser_conn_release(conn);
}

/* [http] allowed-origins: refused upgrades get 403, are logged and counted. */
static const char *
on_upgrade(const char *origin, const char *host, const char *peer, gpointer data)
{
  gateway *gw = data;
  const char *reason = NULL;
  if (!gw->origins || browser_origin_policy_check(gw->origins, origin, host, &reason) == 0)
    return NULL;
  gw->counters.ws_origin_refusals++;
  g_autofree char *shown = origin ? g_strescape(origin, NULL) : g_strdup("(none)");
  if (strlen(shown) > 200)
    strcpy(shown + 190, "…");
  g_message("page %s: WebSocket from origin %s refused with 403 (%s)", peer, shown, reason);
  return reason;
}

const ws_callbacks *
browser_conn_ws_callbacks(gateway *gw)
{
  static ws_callbacks callbacks = {
    .on_upgrade = on_upgrade,
    .on_open = on_open,
    .on_message = on_message,
    .on_close = on_close,
  };
  callbacks.data = gw;
  callbacks.max_message_bytes = config_get_uint(gw->cfg, "browser", "max-message-bytes");
  return &callbacks;
}

void
browser_conn_close_all(gateway *gw)
{
  g_autoptr(GPtrArray) conns = gateway_table_values(gw->connections);
  for (guint i = 0; i < conns->len; i++)
    browser_conn_release(conns->pdata[i]);
}
