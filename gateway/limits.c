/* Limits: concurrency counters and exact sliding rate windows keyed by
 * strings, with a capped table (see limits.h). */
#define G_LOG_DOMAIN "rtc2sip-limits"
#include "gateway/limits.h"

#include <errno.h>
#include <string.h>

/* One key's state. Accepted events' times form a ring, oldest at head. */
typedef struct {
  guint count;      /* concurrency holders */
  gint64 window_us; /* rate window of the latest try_rate */
  gint64 *ring;
  guint head, len, cap;
} entry;

struct limits {
  GHashTable *table; /* char * key → entry * */
  guint max_entries;
  gint64 last_full_prune_us;
  gboolean pruned_once;
  limits_stats stats;
};

static void
entry_free(gpointer p)
{
  entry *e = p;
  g_free(e->ring);
  g_free(e);
}

limits *
limits_new(guint max_entries)
{
  limits *l = g_new0(limits, 1);
  l->table = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, entry_free);
  l->max_entries = max_entries ? max_entries : LIMITS_DEFAULT_MAX_ENTRIES;
  return l;
}

void
limits_free(limits *l)
{
  if (!l)
    return;
  g_hash_table_unref(l->table);
  g_free(l);
}

/* Forgets events at or before NOW_US - window. */
static void
entry_prune(entry *e, gint64 now_us)
{
  while (e->len > 0 && now_us - e->ring[e->head] >= e->window_us) {
    e->head = (e->head + 1) % e->cap;
    e->len--;
  }
  if (e->len == 0)
    e->head = 0;
}

static gboolean
entry_empty(const entry *e)
{
  return e->count == 0 && e->len == 0;
}

static gboolean
prune_cb(gpointer key, gpointer value, gpointer user_data)
{
  (void)key;
  entry *e = value;
  entry_prune(e, *(const gint64 *)user_data);
  return entry_empty(e);
}

void
limits_tick(limits *l, gint64 now_us)
{
  g_hash_table_foreach_remove(l->table, prune_cb, &now_us);
  l->stats.entries = g_hash_table_size(l->table);
}

/* The entry of KEY, created if missing and the table has room; NULL and
 * the refusal counted when it has not. */
static entry *
lookup_or_add(limits *l, gint64 now_us, const char *key)
{
  entry *e = g_hash_table_lookup(l->table, key);
  if (e)
    return e;
  if (g_hash_table_size(l->table) >= l->max_entries) {
    /* Prune at most once a second: a flood of new keys costs O(1) each. */
    if (!l->pruned_once || now_us - l->last_full_prune_us >= LIMITS_SECOND_US) {
      l->pruned_once = TRUE;
      l->last_full_prune_us = now_us;
      limits_tick(l, now_us);
    }
    if (g_hash_table_size(l->table) >= l->max_entries) {
      l->stats.refused_table_full++;
      return NULL;
    }
  }
  e = g_new0(entry, 1);
  g_hash_table_insert(l->table, g_strdup(key), e);
  l->stats.entries = g_hash_table_size(l->table);
  if (l->stats.entries > l->stats.peak_entries)
    l->stats.peak_entries = l->stats.entries;
  return e;
}

static void
remove_if_empty(limits *l, const char *key, entry *e)
{
  if (entry_empty(e)) {
    g_hash_table_remove(l->table, key);
    l->stats.entries = g_hash_table_size(l->table);
  }
}

int
limits_try_acquire(limits *l, gint64 now_us, const char *key, guint max)
{
  entry *e = lookup_or_add(l, now_us, key);
  if (!e)
    return -ENOSPC;
  if (max != 0 && e->count >= max) {
    l->stats.refused_concurrent++;
    return -EBUSY;
  }
  e->count++;
  return 0;
}

int
limits_release(limits *l, const char *key)
{
  entry *e = g_hash_table_lookup(l->table, key);
  if (!e || e->count == 0)
    return -ENOENT;
  e->count--;
  remove_if_empty(l, key, e);
  return 0;
}

guint
limits_count(const limits *l, const char *key)
{
  const entry *e = g_hash_table_lookup(l->table, key);
  return e ? e->count : 0;
}

/* Appends NOW_US, growing the ring (doubling, up to MAX). */
static void
entry_push(entry *e, gint64 now_us, guint max)
{
  if (e->len == e->cap) {
    guint cap = e->cap ? MIN(e->cap * 2, MAX(max, e->cap + 1)) : MIN(max, 4u);
    gint64 *ring = g_new(gint64, cap);
    for (guint i = 0; i < e->len; i++)
      ring[i] = e->ring[(e->head + i) % e->cap];
    g_free(e->ring);
    e->ring = ring;
    e->cap = cap;
    e->head = 0;
  }
  e->ring[(e->head + e->len) % e->cap] = now_us;
  e->len++;
}

int
limits_try_rate_window(limits *l, gint64 now_us, const char *key, guint max, gint64 window_us)
{
  if (max == 0 || window_us <= 0)
    return 0;
  entry *e = g_hash_table_lookup(l->table, key);
  if (!e) {
    e = lookup_or_add(l, now_us, key);
    if (!e)
      return -ENOSPC;
  }
  e->window_us = window_us;
  entry_prune(e, now_us);
  if (e->len >= max) {
    l->stats.refused_rate++;
    return -EBUSY;
  }
  entry_push(e, now_us, max);
  return 0;
}

int
limits_try_rate(limits *l, gint64 now_us, const char *key, guint per_minute)
{
  return limits_try_rate_window(l, now_us, key, per_minute, LIMITS_MINUTE_US);
}

gint64
limits_next_deadline(const limits *l)
{
  gint64 best = G_MAXINT64;
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, l->table);
  while (g_hash_table_iter_next(&it, NULL, &value)) {
    const entry *e = value;
    if (e->len > 0 && e->ring[e->head] < best - e->window_us) /* no overflow */
      best = e->ring[e->head] + e->window_us;
  }
  return best;
}

void
limits_get_stats(const limits *l, limits_stats *out)
{
  *out = l->stats;
  out->entries = g_hash_table_size(l->table);
}

int
limits_try_admit(limits *l, gint64 now_us, const char *open_key, guint max_open, const char *rate_key,
                 guint max_rate, gint64 window_us, gboolean *held)
{
  *held = FALSE;
  if (max_open) {
    int rc = limits_try_acquire(l, now_us, open_key, max_open);
    if (rc < 0)
      return rc;
    *held = TRUE;
  }
  int rc = limits_try_rate_window(l, now_us, rate_key, max_rate, window_us);
  if (rc < 0) {
    if (*held)
      limits_release(l, open_key);
    *held = FALSE;
    return rc == -EBUSY ? -EAGAIN : rc;
  }
  return 0;
}
