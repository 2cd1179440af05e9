/* Helpers shared by the SDP parser, writer and candidate code. Not for use
 * outside signalling/sdp/. */
#pragma once
#include <glib.h>

/* A read position in a byte range that is not NUL-terminated. */
typedef struct {
  const char *p;
  const char *end;
} sdp_cursor;

static inline gboolean
sdp_is_space(char c)
{
  return c == ' ' || c == '\t';
}

/* Next token separated by spaces or tabs. FALSE at the end. */
gboolean sdp_cursor_token(sdp_cursor *c, const char **tok, gsize *len);
/* Skips spaces and tabs; TRUE if anything is left. */
gboolean sdp_cursor_more(sdp_cursor *c);
/* Decimal digits only (no sign, not empty, at most 20 digits), at most MAX. */
gboolean sdp_parse_uint(const char *s, gsize len, guint64 max, guint64 *out);
/* Bytes from the SDP's "text"/"byte-string" rules: no NUL, CR or LF. */
gboolean sdp_is_text(const char *s, gsize len);
/* A "token" of RFC 8866 §9 (printable ASCII minus separators). */
gboolean sdp_is_token(const char *s, gsize len);
/* Case-insensitive comparison of a (S,LEN) range with the NUL-terminated WORD. */
gboolean sdp_range_equal(const char *s, gsize len, const char *word);
