/* units.h: sizes with units, as HyperShell writes them ("512MB": B, KB, MB,
 * GB, TB, and the KiB..TiB spellings, all powers of 1024; case-insensitive;
 * a decimal number is allowed: "1.5G"). */
#ifndef HS_UNITS_H
#define HS_UNITS_H

#include <stdint.h>

#include "err.h"

/* Parse text into bytes. HS_EINPUT if malformed, negative or too large. */
hs_err hs_parse_size(const char *text, int64_t *out);

#endif
