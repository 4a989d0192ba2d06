/* test_where.c: unit tests for --where conditions (src/where.c). */
#include "testutil.h"

#include "where.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char err[256];

/* Parse s, which must succeed; c is static so value pointers stay valid. */
static struct hs_cond *
where_ok(const char *s)
{
	static struct hs_cond c;

	memset(&c, 0, sizeof c);
	err[0] = '\0';
	if (hs_where_parse(s, &c, err, sizeof err) != HS_OK)
		fail_msg("'%s' rejected: %s", s, err);
	return &c;
}

static void
where_bad(const char *s, const char *want)
{
	struct hs_cond *c = malloc(sizeof *c);

	assert_non_null(c);
	err[0] = '\0';
	if (hs_where_parse(s, c, err, sizeof err) != HS_EINPUT)
		fail_msg("'%s' accepted", s);
	if (strstr(err, want) == NULL)
		fail_msg("message '%s' lacks '%s'", err, want);
	assert_null(strchr(err, '\n'));
	free(c);
}

static void
test_all_operators(void **state)
{
	static const struct { const char *s; enum hs_op op; } cases[] = {
		{"exit_status == 1", HS_OP_EQ}, {"exit_status != 1", HS_OP_NE},
		{"exit_status > 1", HS_OP_GT}, {"exit_status >= 1", HS_OP_GE},
		{"exit_status < 1", HS_OP_LT}, {"exit_status <= 1", HS_OP_LE},
		{"exit_status ~ 1", HS_OP_MATCH}, {"exit_status = 1", HS_OP_EQ},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct hs_cond *c = where_ok(cases[i].s);
		assert_int_equal(c->field, HS_F_EXIT_STATUS);
		if (c->op != cases[i].op)
			fail_msg("'%s' parsed as op %d", cases[i].s, c->op);
		assert_string_equal(c->text, "1");
	}
}

/* The original read ">=1" as ">" with the value "=1". */
static void
test_longest_operator_first(void **state)
{
	struct hs_cond *c = where_ok("exit_status>=1");

	assert_int_equal(c->op, HS_OP_GE);
	assert_string_equal(c->text, "1");
	assert_int_equal(c->value.i, 1);
	c = where_ok("exit_status<=-2");
	assert_int_equal(c->op, HS_OP_LE);
	assert_int_equal(c->value.i, -2);
	c = where_ok("exit_status!=0");
	assert_int_equal(c->op, HS_OP_NE);
	assert_int_equal(c->value.i, 0);
}

static void
test_op_text(void **state)
{
	assert_string_equal(hs_op_text(HS_OP_EQ), "==");
	assert_string_equal(hs_op_text(HS_OP_NE), "!=");
	assert_string_equal(hs_op_text(HS_OP_GT), ">");
	assert_string_equal(hs_op_text(HS_OP_GE), ">=");
	assert_string_equal(hs_op_text(HS_OP_LT), "<");
	assert_string_equal(hs_op_text(HS_OP_LE), "<=");
	assert_string_equal(hs_op_text(HS_OP_MATCH), "~");
	assert_string_equal(hs_op_text((enum hs_op)99), "?");
}

/* HyperShell issue #18: a string column never turns "1" into a number. */
static void
test_string_field_not_coerced(void **state)
{
	struct hs_cond *c = where_ok("args == 1");

	assert_int_equal(c->field, HS_F_ARGS);
	assert_false(c->value.null);
	assert_non_null(c->value.s);
	assert_string_equal(c->value.s, "1");
	assert_int_equal(c->value.i, 0);
	c = where_ok("submit_host == 00123");
	assert_string_equal(c->value.s, "00123");
}

static void
test_int_field_typed(void **state)
{
	struct hs_cond *c = where_ok("group == 7");

	assert_int_equal(c->field, HS_F_GROUP);
	assert_int_equal(c->value.i, 7);
	where_bad("group == seven", "group: expected an integer, got 'seven'");
	where_bad("exit_status > 1.5", "exit_status: expected an integer");
}

static void
test_time_value_normalised(void **state)
{
	struct hs_cond *c = where_ok("submit_time >= 2026-01-31");

	assert_int_equal(c->op, HS_OP_GE);
	assert_ptr_equal(c->value.s, c->tsbuf);
	assert_string_equal(c->value.s, "2026-01-31 00:00:00.000000+00:00");
	assert_string_equal(c->text, "2026-01-31");
	c = where_ok("start_time < '2026-01-31 12:00:00+01:00'");
	assert_string_equal(c->value.s, "2026-01-31 11:00:00.000000+00:00");
	where_bad("start_time > soon", "start_time: expected a time");
}

