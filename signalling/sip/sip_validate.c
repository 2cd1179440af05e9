/* sip_message_validate and the transaction keys: the checks of RFC 3261
 * §8.2 that a UA makes before a request reaches a transaction, and the
 * RFC 4475 cases that are well-formed but must still be refused. */
#define G_LOG_DOMAIN "rtc2sip-sip"
#include "signalling/sip/sip_message.h"

#include <errno.h>
#include <string.h>

int
sip_message_get_ids(const sip_message *msg, sip_message_ids *out, sip_error *err)
{
  sip_name_addr na;
  int r;

  memset(out, 0, sizeof *out);
  if ((r = sip_message_via(msg, 0, &out->top_via, err)) < 0 ||
      (r = sip_message_cseq(msg, &out->cseq, err)) < 0 ||
      (r = sip_message_call_id(msg, &out->call_id, err)) < 0)
    return r;
  if ((r = sip_message_from(msg, &na, err)) < 0)
    return r;
  out->from_tag = na.tag;
  if ((r = sip_message_to(msg, &na, err)) < 0)
    return r;
  out->to_tag = na.tag;
  if (msg->is_request) {
    out->method = msg->method_id;
    out->method_text = msg->method;
  } else {
    out->method = out->cseq.method_id;
    out->method_text = out->cseq.method;
  }
  return 0;
}

static gboolean
tag_supported(sip_slice tag, const char *const *supported)
{
  for (guint i = 0; supported && supported[i]; i++)
    if (sip_slice_caseeq(tag, supported[i]))
      return TRUE;
  return FALSE;
}

guint
sip_message_unsupported(const sip_message *msg, const char *const *supported, GString *out)
{
  guint n = 0;
  for (const sip_header *h = sip_message_header(msg, SIP_HDR_REQUIRE); h;
       h = sip_message_header_next(msg, h)) {
    if (h->value.len == 0 || tag_supported(h->value, supported))
      continue;
    if (n++ > 0)
      g_string_append(out, ", ");
    g_string_append_len(out, h->value.p, (gssize)h->value.len);
  }
  return n;
}

typedef struct {
  sip_hdr_id id;
  gboolean mandatory;
  const char *missing;
  const char *repeated;
} single_rule;

static const single_rule single_rules[] = {
  { SIP_HDR_TO, TRUE, "missing To header field", "more than one To header field" },
  { SIP_HDR_FROM, TRUE, "missing From header field", "more than one From header field" },
  { SIP_HDR_CALL_ID, TRUE, "missing Call-ID header field", "more than one Call-ID header field" },
  { SIP_HDR_CSEQ, TRUE, "missing CSeq header field", "more than one CSeq header field" },
  { SIP_HDR_VIA, TRUE, "missing Via header field", NULL },
  { SIP_HDR_MAX_FORWARDS, FALSE, NULL, "more than one Max-Forwards header field" },
  { SIP_HDR_CONTENT_TYPE, FALSE, NULL, "more than one Content-Type header field" },
  { SIP_HDR_EXPIRES, FALSE, NULL, "more than one Expires header field" },
};

static int
check_name_addrs(const sip_message *msg, sip_hdr_id id, sip_error *err)
{
  sip_name_addr na;
  guint n = sip_message_header_count(msg, id);
  for (guint i = 0; i < n; i++) {
    int r = sip_message_name_addr(msg, id, i, &na, err);
    if (r < 0)
      return r;
    if (na.star && id != SIP_HDR_CONTACT)
      return sip_error_set(err, -EBADMSG, 400, "'*' outside Contact");
  }
  return 0;
}

