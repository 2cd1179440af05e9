/* Building the gateway→page messages of PROTOCOL.md, one function each. */
#define G_LOG_DOMAIN "rtc2sip-browser"
#include "signalling/browser/browser_private.h"

#include <errno.h>

static const char *const error_names[] = {
  [BROWSER_ERROR_BAD_REQUEST] = "bad_request", [BROWSER_ERROR_UNAUTHORIZED] = "unauthorized",
  [BROWSER_ERROR_FORBIDDEN] = "forbidden",     [BROWSER_ERROR_NOT_FOUND] = "not_found",
  [BROWSER_ERROR_BUSY] = "busy",               [BROWSER_ERROR_UNAVAILABLE] = "unavailable",
  [BROWSER_ERROR_INTERNAL] = "internal",
};

const char *
browser_error_code_name(browser_error_code code)
{
  return (guint)code < G_N_ELEMENTS(error_names) ? error_names[code] : "internal";
}

/* Starts a message of TYPE in a fresh buffer. */
static GString *
begin(browser_json_object *o, const char *type)
{
  GString *buf = g_string_sized_new(128);
  browser_json_object_begin(o, buf);
  browser_json_object_string(o, "type", type);
  return buf;
}

static void
finish(browser_session *s, browser_json_object *o, GString *buf)
{
  browser_json_object_end(o);
  browser_session_queue(s, g_string_free(buf, FALSE));
}

/* Starts a message about an open CALL; NULL when it is not open. With
 * REPLY, the id of the page's call request is written (once). */
static GString *
begin_call(browser_session *s, browser_json_object *o, const char *type, const char *call,
           gboolean reply)
{
  browser_call *c = browser_session_lookup_call(s, call);
  if (!c) {
    g_debug("no %s for call %s: it is not open on this connection", type, call ? call : "(null)");
    return NULL;
  }
  GString *buf = begin(o, type);
  if (reply && c->request_id) {
    browser_json_object_node(o, "id", c->request_id);
    g_clear_pointer(&c->request_id, json_node_unref);
  }
  browser_json_object_string(o, "call", call);
  return buf;
}

void
browser_session_send_welcome(browser_session *s, const JsonNode *id, const char *fingerprint,
                             JsonNode *ice_servers)
{
  browser_json_object o;
  GString *buf = begin(&o, "welcome");
  if (id)
    browser_json_object_node(&o, "id", id);
  browser_json_object_int(&o, "version", BROWSER_PROTOCOL_VERSION);
  browser_json_object_string(&o, "fingerprint", fingerprint);
  browser_json_object_key(&o, "ice_servers");
  if (ice_servers && JSON_NODE_HOLDS_ARRAY(ice_servers))
    browser_json_append_node(buf, ice_servers);
  else
    g_string_append(buf, "[]");
  finish(s, &o, buf);
  browser_session_set_welcomed(s);
}

int
browser_session_send_answer(browser_session *s, const char *call, const char *sdp)
{
  browser_json_object o;
  GString *buf = begin_call(s, &o, "answer", call, TRUE);
  if (!buf)
    return -ENOENT;
  browser_json_object_string(&o, "sdp", sdp);
  finish(s, &o, buf);
  return 0;
}

int
browser_session_send_incoming(browser_session *s, const char *call, const char *from,
                              const char *to, const char *sdp)
{
  browser_json_object o;
  if (!browser_call_id_valid(call))
    return -EINVAL;
  if (browser_session_lookup_call(s, call))
    return -EEXIST;
  if (!browser_session_call_room(s))
    return -EBUSY;
  browser_session_open_call(s, call, TRUE);
  GString *buf = begin_call(s, &o, "incoming", call, FALSE);
  browser_json_object_string(&o, "from", from);
  browser_json_object_string(&o, "to", to);
  browser_json_object_string(&o, "sdp", sdp);
  finish(s, &o, buf);
  return 0;
}

int
browser_session_send_progress(browser_session *s, const char *call, guint status, const char *reason)
{
  browser_json_object o;
  GString *buf = begin_call(s, &o, "progress", call, FALSE);
  if (!buf)
    return -ENOENT;
  browser_json_object_int(&o, "status", status);
  browser_json_object_string(&o, "reason", reason ? reason : "");
  finish(s, &o, buf);
  return 0;
}

int
browser_session_send_candidate(browser_session *s, const char *call, const char *candidate,
                               const char *sdp_mid, gint mline_index)
{
  browser_json_object o, c;
  GString *buf = begin_call(s, &o, "candidate", call, FALSE);
  if (!buf)
    return -ENOENT;
  browser_json_object_key(&o, "candidate");
  if (!candidate) {
    g_string_append(buf, "null");
  } else {
    browser_json_object_begin(&c, buf);
    browser_json_object_string(&c, "candidate", candidate);
    browser_json_object_string(&c, "sdpMid", sdp_mid);
    if (mline_index >= 0)
      browser_json_object_int(&c, "sdpMLineIndex", mline_index);
    else
      browser_json_object_null(&c, "sdpMLineIndex");
    browser_json_object_end(&c);
  }
  finish(s, &o, buf);
  return 0;
}

