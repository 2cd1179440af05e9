/* Strict JSON text for the browser protocol: a checker run before json-glib
 * builds the tree, and a writer for every outgoing message.
 *
 * Why both: json-glib 1.6's parser accepts comments, single quotes, hex
 * numbers and trailing data after the first value, silently truncates a
 * string at "\u0000", wraps integers that overflow 64 bits, and recurses
 * once per nesting level (a 64 KiB "[[[[…" would eat the stack). Its
 * generator writes control characters raw and infinities as "inf.0". The
 * page speaks JSON.stringify's strict RFC 8259 JSON; so do we. */
#define G_LOG_DOMAIN "rtc2sip-browser"
#include "signalling/browser/browser_private.h"

#include <errno.h>
#include <math.h>
#include <string.h>

/* Longest number lexeme we accept (JSON.stringify writes at most ~25). */
#define MAX_NUMBER_CHARS 64
/* Largest integer JavaScript keeps exact: 2^53 - 1. */
#define MAX_SAFE_INTEGER G_GUINT64_CONSTANT(9007199254740991)
#define STACK_LIMIT 64

typedef struct {
  const guchar *p, *end;
  const char *reason;
} cursor;

static void
skip_ws(cursor *c)
{
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
    c->p++;
}

static gboolean
fail(cursor *c, const char *reason)
{
  c->reason = reason;
  return FALSE;
}

static int
hex4(const guchar *p)
{
  int v = 0;
  for (int i = 0; i < 4; i++) {
    int d = g_ascii_xdigit_value(p[i]);
    if (d < 0)
      return -1;
    v = v * 16 + d;
  }
  return v;
}

/* At '"'. */
static gboolean
scan_string(cursor *c)
{
  c->p++;
  while (c->p < c->end) {
    guchar ch = *c->p;
    if (ch == '"') {
      c->p++;
      return TRUE;
    }
    if (ch < 0x20)
      return fail(c, "a string holds a raw control character; escape it (\\n, \\u001f)");
    if (ch != '\\') {
      c->p++;
      continue;
    }
    if (c->end - c->p < 2)
      break;
    ch = c->p[1];
    if (ch && strchr("\"\\/bfnrt", ch)) {
      c->p += 2;
      continue;
    }
    if (ch != 'u')
      return fail(c, "a string holds an unknown escape; JSON knows \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX");
    if (c->end - c->p < 6)
      break;
    int v = hex4(c->p + 2);
    if (v < 0)
      return fail(c, "a \\u escape needs four hex digits");
    if (v == 0)
      return fail(c, "strings may not contain \\u0000");
    c->p += 6;
    if (v >= 0xDC00 && v <= 0xDFFF)
      return fail(c, "a string holds a lone low surrogate (\\uDC00-\\uDFFF)");
    if (v >= 0xD800 && v <= 0xDBFF) {
      if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u')
        return fail(c, "a string holds a lone high surrogate (\\uD800-\\uDBFF)");
      int low = hex4(c->p + 2);
      if (low < 0xDC00 || low > 0xDFFF)
        return fail(c, "a string holds a lone high surrogate (\\uD800-\\uDBFF)");
      c->p += 6;
    }
  }
  return fail(c, "a string is not terminated");
}

static gboolean
scan_digits(cursor *c)
{
  const guchar *start = c->p;
  while (c->p < c->end && g_ascii_isdigit(*c->p))
    c->p++;
  return c->p > start;
}

static gboolean
scan_number(cursor *c)
{
  const guchar *start = c->p;
  gboolean integer = TRUE;

  if (*c->p == '-')
    c->p++;
  if (c->p < c->end && *c->p == '0')
    c->p++;
  else if (!scan_digits(c))
    return fail(c, "a number is malformed");
  if (c->p < c->end && *c->p == '.') {
    c->p++;
    integer = FALSE;
    if (!scan_digits(c))
      return fail(c, "a number needs digits after its decimal point");
  }
  if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
    c->p++;
    integer = FALSE;
    if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
      c->p++;
    if (!scan_digits(c))
      return fail(c, "a number needs digits in its exponent");
  }
  gsize n = c->p - start;
  if (n > MAX_NUMBER_CHARS)
    return fail(c, "a number is longer than 64 characters");
  char copy[MAX_NUMBER_CHARS + 1];
  memcpy(copy, start, n);
  copy[n] = '\0';
  if (integer) {
    const char *digits = copy[0] == '-' ? copy + 1 : copy;
    if (strlen(digits) > 16 || g_ascii_strtoull(digits, NULL, 10) > MAX_SAFE_INTEGER)
      return fail(c, "an integer is outside ±9007199254740991, the range JavaScript keeps exact");
  } else if (!isfinite(g_ascii_strtod(copy, NULL))) {
    return fail(c, "a number is too large to be finite");
  }
  return TRUE;
}

