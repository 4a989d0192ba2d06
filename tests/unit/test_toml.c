/* test_toml.c: unit tests for the TOML reader (src/toml.c). */
#include "testutil.h"

#include "toml.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse s (n bytes), failing the test on error. */
static struct toml_value *
parse_n(const char *s, size_t n)
{
	struct toml_value *root = NULL;
	struct toml_error err;
	hs_err e;

	e = toml_parse(s, n, &root, &err);
	if (e != HS_OK)
		fail_msg("parse failed: %d:%d: %s", err.line, err.col, err.msg);
	assert_non_null(root);
	assert_int_equal(root->type, TOML_TABLE);
	return root;
}

static struct toml_value *
parse_ok(const char *s)
{
	return parse_n(s, strlen(s));
}

/* s must fail with HS_ECONFIG at line:col (0 = don't care) and a message
 * holding want (NULL = don't care). */
static void
parse_bad(const char *s, int line, int col, const char *want)
{
	struct toml_value *root = (struct toml_value *)1;
	struct toml_error err;
	hs_err e;

	e = toml_parse(s, strlen(s), &root, &err);
	if (e != HS_ECONFIG)
		fail_msg("'%s' parsed, want an error", s);
	assert_null(root);
	assert_true(err.line >= 1);
	assert_true(err.col >= 1);
	if (line != 0)
		assert_int_equal(err.line, line);
	if (col != 0)
		assert_int_equal(err.col, col);
	if (want != NULL && strstr(err.msg, want) == NULL)
		fail_msg("message '%s' lacks '%s'", err.msg, want);
	assert_null(strchr(err.msg, '\n'));
}

/* The value at path, which must exist and have type t. */
static const struct toml_value *
get(const struct toml_value *root, const char *path, enum toml_type t)
{
	const struct toml_value *v = toml_get_path(root, path);

	if (v == NULL)
		fail_msg("no value at '%s'", path);
	if (v->type != t)
		fail_msg("'%s' is %s, want %s", path, toml_type_name(v->type),
		    toml_type_name(t));
	return v;
}

static void
test_empty_document(void **state)
{
	struct toml_value *root = parse_ok("");

	assert_int_equal(root->u.table.n, 0);
	assert_int_equal(root->line, 1);
	assert_int_equal(root->col, 1);
	toml_free(root);
	root = parse_n(NULL, 0);
	toml_free(root);
	root = parse_ok("\n\n  # only a comment\n\t\n");
	assert_int_equal(root->u.table.n, 0);
	toml_free(root);
}

static void
test_basic_string_escapes(void **state)
{
	struct toml_value *root =
	    parse_ok("s = \"a\\b\\t\\n\\f\\r\\\"\\\\\\u00e9\\U0001F600\"\n");
	const struct toml_value *v = get(root, "s", TOML_STRING);
	const char want[] = "a\b\t\n\f\r\"\\\xC3\xA9\xF0\x9F\x98\x80";

	assert_int_equal(v->u.str.len, sizeof want - 1);
	assert_memory_equal(v->u.str.ptr, want, sizeof want - 1);
	assert_int_equal(v->u.str.ptr[v->u.str.len], '\0');
	toml_free(root);
}

static void
test_string_nul_keeps_length(void **state)
{
	struct toml_value *root = parse_ok("s = \"a\\u0000b\"\n\"k\\u0000x\" = 1\n");
	const struct toml_value *v = get(root, "s", TOML_STRING);

	assert_int_equal(v->u.str.len, 3);
	assert_memory_equal(v->u.str.ptr, "a\0b", 3);
	assert_int_equal(root->u.table.items[1].keylen, 3);
	assert_memory_equal(root->u.table.items[1].key, "k\0x", 3);
	assert_null(toml_get(root, "k"));
	toml_free(root);
}

