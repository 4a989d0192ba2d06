/* client_monitor.c: hs client --monitor (reference §4.4 step 5).
 *
 * One timer, once a second, samples the process group of every running
 * task in a single pass over /proc (monitor.c), appends a line to the
 * task's <site lib>/task/<id>.csv, keeps the peaks that the result carries
 * as cores_max and memory_max, and warns once per task when the peaks
 * pass its cores or memory columns by more than 0.05 cores or 5 MB. When
 * the task is reaped, what wait4() reports is folded in too, so a task
 * shorter than one interval still gets its average cores and its largest
 * process's peak memory.
 *
 * CSV: header "time,cores,memory"; time in the database's timestamp form
 * (UTC with microseconds and offset, like start_time, so samples line up
 * with the task's row; HyperShell writes a naive local datetime); cores
 * with two decimals (CPU seconds over wall seconds of the interval, the
 * whole group); memory in bytes (resident, summed over the group).
 */
#include "client_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "site.h"

static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t
column(const struct job *j, int f)
{
	return j->t.f[f].null ? 0 : j->t.f[f].i;
}

/* Create the CSV with its header; without it the task still runs and its
 * peaks are still kept, only the samples are not written. */
void
monitor_start(struct client *cl, struct job *j)
{
	static const char header[] = "time,cores,memory\n";
	char name[HS_UUID_STRLEN + 8];
	int fd = -1;

	hs_monitor_begin(&j->mon, mono_us());
	snprintf(name, sizeof name, "%s.csv", j->t.f[HS_F_ID].s);
	if ((j->csvpath = hs_path_join(cl->o->taskdir, name)) == NULL)
		return;
	if ((fd = open(j->csvpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0 ||
	    write(fd, header, sizeof header - 1) != (ssize_t)(sizeof header - 1)) {
		log_warning("Task (%s): cannot write %s: %s (its samples are not kept)",
		            j->t.f[HS_F_ID].s, j->csvpath, strerror(errno));
		free(j->csvpath);
		j->csvpath = NULL;
	}
	if (fd >= 0)
		close(fd);
}

/* One line; the file is opened per sample, so no descriptor is held per
 * running task. */
static void
append(struct job *j, double cores, int64_t rss)
{
	char line[HS_TS_LEN + 64], ts[HS_TS_LEN + 1];
	int fd, n;

	if (j->csvpath == NULL)
		return;
	hs_ts_format(hs_now_us(), ts);
	n = snprintf(line, sizeof line, "%s,%.2f,%lld\n", ts, cores, (long long)rss);
	if ((fd = open(j->csvpath, O_WRONLY | O_APPEND | O_CLOEXEC)) < 0)
		return;   /* removed under us: not recreated without its header */
	if (write(fd, line, (size_t)n) != n)
		log_debug("Task (%s): writing %s: %s", j->t.f[HS_F_ID].s, j->csvpath, strerror(errno));
	close(fd);
}

static void
warn(struct job *j)
{
	int64_t cores = column(j, HS_F_CORES), memory = column(j, HS_F_MEMORY);
	int over = hs_monitor_over(&j->mon, cores, memory);

	if (over & HS_OVER_CORES)
		log_warning("Resource limit exceeded (%s): cores %.2f (used) > %lld (allocated)",
		            j->t.f[HS_F_ID].s, j->mon.cores_max, (long long)cores);
	if (over & HS_OVER_MEMORY)
		log_warning("Resource limit exceeded (%s): memory %.1f MB (used) > %.1f MB "
		            "(allocated)", j->t.f[HS_F_ID].s, (double)j->mon.memory_max / 1048576,
		            (double)memory / 1048576);
}

static void
sample(struct job *j, const struct hs_group_usage *u, int64_t now, long hz)
{
	double cores;

	if (u->nprocs == 0 || !hs_monitor_fold(&j->mon, now, u->ticks, u->rss, hz, &cores))
		return;
	log_trace("Task (%s): %d processes, cores %.2f, memory %lld bytes", j->t.f[HS_F_ID].s,
	          u->nprocs, cores, (long long)u->rss);
	append(j, cores, u->rss);
	warn(j);
}

void
monitor_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *cl = arg;
	struct hs_group_usage *g = NULL;
	struct job **jobs = NULL;
	size_t n = 0, max = (size_t)cl->nrunning;
	long hz = sysconf(_SC_CLK_TCK);
	int64_t now;

	if (max == 0)
		return;
	if ((g = calloc(max, sizeof *g)) == NULL || (jobs = calloc(max, sizeof *jobs)) == NULL)
		goto out;
	for (int i = 0; i < cl->o->slots && n < max; i++)
		if (cl->slots[i] != NULL && cl->slots[i]->pid > 0) {   /* not expanding */
			jobs[n] = cl->slots[i];
			g[n++].pgrp = cl->slots[i]->pid;   /* the leader of its own group */
		}
	if (hs_monitor_scan(NULL, g, n) != HS_OK) {
		log_debug("Monitoring: %s", hs_detail());
		goto out;
	}
	now = mono_us();
	for (size_t i = 0; i < n; i++)
		sample(jobs[i], &g[i], now, hz);
out:
	free(g);
	free(jobs);
}

static double
seconds_of(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

void
monitor_reaped(struct job *j, const struct rusage *ru)
{
	double cpu = seconds_of(ru->ru_utime) + seconds_of(ru->ru_stime);
	double wall = (double)(hs_now_us() - j->start_us) / 1e6;

	/* ru_maxrss is in KiB on Linux */
	hs_monitor_final(&j->mon, cpu, wall, (int64_t)ru->ru_maxrss * 1024);
	warn(j);
}
