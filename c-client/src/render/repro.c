/* render/repro.c - a command a maintainer can paste into a shell to see the
 * problem without the lab.
 *
 * curl when curl can say the same thing (the curl and h2 engines, and raw
 * scenarios that are plain sequential requests on one connection, neither
 * calibrated nor answered 101); otherwise the exact bytes the probe sent,
 * as the cell's transcript recorded them, through printf into nc, or, when
 * the scenario uses several client connections, a bash script with one
 * /dev/tcp descriptor per connection. Nothing is framed again here: the
 * bytes are the transcript's (the requests' own "wire" only when the
 * transcript lacks some), each write a second after the one before, as the
 * probe wrote it after reading an answer. Only the scenario's connections
 * count (not the probe's own measurements, such as a loss check), and only
 * the requests the probe sent (results.json has an exchange for each).
 * Every byte is quoted for the shell: text in single quotes ('\'' for a
 * quote), bytes as printf octal escapes (portable to dash). */
#include "repro.h"
#include "esc.h"
#include "jget.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define AUTHORITY "{authority}"
#define CELL_TAG "{cell}"
#define MAX_CONNS 7                /* bash descriptors 3..9 */
#define MAX_SENDS 64               /* writes shown; more are left out, saying so */

/* The cell a reproducer is for: its target, and its tag for {cell} in what
 * curl sends (NULL: {cell} stays as it is). */
typedef struct inst {
  const r_target *t;
  const char *tag;
} inst;

/* ---- quoting ----------------------------------------------------------- */

static int printable(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
      return 0;
  return 1;
}

static void sh_quote(out *o, const char *s) {
  if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                      "0123456789@%+=:,./_-") == strlen(s)) {
    out_adds(o, s);
    return;
  }
  out_adds(o, "'");
  for (; *s; s++)
    out_adds(o, *s == '\'' ? "'\\''" : (char[]){*s, 0});
  out_adds(o, "'");
}

/* Bytes as a printf format inside single quotes. */
static void printf_quote(out *o, const char *s, size_t n) {
  out_adds(o, "'");
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '%')
      out_adds(o, "%%");
    else if (c == '\\')
      out_adds(o, "\\\\");
    else if (c == '\r')
      out_adds(o, "\\r");
    else if (c == '\n')
      out_adds(o, "\\n");
    else if (c == '\t')
      out_adds(o, "\\t");
    else if (c == '\'' || c < 0x20 || c > 0x7e)
      out_printf(o, "\\%03o", c);
    else
      out_add(o, (const char *)&c, 1);
  }
  out_adds(o, "'");
}

/* s with every {authority} replaced by auth (header part only, never
 * bodies; NULL: kept) and every {cell} by tag (NULL: kept). */
static void substitute(out *o, const char *s, size_t n, const char *auth,
                       const char *tag) {
  size_t al = strlen(AUTHORITY), cl = strlen(CELL_TAG);
  for (size_t i = 0; i < n;) {
    if (auth && n - i >= al && memcmp(s + i, AUTHORITY, al) == 0) {
      out_adds(o, auth);
      i += al;
    } else if (tag && n - i >= cl && memcmp(s + i, CELL_TAG, cl) == 0) {
      out_adds(o, tag);
      i += cl;
    } else {
      out_add(o, s + i, 1);
      i++;
    }
  }
}

/* An escaped-bytes field decoded, with {cell} replaced by tag. */
static void decode_field(out *o, const char *escaped, const char *tag) {
  buf b;
  esc_decode(&b, escaped);
  substitute(o, b.data ? b.data : "", b.len, NULL, tag);
  buf_free(&b);
}

/* ---- request data ------------------------------------------------------ */

static int header_pair(const cJSON *h, const char **name, const char **value) {
  const cJSON *n = cJSON_GetArrayItem(h, 0), *v = cJSON_GetArrayItem(h, 1);
  if (!cJSON_IsString(n) || !cJSON_IsString(v))
    return 0;
  *name = n->valuestring;
  *value = v->valuestring;
  return 1;
}

static int header_is(const char *name, const char *const *set) {
  for (; *set; set++)
    if (strcasecmp(name, *set) == 0)
      return 1;
  return 0;
}

/* The HTTP/2 engines drop these (docs/formats.md); curl must too. */
static const char *const h2_dropped[] = {"Connection", "Upgrade",
    "HTTP2-Settings", "Keep-Alive", "Transfer-Encoding", "Host",
    "Proxy-Connection", NULL};
