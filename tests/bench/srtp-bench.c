/* srtp-bench: SRTP protect + unprotect of 172-byte RTP packets (G.711,
 * 20 ms: 12-byte header + 160 bytes of payload) in a tight loop, per suite,
 * with stock libsrtp2 crypto (NSS on Debian) and with nettle installed.
 *
 * The crypto backend is chosen once per process (libsrtp's crypto kernel is
 * global), so the bench re-runs itself once per backend with
 * RTC2SIP_SRTP_CRYPTO set and gathers the children's figures. Times are the
 * thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so a busy machine stretches
 * the run but hardly the figures.
 *
 *   tests/bench/srtp-bench [--packets N] [--json]
 *   tests/bench/srtp-bench --child         (one backend, the environment's)
 */
#include <errno.h>
#include <nettle/aes.h>
#include <nettle/ctr.h>
#include <nettle/gcm.h>
#include <nettle/hmac.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gateway/media/media_srtp.h"
#include "gateway/media/srtp_nettle.h"

#define PKT_LEN 172
#define BATCH 1024

static gint64
cpu_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64)ts.tv_sec * G_GINT64_CONSTANT(1000000000) + ts.tv_nsec;
}

typedef struct {
  double protect_ns, unprotect_ns;
} suite_result;

/* Protects BATCH packets, then unprotects them, until PACKETS are done. */
static int
bench_suite(media_srtp_suite suite, guint packets, suite_result *res)
{
  guint8 key[MEDIA_SRTP_MAX_KEY_LEN];
  for (guint i = 0; i < sizeof key; i++)
    key[i] = (guint8)(i * 7 + 1);
  gsize key_len = media_srtp_suite_key_length(suite);
  g_autoptr(GError) error = NULL;
  g_autoptr(media_srtp) out = media_srtp_new(suite, key, key_len, TRUE, &error);
  g_autoptr(media_srtp) in = out ? media_srtp_new(suite, key, key_len, FALSE, &error) : NULL;
  if (!in) {
    g_printerr("%s: %s\n", media_srtp_suite_name(suite), error->message);
    return -1;
  }
  enum { CAP = PKT_LEN + MEDIA_SRTP_MAX_TRAILER };
  g_autofree guint8 *bufs = g_malloc0((gsize)BATCH * CAP);
  gsize lens[BATCH];
  gint64 t_protect = 0, t_unprotect = 0;
  guint16 seq = 1;
  guint32 ts = 0;
  for (guint done = 0; done < packets; done += BATCH) {
    guint n = MIN(BATCH, packets - done);
    for (guint i = 0; i < n; i++) {
      guint8 *p = bufs + (gsize)i * CAP;
      p[0] = 0x80;
      p[1] = 0; /* PCMU */
      p[2] = (guint8)(seq >> 8);
      p[3] = (guint8)seq;
      p[4] = (guint8)(ts >> 24);
      p[5] = (guint8)(ts >> 16);
      p[6] = (guint8)(ts >> 8);
      p[7] = (guint8)ts;
      p[8] = 0x12, p[9] = 0x34, p[10] = 0x56, p[11] = 0x78;
      memset(p + 12, 0xd5, PKT_LEN - 12);
      lens[i] = PKT_LEN;
      seq++;
      ts += 160;
    }
    gint64 t0 = cpu_ns();
    for (guint i = 0; i < n; i++)
      if (media_srtp_protect(out, bufs + (gsize)i * CAP, &lens[i], CAP) < 0)
        return -1;
    gint64 t1 = cpu_ns();
    for (guint i = 0; i < n; i++)
      if (media_srtp_unprotect(in, bufs + (gsize)i * CAP, &lens[i]) < 0 || lens[i] != PKT_LEN)
        return -1;
    gint64 t2 = cpu_ns();
    t_protect += t1 - t0;
    t_unprotect += t2 - t1;
  }
  res->protect_ns = (double)t_protect / packets;
  res->unprotect_ns = (double)t_unprotect / packets;
  return 0;
}

/* One backend: "suite protect_ns unprotect_ns" lines on stdout. */
static int
run_child(guint packets)
{
  if (media_srtp_global_init() < 0)
    return 1;
  printf("backend %s\n", srtp_nettle_backend());
  for (guint s = 0; s < MEDIA_SRTP_SUITE_COUNT; s++) {
    suite_result r;
    if (bench_suite((media_srtp_suite)s, packets, &r) < 0) {
      g_printerr("%s failed\n", media_srtp_suite_name(s));
      return 1;
    }
    printf("%s %.1f %.1f\n", media_srtp_suite_name(s), r.protect_ns, r.unprotect_ns);
  }
  return 0;
}

