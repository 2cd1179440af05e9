/* SDP for rtc2sip: a sans-IO parser, writer and offer/answer helpers.
 *
 * RFC 8866 (SDP), RFC 3264 (offer/answer), RFC 8829 (JSEP, where it matters
 * to a gateway), RFC 8839 (ICE attributes), RFC 8122 (fingerprint), RFC 8842
 * (setup for DTLS), RFC 8843 (BUNDLE) and RFC 5888 (grouping, mid), RFC 5761
 * (rtcp-mux), RFC 8840/8838 (trickle, end-of-candidates), RFC 8866 §6.6 and
 * §6.15 (rtpmap, fmtp), RFC 4585 (rtcp-fb), RFC 8285 (extmap), RFC 5576
 * (ssrc, ssrc-group), RFC 8830 (msid), RFC 3605 (rtcp).
 *
 * Ownership: an sdp_session owns everything it points to (strings, arrays,
 * media, candidates) and sdp_session_free() releases all of it. Parsing makes
 * a new session the caller owns. Strings are NUL-terminated copies.
 *
 * Parsing policy, strict where it matters and lenient where real peers differ:
 *  - strict: v=0 first, then o= with six fields; exactly one s= and at least
 *    one t= (unless SDP_PARSE_ALLOW_MISSING_S_T); m= with a known-shaped proto,
 *    port 0-65535, at least one format, and RTP formats 0-127; line types
 *    other than v o s i u e p c b t r z k a m are refused (RFC 8866 §5: a
 *    parser must not guess at unknown types); a second c= in one section, NUL
 *    bytes, a malformed value of an attribute we model (rtpmap, fmtp, rtcp-fb,
 *    extmap, ssrc, ssrc-group, fingerprint, setup, rtcp, group, mid, msid).
 *  - lenient: LF-only line ends, trailing white space on a line, an empty
 *    last line, attribute names in any case, unknown attributes (kept, in
 *    order), a candidate attribute we cannot parse (kept as an unknown
 *    attribute, so one odd candidate does not cost the call), session-level
 *    lines in any order after o=, an a=fmtp with no parameters (empty).
 *  - SDP_PARSE_ALLOW_MISSING_S_T: some SIP equipment omits s= or t=; with the
 *    flag a missing s= reads as "s=-" and a missing t= as "t=0 0". The browser
 *    leg parses without it; the SIP leg may set it.
 *
 * Writing emits CRLF lines in a fixed order (the RFC 8866 line order, then
 * per section the attributes we model in a fixed order, then the others in
 * the order they came). parse(write(s)) equals s in every field. */
#pragma once
#include <glib.h>

#include "certs/fingerprint.h"
#include "signalling/sdp/sdp_candidate.h"

typedef enum {
  SDP_MEDIA_AUDIO,
  SDP_MEDIA_VIDEO,
  SDP_MEDIA_APPLICATION,
  SDP_MEDIA_OTHER, /* text, message, image, …: see sdp_media.media */
} sdp_media_type;

typedef enum {
  SDP_DIRECTION_NONE, /* no direction attribute (means sendrecv, RFC 3264 §5.1) */
  SDP_DIRECTION_SENDRECV,
  SDP_DIRECTION_SENDONLY,
  SDP_DIRECTION_RECVONLY,
  SDP_DIRECTION_INACTIVE,
} sdp_direction;

typedef enum {
  SDP_SETUP_NONE, /* no a=setup */
  SDP_SETUP_ACTPASS,
  SDP_SETUP_ACTIVE,
  SDP_SETUP_PASSIVE,
  SDP_SETUP_HOLDCONN,
} sdp_setup;

/* An attribute kept as it came: "a=NAME" (VALUE NULL) or "a=NAME:VALUE". */
typedef struct {
  char *name;
  char *value;
} sdp_attr;

/* A line of a type we keep but do not model (i u e p r z k), by type letter. */
typedef struct {
  char type;
  char *value;
} sdp_line;

/* c=NETTYPE ADDRTYPE ADDRESS (ADDRESS may carry "/ttl/count" for multicast).
 * All NULL when there is no c= line. */
