/* One WebSocket connection's protocol state: the checks every frame goes
 * through (rate, size, strict JSON, hello, fields, calls), the open calls
 * and the output queue. */
#define G_LOG_DOMAIN "rtc2sip-browser"
#include "signalling/browser/browser_private.h"

#include <errno.h>
#include <string.h>

struct browser_session {
  browser_limits limits;
  browser_bucket bucket;
  GQueue output;        /* char *, oldest first */
  gsize output_bytes;   /* sum of the queued frames' lengths */
  GHashTable *calls;    /* call id (owned by the record) → browser_call * */
  gboolean welcomed;
};

static void
call_free(browser_call *c)
{
  if (c->request_id)
    json_node_unref(c->request_id);
  g_free(c->call);
  g_free(c);
}

browser_session *
browser_session_new(const browser_limits *limits)
{
  browser_session *s = g_new0(browser_session, 1);
  if (limits)
    s->limits = *limits;
  else
    browser_limits_init_default(&s->limits);
  if (s->limits.max_message_bytes == 0)
    s->limits.max_message_bytes = BROWSER_DEFAULT_MAX_MESSAGE_BYTES;
  browser_bucket_init(&s->bucket, s->limits.max_messages_per_second);
  g_queue_init(&s->output);
  s->calls = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)call_free);
  return s;
}

void
browser_session_free(browser_session *s)
{
  if (!s)
    return;
  g_queue_clear_full(&s->output, g_free);
  g_hash_table_destroy(s->calls);
  g_free(s);
}

void
browser_session_queue(browser_session *s, char *text)
{
  s->output_bytes += strlen(text);
  g_queue_push_tail(&s->output, text);
}

char *
browser_session_pop_output(browser_session *s)
{
  char *text = g_queue_pop_head(&s->output);
  if (text)
    s->output_bytes -= strlen(text);
  return text;
}

guint
browser_session_output_length(const browser_session *s)
{
  return s->output.length;
}

gsize
browser_session_output_bytes(const browser_session *s)
{
  return s->output_bytes;
}

gboolean
browser_session_is_welcomed(const browser_session *s)
{
  return s->welcomed;
}

void
browser_session_set_welcomed(browser_session *s)
{
  s->welcomed = TRUE;
}

/* ---- calls ---- */

browser_call *
browser_session_lookup_call(browser_session *s, const char *call)
{
  return call ? g_hash_table_lookup(s->calls, call) : NULL;
}

browser_call *
browser_session_open_call(browser_session *s, const char *call, gboolean incoming)
{
  browser_call *c = g_new0(browser_call, 1);
  c->call = g_strdup(call);
  c->incoming = incoming;
  g_hash_table_replace(s->calls, c->call, c);
  return c;
}

void
browser_session_close_call(browser_session *s, const char *call)
{
  if (call)
    g_hash_table_remove(s->calls, call);
}

gboolean
browser_session_call_room(const browser_session *s)
{
  return s->limits.max_calls == 0 || g_hash_table_size(s->calls) < s->limits.max_calls;
}

void
browser_session_call_ended(browser_session *s, const char *call)
{
  browser_session_close_call(s, call);
}

gboolean
browser_session_has_call(const browser_session *s, const char *call)
{
  return call && g_hash_table_contains(s->calls, call);
}

guint
browser_session_call_count(const browser_session *s)
{
  return g_hash_table_size(s->calls);
}

static gint
compare_strings(gconstpointer a, gconstpointer b, gpointer unused)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

char **
browser_session_list_calls(const browser_session *s)
{
  guint n = 0;
  g_autofree const char **keys = (const char **)g_hash_table_get_keys_as_array(s->calls, &n);
  char **out = g_new0(char *, n + 1);
  for (guint i = 0; i < n; i++)
    out[i] = g_strdup(keys[i]);
  g_qsort_with_data(out, n, sizeof *out, compare_strings, NULL);
  return out;
}

/* ---- feeding frames ---- */

/* Queues the error and returns RC. */
static int
refuse(browser_session *s, int rc, browser_error_code code, const JsonNode *id, const char *call,
       const char *message)
{
  g_debug("refused a message (%s): %s", browser_error_code_name(code), message);
  browser_session_send_error(s, id, call, code, message);
  return rc;
}

static char *
rate_message(const browser_session *s)
{
  return g_strdup_printf("too many messages: slow down to at most %u per second",
                         s->limits.max_messages_per_second);
}

/* The call-tracking checks for a request whose fields are fine. Returns 0
 * or the refusal's rc with *CODE and *MESSAGE (caller frees) set. */
