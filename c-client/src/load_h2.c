/* load_h2.c - placeholder */
#include "load_int.h"
int load_h2_open(lthread *t, lconn *c) { (void)t; (void)c; return -1; }
int load_h2_submit(lthread *t, lconn *c, int slot) { (void)t; (void)c; (void)slot; return -1; }
int load_h2_feed(lthread *t, lconn *c) { (void)t; (void)c; return -1; }
void load_h2_close(lconn *c) { (void)c; }
