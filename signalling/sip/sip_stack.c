/* The UA core (sip_stack.h): configuration, the output and event queues,
 * dispatch of received messages to transactions and dialogs, stateless
 * answers (400, 405, 416, 420, 481, 482, 501, 505, 513) and OPTIONS. */
#define G_LOG_DOMAIN "rtc2sip-sip"
#include <errno.h>
#include <string.h>

#include "signalling/sip/sip_stack_private.h"

/* The methods we implement as a UAS, for Allow. */
#define SIP_ALLOW "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO"

gboolean
sip_addr_set(sip_addr *addr, sip_transport_kind kind, const char *host, guint16 port,
             guint64 connection_id)
{
  memset(addr, 0, sizeof *addr);
  addr->kind = kind;
  addr->port = port;
  addr->connection_id = connection_id;
  return host && g_strlcpy(addr->host, host, sizeof addr->host) < sizeof addr->host;
}

gboolean
sip_transport_reliable(sip_transport_kind kind)
{
  return kind != SIP_TRANSPORT_UDP;
}

const char *
sip_transport_name(sip_transport_kind kind)
{
  switch (kind) {
  case SIP_TRANSPORT_TCP: return "TCP";
  case SIP_TRANSPORT_TLS: return "TLS";
  default: return "UDP";
  }
}

void
sip_outgoing_clear(sip_outgoing *out)
{
  g_clear_pointer(&out->data, g_bytes_unref);
}

void
sip_event_clear(sip_event *ev)
{
  g_clear_pointer(&ev->reason, g_free);
  g_clear_pointer(&ev->msg, sip_message_free);
}

static void
event_free(gpointer p)
{
  sip_event_clear(p);
  g_free(p);
}

static void
outgoing_free(gpointer p)
{
  sip_outgoing_clear(p);
  g_free(p);
}

sip_stack *
sip_stack_new(const sip_stack_config *config)
{
  sip_stack *stack = g_new0(sip_stack, 1);
  stack->cfg = *config;
  for (int k = 0; k < SIP_TRANSPORT_COUNT; k++) {
    stack->local_host[k] = g_strdup(config->local[k].host);
    stack->cfg.local[k].host = stack->local_host[k];
  }
  stack->contact_user = g_strdup(config->contact_user);
  stack->user_agent = g_strdup(config->user_agent);
  stack->supported = g_strdupv((char **)config->supported);
  stack->cfg.supported = (const char *const *)stack->supported;
  stack->t1 = config->t1_us > 0 ? config->t1_us : SIP_DEFAULT_T1_US;
  stack->t2 = config->t2_us > 0 ? config->t2_us : SIP_DEFAULT_T2_US;
  stack->t4 = config->t4_us > 0 ? config->t4_us : SIP_DEFAULT_T4_US;
  stack->rand = config->seed ? g_rand_new_with_seed(config->seed) : g_rand_new();
  stack->txns = g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify)sip_txn_free);
  stack->txn_keys = g_hash_table_new(g_str_hash, g_str_equal);
  stack->dialogs = g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify)sip_dialog_free);
  stack->regs = g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify)sip_registration_free);
  g_queue_init(&stack->outputs);
  g_queue_init(&stack->events);
  stack->shutdown_deadline = SIP_NEVER;
  return stack;
}

void
sip_stack_free(sip_stack *stack)
{
  if (!stack)
    return;
  g_hash_table_destroy(stack->regs);
  g_hash_table_destroy(stack->dialogs);
  g_hash_table_destroy(stack->txn_keys);
  g_hash_table_destroy(stack->txns);
  g_queue_clear_full(&stack->outputs, outgoing_free);
  g_queue_clear_full(&stack->events, event_free);
  for (int k = 0; k < SIP_TRANSPORT_COUNT; k++)
    g_free(stack->local_host[k]);
  g_free(stack->contact_user);
  g_free(stack->user_agent);
  g_strfreev(stack->supported);
  g_rand_free(stack->rand);
  g_free(stack);
}

guint
sip_stack_new_id(sip_stack *stack)
{
  if (++stack->next_id == 0)
    stack->next_id = 1;
  return stack->next_id;
}

void
sip_stack_random_token(sip_stack *stack, char *out, gsize n)
{
  static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  for (gsize i = 0; i + 1 < n; i++)
    out[i] = alphabet[g_rand_int_range(stack->rand, 0, 36)];
  out[n - 1] = '\0';
}

