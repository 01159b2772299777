/* render_repro.c - a command a maintainer can paste into a shell to see the
 * problem without the lab.
 *
 * curl when curl can say the same thing (the curl and h2 engines, and raw
 * scenarios that are plain sequential requests on one connection); otherwise
 * the exact bytes of the scenario's "wire" through printf into nc, or, when
 * the scenario uses several client connections, a bash script with one
 * /dev/tcp descriptor per connection. Only scenario and target data go into
 * a reproducer, and every byte is quoted for the shell: text in single quotes
 * ('\'' for a quote), bytes as printf octal escapes (portable to dash). */
#include "render_util.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define AUTHORITY "{authority}"
#define MAX_CONNS 7                /* bash descriptors 3..9 */

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

/* s with every {authority} replaced (header values only, never bodies). */
static void substitute(out *o, const char *s, size_t n, const char *auth) {
  size_t al = strlen(AUTHORITY);
  for (size_t i = 0; i < n;) {
    if (n - i >= al && memcmp(s + i, AUTHORITY, al) == 0) {
      out_adds(o, auth);
      i += al;
    } else {
      out_add(o, s + i, 1);
      i++;
    }
  }
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

/* The request as the raw engine writes it, when results.json has no wire. */
static void wire_from_fields(out *o, const r_req *r) {
  out_printf(o, "%.200s %.2000s HTTP/1.1\r\n", r->method, r->path);
  const cJSON *h;
  int has_framing = 0;
  cJSON_ArrayForEach(h, r->headers) {
    const char *n, *v;
    if (!header_pair(h, &n, &v))
      continue;
    has_framing |= header_is(n, framing) && strcasecmp(n, "Expect") != 0;
    out_printf(o, "%.200s: ", n);
    out_adds(o, v);
    out_adds(o, "\r\n");
  }
  buf body;
  decode_escaped(&body, r->body);
  if (r->chunks && !has_framing)
    out_adds(o, "Transfer-Encoding: chunked\r\n");
  else if (r->body && !has_framing)
    out_printf(o, "Content-Length: %zu\r\n", body.len);
  out_adds(o, "\r\n");
  if (r->chunks) {
    const cJSON *c;
    cJSON_ArrayForEach(c, r->chunks) {
      buf chunk;
      decode_escaped(&chunk, cJSON_IsString(c) ? c->valuestring : "");
      out_printf(o, "%zx\r\n", chunk.len);
      out_add(o, chunk.data ? chunk.data : "", chunk.len);
      out_adds(o, "\r\n");
      buf_free(&chunk);
    }
    out_adds(o, "0\r\n\r\n");
  } else {
    out_add(o, body.data ? body.data : "", body.len);
  }
  buf_free(&body);
}

/* Exact bytes of request i with the authority filled in (header part only). */
static void request_bytes(out *o, const r_req *r, const char *auth) {
  out raw;
  out_init(&raw);
  if (r->wire) {
    buf b;
    decode_escaped(&b, r->wire);
    out_add(&raw, b.data ? b.data : "", b.len);
    buf_free(&b);
  } else {
    wire_from_fields(&raw, r);
  }
  const char *d = raw.b.data ? raw.b.data : "";
  const char *end = memmem(d, raw.b.len, "\r\n\r\n", 4);
  size_t head = end ? (size_t)(end - d) + 4 : raw.b.len;
  substitute(o, d, head, auth);
  out_add(o, d + head, raw.b.len - head);
  o->failed |= raw.failed;
  out_free(&raw);
}

/* ---- curl -------------------------------------------------------------- */

static int request_curlable(const r_req *r, int h2) {
  if (r->chunks || !printable(r->method, strlen(r->method)) ||
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
  decode_escaped(&body, r->body);
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

static int curlable(const r_scenario *s, int upgraded) {
  int h2 = strcmp(s->engine, "h2") == 0;
  if (s->nreq == 0)
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
                         const r_target *t) {
  int h2 = strcmp(s->engine, "h2") == 0;
  buf body;
  decode_escaped(&body, r->body);
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
    substitute(&hv, v, strlen(v), t->authority);
    out_adds(o, " -H ");
    sh_quote(o, hv.b.data);
    o->failed |= hv.failed;
    out_free(&hv);
  }
  if (r->body) {
    if (body.len > 1024)
      out_adds(o, " -H Expect:");
    out_adds(o, " --data-binary ");
    sh_quote(o, body.data ? body.data : "");
  }
  buf_free(&body);
}

static int same_request(const r_req *a, const r_req *b, int by_connection) {
  if (strcmp(a->method, b->method) != 0 ||
      !cJSON_Compare(a->headers, b->headers, 1) || !a->body != !b->body ||
      (a->body && strcmp(a->body, b->body) != 0))
    return 0;
  return !by_connection || strcmp(a->connection, b->connection) == 0;
}

static void curl_url(out *o, const r_target *t, const char *path) {
  out u;
  out_init(&u);
  const char *url = t->url ? t->url : "";
  size_t n = strlen(url);
  while (n && url[n - 1] == '/')
    n--;
  out_add(&u, url, n);
  out_adds(&u, path);
  out_adds(o, " ");
  sh_quote(o, u.b.data);
  o->failed |= u.failed;
  out_free(&u);
}

/* One curl invocation; consecutive identical requests share one option set
 * (curl reuses the connection for its URLs), the others follow --next. The
 * h2 engine gives every connection label its own invocation. */
static void curl_command(out *o, const r_scenario *s, const r_target *t) {
  int h2 = strcmp(s->engine, "h2") == 0;
  for (int i = 0; i < s->nreq;) {
    const r_req *r = &s->req[i];
    if (i == 0)
      out_adds(o, "curl ");
    else if (h2 && strcmp(r->connection, s->req[i - 1].connection) != 0)
      out_adds(o, "\ncurl ");
    else
      out_adds(o, " \\\n  --next ");
    curl_options(o, s, r, t);
    int j = i;
    while (j < s->nreq && same_request(r, &s->req[j], h2))
      curl_url(o, t, s->req[j++].path);
    i = j;
  }
  out_adds(o, "\n");
}

/* ---- nc and bash /dev/tcp ---------------------------------------------- */

static void printf_request(out *o, const r_req *r, const r_target *t) {
  out bytes;
  out_init(&bytes);
  request_bytes(&bytes, r, t->authority);
  out_adds(o, "printf ");
  printf_quote(o, bytes.b.data ? bytes.b.data : "", bytes.b.len);
  o->failed |= bytes.failed;
  out_free(&bytes);
}

static void nc_tail(out *o, const r_target *t) {
  out_adds(o, " | nc -w 3 ");
  sh_quote(o, t->host);
  out_adds(o, " ");
  sh_quote(o, t->port);
  out_adds(o, "\n");
}

static void nc_command(out *o, const r_scenario *s, const r_target *t) {
  if (strcmp(s->send, "pipelined") == 0 || s->nreq == 1) {
    out all;
    out_init(&all);
    for (int i = 0; i < s->nreq; i++)
      request_bytes(&all, &s->req[i], t->authority);
    out_adds(o, "printf ");
    printf_quote(o, all.b.data ? all.b.data : "", all.b.len);
    o->failed |= all.failed;
    out_free(&all);
  } else {
    /* sequential: give the server a second to answer each request */
    out_adds(o, "{ ");
    for (int i = 0; i < s->nreq; i++) {
      printf_request(o, &s->req[i], t);
      out_adds(o, i + 1 < s->nreq ? "; sleep 1;\n  " : "; }");
    }
  }
  nc_tail(o, t);
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
static void bash_script(out *o, const r_scenario *s, const r_target *t) {
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
      bash_open(o, t, 3 + k);
    else if (pipelined)
      continue;                      /* went with the connection's first */
    out bytes;
    out_init(&bytes);
    for (int j = i; j < s->nreq && (j == i || pipelined); j++)
      if (strcmp(s->req[j].connection, s->req[i].connection) == 0)
        request_bytes(&bytes, &s->req[j], t->authority);
    out_adds(o, "printf ");
    printf_quote(o, bytes.b.data ? bytes.b.data : "", bytes.b.len);
    out_printf(o, " >&%d; sleep 1\n", 3 + k);
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

repro_kind repro_build(out *o, const r_model *m, int t, int s, int upgraded) {
  const r_scenario *sc = &m->s[s];
  const r_target *tg = &m->t[t];
  if (curlable(sc, upgraded)) {
    curl_command(o, sc, tg);
    return REPRO_CURL;
  }
  const char *labels[MAX_CONNS];
  int n = 0, too_many = 0;
  for (int i = 0; i < sc->nreq; i++)
    too_many |= label_index(labels, &n, sc->req[i].connection) < 0;
  if (upgraded)
    out_adds(o, "# the server answered 101 and the probe went on in HTTP/2; "
                "these are the HTTP/1.1 bytes up to there\n");
  if (n <= 1 && !too_many) {
    nc_command(o, sc, tg);
    return REPRO_NC;
  }
  bash_script(o, sc, tg);
  return REPRO_BASH;
}
