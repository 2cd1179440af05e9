/* SIP transactions (RFC 3261 §17, RFC 6026): the four state machines and
 * their timers, in virtual time.
 *
 *   client INVITE      Calling -A(retx)/B(fail)-> Proceeding -> Completed -D-> Terminated
 *                      2xx -> Accepted -M-> Terminated (2xx passed up each time)
 *   client non-INVITE  Trying/Proceeding -E(retx)/F(fail)-> Completed -K-> Terminated
 *   server INVITE      Proceeding (100 sent at once) -> Completed -G(retx)/H(fail)->
 *                      Confirmed (ACK) -I-> Terminated; 2xx -> Accepted -L-> Terminated
 *   server non-INVITE  Trying -> Proceeding -> Completed -J-> Terminated
 *
 * Retransmission timers run only on unreliable transports; D, K, I and J
 * are zero on reliable ones. */
#define G_LOG_DOMAIN "rtc2sip-sip"
#include <errno.h>
#include <string.h>

#include "signalling/sip/sip_stack_private.h"

sip_txn *
sip_txn_get(sip_stack *stack, guint id)
{
  return id ? g_hash_table_lookup(stack->txns, GUINT_TO_POINTER(id)) : NULL;
}

void
sip_txn_free(sip_txn *txn)
{
  if (!txn)
    return;
  g_free(txn->key);
  g_clear_pointer(&txn->request_bytes, g_bytes_unref);
  g_clear_pointer(&txn->request, sip_message_free);
  g_clear_pointer(&txn->last_response, g_bytes_unref);
  g_free(txn->ruri);
  if (txn->base_headers)
    g_string_free(txn->base_headers, TRUE);
  g_free(txn->content_type);
  g_clear_pointer(&txn->body, g_bytes_unref);
  g_free(txn->to_tag);
  g_free(txn);
}

static sip_txn *
txn_add(sip_stack *stack, char *key)
{
  sip_txn *txn = g_new0(sip_txn, 1);
  txn->id = sip_stack_new_id(stack);
  txn->key = key;
  txn->timer_retx = txn->timer_fail = txn->timer_end = SIP_NEVER;
  g_hash_table_insert(stack->txns, GUINT_TO_POINTER(txn->id), txn);
  g_hash_table_replace(stack->txn_keys, txn->key, txn);
  return txn;
}

void
sip_txn_terminate(sip_stack *stack, sip_txn *txn)
{
  txn->state = SIP_TXN_TERMINATED;
  txn->timer_retx = txn->timer_fail = txn->timer_end = SIP_NEVER;
  if (g_hash_table_lookup(stack->txn_keys, txn->key) == txn)
    g_hash_table_remove(stack->txn_keys, txn->key);
}

void
sip_txn_sweep(sip_stack *stack)
{
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, stack->txns);
  while (g_hash_table_iter_next(&it, NULL, &v))
    if (((sip_txn *)v)->state == SIP_TXN_TERMINATED)
      g_hash_table_iter_remove(&it);
}

/* Sends prepared request BYTES as a new client transaction. */
static sip_txn *
client_start_raw(sip_stack *stack, gint64 now, sip_method method, const char *branch,
                 const sip_addr *to, GBytes *bytes)
{
  sip_txn *txn = txn_add(stack, g_strdup_printf("%s\n%s", branch, sip_method_name(method)));
  txn->invite = method == SIP_METHOD_INVITE;
  txn->method = method;
  txn->peer = *to;
  txn->reliable = sip_transport_reliable(to->kind);
  txn->request_bytes = g_bytes_ref(bytes);
  txn->request = sip_stack_parse_own(bytes);
  sip_cseq cseq = { 0 };
  sip_message_cseq(txn->request, &cseq, NULL);
  txn->cseq = cseq.number;
  txn->state = txn->invite ? SIP_TXN_CALLING : SIP_TXN_TRYING;
  if (!txn->reliable) {
    txn->retx_interval = stack->t1;
    txn->timer_retx = now + stack->t1;         /* A or E */
  }
  txn->timer_fail = now + 64 * stack->t1;      /* B or F */
  sip_stack_send(stack, to, bytes);
  return txn;
}

