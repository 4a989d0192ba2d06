/* test_linereader.c: unit tests for bounded line input
 * (src/linereader.c), over pipes and files. */
#include "testutil.h"

#include "linereader.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* A reader over a pipe already holding data (the write end closed when
 * close_w). */
struct fixture {
	int p[2];
	struct hs_lr lr;
};

static void
open_pipe(struct fixture *f, const char *data, size_t n, size_t maxline,
          bool close_w)
{
	assert_int_equal(pipe(f->p), 0);
	if (n > 0)
		assert_int_equal(write(f->p[1], data, n), (ssize_t)n);
	if (close_w) {
		close(f->p[1]);
		f->p[1] = -1;
	}
	assert_int_equal(hs_lr_init(&f->lr, f->p[0], maxline), HS_OK);
}

static void
close_pipe(struct fixture *f)
{
	hs_lr_free(&f->lr);
	hs_lr_free(&f->lr);  /* twice is harmless */
	close(f->p[0]);
	if (f->p[1] >= 0)
		close(f->p[1]);
}

static void
next_is(struct fixture *f, const char *want, size_t wantlen)
{
	char *line = (char *)1;
	size_t len = 999;
	hs_err e = hs_lr_next(&f->lr, &line, &len);

	if (e != HS_OK)
		fail_msg("hs_lr_next gave %d, want line '%s'", e, want);
	if (want == NULL) {
		assert_null(line);
		return;
	}
	assert_non_null(line);
	assert_int_equal(len, wantlen);
	assert_memory_equal(line, want, wantlen);
	assert_int_equal(line[len], '\0');
}

static void
test_lines_and_eof(void **state)
{
	struct fixture f;
	const char in[] = "one\n\ntwo\r\nlast";

	open_pipe(&f, in, sizeof in - 1, 100, true);
	next_is(&f, "one", 3);
	assert_int_equal(f.lr.lineno, 1);
	next_is(&f, "", 0);
	next_is(&f, "two\r", 4);  /* CR is the caller's business */
	next_is(&f, "last", 4);   /* no final newline */
	assert_int_equal(f.lr.lineno, 4);
	next_is(&f, NULL, 0);
	next_is(&f, NULL, 0);     /* EOF is sticky */
	assert_int_equal(f.lr.lineno, 4);
	close_pipe(&f);
}

static void
test_empty_input(void **state)
{
	struct fixture f;

	open_pipe(&f, "", 0, 10, true);
	next_is(&f, NULL, 0);
	assert_int_equal(f.lr.lineno, 0);
	close_pipe(&f);
}

static void
test_nul_inside_line(void **state)
{
	struct fixture f;

	open_pipe(&f, "a\0b\nc\n", 6, 10, true);
	next_is(&f, "a\0b", 3);
	next_is(&f, "c", 1);
	close_pipe(&f);
}

static void
test_exact_limit_and_one_over(void **state)
{
	struct fixture f;
	char *line;
	size_t len;

	open_pipe(&f, "12345\n123456\nok\n", 16, 5, true);
	next_is(&f, "12345", 5);
	assert_int_equal(hs_lr_next(&f.lr, &line, &len), HS_ELIMIT);
	assert_int_equal(len, 6);
	assert_int_equal(f.lr.lineno, 2);
	next_is(&f, "ok", 2);
	assert_int_equal(f.lr.lineno, 3);
	next_is(&f, NULL, 0);
	close_pipe(&f);
}

static void
test_huge_line_is_skipped(void **state)
{
	enum { BIG = 1 << 20 };
	char *data = malloc(BIG + 16), *tmpl = strdup("/tmp/hs-lr-XXXXXX");
	struct hs_lr lr;
	char *line;
	size_t len;
	int fd;

	assert_non_null(data);
	memset(data, 'x', BIG);
	memcpy(data + BIG, "\nafter\n", 7);
	fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	unlink(tmpl);
	assert_int_equal(write(fd, data, BIG + 7), BIG + 7);
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(hs_lr_init(&lr, fd, 1000), HS_OK);
	assert_int_equal(hs_lr_next(&lr, &line, &len), HS_ELIMIT);
	assert_int_equal(len, BIG);
	assert_true(lr.cap < 1000 + 70000);  /* never buffered the whole line */
	assert_int_equal(hs_lr_next(&lr, &line, &len), HS_OK);
	assert_string_equal(line, "after");
	assert_int_equal(lr.lineno, 2);
	assert_int_equal(hs_lr_next(&lr, &line, &len), HS_OK);
	assert_null(line);
	hs_lr_free(&lr);
	close(fd);
	free(data);
	free(tmpl);
}

static void
test_long_last_line_without_newline(void **state)
{
	struct fixture f;
	char *line;
	size_t len;

	open_pipe(&f, "ok\n0123456789", 13, 4, true);
	next_is(&f, "ok", 2);
	assert_int_equal(hs_lr_next(&f.lr, &line, &len), HS_ELIMIT);
	assert_int_equal(len, 10);
	next_is(&f, NULL, 0);
	close_pipe(&f);
}

