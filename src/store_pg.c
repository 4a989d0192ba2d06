/* store_pg.c: the PostgreSQL backend (libpq).
 *
 * Native uuid, timestamptz and jsonb columns in a schema of their own
 * (database.schema, default "public"); rows read back in the stored text
 * forms of the SQLite backend, so every command prints the same. Tasks
 * inserted inside a transaction go by COPY, flushed at commit; the
 * server's statements are prepared once per connection (store_pg_queue.c).
 * Several servers may share one database: scheduling locks rows with
 * FOR UPDATE SKIP LOCKED, and LISTEN/NOTIFY tells a waiting server that
 * tasks arrived.
 */
#include "store.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "store_pg.h"
#include "timestamp.h"

#define COPY_FLUSH_ROWS 10000
#define MAX_PARAMS 32

static const char *schema_v1[] = {
	"CREATE TABLE IF NOT EXISTS task ("
	" id uuid NOT NULL PRIMARY KEY,"
	" \"group\" bigint NOT NULL DEFAULT 0,"
	" args text NOT NULL,"
	" submit_id uuid NOT NULL, submit_time timestamptz NOT NULL,"
	" submit_host text NOT NULL,"
	" cores bigint, memory bigint, cores_max double precision,"
	" memory_max double precision, timeout bigint,"
	" server_id uuid, server_host text, schedule_time timestamptz,"
	" client_id uuid, client_host text,"
	" command text,"
	" start_time timestamptz, completion_time timestamptz,"
	" exit_status bigint,"
	" outpath text, errpath text, csvpath text,"
	" attempt bigint NOT NULL DEFAULT 1,"
	" retried boolean NOT NULL DEFAULT false,"
	" waited bigint, duration bigint,"
	" previous_id uuid, next_id uuid,"
	" tag jsonb NOT NULL DEFAULT '{}')",
	/* what the scheduler picks, in submission order */
	"CREATE INDEX IF NOT EXISTS index_tasks_unscheduled ON task (\"group\", attempt, id)"
	" WHERE schedule_time IS NULL",
	"CREATE INDEX IF NOT EXISTS index_tasks_retries ON task (exit_status, retried)",
	"CREATE INDEX IF NOT EXISTS index_tasks_remaining ON task (\"group\")"
	" WHERE completion_time IS NULL",
	"CREATE UNIQUE INDEX IF NOT EXISTS index_tasks_previous_id ON task (previous_id)"
	" WHERE previous_id IS NOT NULL",
	"CREATE UNIQUE INDEX IF NOT EXISTS index_tasks_next_id ON task (next_id)"
	" WHERE next_id IS NOT NULL",
	"CREATE INDEX IF NOT EXISTS index_tasks_running ON task (client_id)"
	" WHERE schedule_time IS NOT NULL AND completion_time IS NULL",
	"CREATE INDEX IF NOT EXISTS index_tasks_schedule_time ON task (schedule_time)",
	"CREATE TABLE IF NOT EXISTS client ("
	" id uuid NOT NULL PRIMARY KEY, host text NOT NULL,"
	" server_id uuid, server_host text,"
	" connected_at timestamptz NOT NULL, disconnected_at timestamptz,"
	" evicted boolean NOT NULL DEFAULT false)",
	"CREATE INDEX IF NOT EXISTS client_disconnected_at ON client (disconnected_at)",
	/* a waiting server hears of new and reverted tasks at once */
	"CREATE OR REPLACE FUNCTION hypershell_notify() RETURNS trigger LANGUAGE plpgsql AS"
	" $$ BEGIN PERFORM pg_notify('hypershell', TG_TABLE_SCHEMA); RETURN NULL; END $$",
	"DROP TRIGGER IF EXISTS task_notify ON task",
	"CREATE TRIGGER task_notify AFTER INSERT OR UPDATE OF schedule_time ON task"
	" FOR EACH STATEMENT EXECUTE FUNCTION hypershell_notify()",
	NULL,
};

/* Servers sharing the database, for recovering a dead one's tasks. */
static const char *schema_v2[] = {
	"CREATE TABLE IF NOT EXISTS server ("
	" id uuid NOT NULL PRIMARY KEY, host text NOT NULL, port integer NOT NULL,"
	" started_at timestamptz NOT NULL, seen_at timestamptz NOT NULL)",
	NULL,
};

static const struct {
	const char **sql;
	const char *description;
} migrations[HS_SCHEMA_VERSION] = {
	{schema_v1, "initial schema"},
	{schema_v2, "server registry"},
};

static const int insert_fields[] = {
	HS_F_ID, HS_F_GROUP, HS_F_ARGS, HS_F_SUBMIT_ID, HS_F_SUBMIT_HOST,
	HS_F_SUBMIT_TIME, HS_F_CORES, HS_F_MEMORY, HS_F_TIMEOUT, HS_F_ATTEMPT,
	HS_F_RETRIED, HS_F_PREVIOUS_ID, HS_F_TAG,
};
#define NINSERT (sizeof insert_fields / sizeof insert_fields[0])

static const char *copy_sql =
	"COPY task (id, \"group\", args, submit_id, submit_host, submit_time, cores,"
	" memory, timeout, attempt, retried, previous_id, tag) FROM STDIN";
static const char *insert_sql =
	"INSERT INTO task (id, \"group\", args, submit_id, submit_host, submit_time,"
	" cores, memory, timeout, attempt, retried, previous_id, tag)"
	" VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)";

