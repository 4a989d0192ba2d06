/* test_utf8.c: unit tests for strict UTF-8 validation (src/utf8.c). */
#include "testutil.h"

#include "utf8.h"

#include <string.h>

/* s (n bytes) must be invalid with the first bad byte at want. */
static void
bad_at(const char *s, size_t n, size_t want)
{
	size_t bad = (size_t)-1;

	if (hs_utf8_valid(s, n, &bad))
		fail_msg("accepted invalid sequence at %zu", want);
	assert_int_equal(bad, want);
	assert_false(hs_utf8_valid(s, n, NULL));  /* bad may be NULL */
}

static void
test_ascii_and_empty(void **state)
{
	size_t bad = 77;

	assert_true(hs_utf8_valid("", 0, &bad));
	assert_true(hs_utf8_valid(NULL, 0, &bad));
	assert_true(hs_utf8_valid("hello\tworld\x7f", 12, &bad));
	assert_int_equal(bad, 77);  /* untouched when valid */
	assert_true(hs_utf8_valid("a\0b", 3, NULL));  /* NUL is valid UTF-8 */
}

static void
test_valid_multibyte_boundaries(void **state)
{
	static const char *ok[] = {
		"\xC2\x80",          /* U+0080, smallest 2-byte */
		"\xDF\xBF",          /* U+07FF */
		"\xE0\xA0\x80",      /* U+0800, smallest 3-byte */
		"\xED\x9F\xBF",      /* U+D7FF, just below surrogates */
		"\xEE\x80\x80",      /* U+E000, just above */
		"\xEF\xBF\xBF",      /* U+FFFF */
		"\xF0\x90\x80\x80",  /* U+10000 */
		"\xF4\x8F\xBF\xBF",  /* U+10FFFF, the largest */
		"h\xC3\xA9llo \xF0\x9F\x98\x80",
	};

	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (!hs_utf8_valid(ok[i], strlen(ok[i]), NULL))
			fail_msg("rejected valid sequence %zu", i);
}

static void
test_overlongs_rejected(void **state)
{
	bad_at("\xC0\x80", 2, 0);
	bad_at("\xC1\xBF", 2, 0);
	bad_at("ab\xE0\x9F\xBF", 5, 2);
	bad_at("\xF0\x8F\xBF\xBF", 4, 0);
}

static void
test_surrogates_and_too_large(void **state)
{
	bad_at("\xED\xA0\x80", 3, 0);       /* U+D800 */
	bad_at("x\xED\xBF\xBF", 4, 1);      /* U+DFFF */
	bad_at("\xF4\x90\x80\x80", 4, 0);   /* U+110000 */
	bad_at("\xF5\x80\x80\x80", 4, 0);
	bad_at("\xFF", 1, 0);
	bad_at("\xFE", 1, 0);
}

static void
test_truncated_and_stray(void **state)
{
	bad_at("abc\xC3", 4, 3);             /* cut at the end */
	bad_at("\xE2\x82", 2, 0);
	bad_at("\xF0\x9F\x98", 3, 0);
	bad_at("ok\x80", 3, 2);               /* stray continuation */
	bad_at("\xC3\xA9\xC3(", 4, 2);        /* bad continuation */
	bad_at("\xE2\x28\xA1", 3, 0);
	bad_at("\xF0\x9F\x98\x28", 4, 0);
	/* the length bounds the check: a valid char cut by len is invalid */
	bad_at("\xC3\xA9", 1, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii_and_empty),
		cmocka_unit_test(test_valid_multibyte_boundaries),
		cmocka_unit_test(test_overlongs_rejected),
		cmocka_unit_test(test_surrogates_and_too_large),
		cmocka_unit_test(test_truncated_and_stray),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
