/* runner.c - runs every (target, scenario) cell with --jobs worker threads.
 *
 * The idea: each cell has its own connections and transcript, and the only
 * way one cell can change another's evidence is state that outlives a cell
 * outside the probe's own sockets, or a worker another cell holds. A direct
 * server (info.direct: the URL is the server itself, nothing pools
 * connections behind it, and it serves any number of connections at once)
 * keeps no such state across connections: a desync lives and dies with the
 * connection that caused it, every cell opens its own, and none waits for
 * a worker another cell's hang holds. So the cells of a direct target are
 * lanes of their own and run at the same time. Behind a reverse
 * proxy it is different: the proxy pools its upstream connections, so two
 * cells at once could be given the same one and mix their bytes (one cell's
 * desync would land in another's answer, which is exactly the cross-client
 * finding, here produced by the probe itself), and a cell's backend reset
 * closes every connection to its backend, another cell's too. A pooled
 * upstream connection carries one cell's bytes into the next as long as it
 * stays open; only the backend can close it for sure (the reset), and the
 * backend log (peer port per request) shows afterwards which connection a
 * request came on, but not the bytes a desynced backend swallowed without
 * parsing them, and most scenarios carry no per-cell tag (their exact bytes
 * are the evidence), so the log cannot even say which cell a request came
 * from: it cannot prove two overlapping cells apart. Such a
 * target (a proxy, a backend log or reset, an isolation group, or simply
 * not said to be direct: a server may proxy inside its own container) runs
 * one cell at a time, in catalogue order (the same cell always follows the
 * same cells), each after a backend reset. Different targets run in
 * parallel. The lab gives every proxy target a backend of its own, so the
 * run takes about its longest serial target's cells one after the other.
 * A targets file whose targets DO share a backend says so with one
 * info.isolation_group; those targets are then one lane, serialized
 * together (their targets in file order), since one cell's desync, or the
 * reset that clears it, would land in the other's exchanges. Lanes are
 * taken longest first under one mutex: the long chains are the run's
 * critical path, the single cells fill in around them. --shard K/N keeps
 * a lane in one shard (shard.h), so a shard runs each chain as the whole
 * run does.
 *
 * Per cell: its tag ({cell}) and its own instance of the scenario, requests
 * whose "requires" the target does not meet are skipped, the backend is
 * reset (info.backend_reset_url: a connection an earlier cell left desynced
 * in the proxy's pool is closed), a "calibrate" scenario is sized (and the
 * backend reset again, so the calibration's connection is gone too), the
 * engine runs, then (targets with a backend log) the backend's log entries
 * for the tag are fetched and kept for the verdict.
 * Before the cells, each target's version page is fetched once (in
 * parallel; over HTTP/2 when the target answered HTTP/1.1 with an HTTP/2
 * frame) so the report says what exactly was tested, and so is the diff
 * of a proposed fix when the target serves one. */
#include "runner.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "backend_log.h"
#include "calibrate.h"
#include "clock.h"
#include "engine.h"
#include "escape.h"
#include "http1_parse.h"
#include "http_once.h"
#include "shard.h"
#include "verdict.h"

#ifndef H2C_VERSION
#define H2C_VERSION "0.0.0"
#endif

#define VERSION_MAX 200     /* bytes kept of the version line / Server header */
#define PATCH_MAX (64u * 1024u)  /* bytes kept of a target's fix diff */
#define CAL_MS(t) (3 * (int64_t)(t))      /* calibration request + its log entry */
#define SIDE_GET_MS(t) (2 * (int64_t)(t)) /* one http_once side request */
/* All bytes of a version or patch answer: the parser's caps and a margin. */
#define GET_MAX_BYTES (H1_MAX_HEADER_BYTES + H1_MAX_BODY + 64u * 1024u)

/* ---- a tiny work pool (the version fetches, one item per target) ---- */

typedef struct pool {
  pthread_mutex_t mu;
  int next, total, done;
  void (*work)(struct pool *p, int idx);
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
  if (!b.data && buf_add(&b, "", 0) != BUF_OK)
    return NULL;   /* out of memory: no version, as when none was fetched */
  return buf_steal(&b);
}

