/* A small HTTP/1.1 API listener (the admin side): libwebsockets on the GLib
 * loop, every request handed whole (method, path, headers the handler asks
 * for, body up to a limit) to one handler, which returns the response.
 * Separate from the page's listener. Main thread only. */
#pragma once
#include <gio/gio.h>

typedef struct {
  const char *method;        /* "GET", "PUT", "DELETE", "POST", … */
  const char *path;          /* "/api/v1/calls" (no query) */
  const char *query;         /* after '?', or "" */
  const char *authorization; /* the Authorization header, or "" */
  const char *body;          /* NUL-terminated; "" when none */
  gsize body_len;
  const char *peer;          /* client address */
} http_api_request;

typedef struct {
  guint status;              /* 200, 401, 404, … */
  char *content_type;        /* owned; NULL: application/json */
  char *body;                /* owned */
  gsize body_len;
  char *www_authenticate;    /* owned; for 401 */
} http_api_response;

void http_api_response_clear(http_api_response *r);

/* Fills RESPONSE for REQUEST. Runs on the main thread. */
typedef void (*http_api_handler)(const http_api_request *request, http_api_response *response,
                                 gpointer user_data);

typedef struct http_api_server http_api_server;

/* Listens on HOST:PORT (port 0: any; see http_api_server_port). Requests
 * with a body larger than MAX_BODY get 413. */
http_api_server *http_api_server_new(GMainLoop *loop, const char *host, guint16 port, gsize max_body,
                                     http_api_handler handler, gpointer user_data, GError **error);
void http_api_server_free(http_api_server *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(http_api_server, http_api_server_free)
guint16 http_api_server_port(const http_api_server *server);
const char *http_api_server_url(const http_api_server *server);