/* --- errors and statements ------------------------------------------------ */

hs_err
pg_fail(struct pg_store *s, PGresult *res, const char *what)
{
	const char *msg = res ? PQresultErrorMessage(res) : "";
	char one[400];
	size_t n;

	if (msg == NULL || *msg == '\0')
		msg = PQerrorMessage(s->conn);
	snprintf(one, sizeof one, "%s", msg && *msg ? msg : "unknown error");
	n = strcspn(one, "\n");   /* one line: libpq adds DETAIL/HINT lines */
	one[n] = '\0';
	return hs_fail(HS_EDB, "database %s: %s: %s", s->where, what, one);
}

static bool
ok(PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);

	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

static hs_err use_schema(struct pg_store *s, enum hs_open_mode mode);

/* A connection that broke (database restart, network) is made again
 * before the next statement; a transaction it was in is lost, which the
 * commit then reports. */
hs_err
pg_ready(struct pg_store *s)
{
	hs_err e;

	if (PQstatus(s->conn) == CONNECTION_OK)
		return HS_OK;
	if (s->in_tx)
		s->tx_lost = true;
	s->in_tx = false;
	PQreset(s->conn);
	memset(s->prepared, 0, sizeof s->prepared);
	s->listening = false;
	hs_buf_reset(&s->copy);
	s->ncopy = 0;
	if (PQstatus(s->conn) != CONNECTION_OK)
		return pg_fail(s, NULL, "reconnecting");
	if (s->relaxed && (e = pg_exec(s, "SET synchronous_commit = off", "setting durability")) != HS_OK)
		return e;
	return use_schema(s, HS_OPEN_WRITE);
}

hs_err
pg_exec(struct pg_store *s, const char *sql, const char *what)
{
	PGresult *res = PQexec(s->conn, sql);
	hs_err e = ok(res) ? HS_OK : pg_fail(s, res, what);

	PQclear(res);
	return e;
}

hs_err
pg_run(struct pg_store *s, const char *sql, int n, const char *const *v, const char *what,
       PGresult **out)
{
	PGresult *res;
	hs_err e;

	if ((e = pg_ready(s)) != HS_OK)
		return e;
	res = PQexecParams(s->conn, sql, n, NULL, v, NULL, NULL, 0);
	e = ok(res) ? HS_OK : pg_fail(s, res, what);
	if (out != NULL && e == HS_OK)
		*out = res;
	else
		PQclear(res);
	return e;
}

hs_err
pg_query_int(struct pg_store *s, const char *sql, int64_t *out)
{
	PGresult *res = NULL;
	hs_err e = pg_run(s, sql, 0, NULL, "reading the database", &res);

	if (e == HS_OK)
		*out = PQntuples(res) == 0 || PQgetisnull(res, 0, 0) ? -1
		       : strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return e;
}

/* --- dialect -------------------------------------------------------------- */

static hs_err
pg_placeholder(struct hs_buf *b, int n)
{
	return hs_buf_printf(b, "$%d", n);
}

static hs_err
pg_regex(struct sql_stmt *st, int field, const char *pattern)
{
	hs_err e;

	if ((e = sql_add(st, "CAST(")) != HS_OK || (e = sql_column(st, field)) != HS_OK ||
	    (e = sql_add(st, " AS TEXT) ~ ")) != HS_OK)
		return e;
	return sql_param_text(st, &pg_dialect, pattern);
}

static hs_err
pg_tag_cond(struct sql_stmt *st, const char *key, const char *value)
{
	struct hs_buf v = HS_BUF_INIT(HS_TAG_MAX + 8);
	const char *json = NULL;
	hs_err e;

	if (*value == '\0') {
		if ((e = sql_add(st, "tag ? ")) == HS_OK)
			e = sql_param_text(st, &pg_dialect, key);
		return e;
	}
	if ((e = hs_tag_value_json(value, &v)) == HS_OK &&
	    (json = sql_scratch(st, "%s", hs_buf_str(&v))) == NULL)
		e = hs_fail(HS_ELIMIT, "too many tag conditions");
	hs_buf_free(&v);
	if (e == HS_OK && (e = sql_add(st, "tag -> ")) == HS_OK &&
	    (e = sql_param_text(st, &pg_dialect, key)) == HS_OK &&
	    (e = sql_add(st, "::text = ")) == HS_OK &&
	    (e = sql_param_text(st, &pg_dialect, json)) == HS_OK)
		e = sql_add(st, "::jsonb");
	return e;
}

const struct sql_dialect pg_dialect = {
	pg_placeholder, pg_regex, pg_tag_cond,
};

/* --- rows ------------------------------------------------------------------ */

hs_err
pg_columns(struct sql_stmt *st)
{
	hs_err e = HS_OK;

	for (int f = 0; f < HS_F_COUNT && e == HS_OK; f++) {
		const char *n = hs_fields[f].name;
		if (f > 0)
			e = sql_add(st, ", ");
		if (e != HS_OK)
			break;
		switch (hs_fields[f].type) {
		case HS_FT_TIME:
			e = hs_buf_printf(&st->sql, "to_char(\"%s\" AT TIME ZONE 'UTC',"
			                  " 'YYYY-MM-DD HH24:MI:SS.US\"+00:00\"')", n);
			break;
		case HS_FT_BOOL:
			e = hs_buf_printf(&st->sql, "\"%s\"::int", n);
			break;
		case HS_FT_JSON:
		case HS_FT_UUID:
			e = hs_buf_printf(&st->sql, "\"%s\"::text", n);
			break;
		default:
			e = sql_column(st, f);
		}
	}
	return e;
}

