/* verdicts.c - the one table of verdicts (see verdicts.h). The meanings,
 * headings and colours are the reports' words: changing one changes every
 * report and the verdict table in docs/formats.md (regenerate it with
 * `make -C c-client docs-verdicts`; the unit check fails until then). */
#include "verdicts.h"

#include <stdio.h>
#include <string.h>

/* name, CSS class, legend meaning, summary group, background, text colour,
 * ok, security; indexed by the enum, so the order is the display order. */
static const verdict_info table[V__COUNT] = {
    [V_OK_H1] = {"ok-h1", "ok-h1", "answered correctly over HTTP/1.1",
                 "Answered over HTTP/1.1 where the scenario accepts something else",
                 "#2e7d32", "#fff", 1, 0},
    [V_OK_H2] = {"ok-h2", "ok-h2", "upgraded (101) and answered correctly over HTTP/2",
                 "Upgraded to HTTP/2 where the scenario accepts something else",
                 "#00695c", "#fff", 1, 0},
    [V_NO_REUSE] = {"no-reuse", "no-reuse",
                    "answered correctly but announced Connection: close, so a follow-up "
                    "could not reuse the connection",
                    "Closed the connection after answering (no reuse)", "#c0ca33", "#000",
                    0, 0},
    [V_REJECTED] = {"rejected", "rejected",
                    "refused the upgrade-bearing request itself with a 4xx/5xx",
                    "Rejected the request", "#7e57c2", "#fff", 0, 0},
    [V_DESYNC] = {"desync", "desync",
                  "a follow-up request got the wrong answer (or bytes answering nothing "
                  "sent) after an earlier request on its connection was answered: the "
                  "server lost the request boundaries on the connection",
                  "Desynchronised (a follow-up request got the wrong answer)", "#c62828",
                  "#fff", 0, 0},
    [V_WRONG_ANSWER] = {"wrong-answer", "wrong-answer",
                        "a request was itself answered wrongly (status or body), with "
                        "no earlier answer on its connection to lose sync after",
                        "Answered a request wrongly", "#1565c0", "#fff", 0, 0},
    [V_POISONED] = {"poisoned", "poisoned",
                    "a client received the answer to another client's request (another "
                    "client's token, or a request hidden in a body): a shared upstream "
                    "connection's response queue was poisoned",
                    "Handed a client another client's answer (response-queue poisoning)",
                    "#000000", "#fff", 0, 1},
    [V_SMUGGLED] = {"smuggled", "smuggled",
                    "a request hidden inside another request's body was answered",
                    "Answered a smuggled request", "#880e4f", "#fff", 0, 1},
    [V_CROSS_CLIENT] = {"cross-client", "cross-client",
                        "an answer reached a different client's connection",
                        "Crossed answers between clients", "#6a1b9a", "#fff", 0, 1},
    [V_HANG] = {"hang", "hang", "no complete answer within the timeout",
                "Hung (no answer in time)", "#ef6c00", "#000", 0, 0},
    [V_CLOSED] = {"closed", "closed", "closed the connection without announcing it",
                  "Closed the connection without announcing it", "#8d6e63", "#fff", 0, 0},
    [V_ERROR] = {"error", "error", "could not connect", "Could not be reached",
                 "#424242", "#fff", 0, 0},
    [V_NA] = {"n/a", "na", "the target does not implement what the scenario needs: "
              "an endpoint, or the protocol the scenario speaks",
              "Not applicable", "#bdbdbd", "#000", 0, 0},
};

int verdicts_count(void) { return V__COUNT; }

const verdict_info *verdicts_info(verdict v) {
  return (unsigned)v < V__COUNT ? &table[v] : NULL;
}

const verdict_info *verdicts_lookup(const char *name) {
  for (int v = 0; name && v < V__COUNT; v++)
    if (strcmp(table[v].name, name) == 0)
      return &table[v];
  return NULL;
}

int verdicts_from_name(const char *name, verdict *out) {
  const verdict_info *vi = verdicts_lookup(name);
  if (!vi)
    return -1;
  *out = (verdict)(vi - table);
  return 0;
}

const char *verdicts_name(verdict v) {
  const verdict_info *vi = verdicts_info(v);
  return vi ? vi->name : "?";
}

int verdicts_is_ok(verdict v) {
  const verdict_info *vi = verdicts_info(v);
  return vi && vi->ok;
}

int verdicts_is_security(verdict v) {
  const verdict_info *vi = verdicts_info(v);
  return vi && vi->security;
}

int verdicts_ok_names(char *out, size_t n, const char *sep) {
  size_t len = 0;
  if (n == 0)
    return -1;
  out[0] = '\0';
  for (int v = 0; v < V__COUNT; v++) {
    if (!table[v].ok)
      continue;
    int w = snprintf(out + len, n - len, "%s%s", len ? sep : "", table[v].name);
    if (w < 0 || (size_t)w >= n - len) {
      out[0] = '\0';
      return -1;
    }
    len += (size_t)w;
  }
  return 0;
}
