/* render/vinfo.c - the verdict words as the reports show them. The table is
 * verdicts.c (the one vocabulary); the reports add two states of their own:
 * a cell without a result ("not run") and a verdict this report does not
 * know ("other"), both grey and neither ok nor security. */
#include "vinfo.h"

const vinfo VINFO_MISSING = {"not run", "missing", "no result for this cell",
                             "Not run", "#eeeeee", "#000", 0, 0};
static const vinfo vinfo_unknown = {
    "other", "other", "a verdict this report does not know",
    "Other verdicts", "#9e9e9e", "#000", 0, 0};

const vinfo *vinfo_lookup(const char *name) {
  const vinfo *vi = verdicts_lookup(name);
  return vi ? vi : &vinfo_unknown;
}

const vinfo *vinfo_at(int i) {
  return i < 0 ? NULL : verdicts_info((verdict)i);
}
