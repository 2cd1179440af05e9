/* Registration clients in virtual time (RFC 3261 §10.2): granted expiry and
 * refresh timing, digest on REGISTER, 423 Min-Expires, backoff after
 * failures and unregistration on shutdown. */
#include <errno.h>
#include <string.h>

#include "signalling/sip/sip_digest.h"
#include "tests/unit/test_sip_stack_util.h"

static sip_addr registrar;

static guint
start(sip_stack *s, gint64 now, guint32 expires, const sip_credentials *creds)
{
  sip_event ev;
  sip_registration_params p = { "sip:192.0.2.9", "sip:gw@192.0.2.9", NULL, expires, registrar,
                                creds };
  guint id = sip_stack_register(s, now, &p);
  g_assert_cmpuint(id, !=, 0);
  tu_expect_event(s, SIP_EVENT_REGISTRATION, &ev);
  g_assert_cmpint(ev.reg_state, ==, SIP_REG_REGISTERING);
  g_assert_cmpuint(ev.registration, ==, id);
  sip_event_clear(&ev);
  return id;
}

static guint32
header_uint(const sip_message *m, const char *name)
{
  g_autofree char *v = tu_header(m, name);
  g_assert_nonnull(v);
  return (guint32)g_ascii_strtoull(v, NULL, 10);
}

static void
expect_state(sip_stack *s, sip_registration_state state, guint status, guint32 expires)
{
  sip_event ev;
  tu_expect_event(s, SIP_EVENT_REGISTRATION, &ev);
  g_assert_cmpint(ev.reg_state, ==, state);
  g_assert_cmpuint(ev.status, ==, status);
  if (state == SIP_REG_REGISTERED)
    g_assert_cmpuint(ev.expires, ==, expires);
  sip_event_clear(&ev);
}

/* The Contact expires wins over Expires; refresh 30 s before the end for
 * long expiries, at half for short ones; same Call-ID, CSeq + 1. */
static void
test_refresh(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(41, "192.0.2.1");
  gint64 now = 0;
  start(s, now, 3600, NULL);
  g_autoptr(tu_out) r1 = tu_expect_request(s, "REGISTER");
  g_assert_cmpuint(header_uint(r1->msg, "Expires"), ==, 3600);
  g_autofree char *contact = tu_header(r1->msg, "Contact");
  g_assert_cmpstr(contact, ==, "<sip:gw@192.0.2.1:5060>");
  g_autoptr(GString) ok = tu_response(r1->msg, 200, "reg1",
                                      "Contact: <sip:other@192.0.2.7>;expires=100, "
                                      "<sip:gw@192.0.2.1:5060>;expires=600\r\nExpires: 900\r\n");
  tu_feed_string(s, SEC, &registrar, ok);
  expect_state(s, SIP_REG_REGISTERED, 200, 600);
  now = SEC;
  while (tu_advance(s, &now, 571 * SEC - 1))
    ;
  tu_expect_no_output(s);
  g_assert_true(tu_advance(s, &now, G_MAXINT64));
  g_assert_cmpint(now, ==, 571 * SEC);   /* 600 - 30 s after the 200 */
  g_autoptr(tu_out) r2 = tu_expect_request(s, "REGISTER");
  g_autofree char *c1 = tu_header(r1->msg, "Call-ID");
  g_autofree char *c2 = tu_header(r2->msg, "Call-ID");
  g_assert_cmpstr(c1, ==, c2);
  sip_cseq q1, q2;
  sip_message_cseq(r1->msg, &q1, NULL);
  sip_message_cseq(r2->msg, &q2, NULL);
  g_assert_cmpuint(q2.number, ==, q1.number + 1);
  /* a short grant (Expires header only): refresh at half */
  g_autoptr(GString) ok2 = tu_response(r2->msg, 200, "reg1", "Expires: 60\r\n");
  tu_feed_string(s, now, &registrar, ok2);
  expect_state(s, SIP_REG_REGISTERED, 200, 60);
  gint64 t = now;
  g_assert_true(tu_advance(s, &now, G_MAXINT64));
  while (now < t + 30 * SEC && tu_advance(s, &now, G_MAXINT64))
    ;
  g_assert_cmpint(now, ==, t + 30 * SEC);
  g_autoptr(tu_out) r3 = tu_expect_request(s, "REGISTER");
}


/* The value of NAME in an Authorization value. */
static char *
auth_param(const char *value, const char *name)
{
  g_autofree char *key = g_strdup_printf(" %s=", name);
  const char *p = strstr(value, key);
  if (!p)
    return NULL;
  p += strlen(key);
  if (*p == '"')
    return g_strndup(p + 1, (gsize)(strchr(p + 1, '"') - p - 1));
  return g_strndup(p, strcspn(p, ", "));
}

