/* Fuzz target: the SIP UA core (sip_stack.h). The input is a sequence of
 * messages separated by "\n%%\n", fed from a peer to a stack that has an
 * INVITE and a REGISTER (with credentials) in flight; between messages the
 * clock moves on and the stack is ticked, and the call logic answers every
 * event. Placeholders let the corpus reach the client transactions:
 * @IB@ / @RB@ become the branch of our INVITE / REGISTER, @CID@ / @RCID@
 * their Call-IDs and @FT@ / @RFT@ their From tags. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "signalling/sip/sip_stack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
  char *branch, *call_id, *from_tag;
} own_ids;

static void
read_ids(GBytes *bytes, own_ids *ids)
{
  g_autoptr(sip_message) m = sip_message_new();
  sip_message_ids mi;
  if (sip_message_parse_bytes(m, bytes, SIP_FRAMING_DATAGRAM, NULL, NULL) < 0 ||
      sip_message_get_ids(m, &mi, NULL) < 0)
    return;
  ids->branch = sip_slice_dup(mi.top_via.branch);
  ids->call_id = sip_slice_dup(mi.call_id);
  ids->from_tag = sip_slice_dup(mi.from_tag);
}

static void
drain(sip_stack *s, gint64 now, guint *answers)
{
  sip_outgoing out;
  sip_event ev;
  while (sip_stack_pop_output(s, &out))
    sip_outgoing_clear(&out);
  while (sip_stack_pop_event(s, &ev)) {
    guint d = 0;
    static const guint statuses[] = { 180, 200, 486, 183, 500 };
    if (ev.transaction)
      sip_stack_respond(s, now, ev.transaction, statuses[(*answers)++ % 5], NULL, NULL,
                        "application/sdp", "v=0\r\n", 5, &d);
    if (ev.type == SIP_EVENT_INVITE_RESPONSE && ev.dialog && (*answers)++ % 3 == 0) {
      sip_stack_reinvite(s, now, ev.dialog, "application/sdp", "v=0\r\n", 5);
      sip_stack_info(s, now, ev.dialog, "text/plain", "x", 1);
      sip_stack_bye(s, now, ev.dialog);
    }
    if (d && (*answers) % 4 == 0)
      sip_stack_bye(s, now, d);
    sip_event_clear(&ev);
  }
}

static char *
replace_all(const char *text, const char *what, const char *with)
{
  g_auto(GStrv) parts = g_strsplit(text, what, -1);
  return g_strjoinv(with ? with : "x", parts);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const char *const supported[] = { "timer", NULL };
  sip_stack_config cfg = { 0 };
  sip_credentials creds = { "u", "p" };
  sip_invite_params ip = { 0 };
  sip_registration_params rp = { 0 };
  own_ids inv = { 0 }, reg = { 0 };
  sip_outgoing out;
  sip_addr peer;
  gint64 now = 1000000;
  guint answers = 0;

  cfg.local[SIP_TRANSPORT_UDP].host = "192.0.2.1";
  cfg.local[SIP_TRANSPORT_UDP].port = 5060;
  cfg.supported = supported;
  cfg.seed = 7;
  sip_stack *s = sip_stack_new(&cfg);
  sip_addr_set(&peer, SIP_TRANSPORT_UDP, "192.0.2.9", 5060, 0);
  ip.request_uri = "sip:b@192.0.2.9";
  ip.from = "<sip:a@192.0.2.1>";
  ip.to = "<sip:b@192.0.2.9>";
  ip.next_hop = peer;
  ip.credentials = &creds;
  sip_stack_invite(s, now, &ip);
  if (sip_stack_pop_output(s, &out)) {
    read_ids(out.data, &inv);
    sip_outgoing_clear(&out);
  }
  rp.registrar_uri = "sip:192.0.2.9";
  rp.aor = "sip:a@192.0.2.9";
  rp.next_hop = peer;
  rp.credentials = &creds;
  sip_stack_register(s, now, &rp);
  if (sip_stack_pop_output(s, &out)) {
    read_ids(out.data, &reg);
    sip_outgoing_clear(&out);
  }
  drain(s, now, &answers);

  g_autofree char *text = g_strndup((const char *)data, size);
  g_auto(GStrv) msgs = g_strsplit(text, "\n%%\n", 16);
  for (guint i = 0; msgs[i]; i++) {
    g_autofree char *a = replace_all(msgs[i], "@IB@", inv.branch);
    g_autofree char *b = replace_all(a, "@RB@", reg.branch);
    g_autofree char *c = replace_all(b, "@RCID@", reg.call_id);
    g_autofree char *d = replace_all(c, "@CID@", inv.call_id);
    g_autofree char *e = replace_all(d, "@RFT@", reg.from_tag);
    g_autofree char *f = replace_all(e, "@FT@", inv.from_tag);
    g_autoptr(GBytes) bytes = g_bytes_new(f, strlen(f));
    peer.kind = (i % 3 == 2) ? SIP_TRANSPORT_TCP : SIP_TRANSPORT_UDP;
    peer.connection_id = peer.kind == SIP_TRANSPORT_TCP ? 3 : 0;
    sip_stack_feed(s, now, &peer, bytes);
    drain(s, now, &answers);
    now += (gint64)(strlen(f) % 7) * 700000;
    sip_stack_tick(s, now);
    drain(s, now, &answers);
  }
  if (size % 2)
    sip_stack_shutdown(s, now);
  for (int i = 0; i < 200; i++) {
    gint64 t = sip_stack_next_deadline(s);
    if (t == G_MAXINT64)
      break;
    now = MAX(now, t);
    sip_stack_tick(s, now);
    drain(s, now, &answers);
  }
  sip_stack_free(s);
  g_free(inv.branch);
  g_free(inv.call_id);
  g_free(inv.from_tag);
  g_free(reg.branch);
  g_free(reg.call_id);
  g_free(reg.from_tag);
  return 0;
}
