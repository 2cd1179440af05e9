/* Fuzz target: the browser protocol session. The input is a conversation:
 * frames separated by '\n' (JSON.stringify never writes a raw newline), fed
 * into one session with an advancing fake clock. A fake gateway answers
 * the requests with the builders, so call tracking and every builder run
 * too. Every output must be strict JSON; open calls never exceed the limit;
 * what the strict checker passes, json-glib parses. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "signalling/browser/browser_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
drain(browser_session *s)
{
  char *text;
  while ((text = browser_session_pop_output(s))) {
    const char *reason = NULL;
    if (browser_json_check(text, strlen(text), BROWSER_MAX_JSON_DEPTH, &reason) != 0)
      abort();
    g_free(text);
  }
}

/* What a gateway would do with R. */
static void
act(browser_session *s, const browser_request *r, guint n)
{
  static const browser_security sec = {
    .browser_leg = { .keying = BROWSER_KEYING_DTLS_SRTP, .profile = "SRTP_AES128_CM_HMAC_SHA1_80",
                     .dtls_role = BROWSER_DTLS_ROLE_SERVER, .local_fingerprint = "sha-256 5E",
                     .remote_fingerprint = "sha-256 A1", .verified = BROWSER_VERIFIED_YES },
    .has_sip_leg = TRUE,
    .sip_leg = { .keying = BROWSER_KEYING_SDES, .suite = "AES_CM_128_HMAC_SHA1_80",
                 .signalling = BROWSER_SIGNALLING_TLS },
  };
  switch (r->type) {
  case BROWSER_REQ_HELLO:
    if (r->token && r->token[0] == 'x')
      browser_session_send_error(s, r->id, NULL, BROWSER_ERROR_UNAUTHORIZED, "bad token");
    else
      browser_session_send_welcome(s, r->id, "sha-256 AB:CD", NULL);
    break;
  case BROWSER_REQ_REGISTER:
  case BROWSER_REQ_UNREGISTER:
    browser_session_send_registered(s, r->id, r->user, r->uri, r->type == BROWSER_REQ_REGISTER);
    if (r->type == BROWSER_REQ_REGISTER) {
      g_autofree char *call = g_strdup_printf("in-%u", n);
      browser_session_send_incoming(s, call, "sip:x@y", r->user, "v=0\r\n");
    }
    break;
  case BROWSER_REQ_CALL:
    if (g_str_equal(r->to, "refuse")) {
      browser_session_refuse(s, r, BROWSER_ERROR_FORBIDDEN, "no");
      if (browser_session_has_call(s, r->call))
        abort();
      break;
    }
    browser_session_send_progress(s, r->call, 180, r->to);
    browser_session_send_answer(s, r->call, "v=0\r\n");
    browser_session_send_candidate(s, r->call, "candidate:1 1 udp 1 192.0.2.1 9 typ host", "0", 0);
    browser_session_send_candidate(s, r->call, NULL, NULL, -1);
    browser_session_send_connected(s, r->call);
    browser_session_send_security(s, r->call, &sec);
    if (n % 2)
      browser_session_send_hangup(s, r->call, r->to, 486);
    break;
  case BROWSER_REQ_DTMF:
    browser_session_send_dtmf(s, r->call, r->digits[0]);
    break;
  case BROWSER_REQ_ACCEPT:
    browser_session_send_connected(s, r->call);
    break;
  case BROWSER_REQ_HANGUP:
  case BROWSER_REQ_REJECT:
    browser_session_call_ended(s, r->call);
    break;
  default:
    break;
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  browser_limits limits;
  browser_limits_init_default(&limits);
  limits.max_message_bytes = 4096;
  g_autoptr(browser_session) s = browser_session_new(&limits);
  gint64 now = 1000000;
  size_t start = 0;
  guint n = 0;

  for (size_t i = 0; i <= size; i++) {
    if (i < size && data[i] != '\n')
      continue;
    /* What the strict checker passes, json-glib must parse. */
    const char *reason = NULL;
    if (browser_json_check((const char *)data + start, i - start, BROWSER_MAX_JSON_DEPTH, &reason) == 0) {
      g_autoptr(JsonParser) parser = json_parser_new();
      if (!json_parser_load_from_data(parser, (const char *)data + start, (gssize)(i - start), NULL) ||
          !json_parser_get_root(parser))
        abort();
    }
    browser_request *r = NULL;
    int rc = browser_session_feed(s, now, (const char *)data + start, i - start, &r);
    if (rc < 0 && (r || browser_session_output_length(s) == 0))
      abort();
    if (r) {
      act(s, r, n);
      browser_request_free(r);
    }
    if (browser_session_call_count(s) > limits.max_calls)
      abort();
    drain(s);
    /* Between 0 and 31 ms per frame: sometimes under the rate, sometimes over. */
    now += (gint64)((i - start) % 32) * 1000;
    start = i + 1;
    n++;
  }
  g_auto(GStrv) calls = browser_session_list_calls(s);
  for (guint i = 0; calls[i]; i++)
    browser_session_call_ended(s, calls[i]);
  if (browser_session_call_count(s) != 0)
    abort();
  return 0;
}
