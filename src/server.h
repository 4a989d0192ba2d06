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
	double heartrate;           /* heartbeat interval asked of clients */
	uint32_t frame_max;         /* frame cap after authentication */
	int max_connections;
	int max_pending;            /* connections still in the handshake */
	double handshake_timeout;
	double status_interval;
	int64_t submitted;          /* tasks this run submitted itself (--no-db input) */
};

/* Serve until the work is done (or forever) or a signal says stop.
 * *exit_code gets the process exit code when it returns HS_OK. */
hs_err hs_server_run(const struct hs_server_opts *o, int *exit_code);

#endif