/* Each cell is converted as its column's type only (task.h: i, d or s). */
void
pg_read_row(PGresult *res, int r, struct hs_task *t)
{
	for (int f = 0; f < HS_F_COUNT; f++) {
		struct hs_cell *c = &t->f[f];
		const char *v = PQgetvalue(res, r, f);
		*c = (struct hs_cell){.null = PQgetisnull(res, r, f)};
		if (c->null)
			continue;
		switch (hs_fields[f].type) {
		case HS_FT_INT:
		case HS_FT_BOOL:   /* selected as ::int */
			c->i = strtoll(v, NULL, 10);
			break;
		case HS_FT_REAL:
			c->d = strtod(v, NULL);
			break;
		default:
			c->s = v;
		}
	}
}

/* sql_stmt parameters as text for libpq. */
struct params {
	const char *v[SQL_MAX_PARAMS];
	char num[SQL_MAX_PARAMS][32];
};

static void
text_params(const struct sql_stmt *st, struct params *p)
{
	for (int i = 0; i < st->np; i++) {
		const struct sql_param *q = &st->p[i];
		switch (q->t) {
		case SQL_NULL: p->v[i] = NULL; break;
		case SQL_INT:
			snprintf(p->num[i], sizeof p->num[i], "%lld", (long long)q->i);
			p->v[i] = p->num[i];
			break;
		case SQL_REAL:
			snprintf(p->num[i], sizeof p->num[i], "%.17g", q->d);
			p->v[i] = p->num[i];
			break;
		case SQL_TEXT: p->v[i] = q->s; break;
		}
	}
}

static hs_err
run_stmt(struct pg_store *s, const struct sql_stmt *st, const char *what, PGresult **res)
{
	struct params *p = malloc(sizeof *p);
	hs_err e;

	if (p == NULL)
		return HS_ENOMEM;
	text_params(st, p);
	e = pg_run(s, hs_buf_str(&st->sql), st->np, p->v, what, res);
	free(p);
	return e;
}

static hs_err
query_rows(struct pg_store *s, const struct sql_stmt *st, hs_task_fn fn, void *arg)
{
	PGresult *res = NULL;
	struct hs_task t;
	hs_err e = run_stmt(s, st, "reading tasks", &res);

	for (int r = 0; e == HS_OK && r < PQntuples(res); r++) {
		pg_read_row(res, r, &t);
		e = fn(arg, &t);
	}
	PQclear(res);
	return e;
}

static hs_err
query_texts(struct pg_store *s, const struct sql_stmt *st, hs_text_fn fn, void *arg)
{
	PGresult *res = NULL;
	hs_err e = run_stmt(s, st, "reading tags", &res);

	for (int r = 0; e == HS_OK && r < PQntuples(res); r++)
		if (!PQgetisnull(res, r, 0))
			e = fn(arg, PQgetvalue(res, r, 0));
	PQclear(res);
	return e;
}

/* --- COPY of inserted tasks ------------------------------------------------- */

/* One field in COPY's text format. */
static hs_err
copy_field(struct hs_buf *b, const char *v)
{
	hs_err e = HS_OK;

	if (v == NULL)
		return hs_buf_puts(b, "\\N");
	for (; *v && e == HS_OK; v++)
		switch (*v) {
		case '\\': e = hs_buf_puts(b, "\\\\"); break;
		case '\t': e = hs_buf_puts(b, "\\t"); break;
		case '\n': e = hs_buf_puts(b, "\\n"); break;
		case '\r': e = hs_buf_puts(b, "\\r"); break;
		default: e = hs_buf_putc(b, *v);
		}
	return e;
}

static hs_err
copy_flush(struct pg_store *s)
{
	PGresult *res;
	hs_err e = HS_OK;

	if (s->ncopy == 0)
		return HS_OK;
	res = PQexec(s->conn, copy_sql);
	if (PQresultStatus(res) != PGRES_COPY_IN)
		e = pg_fail(s, res, "inserting tasks");
	PQclear(res);
	if (e == HS_OK && (PQputCopyData(s->conn, s->copy.data, (int)s->copy.len) != 1 ||
	                   PQputCopyEnd(s->conn, NULL) != 1))
		e = pg_fail(s, NULL, "inserting tasks");
	while ((res = PQgetResult(s->conn)) != NULL) {   /* the COPY's outcome */
		if (e == HS_OK && !ok(res))
			e = pg_fail(s, res, "inserting tasks");
		PQclear(res);
	}
	hs_buf_reset(&s->copy);
	s->ncopy = 0;
	return e;
}

static hs_err
copy_row(struct pg_store *s, const struct hs_task *t)
{
	char num[32];
	hs_err e = HS_OK;

	for (size_t i = 0; i < NINSERT && e == HS_OK; i++) {
		if (i > 0)
			e = hs_buf_putc(&s->copy, '\t');
		if (e == HS_OK)
			e = copy_field(&s->copy, hs_cell_text(t, insert_fields[i], num, sizeof num));
	}
	if (e == HS_OK)
		e = hs_buf_putc(&s->copy, '\n');
	if (e == HS_OK && ++s->ncopy >= COPY_FLUSH_ROWS)
		e = copy_flush(s);
	return e;
}

