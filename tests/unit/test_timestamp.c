/* test_timestamp.c: unit tests for the stored time form (src/timestamp.c). */
#include "testutil.h"

#include "timestamp.h"

#include <string.h>
#include <time.h>

static const char *
fmt(int64_t us)
{
	static char out[HS_TS_LEN + 1];

	memset(out, 'X', sizeof out);
	hs_ts_format(us, out);
	return out;
}

static int64_t
parse_ok(const char *s)
{
	int64_t us = 0;

	if (!hs_ts_parse(s, &us))
		fail_msg("'%s' was rejected", s);
	return us;
}

static void
parse_bad(const char *s)
{
	int64_t us = 4242;

	if (hs_ts_parse(s, &us))
		fail_msg("'%s' was accepted", s);
	assert_int_equal(us, 4242);
}

static void
test_format_epoch_and_known(void **state)
{
	assert_string_equal(fmt(0), "1970-01-01 00:00:00.000000+00:00");
	assert_int_equal(strlen(fmt(0)), HS_TS_LEN);
	assert_string_equal(fmt(1767225600123456LL), "2026-01-01 00:00:00.123456+00:00");
	assert_string_equal(fmt(951782400000000LL), "2000-02-29 00:00:00.000000+00:00");
	assert_string_equal(fmt(253402300799999999LL), "9999-12-31 23:59:59.999999+00:00");
}

static void
test_format_before_epoch(void **state)
{
	assert_string_equal(fmt(-1), "1969-12-31 23:59:59.999999+00:00");
	assert_string_equal(fmt(-1000000), "1969-12-31 23:59:59.000000+00:00");
	assert_string_equal(fmt(-86400000000LL), "1969-12-31 00:00:00.000000+00:00");
}

static void
test_parse_forms(void **state)
{
	assert_int_equal(parse_ok("1970-01-01"), 0);
	assert_int_equal(parse_ok("1970-01-01 00:00"), 0);
	assert_int_equal(parse_ok("1970-01-01T00:00:01"), 1000000);
	assert_int_equal(parse_ok("1970-01-01 00:00:00.5"), 500000);
	assert_int_equal(parse_ok("1970-01-01 00:00:00.000001"), 1);
	assert_int_equal(parse_ok("1970-01-01 00:00:00.1234569"), 123456);  /* truncated */
	assert_int_equal(parse_ok("1970-01-01 00:00:00Z"), 0);
	assert_int_equal(parse_ok("1970-01-01 00:00:00z"), 0);
	assert_int_equal(parse_ok("2026-01-01 00:00:00.123456+00:00"), 1767225600123456LL);
}

static void
test_parse_offsets_normalise_to_utc(void **state)
{
	assert_int_equal(parse_ok("1970-01-01 01:00:00+01:00"), 0);
	assert_int_equal(parse_ok("1969-12-31 19:00:00-05:00"), 0);
	assert_int_equal(parse_ok("1970-01-01 05:30:00+05:30"), 0);
	assert_string_equal(fmt(parse_ok("2026-03-01T00:30:00+01:00")),
	    "2026-02-28 23:30:00.000000+00:00");
}

static void
test_round_trip(void **state)
{
	static const int64_t v[] = {
		0, 1, 999999, 1000000, 1767225600123456LL, 4102444799999999LL,
		-1, -123456789, 68169600000000LL,
	};

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		assert_int_equal(parse_ok(fmt(v[i])), v[i]);
}

static void
test_text_order_is_time_order(void **state)
{
	char a[HS_TS_LEN + 1], b[HS_TS_LEN + 1];
	int64_t t = 1767225600000000LL;

	for (int64_t d = 1; d < 100000000000LL; d *= 7) {
		hs_ts_format(t, a);
		hs_ts_format(t + d, b);
		assert_true(strcmp(a, b) < 0);
	}
}

static void
test_parse_malformed(void **state)
{
	parse_bad("");
	parse_bad("2026");
	parse_bad("2026-1-01");
	parse_bad("2026-01-1");
	parse_bad("26-01-01");
	parse_bad("2026/01/01");
	parse_bad("2026-00-10");
	parse_bad("2026-13-10");
	parse_bad("2026-01-00");
	parse_bad("2026-01-32");
	parse_bad("2026-01-01 ");
	parse_bad("2026-01-01x");
	parse_bad("2026-01-01 24:00");
	parse_bad("2026-01-01 12:60");
	parse_bad("2026-01-01 12:00:61");
	parse_bad("2026-01-01 12");
	parse_bad("2026-01-01 12:00:00.");
	parse_bad("2026-01-01 12:00:00+0100");
	parse_bad("2026-01-01 12:00:00+01");
	parse_bad("2026-01-01 12:00:00 ");
	parse_bad("2026-01-01 12:00:00+01:00x");
}

/* A date that does not exist must not be shifted into the next month. */
static void
test_parse_rejects_impossible_dates(void **state)
{
	parse_bad("2026-02-30");
	parse_bad("2026-02-29");
	parse_bad("2026-04-31 10:00");
	assert_int_equal(parse_ok("2024-02-29"), 1709164800000000LL);
}

/* Offsets beyond +-23:59 are not times anyone writes. */
static void
test_parse_rejects_bad_offsets(void **state)
{
	parse_bad("2026-01-01 12:00:00+24:00");
	parse_bad("2026-01-01 12:00:00+01:60");
	parse_bad("2026-01-01 12:00:00-99:99");
}

/* A time that normalises past 9999-12-31 UTC has no 32-character form
 * (hs_ts_format would cut "10000-01-01 ...+00:00" to "...+00:0"). */
static void
test_parse_rejects_unrepresentable_year(void **state)
{
	parse_bad("9999-12-31 23:59:59-01:00");
	assert_int_equal(parse_ok("9999-12-31 23:59:59+01:00"), 253402297199000000LL);
}

static void
test_clocks(void **state)
{
	struct timespec ts;
	int64_t now = hs_now_us(), m1, m2;

	clock_gettime(CLOCK_REALTIME, &ts);
	assert_true(now <= (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
	assert_true(now > (int64_t)ts.tv_sec * 1000000 - 5000000);
	m1 = hs_mono_ms();
	m2 = hs_mono_ms();
	assert_true(m2 >= m1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_epoch_and_known),
		cmocka_unit_test(test_format_before_epoch),
		cmocka_unit_test(test_parse_forms),
		cmocka_unit_test(test_parse_offsets_normalise_to_utc),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_text_order_is_time_order),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_parse_rejects_impossible_dates),
		cmocka_unit_test(test_parse_rejects_bad_offsets),
		cmocka_unit_test(test_parse_rejects_unrepresentable_year),
		cmocka_unit_test(test_clocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
