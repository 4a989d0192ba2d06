/* fuzz_expr.c: libFuzzer target for the {= expr =} language.
 *
 * Input: an expression. It is evaluated with x = 3 and, on success,
 * formatted. Oracles beyond the sanitizers: a check must accept what an
 * evaluation accepts, and a formatted number must read back as itself.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_format(const struct expr_num *v)
{
	char buf[EXPR_FMT_MAX];
	struct expr_num back;

	expr_format(v, buf, sizeof buf);
	if (strlen(buf) >= EXPR_FMT_MAX - 1)
		abort();
	if (expr_coerce(buf, &back) != HS_OK || back.is_int != v->is_int)
		abort();
	if (v->is_int ? back.i != v->i :
	    !(back.d == v->d || (isnan(back.d) && isnan(v->d))))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *src = (const char *)data;
	struct expr_num x = {true, 3, 0.0}, v;
	char err[256];
	hs_err ev, ck;

	ev = expr_eval(src, size, &x, &v, err, sizeof err);
	ck = expr_check(src, size, err, sizeof err);
	if (ev == HS_OK) {
		if (ck != HS_OK)
			abort();
		check_format(&v);
	}
	/* The same text with x not a number. */
	(void)expr_eval_text(src, size, NULL, "f\x01o'o", &v, err, sizeof err);
	return 0;
}