/* --- operations ---------------------------------------------------------------- */

static hs_err
op_begin(struct hs_store *hs)
{
	struct pg_store *s = PG(hs);
	hs_err e = pg_ready(s);

	s->tx_lost = false;
	if (e == HS_OK)
		e = pg_exec(s, s->relaxed ? "BEGIN; SET LOCAL synchronous_commit = on" : "BEGIN",
		            "starting a transaction");
	s->in_tx = e == HS_OK;
	return e;
}

static hs_err
op_commit(struct hs_store *hs)
{
	struct pg_store *s = PG(hs);
	hs_err e = s->tx_lost || !s->in_tx
	           ? hs_fail(HS_EDB, "database %s: the connection was lost during the "
	                     "transaction", s->where)
	           : copy_flush(s);

	s->tx_lost = false;
	if (e == HS_OK && PQstatus(s->conn) != CONNECTION_OK)
		e = pg_fail(s, NULL, "committing");
	if (e == HS_OK)
		e = pg_exec(s, "COMMIT", "committing");
	else
		pg_exec(s, "ROLLBACK", "rolling back");
	s->in_tx = false;
	return e;
}

static hs_err
op_rollback(struct hs_store *hs)
{
	struct pg_store *s = PG(hs);

	hs_buf_reset(&s->copy);
	s->ncopy = 0;
	s->in_tx = false;
	if (PQtransactionStatus(s->conn) == PQTRANS_IDLE)
		return HS_OK;
	return pg_exec(s, "ROLLBACK", "rolling back");
}

static hs_err
op_insert(struct hs_store *hs, const struct hs_task *t)
{
	struct pg_store *s = PG(hs);
	const char *v[NINSERT];
	char num[NINSERT][32];

	if (s->in_tx)
		return copy_row(s, t);
	for (size_t i = 0; i < NINSERT; i++)
		v[i] = hs_cell_text(t, insert_fields[i], num[i], sizeof num[i]);
	return pg_run(s, insert_sql, (int)NINSERT, v, "inserting a task", NULL);
}

/* " ORDER BY ... LIMIT ...": submission (id) order unless q names one. */
static hs_err
order_limit(struct sql_stmt *st, const struct hs_query *q)
{
	struct hs_query only_limit = *q;
	hs_err e;

	if (q->order >= 0)
		return sql_order_limit(st, &pg_dialect, q);
	only_limit.order = -1;
	if ((e = sql_add(st, " ORDER BY id")) != HS_OK)
		return e;
	return sql_order_limit(st, &pg_dialect, &only_limit);
}

static hs_err
op_select(struct hs_store *hs, const struct hs_query *q, hs_task_fn fn, void *arg)
{
	struct sql_stmt *st = sql_new();
	hs_err e;

	if (st == NULL)
		return HS_ENOMEM;
	if ((e = sql_add(st, "SELECT ")) == HS_OK && (e = pg_columns(st)) == HS_OK &&
	    (e = sql_add(st, " FROM task")) == HS_OK &&
	    (e = sql_where(st, &pg_dialect, q, NULL)) == HS_OK &&
	    (e = order_limit(st, q)) == HS_OK)
		e = query_rows(PG(hs), st, fn, arg);
	sql_delete(st);
	return e;
}

/* " WHERE <q>", honouring q's order and limit through a subquery. */
static hs_err
where_query(struct sql_stmt *st, const struct hs_query *q, const char *extra)
{
	hs_err e;

	if (q->limit < 0 && q->order < 0)
		return sql_where(st, &pg_dialect, q, extra);
	if ((e = sql_add(st, " WHERE id IN (SELECT id FROM task")) != HS_OK ||
	    (e = sql_where(st, &pg_dialect, q, extra)) != HS_OK ||
	    (e = order_limit(st, q)) != HS_OK)
		return e;
	return sql_add(st, ")");
}

static hs_err
from_query(struct sql_stmt *st, const struct hs_query *q, const char *extra)
{
	hs_err e = sql_add(st, " FROM task");

	return e == HS_OK ? where_query(st, q, extra) : e;
}

static hs_err
copy_text(void *arg, const char *text)
{
	snprintf(arg, 32, "%s", text);
	return HS_OK;
}

static hs_err
op_count(struct hs_store *hs, const struct hs_query *q, int64_t *n)
{
	struct sql_stmt *st = sql_new();
	char text[32] = "";
	hs_err e;

	if (st == NULL)
		return HS_ENOMEM;
	*n = 0;
	if ((e = sql_add(st, "SELECT count(*)")) == HS_OK && (e = from_query(st, q, NULL)) == HS_OK)
		e = query_texts(PG(hs), st, copy_text, text);
	if (e == HS_OK)
		*n = strtoll(text, NULL, 10);
	sql_delete(st);
	return e;
}

