/* Gateway→page messages: every builder's JSON shape, field by field and
 * type by type, as PROTOCOL.md describes it. */
#include <errno.h>
#include <string.h>

#include "signalling/browser/browser_private.h"

/* A session with the call "c1" open (offered to the page), output empty. */
static browser_session *
new_session(void)
{
  browser_session *s = browser_session_new(NULL);
  g_assert_cmpint(browser_session_send_incoming(s, "c1", "f", "t", "v=0\r\n"), ==, 0);
  g_free(browser_session_pop_output(s));
  return s;
}

static char *
pop_text(browser_session *s)
{
  char *text = browser_session_pop_output(s);
  const char *reason = NULL;
  g_assert_nonnull(text);
  if (browser_json_check(text, strlen(text), BROWSER_MAX_JSON_DEPTH, &reason) != 0)
    g_error("output is not strict JSON (%s): %s", reason, text);
  g_assert_null(browser_session_pop_output(s));
  return text;
}

static JsonNode *
pop_json(browser_session *s)
{
  g_autofree char *text = pop_text(s);
  return json_from_string(text, NULL);
}

/* O has exactly the members NAMES (comma-separated), in that order. */
static void
assert_members(JsonObject *o, const char *names)
{
  g_auto(GStrv) want = g_strsplit(names, ",", -1);
  g_autoptr(GList) have = json_object_get_members(o);
  guint i = 0;
  for (GList *l = have; l; l = l->next, i++) {
    if (!want[i])
      g_error("unexpected member \"%s\" (want %s)", (char *)l->data, names);
    g_assert_cmpstr(l->data, ==, want[i]);
  }
  if (want[i])
    g_error("missing member \"%s\" (want %s)", want[i], names);
}

static void
assert_string(JsonObject *o, const char *name, const char *value)
{
  JsonNode *n = json_object_get_member(o, name);
  g_assert_nonnull(n);
  g_assert_true(JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING);
  g_assert_cmpstr(json_node_get_string(n), ==, value);
}

static void
assert_int(JsonObject *o, const char *name, gint64 value)
{
  JsonNode *n = json_object_get_member(o, name);
  g_assert_nonnull(n);
  g_assert_true(JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_INT64);
  g_assert_cmpint(json_node_get_int(n), ==, value);
}

static void
assert_bool(JsonObject *o, const char *name, gboolean value)
{
  JsonNode *n = json_object_get_member(o, name);
  g_assert_nonnull(n);
  g_assert_true(JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_BOOLEAN);
  g_assert_cmpint(json_node_get_boolean(n), ==, value);
}

static void
assert_null(JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member(o, name);
  g_assert_nonnull(n);
  g_assert_true(JSON_NODE_HOLDS_NULL(n));
}

static void
test_welcome(void)
{
  g_autoptr(browser_session) s = browser_session_new(NULL);
  g_autoptr(JsonNode) id = json_from_string("\"h1\"", NULL);
  g_autoptr(JsonNode) ice = json_from_string(
    "[{\"urls\":[\"stun:stun.example.com:3478\"]},"
    "{\"urls\":\"turn:turn.example.com:3478?transport=udp\",\"username\":\"u\",\"credential\":\"p\"}]", NULL);
  browser_session_send_welcome(s, id, "sha-256 5E:AA:01", ice);
  g_autoptr(JsonNode) n = pop_json(s);
  JsonObject *o = json_node_get_object(n);
  assert_members(o, "type,id,version,fingerprint,ice_servers");
  assert_string(o, "type", "welcome");
  assert_string(o, "id", "h1");
  assert_int(o, "version", 1);
  assert_string(o, "fingerprint", "sha-256 5E:AA:01");
  g_assert_true(json_node_equal(json_object_get_member(o, "ice_servers"), ice));

  /* No id, no ICE servers: [] */
  browser_session_send_welcome(s, NULL, "sha-256 5E", NULL);
  g_autofree char *text = pop_text(s);
  g_assert_cmpstr(text, ==, "{\"type\":\"welcome\",\"version\":1,\"fingerprint\":\"sha-256 5E\",\"ice_servers\":[]}");
}

