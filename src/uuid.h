/* uuid.h: UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then a 12-bit
 * counter that keeps ids from one process strictly increasing within a
 * millisecond, then 62 random bits. Time-ordered ids keep B-tree inserts
 * at the right edge of the index. */
#ifndef HS_UUID_H
#define HS_UUID_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"

#define HS_UUID_STRLEN 36   /* without the NUL */

/* Write a new UUIDv7 as 36 lowercase characters plus NUL into out. */
hs_err hs_uuid7(char out[HS_UUID_STRLEN + 1]);

/* True if s is a UUID in 8-4-4-4-12 hex form (any case). */
bool hs_uuid_valid(const char *s);

/* Fill buf with n cryptographically random bytes. */
hs_err hs_random(void *buf, size_t n);

#endif
