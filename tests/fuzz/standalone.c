/* Standalone driver for libFuzzer targets, so that `make check` replays every
 * committed corpus with any compiler.
 *
 * Usage: replay_NAME [--tap] [FILE_OR_DIR...]
 * Without paths it replays tests/fuzz/corpus/NAME/ (NAME from argv[0]) under
 * $RTC2SIP_SRCDIR or the source tree the program was built from. Prints TAP:
 * one "ok" per input, so a crash shows as a failed test run. */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
compare_paths(gconstpointer a, gconstpointer b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
collect(const char *path, GPtrArray *files)
{
  if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    if (!dir)
      return;
    while ((name = g_dir_read_name(dir)))
      if (name[0] != '.')
        g_ptr_array_add(names, g_build_filename(path, name, NULL));
    g_ptr_array_sort(names, compare_paths);
    for (guint i = 0; i < names->len; i++)
      collect(names->pdata[i], files);
  } else {
    g_ptr_array_add(files, g_strdup(path));
  }
}

int
main(int argc, char **argv)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
  gboolean any_path = FALSE;

  for (int i = 1; i < argc; i++) {
    if (argv[i][0] == '-')
      continue;
    collect(argv[i], files);
    any_path = TRUE;
  }
  if (!any_path) {
    g_autofree char *base = g_path_get_basename(argv[0]);
    const char *name = g_str_has_prefix(base, "replay_") ? base + 7 : base;
    const char *srcdir = g_getenv("RTC2SIP_SRCDIR");
    g_autofree char *dir = g_build_filename(srcdir ? srcdir : RTC2SIP_SRCDIR,
                                            "tests", "fuzz", "corpus", name, NULL);
    if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
      printf("1..0 # SKIP no corpus at %s\n", dir);
      return 0;
    }
    collect(dir, files);
  }

  printf("1..%u\n", files->len);
  for (guint i = 0; i < files->len; i++) {
    g_autofree char *data = NULL;
    gsize len = 0;
    g_autoptr(GError) error = NULL;
    if (!g_file_get_contents(files->pdata[i], &data, &len, &error)) {
      printf("not ok %u - %s: %s\n", i + 1, (char *)files->pdata[i], error->message);
      continue;
    }
    /* Hand the target an exact-size heap copy so ASan sees overreads. */
    uint8_t *copy = g_memdup2(data, len ? len : 1);
    LLVMFuzzerTestOneInput(copy, len);
    g_free(copy);
    printf("ok %u - %s\n", i + 1, (char *)files->pdata[i]);
    fflush(stdout);
  }
  return 0;
}
