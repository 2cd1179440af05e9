/* SIP transactions in virtual time (RFC 3261 §17): every timer of the four
 * state machines on UDP and TCP, absorption of retransmissions, CANCEL,
 * merged requests and the stateless answers. */
#include <errno.h>
#include <string.h>

#include "tests/unit/test_sip_stack_util.h"

static sip_addr peer_udp, peer_tcp;

static guint
start_invite(sip_stack *s, gint64 now, const sip_addr *hop)
{
  sip_invite_params p = { 0 };
  p.request_uri = "sip:bob@192.0.2.9:5070";
  p.from = "<sip:alice@192.0.2.1>";
  p.to = "<sip:bob@192.0.2.9>";
  p.next_hop = *hop;
  p.content_type = "application/sdp";
  p.body = "v=0\r\n";
  p.body_len = 5;
  return sip_stack_invite(s, now, &p);
}

/* Timer A doubles from T1, timer B fires at 64*T1 with a 408. */
static void
test_invite_client_udp_timers(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(1, "192.0.2.1");
  gint64 now = 1000 * SEC, t0 = now;
  sip_event ev;
  guint d = start_invite(s, now, &peer_udp);
  g_autoptr(tu_out) inv = tu_expect_request(s, "INVITE");
  g_assert_false(inv->reliable);
  g_assert_cmpint(inv->to.port, ==, 5070);
  static const gint64 expect[] = { 500, 1500, 3500, 7500, 15500, 31500 };
  for (guint i = 0; i < G_N_ELEMENTS(expect); i++) {
    g_assert_true(tu_advance(s, &now, G_MAXINT64));
    g_assert_cmpint(now - t0, ==, expect[i] * MS);
    g_autoptr(tu_out) r = tu_expect_request(s, "INVITE");
    tu_expect_no_event(s);
  }
  g_assert_true(tu_advance(s, &now, G_MAXINT64));
  g_assert_cmpint(now - t0, ==, 32 * SEC);   /* B */
  tu_expect_no_output(s);
  tu_expect_event(s, SIP_EVENT_INVITE_RESPONSE, &ev);
  g_assert_cmpuint(ev.status, ==, 408);
  g_assert_cmpuint(ev.dialog, ==, d);
  sip_event_clear(&ev);
  tu_expect_event(s, SIP_EVENT_DIALOG_ENDED, &ev);
  sip_event_clear(&ev);
  g_assert_cmpint(sip_stack_next_deadline(s), ==, G_MAXINT64);
}

/* On TCP: no retransmission, B still at 64*T1. */
static void
test_invite_client_tcp(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(2, "192.0.2.1");
  gint64 now = 0;
  sip_event ev;
  start_invite(s, now, &peer_tcp);
  g_autoptr(tu_out) inv = tu_expect_request(s, "INVITE");
  g_assert_true(inv->reliable);
  g_assert_cmpuint(inv->to.connection_id, ==, 7);
  g_autofree char *via = tu_header(inv->msg, "Via");
  g_assert_nonnull(strstr(via, "SIP/2.0/TCP"));
  g_assert_true(tu_advance(s, &now, G_MAXINT64));
  g_assert_cmpint(now, ==, 32 * SEC);
  tu_expect_no_output(s);
  tu_expect_event(s, SIP_EVENT_INVITE_RESPONSE, &ev);
  g_assert_cmpuint(ev.status, ==, 408);
  sip_event_clear(&ev);
}

/* A non-2xx final gets an ACK on the same branch; the ACK is resent for each
 * retransmitted final during timer D (32 s on UDP), after which the
 * response is a stray. */
