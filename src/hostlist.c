/* hostlist.c: host pattern expansion.
 *
 * The pattern is walked twice, one name term at a time: the first walk
 * parses and validates every term and counts what it expands to, so a bad
 * or oversized pattern fails before a single name is made; the second
 * walk parses again and generates. A term is parsed into segments, each a
 * literal followed by at most one bracket group; the names are generated
 * by an odometer over the groups, the last group turning fastest.
 */
#include "hostlist.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest range bound: far beyond any host count, and no overflow when
 * one is added to it or to a difference of two. */
#define HL_VALUE_MAX UINT64_C(1000000000000000000)

/* One number or range of a bracket group. */
struct hl_item {
	uint64_t lo, hi;  /* inclusive, lo <= hi */
	size_t width;     /* zero-pad to this many digits; 0: no padding */
};

/* A literal followed by one bracket group, or by none (the last segment
 * of a term). The odometer state lives here during generation. */
struct hl_seg {
	const char *lit;  /* borrowed from the pattern */
	size_t litlen;
	size_t first;     /* index of the group's first item in hl_term.items */
	size_t nitems;    /* 0: no group */
	size_t cur;       /* item being generated */
	uint64_t val;     /* value being generated, within items[cur] */
};

/* One comma-separated name of the pattern, parsed. */
struct hl_term {
	struct hl_seg *segs;    /* owned */
	size_t nsegs;
	struct hl_item *items;  /* owned: every group's items, in order */
	size_t nitems;
	size_t count;           /* names it expands to */
};

/* What every step needs: the pattern (for columns), the bound and the
 * caller's message buffer. */
struct hl_ctx {
	const char *pattern;
	size_t max;
	char *err;
	size_t errlen;
};

static hs_err hl_fail(const struct hl_ctx *c, hs_err e, const char *at,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Write "host list: MESSAGE[ at column N]" into the caller's buffer. */
static hs_err
hl_fail(const struct hl_ctx *c, hs_err e, const char *at, const char *fmt, ...)
{
	char msg[HS_DETAIL_MAX];
	va_list ap;

	if (c->err == NULL || c->errlen == 0)
		return e;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (at != NULL)
		snprintf(c->err, c->errlen, "host list: %s at column %zu", msg,
		         (size_t)(at - c->pattern) + 1);
	else
		snprintf(c->err, c->errlen, "host list: %s", msg);
	return e;
}

static int
hl_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' ||
	       ch == '\f';
}

static int
hl_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static int
hl_host_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || hl_digit(ch) ||
	       ch == '.' || ch == '-' || ch == '_';
}

/* Narrow [*s, *e) past surrounding whitespace. */
static void
hl_trim(const char **s, const char **e)
{
	while (*s < *e && hl_space(**s))
		(*s)++;
	while (*e > *s && hl_space((*e)[-1]))
		(*e)--;
}

