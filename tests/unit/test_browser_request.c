/* The page's requests: every type parsed, every refusal with its code and a
 * sentence naming the field, id echo, every truncation refused cleanly. */
#include <errno.h>
#include <string.h>

#include "signalling/browser/browser_private.h"

#define SDP "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
#define CAND "candidate:842163049 1 udp 1677729535 192.0.2.7 46154 typ srflx raddr 0.0.0.0 rport 0 generation 0"

/* A session that takes everything without hello or rate limit, with the
 * outgoing call "c1" and the incoming call "in1" open. */
static browser_session *
new_session(void)
{
  browser_limits l;
  browser_limits_init_default(&l);
  l.require_hello = FALSE;
  l.max_messages_per_second = 0;
  browser_session *s = browser_session_new(&l);
  browser_request *r = NULL;
  const char *call = "{\"type\":\"call\",\"call\":\"c1\",\"to\":\"sip:bob@example.com\",\"sdp\":\"" "v=0\\r\\n" "\"}";
  g_assert_cmpint(browser_session_feed(s, 0, call, strlen(call), &r), ==, 0);
  g_assert_nonnull(r);
  browser_request_free(r);
  g_assert_cmpint(browser_session_send_incoming(s, "in1", "sip:carol@example.com", "sip:alice@gw", SDP), ==, 0);
  g_free(browser_session_pop_output(s));
  g_assert_null(browser_session_pop_output(s));
  return s;
}

/* Feeds an exact-size heap copy of TEXT. */
static int
feed(browser_session *s, const char *text, browser_request **out)
{
  gsize len = strlen(text);
  g_autofree char *copy = g_memdup2(text, len ? len : 1);
  return browser_session_feed(s, 0, copy, len, out);
}

/* The next output, parsed; it must be strict JSON. Caller frees. */
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

static browser_request *
parse_ok(browser_session *s, const char *text)
{
  browser_request *r = NULL;
  int rc = feed(s, text, &r);
  if (rc != 0) {
    g_autofree char *err = browser_session_pop_output(s);
    g_error("refused %s: %s", text, err);
  }
  g_assert_nonnull(r);
  g_assert_cmpuint(browser_session_output_length(s), ==, 0);
  return r;
}