/* Framing curl decides itself: a scenario that sets them needs raw bytes. */
static const char *const framing[] = {"Content-Length", "Transfer-Encoding",
                                      "Expect", NULL};

/* ---- curl -------------------------------------------------------------- */

static int request_curlable(const r_req *r, int h2) {
  if (r->chunks || r->after_101 || !printable(r->method, strlen(r->method)) ||
      r->path[0] != '/' || !printable(r->path, strlen(r->path)) ||
      strchr(r->path, ' '))
    return 0;
  const cJSON *h;
  cJSON_ArrayForEach(h, r->headers) {
    const char *n, *v;
    if (!header_pair(h, &n, &v))
      return 0;
    if (h2 && header_is(n, h2_dropped))
      continue;                      /* never sent, whatever it holds */
    if (header_is(n, framing) || !*n || strpbrk(n, ":; ") ||
        !printable(n, strlen(n)) || !printable(v, strlen(v)))
      return 0;
  }
  buf body;
  esc_decode(&body, r->body);
  int ok = printable(body.data ? body.data : "", body.len);
  buf_free(&body);
  return ok;
}

/* Raw scenarios qualify when curl would put the same requests on one
 * connection: sequential, one client, Host first, no 101 to follow. */
static int raw_curlable(const r_scenario *s, int upgraded) {
  if (upgraded || strcmp(s->send, "sequential") != 0)
    return 0;
  for (int i = 0; i < s->nreq; i++) {
    const char *n, *v;
    const cJSON *first = cJSON_GetArrayItem(s->req[i].headers, 0);
    if (strcmp(s->req[i].connection, s->req[0].connection) != 0 || !first ||
        !header_pair(first, &n, &v) || strcasecmp(n, "Host") != 0)
      return 0;
    int hosts = 0;
    const cJSON *h;
    cJSON_ArrayForEach(h, s->req[i].headers) hosts +=
        header_pair(h, &n, &v) && strcasecmp(n, "Host") == 0;
    if (hosts != 1)
      return 0;
  }
  return 1;
}

static int curlable(const r_scenario *s, int upgraded, int calibrated) {
  int h2 = strcmp(s->engine, "h2") == 0;
  if (s->nreq == 0 || calibrated)    /* a resized body: exact bytes */
    return 0;
  for (int i = 0; i < s->nreq; i++)
    if (!request_curlable(&s->req[i], h2))
      return 0;
  if (strcmp(s->engine, "raw") == 0)
    return raw_curlable(s, upgraded);
  return h2 || strcmp(s->engine, "curl") == 0;
}

static const char *curl_version_flag(const r_scenario *s) {
  if (strcmp(s->engine, "h2") == 0)
    return "--http2-prior-knowledge";
  const char *v = s->curl_http_version;
  if (v && strcmp(v, "2") == 0)
    return "--http2";
  if (v && strcmp(v, "2-prior-knowledge") == 0)
    return "--http2-prior-knowledge";
  return "--http1.1";
}

static void curl_options(out *o, const r_scenario *s, const r_req *r,
                         const inst *in) {
  int h2 = strcmp(s->engine, "h2") == 0;
  out body;
  out_init(&body);
  decode_field(&body, r->body, in->tag);
  out_printf(o, "%s -m 5 %s", strcmp(r->method, "HEAD") == 0 ? "-I" : "-i",
             curl_version_flag(s));
  /* curl's own method: GET without data, POST with it, HEAD with -I */
  int implied = r->body ? strcmp(r->method, "POST") == 0
                        : strcmp(r->method, "GET") == 0 ||
                              strcmp(r->method, "HEAD") == 0;
  if (!implied) {
    out_adds(o, " -X ");
    sh_quote(o, r->method);
  }
  const cJSON *h;
  cJSON_ArrayForEach(h, r->headers) {
    const char *n, *v;
    if (!header_pair(h, &n, &v) || (h2 && header_is(n, h2_dropped)))
      continue;
    if (strcasecmp(n, "Host") == 0 && strcmp(v, AUTHORITY) == 0)
      continue;                      /* curl sends exactly this itself */
    out hv;
    out_init(&hv);
    out_adds(&hv, n);
    out_adds(&hv, *v ? ": " : ";");  /* "Name;" sends an empty value */
    substitute(&hv, v, strlen(v), in->t->authority, in->tag);
    out_adds(o, " -H ");
    sh_quote(o, hv.b.data);
    o->failed |= hv.failed;
    out_free(&hv);
  }
  if (r->body) {
    if (body.b.len > 1024)
      out_adds(o, " -H Expect:");
    out_adds(o, " --data-binary ");
    sh_quote(o, body.b.data ? body.b.data : "");
  }
  o->failed |= body.failed;
  out_free(&body);
}

