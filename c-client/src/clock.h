/* clock.h - the probe's one clock: monotonic milliseconds for deadlines and
 * transcript times, and a millisecond sleep. Its own file so that engines,
 * the network layer and the runner need not pull in the transcript for it. */
#ifndef H2C_CLOCK_H
#define H2C_CLOCK_H

#include <stdint.h>

/* Monotonic clock in milliseconds (never jumps with the wall clock). */
int64_t clock_now_ms(void);
/* Sleeps ms milliseconds (ms <= 0: returns at once). */
void clock_sleep_ms(int ms);

#endif
