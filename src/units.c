/* units.c: size parsing. */
#include "units.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <strings.h>

hs_err
hs_parse_size(const char *text, int64_t *out)
{
	static const struct { const char *u; int shift; } units[] = {
		{"", 0}, {"b", 0}, {"k", 10}, {"kb", 10}, {"kib", 10}, {"m", 20},
		{"mb", 20}, {"mib", 20}, {"g", 30}, {"gb", 30}, {"gib", 30},
		{"t", 40}, {"tb", 40}, {"tib", 40},
	};
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (end == text || errno != 0 || !isfinite(v) || v < 0 ||
	    text[0] == ' ' || text[0] == '+' || text[0] == '\t')
		return HS_EINPUT;
	while (*end == ' ')
		end++;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcasecmp(end, units[i].u) != 0)
			continue;
		v = ldexp(v, units[i].shift);
		if (v >= 0x1p63)
			return HS_EINPUT;
		*out = (int64_t)v;
		return HS_OK;
	}
	return HS_EINPUT;
}