static void
test_invite_client_non2xx_ack(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(3, "192.0.2.1");
  gint64 now = 0;
  sip_event ev;
  sip_stack_stats st;
  start_invite(s, now, &peer_udp);
  g_autoptr(tu_out) inv = tu_expect_request(s, "INVITE");
  g_autoptr(GString) busy = tu_response(inv->msg, 486, "callee1", NULL);
  now += 100 * MS;
  tu_feed_string(s, now, &peer_udp, busy);
  g_autoptr(tu_out) ack = tu_expect_request(s, "ACK");
  sip_via v1, v2;
  g_assert_cmpint(sip_message_via(inv->msg, 0, &v1, NULL), ==, 0);
  g_assert_cmpint(sip_message_via(ack->msg, 0, &v2, NULL), ==, 0);
  g_assert_true(sip_slice_caseeq_slice(v1.branch, v2.branch));
  g_autofree char *to = tu_header(ack->msg, "To");
  g_assert_nonnull(strstr(to, "tag=callee1"));
  g_autofree char *cseq = tu_header(ack->msg, "CSeq");
  g_assert_nonnull(strstr(cseq, "ACK"));
  tu_expect_event(s, SIP_EVENT_INVITE_RESPONSE, &ev);
  g_assert_cmpuint(ev.status, ==, 486);
  sip_event_clear(&ev);
  tu_expect_event(s, SIP_EVENT_DIALOG_ENDED, &ev);
  sip_event_clear(&ev);
  /* retransmitted 486: ACK again, no new event */
  tu_feed_string(s, now + SEC, &peer_udp, busy);
  g_autoptr(tu_out) ack2 = tu_expect_request(s, "ACK");
  tu_expect_no_event(s);
  g_assert_cmpint(sip_stack_next_deadline(s), ==, 100 * MS + 32 * SEC);   /* D */
  now = 100 * MS + 32 * SEC;
  sip_stack_tick(s, now);
  tu_feed_string(s, now, &peer_udp, busy);
  tu_expect_no_output(s);
  sip_stack_get_stats(s, &st);
  g_assert_cmpuint(st.stray_responses, ==, 1);
}

/* After a 2xx (Accepted) the transaction has dropped its request: the
 * INVITE is never sent again, CANCEL is refused, a retransmitted 2xx is still
 * ACKed with the INVITE's CSeq, and timer M still ends it. */
static void
test_invite_client_accepted(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(5, "192.0.2.1");
  gint64 now = 0;
  sip_event ev;
  guint d = start_invite(s, now, &peer_udp);
  g_autoptr(tu_out) inv = tu_expect_request(s, "INVITE");
  g_autoptr(GString) ok = tu_response(inv->msg, 200, "callee1", NULL);
  now += 100 * MS;
  tu_feed_string(s, now, &peer_udp, ok);
  g_autoptr(tu_out) ack = tu_expect_request(s, "ACK");
  tu_expect_event(s, SIP_EVENT_INVITE_RESPONSE, &ev);
  g_assert_cmpuint(ev.status, ==, 200);
  sip_event_clear(&ev);
  g_assert_cmpint(sip_stack_cancel(s, now, d), ==, -ENOENT);
  tu_expect_no_output(s);
  /* no INVITE retransmission until M; a retransmitted 200 gets the ACK again */
  g_assert_cmpint(sip_stack_next_deadline(s), ==, 100 * MS + 32 * SEC);   /* M */
  now += 10 * SEC;
  tu_feed_string(s, now, &peer_udp, ok);
  g_autoptr(tu_out) ack2 = tu_expect_request(s, "ACK");
  g_autofree char *cseq_inv = tu_header(inv->msg, "CSeq");
  g_autofree char *cseq_ack = tu_header(ack2->msg, "CSeq");
  g_assert_cmpuint(strtoul(cseq_ack, NULL, 10), ==, strtoul(cseq_inv, NULL, 10));
  tu_expect_no_event(s);
  g_assert_true(tu_advance(s, &now, G_MAXINT64));
  g_assert_cmpint(now, ==, 100 * MS + 32 * SEC);
  tu_expect_no_output(s);
  g_assert_cmpint(sip_stack_bye(s, now, d), ==, 0);
  g_autoptr(tu_out) bye = tu_expect_request(s, "BYE");
}

