/* SIP dialogs in virtual time (RFC 3261 §12-§15): calls both ways, 2xx
 * retransmission until ACK and BYE without ACK, re-ACK, glare, CSeq order,
 * digest on INVITE, and two stacks talking through a lossy network. */
#include <errno.h>
#include <string.h>

#include "signalling/sip/sip_digest.h"
#include "tests/unit/test_sip_stack_util.h"

static sip_addr peer_udp;

static guint
start_invite(sip_stack *s, gint64 now, const sip_credentials *creds)
{
  sip_invite_params p = { 0 };
  p.request_uri = "sip:bob@192.0.2.9:5070";
  p.from = "<sip:alice@192.0.2.1>";
  p.to = "<sip:bob@192.0.2.9>";
  p.next_hop = peer_udp;
  p.content_type = "application/sdp";
  p.body = "v=0\r\n";
  p.body_len = 5;
  p.credentials = creds;
  return sip_stack_invite(s, now, &p);
}

static guint32
cseq_of(const sip_message *m)
{
  sip_cseq c;
  g_assert_cmpint(sip_message_cseq(m, &c, NULL), ==, 0);
  return c.number;
}

static gboolean
same_branch(const sip_message *a, const sip_message *b)
{
  sip_via va, vb;
  g_assert_cmpint(sip_message_via(a, 0, &va, NULL), ==, 0);
  g_assert_cmpint(sip_message_via(b, 0, &vb, NULL), ==, 0);
  return sip_slice_caseeq_slice(va.branch, vb.branch);
}

/* INVITE -> 100 -> 180 -> 200 -> ACK (new branch, via the Record-Route),
 * re-ACK of retransmitted 2xx (also after timer M), BYE from us. */
static void
test_uac_call(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(21, "192.0.2.1");
  sip_event ev;
  gint64 now = 0;
  guint d = start_invite(s, now, NULL);
  g_autoptr(tu_out) inv = tu_expect_request(s, "INVITE");
  g_autoptr(GString) trying = tu_response(inv->msg, 100, NULL, NULL);
  g_autoptr(GString) ringing = tu_response(inv->msg, 180, "bob1", NULL);
  g_autoptr(GString) ok = tu_response(inv->msg, 200, "bob1",
                                      "Record-Route: <sip:192.0.2.50;lr>\r\n");
  tu_feed_string(s, 10 * MS, &peer_udp, trying);
  tu_expect_no_event(s);
  tu_feed_string(s, 20 * MS, &peer_udp, ringing);
  tu_expect_event(s, SIP_EVENT_INVITE_RESPONSE, &ev);
  g_assert_cmpuint(ev.status, ==, 180);
  g_assert_cmpuint(ev.dialog, ==, d);
  sip_event_clear(&ev);
  tu_feed_string(s, 30 * MS, &peer_udp, ok);
  g_autoptr(tu_out) ack = tu_expect_request(s, "ACK");
  g_assert_false(same_branch(inv->msg, ack->msg));
  g_assert_cmpuint(cseq_of(ack->msg), ==, cseq_of(inv->msg));
  g_assert_true(sip_slice_eq(ack->msg->request_uri, "sip:peer@192.0.2.9:5070"));
  g_autofree char *route = tu_header(ack->msg, "Route");
  g_assert_cmpstr(route, ==, "<sip:192.0.2.50;lr>");
  g_assert_cmpstr(ack->to.host, ==, "192.0.2.50");
  g_assert_cmpint(ack->to.port, ==, 5060);
  tu_expect_event(s, SIP_EVENT_INVITE_RESPONSE, &ev);
  g_assert_cmpuint(ev.status, ==, 200);
  g_assert_nonnull(ev.msg);
  sip_event_clear(&ev);
  /* retransmitted 200: the same ACK again, no event */
  tu_feed_string(s, 600 * MS, &peer_udp, ok);
  g_autoptr(tu_out) ack2 = tu_expect_request(s, "ACK");
  g_assert_true(same_branch(ack->msg, ack2->msg));
  tu_expect_no_event(s);
  /* after timer M the transaction is gone; the dialog still re-ACKs */
  now = 40 * SEC;
  sip_stack_tick(s, now);
  tu_feed_string(s, now, &peer_udp, ok);
  g_autoptr(tu_out) ack3 = tu_expect_request(s, "ACK");
  /* BYE from us */
  g_assert_cmpint(sip_stack_bye(s, now, d), ==, 0);
  g_autoptr(tu_out) bye = tu_expect_request(s, "BYE");
  g_assert_cmpuint(cseq_of(bye->msg), ==, cseq_of(inv->msg) + 1);
  g_autofree char *to = tu_header(bye->msg, "To");
  g_assert_nonnull(strstr(to, "tag=bob1"));
  g_autoptr(GString) bye_ok = tu_response(bye->msg, 200, NULL, NULL);
  tu_feed_string(s, now + 10 * MS, &peer_udp, bye_ok);
  tu_expect_event(s, SIP_EVENT_DIALOG_ENDED, &ev);
  g_assert_cmpuint(ev.dialog, ==, d);
  sip_event_clear(&ev);
  g_assert_cmpint(sip_stack_bye(s, now, d), ==, -ENOENT);
}