static void
test_bad_escapes(void **state)
{
	parse_bad("s = \"\\x41\"\n", 1, 6, "invalid escape");
	parse_bad("s = \"\\uD800\"\n", 1, 6, "not a Unicode scalar value");
	parse_bad("s = \"\\U00110000\"\n", 1, 6, "not a Unicode scalar value");
	parse_bad("s = \"\\u12\"\n", 1, 6, "4 hex digits");
	parse_bad("s = \"\\e\"\n", 1, 6, "invalid escape");
}

static void
test_literal_strings(void **state)
{
	struct toml_value *root = parse_ok(
	    "a = 'C:\\path\\n'\n"
	    "b = '''\nline1\n  'quoted' ''\n'''\n"
	    "c = ''''x'''''\n");

	assert_string_equal(get(root, "a", TOML_STRING)->u.str.ptr, "C:\\path\\n");
	assert_string_equal(get(root, "b", TOML_STRING)->u.str.ptr,
	    "line1\n  'quoted' ''\n");
	assert_string_equal(get(root, "c", TOML_STRING)->u.str.ptr, "'x''");
	toml_free(root);
}

static void
test_multiline_basic(void **state)
{
	struct toml_value *root = parse_ok(
	    "a = \"\"\"\r\none\r\ntwo\"\"\"\n"
	    "b = \"\"\"fox \\\n     jumps \\   \n\n  over\"\"\"\n"
	    "c = \"\"\"say \"hi\"\"\"\"\"\n");

	assert_string_equal(get(root, "a", TOML_STRING)->u.str.ptr, "one\ntwo");
	assert_string_equal(get(root, "b", TOML_STRING)->u.str.ptr,
	    "fox jumps over");
	assert_string_equal(get(root, "c", TOML_STRING)->u.str.ptr, "say \"hi\"\"");
	toml_free(root);
	parse_bad("a = \"\"\"x\"\"\"\"\"\"\n", 1, 0, "too many quotes");
	parse_bad("a = \"\"\"x\n", 1, 5, "unterminated");
	parse_bad("a = \"x\ny\"\n", 1, 7, "newline");
}

static void
test_integers(void **state)
{
	struct toml_value *root = parse_ok(
	    "a = 42\nb = -17\nc = +99\nd = 1_000_000\ne = 0xDEAD_beef\n"
	    "f = 0o755\ng = 0b1101\nh = 9223372036854775807\n"
	    "i = -9223372036854775808\nj = 0\nk = -0\nl = 0x7FFFFFFFFFFFFFFF\n");

	assert_int_equal(get(root, "a", TOML_INTEGER)->u.i, 42);
	assert_int_equal(get(root, "b", TOML_INTEGER)->u.i, -17);
	assert_int_equal(get(root, "c", TOML_INTEGER)->u.i, 99);
	assert_int_equal(get(root, "d", TOML_INTEGER)->u.i, 1000000);
	assert_int_equal(get(root, "e", TOML_INTEGER)->u.i, 0xDEADBEEF);
	assert_int_equal(get(root, "f", TOML_INTEGER)->u.i, 0755);
	assert_int_equal(get(root, "g", TOML_INTEGER)->u.i, 13);
	assert_true(get(root, "h", TOML_INTEGER)->u.i == INT64_MAX);
	assert_true(get(root, "i", TOML_INTEGER)->u.i == INT64_MIN);
	assert_int_equal(get(root, "j", TOML_INTEGER)->u.i, 0);
	assert_int_equal(get(root, "k", TOML_INTEGER)->u.i, 0);
	assert_true(get(root, "l", TOML_INTEGER)->u.i == INT64_MAX);
	toml_free(root);
}

static void
test_integer_errors(void **state)
{
	parse_bad("a = 9223372036854775808\n", 1, 5, "64 bits");
	parse_bad("a = -9223372036854775809\n", 1, 5, "64 bits");
	parse_bad("a = 0x8000000000000000\n", 1, 5, "64 bits");
	parse_bad("a = 012\n", 1, 5, "leading zero");
	parse_bad("a = 1__2\n", 1, 5, "invalid number");
	parse_bad("a = 1_\n", 1, 5, "invalid number");
	parse_bad("a = _1\n", 1, 5, "invalid value");
	parse_bad("a = +0x1\n", 1, 5, "invalid number");
	parse_bad("a = 0X1\n", 1, 5, "invalid number");
	parse_bad("a = 0b102\n", 1, 5, "invalid number");
}