/* One plain GET of path on its own connection (Connection: close) through
 * http_once: bounded by 2 x timeout_ms and GET_MAX_BYTES, whatever the
 * server sends (an endless 1xx, a trickle). p holds the answer (the caller
 * frees it). Returns 1 when it was complete. */
static int http_get(const target *t, const char *path, int timeout_ms, h1_parser *p,
                    int *h2_frame) {
  char req[1024], err[256];
  int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: "
                   "h2c-probe/%s\r\nConnection: close\r\n\r\n", path, t->authority,
                   H2C_VERSION);
  if (n <= 0 || (size_t)n >= sizeof req) {
    http1_parse_init(p, 0);
    return 0;
  }
  http_once h = {t->host, t->port, timeout_ms, clock_now_ms() + SIDE_GET_MS(timeout_ms),
                 GET_MAX_BYTES, NULL, NULL, h2_frame};
  return http_once_exchange(&h, req, (size_t)n, p, err, sizeof err);
}

/* A target outside the lab (no info.software) answering /version with any
 * 2xx body (an echo app's "EMPTY", a fixed page) has not told its version:
 * it stays unknown unless the first line looks like one. */
static int looks_like_version(const buf *body) {
  size_t len = 0;
  while (len < body->len && body->data[len] != '\n' && body->data[len] != '\r')
    len++;
  return target_looks_like_version(body->data, len);
}

/* The version page's answer: its first line is the version when it is a 2xx
 * with a body that names the package (the lab) or looks like a version. */
static void take_version(target *t, int status, const buf *body) {
  if (status >= 200 && status <= 299 && body->len > 0 &&
      (t->names_package || looks_like_version(body)))
    t->version = first_line(body->data, body->len);
}

/* A peer that answered the HTTP/1.1 GET with an HTTP/2 frame speaks only
 * HTTP/2 there (nghttpd --no-tls): ask it the same over HTTP/2 with prior
 * knowledge, within another side request's bounds (runner_run_bound_ms). */
static void fetch_version_h2(target *t, int timeout_ms) {
  http_once h = {t->host, t->port, timeout_ms, clock_now_ms() + SIDE_GET_MS(timeout_ms),
                 GET_MAX_BYTES, NULL, NULL, NULL};
  buf body;
  buf_init(&body, GET_MAX_BYTES);
  int status = 0;
  char err[256];
  if (http_once_h2_get(&h, t->url, t->version_path, &status, &body, err, sizeof err))
    take_version(t, status, &body);
  buf_free(&body);
}

/* 502, 503, 504: a gateway that could not get an answer from its upstream
 * this time (RFC 9110 §15.6.3-5), not the page's answer. */
static int gateway_error(int status) {
  return status == 502 || status == 503 || status == 504;
}

/* GET version_path (or / just for the Server header). Failures leave version
 * NULL: an unreachable server is an error cell later, not a fatal error here.
 * A proxy's gateway error is asked once more (the GET is idempotent, RFC 9110
 * §9.2.2): a proxy whose first connection to a backend failed must not leave
 * the report without the version it tested. At most two version requests, as
 * for an HTTP/2-only peer (the two never both happen; runner_run_bound_ms). */
static void fetch_version(target *t, int timeout_ms) {
  h1_parser p;
  int h2_frame = 0;
  const char *path = t->version_path ? t->version_path : "/";
  int answered = http_get(t, path, timeout_ms, &p, &h2_frame);
  if (answered && gateway_error(p.resp.status)) {
    http1_parse_free(&p);
    answered = http_get(t, path, timeout_ms, &p, &h2_frame);
  }
  if (answered) {
    const char *server = http1_parse_header_get(&p.resp, "Server");
    if (server)
      t->server_header = first_line(server, strlen(server));
    if (t->version_path)
      take_version(t, p.resp.status, &p.resp.body);
  } else if (h2_frame && t->version_path) {
    fetch_version_h2(t, timeout_ms);
  }
  http1_parse_free(&p);
}