void
sip_stack_send(sip_stack *stack, const sip_addr *to, GBytes *data)
{
  sip_outgoing *out = g_new0(sip_outgoing, 1);
  out->data = g_bytes_ref(data);
  out->to = *to;
  out->reliable = sip_transport_reliable(to->kind);
  g_queue_push_tail(&stack->outputs, out);
  stack->stats.sent++;
}

sip_event *
sip_stack_queue_event(sip_stack *stack, sip_event_type type)
{
  sip_event *ev = g_new0(sip_event, 1);
  ev->type = type;
  g_queue_push_tail(&stack->events, ev);
  return ev;
}

gboolean
sip_stack_pop_output(sip_stack *stack, sip_outgoing *out)
{
  sip_outgoing *o = g_queue_pop_head(&stack->outputs);
  if (!o)
    return FALSE;
  *out = *o;
  g_free(o);
  return TRUE;
}

gboolean
sip_stack_pop_event(sip_stack *stack, sip_event *ev)
{
  sip_event *e = g_queue_pop_head(&stack->events);
  if (!e)
    return FALSE;
  *ev = *e;
  g_free(e);
  return TRUE;
}

void
sip_stack_set_draining(sip_stack *stack, gboolean draining)
{
  stack->draining = draining;
}

void
sip_stack_get_stats(const sip_stack *stack, sip_stack_stats *out)
{
  *out = stack->stats;
}

static const char *
local_host(const sip_stack *stack, sip_transport_kind kind)
{
  return stack->local_host[kind] ? stack->local_host[kind]
                                 : stack->local_host[SIP_TRANSPORT_UDP] ? stack->local_host[SIP_TRANSPORT_UDP]
                                                                        : "127.0.0.1";
}

/* host[:port] with IPv6 brackets. */
static void
append_hostport(GString *out, const char *host, guint16 port)
{
  if (strchr(host, ':'))
    g_string_append_printf(out, "[%s]", host);
  else
    g_string_append(out, host);
  if (port)
    g_string_append_printf(out, ":%u", port);
}

void
sip_stack_write_via(sip_stack *stack, GString *out, sip_transport_kind kind, const char *branch)
{
  g_autoptr(GString) v = g_string_new("SIP/2.0/");
  g_string_append(v, sip_transport_name(kind));
  g_string_append_c(v, ' ');
  append_hostport(v, local_host(stack, kind), stack->cfg.local[kind].port);
  g_string_append_printf(v, ";branch=%s;rport", branch);
  sip_write_header(out, "Via", v->str);
}

char *
sip_stack_default_contact(sip_stack *stack, sip_transport_kind kind)
{
  GString *c = g_string_new(kind == SIP_TRANSPORT_TLS ? "sips:" : "sip:");
  if (stack->contact_user)
    g_string_append_printf(c, "%s@", stack->contact_user);
  append_hostport(c, local_host(stack, kind), stack->cfg.local[kind].port);
  if (kind == SIP_TRANSPORT_TCP)
    g_string_append(c, ";transport=tcp");
  return g_string_free(c, FALSE);
}

void
sip_write_extra_headers(GString *out, const char *const *headers)
{
  for (guint i = 0; headers && headers[i] && headers[i + 1]; i += 2)
    sip_write_header(out, headers[i], headers[i + 1]);
}

sip_message *
sip_stack_parse_own(GBytes *bytes)
{
  sip_message *msg = sip_message_new();
  if (sip_message_parse_bytes(msg, bytes, SIP_FRAMING_DATAGRAM, NULL, NULL) < 0)
    g_warning("could not parse a message we built");
  return msg;
}

static gboolean
has_header(const char *const *headers, const char *name)
{
  for (guint i = 0; headers && headers[i] && headers[i + 1]; i += 2)
    if (g_ascii_strcasecmp(headers[i], name) == 0)
      return TRUE;
  return FALSE;
}

void
sip_stack_reply(sip_stack *stack, gint64 now, sip_txn *txn, guint status, const char *reason,
                const char *const *headers, const char *ctype, const void *body, gsize len)
{
  g_autoptr(GString) out = g_string_new(NULL);
  g_autoptr(GBytes) bytes = NULL;

  sip_write_response_from(out, txn->request, status, reason, status > 100 ? txn->to_tag : NULL,
                          txn->server ? txn->source.host : NULL, txn->source.port);
  if (stack->user_agent && !has_header(headers, "Server"))
    sip_write_header(out, "Server", stack->user_agent);
  sip_write_extra_headers(out, headers);
  sip_write_finish(out, ctype, body, len);
  bytes = g_string_free_to_bytes(g_steal_pointer(&out));
  sip_txn_server_sent(stack, now, txn, status, bytes);
}

