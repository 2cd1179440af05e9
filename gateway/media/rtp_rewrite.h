/* In-place RTP/RTCP rewriting for the relay between two legs: payload type
 * mapping, SSRC mapping of RTP and of compound RTCP, and a per-direction
 * stream state keeping sequence numbers and timestamps continuous when the
 * source changes its SSRC.
 *
 * All of it works on plain RTP/RTCP (after unprotect, before protect), in
 * place, with no allocation and no lock: the tables are plain structs the
 * relay embeds in its per-leg state and owns; one media thread uses them.
 * Malformed input returns -EINVAL and leaves the packet untouched.
 *
 * SSRC maps, per direction of the relay (A → B):
 *   - SENDER map: SSRCs A uses as a sender → the SSRCs B should see. Applied
 *     to the RTP SSRC, to the sender SSRC of every RTCP packet, to the SSRCs
 *     of SDES chunks and of BYE.
 *   - MEDIA map: SSRCs A reports about (the ones we send to A) → the SSRCs
 *     of B they stand for. Applied to report blocks of SR/RR, to the media
 *     source of RTPFB (205) and PSFB (206), and to the FCI SSRCs of FIR
 *     (PSFB FMT 4).
 * An SSRC not in a map is left as it is. Not rewritten: REMB and TMMBR FCI
 * SSRC lists, XR block contents, APP data.
 *
 * Stream state, two modes (RTP_REWRITE_CONTINUOUS is what the relay uses
 * toward the browser):
 *   - PASS_THROUGH: SSRC, sequence and timestamp go through unchanged (the
 *     SSRC map may still apply). The receiver sees exactly what the source
 *     sent, RTCP report blocks stay meaningful end to end and can be
 *     forwarded as they are; but a phone that restarts its stream (hold,
 *     re-INVITE, transfer) shows the browser a new SSRC with a random
 *     sequence number, which WebRTC stacks handle unevenly (an unsignalled
 *     SSRC, a jitter buffer reset, a glitch).
 *   - CONTINUOUS: every packet leaves with OUT_SSRC; on a source change
 *     (a new SSRC, or a jump of the sequence number by more than
 *     RTP_REWRITE_MAX_SEQ_JUMP forward or RTP_REWRITE_MAX_SEQ_BACK back) the
 *     output continues at last sequence + 1 and at the last timestamp plus
 *     the wall-clock time elapsed (at least one clock unit), and the marker
 *     is set on the first packet after the change (audio: a new talkspurt,
 *     so the jitter buffer resynchronizes; disable for video, where the
 *     marker ends a frame). Packets of the previous source arriving after
 *     the change are dropped (-ESTALE). The browser's SRTP replay window and
 *     jitter buffer see one smooth stream. The price: the sequence/timestamp
 *     spaces of the two legs differ, so RTCP reports cannot be forwarded
 *     verbatim between the legs (the relay terminates RTCP per leg, or uses
 *     the SSRC maps only for feedback such as PLI/FIR/NACK-free audio).
 */
#pragma once
#include <glib.h>

/* ---- payload types ---- */

/* PT in → PT out, or drop. */
typedef struct {
  gint16 out[128]; /* -1: drop */
} rtp_rewrite_pt_map;

/* Every PT dropped. */
void rtp_rewrite_pt_map_init(rtp_rewrite_pt_map *map);
/* Maps PT_IN to PT_OUT, or drops PT_IN when PT_OUT < 0. PTs are 0..127, and
 * no output PT may be 72..76 (would look like RTCP, RFC 5761 §4). Returns 0
 * or -EINVAL. */
int rtp_rewrite_pt_map_set(rtp_rewrite_pt_map *map, int pt_in, int pt_out);
/* Rewrites the PT of the RTP packet PKT (LEN bytes) in place. Returns 0, -ENOENT
 * when its PT is dropped (the packet is not changed), -EINVAL malformed. */
int rtp_rewrite_pt_apply(const rtp_rewrite_pt_map *map, guint8 *pkt, gsize len);

/* ---- SSRC maps ---- */

