/* Registration clients (RFC 3261 §10.2): REGISTER, refresh before expiry,
 * 423 Interval Too Brief, backoff after failures, unregistration.
 *
 * - Refresh: at half the granted expiry when it is under 2 minutes, else
 *   30 s before it ends.
 * - Granted expiry: the expires parameter of the Contact in the 200 that
 *   matches ours, else the Expires header, else what we asked for.
 * - 423: ask again at once with the registrar's Min-Expires (once per
 *   value; a 423 that does not raise the interval is a failure).
 * - Failure (any other final status, timeout 408, transport error 503):
 *   SIP_REG_FAILED, then a new attempt after 30 s, 60 s, 120 s, … capped at
 *   30 min, reset by a success; a longer Retry-After (up to 30 min) of the
 *   failure response is honoured. */
#define G_LOG_DOMAIN "rtc2sip-sip"
#include <errno.h>
#include <string.h>

#include "signalling/sip/sip_stack_private.h"

#define SIP_REG_BACKOFF_MIN_S 30
#define SIP_REG_BACKOFF_MAX_S 1800

void
sip_registration_free(sip_registration *reg)
{
  if (!reg)
    return;
  g_free(reg->registrar_uri);
  g_free(reg->aor);
  g_free(reg->contact);
  g_free(reg->call_id);
  g_free(reg->from_tag);
  sip_auth_clear(&reg->auth);
  g_free(reg);
}

static sip_registration *
reg_get(sip_stack *stack, guint id)
{
  return id ? g_hash_table_lookup(stack->regs, GUINT_TO_POINTER(id)) : NULL;
}

static void
reg_event(sip_stack *stack, sip_registration *reg, sip_registration_state state, guint status,
          const char *why)
{
  sip_event *ev = sip_stack_queue_event(stack, SIP_EVENT_REGISTRATION);
  reg->state = state;
  ev->registration = reg->id;
  ev->reg_state = state;
  ev->status = status;
  ev->expires = state == SIP_REG_REGISTERED ? reg->granted : 0;
  ev->reason = g_strdup(why);
}

static void
send_register(sip_stack *stack, gint64 now, sip_registration *reg, guint32 expires)
{
  GString *h = g_string_new(NULL);
  g_autofree char *auth = NULL;
  sip_write_header_printf(h, "From", "<%s>;tag=%s", reg->aor, reg->from_tag);
  sip_write_header_printf(h, "To", "<%s>", reg->aor);
  sip_write_header(h, "Call-ID", reg->call_id);
  sip_write_header_printf(h, "Contact", "<%s>", reg->contact);
  sip_write_header_printf(h, "Expires", "%u", expires);
  auth = sip_auth_lines(stack, &reg->auth, "REGISTER", reg->registrar_uri, NULL, 0);
  reg->txn = sip_txn_client_start(stack, now, "REGISTER", reg->registrar_uri, &reg->next_hop,
                                  ++reg->cseq, h, NULL, NULL, 0, SIP_OWNER_REG, reg->id,
                                  auth)->id;
  reg->refresh_at = SIP_NEVER;
}

guint
sip_stack_register(sip_stack *stack, gint64 now_us, const sip_registration_params *p)
{
  char tok[25];
  sip_registration *reg;
  if (!p->registrar_uri || !p->aor || stack->shutting_down)
    return 0;
  reg = g_new0(sip_registration, 1);
  reg->id = sip_stack_new_id(stack);
  reg->registrar_uri = g_strdup(p->registrar_uri);
  reg->aor = g_strdup(p->aor);
  reg->contact = p->contact ? g_strdup(p->contact)
                            : sip_stack_default_contact(stack, p->next_hop.kind);
  sip_stack_random_token(stack, tok, sizeof tok);
  reg->call_id = g_strdup(tok);
  sip_stack_random_token(stack, tok, 17);
  reg->from_tag = g_strdup(tok);
  reg->requested = p->expires ? p->expires : 3600;
  reg->next_hop = p->next_hop;
  sip_auth_init(&reg->auth, p->credentials);
  g_hash_table_insert(stack->regs, GUINT_TO_POINTER(reg->id), reg);
  reg_event(stack, reg, SIP_REG_REGISTERING, 0, NULL);
  send_register(stack, now_us, reg, reg->requested);
  return reg->id;
}

