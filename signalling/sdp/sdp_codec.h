/* Codecs as SDP names them (rtpmap encoding/clock/channels), the RFC 3551
 * static payload types, matching, and the negotiated list of an exchange.
 *
 * Ownership: sdp_codec holds borrowed static or caller strings; results
 * that point into a session are valid while that session lives. */
#pragma once
#include <glib.h>

#include "signalling/sdp/sdp.h"

typedef struct {
  const char *encoding; /* "opus", "PCMU", "telephone-event" (any case) */
  guint clock_rate;
  guint channels; /* 0 means 1 */
  guint pt;       /* payload type the gateway uses when it offers */
  const char *fmtp; /* fmtp the gateway offers, or NULL */
} sdp_codec;

/* The gateway's default audio codecs, in its order of preference:
 * opus/48000/2 (111), G722/8000 (9), PCMU/8000 (0), PCMA/8000 (8),
 * telephone-event/48000 (110), telephone-event/8000 (126). CN is left out;
 * add {"CN", 8000, 1, 13, NULL} to a list of your own to accept it.
 * Sets *N. Static array. */
const sdp_codec *sdp_codec_default_audio(guint *n);

/* What payload type PT means in M: its rtpmap, else the RFC 3551 static
 * assignment. Fills OUT (strings borrowed from M or static; OUT->fmtp is M's
 * fmtp for PT). FALSE when PT has no known meaning. */
gboolean sdp_media_codec(const sdp_media *m, guint pt, sdp_codec *out);

/* The RFC 3551 static meaning of PT (fmtp NULL). FALSE when PT has none. */
gboolean sdp_codec_static(guint pt, sdp_codec *out);

/* Same codec? Encoding name in any case, equal clock rate, equal channel
 * count (0 read as 1). */
gboolean sdp_codec_matches(const sdp_codec *a, const sdp_codec *b);

/* Is it a codec that carries sound (not telephone-event, CN or red)? */
gboolean sdp_codec_is_voice(const sdp_codec *c);

/* One codec both sides agreed on. Strings point into the sessions. */
typedef struct {
  guint local_pt;  /* what we receive: our SDP's payload type */
  guint remote_pt; /* what we send: the remote SDP's payload type */
  const char *encoding;
  guint clock_rate;
  guint channels;
  const char *local_fmtp, *remote_fmtp; /* NULL when absent */
} sdp_negotiated_codec;

/* The codecs agreed for the first usable m-line of TYPE, matched between
 * LOCAL and REMOTE (offer and answer, either way round; m-lines pair by
 * index as RFC 3264 says), in the remote m-line's order of preference.
 * Returns a new array of sdp_negotiated_codec (caller unrefs), empty when
 * nothing matches or the m-line was rejected. */
GArray *sdp_negotiated_codecs(const sdp_session *local, const sdp_session *remote,
                              sdp_media_type type);
