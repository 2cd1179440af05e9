#define G_LOG_DOMAIN "rtc2sip-sip"
#include "signalling/sip/sip_writer.h"

#include <errno.h>
#include <string.h>

const char *
sip_reason_phrase(guint status)
{
  switch (status) {
  case 100: return "Trying";
  case 180: return "Ringing";
  case 181: return "Call Is Being Forwarded";
  case 182: return "Queued";
  case 183: return "Session Progress";
  case 200: return "OK";
  case 202: return "Accepted";
  case 300: return "Multiple Choices";
  case 301: return "Moved Permanently";
  case 302: return "Moved Temporarily";
  case 305: return "Use Proxy";
  case 380: return "Alternative Service";
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 402: return "Payment Required";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 406: return "Not Acceptable";
  case 407: return "Proxy Authentication Required";
  case 408: return "Request Timeout";
  case 410: return "Gone";
  case 413: return "Request Entity Too Large";
  case 414: return "Request-URI Too Long";
  case 415: return "Unsupported Media Type";
  case 416: return "Unsupported URI Scheme";
  case 420: return "Bad Extension";
  case 421: return "Extension Required";
  case 423: return "Interval Too Brief";
  case 480: return "Temporarily Unavailable";
  case 481: return "Call/Transaction Does Not Exist";
  case 482: return "Loop Detected";
  case 483: return "Too Many Hops";
  case 484: return "Address Incomplete";
  case 485: return "Ambiguous";
  case 486: return "Busy Here";
  case 487: return "Request Terminated";
  case 488: return "Not Acceptable Here";
  case 491: return "Request Pending";
  case 493: return "Undecipherable";
  case 500: return "Server Internal Error";
  case 501: return "Not Implemented";
  case 502: return "Bad Gateway";
  case 503: return "Service Unavailable";
  case 504: return "Server Time-out";
  case 505: return "Version Not Supported";
  case 513: return "Message Too Large";
  case 600: return "Busy Everywhere";
  case 603: return "Decline";
  case 604: return "Does Not Exist Anywhere";
  case 606: return "Not Acceptable";
  default: break;
  }
  switch (status / 100) {
  case 1: return "Progress";
  case 2: return "Success";
  case 3: return "Redirection";
  case 4: return "Client Error";
  case 5: return "Server Error";
  default: return "Global Failure";
  }
}

/* Appends P, turning every run of CR/LF (and the white space after a
 * fold) into one space. */
static void
append_value(GString *out, const char *p, gsize len)
{
  for (gsize i = 0; i < len; i++) {
    if (p[i] == '\r' || p[i] == '\n') {
      while (i + 1 < len && sip_is_ws(p[i + 1]))
        i++;
      g_string_append_c(out, ' ');
    } else {
      g_string_append_c(out, p[i]);
    }
  }
}

void
sip_write_request_line(GString *out, const char *method, const char *request_uri)
{
  append_value(out, method, strlen(method));
  g_string_append_c(out, ' ');
  append_value(out, request_uri, strlen(request_uri));
  g_string_append(out, " SIP/2.0\r\n");
}

void
sip_write_status_line(GString *out, guint status, const char *reason)
{
  if (!reason)
    reason = sip_reason_phrase(status);
  g_string_append_printf(out, "SIP/2.0 %03u ", status);
  append_value(out, reason, strlen(reason));
  g_string_append(out, "\r\n");
}

void
sip_write_header_slice(GString *out, const char *name, sip_slice value)
{
  g_string_append(out, name);
  g_string_append(out, ": ");
  append_value(out, value.p ? value.p : "", value.len);
  g_string_append(out, "\r\n");
}

void
sip_write_header(GString *out, const char *name, const char *value)
{
  sip_write_header_slice(out, name, sip_slice_make(value, strlen(value)));
}

void
sip_write_header_printf(GString *out, const char *name, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *value = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  sip_write_header(out, name, value);
}

void
sip_write_finish(GString *out, const char *content_type, const void *body, gsize len)
{
  if (content_type && len > 0)
    sip_write_header(out, "Content-Type", content_type);
  g_string_append_printf(out, "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n", len);
  if (len > 0)
    g_string_append_len(out, body, (gssize)len);
}

/* Writes the top Via of a request we answer, annotated for its source
 * (RFC 3261 §18.2.1, RFC 3581 §4): received= when the source address is not
 * the sent-by host (always when rport was asked), rport=PORT filled in. */
static void
write_top_via(GString *out, sip_slice value, const char *source_host, guint16 source_port)
{
  sip_via via;
  if (!source_host || sip_via_parse(value, &via, NULL) < 0) {
    sip_write_header_slice(out, "Via", value);
    return;
  }
  gboolean differs = via.host.len != strlen(source_host) ||
                     g_ascii_strncasecmp(via.host.p, source_host, via.host.len) != 0;
  if (!via.has_rport && !differs) {
    sip_write_header_slice(out, "Via", value);
    return;
  }
  g_string_append(out, "Via: ");
  append_value(out, value.p, (gsize)(via.params.p - value.p));
  sip_slice rest = via.params, name, pvalue;
  gboolean has_value;
  while (sip_param_next(&rest, &name, &pvalue, &has_value) == 1) {
    if ((name.len == 5 && !g_ascii_strncasecmp(name.p, "rport", 5)) ||
        (name.len == 8 && !g_ascii_strncasecmp(name.p, "received", 8)))
      continue;
    g_string_append_c(out, ';');
    append_value(out, name.p, name.len);
    if (has_value) {
      g_string_append_c(out, '=');
      append_value(out, pvalue.p, pvalue.len);
    }
  }
  g_string_append(out, ";received=");
  append_value(out, source_host, strlen(source_host));
  if (via.has_rport)
    g_string_append_printf(out, ";rport=%u", source_port);
  g_string_append(out, "\r\n");
}

int
sip_write_response_to(GString *out, const sip_message *req, guint status, const char *reason,
                      const char *to_tag)
{
  return sip_write_response_from(out, req, status, reason, to_tag, NULL, 0);
}

int
sip_write_response_from(GString *out, const sip_message *req, guint status, const char *reason,
                        const char *to_tag, const char *source_host, guint16 source_port)
{
  const sip_header *h;
  sip_name_addr to;

  if (!req->is_request)
    return -EINVAL;
  sip_write_status_line(out, status, reason);
  for (h = sip_message_header(req, SIP_HDR_VIA); h; h = sip_message_header_next(req, h)) {
    if (h == sip_message_header(req, SIP_HDR_VIA))
      write_top_via(out, h->value, source_host, source_port);
    else
      sip_write_header_slice(out, "Via", h->value);
  }
  if ((h = sip_message_header(req, SIP_HDR_FROM)))
    sip_write_header_slice(out, "From", h->value);
  if ((h = sip_message_header(req, SIP_HDR_TO))) {
    g_string_append(out, "To: ");
    append_value(out, h->value.p, h->value.len);
    if (to_tag && *to_tag && sip_name_addr_parse(h->value, &to, NULL) == 0 && !to.has_tag) {
      g_string_append(out, ";tag=");
      append_value(out, to_tag, strlen(to_tag));
    }
    g_string_append(out, "\r\n");
  }
  if ((h = sip_message_header(req, SIP_HDR_CALL_ID)))
    sip_write_header_slice(out, "Call-ID", h->value);
  if ((h = sip_message_header(req, SIP_HDR_CSEQ)))
    sip_write_header_slice(out, "CSeq", h->value);
  if (status == 100 && (h = sip_message_header(req, SIP_HDR_TIMESTAMP)))
    sip_write_header_slice(out, "Timestamp", h->value);
  return 0;
}
