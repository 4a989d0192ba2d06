/* test_tag.c: unit tests for tags and their JSON form (src/tag.c). */
#include "testutil.h"

#include "tag.h"

#include <stdio.h>
#include <string.h>

static char err[256];

static struct hs_tag
tag_ok(const char *s)
{
	struct hs_tag t;

	err[0] = '\0';
	if (hs_tag_parse(s, &t, err, sizeof err) != HS_OK)
		fail_msg("'%s' rejected: %s", s, err);
	return t;
}

static void
tag_bad(const char *s, const char *want)
{
	struct hs_tag t;

	err[0] = '\0';
	if (hs_tag_parse(s, &t, err, sizeof err) != HS_EINPUT)
		fail_msg("'%s' accepted", s);
	if (strstr(err, want) == NULL)
		fail_msg("message '%s' lacks '%s'", err, want);
}

/* JSON of one value, as stored. */
static const char *
value_json(const char *v)
{
	static struct hs_buf b = HS_BUF_INIT(1024);

	hs_buf_reset(&b);
	assert_int_equal(hs_tag_value_json(v, &b), HS_OK);
	return hs_buf_str(&b);
}

static void
test_parse_key_value(void **state)
{
	struct hs_tag t = tag_ok("site:a.b-c_d+1");

	assert_string_equal(t.key, "site");
	assert_string_equal(t.value, "a.b-c_d+1");
	t = tag_ok("naked");
	assert_string_equal(t.key, "naked");
	assert_string_equal(t.value, "");
	t = tag_ok("k:");  /* empty value: a naked tag */
	assert_string_equal(t.key, "k");
	assert_string_equal(t.value, "");
}

static void
test_parse_rejects(void **state)
{
	tag_bad("", "keys are 1-120 characters");
	tag_bad(":v", "keys are 1-120 characters");
	tag_bad("a b", "keys are");
	tag_bad("k:v w", "values are 1-120 characters");
	tag_bad("k:a:b", "values are");
	tag_bad("k/x:1", "keys are");
	tag_bad("k:\"q\"", "values are");
	tag_bad("k\xc3\xa9:1", "keys are");
	tag_bad("k:\\", "values are");
}

static void
test_length_limits(void **state)
{
	char s[300];
	struct hs_tag t;

	memset(s, 'k', HS_TAG_MAX);
	s[HS_TAG_MAX] = ':';
	memset(s + HS_TAG_MAX + 1, 'v', HS_TAG_MAX);
	s[2 * HS_TAG_MAX + 1] = '\0';
	t = tag_ok(s);
	assert_int_equal(strlen(t.key), HS_TAG_MAX);
	assert_int_equal(strlen(t.value), HS_TAG_MAX);
	s[2 * HS_TAG_MAX + 1] = 'v';
	s[2 * HS_TAG_MAX + 2] = '\0';
	tag_bad(s, "values are 1-120");
	memset(s, 'k', HS_TAG_MAX + 1);
	s[HS_TAG_MAX + 1] = '\0';
	tag_bad(s, "keys are 1-120");
	assert_true(strlen(err) < 200);  /* the tag is quoted briefly */
}

static void
test_valid_word(void **state)
{
	assert_true(hs_tag_valid_word("abc", 3));
	assert_true(hs_tag_valid_word("a b", 1));  /* only len bytes checked */
	assert_false(hs_tag_valid_word("a b", 3));
	assert_false(hs_tag_valid_word("", 0));
	assert_false(hs_tag_valid_word("a:b", 3));
	assert_true(hs_tag_valid_word("-+._09AZaz", 10));
}

static void
test_set_replaces_same_key(void **state)
{
	struct hs_tags ts = {0};
	struct hs_tag a = tag_ok("a:1"), b = tag_ok("b"), a2 = tag_ok("a:2");

	assert_int_equal(hs_tags_set(&ts, &a), HS_OK);
	assert_int_equal(hs_tags_set(&ts, &b), HS_OK);
	assert_int_equal(hs_tags_set(&ts, &a2), HS_OK);
	assert_int_equal(ts.n, 2);
	assert_string_equal(ts.v[0].key, "a");
	assert_string_equal(ts.v[0].value, "2");  /* replaced in place */
	assert_string_equal(ts.v[1].key, "b");
	hs_tags_free(&ts);
	assert_null(ts.v);
	assert_int_equal(ts.n, 0);
	hs_tags_free(&ts);
}

