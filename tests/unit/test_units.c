/* test_units.c: unit tests for size parsing (src/units.c). */
#include "testutil.h"

#include "units.h"

static int64_t
size_ok(const char *s)
{
	int64_t v = -1;

	if (hs_parse_size(s, &v) != HS_OK)
		fail_msg("'%s' was rejected", s);
	return v;
}

static void
size_bad(const char *s)
{
	int64_t v = 12345;

	if (hs_parse_size(s, &v) != HS_EINPUT)
		fail_msg("'%s' was accepted as %lld", s, (long long)v);
	assert_int_equal(v, 12345);  /* untouched on error */
}

static void
test_plain_bytes(void **state)
{
	assert_int_equal(size_ok("0"), 0);
	assert_int_equal(size_ok("512"), 512);
	assert_int_equal(size_ok("512B"), 512);
	assert_int_equal(size_ok("512b"), 512);
}

static void
test_units_are_powers_of_1024(void **state)
{
	assert_int_equal(size_ok("1K"), 1024);
	assert_int_equal(size_ok("1KB"), 1024);
	assert_int_equal(size_ok("1KiB"), 1024);
	assert_int_equal(size_ok("512MB"), 512LL << 20);
	assert_int_equal(size_ok("512mb"), 512LL << 20);
	assert_int_equal(size_ok("2GiB"), 2LL << 30);
	assert_int_equal(size_ok("3tb"), 3LL << 40);
	assert_int_equal(size_ok("1T"), 1LL << 40);
}

static void
test_decimal_and_space(void **state)
{
	assert_int_equal(size_ok("1.5G"), 3LL << 29);
	assert_int_equal(size_ok("0.5KB"), 512);
	assert_int_equal(size_ok("1 GB"), 1LL << 30);
	assert_int_equal(size_ok("10 "), 10);
}

static void
test_malformed(void **state)
{
	size_bad("");
	size_bad("MB");
	size_bad("-1");
	size_bad("-1MB");
	size_bad("+1");
	size_bad(" 1");
	size_bad("\t1");
	size_bad("1XB");
	size_bad("1 M B");
	size_bad("1PB");      /* no petabytes */
	size_bad("inf");
	size_bad("nan");
	size_bad("1e999");
}

static void
test_too_large(void **state)
{
	assert_int_equal(size_ok("8388607TB"), 8388607LL << 40);
	size_bad("8388608TB");  /* 2^63 bytes */
	size_bad("99999999999999999999");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_bytes),
		cmocka_unit_test(test_units_are_powers_of_1024),
		cmocka_unit_test(test_decimal_and_space),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_too_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
