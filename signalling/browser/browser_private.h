/* Inside signalling/browser: shared between its .c files only. */
#pragma once
#include "signalling/browser/browser_protocol.h"

/* ---- browser_json.c: strict JSON text (RFC 8259) ---- */

/* Checks that TEXT (LEN bytes) is one strict RFC 8259 JSON value: valid
 * UTF-8, no comments, no trailing data, nesting at most MAX_DEPTH, strings
 * without raw control characters or "\u0000", valid surrogate pairs,
 * finite numbers and integers within ±(2^53-1). Returns 0, or -EINVAL with
 * *REASON set to a static sentence. */
int browser_json_check(const char *text, gsize len, guint max_depth, const char **reason);

/* Appends S as a JSON string literal (quotes included); NULL → null;
 * invalid UTF-8 is replaced by U+FFFD. */
void browser_json_append_string(GString *out, const char *s);
/* Appends NODE as JSON text; non-finite numbers and unknown values → null;
 * nesting deeper than BROWSER_MAX_JSON_DEPTH → null. NULL → null. */
void browser_json_append_node(GString *out, const JsonNode *node);

/* A flat JSON object writer for the builders: "{" then "key":value pairs. */
typedef struct {
  GString *buf;
  gboolean first;
} browser_json_object;

void browser_json_object_begin(browser_json_object *o, GString *buf);
void browser_json_object_key(browser_json_object *o, const char *key);
void browser_json_object_string(browser_json_object *o, const char *key, const char *value);
void browser_json_object_int(browser_json_object *o, const char *key, gint64 value);
void browser_json_object_bool(browser_json_object *o, const char *key, gboolean value);
void browser_json_object_null(browser_json_object *o, const char *key);
void browser_json_object_node(browser_json_object *o, const char *key, const JsonNode *value);
void browser_json_object_end(browser_json_object *o);

/* ---- browser_limits.c: the token bucket ---- */

typedef struct {
  guint rate;        /* tokens per second; 0 = unlimited */
  gint64 micro;      /* tokens × 1e6 */
  gint64 last_us;
  gboolean started;
} browser_bucket;

void browser_bucket_init(browser_bucket *b, guint rate);
/* Takes one token at NOW_US; FALSE when the bucket is empty. */
gboolean browser_bucket_take(browser_bucket *b, gint64 now_us);

/* ---- browser_request.c: one parsed object → browser_request ---- */

/* Is S a valid call id (1-64 visible ASCII characters)? */
gboolean browser_call_id_valid(const char *s);

/* Reads what every message has: ROOT must be an object with a known string
 * "type"; "id" (string or number) is copied into OUT->id; for the types
 * that name a call, "call" must be a valid call id and is copied into
 * OUT->call. *ECHO_CALL is set to any valid "call" string of the message
 * (borrowed from ROOT), whatever the type, for echoing in an error.
 * Returns 0, or -EINVAL with *MESSAGE set to a new sentence (caller frees);
 * on failure OUT still holds the id if it was valid. */
int browser_request_read_head(JsonNode *root, browser_request *out, const char **echo_call,
                              char **message);

/* Reads the fields of OUT->type from OBJ into OUT. MAX_SDP bounds "sdp".
 * Returns 0, or -EINVAL with *MESSAGE set to a new sentence (caller frees)
 * naming the field. */
int browser_request_read_fields(JsonObject *obj, browser_request *out, gsize max_sdp,
                                char **message);

/* Does TYPE name a call in its "call" field? */
gboolean browser_request_type_has_call(browser_request_type type);

/* ---- browser_session.c ---- */

/* Queues one finished frame (takes ownership of TEXT). */
void browser_session_queue(browser_session *s, char *text);
/* The open call record, or NULL. */
typedef struct {
  char *call;
  gboolean incoming;      /* offered by the gateway with incoming */
  gboolean accepted;      /* incoming call accepted by the page */
  JsonNode *request_id;   /* id of the page's call request until the first answer or hangup */
} browser_call;

browser_call *browser_session_lookup_call(browser_session *s, const char *call);
/* Opens a call; returns the new record. The caller checked the id, the
 * count and the absence. */
browser_call *browser_session_open_call(browser_session *s, const char *call, gboolean incoming);
/* Removes and frees CALL's record, if any. */
void browser_session_close_call(browser_session *s, const char *call);
/* Is there room for one more call? */
gboolean browser_session_call_room(const browser_session *s);
/* Marks the session welcomed. */
void browser_session_set_welcomed(browser_session *s);
