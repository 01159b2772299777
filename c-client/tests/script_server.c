/* script_server.c - the scripted loopback server of the unit tests
 * (script_server.h). One acceptor thread hands each connection it accepts
 * to the next SS_ACCEPT of the script; each connection plays its steps in a
 * thread of its own. Waits are cut into short polls so that stop ends them
 * at once, and no wait lasts longer than SS_WAIT_MS. */
#include "script_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SLICE_MS 20

static long long mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Keeps the first failure only: it is the one that explains the others. */
static void fail(script_server *s, const char *fmt, ...) {
  pthread_mutex_lock(&s->mu);
  if (!s->error[0]) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->error, sizeof s->error, fmt, ap);
    va_end(ap);
  }
  pthread_mutex_unlock(&s->mu);
}

/* Waits until fd is readable: 1, 0 on SS_WAIT_MS or stop, -1 on error.
 * After stop it still looks once: what the client sent before it finished
 * (its last bytes, its FIN) counts. */
static int wait_readable(script_server *s, int fd) {
  long long until = mono_ms() + SS_WAIT_MS;
  for (;;) {
    int stopping = s->stop;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = poll(&p, 1, stopping ? 0 : SLICE_MS);
    if (r != 0)
      return r > 0 ? 1 : -1;
    if (stopping || mono_ms() >= until)
      return 0;
  }
}

/* One bounded read into pending: 1, 0 on EOF, -1 on timeout/stop/error. */
static int read_some(ss_conn *c) {
  script_server *s = c->srv;
  size_t room = sizeof c->pending - c->pending_len;
  if (room == 0 || wait_readable(s, c->fd) != 1)
    return -1;
  ssize_t n = recv(c->fd, c->pending + c->pending_len, room, 0);
  if (n <= 0)
    return n == 0 ? 0 : -1;
  pthread_mutex_lock(&s->mu);
  size_t keep = SS_GOT_MAX - s->got_len < (size_t)n ? SS_GOT_MAX - s->got_len : (size_t)n;
  memcpy(s->got + s->got_len, c->pending + c->pending_len, keep);
  s->got_len += keep;
  pthread_mutex_unlock(&s->mu);
  c->pending_len += (size_t)n;
  return 1;
}

static void consume(ss_conn *c, size_t n) {
  memmove(c->pending, c->pending + n, c->pending_len - n);
  c->pending_len -= n;
}

static const char *why_short(int r) {
  return r == 0 ? "the client closed the connection first" : "nothing more arrived in time";
}

static int read_until(ss_conn *c, const ss_step *st, char *why, size_t wlen) {
  for (;;) {
    char *at = st->n ? memmem(c->pending, c->pending_len, st->s, st->n) : c->pending;
    if (at) {
      consume(c, (size_t)(at - c->pending) + st->n);
      return 0;
    }
    int r = read_some(c);
    if (r <= 0) {
      snprintf(why, wlen, "%s (%zu bytes received, not consumed)", why_short(r),
               c->pending_len);
      return -1;
    }
  }
}

