/* render/doc.c - building the format-neutral document (see doc.h): nodes
 * and spans in one list of allocations that doc_free releases at once.
 * Data text is cleaned here, on the way in, so no writer ever sees a raw
 * string from results.json. */
#include "doc.h"
#include "esc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct doc_mem {
  struct doc_mem *next;
  max_align_t data[];
};

void doc_init(doc *d) {
  memset(d, 0, sizeof *d);
  d->root.kind = DOC_ROOT;
  d->root.child_tail = &d->root.child;
  d->root.spans_tail = &d->root.spans;
  d->sink.kind = DOC_ROOT;
  d->sink.child_tail = &d->sink.child;
  d->sink.spans_tail = &d->sink.spans;
  d->max = DOC_MAX;
}

void doc_free(doc *d) {
  struct doc_mem *m = d->mem;
  while (m) {
    struct doc_mem *next = m->next;
    free(m);
    m = next;
  }
  doc_init(d);
}

/* Zeroed memory owned by d, or NULL with d->failed set. */
static void *doc_alloc(doc *d, size_t n) {
  size_t size = sizeof(struct doc_mem) + n + 1;
  struct doc_mem *m = d->failed || n > d->max || d->used > d->max - n
                          ? NULL
                          : calloc(1, size);
  if (!m) {
    d->failed = 1;
    return NULL;
  }
  d->used += size;
  m->next = d->mem;
  d->mem = m;
  return m->data;
}

static char *doc_strndup(doc *d, const char *s, size_t n) {
  char *p = doc_alloc(d, n + 1);
  if (p && n)
    memcpy(p, s, n);
  return p;
}

doc_node *doc_add(doc *d, doc_node *parent, doc_kind kind) {
  doc_node *n = doc_alloc(d, sizeof *n);
  if (!n)
    return &d->sink;
  n->kind = kind;
  n->child_tail = &n->child;
  n->spans_tail = &n->spans;
  if (!parent)
    parent = &d->root;
  *parent->child_tail = n;
  parent->child_tail = &n->next;
  return n;
}

doc_node *doc_heading(doc *d, doc_node *parent, int level) {
  doc_node *n = doc_add(d, parent, DOC_HEADING);
  n->level = level;
  return n;
}

doc_node *doc_para(doc *d, doc_node *parent) {
  return doc_add(d, parent, DOC_PARA);
}

static char *attr(doc *d, const char *s) {
  return s && *s ? doc_strndup(d, s, strlen(s)) : NULL;
}

void doc_set_id(doc *d, doc_node *n, const char *id) { n->id = attr(d, id); }
void doc_set_cls(doc *d, doc_node *n, const char *cls) {
  n->cls = attr(d, cls);
}
void doc_set_href(doc *d, doc_node *n, const char *href) {
  n->href = attr(d, href);
}

/* s cleaned onto one line (at most cap bytes), copied into d. */
static char *clean_copy(doc *d, const char *s, size_t cap, int flags,
                        size_t *len) {
  out c;
  out_init(&c);
  esc_clean(&c, s ? s : "", cap, flags);
  d->failed |= c.failed;
  char *p = doc_strndup(d, c.b.data ? c.b.data : "", c.b.len);
  *len = c.b.len;
  out_free(&c);
  return p;
}

void doc_set_hint(doc *d, doc_node *n, const char *s, size_t cap) {
  size_t len;
  n->hint = clean_copy(d, s, cap, ESC_ONE_LINE, &len);
}

void doc_set_type(doc *d, doc_node *n, const char *s, size_t cap) {
  size_t len;
  n->type = clean_copy(d, s, cap, ESC_ONE_LINE, &len);
}

doc_node *doc_field(doc *d, doc_node *parent, const char *label,
                    const char *s, size_t cap) {
  if (!s)
    return NULL;
  doc_node *f = doc_add(d, parent, DOC_FIELD);
  f->label = attr(d, label);
  doc_text(d, f, s, cap);
  return f;
}

static doc_span *span_new(doc *d, doc_node *n, doc_span_kind kind,
                          const char *s, size_t cap, int own) {
  doc_span *sp = doc_alloc(d, sizeof *sp);
  if (!sp)
    return NULL;
  sp->kind = kind;
  sp->own = own;
  if (own) {
    sp->len = strlen(s);
    sp->text = doc_strndup(d, s, sp->len);
  } else {
    sp->text = clean_copy(d, s, cap, ESC_ONE_LINE, &sp->len);
  }
  *n->spans_tail = sp;
  n->spans_tail = &sp->next;
  return sp;
}

void doc_span_add(doc *d, doc_node *n, doc_span_kind kind, const char *s,
                  size_t cap, const char *cls_or_href) {
  doc_span *sp = span_new(d, n, kind, s ? s : "", cap, cap == DOC_OWN);
  if (sp && kind == DOC_LINK)
    sp->href = attr(d, cls_or_href);
  else if (sp)
    sp->cls = attr(d, cls_or_href);
}

void doc_text(doc *d, doc_node *n, const char *s, size_t cap) {
  span_new(d, n, DOC_TEXT, s ? s : "", cap, 0);
}

void doc_text_out(doc *d, doc_node *n, const out *o, size_t cap) {
  d->failed |= o->failed;
  doc_text(d, n, o->b.data ? o->b.data : "", cap);
}

void doc_words(doc *d, doc_node *n, const char *s) {
  span_new(d, n, DOC_TEXT, s, 0, 1);
}

void doc_wordsf(doc *d, doc_node *n, const char *fmt, ...) {
  out o;
  out_init(&o);
  va_list ap;
  va_start(ap, fmt);
  out_vprintf(&o, fmt, ap);
  va_end(ap);
  d->failed |= o.failed;
  doc_words(d, n, o.b.data ? o.b.data : "");
  out_free(&o);
}

void doc_label(doc *d, doc_node *n, const char *label) {
  doc_span_add(d, n, DOC_STRONG, label, DOC_OWN, NULL);
  doc_words(d, n, " ");
}

doc_node *doc_code_out(doc *d, doc_node *parent, const out *o,
                       const char *lang, const char *cls) {
  doc_node *c = doc_add(d, parent, DOC_CODE_BLOCK);
  d->failed |= o->failed;
  c->code = doc_strndup(d, o->b.data ? o->b.data : "", o->b.len);
  c->code_len = c->code ? o->b.len : 0;
  c->lang = attr(d, lang);
  c->cls = attr(d, cls);
  return c;
}

void doc_labelled(doc *d, doc_node *parent, const char *label, const out *o,
                  size_t cap) {
  if (o->b.len == 0)
    return;
  doc_node *p = doc_para(d, parent);
  doc_label(d, p, label);
  doc_text_out(d, p, o, cap);
}
