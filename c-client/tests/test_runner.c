/* test_runner.c - the runner against a fake lab on loopback: targets are
 * listening ports of one slow echo server that also serves a backend log
 * and a backend reset (GET /__lab/reset).
 *
 * Checks what the runner promises: cells of one target never overlap (the
 * server counts requests in flight per port) and run in catalogue order,
 * different targets do run at the same time, every cell gets its own tag
 * ({cell} on the wire), targets with a backend_log_url get their log entries
 * fetched (by tag), a "calibrate" scenario is sized from the log when there
 * is one and from the wire otherwise, and a "requires": "proxy" request is
 * only sent to the target whose info names a proxy. With isolation groups:
 * no two cells of one group overlap (the server counts requests in flight
 * per group too), other groups run at the same time, a group's cells run in
 * a fixed order, and a target with a backend_reset_url has the backend reset
 * right before each of its cells (a failed reset is noted, not fatal), and
 * again after a calibration request sent through it. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "backend_log.h"
#include "check.h"
#include "clock.h"
#include "results.h"
#include "runner.h"
#include "test_tmp.h"
#include "script_server.h"
#include "transcript.h"

#define NPORTS 4              /* ports 0,1 are fake group 0; 2,3 group 1 */
#define MAX_CONNS 64
#define MAX_RECORDS 256
#define SLOW_MS 60            /* every answer but the log's waits this long */

typedef struct record { int port_idx; char method[8], path[160], cell[32]; size_t head_len; } record;

typedef struct fake {
  int lfd[NPORTS], port[NPORTS];
  pthread_t acceptor[NPORTS];
  pthread_t conns[MAX_CONNS];
  int nconns;
  volatile int stop;
  pthread_mutex_t mu;
  int active[NPORTS], max_active[NPORTS];
  int group_active[NPORTS / 2], group_max[NPORTS / 2];  /* ports 2g and 2g+1 */
  record rec[MAX_RECORDS];
  int nrec;
} fake;

typedef struct conn_arg { fake *f; int fd, port_idx; } conn_arg;


/* Reads until the head is complete and the Content-Length body is there.
 * Returns the bytes in `in` (head + body) or -1 on EOF/timeout. */
static int read_request(int fd, char *in, size_t cap, size_t *head_len, size_t *total) {
  size_t n = 0;
  for (;;) {
    char *end = memmem(in, n, "\r\n\r\n", 4);
    if (end) {
      *head_len = (size_t)(end - in) + 4;
      const char *cl = memmem(in, *head_len, "Content-Length: ", 16);
      size_t body = cl ? (size_t)atol(cl + 16) : 0;
      if (n >= *head_len + body) {
        *total = *head_len + body;
        return 0;
      }
    }
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (n == cap || poll(&p, 1, 3000) <= 0)
      return -1;
    ssize_t r = recv(fd, in + n, cap - n, 0);
    if (r <= 0)
      return -1;
    n += (size_t)r;
  }
}

static void header_value(const char *head, size_t n, const char *name, char *out, size_t cap) {
  out[0] = '\0';
  const char *h = memmem(head, n, name, strlen(name));
  if (!h)
    return;
  h += strlen(name);
  size_t len = strcspn(h, "\r\n");
  snprintf(out, cap, "%.*s", (int)len, h);
}

/* GET /__lab/reset: recorded (cell "RESET") in arrival order with the
 * requests; /__lab/reset answers that it closed 2 connections,
 * /__lab/reset-none that there was nothing to close. */
static void send_reset(fake *f, int fd, int port_idx, const char *req) {
  int none = strncmp(req, "GET /__lab/reset-none ", 22) == 0;
  pthread_mutex_lock(&f->mu);
  if (f->nrec < MAX_RECORDS) {
    record *r = &f->rec[f->nrec++];
    memset(r, 0, sizeof *r);
    r->port_idx = port_idx;
    snprintf(r->method, sizeof r->method, "GET");
    snprintf(r->path, sizeof r->path, "/__lab/reset");
    snprintf(r->cell, sizeof r->cell, "RESET");
  }
  pthread_mutex_unlock(&f->mu);
  const char *body = none ? "{\"closed\": 0, \"supported\": true}\n"
                          : "{\"server\": \"gevent\", \"closed\": 2, \"supported\": true}\n";
  char head[128];
  int hn = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n",
                    strlen(body));
  send(fd, head, (size_t)hn, MSG_NOSIGNAL);
  send(fd, body, strlen(body), MSG_NOSIGNAL);
}

