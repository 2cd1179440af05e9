/* Dialogs (RFC 3261 §12-§15, RFC 3311, RFC 6026): creation on 1xx-with-tag
 * and 2xx, in-dialog requests (§12.2.1.1, loose routing), CSeq ordering,
 * target refresh, ACK of 2xx by the UAC and 2xx retransmission by the UAS,
 * re-INVITE / UPDATE glare (491, §14.1) and BYE. */
#define G_LOG_DOMAIN "rtc2sip-sip"
#include <errno.h>
#include <string.h>

#include "signalling/sip/sip_stack_private.h"

void
sip_dialog_free(sip_dialog *d)
{
  if (!d)
    return;
  g_free(d->call_id);
  g_free(d->local_tag);
  g_free(d->remote_tag);
  g_free(d->local_hdr);
  g_free(d->remote_hdr);
  g_free(d->remote_target);
  g_ptr_array_unref(d->route_set);
  g_free(d->local_contact);
  sip_auth_clear(&d->auth);
  g_clear_pointer(&d->uas_2xx, g_bytes_unref);
  g_clear_pointer(&d->last_ack, g_bytes_unref);
  g_free(d->glare_type);
  g_clear_pointer(&d->glare_body, g_bytes_unref);
  g_free(d);
}

sip_dialog *
sip_dialog_get(sip_stack *stack, guint id)
{
  return id ? g_hash_table_lookup(stack->dialogs, GUINT_TO_POINTER(id)) : NULL;
}

static sip_dialog *
dialog_new(sip_stack *stack)
{
  sip_dialog *d = g_new0(sip_dialog, 1);
  d->id = sip_stack_new_id(stack);
  d->route_set = g_ptr_array_new_with_free_func(g_free);
  d->t2xx_next = d->t2xx_giveup = d->glare_retry_at = SIP_NEVER;
  g_hash_table_insert(stack->dialogs, GUINT_TO_POINTER(d->id), d);
  return d;
}

sip_dialog *
sip_dialog_find(sip_stack *stack, sip_slice call_id, sip_slice local_tag, sip_slice remote_tag)
{
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, stack->dialogs);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    sip_dialog *d = v;
    if (sip_slice_eq(call_id, d->call_id) && sip_slice_eq(local_tag, d->local_tag) &&
        d->remote_tag && sip_slice_eq(remote_tag, d->remote_tag))
      return d;
  }
  return NULL;
}

void
sip_dialog_end(sip_stack *stack, sip_dialog *d, guint status, const char *why)
{
  if (!d->hidden) {
    sip_event *ev = sip_stack_queue_event(stack, SIP_EVENT_DIALOG_ENDED);
    ev->dialog = d->id;
    ev->status = status;
    ev->reason = g_strdup(why);
  }
  g_hash_table_remove(stack->dialogs, GUINT_TO_POINTER(d->id));
}

/* Where in-dialog requests go: the first Route, else the remote target,
 * when its host is an IP literal; else the dialog's next hop (no DNS here). */
static void
dialog_dest(const sip_dialog *d, sip_addr *out)
{
  g_autofree char *text = NULL;
  sip_name_addr na;
  sip_uri uri;
  const char *uri_text;

  *out = d->next_hop;
  if (d->route_set->len) {
    text = g_strdup(g_ptr_array_index(d->route_set, 0));
    if (sip_name_addr_parse(sip_slice_make(text, strlen(text)), &na, NULL) < 0)
      return;
    uri = na.uri;
  } else {
    uri_text = d->remote_target;
    if (!uri_text || sip_uri_parse(sip_slice_make(uri_text, strlen(uri_text)), &uri, NULL) < 0)
      return;
  }
  if (!sip_uri_is_sip(&uri) || uri.host.len == 0 || uri.host.len >= sizeof out->host)
    return;
  g_autofree char *host = sip_slice_dup(uri.host);
  if (!g_hostname_is_ip_address(host))
    return;
  guint16 port = uri.has_port ? uri.port : (d->next_hop.kind == SIP_TRANSPORT_TLS ? 5061 : 5060);
  if (strcmp(host, d->next_hop.host) != 0 || port != d->next_hop.port)
    sip_addr_set(out, d->next_hop.kind, host, port, 0);
}

