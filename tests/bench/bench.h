/* rtc2sip-bench: shared types of the load generator.
 *
 * One process, one GLib main loop (the default context). Each call has a
 * simulated browser (bench_browser.c: WebSocket set-up, an ICE agent, DTLS
 * and SRTP) and a simulated SIP phone (bench_phone.c: a UAS on one shared
 * UDP SIP socket, an RTP socket per call, SDES, DTLS-SRTP or plain RTP).
 * Media goes out from one batched timer in rtc2sip-bench.c; every payload
 * carries its send time and a sequence number (bench_stats.c), so each
 * receiver measures added one-way latency and loss. */
#pragma once
#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "gateway/media/dtls_srtp.h"
#include "gateway/media/media_srtp.h"
#include "gateway/media/media_poll.h"

typedef enum { BENCH_KEYING_SDES, BENCH_KEYING_DTLS, BENCH_KEYING_RTP } bench_keying;

/* The relay under test. */
typedef enum { BENCH_TARGET_GATEWAY, BENCH_TARGET_RTPENGINE } bench_target;

/* Directions: what the browser sends (received by the phone) and back. */
enum { BENCH_DIR_TO_PHONE, BENCH_DIR_TO_BROWSER, BENCH_DIRS };

/* Latency histogram in microseconds: 1 us buckets below BENCH_HIST_FINE,
 * 100 us buckets up to BENCH_HIST_FINE + BENCH_HIST_COARSE * 100, then an
 * overflow bucket. Fixed size: recording never allocates. */
#define BENCH_HIST_FINE 10000
#define BENCH_HIST_COARSE 10000
typedef struct {
  guint32 fine[BENCH_HIST_FINE];
  guint32 coarse[BENCH_HIST_COARSE];
  guint64 overflow, count;
  gint64 max_us;
} bench_hist;

typedef struct {
  guint64 sent, received;               /* whole run */
  guint64 sent_steady, received_steady; /* packets sent during the measured phase */
  guint64 bad;                          /* failed unprotect or foreign payload */
  bench_hist latency;                   /* measured phase only */
} bench_dir;

/* The payload stamp: every media payload starts with it. */
#define BENCH_MAGIC 0x72733262u /* "rs2b" */
typedef struct {
  guint32 magic;
  guint32 call;
  guint32 seq;
  guint32 steady; /* 1: sent during the measured phase */
  gint64 sent_ns; /* CLOCK_MONOTONIC */
} bench_stamp;

typedef struct bench bench;
typedef struct bench_call bench_call;
typedef struct bench_ws bench_ws;
typedef struct bench_phone bench_phone;
typedef struct bench_phone_leg bench_phone_leg;
typedef struct bench_rtpengine bench_rtpengine;

/* One RTP sender: header fields and the payload sequence. */
typedef struct {
  guint32 ssrc, timestamp, seq;
  guint16 rtp_seq;
} bench_rtp_tx;

struct bench_call {
  bench *b;
  guint index;
  char id[16];   /* the browser protocol's call name, "c17" */
  char user[16]; /* the number dialled, "9000017" */
  /* Browser side (bench_browser.c). */
  bench_ws *ws;
  struct ice_session *ice;
  /* After ICE completed: the selected socket, taken over from libnice as
   * the gateway does (no agent per call left in the bench either). */
  gboolean ice_completed;
  struct ice_consent *consent;
  int fd; /* -1 until then */
  struct media_poll_watch *watch;
  GString *candidates; /* a=candidate lines for the offer */
  dtls_srtp_session *dtls;
  media_srtp *srtp_tx, *srtp_rx;
  bench_rtp_tx browser_tx;
  gboolean welcomed, gathered;
  gboolean browser_media; /* keys are in: the browser sends */
  /* Phone side (bench_phone.c). */
  bench_phone_leg *leg;
  bench_rtp_tx phone_tx;
  gboolean phone_media; /* keys are in (or plain RTP): the phone sends */
  /* Times (monotonic us; 0 = not yet). */
  gint64 t_start, t_offer, t_answer, t_dtls_start, t_dtls_done, t_ready;
  gint64 next_send_us;
  gboolean first_at_browser, first_at_phone;
  gboolean failed, ended;
  gint64 t_hangup;     /* --hold: when the browser hung up (its resources go 1 s later) */
  gboolean released;
  char *failure; /* why it failed */
  /* Per-call packet counters (whole run). */
  guint64 sent[BENCH_DIRS], received[BENCH_DIRS];
};

typedef struct {
  guint calls, duration_s, ptime_ms;
  double rate;
  bench_keying keying;
  guint payload_type; /* 0 PCMU, 8 PCMA */
  gboolean json, verbose;
  char *gateway;
  bench_target target;
  char *rtpengine; /* its binary */
  guint setup_timeout_s;
  char *plot; /* --plot FILE.svg (with --ramp), or NULL */
  guint hold_s; /* --hold: a call hangs up this long after its media flows (0: at the end) */
} bench_options;

