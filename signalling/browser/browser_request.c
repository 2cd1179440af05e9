/* Parsing the page's requests: from a json-glib tree (already checked to be
 * strict JSON) to a browser_request, with one sentence naming the field for
 * every refusal. */
#define G_LOG_DOMAIN "rtc2sip-browser"
#include "signalling/browser/browser_private.h"

#include <errno.h>
#include <string.h>

#define MAX_CALL_ID 64
#define MAX_TO 256
#define MAX_TOKEN 8192
#define MAX_NAME 256     /* user, uri, auth_user, password, proxy */
#define MAX_CANDIDATE 1024
#define MAX_MID 64
#define MAX_DIGITS 32
#define DEFAULT_REJECT_STATUS 486
#define DEFAULT_DTMF_MS 100
/* RTCDTMFSender's bounds for a tone's duration (W3C webrtc-pc §7.2). */
#define MIN_DTMF_MS 40
#define MAX_DTMF_MS 6000

static const char *const type_names[] = {
  [BROWSER_REQ_HELLO] = "hello",         [BROWSER_REQ_REGISTER] = "register",
  [BROWSER_REQ_UNREGISTER] = "unregister", [BROWSER_REQ_CALL] = "call",
  [BROWSER_REQ_CANDIDATE] = "candidate", [BROWSER_REQ_ACCEPT] = "accept",
  [BROWSER_REQ_REJECT] = "reject",       [BROWSER_REQ_HANGUP] = "hangup",
  [BROWSER_REQ_DTMF] = "dtmf",           [BROWSER_REQ_PING] = "ping",
};

const char *
browser_request_type_name(browser_request_type type)
{
  return (guint)type < G_N_ELEMENTS(type_names) ? type_names[type] : "unknown";
}

gboolean
browser_request_type_has_call(browser_request_type type)
{
  switch (type) {
  case BROWSER_REQ_CALL:
  case BROWSER_REQ_CANDIDATE:
  case BROWSER_REQ_ACCEPT:
  case BROWSER_REQ_REJECT:
  case BROWSER_REQ_HANGUP:
  case BROWSER_REQ_DTMF:
    return TRUE;
  default:
    return FALSE;
  }
}

void
browser_request_free(browser_request *r)
{
  if (!r)
    return;
  if (r->id)
    json_node_unref(r->id);
  g_free(r->call);
  g_free(r->to);
  g_free(r->sdp);
  g_free(r->token);
  g_free(r->user);
  g_free(r->uri);
  g_free(r->auth_user);
  g_free(r->password);
  g_free(r->proxy);
  g_free(r->digits);
  g_free(r->candidate.candidate);
  g_free(r->candidate.sdp_mid);
  g_free(r);
}

gboolean
browser_call_id_valid(const char *s)
{
  gsize n = 0;
  if (!s)
    return FALSE;
  for (; s[n]; n++)
    if (n >= MAX_CALL_ID || !g_ascii_isgraph(s[n]))
      return FALSE;
  return n > 0;
}

static gboolean
all_visible(const char *s)
{
  for (; *s; s++)
    if (!g_ascii_isgraph(*s))
      return FALSE;
  return TRUE;
}

/* Control characters (C0 and DEL); SDP keeps its line breaks and tabs. */
static gboolean
has_control(const char *s, gboolean allow_lines)
{
  for (const guchar *p = (const guchar *)s; *p; p++) {
    if (allow_lines && (*p == '\r' || *p == '\n' || *p == '\t'))
      continue;
    if (*p < 0x20 || *p == 0x7f)
      return TRUE;
  }
  return FALSE;
}

/* Member NAME, with null treated as absent. */
static JsonNode *
member(JsonObject *obj, const char *name)
{
  JsonNode *n = json_object_get_member(obj, name);
  return n && !JSON_NODE_HOLDS_NULL(n) ? n : NULL;
}

static gboolean
is_string(JsonNode *n)
{
  return JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING;
}

typedef struct {
  const char *type; /* for messages */
  char **message;
} ctx;

static int
refuse(ctx *c, const char *format, ...) G_GNUC_PRINTF(2, 3);

