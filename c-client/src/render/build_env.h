/* render/build_env.h - "Environment". */
#ifndef H2C_RENDER_BUILD_ENV_H
#define H2C_RENDER_BUILD_ENV_H

#include "build.h"

/* The probe line and the targets table (the same columns everywhere). */
void build_env(doc *d, const r_model *m);

#endif