/* From, To, Call-ID, Route (and Contact for target refresh requests). */
static GString *
dialog_headers(const sip_dialog *d, gboolean contact)
{
  GString *h = g_string_new(NULL);
  sip_write_header(h, "From", d->local_hdr);
  sip_write_header(h, "To", d->remote_hdr);
  sip_write_header(h, "Call-ID", d->call_id);
  for (guint i = 0; i < d->route_set->len; i++)
    sip_write_header(h, "Route", g_ptr_array_index(d->route_set, i));
  if (contact)
    sip_write_header_printf(h, "Contact", "<%s>", d->local_contact);
  return h;
}

sip_txn *
sip_dialog_send_request(sip_stack *stack, gint64 now, sip_dialog *d, const char *method,
                        const char *ctype, const void *body, gsize len)
{
  gboolean refresh = strcmp(method, "INVITE") == 0 || strcmp(method, "UPDATE") == 0;
  GString *h = dialog_headers(d, refresh);
  g_autofree char *auth = sip_auth_lines(stack, &d->auth, method, d->remote_target, body, len);
  sip_addr to;
  dialog_dest(d, &to);
  return sip_txn_client_start(stack, now, method, d->remote_target, &to, ++d->local_cseq, h, ctype,
                              body, len, SIP_OWNER_DIALOG, d->id, auth);
}

static void
send_ack(sip_stack *stack, sip_dialog *d, guint32 cseq)
{
  char token[17];
  g_autofree char *branch = NULL;
  g_autoptr(GString) out = g_string_new(NULL);
  g_autoptr(GString) h = dialog_headers(d, FALSE);
  sip_addr to;

  sip_stack_random_token(stack, token, sizeof token);
  branch = g_strconcat(SIP_BRANCH_COOKIE, token, NULL);
  dialog_dest(d, &to);
  sip_write_request_line(out, "ACK", d->remote_target);
  sip_stack_write_via(stack, out, to.kind, branch);
  sip_write_header(out, "Max-Forwards", "70");
  g_string_append_len(out, h->str, (gssize)h->len);
  sip_write_header_printf(out, "CSeq", "%u ACK", cseq);
  sip_write_finish(out, NULL, NULL, 0);
  g_clear_pointer(&d->last_ack, g_bytes_unref);
  d->last_ack = g_string_free_to_bytes(g_steal_pointer(&out));
  d->last_ack_cseq = cseq;
  sip_stack_send(stack, &to, d->last_ack);
}

static char *
uri_of(const sip_message *msg, sip_hdr_id id, guint index)
{
  sip_name_addr na;
  if (sip_message_name_addr(msg, id, index, &na, NULL) < 0 || na.star)
    return NULL;
  return sip_slice_dup(na.uri_text);
}

/* Remote target from Contact; route set from Record-Route (reversed for
 * the UAC, §12.1.2). */
static void
learn_from(sip_dialog *d, const sip_message *msg, gboolean route_set)
{
  g_autofree char *target = uri_of(msg, SIP_HDR_CONTACT, 0);
  if (target) {
    g_free(d->remote_target);
    d->remote_target = g_steal_pointer(&target);
  }
  if (!route_set)
    return;
  g_ptr_array_set_size(d->route_set, 0);
  guint n = sip_message_header_count(msg, SIP_HDR_RECORD_ROUTE);
  for (guint i = 0; i < n; i++) {
    const sip_header *h = sip_message_header_at(msg, SIP_HDR_RECORD_ROUTE, d->uac ? n - 1 - i : i);
    g_ptr_array_add(d->route_set, sip_slice_dup(h->value));
  }
}

