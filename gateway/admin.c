/* The admin API, metrics and dashboard (see admin.h and docs/admin.md). */
#define G_LOG_DOMAIN "rtc2sip-admin"
#include "build-config.h"

#include "gateway/admin.h"

#include <gnutls/crypto.h>
#include <string.h>

#include "gateway/call.h"
#include "gateway/media/dtls_srtp.h"
#include "gateway/sip_ua.h"
#include "signalling/browser/browser_protocol.h"
#include "web/http_api.h"
#include "gateway/limits.h"

#define ADMIN_TOKEN_FILE "admin-token"

/* The configured token, or the one kept in the state folder (created with
 * mode 0600 on first start). */
static gboolean
load_token(gateway *gw, GError **error)
{
  const char *configured = config_get_string(gw->cfg, "admin", "token");
  if (*configured) {
    gw->admin_token = g_strdup(configured);
    return TRUE;
  }
  g_autofree char *dir = gateway_state_dir(gw->cfg);
  gw->admin_token_file = g_build_filename(dir, ADMIN_TOKEN_FILE, NULL);
  g_autofree char *text = NULL;
  if (g_file_get_contents(gw->admin_token_file, &text, NULL, NULL)) {
    g_strstrip(text);
    if (strlen(text) >= 16) {
      gw->admin_token = g_steal_pointer(&text);
      return TRUE;
    }
  }
  guint8 raw[24];
  if (gnutls_rnd(GNUTLS_RND_KEY, raw, sizeof raw) < 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot draw an admin token");
    return FALSE;
  }
  g_autofree char *b64 = g_base64_encode(raw, sizeof raw);
  for (char *p = b64; *p; p++) /* URL-safe, so ?access_token= works as is */
    *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
  g_autofree char *line = g_strconcat(b64, "\n", NULL);
  if (g_mkdir_with_parents(dir, 0700) < 0 ||
      !g_file_set_contents_full(gw->admin_token_file, line, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return FALSE;
  gw->admin_token = g_steal_pointer(&b64);
  g_message("generated an admin token in %s", gw->admin_token_file);
  return TRUE;
}

static gboolean
constant_time_equal(const char *a, const char *b)
{
  gsize la = strlen(a), lb = strlen(b);
  guint8 diff = la != lb;
  for (gsize i = 0; i < la; i++)
    diff |= (guint8)(a[i] ^ b[i % (lb ? lb : 1)]);
  return diff == 0;
}

/* Bearer token from the Authorization header, or access_token in the
 * query (RFC 6750 §2.3, for the dashboard opened in a browser). */
static gboolean
authorised(gateway *gw, const http_api_request *req)
{
  const char *auth = req->authorization;
  if (g_ascii_strncasecmp(auth, "Bearer ", 7) == 0) {
    g_autofree char *token = g_strstrip(g_strdup(auth + 7));
    return constant_time_equal(token, gw->admin_token);
  }
  g_auto(GStrv) params = g_strsplit(req->query, "&", 16);
  for (guint i = 0; params[i]; i++)
    if (g_str_has_prefix(params[i], "access_token="))
      return constant_time_equal(params[i] + 13, gw->admin_token);
  return FALSE;
}

static void
respond_json(http_api_response *resp, guint status, JsonBuilder *b)
{
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  resp->status = status;
  resp->body = browser_json_to_string(root);
  resp->body_len = strlen(resp->body);
}

static void
respond_error(http_api_response *resp, guint status, const char *message)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "error");
  json_builder_add_string_value(b, message);
  json_builder_end_object(b);
  respond_json(resp, status, b);
}

static void
add_u64(JsonBuilder *b, const char *key, guint64 v)
{
  json_builder_set_member_name(b, key);
  json_builder_add_int_value(b, (gint64)v);
}