static void
test_floats(void **state)
{
	struct toml_value *root = parse_ok(
	    "a = 3.14\nb = -0.0\nc = 1e10\nd = 6.626e-34\ne = 1_000.5_5\n"
	    "f = inf\ng = -inf\nh = +nan\ni = 5E+2\nj = 0e0\n");

	assert_true(get(root, "a", TOML_FLOAT)->u.d == 3.14);
	assert_true(get(root, "b", TOML_FLOAT)->u.d == 0.0);
	assert_true(signbit(get(root, "b", TOML_FLOAT)->u.d));
	assert_true(get(root, "c", TOML_FLOAT)->u.d == 1e10);
	assert_true(get(root, "d", TOML_FLOAT)->u.d == 6.626e-34);
	assert_true(get(root, "e", TOML_FLOAT)->u.d == 1000.55);
	assert_true(isinf(get(root, "f", TOML_FLOAT)->u.d));
	assert_true(get(root, "g", TOML_FLOAT)->u.d < 0);
	assert_true(isnan(get(root, "h", TOML_FLOAT)->u.d));
	assert_true(get(root, "i", TOML_FLOAT)->u.d == 500.0);
	assert_true(get(root, "j", TOML_FLOAT)->u.d == 0.0);
	toml_free(root);
	parse_bad("a = 1.\n", 1, 5, NULL);
	parse_bad("a = .5\n", 1, 5, NULL);
	parse_bad("a = 1.e5\n", 1, 5, NULL);
	parse_bad("a = 1e\n", 1, 5, NULL);
	parse_bad("a = 03.14\n", 1, 5, "leading zero");
	parse_bad("a = Inf\n", 1, 5, NULL);
	parse_bad("a = 1e400\n", 1, 5, "out of range");
}

static void
test_bools(void **state)
{
	struct toml_value *root = parse_ok("t = true\nf = false # c\n");

	assert_true(get(root, "t", TOML_BOOL)->u.b);
	assert_false(get(root, "f", TOML_BOOL)->u.b);
	toml_free(root);
	parse_bad("t = True\n", 1, 5, NULL);
	parse_bad("t = truex\n", 1, 9, "expected newline");
}

static void
test_offset_datetime(void **state)
{
	struct toml_value *root = parse_ok(
	    "a = 1979-05-27T07:32:00.999999-07:00\nb = 1979-05-27 07:32:00z\n");
	const struct toml_value *v = get(root, "a", TOML_DATETIME);

	assert_int_equal(v->u.dt.year, 1979);
	assert_int_equal(v->u.dt.month, 5);
	assert_int_equal(v->u.dt.day, 27);
	assert_int_equal(v->u.dt.hour, 7);
	assert_int_equal(v->u.dt.minute, 32);
	assert_int_equal(v->u.dt.second, 0);
	assert_int_equal(v->u.dt.nanosecond, 999999000);
	assert_int_equal(v->u.dt.offset_minutes, -420);
	v = get(root, "b", TOML_DATETIME);
	assert_int_equal(v->u.dt.offset_minutes, 0);
	assert_int_equal(v->u.dt.hour, 7);
	toml_free(root);
}

static void
test_local_datetimes(void **state)
{
	struct toml_value *root = parse_ok(
	    "a = 1979-05-27T07:32:00\nb = 1979-05-27\nc = 00:32:00.1234567891\n"
	    "d = 2000-02-29\ne = 23:59:60\n");
	const struct toml_value *v;

	v = get(root, "a", TOML_DATETIME_LOCAL);
	assert_int_equal(v->u.dt.day, 27);
	assert_int_equal(v->u.dt.minute, 32);
	v = get(root, "b", TOML_DATE_LOCAL);
	assert_int_equal(v->u.dt.month, 5);
	v = get(root, "c", TOML_TIME_LOCAL);
	assert_int_equal(v->u.dt.nanosecond, 123456789);
	get(root, "d", TOML_DATE_LOCAL);
	assert_int_equal(get(root, "e", TOML_TIME_LOCAL)->u.dt.second, 60);
	toml_free(root);
}

