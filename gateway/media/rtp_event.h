/* RFC 4733 telephone-events (DTMF) over RTP: a sans-IO sender and receiver.
 *
 * Payload (RFC 4733 §2.3): event (8 bits), E (end) bit, R bit, volume (6
 * bits), duration (16 bits, in RTP clock units since the event's timestamp).
 * Events 0-15 are the DTMF digits 0-9 * # A-D (§3.2); other events (flash,
 * tones) are ignored by the receiver and refused by the sender.
 *
 * Sender: the caller owns the outgoing RTP stream (SSRC, sequence numbers,
 * the timestamp base). The sender only says, at each poll, which 4-byte
 * payload to send, whether to set the marker, and the event's timestamp as
 * an offset in clock units from the EPOCH_US given at creation; the relay
 * maps that epoch to its own stream timestamp (stream_ts_at(epoch) + offset)
 * and inserts the packet into its stream with the next sequence number.
 * Timing: an event starts when queued (or a gap after the previous one);
 * packet k of an event goes out at start + k*ptime carrying the duration
 * reached at the end of that packet interval, (k+1)*ptime, so the first
 * packet (marker set) says one ptime; when the configured duration is
 * reached the end packet (E bit, final duration) goes out three times, one
 * ptime apart (§2.5.1.4). A late poll skips superseded updates rather than
 * bursting them. Durations must fit 16 bits (no long-event segments).
 *
 * Receiver: fed every telephone-event payload with its RTP timestamp and
 * marker; reports each digit once, when the first packet of its event
 * arrives (whatever packet that is: a lost start packet does not lose the
 * digit), and reports its end when an end packet arrives or, if all end
 * packets are lost, when no packet came for the end timeout (default
 * 300 ms; call tick at next_deadline). Retransmitted and late packets of an
 * event already seen are recognized by (timestamp, event). A new timestamp
 * without marker continuing a long event (duration past 0x8000, §2.5.1.3)
 * is a continuation, not a new digit.
 *
 * Ownership: both objects belong to their caller (one media thread), are
 * freed with their _free function (g_autoptr works) and allocate nothing
 * after creation.
 */
#pragma once
#include <glib.h>

#define RTP_EVENT_PAYLOAD_LEN 4
#define RTP_EVENT_MAX_QUEUE 64

/* '0'-'9', '*', '#', 'A'-'D' for event codes 0-15; 0 for anything else. */
char rtp_event_char(guint code);
/* The event code of a DTMF character (a-d accepted in lower case), or -1. */
int rtp_event_code(char c);

/* ---- sender ---- */

typedef struct {
  guint8 payload_type; /* the telephone-event PT negotiated for the stream */
  guint clock_rate;    /* 8000 or 48000 (any 1000..96000 is accepted) */
  guint duration_ms;   /* per digit, default 100 */
  guint gap_ms;        /* between the end of a digit and the next, default 50 */
  guint ptime_ms;      /* packet interval, default 20 */
  guint8 volume;       /* -dBm0, 0..63, default 10 */
} rtp_event_sender_config;

/* Defaults: PT 101, 8000 Hz, 100 ms, 50 ms, 20 ms, volume 10. */
void rtp_event_sender_config_init(rtp_event_sender_config *cfg);

typedef struct {
  guint8 payload[RTP_EVENT_PAYLOAD_LEN];
  guint8 payload_type;
  gboolean marker;            /* first packet of an event */
  guint32 timestamp_offset;   /* event start, clock units since epoch_us (wraps) */
  gint64 event_start_us;      /* the same instant in monotonic microseconds */
  gboolean end;               /* E bit set */
  char digit;
} rtp_event_packet;

typedef struct rtp_event_sender rtp_event_sender;

/* Returns a new sender, or NULL with *REASON (optional) when CFG is out of
 * range (clock rate, ptime 0, duration not fitting 16 bits of clock units,
 * PT > 127, volume > 63). Caller frees. */
rtp_event_sender *rtp_event_sender_new(const rtp_event_sender_config *cfg, gint64 epoch_us,
                                       const char **reason);
void rtp_event_sender_free(rtp_event_sender *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(rtp_event_sender, rtp_event_sender_free)

/* Queues DIGITS (NUL-terminated) to be sent from NOW_US on. All or none:
 * returns 0, -EINVAL for a character that is no DTMF digit (nothing queued),
 * -ENOSPC when the queue (RTP_EVENT_MAX_QUEUE digits) would overflow. */
int rtp_event_sender_queue(rtp_event_sender *s, const char *digits, gint64 now_us);
/* Pulls the next packet due at NOW_US. Returns TRUE with *OUT filled, or
 * FALSE when nothing is due; call until FALSE. */
gboolean rtp_event_sender_poll(rtp_event_sender *s, gint64 now_us, rtp_event_packet *out);
/* When the next packet is due, or -1 when idle. */
gint64 rtp_event_sender_next_deadline(const rtp_event_sender *s);
/* TRUE while an event is in progress (from its first packet to its last end
 * packet): the relay may mute the audio of that stream meanwhile. */
gboolean rtp_event_sender_busy(const rtp_event_sender *s);

/* ---- receiver ---- */

typedef enum {
  RTP_EVENT_DIGIT_START, /* a new digit: report it (once) */
  RTP_EVENT_DIGIT_END,   /* its end: by E bit or by timeout */
} rtp_event_kind;

typedef struct {
  rtp_event_kind kind;
  char digit;
  guint8 code;
  guint32 timestamp;    /* RTP timestamp of the event */
  guint32 duration;     /* clock units: last seen (START: of the packet seen) */
  gboolean by_timeout;  /* END: no end packet arrived */
} rtp_event_report;

typedef struct {
  guint64 packets, malformed, ignored_events, duplicates, late, timeouts;
} rtp_event_receiver_stats;

typedef struct rtp_event_receiver rtp_event_receiver;

/* CLOCK_RATE in Hz; END_TIMEOUT_MS 0 means the default (300 ms). Caller
 * frees. */
rtp_event_receiver *rtp_event_receiver_new(guint clock_rate, guint end_timeout_ms);
void rtp_event_receiver_free(rtp_event_receiver *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(rtp_event_receiver, rtp_event_receiver_free)

/* Feeds one telephone-event PAYLOAD (LEN bytes, the RTP payload after the
 * header and without padding) with its RTP TIMESTAMP and MARKER, received
 * at NOW_US. Returns 0 (used, duplicate or ignored event code) or -EINVAL
 * (shorter than 4 bytes). Reports are queued for rtp_event_receiver_poll. */
int rtp_event_receiver_feed(rtp_event_receiver *r, gint64 now_us, const guint8 *payload,
                            gsize len, guint32 rtp_timestamp, gboolean marker);
/* Ends an event whose end packets were all lost. */
void rtp_event_receiver_tick(rtp_event_receiver *r, gint64 now_us);
/* When tick is due, or -1. */
gint64 rtp_event_receiver_next_deadline(const rtp_event_receiver *r);
/* Pulls the next report; FALSE when none. */
gboolean rtp_event_receiver_poll(rtp_event_receiver *r, rtp_event_report *out);
void rtp_event_receiver_get_stats(const rtp_event_receiver *r, rtp_event_receiver_stats *out);
