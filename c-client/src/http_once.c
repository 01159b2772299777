/* http_once.c - one request, one answer, on a connection of its own (see
 * http_once.h). Interim 1xx answers are skipped, at most H1_MAX_INTERIM of
 * them; the parser's own caps hold, max_bytes bounds everything read and
 * net_recv stops at the deadline even while bytes keep coming, so a hostile
 * server can cost at most the deadline and that many bytes. */
#include "http_once.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "net.h"

/* Feeds chunk[0..n); 1 done, -1 parse error (p->errmsg), 0 needs more.
 * *interim counts the 1xx answers skipped so far. */
static int feed(h1_parser *p, const char *chunk, size_t n, int *interim) {
  size_t off = 0;
  while (off < n) {
    size_t used = 0;
    h1_status st = http1_parse_feed(p, chunk + off, n - off, &used);
    if (st == H1_ERROR)
      return -1;
    off += used;
    if (st == H1_DONE && !p->resp.is_interim)
      return 1;
    if (st == H1_DONE) {              /* 1xx: the final answer follows */
      if (http1_parse_next_after_interim(p, interim) != 0)
        return -1;
    } else if (used == 0) {
      break;
    }
  }
  return 0;
}

static int read_answer(const http_once *h, int fd, h1_parser *p, char *err,
                       size_t errlen) {
  char chunk[8192];
  size_t total = 0;
  int interim = 0;
  for (;;) {
    ssize_t n = net_recv(fd, chunk, sizeof chunk, h->timeout_ms, h->deadline_ms);
    if (n == 0) {
      if (http1_parse_eof(p) == H1_DONE)
        return 1;
      snprintf(err, errlen, "the server closed the connection before a complete "
               "answer (%zu bytes)", total);
      return 0;
    }
    if (n < 0) {
      snprintf(err, errlen, "%s after %zu bytes", n != NET_TIMEOUT ?
               (n == NET_RESET ? "connection reset" : strerror(errno)) :
               clock_now_ms() >= h->deadline_ms ? "timed out (deadline)" :
               "timed out", total);
      return 0;
    }
    if (h->tx)
      transcript_bytes(h->tx, h->label, TX_IN, chunk, (size_t)n);
    total += (size_t)n;
    if (total > h->max_bytes) {
      snprintf(err, errlen, "the answer is over the %zu-byte cap", h->max_bytes);
      return 0;
    }
    int st = feed(p, chunk, (size_t)n, &interim);
    if (st != 0) {
      if (st < 0)
        snprintf(err, errlen, "unparseable answer: %s", p->errmsg);
      return st > 0;
    }
  }
}

int http_once_exchange(const http_once *h, const void *req, size_t n, h1_parser *p,
                       char *err, size_t errlen) {
  char cerr[200] = "";
  http1_parse_init(p, 0);
  err[0] = '\0';
  int fd = net_connect(h->host, h->port, h->deadline_ms, cerr, sizeof cerr);
  if (fd < 0) {
    snprintf(err, errlen, "connect to %s:%s: %s", h->host, h->port,
             cerr[0] ? cerr : "failed");
    return 0;
  }
  if (h->tx)
    transcript_bytes(h->tx, h->label, TX_OUT, req, n);
  int ok = 0;
  if (net_send_all(fd, req, n, h->deadline_ms) != 0)
    snprintf(err, errlen, "could not send the request");
  else
    ok = read_answer(h, fd, p, err, errlen);
  net_close(fd);
  return ok;
}
