/* relay-bench: the bare media relay loop on loopback, to find the machine's
 * limit. A sender thread offers SRTP packets (172-byte G.711 RTP inside) at
 * a fixed rate to the relay's socket; the relay thread receives them in
 * recvmmsg batches, unprotects (inbound context), rewrites the SSRC,
 * protects again (outbound context, another key) and sends the batch on
 * with sendmmsg to a sink socket the sender thread drains. The relay
 * thread's CPU time (getrusage RUSAGE_THREAD, user + system) divided by the
 * packets it relayed is the cost of one relayed packet; its inverse is the
 * packets per second one core can relay.
 *
 *   tests/bench/relay-bench [--rate PKT/S] [--seconds S] [--batch N]
 *                           [--suite NAME] [--no-srtp] [--json]
 *   RTC2SIP_SRTP_CRYPTO=libsrtp tests/bench/relay-bench ...   (stock crypto)
 *
 * --batch 1 uses recvfrom/sendto per packet instead (what
 * gateway/media/media_leg_rtp.c does today).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gateway/media/media_srtp.h"
#include "gateway/media/srtp_nettle.h"

#define PKT_LEN 172
#define CAP (PKT_LEN + MEDIA_SRTP_MAX_TRAILER)
#define MAX_BATCH 256

typedef struct {
  /* options */
  gint rate, seconds, batch;
  gboolean srtp, json;
  media_srtp_suite suite;
  /* sockets: sender -> relay_in ... relay_out -> sink */
  int sender_fd, relay_in_fd, relay_out_fd, sink_fd;
  struct sockaddr_in relay_in_addr, sink_addr;
  /* results */
  guint64 offered, send_errors, delivered;
  guint64 relayed, dropped, receives;
  gint sender_done;
  double relay_cpu_s, relay_user_s, relay_sys_s, relay_wall_s;
} bench;

static const guint8 key_a[MEDIA_SRTP_MAX_KEY_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
static const guint8 key_b[MEDIA_SRTP_MAX_KEY_LEN] = { 11, 12, 13, 14, 15, 16, 17, 18, 19, 20 };

static int
udp_socket(struct sockaddr_in *bound)
{
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    g_error("socket: %s", g_strerror(errno));
  int size = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  socklen_t len = sizeof sin;
  if (bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0 ||
      getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
    g_error("bind: %s", g_strerror(errno));
  if (bound)
    *bound = sin;
  return fd;
}

static double
now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
build_rtp(guint8 *p, guint16 seq, guint32 ts)
{
  p[0] = 0x80;
  p[1] = 0;
  p[2] = (guint8)(seq >> 8), p[3] = (guint8)seq;
  p[4] = (guint8)(ts >> 24), p[5] = (guint8)(ts >> 16), p[6] = (guint8)(ts >> 8), p[7] = (guint8)ts;
  p[8] = 0xca, p[9] = 0xfe, p[10] = 0xba, p[11] = 0xbe;
  memset(p + 12, 0xd5, PKT_LEN - 12);
}

static void
drain_sink(bench *b)
{
  static guint8 bufs[MAX_BATCH][CAP];
  struct mmsghdr msgs[MAX_BATCH];
  struct iovec iov[MAX_BATCH];
  for (;;) {
    for (int i = 0; i < MAX_BATCH; i++) {
      iov[i] = (struct iovec){ bufs[i], CAP };
      msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
    }
    int n = recvmmsg(b->sink_fd, msgs, MAX_BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0)
      return;
    b->delivered += (guint64)n;
  }
}

/* Offers RATE packets per second in 1 ms ticks for SECONDS, then a 1-byte
 * stop datagram; drains the sink as it goes. */
static gpointer
sender_main(gpointer data)
{
  bench *b = data;
  g_autoptr(media_srtp) out = b->srtp ? media_srtp_new(b->suite, key_a,
      media_srtp_suite_key_length(b->suite), TRUE, NULL) : NULL;
  static guint8 bufs[MAX_BATCH][CAP];
  struct mmsghdr msgs[MAX_BATCH];
  struct iovec iov[MAX_BATCH];
  guint16 seq = 1;
  guint32 ts = 0;
  double credit = 0, per_tick = b->rate / 1000.0;
  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  guint64 ticks = (guint64)b->seconds * 1000;
  for (guint64 t = 0; t < ticks; t++) {
    credit += per_tick;
    while (credit >= 1) {
      int n = (int)MIN(credit, MAX_BATCH);
      for (int i = 0; i < n; i++) {
        gsize len = PKT_LEN;
        build_rtp(bufs[i], seq++, ts += 160);
        if (out && media_srtp_protect(out, bufs[i], &len, CAP) < 0)
          g_error("sender protect failed");
        iov[i] = (struct iovec){ bufs[i], len };
        msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_name = &b->relay_in_addr,
            .msg_namelen = sizeof b->relay_in_addr, .msg_iov = &iov[i], .msg_iovlen = 1 } };
      }
      int sent = sendmmsg(b->sender_fd, msgs, (unsigned)n, 0);
      if (sent < n)
        b->send_errors += (guint64)(n - MAX(sent, 0));
      b->offered += (guint64)n;
      credit -= n;
    }
    drain_sink(b);
    next.tv_nsec += 1000000;
    if (next.tv_nsec >= 1000000000) {
      next.tv_nsec -= 1000000000;
      next.tv_sec++;
    }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
  }
  g_atomic_int_set(&b->sender_done, 1);
  guint8 stop = 0;
  for (int i = 0; i < 3; i++) /* a few, in case the relay's buffer is full */
    sendto(b->sender_fd, &stop, 1, 0, (struct sockaddr *)&b->relay_in_addr, sizeof b->relay_in_addr);
  g_usleep(200000);
  drain_sink(b);
  return NULL;
}

