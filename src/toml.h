/* toml.h: a TOML 1.0 reader.
 *
 * Pure: toml_parse() takes a bounded byte buffer and builds a tree; it does
 * no I/O. Every value remembers the line (and column) where it was written,
 * so configuration errors can name file:line:key. A parse error fills
 * struct toml_error with line, column and a one-line message.
 */
#ifndef HS_TOML_H
#define HS_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum toml_type {
	TOML_TABLE,
	TOML_ARRAY,
	TOML_STRING,
	TOML_INTEGER,
	TOML_FLOAT,
	TOML_BOOL,
	TOML_DATETIME,        /* offset date-time: 1979-05-27T07:32:00Z */
	TOML_DATETIME_LOCAL,  /* 1979-05-27T07:32:00 */
	TOML_DATE_LOCAL,      /* 1979-05-27 */
	TOML_TIME_LOCAL,      /* 07:32:00 */
};

/* A date, time or both; which parts are set follows the value's type. */
struct toml_datetime {
	int year, month, day;
	int hour, minute, second;
	int nanosecond;      /* fractional seconds, truncated to ns */
	int offset_minutes;  /* TOML_DATETIME only; 0 for Z */
};

struct toml_value;

struct toml_kv {
	char *key;               /* owned; may contain NUL bytes */
	size_t keylen;
	struct toml_value *val;  /* owned */
};

struct toml_value {
	enum toml_type type;
	int line;      /* 1-based line where the value (or table header) starts */
	int col;       /* 1-based column of the same, in code points */
	int line_end;  /* last line the value spans (multi-line strings, arrays);
	                * a table's span includes its sub-tables */
	unsigned flags;  /* parser bookkeeping (see toml.c) */
	union {
		struct {
			struct toml_kv *items;  /* owned, in insertion order */
			size_t n, cap;
		} table;
		struct {
			struct toml_value **items;  /* owned */
			size_t n, cap;
		} array;
		struct {
			char *ptr;  /* owned, NUL-terminated; may hold NULs */
			size_t len;
		} str;
		int64_t i;
		double d;
		bool b;
		struct toml_datetime dt;
	} u;
};

struct toml_error {
	int line;       /* 1-based; 0 if the error has no place (input too big) */
	int col;        /* 1-based, in code points; 0 with line 0 */
	char msg[200];  /* one line, no trailing newline */
};

/* Parse len bytes of buf as a TOML document. On success *out is the root
 * table (free with toml_free). On failure returns HS_ECONFIG (or
 * HS_ENOMEM) and fills err; *out is NULL. Input over 16 MiB is refused
 * with HS_ELIMIT; nesting deeper than 128 levels is an error. */
hs_err toml_parse(const char *buf, size_t len, struct toml_value **out,
                  struct toml_error *err);

void toml_free(struct toml_value *v);

/* The value under key in table t, or NULL (t may be NULL or not a table). */
const struct toml_value *toml_get(const struct toml_value *t, const char *key);

/* Follow a dotted path of bare keys ("server.tls.cert"), or NULL. */
const struct toml_value *toml_get_path(const struct toml_value *t,
                                       const char *path);

/* "table", "array", "string", "integer", "float", "bool", "datetime",
 * "datetime-local", "date-local", "time-local". */
const char *toml_type_name(enum toml_type t);

#endif