int
sip_stack_unregister(sip_stack *stack, gint64 now_us, guint registration)
{
  sip_registration *reg = reg_get(stack, registration);
  if (!reg || reg->unregistering)
    return -ENOENT;
  reg->unregistering = TRUE;
  reg->remove_when_done = TRUE;
  if (reg->state == SIP_REG_REGISTERED || reg->txn) {
    send_register(stack, now_us, reg, 0);
  } else {
    reg_event(stack, reg, SIP_REG_UNREGISTERED, 0, NULL);
    g_hash_table_remove(stack->regs, GUINT_TO_POINTER(reg->id));
  }
  return 0;
}

/* The expiry the registrar granted our contact. */
static guint32
granted_expiry(const sip_registration *reg, const sip_message *msg)
{
  guint n = sip_message_header_count(msg, SIP_HDR_CONTACT);
  guint32 e;
  for (guint i = 0; i < n; i++) {
    sip_name_addr na;
    if (sip_message_name_addr(msg, SIP_HDR_CONTACT, i, &na, NULL) == 0 && na.expires >= 0 &&
        sip_slice_eq(na.uri_text, reg->contact))
      return (guint32)MIN(na.expires, (gint64)G_MAXUINT32);
  }
  if (sip_message_expires(msg, &e, NULL) == 0)
    return e;
  return reg->requested;
}

void
sip_registration_check_shutdown(sip_stack *stack)
{
  if (stack->shutting_down && g_hash_table_size(stack->regs) == 0 &&
      g_hash_table_size(stack->dialogs) == 0) {
    stack->shutting_down = FALSE;
    stack->shutdown_deadline = SIP_NEVER;
    sip_stack_queue_event(stack, SIP_EVENT_SHUTDOWN_DONE);
  }
}

static void
finish_unregister(sip_stack *stack, sip_registration *reg, guint status)
{
  reg_event(stack, reg, SIP_REG_UNREGISTERED, status, NULL);
  g_hash_table_remove(stack->regs, GUINT_TO_POINTER(reg->id));
  sip_registration_check_shutdown(stack);
}

void
sip_registration_client_result(sip_stack *stack, gint64 now, sip_txn *txn, guint status,
                               sip_message *msg)
{
  sip_registration *reg = reg_get(stack, txn->owner_id);
  if (!reg || reg->txn != txn->id || status < 200)
    return;
  reg->txn = 0;
  if ((status == 401 || status == 407) && msg) {
    sip_txn *next = sip_auth_retry(stack, now, &reg->auth, txn, msg, reg->cseq + 1);
    if (next) {
      reg->cseq++;
      reg->txn = next->id;
      return;
    }
  }
  if (reg->unregistering) {
    finish_unregister(stack, reg, status);
    return;
  }
  if (status == 423 && msg) {
    const sip_header *h = sip_message_header(msg, SIP_HDR_MIN_EXPIRES);
    guint64 min = 0;
    if (h && sip_parse_uint(sip_slice_trim(h->value), G_MAXUINT32, &min) == 0 &&
        min > reg->requested) {
      reg->requested = (guint32)min;
      send_register(stack, now, reg, reg->requested);
      return;
    }
  }
  if (status >= 200 && status < 300 && msg) {
    reg->granted = granted_expiry(reg, msg);
    if (reg->granted > 0) {
      gint64 wait_s = reg->granted < 120 ? reg->granted / 2 : reg->granted - 30;
      reg->failures = 0;
      reg->refresh_at = now + MAX(wait_s, 1) * G_USEC_PER_SEC;
      reg_event(stack, reg, SIP_REG_REGISTERED, status, NULL);
      return;
    }
    status = 500;   /* the registrar dropped our contact */
  }
  reg->failures++;
  gint64 backoff = SIP_REG_BACKOFF_MIN_S;
  for (guint i = 1; i < reg->failures && backoff < SIP_REG_BACKOFF_MAX_S; i++)
    backoff *= 2;
  backoff = MIN(backoff, SIP_REG_BACKOFF_MAX_S);
  const sip_header *ra = msg ? sip_message_header(msg, SIP_HDR_RETRY_AFTER) : NULL;
  guint64 after = 0;
  if (ra) {
    /* "Retry-After: 120 (busy);duration=…": the leading number */
    sip_slice v = sip_slice_trim(ra->value);
    gsize n = 0;
    while (n < v.len && g_ascii_isdigit(v.p[n]))
      n++;
    if (sip_parse_uint(sip_slice_make(v.p, n), SIP_REG_BACKOFF_MAX_S, &after) == 0)
      backoff = MAX(backoff, (gint64)after);
  }
  reg->refresh_at = now + backoff * G_USEC_PER_SEC;
  reg_event(stack, reg, SIP_REG_FAILED, status,
            status == 408 ? "registrar did not answer" : "registration refused");
}