static void close_conn(ss_conn *c, int reset) {
  if (c->fd < 0)
    return;
  if (reset) {
    struct linger l = {1, 0};
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  close(c->fd);
  c->fd = -1;
  c->pending_len = 0;
}

/* Drains until EOF (bounded); 0 when the client closed. */
static int wait_eof(ss_conn *c) {
  int r;
  while ((r = read_some(c)) > 0)
    c->pending_len = 0;
  close_conn(c, 0);
  return r == 0 ? 0 : -1;
}

static void sleep_slices(script_server *s, size_t ms) {
  long long until = mono_ms() + (long long)ms;
  while (!s->stop && mono_ms() < until) {
    long long left = until - mono_ms();
    struct timespec ts = {0, (left < SLICE_MS ? left : SLICE_MS) * 1000000L};
    nanosleep(&ts, NULL);
  }
}

static const char *step_name(ss_kind k) {
  switch (k) {
  case SS_READ_UNTIL: return "read_until";
  case SS_READ_N: return "read_n";
  case SS_WRITE: return "write";
  case SS_SLEEP: return "sleep";
  case SS_CLOSE: return "close";
  case SS_RESET: return "reset";
  case SS_WAIT_EOF: return "wait_eof";
  case SS_ECHO: return "echo";
  case SS_REPEAT: return "repeat";
  default: return "?";
  }
}

/* Makes sure pending holds at least n bytes. */
static int need(ss_conn *c, size_t n, char *why, size_t wlen) {
  while (c->pending_len < n) {
    int r = read_some(c);
    if (r <= 0) {
      snprintf(why, wlen, "%s (%zu of %zu bytes)", why_short(r), c->pending_len, n);
      return -1;
    }
  }
  return 0;
}

/* Offset just past the next CRLF at or after from, reading as needed; 0
 * when none came. */
static size_t line_end(ss_conn *c, size_t from, char *why, size_t wlen) {
  for (;;) {
    char *at = memmem(c->pending + from, c->pending_len - from, "\r\n", 2);
    if (at)
      return (size_t)(at - c->pending) + 2;
    if (need(c, c->pending_len + 1, why, wlen) != 0)
      return 0;
  }
}

/* The body of a chunked request whose head ends at off: chunks are moved
 * to body (data after the head, decoded in place). Returns the offset past
 * the last chunk, or 0. */
static size_t dechunk(ss_conn *c, size_t off, char *body, size_t *blen, char *why,
                      size_t wlen) {
  *blen = 0;
  for (;;) {
    size_t eol = line_end(c, off, why, wlen);
    if (!eol)
      return 0;
    size_t size = strtoul(c->pending + off, NULL, 16);
    off = eol;
    if (size == 0)
      return line_end(c, off, why, wlen);   /* the blank line after the last chunk */
    if (*blen + size > sizeof c->pending || need(c, off + size + 2, why, wlen) != 0)
      return 0;
    memcpy(body + *blen, c->pending + off, size);
    *blen += size;
    off += size + 2;
  }
}

static int read_n(ss_conn *c, const ss_step *st, char *why, size_t wlen) {
  if (need(c, st->n, why, wlen) != 0)
    return -1;
  consume(c, st->n);
  return 0;
}

static int echo(ss_conn *c, char *why, size_t wlen) {
  char *at;
  while (!(at = memmem(c->pending, c->pending_len, "\r\n\r\n", 4)))
    if (need(c, c->pending_len + 1, why, wlen) != 0)
      return -1;
  size_t head = (size_t)(at - c->pending) + 4, blen = 0, end = head;
  char *body = malloc(sizeof c->pending);
  if (!body)
    return -1;
  c->pending[head - 1] = '\0';            /* the head as a string (LF was there) */
  const char *cl = strcasestr(c->pending, "\r\ncontent-length:");
  int chunked = strcasestr(c->pending, "\r\ntransfer-encoding:") &&
                strcasestr(c->pending, "chunked");
  c->pending[head - 1] = '\n';
  int rc = -1;
  if (chunked) {
    end = dechunk(c, head, body, &blen, why, wlen);
  } else {
    blen = cl ? strtoul(cl + 17, NULL, 10) : 0;
    end = blen <= sizeof c->pending - head && need(c, head + blen, why, wlen) == 0
              ? head + blen : 0;
    if (end)
      memcpy(body, c->pending + head, blen);
  }
  if (end) {
    consume(c, end);
    char resp[96];
    int n = snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", blen);
    rc = send(c->fd, resp, (size_t)n, MSG_NOSIGNAL) == n &&
         send(c->fd, body, blen, MSG_NOSIGNAL) == (ssize_t)blen ? 0 : -1;
    if (rc)
      snprintf(why, wlen, "send failed: %s", strerror(errno));
  }
  free(body);
  return rc;
}

/* Runs one step; 0, or -1 with why filled. */
static int run_step(ss_conn *c, const ss_step *st, char *why, size_t wlen) {
  if (c->fd < 0 && st->kind != SS_SLEEP) {
    snprintf(why, wlen, "the connection was already closed by the script");
    return -1;
  }
  switch (st->kind) {
  case SS_READ_UNTIL: return read_until(c, st, why, wlen);
  case SS_READ_N: return read_n(c, st, why, wlen);
  case SS_WRITE:
    if (send(c->fd, st->s, st->n, MSG_NOSIGNAL) == (ssize_t)st->n)
      return 0;
    snprintf(why, wlen, "send failed: %s", strerror(errno));
    return -1;
  case SS_ECHO: return echo(c, why, wlen);
  case SS_SLEEP: sleep_slices(c->srv, st->n); return 0;
  case SS_CLOSE: close_conn(c, 0); return 0;
  case SS_RESET: close_conn(c, 1); return 0;
  case SS_WAIT_EOF:
    if (wait_eof(c) == 0)
      return 0;
    snprintf(why, wlen, "the client did not close the connection in time");
    return -1;
  default: return 0;
  }
}

/* SS_REPEAT: the n steps of body again and again; a failing step (a write
 * to a client that left, a read that saw its EOF) ends the loop, not the
 * script: a flood lasts until the client stops listening. */
static void repeat(ss_conn *c, const ss_step *body, size_t n) {
  long long until = mono_ms() + SS_WAIT_MS;
  char why[200];
  while (!c->srv->stop && mono_ms() < until)
    for (size_t i = 0; i < n; i++)
      if (run_step(c, &body[i], why, sizeof why) != 0)
        return;
}

static int ends_connection(ss_kind k) {
  return k == SS_END || k == SS_ACCEPT || k == SS_ACCEPT_ANY;
}

static void *conn_main(void *arg) {
  ss_conn *c = arg;
  int k = 0;
  for (const ss_step *st = c->steps; !ends_connection(st->kind); st++) {
    char why[200] = "";
    k++;
    if (st->kind == SS_REPEAT) {
      repeat(c, st + 1, st->n);
      st += st->n;
      continue;
    }
    if (run_step(c, st, why, sizeof why) != 0) {
      fail(c->srv, "connection %d, step %d (%s): %s", c->index + 1, k,
           step_name(st->kind), why);
      break;
    }
  }
  if (c->fd >= 0)             /* done: the client ends the connection */
    wait_eof(c);
  return NULL;
}

static int accept_one(script_server *s) {
  if (wait_readable(s, s->lfd) != 1)
    return -1;
  return accept(s->lfd, NULL, NULL);
}

/* Starts conns[i] on fd, playing steps. */
static void start_conn(script_server *s, int i, int fd, const ss_step *steps) {
  ss_conn *c = &s->conns[i];
  c->srv = s;
  c->index = i;
  c->steps = steps;
  c->fd = fd;
  c->started = pthread_create(&c->th, NULL, conn_main, c) == 0;
  if (!c->started)
    close_conn(c, 0);
}

/* A connection beyond the scripted ones: it plays SS_ACCEPT_ANY's steps
 * while there is a slot, else it is not in the script (closed, counted). */
static void accept_extra(script_server *s, int fd) {
  int i = s->nscripted + s->nany;
  if (s->any_steps && i < SS_MAX_CONNS) {
    s->nany++;
    start_conn(s, i, fd, s->any_steps);
  } else {
    close(fd);
    s->nextra++;
  }
}

static void *acceptor_main(void *arg) {
  script_server *s = arg;
  for (int i = 0; i < s->nscripted; i++) {
    int fd = accept_one(s);
    if (fd < 0) {
      fail(s, "connection %d of %d was never opened by the client", i + 1, s->nscripted);
      break;
    }
    s->naccepted++;
    start_conn(s, i, fd, s->conns[i].steps);
  }
  while (!s->stop) {          /* SS_ACCEPT_ANY's, or not in the script */
    struct pollfd p = {.fd = s->lfd, .events = POLLIN};
    if (poll(&p, 1, SLICE_MS) == 1) {
      int fd = accept(s->lfd, NULL, NULL);
      if (fd >= 0)
        accept_extra(s, fd);
    }
  }
  return NULL;
}

/* Splits the script into connections: each SS_ACCEPT starts one; an
 * SS_ACCEPT_ANY ends the list (its steps are for every later connection). */
static int index_connections(script_server *s) {
  for (const ss_step *st = s->steps; st->kind != SS_END; st++) {
    if (st->kind == SS_ACCEPT_ANY) {
      s->any_steps = st + 1;
      return 0;
    }
    if (st->kind != SS_ACCEPT)
      continue;
    if (s->nscripted == SS_MAX_CONNS)
      return -1;
    ss_conn *c = &s->conns[s->nscripted];
    c->srv = s;
    c->index = s->nscripted++;
    c->steps = st + 1;
    c->fd = -1;
  }
  return 0;
}

int script_server_listen(script_server *s) {
  memset(s, 0, sizeof *s);
  pthread_mutex_init(&s->mu, NULL);
  s->lfd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&a, sizeof a) != 0 ||
      listen(s->lfd, 16) != 0 || getsockname(s->lfd, (struct sockaddr *)&a, &len) != 0) {
    if (s->lfd >= 0)
      close(s->lfd);
    s->lfd = -1;
    pthread_mutex_destroy(&s->mu);
    return -1;
  }
  s->port = ntohs(a.sin_port);
  return 0;
}

