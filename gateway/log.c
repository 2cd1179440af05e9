#define G_LOG_DOMAIN "rtc2sip"
#include "gateway/log.h"

#include <stdio.h>
#include <string.h>

static gboolean log_verbose;

static const char *
level_name(GLogLevelFlags level)
{
  if (level & G_LOG_LEVEL_ERROR)
    return "ERROR";
  if (level & G_LOG_LEVEL_CRITICAL)
    return "CRITICAL";
  if (level & G_LOG_LEVEL_WARNING)
    return "WARNING";
  if (level & G_LOG_LEVEL_MESSAGE)
    return "NOTICE";
  if (level & G_LOG_LEVEL_INFO)
    return "INFO";
  return "DEBUG";
}

static GLogWriterOutput
gateway_log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  const char *domain = NULL, *message = NULL;
  for (gsize i = 0; i < n_fields; i++) {
    if (strcmp(fields[i].key, "GLIB_DOMAIN") == 0)
      domain = fields[i].value;
    else if (strcmp(fields[i].key, "MESSAGE") == 0)
      message = fields[i].value;
  }
  if ((level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) && !log_verbose &&
      g_log_writer_default_would_drop(level, domain))
    return G_LOG_WRITER_HANDLED;

  gint64 now = g_get_real_time();
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local(now / G_USEC_PER_SEC);
  g_autofree char *hms = g_date_time_format(dt, "%H:%M:%S");
  fprintf(stderr, "%s.%03d %s %s: %s\n", hms, (int)(now % G_USEC_PER_SEC / 1000), level_name(level),
          domain ? domain : "rtc2sip", message ? message : "");
  fflush(stderr);
  return G_LOG_WRITER_HANDLED;
}

void
gateway_log_init(gboolean verbose)
{
  log_verbose = verbose;
  g_log_set_writer_func(gateway_log_writer, NULL, NULL);
}
