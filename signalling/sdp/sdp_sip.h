/* SDP on the SIP leg of the gateway: the offers and answers a SIP phone or
 * trunk sees (plain RTP/AVP, SDES RTP/SAVP, DTLS-SRTP UDP/TLS/RTP/SAVP, and
 * the best-effort RTP/AVP forms of both, RFC 8643 style). Pure functions: no
 * IO, no clock, no randomness; the caller supplies ports, keys, fingerprints
 * and session ids. No ICE on this leg; rtcp-mux only when both agree (RFC
 * 5761), else RTCP on RTP port + 1 or the a=rtcp port (RFC 3605).
 *
 * Key exchange (the priority rules of the reference page "Priority of SDES
 * and DTLS-SRTP"): a policy is an ordered list drawn from { sdes,
 * dtls-srtp, rtp }, default "sdes, dtls-srtp, rtp".
 *  - Outgoing offers carry every listed encrypted mechanism in the one
 *    m-line (a=crypto lines and a=fingerprint + a=setup:actpass). The proto
 *    is RTP/AVP when rtp is listed (best effort), else RTP/SAVP when sdes is
 *    listed, else UDP/TLS/RTP/SAVP. SDP cannot rank mechanisms inside one
 *    m-line, so the order of the list does not change the offer, only the
 *    set does; the answerer picks.
 *  - Incoming offers: the first mechanism of the policy that the offer
 *    supports is taken (by default SDES if offered, else DTLS-SRTP, else
 *    plain RTP). What an offer supports:
 *      sdes      an a=crypto line with a suite we support, proto RTP/SAVP,
 *                RTP/SAVPF, or RTP/AVP / RTP/AVPF (best effort);
 *      dtls-srtp an a=fingerprint (media or session level) with a known hash
 *                and a setup other than holdconn, proto UDP/TLS/RTP/SAVP(F),
 *                or RTP/AVP(F) / RTP/SAVP(F) carrying a fingerprint;
 *      rtp       proto RTP/AVP or RTP/AVPF (the offerer allows plain RTP).
 *  - Answers to our offers: a=crypto in the answer means SDES (its tag and
 *    suite must be one of ours); else a=fingerprint means DTLS-SRTP (setup
 *    active or passive, absent read as active per RFC 4145; actpass and
 *    holdconn refused); else plain RTP, accepted only when we offered
 *    RTP/AVP. The answer's proto must be ours, or the secure profile of what
 *    it chose (RTP/SAVP for SDES, UDP/TLS/RTP/SAVP for DTLS-SRTP) when we
 *    offered best-effort RTP/AVP.
 *
 * Hold (RFC 3264 §8.4 and the RFC 2543 form): a=sendonly, a=inactive or
 * c=IN IP4 0.0.0.0 on the audio m-line.
 *
 * Ownership: params are borrowed for the call; returned sessions and
 * GArrays are the caller's. Result structs hold strings borrowed from the
 * sessions they were read from (valid while those live) and one GArray each,
 * released by their _clear function. */
#pragma once
#include <glib.h>

#include "certs/fingerprint.h"
#include "signalling/sdp/sdp.h"
#include "signalling/sdp/sdp_codec.h"

typedef enum {
  SDP_SIP_KX_NONE, /* nothing chosen / refused */
  SDP_SIP_KX_SDES,
  SDP_SIP_KX_DTLS_SRTP,
  SDP_SIP_KX_RTP, /* unencrypted */
} sdp_sip_key_exchange;

#define SDP_SIP_KX_MAX 3

typedef struct {
  sdp_sip_key_exchange order[SDP_SIP_KX_MAX]; /* priority order, no repeats */
  guint n;                                    /* 1..3 */
  /* SDES suites we accept in incoming offers, NULL-terminated, in no
   * particular order (the offer's order decides); NULL: the default list
   * AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32. */
  const char *const *crypto_suites;
} sdp_sip_kx_policy;

/* "sdes", "dtls-srtp", "rtp" ("none" for NONE). Static. */
const char *sdp_sip_kx_name(sdp_sip_key_exchange kx);
/* The default policy: sdes, dtls-srtp, rtp. Static. */
const sdp_sip_kx_policy *sdp_sip_kx_policy_default(void);
/* Parses "sdes, dtls-srtp, rtp" (comma or space separated, any case;
 * "dtls" and "srtp-dtls" also name DTLS-SRTP). Returns 0, or -EINVAL with
 * *REASON for an unknown word, a repeat or an empty list. OUT->crypto_suites
 * is set to NULL. */
int sdp_sip_kx_policy_parse(const char *text, sdp_sip_kx_policy *out, const char **reason);
gboolean sdp_sip_kx_policy_has(const sdp_sip_kx_policy *p, sdp_sip_key_exchange kx);

/* Splits an a=crypto value "TAG SUITE KEY-PARAMS [SESSION-PARAMS]" (RFC 4568
 * §9.1). *SUITE points into VALUE, *SUITE_LEN its length. FALSE when the
 * shape is wrong (tag not 1-9 digits, no suite, no key params). */