/* Timer E: T1 doubling up to T2, then F at 64*T1 (a REGISTER drives it). */
static void
test_non_invite_client_udp_timers(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(4, "192.0.2.1");
  gint64 now = 0;
  sip_event ev;
  sip_registration_params p = { "sip:192.0.2.9", "sip:gw@192.0.2.9", NULL, 600, peer_udp, NULL };
  sip_stack_register(s, now, &p);
  tu_expect_event(s, SIP_EVENT_REGISTRATION, &ev);
  g_autoptr(tu_out) r = tu_expect_request(s, "REGISTER");
  static const gint64 expect[] = { 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500 };
  for (guint i = 0; i < G_N_ELEMENTS(expect); i++) {
    g_assert_true(tu_advance(s, &now, G_MAXINT64));
    g_assert_cmpint(now, ==, expect[i] * MS);
    g_autoptr(tu_out) rr = tu_expect_request(s, "REGISTER");
  }
  g_assert_true(tu_advance(s, &now, G_MAXINT64));
  g_assert_cmpint(now, ==, 32 * SEC);   /* F */
  tu_expect_event(s, SIP_EVENT_REGISTRATION, &ev);
  g_assert_cmpint(ev.reg_state, ==, SIP_REG_FAILED);
  g_assert_cmpuint(ev.status, ==, 408);
  sip_event_clear(&ev);
}

/* E in Proceeding fires every T2; K absorbs retransmitted finals for T4. */
static void
test_non_invite_client_proceeding_and_k(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(5, "192.0.2.1");
  gint64 now = 0;
  sip_event ev;
  sip_stack_stats st;
  sip_registration_params p = { "sip:192.0.2.9", "sip:gw@192.0.2.9", NULL, 600, peer_udp, NULL };
  sip_stack_register(s, now, &p);
  tu_expect_event(s, SIP_EVENT_REGISTRATION, &ev);
  g_autoptr(tu_out) r = tu_expect_request(s, "REGISTER");
  g_autoptr(GString) trying = tu_response(r->msg, 100, NULL, NULL);
  tu_feed_string(s, 100 * MS, &peer_udp, trying);
  now = 100 * MS;
  g_assert_true(tu_advance(s, &now, G_MAXINT64));
  g_assert_cmpint(now, ==, 500 * MS);   /* E was armed before the 100 */
  tu_drain(s);
  g_assert_true(tu_advance(s, &now, G_MAXINT64));
  g_assert_cmpint(now, ==, 4500 * MS);  /* then T2 */
  tu_drain(s);
  g_autoptr(GString) ok = tu_response(r->msg, 200, "reg", "Expires: 600\r\n");
  tu_feed_string(s, now, &peer_udp, ok);
  tu_expect_event(s, SIP_EVENT_REGISTRATION, &ev);
  g_assert_cmpint(ev.reg_state, ==, SIP_REG_REGISTERED);
  tu_feed_string(s, now + SEC, &peer_udp, ok);   /* absorbed during K */
  tu_expect_no_event(s);
  sip_stack_get_stats(s, &st);
  g_assert_cmpuint(st.stray_responses, ==, 0);
  sip_stack_tick(s, now + 5 * SEC);              /* K = T4 */
  tu_feed_string(s, now + 5 * SEC, &peer_udp, ok);
  sip_stack_get_stats(s, &st);
  g_assert_cmpuint(st.stray_responses, ==, 1);
}

static guint
incoming_invite(sip_stack *s, gint64 now, const sip_addr *from, const char *branch,
                GString **req_out)
{
  sip_event ev;
  GString *req = tu_request("INVITE", branch, "call-1@peer", "ft1", NULL, 1, NULL, "v=0\r\n");
  guint txn;
  tu_feed_string(s, now, from, req);
  g_autoptr(tu_out) trying = tu_expect_response(s, 100);
  tu_expect_event(s, SIP_EVENT_INCOMING_INVITE, &ev);
  g_assert_nonnull(ev.msg);
  txn = ev.transaction;
  sip_event_clear(&ev);
  *req_out = req;
  return txn;
}

/* Server INVITE: 100 at once, retransmitted INVITE gets the last response,
 * G retransmits a 486 up to T2, H ends it at 64*T1 without ACK. */
