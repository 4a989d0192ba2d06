/* taskline.h: one line of submitted input -> a task's args and directives.
 *
 * Pure. Rules (reference §1.7, with its comment bug fixed):
 *  - the line must be valid UTF-8, hold no NUL byte and be at most maxlen
 *    bytes; a trailing CR (CRLF input) is dropped;
 *  - a comment starts at a '#' that begins a word outside quotes, exactly
 *    where /bin/sh would see one, so `echo a#b` and `echo "#1"` are kept
 *    whole (the original cut both);
 *  - a comment "#HYPERSHELL[:] k:v k2 ..." carries tags; the reserved keys
 *    group, cores, memory (with units) and timeout set columns instead;
 *  - a line holding only such a directive applies it to following lines;
 *  - empty and comment-only lines give no task.
 */
#ifndef HS_TASKLINE_H
#define HS_TASKLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "tag.h"

/* Column settings from a directive; has_* says which were given. */
struct hs_taskopts {
	bool has_group, has_cores, has_memory, has_timeout;
	int64_t group, cores, memory, timeout;
};

struct hs_taskline {
	const char *args;      /* start of the command within the line */
	size_t argslen;        /* 0: no task on this line */
	bool has_directive;    /* a #HYPERSHELL comment was present */
	struct hs_tags tags;   /* its plain tags; caller frees with hs_tags_free */
	struct hs_taskopts opts;
};

/* Parse len bytes of line. out->tags is cleared, not freed, so one
 * hs_taskline can be reused for every line. HS_EINPUT or HS_ELIMIT with a
 * one-line message in err. */
hs_err hs_taskline_parse(const char *line, size_t len, size_t maxlen,
                         struct hs_taskline *out, char *err, size_t errlen);

/* Apply a reserved directive key (group, cores, memory, timeout) to opts.
 * Returns 1 if key is reserved (and was applied or failed), 0 if not. */
int hs_taskopts_apply(struct hs_taskopts *o, const struct hs_tag *t,
                      hs_err *e, char *err, size_t errlen);

/* Copy the options given in src over dst. */
void hs_taskopts_merge(struct hs_taskopts *dst, const struct hs_taskopts *src);

#endif
