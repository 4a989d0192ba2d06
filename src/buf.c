/* buf.c: bounded growable buffers. */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
hs_buf_init(struct hs_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

hs_err
hs_buf_reserve(struct hs_buf *b, size_t n)
{
	size_t need, ncap;
	char *p;

	if (n > b->max || b->len > b->max - n)
		return HS_ELIMIT;
	need = b->len + n + 1;
	if (need <= b->cap)
		return HS_OK;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap = ncap > ((size_t)-1) / 2 ? need : ncap * 2;
	p = realloc(b->data, ncap);
	if (p == NULL)
		return HS_ENOMEM;
	b->data = p;
	b->cap = ncap;
	return HS_OK;
}

hs_err
hs_buf_append(struct hs_buf *b, const void *p, size_t n)
{
	hs_err e;

	if ((e = hs_buf_reserve(b, n)) != HS_OK)
		return e;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return HS_OK;
}

hs_err
hs_buf_puts(struct hs_buf *b, const char *s)
{
	return hs_buf_append(b, s, strlen(s));
}

hs_err
hs_buf_putc(struct hs_buf *b, char c)
{
	return hs_buf_append(b, &c, 1);
}

hs_err
hs_buf_vprintf(struct hs_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	hs_err e;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return HS_EINTERNAL;
	if ((e = hs_buf_reserve(b, (size_t)n)) != HS_OK)
		return e;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return HS_OK;
}

hs_err
hs_buf_printf(struct hs_buf *b, const char *fmt, ...)
{
	va_list ap;
	hs_err e;

	va_start(ap, fmt);
	e = hs_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return e;
}

const char *
hs_buf_str(const struct hs_buf *b)
{
	return b->data ? b->data : "";
}

void
hs_buf_reset(struct hs_buf *b)
{
	hs_buf_truncate(b, 0);
}

void
hs_buf_truncate(struct hs_buf *b, size_t n)
{
	if (n >= b->len)
		return;
	b->len = n;
	b->data[n] = '\0';
}

char *
hs_buf_steal(struct hs_buf *b)
{
	char *p;

	if (b->data == NULL && hs_buf_reserve(b, 0) != HS_OK)
		return NULL;
	b->data[b->len] = '\0';
	p = b->data;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void
hs_buf_free(struct hs_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
