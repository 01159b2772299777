/* http_once.c - one request, one answer, on a connection of its own (see
 * http_once.h). Interim 1xx answers are skipped, at most H1_MAX_INTERIM of
 * them; the parser's own caps hold, max_bytes bounds everything read and
 * net_recv stops at the deadline even while bytes keep coming, so a hostile
 * server can cost at most the deadline and that many bytes. */
#include "http_once.h"

#include <curl/curl.h>
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
    if (total == 0 && h->h2_frame)
      *h->h2_frame = http1_parse_h2_frame(chunk, (size_t)n) != NULL;
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

static size_t h2_get_body(char *data, size_t size, size_t nmemb, void *ud) {
  size_t n = size * nmemb;
  return buf_add(ud, data, n) == BUF_OK ? n : 0;   /* over the cap: stop */
}

int http_once_h2_get(const http_once *h, const char *base_url, const char *path,
                     int *status, buf *body, char *err, size_t errlen) {
  char url[1200];
  int64_t left = h->deadline_ms - clock_now_ms();
  CURL *c = curl_easy_init();
  err[0] = '\0';
  if (!c || left <= 0 || snprintf(url, sizeof url, "%s%s", base_url, path) >=
                             (int)sizeof url) {
    snprintf(err, errlen, "%s", !c ? "curl_easy_init failed" : left <= 0 ?
             "timed out (deadline)" : "URL too long");
    if (c)
      curl_easy_cleanup(c);
    return 0;
  }
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROXY, "");
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)left);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, h2_get_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
  CURLcode rc = curl_easy_perform(c);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_cleanup(c);
  if (rc != CURLE_OK || body->len > h->max_bytes) {
    snprintf(err, errlen, "HTTP/2: %s", rc != CURLE_OK ? curl_easy_strerror(rc) :
             "the answer is over the cap");
    return 0;
  }
  *status = (int)code;
  return 1;
}
