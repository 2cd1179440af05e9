/* The SIP message layer of rtc2sip (RFC 3261 §7, §20, §25): parse a request
 * or response into slices of the receive buffer, read typed fields, and
 * validate what a UA needs before it hands the message to a transaction.
 *
 * Sans-IO: no socket, no clock. The parser allocates nothing per header:
 * a sip_message holds one array of header slices pointing into the buffer it
 * was given, grown by doubling from SIP_MESSAGE_FIRST_HEADERS entries up to
 * the header limit (a few allocations per message, none once a reused
 * message has room). A message that is kept (a transaction's request) costs
 * what its headers need, not SIP_MESSAGE_MAX_HEADERS entries (10 KiB).
 *
 * Ownership: sip_message_parse borrows BUF, which must outlive every slice
 * read from the message; sip_message_parse_bytes takes a reference on the
 * GBytes instead, so a transaction layer can keep the message as long as it
 * likes. sip_message_clear / sip_message_free drop that reference.
 *
 * Comma-separated list headers (Via, Contact, Route, Record-Route, Allow,
 * Supported, Require, …; see sip_hdr_is_list) are split into one entry per
 * value, in order; commas inside quoted strings and <…> do not split. Other
 * headers (Authorization, WWW-Authenticate, Date, unknown ones) keep their
 * whole value. Values are trimmed of LWS but may still contain folded line
 * ends, which every helper of this layer reads as white space.
 *
 * Usage (a UDP datagram that reached a transaction layer):
 *
 *   g_auto(sip_message) msg = SIP_MESSAGE_INIT;  // or g_autoptr + _new()
 *   sip_error err;
 *   sip_message_ids ids;
 *   if (sip_message_parse(&msg, data, len, SIP_FRAMING_DATAGRAM, NULL, &err) < 0 ||
 *       sip_message_validate(&msg, supported_tags, &err) < 0) {
 *     if (err.status)           // requests only; a bad response is dropped
 *       answer_statelessly(err.status, err.reason);
 *     return;
 *   }
 *   sip_message_get_ids(&msg, &ids, NULL);     // cannot fail after validate
 *   // ids.top_via.branch, ids.top_via.sent_by, ids.method, ids.cseq,
 *   // ids.call_id, ids.from_tag, ids.to_tag: the transaction and dialog keys
 *   g_autoptr(GString) out = g_string_new(NULL);
 *   sip_write_response_to(out, &msg, 200, NULL, "a1b2c3");  // sip_writer.h
 *   sip_write_finish(out, NULL, NULL, 0);
 */
#pragma once
#include "signalling/sip/sip_header.h"

/* Largest header array of a message; limits.max_headers is at most this. */
#define SIP_MESSAGE_MAX_HEADERS 256
/* Entries of a message's first header array (enough for most INVITEs). */
#define SIP_MESSAGE_FIRST_HEADERS 16

/* Default limits (see docs/sip.md). */
#define SIP_DEFAULT_MAX_MESSAGE (64 * 1024)
#define SIP_DEFAULT_MAX_HEADERS 128
#define SIP_DEFAULT_MAX_LINE (8 * 1024)

typedef struct {
  gsize max_message;  /* whole message, start line to end of body */
  guint max_headers;  /* header values (list elements count one each) */
  gsize max_line;     /* start line, and each header field with its folded lines */
} sip_limits;

#define SIP_LIMITS_DEFAULT \
  ((sip_limits){ SIP_DEFAULT_MAX_MESSAGE, SIP_DEFAULT_MAX_HEADERS, SIP_DEFAULT_MAX_LINE })

/* How the message arrived: a datagram may omit Content-Length (the body is
 * the rest of the datagram) and may carry trailing octets after the body,
 * which are ignored; a message from a stream must have Content-Length. */
typedef enum {
  SIP_FRAMING_DATAGRAM,
  SIP_FRAMING_STREAM,
} sip_framing;

typedef struct {
  sip_hdr_id id;
  sip_slice name;    /* as written ("v", "VIA", "X-Foo") */
  sip_slice value;   /* one value of a list header, trimmed */
} sip_header;

typedef struct {
  GBytes *bytes;        /* owned reference, or NULL when BUF is borrowed */
  const char *buf;      /* the buffer parsed */
  gsize buf_len;
  gsize len;            /* octets of this message; any rest of BUF is ignored */

  gboolean is_request;
  /* Request-Line */
  sip_slice method;
  sip_method method_id;
  sip_slice request_uri;
  /* Status-Line */
  guint status;
  sip_slice reason;     /* may be empty */
  sip_slice version;    /* "SIP/2.0" as written */

  gboolean has_content_length;
  gsize content_length;
  sip_slice body;

  guint n_headers;
  guint headers_cap;    /* entries allocated in headers */
  sip_header *headers;  /* owned; freed by sip_message_clear */
} sip_message;

#define SIP_MESSAGE_INIT { 0 }

/* A zeroed message on the heap. Free with sip_message_free. */
sip_message *sip_message_new(void);
void sip_message_free(sip_message *msg);
/* Drops the GBytes reference and the header array and forgets the parse;
 * MSG can be reused. */