static int same_request(const r_req *a, const r_req *b, int by_connection) {
  if (strcmp(a->method, b->method) != 0 ||
      !cJSON_Compare(a->headers, b->headers, 1) || !a->body != !b->body ||
      (a->body && strcmp(a->body, b->body) != 0))
    return 0;
  return !by_connection || strcmp(a->connection, b->connection) == 0;
}

static void curl_url(out *o, const inst *in, const char *path) {
  out u;
  out_init(&u);
  const char *url = in->t->url ? in->t->url : "";
  size_t n = strlen(url);
  while (n && url[n - 1] == '/')
    n--;
  out_add(&u, url, n);
  substitute(&u, path, strlen(path), NULL, in->tag);
  out_adds(o, " ");
  sh_quote(o, u.b.data);
  o->failed |= u.failed;
  out_free(&u);
}

/* One curl invocation; consecutive identical requests share one option set
 * (curl reuses the connection for its URLs), the others follow --next. The
 * h2 engine gives every connection label its own invocation. */
static void curl_command(out *o, const r_scenario *s, const inst *in) {
  int h2 = strcmp(s->engine, "h2") == 0;
  for (int i = 0; i < s->nreq;) {
    const r_req *r = &s->req[i];
    if (i == 0)
      out_adds(o, "curl ");
    else if (h2 && strcmp(r->connection, s->req[i - 1].connection) != 0)
      out_adds(o, "\ncurl ");
    else
      out_adds(o, " \\\n  --next ");
    curl_options(o, s, r, in);
    int j = i;
    while (j < s->nreq && same_request(r, &s->req[j], h2))
      curl_url(o, in, s->req[j++].path);
    i = j;
  }
  out_adds(o, "\n");
}

/* ---- the bytes sent ---------------------------------------------------- */

/* One write of the probe on one connection (consecutive writes that
 * continue each other are one). */
typedef struct send {
  const char *conn;
  out bytes;
} send;

typedef struct sends {
  send v[MAX_SENDS];
  int n;
  int dropped;                       /* writes past MAX_SENDS */
} sends;

static void sends_free(sends *w) {
  for (int i = 0; i < w->n; i++)
    out_free(&w->v[i].bytes);
  w->n = 0;
}

/* A new write on conn, or NULL (counted) when there are too many. */
static out *sends_new(sends *w, const char *conn) {
  if (w->n == MAX_SENDS) {
    w->dropped++;
    return NULL;
  }
  send *x = &w->v[w->n++];
  x->conn = conn;
  out_init(&x->bytes);
  return &x->bytes;
}

/* Whether label is one of the scenario's client connections (the probe's
 * own, such as a loss check or a calibration, are not). */
static int scenario_conn(const r_scenario *s, const char *label) {
  for (int i = 0; label && i < s->nreq; i++)
    if (strcmp(s->req[i].connection, label) == 0)
      return 1;
  return 0;
}

/* The writes of the cell's transcript on the scenario's connections; 0
 * when the transcript has none or does not hold every byte (cut). */
static int transcript_sends(sends *w, const r_cell *c, const r_scenario *s) {
  const cJSON *ev, *prev = NULL;
  out *cur = NULL;
  int complete = !c->truncated;
  cJSON_ArrayForEach(ev, c->events) {
    const char *dir = jget_str(ev, "dir"), *conn = jget_str(ev, "conn");
    if (!dir || !scenario_conn(s, conn))
      continue;
    if (strcmp(dir, "out") != 0) {
      prev = NULL;                   /* an answer or a note ends a write */
      continue;
    }
    int joined = prev && strcmp(jget_str(prev, "conn"), conn) == 0 &&
                 jget_long(ev, "offset", -1) == jget_long(prev, "offset", 0) +
                                                    jget_long(prev, "len", 0);
    if (!joined)
      cur = sends_new(w, conn);
    buf b;
    esc_decode(&b, jget_str(ev, "data"));
    complete &= (long)b.len == jget_long(ev, "len", -1);
    if (cur)
      out_add(cur, b.data ? b.data : "", b.len);
    buf_free(&b);
    prev = ev;
  }
  return complete && w->n > 0;
}

