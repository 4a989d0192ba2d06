/* crash.h: the crash limit's bookkeeping, pure data structures.
 *
 * A client tells the server which tasks it started (STARTED). When a
 * client is evicted (lost, not back in time) each task it had started and
 * not finished counts one crash; a task at the limit is finished as
 * failed (HS_STATUS_CRASHED) instead of being re-queued, so a task that
 * kills its client (or its node) cannot take down client after client.
 * Tasks only received (prefetched) never count. */
#ifndef HS_CRASH_H
#define HS_CRASH_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "uuid.h"

/* A small set of task ids (a client's started, unfinished tasks: at most
 * its slots, so a linear scan is the right size). */
struct hs_idset {
	char (*ids)[HS_UUID_STRLEN + 1];
	size_t n, cap;
};

hs_err hs_idset_add(struct hs_idset *s, const char *id);
bool hs_idset_del(struct hs_idset *s, const char *id);
/* dst takes src's ids (dst's own are dropped); src ends empty. */
void hs_idset_move(struct hs_idset *dst, struct hs_idset *src);
void hs_idset_free(struct hs_idset *s);

/* Crash counts by task id: only tasks that were running on a lost client. */
struct hs_crashes {
	struct hs_crash { char id[HS_UUID_STRLEN + 1]; int n; } *v;
	size_t n, cap;
};

/* Count one more crash of id; the new count, or -1 without memory. */
int hs_crashes_add(struct hs_crashes *c, const char *id);
void hs_crashes_free(struct hs_crashes *c);

#endif
