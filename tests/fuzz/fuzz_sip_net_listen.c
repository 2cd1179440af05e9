/* Fuzz target: the [sip] listen syntax (sip_listen_parse) and its round
 * trip through the canonical "kind:host:port" form. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "signalling/sip/net/sip_transport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *kind_name(sip_transport_kind kind) {
  return kind == SIP_TRANSPORT_UDP ? "udp" : kind == SIP_TRANSPORT_TCP ? "tcp" : "tls";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096)
    return 0;
  char *text = g_strndup((const char *)data, size);
  GArray *specs = g_array_new(FALSE, TRUE, sizeof(sip_listen_spec));
  GArray *again = g_array_new(FALSE, TRUE, sizeof(sip_listen_spec));
  const char *reason = NULL;
  if (sip_listen_parse(text, specs, &reason) == 0) {
    if (specs->len == 0)
      abort();
    GString *canon = g_string_new(NULL);
    for (guint i = 0; i < specs->len; i++) {
      const sip_listen_spec *s = &g_array_index(specs, sip_listen_spec, i);
      GInetAddress *ip = g_inet_address_new_from_string(s->host);
      if (!ip)
        abort();
      g_object_unref(ip);
      g_string_append_printf(canon, i ? ", %s:%s%s%s:%u" : "%s:%s%s%s:%u", kind_name(s->kind),
                             strchr(s->host, ':') ? "[" : "", s->host,
                             strchr(s->host, ':') ? "]" : "", s->port);
    }
    if (sip_listen_parse(canon->str, again, &reason) != 0 || again->len != specs->len)
      abort();
    for (guint i = 0; i < specs->len; i++) {
      const sip_listen_spec *a = &g_array_index(specs, sip_listen_spec, i);
      const sip_listen_spec *b = &g_array_index(again, sip_listen_spec, i);
      if (a->kind != b->kind || a->port != b->port || strcmp(a->host, b->host) != 0)
        abort();
    }
    g_string_free(canon, TRUE);
  } else if (!reason || specs->len != 0) {
    abort();
  }
  sip_listen_specs_clear(specs);
  sip_listen_specs_clear(again);
  g_array_unref(specs);
  g_array_unref(again);
  g_free(text);
  return 0;
}
