/* RFC 3263 §4 server location on GResolver (see sip_resolve.h). */
#define G_LOG_DOMAIN "rtc2sip-sip-net"
#include "signalling/sip/net/sip_resolve.h"

#include <string.h>

typedef struct {
  sip_transport_kind kind;
  char *host;
  guint16 port;
} resolve_target;

typedef struct {
  char *host;
  guint16 port;
  sip_transport_kind kind;
  GCancellable *cancellable;
  sip_resolve_callback callback;
  gpointer user_data;
  GMainContext *context;
  GResolver *resolver;
  GArray *result;            /* sip_addr */
  GQueue srv_kinds;          /* GINT_TO_POINTER(kind + 1) still to query */
  GQueue targets;            /* resolve_target* still to look up */
  GError *error;
} resolve_job;

guint16 sip_resolve_default_port(sip_transport_kind kind) {
  return kind == SIP_TRANSPORT_TLS ? 5061 : 5060;
}

static void target_free(gpointer data) {
  resolve_target *target = data;
  g_free(target->host);
  g_free(target);
}

static void job_free(resolve_job *job) {
  g_free(job->host);
  g_clear_object(&job->cancellable);
  g_clear_object(&job->resolver);
  if (job->result)
    g_array_unref(job->result);
  g_queue_clear(&job->srv_kinds);
  g_queue_clear_full(&job->targets, target_free);
  g_clear_error(&job->error);
  g_main_context_unref(job->context);
  g_free(job);
}

static gboolean job_finish_cb(gpointer data) {
  resolve_job *job = data;
  if (!job->error && job->result->len == 0)
    job->error = g_error_new(G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                             "no address found for %s", job->host);
  if (job->error)
    job->callback(NULL, job->error, job->user_data);
  else
    job->callback(g_steal_pointer(&job->result), NULL, job->user_data);
  job_free(job);
  return G_SOURCE_REMOVE;
}

/* Completes from the main loop, never from inside sip_resolve_async. */
static void job_finish(resolve_job *job) {
  GSource *idle = g_idle_source_new();
  g_source_set_callback(idle, job_finish_cb, job, NULL);
  g_source_attach(idle, job->context);
  g_source_unref(idle);
}

static void add_address(resolve_job *job, sip_transport_kind kind, GInetAddress *ip,
                        guint16 port) {
  g_autofree char *text = g_inet_address_to_string(ip);
  sip_addr addr;
  if (sip_addr_set(&addr, kind, text, port, 0))
    g_array_append_val(job->result, addr);
}

static void next_step(resolve_job *job);

static void by_name_done(GObject *source, GAsyncResult *res, gpointer data) {
  resolve_job *job = data;
  resolve_target *target = g_queue_pop_head(&job->targets);
  g_autoptr(GError) error = NULL;
  GList *addresses = g_resolver_lookup_by_name_finish(G_RESOLVER(source), res, &error);
  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    job->error = g_steal_pointer(&error);
    target_free(target);
    g_queue_clear_full(&job->targets, target_free);
    job_finish(job);
    return;
  }
  if (error)
    g_debug("resolving %s: %s", target->host, error->message);
  for (GList *l = addresses; l; l = l->next)
    add_address(job, target->kind, l->data, target->port);
  g_resolver_free_addresses(addresses);
  target_free(target);
  next_step(job);
}

