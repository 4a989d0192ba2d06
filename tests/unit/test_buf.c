/* test_buf.c: unit tests for bounded buffers (src/buf.c). */
#include "testutil.h"

#include "buf.h"

#include <stdlib.h>
#include <string.h>

static void
test_empty_buffer_is_empty_string(void **state)
{
	struct hs_buf b = HS_BUF_INIT(16);

	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_string_equal(hs_buf_str(&b), "");
	hs_buf_free(&b);
	hs_buf_free(&b);  /* free twice is harmless */
}

static void
test_append_keeps_nul_terminator(void **state)
{
	struct hs_buf b;

	hs_buf_init(&b, 100);
	assert_int_equal(b.max, 100);
	assert_int_equal(hs_buf_puts(&b, "abc"), HS_OK);
	assert_int_equal(hs_buf_putc(&b, 'd'), HS_OK);
	assert_int_equal(hs_buf_append(&b, "e\0f", 3), HS_OK);
	assert_int_equal(b.len, 7);
	assert_memory_equal(b.data, "abcde\0f", 7);
	assert_int_equal(b.data[7], '\0');
	assert_true(b.cap >= 8);
	hs_buf_free(&b);
}

static void
test_limit_is_exact(void **state)
{
	struct hs_buf b = HS_BUF_INIT(5);

	assert_int_equal(hs_buf_puts(&b, "12345"), HS_OK);
	assert_int_equal(b.len, 5);
	assert_int_equal(hs_buf_putc(&b, 'x'), HS_ELIMIT);
	assert_int_equal(b.len, 5);
	assert_string_equal(hs_buf_str(&b), "12345");
	hs_buf_free(&b);
}

static void
test_failed_append_leaves_buffer(void **state)
{
	struct hs_buf b = HS_BUF_INIT(8);

	assert_int_equal(hs_buf_puts(&b, "abc"), HS_OK);
	assert_int_equal(hs_buf_puts(&b, "defghi"), HS_ELIMIT);
	assert_string_equal(hs_buf_str(&b), "abc");
	assert_int_equal(b.len, 3);
	assert_int_equal(hs_buf_append(&b, "x", (size_t)-1), HS_ELIMIT);
	assert_int_equal(b.len, 3);
	hs_buf_free(&b);
}

static void
test_printf_and_limit(void **state)
{
	struct hs_buf b = HS_BUF_INIT(10);

	assert_int_equal(hs_buf_printf(&b, "%d-%s", 42, "ab"), HS_OK);
	assert_string_equal(hs_buf_str(&b), "42-ab");
	assert_int_equal(hs_buf_printf(&b, "%05d", 7), HS_OK);
	assert_string_equal(hs_buf_str(&b), "42-ab00007");
	assert_int_equal(b.len, 10);
	assert_int_equal(hs_buf_printf(&b, "%s", "z"), HS_ELIMIT);
	assert_string_equal(hs_buf_str(&b), "42-ab00007");
	assert_int_equal(hs_buf_printf(&b, "%s", ""), HS_OK);
	hs_buf_free(&b);
}

static void
test_printf_large_growth(void **state)
{
	struct hs_buf b = HS_BUF_INIT(100000);
	char big[5001];

	memset(big, 'q', 5000);
	big[5000] = '\0';
	for (int i = 0; i < 10; i++)
		assert_int_equal(hs_buf_printf(&b, "%s", big), HS_OK);
	assert_int_equal(b.len, 50000);
	assert_int_equal(strlen(hs_buf_str(&b)), 50000);
	assert_true(b.cap > 50000);
	hs_buf_free(&b);
}

static void
test_reset_truncate(void **state)
{
	struct hs_buf b = HS_BUF_INIT(64);

	assert_int_equal(hs_buf_puts(&b, "hello world"), HS_OK);
	hs_buf_truncate(&b, 5);
	assert_string_equal(hs_buf_str(&b), "hello");
	hs_buf_truncate(&b, 50);  /* n > len: no change */
	assert_string_equal(hs_buf_str(&b), "hello");
	size_t cap = b.cap;
	hs_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(hs_buf_str(&b), "");
	assert_int_equal(b.cap, cap);  /* allocation kept */
	hs_buf_reset(&b);
	hs_buf_free(&b);
	hs_buf_reset(&b);  /* on a freed buffer */
}

static void
test_steal_gives_string(void **state)
{
	struct hs_buf b = HS_BUF_INIT(64);
	char *s;

	s = hs_buf_steal(&b);  /* never appended to */
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	assert_int_equal(hs_buf_puts(&b, "xyz"), HS_OK);
	s = hs_buf_steal(&b);
	assert_string_equal(s, "xyz");
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_int_equal(b.max, 64);  /* still usable */
	assert_int_equal(hs_buf_puts(&b, "again"), HS_OK);
	assert_string_equal(hs_buf_str(&b), "again");
	free(s);
	hs_buf_free(&b);
}

static void
test_steal_with_zero_max(void **state)
{
	struct hs_buf b = HS_BUF_INIT(0);
	char *s;

	assert_int_equal(hs_buf_putc(&b, 'a'), HS_ELIMIT);
	assert_int_equal(hs_buf_append(&b, "", 0), HS_OK);
	s = hs_buf_steal(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
}

static void
test_reserve(void **state)
{
	struct hs_buf b = HS_BUF_INIT(1000);

	assert_int_equal(hs_buf_reserve(&b, 900), HS_OK);
	assert_int_equal(b.len, 0);
	assert_true(b.cap >= 901);
	assert_int_equal(hs_buf_reserve(&b, 1000), HS_OK);
	assert_int_equal(hs_buf_reserve(&b, 1001), HS_ELIMIT);
	assert_int_equal(hs_buf_puts(&b, "ab"), HS_OK);
	assert_int_equal(hs_buf_reserve(&b, 999), HS_ELIMIT);
	assert_int_equal(hs_buf_reserve(&b, 998), HS_OK);
	assert_int_equal(hs_buf_reserve(&b, (size_t)-1), HS_ELIMIT);
	hs_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_buffer_is_empty_string),
		cmocka_unit_test(test_append_keeps_nul_terminator),
		cmocka_unit_test(test_limit_is_exact),
		cmocka_unit_test(test_failed_append_leaves_buffer),
		cmocka_unit_test(test_printf_and_limit),
		cmocka_unit_test(test_printf_large_growth),
		cmocka_unit_test(test_reset_truncate),
		cmocka_unit_test(test_steal_gives_string),
		cmocka_unit_test(test_steal_with_zero_max),
		cmocka_unit_test(test_reserve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
