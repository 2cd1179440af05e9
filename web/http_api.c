/* An HTTP API listener on libwebsockets (see http_api.h). */
#define G_LOG_DOMAIN "rtc2sip-web"
#include "web/http_api.h"

#include <libwebsockets.h>
#include <string.h>

struct http_api_server {
  struct lws_context *context;
  struct lws_vhost *vhost;
  void *foreign_loops[1];
  http_api_handler handler;
  gpointer user_data;
  gsize max_body;
  guint16 port;
  char *host;
  char *url;
};

/* One request in flight on one connection. */
typedef struct {
  char *method, *path, *query, *authorization;
  GString *body;
  gboolean too_large;
  http_api_response response;
  gsize sent;
  gboolean headers_sent;
  gboolean responding;
} api_request;

void
http_api_response_clear(http_api_response *r)
{
  g_free(r->content_type);
  g_free(r->body);
  g_free(r->www_authenticate);
  memset(r, 0, sizeof *r);
}

static void
request_clear(api_request *q)
{
  g_free(q->method);
  g_free(q->path);
  g_free(q->query);
  g_free(q->authorization);
  if (q->body)
    g_string_free(q->body, TRUE);
  http_api_response_clear(&q->response);
  memset(q, 0, sizeof *q);
}

static const char *const method_names[] = {
  [LWSHUMETH_GET] = "GET",       [LWSHUMETH_POST] = "POST",     [LWSHUMETH_OPTIONS] = "OPTIONS",
  [LWSHUMETH_PUT] = "PUT",       [LWSHUMETH_PATCH] = "PATCH",   [LWSHUMETH_DELETE] = "DELETE",
  [LWSHUMETH_CONNECT] = "CONNECT", [LWSHUMETH_HEAD] = "HEAD",
};

static char *
header_copy(struct lws *wsi, enum lws_token_indexes token)
{
  int n = lws_hdr_total_length(wsi, token);
  if (n <= 0 || n > 8192)
    return g_strdup("");
  char *buf = g_malloc(n + 1);
  if (lws_hdr_copy(wsi, buf, n + 1, token) < 0)
    buf[0] = '\0';
  return buf;
}

/* Calls the handler once the request is complete, then asks to write. */
static void
dispatch(struct lws *wsi, http_api_server *server, api_request *q)
{
  char peer[64] = "";
  lws_get_peer_simple(wsi, peer, sizeof peer);
  if (q->too_large) {
    q->response.status = 413;
    q->response.body = g_strdup("{\"error\":\"request body too large\"}");
    q->response.body_len = strlen(q->response.body);
  } else {
    http_api_request req = {
      .method = q->method,
      .path = q->path,
      .query = q->query ? q->query : "",
      .authorization = q->authorization ? q->authorization : "",
      .body = q->body ? q->body->str : "",
      .body_len = q->body ? q->body->len : 0,
      .peer = peer,
    };
    server->handler(&req, &q->response, server->user_data);
  }
  if (!q->response.status)
    q->response.status = 500;
  q->responding = TRUE;
  lws_callback_on_writable(wsi);
}

