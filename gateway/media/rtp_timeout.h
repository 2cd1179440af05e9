/* RTP inactivity: "[media] rtp-timeout" (default 60 s) with no packet from
 * either side of a call ends it.
 *
 * A plain struct the caller embeds and owns (one media thread), sans-IO:
 * the caller reports packets with their arrival time, asks expired() at
 * next_deadline. While disabled (e.g. both sides on hold, where silence is
 * expected) it never expires; enabling restarts the wait from that moment.
 */
#pragma once
#include <glib.h>

#define RTP_TIMEOUT_DEFAULT_US ((gint64)60 * G_USEC_PER_SEC)

typedef enum {
  RTP_TIMEOUT_FROM_BROWSER,
  RTP_TIMEOUT_FROM_SIP,
  RTP_TIMEOUT_DIRECTIONS
} rtp_timeout_direction;

typedef struct {
  gint64 timeout_us;
  gint64 since_us; /* start, or last enable */
  gint64 last_us[RTP_TIMEOUT_DIRECTIONS]; /* G_MININT64: none yet */
  gboolean enabled;
} rtp_timeout;

/* Starts watching at NOW_US; TIMEOUT_US <= 0 means the default. */
void rtp_timeout_init(rtp_timeout *t, gint64 timeout_us, gint64 now_us);
/* A packet arrived from DIR at NOW_US (any valid RTP or RTCP counts). */
void rtp_timeout_packet(rtp_timeout *t, rtp_timeout_direction dir, gint64 now_us);
/* Suspends (FALSE) or resumes (TRUE, counting from NOW_US) the watch. */
void rtp_timeout_set_enabled(rtp_timeout *t, gboolean enabled, gint64 now_us);
/* TRUE when the timeout passed at NOW_US with no packet from either side. */
gboolean rtp_timeout_expired(const rtp_timeout *t, gint64 now_us);
/* When expired() may first turn TRUE, or -1 while disabled. */
gint64 rtp_timeout_next_deadline(const rtp_timeout *t);
/* Time of the last packet from DIR, or -1 when none came yet. */
gint64 rtp_timeout_last_packet(const rtp_timeout *t, rtp_timeout_direction dir);
