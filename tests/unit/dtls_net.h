/* The shared harness of the DTLS-SRTP unit tests (test_media_dtls.c,
 * test_media_dtls_resume.c): trace capture, identities, and a seeded
 * in-memory network with loss, reordering and duplicates driven in virtual
 * time. Included once per test program (static functions, file state). */
#pragma once
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/media/dtls_srtp.h"
#include "gateway/media/media_srtp.h"

#define T0 ((gint64)1000 * G_USEC_PER_SEC)

/* ---- trace capture ------------------------------------------------------ */

static GPtrArray *trace_lines;

/* DTLS_TEST_DUMP=1 prints every trace line (and the failing loss seeds). */
static void
capture(const char *line, gpointer user_data)
{
  if (g_getenv("DTLS_TEST_DUMP"))
    g_printerr("%s\n", line);
  g_ptr_array_add(trace_lines, g_strdup(line));
}

/* The captured lines of session NAME, without the "NAME: " prefix. */
static GPtrArray *
lines_of(const char *name)
{
  GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *prefix = g_strdup_printf("%s: ", name);
  for (guint i = 0; i < trace_lines->len; i++)
    if (g_str_has_prefix(trace_lines->pdata[i], prefix))
      g_ptr_array_add(out, g_strdup((char *)trace_lines->pdata[i] + strlen(prefix)));
  return out;
}

static gboolean
has_line(GPtrArray *lines, const char *line)
{
  for (guint i = 0; i < lines->len; i++)
    if (g_str_equal(lines->pdata[i], line))
      return TRUE;
  return FALSE;
}

static void
reset_trace(void)
{
  g_ptr_array_set_size(trace_lines, 0);
}

/* ---- identities --------------------------------------------------------- */

static identity *id_a, *id_b, *id_c;

static identity *
gen(void)
{
  g_autoptr(GError) error = NULL;
  identity *id = identity_generate(g_get_real_time() / G_USEC_PER_SEC, 30 * 24 * 3600, &error);
  g_assert_no_error(error);
  return id;
}

/* ---- the network -------------------------------------------------------- */

typedef struct {
  gint64 at;
  int to; /* 0 or 1 */
  GBytes *data;
} packet;

typedef struct {
  dtls_srtp_session *s[2];
  GRand *rng;
  double loss;      /* 0..1 */
  gboolean reorder; /* random extra delay 0..40 ms */
  double duplicate; /* 0..1 */
  GList *wire;      /* of packet*, sorted by at */
  gint64 now;
  guint sent, dropped;
  gboolean drain; /* run until the network is quiet, whatever the states */
  gboolean truncations; /* feed every strict prefix of a datagram before it */
  GPtrArray *sent_by[2]; /* when set: copies of what each side sent */
} net;

static gint
by_time(gconstpointer a, gconstpointer b)
{
  const packet *x = a, *y = b;
  return x->at < y->at ? -1 : x->at > y->at ? 1 : 0;
}

static void
send_one(net *n, int to, const guint8 *buf, gsize len)
{
  n->sent++;
  if (g_rand_double(n->rng) < n->loss) {
    n->dropped++;
    return;
  }
  int copies = g_rand_double(n->rng) < n->duplicate ? 2 : 1;
  for (int c = 0; c < copies; c++) {
    packet *p = g_new0(packet, 1);
    p->at = n->now + 10000 + (n->reorder ? g_rand_int_range(n->rng, 0, 40000) : 0) + c * 1000;
    p->to = to;
    p->data = g_bytes_new(buf, len);
    n->wire = g_list_insert_sorted(n->wire, p, by_time);
  }
}

static void
pump(net *n)
{
  guint8 buf[1500];
  gsize len;
  for (int i = 0; i < 2; i++)
    while (dtls_srtp_session_pop_datagram(n->s[i], buf, sizeof buf, &len)) {
      g_assert_cmpuint(len, <=, 1200);
      if (n->sent_by[i])
        g_ptr_array_add(n->sent_by[i], g_bytes_new(buf, len));
      send_one(n, 1 - i, buf, len);
    }
}

static gboolean
finished(net *n)
{
  if (n->drain)
    return FALSE;
  for (int i = 0; i < 2; i++) {
    dtls_srtp_state st = dtls_srtp_session_state(n->s[i]);
    if (st == DTLS_SRTP_FAILED || st == DTLS_SRTP_CLOSED)
      return TRUE;
  }
  return dtls_srtp_session_state(n->s[0]) == DTLS_SRTP_CONNECTED &&
         dtls_srtp_session_state(n->s[1]) == DTLS_SRTP_CONNECTED;
}

/* Runs until both are connected or one ended, or nothing is left to do. The
 * clock jumps to the earliest delivery or deadline. */
static void
run(net *n, gint64 until)
{
  pump(n);
  for (int steps = 0; steps < 100000 && !finished(n); steps++) {
    gint64 next = -1;
    if (n->wire)
      next = ((packet *)n->wire->data)->at;
    for (int i = 0; i < 2; i++) {
      gint64 d = dtls_srtp_session_next_deadline(n->s[i]);
      if (d >= 0 && (next < 0 || d < next))
        next = d;
    }
    if (next < 0 || next > until)
      break;
    if (next > n->now)
      n->now = next;
    while (n->wire && ((packet *)n->wire->data)->at <= n->now) {
      packet *p = n->wire->data;
      n->wire = g_list_delete_link(n->wire, n->wire);
      gsize len;
      const guint8 *d = g_bytes_get_data(p->data, &len);
      for (gsize cut = 1; n->truncations && cut < len; cut++) {
        guint8 *prefix = g_memdup2(d, cut); /* exact size: ASan sees overreads */
        g_assert_cmpint(dtls_srtp_session_feed(n->s[p->to], n->now, prefix, cut), ==, 0);
        g_free(prefix);
      }
      int rc = dtls_srtp_session_feed(n->s[p->to], n->now, d, len);
      g_assert_true(rc == 0 || rc == -EPIPE);
      g_bytes_unref(p->data);
      g_free(p);
      pump(n);
    }
    for (int i = 0; i < 2; i++)
      dtls_srtp_session_tick(n->s[i], n->now);
    pump(n);
  }
}

static void
net_clear(net *n)
{
  for (GList *l = n->wire; l; l = l->next) {
    packet *p = l->data;
    g_bytes_unref(p->data);
    g_free(p);
  }
  g_list_free(n->wire);
  n->wire = NULL;
  for (int i = 0; i < 2; i++)
    if (n->sent_by[i])
      g_ptr_array_unref(n->sent_by[i]);
  g_rand_free(n->rng);
  for (int i = 0; i < 2; i++)
    dtls_srtp_session_free(n->s[i]);
}
