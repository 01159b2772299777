/* http1_parse.c - an incremental HTTP/1.1 response parser (RFC 9112).
 *
 * The idea: a small state machine fed whatever bytes arrived. The header
 * section is collected whole (bounded by H1_MAX_HEADER_BYTES) and parsed once
 * its empty line is seen; the body is then framed by chunked coding,
 * Content-Length, or the end of the connection (RFC 9112 §6.3). Decisions only
 * ever depend on bytes already seen, so any split of the input - down to one
 * byte per call - gives the same result. The parser stops exactly at the end
 * of one response (`used`), which is what pipelining and a 101 handover need.
 *
 * Server bytes are hostile: every field is length-checked, caps give H1_ERROR
 * with too_big set, never a crash. Where real servers are sloppy in harmless
 * ways (lone LF line ends, obs-fold, empty lines before the status line) the
 * parser is lenient as RFC 9112 allows, but records it in resp.quirks so a
 * person reading the report sees it. */
#include "http1_parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
  ST_HEAD = 0,      /* status line + header fields, collected in p->line */
  ST_BODY_CL,       /* p->remaining body bytes to go */
  ST_CHUNK_SIZE,    /* chunk-size line, collected in p->line */
  ST_CHUNK_DATA,    /* p->remaining bytes of chunk data */
  ST_CHUNK_CR,      /* the CRLF after chunk data */
  ST_CHUNK_LF,
  ST_TRAILERS,      /* trailer section, collected in p->line */
  ST_BODY_EOF,      /* no framing: the body runs until the peer closes */
  ST_DONE,
  ST_ERROR
};

#define CHUNK_LINE_MAX 4096u

void http1_parse_init(h1_parser *p, int request_was_head) {
  memset(p, 0, sizeof *p);
  p->state = ST_HEAD;
  p->request_was_head = request_was_head;
  buf_init(&p->line, H1_MAX_HEADER_BYTES);
  buf_init(&p->resp.body, H1_MAX_BODY);
  p->resp.content_length = -1;
}

int http1_parse_next_after_interim(h1_parser *p, int *interim) {
  int head = p->request_was_head;
  http1_parse_free(p);
  http1_parse_init(p, head);
  if (++*interim <= H1_MAX_INTERIM)
    return 0;
  snprintf(p->errmsg, sizeof p->errmsg, "more than %d interim (1xx) answers",
           H1_MAX_INTERIM);
  p->resp.too_big = 1;
  return -1;
}

void http1_parse_free(h1_parser *p) {
  for (int i = 0; i < p->resp.nheaders; i++) {
    free(p->resp.headers[i].name);
    free(p->resp.headers[i].value);
  }
  p->resp.nheaders = 0;
  buf_free(&p->line);
  buf_free(&p->resp.body);
}

