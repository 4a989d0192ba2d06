/* timestamp.c: formatting and parsing of stored times. */
#include "timestamp.h"

#include <string.h>
#include <sys/resource.h>
#include <time.h>

int64_t
hs_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
hs_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double
hs_cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Civil date from days since 1970-01-01 (Howard Hinnant's algorithm). */
static void
civil(int64_t days, int *y, int *m, int *d)
{
	int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t yy = y - (m <= 2), era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

/* Write v as n decimal digits ending at end[-1]. */
static void
put_digits(char *end, int64_t v, int n)
{
	while (n-- > 0) {
		*--end = (char)('0' + v % 10);
		v /= 10;
	}
}

/* Called for every time stored or sent, so no printf: the fields go in
 * place into the fixed layout (years outside 0000-9999 keep their last
 * four digits; no time in the database is outside them). */
void
hs_ts_format(int64_t us, char out[HS_TS_LEN + 1])
{
	int64_t secs = us >= 0 ? us / 1000000 : (us - 999999) / 1000000;
	int64_t frac = us - secs * 1000000, days, rem;
	int y, mo, d;

	days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
	rem = secs - days * 86400;
	civil(days, &y, &mo, &d);
	memcpy(out, "0000-00-00 00:00:00.000000+00:00", HS_TS_LEN + 1);
	put_digits(out + 4, y < 0 ? -(int64_t)y % 10000 : y % 10000, 4);
	put_digits(out + 7, mo, 2);
	put_digits(out + 10, d, 2);
	put_digits(out + 13, rem / 3600, 2);
	put_digits(out + 16, rem / 60 % 60, 2);
	put_digits(out + 19, rem % 60, 2);
	put_digits(out + 26, frac, 6);
}

static const char *
digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return NULL;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return s + n;
}

static const char *
parse_time(const char *s, int *h, int *mi, int *sec, int *usec)
{
	int v;

	*sec = *usec = 0;
	if (!(s = digits(s, 2, h)) || *s++ != ':' || !(s = digits(s, 2, mi)))
		return NULL;
	if (*s == ':' && !(s = digits(s + 1, 2, sec)))
		return NULL;
	if (*s == '.') {
		int n = 0;
		for (s++; *s >= '0' && *s <= '9'; s++, n++)
			if (n < 6)
				*usec = *usec * 10 + (*s - '0');
		for (v = n; v < 6; v++)
			*usec *= 10;
		if (n == 0)
			return NULL;
	}
	return *h < 24 && *mi < 60 && *sec < 61 ? s : NULL;
}

static const char *
parse_offset(const char *s, int *off_min)
{
	int oh, om;

	*off_min = 0;
	if (*s == 'Z' || *s == 'z')
		return s + 1;
	if (*s != '+' && *s != '-')
		return s;
	if (!digits(s + 1, 2, &oh) || s[3] != ':' || !digits(s + 4, 2, &om) ||
	    oh > 23 || om > 59)
		return NULL;
	*off_min = (oh * 60 + om) * (*s == '-' ? -1 : 1);
	return s + 6;
}

bool
hs_ts_parse(const char *s, int64_t *us)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, usec = 0, off = 0;

	if (!(s = digits(s, 4, &y)) || *s++ != '-' || !(s = digits(s, 2, &mo)) ||
	    *s++ != '-' || !(s = digits(s, 2, &d)))
		return false;
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap))
		return false;
	if ((*s == ' ' || *s == 'T') &&
	    (!(s = parse_time(s + 1, &h, &mi, &sec, &usec)) ||
	     !(s = parse_offset(s, &off))))
		return false;
	if (*s != '\0')
		return false;
	int64_t v = ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) -
	             (int64_t)off * 60) * 1000000 + usec;
	if (v < -62167219200000000LL || v > 253402300799999999LL)
		return false;  /* outside 0000-01-01 .. 9999-12-31 UTC */
	*us = v;
	return true;
}