/* Sets up a UAS dialog: INVITE in, 180, 200 (retransmitted until ACK). */
static guint
uas_answer(sip_stack *s, gint64 now, char **tag_out, const char *extra)
{
  sip_event ev;
  guint dialog = 0, d2 = 0;
  g_autoptr(GString) inv = tu_request("INVITE", "z9hG4bKu1", "uas-call@peer", "pt", NULL, 1,
                                      extra, "v=0\r\n");
  tu_feed_string(s, now, &peer_udp, inv);
  g_autoptr(tu_out) trying = tu_expect_response(s, 100);
  tu_expect_event(s, SIP_EVENT_INCOMING_INVITE, &ev);
  guint txn = ev.transaction;
  sip_event_clear(&ev);
  g_assert_cmpint(sip_stack_respond(s, now, txn, 180, NULL, NULL, NULL, NULL, 0, &dialog), ==, 0);
  g_assert_cmpuint(dialog, !=, 0);
  g_autoptr(tu_out) ringing = tu_expect_response(s, 180);
  g_assert_cmpint(sip_stack_respond(s, now, txn, 200, NULL, NULL, "application/sdp", "v=0\r\n", 5,
                                    &d2), ==, 0);
  g_assert_cmpuint(d2, ==, dialog);
  g_autoptr(tu_out) ok = tu_expect_response(s, 200);
  g_autofree char *to1 = tu_header(ringing->msg, "To");
  g_autofree char *to2 = tu_header(ok->msg, "To");
  g_assert_cmpstr(to1, ==, to2);
  g_autofree char *contact = tu_header(ok->msg, "Contact");
  g_assert_cmpstr(contact, ==, "<sip:gw@192.0.2.1:5060>");
  if (extra) {
    g_autofree char *se = tu_header(ok->msg, "Session-Expires");
    g_assert_cmpstr(se, ==, "1800;refresher=uac");
  }
  *tag_out = g_strdup(strstr(to2, "tag=") + 4);
  return dialog;
}

static void
test_uas_call(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(22, "192.0.2.1");
  g_autofree char *tag = NULL;
  sip_event ev;
  gint64 now = 0;
  guint d = uas_answer(s, now, &tag, "Session-Expires: 1800;refresher=uac\r\n");
  /* the 2xx is retransmitted at T1, 2*T1… until the ACK */
  g_assert_true(tu_advance(s, &now, G_MAXINT64));
  g_assert_cmpint(now, ==, 500 * MS);
  g_autoptr(tu_out) r1 = tu_expect_response(s, 200);
  g_assert_true(tu_advance(s, &now, G_MAXINT64));
  g_assert_cmpint(now, ==, 1500 * MS);
  g_autoptr(tu_out) r2 = tu_expect_response(s, 200);
  g_autoptr(GString) ack = tu_request("ACK", "z9hG4bKa1", "uas-call@peer", "pt", tag, 1, NULL,
                                      NULL);
  tu_feed_string(s, now + 100 * MS, &peer_udp, ack);
  tu_expect_no_output(s);
  tu_expect_event(s, SIP_EVENT_ACK, &ev);
  g_assert_cmpuint(ev.dialog, ==, d);
  sip_event_clear(&ev);
  g_assert_cmpint(sip_stack_next_deadline(s), ==, 32 * SEC);   /* only timer L */
  /* in-dialog INFO, then one with a lower CSeq: 500 */
  g_autoptr(GString) info = tu_request("INFO", "z9hG4bKi1", "uas-call@peer", "pt", tag, 5, NULL,
                                       NULL);
  tu_feed_string(s, 2 * SEC, &peer_udp, info);
  tu_expect_event(s, SIP_EVENT_INFO, &ev);
  g_assert_cmpint(sip_stack_respond(s, 2 * SEC, ev.transaction, 200, NULL, NULL, NULL, NULL, 0,
                                    NULL), ==, 0);
  sip_event_clear(&ev);
  g_autoptr(tu_out) info_ok = tu_expect_response(s, 200);
  g_autoptr(GString) old = tu_request("INFO", "z9hG4bKi2", "uas-call@peer", "pt", tag, 3, NULL,
                                      NULL);
  tu_feed_string(s, 2 * SEC, &peer_udp, old);
  g_autoptr(tu_out) err = tu_expect_response(s, 500);
  tu_expect_no_event(s);
  /* in-dialog OPTIONS answered by the stack */
  g_autoptr(GString) opt = tu_request("OPTIONS", "z9hG4bKo9", "uas-call@peer", "pt", tag, 6, NULL,
                                      NULL);
  tu_feed_string(s, 2 * SEC, &peer_udp, opt);
  g_autoptr(tu_out) opt_ok = tu_expect_response(s, 200);
  /* the peer hangs up */
  g_autoptr(GString) bye = tu_request("BYE", "z9hG4bKb1", "uas-call@peer", "pt", tag, 7, NULL,
                                      NULL);
  tu_feed_string(s, 3 * SEC, &peer_udp, bye);
  g_autoptr(tu_out) bye_ok = tu_expect_response(s, 200);
  tu_expect_event(s, SIP_EVENT_BYE, &ev);
  sip_event_clear(&ev);
  tu_expect_event(s, SIP_EVENT_DIALOG_ENDED, &ev);
  g_assert_cmpuint(ev.dialog, ==, d);
  sip_event_clear(&ev);
  /* a BYE for the dialog now gone */
  g_autoptr(GString) bye2 = tu_request("BYE", "z9hG4bKb2", "uas-call@peer", "pt", tag, 8, NULL,
                                       NULL);
  tu_feed_string(s, 4 * SEC, &peer_udp, bye2);
  g_autoptr(tu_out) nf = tu_expect_response(s, 481);
}