gboolean sdp_sip_crypto_split(const char *value, guint *tag, const char **suite, gsize *suite_len);

/* ---------------------------------------------------------------------- */
/* 1. The gateway's SIP offer (browser → SIP calls, and re-INVITEs).      */

typedef struct {
  guint64 session_id, session_version;
  const char *origin_address;     /* NULL: connection_address */
  const char *connection_address; /* required; IPv6 when it holds a ':' */
  guint rtp_port;                 /* required, 1..65535 */
  guint rtcp_port;                /* 0: rtp_port + 1; a=rtcp written when not rtp_port + 1 */
  gboolean no_rtcp_mux;           /* default (FALSE): offer a=rtcp-mux */
  const sdp_codec *codecs;        /* required: pt, encoding, clock, channels, fmtp */
  guint n_codecs;
  guint ptime;                    /* 0: 20 */
  sdp_direction direction;        /* NONE: sendrecv; SENDONLY to hold; INACTIVE */
  const sdp_sip_kx_policy *policy; /* NULL: default */
  const char *const *crypto;      /* a=crypto values, formatted ("1 AES_CM_… inline:…") */
  guint n_crypto;                 /* required (>0) when the policy lists sdes */
  const fingerprint *fingerprint; /* required when the policy lists dtls-srtp */
} sdp_sip_offer_params;

/* A new offer the caller owns, or NULL with *REASON (static) for bad params. */
sdp_session *sdp_sip_offer(const sdp_sip_offer_params *p, const char **reason);

/* The SIP-able codecs: opus/48000/2, G722/8000, PCMU/8000, PCMA/8000,
 * telephone-event/48000, telephone-event/8000 (pt and fmtp unset). Sets *N. */
const sdp_codec *sdp_sip_default_codecs(guint *n);

/* The codecs of BROWSER_OFFER's first audio m-line that are in ALLOWED
 * (NULL: sdp_sip_default_codecs()), in the browser's order, keeping the
 * browser's payload type numbers (a static number that means another codec
 * to SIP is moved to a free dynamic one), with the browser's fmtp unless the
 * allowed entry sets one. telephone-event is kept only at the clock rate of
 * a kept voice codec. *OUT is a new GArray of sdp_codec whose strings borrow
 * from BROWSER_OFFER and ALLOWED. Returns 0, or -ENOTSUP (no voice codec in
 * common) / -EPROTO (no audio m-line) with *REASON. */
int sdp_sip_codecs_from_browser_offer(const sdp_session *browser_offer, const sdp_codec *allowed,
                                      guint n_allowed, GArray **out, const char **reason);

/* ---------------------------------------------------------------------- */
/* 2. The SIP answer to our offer.                                        */

typedef struct {
  gboolean accepted;           /* FALSE: the answer rejected the m-line (port 0) */
  const char *rtp_address;     /* borrowed from the answer */
  guint rtp_port;
  const char *rtcp_address;
  guint rtcp_port;             /* = rtp_port when rtcp-mux is agreed */
  gboolean ipv6;
  gboolean rtcp_mux;           /* both sides have a=rtcp-mux */
  sdp_direction direction;     /* the answer's, in force */
  gboolean hold;               /* the answerer holds: sendonly, inactive or 0.0.0.0 */
  sdp_sip_key_exchange kx;
  guint crypto_tag;            /* SDES: the tag */
  const char *crypto;          /* SDES: the answer's a=crypto value (theirs, to parse) */
  const char *offer_crypto;    /* SDES: our a=crypto value with that tag (borrowed from offer) */
  const GArray *fingerprints;  /* DTLS-SRTP: of fingerprint, the answer's */
  sdp_setup remote_setup;      /* DTLS-SRTP: the answer's (NONE read as ACTIVE) */
  sdp_setup local_setup;       /* DTLS-SRTP: ours, ACTIVE = DTLS client */
  GArray *codecs;              /* of sdp_negotiated_codec, the answer's order; owned */
  gint telephone_event_pt;     /* the answer's pt, -1 when none */
  gint local_telephone_event_pt; /* ours, -1 when none */
  guint ptime;                 /* the answer's a=ptime, 0 when absent */
  const char *proto;           /* the answer's */
} sdp_sip_answer_result;

