/* engine_curl.c - the "curl" engine: what a real client library does.
 *
 * One libcurl easy handle per connection label, reused for all of that
 * label's requests, so libcurl keeps and reuses its connection exactly as an
 * application would (CURLINFO_NUM_CONNECTS says when it had to open a new
 * one). The request is the scenario's, translated to libcurl options:
 *   - headers in order; {authority} replaced; a Host header equal to the
 *     target's authority is left to libcurl (it sends the same value, and
 *     turns it into :authority over HTTP/2); any other Host is passed;
 *   - "Expect:" is added (unless the scenario sets Expect) so libcurl never
 *     waits for 100-continue; "Content-Type:" is added (unless the scenario
 *     sets it) so a body does not get libcurl's form Content-Type;
 *     libcurl's own Accept header (any type) is kept, as the curl tool
 *     sends it;
 *   - a chunked scenario body is given to libcurl de-chunked with a
 *     "Transfer-Encoding: chunked" header, and libcurl chunks it itself.
 * Everything libcurl reports through CURLOPT_DEBUGFUNCTION goes into the
 * transcript. With HTTP/2 that is decoded headers and DATA payloads, not
 * frames (a note says so).
 * An answer with no status line at all is not HTTP/1.x: libcurl is allowed
 * HTTP/0.9 only so that its first bytes reach on_body, which keeps up to
 * CURL_PEEK_BYTES of them and stops the transfer. An HTTP/2-only server's
 * SETTINGS frame then tells the verdict what the peer speaks, as in the raw
 * engine; anything else is the unparseable answer it always was. */
#include "engine.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "http1_parse.h"
#include "target.h"
#include "transcript.h"

#define CURL_MAX_RESP_HEADERS 100
#define CURL_MAX_TEXT_NOTES 64
/* Header bytes of one transfer, every interim (1xx) answer's included: the
 * time is CURLOPT_TIMEOUT_MS's, the bytes are this cap's (an endless 1xx). */
#define CURL_MAX_HEAD_BYTES (2u * 1024u * 1024u)
/* Enough of an answer without a status line to tell an HTTP/2 frame header
 * (9 bytes) from anything else. */
#define CURL_PEEK_BYTES 16

/* What one transfer collected (libcurl calls back into it). */
typedef struct curl_xfer {
  cell *c;
  const char *label;
  exchange *e;
  char *hdr[2 * CURL_MAX_RESP_HEADERS];  /* the current response's headers */
  int nhdr;
  int status;
  char version[8];
  char reason[128];
  int conn_close;
  int too_big;
  size_t head_bytes;                      /* header bytes so far */
  int saw_101;
  int *text_notes;                        /* per handle */
  unsigned char peek[CURL_PEEK_BYTES];    /* an answer with no status line */
  size_t npeek;
} curl_xfer;

/* One connection label: its handle and what we noted about it. */
typedef struct curl_conn {
  char label[SC_LABEL_LEN];
  CURL *h;
  int nperformed;
  int text_notes;
  int h2_noted;           /* we said the debug data are decoded HTTP/2 */
  int h2_alive;           /* the last transfer ended well over HTTP/2 */
  int workaround_noted;
  char errbuf[CURL_ERROR_SIZE];
} curl_conn;

/* ---- collected response headers --------------------------------------- */

static void xfer_clear_headers(curl_xfer *x) {
  for (int i = 0; i < 2 * x->nhdr; i++)
    free(x->hdr[i]);
  x->nhdr = 0;
  x->conn_close = 0;
}

static char *dup_trimmed(const char *s, size_t n) {
  while (n && (s[0] == ' ' || s[0] == '\t')) {
    s++;
    n--;
  }
  while (n && (s[n - 1] == '\r' || s[n - 1] == '\n' || s[n - 1] == ' ' ||
               s[n - 1] == '\t'))
    n--;
  return strndup(s, n);
}

/* "HTTP/1.1 200 OK": a new response starts (after a 100 or a 101 the
 * earlier headers belong to an interim response and are dropped). */
static void on_status_line(curl_xfer *x, const char *line, size_t n) {
  xfer_clear_headers(x);
  char tmp[256];
  snprintf(tmp, sizeof tmp, "%.*s", (int)(n < sizeof tmp ? n : sizeof tmp - 1),
           line);
  char ver[16] = "";
  int status = 0, used = 0;
  if (sscanf(tmp, "HTTP/%15s %3d%n", ver, &status, &used) >= 2) {
    snprintf(x->version, sizeof x->version, "%.7s", ver);
    x->status = status;
    char *reason = dup_trimmed(tmp + used, strlen(tmp + used));
    snprintf(x->reason, sizeof x->reason, "%s", reason ? reason : "");
    free(reason);
  }
  if (status == 101)
    x->saw_101 = 1;
}

