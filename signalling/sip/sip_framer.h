/* Message framing on stream transports (TCP, TLS; RFC 3261 §18.3): a
 * sans-IO framer fed arbitrary chunks of a byte stream, which yields whole
 * messages delimited by their Content-Length.
 *
 * - CRLFs between messages are keep-alives (RFC 5626 §3.5.1, §4.4.1): a
 *   double CRLF is a ping, which the transport answers with one CRLF (the
 *   pong); a single CRLF is a pong. They are counted, never delivered.
 *   A ping cut in the middle by the network counts as two pongs: the peer
 *   then misses one pong and retries.
 * - A message without Content-Length, with a bad or conflicting one, or
 *   larger than limits.max_message is a fatal error: the stream cannot be
 *   resynchronised, so the transport closes the connection (after a 400 /
 *   413 / 513 when it wants to).
 * - The framer never holds more than limits.max_message octets: a huge
 *   header is refused as soon as that much arrived without an empty line.
 *
 * Ownership: the framer copies what it is fed; each GBytes popped belongs
 * to the caller and holds exactly one message (parse it with
 * sip_message_parse_bytes and SIP_FRAMING_STREAM). */
#pragma once
#include "signalling/sip/sip_message.h"

typedef struct sip_stream_framer sip_stream_framer;

/* LIMITS may be NULL for SIP_LIMITS_DEFAULT. */
sip_stream_framer *sip_stream_framer_new(const sip_limits *limits);
void sip_stream_framer_free(sip_stream_framer *framer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sip_stream_framer, sip_stream_framer_free)

/* Feeds LEN octets of the stream. Returns 0, or a negative errno with *ERR
 * filled when the stream is broken; the framer then stays broken and
 * returns the same error. Messages completed before the error can still be
 * popped. */
int sip_stream_framer_feed(sip_stream_framer *framer, const void *data, gsize len, sip_error *err);

/* The next complete message, or NULL. Caller owns the GBytes. */
GBytes *sip_stream_framer_pop(sip_stream_framer *framer);

/* Keep-alive pings (CRLFCRLF) seen since the last call; answer each with a
 * CRLF pong. */
guint sip_stream_framer_take_pings(sip_stream_framer *framer);
/* Keep-alive pongs (CRLF) seen since the last call. */
guint sip_stream_framer_take_pongs(sip_stream_framer *framer);

/* Octets held for an incomplete message. */
gsize sip_stream_framer_buffered(const sip_stream_framer *framer);
