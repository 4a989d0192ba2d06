/* fuzz_where.c: libFuzzer target for the --where condition parser.
 *
 * Parses a NUL-terminated copy of the input and checks what the API
 * promises: a known field and operator, the value text NUL-terminated and
 * bounded, times normalised into tsbuf, null only with == and !=, and on
 * error a one-line message. A broken promise traps.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "where.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
	if (!ok)
		__builtin_trap();
}

static struct hs_cond cond;   /* 4 KiB: not on the stack */

static void
check_ok(void)
{
	const struct hs_cell *v = &cond.value;

	check(cond.field >= 0 && cond.field < HS_F_COUNT);
	check(cond.op >= HS_OP_EQ && cond.op <= HS_OP_MATCH);
	check(strlen(hs_op_text(cond.op)) <= 2);
	check(memchr(cond.text, '\0', sizeof cond.text) != NULL);
	if (cond.op == HS_OP_MATCH) {
		check(!v->null && v->s == cond.text);
		return;
	}
	if (v->null) {
		check(cond.op == HS_OP_EQ || cond.op == HS_OP_NE);
		/* null may be compared with any column; it then matches nothing */
		return;
	}
	switch (hs_fields[cond.field].type) {
	case HS_FT_TIME:
		check(v->s == cond.tsbuf);
		check(strlen(cond.tsbuf) == HS_TS_LEN);
		check(strcmp(cond.tsbuf + HS_TS_LEN - 6, "+00:00") == 0);
		break;
	case HS_FT_TEXT:
	case HS_FT_UUID:
	case HS_FT_JSON:
		check(v->s == cond.text);  /* strings are never coerced */
		break;
	case HS_FT_BOOL:
		check(v->i == 0 || v->i == 1);
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), err[256];
	hs_err e;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(err, 'X', sizeof err);
	e = hs_where_parse(s, &cond, err, sizeof err);
	if (e == HS_OK) {
		check(strlen(s) <= HS_WHERE_MAX);
		check_ok();
	} else {
		check(e == HS_EINPUT);
		check(memchr(err, '\0', sizeof err) != NULL);
		check(strchr(err, '\n') == NULL || strchr(s, '\n') != NULL);
	}
	free(s);
	return 0;
}
