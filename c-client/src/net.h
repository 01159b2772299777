/* net.h - TCP client sockets with timeouts. Every wait is bounded by both a
 * per-read timeout and an absolute deadline (clock_now_ms() based), and
 * past the deadline every read and write fails with NET_TIMEOUT, even while
 * the peer keeps sending: the deadline is a deadline, not a poll bound. */
#ifndef H2C_NET_H
#define H2C_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NET_TIMEOUT (-1)
#define NET_ERROR (-2)   /* errno-style detail in *err (strerror text) */
#define NET_RESET (-3)   /* ECONNRESET / EPIPE */

/* Connects; returns fd >= 0 or NET_TIMEOUT/NET_ERROR with err filled. */
int net_connect(const char *host, const char *port, int64_t deadline_ms,
                char *err, size_t errlen);
/* Sends all bytes; returns 0 or NET_* (NET_TIMEOUT once the deadline passed). */
int net_send_all(int fd, const void *data, size_t n, int64_t deadline_ms);
/* One read: returns bytes (>0), 0 on orderly EOF, or NET_*.
 * Waits at most min(timeout_ms, deadline - now); NET_TIMEOUT without
 * reading when the deadline has passed. */
ssize_t net_recv(int fd, void *data, size_t cap, int timeout_ms,
                 int64_t deadline_ms);
void net_close(int fd);

#endif