/* Live counters of active calls added to the released ones. */
static void
relay_totals(gateway *gw, guint64 *packets, guint64 *bytes, guint64 *auth, guint64 *replay)
{
  *packets = gw->counters.packets_relayed;
  *bytes = gw->counters.bytes_relayed;
  *auth = gw->counters.srtp_auth_drops;
  *replay = gw->counters.srtp_replay_drops;
  g_autoptr(GPtrArray) calls = gateway_table_values(gw->calls);
  for (guint i = 0; i < calls->len; i++) {
    media_leg_stats st;
    if (call_get_stats(calls->pdata[i], &st)) {
      *packets += st.rtp_out + st.rtcp_out;
      *bytes += st.bytes_out;
      *auth += st.srtp_auth_fail;
      *replay += st.srtp_replay_fail;
    }
  }
}

static void
api_status(gateway *gw, http_api_response *resp)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "version");
  json_builder_add_string_value(b, PACKAGE_VERSION);
  add_u64(b, "uptime_s", (guint64)((g_get_monotonic_time() - gw->started_us) / G_USEC_PER_SEC));
  json_builder_set_member_name(b, "fingerprint");
  json_builder_add_string_value(b, gw->fingerprint_text);
  json_builder_set_member_name(b, "listeners");
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "http");
  json_builder_add_string_value(b, http_server_url(gw->http));
  json_builder_set_member_name(b, "admin");
  json_builder_add_string_value(b, http_api_server_url(gw->admin));
  g_autofree char *sip = gw->sip ? sip_ua_describe_listeners(gw->sip) : g_strdup("");
  json_builder_set_member_name(b, "sip");
  json_builder_add_string_value(b, sip);
  json_builder_end_object(b);
  add_u64(b, "media_threads", media_workers_count(gw->workers));
  json_builder_set_member_name(b, "trace");
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "dtls");
  json_builder_add_boolean_value(b, dtls_srtp_get_trace());
  json_builder_end_object(b);
  json_builder_set_member_name(b, "counters");
  json_builder_begin_object(b);
  add_u64(b, "calls_active", gateway_active_calls(gw));
  add_u64(b, "calls_total", gw->counters.calls_total);
  add_u64(b, "calls_failed", gw->counters.calls_failed);
  add_u64(b, "fingerprint_mismatches", gw->counters.fingerprint_mismatches);
  add_u64(b, "dtls_handshakes", gw->counters.dtls_handshakes);
  guint64 packets, bytes, auth, replay;
  relay_totals(gw, &packets, &bytes, &auth, &replay);
  add_u64(b, "packets_relayed", packets);
  add_u64(b, "bytes_relayed", bytes);
  add_u64(b, "srtp_auth_drops", auth);
  add_u64(b, "srtp_replay_drops", replay);
  add_u64(b, "websocket_connections", g_hash_table_size(gw->connections));
  add_u64(b, "websocket_connections_total", gw->counters.ws_connections_total);
  add_u64(b, "websocket_origin_refusals", gw->counters.ws_origin_refusals);
  add_u64(b, "route_refusals", gw->counters.route_refusals);
  add_u64(b, "sip_limit_refusals", gw->counters.sip_refusals);
  add_u64(b, "http_tls_reloads", gw->counters.http_tls_reloads);
  add_u64(b, "http_tls_reload_failures", gw->counters.http_tls_reload_failures);
  json_builder_end_object(b);
  json_builder_set_member_name(b, "http_tls");
  if (gw->http_tls) {
    char fp[FINGERPRINT_MAX_TEXT];
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "fingerprint");
    json_builder_add_string_value(b, fingerprint_format(identity_fingerprint(gw->http_tls), fp));
    add_u64(b, "expires", (guint64)identity_expires(gw->http_tls));
    json_builder_end_object(b);
  } else {
    json_builder_add_null_value(b);
  }
  json_builder_end_object(b);
  respond_json(resp, 200, b);
}

static gint
compare_serial(gconstpointer a, gconstpointer b)
{
  guint64 x = call_serial(*(call *const *)a), y = call_serial(*(call *const *)b);
  return x < y ? -1 : x > y;
}

static void
api_calls(gateway *gw, http_api_response *resp)
{
  g_autoptr(GPtrArray) calls = gateway_table_values(gw->calls);
  g_ptr_array_sort(calls, compare_serial);
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "calls");
  json_builder_begin_array(b);
  for (guint i = 0; i < calls->len; i++)
    call_describe(calls->pdata[i], b);
  json_builder_end_array(b);
  json_builder_end_object(b);
  respond_json(resp, 200, b);
}