static void
test_datetime_errors(void **state)
{
	parse_bad("d = 1900-02-29\n", 1, 5, "does not exist");
	parse_bad("d = 2023-04-31\n", 1, 5, "does not exist");
	parse_bad("d = 2023-13-01\n", 1, 5, "does not exist");
	parse_bad("d = 24:00:00\n", 1, 5, "out of range");
	parse_bad("d = 23:59:61\n", 1, 5, "out of range");
	parse_bad("d = 07:32\n", 1, 5, "HH:MM:SS");
	parse_bad("d = 1979-05-27T07:32:00+24:00\n", 1, 24, "offset");
	parse_bad("d = 1979-05-27T07:32:00.\n", 1, 0, "digits");
	parse_bad("d = 1979-05-27x\n", 1, 15, NULL);
}

static void
test_arrays(void **state)
{
	struct toml_value *root = parse_ok(
	    "a = [ 1, 'two', [3.0], {x = 4}, ]\n"
	    "b = [\n  1, # one\n  2\n\n]\n"
	    "c = []\n");
	const struct toml_value *a = get(root, "a", TOML_ARRAY);

	assert_int_equal(a->u.array.n, 4);
	assert_int_equal(a->u.array.items[0]->type, TOML_INTEGER);
	assert_int_equal(a->u.array.items[1]->type, TOML_STRING);
	assert_int_equal(a->u.array.items[2]->type, TOML_ARRAY);
	assert_int_equal(a->u.array.items[3]->type, TOML_TABLE);
	assert_int_equal(toml_get(a->u.array.items[3], "x")->u.i, 4);
	assert_int_equal(get(root, "b", TOML_ARRAY)->u.array.n, 2);
	assert_int_equal(get(root, "c", TOML_ARRAY)->u.array.n, 0);
	toml_free(root);
	parse_bad("a = [1,,2]\n", 1, 8, "expected a value");
	parse_bad("a = [1 2]\n", 1, 8, "',' or ']'");
	parse_bad("a = [1,\n", 2, 1, "end of input");
}

static void
test_inline_tables(void **state)
{
	struct toml_value *root =
	    parse_ok("p = { x = 1, y.z = 2, s = { } }\nq = {}\n");

	assert_int_equal(get(root, "p.x", TOML_INTEGER)->u.i, 1);
	assert_int_equal(get(root, "p.y.z", TOML_INTEGER)->u.i, 2);
	get(root, "p.s", TOML_TABLE);
	assert_int_equal(get(root, "q", TOML_TABLE)->u.table.n, 0);
	toml_free(root);
	parse_bad("p = {a = 1,}\n", 1, 12, "trailing comma");
	parse_bad("p = {a = 1\n}\n", 1, 11, "newline");
	parse_bad("p = {a = 1, a = 2}\n", 1, 13, "duplicate key 'a'");
	parse_bad("p = {a = 1}\np.b = 2\n", 2, 1, "inline table 'p'");
	parse_bad("p = {a = 1}\n[p]\n", 2, 2, "inline table");
	parse_bad("p = {a = {b = 1}}\n[p.a.c]\n", 2, 2, "inline table");
	parse_bad("p = {a.b = 1, a = {}}\n", 1, 15, "duplicate key");
	parse_bad("p = {a = {b = 1}, a.c = 2}\n", 1, 19, "inline table 'a'");
}

