/* The admin side: a JSON API under /api/v1/, Prometheus metrics at
 * /metrics and a dashboard at /, on its own listener ([admin] listen),
 * every request authorised by the admin token. Main thread only. */
#pragma once
#include "gateway/gateway.h"

/* Reads or creates the admin token and starts the listener. Returns FALSE
 * with ERROR naming what failed. */
gboolean admin_start(gateway *gw, GError **error);
void admin_stop(gateway *gw);