/* The log answer: every recorded request whose cell is the asked tag. */
static void send_log(fake *f, int fd, const char *tag) {
  buf b;
  buf_init(&b, 1u << 20);
  MUST_BUF(buf_adds(&b, "{\"format\":\"fake\",\"entries\":["));
  pthread_mutex_lock(&f->mu);
  int first = 1;
  for (int i = 0; i < f->nrec; i++) {
    const record *r = &f->rec[i];
    if (strcmp(r->cell, tag) != 0)
      continue;
    MUST_BUF(buf_printf(&b, "%s{\"kind\":\"request\",\"seq\":%d,\"method\":\"%s\",\"path\":\"%s\","
               "\"cell\":\"%s\",\"head_len\":%zu,\"peer\":\"127.0.0.1:%d\",\"status\":200}",
               first ? "" : ",", i + 1, r->method, r->path, r->cell, r->head_len, 40000 + i));
    first = 0;
  }
  pthread_mutex_unlock(&f->mu);
  MUST_BUF(buf_adds(&b, "]}"));
  char head[128];
  int hn = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", b.len);
  send(fd, head, (size_t)hn, MSG_NOSIGNAL);
  send(fd, b.data, b.len, MSG_NOSIGNAL);
  buf_free(&b);
}

static void record_request(fake *f, int port_idx, const char *req, size_t head_len) {
  pthread_mutex_lock(&f->mu);
  if (f->nrec < MAX_RECORDS) {
    record *r = &f->rec[f->nrec++];
    r->port_idx = port_idx;
    r->head_len = head_len;
    sscanf(req, "%7s %159s", r->method, r->path);
    header_value(req, head_len, "X-Lab-Cell: ", r->cell, sizeof r->cell);
  }
  pthread_mutex_unlock(&f->mu);
}

/* One client connection: answer requests until EOF. */
static void *serve_conn(void *arg) {
  conn_arg a = *(conn_arg *)arg;
  free(arg);
  fake *f = a.f;
  static __thread char req[65536];
  size_t head_len, total;
  while (!f->stop && read_request(a.fd, req, sizeof req, &head_len, &total) == 0) {
    if (strncmp(req, "GET /__lab/requests?cell=", 25) == 0) {
      char tag[32];
      sscanf(req + 25, "%31[a-z0-9]", tag);
      send_log(f, a.fd, tag);
      continue;
    }
    if (strncmp(req, "GET /__lab/reset", 16) == 0) {
      send_reset(f, a.fd, a.port_idx, req);
      continue;
    }
    record_request(f, a.port_idx, req, head_len);
    /* in flight per group: cells' requests only (they carry X-Lab-Cell), not
     * the version fetches the runner makes for every target at once first */
    char tagged[32];
    header_value(req, head_len, "X-Lab-Cell: ", tagged, sizeof tagged);
    int g = tagged[0] ? a.port_idx / 2 : -1;
    pthread_mutex_lock(&f->mu);
    if (++f->active[a.port_idx] > f->max_active[a.port_idx])
      f->max_active[a.port_idx] = f->active[a.port_idx];
    if (g >= 0 && ++f->group_active[g] > f->group_max[g])
      f->group_max[g] = f->group_active[g];
    pthread_mutex_unlock(&f->mu);
    clock_sleep_ms(SLOW_MS);
    char head[128];
    int hn = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n",
                      total - head_len);
    pthread_mutex_lock(&f->mu);
    f->active[a.port_idx]--;
    if (g >= 0)
      f->group_active[g]--;
    pthread_mutex_unlock(&f->mu);
    send(a.fd, head, (size_t)hn, MSG_NOSIGNAL);
    send(a.fd, req + head_len, total - head_len, MSG_NOSIGNAL);
  }
  close(a.fd);
  return NULL;
}

