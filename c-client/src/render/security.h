/* render/security.h - security.md, written from the model. */
#ifndef H2C_RENDER_SECURITY_H
#define H2C_RENDER_SECURITY_H

#include <stddef.h>
#include "model.h"

/* Writes security.md atomically into dir; 0 or -1 with err. */
int security_write(const r_model *m, const char *dir, char *err, size_t errlen);

#endif
