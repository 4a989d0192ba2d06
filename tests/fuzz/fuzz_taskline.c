/* fuzz_taskline.c: libFuzzer target for task line parsing.
 *
 * The input is split at newlines, as hs submit reads it, and every line is
 * parsed into one reused struct hs_taskline (so stale tags or options from
 * an earlier line would show). Each line is copied into its own buffer of
 * exactly its length, so ASan sees a read past its end. Checks: args lie
 * inside the line with no blank at either end, tags are valid words with
 * no reserved key, and errors come with a one-line message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "taskline.h"

#define MAXLEN 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
	if (!ok)
		__builtin_trap();
}

static int
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

static int
reserved(const char *k)
{
	return strcmp(k, "group") == 0 || strcmp(k, "cores") == 0 ||
	       strcmp(k, "memory") == 0 || strcmp(k, "timeout") == 0;
}

static void
check_ok(const char *line, size_t len, const struct hs_taskline *tl)
{
	check(tl->args >= line && tl->args + tl->argslen <= line + len);
	if (tl->argslen > 0) {
		check(!blank(tl->args[0]) && !blank(tl->args[tl->argslen - 1]));
		check(memchr(tl->args, '\0', tl->argslen) == NULL);
	}
	if (!tl->has_directive)
		check(tl->tags.n == 0 && !tl->opts.has_group && !tl->opts.has_cores &&
		      !tl->opts.has_memory && !tl->opts.has_timeout);
	for (size_t i = 0; i < tl->tags.n; i++) {
		const struct hs_tag *t = &tl->tags.v[i];
		check(hs_tag_valid_word(t->key, strlen(t->key)));
		check(t->value[0] == '\0' || hs_tag_valid_word(t->value, strlen(t->value)));
		check(!reserved(t->key));
		for (size_t j = 0; j < i; j++)
			check(strcmp(tl->tags.v[j].key, t->key) != 0);
	}
	check(!tl->opts.has_group || tl->opts.group >= 0);
	check(!tl->opts.has_cores || tl->opts.cores >= 0);
	check(!tl->opts.has_timeout || tl->opts.timeout >= 0);
	check(!tl->opts.has_memory || tl->opts.memory >= 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hs_taskline tl;  /* reused across lines and inputs */
	const char *p = (const char *)data, *end = p + size, *nl;
	char err[256];

	while (p <= end) {
		size_t len;
		char *line;
		hs_err e;

		nl = memchr(p, '\n', (size_t)(end - p));
		len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if ((line = malloc(len ? len : 1)) == NULL)
			break;
		memcpy(line, p, len);
		memset(err, 'X', sizeof err);
		e = hs_taskline_parse(line, len, MAXLEN, &tl, err, sizeof err);
		if (e == HS_OK) {
			check_ok(line, len, &tl);
		} else {
			check(e == HS_EINPUT || e == HS_ELIMIT || e == HS_ENOMEM);
			check(e != HS_ELIMIT || len > MAXLEN);
			check(memchr(err, '\0', sizeof err) != NULL);
			check(strchr(err, '\n') == NULL);
		}
		free(line);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	hs_tags_free(&tl.tags);
	return 0;
}
