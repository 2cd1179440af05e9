/* A browser connection's session: hello, the rate limit in virtual time,
 * the size limit, call tracking, and a realistic call from hello to hangup. */
#include <errno.h>
#include <string.h>

#include "signalling/browser/browser_private.h"

#define SEC G_GINT64_CONSTANT(1000000)
#define T0 (1000 * SEC) /* an arbitrary monotonic start */
#define SDP_JSON "v=0\\r\\no=- 1 2 IN IP4 127.0.0.1\\r\\ns=-\\r\\nt=0 0\\r\\n"

static int
feed_at(browser_session *s, gint64 now, const char *text, browser_request **out)
{
  gsize len = strlen(text);
  g_autofree char *copy = g_memdup2(text, len ? len : 1);
  return browser_session_feed(s, now, copy, len, out);
}

static JsonNode *
pop_json(browser_session *s)
{
  g_autofree char *text = browser_session_pop_output(s);
  const char *reason = NULL;
  g_assert_nonnull(text);
  if (browser_json_check(text, strlen(text), BROWSER_MAX_JSON_DEPTH, &reason) != 0)
    g_error("output is not strict JSON (%s): %s", reason, text);
  return json_from_string(text, NULL);
}

/* Pops one output and checks its type (and error code). */
static void
expect(browser_session *s, const char *type, const char *code)
{
  g_autoptr(JsonNode) n = pop_json(s);
  JsonObject *o = json_node_get_object(n);
  g_assert_cmpstr(json_object_get_string_member(o, "type"), ==, type);
  if (code)
    g_assert_cmpstr(json_object_get_string_member(o, "code"), ==, code);
}

static browser_session *
new_open_session(guint rate, guint max_calls)
{
  browser_limits l;
  browser_limits_init_default(&l);
  l.require_hello = FALSE;
  l.max_messages_per_second = rate;
  l.max_calls = max_calls;
  return browser_session_new(&l);
}

static char *
call_message(const char *call)
{
  return g_strdup_printf("{\"type\":\"call\",\"call\":\"%s\",\"to\":\"sip:bob@example.com\",\"sdp\":\"" SDP_JSON "\"}", call);
}

static void
test_defaults(void)
{
  browser_limits l;
  browser_limits_init_default(&l);
  g_assert_cmpuint(l.max_message_bytes, ==, 65536);
  g_assert_cmpuint(l.max_calls, ==, 4);
  g_assert_cmpuint(l.max_messages_per_second, ==, 50);
  g_assert_true(l.require_hello);
  g_assert_cmpstr(browser_error_code_name(BROWSER_ERROR_NOT_FOUND), ==, "not_found");
  g_assert_cmpstr(browser_error_code_name(BROWSER_ERROR_INTERNAL), ==, "internal");
  g_assert_cmpstr(browser_request_type_name(BROWSER_REQ_UNREGISTER), ==, "unregister");
}

