/* The transport object: listeners, dispatch of sends by kind, callbacks,
 * counters, the idle sweep timer. */
#define G_LOG_DOMAIN "rtc2sip-sip-net"
#include "signalling/sip/net/sip_transport_private.h"

#include <errno.h>

/* ── A minimal GSource around one fd whose events can change ── */
typedef struct {
  GSource source;
  gboolean (*func)(gpointer user_data, GIOCondition revents);
  gpointer user_data;
  gpointer tag;
} sip_fd_source;

static gboolean fd_source_dispatch(GSource *source, GSourceFunc callback, gpointer user_data) {
  sip_fd_source *s = (sip_fd_source *)source;
  GIOCondition revents = g_source_query_unix_fd(source, s->tag);
  return s->func(s->user_data, revents);
}

static GSourceFuncs fd_source_funcs = { NULL, NULL, fd_source_dispatch, NULL, NULL, NULL };

GSource *sip_transport_fd_source_new(int fd, GIOCondition events,
                                     gboolean (*func)(gpointer user_data, GIOCondition revents),
                                     gpointer user_data, gpointer *tag) {
  GSource *source = g_source_new(&fd_source_funcs, sizeof(sip_fd_source));
  sip_fd_source *s = (sip_fd_source *)source;
  s->func = func;
  s->user_data = user_data;
  s->tag = g_source_add_unix_fd(source, fd, events);
  if (tag)
    *tag = s->tag;
  return source;
}

GInetAddress *sip_transport_parse_ip(const char *host) {
  if (!host || !*host)
    return NULL;
  return g_inet_address_new_from_string(host);
}

char *sip_transport_format_address(sip_transport_kind kind, const char *host, guint16 port) {
  const char *name = kind == SIP_TRANSPORT_UDP ? "udp" : kind == SIP_TRANSPORT_TCP ? "tcp" : "tls";
  if (strchr(host, ':'))
    return g_strdup_printf("%s:[%s]:%u", name, host, port);
  return g_strdup_printf("%s:%s:%u", name, host, port);
}

gboolean sip_transport_socket_address(GSocketAddress *address, sip_addr *out,
                                      sip_transport_kind kind) {
  if (!G_IS_INET_SOCKET_ADDRESS(address))
    return FALSE;
  GInetSocketAddress *isa = G_INET_SOCKET_ADDRESS(address);
  g_autofree char *host = g_inet_address_to_string(g_inet_socket_address_get_address(isa));
  return sip_addr_set(out, kind, host, g_inet_socket_address_get_port(isa), 0);
}

void sip_transport_report_error(sip_transport *t, const sip_addr *to, int error,
                                const char *reason) {
  t->stats.send_errors++;
  g_debug("send to %s %s:%u failed: %s", sip_transport_name(to->kind), to->host, to->port,
          reason);
  if (t->callbacks.on_send_error)
    t->callbacks.on_send_error(to, error, reason, t->callbacks.user_data);
}

void sip_transport_deliver(sip_transport *t, const sip_addr *from, GBytes *message) {
  t->stats.messages_in++;
  if (t->callbacks.on_message)
    t->callbacks.on_message(from, message, t->callbacks.user_data);
}

static void listener_free(gpointer data) {
  sip_transport_listener *l = data;
  if (l->source) {
    g_source_destroy(l->source);
    g_source_unref(l->source);
  }
  if (l->socket) {
    g_socket_close(l->socket, NULL);
    g_object_unref(l->socket);
  }
  g_free(l->host);
  g_free(l);
}

static gboolean sweep_cb(gpointer data) {
  sip_transport *t = data;
  sip_stream_sweep(t, g_get_monotonic_time());
  return G_SOURCE_CONTINUE;
}

