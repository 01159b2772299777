/* load_attacker.c - one attacker connection of `h2c-probe load`. Attacker j
 * of A sends attack k at t0 + delay + (k*A + j) / rate, each on a new
 * connection (a new client: the scenario's attacker reads its answer and
 * leaves), and notes the status it got. An attack gets its number when its
 * bytes go out; from then on the victim requests sent are counted against
 * it (load_victim.c), until the next attack goes out. */
#include "load_int.h"

#include <string.h>

#include "load_h1.h"

/* When this connection's attack k is due. */
static int64_t due_k(const lthread *t, const lconn *c, long long k) {
  const load_opts *o = t->sh->o;
  double slot = (double)(k * o->attackers + c->idx) / o->attack_rate;
  return (int64_t)o->attack_delay_ms * 1000 + (int64_t)(slot * 1e6);
}

static int64_t due_us(const lthread *t, const lconn *c) {
  return due_k(t, c, c->attack_k);
}

/* The newest attack number, never moved back by a slower thread. */
static void publish(load_shared *sh, int idx) {
  int cur = __atomic_load_n(&sh->last_attack, __ATOMIC_RELAXED);
  while (idx > cur && !__atomic_compare_exchange_n(&sh->last_attack, &cur, idx, 0,
                                                   __ATOMIC_RELEASE, __ATOMIC_RELAXED))
    ;
}

static void done(lthread *t, lconn *c) {
  c->attack = -1;
  c->attack_k++;
  load_conn_close(t, c, due_us(t, c));
}

void load_attacker_ready(lthread *t, lconn *c) {
  load_shared *sh = t->sh;
  c->state = LC_OPEN;
  int idx = __atomic_fetch_add(&sh->nattacks, 1, __ATOMIC_RELAXED);
  if (idx >= sh->max_attacks) {
    load_conn_close(t, c, sh->end_us + 1);      /* no more attacks this run */
    return;
  }
  c->attack = idx;
  sh->attacks[idx].t_us = t->now;
  memcpy(c->wbuf, sh->o->trigger, sh->o->trigger_len);
  c->wlen = sh->o->trigger_len;
  c->wait_since_us = t->now;
  publish(sh, idx);
  if (load_conn_flush(c) != 0)
    done(t, c);
}

void load_attacker_readable(lthread *t, lconn *c) {
  for (;;) {
    int eof, drained, n = load_conn_read(c, &eof, &drained);
    if (n < 0 || (n == 0 && !eof))
      break;
    load_h1_msg m;
    int r = load_h1_scan(c->rbuf, c->rlen, 0, eof, &m);
    if (r == LOAD_H1_DONE && c->attack >= 0)
      t->sh->attacks[c->attack].status = m.status;
    if (r != LOAD_H1_MORE || eof) {
      done(t, c);
      return;
    }
    if (drained && !c->hup)
      break;
  }
  if (c->rlen == LOAD_RBUF)
    done(t, c);
  else if (load_conn_flush(c) != 0)
    done(t, c);
}

void load_attacker_tick(lthread *t, lconn *c) {
  int64_t deadline = (int64_t)t->sh->o->deadline_ms * 1000;
  if (c->state == LC_IDLE && t->now >= c->retry_us && t->now < t->sh->end_us) {
    if (load_conn_start(t, c) != 0) {
      t->r.connect_failures++;
      c->attack_k++;
      c->retry_us = due_us(t, c);
    }
  } else if (c->state == LC_CONNECTING && t->now > c->conn_deadline_us) {
    t->r.connect_failures++;
    done(t, c);
  } else if (c->state == LC_OPEN && (t->now - c->wait_since_us > deadline ||
                                     t->now >= due_k(t, c, c->attack_k + 1))) {
    done(t, c);                      /* no (complete) answer in time */
  }
}