static int
refuse(ctx *c, const char *format, ...)
{
  va_list ap;
  va_start(ap, format);
  g_autofree char *text = g_strdup_vprintf(format, ap);
  va_end(ap);
  *c->message = g_strdup_printf("%s: %s", c->type, text);
  return -EINVAL;
}

/* Reads string NAME into *OUT (NULL when optional and absent). The string
 * must be non-empty, at most MAX bytes and free of control characters. */
static int
read_string(ctx *c, JsonObject *obj, const char *name, gboolean required, gsize max, char **out)
{
  JsonNode *n = member(obj, name);
  if (!n) {
    if (required)
      return refuse(c, "\"%s\" is required", name);
    return 0;
  }
  if (!is_string(n))
    return refuse(c, "\"%s\" must be a string", name);
  const char *s = json_node_get_string(n);
  gsize len = strlen(s);
  if (len == 0)
    return refuse(c, "\"%s\" must not be empty", name);
  if (len > max)
    return refuse(c, "\"%s\" is %" G_GSIZE_FORMAT " bytes long; the limit is %" G_GSIZE_FORMAT,
                  name, len, max);
  if (has_control(s, FALSE))
    return refuse(c, "\"%s\" must not contain control characters", name);
  *out = g_strdup(s);
  return 0;
}

/* Is N an integer (integral floats pass) in [MIN, MAX]? */
static gboolean
int_in_range(JsonNode *n, guint min, guint max, guint *out)
{
  GType t = JSON_NODE_HOLDS_VALUE(n) ? json_node_get_value_type(n) : G_TYPE_INVALID;
  double d;
  if (t == G_TYPE_INT64)
    d = (double)json_node_get_int(n); /* exact: the checker bounds integers to 2^53 */
  else if (t == G_TYPE_DOUBLE)
    d = json_node_get_double(n);
  else
    return FALSE;
  /* Range first, so the cast is defined; no floor(): no libm to link. */
  if (!(d >= (double)min && d <= (double)max) || d != (double)(gint64)d)
    return FALSE;
  *out = (guint)d;
  return TRUE;
}

/* Integer NAME in [MIN, MAX], DEF when absent or null. */
static int
read_uint(ctx *c, JsonObject *obj, const char *name, guint min, guint max, guint def, guint *out)
{
  JsonNode *n = member(obj, name);
  if (!n) {
    *out = def;
    return 0;
  }
  if (!int_in_range(n, min, max, out))
    return refuse(c, "\"%s\" must be an integer from %u to %u", name, min, max);
  return 0;
}

static int
read_sdp(ctx *c, JsonObject *obj, gsize max, char **out)
{
  JsonNode *n = member(obj, "sdp");
  if (!n)
    return refuse(c, "\"sdp\" is required (the browser's session description text)");
  if (!is_string(n))
    return refuse(c, "\"sdp\" must be a string (the session description's sdp text, not the object)");
  const char *s = json_node_get_string(n);
  gsize len = strlen(s);
  if (len > max)
    return refuse(c, "\"sdp\" is %" G_GSIZE_FORMAT " bytes long; the limit is %" G_GSIZE_FORMAT,
                  len, max);
  if (strncmp(s, "v=0", 3) != 0 || (s[3] != '\r' && s[3] != '\n'))
    return refuse(c, "\"sdp\" must start with the line \"v=0\"");
  if (has_control(s, TRUE))
    return refuse(c, "\"sdp\" must not contain control characters other than line breaks and tabs");
  *out = g_strdup(s);
  return 0;
}

static int
read_register(ctx *c, JsonObject *obj, browser_request *r)
{
  int rc;
  if ((rc = read_string(c, obj, "user", TRUE, MAX_NAME, &r->user)) < 0 ||
      (rc = read_string(c, obj, "uri", FALSE, MAX_NAME, &r->uri)) < 0 ||
      (rc = read_string(c, obj, "auth_user", FALSE, MAX_NAME, &r->auth_user)) < 0 ||
      (rc = read_string(c, obj, "password", FALSE, MAX_NAME, &r->password)) < 0 ||
      (rc = read_string(c, obj, "proxy", FALSE, MAX_NAME, &r->proxy)) < 0)
    return rc;
  if (r->uri && g_ascii_strncasecmp(r->uri, "sip:", 4) != 0 &&
      g_ascii_strncasecmp(r->uri, "sips:", 5) != 0)
    return refuse(c, "\"uri\" must be a sip: or sips: URI (sip:alice@example.com)");
  return 0;
}