static void srv_done(GObject *source, GAsyncResult *res, gpointer data) {
  resolve_job *job = data;
  sip_transport_kind kind = (sip_transport_kind)(GPOINTER_TO_INT(g_queue_pop_head(&job->srv_kinds)) - 1);
  g_autoptr(GError) error = NULL;
  GList *targets = g_resolver_lookup_service_finish(G_RESOLVER(source), res, &error);
  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    job->error = g_steal_pointer(&error);
    g_queue_clear(&job->srv_kinds);
    job_finish(job);
    return;
  }
  /* GResolver sorts by priority and orders equal priorities by weight
   * (RFC 2782). */
  for (GList *l = targets; l; l = l->next) {
    const char *name = g_srv_target_get_hostname(l->data);
    if (!name || !*name || strcmp(name, ".") == 0)
      continue;
    resolve_target *target = g_new0(resolve_target, 1);
    target->kind = kind;
    target->host = g_strdup(name);
    target->port = g_srv_target_get_port(l->data);
    g_queue_push_tail(&job->targets, target);
  }
  g_list_free_full(targets, (GDestroyNotify)g_srv_target_free);
  if (g_queue_is_empty(&job->srv_kinds) && g_queue_is_empty(&job->targets)) {
    /* No SRV: A/AAAA of the host with the default port (§4.2). */
    resolve_target *target = g_new0(resolve_target, 1);
    target->kind = job->kind == SIP_RESOLVE_ANY_TRANSPORT ? SIP_TRANSPORT_UDP : job->kind;
    target->host = g_strdup(job->host);
    target->port = sip_resolve_default_port(target->kind);
    g_queue_push_tail(&job->targets, target);
  }
  next_step(job);
}

static void next_step(resolve_job *job) {
  if (!g_queue_is_empty(&job->srv_kinds)) {
    sip_transport_kind kind =
        (sip_transport_kind)(GPOINTER_TO_INT(g_queue_peek_head(&job->srv_kinds)) - 1);
    g_resolver_lookup_service_async(job->resolver, kind == SIP_TRANSPORT_TLS ? "sips" : "sip",
                                    kind == SIP_TRANSPORT_UDP ? "udp" : "tcp", job->host,
                                    job->cancellable, srv_done, job);
    return;
  }
  if (!g_queue_is_empty(&job->targets)) {
    resolve_target *target = g_queue_peek_head(&job->targets);
    g_resolver_lookup_by_name_async(job->resolver, target->host, job->cancellable, by_name_done,
                                    job);
    return;
  }
  job_finish(job);
}

void sip_resolve_async(const char *host, guint16 port, sip_transport_kind kind,
                       GCancellable *cancellable, sip_resolve_callback callback,
                       gpointer user_data) {
  g_return_if_fail(host != NULL && callback != NULL);
  resolve_job *job = g_new0(resolve_job, 1);
  gsize len = strlen(host);
  if (len >= 2 && host[0] == '[' && host[len - 1] == ']')
    job->host = g_strndup(host + 1, len - 2);
  else
    job->host = g_strdup(host);
  job->port = port;
  job->kind = kind;
  job->cancellable = cancellable ? g_object_ref(cancellable) : NULL;
  job->callback = callback;
  job->user_data = user_data;
  job->context = g_main_context_ref_thread_default();
  job->resolver = g_resolver_get_default();
  job->result = g_array_new(FALSE, TRUE, sizeof(sip_addr));
  g_queue_init(&job->srv_kinds);
  g_queue_init(&job->targets);
  sip_transport_kind fixed = kind == SIP_RESOLVE_ANY_TRANSPORT ? SIP_TRANSPORT_UDP : kind;

  if ((int)kind != (int)SIP_RESOLVE_ANY_TRANSPORT && (kind < 0 || kind >= SIP_TRANSPORT_COUNT)) {
    job->error = g_error_new(G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "unknown transport");
    job_finish(job);
    return;
  }
  g_autoptr(GInetAddress) literal = g_inet_address_new_from_string(job->host);
  if (literal) {
    add_address(job, fixed, literal, port ? port : sip_resolve_default_port(fixed));
    job_finish(job);
    return;
  }
  if (!*job->host || strchr(job->host, '[') || strchr(job->host, ':')) {
    job->error = g_error_new(G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "bad host name");
    job_finish(job);
    return;
  }
  if (port) {
    resolve_target *target = g_new0(resolve_target, 1);
    target->kind = fixed;
    target->host = g_strdup(job->host);
    target->port = port;
    g_queue_push_tail(&job->targets, target);
  } else if (kind == SIP_RESOLVE_ANY_TRANSPORT) {
    for (int k = SIP_TRANSPORT_UDP; k < SIP_TRANSPORT_COUNT; k++)
      g_queue_push_tail(&job->srv_kinds, GINT_TO_POINTER(k + 1));
  } else {
    g_queue_push_tail(&job->srv_kinds, GINT_TO_POINTER((int)kind + 1));
  }
  next_step(job);
}