static void
test_invite_server_udp_g_h(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(6, "192.0.2.1");
  g_autoptr(GString) req = NULL;
  gint64 now = 0;
  guint txn = incoming_invite(s, now, &peer_udp, "z9hG4bKs1", &req);
  tu_feed_string(s, 200 * MS, &peer_udp, req);
  g_autoptr(tu_out) t2 = tu_expect_response(s, 100);
  g_assert_cmpint(t2->to.port, ==, 5070);
  tu_expect_no_event(s);
  g_assert_cmpint(sip_stack_respond(s, now, txn, 486, NULL, NULL, NULL, NULL, 0, NULL), ==, 0);
  g_autoptr(tu_out) busy = tu_expect_response(s, 486);
  g_autofree char *to = tu_header(busy->msg, "To");
  g_assert_nonnull(strstr(to, ";tag="));
  g_assert_cmpint(sip_stack_respond(s, now, txn, 200, NULL, NULL, NULL, NULL, 0, NULL), ==,
                  -ENOENT);
  static const gint64 expect[] = { 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500 };
  for (guint i = 0; i < G_N_ELEMENTS(expect); i++) {
    g_assert_true(tu_advance(s, &now, G_MAXINT64));
    g_assert_cmpint(now, ==, expect[i] * MS);
    g_autoptr(tu_out) r = tu_expect_response(s, 486);
  }
  g_assert_true(tu_advance(s, &now, G_MAXINT64));
  g_assert_cmpint(now, ==, 32 * SEC);   /* H */
  tu_expect_no_output(s);
  g_assert_cmpint(sip_stack_next_deadline(s), ==, G_MAXINT64);
}

/* ACK stops G and H; I absorbs further ACKs for T4 (0 on TCP). */
static void
test_invite_server_ack_i(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(7, "192.0.2.1");
  g_autoptr(GString) req = NULL;
  gint64 now = 0;
  guint txn = incoming_invite(s, now, &peer_udp, "z9hG4bKs2", &req);
  sip_stack_respond(s, now, txn, 603, NULL, NULL, NULL, NULL, 0, NULL);
  g_autoptr(tu_out) decline = tu_expect_response(s, 603);
  g_autofree char *to = tu_header(decline->msg, "To");
  g_autofree char *tag = g_strdup(strstr(to, "tag=") + 4);
  g_autoptr(GString) ack = tu_request("ACK", "z9hG4bKs2", "call-1@peer", "ft1", tag, 1, NULL, NULL);
  tu_feed_string(s, 100 * MS, &peer_udp, ack);
  tu_expect_no_output(s);
  tu_expect_no_event(s);
  g_assert_cmpint(sip_stack_next_deadline(s), ==, 100 * MS + 5 * SEC);   /* I */
  tu_feed_string(s, 200 * MS, &peer_udp, ack);
  tu_expect_no_output(s);
  now = 100 * MS + 5 * SEC;
  sip_stack_tick(s, now);
  g_assert_cmpint(sip_stack_next_deadline(s), ==, G_MAXINT64);

  /* the same on TCP: no G, I is zero */
  g_autoptr(sip_stack) t = tu_stack_new(8, "192.0.2.1");
  g_autoptr(GString) req2 = NULL;
  txn = incoming_invite(t, 0, &peer_tcp, "z9hG4bKs3", &req2);
  sip_stack_respond(t, 0, txn, 486, NULL, NULL, NULL, NULL, 0, NULL);
  g_autoptr(tu_out) b = tu_expect_response(t, 486);
  g_assert_true(b->reliable);
  g_assert_cmpint(sip_stack_next_deadline(t), ==, 32 * SEC);   /* only H */
  g_autofree char *to2 = tu_header(b->msg, "To");
  g_autoptr(GString) ack2 = tu_request("ACK", "z9hG4bKs3", "call-1@peer", "ft1",
                                       strstr(to2, "tag=") + 4, 1, NULL, NULL);
  tu_feed_string(t, SEC, &peer_tcp, ack2);
  g_assert_cmpint(sip_stack_next_deadline(t), ==, SEC);
  sip_stack_tick(t, SEC);
  g_assert_cmpint(sip_stack_next_deadline(t), ==, G_MAXINT64);
}

/* Non-INVITE server: a retransmitted request gets the same response while
 * J (64*T1 on UDP) runs; OPTIONS answered by the stack. */