/* The request's recorded wire with {authority} filled in (head only). */
static void wire_bytes(out *o, const r_req *r, const r_target *t) {
  buf b;
  esc_decode(&b, r->wire);
  const char *d = b.data ? b.data : "";
  const char *end = memmem(d, b.len, "\r\n\r\n", 4);
  size_t head = end ? (size_t)(end - d) + 4 : b.len;
  substitute(o, d, head, t->authority, NULL);
  out_add(o, d + head, b.len - head);
  buf_free(&b);
}

/* Without a whole transcript: the requests' wire as results.json records
 * it (pipelined: a connection's requests in one write), each after_101 a
 * write of its own. 0 when a request has no wire. */
static int wire_sends(sends *w, const r_scenario *s, const r_target *t) {
  int pipelined = strcmp(s->send, "pipelined") == 0;
  for (int i = 0; i < s->nreq; i++) {
    const r_req *r = &s->req[i];
    if (!r->wire)
      return 0;
    out *cur = NULL;
    for (int k = w->n - 1; pipelined && k >= 0 && !cur; k--)
      if (strcmp(w->v[k].conn, r->connection) == 0)
        cur = &w->v[k].bytes;
    if (!cur)
      cur = sends_new(w, r->connection);
    if (cur)
      wire_bytes(cur, r, t);
  }
  for (int i = 0; i < s->nreq; i++)
    if (s->req[i].after_101) {
      out *cur = sends_new(w, s->req[i].connection);
      if (cur)
        decode_field(cur, s->req[i].after_101, NULL);
    }
  return 1;
}

/* ---- nc and bash /dev/tcp ---------------------------------------------- */

static void nc_command(out *o, const sends *w, const r_target *t) {
  out_adds(o, w->n > 1 ? "{ " : "");
  for (int i = 0; i < w->n; i++) {
    out_adds(o, "printf ");
    printf_quote(o, w->v[i].bytes.b.data ? w->v[i].bytes.b.data : "",
                 w->v[i].bytes.b.len);
    out_adds(o, w->n == 1 ? "" : i + 1 < w->n ? "; sleep 1;\n  " : "; }");
  }
  out_adds(o, " | nc -w 3 ");
  sh_quote(o, t->host);
  out_adds(o, " ");
  sh_quote(o, t->port);
  out_adds(o, "\n");
}

static int label_index(const char **labels, int *n, const char *label) {
  for (int i = 0; i < *n; i++)
    if (strcmp(labels[i], label) == 0)
      return i;
  if (*n == MAX_CONNS)
    return -1;
  labels[*n] = label;
  return (*n)++;
}

static void bash_open(out *o, const r_target *t, int fd) {
  out path;
  out_init(&path);
  out_printf(&path, "/dev/tcp/%s/%s", t->host, t->port);
  out_printf(o, "exec %d<>", fd);
  sh_quote(o, path.b.data);
  out_adds(o, "\n");
  o->failed |= path.failed;
  out_free(&path);
}

/* Several clients: one descriptor each, the writes in the probe's order. */
static void bash_script(out *o, const sends *w, const r_target *t) {
  const char *labels[MAX_CONNS];
  int n = 0;
  out_adds(o, "# bash: one /dev/tcp descriptor per client connection\n");
  for (int i = 0; i < w->n; i++) {
    int before = n, k = label_index(labels, &n, w->v[i].conn);
    if (k < 0) {
      out_adds(o, "# more client connections than this script handles; "
                  "see the cell's transcript in results.json\n");
      return;
    }
    if (k == before)
      bash_open(o, t, 3 + k);
    out_adds(o, "printf ");
    printf_quote(o, w->v[i].bytes.b.data ? w->v[i].bytes.b.data : "",
                 w->v[i].bytes.b.len);
    out_printf(o, " >&%d; sleep 1\n", 3 + k);
  }
  for (int k = 0; k < n; k++) {
    out_adds(o, "echo ");
    out hdr;
    out_init(&hdr);
    out_adds(&hdr, "--- answers on connection ");
    out_adds(&hdr, labels[k]);
    sh_quote(o, hdr.b.data);
    o->failed |= hdr.failed;
    out_free(&hdr);
    out_printf(o, "; timeout 3 cat <&%d; exec %d<&-\n", 3 + k, 3 + k);
  }
}