/* What an OPTIONS (in or out of dialog) gets. */
static void
answer_options(sip_stack *stack, gint64 now, sip_txn *txn)
{
  g_autofree char *supported = stack->supported ? g_strjoinv(", ", stack->supported) : NULL;
  /* Supported is always there: an empty one says "no extensions". */
  const char *hdrs[] = { "Allow", SIP_ALLOW, "Accept", "application/sdp",
                         "Supported", supported ? supported : "", NULL };
  if (stack->draining)
    sip_stack_reply(stack, now, txn, 503, NULL, NULL, NULL, NULL, 0);
  else
    sip_stack_reply(stack, now, txn, 200, NULL, hdrs, NULL, NULL, 0);
}

/* A response sent without a transaction (no retransmission to absorb). */
static void
reply_stateless(sip_stack *stack, const sip_addr *from, const sip_message *req, guint status,
                const char *reason, const char *const *headers)
{
  g_autoptr(GString) out = g_string_new(NULL);
  g_autoptr(GBytes) bytes = NULL;
  char tag[17];
  sip_addr to = *from;
  sip_via via;

  if (!sip_message_header(req, SIP_HDR_VIA))
    return;
  if (!sip_transport_reliable(from->kind) && sip_message_via(req, 0, &via, NULL) == 0 &&
      !via.has_rport)
    to.port = via.has_port ? via.port : 5060;
  sip_stack_random_token(stack, tag, sizeof tag);
  if (sip_write_response_from(out, req, status, reason, tag, from->host, from->port) < 0)
    return;
  sip_write_extra_headers(out, headers);
  sip_write_finish(out, NULL, NULL, 0);
  bytes = g_string_free_to_bytes(g_steal_pointer(&out));
  sip_stack_send(stack, &to, bytes);
  stack->stats.stateless_responses++;
}

static gboolean
method_allowed(sip_method m)
{
  switch (m) {
  case SIP_METHOD_INVITE: case SIP_METHOD_ACK: case SIP_METHOD_BYE: case SIP_METHOD_CANCEL:
  case SIP_METHOD_OPTIONS: case SIP_METHOD_UPDATE: case SIP_METHOD_INFO:
    return TRUE;
  default:
    return FALSE;
  }
}

/* §8.2.2.2: same From tag, Call-ID and CSeq as a pending server
 * transaction but another branch: a request that forked and came back. */
static gboolean
is_merged(sip_stack *stack, const sip_message_ids *ids)
{
  GHashTableIter it;
  gpointer v;
  sip_message_ids other;
  g_hash_table_iter_init(&it, stack->txns);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    sip_txn *txn = v;
    if (!txn->server || txn->state == SIP_TXN_TERMINATED || txn->method != ids->method ||
        sip_message_get_ids(txn->request, &other, NULL) < 0)
      continue;
    if (other.cseq.number == ids->cseq.number && other.from_tag.len &&
        other.from_tag.len == ids->from_tag.len &&
        memcmp(other.from_tag.p, ids->from_tag.p, ids->from_tag.len) == 0 &&
        other.call_id.len == ids->call_id.len &&
        memcmp(other.call_id.p, ids->call_id.p, ids->call_id.len) == 0)
      return TRUE;
  }
  return FALSE;
}

static void
handle_cancel(sip_stack *stack, gint64 now, const sip_addr *from, sip_message *msg,
              const sip_message_ids *ids)
{
  sip_txn *inv = sip_txn_server_match(stack, ids, SIP_METHOD_INVITE);
  sip_txn *txn = sip_txn_server_new(stack, now, from, msg, ids);

  if (!inv) {
    sip_stack_reply(stack, now, txn, 481, NULL, NULL, NULL, NULL, 0);
    return;
  }
  /* §9.2: a CANCEL that matched gets 200 even when the INVITE was already
   * answered finally; only a pending INVITE is ended with 487. */
  g_free(txn->to_tag);
  txn->to_tag = g_strdup(inv->to_tag);
  sip_stack_reply(stack, now, txn, 200, NULL, NULL, NULL, NULL, 0);
  if (inv->state != SIP_TXN_PROCEEDING || inv->last_status >= 200)
    return;
  inv->cancelled = TRUE;
  sip_event *ev = sip_stack_queue_event(stack, SIP_EVENT_CANCELLED);
  ev->transaction = inv->id;
  ev->dialog = inv->dialog;
  ev->from = *from;
  sip_stack_respond(stack, now, inv->id, 487, NULL, NULL, NULL, NULL, 0, NULL);
}

