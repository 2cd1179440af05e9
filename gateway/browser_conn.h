/* One page's WebSocket connection: the browser protocol core fed by the
 * libwebsockets glue, and the calls it opened. Main thread only. */
#pragma once
#include "gateway/gateway.h"
#include "signalling/browser/browser_protocol.h"

typedef struct browser_conn {
  gateway *gw;
  ws_connection *ws;         /* NULL once the socket closed */
  browser_session *session;
  GHashTable *calls;         /* call name -> call (borrowed: calls unlink themselves) */
  char *peer;
  char *user;                /* the user this page registered, or NULL */
  char *token_user;          /* the authenticated user (auth = token: its token's; auth = sip: the
                              * user the registrar accepted), or NULL */
  char *auth_pending_user;   /* auth = sip: the user whose registration is under way */
  guint upstream_registration; /* the SIP registration made for it, 0: none */
  JsonNode *register_id;     /* the id of the register request, until answered */
  gboolean upstream_registered;
  char *conn_limit_key;      /* the limits.connections-per-address slot it holds, or NULL */
  char *user_conn_limit_key; /* the limits.connections-per-user slot, once authenticated */
  gboolean refused;          /* over a connection limit: closing, nothing more is read */
} browser_conn;

/* auth = sip: the registrar accepted (or refused) USER's registration made
 * for CONN; accepted makes CONN that user. */
void browser_conn_sip_authenticated(browser_conn *conn, const char *user, gboolean accepted);

/* Drops this page's user registration (local and upstream). */
void browser_conn_unregister(browser_conn *conn);

/* Sends every frame the protocol core queued. */
void browser_conn_flush(browser_conn *conn);
