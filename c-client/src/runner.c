/* runner.c - runs every (target, scenario) cell with --jobs worker threads.
 *
 * The idea: cells are independent (one cell = its own connections, its own
 * transcript), so workers just pull the next cell index from a shared counter
 * under a mutex; a slow server costs one cell's timeout on one worker, not
 * the whole run. Before the cells, each target's version page is fetched once
 * (in parallel the same way) so the report says what exactly was tested,
 * and so is the diff of a proposed fix when the target serves one. */
#include "runner.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "escape.h"
#include "http1_parse.h"
#include "net.h"
#include "verdict.h"

#ifndef H2C_VERSION
#define H2C_VERSION "0.0.0"
#endif

#define VERSION_MAX 200     /* bytes kept of the version line / Server header */
#define PATCH_MAX (64u * 1024u)  /* bytes kept of a target's fix diff */

/* ---- a tiny work pool --------------------------------------------------- */

typedef struct pool {
  pthread_mutex_t mu;
  int next, total, done;
  void (*work)(struct pool *p, int idx);
  void (*finished)(struct pool *p, int idx);  /* called under mu, may be NULL */
  run *r;
  const runner_opts *o;
  int64_t t0;
} pool;

static void *pool_worker(void *arg) {
  pool *p = arg;
  for (;;) {
    pthread_mutex_lock(&p->mu);
    int idx = p->next < p->total ? p->next++ : -1;
    pthread_mutex_unlock(&p->mu);
    if (idx < 0)
      return NULL;
    p->work(p, idx);
    pthread_mutex_lock(&p->mu);
    p->done++;
    if (p->finished)
      p->finished(p, idx);
    pthread_mutex_unlock(&p->mu);
  }
}

/* Runs work(0..total) on up to jobs threads; falls back to this thread when
 * threads cannot be created, so a run never silently loses cells. */
static void pool_run(pool *p, int jobs) {
  if (jobs < 1)
    jobs = 1;
  if (jobs > p->total)
    jobs = p->total;
  pthread_t *th = calloc((size_t)(jobs > 0 ? jobs : 1), sizeof *th);
  int started = 0;
  for (int i = 0; th && i < jobs; i++) {
    if (pthread_create(&th[i], NULL, pool_worker, p) != 0)
      break;
    started++;
  }
  if (started == 0)
    pool_worker(p);
  for (int i = 0; i < started; i++)
    pthread_join(th[i], NULL);
  free(th);
}

/* ---- target versions ------------------------------------------------------ */

/* Escaped, capped copy of the first line of data. */
static char *first_line(const char *data, size_t n) {
  size_t len = 0;
  while (len < n && data[len] != '\n' && data[len] != '\r')
    len++;
  if (len > VERSION_MAX)
    len = VERSION_MAX;
  buf b;
  buf_init(&b, 4 * VERSION_MAX + 8);
  escape_bytes(&b, data, len);
  if (!b.data)
    buf_add(&b, "", 0);
  return buf_steal(&b);
}

/* Reads one response into p; returns 1 when complete. */
static int read_response(int fd, h1_parser *p, int timeout_ms, int64_t deadline) {
  char chunk[4096];
  for (;;) {
    ssize_t n = net_recv(fd, chunk, sizeof chunk, timeout_ms, deadline);
    if (n == 0)
      return h1_parser_eof(p) == H1_DONE;
    if (n < 0)
      return 0;
    size_t off = 0;
    while (off < (size_t)n) {
      size_t used = 0;
      h1_status st = h1_parser_feed(p, chunk + off, (size_t)n - off, &used);
      if (st == H1_ERROR)
        return 0;
      off += used;
      if (st == H1_DONE && !p->resp.is_interim)
        return 1;
      if (st == H1_DONE) {           /* 1xx: the real answer follows */
        h1_parser_free(p);
        h1_parser_init(p, 0);
      } else if (used == 0) {
        break;
      }
    }
  }
}

