/* store_sqlite.h: internals shared by the SQLite backend's two files,
 * store_sqlite.c (connection, schema, commands' operations) and
 * store_sqlite_queue.c (the server's operations). Not for other modules. */
#ifndef HS_STORE_SQLITE_H
#define HS_STORE_SQLITE_H

#include <sqlite3.h>
#include <stdbool.h>

#include "store.h"

/* Statements the queue runs over and over, prepared once. */
enum sqlite_stmt_id {
	STMT_CLAIM_NEW, STMT_CLAIM_RETRY, STMT_COMPLETE,
	STMT_RETRY_INSERT, STMT_RETRY_LINK, STMT_COUNT
};

/* The transaction verbs, prepared once (sqlite3_exec would parse them
 * again for every transaction). */
enum sqlite_tx { TX_BEGIN, TX_COMMIT, TX_ROLLBACK, TX_COUNT };

struct sqlite_store {
	struct hs_store base;
	sqlite3 *db;
	char *path;                        /* owned */
	sqlite3_stmt *ins;                 /* prepared insert; owned */
	sqlite3_stmt *stmt[STMT_COUNT];    /* queue statements; owned, lazy */
	sqlite3_stmt *tx[TX_COUNT];        /* owned, lazy */
	int64_t data_version;              /* last PRAGMA data_version seen */
	bool in_tx;
	bool ephemeral;                    /* delete the files on close */
	bool user_sync;                    /* database.pragmas sets synchronous */
};

static inline struct sqlite_store *
S(struct hs_store *s)
{
	return (struct sqlite_store *)s;
}

hs_err sqlite_fail(struct sqlite_store *s, int rc, const char *what);
hs_err sqlite_exec(struct sqlite_store *s, const char *sql, const char *what);
/* BEGIN IMMEDIATE, COMMIT or ROLLBACK. */
hs_err sqlite_tx(struct sqlite_store *s, enum sqlite_tx verb, const char *what);
/* One integer from sql; -1 when there is no row or it is NULL. */
hs_err sqlite_query_int(struct sqlite_store *s, const char *sql, int64_t *out);
void sqlite_read_row(sqlite3_stmt *stmt, struct hs_task *t);
int sqlite_bind_cell(sqlite3_stmt *st, int i, const struct hs_task *t, int f);

/* The queue operations (store_sqlite_queue.c). */
hs_err sqlite_schedule(struct hs_store *s, int64_t group, int n, bool eager,
                       const struct hs_lease *lease, hs_tasks_fn fn, void *arg);
hs_err sqlite_complete(struct hs_store *s, const struct hs_task *result,
                       const char *client_id, const char *client_host,
                       int attempts, struct hs_outcome *out);
hs_err sqlite_requeue(struct hs_store *s, const char *client_id, const char *schedule_time,
                    int64_t *n);
hs_err sqlite_server_beat(struct hs_store *s, const char *id, const char *host, int port);
hs_err sqlite_recover(struct hs_store *s, const char *id, const char *host, int port,
                      const char *cutoff, int64_t *n);
hs_err sqlite_client_connect(struct hs_store *s, const char *id, const char *host,
                             const char *server_id, const char *server_host);
hs_err sqlite_client_disconnect(struct hs_store *s, const char *id, bool evicted);
hs_err sqlite_group_state(struct hs_store *s, int64_t group,
                          struct hs_group_state *st);
hs_err sqlite_exhausted(struct hs_store *s, int64_t group, int64_t *n);
hs_err sqlite_next_group(struct hs_store *s, int64_t after, int64_t *group);
hs_err sqlite_remaining(struct hs_store *s, int64_t *n);
hs_err sqlite_changed(struct hs_store *s, bool *changed);
void sqlite_queue_close(struct sqlite_store *s);

#endif
