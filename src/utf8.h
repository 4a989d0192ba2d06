/* utf8.h: strict UTF-8 validation (no overlongs, surrogates or > U+10FFFF). */
#ifndef HS_UTF8_H
#define HS_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True if s[0..len) is valid UTF-8; else *bad (if not NULL) is the offset
 * of the first invalid byte. */
bool hs_utf8_valid(const char *s, size_t len, size_t *bad);

#endif
