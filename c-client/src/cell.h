/* cell.h - one (target, scenario) outcome: what each request got back
 * (exchanges), the transcript, and the verdict decided from them. Engines fill
 * exchanges and transcript; verdict.c fills verdict/reason. */
#ifndef H2C_CELL_H
#define H2C_CELL_H

#include <stdint.h>
#include "buf.h"
#include "exchange.h"
#include "scenario.h"
#include "transcript.h"
#include "verdicts.h"

struct cJSON;

/* How a calibrated scenario (scenario "calibrate") was sized for this cell. */
typedef struct calibration {
  int done;                    /* 0: no calibration (results.json null) */
  int request, into;           /* scenario indexes */
  long head_len;               /* request's head as the server parses it */
  const char *source;          /* "backend-log" or "wire" */
} calibration;

typedef struct cell {
  const scenario *sc;          /* what runs: the cell's instance once the
                                  runner made one ({cell} replaced), else the
                                  catalogue scenario */
  const struct target *tg;
  scenario *inst;              /* owned instance (freed with the cell), or NULL */
  char tag[SC_TAG_LEN + 1];    /* replaces {cell}; "" before the runner sets it */
  int skipped[SC_MAX_REQUESTS];/* request not sent: its "requires" is unmet */
  calibration cal;
  struct cJSON *backend_log;   /* filtered entries (an array), or NULL: the
                                  target has no backend log or the fetch failed */
  int security;                /* verdicts_is_security(verdict) */
  exchange ex[SC_MAX_REQUESTS];
  int upgraded;                /* a 101 was seen and HTTP/2 followed */
  size_t extra_bytes;          /* bytes after the last expected answer */
  long lost_bytes;             /* -1 unknown; set by the loss measurement */
  char loss_evidence[256];     /* how lost_bytes was established */
  char loss_seen[400];         /* the loss check ran and confirmed nothing:
                                  what it saw (for the reason), else "" */
  transcript tx;
  int64_t start_ms, total_ms;  /* start relative to run start */
  verdict verdict;
  char reason[512];
} cell;

void cell_init(cell *c, const scenario *sc, const struct target *tg);
void cell_free(cell *c);
/* The verdict is one the cell's scenario accepts (its "accept" list). n/a
 * cells are counted apart by callers: nothing was judged there. */
int cell_accepted(const cell *c);
/* Writes the SC_TAG_LEN-byte tag of cell `index` of a run that started at
 * `run_ms` (Unix ms): kind ('c' for the cell, 'k' for its calibration
 * request), 8 base-36 digits of run_ms, 3 of the index. out has room for
 * SC_TAG_LEN + 1 bytes. */
void cell_make_tag(char *out, char kind, uint64_t run_ms, unsigned index);
/* Gives the cell its own instance of its scenario with {cell} = c->tag.
 * Returns 0, or -1 (the cell keeps the catalogue scenario). */
int cell_instantiate(cell *c);

#endif