int
browser_session_send_connected(browser_session *s, const char *call)
{
  browser_json_object o;
  GString *buf = begin_call(s, &o, "connected", call, FALSE);
  if (!buf)
    return -ENOENT;
  finish(s, &o, buf);
  return 0;
}

static const char *
keying_name(browser_keying k)
{
  switch (k) {
  case BROWSER_KEYING_DTLS_SRTP: return "dtls-srtp";
  case BROWSER_KEYING_SDES: return "sdes";
  case BROWSER_KEYING_NONE:
  default: return "none";
  }
}

static void
append_verified(browser_json_object *o, browser_verified v)
{
  if (v == BROWSER_VERIFIED_YES || v == BROWSER_VERIFIED_NO)
    browser_json_object_bool(o, "verified", v == BROWSER_VERIFIED_YES);
  else
    browser_json_object_null(o, "verified");
}

/* One leg object: the fields of its keying, then "verified" (null for
 * sdes and none: nothing was checked). */
static void
append_leg(GString *buf, const browser_security_leg *leg)
{
  browser_json_object o;
  browser_json_object_begin(&o, buf);
  browser_json_object_string(&o, "keying", keying_name(leg->keying));
  switch (leg->keying) {
  case BROWSER_KEYING_DTLS_SRTP:
    browser_json_object_string(&o, "profile", leg->profile);
    browser_json_object_string(&o, "dtls_role",
                               leg->dtls_role == BROWSER_DTLS_ROLE_CLIENT ? "client" : "server");
    browser_json_object_string(&o, "local_fingerprint", leg->local_fingerprint);
    browser_json_object_string(&o, "remote_fingerprint", leg->remote_fingerprint);
    append_verified(&o, leg->verified);
    break;
  case BROWSER_KEYING_SDES:
    browser_json_object_string(&o, "suite", leg->suite);
    browser_json_object_string(&o, "signalling",
                               leg->signalling == BROWSER_SIGNALLING_TLS   ? "tls"
                               : leg->signalling == BROWSER_SIGNALLING_TCP ? "tcp"
                                                                           : "udp");
    browser_json_object_null(&o, "verified");
    break;
  case BROWSER_KEYING_NONE:
  default:
    browser_json_object_null(&o, "verified");
    break;
  }
  browser_json_object_end(&o);
}

int
browser_session_send_security(browser_session *s, const char *call, const browser_security *sec)
{
  browser_json_object o;
  GString *buf = begin_call(s, &o, "security", call, FALSE);
  if (!buf)
    return -ENOENT;
  browser_json_object_key(&o, "browser_leg");
  append_leg(buf, &sec->browser_leg);
  browser_json_object_key(&o, "sip_leg");
  if (sec->has_sip_leg)
    append_leg(buf, &sec->sip_leg);
  else
    g_string_append(buf, "null");
  browser_json_object_bool(&o, "end_to_end", sec->end_to_end);
  finish(s, &o, buf);
  return 0;
}

int
browser_session_send_hangup(browser_session *s, const char *call, const char *reason, guint sip_status)
{
  browser_json_object o;
  GString *buf = begin_call(s, &o, "hangup", call, TRUE);
  if (!buf)
    return -ENOENT;
  browser_json_object_string(&o, "reason", reason ? reason : "");
  if (sip_status)
    browser_json_object_int(&o, "sip_status", sip_status);
  finish(s, &o, buf);
  browser_session_close_call(s, call);
  return 0;
}

int
browser_session_send_dtmf(browser_session *s, const char *call, char digit)
{
  browser_json_object o;
  char text[2] = { digit, '\0' };
  GString *buf = begin_call(s, &o, "dtmf", call, FALSE);
  if (!buf)
    return -ENOENT;
  browser_json_object_string(&o, "digit", text);
  finish(s, &o, buf);
  return 0;
}

void
browser_session_send_registered(browser_session *s, const JsonNode *id, const char *user,
                                const char *uri, gboolean registered)
{
  browser_json_object o;
  GString *buf = begin(&o, registered ? "registered" : "unregistered");
  if (id)
    browser_json_object_node(&o, "id", id);
  browser_json_object_string(&o, "user", user);
  if (uri)
    browser_json_object_string(&o, "uri", uri);
  finish(s, &o, buf);
}

void
browser_session_send_error(browser_session *s, const JsonNode *id, const char *call,
                           browser_error_code code, const char *message)
{
  browser_json_object o;
  GString *buf = begin(&o, "error");
  if (id)
    browser_json_object_node(&o, "id", id);
  if (call)
    browser_json_object_string(&o, "call", call);
  browser_json_object_string(&o, "code", browser_error_code_name(code));
  browser_json_object_string(&o, "message", message ? message : "");
  finish(s, &o, buf);
}

void
browser_session_refuse(browser_session *s, const browser_request *r, browser_error_code code,
                       const char *message)
{
  browser_session_send_error(s, r->id, r->call, code, message);
  if (r->type == BROWSER_REQ_CALL)
    browser_session_close_call(s, r->call);
}
