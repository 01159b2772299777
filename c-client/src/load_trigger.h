/* load_trigger.h - the attacker's request of `h2c-probe load`, taken from a
 * scenario file (data: adding a trigger needs no C): one request of the
 * scenario, its {cell} made a tag of its own and {authority} the target's,
 * as the raw engine would write it. What its answers look like (its body,
 * echoed; the markers of the requests hidden in it) becomes the victims'
 * load_expect, so a victim that gets the attacker's answer knows it. */
#ifndef H2C_LOAD_TRIGGER_H
#define H2C_LOAD_TRIGGER_H

#include <stddef.h>

#include "buf.h"
#include "load_classify.h"
#include "scenario.h"

typedef struct load_trigger {
  scenario sc;                 /* the instance (its tag in place of {cell}) */
  int loaded;
  int request;                 /* which of its requests */
  buf wire;                    /* the bytes the attacker sends */
  buf body;                    /* its body as the server sees it */
  char tag[SC_TAG_LEN + 1];
} load_trigger;

/* Loads request `request` of the scenario file path (-1: its first request
 * carrying an Upgrade header, else its first) for a target at authority.
 * 0, or -1 with err naming the file and what is wrong. */
int load_trigger_load(load_trigger *t, const char *path, int request, const char *authority,
                      char *err, size_t errlen);
/* Points e at t's answers (valid while t lives). */
void load_trigger_expect(const load_trigger *t, load_expect *e);
void load_trigger_free(load_trigger *t);

#endif