/* GET patch_path: the diff of a proposed fix, which the target serves about
 * itself, so the report shows exactly what was changed. Kept as bytes (cut
 * at PATCH_MAX); results.c turns them into text. Any failure: no patch. */
static void fetch_patch(target *t, int timeout_ms) {
  if (!t->patch_path)
    return;
  h1_parser p;
  if (http_get(t, t->patch_path, timeout_ms, &p, NULL) && p.resp.status >= 200 &&
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
  http1_parse_free(&p);
}

int runner_in_run(const run *r, int idx) { return !r->in_run || r->in_run[idx]; }

/* A shard fetches the versions of the targets it has cells of: merge takes
 * each target's from the shards that ran it. */
static int target_in_run(const run *r, int t) {
  for (int s = 0; s < r->nscenarios; s++)
    if (runner_in_run(r, t * r->nscenarios + s))
      return 1;
  return 0;
}

static void version_work(pool *p, int idx) {
  if (!target_in_run(p->r, idx))
    return;
  fetch_version(&p->r->targets[idx], p->o->timeout_ms);
  fetch_patch(&p->r->targets[idx], p->o->timeout_ms);
}

/* ---- cells ---------------------------------------------------------------- */

/* Time the engine may take for a cell: each request may use a full timeout,
 * plus connect and slack; the engines stop at this deadline. */
static int64_t cell_budget_ms(const scenario *sc, int timeout_ms) {
  return (int64_t)timeout_ms * (sc->nrequests + 2);
}

/* ---- the bounds (docs/formats.md, "Time bounds"): each phase of a cell has
 * its own deadline, so a cell's time is at most the sum of its phases'. */

static int64_t reset_phase_ms(const target *t, int timeout_ms) {
  return t && t->reset_url ? SIDE_GET_MS(timeout_ms) + BACKEND_RESET_SETTLE_MS : 0;
}

int64_t runner_cell_bound_ms(const scenario *sc, const target *t, int timeout_ms) {
  int64_t ms = reset_phase_ms(t, timeout_ms) + cell_budget_ms(sc, timeout_ms);
  if (sc->has_calibrate)
    ms += CAL_MS(timeout_ms) + BACKEND_LOG_GRACE_MS + reset_phase_ms(t, timeout_ms);
  if (sc->measure_loss && sc->engine == ENGINE_RAW)
    ms += 3 * cell_budget_ms(sc, timeout_ms);     /* k, k - 1, k + 1 */
  if (t && t->backend_log_url)
    ms += BACKEND_LOG_GRACE_MS + SIDE_GET_MS(timeout_ms);
  return ms;
}

int64_t runner_run_bound_ms(const run *r, int timeout_ms, int jobs) {
  int j = jobs < 1 ? 1 : jobs;
  /* per target: the version page (twice for an HTTP/2-only peer or after a
   * gateway error), the patch */
  int64_t ms = (int64_t)((r->ntargets + j - 1) / j) * 3 * SIDE_GET_MS(timeout_ms);
  for (int t = 0; t < r->ntargets; t++)
    for (int s = 0; s < r->nscenarios; s++)
      ms += runner_cell_bound_ms(&r->scenarios[s], &r->targets[t], timeout_ms);
  return ms;
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

/* The loss check (docs/formats.md, "The loss check"): when request i failed
 * after request p on the same connection, and a server that read p's body a
 * second time would have eaten k = len(p's body) bytes of what followed, the
 * claim "k bytes were lost" is tested so that it can fail. Three replays on
 * new connections, in the scenario's own sending mode, put k, k - 1 and
 * k + 1 filler bytes before request i: only when k gives the expected
 * answer and k - 1 and k + 1 do not is the count confirmed. A server that
 * never answers pipelined requests fails the first replay; one that accepts
 * any bytes as a method answers all three alike. Otherwise the cell says
 * what was seen (loss_seen) and claims no count. */
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
  const char *mode = sc->send == SEND_PIPELINED ? "pipelined" : "sequential";
  long fill[3] = {k, k - 1, k + 1};
  char seen[3][160];
  int rv[3], t;
  for (t = 0; t < 3; t++) {
    engine_opts o = {timeout_ms, clock_now_ms() + cell_budget_ms(sc, timeout_ms)};
    rv[t] = engine_raw_replay_loss(c, &o, i, fill[t], seen[t], sizeof seen[t]);
    if (rv[t] != (t == 0 ? LOSS_MATCH : LOSS_WRONG))
      break;
  }
  char head[96];
  snprintf(head, sizeof head, "a %s replay with %ld filler bytes before request %d",
           mode, k, i + 1);
  if (t == 3) {
    c->lost_bytes = k;
    snprintf(c->loss_evidence, sizeof c->loss_evidence, "%s was answered as "
             "expected, with %ld and with %ld it was not", head, k - 1, k + 1);
  } else if (t == 0) {
    snprintf(c->loss_seen, sizeof c->loss_seen, "loss check: %s %s; no byte count "
             "is claimed", head, seen[0]);
  } else if (rv[t] == LOSS_MATCH) {
    snprintf(c->loss_seen, sizeof c->loss_seen, "loss check: %s was answered as "
             "expected, and so was one with %ld: the answer does not depend on how "
             "many bytes came before it, so no byte count is claimed", head, fill[t]);
  } else {
    snprintf(c->loss_seen, sizeof c->loss_seen, "loss check: %s was answered as "
             "expected, but the replay with %ld %s; no byte count is claimed", head,
             fill[t], seen[t]);
  }
  transcript_note(&c->tx, "loss-check", "loss check: %s", c->lost_bytes >= 0
                  ? c->loss_evidence : c->loss_seen + strlen("loss check: "));
  transcript_note(&c->tx, "loss-check", "loss check with %ld filler bytes: %s", k,
                  c->lost_bytes >= 0 ? "confirmed" : "not confirmed");
}

/* "requires": a request the target cannot make meaningful is not sent (and
 * not judged); the transcript says why. */
static void mark_skipped(cell *c) {
  const scenario *sc = c->sc;
  for (int i = 0; i < sc->nrequests; i++) {
    sc_requires need = sc->requests[i].requires;
    int met = need == REQUIRES_NONE ||
              (need == REQUIRES_PROXY && c->tg && c->tg->behind_proxy) ||
              (need == REQUIRES_BACKEND_LOG && c->tg && c->tg->backend_log_url);
    if (met)
      continue;
    c->skipped[i] = 1;
    transcript_note(&c->tx, sc->requests[i].connection, "request %d (%s %.60s) is "
                    "not sent: it requires %s, which this target has not", i + 1,
                    sc->requests[i].method, sc->requests[i].path,
                    need == REQUIRES_PROXY ? "a reverse proxy in front of the server "
                    "(targets info.proxy)" : "a backend log (targets "
                    "info.backend_log_url)");
  }
}

/* The backend's log entries for this cell's tag, after a short grace (the
 * backend completes an entry just after it answers). A failed fetch leaves
 * backend_log NULL and says why in the transcript. */
static void fetch_backend_log(cell *c, int timeout_ms) {
  if (!c->tg || !c->tg->backend_log_url || !c->tag[0])
    return;
  clock_sleep_ms(BACKEND_LOG_GRACE_MS);
  char err[512];
  int dropped = 0;
  c->backend_log = backend_log_fetch(c->tg, c->tag, timeout_ms,
                                     clock_now_ms() + SIDE_GET_MS(timeout_ms), &dropped,
                                     err, sizeof err);
  if (!c->backend_log)
    transcript_note(&c->tx, "backend-log", "backend log not available: %s", err);
  else
    transcript_note(&c->tx, "backend-log", "backend log: %d entries for tag %s%s",
                    cJSON_GetArraySize(c->backend_log), c->tag,
                    dropped ? " (more were dropped: over the probe's cap)" : "");
}

/* info.backend_reset_url: before the cell's first byte, the backend closes
 * every other connection (a desynced one an earlier cell left in the proxy's
 * pool would eat the start of this cell's request), then the proxy gets a
 * moment to notice. Part of the cell: its time counts, its notes are in the
 * transcript. A failed reset is noted and the cell runs anyway. */
static void reset_backend(cell *c, int timeout_ms) {
  if (!c->tg || !c->tg->reset_url)
    return;
  char err[512];
  long closed = -1;
  if (backend_log_reset(c->tg, timeout_ms, &closed, err, sizeof err) != 0) {
    transcript_note(&c->tx, "reset", "backend reset failed: %s; the cell runs anyway "
                    "(a connection an earlier cell left in the proxy's pool may still "
                    "be there)", err);
    return;
  }
  if (closed == 0) {                /* nothing closed: nothing for the proxy to notice */
    transcript_note(&c->tx, "reset", "backend reset: GET %s: the backend closed no "
                    "other connection (none open, or it closes none), nothing to wait "
                    "for", c->tg->reset_url);
    return;
  }
  char n[32] = "an unknown number of";
  if (closed > 0)
    snprintf(n, sizeof n, "%ld", closed);
  transcript_note(&c->tx, "reset", "backend reset: GET %s closed %s other "
                  "connection(s) to the backend; waiting %d ms so the proxy drops "
                  "them before the cell's first request", c->tg->reset_url, n,
                  BACKEND_RESET_SETTLE_MS);
  clock_sleep_ms(BACKEND_RESET_SETTLE_MS);
}

void runner_run_cell(cell *c, int timeout_ms, int64_t run_t0, uint64_t run_ms, int idx) {
  int64_t t0 = clock_now_ms();
  c->start_ms = t0 - run_t0;
  c->tx.t0_ms = t0;                  /* transcript times count from here */
  if (!c->tag[0])
    cell_make_tag(c->tag, 'c', run_ms, (unsigned)idx);
  if (!c->inst && cell_instantiate(c) != 0)
    transcript_note(&c->tx, "probe", "out of memory: the cell runs the catalogue "
                    "scenario, {cell} not replaced");
  mark_skipped(c);
  reset_backend(c, timeout_ms);
  engine_opts cal = {timeout_ms, clock_now_ms() + CAL_MS(timeout_ms)};
  /* The calibration request leaves an idle upstream connection in a pooling
   * proxy. Left there, the cell's first client may or may not be given it
   * (HAProxy keeps idle connections per thread), and the scenario's clients
   * would then share one upstream connection only by chance: reset again so
   * every cell starts from an empty pool. */
  if (calibrate_cell(c, &cal))
    reset_backend(c, timeout_ms);
  engine_opts o = {timeout_ms, clock_now_ms() + cell_budget_ms(c->sc, timeout_ms)};
  engine_run(c, &o);
  measure_loss(c, timeout_ms);
  fetch_backend_log(c, timeout_ms);
  verdict_decide(c);
  c->total_ms = clock_now_ms() - t0;
}

/* ---- the cell pool: one cell per lane at a time ------------------------- */

int runner_target_serial(const target *t) {
  return shard_target_serial(t->direct, t->behind_proxy, t->reset_url || t->backend_log_url,
                             t->isolation_group);
}

/* The shard unit of cell (t, s) (shard.h): its isolation group, else its
 * target when the target's cells run in order, else the target with the
 * scenario's control (or the scenario itself). */
int runner_cell_shard(const run *r, int t, int s, int n) {
  const target *tg = &r->targets[t];
  const scenario *sc = &r->scenarios[s];
  const char *root = runner_target_serial(tg) ? NULL : sc->control ? sc->control : sc->id;
  return shard_of(shard_unit_hash(tg->isolation_group, tg->name, root), n);
}

/* A lane is the unit of serialization: the targets naming one
 * info.isolation_group (they share a backend), or a serial target on its
 * own (runner_target_serial), or one cell of a target without shared
 * upstream state. order[start[g] .. start[g + 1]) are lane g's cells: its
 * targets in targets-file order, each target's cells in catalogue order.
 * Lanes are numbered longest first, so the long chains (the critical path)
 * are taken first and the single cells fill in around them. */
typedef struct cell_pool {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  run *r;
  const runner_opts *o;
  int64_t t0;
  uint64_t run_ms;
  int ngroups;
  int *group_of;       /* per cell: its lane */
  int *order;          /* cell indexes, by lane (see above) */
  int *start;          /* per lane, + 1 sentinel: where its cells begin in order */
  int *next;           /* per lane: position of its next cell in order */
  int *busy;           /* per lane: a worker is running one of its cells */
  int first;           /* lanes before it have no cell left */
  int remaining;       /* cells not started yet */
  int done;
} cell_pool;


/* The chain of target t: that of the first earlier target naming the same
 * isolation_group, else a new one; -1 for a target whose cells are lanes of
 * their own. */
static int find_chain(const run *r, const int *chain_of, int t, int *nchains) {
  const char *name = r->targets[t].isolation_group;
  for (int u = 0; name && u < t; u++)
    if (r->targets[u].isolation_group && strcmp(r->targets[u].isolation_group, name) == 0)
      return chain_of[u];
  return runner_target_serial(&r->targets[t]) ? (*nchains)++ : -1;
}

/* Appends lane g's cells (chain c, or the single cell one) to order. */
static void fill_lane(cell_pool *p, const int *chain_of, int c, int one, int *pos) {
  const run *r = p->r;
  int g = p->ngroups++;
  p->start[g] = p->next[g] = *pos;
  for (int t = 0; c >= 0 && t < r->ntargets; t++)
    for (int s = 0; chain_of[t] == c && s < r->nscenarios; s++)
      if (runner_in_run(r, t * r->nscenarios + s))
        p->order[(*pos)++] = t * r->nscenarios + s;
  if (c < 0)
    p->order[(*pos)++] = one;
  for (int k = p->start[g]; k < *pos; k++)
    p->group_of[p->order[k]] = g;
  if (*pos == p->start[g])
    p->ngroups--;                    /* a chain with no cell in this shard */
}

/* Chains sorted by length, longest first (ties: first in the file). */
static void sort_chains(int *ids, const int *len, int n) {
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && len[ids[j]] > len[ids[j - 1]]; j--) {
      int tmp = ids[j];
      ids[j] = ids[j - 1];
      ids[j - 1] = tmp;
    }
}

