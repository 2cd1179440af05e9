#define G_LOG_DOMAIN "rtc2sip-sip"
#include "signalling/sip/sip_message.h"

#include <errno.h>
#include <string.h>

sip_message *
sip_message_new(void)
{
  return g_new0(sip_message, 1);
}

/* Forgets the parse and drops the GBytes reference; keeps the header array
 * for the next parse. */
static void
reset(sip_message *msg)
{
  g_clear_pointer(&msg->bytes, g_bytes_unref);
  msg->buf = NULL;
  msg->buf_len = 0;
  msg->len = 0;
  msg->n_headers = 0;
  msg->is_request = FALSE;
  msg->method = msg->request_uri = msg->reason = msg->version = msg->body = SIP_SLICE_EMPTY;
  msg->method_id = SIP_METHOD_OTHER;
  msg->status = 0;
  msg->has_content_length = FALSE;
  msg->content_length = 0;
}

void
sip_message_clear(sip_message *msg)
{
  if (!msg)
    return;
  reset(msg);
  g_clear_pointer(&msg->headers, g_free);
  msg->headers_cap = 0;
}

void
sip_message_free(sip_message *msg)
{
  if (!msg)
    return;
  sip_message_clear(msg);
  g_free(msg);
}

/* A line of BUF from POS: content end (before CR LF) and next line start.
 * Returns FALSE when no LF ends it. */
static gboolean
next_line(const char *buf, gsize len, gsize pos, gsize *content_end, gsize *next)
{
  const char *lf = memchr(buf + pos, '\n', len - pos);
  gsize e;
  if (!lf)
    return FALSE;
  e = (gsize)(lf - buf);
  *next = e + 1;
  if (e > pos && buf[e - 1] == '\r')
    e--;
  *content_end = e;
  return TRUE;
}

static gboolean
is_version_shape(sip_slice v)
{
  /* "SIP/" 1*DIGIT "." 1*DIGIT */
  gsize i = 4, d;
  if (v.len < 7 || g_ascii_strncasecmp(v.p, "SIP/", 4) != 0)
    return FALSE;
  for (d = i; i < v.len && g_ascii_isdigit(v.p[i]); i++)
    ;
  if (i == d || i >= v.len || v.p[i] != '.')
    return FALSE;
  for (d = ++i; i < v.len && g_ascii_isdigit(v.p[i]); i++)
    ;
  return i > d && i == v.len;
}

static int
parse_status_line(sip_message *msg, sip_slice line, sip_error *err)
{
  const char *sp = memchr(line.p, ' ', line.len);
  guint64 code = 0;
  gsize rest;

  msg->is_request = FALSE;
  if (!sp)
    return sip_error_set(err, -EBADMSG, 0, "malformed Status-Line");
  msg->version = sip_slice_make(line.p, (gsize)(sp - line.p));
  rest = line.len - msg->version.len - 1;
  if (rest < 3 || (rest > 3 && sp[4] != ' ') ||
      sip_parse_uint(sip_slice_make(sp + 1, 3), 999, &code) != 0 || code < 100 || code > 699)
    return sip_error_set(err, -EBADMSG, 0, "malformed status code");
  if (!is_version_shape(msg->version))
    return sip_error_set(err, -EBADMSG, 0, "malformed SIP version in Status-Line");
  if (!sip_slice_caseeq(msg->version, "SIP/2.0"))
    return sip_error_set(err, -EPROTONOSUPPORT, 0, "SIP version not supported");
  msg->status = (guint)code;
  msg->reason = rest > 4 ? sip_slice_make(sp + 5, rest - 4) : sip_slice_make(sp + 4, 0);
  for (gsize i = 0; i < msg->reason.len; i++) {
    guchar c = (guchar)msg->reason.p[i];
    if ((c < 0x20 && c != '\t') || c == 0x7f)
      return sip_error_set(err, -EBADMSG, 0, "control character in reason phrase");
  }
  return 0;
}

