/* tag.c: tag parsing, sets and their JSON form. */
#include "tag.h"

#include "expr.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int
tag_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '+' || c == '-';
}

int
hs_tag_valid_word(const char *s, size_t len)
{
	if (len == 0 || len > HS_TAG_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!tag_char(s[i]))
			return 0;
	return 1;
}

hs_err
hs_tag_parse(const char *text, struct hs_tag *out, char *err, size_t errlen)
{
	const char *colon = strchr(text, ':');
	size_t klen = colon ? (size_t)(colon - text) : strlen(text);
	size_t vlen = colon ? strlen(colon + 1) : 0;

	if (!hs_tag_valid_word(text, klen)) {
		snprintf(err, errlen, "invalid tag '%.60s': keys are 1-%d characters of "
		         "A-Z a-z 0-9 _ . + -", text, HS_TAG_MAX);
		return HS_EINPUT;
	}
	if (colon && vlen > 0 && !hs_tag_valid_word(colon + 1, vlen)) {
		snprintf(err, errlen, "invalid tag '%.60s': values are 1-%d characters "
		         "of A-Z a-z 0-9 _ . + -", text, HS_TAG_MAX);
		return HS_EINPUT;
	}
	memcpy(out->key, text, klen);
	out->key[klen] = '\0';
	memcpy(out->value, colon ? colon + 1 : "", vlen);
	out->value[vlen] = '\0';
	return HS_OK;
}

hs_err
hs_tags_set(struct hs_tags *t, const struct hs_tag *tag)
{
	struct hs_tag *nv;

	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].key, tag->key) == 0) {
			t->v[i] = *tag;
			return HS_OK;
		}
	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 4;
		if ((nv = realloc(t->v, ncap * sizeof *nv)) == NULL)
			return HS_ENOMEM;
		t->v = nv;
		t->cap = ncap;
	}
	t->v[t->n++] = *tag;
	return HS_OK;
}

hs_err
hs_tags_add_arg(struct hs_tags *t, const char *text)
{
	struct hs_tag tag;
	char err[256];

	if (hs_tag_parse(text, &tag, err, sizeof err) != HS_OK)
		return hs_fail(HS_EUSAGE, "%s", err);
	return hs_tags_set(t, &tag);
}

hs_err
hs_tags_merge(struct hs_tags *dst, const struct hs_tags *src)
{
	hs_err e;

	for (size_t i = 0; i < src->n; i++)
		if ((e = hs_tags_set(dst, &src->v[i])) != HS_OK)
			return e;
	return HS_OK;
}

void
hs_tags_clear(struct hs_tags *t)
{
	t->n = 0;
}

void
hs_tags_free(struct hs_tags *t)
{
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
}

/* Canonical JSON text of v if it is an integer or a decimal number, as
 * Python's int() or float() would read it; 0 otherwise. */
static int
number_json(const char *v, char *buf, size_t len)
{
	const char *p = v + (*v == '-');
	char *end;
	long long i;
	double d;

	if (*p < '0' || *p > '9' || strpbrk(v, "_xXpP") != NULL)
		return 0;
	errno = 0;
	i = strtoll(v, &end, 10);
	if (*end == '\0' && errno == 0)
		return snprintf(buf, len, "%lld", i), 1;
	errno = 0;
	d = strtod(v, &end);
	if (*end != '\0' || errno != 0 || !isfinite(d))
		return 0;
	expr_format(&(struct expr_num){.is_int = false, .d = d}, buf, len);
	return 1;
}

hs_err
hs_tag_value_json(const char *v, struct hs_buf *out)
{
	/* The tag charset has no quote, backslash or control character, so
	 * the value needs no escaping inside a JSON string. */
	if (strcasecmp(v, "true") == 0)
		return hs_buf_puts(out, "true");
	if (strcasecmp(v, "false") == 0)
		return hs_buf_puts(out, "false");
	if (strcasecmp(v, "null") == 0 || strcasecmp(v, "none") == 0)
		return hs_buf_puts(out, "null");
	char num[40];

	if (number_json(v, num, sizeof num))
		return hs_buf_puts(out, num);
	return hs_buf_printf(out, "\"%s\"", v);
}

hs_err
hs_tags_json(const struct hs_tags *t, struct hs_buf *out)
{
	hs_err e = hs_buf_putc(out, '{');

	for (size_t i = 0; i < t->n && e == HS_OK; i++) {
		e = hs_buf_printf(out, "%s\"%s\":", i ? "," : "", t->v[i].key);
		if (e == HS_OK)
			e = hs_tag_value_json(t->v[i].value, out);
	}
	return e == HS_OK ? hs_buf_putc(out, '}') : e;
}
