/* Fuzz target: the dial plan. The input is "RULES\nTARGET": RULES are
 * comma-separated [route] rules (parsed against two trunk names), TARGET
 * what a page dials. A parsed plan must route every target to a trunk it
 * knows, deny, direct (only a URI, only when allowed) or no match. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/dialplan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text = g_strndup((const char *)data, size);
  char *nl = strchr(text, '\n');
  const char *target = nl ? nl + 1 : "+4930123";
  if (nl)
    *nl = '\0';
  char **rules = g_strsplit(text, ",", 32);
  static const char *const trunks[] = { "office", "pbx", NULL };
  char *problem = NULL;
  dialplan *dp = dialplan_new((const char *const *)rules, trunks, &problem);
  if (!dp && !problem)
    abort();
  if (dp && problem)
    abort();
  const char *reason = NULL;
  if (!dialplan_number_valid(target, &reason) && !reason)
    abort();
  for (int allow = 0; allow < 2; allow++) {
    dialplan_result r;
    dialplan_route(dp, target, allow, &r);
    if (r.action == DIALPLAN_TRUNK && (!r.trunk || !g_strv_contains(trunks, r.trunk) || !r.rule))
      abort();
    if (r.action == DIALPLAN_DENY && (r.trunk || !r.rule))
      abort();
    if (r.action == DIALPLAN_DIRECT && (!allow || !dialplan_is_uri(target) || r.rule))
      abort();
    dialplan_result_clear(&r);
  }
  dialplan_free(dp);
  g_strfreev(rules);
  g_free(problem);
  g_free(text);
  return 0;
}
