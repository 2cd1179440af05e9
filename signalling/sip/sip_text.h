/* Lexical helpers of the SIP message layer (RFC 3261 §25.1): slices into a
 * receive buffer, LWS, tokens, quoted strings, generic parameters, %HEX
 * escapes and bounded decimal numbers.
 *
 * Ownership: a sip_slice never owns its bytes; it points into a buffer that
 * the caller keeps alive (the datagram, or the GBytes of a sip_message). A
 * slice of a header value may contain folded line ends (CRLF followed by SP
 * or HTAB): every helper here treats CR and LF inside a value as white
 * space, since the message parser has already checked the folding. */
#pragma once
#include <glib.h>

typedef struct {
  const char *p;
  gsize len;
} sip_slice;

#define SIP_SLICE_EMPTY ((sip_slice){ NULL, 0 })

/* Parse failure: a negative errno-style code, a static reason sentence and
 * the SIP status a UAS answers a request with (0: drop, never answer). */
typedef struct {
  int code;
  guint status;
  const char *reason;
} sip_error;

/* Fills ERR (if not NULL) and returns CODE. */
int sip_error_set(sip_error *err, int code, guint status, const char *reason);

static inline sip_slice
sip_slice_make(const char *p, gsize len)
{
  return (sip_slice){ p, len };
}

/* Exact byte comparison with a NUL-terminated string. */
gboolean sip_slice_eq(sip_slice s, const char *text);
/* ASCII case-insensitive comparison with a NUL-terminated string. */
gboolean sip_slice_caseeq(sip_slice s, const char *text);
/* ASCII case-insensitive comparison of two slices. */
gboolean sip_slice_caseeq_slice(sip_slice a, sip_slice b);
/* Newly allocated NUL-terminated copy. Caller frees. */
char *sip_slice_dup(sip_slice s);

/* Character classes of RFC 3261 §25.1. */
gboolean sip_is_token_char(char c);
gboolean sip_is_ws(char c);          /* SP, HTAB, CR, LF (folded LWS) */

/* S without leading and trailing LWS. */
sip_slice sip_slice_trim(sip_slice s);
/* Advances *S past leading LWS. */
void sip_slice_skip_ws(sip_slice *s);
/* Is S a non-empty token? */
gboolean sip_slice_is_token(sip_slice s);

/* Reads a decimal number of at most MAX_DIGITS digits from the whole of S
 * (no sign, no LWS) into *OUT, refusing values above MAX.
 * Returns 0, -EINVAL (not digits) or -ERANGE (too large). */
int sip_parse_uint(sip_slice s, guint64 max, guint64 *out);

/* Quoted strings: S starts with '"'. Finds the closing quote, honouring
 * quoted-pairs; returns the length of the quoted string including both
 * quotes, or 0 when unterminated. */
gsize sip_quoted_len(sip_slice s);
/* Appends the content of quoted string Q (with or without its quotes) to
 * OUT, resolving quoted-pairs. */
void sip_unquote(sip_slice q, GString *out);

/* Generic parameters: ";name[=value]" lists (RFC 3261 generic-param),
 * as found after a Via sent-by, a name-addr or inside a URI. LWS around
 * ';' and '=' is allowed (in header parameters; URI parameters have none).
 * sip_param_next reads the next parameter of *REST, which starts at a ';'
 * (leading LWS allowed), and advances *REST. A value may be a quoted string
 * (returned with its quotes). *HAS_VALUE tells "name" from "name=".
 * Returns 1 for a parameter, 0 at the end, -EBADMSG on bad syntax. */
int sip_param_next(sip_slice *rest, sip_slice *name, sip_slice *value, gboolean *has_value);
/* Looks NAME up (case-insensitive) in PARAMS (a ";a=b;c" list).
 * Returns TRUE when present; *VALUE (may be NULL) is empty for a
 * parameter without value. */
gboolean sip_params_get(sip_slice params, const char *name, sip_slice *value);
/* Does PARAMS parse as a whole (every parameter a token name, optional
 * token / host / quoted-string value)? */
gboolean sip_params_valid(sip_slice params);

/* %HEX escapes (RFC 3261 §25.1 escaped). Writes the unescaped bytes of S to
 * OUT, which holds at least S.len bytes; NUL bytes are kept (the result is
 * not NUL-terminated). Returns the length written, or -EINVAL for a '%' not
 * followed by two hex digits. */
gssize sip_unescape(sip_slice s, char *out);

/* Helpers for ASCII letters (no locale). */
static inline char
sip_ascii_lower(char c)
{
  return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}
