/* fuzz_h2.c - libFuzzer harness for the HTTP/2 session after a 101.
 *
 * What a server sends after `101 Switching Protocols` goes straight into
 * h2_session.c (and nghttp2). The seam is the one the raw engine uses:
 * h2_session_after_upgrade on a connected socket, with the bytes that came
 * in with the 101 as `leftover`. Here the socket is one end of a socketpair;
 * the rest of the fuzz bytes are already written on the other end, which is
 * then half-closed, so every read ends at once (data, then EOF) and a run
 * costs no waiting. The deadlines are still real and short, so a session
 * that stops reading or writing fails as a libFuzzer timeout, not a hang.
 *
 * Input: 2 bytes of options, then the server's bytes after the 101's head.
 *   byte 0, bit 0:    requests are pipelined (else sequential)
 *   byte 0, bits 1-2: follow-up requests after stream 1 (0..3)
 *   byte 0, bit 3:    stream 1 was a HEAD request
 *   byte 0, bit 4:    no HTTP2-Settings value was sent
 *   byte 0, bit 5:    prior knowledge instead (h2_session_prior_knowledge,
 *                     the engine "h2"): every request is a new stream and
 *                     nothing is leftover (a server may answer in HTTP/1.x)
 *   byte 1:           how much of the bytes is `leftover` (byte1/255 of them);
 *                     the rest arrives by reading the socket
 * After the session every request must have an outcome (none left pending),
 * and the session must have ended by the cell's deadline plus FZ_GRACE_MS.
 * FUZZ_H2_DUMP=1 prints each outcome and the transcript's notes (to see what
 * an input did: build-fuzz/fuzz_h2 FILE). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cell.h"
#include "clock.h"
#include "engine.h"
#include "h2_session.h"
#include "scenario.h"
#include "target.h"

#define FZ_OPTS 2
#define FZ_TIMEOUT_MS 200       /* per read; reads never wait here */
#define FZ_DEADLINE_MS 2000     /* the cell's budget */
#define FZ_GRACE_MS 500         /* what closing may add to it */
/* SETTINGS_MAX_CONCURRENT_STREAMS=100, INITIAL_WINDOW_SIZE=65535 */
#define FZ_SETTINGS_B64 "AAMAAABkAAQAAP__"

static const char *const paths[] = {"/", "/echo", "/second", "/third"};

static void add_request(scenario *sc, const char *method, const char *path,
                        const char *body) {
  sc_request *q = &sc->requests[sc->nrequests++];
  snprintf(q->connection, sizeof q->connection, "a");
  q->method = (char *)method;
  q->path = (char *)path;
  buf_init(&q->body, 1024);
  if (body) {
    q->has_body = 1;
    buf_adds(&q->body, body);
  }
  q->headers[0].name = "Host";
  q->headers[0].value = "{authority}";
  q->headers[1].name = "Content-Type";
  q->headers[1].value = "text/plain";
  q->nheaders = 2;
  q->expect_status = 200;
}

/* Writes what fits of data to fd (non-blocking) and half-closes it. */
static void preload(int fd, const uint8_t *data, size_t n) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  while (n > 0) {
    ssize_t w = send(fd, data, n, MSG_NOSIGNAL);
    if (w <= 0)
      break;
    data += w;
    n -= (size_t)w;
  }
  shutdown(fd, SHUT_WR);
}

static void dump(const cell *c) {
  for (size_t i = 0; i < c->tx.count; i++)
    if (c->tx.events[i].dir == TX_NOTE)
      fprintf(stderr, "  note %s\n", c->tx.events[i].data);
  for (int i = 0; i < c->sc->nrequests; i++)
    fprintf(stderr, "  request %d: %s, status %d, %zu body bytes: %s\n", i,
            exchange_outcome_name(c->ex[i].outcome), c->ex[i].status,
            c->ex[i].body.len, c->ex[i].detail);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < FZ_OPTS)
    return 0;
  int pipelined = data[0] & 1, nfollow = (data[0] >> 1) & 3;
  int head = (data[0] >> 3) & 1, no_settings = (data[0] >> 4) & 1;
  int prior = (data[0] >> 5) & 1;
  const uint8_t *wire = data + FZ_OPTS;
  size_t n = size - FZ_OPTS, nleft = prior ? 0 : n * data[1] / 255;

  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
    return 0;
  fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
  preload(sv[1], wire + nleft, n - nleft);

  scenario sc;
  memset(&sc, 0, sizeof sc);
  sc.id = "fuzz";
  sc.send = pipelined ? SEND_PIPELINED : SEND_SEQUENTIAL;
  add_request(&sc, head ? "HEAD" : "GET", paths[0], NULL);
  for (int i = 1; i <= nfollow; i++)
    add_request(&sc, i == 1 ? "POST" : "GET", paths[i], i == 1 ? "abc" : NULL);
  target tg;
  memset(&tg, 0, sizeof tg);
  tg.name = "fuzz";
  tg.authority = "fuzz.test:8080";
  cell c;
  cell_init(&c, &sc, &tg);
  int64_t t0 = clock_now_ms();
  engine_opts o = {FZ_TIMEOUT_MS, t0 + FZ_DEADLINE_MS};
  int all[4] = {0, 1, 2, 3};

  if (prior)
    h2_session_prior_knowledge(&c, &o, sv[0], "a", all, sc.nrequests);
  else
    h2_session_after_upgrade(&c, &o, sv[0], "a", 0,
                             no_settings ? NULL : FZ_SETTINGS_B64,
                             (const char *)wire, nleft, all + 1, nfollow);
  int64_t took = clock_now_ms() - t0;
  if (getenv("FUZZ_H2_DUMP"))
    dump(&c);
  if (took > FZ_DEADLINE_MS + FZ_GRACE_MS) {
    fprintf(stderr, "the session took %lld ms, over its %d ms deadline\n",
            (long long)took, FZ_DEADLINE_MS);
    abort();
  }
  for (int i = 0; i < sc.nrequests; i++)
    if (c.ex[i].outcome == OUT_PENDING) {
      fprintf(stderr, "request %d has no outcome after the session\n", i);
      abort();
    }

  cell_free(&c);
  for (int i = 0; i < sc.nrequests; i++)
    buf_free(&sc.requests[i].body);
  close(sv[0]);
  close(sv[1]);
  return 0;
}