static void
invite_event(sip_stack *stack, sip_dialog *d, guint status, const sip_message *msg,
             const sip_addr *from)
{
  sip_event *ev = sip_stack_queue_event(stack, SIP_EVENT_INVITE_RESPONSE);
  ev->dialog = d->id;
  ev->status = status;
  if (msg) {
    ev->msg = sip_stack_parse_own(msg->bytes);
    ev->from = *from;
  }
}

static guint32
txn_cseq(const sip_txn *txn)
{
  return txn->cseq;
}

/* A hidden UAC dialog for another fork's 2xx to the INVITE of D. */
static sip_dialog *
fork_dialog(sip_stack *stack, const sip_dialog *d, const sip_message *msg,
            const sip_message_ids *ids)
{
  sip_dialog *f = dialog_new(stack);
  const sip_header *to = sip_message_header(msg, SIP_HDR_TO);
  f->hidden = TRUE;
  f->uac = TRUE;
  f->call_id = g_strdup(d->call_id);
  f->local_tag = g_strdup(d->local_tag);
  f->local_hdr = g_strdup(d->local_hdr);
  f->remote_tag = sip_slice_dup(ids->to_tag);
  f->remote_hdr = to ? sip_slice_dup(to->value) : g_strdup(d->remote_hdr);
  f->remote_target = g_strdup(d->remote_target);
  f->local_contact = g_strdup(d->local_contact);
  f->local_cseq = d->invite_cseq;
  f->next_hop = d->next_hop;
  learn_from(f, msg, TRUE);
  return f;
}

static void
initial_invite_result(sip_stack *stack, gint64 now, sip_dialog *d, sip_txn *txn, guint status,
                      sip_message *msg, const sip_addr *from)
{
  sip_message_ids ids;
  if (msg && sip_message_get_ids(msg, &ids, NULL) < 0)
    return;
  if (status < 200) {
    if (status > 100 && ids.to_tag.len && d->state == SIP_DIALOG_CALLING) {
      const sip_header *to = sip_message_header(msg, SIP_HDR_TO);
      if (!to)
        return;
      d->state = SIP_DIALOG_EARLY;
      d->remote_tag = sip_slice_dup(ids.to_tag);
      g_free(d->remote_hdr);
      d->remote_hdr = sip_slice_dup(to->value);
      learn_from(d, msg, TRUE);
    }
    if (status > 100)
      invite_event(stack, d, status, msg, from);
    return;
  }
  if (status < 300) {
    if (d->state == SIP_DIALOG_CONFIRMED || d->state == SIP_DIALOG_TERMINATED) {
      sip_addr to;
      if (sip_slice_eq(ids.to_tag, d->remote_tag)) {
        dialog_dest(d, &to);
        if (d->last_ack)
          sip_stack_send(stack, &to, d->last_ack);   /* retransmitted 2xx: re-ACK */
      } else if (!sip_dialog_find(stack, ids.call_id, ids.from_tag, ids.to_tag)) {
        /* another fork answered too (§13.2.2.4): ACK it and end it with BYE,
         * in a hidden dialog the call logic never sees */
        sip_dialog *f = fork_dialog(stack, d, msg, &ids);
        send_ack(stack, f, d->invite_cseq);
        f->bye_sent = TRUE;
        f->state = SIP_DIALOG_TERMINATED;
        sip_dialog_send_request(stack, now, f, "BYE", NULL, NULL, 0);
      }
      return;
    }
    const sip_header *to = sip_message_header(msg, SIP_HDR_TO);
    if (!to)
      return;
    g_free(d->remote_tag);
    d->remote_tag = sip_slice_dup(ids.to_tag);
    g_free(d->remote_hdr);
    d->remote_hdr = sip_slice_dup(to->value);
    learn_from(d, msg, TRUE);
    d->state = SIP_DIALOG_CONFIRMED;
    send_ack(stack, d, d->invite_cseq);
    invite_event(stack, d, status, msg, from);
    if (d->cancel_requested) {
      /* CANCEL lost the race with the 2xx: end the call (§9.1) */
      d->bye_sent = TRUE;
      d->state = SIP_DIALOG_TERMINATED;
      sip_dialog_send_request(stack, now, d, "BYE", NULL, NULL, 0);
    }
    return;
  }
  invite_event(stack, d, status, msg, from);
  sip_dialog_end(stack, d, status, status == 408 ? "no answer to the INVITE" : "call failed");
}