static call *
find_call(gateway *gw, const char *id)
{
  char *end = NULL;
  guint64 serial = g_ascii_strtoull(id, &end, 10);
  if (!*id || *end)
    return NULL;
  return gateway_find_call(gw, serial);
}

static void
api_call(gateway *gw, const http_api_request *req, const char *id, http_api_response *resp)
{
  call *c = find_call(gw, id);
  if (!c) {
    respond_error(resp, 404, "no such call (it ended, or the id is wrong)");
    return;
  }
  if (!strcmp(req->method, "DELETE")) {
    call_end(c, "hung up by the admin", 0, TRUE);
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "id");
    json_builder_add_string_value(b, id);
    json_builder_set_member_name(b, "state");
    json_builder_add_string_value(b, "ended");
    json_builder_end_object(b);
    respond_json(resp, 200, b);
    return;
  }
  if (strcmp(req->method, "GET") != 0) {
    respond_error(resp, 405, "calls/{id} takes GET or DELETE");
    return;
  }
  g_autoptr(JsonBuilder) b = json_builder_new();
  call_describe(c, b);
  respond_json(resp, 200, b);
}

static void
describe_registration(JsonBuilder *b, const sip_ua_registration *r)
{
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "trunk");
  json_builder_add_string_value(b, r->trunk);
  json_builder_set_member_name(b, "aor");
  json_builder_add_string_value(b, r->aor);
  json_builder_set_member_name(b, "state");
  json_builder_add_string_value(b, sip_ua_registration_state_name(r->state));
  json_builder_set_member_name(b, "expires_in");
  if (r->state == SIP_REG_REGISTERED) {
    gint64 left = r->expires - (g_get_monotonic_time() - r->registered_at_us) / G_USEC_PER_SEC;
    json_builder_add_int_value(b, MAX(left, 0));
  } else {
    json_builder_add_null_value(b);
  }
  if (r->status) {
    add_u64(b, "last_status", r->status);
    json_builder_set_member_name(b, "last_reason");
    json_builder_add_string_value(b, r->reason ? r->reason : "");
  }
  json_builder_end_object(b);
}

static void
api_registrations(gateway *gw, http_api_response *resp)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "browser_users");
  json_builder_begin_array(b); /* pages register users with the bridge */
  json_builder_end_array(b);
  json_builder_set_member_name(b, "upstream");
  json_builder_begin_array(b);
  const GPtrArray *regs = gw->sip ? sip_ua_registrations(gw->sip) : NULL;
  for (guint i = 0; regs && i < regs->len; i++)
    describe_registration(b, regs->pdata[i]);
  json_builder_end_array(b);
  json_builder_end_object(b);
  respond_json(resp, 200, b);
}

static void
api_trunks(gateway *gw, http_api_response *resp)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  g_auto(GStrv) names = config_sections_with_prefix(gw->cfg, "trunk");
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "trunks");
  json_builder_begin_array(b);
  for (guint i = 0; names[i]; i++) {
    g_autofree char *section = g_strdup_printf("trunk:%s", names[i]);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "name");
    json_builder_add_string_value(b, names[i]);
    static const char *keys[] = { "address", "transport", "domain", "username" };
    for (guint k = 0; k < G_N_ELEMENTS(keys); k++) {
      json_builder_set_member_name(b, keys[k]);
      json_builder_add_string_value(b, config_get_string(gw->cfg, section, keys[k]));
    }
    json_builder_set_member_name(b, "register");
    json_builder_add_boolean_value(b, config_get_bool(gw->cfg, section, "register"));
    json_builder_set_member_name(b, "registration");
    const GPtrArray *regs = gw->sip ? sip_ua_registrations(gw->sip) : NULL;
    const sip_ua_registration *found = NULL;
    for (guint r = 0; regs && r < regs->len; r++)
      if (!strcmp(((sip_ua_registration *)regs->pdata[r])->trunk, names[i]))
        found = regs->pdata[r];
    if (found)
      describe_registration(b, found);
    else
      json_builder_add_null_value(b);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_end_object(b);
  respond_json(resp, 200, b);
}