static int
parse_request_line(sip_message *msg, sip_slice line, sip_error *err)
{
  const char *sp1 = memchr(line.p, ' ', line.len), *sp2;
  gsize after;

  msg->is_request = TRUE;
  if (!sp1)
    return sip_error_set(err, -EBADMSG, 400, "malformed Request-Line");
  msg->method = sip_slice_make(line.p, (gsize)(sp1 - line.p));
  if (!sip_slice_is_token(msg->method))
    return sip_error_set(err, -EBADMSG, 400, "malformed method in Request-Line");
  msg->method_id = sip_method_lookup(msg->method);
  after = line.len - msg->method.len - 1;
  sp2 = memchr(sp1 + 1, ' ', after);
  if (!sp2)
    return sip_error_set(err, -EBADMSG, 400, "malformed Request-Line");
  msg->request_uri = sip_slice_make(sp1 + 1, (gsize)(sp2 - sp1 - 1));
  msg->version = sip_slice_make(sp2 + 1, after - msg->request_uri.len - 1);
  if (msg->request_uri.len == 0 || memchr(msg->version.p, ' ', msg->version.len))
    return sip_error_set(err, -EBADMSG, 400, "extra white space in Request-Line");
  if (!is_version_shape(msg->version))
    return sip_error_set(err, -EBADMSG, 400, "malformed SIP version in Request-Line");
  if (!sip_slice_caseeq(msg->version, "SIP/2.0"))
    return sip_error_set(err, -EPROTONOSUPPORT, 505, "SIP version not supported");
  if (!sip_uri_is_absolute(msg->request_uri))
    return sip_error_set(err, -EBADMSG, 400, "malformed Request-URI");
  return 0;
}

static int
add_header(sip_message *msg, const sip_limits *limits, sip_hdr_id id, sip_slice name,
           sip_slice value, sip_error *err)
{
  if (msg->n_headers >= limits->max_headers)
    return sip_error_set(err, -E2BIG, 400, "too many header fields");
  if (msg->n_headers == msg->headers_cap) {
    msg->headers_cap = MIN(MAX(msg->headers_cap * 2, SIP_MESSAGE_FIRST_HEADERS), limits->max_headers);
    msg->headers = g_renew(sip_header, msg->headers, msg->headers_cap);
  }
  msg->headers[msg->n_headers++] = (sip_header){ id, name, sip_slice_trim(value) };
  return 0;
}

/* Splits a list header value at commas outside quoted strings and <…>. */
static int
add_list(sip_message *msg, const sip_limits *limits, sip_hdr_id id, sip_slice name,
         sip_slice value, sip_error *err)
{
  gsize start = 0, depth = 0;
  gboolean quoted = FALSE;
  int r;
  for (gsize i = 0; i < value.len; i++) {
    char c = value.p[i];
    if (quoted) {
      if (c == '\\')
        i++;
      else if (c == '"')
        quoted = FALSE;
    } else if (c == '"') {
      quoted = TRUE;
    } else if (c == '<') {
      depth++;
    } else if (c == '>' && depth > 0) {
      depth--;
    } else if (c == ',' && depth == 0) {
      r = add_header(msg, limits, id, name, sip_slice_make(value.p + start, i - start), err);
      if (r < 0)
        return r;
      start = i + 1;
    }
  }
  return add_header(msg, limits, id, name,
                    sip_slice_make(value.p + start, value.len - start), err);
}

/* Checks that CR and LF in a folded field only appear as line folds. */
static gboolean
folds_ok(const char *p, gsize len)
{
  for (gsize i = 0; i < len; i++) {
    if (p[i] == '\r' && (i + 1 >= len || p[i + 1] != '\n'))
      return FALSE;
    if (p[i] == '\n' && (i + 1 >= len || (p[i + 1] != ' ' && p[i + 1] != '\t')))
      return FALSE;
  }
  return TRUE;
}

/* Parses the headers from POS; *BODY_START receives the first body octet. */
static int
parse_headers(sip_message *msg, gsize pos, const sip_limits *limits, gsize *body_start,
              sip_error *err)
{
  const char *buf = msg->buf;
  gsize len = msg->buf_len, end, next;
  int r;

  for (;;) {
    if (pos >= len || !next_line(buf, len, pos, &end, &next))
      return sip_error_set(err, -EBADMSG, 400, "header section not ended by an empty line");
    if (end == pos) {
      *body_start = next;
      return 0;
    }
    if (buf[pos] == ' ' || buf[pos] == '\t')
      return sip_error_set(err, -EBADMSG, 400, "folded line without a header field");
    /* Take the continuation lines. */
    gsize field_end = end;
    while (next < len && (buf[next] == ' ' || buf[next] == '\t')) {
      if (!next_line(buf, len, next, &end, &next))
        return sip_error_set(err, -EBADMSG, 400, "header section not ended by an empty line");
      field_end = end;
      if (field_end - pos > limits->max_line)
        break;
    }
    if (field_end - pos > limits->max_line)
      return sip_error_set(err, -EMSGSIZE, 400, "header field longer than the line limit");

    gsize i = pos;
    while (i < field_end && sip_is_token_char(buf[i]))
      i++;
    sip_slice name = sip_slice_make(buf + pos, i - pos);
    while (i < field_end && (buf[i] == ' ' || buf[i] == '\t'))
      i++;
    if (name.len == 0 || i >= field_end || buf[i] != ':')
      return sip_error_set(err, -EBADMSG, 400, "malformed header field line");
    i++;
    sip_slice value = sip_slice_make(buf + i, field_end - i);
    if (!folds_ok(value.p, value.len))
      return sip_error_set(err, -EBADMSG, 400, "stray CR or LF in a header field");
    sip_hdr_id id = sip_hdr_lookup(name);
    r = sip_hdr_is_list(id) ? add_list(msg, limits, id, name, value, err)
                            : add_header(msg, limits, id, name, value, err);
    if (r < 0)
      return r;
    pos = next;
  }
}