static void
test_non_invite_server_j_and_options(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(9, "192.0.2.1");
  g_autoptr(GString) opt = tu_request("OPTIONS", "z9hG4bKo1", "opt@peer", "f1", NULL, 5,
                                      "Max-Forwards: 0\r\n", NULL);
  tu_feed_string(s, 0, &peer_udp, opt);
  g_autoptr(tu_out) ok = tu_expect_response(s, 200);
  g_autofree char *allow = tu_header(ok->msg, "Allow");
  g_autofree char *accept = tu_header(ok->msg, "Accept");
  g_autofree char *sup = tu_header(ok->msg, "Supported");
  g_assert_cmpstr(allow, ==, "INVITE");
  g_assert_true(sip_message_has_token(ok->msg, SIP_HDR_ALLOW, "UPDATE"));
  g_assert_true(sip_message_has_token(ok->msg, SIP_HDR_ALLOW, "CANCEL"));
  g_assert_false(sip_message_has_token(ok->msg, SIP_HDR_ALLOW, "REGISTER"));
  g_assert_cmpstr(accept, ==, "application/sdp");
  g_assert_cmpstr(sup, ==, "timer");   /* first value of the list */
  g_assert_true(sip_message_has_token(ok->msg, SIP_HDR_SUPPORTED, "replaces"));
  g_autofree char *to1 = tu_header(ok->msg, "To");
  tu_feed_string(s, 10 * SEC, &peer_udp, opt);
  g_autoptr(tu_out) ok2 = tu_expect_response(s, 200);
  g_autofree char *to2 = tu_header(ok2->msg, "To");
  g_assert_cmpstr(to1, ==, to2);   /* the same response, same tag */
  g_assert_cmpint(sip_stack_next_deadline(s), ==, 32 * SEC);   /* J */
  sip_stack_tick(s, 32 * SEC);
  g_assert_cmpint(sip_stack_next_deadline(s), ==, G_MAXINT64);

  sip_stack_set_draining(s, TRUE);
  g_autoptr(GString) opt2 = tu_request("OPTIONS", "z9hG4bKo2", "opt2@peer", "f1", NULL, 6, NULL,
                                       NULL);
  tu_feed_string(s, 33 * SEC, &peer_udp, opt2);
  g_autoptr(tu_out) busy = tu_expect_response(s, 503);
  g_autoptr(GString) inv = tu_request("INVITE", "z9hG4bKo3", "inv@peer", "f1", NULL, 1, NULL,
                                      NULL);
  tu_feed_string(s, 33 * SEC, &peer_udp, inv);
  g_autoptr(tu_out) busy2 = tu_expect_response(s, 503);
  tu_expect_no_event(s);
}

/* CANCEL of a pending INVITE: 200 to the CANCEL, 487 to the INVITE, the
 * ACK for the 487 absorbed. */
static void
test_cancel(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(10, "192.0.2.1");
  g_autoptr(GString) req = NULL;
  sip_event ev;
  guint txn = incoming_invite(s, 0, &peer_udp, "z9hG4bKc1", &req);
  g_autoptr(GString) cancel = tu_request("CANCEL", "z9hG4bKc1", "call-1@peer", "ft1", NULL, 1,
                                         NULL, NULL);
  tu_feed_string(s, SEC, &peer_udp, cancel);
  g_autoptr(tu_out) ok = tu_expect_response(s, 200);
  g_autofree char *cseq = tu_header(ok->msg, "CSeq");
  g_assert_cmpstr(cseq, ==, "1 CANCEL");
  g_autoptr(tu_out) term = tu_expect_response(s, 487);
  g_autofree char *cseq2 = tu_header(term->msg, "CSeq");
  g_assert_cmpstr(cseq2, ==, "1 INVITE");
  tu_expect_event(s, SIP_EVENT_CANCELLED, &ev);
  g_assert_cmpuint(ev.transaction, ==, txn);
  sip_event_clear(&ev);
  g_assert_cmpint(sip_stack_respond(s, SEC, txn, 200, NULL, NULL, NULL, NULL, 0, NULL), ==,
                  -ENOENT);
  g_autofree char *to = tu_header(term->msg, "To");
  g_autoptr(GString) ack = tu_request("ACK", "z9hG4bKc1", "call-1@peer", "ft1",
                                      strstr(to, "tag=") + 4, 1, NULL, NULL);
  tu_feed_string(s, 2 * SEC, &peer_udp, ack);
  tu_expect_no_output(s);
  tu_expect_no_event(s);

  /* a retransmitted CANCEL gets its 200 again, and nothing else */
  tu_feed_string(s, 3 * SEC, &peer_udp, cancel);
  g_autoptr(tu_out) ok_again = tu_expect_response(s, 200);
  tu_expect_no_output(s);
  tu_expect_no_event(s);

  /* a CANCEL matching nothing */
  g_autoptr(GString) lost = tu_request("CANCEL", "z9hG4bKnone", "x@peer", "ft1", NULL, 1, NULL,
                                       NULL);
  tu_feed_string(s, 3 * SEC, &peer_udp, lost);
  g_autoptr(tu_out) nf = tu_expect_response(s, 481);
}