typedef struct {
  char *nettype;
  char *addrtype;
  char *address;
} sdp_connection;

/* b=TYPE:VALUE */
typedef struct {
  char *type;
  guint64 value;
} sdp_bandwidth;

/* a=rtpmap:PT ENCODING/CLOCK[/CHANNELS]; channels 0 when not written. */
typedef struct {
  guint pt;
  char *encoding;
  guint clock_rate;
  guint channels;
} sdp_rtpmap;

/* a=fmtp:PT PARAMS (params kept raw). */
typedef struct {
  guint pt;
  char *params;
} sdp_fmtp;

/* a=rtcp-fb:PT TYPE [PARAMS]; pt -1 for "*". */
typedef struct {
  gint pt;
  char *type;
  char *params; /* NULL when absent */
} sdp_rtcp_fb;

/* a=extmap:ID[/DIRECTION] URI [ATTRIBUTES] */
typedef struct {
  guint id;
  sdp_direction direction; /* NONE when not written */
  char *uri;
  char *attributes; /* NULL when absent */
} sdp_extmap;

/* a=ssrc:SSRC ATTRIBUTE[:VALUE] */
typedef struct {
  guint32 ssrc;
  char *attribute;
  char *value; /* NULL when absent */
} sdp_ssrc;

/* a=ssrc-group:SEMANTICS SSRC… */
typedef struct {
  char *semantics;
  GArray *ssrcs; /* of guint32 */
} sdp_ssrc_group;

/* a=msid:STREAM [TRACK] */
typedef struct {
  char *stream;
  char *track; /* NULL when absent */
} sdp_msid;

/* a=group:SEMANTICS MID… (BUNDLE, LS, FID, …) */
typedef struct {
  char *semantics;
  GPtrArray *mids; /* of char* */
} sdp_group;

typedef struct {
  sdp_media_type type;
  char *media; /* the m= media word as written ("audio") */
  guint port;
  guint port_count; /* 0 when not written ("m=audio 49170/2 …" gives 2) */
  char *proto;      /* "UDP/TLS/RTP/SAVPF", "RTP/AVP", … */
  GPtrArray *formats; /* of char*; RTP payload types for RTP protos */

  GArray *lines;    /* of sdp_line: i= and k= of this section */
  sdp_connection connection;
  GArray *bandwidths; /* of sdp_bandwidth */

  char *mid; /* NULL when absent */
  sdp_direction direction;
  char *ice_ufrag, *ice_pwd, *ice_options; /* NULL when absent */
  GArray *fingerprints; /* of fingerprint */
  sdp_setup setup;
  gboolean rtcp_mux, rtcp_mux_only, rtcp_rsize, bundle_only;
  /* a=rtcp:PORT [NETTYPE ADDRTYPE ADDRESS] (RFC 3605) */
  gboolean has_rtcp;
  guint rtcp_port;
  sdp_connection rtcp_connection;
  GArray *rtpmaps;      /* of sdp_rtpmap */
  GArray *fmtps;        /* of sdp_fmtp */
  GArray *rtcp_fbs;     /* of sdp_rtcp_fb */
  GArray *extmaps;      /* of sdp_extmap */
  GArray *ssrcs;        /* of sdp_ssrc */
  GArray *ssrc_groups;  /* of sdp_ssrc_group */
  GArray *msids;        /* of sdp_msid */
  GPtrArray *candidates; /* of sdp_candidate* */
  gboolean end_of_candidates;
  GPtrArray *crypto;    /* of char*: the raw values of a=crypto (RFC 4568) */
  GArray *attributes;   /* of sdp_attr: every other attribute, in order */
} sdp_media;

