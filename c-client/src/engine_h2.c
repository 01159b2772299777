/* engine_h2.c - the "h2" engine: HTTP/2 with prior knowledge (RFC 9113 §3.3).
 * One TCP connection per connection label, in order of first use; the
 * requests of a label become streams on it (h2_session.c does the HTTP/2). */
#include "engine.h"

#include <stdio.h>
#include <string.h>

#include "h2_session.h"
#include "net.h"
#include "target.h"
#include "transcript.h"

/* Indices of the requests carried by connection `label`, in order. */
static int requests_of(const scenario *sc, const char *label, int *idx) {
  int n = 0;
  for (int i = 0; i < sc->nrequests; i++)
    if (strcmp(sc->requests[i].connection, label) == 0)
      idx[n++] = i;
  return n;
}

/* Is request i the first one of its connection label? */
static int first_of_label(const scenario *sc, int i) {
  for (int j = 0; j < i; j++)
    if (strcmp(sc->requests[j].connection, sc->requests[i].connection) == 0)
      return 0;
  return 1;
}

static void run_connection(cell *c, const engine_opts *o, const char *label) {
  int idx[SC_MAX_REQUESTS];
  int n = requests_of(c->sc, label, idx);
  char err[160] = "";
  int fd = net_connect(c->tg->host, c->tg->port, o->deadline_ms, err,
                       sizeof err);
  if (fd < 0) {
    transcript_note(&c->tx, label, "connect to %s failed: %s",
                    c->tg->authority, err);
    for (int i = 0; i < n; i++) {
      c->ex[idx[i]].outcome = OUT_CONNECT_FAILED;
      snprintf(c->ex[idx[i]].detail, sizeof c->ex[idx[i]].detail,
               "connect: %s", err);
    }
    return;
  }
  transcript_note(&c->tx, label, "connected to %s", c->tg->authority);
  h2_session_prior_knowledge(c, o, fd, label, idx, n);
  net_close(fd);
}

void engine_h2_run(cell *c, const engine_opts *o) {
  for (int i = 0; i < c->sc->nrequests; i++)
    if (first_of_label(c->sc, i))
      run_connection(c, o, c->sc->requests[i].connection);
}