static void
test_hello_required(void)
{
  g_autoptr(browser_session) s = browser_session_new(NULL);
  browser_request *r = NULL;
  g_autofree char *call = call_message("c1");

  /* Before welcome: ping is answered, other requests are unauthorized. */
  g_assert_cmpint(feed_at(s, T0, "{\"type\":\"ping\",\"id\":1}", &r), ==, 0);
  expect(s, "pong", NULL);
  g_assert_cmpint(feed_at(s, T0, call, &r), ==, -EACCES);
  g_assert_null(r);
  {
    g_autoptr(JsonNode) n = pop_json(s);
    JsonObject *o = json_node_get_object(n);
    g_assert_cmpstr(json_object_get_string_member(o, "code"), ==, "unauthorized");
    g_assert_nonnull(strstr(json_object_get_string_member(o, "message"), "send hello first"));
    g_assert_cmpstr(json_object_get_string_member(o, "call"), ==, "c1");
  }
  g_assert_false(browser_session_has_call(s, "c1"));
  g_assert_cmpint(feed_at(s, T0, "{\"type\":\"register\",\"user\":\"a\"}", &r), ==, -EACCES);
  expect(s, "error", "unauthorized");
  /* Even a malformed request of a known type is unauthorized first. */
  g_assert_cmpint(feed_at(s, T0, "{\"type\":\"dtmf\",\"call\":\"c1\"}", &r), ==, -EACCES);
  expect(s, "error", "unauthorized");

  /* hello goes to the gateway; until it answers, still unauthorized. */
  g_assert_cmpint(feed_at(s, T0, "{\"type\":\"hello\",\"id\":\"h\",\"token\":\"t\"}", &r), ==, 0);
  g_assert_nonnull(r);
  g_autoptr(browser_request) hello = r;
  g_assert_cmpint(hello->type, ==, BROWSER_REQ_HELLO);
  g_assert_false(browser_session_is_welcomed(s));
  g_assert_cmpint(feed_at(s, T0, call, &r), ==, -EACCES);
  expect(s, "error", "unauthorized");
  /* A gateway that refuses the token answers with an error; hello may be retried. */
  browser_session_send_error(s, hello->id, NULL, BROWSER_ERROR_UNAUTHORIZED, "hello: the token is not valid");
  expect(s, "error", "unauthorized");
  g_assert_cmpint(feed_at(s, T0, "{\"type\":\"hello\",\"token\":\"t2\"}", &r), ==, 0);
  g_autoptr(browser_request) hello2 = r;
  browser_session_send_welcome(s, hello2->id, "sha-256 AB:CD", NULL);
  expect(s, "welcome", NULL);
  g_assert_true(browser_session_is_welcomed(s));

  g_assert_cmpint(feed_at(s, T0, call, &r), ==, 0);
  g_autoptr(browser_request) c = r;
  g_assert_cmpint(c->type, ==, BROWSER_REQ_CALL);

  /* A second hello on the same connection is a mistake. */
  g_assert_cmpint(feed_at(s, T0, "{\"type\":\"hello\",\"id\":9}", &r), ==, -EALREADY);
  g_assert_null(r);
  g_autoptr(JsonNode) n = pop_json(s);
  g_assert_cmpstr(json_object_get_string_member(json_node_get_object(n), "code"), ==, "bad_request");
  g_assert_cmpint(json_object_get_int_member(json_node_get_object(n), "id"), ==, 9);
}

static void
test_output_queue(void)
{
  g_autoptr(browser_session) s = new_open_session(0, 4);
  browser_request *r = NULL;
  g_assert_null(browser_session_pop_output(s));
  g_assert_cmpuint(browser_session_output_bytes(s), ==, 0);
  g_assert_cmpint(feed_at(s, T0, "{\"type\":\"ping\",\"id\":1}", &r), ==, 0);
  g_assert_cmpint(feed_at(s, T0, "{\"type\":\"ping\",\"id\":\"two\"}", &r), ==, 0);
  g_assert_cmpuint(browser_session_output_length(s), ==, 2);
  g_assert_cmpuint(browser_session_output_bytes(s), ==,
                   strlen("{\"type\":\"pong\",\"id\":1}") + strlen("{\"type\":\"pong\",\"id\":\"two\"}"));
  g_autofree char *first = browser_session_pop_output(s);
  g_assert_cmpstr(first, ==, "{\"type\":\"pong\",\"id\":1}");
  g_assert_cmpuint(browser_session_output_bytes(s), ==, strlen("{\"type\":\"pong\",\"id\":\"two\"}"));
  g_autofree char *second = browser_session_pop_output(s);
  g_assert_cmpstr(second, ==, "{\"type\":\"pong\",\"id\":\"two\"}");
  g_assert_cmpuint(browser_session_output_bytes(s), ==, 0);
  g_assert_cmpuint(browser_session_output_length(s), ==, 0);
  /* Output left in the queue is freed with the session. */
  g_assert_cmpint(feed_at(s, T0, "{\"type\":\"ping\"}", &r), ==, 0);
}

static void
test_hello_not_required(void)
{
  g_autoptr(browser_session) s = new_open_session(50, 4);
  g_autofree char *call = call_message("c1");
  browser_request *r = NULL;
  g_assert_cmpint(feed_at(s, T0, call, &r), ==, 0);
  browser_request_free(r);
}

