/* hostlist.h: host patterns, as `hsx --ssh HOST`, ssh.nodelist and SLURM's
 * SLURM_JOB_NODELIST write them (reference: HyperShell v2.8 --ssh).
 *
 * A pattern is a comma-separated list of host names. A name may hold
 * bracket groups of numbers and ranges, "[00-04,08]", which expand in
 * order; several groups in one name form their cartesian product:
 *
 *   a[00-04,08].x,b[1-3]  ->  a00.x a01.x a02.x a03.x a04.x a08.x b1 b2 b3
 *   r[1-2]n[1-2]          ->  r1n1 r1n2 r2n1 r2n2
 *
 * Commas inside brackets separate items of the group; commas outside
 * separate names. A range or number whose first bound has a leading zero
 * is padded to that bound's width ("[08-10]" -> 08 09 10, "[8-10]" -> 8 9
 * 10). Whitespace around names, items and bounds is ignored; an empty name
 * or item is an error. Duplicates are kept, in order.
 *
 * Expanded names go on an ssh command line, so they are checked strictly:
 * 1-253 characters of A-Z a-z 0-9 . - _, not beginning with '-'.
 */
#ifndef HS_HOSTLIST_H
#define HS_HOSTLIST_H

#include <stddef.h>

#include "err.h"

#define HS_HOSTLIST_NAME_MAX 253       /* characters in one name (DNS) */
#define HS_HOSTLIST_MAX 100000         /* names one pattern may expand to */
#define HS_HOSTLIST_PATTERN_MAX 65536  /* bytes in one pattern */

struct hs_hostlist {
	char **hosts;  /* owned: n names, each owned and NUL-terminated */
	size_t n;      /* names held; 0 when empty */
};

/* Expand pattern into out, which is overwritten (not freed) first. Pure:
 * no I/O, no global state. The expansion is counted before anything is
 * allocated, so a pattern of more than max_hosts names fails at once.
 * Errors: HS_EINPUT for a malformed pattern or name, HS_ELIMIT for more
 * than max_hosts names or a pattern longer than HS_HOSTLIST_PATTERN_MAX,
 * HS_ENOMEM; with a one-line message in err (err may be NULL if errlen is
 * 0) and out left empty. */
hs_err hs_hostlist_parse(const char *pattern, size_t max_hosts,
                         struct hs_hostlist *out, char *err, size_t errlen);

/* hs_hostlist_parse with max_hosts HS_HOSTLIST_MAX; the message of an
 * error is recorded with hs_fail() and read back with hs_detail(). */
hs_err hs_hostlist_expand(const char *pattern, struct hs_hostlist *out);

/* Free every name and the array, and empty hl. Accepts NULL and an empty
 * (zeroed) list. */
void hs_hostlist_free(struct hs_hostlist *hl);

#endif
