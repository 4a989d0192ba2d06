/* monitor.c: process-group usage from /proc/<pid>/stat (see monitor.h). */
#include "monitor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* --- one stat line (pure) ---------------------------------------------------- */

#define FIELD_LAST 24   /* rss: the last field we need */

static const char *const field_names[FIELD_LAST + 1] = {
	[1] = "pid", [3] = "state", [4] = "ppid", [5] = "pgrp", [6] = "session",
	[7] = "tty_nr", [8] = "tpgid", [9] = "flags", [10] = "minflt", [11] = "cminflt",
	[12] = "majflt", [13] = "cmajflt", [14] = "utime", [15] = "stime", [16] = "cutime",
	[17] = "cstime", [18] = "priority", [19] = "nice", [20] = "num_threads",
	[21] = "itrealvalue", [22] = "starttime", [23] = "vsize", [24] = "rss",
};

static hs_err
bad(char *err, size_t errlen, int field, const char *why)
{
	if (errlen > 0 && field > 0 && field <= FIELD_LAST)
		snprintf(err, errlen, "stat field %d (%s): %s", field, field_names[field], why);
	else if (errlen > 0)
		snprintf(err, errlen, "stat line: %s", why);
	return HS_EINPUT;
}

/* A decimal integer, optionally negative, that fits int64_t. */
static bool
integer(const char *s, size_t n, int64_t *out)
{
	size_t i = n > 0 && s[0] == '-';
	int64_t v = 0;
	int d;

	if (i == n)
		return false;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		d = s[i] - '0';
		if (v > (INT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = s[0] == '-' ? -v : v;
	return true;
}

/* An integer of any size (a field we only check), optionally negative. */
static bool
digits(const char *s, size_t n)
{
	size_t i = n > 0 && s[0] == '-';

	if (i == n)
		return false;
	for (; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* The field at *p, which must be " token"; *p moves past it. NULL, or
 * why there is none. */
static const char *
next_field(const char **p, const char *end, const char **tok, size_t *n)
{
	const char *q = *p;

	if (q >= end || (*q == ' ' && q + 1 >= end))
		return "missing (truncated line)";
	if (*q != ' ')
		return "expected one space before it";
	*tok = ++q;
	while (q < end && *q != ' ')
		q++;
	*n = (size_t)(q - *tok);
	*p = q;
	return *n > 0 ? NULL : "empty (two spaces)";
}

/* Where a used field goes, or NULL for a field only checked. */
static int64_t *
slot_of(struct hs_procstat *o, int field)
{
	switch (field) {
	case 4: return &o->ppid;
	case 5: return &o->pgrp;
	case 14: return &o->utime;
	case 15: return &o->stime;
	case 16: return &o->cutime;
	case 17: return &o->cstime;
	case 24: return &o->rss;
	default: return NULL;
	}
}

/* Fields 3..24 from p (just after comm's ')') to end. */
static hs_err
fields(const char *p, const char *end, struct hs_procstat *o, char *err, size_t errlen)
{
	const char *tok, *why;
	size_t n;
	int64_t *slot;

	for (int f = 3; f <= FIELD_LAST; f++) {
		if ((why = next_field(&p, end, &tok, &n)) != NULL)
			return bad(err, errlen, f, why);
		if (f == 3) {
			if (n != 1 || !((*tok >= 'A' && *tok <= 'Z') || (*tok >= 'a' && *tok <= 'z')))
				return bad(err, errlen, f, "expected one letter");
			o->state = *tok;
		} else if ((slot = slot_of(o, f)) != NULL) {
			if (!integer(tok, n, slot))
				return bad(err, errlen, f, "expected a number that fits 64 bits");
			if (*slot < 0)
				return bad(err, errlen, f, "negative");
		} else if (!digits(tok, n)) {
			return bad(err, errlen, f, "expected a number");
		}
	}
	return HS_OK;
}

hs_err
hs_procstat_parse(const char *line, size_t len, struct hs_procstat *out, char *err,
                  size_t errlen)
{
	const char *lp, *rp, *end = line + len;
	size_t n;

	if (errlen > 0)
		err[0] = '\0';
	memset(out, 0, sizeof *out);
	if (len > HS_PROCSTAT_MAX) {
		if (errlen > 0)
			snprintf(err, errlen, "stat line: longer than %d bytes", HS_PROCSTAT_MAX);
		return HS_ELIMIT;
	}
	if (memchr(line, '\0', len) != NULL)
		return bad(err, errlen, 0, "holds a NUL byte");
	if (len > 0 && line[len - 1] == '\n')
		end--;
	/* comm is "(" after the pid up to the last ")": it may hold both */
	if ((lp = memchr(line, '(', (size_t)(end - line))) == NULL ||
	    (rp = memrchr(line, ')', (size_t)(end - line))) == NULL || rp < lp)
		return bad(err, errlen, 0, "no (comm) after the pid");
	if (lp < line + 2 || lp[-1] != ' ' || !integer(line, (size_t)(lp - 1 - line), &out->pid) ||
	    out->pid <= 0)
		return bad(err, errlen, 1, "expected a positive number, then \" (\"");
	n = (size_t)(rp - lp - 1);
	n = n > HS_PROCSTAT_COMM_MAX ? HS_PROCSTAT_COMM_MAX : n;
	memcpy(out->comm, lp + 1, n);
	out->comm[n] = '\0';
	return fields(rp + 1, end, out, err, errlen);
}

/* --- a pass over /proc ---------------------------------------------------------- */

struct key {
	int64_t pgrp;
	size_t i;   /* index into the caller's array */
};

static int
by_pgrp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;

	if (x->pgrp != y->pgrp)
		return x->pgrp < y->pgrp ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static int64_t
sat_add(int64_t a, int64_t b)
{
	return a > INT64_MAX - b ? INT64_MAX : a + b;
}

/* Read <procdir>/<name>/stat into buf (at most HS_PROCSTAT_MAX bytes);
 * its length, or -1 when it is gone, unreadable or too long. */
static ssize_t
read_stat(const char *procdir, const char *name, char *buf)
{
	char path[PATH_MAX];
	ssize_t r, len = 0;
	int fd;

	if ((size_t)snprintf(path, sizeof path, "%s/%s/stat", procdir, name) >= sizeof path ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	while (len <= HS_PROCSTAT_MAX &&
	       (r = read(fd, buf + len, (size_t)(HS_PROCSTAT_MAX + 1 - len))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			len = -1;
			break;
		}
		len += r;
	}
	close(fd);
	return len > HS_PROCSTAT_MAX ? -1 : len;
}

static bool
numeric(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Add one process to its group in keys, if listed. */
static void
account(const struct hs_procstat *ps, const struct key *keys, size_t n,
        struct hs_group_usage *g, int64_t pagesize)
{
	struct hs_group_usage *u;
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {   /* the first key with this pgrp */
		mid = lo + (hi - lo) / 2;
		if (keys[mid].pgrp < ps->pgrp)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == n || keys[lo].pgrp != ps->pgrp)
		return;
	u = &g[keys[lo].i];
	u->ticks = sat_add(u->ticks, sat_add(sat_add(ps->utime, ps->stime),
	                                     sat_add(ps->cutime, ps->cstime)));
	u->rss = sat_add(u->rss, ps->rss > INT64_MAX / pagesize ? INT64_MAX : ps->rss * pagesize);
	u->nprocs++;
}

hs_err
hs_monitor_scan(const char *procdir, struct hs_group_usage *g, size_t n)
{
	char buf[HS_PROCSTAT_MAX + 1];
	struct hs_procstat ps;
	struct key *keys;
	struct dirent *d;
	DIR *dir;
	ssize_t len;
	long page = sysconf(_SC_PAGESIZE);

	procdir = procdir ? procdir : "/proc";
	for (size_t i = 0; i < n; i++)
		g[i].ticks = g[i].rss = g[i].nprocs = 0;
	if (n == 0)
		return HS_OK;
	if ((keys = calloc(n, sizeof *keys)) == NULL)
		return HS_ENOMEM;
	for (size_t i = 0; i < n; i++)
		keys[i] = (struct key){g[i].pgrp, i};
	qsort(keys, n, sizeof *keys, by_pgrp);
	if ((dir = opendir(procdir)) == NULL) {
		free(keys);
		return hs_fail(HS_EIO, "cannot list %s: %s", procdir, strerror(errno));
	}
	while ((d = readdir(dir)) != NULL) {
		if (!numeric(d->d_name) || (len = read_stat(procdir, d->d_name, buf)) < 0 ||
		    hs_procstat_parse(buf, (size_t)len, &ps, NULL, 0) != HS_OK)
			continue;
		account(&ps, keys, n, g, page > 0 ? page : 4096);
	}
	closedir(dir);
	free(keys);
	return HS_OK;
}

/* --- rates, peaks, warnings (pure) --------------------------------------------- */

void
hs_monitor_begin(struct hs_monitor_track *t, int64_t now_us)
{
	memset(t, 0, sizeof *t);
	t->last_us = now_us;
}

bool
hs_monitor_fold(struct hs_monitor_track *t, int64_t now_us, int64_t ticks, int64_t rss,
                long hz, double *cores)
{
	int64_t dt = now_us - t->last_us, dticks = ticks - t->last_ticks;

	*cores = 0;
	if (dt < HS_MONITOR_MIN_US || hz <= 0)
		return false;
	if (dticks > 0)
		*cores = ((double)dticks / (double)hz) / ((double)dt / 1e6);
	t->last_us = now_us;
	t->last_ticks = ticks;
	if (*cores > t->cores_max)
		t->cores_max = *cores;
	if (rss > t->memory_max)
		t->memory_max = rss;
	t->samples++;
	return true;
}

void
hs_monitor_final(struct hs_monitor_track *t, double cpu_seconds, double wall_seconds,
                 int64_t maxrss)
{
	double avg = wall_seconds > 0 && cpu_seconds > 0 ? cpu_seconds / wall_seconds : 0;

	if (avg > t->cores_max)
		t->cores_max = avg;
	if (maxrss > t->memory_max)
		t->memory_max = maxrss;
}

int
hs_monitor_over(struct hs_monitor_track *t, int64_t cores, int64_t memory)
{
	int over = 0;

	if (cores > 0 && !t->warned_cores && t->cores_max > (double)cores + HS_MONITOR_CORES_TOL) {
		t->warned_cores = true;
		over |= HS_OVER_CORES;
	}
	if (memory > 0 && !t->warned_memory &&
	    t->memory_max > (memory > INT64_MAX - HS_MONITOR_MEMORY_TOL ? INT64_MAX
	                                                                : memory + HS_MONITOR_MEMORY_TOL)) {
		t->warned_memory = true;
		over |= HS_OVER_MEMORY;
	}
	return over;
}