static gboolean
scan_literal(cursor *c)
{
  static const char *const words[] = { "true", "false", "null" };
  for (guint i = 0; i < G_N_ELEMENTS(words); i++) {
    gsize n = strlen(words[i]);
    if ((gsize)(c->end - c->p) >= n && memcmp(c->p, words[i], n) == 0) {
      c->p += n;
      return TRUE;
    }
  }
  return fail(c, "unexpected character where a JSON value should be");
}

/* After '{' or ',' in an object: a key and its colon. */
static gboolean
scan_key(cursor *c)
{
  skip_ws(c);
  if (c->p >= c->end || *c->p != '"')
    return fail(c, "an object member needs a double-quoted name");
  if (!scan_string(c))
    return FALSE;
  skip_ws(c);
  if (c->p >= c->end || *c->p != ':')
    return fail(c, "an object member name must be followed by ':'");
  c->p++;
  return TRUE;
}

int
browser_json_check(const char *text, gsize len, guint max_depth, const char **reason)
{
  cursor c = { (const guchar *)text, (const guchar *)text + len, NULL };
  char stack[STACK_LIMIT];
  guint depth = 0;

  if (max_depth > STACK_LIMIT)
    max_depth = STACK_LIMIT;
  if (len > G_MAXSSIZE || !g_utf8_validate_len(text, len, NULL)) {
    c.reason = "the message is not valid UTF-8 text";
    goto out;
  }
  skip_ws(&c);
  if (c.p >= c.end) {
    c.reason = "the message is empty";
    goto out;
  }
  for (;;) {
    /* A value is expected here. */
    skip_ws(&c);
    if (c.p >= c.end) {
      c.reason = "the message ends in the middle of a JSON value";
      goto out;
    }
    if (*c.p == '{' || *c.p == '[') {
      if (depth >= max_depth) {
        c.reason = "JSON is nested too deeply";
        goto out;
      }
      stack[depth++] = *c.p++;
      skip_ws(&c);
      if (c.p < c.end && *c.p == (stack[depth - 1] == '{' ? '}' : ']')) {
        c.p++;
        depth--;
      } else {
        if (stack[depth - 1] == '{' && !scan_key(&c))
          goto out;
        continue;
      }
    } else if (*c.p == '"') {
      if (!scan_string(&c))
        goto out;
    } else if (*c.p == '-' || g_ascii_isdigit(*c.p)) {
      if (!scan_number(&c))
        goto out;
    } else if (!scan_literal(&c)) {
      goto out;
    }
    /* A value ended: close containers or go on to the next member. */
    for (;;) {
      skip_ws(&c);
      if (depth == 0) {
        if (c.p != c.end)
          c.reason = "there is more text after the JSON value";
        goto out;
      }
      if (c.p >= c.end) {
        c.reason = "the message ends before its JSON is closed";
        goto out;
      }
      char open = stack[depth - 1];
      if (*c.p == ',') {
        c.p++;
        if (open == '{' && !scan_key(&c))
          goto out;
        break;
      }
      if (*c.p != (open == '{' ? '}' : ']')) {
        c.reason = open == '{' ? "expected ',' or '}' in an object" : "expected ',' or ']' in an array";
        goto out;
      }
      c.p++;
      depth--;
    }
  }
out:
  if (reason)
    *reason = c.reason;
  return c.reason ? -EINVAL : 0;
}

void
browser_json_append_string(GString *out, const char *s)
{
  g_autofree char *fixed = NULL;

  if (!s) {
    g_string_append(out, "null");
    return;
  }
  if (!g_utf8_validate(s, -1, NULL))
    s = fixed = g_utf8_make_valid(s, -1);
  g_string_append_c(out, '"');
  for (const guchar *p = (const guchar *)s; *p; p++) {
    switch (*p) {
    case '"': g_string_append(out, "\\\""); break;
    case '\\': g_string_append(out, "\\\\"); break;
    case '\b': g_string_append(out, "\\b"); break;
    case '\f': g_string_append(out, "\\f"); break;
    case '\n': g_string_append(out, "\\n"); break;
    case '\r': g_string_append(out, "\\r"); break;
    case '\t': g_string_append(out, "\\t"); break;
    default:
      if (*p < 0x20)
        g_string_append_printf(out, "\\u%04x", *p);
      else
        g_string_append_c(out, (char)*p);
    }
  }
  g_string_append_c(out, '"');
}