/* Raw nettle cost of the same work, without libsrtp around it. */
static void
raw_nettle(guint packets, double *cm_ns, double *gcm_ns, double *ctr_ns, double *hmac_ns)
{
  guint8 key[32] = { 1, 2, 3 }, ctr[16] = { 0 }, pkt[PKT_LEN + 16] = { 0x80 }, tag[20];
  struct aes128_ctx aes;
  struct hmac_sha1_ctx mac;
  aes128_set_encrypt_key(&aes, key);
  hmac_sha1_set_key(&mac, 20, key);
  gint64 t0 = cpu_ns();
  for (guint i = 0; i < packets; i++) {
    ctr[15] = 0;
    ctr[13] = (guint8)i;
    ctr_crypt(&aes, (nettle_cipher_func *)aes128_encrypt, 16, ctr, PKT_LEN - 12, pkt + 12, pkt + 12);
    hmac_sha1_update(&mac, PKT_LEN + 4, pkt);
    hmac_sha1_digest(&mac, 10, tag);
  }
  *cm_ns = (double)(cpu_ns() - t0) / packets;
  t0 = cpu_ns();
  for (guint i = 0; i < packets; i++) {
    ctr[15] = 0;
    ctr[13] = (guint8)i;
    ctr_crypt(&aes, (nettle_cipher_func *)aes128_encrypt, 16, ctr, PKT_LEN - 12, pkt + 12, pkt + 12);
  }
  *ctr_ns = (double)(cpu_ns() - t0) / packets;
  t0 = cpu_ns();
  for (guint i = 0; i < packets; i++) {
    pkt[3] = (guint8)i;
    hmac_sha1_update(&mac, PKT_LEN + 4, pkt);
    hmac_sha1_digest(&mac, 10, tag);
  }
  *hmac_ns = (double)(cpu_ns() - t0) / packets;

  struct gcm_aes128_ctx gcm;
  gcm_aes128_set_key(&gcm, key);
  guint8 iv[12] = { 0 };
  t0 = cpu_ns();
  for (guint i = 0; i < packets; i++) {
    iv[11] = (guint8)i;
    gcm_aes128_set_iv(&gcm, sizeof iv, iv);
    gcm_aes128_update(&gcm, 12, pkt);
    gcm_aes128_encrypt(&gcm, PKT_LEN - 12, pkt + 12, pkt + 12);
    gcm_aes128_digest(&gcm, 16, pkt + PKT_LEN);
  }
  *gcm_ns = (double)(cpu_ns() - t0) / packets;
}

typedef struct {
  char backend[16];
  suite_result r[MEDIA_SRTP_SUITE_COUNT];
} backend_result;

static int
run_backend(const char *self, const char *backend, guint packets, backend_result *out)
{
  g_autofree char *count = g_strdup_printf("%u", packets);
  char *argv[] = { (char *)self, (char *)"--child", (char *)"--packets", count, NULL };
  g_auto(GStrv) env = g_environ_setenv(g_get_environ(), "RTC2SIP_SRTP_CRYPTO", backend, TRUE);
  g_autofree char *child_out = NULL;
  int status = 0;
  g_autoptr(GError) error = NULL;
  if (!g_spawn_sync(NULL, argv, env, G_SPAWN_DEFAULT, NULL, NULL, &child_out, NULL, &status, &error) ||
      !g_spawn_check_wait_status(status, &error)) {
    g_printerr("srtp-bench child (%s): %s\n", backend, error->message);
    return -1;
  }
  g_auto(GStrv) lines = g_strsplit(child_out, "\n", -1);
  guint found = 0;
  for (guint i = 0; lines[i]; i++) {
    char name[64];
    double p, u;
    if (sscanf(lines[i], "backend %15s", out->backend) == 1)
      continue;
    if (sscanf(lines[i], "%63s %lf %lf", name, &p, &u) != 3)
      continue;
    media_srtp_suite s;
    if (media_srtp_suite_from_name(name, strlen(name), &s) == 0) {
      out->r[s].protect_ns = p;
      out->r[s].unprotect_ns = u;
      found++;
    }
  }
  return found == MEDIA_SRTP_SUITE_COUNT ? 0 : -1;
}

