/* load_h1.c - the in-place answer scanner of load_h1.h. */
#include "load_h1.h"

#include <string.h>
#include <strings.h>

/* The value of header line [l, e) if its name is name, else NULL. */
static const char *header_value(const char *l, const char *e, const char *name, size_t nlen) {
  if ((size_t)(e - l) <= nlen || l[nlen] != ':' || strncasecmp(l, name, nlen) != 0)
    return NULL;
  const char *v = l + nlen + 1;
  while (v < e && (*v == ' ' || *v == '\t'))
    v++;
  return v;
}

static int has_token(const char *v, const char *e, const char *tok) {
  size_t k = strlen(tok);
  for (const char *p = v; p + k <= e; p++)
    if (strncasecmp(p, tok, k) == 0 && (p == v || p[-1] == ' ' || p[-1] == ',') &&
        (p + k == e || p[k] == ' ' || p[k] == ',' || p[k] == '\r'))
      return 1;
  return 0;
}

typedef struct head {
  long long clen;      /* -1: none */
  int chunked, close, keep_alive;
} head;

/* Parses the header lines between the status line and the blank line. */
static int scan_headers(const char *p, const char *end, head *h) {
  h->clen = -1;
  h->chunked = h->close = h->keep_alive = 0;
  while (p < end) {
    const char *e = memchr(p, '\n', (size_t)(end - p));
    if (!e)
      return -1;
    const char *le = e > p && e[-1] == '\r' ? e - 1 : e;
    if (le == p)
      break;                        /* the blank line */
    const char *v;
    if ((v = header_value(p, le, "content-length", 14))) {
      long long n = 0;
      if (v == le)
        return -1;
      for (; v < le && *v >= '0' && *v <= '9'; v++)
        if ((n = n * 10 + (*v - '0')) > (1ll << 40))
          return -1;
      if ((v < le && *v != ' ') || (h->clen >= 0 && h->clen != n))
        return -1;
      h->clen = n;
    } else if ((v = header_value(p, le, "transfer-encoding", 17))) {
      h->chunked = has_token(v, le, "chunked");
      if (!h->chunked)
        return -1;                  /* a coding we cannot frame */
    } else if ((v = header_value(p, le, "connection", 10))) {
      h->close |= has_token(v, le, "close");
      h->keep_alive |= has_token(v, le, "keep-alive");
    }
    p = e + 1;
  }
  return 0;
}

/* A chunked body at p[0..n): joined in place at p; its length in *blen and
 * the bytes it took in *used. LOAD_H1_MORE/DONE/BAD. */
static int dechunk(char *p, size_t n, size_t *blen, size_t *used) {
  size_t r = 0, w = 0;
  for (;;) {
    char *e = memchr(p + r, '\n', n - r);
    if (!e)
      return n - r > 64 ? LOAD_H1_BAD : LOAD_H1_MORE;
    unsigned long long size = 0;
    const char *q = p + r;
    int nd = 0;
    for (; q < e; q++, nd++) {
      int lc = *q | 32;
      int d = *q >= '0' && *q <= '9' ? *q - '0' : lc >= 'a' && lc <= 'f' ? lc - 'a' + 10 : -1;
      if (d < 0)
        break;
      if ((size = size * 16 + (unsigned)d) > (1ull << 30))
        return LOAD_H1_BAD;
    }
    if (nd == 0)
      return LOAD_H1_BAD;
    size_t data = (size_t)(e - p) + 1;
    if (size == 0) {                       /* trailers, then the blank line */
      for (;;) {
        char *t = memchr(p + data, '\n', n - data);
        if (!t)
          return LOAD_H1_MORE;
        size_t len = (size_t)(t - (p + data));
        data = (size_t)(t - p) + 1;
        if (len == 0 || (len == 1 && t[-1] == '\r'))
          break;
      }
      *blen = w;
      *used = data;
      return LOAD_H1_DONE;
    }
    if (n - data < size + 2)
      return LOAD_H1_MORE;
    memmove(p + w, p + data, size);
    w += size;
    r = data + size;
    if (p[r] == '\r')
      r++;
    if (p[r] != '\n')
      return LOAD_H1_BAD;
    r++;
  }
}

static int status_line(const char *p, const char *e, load_h1_msg *m) {
  if (e - p < 12 || memcmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' || p[7] > '9' || p[8] != ' ')
    return -1;
  m->minor = p[7] - '0';
  m->status = 0;
  for (int i = 9; i < 12; i++) {
    if (p[i] < '0' || p[i] > '9')
      return -1;
    m->status = m->status * 10 + (p[i] - '0');
  }
  return 0;
}

int load_h1_scan(char *p, size_t n, int head_only, int eof, load_h1_msg *m) {
  /* The head ends at the first blank line, CRLF or bare LF, whichever comes
   * first: the same answer whatever else has arrived after it. */
  char *crlf = memmem(p, n, "\r\n\r\n", 4), *lf = memmem(p, n, "\n\n", 2);
  if (!crlf && !lf)
    return n >= 7 && memcmp(p, "HTTP/1.", 7) != 0 ? LOAD_H1_BAD : LOAD_H1_MORE;
  size_t hl = lf && (!crlf || lf + 1 < crlf + 3) ? (size_t)(lf - p) + 2 : (size_t)(crlf - p) + 4;
  const char *le = memchr(p, '\n', hl);
  head h;
  if (status_line(p, le, m) != 0 || scan_headers(le + 1, p + hl, &h) != 0)
    return LOAD_H1_BAD;
  m->close = h.close || (m->minor == 0 && !h.keep_alive);
  m->body = p + hl;
  int bodiless = head_only || m->status < 200 || m->status == 204 || m->status == 304;
  if (bodiless || (!h.chunked && h.clen == 0)) {
    m->body_len = 0;
    m->used = hl;
    return LOAD_H1_DONE;
  }
  if (h.chunked) {
    size_t used = 0;
    int r = dechunk(p + hl, n - hl, &m->body_len, &used);
    m->used = hl + used;
    return r;
  }
  if (h.clen < 0) {                         /* until the close */
    m->close = 1;
    m->body_len = n - hl;
    m->used = n;
    return eof ? LOAD_H1_DONE : LOAD_H1_MORE;
  }
  if (n - hl < (size_t)h.clen)
    return LOAD_H1_MORE;
  m->body_len = (size_t)h.clen;
  m->used = hl + (size_t)h.clen;
  return LOAD_H1_DONE;
}