/* No ACK: the 2xx is retransmitted (T1 doubling to T2) and after 64*T1 the
 * dialog is ended with BYE. */
static void
test_uas_no_ack(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(23, "192.0.2.1");
  g_autofree char *tag = NULL;
  sip_event ev;
  gint64 now = 0;
  guint n = 0;
  guint d = uas_answer(s, now, &tag, NULL);
  while (tu_advance(s, &now, 32 * SEC - 1)) {
    g_autoptr(tu_out) r = tu_expect_response(s, 200);
    n++;
  }
  g_assert_cmpuint(n, ==, 10);   /* 0.5 1.5 3.5 7.5 11.5 … 31.5 */
  g_assert_true(tu_advance(s, &now, G_MAXINT64));
  g_assert_cmpint(now, ==, 32 * SEC);
  g_autoptr(tu_out) bye = tu_expect_request(s, "BYE");
  g_assert_cmpstr(bye->to.host, ==, "192.0.2.9");
  g_assert_cmpint(bye->to.port, ==, 5070);
  tu_expect_event(s, SIP_EVENT_DIALOG_ENDED, &ev);
  g_assert_cmpuint(ev.dialog, ==, d);
  g_assert_cmpuint(ev.status, ==, 408);
  sip_event_clear(&ev);
}

/* Glare (§14.1): both sides re-INVITE; theirs gets 491 from us, ours gets
 * 491 from them; we (not the Call-ID owner) retry within 0-2 s. */
static void
test_reinvite_glare(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(24, "192.0.2.1");
  g_autofree char *tag = NULL;
  sip_event ev;
  gint64 now = 0;
  guint d = uas_answer(s, now, &tag, NULL);
  g_autoptr(GString) ack = tu_request("ACK", "z9hG4bKa1", "uas-call@peer", "pt", tag, 1, NULL,
                                      NULL);
  tu_feed_string(s, 100 * MS, &peer_udp, ack);
  tu_expect_event(s, SIP_EVENT_ACK, &ev);
  sip_event_clear(&ev);
  now = SEC;
  g_assert_cmpint(sip_stack_reinvite(s, now, d, "application/sdp", "v=1\r\n", 5), ==, 0);
  g_assert_cmpint(sip_stack_reinvite(s, now, d, "application/sdp", "v=1\r\n", 5), ==, -EBUSY);
  g_autoptr(tu_out) ours = tu_expect_request(s, "INVITE");
  g_autofree char *ours_to = tu_header(ours->msg, "To");
  g_assert_nonnull(strstr(ours_to, "tag=pt"));
  g_autoptr(GString) theirs = tu_request("INVITE", "z9hG4bKr1", "uas-call@peer", "pt", tag, 2,
                                         NULL, "v=2\r\n");
  tu_feed_string(s, now, &peer_udp, theirs);
  g_autoptr(tu_out) glare = tu_expect_response(s, 491);
  tu_expect_no_event(s);
  g_autoptr(GString) their491 = tu_response(ours->msg, 491, NULL, NULL);
  tu_feed_string(s, now + 50 * MS, &peer_udp, their491);
  g_autoptr(tu_out) ack491 = tu_expect_request(s, "ACK");
  tu_expect_no_event(s);
  gint64 retry = sip_stack_next_deadline(s);
  g_assert_cmpint(retry, >=, now + 50 * MS);
  g_assert_cmpint(retry, <=, now + 50 * MS + 2 * SEC);
  sip_stack_tick(s, retry);
  g_autoptr(tu_out) again = tu_expect_request(s, "INVITE");
  g_assert_cmpuint(cseq_of(again->msg), ==, cseq_of(ours->msg) + 1);
  g_assert_true(sip_slice_eq(again->msg->body, "v=1\r\n"));
  g_autoptr(GString) ok = tu_response(again->msg, 200, NULL, NULL);
  tu_feed_string(s, retry + 10 * MS, &peer_udp, ok);
  g_autoptr(tu_out) ack2 = tu_expect_request(s, "ACK");
  g_assert_cmpuint(cseq_of(ack2->msg), ==, cseq_of(again->msg));
  tu_expect_event(s, SIP_EVENT_INVITE_RESPONSE, &ev);
  g_assert_cmpuint(ev.status, ==, 200);
  g_assert_cmpuint(ev.dialog, ==, d);
  sip_event_clear(&ev);
}