void
sip_dialog_client_result(sip_stack *stack, gint64 now, sip_txn *txn, guint status,
                         sip_message *msg, const sip_addr *from)
{
  sip_dialog *d = sip_dialog_get(stack, txn->owner_id);
  if (!d)
    return;
  if ((status == 401 || status == 407) && msg) {
    sip_txn *next = sip_auth_retry(stack, now, &d->auth, txn, msg, d->local_cseq + 1);
    if (next) {
      d->local_cseq++;
      if (d->invite_txn == txn->id) {
        d->invite_txn = next->id;
        d->invite_cseq = d->local_cseq;
        next->cancel_pending = txn->cancel_pending;
      }
      if (d->reinvite_out == txn->id)
        d->reinvite_out = next->id;
      return;
    }
  }
  if (txn->method == SIP_METHOD_INVITE && txn->id == d->invite_txn) {
    initial_invite_result(stack, now, d, txn, status, msg, from);
    return;
  }
  if (txn->method == SIP_METHOD_INVITE) {
    if (status >= 200 && status < 300) {
      if (d->last_ack && d->last_ack_cseq == txn_cseq(txn)) {
        sip_stack_send(stack, &txn->peer, d->last_ack);   /* re-ACK */
        return;
      }
      send_ack(stack, d, txn_cseq(txn));
      if (msg)
        learn_from(d, msg, FALSE);
    }
    if (status < 200 || txn->id != d->reinvite_out)
      return;
    d->reinvite_out = 0;
    if (status == 491 && txn->body) {
      /* glare (§14.1): the Call-ID owner waits 2.1-4 s, the other 0-2 s */
      gint64 ms = d->uac ? g_rand_int_range(stack->rand, 2100, 4001)
                         : g_rand_int_range(stack->rand, 0, 2001);
      d->glare_retry_at = now + ms * 1000;
      g_free(d->glare_type);
      d->glare_type = g_strdup(txn->content_type);
      g_clear_pointer(&d->glare_body, g_bytes_unref);
      d->glare_body = g_bytes_ref(txn->body);
      return;
    }
    invite_event(stack, d, status, msg, from);
    if (status == 481 || status == 408)
      sip_dialog_end(stack, d, status, "re-INVITE failed: dialog gone");
    return;
  }
  if (status < 200)
    return;
  if (txn->method == SIP_METHOD_BYE) {
    sip_dialog_end(stack, d, status, "BYE sent");
    return;
  }
  sip_event *ev = sip_stack_queue_event(stack, SIP_EVENT_REQUEST_RESPONSE);
  ev->dialog = d->id;
  ev->status = status;
  if (msg) {
    ev->msg = sip_stack_parse_own(msg->bytes);
    ev->from = *from;
  }
  if (status == 481 || status == 408)
    sip_dialog_end(stack, d, status, "in-dialog request failed: dialog gone");
}

gboolean
sip_dialog_stray_2xx(sip_stack *stack, gint64 now, sip_message *msg, const sip_message_ids *ids)
{
  sip_dialog *d = sip_dialog_find(stack, ids->call_id, ids->from_tag, ids->to_tag);
  (void)now;
  (void)msg;
  if (!d || !d->last_ack || d->last_ack_cseq != ids->cseq.number)
    return FALSE;
  sip_addr to;
  dialog_dest(d, &to);
  sip_stack_send(stack, &to, d->last_ack);
  return TRUE;
}

static sip_event *
request_event(sip_stack *stack, sip_event_type type, sip_dialog *d, sip_txn *txn,
              const sip_message *msg)
{
  sip_event *ev = sip_stack_queue_event(stack, type);
  ev->dialog = d->id;
  ev->transaction = txn ? txn->id : 0;
  ev->msg = sip_stack_parse_own(msg->bytes);
  ev->from = txn ? txn->peer : d->next_hop;
  return ev;
}

