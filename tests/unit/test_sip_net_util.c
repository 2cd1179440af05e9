#include "tests/unit/test_sip_net_util.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

static void on_message(const sip_addr *from, GBytes *message, gpointer user_data) {
  net_collector *c = user_data;
  net_received r = { *from, g_bytes_ref(message) };
  g_array_append_val(c->messages, r);
}

static void on_send_error(const sip_addr *to, int error, const char *reason,
                          gpointer user_data) {
  net_collector *c = user_data;
  net_error e = { *to, error, g_strdup(reason) };
  g_array_append_val(c->errors, e);
}

static void received_clear(gpointer data) {
  net_received *r = data;
  g_bytes_unref(r->message);
}

static void error_clear(gpointer data) {
  net_error *e = data;
  g_free(e->reason);
}

void net_collector_init(net_collector *c) {
  c->messages = g_array_new(FALSE, TRUE, sizeof(net_received));
  g_array_set_clear_func(c->messages, received_clear);
  c->errors = g_array_new(FALSE, TRUE, sizeof(net_error));
  g_array_set_clear_func(c->errors, error_clear);
}

void net_collector_clear(net_collector *c) {
  g_array_unref(c->messages);
  g_array_unref(c->errors);
}

sip_transport_callbacks net_collector_callbacks(net_collector *c) {
  return (sip_transport_callbacks){ on_message, on_send_error, c };
}

const char *net_message_text(net_collector *c, guint i, gsize *len) {
  g_assert_cmpuint(i, <, c->messages->len);
  return g_bytes_get_data(g_array_index(c->messages, net_received, i).message, len);
}

static gboolean timeout_cb(gpointer data) {
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean net_run_until(gboolean (*cond)(gpointer data), gpointer data, guint timeout_ms) {
  gboolean timed_out = FALSE;
  GSource *timer = g_timeout_source_new(timeout_ms);
  g_source_set_callback(timer, timeout_cb, &timed_out, NULL);
  g_source_attach(timer, NULL);
  gboolean ok;
  while (!(ok = cond(data)) && !timed_out)
    g_main_context_iteration(NULL, TRUE);
  g_source_destroy(timer);
  g_source_unref(timer);
  return ok;
}

gboolean net_wait_done(gpointer data) {
  net_wait *w = data;
  return w->collector->messages->len >= w->messages && w->collector->errors->len >= w->errors;
}

gboolean net_wait_messages(net_collector *c, guint n) {
  net_wait w = { c, n, 0 };
  return net_run_until(net_wait_done, &w, NET_TIMEOUT_MS);
}

gboolean net_wait_errors(net_collector *c, guint n) {
  net_wait w = { c, 0, n };
  return net_run_until(net_wait_done, &w, NET_TIMEOUT_MS);
}

char *net_make_request(guint seq, const char *body) {
  gsize body_len = body ? strlen(body) : 0;
  return g_strdup_printf("OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\n"
                         "Via: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK%u;rport\r\n"
                         "Max-Forwards: 70\r\n"
                         "From: <sip:alice@127.0.0.1>;tag=a%u\r\n"
                         "To: <sip:bob@127.0.0.1>\r\n"
                         "Call-ID: call-%u@test\r\n"
                         "CSeq: %u OPTIONS\r\n"
                         "%s"
                         "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n%s",
                         seq, seq, seq, seq, body ? "Content-Type: text/plain\r\n" : "",
                         body_len, body ? body : "");
}

GSocket *net_tcp_client(const char *host, guint16 port) {
  g_autoptr(GInetAddress) ip = g_inet_address_new_from_string(host);
  g_assert_nonnull(ip);
  g_autoptr(GError) error = NULL;
  GSocket *s = g_socket_new(g_inet_address_get_family(ip), G_SOCKET_TYPE_STREAM,
                            G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error(error);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new(ip, port);
  /* A blocking connect to a listening socket completes in the kernel. */
  g_socket_connect(s, address, NULL, &error);
  g_assert_no_error(error);
  g_socket_set_blocking(s, FALSE);
  g_socket_set_option(s, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  return s;
}

void net_write_all(GSocket *s, const void *data, gsize len) {
  const char *p = data;
  gint64 deadline = g_get_monotonic_time() + NET_TIMEOUT_MS * 1000;
  while (len > 0) {
    g_autoptr(GError) error = NULL;
    gssize n = g_socket_send(s, p, len, NULL, &error);
    if (n < 0) {
      g_assert_true(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK));
      g_assert_cmpint(g_get_monotonic_time(), <, deadline);
      g_main_context_iteration(NULL, FALSE);
      continue;
    }
    p += n;
    len -= (gsize)n;
  }
}

typedef struct {
  GSocket *s;
  GString *acc;
  gsize n;
  gboolean eof;
} read_wait;

static gboolean read_cond(gpointer data) {
  read_wait *w = data;
  char buf[4096];
  for (;;) {
    g_autoptr(GError) error = NULL;
    gssize n = g_socket_receive(w->s, buf, sizeof buf, NULL, &error);
    if (n < 0 && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
      break;
    if (n <= 0) {
      w->eof = TRUE;
      return TRUE;
    }
    if (w->acc)
      g_string_append_len(w->acc, buf, n);
  }
  return w->acc && w->acc->len >= w->n;
}

gboolean net_read_at_least(GSocket *s, GString *acc, gsize n) {
  read_wait w = { s, acc, n, FALSE };
  return net_run_until(read_cond, &w, NET_TIMEOUT_MS) && !w.eof;
}

gboolean net_wait_closed(GSocket *s) {
  read_wait w = { s, NULL, 0, FALSE };
  return net_run_until(read_cond, &w, NET_TIMEOUT_MS) && w.eof;
}

sip_transport *net_transport_new(sip_transport_kind kind, const char *host, net_collector *c,
                                 identity *id) {
  sip_listen_spec spec = { kind, host, 0 };
  sip_transport_config config = { 0 };
  config.listen = &spec;
  config.n_listen = host ? 1 : 0;
  config.identity = id;
  config.callbacks = net_collector_callbacks(c);
  g_autoptr(GError) error = NULL;
  sip_transport *t = sip_transport_new(&config, &error);
  g_assert_no_error(error);
  return t;
}

typedef struct {
  sip_transport *t;
  gsize offset;
  guint64 value;
} stat_wait;

static gboolean stat_cond(gpointer data) {
  stat_wait *w = data;
  sip_transport_stats stats;
  sip_transport_get_stats(w->t, &stats);
  return G_STRUCT_MEMBER(guint64, &stats, w->offset) >= w->value;
}

gboolean net_wait_stat(sip_transport *t, gsize field_offset, guint64 value) {
  stat_wait w = { t, field_offset, value };
  return net_run_until(stat_cond, &w, NET_TIMEOUT_MS);
}

static gboolean stat_below_cond(gpointer data) {
  stat_wait *w = data;
  sip_transport_stats stats;
  sip_transport_get_stats(w->t, &stats);
  return G_STRUCT_MEMBER(guint64, &stats, w->offset) < w->value;
}

gboolean net_wait_stat_below(sip_transport *t, gsize field_offset, guint64 value) {
  stat_wait w = { t, field_offset, value };
  return net_run_until(stat_below_cond, &w, NET_TIMEOUT_MS);
}