static int
track_calls(browser_session *s, browser_request *r, browser_error_code *code, char **message)
{
  const char *type = browser_request_type_name(r->type);
  browser_call *c = browser_session_lookup_call(s, r->call);

  *code = BROWSER_ERROR_BAD_REQUEST;
  switch (r->type) {
  case BROWSER_REQ_CALL:
    if (c) {
      *message = g_strdup_printf("call: call \"%s\" already exists on this connection; "
                                 "choose a new \"call\" id", r->call);
      return -EEXIST;
    }
    if (!browser_session_call_room(s)) {
      *code = BROWSER_ERROR_BUSY;
      *message = g_strdup_printf("call: this connection already has %u calls open; "
                                 "hang one up first", s->limits.max_calls);
      return -EBUSY;
    }
    c = browser_session_open_call(s, r->call, FALSE);
    if (r->id)
      c->request_id = json_node_copy(r->id);
    return 0;
  case BROWSER_REQ_CANDIDATE:
  case BROWSER_REQ_ACCEPT:
  case BROWSER_REQ_REJECT:
  case BROWSER_REQ_HANGUP:
  case BROWSER_REQ_DTMF:
    if (!c) {
      *code = BROWSER_ERROR_NOT_FOUND;
      *message = g_strdup_printf("%s: there is no call \"%s\" on this connection "
                                 "(it ended, or was never started)", type, r->call);
      return -ENOENT;
    }
    break;
  default:
    return 0;
  }

  if (r->type == BROWSER_REQ_ACCEPT || r->type == BROWSER_REQ_REJECT) {
    if (!c->incoming) {
      *message = g_strdup_printf("%s: call \"%s\" was started by this page; %s", type, r->call,
                                 r->type == BROWSER_REQ_ACCEPT
                                   ? "accept answers a call offered with incoming"
                                   : "end it with hangup");
      return -EPERM;
    }
    if (c->accepted) {
      *message = g_strdup_printf("%s: call \"%s\" was already accepted%s", type, r->call,
                                 r->type == BROWSER_REQ_REJECT ? "; end it with hangup" : "");
      return -EALREADY;
    }
  }
  if (r->type == BROWSER_REQ_ACCEPT)
    c->accepted = TRUE;
  else if (r->type == BROWSER_REQ_REJECT || r->type == BROWSER_REQ_HANGUP)
    browser_session_close_call(s, r->call);
  return 0;
}

static void
send_pong(browser_session *s, const JsonNode *id)
{
  GString *buf = g_string_new(NULL);
  browser_json_object o;
  browser_json_object_begin(&o, buf);
  browser_json_object_string(&o, "type", "pong");
  if (id)
    browser_json_object_node(&o, "id", id);
  browser_json_object_end(&o);
  browser_session_queue(s, g_string_free(buf, FALSE));
}

int
browser_session_feed(browser_session *s, gint64 now_us, const char *text, gsize len,
                     browser_request **out)
{
  const char *reason = NULL;
  const char *echo_call = NULL;
  g_autofree char *message = NULL;
  browser_error_code code;
  int rc;

  g_return_val_if_fail(s != NULL && out != NULL, -EINVAL);
  *out = NULL;
  g_return_val_if_fail(text != NULL || len == 0, -EINVAL);
  gboolean allowed = browser_bucket_take(&s->bucket, now_us);

  if (len > s->limits.max_message_bytes) {
    if (!allowed)
      return refuse(s, -EAGAIN, BROWSER_ERROR_BUSY, NULL, NULL, message = rate_message(s));
    message = g_strdup_printf("the message is %" G_GSIZE_FORMAT " bytes long; the limit is %"
                              G_GSIZE_FORMAT, len, s->limits.max_message_bytes);
    return refuse(s, -EMSGSIZE, BROWSER_ERROR_BAD_REQUEST, NULL, NULL, message);
  }
  if (browser_json_check(text, len, BROWSER_MAX_JSON_DEPTH, &reason) < 0) {
    if (!allowed)
      return refuse(s, -EAGAIN, BROWSER_ERROR_BUSY, NULL, NULL, message = rate_message(s));
    message = g_strdup_printf("the message is not JSON: %s", reason);
    return refuse(s, -EINVAL, BROWSER_ERROR_BAD_REQUEST, NULL, NULL, message);
  }

  g_autoptr(JsonParser) parser = json_parser_new_immutable();
  g_autoptr(GError) error = NULL;
  JsonNode *root = NULL;
  if (json_parser_load_from_data(parser, text, (gssize)len, &error))
    root = json_parser_get_root(parser);
  if (!root) {
    /* The checker passed it, so json-glib should have too. */
    message = g_strdup_printf("the message is not JSON: %s", error ? error->message : "empty");
    return refuse(s, -EINVAL, BROWSER_ERROR_BAD_REQUEST, NULL, NULL, message);
  }

  g_autoptr(browser_request) r = g_new0(browser_request, 1);
  r->candidate.sdp_mline_index = -1;
  rc = browser_request_read_head(root, r, &echo_call, &message);
  if (!allowed) {
    g_clear_pointer(&message, g_free);
    return refuse(s, -EAGAIN, BROWSER_ERROR_BUSY, r->id, echo_call, message = rate_message(s));
  }
  if (rc < 0)
    return refuse(s, rc, BROWSER_ERROR_BAD_REQUEST, r->id, echo_call, message);

  const char *type = browser_request_type_name(r->type);
  if (s->limits.require_hello && !s->welcomed && r->type != BROWSER_REQ_HELLO &&
      r->type != BROWSER_REQ_PING) {
    message = g_strdup_printf("%s: send hello first; the gateway takes other messages once it "
                              "has answered with welcome", type);
    return refuse(s, -EACCES, BROWSER_ERROR_UNAUTHORIZED, r->id, echo_call, message);
  }
  if (r->type == BROWSER_REQ_HELLO && s->welcomed)
    return refuse(s, -EALREADY, BROWSER_ERROR_BAD_REQUEST, r->id, NULL,
                  "hello: this connection already got its welcome; send hello once per connection");

  rc = browser_request_read_fields(json_node_get_object(root), r, s->limits.max_message_bytes,
                                   &message);
  if (rc < 0)
    return refuse(s, rc, BROWSER_ERROR_BAD_REQUEST, r->id, echo_call, message);

  rc = track_calls(s, r, &code, &message);
  if (rc < 0)
    return refuse(s, rc, code, r->id, echo_call, message);

  if (r->type == BROWSER_REQ_PING) {
    send_pong(s, r->id);
    return 0;
  }
  *out = g_steal_pointer(&r);
  return 0;
}
