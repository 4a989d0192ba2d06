/* sql.c: the SQL query builder. */
#include "sql.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "task.h"
#include "uuid.h"

_Static_assert(HS_STATUS_CANCELLED == -1000, "SQL_EXHAUSTED names the cancelled status");

#define SQL_TEXT_MAX (1 << 20)

void
sql_init(struct sql_stmt *st)
{
	hs_buf_init(&st->sql, SQL_TEXT_MAX);
	st->np = 0;
	st->npaths = 0;
}

void
sql_free(struct sql_stmt *st)
{
	hs_buf_free(&st->sql);
}

struct sql_stmt *
sql_new(void)
{
	struct sql_stmt *st = malloc(sizeof *st);

	if (st != NULL)
		sql_init(st);
	return st;
}

void
sql_delete(struct sql_stmt *st)
{
	if (st == NULL)
		return;
	sql_free(st);
	free(st);
}

hs_err
sql_add(struct sql_stmt *st, const char *text)
{
	return hs_buf_puts(&st->sql, text);
}

hs_err
sql_column(struct sql_stmt *st, int field)
{
	return hs_buf_printf(&st->sql, "\"%s\"", hs_fields[field].name);
}

hs_err
sql_param(struct sql_stmt *st, const struct sql_dialect *d, struct sql_param p)
{
	if (st->np >= SQL_MAX_PARAMS)
		return hs_fail(HS_ELIMIT, "query has too many conditions");
	st->p[st->np++] = p;
	return d->placeholder(&st->sql, st->np);
}

hs_err
sql_param_text(struct sql_stmt *st, const struct sql_dialect *d, const char *s)
{
	return sql_param(st, d, (struct sql_param){.t = SQL_TEXT, .s = s});
}

hs_err
sql_param_cell(struct sql_stmt *st, const struct sql_dialect *d, int field,
               const struct hs_cell *c)
{
	struct sql_param p = {.t = SQL_NULL};

	if (!c->null) {
		switch (hs_fields[field].type) {
		case HS_FT_INT:
		case HS_FT_BOOL:
			p = (struct sql_param){.t = SQL_INT, .i = c->i};
			break;
		case HS_FT_REAL:
			p = (struct sql_param){.t = SQL_REAL, .d = c->d};
			break;
		default:
			p = (struct sql_param){.t = SQL_TEXT, .s = c->s};
		}
	}
	return sql_param(st, d, p);
}

const char *
sql_scratch(struct sql_stmt *st, const char *fmt, ...)
{
	va_list ap;
	char *slot;

	if (st->npaths >= SQL_MAX_TAGPATHS)
		return NULL;
	slot = st->paths[st->npaths++];
	va_start(ap, fmt);
	vsnprintf(slot, sizeof st->paths[0], fmt, ap);
	va_end(ap);
	return slot;
}

static hs_err
cond_sql(struct sql_stmt *st, const struct sql_dialect *d,
         const struct hs_cond *c)
{
	hs_err e;

	if (c->op == HS_OP_MATCH)
		return d->regex(st, c->field, c->value.s);
	/* a uuid column against text that is no uuid: compare as text (a
	 * typed engine would refuse the value; no row matches either way) */
	if (hs_fields[c->field].type == HS_FT_UUID && !c->value.null &&
	    !hs_uuid_valid(c->value.s)) {
		if ((e = sql_add(st, "CAST(")) != HS_OK || (e = sql_column(st, c->field)) != HS_OK ||
		    (e = sql_add(st, " AS TEXT)")) != HS_OK)
			return e;
	} else if ((e = sql_column(st, c->field)) != HS_OK) {
		return e;
	}
	if (c->value.null)
		return sql_add(st, c->op == HS_OP_EQ ? " IS NULL" : " IS NOT NULL");
	if ((e = hs_buf_printf(&st->sql, " %s ", c->op == HS_OP_EQ ? "=" :
	                       c->op == HS_OP_NE ? "<>" : hs_op_text(c->op))) != HS_OK)
		return e;
	return sql_param_cell(st, d, c->field, &c->value);
}

hs_err
sql_where(struct sql_stmt *st, const struct sql_dialect *d,
          const struct hs_query *q, const char *extra)
{
	const char *sep = " WHERE ";
	hs_err e = HS_OK;

	for (size_t i = 0; i < q->nconds && e == HS_OK; i++) {
		if ((e = sql_add(st, sep)) == HS_OK)
			e = cond_sql(st, d, &q->conds[i]);
		sep = " AND ";
	}
	for (size_t i = 0; i < q->ntags && e == HS_OK; i++) {
		if ((e = sql_add(st, sep)) == HS_OK)
			e = d->tag_cond(st, q->tags[i].key, q->tags[i].value);
		sep = " AND ";
	}
	if (e == HS_OK && extra != NULL && (e = sql_add(st, sep)) == HS_OK)
		e = sql_add(st, extra);
	return e;
}

hs_err
sql_order_limit(struct sql_stmt *st, const struct sql_dialect *d,
                const struct hs_query *q)
{
	hs_err e = HS_OK;

	if (q->order >= 0) {
		if ((e = sql_add(st, " ORDER BY ")) == HS_OK &&
		    (e = sql_column(st, q->order)) == HS_OK)
			e = sql_add(st, q->desc ? " DESC" : " ASC");
	}
	if (e == HS_OK && q->limit >= 0 && (e = sql_add(st, " LIMIT ")) == HS_OK)
		e = sql_param(st, d, (struct sql_param){.t = SQL_INT, .i = q->limit});
	return e;
}

hs_err
sql_all_columns(struct sql_stmt *st)
{
	hs_err e = HS_OK;

	for (int f = 0; f < HS_F_COUNT && e == HS_OK; f++) {
		if (f > 0)
			e = sql_add(st, ", ");
		if (e == HS_OK)
			e = sql_column(st, f);
	}
	return e;
}
