/* store_sqlite.c: the embedded SQLite backend (the default).
 *
 * WAL journal, synchronous=FULL (a commit survives power loss; change it
 * with database.pragmas), one prepared insert reused for every task, and
 * transactions driven by the caller (hs submit batches thousands of
 * tasks per commit). A database that is missing, locked, corrupt, not a
 * database or of a newer schema is reported and left untouched: nothing
 * is written before those checks pass.
 */
#include "store.h"

#include <errno.h>
#include <regex.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "store_sqlite.h"
#include "site.h"
#include "sql.h"
#include "timestamp.h"

#define BUSY_TIMEOUT_MS 5000

static const char *schema_v1[] = {
	"CREATE TABLE IF NOT EXISTS task ("
	" id TEXT NOT NULL PRIMARY KEY,"
	" \"group\" INTEGER NOT NULL DEFAULT 0,"
	" args TEXT NOT NULL,"
	" submit_id TEXT NOT NULL, submit_time DATETIME NOT NULL,"
	" submit_host TEXT NOT NULL,"
	" cores INTEGER, memory INTEGER, cores_max REAL, memory_max REAL,"
	" timeout INTEGER,"
	" server_id TEXT, server_host TEXT, schedule_time DATETIME,"
	" client_id TEXT, client_host TEXT,"
	" command TEXT,"
	" start_time DATETIME, completion_time DATETIME,"
	" exit_status INTEGER,"
	" outpath TEXT, errpath TEXT, csvpath TEXT,"
	" attempt INTEGER NOT NULL DEFAULT 1,"
	" retried BOOLEAN NOT NULL DEFAULT 0,"
	" waited INTEGER, duration INTEGER,"
	" previous_id TEXT, next_id TEXT,"
	" tag JSON NOT NULL DEFAULT '{}')",
	"CREATE INDEX IF NOT EXISTS index_tasks_unscheduled ON task (\"group\", schedule_time)",
	"CREATE INDEX IF NOT EXISTS index_tasks_retries ON task (exit_status, retried)",
	/* Partial unique indexes: the retry links are unique where set, and
	 * the millions of NULLs cost nothing to insert. */
	"CREATE UNIQUE INDEX IF NOT EXISTS index_tasks_previous_id ON task (previous_id)"
	" WHERE previous_id IS NOT NULL",
	"CREATE UNIQUE INDEX IF NOT EXISTS index_tasks_next_id ON task (next_id)"
	" WHERE next_id IS NOT NULL",
	/* The queue's hot paths: retries waiting (eager scheduling) and tasks
	 * running (eviction); both stay small, so they cost little. */
	"CREATE INDEX IF NOT EXISTS index_tasks_retry_queue ON task (\"group\")"
	" WHERE schedule_time IS NULL AND attempt > 1",
	"CREATE INDEX IF NOT EXISTS index_tasks_running ON task (client_id)"
	" WHERE schedule_time IS NOT NULL AND completion_time IS NULL",
	"CREATE TABLE IF NOT EXISTS client ("
	" id TEXT NOT NULL PRIMARY KEY, host TEXT NOT NULL,"
	" server_id TEXT, server_host TEXT,"
	" connected_at DATETIME NOT NULL, disconnected_at DATETIME,"
	" evicted BOOLEAN NOT NULL DEFAULT 0)",
	"CREATE INDEX IF NOT EXISTS client_disconnected_at ON client (disconnected_at)",
	NULL,
};

/* Servers sharing the database, for recovering a dead one's tasks. */
static const char *schema_v2[] = {
	"CREATE TABLE IF NOT EXISTS server ("
	" id TEXT NOT NULL PRIMARY KEY, host TEXT NOT NULL, port INTEGER NOT NULL,"
	" started_at DATETIME NOT NULL, seen_at DATETIME NOT NULL)",
	NULL,
};

/* migrations[v] brings a database from version v to v + 1. */
static const struct {
	const char **sql;
	const char *description;
} migrations[HS_SCHEMA_VERSION] = {
	{schema_v1, "initial schema"},
	{schema_v2, "server registry"},
};

static const char *insert_sql =
	"INSERT INTO task (id, \"group\", args, submit_id, submit_host, submit_time,"
	" cores, memory, timeout, attempt, retried, previous_id, tag)"
	" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)";
static const int insert_fields[] = {
	HS_F_ID, HS_F_GROUP, HS_F_ARGS, HS_F_SUBMIT_ID, HS_F_SUBMIT_HOST,
	HS_F_SUBMIT_TIME, HS_F_CORES, HS_F_MEMORY, HS_F_TIMEOUT, HS_F_ATTEMPT,
	HS_F_RETRIED, HS_F_PREVIOUS_ID, HS_F_TAG,
};

/* --- errors ------------------------------------------------------------- */

