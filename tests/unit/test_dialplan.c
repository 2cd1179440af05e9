/* The dial plan ([route] rules): parsing and its errors, first match wins,
 * deny rules, exact numbers, domains, what nothing matches, direct URIs,
 * and which dialled numbers may become a Request-URI user part. */
#include "gateway/dialplan.h"
#include "tests/unit/testutil.h"

#include <string.h>

static const char *const trunks[] = { "office", "pbx", NULL };

static dialplan *
plan(const char *const *rules)
{
  g_autofree char *problem = NULL;
  dialplan *dp = dialplan_new(rules, trunks, &problem);
  g_assert_null(problem);
  g_assert_nonnull(dp);
  return dp;
}

/* The action and trunk for TO. */
static void
expect(const dialplan *dp, const char *to, gboolean allow_direct, dialplan_action action, const char *trunk,
       const char *rule)
{
  g_auto(dialplan_result) r = { 0 };
  dialplan_route(dp, to, allow_direct, &r);
  g_assert_cmpint(r.action, ==, action);
  g_assert_cmpstr(r.trunk, ==, trunk);
  g_assert_cmpstr(r.rule, ==, rule);
}

static void
test_first_match(void)
{
  static const char *const rules[] = { "+49900 = deny", "+4930123$=pbx", "+49=office", "0=office",
                                       "@example.com=pbx", NULL };
  g_autoptr(dialplan) dp = plan(rules);
  expect(dp, "+4930555", FALSE, DIALPLAN_TRUNK, "office", "+49=office");
  expect(dp, "+49900123", FALSE, DIALPLAN_DENY, NULL, "+49900=deny");
  expect(dp, "+4930123", FALSE, DIALPLAN_TRUNK, "pbx", "+4930123$=pbx");
  expect(dp, "+49301234", FALSE, DIALPLAN_TRUNK, "office", "+49=office"); /* $ is exact */
  expect(dp, "0301234", FALSE, DIALPLAN_TRUNK, "office", "0=office");
  /* Outside the plan: refused, whatever allow-direct says. */
  expect(dp, "+15551234", TRUE, DIALPLAN_NO_MATCH, NULL, NULL);
  expect(dp, "alice", FALSE, DIALPLAN_NO_MATCH, NULL, NULL);
  /* Domains: case-insensitive, port and parameters ignored, user optional. */
  expect(dp, "sip:bob@example.com", FALSE, DIALPLAN_TRUNK, "pbx", "@example.com=pbx");
  expect(dp, "SIP:bob@EXAMPLE.com:5070;transport=tcp", FALSE, DIALPLAN_TRUNK, "pbx", "@example.com=pbx");
  expect(dp, "sip:example.com", FALSE, DIALPLAN_TRUNK, "pbx", "@example.com=pbx");
  expect(dp, "sip:bob@example.com.evil.net", FALSE, DIALPLAN_NO_MATCH, NULL, NULL);
  /* A URI never matches a number pattern: sip:+49… is a URI. */
  expect(dp, "sip:+4930555@192.0.2.1", FALSE, DIALPLAN_NO_MATCH, NULL, NULL);
  expect(dp, "sip:+4930555@192.0.2.1", TRUE, DIALPLAN_DIRECT, NULL, NULL);
  expect(dp, "sips:bob@[2001:db8::1]:5061", TRUE, DIALPLAN_DIRECT, NULL, NULL);
}

static void
test_catch_all(void)
{
  static const char *const rules[] = { "+1900=deny", "*=office", NULL };
  g_autoptr(dialplan) dp = plan(rules);
  expect(dp, "+15551234", FALSE, DIALPLAN_TRUNK, "office", "*=office");
  expect(dp, "sip:bob@anywhere.example", TRUE, DIALPLAN_TRUNK, "office", "*=office");
  expect(dp, "+19005551234", FALSE, DIALPLAN_DENY, NULL, "+1900=deny");
  /* "*=deny" closes everything, direct URIs too. */
  static const char *const closed[] = { "*=deny", NULL };
  g_autoptr(dialplan) none = plan(closed);
  expect(none, "sip:bob@127.0.0.1:5070", TRUE, DIALPLAN_DENY, NULL, "*=deny");
}

