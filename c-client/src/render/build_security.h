/* render/build_security.h - security.md's document. */
#ifndef H2C_RENDER_BUILD_SECURITY_H
#define H2C_RENDER_BUILD_SECURITY_H

#include "build.h"

/* security.md: its overview, then every security-relevant cell. */
void build_security_md(doc *d, const r_model *m);

#endif
