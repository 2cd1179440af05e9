/* HTTP listener glue: libwebsockets context and vhost on the GLib loop. */
#define G_LOG_DOMAIN "rtc2sip-web"
#include "web/http_server.h"

#include <string.h>

struct http_server {
  struct lws_context *context;
  struct lws_vhost *vhost;
  struct lws_http_mount mount;
  struct lws_protocols *protocols;
  void *foreign_loops[1];
  char *document_root;
  char *host;
  char *url;
  guint16 port;
};

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

static int
http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
  return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols http_protocol = {
  .name = "http",
  .callback = http_callback,
};

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
  info.foreign_loops = server->foreign_loops;
  info.port = CONTEXT_PORT_NO_LISTEN;
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
  server->vhost = lws_create_vhost(server->context, &vinfo);
  if (!server->vhost) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot listen on %s:%u", options->host,
                options->port);
    http_server_free(server);
    return NULL;
  }
  server->port = (guint16)lws_get_vhost_listen_port(server->vhost);
  server->url = g_strdup_printf("http://%s%s%s:%u/", strchr(server->host, ':') ? "[" : "",
                                server->host, strchr(server->host, ':') ? "]" : "", server->port);
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

void
http_server_free(http_server *server)
{
  if (!server)
    return;
  if (server->context)
    lws_context_destroy(server->context);
  g_free(server->protocols);
  g_free(server->document_root);
  g_free(server->host);
  g_free(server->url);
  g_free(server);
}