static void *accept_loop(void *arg) {
  fake *f = ((conn_arg *)arg)->f;
  int idx = ((conn_arg *)arg)->port_idx;
  free(arg);
  while (!f->stop) {
    struct pollfd p = {.fd = f->lfd[idx], .events = POLLIN};
    if (poll(&p, 1, 50) != 1)
      continue;
    int fd = accept(f->lfd[idx], NULL, NULL);
    if (fd < 0)
      continue;
    conn_arg *ca = malloc(sizeof *ca);
    *ca = (conn_arg){f, fd, idx};
    pthread_mutex_lock(&f->mu);
    int slot = f->nconns < MAX_CONNS ? f->nconns++ : -1;
    pthread_mutex_unlock(&f->mu);
    if (slot < 0 || pthread_create(&f->conns[slot], NULL, serve_conn, ca) != 0) {
      close(fd);
      free(ca);
    }
  }
  return NULL;
}

static int fake_start(fake *f) {
  memset(f, 0, sizeof *f);
  pthread_mutex_init(&f->mu, NULL);
  for (int i = 0; i < NPORTS; i++) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    f->lfd[i] = socket(AF_INET, SOCK_STREAM, 0);
    if (f->lfd[i] < 0 || bind(f->lfd[i], (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(f->lfd[i], 16) != 0 || getsockname(f->lfd[i], (struct sockaddr *)&a, &len) != 0)
      return -1;
    f->port[i] = ntohs(a.sin_port);
    conn_arg *ca = malloc(sizeof *ca);
    *ca = (conn_arg){f, -1, i};
    if (pthread_create(&f->acceptor[i], NULL, accept_loop, ca) != 0)
      return -1;
  }
  return 0;
}

static void fake_stop(fake *f) {
  f->stop = 1;
  for (int i = 0; i < NPORTS; i++)
    pthread_join(f->acceptor[i], NULL);
  for (int i = 0; i < f->nconns; i++)
    pthread_join(f->conns[i], NULL);
  for (int i = 0; i < NPORTS; i++)
    close(f->lfd[i]);
  pthread_mutex_destroy(&f->mu);
}

/* ---- the run ------------------------------------------------------------- */

static char dir[64];

static int write_file(const char *name, const char *text) {
  return test_tmp_write(dir, name, text);
}

/* The run's scenarios: fixtures/scenarios-runner/ (s1 echoes {cell} in its
 * body, s2 a plain echo, s3 calibrates, embeds a request and has a request
 * that requires a proxy). */
#define RUNNER_SCENARIOS "fixtures/scenarios-runner"

static int write_lab(const fake *f) {
  snprintf(dir, sizeof dir, "/tmp/h2c-test-runner-XXXXXX");
  if (!mkdtemp(dir))
    return -1;
  char targets[1024];
  snprintf(targets, sizeof targets,
           "{\"targets\":[{\"name\":\"via-proxy\",\"url\":\"http://127.0.0.1:%d\",\"info\":"
           "{\"proxy\":\"fake\",\"backend_log_url\":\"http://127.0.0.1:%d/__lab/requests\"}},"
           "{\"name\":\"direct\",\"url\":\"http://127.0.0.1:%d\"}]}",
           f->port[0], f->port[0], f->port[1]);
  return write_file("targets.lab", targets);
}

static int recorded_cell(fake *f, const char *tag) {
  int n = 0;
  pthread_mutex_lock(&f->mu);
  for (int i = 0; i < f->nrec; i++)
    n += strcmp(f->rec[i].cell, tag) == 0;
  pthread_mutex_unlock(&f->mu);
  return n;
}

static int overlap(const cell *a, const cell *b) {
  return a->start_ms < b->start_ms + b->total_ms && b->start_ms < a->start_ms + a->total_ms;
}

TEST(serial_per_target_parallel_across_targets) {
  fake f;
  CHECK_INT(fake_start(&f), 0);
  CHECK_INT(write_lab(&f), 0);
  run r;
  memset(&r, 0, sizeof r);
  char err[512], path[160];
  snprintf(path, sizeof path, "%s/targets.lab", dir);
  CHECK_INT(target_load_file(path, &r.targets, &r.ntargets, err, sizeof err), 0);
  r.nscenarios = scenario_load_dir(RUNNER_SCENARIOS, &r.scenarios, err, sizeof err);
  CHECK_INT(r.nscenarios, 3);
  runner_opts o = {.timeout_ms = 1000, .jobs = 4};
  runner_run(&r, &o);
  fake_stop(&f);

  int ns = r.nscenarios;
  const target *proxy = &r.targets[0];
  CHECK(proxy->behind_proxy && proxy->backend_log_url && !r.targets[1].behind_proxy);
  CHECK_INT(r.ncells, 6);
  /* the server never had two requests of one target in flight */
  CHECK_INT(f.max_active[0], 1);
  CHECK_INT(f.max_active[1], 1);
  int cross = 0;
  for (int t = 0; t < 2; t++)
    for (int s = 0; s < ns; s++) {
      const cell *c = &r.cells[t * ns + s];
      if (c->verdict != V_OK_H1)
        fprintf(stderr, "  %s x %s: %s: %s\n", c->tg->name, c->sc->id,
                verdicts_name(c->verdict), c->reason);
      CHECK_INT(c->verdict, V_OK_H1);
      CHECK_INT(strlen(c->tag), SC_TAG_LEN);
      CHECK(recorded_cell(&f, c->tag) >= 1);       /* {cell} went out as the tag */
      if (s > 0)                                   /* catalogue order, no overlap */
        CHECK(r.cells[t * ns + s - 1].start_ms + r.cells[t * ns + s - 1].total_ms <=
              c->start_ms);
      for (int u = 0; u < ns; u++)
        cross += t == 0 && overlap(c, &r.cells[ns + u]);
      for (int k = 0; k < t * ns + s; k++)
        CHECK(strcmp(r.cells[k].tag, c->tag) != 0);
    }
  CHECK(cross > 0);                                /* the two targets ran together */
  /* s1 body carried the tag: the echo matched, so it was substituted */
  CHECK(strstr(r.cells[0].ex[0].body.data, r.cells[0].tag) != NULL);

  /* backend log: fetched by tag for the proxy target only */
  const cell *p1 = &r.cells[0], *d1 = &r.cells[ns];
  CHECK(cJSON_IsArray(p1->backend_log));
  CHECK_INT(cJSON_GetArraySize(p1->backend_log), 1);
  CHECK(backend_log_entry_is(p1->backend_log->child, "cell", p1->tag));
  CHECK(d1->backend_log == NULL);

  /* calibration: from the log behind the "proxy", from the wire directly */
  const cell *p3 = &r.cells[2], *d3 = &r.cells[ns + 2];
  long want_p = (long)scenario_request_head_len(p3->sc, 1, proxy->authority);
  long want_d = (long)scenario_request_head_len(d3->sc, 1, r.targets[1].authority);
  CHECK(p3->cal.done && d3->cal.done);
  CHECK_STR(p3->cal.source, "backend-log");
  CHECK_STR(d3->cal.source, "wire");
  CHECK_INT(p3->cal.head_len, want_p);
  CHECK_INT(d3->cal.head_len, want_d);
  CHECK_INT(p3->sc->requests[0].body.len, want_p);
  CHECK_INT(d3->sc->requests[0].body.len, want_d);
  /* the catalogue scenario itself was not resized */
  CHECK_INT(r.scenarios[2].requests[0].body.len, 1);
  /* requires proxy: sent to the proxy target, skipped on the direct one */
  CHECK(!p3->skipped[2] && p3->ex[2].outcome == OUT_ANSWERED);
  CHECK(d3->skipped[2] && d3->ex[2].outcome == OUT_PENDING);

  runner_free(&r);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK_INT(system(cmd), 0);
}


/* Four targets on ports 0-3: g1a, g1b share group "g1" and the backend
 * reset on port 0 (g1a also has a backend log, so its calibration goes
 * through it); g2a, g2b share "g2", g2a's reset has nothing to close, g2b's
 * fails (nobody listens). */
static int write_groups(const fake *f) {
  char targets[2048];
  snprintf(targets, sizeof targets, "{\"targets\":["
           "{\"name\":\"g1a\",\"url\":\"http://127.0.0.1:%d\",\"info\":{\"isolation_group\":"
           "\"g1\",\"backend_reset_url\":\"http://127.0.0.1:%d/__lab/reset\","
           "\"backend_log_url\":\"http://127.0.0.1:%d/__lab/requests\"}},"
           "{\"name\":\"g1b\",\"url\":\"http://127.0.0.1:%d\",\"info\":{\"isolation_group\":"
           "\"g1\",\"backend_reset_url\":\"http://127.0.0.1:%d/__lab/reset\"}},"
           "{\"name\":\"g2a\",\"url\":\"http://127.0.0.1:%d\",\"info\":{\"isolation_group\":"
           "\"g2\",\"backend_reset_url\":\"http://127.0.0.1:%d/__lab/reset-none\"}},"
           "{\"name\":\"g2b\",\"url\":\"http://127.0.0.1:%d\",\"info\":{\"isolation_group\":"
           "\"g2\",\"backend_reset_url\":\"http://127.0.0.1:%d/__lab/reset\"}}]}",
           f->port[0], f->port[0], f->port[0], f->port[1], f->port[0], f->port[2], f->port[2],
           f->port[3], script_server_dead_port());
  return write_file("groups.lab", targets);
}

/* The transcript has a note under label whose text contains what. */
static int has_note(const cell *c, const char *label, const char *what) {
  for (size_t i = 0; i < c->tx.count; i++) {
    const tx_event *e = &c->tx.events[i];
    if (e->dir == TX_NOTE && strcmp(e->conn, label) == 0 && e->data && strstr(e->data, what))
      return 1;
  }
  return 0;
}

/* Of the requests the fake saw on ports lo..hi (arrival order), the one
 * just before the first carrying tag is a reset. */
static int reset_right_before(fake *f, int lo, int hi, const char *tag) {
  int prev = -1, ok = 0;
  pthread_mutex_lock(&f->mu);
  for (int i = 0; i < f->nrec; i++) {
    if (f->rec[i].port_idx < lo || f->rec[i].port_idx > hi)
      continue;
    if (strcmp(f->rec[i].cell, tag) == 0) {
      ok = prev >= 0 && strcmp(f->rec[prev].cell, "RESET") == 0;
      break;
    }
    prev = i;
  }
  pthread_mutex_unlock(&f->mu);
  return ok;
}

/* Of the requests the fake saw on ports lo..hi, the calibration request of
 * the cell tagged tag (its tag with 'k' for the first letter) came between
 * two resets: the second clears the upstream connection it leaves in a
 * proxy's pool before the cell's own requests. */
static int calibration_between_resets(fake *f, int lo, int hi, const char *tag) {
  char cal[32];
  snprintf(cal, sizeof cal, "k%s", tag + 1);
  int seen[MAX_RECORDS], n = 0, ok = 0;
  pthread_mutex_lock(&f->mu);
  for (int i = 0; i < f->nrec; i++)
    if (f->rec[i].port_idx >= lo && f->rec[i].port_idx <= hi)
      seen[n++] = i;
  for (int k = 1; k + 1 < n; k++)
    if (strcmp(f->rec[seen[k]].cell, cal) == 0) {
      ok = strcmp(f->rec[seen[k - 1]].cell, "RESET") == 0 &&
           strcmp(f->rec[seen[k + 1]].cell, "RESET") == 0;
      break;
    }
  pthread_mutex_unlock(&f->mu);
  return ok;
}

TEST(isolation_groups_and_backend_reset) {
  fake f;
  CHECK_INT(fake_start(&f), 0);
  CHECK_INT(write_lab(&f), 0);
  CHECK_INT(write_groups(&f), 0);
  run r;
  memset(&r, 0, sizeof r);
  char err[512], path[160];
  snprintf(path, sizeof path, "%s/groups.lab", dir);
  CHECK_INT(target_load_file(path, &r.targets, &r.ntargets, err, sizeof err), 0);
  CHECK_STR(r.targets[1].isolation_group, "g1");
  CHECK_STR(r.targets[0].reset_path, "/__lab/reset");
  r.nscenarios = scenario_load_dir(RUNNER_SCENARIOS, &r.scenarios, err, sizeof err);
  CHECK_INT(r.nscenarios, 3);
  runner_opts o = {.timeout_ms = 1000, .jobs = 4};
  runner_run(&r, &o);
  fake_stop(&f);

  int ns = r.nscenarios, cross = 0;
  CHECK_INT(r.ncells, 4 * ns);
  const cell *g1a_s3 = &r.cells[2];        /* g1a x s3, the calibrating scenario */
  CHECK_STR(g1a_s3->sc->id, "s3");
  CHECK_INT(f.group_max[0], 1);          /* never two requests of a group at once */
  CHECK_INT(f.group_max[1], 1);
  for (int i = 0; i < r.ncells; i++) {
    const cell *c = &r.cells[i];
    if (c->verdict != V_OK_H1)
      fprintf(stderr, "  %s x %s: %s: %s\n", c->tg->name, c->sc->id,
              verdicts_name(c->verdict), c->reason);
    CHECK_INT(c->verdict, V_OK_H1);
    for (int k = 0; k < r.ncells; k++) {
      int same_group = i / (2 * ns) == k / (2 * ns);
      if (k != i && same_group)
        CHECK(!overlap(c, &r.cells[k]));   /* cells of one group: one at a time */
      cross += !same_group && overlap(c, &r.cells[k]);
    }
    if (i % (2 * ns) > 0)                  /* fixed order: g1a's cells, then g1b's */
      CHECK(r.cells[i - 1].start_ms + r.cells[i - 1].total_ms <= c->start_ms);
  }
  CHECK(cross > 0);                        /* the two groups ran together */
  for (int i = 0; i < 2 * ns; i++) {       /* group g1: a reset right before each cell */
    const cell *c = &r.cells[i];
    CHECK(recorded_cell(&f, c->tag) >= 1);
    CHECK(reset_right_before(&f, 0, 1, c->tag));
    CHECK(has_note(c, "reset", "closed 2 other connection(s)"));
    char waiting[64];
    snprintf(waiting, sizeof waiting, "waiting %d ms", BACKEND_RESET_SETTLE_MS);
    CHECK(has_note(c, "reset", waiting));
    CHECK(c->total_ms >= BACKEND_RESET_SETTLE_MS);
  }
  int resets = 0;
  for (int i = 0; i < f.nrec; i++)
    resets += strcmp(f.rec[i].cell, "RESET") == 0;
  /* g1a, g1b and g2a: one per cell, and one more after g1a's calibration */
  CHECK_INT(resets, 3 * ns + 1);
  CHECK(g1a_s3->cal.done && strcmp(g1a_s3->cal.source, "backend-log") == 0);
  CHECK(calibration_between_resets(&f, 0, 1, g1a_s3->tag));
  for (int i = 2 * ns; i < 3 * ns; i++) {  /* g2a: answered, nothing to close */
    CHECK(reset_right_before(&f, 2, 3, r.cells[i].tag));
    CHECK(has_note(&r.cells[i], "reset", "closed no other connection"));
  }
  for (int i = 3 * ns; i < 4 * ns; i++)    /* g2b: the reset failed, the cell ran */
    CHECK(has_note(&r.cells[i], "reset", "backend reset failed: GET http://127.0.0.1:"));
  runner_free(&r);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK_INT(system(cmd), 0);
}

/* ... and info.direct, which must be a boolean: a "yes" is no claim the
 * runner may act on. */
TEST(isolation_group_and_reset_url_are_checked_when_loading) {
  static const char *const bad[] = {
      "\"isolation_group\":\"\"", "\"isolation_group\":\"a b\"", "\"isolation_group\":3",
      "\"backend_reset_url\":\"http://h:1\"", "\"backend_reset_url\":\"http://h/r?x=1\"",
      "\"backend_reset_url\":true", "\"direct\":\"yes\"", "\"direct\":1"};
  snprintf(dir, sizeof dir, "/tmp/h2c-test-runner-XXXXXX");
  CHECK(mkdtemp(dir) != NULL);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char doc[256], path[160], err[512] = "";
    snprintf(doc, sizeof doc, "{\"targets\":[{\"name\":\"t\",\"url\":\"http://h:1\","
             "\"info\":{%s}}]}", bad[i]);
    CHECK_INT(write_file("t.json", doc), 0);
    snprintf(path, sizeof path, "%s/t.json", dir);
    target *list = NULL;
    int n = 0;
    int rc = target_load_file(path, &list, &n, err, sizeof err);
    for (int k = 0; k < n; k++)
      target_free(&list[k]);
    free(list);
    const char *want = strstr(bad[i], "isolation") ? "targets[0].info.isolation_group"
                       : strstr(bad[i], "direct") ? "targets[0].info.direct: expected true or false"
                                                  : "targets[0].info.backend_reset_url";
    if (rc != -1 || !strstr(err, want))
      fprintf(stderr, "  %s: rc %d, \"%s\"\n", bad[i], rc, err);
    CHECK(rc == -1 && strstr(err, want));
  }
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK_INT(system(cmd), 0);
}