/* Fills group_of, start and order. Returns 0, or -1 out of memory. */
static int make_groups(cell_pool *p) {
  const run *r = p->r;
  int nt = r->ntargets, ns = r->nscenarios, nchains = 0, pos = 0, rc = -1;
  int *chain_of = calloc((size_t)nt, sizeof *chain_of);
  int *len = calloc((size_t)nt, sizeof *len), *ids = calloc((size_t)nt, sizeof *ids);
  p->group_of = calloc((size_t)r->ncells, sizeof *p->group_of);
  p->order = calloc((size_t)r->ncells, sizeof *p->order);
  p->start = calloc((size_t)r->ncells + 1, sizeof *p->start);
  p->next = calloc((size_t)r->ncells, sizeof *p->next);
  p->busy = calloc((size_t)r->ncells, sizeof *p->busy);
  if (chain_of && len && ids && p->group_of && p->order && p->start && p->next && p->busy) {
    for (int t = 0; t < nt; t++)
      chain_of[t] = find_chain(r, chain_of, t, &nchains);
    for (int t = 0; t < nt; t++)
      for (int s = 0; chain_of[t] >= 0 && s < ns; s++)
        len[chain_of[t]] += runner_in_run(r, t * ns + s);
    for (int c = 0; c < nchains; c++)
      ids[c] = c;
    sort_chains(ids, len, nchains);
    for (int c = 0; c < nchains; c++)
      fill_lane(p, chain_of, ids[c], -1, &pos);
    for (int i = 0; i < r->ncells; i++)
      if (chain_of[i / ns] < 0 && runner_in_run(r, i))
        fill_lane(p, chain_of, -1, i, &pos);
    p->start[p->ngroups] = pos;
    p->remaining = pos;
    rc = 0;
  }
  free(chain_of);
  free(len);
  free(ids);
  return rc;
}

