/* A call: the browser leg (ICE + DTLS-SRTP on a media worker) joined to a SIP
 * leg, or to itself for the echo test. The call object lives on the main
 * thread; its media objects live on one media worker and are reached only by
 * messages (call_media.c). */
#pragma once
#include "gateway/browser_conn.h"
#include "gateway/media/media_leg.h"
#include "signalling/sdp/sdp.h"
#include "signalling/sdp/sdp_codec.h"

typedef enum {
  CALL_STATE_STARTING,  /* media legs being created, or the SIP side called */
  CALL_STATE_RINGING,   /* the far end rings (180/183, or the page rings) */
  CALL_STATE_ANSWERED,  /* answer sent to the page, ICE/DTLS under way */
  CALL_STATE_SECURED,   /* DTLS-SRTP keys in place */
  CALL_STATE_CONNECTED, /* media flowing */
  CALL_STATE_ENDED,
} call_state;

/* Starts an echo call named NAME for CONN from the page's OFFER (text).
 * Returns 0, or a negative errno with a sentence for the page in *MESSAGE
 * (caller frees) and the browser error code in *CODE. */
int call_start_echo(browser_conn *conn, const char *name, const char *offer_text,
                    browser_error_code *code, char **message);

/* Starts a call named NAME from the page to TO (a SIP URI or a number the
 * dial plan routes) with the page's OFFER. Same returns as call_start_echo. */
int call_start_outbound(browser_conn *conn, const char *name, const char *to, const char *offer_text,
                        browser_error_code *code, char **message);
/* The page answers an incoming call with its SDP answer. */
int call_accept(call *c, const char *answer_text, browser_error_code *code, char **message);
/* The page refuses an incoming call with STATUS. */
void call_reject(call *c, guint status);
/* The page sends DIGITS toward SIP. */
int call_send_dtmf(call *c, const char *digits, guint duration_ms, browser_error_code *code, char **message);

/* The page trickled a candidate (NULL: end of candidates). */
void call_add_remote_candidate(call *c, const char *candidate);

/* Ends the call: releases its media; tells the page with REASON unless the
 * page itself hung up (TELL_PAGE FALSE). */
void call_end(call *c, const char *reason, guint sip_status, gboolean tell_page);
/* The call holds one slot of KEY in gw->limits (taken by the caller), given
 * back when it ends. */
void call_hold_limit(call *c, const char *key);
void call_release_limit(call *c);

/* The connection went away: the call goes on without telling anyone, then
 * ends (no page to tell). */
void call_detach_connection(call *c);

const char *call_state_name(call_state state);

/* Helpers shared by the call files. */
int call_parse_browser_offer(const char *text, sdp_session **out, browser_error_code *code, char **message);
void call_take_browser_offer(call *c, sdp_session *offer);
/* Our answer to the browser's offer with CODECS (NULL: the defaults). */
char *call_build_browser_answer(call *c, const sdp_codec *codecs, guint n_codecs, const char **reason);

/* The call as the admin API shows it: an object with id, name, direction,
 * from, to, state, times and one object per leg (keying, ICE, DTLS,
 * fingerprints, packet counters). */
void call_describe(const call *c, JsonBuilder *b);
/* The page's name of the call ("c1"). */
const char *call_name(const call *c);
guint64 call_serial(const call *c);
/* The latest packet counters of the browser leg (refreshed every second). */
gboolean call_get_stats(const call *c, media_leg_stats *out);
/* Ends the call when no media packet arrived from either side for TIMEOUT
 * (microseconds) by NOW ([media] rtp-timeout). */
void call_check_media_timeout(call *c, gint64 now_us, gint64 timeout_us);
/* Asks the worker for fresh counters (they arrive within a moment). */
void call_refresh_stats(call *c);
