/* sql.h: building SQL for task queries, shared by the SQL backends.
 *
 * Column names come from the column table and values always travel as
 * bound parameters, never as SQL text. A dialect supplies the few pieces
 * that differ between engines (placeholders, regex, JSON tag access).
 */
#ifndef HS_SQL_H
#define HS_SQL_H

#include "buf.h"
#include "store.h"

#define SQL_MAX_PARAMS 512

/* hs update --revert on any SQL backend: every column a run set, cleared
 * (the WHERE clause follows). */
#define SQL_REVERT \
	"UPDATE task SET server_id = NULL, server_host = NULL, schedule_time = NULL," \
	" client_id = NULL, client_host = NULL, command = NULL, start_time = NULL," \
	" completion_time = NULL, exit_status = NULL, outpath = NULL, errpath = NULL," \
	" csvpath = NULL, waited = NULL, duration = NULL, cores_max = NULL," \
	" memory_max = NULL"
/* A group's failed tasks with no retry left, on both backends: the
 * failure ranges, not <> 0, so the (exit_status, retried) index serves;
 * cancellations (HS_STATUS_CANCELLED, checked in sql.c) are no failure. */
#define SQL_EXHAUSTED \
	"(exit_status < 0 OR exit_status > 0) AND exit_status <> -1000 AND NOT retried"
#define SQL_MAX_TAGPATHS 64

enum sql_ptype { SQL_NULL, SQL_INT, SQL_REAL, SQL_TEXT };

struct sql_param {
	enum sql_ptype t;
	int64_t i;
	double d;
	const char *s;  /* borrowed from the query, or from paths[] */
};

struct sql_stmt {
	struct hs_buf sql;                     /* statement text */
	struct sql_param p[SQL_MAX_PARAMS];    /* parameters in order */
	int np;
	char paths[SQL_MAX_TAGPATHS][HS_TAG_MAX + 8];  /* JSON paths / values */
	int npaths;
};

struct sql_dialect {
	/* Append the placeholder of parameter n (1-based): "?" or "$n". */
	hs_err (*placeholder)(struct hs_buf *b, int n);
	/* Append "<expr> matches <pattern param>". */
	hs_err (*regex)(struct sql_stmt *st, int field, const char *pattern);
	/* Append "task has tag key", or "tag key equals value" (value "" = has). */
	hs_err (*tag_cond)(struct sql_stmt *st, const char *key, const char *value);
};

void sql_init(struct sql_stmt *st);
void sql_free(struct sql_stmt *st);
/* A heap statement (the struct is large): NULL when out of memory. */
struct sql_stmt *sql_new(void);
void sql_delete(struct sql_stmt *st);

/* Append text. */
hs_err sql_add(struct sql_stmt *st, const char *text);
/* Append a quoted column name. */
hs_err sql_column(struct sql_stmt *st, int field);
/* Add a parameter and append its placeholder. */
hs_err sql_param(struct sql_stmt *st, const struct sql_dialect *d,
                 struct sql_param p);
hs_err sql_param_text(struct sql_stmt *st, const struct sql_dialect *d,
                      const char *s);
hs_err sql_param_cell(struct sql_stmt *st, const struct sql_dialect *d,
                      int field, const struct hs_cell *c);
/* Store s in the statement's scratch space; NULL if full. */
const char *sql_scratch(struct sql_stmt *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Append " WHERE ..." for q (nothing when q has no conditions); extra is
 * an additional SQL condition ANDed in (may be NULL). */
hs_err sql_where(struct sql_stmt *st, const struct sql_dialect *d,
                 const struct hs_query *q, const char *extra);
/* Append " ORDER BY ... LIMIT ..." for q. */
hs_err sql_order_limit(struct sql_stmt *st, const struct sql_dialect *d,
                       const struct hs_query *q);
/* Append the full column list "id, \"group\", ...". */
hs_err sql_all_columns(struct sql_stmt *st);

#endif
