/* timestamp.h: the one text form of times in the database and output:
 * "YYYY-MM-DD HH:MM:SS.ffffff+00:00" (UTC, microseconds). It sorts as
 * text in time order, so comparisons need no parsing. */
#ifndef HS_TIMESTAMP_H
#define HS_TIMESTAMP_H

#include <stdbool.h>
#include <stdint.h>

#define HS_TS_LEN 32  /* characters, without the NUL */

/* Current time, in microseconds since the Unix epoch. */
int64_t hs_now_us(void);
/* Monotonic clock in milliseconds (for deadlines and leases). */
int64_t hs_mono_ms(void);
/* CPU time (user + system) this process has used, in seconds. */
double hs_cpu_seconds(void);
/* Format us (microseconds since the epoch) into out. */
void hs_ts_format(int64_t us, char out[HS_TS_LEN + 1]);
/* Parse the forms "YYYY-MM-DD[ T]HH:MM[:SS[.ffffff]][Z|±HH:MM]" and
 * "YYYY-MM-DD"; false if malformed. */
bool hs_ts_parse(const char *s, int64_t *us);

#endif
