/* jsonw.c: writing JSON text straight into a buffer (see jsonw.h). */
#include "jsonw.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Bytes a string may hold as they are: not '"', '\\' or a control. */
static bool
plain(unsigned char c)
{
	return c >= 0x20 && c != '"' && c != '\\';
}

static hs_err
escape(struct hs_buf *b, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

	switch (c) {
	case '"': return hs_buf_append(b, "\\\"", 2);
	case '\\': return hs_buf_append(b, "\\\\", 2);
	case '\b': return hs_buf_append(b, "\\b", 2);
	case '\f': return hs_buf_append(b, "\\f", 2);
	case '\n': return hs_buf_append(b, "\\n", 2);
	case '\r': return hs_buf_append(b, "\\r", 2);
	case '\t': return hs_buf_append(b, "\\t", 2);
	default: return hs_buf_append(b, u, sizeof u);
	}
}

/* Append '"', s (n bytes, none to escape), '"'; and then tail (a short
 * constant, may be ""), with one reserve. */
static hs_err
quoted(struct hs_buf *b, const char *s, size_t n, const char *tail)
{
	size_t t = strlen(tail);
	char *p;
	hs_err e;

	if (n > (size_t)-1 - 2 - t || (e = hs_buf_reserve(b, n + 2 + t)) != HS_OK)
		return n > (size_t)-1 - 2 - t ? HS_ELIMIT : e;
	p = b->data + b->len;
	*p++ = '"';
	memcpy(p, s, n);
	p += n;
	*p++ = '"';
	memcpy(p, tail, t + 1);
	b->len += n + 2 + t;
	return HS_OK;
}

/* Offset of the first byte of s that needs escaping, or len. */
static size_t
plain_span(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len && plain(p[i]))
		i++;
	return i;
}

hs_err
jsonw_string(struct hs_buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len, *run;
	hs_err e;

	if (plain_span(s, len) == len)   /* the usual case: nothing to escape */
		return quoted(b, s, len, "");
	e = hs_buf_putc(b, '"');
	while (e == HS_OK && p < end) {
		for (run = p; p < end && plain(*p); p++)
			;
		if (p > run)
			e = hs_buf_append(b, run, (size_t)(p - run));
		if (e == HS_OK && p < end)
			e = escape(b, *p++);
	}
	return e == HS_OK ? hs_buf_putc(b, '"') : e;
}

hs_err
jsonw_key(struct hs_buf *b, bool first, const char *name)
{
	size_t len = strlen(name);
	hs_err e = first ? HS_OK : hs_buf_putc(b, ',');

	if (e == HS_OK && plain_span(name, len) == len)
		return quoted(b, name, len, ":");
	if (e == HS_OK)
		e = jsonw_string(b, name, len);
	return e == HS_OK ? hs_buf_putc(b, ':') : e;
}

hs_err
jsonw_int(struct hs_buf *b, int64_t v)
{
	char tmp[24], *p = tmp + sizeof tmp;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	return hs_buf_append(b, p, (size_t)(tmp + sizeof tmp - p));
}

hs_err
jsonw_real(struct hs_buf *b, double d)
{
	char tmp[40], *exp;
	int n = snprintf(tmp, sizeof tmp - 2, "%.17g", d);
	size_t len;

	if (n < 0 || (size_t)n >= sizeof tmp - 2)
		return HS_EINPUT;
	len = (size_t)n;
	if (strpbrk(tmp, ".e") == NULL) {
		memcpy(tmp + len, ".0", 3);
		len += 2;
	}
	/* "1e+20" and "1e-07" are written "1e20" and "1e-7", as jansson does */
	if ((exp = strchr(tmp, 'e')) != NULL) {
		char *from = exp + 1, *to = exp + 1;
		if (*from == '-')
			from++, to++;
		else if (*from == '+')
			from++;
		while (*from == '0' && from[1] != '\0')
			from++;
		memmove(to, from, strlen(from) + 1);
		len = strlen(tmp);
	}
	return hs_buf_append(b, tmp, len);
}

hs_err
jsonw_bool(struct hs_buf *b, bool v)
{
	return v ? hs_buf_append(b, "true", 4) : hs_buf_append(b, "false", 5);
}