static int
read_candidate(ctx *c, JsonObject *obj, browser_request *r)
{
  JsonNode *n = json_object_get_member(obj, "candidate");
  if (!n)
    return refuse(c, "\"candidate\" is required: the RTCIceCandidate object, or null for end of candidates");
  if (JSON_NODE_HOLDS_NULL(n)) {
    r->candidate.end_of_candidates = TRUE;
    r->candidate.sdp_mline_index = -1;
    return 0;
  }
  if (!JSON_NODE_HOLDS_OBJECT(n))
    return refuse(c, "\"candidate\" must be an object {\"candidate\", \"sdpMid\", \"sdpMLineIndex\"} or null");
  JsonObject *cand = json_node_get_object(n);

  JsonNode *line = member(cand, "candidate");
  if (!line || !is_string(line))
    return refuse(c, "\"candidate.candidate\" must be a string (\"candidate:…\", or \"\" for end of candidates)");
  const char *s = json_node_get_string(line);
  gsize len = strlen(s);
  if (len > MAX_CANDIDATE)
    return refuse(c, "\"candidate.candidate\" is %" G_GSIZE_FORMAT " bytes long; the limit is %d",
                  len, MAX_CANDIDATE);
  if (len > 0 && !g_str_has_prefix(s, "candidate:"))
    return refuse(c, "\"candidate.candidate\" must start with \"candidate:\"");
  if (has_control(s, FALSE))
    return refuse(c, "\"candidate.candidate\" must not contain control characters");

  JsonNode *mid = member(cand, "sdpMid");
  if (mid) {
    const char *m = is_string(mid) ? json_node_get_string(mid) : NULL;
    if (!m || !*m || strlen(m) > MAX_MID || !all_visible(m))
      return refuse(c, "\"candidate.sdpMid\" must be null or 1 to %d visible ASCII characters", MAX_MID);
    r->candidate.sdp_mid = g_strdup(m);
  }
  r->candidate.sdp_mline_index = -1;
  JsonNode *index = member(cand, "sdpMLineIndex");
  if (index) {
    guint v;
    if (!int_in_range(index, 0, 65535, &v))
      return refuse(c, "\"candidate.sdpMLineIndex\" must be null or an integer from 0 to 65535");
    r->candidate.sdp_mline_index = (gint)v;
  }
  if (!r->candidate.sdp_mid && r->candidate.sdp_mline_index < 0)
    return refuse(c, "\"candidate\" needs \"sdpMid\" or \"sdpMLineIndex\" to name its m-line");
  if (len == 0)
    r->candidate.end_of_candidates = TRUE;
  else
    r->candidate.candidate = g_strdup(s);
  return 0;
}

static int
read_dtmf(ctx *c, JsonObject *obj, browser_request *r)
{
  JsonNode *n = member(obj, "digits");
  if (!n)
    return refuse(c, "\"digits\" is required");
  const char *s = is_string(n) ? json_node_get_string(n) : NULL;
  gsize len = s ? strlen(s) : 0;
  gboolean ok = len > 0 && len <= MAX_DIGITS;
  for (gsize i = 0; ok && i < len; i++)
    ok = s[i] && strchr("0123456789*#ABCDabcd", s[i]) != NULL;
  if (!ok)
    return refuse(c, "\"digits\" must be a string of 1 to %d of 0-9 * # A-D", MAX_DIGITS);
  r->digits = g_ascii_strup(s, -1);
  return read_uint(c, obj, "duration_ms", MIN_DTMF_MS, MAX_DTMF_MS, DEFAULT_DTMF_MS, &r->duration_ms);
}

