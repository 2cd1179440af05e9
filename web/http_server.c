/* HTTP listener glue: libwebsockets context and vhost on the GLib loop. */
#define G_LOG_DOMAIN "rtc2sip-web"
#include "web/http_server.h"

#include <string.h>

/* Bytes of a WebSocket's receive buffer in libwebsockets. */
#define HTTP_WS_RX_BUFFER 1024

struct ws_connection {
  http_server *server;
  struct lws *wsi;
  GQueue outgoing;       /* GBytes, each one text frame */
  GString *incoming;     /* the message being assembled; NULL between messages */
  gboolean oversize;     /* the frame being assembled is over the limit */
  gboolean closing;
  guint16 close_status;
  char *close_reason;
  gpointer user;
  char peer[64];
};

struct http_server {
  char *ws_path;
  ws_callbacks ws;
  GHashTable *connections; /* ws_connection set */
  struct lws_context *context;
  struct lws_vhost *vhost;
  struct lws_http_mount mount;
  struct lws_protocols *protocols;
  void *foreign_loops[1];
  char *document_root;
  char *host;
  char *url;
  guint16 port;
  char *tls_certificate; /* NULL without TLS */
  char *tls_private_key;
};

/* libwebsockets' error lines while a certificate reload runs: its reload
 * call reports nothing else. Main thread only. */
static GString *lws_error_capture;

static void
lws_log_to_glib(int level, const char *line)
{
  gsize n = strlen(line);
  while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
    n--;
  /* lws prefixes lines with its own time stamp and level; keep the text. */
  const char *text = line;
  const char *mark = strstr(line, ": ");
  if (line[0] == '[' && mark && mark < line + n)
    text = mark + 2;
  int len = (int)(n - (text - line));
  if ((level & LLL_ERR) && lws_error_capture)
    g_string_append_printf(lws_error_capture, "%s%.*s", lws_error_capture->len ? "; " : "", len, text);
  if (level & LLL_ERR)
    g_log(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "libwebsockets: %.*s", len, text);
  else if (level & LLL_WARN)
    g_log(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "libwebsockets: %.*s", len, text);
  else
    g_log(G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG, "libwebsockets: %.*s", len, text);
}

void
http_server_route_lws_logs(gboolean verbose)
{
  lws_set_log_level(verbose ? (LLL_ERR | LLL_WARN | LLL_NOTICE) : (LLL_ERR | LLL_WARN),
                    lws_log_to_glib);
}

/* Tries to bind HOST:PORT ourselves to tell the operator exactly why the
 * listener cannot start (libwebsockets only says it failed). */
static char *
probe_listen_error(const char *host, guint16 port)
{
  g_autoptr(GInetAddress) addr = g_inet_address_new_from_string(host);
  g_autoptr(GError) error = NULL;
  if (!addr) {
    g_autoptr(GResolver) resolver = g_resolver_get_default();
    GList *list = g_resolver_lookup_by_name(resolver, host, NULL, &error);
    if (!list)
      return g_strdup(error ? error->message : "cannot resolve the host name");
    addr = g_object_ref(list->data);
    g_resolver_free_addresses(list);
  }
  g_autoptr(GSocketAddress) sa = g_inet_socket_address_new(addr, port);
  g_autoptr(GSocket) sock = g_socket_new(g_inet_address_get_family(addr), G_SOCKET_TYPE_STREAM,
                                         G_SOCKET_PROTOCOL_TCP, &error);
  if (!sock || !g_socket_bind(sock, sa, TRUE, &error) || !g_socket_listen(sock, &error))
    return g_strdup(error->message);
  return NULL;
}

/* Per-session data of the one protocol: the WebSocket connection, if any. */
typedef struct {
  ws_connection *conn;
} session_data;

static void
ws_connection_free(ws_connection *c)
{
  GBytes *b;
  while ((b = g_queue_pop_head(&c->outgoing)))
    g_bytes_unref(b);
  if (c->incoming)
    g_string_free(c->incoming, TRUE);
  g_free(c->close_reason);
  g_free(c);
}