void sip_message_clear(sip_message *msg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sip_message, sip_message_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(sip_message, sip_message_clear)

/* Parses the message at the start of BUF (LEN octets; leading CRLFs are
 * skipped, RFC 3261 §7.5). LIMITS may be NULL for SIP_LIMITS_DEFAULT.
 * Checks the start line, the header syntax, the limits and the framing
 * (Content-Length); the fields are read and checked by the accessors and by
 * sip_message_validate. Returns 0 or a negative errno with *ERR filled:
 *   -EBADMSG           400  malformed start line, header line, Content-Length…
 *   -EPROTONOSUPPORT   505  SIP version other than 2.0
 *   -E2BIG             400  more header values than limits->max_headers
 *   -EMSGSIZE          400  a line longer than limits->max_line
 *   -EMSGSIZE          413  Content-Length above limits->max_message
 *   -EMSGSIZE          513  the message larger than limits->max_message
 * For a response, err->status is 0: a malformed response is dropped. */
int sip_message_parse(sip_message *msg, const char *buf, gsize len, sip_framing framing,
                      const sip_limits *limits, sip_error *err);
/* The same, keeping a reference on BYTES. */
int sip_message_parse_bytes(sip_message *msg, GBytes *bytes, sip_framing framing,
                            const sip_limits *limits, sip_error *err);

/* Header lookup. ID must not be SIP_HDR_OTHER for the _id calls. */
const sip_header *sip_message_header(const sip_message *msg, sip_hdr_id id);
/* The next header of PREV's kind (same id; same name for unknown ones). */
const sip_header *sip_message_header_next(const sip_message *msg, const sip_header *prev);
/* First header named NAME (any case; long or compact form). */
const sip_header *sip_message_header_by_name(const sip_message *msg, const char *name);
guint sip_message_header_count(const sip_message *msg, sip_hdr_id id);
/* The INDEX-th value of header ID (0 is the first), or NULL. */
const sip_header *sip_message_header_at(const sip_message *msg, sip_hdr_id id, guint index);

/* Typed accessors. Each returns 0, -ENOENT when the header is absent, or
 * -EBADMSG / -ERANGE with *ERR (may be NULL) filled for a bad value. */
int sip_message_request_uri_parse(const sip_message *msg, sip_uri *out, sip_error *err);
int sip_message_via(const sip_message *msg, guint index, sip_via *out, sip_error *err);
int sip_message_from(const sip_message *msg, sip_name_addr *out, sip_error *err);
int sip_message_to(const sip_message *msg, sip_name_addr *out, sip_error *err);
/* The INDEX-th value of Contact, Route, Record-Route… as a name-addr. */
int sip_message_name_addr(const sip_message *msg, sip_hdr_id id, guint index,
                          sip_name_addr *out, sip_error *err);
int sip_message_call_id(const sip_message *msg, sip_slice *out, sip_error *err);
int sip_message_cseq(const sip_message *msg, sip_cseq *out, sip_error *err);
int sip_message_max_forwards(const sip_message *msg, guint *out, sip_error *err);
/* Expires header, clamped to 2**32-1 (RFC 3261 §20.19). */
int sip_message_expires(const sip_message *msg, guint32 *out, sip_error *err);
/* Content-Type value (media type and parameters), trimmed. */
int sip_message_content_type(const sip_message *msg, sip_slice *out, sip_error *err);
/* Does any value of ID (Require, Supported, Proxy-Require, Allow,
 * Unsupported) equal TAG? Option tags compare case-insensitively, methods
 * (Allow) case-sensitively. */
gboolean sip_message_has_token(const sip_message *msg, sip_hdr_id id, const char *tag);

/* What transactions and dialogs match on (RFC 3261 §17.1.3, §17.2.3, §12). */
typedef struct {
  sip_via top_via;
  sip_method method;      /* request method; for a response, the CSeq method */
  sip_slice method_text;
  sip_cseq cseq;
  sip_slice call_id;
  sip_slice from_tag;     /* empty when absent (RFC 2543 peers) */
  sip_slice to_tag;       /* empty when absent */
} sip_message_ids;

int sip_message_get_ids(const sip_message *msg, sip_message_ids *out, sip_error *err);

/* The checks a UA makes before processing (RFC 3261 §8.2, §16.3, §20):
 * Request-URI scheme (sip, sips, tel; else 416) and no headers in it (400);
 * To, From, Call-ID, CSeq, Via present (400) and not repeated (400); CSeq
 * number within 32 bits and its method equal to the request's (400); every
 * Via, From, To, Contact, Route and Record-Route value well-formed (400);
 * Max-Forwards 0-255 if present (400); a top Via branch that is not the
 * bare magic cookie (400); every Require option tag in SUPPORTED (a
 * NULL-terminated list, may be NULL) except on ACK and CANCEL (420; see
 * sip_message_unsupported). Max-Forwards 0 is not an error for a UA.
 * Returns 0 or a negative errno with *ERR filled (status 0 for responses). */
int sip_message_validate(const sip_message *msg, const char *const *supported, sip_error *err);

/* Appends to OUT the Require option tags not in SUPPORTED, comma-separated,
 * for the Unsupported header of a 420. Returns how many. */
guint sip_message_unsupported(const sip_message *msg, const char *const *supported, GString *out);

/* Reads Content-Length from a complete header section HDR (HDR_LEN octets,
 * start line through the empty line), as the stream framer needs before the
 * body arrives. Returns 0 with *OUT set, -ENOENT when absent, -EBADMSG for
 * a bad or conflicting value. */
int sip_message_scan_content_length(const char *hdr, gsize hdr_len, guint64 *out);