static void
test_call_messages(void)
{
  g_autoptr(browser_session) s = new_session();

  g_assert_cmpint(browser_session_send_progress(s, "c1", 183, "Session Progress"), ==, 0);
  {
    g_autoptr(JsonNode) n = pop_json(s);
    JsonObject *o = json_node_get_object(n);
    assert_members(o, "type,call,status,reason");
    assert_string(o, "type", "progress");
    assert_string(o, "call", "c1");
    assert_int(o, "status", 183);
    assert_string(o, "reason", "Session Progress");
  }
  g_assert_cmpint(browser_session_send_answer(s, "c1", "v=0\r\ns=-\r\n"), ==, 0);
  {
    g_autoptr(JsonNode) n = pop_json(s);
    JsonObject *o = json_node_get_object(n);
    assert_members(o, "type,call,sdp");
    assert_string(o, "type", "answer");
    assert_string(o, "sdp", "v=0\r\ns=-\r\n");
  }
  g_assert_cmpint(browser_session_send_connected(s, "c1"), ==, 0);
  {
    g_autofree char *text = pop_text(s);
    g_assert_cmpstr(text, ==, "{\"type\":\"connected\",\"call\":\"c1\"}");
  }
  g_assert_cmpint(browser_session_send_dtmf(s, "c1", '5'), ==, 0);
  {
    g_autofree char *text = pop_text(s);
    g_assert_cmpstr(text, ==, "{\"type\":\"dtmf\",\"call\":\"c1\",\"digit\":\"5\"}");
  }
  g_assert_cmpint(browser_session_send_hangup(s, "c1", "fingerprint mismatch on the SIP leg", 0), ==, 0);
  {
    g_autoptr(JsonNode) n = pop_json(s);
    JsonObject *o = json_node_get_object(n);
    assert_members(o, "type,call,reason");
    assert_string(o, "reason", "fingerprint mismatch on the SIP leg");
  }
  g_assert_false(browser_session_has_call(s, "c1"));
}

static void
test_incoming(void)
{
  g_autoptr(browser_session) s = browser_session_new(NULL);
  g_assert_cmpint(browser_session_send_incoming(s, "sip-1", "\"Carol\" <sip:carol@example.com>", "sip:alice@gw.example.com", "v=0\r\n"), ==, 0);
  g_autoptr(JsonNode) n = pop_json(s);
  JsonObject *o = json_node_get_object(n);
  assert_members(o, "type,call,from,to,sdp");
  assert_string(o, "type", "incoming");
  assert_string(o, "call", "sip-1");
  assert_string(o, "from", "\"Carol\" <sip:carol@example.com>");
  assert_string(o, "to", "sip:alice@gw.example.com");
  assert_string(o, "sdp", "v=0\r\n");
  g_assert_true(browser_session_has_call(s, "sip-1"));
}

