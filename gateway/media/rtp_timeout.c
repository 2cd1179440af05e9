/* RTP inactivity timeout (see rtp_timeout.h). */
#define G_LOG_DOMAIN "rtc2sip-media"
#include "gateway/media/rtp_timeout.h"

void
rtp_timeout_init(rtp_timeout *t, gint64 timeout_us, gint64 now_us)
{
  t->timeout_us = timeout_us > 0 ? timeout_us : RTP_TIMEOUT_DEFAULT_US;
  t->since_us = now_us;
  for (guint i = 0; i < RTP_TIMEOUT_DIRECTIONS; i++)
    t->last_us[i] = G_MININT64;
  t->enabled = TRUE;
}

void
rtp_timeout_packet(rtp_timeout *t, rtp_timeout_direction dir, gint64 now_us)
{
  if ((guint)dir < RTP_TIMEOUT_DIRECTIONS && now_us > t->last_us[dir])
    t->last_us[dir] = now_us;
}

void
rtp_timeout_set_enabled(rtp_timeout *t, gboolean enabled, gint64 now_us)
{
  if (enabled && !t->enabled)
    t->since_us = now_us;
  t->enabled = enabled;
}

static gint64
latest(const rtp_timeout *t)
{
  gint64 l = t->since_us;
  for (guint i = 0; i < RTP_TIMEOUT_DIRECTIONS; i++)
    l = MAX(l, t->last_us[i]);
  return l;
}

gint64
rtp_timeout_next_deadline(const rtp_timeout *t)
{
  return t->enabled ? latest(t) + t->timeout_us : -1;
}

gboolean
rtp_timeout_expired(const rtp_timeout *t, gint64 now_us)
{
  return t->enabled && now_us >= latest(t) + t->timeout_us;
}

gint64
rtp_timeout_last_packet(const rtp_timeout *t, rtp_timeout_direction dir)
{
  if ((guint)dir >= RTP_TIMEOUT_DIRECTIONS || t->last_us[dir] == G_MININT64)
    return -1;
  return t->last_us[dir];
}
