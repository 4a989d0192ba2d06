/* test_autoscale.c: unit tests for the autoscaling policy (src/autoscale.c). */
#include "testutil.h"

#include "autoscale.h"

static int
decide(enum hs_scale_policy p, int running, int min, int max, int64_t remaining, double pressure)
{
	struct hs_scale_in in = {p, running, min, max, remaining, pressure};

	return hs_scale_decide(&in);
}

static void
test_fixed_keeps_min(void **state)
{
	assert_int_equal(decide(HS_SCALE_FIXED, 0, 2, 4, 0, 0), 1);   /* one per period */
	assert_int_equal(decide(HS_SCALE_FIXED, 1, 2, 4, 0, 0), 1);
	assert_int_equal(decide(HS_SCALE_FIXED, 2, 2, 4, 0, 0), 0);
}

static void
test_fixed_launches_one_when_none_runs_and_work_remains(void **state)
{
	assert_int_equal(decide(HS_SCALE_FIXED, 0, 0, 4, 10, 0), 1);
	assert_int_equal(decide(HS_SCALE_FIXED, 0, 0, 4, 0, 0), 0);
	assert_int_equal(decide(HS_SCALE_FIXED, 1, 0, 4, 10, 50), 0);   /* pressure ignored */
}

static void
test_dynamic_adds_under_pressure_up_to_max(void **state)
{
	assert_int_equal(decide(HS_SCALE_DYNAMIC, 1, 0, 4, 100, 3), 1);
	assert_int_equal(decide(HS_SCALE_DYNAMIC, 1, 0, 4, 100, 0.5), 0);
	assert_int_equal(decide(HS_SCALE_DYNAMIC, 0, 0, 4, 100, 3), 2);
	assert_int_equal(decide(HS_SCALE_DYNAMIC, 4, 0, 4, 100, 3), 0);
	assert_int_equal(decide(HS_SCALE_DYNAMIC, 3, 0, 4, 100, 3), 1);
	assert_int_equal(decide(HS_SCALE_DYNAMIC, 2, 0, 4, 0, 3), 0);    /* nothing left */
}

static void
test_never_past_max(void **state)
{
	assert_int_equal(decide(HS_SCALE_FIXED, 0, 5, 0, 10, 0), 0);
	assert_int_equal(decide(HS_SCALE_DYNAMIC, 0, 0, 1, 10, 9), 1);
	assert_int_equal(decide(HS_SCALE_FIXED, 3, 5, 2, 10, 0), 0);
}

static void
test_pressure(void **state)
{
	/* 100 tasks at 10/s take 10 s; tasks last 2 s: 10 / (1 * 2) = 5 */
	assert_true(hs_scale_pressure(100, 10, 2, 1) > 4.99);
	assert_true(hs_scale_pressure(100, 10, 2, 1) < 5.01);
	assert_true(hs_scale_pressure(100, 10, 2, 10) < 0.51);
	assert_true(hs_scale_pressure(0, 10, 2, 1) == 0);
	assert_true(hs_scale_pressure(100, 0, 2, 1) == 0);    /* no rate yet */
	assert_true(hs_scale_pressure(100, 10, 0, 1) == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_keeps_min),
		cmocka_unit_test(test_fixed_launches_one_when_none_runs_and_work_remains),
		cmocka_unit_test(test_dynamic_adds_under_pressure_up_to_max),
		cmocka_unit_test(test_never_past_max),
		cmocka_unit_test(test_pressure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
