/* The running gateway: configuration, identity, listeners, media workers,
 * the page connections and their calls. Main thread only. */
#pragma once
#include <glib.h>
#include <json-glib/json-glib.h>

#include "certs/identity.h"
#include "gateway/config.h"
#include "gateway/media/media_worker.h"
#include "web/http_server.h"

typedef struct call call;
typedef struct sip_ua sip_ua;

#define GATEWAY_DTLS_BUCKETS 8
extern const double gateway_dtls_bucket_bounds[GATEWAY_DTLS_BUCKETS]; /* seconds; last is +Inf */

typedef struct {
  guint64 calls_total;
  GHashTable *calls_by_kind;     /* "direction keying" -> guint64 count (GUINT_TO_POINTER) */
  guint64 calls_failed;
  GHashTable *failures_by_reason; /* short reason -> count */
  guint64 fingerprint_mismatches;
  guint64 dtls_handshakes;
  guint64 dtls_buckets[GATEWAY_DTLS_BUCKETS];
  double dtls_seconds_sum;
  /* Of released calls; active calls add their live counters. */
  guint64 packets_relayed, bytes_relayed, srtp_auth_drops, srtp_replay_drops;
  guint64 ws_connections_total;
  guint64 ws_errors_sent;
  guint64 ws_origin_refusals; /* upgrades refused by [http] allowed-origins */
  guint64 route_refusals;     /* page calls refused by the dial plan (forbidden) */
  guint64 sip_refusals;       /* INVITEs refused by limits (503) */
  guint64 http_tls_reloads;         /* page certificate reloads that took effect */
  guint64 http_tls_reload_failures; /* reloads that kept the previous certificate */
} gateway_counters;

/* Counts one more of KEY in TABLE. */
void gateway_count(GHashTable *table, const char *key);

/* ICE settings every browser leg uses. */
typedef struct {
  char **addresses; /* NULL = all interfaces */
  guint16 port_min, port_max;
  char *stun_host;
  guint16 stun_port;
  char *turn_host;
  guint16 turn_port;
  char *turn_username, *turn_password;
  gboolean consent_freshness;
  gboolean handover;
} gateway_ice_settings;

typedef struct gateway {
  config *cfg;
  identity *identity;
  char *fingerprint_text;  /* "sha-256 AB:…" */
  GMainLoop *loop;
  media_workers *workers;
  http_server *http;
  identity *http_tls;      /* the page listener's certificate; NULL without TLS */
  struct browser_origin_policy *origins; /* who may open /ws */
  struct limits *limits;                 /* [limits] per user, address and trunk */
  struct dialplan *dialplan;             /* [route] rules */
  GPtrArray *sip_trusted;                /* [sip] trusted: GInetAddressMask */
  sip_ua *sip;
  gateway_ice_settings ice;
  JsonNode *ice_servers;   /* the "ice_servers" of welcome */
  GHashTable *calls;       /* serial (guint64 *) -> call */
  GHashTable *connections; /* browser_conn set */
  GHashTable *users;       /* registered page user -> browser_conn */
  guint64 next_serial;
  gateway_counters counters;
  gint64 started_us;       /* monotonic start time, for uptime */
  GSource *stats_timer;    /* refreshes every call's media counters */
  struct http_api_server *admin;
  char *admin_token;
  char *admin_token_file;
} gateway;

/* The state folder: [general] state-dir, or $XDG_STATE_HOME/rtc2sip. Caller frees. */
char *gateway_state_dir(const config *cfg);
/* The folder served at / of the page listener. Caller frees. */
char *gateway_document_root(const config *cfg);

/* The folder of the admin dashboard (web/admin in the source tree, or the
 * installed copy). Caller frees. */
char *gateway_admin_root(void);

/* The configured identity, or the one kept in the state folder (created on
 * first use). */
identity *gateway_load_identity(const config *cfg, GError **error);

/* Builds the gateway from a validated configuration: identity, workers,
 * listeners. Returns NULL with ERROR (one line naming what failed). */
/* CFG is borrowed and must outlive the gateway. */
gateway *gateway_new(config *cfg, GMainLoop *loop, GError **error);
/* Hangs up every call, closes every connection, stops the workers. */
void gateway_free(gateway *gw);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(gateway, gateway_free)

/* A snapshot of TABLE's values, for walking while entries go away.
 * Caller frees the array (not the values). */
GPtrArray *gateway_table_values(GHashTable *table);

/* The active call with SERIAL, or NULL. */
call *gateway_find_call(gateway *gw, guint64 serial);
guint gateway_active_calls(const gateway *gw);

/* The WebSocket endpoint (browser_conn.c). */
extern const ws_callbacks *browser_conn_ws_callbacks(gateway *gw);
void browser_conn_close_all(gateway *gw);