static void
test_candidate(void)
{
  g_autoptr(browser_session) s = new_session();
  g_assert_cmpint(browser_session_send_candidate(s, "c1", "candidate:1 1 udp 2130706431 203.0.113.5 40000 typ host", "0", 0), ==, 0);
  {
    g_autoptr(JsonNode) n = pop_json(s);
    JsonObject *o = json_node_get_object(n);
    assert_members(o, "type,call,candidate");
    JsonObject *c = json_object_get_object_member(o, "candidate");
    assert_members(c, "candidate,sdpMid,sdpMLineIndex");
    assert_string(c, "candidate", "candidate:1 1 udp 2130706431 203.0.113.5 40000 typ host");
    assert_string(c, "sdpMid", "0");
    assert_int(c, "sdpMLineIndex", 0);
  }
  g_assert_cmpint(browser_session_send_candidate(s, "c1", "candidate:2 1 udp 1 198.51.100.9 9 typ host", NULL, 1), ==, 0);
  {
    g_autoptr(JsonNode) n = pop_json(s);
    JsonObject *c = json_object_get_object_member(json_node_get_object(n), "candidate");
    assert_null(c, "sdpMid");
    assert_int(c, "sdpMLineIndex", 1);
  }
  g_assert_cmpint(browser_session_send_candidate(s, "c1", "candidate:3 1 udp 1 198.51.100.9 9 typ host", "audio", -1), ==, 0);
  {
    g_autoptr(JsonNode) n = pop_json(s);
    JsonObject *c = json_object_get_object_member(json_node_get_object(n), "candidate");
    assert_string(c, "sdpMid", "audio");
    assert_null(c, "sdpMLineIndex");
  }
  g_assert_cmpint(browser_session_send_candidate(s, "c1", NULL, "0", 0), ==, 0);
  {
    g_autofree char *text = pop_text(s);
    g_assert_cmpstr(text, ==, "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":null}");
  }
}

/* The example of PROTOCOL.md, byte for byte (fingerprints shortened). */
static void
test_security_example(void)
{
  g_autoptr(browser_session) s = new_session();
  browser_security sec = {
    .browser_leg = { .keying = BROWSER_KEYING_DTLS_SRTP, .profile = "SRTP_AES128_CM_HMAC_SHA1_80",
                     .dtls_role = BROWSER_DTLS_ROLE_SERVER, .local_fingerprint = "sha-256 5E:01",
                     .remote_fingerprint = "sha-256 A1:02", .verified = BROWSER_VERIFIED_YES },
    .has_sip_leg = TRUE,
    .sip_leg = { .keying = BROWSER_KEYING_SDES, .suite = "AES_256_CM_HMAC_SHA1_80",
                 .signalling = BROWSER_SIGNALLING_TLS },
    .end_to_end = FALSE,
  };
  g_assert_cmpint(browser_session_send_security(s, "c1", &sec), ==, 0);
  g_autofree char *text = pop_text(s);
  g_assert_cmpstr(text, ==,
    "{\"type\":\"security\",\"call\":\"c1\","
    "\"browser_leg\":{\"keying\":\"dtls-srtp\",\"profile\":\"SRTP_AES128_CM_HMAC_SHA1_80\","
    "\"dtls_role\":\"server\",\"local_fingerprint\":\"sha-256 5E:01\","
    "\"remote_fingerprint\":\"sha-256 A1:02\",\"verified\":true},"
    "\"sip_leg\":{\"keying\":\"sdes\",\"suite\":\"AES_256_CM_HMAC_SHA1_80\","
    "\"signalling\":\"tls\",\"verified\":null},"
    "\"end_to_end\":false}");

  /* Parsed back, the types are right: verified true, and null for sdes. */
  g_autoptr(JsonNode) n = json_from_string(text, NULL);
  JsonObject *o = json_node_get_object(n);
  assert_members(o, "type,call,browser_leg,sip_leg,end_to_end");
  assert_bool(json_object_get_object_member(o, "browser_leg"), "verified", TRUE);
  assert_null(json_object_get_object_member(o, "sip_leg"), "verified");
  assert_bool(o, "end_to_end", FALSE);
}