void
sip_dialog_request(sip_stack *stack, gint64 now, sip_txn *txn, sip_message *msg,
                   const sip_message_ids *ids)
{
  sip_dialog *d = sip_dialog_find(stack, ids->call_id, ids->to_tag, ids->from_tag);

  if (ids->method == SIP_METHOD_ACK) {
    if (d && d->uas_2xx && ids->cseq.number == d->uas_2xx_cseq) {
      g_clear_pointer(&d->uas_2xx, g_bytes_unref);
      d->t2xx_next = d->t2xx_giveup = SIP_NEVER;
      request_event(stack, SIP_EVENT_ACK, d, NULL, msg);
    }
    return;
  }
  if (!d) {
    sip_stack_reply(stack, now, txn, 481, NULL, NULL, NULL, NULL, 0);
    return;
  }
  if (d->remote_cseq_set && ids->cseq.number <= d->remote_cseq) {
    sip_stack_reply(stack, now, txn, 500, "CSeq out of order", NULL, NULL, NULL, 0);
    return;
  }
  d->remote_cseq = ids->cseq.number;
  d->remote_cseq_set = TRUE;
  txn->dialog = d->id;
  switch (ids->method) {
  case SIP_METHOD_BYE: {
    sip_txn *inv = d->uac ? NULL : sip_txn_get(stack, d->invite_txn);
    sip_stack_reply(stack, now, txn, 200, NULL, NULL, NULL, NULL, 0);
    if (inv && inv->server && inv->last_status < 200)
      sip_stack_reply(stack, now, inv, 487, NULL, NULL, NULL, NULL, 0);
    request_event(stack, SIP_EVENT_BYE, d, txn, msg);
    sip_dialog_end(stack, d, 200, "BYE received");
    return;
  }
  case SIP_METHOD_INVITE:
  case SIP_METHOD_UPDATE: {
    gboolean invite = ids->method == SIP_METHOD_INVITE;
    if (d->reinvite_out) {
      /* glare: our own offer is pending (§14.2, RFC 3311 §5.2) */
      sip_stack_reply(stack, now, txn, 491, NULL, NULL, NULL, NULL, 0);
      return;
    }
    if (d->reinvite_in) {
      /* we have not answered their previous offer yet: 500 + Retry-After */
      char secs[4];
      g_snprintf(secs, sizeof secs, "%d", g_rand_int_range(stack->rand, 0, 11));
      const char *hdrs[] = { "Retry-After", secs, NULL };
      sip_stack_reply(stack, now, txn, 500, NULL, hdrs, NULL, NULL, 0);
      return;
    }
    learn_from(d, msg, FALSE);
    if (invite) {
      d->reinvite_in = txn->id;
      sip_stack_reply(stack, now, txn, 100, NULL, NULL, NULL, NULL, 0);
    }
    request_event(stack, invite ? SIP_EVENT_REINVITE : SIP_EVENT_UPDATE, d, txn, msg);
    return;
  }
  case SIP_METHOD_INFO:
    request_event(stack, SIP_EVENT_INFO, d, txn, msg);
    return;
  case SIP_METHOD_OPTIONS: {
    const char *hdrs[] = { "Allow", "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO", "Accept",
                           "application/sdp", NULL };
    sip_stack_reply(stack, now, txn, 200, NULL, hdrs, NULL, NULL, 0);
    return;
  }
  default:
    sip_stack_reply(stack, now, txn, 405, NULL, NULL, NULL, NULL, 0);
    return;
  }
}

static gboolean
headers_have(const char *const *headers, const char *name)
{
  for (guint i = 0; headers && headers[i] && headers[i + 1]; i += 2)
    if (g_ascii_strcasecmp(headers[i], name) == 0)
      return TRUE;
  return FALSE;
}

