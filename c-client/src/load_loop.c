/* load_loop.c - one thread of `h2c-probe load`: its own epoll set over its
 * share of the connections, events dispatched to the victim or attacker
 * code, and every TICK_US a pass over its connections for what no event
 * announces (a deadline that passed, a connection to open, an attack that
 * is due). The loop ends at the run's hard end, or once the request count
 * is reached and nothing is in flight; whatever is still in flight then is
 * counted as unfinished. */
#include "load_int.h"

#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#define TICK_US 1000
#define MAX_EVENTS 256

static int64_t mono_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t load_now_us(const load_shared *sh) {
  return mono_us() - sh->t0_us;
}

static void on_event(lthread *t, lconn *c, uint32_t ev) {
  if (c->state == LC_CONNECTING) {
    int k = load_conn_connected(c);
    if (k == 0)
      return;
    if (k < 0) {
      t->r.connect_failures++;
      load_conn_close(t, c, t->now + 10000);
      return;
    }
    c->attacker ? load_attacker_ready(t, c) : load_victim_ready(t, c);
    if (c->state != LC_OPEN)
      return;
  }
  if (c->state != LC_OPEN)
    return;
  c->hup = (ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;
  if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
    c->attacker ? load_attacker_readable(t, c) : load_victim_readable(t, c);
  else if ((ev & EPOLLOUT) && c->wlen > c->woff && load_conn_flush(c) != 0)
    c->attacker ? load_attacker_readable(t, c) : load_victim_gone(t, c);
}

static int tick(lthread *t) {
  int busy = 0;
  for (int i = 0; i < t->nc; i++) {
    lconn *c = &t->c[i];
    c->attacker ? load_attacker_tick(t, c) : load_victim_tick(t, c);
    busy |= !c->attacker && (c->fl_n > 0 || c->state == LC_CONNECTING);
  }
  return busy;
}

void *load_loop_main(void *arg) {
  lthread *t = arg;
  struct epoll_event ev[MAX_EVENTS];
  int64_t next_tick = 0;
  for (;;) {
    t->now = load_now_us(t->sh);
    if (t->now >= t->sh->end_us)
      break;
    if (t->now >= next_tick) {
      if (!tick(t) && t->sh->stop)
        break;
      next_tick = t->now + TICK_US;
    }
    int64_t wait_us = next_tick - t->now;
    int n = epoll_wait(t->ep, ev, MAX_EVENTS, (int)((wait_us + 999) / 1000));
    for (int i = 0; i < n; i++) {
      t->now = load_now_us(t->sh);
      on_event(t, ev[i].data.ptr, ev[i].events);
    }
  }
  for (int i = 0; i < t->nc; i++)
    if (!t->c[i].attacker)
      load_victim_finish(t, &t->c[i]);
    else
      load_conn_close(t, &t->c[i], 0);
  return NULL;
}
