/* feeder.h: tasks from a file or stdin stored by a thread of their own,
 * on their own database connection, while the server already serves
 * them (hs server FILE, hsx). */
#ifndef HS_FEEDER_H
#define HS_FEEDER_H

#include <stdbool.h>
#include <stdint.h>

#include "submit.h"

struct hs_feeder;

/* Start reading fd ("name" in messages) into store, which the feeder
 * owns from now on (closed by hs_feeder_stop, even on error). o->store
 * is ignored. */
hs_err hs_feeder_start(const struct hs_submit_opts *o, struct hs_store *store, int fd,
                       const char *name, struct hs_feeder **out);

/* True until every line is stored (or storing failed). */
bool hs_feeder_running(const struct hs_feeder *f);

/* Tasks stored so far; lines rejected. */
int64_t hs_feeder_count(const struct hs_feeder *f);
int64_t hs_feeder_rejected(const struct hs_feeder *f);

/* Stop (cancelling the thread if it still reads), close the store and
 * free. Returns how storing ended. f may be NULL. */
hs_err hs_feeder_stop(struct hs_feeder *f);

#endif
