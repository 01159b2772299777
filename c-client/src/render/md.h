/* render/md.h - the Markdown writer and report.md. */
#ifndef H2C_RENDER_MD_H
#define H2C_RENDER_MD_H

#include <stddef.h>
#include "doc.h"
#include "model.h"
#include "out.h"

/* The document as GitHub-flavoured Markdown (o->failed when d failed). */
void md_emit(out *o, const doc *d);
/* Writes report.md atomically into dir; 0 or -1 with err. */
int md_write(const r_model *m, const char *dir, char *err, size_t errlen);

#endif
