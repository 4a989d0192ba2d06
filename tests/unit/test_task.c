/* test_task.c: unit tests for the column table and cell conversions
 * (src/task.c). */
#include "testutil.h"

#include "task.h"

#include <stdlib.h>
#include <string.h>

struct conv {
	struct hs_cell c;
	char tsbuf[HS_TS_LEN + 1];
	char err[200];
	hs_err e;
};

/* Convert into a static result, so pointers into tsbuf stay valid. */
static struct conv *
conv(int field, const char *s)
{
	static struct conv r;

	memset(&r, 0, sizeof r);
	r.e = hs_cell_from_text(field, s, &r.c, r.tsbuf, r.err, sizeof r.err);
	return &r;
}

static void
conv_bad(int field, const char *s, const char *want)
{
	struct conv *r = conv(field, s);

	if (r->e != HS_EINPUT)
		fail_msg("%s '%s' was accepted", hs_fields[field].name, s);
	if (strstr(r->err, want) == NULL)
		fail_msg("message '%s' lacks '%s'", r->err, want);
}

static void
test_field_table(void **state)
{
	assert_int_equal(hs_field_find("id"), HS_F_ID);
	assert_int_equal(hs_field_find("group"), HS_F_GROUP);
	assert_int_equal(hs_field_find("exit_status"), HS_F_EXIT_STATUS);
	assert_int_equal(hs_field_find("tag"), HS_F_TAG);
	assert_int_equal(hs_field_find("Tag"), -1);
	assert_int_equal(hs_field_find(""), -1);
	assert_int_equal(hs_field_find("tags"), -1);
	for (int f = 0; f < HS_F_COUNT; f++) {
		assert_non_null(hs_fields[f].name);
		assert_int_equal(hs_field_find(hs_fields[f].name), f);
	}
	assert_true(hs_fields[HS_F_ARGS].required);
	assert_false(hs_fields[HS_F_EXIT_STATUS].required);
	assert_int_equal(hs_fields[HS_F_SUBMIT_TIME].type, HS_FT_TIME);
	assert_int_equal(hs_fields[HS_F_RETRIED].type, HS_FT_BOOL);
}

static void
test_clear_makes_all_null(void **state)
{
	struct hs_task t;
	char buf[64];

	memset(&t, 0x5a, sizeof t);
	hs_task_clear(&t);
	for (int f = 0; f < HS_F_COUNT; f++) {
		assert_true(t.f[f].null);
		assert_null(hs_cell_text(&t, f, buf, sizeof buf));
	}
}

static void
test_int_cells(void **state)
{
	struct conv *r = conv(HS_F_EXIT_STATUS, "-15");

	assert_int_equal(r->e, HS_OK);
	assert_false(r->c.null);
	assert_int_equal(r->c.i, -15);
	r = conv(HS_F_GROUP, "9223372036854775807");
	assert_int_equal(r->e, HS_OK);
	assert_int_equal(r->c.i, INT64_MAX);
	conv_bad(HS_F_GROUP, "9223372036854775808", "expected an integer, got '9223372036854775808'");
	conv_bad(HS_F_CORES, "1.5", "expected an integer");
	conv_bad(HS_F_CORES, "", "expected an integer");
	conv_bad(HS_F_CORES, "4x", "expected an integer");
}

static void
test_real_and_bool_cells(void **state)
{
	struct conv *r = conv(HS_F_CORES_MAX, "2.5");

	assert_int_equal(r->e, HS_OK);
	assert_true(r->c.d == 2.5);
	r = conv(HS_F_MEMORY_MAX, "1e3");
	assert_true(r->c.d == 1000.0);
	conv_bad(HS_F_CORES_MAX, "inf", "expected a number");
	conv_bad(HS_F_CORES_MAX, "nan", "expected a number");
	conv_bad(HS_F_CORES_MAX, "1.5.2", "expected a number");
	r = conv(HS_F_RETRIED, "TRUE");
	assert_int_equal(r->e, HS_OK);
	assert_int_equal(r->c.i, 1);
	r = conv(HS_F_RETRIED, "0");
	assert_int_equal(r->e, HS_OK);
	assert_int_equal(r->c.i, 0);
	conv_bad(HS_F_RETRIED, "yes", "expected true or false, got 'yes'");
}

static void
test_null_cells(void **state)
{
	struct conv *r = conv(HS_F_EXIT_STATUS, "null");

	assert_int_equal(r->e, HS_OK);
	assert_true(r->c.null);
	r = conv(HS_F_COMMAND, "None");
	assert_int_equal(r->e, HS_OK);
	assert_true(r->c.null);
	r = conv(HS_F_SCHEDULE_TIME, "NULL");
	assert_true(r->c.null);
	/* required columns too: a condition "args == null" just matches nothing;
	 * hs update refuses to store a null there */
	r = conv(HS_F_ARGS, "null");
	assert_int_equal(r->e, HS_OK);
	assert_true(r->c.null);
}

