/* load_conn.c - the sockets of `h2c-probe load`: non-blocking connect,
 * edge-triggered epoll registration (EPOLLIN|EPOLLOUT once per connection:
 * no epoll_ctl per request), writes from and reads into the connection's
 * fixed buffers until the kernel says EAGAIN. */
#include "load_int.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <unistd.h>

int load_conn_start(lthread *t, lconn *c) {
  int fd = socket(t->sh->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, (const struct sockaddr *)&t->sh->addr, t->sh->addrlen) != 0 &&
      errno != EINPROGRESS) {
    close(fd);
    return -1;
  }
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
  if (epoll_ctl(t->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
    close(fd);
    return -1;
  }
  c->fd = fd;
  c->state = LC_CONNECTING;
  c->conn_deadline_us = t->now + (int64_t)t->sh->o->deadline_ms * 1000;
  c->rlen = c->wlen = c->woff = 0;
  t->r.connects++;
  return 0;
}

int load_conn_connected(lconn *c) {
  int e = 0;
  socklen_t len = sizeof e;
  if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0)
    return -1;
  if (e == 0)
    return 1;
  return e == EINPROGRESS || e == EALREADY ? 0 : -1;
}

int load_conn_flush(lconn *c) {
  while (c->woff < c->wlen) {
    ssize_t n = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff, MSG_NOSIGNAL);
    if (n < 0)
      return errno == EAGAIN || errno == EINTR ? 0 : -1;
    c->woff += (size_t)n;
  }
  c->woff = c->wlen = 0;
  return 0;
}

/* One read into the free end of rbuf. *drained: the socket had less than
 * the room (edge-triggered epoll announces whatever arrives next), so the
 * caller need not read again to see EAGAIN: one recv per answer, not two. */
int load_conn_read(lconn *c, int *eof, int *drained) {
  *eof = 0;
  *drained = 1;
  if (c->rlen == LOAD_RBUF)
    return -1;                      /* an answer larger than the buffer */
  size_t room = LOAD_RBUF - c->rlen;
  ssize_t n = recv(c->fd, c->rbuf + c->rlen, room, 0);
  *drained = n < (ssize_t)room;
  if (n == 0)
    *eof = 1;
  if (n < 0)
    return errno == EAGAIN || errno == EINTR ? 0 : -1;
  c->rlen += (size_t)n;
  return (int)n;
}

void load_conn_close(lthread *t, lconn *c, int64_t retry_us) {
  if (c->fd >= 0) {
    epoll_ctl(t->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
  }
  load_h2_close(c);
  c->fd = -1;
  c->state = LC_IDLE;
  c->retry_us = retry_us;
  c->rlen = c->wlen = c->woff = 0;
  c->fl_n = c->fl_head = 0;
}
