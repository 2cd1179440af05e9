/* Building SIP messages into a GString (RFC 3261 §7, §8.2.6).
 *
 * A message is written start line first, then one call per header, then
 * sip_write_finish, which adds Content-Type (when given), Content-Length,
 * the empty line and the body. Values are written on one line: CR and LF
 * in a value (folded values copied from a received message, or a careless
 * caller) become a single space, so no value can inject a header.
 *
 *   g_autoptr(GString) out = g_string_new(NULL);
 *   sip_write_request_line(out, "OPTIONS", "sip:bob@example.com");
 *   sip_write_header(out, "Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKx;rport");
 *   …
 *   sip_write_finish(out, "application/sdp", sdp, sdp_len);
 */
#pragma once
#include "signalling/sip/sip_message.h"

/* Standard reason phrase of STATUS (RFC 3261 §21 and extensions), or
 * a generic one per class. Static string. */
const char *sip_reason_phrase(guint status);

/* "METHOD SP Request-URI SP SIP/2.0 CRLF" */
void sip_write_request_line(GString *out, const char *method, const char *request_uri);
/* "SIP/2.0 SP code SP reason CRLF"; REASON NULL for the standard phrase. */
void sip_write_status_line(GString *out, guint status, const char *reason);

/* "Name: value CRLF". */
void sip_write_header(GString *out, const char *name, const char *value);
void sip_write_header_slice(GString *out, const char *name, sip_slice value);
void sip_write_header_printf(GString *out, const char *name, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/* Content-Type (when CONTENT_TYPE is not NULL and LEN > 0), Content-Length
 * computed from LEN, the empty line, then the LEN octets of BODY. */
void sip_write_finish(GString *out, const char *content_type, const void *body, gsize len);

/* Starts a response to the request REQ (RFC 3261 §8.2.6): the Status-Line,
 * every Via in order, From, To (with ";tag=TO_TAG" appended when TO_TAG is
 * not NULL and the request's To has no tag), Call-ID, CSeq, and Timestamp
 * for a 100. Works on a request that failed validation (it copies what is
 * there), so that a 400 can be answered. The caller adds headers and calls
 * sip_write_finish. Returns 0, or -EINVAL when REQ is not a request. */
int sip_write_response_to(GString *out, const sip_message *req, guint status, const char *reason,
                          const char *to_tag);
/* The same, for a request that arrived from SOURCE_HOST:SOURCE_PORT: the top
 * Via gets received=SOURCE_HOST when that is not its sent-by host, and both
 * received= and rport=SOURCE_PORT when it asked for rport (RFC 3261
 * §18.2.1, RFC 3581 §4). SOURCE_HOST NULL: copied as is. */
int sip_write_response_from(GString *out, const sip_message *req, guint status, const char *reason,
                            const char *to_tag, const char *source_host, guint16 source_port);