static void free_groups(cell_pool *p) {
  free(p->group_of);
  free(p->order);
  free(p->start);
  free(p->next);
  free(p->busy);
}

/* Under mu: the next cell of the free lane with the most cells left, or -1.
 * Longest first: a long chain is the run's critical path, so it gets a
 * worker whenever one is free; lanes are numbered by their length, so the
 * scan stops at the first lane that cannot beat the best found. */
static int take_cell(cell_pool *p) {
  int best = -1, best_left = 0;
  while (p->first < p->ngroups && p->next[p->first] == p->start[p->first + 1])
    p->first++;
  for (int g = p->first; g < p->ngroups; g++) {
    int left = p->start[g + 1] - p->next[g];
    if (p->start[g + 1] - p->start[g] <= best_left)
      break;
    if (!p->busy[g] && left > best_left) {
      best = g;
      best_left = left;
    }
  }
  if (best < 0)
    return -1;
  p->busy[best] = 1;
  p->remaining--;
  return p->order[p->next[best]++];
}

static void cell_progress(cell_pool *p, int idx) {
  const cell *c = &p->r->cells[idx];
  fprintf(stderr, "\r[%d/%d] %s × %s: %s\033[K", p->done, p->start[p->ngroups],
          c->tg ? c->tg->name : "?", c->sc->id, verdicts_name(c->verdict));
  fflush(stderr);
}