static void
append_double(GString *out, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  if (!isfinite(v)) {
    g_string_append(out, "null");
    return;
  }
  g_string_append(out, g_ascii_dtostr(buf, sizeof buf, v));
}

static void
append_node(GString *out, const JsonNode *node, guint depth)
{
  if (!node || depth >= BROWSER_MAX_JSON_DEPTH) {
    g_string_append(out, "null");
    return;
  }
  switch (json_node_get_node_type((JsonNode *)node)) {
  case JSON_NODE_OBJECT: {
    JsonObject *obj = json_node_get_object((JsonNode *)node);
    g_autoptr(GList) names = json_object_get_members(obj);
    g_string_append_c(out, '{');
    for (GList *l = names; l; l = l->next) {
      if (l != names)
        g_string_append_c(out, ',');
      browser_json_append_string(out, l->data);
      g_string_append_c(out, ':');
      append_node(out, json_object_get_member(obj, l->data), depth + 1);
    }
    g_string_append_c(out, '}');
    return;
  }
  case JSON_NODE_ARRAY: {
    JsonArray *arr = json_node_get_array((JsonNode *)node);
    guint n = json_array_get_length(arr);
    g_string_append_c(out, '[');
    for (guint i = 0; i < n; i++) {
      if (i)
        g_string_append_c(out, ',');
      append_node(out, json_array_get_element(arr, i), depth + 1);
    }
    g_string_append_c(out, ']');
    return;
  }
  case JSON_NODE_VALUE: {
    GType t = json_node_get_value_type((JsonNode *)node);
    if (t == G_TYPE_INT64 || t == G_TYPE_INT)
      g_string_append_printf(out, "%" G_GINT64_FORMAT, json_node_get_int((JsonNode *)node));
    else if (t == G_TYPE_DOUBLE || t == G_TYPE_FLOAT)
      append_double(out, json_node_get_double((JsonNode *)node));
    else if (t == G_TYPE_BOOLEAN)
      g_string_append(out, json_node_get_boolean((JsonNode *)node) ? "true" : "false");
    else if (t == G_TYPE_STRING)
      browser_json_append_string(out, json_node_get_string((JsonNode *)node));
    else
      g_string_append(out, "null");
    return;
  }
  case JSON_NODE_NULL:
  default:
    g_string_append(out, "null");
  }
}

void
browser_json_append_node(GString *out, const JsonNode *node)
{
  append_node(out, node, 0);
}

void
browser_json_object_begin(browser_json_object *o, GString *buf)
{
  o->buf = buf;
  o->first = TRUE;
  g_string_append_c(buf, '{');
}

void
browser_json_object_key(browser_json_object *o, const char *key)
{
  if (!o->first)
    g_string_append_c(o->buf, ',');
  o->first = FALSE;
  browser_json_append_string(o->buf, key);
  g_string_append_c(o->buf, ':');
}

void
browser_json_object_string(browser_json_object *o, const char *key, const char *value)
{
  browser_json_object_key(o, key);
  browser_json_append_string(o->buf, value);
}

void
browser_json_object_int(browser_json_object *o, const char *key, gint64 value)
{
  browser_json_object_key(o, key);
  g_string_append_printf(o->buf, "%" G_GINT64_FORMAT, value);
}

void
browser_json_object_bool(browser_json_object *o, const char *key, gboolean value)
{
  browser_json_object_key(o, key);
  g_string_append(o->buf, value ? "true" : "false");
}

void
browser_json_object_null(browser_json_object *o, const char *key)
{
  browser_json_object_key(o, key);
  g_string_append(o->buf, "null");
}

void
browser_json_object_node(browser_json_object *o, const char *key, const JsonNode *value)
{
  browser_json_object_key(o, key);
  append_node(o->buf, value, 0);
}

void
browser_json_object_end(browser_json_object *o)
{
  g_string_append_c(o->buf, '}');
}

char *
browser_json_to_string(const JsonNode *node)
{
  GString *out = g_string_new(NULL);
  browser_json_append_node(out, node);
  return g_string_free(out, FALSE);
}
