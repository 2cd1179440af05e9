/* SIP header fields: names (long and compact forms, RFC 3261 §7.3.3 and
 * the IANA registry), which ones are comma-separated lists, and the typed
 * parsers of single values: Via hops, name-addr / addr-spec (From, To,
 * Contact, Route, Record-Route), CSeq, option-tag lists.
 *
 * Every parser here reads one header value (one element of a list, as the
 * message parser split it) and fills a struct of slices pointing into that
 * value; nothing is allocated. */
#pragma once
#include "signalling/sip/sip_uri.h"

typedef enum {
  SIP_HDR_OTHER = 0,          /* unknown: kept, name as written */
  SIP_HDR_ACCEPT,
  SIP_HDR_ACCEPT_CONTACT,     /* a */
  SIP_HDR_ACCEPT_ENCODING,
  SIP_HDR_ACCEPT_LANGUAGE,
  SIP_HDR_ALERT_INFO,
  SIP_HDR_ALLOW,
  SIP_HDR_ALLOW_EVENTS,       /* u */
  SIP_HDR_AUTHENTICATION_INFO,
  SIP_HDR_AUTHORIZATION,
  SIP_HDR_CALL_ID,            /* i */
  SIP_HDR_CALL_INFO,
  SIP_HDR_CONTACT,            /* m */
  SIP_HDR_CONTENT_DISPOSITION,
  SIP_HDR_CONTENT_ENCODING,   /* e */
  SIP_HDR_CONTENT_LANGUAGE,
  SIP_HDR_CONTENT_LENGTH,     /* l */
  SIP_HDR_CONTENT_TYPE,       /* c */
  SIP_HDR_CSEQ,
  SIP_HDR_DATE,
  SIP_HDR_ERROR_INFO,
  SIP_HDR_EVENT,              /* o */
  SIP_HDR_EXPIRES,
  SIP_HDR_FROM,               /* f */
  SIP_HDR_IDENTITY,           /* y */
  SIP_HDR_IN_REPLY_TO,
  SIP_HDR_MAX_FORWARDS,
  SIP_HDR_MIME_VERSION,
  SIP_HDR_MIN_EXPIRES,
  SIP_HDR_MIN_SE,
  SIP_HDR_ORGANIZATION,
  SIP_HDR_PATH,
  SIP_HDR_PRIORITY,
  SIP_HDR_PROXY_AUTHENTICATE,
  SIP_HDR_PROXY_AUTHORIZATION,
  SIP_HDR_PROXY_REQUIRE,
  SIP_HDR_RACK,
  SIP_HDR_REASON,
  SIP_HDR_RECORD_ROUTE,
  SIP_HDR_REFER_TO,           /* r */
  SIP_HDR_REFERRED_BY,        /* b */
  SIP_HDR_REJECT_CONTACT,     /* j */
  SIP_HDR_REPLY_TO,
  SIP_HDR_REQUEST_DISPOSITION, /* d */
  SIP_HDR_REQUIRE,
  SIP_HDR_RETRY_AFTER,
  SIP_HDR_ROUTE,
  SIP_HDR_RSEQ,
  SIP_HDR_SERVER,
  SIP_HDR_SESSION_EXPIRES,    /* x */
  SIP_HDR_SUBJECT,            /* s */
  SIP_HDR_SUBSCRIPTION_STATE,
  SIP_HDR_SUPPORTED,          /* k */
  SIP_HDR_TIMESTAMP,
  SIP_HDR_TO,                 /* t */
  SIP_HDR_UNSUPPORTED,
  SIP_HDR_USER_AGENT,
  SIP_HDR_VIA,                /* v */
  SIP_HDR_WARNING,
  SIP_HDR_WWW_AUTHENTICATE,
  SIP_HDR_COUNT
} sip_hdr_id;