static void *cell_worker(void *arg) {
  cell_pool *p = arg;
  for (;;) {
    pthread_mutex_lock(&p->mu);
    int idx = -1;
    while (p->remaining > 0 && (idx = take_cell(p)) < 0)
      pthread_cond_wait(&p->cv, &p->mu);   /* every group left is busy */
    pthread_mutex_unlock(&p->mu);
    if (idx < 0)
      return NULL;
    runner_run_cell(&p->r->cells[idx], p->o->timeout_ms, p->t0, p->run_ms, idx);
    pthread_mutex_lock(&p->mu);
    p->busy[p->group_of[idx]] = 0;
    p->done++;
    if (p->o->progress)
      cell_progress(p, idx);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
  }
}

/* Runs every cell: at most min(jobs, groups) workers, one per group at a
 * time; falls back to this thread when threads cannot be created. */
static void run_cells(run *r, const runner_opts *o, int64_t t0, uint64_t run_ms) {
  cell_pool p = {.r = r, .o = o, .t0 = t0, .run_ms = run_ms};
  if (r->ncells == 0 || r->nscenarios == 0)
    return;
  if (make_groups(&p) != 0) {
    fprintf(stderr, "h2c-probe: out of memory for the cell schedule\n");
    free_groups(&p);
    return;
  }
  int jobs = o->jobs < 1 ? 1 : o->jobs > p.ngroups ? p.ngroups : o->jobs;
  if (jobs < 1)
    jobs = 1;                        /* no cell in this shard: one idle worker */
  pthread_t *th = calloc((size_t)jobs, sizeof *th);
  pthread_mutex_init(&p.mu, NULL);
  pthread_cond_init(&p.cv, NULL);
  int started = 0;
  for (int i = 0; th && i < jobs; i++) {
    if (pthread_create(&th[i], NULL, cell_worker, &p) != 0)
      break;
    started++;
  }
  if (started == 0)
    cell_worker(&p);
  for (int i = 0; i < started; i++)
    pthread_join(th[i], NULL);
  pthread_cond_destroy(&p.cv);
  pthread_mutex_destroy(&p.mu);
  free(th);
  free_groups(&p);
}

