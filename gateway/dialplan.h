/* The dial plan: which targets a page may call, and through which trunk
 * ([route] rules, docs/auth.md "Dial plan"). Sans-IO: rules and targets in,
 * a decision out; the caller resolves trunks and addresses.
 *
 * A rule is PATTERN=ACTION, the first matching rule wins:
 *   +49=office      numbers starting with +49 go to trunk "office"
 *   +4930123$=pbx   exactly this number ($ anchors the end)
 *   +49900=deny     numbers starting with +49900 are refused (premium rate)
 *   @example.com=office   SIP URIs of that domain go to trunk "office"
 *   *=office        everything else, numbers and URIs
 * A number matches no URI pattern and a URI no number pattern. What no rule
 * matches is refused, except SIP URIs when direct calls are allowed.
 *
 * Ownership: everything borrowed; results are newly allocated. */
#pragma once
#include <glib.h>

typedef struct dialplan dialplan;

typedef enum {
  DIALPLAN_TRUNK,    /* through trunk `trunk` */
  DIALPLAN_DENY,     /* a deny rule matched */
  DIALPLAN_DIRECT,   /* a SIP URI no rule matched, direct calls allowed */
  DIALPLAN_NO_MATCH, /* nothing matched (refused) */
} dialplan_action;

typedef struct {
  dialplan_action action;
  char *trunk;   /* DIALPLAN_TRUNK */
  char *rule;    /* the rule that matched, as written (NULL for none) */
} dialplan_result;

void dialplan_result_clear(dialplan_result *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(dialplan_result, dialplan_result_clear)

/* Parses RULES (NULL-terminated, each "PATTERN=ACTION", words trimmed).
 * TRUNKS (NULL-terminated) are the trunk names that exist; an ACTION that is
 * neither "deny" nor one of them is an error. Returns NULL with a sentence
 * naming the rule in *PROBLEM (caller frees). */
dialplan *dialplan_new(const char *const *rules, const char *const *trunks, char **problem);
void dialplan_free(dialplan *dp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(dialplan, dialplan_free)

/* Whether TO is a SIP URI ("sip:" or "sips:", any case). */
gboolean dialplan_is_uri(const char *to);

/* The host (IPv6 without brackets) and port (0 when none is given) of the
 * SIP URI TO, parameters and headers left out. FALSE when TO is not a SIP
 * URI or names no host. *HOST is newly allocated. */
gboolean dialplan_uri_host_port(const char *to, char **host, guint16 *port);

/* Checks a dialled number or name (not a URI) for what may become the user
 * part of a Request-URI: 1 to 64 of A-Z a-z 0-9 + - _ . * # ! ~ (a leading
 * + only). Returns FALSE with a static sentence in *REASON. */
gboolean dialplan_number_valid(const char *number, const char **reason);

/* The decision for TO (a number or a SIP URI). ALLOW_DIRECT: may a SIP URI
 * that no rule matches be called straight at its host? */
void dialplan_route(const dialplan *dp, const char *to, gboolean allow_direct, dialplan_result *out);
