/* Fuzz target: the SIP message parser, its typed accessors, validation,
 * the response writer (whose output must parse again), and the stream
 * framer fed the same bytes in uneven chunks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "signalling/sip/sip_framer.h"
#include "signalling/sip/sip_writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
exercise(const sip_message *msg)
{
  sip_uri uri;
  sip_via via;
  sip_name_addr na;
  sip_cseq cseq;
  sip_slice s;
  guint u;
  guint32 e;
  sip_message_ids ids;
  sip_error err;
  static const char *const supported[] = { "100rel", "timer", NULL };
  g_autoptr(GString) text = g_string_new(NULL);

  if (msg->is_request)
    (void)sip_message_request_uri_parse(msg, &uri, &err);
  for (guint i = 0; sip_message_via(msg, i, &via, &err) != -ENOENT && i < 64; i++)
    ;
  for (guint i = 0; i < msg->n_headers; i++) {
    const sip_header *h = &msg->headers[i];
    if (sip_name_addr_parse(h->value, &na, NULL) == 0) {
      sip_name_addr_display(&na, text);
      if (na.uri.user.len > 0) {
        char *buf = g_malloc(na.uri.user.len);
        (void)sip_unescape(na.uri.user, buf);
        g_free(buf);
      }
    }
    (void)sip_params_valid(h->value);
  }
  (void)sip_message_cseq(msg, &cseq, &err);
  (void)sip_message_call_id(msg, &s, &err);
  (void)sip_message_max_forwards(msg, &u, &err);
  (void)sip_message_expires(msg, &e, &err);
  (void)sip_message_get_ids(msg, &ids, &err);
  (void)sip_message_has_token(msg, SIP_HDR_SUPPORTED, "100rel");
  if (sip_message_validate(msg, supported, &err) < 0 && !err.reason)
    abort();
  (void)sip_message_unsupported(msg, supported, text);

  if (msg->is_request) {
    g_autoptr(GString) out = g_string_new(NULL);
    g_auto(sip_message) again = SIP_MESSAGE_INIT;
    /* The response may have one more header (Content-Length) and longer
     * lines ("To: " and a tag for "t:") than what it copied. */
    sip_limits roomy = { SIP_DEFAULT_MAX_MESSAGE * 2, SIP_MESSAGE_MAX_HEADERS, SIP_DEFAULT_MAX_LINE * 2 };
    sip_write_response_to(out, msg, 400, NULL, "fuzz");
    sip_write_finish(out, NULL, NULL, 0);
    /* A response to anything the parser accepted parses again. */
    if (sip_message_parse(&again, out->str, out->len, SIP_FRAMING_STREAM, &roomy, &err) < 0)
      abort();
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_auto(sip_message) msg = SIP_MESSAGE_INIT;
  sip_error err;
  sip_limits small = { 4096, 32, 512 };

  if (sip_message_parse(&msg, (const char *)data, size, SIP_FRAMING_DATAGRAM, NULL, &err) == 0)
    exercise(&msg);
  else if (!err.reason)
    abort();
  (void)sip_message_parse(&msg, (const char *)data, size, SIP_FRAMING_DATAGRAM, &small, &err);

  g_autoptr(sip_stream_framer) f = sip_stream_framer_new(&small);
  gsize off = 0, step = 1;
  while (off < size) {
    gsize n = MIN(step, size - off);
    GBytes *b;
    if (sip_stream_framer_feed(f, data + off, n, &err) < 0 && !err.reason)
      abort();
    off += n;
    step = step * 2 + 1;
    while ((b = sip_stream_framer_pop(f))) {
      g_auto(sip_message) m = SIP_MESSAGE_INIT;
      if (sip_message_parse_bytes(&m, b, SIP_FRAMING_STREAM, &small, &err) == 0)
        exercise(&m);
      g_bytes_unref(b);
    }
  }
  return 0;
}