static gboolean
ws_path_allowed(http_server *server, struct lws *wsi)
{
  char uri[256];
  if (!server->ws_path || lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0)
    return FALSE;
  return strcmp(uri, server->ws_path) == 0;
}

/* Copies header TOKEN into BUF; NULL when absent (or longer than BUF). */
static const char *
ws_header(struct lws *wsi, enum lws_token_indexes token, char *buf, int size)
{
  if (lws_hdr_total_length(wsi, token) <= 0 || lws_hdr_total_length(wsi, token) >= size)
    return lws_hdr_total_length(wsi, token) > 0 ? "" : NULL;
  return lws_hdr_copy(wsi, buf, size, token) > 0 ? buf : NULL;
}

static int
ws_filter_upgrade(http_server *server, struct lws *wsi)
{
  char origin_buf[600], host_buf[300], peer[64] = "";
  const char *origin = ws_header(wsi, WSI_TOKEN_ORIGIN, origin_buf, sizeof origin_buf);
  const char *host = ws_header(wsi, WSI_TOKEN_HOST, host_buf, sizeof host_buf);
  lws_get_peer_simple(wsi, peer, sizeof peer);
  const char *refusal = server->ws.on_upgrade(origin, host, peer, server->ws.data);
  if (!refusal)
    return 0;
  lws_return_http_status(wsi, HTTP_STATUS_FORBIDDEN, refusal);
  return -1;
}

static int
ws_receive(ws_connection *c, const char *in, size_t len)
{
  http_server *server = c->server;
  if (lws_is_first_fragment(c->wsi)) {
    if (c->incoming)
      g_string_truncate(c->incoming, 0);
    c->oversize = FALSE;
  }
  if (!c->incoming)
    c->incoming = g_string_sized_new(len);
  if (!c->oversize && c->incoming->len + len > server->ws.max_message_bytes) {
    c->oversize = TRUE;
    g_string_truncate(c->incoming, 0);
  }
  if (!c->oversize)
    g_string_append_len(c->incoming, in, len);
  if (!lws_is_final_fragment(c->wsi) || lws_remaining_packet_payload(c->wsi))
    return 0;
  /* Freed after the callback rather than kept for the next message: a
   * buffer kept per connection stays as large as the largest message (an
   * SDP offer) for the connection's life. */
  g_autoptr(GString) message = g_steal_pointer(&c->incoming);
  if (c->oversize)
    server->ws.on_message(c, NULL, server->ws.max_message_bytes + 1, server->ws.data);
  else
    server->ws.on_message(c, message->str, message->len, server->ws.data);
  return 0;
}

static int
ws_writable(ws_connection *c)
{
  GBytes *b = g_queue_pop_head(&c->outgoing);
  if (b) {
    gsize n;
    const guint8 *data = g_bytes_get_data(b, &n);
    guint8 *buf = g_malloc(LWS_PRE + n);
    memcpy(buf + LWS_PRE, data, n);
    int written = lws_write(c->wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT);
    g_free(buf);
    g_bytes_unref(b);
    if (written < (int)n)
      return -1;
    if (!g_queue_is_empty(&c->outgoing) || c->closing)
      lws_callback_on_writable(c->wsi);
    return 0;
  }
  if (c->closing) {
    lws_close_reason(c->wsi, c->close_status, (unsigned char *)c->close_reason,
                     c->close_reason ? strlen(c->close_reason) : 0);
    return -1;
  }
  return 0;
}