hs_err
sqlite_fail(struct sqlite_store *s, int rc, const char *what)
{
	int base = rc & 0xff;

	switch (base) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return hs_fail(HS_EDB, "database %s is locked by another process "
		               "(gave up after waiting)", s->path);
	case SQLITE_NOTADB:
		return hs_fail(HS_EDB, "%s is not a database (wrong file or corrupt)",
		               s->path);
	case SQLITE_CORRUPT:
		return hs_fail(HS_EDB, "database %s is corrupt", s->path);
	case SQLITE_FULL:
		return hs_fail(HS_EDB, "database %s: disk full while %s", s->path, what);
	case SQLITE_READONLY:
		return hs_fail(HS_EDB, "database %s is read-only", s->path);
	case SQLITE_CANTOPEN:
		return hs_fail(HS_EDB, "cannot open database %s", s->path);
	case SQLITE_IOERR:
		return hs_fail(HS_EDB, "database %s: I/O error while %s", s->path, what);
	default:
		return hs_fail(HS_EDB, "database %s: %s while %s", s->path,
		               s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc), what);
	}
}

hs_err
sqlite_exec(struct sqlite_store *s, const char *sql, const char *what)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? HS_OK : sqlite_fail(s, rc, what);
}

hs_err
sqlite_tx(struct sqlite_store *s, enum sqlite_tx verb, const char *what)
{
	static const char *const sql[TX_COUNT] = {
		[TX_BEGIN] = "BEGIN IMMEDIATE", [TX_COMMIT] = "COMMIT",
		[TX_ROLLBACK] = "ROLLBACK",
	};
	int rc = SQLITE_OK;

	if (s->tx[verb] == NULL)
		rc = sqlite3_prepare_v3(s->db, sql[verb], -1, SQLITE_PREPARE_PERSISTENT,
		                        &s->tx[verb], NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s->tx[verb]);
		sqlite3_reset(s->tx[verb]);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	return rc == SQLITE_OK ? HS_OK : sqlite_fail(s, rc, what);
}

/* --- REGEXP ------------------------------------------------------------- */

static void
free_regex(void *p)
{
	regfree(p);
	free(p);
}

/* regexp(pattern, value): POSIX extended regex search, as `X REGEXP Y`. */
static void
fn_regexp(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *pat = (const char *)sqlite3_value_text(argv[0]);
	const char *val = (const char *)sqlite3_value_text(argv[1]);
	regex_t *re = sqlite3_get_auxdata(ctx, 0);

	if (pat == NULL || val == NULL)
		return;
	if (re == NULL) {
		if ((re = malloc(sizeof *re)) == NULL) {
			sqlite3_result_error_nomem(ctx);
			return;
		}
		if (regcomp(re, pat, REG_EXTENDED | REG_NOSUB) != 0) {
			free(re);
			sqlite3_result_error(ctx, "invalid regular expression", -1);
			return;
		}
		sqlite3_set_auxdata(ctx, 0, re, free_regex);
	}
	sqlite3_result_int(ctx, regexec(re, val, 0, NULL, 0) == 0);
}

/* --- dialect ------------------------------------------------------------ */

static hs_err
sqlite_placeholder(struct hs_buf *b, int n)
{
	return hs_buf_putc(b, '?');
}

static const struct sql_dialect dialect;

static hs_err
sqlite_regex(struct sql_stmt *st, int field, const char *pattern)
{
	hs_err e;

	if ((e = sql_add(st, "CAST(")) != HS_OK || (e = sql_column(st, field)) != HS_OK ||
	    (e = sql_add(st, " AS TEXT) REGEXP ")) != HS_OK)
		return e;
	return sql_param_text(st, &dialect, pattern);
}

static hs_err
sqlite_tag_cond(struct sql_stmt *st, const char *key, const char *value)
{
	const char *path = sql_scratch(st, "$.\"%s\"", key), *json;
	struct hs_buf v = HS_BUF_INIT(HS_TAG_MAX + 8);
	hs_err e;

	if (path == NULL)
		return hs_fail(HS_ELIMIT, "too many tag conditions");
	if (*value == '\0') {
		if ((e = sql_add(st, "json_type(tag, ")) == HS_OK &&
		    (e = sql_param_text(st, &dialect, path)) == HS_OK)
			e = sql_add(st, ") IS NOT NULL");
		return e;
	}
	if ((e = hs_tag_value_json(value, &v)) == HS_OK &&
	    (json = sql_scratch(st, "%s", hs_buf_str(&v))) == NULL)
		e = hs_fail(HS_ELIMIT, "too many tag conditions");
	hs_buf_free(&v);
	if (e == HS_OK && (e = sql_add(st, "json_extract(tag, ")) == HS_OK &&
	    (e = sql_param_text(st, &dialect, path)) == HS_OK &&
	    (e = sql_add(st, ") IS json_extract(")) == HS_OK &&
	    (e = sql_param_text(st, &dialect, json)) == HS_OK)
		e = sql_add(st, ", '$')");
	return e;
}

