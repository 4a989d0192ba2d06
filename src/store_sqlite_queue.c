/* store_sqlite_queue.c: the server's operations on the SQLite backend.
 *
 * Hot statements (pick, stamp, complete, retry) are prepared once. A
 * result is stored only if the row still carries the schedule_time it was
 * dispatched with and is unfinished: that fence makes a late result from
 * an evicted client, or from before a cancel, harmless.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql.h"
#include "store_sqlite.h"
#include "timestamp.h"
#include "uuid.h"

/* Claim up to ?2 waiting tasks of group ?1 for a client in one statement:
 * stamp them and return them (stmt() appends the columns). */
#define CLAIM_SQL(group, attempt)                                             \
	"UPDATE task SET server_id = ?3, server_host = ?4, client_id = ?5,"       \
	" client_host = ?6, schedule_time = ?7 WHERE rowid IN (SELECT rowid"     \
	" FROM task WHERE " group " = ?1 AND schedule_time IS NULL AND attempt " \
	attempt " LIMIT ?2) RETURNING "

static const char *stmt_sql[STMT_COUNT] = {
	[STMT_CLAIM_NEW] = CLAIM_SQL("\"group\"", "= 1"),
	/* +"group": the retry queue's partial index, not the group index
	 * (which would walk every waiting new task to find the retries) */
	[STMT_CLAIM_RETRY] = CLAIM_SQL("+\"group\"", "> 1"),
	[STMT_COMPLETE] = "UPDATE task SET command = ?3, start_time = ?4,"
	                  " completion_time = ?5, exit_status = ?6, outpath = ?7,"
	                  " errpath = ?8, csvpath = ?9, waited = ?10, duration = ?11,"
	                  " cores_max = ?12, memory_max = ?13, client_id = ?14,"
	                  " client_host = ?15"
	                  " WHERE id = ?1 AND schedule_time = ?2 AND completion_time IS NULL",
	[STMT_RETRY_INSERT] = "INSERT INTO task (id, \"group\", args, submit_id, submit_time,"
	                      " submit_host, cores, memory, timeout, attempt, retried,"
	                      " previous_id, tag) SELECT ?1, \"group\", args, submit_id,"
	                      " submit_time, submit_host, cores, memory, timeout,"
	                      " attempt + 1, 0, id, tag FROM task"
	                      " WHERE id = ?2 AND attempt < ?3 AND retried = 0",
	[STMT_RETRY_LINK] = "UPDATE task SET retried = 1, next_id = ?1 WHERE id = ?2",
};

/* The result columns STMT_COMPLETE binds as ?3..?13, in order. */
static const int complete_fields[] = {
	HS_F_COMMAND, HS_F_START_TIME, HS_F_COMPLETION_TIME, HS_F_EXIT_STATUS,
	HS_F_OUTPATH, HS_F_ERRPATH, HS_F_CSVPATH, HS_F_WAITED, HS_F_DURATION,
	HS_F_CORES_MAX, HS_F_MEMORY_MAX,
};

/* The prepared statement id (SELECTs get the full column list). */
static hs_err
stmt(struct sqlite_store *s, enum sqlite_stmt_id id, sqlite3_stmt **out)
{
	struct sql_stmt *st;
	hs_err e = HS_OK;
	int rc;

	if ((*out = s->stmt[id]) != NULL)
		return sqlite3_reset(*out), sqlite3_clear_bindings(*out), HS_OK;
	if ((st = sql_new()) == NULL)
		return HS_ENOMEM;
	e = sql_add(st, stmt_sql[id]);
	if (e == HS_OK && (id == STMT_CLAIM_NEW || id == STMT_CLAIM_RETRY))
		e = sql_all_columns(st);
	if (e == HS_OK &&
	    (rc = sqlite3_prepare_v3(s->db, hs_buf_str(&st->sql), -1,
	                             SQLITE_PREPARE_PERSISTENT, &s->stmt[id], NULL)) != SQLITE_OK)
		e = sqlite_fail(s, rc, "preparing a queue statement");
	sql_delete(st);
	*out = s->stmt[id];
	return e;
}

void
sqlite_queue_close(struct sqlite_store *s)
{
	for (int i = 0; i < STMT_COUNT; i++) {
		sqlite3_finalize(s->stmt[i]);
		s->stmt[i] = NULL;
	}
}