guint
sip_dialog_uas_respond(sip_stack *stack, gint64 now, sip_txn *txn, guint status,
                       const char *reason, const char *const *headers, const char *ctype,
                       const void *body, gsize len)
{
  sip_dialog *d = sip_dialog_get(stack, txn->dialog);
  const sip_message *req = txn->request;
  sip_message_ids ids;
  g_autoptr(GPtrArray) hdrs = g_ptr_array_new();
  g_autofree char *contact = NULL;

  if (sip_message_get_ids(req, &ids, NULL) < 0)
    return 0;
  if (!d) {
    const sip_header *from = sip_message_header(req, SIP_HDR_FROM);
    const sip_header *to = sip_message_header(req, SIP_HDR_TO);
    d = dialog_new(stack);
    d->uac = FALSE;
    d->call_id = sip_slice_dup(ids.call_id);
    d->local_tag = g_strdup(txn->to_tag);
    d->remote_tag = sip_slice_dup(ids.from_tag);
    d->remote_hdr = sip_slice_dup(from->value);
    g_autofree char *to_value = sip_slice_dup(to->value);
    d->local_hdr = g_strdup_printf("%s;tag=%s", to_value, d->local_tag);
    d->remote_cseq = ids.cseq.number;
    d->remote_cseq_set = TRUE;
    d->next_hop = txn->peer;
    d->local_contact = sip_stack_default_contact(stack, txn->peer.kind);
    d->invite_txn = txn->id;
    d->local_cseq = g_rand_int_range(stack->rand, 1, 10000);
    learn_from(d, req, TRUE);
    d->state = SIP_DIALOG_EARLY;
    txn->dialog = d->id;
  }
  contact = g_strdup_printf("<%s>", d->local_contact);
  if (!headers_have(headers, "Contact")) {
    g_ptr_array_add(hdrs, (gpointer) "Contact");
    g_ptr_array_add(hdrs, contact);
  }
  g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func(g_free);
  if (d->invite_txn == txn->id) {
    for (const sip_header *h = sip_message_header(req, SIP_HDR_RECORD_ROUTE); h;
         h = sip_message_header_next(req, h)) {
      g_ptr_array_add(hdrs, (gpointer) "Record-Route");
      g_ptr_array_add(owned, sip_slice_dup(h->value));
      g_ptr_array_add(hdrs, g_ptr_array_index(owned, owned->len - 1));
    }
  }
  if (status >= 200) {
    static const struct { sip_hdr_id id; const char *name; } keep[] = {
      { SIP_HDR_SESSION_EXPIRES, "Session-Expires" }, { SIP_HDR_MIN_SE, "Min-SE" } };
    for (guint i = 0; i < G_N_ELEMENTS(keep); i++) {
      const sip_header *h = sip_message_header(req, keep[i].id);
      if (h && !headers_have(headers, keep[i].name)) {
        g_ptr_array_add(hdrs, (gpointer)keep[i].name);
        g_ptr_array_add(owned, sip_slice_dup(h->value));
        g_ptr_array_add(hdrs, g_ptr_array_index(owned, owned->len - 1));
      }
    }
  }
  for (guint i = 0; headers && headers[i] && headers[i + 1]; i += 2) {
    g_ptr_array_add(hdrs, (gpointer)headers[i]);
    g_ptr_array_add(hdrs, (gpointer)headers[i + 1]);
  }
  g_ptr_array_add(hdrs, NULL);
  sip_stack_reply(stack, now, txn, status, reason, (const char *const *)hdrs->pdata, ctype, body,
                  len);
  if (status >= 200) {
    if (d->state != SIP_DIALOG_CONFIRMED)
      d->state = SIP_DIALOG_CONFIRMED;
    if (d->reinvite_in == txn->id)
      d->reinvite_in = 0;
    g_clear_pointer(&d->uas_2xx, g_bytes_unref);
    d->uas_2xx = g_bytes_ref(txn->last_response);
    d->uas_2xx_cseq = ids.cseq.number;
    d->t2xx_interval = stack->t1;
    d->t2xx_next = txn->reliable ? SIP_NEVER : now + stack->t1;
    d->t2xx_giveup = now + 64 * stack->t1;
  }
  return d->id;
}

