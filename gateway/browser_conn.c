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

/* [limits] for token users: calls per minute, then calls open at once (a
 * slot, *SLOT_OUT, that the call gives back when it ends). Returns 0, or
 * -EBUSY with *MESSAGE. */
static int
check_user_limits(browser_conn *conn, char **slot_out, char **message)
{
  gateway *gw = conn->gw;
  if (!conn->token_user || !gw->limits)
    return 0;
  gint64 now = g_get_monotonic_time();
  guint per_minute = (guint)config_get_uint(gw->cfg, "limits", "calls-per-minute-per-user");
  guint concurrent = (guint)config_get_uint(gw->cfg, "limits", "concurrent-calls-per-user");
  g_autofree char *rate_key = g_strconcat("rate:", conn->token_user, NULL);
  g_autofree char *slot_key = g_strconcat("open:", conn->token_user, NULL);
  int rc = 0;
  if (concurrent && limits_try_acquire(gw->limits, now, slot_key, concurrent) < 0) {
    *message = g_strdup_printf("call: user %s already has %u calls open (limits.concurrent-calls-per-user)",
                               conn->token_user, concurrent);
    rc = -EBUSY;
  } else if (per_minute && limits_try_rate(gw->limits, now, rate_key, per_minute) < 0) {
    if (concurrent)
      limits_release(gw->limits, slot_key);
    *message = g_strdup_printf("call: user %s started %u calls in the last minute (limits.calls-per-minute-per-user)",
                               conn->token_user, per_minute);
    rc = -EBUSY;
  } else if (concurrent) {
    *slot_out = g_steal_pointer(&slot_key);
  }
  if (rc < 0)
    g_message("page %s: %s", conn->peer, *message);
  return rc;
}

static void
handle_call(browser_conn *conn, browser_request *req)
{
  browser_error_code code = BROWSER_ERROR_INTERNAL;
  g_autofree char *message = NULL;
  g_autofree char *slot = NULL;
  int rc = check_user_limits(conn, &slot, &message);
  if (rc < 0)
    code = BROWSER_ERROR_BUSY;
  else
    rc = g_strcmp0(req->to, "echo") == 0
           ? call_start_echo(conn, req->call, req->sdp, &code, &message)
           : call_start_outbound(conn, req->call, req->to, req->sdp, &code, &message);
  call *c = rc < 0 ? NULL : g_hash_table_lookup(conn->calls, req->call);
  if (slot && c && c->state != CALL_STATE_ENDED)
    call_hold_limit(c, slot);
  else if (slot)
    limits_release(conn->gw->limits, slot);
  if (rc < 0) {
    conn->gw->counters.ws_errors_sent++;
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

static void
handle_register(browser_conn *conn, browser_request *req)
{
  gateway *gw = conn->gw;
  if (conn->token_user && strcmp(conn->token_user, req->user) != 0) {
    g_autofree char *msg = g_strdup_printf("register: this page's token is for user %s",
                                           conn->token_user);
    browser_session_send_error(conn->session, req->id, NULL, BROWSER_ERROR_UNAUTHORIZED, msg);
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
    if (!strcmp(config_get_string(conn->gw->cfg, "browser", "auth"), "token") && !check_token(conn, req))
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
  conn->peer = g_strdup(ws_connection_peer(ws));
  ws_connection_set_user(ws, conn);
  g_hash_table_add(gw->connections, conn);
  gw->counters.ws_connections_total++;
  g_debug("page connected from %s", conn->peer);
}

static void
on_message(ws_connection *ws, const char *text, gsize len, gpointer data)
{
  browser_conn *conn = ws_connection_get_user(ws);
  g_autoptr(browser_request) req = NULL;
  if (!conn)
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