static void
test_tables_and_arrays_of_tables(void **state)
{
	struct toml_value *root = parse_ok(
	    "[server]\nport = 80\n"
	    "[server.tls]\ncert = 'c.pem'\n"
	    "[[fruit]]\nname = 'apple'\n[fruit.physical]\ncolor = 'red'\n"
	    "[[fruit]]\nname = 'banana'\n");
	const struct toml_value *f;

	assert_int_equal(get(root, "server.port", TOML_INTEGER)->u.i, 80);
	assert_string_equal(get(root, "server.tls.cert", TOML_STRING)->u.str.ptr,
	    "c.pem");
	f = get(root, "fruit", TOML_ARRAY);
	assert_int_equal(f->u.array.n, 2);
	assert_string_equal(
	    get(f->u.array.items[0], "physical.color", TOML_STRING)->u.str.ptr,
	    "red");
	assert_string_equal(get(f->u.array.items[1], "name", TOML_STRING)->u.str.ptr,
	    "banana");
	assert_null(toml_get(f->u.array.items[1], "physical"));
	toml_free(root);
}

static void
test_table_redefinition(void **state)
{
	struct toml_value *root = parse_ok("[a.b]\nx = 1\n[a]\ny = 2\n");

	get(root, "a.b.x", TOML_INTEGER);
	get(root, "a.y", TOML_INTEGER);
	toml_free(root);
	parse_bad("[a]\n[a]\n", 2, 2, "table 'a' is already defined");
	parse_bad("[a.b]\n[a.b]\n", 2, 4, "'a.b' is already defined");
	parse_bad("a = 1\n[a]\n", 2, 2, "already defined as an integer");
	parse_bad("[a]\nb = 1\n[a.b]\n", 3, 4, "already defined");
	parse_bad("a = []\n[[a]]\n", 2, 3, "static array 'a'");
	parse_bad("[[a]]\n[a]\n", 2, 2, "already defined");
	parse_bad("[a]\n[[a]]\n", 2, 3, "already defined");
	parse_bad("[a.b.c]\nz = 1\n[a]\nb.c.t = 2\n", 4, 3, "defined by a header");
}

static void
test_dotted_keys(void **state)
{
	struct toml_value *root = parse_ok(
	    "a.b.c = 1\na.b.d = 2\n\"q.k\".'x y' = 3\n[t]\nfruit.apple.color = 'red'\n"
	    "[t.fruit.apple.texture]\nsmooth = true\n");

	assert_int_equal(get(root, "a.b.c", TOML_INTEGER)->u.i, 1);
	assert_int_equal(get(root, "a.b.d", TOML_INTEGER)->u.i, 2);
	assert_int_equal(get(root, "a.b", TOML_TABLE)->u.table.n, 2);
	assert_null(toml_get_path(root, "q.k"));
	assert_int_equal(toml_get(toml_get(root, "q.k"), "x y")->u.i, 3);
	assert_true(get(root, "t.fruit.apple.texture.smooth", TOML_BOOL)->u.b);
	toml_free(root);
	parse_bad("a.b = 1\na.b.c = 2\n", 2, 3, "already defined as an integer");
	parse_bad("a.b = 1\n[a]\n", 2, 2, "already defined");
	parse_bad("[t]\na.b = 1\n[t.a]\n", 3, 4, "already defined");
}

static void
test_duplicate_keys(void **state)
{
	parse_bad("a = 1\na = 2\n", 2, 1, "duplicate key 'a'");
	parse_bad("a = 1\n'a' = 2\n", 2, 1, "duplicate key 'a'");
	parse_bad("[t]\nx.y = 1\nx.y = 2\n", 3, 3, "duplicate key 'x.y'");
	parse_bad("\"\" = 1\n'' = 2\n", 2, 1, "duplicate key ''");
}