static int
validate(const sip_message *msg, const char *const *supported, sip_error *err)
{
  sip_message_ids ids;
  sip_uri ruri;
  sip_via via;
  guint u;
  guint32 e;
  int r;

  if (msg->is_request) {
    if ((r = sip_message_request_uri_parse(msg, &ruri, err)) < 0)
      return r;
    if (ruri.scheme == SIP_URI_OTHER)
      return sip_error_set(err, -EPROTONOSUPPORT, 416, "unsupported URI scheme in Request-URI");
    if (ruri.has_headers)
      return sip_error_set(err, -EBADMSG, 400, "headers in the Request-URI");
  }
  for (guint i = 0; i < G_N_ELEMENTS(single_rules); i++) {
    guint n = sip_message_header_count(msg, single_rules[i].id);
    if (n == 0 && single_rules[i].mandatory)
      return sip_error_set(err, -ENOENT, 400, single_rules[i].missing);
    if (n > 1 && single_rules[i].repeated)
      return sip_error_set(err, -EBADMSG, 400, single_rules[i].repeated);
  }
  if ((r = sip_message_get_ids(msg, &ids, err)) < 0)
    return r;
  if (msg->is_request && (ids.cseq.method.len != msg->method.len ||
                          memcmp(ids.cseq.method.p, msg->method.p, msg->method.len) != 0))
    return sip_error_set(err, -EBADMSG, 400, "CSeq method does not match the request method");
  if (!sip_slice_caseeq(ids.top_via.protocol, "SIP"))
    return sip_error_set(err, -EBADMSG, 400, "Via protocol is not SIP");
  if (!sip_slice_eq(ids.top_via.version, "2.0"))
    return sip_error_set(err, -EPROTONOSUPPORT, 505, "SIP version in Via not supported");
  if (ids.top_via.has_branch && sip_slice_eq(ids.top_via.branch, SIP_BRANCH_COOKIE))
    return sip_error_set(err, -EBADMSG, 400, "Via branch is only the magic cookie");
  for (guint i = 1; i < sip_message_header_count(msg, SIP_HDR_VIA); i++)
    if ((r = sip_message_via(msg, i, &via, err)) < 0)
      return r;
  if ((r = check_name_addrs(msg, SIP_HDR_CONTACT, err)) < 0 ||
      (r = check_name_addrs(msg, SIP_HDR_ROUTE, err)) < 0 ||
      (r = check_name_addrs(msg, SIP_HDR_RECORD_ROUTE, err)) < 0)
    return r;
  if (sip_message_header_count(msg, SIP_HDR_CONTACT) > 1) {
    sip_name_addr na;
    for (guint i = 0; sip_message_name_addr(msg, SIP_HDR_CONTACT, i, &na, NULL) == 0; i++)
      if (na.star)
        return sip_error_set(err, -EBADMSG, 400, "Contact '*' together with other contacts");
  }
  {
    sip_name_addr na;
    if (sip_message_name_addr(msg, SIP_HDR_CONTACT, 0, &na, NULL) == 0 && na.star &&
        !(msg->is_request && msg->method_id == SIP_METHOD_REGISTER))
      return sip_error_set(err, -EBADMSG, 400, "Contact '*' outside REGISTER");
  }
  if ((r = sip_message_max_forwards(msg, &u, err)) < 0 && r != -ENOENT)
    return r;
  if ((r = sip_message_expires(msg, &e, err)) < 0 && r != -ENOENT)
    return r;
  if (msg->is_request && msg->method_id != SIP_METHOD_ACK && msg->method_id != SIP_METHOD_CANCEL) {
    for (const sip_header *h = sip_message_header(msg, SIP_HDR_REQUIRE); h;
         h = sip_message_header_next(msg, h))
      if (h->value.len > 0 && !tag_supported(h->value, supported))
        return sip_error_set(err, -ENOTSUP, 420, "unsupported extension in Require");
  }
  return 0;
}

int
sip_message_validate(const sip_message *msg, const char *const *supported, sip_error *err)
{
  int r;
  sip_error_set(err, 0, 0, NULL);
  r = validate(msg, supported, err);
  if (r < 0 && err) {
    if (err->status == 0)
      err->status = 400;
    if (!msg->is_request)
      err->status = 0;
  }
  return r;
}