static int
write_response(struct lws *wsi, api_request *q)
{
  http_api_response *r = &q->response;
  if (!q->headers_sent) {
    guint8 headers[LWS_PRE + 2048];
    guint8 *start = headers + LWS_PRE, *p = start, *end = headers + sizeof headers - 1;
    const char *type = r->content_type ? r->content_type : "application/json";
    if (lws_add_http_common_headers(wsi, r->status, type, r->body_len, &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                    (const unsigned char *)"no-store", 8, &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"x-content-type-options:",
                                    (const unsigned char *)"nosniff", 7, &p, end))
      return -1;
    if (r->www_authenticate &&
        lws_add_http_header_by_name(wsi, (const unsigned char *)"www-authenticate:",
                                    (const unsigned char *)r->www_authenticate,
                                    (int)strlen(r->www_authenticate), &p, end))
      return -1;
    if (lws_finalize_write_http_header(wsi, start, &p, end))
      return -1;
    q->headers_sent = TRUE;
    if (r->body_len) {
      lws_callback_on_writable(wsi);
      return 0;
    }
  }
  if (q->sent < r->body_len) {
    gsize chunk = MIN(r->body_len - q->sent, 16384);
    guint8 *buf = g_malloc(LWS_PRE + chunk);
    memcpy(buf + LWS_PRE, r->body + q->sent, chunk);
    gboolean last = q->sent + chunk == r->body_len;
    int n = lws_write(wsi, buf + LWS_PRE, chunk, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP);
    g_free(buf);
    if (n < (int)chunk)
      return -1;
    q->sent += chunk;
    if (!last) {
      lws_callback_on_writable(wsi);
      return 0;
    }
  }
  request_clear(q);
  return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int
api_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
  struct lws_context *context = lws_get_context(wsi);
  http_api_server *server = context ? lws_context_user(context) : NULL;
  api_request *q = user;

  switch (reason) {
  case LWS_CALLBACK_HTTP: {
    char *uri = NULL;
    int uri_len = 0;
    int m = lws_http_get_uri_and_method(wsi, &uri, &uri_len);
    request_clear(q);
    q->method = g_strdup(m >= 0 && m < (int)G_N_ELEMENTS(method_names) && method_names[m]
                           ? method_names[m] : "OTHER");
    q->path = g_strndup(in, len);
    q->query = header_copy(wsi, WSI_TOKEN_HTTP_URI_ARGS);
    q->authorization = header_copy(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
    q->body = g_string_new(NULL);
    if (m == LWSHUMETH_PUT || m == LWSHUMETH_POST || m == LWSHUMETH_PATCH) {
      char *cl = header_copy(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH);
      gboolean has_body = *cl && g_ascii_strtoull(cl, NULL, 10) > 0;
      g_free(cl);
      if (has_body)
        return 0; /* the body follows */
    }
    dispatch(wsi, server, q);
    return 0;
  }
  case LWS_CALLBACK_HTTP_BODY:
    if (q->body && !q->too_large) {
      if (q->body->len + len > server->max_body)
        q->too_large = TRUE;
      else
        g_string_append_len(q->body, in, len);
    }
    return 0;
  case LWS_CALLBACK_HTTP_BODY_COMPLETION:
    dispatch(wsi, server, q);
    return 0;
  case LWS_CALLBACK_HTTP_WRITEABLE:
    if (!q->responding)
      return 0;
    return write_response(wsi, q);
  case LWS_CALLBACK_CLOSED_HTTP:
    /* Also for a connection closed before any request (a browser's
     * speculative connection): libwebsockets never made its per-session
     * data then, and USER is NULL. */
    if (q)
      request_clear(q);
    return 0;
  default:
    return lws_callback_http_dummy(wsi, reason, user, in, len);
  }
}

static const struct lws_protocols api_protocols[] = {
  { .name = "http-api", .callback = api_callback, .per_session_data_size = sizeof(api_request) },
  { NULL, NULL, 0, 0, 0, NULL, 0 },
};

http_api_server *
http_api_server_new(GMainLoop *loop, const char *host, guint16 port, gsize max_body,
                    http_api_handler handler, gpointer user_data, GError **error)
{
  http_api_server *server = g_new0(http_api_server, 1);
  server->handler = handler;
  server->user_data = user_data;
  server->max_body = max_body;
  server->host = g_strdup(host);
  server->foreign_loops[0] = loop;

  GSocketAddress *probe_addr = NULL;
  g_autoptr(GInetAddress) ia = g_inet_address_new_from_string(host);
  if (ia) {
    g_autoptr(GError) local = NULL;
    probe_addr = g_inet_socket_address_new(ia, port);
    g_autoptr(GSocket) sock = g_socket_new(g_inet_address_get_family(ia), G_SOCKET_TYPE_STREAM,
                                           G_SOCKET_PROTOCOL_TCP, &local);
    if (!sock || !g_socket_bind(sock, probe_addr, TRUE, &local) || !g_socket_listen(sock, &local)) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot listen on %s:%u: %s", host, port,
                  local->message);
      g_object_unref(probe_addr);
      http_api_server_free(server);
      return NULL;
    }
    g_object_unref(probe_addr);
  }

  struct lws_context_creation_info info = { 0 };
  info.options = LWS_SERVER_OPTION_GLIB | LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
  info.foreign_loops = server->foreign_loops;
  info.port = CONTEXT_PORT_NO_LISTEN;
  info.user = server;
  server->context = lws_create_context(&info);
  if (!server->context) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot start libwebsockets for the API");
    http_api_server_free(server);
    return NULL;
  }
  struct lws_context_creation_info vinfo = { 0 };
  vinfo.port = port;
  vinfo.iface = server->host;
  vinfo.protocols = api_protocols;
  vinfo.vhost_name = "rtc2sip-api";
  server->vhost = lws_create_vhost(server->context, &vinfo);
  if (!server->vhost) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot listen on %s:%u", host, port);
    http_api_server_free(server);
    return NULL;
  }
  server->port = (guint16)lws_get_vhost_listen_port(server->vhost);
  server->url = g_strdup_printf("http://%s%s%s:%u/", strchr(host, ':') ? "[" : "", host,
                                strchr(host, ':') ? "]" : "", server->port);
  return server;
}

void
http_api_server_free(http_api_server *server)
{
  if (!server)
    return;
  if (server->context)
    lws_context_destroy(server->context);
  g_free(server->host);
  g_free(server->url);
  g_free(server);
}

guint16
http_api_server_port(const http_api_server *server)
{
  return server->port;
}

const char *
http_api_server_url(const http_api_server *server)
{
  return server->url;
}