/* The value of NAME in an Authorization header value. */
static char *
auth_param(const char *value, const char *name)
{
  g_autofree char *key = g_strdup_printf("%s=", name);
  const char *p = value;
  while ((p = strstr(p, key))) {
    if (p == value || p[-1] == ' ' || p[-1] == ',') {
      p += strlen(key);
      if (*p == '"')
        return g_strndup(p + 1, (gsize)(strchr(p + 1, '"') - p - 1));
      return g_strndup(p, strcspn(p, ", "));
    }
    p++;
  }
  return NULL;
}

/* Checks an Authorization value against sip_digest_response. */
void check_authorization(const sip_message *req, const char *header, const char *password);
void
check_authorization(const sip_message *req, const char *header, const char *password)
{
  g_autofree char *value = tu_header(req, header);
  g_assert_nonnull(value);
  g_autofree char *user = auth_param(value, "username");
  g_autofree char *realm = auth_param(value, "realm");
  g_autofree char *nonce = auth_param(value, "nonce");
  g_autofree char *uri = auth_param(value, "uri");
  g_autofree char *nc = auth_param(value, "nc");
  g_autofree char *cnonce = auth_param(value, "cnonce");
  g_autofree char *qop = auth_param(value, "qop");
  g_autofree char *response = auth_param(value, "response");
  g_autofree char *method = sip_slice_dup(req->method);
  g_autofree char *ruri = sip_slice_dup(req->request_uri);
  char expect[SIP_DIGEST_HEX_MAX];
  g_assert_cmpstr(uri, ==, ruri);
  g_assert_cmpint(sip_digest_response(SIP_DIGEST_MD5, user, realm, password, nonce, nc, cnonce,
                                      qop, method, uri, NULL, 0, expect), ==, 0);
  g_assert_cmpstr(response, ==, expect);
}

#define CHALLENGE(n, extra) \
  "WWW-Authenticate: Digest realm=\"pbx\", nonce=\"" n "\", qop=\"auth\"" extra "\r\n"

static void
test_invite_digest(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(25, "192.0.2.1");
  sip_credentials creds = { "alice", "wonderland" };
  sip_event ev;
  guint d = start_invite(s, 0, &creds);
  g_autoptr(tu_out) inv = tu_expect_request(s, "INVITE");
  g_assert_null(sip_message_header(inv->msg, SIP_HDR_AUTHORIZATION));
  g_autoptr(GString) chal = tu_response(inv->msg, 401, "p1", CHALLENGE("n1", ""));
  tu_feed_string(s, 10 * MS, &peer_udp, chal);
  g_autoptr(tu_out) ack = tu_expect_request(s, "ACK");
  g_autoptr(tu_out) inv2 = tu_expect_request(s, "INVITE");
  tu_expect_no_event(s);
  g_assert_false(same_branch(inv->msg, inv2->msg));
  g_assert_cmpuint(cseq_of(inv2->msg), ==, cseq_of(inv->msg) + 1);
  g_autofree char *f1 = tu_header(inv->msg, "From");
  g_autofree char *f2 = tu_header(inv2->msg, "From");
  g_assert_cmpstr(f1, ==, f2);
  g_autofree char *c1 = tu_header(inv->msg, "Call-ID");
  g_autofree char *c2 = tu_header(inv2->msg, "Call-ID");
  g_assert_cmpstr(c1, ==, c2);
  g_assert_true(sip_slice_eq(inv2->msg->body, "v=0\r\n"));
  check_authorization(inv2->msg, "Authorization", "wonderland");
  /* stale: retried with the new nonce */
  g_autoptr(GString) stale = tu_response(inv2->msg, 401, "p1", CHALLENGE("n2", ", stale=true"));
  tu_feed_string(s, 20 * MS, &peer_udp, stale);
  g_autoptr(tu_out) ack2 = tu_expect_request(s, "ACK");
  g_autoptr(tu_out) inv3 = tu_expect_request(s, "INVITE");
  check_authorization(inv3->msg, "Authorization", "wonderland");
  g_autofree char *a3 = tu_header(inv3->msg, "Authorization");
  g_assert_nonnull(strstr(a3, "nonce=\"n2\""));
  /* the same nonce refused again: wrong password, the call fails */
  g_autoptr(GString) again = tu_response(inv3->msg, 401, "p1", CHALLENGE("n2", ""));
  tu_feed_string(s, 30 * MS, &peer_udp, again);
  g_autoptr(tu_out) ack3 = tu_expect_request(s, "ACK");
  tu_expect_no_output(s);
  tu_expect_event(s, SIP_EVENT_INVITE_RESPONSE, &ev);
  g_assert_cmpuint(ev.status, ==, 401);
  g_assert_cmpuint(ev.dialog, ==, d);
  sip_event_clear(&ev);
  tu_expect_event(s, SIP_EVENT_DIALOG_ENDED, &ev);
  sip_event_clear(&ev);
}

