/* WebSocket connections on the page's listener (path /ws). web/ knows the
 * browser protocol only as text frames: it hands each complete frame to the
 * gateway through ws_callbacks and sends what the gateway queues. All on the
 * main thread. */
#pragma once
#include <glib.h>

typedef struct ws_connection ws_connection;

typedef struct {
  /* A connection was accepted; set its user data with ws_connection_set_user. */
  void (*on_open)(ws_connection *c, gpointer data);
  /* One complete text frame (not NUL-terminated; TEXT[LEN] is NUL for convenience). */
  void (*on_message)(ws_connection *c, const char *text, gsize len, gpointer data);
  /* The connection is gone; C is freed right after this returns. */
  void (*on_close)(ws_connection *c, gpointer data);
  /* Optional: decides an upgrade before it happens. ORIGIN and HOST are the
   * request's headers (NULL when absent), PEER its address. Returns NULL to
   * accept, or a reason (static or owned by DATA) to refuse with HTTP 403. */
  const char *(*on_upgrade)(const char *origin, const char *host, const char *peer, gpointer data);
  gpointer data;
  gsize max_message_bytes; /* larger frames close the connection with 1009 */
} ws_callbacks;

/* Queues one text frame. */
void ws_connection_send(ws_connection *c, const char *text, gsize len);
/* Closes after the queued frames are sent; STATUS is a WebSocket close code. */
void ws_connection_close(ws_connection *c, guint16 status, const char *reason);
void ws_connection_set_user(ws_connection *c, gpointer user);
gpointer ws_connection_get_user(const ws_connection *c);
/* "ADDRESS" of the peer; borrowed. */
const char *ws_connection_peer(const ws_connection *c);
