/* Fuzz target: configuration overrides (--set) and validation. The input is
 * split at newlines into --set assignments. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text = g_strndup((const char *)data, size);
  char **lines = g_strsplit(text, "\n", 64);
  config *cfg = config_new_defaults();
  char *problems = NULL;

  for (guint i = 0; lines[i]; i++) {
    GError *error = NULL;
    if (!config_set_override(cfg, lines[i], &error)) {
      if (!error)
        abort();
      g_error_free(error);
    }
  }
  if (!config_validate(cfg, &problems) && !problems)
    abort();
  g_free(problems);
  char *printed = config_to_string(cfg);
  g_free(printed);
  config_free(cfg);
  g_strfreev(lines);
  g_free(text);
  return 0;
}