static void
test_value_positions(void **state)
{
	struct toml_value *root = parse_ok(
	    "# comment\n"                 /* 1 */
	    "a = 1\n"                     /* 2 */
	    "  b = \"\"\"x\n"             /* 3 */
	    "y\"\"\"\n"                   /* 4 */
	    "c = [\n"                     /* 5 */
	    "  1,\n"                      /* 6 */
	    "    2 ]\n"                   /* 7 */
	    "[t]\n"                       /* 8 */
	    "\n"                          /* 9 */
	    "d.e = true\n");              /* 10 */
	const struct toml_value *v;

	v = get(root, "a", TOML_INTEGER);
	assert_int_equal(v->line, 2);
	assert_int_equal(v->col, 5);
	assert_int_equal(v->line_end, 2);
	v = get(root, "b", TOML_STRING);
	assert_int_equal(v->line, 3);
	assert_int_equal(v->col, 7);
	assert_int_equal(v->line_end, 4);
	v = get(root, "c", TOML_ARRAY);
	assert_int_equal(v->line, 5);
	assert_int_equal(v->line_end, 7);
	assert_int_equal(v->u.array.items[1]->line, 7);
	assert_int_equal(v->u.array.items[1]->col, 5);
	v = get(root, "t", TOML_TABLE);
	assert_int_equal(v->line, 8);
	assert_int_equal(v->col, 1);
	assert_int_equal(v->line_end, 10);
	v = get(root, "t.d", TOML_TABLE);
	assert_int_equal(v->line, 10);
	assert_int_equal(v->col, 1);
	v = get(root, "t.d.e", TOML_BOOL);
	assert_int_equal(v->line, 10);
	assert_int_equal(v->col, 7);
	assert_int_equal(root->line, 1);
	assert_int_equal(root->line_end, 10);
	toml_free(root);
}

static void
test_columns_count_code_points(void **state)
{
	struct toml_value *root = parse_ok("\"\xC3\xA9\" = 2\nk = 'x'\n");

	assert_int_equal(toml_get(root, "\xC3\xA9")->col, 7);
	assert_int_equal(toml_get(root, "k")->line, 2);
	toml_free(root);
	parse_bad("\"\xC3\xA9\xC3\xA9\" = @\n", 1, 8, "expected a value");
}

static void
test_error_positions(void **state)
{
	parse_bad("a = 1\nb = @\n", 2, 5, "expected a value, found '@'");
	parse_bad("a = 1\nb 2\n", 2, 3, "expected '=' after key");
	parse_bad("[a\n", 1, 3, "expected ']'");
	parse_bad("a = 1 b = 2\n", 1, 7, "expected newline after value");
	parse_bad("a = 1\n\n\n   = 2\n", 4, 4, "expected a key");
}

static void
test_input_size_limit(void **state)
{
	size_t max = (size_t)16 << 20;
	struct toml_value *root = (struct toml_value *)1;
	struct toml_error err;
	char *buf = malloc(max + 1);

	assert_non_null(buf);
	buf[0] = '#';
	memset(buf + 1, 'x', max);
	assert_int_equal(toml_parse(buf, max + 1, &root, &err), HS_ELIMIT);
	assert_null(root);
	assert_int_equal(err.line, 0);
	assert_true(strlen(err.msg) > 0);
	assert_int_equal(toml_parse(buf, max, &root, &err), HS_OK);
	assert_int_equal(root->u.table.n, 0);
	toml_free(root);
	free(buf);
}

/* n nested arrays around a 1: "a = [[[1]]]". */
static char *
nested_arrays(int n)
{
	char *s = malloc((size_t)n * 2 + 8);
	int i, o = 0;

	assert_non_null(s);
	memcpy(s, "a = ", 4);
	o = 4;
	for (i = 0; i < n; i++)
		s[o++] = '[';
	s[o++] = '1';
	for (i = 0; i < n; i++)
		s[o++] = ']';
	s[o] = '\0';
	return s;
}

static void
test_depth_limit(void **state)
{
	char *s = nested_arrays(128), hdr[1024];
	struct toml_value *root = parse_ok(s);
	int i, o = 0;

	toml_free(root);
	free(s);
	s = nested_arrays(129);
	parse_bad(s, 1, 0, "nesting deeper than 128");
	free(s);
	hdr[o++] = '[';
	for (i = 0; i < 129; i++)
		o += snprintf(hdr + o, sizeof hdr - (size_t)o, "%sk", i ? "." : "");
	snprintf(hdr + o, sizeof hdr - (size_t)o, "]\n");
	parse_bad(hdr, 1, 0, "more than 128 parts");
}

