/* render/render.c - the top of the render layer: results.json is read into
 * two models, each report's document is built from one (build_*.c) and
 * written by its format's writer (md.c, html.c, junit.c). The files are one
 * set (atomic_file.h): each is staged under a temporary name and the set is
 * renamed into place only when every file was written, so a directory never
 * holds reports of two runs. Nothing else lives here.
 *
 * Two audiences: the public files (report.md, report.html, junit.xml: for
 * an upstream issue and CI logs) are built from the public model, which
 * holds no private scenario and no proxied target (model.c decides from
 * the data); the private files (security.md, security.html: for a private
 * vulnerability report) from the whole run. */
#include "render.h"
#include "build.h"
#include "build_junit.h"
#include "build_security.h"
#include "html.h"
#include "junit.h"
#include "md.h"
#include "model.h"
#include "atomic_file.h"

typedef void (*render_emit)(out *o, const doc *d);

/* Builds one document with build, stages it with emit as name. */
static int render_doc(const r_model *m, void (*build)(doc *, const r_model *),
                      render_emit emit, atomic_set *set, const char *name,
                      char *err, size_t errlen) {
  doc d;
  doc_init(&d);
  build(&d, m);
  out o;
  out_init(&o);
  emit(&o, &d);
  doc_free(&d);
  int rc = out_stage(&o, set, name, err, errlen);
  out_free(&o);
  return rc;
}

static void build_page(doc *d, const r_model *m) {
  build_opts op = {1, 0, 0, 0, -1, 0};
  build_report_page(d, m, &op);
}

static void build_private_page(doc *d, const r_model *m) {
  build_opts op = {1, 0, 0, 0, -1, 1};
  build_report_page(d, m, &op);
}

static int render_md(const r_model *m, atomic_set *set, char *err,
                     size_t errlen) {
  out o;
  out_init(&o);
  md_report(&o, m);
  int rc = out_stage(&o, set, "report.md", err, errlen);
  out_free(&o);
  return rc;
}

/* The public files from the public model, the private ones from all. */
int render_stage(const cJSON *results, atomic_set *set, char *err,
                 size_t errlen) {
  r_model pub, all;
  if (model_load(&pub, results, MODEL_PUBLIC, err, errlen) != 0)
    return -1;
  if (model_load(&all, results, MODEL_PRIVATE, err, errlen) != 0) {
    model_free(&pub);
    return -1;
  }
  int rc = render_md(&pub, set, err, errlen) != 0 ||
           render_doc(&pub, build_page, html_page, set, "report.html", err,
                      errlen) != 0 ||
           render_doc(&pub, build_junit, junit_emit, set, "junit.xml", err,
                      errlen) != 0 ||
           render_doc(&all, build_security_md, md_emit, set, "security.md",
                      err, errlen) != 0 ||
           render_doc(&all, build_private_page, html_page, set,
                      "security.html", err, errlen) != 0 ? -1 : 0;
  model_free(&pub);
  model_free(&all);
  return rc;
}

int render_all(const cJSON *results, const char *dir, char *err,
               size_t errlen) {
  if (atomic_file_make_dirs(dir, err, errlen) != 0)
    return -1;
  atomic_set set;
  atomic_set_init(&set, dir);
  int rc = render_stage(results, &set, err, errlen) != 0 ||
           atomic_set_commit(&set, err, errlen) != 0 ? -1 : 0;
  atomic_set_free(&set);
  return rc;
}
