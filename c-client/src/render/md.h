/* render/md.h - report.md, written from the model. */
#ifndef H2C_RENDER_MD_H
#define H2C_RENDER_MD_H

#include <stddef.h>
#include "model.h"

/* Writes report.md atomically into dir; 0 or -1 with err. */
int md_write(const r_model *m, const char *dir, char *err, size_t errlen);

#endif
