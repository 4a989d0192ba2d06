/* store_pg_queue.c: the server's operations on the PostgreSQL backend.
 *
 * Scheduling is one statement per kind of task: it locks the rows it
 * picks with FOR UPDATE SKIP LOCKED, so servers sharing the database
 * never hand out the same task, and stamps them. A result is stored only
 * if the row still carries the schedule_time it was handed out with (the
 * fence), as on SQLite. The hot statements are prepared once per
 * connection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql.h"
#include "store_pg.h"
#include "timestamp.h"
#include "uuid.h"

enum { Q_NEW, Q_RETRY, Q_COMPLETE, Q_RETRY_INSERT, Q_RETRY_LINK, Q_COUNT };

static const char *names[Q_COUNT] = {
	"hs_pick_new", "hs_pick_retry", "hs_complete", "hs_retry_insert", "hs_retry_link",
};

/* the picking statement; %s: "= 1" or "> 1"; the select list follows */
#define PICK_SQL \
	"WITH u AS (UPDATE task SET server_id = $3, server_host = $4, client_id = $5," \
	" client_host = $6, schedule_time = $7" \
	" WHERE id IN (SELECT id FROM task WHERE \"group\" = $1 AND schedule_time IS NULL" \
	" AND attempt %s ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING *) SELECT "

static const char *fixed_sql[Q_COUNT] = {
	[Q_COMPLETE] = "UPDATE task SET command = $3, start_time = $4, completion_time = $5,"
	               " exit_status = $6, outpath = $7, errpath = $8, csvpath = $9,"
	               " waited = $10, duration = $11, cores_max = $12, memory_max = $13,"
	               " client_id = $14, client_host = $15"
	               " WHERE id = $1 AND schedule_time = $2 AND completion_time IS NULL",
	[Q_RETRY_INSERT] = "INSERT INTO task (id, \"group\", args, submit_id, submit_time,"
	                   " submit_host, cores, memory, timeout, attempt, retried,"
	                   " previous_id, tag) SELECT $1, \"group\", args, submit_id,"
	                   " submit_time, submit_host, cores, memory, timeout, attempt + 1,"
	                   " false, id, tag FROM task"
	                   " WHERE id = $2 AND attempt < $3 AND NOT retried",
	[Q_RETRY_LINK] = "UPDATE task SET retried = true, next_id = $1 WHERE id = $2",
};

/* The result columns Q_COMPLETE takes as $3..$13. */
static const int complete_fields[] = {
	HS_F_COMMAND, HS_F_START_TIME, HS_F_COMPLETION_TIME, HS_F_EXIT_STATUS,
	HS_F_OUTPATH, HS_F_ERRPATH, HS_F_CSVPATH, HS_F_WAITED, HS_F_DURATION,
	HS_F_CORES_MAX, HS_F_MEMORY_MAX,
};
#define NCOMPLETE (sizeof complete_fields / sizeof complete_fields[0])