static int
parse_content_length(sip_slice v, guint64 *out)
{
  int r = sip_parse_uint(sip_slice_trim(v), G_MAXUINT32, out);
  if (r == -ERANGE)
    *out = G_MAXUINT64;   /* far too large: refused by size */
  return r == -EINVAL ? -EBADMSG : 0;
}

int
sip_message_scan_content_length(const char *hdr, gsize hdr_len, guint64 *out)
{
  gsize pos = 0, end, next;
  gboolean found = FALSE;
  while (pos < hdr_len && next_line(hdr, hdr_len, pos, &end, &next) && end > pos) {
    gsize i = pos;
    while (i < end && sip_is_token_char(hdr[i]))
      i++;
    sip_slice name = sip_slice_make(hdr + pos, i - pos);
    while (i < end && (hdr[i] == ' ' || hdr[i] == '\t'))
      i++;
    if (i < end && hdr[i] == ':' && sip_hdr_lookup(name) == SIP_HDR_CONTENT_LENGTH) {
      /* Include folded continuation lines in the value. */
      gsize vend = end;
      while (next < hdr_len && (hdr[next] == ' ' || hdr[next] == '\t') &&
             next_line(hdr, hdr_len, next, &vend, &next))
        ;
      guint64 v;
      if (parse_content_length(sip_slice_make(hdr + i + 1, vend - i - 1), &v) < 0)
        return -EBADMSG;
      if (found && v != *out)
        return -EBADMSG;
      *out = v;
      found = TRUE;
    }
    pos = next;
  }
  return found ? 0 : -ENOENT;
}

static int
parse_framing(sip_message *msg, gsize body_start, sip_framing framing, const sip_limits *limits,
              sip_error *err)
{
  guint64 cl = 0;
  gboolean found = FALSE;
  for (guint i = 0; i < msg->n_headers; i++) {
    guint64 v;
    if (msg->headers[i].id != SIP_HDR_CONTENT_LENGTH)
      continue;
    if (parse_content_length(msg->headers[i].value, &v) < 0)
      return sip_error_set(err, -EBADMSG, 400, "Content-Length is not a number");
    if (found && v != cl)
      return sip_error_set(err, -EBADMSG, 400, "conflicting Content-Length header fields");
    cl = v;
    found = TRUE;
  }
  if (!found) {
    if (framing == SIP_FRAMING_STREAM)
      return sip_error_set(err, -EBADMSG, 400, "no Content-Length on a stream transport");
    msg->body = sip_slice_make(msg->buf + body_start, msg->buf_len - body_start);
    msg->len = msg->buf_len;
    return 0;
  }
  if (cl > limits->max_message || body_start + cl > limits->max_message)
    return sip_error_set(err, -EMSGSIZE, 413, "body larger than the size limit");
  if (body_start + cl > msg->buf_len)
    return sip_error_set(err, -EBADMSG, 400,
                         framing == SIP_FRAMING_STREAM ? "message shorter than its Content-Length"
                                                       : "Content-Length larger than the datagram");
  msg->has_content_length = TRUE;
  msg->content_length = (gsize)cl;
  msg->body = sip_slice_make(msg->buf + body_start, (gsize)cl);
  msg->len = body_start + (gsize)cl;
  return 0;
}

