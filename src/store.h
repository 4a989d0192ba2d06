/* store.h: the storage interface.
 *
 * Commands talk to the task database only through these operations; a
 * backend (SQLite in store_sqlite.c, PostgreSQL in store_pg.c) fills in
 * struct hs_store_ops. No caller tests which
 * backend it has. Every operation returns an hs_err with a detail set by
 * hs_fail(); database problems are HS_EDB (exit 5).
 */
#ifndef HS_STORE_H
#define HS_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "site.h"
#include "tag.h"
#include "task.h"
#include "where.h"

#define HS_SCHEMA_VERSION 2   /* schema this build reads and writes */

/* Which tasks an operation applies to: all conditions ANDed. */
struct hs_query {
	const struct hs_cond *conds;  /* --where and status aliases */
	size_t nconds;
	const struct hs_tag *tags;    /* value "" means "has the key" */
	size_t ntags;
	int order;                    /* field to order by, -1 for submission order */
	bool desc;
	int64_t limit;                /* < 0: no limit */
};

enum hs_action {
	HS_ACT_SET,     /* assign fields and tags */
	HS_ACT_CANCEL,  /* unfinished tasks: completed with HS_STATUS_CANCELLED */
	HS_ACT_REVERT,  /* back to unscheduled: run again */
	HS_ACT_DELETE,
};

struct hs_assign {
	int field;             /* enum hs_field */
	struct hs_cell value;  /* typed */
	char tsbuf[HS_TS_LEN + 1];
};

struct hs_change {
	enum hs_action action;
	const struct hs_assign *sets;   /* HS_ACT_SET */
	size_t nsets;
	const struct hs_tag *addtags;   /* HS_ACT_SET: tags to add or replace */
	size_t naddtags;
	const struct hs_tag *rmtags;    /* HS_ACT_SET: tag keys to remove */
	size_t nrmtags;
};

/* Who a dispatch goes to: stamped into the rows it hands out. The
 * schedule_time (microseconds, unique per dispatch) is the fencing token a
 * result must echo to be accepted. */
struct hs_lease {
	const char *server_id;
	const char *server_host;
	const char *client_id;
	const char *client_host;
	char schedule_time[HS_TS_LEN + 1];
};

/* What a result did to the database. */
struct hs_outcome {
	bool accepted;     /* the fence held and the row was updated */
	bool retried;      /* a retry row was created */
	bool failed;       /* accepted with a non-zero exit and no retry left */
};

/* Where a group stands, for the scheduler's decisions. */
struct hs_group_state {
	int64_t unscheduled;  /* waiting to be handed out */
	int64_t running;      /* handed out, not finished */
};

struct hs_store;

typedef hs_err (*hs_task_fn)(void *arg, const struct hs_task *t);
typedef hs_err (*hs_text_fn)(void *arg, const char *text);
typedef hs_err (*hs_tasks_fn)(void *arg, const struct hs_task *tasks, size_t n);

