#include "tests/unit/testutil.h"

char *
testutil_data_path(const char *relative)
{
  const char *srcdir = g_getenv("RTC2SIP_SRCDIR");
  return g_build_filename(srcdir ? srcdir : RTC2SIP_SRCDIR, "tests", "data", relative, NULL);
}

GBytes *
testutil_load(const char *relative)
{
  g_autofree char *path = testutil_data_path(relative);
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &data, &len, &error))
    g_error("test data %s: %s", path, error->message);
  return g_bytes_new_take(data, len);
}
