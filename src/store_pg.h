/* store_pg.h: internals shared by the PostgreSQL backend's two files,
 * store_pg.c (connection, schema, the commands' operations) and
 * store_pg_queue.c (the server's operations). Not for other modules. */
#ifndef HS_STORE_PG_H
#define HS_STORE_PG_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "buf.h"
#include "sql.h"
#include "store.h"

struct pg_store {
	struct hs_store base;
	PGconn *conn;
	char *where;                 /* "host:port/db (schema s)", no secrets; owned */
	char *schema;                /* owned */
	struct hs_buf copy;          /* rows waiting for COPY in a transaction */
	int ncopy;
	bool in_tx;
	bool relaxed;                /* durability(false): see op_durability */
	bool tx_lost;                /* the connection broke inside the transaction */
	bool listening;              /* LISTEN issued: changed() reads notifications */
	bool prepared[8];            /* queue statements prepared on this connection */
};

static inline struct pg_store *
PG(struct hs_store *s)
{
	return (struct pg_store *)s;
}

extern const struct sql_dialect pg_dialect;

/* Record the connection's error for what; HS_EDB. res may be NULL. */
hs_err pg_fail(struct pg_store *s, PGresult *res, const char *what);
/* Reconnect a broken connection (HS_EDB if the database is still away). */
hs_err pg_ready(struct pg_store *s);
/* Run sql without parameters; HS_EDB on failure. */
hs_err pg_exec(struct pg_store *s, const char *sql, const char *what);
/* Run a statement with text parameters (NULL = SQL NULL); the result,
 * which the caller clears, is checked for success. */
hs_err pg_run(struct pg_store *s, const char *sql, int n, const char *const *v,
              const char *what, PGresult **res);
/* One integer from sql (-1 for no row or NULL). */
hs_err pg_query_int(struct pg_store *s, const char *sql, int64_t *out);
/* The select list of every task column, as text in the stored forms. */
hs_err pg_columns(struct sql_stmt *st);
/* Row r of res (selected with pg_columns) into t; strings point into res. */
void pg_read_row(PGresult *res, int r, struct hs_task *t);

/* The queue operations (store_pg_queue.c). */
hs_err pg_schedule(struct hs_store *s, int64_t group, int n, bool eager,
                   const struct hs_lease *lease, hs_tasks_fn fn, void *arg);
hs_err pg_complete(struct hs_store *s, const struct hs_task *result, const char *client_id,
                   const char *client_host, int attempts, struct hs_outcome *out);
hs_err pg_requeue(struct hs_store *s, const char *client_id, const char *schedule_time,
                    int64_t *n);
hs_err pg_server_beat(struct hs_store *s, const char *id, const char *host, int port);
hs_err pg_recover(struct hs_store *s, const char *id, const char *host, int port,
                  const char *cutoff, int64_t *n);
hs_err pg_client_connect(struct hs_store *s, const char *id, const char *host,
                         const char *server_id, const char *server_host);
hs_err pg_client_disconnect(struct hs_store *s, const char *id, bool evicted);
hs_err pg_group_state(struct hs_store *s, int64_t group, struct hs_group_state *st);
hs_err pg_exhausted(struct hs_store *s, int64_t group, int64_t *n);
hs_err pg_next_group(struct hs_store *s, int64_t after, int64_t *group);
hs_err pg_remaining(struct hs_store *s, int64_t *n);
hs_err pg_changed(struct hs_store *s, bool *changed);

#endif