int script_server_play(script_server *s, const ss_step *steps) {
  s->steps = steps;
  if (index_connections(s) == 0 && pthread_create(&s->acceptor, NULL, acceptor_main, s) == 0) {
    s->playing = 1;
    return 0;
  }
  close(s->lfd);
  s->lfd = -1;
  pthread_mutex_destroy(&s->mu);
  return -1;
}

int script_server_start(script_server *s, const ss_step *steps) {
  return script_server_listen(s) == 0 ? script_server_play(s, steps) : -1;
}

void script_server_stop(script_server *s) {
  if (s->lfd < 0)
    return;
  s->stop = 1;
  if (s->playing)
    pthread_join(s->acceptor, NULL);
  for (int i = 0; i < s->nscripted + s->nany; i++) {
    if (s->conns[i].started)
      pthread_join(s->conns[i].th, NULL);
    close_conn(&s->conns[i], 0);
  }
  close(s->lfd);
  s->lfd = -1;
  pthread_mutex_destroy(&s->mu);
}

const char *script_server_error(script_server *s) {
  if (!s->error[0] && s->nextra > 0)
    snprintf(s->error, sizeof s->error, "the client opened %d connection(s) more than "
             "the %d in the script", s->nextra, s->nscripted);
  return s->error[0] ? s->error : NULL;
}

int script_server_dead_port(void) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int port = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
             getsockname(fd, (struct sockaddr *)&a, &len) == 0 ? ntohs(a.sin_port) : -1;
  if (fd >= 0)
    close(fd);
  return port;
}