static size_t
hl_ndigits(uint64_t v)
{
	size_t n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* Brackets must pair up, one level deep, before terms are split at the
 * commas outside them. */
static hs_err
hl_check_brackets(const struct hl_ctx *c)
{
	const char *open = NULL;

	for (const char *p = c->pattern; *p != '\0'; p++) {
		if (*p == '[') {
			if (open != NULL)
				return hl_fail(c, HS_EINPUT, p, "nested '['");
			open = p;
		} else if (*p == ']') {
			if (open == NULL)
				return hl_fail(c, HS_EINPUT, p, "']' without '['");
			open = NULL;
		}
	}
	if (open != NULL)
		return hl_fail(c, HS_EINPUT, open, "'[' without ']'");
	return HS_OK;
}

/* Parse the bound [s, e) (already trimmed) as a decimal number. */
static hs_err
hl_bound(const struct hl_ctx *c, const char *s, const char *e, uint64_t *v)
{
	if (s == e)
		return hl_fail(c, HS_EINPUT, s, "empty range bound");
	*v = 0;
	for (const char *p = s; p < e; p++) {
		if (!hl_digit(*p))
			return hl_fail(c, HS_EINPUT, p, "range bound is not a decimal number");
		*v = *v * 10 + (uint64_t)(*p - '0');
		if (*v > HL_VALUE_MAX)
			return hl_fail(c, HS_ELIMIT, s, "range bound too large");
	}
	return HS_OK;
}

/* Parse one item, "N" or "N-M", of a bracket group. */
static hs_err
hl_item(const struct hl_ctx *c, const char *s, const char *e, struct hl_item *it)
{
	const char *dash = memchr(s, '-', (size_t)(e - s));
	const char *ls = s, *le = dash ? dash : e, *us = dash ? dash + 1 : s, *ue = e;
	hs_err r;

	hl_trim(&ls, &le);
	hl_trim(&us, &ue);
	if ((r = hl_bound(c, ls, le, &it->lo)) != HS_OK ||
	    (r = hl_bound(c, us, ue, &it->hi)) != HS_OK)
		return r;
	if (it->lo > it->hi)
		return hl_fail(c, HS_EINPUT, s, "descending range %" PRIu64 "-%" PRIu64,
		               it->lo, it->hi);
	it->width = ls[0] == '0' && le - ls > 1 ? (size_t)(le - ls) : 0;
	return HS_OK;
}

/* Parse the group between '[' at s and ']' at e into t's items, adding
 * its name count to *count and its widest number to *width. */
static hs_err
hl_group(const struct hl_ctx *c, const char *s, const char *e, struct hl_term *t,
         size_t *count, size_t *width)
{
	const char *is = s + 1, *ie, *ts = s + 1, *te = e;

	*count = 0;
	*width = 0;
	hl_trim(&ts, &te);
	if (ts == te)
		return hl_fail(c, HS_EINPUT, s, "empty brackets");
	for (; is <= e; is = ie + 1) {
		struct hl_item *it = &t->items[t->nitems];
		const char *a = is, *b;
		size_t w;
		hs_err r;

		for (ie = is; ie < e && *ie != ','; ie++)
			;
		b = ie;
		hl_trim(&a, &b);
		if (a == b)
			return hl_fail(c, HS_EINPUT, is, "empty item in brackets");
		if ((r = hl_item(c, a, b, it)) != HS_OK)
			return r;
		if (it->hi - it->lo >= c->max || *count > c->max - (it->hi - it->lo + 1))
			return hl_fail(c, HS_ELIMIT, NULL, "more than %zu hosts", c->max);
		*count += (size_t)(it->hi - it->lo + 1);
		w = hl_ndigits(it->hi);
		w = it->width > w ? it->width : w;
		*width = w > *width ? w : *width;
		t->nitems++;
	}
	return HS_OK;
}

/* Check the literal [s, e) of a name; first: it begins the name. */
static hs_err
hl_literal(const struct hl_ctx *c, const char *s, const char *e, int first)
{
	if (first && s < e && *s == '-')
		return hl_fail(c, HS_EINPUT, s, "host name begins with '-'");
	for (const char *p = s; p < e; p++) {
		if (hl_host_char(*p))
			continue;
		if (*p >= ' ' && *p < 0x7f)
			return hl_fail(c, HS_EINPUT, p, "invalid character '%c' in host name "
			               "(allowed: A-Z a-z 0-9 . - _)", *p);
		return hl_fail(c, HS_EINPUT, p, "invalid byte 0x%02x in host name",
		               (unsigned)(unsigned char)*p);
	}
	return HS_OK;
}

/* Allocate t's segments and items for the name [s, e): at most one
 * segment per '[' plus one, one item per ',' plus one per '['. */
static hs_err
hl_term_alloc(const struct hl_ctx *c, const char *s, const char *e, struct hl_term *t)
{
	size_t open = 0, commas = 0;

	for (const char *p = s; p < e; p++) {
		open += *p == '[';
		commas += *p == ',';
	}
	t->segs = calloc(open + 1, sizeof *t->segs);
	t->items = calloc(open + commas + 1, sizeof *t->items);
	if (t->segs == NULL || t->items == NULL)
		return hl_fail(c, HS_ENOMEM, NULL, "out of memory");
	return HS_OK;
}

/* Parse the trimmed, non-empty name [s, e) into t, counting its names and
 * checking the longest of them. */
static hs_err
hl_term_parse(const struct hl_ctx *c, const char *s, const char *e, struct hl_term *t)
{
	size_t len = 0, count = 1, gcount = 0, gwidth = 0;
	const char *p = s, *close;
	hs_err r;

	if ((r = hl_term_alloc(c, s, e, t)) != HS_OK)
		return r;
	while (p < e) {
		struct hl_seg *sg = &t->segs[t->nsegs++];

		for (sg->lit = p; p < e && *p != '['; p++)
			;
		sg->litlen = (size_t)(p - sg->lit);
		len += sg->litlen;
		if ((r = hl_literal(c, sg->lit, p, sg == t->segs)) != HS_OK)
			return r;
		if (p == e)
			break;
		close = memchr(p, ']', (size_t)(e - p));  /* paired: checked */
		sg->first = t->nitems;
		if ((r = hl_group(c, p, close, t, &gcount, &gwidth)) != HS_OK)
			return r;
		sg->nitems = t->nitems - sg->first;
		if (count > c->max / gcount)
			return hl_fail(c, HS_ELIMIT, NULL, "more than %zu hosts", c->max);
		count *= gcount;
		len += gwidth;
		p = close + 1;
	}
	if (len > HS_HOSTLIST_NAME_MAX)
		return hl_fail(c, HS_EINPUT, s, "host name longer than %d characters",
		               HS_HOSTLIST_NAME_MAX);
	t->count = count;
	return HS_OK;
}

static void
hl_term_free(struct hl_term *t)
{
	free(t->segs);
	free(t->items);
	memset(t, 0, sizeof *t);
}

/* Write the name the odometer stands at into buf (HS_HOSTLIST_NAME_MAX + 1
 * bytes: the parse checked the longest name fits). */
static size_t
hl_name(const struct hl_term *t, char *buf)
{
	size_t len = 0;

	for (size_t i = 0; i < t->nsegs; i++) {
		const struct hl_seg *sg = &t->segs[i];

		memcpy(buf + len, sg->lit, sg->litlen);
		len += sg->litlen;
		if (sg->nitems > 0)
			len += (size_t)snprintf(buf + len, HS_HOSTLIST_NAME_MAX + 1 - len,
			                        "%0*" PRIu64, (int)t->items[sg->cur].width,
			                        sg->val);
	}
	buf[len] = '\0';
	return len;
}

/* Advance the odometer one name, the last group turning fastest. */
static void
hl_advance(struct hl_term *t)
{
	for (size_t i = t->nsegs; i-- > 0;) {
		struct hl_seg *sg = &t->segs[i];

		if (sg->nitems == 0)
			continue;
		if (sg->val < t->items[sg->cur].hi) {
			sg->val++;
			return;
		}
		if (sg->cur + 1 < sg->first + sg->nitems) {
			sg->val = t->items[++sg->cur].lo;
			return;
		}
		sg->cur = sg->first;  /* wrap and carry */
		sg->val = t->items[sg->cur].lo;
	}
}

/* Append t's names to out, which has room for them. */
static hs_err
hl_generate(const struct hl_ctx *c, struct hl_term *t, struct hs_hostlist *out)
{
	char buf[HS_HOSTLIST_NAME_MAX + 1];

	for (size_t i = 0; i < t->nsegs; i++) {
		struct hl_seg *sg = &t->segs[i];

		sg->cur = sg->first;
		sg->val = sg->nitems > 0 ? t->items[sg->first].lo : 0;
	}
	for (size_t k = 0; k < t->count; k++, hl_advance(t)) {
		size_t len = hl_name(t, buf);

		if ((out->hosts[out->n] = malloc(len + 1)) == NULL)
			return hl_fail(c, HS_ENOMEM, NULL, "out of memory");
		memcpy(out->hosts[out->n++], buf, len + 1);
	}
	return HS_OK;
}

/* The end of the name starting at s: the next comma outside brackets, or
 * the pattern's NUL. */
static const char *
hl_term_end(const char *s)
{
	int inside = 0;

	for (; *s != '\0' && (*s != ',' || inside); s++)
		if (*s == '[' || *s == ']')
			inside = *s == '[';
	return s;
}

/* Parse the name [s, e), add its count to *total and, when out is not
 * NULL, its names to out. */
static hs_err
hl_walk_term(const struct hl_ctx *c, const char *s, const char *e, size_t *total,
             struct hs_hostlist *out)
{
	struct hl_term t = {0};
	const char *a = s, *b = e;
	hs_err r;

	hl_trim(&a, &b);
	if (a == b)
		return hl_fail(c, HS_EINPUT, s, "empty host name");
	if ((r = hl_term_parse(c, a, b, &t)) != HS_OK)
		goto out;
	if (t.count > c->max - *total) {
		r = hl_fail(c, HS_ELIMIT, NULL, "more than %zu hosts", c->max);
		goto out;
	}
	*total += t.count;
	if (out != NULL)
		r = hl_generate(c, &t, out);
out:
	hl_term_free(&t);
	return r;
}

/* Walk the pattern's names: count them into *total and, when out is not
 * NULL, generate them into it. */
static hs_err
hl_walk(const struct hl_ctx *c, size_t *total, struct hs_hostlist *out)
{
	const char *s = c->pattern, *e;
	hs_err r;

	*total = 0;
	do {
		e = hl_term_end(s);
		r = hl_walk_term(c, s, e, total, out);
		s = e + 1;
	} while (r == HS_OK && *e != '\0');
	return r;
}

hs_err
hs_hostlist_parse(const char *pattern, size_t max_hosts, struct hs_hostlist *out,
                  char *err, size_t errlen)
{
	const struct hl_ctx c = {pattern, max_hosts, err, errlen};
	size_t total;
	hs_err r;

	out->hosts = NULL;
	out->n = 0;
	if (strnlen(pattern, HS_HOSTLIST_PATTERN_MAX + 1) > HS_HOSTLIST_PATTERN_MAX)
		return hl_fail(&c, HS_ELIMIT, NULL, "pattern longer than %d bytes",
		               HS_HOSTLIST_PATTERN_MAX);
	if ((r = hl_check_brackets(&c)) != HS_OK || (r = hl_walk(&c, &total, NULL)) != HS_OK)
		return r;
	if ((out->hosts = calloc(total, sizeof *out->hosts)) == NULL)
		return hl_fail(&c, HS_ENOMEM, NULL, "out of memory");
	if ((r = hl_walk(&c, &total, out)) != HS_OK)
		hs_hostlist_free(out);
	return r;
}

hs_err
hs_hostlist_expand(const char *pattern, struct hs_hostlist *out)
{
	char err[HS_DETAIL_MAX];
	hs_err r = hs_hostlist_parse(pattern, HS_HOSTLIST_MAX, out, err, sizeof err);

	return r == HS_OK ? HS_OK : hs_fail(r, "%s", err);
}

void
hs_hostlist_free(struct hs_hostlist *hl)
{
	if (hl == NULL)
		return;
	for (size_t i = 0; i < hl->n; i++)
		free(hl->hosts[i]);
	free(hl->hosts);
	hl->hosts = NULL;
	hl->n = 0;
}
