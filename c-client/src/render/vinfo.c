/* render/vinfo.c - the verdict words as the reports show them: legend
 * meaning, summary group, CSS class and colours, plus the two states only a
 * report has ("not run", and "other" for a verdict it does not know). */
#include "vinfo.h"

#include <string.h>

/* name, CSS class, legend meaning, summary group, background, text colour */
static const vinfo verdicts[] = {
    {"ok-h1", "ok-h1", "answered correctly over HTTP/1.1",
     "Answered over HTTP/1.1 where the scenario accepts something else",
     "#2e7d32", "#fff"},
    {"ok-h2", "ok-h2", "upgraded (101) and answered correctly over HTTP/2",
     "Upgraded to HTTP/2 where the scenario accepts something else",
     "#00695c", "#fff"},
    {"no-reuse", "no-reuse",
     "answered correctly but announced Connection: close, so a follow-up "
     "could not reuse the connection",
     "Closed the connection after answering (no reuse)", "#c0ca33", "#000"},
    {"rejected", "rejected",
     "refused the upgrade-bearing request itself with a 4xx/5xx",
     "Rejected the request", "#7e57c2", "#fff"},
    {"desync", "desync",
     "a follow-up request got the wrong answer: the server lost the request "
     "boundaries on the connection",
     "Desynchronised (a follow-up request got the wrong answer)", "#c62828",
     "#fff"},
    {"smuggled", "smuggled",
     "a request hidden inside another request's body was answered",
     "Answered a smuggled request", "#880e4f", "#fff"},
    {"cross-client", "cross-client",
     "an answer reached a different client's connection",
     "Crossed answers between clients", "#6a1b9a", "#fff"},
    {"hang", "hang", "no complete answer within the timeout",
     "Hung (no answer in time)", "#ef6c00", "#000"},
    {"closed", "closed", "closed the connection without announcing it",
     "Closed the connection without announcing it", "#8d6e63", "#fff"},
    {"error", "error", "could not connect", "Could not be reached", "#424242",
     "#fff"},
    {"n/a", "na", "the target does not implement what the scenario needs",
     "Not applicable", "#bdbdbd", "#000"},
};

const vinfo VINFO_MISSING = {"not run", "missing",
                                      "no result for this cell", "Not run",
                                      "#eeeeee", "#000"};
static const vinfo verdict_unknown = {
    "other", "other", "a verdict this report does not know",
    "Other verdicts", "#9e9e9e", "#000"};

const vinfo *vinfo_lookup(const char *name) {
  for (size_t i = 0; name && i < sizeof verdicts / sizeof verdicts[0]; i++)
    if (strcmp(verdicts[i].name, name) == 0)
      return &verdicts[i];
  return &verdict_unknown;
}

const vinfo *vinfo_at(int i) {
  if (i < 0 || (size_t)i >= sizeof verdicts / sizeof verdicts[0])
    return NULL;
  return &verdicts[i];
}