void
sip_dialog_tick(sip_stack *stack, gint64 now)
{
  GList *ids = g_hash_table_get_keys(stack->dialogs);
  for (GList *l = ids; l; l = l->next) {
    sip_dialog *d = sip_dialog_get(stack, GPOINTER_TO_UINT(l->data));
    if (!d)
      continue;
    if (d->uas_2xx && d->t2xx_giveup <= now) {
      /* §13.3.1.4: no ACK in 64*T1: confirm and end the session with BYE */
      g_clear_pointer(&d->uas_2xx, g_bytes_unref);
      d->t2xx_next = d->t2xx_giveup = SIP_NEVER;
      sip_dialog_send_request(stack, now, d, "BYE", NULL, NULL, 0);
      d->bye_sent = TRUE;
      d->state = SIP_DIALOG_TERMINATED;
      sip_event *ev = sip_stack_queue_event(stack, SIP_EVENT_DIALOG_ENDED);
      ev->dialog = d->id;
      ev->status = 408;
      ev->reason = g_strdup("no ACK for our 2xx");
      /* the BYE transaction still reports to the dialog; forget it now */
      g_hash_table_remove(stack->dialogs, GUINT_TO_POINTER(d->id));
      continue;
    }
    if (d->uas_2xx && d->t2xx_next <= now) {
      sip_stack_send(stack, &d->next_hop, d->uas_2xx);
      stack->stats.retransmissions++;
      d->t2xx_interval = MIN(d->t2xx_interval * 2, stack->t2);
      d->t2xx_next = now + d->t2xx_interval;
    }
    if (d->glare_retry_at <= now) {
      d->glare_retry_at = SIP_NEVER;
      if (d->state == SIP_DIALOG_CONFIRMED && !d->reinvite_out && !d->reinvite_in) {
        gsize len = 0;
        const void *body = d->glare_body ? g_bytes_get_data(d->glare_body, &len) : NULL;
        sip_txn *t = sip_dialog_send_request(stack, now, d, "INVITE", d->glare_type, body, len);
        d->reinvite_out = t->id;
      }
    }
  }
  g_list_free(ids);
}

gint64
sip_dialog_next_deadline(const sip_stack *stack)
{
  GHashTableIter it;
  gpointer v;
  gint64 best = SIP_NEVER;
  g_hash_table_iter_init(&it, stack->dialogs);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    const sip_dialog *d = v;
    best = MIN(best, MIN(d->t2xx_next, MIN(d->t2xx_giveup, d->glare_retry_at)));
  }
  return best;
}

/* ── user requests ── */

guint
sip_stack_invite(sip_stack *stack, gint64 now_us, const sip_invite_params *p)
{
  char tag[17], cid[25];
  sip_dialog *d;
  GString *h;
  sip_txn *txn;

  if (!p->request_uri || !p->from || !p->to)
    return 0;
  d = dialog_new(stack);
  d->uac = TRUE;
  sip_stack_random_token(stack, cid, sizeof cid);
  d->call_id = g_strdup(cid);
  sip_stack_random_token(stack, tag, sizeof tag);
  d->local_tag = g_strdup(tag);
  d->local_hdr = g_strdup_printf("%s;tag=%s", p->from, tag);
  d->remote_hdr = g_strdup(p->to);
  d->remote_target = g_strdup(p->request_uri);
  d->local_cseq = g_rand_int_range(stack->rand, 1, 10000);
  for (guint i = 0; p->route && p->route[i]; i++)
    g_ptr_array_add(d->route_set, g_strdup(p->route[i]));
  d->next_hop = p->next_hop;
  d->local_contact = p->contact ? g_strdup(p->contact)
                                : sip_stack_default_contact(stack, p->next_hop.kind);
  sip_auth_init(&d->auth, p->credentials);
  d->state = SIP_DIALOG_CALLING;

  h = dialog_headers(d, TRUE);
  sip_write_extra_headers(h, p->headers);
  if (stack->supported && stack->supported[0]) {
    g_autofree char *sup = g_strjoinv(", ", stack->supported);
    sip_write_header(h, "Supported", sup);
  }
  sip_write_header(h, "Allow", "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO");
  d->invite_cseq = ++d->local_cseq;
  txn = sip_txn_client_start(stack, now_us, "INVITE", p->request_uri, &p->next_hop,
                             d->invite_cseq, h, p->content_type, p->body, p->body_len,
                             SIP_OWNER_DIALOG, d->id, NULL);
  d->invite_txn = txn->id;
  return d->id;
}

