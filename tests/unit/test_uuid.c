/* test_uuid.c: unit tests for UUIDv7 generation (src/uuid.c). */
#include "testutil.h"

#include "uuid.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The 48-bit millisecond timestamp of a UUIDv7 string. */
static uint64_t
uuid_ms(const char *u)
{
	char hex[13];

	memcpy(hex, u, 8);
	memcpy(hex + 8, u + 9, 4);
	hex[12] = '\0';
	return strtoull(hex, NULL, 16);
}

static void
test_format_and_version(void **state)
{
	char u[HS_UUID_STRLEN + 1];

	assert_int_equal(hs_uuid7(u), HS_OK);
	assert_int_equal(strlen(u), 36);
	assert_true(hs_uuid_valid(u));
	assert_int_equal(u[8], '-');
	assert_int_equal(u[13], '-');
	assert_int_equal(u[18], '-');
	assert_int_equal(u[23], '-');
	assert_int_equal(u[14], '7');                      /* version 7 */
	assert_non_null(strchr("89ab", u[19]));            /* RFC 9562 variant */
	for (int i = 0; i < 36; i++)                       /* lowercase */
		assert_true(u[i] == '-' || (u[i] >= '0' && u[i] <= '9') ||
		            (u[i] >= 'a' && u[i] <= 'f'));
}

static void
test_timestamp_is_now(void **state)
{
	char u[HS_UUID_STRLEN + 1];
	struct timespec ts;
	uint64_t before, after;

	clock_gettime(CLOCK_REALTIME, &ts);
	before = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	assert_int_equal(hs_uuid7(u), HS_OK);
	clock_gettime(CLOCK_REALTIME, &ts);
	after = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	/* the counter may borrow a millisecond or two when ids come fast */
	assert_true(uuid_ms(u) >= before);
	assert_true(uuid_ms(u) <= after + 2);
}

static void
test_strictly_increasing(void **state)
{
	enum { N = 20000 };
	char prev[HS_UUID_STRLEN + 1], cur[HS_UUID_STRLEN + 1];

	assert_int_equal(hs_uuid7(prev), HS_OK);
	for (int i = 0; i < N; i++) {
		assert_int_equal(hs_uuid7(cur), HS_OK);
		if (strcmp(prev, cur) >= 0)
			fail_msg("id %d not increasing: %s then %s", i, prev, cur);
		memcpy(prev, cur, sizeof cur);
	}
}

static void
test_valid_accepts_any_case(void **state)
{
	assert_true(hs_uuid_valid("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"));
	assert_true(hs_uuid_valid("0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B"));
	assert_true(hs_uuid_valid("00000000-0000-0000-0000-000000000000"));
}

static void
test_valid_rejects(void **state)
{
	assert_false(hs_uuid_valid(""));
	assert_false(hs_uuid_valid("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5"));    /* short */
	assert_false(hs_uuid_valid("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5bb"));  /* long */
	assert_false(hs_uuid_valid("0190a1b2c3d4-7e5f-8a9b-0c1d2e3f4a5b0"));   /* dash moved */
	assert_false(hs_uuid_valid("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5g"));   /* not hex */
	assert_false(hs_uuid_valid("{190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"));
	assert_false(hs_uuid_valid("0190a1b2-c3d4-7e5f-8a9b 0c1d2e3f4a5b"));
}

static void
test_random_fills(void **state)
{
	unsigned char a[64], b[64], zero[64] = {0};

	memset(a, 0, sizeof a);
	memset(b, 0, sizeof b);
	assert_int_equal(hs_random(a, sizeof a), HS_OK);
	assert_int_equal(hs_random(b, sizeof b), HS_OK);
	assert_memory_not_equal(a, zero, sizeof a);
	assert_memory_not_equal(a, b, sizeof a);
	assert_int_equal(hs_random(a, 0), HS_OK);
}

static void
test_random_bits_differ(void **state)
{
	char a[HS_UUID_STRLEN + 1], b[HS_UUID_STRLEN + 1];

	assert_int_equal(hs_uuid7(a), HS_OK);
	assert_int_equal(hs_uuid7(b), HS_OK);
	/* the last 62 bits are random: two ids never share them */
	assert_memory_not_equal(a + 19, b + 19, 17);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_and_version),
		cmocka_unit_test(test_timestamp_is_now),
		cmocka_unit_test(test_strictly_increasing),
		cmocka_unit_test(test_valid_accepts_any_case),
		cmocka_unit_test(test_valid_rejects),
		cmocka_unit_test(test_random_fills),
		cmocka_unit_test(test_random_bits_differ),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