static void
test_text_is_borrowed_not_coerced(void **state)
{
	const char *s = "1";
	struct conv *r = conv(HS_F_ARGS, s);

	assert_int_equal(r->e, HS_OK);
	assert_ptr_equal(r->c.s, s);
	assert_false(r->c.null);
	r = conv(HS_F_CLIENT_HOST, "007");
	assert_string_equal(r->c.s, "007");
	r = conv(HS_F_OUTPATH, "");
	assert_int_equal(r->e, HS_OK);
	assert_string_equal(r->c.s, "");
}

static void
test_time_cells_are_normalised(void **state)
{
	struct conv *r = conv(HS_F_SUBMIT_TIME, "2026-01-31 12:00");

	assert_int_equal(r->e, HS_OK);
	assert_ptr_equal(r->c.s, r->tsbuf);
	assert_string_equal(r->c.s, "2026-01-31 12:00:00.000000+00:00");
	r = conv(HS_F_START_TIME, "2026-01-31T14:00:00.25+02:00");
	assert_int_equal(r->e, HS_OK);
	assert_string_equal(r->c.s, "2026-01-31 12:00:00.250000+00:00");
	r = conv(HS_F_COMPLETION_TIME, "2026-02-01");
	assert_string_equal(r->c.s, "2026-02-01 00:00:00.000000+00:00");
	conv_bad(HS_F_START_TIME, "yesterday", "expected a time like 2026-01-31 12:00:00, got 'yesterday'");
}

static void
test_error_message_bounded(void **state)
{
	char big[300];
	struct conv *r;

	memset(big, '9', sizeof big - 1);
	big[0] = 'x';
	big[sizeof big - 1] = '\0';
	r = conv(HS_F_CORES, big);
	assert_int_equal(r->e, HS_EINPUT);
	assert_true(strlen(r->err) < 100);  /* value cut to 60 characters */
}

static void
test_cell_text(void **state)
{
	struct hs_task t;
	char buf[64];

	hs_task_clear(&t);
	t.f[HS_F_GROUP] = (struct hs_cell){.i = -42};
	t.f[HS_F_RETRIED] = (struct hs_cell){.i = 1};
	t.f[HS_F_CORES_MAX] = (struct hs_cell){.d = 0.1};
	t.f[HS_F_MEMORY_MAX] = (struct hs_cell){.d = 3.0};
	t.f[HS_F_ARGS] = (struct hs_cell){.s = "echo hi"};
	assert_string_equal(hs_cell_text(&t, HS_F_GROUP, buf, sizeof buf), "-42");
	assert_string_equal(hs_cell_text(&t, HS_F_RETRIED, buf, sizeof buf), "true");
	assert_string_equal(hs_cell_text(&t, HS_F_CORES_MAX, buf, sizeof buf), "0.1");
	assert_string_equal(hs_cell_text(&t, HS_F_MEMORY_MAX, buf, sizeof buf), "3.0");
	assert_string_equal(hs_cell_text(&t, HS_F_ARGS, buf, sizeof buf), "echo hi");
	t.f[HS_F_RETRIED].i = 0;
	assert_string_equal(hs_cell_text(&t, HS_F_RETRIED, buf, sizeof buf), "false");
	t.f[HS_F_CORES_MAX].d = 1.0 / 3.0;
	assert_string_equal(hs_cell_text(&t, HS_F_CORES_MAX, buf, sizeof buf),
	    "0.3333333333333333");
}

/* A value that needs all 17 significant digits must still round-trip. */
static void
test_cell_text_real_round_trips(void **state)
{
	static const double v[] = {0.1 + 0.2, 1.0 / 3.0, 2.0 / 3.0, 1e-300, 123456789.123456789};
	struct hs_task t;
	char buf[64];

	hs_task_clear(&t);
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		t.f[HS_F_CORES_MAX] = (struct hs_cell){.d = v[i]};
		const char *s = hs_cell_text(&t, HS_F_CORES_MAX, buf, sizeof buf);
		if (strtod(s, NULL) != v[i])
			fail_msg("%.17g printed as '%s'", v[i], s);
	}
	t.f[HS_F_CORES_MAX].d = 0.1 + 0.2;
	assert_string_equal(hs_cell_text(&t, HS_F_CORES_MAX, buf, sizeof buf),
	                    "0.30000000000000004");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_table),
		cmocka_unit_test(test_clear_makes_all_null),
		cmocka_unit_test(test_int_cells),
		cmocka_unit_test(test_real_and_bool_cells),
		cmocka_unit_test(test_null_cells),
		cmocka_unit_test(test_text_is_borrowed_not_coerced),
		cmocka_unit_test(test_time_cells_are_normalised),
		cmocka_unit_test(test_error_message_bounded),
		cmocka_unit_test(test_cell_text),
		cmocka_unit_test(test_cell_text_real_round_trips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
