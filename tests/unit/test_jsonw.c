/* test_jsonw.c: unit tests for the JSON writer (src/jsonw.c): its text is
 * byte for byte what jansson's json_dumps(JSON_COMPACT) writes for the
 * same value, and reads back as that value. */
#include "testutil.h"

#include "jsonw.h"

#include <float.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What jansson writes for v (taken). */
static char *
jansson_text(json_t *v)
{
	char *s;

	assert_non_null(v);
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(v);
	assert_non_null(s);
	return s;
}

static void
same_string(const char *s, size_t len)
{
	struct hs_buf b = HS_BUF_INIT(1 << 20);
	char *want = jansson_text(json_stringn(s, len));
	json_error_t je;
	json_t *back;

	assert_int_equal(jsonw_string(&b, s, len), HS_OK);
	assert_string_equal(hs_buf_str(&b), want);
	back = json_loadb(b.data, b.len, JSON_DECODE_ANY, &je);
	if (back == NULL)
		fail_msg("%s does not read back: %s", hs_buf_str(&b), je.text);
	assert_int_equal(json_string_length(back), len);
	assert_memory_equal(json_string_value(back), s, len);
	json_decref(back);
	free(want);
	hs_buf_free(&b);
}

static void
test_strings_escape_as_jansson(void **state)
{
	char all[0x80];

	same_string("", 0);
	same_string("plain text", 10);
	same_string("\"quoted\" \\ back/slash", 21);
	same_string("\b\f\n\r\t", 5);
	same_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14);
	same_string("\x7f", 1);
	for (int c = 1; c < 0x80; c++)
		all[c - 1] = (char)c;
	same_string(all, 0x7f);
}

/* Random valid UTF-8 (controls, quotes and 1..4-byte sequences). */
static void
test_random_strings(void **state)
{
	static const unsigned cps[] = {0x01, 0x1f, '"', '\\', '/', 'a', 0x7f, 0x80,
	                               0x7ff, 0x800, 0xfffd, 0x10000, 0x10ffff};
	char s[256];

	srand(7);
	for (int round = 0; round < 2000; round++) {
		size_t len = 0;
		int n = rand() % 40;
		for (int i = 0; i < n; i++) {
			unsigned cp = rand() % 3 ? cps[rand() % 13] : (unsigned)(0x20 + rand() % 0x5f);
			if (cp < 0x80) {
				s[len++] = (char)cp;
			} else if (cp < 0x800) {
				s[len++] = (char)(0xc0 | cp >> 6);
				s[len++] = (char)(0x80 | (cp & 0x3f));
			} else if (cp < 0x10000) {
				s[len++] = (char)(0xe0 | cp >> 12);
				s[len++] = (char)(0x80 | (cp >> 6 & 0x3f));
				s[len++] = (char)(0x80 | (cp & 0x3f));
			} else {
				s[len++] = (char)(0xf0 | cp >> 18);
				s[len++] = (char)(0x80 | (cp >> 12 & 0x3f));
				s[len++] = (char)(0x80 | (cp >> 6 & 0x3f));
				s[len++] = (char)(0x80 | (cp & 0x3f));
			}
		}
		same_string(s, len);
	}
}

static void
same_int(int64_t v)
{
	struct hs_buf b = HS_BUF_INIT(64);
	char *want = jansson_text(json_integer(v));

	assert_int_equal(jsonw_int(&b, v), HS_OK);
	assert_string_equal(hs_buf_str(&b), want);
	free(want);
	hs_buf_free(&b);
}

static void
test_integers(void **state)
{
	static const int64_t v[] = {0, 1, -1, 9, 10, -10, 1234567890, INT64_MAX, INT64_MIN,
	                            INT64_MIN + 1, 4294967296LL, -4294967297LL};

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		same_int(v[i]);
}

static void
same_real(double d)
{
	struct hs_buf b = HS_BUF_INIT(64);
	char *want = jansson_text(json_real(d));
	json_t *back;

	assert_int_equal(jsonw_real(&b, d), HS_OK);
	assert_string_equal(hs_buf_str(&b), want);
	back = json_loadb(b.data, b.len, JSON_DECODE_ANY, NULL);
	assert_true(json_is_real(back));
	assert_true(json_real_value(back) == d);
	json_decref(back);
	free(want);
	hs_buf_free(&b);
}

static void
test_reals_read_back_the_same(void **state)
{
	static const double v[] = {0.0, -0.0, 1.0, -1.5, 0.1, 1.0 / 3, 1e20, 1e21, 1e-7,
	                           1.5e-300, 123456789012345678.0, DBL_MAX, DBL_MIN,
	                           4.9e-324, -2.5e100, 100.0, 3e5};

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		same_real(v[i]);
	srand(11);
	for (int i = 0; i < 2000; i++) {
		double d = ldexp((double)rand() / RAND_MAX - 0.5, rand() % 2000 - 1000);
		same_real(d);
	}
}

static void
test_keys_bools_and_limit(void **state)
{
	struct hs_buf b = HS_BUF_INIT(20);

	assert_int_equal(hs_buf_putc(&b, '{'), HS_OK);
	assert_int_equal(jsonw_key(&b, true, "a"), HS_OK);
	assert_int_equal(jsonw_bool(&b, true), HS_OK);
	assert_int_equal(jsonw_key(&b, false, "b"), HS_OK);
	assert_int_equal(jsonw_bool(&b, false), HS_OK);
	assert_int_equal(hs_buf_putc(&b, '}'), HS_OK);
	assert_string_equal(hs_buf_str(&b), "{\"a\":true,\"b\":false}");
	assert_int_equal(jsonw_string(&b, "x", 1), HS_ELIMIT);   /* past the maximum */
	hs_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings_escape_as_jansson),
		cmocka_unit_test(test_random_strings),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_reals_read_back_the_same),
		cmocka_unit_test(test_keys_bools_and_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