static int
http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
  struct lws_context *context = lws_get_context(wsi);
  http_server *server = context ? lws_context_user(context) : NULL;
  session_data *pss = user;

  switch (reason) {
  case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
    /* A WebSocket upgrade: only on the configured path, and only when the
     * gateway accepts its Origin (refused with 403). */
    if (!server || !server->ws.on_message || !ws_path_allowed(server, wsi))
      return -1;
    return server->ws.on_upgrade ? ws_filter_upgrade(server, wsi) : 0;
  case LWS_CALLBACK_ESTABLISHED: {
    ws_connection *c = g_new0(ws_connection, 1);
    c->server = server;
    c->wsi = wsi;
    g_queue_init(&c->outgoing);
    lws_get_peer_simple(wsi, c->peer, sizeof c->peer);
    pss->conn = c;
    g_hash_table_add(server->connections, c);
    if (server->ws.on_open)
      server->ws.on_open(c, server->ws.data);
    return 0;
  }
  case LWS_CALLBACK_RECEIVE:
    return pss && pss->conn ? ws_receive(pss->conn, in, len) : -1;
  case LWS_CALLBACK_SERVER_WRITEABLE:
    return pss && pss->conn ? ws_writable(pss->conn) : 0;
  case LWS_CALLBACK_CLOSED:
    if (pss && pss->conn) {
      ws_connection *c = pss->conn;
      pss->conn = NULL;
      g_hash_table_remove(server->connections, c);
      if (server->ws.on_close)
        server->ws.on_close(c, server->ws.data);
      ws_connection_free(c);
    }
    return 0;
  default:
    return lws_callback_http_dummy(wsi, reason, user, in, len);
  }
}

static const struct lws_protocols http_protocol = {
  .name = "http",
  .callback = http_callback,
  .per_session_data_size = sizeof(session_data),
  /* Each WebSocket keeps a receive buffer of this size for its whole life
   * (0 would mean the context's 4096-byte pt_serv_buf_size). Browser
   * messages larger than this arrive in several RECEIVE callbacks, which
   * ws_receive joins. */
  .rx_buffer_size = HTTP_WS_RX_BUFFER,
  /* Sends stay limited to 4096 bytes a write, as before (without it lws
   * would limit them to rx_buffer_size). */
  .tx_packet_size = 4096,
};

void
ws_connection_send(ws_connection *c, const char *text, gsize len)
{
  if (c->closing)
    return;
  g_queue_push_tail(&c->outgoing, g_bytes_new(text, len));
  lws_callback_on_writable(c->wsi);
}

void
ws_connection_close(ws_connection *c, guint16 status, const char *reason)
{
  if (c->closing)
    return;
  c->closing = TRUE;
  c->close_status = status;
  c->close_reason = g_strdup(reason);
  lws_callback_on_writable(c->wsi);
}

void
ws_connection_set_user(ws_connection *c, gpointer user)
{
  c->user = user;
}

gpointer
ws_connection_get_user(const ws_connection *c)
{
  return c->user;
}

const char *
ws_connection_peer(const ws_connection *c)
{
  return c->peer;
}

