/* render/doc.h - the report as a format-neutral document: a tree of blocks
 * (headings, paragraphs, lists, tables, code, collapsible details, sections)
 * holding runs of inline text (plain, strong, emphasis, code, verdict tags,
 * small notes, links).
 *
 * The builders (build_*.c) make it from the model, once per report; the
 * writers (md.c, html.c, junit.c) only emit it. Every piece of text is stored
 * already cleaned (esc_clean: valid UTF-8, no control bytes, capped), so a
 * writer's only job is its format's escaping. Text is either data (from
 * results.json: escaped for every context) or the report's own words
 * (trusted constants and numbers: HTML leaves their apostrophes alone).
 *
 * Memory: every node and string belongs to the doc and goes with doc_free,
 * at most max bytes in all (DOC_MAX unless changed after doc_init). An
 * allocation failure, or the cap, sets doc->failed; building goes on as a
 * no-op, and the writer refuses to write a failed document. */
#ifndef H2C_RENDER_DOC_H
#define H2C_RENDER_DOC_H

#include <stddef.h>
#include "out.h"

typedef enum {
  DOC_TEXT,     /* plain text */
  DOC_STRONG,   /* md **x**, html <b> */
  DOC_EM,       /* md *x*, html <i> */
  DOC_CODE,     /* html <code>; Markdown keeps it escaped inline text */
  DOC_TAG,      /* a verdict badge: html <span class=cls>, md plain text */
  DOC_NOTE,     /* a small secondary note: html <small class=cls> */
  DOC_LINK      /* html <a href="#href">; md plain text */
} doc_span_kind;

typedef struct doc_span {
  doc_span_kind kind;
  int own;                   /* the report's own words, not data */
  char *text;                /* clean */
  size_t len;
  char *cls, *href;          /* DOC_TAG / DOC_NOTE class, DOC_LINK anchor */
  struct doc_span *next;
} doc_span;

typedef enum {
  DOC_ROOT,
  DOC_HEADING,  /* level 1-6 */
  DOC_PARA,
  DOC_LIST,     /* level 1: ordered; children DOC_ITEM */
  DOC_ITEM,
  DOC_TABLE,    /* children DOC_ROW, the first one the header; level 1:
                 * the header row is a <thead>, md centres columns 2.. */
  DOC_ROW,      /* children DOC_CELL */
  DOC_CELL,     /* level 1: a header cell (<th>) */
  DOC_CODE_BLOCK, /* code: md fence (lang), html <pre class=cls> */
  DOC_DETAILS,  /* collapsible: spans are the summary, children the body */
  DOC_SECTION,  /* html <section>; md writes its children */
  DOC_BOX,      /* html <div>; md writes its children */
  DOC_FILTER,   /* html's "only failing cells" switch; md has none */
  DOC_FIELD     /* a labelled value: label, the value in spans */
} doc_kind;

/* A test report (junit.xml) uses the same nodes: a DOC_SECTION per test
 * suite (spans: its name; hint: its timestamp; DOC_FIELD children: its
 * properties) holding a DOC_DETAILS per test case (spans: its name; cls:
 * pass, failure, error or skipped; type and hint: the outcome's type and
 * message; code blocks of cls "problem" and "output"). ms is a duration. */
typedef struct doc_node {
  doc_kind kind;
  int level;
  char *id, *cls, *hint;     /* html id, class and title attributes */
  char *lang;                /* DOC_CODE_BLOCK: the md fence's info string */
  char *href;                /* DOC_CELL: the cell's content links there */
  char *label;               /* DOC_FIELD: the field's name */
  char *type;                /* a test case's outcome type */
  double ms;                 /* a test suite's or case's time, ms */
  doc_span *spans, **spans_tail;
  char *code;                /* DOC_CODE_BLOCK: clean text, newlines kept */
  size_t code_len;
  struct doc_node *child, **child_tail, *next;
} doc_node;

#define DOC_MAX (256u * 1024u * 1024u)

typedef struct doc {
  doc_node root;
  doc_node sink;             /* handed out when an allocation failed */
  int failed;
  size_t used, max;          /* bytes allocated, and the cap */
  struct doc_mem *mem;       /* everything allocated, freed at once */
} doc;

void doc_init(doc *d);
void doc_free(doc *d);

/* A new block appended to parent's children (NULL parent: the root). The
 * returned node is never NULL: on failure it is a node nobody will see. */
doc_node *doc_add(doc *d, doc_node *parent, doc_kind kind);
doc_node *doc_heading(doc *d, doc_node *parent, int level);
doc_node *doc_para(doc *d, doc_node *parent);
/* Attributes (copied; NULL or "" leaves them unset). */
void doc_set_id(doc *d, doc_node *n, const char *id);
void doc_set_cls(doc *d, doc_node *n, const char *cls);
/* The title attribute from data text (cleaned, capped). */
void doc_set_hint(doc *d, doc_node *n, const char *s, size_t cap);
void doc_set_href(doc *d, doc_node *n, const char *href);
void doc_set_type(doc *d, doc_node *n, const char *s, size_t cap);
/* A labelled value of data text (capped at cap); none when s is NULL. */
doc_node *doc_field(doc *d, doc_node *parent, const char *label,
                    const char *s, size_t cap);

/* Inline text. doc_text* take data (cleaned here, capped at cap; use
 * DOC_NOCAP for none); doc_words* the report's own words. */
#define DOC_NOCAP ((size_t)-1)
void doc_text(doc *d, doc_node *n, const char *s, size_t cap);
/* Already clean text built by a facts_* function (o->failed carried over). */
void doc_text_out(doc *d, doc_node *n, const out *o, size_t cap);
void doc_words(doc *d, doc_node *n, const char *s);
void doc_wordsf(doc *d, doc_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A span of another kind from data (capped at cap) or, with cap DOC_OWN,
 * from the report's own words. cls_or_href: DOC_LINK's anchor, else the
 * span's class (NULL: none). */
#define DOC_OWN 0
void doc_span_add(doc *d, doc_node *n, doc_span_kind kind, const char *s,
                  size_t cap, const char *cls_or_href);
/* "**label** " before a paragraph's text. */
void doc_label(doc *d, doc_node *n, const char *label);

/* A code block of text that is already clean (a facts_* or repro result). */
doc_node *doc_code_out(doc *d, doc_node *parent, const out *o,
                       const char *lang, const char *cls);

/* A paragraph "label text" from clean text; nothing when it is empty. */
void doc_labelled(doc *d, doc_node *parent, const char *label, const out *o,
                  size_t cap);

#endif