/* ---- the run -------------------------------------------------------------- */

/* Wall-clock milliseconds: the run's part of every cell tag. */
static uint64_t unix_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

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

/* run --shard K/N: only the cells of shard K are run (and written). */
static int select_shard(run *r, int k, int n) {
  if (n < 2)
    return 0;
  r->in_run = calloc((size_t)(r->ncells ? r->ncells : 1), 1);
  if (!r->in_run)
    return -1;
  for (int t = 0; t < r->ntargets; t++)
    for (int s = 0; s < r->nscenarios; s++)
      r->in_run[t * r->nscenarios + s] = runner_cell_shard(r, t, s, n) == k;
  r->shard_k = k;
  r->shard_n = n;
  return 0;
}

void runner_run(run *r, const runner_opts *o) {
  int64_t t0 = clock_now_ms();
  uint64_t run_ms = unix_ms();       /* the run's part of every cell tag */
  iso_now(r->started, sizeof r->started);
  r->timeout_ms = o->timeout_ms;
  r->jobs = o->jobs;
  if (make_cells(r) != 0 || select_shard(r, o->shard_k, o->shard_n) != 0) {
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

  run_cells(r, o, t0, run_ms);
  runner_compare_controls(r);
  if (o->progress)
    fprintf(stderr, "\r\033[K");
  iso_now(r->finished, sizeof r->finished);
  r->duration_ms = clock_now_ms() - t0;
}

static int scenario_index(const run *r, const char *id) {
  for (int s = 0; id && s < r->nscenarios; s++)
    if (strcmp(r->scenarios[s].id, id) == 0)
      return s;
  return -1;            /* not in this run (--only) */
}

/* Failed, and judged: neither accepted nor n/a. */
static int failed(const cell *c) {
  return c->verdict != V_NA && !cell_accepted(c);
}

/* Appends to the reason, which stays one line under 500 bytes: when both do
 * not fit, the reason is cut (never inside a UTF-8 sequence) before an
 * ellipsis, so the addition is always read. */
static void append_reason(cell *c, const char *add) {
  static const char ell[] = "…";
  size_t len = strlen(c->reason), n = strlen(add), max = 499;
  if (n + sizeof ell > max)
    return;
  if (len + n > max) {
    len = max - n - (sizeof ell - 1);
    while (len > 0 && ((unsigned char)c->reason[len] & 0xc0) == 0x80)
      len--;
    memcpy(c->reason + len, ell, sizeof ell - 1);
    len += sizeof ell - 1;
  }
  memcpy(c->reason + len, add, n + 1);
}

void runner_compare_controls(run *r) {
  for (int t = 0; t < r->ntargets; t++) {
    for (int s = 0; s < r->nscenarios; s++) {
      int k = scenario_index(r, r->scenarios[s].control);
      if (k < 0)
        continue;
      cell *c = &r->cells[t * r->nscenarios + s];
      const cell *ctl = &r->cells[t * r->nscenarios + k];
      if (!runner_in_run(r, t * r->nscenarios + s) || !runner_in_run(r, t * r->nscenarios + k))
        continue;                    /* one shard unit holds both: never here */
      int i = verdict_first_failure(c);
      if (!failed(c) || !failed(ctl) || ctl->verdict != c->verdict ||
          verdict_first_failure(ctl) != i)
        continue;
      char add[300];
      snprintf(add, sizeof add, " — the control %s (the same requests without the "
               "upgrade headers) fails the same way on this target (%s at request "
               "%d): the failure is not caused by the upgrade headers", ctl->sc->id,
               verdicts_name(ctl->verdict), i + 1);
      append_reason(c, add);
    }
  }
}

void runner_free(run *r) {
  for (int i = 0; i < r->ncells; i++)
    cell_free(&r->cells[i]);
  free(r->cells);
  free(r->in_run);
  scenario_free_all(r->scenarios, r->nscenarios);
  for (int i = 0; i < r->ntargets; i++)
    target_free(&r->targets[i]);
  free(r->targets);
  cJSON_Delete(r->attachments);
  memset(r, 0, sizeof *r);
}

void runner_count(const run *r, int *ok, int *na, int *security) {
  *ok = *na = *security = 0;
  for (int i = 0; i < r->ncells; i++) {
    if (!runner_in_run(r, i))
      continue;
    if (r->cells[i].verdict == V_NA)
      (*na)++;
    else
      *ok += cell_accepted(&r->cells[i]);
    *security += r->cells[i].security;
  }
}