/* tag = (tag - 'gone' ...) || jsonb_build_object('k', 'v'::jsonb, ...) */
static hs_err
tag_assign(struct sql_stmt *st, const struct hs_change *c)
{
	hs_err e = sql_add(st, "tag = (tag");

	for (size_t i = 0; i < c->nrmtags && e == HS_OK; i++)
		if ((e = sql_add(st, " - ")) == HS_OK &&
		    (e = sql_param_text(st, &pg_dialect, c->rmtags[i].key)) == HS_OK)
			e = sql_add(st, "::text");
	if (e == HS_OK)
		e = sql_add(st, ") || jsonb_build_object(");
	for (size_t i = 0; i < c->naddtags && e == HS_OK; i++) {
		struct hs_buf v = HS_BUF_INIT(HS_TAG_MAX + 8);
		const char *j = NULL;
		if ((e = hs_tag_value_json(c->addtags[i].value, &v)) == HS_OK &&
		    (j = sql_scratch(st, "%s", hs_buf_str(&v))) == NULL)
			e = hs_fail(HS_ELIMIT, "too many tags");
		hs_buf_free(&v);
		if (e == HS_OK && (e = sql_add(st, i ? ", " : "")) == HS_OK &&
		    (e = sql_param_text(st, &pg_dialect, c->addtags[i].key)) == HS_OK &&
		    (e = sql_add(st, "::text, ")) == HS_OK &&
		    (e = sql_param_text(st, &pg_dialect, j)) == HS_OK)
			e = sql_add(st, "::jsonb");
	}
	return e == HS_OK ? sql_add(st, ")") : e;
}

static hs_err
set_clause(struct sql_stmt *st, const struct hs_change *c)
{
	const char *sep = "";
	hs_err e = HS_OK;

	for (size_t i = 0; i < c->nsets && e == HS_OK; i++, sep = ", ")
		if ((e = sql_add(st, sep)) == HS_OK && (e = sql_column(st, c->sets[i].field)) == HS_OK &&
		    (e = sql_add(st, " = ")) == HS_OK)
			e = sql_param_cell(st, &pg_dialect, c->sets[i].field, &c->sets[i].value);
	if (e != HS_OK || (c->naddtags == 0 && c->nrmtags == 0))
		return e;
	return (e = sql_add(st, sep)) == HS_OK ? tag_assign(st, c) : e;
}

static hs_err
change_sql(struct sql_stmt *st, const struct hs_query *q, const struct hs_change *c,
           const char *now)
{
	hs_err e;

	switch (c->action) {
	case HS_ACT_DELETE:
		return (e = sql_add(st, "DELETE")) == HS_OK ? from_query(st, q, NULL) : e;
	case HS_ACT_REVERT:
		return (e = sql_add(st, SQL_REVERT)) == HS_OK ? where_query(st, q, NULL) : e;
	case HS_ACT_CANCEL:
		if ((e = sql_add(st, "UPDATE task SET schedule_time = coalesce(schedule_time, ")) != HS_OK ||
		    (e = sql_param_text(st, &pg_dialect, now)) != HS_OK ||
		    (e = sql_add(st, "::timestamptz), completion_time = ")) != HS_OK ||
		    (e = sql_param_text(st, &pg_dialect, now)) != HS_OK ||
		    (e = hs_buf_printf(&st->sql, ", exit_status = %d", HS_STATUS_CANCELLED)) != HS_OK)
			return e;
		return where_query(st, q, "completion_time IS NULL");
	case HS_ACT_SET:
		if ((e = sql_add(st, "UPDATE task SET ")) != HS_OK || (e = set_clause(st, c)) != HS_OK)
			return e;
		return where_query(st, q, NULL);
	}
	return HS_EINTERNAL;
}

static hs_err
op_change(struct hs_store *hs, const struct hs_query *q, const struct hs_change *c, int64_t *n)
{
	struct sql_stmt *st = sql_new();
	char now[HS_TS_LEN + 1];
	PGresult *res = NULL;
	hs_err e;

	if (st == NULL)
		return HS_ENOMEM;
	hs_ts_format(hs_now_us(), now);
	*n = 0;
	if ((e = change_sql(st, q, c, now)) == HS_OK &&
	    (e = run_stmt(PG(hs), st, "changing tasks", &res)) == HS_OK)
		*n = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	sql_delete(st);
	return e;
}

static hs_err
op_tag_keys(struct hs_store *hs, const struct hs_query *q, hs_text_fn fn, void *arg)
{
	struct sql_stmt *st = sql_new();
	hs_err e;

	if (st == NULL)
		return HS_ENOMEM;
	if ((e = sql_add(st, "SELECT DISTINCT jsonb_object_keys(tag) COLLATE \"C\" AS k")) == HS_OK &&
	    (e = from_query(st, q, NULL)) == HS_OK && (e = sql_add(st, " ORDER BY 1")) == HS_OK)
		e = query_texts(PG(hs), st, fn, arg);
	sql_delete(st);
	return e;
}

static hs_err
op_tag_values(struct hs_store *hs, const struct hs_query *q, const char *key, hs_text_fn fn,
              void *arg)
{
	struct sql_stmt *st = sql_new();
	hs_err e;

	if (st == NULL)
		return HS_ENOMEM;
	/* $1 is the key: the builder numbers the query's parameters after it */
	if ((e = sql_add(st, "SELECT DISTINCT CASE jsonb_typeof(tag -> ")) == HS_OK &&
	    (e = sql_param_text(st, &pg_dialect, key)) == HS_OK &&
	    (e = sql_add(st, "::text) WHEN 'string' THEN tag ->> $1::text WHEN 'null' THEN NULL"
	                 " ELSE (tag -> $1::text)::text END COLLATE \"C\" AS v")) == HS_OK &&
	    (e = from_query(st, q, "tag ? $1::text")) == HS_OK &&
	    (e = sql_add(st, " ORDER BY 1")) == HS_OK)
		e = query_texts(PG(hs), st, fn, arg);
	sql_delete(st);
	return e;
}

