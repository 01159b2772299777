/* load_run.c - load_run (load.h): checks the options against the bounds,
 * resolves the target once, builds the victim request template, shares the
 * connections out to the threads round-robin (victims first, then
 * attackers), runs the threads and merges their counts into the report. */
#include "load_int.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

void *load_loop_main(void *arg);

static int fail(char *err, size_t errlen, const char *msg) {
  snprintf(err, errlen, "%s", msg);
  return -1;
}

static int check_opts(const load_opts *o, char *err, size_t errlen) {
  if (o->victims < 1 || o->attackers < 0 || o->victims + o->attackers > LOAD_MAX_CONNS)
    return fail(err, errlen, "connections: 1 or more victims, victims + attackers at most 20000");
  if (o->depth < 1 || o->depth > LOAD_MAX_DEPTH)
    return fail(err, errlen, "depth: 1-64 requests in flight per connection");
  if (o->duration_ms < 1 || o->duration_ms > LOAD_MAX_DURATION_MS)
    return fail(err, errlen, "duration: 1-600000 ms");
  if (o->deadline_ms < 1 || o->deadline_ms > LOAD_MAX_DURATION_MS)
    return fail(err, errlen, "deadline: 1-600000 ms");
  if (o->attackers > 0 && (!o->trigger || o->trigger_len == 0 || o->trigger_len > LOAD_MAX_TRIGGER))
    return fail(err, errlen, "attackers need a trigger request of 1 byte to 64 KiB");
  if (o->attackers > 0 && !(o->attack_rate > 0 && o->attack_rate <= 10000))
    return fail(err, errlen, "attack rate: more than 0, at most 10000 per second");
  if (o->attackers > 0 && o->attack_rate * o->duration_ms / 1000.0 > LOAD_MAX_ATTACKS)
    return fail(err, errlen, "attack rate x duration: at most 100000 attacker requests per run");
  return 0;
}

static int resolve(const load_opts *o, load_shared *sh, char *err, size_t errlen) {
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
  int rc = getaddrinfo(o->host, o->port, &hints, &ai);
  if (rc != 0 || !ai || ai->ai_addrlen > sizeof sh->addr) {
    snprintf(err, errlen, "cannot resolve %s:%s: %s", o->host, o->port,
             rc ? gai_strerror(rc) : "no address");
    if (ai)
      freeaddrinfo(ai);
    return -1;
  }
  memcpy(&sh->addr, ai->ai_addr, ai->ai_addrlen);
  sh->addrlen = ai->ai_addrlen;
  freeaddrinfo(ai);
  return 0;
}

/* The victim request: POST /echo with the token as its body (the echo
 * app's contract), or a GET of victim_path judged by its status. */
static int build_vreq(const load_opts *o, load_shared *sh) {
  char head[1024];
  int n = o->victim_path
      ? snprintf(head, sizeof head, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", o->victim_path,
                 o->authority)
      : snprintf(head, sizeof head, "POST /echo HTTP/1.1\r\nHost: %s\r\nContent-Type: "
                 "text/plain\r\nContent-Length: %d\r\n\r\n", o->authority, LOAD_TOKEN_LEN);
  if (n <= 0 || (size_t)n >= sizeof head)
    return -1;
  size_t body = o->victim_path ? 0 : LOAD_TOKEN_LEN;
  sh->vreq = malloc((size_t)n + body);
  if (!sh->vreq)
    return -1;
  memcpy(sh->vreq, head, (size_t)n);
  sh->vreq_len = (size_t)n + body;
  sh->token_off = body ? (size_t)n : 0;
  if (body)
    load_token_write(sh->vreq + n, sh->run_id, 0, 0);
  return 0;
}

static uint32_t run_id(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint32_t)(ts.tv_nsec ^ (ts.tv_sec << 12) ^ ((uint32_t)getpid() << 20));
}

static int make_conns(const load_opts *o, const load_shared *sh, lconn *all) {
  for (int i = 0; i < o->victims + o->attackers; i++) {
    lconn *c = &all[i];
    c->fd = -1;
    c->attacker = i >= o->victims;
    c->idx = (uint32_t)(c->attacker ? i - o->victims : i);
    c->attack = -1;
    c->wcap = c->attacker ? o->trigger_len : (size_t)o->depth * sh->vreq_len;
    if (o->proto == LOAD_H2C && !c->attacker)
      c->wcap += 65536;              /* nghttp2's frames */
    c->rbuf = malloc(LOAD_RBUF);
    c->wbuf = malloc(c->wcap);
    if (!c->rbuf || !c->wbuf)
      return -1;
    if (c->attacker)
      c->retry_us = (int64_t)o->attack_delay_ms * 1000 +
                    (int64_t)((double)c->idx / o->attack_rate * 1e6);
  }
  return 0;
}

