/* WebSocket Origin checks (RFC 6454 origins, RFC 6455 §4.2.1/§10.2).
 *
 * A browser_origin_policy is the set of page origins allowed to open the
 * gateway's WebSocket: explicit origins from the configuration
 * (`https://app.example.com`, `http://127.0.0.1:8080`), `*` for any, and
 * the gateway's own origin(s) derived from its listen address:
 *
 * - a loopback address (127.0.0.0/8, ::1) or `localhost`: the address
 *   itself and `localhost`, on the listen port, with the listener's scheme;
 * - any other IP address or a host name: that host on the listen port;
 * - a wildcard address (0.0.0.0, ::, empty): the own origin cannot be
 *   known. The rule is then "same host": the Origin's scheme is the
 *   listener's, its port the listen port, its host equals the request's
 *   Host header AND is an IP literal or `localhost`. Names are refused
 *   because a DNS name is what a DNS-rebinding page controls; operators
 *   serving pages under a name list that origin explicitly.
 *
 * The `null` origin (sandboxed frames, file: and data: pages) is refused
 * even under `*`. A request without an Origin header (not a browser) is
 * accepted only under `*`.
 *
 * Sans-IO, no allocation on the check path beyond the parse.
 * Ownership: the policy owns copies of everything added; every pointer
 * argument is borrowed; canonical strings returned belong to the caller;
 * reasons are static. */
#pragma once
#include <glib.h>

#define BROWSER_ORIGIN_MAX_BYTES 512

/* Parses one serialized origin, as an Origin header carries it:
 * scheme "://" host [":" port], host a DNS name, an IPv4 address or a
 * bracketed IPv6 address, nothing after. Returns 0 and, when CANONICAL_OUT
 * is not NULL, the canonical form (scheme and host lower-cased, the
 * scheme's default port elided: 80 for http/ws, 443 for https/wss; caller
 * frees), or -EINVAL and a reason ("null" gives -EACCES). */
int browser_origin_parse(const char *text, gsize len, char **canonical_out, const char **reason);

typedef struct browser_origin_policy browser_origin_policy;

/* An empty policy: refuses everything. Free with browser_origin_policy_free. */
browser_origin_policy *browser_origin_policy_new(void);
void browser_origin_policy_free(browser_origin_policy *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(browser_origin_policy, browser_origin_policy_free)

/* Adds a configuration entry: `*`, or an origin (browser_origin_parse's
 * syntax; one trailing '/' is tolerated). Returns 0 or -EINVAL with a
 * reason naming what is wrong. */
int browser_origin_policy_allow(browser_origin_policy *p, const char *entry, const char **reason);

/* Adds the gateway's own origin(s) for a listener on LISTEN_HOST (an IP
 * literal, with or without brackets, a host name, or "" / "0.0.0.0" / "::"
 * for any) and PORT, served over TLS or not (see the rules above).
 * Returns 0 or -EINVAL for a port of 0 or an unusable host. */
int browser_origin_policy_allow_own(browser_origin_policy *p, const char *listen_host, guint port,
                                    gboolean tls, const char **reason);

/* Decides a WebSocket upgrade: ORIGIN is the Origin header's value (NULL
 * when absent), HOST the Host header's value (NULL when absent; only the
 * wildcard-listener rule uses it). Returns 0 to accept, or -EACCES with a
 * reason sentence for the log ("origin not allowed", "null origin
 * refused", …) or -EINVAL for an unparsable Origin. */
int browser_origin_policy_check(const browser_origin_policy *p, const char *origin, const char *host,
                                const char **reason);

/* The policy as the log should show it: "*", canonical origins and
 * "same-host http(s) on port N", comma-separated; "(none)" when empty.
 * Caller frees. */
char *browser_origin_policy_describe(const browser_origin_policy *p);