static hs_err
op_active_group(struct hs_store *hs, int64_t *group, char *why, size_t len)
{
	struct pg_store *s = PG(hs);
	hs_err e;

	e = pg_query_int(s, "SELECT \"group\" FROM task WHERE schedule_time IS NOT NULL"
	                 " ORDER BY schedule_time DESC LIMIT 1", group);
	if (e == HS_OK && *group >= 0) {
		snprintf(why, len, "most recently scheduled task");
		return HS_OK;
	}
	if (e == HS_OK)
		e = pg_query_int(s, "SELECT min(\"group\") FROM task", group);
	if (e == HS_OK && *group < 0)
		snprintf(why, len, "no tasks submitted");
	else if (e == HS_OK)
		snprintf(why, len, "no tasks scheduled - defaulting to earliest group");
	if (*group < 0)
		*group = 0;
	return e;
}

/* Relaxed: single statements (a schedule's picks, heartbeats) answer
 * before their WAL is written; a crash of the database server may undo the
 * last of them, which costs at most a task run twice (its result is then
 * fenced off). Explicit transactions stay synchronous (op_begin): a batch
 * of results is acknowledged to its client, which then forgets it, so it
 * must survive a database crash (with synchronous_commit off, PostgreSQL's
 * immediate shutdown lost acknowledged results, and their tasks waited on
 * a client that had finished them). */
static hs_err
op_durability(struct hs_store *hs, bool full)
{
	struct pg_store *s = PG(hs);

	s->relaxed = !full;
	return pg_exec(s, full ? "SET synchronous_commit = on"
	                       : "SET synchronous_commit = off", "setting durability");
}

static hs_err
op_truncate(struct hs_store *hs)
{
	return pg_exec(PG(hs), "TRUNCATE task, client", "truncating");
}

static hs_err
op_vacuum(struct hs_store *hs)
{
	return pg_exec(PG(hs), "VACUUM ANALYZE task", "vacuuming");
}

static hs_err
op_backup(struct hs_store *hs, const char *path)
{
	return hs_fail(HS_EUSAGE, "--backup copies SQLite databases; back up PostgreSQL "
	               "database %s with pg_dump", PG(hs)->where);
}

static const char *
op_describe(struct hs_store *hs)
{
	return PG(hs)->where;
}

static void
op_close(struct hs_store *hs)
{
	struct pg_store *s = PG(hs);

	if (s->conn != NULL && PQtransactionStatus(s->conn) != PQTRANS_IDLE)
		PQclear(PQexec(s->conn, "ROLLBACK"));
	PQfinish(s->conn);
	hs_buf_free(&s->copy);
	free(s->where);
	free(s->schema);
	free(s);
}

static const struct hs_store_ops pg_ops = {
	.name = "postgres",
	.close = op_close,
	.begin = op_begin,
	.commit = op_commit,
	.rollback = op_rollback,
	.insert = op_insert,
	.select = op_select,
	.count = op_count,
	.change = op_change,
	.tag_keys = op_tag_keys,
	.tag_values = op_tag_values,
	.active_group = op_active_group,
	.schedule = pg_schedule,
	.complete = pg_complete,
	.requeue = pg_requeue,
	.server_beat = pg_server_beat,
	.recover = pg_recover,
	.client_connect = pg_client_connect,
	.client_disconnect = pg_client_disconnect,
	.group_state = pg_group_state,
	.exhausted = pg_exhausted,
	.next_group = pg_next_group,
	.remaining = pg_remaining,
	.changed = pg_changed,
	.durability = op_durability,
	.truncate = op_truncate,
	.vacuum = op_vacuum,
	.backup = op_backup,
	.describe = op_describe,
};

/* --- schema ---------------------------------------------------------------------- */

/* 0: no tables in our schema; -1: tables but no version table. */
static hs_err
schema_version(struct pg_store *s, int64_t *v)
{
	int64_t ntables, has;
	hs_err e;

	if ((e = pg_query_int(s, "SELECT count(*) FROM pg_tables WHERE schemaname ="
	                      " current_schema()", &ntables)) != HS_OK)
		return e;
	if (ntables == 0)
		return (*v = 0), HS_OK;
	if ((e = pg_query_int(s, "SELECT count(*) FROM pg_tables WHERE schemaname ="
	                      " current_schema() AND tablename = 'schema_version'", &has)) != HS_OK)
		return e;
	if (has == 0)
		return (*v = -1), HS_OK;
	if ((e = pg_query_int(s, "SELECT max(version) FROM schema_version", v)) == HS_OK && *v < 0)
		*v = 0;
	return e;
}

static hs_err
record_version(struct pg_store *s, int v, const char *description)
{
	char num[16], now[HS_TS_LEN + 1];
	const char *p[3] = {num, now, description};
	hs_err e;

	snprintf(num, sizeof num, "%d", v);
	hs_ts_format(hs_now_us(), now);
	if ((e = pg_exec(s, "CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL"
	                 " PRIMARY KEY, applied_at timestamptz NOT NULL, description text"
	                 " NOT NULL)", "recording the schema version")) != HS_OK)
		return e;
	return pg_run(s, "INSERT INTO schema_version VALUES ($1, $2, $3)", 3, p,
	              "recording the schema version", NULL);
}