TEST(backend_log_url_is_checked_when_loading) {
  static const char *const bad[] = {
      "\"ftp://h/x\"", "\"http://h:1\"", "\"http://h:1/x?cell=1\"", "\"http://h:99999/x\"",
      "\"http://h:1/a b\"", "5"};
  snprintf(dir, sizeof dir, "/tmp/h2c-test-runner-XXXXXX");
  CHECK(mkdtemp(dir) != NULL);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char doc[256], path[160], err[512] = "";
    snprintf(doc, sizeof doc, "{\"targets\":[{\"name\":\"t\",\"url\":\"http://h:1\","
             "\"info\":{\"backend_log_url\":%s}}]}", bad[i]);
    CHECK_INT(write_file("t.json", doc), 0);
    snprintf(path, sizeof path, "%s/t.json", dir);
    target *list = NULL;
    int n = 0;
    int rc = target_load_file(path, &list, &n, err, sizeof err);
    for (int k = 0; k < n; k++)
      target_free(&list[k]);
    free(list);
    if (rc != -1 || !strstr(err, "targets[0].info.backend_log_url"))
      fprintf(stderr, "  %s: rc %d, \"%s\"\n", bad[i], rc, err);
    CHECK(rc == -1 && strstr(err, "targets[0].info.backend_log_url"));
  }
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK_INT(system(cmd), 0);
}