static int
bind_text(sqlite3_stmt *st, int i, const char *v)
{
	return v ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

/* Run a statement that returns no rows; *changes gets the rows changed. */
static hs_err
step_done(struct sqlite_store *s, sqlite3_stmt *st, const char *what, int *changes)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sqlite_fail(s, rc, what);
	if (changes)
		*changes = sqlite3_changes(s->db);
	return HS_OK;
}

/* --- scheduling --------------------------------------------------------- */

/* Picked rows: tasks whose strings live in one allocation each. */
struct picked {
	struct hs_task *tasks;   /* owned array */
	char **mem;              /* owned: mem[i] holds tasks[i]'s strings */
	int n;
};

/* Copy the current row of st into p (its strings into one block). */
static hs_err
own_row(sqlite3_stmt *st, struct picked *p)
{
	struct hs_task *t = &p->tasks[p->n];
	size_t need = 1, at = 0;
	char *mem;

	sqlite_read_row(st, t);
	for (int f = 0; f < HS_F_COUNT; f++)
		if (t->f[f].s != NULL)
			need += strlen(t->f[f].s) + 1;
	if ((mem = malloc(need)) == NULL)
		return HS_ENOMEM;
	for (int f = 0; f < HS_F_COUNT; f++) {
		size_t len;
		if (t->f[f].s == NULL)
			continue;
		len = strlen(t->f[f].s) + 1;
		memcpy(mem + at, t->f[f].s, len);
		t->f[f].s = mem + at;
		at += len;
	}
	p->mem[p->n++] = mem;
	return HS_OK;
}

/* Claim up to want - p->n tasks of group g with statement id for lease l,
 * and copy them into p. */
static hs_err
claim(struct sqlite_store *s, enum sqlite_stmt_id id, int64_t g, int want,
      const struct hs_lease *l, struct picked *p)
{
	sqlite3_stmt *st;
	hs_err e = HS_OK;
	int rc;

	if (p->n >= want || (e = stmt(s, id, &st)) != HS_OK)
		return e;
	sqlite3_bind_int64(st, 1, g);
	sqlite3_bind_int64(st, 2, want - p->n);
	bind_text(st, 3, l->server_id);
	bind_text(st, 4, l->server_host);
	bind_text(st, 5, l->client_id);
	bind_text(st, 6, l->client_host);
	bind_text(st, 7, l->schedule_time);
	while (e == HS_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		e = own_row(st, p);
	sqlite3_reset(st);
	if (e == HS_OK && rc != SQLITE_DONE)
		e = sqlite_fail(s, rc, "scheduling tasks");
	return e;
}

static hs_err
claim_both(struct sqlite_store *s, int64_t g, int n, bool eager,
           const struct hs_lease *l, struct picked *p)
{
	hs_err e;

	e = claim(s, eager ? STMT_CLAIM_RETRY : STMT_CLAIM_NEW, g, n, l, p);
	if (e == HS_OK)
		e = claim(s, eager ? STMT_CLAIM_NEW : STMT_CLAIM_RETRY, g, n, l, p);
	return e;
}

hs_err
sqlite_schedule(struct hs_store *hs, int64_t group, int n, bool eager,
                const struct hs_lease *lease, hs_tasks_fn fn, void *arg)
{
	struct sqlite_store *s = S(hs);
	struct picked p = {0};
	hs_err e = HS_ENOMEM;

	if (n <= 0)
		return HS_OK;
	p.tasks = calloc((size_t)n, sizeof *p.tasks);
	p.mem = calloc((size_t)n, sizeof *p.mem);
	if (p.tasks != NULL && p.mem != NULL &&
	    (e = sqlite_tx(s, TX_BEGIN, "starting a transaction")) == HS_OK) {
		e = claim_both(s, group, n, eager, lease, &p);
		e = e == HS_OK ? sqlite_tx(s, TX_COMMIT, "committing a schedule")
		               : (sqlite_tx(s, TX_ROLLBACK, "rolling back"), e);
	}
	if (e == HS_OK && p.n > 0)
		e = fn(arg, p.tasks, (size_t)p.n);
	for (int i = 0; i < p.n; i++)
		free(p.mem[i]);
	free(p.mem);
	free(p.tasks);
	return e;
}

/* --- results ------------------------------------------------------------ */

static hs_err
retry(struct sqlite_store *s, const char *id, int attempts, struct hs_outcome *out)
{
	char next[HS_UUID_STRLEN + 1];
	sqlite3_stmt *st;
	int changed = 0;
	hs_err e;

	if ((e = hs_uuid7(next)) != HS_OK || (e = stmt(s, STMT_RETRY_INSERT, &st)) != HS_OK)
		return e;
	bind_text(st, 1, next);
	bind_text(st, 2, id);
	sqlite3_bind_int(st, 3, attempts);
	if ((e = step_done(s, st, "creating a retry", &changed)) != HS_OK)
		return e;
	if (changed == 0) {
		out->failed = true;
		return HS_OK;
	}
	if ((e = stmt(s, STMT_RETRY_LINK, &st)) != HS_OK)
		return e;
	bind_text(st, 1, next);
	bind_text(st, 2, id);
	out->retried = true;
	return step_done(s, st, "linking a retry", NULL);
}

hs_err
sqlite_complete(struct hs_store *hs, const struct hs_task *r, const char *client_id,
                const char *client_host, int attempts, struct hs_outcome *out)
{
	struct sqlite_store *s = S(hs);
	size_t n = sizeof complete_fields / sizeof complete_fields[0];
	const struct hs_cell *status = &r->f[HS_F_EXIT_STATUS];
	sqlite3_stmt *st;
	int changed = 0;
	hs_err e;

	memset(out, 0, sizeof *out);
	if ((e = stmt(s, STMT_COMPLETE, &st)) != HS_OK)
		return e;
	bind_text(st, 1, r->f[HS_F_ID].s);
	bind_text(st, 2, r->f[HS_F_SCHEDULE_TIME].s);
	for (size_t i = 0; i < n; i++)
		sqlite_bind_cell(st, (int)i + 3, r, complete_fields[i]);
	bind_text(st, 14, client_id);
	bind_text(st, 15, client_host);
	if ((e = step_done(s, st, "storing a result", &changed)) != HS_OK || changed == 0)
		return e;
	out->accepted = true;
	if (status->null || status->i == 0 || status->i == HS_STATUS_CANCELLED)
		return HS_OK;
	if (attempts <= 1) {
		out->failed = true;
		return HS_OK;
	}
	return retry(s, r->f[HS_F_ID].s, attempts, out);
}

/* --- recovery, clients, state -------------------------------------------- */

static hs_err
run(struct sqlite_store *s, const char *sql, const char *what,
    const char *const *texts, int ntexts, int64_t *changes)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL), changed = 0;
	hs_err e;

	if (rc != SQLITE_OK)
		return sqlite_fail(s, rc, what);
	for (int i = 0; i < ntexts; i++)
		bind_text(st, i + 1, texts[i]);
	e = step_done(s, st, what, &changed);
	sqlite3_finalize(st);
	if (changes)
		*changes = changed;
	return e;
}

