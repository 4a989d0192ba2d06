/* test_proc.c: unit tests for running a helper command (src/proc.c). */
#include "testutil.h"

#include "proc.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void
test_captures_stdout(void **state)
{
	struct hs_buf b = HS_BUF_INIT(1024);
	int status = -1;

	assert_int_equal(hs_run_capture("echo hello; printf 'a b'", 5000, &b, &status), HS_OK);
	assert_int_equal(status, 0);
	assert_string_equal(hs_buf_str(&b), "hello\na b");
	hs_buf_free(&b);
}

static void
test_appends_to_existing(void **state)
{
	struct hs_buf b = HS_BUF_INIT(1024);
	int status;

	hs_buf_puts(&b, "pre:");
	assert_int_equal(hs_run_capture("printf x", 5000, &b, &status), HS_OK);
	assert_string_equal(hs_buf_str(&b), "pre:x");
	hs_buf_free(&b);
}

static void
test_exit_status(void **state)
{
	struct hs_buf b = HS_BUF_INIT(1024);
	int status = -1;

	assert_int_equal(hs_run_capture("echo out; exit 3", 5000, &b, &status), HS_OK);
	assert_int_equal(status, 3);
	assert_string_equal(hs_buf_str(&b), "out\n");
	hs_buf_reset(&b);
	assert_int_equal(hs_run_capture("/nonexistent/command 2>/dev/null", 5000, &b, &status), HS_OK);
	assert_int_equal(status, 127);
	hs_buf_free(&b);
}

static void
test_killed_by_signal(void **state)
{
	struct hs_buf b = HS_BUF_INIT(1024);
	int status = -1;

	assert_int_equal(hs_run_capture("kill -TERM $$", 5000, &b, &status), HS_OK);
	assert_int_equal(status, 128 + SIGTERM);
	hs_buf_free(&b);
}

static void
test_command_passed_verbatim(void **state)
{
	struct hs_buf b = HS_BUF_INIT(1024);
	int status;

	/* quotes, $ and backslashes reach sh as written */
	assert_int_equal(hs_run_capture("x='a  b'; printf '%s|' \"$x\" '\\n' \"{}\"",
	                                5000, &b, &status), HS_OK);
	assert_int_equal(status, 0);
	assert_string_equal(hs_buf_str(&b), "a  b|\\n|{}|");
	hs_buf_free(&b);
}

static void
test_stdin_is_dev_null(void **state)
{
	struct hs_buf b = HS_BUF_INIT(1024);
	int status;

	assert_int_equal(hs_run_capture("cat; echo done", 5000, &b, &status), HS_OK);
	assert_string_equal(hs_buf_str(&b), "done\n");
	hs_buf_free(&b);
}

static void
test_environment_inherited(void **state)
{
	struct hs_buf b = HS_BUF_INIT(1024);
	int status;

	setenv("HS_TEST_PROC_VAR", "v a l", 1);
	assert_int_equal(hs_run_capture("printf %s \"$HS_TEST_PROC_VAR\"", 5000, &b, &status), HS_OK);
	unsetenv("HS_TEST_PROC_VAR");
	assert_string_equal(hs_buf_str(&b), "v a l");
	hs_buf_free(&b);
}

static void
test_large_output_within_limit(void **state)
{
	struct hs_buf b = HS_BUF_INIT(1 << 20);
	int status;

	assert_int_equal(hs_run_capture("head -c 300000 /dev/zero | tr '\\0' y", 10000, &b, &status), HS_OK);
	assert_int_equal(status, 0);
	assert_int_equal(b.len, 300000);
	assert_int_equal(b.data[0], 'y');
	assert_int_equal(b.data[299999], 'y');
	hs_buf_free(&b);
}

static void
test_output_limit_kills(void **state)
{
	struct hs_buf b = HS_BUF_INIT(100);
	int status = -1;
	long t0 = mono_ms();

	hs_detail_clear();
	assert_int_equal(hs_run_capture("yes", 10000, &b, &status), HS_ELIMIT);
	assert_true(mono_ms() - t0 < 5000);
	assert_true(b.len <= 100);
	assert_int_equal(status, 128 + SIGKILL);
	assert_string_equal(hs_detail(), "command output too long");
	hs_buf_free(&b);
}

static void
test_timeout_with_output_kills(void **state)
{
	struct hs_buf b = HS_BUF_INIT(1 << 20);
	int status = -1;
	long t0 = mono_ms();

	hs_detail_clear();
	assert_int_equal(hs_run_capture("while :; do echo tick; sleep 0.05; done", 300,
	                                &b, &status), HS_ECHILD);
	assert_true(mono_ms() - t0 < 3000);
	assert_int_equal(status, 128 + SIGKILL);
	assert_string_equal(hs_detail(), "command timed out");
	hs_buf_free(&b);
}

/* A silent command must be killed at the deadline too: poll() returning 0
 * must not fall through to a blocking read(). */
static void
test_timeout_silent_command(void **state)
{
	struct hs_buf b = HS_BUF_INIT(1024);
	int status = -1;
	long t0 = mono_ms(), took;
	hs_err e;

	hs_detail_clear();
	e = hs_run_capture("sleep 3", 200, &b, &status);
	took = mono_ms() - t0;
	if (took > 1500)
		fail_msg("a 200 ms timeout took %ld ms", took);
	assert_int_equal(e, HS_ECHILD);
	assert_int_equal(status, 128 + SIGKILL);
	assert_string_equal(hs_detail(), "command timed out");
	hs_buf_free(&b);
}

/* The whole process group is killed, so a background child holding the
 * pipe open cannot keep us waiting. */
static void
test_timeout_kills_group(void **state)
{
	struct hs_buf b = HS_BUF_INIT(1024);
	int status = -1;
	long t0 = mono_ms(), took;
	hs_err e;

	e = hs_run_capture("sleep 3 & echo started; wait", 300, &b, &status);
	took = mono_ms() - t0;
	if (took > 1500)
		fail_msg("a 300 ms timeout took %ld ms", took);
	assert_int_equal(e, HS_ECHILD);
	assert_string_equal(hs_buf_str(&b), "started\n");
	hs_buf_free(&b);
}

static void
test_strip(void **state)
{
	struct hs_buf b = HS_BUF_INIT(100);

	hs_buf_strip(&b);  /* never allocated */
	assert_string_equal(hs_buf_str(&b), "");
	hs_buf_puts(&b, " \t\r\n secret value \n\v\f");
	hs_buf_strip(&b);
	assert_string_equal(hs_buf_str(&b), "secret value");
	assert_int_equal(b.len, 12);
	hs_buf_reset(&b);
	hs_buf_puts(&b, " \n \t ");
	hs_buf_strip(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(hs_buf_str(&b), "");
	hs_buf_reset(&b);
	hs_buf_puts(&b, "x");
	hs_buf_strip(&b);
	assert_string_equal(hs_buf_str(&b), "x");
	hs_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_captures_stdout),
		cmocka_unit_test(test_appends_to_existing),
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test(test_killed_by_signal),
		cmocka_unit_test(test_command_passed_verbatim),
		cmocka_unit_test(test_stdin_is_dev_null),
		cmocka_unit_test(test_environment_inherited),
		cmocka_unit_test(test_large_output_within_limit),
		cmocka_unit_test(test_output_limit_kills),
		cmocka_unit_test(test_timeout_with_output_kills),
		cmocka_unit_test(test_timeout_silent_command),
		cmocka_unit_test(test_timeout_kills_group),
		cmocka_unit_test(test_strip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
