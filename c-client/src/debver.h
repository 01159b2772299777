/* debver.h - Debian version ordering (Debian Policy 5.6.12), so that the
 * report's regression window orders package versions the way dpkg does:
 * "1:0.9" is newer than "2.0" (epoch), "1.0~rc1" older than "1.0" (tilde),
 * "25.9.1-2+b1" newer than "25.9.1-2" (revision). */
#ifndef H2C_DEBVER_H
#define H2C_DEBVER_H

/* <0, 0, >0 as version a sorts before, with, after version b. NULL sorts
 * before any version. A malformed epoch (not all digits) counts as none. */
int debver_cmp(const char *a, const char *b);

/* The same for the lab's version strings "package version[ extra]" (e.g.
 * "python3-gevent 22.10.2-3"): compares the second word when both have
 * one, else the whole strings. */
int debver_cmp_labelled(const char *a, const char *b);

#endif