static void
handle_request(sip_stack *stack, gint64 now, const sip_addr *from, sip_message *msg,
               const sip_message_ids *ids)
{
  sip_txn *txn;

  if ((txn = sip_txn_server_match(stack, ids, ids->method))) {
    sip_txn_server_request(stack, now, txn, msg);
    if (msg->method_id == SIP_METHOD_ACK && txn->state == SIP_TXN_ACCEPTED && txn->dialog)
      sip_dialog_request(stack, now, NULL, msg, ids);
    sip_message_free(msg);
    return;
  }
  if (ids->method == SIP_METHOD_ACK) {
    sip_dialog_request(stack, now, NULL, msg, ids);
    sip_message_free(msg);
    return;
  }
  if (ids->method == SIP_METHOD_OTHER) {
    reply_stateless(stack, from, msg, 501, NULL, NULL);
    sip_message_free(msg);
    return;
  }
  if (!method_allowed(ids->method)) {
    const char *hdrs[] = { "Allow", SIP_ALLOW, NULL };
    reply_stateless(stack, from, msg, 405, NULL, hdrs);
    sip_message_free(msg);
    return;
  }
  if (ids->method == SIP_METHOD_CANCEL) {
    handle_cancel(stack, now, from, msg, ids);
    return;
  }
  if (!ids->to_tag.len && is_merged(stack, ids)) {
    txn = sip_txn_server_new(stack, now, from, msg, ids);
    sip_stack_reply(stack, now, txn, 482, NULL, NULL, NULL, NULL, 0);
    return;
  }
  txn = sip_txn_server_new(stack, now, from, msg, ids);
  if (ids->to_tag.len) {
    sip_dialog_request(stack, now, txn, msg, ids);
    return;
  }
  switch (ids->method) {
  case SIP_METHOD_INVITE: {
    if (stack->draining) {
      sip_stack_reply(stack, now, txn, 503, NULL, NULL, NULL, NULL, 0);
      return;
    }
    /* 100 Trying at once: the INVITE may wait long for the call logic. */
    sip_stack_reply(stack, now, txn, 100, NULL, NULL, NULL, NULL, 0);
    sip_event *ev = sip_stack_queue_event(stack, SIP_EVENT_INCOMING_INVITE);
    ev->transaction = txn->id;
    ev->msg = sip_stack_parse_own(msg->bytes);
    ev->from = *from;
    return;
  }
  case SIP_METHOD_OPTIONS:
    answer_options(stack, now, txn);
    return;
  default:
    /* BYE, INFO, UPDATE outside a dialog */
    sip_stack_reply(stack, now, txn, 481, NULL, NULL, NULL, NULL, 0);
    return;
  }
}