static void
test_rate_limit(void)
{
  g_autoptr(browser_session) s = new_open_session(50, 4);
  browser_request *r = NULL;

  /* The burst: 2 × 50 messages at one instant. */
  for (guint i = 0; i < 100; i++) {
    g_assert_cmpint(feed_at(s, T0, "{\"type\":\"ping\"}", &r), ==, 0);
    expect(s, "pong", NULL);
  }
  g_assert_cmpint(feed_at(s, T0, "{\"type\":\"ping\",\"id\":\"late\"}", &r), ==, -EAGAIN);
  {
    g_autoptr(JsonNode) n = pop_json(s);
    JsonObject *o = json_node_get_object(n);
    g_assert_cmpstr(json_object_get_string_member(o, "code"), ==, "busy");
    g_assert_cmpstr(json_object_get_string_member(o, "id"), ==, "late");
    g_assert_nonnull(strstr(json_object_get_string_member(o, "message"), "slow down"));
    g_assert_nonnull(strstr(json_object_get_string_member(o, "message"), "50 per second"));
  }
  /* Even bad messages take a token and are answered busy while empty. */
  g_assert_cmpint(feed_at(s, T0, "garbage", &r), ==, -EAGAIN);
  expect(s, "error", "busy");

  /* 50 per second: one token every 20 ms. */
  g_assert_cmpint(feed_at(s, T0 + 19999, "{\"type\":\"ping\"}", &r), ==, -EAGAIN);
  expect(s, "error", "busy");
  g_assert_cmpint(feed_at(s, T0 + 20000, "{\"type\":\"ping\"}", &r), ==, 0);
  expect(s, "pong", NULL);
  g_assert_cmpint(feed_at(s, T0 + 20000, "{\"type\":\"ping\"}", &r), ==, -EAGAIN);
  expect(s, "error", "busy");

  /* A steady 50 per second is fine forever. */
  gint64 t = T0 + 20000;
  for (guint i = 0; i < 500; i++) {
    t += 20000;
    g_assert_cmpint(feed_at(s, t, "{\"type\":\"ping\"}", &r), ==, 0);
    expect(s, "pong", NULL);
  }
  /* A clock that goes backwards refills nothing and breaks nothing. */
  g_assert_cmpint(feed_at(s, t - SEC, "{\"type\":\"ping\"}", &r), ==, -EAGAIN);
  expect(s, "error", "busy");

  /* After a long pause the bucket is full again, never fuller. */
  t += 3600 * SEC;
  for (guint i = 0; i < 100; i++) {
    g_assert_cmpint(feed_at(s, t, "{\"type\":\"ping\"}", &r), ==, 0);
    expect(s, "pong", NULL);
  }
  g_assert_cmpint(feed_at(s, t, "{\"type\":\"ping\"}", &r), ==, -EAGAIN);
  expect(s, "error", "busy");
  g_assert_null(browser_session_pop_output(s));

  /* A rate of 0 means no limit. */
  g_autoptr(browser_session) free_s = new_open_session(0, 4);
  for (guint i = 0; i < 1000; i++) {
    g_assert_cmpint(feed_at(free_s, T0, "{\"type\":\"ping\"}", &r), ==, 0);
    expect(free_s, "pong", NULL);
  }
}

static void
test_size_limit(void)
{
  browser_limits l;
  browser_limits_init_default(&l);
  l.require_hello = FALSE;
  g_autoptr(browser_session) s = browser_session_new(&l);
  browser_request *r = NULL;

  /* Exactly the limit (padded with white space) passes; one more byte does not. */
  const char *ping = "{\"type\":\"ping\"}";
  GString *m = g_string_new(ping);
  while (m->len < l.max_message_bytes)
    g_string_append_c(m, ' ');
  g_assert_cmpint(browser_session_feed(s, T0, m->str, m->len, &r), ==, 0);
  expect(s, "pong", NULL);
  g_string_append_c(m, ' ');
  g_assert_cmpint(browser_session_feed(s, T0, m->str, m->len, &r), ==, -EMSGSIZE);
  g_assert_null(r);
  {
    g_autoptr(JsonNode) n = pop_json(s);
    JsonObject *o = json_node_get_object(n);
    g_assert_cmpstr(json_object_get_string_member(o, "code"), ==, "bad_request");
    g_assert_nonnull(strstr(json_object_get_string_member(o, "message"), "65537 bytes long; the limit is 65536"));
  }
  /* Too large while the rate is exceeded: busy wins. */
  browser_limits tight = l;
  tight.max_messages_per_second = 1;
  g_autoptr(browser_session) t = browser_session_new(&tight);
  g_assert_cmpint(feed_at(t, T0, "{\"type\":\"ping\"}", &r), ==, 0);
  g_assert_cmpint(feed_at(t, T0, "{\"type\":\"ping\"}", &r), ==, 0);
  expect(t, "pong", NULL);
  expect(t, "pong", NULL);
  g_assert_cmpint(browser_session_feed(t, T0, m->str, m->len, &r), ==, -EAGAIN);
  expect(t, "error", "busy");
  g_string_free(m, TRUE);

  /* A smaller limit, and 0 meaning the default. */
  l.max_message_bytes = 100;
  g_autoptr(browser_session) small = browser_session_new(&l);
  g_autofree char *call = call_message("c1");
  g_assert_cmpint(feed_at(small, T0, call, &r), ==, -EMSGSIZE);
  expect(small, "error", "bad_request");
  l.max_message_bytes = 0;
  g_autoptr(browser_session) zero = browser_session_new(&l);
  g_assert_cmpint(feed_at(zero, T0, call, &r), ==, 0);
  browser_request_free(r);
}