static void
check_auth(const sip_message *req, const char *header, const char *password, const char *nc_want)
{
  g_autofree char *value = tu_header(req, header);
  g_assert_nonnull(value);
  g_autofree char *user = auth_param(value, "username");
  g_autofree char *realm = auth_param(value, "realm");
  g_autofree char *nonce = auth_param(value, "nonce");
  g_autofree char *uri = auth_param(value, "uri");
  g_autofree char *nc = auth_param(value, "nc");
  g_autofree char *cnonce = auth_param(value, "cnonce");
  g_autofree char *qop = auth_param(value, "qop");
  g_autofree char *response = auth_param(value, "response");
  char expect[SIP_DIGEST_HEX_MAX];
  g_assert_cmpstr(uri, ==, "sip:192.0.2.9");
  g_assert_cmpstr(nc, ==, nc_want);
  g_assert_cmpint(sip_digest_response(SIP_DIGEST_MD5, user, realm, password, nonce, nc, cnonce,
                                      qop, "REGISTER", uri, NULL, 0, expect), ==, 0);
  g_assert_cmpstr(response, ==, expect);
}

static void
test_digest(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(42, "192.0.2.1");
  sip_credentials creds = { "gw", "s3cret" };
  gint64 now = 0;
  start(s, now, 600, &creds);
  g_autoptr(tu_out) r1 = tu_expect_request(s, "REGISTER");
  g_assert_null(sip_message_header(r1->msg, SIP_HDR_AUTHORIZATION));
  g_autoptr(GString) chal = tu_response(r1->msg, 401, "reg",
                                        "WWW-Authenticate: Digest realm=\"pbx\", nonce=\"abc\", "
                                        "qop=\"auth\", opaque=\"op\"\r\n");
  tu_feed_string(s, 10 * MS, &registrar, chal);
  tu_expect_no_event(s);
  g_autoptr(tu_out) r2 = tu_expect_request(s, "REGISTER");
  check_auth(r2->msg, "Authorization", "s3cret", "00000001");
  g_autoptr(GString) ok = tu_response(r2->msg, 200, "reg", "Expires: 600\r\n");
  tu_feed_string(s, 20 * MS, &registrar, ok);
  expect_state(s, SIP_REG_REGISTERED, 200, 600);
  /* the refresh answers the same nonce at once, nonce count 2 */
  now = 20 * MS;
  g_autoptr(tu_out) r3 = NULL;
  do
    g_assert_true(tu_advance(s, &now, G_MAXINT64));
  while (!(r3 = tu_pop(s)));
  g_assert_cmpint(now, ==, 20 * MS + 570 * SEC);
  g_assert_true(sip_slice_eq(r3->msg->method, "REGISTER"));
  check_auth(r3->msg, "Authorization", "s3cret", "00000002");
  /* refused with the nonce it answered: failure with the status */
  g_autoptr(GString) again = tu_response(r3->msg, 401, "reg",
                                         "WWW-Authenticate: Digest realm=\"pbx\", nonce=\"abc\", "
                                         "qop=\"auth\"\r\n");
  tu_feed_string(s, now, &registrar, again);
  expect_state(s, SIP_REG_FAILED, 401, 0);
  tu_expect_no_output(s);
}

/* 423: ask again with Min-Expires. */
static void
test_interval_too_brief(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(43, "192.0.2.1");
  start(s, 0, 60, NULL);
  g_autoptr(tu_out) r1 = tu_expect_request(s, "REGISTER");
  g_autoptr(GString) brief = tu_response(r1->msg, 423, "reg", "Min-Expires: 1800\r\n");
  tu_feed_string(s, 10 * MS, &registrar, brief);
  tu_expect_no_event(s);
  g_autoptr(tu_out) r2 = tu_expect_request(s, "REGISTER");
  g_assert_cmpuint(header_uint(r2->msg, "Expires"), ==, 1800);
  g_autoptr(GString) ok = tu_response(r2->msg, 200, "reg", "Expires: 1800\r\n");
  tu_feed_string(s, 20 * MS, &registrar, ok);
  expect_state(s, SIP_REG_REGISTERED, 200, 1800);
}

/* Advances to the next output, which must be a REGISTER. */
static tu_out *
next_register(sip_stack *s, gint64 *now)
{
  tu_out *o;
  do
    g_assert_true(tu_advance(s, now, G_MAXINT64));
  while (!(o = tu_pop(s)));
  g_assert_true(sip_slice_eq(o->msg->method, "REGISTER"));
  return o;
}