/* One ramp run for --plot. */
typedef struct {
  guint calls;
  double us_per_packet;          /* the gateway's CPU per relayed packet; < 0: unknown */
  double p99_us[2];              /* per direction (BENCH_DIRS); < 0: unknown */
} bench_plot_point;

/* bench_plot.c: writes POINTS (of bench_plot_point, any order) as an SVG of
 * CPU per packet and p99 latency against the call count. */
gboolean bench_plot_svg(const char *path, const GArray *points, const char *subtitle, GError **error);

struct bench {
  bench_options opt;
  GMainLoop *loop;
  media_poll *poll; /* the default context's: the WebSockets' and the bench's RTP sockets */
  struct identity *identity; /* the simulated browsers' and phones' certificate */
  char *workdir;
  guint16 http_port, sip_port, admin_port;
  GPid gateway_pid; /* the relay under test: the gateway or rtpengine */
  bench_rtpengine *rtpengine;
  bench_phone *phone;
  bench_call *calls; /* opt.calls of them */
  guint started, ready, failed;
  gboolean steady; /* the measured phase is on */
  gboolean sending;
  bench_dir dir[BENCH_DIRS];
  guint dtls_done;
  guint hung_up, max_open; /* --hold: calls hung up so far, most open at once */
  gint64 first_dtls_start, last_dtls_done;
};

/* bench_stats.c */
gint64 bench_now_ns(void);
void bench_hist_add(bench_hist *h, gint64 us);
/* The value at quantile Q (0..1) in us, or -1 when empty. */
double bench_hist_quantile(const bench_hist *h, double q);
/* Builds an RTP packet with a stamped payload of PAYLOAD_LEN bytes into BUF
 * (CAP bytes); returns its length. */
gsize bench_rtp_build(bench_rtp_tx *tx, guint pt, guint ptime_ms, guint32 call, gboolean steady,
                      guint8 *buf, gsize cap, gsize payload_len);
/* Reads the stamp of the RTP packet BUF (LEN bytes) and records it for
 * direction DIR of CALL. Returns FALSE when it is not one of ours. */
gboolean bench_rtp_receive(bench *b, bench_call *call, int dir, const guint8 *buf, gsize len);

/* bench_browser.c */
void bench_browser_start(bench_call *call);
void bench_browser_send(bench_call *call, guint8 *buf, gsize cap);
void bench_browser_tick(bench_call *call, gint64 now_us);
void bench_browser_hangup(bench_call *call);
/* The relay's SDP answer (TEXT, NUL-terminated): ICE, DTLS and candidates. */
void bench_browser_answer(bench_call *call, const char *text);
void bench_browser_free(bench_call *call);

/* bench_phone.c: the UAS. */
bench_phone *bench_phone_new(bench *b, GError **error);
guint16 bench_phone_port(const bench_phone *p);
void bench_phone_send(bench_call *call, guint8 *buf, gsize cap);
/* Without SIP (--target rtpengine): CALL's phone answers the SDP offer
 * (LEN bytes); returns the SDP answer (caller frees) or NULL with the call
 * failed and *WHY set. */
char *bench_phone_answer(bench_call *call, const char *offer, gsize len, const char **why);
/* Without SIP: the answer was delivered; the phone starts media (or DTLS). */
void bench_phone_media_start(bench_call *call);
void bench_phone_tick(bench_phone *p, gint64 now_us);
void bench_phone_free(bench_phone *p);

/* bench_ramp.c: --ramp; ARGV runs one bench (without --calls and --json). */
int bench_ramp(char **argv, const bench_options *o);
/* Runs ARGV plus --json plus EXTRA (NULL-terminated, may be NULL) as a child
 * and returns its JSON object (owned by *PARSER_OUT, which the caller
 * unrefs), or NULL when it did not finish. */
JsonObject *bench_run_child(char **argv, const char *const *extra, JsonParser **parser_out);
/* A number member of O, or -1. */
double bench_member_num(JsonObject *o, const char *name);
/* bench_compare.c: --compare; ARGV runs one bench (without --target and --json). */
int bench_compare(char **argv, const bench_options *o);

/* bench_rtpengine.c: --target rtpengine over the ng protocol. */
gboolean bench_rtpengine_start(bench *b, guint16 ng_port, GError **error);
void bench_rtpengine_offer(bench_call *call, const char *sdp);
void bench_rtpengine_delete(bench_call *call);
void bench_rtpengine_free(bench *b);

/* rtc2sip-bench.c */
void bench_call_fail(bench_call *call, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Called when something arrived on either side: the call may be ready. */
void bench_call_check_ready(bench_call *call);
void bench_dtls_done(bench_call *call);