/* In-dialog digest: the call was authorised, so the BYE answers the same
 * challenge at once (nc 2); a 407 on the BYE is retried with CSeq + 1. */
static void
test_in_dialog_digest(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(26, "192.0.2.1");
  sip_credentials creds = { "alice", "wonderland" };
  sip_event ev;
  guint d = start_invite(s, 0, &creds);
  g_autoptr(tu_out) inv = tu_expect_request(s, "INVITE");
  g_autoptr(GString) chal = tu_response(inv->msg, 401, "p1", CHALLENGE("n1", ""));
  tu_feed_string(s, 10 * MS, &peer_udp, chal);
  g_autoptr(tu_out) ack = tu_expect_request(s, "ACK");
  g_autoptr(tu_out) inv2 = tu_expect_request(s, "INVITE");
  g_autoptr(GString) ok = tu_response(inv2->msg, 200, "bob2", NULL);
  tu_feed_string(s, 20 * MS, &peer_udp, ok);
  g_autoptr(tu_out) ack2 = tu_expect_request(s, "ACK");
  g_assert_cmpuint(cseq_of(ack2->msg), ==, cseq_of(inv2->msg));
  tu_expect_event(s, SIP_EVENT_INVITE_RESPONSE, &ev);
  g_assert_cmpuint(ev.status, ==, 200);
  sip_event_clear(&ev);
  g_assert_cmpint(sip_stack_bye(s, SEC, d), ==, 0);
  g_autoptr(tu_out) bye = tu_expect_request(s, "BYE");
  check_authorization(bye->msg, "Authorization", "wonderland");
  g_autofree char *a = tu_header(bye->msg, "Authorization");
  g_assert_nonnull(strstr(a, "nc=00000002"));
  g_autoptr(GString) pchal = tu_response(bye->msg, 407, NULL,
      "Proxy-Authenticate: Digest realm=\"proxy\", nonce=\"pn\", qop=\"auth\"\r\n");
  tu_feed_string(s, SEC, &peer_udp, pchal);
  g_autoptr(tu_out) bye2 = tu_expect_request(s, "BYE");
  g_assert_cmpuint(cseq_of(bye2->msg), ==, cseq_of(bye->msg) + 1);
  check_authorization(bye2->msg, "Proxy-Authorization", "wonderland");
  check_authorization(bye2->msg, "Authorization", "wonderland");
  g_autoptr(GString) bye_ok = tu_response(bye2->msg, 200, NULL, NULL);
  tu_feed_string(s, SEC, &peer_udp, bye_ok);
  tu_expect_event(s, SIP_EVENT_DIALOG_ENDED, &ev);
  g_assert_cmpuint(ev.status, ==, 200);
  sip_event_clear(&ev);
}

/* UPDATE from the peer (a target refresh) and a re-INVITE from us. */
static void
test_update_and_reinvite(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(27, "192.0.2.1");
  g_autofree char *tag = NULL;
  sip_event ev;
  guint d = uas_answer(s, 0, &tag, NULL);
  g_autoptr(GString) ack = tu_request("ACK", "z9hG4bKa1", "uas-call@peer", "pt", tag, 1, NULL,
                                      NULL);
  tu_feed_string(s, 100 * MS, &peer_udp, ack);
  tu_expect_event(s, SIP_EVENT_ACK, &ev);
  sip_event_clear(&ev);
  g_autoptr(GString) upd = tu_request("UPDATE", "z9hG4bKup", "uas-call@peer", "pt", tag, 2,
                                      "Contact: <sip:peer@192.0.2.10:5080>\r\n", "v=3\r\n");
  /* tu_request already wrote a Contact; the second value is ignored */
  tu_feed_string(s, SEC, &peer_udp, upd);
  tu_expect_event(s, SIP_EVENT_UPDATE, &ev);
  g_assert_cmpuint(ev.dialog, ==, d);
  g_assert_true(sip_slice_eq(ev.msg->body, "v=3\r\n"));
  g_assert_cmpint(sip_stack_respond(s, SEC, ev.transaction, 200, NULL, NULL, "application/sdp",
                                    "v=4\r\n", 5, NULL), ==, 0);
  sip_event_clear(&ev);
  g_autoptr(tu_out) uok = tu_expect_response(s, 200);
  g_autofree char *contact = tu_header(uok->msg, "Contact");
  g_assert_cmpstr(contact, ==, "<sip:gw@192.0.2.1:5060>");
  /* our re-INVITE: CSeq of our side, To/From swapped, ACK for its 2xx */
  g_assert_cmpint(sip_stack_reinvite(s, 2 * SEC, d, "application/sdp", "v=5\r\n", 5), ==, 0);
  g_autoptr(tu_out) re = tu_expect_request(s, "INVITE");
  g_autofree char *from = tu_header(re->msg, "From");
  g_assert_nonnull(strstr(from, tag));
  g_assert_true(sip_slice_eq(re->msg->request_uri, "sip:peer@192.0.2.9:5070"));
  g_autofree char *rc = tu_header(re->msg, "Contact");
  g_assert_cmpstr(rc, ==, "<sip:gw@192.0.2.1:5060>");
  g_autoptr(GString) reok = tu_response(re->msg, 200, NULL, NULL);
  tu_feed_string(s, 2 * SEC, &peer_udp, reok);
  g_autoptr(tu_out) reack = tu_expect_request(s, "ACK");
  g_assert_cmpuint(cseq_of(reack->msg), ==, cseq_of(re->msg));
  tu_expect_event(s, SIP_EVENT_INVITE_RESPONSE, &ev);
  g_assert_cmpuint(ev.status, ==, 200);
  sip_event_clear(&ev);
  /* retransmitted 2xx of the re-INVITE: re-ACK */
  tu_feed_string(s, 3 * SEC, &peer_udp, reok);
  g_autoptr(tu_out) reack2 = tu_expect_request(s, "ACK");
  tu_expect_no_event(s);
  /* INFO from us */
  g_assert_cmpint(sip_stack_info(s, 4 * SEC, d, "application/dtmf-relay", "Signal=1\r\n", 10),
                  ==, 0);
  g_autoptr(tu_out) info = tu_expect_request(s, "INFO");
  g_autoptr(GString) iok = tu_response(info->msg, 200, NULL, NULL);
  tu_feed_string(s, 4 * SEC, &peer_udp, iok);
  tu_expect_event(s, SIP_EVENT_REQUEST_RESPONSE, &ev);
  g_assert_cmpuint(ev.status, ==, 200);
  sip_event_clear(&ev);
}

