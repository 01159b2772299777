/* render/build_scenarios.c - "Scenarios": each scenario's id, title,
 * explanation, what a correct server does, references, accepted verdicts,
 * engine, regression-guard flag, calibration rule and requests, as
 * results.json gives them (the requests with {authority} and {cell} kept). */
#include "build_scenarios.h"
#include "esc.h"
#include "facts.h"
#include "verdicts.h"

/* Strings of arr joined by "; ", "-" when there are none. */
static void string_list(doc *d, doc_node *p, const cJSON *arr, size_t cap) {
  const cJSON *a;
  int i = 0;
  cJSON_ArrayForEach(a, arr) {
    if (!cJSON_IsString(a))
      continue;
    if (i++)
      doc_words(d, p, "; ");
    doc_text(d, p, a->valuestring, cap);
  }
  if (i == 0)
    doc_words(d, p, "-");
}

/* One code span "a: b" (sep between) from two data strings. */
static void code_pair(doc *d, doc_node *p, const char *a, size_t acap,
                      const char *sep, const char *b, size_t bcap) {
  out c;
  out_init(&c);
  esc_clean(&c, a, acap, ESC_ONE_LINE);
  out_adds(&c, sep);
  esc_clean(&c, b, bcap, ESC_ONE_LINE);
  d->failed |= c.failed;
  doc_span_add(d, p, DOC_CODE, c.b.data ? c.b.data : "", DOC_NOCAP, NULL);
  out_free(&c);
}

static void request_extras(doc *d, doc_node *li, const r_req *r) {
  if (r->expect_status)
    doc_wordsf(d, li, "; expects %d", r->expect_status);
  if (r->expect_echo) {
    doc_words(d, li, " echoing the request body");
  } else if (r->expect_body) {
    doc_words(d, li, " with body ");
    doc_span_add(d, li, DOC_CODE, r->expect_body, 200,
                 NULL);
  }
  if (r->after_101) {
    doc_words(d, li, "; after the 101 sends ");
    doc_span_add(d, li, DOC_CODE, r->after_101, 400,
                 NULL);
  }
  if (r->embedded) {
    out e;
    out_init(&e);
    facts_embedded(&e, r->embedded);
    d->failed |= e.failed;
    doc_words(d, li, "; hides in its body: ");
    doc_span_add(d, li, DOC_CODE, e.b.data ? e.b.data : "",
                 1000, NULL);
    out_free(&e);
  }
  if (r->requires) {
    doc_words(d, li, "; sent only when the target has: ");
    doc_text(d, li, r->requires, 40);
  }
}

static void request_item(doc *d, doc_node *list, const r_req *r) {
  doc_node *li = doc_add(d, list, DOC_ITEM);
  doc_words(d, li, "connection ");
  doc_text(d, li, r->connection, 16);
  doc_words(d, li, ": ");
  code_pair(d, li, r->method, 40, " ", r->path, 200);
  const cJSON *h;
  int k = 0;
  cJSON_ArrayForEach(h, r->headers) {
    const cJSON *n = cJSON_GetArrayItem(h, 0), *v = cJSON_GetArrayItem(h, 1);
    if (!cJSON_IsString(n) || !cJSON_IsString(v))
      continue;
    doc_words(d, li, k++ ? ", " : "; headers ");
    code_pair(d, li, n->valuestring, 80, ": ", v->valuestring, 200);
  }
  if (r->body) {
    buf b;
    esc_decode(&b, r->body);
    doc_wordsf(d, li, "; body %zu bytes", b.len);
    buf_free(&b);
  }
  if (r->chunks)
    doc_wordsf(d, li, "; chunked body, %d chunks",
               cJSON_GetArraySize(r->chunks));
  request_extras(d, li, r);
}

/* "References: …. Accepted verdicts: …. Engine: raw, sequential." and the
 * regression-guard and calibration notes. */
static void scenario_facts(doc *d, doc_node *box, const r_scenario *s) {
  doc_node *p = doc_para(d, box);
  doc_label(d, p, "References:");
  string_list(d, p, s->rfc, 80);
  doc_words(d, p, ". ");
  doc_label(d, p, "Accepted verdicts:");
  char ok_names[64];
  if (s->accept)
    string_list(d, p, s->accept, 40);
  else if (verdicts_ok_names(ok_names, sizeof ok_names, "; ") == 0)
    doc_words(d, p, ok_names);
  else
    d->failed = 1;
  doc_words(d, p, ". ");
  doc_label(d, p, "Engine:");
  doc_text(d, p, s->engine, 20);
  doc_words(d, p, ", ");
  doc_text(d, p, s->send, 20);
  doc_words(d, p, ".");
  if (s->regression_guard) {
    doc_words(d, p, " ");
    doc_label(d, p, "Regression guard:");
    doc_words(d, p, "a fix must keep this working.");
  }
  if (s->calibrate) {
    out c;
    out_init(&c);
    facts_calibrate(&c, s->calibrate);
    doc_words(d, p, " ");
    doc_label(d, p, "Calibration:");
    doc_text_out(d, p, &c, 600);
    doc_words(d, p, ".");
    out_free(&c);
  }
}

static void scenario(doc *d, const r_scenario *s, const build_opts *op) {
  doc_node *box = doc_add(d, NULL, DOC_BOX);
  out id;
  out_init(&id);
  out_adds(&id, "scenario-");
  esc_slug(&id, s->id);
  doc_set_id(d, box, id.b.data);
  d->failed |= id.failed;
  out_free(&id);
  doc_set_cls(d, box, "scenario");
  doc_node *h = doc_heading(d, box, 3);
  doc_text(d, h, s->id, 80);
  if (s->title) {
    doc_words(d, h, " \xe2\x80\x94 ");
    doc_text(d, h, s->title, 300);
  }
  size_t text_cap = op->compact ? 400 : 2000;
  if (s->explanation)
    doc_text(d, doc_para(d, box), s->explanation, text_cap);
  doc_node *p = doc_para(d, box);
  doc_label(d, p, "A correct server:");
  doc_text(d, p, s->correct ? s->correct : "-", text_cap);
  scenario_facts(d, box, s);
  if (op->compact)
    return;
  doc_node *list = doc_add(d, box, DOC_LIST);
  list->level = 1;
  for (int r = 0; r < s->nreq && r < 16; r++)
    request_item(d, list, &s->req[r]);
}

void build_scenarios(doc *d, const r_model *m, const build_opts *op) {
  doc_node *h = doc_heading(d, NULL, 2);
  doc_set_id(d, h, "scenarios");
  doc_words(d, h, "Scenarios");
  for (int i = 0; i < m->ns; i++)
    scenario(d, &m->s[i], op);
}
