/* render/fix.c - the facts of a proposed fix, for the "Proposed fix" section
 * of report.md and report.html (written to be pasted below the matrix in
 * the upstream issue).
 *
 * A target whose results carry a patch (targets[].patch, served at its
 * patch_path) runs a proposed fix. What the change does is measured, not
 * claimed: the patched target is compared cell by cell with the unpatched
 * target of the same lineage (fix_base); scenarios marked as regression
 * guards show what it keeps; the unpatched targets of the same info.family,
 * ordered by version, give the regression window (the last version that
 * keeps the connection in sync on the scenarios the change repairs, and the
 * first that does not; Debian's version order, debver.c); attachments.upstream adds the upstream-style
 * unittest run inside each image. Security-relevant cells are only counted
 * here, never described: this text goes into public issues. */
#include "fix.h"
#include "esc.h"
#include "jget.h"

#include <stdlib.h>
#include <string.h>

#include "debver.h"

#define FIX_LIST_MAX 16          /* scenarios named in one sentence */
#define UPSTREAM_RUNS_MAX 32
#define UPSTREAM_TESTS_MAX 16

static void target_named(out *o, const r_target *t) {
  esc_clean(o, t->name, 80, ESC_ONE_LINE);
  if (t->version) {
    out_adds(o, " (");
    esc_clean(o, t->version, 80, ESC_ONE_LINE);
    out_adds(o, ")");
  }
}

static int same(const char *a, const char *b) {
  return a && b && strcmp(a, b) == 0;
}

/* ---- lineage ------------------------------------------------------------- */

/* info.fix_of is authoritative when given: a name missing from this run
 * gives no base rather than a guess. */
int fix_base(const r_model *m, int t, int *by_name) {
  const r_target *p = &m->t[t];
  *by_name = p->fix_of != NULL;
  for (int i = 0; i < m->nt; i++) {
    const r_target *c = &m->t[i];
    if (i == t || c->patch)
      continue;
    if (p->fix_of ? same(c->name, p->fix_of)
                  : same(c->family, p->family) &&
                        same(c->base_image, p->base_image))
      return i;
  }
  return -1;
}

int fix_section_wanted(const r_model *m) {
  for (int t = 0; t < m->nt; t++)
    if (m->t[t].patch)
      return 1;
  return m->upstream != NULL;
}

void fix_lineage_text(out *o, const r_model *m, int t, int base, int by_name) {
  target_named(o, &m->t[t]);
  out_adds(o, " runs the change below (the diff it serves at its "
              "patch_path). ");
  if (base < 0) {
    out_adds(o, "No target of the same lineage without the change is in this "
                "run (info.fix_of, or the same info.family and "
                "info.base_image), so its effect is not measured here.");
    return;
  }
  out_adds(o, "It is compared with ");
  target_named(o, &m->t[base]);
  if (by_name) {
    out_adds(o, ", which its info.fix_of names as the same software without "
                "the change.");
    return;
  }
  out_adds(o, ", the target without a patch of the same family (");
  esc_clean(o, m->t[t].family, 60, ESC_ONE_LINE);
  out_adds(o, ") and base image (");
  esc_clean(o, m->t[t].base_image, 80, ESC_ONE_LINE);
  out_adds(o, ").");
}

/* ---- what the change does ------------------------------------------------ */

typedef enum { CMP_SKIP, CMP_WITHHELD, CMP_FIXED, CMP_BROKEN, CMP_STILL,
               CMP_SAME } cmp_kind;

static cmp_kind compare(const r_model *m, int t, int base, int s) {
  const r_cell *p = model_cell(m, t, s), *u = model_cell(m, base, s);
  if (p->security || u->security)
    return CMP_WITHHELD;
  if ((p->state != CELL_PASS && p->state != CELL_FAIL) ||
      (u->state != CELL_PASS && u->state != CELL_FAIL))
    return CMP_SKIP;
  if (u->state == CELL_FAIL)
    return p->state == CELL_PASS ? CMP_FIXED : CMP_STILL;
  return p->state == CELL_FAIL ? CMP_BROKEN : CMP_SAME;
}