/* Two forks answer: the first 2xx makes the dialog, the second is ACKed
 * and ended with BYE without the call logic seeing it (§13.2.2.4). */
static void
test_forked_2xx(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(28, "192.0.2.1");
  sip_event ev;
  guint d = start_invite(s, 0, NULL);
  g_autoptr(tu_out) inv = tu_expect_request(s, "INVITE");
  g_autoptr(GString) ok1 = tu_response(inv->msg, 200, "fork1", NULL);
  g_autoptr(GString) ok2 = tu_response(inv->msg, 200, "fork2", NULL);
  tu_feed_string(s, 10 * MS, &peer_udp, ok1);
  g_autoptr(tu_out) ack1 = tu_expect_request(s, "ACK");
  tu_expect_event(s, SIP_EVENT_INVITE_RESPONSE, &ev);
  g_assert_cmpuint(ev.dialog, ==, d);
  sip_event_clear(&ev);
  tu_feed_string(s, 20 * MS, &peer_udp, ok2);
  g_autoptr(tu_out) ack2 = tu_expect_request(s, "ACK");
  g_autofree char *to2 = tu_header(ack2->msg, "To");
  g_assert_nonnull(strstr(to2, "tag=fork2"));
  g_autoptr(tu_out) bye = tu_expect_request(s, "BYE");
  g_autofree char *tob = tu_header(bye->msg, "To");
  g_assert_nonnull(strstr(tob, "tag=fork2"));
  tu_expect_no_event(s);
  g_autoptr(GString) bye_ok = tu_response(bye->msg, 200, NULL, NULL);
  tu_feed_string(s, 30 * MS, &peer_udp, bye_ok);
  tu_expect_no_event(s);
  /* the kept dialog still works */
  g_assert_cmpint(sip_stack_bye(s, SEC, d), ==, 0);
  g_autoptr(tu_out) bye1 = tu_expect_request(s, "BYE");
  g_autofree char *to1 = tu_header(bye1->msg, "To");
  g_assert_nonnull(strstr(to1, "tag=fork1"));
}

/* Shutdown ends the calls with BYE and reports done once they are answered. */
static void
test_shutdown_with_call(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(29, "192.0.2.1");
  g_autofree char *tag = NULL;
  sip_event ev;
  guint d = uas_answer(s, 0, &tag, NULL);
  g_autoptr(GString) ack = tu_request("ACK", "z9hG4bKa1", "uas-call@peer", "pt", tag, 1, NULL,
                                      NULL);
  tu_feed_string(s, 100 * MS, &peer_udp, ack);
  tu_expect_event(s, SIP_EVENT_ACK, &ev);
  sip_event_clear(&ev);
  sip_stack_shutdown(s, SEC);
  g_autoptr(tu_out) bye = tu_expect_request(s, "BYE");
  tu_expect_no_event(s);
  /* new calls are refused meanwhile */
  g_autoptr(GString) inv = tu_request("INVITE", "z9hG4bKnew", "new@peer", "n", NULL, 1, NULL,
                                      NULL);
  tu_feed_string(s, SEC, &peer_udp, inv);
  g_autoptr(tu_out) busy = tu_expect_response(s, 503);
  g_autoptr(GString) ok = tu_response(bye->msg, 200, NULL, NULL);
  tu_feed_string(s, 2 * SEC, &peer_udp, ok);
  tu_expect_event(s, SIP_EVENT_DIALOG_ENDED, &ev);
  g_assert_cmpuint(ev.dialog, ==, d);
  sip_event_clear(&ev);
  tu_expect_event(s, SIP_EVENT_SHUTDOWN_DONE, &ev);
  sip_event_clear(&ev);
}