static void
test_security_variants(void)
{
  g_autoptr(browser_session) s = new_session();

  /* DTLS-SRTP on both legs, client role toward SIP, not (yet) verified,
   * an unknown profile; end to end is the gateway's call. */
  browser_security both = {
    .browser_leg = { .keying = BROWSER_KEYING_DTLS_SRTP, .dtls_role = BROWSER_DTLS_ROLE_CLIENT,
                     .local_fingerprint = "sha-256 01", .remote_fingerprint = "sha-1 02",
                     .verified = BROWSER_VERIFIED_NO },
    .has_sip_leg = TRUE,
    .sip_leg = { .keying = BROWSER_KEYING_DTLS_SRTP, .profile = "SRTP_AES128_CM_HMAC_SHA1_32",
                 .dtls_role = BROWSER_DTLS_ROLE_SERVER, .verified = BROWSER_VERIFIED_UNKNOWN },
    .end_to_end = TRUE,
  };
  g_assert_cmpint(browser_session_send_security(s, "c1", &both), ==, 0);
  {
    g_autoptr(JsonNode) n = pop_json(s);
    JsonObject *o = json_node_get_object(n);
    JsonObject *b = json_object_get_object_member(o, "browser_leg");
    JsonObject *p = json_object_get_object_member(o, "sip_leg");
    assert_members(b, "keying,profile,dtls_role,local_fingerprint,remote_fingerprint,verified");
    assert_null(b, "profile");
    assert_string(b, "dtls_role", "client");
    assert_string(b, "remote_fingerprint", "sha-1 02");
    assert_bool(b, "verified", FALSE);
    assert_string(p, "keying", "dtls-srtp");
    assert_string(p, "dtls_role", "server");
    assert_null(p, "local_fingerprint");
    assert_null(p, "verified");
    assert_bool(o, "end_to_end", TRUE);
  }

  /* Plain RTP toward SIP, and SDES over UDP and TCP. */
  browser_security plain = both;
  plain.sip_leg = (browser_security_leg){ .keying = BROWSER_KEYING_NONE };
  plain.end_to_end = FALSE;
  g_assert_cmpint(browser_session_send_security(s, "c1", &plain), ==, 0);
  {
    g_autoptr(JsonNode) n = pop_json(s);
    JsonObject *p = json_object_get_object_member(json_node_get_object(n), "sip_leg");
    assert_members(p, "keying,verified");
    assert_string(p, "keying", "none");
    assert_null(p, "verified");
  }
  browser_security sdes = both;
  sdes.sip_leg = (browser_security_leg){ .keying = BROWSER_KEYING_SDES, .suite = "AES_CM_128_HMAC_SHA1_80",
                                         .signalling = BROWSER_SIGNALLING_UDP };
  g_assert_cmpint(browser_session_send_security(s, "c1", &sdes), ==, 0);
  {
    g_autoptr(JsonNode) n = pop_json(s);
    JsonObject *p = json_object_get_object_member(json_node_get_object(n), "sip_leg");
    assert_members(p, "keying,suite,signalling,verified");
    assert_string(p, "signalling", "udp");
  }
  sdes.sip_leg.signalling = BROWSER_SIGNALLING_TCP;
  g_assert_cmpint(browser_session_send_security(s, "c1", &sdes), ==, 0);
  {
    g_autoptr(JsonNode) n = pop_json(s);
    JsonObject *p = json_object_get_object_member(json_node_get_object(n), "sip_leg");
    assert_string(p, "signalling", "tcp");
  }

  /* Echo: no SIP leg at all, "sip_leg": null. */
  browser_security echo = both;
  echo.has_sip_leg = FALSE;
  echo.end_to_end = FALSE;
  g_assert_cmpint(browser_session_send_security(s, "c1", &echo), ==, 0);
  {
    g_autoptr(JsonNode) n = pop_json(s);
    JsonObject *o = json_node_get_object(n);
    assert_members(o, "type,call,browser_leg,sip_leg,end_to_end");
    assert_null(o, "sip_leg");
    assert_bool(o, "end_to_end", FALSE);
  }
}

static void
test_hangup_status(void)
{
  g_autoptr(browser_session) s = new_session();
  g_assert_cmpint(browser_session_send_hangup(s, "c1", "busy (486)", 486), ==, 0);
  g_autoptr(JsonNode) n = pop_json(s);
  JsonObject *o = json_node_get_object(n);
  assert_members(o, "type,call,reason,sip_status");
  assert_string(o, "type", "hangup");
  assert_string(o, "reason", "busy (486)");
  assert_int(o, "sip_status", 486);
}