static void
test_call_tracking(void)
{
  g_autoptr(browser_session) s = new_open_session(0, 3);
  browser_request *r = NULL;

  for (guint i = 1; i <= 3; i++) {
    g_autofree char *name = g_strdup_printf("c%u", i);
    g_autofree char *call = call_message(name);
    g_assert_cmpint(feed_at(s, T0, call, &r), ==, 0);
    browser_request_free(r);
  }
  g_assert_cmpuint(browser_session_call_count(s), ==, 3);

  /* Full: a fourth call is busy, an incoming offer too. */
  g_autofree char *c4 = call_message("c4");
  g_assert_cmpint(feed_at(s, T0, c4, &r), ==, -EBUSY);
  {
    g_autoptr(JsonNode) n = pop_json(s);
    JsonObject *o = json_node_get_object(n);
    g_assert_cmpstr(json_object_get_string_member(o, "code"), ==, "busy");
    g_assert_cmpstr(json_object_get_string_member(o, "call"), ==, "c4");
    g_assert_nonnull(strstr(json_object_get_string_member(o, "message"), "3 calls open"));
  }
  g_assert_cmpint(browser_session_send_incoming(s, "in1", "a", "b", "v=0\r\n"), ==, -EBUSY);
  g_assert_null(browser_session_pop_output(s));

  /* The gateway ends c2: room again. Ending it twice, or an unknown call, is fine. */
  browser_session_call_ended(s, "c2");
  browser_session_call_ended(s, "c2");
  browser_session_call_ended(s, "nope");
  browser_session_call_ended(s, NULL);
  g_assert_cmpint(browser_session_send_incoming(s, "in1", "sip:carol@example.com", "sip:alice@gw", "v=0\r\n"), ==, 0);
  expect(s, "incoming", NULL);
  g_assert_cmpint(browser_session_send_incoming(s, "in1", "a", "b", "v=0\r\n"), ==, -EEXIST);
  g_assert_cmpint(browser_session_send_incoming(s, "bad id", "a", "b", "v=0\r\n"), ==, -EINVAL);
  g_assert_cmpint(browser_session_send_incoming(s, "", "a", "b", "v=0\r\n"), ==, -EINVAL);
  g_assert_null(browser_session_pop_output(s));

  g_auto(GStrv) calls = browser_session_list_calls(s);
  g_assert_cmpuint(g_strv_length(calls), ==, 3);
  g_assert_cmpstr(calls[0], ==, "c1");
  g_assert_cmpstr(calls[1], ==, "c3");
  g_assert_cmpstr(calls[2], ==, "in1");

  /* Builders for a call that is not open queue nothing. */
  g_assert_cmpint(browser_session_send_answer(s, "c2", "v=0\r\n"), ==, -ENOENT);
  g_assert_cmpint(browser_session_send_progress(s, "c2", 180, "Ringing"), ==, -ENOENT);
  g_assert_cmpint(browser_session_send_candidate(s, "c2", NULL, NULL, -1), ==, -ENOENT);
  g_assert_cmpint(browser_session_send_connected(s, "c2"), ==, -ENOENT);
  browser_security sec = { 0 };
  g_assert_cmpint(browser_session_send_security(s, "c2", &sec), ==, -ENOENT);
  g_assert_cmpint(browser_session_send_hangup(s, "c2", "gone", 0), ==, -ENOENT);
  g_assert_cmpint(browser_session_send_dtmf(s, "c2", '1'), ==, -ENOENT);
  g_assert_cmpint(browser_session_send_answer(s, NULL, "v=0\r\n"), ==, -ENOENT);
  g_assert_null(browser_session_pop_output(s));

  /* accept once, then neither accept nor reject; hangup ends it. */
  g_assert_cmpint(feed_at(s, T0, "{\"type\":\"accept\",\"call\":\"in1\",\"sdp\":\"v=0\\n\"}", &r), ==, 0);
  browser_request_free(r);
  g_assert_cmpint(feed_at(s, T0, "{\"type\":\"accept\",\"call\":\"in1\",\"sdp\":\"v=0\\n\"}", &r), ==, -EALREADY);
  expect(s, "error", "bad_request");
  g_assert_cmpint(feed_at(s, T0, "{\"type\":\"reject\",\"call\":\"in1\"}", &r), ==, -EALREADY);
  expect(s, "error", "bad_request");
  g_assert_cmpint(feed_at(s, T0, "{\"type\":\"hangup\",\"call\":\"in1\"}", &r), ==, 0);
  browser_request_free(r);
  g_assert_false(browser_session_has_call(s, "in1"));
  /* The gateway's own hangup afterwards is not sent: the page ended it. */
  g_assert_cmpint(browser_session_send_hangup(s, "in1", "hung up by the page", 0), ==, -ENOENT);
  g_assert_null(browser_session_pop_output(s));

  /* reject ends an offered call. */
  g_assert_cmpint(browser_session_send_incoming(s, "in2", "a", "b", "v=0\r\n"), ==, 0);
  expect(s, "incoming", NULL);
  g_assert_cmpint(feed_at(s, T0, "{\"type\":\"reject\",\"call\":\"in2\",\"status\":603}", &r), ==, 0);
  browser_request_free(r);
  g_assert_false(browser_session_has_call(s, "in2"));
  g_assert_cmpint(feed_at(s, T0, "{\"type\":\"candidate\",\"call\":\"in2\",\"candidate\":null}", &r), ==, -ENOENT);
  expect(s, "error", "not_found");

  /* The gateway's hangup ends a call; the id may then be used again. */
  g_assert_cmpint(browser_session_send_hangup(s, "c1", "busy (486)", 486), ==, 0);
  expect(s, "hangup", NULL);
  g_assert_false(browser_session_has_call(s, "c1"));
  g_autofree char *c1 = call_message("c1");
  g_assert_cmpint(feed_at(s, T0, c1, &r), ==, 0);
  browser_request_free(r);

  /* max_calls 0 means no limit. */
  g_autoptr(browser_session) many = new_open_session(0, 0);
  for (guint i = 0; i < 100; i++) {
    g_autofree char *name = g_strdup_printf("m%u", i);
    g_autofree char *call = call_message(name);
    g_assert_cmpint(feed_at(many, T0, call, &r), ==, 0);
    browser_request_free(r);
  }
  g_assert_cmpuint(browser_session_call_count(many), ==, 100);
}

