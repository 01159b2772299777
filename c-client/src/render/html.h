/* render/html.h - report.html, written from the model. */
#ifndef H2C_RENDER_HTML_H
#define H2C_RENDER_HTML_H

#include <stddef.h>
#include "model.h"

/* Writes report.html atomically into dir; 0 or -1 with err. */
int html_write(const r_model *m, const char *dir, char *err, size_t errlen);

#endif
