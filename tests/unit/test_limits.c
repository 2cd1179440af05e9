/* Limits in virtual time: concurrency counters, exact sliding windows,
 * independence of keys, expiry of idle entries and the table cap under a
 * flood of distinct keys. */
#include <errno.h>

#include "gateway/limits.h"
#include "tests/unit/testutil.h"

#define SEC G_GINT64_CONSTANT(1000000)
#define T0 (G_GINT64_CONSTANT(1000) * SEC) /* an arbitrary monotonic start */

static limits_stats
stats(const limits *l)
{
  limits_stats s;
  limits_get_stats(l, &s);
  return s;
}

/* 100 calls in a minute from one user against 10 per minute: the 11th
 * and every later one in that minute are refused; another user is not
 * affected. */
static void
test_rate_per_user(void)
{
  g_autoptr(limits) l = limits_new(0);
  guint accepted = 0, bob = 0;
  for (guint i = 0; i < 100; i++) {
    gint64 now = T0 + (gint64)i * 590000; /* 0.59 s apart: all within 58.41 s */
    int rc = limits_try_rate(l, now, "calls-min:user:alice", 10);
    if (i < 10)
      g_assert_cmpint(rc, ==, 0);
    else
      g_assert_cmpint(rc, ==, -EBUSY);
    accepted += rc == 0;
    if (i % 10 == 0 && limits_try_rate(l, now, "calls-min:user:bob", 10) == 0)
      bob++;
  }
  g_assert_cmpuint(accepted, ==, 10);
  g_assert_cmpuint(bob, ==, 10);
  limits_stats s = stats(l);
  g_assert_cmpuint(s.refused_rate, ==, 90);
  g_assert_cmpuint(s.refused_concurrent, ==, 0);
  g_assert_cmpuint(s.entries, ==, 2);
  /* A third user, at the very end, still has a full minute. */
  g_assert_cmpint(limits_try_rate(l, T0 + 59 * SEC, "calls-min:user:carol", 10), ==, 0);
}

/* The window slides: an event frees its slot exactly one window later. */
static void
test_rate_sliding(void)
{
  g_autoptr(limits) l = limits_new(0);
  const char *k = "calls-min:user:alice";
  for (guint i = 0; i < 10; i++) /* one every second: T0 .. T0+9 s */
    g_assert_cmpint(limits_try_rate(l, T0 + (gint64)i * SEC, k, 10), ==, 0);
  g_assert_cmpint(limits_try_rate(l, T0 + 30 * SEC, k, 10), ==, -EBUSY);
  g_assert_cmpint(limits_try_rate(l, T0 + 60 * SEC - 1, k, 10), ==, -EBUSY);
  g_assert_cmpint(limits_try_rate(l, T0 + 60 * SEC, k, 10), ==, 0);     /* T0's slot */
  g_assert_cmpint(limits_try_rate(l, T0 + 60 * SEC + 500000, k, 10), ==, -EBUSY);
  g_assert_cmpint(limits_try_rate(l, T0 + 61 * SEC, k, 10), ==, 0);     /* T0+1's */
  g_assert_cmpint(limits_try_rate(l, T0 + 61 * SEC, k, 10), ==, -EBUSY);
  /* After a quiet minute the whole budget is back. */
  for (guint i = 0; i < 10; i++)
    g_assert_cmpint(limits_try_rate(l, T0 + 200 * SEC, k, 10), ==, 0);
  g_assert_cmpint(limits_try_rate(l, T0 + 200 * SEC, k, 10), ==, -EBUSY);
  /* Refused events do not count: hammering does not extend the lockout. */
  for (guint i = 0; i < 1000; i++)
    limits_try_rate(l, T0 + 230 * SEC + i, k, 10);
  g_assert_cmpint(limits_try_rate(l, T0 + 260 * SEC, k, 10), ==, 0);
}