sip_transport *sip_transport_new(const sip_transport_config *config, GError **error) {
  g_return_val_if_fail(config != NULL, NULL);
  sip_transport *t = g_new0(sip_transport, 1);
  t->context = g_main_context_ref_thread_default();
  t->callbacks = config->callbacks;
  t->limits = config->limits;
  if (!t->limits.max_message || !t->limits.max_headers || !t->limits.max_line)
    t->limits = SIP_LIMITS_DEFAULT;
  t->max_connections = config->max_connections ? config->max_connections
                                               : SIP_TRANSPORT_DEFAULT_MAX_CONNECTIONS;
  t->max_per_address = config->max_connections_per_address
                           ? config->max_connections_per_address
                           : SIP_TRANSPORT_DEFAULT_MAX_PER_ADDRESS;
  t->idle_timeout_us = config->idle_timeout_us > 0 ? config->idle_timeout_us
                                                   : SIP_TRANSPORT_DEFAULT_IDLE_TIMEOUT_US;
  t->max_queued = config->max_queued ? config->max_queued : SIP_TRANSPORT_DEFAULT_MAX_QUEUED;
  t->connect_timeout_us = config->connect_timeout_us > 0 ? config->connect_timeout_us
                                                         : SIP_TRANSPORT_DEFAULT_CONNECT_TIMEOUT_US;
  t->identity = config->identity ? identity_ref(config->identity) : NULL;
  t->listeners = g_ptr_array_new_with_free_func(listener_free);
  t->conns = g_hash_table_new(g_int64_hash, g_int64_equal);
  t->by_key = g_hash_table_new(g_str_hash, g_str_equal);
  t->per_address = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  t->next_id = 1;
  t->dgram_buf = g_malloc(65535);

  if (sip_tls_transport_init(t, error) < 0) {
    sip_transport_free(t);
    return NULL;
  }
  for (guint i = 0; i < config->n_listen; i++) {
    const sip_listen_spec *spec = &config->listen[i];
    sip_transport_listener *l = g_new0(sip_transport_listener, 1);
    l->transport = t;
    l->kind = spec->kind;
    l->host = g_strdup(spec->host ? spec->host : "0.0.0.0");
    l->port = spec->port;
    g_ptr_array_add(t->listeners, l);
    g_autoptr(GError) local = NULL;
    int rc;
    if (spec->kind == SIP_TRANSPORT_TLS && !t->identity) {
      g_set_error(&local, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                  "a TLS listener needs a certificate");
      rc = -EINVAL;
    } else if (spec->kind == SIP_TRANSPORT_UDP) {
      rc = sip_udp_listener_start(l, &local);
    } else if (spec->kind == SIP_TRANSPORT_TCP || spec->kind == SIP_TRANSPORT_TLS) {
      rc = sip_stream_listener_start(l, &local);
    } else {
      g_set_error(&local, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "unknown transport");
      rc = -EINVAL;
    }
    if (rc < 0) {
      g_autofree char *name = sip_transport_format_address(spec->kind, l->host, spec->port);
      g_set_error(error, G_IO_ERROR, local ? local->code : G_IO_ERROR_FAILED, "%s: %s", name,
                  local ? local->message : "cannot listen");
      sip_transport_free(t);
      return NULL;
    }
  }
  gint64 interval_ms = MIN(t->idle_timeout_us, t->connect_timeout_us) / 4000;
  t->sweep = g_timeout_source_new((guint)CLAMP(interval_ms, 100, 30000));
  g_source_set_callback(t->sweep, sweep_cb, t, NULL);
  g_source_attach(t->sweep, t->context);
  return t;
}

void sip_transport_free(sip_transport *t) {
  if (!t)
    return;
  /* No callback from here on. */
  t->callbacks.on_message = NULL;
  t->callbacks.on_send_error = NULL;
  if (t->sweep) {
    g_source_destroy(t->sweep);
    g_source_unref(t->sweep);
  }
  if (t->conns) {
    GList *conns = g_hash_table_get_values(t->conns);
    for (GList *l = conns; l; l = l->next) {
      sip_conn *c = l->data;
      sip_conn_shutdown(c);
    }
    g_list_free(conns);
    g_hash_table_unref(t->conns);
  }
  if (t->by_key)
    g_hash_table_unref(t->by_key);
  if (t->per_address)
    g_hash_table_unref(t->per_address);
  if (t->listeners)
    g_ptr_array_unref(t->listeners);
  sip_tls_transport_clear(t);
  if (t->identity)
    identity_unref(t->identity);
  g_free(t->dgram_buf);
  g_main_context_unref(t->context);
  g_free(t);
}

int sip_transport_send(sip_transport *t, const sip_addr *to, GBytes *data,
                       const sip_tls_client_policy *policy) {
  g_return_val_if_fail(t != NULL && to != NULL && data != NULL, -EINVAL);
  switch (to->kind) {
  case SIP_TRANSPORT_UDP:
    return sip_udp_send(t, to, data);
  case SIP_TRANSPORT_TCP:
  case SIP_TRANSPORT_TLS:
    return sip_stream_send(t, to, data, policy);
  default:
    return -EINVAL;
  }
}

static const sip_transport_listener *first_listener(const sip_transport *t,
                                                    sip_transport_kind kind) {
  for (guint i = 0; i < t->listeners->len; i++) {
    const sip_transport_listener *l = g_ptr_array_index(t->listeners, i);
    if (l->kind == kind)
      return l;
  }
  return NULL;
}

guint16 sip_transport_local_port(const sip_transport *t, sip_transport_kind kind) {
  const sip_transport_listener *l = first_listener(t, kind);
  return l ? l->port : 0;
}

const char *sip_transport_local_host(const sip_transport *t, sip_transport_kind kind) {
  const sip_transport_listener *l = first_listener(t, kind);
  return l ? l->host : NULL;
}

void sip_transport_get_stats(const sip_transport *t, sip_transport_stats *out) {
  *out = t->stats;
  out->connections_open = g_hash_table_size(t->conns);
}

int sip_transport_errno(const GError *error) {
  if (!error || error->domain != G_IO_ERROR)
    return -EIO;
  switch (error->code) {
  case G_IO_ERROR_WOULD_BLOCK: return -EAGAIN;
  case G_IO_ERROR_CONNECTION_REFUSED: return -ECONNREFUSED;
  case G_IO_ERROR_HOST_UNREACHABLE: return -EHOSTUNREACH;
  case G_IO_ERROR_NETWORK_UNREACHABLE: return -ENETUNREACH;
  case G_IO_ERROR_TIMED_OUT: return -ETIMEDOUT;
  case G_IO_ERROR_ADDRESS_IN_USE: return -EADDRINUSE;
  case G_IO_ERROR_PERMISSION_DENIED: return -EACCES;
  case G_IO_ERROR_BROKEN_PIPE: return -EPIPE;
  case G_IO_ERROR_NOT_CONNECTED: return -ENOTCONN;
  case G_IO_ERROR_MESSAGE_TOO_LARGE: return -EMSGSIZE;
  case G_IO_ERROR_INVALID_ARGUMENT: return -EINVAL;
  default: return -EIO;
  }
}