/* One plain GET of path on its own connection (Connection: close), bounded
 * by 2 x timeout_ms; p holds the answer. Returns 1 when it was complete. */
static int http_get(const target *t, const char *path, int timeout_ms, h1_parser *p) {
  int64_t deadline = now_ms() + 2 * (int64_t)timeout_ms;
  char err[256];
  h1_parser_init(p, 0);
  int fd = net_connect(t->host, t->port, deadline, err, sizeof err);
  if (fd < 0)
    return 0;
  char req[1024];
  int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: "
                   "h2c-probe/%s\r\nConnection: close\r\n\r\n", path, t->authority,
                   H2C_VERSION);
  int ok = n > 0 && (size_t)n < sizeof req &&
           net_send_all(fd, req, (size_t)n, deadline) == 0 &&
           read_response(fd, p, timeout_ms, deadline);
  net_close(fd);
  return ok;
}

/* GET version_path (or / just for the Server header). Failures leave version
 * NULL: an unreachable server is an error cell later, not a fatal error here. */
static void fetch_version(target *t, int timeout_ms) {
  h1_parser p;
  if (http_get(t, t->version_path ? t->version_path : "/", timeout_ms, &p)) {
    const char *server = h1_header_get(&p.resp, "Server");
    if (server)
      t->server_header = first_line(server, strlen(server));
    if (t->version_path && p.resp.status >= 200 && p.resp.status <= 299 &&
        p.resp.body.len > 0)
      t->version = first_line(p.resp.body.data, p.resp.body.len);
  }
  h1_parser_free(&p);
}

/* GET patch_path: the diff of a proposed fix, which the target serves about
 * itself, so the report shows exactly what was changed. Kept as bytes (cut
 * at PATCH_MAX); results.c turns them into text. Any failure: no patch. */
static void fetch_patch(target *t, int timeout_ms) {
  if (!t->patch_path)
    return;
  h1_parser p;
  if (http_get(t, t->patch_path, timeout_ms, &p) && p.resp.status >= 200 &&
      p.resp.status <= 299) {
    size_t n = p.resp.body.len;
    t->patch_truncated = n > PATCH_MAX;
    t->patch_len = t->patch_truncated ? PATCH_MAX : n;
    t->patch = malloc(t->patch_len + 1);
    if (t->patch) {
      if (t->patch_len)
        memcpy(t->patch, p.resp.body.data, t->patch_len);
      t->patch[t->patch_len] = '\0';
    } else {
      t->patch_len = 0;
      t->patch_truncated = 0;
    }
  }
  h1_parser_free(&p);
}

static void version_work(pool *p, int idx) {
  fetch_version(&p->r->targets[idx], p->o->timeout_ms);
  fetch_patch(&p->r->targets[idx], p->o->timeout_ms);
}

/* ---- cells ---------------------------------------------------------------- */

/* Time a cell may take: each request may use a full timeout, plus connect and
 * slack; the engines also stop at this deadline. */
static int64_t cell_budget_ms(const scenario *sc, int timeout_ms) {
  return (int64_t)timeout_ms * (sc->nrequests + 2);
}

/* Failures where the server may have consumed part of the next request. */
static int loss_like(outcome o) {
  return o == OUT_ANSWERED || o == OUT_BAD_RESPONSE || o == OUT_TOO_BIG ||
         o == OUT_TIMEOUT;
}

static int prev_on_conn(const scenario *sc, int i) {
  for (int p = i - 1; p >= 0; p--)
    if (strcmp(sc->requests[p].connection, sc->requests[i].connection) == 0)
      return p;
  return -1;
}

/* measure_loss: when request i failed after request p on the same
 * connection, replay with k = len(p's body) filler bytes before i; if i is
 * then answered correctly, the server consumed exactly those k bytes. */