void
sip_stack_feed(sip_stack *stack, gint64 now_us, const sip_addr *from, GBytes *message)
{
  sip_message *msg = sip_message_new();
  sip_error err = { 0 };
  sip_message_ids ids;
  sip_framing framing = sip_transport_reliable(from->kind) ? SIP_FRAMING_STREAM
                                                           : SIP_FRAMING_DATAGRAM;

  stack->stats.received++;
  if (sip_message_parse_bytes(msg, message, framing, NULL, &err) < 0 ||
      sip_message_validate(msg, stack->cfg.supported, &err) < 0 ||
      sip_message_get_ids(msg, &ids, &err) < 0) {
    stack->stats.bad_messages++;
    g_debug("dropping or refusing a message: %s", err.reason ? err.reason : "?");
    gsize mlen;
    const char *mdata = g_bytes_get_data(message, &mlen);
    gboolean request = msg->is_request ||
                       (err.status == 513 && mlen >= 4 && g_ascii_strncasecmp(mdata, "SIP/", 4) != 0);
    if (request && err.status && msg->method_id != SIP_METHOD_ACK) {
      g_autoptr(GString) uns = g_string_new(NULL);
      const char *hdrs[] = { "Unsupported", NULL, NULL };
      if (err.status == 420) {
        sip_message_unsupported(msg, stack->cfg.supported, uns);
        hdrs[1] = uns->str;
      }
      if (!sip_message_header(msg, SIP_HDR_VIA)) {
        /* the Request-Line or the size stopped the parse: read the
         * headers behind a neutral Request-Line to address the answer */
        gsize len;
        const char *data = g_bytes_get_data(message, &len);
        const char *eol = memchr(data, '\n', len);
        if (eol) {
          g_autoptr(GString) patched = g_string_new("OPTIONS sip:invalid SIP/2.0\r\n");
          g_string_append_len(patched, eol + 1, (gssize)(len - (gsize)(eol + 1 - data)));
          g_autoptr(GBytes) pb = g_string_free_to_bytes(g_steal_pointer(&patched));
          sip_limits lim = SIP_LIMITS_DEFAULT;
          lim.max_message = MAX(lim.max_message, len + 64);   /* to answer a 513 */
          sip_message_clear(msg);
          if (sip_message_parse_bytes(msg, pb, framing, &lim, NULL) < 0)
            sip_message_clear(msg);
        }
      }
      reply_stateless(stack, from, msg, err.status, err.reason, err.status == 420 ? hdrs : NULL);
    }
    sip_message_free(msg);
    return;
  }
  if (!msg->is_request) {
    if (!sip_txn_client_response(stack, now_us, from, msg, &ids) &&
        !(ids.method == SIP_METHOD_INVITE && msg->status >= 200 && msg->status < 300 &&
          sip_dialog_stray_2xx(stack, now_us, msg, &ids)))
      stack->stats.stray_responses++;
    sip_message_free(msg);
  } else {
    handle_request(stack, now_us, from, msg, &ids);
  }
  sip_txn_sweep(stack);
  sip_registration_check_shutdown(stack);
}

void
sip_stack_tick(sip_stack *stack, gint64 now_us)
{
  sip_txn_tick(stack, now_us);
  sip_dialog_tick(stack, now_us);
  sip_registration_tick(stack, now_us);
  sip_txn_sweep(stack);
  sip_registration_check_shutdown(stack);
}

gint64
sip_stack_next_deadline(const sip_stack *stack)
{
  gint64 t = sip_txn_next_deadline(stack);
  t = MIN(t, sip_dialog_next_deadline(stack));
  t = MIN(t, sip_registration_next_deadline(stack));
  return MIN(t, stack->shutdown_deadline);
}

int
sip_stack_respond(sip_stack *stack, gint64 now_us, guint txn_id, guint status, const char *reason,
                  const char *const *headers, const char *content_type, const void *body,
                  gsize body_len, guint *dialog)
{
  sip_txn *txn = sip_txn_get(stack, txn_id);
  guint d = 0;

  if (dialog)
    *dialog = 0;
  if (!txn || !txn->server || txn->state == SIP_TXN_TERMINATED ||
      (txn->last_status >= 200))
    return -ENOENT;
  if (status < 100 || status > 699)
    return -EINVAL;
  if (txn->invite && status > 100 && status < 300 && !txn->cancelled) {
    d = sip_dialog_uas_respond(stack, now_us, txn, status, reason, headers, content_type, body,
                               body_len);
  } else {
    g_autoptr(GPtrArray) h = g_ptr_array_new_with_free_func(g_free);
    sip_dialog *dl = sip_dialog_get(stack, txn->dialog);
    if (dl && txn->method == SIP_METHOD_UPDATE && status >= 200 && status < 300 &&
        !has_header(headers, "Contact")) {
      /* UPDATE is a target refresh (RFC 3311 §5.2): our Contact in the 2xx */
      g_ptr_array_add(h, g_strdup("Contact"));
      g_ptr_array_add(h, g_strdup_printf("<%s>", dl->local_contact));
      for (guint i = 0; headers && headers[i]; i++)
        g_ptr_array_add(h, g_strdup(headers[i]));
      g_ptr_array_add(h, NULL);
      headers = (const char *const *)h->pdata;
    }
    sip_stack_reply(stack, now_us, txn, status, reason, headers, content_type, body, body_len);
    if (txn->invite && status >= 300 && dl) {
      if (dl && dl->invite_txn == txn->id)
        sip_dialog_end(stack, dl, status, "call rejected");
      else if (dl && dl->reinvite_in == txn->id)
        dl->reinvite_in = 0;
    }
  }
  if (dialog)
    *dialog = d;
  sip_txn_sweep(stack);
  return 0;
}
