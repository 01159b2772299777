/* load_victim.c - one victim connection of `h2c-probe load`: keeps `depth`
 * requests in flight (each with its own token, written into the request
 * template in place: no allocation per request), classifies each answer as
 * it completes, and after any answer that is not its own gives the
 * connection up (its framing can no longer be trusted) and opens a new one.
 * Only the request at the head of the line is classified when a connection
 * fails; the others it had sent are counted as unfinished. */
#include "load_int.h"

#include <string.h>

#include "load_h1.h"

#define RETRY_AFTER_FAIL_US 10000   /* a refused connect is not retried in a loop */

static int send_one(lthread *t, lconn *c) {
  const load_shared *sh = t->sh;
  if (sh->o->requests > 0) {
    long long before = __atomic_fetch_add(&t->sh->sent, 1, __ATOMIC_RELAXED);
    if (before + 1 >= sh->o->requests)
      t->sh->stop = 1;               /* this is the last one: nobody reconnects for more */
    if (before >= sh->o->requests)
      return -1;
  }
  int slot = (c->fl_head + c->fl_n) % LOAD_MAX_DEPTH;
  lflight *f = &c->fl[slot];
  f->seq = c->next_seq++;
  f->t_us = t->now;
  f->attack = __atomic_load_n(&t->sh->last_attack, __ATOMIC_ACQUIRE);
  f->done = 0;
  f->stream = 0;
  c->fl_n++;
  t->r.sent++;
  if (c->h2)
    return load_h2_submit(t, c, slot);
  if (c->woff) {                     /* keep the unsent bytes at the front */
    memmove(c->wbuf, c->wbuf + c->woff, c->wlen - c->woff);
    c->wlen -= c->woff;
    c->woff = 0;
  }
  memcpy(c->wbuf + c->wlen, sh->vreq, sh->vreq_len);
  if (sh->token_off)
    load_token_write(c->wbuf + c->wlen + sh->token_off, sh->run_id, c->idx, f->seq);
  c->wlen += sh->vreq_len;
  return 0;
}

/* Tops the connection up to depth requests in flight and writes them. */
static void fill(lthread *t, lconn *c) {
  while (!c->done && !t->sh->stop && c->fl_n < t->sh->o->depth)
    if (send_one(t, c) != 0)
      c->done = t->sh->stop;
  if (c->h2 && load_h2_feed(t, c) != 0) {
    load_victim_fail(t, c, LOAD_ERROR);
    return;
  }
  if (load_conn_flush(c) != 0)
    load_victim_gone(t, c);
}

static int scan_h1(lthread *t, lconn *c, int eof);

/* fill, then the bytes that were already waiting (an answer nobody had
 * asked for yet is the next request's answer now). */
static void fill_and_scan(lthread *t, lconn *c) {
  fill(t, c);
  if (!c->h2 && c->state == LC_OPEN && c->rlen > 0)
    scan_h1(t, c, 0);
}

void load_victim_ready(lthread *t, lconn *c) {
  c->state = LC_OPEN;
  if (t->sh->o->proto == LOAD_H2C && load_h2_open(t, c) != 0) {
    load_conn_close(t, c, t->now + RETRY_AFTER_FAIL_US);
    t->r.connect_failures++;
    return;
  }
  fill_and_scan(t, c);
}

static void count(lthread *t, const lflight *f, load_class k, int from_attacker) {
  t->r.by_class[k]++;
  if (k == LOAD_CROSSED)
    from_attacker ? t->r.crossed_attacker++ : t->r.crossed_victim++;
  if (f->attack < 0)
    t->r.before_attack[k]++;
  else
    __atomic_fetch_add(&t->sh->attacks[f->attack].failed[k], 1, __ATOMIC_RELAXED);
}

/* Gives the connection up: the head of the line gets why (when not yet
 * classified), the rest are unfinished; a new connection follows. */
static void drop(lthread *t, lconn *c, int64_t retry_us) {
  t->r.unfinished += (uint64_t)c->fl_n;
  load_conn_close(t, c, retry_us);
}

/* The peer closed or reset the connection: the head of the line is
 * closed when not one byte of its answer had come, else no_answer. */
void load_victim_gone(lthread *t, lconn *c) {
  load_victim_fail(t, c, c->rlen == 0 ? LOAD_CLOSED : LOAD_NO_ANSWER);
}

void load_victim_fail(lthread *t, lconn *c, load_class why) {
  if (c->fl_n > 0) {
    lflight *f = &c->fl[c->fl_head];
    if (!f->done) {
      count(t, f, why, 0);
      t->r.status_count[0] += why == LOAD_ERROR;   /* no answer we could read */
    }
    c->fl_head = (c->fl_head + 1) % LOAD_MAX_DEPTH;
    c->fl_n--;
  }
  drop(t, c, t->now);
}

