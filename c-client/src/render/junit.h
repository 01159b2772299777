/* render/junit.h - junit.xml, written from the model. */
#ifndef H2C_RENDER_JUNIT_H
#define H2C_RENDER_JUNIT_H

#include <stddef.h>
#include "model.h"

/* Writes junit.xml atomically into dir; 0 or -1 with err. */
int junit_write(const r_model *m, const char *dir, char *err, size_t errlen);

#endif
