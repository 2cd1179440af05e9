/* The browser protocol's strict JSON checker and its writer. */
#include <errno.h>
#include <string.h>

#include "signalling/browser/browser_private.h"

static int
check(const char *text, gsize len, const char **reason)
{
  /* An exact-size copy, so ASan sees any overread. */
  g_autofree char *copy = g_memdup2(text, len ? len : 1);
  *reason = NULL;
  int rc = browser_json_check(copy, len, BROWSER_MAX_JSON_DEPTH, reason);
  if (rc == 0)
    g_assert_null(*reason);
  else
    g_assert_nonnull(*reason);
  return rc;
}

static const char *const good[] = {
  "{}",
  "[]",
  " {\"type\" : \"ping\" } \r\n\t",
  "{\"a\":[1,-2,3.5,-0.25e-3,1E+2,0,-0,true,false,null,\"x\"],\"b\":{\"c\":{}}}",
  "\"just a string\"",
  "42",
  "9007199254740991",
  "-9007199254740991",
  "1e308",
  "1e-400",
  "{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\\u001f\"}",
  "{\"utf8\":\"h\xc3\xa9llo \xf0\x9f\x98\x80\"}",
  "{\"\":1,\"\":2}",
};

static const char *const bad[] = {
  "",
  "   ",
  "{\"type\":\"ping\",}",
  "[1,]",
  "{'type':'ping'}",
  "{type:\"ping\"}",
  "{\"type\":\"ping\"} /* c */",
  "{\"type\":\"ping\"} {}",
  "{\"type\":\"ping\"}x",
  "{\"id\":0x10}",
  "{\"id\":01}",
  "{\"id\":.5}",
  "{\"id\":1.}",
  "{\"id\":+1}",
  "{\"id\":1e}",
  "{\"id\":-}",
  "{\"id\":NaN}",
  "{\"id\":Infinity}",
  "{\"id\":1e999}",
  "{\"id\":9007199254740992}",
  "{\"id\":99999999999999999999}",
  "{\"id\":\"a\\u0000b\"}",
  "{\"id\":\"\\ud800\"}",
  "{\"id\":\"\\ud800\\u0041\"}",
  "{\"id\":\"\\udc00\"}",
  "{\"id\":\"\\x41\"}",
  "{\"id\":\"\\u12\"}",
  "{\"id\":\"\\u12g4\"}",
  "{\"id\":\"a\nb\"}",
  "{\"id\":\"a\tb\"}",
  "{\"id\":\"\xff\"}",
  "{\"id\":\"\xc3\"}",
  "{\"id\" \"x\"}",
  "{\"id\":}",
  "{,}",
  "[,1]",
  "{\"a\":1 \"b\":2}",
  "[1 2]",
  "{\"a\":1]",
  "[1}",
  "tru",
  "nul",
  "True",
  "\"unterminated",
  "{\"a\":\"b\\",
};

static void
test_good(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
    const char *reason;
    if (check(good[i], strlen(good[i]), &reason) != 0)
      g_error("refused good JSON %s: %s", good[i], reason);
  }
}

static void
test_bad(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    const char *reason;
    if (check(bad[i], strlen(bad[i]), &reason) == 0)
      g_error("accepted bad JSON %s", bad[i]);
    g_assert_cmpint(check(bad[i], strlen(bad[i]), &reason), ==, -EINVAL);
  }
  /* An embedded NUL byte and a raw one at the end. */
  const char *reason;
  g_assert_cmpint(check("{\"type\":\"ping\"}\0", 16, &reason), ==, -EINVAL);
  g_assert_cmpint(check("{\"a\":\"\0\"}", 8, &reason), ==, -EINVAL);
}

static void
test_numbers_range(void)
{
  const char *reason;
  g_assert_cmpint(check("9007199254740992", 16, &reason), ==, -EINVAL);
  g_assert_nonnull(strstr(reason, "9007199254740991"));
  g_autofree char *longnum = g_strnfill(65, '1');
  longnum[0] = '0';
  longnum[1] = '.';
  g_assert_cmpint(check(longnum, 65, &reason), ==, -EINVAL);
  g_assert_nonnull(strstr(reason, "64"));
  longnum[64] = '\0';
  g_assert_cmpint(check(longnum, 64, &reason), ==, 0);
}

static void
test_depth(void)
{
  const char *reason;
  GString *s = g_string_new(NULL);
  /* Depth 32: one object holding 31 nested arrays. */
  g_string_append(s, "{\"a\":");
  for (guint i = 1; i < BROWSER_MAX_JSON_DEPTH; i++)
    g_string_append_c(s, '[');
  for (guint i = 1; i < BROWSER_MAX_JSON_DEPTH; i++)
    g_string_append_c(s, ']');
  g_string_append_c(s, '}');
  g_assert_cmpint(check(s->str, s->len, &reason), ==, 0);
  g_string_insert(s, 5, "[");
  g_string_insert(s, s->len - 1, "]");
  g_assert_cmpint(check(s->str, s->len, &reason), ==, -EINVAL);
  g_assert_nonnull(strstr(reason, "nested"));

  /* 64 KiB of '[' fails at once, without recursion. */
  g_autofree char *deep = g_strnfill(65536, '[');
  g_assert_cmpint(check(deep, 65536, &reason), ==, -EINVAL);
  g_string_free(s, TRUE);
}

