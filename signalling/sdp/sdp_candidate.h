/* ICE candidates in SDP (RFC 8839 §5.1) and as browsers trickle them
 * (RFC 8840: "candidate:…" or "a=candidate:…" inside JSON).
 *
 * Ownership: an sdp_candidate owns all its strings; sdp_candidate_free()
 * releases them. Parsing allocates a new candidate the caller owns. */
#pragma once
#include <glib.h>

typedef enum {
  SDP_CANDIDATE_TRANSPORT_UDP,
  SDP_CANDIDATE_TRANSPORT_TCP,
} sdp_candidate_transport;

typedef enum {
  SDP_CANDIDATE_HOST,
  SDP_CANDIDATE_SRFLX,
  SDP_CANDIDATE_PRFLX,
  SDP_CANDIDATE_RELAY,
} sdp_candidate_type;

/* RFC 6544 tcptype; NONE for UDP candidates. */
typedef enum {
  SDP_CANDIDATE_TCPTYPE_NONE,
  SDP_CANDIDATE_TCPTYPE_ACTIVE,
  SDP_CANDIDATE_TCPTYPE_PASSIVE,
  SDP_CANDIDATE_TCPTYPE_SO,
} sdp_candidate_tcptype;

/* How the connection-address reads. */
typedef enum {
  SDP_CANDIDATE_ADDRESS_IPV4,
  SDP_CANDIDATE_ADDRESS_IPV6,
  SDP_CANDIDATE_ADDRESS_MDNS, /* a "….local" name (RFC 8839 §5.1, draft-ietf-mmusic-mdns-ice-candidates) */
  SDP_CANDIDATE_ADDRESS_FQDN, /* another host name */
} sdp_candidate_address_kind;

/* One extension pair we do not model ("name value"), kept in order. */
typedef struct {
  char *name;
  char *value;
} sdp_candidate_extension;

typedef struct {
  char *foundation;                  /* 1-32 ice-chars */
  guint component;                   /* 1-256 */
  sdp_candidate_transport transport;
  guint32 priority;
  char *address;                     /* as written (IPv6 without brackets) */
  sdp_candidate_address_kind address_kind;
  guint16 port;
  sdp_candidate_type type;
  char *raddr;                       /* NULL when absent */
  gint32 rport;                      /* -1 when absent */
  sdp_candidate_tcptype tcptype;
  gint64 generation;                 /* -1 when absent */
  char *ufrag;                       /* NULL when absent */
  gint64 network_id;                 /* -1 when absent */
  gint64 network_cost;               /* -1 when absent */
  GArray *extensions;                /* of sdp_candidate_extension, in order; never NULL */
} sdp_candidate;

/* A new empty candidate (component 1, UDP, host, every optional absent). */
sdp_candidate *sdp_candidate_new(void);
void sdp_candidate_free(sdp_candidate *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sdp_candidate, sdp_candidate_free)
/* Deep copy. Caller frees. */
sdp_candidate *sdp_candidate_copy(const sdp_candidate *c);

/* Parses the attribute value after "a=candidate:" (starting at the
 * foundation), LEN bytes, not NUL-terminated. Surrounding white space and a
 * trailing CRLF are allowed. On success *OUT is a new candidate the caller
 * owns. Returns 0, or a negative errno with *REASON a static sentence:
 * -EINVAL bad syntax, -ERANGE a number out of range, -ENOTSUP a transport
 * other than UDP or TCP. */
int sdp_candidate_parse_value(const char *text, gsize len, sdp_candidate **out,
                              const char **reason);
/* Parses a whole trickled candidate, "candidate:…" or "a=candidate:…"
 * (the forms browsers put into JSON). Same results as above, plus -ENODATA
 * for the end-of-candidates signal: an empty (or white space only) string,
 * "end-of-candidates" or "a=end-of-candidates". */
int sdp_candidate_parse(const char *text, gsize len, sdp_candidate **out, const char **reason);

/* The attribute value, without "candidate:" (what follows "a=candidate:").
 * Caller frees. */
char *sdp_candidate_write_value(const sdp_candidate *c);
/* "candidate:…", the form of RTCIceCandidate.candidate. Caller frees. */
char *sdp_candidate_write(const sdp_candidate *c);

/* Do the two candidates carry the same values in every field? */
gboolean sdp_candidate_equal(const sdp_candidate *a, const sdp_candidate *b);

/* RFC names: "host", "udp", "active". Static strings. */
const char *sdp_candidate_type_name(sdp_candidate_type type);
const char *sdp_candidate_transport_name(sdp_candidate_transport transport);
const char *sdp_candidate_tcptype_name(sdp_candidate_tcptype tcptype);