/* Over any 60 s span no more than N pass, whatever the arrival pattern. */
static void
test_rate_never_exceeds(void)
{
  g_autoptr(limits) l = limits_new(0);
  GRand *r = g_rand_new_with_seed(42);
  GArray *times = g_array_new(FALSE, FALSE, sizeof(gint64));
  gint64 now = T0;
  for (guint i = 0; i < 5000; i++) {
    now += g_rand_int_range(r, 0, 3 * (gint)SEC);
    if (limits_try_rate(l, now, "k", 7) == 0)
      g_array_append_val(times, now);
  }
  for (guint i = 0; i + 7 < times->len; i++)
    g_assert_cmpint(g_array_index(times, gint64, i + 7) - g_array_index(times, gint64, i), >=, 60 * SEC);
  g_assert_cmpuint(times->len, >, 100);
  g_array_unref(times);
  g_rand_free(r);
}

static void
test_rate_per_second(void)
{
  g_autoptr(limits) l = limits_new(0);
  const char *k = "calls-sec:trunk:office";
  for (guint i = 0; i < 5; i++)
    g_assert_cmpint(limits_try_rate_window(l, T0, k, 5, LIMITS_SECOND_US), ==, 0);
  g_assert_cmpint(limits_try_rate_window(l, T0 + 999999, k, 5, LIMITS_SECOND_US), ==, -EBUSY);
  for (guint i = 0; i < 5; i++)
    g_assert_cmpint(limits_try_rate_window(l, T0 + SEC, k, 5, LIMITS_SECOND_US), ==, 0);
  g_assert_cmpint(limits_try_rate_window(l, T0 + SEC, k, 5, LIMITS_SECOND_US), ==, -EBUSY);
  /* 0 means no limit, and stores nothing. */
  for (guint i = 0; i < 100; i++)
    g_assert_cmpint(limits_try_rate(l, T0, "unlimited", 0), ==, 0);
  g_assert_cmpint(limits_try_rate_window(l, T0, "bad-window", 5, 0), ==, 0);
  g_assert_cmpuint(stats(l).entries, ==, 1);
  /* A large limit grows its ring as needed and stays exact. */
  for (guint i = 0; i < 1000; i++)
    g_assert_cmpint(limits_try_rate(l, T0 + i, "big", 1000), ==, 0);
  g_assert_cmpint(limits_try_rate(l, T0 + 1000, "big", 1000), ==, -EBUSY);
  g_assert_cmpint(limits_try_rate(l, T0 + 60 * SEC + 1, "big", 1000), ==, 0);
  g_assert_cmpint(limits_try_rate(l, T0 + 60 * SEC + 1, "big", 1000), ==, 0);
  g_assert_cmpint(limits_try_rate(l, T0 + 60 * SEC + 1, "big", 1000), ==, -EBUSY);
}

static void
test_concurrency(void)
{
  g_autoptr(limits) l = limits_new(0);
  const char *k = "concurrent:trunk:office";
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint(limits_try_acquire(l, T0, k, 3), ==, 0);
  g_assert_cmpint(limits_try_acquire(l, T0, k, 3), ==, -EBUSY);
  g_assert_cmpuint(limits_count(l, k), ==, 3);
  g_assert_cmpint(limits_try_acquire(l, T0, "concurrent:trunk:home", 3), ==, 0); /* others unaffected */
  g_assert_cmpint(limits_release(l, k), ==, 0);
  g_assert_cmpint(limits_try_acquire(l, T0, k, 3), ==, 0);
  g_assert_cmpint(limits_try_acquire(l, T0, k, 3), ==, -EBUSY);
  /* A lowered limit refuses until enough are released. */
  g_assert_cmpint(limits_try_acquire(l, T0, k, 2), ==, -EBUSY);
  g_assert_cmpint(limits_try_acquire(l, T0, k, 0), ==, 0); /* 0: no limit, still counted */
  g_assert_cmpuint(limits_count(l, k), ==, 4);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpint(limits_release(l, k), ==, 0);
  g_assert_cmpint(limits_release(l, k), ==, -ENOENT);
  g_assert_cmpint(limits_release(l, "never-seen"), ==, -ENOENT);
  g_assert_cmpuint(limits_count(l, k), ==, 0);
  limits_stats s = stats(l);
  g_assert_cmpuint(s.refused_concurrent, ==, 3);
  g_assert_cmpuint(s.entries, ==, 1); /* released to zero: gone at once */
  g_assert_cmpint(limits_release(l, "concurrent:trunk:home"), ==, 0);
  g_assert_cmpuint(stats(l).entries, ==, 0);
}