http_server *
http_server_new(GMainLoop *loop, const http_server_options *options, GError **error)
{
  g_autofree char *probe = probe_listen_error(options->host, options->port);
  if (probe) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot listen on %s%s%s:%u: %s",
                strchr(options->host, ':') ? "[" : "", options->host,
                strchr(options->host, ':') ? "]" : "", options->port, probe);
    return NULL;
  }

  http_server *server = g_new0(http_server, 1);
  server->document_root = g_strdup(options->document_root);
  server->host = g_strdup(options->host);
  server->foreign_loops[0] = loop;
  server->ws_path = g_strdup(options->ws_path);
  if (options->ws)
    server->ws = *options->ws;
  if (!server->ws.max_message_bytes)
    server->ws.max_message_bytes = 64 * 1024;
  server->connections = g_hash_table_new(NULL, NULL);
  if (options->tls_certificate && options->tls_private_key) {
    server->tls_certificate = g_strdup(options->tls_certificate);
    server->tls_private_key = g_strdup(options->tls_private_key);
  }

  /* Protocols: plain HTTP first (default for requests without a subprotocol). */
  guint extra = 0;
  while (options->protocols && options->protocols[extra].name)
    extra++;
  server->protocols = g_new0(struct lws_protocols, extra + 2);
  server->protocols[0] = http_protocol;
  for (guint i = 0; i < extra; i++)
    server->protocols[i + 1] = options->protocols[i];

  server->mount.mountpoint = "/";
  server->mount.mountpoint_len = 1;
  server->mount.origin = server->document_root;
  server->mount.origin_protocol = LWSMPRO_FILE;
  server->mount.def = "index.html";

  struct lws_context_creation_info info = { 0 };
  info.options = LWS_SERVER_OPTION_GLIB | LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
  if (server->tls_certificate)
    info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
  info.foreign_loops = server->foreign_loops;
  info.port = CONTEXT_PORT_NO_LISTEN;
  info.user = server;
  server->context = lws_create_context(&info);
  if (!server->context) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                "cannot start libwebsockets on the GLib loop (is libwebsockets-evlib-glib installed?)");
    http_server_free(server);
    return NULL;
  }

  struct lws_context_creation_info vinfo = { 0 };
  vinfo.port = options->port;
  vinfo.iface = server->host;
  vinfo.protocols = server->protocols;
  vinfo.mounts = &server->mount;
  vinfo.vhost_name = "rtc2sip";
  vinfo.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
  if (server->tls_certificate) {
    /* TLS only on this port (plain HTTP gets no answer), and HTTP/1.1 only:
     * the WebSocket upgrade and its Origin and Host checks are HTTP/1.1's. */
    vinfo.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT; /* needed on the vhost too, or plain HTTP */
    vinfo.ssl_cert_filepath = server->tls_certificate;
    vinfo.ssl_private_key_filepath = server->tls_private_key;
    vinfo.alpn = "http/1.1";
  }
  lws_error_capture = g_string_new(NULL);
  server->vhost = lws_create_vhost(server->context, &vinfo);
  g_autoptr(GString) lws_errors = g_steal_pointer(&lws_error_capture);
  if (!server->vhost) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot listen on %s:%u%s%s", options->host,
                options->port, lws_errors->len ? ": " : "", lws_errors->str);
    http_server_free(server);
    return NULL;
  }
  union lws_tls_cert_info_results cert_info;
  if (server->tls_certificate &&
      lws_tls_vhost_cert_info(server->vhost, LWS_TLS_CERT_INFO_VALIDITY_TO, &cert_info, 0) != 0) {
    /* libwebsockets falls back to plain HTTP silently; never serve that. */
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "libwebsockets did not set up TLS on %s:%u%s%s",
                options->host, options->port, lws_errors->len ? ": " : "", lws_errors->str);
    http_server_free(server);
    return NULL;
  }
  server->port = (guint16)lws_get_vhost_listen_port(server->vhost);
  server->url = g_strdup_printf("%s://%s%s%s:%u/", server->tls_certificate ? "https" : "http",
                                strchr(server->host, ':') ? "[" : "", server->host,
                                strchr(server->host, ':') ? "]" : "", server->port);
  g_debug("serving %s from %s", server->url, server->document_root);
  return server;
}

guint16
http_server_port(const http_server *server)
{
  return server->port;
}

const char *
http_server_url(const http_server *server)
{
  return server->url;
}

gboolean
http_server_reload_tls(http_server *server, GError **error)
{
  if (!server->tls_certificate) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "the listener has no TLS");
    return FALSE;
  }
  /* libwebsockets loads the files into the vhost's TLS context in place:
   * new connections get them, open ones keep their own copy. It matches the
   * vhost by these very paths and always returns 0, so failures are read
   * from its error log lines. */
  lws_error_capture = g_string_new(NULL);
  lws_tls_cert_updated(server->context, server->tls_certificate, server->tls_private_key, NULL, 0,
                       NULL, 0);
  g_autoptr(GString) lws_errors = g_steal_pointer(&lws_error_capture);
  if (lws_errors->len) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "libwebsockets: %s", lws_errors->str);
    return FALSE;
  }
  return TRUE;
}

void
http_server_free(http_server *server)
{
  if (!server)
    return;
  if (server->context)
    lws_context_destroy(server->context); /* closes every connection (on_close runs) */
  if (server->connections)
    g_hash_table_unref(server->connections);
  g_free(server->ws_path);
  g_free(server->protocols);
  g_free(server->document_root);
  g_free(server->host);
  g_free(server->url);
  g_free(server->tls_certificate);
  g_free(server->tls_private_key);
  g_free(server);
}
