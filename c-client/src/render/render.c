/* render/render.c - the top of the render layer: results.json is read into
 * the model once, then each report is written from it. Nothing else lives
 * here. */
#include "render.h"
#include "model.h"
#include "md.h"
#include "html.h"
#include "junit.h"
#include "security.h"
#include "atomic_file.h"

/* One model for all four: results.json is read into it once. */
int render_all(const cJSON *results, const char *dir, char *err,
               size_t errlen) {
  if (make_dirs(dir, err, errlen) != 0)
    return -1;
  r_model m;
  if (model_load(&m, results, err, errlen) != 0)
    return -1;
  int rc = md_write(&m, dir, err, errlen) != 0 ||
           security_write(&m, dir, err, errlen) != 0 ||
           html_write(&m, dir, err, errlen) != 0 ||
           junit_write(&m, dir, err, errlen) != 0 ? -1 : 0;
  model_free(&m);
  return rc;
}
