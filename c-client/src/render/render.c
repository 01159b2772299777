/* render/render.c - the top of the render layer: results.json is read into
 * the model once, each report's document is built from it (build_*.c) and
 * written by its format's writer (md.c, html.c, junit.c), each file
 * atomically. Nothing else lives here. */
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

/* Builds one document with build, writes it with emit into dir/name. */
static int render_doc(const r_model *m, void (*build)(doc *, const r_model *),
                      render_emit emit, const char *dir, const char *name,
                      char *err, size_t errlen) {
  doc d;
  doc_init(&d);
  build(&d, m);
  out o;
  out_init(&o);
  emit(&o, &d);
  doc_free(&d);
  int rc = out_write_file(&o, dir, name, err, errlen);
  out_free(&o);
  return rc;
}

static void build_page(doc *d, const r_model *m) {
  build_opts op = {1, 0, 0, 0, -1};
  build_report_page(d, m, &op);
}

static int render_md(const r_model *m, const char *dir, char *err,
                     size_t errlen) {
  out o;
  out_init(&o);
  md_report(&o, m);
  int rc = out_write_file(&o, dir, "report.md", err, errlen);
  out_free(&o);
  return rc;
}

/* One model for all four: results.json is read into it once. */
int render_all(const cJSON *results, const char *dir, char *err,
               size_t errlen) {
  if (atomic_file_make_dirs(dir, err, errlen) != 0)
    return -1;
  r_model m;
  if (model_load(&m, results, err, errlen) != 0)
    return -1;
  int rc = render_md(&m, dir, err, errlen) != 0 ||
           render_doc(&m, build_security_md, md_emit, dir, "security.md", err,
                      errlen) != 0 ||
           render_doc(&m, build_page, html_page, dir, "report.html", err,
                      errlen) != 0 ||
           render_doc(&m, build_junit, junit_emit, dir, "junit.xml", err,
                      errlen) != 0 ? -1 : 0;
  model_free(&m);
  return rc;
}