/* "a (desync → ok-h1) and b (hang → ok-h1)"; returns how many. */
static int compare_list(out *o, const r_model *m, int t, int base,
                        cmp_kind kind, int arrows) {
  int n = 0, k = 0;
  for (int s = 0; s < m->ns; s++)
    n += compare(m, t, base, s) == kind;
  for (int s = 0; s < m->ns && o; s++) {
    if (compare(m, t, base, s) != kind)
      continue;
    if (k == FIX_LIST_MAX) {
      out_printf(o, " and %d more", n - k);
      break;
    }
    if (k)
      out_adds(o, k == n - 1 ? " and " : ", ");
    k++;
    esc_clean(o, m->s[s].id, 80, ESC_ONE_LINE);
    out_adds(o, " (");
    if (arrows) {
      esc_clean(o, model_cell(m, base, s)->verdict, 30, ESC_ONE_LINE);
      out_adds(o, " \xe2\x86\x92 ");
    }
    esc_clean(o, model_cell(m, t, s)->verdict, 30, ESC_ONE_LINE);
    out_adds(o, ")");
  }
  return n;
}

static const char *plural(int n, const char *one, const char *many) {
  return n == 1 ? one : many;
}

void fix_effect_text(out *o, const r_model *m, int t, int base) {
  if (base < 0)
    return;
  int fixed = compare_list(NULL, m, t, base, CMP_FIXED, 1);
  if (fixed) {
    out_printf(o, "With the change, %d %s from not accepted to accepted: ",
               fixed, plural(fixed, "scenario goes", "scenarios go"));
    compare_list(o, m, t, base, CMP_FIXED, 1);
    out_adds(o, ".");
  } else {
    out_adds(o, "With the change, no scenario goes from not accepted to "
                "accepted.");
  }
  int broken = compare_list(NULL, m, t, base, CMP_BROKEN, 1);
  if (broken) {
    out_printf(o, " %d %s from accepted to not accepted: ", broken,
               plural(broken, "scenario goes", "scenarios go"));
    compare_list(o, m, t, base, CMP_BROKEN, 1);
    out_adds(o, ".");
  }
  if (compare_list(NULL, m, t, base, CMP_STILL, 0)) {
    out_adds(o, " Not accepted with or without it: ");
    compare_list(o, m, t, base, CMP_STILL, 0);
    out_adds(o, ".");
  }
  int kept = compare_list(NULL, m, t, base, CMP_SAME, 0);
  if (kept)
    out_printf(o, " %d other %s accepted either way.", kept,
               plural(kept, "scenario is", "scenarios are"));
  int withheld = compare_list(NULL, m, t, base, CMP_WITHHELD, 0);
  if (withheld)
    out_printf(o, " %d security-relevant %s left out here.", withheld,
               plural(withheld, "scenario is", "scenarios are"));
}

static void cell_word(out *o, const r_cell *c) {
  if (!c->json)
    out_adds(o, "not run");
  else if (c->security)
    out_adds(o, "withheld");
  else
    esc_clean(o, c->verdict, 30, ESC_ONE_LINE);
}

int fix_guard_text(out *o, const r_model *m, int t, int base) {
  int n = 0;
  for (int s = 0; s < m->ns; s++) {
    if (!m->s[s].regression_guard)
      continue;
    if (n++)
      out_adds(o, "; ");
    const r_cell *p = model_cell(m, t, s);
    esc_clean(o, m->s[s].id, 80, ESC_ONE_LINE);
    out_adds(o, ": ");
    cell_word(o, p);
    out_adds(o, " with the change (");
    esc_clean(o, m->t[t].name, 80, ESC_ONE_LINE);
    out_adds(o, ")");
    if (base < 0)
      continue;
    out_adds(o, ", ");
    cell_word(o, model_cell(m, base, s));
    out_adds(o, " without it (");
    esc_clean(o, m->t[base].name, 80, ESC_ONE_LINE);
    out_adds(o, ")");
    static const char *const words[] = {
        [CMP_FIXED] = "repaired by the change",
        [CMP_BROKEN] = "broken by the change",
        [CMP_STILL] = "not accepted either way",
        [CMP_SAME] = "kept"};
    cmp_kind k = compare(m, t, base, s);
    if (k >= CMP_FIXED) {
      out_adds(o, " \xe2\x80\x94 ");
      out_adds(o, words[k]);
    }
  }
  return n;
}

/* ---- regression window --------------------------------------------------- */

/* 1 in sync on every repaired scenario, 0 out of sync on one, -1 unknown. */
static int in_sync(const r_model *m, int i, const char *fixed) {
  int known = 1;
  for (int s = 0; s < m->ns; s++) {
    if (!fixed[s])
      continue;
    const r_cell *c = model_cell(m, i, s);
    if (c->state == CELL_FAIL)
      return 0;
    known &= c->state == CELL_PASS;
  }
  return known ? 1 : -1;
}