struct hs_store_ops {
	const char *name;
	void (*close)(struct hs_store *s);
	hs_err (*begin)(struct hs_store *s);
	hs_err (*commit)(struct hs_store *s);
	hs_err (*rollback)(struct hs_store *s);
	/* Add a new task (all required fields set). */
	hs_err (*insert)(struct hs_store *s, const struct hs_task *t);
	/* Call fn for each matching task; strings valid during the call. */
	hs_err (*select)(struct hs_store *s, const struct hs_query *q,
	                 hs_task_fn fn, void *arg);
	hs_err (*count)(struct hs_store *s, const struct hs_query *q, int64_t *n);
	/* Apply c to matching tasks; *n gets the number changed. */
	hs_err (*change)(struct hs_store *s, const struct hs_query *q,
	                 const struct hs_change *c, int64_t *n);
	/* Distinct tag keys, or distinct values of one key, of matching tasks. */
	hs_err (*tag_keys)(struct hs_store *s, const struct hs_query *q,
	                   hs_text_fn fn, void *arg);
	hs_err (*tag_values)(struct hs_store *s, const struct hs_query *q,
	                     const char *key, hs_text_fn fn, void *arg);
	/* The group new tasks join by default: that of the most recently
	 * scheduled task, else the lowest present, else 0; why says which. */
	hs_err (*active_group)(struct hs_store *s, int64_t *group, char *why,
	                       size_t len);
	/* --- the queue (hs server) --- */
	/* Hand out up to n unscheduled tasks of group (new ones first, or
	 * retries first when eager), stamping them with lease, in a transaction
	 * of its own; then fn sees the stamped tasks (not called for none). */
	hs_err (*schedule)(struct hs_store *s, int64_t group, int n, bool eager,
	                   const struct hs_lease *lease, hs_tasks_fn fn, void *arg);
	/* Store a result (cells of hs_proto_result_fields) from client_id if
	 * its schedule_time still matches and the task is unfinished. With
	 * attempts > 1 a failure gets a retry row copying args, group, cores,
	 * memory, timeout and tags. Call inside begin/commit. */
	hs_err (*complete)(struct hs_store *s, const struct hs_task *result,
	                   const char *client_id, const char *client_host,
	                   int attempts, struct hs_outcome *out);
	/* Un-schedule client_id's started-but-unfinished tasks (eviction);
	 * with schedule_time not NULL, only those of that one dispatch (one
	 * whose outcome is unknown: the database failed while scheduling).
	 * *n gets the count. */
	hs_err (*requeue)(struct hs_store *s, const char *client_id, const char *schedule_time,
	                  int64_t *n);
	/* Servers sharing the database: server id (listening on host:port)
	 * is alive; called every few seconds. */
	hs_err (*server_beat)(struct hs_store *s, const char *id, const char *host, int port);
	/* Re-queue the unfinished tasks of servers that are gone, and forget
	 * them: the one id replaces on host:port (it cannot be alive: id has
	 * the port), and every one not seen since cutoff (a timestamp). */
	hs_err (*recover)(struct hs_store *s, const char *id, const char *host, int port,
	                  const char *cutoff, int64_t *n);
	/* The client table: register (upsert, un-evicts) and disconnect. */
	hs_err (*client_connect)(struct hs_store *s, const char *id, const char *host,
	                         const char *server_id, const char *server_host);
	hs_err (*client_disconnect)(struct hs_store *s, const char *id, bool evicted);
	/* Both counts read indexes of only the tasks they count (waiting,
	 * running), never the group's finished tasks: the scheduler asks
	 * whenever it finds nothing to hand out. */
	hs_err (*group_state)(struct hs_store *s, int64_t group,
	                      struct hs_group_state *st);
	/* Tasks of group that failed with no retry left (a read of the
	 * failures): asked once a group is done, before moving on. */
	hs_err (*exhausted)(struct hs_store *s, int64_t group, int64_t *n);
	/* The lowest group above after holding unfinished tasks, or -1. */
	hs_err (*next_group)(struct hs_store *s, int64_t after, int64_t *group);
	/* Tasks not finished, in any group. */
	hs_err (*remaining)(struct hs_store *s, int64_t *n);
	/* Whether another connection changed the database since the last
	 * call (cheap: polled every few milliseconds while clients wait). */
	hs_err (*changed)(struct hs_store *s, bool *changed);
	/* Commits survive power loss (full), or only process crashes
	 * (relaxed: the server's choice, since what a crash loses there is
	 * re-run, never lost). A user's database.pragmas setting wins. */
	hs_err (*durability)(struct hs_store *s, bool full);
	/* hs initdb actions. */
	hs_err (*truncate)(struct hs_store *s);
	hs_err (*vacuum)(struct hs_store *s);
	hs_err (*backup)(struct hs_store *s, const char *path);
	/* Where the data lives, for messages ("/x/main.db"). */
	const char *(*describe)(struct hs_store *s);
};

struct hs_store {
	const struct hs_store_ops *ops;
};

enum hs_open_mode {
	HS_OPEN_READ,    /* must exist and be current; never written */
	HS_OPEN_WRITE,   /* must exist and be current */
	HS_OPEN_CREATE,  /* created with the current schema if missing */
	HS_OPEN_INIT,    /* as CREATE, and older schemas are migrated */
	HS_OPEN_EPHEMERAL, /* a new private file, not synced, deleted on close */
};

/* Open the database the configuration names. */
hs_err hs_store_open(struct hs_config *cfg, const struct hs_paths *paths,
                     enum hs_open_mode mode, struct hs_store **out);

/* Call fn with the task whose id is id. HS_EUSAGE for a malformed id,
 * HS_ENOTFOUND ("No task with id=...") when there is none. */
hs_err hs_store_get(struct hs_store *s, const char *id, hs_task_fn fn,
                    void *arg);

/* Close (s may be NULL). */
void hs_store_close(struct hs_store *s);

/* Backends. */
hs_err hs_store_sqlite_open(const char *path, struct hs_config *cfg,
                            enum hs_open_mode mode, struct hs_store **out);
/* PostgreSQL: database.host, port, database, schema, user, password (or
 * url), the ssl keys and connect_args, as libpq parameters. */
hs_err hs_store_pg_open(struct hs_config *cfg, enum hs_open_mode mode,
                        struct hs_store **out);

#endif