static void
test_registered(void)
{
  g_autoptr(browser_session) s = browser_session_new(NULL);
  g_autoptr(JsonNode) id = json_from_string("5", NULL);
  browser_session_send_registered(s, id, "alice", "sip:alice@example.com", TRUE);
  {
    g_autoptr(JsonNode) n = pop_json(s);
    JsonObject *o = json_node_get_object(n);
    assert_members(o, "type,id,user,uri");
    assert_string(o, "type", "registered");
    assert_int(o, "id", 5);
    assert_string(o, "user", "alice");
    assert_string(o, "uri", "sip:alice@example.com");
  }
  browser_session_send_registered(s, NULL, "alice", NULL, FALSE);
  {
    g_autofree char *text = pop_text(s);
    g_assert_cmpstr(text, ==, "{\"type\":\"unregistered\",\"user\":\"alice\"}");
  }
}

static void
test_error(void)
{
  g_autoptr(browser_session) s = browser_session_new(NULL);
  g_autoptr(JsonNode) id = json_from_string("12", NULL);
  browser_session_send_error(s, id, "c7", BROWSER_ERROR_FORBIDDEN, "call: the dial plan does not allow sip:x@y");
  {
    g_autoptr(JsonNode) n = pop_json(s);
    JsonObject *o = json_node_get_object(n);
    assert_members(o, "type,id,call,code,message");
    assert_int(o, "id", 12);
    assert_string(o, "call", "c7");
    assert_string(o, "code", "forbidden");
    assert_string(o, "message", "call: the dial plan does not allow sip:x@y");
  }
  static const char *const codes[] = { "bad_request", "unauthorized", "forbidden", "not_found",
                                       "busy", "unavailable", "internal" };
  for (guint i = 0; i < G_N_ELEMENTS(codes); i++) {
    browser_session_send_error(s, NULL, NULL, (browser_error_code)i, "x");
    g_autoptr(JsonNode) n = pop_json(s);
    JsonObject *o = json_node_get_object(n);
    assert_members(o, "type,code,message");
    assert_string(o, "code", codes[i]);
  }
}

/* Whatever the SIP side puts in a string, the page gets strict JSON. */
static void
test_hostile_strings(void)
{
  g_autoptr(browser_session) s = new_session();
  const char *reason = "Bad \"Gateway\" \\ \x01\x1f\r\n\t\x7f \xff\xfe end";
  g_assert_cmpint(browser_session_send_progress(s, "c1", 180, reason), ==, 0);
  g_autoptr(JsonNode) n = pop_json(s);
  const char *got = json_object_get_string_member(json_node_get_object(n), "reason");
  g_assert_true(g_str_has_prefix(got, "Bad \"Gateway\" \\ \x01\x1f\r\n\t\x7f "));
  g_assert_true(g_str_has_suffix(got, " end"));
  g_assert_true(g_utf8_validate(got, -1, NULL));

  g_assert_cmpint(browser_session_send_progress(s, "c1", 180, NULL), ==, 0);
  g_autoptr(JsonNode) n2 = pop_json(s);
  assert_string(json_node_get_object(n2), "reason", "");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/browser/message/welcome", test_welcome);
  g_test_add_func("/browser/message/call-messages", test_call_messages);
  g_test_add_func("/browser/message/incoming", test_incoming);
  g_test_add_func("/browser/message/candidate", test_candidate);
  g_test_add_func("/browser/message/security-example", test_security_example);
  g_test_add_func("/browser/message/security-variants", test_security_variants);
  g_test_add_func("/browser/message/hangup-status", test_hangup_status);
  g_test_add_func("/browser/message/registered", test_registered);
  g_test_add_func("/browser/message/error", test_error);
  g_test_add_func("/browser/message/hostile-strings", test_hostile_strings);
  return g_test_run();
}