#define REQUEUE_SQL \
	"UPDATE task SET server_id = NULL, server_host = NULL, schedule_time = NULL," \
	" client_id = NULL, client_host = NULL, command = NULL, start_time = NULL" \
	" WHERE schedule_time IS NOT NULL AND completion_time IS NULL"

hs_err
sqlite_requeue(struct hs_store *hs, const char *client_id, const char *schedule_time,
               int64_t *n)
{
	const char *v[2] = {client_id, schedule_time};

	if (schedule_time != NULL)
		return run(S(hs), REQUEUE_SQL " AND client_id = ?1 AND schedule_time = ?2",
		           "re-queueing a failed dispatch", v, 2, n);
	return run(S(hs), REQUEUE_SQL " AND client_id = ?1", "re-queueing tasks", v, 1, n);
}

hs_err
sqlite_server_beat(struct hs_store *hs, const char *id, const char *host, int port)
{
	char now[HS_TS_LEN + 1], p[16];
	const char *v[4] = {id, host, p, now};

	snprintf(p, sizeof p, "%d", port);
	hs_ts_format(hs_now_us(), now);
	return run(S(hs), "INSERT INTO server (id, host, port, started_at, seen_at)"
	           " VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT (id) DO UPDATE SET"
	           " seen_at = excluded.seen_at", "registering the server", v, 4, NULL);
}

/* The servers that count as alive: ?1 itself, and those seen since ?4
 * except the one ?1 replaced on host ?2, port ?3. */
#define ALIVE_SQL \
	"SELECT id FROM server WHERE id = ?1 OR (seen_at >= ?4 AND" \
	" NOT (host = ?2 AND port = ?3))"