static void
test_every_type(void)
{
  g_autoptr(browser_session) s = new_session();

  g_autoptr(browser_request) hello = parse_ok(s, "{\"type\":\"hello\",\"id\":1,\"token\":\"secret\"}");
  g_assert_cmpint(hello->type, ==, BROWSER_REQ_HELLO);
  g_assert_cmpstr(hello->token, ==, "secret");
  g_assert_cmpint(json_node_get_int(hello->id), ==, 1);
  g_assert_null(hello->call);

  g_autoptr(browser_request) reg = parse_ok(s,
    "{\"type\":\"register\",\"id\":\"r1\",\"user\":\"alice\",\"uri\":\"sip:alice@example.com\","
    "\"auth_user\":\"alice1\",\"password\":\"pw d\",\"proxy\":\"sip:proxy.example.com;transport=tls\"}");
  g_assert_cmpint(reg->type, ==, BROWSER_REQ_REGISTER);
  g_assert_cmpstr(reg->user, ==, "alice");
  g_assert_cmpstr(reg->uri, ==, "sip:alice@example.com");
  g_assert_cmpstr(reg->auth_user, ==, "alice1");
  g_assert_cmpstr(reg->password, ==, "pw d");
  g_assert_cmpstr(reg->proxy, ==, "sip:proxy.example.com;transport=tls");
  g_assert_cmpstr(json_node_get_string(reg->id), ==, "r1");

  g_autoptr(browser_request) reg2 = parse_ok(s, "{\"type\":\"register\",\"user\":\"bob\",\"uri\":null}");
  g_assert_cmpstr(reg2->user, ==, "bob");
  g_assert_null(reg2->uri);
  g_assert_null(reg2->password);
  g_assert_null(reg2->id);

  g_autoptr(browser_request) unreg = parse_ok(s, "{\"type\":\"unregister\",\"user\":\"alice\"}");
  g_assert_cmpint(unreg->type, ==, BROWSER_REQ_UNREGISTER);
  g_assert_cmpstr(unreg->user, ==, "alice");

  g_autoptr(browser_request) call = parse_ok(s,
    "{\"type\":\"call\",\"id\":7,\"call\":\"c2\",\"to\":\"echo\",\"sdp\":\"v=0\\r\\no=- 1 2 IN IP4 127.0.0.1\\r\\n\","
    "\"future_field\":{\"x\":[1,2]}}");
  g_assert_cmpint(call->type, ==, BROWSER_REQ_CALL);
  g_assert_cmpstr(call->call, ==, "c2");
  g_assert_cmpstr(call->to, ==, "echo");
  g_assert_cmpstr(call->sdp, ==, "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n");
  g_assert_true(browser_session_has_call(s, "c2"));

  g_autoptr(browser_request) cand = parse_ok(s,
    "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":{\"candidate\":\"" CAND "\","
    "\"sdpMid\":\"0\",\"sdpMLineIndex\":0,\"usernameFragment\":\"abcd\"}}");
  g_assert_cmpint(cand->type, ==, BROWSER_REQ_CANDIDATE);
  g_assert_cmpstr(cand->candidate.candidate, ==, CAND);
  g_assert_cmpstr(cand->candidate.sdp_mid, ==, "0");
  g_assert_cmpint(cand->candidate.sdp_mline_index, ==, 0);
  g_assert_false(cand->candidate.end_of_candidates);

  g_autoptr(browser_request) cand_mid = parse_ok(s,
    "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":{\"candidate\":\"" CAND "\",\"sdpMid\":\"audio\",\"sdpMLineIndex\":null}}");
  g_assert_cmpstr(cand_mid->candidate.sdp_mid, ==, "audio");
  g_assert_cmpint(cand_mid->candidate.sdp_mline_index, ==, -1);

  g_autoptr(browser_request) cand_index = parse_ok(s,
    "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":{\"candidate\":\"" CAND "\",\"sdpMLineIndex\":3}}");
  g_assert_null(cand_index->candidate.sdp_mid);
  g_assert_cmpint(cand_index->candidate.sdp_mline_index, ==, 3);

  g_autoptr(browser_request) eoc_line = parse_ok(s,
    "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":{\"candidate\":\"\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}}");
  g_assert_true(eoc_line->candidate.end_of_candidates);
  g_assert_null(eoc_line->candidate.candidate);
  g_assert_cmpstr(eoc_line->candidate.sdp_mid, ==, "0");

  g_autoptr(browser_request) eoc = parse_ok(s, "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":null}");
  g_assert_true(eoc->candidate.end_of_candidates);
  g_assert_null(eoc->candidate.candidate);
  g_assert_null(eoc->candidate.sdp_mid);
  g_assert_cmpint(eoc->candidate.sdp_mline_index, ==, -1);

  g_autoptr(browser_request) dtmf = parse_ok(s, "{\"type\":\"dtmf\",\"call\":\"c1\",\"digits\":\"12#*a\",\"duration_ms\":250}");
  g_assert_cmpint(dtmf->type, ==, BROWSER_REQ_DTMF);
  g_assert_cmpstr(dtmf->digits, ==, "12#*A");
  g_assert_cmpuint(dtmf->duration_ms, ==, 250);
  g_autoptr(browser_request) dtmf2 = parse_ok(s, "{\"type\":\"dtmf\",\"call\":\"c1\",\"digits\":\"D\"}");
  g_assert_cmpuint(dtmf2->duration_ms, ==, 100);

  g_autoptr(browser_request) accept = parse_ok(s, "{\"type\":\"accept\",\"call\":\"in1\",\"sdp\":\"v=0\\nm=audio 9 UDP/TLS/RTP/SAVPF 111\\n\"}");
  g_assert_cmpint(accept->type, ==, BROWSER_REQ_ACCEPT);
  g_assert_cmpstr(accept->call, ==, "in1");
  g_assert_true(g_str_has_prefix(accept->sdp, "v=0\n"));

  g_autoptr(browser_request) hangup = parse_ok(s, "{\"type\":\"hangup\",\"call\":\"c1\"}");
  g_assert_cmpint(hangup->type, ==, BROWSER_REQ_HANGUP);
  g_assert_cmpstr(hangup->call, ==, "c1");
  g_assert_false(browser_session_has_call(s, "c1"));

  g_assert_cmpint(browser_session_send_incoming(s, "in2", "a", "b", SDP), ==, 0);
  g_free(browser_session_pop_output(s));
  g_autoptr(browser_request) reject = parse_ok(s, "{\"type\":\"reject\",\"call\":\"in2\",\"status\":603}");
  g_assert_cmpint(reject->type, ==, BROWSER_REQ_REJECT);
  g_assert_cmpuint(reject->status, ==, 603);
  g_assert_cmpint(browser_session_send_incoming(s, "in3", "a", "b", SDP), ==, 0);
  g_free(browser_session_pop_output(s));
  g_autoptr(browser_request) reject2 = parse_ok(s, "{\"type\":\"reject\",\"call\":\"in3\",\"status\":486.0}");
  g_assert_cmpuint(reject2->status, ==, 486);
  g_assert_cmpint(browser_session_send_incoming(s, "in4", "a", "b", SDP), ==, 0);
  g_free(browser_session_pop_output(s));
  g_autoptr(browser_request) reject3 = parse_ok(s, "{\"type\":\"reject\",\"call\":\"in4\"}");
  g_assert_cmpuint(reject3->status, ==, 486);

  /* ping is answered by the core itself. */
  browser_request *r = NULL;
  g_assert_cmpint(feed(s, "{\"type\":\"ping\"}", &r), ==, 0);
  g_assert_null(r);
  g_autoptr(JsonNode) pong = pop_json(s);
  g_assert_cmpstr(json_object_get_string_member(json_node_get_object(pong), "type"), ==, "pong");
  g_assert_false(json_object_has_member(json_node_get_object(pong), "id"));
}

typedef struct {
  const char *json;
  int rc;
  const char *code;
  const char *words; /* must appear in the message */
} refusal;

#define LONG65 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const refusal refusals[] = {
  { "nope", -EINVAL, "bad_request", "not JSON" },
  { "{\"type\":\"ping\"} {}", -EINVAL, "bad_request", "more text" },
  { "[1]", -EINVAL, "bad_request", "JSON object" },
  { "\"ping\"", -EINVAL, "bad_request", "JSON object" },
  { "{}", -EINVAL, "bad_request", "\"type\"" },
  { "{\"type\":5}", -EINVAL, "bad_request", "\"type\"" },
  { "{\"type\":\"bogus\"}", -EINVAL, "bad_request", "unknown type \"bogus\"" },
  { "{\"type\":\"b o g u s\"}", -EINVAL, "bad_request", "unknown type;" },
  { "{\"type\":\"PING\"}", -EINVAL, "bad_request", "unknown type" },
  { "{\"type\":\"ping\",\"id\":null}", -EINVAL, "bad_request", "\"id\"" },
  { "{\"type\":\"ping\",\"id\":{}}", -EINVAL, "bad_request", "\"id\"" },
  { "{\"type\":\"ping\",\"id\":[1]}", -EINVAL, "bad_request", "\"id\"" },
  { "{\"type\":\"ping\",\"id\":true}", -EINVAL, "bad_request", "\"id\"" },
  /* hello, register, unregister */
  { "{\"type\":\"hello\",\"token\":5}", -EINVAL, "bad_request", "hello: \"token\" must be a string" },
  { "{\"type\":\"hello\",\"token\":\"\"}", -EINVAL, "bad_request", "\"token\" must not be empty" },
  { "{\"type\":\"register\"}", -EINVAL, "bad_request", "register: \"user\" is required" },
  { "{\"type\":\"register\",\"user\":\"a\\nb\"}", -EINVAL, "bad_request", "\"user\" must not contain control" },
  { "{\"type\":\"register\",\"user\":\"a\",\"uri\":\"tel:123\"}", -EINVAL, "bad_request", "\"uri\" must be a sip:" },
  { "{\"type\":\"register\",\"user\":\"a\",\"password\":5}", -EINVAL, "bad_request", "\"password\" must be a string" },
  { "{\"type\":\"unregister\"}", -EINVAL, "bad_request", "unregister: \"user\" is required" },
  /* call */
  { "{\"type\":\"call\",\"to\":\"x\",\"sdp\":\"v=0\\n\"}", -EINVAL, "bad_request", "call: \"call\" is required" },
  { "{\"type\":\"call\",\"call\":\"\",\"to\":\"x\",\"sdp\":\"v=0\\n\"}", -EINVAL, "bad_request", "\"call\" must be a string of 1 to 64" },
  { "{\"type\":\"call\",\"call\":\"" LONG65 "\",\"to\":\"x\",\"sdp\":\"v=0\\n\"}", -EINVAL, "bad_request", "1 to 64" },
  { "{\"type\":\"call\",\"call\":\"a b\",\"to\":\"x\",\"sdp\":\"v=0\\n\"}", -EINVAL, "bad_request", "no spaces" },
  { "{\"type\":\"call\",\"call\":5,\"to\":\"x\",\"sdp\":\"v=0\\n\"}", -EINVAL, "bad_request", "\"call\" must be a string" },
  { "{\"type\":\"call\",\"call\":\"c9\",\"sdp\":\"v=0\\n\"}", -EINVAL, "bad_request", "call: \"to\" is required" },
  { "{\"type\":\"call\",\"call\":\"c9\",\"to\":\"\",\"sdp\":\"v=0\\n\"}", -EINVAL, "bad_request", "\"to\" must not be empty" },
  { "{\"type\":\"call\",\"call\":\"c9\",\"to\":5,\"sdp\":\"v=0\\n\"}", -EINVAL, "bad_request", "\"to\" must be a string" },
  { "{\"type\":\"call\",\"call\":\"c9\",\"to\":\"sip:a@b\\r\\nX: y\",\"sdp\":\"v=0\\n\"}", -EINVAL, "bad_request", "\"to\" must not contain control" },
  { "{\"type\":\"call\",\"call\":\"c9\",\"to\":\"x\"}", -EINVAL, "bad_request", "\"sdp\" is required" },
  { "{\"type\":\"call\",\"call\":\"c9\",\"to\":\"x\",\"sdp\":{\"type\":\"offer\",\"sdp\":\"v=0\\n\"}}", -EINVAL, "bad_request", "\"sdp\" must be a string" },
  { "{\"type\":\"call\",\"call\":\"c9\",\"to\":\"x\",\"sdp\":\"x=0\\n\"}", -EINVAL, "bad_request", "\"sdp\" must start with the line \"v=0\"" },
  { "{\"type\":\"call\",\"call\":\"c9\",\"to\":\"x\",\"sdp\":\"v=0\"}", -EINVAL, "bad_request", "\"v=0\"" },
  { "{\"type\":\"call\",\"call\":\"c9\",\"to\":\"x\",\"sdp\":\"v=01\\n\"}", -EINVAL, "bad_request", "\"v=0\"" },
  { "{\"type\":\"call\",\"call\":\"c9\",\"to\":\"x\",\"sdp\":\"v=0\\n\\u0001\"}", -EINVAL, "bad_request", "\"sdp\" must not contain control" },
  { "{\"type\":\"call\",\"call\":\"c1\",\"to\":\"x\",\"sdp\":\"v=0\\n\"}", -EEXIST, "bad_request", "call \"c1\" already exists on this connection" },
  { "{\"type\":\"call\",\"call\":\"in1\",\"to\":\"x\",\"sdp\":\"v=0\\n\"}", -EEXIST, "bad_request", "already exists" },
  /* candidate */
  { "{\"type\":\"candidate\",\"call\":\"c1\"}", -EINVAL, "bad_request", "\"candidate\" is required" },
  { "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":\"" CAND "\"}", -EINVAL, "bad_request", "\"candidate\" must be an object" },
  { "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":{}}", -EINVAL, "bad_request", "\"candidate.candidate\" must be a string" },
  { "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":{\"candidate\":5,\"sdpMid\":\"0\"}}", -EINVAL, "bad_request", "\"candidate.candidate\"" },
  { "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":{\"candidate\":\"a=" CAND "\",\"sdpMid\":\"0\"}}", -EINVAL, "bad_request", "must start with \"candidate:\"" },
  { "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":{\"candidate\":\"" CAND "\\r\\na=x\",\"sdpMid\":\"0\"}}", -EINVAL, "bad_request", "control" },
  { "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":{\"candidate\":\"" CAND "\"}}", -EINVAL, "bad_request", "needs \"sdpMid\" or \"sdpMLineIndex\"" },
  { "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":{\"candidate\":\"" CAND "\",\"sdpMid\":\"\"}}", -EINVAL, "bad_request", "\"candidate.sdpMid\"" },
  { "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":{\"candidate\":\"" CAND "\",\"sdpMid\":0}}", -EINVAL, "bad_request", "\"candidate.sdpMid\"" },
  { "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":{\"candidate\":\"" CAND "\",\"sdpMid\":\"a b\"}}", -EINVAL, "bad_request", "\"candidate.sdpMid\"" },
  { "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":{\"candidate\":\"" CAND "\",\"sdpMLineIndex\":-1}}", -EINVAL, "bad_request", "\"candidate.sdpMLineIndex\"" },
  { "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":{\"candidate\":\"" CAND "\",\"sdpMLineIndex\":1.5}}", -EINVAL, "bad_request", "\"candidate.sdpMLineIndex\"" },
  { "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":{\"candidate\":\"" CAND "\",\"sdpMLineIndex\":65536}}", -EINVAL, "bad_request", "\"candidate.sdpMLineIndex\"" },
  { "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":{\"candidate\":\"" CAND "\",\"sdpMLineIndex\":\"0\"}}", -EINVAL, "bad_request", "\"candidate.sdpMLineIndex\"" },
  { "{\"type\":\"candidate\",\"call\":\"zz\",\"candidate\":null}", -ENOENT, "not_found", "no call \"zz\"" },
  /* accept, reject, hangup */
  { "{\"type\":\"accept\",\"call\":\"in1\"}", -EINVAL, "bad_request", "accept: \"sdp\" is required" },
  { "{\"type\":\"accept\",\"call\":\"zz\",\"sdp\":\"v=0\\n\"}", -ENOENT, "not_found", "accept: there is no call \"zz\"" },
  { "{\"type\":\"accept\",\"call\":\"c1\",\"sdp\":\"v=0\\n\"}", -EPERM, "bad_request", "started by this page" },
  { "{\"type\":\"reject\",\"call\":\"c1\"}", -EPERM, "bad_request", "end it with hangup" },
  { "{\"type\":\"reject\",\"call\":\"in1\",\"status\":399}", -EINVAL, "bad_request", "\"status\" must be an integer from 400 to 699" },
  { "{\"type\":\"reject\",\"call\":\"in1\",\"status\":700}", -EINVAL, "bad_request", "\"status\"" },
  { "{\"type\":\"reject\",\"call\":\"in1\",\"status\":\"486\"}", -EINVAL, "bad_request", "\"status\"" },
  { "{\"type\":\"reject\",\"call\":\"in1\",\"status\":486.5}", -EINVAL, "bad_request", "\"status\"" },
  { "{\"type\":\"reject\",\"call\":\"zz\"}", -ENOENT, "not_found", "reject: there is no call" },
  { "{\"type\":\"hangup\"}", -EINVAL, "bad_request", "hangup: \"call\" is required" },
  { "{\"type\":\"hangup\",\"call\":null}", -EINVAL, "bad_request", "\"call\" is required" },
  { "{\"type\":\"hangup\",\"call\":\"zz\"}", -ENOENT, "not_found", "hangup: there is no call \"zz\"" },
  /* dtmf */
  { "{\"type\":\"dtmf\",\"call\":\"c1\"}", -EINVAL, "bad_request", "\"digits\" is required" },
  { "{\"type\":\"dtmf\",\"call\":\"c1\",\"digits\":\"\"}", -EINVAL, "bad_request", "\"digits\" must be a string of 1 to 32" },
  { "{\"type\":\"dtmf\",\"call\":\"c1\",\"digits\":\"12E\"}", -EINVAL, "bad_request", "0-9 * # A-D" },
  { "{\"type\":\"dtmf\",\"call\":\"c1\",\"digits\":5}", -EINVAL, "bad_request", "\"digits\"" },
  { "{\"type\":\"dtmf\",\"call\":\"c1\",\"digits\":\"123456789012345678901234567890123\"}", -EINVAL, "bad_request", "1 to 32" },
  { "{\"type\":\"dtmf\",\"call\":\"c1\",\"digits\":\"1\",\"duration_ms\":39}", -EINVAL, "bad_request", "\"duration_ms\" must be an integer from 40 to 6000" },
  { "{\"type\":\"dtmf\",\"call\":\"c1\",\"digits\":\"1\",\"duration_ms\":6001}", -EINVAL, "bad_request", "\"duration_ms\"" },
  { "{\"type\":\"dtmf\",\"call\":\"c1\",\"digits\":\"1\",\"duration_ms\":\"100\"}", -EINVAL, "bad_request", "\"duration_ms\"" },
  { "{\"type\":\"dtmf\",\"call\":\"zz\",\"digits\":\"1\"}", -ENOENT, "not_found", "dtmf: there is no call" },
};

static void
test_refusals(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(refusals); i++) {
    const refusal *t = &refusals[i];
    g_autoptr(browser_session) s = new_session();
    browser_request *r = (browser_request *)0x1;
    int rc = feed(s, t->json, &r);
    g_assert_null(r);
    if (rc != t->rc)
      g_error("%s: rc %d, expected %d", t->json, rc, t->rc);
    g_autoptr(JsonNode) err = pop_json(s);
    JsonObject *o = json_node_get_object(err);
    const char *message = json_object_get_string_member(o, "message");
    g_assert_cmpstr(json_object_get_string_member(o, "type"), ==, "error");
    g_assert_cmpstr(json_object_get_string_member(o, "code"), ==, t->code);
    if (!strstr(message, t->words))
      g_error("%s: message \"%s\" lacks \"%s\"", t->json, message, t->words);
    g_assert_null(browser_session_pop_output(s));
    /* Nothing else changed. */
    g_assert_cmpuint(browser_session_call_count(s), ==, 2);
    g_assert_true(browser_session_has_call(s, "c1"));
    g_assert_true(browser_session_has_call(s, "in1"));
  }
}

/* Each length limit: the limit itself passes, one byte more is refused
 * with a message naming the field and the limit. */
static void
test_length_limits(void)
{
  static const struct {
    const char *before, *after; /* around the long value */
    gsize limit;
    const char *field;
    gsize prefix;       /* bytes of the value that are in BEFORE */
  } limits[] = {
    { "{\"type\":\"call\",\"call\":\"c9\",\"to\":\"", "\",\"sdp\":\"v=0\\n\"}", 256, "\"to\"", 0 },
    { "{\"type\":\"hello\",\"token\":\"", "\"}", 8192, "\"token\"", 0 },
    { "{\"type\":\"register\",\"user\":\"", "\"}", 256, "\"user\"", 0 },
    { "{\"type\":\"register\",\"user\":\"u\",\"uri\":\"sip:", "\"}", 256, "\"uri\"", 4 },
    { "{\"type\":\"register\",\"user\":\"u\",\"password\":\"", "\"}", 256, "\"password\"", 0 },
    { "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":{\"candidate\":\"candidate:", "\",\"sdpMid\":\"0\"}}", 1024, "\"candidate.candidate\"", 10 },
    { "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":{\"candidate\":\"" CAND "\",\"sdpMid\":\"", "\"}}", 64, "\"candidate.sdpMid\"", 0 },
  };
  for (guint i = 0; i < G_N_ELEMENTS(limits); i++) {
    for (gsize extra = 0; extra <= 1; extra++) {
      g_autoptr(browser_session) s = new_session();
      g_autofree char *value = g_strnfill(limits[i].limit - limits[i].prefix + extra, 'a');
      g_autofree char *json = g_strconcat(limits[i].before, value, limits[i].after, NULL);
      browser_request *r = NULL;
      int rc = feed(s, json, &r);
      browser_request_free(r);
      if (extra == 0) {
        g_assert_cmpint(rc, ==, 0);
        continue;
      }
      g_assert_cmpint(rc, ==, -EINVAL);
      g_autoptr(JsonNode) err = pop_json(s);
      const char *message = json_object_get_string_member(json_node_get_object(err), "message");
      g_assert_nonnull(strstr(message, limits[i].field));
      g_autofree char *limit = g_strdup_printf("%" G_GSIZE_FORMAT, limits[i].limit);
      if (!g_str_equal(limits[i].field, "\"candidate.sdpMid\""))
        g_assert_nonnull(strstr(message, limit));
    }
  }
}

/* The refused message's call is echoed when it is a valid call id. */
static void
test_error_echo_call(void)
{
  g_autoptr(browser_session) s = new_session();
  browser_request *r = NULL;
  g_assert_cmpint(feed(s, "{\"type\":\"dtmf\",\"id\":\"d1\",\"call\":\"c1\",\"digits\":\"X\"}", &r), ==, -EINVAL);
  g_autoptr(JsonNode) e1 = pop_json(s);
  g_assert_cmpstr(json_object_get_string_member(json_node_get_object(e1), "call"), ==, "c1");
  g_assert_cmpstr(json_object_get_string_member(json_node_get_object(e1), "id"), ==, "d1");

  g_assert_cmpint(feed(s, "{\"type\":\"dtmf\",\"call\":\"a b\",\"digits\":\"1\"}", &r), ==, -EINVAL);
  g_autoptr(JsonNode) e2 = pop_json(s);
  g_assert_false(json_object_has_member(json_node_get_object(e2), "call"));
  g_assert_false(json_object_has_member(json_node_get_object(e2), "id"));
}

static void
assert_id_echo(const char *request, const char *want_type, GType id_type, const char *id_text)
{
  g_autoptr(browser_session) s = new_session();
  browser_request *r = NULL;
  feed(s, request, &r);
  g_assert_null(r);
  g_autofree char *text = browser_session_pop_output(s);
  g_autoptr(JsonNode) node = json_from_string(text, NULL);
  JsonObject *o = json_node_get_object(node);
  g_assert_cmpstr(json_object_get_string_member(o, "type"), ==, want_type);
  if (id_type == G_TYPE_INVALID) {
    g_assert_false(json_object_has_member(o, "id"));
    return;
  }
  JsonNode *id = json_object_get_member(o, "id");
  g_assert_nonnull(id);
  g_assert_true(json_node_get_value_type(id) == id_type);
  g_autofree char *id_json = json_to_string(id, FALSE);
  g_assert_cmpstr(id_json, ==, id_text);
}

static void
test_id_echo(void)
{
  assert_id_echo("{\"type\":\"ping\",\"id\":\"abc \\\"q\\\" \\u00e9\"}", "pong", G_TYPE_STRING, "\"abc \\\"q\\\" é\"");
  assert_id_echo("{\"type\":\"ping\",\"id\":42}", "pong", G_TYPE_INT64, "42");
  assert_id_echo("{\"type\":\"ping\",\"id\":-9007199254740991}", "pong", G_TYPE_INT64, "-9007199254740991");
  assert_id_echo("{\"type\":\"ping\",\"id\":1.5}", "pong", G_TYPE_DOUBLE, "1.5");
  assert_id_echo("{\"type\":\"ping\",\"id\":\"\"}", "pong", G_TYPE_STRING, "\"\"");
  assert_id_echo("{\"type\":\"ping\"}", "pong", G_TYPE_INVALID, NULL);
  assert_id_echo("{\"id\":\"x1\",\"type\":\"nope\"}", "error", G_TYPE_STRING, "\"x1\"");
  assert_id_echo("{\"id\":7,\"type\":\"hangup\",\"call\":\"zz\"}", "error", G_TYPE_INT64, "7");
  assert_id_echo("{\"id\":7}", "error", G_TYPE_INT64, "7");
  assert_id_echo("{\"type\":\"hangup\",\"call\":\"zz\"}", "error", G_TYPE_INVALID, NULL);
  /* A bad id is not echoed. */
  assert_id_echo("{\"type\":\"ping\",\"id\":{\"a\":1}}", "error", G_TYPE_INVALID, NULL);
}

static const char *const good_messages[] = {
  "{\"type\":\"hello\",\"id\":1,\"token\":\"secret\"}",
  "{\"type\":\"register\",\"id\":\"r1\",\"user\":\"alice\",\"uri\":\"sip:alice@example.com\",\"auth_user\":\"alice\",\"password\":\"pw\",\"proxy\":\"sip:p.example.com\"}",
  "{\"type\":\"unregister\",\"user\":\"alice\"}",
  "{\"type\":\"call\",\"id\":7,\"call\":\"c2\",\"to\":\"sip:bob@example.com\",\"sdp\":\"v=0\\r\\no=- 1 2 IN IP4 127.0.0.1\\r\\n\"}",
  "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":{\"candidate\":\"" CAND "\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}}",
  "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":null}",
  "{\"type\":\"accept\",\"call\":\"in1\",\"sdp\":\"v=0\\r\\n\"}",
  "{\"type\":\"reject\",\"call\":\"in1\",\"status\":603}",
  "{\"type\":\"hangup\",\"call\":\"c1\"}",
  "{\"type\":\"dtmf\",\"call\":\"c1\",\"digits\":\"123#\",\"duration_ms\":160}",
  "{\"type\":\"ping\",\"id\":\"p\"}",
};

static void
test_truncations(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(good_messages); i++) {
    const char *m = good_messages[i];
    gsize len = strlen(m);
    g_autoptr(browser_session) s = new_session();
    for (gsize n = 0; n < len; n++) {
      g_autofree char *copy = g_memdup2(m, n ? n : 1);
      browser_request *r = NULL;
      int rc = browser_session_feed(s, 0, copy, n, &r);
      g_assert_cmpint(rc, ==, -EINVAL);
      g_assert_null(r);
      g_autoptr(JsonNode) err = pop_json(s);
      g_assert_cmpstr(json_object_get_string_member(json_node_get_object(err), "code"), ==, "bad_request");
      g_assert_null(browser_session_pop_output(s));
    }
    g_assert_cmpuint(browser_session_call_count(s), ==, 2);
    /* The whole message is still taken. */
    browser_request *r = NULL;
    g_assert_cmpint(feed(s, m, &r), ==, 0);
    browser_request_free(r);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/browser/request/every-type", test_every_type);
  g_test_add_func("/browser/request/refusals", test_refusals);
  g_test_add_func("/browser/request/length-limits", test_length_limits);
  g_test_add_func("/browser/request/error-echo-call", test_error_echo_call);
  g_test_add_func("/browser/request/id-echo", test_id_echo);
  g_test_add_func("/browser/request/truncations", test_truncations);
  return g_test_run();
}