static const struct sql_dialect dialect = {
	sqlite_placeholder, sqlite_regex, sqlite_tag_cond,
};

/* --- statements --------------------------------------------------------- */

static hs_err
bind_params(struct sqlite_store *s, sqlite3_stmt *stmt, const struct sql_stmt *st)
{
	int rc = SQLITE_OK;

	for (int i = 0; i < st->np && rc == SQLITE_OK; i++) {
		const struct sql_param *p = &st->p[i];
		switch (p->t) {
		case SQL_NULL: rc = sqlite3_bind_null(stmt, i + 1); break;
		case SQL_INT: rc = sqlite3_bind_int64(stmt, i + 1, p->i); break;
		case SQL_REAL: rc = sqlite3_bind_double(stmt, i + 1, p->d); break;
		case SQL_TEXT: rc = sqlite3_bind_text(stmt, i + 1, p->s, -1, SQLITE_STATIC); break;
		}
	}
	return rc == SQLITE_OK ? HS_OK : sqlite_fail(s, rc, "binding parameters");
}

static hs_err
prepare(struct sqlite_store *s, const struct sql_stmt *st, sqlite3_stmt **out)
{
	int rc = sqlite3_prepare_v2(s->db, hs_buf_str(&st->sql), -1, out, NULL);

	if (rc != SQLITE_OK)
		return sqlite_fail(s, rc, "preparing a query");
	return bind_params(s, *out, st);
}

/* Each cell is read as its column's type only (task.h: i, d or s): asking
 * for all three made SQLite print every integer as text and parse every
 * text as a number. */
void
sqlite_read_row(sqlite3_stmt *stmt, struct hs_task *t)
{
	for (int f = 0; f < HS_F_COUNT; f++) {
		struct hs_cell *c = &t->f[f];
		*c = (struct hs_cell){.null = sqlite3_column_type(stmt, f) == SQLITE_NULL};
		if (c->null)
			continue;
		switch (hs_fields[f].type) {
		case HS_FT_INT:
		case HS_FT_BOOL:
			c->i = sqlite3_column_int64(stmt, f);
			break;
		case HS_FT_REAL:
			c->d = sqlite3_column_double(stmt, f);
			break;
		default:
			c->s = (const char *)sqlite3_column_text(stmt, f);
		}
	}
}

/* Step through stmt calling fn per row; finalizes stmt. */
static hs_err
run_rows(struct sqlite_store *s, sqlite3_stmt *stmt, hs_task_fn fn, void *arg)
{
	struct hs_task t;
	hs_err e = HS_OK;
	int rc;

	while (e == HS_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		sqlite_read_row(stmt, &t);
		e = fn(arg, &t);
	}
	if (e == HS_OK && rc != SQLITE_DONE)
		e = sqlite_fail(s, rc, "reading tasks");
	sqlite3_finalize(stmt);
	return e;
}