/* Unprotect, rewrite the SSRC, protect, in place. FALSE: drop. */
static gboolean
relay_one(bench *b, media_srtp *in, media_srtp *out, guint8 *p, gsize *len)
{
  if (b->srtp && media_srtp_unprotect(in, p, len) < 0)
    return FALSE;
  p[8] = 0x12, p[9] = 0x34, p[10] = 0x56, p[11] = 0x78;
  if (b->srtp && media_srtp_protect(out, p, len, CAP) < 0)
    return FALSE;
  return TRUE;
}

static double
tv_s(struct timeval tv)
{
  return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static gpointer
relay_main(gpointer data)
{
  bench *b = data;
  gsize key_len = media_srtp_suite_key_length(b->suite);
  g_autoptr(media_srtp) in = b->srtp ? media_srtp_new(b->suite, key_a, key_len, FALSE, NULL) : NULL;
  g_autoptr(media_srtp) out = b->srtp ? media_srtp_new(b->suite, key_b, key_len, TRUE, NULL) : NULL;
  static guint8 bufs[MAX_BATCH][CAP];
  struct mmsghdr msgs[MAX_BATCH], outs[MAX_BATCH];
  struct iovec iov[MAX_BATCH], oiov[MAX_BATCH];
  struct rusage r0, r1;
  double w0 = 0;
  gboolean started = FALSE, stop = FALSE;
  while (!stop) {
    int n;
    if (b->batch == 1) {
      ssize_t got = recv(b->relay_in_fd, bufs[0], CAP, 0);
      n = got < 0 ? -1 : 1;
      msgs[0].msg_len = (unsigned)MAX(got, 0);
    } else {
      for (int i = 0; i < b->batch; i++) {
        iov[i] = (struct iovec){ bufs[i], CAP };
        msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
      }
      n = recvmmsg(b->relay_in_fd, msgs, (unsigned)b->batch, MSG_WAITFORONE, NULL);
    }
    if (n <= 0) { /* SO_RCVTIMEO: the stop datagram may have been dropped */
      stop = g_atomic_int_get(&b->sender_done);
      continue;
    }
    b->receives++;
    if (!started) { /* the clock starts with the first packet */
      getrusage(RUSAGE_THREAD, &r0);
      w0 = now_s();
      started = TRUE;
    }
    int m = 0;
    for (int i = 0; i < n; i++) {
      gsize len = msgs[i].msg_len;
      if (len < 12) {
        stop = TRUE;
        continue;
      }
      if (!relay_one(b, in, out, bufs[i], &len)) {
        b->dropped++;
        continue;
      }
      if (b->batch == 1) {
        sendto(b->relay_out_fd, bufs[i], len, 0, (struct sockaddr *)&b->sink_addr, sizeof b->sink_addr);
      } else {
        oiov[m] = (struct iovec){ bufs[i], len };
        outs[m] = (struct mmsghdr){ .msg_hdr = { .msg_name = &b->sink_addr,
            .msg_namelen = sizeof b->sink_addr, .msg_iov = &oiov[m], .msg_iovlen = 1 } };
        m++;
      }
      b->relayed++;
    }
    if (m > 0)
      sendmmsg(b->relay_out_fd, outs, (unsigned)m, 0);
  }
  getrusage(RUSAGE_THREAD, &r1);
  b->relay_wall_s = now_s() - w0;
  b->relay_user_s = tv_s(r1.ru_utime) - tv_s(r0.ru_utime);
  b->relay_sys_s = tv_s(r1.ru_stime) - tv_s(r0.ru_stime);
  b->relay_cpu_s = b->relay_user_s + b->relay_sys_s;
  return NULL;
}

int
main(int argc, char **argv)
{
  bench b = { .rate = 50000, .seconds = 5, .batch = 64, .srtp = TRUE };
  gboolean no_srtp = FALSE;
  g_autofree char *suite_name = NULL;
  GOptionEntry entries[] = {
    { "rate", 'r', 0, G_OPTION_ARG_INT, &b.rate, "packets per second offered (default 50000)", "N" },
    { "seconds", 's', 0, G_OPTION_ARG_INT, &b.seconds, "duration (default 5)", "S" },
    { "batch", 'b', 0, G_OPTION_ARG_INT, &b.batch, "recvmmsg batch; 1 = recv/sendto (default 64)", "N" },
    { "suite", 0, 0, G_OPTION_ARG_STRING, &suite_name, "SRTP suite (default AES_CM_128_HMAC_SHA1_80)",
      "NAME" },
    { "no-srtp", 0, 0, G_OPTION_ARG_NONE, &no_srtp, "relay plain RTP (syscalls only)", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &b.json, "print JSON", NULL },
    { NULL },
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("- loopback SRTP relay loop");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
    g_printerr("relay-bench: %s\n", error->message);
    return 2;
  }
  b.srtp = !no_srtp;
  b.suite = MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80;
  if (suite_name && media_srtp_suite_from_name(suite_name, strlen(suite_name), &b.suite) < 0) {
    g_printerr("relay-bench: unknown suite %s\n", suite_name);
    return 2;
  }
  if (b.rate < 1000 || b.seconds < 1 || b.batch < 1 || b.batch > MAX_BATCH) {
    g_printerr("relay-bench: --rate >= 1000, --seconds >= 1, 1 <= --batch <= %d\n", MAX_BATCH);
    return 2;
  }
  if (media_srtp_global_init() < 0)
    return 1;
  b.sender_fd = udp_socket(NULL);
  b.relay_in_fd = udp_socket(&b.relay_in_addr);
  struct timeval timeout = { .tv_sec = 0, .tv_usec = 500000 };
  setsockopt(b.relay_in_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  b.relay_out_fd = udp_socket(NULL);
  b.sink_fd = udp_socket(&b.sink_addr);

  GThread *relay = g_thread_new("relay", relay_main, &b);
  GThread *sender = g_thread_new("sender", sender_main, &b);
  g_thread_join(sender);
  g_thread_join(relay);

  double us_per_pkt = b.relayed ? b.relay_cpu_s * 1e6 / (double)b.relayed : 0;
  double pps = b.relay_wall_s > 0 ? (double)b.relayed / b.relay_wall_s : 0;
  double limit = us_per_pkt > 0 ? 1e6 / us_per_pkt : 0;
  const char *crypto = b.srtp ? srtp_nettle_backend() : "none";
  const char *io = b.batch == 1 ? "recv/sendto" : "recvmmsg/sendmmsg";
  if (b.json) {
    printf("{\"suite\": \"%s\", \"crypto\": \"%s\", \"io\": \"%s\", \"batch\": %d, \"rate\": %d, "
           "\"seconds\": %d, \"offered\": %" G_GUINT64_FORMAT ", \"relayed\": %" G_GUINT64_FORMAT
           ", \"srtp_drops\": %" G_GUINT64_FORMAT ", \"delivered\": %" G_GUINT64_FORMAT
           ", \"relayed_per_s\": %.0f, \"cpu_us_per_packet\": %.3f, \"user_us_per_packet\": %.3f, "
           "\"sys_us_per_packet\": %.3f, \"relay_cpu_load\": %.3f, \"packets_per_s_per_core\": %.0f, \"mean_batch\": %.1f}\n",
           b.srtp ? media_srtp_suite_name(b.suite) : "none", crypto, io, b.batch, b.rate, b.seconds,
           b.offered, b.relayed, b.dropped, b.delivered, pps, us_per_pkt,
           b.relayed ? b.relay_user_s * 1e6 / (double)b.relayed : 0,
           b.relayed ? b.relay_sys_s * 1e6 / (double)b.relayed : 0,
           b.relay_wall_s > 0 ? b.relay_cpu_s / b.relay_wall_s : 0, limit,
           b.receives ? (double)b.relayed / (double)b.receives : 0);
    return 0;
  }
  printf("suite %s, crypto %s, %s (batch %d), offered %d pkt/s for %d s\n",
         b.srtp ? media_srtp_suite_name(b.suite) : "none (plain RTP)", crypto, io, b.batch, b.rate,
         b.seconds);
  printf("offered %" G_GUINT64_FORMAT " (send errors %" G_GUINT64_FORMAT "), relayed %"
         G_GUINT64_FORMAT " (%.0f pkt/s), lost before the relay %" G_GUINT64_FORMAT
         ", SRTP drops %" G_GUINT64_FORMAT ", delivered to sink %" G_GUINT64_FORMAT "\n",
         b.offered, b.send_errors, b.relayed, pps, b.offered - b.relayed - b.dropped, b.dropped,
         b.delivered);
  printf("mean receive batch %.1f packets\n", b.receives ? (double)b.relayed / (double)b.receives : 0);
  printf("relay thread CPU: %.3f us/packet (user %.3f, sys %.3f), load %.0f%% of a core\n", us_per_pkt,
         b.relayed ? b.relay_user_s * 1e6 / (double)b.relayed : 0,
         b.relayed ? b.relay_sys_s * 1e6 / (double)b.relayed : 0,
         b.relay_wall_s > 0 ? 100 * b.relay_cpu_s / b.relay_wall_s : 0);
  printf("=> one core relays about %.0f pkt/s (%.0f G.711 calls of 2 x 50 pkt/s)\n", limit,
         limit / 100);
  return 0;
}