static char *
cpu_model(void)
{
  g_autofree char *info = NULL;
  if (g_file_get_contents("/proc/cpuinfo", &info, NULL, NULL)) {
    const char *m = strstr(info, "model name");
    const char *colon = m ? strchr(m, ':') : NULL;
    if (colon) {
      const char *end = strchr(colon, '\n');
      return g_strstrip(g_strndup(colon + 1, end ? (gsize)(end - colon - 1) : strlen(colon + 1)));
    }
  }
  return g_strdup("unknown");
}

int
main(int argc, char **argv)
{
  gboolean child = FALSE, json = FALSE;
  gint packets = 200000;
  GOptionEntry entries[] = {
    { "packets", 'n', 0, G_OPTION_ARG_INT, &packets, "packets per suite and backend", "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "print JSON instead of a table", NULL },
    { "child", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &child, "one backend only", NULL },
    { NULL },
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("- SRTP protect+unprotect per suite");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &error) || packets < BATCH) {
    g_printerr("srtp-bench: %s\n", error ? error->message : "--packets must be >= 1024");
    return 2;
  }
  if (child)
    return run_child((guint)packets);

  static const char *const backends[] = { "libsrtp", "nettle" };
  backend_result res[2];
  memset(res, 0, sizeof res);
  for (guint b = 0; b < 2; b++)
    if (run_backend(argv[0], backends[b], (guint)packets, &res[b]) < 0)
      return 1;
  double raw_cm, raw_gcm, raw_ctr, raw_hmac;
  raw_nettle((guint)packets, &raw_cm, &raw_gcm, &raw_ctr, &raw_hmac);
  g_autofree char *cpu = cpu_model();

  if (json) {
    printf("{\"cpu\": \"%s\", \"packet_bytes\": %d, \"packets\": %d,\n \"suites\": [\n", cpu, PKT_LEN,
           packets);
    for (guint s = 0; s < MEDIA_SRTP_SUITE_COUNT; s++) {
      printf("  {\"suite\": \"%s\"", media_srtp_suite_name(s));
      for (guint b = 0; b < 2; b++) {
        const suite_result *r = &res[b].r[s];
        double both = r->protect_ns + r->unprotect_ns;
        printf(", \"%s\": {\"crypto\": \"%s\", \"protect_ns\": %.1f, \"unprotect_ns\": %.1f, "
               "\"ns_per_packet\": %.1f, \"packets_per_s\": %.0f}",
               backends[b], res[b].backend, r->protect_ns, r->unprotect_ns, both, 1e9 / both);
      }
      printf("}%s\n", s + 1 < MEDIA_SRTP_SUITE_COUNT ? "," : "");
    }
    printf(" ],\n \"raw_nettle\": {\"aes128_ctr_hmac_sha1_80_ns\": %.1f, \"aes128_ctr_ns\": %.1f, "
           "\"hmac_sha1_80_ns\": %.1f, \"aes128_gcm_ns\": %.1f}}\n",
           raw_cm, raw_ctr, raw_hmac, raw_gcm);
    return 0;
  }
  printf("CPU: %s\n%d packets of %d bytes per suite; ns = CPU time per packet; "
         "pkt/s = protect+unprotect pairs per second per core\n\n",
         cpu, packets, PKT_LEN);
  printf("%-26s %-8s %10s %10s %10s %12s\n", "suite", "crypto", "protect", "unprotect", "both",
         "pkt/s/core");
  for (guint s = 0; s < MEDIA_SRTP_SUITE_COUNT; s++) {
    for (guint b = 0; b < 2; b++) {
      const suite_result *r = &res[b].r[s];
      double both = r->protect_ns + r->unprotect_ns;
      printf("%-26s %-8s %10.1f %10.1f %10.1f %12.0f\n", b == 0 ? media_srtp_suite_name(s) : "",
             res[b].backend, r->protect_ns, r->unprotect_ns, both, 1e9 / both);
    }
  }
  printf("\nraw nettle, one direction, no libsrtp: AES-128-CTR + HMAC-SHA1-80 %.1f ns "
         "(CTR %.1f, HMAC %.1f), AES-128-GCM %.1f ns\n", raw_cm, raw_ctr, raw_hmac, raw_gcm);
  return 0;
}