/* Looks a header name up, long or compact form, in any case. */
sip_hdr_id sip_hdr_lookup(sip_slice name);
/* Canonical long name ("Call-ID"); NULL for SIP_HDR_OTHER. */
const char *sip_hdr_name(sip_hdr_id id);
/* Is the header's value a comma-separated list (RFC 3261 §7.3.1) that the
 * parser splits? FALSE for unknown headers and for those whose values
 * contain commas (Date, WWW-Authenticate, Authorization, …). */
gboolean sip_hdr_is_list(sip_hdr_id id);

/* Request methods (case-sensitive, RFC 3261 §7.1). */
typedef enum {
  SIP_METHOD_OTHER = 0,
  SIP_METHOD_INVITE,
  SIP_METHOD_ACK,
  SIP_METHOD_BYE,
  SIP_METHOD_CANCEL,
  SIP_METHOD_OPTIONS,
  SIP_METHOD_REGISTER,
  SIP_METHOD_PRACK,
  SIP_METHOD_SUBSCRIBE,
  SIP_METHOD_NOTIFY,
  SIP_METHOD_PUBLISH,
  SIP_METHOD_INFO,
  SIP_METHOD_REFER,
  SIP_METHOD_MESSAGE,
  SIP_METHOD_UPDATE,
} sip_method;

sip_method sip_method_lookup(sip_slice name);
/* "INVITE"…; NULL for SIP_METHOD_OTHER. */
const char *sip_method_name(sip_method m);

/* One Via hop (RFC 3261 §20.42, §18.2.1, RFC 3581). */
typedef struct {
  sip_slice protocol;     /* "SIP" */
  sip_slice version;      /* "2.0" */
  sip_slice transport;    /* "UDP", "TCP", "TLS", "SCTP", "WS", … */
  sip_slice host;         /* sent-by host; IPv6 without brackets */
  gboolean host_ipv6;
  guint16 port;           /* 0 without has_port */
  gboolean has_port;
  sip_slice sent_by;      /* "host[:port]" as written (IPv6 with brackets) */
  sip_slice params;       /* ";branch=…;rport" */
  sip_slice branch;
  gboolean has_branch;
  sip_slice received;
  gboolean has_received;
  sip_slice maddr;
  gboolean has_maddr;
  gboolean has_rport;
  gint32 rport;           /* -1: "rport" without value */
  gint32 ttl;             /* -1 without ttl */
} sip_via;

/* Parses one Via value. Returns 0 or -EBADMSG with *REASON. */
int sip_via_parse(sip_slice value, sip_via *out, const char **reason);

/* The RFC 3261 branch magic cookie. */
#define SIP_BRANCH_COOKIE "z9hG4bK"

/* A name-addr or addr-spec with header parameters (From, To, Contact,
 * Route, Record-Route, Reply-To, Refer-To, P-Asserted-Identity…). */
typedef struct {
  gboolean star;          /* Contact: * */
  sip_slice display;      /* as written: quoted (with quotes) or tokens */
  gboolean display_quoted;
  gboolean bracketed;     /* the URI was inside <> */
  sip_slice uri_text;
  sip_uri uri;
  sip_slice params;       /* header parameters ";tag=…;expires=…" */
  sip_slice tag;
  gboolean has_tag;
  gint64 expires;         /* Contact ;expires=, -1 when absent */
} sip_name_addr;

/* Parses one value of From, To, Contact… Returns 0 or -EBADMSG with
 * *REASON. An addr-spec (no <>) must not contain ',', ';' or '?' in its
 * URI: its ';' parameters are header parameters (RFC 3261 §20.10). */
int sip_name_addr_parse(sip_slice value, sip_name_addr *out, const char **reason);
/* Appends the display name, unquoted, to OUT. */
void sip_name_addr_display(const sip_name_addr *na, GString *out);

/* CSeq (RFC 3261 §20.16): a 32-bit number and a method. */
typedef struct {
  guint32 number;
  sip_slice method;
  sip_method method_id;
} sip_cseq;

/* Returns 0, -EBADMSG, or -ERANGE for a number above 2**32-1. */
int sip_cseq_parse(sip_slice value, sip_cseq *out, const char **reason);
