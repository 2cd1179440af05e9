/* Logging: GLib structured logging to stderr, one line per record:
 * "HH:MM:SS.mmm LEVEL domain: message". Debug records only with --verbose
 * (or G_MESSAGES_DEBUG naming the domain). */
#pragma once
#include <glib.h>

void gateway_log_init(gboolean verbose);