void
sip_registration_tick(sip_stack *stack, gint64 now)
{
  GList *ids = g_hash_table_get_keys(stack->regs);
  for (GList *l = ids; l; l = l->next) {
    sip_registration *reg = reg_get(stack, GPOINTER_TO_UINT(l->data));
    if (reg && !reg->txn && reg->refresh_at <= now) {
      if (reg->state == SIP_REG_FAILED)
        reg_event(stack, reg, SIP_REG_REGISTERING, 0, NULL);
      send_register(stack, now, reg, reg->requested);
    }
  }
  g_list_free(ids);
  if (stack->shutting_down && stack->shutdown_deadline <= now) {
    /* timed out: forget what is left */
    g_hash_table_remove_all(stack->regs);
    ids = g_hash_table_get_keys(stack->dialogs);
    for (GList *l = ids; l; l = l->next) {
      sip_dialog *d = sip_dialog_get(stack, GPOINTER_TO_UINT(l->data));
      if (d)
        sip_dialog_end(stack, d, 408, "shutdown timed out");
    }
    g_list_free(ids);
    sip_registration_check_shutdown(stack);
  }
}

gint64
sip_registration_next_deadline(const sip_stack *stack)
{
  GHashTableIter it;
  gpointer v;
  gint64 best = SIP_NEVER;
  g_hash_table_iter_init(&it, stack->regs);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    const sip_registration *reg = v;
    if (!reg->txn)
      best = MIN(best, reg->refresh_at);
  }
  return best;
}

void
sip_stack_shutdown(sip_stack *stack, gint64 now_us)
{
  GList *ids = g_hash_table_get_keys(stack->regs);
  stack->shutting_down = TRUE;
  stack->draining = TRUE;
  stack->shutdown_deadline = now_us + 64 * stack->t1;
  for (GList *l = ids; l; l = l->next)
    sip_stack_unregister(stack, now_us, GPOINTER_TO_UINT(l->data));
  g_list_free(ids);
  ids = g_hash_table_get_keys(stack->dialogs);
  for (GList *l = ids; l; l = l->next) {
    guint id = GPOINTER_TO_UINT(l->data);
    sip_dialog *d = sip_dialog_get(stack, id);
    if (d && d->state == SIP_DIALOG_CONFIRMED)
      sip_stack_bye(stack, now_us, id);
    else if (d && d->uac)
      sip_stack_cancel(stack, now_us, id);
    else if (d)
      sip_dialog_end(stack, d, 503, "shutting down");
  }
  g_list_free(ids);
  sip_txn_sweep(stack);
  sip_registration_check_shutdown(stack);
}
