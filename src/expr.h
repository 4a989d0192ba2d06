/* expr.h: the arithmetic language of {= expr =} templates.
 *
 * Pure. Numbers are Python-like: integers (64-bit, overflow is an error)
 * and floats; x is the task's args coerced to a number. Operators
 * + - * / // % ** and parentheses, unary + and -, functions of Python's
 * math module (see docs/templates.md). Anything else is an error.
 */
#ifndef HS_EXPR_H
#define HS_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define EXPR_MAX_LEN 4096   /* longest expression accepted */
#define EXPR_MAX_DEPTH 64   /* deepest nesting accepted */

struct expr_num {
	bool is_int;
	int64_t i;   /* when is_int */
	double d;    /* when !is_int */
};

/* Coerce text to a number as Python's int() then float() would
 * (surrounding whitespace allowed). HS_EINPUT if it is not a number. */
hs_err expr_coerce(const char *s, struct expr_num *out);

/* Evaluate len bytes of src. x is the value of the variable x, or NULL if
 * x is not a number (using x is then an error). HS_ETEMPLATE with a
 * message in err on any error. */
hs_err expr_eval(const char *src, size_t len, const struct expr_num *x,
                 struct expr_num *out, char *err, size_t errlen);

/* As expr_eval, but when x is NULL and the expression uses it, the error
 * quotes xtext (the text that is not a number), truncated and with
 * unprintable bytes escaped. xtext may be NULL. */
hs_err expr_eval_text(const char *src, size_t len, const struct expr_num *x,
                      const char *xtext, struct expr_num *out, char *err,
                      size_t errlen);

/* Check len bytes of src without evaluating: syntax, names, function
 * arities and the bounds. Errors that depend on values (division by zero,
 * domain errors, overflow) are not found. HS_ETEMPLATE with a message. */
hs_err expr_check(const char *src, size_t len, char *err, size_t errlen);

#define EXPR_FMT_MAX 32     /* buffer size that holds any expr_format text */

/* Format as Python's repr(): 6, -2, 3.0, 0.1, 1e+16, inf, nan. The text
 * is truncated to fit len (as snprintf); EXPR_FMT_MAX always fits. */
void expr_format(const struct expr_num *v, char *buf, size_t len);

#endif