static void
test_truncations(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
    gsize len = strlen(good[i]);
    for (gsize n = 0; n < len; n++) {
      const char *reason;
      check(good[i], n, &reason); /* must not crash; either answer is possible ("42" → "4") */
    }
  }
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    gsize len = strlen(bad[i]);
    for (gsize n = 0; n <= len; n++) {
      const char *reason;
      check(bad[i], n, &reason);
    }
  }
}

/* What the checker accepts, json-glib parses to the same structure. */
static void
test_agrees_with_json_glib(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
    g_autoptr(JsonParser) p = json_parser_new();
    g_autoptr(GError) error = NULL;
    g_assert_true(json_parser_load_from_data(p, good[i], -1, &error));
    g_assert_no_error(error);
    g_assert_nonnull(json_parser_get_root(p));
    /* And our writer's text of it passes the checker again. */
    g_autoptr(GString) out = g_string_new(NULL);
    browser_json_append_node(out, json_parser_get_root(p));
    const char *reason;
    if (check(out->str, out->len, &reason) != 0)
      g_error("writer produced %s: %s", out->str, reason);
  }
}

static void
test_writer_strings(void)
{
  static const char *const strings[] = {
    "plain", "quote \" backslash \\ slash /", "\b\f\n\r\t", "\x01\x1f\x7f", "h\xc3\xa9llo",
    "\xf0\x9f\x98\x80", "", "</script>",
  };
  for (guint i = 0; i < G_N_ELEMENTS(strings); i++) {
    g_autoptr(GString) out = g_string_new(NULL);
    const char *reason;
    browser_json_append_string(out, strings[i]);
    if (check(out->str, out->len, &reason) != 0)
      g_error("writer produced bad JSON %s: %s", out->str, reason);
    g_autoptr(JsonParser) p = json_parser_new();
    g_assert_true(json_parser_load_from_data(p, out->str, out->len, NULL));
    g_assert_cmpstr(json_node_get_string(json_parser_get_root(p)), ==, strings[i]);
  }

  g_autoptr(GString) out = g_string_new(NULL);
  browser_json_append_string(out, "\x1f");
  g_assert_cmpstr(out->str, ==, "\"\\u001f\"");
  g_string_truncate(out, 0);
  browser_json_append_string(out, NULL);
  g_assert_cmpstr(out->str, ==, "null");

  /* Invalid UTF-8 from the SIP side is repaired, not passed on. */
  g_string_truncate(out, 0);
  browser_json_append_string(out, "a\xff" "b");
  g_assert_true(g_utf8_validate(out->str, out->len, NULL));
  g_assert_cmpstr(out->str, ==, "\"a\xef\xbf\xbd" "b\"");
}

static void
test_writer_nodes(void)
{
  g_autoptr(GString) out = g_string_new(NULL);
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "i");
  json_builder_add_int_value(b, -7);
  json_builder_set_member_name(b, "d");
  json_builder_add_double_value(b, 0.5);
  json_builder_set_member_name(b, "inf");
  json_builder_add_double_value(b, 1.0 / 0.0);
  json_builder_set_member_name(b, "t");
  json_builder_add_boolean_value(b, TRUE);
  json_builder_set_member_name(b, "n");
  json_builder_add_null_value(b);
  json_builder_set_member_name(b, "a");
  json_builder_begin_array(b);
  json_builder_add_string_value(b, "x\ny");
  json_builder_end_array(b);
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  browser_json_append_node(out, root);
  g_assert_cmpstr(out->str, ==, "{\"i\":-7,\"d\":0.5,\"inf\":null,\"t\":true,\"n\":null,\"a\":[\"x\\ny\"]}");

  g_string_truncate(out, 0);
  browser_json_append_node(out, NULL);
  g_assert_cmpstr(out->str, ==, "null");

  /* A too deep tree from the gateway is cut, not recursed into forever. */
  g_autoptr(JsonNode) deep = json_node_new(JSON_NODE_ARRAY);
  json_node_take_array(deep, json_array_new());
  JsonNode *cur = deep;
  for (guint i = 0; i < 40; i++) {
    JsonNode *next = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(next, json_array_new());
    json_array_add_element(json_node_get_array(cur), next);
    cur = next;
  }
  g_string_truncate(out, 0);
  browser_json_append_node(out, deep);
  g_assert_nonnull(strstr(out->str, "null"));
  const char *reason;
  g_assert_cmpint(check(out->str, out->len, &reason), ==, 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/browser/json/good", test_good);
  g_test_add_func("/browser/json/bad", test_bad);
  g_test_add_func("/browser/json/numbers-range", test_numbers_range);
  g_test_add_func("/browser/json/depth", test_depth);
  g_test_add_func("/browser/json/truncations", test_truncations);
  g_test_add_func("/browser/json/agrees-with-json-glib", test_agrees_with_json_glib);
  g_test_add_func("/browser/json/writer-strings", test_writer_strings);
  g_test_add_func("/browser/json/writer-nodes", test_writer_nodes);
  return g_test_run();
}