int
sip_stack_cancel(sip_stack *stack, gint64 now_us, guint dialog)
{
  sip_dialog *d = sip_dialog_get(stack, dialog);
  sip_txn *inv;
  if (!d || !d->uac || d->state == SIP_DIALOG_CONFIRMED)
    return -ENOENT;
  d->cancel_requested = TRUE;
  inv = sip_txn_get(stack, d->invite_txn);
  if (!inv)
    return 0;
  if (inv->state == SIP_TXN_PROCEEDING)
    sip_txn_send_cancel(stack, now_us, inv);
  else if (inv->state == SIP_TXN_CALLING)
    inv->cancel_pending = TRUE;   /* §9.1: not before a provisional response */
  return 0;
}

int
sip_stack_bye(sip_stack *stack, gint64 now_us, guint dialog)
{
  return sip_stack_bye_reason(stack, now_us, dialog, NULL);
}

int
sip_stack_bye_reason(sip_stack *stack, gint64 now_us, guint dialog, const char *reason)
{
  sip_dialog *d = sip_dialog_get(stack, dialog);
  if (!d || d->bye_sent)
    return -ENOENT;
  if (d->uac && d->state != SIP_DIALOG_CONFIRMED)
    return sip_stack_cancel(stack, now_us, dialog);
  if (d->state != SIP_DIALOG_CONFIRMED)
    return -EINVAL;
  g_clear_pointer(&d->uas_2xx, g_bytes_unref);
  d->t2xx_next = d->t2xx_giveup = d->glare_retry_at = SIP_NEVER;
  d->bye_sent = TRUE;
  d->state = SIP_DIALOG_TERMINATED;
  if (reason) {
    /* RFC 3326: why the call ends, in the BYE itself. */
    GString *h = dialog_headers(d, FALSE);
    sip_write_header(h, "Reason", reason);
    g_autofree char *auth = sip_auth_lines(stack, &d->auth, "BYE", d->remote_target, NULL, 0);
    sip_addr to;
    dialog_dest(d, &to);
    sip_txn_client_start(stack, now_us, "BYE", d->remote_target, &to, ++d->local_cseq, h, NULL, NULL, 0,
                         SIP_OWNER_DIALOG, d->id, auth);
  } else {
    sip_dialog_send_request(stack, now_us, d, "BYE", NULL, NULL, 0);
  }
  return 0;
}

int
sip_stack_reinvite(sip_stack *stack, gint64 now_us, guint dialog, const char *content_type,
                   const void *body, gsize body_len)
{
  sip_dialog *d = sip_dialog_get(stack, dialog);
  if (!d || d->state != SIP_DIALOG_CONFIRMED)
    return -ENOENT;
  if (d->reinvite_out || d->reinvite_in || d->glare_retry_at != SIP_NEVER)
    return -EBUSY;
  d->reinvite_out = sip_dialog_send_request(stack, now_us, d, "INVITE", content_type, body,
                                            body_len)->id;
  return 0;
}

int
sip_stack_info(sip_stack *stack, gint64 now_us, guint dialog, const char *content_type,
               const void *body, gsize body_len)
{
  sip_dialog *d = sip_dialog_get(stack, dialog);
  if (!d || d->state != SIP_DIALOG_CONFIRMED)
    return -ENOENT;
  sip_dialog_send_request(stack, now_us, d, "INFO", content_type, body, body_len);
  return 0;
}