/* True when a Connection value lists the token "close". */
static int lists_close(const char *v) {
  const char *p = v;
  while (*p) {
    while (*p == ' ' || *p == '\t' || *p == ',')
      p++;
    const char *start = p;
    while (*p && *p != ',')
      p++;
    const char *end = p;
    while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
      end--;
    if (end - start == 5 && strncasecmp(start, "close", 5) == 0)
      return 1;
  }
  return 0;
}

static size_t on_header(char *data, size_t size, size_t nitems, void *ud) {
  curl_xfer *x = ud;
  size_t n = size * nitems;
  x->head_bytes += n;
  if (x->head_bytes > CURL_MAX_HEAD_BYTES) {
    x->too_big = 1;
    return 0;   /* libcurl stops with CURLE_WRITE_ERROR */
  }
  if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
    on_status_line(x, data, n);
    return n;
  }
  const char *colon = memchr(data, ':', n);
  if (!colon || x->nhdr >= CURL_MAX_RESP_HEADERS)
    return n;   /* the blank line, an obs-fold line, or over the cap */
  char *name = dup_trimmed(data, (size_t)(colon - data));
  char *value = dup_trimmed(colon + 1, n - (size_t)(colon - data) - 1);
  if (!name || !value) {
    free(name);
    free(value);
    return n;
  }
  if (strcasecmp(name, "Connection") == 0 && lists_close(value))
    x->conn_close = 1;
  x->hdr[2 * x->nhdr] = name;
  x->hdr[2 * x->nhdr + 1] = value;
  x->nhdr++;
  return n;
}

/* No status line came before the body: libcurl took the answer for
 * HTTP/0.9. Keep its first bytes; once there are enough (9), stop. */
static size_t on_body_without_status(curl_xfer *x, const char *data, size_t n) {
  size_t take = n < CURL_PEEK_BYTES - x->npeek ? n : CURL_PEEK_BYTES - x->npeek;
  memcpy(x->peek + x->npeek, data, take);
  x->npeek += take;
  return x->npeek >= 9 ? 0 : n;   /* 0: libcurl stops with CURLE_WRITE_ERROR */
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud) {
  curl_xfer *x = ud;
  size_t n = size * nmemb;
  if (x->status == 0)
    return on_body_without_status(x, data, n);
  if (buf_add(&x->e->body, data, n) != BUF_OK) {
    x->too_big = 1;
    return 0;   /* libcurl stops with CURLE_WRITE_ERROR */
  }
  return n;
}

/* Does a header block that went out hold a field `name` (a line starting
 * "name:", any case)? libcurl writes headers of its own (Upgrade: h2c and
 * HTTP2-Settings for CURL_HTTP_VERSION_2_0), so what the scenario lists is
 * not what was sent; the verdict's refusal rule needs what was sent. */
static int block_has_field(const char *data, size_t size, const char *name) {
  size_t n = strlen(name);
  for (size_t at = 0; at + n < size;) {
    if (strncasecmp(data + at, name, n) == 0 && data[at + n] == ':')
      return 1;
    const char *nl = memchr(data + at, '\n', size - at);
    if (!nl)
      break;
    at = (size_t)(nl - data) + 1;
  }
  return 0;
}

static int on_debug(CURL *h, curl_infotype type, char *data, size_t size,
                    void *ud) {
  (void)h;
  curl_xfer *x = ud;
  switch (type) {
  case CURLINFO_HEADER_OUT:
    if (block_has_field(data, size, "Upgrade"))
      x->e->sent_upgrade = 1;
    transcript_bytes(&x->c->tx, x->label, TX_OUT, data, size);
    break;
  case CURLINFO_DATA_OUT:
    transcript_bytes(&x->c->tx, x->label, TX_OUT, data, size);
    break;
  case CURLINFO_HEADER_IN:
  case CURLINFO_DATA_IN:
    transcript_bytes(&x->c->tx, x->label, TX_IN, data, size);
    break;
  case CURLINFO_TEXT:
    if (*x->text_notes < CURL_MAX_TEXT_NOTES) {
      while (size && (data[size - 1] == '\n' || data[size - 1] == '\r'))
        size--;
      if (size)
        transcript_note(&x->c->tx, x->label, "curl: %.*s",
                        (int)(size > 300 ? 300 : size), data);
      if (++*x->text_notes == CURL_MAX_TEXT_NOTES)
        transcript_note(&x->c->tx, x->label, "further curl notes omitted");
    }
    break;
  default:
    break;
  }
  return 0;
}

