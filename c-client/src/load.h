/* load.h - `h2c-probe load`: how far one attacker's requests reach on a busy
 * site. V victim connections send keep-alive requests, each carrying a token
 * of its own that the echo app sends back; A attacker connections send a
 * trigger request (a request of a scenario file: data, not C) at a given
 * rate. Every victim request is classified from the bytes that came back
 * (load_classify.h); the run reports requests per second, latency
 * percentiles and, per attacker request, the victim requests that failed or
 * were crossed after it. Event-driven (non-blocking sockets, one epoll loop
 * per thread, one thread per core); everything is bounded: connections,
 * buffers, the run's duration, each request's deadline. */
#ifndef H2C_LOAD_H
#define H2C_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "load_classify.h"
#include "load_stats.h"

#define LOAD_MAX_CONNS 20000       /* victims + attackers */
#define LOAD_MAX_THREADS 64
#define LOAD_MAX_DEPTH 64          /* requests in flight per victim connection */
#define LOAD_MAX_DURATION_MS 600000
#define LOAD_MAX_ATTACKS 100000    /* attacker requests one run may send */
#define LOAD_MAX_TRIGGER (64u * 1024u)
#define LOAD_RBUF 16384            /* read buffer per connection: the largest
                                      answer one connection may hold at once */

typedef enum { LOAD_H1 = 0, LOAD_H2C } load_proto;

typedef struct load_opts {
  const char *host, *port, *authority;
  load_proto proto;
  int victims, attackers, threads, depth;
  int duration_ms;               /* the run never lasts longer */
  long long requests;            /* victim requests to send, 0: until duration */
  int deadline_ms;               /* per request: no answer after this long */
  double attack_rate;            /* attacker requests per second, all attackers */
  int attack_delay_ms;           /* first attack this long after the start */
  const char *victim_path;       /* NULL: POST /echo with the token (echo app);
                                    else GET of this path, judged by status */
  const char *trigger;           /* the attacker's request bytes (HTTP/1.1) */
  size_t trigger_len;
  load_expect expect;            /* what a crossed answer looks like */
  uint32_t run_id;               /* names the run in the tokens; 0: a random one */
} load_opts;

/* One attacker request and the damage seen after it. */
typedef struct load_attack {
  int64_t t_us;                  /* sent, from the run's start */
  int status;                    /* its own answer's, 0: none */
  uint32_t failed[LOAD_NCLASS];  /* victim requests sent after it (before the
                                    next attack) per class; [LOAD_OK] unused */
} load_attack;

typedef struct load_report {
  int64_t duration_us;
  uint64_t sent, unfinished;     /* victim requests; unfinished: in flight at the end */
  uint64_t by_class[LOAD_NCLASS];
  uint64_t crossed_victim, crossed_attacker;
  uint64_t connects, connect_failures;
  load_hist latency;             /* answered victim requests */
  uint64_t status_count[LOAD_STATUS_SLOTS]; /* non-ok answers by status slot */
  load_attack *attacks;          /* sent attacks, in order; malloc'd */
  int nattacks;
  uint64_t before_attack[LOAD_NCLASS]; /* victim requests sent before the first attack */
  int threads;
} load_report;

/* Runs one load run; 0, or -1 with err (an option the run cannot honour,
 * out of memory, no thread). A server that is down is not an error: its
 * requests are classified. The caller frees r with load_report_free. */
int load_run(const load_opts *o, load_report *r, char *err, size_t errlen);
void load_report_free(load_report *r);

#endif
