/* Digest authentication of our requests (RFC 3261 §22.2-§22.3): after a
 * 401 / 407 the request is sent again with a new branch and CSeq + 1,
 * answering every challenge known to the requester (a dialog or a
 * registration). Later requests of the same requester answer the same
 * challenges pre-emptively with an incremented nonce count. A challenge
 * with stale=true is retried with the new nonce without counting as a
 * failure; a second rejection carrying the nonce we just answered fails the
 * request with its status. */
#define G_LOG_DOMAIN "rtc2sip-sip"
#include <errno.h>
#include <string.h>

#include "signalling/sip/sip_stack_private.h"

/* Retries of one request at most (stale nonces included). */
#define SIP_AUTH_MAX_RETRIES 4

void
sip_auth_init(sip_auth *auth, const sip_credentials *creds)
{
  memset(auth, 0, sizeof *auth);
  if (creds && creds->username && creds->password) {
    auth->username = g_strdup(creds->username);
    auth->password = g_strdup(creds->password);
  }
}

void
sip_auth_clear(sip_auth *auth)
{
  g_free(auth->username);
  if (auth->password)
    memset(auth->password, 0, strlen(auth->password));
  g_free(auth->password);
  sip_digest_challenge_clear(&auth->www);
  sip_digest_challenge_clear(&auth->proxy);
  g_free(auth->answered_nonce);
  memset(auth, 0, sizeof *auth);
}

static gboolean
answer(sip_stack *stack, sip_auth *auth, sip_digest_challenge *ch, const char *name,
       const char *method, const char *ruri, const void *body, gsize len, GString *out)
{
  char cnonce[17];
  const char *why = NULL;
  g_autoptr(GString) value = g_string_new(NULL);
  sip_stack_random_token(stack, cnonce, sizeof cnonce);
  sip_digest_request rq = { auth->username, auth->password, method, ruri, cnonce, body, len };
  if (sip_digest_authorize(ch, &rq, value, &why) < 0) {
    g_debug("cannot answer digest challenge: %s", why);
    return FALSE;
  }
  sip_write_header(out, name, value->str);
  return TRUE;
}

char *
sip_auth_lines(sip_stack *stack, sip_auth *auth, const char *method, const char *ruri,
               const void *body, gsize len)
{
  g_autoptr(GString) out = g_string_new(NULL);
  if (!auth->username)
    return NULL;
  if (auth->have_www)
    answer(stack, auth, &auth->www, "Authorization", method, ruri, body, len, out);
  if (auth->have_proxy)
    answer(stack, auth, &auth->proxy, "Proxy-Authorization", method, ruri, body, len, out);
  return out->len ? g_string_free(g_steal_pointer(&out), FALSE) : NULL;
}

sip_txn *
sip_auth_retry(sip_stack *stack, gint64 now, sip_auth *auth, sip_txn *txn,
               const sip_message *resp, guint32 new_cseq)
{
  gboolean proxy = resp->status == 407;
  sip_hdr_id id = proxy ? SIP_HDR_PROXY_AUTHENTICATE : SIP_HDR_WWW_AUTHENTICATE;
  g_auto(sip_digest_challenge) ch = SIP_DIGEST_CHALLENGE_INIT;
  const sip_header *h;
  const char *why = NULL;
  gboolean parsed = FALSE;

  if (!auth->username || !txn->base_headers || txn->auth_retries >= SIP_AUTH_MAX_RETRIES)
    return NULL;
  for (h = sip_message_header(resp, id); h && !parsed; h = sip_message_header_next(resp, h)) {
    sip_digest_challenge_clear(&ch);
    parsed = sip_digest_challenge_parse(&ch, h->value.p, h->value.len, &why) == 0;
  }
  if (!parsed)
    return NULL;
  if (!ch.stale && auth->answered_nonce && strcmp(auth->answered_nonce, ch.nonce) == 0)
    return NULL;   /* our answer to this very nonce was refused: wrong credentials */
  g_free(auth->answered_nonce);
  auth->answered_nonce = g_strdup(ch.nonce);
  if (proxy) {
    sip_digest_challenge_clear(&auth->proxy);
    auth->proxy = ch;
    auth->have_proxy = TRUE;
  } else {
    sip_digest_challenge_clear(&auth->www);
    auth->www = ch;
    auth->have_www = TRUE;
  }
  memset(&ch, 0, sizeof ch);   /* moved */

  const char *method = sip_method_name(txn->method);
  gsize len = 0;
  const void *body = txn->body ? g_bytes_get_data(txn->body, &len) : NULL;
  g_autofree char *lines = sip_auth_lines(stack, auth, method, txn->ruri, body, len);
  GString *base = g_string_new_len(txn->base_headers->str, (gssize)txn->base_headers->len);
  sip_txn *next = sip_txn_client_start(stack, now, method, txn->ruri, &txn->peer, new_cseq, base,
                                       txn->content_type, body, len, txn->owner, txn->owner_id,
                                       lines);
  next->auth_retries = txn->auth_retries + 1;
  return next;
}