/* A second re-INVITE while we have not answered the first: 500 with
 * Retry-After (§14.2). */
static void
test_reinvite_pending_answer(void)
{
  g_autoptr(sip_stack) s = tu_stack_new(30, "192.0.2.1");
  g_autofree char *tag = NULL;
  sip_event ev;
  guint d = uas_answer(s, 0, &tag, NULL);
  g_autoptr(GString) ack = tu_request("ACK", "z9hG4bKa1", "uas-call@peer", "pt", tag, 1, NULL,
                                      NULL);
  tu_feed_string(s, 100 * MS, &peer_udp, ack);
  tu_expect_event(s, SIP_EVENT_ACK, &ev);
  sip_event_clear(&ev);
  g_autoptr(GString) re1 = tu_request("INVITE", "z9hG4bKq1", "uas-call@peer", "pt", tag, 2, NULL,
                                      "v=1\r\n");
  tu_feed_string(s, SEC, &peer_udp, re1);
  g_autoptr(tu_out) trying = tu_expect_response(s, 100);
  tu_expect_event(s, SIP_EVENT_REINVITE, &ev);
  g_assert_cmpuint(ev.dialog, ==, d);
  guint txn = ev.transaction;
  sip_event_clear(&ev);
  g_autoptr(GString) re2 = tu_request("INVITE", "z9hG4bKq2", "uas-call@peer", "pt", tag, 3, NULL,
                                      "v=2\r\n");
  tu_feed_string(s, SEC, &peer_udp, re2);
  g_autoptr(tu_out) err = tu_expect_response(s, 500);
  g_autofree char *ra = tu_header(err->msg, "Retry-After");
  g_assert_nonnull(ra);
  tu_expect_no_event(s);
  /* our answer to the first one, then the ACK */
  g_assert_cmpint(sip_stack_respond(s, SEC, txn, 200, NULL, NULL, "application/sdp", "v=9\r\n",
                                    5, NULL), ==, 0);
  g_autoptr(tu_out) ok = tu_expect_response(s, 200);
  g_autoptr(GString) ack2 = tu_request("ACK", "z9hG4bKa2", "uas-call@peer", "pt", tag, 2, NULL,
                                       NULL);
  tu_feed_string(s, 2 * SEC, &peer_udp, ack2);
  tu_expect_event(s, SIP_EVENT_ACK, &ev);
  sip_event_clear(&ev);
  g_assert_cmpint(sip_stack_reinvite(s, 3 * SEC, d, "application/sdp", "v=3\r\n", 5), ==, 0);
  g_autoptr(tu_out) ours = tu_expect_request(s, "INVITE");
}

/* ── two stacks through a lossy in-memory network ── */

typedef struct {
  gint64 at;
  int to;            /* 0: A, 1: B */
  sip_addr from;
  GBytes *data;
} packet;

static void
packet_free(gpointer p)
{
  g_bytes_unref(((packet *)p)->data);
  g_free(p);
}

static gint
packet_cmp(gconstpointer a, gconstpointer b, gpointer u)
{
  (void)u;
  gint64 x = ((const packet *)a)->at, y = ((const packet *)b)->at;
  return x < y ? -1 : x > y;
}

static void
pump(sip_stack *s, int self, const char *self_host, GQueue *net, GRand *rand, gint64 now,
     guint *lost)
{
  sip_outgoing out;
  while (sip_stack_pop_output(s, &out)) {
    if (g_getenv("TRACE"))
      g_printerr("%lld %c->%s %s %.40s\n", (long long)now, 'A' + self, out.to.host,
                 "", (const char *)g_bytes_get_data(out.data, NULL));
    if (g_rand_double(rand) < 0.3) {
      (*lost)++;
      if (g_getenv("TRACE")) g_printerr("  lost\n");
    } else {
      packet *p = g_new0(packet, 1);
      p->at = now + g_rand_int_range(rand, 5, 40) * MS;
      p->to = strcmp(out.to.host, "192.0.2.1") == 0 ? 0 : 1;
      g_assert_cmpint(p->to, !=, self);
      sip_addr_set(&p->from, SIP_TRANSPORT_UDP, self_host, 5060, 0);
      p->data = g_bytes_ref(out.data);
      g_queue_insert_sorted(net, p, packet_cmp, NULL);
    }
    sip_outgoing_clear(&out);
  }
}