#define RTP_REWRITE_SSRC_PAIRS 4

typedef struct {
  guint32 from[RTP_REWRITE_SSRC_PAIRS];
  guint32 to[RTP_REWRITE_SSRC_PAIRS];
  guint n;
} rtp_rewrite_ssrc_map;

void rtp_rewrite_ssrc_map_init(rtp_rewrite_ssrc_map *map);
/* Adds or replaces FROM → TO. Returns 0 or -ENOSPC. */
int rtp_rewrite_ssrc_map_set(rtp_rewrite_ssrc_map *map, guint32 from, guint32 to);
/* Removes FROM (no-op when absent). */
void rtp_rewrite_ssrc_map_remove(rtp_rewrite_ssrc_map *map, guint32 from);
/* TRUE with *TO when FROM is mapped. */
gboolean rtp_rewrite_ssrc_map_lookup(const rtp_rewrite_ssrc_map *map, guint32 from,
                                     guint32 *to);

/* Rewrites the SSRC of an RTP packet through SENDER. Returns 0 or -EINVAL. */
int rtp_rewrite_rtp_ssrc(const rtp_rewrite_ssrc_map *sender, guint8 *pkt, gsize len);
/* Rewrites a compound RTCP packet (plain RTCP, not SRTCP) of LEN bytes:
 * SENDER (may be NULL) and MEDIA (may be NULL) as described above. The whole
 * compound is validated first (version 2, every length within LEN, report
 * blocks and chunks within their packet); on -EINVAL nothing was changed.
 * Returns 0 or -EINVAL with *REASON (optional). */
int rtp_rewrite_rtcp(const rtp_rewrite_ssrc_map *sender, const rtp_rewrite_ssrc_map *media,
                     guint8 *pkt, gsize len, const char **reason);

/* ---- stream continuity ---- */

typedef enum {
  RTP_REWRITE_PASS_THROUGH,
  RTP_REWRITE_CONTINUOUS,
} rtp_rewrite_mode;

#define RTP_REWRITE_MAX_SEQ_JUMP 3000
#define RTP_REWRITE_MAX_SEQ_BACK 200
#define RTP_REWRITE_STALE_US ((gint64)500 * 1000)

typedef struct {
  rtp_rewrite_mode mode;
  guint32 out_ssrc;
  guint clock_rate;
  gboolean marker_on_change;
  /* State. */
  gboolean have_source, have_prev;
  guint32 src_ssrc, prev_ssrc;
  guint16 seq_delta;   /* out = in + delta */
  guint32 ts_delta;
  guint16 last_in_seq; /* highest, in the source's space */
  guint16 last_out_seq;
  guint32 last_out_ts;
  gint64 last_us;
  gint64 change_us; /* when the current source took over */
  gboolean mark_next;
  guint64 source_changes, stale_drops;
} rtp_rewrite_stream;

/* MODE, the SSRC to present (CONTINUOUS), the RTP clock rate and whether to
 * set the marker on the first packet after a change (TRUE for audio). */
void rtp_rewrite_stream_init(rtp_rewrite_stream *st, rtp_rewrite_mode mode, guint32 out_ssrc,
                             guint clock_rate, gboolean marker_on_change);
/* Rewrites the RTP packet PKT (LEN bytes) received at NOW_US in place.
 * Returns 0, -ESTALE (a late packet of the previous source: drop it) or
 * -EINVAL (malformed, unchanged). */
int rtp_rewrite_stream_apply(rtp_rewrite_stream *st, gint64 now_us, guint8 *pkt, gsize len);
/* The (sequence, timestamp) the next packet inserted by the relay itself
 * (e.g. an RFC 4733 event) should use, marking it as sent: returns the
 * sequence number and sets *TS to last timestamp plus the time elapsed
 * since the last packet, at NOW_US. Only meaningful in CONTINUOUS mode
 * after at least one packet; returns FALSE otherwise. */
gboolean rtp_rewrite_stream_insert(rtp_rewrite_stream *st, gint64 now_us, guint16 *seq,
                                   guint32 *ts);