/* The exact bytes: the transcript's writes (or the wire), then nc for one
 * connection, bash for several. */
static repro_kind exact_bytes(out *o, const r_model *m, int t, int s,
                              const r_scenario *sent) {
  const r_cell *c = model_cell(m, t, s);
  sends w;
  w.n = w.dropped = 0;
  int from_transcript = transcript_sends(&w, c, sent);
  if (!from_transcript) {
    sends_free(&w);
    w.dropped = 0;
    if (!wire_sends(&w, sent, &m->t[t])) {
      sends_free(&w);
      out_adds(o, "# results.json holds neither this cell's sent bytes nor "
                  "the requests' wire: nothing to reproduce from\n");
      return REPRO_NC;
    }
    out_adds(o, "# the transcript does not hold every byte sent; these are "
                "the requests' wire as results.json records it ({cell} "
                "kept, a calibrated body as the scenario gives it)\n");
  } else if (c->upgraded) {
    out_adds(o, "# the server answered 101; what the probe sent after it "
                "follows as recorded\n");
  }
  if (w.dropped)
    out_printf(o, "# %d more writes are left out; the transcript in "
                  "results.json has them\n", w.dropped);
  const char *labels[MAX_CONNS];
  int nconn = 0, too_many = 0;
  for (int i = 0; i < w.n; i++)
    too_many |= label_index(labels, &nconn, w.v[i].conn) < 0;
  repro_kind kind = nconn <= 1 && !too_many ? REPRO_NC : REPRO_BASH;
  if (kind == REPRO_NC)
    nc_command(o, &w, &m->t[t]);
  else
    bash_script(o, &w, &m->t[t]);
  for (int i = 0; i < w.n; i++)
    o->failed |= w.v[i].bytes.failed;
  sends_free(&w);
  return kind;
}

/* ---- which requests ----------------------------------------------------- */

/* The cell's tag when it is one ([A-Za-z0-9], short), else NULL. */
static const char *usable_tag(const char *tag) {
  size_t n = tag ? strlen(tag) : 0;
  return n > 0 && n <= 64 &&
                 strspn(tag, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
                             "wxyz0123456789") == n
             ? tag
             : NULL;
}

/* Whether the probe sent request i: results.json has an exchange for each
 * request sent (a request the target does not meet the "requires" of has
 * none); a cell without exchanges counts them all. */
static int request_sent(const r_cell *c, int i) {
  const cJSON *e;
  if (cJSON_GetArraySize(c->exchanges) == 0)
    return 1;
  cJSON_ArrayForEach(e, c->exchanges) if (jget_long(e, "request", -1) == i)
      return 1;
  return 0;
}

/* The scenario as this cell ran it: only the requests it sent.
 * view->req is malloc'd. */
static int cell_view(const r_model *m, int t, int s, r_scenario *view) {
  const r_scenario *sc = &m->s[s];
  const r_cell *c = model_cell(m, t, s);
  *view = *sc;
  view->req = calloc((size_t)sc->nreq + 1, sizeof *view->req);
  if (!view->req)
    return -1;
  view->nreq = 0;
  for (int i = 0; i < sc->nreq; i++)
    if (request_sent(c, i))
      view->req[view->nreq++] = sc->req[i];
  return 0;
}

repro_kind repro_build(out *o, const r_model *m, int t, int s, int upgraded) {
  const r_cell *c = model_cell(m, t, s);
  r_scenario view;
  if (cell_view(m, t, s, &view) != 0) {
    o->failed = 1;
    return REPRO_NC;
  }
  inst in = {&m->t[t], c->json ? usable_tag(c->tag) : NULL};
  if (view.nreq < m->s[s].nreq)
    out_printf(o, "# %d of the scenario's requests were not sent to this "
                  "target (results.json has no exchange for them)\n",
               m->s[s].nreq - view.nreq);
  repro_kind kind = REPRO_CURL;
  if (curlable(&view, upgraded, c->calibration != NULL)) {
    curl_command(o, &view, &in);
  } else {
    if (c->calibration)
      out_printf(o, "# request %ld's body is sized to %ld bytes, as this "
                    "cell's calibration measured\n",
                 jget_long(c->calibration, "into", -1) + 1,
                 jget_long(c->calibration, "head_len", -1));
    kind = exact_bytes(o, m, t, s, &view);
  }
  free(view.req);
  return kind;
}
