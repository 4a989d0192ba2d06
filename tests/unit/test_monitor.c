/* test_monitor.c: unit tests for /proc/<pid>/stat parsing, the process
 * group scan and the rate/peak/warning arithmetic (src/monitor.c). */
#include "testutil.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"

/* A real line (bash), fields 1..52; utime 12, stime 7, cutime 3, cstime 4, rss 1234. */
#define TAIL " S 1000 1234 1234 34816 1234 4194304 1520 0 0 0 12 7 3 4 20 0 1 0 123456 " \
             "8577024 1234 18446744073709551615 94000000000000 94000000900000 " \
             "140730000000000 0 0 0 65536 3686404 1266761467 1 0 0 17 1 0 0 0 0 0 " \
             "94000001000000 94000001040000 94000002000000 140730000001000 " \
             "140730000001010 140730000001010 140730000002000 0\n"

static hs_err
parse(const char *line, struct hs_procstat *ps, char *err, size_t errlen)
{
	return hs_procstat_parse(line, strlen(line), ps, err, errlen);
}

static void
ok(const char *line, struct hs_procstat *ps)
{
	char err[256];

	if (parse(line, ps, err, sizeof err) != HS_OK)
		fail_msg("'%s' was rejected: %s", line, err);
}

/* Rejected with HS_EINPUT and a message holding want. */
static void
bad_n(const char *line, size_t len, const char *want)
{
	struct hs_procstat ps;
	char err[256];

	memset(err, 'X', sizeof err);
	if (hs_procstat_parse(line, len, &ps, err, sizeof err) != HS_EINPUT)
		fail_msg("'%.*s' was accepted", (int)len, line);
	assert_non_null(memchr(err, '\0', sizeof err));
	assert_null(strchr(err, '\n'));
	if (strstr(err, want) == NULL)
		fail_msg("'%.*s': message '%s' lacks '%s'", (int)len, line, err, want);
}

static void
bad(const char *line, const char *want)
{
	bad_n(line, strlen(line), want);
}

static void
test_parse_real_line(void **state)
{
	struct hs_procstat ps;

	ok("1234 (bash)" TAIL, &ps);
	assert_int_equal(ps.pid, 1234);
	assert_string_equal(ps.comm, "bash");
	assert_int_equal(ps.state, 'S');
	assert_int_equal(ps.ppid, 1000);
	assert_int_equal(ps.pgrp, 1234);
	assert_int_equal(ps.utime, 12);
	assert_int_equal(ps.stime, 7);
	assert_int_equal(ps.cutime, 3);
	assert_int_equal(ps.cstime, 4);
	assert_int_equal(ps.rss, 1234);
}

static void
test_parse_tricky_comm(void **state)
{
	struct hs_procstat ps;

	ok("7 (a b)" TAIL, &ps);
	assert_string_equal(ps.comm, "a b");
	/* a comm made to look like the fields: the last ')' ends it */
	ok("7 (x) R 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)" TAIL, &ps);
	assert_string_equal(ps.comm, "x) R 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15");
	assert_int_equal(ps.pgrp, 1234);
	assert_int_equal(ps.utime, 12);
	ok("7 ())" TAIL, &ps);
	assert_string_equal(ps.comm, ")");
	ok("7 (()" TAIL, &ps);
	assert_string_equal(ps.comm, "(");
	ok("7 ()" TAIL, &ps);
	assert_string_equal(ps.comm, "");
	ok("7 ((sd-pam))" TAIL, &ps);
	assert_string_equal(ps.comm, "(sd-pam)");
	ok("7 (a\nb) c)" TAIL, &ps);   /* a newline in comm too */
	assert_string_equal(ps.comm, "a\nb) c");
	ok("7 (kworker/u8:2-events_unbound)" TAIL, &ps);
	assert_string_equal(ps.comm, "kworker/u8:2-events_unbound");
	ok("7 (caf\xc3\xa9 \xff)" TAIL, &ps);
	assert_string_equal(ps.comm, "caf\xc3\xa9 \xff");
}

static void
test_parse_long_comm_truncated(void **state)
{
	struct hs_procstat ps;
	char line[512], comm[101];

	memset(comm, 'c', 100);
	comm[100] = '\0';
	snprintf(line, sizeof line, "9 (%s)%s", comm, TAIL);
	ok(line, &ps);
	assert_int_equal(strlen(ps.comm), HS_PROCSTAT_COMM_MAX);
	assert_int_equal(ps.rss, 1234);
}

