#include "tests/unit/test_sip_stack_util.h"

#include <string.h>

sip_stack *
tu_stack_new(guint32 seed, const char *host)
{
  static const char *const supported[] = { "timer", "replaces", NULL };
  sip_stack_config cfg = { 0 };
  cfg.local[SIP_TRANSPORT_UDP].host = host;
  cfg.local[SIP_TRANSPORT_UDP].port = 5060;
  cfg.local[SIP_TRANSPORT_TCP].host = host;
  cfg.local[SIP_TRANSPORT_TCP].port = 5060;
  cfg.contact_user = "gw";
  cfg.user_agent = "rtc2sip-test";
  cfg.supported = supported;
  cfg.seed = seed;
  return sip_stack_new(&cfg);
}

sip_addr
tu_addr(sip_transport_kind kind, const char *host, guint16 port)
{
  sip_addr a;
  g_assert_true(sip_addr_set(&a, kind, host, port, kind == SIP_TRANSPORT_UDP ? 0 : 7));
  return a;
}

tu_out *
tu_pop(sip_stack *stack)
{
  sip_outgoing out;
  sip_error err;
  tu_out *o;
  if (!sip_stack_pop_output(stack, &out))
    return NULL;
  o = g_new0(tu_out, 1);
  o->msg = sip_message_new();
  if (sip_message_parse_bytes(o->msg, out.data, SIP_FRAMING_STREAM, NULL, &err) < 0 ||
      (o->msg->status != 400 && sip_message_validate(o->msg, NULL, &err) < 0))
    g_error("stack sent a bad message (%s): %.*s", err.reason,
            (int)g_bytes_get_size(out.data), (const char *)g_bytes_get_data(out.data, NULL));
  o->to = out.to;
  o->reliable = out.reliable;
  sip_outgoing_clear(&out);
  return o;
}

void
tu_out_free(tu_out *o)
{
  if (!o)
    return;
  sip_message_free(o->msg);
  g_free(o);
}

guint
tu_drain(sip_stack *stack)
{
  guint n = 0;
  sip_outgoing out;
  while (sip_stack_pop_output(stack, &out)) {
    sip_outgoing_clear(&out);
    n++;
  }
  return n;
}

tu_out *
tu_expect_request(sip_stack *stack, const char *method)
{
  tu_out *o = tu_pop(stack);
  if (!o)
    g_error("expected a %s, got nothing", method);
  if (!o->msg->is_request || !sip_slice_eq(o->msg->method, method))
    g_error("expected a %s, got: %.*s", method, (int)o->msg->len, o->msg->buf);
  return o;
}

tu_out *
tu_expect_response(sip_stack *stack, guint status)
{
  tu_out *o = tu_pop(stack);
  if (!o)
    g_error("expected a %u, got nothing", status);
  if (o->msg->is_request || o->msg->status != status)
    g_error("expected a %u, got: %.*s", status, (int)o->msg->len, o->msg->buf);
  return o;
}

void
tu_expect_no_output(sip_stack *stack)
{
  g_autoptr(tu_out) o = tu_pop(stack);
  if (o)
    g_error("unexpected output: %.*s", (int)o->msg->len, o->msg->buf);
}

void
tu_feed(sip_stack *stack, gint64 now, const sip_addr *from, const char *text)
{
  g_autoptr(GBytes) b = g_bytes_new(text, strlen(text));
  sip_stack_feed(stack, now, from, b);
}

void
tu_feed_string(sip_stack *stack, gint64 now, const sip_addr *from, GString *text)
{
  tu_feed(stack, now, from, text->str);
}

GString *
tu_request(const char *method, const char *branch, const char *call_id, const char *from_tag,
           const char *to_tag, guint32 cseq, const char *extra, const char *body)
{
  GString *out = g_string_new(NULL);
  sip_write_request_line(out, method, "sip:gw@192.0.2.1:5060");
  sip_write_header_printf(out, "Via", "SIP/2.0/UDP 192.0.2.9:5070;branch=%s;rport", branch);
  if (!extra || !strstr(extra, "Max-Forwards"))
    sip_write_header(out, "Max-Forwards", "70");
  sip_write_header_printf(out, "From", "<sip:peer@192.0.2.9>;tag=%s", from_tag);
  if (to_tag)
    sip_write_header_printf(out, "To", "<sip:gw@192.0.2.1>;tag=%s", to_tag);
  else
    sip_write_header(out, "To", "<sip:gw@192.0.2.1>");
  sip_write_header(out, "Call-ID", call_id);
  sip_write_header_printf(out, "CSeq", "%u %s", cseq, method);
  sip_write_header(out, "Contact", "<sip:peer@192.0.2.9:5070>");
  if (extra)
    g_string_append(out, extra);
  sip_write_finish(out, body ? "application/sdp" : NULL, body, body ? strlen(body) : 0);
  return out;
}

GString *
tu_response(const sip_message *req, guint status, const char *to_tag, const char *extra)
{
  GString *out = g_string_new(NULL);
  g_assert_cmpint(sip_write_response_to(out, req, status, NULL, to_tag), ==, 0);
  if (status > 100 && status < 300)
    sip_write_header(out, "Contact", "<sip:peer@192.0.2.9:5070>");
  if (extra)
    g_string_append(out, extra);
  sip_write_finish(out, NULL, NULL, 0);
  return out;
}

static const char *
event_name(sip_event_type t)
{
  static const char *names[] = { "INCOMING_INVITE", "INVITE_RESPONSE", "CANCELLED", "ACK", "BYE",
                                 "REINVITE", "UPDATE", "INFO", "REQUEST_RESPONSE",
                                 "DIALOG_ENDED", "REQUEST", "REGISTRATION", "SHUTDOWN_DONE" };
  return t < G_N_ELEMENTS(names) ? names[t] : "?";
}

void
tu_expect_event(sip_stack *stack, sip_event_type type, sip_event *ev)
{
  if (!sip_stack_pop_event(stack, ev))
    g_error("expected event %s, got none", event_name(type));
  if (ev->type != type)
    g_error("expected event %s, got %s (status %u)", event_name(type), event_name(ev->type),
            ev->status);
}

void
tu_expect_no_event(sip_stack *stack)
{
  sip_event ev;
  if (sip_stack_pop_event(stack, &ev))
    g_error("unexpected event %s (status %u)", event_name(ev.type), ev.status);
}

char *
tu_header(const sip_message *msg, const char *name)
{
  const sip_header *h = sip_message_header_by_name(msg, name);
  return h ? sip_slice_dup(h->value) : NULL;
}

gboolean
tu_advance(sip_stack *stack, gint64 *now, gint64 limit)
{
  gint64 t = sip_stack_next_deadline(stack);
  if (t > limit || t == G_MAXINT64)
    return FALSE;
  if (t > *now)
    *now = t;
  sip_stack_tick(stack, *now);
  return TRUE;
}