typedef struct {
  guint version; /* always 0 */
  char *origin_username;
  char *origin_sess_id;      /* digits, kept as text: some exceed 64 bits */
  char *origin_sess_version; /* digits */
  char *origin_nettype, *origin_addrtype, *origin_address;
  char *name; /* s= (empty when written as "s= ") */
  GArray *lines; /* of sdp_line: i u e p r z k, in order */
  sdp_connection connection;
  GArray *bandwidths; /* of sdp_bandwidth */
  guint64 time_start, time_stop; /* the first t= line */
  GPtrArray *extra_times;        /* of char*: further t= values, raw */

  GArray *groups; /* of sdp_group */
  char *msid_semantic; /* value of a=msid-semantic, e.g. "WMS *"; NULL when absent */
  char *ice_ufrag, *ice_pwd, *ice_options;
  gboolean ice_lite;
  GArray *fingerprints; /* of fingerprint */
  sdp_setup setup;
  sdp_direction direction; /* session-level default (Firefox writes one) */
  GArray *attributes;   /* of sdp_attr: every other attribute, in order */

  GPtrArray *media; /* of sdp_media* */
} sdp_session;

/* Parse flags. */
#define SDP_PARSE_ALLOW_MISSING_S_T (1u << 0)

/* Longest SDP we accept, in bytes. */
#define SDP_MAX_LENGTH (256 * 1024)

/* An empty session (v=0, no origin, no media). Caller frees. */
sdp_session *sdp_session_new(void);
void sdp_session_free(sdp_session *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sdp_session, sdp_session_free)
/* A new empty media section of TYPE ("audio" etc. from the type; OTHER gets
 * "text"), owned by the caller until added to a session. */
sdp_media *sdp_media_new(sdp_media_type type);
void sdp_media_free(sdp_media *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sdp_media, sdp_media_free)

/* Parses LEN bytes of SDP text (not NUL-terminated). On success *OUT is a
 * new session the caller owns. Returns 0, or a negative errno with *REASON a
 * static sentence: -EINVAL bad syntax, -EPROTO a required line missing or out
 * of place, -ERANGE a number out of range, -E2BIG longer than
 * SDP_MAX_LENGTH. */
int sdp_session_parse(const char *text, gsize len, guint flags, sdp_session **out,
                      const char **reason);

/* The session as SDP text with CRLF line ends. Caller frees. */
char *sdp_session_write(const sdp_session *s);

/* Do A and B hold the same values in every field? */
gboolean sdp_session_equal(const sdp_session *a, const sdp_session *b);

/* Names as SDP writes them ("sendrecv", "actpass", "audio"). Static. */
const char *sdp_direction_name(sdp_direction d);
const char *sdp_setup_name(sdp_setup setup);
const char *sdp_media_type_name(sdp_media_type type);

/* --- Lookups on a parsed session (borrowed results; valid while S lives) --- */

/* The direction in force for M: its own, else the session's, else sendrecv. */
sdp_direction sdp_media_direction(const sdp_session *s, const sdp_media *m);
/* The fingerprints for M: media-level if any, else session-level (may be
 * empty, never NULL). */
const GArray *sdp_media_fingerprints(const sdp_session *s, const sdp_media *m);
/* The setup role for M: media-level, else session-level, else NONE. */
sdp_setup sdp_media_setup(const sdp_session *s, const sdp_media *m);
/* ICE credentials for M, media-level else session-level. Returns TRUE when
 * both are present. */
gboolean sdp_media_ice_credentials(const sdp_session *s, const sdp_media *m, const char **ufrag,
                                   const char **pwd);
/* Does M (or the session) carry a=ice-options with OPTION (e.g. "trickle")? */
gboolean sdp_media_has_ice_option(const sdp_session *s, const sdp_media *m, const char *option);
/* The rtpmap / fmtp of payload type PT in M, or NULL. */
const sdp_rtpmap *sdp_media_rtpmap(const sdp_media *m, guint pt);
const char *sdp_media_fmtp(const sdp_media *m, guint pt);
/* The group with SEMANTICS ("BUNDLE"), or NULL. */
const sdp_group *sdp_session_group(const sdp_session *s, const char *semantics);
/* Is M rejected (port 0 and not bundle-only)? */
gboolean sdp_media_is_rejected(const sdp_media *m);
/* Is PROTO an RTP profile (RTP/AVP, RTP/SAVP, RTP/AVPF, RTP/SAVPF, and the
 * UDP/TLS/ and TCP/TLS/ forms)? */
gboolean sdp_proto_is_rtp(const char *proto);
