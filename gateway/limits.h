/* Limits: a sans-IO registry of named concurrency counters and event-rate
 * windows, for exposing the gateway safely (docs/auth.md).
 *
 * Keys are strings chosen by the caller, one per thing limited:
 * "ws-conn:198.51.100.7", "calls-min:user:alice", "concurrent:trunk:office".
 * A key can carry both a concurrency count and a rate window.
 *
 * - Concurrency: limits_try_acquire() counts one more holder unless MAX
 *   are already held; limits_release() gives one back.
 * - Rate: limits_try_rate() (per sliding minute) and
 *   limits_try_rate_window() (any window) accept an event unless MAX events
 *   were accepted in the last window. The window is exact: the accepted
 *   events' times are kept (at most MAX per key, grown on demand).
 *
 * Memory stays bounded under a flood of distinct keys: an entry lives only
 * while it holds something (a count above zero, or events younger than its
 * window): limits_release() drops it at once when nothing is left, and
 * limits_tick() drops those whose events have aged out. The table never
 * grows past its cap: a NEW key when the table is full is refused
 * (-ENOSPC, counted as table_full), existing keys keep working. When full,
 * the table prunes itself at most once a second before refusing, so a
 * flood costs O(1) per refusal amortized.
 *
 * Time is monotonic microseconds passed in; nothing here reads a clock.
 * Ownership: the registry copies keys; every argument is borrowed. */
#pragma once
#include <glib.h>

#define LIMITS_DEFAULT_MAX_ENTRIES 65536
#define LIMITS_MINUTE_US G_GINT64_CONSTANT(60000000)
#define LIMITS_SECOND_US G_GINT64_CONSTANT(1000000)

typedef struct limits limits;

/* Refusals so far, per kind, and the table's size (for metrics). */
typedef struct {
  guint64 refused_concurrent; /* try_acquire at its max */
  guint64 refused_rate;       /* try_rate at its max */
  guint64 refused_table_full; /* a new key while the table was full */
  guint entries;              /* keys held now */
  guint peak_entries;
} limits_stats;

/* A registry holding at most MAX_ENTRIES keys (0: the default, 65536).
 * Free with limits_free. */
limits *limits_new(guint max_entries);
void limits_free(limits *l);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(limits, limits_free)

/* One more holder of KEY unless MAX already hold it. MAX 0 means no limit
 * (still counted, so a later limit sees the holders). Returns 0, -EBUSY
 * (at MAX) or -ENOSPC (new key, table full). Any negative is a refusal;
 * a refused acquire must not be released. */
int limits_try_acquire(limits *l, gint64 now_us, const char *key, guint max);

/* One holder of KEY fewer. Returns 0, or -ENOENT when KEY holds nothing
 * (a caller bug: release without acquire; ignored). */
int limits_release(limits *l, const char *key);

/* Holders of KEY now (0 for an unknown key). */
guint limits_count(const limits *l, const char *key);

/* One event on KEY unless PER_MINUTE events were accepted in the sliding
 * minute before NOW_US. PER_MINUTE 0 means no limit (and nothing is
 * stored). Returns 0, -EBUSY or -ENOSPC. Refused events are not recorded:
 * a client hammering past its limit is not locked out for longer. */
int limits_try_rate(limits *l, gint64 now_us, const char *key, guint per_minute);

/* The same with any window (WINDOW_US > 0), e.g. LIMITS_SECOND_US for
 * calls per second. A key's window is the one of its latest call. */
int limits_try_rate_window(limits *l, gint64 now_us, const char *key, guint max, gint64 window_us);

/* One more call against a pair of limits: at most MAX_OPEN holders of
 * OPEN_KEY (0: not limited, and not counted) and at most MAX_RATE events on
 * RATE_KEY per WINDOW_US (0: not limited). Both or neither: a rate refusal
 * gives the slot back. Returns 0 (*HELD tells whether OPEN_KEY must be
 * released later), -EBUSY (at MAX_OPEN), -EAGAIN (at MAX_RATE) or -ENOSPC
 * (table full). */
int limits_try_admit(limits *l, gint64 now_us, const char *open_key, guint max_open, const char *rate_key,
                     guint max_rate, gint64 window_us, gboolean *held);

/* Drops events older than their window and entries left empty. Call every
 * few seconds (the cost is O(entries)); correctness does not depend on it,
 * only memory does. */
void limits_tick(limits *l, gint64 now_us);

/* When limits_tick() next has something to drop: the earliest time an
 * entry's oldest event ages out, or G_MAXINT64 when nothing will. O(entries). */
gint64 limits_next_deadline(const limits *l);

void limits_get_stats(const limits *l, limits_stats *out);