static void
api_trace(gateway *gw, const http_api_request *req, http_api_response *resp)
{
  if (!strcmp(req->method, "PUT")) {
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonNode *root;
    if (!json_parser_load_from_data(parser, req->body, (gssize)req->body_len, NULL) ||
        !(root = json_parser_get_root(parser)) || !JSON_NODE_HOLDS_OBJECT(root)) {
      respond_error(resp, 400, "send a JSON object such as {\"dtls\": true}");
      return;
    }
    JsonObject *obj = json_node_get_object(root);
    JsonNode *dtls = json_object_get_member(obj, "dtls");
    if (!dtls || json_node_get_value_type(dtls) != G_TYPE_BOOLEAN) {
      respond_error(resp, 400, "\"dtls\" must be true or false");
      return;
    }
    dtls_srtp_set_trace(json_node_get_boolean(dtls));
    g_message("DTLS trace switched %s by the admin", json_node_get_boolean(dtls) ? "on" : "off");
  } else if (strcmp(req->method, "GET") != 0) {
    respond_error(resp, 405, "trace takes GET or PUT");
    return;
  }
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "dtls");
  json_builder_add_boolean_value(b, dtls_srtp_get_trace());
  json_builder_end_object(b);
  respond_json(resp, 200, b);
}

/* Prometheus text exposition format 0.0.4. */
static void
metrics(gateway *gw, http_api_response *resp)
{
  GString *m = g_string_new(NULL);
  gateway_counters *c = &gw->counters;

  g_string_append(m, "# HELP rtc2sip_calls_active Calls in progress.\n# TYPE rtc2sip_calls_active gauge\n");
  g_string_append_printf(m, "rtc2sip_calls_active %u\n", gateway_active_calls(gw));
  g_string_append(m, "# HELP rtc2sip_calls_total Calls started, by direction and SIP-leg keying.\n"
                     "# TYPE rtc2sip_calls_total counter\n");
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init(&it, c->calls_by_kind);
  while (g_hash_table_iter_next(&it, &key, &value)) {
    g_auto(GStrv) parts = g_strsplit(key, " ", 2);
    g_string_append_printf(m, "rtc2sip_calls_total{direction=\"%s\",keying=\"%s\"} %" G_GUINT64_FORMAT "\n",
                           parts[0], parts[1] ? parts[1] : "none", (guint64)GPOINTER_TO_SIZE(value));
  }
  g_string_append(m, "# HELP rtc2sip_call_failures_total Calls that failed, by reason.\n"
                     "# TYPE rtc2sip_call_failures_total counter\n");
  g_hash_table_iter_init(&it, c->failures_by_reason);
  while (g_hash_table_iter_next(&it, &key, &value))
    g_string_append_printf(m, "rtc2sip_call_failures_total{reason=\"%s\"} %" G_GUINT64_FORMAT "\n",
                           (const char *)key, (guint64)GPOINTER_TO_SIZE(value));
  g_string_append(m, "# HELP rtc2sip_fingerprint_mismatches_total DTLS certificates that did not match their SDP fingerprint.\n"
                     "# TYPE rtc2sip_fingerprint_mismatches_total counter\n");
  g_string_append_printf(m, "rtc2sip_fingerprint_mismatches_total %" G_GUINT64_FORMAT "\n", c->fingerprint_mismatches);
  g_string_append(m, "# HELP rtc2sip_dtls_handshake_seconds DTLS-SRTP handshakes and how long they took.\n"
                     "# TYPE rtc2sip_dtls_handshake_seconds histogram\n");
  for (guint i = 0; i < GATEWAY_DTLS_BUCKETS; i++) {
    if (i + 1 == GATEWAY_DTLS_BUCKETS)
      g_string_append(m, "rtc2sip_dtls_handshake_seconds_bucket{le=\"+Inf\"}");
    else
      g_string_append_printf(m, "rtc2sip_dtls_handshake_seconds_bucket{le=\"%g\"}", gateway_dtls_bucket_bounds[i]);
    g_string_append_printf(m, " %" G_GUINT64_FORMAT "\n", c->dtls_buckets[i]);
  }
  g_string_append_printf(m, "rtc2sip_dtls_handshake_seconds_sum %.6f\n", c->dtls_seconds_sum);
  g_string_append_printf(m, "rtc2sip_dtls_handshake_seconds_count %" G_GUINT64_FORMAT "\n", c->dtls_handshakes);
  guint64 packets, bytes, auth, replay;
  relay_totals(gw, &packets, &bytes, &auth, &replay);
  g_string_append(m, "# HELP rtc2sip_packets_relayed_total RTP and RTCP packets sent on after decryption.\n"
                     "# TYPE rtc2sip_packets_relayed_total counter\n");
  g_string_append_printf(m, "rtc2sip_packets_relayed_total %" G_GUINT64_FORMAT "\n", packets);
  g_string_append(m, "# HELP rtc2sip_bytes_relayed_total Bytes of RTP and RTCP sent on.\n"
                     "# TYPE rtc2sip_bytes_relayed_total counter\n");
  g_string_append_printf(m, "rtc2sip_bytes_relayed_total %" G_GUINT64_FORMAT "\n", bytes);
  g_string_append(m, "# HELP rtc2sip_srtp_drops_total SRTP packets dropped, by reason.\n"
                     "# TYPE rtc2sip_srtp_drops_total counter\n");
  g_string_append_printf(m, "rtc2sip_srtp_drops_total{reason=\"auth\"} %" G_GUINT64_FORMAT "\n", auth);
  g_string_append_printf(m, "rtc2sip_srtp_drops_total{reason=\"replay\"} %" G_GUINT64_FORMAT "\n", replay);
  g_string_append(m, "# HELP rtc2sip_registrations Upstream SIP registrations, by state.\n"
                     "# TYPE rtc2sip_registrations gauge\n");
  guint counts[4] = { 0 };
  const GPtrArray *regs = gw->sip ? sip_ua_registrations(gw->sip) : NULL;
  for (guint i = 0; regs && i < regs->len; i++)
    counts[((sip_ua_registration *)regs->pdata[i])->state]++;
  for (guint s = 0; s < 4; s++)
    g_string_append_printf(m, "rtc2sip_registrations{state=\"%s\"} %u\n", sip_ua_registration_state_name(s), counts[s]);
  g_string_append(m, "# HELP rtc2sip_websocket_connections Open page connections.\n"
                     "# TYPE rtc2sip_websocket_connections gauge\n");
  g_string_append_printf(m, "rtc2sip_websocket_connections %u\n", g_hash_table_size(gw->connections));
  limits_stats ls = { 0 };
  if (gw->limits)
    limits_get_stats(gw->limits, &ls);
  g_string_append(m, "# HELP rtc2sip_limit_refusals_total Calls refused by [limits], by kind.\n"
                     "# TYPE rtc2sip_limit_refusals_total counter\n");
  g_string_append_printf(m, "rtc2sip_limit_refusals_total{kind=\"concurrent\"} %" G_GUINT64_FORMAT "\n", ls.refused_concurrent);
  g_string_append_printf(m, "rtc2sip_limit_refusals_total{kind=\"rate\"} %" G_GUINT64_FORMAT "\n", ls.refused_rate);
  g_string_append_printf(m, "rtc2sip_limit_refusals_total{kind=\"table_full\"} %" G_GUINT64_FORMAT "\n", ls.refused_table_full);
  g_string_append(m, "# HELP rtc2sip_websocket_origin_refusals_total WebSocket upgrades refused with 403 for their Origin.\n"
                     "# TYPE rtc2sip_websocket_origin_refusals_total counter\n");
  g_string_append_printf(m, "rtc2sip_websocket_origin_refusals_total %" G_GUINT64_FORMAT "\n",
                         gw->counters.ws_origin_refusals);
  g_string_append(m, "# HELP rtc2sip_route_refusals_total Page calls refused by the dial plan ([route]), loops included.\n"
                     "# TYPE rtc2sip_route_refusals_total counter\n");
  g_string_append_printf(m, "rtc2sip_route_refusals_total %" G_GUINT64_FORMAT "\n", gw->counters.route_refusals);
  g_string_append(m, "# HELP rtc2sip_sip_limit_refusals_total INVITEs refused with 503 by [limits] or a trunk's limits.\n"
                     "# TYPE rtc2sip_sip_limit_refusals_total counter\n");
  g_string_append_printf(m, "rtc2sip_sip_limit_refusals_total %" G_GUINT64_FORMAT "\n", gw->counters.sip_refusals);
  g_string_append(m, "# HELP rtc2sip_http_tls_reloads_total Reloads of the page listener's certificate (SIGHUP), by result.\n"
                     "# TYPE rtc2sip_http_tls_reloads_total counter\n");
  g_string_append_printf(m, "rtc2sip_http_tls_reloads_total{result=\"ok\"} %" G_GUINT64_FORMAT "\n",
                         gw->counters.http_tls_reloads);
  g_string_append_printf(m, "rtc2sip_http_tls_reloads_total{result=\"failed\"} %" G_GUINT64_FORMAT "\n",
                         gw->counters.http_tls_reload_failures);

  resp->status = 200;
  resp->content_type = g_strdup("text/plain; version=0.0.4; charset=utf-8");
  resp->body_len = m->len;
  resp->body = g_string_free(m, FALSE);
}