/* ---- building the request --------------------------------------------- */

static int has_header(const sc_request *q, const char *name) {
  for (int i = 0; i < q->nheaders; i++)
    if (strcasecmp(q->headers[i].name, name) == 0)
      return 1;
  return 0;
}

static struct curl_slist *add_line(struct curl_slist *l, const char *s) {
  struct curl_slist *n = curl_slist_append(l, s);
  return n ? n : l;
}

/* The scenario's headers as libcurl header lines (see the file comment). */
static struct curl_slist *request_headers(const sc_request *q,
                                          const char *authority, int body) {
  struct curl_slist *l = NULL;
  for (int i = 0; i < q->nheaders; i++) {
    buf v, line;
    buf_init(&v, 65536);
    buf_init(&line, 70000);
    scenario_subst_authority(&v, q->headers[i].value, authority);
    const char *value = v.data ? v.data : "";
    if (strcasecmp(q->headers[i].name, "Host") == 0 &&
        strcmp(value, authority) == 0) {
      buf_free(&v);
      continue;
    }
    /* "Name;" is libcurl's spelling of a header with an empty value. */
    int rc = *value ? buf_printf(&line, "%s: %s", q->headers[i].name, value)
                    : buf_printf(&line, "%s;", q->headers[i].name);
    if (rc == BUF_OK && line.data)   /* a header too long to build is not sent, never half */
      l = add_line(l, line.data);
    buf_free(&v);
    buf_free(&line);
  }
  if (q->nchunks > 0 && !has_header(q, "Transfer-Encoding"))
    l = add_line(l, "Transfer-Encoding: chunked");
  if (!has_header(q, "Expect"))
    l = add_line(l, "Expect:");
  if (body && !has_header(q, "Content-Type"))
    l = add_line(l, "Content-Type:");
  return l;
}

static long http_version_option(const char *v) {
  if (v && strcmp(v, "2") == 0)
    return CURL_HTTP_VERSION_2_0;
  if (v && strcmp(v, "2-prior-knowledge") == 0)
    return CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE;
  return CURL_HTTP_VERSION_1_1;
}

/* libcurl 7.88.x (Debian bookworm) fails every request that reuses a
 * prior-knowledge HTTP/2 connection with "Error in the HTTP2 framing layer"
 * (curl/curl#10634, fixed in 8.0.0 by #10643: it stacks a second HTTP/2
 * layer on the reused connection). Once the handle's connection speaks
 * HTTP/2, asking for CURL_HTTP_VERSION_2_0 reuses it as it is, with the same
 * frames on the wire; only a new connection would differ (an upgrade
 * instead of the preface), and new_connection reports that. */
static long http_version_for(cell *c, curl_conn *cc) {
  long want = http_version_option(c->sc->curl_http_version);
  if (want == CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE && cc->h2_alive &&
      curl_version_info(CURLVERSION_NOW)->version_num < 0x080000) {
    if (!cc->workaround_noted) {
      cc->workaround_noted = 1;
      transcript_note(&c->tx, cc->label,
                      "libcurl < 8.0.0: reusing the HTTP/2 connection with "
                      "CURL_HTTP_VERSION_2_0 (curl/curl#10634 workaround)");
    }
    return CURL_HTTP_VERSION_2_0;
  }
  return want;
}

/* Method and body. The handle is reused: reset to a plain GET first. */
static void set_method(CURL *h, const sc_request *q, const buf *body,
                       int has_body) {
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, NULL);
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)-1);
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, NULL);
  curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  if (strcmp(q->method, "HEAD") == 0 && !has_body) {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    return;
  }
  if (has_body || strcmp(q->method, "POST") == 0) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                     (curl_off_t)(has_body ? body->len : 0));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, has_body ? body->data : "");
  }
  if (strcmp(q->method, "POST") != 0 &&
      (has_body || strcmp(q->method, "GET") != 0))
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
}

/* ---- one request ------------------------------------------------------ */