static void merge(load_report *r, const load_report *p) {
  r->sent += p->sent;
  r->unfinished += p->unfinished;
  for (int k = 0; k < LOAD_NCLASS; k++) {
    r->by_class[k] += p->by_class[k];
    r->before_attack[k] += p->before_attack[k];
  }
  for (int k = 0; k < LOAD_STATUS_SLOTS; k++)
    r->status_count[k] += p->status_count[k];
  r->crossed_victim += p->crossed_victim;
  r->crossed_attacker += p->crossed_attacker;
  r->connects += p->connects;
  r->connect_failures += p->connect_failures;
  load_hist_merge(&r->latency, &p->latency);
}

static int threads_for(const load_opts *o) {
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  int n = o->threads > 0 ? o->threads : (int)(cores > 0 ? cores : 1);
  if (n > LOAD_MAX_THREADS)
    n = LOAD_MAX_THREADS;
  return n > o->victims + o->attackers ? o->victims + o->attackers : n;
}

/* Runs the threads over the connections; -1 when none could start. */
static int run_threads(load_shared *sh, lconn *all, int nall, lthread *th, int nt) {
  lconn *sorted = calloc((size_t)nall, sizeof *sorted);
  if (!sorted)
    return -1;
  int pos = 0;                        /* thread k's connections side by side */
  for (int k = 0; k < nt; k++) {
    th[k].c = &sorted[pos];
    for (int i = k; i < nall; i += nt)
      sorted[pos++] = all[i];
    th[k].nc = (int)(&sorted[pos] - th[k].c);
  }
  memcpy(all, sorted, (size_t)nall * sizeof *all);
  for (int k = 0; k < nt; k++)
    th[k].c = all + (th[k].c - sorted);
  free(sorted);
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  sh->t0_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
  sh->end_us = (int64_t)sh->o->duration_ms * 1000;
  int started = 0;
  for (int k = 0; k < nt; k++) {
    th[k].sh = sh;
    th[k].ep = epoll_create1(EPOLL_CLOEXEC);
    if (th[k].ep >= 0 && pthread_create(&th[k].th, NULL, load_loop_main, &th[k]) == 0)
      started++;
    else
      th[k].nc = -1;
  }
  for (int k = 0; k < nt; k++) {
    if (th[k].nc >= 0)
      pthread_join(th[k].th, NULL);
    if (th[k].ep >= 0)
      close(th[k].ep);
  }
  return started == nt ? 0 : -1;
}

int load_run(const load_opts *o, load_report *r, char *err, size_t errlen) {
  memset(r, 0, sizeof *r);
  if (check_opts(o, err, errlen) != 0)
    return -1;
  load_shared sh;
  memset(&sh, 0, sizeof sh);
  sh.o = o;
  sh.run_id = o->run_id ? o->run_id : run_id();
  sh.last_attack = -1;
  sh.max_attacks = o->attackers ? (int)(o->attack_rate * o->duration_ms / 1000.0) + 2 : 0;
  if (resolve(o, &sh, err, errlen) != 0)
    return -1;
  int nall = o->victims + o->attackers, nt = threads_for(o), rc = -1;
  lconn *all = calloc((size_t)nall, sizeof *all);
  lthread *th = calloc((size_t)nt, sizeof *th);
  sh.attacks = calloc((size_t)sh.max_attacks + 1, sizeof *sh.attacks);
  if (!all || !th || !sh.attacks || build_vreq(o, &sh) != 0 || make_conns(o, &sh, all) != 0)
    fail(err, errlen, "out of memory");
  else if (run_threads(&sh, all, nall, th, nt) != 0)
    fail(err, errlen, "cannot start the load threads");
  else
    rc = 0;
  for (int k = 0; rc == 0 && k < nt; k++)
    merge(r, &th[k].r);
  r->threads = nt;
  r->duration_us = sh.t0_us ? load_now_us(&sh) : 0;   /* as measured */
  r->nattacks = sh.nattacks < sh.max_attacks ? sh.nattacks : sh.max_attacks;
  r->attacks = sh.attacks;
  for (int i = 0; all && i < nall; i++) {
    free(all[i].rbuf);
    free(all[i].wbuf);
  }
  free(all);
  free(th);
  free(sh.vreq);
  return rc;
}

void load_report_free(load_report *r) {
  free(r->attacks);
  r->attacks = NULL;
}