static guint
lossy_call(guint32 seed)
{
  g_autoptr(sip_stack) a = tu_stack_new(seed * 2 + 1, "192.0.2.1");
  g_autoptr(sip_stack) b = tu_stack_new(seed * 2 + 2, "192.0.2.2");
  g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
  GQueue net = G_QUEUE_INIT;
  gint64 now = 0;
  guint lost = 0, call = 0, b_dialog = 0;
  gboolean established = FALSE, b_acked = FALSE, a_ended = FALSE, b_bye = FALSE, hung_up = FALSE;
  sip_invite_params p = { 0 };
  sip_event ev;

  p.request_uri = "sip:bob@192.0.2.2";
  p.from = "<sip:alice@192.0.2.1>";
  p.to = "<sip:bob@192.0.2.2>";
  sip_addr_set(&p.next_hop, SIP_TRANSPORT_UDP, "192.0.2.2", 5060, 0);
  p.content_type = "application/sdp";
  p.body = "v=0\r\n";
  p.body_len = 5;
  call = sip_stack_invite(a, now, &p);

  for (int steps = 0; steps < 10000; steps++) {
    pump(a, 0, "192.0.2.1", &net, rand, now, &lost);
    pump(b, 1, "192.0.2.2", &net, rand, now, &lost);
    while (sip_stack_pop_event(a, &ev)) {
      if (ev.type == SIP_EVENT_INVITE_RESPONSE && ev.status == 200)
        established = TRUE;
      if (ev.type == SIP_EVENT_DIALOG_ENDED) {
        g_assert_cmpuint(ev.dialog, ==, call);
        g_assert_cmpuint(ev.status, ==, 200);
        a_ended = TRUE;
      }
      sip_event_clear(&ev);
    }
    while (sip_stack_pop_event(b, &ev)) {
      if (ev.type == SIP_EVENT_INCOMING_INVITE) {
        sip_stack_respond(b, now, ev.transaction, 180, NULL, NULL, NULL, NULL, 0, NULL);
        sip_stack_respond(b, now, ev.transaction, 200, NULL, NULL, "application/sdp", "v=0\r\n",
                          5, &b_dialog);
      } else if (ev.type == SIP_EVENT_ACK) {
        b_acked = TRUE;
      } else if (ev.type == SIP_EVENT_BYE) {
        b_bye = TRUE;
      }
      sip_event_clear(&ev);
    }
    if (established && !hung_up && now >= 10 * SEC) {
      g_assert_cmpint(sip_stack_bye(a, now, call), ==, 0);
      hung_up = TRUE;
      continue;
    }
    gint64 next = MIN(sip_stack_next_deadline(a), sip_stack_next_deadline(b));
    if (established && !hung_up)
      next = MIN(next, 10 * SEC);
    packet *pk = g_queue_peek_head(&net);
    if (pk && pk->at <= next) {
      g_queue_pop_head(&net);
      now = MAX(now, pk->at);
      sip_stack_feed(pk->to == 0 ? a : b, now, &pk->from, pk->data);
      packet_free(pk);
      continue;
    }
    if (next == G_MAXINT64)
      break;
    now = MAX(now, next);
    sip_stack_tick(a, now);
    sip_stack_tick(b, now);
  }
  g_queue_clear_full(&net, packet_free);
  g_test_message("lossy call %u: %u messages lost, finished at %" G_GINT64_FORMAT " ms", seed,
                 lost, now / MS);
  g_assert_true(established);
  /* every ACK may be lost: B's BYE then ends the 2xx retransmissions */
  g_assert_true(b_acked || b_bye);
  g_assert_true(b_bye);
  g_assert_true(a_ended);
  g_assert_cmpuint(b_dialog, !=, 0);
  g_assert_cmpint(sip_stack_next_deadline(a), ==, G_MAXINT64);
  g_assert_cmpint(sip_stack_next_deadline(b), ==, G_MAXINT64);
  return lost;
}

/* 30% loss each way, random delays of 5-40 ms, twenty seeded calls: every
 * call is set up, ACKed and torn down, and both stacks end idle. */
static void
test_lossy_call(void)
{
  guint lost = 0;
  for (guint32 seed = 1; seed <= 20; seed++)
    lost += lossy_call(seed);
  g_assert_cmpuint(lost, >, 20);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  peer_udp = tu_addr(SIP_TRANSPORT_UDP, "192.0.2.9", 5070);
  g_test_add_func("/sip/dialog/uac-call", test_uac_call);
  g_test_add_func("/sip/dialog/uas-call", test_uas_call);
  g_test_add_func("/sip/dialog/uas-no-ack", test_uas_no_ack);
  g_test_add_func("/sip/dialog/reinvite-glare", test_reinvite_glare);
  g_test_add_func("/sip/dialog/invite-digest", test_invite_digest);
  g_test_add_func("/sip/dialog/in-dialog-digest", test_in_dialog_digest);
  g_test_add_func("/sip/dialog/update-and-reinvite", test_update_and_reinvite);
  g_test_add_func("/sip/dialog/forked-2xx", test_forked_2xx);
  g_test_add_func("/sip/dialog/shutdown-with-call", test_shutdown_with_call);
  g_test_add_func("/sip/dialog/reinvite-pending-answer", test_reinvite_pending_answer);
  g_test_add_func("/sip/dialog/lossy-call", test_lossy_call);
  return g_test_run();
}
