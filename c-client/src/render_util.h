/* render_util.h - what the three report writers share: a read-only view of
 * results.json (the "model"), the verdict words and colours, the escapers for
 * Markdown / HTML / XML, the transcript excerpt and the shell reproducer.
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
} r_req;

typedef struct r_scenario {
  const char *id, *title, *explanation, *correct;
  const char *engine, *send, *curl_http_version;
  const cJSON *rfc, *accept; /* arrays or NULL (accept NULL = ok-h1, ok-h2) */
  r_req *req;
  int nreq;
} r_scenario;

typedef struct r_target {
  const char *name, *url, *version, *server_header;
  const char *software, *base_image, *started; /* from info, may be NULL */
  char host[256], port[16], authority[280];    /* from url */
} r_target;

typedef enum { CELL_MISSING, CELL_PASS, CELL_FAIL } cell_state;

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
} r_cell;

typedef struct r_model {
  const cJSON *tool, *run;
  r_target *t;
  int nt;
  r_scenario *s;
  int ns;
  r_cell *cells;             /* nt * ns, target-major */
  int npass, nfail, nmissing;
} r_model;

#define MODEL_MAX_TARGETS 1000
#define MODEL_MAX_SCENARIOS 1000

int model_load(r_model *m, const cJSON *root, char *err, size_t errlen);
void model_free(r_model *m);
const r_cell *model_cell(const r_model *m, int t, int s);
/* JSON helpers: NULL / dflt when missing or of another type. */
const char *json_str(const cJSON *obj, const char *key);
double json_num(const cJSON *obj, const char *key, double dflt);
/* A number clamped to ±1e15 (a hostile 1e300 must not overflow a cast). */
long json_long(const cJSON *obj, const char *key, long dflt);

/* ---- verdict words ---------------------------------------------------- */

typedef struct verdict_info {
  const char *name;          /* as in results.json */
  const char *cls;           /* CSS class suffix: verdict-<cls> */
  const char *meaning;       /* legend text */
  const char *group;         /* summary group heading */
  const char *bg, *fg;       /* report.html colours */
} verdict_info;

/* Known verdicts in display order; unknown names get a grey entry. */
const verdict_info *verdict_lookup(const char *name);
const verdict_info *verdict_at(int i);   /* NULL past the end */
extern const verdict_info VERDICT_MISSING;

/* ---- text cleaning and escaping ---------------------------------------- */

#define TEXT_ONE_LINE 0
#define TEXT_KEEP_NL 1

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
/* Id-safe form of s: [A-Za-z0-9_-] kept, everything else as .HH */
void slug(out *o, const char *s);

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
/* The one-paragraph summary as clean plain text. */
void summary_text(out *o, const r_model *m);
/* The probe line: "h2c-probe 0.1.0 (libcurl …); run …". Clean text. */
void probe_text(out *o, const r_model *m);

/* ---- reproducer -------------------------------------------------------- */

typedef enum { REPRO_CURL, REPRO_NC, REPRO_BASH } repro_kind;

/* A shell command that reproduces scenario s against target t without the
 * lab (curl when curl can express it, else printf | nc, or bash /dev/tcp for
 * several connections). Only scenario and target data, never server bytes.
 * upgraded: the server answered 101 (curl cannot follow the raw engine). */
repro_kind repro_build(out *o, const r_model *m, int t, int s, int upgraded);

#endif
