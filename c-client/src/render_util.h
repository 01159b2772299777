/* render_util.h - what the report writers share: a read-only view of
 * results.json (the "model"), the verdict words and colours, the escapers for
 * Markdown / HTML / XML, the transcript excerpt, the shell reproducer and the
 * facts of a proposed fix.
 *
 * The idea: every string from the JSON may hold anything a server sent, so
 * text goes through exactly one cleaning step (valid UTF-8, no control bytes,
 * capped) and then one format escaper; bytes go through the escaped-bytes
 * form, which is printable ASCII. Nothing from the JSON reaches an output
 * any other way. */
#ifndef H2C_RENDER_UTIL_H
#define H2C_RENDER_UTIL_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "buf.h"
#include "verdicts.h"

/* ---- output buffer with a sticky failure flag ------------------------- */

typedef struct out {
  buf b;
  int failed;              /* an append failed (out of memory / cap) */
} out;

void out_init(out *o);
void out_free(out *o);
void out_add(out *o, const char *s, size_t n);
void out_adds(out *o, const char *s);
void out_printf(out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Writes o to dir/name atomically; 0 or -1 with err. */
int out_write_file(const out *o, const char *dir, const char *name, char *err,
                   size_t errlen);

/* ---- the model: results.json as arrays ------------------------------- */

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

int model_load(r_model *m, const cJSON *root, char *err, size_t errlen);
void model_free(r_model *m);
const r_cell *model_cell(const r_model *m, int t, int s);

/* The four reports of render_all (render.h), from one loaded model; each
 * writes its file atomically into dir, 0 or -1 with err. security.md holds
 * the security-relevant cells report.md withholds (always written, saying so
 * when there are none). */
int render_md(const r_model *m, const char *dir, char *err, size_t errlen);
int render_security(const r_model *m, const char *dir, char *err, size_t errlen);
int render_html(const r_model *m, const char *dir, char *err, size_t errlen);
int render_junit(const r_model *m, const char *dir, char *err, size_t errlen);
/* JSON helpers: NULL / dflt when missing or of another type. */
const char *json_str(const cJSON *obj, const char *key);
double json_num(const cJSON *obj, const char *key, double dflt);
/* A number clamped to ±1e15 (a hostile 1e300 must not overflow a cast). */
long json_long(const cJSON *obj, const char *key, long dflt);

/* ---- verdict words ---------------------------------------------------- */

/* verdict_info and the table come from verdicts.h; render adds two
 * pseudo-states: a cell without a result (VERDICT_MISSING) and a verdict
 * name the table does not know (verdict_lookup's grey "other" entry). */

/* Known verdicts in display order; unknown names get a grey entry. */
const verdict_info *verdict_lookup(const char *name);
const verdict_info *verdict_at(int i);   /* NULL past the end */
extern const verdict_info VERDICT_MISSING;

/* ---- text cleaning and escaping ---------------------------------------- */

#define TEXT_ONE_LINE 0
#define TEXT_KEEP_NL 1
#define TEXT_KEEP_TAB 2           /* code (a diff): a tab stays a tab */

/* Valid UTF-8 kept, control bytes and invalid sequences as \xHH, newlines
 * kept or turned into spaces; at most cap bytes, then "… [N bytes cut]". */
void text_clean(out *o, const char *s, size_t cap, int flags);
/* Clean + Markdown inline escape (all ASCII punctuation that means
 * something is backslash-escaped, so `|` never splits a table cell). */
void esc_md(out *o, const char *s, size_t cap);
/* Clean + HTML/XML escape (& < > " '); valid in text and in attributes. */
void esc_html(out *o, const char *s, size_t cap, int flags);
/* HTML/XML escape of text that is already clean (no cap). */
void esc_html_clean(out *o, const char *s, size_t n);
/* Decodes the escaped-bytes form; a malformed string is taken as raw bytes
 * (the report must render whatever the file holds). Caller buf_free's. */
void decode_escaped(buf *raw, const char *s);
/* Raw bytes as printable text: the escaped-bytes form with a line break
 * after each \n; at most cap output bytes, then a note counting what was
 * cut (plus extra: bytes the caller did not even pass). */
void bytes_display(out *o, const char *raw, size_t n, size_t cap,
                   size_t extra);
/* The longest run of backticks in s (to pick a Markdown fence). */
size_t longest_backtick_run(const char *s, size_t n);
/* A fenced Markdown code block around body (already clean text): the fence
 * is longer than any backtick run inside, so nothing in body can close it. */
void md_fence(out *o, const char *body, size_t n, const char *info);
/* Id-safe form of s: [A-Za-z0-9_-] kept, everything else as .HH */
void slug(out *o, const char *s);
/* A JSON value as one line of clean text: an object as "key value" pairs
 * joined by sep (strings as they are, e.g. escaped bytes), anything nested
 * as compact JSON; each value capped at cap bytes. */
void json_fields_text(out *o, const cJSON *j, size_t cap, const char *sep);

/* ---- cell facts as clean plain text ------------------------------------ */

/* The answer of each request, e.g. "request 1: 200 OK (HTTP/1.1, 13-byte
 * body); request 2: 400 Bad Request (...)". Clean text, one line. */
void cell_answers_text(out *o, const r_cell *c);
/* "13 bytes of the following request were consumed (how we know)". */
void cell_loss_text(out *o, const r_cell *c);
/* Transcript excerpt as clean text (ASCII, newlines): about budget bytes in
 * all, at most per_event bytes of any one event (0: a fair share of what is
 * left, so a huge first event cannot hide the answers after it). */
void transcript_text(out *o, const r_cell *c, size_t budget, size_t per_event);
/* The one-paragraph summary as clean plain text. Security-relevant cells
 * are only counted, never described; security_where says where they are. */
void summary_text(out *o, const r_model *m, const char *security_where);
/* After a 101 with after_101: what was sent and what came back, or nothing. */
void after_101_text(out *o, const r_cell *c, const cJSON *exchange);
/* How a calibrated cell was sized: "request 2's head is 96 bytes as the
 * server parses it (source backend-log); request 1's body was sized to
 * that", or the fields as given when they are not all there. */
void calibration_text(out *o, const r_cell *c);
/* A scenario's "calibrate": "request 1's body is sized to request 2's head
 * as the server parses it (measured per cell)", or the value as given. */
void calibrate_text(out *o, const cJSON *calibrate);
/* A request's "embedded" list: "GET /admin?cell={cell} (its answer carries
 * `MARKER`)", joined by "; "; other shapes as given. */
void embedded_text(out *o, const cJSON *embedded);
/* The backend's log lines of a cell (escaped strings as they are), bounded. */
void backend_log_text(out *o, const r_cell *c, size_t budget);
/* The probe line: "h2c-probe 0.1.0 (libcurl …); run …". Clean text. */
void probe_text(out *o, const r_model *m);

/* ---- reproducer -------------------------------------------------------- */

typedef enum { REPRO_CURL, REPRO_NC, REPRO_BASH } repro_kind;

/* A shell command that reproduces scenario s against target t without the
 * lab (curl when curl can express it, else printf | nc, or bash /dev/tcp for
 * several connections). Only scenario and target data, never server bytes.
 * upgraded: the server answered 101 (curl cannot follow the raw engine). */
repro_kind repro_build(out *o, const r_model *m, int t, int s, int upgraded);

/* ---- proposed fix (render_fix.c) --------------------------------------- *
 * A target with a patch runs a proposed fix. It is compared with the
 * unpatched target of the same lineage (fix_base) to list what the change
 * repairs; regression-guard scenarios show what it keeps; the targets of the
 * same info.family ordered by version give the regression window; the
 * upstream-style unittest results come from attachments.upstream. Every
 * function writes clean text (one line) for the writers to escape. */

/* info.fix_of when it names a target without a patch, else the first
 * target without a patch of the same info.family and info.base_image;
 * -1 when none. *by_name: found through info.fix_of. */
int fix_base(const r_model *m, int t, int *by_name);
/* Whether the report has a "Proposed fix" section at all. */
int fix_section_wanted(const r_model *m);
/* "gevent-fixed (…) runs the change below; it is compared with …". */
void fix_lineage_text(out *o, const r_model *m, int t, int base, int by_name);
/* Scenarios the change turns from not accepted to accepted (and back). */
void fix_effect_text(out *o, const r_model *m, int t, int base);
/* Regression-guard scenarios with and without the change; 0 when none. */
int fix_guard_text(out *o, const r_model *m, int t, int base);
/* The last version in sync and the first out of sync; 0 when unknown. */
int fix_window_text(out *o, const r_model *m, int t, int base);
/* info.upstream_note of the lineage; 0 when none. */
int fix_upstream_note(out *o, const r_model *m, int t, int base);
/* The upstream-style unittest: the verdict sentence, then one line per
 * image (lines separated by \n); 0 when there is no attachment. */
int upstream_test_text(out *o, const r_model *m);
/* The diff as clean text (tabs and newlines kept), cut at a line end
 * after about cap bytes; returns 1 when it was cut. */
int fix_diff_text(out *o, const r_target *t, size_t cap);

#endif
