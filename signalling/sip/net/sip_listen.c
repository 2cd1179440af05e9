/* The [sip] listen syntax: "udp:127.0.0.1:5060, tcp:[::1]:5060, tls:0.0.0.0:5061". */
#define G_LOG_DOMAIN "rtc2sip-sip-net"
#include "signalling/sip/net/sip_transport_private.h"

#include <errno.h>

static int parse_one(const char *item, sip_listen_spec *out, const char **reason) {
  const char *colon = strchr(item, ':');
  if (!colon) {
    *reason = "a listen address needs a transport prefix (udp:, tcp: or tls:)";
    return -EINVAL;
  }
  gsize kind_len = (gsize)(colon - item);
  if (kind_len == 3 && g_ascii_strncasecmp(item, "udp", 3) == 0)
    out->kind = SIP_TRANSPORT_UDP;
  else if (kind_len == 3 && g_ascii_strncasecmp(item, "tcp", 3) == 0)
    out->kind = SIP_TRANSPORT_TCP;
  else if (kind_len == 3 && g_ascii_strncasecmp(item, "tls", 3) == 0)
    out->kind = SIP_TRANSPORT_TLS;
  else {
    *reason = "unknown transport (expected udp, tcp or tls)";
    return -EINVAL;
  }
  const char *rest = colon + 1;
  g_autofree char *host = NULL;
  const char *port_text = NULL;
  if (*rest == '[') {
    const char *close = strchr(rest, ']');
    if (!close) {
      *reason = "missing ']' after an IPv6 address";
      return -EINVAL;
    }
    host = g_strndup(rest + 1, (gsize)(close - rest - 1));
    if (!strchr(host, ':')) {
      *reason = "only IPv6 addresses go in brackets";
      return -EINVAL;
    }
    if (close[1] == ':')
      port_text = close + 2;
    else if (close[1] != '\0') {
      *reason = "unexpected text after ']'";
      return -EINVAL;
    }
  } else {
    const char *pcolon = strchr(rest, ':');
    if (pcolon && strchr(pcolon + 1, ':')) {
      *reason = "IPv6 addresses must be written in brackets: tcp:[::1]:5060";
      return -EINVAL;
    }
    host = pcolon ? g_strndup(rest, (gsize)(pcolon - rest)) : g_strdup(rest);
    if (pcolon)
      port_text = pcolon + 1;
  }
  g_autoptr(GInetAddress) ip = sip_transport_parse_ip(host);
  if (!ip) {
    *reason = "the listen host must be an IP address";
    return -EINVAL;
  }
  guint64 port = out->kind == SIP_TRANSPORT_TLS ? 5061 : 5060;
  if (port_text) {
    if (!*port_text || strlen(port_text) > 5 || !g_ascii_isdigit(*port_text)) {
      *reason = "bad port number";
      return -EINVAL;
    }
    char *end = NULL;
    port = g_ascii_strtoull(port_text, &end, 10);
    if (*end != '\0' || port > 65535) {
      *reason = "bad port number";
      return -EINVAL;
    }
  }
  out->port = (guint16)port;
  out->host = g_steal_pointer(&host);
  return 0;
}

void sip_listen_specs_clear(GArray *specs) {
  for (guint i = 0; i < specs->len; i++)
    g_free((char *)g_array_index(specs, sip_listen_spec, i).host);
  g_array_set_size(specs, 0);
}

int sip_listen_parse(const char *text, GArray *out_specs, const char **reason) {
  static const char *ignored;
  if (!reason)
    reason = &ignored;
  if (!text) {
    *reason = "no listen addresses";
    return -EINVAL;
  }
  g_auto(GStrv) items = g_strsplit_set(text, ", \t\r\n", -1);
  g_autoptr(GArray) parsed = g_array_new(FALSE, TRUE, sizeof(sip_listen_spec));
  int rc = 0;
  for (guint i = 0; items[i]; i++) {
    if (!*items[i])
      continue;
    sip_listen_spec spec = { 0 };
    rc = parse_one(items[i], &spec, reason);
    if (rc < 0)
      break;
    g_array_append_val(parsed, spec);
  }
  if (rc == 0 && parsed->len == 0) {
    *reason = "no listen addresses";
    rc = -EINVAL;
  }
  if (rc < 0) {
    sip_listen_specs_clear(parsed);
    return rc;
  }
  g_array_append_vals(out_specs, parsed->data, parsed->len);
  return 0;
}