static void
test_depth_limit_inline(void **state)
{
	char buf[2048];
	int i, o = 0;

	o += snprintf(buf + o, sizeof buf - (size_t)o, "x = ");
	for (i = 0; i < 129; i++)
		o += snprintf(buf + o, sizeof buf - (size_t)o, "{a=");
	o += snprintf(buf + o, sizeof buf - (size_t)o, "1");
	for (i = 0; i < 129; i++)
		o += snprintf(buf + o, sizeof buf - (size_t)o, "}");
	parse_bad(buf, 1, 0, "nesting deeper");
}

static void
test_newlines_and_cr(void **state)
{
	struct toml_value *root = parse_ok("a = 1\r\nb = 'x' # c\r\n\r\n[t]\r\n");

	assert_int_equal(get(root, "b", TOML_STRING)->line, 2);
	get(root, "t", TOML_TABLE);
	toml_free(root);
	parse_bad("a = 1\rb = 2\n", 1, 6, "carriage return");
	parse_bad("a = 'x\ry'\n", 1, 7, "carriage return");
}

static void
test_utf8_validation(void **state)
{
	struct toml_value *root = parse_ok("\xEF\xBB\xBF" "a = '\xE2\x82\xAC'\n");

	assert_string_equal(get(root, "a", TOML_STRING)->u.str.ptr, "\xE2\x82\xAC");
	assert_int_equal(get(root, "a", TOML_STRING)->col, 5);
	toml_free(root);
	parse_bad("a = '\xFF'\n", 1, 6, "invalid UTF-8");
	parse_bad("# \xC0\xAF\n", 1, 3, "invalid UTF-8");
	parse_bad("a = 1\nb = '\xED\xA0\x80'\n", 2, 6, "invalid UTF-8");
	parse_bad("a = '\xF4\x90\x80\x80'\n", 1, 6, "invalid UTF-8");
	parse_bad("a = '\xE2\x82'\n", 1, 6, "invalid UTF-8");
}

static void
test_control_characters(void **state)
{
	struct toml_value *root = parse_ok("a = 'tab\there' # tab\tok\n");

	assert_string_equal(get(root, "a", TOML_STRING)->u.str.ptr, "tab\there");
	toml_free(root);
	parse_bad("# bell \x07\n", 1, 8, "control character U+0007 in comment");
	parse_bad("a = \"x\x7Fy\"\n", 1, 7, "control character U+007F");
	parse_bad("a = '''\x01'''\n", 1, 8, "control character");
	parse_bad("a = 1 # \x7F\n", 1, 9, "comment");
}

static void
test_nul_byte_in_document(void **state)
{
	struct toml_value *root = NULL;
	struct toml_error err;
	static const char doc[] = "a = \"x\0y\"\n";

	assert_int_equal(toml_parse(doc, sizeof doc - 1, &root, &err), HS_ECONFIG);
	assert_null(root);
	assert_int_equal(err.line, 1);
	assert_int_equal(err.col, 7);
}

static void
test_get_helpers(void **state)
{
	struct toml_value *root = parse_ok("a = 1\n[b.c]\nd = 'x'\n");
	const struct toml_value *a = toml_get(root, "a");

	assert_non_null(a);
	assert_null(toml_get(NULL, "a"));
	assert_null(toml_get(a, "a"));
	assert_null(toml_get(root, NULL));
	assert_null(toml_get(root, "zz"));
	assert_null(toml_get_path(root, "a.b"));
	assert_null(toml_get_path(root, "b.x.d"));
	assert_null(toml_get_path(root, "b.c.d.e"));
	assert_null(toml_get_path(NULL, "a"));
	assert_null(toml_get_path(root, NULL));
	assert_ptr_equal(toml_get_path(root, "a"), a);
	assert_ptr_equal(toml_get_path(root, "b.c.d"),
	    toml_get(toml_get(toml_get(root, "b"), "c"), "d"));
	toml_free(root);
}

