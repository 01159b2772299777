/* scenario.h - a scenario is data: an ordered list of requests, how they are
 * sent, and what a correct server answers. Loaded from JSON with cJSON; see
 * docs/formats.md for the file format. */
#ifndef H2C_SCENARIO_H
#define H2C_SCENARIO_H

#include <stddef.h>
#include "buf.h"

#define SC_MAX_REQUESTS 16
#define SC_MAX_HEADERS 32
#define SC_MAX_CHUNKS 16
#define SC_LABEL_LEN 16
#define SC_MAX_NA_STATUS 8
#define SC_MAX_EMBEDDED 4
#define SC_MAX_DELAY_MS 10000   /* requests[].delay_ms */
/* "{cell}" in a path, header value, body, chunk or expect.body becomes the
 * cell's tag: exactly SC_TAG_LEN bytes of [a-z0-9], unique per cell and run,
 * so a byte count stays predictable (each placeholder grows by 6 bytes). */
#define SC_CELL_PLACEHOLDER "{cell}"
#define SC_TAG_LEN 12

typedef enum { ENGINE_RAW, ENGINE_CURL, ENGINE_H2 } engine_kind;
typedef enum { SEND_SEQUENTIAL, SEND_PIPELINED } send_mode;

typedef struct sc_header { char *name; char *value; } sc_header;

/* A complete request the scenario hides inside a request body ("embedded"):
 * the probe never sends it as a request, so a server (or backend log) that
 * answers it parsed bytes of a body as a request. */
typedef struct sc_embedded {
  char *method;
  char *path;               /* as it appears in the body, {cell} included */
  buf marker;               /* unescaped: a body only its answer carries */
  int has_marker;
} sc_embedded;

/* What a request needs from the target to apply at all ("requires"). */
typedef enum { REQUIRES_NONE = 0, REQUIRES_PROXY, REQUIRES_BACKEND_LOG } sc_requires;

typedef struct sc_request {
  char connection[SC_LABEL_LEN];
  char *method;
  char *path;
  sc_header headers[SC_MAX_HEADERS];
  int nheaders;
  buf body;                 /* unescaped bytes; used when has_body */
  int has_body;
  buf chunks[SC_MAX_CHUNKS];
  int nchunks;              /* > 0: chunked body */
  int expect_status;
  buf expect_body;          /* unescaped */
  int has_expect_body;
  int expect_echo;          /* body_is_request_body */
  buf after_101;            /* unescaped: raw engine, sent after a 101 instead
                               of starting HTTP/2 (the new protocol's bytes) */
  int has_after_101;
  sc_embedded embedded[SC_MAX_EMBEDDED];
  int nembedded;
  sc_requires requires;     /* unmet: the request is skipped (not sent) */
  int delay_ms;             /* raw engine, sequential: wait this long before
                               this request (its client arrives later) */
} sc_request;

typedef struct scenario {
  char *id, *title, *explanation, *correct;
  char *rfc[8];
  int nrfc;
  engine_kind engine;
  send_mode send;
  char *accept[8];
  int naccept;
  int measure_loss;
  int regression_guard;     /* guards what a fix must keep working */
  char *curl_http_version;  /* "1.1", "2", "2-prior-knowledge" */
  char *control;            /* id of the control scenario (the same requests
                               without what this one tests), or NULL */
  int na_status[SC_MAX_NA_STATUS]; /* request 1 answered with one: n/a */
  int nna_status;
  int has_calibrate;        /* "calibrate": size requests[cal_into]'s body */
  int cal_request, cal_into;/* to the head length of requests[cal_request] */
  sc_request requests[SC_MAX_REQUESTS];
  int nrequests;
  char *source_path;
} scenario;

/* Loads one file. Returns 0, or -1 with a message naming the file and the
 * offending field in err. */
int scenario_load_file(const char *path, scenario *sc, char *err, size_t errlen);
/* At most this many scenarios in one directory: what results.json may hold
 * and a report shows. */
#define SC_MAX_SCENARIOS 1000
/* The names of the *.json files in dir (not starting with '.'), sorted;
 * the caller frees each and the list. Returns 0, or -1 with err. */
int scenario_list_dir(const char *dir, char ***names, int *n, char *err, size_t errlen);
/* Loads every *.json in dir, sorted by file name. Returns count or -1. */
int scenario_load_dir(const char *dir, scenario **out, char *err, size_t errlen);
void scenario_free(scenario *sc);
void scenario_free_all(scenario *list, int n);

/* The exact HTTP/1.1 bytes the raw engine writes for request i, with
 * {authority} replaced. Returns BUF_OK or BUF_*. */
/* Appends a header value with every "{authority}" replaced by authority
 * (kept as is when authority is NULL). Returns BUF_OK or BUF_*. */
int scenario_subst_authority(buf *out, const char *value, const char *authority);
int scenario_request_wire(const scenario *sc, int i, const char *authority,
                          buf *out);
/* The request's body bytes as the server should see them after de-chunking. */
int scenario_request_body(const sc_request *r, buf *out);
/* True when the header list carries an upgrade attempt (Upgrade header). */
int scenario_request_is_upgrade(const sc_request *r);
/* Length of request i's head on the wire (request line through the blank
 * line), with {authority} replaced; 0 when it cannot be built. */
size_t scenario_request_head_len(const scenario *sc, int i, const char *authority);
const char *scenario_engine_name(engine_kind e);
const char *scenario_send_mode_name(send_mode s);
const char *scenario_requires_name(sc_requires r);   /* NULL for REQUIRES_NONE */

/* ---- per-cell instances (scenario_inst.c) ---- */

/* A deep copy of tmpl with every {cell} replaced by tag (SC_TAG_LEN bytes):
 * what one cell really sends. Returns 0, or -1 (out of memory / too big). */
int scenario_inst_create(const scenario *tmpl, const char *tag, scenario *out);
/* Makes request i's body exactly n bytes: its own bytes repeated or cut
 * ("x" when it had none); Content-Length follows (the wire adds it). */
int scenario_inst_resize_body(scenario *sc, int i, size_t n);

#endif