static hs_err
run_texts(struct sqlite_store *s, sqlite3_stmt *stmt, hs_text_fn fn, void *arg)
{
	hs_err e = HS_OK;
	int rc;

	while (e == HS_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
		if (sqlite3_column_type(stmt, 0) != SQLITE_NULL)
			e = fn(arg, (const char *)sqlite3_column_text(stmt, 0));
	if (e == HS_OK && rc != SQLITE_DONE)
		e = sqlite_fail(s, rc, "reading tags");
	sqlite3_finalize(stmt);
	return e;
}

/* Prepare st and call fn for each row. */
static hs_err
query_rows(struct sqlite_store *s, const struct sql_stmt *st, hs_task_fn fn,
           void *arg)
{
	sqlite3_stmt *stmt = NULL;
	hs_err e = prepare(s, st, &stmt);

	if (e != HS_OK) {
		sqlite3_finalize(stmt);
		return e;
	}
	return run_rows(s, stmt, fn, arg);
}

/* Prepare st and call fn with the first column of each row. */
static hs_err
query_texts(struct sqlite_store *s, const struct sql_stmt *st, hs_text_fn fn,
            void *arg)
{
	sqlite3_stmt *stmt = NULL;
	hs_err e = prepare(s, st, &stmt);

	if (e != HS_OK) {
		sqlite3_finalize(stmt);
		return e;
	}
	return run_texts(s, stmt, fn, arg);
}

/* Execute a statement without rows; *changes gets the rows changed. */
static hs_err
run_change(struct sqlite_store *s, const struct sql_stmt *st, int64_t *changes)
{
	sqlite3_stmt *stmt = NULL;
	hs_err e;
	int rc;

	if ((e = prepare(s, st, &stmt)) == HS_OK) {
		rc = sqlite3_step(stmt);
		if (rc != SQLITE_DONE)
			e = sqlite_fail(s, rc, "changing tasks");
		else if (changes)
			*changes = sqlite3_changes64(s->db);
	}
	sqlite3_finalize(stmt);
	return e;
}

/* --- operations --------------------------------------------------------- */

static hs_err
op_begin(struct hs_store *hs)
{
	struct sqlite_store *s = S(hs);
	hs_err e = sqlite_tx(s, TX_BEGIN, "starting a transaction");

	s->in_tx = e == HS_OK;
	return e;
}

static hs_err
op_commit(struct hs_store *hs)
{
	struct sqlite_store *s = S(hs);
	hs_err e = sqlite_tx(s, TX_COMMIT, "committing");

	if (e != HS_OK && sqlite3_get_autocommit(s->db) == 0)
		sqlite_tx(s, TX_ROLLBACK, "rolling back");
	s->in_tx = false;
	return e;
}

static hs_err
op_rollback(struct hs_store *hs)
{
	struct sqlite_store *s = S(hs);

	s->in_tx = false;
	if (sqlite3_get_autocommit(s->db))
		return HS_OK;
	return sqlite_tx(s, TX_ROLLBACK, "rolling back");
}

int
sqlite_bind_cell(sqlite3_stmt *st, int i, const struct hs_task *t, int f)
{
	const struct hs_cell *c = &t->f[f];

	if (c->null)
		return sqlite3_bind_null(st, i);
	switch (hs_fields[f].type) {
	case HS_FT_INT:
	case HS_FT_BOOL:
		return sqlite3_bind_int64(st, i, c->i);
	case HS_FT_REAL:
		return sqlite3_bind_double(st, i, c->d);
	default:
		return sqlite3_bind_text(st, i, c->s, -1, SQLITE_STATIC);
	}
}

static hs_err
op_insert(struct hs_store *hs, const struct hs_task *t)
{
	struct sqlite_store *s = S(hs);
	int rc = SQLITE_OK;
	size_t n = sizeof insert_fields / sizeof insert_fields[0];

	if (s->ins == NULL &&
	    (rc = sqlite3_prepare_v3(s->db, insert_sql, -1, SQLITE_PREPARE_PERSISTENT,
	                             &s->ins, NULL)) != SQLITE_OK)
		return sqlite_fail(s, rc, "preparing the insert");
	for (size_t i = 0; i < n && rc == SQLITE_OK; i++)
		rc = sqlite_bind_cell(s->ins, (int)i + 1, t, insert_fields[i]);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s->ins);
	sqlite3_reset(s->ins);
	return rc == SQLITE_DONE ? HS_OK : sqlite_fail(s, rc, "inserting a task");
}

static hs_err
op_select(struct hs_store *hs, const struct hs_query *q, hs_task_fn fn, void *arg)
{
	struct sql_stmt *st = sql_new();
	hs_err e;

	if (st == NULL)
		return HS_ENOMEM;
	if ((e = sql_add(st, "SELECT ")) == HS_OK && (e = sql_all_columns(st)) == HS_OK &&
	    (e = sql_add(st, " FROM task")) == HS_OK &&
	    (e = sql_where(st, &dialect, q, NULL)) == HS_OK &&
	    (e = sql_order_limit(st, &dialect, q)) == HS_OK)
		e = query_rows(S(hs), st, fn, arg);
	sql_delete(st);
	return e;
}

/* " WHERE <q>" honouring q's order and limit via a subquery (for UPDATE). */
static hs_err
where_query(struct sql_stmt *st, const struct hs_query *q, const char *extra)
{
	hs_err e;

	if (q->limit < 0 && q->order < 0)
		return sql_where(st, &dialect, q, extra);
	if ((e = sql_add(st, " WHERE rowid IN (SELECT rowid FROM task")) != HS_OK ||
	    (e = sql_where(st, &dialect, q, extra)) != HS_OK ||
	    (e = sql_order_limit(st, &dialect, q)) != HS_OK)
		return e;
	return sql_add(st, ")");
}

/* "FROM task WHERE <q>" honouring q's order and limit via a subquery. */
static hs_err
from_query(struct sql_stmt *st, const struct hs_query *q, const char *extra)
{
	hs_err e;

	if (q->limit < 0 && q->order < 0)
		return (e = sql_add(st, " FROM task")) == HS_OK
		    ? sql_where(st, &dialect, q, extra) : e;
	if ((e = sql_add(st, " FROM task WHERE rowid IN (SELECT rowid FROM task")) != HS_OK ||
	    (e = sql_where(st, &dialect, q, extra)) != HS_OK ||
	    (e = sql_order_limit(st, &dialect, q)) != HS_OK)
		return e;
	return sql_add(st, ")");
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
	char text[32];
	hs_err e;

	if (st == NULL)
		return HS_ENOMEM;
	*n = 0;
	text[0] = '\0';
	if ((e = sql_add(st, "SELECT count(*)")) == HS_OK &&
	    (e = from_query(st, q, NULL)) == HS_OK)
		e = query_texts(S(hs), st, copy_text, text);
	if (e == HS_OK)
		*n = strtoll(text, NULL, 10);
	sql_delete(st);
	return e;
}

