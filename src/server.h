/* server.h: hs server, the queue's hub.
 *
 * One libevent loop serves every client connection: TLS and the mutual
 * key proof first (under a deadline and a small frame cap), then the
 * client pulls work with REQUEST and returns RESULTS. Tasks come from the
 * store in groups, new ones first (retries first when eager); results are
 * written in batches, one transaction each, and acknowledged only once
 * committed. A client silent for `evict` seconds is evicted and its
 * unfinished tasks re-queued; a server restart re-queues what a previous
 * one left running.
 */
#ifndef HS_SERVER_H
#define HS_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "store.h"
#include "tls.h"

struct hs_server_opts {
	const char *bind;           /* address to listen on */
	int port;
	const char *key;            /* the shared key (secret; never logged) */
	bool tls;                   /* TLS on */
	struct hs_tls_config tlscfg;
	struct hs_store *store;
	int bundlesize;             /* tasks per BUNDLE message */
	double bundlewait;          /* unused by the pull protocol; kept for parity */
	double poll;                /* longest wait between full scheduling scans */
	int attempts;               /* max retries + 1 */
	bool eager;                 /* retries before new tasks */
	bool forever;               /* keep serving when everything is done */
	bool no_confirm;            /* clients skip CONFIRM */
	FILE *failures;             /* args of failed tasks go here, or NULL */
	double evict;               /* silence before a client is evicted */
	int crash_limit;            /* lost clients a task may run on; 0: no limit */
	double heartrate;           /* heartbeat interval asked of clients */
	uint32_t frame_max;         /* frame cap after authentication */
	int max_connections;
	int max_pending;            /* connections still in the handshake */
	double handshake_timeout;
	double status_interval;
	int64_t submitted;          /* tasks this run submitted itself (--no-db input) */
	int port_probe;             /* if the port is taken, try this many after it */
	const struct hs_server_hooks *hooks;   /* for an embedding (hsx), or NULL */
};

struct server;   /* the running server, opaque outside server*.c */

/* How a program that embeds the server (hsx) takes part in its loop. */
struct hs_server_hooks {
	void *arg;
	/* Listening on port: start the clients. An error stops the server. */
	hs_err (*ready)(void *arg, struct server *srv, int port);
	/* True while this process still adds tasks: the work is not done. */
	bool (*adding)(void *arg);
	/* About once a second. */
	void (*tick)(void *arg, struct server *srv);
};

/* What a run did (so far), for a caller's summary or autoscaler. */
struct hs_server_result {
	int64_t completed, failed, retried;
	double seconds;             /* since the server started */
	double task_seconds;        /* summed run time of the completed tasks */
	bool signalled;             /* a signal asked it to stop */
	bool interrupted;           /* stopped by a second signal, clients not drained */
};

/* Progress so far, for hooks. */
void hs_server_progress(const struct server *srv, struct hs_server_result *res);

/* Stop handing out work and exit once clients have finished, with this
 * exit code; why is logged. For hooks. */
void hs_server_stop(struct server *srv, const char *why, int exit_code);

/* Clients connected and authenticated now. */
int hs_server_clients(const struct server *srv);

/* The event loop, for hooks that watch their own events. */
struct event_base *hs_server_base(struct server *srv);

/* Serve until the work is done (or forever) or a signal says stop.
 * *exit_code gets the process exit code when it returns HS_OK; *res
 * (may be NULL) what the run did. */
hs_err hs_server_run(const struct hs_server_opts *o, int *exit_code,
                     struct hs_server_result *res);

#endif