static outcome map_code(CURLcode rc, const curl_xfer *x) {
  switch (rc) {
  case CURLE_OK: return OUT_ANSWERED;
  case CURLE_OPERATION_TIMEDOUT: return OUT_TIMEOUT;
  case CURLE_COULDNT_CONNECT:
  case CURLE_COULDNT_RESOLVE_HOST: return OUT_CONNECT_FAILED;
  case CURLE_GOT_NOTHING:
  case CURLE_RECV_ERROR:
  case CURLE_SEND_ERROR:   /* the peer went away while we were sending */
  case CURLE_PARTIAL_FILE: return OUT_CLOSED;
  case CURLE_HTTP2_STREAM: return OUT_RESET;
  case CURLE_WRITE_ERROR: return x->too_big ? OUT_TOO_BIG : OUT_BAD_RESPONSE;
  default: return OUT_BAD_RESPONSE;
  }
}

static const char *version_name(long v) {
  switch (v) {
  case CURL_HTTP_VERSION_1_0: return "1.0";
  case CURL_HTTP_VERSION_1_1: return "1.1";
  case CURL_HTTP_VERSION_2_0: return "2";
  case CURL_HTTP_VERSION_3: return "3";
  default: return "";
  }
}

/* The answer had no status line (on_body_without_status): an HTTP/2 frame
 * says what the peer speaks (the verdict's n/a), anything else is what
 * libcurl says of it when HTTP/0.9 is not allowed. Either way no answer. */
static void record_not_http1(cell *c, curl_conn *cc, curl_xfer *x) {
  exchange *e = x->e;
  const char *frame = http1_parse_h2_frame(x->peek, x->npeek);
  e->outcome = OUT_BAD_RESPONSE;
  e->status = 0;
  e->http_version[0] = '\0';
  buf_reset(&e->body);
  if (!frame) {
    snprintf(e->detail, sizeof e->detail, "Unsupported protocol: Received HTTP/0.9 "
             "when not allowed (no status line)");
    return;
  }
  snprintf(e->speaks, sizeof e->speaks, "HTTP/2 (%s)", frame);
  snprintf(e->detail, sizeof e->detail, "the answer begins with %s on stream 0, "
           "not a status line", frame);
  transcript_note(&c->tx, cc->label, "the answer begins with %s on stream 0: the "
                  "server speaks HTTP/2 here, not HTTP/1.1", frame);
}

