/* client_int.h: state shared by client.c (connection, protocol) and
 * client_jobs.c (running tasks, results). Not for other modules. */
#ifndef HS_CLIENT_INT_H
#define HS_CLIENT_INT_H

#include <event2/event.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "auth.h"
#include "client.h"
#include "conn.h"
#include "handshake.h"
#include "monitor.h"
#include "task.h"
#include "timestamp.h"
#include "uuid.h"

/* How long a result waits for company with bundlesize 1 (see
 * client_send_results). */
#define CLIENT_LINGER_MS 5

enum client_state { C_OFF, C_CONNECTING, C_HELLO, C_AUTH, C_READY };

/* A task from a bundle: its cells and the strings they point into. */
struct job {
	struct hs_task t;
	char *mem;                       /* owned: the cells' strings */
	pid_t pid;                       /* 0 until started */
	int slot;                        /* 0-based execution slot */
	int64_t start_us;
	char start[HS_TS_LEN + 1];
	char *command;                   /* owned: the expanded command */
	char *outpath, *errpath;         /* owned: capture files, or NULL */
	char *csvpath;                   /* owned: --monitor samples, or NULL */
	struct hs_monitor_track mon;     /* --monitor: the last sample and the peaks */
	int kill_stage;                  /* 0 none, 1 INT, 2 TERM, 3 KILL, 4 given up */
	struct event *timer;             /* timeout escalation; owned */
	pid_t expander;                  /* > 0 while {% %} expands in a child */
	struct event *exp_ev;            /* its pipe; owned (with exp_fd) */
	int exp_fd;
	struct hs_buf exp;               /* what it wrote so far */
	struct client *cl;
	struct job *next;
};

/* A finished task's result, kept until the server acknowledges it. */
struct result {
	struct hs_task t;
	char *mem;                       /* owned */
	bool sent;                       /* in a RESULTS message on this connection */
	struct result *next;
};

struct client {
	const struct hs_client_opts *o;
	struct event_base *base;
	SSL_CTX *ctx;
	int keeper;                      /* pipe to the task keeper, or -1 */
	struct hs_tls_config tls;        /* o->tlscfg, or what we trust since */
	struct hs_conn *conn;            /* NULL while disconnected */
	enum client_state state;
	char client_id[HS_UUID_STRLEN + 1];
	char host[256];
	struct hs_handshake hs;          /* the current connection's, until READY */
	uint32_t frame_max;
	/* work */
	struct job *queue, **queue_tail; /* received, not started */
	int nqueue;
	struct job **slots;              /* running, by slot; owned array */
	int nrunning;
	int asked;                       /* tasks requested, not yet received */
	int depth;                       /* rounds of slots kept on hand (2..64) */
	bool starved;                    /* a slot sat idle waiting for work */
	int64_t cores_used, memory_used;
	int64_t next_start_us;           /* rate limit: earliest next start */
	struct job *abandoned;           /* given up on; reaped if they ever exit */
	/* results */
	struct result *results;          /* unacknowledged, oldest first */
	struct result **results_tail;
	int unsent;
	/* lifecycle */
	bool draining;                   /* take no new work */
	bool interrupt;                  /* also stop running tasks (SIGUSR2, SIGINT) */
	bool fatal;                      /* a permanent error: do not reconnect */
	bool stopping;                   /* tearing down: connection loss is expected */
	bool welcomed;                   /* the server accepted us at least once */
	double cpu0;                     /* CPU seconds used before serving began */
	int64_t lost_ms;                 /* when the connection was lost (0: not lost) */
	int64_t backoff_ms;
	int64_t last_work_ms;            /* last time there was work (idle timeout) */
	int64_t last_beat_ms;            /* last heartbeat sent */
	int64_t heard_ms;                /* last frame from the server */
	double srv_heartrate, srv_evict; /* from WELCOME */
	struct event *tick, *retry, *flush, *startev, *outev, *sig[5];
	struct event *linger;            /* STARTED waits no longer than CLIENT_LINGER_MS */
	struct event *monev;             /* --monitor: one 1 s timer for every running task */
	/* output gathered during one loop iteration, sent once by outev */
	struct hs_buf confirm;           /* ids to confirm, NUL-separated */
	int nconfirm;
	struct hs_buf started;           /* ids of started tasks to report, NUL-separated */
	int nstarted;
	bool started_due;                /* the linger is over: send STARTED now */
	int srv_minor;                   /* the server's protocol minor version */
	bool want_request, want_results;
	int signals;
	int exit_code;
	int64_t ran, failed;
};

/* client.c */
void client_request(struct client *cl);
void client_starved(struct client *cl);
void client_send_results(struct client *cl);
void client_started(struct client *cl, const char *id);
void client_maybe_done(struct client *cl);

/* client_jobs.c */
void jobs_add(struct client *cl, const struct hs_task *tasks, size_t n);
void jobs_start(struct client *cl);
/* Connected, and the server was heard from lately: queued tasks may start. */
bool client_server_fresh(const struct client *cl);
/* Silent for most of the server's eviction time. */
bool client_maybe_evicted(const struct client *cl);
void jobs_start_cb(evutil_socket_t fd, short what, void *arg);  /* rate-limit timer */
void jobs_reap(struct client *cl);
void jobs_interrupt(struct client *cl);
void jobs_ack(struct client *cl, const char *const *ids, size_t n);
void jobs_free_all(struct client *cl);
int jobs_outstanding(const struct client *cl);
int jobs_drop_queued(struct client *cl);  /* not started; the server re-queues them */

/* client_monitor.c (--monitor) */
void monitor_start(struct client *cl, struct job *j);     /* j was just spawned */
void monitor_cb(evutil_socket_t fd, short what, void *arg);  /* the 1 s timer: cl */
void monitor_reaped(struct job *j, const struct rusage *ru);    /* j ended */

#endif