/* Our CANCEL waits for a provisional response (§9.1). */
static void
test_cancel_client(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(11, "192.0.2.1");
  sip_event ev;
  guint d = start_invite(s, 0, &peer_udp);
  g_autoptr(tu_out) inv = tu_expect_request(s, "INVITE");
  g_assert_cmpint(sip_stack_cancel(s, 0, d), ==, 0);
  tu_expect_no_output(s);
  g_autoptr(GString) ringing = tu_response(inv->msg, 180, "bob1", NULL);
  tu_feed_string(s, 100 * MS, &peer_udp, ringing);
  g_autoptr(tu_out) cancel = tu_expect_request(s, "CANCEL");
  sip_via v1, v2;
  sip_message_via(inv->msg, 0, &v1, NULL);
  sip_message_via(cancel->msg, 0, &v2, NULL);
  g_assert_true(sip_slice_caseeq_slice(v1.branch, v2.branch));
  tu_expect_event(s, SIP_EVENT_INVITE_RESPONSE, &ev);
  g_assert_cmpuint(ev.status, ==, 180);
  sip_event_clear(&ev);
  g_autoptr(GString) ok = tu_response(cancel->msg, 200, "bob1", NULL);
  tu_feed_string(s, 150 * MS, &peer_udp, ok);
  g_autoptr(GString) term = tu_response(inv->msg, 487, "bob1", NULL);
  tu_feed_string(s, 160 * MS, &peer_udp, term);
  g_autoptr(tu_out) ack = tu_expect_request(s, "ACK");
  tu_expect_event(s, SIP_EVENT_INVITE_RESPONSE, &ev);
  g_assert_cmpuint(ev.status, ==, 487);
  sip_event_clear(&ev);
  tu_expect_event(s, SIP_EVENT_DIALOG_ENDED, &ev);
  sip_event_clear(&ev);
}

static void
test_merged_request(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(12, "192.0.2.1");
  g_autoptr(GString) req = NULL;
  incoming_invite(s, 0, &peer_udp, "z9hG4bKm1", &req);
  /* same From tag, Call-ID, CSeq; another branch: it forked and came back */
  g_autoptr(GString) again = tu_request("INVITE", "z9hG4bKm2", "call-1@peer", "ft1", NULL, 1,
                                        NULL, "v=0\r\n");
  tu_feed_string(s, SEC, &peer_udp, again);
  g_autoptr(tu_out) merged = tu_expect_response(s, 482);
  tu_expect_no_event(s);
}

static void
expect_stateless(const char *text, guint status, const char *header, const char *value)
{
  g_autoptr(sip_stack) s = tu_stack_new(13, "192.0.2.1");
  tu_feed(s, 0, &peer_udp, text);
  g_autoptr(tu_out) r = tu_expect_response(s, status);
  if (header) {
    g_autofree char *v = tu_header(r->msg, header);
    g_assert_nonnull(v);
    g_assert_nonnull(strstr(v, value));
  }
  tu_expect_no_event(s);
  if (status != 481)
    g_assert_cmpint(sip_stack_next_deadline(s), ==, G_MAXINT64);   /* no transaction */
}

#define HDRS "Via: SIP/2.0/UDP 192.0.2.9:5070;branch=z9hG4bKst\r\n" \
  "From: <sip:peer@192.0.2.9>;tag=a\r\nTo: <sip:gw@192.0.2.1>\r\nMax-Forwards: 70\r\n"