sip_txn *
sip_txn_client_start(sip_stack *stack, gint64 now, const char *method, const char *ruri,
                     const sip_addr *to, guint32 cseq, GString *base_headers,
                     const char *content_type, const void *body, gsize body_len,
                     sip_owner_kind owner, guint owner_id, const char *auth_lines)
{
  char token[17];
  g_autofree char *branch = NULL;
  g_autoptr(GString) out = g_string_new(NULL);
  g_autoptr(GBytes) bytes = NULL;
  sip_txn *txn;

  sip_stack_random_token(stack, token, sizeof token);
  branch = g_strconcat(SIP_BRANCH_COOKIE, token, NULL);
  sip_write_request_line(out, method, ruri);
  sip_stack_write_via(stack, out, to->kind, branch);
  sip_write_header(out, "Max-Forwards", "70");
  g_string_append_len(out, base_headers->str, (gssize)base_headers->len);
  sip_write_header_printf(out, "CSeq", "%u %s", cseq, method);
  if (auth_lines)
    g_string_append(out, auth_lines);
  if (stack->user_agent)
    sip_write_header(out, "User-Agent", stack->user_agent);
  sip_write_finish(out, content_type, body, body_len);
  bytes = g_string_free_to_bytes(g_steal_pointer(&out));

  txn = client_start_raw(stack, now, sip_method_lookup(sip_slice_make(method, strlen(method))),
                         branch, to, bytes);
  txn->owner = owner;
  txn->owner_id = owner_id;
  txn->ruri = g_strdup(ruri);
  txn->base_headers = base_headers;
  txn->content_type = g_strdup(content_type);
  if (body && body_len)
    txn->body = g_bytes_new(body, body_len);
  return txn;
}

/* Copies every header ID of REQ to OUT under NAME. */
static void
copy_headers(GString *out, const sip_message *req, sip_hdr_id id, const char *name)
{
  for (const sip_header *h = sip_message_header(req, id); h; h = sip_message_header_next(req, h))
    sip_write_header_slice(out, name, h->value);
}

/* The ACK (non-2xx) or CANCEL of our INVITE (§17.1.1.3, §9.1): same
 * Request-URI, top Via, Route, From, Call-ID and CSeq number. */
static GBytes *
build_ack_or_cancel(const sip_stack *stack, const sip_txn *inv, const char *method,
                    const sip_message *resp)
{
  const sip_message *req = inv->request;
  g_autoptr(GString) out = g_string_new(NULL);
  sip_cseq cseq;
  const sip_header *h;

  g_string_append_printf(out, "%s %.*s SIP/2.0\r\n", method, (int)req->request_uri.len,
                         req->request_uri.p);
  if ((h = sip_message_header(req, SIP_HDR_VIA)))
    sip_write_header_slice(out, "Via", h->value);
  sip_write_header(out, "Max-Forwards", "70");
  copy_headers(out, req, SIP_HDR_ROUTE, "Route");
  copy_headers(out, req, SIP_HDR_FROM, "From");
  copy_headers(out, resp ? resp : req, SIP_HDR_TO, "To");
  copy_headers(out, req, SIP_HDR_CALL_ID, "Call-ID");
  if (sip_message_cseq(req, &cseq, NULL) == 0)
    sip_write_header_printf(out, "CSeq", "%u %s", cseq.number, method);
  if (stack->user_agent)
    sip_write_header(out, "User-Agent", stack->user_agent);
  sip_write_finish(out, NULL, NULL, 0);
  return g_string_free_to_bytes(g_steal_pointer(&out));
}

void
sip_txn_send_cancel(sip_stack *stack, gint64 now, sip_txn *inv)
{
  g_autoptr(GBytes) bytes = NULL;
  sip_via via;
  g_autofree char *branch = NULL;

  if (!inv->request || sip_message_via(inv->request, 0, &via, NULL) < 0)
    return;
  branch = sip_slice_dup(via.branch);
  bytes = build_ack_or_cancel(stack, inv, "CANCEL", NULL);
  client_start_raw(stack, now, SIP_METHOD_CANCEL, branch, &inv->peer, bytes);
  inv->cancel_pending = FALSE;
}

/* A 2xx accepted our INVITE: from now on the transaction only passes 2xx
 * retransmissions up (Accepted, RFC 6026) until Timer M, 32 s; it never sends
 * its request again (no retransmission, no CANCEL, no digest retry), so the
 * request and what rebuilds it are dropped now rather than at Timer M. */
static void
client_forget_request(sip_txn *txn)
{
  g_clear_pointer(&txn->request_bytes, g_bytes_unref);
  g_clear_pointer(&txn->request, sip_message_free);
  g_clear_pointer(&txn->ruri, g_free);
  if (txn->base_headers) {
    g_string_free(txn->base_headers, TRUE);
    txn->base_headers = NULL;
  }
  g_clear_pointer(&txn->content_type, g_free);
  g_clear_pointer(&txn->body, g_bytes_unref);
}

static void
deliver(sip_stack *stack, gint64 now, sip_txn *txn, guint status, sip_message *msg,
        const sip_addr *from)
{
  txn->last_status = status;
  if (txn->owner == SIP_OWNER_DIALOG)
    sip_dialog_client_result(stack, now, txn, status, msg, from);
  else if (txn->owner == SIP_OWNER_REG)
    sip_registration_client_result(stack, now, txn, status, msg);
}

