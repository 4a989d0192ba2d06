/* uuid.c: UUIDv7 generation with a buffered random source. */
#include "uuid.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define POOL 4096

static struct {
	unsigned char pool[POOL];
	size_t used;        /* bytes of pool already handed out */
	uint64_t last_ms;   /* timestamp of the last id */
	uint16_t counter;   /* 12-bit sequence within last_ms */
} U = {.used = POOL};

hs_err
hs_random(void *buf, size_t n)
{
	unsigned char *p = buf;
	ssize_t r;

	while (n > 0) {
		r = getrandom(p, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return hs_fail(HS_EIO, "getrandom: %s", strerror(errno));
		p += r;
		n -= (size_t)r;
	}
	return HS_OK;
}

static hs_err
take_random(unsigned char *out, size_t n)
{
	hs_err e;

	if (U.used + n > POOL) {
		if ((e = hs_random(U.pool, POOL)) != HS_OK)
			return e;
		U.used = 0;
	}
	memcpy(out, U.pool + U.used, n);
	U.used += n;
	return HS_OK;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Next (ms, counter): the counter restarts at a random point each new
 * millisecond and borrows the next millisecond when it runs out, so ids
 * never go backwards even if the clock does. */
static hs_err
next_stamp(uint64_t *ms, uint16_t *ctr)
{
	unsigned char r[2];
	uint64_t t = now_ms();
	hs_err e;

	if (t > U.last_ms) {
		if ((e = take_random(r, 2)) != HS_OK)
			return e;
		U.last_ms = t;
		U.counter = (uint16_t)(((r[0] << 8) | r[1]) & 0x01ff);
	} else if (++U.counter > 0x0fff) {
		U.last_ms++;
		U.counter = 0;
	}
	*ms = U.last_ms;
	*ctr = U.counter;
	return HS_OK;
}

hs_err
hs_uuid7(char out[HS_UUID_STRLEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[16];
	uint64_t ms;
	uint16_t ctr;
	hs_err e;
	int o = 0;

	if ((e = next_stamp(&ms, &ctr)) != HS_OK || (e = take_random(b + 8, 8)) != HS_OK)
		return e;
	for (int i = 0; i < 6; i++)
		b[i] = (unsigned char)(ms >> (40 - 8 * i));
	b[6] = (unsigned char)(0x70 | (ctr >> 8));
	b[7] = (unsigned char)(ctr & 0xff);
	b[8] = (unsigned char)(0x80 | (b[8] & 0x3f));
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 15];
	}
	out[o] = '\0';
	return HS_OK;
}

/* isxdigit without the locale table lookup (every id sent or received is
 * checked). */
static bool
hex_digit(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

bool
hs_uuid_valid(const char *s)
{
	for (int i = 0; i < HS_UUID_STRLEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!hex_digit((unsigned char)s[i])) {
			return false;
		}
	}
	return s[HS_UUID_STRLEN] == '\0';
}