static hs_err
set_clause(struct sql_stmt *st, const struct hs_change *c)
{
	hs_err e = HS_OK;
	const char *sep = "";

	for (size_t i = 0; i < c->nsets && e == HS_OK; i++, sep = ", ")
		if ((e = sql_add(st, sep)) == HS_OK && (e = sql_column(st, c->sets[i].field)) == HS_OK &&
		    (e = sql_add(st, " = ")) == HS_OK)
			e = sql_param_cell(st, &dialect, c->sets[i].field, &c->sets[i].value);
	if (e != HS_OK || (c->naddtags == 0 && c->nrmtags == 0))
		return e;
	if ((e = sql_add(st, sep)) != HS_OK || (e = sql_add(st, "tag = ")) != HS_OK)
		return e;
	for (size_t i = 0; i < c->nrmtags + c->naddtags && e == HS_OK; i++)
		e = sql_add(st, i < c->naddtags ? "json_set(" : "json_remove(");
	if (e == HS_OK)
		e = sql_add(st, "tag");
	for (size_t i = 0; i < c->nrmtags && e == HS_OK; i++) {
		const char *p = sql_scratch(st, "$.\"%s\"", c->rmtags[i].key);
		if (p == NULL || (e = sql_add(st, ", ")) != HS_OK ||
		    (e = sql_param_text(st, &dialect, p)) != HS_OK || (e = sql_add(st, ")")) != HS_OK)
			return p == NULL ? hs_fail(HS_ELIMIT, "too many tags") : e;
	}
	for (size_t i = 0; i < c->naddtags && e == HS_OK; i++) {
		struct hs_buf v = HS_BUF_INIT(HS_TAG_MAX + 8);
		const char *p = sql_scratch(st, "$.\"%s\"", c->addtags[i].key), *j = NULL;
		if ((e = hs_tag_value_json(c->addtags[i].value, &v)) == HS_OK)
			j = sql_scratch(st, "%s", hs_buf_str(&v));
		hs_buf_free(&v);
		if (p == NULL || j == NULL)
			return e != HS_OK ? e : hs_fail(HS_ELIMIT, "too many tags");
		if ((e = sql_add(st, ", ")) == HS_OK && (e = sql_param_text(st, &dialect, p)) == HS_OK &&
		    (e = sql_add(st, ", json(")) == HS_OK && (e = sql_param_text(st, &dialect, j)) == HS_OK)
			e = sql_add(st, "))");
	}
	return e;
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
		    (e = sql_param_text(st, &dialect, now)) != HS_OK ||
		    (e = sql_add(st, "), completion_time = ")) != HS_OK ||
		    (e = sql_param_text(st, &dialect, now)) != HS_OK ||
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
op_change(struct hs_store *hs, const struct hs_query *q, const struct hs_change *c,
          int64_t *n)
{
	struct sql_stmt *st = sql_new();
	char now[HS_TS_LEN + 1];
	hs_err e;

	if (st == NULL)
		return HS_ENOMEM;
	hs_ts_format(hs_now_us(), now);
	*n = 0;
	if ((e = change_sql(st, q, c, now)) == HS_OK)
		e = run_change(S(hs), st, n);
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
	if ((e = sql_add(st, "SELECT DISTINCT j.key FROM (SELECT tag")) == HS_OK &&
	    (e = from_query(st, q, NULL)) == HS_OK &&
	    (e = sql_add(st, ") AS t, json_each(t.tag) AS j ORDER BY 1")) == HS_OK)
		e = query_texts(S(hs), st, fn, arg);
	sql_delete(st);
	return e;
}

static hs_err
op_tag_values(struct hs_store *hs, const struct hs_query *q, const char *key,
              hs_text_fn fn, void *arg)
{
	struct sql_stmt *st = sql_new();
	const char *path;
	hs_err e;

	if (st == NULL)
		return HS_ENOMEM;
	path = sql_scratch(st, "$.\"%s\"", key);
	if ((e = sql_add(st, "SELECT DISTINCT CASE json_type(tag, ?1) WHEN 'true' THEN"
	                 " 'true' WHEN 'false' THEN 'false' ELSE"
	                 " CAST(json_extract(tag, ?1) AS TEXT) END AS v")) == HS_OK &&
	    (e = sql_param(st, &dialect, (struct sql_param){.t = SQL_TEXT, .s = path})) == HS_OK)
		hs_buf_truncate(&st->sql, st->sql.len - 1);  /* the builder's "?" */
	if (e == HS_OK && (e = from_query(st, q, "json_type(tag, ?1) IS NOT NULL")) == HS_OK &&
	    (e = sql_add(st, " ORDER BY 1")) == HS_OK)
		e = query_texts(S(hs), st, fn, arg);
	sql_delete(st);
	return e;
}

static hs_err
op_active_group(struct hs_store *hs, int64_t *group, char *why, size_t len)
{
	struct sqlite_store *s = S(hs);
	hs_err e;

	e = sqlite_query_int(s, "SELECT \"group\" FROM task WHERE schedule_time IS NOT NULL"
	              " ORDER BY schedule_time DESC LIMIT 1", group);
	if (e == HS_OK && *group >= 0) {
		snprintf(why, len, "most recently scheduled task");
		return HS_OK;
	}
	if (e == HS_OK)
		e = sqlite_query_int(s, "SELECT min(\"group\") FROM task", group);
	if (e == HS_OK && *group < 0)
		snprintf(why, len, "no tasks submitted");
	else if (e == HS_OK)
		snprintf(why, len, "no tasks scheduled - defaulting to earliest group");
	if (*group < 0)
		*group = 0;
	return e;
}

static hs_err
op_durability(struct hs_store *hs, bool full)
{
	struct sqlite_store *s = S(hs);

	if (s->user_sync || s->ephemeral)
		return HS_OK;
	return sqlite_exec(s, full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
	                   "setting durability");
}

static hs_err
op_truncate(struct hs_store *hs)
{
	return sqlite_exec(S(hs), "BEGIN IMMEDIATE; DELETE FROM task; DELETE FROM client; COMMIT",
	            "truncating");
}

static hs_err
op_vacuum(struct hs_store *hs)
{
	return sqlite_exec(S(hs), "VACUUM", "vacuuming");
}

static hs_err
op_backup(struct hs_store *hs, const char *path)
{
	struct sqlite_store *s = S(hs);
	struct sql_stmt st;
	sqlite3_stmt *stmt = NULL;
	hs_err e;
	int rc;

	if (access(path, F_OK) == 0)
		return hs_fail(HS_EUSAGE, "backup target %s already exists", path);
	sql_init(&st);
	if ((e = sql_add(&st, "VACUUM INTO ")) == HS_OK &&
	    (e = sql_param_text(&st, &dialect, path)) == HS_OK &&
	    (e = prepare(s, &st, &stmt)) == HS_OK &&
	    (rc = sqlite3_step(stmt)) != SQLITE_DONE)
		e = sqlite_fail(s, rc, "writing the backup");
	sqlite3_finalize(stmt);
	sql_free(&st);
	return e;
}

static const char *
op_describe(struct hs_store *hs)
{
	return S(hs)->path;
}

/* An ephemeral database leaves nothing behind. */
static void
remove_files(const char *path)
{
	char extra[4096];

	unlink(path);
	snprintf(extra, sizeof extra, "%s-wal", path);
	unlink(extra);
	snprintf(extra, sizeof extra, "%s-shm", path);
	unlink(extra);
}

static void
op_close(struct hs_store *hs)
{
	struct sqlite_store *s = S(hs);

	if (s->in_tx)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_finalize(s->ins);
	for (int i = 0; i < TX_COUNT; i++)
		sqlite3_finalize(s->tx[i]);
	sqlite_queue_close(s);
	sqlite3_close_v2(s->db);
	if (s->ephemeral)
		remove_files(s->path);
	free(s->path);
	free(s);
}

static const struct hs_store_ops sqlite_ops = {
	.name = "sqlite",
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
	.schedule = sqlite_schedule,
	.complete = sqlite_complete,
	.requeue = sqlite_requeue,
	.server_beat = sqlite_server_beat,
	.recover = sqlite_recover,
	.client_connect = sqlite_client_connect,
	.client_disconnect = sqlite_client_disconnect,
	.group_state = sqlite_group_state,
	.exhausted = sqlite_exhausted,
	.next_group = sqlite_next_group,
	.remaining = sqlite_remaining,
	.changed = sqlite_changed,
	.durability = op_durability,
	.truncate = op_truncate,
	.vacuum = op_vacuum,
	.backup = op_backup,
	.describe = op_describe,
};

/* --- opening and the schema --------------------------------------------- */

/* Query one integer; -1 when there is no row or it is NULL. */
hs_err
sqlite_query_int(struct sqlite_store *s, const char *sql, int64_t *out)
{
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
		*out = sqlite3_column_type(stmt, 0) == SQLITE_NULL
		    ? -1 : sqlite3_column_int64(stmt, 0);
	else if (rc == SQLITE_DONE)
		*out = -1;
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? HS_OK
	                                             : sqlite_fail(s, rc, "reading the schema");
}

/* The schema version: 0 for an empty database, -1 for tables without
 * our version table (e.g. a Python HyperShell database). */
static hs_err
schema_version(struct sqlite_store *s, int64_t *v)
{
	int64_t ntables, has;
	hs_err e;

	if ((e = sqlite_query_int(s, "SELECT count(*) FROM sqlite_master", &ntables)) != HS_OK)
		return e;
	if (ntables == 0)
		return (*v = 0), HS_OK;
	if ((e = sqlite_query_int(s, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
	                   " AND name = 'schema_version'", &has)) != HS_OK)
		return e;
	if (has == 0)
		return (*v = -1), HS_OK;
	if ((e = sqlite_query_int(s, "SELECT max(version) FROM schema_version", v)) != HS_OK)
		return e;
	if (*v < 0)
		*v = 0;
	return HS_OK;
}

static hs_err
record_version(struct sqlite_store *s, int v, const char *description)
{
	char now[HS_TS_LEN + 1], *sql;
	hs_err e;

	hs_ts_format(hs_now_us(), now);
	sql = sqlite3_mprintf("CREATE TABLE IF NOT EXISTS schema_version ("
	                      " version INTEGER NOT NULL PRIMARY KEY,"
	                      " applied_at DATETIME NOT NULL, description TEXT NOT NULL);"
	                      " INSERT INTO schema_version VALUES (%d, %Q, %Q)",
	                      v, now, description);
	if (sql == NULL)
		return HS_ENOMEM;
	e = sqlite_exec(s, sql, "recording the schema version");
	sqlite3_free(sql);
	return e;
}

/* Every column the task table must have, to adopt an existing table. */
static hs_err
check_columns(struct sqlite_store *s)
{
	struct sql_stmt st;
	sqlite3_stmt *stmt = NULL;
	hs_err e;
	int rc;

	sql_init(&st);
	if ((e = sql_add(&st, "SELECT ")) == HS_OK && (e = sql_all_columns(&st)) == HS_OK &&
	    (e = sql_add(&st, " FROM task LIMIT 0")) == HS_OK) {
		rc = sqlite3_prepare_v2(s->db, hs_buf_str(&st.sql), -1, &stmt, NULL);
		if (rc != SQLITE_OK)
			e = hs_fail(HS_EDB, "database %s has a task table this version cannot "
			            "use: %s", s->path, sqlite3_errmsg(s->db));
	}
	sqlite3_finalize(stmt);
	sql_free(&st);
	return e;
}

static hs_err
migrate(struct sqlite_store *s, int64_t from)
{
	hs_err e = sqlite_exec(s, "BEGIN IMMEDIATE", "starting the migration");

	for (int64_t v = from; v < HS_SCHEMA_VERSION && e == HS_OK; v++) {
		for (const char **q = migrations[v].sql; *q != NULL && e == HS_OK; q++) {
			e = sqlite_exec(s, *q, "creating the schema");
			if (e == HS_OK && v == 0 && q == migrations[v].sql)
				e = check_columns(s);  /* an adopted table, before its indexes */
		}
		if (e == HS_OK)
			e = record_version(s, (int)v + 1, migrations[v].description);
	}
	if (e == HS_OK)
		return sqlite_exec(s, "COMMIT", "committing the migration");
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return e;
}

static hs_err
check_schema(struct sqlite_store *s, enum hs_open_mode mode, bool *need_init,
             int64_t *version)
{
	hs_err e = schema_version(s, version);

	*need_init = false;
	if (e != HS_OK)
		return e;
	if (*version > HS_SCHEMA_VERSION)
		return hs_fail(HS_EDB, "database %s has schema version %lld, newer than "
		               "this hs supports (%d); upgrade hs", s->path,
		               (long long)*version, HS_SCHEMA_VERSION);
	if (*version == HS_SCHEMA_VERSION)
		return HS_OK;
	if (*version == 0 && mode >= HS_OPEN_CREATE) {
		*need_init = true;
		return HS_OK;
	}
	if (mode == HS_OPEN_INIT) {
		*need_init = true;
		return HS_OK;
	}
	if (*version == 0)
		return hs_fail(HS_EDB, "database %s is not initialised (run 'hs initdb')",
		               s->path);
	if (*version < 0)
		return hs_fail(HS_EDB, "database %s was not made by this hs; run "
		               "'hs initdb' to adopt it", s->path);
	return hs_fail(HS_EDB, "database %s has schema version %lld; run 'hs initdb' "
	               "to upgrade it to %d", s->path, (long long)*version,
	               HS_SCHEMA_VERSION);
}

static bool
safe_word(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

struct pragma_ctx {
	struct sqlite_store *s;
	hs_err e;
};

static void
apply_pragma(void *arg, const char *key, const struct toml_value *tv,
             const char *text)
{
	struct pragma_ctx *pc = arg;
	char val[64], *sql;

	if (pc->e != HS_OK)
		return;
	if (tv != NULL && tv->type == TOML_INTEGER)
		snprintf(val, sizeof val, "%lld", (long long)tv->u.i);
	else if (tv != NULL && tv->type == TOML_BOOL)
		snprintf(val, sizeof val, "%s", tv->u.b ? "ON" : "OFF");
	else
		snprintf(val, sizeof val, "%s",
		         tv && tv->type == TOML_STRING ? tv->u.str.ptr : text ? text : "");
	if (strcasecmp(key, "synchronous") == 0)
		pc->s->user_sync = true;
	if (!safe_word(key) || !safe_word(val)) {
		pc->e = hs_fail(HS_ECONFIG, "database.pragmas.%s: name and value must be "
		                "letters, digits, '_' or '-'", key);
		return;
	}
	if ((sql = sqlite3_mprintf("PRAGMA %s = %s", key, val)) == NULL) {
		pc->e = HS_ENOMEM;
		return;
	}
	pc->e = sqlite_exec(pc->s, sql, "applying database.pragmas");
	sqlite3_free(sql);
}

static hs_err
setup_connection(struct sqlite_store *s, struct hs_config *cfg,
                 enum hs_open_mode mode)
{
	struct pragma_ctx pc = {s, HS_OK};
	hs_err e = HS_OK;

	if (mode != HS_OPEN_READ &&
	    (e = sqlite_exec(s, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL",
	              "setting the journal mode")) != HS_OK)
		return e;
	/* The server's hot pages (the ends of the task indexes, the rows in
	 * flight) outgrow SQLite's 2 MiB default at a few thousand tasks; then
	 * every task re-reads a dozen pages. 8 MiB holds them (it grows only
	 * as pages are used); database.pragmas may say otherwise. */
	if ((e = sqlite_exec(s, "PRAGMA cache_size = -8192", "sizing the page cache")) != HS_OK)
		return e;
	if (mode == HS_OPEN_EPHEMERAL &&  /* nothing to keep: skip the syncs */
	    (e = sqlite_exec(s, "PRAGMA synchronous = OFF", "setting synchronous")) != HS_OK)
		return e;
	if (cfg != NULL)
		cfg_each_entry(cfg, "database.pragmas", apply_pragma, &pc);
	return pc.e;
}

static hs_err
open_db(struct sqlite_store *s, enum hs_open_mode mode)
{
	int flags = SQLITE_OPEN_NOMUTEX | (mode == HS_OPEN_READ
	            ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE);
	struct stat st;
	hs_err e = HS_OK;
	int rc;

	if (mode == HS_OPEN_EPHEMERAL) {
		flags |= SQLITE_OPEN_CREATE | SQLITE_OPEN_EXCLUSIVE;
		s->ephemeral = true;
	} else if (stat(s->path, &st) != 0) {
		if (mode < HS_OPEN_CREATE)
			return hs_fail(HS_EDB, "database %s does not exist (run 'hs initdb' "
			               "or submit tasks first)", s->path);
		flags |= SQLITE_OPEN_CREATE;
		if ((e = hs_mkdirs_for(s->path)) != HS_OK)
			return e;
	} else if (!S_ISREG(st.st_mode)) {
		return hs_fail(HS_EDB, "database %s is not a regular file", s->path);
	}
	rc = sqlite3_open_v2(s->path, &s->db, flags, NULL);
	if (rc != SQLITE_OK)
		return sqlite_fail(s, rc, "opening");
	sqlite3_extended_result_codes(s->db, 1);
	/* "name" must be a column, never a string literal in disguise */
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_DQS_DML, 0, (int *)NULL);
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_DQS_DDL, 0, (int *)NULL);
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	rc = sqlite3_create_function(s->db, "regexp", 2, SQLITE_UTF8 |
	                             SQLITE_DETERMINISTIC, NULL, fn_regexp, NULL, NULL);
	return rc == SQLITE_OK ? HS_OK : sqlite_fail(s, rc, "registering REGEXP");
}

hs_err
hs_store_sqlite_open(const char *path, struct hs_config *cfg,
                     enum hs_open_mode mode, struct hs_store **out)
{
	struct sqlite_store *s = calloc(1, sizeof *s);
	bool need_init = false;
	int64_t version = 0;
	hs_err e;

	*out = NULL;
	if (s == NULL || (s->path = strdup(path)) == NULL) {
		free(s);
		return HS_ENOMEM;
	}
	s->base.ops = &sqlite_ops;
	if ((e = open_db(s, mode)) == HS_OK &&
	    (e = check_schema(s, mode, &need_init, &version)) == HS_OK &&
	    (e = setup_connection(s, cfg, mode)) == HS_OK && need_init)
		e = migrate(s, version < 0 ? 0 : version);
	if (e != HS_OK) {
		op_close(&s->base);
		return e;
	}
	if (need_init)
		log_debug("Initialised database %s (schema version %d)", path,
		          HS_SCHEMA_VERSION);
	*out = &s->base;
	return HS_OK;
}