static void window_order(const r_model *m, int *idx, int n) {
  for (int i = 1; i < n; i++)        /* insertion sort: a handful of rows */
    for (int j = i; j > 0 && debver_cmp_labelled(m->t[idx[j - 1]].version,
                                                 m->t[idx[j]].version) > 0; j--) {
      int tmp = idx[j];
      idx[j] = idx[j - 1];
      idx[j - 1] = tmp;
    }
}

static void fixed_names(out *o, const r_model *m, const char *fixed) {
  int n = 0, k = 0;
  for (int s = 0; s < m->ns; s++)
    n += fixed[s];
  for (int s = 0; s < m->ns; s++) {
    if (!fixed[s])
      continue;
    if (k)
      out_adds(o, k == n - 1 ? " and " : ", ");
    k++;
    esc_clean(o, m->s[s].id, 80, ESC_ONE_LINE);
  }
}

static void window_sentence(out *o, const r_model *m, const int *idx, int n,
                            const int *sync) {
  int first_bad = -1;
  for (int i = 0; i < n && first_bad < 0; i++)
    if (sync[i] == 0)
      first_bad = i;
  if (first_bad < 0) {
    out_adds(o, "every version here keeps the connection in sync.");
  } else if (first_bad == 0) {
    out_adds(o, "already the oldest version here, ");
    target_named(o, &m->t[idx[0]]);
    out_adds(o, ", does not keep the connection in sync: the window starts "
                "before it.");
  } else {
    target_named(o, &m->t[idx[first_bad - 1]]);
    out_adds(o, " is the last version that keeps the connection in sync, ");
    target_named(o, &m->t[idx[first_bad]]);
    out_adds(o, " the first that does not.");
  }
  for (int i = first_bad + 1; first_bad >= 0 && i < n; i++)
    if (sync[i] == 1) {
      out_adds(o, " Not one clean window: ");
      esc_clean(o, m->t[idx[i]].name, 80, ESC_ONE_LINE);
      out_adds(o, " is in sync again.");
      break;
    }
}

int fix_window_text(out *o, const r_model *m, int t, int base) {
  const char *family = m->t[t].family;
  if (!family || base < 0)
    return 0;
  char *fixed = calloc((size_t)m->ns + 1, 1);
  int *idx = calloc((size_t)m->nt + 1, sizeof *idx);
  int *sync = calloc((size_t)m->nt + 1, sizeof *sync);
  int nfixed = 0, n = 0;
  if (!fixed || !idx || !sync) {
    o->failed = 1;
    n = -1;
  }
  for (int s = 0; n == 0 && s < m->ns; s++)
    nfixed += fixed[s] = compare(m, t, base, s) == CMP_FIXED;
  for (int i = 0; n >= 0 && nfixed && i < m->nt; i++)
    if (!m->t[i].patch && m->t[i].version && same(m->t[i].family, family) &&
        in_sync(m, i, fixed) >= 0)
      idx[n++] = i;
  if (n > 0) {
    window_order(m, idx, n);
    for (int i = 0; i < n; i++)
      sync[i] = in_sync(m, idx[i], fixed);
    out_adds(o, "Among the ");
    esc_clean(o, family, 60, ESC_ONE_LINE);
    out_adds(o, " targets without a patch, ordered by version and judged on ");
    fixed_names(o, m, fixed);
    out_printf(o, " (what the change repairs): ");
    window_sentence(o, m, idx, n, sync);
    out_adds(o, " In version order:");
    for (int i = 0; i < n; i++) {
      out_adds(o, i ? "; " : " ");
      target_named(o, &m->t[idx[i]]);
      out_adds(o, sync[i] ? " in sync" : " out of sync");
    }
    out_adds(o, ".");
  }
  free(fixed);
  free(idx);
  free(sync);
  return n > 0;
}

int fix_upstream_note(out *o, const r_model *m, int t, int base) {
  const char *note = m->t[t].upstream_note;
  if (!note && base >= 0)
    note = m->t[base].upstream_note;
  for (int i = 0; !note && i < m->nt; i++)
    if (same(m->t[i].family, m->t[t].family))
      note = m->t[i].upstream_note;
  if (!note)
    return 0;
  esc_clean(o, note, 1500, ESC_ONE_LINE);
  return 1;
}

/* ---- the upstream-style unittest ---------------------------------------- */

static const char *outcome_words(const char *outcome) {
  if (same(outcome, "pass"))
    return "passed";
  if (same(outcome, "fail"))
    return "failed";
  if (same(outcome, "timeout"))
    return "timed out";
  return NULL;
}

