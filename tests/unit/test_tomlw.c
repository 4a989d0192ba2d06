/* test_tomlw.c: unit tests for TOML output (src/tomlw.c), checked by
 * reading the output back with the TOML reader. */
#include "testutil.h"

#include "toml.h"
#include "tomlw.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static struct hs_buf out = HS_BUF_INIT(1 << 20);

static struct toml_value *
parse(const char *s)
{
	struct toml_value *root = NULL;
	struct toml_error err;

	if (toml_parse(s, strlen(s), &root, &err) != HS_OK)
		fail_msg("'%s' does not parse: %d:%d: %s", s, err.line, err.col, err.msg);
	return root;
}

static const char *
str(const char *s, size_t len)
{
	hs_buf_reset(&out);
	assert_int_equal(tomlw_string(&out, s, len), HS_OK);
	return hs_buf_str(&out);
}

static const char *
flt(double d)
{
	hs_buf_reset(&out);
	assert_int_equal(tomlw_float(&out, d), HS_OK);
	return hs_buf_str(&out);
}

/* The inline form of the value of "v" in document doc. */
static const char *
value_of(const char *doc)
{
	struct toml_value *root = parse(doc);

	hs_buf_reset(&out);
	assert_int_equal(tomlw_value(&out, toml_get(root, "v")), HS_OK);
	toml_free(root);
	return hs_buf_str(&out);
}

static int
teardown(void **state)
{
	hs_buf_free(&out);
	return 0;
}

static void
test_string_escapes(void **state)
{
	assert_string_equal(str("plain", 5), "\"plain\"");
	assert_string_equal(str("", 0), "\"\"");
	assert_string_equal(str("a\"b\\c", 5), "\"a\\\"b\\\\c\"");
	assert_string_equal(str("\n\t\r", 3), "\"\\n\\t\\r\"");
	assert_string_equal(str("\x01\x1f\x7f\b", 4), "\"\\u0001\\u001f\\u007f\\u0008\"");
	assert_string_equal(str("a\0b", 3), "\"a\\u0000b\"");
	assert_string_equal(str("h\xC3\xA9", 3), "\"h\xC3\xA9\"");  /* UTF-8 kept */
}

static void
test_string_reads_back(void **state)
{
	const char raw[] = "q\"\\\n\t\r\x01\x7f\0end \xE2\x82\xAC";
	struct hs_buf doc = HS_BUF_INIT(1024);
	struct toml_value *root;
	const struct toml_value *v;

	hs_buf_puts(&doc, "v = ");
	tomlw_string(&doc, raw, sizeof raw - 1);
	root = parse(hs_buf_str(&doc));
	v = toml_get(root, "v");
	assert_non_null(v);
	assert_int_equal(v->u.str.len, sizeof raw - 1);
	assert_memory_equal(v->u.str.ptr, raw, sizeof raw - 1);
	toml_free(root);
	hs_buf_free(&doc);
}

static void
test_keys(void **state)
{
	hs_buf_reset(&out);
	tomlw_key(&out, "bare_key-1", 10);
	assert_string_equal(hs_buf_str(&out), "bare_key-1");
	hs_buf_reset(&out);
	tomlw_key(&out, "needs.quote", 11);
	assert_string_equal(hs_buf_str(&out), "\"needs.quote\"");
	hs_buf_reset(&out);
	tomlw_key(&out, "", 0);
	assert_string_equal(hs_buf_str(&out), "\"\"");
	hs_buf_reset(&out);
	tomlw_key(&out, "sp ace", 6);
	assert_string_equal(hs_buf_str(&out), "\"sp ace\"");
}

static void
test_floats(void **state)
{
	assert_string_equal(flt(1.0), "1.0");
	assert_string_equal(flt(0.0), "0.0");
	assert_string_equal(flt(-0.0), "-0.0");
	assert_string_equal(flt(0.1), "0.1");
	assert_string_equal(flt(1.5), "1.5");
	assert_string_equal(flt(1e20), "1e+20");
	assert_string_equal(flt(1e-7), "1e-07");
	assert_string_equal(flt(NAN), "nan");
	assert_string_equal(flt(INFINITY), "inf");
	assert_string_equal(flt(-INFINITY), "-inf");
	assert_string_equal(flt(1.0 / 3.0), "0.3333333333333333");
}

static void
test_floats_read_back_as_floats(void **state)
{
	static const double v[] = {1.0, -0.0, 0.1, 1e20, 1e-7, 123456789012345678.0,
	                           5e-324, 1.7976931348623157e308, -2.5};
	struct hs_buf doc = HS_BUF_INIT(256);

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		struct toml_value *root;
		const struct toml_value *x;

		hs_buf_reset(&doc);
		hs_buf_puts(&doc, "x = ");
		tomlw_float(&doc, v[i]);
		root = parse(hs_buf_str(&doc));
		x = toml_get(root, "x");
		if (x->type != TOML_FLOAT)
			fail_msg("'%s' read back as %s", hs_buf_str(&doc), toml_type_name(x->type));
		assert_true(x->u.d == v[i]);
		assert_int_equal(signbit(x->u.d), signbit(v[i]));
		toml_free(root);
	}
	hs_buf_free(&doc);
}

static void
test_scalar_values(void **state)
{
	assert_string_equal(value_of("v = -9223372036854775808"), "-9223372036854775808");
	assert_string_equal(value_of("v = 0x10"), "16");
	assert_string_equal(value_of("v = true"), "true");
	assert_string_equal(value_of("v = false"), "false");
	assert_string_equal(value_of("v = 'lit\\n'"), "\"lit\\\\n\"");
}