static void measure_loss(cell *c, int timeout_ms) {
  const scenario *sc = c->sc;
  if (!sc->measure_loss || sc->engine != ENGINE_RAW || c->upgraded)
    return;
  int i = verdict_first_failure(c);
  if (i <= 0 || !loss_like(c->ex[i].outcome))
    return;
  int p = prev_on_conn(sc, i);
  if (p < 0)
    return;
  buf body;
  buf_init(&body, 1024u * 1024u);
  scenario_request_body(&sc->requests[p], &body);
  long k = (long)body.len;
  buf_free(&body);
  if (k <= 0)
    return;
  engine_opts o = {timeout_ms, now_ms() + cell_budget_ms(sc, timeout_ms)};
  if (engine_raw_confirm_loss(c, &o, i, k) == 1) {
    c->lost_bytes = k;
    snprintf(c->loss_evidence, sizeof c->loss_evidence,
             "replayed on a new connection with %ld filler bytes before request "
             "%d, which was then answered as expected", k, i + 1);
  }
}

static void run_cell(cell *c, int timeout_ms, int64_t run_t0) {
  int64_t t0 = now_ms();
  c->start_ms = t0 - run_t0;
  c->tx.t0_ms = t0;                  /* transcript times count from here */
  engine_opts o = {timeout_ms, t0 + cell_budget_ms(c->sc, timeout_ms)};
  engine_run(c, &o);
  measure_loss(c, timeout_ms);
  verdict_decide(c);
  c->total_ms = now_ms() - t0;
}

static void cell_work(pool *p, int idx) {
  run_cell(&p->r->cells[idx], p->o->timeout_ms, p->t0);
}

static void cell_progress(pool *p, int idx) {
  const cell *c = &p->r->cells[idx];
  fprintf(stderr, "\r[%d/%d] %s × %s: %s\033[K", p->done, p->total,
          c->tg ? c->tg->name : "?", c->sc->id, verdict_name(c->verdict));
  fflush(stderr);
}

/* ---- the run -------------------------------------------------------------- */

static void iso_now(char *out, size_t outlen) {
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Cells are target-major: cell (t, s) is cells[t * nscenarios + s]. */
static int make_cells(run *r) {
  if (r->cells)
    return 0;
  r->ncells = r->ntargets * r->nscenarios;
  r->cells = r->ncells ? calloc((size_t)r->ncells, sizeof *r->cells) : NULL;
  if (r->ncells && !r->cells) {
    r->ncells = 0;
    return -1;
  }
  for (int t = 0; t < r->ntargets; t++)
    for (int s = 0; s < r->nscenarios; s++)
      cell_init(&r->cells[t * r->nscenarios + s], &r->scenarios[s], &r->targets[t]);
  return 0;
}

void runner_run(run *r, const runner_opts *o) {
  int64_t t0 = now_ms();
  iso_now(r->started, sizeof r->started);
  r->timeout_ms = o->timeout_ms;
  r->jobs = o->jobs;
  if (make_cells(r) != 0) {
    fprintf(stderr, "h2c-probe: out of memory for %d cells\n",
            r->ntargets * r->nscenarios);
    return;
  }
  pool vp = {.total = r->ntargets, .work = version_work, .r = r, .o = o, .t0 = t0};
  pthread_mutex_init(&vp.mu, NULL);
  if (o->progress)
    fprintf(stderr, "fetching versions of %d targets…", r->ntargets);
  pool_run(&vp, o->jobs);
  pthread_mutex_destroy(&vp.mu);

  pool cp = {.total = r->ncells, .work = cell_work, .r = r, .o = o, .t0 = t0,
             .finished = o->progress ? cell_progress : NULL};
  pthread_mutex_init(&cp.mu, NULL);
  pool_run(&cp, o->jobs);
  pthread_mutex_destroy(&cp.mu);
  if (o->progress)
    fprintf(stderr, "\r\033[K");
  iso_now(r->finished, sizeof r->finished);
  r->duration_ms = now_ms() - t0;
}
