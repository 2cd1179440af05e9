/* Browser authentication tokens, TURN-REST style (docs/auth.md).
 *
 * The website's backend mints a token without talking to the gateway:
 *
 *   EXPIRY ":" USER ":" SIG
 *
 * EXPIRY is the Unix time (decimal seconds, 1-12 digits, no sign, no
 * leading zero) after which the token is refused; USER is a SIP user part
 * (RFC 3261 `user`, without ':', '@', spaces or control characters, even
 * escaped; 1-64 characters) that becomes the From identity of the page's
 * calls; SIG is the unpadded base64url (RFC 4648 §5) of
 * HMAC-SHA256(secret, "EXPIRY:USER"), always 43 characters.
 *
 * Sans-IO: the caller passes the wall-clock time in. Nothing here logs
 * the secret or the token.
 *
 * Ownership: every pointer argument is borrowed for the call; a user
 * returned through user_out and a minted token belong to the caller
 * (g_free). Reasons are static strings. */
#pragma once
#include <glib.h>

#define BROWSER_TOKEN_MAX_BYTES 512
#define BROWSER_TOKEN_MAX_USER 64
#define BROWSER_TOKEN_MAX_EXPIRY_DIGITS 12
#define BROWSER_TOKEN_SIG_CHARS 43 /* base64url of 32 bytes, unpadded */
#define BROWSER_TOKEN_DEFAULT_LEEWAY_S 30

/* Checks TOKEN (LEN bytes, need not be NUL-terminated) against SECRET at
 * wall-clock time NOW_UNIX (seconds), accepting it up to LEEWAY_S seconds
 * after its expiry (clock skew between the website and the gateway; a
 * negative leeway counts as 0). The signature is compared in constant
 * time, and checked before the expiry, so "expired" is only said of a
 * genuine token.
 *
 * Returns 0 and, when USER_OUT is not NULL, the token's user (caller
 * frees); or a negative errno-style code with a static sentence in REASON
 * (when not NULL) and *USER_OUT untouched:
 *   -EINVAL      "malformed: …" (length, structure, characters)
 *   -EACCES      "bad signature"
 *   -EKEYEXPIRED "expired"
 *   -ENOKEY      the gateway has no secret (SECRET_LEN 0) */
int browser_token_verify(const char *token, gsize len, const guint8 *secret, gsize secret_len,
                         gint64 now_unix, gint64 leeway_s, char **user_out, const char **reason);

/* A token for USER expiring at EXPIRY (Unix seconds), signed with SECRET;
 * for tests and documentation (websites mint their own). Returns NULL
 * when USER is not a valid token user, EXPIRY is negative or has more than
 * 12 digits, or SECRET_LEN is 0. Caller frees. */
char *browser_token_mint(const guint8 *secret, gsize secret_len, gint64 expiry, const char *user);

/* Whether USER (LEN bytes) is acceptable as a token's user part (see
 * above); REASON (when not NULL) gets a static "malformed: …" sentence. */
gboolean browser_token_user_valid(const char *user, gsize len, const char **reason);