/* Moves what libcurl told us into the exchange. */
static void record_result(cell *c, curl_conn *cc, curl_xfer *x, CURLcode rc,
                          int64_t t0) {
  exchange *e = x->e;
  long code = 0, ver = 0, connects = 0;
  curl_easy_getinfo(cc->h, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_getinfo(cc->h, CURLINFO_HTTP_VERSION, &ver);
  curl_easy_getinfo(cc->h, CURLINFO_NUM_CONNECTS, &connects);
  e->outcome = map_code(rc, x);
  /* A timeout before any address was tried (a resolver that never answers)
   * is a target we could not reach, not a server that hung. */
  char *ip = NULL;
  curl_easy_getinfo(cc->h, CURLINFO_PRIMARY_IP, &ip);
  if (e->outcome == OUT_TIMEOUT && (!ip || !*ip))
    e->outcome = OUT_CONNECT_FAILED;
  e->elapsed_ms = clock_now_ms() - t0;
  e->status = code > 0 ? (int)code : x->status;
  snprintf(e->reason_phrase, sizeof e->reason_phrase, "%s", x->reason);
  snprintf(e->http_version, sizeof e->http_version, "%s",
           *version_name(ver) ? version_name(ver) : x->version);
  for (int i = 0; i < x->nhdr; i++)
    exchange_add_header(e, x->hdr[2 * i], x->hdr[2 * i + 1]);
  e->conn_close = x->conn_close;
  e->new_connection = cc->nperformed > 0 && connects > 0;
  cc->h2_alive = rc == CURLE_OK && ver == CURL_HTTP_VERSION_2_0;
  if (rc != CURLE_OK)
    snprintf(e->detail, sizeof e->detail, "%.80s%s%.160s", curl_easy_strerror(rc),
             cc->errbuf[0] ? ": " : "", cc->errbuf);
  if (ver == CURL_HTTP_VERSION_2_0) {
    if (c->sc->curl_http_version && strcmp(c->sc->curl_http_version, "2") == 0)
      c->upgraded = 1;   /* http:// + HTTP/2 can only be an h2c upgrade */
    if (!cc->h2_noted) {
      cc->h2_noted = 1;
      transcript_note(&c->tx, cc->label,
                      "HTTP/2 in use: curl's debug data above are decoded "
                      "headers and DATA payloads, not raw frames");
    }
  }
  if (x->saw_101)
    transcript_note(&c->tx, cc->label, "101 Switching Protocols seen");
  if (x->npeek)
    record_not_http1(c, cc, x);
}

static void run_request(cell *c, const engine_opts *o, curl_conn *cc, int i) {
  const sc_request *q = &c->sc->requests[i];
  exchange *e = &c->ex[i];
  int64_t t0 = clock_now_ms();
  int64_t left = o->deadline_ms - t0;
  if (left <= 0) {
    e->outcome = OUT_TIMEOUT;
    snprintf(e->detail, sizeof e->detail, "cell deadline reached before it "
                                          "was sent");
    return;
  }
  long tmo = o->timeout_ms < left ? o->timeout_ms : (long)left;
  curl_xfer x = {.c = c, .label = cc->label, .e = e,
                 .text_notes = &cc->text_notes};
  buf body, url;
  buf_init(&body, 16u * 1024u * 1024u);
  buf_init(&url, 8192);
  int has_body = q->has_body || q->nchunks > 0;
  if (has_body)
    scenario_request_body(q, &body);
  if (buf_printf(&url, "%s%s", c->tg->url, q->path) != BUF_OK)
    buf_reset(&url);   /* "": libcurl refuses it, and the exchange says why */
  /* a POST always goes as POSTFIELDS (empty when there is no body) */
  int posts = has_body || strcmp(q->method, "POST") == 0;
  struct curl_slist *hdrs = request_headers(q, c->tg->authority, posts);
  CURL *h = cc->h;
  cc->errbuf[0] = '\0';
  curl_easy_setopt(h, CURLOPT_URL, url.data ? url.data : "");
  set_method(h, q, &body, has_body);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, http_version_for(c, cc));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, tmo);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, tmo);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
  curl_easy_setopt(h, CURLOPT_DEBUGDATA, &x);
  CURLcode rc = curl_easy_perform(h);
  record_result(c, cc, &x, rc, t0);
  cc->nperformed++;
  xfer_clear_headers(&x);
  curl_slist_free_all(hdrs);
  buf_free(&body);
  buf_free(&url);
}

/* ---- handles ---------------------------------------------------------- */

static int open_handle(curl_conn *cc, const char *label) {
  memset(cc, 0, sizeof *cc);
  snprintf(cc->label, sizeof cc->label, "%s", label);
  cc->h = curl_easy_init();
  if (!cc->h)
    return -1;
  CURL *h = cc->h;
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);         /* we run in threads */
  curl_easy_setopt(h, CURLOPT_PROXY, "");            /* never an env proxy */
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);       /* the scenario's path */
  curl_easy_setopt(h, CURLOPT_HTTP09_ALLOWED, 1L);   /* only to see the bytes */
  curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);          /* for DEBUGFUNCTION */
  curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_debug);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cc->errbuf);
  return 0;
}

static curl_conn *handle_for(curl_conn *conns, int *n, const char *label) {
  for (int i = 0; i < *n; i++)
    if (strcmp(conns[i].label, label) == 0)
      return &conns[i];
  if (*n == SC_MAX_REQUESTS || open_handle(&conns[*n], label) != 0)
    return NULL;
  return &conns[(*n)++];
}

void engine_curl_run(cell *c, const engine_opts *o) {
  curl_conn conns[SC_MAX_REQUESTS];
  int nconns = 0;
  if (c->sc->send == SEND_PIPELINED)
    transcript_note(&c->tx, "a", "curl engine: requests are sent one after "
                                 "another (libcurl does not pipeline)");
  for (int i = 0; i < c->sc->nrequests; i++) {
    curl_conn *cc = handle_for(conns, &nconns, c->sc->requests[i].connection);
    if (!cc) {
      c->ex[i].outcome = OUT_NOT_SENT;
      snprintf(c->ex[i].detail, sizeof c->ex[i].detail,
               "curl_easy_init failed");
      continue;
    }
    run_request(c, o, cc, i);
  }
  for (int i = 0; i < nconns; i++)
    curl_easy_cleanup(conns[i].h);
}
