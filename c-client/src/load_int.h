/* load_int.h - the inside of `h2c-probe load` (load.h), shared by its files:
 * the state every thread sees (load_shared), one connection (lconn) and one
 * thread with its own epoll loop and its own counts (lthread), merged into
 * the report only at the end, so the hot path takes no lock. */
#ifndef H2C_LOAD_INT_H
#define H2C_LOAD_INT_H

#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>

#include "load.h"

typedef struct load_shared {
  const load_opts *o;
  uint32_t run_id;               /* names this run in every token */
  int64_t t0_us, end_us;         /* the start and the hard end */
  struct sockaddr_storage addr;
  socklen_t addrlen;
  char *vreq;                    /* one victim request (HTTP/1.1 bytes) */
  size_t vreq_len, token_off;    /* where its token goes; token_off 0: none */
  long long sent;                /* victim requests sent (atomic) */
  int nattacks;                  /* attacks assigned (atomic) */
  int last_attack;               /* the newest attack sent, -1: none (atomic) */
  load_attack *attacks;          /* max_attacks entries */
  int max_attacks;
  volatile int stop;             /* the count of requests was reached */
} load_shared;

typedef enum { LC_IDLE = 0, LC_CONNECTING, LC_OPEN } lc_state;

typedef struct lflight {
  uint64_t seq;
  int64_t t_us;                  /* sent */
  int attack;                    /* the newest attack when it was sent, -1 none */
  int32_t stream;                /* h2c: its stream; h1: 0 */
  int done;                      /* h2c: answered, slot not yet freed */
} lflight;

struct load_h2;

typedef struct lconn {
  int fd, attacker;
  uint32_t idx;                  /* victims 0..V-1, attackers 0..A-1 */
  lc_state state;
  char *rbuf, *wbuf;
  size_t rlen, wlen, woff, wcap;
  lflight fl[LOAD_MAX_DEPTH];
  int fl_head, fl_n;
  uint64_t next_seq;
  int64_t retry_us;              /* idle: (re)connect from this time on */
  int64_t conn_deadline_us;      /* connecting: give up at this time */
  int64_t wait_since_us;         /* attacker: its trigger went out */
  int attack;                    /* attacker: the attack in flight, -1 none */
  long long attack_k;            /* attacker: attacks this connection made */
  int done;                      /* victim: no more requests to send */
  int hup;                       /* the last event said the peer closed: read to EOF */
  struct load_h2 *h2;
} lconn;

typedef struct lthread {
  load_shared *sh;
  lconn *c;
  int nc;
  int ep;
  int64_t now;                   /* us since t0, refreshed per event */
  load_report r;                 /* this thread's counts (no attacks list) */
  pthread_t th;
  char err[128];
} lthread;

int64_t load_now_us(const load_shared *sh);

/* load_conn.c: sockets */
int load_conn_start(lthread *t, lconn *c);       /* non-blocking connect */
int load_conn_connected(lconn *c);               /* 1 ok, 0 not yet, -1 failed */
int load_conn_flush(lconn *c);                   /* 0, or -1 (peer gone) */
int load_conn_read(lconn *c, int *eof, int *drained); /* bytes read (>=0), -1 error */
void load_conn_close(lthread *t, lconn *c, int64_t retry_us);

/* load_victim.c */
void load_victim_ready(lthread *t, lconn *c);    /* connected: send */
void load_victim_readable(lthread *t, lconn *c);
void load_victim_tick(lthread *t, lconn *c);     /* deadlines, reconnects */
void load_victim_answer(lthread *t, lconn *c, int slot, const load_answer *a);
void load_victim_fail(lthread *t, lconn *c, load_class why);
void load_victim_gone(lthread *t, lconn *c);     /* the peer closed: closed or no_answer */
void load_victim_finish(lthread *t, lconn *c);   /* the run ends: unfinished */
int load_victim_slot(lconn *c, int32_t stream);  /* h2c: the slot of a stream */

/* load_attacker.c */
void load_attacker_ready(lthread *t, lconn *c);
void load_attacker_readable(lthread *t, lconn *c);
void load_attacker_tick(lthread *t, lconn *c);

/* load_h2.c: h2c with prior knowledge (nghttp2), for victims */
int load_h2_open(lthread *t, lconn *c);          /* preface + SETTINGS queued */
int load_h2_submit(lthread *t, lconn *c, int slot);
int load_h2_feed(lthread *t, lconn *c);          /* rbuf consumed; -1: broken */
void load_h2_close(lconn *c);

#endif