static void
test_type_names(void **state)
{
	assert_string_equal(toml_type_name(TOML_TABLE), "table");
	assert_string_equal(toml_type_name(TOML_ARRAY), "array");
	assert_string_equal(toml_type_name(TOML_STRING), "string");
	assert_string_equal(toml_type_name(TOML_INTEGER), "integer");
	assert_string_equal(toml_type_name(TOML_FLOAT), "float");
	assert_string_equal(toml_type_name(TOML_BOOL), "bool");
	assert_string_equal(toml_type_name(TOML_DATETIME), "datetime");
	assert_string_equal(toml_type_name(TOML_DATETIME_LOCAL), "datetime-local");
	assert_string_equal(toml_type_name(TOML_DATE_LOCAL), "date-local");
	assert_string_equal(toml_type_name(TOML_TIME_LOCAL), "time-local");
}

static void
test_free_null_and_null_err(void **state)
{
	struct toml_value *root = NULL;

	toml_free(NULL);
	assert_int_equal(toml_parse("a = 1\n", 6, &root, NULL), HS_OK);
	toml_free(root);
	assert_int_equal(toml_parse("a = \n", 5, &root, NULL), HS_ECONFIG);
	assert_null(root);
}

/* Many keys in one table stay fast (the parser indexes keys) and keep
 * their insertion order; the duplicate at the end is still seen. */
static void
test_many_keys(void **state)
{
	enum { N = 200000 };
	size_t cap = (size_t)N * 24 + 64, o = 0;
	char *s = malloc(cap);
	struct toml_value *root;
	struct toml_error err;
	int i;

	assert_non_null(s);
	for (i = 0; i < N; i++)
		o += (size_t)snprintf(s + o, cap - o, "k%d = %d\n", i, i);
	root = parse_n(s, o);
	assert_int_equal(root->u.table.n, N);
	assert_string_equal(root->u.table.items[N - 1].key, "k199999");
	assert_int_equal(toml_get(root, "k123456")->u.i, 123456);
	toml_free(root);
	o += (size_t)snprintf(s + o, cap - o, "k5 = 0\n");
	root = NULL;
	assert_int_equal(toml_parse(s, o, &root, &err), HS_ECONFIG);
	assert_int_equal(err.line, N + 1);
	assert_non_null(strstr(err.msg, "duplicate key 'k5'"));
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_document),
		cmocka_unit_test(test_basic_string_escapes),
		cmocka_unit_test(test_string_nul_keeps_length),
		cmocka_unit_test(test_bad_escapes),
		cmocka_unit_test(test_literal_strings),
		cmocka_unit_test(test_multiline_basic),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_integer_errors),
		cmocka_unit_test(test_floats),
		cmocka_unit_test(test_bools),
		cmocka_unit_test(test_offset_datetime),
		cmocka_unit_test(test_local_datetimes),
		cmocka_unit_test(test_datetime_errors),
		cmocka_unit_test(test_arrays),
		cmocka_unit_test(test_inline_tables),
		cmocka_unit_test(test_tables_and_arrays_of_tables),
		cmocka_unit_test(test_table_redefinition),
		cmocka_unit_test(test_dotted_keys),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_value_positions),
		cmocka_unit_test(test_columns_count_code_points),
		cmocka_unit_test(test_error_positions),
		cmocka_unit_test(test_input_size_limit),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_depth_limit_inline),
		cmocka_unit_test(test_newlines_and_cr),
		cmocka_unit_test(test_utf8_validation),
		cmocka_unit_test(test_control_characters),
		cmocka_unit_test(test_nul_byte_in_document),
		cmocka_unit_test(test_get_helpers),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_free_null_and_null_err),
		cmocka_unit_test(test_many_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
