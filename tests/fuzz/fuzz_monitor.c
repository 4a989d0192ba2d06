/* fuzz_monitor.c: libFuzzer target for the /proc/<pid>/stat line parser.
 *
 * The input, exactly as given (no NUL added, so a read past it is an ASan
 * report), is parsed as one stat line. An error must be HS_ELIMIT exactly
 * when the input is over HS_PROCSTAT_MAX, else HS_EINPUT, with a message
 * that is one non-empty line; the result must not depend on whether an
 * error buffer is given or how small it is. A parsed line must hold a
 * positive pid, non-negative group, times and rss, a letter for the state
 * and a NUL-terminated comm of at most HS_PROCSTAT_COMM_MAX bytes; written
 * back in the kernel's form, it must parse to the same fields.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "monitor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
	if (!ok)
		__builtin_trap();
}

static void
check_error(hs_err e, size_t size, const char *err)
{
	check(e == (size > HS_PROCSTAT_MAX ? HS_ELIMIT : HS_EINPUT));
	check(err[0] != '\0' && strchr(err, '\n') == NULL);
}

static void
check_fields(const struct hs_procstat *ps)
{
	check(ps->pid > 0 && ps->ppid >= 0 && ps->pgrp >= 0);
	check(ps->utime >= 0 && ps->stime >= 0 && ps->cutime >= 0 && ps->cstime >= 0);
	check(ps->rss >= 0);
	check((ps->state >= 'A' && ps->state <= 'Z') || (ps->state >= 'a' && ps->state <= 'z'));
	check(memchr(ps->comm, '\0', sizeof ps->comm) != NULL);
}

/* The kernel's layout, with the fields we do not keep as 0. */
static void
check_round_trip(const struct hs_procstat *ps)
{
	char line[HS_PROCSTAT_COMM_MAX + 512];
	struct hs_procstat again;
	int n;

	n = snprintf(line, sizeof line,
	             "%lld (%s) %c %lld %lld 0 -1 0 0 0 0 0 0 %lld %lld %lld %lld 20 0 1 0 0 0 %lld\n",
	             (long long)ps->pid, ps->comm, ps->state, (long long)ps->ppid,
	             (long long)ps->pgrp, (long long)ps->utime, (long long)ps->stime,
	             (long long)ps->cutime, (long long)ps->cstime, (long long)ps->rss);
	check(n > 0 && (size_t)n < sizeof line);
	check(hs_procstat_parse(line, (size_t)n, &again, NULL, 0) == HS_OK);
	check(again.pid == ps->pid && again.ppid == ps->ppid && again.pgrp == ps->pgrp);
	check(again.utime == ps->utime && again.stime == ps->stime);
	check(again.cutime == ps->cutime && again.cstime == ps->cstime);
	check(again.rss == ps->rss && again.state == ps->state);
	check(strcmp(again.comm, ps->comm) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hs_procstat ps, other;
	char err[256], tiny[4];
	const char *line = (const char *)data;
	hs_err e;

	memset(err, 'X', sizeof err);
	e = hs_procstat_parse(line, size, &ps, err, sizeof err);
	check(hs_procstat_parse(line, size, &other, NULL, 0) == e);
	memset(tiny, 'X', sizeof tiny);
	check(hs_procstat_parse(line, size, &other, tiny, sizeof tiny) == e);
	check(e == HS_OK || memchr(tiny, '\0', sizeof tiny) != NULL);
	if (e != HS_OK) {
		check_error(e, size, err);
		return 0;
	}
	check_fields(&ps);
	check_round_trip(&ps);
	return 0;
}
