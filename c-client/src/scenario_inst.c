/* scenario_inst.c - per-cell instances of a scenario: the catalogue entry with
 * every {cell} replaced by the cell's tag, and (calibration) a body resized.
 *
 * The idea: engines, the loss check and the verdict all read cell->sc, so a
 * cell that carries its own copy of the scenario makes every one of them see
 * exactly the bytes that went out - the tag in X-Lab-Cell, a body sized for
 * this target - without any of them knowing about tags. The catalogue entry
 * itself stays untouched (results.json shows it with {cell} kept, like
 * {authority}). */
#include "scenario.h"

#include <stdlib.h>
#include <string.h>

#define INST_MAX_BYTES (4u * 1024u * 1024u)

/* Appends src[0..n) to out with every {cell} replaced by tag. */
static int add_tagged(buf *out, const char *src, size_t n, const char *tag) {
  static const char ph[] = SC_CELL_PLACEHOLDER;
  const size_t phlen = sizeof ph - 1;
  size_t i = 0;
  int rc = BUF_OK;
  while (rc == BUF_OK && i < n) {
    const char *hit = n - i >= phlen ? memmem(src + i, n - i, ph, phlen) : NULL;
    size_t upto = hit ? (size_t)(hit - src) : n;
    rc = buf_add(out, src + i, upto - i);
    if (rc == BUF_OK && hit)
      rc = buf_add(out, tag, strlen(tag));
    i = hit ? upto + phlen : n;
  }
  return rc;
}

/* A new NUL-terminated string: s with {cell} replaced. */
static char *tagged_str(const char *s, const char *tag) {
  if (!s)
    return NULL;
  buf b;
  buf_init(&b, INST_MAX_BYTES);
  if (add_tagged(&b, s, strlen(s), tag) != BUF_OK || (!b.data && buf_add(&b, "", 0) != BUF_OK)) {
    buf_free(&b);
    return NULL;
  }
  return buf_steal(&b);
}

/* dst = src's bytes with {cell} replaced (dst keeps src's cap). */
static int tagged_buf(buf *dst, const buf *src, const char *tag) {
  buf_init(dst, src->max ? src->max : INST_MAX_BYTES);
  if (!src->data)
    return BUF_OK;
  int rc = add_tagged(dst, src->data, src->len, tag);
  if (rc == BUF_OK && !dst->data)
    rc = buf_add(dst, "", 0);
  return rc;
}

static int copy_buf(buf *dst, const buf *src) {
  buf_init(dst, src->max ? src->max : INST_MAX_BYTES);
  if (!src->data)
    return BUF_OK;
  return buf_add(dst, src->data, src->len);
}

static int dup_into(char **dst, const char *src) {
  if (!src)
    return 0;
  *dst = strdup(src);
  return *dst ? 0 : -1;
}

static int copy_request(sc_request *d, const sc_request *s, const char *tag) {
  int bad = 0;
  memcpy(d->connection, s->connection, sizeof d->connection);
  d->method = strdup(s->method);
  d->path = tagged_str(s->path, tag);
  bad |= !d->method || !d->path;
  for (int h = 0; h < s->nheaders; h++) {
    d->headers[h].name = strdup(s->headers[h].name);
    d->headers[h].value = tagged_str(s->headers[h].value, tag);
    d->nheaders = h + 1;
    bad |= !d->headers[h].name || !d->headers[h].value;
  }
  bad |= tagged_buf(&d->body, &s->body, tag) != BUF_OK;
  d->has_body = s->has_body;
  for (int k = 0; k < s->nchunks; k++) {
    d->nchunks = k + 1;
    bad |= tagged_buf(&d->chunks[k], &s->chunks[k], tag) != BUF_OK;
  }
  d->expect_status = s->expect_status;
  bad |= tagged_buf(&d->expect_body, &s->expect_body, tag) != BUF_OK;
  d->has_expect_body = s->has_expect_body;
  d->expect_echo = s->expect_echo;
  bad |= copy_buf(&d->after_101, &s->after_101) != BUF_OK;
  d->has_after_101 = s->has_after_101;
  for (int e = 0; e < s->nembedded; e++) {
    sc_embedded *de = &d->embedded[e];
    const sc_embedded *se = &s->embedded[e];
    d->nembedded = e + 1;
    de->method = strdup(se->method);
    de->path = tagged_str(se->path, tag);
    bad |= !de->method || !de->path || tagged_buf(&de->marker, &se->marker, tag) != BUF_OK;
    de->has_marker = se->has_marker;
  }
  d->requires = s->requires;
  d->delay_ms = s->delay_ms;
  return bad ? -1 : 0;
}

static int copy_strings(char **dst, char *const *src, int n) {
  int bad = 0;
  for (int i = 0; i < n; i++)
    bad |= dup_into(&dst[i], src[i]);
  return bad;
}

int scenario_inst_create(const scenario *t, const char *tag, scenario *out) {
  memset(out, 0, sizeof *out);
  int bad = dup_into(&out->id, t->id) | dup_into(&out->title, t->title) |
            dup_into(&out->explanation, t->explanation) |
            dup_into(&out->correct, t->correct) |
            dup_into(&out->curl_http_version, t->curl_http_version) |
            dup_into(&out->control, t->control) |
            dup_into(&out->source_path, t->source_path);
  out->nrfc = t->nrfc;
  bad |= copy_strings(out->rfc, t->rfc, t->nrfc);
  out->naccept = t->naccept;
  bad |= copy_strings(out->accept, t->accept, t->naccept);
  out->nunsupported = t->nunsupported;
  bad |= copy_strings(out->unsupported, t->unsupported, t->nunsupported);
  out->private_ = t->private_;
  out->regression_guard = t->regression_guard;
  out->engine = t->engine;
  out->send = t->send;
  out->measure_loss = t->measure_loss;
  memcpy(out->na_status, t->na_status, sizeof out->na_status);
  out->nna_status = t->nna_status;
  out->has_calibrate = t->has_calibrate;
  out->cal_request = t->cal_request;
  out->cal_into = t->cal_into;
  for (int i = 0; i < t->nrequests; i++) {
    out->nrequests = i + 1;
    bad |= copy_request(&out->requests[i], &t->requests[i], tag);
  }
  if (bad) {
    scenario_free(out);
    return -1;
  }
  return 0;
}

int scenario_inst_resize_body(scenario *sc, int i, size_t n) {
  if (i < 0 || i >= sc->nrequests || n > INST_MAX_BYTES)
    return -1;
  sc_request *r = &sc->requests[i];
  buf pattern;
  buf_init(&pattern, INST_MAX_BYTES);
  if (buf_add(&pattern, r->body.len ? r->body.data : "x", r->body.len ? r->body.len : 1) != BUF_OK) {
    buf_free(&pattern);
    return -1;
  }
  buf_free(&r->body);
  buf_init(&r->body, n + 1);
  int rc = buf_add(&r->body, "", 0);
  for (size_t left = n; rc == BUF_OK && left > 0;) {
    size_t take = left < pattern.len ? left : pattern.len;
    rc = buf_add(&r->body, pattern.data, take);
    left -= take;
  }
  buf_free(&pattern);
  r->has_body = 1;
  return rc == BUF_OK ? 0 : -1;
}