static void
test_datetimes(void **state)
{
	assert_string_equal(value_of("v = 1979-05-27T07:32:00Z"), "1979-05-27T07:32:00Z");
	assert_string_equal(value_of("v = 1979-05-27 07:32:00.5-07:30"),
	                    "1979-05-27T07:32:00.500000000-07:30");
	assert_string_equal(value_of("v = 1979-05-27T07:32:00+05:45"), "1979-05-27T07:32:00+05:45");
	assert_string_equal(value_of("v = 1979-05-27T00:32:00.999999"),
	                    "1979-05-27T00:32:00.999999000");
	assert_string_equal(value_of("v = 1979-05-27"), "1979-05-27");
	assert_string_equal(value_of("v = 07:32:01"), "07:32:01");
	assert_string_equal(value_of("v = 00:00:00.000000001"), "00:00:00.000000001");
}

static void
test_arrays_and_inline_tables(void **state)
{
	assert_string_equal(value_of("v = []"), "[]");
	assert_string_equal(value_of("v = [1, 'a', [true]]"), "[1, \"a\", [true]]");
	assert_string_equal(value_of("v = {}"), "{}");
	assert_string_equal(value_of("v = {a = 1, 'b c' = {d = [2.5]}}"),
	                    "{ a = 1, \"b c\" = { d = [2.5] } }");
	assert_string_equal(value_of("[v]\nx = 1\n[v.y]\nz = 'q'\n"),
	                    "{ x = 1, y = { z = \"q\" } }");
}

static void
test_document_layout(void **state)
{
	struct toml_value *root = parse(
	    "[server.tls]\nmin_version = 'TLSv1.3'\n"
	    "[server]\nport = 5\n"
	    "[[node]]\nname = 'a'\n[node.extra]\nk = 1\n[[node]]\nname = 'b'\n"
	    "[top]\n"
	    "[x]\narr = [{a = 1}]\n");
	const char *want =
	    "[server]\n"
	    "port = 5\n"
	    "\n[server.tls]\n"
	    "min_version = \"TLSv1.3\"\n"
	    "\n[[node]]\n"
	    "name = \"a\"\n"
	    "\n[node.extra]\n"
	    "k = 1\n"
	    "\n[[node]]\n"
	    "name = \"b\"\n"
	    "\n[top]\n"
	    "\n[x]\n"
	    "\n[[x.arr]]\n"
	    "a = 1\n";

	hs_buf_reset(&out);
	assert_int_equal(tomlw_document(&out, root), HS_OK);
	assert_string_equal(hs_buf_str(&out), want);
	toml_free(root);
}

static void
test_document_scalars_first(void **state)
{
	struct toml_value *root = parse("a = 1\n[t]\nb = 2\n");

	/* a top-level scalar written after a table would change its meaning */
	root->u.table.items[0].val->u.i = 7;
	hs_buf_reset(&out);
	assert_int_equal(tomlw_document(&out, root), HS_OK);
	assert_string_equal(hs_buf_str(&out), "a = 7\n\n[t]\nb = 2\n");
	toml_free(root);
}

/* Writing then reading gives the same tree (compared via inline form). */
static void
test_document_round_trip(void **state)
{
	const char *doc =
	    "title = \"x\"\n\"quoted key\" = 1\nf = 1.0\nd = 2024-01-01\n"
	    "[a]\nb.c = 3\ninl = {p = [1, 2]}\n"
	    "[[arr]]\nn = 1\n[[arr]]\nn = 2\n[arr.sub]\nm = true\n"
	    "[\"odd.table\"]\nk = \"v\"\n";
	struct toml_value *r1 = parse(doc), *r2;
	struct hs_buf w = HS_BUF_INIT(1 << 16), a = HS_BUF_INIT(1 << 16), b = HS_BUF_INIT(1 << 16);

	assert_int_equal(tomlw_document(&w, r1), HS_OK);
	r2 = parse(hs_buf_str(&w));
	assert_int_equal(tomlw_value(&a, r1), HS_OK);
	assert_int_equal(tomlw_value(&b, r2), HS_OK);
	assert_string_equal(hs_buf_str(&a), hs_buf_str(&b));
	toml_free(r1);
	toml_free(r2);
	hs_buf_free(&w);
	hs_buf_free(&a);
	hs_buf_free(&b);
}

static void
test_limit_reported(void **state)
{
	struct hs_buf small = HS_BUF_INIT(4);
	struct toml_value *root = parse("key = 'long value'\n");

	assert_int_equal(tomlw_string(&small, "abcdef", 6), HS_ELIMIT);
	hs_buf_reset(&small);
	assert_int_equal(tomlw_document(&small, root), HS_ELIMIT);
	hs_buf_reset(&small);
	assert_int_equal(tomlw_float(&small, 1.0 / 3.0), HS_ELIMIT);
	toml_free(root);
	hs_buf_free(&small);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_string_escapes),
		cmocka_unit_test(test_string_reads_back),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_floats),
		cmocka_unit_test(test_floats_read_back_as_floats),
		cmocka_unit_test(test_scalar_values),
		cmocka_unit_test(test_datetimes),
		cmocka_unit_test(test_arrays_and_inline_tables),
		cmocka_unit_test(test_document_layout),
		cmocka_unit_test(test_document_scalars_first),
		cmocka_unit_test(test_document_round_trip),
		cmocka_unit_test(test_limit_reported),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