/* A key with both a count and a rate lives while either holds. */
static void
test_both_on_one_key(void)
{
  g_autoptr(limits) l = limits_new(0);
  g_assert_cmpint(limits_try_acquire(l, T0, "k", 1), ==, 0);
  g_assert_cmpint(limits_try_rate(l, T0, "k", 1), ==, 0);
  g_assert_cmpint(limits_release(l, "k"), ==, 0);
  g_assert_cmpuint(stats(l).entries, ==, 1); /* the event still counts */
  g_assert_cmpint(limits_try_rate(l, T0 + SEC, "k", 1), ==, -EBUSY);
  limits_tick(l, T0 + 60 * SEC);
  g_assert_cmpuint(stats(l).entries, ==, 0);
}

static void
test_idle_expiry(void)
{
  g_autoptr(limits) l = limits_new(0);
  g_assert_cmpint(limits_next_deadline(l), ==, G_MAXINT64);
  for (guint i = 0; i < 1000; i++) {
    g_autofree char *k = g_strdup_printf("ws-conn-rate:198.51.100.%u", i);
    g_assert_cmpint(limits_try_rate(l, T0 + i * 1000, k, 5), ==, 0);
  }
  g_assert_cmpint(limits_try_acquire(l, T0, "held", 5), ==, 0);
  g_assert_cmpuint(stats(l).entries, ==, 1001);
  g_assert_cmpint(limits_next_deadline(l), ==, T0 + 60 * SEC);
  limits_tick(l, T0 + 60 * SEC - 1);
  g_assert_cmpuint(stats(l).entries, ==, 1001);
  limits_tick(l, T0 + 60 * SEC + 499 * 1000);
  g_assert_cmpuint(stats(l).entries, ==, 501);
  g_assert_cmpint(limits_next_deadline(l), ==, T0 + 60 * SEC + 500 * 1000);
  limits_tick(l, T0 + 3600 * SEC);
  /* A held count never expires: the caller releases it. */
  limits_stats s = stats(l);
  g_assert_cmpuint(s.entries, ==, 1);
  g_assert_cmpuint(s.peak_entries, ==, 1001);
  g_assert_cmpuint(limits_count(l, "held"), ==, 1);
  g_assert_cmpint(limits_next_deadline(l), ==, G_MAXINT64);
}

/* 100,000 distinct keys against a table of 65,536: the table stops
 * growing, new keys are refused and counted, known keys keep working, and
 * once old entries age out new keys get in again without a tick. */
static void
test_table_cap(void)
{
  g_autoptr(limits) l = limits_new(0);
  guint ok = 0, full = 0;
  for (guint i = 0; i < 100000; i++) {
    char k[48];
    g_snprintf(k, sizeof k, "ws-conn:198.%u.%u.%u", i >> 16, (i >> 8) & 255, i & 255);
    gint64 now = T0 + i; /* 100 ms of flood */
    int rc = i % 2 ? limits_try_rate(l, now, k, 10) : limits_try_acquire(l, now, k, 10);
    if (rc == 0)
      ok++;
    else if (rc == -ENOSPC)
      full++;
    else
      g_assert_not_reached();
  }
  limits_stats s = stats(l);
  g_assert_cmpuint(ok, ==, LIMITS_DEFAULT_MAX_ENTRIES);
  g_assert_cmpuint(full, ==, 100000 - LIMITS_DEFAULT_MAX_ENTRIES);
  g_assert_cmpuint(s.entries, ==, LIMITS_DEFAULT_MAX_ENTRIES);
  g_assert_cmpuint(s.peak_entries, ==, LIMITS_DEFAULT_MAX_ENTRIES);
  g_assert_cmpuint(s.refused_table_full, ==, full);
  /* Known keys are not refused for the table being full. */
  g_assert_cmpint(limits_try_acquire(l, T0 + SEC, "ws-conn:198.0.0.0", 10), ==, 0);
  g_assert_cmpint(limits_try_rate(l, T0 + SEC, "ws-conn:198.0.0.1", 10), ==, 0);
  /* A minute later the rate entries have aged out: the full table prunes
   * itself and takes the new key. */
  g_assert_cmpint(limits_try_rate(l, T0 + 62 * SEC, "calls-min:user:alice", 10), ==, 0);
  s = stats(l);
  g_assert_cmpuint(s.entries, ==, LIMITS_DEFAULT_MAX_ENTRIES / 2 + 1); /* the held counts, alice */
}

