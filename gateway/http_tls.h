/* TLS on the page's listener: [http] certificate and private-key. The pair
 * is checked at start (and by --check-config) and again on every reload
 * (SIGHUP); libwebsockets does the TLS itself (web/http_server.c). */
#pragma once
#include <glib.h>

#include "certs/identity.h"
#include "gateway/config.h"

typedef struct gateway gateway;

/* Whether [http] certificate and private-key are both set. */
gboolean http_tls_configured(const config *cfg);

/* Reads and checks the configured pair: both files readable, PEM, and the key
 * the certificate's. Returns a new reference, or NULL with ERROR naming the
 * key and the file. Only for a configuration where http_tls_configured(). */
identity *http_tls_load(const config *cfg, GError **error);

/* "sha-256 AB:…, expires 2027-01-31" for the log. Caller frees. */
char *http_tls_describe(const identity *id);

/* The reload (SIGHUP): reads the pair again and, when it is good, hands it to
 * new TLS connections; open connections and their calls keep going on the
 * certificate they were made with. A bad pair leaves the previous
 * certificate in place and the log says why. Counted in gw->counters.
 * Returns whether the new pair is in use. */
gboolean gateway_reload_http_tls(gateway *gw);