gboolean
sip_txn_client_response(sip_stack *stack, gint64 now, const sip_addr *from, sip_message *msg,
                        const sip_message_ids *ids)
{
  g_autofree char *key = g_strdup_printf("%.*s\n%.*s", (int)ids->top_via.branch.len,
                                         ids->top_via.branch.p, (int)ids->method_text.len,
                                         ids->method_text.p);
  sip_txn *txn = g_hash_table_lookup(stack->txn_keys, key);
  guint status = msg->status;

  if (!txn || txn->server)
    return FALSE;
  if (txn->invite) {
    switch (txn->state) {
    case SIP_TXN_CALLING:
    case SIP_TXN_PROCEEDING:
      if (status < 200) {
        txn->state = SIP_TXN_PROCEEDING;
        txn->timer_retx = SIP_NEVER;
        if (txn->cancel_pending)
          sip_txn_send_cancel(stack, now, txn);
        deliver(stack, now, txn, status, msg, from);
      } else if (status < 300) {
        txn->state = SIP_TXN_ACCEPTED;
        txn->timer_retx = txn->timer_fail = SIP_NEVER;
        txn->timer_end = now + 64 * stack->t1;   /* M */
        deliver(stack, now, txn, status, msg, from);
        client_forget_request(txn);
      } else {
        g_clear_pointer(&txn->last_response, g_bytes_unref);
        txn->last_response = build_ack_or_cancel(stack, txn, "ACK", msg);
        sip_stack_send(stack, &txn->peer, txn->last_response);
        txn->state = SIP_TXN_COMPLETED;
        txn->timer_retx = txn->timer_fail = SIP_NEVER;
        txn->timer_end = now + (txn->reliable ? 0 : 32 * G_USEC_PER_SEC);   /* D */
        deliver(stack, now, txn, status, msg, from);
      }
      break;
    case SIP_TXN_COMPLETED:
      if (status >= 300 && txn->last_response) {
        sip_stack_send(stack, &txn->peer, txn->last_response);
        stack->stats.retransmissions++;
      }
      break;
    case SIP_TXN_ACCEPTED:
      if (status >= 200 && status < 300)
        deliver(stack, now, txn, status, msg, from);
      break;
    default:
      break;
    }
    return TRUE;
  }
  if (txn->state == SIP_TXN_TRYING || txn->state == SIP_TXN_PROCEEDING) {
    if (status < 200) {
      txn->state = SIP_TXN_PROCEEDING;
    } else {
      txn->state = SIP_TXN_COMPLETED;
      txn->timer_retx = txn->timer_fail = SIP_NEVER;
      txn->timer_end = now + (txn->reliable ? 0 : stack->t4);   /* K */
      deliver(stack, now, txn, status, msg, from);
    }
  }
  return TRUE;
}

static char *
server_key(const sip_message_ids *ids, sip_method as)
{
  return g_strdup_printf("%.*s\n%.*s\n%s", (int)ids->top_via.branch.len, ids->top_via.branch.p,
                         (int)ids->top_via.sent_by.len, ids->top_via.sent_by.p,
                         as == SIP_METHOD_OTHER ? "?" : sip_method_name(as));
}

sip_txn *
sip_txn_server_match(sip_stack *stack, const sip_message_ids *ids, sip_method as)
{
  g_autofree char *key = NULL;
  sip_txn *txn;
  if (as == SIP_METHOD_ACK)
    as = SIP_METHOD_INVITE;
  key = server_key(ids, as);
  txn = g_hash_table_lookup(stack->txn_keys, key);
  return txn && txn->server ? txn : NULL;
}

sip_txn *
sip_txn_server_new(sip_stack *stack, gint64 now, const sip_addr *from, sip_message *request,
                   const sip_message_ids *ids)
{
  char tag[17];
  sip_txn *txn = txn_add(stack, server_key(ids, ids->method));
  (void)now;
  txn->server = TRUE;
  txn->method = ids->method;
  txn->invite = ids->method == SIP_METHOD_INVITE;
  txn->peer = *from;
  txn->source = *from;
  txn->reliable = sip_transport_reliable(from->kind);
  /* Responses over UDP go to the source address; to the Via port unless
   * rport asked for the source port (RFC 3581 §4, RFC 3261 §18.2.2). */
  if (!txn->reliable && !ids->top_via.has_rport)
    txn->peer.port = ids->top_via.has_port ? ids->top_via.port : 5060;
  txn->request = request;
  txn->state = txn->invite ? SIP_TXN_PROCEEDING : SIP_TXN_TRYING;
  if (ids->to_tag.len) {
    txn->to_tag = sip_slice_dup(ids->to_tag);
  } else {
    sip_stack_random_token(stack, tag, sizeof tag);
    txn->to_tag = g_strdup(tag);
  }
  return txn;
}

