/* Helpers shared by the SIP-leg offer/answer files. Not for use outside
 * signalling/sdp/. */
#pragma once
#include <glib.h>

#include "signalling/sdp/sdp_sip.h"

/* Index of the first audio m-line with an RTP proto and a port, or -1. */
gint sdp_sip_audio_index(const sdp_session *s);
/* The connection address in force for M (media-level, else session-level),
 * or NULL; *IPV6 set from its address type. */
const char *sdp_sip_media_address(const sdp_session *s, const sdp_media *m, gboolean *ipv6);
/* Is ADDRESS the RFC 2543 hold address (0.0.0.0)? */
gboolean sdp_sip_address_is_hold(const char *address);
/* The RTCP address and port for M (a=rtcp, else port + 1, or the RTP ones
 * when MUX). */
void sdp_sip_rtcp(const sdp_media *m, const char *rtp_address, gboolean mux, const char **address,
                  guint *port);
/* a=ptime of M, 0 when absent or malformed. */
guint sdp_sip_ptime(const sdp_media *m);
/* The pt of the first telephone-event in M, -1 when none. */
gint sdp_sip_telephone_event_pt(const sdp_media *m);
/* The payload type of M's format I, FALSE when it is not 0-127. */
gboolean sdp_sip_format_pt(const sdp_media *m, guint i, guint *pt);
/* Session skeleton: o=, s=-, t=0 0. */
void sdp_sip_set_origin(sdp_session *s, guint64 id, guint64 version, const char *address);
/* Sets C to IN IP4/IP6 ADDRESS. */
void sdp_sip_set_connection(sdp_connection *c, const char *address);
/* Appends codec C (pt, rtpmap, fmtp) to M. */
void sdp_sip_add_codec(sdp_media *m, const sdp_codec *c);
/* Appends "a=NAME[:VALUE]" to M's attributes. */
void sdp_sip_add_attr(sdp_media *m, const char *name, const char *value);
/* Does ADDRESS look like an IP literal we can write in c= (v4 dotted or v6)? */
gboolean sdp_sip_address_ok(const char *address);
/* A payload type for C, starting from C->pt: kept unless it is a static
 * number meaning another codec, or in 64-95 when AVOID_RTCP_RANGE, or in
 * USED (a 128-entry table); otherwise the first free of 96-127, then 35-63.
 * Returns 128 when none is free. Marks the result in USED. */
guint sdp_sip_pick_pt(const sdp_codec *c, gboolean avoid_rtcp_range, gboolean *used);
/* The codecs of IN (of sdp_codec) that match ALLOWED (NULL: the SIP
 * defaults), voice first in IN's order, then telephone-event at a kept voice
 * clock rate; each allowed entry used once; fmtp from ALLOWED when set;
 * payload types from sdp_sip_pick_pt. A new GArray of sdp_codec. */
GArray *sdp_sip_filter_codecs(const GArray *in, const sdp_codec *allowed, guint n_allowed,
                              gboolean avoid_rtcp_range);