static h1_status fail(h1_parser *p, int too_big, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Moves to the error state with a message a person can act on. */
static h1_status fail(h1_parser *p, int too_big, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(p->errmsg, sizeof p->errmsg, fmt, ap);
  va_end(ap);
  p->state = ST_ERROR;
  if (too_big)
    p->resp.too_big = 1;
  return H1_ERROR;
}

/* Records a leniency once ("; "-separated), silently cut at the field size. */
static void add_quirk(h1_parser *p, const char *what) {
  char *q = p->resp.quirks;
  if (strstr(q, what))
    return;
  size_t len = strlen(q);
  snprintf(q + len, sizeof p->resp.quirks - len, "%s%s", len ? "; " : "", what);
}

/* ---- header values and tokens ---------------------------------------- */

static int is_tchar(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

const char *http1_parse_header_get(const h1_response *r, const char *name) {
  for (int i = 0; i < r->nheaders; i++)
    if (strcasecmp(r->headers[i].name, name) == 0)
      return r->headers[i].value;
  return NULL;
}

/* Does the comma-separated list `v` hold `token` (case-insensitive)? */
static int list_has_token(const char *v, const char *token) {
  size_t tlen = strlen(token);
  while (*v) {
    while (*v == ' ' || *v == '\t' || *v == ',')
      v++;
    const char *start = v;
    while (*v && *v != ',')
      v++;
    const char *end = v;
    while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
      end--;
    if ((size_t)(end - start) == tlen && strncasecmp(start, token, tlen) == 0)
      return 1;
  }
  return 0;
}

int http1_parse_header_has_token(const h1_response *r, const char *name,
                        const char *token) {
  for (int i = 0; i < r->nheaders; i++)
    if (strcasecmp(r->headers[i].name, name) == 0 &&
        list_has_token(r->headers[i].value, token))
      return 1;
  return 0;
}

/* The last member of a comma-separated list, lower-cased, into out. */
static void list_last_token(const char *v, char *out, size_t outlen) {
  const char *comma = strrchr(v, ',');
  const char *s = comma ? comma + 1 : v;
  while (*s == ' ' || *s == '\t')
    s++;
  size_t n = 0;
  while (s[n] && s[n] != ' ' && s[n] != '\t' && s[n] != ';' && n + 1 < outlen) {
    out[n] = (char)((s[n] >= 'A' && s[n] <= 'Z') ? s[n] + 32 : s[n]);
    n++;
  }
  out[n] = '\0';
}

/* ---- status line and header fields ----------------------------------- */

/* "HTTP/1.x SP 3DIGIT [SP reason]" (RFC 9112 §4); the SP before an empty
 * reason is tolerated missing. */
static h1_status parse_status_line(h1_parser *p, const char *s, size_t n) {
  h1_response *r = &p->resp;
  if (n < 12 || memcmp(s, "HTTP/", 5) != 0 || s[6] != '.' || s[8] != ' ')
    return fail(p, 0, "malformed status line (want \"HTTP/1.x NNN reason\")");
  if (s[5] != '1' || s[7] < '0' || s[7] > '9')
    return fail(p, 0, "status line says HTTP/%c.%c, not HTTP/1.x", s[5], s[7]);
  r->version_minor = s[7] - '0';
  for (int i = 9; i < 12; i++)
    if (s[i] < '0' || s[i] > '9')
      return fail(p, 0, "status code is not three digits");
  r->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
  if (r->status < 100)
    return fail(p, 0, "status code %03d is below 100", r->status);
  if (n > 12 && s[12] != ' ')
    return fail(p, 0, "no space after the status code");
  if (n == 12)
    add_quirk(p, "no SP after the status code");
  size_t rlen = n > 13 ? n - 13 : 0;
  if (rlen >= sizeof r->reason)
    rlen = sizeof r->reason - 1;
  if (rlen)
    memcpy(r->reason, s + 13, rlen);
  r->reason[rlen] = '\0';
  return H1_NEED_MORE;
}

static char *dup_range(const char *s, size_t n) {
  char *d = malloc(n + 1);
  if (d) {
    memcpy(d, s, n);
    d[n] = '\0';
  }
  return d;
}

/* An obs-fold line continues the previous field: RFC 9112 §5.2 says a user
 * agent replaces the fold with SP. Before any field, the line is dropped. */
static h1_status add_folded(h1_parser *p, const char *s, size_t n) {
  h1_response *r = &p->resp;
  while (n && (*s == ' ' || *s == '\t'))
    s++, n--;
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
    n--;
  if (r->nheaders == 0) {
    add_quirk(p, "whitespace-led line before the first field (ignored)");
    return H1_NEED_MORE;
  }
  add_quirk(p, "obs-fold (replaced by SP)");
  char *old = r->headers[r->nheaders - 1].value;
  size_t olen = strlen(old);
  char *v = realloc(old, olen + 1 + n + 1);
  if (!v)
    return fail(p, 0, "out of memory");
  v[olen] = ' ';
  memcpy(v + olen + 1, s, n);
  v[olen + 1 + n] = '\0';
  r->headers[r->nheaders - 1].value = v;
  return H1_NEED_MORE;
}

/* "name: OWS value OWS" (RFC 9112 §5). */
static h1_status parse_field_line(h1_parser *p, const char *s, size_t n) {
  h1_response *r = &p->resp;
  if (*s == ' ' || *s == '\t')
    return add_folded(p, s, n);
  size_t name_len = 0;
  while (name_len < n && is_tchar((unsigned char)s[name_len]))
    name_len++;
  if (name_len == n)
    return fail(p, 0, "header line without a colon");
  if (s[name_len] != ':') {
    if (s[name_len] == ' ' || s[name_len] == '\t')
      return fail(p, 0, "whitespace between a field name and its colon "
                        "(RFC 9112 §5.1)");
    return fail(p, 0, "invalid byte 0x%02x in a field name",
                (unsigned char)s[name_len]);
  }
  if (name_len == 0)
    return fail(p, 0, "empty field name");
  const char *v = s + name_len + 1;
  size_t vlen = n - name_len - 1;
  while (vlen && (*v == ' ' || *v == '\t'))
    v++, vlen--;
  while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
    vlen--;
  if (memchr(v, '\0', vlen))
    return fail(p, 0, "NUL byte in the value of %.*s", (int)name_len, s);
  if (r->nheaders == H1_MAX_HEADERS)
    return fail(p, 1, "more than %d header fields", H1_MAX_HEADERS);
  char *name = dup_range(s, name_len), *value = dup_range(v, vlen);
  if (!name || !value) {
    free(name);
    free(value);
    return fail(p, 0, "out of memory");
  }
  r->headers[r->nheaders].name = name;
  r->headers[r->nheaders].value = value;
  r->nheaders++;
  return H1_NEED_MORE;
}

/* Splits the collected header section into lines (CRLF, or a lone LF which
 * is noted) and parses each. The section ends with its empty line. */
static h1_status parse_head(h1_parser *p) {
  const char *s = p->line.data, *end = p->line.data + p->line.len;
  int first = 1;
  while (s < end) {
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    size_t n = (size_t)(nl - s);
    if (n && s[n - 1] == '\r')
      n--;
    else
      add_quirk(p, "line ended by LF without CR");
    if (memchr(s, '\r', n))
      return fail(p, 0, "bare CR inside a header line");
    if (n == 0)
      break;
    h1_status st = first ? parse_status_line(p, s, n) : parse_field_line(p, s, n);
    if (st == H1_ERROR)
      return st;
    first = 0;
    s = nl + 1;
  }
  return H1_NEED_MORE;
}

/* ---- framing (RFC 9112 §6.3) ------------------------------------------ */

/* Content-Length: digits; repeated fields or a list are fine when every
 * value is the same (RFC 9110 §8.6), anything else is an error. */
static h1_status parse_content_length(h1_parser *p) {
  h1_response *r = &p->resp;
  for (int i = 0; i < r->nheaders; i++) {
    if (strcasecmp(r->headers[i].name, "Content-Length") != 0)
      continue;
    const char *v = r->headers[i].value;
    for (;;) {
      while (*v == ' ' || *v == '\t')
        v++;
      if (*v < '0' || *v > '9')
        return fail(p, 0, "invalid Content-Length \"%.60s\"", r->headers[i].value);
      long long n = 0;
      while (*v >= '0' && *v <= '9') {
        if (n > (1LL << 50))
          return fail(p, 1, "Content-Length \"%.60s\" is absurdly large",
                      r->headers[i].value);
        n = n * 10 + (*v++ - '0');
      }
      while (*v == ' ' || *v == '\t')
        v++;
      if (r->content_length >= 0 && r->content_length != n)
        return fail(p, 0, "conflicting Content-Length values %lld and %lld",
                    r->content_length, n);
      r->content_length = n;
      if (*v == '\0')
        break;
      if (*v != ',')
        return fail(p, 0, "invalid Content-Length \"%.60s\"", r->headers[i].value);
      v++;
    }
  }
  return H1_NEED_MORE;
}

/* Transfer-Encoding: chunked last → chunked; any other final coding means the
 * body runs until the server closes (RFC 9112 §6.3 item 4). */
static void parse_transfer_encoding(h1_parser *p, int *has_te) {
  h1_response *r = &p->resp;
  char last[32] = "";
  *has_te = 0;
  for (int i = 0; i < r->nheaders; i++)
    if (strcasecmp(r->headers[i].name, "Transfer-Encoding") == 0) {
      *has_te = 1;
      list_last_token(r->headers[i].value, last, sizeof last);
    }
  r->chunked = *has_te && strcmp(last, "chunked") == 0;
}

/* After the header section: decide what, if anything, follows it. */
static h1_status finish_head(h1_parser *p) {
  h1_response *r = &p->resp;
  if (parse_head(p) == H1_ERROR)
    return H1_ERROR;
  buf_reset(&p->line);
  r->conn_close = http1_parse_header_has_token(r, "Connection", "close") ||
                  (r->version_minor == 0 &&
                   !http1_parse_header_has_token(r, "Connection", "keep-alive"));
  if (r->status < 200) {            /* 101 ends here: the rest is HTTP/2 */
    r->is_interim = r->status != 101;
    p->state = ST_DONE;
    return H1_DONE;
  }
  if (parse_content_length(p) == H1_ERROR)
    return H1_ERROR;
  int has_te;
  parse_transfer_encoding(p, &has_te);
  if (p->request_was_head || r->status == 204 || r->status == 304) {
    p->state = ST_DONE;
    return H1_DONE;
  }
  if (has_te) {
    if (r->content_length >= 0)
      add_quirk(p, "both Transfer-Encoding and Content-Length (TE wins)");
    if (r->chunked) {
      p->state = ST_CHUNK_SIZE;
      return H1_NEED_MORE;
    }
    r->until_eof = 1;
    p->state = ST_BODY_EOF;
    return H1_NEED_MORE;
  }
  if (r->content_length > (long long)H1_MAX_BODY)
    return fail(p, 1, "Content-Length %lld is over the body cap of %u bytes",
                r->content_length, H1_MAX_BODY);
  if (r->content_length == 0) {
    p->state = ST_DONE;
    return H1_DONE;
  }
  if (r->content_length > 0) {
    p->remaining = r->content_length;
    p->state = ST_BODY_CL;
    return H1_NEED_MORE;
  }
  r->until_eof = 1;
  p->state = ST_BODY_EOF;
  return H1_NEED_MORE;
}

/* Does the collected text end with an empty line ("\n\n" or "\n\r\n")? */
static int ends_with_empty_line(const buf *b) {
  const char *d = b->data;
  size_t n = b->len;
  return (n >= 2 && d[n - 1] == '\n' && d[n - 2] == '\n') ||
         (n >= 3 && d[n - 1] == '\n' && d[n - 2] == '\r' && d[n - 3] == '\n');
}

static int is_empty_line(const buf *b) {
  return (b->len == 1 && b->data[0] == '\n') ||
         (b->len == 2 && b->data[0] == '\r' && b->data[1] == '\n');
}

/* Appends input up to and including the next LF (or all of it) to p->line.
 * Returns 1 when a line ended, 0 when more is needed, -1 over the cap. */
static int take_line(h1_parser *p, const char *data, size_t n, size_t *i) {
  const char *nl = memchr(data + *i, '\n', n - *i);
  size_t take = nl ? (size_t)(nl - (data + *i)) + 1 : n - *i;
  if (buf_add(&p->line, data + *i, take) != BUF_OK)
    return -1;
  *i += take;
  return nl != NULL;
}

/* A response must start with "HTTP/": say so at the first wrong byte rather
 * than wait for a line end that may never come (e.g. an HTTP/2 frame). */
static int status_prefix_ok(const buf *b) {
  if (b->len == 0 || b->data[0] == '\r' || b->data[0] == '\n')
    return 1;
  size_t n = b->len < 5 ? b->len : 5;
  return memcmp(b->data, "HTTP/", n) == 0;
}

static h1_status feed_head(h1_parser *p, const char *data, size_t n, size_t *i) {
  while (*i < n) {
    int got = take_line(p, data, n, i);
    if (got < 0)
      return fail(p, 1, "header section larger than %u bytes",
                  H1_MAX_HEADER_BYTES);
    if (!status_prefix_ok(&p->line))
      return fail(p, 0, "not an HTTP/1.x response (does not start with \"HTTP/\")");
    if (!got)
      return H1_NEED_MORE;
    if (is_empty_line(&p->line)) {  /* before the status line */
      add_quirk(p, "empty line before the status line (ignored)");
      buf_reset(&p->line);
      continue;
    }
    if (ends_with_empty_line(&p->line))
      return finish_head(p);
  }
  return H1_NEED_MORE;
}

/* "1*HEXDIG [BWS ; chunk-ext] CRLF" (RFC 9112 §7.1); extensions are ignored. */
static h1_status parse_chunk_size(h1_parser *p) {
  const char *s = p->line.data;
  size_t n = p->line.len - 1;          /* drop LF */
  if (n && s[n - 1] == '\r')
    n--;
  else
    add_quirk(p, "line ended by LF without CR");
  size_t i = 0;
  long long size = 0;
  while (i < n && s[i] && strchr("0123456789abcdefABCDEF", s[i])) {
    if (size > (long long)H1_MAX_BODY)
      return fail(p, 1, "chunk size over the body cap of %u bytes", H1_MAX_BODY);
    char c = s[i++];
    size = size * 16 + (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  }
  if (i == 0)
    return fail(p, 0, "chunk-size line \"%.40s\" does not start with hex digits", s);
  while (i < n && (s[i] == ' ' || s[i] == '\t'))
    i++;
  if (i < n && s[i] != ';')
    return fail(p, 0, "invalid chunk-size line \"%.40s\"", s);
  if (size > (long long)(H1_MAX_BODY - p->resp.body.len))
    return fail(p, 1, "chunked body over the body cap of %u bytes", H1_MAX_BODY);
  buf_reset(&p->line);
  p->remaining = size;
  p->state = size ? ST_CHUNK_DATA : ST_TRAILERS;
  return H1_NEED_MORE;
}

/* Copies up to p->remaining body bytes. */
static h1_status take_body(h1_parser *p, const char *data, size_t n, size_t *i) {
  size_t avail = n - *i;
  size_t take = (long long)avail < p->remaining ? avail : (size_t)p->remaining;
  /* The framed length was checked against the cap when it was parsed, so
   * only running out of memory fails here. */
  if (buf_add(&p->resp.body, data + *i, take) != BUF_OK)
    return fail(p, 1, "body over the cap of %u bytes (or out of memory)", H1_MAX_BODY);
  *i += take;
  p->remaining -= (long long)take;
  return H1_NEED_MORE;
}

static h1_status feed_chunked(h1_parser *p, const char *data, size_t n,
                              size_t *i) {
  while (*i < n && p->state != ST_DONE) {
    int got;
    switch (p->state) {
    case ST_CHUNK_SIZE:
      got = take_line(p, data, n, i);
      if (got < 0 || p->line.len > CHUNK_LINE_MAX)
        return fail(p, 0, "chunk-size line longer than %u bytes", CHUNK_LINE_MAX);
      if (got && parse_chunk_size(p) == H1_ERROR)
        return H1_ERROR;
      break;
    case ST_CHUNK_DATA:
      if (take_body(p, data, n, i) == H1_ERROR)
        return H1_ERROR;
      if (p->remaining == 0)
        p->state = ST_CHUNK_CR;
      break;
    case ST_CHUNK_CR:
    case ST_CHUNK_LF: {
      unsigned char c = (unsigned char)data[(*i)++];
      if (c == '\r' && p->state == ST_CHUNK_CR) {
        p->state = ST_CHUNK_LF;
      } else if (c == '\n') {
        if (p->state == ST_CHUNK_CR)
          add_quirk(p, "line ended by LF without CR");
        p->state = ST_CHUNK_SIZE;
      } else {
        return fail(p, 0, "chunk data not followed by CRLF (byte 0x%02x)", c);
      }
      break;
    }
    case ST_TRAILERS:
      got = take_line(p, data, n, i);
      if (got < 0)
        return fail(p, 1, "trailer section larger than %u bytes",
                    H1_MAX_HEADER_BYTES);
      if (got && (is_empty_line(&p->line) || ends_with_empty_line(&p->line))) {
        buf_reset(&p->line);
        p->state = ST_DONE;
      }
      break;
    }
  }
  return p->state == ST_DONE ? H1_DONE : H1_NEED_MORE;
}

h1_status http1_parse_feed(h1_parser *p, const char *data, size_t n, size_t *used) {
  size_t i = 0;
  h1_status st = H1_NEED_MORE;
  *used = 0;
  if (p->state == ST_DONE)
    return H1_DONE;
  if (p->state == ST_ERROR)
    return H1_ERROR;
  if (p->state == ST_HEAD) {
    st = feed_head(p, data, n, &i);
    if (st != H1_NEED_MORE || p->state == ST_HEAD) {
      *used = i;
      return st;
    }
  }
  switch (p->state) {
  case ST_BODY_CL:
    if (take_body(p, data, n, &i) == H1_ERROR)
      st = H1_ERROR;
    else if (p->remaining == 0) {
      p->state = ST_DONE;
      st = H1_DONE;
    }
    break;
  case ST_BODY_EOF:
    if (buf_add(&p->resp.body, data + i, n - i) != BUF_OK)
      st = fail(p, 1, "body without length framing is over the cap of %u bytes",
                H1_MAX_BODY);
    i = n;
    break;
  default:
    st = feed_chunked(p, data, n, &i);
    break;
  }
  *used = i;
  return st;
}

h1_status http1_parse_eof(h1_parser *p) {
  switch (p->state) {
  case ST_DONE:
    return H1_DONE;
  case ST_ERROR:
    return H1_ERROR;
  case ST_BODY_EOF:
    p->state = ST_DONE;
    return H1_DONE;
  case ST_HEAD:
    if (p->line.len == 0)
      return fail(p, 0, "closed before any byte of a response");
    return fail(p, 0, "closed inside the header section (%zu bytes in)",
                p->line.len);
  case ST_BODY_CL:
    return fail(p, 0, "closed after %zu of %lld body bytes", p->resp.body.len,
                p->resp.content_length);
  default:
    return fail(p, 0, "closed inside the chunked body (%zu body bytes so far)",
                p->resp.body.len);
  }
}

const char *http1_parse_h2_frame(const void *data, size_t n) {
  const unsigned char *b = data;
  if (n < 9 || (b[5] | b[6] | b[7] | (b[8] & 0x7f)) != 0)
    return NULL;
  size_t len = ((size_t)b[0] << 16) | ((size_t)b[1] << 8) | b[2];
  if (b[3] == 0x04 && len % 6 == 0 && len <= 16384)
    return "a SETTINGS frame";
  if (b[3] == 0x07 && len >= 8 && len <= 16384)
    return "a GOAWAY frame";
  return NULL;
}
