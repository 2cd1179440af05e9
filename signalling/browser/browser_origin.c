/* WebSocket Origin parsing and the allowed-origins policy
 * (see browser_origin.h). */
#define G_LOG_DOMAIN "rtc2sip-browser"
#include "signalling/browser/browser_origin.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>

#define MAX_SCHEME 32
#define MAX_HOST 253

/* An origin or a Host header, split and canonical. */
typedef struct {
  char *scheme; /* lower case; NULL for a Host header */
  char *host;   /* lower case; IPv6 in brackets, IP literals normalized */
  guint port;   /* effective port; 0 when a Host header left it out */
  gboolean ip_literal;
} authority;

static void
authority_clear(authority *a)
{
  g_clear_pointer(&a->scheme, g_free);
  g_clear_pointer(&a->host, g_free);
}

typedef struct {
  char *scheme;
  guint port;
} same_host_rule;

struct browser_origin_policy {
  gboolean any;
  GPtrArray *origins; /* canonical strings */
  GArray *same_host;  /* same_host_rule */
};

static guint
default_port(const char *scheme)
{
  if (!scheme)
    return 0;
  if (strcmp(scheme, "http") == 0 || strcmp(scheme, "ws") == 0)
    return 80;
  if (strcmp(scheme, "https") == 0 || strcmp(scheme, "wss") == 0)
    return 443;
  return 0;
}

/* An IP literal (without brackets) in its canonical text, or NULL. */
static char *
normalize_ip(const char *text)
{
  if (!g_hostname_is_ip_address(text))
    return NULL;
  g_autoptr(GInetAddress) addr = g_inet_address_new_from_string(text);
  if (!addr)
    return NULL;
  return g_inet_address_to_string(addr);
}

/* host [":" port] at S (LEN bytes) into A->host/port/ip_literal. NULL when fine. */
static const char *
parse_host_port(const char *s, gsize len, authority *a)
{
  gsize host_end;
  g_autofree char *host = NULL;
  if (len > 0 && s[0] == '[') {
    const char *close = memchr(s, ']', len);
    if (!close)
      return "the IPv6 address has no closing ']'";
    gsize n = (gsize)(close - s - 1);
    if (n < 2 || n > 45)
      return "the IPv6 address has the wrong length";
    for (gsize i = 1; i <= n; i++)
      if (!g_ascii_isxdigit(s[i]) && s[i] != ':' && s[i] != '.')
        return "the IPv6 address contains a character it cannot";
    g_autofree char *inner = g_strndup(s + 1, n);
    g_autofree char *norm = normalize_ip(inner);
    if (!norm || !strchr(norm, ':'))
      return "the bracketed host is not an IPv6 address";
    host = g_strdup_printf("[%s]", norm);
    a->ip_literal = TRUE;
    host_end = n + 2;
  } else {
    host_end = 0;
    while (host_end < len && s[host_end] != ':')
      host_end++;
    if (host_end == 0)
      return "the host is empty";
    if (host_end > MAX_HOST)
      return "the host is longer than 253 characters";
    for (gsize i = 0; i < host_end; i++)
      if (!g_ascii_isalnum(s[i]) && s[i] != '-' && s[i] != '.' && s[i] != '_')
        return "the host contains a character a DNS name or address cannot (path, user or space?)";
    host = g_ascii_strdown(s, (gssize)host_end);
    char *norm = normalize_ip(host);
    if (norm) {
      g_free(host);
      host = norm;
      a->ip_literal = TRUE;
    }
  }
  a->port = 0;
  if (host_end < len) {
    if (s[host_end] != ':')
      return "something follows the host that is not ':' and a port";
    gsize p = host_end + 1;
    if (p == len)
      return "the port after ':' is empty";
    if (len - p > 5)
      return "the port is not a number from 1 to 65535";
    guint v = 0;
    for (; p < len; p++) {
      if (!g_ascii_isdigit(s[p]))
        return "the port is not a number from 1 to 65535 (a path after the origin?)";
      v = v * 10 + (guint)(s[p] - '0');
    }
    if (v == 0 || v > 65535)
      return "the port is not a number from 1 to 65535";
    a->port = v;
  }
  a->host = g_steal_pointer(&host);
  return NULL;
}

/* scheme "://" host [":" port]. NULL when fine; A is filled either way
 * (clear it). */
