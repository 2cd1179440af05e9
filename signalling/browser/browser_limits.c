/* Limits of one browser connection: defaults, and the token bucket that
 * rate-limits the page's messages in the caller's (virtual) time. */
#define G_LOG_DOMAIN "rtc2sip-browser"
#include "signalling/browser/browser_private.h"

#define MICRO G_GINT64_CONSTANT(1000000)

void
browser_limits_init_default(browser_limits *l)
{
  l->max_message_bytes = BROWSER_DEFAULT_MAX_MESSAGE_BYTES;
  l->max_calls = BROWSER_DEFAULT_MAX_CALLS;
  l->max_messages_per_second = BROWSER_DEFAULT_MAX_MESSAGES_PER_SECOND;
  l->require_hello = TRUE;
}

/* The bucket holds 2 × rate tokens (the burst) and starts full. */
static gint64
capacity(const browser_bucket *b)
{
  return 2 * (gint64)b->rate * MICRO;
}

void
browser_bucket_init(browser_bucket *b, guint rate)
{
  b->rate = rate;
  b->micro = capacity(b);
  b->last_us = 0;
  b->started = FALSE;
}

gboolean
browser_bucket_take(browser_bucket *b, gint64 now_us)
{
  if (b->rate == 0)
    return TRUE;
  if (!b->started) {
    b->started = TRUE;
    b->last_us = now_us;
  }
  /* A clock that goes backwards refills nothing; a long pause refills at
   * most the whole bucket (and never overflows the multiplication). */
  if (now_us > b->last_us) {
    gint64 elapsed = now_us - b->last_us;
    gint64 full_after = 2 * MICRO; /* 2 s refills any bucket from empty */
    if (elapsed >= full_after)
      b->micro = capacity(b);
    else
      b->micro = MIN(capacity(b), b->micro + elapsed * (gint64)b->rate);
    b->last_us = now_us;
  }
  if (b->micro < MICRO)
    return FALSE;
  b->micro -= MICRO;
  return TRUE;
}
