/* liveq.h: hs submit -q: new tasks go to a running server over the queue
 * protocol instead of into the database. We authenticate as a submitter
 * (a peer with no slots, docs/protocol.md section 7.14); the server stores
 * each SUBMIT in one transaction of its own database (or of its memory,
 * with --no-db) and only then acknowledges it.
 *
 * Blocking: each call runs a private event loop until the server has
 * answered or the timeout passes. A batch is never sent twice: if the
 * connection drops before the ACK, the caller hears so and the tasks count
 * as not submitted (they may or may not have been stored).
 */
#ifndef HS_LIVEQ_H
#define HS_LIVEQ_H

#include <stdbool.h>

#include "err.h"
#include "task.h"
#include "tls.h"

struct hs_liveq_opts {
	const char *host;
	int port;
	const char *key;
	bool tls;
	struct hs_tls_config tlscfg;
	double timeout;            /* seconds to connect, or to wait for an answer */
};

struct hs_liveq;

/* Connect and authenticate. */
hs_err hs_liveq_open(const struct hs_liveq_opts *o, struct hs_liveq **out);

/* Keep a copy of t (a new task: the SUBMIT fields) for the next commit.
 * A null group means the server's active group. */
hs_err hs_liveq_add(struct hs_liveq *q, const struct hs_task *t);

/* Send what was added and wait until the server has stored all of it.
 * Reconnects first if the server closed an idle connection. */
hs_err hs_liveq_commit(struct hs_liveq *q);

/* Forget what was added since the last commit. */
void hs_liveq_discard(struct hs_liveq *q);

/* Say goodbye and free (q may be NULL). */
void hs_liveq_close(struct hs_liveq *q);

#endif