/* Frees the answered slots at the head of the line. */
static void pop_done(lconn *c) {
  while (c->fl_n > 0 && c->fl[c->fl_head].done) {
    c->fl_head = (c->fl_head + 1) % LOAD_MAX_DEPTH;
    c->fl_n--;
  }
}

void load_victim_answer(lthread *t, lconn *c, int slot, const load_answer *a) {
  lflight *f = &c->fl[slot];
  int from_attacker;
  load_class k = load_classify(a, &t->sh->o->expect, t->sh->token_off != 0, t->sh->run_id,
                               c->idx, f->seq, &from_attacker);
  load_hist_add(&t->r.latency, (uint64_t)(t->now - f->t_us));
  count(t, f, k, from_attacker);
  f->done = 1;
  if (k != LOAD_OK) {
    t->r.status_count[load_status_slot(a, k)]++;
    pop_done(c);
    drop(t, c, t->now);
    return;
  }
  pop_done(c);
}

/* Every complete answer in rbuf, in order. 1: the connection was closed. */
static int scan_h1(lthread *t, lconn *c, int eof) {
  while (c->state == LC_OPEN && c->rlen > 0 && c->fl_n > 0) {
    load_h1_msg m;
    int r = load_h1_scan(c->rbuf, c->rlen, 0, eof, &m);
    if (r == LOAD_H1_MORE)
      return 0;
    if (r == LOAD_H1_BAD) {
      load_answer bad = {0, NULL, 0};
      load_victim_answer(t, c, c->fl_head, &bad);
      return 1;
    }
    if (m.status >= 100 && m.status < 200 && m.status != 101) {
      memmove(c->rbuf, c->rbuf + m.used, c->rlen - m.used);
      c->rlen -= m.used;
      continue;                      /* an interim answer: the final one follows */
    }
    load_answer a = {m.status, m.body, m.body_len};
    int slot = c->fl_head;
    load_victim_answer(t, c, slot, &a);
    if (c->state != LC_OPEN)
      return 1;
    memmove(c->rbuf, c->rbuf + m.used, c->rlen - m.used);
    c->rlen -= m.used;
    if (m.close || m.status == 101) {
      drop(t, c, t->now);
      return 1;
    }
  }
  return 0;
}

void load_victim_readable(lthread *t, lconn *c) {
  for (;;) {
    int eof, drained, n = load_conn_read(c, &eof, &drained);
    if (n < 0) {
      if (c->rlen == LOAD_RBUF)
        load_victim_fail(t, c, LOAD_ERROR);
      else
        load_victim_gone(t, c);
      return;
    }
    if (n > 0 || eof) {
      if (c->h2 ? load_h2_feed(t, c) != 0 : scan_h1(t, c, eof)) {
        if (c->state == LC_OPEN)
          load_victim_fail(t, c, LOAD_ERROR);
        return;
      }
      if (c->state != LC_OPEN)
        return;                      /* an answer gave the connection up */
    }
    if (eof) {
      if (c->fl_n > 0)
        load_victim_gone(t, c);
      else
        drop(t, c, t->now);
      return;
    }
    if (n == 0 || (drained && !c->hup))
      break;
  }
  if (c->state == LC_OPEN)
    fill_and_scan(t, c);
}

void load_victim_tick(lthread *t, lconn *c) {
  const load_opts *o = t->sh->o;
  int64_t deadline = (int64_t)o->deadline_ms * 1000;
  if (c->state == LC_IDLE && !c->done && !t->sh->stop && t->now >= c->retry_us) {
    if (load_conn_start(t, c) != 0) {
      t->r.connect_failures++;
      c->retry_us = t->now + RETRY_AFTER_FAIL_US;
    }
  } else if (c->state == LC_CONNECTING && t->now > c->conn_deadline_us) {
    t->r.connect_failures++;
    load_conn_close(t, c, t->now + RETRY_AFTER_FAIL_US);
  } else if (c->state == LC_OPEN && c->fl_n > 0 && t->now - c->fl[c->fl_head].t_us > deadline) {
    load_victim_fail(t, c, LOAD_NO_ANSWER);
  } else if (c->state == LC_OPEN && c->fl_n == 0 && (c->done || t->sh->stop)) {
    load_conn_close(t, c, t->now);
  }
}

void load_victim_finish(lthread *t, lconn *c) {
  drop(t, c, t->now);
}

int load_victim_slot(lconn *c, int32_t stream) {
  for (int i = 0; i < c->fl_n; i++) {
    int s = (c->fl_head + i) % LOAD_MAX_DEPTH;
    if (c->fl[s].stream == stream && !c->fl[s].done)
      return s;
  }
  return -1;
}