static void
test_empty(void)
{
  g_autoptr(dialplan) dp = plan((const char *const[]){ NULL });
  expect(dp, "+4930", TRUE, DIALPLAN_NO_MATCH, NULL, NULL);
  expect(dp, "sip:bob@127.0.0.1", FALSE, DIALPLAN_NO_MATCH, NULL, NULL);
  expect(dp, "sip:bob@127.0.0.1", TRUE, DIALPLAN_DIRECT, NULL, NULL);
  expect(NULL, "sip:bob@127.0.0.1", TRUE, DIALPLAN_DIRECT, NULL, NULL);
}

static void
test_bad_rules(void)
{
  static const struct {
    const char *rule, *problem;
  } cases[] = {
    { "+49", "is not PATTERN=TRUNK" },
    { "+49=nowhere", "there is no [trunk:nowhere]" },
    { "=office", "the pattern must be" },
    { "@=office", "the pattern must be" },
    { "@a@b=office", "the pattern must be" },
    { "49 30=office", "the pattern must be" },
    { "4+9=office", "the pattern must be" },
    { "$=office", "the pattern must be" },
    { "+49$=", "there is no [trunk:]" },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    const char *rules[] = { "*=office", cases[i].rule, NULL };
    g_autofree char *problem = NULL;
    g_autoptr(dialplan) dp = dialplan_new(rules, trunks, &problem);
    g_assert_null(dp);
    g_assert_nonnull(problem);
    if (!strstr(problem, cases[i].problem) || !strstr(problem, cases[i].rule))
      g_error("rule %s: %s", cases[i].rule, problem);
  }
  /* deny in any case is not a trunk name. */
  static const char *const ok[] = { "+1=DENY", NULL };
  g_autoptr(dialplan) dp = plan(ok);
  expect(dp, "+1555", FALSE, DIALPLAN_DENY, NULL, "+1=DENY");
}

static void
test_number_valid(void)
{
  static const char *const good[] = { "+4930123", "0", "alice", "bob.smith", "*21#", "a_b-c!~", NULL };
  static const char *const bad[] = { "", "4+9", "bob@evil.example", "a b", "a;b", "a:b", "a>b", "a\r\nb",
                                     "%40", "1234567890123456789012345678901234567890123456789012345678901234567890",
                                     NULL };
  for (guint i = 0; good[i]; i++) {
    const char *reason = NULL;
    g_assert_true(dialplan_number_valid(good[i], &reason));
  }
  for (guint i = 0; bad[i]; i++) {
    const char *reason = NULL;
    g_assert_false(dialplan_number_valid(bad[i], &reason));
    g_assert_nonnull(reason);
  }
  g_assert_true(dialplan_is_uri("sip:a@b"));
  g_assert_true(dialplan_is_uri("SIPS:a@b"));
  g_assert_false(dialplan_is_uri("tel:+4930"));
  g_assert_false(dialplan_is_uri("sip"));
}

static void
test_uri_host_port(void)
{
  static const struct {
    const char *to, *host;
    guint port;
  } cases[] = {
    { "sip:bob@192.0.2.1:5070;transport=tcp", "192.0.2.1", 5070 },
    { "sip:bob@Example.COM", "Example.COM", 0 },
    { "sips:[2001:db8::1]:5061", "2001:db8::1", 5061 },
    { "sip:192.0.2.7?subject=x", "192.0.2.7", 0 },
    { "SIP:bob@localhost:5080>", "localhost", 5080 },
    { "sip:bob@", NULL, 0 },
    { "sip:[2001:db8::1", NULL, 0 },
    { "+4930", NULL, 0 },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *host = NULL;
    guint16 port = 1;
    gboolean ok = dialplan_uri_host_port(cases[i].to, &host, &port);
    g_assert_cmpint(ok, ==, cases[i].host != NULL);
    g_assert_cmpstr(host, ==, cases[i].host);
    if (ok)
      g_assert_cmpuint(port, ==, cases[i].port);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/dialplan/first_match", test_first_match);
  g_test_add_func("/dialplan/catch_all", test_catch_all);
  g_test_add_func("/dialplan/empty", test_empty);
  g_test_add_func("/dialplan/bad_rules", test_bad_rules);
  g_test_add_func("/dialplan/number_valid", test_number_valid);
  g_test_add_func("/dialplan/uri_host_port", test_uri_host_port);
  return g_test_run();
}