static void
test_stateless(void)
{
  expect_stateless("SUBSCRIBE sip:gw@192.0.2.1 SIP/2.0\r\n" HDRS
                   "Call-ID: s1\r\nCSeq: 1 SUBSCRIBE\r\nContent-Length: 0\r\n\r\n",
                   405, "Allow", "INVITE");
  expect_stateless("FROB sip:gw@192.0.2.1 SIP/2.0\r\n" HDRS
                   "Call-ID: s1\r\nCSeq: 1 FROB\r\nContent-Length: 0\r\n\r\n", 501, NULL, NULL);
  expect_stateless("OPTIONS sip:gw@192.0.2.1 SIP/2.0\r\n" HDRS
                   "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", 400, NULL, NULL);
  expect_stateless("OPTIONS sip:gw@192.0.2.1 SIP/2.0\r\n" HDRS
                   "Call-ID: s1\r\nCSeq: 1 OPTIONS\r\nRequire: 100rel, timer\r\n"
                   "Content-Length: 0\r\n\r\n", 420, "Unsupported", "100rel");
  expect_stateless("OPTIONS mailto:gw@example.com SIP/2.0\r\n" HDRS
                   "Call-ID: s1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", 416, NULL,
                   NULL);
  expect_stateless("OPTIONS sip:gw@192.0.2.1 SIP/7.0\r\n" HDRS
                   "Call-ID: s1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", 505, NULL,
                   NULL);
  /* BYE outside any dialog */
  expect_stateless("BYE sip:gw@192.0.2.1 SIP/2.0\r\n" HDRS
                   "Call-ID: s1\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n", 481, NULL, NULL);
}

/* Garbage and responses matching nothing are dropped and counted. */
static void
test_drops(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(14, "192.0.2.1");
  sip_stack_stats st;
  tu_feed(s, 0, &peer_udp, "hello\r\n\r\n");
  tu_feed(s, 0, &peer_udp, "SIP/2.0 200 OK\r\n" HDRS "Call-ID: x\r\nCSeq: 1 OPTIONS\r\n"
                           "Content-Length: 0\r\n\r\n");
  tu_expect_no_output(s);
  sip_stack_get_stats(s, &st);
  g_assert_cmpuint(st.bad_messages, ==, 1);
  g_assert_cmpuint(st.stray_responses, ==, 1);
  g_assert_cmpuint(st.received, ==, 2);
}

/* RFC 3581 / §18.2.2: over UDP a response goes to the source address, at
 * the source port with rport, else at the Via port. */