/* info.direct: the cells of a direct server run at the same time (each
 * answer takes SLOW_MS, the three cells start together), those of a target
 * that also names a proxy still one at a time; --shard K/2 runs each cell
 * in exactly one of the two runs. */
TEST(direct_targets_in_parallel_and_shards) {
  fake f;
  CHECK_INT(fake_start(&f), 0);
  snprintf(dir, sizeof dir, "/tmp/h2c-test-runner-XXXXXX");
  CHECK(mkdtemp(dir) != NULL);
  char targets[512], path[160], err[512];
  snprintf(targets, sizeof targets,
           "{\"targets\":[{\"name\":\"proxied\",\"url\":\"http://127.0.0.1:%d\",\"info\":"
           "{\"direct\":true,\"proxy\":\"fake\"}},{\"name\":\"direct\",\"url\":"
           "\"http://127.0.0.1:%d\",\"info\":{\"direct\":true}}]}", f.port[0], f.port[1]);
  CHECK_INT(write_file("targets.direct", targets), 0);
  snprintf(path, sizeof path, "%s/targets.direct", dir);
  int ran[2][8] = {{0}};
  for (int k = 0; k <= 2; k++) {          /* 0: unsharded, then 1/2 and 2/2 */
    run r;
    memset(&r, 0, sizeof r);
    CHECK_INT(target_load_file(path, &r.targets, &r.ntargets, err, sizeof err), 0);
    r.nscenarios = scenario_load_dir(RUNNER_SCENARIOS, &r.scenarios, err, sizeof err);
    CHECK(r.targets[1].direct && !runner_target_serial(&r.targets[1]));
    CHECK(runner_target_serial(&r.targets[0]));
    runner_opts o = {.timeout_ms = 1000, .jobs = 8, .shard_k = k, .shard_n = k ? 2 : 0};
    runner_run(&r, &o);
    for (int i = 0; i < r.ncells && k > 0; i++) {
      ran[k - 1][i] = runner_in_run(&r, i);
      CHECK(ran[k - 1][i] == (runner_cell_shard(&r, i / r.nscenarios, i % r.nscenarios, 2) == k));
      CHECK(!ran[k - 1][i] || r.cells[i].verdict == V_OK_H1);
      CHECK(ran[k - 1][i] || !r.cells[i].tag[0]);       /* not run at all */
    }
    for (int i = 0; i < r.ncells && k == 0; i++)
      CHECK_INT(r.cells[i].verdict, V_OK_H1);
    runner_free(&r);
  }
  fake_stop(&f);
  CHECK_INT(f.max_active[0], 1);
  CHECK(f.max_active[1] >= 2);
  for (int i = 0; i < 6; i++)
    CHECK_INT(ran[0][i] + ran[1][i], 1);
  test_tmp_remove(dir);
}

CHECK_MAIN(CASE(serial_per_target_parallel_across_targets),
           CASE(direct_targets_in_parallel_and_shards),
           CASE(isolation_groups_and_backend_reset),
           CASE(isolation_group_and_reset_url_are_checked_when_loading),
           CASE(backend_log_url_is_checked_when_loading))