static hs_err
prepare(struct pg_store *s, int id)
{
	struct sql_stmt *st;
	PGresult *res;
	hs_err e = HS_OK;

	if (s->prepared[id])
		return HS_OK;
	if ((st = sql_new()) == NULL)
		return HS_ENOMEM;
	if (id == Q_NEW || id == Q_RETRY) {
		if ((e = hs_buf_printf(&st->sql, PICK_SQL, id == Q_NEW ? "= 1" : "> 1")) == HS_OK &&
		    (e = pg_columns(st)) == HS_OK)
			e = sql_add(st, " FROM u ORDER BY id");
	} else {
		e = sql_add(st, fixed_sql[id]);
	}
	if (e == HS_OK) {
		res = PQprepare(s->conn, names[id], hs_buf_str(&st->sql), 0, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			e = pg_fail(s, res, "preparing a queue statement");
		PQclear(res);
	}
	sql_delete(st);
	s->prepared[id] = e == HS_OK;
	return e;
}

/* Run prepared statement id; *res (if given) gets the result to clear. */
static hs_err
run(struct pg_store *s, int id, int n, const char *const *v, const char *what,
    PGresult **out)
{
	PGresult *res;
	ExecStatusType st;
	hs_err e;

	if ((e = pg_ready(s)) != HS_OK || (e = prepare(s, id)) != HS_OK)
		return e;
	res = PQexecPrepared(s->conn, names[id], n, v, NULL, NULL, 0);
	st = PQresultStatus(res);
	e = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? HS_OK : pg_fail(s, res, what);
	if (e == HS_OK && out != NULL)
		*out = res;
	else
		PQclear(res);
	return e;
}

static int64_t
changed_rows(PGresult *res)
{
	return strtoll(PQcmdTuples(res), NULL, 10);
}

/* --- scheduling ----------------------------------------------------------- */

struct picked {
	struct hs_task *tasks;
	PGresult *res[2];
	int n;
};

static hs_err
pick(struct pg_store *s, int id, int64_t group, int want, const struct hs_lease *l,
     struct picked *p, int slot)
{
	char g[32], lim[32];
	const char *v[7] = {g, lim, l->server_id, l->server_host, l->client_id,
	                    l->client_host, l->schedule_time};
	PGresult *res = NULL;
	hs_err e;

	if (p->n >= want)
		return HS_OK;
	snprintf(g, sizeof g, "%lld", (long long)group);
	snprintf(lim, sizeof lim, "%d", want - p->n);
	if ((e = run(s, id, 7, v, "scheduling tasks", &res)) != HS_OK)
		return e;
	for (int r = 0; r < PQntuples(res) && p->n < want; r++)
		pg_read_row(res, r, &p->tasks[p->n++]);
	p->res[slot] = res;   /* the tasks' strings live in it */
	return HS_OK;
}

hs_err
pg_schedule(struct hs_store *hs, int64_t group, int n, bool eager,
            const struct hs_lease *lease, hs_tasks_fn fn, void *arg)
{
	struct pg_store *s = PG(hs);
	struct picked p = {0};
	hs_err e;

	if (n <= 0)
		return HS_OK;
	if ((p.tasks = calloc((size_t)n, sizeof *p.tasks)) == NULL)
		return HS_ENOMEM;
	e = pick(s, eager ? Q_RETRY : Q_NEW, group, n, lease, &p, 0);
	if (e == HS_OK)
		e = pick(s, eager ? Q_NEW : Q_RETRY, group, n, lease, &p, 1);
	if (e == HS_OK && p.n > 0)
		e = fn(arg, p.tasks, (size_t)p.n);
	PQclear(p.res[0]);
	PQclear(p.res[1]);
	free(p.tasks);
	return e;
}

/* --- results ---------------------------------------------------------------- */

static hs_err
retry(struct pg_store *s, const char *id, int attempts, struct hs_outcome *out)
{
	char next[HS_UUID_STRLEN + 1], num[16];
	const char *v[3] = {next, id, num};
	PGresult *res = NULL;
	int64_t made;
	hs_err e;

	snprintf(num, sizeof num, "%d", attempts);
	if ((e = hs_uuid7(next)) != HS_OK ||
	    (e = run(s, Q_RETRY_INSERT, 3, v, "creating a retry", &res)) != HS_OK)
		return e;
	made = changed_rows(res);
	PQclear(res);
	if (made == 0) {
		out->failed = true;
		return HS_OK;
	}
	out->retried = true;
	return run(s, Q_RETRY_LINK, 2, v, "linking a retry", NULL);
}

hs_err
pg_complete(struct hs_store *hs, const struct hs_task *r, const char *client_id,
            const char *client_host, int attempts, struct hs_outcome *out)
{
	struct pg_store *s = PG(hs);
	const struct hs_cell *status = &r->f[HS_F_EXIT_STATUS];
	const char *v[15];
	char num[NCOMPLETE][32];
	PGresult *res = NULL;
	int64_t n;
	hs_err e;

	memset(out, 0, sizeof *out);
	v[0] = r->f[HS_F_ID].s;
	v[1] = r->f[HS_F_SCHEDULE_TIME].s;
	for (size_t i = 0; i < NCOMPLETE; i++)
		v[i + 2] = hs_cell_text(r, complete_fields[i], num[i], sizeof num[i]);
	v[13] = client_id;
	v[14] = client_host;
	if ((e = run(s, Q_COMPLETE, 15, v, "storing a result", &res)) != HS_OK)
		return e;
	n = changed_rows(res);
	PQclear(res);
	if (n == 0)
		return HS_OK;
	out->accepted = true;
	if (status->null || status->i == 0 || status->i == HS_STATUS_CANCELLED)
		return HS_OK;
	if (attempts <= 1) {
		out->failed = true;
		return HS_OK;
	}
	return retry(s, r->f[HS_F_ID].s, attempts, out);
}

/* --- recovery, clients, state ------------------------------------------------ */

static hs_err
update(struct pg_store *s, const char *sql, int n, const char *const *v, const char *what,
       int64_t *changes)
{
	PGresult *res = NULL;
	hs_err e = pg_run(s, sql, n, v, what, &res);

	if (e == HS_OK && changes != NULL)
		*changes = changed_rows(res);
	PQclear(res);
	return e;
}

#define REQUEUE_SQL \
	"UPDATE task SET server_id = NULL, server_host = NULL, schedule_time = NULL," \
	" client_id = NULL, client_host = NULL, command = NULL, start_time = NULL" \
	" WHERE schedule_time IS NOT NULL AND completion_time IS NULL"

hs_err
pg_requeue(struct hs_store *hs, const char *client_id, const char *schedule_time, int64_t *n)
{
	const char *v[2] = {client_id, schedule_time};

	if (schedule_time != NULL)
		return update(PG(hs), REQUEUE_SQL " AND client_id = $1 AND schedule_time = $2", 2, v,
		              "re-queueing a failed dispatch", n);
	return update(PG(hs), REQUEUE_SQL " AND client_id = $1", 1, v, "re-queueing tasks", n);
}

hs_err
pg_server_beat(struct hs_store *hs, const char *id, const char *host, int port)
{
	char now[HS_TS_LEN + 1], p[16];
	const char *v[4] = {id, host, p, now};

	snprintf(p, sizeof p, "%d", port);
	hs_ts_format(hs_now_us(), now);
	return update(PG(hs), "INSERT INTO server (id, host, port, started_at, seen_at)"
	              " VALUES ($1, $2, $3, $4, $4) ON CONFLICT (id) DO UPDATE SET"
	              " seen_at = excluded.seen_at", 4, v, "registering the server", NULL);
}

/* The servers that count as alive: $1 itself, and those seen since $4
 * except the one $1 replaced on host $2, port $3. */
#define ALIVE_SQL \
	"SELECT id FROM server WHERE id = $1::uuid OR (seen_at >= $4::timestamptz AND" \
	" NOT (host = $2::text AND port = $3::integer))"

hs_err
pg_recover(struct hs_store *hs, const char *id, const char *host, int port,
           const char *cutoff, int64_t *n)
{
	char p[16];
	const char *v[4] = {id, host, p, cutoff};
	hs_err e;

	snprintf(p, sizeof p, "%d", port);
	e = update(PG(hs), REQUEUE_SQL " AND (server_id IS NULL OR server_id NOT IN ("
	           ALIVE_SQL "))", 4, v, "re-queueing tasks", n);
	if (e == HS_OK)
		e = update(PG(hs), "DELETE FROM server WHERE id NOT IN (" ALIVE_SQL ")", 4, v,
		           "forgetting servers", NULL);
	return e;
}

hs_err
pg_client_connect(struct hs_store *hs, const char *id, const char *host,
                  const char *server_id, const char *server_host)
{
	char now[HS_TS_LEN + 1];
	const char *v[5] = {id, host, server_id, server_host, now};

	hs_ts_format(hs_now_us(), now);
	return update(PG(hs), "INSERT INTO client (id, host, server_id, server_host,"
	              " connected_at, disconnected_at, evicted) VALUES ($1, $2, $3, $4, $5,"
	              " NULL, false) ON CONFLICT (id) DO UPDATE SET host = excluded.host,"
	              " server_id = excluded.server_id, server_host = excluded.server_host,"
	              " connected_at = excluded.connected_at, disconnected_at = NULL,"
	              " evicted = false", 5, v, "registering a client", NULL);
}

hs_err
pg_client_disconnect(struct hs_store *hs, const char *id, bool evicted)
{
	char now[HS_TS_LEN + 1];
	const char *v[2] = {id, now};

	hs_ts_format(hs_now_us(), now);
	return update(PG(hs), evicted
	              ? "UPDATE client SET disconnected_at = $2, evicted = true WHERE id = $1"
	              : "UPDATE client SET disconnected_at = $2 WHERE id = $1",
	              2, v, "recording a disconnect", NULL);
}

static hs_err
count_group(struct pg_store *s, const char *where, int64_t group, int64_t *n)
{
	char sql[256];

	snprintf(sql, sizeof sql, "SELECT count(*) FROM task WHERE \"group\" = %lld AND %s",
	         (long long)group, where);
	return pg_query_int(s, sql, n);
}

hs_err
pg_group_state(struct hs_store *hs, int64_t group, struct hs_group_state *g)
{
	struct pg_store *s = PG(hs);
	hs_err e;

	if ((e = count_group(s, "schedule_time IS NULL", group, &g->unscheduled)) != HS_OK)
		return e;
	return count_group(s, "schedule_time IS NOT NULL AND completion_time IS NULL",
	                   group, &g->running);
}

hs_err
pg_exhausted(struct hs_store *hs, int64_t group, int64_t *n)
{
	return count_group(PG(hs), SQL_EXHAUSTED, group, n);
}

hs_err
pg_next_group(struct hs_store *hs, int64_t after, int64_t *group)
{
	char sql[160];

	snprintf(sql, sizeof sql, "SELECT min(\"group\") FROM task WHERE \"group\" > %lld"
	         " AND completion_time IS NULL", (long long)after);
	return pg_query_int(PG(hs), sql, group);
}

hs_err
pg_remaining(struct hs_store *hs, int64_t *n)
{
	return pg_query_int(PG(hs), "SELECT count(*) FROM task WHERE completion_time IS NULL", n);
}

/* LISTEN once; then a notification (or a broken connection, to make the
 * caller look and see the error) means a change. No round trip. */
hs_err
pg_changed(struct hs_store *hs, bool *changed)
{
	struct pg_store *s = PG(hs);
	PGnotify *n;
	hs_err e;

	*changed = false;
	if (PQstatus(s->conn) != CONNECTION_OK) {   /* the caller's next query reconnects */
		*changed = true;
		return HS_OK;
	}
	if (!s->listening) {
		if ((e = pg_exec(s, "LISTEN hypershell", "listening for new tasks")) != HS_OK)
			return e;
		s->listening = true;
		*changed = true;
		return HS_OK;
	}
	if (PQconsumeInput(s->conn) != 1) {
		*changed = true;
		return pg_fail(s, NULL, "reading notifications");
	}
	while ((n = PQnotifies(s->conn)) != NULL) {
		*changed = true;
		PQfreemem(n);
	}
	return HS_OK;
}