static void
test_merge_and_clear(void **state)
{
	struct hs_tags dst = {0}, src = {0};
	struct hs_tag t;
	char name[32];

	for (int i = 0; i < 10; i++) {  /* past the first allocation */
		snprintf(name, sizeof name, "k%d:%d", i, i);
		t = tag_ok(name);
		assert_int_equal(hs_tags_set(&src, &t), HS_OK);
	}
	t = tag_ok("k3:old");
	assert_int_equal(hs_tags_set(&dst, &t), HS_OK);
	t = tag_ok("z");
	assert_int_equal(hs_tags_set(&dst, &t), HS_OK);
	assert_int_equal(hs_tags_merge(&dst, &src), HS_OK);
	assert_int_equal(dst.n, 11);
	assert_string_equal(dst.v[0].key, "k3");
	assert_string_equal(dst.v[0].value, "3");
	assert_string_equal(dst.v[1].key, "z");
	assert_string_equal(dst.v[10].key, "k9");
	hs_tags_clear(&dst);
	assert_int_equal(dst.n, 0);
	assert_non_null(dst.v);  /* cleared, not freed */
	hs_tags_free(&dst);
	hs_tags_free(&src);
}

static void
test_value_coercion(void **state)
{
	assert_string_equal(value_json("42"), "42");
	assert_string_equal(value_json("-7"), "-7");
	assert_string_equal(value_json("007"), "7");
	assert_string_equal(value_json("1.5"), "1.5");
	assert_string_equal(value_json("2."), "2.0");
	assert_string_equal(value_json("1e3"), "1000.0");  /* float("1e3") */
	assert_string_equal(value_json("0.1"), "0.1");
	assert_string_equal(value_json("true"), "true");
	assert_string_equal(value_json("False"), "false");
	assert_string_equal(value_json("null"), "null");
	assert_string_equal(value_json("None"), "null");
	assert_string_equal(value_json(""), "\"\"");
	assert_string_equal(value_json("abc"), "\"abc\"");
	assert_string_equal(value_json("1.2.3"), "\"1.2.3\"");
	assert_string_equal(value_json("inf"), "\"inf\"");
	assert_string_equal(value_json("nan"), "\"nan\"");
	assert_string_equal(value_json("1_000"), "\"1_000\"");
	assert_string_equal(value_json("-"), "\"-\"");
	assert_string_equal(value_json("1e999"), "\"1e999\"");
	assert_string_equal(value_json("12abc"), "\"12abc\"");
}

/* Python's int() reads any length: an integer too big for 64 bits must
 * still be a number (as a float), not silently become a string because
 * strtoll's ERANGE leaks into the strtod check. */
static void
test_value_big_integer_is_number(void **state)
{
	assert_string_equal(value_json("99999999999999999999"), "1e+20");
}

static void
test_tags_json(void **state)
{
	struct hs_tags ts = {0};
	struct hs_buf b = HS_BUF_INIT(4096);
	struct hs_tag t;

	assert_int_equal(hs_tags_json(&ts, &b), HS_OK);
	assert_string_equal(hs_buf_str(&b), "{}");
	hs_buf_reset(&b);
	t = tag_ok("b:2");
	hs_tags_set(&ts, &t);
	t = tag_ok("a");
	hs_tags_set(&ts, &t);
	t = tag_ok("c:x.y");
	hs_tags_set(&ts, &t);
	t = tag_ok("d:TRUE");
	hs_tags_set(&ts, &t);
	assert_int_equal(hs_tags_json(&ts, &b), HS_OK);
	assert_string_equal(hs_buf_str(&b), "{\"b\":2,\"a\":\"\",\"c\":\"x.y\",\"d\":true}");
	hs_buf_free(&b);
	hs_tags_free(&ts);
}

static void
test_tags_json_limit(void **state)
{
	struct hs_tags ts = {0};
	struct hs_buf b = HS_BUF_INIT(8);
	struct hs_tag t = tag_ok("key:value");

	hs_tags_set(&ts, &t);
	assert_int_equal(hs_tags_json(&ts, &b), HS_ELIMIT);
	hs_buf_free(&b);
	hs_tags_free(&ts);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_key_value),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_length_limits),
		cmocka_unit_test(test_valid_word),
		cmocka_unit_test(test_set_replaces_same_key),
		cmocka_unit_test(test_merge_and_clear),
		cmocka_unit_test(test_value_coercion),
		cmocka_unit_test(test_value_big_integer_is_number),
		cmocka_unit_test(test_tags_json),
		cmocka_unit_test(test_tags_json_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
