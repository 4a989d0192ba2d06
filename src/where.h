/* where.h: the --where condition language: "field OP value".
 *
 * Pure. OP is one of == != >= <= > < ~ (longest match first, so ">=" is
 * never read as ">" followed by "=1", the original's bug). Spaces around
 * OP are optional; the value may be quoted with ' or " to keep spaces at
 * its ends. The field must be a task column; the value is coerced to that
 * column's type (a string column never turns "1" into a number, the
 * original's issue #18); null/none mean NULL (only with == and !=).
 */
#ifndef HS_WHERE_H
#define HS_WHERE_H

#include "err.h"
#include "task.h"

#define HS_WHERE_MAX 4096   /* longest condition accepted */

enum hs_op { HS_OP_EQ, HS_OP_NE, HS_OP_GT, HS_OP_GE, HS_OP_LT, HS_OP_LE, HS_OP_MATCH };

struct hs_cond {
	int field;               /* enum hs_field */
	enum hs_op op;
	struct hs_cell value;    /* typed; strings point into text or tsbuf */
	char text[HS_WHERE_MAX + 1];   /* the value as written (unquoted) */
	char tsbuf[HS_TS_LEN + 1];
};

/* Parse s into c. HS_EINPUT with a one-line message in err. */
hs_err hs_where_parse(const char *s, struct hs_cond *c, char *err,
                      size_t errlen);

/* "==", "!=", ... */
const char *hs_op_text(enum hs_op op);

#endif
