/* monitor.h: what a task's processes use, read from /proc (hs client
 * --monitor; reference §4.4 step 5).
 *
 * A task runs in a process group of its own (exec.h), so its usage is the
 * sum over every process whose /proc/<pid>/stat names that group (HyperShell
 * walks the `sh`'s live descendants with psutil, which loses re-parented
 * helpers and finished children): CPU time in clock ticks (utime + stime
 * of the live processes, plus cutime + cstime, the time of children they
 * already waited for, so a shell's finished commands still count) and
 * resident memory (RSS; pages shared between the processes count once per
 * process, as in `ps`). A process that leaves the group (setsid, setpgid)
 * is no longer counted.
 *
 * Three layers: hs_procstat_parse reads one stat line (pure, bounded,
 * fuzzed); hs_monitor_scan sums it over /proc for several groups in one
 * pass (I/O); hs_monitor_fold and friends turn samples into a rate, peaks
 * and once-only warnings (pure).
 */
#ifndef HS_MONITOR_H
#define HS_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define HS_PROCSTAT_MAX 4096            /* bytes of one stat line */
#define HS_PROCSTAT_COMM_MAX 64         /* bytes of comm kept (the kernel's is 64 at most) */
#define HS_MONITOR_INTERVAL_US 1000000  /* sampling period */
#define HS_MONITOR_MIN_US 500000        /* shortest interval a rate is taken over */
#define HS_MONITOR_CORES_TOL 0.05       /* cores over the allocation before a warning */
#define HS_MONITOR_MEMORY_TOL (5 << 20) /* bytes over the allocation before a warning */

/* The fields of one /proc/<pid>/stat line that monitoring uses. */
struct hs_procstat {
	int64_t pid;                           /* field 1, > 0 */
	char comm[HS_PROCSTAT_COMM_MAX + 1];   /* field 2 without its parentheses: raw
	                                        * bytes, truncated, NUL-terminated */
	char state;                            /* field 3: a letter (R, S, Z, ...) */
	int64_t ppid, pgrp;                    /* fields 4, 5 (>= 0) */
	int64_t utime, stime;                  /* fields 14, 15: clock ticks (>= 0) */
	int64_t cutime, cstime;                /* fields 16, 17: waited-for children's */
	int64_t rss;                           /* field 24: resident pages (>= 0) */
};

/* Parse one stat line of len bytes (no NUL needed; one trailing newline is
 * allowed). comm may hold any bytes, spaces and ')' included, so it ends
 * at the LAST ')'. Fields after rss are ignored. Pure. HS_ELIMIT when len
 * is over HS_PROCSTAT_MAX, HS_EINPUT when malformed (a NUL byte, no
 * "(comm)", a missing, non-numeric, negative or out-of-range field), with
 * a one-line message in err (err may be NULL when errlen is 0); *out is
 * then unspecified. */
hs_err hs_procstat_parse(const char *line, size_t len, struct hs_procstat *out,
                         char *err, size_t errlen);

/* One process group's usage, summed by hs_monitor_scan. */
struct hs_group_usage {
	int64_t pgrp;     /* in: the group */
	int64_t ticks;    /* out: utime + stime + cutime + cstime, clock ticks */
	int64_t rss;      /* out: resident bytes */
	int nprocs;       /* out: processes found in the group */
};

/* Sum usage for the n groups of g (any order; a pgrp listed twice gets
 * counted in the first entry only) in one pass over procdir ("/proc" when
 * NULL). Processes that vanish or whose stat does not parse are skipped.
 * HS_EIO (hs_fail) if procdir cannot be listed, HS_ENOMEM. */
hs_err hs_monitor_scan(const char *procdir, struct hs_group_usage *g, size_t n);

/* Per task: the last sample, the peaks, which warnings were given. */
struct hs_monitor_track {
	int64_t last_us;       /* monotonic time of the last sample (or the start) */
	int64_t last_ticks;    /* the group's CPU ticks then */
	double cores_max;      /* highest cores over one interval */
	int64_t memory_max;    /* highest resident bytes */
	int samples;           /* samples folded in */
	bool warned_cores, warned_memory;
};

/* A task started at now_us (its processes have used no CPU yet). */
void hs_monitor_begin(struct hs_monitor_track *t, int64_t now_us);

/* Fold a sample (the group's ticks and rss at now_us; hz ticks a second)
 * into t; *cores gets the rate over the interval since the last one: CPU
 * seconds / wall seconds, 0 when the ticks went down (a process left the
 * group). Returns false and changes nothing when less than
 * HS_MONITOR_MIN_US passed, so a clock tick never looks like many cores. */
bool hs_monitor_fold(struct hs_monitor_track *t, int64_t now_us, int64_t ticks,
                     int64_t rss, long hz, double *cores);

/* Fold what wait4() reports at the end: CPU seconds over the task's wall
 * seconds (an average, which counts tasks too short to be sampled: a
 * 3 ms `echo` that ran 1 ms reads 0.33) and the largest single process's
 * peak resident bytes. */
void hs_monitor_final(struct hs_monitor_track *t, double cpu_seconds, double wall_seconds,
                      int64_t maxrss);

enum { HS_OVER_CORES = 1, HS_OVER_MEMORY = 2 };

/* Which of the allocations (cores, memory bytes; <= 0: none) the peaks now
 * exceed by more than the tolerances, each reported once per task: a mask
 * of HS_OVER_*. */
int hs_monitor_over(struct hs_monitor_track *t, int64_t cores, int64_t memory);

#endif
