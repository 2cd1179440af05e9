/* Offer/answer for the browser leg (RFC 3264, RFC 8829 JSEP where it
 * matters, RFC 8842 setup roles, RFC 8843 BUNDLE, RFC 8838 trickle). Pure
 * functions: no IO, no clock, no randomness (the caller supplies session
 * ids, SSRCs and credentials).
 *
 * Ownership: the params are borrowed for the call only; results are new
 * sessions the caller owns.
 *
 * What the answer keeps, and why:
 *  - audio: the offered payload types whose codec is in params->audio_codecs,
 *    in the offer's order, with the offer's payload type numbers; fmtp is
 *    the configured one when set (it states what the gateway wants to
 *    receive: no stereo Opus toward a mono bridge), else the offer's. No rtcp-fb: transport-cc needs the
 *    transport-wide-cc header extension and feedback the gateway does not
 *    generate, and nack on audio is not used by browsers. At least one voice
 *    codec (not telephone-event/CN/red) must match, else the m-line is
 *    rejected.
 *  - video (only with params->accept_video, for the echo test): VP8 and H264
 *    payload types with the offer's numbers and fmtp; rtx, red, ulpfec and
 *    the rest are dropped. rtcp-fb kept: nack, nack pli, ccm fir (the echoed
 *    sender answers them itself); goog-remb and transport-cc dropped (they
 *    need estimates the gateway does not make).
 *  - extmap: only urn:ietf:params:rtp-hdrext:sdes:mid, with the offer's id,
 *    when params->keep_mid_extension; otherwise none (the browser then
 *    demultiplexes by the SSRCs announced in the answer).
 *  - one audio and one video m-line at most; further ones, data channels
 *    (m=application), other media, other protos than UDP/TLS/RTP/SAVPF or
 *    UDP/TLS/RTP/SAVP, and m-lines the offer already rejected are answered
 *    with port 0.
 *  - every accepted m-line carries the gateway's ICE credentials,
 *    a=ice-options:trickle, its fingerprint, its setup role, the mirrored
 *    direction, rtcp-mux and (when offered) rtcp-rsize; candidates go on the
 *    first accepted m-line only (the gateway runs one transport per browser
 *    leg: with BUNDLE that is the tagged m-line; an offer without BUNDLE but
 *    with two accepted m-lines gets candidates on the first only).
 *  - msid and a=ssrc cname for the gateway's outgoing stream on m-lines it
 *    sends on (sendrecv or sendonly in the answer).
 *
 * Refusals (negative errno, static reason): no m-line at all, nothing
 * acceptable, an accepted m-line without rtcp-mux, without a fingerprint
 * (media- or session-level), without ICE credentials or with ones shorter
 * than RFC 8839 allows (ufrag 4, pwd 22 characters), or with setup:holdconn.
 */
#pragma once
#include <glib.h>

#include "certs/fingerprint.h"
#include "signalling/sdp/sdp.h"
#include "signalling/sdp/sdp_codec.h"

/* The gateway's side of the browser leg. */
typedef struct {
  const char *ice_ufrag, *ice_pwd; /* required */
  const fingerprint *fingerprint;  /* required: the gateway certificate's sha-256 */
  gboolean ice_lite;               /* write a=ice-lite (libnice runs full ICE: FALSE) */
  const GPtrArray *candidates;     /* of sdp_candidate*; NULL or empty: trickled later */
  gboolean end_of_candidates;      /* gathering is complete */
  const sdp_codec *audio_codecs;   /* NULL: sdp_codec_default_audio() */
  guint n_audio_codecs;
  gboolean accept_video;           /* echo test: accept VP8/H264 video */
  gboolean keep_mid_extension;     /* keep the sdes:mid RTP header extension */
  guint32 audio_ssrc, video_ssrc;  /* the gateway's outgoing SSRCs */
  const char *cname;               /* RTCP CNAME; NULL: no a=ssrc lines */
  const char *msid_stream;         /* NULL: no msid lines */
  const char *audio_track, *video_track;
  guint64 session_id, session_version; /* o= line */
  const char *origin_address;      /* NULL: 127.0.0.1 */
} sdp_browser_leg_params;

/* The gateway's answer to a browser's OFFER. On success *ANSWER is a new
 * session the caller owns. Returns 0, or a negative errno with *REASON a
 * static sentence: -EPROTO a required attribute is missing, -ENOTSUP nothing
 * we can accept, -EINVAL bad params. */
int sdp_answer_browser_offer(const sdp_session *offer, const sdp_browser_leg_params *params,
                             sdp_session **answer, const char **reason);

/* The gateway's offer to a browser (calls from SIP): one audio m-line, mid
 * "0", BUNDLE, UDP/TLS/RTP/SAVPF, rtcp-mux, rtcp-rsize, ice-options trickle,
 * setup:actpass (the browser then picks; the gateway is ICE controlling,
 * which SDP does not show unless one side is ice-lite), the audio codecs of
 * PARAMS with their pt and fmtp. Returns a new session the caller owns, or
 * NULL with *REASON set when PARAMS lack credentials, fingerprint or codecs. */
sdp_session *sdp_offer_to_browser(const sdp_browser_leg_params *params, const char **reason);

/* The setup role an answerer takes for OFFERED (RFC 8842 §5.3, RFC 4145 §4:
 * actpass → active, active → passive, passive → active, absent (means
 * active) → passive). HOLDCONN and unknown give NONE. */
sdp_setup sdp_answer_setup_role(sdp_setup offered);

/* Helpers shared by the answer and offer builders (internal). */
void sdp_negotiate_add_transport(sdp_media *m, const sdp_browser_leg_params *p, sdp_setup setup,
                                 gboolean with_candidates);
void sdp_negotiate_set_origin(sdp_session *s, const sdp_browser_leg_params *p);
void sdp_negotiate_add_stream(sdp_media *m, const sdp_browser_leg_params *p, guint32 ssrc,
                              const char *track);