static void upstream_run_line(out *o, const cJSON *run) {
  out_adds(o, "\n");
  esc_clean(o, jget_str(run, "image") ? jget_str(run, "image") : "?", 100,
             ESC_ONE_LINE);
  out_adds(o, " (");
  if (jget_str(run, "version")) {
    esc_clean(o, jget_str(run, "version"), 100, ESC_ONE_LINE);
    out_adds(o, ", ");
  }
  int patched = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(run, "patched"));
  out_adds(o, patched ? "patched): unittest " : "unpatched): unittest ");
  const char *outcome = jget_str(run, "outcome");
  const char *words = outcome_words(outcome);
  if (words)
    out_adds(o, words);
  else
    esc_clean(o, outcome ? outcome : "unknown", 30, ESC_ONE_LINE);
  const cJSON *tests = cJSON_GetObjectItemCaseSensitive(run, "tests");
  if (!cJSON_IsObject(tests))
    tests = NULL;
  int i = 0, n = cJSON_GetArraySize(tests);
  const cJSON *test;
  cJSON_ArrayForEach(test, tests) {
    if (i == UPSTREAM_TESTS_MAX) {
      out_printf(o, ", \xe2\x80\xa6 %d more", n - i);
      break;
    }
    out_adds(o, i++ ? ", " : " \xe2\x80\x94 ");
    esc_clean(o, test->string ? test->string : "?", 100, ESC_ONE_LINE);
    out_adds(o, " ");
    esc_clean(o, cJSON_IsString(test) ? test->valuestring : "?", 30,
               ESC_ONE_LINE);
  }
}

int fix_upstream_test(out *o, const r_model *m) {
  const cJSON *doc = m->upstream;
  if (!doc)
    return 0;
  const char *fmt = jget_str(doc, "format");
  if (!fmt || strncmp(fmt, "h2c-lab-upstream/", 17) != 0) {
    out_adds(o, "attachments.upstream is not an h2c-lab-upstream/1 document; "
                "it is not shown.");
    return 1;
  }
  const cJSON *runs = cJSON_GetObjectItemCaseSensitive(doc, "runs"), *run;
  if (!cJSON_IsArray(runs))
    runs = NULL;
  int np = 0, np_pass = 0, nu = 0, nu_fail = 0;
  cJSON_ArrayForEach(run, runs) {
    if (!cJSON_IsObject(run))
      continue;
    int pass = same(jget_str(run, "outcome"), "pass");
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(run, "patched"))) {
      np++;
      np_pass += pass;
    } else {
      nu++;
      nu_fail += !pass;
    }
  }
  out_adds(o, "The upstream-style test ");
  esc_clean(o, jget_str(doc, "test") ? jget_str(doc, "test") : "?", 200,
             ESC_ONE_LINE);
  if (jget_str(doc, "command")) {
    out_adds(o, " (`");
    esc_clean(o, jget_str(doc, "command"), 200, ESC_ONE_LINE);
    out_adds(o, "`)");
  }
  if (np && nu && np_pass == np && nu_fail == nu)
    out_printf(o, ", run inside each image, fails on every unpatched image "
                  "(%d) and passes on every patched one (%d).", nu, np);
  else
    out_printf(o, ", run inside each image, passes on %d of %d patched and "
                  "fails on %d of %d unpatched images.", np_pass, np,
               nu_fail, nu);
  int i = 0;
  cJSON_ArrayForEach(run, runs) {
    if (!cJSON_IsObject(run))
      continue;
    if (i++ == UPSTREAM_RUNS_MAX) {
      out_printf(o, "\n\xe2\x80\xa6 %d more images", np + nu - UPSTREAM_RUNS_MAX);
      break;
    }
    upstream_run_line(o, run);
  }
  return 1;
}

/* ---- the diff ------------------------------------------------------------ */

int fix_diff_text(out *o, const r_target *t, size_t cap) {
  const char *p = t->patch ? t->patch : "";
  size_t n = strlen(p), keep = n;
  if (n > cap) {                     /* cut at a line end: a diff stays whole */
    keep = cap;
    while (keep > 0 && p[keep - 1] != '\n')
      keep--;
  }
  out tmp;
  out_init(&tmp);
  out_add(&tmp, p, keep);
  esc_clean(o, tmp.b.data ? tmp.b.data : "", (size_t)-1,
             ESC_KEEP_NL | ESC_KEEP_TAB);
  o->failed |= tmp.failed;
  out_free(&tmp);
  return keep < n;
}