static void
test_many_lines_across_chunks(void **state)
{
	char *tmpl = strdup("/tmp/hs-lr-XXXXXX");
	FILE *fp;
	struct hs_lr lr;
	char *line, want[32];
	size_t len;
	int fd, n = 0;

	fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	unlink(tmpl);
	fp = fdopen(dup(fd), "w");
	for (int i = 0; i < 50000; i++)
		fprintf(fp, "line number %d\n", i);
	fclose(fp);
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(hs_lr_init(&lr, fd, 64), HS_OK);
	while (hs_lr_next(&lr, &line, &len) == HS_OK && line != NULL) {
		snprintf(want, sizeof want, "line number %d", n);
		if (strcmp(line, want) != 0)
			fail_msg("line %d is '%s'", n, line);
		n++;
	}
	assert_int_equal(n, 50000);
	assert_int_equal(lr.lineno, 50000);
	hs_lr_free(&lr);
	close(fd);
	free(tmpl);
}

static void
test_ready_and_wait(void **state)
{
	struct fixture f;
	struct timespec a, b;
	long ms;

	open_pipe(&f, "", 0, 100, false);
	assert_false(hs_lr_ready(&f.lr));
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_false(hs_lr_wait(&f.lr, 100));
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	assert_true(ms >= 90);
	assert_int_equal(write(f.p[1], "a\nb\n", 4), 4);
	assert_true(hs_lr_ready(&f.lr));
	next_is(&f, "a", 1);
	assert_true(hs_lr_ready(&f.lr));  /* "b" is buffered */
	next_is(&f, "b", 1);
	assert_false(hs_lr_ready(&f.lr));
	close(f.p[1]);
	f.p[1] = -1;
	assert_true(hs_lr_ready(&f.lr));  /* EOF is ready */
	next_is(&f, NULL, 0);
	assert_true(hs_lr_ready(&f.lr));
	close_pipe(&f);
}

static void
test_read_error(void **state)
{
	struct hs_lr lr;
	char *line;
	size_t len;
	int p[2];

	assert_int_equal(pipe(p), 0);
	close(p[0]);
	close(p[1]);
	assert_int_equal(hs_lr_init(&lr, p[0], 10), HS_OK);  /* a closed fd */
	assert_int_equal(hs_lr_next(&lr, &line, &len), HS_EIO);
	assert_null(line);
	assert_non_null(strstr(hs_detail(), "reading input"));
	hs_lr_free(&lr);
}

static void
on_alarm(int sig)
{
	(void)sig;
}

/* Arrange for SIGALRM (without SA_RESTART) after ms milliseconds. */
static void
alarm_in(int ms)
{
	struct sigaction sa;
	struct itimerval it = {{0, 0}, {0, ms * 1000}};

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

static void
test_interrupted_read(void **state)
{
	struct fixture f;
	char *line;
	size_t len;

	open_pipe(&f, "par", 3, 100, false);
	alarm_in(50);
	assert_int_equal(hs_lr_next(&f.lr, &line, &len), HS_EINTR);
	assert_null(line);
	assert_int_equal(write(f.p[1], "tial\nnext\n", 10), 10);
	next_is(&f, "partial", 7);  /* nothing lost */
	next_is(&f, "next", 4);
	signal(SIGALRM, SIG_DFL);
	close_pipe(&f);
}

/* An interrupted skip of an over-long line must go on skipping: the rest
 * of that line is never handed out as a line of its own. */
static void
test_interrupted_skip_keeps_skipping(void **state)
{
	struct fixture f;
	char *line;
	size_t len;
	hs_err e;

	open_pipe(&f, "0123456789", 10, 4, false);
	alarm_in(50);
	assert_int_equal(hs_lr_next(&f.lr, &line, &len), HS_EINTR);
	assert_int_equal(write(f.p[1], "tail\nnext\n", 10), 10);
	close(f.p[1]);
	f.p[1] = -1;
	e = hs_lr_next(&f.lr, &line, &len);
	if (e == HS_OK && line != NULL && strcmp(line, "tail") == 0)
		fail_msg("the tail of a skipped line came back as a line");
	if (e == HS_ELIMIT)
		next_is(&f, "next", 4);
	else
		assert_string_equal(line, "next");
	signal(SIGALRM, SIG_DFL);
	close_pipe(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_and_eof),
		cmocka_unit_test(test_empty_input),
		cmocka_unit_test(test_nul_inside_line),
		cmocka_unit_test(test_exact_limit_and_one_over),
		cmocka_unit_test(test_huge_line_is_skipped),
		cmocka_unit_test(test_long_last_line_without_newline),
		cmocka_unit_test(test_many_lines_across_chunks),
		cmocka_unit_test(test_ready_and_wait),
		cmocka_unit_test(test_read_error),
		cmocka_unit_test(test_interrupted_read),
		cmocka_unit_test(test_interrupted_skip_keeps_skipping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
