/* render/security.c - security.md: the document of build_security.c written
 * as Markdown (it follows report.md's rules: it may be pasted into a
 * private advisory). */
#include "security.h"
#include "build.h"
#include "md.h"

int security_write(const r_model *m, const char *dir, char *err,
                   size_t errlen) {
  doc d;
  doc_init(&d);
  build_security_md(&d, m);
  out o;
  out_init(&o);
  md_emit(&o, &d);
  doc_free(&d);
  int rc = out_write_file(&o, dir, "security.md", err, errlen);
  out_free(&o);
  return rc;
}