static void
test_null_only_with_eq_ne(void **state)
{
	struct hs_cond *c = where_ok("exit_status == null");

	assert_true(c->value.null);
	c = where_ok("exit_status != None");
	assert_true(c->value.null);
	assert_int_equal(c->op, HS_OP_NE);
	where_bad("exit_status > null", "null can only be compared with == or !=");
	c = where_ok("args == null");
	assert_true(c->value.null);
}

static void
test_spaces_and_quotes(void **state)
{
	struct hs_cond *c = where_ok("  args   ==   echo hi  ");

	assert_string_equal(c->text, "echo hi");
	c = where_ok("args == '  padded  '");
	assert_string_equal(c->text, "  padded  ");
	assert_string_equal(c->value.s, "  padded  ");
	c = where_ok("args==\"a b\"");
	assert_string_equal(c->text, "a b");
	c = where_ok("args == 'mismatched\"");  /* quotes must pair */
	assert_string_equal(c->text, "'mismatched\"");
	c = where_ok("args == '");
	assert_string_equal(c->text, "'");
	c = where_ok("args == ''");
	assert_string_equal(c->text, "");
	c = where_ok("args ==");
	assert_string_equal(c->text, "");
}

static void
test_match_checks_regex(void **state)
{
	struct hs_cond *c = where_ok("args ~ ^echo [0-9]+$");

	assert_int_equal(c->op, HS_OP_MATCH);
	assert_string_equal(c->value.s, "^echo [0-9]+$");
	c = where_ok("exit_status ~ ^1");  /* regex on any column, untyped */
	assert_string_equal(c->value.s, "^1");
	where_bad("args ~ ([a-", "bad regular expression '([a-'");
}

/* glibc's regcomp takes time exponential in the number of adjacent
 * quantifiers ("a" + 23 '+' takes 18 s): a short condition must not be
 * able to hang the command. Such patterns are rejected up front. */
static void
test_regex_blowup_rejected(void **state)
{
	char s[64];
	struct timespec a, b;
	long ms;
	static struct hs_cond c[1];

	snprintf(s, sizeof s, "args ~ a%.20s", "++++++++++++++++++++++++");
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(hs_where_parse(s, c, err, sizeof err), HS_EINPUT);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	if (ms > 200)
		fail_msg("compiling the pattern took %ld ms", ms);
	assert_non_null(strstr(err, "bad regular expression"));
}

static void
test_bad_field_and_op(void **state)
{
	where_bad("", "expected FIELD OP VALUE");
	where_bad("   ", "expected FIELD OP VALUE");
	where_bad("== 1", "expected FIELD OP VALUE");
	where_bad("nosuch == 1", "unknown field 'nosuch'");
	where_bad("Args == 1", "unknown field 'Args'");
	where_bad("args", "expected one of == != > >= < <= ~ after 'args'");
	where_bad("args !~ x", "expected one of");
	where_bad("args 1", "expected one of");
}

static void
test_long_field_name(void **state)
{
	char s[200];

	memset(s, 'a', 100);
	snprintf(s + 100, sizeof s - 100, " == 1");
	where_bad(s, "expected FIELD OP VALUE");
}

static void
test_length_limit(void **state)
{
	char *s = malloc(HS_WHERE_MAX + 2);
	struct hs_cond *c;

	assert_non_null(s);
	memcpy(s, "args == ", 8);
	memset(s + 8, 'x', HS_WHERE_MAX - 8);
	s[HS_WHERE_MAX] = '\0';
	c = where_ok(s);  /* exactly the maximum */
	assert_int_equal(strlen(c->text), HS_WHERE_MAX - 8);
	s[HS_WHERE_MAX] = 'x';
	s[HS_WHERE_MAX + 1] = '\0';
	where_bad(s, "condition longer than 4096 characters");
	free(s);
}

static void
test_message_quotes_input_briefly(void **state)
{
	char s[400];

	memset(s, 'z', 300);
	memcpy(s, "nosuch == ", 10);
	s[300] = '\0';
	where_bad(s, "unknown field 'nosuch' in condition 'nosuch == zzz");
	assert_true(strlen(err) < 200);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_operators),
		cmocka_unit_test(test_longest_operator_first),
		cmocka_unit_test(test_op_text),
		cmocka_unit_test(test_string_field_not_coerced),
		cmocka_unit_test(test_int_field_typed),
		cmocka_unit_test(test_time_value_normalised),
		cmocka_unit_test(test_null_only_with_eq_ne),
		cmocka_unit_test(test_spaces_and_quotes),
		cmocka_unit_test(test_match_checks_regex),
		cmocka_unit_test(test_regex_blowup_rejected),
		cmocka_unit_test(test_bad_field_and_op),
		cmocka_unit_test(test_long_field_name),
		cmocka_unit_test(test_length_limit),
		cmocka_unit_test(test_message_quotes_input_briefly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