/* Failures back off 30 s, 60 s, 120 s…; a timeout counts as 408. */
static void
test_backoff(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(44, "192.0.2.1");
  gint64 now = 0, t;
  start(s, now, 600, NULL);
  g_autoptr(tu_out) r1 = tu_expect_request(s, "REGISTER");
  g_autoptr(GString) busy = tu_response(r1->msg, 503, "reg", NULL);
  tu_feed_string(s, 0, &registrar, busy);
  expect_state(s, SIP_REG_FAILED, 503, 0);
  g_autoptr(tu_out) r2 = next_register(s, &now);
  g_assert_cmpint(now, ==, 30 * SEC);
  expect_state(s, SIP_REG_REGISTERING, 0, 0);
  /* no answer at all: F after 32 s, then 60 s of backoff */
  while (tu_advance(s, &now, 62 * SEC))
    tu_drain(s);
  expect_state(s, SIP_REG_FAILED, 408, 0);
  g_autoptr(tu_out) r3 = next_register(s, &now);
  g_assert_cmpint(now, ==, 62 * SEC + 60 * SEC);
  expect_state(s, SIP_REG_REGISTERING, 0, 0);
  g_autoptr(GString) busy3 = tu_response(r3->msg, 500, "reg", NULL);
  tu_feed_string(s, now, &registrar, busy3);
  expect_state(s, SIP_REG_FAILED, 500, 0);
  t = now;
  g_autoptr(tu_out) r4 = next_register(s, &now);
  g_assert_cmpint(now, ==, t + 120 * SEC);
  expect_state(s, SIP_REG_REGISTERING, 0, 0);
  /* a Retry-After longer than the backoff (240 s now) wins */
  g_autoptr(GString) busy4 = tu_response(r4->msg, 503, "reg", "Retry-After: 600 (maintenance)\r\n");
  tu_feed_string(s, now, &registrar, busy4);
  expect_state(s, SIP_REG_FAILED, 503, 0);
  t = now;
  g_autoptr(tu_out) r5 = next_register(s, &now);
  g_assert_cmpint(now, ==, t + 600 * SEC);
}

/* Shutdown unregisters (Expires: 0) and reports when done. */
static void
test_shutdown(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(45, "192.0.2.1");
  sip_event ev;
  guint id = start(s, 0, 600, NULL);
  g_autoptr(tu_out) r1 = tu_expect_request(s, "REGISTER");
  g_autoptr(GString) ok = tu_response(r1->msg, 200, "reg", "Expires: 600\r\n");
  tu_feed_string(s, 0, &registrar, ok);
  expect_state(s, SIP_REG_REGISTERED, 200, 600);
  sip_stack_shutdown(s, SEC);
  g_autoptr(tu_out) un = tu_expect_request(s, "REGISTER");
  g_assert_cmpuint(header_uint(un->msg, "Expires"), ==, 0);
  tu_expect_no_event(s);
  g_autoptr(GString) ok2 = tu_response(un->msg, 200, "reg", NULL);
  tu_feed_string(s, 2 * SEC, &registrar, ok2);
  expect_state(s, SIP_REG_UNREGISTERED, 200, 0);
  tu_expect_event(s, SIP_EVENT_SHUTDOWN_DONE, &ev);
  g_assert_cmpint(sip_stack_unregister(s, 2 * SEC, id), ==, -ENOENT);

  /* no answer: done after 64*T1 anyway */
  g_autoptr(sip_stack) t = tu_stack_new(46, "192.0.2.1");
  start(t, 0, 600, NULL);
  g_autoptr(tu_out) q1 = tu_expect_request(t, "REGISTER");
  g_autoptr(GString) okq = tu_response(q1->msg, 200, "reg", "Expires: 600\r\n");
  tu_feed_string(t, 0, &registrar, okq);
  expect_state(t, SIP_REG_REGISTERED, 200, 600);
  gint64 now = SEC;
  sip_stack_shutdown(t, now);
  while (tu_advance(t, &now, G_MAXINT64))
    tu_drain(t);
  g_assert_cmpint(now, <=, 33 * SEC);
  gboolean done = FALSE;
  while (sip_stack_pop_event(t, &ev)) {
    done |= ev.type == SIP_EVENT_SHUTDOWN_DONE;
    sip_event_clear(&ev);
  }
  g_assert_true(done);
}

/* Unregistering one registration. */
static void
test_unregister(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(47, "192.0.2.1");
  guint a = start(s, 0, 600, NULL);
  g_autoptr(tu_out) r1 = tu_expect_request(s, "REGISTER");
  g_autoptr(GString) ok = tu_response(r1->msg, 200, "reg", "Expires: 600\r\n");
  tu_feed_string(s, 0, &registrar, ok);
  expect_state(s, SIP_REG_REGISTERED, 200, 600);
  g_assert_cmpint(sip_stack_unregister(s, SEC, a), ==, 0);
  g_autoptr(tu_out) un = tu_expect_request(s, "REGISTER");
  g_assert_cmpuint(header_uint(un->msg, "Expires"), ==, 0);
  g_autoptr(GString) ok2 = tu_response(un->msg, 200, "reg", NULL);
  tu_feed_string(s, 2 * SEC, &registrar, ok2);
  expect_state(s, SIP_REG_UNREGISTERED, 200, 0);
  tu_expect_no_event(s);
  sip_stack_tick(s, 7 * SEC);   /* K of both REGISTER transactions */
  g_assert_cmpint(sip_stack_next_deadline(s), ==, G_MAXINT64);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  registrar = tu_addr(SIP_TRANSPORT_UDP, "192.0.2.9", 5060);
  g_test_add_func("/sip/registration/refresh", test_refresh);
  g_test_add_func("/sip/registration/digest", test_digest);
  g_test_add_func("/sip/registration/interval-too-brief", test_interval_too_brief);
  g_test_add_func("/sip/registration/backoff", test_backoff);
  g_test_add_func("/sip/registration/shutdown", test_shutdown);
  g_test_add_func("/sip/registration/unregister", test_unregister);
  return g_test_run();
}