static void
test_parse_ends_and_extra_fields(void **state)
{
	struct hs_procstat ps;
	const char *upto_rss = "5 (sh) Z 1 5 5 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0";

	ok(upto_rss, &ps);   /* no newline, nothing after rss */
	assert_int_equal(ps.state, 'Z');
	assert_int_equal(ps.rss, 0);
	assert_int_equal(ps.pgrp, 5);
	ok("1 (init) S 0 1 1 0 -1 4194560 1 2 3 4 5 6 7 8 20 0 1 0 9 10 11 future fields\n", &ps);
	assert_int_equal(ps.rss, 11);
	assert_int_equal(ps.ppid, 0);
	ok("2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 3 0 0\n", &ps);
	assert_int_equal(ps.pgrp, 0);   /* kernel threads are in group 0 */
}

static void
test_truncated_lines(void **state)
{
	const char *line = "1234 (a) b)" TAIL;
	size_t len = strlen(line);
	const char *rss = strstr(line, " 8577024 1234 ") + strlen(" 8577024 ");
	struct hs_procstat ps;
	char err[128];

	/* every cut up to rss's first digit is an error, never a crash */
	for (size_t n = 0; n <= (size_t)(rss - line); n++) {
		char *copy = malloc(n ? n : 1);   /* exactly n bytes: ASan sees overreads */
		assert_non_null(copy);
		memcpy(copy, line, n);
		memset(err, 'X', sizeof err);
		if (hs_procstat_parse(copy, n, &ps, err, sizeof err) != HS_EINPUT)
			fail_msg("a cut at %zu bytes was accepted", n);
		assert_true(strlen(err) > 0 && strlen(err) < sizeof err);
		free(copy);
	}
	for (size_t n = (size_t)(rss - line) + 1; n <= len; n++) {
		char *copy = malloc(n);
		assert_non_null(copy);
		memcpy(copy, line, n);
		assert_int_equal(hs_procstat_parse(copy, n, &ps, NULL, 0), HS_OK);
		free(copy);
	}
}

static void
test_malformed_lines(void **state)
{
	char big[HS_PROCSTAT_MAX + 2];
	struct hs_procstat ps;
	char err[128];
	const char nul[] = "1 (a\0b)" TAIL;

	bad("", "no (comm)");
	bad("\n", "no (comm)");
	bad("1234 bash S 1", "no (comm)");
	bad("1234 (bash S 1 2", "no (comm)");
	bad("1234 bash) S (1 2", "no (comm)");
	bad("(bash)" TAIL, "field 1 (pid)");
	bad("x (bash)" TAIL, "field 1 (pid)");
	bad("0 (bash)" TAIL, "field 1 (pid)");
	bad("-5 (bash)" TAIL, "field 1 (pid)");
	bad("12(bash)" TAIL, "field 1 (pid)");
	bad("12  (bash)" TAIL, "field 1 (pid)");
	bad("99999999999999999999 (bash)" TAIL, "field 1 (pid)");
	bad("1 (sh)", "field 3 (state): missing");
	bad("1 (sh) ", "field 3 (state): missing");
	bad("1 (sh)  S 1 2", "field 3 (state): empty");
	bad("1 (sh)S 1 2", "field 3 (state): expected one space");
	bad("1 (sh) SS 1 2", "field 3 (state): expected one letter");
	bad("1 (sh) 5 1 2", "field 3 (state): expected one letter");
	bad("1 (sh) S x 1", "field 4 (ppid)");
	bad("1234 (sh) S 1 2 3 4 5 6 7 8 9 10 11 12", "field 16 (cutime): missing");
	bad("1 (sh) S 1 2 3 4 5 6 7 8 9 10 x2 7 3 4 20 0 1 0 1 2 3\n", "field 14 (utime)");
	bad("1 (sh) S 1 2 3 4 5 6 7 8 9 10 -2 7 3 4 20 0 1 0 1 2 3\n", "field 14 (utime): negative");
	bad("1 (sh) S 1 2 3 4 5 6 7 8 9 10 99999999999999999999 7 3 4 20 0 1 0 1 2 3\n",
	    "field 14 (utime): expected a number that fits");
	bad("1 (sh) S 1 2 3 4 5 6 7 8 9 10 - 7 3 4 20 0 1 0 1 2 3\n", "field 14 (utime)");
	bad("1 (sh) S 1 2 3 4 5 6 7 8 9 10 11 7 3 4 20 0 1 0 1 2 -3\n", "field 24 (rss): negative");
	bad("1 (sh) S 1 2 3 4 5 6 7 8 9\t10 11 7 3 4 20 0 1 0 1 2 3\n", "field 12 (majflt)");
	bad("1 (sh) S 1 2 3 4 5 6 7 8 9 10 11 7 3 4 20 0 1 0 1 2 3\n\n", "field 24 (rss)");
	bad_n(nul, sizeof nul - 1, "NUL");
	ok("1 (sh) S 1 2 3 4 5 6 7 8 9 10 11 7 3 4 20 0 1 0 1 2 3 \n", &ps);  /* extra: fine */
	/* over the bound: HS_ELIMIT, not a read of it */
	memset(big, '1', sizeof big);
	assert_int_equal(hs_procstat_parse(big, HS_PROCSTAT_MAX + 1, &ps, err, sizeof err), HS_ELIMIT);
	assert_non_null(strstr(err, "longer than"));
}