/* Every column the task table must have, to adopt an existing table. */
static hs_err
check_columns(struct pg_store *s)
{
	struct sql_stmt st;
	PGresult *res;
	hs_err e;

	sql_init(&st);
	if ((e = sql_add(&st, "SELECT ")) == HS_OK && (e = sql_all_columns(&st)) == HS_OK &&
	    (e = sql_add(&st, " FROM task LIMIT 0")) == HS_OK) {
		res = PQexec(s->conn, hs_buf_str(&st.sql));
		if (!ok(res)) {
			const char *m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
			char one[300];

			snprintf(one, sizeof one, "%s", m ? m : PQerrorMessage(s->conn));
			one[strcspn(one, "\n")] = '\0';
			e = hs_fail(HS_EDB, "database %s has a task table this version cannot "
			            "use: %s", s->where, one);
		}
		PQclear(res);
	}
	sql_free(&st);
	return e;
}

/* Under an advisory lock, so servers starting together create it once. */
static hs_err
migrate(struct pg_store *s)
{
	int64_t v = 0;
	hs_err e = pg_exec(s, "BEGIN; SELECT pg_advisory_xact_lock(7216490531)",
	                   "starting the migration");

	if (e == HS_OK)
		e = schema_version(s, &v);
	for (v = v < 0 ? 0 : v; e == HS_OK && v < HS_SCHEMA_VERSION; v++) {
		for (const char **q = migrations[v].sql; *q != NULL && e == HS_OK; q++) {
			e = pg_exec(s, *q, "creating the schema");
			if (e == HS_OK && v == 0 && q == migrations[v].sql)
				e = check_columns(s);  /* an adopted table, before its indexes */
		}
		if (e == HS_OK)
			e = record_version(s, (int)v + 1, migrations[v].description);
	}
	if (e == HS_OK)
		return pg_exec(s, "COMMIT", "committing the migration");
	PQclear(PQexec(s->conn, "ROLLBACK"));
	return e;
}

static hs_err
check_schema(struct pg_store *s, enum hs_open_mode mode)
{
	int64_t v;
	hs_err e = schema_version(s, &v);

	if (e != HS_OK)
		return e;
	if (v > HS_SCHEMA_VERSION)
		return hs_fail(HS_EDB, "database %s has schema version %lld, newer than this hs "
		               "supports (%d); upgrade hs", s->where, (long long)v, HS_SCHEMA_VERSION);
	if (v == HS_SCHEMA_VERSION)
		return HS_OK;
	if ((v == 0 && mode >= HS_OPEN_CREATE) || mode == HS_OPEN_INIT)
		return migrate(s);
	if (v == 0)
		return hs_fail(HS_EDB, "database %s is not initialised (run 'hs initdb')", s->where);
	if (v < 0)
		return hs_fail(HS_EDB, "database %s was not made by this hs; run 'hs initdb' to "
		               "adopt it", s->where);
	return hs_fail(HS_EDB, "database %s has schema version %lld; run 'hs initdb' to "
	               "upgrade it to %d", s->where, (long long)v, HS_SCHEMA_VERSION);
}

/* --- connecting ----------------------------------------------------------------- */

/* libpq parameters from [database] (and its connect_args table). */
struct conninfo {
	const char *k[MAX_PARAMS + 1];
	const char *v[MAX_PARAMS + 1];
	char num[24];
	char pool[8][32];            /* numbers and booleans as text */
	int n, npool;
};

static void
param(struct conninfo *ci, const char *k, const char *v)
{
	if (v != NULL && ci->n < MAX_PARAMS) {
		ci->k[ci->n] = k;
		ci->v[ci->n++] = v;
	}
}

static void
connect_arg(void *arg, const char *key, const struct toml_value *tv, const char *text)
{
	struct conninfo *ci = arg;

	char *slot = ci->npool < 8 ? ci->pool[ci->npool] : NULL;

	if (tv != NULL && tv->type == TOML_STRING) {
		param(ci, key, tv->u.str.ptr);
	} else if (tv != NULL && (tv->type == TOML_INTEGER || tv->type == TOML_BOOL) && slot) {
		if (tv->type == TOML_INTEGER)
			snprintf(slot, 32, "%lld", (long long)tv->u.i);
		else
			snprintf(slot, 32, "%d", tv->u.b ? 1 : 0);
		ci->npool++;
		param(ci, key, slot);
	} else if (text != NULL) {
		param(ci, key, text);
	}
}

/* Any other key of [database] is a libpq parameter (keepalives, options,
 * target_session_attrs...), as the configuration reference says. */
static void
extra_arg(void *arg, const char *key, const struct toml_value *tv, const char *text)
{
	char full[128];

	snprintf(full, sizeof full, "database.%s", key);
	if (cfg_key_find(full) != NULL || (tv != NULL && tv->type == TOML_TABLE))
		return;
	if (strlen(key) > 4 && (strcmp(key + strlen(key) - 4, "_env") == 0 ||
	                        (strlen(key) > 5 && strcmp(key + strlen(key) - 5, "_eval") == 0)))
		return;   /* a known key's variant */
	connect_arg(arg, key, tv, text);
}

