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
  const cJSON *unsupported;  /* verdicts meaning "does not speak it", or NULL */
  int private_;              /* "audience": "private", an embedded request or
                              * a security-relevant cell: a recipe, only in
                              * the private reports */
} r_scenario;

typedef struct r_target {
  const char *name, *url, *version, *server_header;
  const char *software, *base_image, *started; /* from info, may be NULL */
  const char *family, *fix_of, *upstream_note; /* from info, may be NULL */
  const char *upstream_issue;                  /* info.upstream_issue (a URL) */
  int subject, fix;          /* info.roles holds "subject" / "fix" */
  int private_;              /* info.proxy: a proxy configuration, only in the
                              * private reports */
  int group;                 /* MODEL_GROUP_*: the row group of the matrix */
  int family_rank;           /* results.json's first target of its family */
  const cJSON *info;                           /* object or NULL */
  const char *patch;                           /* the fix's diff (text) */
  int patch_truncated;
  char host[256], port[16], authority[280];    /* from url */
} r_target;

/* NA: verdict n/a, nothing was judged (neither a pass nor a failure).
 * UNSPOKEN: a verdict the scenario lists as "unsupported": the target does
 * not speak the scenario's protocol (not accepted, and not a failure). */
typedef enum { CELL_MISSING, CELL_PASS, CELL_FAIL, CELL_NA,
               CELL_UNSPOKEN } cell_state;

/* The matrix's row groups, in this order: the subject's family (targets
 * with the role "subject" and those sharing a subject's info.family),
 * other servers, proxies (private reports only). */
enum { MODEL_GROUP_SUBJECT, MODEL_GROUP_OTHER, MODEL_GROUP_PROXY };

/* Which reports a model is for: every target and scenario (security.md,
 * security.html), or the public ones (report.md, report.html,
 * junit.xml): private scenarios and proxied targets left out. */
typedef enum { MODEL_PRIVATE, MODEL_PUBLIC } model_audience;

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
  int npass, nfail, nmissing, nna, nunspoken;
  int nsecurity;             /* cells marked security */
  long security_count;       /* summary.security, else nsecurity */
  const cJSON *upstream;     /* attachments.upstream (object) or NULL */
  const cJSON *load;         /* MODEL_PRIVATE: the load section (object) or NULL */
  model_audience audience;
  int withheld_targets, withheld_scenarios, withheld_cells; /* MODEL_PUBLIC:
                              * what was left out (cells with a result) */
} r_model;

#define MODEL_MAX_TARGETS 1000
#define MODEL_MAX_SCENARIOS 1000

/* Reads root (results.json) into m, pointing into the tree: m lives as long
 * as root. Targets come in matrix order: the subject's group first (the
 * subjects, then the rest of their families; each by family, newest version
 * first in Debian's order), then other servers, then proxies, each group
 * otherwise in results.json's order. MODEL_PUBLIC leaves out every
 * private scenario and proxied target (counted in withheld_*). 0, or -1
 * with err; model_free in every case after a 0. */
int model_load(r_model *m, const cJSON *root, model_audience audience,
               char *err, size_t errlen);
void model_free(r_model *m);
/* The cell of target t and scenario s (never NULL). */
const r_cell *model_cell(const r_model *m, int t, int s);

#endif