/* Parses BUF into MSG, leaving MSG->bytes alone. */
static int
parse(sip_message *msg, const char *buf, gsize len, sip_framing framing,
      const sip_limits *limits, sip_error *err)
{
  sip_limits lim = limits ? *limits : SIP_LIMITS_DEFAULT;
  gsize pos = 0, end, next, body_start = 0;
  GBytes *keep = g_steal_pointer(&msg->bytes);
  int r;

  if (lim.max_headers > SIP_MESSAGE_MAX_HEADERS)
    lim.max_headers = SIP_MESSAGE_MAX_HEADERS;
  sip_error_set(err, 0, 0, NULL);
  reset(msg);
  msg->bytes = keep;
  msg->buf = buf;
  msg->buf_len = len;

  if (len > lim.max_message)
    return sip_error_set(err, -EMSGSIZE, 513, "message larger than the size limit");
  while (pos < len && (buf[pos] == '\r' || buf[pos] == '\n'))
    pos++;
  if (!next_line(buf, len, pos, &end, &next))
    return sip_error_set(err, -EBADMSG, 400, "start line not ended by CRLF");
  if (end - pos > lim.max_line)
    return sip_error_set(err, -EMSGSIZE, 400, "start line longer than the line limit");
  sip_slice line = sip_slice_make(buf + pos, end - pos);
  if (line.len >= 4 && g_ascii_strncasecmp(line.p, "SIP/", 4) == 0)
    r = parse_status_line(msg, line, err);
  else
    r = parse_request_line(msg, line, err);
  if (r == 0)
    r = parse_headers(msg, next, &lim, &body_start, err);
  if (r == 0)
    r = parse_framing(msg, body_start, framing, &lim, err);
  if (r < 0 && !msg->is_request && err)
    err->status = 0;
  return r;
}

int
sip_message_parse(sip_message *msg, const char *buf, gsize len, sip_framing framing,
                  const sip_limits *limits, sip_error *err)
{
  g_clear_pointer(&msg->bytes, g_bytes_unref);
  return parse(msg, buf, len, framing, limits, err);
}

int
sip_message_parse_bytes(sip_message *msg, GBytes *bytes, sip_framing framing,
                        const sip_limits *limits, sip_error *err)
{
  gsize len = 0;
  const char *data = g_bytes_get_data(bytes, &len);
  GBytes *ref = g_bytes_ref(bytes);
  g_clear_pointer(&msg->bytes, g_bytes_unref);
  msg->bytes = ref;
  return parse(msg, data ? data : "", len, framing, limits, err);
}

const sip_header *
sip_message_header(const sip_message *msg, sip_hdr_id id)
{
  for (guint i = 0; i < msg->n_headers; i++)
    if (msg->headers[i].id == id)
      return &msg->headers[i];
  return NULL;
}

const sip_header *
sip_message_header_next(const sip_message *msg, const sip_header *prev)
{
  for (guint i = (guint)(prev - msg->headers) + 1; i < msg->n_headers; i++) {
    const sip_header *h = &msg->headers[i];
    if (h->id == prev->id && (h->id != SIP_HDR_OTHER || sip_slice_caseeq_slice(h->name, prev->name)))
      return h;
  }
  return NULL;
}

const sip_header *
sip_message_header_by_name(const sip_message *msg, const char *name)
{
  sip_slice n = sip_slice_make(name, strlen(name));
  sip_hdr_id id = sip_hdr_lookup(n);
  if (id != SIP_HDR_OTHER)
    return sip_message_header(msg, id);
  for (guint i = 0; i < msg->n_headers; i++)
    if (msg->headers[i].id == SIP_HDR_OTHER && sip_slice_caseeq(msg->headers[i].name, name))
      return &msg->headers[i];
  return NULL;
}

guint
sip_message_header_count(const sip_message *msg, sip_hdr_id id)
{
  guint n = 0;
  for (guint i = 0; i < msg->n_headers; i++)
    if (msg->headers[i].id == id)
      n++;
  return n;
}

const sip_header *
sip_message_header_at(const sip_message *msg, sip_hdr_id id, guint index)
{
  for (guint i = 0; i < msg->n_headers; i++)
    if (msg->headers[i].id == id && index-- == 0)
      return &msg->headers[i];
  return NULL;
}

static int
bad(sip_error *err, int code, const char *reason)
{
  return sip_error_set(err, code, 400, reason);
}

int
sip_message_request_uri_parse(const sip_message *msg, sip_uri *out, sip_error *err)
{
  const char *why = NULL;
  if (!msg->is_request)
    return sip_error_set(err, -ENOENT, 0, "not a request");
  if (sip_uri_parse(msg->request_uri, out, &why) < 0)
    return bad(err, -EBADMSG, why);
  return 0;
}