void sdp_sip_answer_result_clear(sdp_sip_answer_result *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(sdp_sip_answer_result, sdp_sip_answer_result_clear)

/* Reads ANSWER to our OFFER (made by sdp_sip_offer). Returns 0 (accepted or
 * rejected: see RESULT->accepted), or a negative errno with *REASON: -EPROTO
 * no or wrong m-line, no address, a bad setup role; -ENOTSUP a codec, crypto
 * tag/suite, fingerprint or proto we did not offer, or plain RTP when we
 * required SRTP. RESULT is cleared first and must be cleared by the caller
 * either way. */
int sdp_sip_parse_answer(const sdp_session *offer, const sdp_session *answer,
                         sdp_sip_answer_result *result, const char **reason);

/* ---------------------------------------------------------------------- */
/* 3. Incoming SIP offers (SIP → browser calls, re-INVITEs from the phone). */

typedef struct {
  guint media_index;           /* the audio m-line we take */
  const char *proto;
  const char *rtp_address;     /* borrowed from the offer */
  guint rtp_port;
  const char *rtcp_address;
  guint rtcp_port;
  gboolean ipv6;
  gboolean rtcp_mux;           /* offered */
  sdp_direction direction;     /* offered, in force */
  gboolean hold;
  GArray *codecs;              /* of sdp_codec with known meaning, offer order; owned */
  gint telephone_event_pt;     /* first telephone-event, -1 when none */
  guint ptime;                 /* a=ptime, 0 when absent */
  gboolean offers_sdes, offers_dtls, offers_rtp; /* what the offer supports */
  sdp_sip_key_exchange kx;     /* the policy's choice */
  guint crypto_tag;            /* SDES: the offer's line we take */
  const char *crypto;          /* SDES: its value */
  const GArray *fingerprints;  /* DTLS: the offer's, of fingerprint */
  fingerprint_hash offer_hash; /* DTLS: hash of the offer's first fingerprint: use it for ours */
  sdp_setup offer_setup;       /* DTLS */
  sdp_setup local_setup;       /* DTLS: ours in the answer (RFC 5763) */
} sdp_sip_offer_info;

void sdp_sip_offer_info_clear(sdp_sip_offer_info *info);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(sdp_sip_offer_info, sdp_sip_offer_info_clear)

/* Reads OFFER and chooses the key exchange with POLICY (NULL: default).
 * Returns 0, or a negative errno with *REASON (a sentence fit for a 488
 * Warning): -EPROTO no usable audio m-line or no address; -ENOTSUP no key
 * exchange the policy allows (e.g. an unencrypted offer and a policy
 * without rtp). INFO is cleared first; the caller clears it either way. */
int sdp_sip_inspect_offer(const sdp_session *offer, const sdp_sip_kx_policy *policy,
                          sdp_sip_offer_info *info, const char **reason);

/* The browser-leg codec list (for sdp_browser_leg_params.audio_codecs) from
 * INFO's codecs that are in ALLOWED (NULL: sdp_sip_default_codecs()), in
 * the phone's order, keeping the phone's payload types except the ones a
 * browser leg with rtcp-mux cannot use (64-95, RFC 5761 §4) or static ones
 * meaning another codec, which move to a free dynamic number. Returns a new
 * GArray of sdp_codec (strings borrowed), possibly empty. */
GArray *sdp_sip_browser_codecs(const sdp_sip_offer_info *info, const sdp_codec *allowed,
                               guint n_allowed);

typedef struct {
  guint64 session_id, session_version;
  const char *origin_address;     /* NULL: connection_address */
  const char *connection_address; /* required */
  guint rtp_port;                 /* required */
  guint rtcp_port;                /* 0: rtp_port + 1 */
  gboolean rtcp_mux;              /* accept rtcp-mux when offered */
  const sdp_codec *codecs;        /* the final list the browser accepted */
  guint n_codecs;
  guint ptime;                    /* 0: no a=ptime */
  sdp_direction direction;        /* what we want (NONE: sendrecv), combined with the offer's */
  sdp_sip_key_exchange kx;        /* usually info.kx */
  const char *crypto;             /* SDES: our value, with the offer's tag and suite */
  const fingerprint *fingerprint; /* DTLS-SRTP: ours, ideally with info.offer_hash */
} sdp_sip_answer_params;

/* Our answer to OFFER: one accepted audio m-line (the one
 * sdp_sip_inspect_offer picks), the others rejected; the offer's proto
 * kept; codecs the intersection in the offer's order with the offer's
 * payload types. A new session the caller owns, or NULL with *REASON. */
sdp_session *sdp_sip_answer(const sdp_session *offer, const sdp_sip_answer_params *p,
                            const char **reason);

/* ---------------------------------------------------------------------- */
/* 4. Hold and re-INVITE changes.                                         */

/* Does S put us on hold (first usable audio m-line sendonly or inactive, or
 * c=IN IP4 0.0.0.0)? FALSE when there is no such m-line. */
gboolean sdp_sip_is_hold(const sdp_session *s);

#define SDP_SIP_CHANGED_ADDRESS (1u << 0)   /* c=, port, RTCP port/address, rtcp-mux */
#define SDP_SIP_CHANGED_CODECS (1u << 1)    /* formats, rtpmap, fmtp */
#define SDP_SIP_CHANGED_KEYS (1u << 2)      /* crypto lines, fingerprints, setup or proto */
#define SDP_SIP_CHANGED_DIRECTION (1u << 3) /* direction or hold */
#define SDP_SIP_CHANGED_MEDIA (1u << 4)     /* the audio m-line appeared, vanished or was rejected */

/* What changed on the audio m-line from OLD_SDP to NEW_SDP (a re-INVITE),
 * as SDP_SIP_CHANGED_ flags; 0 when nothing that matters did. */
guint sdp_sip_changes(const sdp_session *old_sdp, const sdp_session *new_sdp);
