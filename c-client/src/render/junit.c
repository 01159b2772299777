/* render/junit.c - the test-report writer: the document of build_junit.c as
 * junit.xml for CI dashboards (<testsuite> per suite, <testcase> per case,
 * classname = the suite's name). The counts and times of <testsuites> and
 * <testsuite> sum up the cases below them. All text is clean (no control
 * bytes, valid UTF-8, so valid XML 1.0) and XML-escaped here. */
#include "junit.h"
#include "esc.h"

#include <string.h>

typedef struct counts {
  int tests, failures, errors, skipped;
} counts;

static int is(const doc_node *n, const char *cls) {
  return n->cls && strcmp(n->cls, cls) == 0;
}

static void count_cases(const doc_node *suite, counts *k) {
  for (const doc_node *tc = suite->child; tc; tc = tc->next) {
    if (tc->kind != DOC_DETAILS)
      continue;
    k->tests++;
    k->failures += is(tc, "failure");
    k->errors += is(tc, "error" /* not the verdict */);
    k->skipped += is(tc, "skipped");
  }
}

static void x_spans(out *o, const doc_span *sp) {
  for (; sp; sp = sp->next)
    esc_html_clean(o, sp->text, sp->len);
}

static void x_attr(out *o, const char *name, const char *v) {
  if (!v)
    return;
  out_printf(o, " %s=\"", name);
  esc_html_clean(o, v, strlen(v));
  out_adds(o, "\"");
}

static const doc_node *code_of(const doc_node *tc, const char *cls) {
  for (const doc_node *c = tc->child; c; c = c->next)
    if (c->kind == DOC_CODE_BLOCK && is(c, cls))
      return c;
  return NULL;
}

static void x_code(out *o, const doc_node *c) {
  esc_html_clean(o, c->code ? c->code : "", c->code_len);
}

static void test_case(out *o, const doc_node *suite, const doc_node *tc) {
  out_adds(o, "    <testcase classname=\"");
  x_spans(o, suite->spans);
  out_adds(o, "\" name=\"");
  x_spans(o, tc->spans);
  out_printf(o, "\" time=\"%.3f\">\n", tc->ms / 1000);
  const doc_node *problem = code_of(tc, "problem"), *output = code_of(tc, "output");
  /* the outcome classes, not the verdicts */
  int error = is(tc, "error" /* not the verdict */);
  if (is(tc, "failure") || error) {
    const char *tag = error ? "error" /* not the verdict */ : "failure";
    out_printf(o, "      <%s", tag);
    x_attr(o, "type", tc->type);
    x_attr(o, "message", tc->hint);
    out_adds(o, ">");
    if (problem)
      x_code(o, problem);
    out_printf(o, "</%s>\n", tag);
  } else if (is(tc, "skipped")) {
    out_adds(o, "      <skipped");
    x_attr(o, "message", tc->hint);
    out_adds(o, "/>\n");
  }
  if (output) {
    out_adds(o, "      <system-out>");
    x_code(o, output);
    out_adds(o, "</system-out>\n");
  }
  out_adds(o, "    </testcase>\n");
}

static void test_suite(out *o, const doc_node *suite) {
  counts k = {0, 0, 0, 0};
  count_cases(suite, &k);
  out_adds(o, "  <testsuite name=\"");
  x_spans(o, suite->spans);
  out_printf(o, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" "
                "time=\"%.3f\"", k.tests, k.failures, k.errors, k.skipped,
             suite->ms / 1000);
  x_attr(o, "timestamp", suite->hint);
  out_adds(o, ">\n    <properties>\n");
  for (const doc_node *f = suite->child; f; f = f->next) {
    if (f->kind != DOC_FIELD)
      continue;
    out_adds(o, "      <property");
    x_attr(o, "name", f->label);
    out_adds(o, " value=\"");
    x_spans(o, f->spans);
    out_adds(o, "\"/>\n");
  }
  out_adds(o, "    </properties>\n");
  for (const doc_node *tc = suite->child; tc; tc = tc->next)
    if (tc->kind == DOC_DETAILS)
      test_case(o, suite, tc);
  out_adds(o, "  </testsuite>\n");
}

void junit_emit(out *o, const doc *d) {
  counts all = {0, 0, 0, 0};
  if (d->failed)
    o->failed = 1;
  for (const doc_node *s = d->root.child; s; s = s->next)
    count_cases(s, &all);
  out_printf(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<testsuites name=\"h2c-probe\" tests=\"%d\" failures=\"%d\" "
                "errors=\"%d\" skipped=\"%d\" time=\"%.3f\">\n",
             all.tests, all.failures, all.errors, all.skipped,
             d->root.ms / 1000);
  for (const doc_node *s = d->root.child; s; s = s->next)
    if (s->kind == DOC_SECTION)
      test_suite(o, s);
  out_adds(o, "</testsuites>\n");
}
