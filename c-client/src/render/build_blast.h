/* render/build_blast.h - the "Blast radius" table of the private reports. */
#ifndef H2C_RENDER_BUILD_BLAST_H
#define H2C_RENDER_BUILD_BLAST_H

#include "build.h"

/* The load section (h2c-probe load) as one table, proxy configuration x
 * backend; nothing when the model has none (the public model never has). */
void build_blast(doc *d, const r_model *m);

#endif
