/* fuzz_hostlist.c: libFuzzer target for host pattern expansion.
 *
 * The input, NUL-terminated, is expanded as a host pattern. On success
 * every name must be 1-253 characters of A-Z a-z 0-9 . - _ not beginning
 * with '-', and must expand, as a pattern of its own, to itself. On error
 * the list must be empty and the detail one printable line. The pure form
 * with a small bound must agree: the same names when they fit, HS_ELIMIT
 * when they do not.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostlist.h"

#define SMALL_MAX 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
	if (!ok)
		__builtin_trap();
}

static void
check_name(const char *h)
{
	size_t len = strlen(h);
	struct hs_hostlist self = {0};

	check(len >= 1 && len <= HS_HOSTLIST_NAME_MAX && h[0] != '-');
	check(strspn(h, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	             "0123456789.-_") == len);
	check(hs_hostlist_parse(h, 1, &self, NULL, 0) == HS_OK);
	check(self.n == 1 && strcmp(self.hosts[0], h) == 0);
	hs_hostlist_free(&self);
}

static void
check_detail(const char *d)
{
	check(d[0] != '\0');
	for (; *d != '\0'; d++)
		check(*d >= ' ' && *d < 0x7f);
}

/* The pure form with bound SMALL_MAX against the full expansion hl (r). */
static void
check_small(const char *s, hs_err r, const struct hs_hostlist *hl)
{
	struct hs_hostlist small = {0};
	char err[64];
	hs_err r2;

	memset(err, 'X', sizeof err);
	r2 = hs_hostlist_parse(s, SMALL_MAX, &small, err, sizeof err);
	if (r == HS_OK && hl->n <= SMALL_MAX) {
		check(r2 == HS_OK && small.n == hl->n);
		for (size_t i = 0; i < hl->n; i++)
			check(strcmp(small.hosts[i], hl->hosts[i]) == 0);
	} else if (r == HS_OK || r == HS_ELIMIT) {
		check(r2 == HS_ELIMIT);
	} else {
		check(r2 == HS_EINPUT || r2 == HS_ELIMIT);
	}
	if (r2 != HS_OK)
		check(small.hosts == NULL && small.n == 0 && memchr(err, '\0', sizeof err));
	hs_hostlist_free(&small);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hs_hostlist hl = {0};
	char *s = malloc(size + 1);
	hs_err r;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	hs_detail_clear();
	r = hs_hostlist_expand(s, &hl);
	if (r == HS_OK) {
		check(hl.n >= 1 && hl.n <= HS_HOSTLIST_MAX);
		for (size_t i = 0; i < hl.n && i < 64; i++)
			check_name(hl.hosts[i]);
		check_name(hl.hosts[hl.n - 1]);
	} else {
		check(r == HS_EINPUT || r == HS_ELIMIT || r == HS_ENOMEM);
		check(hl.hosts == NULL && hl.n == 0);
		check_detail(hs_detail());
	}
	if (r != HS_ENOMEM)
		check_small(s, r, &hl);
	hs_hostlist_free(&hl);
	free(s);
	return 0;
}
