/* load_trigger.c - a scenario's request as the attacker's trigger
 * (load_trigger.h). The markers come from every request of the scenario: a
 * hidden request may ride in any body, and its answer is the attacker's. */
#include "load_trigger.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cell.h"
#include "load.h"

static int pick(const scenario *sc, int request) {
  if (request >= 0)
    return request < sc->nrequests ? request : -1;
  for (int i = 0; i < sc->nrequests; i++)
    if (scenario_request_is_upgrade(&sc->requests[i]))
      return i;
  return sc->nrequests > 0 ? 0 : -1;
}

int load_trigger_load(load_trigger *t, const char *path, int request, const char *authority,
                      char *err, size_t errlen) {
  memset(t, 0, sizeof *t);
  buf_init(&t->wire, LOAD_MAX_TRIGGER);
  buf_init(&t->body, LOAD_MAX_TRIGGER);
  scenario tmpl;
  if (scenario_load_file(path, &tmpl, err, errlen) != 0)
    return -1;
  cell_make_tag(t->tag, 'l', (uint64_t)time(NULL), 0);
  int rc = scenario_inst_create(&tmpl, t->tag, &t->sc);
  scenario_free(&tmpl);
  if (rc != 0) {
    snprintf(err, errlen, "%s: out of memory", path);
    return -1;
  }
  t->loaded = 1;
  t->request = pick(&t->sc, request);
  if (t->request < 0) {
    snprintf(err, errlen, "%s: no request %d (the scenario has %d)", path, request,
             t->sc.nrequests);
    return -1;
  }
  if (scenario_request_wire(&t->sc, t->request, authority, &t->wire) != BUF_OK ||
      scenario_request_body(&t->sc.requests[t->request], &t->body) != BUF_OK) {
    snprintf(err, errlen, "%s: request %d is larger than the %u bytes a trigger may be",
             path, t->request, LOAD_MAX_TRIGGER);
    return -1;
  }
  return 0;
}

void load_trigger_expect(const load_trigger *t, load_expect *e) {
  memset(e, 0, sizeof *e);
  if (!t->loaded)
    return;
  e->attacker_body = t->body.data;
  e->attacker_body_len = t->body.len;
  for (int q = 0; q < t->sc.nrequests; q++) {    /* any request may hide one */
    const sc_request *r = &t->sc.requests[q];
    for (int i = 0; i < r->nembedded && e->nmarkers < LOAD_MAX_MARKERS; i++)
      if (r->embedded[i].has_marker && r->embedded[i].marker.len) {
        e->markers[e->nmarkers] = r->embedded[i].marker.data;
        e->marker_len[e->nmarkers++] = r->embedded[i].marker.len;
      }
  }
}

void load_trigger_free(load_trigger *t) {
  if (t->loaded)
    scenario_free(&t->sc);
  buf_free(&t->wire);
  buf_free(&t->body);
  t->loaded = 0;
}