static const char *
parse_origin(const char *s, gsize len, authority *a)
{
  if (len > BROWSER_ORIGIN_MAX_BYTES)
    return "the origin is longer than 512 bytes";
  gsize i = 0;
  while (i < len && (g_ascii_isalnum(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'))
    i++;
  if (i == 0 || !g_ascii_isalpha(s[0]))
    return "the origin does not start with a scheme (like https://)";
  if (i > MAX_SCHEME)
    return "the scheme is too long";
  if (len - i < 3 || memcmp(s + i, "://", 3) != 0)
    return "the scheme is not followed by \"://\"";
  a->scheme = g_ascii_strdown(s, (gssize)i);
  const char *why = parse_host_port(s + i + 3, len - i - 3, a);
  if (why)
    return why;
  /* Schemes without a default port (chrome-extension://ID) keep port 0. */
  if (a->port == 0)
    a->port = default_port(a->scheme);
  return NULL;
}

static char *
canonical(const authority *a)
{
  if (a->port == default_port(a->scheme))
    return g_strdup_printf("%s://%s", a->scheme, a->host);
  return g_strdup_printf("%s://%s:%u", a->scheme, a->host, a->port);
}

static gboolean
is_null_origin(const char *s, gsize len)
{
  return len == 4 && g_ascii_strncasecmp(s, "null", 4) == 0;
}

int
browser_origin_parse(const char *text, gsize len, char **canonical_out, const char **reason)
{
  const char *dummy;
  if (!reason)
    reason = &dummy;
  if (!text || len == 0) {
    *reason = "the origin is empty";
    return -EINVAL;
  }
  if (is_null_origin(text, len)) {
    *reason = "null origin refused (sandboxed frame, file: or data: page)";
    return -EACCES;
  }
  authority a = { 0 };
  const char *why = parse_origin(text, len, &a);
  if (why) {
    authority_clear(&a);
    *reason = why;
    return -EINVAL;
  }
  if (canonical_out)
    *canonical_out = canonical(&a);
  authority_clear(&a);
  return 0;
}

browser_origin_policy *
browser_origin_policy_new(void)
{
  browser_origin_policy *p = g_new0(browser_origin_policy, 1);
  p->origins = g_ptr_array_new_with_free_func(g_free);
  p->same_host = g_array_new(FALSE, TRUE, sizeof(same_host_rule));
  return p;
}

void
browser_origin_policy_free(browser_origin_policy *p)
{
  if (!p)
    return;
  for (guint i = 0; i < p->same_host->len; i++)
    g_free(g_array_index(p->same_host, same_host_rule, i).scheme);
  g_array_unref(p->same_host);
  g_ptr_array_unref(p->origins);
  g_free(p);
}

static gboolean
has_origin(const browser_origin_policy *p, const char *canon)
{
  for (guint i = 0; i < p->origins->len; i++)
    if (strcmp(g_ptr_array_index(p->origins, i), canon) == 0)
      return TRUE;
  return FALSE;
}

static void
add_canonical(browser_origin_policy *p, char *canon)
{
  if (has_origin(p, canon))
    g_free(canon);
  else
    g_ptr_array_add(p->origins, canon);
}

int
browser_origin_policy_allow(browser_origin_policy *p, const char *entry, const char **reason)
{
  const char *dummy;
  if (!reason)
    reason = &dummy;
  g_autofree char *e = g_strstrip(g_strdup(entry ? entry : ""));
  gsize len = strlen(e);
  if (strcmp(e, "*") == 0) {
    p->any = TRUE;
    return 0;
  }
  if (len > 0 && e[len - 1] == '/' && (len < 3 || e[len - 2] != '/'))
    e[--len] = '\0';
  char *canon = NULL;
  int rc = browser_origin_parse(e, len, &canon, reason);
  if (rc == -EACCES) {
    *reason = "the null origin cannot be allowed (serve the page over http instead)";
    return -EINVAL;
  }
  if (rc < 0)
    return rc;
  add_canonical(p, canon);
  return 0;
}

static gboolean
is_wildcard(const char *h)
{
  return h[0] == '\0' || strcmp(h, "*") == 0 || strcmp(h, "0.0.0.0") == 0 || strcmp(h, "::") == 0 ||
         strcmp(h, "[::]") == 0;
}

int
browser_origin_policy_allow_own(browser_origin_policy *p, const char *listen_host, guint port,
                                gboolean tls, const char **reason)
{
  const char *dummy;
  if (!reason)
    reason = &dummy;
  const char *scheme = tls ? "https" : "http";
  if (port == 0 || port > 65535) {
    *reason = "the listen port is not from 1 to 65535";
    return -EINVAL;
  }
  if (!listen_host)
    listen_host = "";
  if (is_wildcard(listen_host)) {
    for (guint i = 0; i < p->same_host->len; i++) {
      same_host_rule *r = &g_array_index(p->same_host, same_host_rule, i);
      if (r->port == port && strcmp(r->scheme, scheme) == 0)
        return 0;
    }
    same_host_rule r = { g_strdup(scheme), port };
    g_array_append_val(p->same_host, r);
    return 0;
  }
  /* Bracketed or not, as the listen address was written. */
  g_autofree char *bare = NULL;
  gsize n = strlen(listen_host);
  if (n >= 2 && listen_host[0] == '[' && listen_host[n - 1] == ']')
    bare = g_strndup(listen_host + 1, n - 2);
  else
    bare = g_strdup(listen_host);
  g_autofree char *norm = normalize_ip(bare);
  g_autofree char *host_text = norm && strchr(norm, ':') ? g_strdup_printf("[%s]", norm)
                                                          : g_strdup(norm ? norm : bare);
  g_autofree char *origin = g_strdup_printf("%s://%s:%u", scheme, host_text, port);
  authority a = { 0 };
  const char *why = parse_origin(origin, strlen(origin), &a);
  if (why) {
    authority_clear(&a);
    *reason = "the listen host is not an IP address or a host name";
    return -EINVAL;
  }
  add_canonical(p, canonical(&a));
  gboolean loopback = FALSE;
  if (norm) {
    g_autoptr(GInetAddress) addr = g_inet_address_new_from_string(norm);
    loopback = addr && g_inet_address_get_is_loopback(addr);
  }
  if (loopback || strcmp(a.host, "localhost") == 0) {
    authority l = { .scheme = g_strdup(scheme), .host = g_strdup("localhost"), .port = port };
    add_canonical(p, canonical(&l));
    authority_clear(&l);
  }
  authority_clear(&a);
  return 0;
}

/* Whether ORIGIN (parsed) is the page served by this very listener as the
 * Host header names it (the wildcard-listener rule). */
static gboolean
same_host(const browser_origin_policy *p, const authority *o, const char *host)
{
  if (!host || p->same_host->len == 0)
    return FALSE;
  if (!o->ip_literal && strcmp(o->host, "localhost") != 0)
    return FALSE;
  authority h = { 0 };
  gboolean ok = FALSE;
  if (!parse_host_port(host, strlen(host), &h)) {
    if (h.port == 0)
      h.port = default_port(o->scheme);
    ok = strcmp(h.host, o->host) == 0 && h.port == o->port;
  }
  authority_clear(&h);
  if (!ok)
    return FALSE;
  for (guint i = 0; i < p->same_host->len; i++) {
    const same_host_rule *r = &g_array_index(p->same_host, same_host_rule, i);
    if (r->port == o->port && strcmp(r->scheme, o->scheme) == 0)
      return TRUE;
  }
  return FALSE;
}

int
browser_origin_policy_check(const browser_origin_policy *p, const char *origin, const char *host,
                            const char **reason)
{
  const char *dummy;
  if (!reason)
    reason = &dummy;
  if (!origin) {
    if (p->any)
      return 0;
    *reason = "no Origin header (not a browser?): only allowed-origins = * accepts that";
    return -EACCES;
  }
  gsize len = strlen(origin);
  if (is_null_origin(origin, len)) {
    *reason = "null origin refused (sandboxed frame, file: or data: page)";
    return -EACCES;
  }
  authority o = { 0 };
  const char *why = parse_origin(origin, len, &o);
  if (why) {
    authority_clear(&o);
    *reason = why;
    return -EINVAL;
  }
  int rc = 0;
  if (!p->any) {
    g_autofree char *canon = canonical(&o);
    if (!has_origin(p, canon) && !same_host(p, &o, host)) {
      *reason = "origin not allowed (see [http] allowed-origins)";
      rc = -EACCES;
    }
  }
  authority_clear(&o);
  return rc;
}

char *
browser_origin_policy_describe(const browser_origin_policy *p)
{
  GString *s = g_string_new(NULL);
  if (p->any)
    g_string_append(s, "*");
  for (guint i = 0; i < p->origins->len; i++)
    g_string_append_printf(s, "%s%s", s->len ? ", " : "", (const char *)g_ptr_array_index(p->origins, i));
  for (guint i = 0; i < p->same_host->len; i++) {
    const same_host_rule *r = &g_array_index(p->same_host, same_host_rule, i);
    g_string_append_printf(s, "%ssame-host %s on port %u (IP or localhost)", s->len ? ", " : "", r->scheme,
                           r->port);
  }
  if (s->len == 0)
    g_string_append(s, "(none)");
  return g_string_free(s, FALSE);
}