/* hello → welcome → call → progress → answer → candidates both ways →
 * end of candidates → connected → security → dtmf → hangup. */
static void
test_realistic_call(void)
{
  g_autoptr(browser_session) s = browser_session_new(NULL);
  gint64 t = T0;
  browser_request *r = NULL;

  g_assert_cmpint(feed_at(s, t, "{\"type\":\"hello\",\"id\":1,\"token\":\"s3cret\"}", &r), ==, 0);
  g_autoptr(browser_request) hello = r;
  g_assert_cmpstr(hello->token, ==, "s3cret");
  g_autoptr(JsonNode) ice = json_from_string("[{\"urls\":[\"stun:stun.example.com:3478\"]}]", NULL);
  browser_session_send_welcome(s, hello->id, "sha-256 5E:AA", ice);
  {
    g_autoptr(JsonNode) n = pop_json(s);
    JsonObject *o = json_node_get_object(n);
    g_assert_cmpint(json_object_get_int_member(o, "id"), ==, 1);
    g_assert_cmpint(json_object_get_int_member(o, "version"), ==, 1);
  }

  t += 10000;
  g_assert_cmpint(feed_at(s, t, "{\"type\":\"call\",\"id\":\"req-2\",\"call\":\"c1\",\"to\":\"sip:bob@example.com\",\"sdp\":\"" SDP_JSON "\"}", &r), ==, 0);
  g_autoptr(browser_request) call = r;
  g_assert_cmpint(call->type, ==, BROWSER_REQ_CALL);

  const char *cands[] = {
    "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":{\"candidate\":\"candidate:1 1 udp 2122260223 192.0.2.1 50000 typ host\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}}",
    "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":{\"candidate\":\"candidate:2 1 udp 1686052607 198.51.100.1 50000 typ srflx raddr 192.0.2.1 rport 50000\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}}",
    "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":null}",
  };
  for (guint i = 0; i < G_N_ELEMENTS(cands); i++) {
    t += 5000;
    g_assert_cmpint(feed_at(s, t, cands[i], &r), ==, 0);
    g_autoptr(browser_request) c = r;
    g_assert_cmpint(c->type, ==, BROWSER_REQ_CANDIDATE);
    g_assert_cmpstr(c->call, ==, "c1");
    g_assert_cmpint(c->candidate.end_of_candidates, ==, i == 2);
  }

  g_assert_cmpint(browser_session_send_progress(s, "c1", 180, "Ringing"), ==, 0);
  expect(s, "progress", NULL);
  g_assert_cmpint(browser_session_send_answer(s, "c1", "v=0\r\ns=answer\r\n"), ==, 0);
  {
    /* The answer carries the call request's id; later messages do not. */
    g_autoptr(JsonNode) n = pop_json(s);
    JsonObject *o = json_node_get_object(n);
    g_assert_cmpstr(json_object_get_string_member(o, "type"), ==, "answer");
    g_assert_cmpstr(json_object_get_string_member(o, "id"), ==, "req-2");
  }
  g_assert_cmpint(browser_session_send_candidate(s, "c1", "candidate:9 1 udp 2130706431 203.0.113.5 40000 typ host", "0", 0), ==, 0);
  g_assert_cmpint(browser_session_send_candidate(s, "c1", NULL, NULL, -1), ==, 0);
  g_assert_cmpint(browser_session_send_connected(s, "c1"), ==, 0);
  browser_security sec = {
    .browser_leg = { .keying = BROWSER_KEYING_DTLS_SRTP, .profile = "SRTP_AES128_CM_HMAC_SHA1_80",
                     .dtls_role = BROWSER_DTLS_ROLE_SERVER, .local_fingerprint = "sha-256 5E:AA",
                     .remote_fingerprint = "sha-256 A1:BB", .verified = BROWSER_VERIFIED_YES },
    .has_sip_leg = TRUE,
    .sip_leg = { .keying = BROWSER_KEYING_SDES, .suite = "AES_CM_128_HMAC_SHA1_80",
                 .signalling = BROWSER_SIGNALLING_TLS },
  };
  g_assert_cmpint(browser_session_send_security(s, "c1", &sec), ==, 0);
  const char *kinds[] = { "candidate", "candidate", "connected", "security" };
  for (guint i = 0; i < G_N_ELEMENTS(kinds); i++) {
    g_autoptr(JsonNode) n = pop_json(s);
    JsonObject *o = json_node_get_object(n);
    g_assert_cmpstr(json_object_get_string_member(o, "type"), ==, kinds[i]);
    g_assert_false(json_object_has_member(o, "id"));
  }

  t += SEC;
  g_assert_cmpint(feed_at(s, t, "{\"type\":\"dtmf\",\"call\":\"c1\",\"digits\":\"1\"}", &r), ==, 0);
  browser_request_free(r);
  g_assert_cmpint(browser_session_send_dtmf(s, "c1", '#'), ==, 0);
  expect(s, "dtmf", NULL);

  t += 10 * SEC;
  g_assert_cmpint(feed_at(s, t, "{\"type\":\"hangup\",\"id\":3,\"call\":\"c1\"}", &r), ==, 0);
  g_autoptr(browser_request) hangup = r;
  g_assert_cmpint(hangup->type, ==, BROWSER_REQ_HANGUP);
  g_assert_cmpuint(browser_session_call_count(s), ==, 0);
  /* Late media events for the ended call go nowhere. */
  g_assert_cmpint(browser_session_send_candidate(s, "c1", NULL, NULL, -1), ==, -ENOENT);
  browser_session_call_ended(s, "c1");
  g_assert_null(browser_session_pop_output(s));
}

/* A call that ends before it is answered carries the request id on hangup. */
static void
test_hangup_carries_request_id(void)
{
  g_autoptr(browser_session) s = new_open_session(0, 4);
  browser_request *r = NULL;
  g_assert_cmpint(feed_at(s, T0, "{\"type\":\"call\",\"id\":11,\"call\":\"c1\",\"to\":\"x\",\"sdp\":\"v=0\\n\"}", &r), ==, 0);
  browser_request_free(r);
  g_assert_cmpint(browser_session_send_hangup(s, "c1", "busy (486)", 486), ==, 0);
  g_autoptr(JsonNode) n = pop_json(s);
  JsonObject *o = json_node_get_object(n);
  g_assert_cmpint(json_object_get_int_member(o, "id"), ==, 11);
  g_assert_cmpint(json_object_get_int_member(o, "sip_status"), ==, 486);
  g_assert_cmpstr(json_object_get_string_member(o, "reason"), ==, "busy (486)");
}

/* The gateway refuses a call request: error with id and call, name free again. */
static void
test_gateway_refuses_call(void)
{
  g_autoptr(browser_session) s = new_open_session(0, 1);
  browser_request *r = NULL;
  g_autofree char *c1 = call_message("c1");
  g_assert_cmpint(feed_at(s, T0, "{\"type\":\"call\",\"id\":\"q\",\"call\":\"c1\",\"to\":\"sip:forbidden@example.com\",\"sdp\":\"v=0\\n\"}", &r), ==, 0);
  g_autoptr(browser_request) call = r;
  browser_session_refuse(s, call, BROWSER_ERROR_FORBIDDEN, "call: the dial plan does not allow sip:forbidden@example.com");
  g_autoptr(JsonNode) n = pop_json(s);
  JsonObject *o = json_node_get_object(n);
  g_assert_cmpstr(json_object_get_string_member(o, "code"), ==, "forbidden");
  g_assert_cmpstr(json_object_get_string_member(o, "id"), ==, "q");
  g_assert_cmpstr(json_object_get_string_member(o, "call"), ==, "c1");
  g_assert_cmpuint(browser_session_call_count(s), ==, 0);
  g_assert_cmpint(feed_at(s, T0, c1, &r), ==, 0);
  g_autoptr(browser_request) again = r;

  /* Refusing another request leaves its call alone. */
  g_assert_cmpint(feed_at(s, T0, "{\"type\":\"dtmf\",\"id\":4,\"call\":\"c1\",\"digits\":\"1\"}", &r), ==, 0);
  g_autoptr(browser_request) dtmf = r;
  browser_session_refuse(s, dtmf, BROWSER_ERROR_UNAVAILABLE, "dtmf: the SIP side does not take telephone-events");
  g_autoptr(JsonNode) n2 = pop_json(s);
  g_assert_cmpint(json_object_get_int_member(json_node_get_object(n2), "id"), ==, 4);
  g_assert_cmpstr(json_object_get_string_member(json_node_get_object(n2), "code"), ==, "unavailable");
  g_assert_true(browser_session_has_call(s, "c1"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/browser/session/defaults", test_defaults);
  g_test_add_func("/browser/session/hello-required", test_hello_required);
  g_test_add_func("/browser/session/output-queue", test_output_queue);
  g_test_add_func("/browser/session/hello-not-required", test_hello_not_required);
  g_test_add_func("/browser/session/rate-limit", test_rate_limit);
  g_test_add_func("/browser/session/size-limit", test_size_limit);
  g_test_add_func("/browser/session/call-tracking", test_call_tracking);
  g_test_add_func("/browser/session/realistic-call", test_realistic_call);
  g_test_add_func("/browser/session/hangup-carries-request-id", test_hangup_carries_request_id);
  g_test_add_func("/browser/session/gateway-refuses-call", test_gateway_refuses_call);
  return g_test_run();
}
