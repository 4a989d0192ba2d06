/* server_int.h: state shared by server.c (connections, handshake) and
 * server_work.c (scheduling, results, shutdown). Not for other modules. */
#ifndef HS_SERVER_INT_H
#define HS_SERVER_INT_H

#include <event2/event.h>
#include <event2/listener.h>

#include "auth.h"
#include "buf.h"
#include "conn.h"
#include "crash.h"
#include "handshake.h"
#include "server.h"
#include "uuid.h"

#define SERVER_MAX_LISTENERS 8
#define SERVER_WATCH_MS 20        /* how often waiting clients' work is looked for */
#define SERVER_FLUSH_MS 20        /* results wait at most this long to be written */
#define SERVER_FLUSH_MAX 2000     /* ...or until this many are waiting */
#define SERVER_SCHEDULE_MAX 1000  /* most tasks handed to one client per pass */
#define SERVER_BEAT_MS 2000       /* how often a server says it is alive */
#define DB_RETRY_MIN_MS 250       /* first retry of results the database refused */
#define DB_RETRY_MAX_MS 30000

enum session_state { S_TLS, S_HELLO, S_AUTH, S_READY };

struct server;

/* One connection. */
struct session {
	struct server *srv;
	struct hs_conn *conn;             /* NULL once the connection is gone */
	enum session_state state;
	struct hs_handshake hs;           /* until READY */
	char client_id[HS_UUID_STRLEN + 1];
	char host[256];
	int slots;                        /* 0: a submitter (SUBMIT only) */
	int want;                         /* tasks asked for, not yet sent */
	int64_t running;                  /* tasks handed out, not yet finished */
	int64_t last_ms;                  /* monotonic time of the last frame */
	int64_t last_beat_ms;             /* when we last sent a heartbeat */
	bool drained;                     /* DRAIN sent */
	bool bye;                         /* the client said BYE */
	bool evicted;                     /* closed by eviction (already handled) */
	bool reported;                    /* why it closes is already logged */
	struct event *deadline;           /* handshake deadline; owned */
	struct hs_idset started;          /* tasks it started, not yet finished */
	struct session *prev, *next;
};

/* A client whose connection dropped without BYE: evicted if it does not
 * come back within evict seconds. */
struct gone {
	char client_id[HS_UUID_STRLEN + 1];
	char host[256];
	int64_t since_ms;
	struct hs_idset started;          /* moved from its session */
	struct gone *next;
};

/* Results waiting to be written, as they came from one client. */
struct pending {
	struct session *sess;             /* NULL if the session has gone */
	char client_id[HS_UUID_STRLEN + 1];
	char host[256];
	struct hs_msg_tasks msg;          /* owned */
	int accepted;                     /* stored in the current attempt */
	struct pending *next;
};

/* A dispatch whose outcome is unknown: the database failed while it was
 * scheduled (PostgreSQL may have committed some of it before going away),
 * so its tasks may be stamped to a client that never got them. */
struct unlease {
	char client_id[HS_UUID_STRLEN + 1];
	char schedule_time[HS_TS_LEN + 1];
	struct unlease *next;
};

struct server_stats {
	int64_t tls_failures, auth_failures, oversize, refused, timeouts;
	int64_t sent, completed, failed, retried, refused_results;
	int64_t submitted;                 /* tasks stored from submitters */
	double task_seconds;               /* run time of the completed tasks */
};

struct server {
	const struct hs_server_opts *o;
	struct event_base *base;
	SSL_CTX *ctx;                      /* NULL without TLS */
	struct evconnlistener *lis[SERVER_MAX_LISTENERS];
	int nlis;
	struct session *sessions;          /* every connection */
	int nsessions, npending;           /* all, and those before READY */
	struct gone *gone;
	struct pending *results, **results_tail;
	int nresults;                      /* results waiting to be written */
	struct unlease *unleases;          /* failed dispatches to undo */
	struct hs_crashes crashes;         /* tasks that were running on evicted clients */
	char server_id[HS_UUID_STRLEN + 1];
	char host[256];
	int port;                          /* the port listened on */
	int64_t group;                     /* the active group */
	struct event *watch, *tick, *flush, *sigint, *sigterm;
	struct event *resume;              /* accepting again after EMFILE */
	int64_t accept_backoff_ms;
	bool accept_paused_logged;
	int64_t next_scan_ms, scan_backoff_ms, last_status_ms, start_ms;
	bool flush_armed;
	bool draining;                     /* no new work: finish and exit */
	bool done;                         /* draining because all work is done */
	bool adding;                       /* the embedding still adds tasks */
	int64_t last_beat_ms;              /* when we last beat in the server table */
	int64_t db_down_ms;                /* when the database went away, or 0 */
	int64_t db_backoff_ms;             /* the current wait before writing again */
	int signals;
	int exit_code;
	double cpu0;                       /* CPU seconds used before serving began */
	struct server_stats st;
	/* what a flush reports once it has committed (a failed flush is
	 * retried, and must not report twice) */
	struct hs_buf failed_args;         /* args of failed tasks, a line each */
	struct hs_buf warnings;            /* log lines, NUL-separated */
};

/* server.c */
#define IS_SUBMITTER(s) ((s)->slots == 0)
void session_drain(struct session *s);
void server_stop_listening(struct server *srv);

/* server_work.c */
void work_request(struct session *s, int want);
/* A client that left without BYE and was not evicted yet. */
bool work_client_known(struct server *srv, const char *client_id);
void work_results(struct session *s, struct hs_msg_tasks *msg);
void work_started(struct session *s, const struct hs_msg_ids *m);
void work_submit(struct session *s, struct hs_msg_tasks *msg);
void work_session_gone(struct session *s);
void work_schedule(struct server *srv);
void work_tick(struct server *srv);
void work_flush(struct server *srv);
bool work_unlease(struct server *srv);
hs_err work_start(struct server *srv);
void work_begin_drain(struct server *srv, const char *why);
void work_maybe_exit(struct server *srv);
void work_summary(struct server *srv);
void work_db_down(struct server *srv, const char *what);
void work_db_up(struct server *srv);

#endif