static void
dashboard(gateway *gw, http_api_response *resp)
{
  g_autofree char *dir = gateway_admin_root();
  g_autofree char *path = g_build_filename(dir, "index.html", NULL);
  g_autofree char *html = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &html, &len, NULL)) {
    respond_error(resp, 500, "the dashboard page is missing");
    return;
  }
  resp->status = 200;
  resp->content_type = g_strdup("text/html; charset=utf-8");
  resp->body = g_steal_pointer(&html);
  resp->body_len = len;
}

static void
handle(const http_api_request *req, http_api_response *resp, gpointer data)
{
  gateway *gw = data;
  if (!authorised(gw, req)) {
    resp->www_authenticate = g_strdup("Bearer realm=\"rtc2sip admin\"");
    respond_error(resp, 401, "unauthorized: send Authorization: Bearer <admin token>");
    return;
  }
  const char *p = req->path;
  if (!strcmp(p, "/") || !strcmp(p, "/index.html")) {
    dashboard(gw, resp);
  } else if (!strcmp(p, "/metrics")) {
    metrics(gw, resp);
  } else if (!strcmp(p, "/api/v1/status")) {
    api_status(gw, resp);
  } else if (!strcmp(p, "/api/v1/calls")) {
    api_calls(gw, resp);
  } else if (g_str_has_prefix(p, "/api/v1/calls/")) {
    api_call(gw, req, p + strlen("/api/v1/calls/"), resp);
  } else if (!strcmp(p, "/api/v1/registrations")) {
    api_registrations(gw, resp);
  } else if (!strcmp(p, "/api/v1/trunks")) {
    api_trunks(gw, resp);
  } else if (!strcmp(p, "/api/v1/trace")) {
    api_trace(gw, req, resp);
  } else {
    respond_error(resp, 404, "no such path: see docs/admin.md");
  }
}

gboolean
admin_start(gateway *gw, GError **error)
{
  if (!load_token(gw, error))
    return FALSE;
  g_autofree char *host = NULL;
  guint16 port = 0;
  const char *reason = NULL;
  config_parse_listen(config_get_string(gw->cfg, "admin", "listen"), &host, &port, &reason);
  g_autoptr(GError) local = NULL;
  gw->admin = http_api_server_new(gw->loop, host, port, 64 * 1024, handle, gw, &local);
  if (!gw->admin) {
    g_set_error(error, local->domain, local->code, "admin.listen: %s", local->message);
    return FALSE;
  }
  if (gw->admin_token_file)
    g_message("admin API on %s; its token is in %s", http_api_server_url(gw->admin), gw->admin_token_file);
  else
    g_message("admin API on %s (token from admin.token)", http_api_server_url(gw->admin));
  return TRUE;
}

void
admin_stop(gateway *gw)
{
  http_api_server_free(gw->admin);
  gw->admin = NULL;
  if (gw->admin_token)
    memset(gw->admin_token, 0, strlen(gw->admin_token));
  g_free(gw->admin_token);
  gw->admin_token = NULL;
  g_free(gw->admin_token_file);
  gw->admin_token_file = NULL;
}
