/* render/repro.c - a command a maintainer can paste into a shell to see the
 * problem without the lab.
 *
 * curl when curl can say the same thing (the curl and h2 engines, and raw
 * scenarios that are plain sequential requests on one connection); otherwise
 * the exact bytes of the scenario's "wire" through printf into nc, or, when
 * the scenario uses several client connections, a bash script with one
 * /dev/tcp descriptor per connection. Only scenario and target data go into
 * a reproducer, and every byte is quoted for the shell: text in single quotes
 * ('\'' for a quote), bytes as printf octal escapes (portable to dash). A
 * request with after_101 bytes (the switched-to protocol's first words) is
 * followed, a second later, by those bytes on the same connection: curl
 * cannot send them, so such scenarios always get the exact bytes. */
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
#define RESIZE_MAX (1u << 20)      /* a calibrated body: a request head's size */

/* What one cell sent: the scenario with {authority} filled in, {cell}
 * replaced by the cell's tag, and a calibrated request's body sized as the
 * cell's calibration measured (the probe's own rule: the body's bytes
 * repeated or cut, "x" when it had none). */
typedef struct inst {
  const r_target *t;
  const char *tag;                 /* NULL: {cell} stays as it is */
  const r_req *resized;            /* request whose body was resized */
  size_t resized_len;
  int resized_number;              /* its number in the scenario (from 1) */
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

static const char *const length_framing[] = {"Content-Length",
                                             "Transfer-Encoding", NULL};
static const char *const chunk_framing[] = {"Transfer-Encoding", NULL};

/* The body one cell sent for r: {cell} replaced, and resized when r is the
 * calibrated request (repeat or cut; "x" when the body was empty). */
static void instance_body(out *o, const r_req *r, const inst *in) {
  out b;
  out_init(&b);
  decode_field(&b, r->body, in->tag);
  if (r != in->resized) {
    out_add(o, b.b.data ? b.b.data : "", b.b.len);
  } else {
    const char *pat = b.b.len ? b.b.data : "x";
    size_t plen = b.b.len ? b.b.len : 1;
    for (size_t left = in->resized_len; left > 0;) {
      size_t take = left < plen ? left : plen;
      out_add(o, pat, take);
      left -= take;
    }
  }
  o->failed |= b.failed;
  out_free(&b);
}

/* The request as the raw engine writes it, built from its fields: when
 * results.json has no wire, or when the cell changed it ({cell}, a
 * calibrated body) and lengths must be computed again. Header values keep
 * {authority} (request_bytes fills it in). */
static void wire_from_fields(out *o, const r_req *r, const inst *in) {
  out_printf(o, "%.200s ", r->method);
  substitute(o, r->path, strlen(r->path), NULL, in->tag);
  out_adds(o, " HTTP/1.1\r\n");
  const cJSON *h;
  int has_length = 0, has_te = 0;
  cJSON_ArrayForEach(h, r->headers) {
    const char *n, *v;
    if (!header_pair(h, &n, &v))
      continue;
    has_length |= header_is(n, length_framing);
    has_te |= header_is(n, chunk_framing);
    out_printf(o, "%.200s: ", n);
    substitute(o, v, strlen(v), NULL, in->tag);
    out_adds(o, "\r\n");
  }
  out body;
  out_init(&body);
  if (r->body || r == in->resized)
    instance_body(&body, r, in);
  if (r->chunks && !has_te)
    out_adds(o, "Transfer-Encoding: chunked\r\n");
  else if (!r->chunks && (r->body || r == in->resized) && !has_length)
    out_printf(o, "Content-Length: %zu\r\n", body.b.len);
  out_adds(o, "\r\n");
  if (r->chunks) {
    const cJSON *c;
    cJSON_ArrayForEach(c, r->chunks) {
      out chunk;
      out_init(&chunk);
      decode_field(&chunk, cJSON_IsString(c) ? c->valuestring : "", in->tag);
      out_printf(o, "%zx\r\n", chunk.b.len);
      out_add(o, chunk.b.data ? chunk.b.data : "", chunk.b.len);
      out_adds(o, "\r\n");
      out_free(&chunk);
    }
    out_adds(o, "0\r\n\r\n");
  } else {
    out_add(o, body.b.data ? body.b.data : "", body.b.len);
  }
  o->failed |= body.failed;
  out_free(&body);
}

static int has_cell_tag(const char *s) { return s && strstr(s, CELL_TAG); }

/* Whether the cell's bytes differ from the scenario's wire in length. */
static int request_changed(const r_req *r, const inst *in) {
  if (r == in->resized)
    return 1;
  if (!in->tag)
    return 0;
  int found = has_cell_tag(r->path) || has_cell_tag(r->body);
  const cJSON *x;
  cJSON_ArrayForEach(x, r->headers) {
    const char *n, *v;
    found |= header_pair(x, &n, &v) && has_cell_tag(v);
  }
  cJSON_ArrayForEach(x, r->chunks) found |=
      cJSON_IsString(x) && has_cell_tag(x->valuestring);
  return found;
}

/* Exact bytes the cell sent for request r: the scenario's wire, or the
 * request rebuilt when the cell changed it; {authority} filled in (header
 * part only). */
static void request_bytes(out *o, const r_req *r, const inst *in) {
  out raw;
  out_init(&raw);
  if (r->wire && !request_changed(r, in)) {
    buf b;
    esc_decode(&b, r->wire);
    out_add(&raw, b.data ? b.data : "", b.len);
    buf_free(&b);
  } else {
    wire_from_fields(&raw, r, in);
  }
  const char *d = raw.b.data ? raw.b.data : "";
  const char *end = memmem(d, raw.b.len, "\r\n\r\n", 4);
  size_t head = end ? (size_t)(end - d) + 4 : raw.b.len;
  substitute(o, d, head, in->t->authority, NULL);
  out_add(o, d + head, raw.b.len - head);
  o->failed |= raw.failed;
  out_free(&raw);
}

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

static int curlable(const r_scenario *s, int upgraded, const inst *in) {
  int h2 = strcmp(s->engine, "h2") == 0;
  if (s->nreq == 0 || in->resized)   /* a calibrated body: exact bytes */
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

/* ---- nc and bash /dev/tcp ---------------------------------------------- */

static void printf_request(out *o, const r_req *r, const inst *in) {
  out bytes;
  out_init(&bytes);
  request_bytes(&bytes, r, in);
  out_adds(o, "printf ");
  printf_quote(o, bytes.b.data ? bytes.b.data : "", bytes.b.len);
  o->failed |= bytes.failed;
  out_free(&bytes);
}

/* "; sleep 1; printf '<after_101 bytes>'" when r has them (redirect: where
 * bash writes them, "" for the nc pipe). */
static void after_101_printf(out *o, const r_req *r, const char *redirect) {
  if (!r->after_101)
    return;
  buf b;
  esc_decode(&b, r->after_101);
  out_adds(o, "; sleep 1; printf ");
  printf_quote(o, b.data ? b.data : "", b.len);
  out_adds(o, redirect);
  buf_free(&b);
}

/* The last request of the scenario carrying after_101, or NULL. */
static const r_req *after_101_request(const r_scenario *s) {
  const r_req *found = NULL;
  for (int i = 0; i < s->nreq; i++)
    if (s->req[i].after_101)
      found = &s->req[i];
  return found;
}

static void nc_tail(out *o, const r_target *t) {
  out_adds(o, " | nc -w 3 ");
  sh_quote(o, t->host);
  out_adds(o, " ");
  sh_quote(o, t->port);
  out_adds(o, "\n");
}

static void nc_command(out *o, const r_scenario *s, const inst *in) {
  const r_req *after = after_101_request(s);
  if (strcmp(s->send, "pipelined") == 0 || s->nreq == 1) {
    out all;
    out_init(&all);
    for (int i = 0; i < s->nreq; i++)
      request_bytes(&all, &s->req[i], in);
    out_adds(o, after ? "{ printf " : "printf ");
    printf_quote(o, all.b.data ? all.b.data : "", all.b.len);
    o->failed |= all.failed;
    out_free(&all);
    if (after) {                     /* after_101 goes last on its connection */
      after_101_printf(o, after, "");
      out_adds(o, "; }");
    }
  } else {
    /* sequential: give the server a second to answer each request */
    out_adds(o, "{ ");
    for (int i = 0; i < s->nreq; i++) {
      printf_request(o, &s->req[i], in);
      after_101_printf(o, &s->req[i], "");
      out_adds(o, i + 1 < s->nreq ? "; sleep 1;\n  " : "; }");
    }
  }
  nc_tail(o, in->t);
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

/* Several clients: one descriptor each, requests in scenario order. */
static void bash_script(out *o, const r_scenario *s, const inst *in) {
  const char *labels[MAX_CONNS];
  int n = 0, pipelined = strcmp(s->send, "pipelined") == 0;
  out_adds(o, "# bash: one /dev/tcp descriptor per client connection\n");
  for (int i = 0; i < s->nreq; i++) {
    int before = n, k = label_index(labels, &n, s->req[i].connection);
    if (k < 0) {
      out_adds(o, "# more client connections than this script handles; "
                  "see the scenario in results.json\n");
      return;
    }
    if (k == before)
      bash_open(o, in->t, 3 + k);
    else if (pipelined)
      continue;                      /* went with the connection's first */
    out bytes;
    out_init(&bytes);
    const r_req *after = NULL;
    for (int j = i; j < s->nreq && (j == i || pipelined); j++)
      if (strcmp(s->req[j].connection, s->req[i].connection) == 0) {
        request_bytes(&bytes, &s->req[j], in);
        after = s->req[j].after_101 ? &s->req[j] : after;
      }
    char redirect[16];
    snprintf(redirect, sizeof redirect, " >&%d", 3 + k);
    out_adds(o, "printf ");
    printf_quote(o, bytes.b.data ? bytes.b.data : "", bytes.b.len);
    out_adds(o, redirect);
    if (after)
      after_101_printf(o, after, redirect);
    out_adds(o, "; sleep 1\n");
    o->failed |= bytes.failed;
    out_free(&bytes);
  }
  for (int k = 0; k < n; k++) {
    out_adds(o, "echo ");
    out hdr;
    out_init(&hdr);
    out_adds(&hdr, "--- answers on connection ");
    out_adds(&hdr, labels[k]);
    sh_quote(o, hdr.b.data);
    out_free(&hdr);
    out_printf(o, "; timeout 3 cat <&%d; exec %d<&-\n", 3 + k, 3 + k);
  }
}

/* The cell's tag when it is one ([A-Za-z0-9], short), else NULL. */
static const char *usable_tag(const char *tag) {
  size_t n = tag ? strlen(tag) : 0;
  return n > 0 && n <= 64 &&
                 strspn(tag, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
                             "wxyz0123456789") == n
             ? tag
             : NULL;
}

/* A request with "requires" is sent only when the target meets it (the
 * probe skips it otherwise): "proxy" needs info.proxy, "backend_log" needs
 * info.backend_log_url. A requirement this renderer does not know is taken
 * as met: better a request too many than a silently missing one. */
static int request_applies(const r_req *r, const r_target *t) {
  const char *key = !r->requires ? NULL
                    : strcmp(r->requires, "proxy") == 0 ? "proxy"
                    : strcmp(r->requires, "backend_log") == 0 ? "backend_log_url"
                                                              : NULL;
  const char *v = key ? jget_str(t->info, key) : NULL;
  return !key || (v && *v);
}

/* The scenario as this cell ran it: only the requests it sent, and what
 * its tag and calibration changed (see inst). view->req is malloc'd. */
static int cell_view(const r_model *m, int t, int s, r_scenario *view,
                     inst *in) {
  const r_scenario *sc = &m->s[s];
  const r_cell *c = model_cell(m, t, s);
  *view = *sc;
  view->req = calloc((size_t)sc->nreq + 1, sizeof *view->req);
  if (!view->req)
    return -1;
  view->nreq = 0;
  *in = (inst){&m->t[t], c->json ? usable_tag(c->tag) : NULL, NULL, 0, 0};
  long into = jget_long(c->calibration, "into", -1);
  long len = jget_long(c->calibration, "head_len", -1);
  for (int i = 0; i < sc->nreq; i++) {
    if (!request_applies(&sc->req[i], &m->t[t]))
      continue;
    if (i == into && len >= 0 && len <= (long)RESIZE_MAX) {
      in->resized = &view->req[view->nreq];
      in->resized_len = (size_t)len;
      in->resized_number = i + 1;
    }
    view->req[view->nreq++] = sc->req[i];
  }
  return 0;
}

repro_kind repro_build(out *o, const r_model *m, int t, int s, int upgraded) {
  r_scenario view;
  inst in;
  if (cell_view(m, t, s, &view, &in) != 0) {
    o->failed = 1;
    return REPRO_NC;
  }
  repro_kind kind = REPRO_BASH;
  const char *labels[MAX_CONNS];
  int n = 0, too_many = 0;
  for (int i = 0; i < view.nreq; i++)
    too_many |= label_index(labels, &n, view.req[i].connection) < 0;
  if (view.nreq < m->s[s].nreq)
    out_printf(o, "# %d of the scenario's requests apply only to targets this "
                  "one is not (\"requires\"); the probe did not send them\n",
               m->s[s].nreq - view.nreq);
  if (curlable(&view, upgraded, &in)) {
    curl_command(o, &view, &in);
    kind = REPRO_CURL;
  } else {
    if (upgraded)
      out_adds(o, "# the server answered 101 and the probe went on in HTTP/2; "
                  "these are the HTTP/1.1 bytes up to there\n");
    if (in.resized)
      out_printf(o, "# request %d's body is sized to %zu bytes, as this "
                    "cell's calibration measured\n",
                 in.resized_number, in.resized_len);
    if (n <= 1 && !too_many) {
      nc_command(o, &view, &in);
      kind = REPRO_NC;
    } else {
      bash_script(o, &view, &in);
    }
  }
  free(view.req);
  return kind;
}
