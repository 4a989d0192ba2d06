/* taskline.c: parsing of one submitted input line. */
#include "taskline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"
#include "utf8.h"

#define DIRECTIVE "HYPERSHELL"

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

/* Offset of the comment's '#', or len if there is none. Quotes and
 * backslashes are followed as /bin/sh does. */
static size_t
comment_start(const char *s, size_t len)
{
	char quote = 0;
	bool word_start = true;  /* the next character would begin a word */

	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (quote == '\'') {
			if (c == '\'')
				quote = 0;
		} else if (c == '\\') {
			i++;
			word_start = false;
		} else if (quote == '"') {
			if (c == '"')
				quote = 0;
		} else if (c == '\'' || c == '"') {
			quote = c;
			word_start = false;
		} else if (c == '#' && word_start) {
			return i;
		} else {
			word_start = c == ' ' || c == '\t' || strchr(";&|()<>", c) != NULL;
		}
	}
	return len;
}

static hs_err
check_line(const char *line, size_t len, size_t maxlen, char *err,
           size_t errlen)
{
	size_t bad;

	if (len > maxlen) {
		snprintf(err, errlen, "line is %zu bytes, over the limit of %zu "
		         "(submit.max_line_length)", len, maxlen);
		return HS_ELIMIT;
	}
	if (memchr(line, '\0', len) != NULL) {
		snprintf(err, errlen, "line contains a NUL byte");
		return HS_EINPUT;
	}
	if (!hs_utf8_valid(line, len, &bad)) {
		snprintf(err, errlen, "line is not valid UTF-8 (byte %zu)", bad + 1);
		return HS_EINPUT;
	}
	return HS_OK;
}

static hs_err
parse_int(const char *key, const char *v, int64_t min, int64_t *out,
          char *err, size_t errlen)
{
	char *end;

	errno = 0;
	*out = strtoll(v, &end, 10);
	if (errno == 0 && end != v && *end == '\0' && *out >= min)
		return HS_OK;
	snprintf(err, errlen, "#HYPERSHELL %s must be an integer >= %lld, got '%s'",
	         key, (long long)min, v);
	return HS_EINPUT;
}

int
hs_taskopts_apply(struct hs_taskopts *o, const struct hs_tag *t, hs_err *e,
                  char *err, size_t errlen)
{
	*e = HS_OK;
	if (strcmp(t->key, "group") == 0) {
		*e = parse_int("group", t->value, 0, &o->group, err, errlen);
		o->has_group = true;
	} else if (strcmp(t->key, "cores") == 0) {
		*e = parse_int("cores", t->value, 0, &o->cores, err, errlen);
		o->has_cores = true;
	} else if (strcmp(t->key, "timeout") == 0) {
		*e = parse_int("timeout", t->value, 0, &o->timeout, err, errlen);
		o->has_timeout = true;
	} else if (strcmp(t->key, "memory") == 0) {
		if ((*e = hs_parse_size(t->value, &o->memory)) != HS_OK)
			snprintf(err, errlen, "#HYPERSHELL memory must be a size such as "
			         "512MB, got '%s'", t->value);
		o->has_memory = true;
	} else {
		return 0;
	}
	return 1;
}

void
hs_taskopts_merge(struct hs_taskopts *dst, const struct hs_taskopts *src)
{
	if (src->has_group)
		dst->group = src->group, dst->has_group = true;
	if (src->has_cores)
		dst->cores = src->cores, dst->has_cores = true;
	if (src->has_memory)
		dst->memory = src->memory, dst->has_memory = true;
	if (src->has_timeout)
		dst->timeout = src->timeout, dst->has_timeout = true;
}

/* Parse one whitespace-separated directive word into out. */
static hs_err
directive_word(const char *w, size_t n, struct hs_taskline *out, char *err,
               size_t errlen)
{
	char word[2 * HS_TAG_MAX + 2];
	struct hs_tag tag;
	hs_err e;

	if (n >= sizeof word) {
		snprintf(err, errlen, "tag '%.40s...' is too long", w);
		return HS_EINPUT;
	}
	memcpy(word, w, n);
	word[n] = '\0';
	if ((e = hs_tag_parse(word, &tag, err, errlen)) != HS_OK)
		return e;
	if (hs_taskopts_apply(&out->opts, &tag, &e, err, errlen))
		return e;
	return hs_tags_set(&out->tags, &tag);
}

/* If the comment c[0..n) is a directive, parse its words. */
static hs_err
parse_comment(const char *c, size_t n, struct hs_taskline *out, char *err,
              size_t errlen)
{
	size_t i = 1, dl = strlen(DIRECTIVE), j;
	hs_err e;

	while (i < n && is_blank(c[i]))
		i++;
	if (n - i < dl || memcmp(c + i, DIRECTIVE, dl) != 0)
		return HS_OK;
	i += dl;
	if (i < n && c[i] == ':')
		i++;
	else if (i < n && !is_blank(c[i]))
		return HS_OK;  /* "#HYPERSHELLX": an ordinary comment */
	out->has_directive = true;
	for (;;) {
		while (i < n && is_blank(c[i]))
			i++;
		if (i == n)
			return HS_OK;
		for (j = i; j < n && !is_blank(c[j]); j++)
			;
		if ((e = directive_word(c + i, j - i, out, err, errlen)) != HS_OK)
			return e;
		i = j;
	}
}

hs_err
hs_taskline_parse(const char *line, size_t len, size_t maxlen,
                  struct hs_taskline *out, char *err, size_t errlen)
{
	size_t hash, a = 0, b;
	hs_err e;

	hs_tags_clear(&out->tags);
	memset(&out->opts, 0, sizeof out->opts);
	out->has_directive = false;
	out->args = line;
	out->argslen = 0;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if ((e = check_line(line, len, maxlen, err, errlen)) != HS_OK)
		return e;
	hash = comment_start(line, len);
	if (hash < len &&
	    (e = parse_comment(line + hash, len - hash, out, err, errlen)) != HS_OK)
		return e;
	b = hash;
	while (a < b && is_blank(line[a]))
		a++;
	while (b > a && is_blank(line[b - 1]))
		b--;
	out->args = line + a;
	out->argslen = b - a;
	return HS_OK;
}
