/* Helpers shared by the unit tests. */
#pragma once
#include <glib.h>

/* Path of a file under tests/data/ in the source tree. Caller frees. */
char *testutil_data_path(const char *relative);

/* Whole contents of tests/data/RELATIVE; aborts the test if missing.
 * Caller owns the returned GBytes. */
GBytes *testutil_load(const char *relative);
