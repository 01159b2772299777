/* render/html.h - the HTML writer and report.html. */
#ifndef H2C_RENDER_HTML_H
#define H2C_RENDER_HTML_H

#include <stddef.h>
#include "doc.h"
#include "model.h"
#include "out.h"

/* The document as HTML body content (o->failed when d failed). */
void html_emit(out *o, const doc *d);
/* Writes report.html atomically into dir; 0 or -1 with err. */
int html_write(const r_model *m, const char *dir, char *err, size_t errlen);

#endif
