/* DTLS session resumption for DTLS-SRTP (private to gateway/media): the
 * resume-data format, the server's session cache and the work-around for
 * GnuTLS 3.7.9's use_srtp session data (see dtls_resume.c). Not for other
 * modules: the public API is in dtls_srtp.h. */
#pragma once
#include <gnutls/gnutls.h>

#include "gateway/media/dtls_srtp.h"

#define DTLS_RESUME_MAX_ID 32 /* TLS 1.2 session ids are at most 32 bytes */

/* Rewrites GnuTLS's packed session data (gnutls_session_get_data2 or a
 * db-store blob) so that GnuTLS 3.7.9 can unpack it: the use_srtp
 * extension's record is put in the order _gnutls_srtp_unpack reads, with
 * SELECTED (a gnutls_srtp_profile_t) as the selected profile. Returns the
 * fixed copy, or NULL when the blob's extension section cannot be found. */
GBytes *dtls_resume_fix_blob(const guint8 *blob, gsize len, unsigned int selected);

/* The opaque resume data handed to callers: "R2S1", u8 SRTP profile
 * (gnutls_srtp_profile_t), u8 id length, id, fixed GnuTLS blob, SHA-256 of
 * all that (against corrupted copies, not an attacker: the caller keeps the
 * data in its own memory). wrap()
 * builds it; unwrap() checks it and points into it. */
GBytes *dtls_resume_wrap(unsigned int profile, const guint8 *id, gsize id_len, GBytes *blob);
gboolean dtls_resume_unwrap(GBytes *data, unsigned int *profile, const guint8 **id, gsize *id_len,
                            const guint8 **blob, gsize *blob_len);
/* One of the two profiles we offer? */
gboolean dtls_resume_profile_ok(unsigned int profile);

/* Server: installs the cache's gnutls_db_* callbacks on the session. */
void dtls_resume_install_cache(dtls_srtp_session *s);
/* Lower-case hex of N bytes (g_free). */
char *dtls_resume_hex(const guint8 *d, gsize n);
/* The profile named by the use_srtp extension of a ServerHello, given the
 * bytes after its session id (cipher suite, compression, extensions), or 0
 * when there is none we offer. */
unsigned int dtls_resume_server_hello_profile(const guint8 *d, gsize n);
/* The session's SRTP profile once connected, also for a resumed session
 * (*FROM_RESUME: GnuTLS does not know it; export the keys with
 * dtls_resume_export_keys). FALSE when there is none. */
gboolean dtls_resume_session_profile(dtls_srtp_session *s, gnutls_srtp_profile_t *profile,
                                     gboolean *from_resume);
int dtls_resume_export_keys(dtls_srtp_session *s, guint8 *material, gsize size, gnutls_datum_t *ck,
                            gnutls_datum_t *cs, gnutls_datum_t *sk, gnutls_datum_t *ss);
/* The GnuTLS handshake hook: dtls_trace_hook plus the resumption lines and
 * the ServerHello's use_srtp of a resumed session. */
int dtls_resume_hook(gnutls_session_t tls, unsigned int htype, unsigned when, unsigned int incoming,
                     const gnutls_datum_t *msg);
