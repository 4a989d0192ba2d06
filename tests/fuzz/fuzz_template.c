/* fuzz_template.c: libFuzzer target for the template expander.
 *
 * Input: the template, a NUL, then the args (no NUL: empty args). The
 * shell callback answers a fixed text. Expansion goes into a buffer with
 * a 1 MiB maximum. Oracle beyond the sanitizers: a template the check
 * rejects as malformed must not expand, and one that expands must pass
 * the check.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static hs_err
fixed_shell(void *arg, const char *cmd, struct hs_buf *out, char *err,
    size_t errlen)
{
	if (strchr(cmd, '!') != NULL) {
		snprintf(err, errlen, "command failed");
		return HS_ECHILD;
	}
	return hs_buf_puts(out, " \t shell {} output\n");
}

static char *
dup_bytes(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct tmpl_var vars[] = {
		{"slot", "2"}, {"slot_count", "16"},
	};
	const uint8_t *nul = memchr(data, '\0', size);
	size_t tlen = nul != NULL ? (size_t)(nul - data) : size;
	char *tmpl, *args, err[TMPL_ERR_MAX];
	struct hs_buf out = HS_BUF_INIT(1024 * 1024);
	struct tmpl_ctx ctx;
	hs_err ex, ck;

	tmpl = dup_bytes(data, tlen);
	args = nul != NULL ? dup_bytes(nul + 1, size - tlen - 1) :
	    dup_bytes(data, 0);
	ctx.args = args;
	ctx.vars = vars;
	ctx.nvars = 2;
	ctx.shell = fixed_shell;
	ctx.shell_arg = NULL;
	ex = tmpl_expand(tmpl, &ctx, &out, err, sizeof err);
	if (memchr(err, '\0', sizeof err) == NULL)
		abort();
	ck = tmpl_check(tmpl, err, sizeof err);
	if (ex == HS_OK && ck != HS_OK)
		abort();
	hs_buf_free(&out);
	free(tmpl);
	free(args);
	return 0;
}
