/* h2_session.h - HTTP/2 over an already connected socket, with nghttp2.
 * Used two ways: after a `101 Switching Protocols` (upgrade: stream 1 is the
 * request that carried the Upgrade; bytes that came in with the 101 are fed to
 * nghttp2 first) and with prior knowledge. Requests after stream 1 are sent as
 * new streams on the same connection; each answer fills cell->ex[i]. */
#ifndef H2C_H2_SESSION_H
#define H2C_H2_SESSION_H

#include <stddef.h>
#include "cell.h"
#include "engine.h"

/* After a 101 to request `upgraded_index` on connection `conn` (fd).
 * settings_b64: the HTTP2-Settings value sent (may be NULL → empty payload).
 * leftover: bytes that arrived after the 101's header section.
 * Then sends the requests listed in `follow[0..nfollow)` (indices into
 * sc->requests) as new streams. Returns 0 or -1 (c->ex[] says why). */
int h2_session_after_upgrade(cell *c, const engine_opts *o, int fd, const char *conn,
                     int upgraded_index, const char *settings_b64,
                     const char *leftover, size_t nleftover,
                     const int *follow, int nfollow);
/* Prior knowledge: preface + SETTINGS, then requests[idx[0..n)] as streams
 * (sequential or all at once per sc->send). */
int h2_session_prior_knowledge(cell *c, const engine_opts *o, int fd, const char *conn,
                       const int *idx, int n);

#endif
