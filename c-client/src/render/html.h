/* render/html.h - the HTML writer (report.html). */
#ifndef H2C_RENDER_HTML_H
#define H2C_RENDER_HTML_H

#include "doc.h"
#include "out.h"

/* The document as HTML body content (o->failed when d failed). */
void html_emit(out *o, const doc *d);
/* The document as report.html: one self-contained page around html_emit
 * (head with style and Content-Security-Policy, the one script). */
void html_page(out *o, const doc *d);

#endif