static void
test_small_error_buffers(void **state)
{
	struct hs_procstat ps;
	char err[8];

	assert_int_equal(parse("1 (sh) S", &ps, NULL, 0), HS_EINPUT);
	memset(err, 'X', sizeof err);
	assert_int_equal(parse("1 (sh) S", &ps, err, 1), HS_EINPUT);
	assert_int_equal(err[0], '\0');
	assert_int_equal(err[1], 'X');
	assert_int_equal(parse("1 (sh) S", &ps, err, sizeof err), HS_EINPUT);
	assert_int_equal(strlen(err), sizeof err - 1);
}

/* --- the scan, over a made-up /proc ------------------------------------------ */

static char fake[64];

static void
put_stat(const char *pid, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", fake, pid);
	assert_int_equal(mkdir(path, 0755), 0);
	if (text == NULL)
		return;
	snprintf(path, sizeof path, "%s/%s/stat", fake, pid);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static void
remove_fake(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", fake);
	assert_int_equal(system(cmd), 0);
}

static void
test_scan_sums_each_group(void **state)
{
	struct hs_group_usage g[4] = {{.pgrp = 77}, {.pgrp = 88}, {.pgrp = 99}, {.pgrp = 77}};
	int64_t page = sysconf(_SC_PAGESIZE);

	snprintf(fake, sizeof fake, "/tmp/hs-test-proc-XXXXXX");
	assert_non_null(mkdtemp(fake));
	/* group 77: two processes and a malformed one; 88: one; others elsewhere */
	put_stat("100", "100 (sh) S 1 77 77 0 -1 0 0 0 0 0 10 5 1 2 20 0 1 0 1 2 3\n");
	put_stat("101", "101 (busy loop) R 100 77 77 0 -1 0 0 0 0 0 100 0 0 0 20 0 1 0 1 2 40\n");
	put_stat("102", "102 (x) R 1 88 88 0 -1 0 0 0 0 0 7 0 0 0 20 0 1 0 1 2 1\n");
	put_stat("103", "103 (bad) R 1 77 77 0 -1 0 0 0 0 0 oops\n");
	put_stat("104", "104 (other) S 1 55 55 0 -1 0 0 0 0 0 1000 0 0 0 20 0 1 0 1 2 1000\n");
	put_stat("105", NULL);   /* vanished: no stat file */
	put_stat("self", "200 (self) R 1 77 77 0 -1 0 0 0 0 0 1000 0 0 0 20 0 1 0 1 2 1000\n");
	assert_int_equal(hs_monitor_scan(fake, g, 4), HS_OK);
	assert_int_equal(g[0].nprocs, 2);
	assert_int_equal(g[0].ticks, 10 + 5 + 1 + 2 + 100);
	assert_int_equal(g[0].rss, 43 * page);
	assert_int_equal(g[1].nprocs, 1);
	assert_int_equal(g[1].ticks, 7);
	assert_int_equal(g[1].rss, page);
	assert_int_equal(g[2].nprocs, 0);
	assert_int_equal(g[2].ticks, 0);
	assert_int_equal(g[3].nprocs, 0);   /* a duplicate counts once, in the first */
	assert_int_equal(hs_monitor_scan(fake, g, 0), HS_OK);
	remove_fake();
	assert_int_equal(hs_monitor_scan(fake, g, 4), HS_EIO);
}

/* --- rates, peaks, warnings ------------------------------------------------------ */

static void
test_fold_rates_and_peaks(void **state)
{
	struct hs_monitor_track t;
	double cores = -1;

	hs_monitor_begin(&t, 1000000);
	assert_false(hs_monitor_fold(&t, 1300000, 50, 100, 100, &cores));   /* too soon */
	assert_int_equal(t.samples, 0);
	assert_true(hs_monitor_fold(&t, 2000000, 100, 4096, 100, &cores));   /* 1 s, 1 CPU s */
	assert_float_equal(cores, 1.0, 1e-9);
	assert_true(hs_monitor_fold(&t, 4000000, 400, 8192, 100, &cores));  /* 2 s, 3 CPU s */
	assert_float_equal(cores, 1.5, 1e-9);
	assert_true(hs_monitor_fold(&t, 5000000, 300, 1024, 100, &cores));  /* a process left */
	assert_float_equal(cores, 0.0, 1e-9);
	assert_true(hs_monitor_fold(&t, 6000000, 325, 1024, 100, &cores));  /* from the new base */
	assert_float_equal(cores, 0.25, 1e-9);
	assert_float_equal(t.cores_max, 1.5, 1e-9);
	assert_int_equal(t.memory_max, 8192);
	assert_int_equal(t.samples, 4);
	assert_false(hs_monitor_fold(&t, 9000000, 999, 1, 0, &cores));     /* no hz */
}

static void
test_final_counts_short_tasks(void **state)
{
	struct hs_monitor_track t;

	hs_monitor_begin(&t, 0);
	hs_monitor_final(&t, 0.3, 0.4, 10 << 20);
	assert_float_equal(t.cores_max, 0.75, 1e-9);
	assert_int_equal(t.memory_max, 10 << 20);
	hs_monitor_final(&t, 0.1, 1.0, 1 << 20);    /* lower: the peaks stay */
	assert_float_equal(t.cores_max, 0.75, 1e-9);
	assert_int_equal(t.memory_max, 10 << 20);
	hs_monitor_final(&t, 1.0, 0.0, 0);           /* no wall time: no rate */
	assert_float_equal(t.cores_max, 0.75, 1e-9);
}

static void
test_over_warns_once_past_tolerance(void **state)
{
	struct hs_monitor_track t;

	hs_monitor_begin(&t, 0);
	t.cores_max = 1.04;
	t.memory_max = (100 << 20) + (4 << 20);
	assert_int_equal(hs_monitor_over(&t, 1, 100 << 20), 0);   /* within tolerance */
	assert_int_equal(hs_monitor_over(&t, 0, 0), 0);           /* no allocation */
	t.cores_max = 1.06;
	assert_int_equal(hs_monitor_over(&t, 1, 100 << 20), HS_OVER_CORES);
	t.memory_max = (100 << 20) + (6 << 20);
	assert_int_equal(hs_monitor_over(&t, 1, 100 << 20), HS_OVER_MEMORY);
	t.cores_max = 9;
	assert_int_equal(hs_monitor_over(&t, 1, 100 << 20), 0);   /* once each */
	hs_monitor_begin(&t, 0);
	t.cores_max = 3;
	t.memory_max = INT64_MAX;
	assert_int_equal(hs_monitor_over(&t, 2, INT64_MAX - 1), HS_OVER_CORES);
}

/* --- live: a busy process group of two ------------------------------------------ */

static void
busy(int ready, size_t bytes)
{
	volatile unsigned long x = 0;
	volatile char *mem = malloc(bytes);   /* volatile: the stores are kept */

	if (mem == NULL)
		_exit(1);
	for (size_t i = 0; i < bytes; i += 1024)
		mem[i] = 1;   /* resident */
	if (write(ready, "r", 1) != 1)
		_exit(1);
	for (;;)
		x++;
}

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
test_live_group_uses_cpu_and_memory(void **state)
{
	struct hs_monitor_track t;
	struct hs_group_usage g = {0};
	double cores = 0;
	int fds[2], status;
	char buf[2];
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	hs_monitor_begin(&t, now_us());
	if ((pid = fork()) == 0) {
		setpgid(0, 0);
		close(fds[0]);
		if (fork() == 0)
			busy(fds[1], 24 << 20);   /* a grandchild, in the same group */
		busy(fds[1], 16 << 20);
	}
	assert_true(pid > 0);
	setpgid(pid, pid);
	close(fds[1]);
	assert_int_equal(read(fds[0], buf, 1), 1);
	assert_int_equal(read(fds[0], buf + 1, 1), 1);
	close(fds[0]);
	usleep(700000);
	g.pgrp = pid;
	assert_int_equal(hs_monitor_scan(NULL, &g, 1), HS_OK);
	assert_true(hs_monitor_fold(&t, now_us(), g.ticks, g.rss, sysconf(_SC_CLK_TCK), &cores));
	kill(-pid, SIGKILL);
	waitpid(pid, &status, 0);
	print_message("live: %d processes, %.2f cores, %lld bytes\n", g.nprocs, cores,
	              (long long)g.rss);
	assert_int_equal(g.nprocs, 2);
	assert_true(cores > 0);
	assert_true(g.rss > (int64_t)(40 << 20));
	assert_true(t.memory_max == g.rss);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_real_line),
		cmocka_unit_test(test_parse_tricky_comm),
		cmocka_unit_test(test_parse_long_comm_truncated),
		cmocka_unit_test(test_parse_ends_and_extra_fields),
		cmocka_unit_test(test_truncated_lines),
		cmocka_unit_test(test_malformed_lines),
		cmocka_unit_test(test_small_error_buffers),
		cmocka_unit_test(test_scan_sums_each_group),
		cmocka_unit_test(test_fold_rates_and_peaks),
		cmocka_unit_test(test_final_counts_short_tasks),
		cmocka_unit_test(test_over_warns_once_past_tolerance),
		cmocka_unit_test(test_live_group_uses_cpu_and_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
