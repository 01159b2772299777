/* net.c - TCP client sockets where every wait is bounded.
 * Non-blocking connect + poll, so an unreachable target costs at most the
 * deadline; reads wait for min(per-read timeout, time left to the deadline).
 * The one clock rule: once the deadline has passed, net_recv and
 * net_send_all return NET_TIMEOUT whatever the socket does, so a peer that
 * keeps bytes coming (an endless 1xx, a trickle, a frame flood) cannot hold
 * a read loop past its deadline: every loop built on them stops there. */
#include "net.h"
#include "clock.h"
#include "transcript.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int time_left(int64_t deadline_ms) {
  int64_t left = deadline_ms - clock_now_ms();
  if (left <= 0)
    return 0;
  return left > 600000 ? 600000 : (int)left;
}

/* Waits for `events` on fd; 1 ready, 0 timeout, -1 error. */
static int wait_fd(int fd, short events, int timeout_ms) {
  struct pollfd p = {.fd = fd, .events = events};
  for (;;) {
    int rc = poll(&p, 1, timeout_ms);
    if (rc < 0 && errno == EINTR)
      continue;
    return rc < 0 ? -1 : rc;
  }
}

static int connect_one(const struct addrinfo *ai, int64_t deadline_ms,
                       char *err, size_t errlen) {
  int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                  ai->ai_protocol);
  if (fd < 0) {
    snprintf(err, errlen, "socket: %s", strerror(errno));
    return NET_ERROR;
  }
  if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
    snprintf(err, errlen, "%s", strerror(errno));
    close(fd);
    return NET_ERROR;
  }
  int ready = wait_fd(fd, POLLOUT, time_left(deadline_ms));
  if (ready <= 0) {
    snprintf(err, errlen, "%s", ready == 0 ? "connect timed out" : strerror(errno));
    close(fd);
    return ready == 0 ? NET_TIMEOUT : NET_ERROR;
  }
  int soerr = 0;
  socklen_t len = sizeof soerr;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
  if (soerr != 0) {
    snprintf(err, errlen, "%s", strerror(soerr));
    close(fd);
    return NET_ERROR;
  }
  /* Requests are small and we time answers: don't let Nagle delay them. */
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

int net_connect(const char *host, const char *port, int64_t deadline_ms,
                char *err, size_t errlen) {
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
  struct addrinfo *res = NULL;
  int rc = getaddrinfo(host, port, &hints, &res);
  if (rc != 0) {
    snprintf(err, errlen, "cannot resolve %s: %s", host, gai_strerror(rc));
    return NET_ERROR;
  }
  int fd = NET_ERROR;
  for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next)
    fd = connect_one(ai, deadline_ms, err, errlen);
  freeaddrinfo(res);
  return fd;
}

/* The deadline has passed (the clock rule above). */
static int past(int64_t deadline_ms) { return clock_now_ms() >= deadline_ms; }

int net_send_all(int fd, const void *data, size_t n, int64_t deadline_ms) {
  const char *p = data;
  while (n > 0) {
    if (past(deadline_ms))
      return NET_TIMEOUT;             /* a peer reading slowly keeps us no longer */
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w > 0) {
      p += w;
      n -= (size_t)w;
      continue;
    }
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      int ready = wait_fd(fd, POLLOUT, time_left(deadline_ms));
      if (ready == 0)
        return NET_TIMEOUT;
      if (ready < 0)
        return NET_ERROR;
      continue;
    }
    return (errno == EPIPE || errno == ECONNRESET) ? NET_RESET : NET_ERROR;
  }
  return 0;
}

ssize_t net_recv(int fd, void *data, size_t cap, int timeout_ms,
                 int64_t deadline_ms) {
  if (past(deadline_ms))
    return NET_TIMEOUT;               /* even when bytes are waiting */
  int wait = time_left(deadline_ms);
  if (timeout_ms >= 0 && timeout_ms < wait)
    wait = timeout_ms;
  for (;;) {
    ssize_t r = recv(fd, data, cap, 0);
    if (r >= 0)
      return r;
    if (errno == EINTR)
      continue;
    if (errno == ECONNRESET)
      return NET_RESET;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      return NET_ERROR;
    int ready = wait_fd(fd, POLLIN, wait);
    if (ready == 0)
      return NET_TIMEOUT;
    if (ready < 0)
      return NET_ERROR;
    wait = 0; /* readable now: the next recv must not wait again */
  }
}

void net_close(int fd) {
  if (fd >= 0)
    close(fd);
}