/* The self-pruning of a full table runs at most once a second. */
static void
test_table_cap_prune_rate(void)
{
  g_autoptr(limits) l = limits_new(4);
  for (guint i = 0; i < 4; i++) {
    g_autofree char *k = g_strdup_printf("k%u", i);
    g_assert_cmpint(limits_try_rate(l, T0, k, 1), ==, 0);
  }
  g_assert_cmpint(limits_try_rate(l, T0 + 59 * SEC + SEC / 2, "new", 1), ==, -ENOSPC); /* prunes: nothing aged */
  g_assert_cmpint(limits_try_rate(l, T0 + 60 * SEC, "new", 1), ==, -ENOSPC); /* aged, but pruned <1 s ago */
  g_assert_cmpint(limits_try_acquire(l, T0 + 60 * SEC, "new", 1), ==, -ENOSPC);
  g_assert_cmpint(limits_try_rate(l, T0 + 60 * SEC + SEC / 2, "new", 1), ==, 0);
  g_assert_cmpuint(stats(l).entries, ==, 1);
  g_assert_cmpuint(stats(l).refused_table_full, ==, 3);
}

/* A trunk with max-calls 2 and 3 calls per second: the third open call is
 * refused (-EBUSY) without using up the rate; the fourth call in a second
 * is refused (-EAGAIN) and gives its slot back. */
static void
test_admit(void)
{
  g_autoptr(limits) l = limits_new(0);
  gboolean held = FALSE;
  g_assert_cmpint(limits_try_admit(l, T0, "open:t", 2, "cps:t", 3, SEC, &held), ==, 0);
  g_assert_true(held);
  g_assert_cmpint(limits_try_admit(l, T0, "open:t", 2, "cps:t", 3, SEC, &held), ==, 0);
  g_assert_cmpint(limits_try_admit(l, T0, "open:t", 2, "cps:t", 3, SEC, &held), ==, -EBUSY);
  g_assert_false(held);
  limits_release(l, "open:t");
  g_assert_cmpint(limits_try_admit(l, T0 + 1, "open:t", 2, "cps:t", 3, SEC, &held), ==, 0);
  limits_release(l, "open:t");
  g_assert_cmpint(limits_try_admit(l, T0 + 2, "open:t", 2, "cps:t", 3, SEC, &held), ==, -EAGAIN);
  g_assert_false(held);
  g_assert_cmpuint(limits_count(l, "open:t"), ==, 1);
  /* A second later the rate has room again. */
  g_assert_cmpint(limits_try_admit(l, T0 + SEC + 1, "open:t", 2, "cps:t", 3, SEC, &held), ==, 0);
  g_assert_cmpuint(limits_count(l, "open:t"), ==, 2);
  /* Unlimited: nothing held, nothing stored. */
  g_assert_cmpint(limits_try_admit(l, T0, "open:u", 0, "cps:u", 0, SEC, &held), ==, 0);
  g_assert_false(held);
  g_assert_cmpuint(limits_count(l, "open:u"), ==, 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/limits/rate_per_user", test_rate_per_user);
  g_test_add_func("/limits/rate_sliding", test_rate_sliding);
  g_test_add_func("/limits/rate_never_exceeds", test_rate_never_exceeds);
  g_test_add_func("/limits/rate_per_second", test_rate_per_second);
  g_test_add_func("/limits/concurrency", test_concurrency);
  g_test_add_func("/limits/both_on_one_key", test_both_on_one_key);
  g_test_add_func("/limits/idle_expiry", test_idle_expiry);
  g_test_add_func("/limits/table_cap", test_table_cap);
  g_test_add_func("/limits/table_cap_prune_rate", test_table_cap_prune_rate);
  g_test_add_func("/limits/admit", test_admit);
  return g_test_run();
}