int
browser_request_read_fields(JsonObject *obj, browser_request *r, gsize max_sdp, char **message)
{
  ctx c = { browser_request_type_name(r->type), message };

  switch (r->type) {
  case BROWSER_REQ_HELLO:
    return read_string(&c, obj, "token", FALSE, MAX_TOKEN, &r->token);
  case BROWSER_REQ_REGISTER:
    return read_register(&c, obj, r);
  case BROWSER_REQ_UNREGISTER:
    return read_string(&c, obj, "user", TRUE, MAX_NAME, &r->user);
  case BROWSER_REQ_CALL: {
    int rc = read_string(&c, obj, "to", TRUE, MAX_TO, &r->to);
    return rc < 0 ? rc : read_sdp(&c, obj, max_sdp, &r->sdp);
  }
  case BROWSER_REQ_CANDIDATE:
    return read_candidate(&c, obj, r);
  case BROWSER_REQ_ACCEPT:
    return read_sdp(&c, obj, max_sdp, &r->sdp);
  case BROWSER_REQ_REJECT:
    return read_uint(&c, obj, "status", 400, 699, DEFAULT_REJECT_STATUS, &r->status);
  case BROWSER_REQ_DTMF:
    return read_dtmf(&c, obj, r);
  case BROWSER_REQ_HANGUP:
  case BROWSER_REQ_PING:
    return 0;
  }
  return refuse(&c, "unknown type");
}

static gboolean
lookup_type(const char *name, browser_request_type *out)
{
  for (guint i = 0; i < G_N_ELEMENTS(type_names); i++) {
    if (strcmp(type_names[i], name) == 0) {
      *out = i;
      return TRUE;
    }
  }
  return FALSE;
}

int
browser_request_read_head(JsonNode *root, browser_request *r, const char **echo_call, char **message)
{
  *echo_call = NULL;
  if (!JSON_NODE_HOLDS_OBJECT(root)) {
    *message = g_strdup("the message must be a JSON object with a \"type\"");
    return -EINVAL;
  }
  JsonObject *obj = json_node_get_object(root);

  JsonNode *id = json_object_get_member(obj, "id");
  if (id) {
    GType t = JSON_NODE_HOLDS_VALUE(id) ? json_node_get_value_type(id) : G_TYPE_INVALID;
    if (t != G_TYPE_STRING && t != G_TYPE_INT64 && t != G_TYPE_DOUBLE) {
      *message = g_strdup("\"id\" must be a string or a number");
      return -EINVAL;
    }
    r->id = json_node_copy(id);
  }

  JsonNode *call = json_object_get_member(obj, "call");
  if (call && is_string(call) && browser_call_id_valid(json_node_get_string(call)))
    *echo_call = json_node_get_string(call);

  JsonNode *type = json_object_get_member(obj, "type");
  if (!type || !is_string(type)) {
    *message = g_strdup("the message needs a string \"type\" (hello, register, unregister, call, "
                        "candidate, accept, reject, hangup, dtmf or ping)");
    return -EINVAL;
  }
  const char *name = json_node_get_string(type);
  if (!lookup_type(name, &r->type)) {
    if (strlen(name) <= 32 && all_visible(name))
      *message = g_strdup_printf("unknown type \"%s\"; expected hello, register, unregister, call, "
                                 "candidate, accept, reject, hangup, dtmf or ping", name);
    else
      *message = g_strdup("unknown type; expected hello, register, unregister, call, candidate, "
                          "accept, reject, hangup, dtmf or ping");
    return -EINVAL;
  }

  if (browser_request_type_has_call(r->type)) {
    if (!call || JSON_NODE_HOLDS_NULL(call)) {
      *message = g_strdup_printf("%s: \"call\" is required", name);
      return -EINVAL;
    }
    if (!*echo_call) {
      *message = g_strdup_printf("%s: \"call\" must be a string of 1 to %d visible ASCII "
                                 "characters (letters, digits, punctuation; no spaces)",
                                 name, MAX_CALL_ID);
      return -EINVAL;
    }
    r->call = g_strdup(*echo_call);
  }
  return 0;
}
