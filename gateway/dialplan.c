/* The dial plan ([route] rules): see dialplan.h. */
#include "gateway/dialplan.h"

#include <string.h>

typedef enum {
  PATTERN_ANY,    /* "*" */
  PATTERN_DOMAIN, /* "@example.com" */
  PATTERN_PREFIX, /* "+49" */
  PATTERN_EXACT,  /* "+4930123$" */
} pattern_kind;

typedef struct {
  pattern_kind kind;
  char *text;    /* the prefix, number or domain (without @ and $) */
  char *trunk;   /* NULL: deny */
  char *written; /* the rule as configured, for logs */
} rule;

struct dialplan {
  GArray *rules; /* of rule */
};

static void
rule_clear(gpointer p)
{
  rule *r = p;
  g_free(r->text);
  g_free(r->trunk);
  g_free(r->written);
}

void
dialplan_result_clear(dialplan_result *r)
{
  g_clear_pointer(&r->trunk, g_free);
  g_clear_pointer(&r->rule, g_free);
  r->action = DIALPLAN_NO_MATCH;
}

static gboolean
number_char(char ch)
{
  return g_ascii_isalnum(ch) || strchr("+-_.*#!~", ch);
}

gboolean
dialplan_number_valid(const char *number, const char **reason)
{
  gsize n = strlen(number);
  if (n == 0 || n > 64) {
    *reason = "a number or name has 1 to 64 characters";
    return FALSE;
  }
  for (gsize i = 0; i < n; i++) {
    if (!number_char(number[i]) || (number[i] == '+' && i > 0)) {
      *reason = "a number or name may only hold A-Z a-z 0-9 + - _ . * # ! ~ (+ only first); "
                "SIP URIs start with sip:";
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
dialplan_is_uri(const char *to)
{
  return !g_ascii_strncasecmp(to, "sip:", 4) || !g_ascii_strncasecmp(to, "sips:", 5);
}

gboolean
dialplan_uri_host_port(const char *to, char **host, guint16 *port)
{
  *host = NULL;
  *port = 0;
  if (!dialplan_is_uri(to))
    return FALSE;
  const char *p = strchr(to, ':') + 1;
  const char *end = p + strcspn(p, ";?>");
  const char *at = memchr(p, '@', (gsize)(end - p));
  const char *h = at ? at + 1 : p;
  const char *after;
  if (*h == '[') {
    const char *close = memchr(h, ']', (gsize)(end - h));
    if (!close)
      return FALSE;
    *host = g_strndup(h + 1, (gsize)(close - h - 1));
    after = close + 1;
  } else {
    gsize len = strcspn(h, ":;?>");
    if (h + len > end)
      len = (gsize)(end - h);
    *host = g_strndup(h, len);
    after = h + len;
  }
  if (after < end && *after == ':')
    *port = (guint16)g_ascii_strtoull(after + 1, NULL, 10);
  if (!**host)
    g_clear_pointer(host, g_free);
  return *host != NULL;
}

/* The host of a SIP URI, lower-cased, without port or parameters; NULL when
 * there is none. */
static char *
uri_host(const char *to)
{
  g_autofree char *host = NULL;
  guint16 port;
  if (!dialplan_uri_host_port(to, &host, &port))
    return NULL;
  return g_ascii_strdown(host, -1);
}

dialplan *
dialplan_new(const char *const *rules, const char *const *trunks, char **problem)
{
  g_autoptr(GArray) out = g_array_new(FALSE, TRUE, sizeof(rule));
  g_array_set_clear_func(out, rule_clear);
  for (guint i = 0; rules && rules[i]; i++) {
    const char *eq = strrchr(rules[i], '=');
    if (!eq) {
      *problem = g_strdup_printf("rule \"%s\" is not PATTERN=TRUNK (or PATTERN=deny)", rules[i]);
      return NULL;
    }
    g_autofree char *pattern = g_strstrip(g_strndup(rules[i], (gsize)(eq - rules[i])));
    g_autofree char *action = g_strstrip(g_strdup(eq + 1));
    rule r = { 0 };
    gsize plen = strlen(pattern);
    const char *reason = NULL;
    if (!strcmp(pattern, "*")) {
      r.kind = PATTERN_ANY;
      r.text = g_strdup("");
    } else if (pattern[0] == '@' && plen > 1 && !strpbrk(pattern + 1, "@:;?> \t")) {
      r.kind = PATTERN_DOMAIN;
      r.text = g_ascii_strdown(pattern + 1, -1);
    } else if (plen > 1 && pattern[plen - 1] == '$') {
      pattern[plen - 1] = '\0';
      if (!dialplan_number_valid(pattern, &reason)) {
        *problem = g_strdup_printf("rule \"%s\": %s", rules[i], reason);
        return NULL;
      }
      r.kind = PATTERN_EXACT;
      r.text = g_strdup(pattern);
    } else if (dialplan_number_valid(pattern, &reason)) {
      r.kind = PATTERN_PREFIX;
      r.text = g_strdup(pattern);
    } else {
      *problem = g_strdup_printf("rule \"%s\": the pattern must be *, @domain, a number prefix or "
                                 "NUMBER$", rules[i]);
      return NULL;
    }
    if (g_ascii_strcasecmp(action, "deny") != 0) {
      if (!trunks || !g_strv_contains(trunks, action)) {
        g_free(r.text);
        *problem = g_strdup_printf("rule \"%s\": there is no [trunk:%s] (the action is a trunk name or deny)",
                                   rules[i], action);
        return NULL;
      }
      r.trunk = g_strdup(action);
    }
    r.written = g_strdup_printf("%s%s=%s", r.kind == PATTERN_DOMAIN ? "@" : "", r.kind == PATTERN_ANY ? "*" : r.text,
                                action);
    if (r.kind == PATTERN_EXACT) {
      g_free(r.written);
      r.written = g_strdup_printf("%s$=%s", r.text, action);
    }
    g_array_append_val(out, r);
  }
  dialplan *dp = g_new0(dialplan, 1);
  dp->rules = g_steal_pointer(&out);
  return dp;
}

void
dialplan_free(dialplan *dp)
{
  if (!dp)
    return;
  g_array_unref(dp->rules);
  g_free(dp);
}

void
dialplan_route(const dialplan *dp, const char *to, gboolean allow_direct, dialplan_result *out)
{
  memset(out, 0, sizeof *out);
  out->action = DIALPLAN_NO_MATCH;
  gboolean uri = dialplan_is_uri(to);
  g_autofree char *host = uri ? uri_host(to) : NULL;
  for (guint i = 0; dp && i < dp->rules->len; i++) {
    const rule *r = &g_array_index(dp->rules, rule, i);
    gboolean match = FALSE;
    switch (r->kind) {
    case PATTERN_ANY:
      match = TRUE;
      break;
    case PATTERN_DOMAIN:
      match = uri && host && !strcmp(host, r->text);
      break;
    case PATTERN_PREFIX:
      match = !uri && g_str_has_prefix(to, r->text);
      break;
    case PATTERN_EXACT:
      match = !uri && !strcmp(to, r->text);
      break;
    }
    if (!match)
      continue;
    out->rule = g_strdup(r->written);
    out->action = r->trunk ? DIALPLAN_TRUNK : DIALPLAN_DENY;
    out->trunk = g_strdup(r->trunk);
    return;
  }
  if (uri && allow_direct)
    out->action = DIALPLAN_DIRECT;
}
