/* The page's HTTP listener: libwebsockets on the GLib main loop, serving the
 * static files of the document root. Other modules add WebSocket protocols
 * (the browser protocol at /ws) through http_server_options.protocols. */
#pragma once
#include <gio/gio.h>
#include <libwebsockets.h>

#include "web/ws_connection.h"

typedef struct http_server http_server;

typedef struct {
  const char *host;          /* address to listen on */
  guint16 port;              /* 0 picks a free port */
  const char *document_root; /* folder served at / */
  /* Extra protocols (WebSocket subprotocols), terminated by an entry with a
   * NULL name; borrowed, must outlive the server. NULL for none. */
  const struct lws_protocols *protocols;
  /* WebSocket endpoint: upgrades to WS_PATH reach WS; others are refused. */
  const char *ws_path; /* e.g. "/ws"; NULL = no WebSocket */
  const ws_callbacks *ws;
  /* TLS: PEM files of the certificate (chain) and its private key, both or
   * neither. With them the listener speaks HTTPS and WSS only (HTTP/1.1),
   * through libwebsockets' own TLS. Copied. */
  const char *tls_certificate;
  const char *tls_private_key;
} http_server_options;

/* Starts listening on the GLib default main context, which LOOP runs.
 * Returns NULL with ERROR naming the address when it cannot listen. */
http_server *http_server_new(GMainLoop *loop, const http_server_options *options, GError **error);
/* The port actually listened on (useful with port 0). */
guint16 http_server_port(const http_server *server);
/* "http://HOST:PORT/" (or https://) of the listener; borrowed. */
const char *http_server_url(const http_server *server);
/* Reads the certificate and key files again and gives them to new TLS
 * connections; open connections keep the certificate they were made with.
 * The caller checks the files first: libwebsockets replaces the certificate
 * in place, so a pair it refuses half-way leaves the listener without a
 * usable one. FALSE with ERROR (libwebsockets' reason) when it refused. */
gboolean http_server_reload_tls(http_server *server, GError **error);
/* Stops listening and closes every connection. */
void http_server_free(http_server *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(http_server, http_server_free)

/* Routes libwebsockets' own log lines into GLib logging (domain rtc2sip-web). */
void http_server_route_lws_logs(gboolean verbose);