static void
test_response_address(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(15, "192.0.2.1");
  sip_addr nat = tu_addr(SIP_TRANSPORT_UDP, "198.51.100.7", 40000);
  g_autoptr(GString) with = tu_request("OPTIONS", "z9hG4bKr1", "r1@peer", "f", NULL, 1, NULL, NULL);
  tu_feed_string(s, 0, &nat, with);
  g_autoptr(tu_out) a = tu_expect_response(s, 200);
  g_assert_cmpstr(a->to.host, ==, "198.51.100.7");
  g_assert_cmpint(a->to.port, ==, 40000);
  g_autoptr(GString) without = g_string_new(
      "OPTIONS sip:gw@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.9:5070;branch=z9hG4bKr2\r\n"
      "From: <sip:p@192.0.2.9>;tag=f\r\nTo: <sip:gw@192.0.2.1>\r\nCall-ID: r2\r\n"
      "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
  tu_feed_string(s, 0, &nat, without);
  g_autoptr(tu_out) b = tu_expect_response(s, 200);
  g_assert_cmpstr(b->to.host, ==, "198.51.100.7");
  g_assert_cmpint(b->to.port, ==, 5070);
  /* over TCP: back on the same connection */
  sip_addr tcp = tu_addr(SIP_TRANSPORT_TCP, "198.51.100.7", 40001);
  tcp.connection_id = 99;
  g_autoptr(GString) t = tu_request("OPTIONS", "z9hG4bKr3", "r3@peer", "f", NULL, 1, NULL, NULL);
  tu_feed_string(s, 0, &tcp, t);
  g_autoptr(tu_out) c = tu_expect_response(s, 200);
  g_assert_cmpuint(c->to.connection_id, ==, 99);
  g_assert_true(c->reliable);
}

/* A non-INVITE client transaction on TCP: no E, F at 64*T1, K zero. */
static void
test_non_invite_client_tcp(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(16, "192.0.2.1");
  sip_event ev;
  sip_registration_params p = { "sip:192.0.2.9", "sip:gw@192.0.2.9", NULL, 600, peer_tcp, NULL };
  sip_stack_register(s, 0, &p);
  tu_expect_event(s, SIP_EVENT_REGISTRATION, &ev);
  g_autoptr(tu_out) r = tu_expect_request(s, "REGISTER");
  g_assert_true(r->reliable);
  g_assert_cmpint(sip_stack_next_deadline(s), ==, 32 * SEC);
  g_autoptr(GString) ok = tu_response(r->msg, 200, "x", "Expires: 600\r\n");
  tu_feed_string(s, SEC, &peer_tcp, ok);
  tu_expect_event(s, SIP_EVENT_REGISTRATION, &ev);
  g_assert_cmpint(ev.reg_state, ==, SIP_REG_REGISTERED);
  g_assert_cmpint(sip_stack_next_deadline(s), ==, SEC);   /* K = 0 */
  sip_stack_tick(s, SEC);
  g_assert_cmpint(sip_stack_next_deadline(s), ==, SEC + 570 * SEC);   /* the refresh */
}

/* The glue reports that it could not send: the request fails with 503. */
static void
test_transport_error(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(17, "192.0.2.1");
  sip_event ev;
  start_invite(s, 0, &peer_tcp);
  g_autoptr(tu_out) inv = tu_expect_request(s, "INVITE");
  sip_stack_transport_error(s, 10 * MS, &inv->to);
  tu_expect_event(s, SIP_EVENT_INVITE_RESPONSE, &ev);
  g_assert_cmpuint(ev.status, ==, 503);
  sip_event_clear(&ev);
  tu_expect_event(s, SIP_EVENT_DIALOG_ENDED, &ev);
  sip_event_clear(&ev);
  g_assert_cmpint(sip_stack_next_deadline(s), ==, G_MAXINT64);
}

/* A request larger than the message limit: 513 (RFC 3261 §21.5.14). */
static void
test_too_large(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(18, "192.0.2.1");
  g_autoptr(GString) big = g_string_new(NULL);
  g_autofree char *filler = g_strnfill(4000, 'x');
  for (int i = 0; i < 20; i++)
    g_string_append_printf(big, "X-Filler-%d: %s\r\n", i, filler);
  g_autoptr(GString) req = tu_request("OPTIONS", "z9hG4bKbig", "big@peer", "f", NULL, 1, big->str,
                                      NULL);
  tu_feed_string(s, 0, &peer_udp, req);
  g_autoptr(tu_out) r = tu_expect_response(s, 513);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  peer_udp = tu_addr(SIP_TRANSPORT_UDP, "192.0.2.9", 5070);
  peer_tcp = tu_addr(SIP_TRANSPORT_TCP, "192.0.2.9", 5070);
  g_test_add_func("/sip/transaction/invite-client-udp-timers", test_invite_client_udp_timers);
  g_test_add_func("/sip/transaction/invite-client-tcp", test_invite_client_tcp);
  g_test_add_func("/sip/transaction/invite-client-non2xx-ack", test_invite_client_non2xx_ack);
  g_test_add_func("/sip/transaction/invite-client-accepted", test_invite_client_accepted);
  g_test_add_func("/sip/transaction/non-invite-client-udp-timers",
                  test_non_invite_client_udp_timers);
  g_test_add_func("/sip/transaction/non-invite-client-proceeding-k",
                  test_non_invite_client_proceeding_and_k);
  g_test_add_func("/sip/transaction/invite-server-g-h", test_invite_server_udp_g_h);
  g_test_add_func("/sip/transaction/invite-server-ack-i", test_invite_server_ack_i);
  g_test_add_func("/sip/transaction/non-invite-server-j-options",
                  test_non_invite_server_j_and_options);
  g_test_add_func("/sip/transaction/cancel", test_cancel);
  g_test_add_func("/sip/transaction/cancel-client", test_cancel_client);
  g_test_add_func("/sip/transaction/merged", test_merged_request);
  g_test_add_func("/sip/transaction/stateless", test_stateless);
  g_test_add_func("/sip/transaction/drops", test_drops);
  g_test_add_func("/sip/transaction/response-address", test_response_address);
  g_test_add_func("/sip/transaction/non-invite-client-tcp", test_non_invite_client_tcp);
  g_test_add_func("/sip/transaction/transport-error", test_transport_error);
  g_test_add_func("/sip/transaction/too-large", test_too_large);
  return g_test_run();
}