int
sip_message_via(const sip_message *msg, guint index, sip_via *out, sip_error *err)
{
  const sip_header *h = sip_message_header_at(msg, SIP_HDR_VIA, index);
  const char *why = NULL;
  if (!h)
    return sip_error_set(err, -ENOENT, 400, "missing Via header field");
  if (sip_via_parse(h->value, out, &why) < 0)
    return bad(err, -EBADMSG, why);
  return 0;
}

int
sip_message_name_addr(const sip_message *msg, sip_hdr_id id, guint index, sip_name_addr *out,
                      sip_error *err)
{
  const sip_header *h = sip_message_header_at(msg, id, index);
  const char *why = NULL;
  if (!h)
    return sip_error_set(err, -ENOENT, 400, "missing header field");
  if (sip_name_addr_parse(h->value, out, &why) < 0)
    return bad(err, -EBADMSG, why);
  return 0;
}

int
sip_message_from(const sip_message *msg, sip_name_addr *out, sip_error *err)
{
  int r = sip_message_name_addr(msg, SIP_HDR_FROM, 0, out, err);
  if (r == -ENOENT)
    sip_error_set(err, r, 400, "missing From header field");
  return r;
}

int
sip_message_to(const sip_message *msg, sip_name_addr *out, sip_error *err)
{
  int r = sip_message_name_addr(msg, SIP_HDR_TO, 0, out, err);
  if (r == -ENOENT)
    sip_error_set(err, r, 400, "missing To header field");
  return r;
}

int
sip_message_call_id(const sip_message *msg, sip_slice *out, sip_error *err)
{
  const sip_header *h = sip_message_header(msg, SIP_HDR_CALL_ID);
  if (!h)
    return sip_error_set(err, -ENOENT, 400, "missing Call-ID header field");
  if (h->value.len == 0)
    return bad(err, -EBADMSG, "empty Call-ID");
  for (gsize i = 0; i < h->value.len; i++) {
    guchar c = (guchar)h->value.p[i];
    if (c <= 0x20 || c >= 0x7f)
      return bad(err, -EBADMSG, "invalid character in Call-ID");
  }
  *out = h->value;
  return 0;
}

int
sip_message_cseq(const sip_message *msg, sip_cseq *out, sip_error *err)
{
  const sip_header *h = sip_message_header(msg, SIP_HDR_CSEQ);
  const char *why = NULL;
  int r;
  if (!h)
    return sip_error_set(err, -ENOENT, 400, "missing CSeq header field");
  r = sip_cseq_parse(h->value, out, &why);
  return r < 0 ? bad(err, r, why) : 0;
}

int
sip_message_max_forwards(const sip_message *msg, guint *out, sip_error *err)
{
  const sip_header *h = sip_message_header(msg, SIP_HDR_MAX_FORWARDS);
  guint64 v;
  if (!h)
    return sip_error_set(err, -ENOENT, 0, "no Max-Forwards header field");
  if (sip_parse_uint(h->value, 255, &v) != 0)
    return bad(err, -EBADMSG, "Max-Forwards is not a number from 0 to 255");
  *out = (guint)v;
  return 0;
}

int
sip_message_expires(const sip_message *msg, guint32 *out, sip_error *err)
{
  const sip_header *h = sip_message_header(msg, SIP_HDR_EXPIRES);
  guint64 v;
  int r;
  if (!h)
    return sip_error_set(err, -ENOENT, 0, "no Expires header field");
  r = sip_parse_uint(h->value, G_MAXUINT32, &v);
  if (r == -ERANGE)
    v = G_MAXUINT32;
  else if (r < 0)
    return bad(err, -EBADMSG, "Expires is not a number");
  *out = (guint32)v;
  return 0;
}

int
sip_message_content_type(const sip_message *msg, sip_slice *out, sip_error *err)
{
  const sip_header *h = sip_message_header(msg, SIP_HDR_CONTENT_TYPE);
  if (!h)
    return sip_error_set(err, -ENOENT, 0, "no Content-Type header field");
  *out = h->value;
  return 0;
}

gboolean
sip_message_has_token(const sip_message *msg, sip_hdr_id id, const char *tag)
{
  for (const sip_header *h = sip_message_header(msg, id); h; h = sip_message_header_next(msg, h)) {
    if (id == SIP_HDR_ALLOW ? sip_slice_eq(h->value, tag) : sip_slice_caseeq(h->value, tag))
      return TRUE;
  }
  return FALSE;
}