hs_err
sqlite_recover(struct hs_store *hs, const char *id, const char *host, int port,
               const char *cutoff, int64_t *n)
{
	char p[16];
	const char *v[4] = {id, host, p, cutoff};
	hs_err e;

	snprintf(p, sizeof p, "%d", port);
	e = run(S(hs), REQUEUE_SQL " AND (server_id IS NULL OR server_id NOT IN (" ALIVE_SQL "))",
	        "re-queueing tasks", v, 4, n);
	if (e == HS_OK)
		e = run(S(hs), "DELETE FROM server WHERE id NOT IN (" ALIVE_SQL ")",
		        "forgetting servers", v, 4, NULL);
	return e;
}

hs_err
sqlite_client_connect(struct hs_store *hs, const char *id, const char *host,
                      const char *server_id, const char *server_host)
{
	char now[HS_TS_LEN + 1];
	const char *v[5] = {id, host, server_id, server_host, now};

	hs_ts_format(hs_now_us(), now);
	return run(S(hs), "INSERT INTO client (id, host, server_id, server_host,"
	           " connected_at, disconnected_at, evicted) VALUES (?1, ?2, ?3, ?4, ?5,"
	           " NULL, 0) ON CONFLICT (id) DO UPDATE SET host = excluded.host,"
	           " server_id = excluded.server_id, server_host = excluded.server_host,"
	           " connected_at = excluded.connected_at, disconnected_at = NULL,"
	           " evicted = 0", "registering a client", v, 5, NULL);
}

hs_err
sqlite_client_disconnect(struct hs_store *hs, const char *id, bool evicted)
{
	char now[HS_TS_LEN + 1];
	const char *v[2] = {id, now};

	hs_ts_format(hs_now_us(), now);
	return run(S(hs), evicted
	           ? "UPDATE client SET disconnected_at = ?2, evicted = 1 WHERE id = ?1"
	           : "UPDATE client SET disconnected_at = ?2 WHERE id = ?1",
	           "recording a disconnect", v, 2, NULL);
}

/* count(*) of group's tasks matching where; with by_group false the
 * group index is kept out of the plan (+"group"). */
static hs_err
count_group(struct sqlite_store *s, bool by_group, const char *where, int64_t group,
            int64_t *n)
{
	char sql[256];

	snprintf(sql, sizeof sql, "SELECT count(*) FROM task WHERE %s\"group\" = %lld AND %s",
	         by_group ? "" : "+", (long long)group, where);
	return sqlite_query_int(s, sql, n);
}

/* The plans matter: these run whenever the scheduler finds nothing to
 * hand out. Through the group index, "running" and "exhausted" visited
 * every finished task of the group (a full scan per idle poll); +"group"
 * keeps that index out, so running reads the partial running index and
 * exhausted the two failure ranges of (exit_status, retried). */
hs_err
sqlite_group_state(struct hs_store *hs, int64_t group, struct hs_group_state *g)
{
	struct sqlite_store *s = S(hs);
	hs_err e;

	if ((e = count_group(s, true, "schedule_time IS NULL", group,
	                     &g->unscheduled)) != HS_OK)
		return e;
	return count_group(s, false, "schedule_time IS NOT NULL AND completion_time IS NULL",
	                   group, &g->running);
}

hs_err
sqlite_exhausted(struct hs_store *hs, int64_t group, int64_t *n)
{
	return count_group(S(hs), false, SQL_EXHAUSTED, group, n);
}

hs_err
sqlite_next_group(struct hs_store *hs, int64_t after, int64_t *group)
{
	char sql[160];

	snprintf(sql, sizeof sql, "SELECT min(\"group\") FROM task WHERE \"group\" > %lld"
	         " AND completion_time IS NULL", (long long)after);
	return sqlite_query_int(S(hs), sql, group);
}

hs_err
sqlite_remaining(struct hs_store *hs, int64_t *n)
{
	/* exit_status and completion_time are set together; the former is indexed */
	return sqlite_query_int(S(hs), "SELECT count(*) FROM task WHERE exit_status IS NULL", n);
}

hs_err
sqlite_changed(struct hs_store *hs, bool *changed)
{
	struct sqlite_store *s = S(hs);
	int64_t v = 0;
	hs_err e = sqlite_query_int(s, "PRAGMA data_version", &v);

	*changed = e == HS_OK && v != s->data_version;
	if (e == HS_OK)
		s->data_version = v;
	return e;
}