void
sip_txn_server_sent(sip_stack *stack, gint64 now, sip_txn *txn, guint status, GBytes *resp)
{
  g_clear_pointer(&txn->last_response, g_bytes_unref);
  txn->last_response = g_bytes_ref(resp);
  txn->last_status = status;
  sip_stack_send(stack, &txn->peer, resp);
  if (status < 200) {
    if (!txn->invite)
      txn->state = SIP_TXN_PROCEEDING;
    return;
  }
  if (!txn->invite) {
    txn->state = SIP_TXN_COMPLETED;
    txn->timer_end = now + (txn->reliable ? 0 : 64 * stack->t1);   /* J */
  } else if (status < 300) {
    txn->state = SIP_TXN_ACCEPTED;
    txn->timer_end = now + 64 * stack->t1;                          /* L */
  } else {
    txn->state = SIP_TXN_COMPLETED;
    if (!txn->reliable) {
      txn->retx_interval = stack->t1;
      txn->timer_retx = now + stack->t1;                            /* G */
    }
    txn->timer_fail = now + 64 * stack->t1;                         /* H */
  }
}

void
sip_txn_server_request(sip_stack *stack, gint64 now, sip_txn *txn, const sip_message *msg)
{
  if (msg->method_id == SIP_METHOD_ACK) {
    if (txn->invite && txn->state == SIP_TXN_COMPLETED) {
      txn->state = SIP_TXN_CONFIRMED;
      txn->timer_retx = txn->timer_fail = SIP_NEVER;
      txn->timer_end = now + (txn->reliable ? 0 : stack->t4);       /* I */
    }
    return;   /* ACK in Confirmed is absorbed; in Accepted it has its own branch */
  }
  /* A retransmitted request: resend the last response, except in Accepted
   * where the dialog layer retransmits the 2xx itself (RFC 6026 §7.1). */
  if (txn->last_response && txn->state != SIP_TXN_ACCEPTED && txn->state != SIP_TXN_CONFIRMED) {
    sip_stack_send(stack, &txn->peer, txn->last_response);
    stack->stats.retransmissions++;
  }
}

static void
txn_timers(sip_stack *stack, gint64 now, sip_txn *txn)
{
  if (txn->timer_retx <= now) {
    GBytes *what = txn->server ? txn->last_response : txn->request_bytes;
    if (what) {
      sip_stack_send(stack, &txn->peer, what);
      stack->stats.retransmissions++;
    }
    if (txn->invite && !txn->server)
      txn->retx_interval *= 2;                                      /* A: no cap */
    else if (!txn->server && txn->state == SIP_TXN_PROCEEDING)
      txn->retx_interval = stack->t2;                               /* E in Proceeding */
    else
      txn->retx_interval = MIN(txn->retx_interval * 2, stack->t2);  /* E, G */
    txn->timer_retx = now + txn->retx_interval;
  }
  if (txn->timer_fail <= now) {
    gboolean client = !txn->server;
    sip_txn_terminate(stack, txn);
    if (client)
      deliver(stack, now, txn, 408, NULL, NULL);
    return;
  }
  if (txn->timer_end <= now)
    sip_txn_terminate(stack, txn);
}

void
sip_txn_tick(sip_stack *stack, gint64 now)
{
  GList *ids = g_hash_table_get_keys(stack->txns);
  for (GList *l = ids; l; l = l->next) {
    sip_txn *txn = sip_txn_get(stack, GPOINTER_TO_UINT(l->data));
    if (txn && txn->state != SIP_TXN_TERMINATED)
      txn_timers(stack, now, txn);
  }
  g_list_free(ids);
}

gint64
sip_txn_next_deadline(const sip_stack *stack)
{
  GHashTableIter it;
  gpointer v;
  gint64 best = SIP_NEVER;
  g_hash_table_iter_init(&it, stack->txns);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    const sip_txn *txn = v;
    best = MIN(best, MIN(txn->timer_retx, MIN(txn->timer_fail, txn->timer_end)));
  }
  return best;
}

void
sip_stack_transport_error(sip_stack *stack, gint64 now, const sip_addr *to)
{
  GList *ids = g_hash_table_get_keys(stack->txns);
  for (GList *l = ids; l; l = l->next) {
    sip_txn *txn = sip_txn_get(stack, GPOINTER_TO_UINT(l->data));
    if (!txn || txn->server || txn->state == SIP_TXN_TERMINATED ||
        txn->state == SIP_TXN_COMPLETED || txn->state == SIP_TXN_ACCEPTED)
      continue;
    if (txn->peer.kind == to->kind && txn->peer.port == to->port &&
        strcmp(txn->peer.host, to->host) == 0) {
      sip_txn_terminate(stack, txn);
      deliver(stack, now, txn, 503, NULL, NULL);
    }
  }
  g_list_free(ids);
  sip_txn_sweep(stack);
}