static void
conninfo(struct hs_config *cfg, struct conninfo *ci)
{
	static const char *keys[][2] = {
		{"database.host", "host"}, {"database.database", "dbname"},
		{"database.user", "user"}, {"database.password", "password"},
		{"database.sslmode", "sslmode"}, {"database.sslrootcert", "sslrootcert"},
		{"database.sslcert", "sslcert"}, {"database.sslkey", "sslkey"},
		{"database.connect_timeout", "connect_timeout"},
		{"database.application_name", "application_name"},
	};
	int64_t port = cfg_int(cfg, "database.port");

	memset(ci, 0, sizeof *ci);
	param(ci, "fallback_application_name", "hypershell");
	if (cfg_str(cfg, "database.url") != NULL) {   /* the URL says it all */
		param(ci, "dbname", cfg_str(cfg, "database.url"));
		cfg_each_entry(cfg, "database", extra_arg, ci);
		cfg_each_entry(cfg, "database.connect_args", connect_arg, ci);
		return;
	}
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		param(ci, keys[i][1], cfg_str(cfg, keys[i][0]));
	if (port > 0) {
		snprintf(ci->num, sizeof ci->num, "%lld", (long long)port);
		param(ci, "port", ci->num);
	}
	cfg_each_entry(cfg, "database", extra_arg, ci);
	cfg_each_entry(cfg, "database.connect_args", connect_arg, ci);
}

static bool
identifier(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || !(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return false;
	return true;
}

static bool
local_host(const char *h)
{
	return h == NULL || *h == '\0' || *h == '/' || strcmp(h, "localhost") == 0 ||
	       strcmp(h, "127.0.0.1") == 0 || strcmp(h, "::1") == 0;
}

/* The connection's effective sslmode (libpq's default is "prefer"). */
static void
warn_tls(struct pg_store *s)
{
	PQconninfoOption *opts = PQconninfo(s->conn), *o;
	const char *mode = "prefer";

	for (o = opts; o != NULL && o->keyword != NULL; o++)
		if (strcmp(o->keyword, "sslmode") == 0 && o->val != NULL)
			mode = o->val;
	if (!local_host(PQhost(s->conn)) && strcmp(mode, "verify-full") != 0)
		log_warning("Database %s: sslmode is '%s', not verify-full: the database server "
		            "is not authenticated (set database.sslmode = \"verify-full\" and "
		            "database.sslrootcert)", s->where, mode);
	PQconninfoFree(opts);
}

/* Server notices (a shutdown's "terminating connection", "already exists,
 * skipping") are for a debugging eye, not the user's terminal, where
 * libpq would print them. The outage itself is logged once by the server. */
static void
on_notice(void *arg, const char *message)
{
	int n = (int)strcspn(message, "\n");

	(void)arg;
	log_debug("PostgreSQL: %.*s", n, message);
}

static hs_err
connect_db(struct pg_store *s, struct hs_config *cfg)
{
	struct conninfo ci;
	char where[512];

	conninfo(cfg, &ci);
	s->conn = PQconnectdbParams(ci.k, ci.v, 1);
	if (s->conn == NULL)
		return HS_ENOMEM;
	PQsetNoticeProcessor(s->conn, on_notice, NULL);
	snprintf(where, sizeof where, "postgresql://%s@%s:%s/%s (schema %s)", PQuser(s->conn),
	         PQhost(s->conn) ? PQhost(s->conn) : "?", PQport(s->conn), PQdb(s->conn),
	         s->schema);
	if ((s->where = strdup(where)) == NULL)
		return HS_ENOMEM;
	if (PQstatus(s->conn) != CONNECTION_OK) {
		char one[300];
		snprintf(one, sizeof one, "%s", PQerrorMessage(s->conn));
		one[strcspn(one, "\n")] = '\0';
		return hs_fail(HS_EDB, "cannot connect to database %s: %s", s->where, one);
	}
	warn_tls(s);
	return HS_OK;
}

static hs_err
use_schema(struct pg_store *s, enum hs_open_mode mode)
{
	char sql[256];
	hs_err e = HS_OK;

	/* first: IF NOT EXISTS statements send NOTICEs, which libpq prints */
	if ((e = pg_exec(s, "SET client_min_messages TO warning", "choosing the schema")) != HS_OK)
		return e;
	if (mode >= HS_OPEN_CREATE && strcmp(s->schema, "public") != 0) {
		snprintf(sql, sizeof sql, "CREATE SCHEMA IF NOT EXISTS \"%s\"", s->schema);
		if ((e = pg_exec(s, sql, "creating the schema")) != HS_OK)
			return e;
	}
	snprintf(sql, sizeof sql, "SET search_path TO \"%s\"; SET TIME ZONE 'UTC'", s->schema);
	return pg_exec(s, sql, "choosing the schema");
}

hs_err
hs_store_pg_open(struct hs_config *cfg, enum hs_open_mode mode, struct hs_store **out)
{
	struct pg_store *s = calloc(1, sizeof *s);
	const char *schema = cfg_str(cfg, "database.schema");
	hs_err e;

	*out = NULL;
	if (s == NULL)
		return HS_ENOMEM;
	s->base.ops = &pg_ops;
	hs_buf_init(&s->copy, 256u << 20);
	if ((s->schema = strdup(schema && *schema ? schema : "public")) == NULL) {
		op_close(&s->base);
		return HS_ENOMEM;
	}
	if (!identifier(s->schema))
		e = hs_fail(HS_ECONFIG, "database.schema: '%s' is not a plain identifier "
		            "(letters, digits, '_')", s->schema);
	else if ((e = connect_db(s, cfg)) == HS_OK && (e = use_schema(s, mode)) == HS_OK)
		e = check_schema(s, mode);
	if (e != HS_OK) {
		op_close(&s->base);
		return e;
	}
	*out = &s->base;
	return HS_OK;
}
