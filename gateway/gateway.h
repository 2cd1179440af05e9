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

typedef struct {
  guint64 calls_total;
  guint64 calls_failed;
  guint64 fingerprint_mismatches;
  guint64 ws_connections_total;
  guint64 ws_errors_sent;
} gateway_counters;

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
} gateway_ice_settings;

typedef struct gateway {
  config *cfg;
  identity *identity;
  char *fingerprint_text;  /* "sha-256 AB:…" */
  GMainLoop *loop;
  media_workers *workers;
  http_server *http;
  sip_ua *sip;
  gateway_ice_settings ice;
  JsonNode *ice_servers;   /* the "ice_servers" of welcome */
  GHashTable *calls;       /* serial (guint64 *) -> call */
  GHashTable *connections; /* browser_conn set */
  guint64 next_serial;
  gateway_counters counters;
} gateway;

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
