/* render/model.h - results.json as arrays: targets, scenarios
 * and their grid of cells, each cell judged once (pass, fail, n/a, missing). */
#ifndef H2C_RENDER_MODEL_H
#define H2C_RENDER_MODEL_H

#include <cjson/cJSON.h>

typedef struct r_req {
  const char *connection, *method, *path;
  const cJSON *headers;      /* [[name, value], ...] or NULL */
  const char *body;          /* escaped bytes or NULL */
  const cJSON *chunks;       /* array of escaped strings or NULL */
  const char *wire;          /* escaped bytes, {authority} kept, or NULL */
  int expect_status;         /* 0 when absent */
  const char *expect_body;   /* escaped or NULL */
  int expect_echo;
  const char *after_101;     /* escaped bytes sent after a 101, or NULL */
  const cJSON *embedded;     /* requests hidden in this one's body, or NULL */
  const char *requires;      /* what the target must have, or NULL */
} r_req;

typedef struct r_scenario {
  const char *id, *title, *explanation, *correct;
  const char *engine, *send, *curl_http_version;
  const cJSON *rfc, *accept; /* arrays or NULL (accept NULL = ok-h1, ok-h2) */
  r_req *req;
  int nreq;
  int regression_guard;      /* guards what a fix must keep working */
  const cJSON *calibrate;    /* shown as given, or NULL */
} r_scenario;

typedef struct r_target {
  const char *name, *url, *version, *server_header;
  const char *software, *base_image, *started; /* from info, may be NULL */
  const char *family, *fix_of, *upstream_note; /* from info, may be NULL */
  const cJSON *info;                           /* object or NULL */
  const char *patch;                           /* the fix's diff (text) */
  int patch_truncated;
  char host[256], port[16], authority[280];    /* from url */
} r_target;

/* NA: verdict n/a, nothing was judged (neither a pass nor a failure). */
typedef enum { CELL_MISSING, CELL_PASS, CELL_FAIL, CELL_NA } cell_state;

typedef struct r_cell {
  const cJSON *json;         /* NULL when results.json has no such cell */
  cell_state state;          /* FAIL: verdict not in the accept list */
  const char *verdict, *reason;
  long lost_bytes;           /* -1 unknown */
  const char *loss_evidence; /* how lost_bytes was established, or NULL */
  int upgraded;
  double total_ms;           /* -1 unknown */
  const cJSON *exchanges, *events;
  int truncated;
  const r_scenario *sc;      /* the cell's scenario */
  int security;              /* security-relevant: withheld from report.md */
  const char *tag;           /* security finding's tag, or NULL */
  const cJSON *backend_log;  /* array of objects (escaped strings) or NULL */
  const cJSON *calibration;  /* object or NULL */
} r_cell;

typedef struct r_model {
  const cJSON *tool, *run;
  r_target *t;
  int nt;
  r_scenario *s;
  int ns;
  r_cell *cells;             /* nt * ns, target-major */
  int npass, nfail, nmissing, nna;
  int nsecurity;             /* cells marked security */
  long security_count;       /* summary.security, else nsecurity */
  const cJSON *upstream;     /* attachments.upstream (object) or NULL */
} r_model;

#define MODEL_MAX_TARGETS 1000
#define MODEL_MAX_SCENARIOS 1000

/* Reads root (results.json) into m, pointing into the tree: m lives as long
 * as root. 0, or -1 with err; model_free in every case after a 0. */
int model_load(r_model *m, const cJSON *root, char *err, size_t errlen);
void model_free(r_model *m);
/* The cell of target t and scenario s (never NULL). */
const r_cell *model_cell(const r_model *m, int t, int s);

#endif
