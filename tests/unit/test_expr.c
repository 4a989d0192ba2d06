/* test_expr.c: the {= expr =} language against Python's answers. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

/* An expression and its expected repr(), or "!" and a piece of the
 * expected error message. */
struct expr_case {
	const char *src;
	const char *want;
};

/* Evaluate src with x = 3 and compare with want. */
static void
check_case(const char *src, const char *want)
{
	struct expr_num x = {true, 3, 0.0}, v;
	char err[256] = "", got[EXPR_FMT_MAX];
	hs_err e;

	e = expr_eval(src, strlen(src), &x, &v, err, sizeof err);
	if (want[0] == '!') {
		if (e != HS_ETEMPLATE || strstr(err, want + 1) == NULL)
			fail_msg("%s: want error '%s', got %d '%s'", src, want + 1,
			    e, err);
		return;
	}
	if (e != HS_OK)
		fail_msg("%s: want %s, got error '%s'", src, want, err);
	expr_format(&v, got, sizeof got);
	if (strcmp(got, want) != 0)
		fail_msg("%s: want %s, got %s", src, want, got);
}

static void
run_cases(const struct expr_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		check_case(c[i].src, c[i].want);
}

#define RUN(cases) run_cases(cases, sizeof cases / sizeof cases[0])

static void
test_literals(void **state)
{
	static const struct expr_case cases[] = {
		{"0", "0"}, {"42", "42"}, {"1_000", "1000"},
		{"1_000_000.5", "1000000.5"}, {"00", "0"}, {"0_0", "0"},
		{"1.5", "1.5"}, {".5", "0.5"}, {"1.", "1.0"}, {"1e3", "1000.0"},
		{"1E-3", "0.001"}, {"1.e2", "100.0"}, {"2.5e+1", "25.0"},
		{"9223372036854775807", "9223372036854775807"},
		{"9223372036854775808", "!integer overflow"},
		{"1e999", "inf"}, {"1e-999", "0.0"},
		{"01", "!leading zeros"}, {"1__0", "!invalid number"},
		{"1_", "!invalid number"}, {"1.2.3", "!invalid number"},
		{"2x", "!invalid number"}, {"1e", "!invalid number"},
		{"1_.5", "!invalid number"}, {"_1", "!name '_1' is not defined"},
		{"  7  ", "7"}, {"\t7\n", "7"},
	};

	RUN(cases);
}

static void
test_precedence(void **state)
{
	static const struct expr_case cases[] = {
		{"1 + 2 * 3", "7"}, {"(1 + 2) * 3", "9"}, {"10 - 4 - 3", "3"},
		{"2 ** 3 ** 2", "512"}, {"-2 ** 2", "-4"}, {"(-2) ** 2", "4"},
		{"2 ** -1", "0.5"}, {"-2 ** -2", "-0.25"}, {"--3", "3"},
		{"+-+3", "-3"}, {"2 * -3", "-6"}, {"-3 ** 2 * 2", "-18"},
		{"100 / 10 / 5", "2.0"}, {"7 // 2 * 2", "6"}, {"7 % 4 % 2", "1"},
		{"1 + 2 ** 2 * 3", "13"}, {"((((1))))", "1"},
	};

	RUN(cases);
}

static void
test_int_arith(void **state)
{
	static const struct expr_case cases[] = {
		{"7 // 2", "3"}, {"-7 // 2", "-4"}, {"7 // -2", "-4"},
		{"-7 // -2", "3"}, {"-7 % 2", "1"}, {"7 % -2", "-1"},
		{"-7 % -2", "-1"}, {"7 % 2", "1"}, {"6 / 3", "2.0"},
		{"1 / 3", "0.3333333333333333"}, {"0 ** 0", "1"},
		{"2 ** 62", "4611686018427387904"},
		{"2 ** 63", "!integer overflow"},
		{"(-2) ** 63", "-9223372036854775808"},
		{"(-2) ** 64", "!integer overflow"},
		{"9223372036854775807 + 1", "!integer overflow"},
		{"-9223372036854775807 - 2", "!integer overflow"},
		{"3037000500 * 3037000500", "!integer overflow"},
		{"(-9223372036854775807 - 1) // -1", "!integer overflow"},
		{"(-9223372036854775807 - 1) % -1", "0"},
		{"-(-9223372036854775807 - 1)", "!integer overflow"},
		{"1 ** 9000000000000000000", "1"},
		{"(-1) ** 9000000000000000001", "-1"},
		{"1 / 0", "!division by zero"}, {"1 // 0", "!division by zero"},
		{"1 % 0", "!division by zero"}, {"0 ** -1", "!cannot be raised"},
		{"x * 2", "6"}, {"x ** 2 - 1", "8"},
		/* int / int is rounded once, as Python does for big ints. */
		{"5258986265376043509 / 870", "6044811799282809.0"},
		{"9007199254740993 / 1", "9007199254740992.0"},
		{"0 / -5", "-0.0"},
	};

	RUN(cases);
}

static void
test_float_arith(void **state)
{
	static const struct expr_case cases[] = {
		{"0.1 + 0.2", "0.30000000000000004"}, {"1.5 * 2", "3.0"},
		{"-7 // 2.0", "-4.0"}, {"-7.5 % 2", "0.5"}, {"7.5 % -2", "-0.5"},
		{"0.0 // -1", "-0.0"}, {"-0.0 % 1", "0.0"},
		{"1e308 * 10", "inf"}, {"-1e308 * 10", "-inf"},
		{"1.0 / 0", "!division by zero"}, {"1 // 0.0", "!division by zero"},
		{"1 % 0.0", "!division by zero"}, {"2 ** 0.5", "1.4142135623730951"},
		{"2.0 ** 1000", "1.0715086071862673e+301"},
		{"2.0 ** 10000", "!out of range"}, {"10 ** -2", "0.01"},
		{"(-8) ** (1/3)", "!fractional power"}, {"(-2.0) ** 3", "-8.0"},
		{"0.0 ** -1", "!cannot be raised"}, {"0.0 ** 0", "1.0"},
		{"inf - inf", "nan"}, {"inf * 0", "nan"}, {"inf // 2", "nan"},
		{"nan ** 0", "1.0"}, {"1 ** nan", "1.0"}, {"2 ** inf", "inf"},
		{"0.5 ** inf", "0.0"}, {"(-inf) ** 3", "-inf"},
		{"x / 2", "1.5"}, {"x + 0.5", "3.5"},
	};

	RUN(cases);
}

static void
test_functions(void **state)
{
	static const struct expr_case cases[] = {
		{"floor(2.7)", "2"}, {"floor(-0.5)", "-1"}, {"ceil(2.1)", "3"},
		{"trunc(-2.7)", "-2"}, {"floor(5)", "5"},
		{"floor(nan)", "!NaN"}, {"ceil(inf)", "!infinity"},
		{"floor(1e300)", "!integer overflow"},
		{"sqrt(16)", "4.0"}, {"sqrt(-1)", "!math domain error"},
		{"sqrt(-0.0)", "-0.0"}, {"exp(0)", "1.0"},
		{"exp(1000)", "!math range error"}, {"exp(-1000)", "0.0"},
		{"log(e)", "1.0"}, {"log(0)", "!math domain error"},
		{"log(-1)", "!math domain error"}, {"log(8, 2)", "3.0"},
		{"log(1000, 10)", "2.9999999999999996"},
		{"log(2, 1)", "!division by zero"}, {"log(inf)", "inf"},
		{"log2(8)", "3.0"}, {"log10(1000)", "3.0"},
		{"sin(0)", "0.0"}, {"cos(0)", "1.0"}, {"tan(0)", "0.0"},
		{"sin(inf)", "!math domain error"}, {"asin(2)", "!math domain"},
		{"acos(1)", "0.0"}, {"atan(inf)", "1.5707963267948966"},
		{"atan2(1, 1)", "0.7853981633974483"},
		{"atan2(0, -0.0)", "3.141592653589793"},
		{"hypot(3, 4)", "5.0"}, {"hypot()", "0.0"}, {"hypot(-3)", "3.0"},
		{"hypot(1e308, 1e308)", "1.4142135623730951e+308"},
		{"hypot(9, pi % 256)", "9.532554977606441"},
		{"hypot(inf, nan)", "inf"}, {"hypot(1, nan)", "nan"},
		{"pow(2, 3)", "8.0"}, {"pow(0, -1)", "!math domain error"},
		{"pow(10, 400)", "!math range error"}, {"pow(-8, 1/3)", "!domain"},
		{"fabs(-3)", "3.0"}, {"abs(-3)", "3"}, {"abs(-2.5)", "2.5"},
		{"abs(-9223372036854775807 - 1)", "!integer overflow"},
		{"round(2.5)", "2"}, {"round(3.5)", "4"}, {"round(-2.5)", "-2"},
		{"round(0.5)", "0"}, {"round(-0.5)", "0"}, {"round(7)", "7"},
		{"round(2.675, 2)", "2.67"}, {"round(2.5, 0)", "2.0"},
		{"round(123.456, -1)", "120.0"}, {"round(5.0, -1)", "0.0"},
		{"round(15.0, -1)", "20.0"}, {"round(-0.0, 1)", "-0.0"},
		{"round(1e300, 2)", "1e+300"}, {"round(2.5, -400)", "0.0"},
		{"round(2.675, 400)", "2.675"}, {"round(inf, 2)", "inf"},
		{"round(1.7976931348623157e308, -308)", "!too large"},
		{"round(1234, -2)", "1200"}, {"round(25, -1)", "20"},
		{"round(35, -1)", "40"}, {"round(-15, -1)", "-20"},
		{"round(7, 2)", "7"}, {"round(7, -30)", "0"},
		{"round(1.5, 1.0)", "!must be an integer"},
		{"round(inf)", "!infinity"}, {"round(nan)", "!NaN"},
		{"min(3, 1, 2)", "1"}, {"max(3, 1, 2)", "3"}, {"max(2)", "2"},
		{"max(1, 1.0)", "1"}, {"max(1.0, 1)", "1.0"},
		{"min(3, 2.0, 2)", "2.0"}, {"max(1.5, 2, 2.0)", "2"},
		{"max(nan, 1)", "nan"}, {"max(1, nan)", "1"},
		{"max(9223372036854775807, 9.3e18)", "9.3e+18"},
		{"min(9007199254740993, 9007199254740992.0)",
		    "9007199254740992.0"},
		{"int(2.7)", "2"}, {"int(-2.7)", "-2"}, {"int(5)", "5"},
		{"int(nan)", "!NaN"}, {"float(3)", "3.0"}, {"float(x)", "3.0"},
		{"max(1, 2,)", "2"}, {"sqrt(x * 3)", "3.0"},
	};

	RUN(cases);
}

static void
test_names_and_arity(void **state)
{
	static const struct expr_case cases[] = {
		{"pi", "3.141592653589793"}, {"e", "2.718281828459045"},
		{"tau", "6.283185307179586"}, {"inf", "inf"}, {"-inf", "-inf"},
		{"nan", "nan"}, {"-nan", "nan"}, {"x", "3"},
		{"y", "!name 'y' is not defined at position 1"},
		{"X", "!name 'X' is not defined"},
		{"foo(1)", "!name 'foo' is not defined"},
		{"pi(1)", "!'pi' is not a function"},
		{"x(1)", "!'x' is not a function"},
		{"sqrt", "!sqrt is a function"}, {"sqrt + 1", "!sqrt is a function"},
		{"floor()", "!floor() takes 1 argument (0 given)"},
		{"floor(1, 2)", "!floor() takes 1 argument (2 given)"},
		{"atan2(1)", "!atan2() takes 2 arguments (1 given)"},
		{"log(1, 2, 3)", "!log() takes 1 to 2 arguments (3 given)"},
		{"max()", "!max() takes at least 1 argument (0 given)"},
		{"max(1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,"
		    "23,24,25,26,27,28,29,30,31,32,33)", "!too many arguments"},
	};

	RUN(cases);
}

static void
test_syntax_errors(void **state)
{
	static const struct expr_case cases[] = {
		{"", "!empty expression"}, {"   ", "!empty expression"},
		{"1 +", "!unexpected end of expression"},
		{"1 2", "!unexpected '2' at position 3"},
		{"(1", "!unexpected end"}, {"1)", "!unexpected ')' at position 2"},
		{"()", "!unexpected ')'"}, {"1 +* 2", "!unexpected '*'"},
		{"1 < 2", "!unexpected character '<' at position 3"},
		{"max(,)", "!unexpected ','"}, {"max(1 2)", "!unexpected '2'"},
		{"1 = 2", "!unexpected character '='"}, {"x.y", "!unexpected"},
		{"\x01", "!unexpected byte 0x01"}, {"1 *** 2", "!unexpected '*'"},
	};

	RUN(cases);
}

static void
test_bounds(void **state)
{
	char src[EXPR_MAX_LEN + 2], err[256];
	struct expr_num v;
	size_t i;

	/* Exactly EXPR_MAX_LEN bytes is fine, one more is not. */
	memset(src, ' ', sizeof src);
	src[0] = '1';
	assert_int_equal(expr_eval(src, EXPR_MAX_LEN, NULL, &v, err,
	    sizeof err), HS_OK);
	assert_int_equal(expr_eval(src, EXPR_MAX_LEN + 1, NULL, &v, err,
	    sizeof err), HS_ETEMPLATE);
	assert_non_null(strstr(err, "longer than"));

	/* EXPR_MAX_DEPTH nested parentheses pass, one more fails. */
	for (i = 0; i < EXPR_MAX_DEPTH - 1; i++)
		src[i] = '(';
	src[i++] = '1';
	memset(src + i, ')', EXPR_MAX_DEPTH - 1);
	i += EXPR_MAX_DEPTH - 1;
	assert_int_equal(expr_eval(src, i, NULL, &v, err, sizeof err), HS_OK);
	memset(src, '-', EXPR_MAX_DEPTH + 1);
	src[EXPR_MAX_DEPTH + 1] = '1';
	assert_int_equal(expr_eval(src, EXPR_MAX_DEPTH + 2, NULL, &v, err,
	    sizeof err), HS_ETEMPLATE);
	assert_non_null(strstr(err, "nested deeper"));
	assert_int_equal(expr_check(src, EXPR_MAX_DEPTH + 2, err, sizeof err),
	    HS_ETEMPLATE);

	/* Only len bytes are read: no NUL needed, and none past it used. */
	assert_int_equal(expr_eval("1+2garbage", 3, NULL, &v, err, sizeof err),
	    HS_OK);
	assert_true(v.is_int && v.i == 3);
	/* A NUL inside is a bad byte, not an end. */
	assert_int_equal(expr_eval("1\0+2", 4, NULL, &v, err, sizeof err),
	    HS_ETEMPLATE);
	/* A NULL or short error buffer is allowed. */
	assert_int_equal(expr_eval("1/0", 3, NULL, &v, NULL, 0), HS_ETEMPLATE);
	assert_int_equal(expr_eval("1/0", 3, NULL, &v, err, 1), HS_ETEMPLATE);
	assert_string_equal(err, "");
	assert_int_equal(expr_eval(NULL, 0, NULL, &v, err, sizeof err),
	    HS_ETEMPLATE);
}

static void
test_x_not_a_number(void **state)
{
	struct expr_num v;
	char err[256];
	char longtext[100];

	assert_int_equal(expr_eval("x + 1", 5, NULL, &v, err, sizeof err),
	    HS_ETEMPLATE);
	assert_string_equal(err, "x is not a number");
	assert_int_equal(expr_eval_text("x + 1", 5, NULL, "foo", &v, err,
	    sizeof err), HS_ETEMPLATE);
	assert_string_equal(err, "x is not a number: 'foo'");
	/* Unprintable bytes and quotes are escaped. */
	assert_int_equal(expr_eval_text("x", 1, NULL, "a'b\\\x01\xff", &v, err,
	    sizeof err), HS_ETEMPLATE);
	assert_string_equal(err, "x is not a number: 'a\\'b\\\\\\x01\\xff'");
	/* Long text is truncated. */
	memset(longtext, 'z', sizeof longtext - 1);
	longtext[sizeof longtext - 1] = '\0';
	assert_int_equal(expr_eval_text("x", 1, NULL, longtext, &v, err,
	    sizeof err), HS_ETEMPLATE);
	assert_non_null(strstr(err, "zzz...'"));
	assert_true(strlen(err) < 80);
	/* Without x, x is only an error when used. */
	assert_int_equal(expr_eval_text("2 * 3", 5, NULL, "foo", &v, err,
	    sizeof err), HS_OK);
	assert_true(v.is_int && v.i == 6);
}

static void
test_check(void **state)
{
	char err[256];

	assert_int_equal(expr_check("x + 1", 5, err, sizeof err), HS_OK);
	/* Value errors are not found by a check. */
	assert_int_equal(expr_check("1 / (x - 3)", 11, err, sizeof err), HS_OK);
	assert_int_equal(expr_check("sqrt(-1)", 8, err, sizeof err), HS_OK);
	assert_int_equal(expr_check("2 ** 64", 7, err, sizeof err), HS_OK);
	/* Syntax, names and arity are. */
	assert_int_equal(expr_check("1 +", 3, err, sizeof err), HS_ETEMPLATE);
	assert_int_equal(expr_check("y", 1, err, sizeof err), HS_ETEMPLATE);
	assert_int_equal(expr_check("floor(1, 2)", 11, err, sizeof err),
	    HS_ETEMPLATE);
	assert_non_null(strstr(err, "takes 1 argument"));
	assert_int_equal(expr_check("99999999999999999999", 20, err,
	    sizeof err), HS_ETEMPLATE);
}

/* Text and expected number for expr_coerce; want NULL: not a number. */
struct coerce_case {
	const char *text;
	bool is_int;
	const char *want;
};

static void
test_coerce(void **state)
{
	static const struct coerce_case cases[] = {
		{"42", true, "42"}, {" -7 ", true, "-7"}, {"+5", true, "5"},
		{"007", true, "7"}, {"1_000", true, "1000"},
		{"\t3\n", true, "3"},
		{"-9223372036854775808", true, "-9223372036854775808"},
		{"9223372036854775808", false, "9.223372036854776e+18"},
		{"1.5", false, "1.5"}, {"-.5", false, "-0.5"}, {"5.", false, "5.0"},
		{"1e5", false, "100000.0"}, {"1E-3", false, "0.001"},
		{"1_0.5", false, "10.5"}, {"inf", false, "inf"},
		{"-Infinity", false, "-inf"}, {"nan", false, "nan"},
		{"NaN", false, "nan"}, {"-nan", false, "nan"},
		{"", false, NULL}, {"  ", false, NULL}, {"foo", false, NULL},
		{"1 2", false, NULL}, {"1__0", false, NULL}, {"_1", false, NULL},
		{"1_", false, NULL}, {"0x10", false, NULL}, {".", false, NULL},
		{"1e", false, NULL}, {"- 5", false, NULL}, {"infin", false, NULL},
		{"--5", false, NULL}, {"5\x1c", false, NULL},
		{"1e5.5", false, NULL}, {"nan(1)", false, NULL},
	};
	struct expr_num v;
	char got[EXPR_FMT_MAX];
	size_t i;
	hs_err e;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		e = expr_coerce(cases[i].text, &v);
		if (cases[i].want == NULL) {
			if (e != HS_EINPUT)
				fail_msg("'%s' coerced", cases[i].text);
			continue;
		}
		if (e != HS_OK)
			fail_msg("'%s' did not coerce", cases[i].text);
		expr_format(&v, got, sizeof got);
		if (v.is_int != cases[i].is_int ||
		    strcmp(got, cases[i].want) != 0)
			fail_msg("'%s': want %s, got %s", cases[i].text,
			    cases[i].want, got);
	}
}

static void
format_double(double d, const char *want)
{
	struct expr_num v = {false, 0, d};
	char got[EXPR_FMT_MAX];

	expr_format(&v, got, sizeof got);
	if (strcmp(got, want) != 0)
		fail_msg("%.17g: want %s, got %s", d, want, got);
}

static void
test_format(void **state)
{
	struct expr_num v = {true, INT64_MIN, 0.0};
	char buf[EXPR_FMT_MAX];

	format_double(0.0, "0.0");
	format_double(-0.0, "-0.0");
	format_double(1.0, "1.0");
	format_double(0.1, "0.1");
	format_double(1.0 / 3, "0.3333333333333333");
	format_double(1e16, "1e+16");
	format_double(1e15, "1000000000000000.0");
	format_double(1234567890123456.7, "1234567890123456.8");
	format_double(12345678901234567.0, "1.2345678901234568e+16");
	format_double(0.0001, "0.0001");
	format_double(0.00001, "1e-05");
	format_double(1.5e-5, "1.5e-05");
	format_double(-2.5e-7, "-2.5e-07");
	format_double(1e22, "1e+22");
	format_double(1e100, "1e+100");
	format_double(5e-324, "5e-324");
	format_double(1.7976931348623157e308, "1.7976931348623157e+308");
	format_double(-1.7976931348623157e308, "-1.7976931348623157e+308");
	format_double(2.2250738585072014e-308, "2.2250738585072014e-308");
	format_double(123.456, "123.456");
	format_double(100.0, "100.0");
	format_double(INFINITY, "inf");
	format_double(-INFINITY, "-inf");
	format_double(NAN, "nan");
	format_double(-NAN, "nan");

	expr_format(&v, buf, sizeof buf);
	assert_string_equal(buf, "-9223372036854775808");
	/* Truncated as snprintf, and len 0 writes nothing. */
	expr_format(&v, buf, 5);
	assert_string_equal(buf, "-922");
	buf[0] = 'q';
	expr_format(&v, buf, 0);
	assert_int_equal(buf[0], 'q');
}

/* Every double printed reads back as itself, in few enough bytes. */
static void
test_format_roundtrip(void **state)
{
	struct expr_num v = {false, 0, 0.0};
	char buf[EXPR_FMT_MAX];
	uint64_t bits = 0x9e3779b97f4a7c15ULL;
	int i;

	for (i = 0; i < 20000; i++) {
		bits ^= bits << 13;
		bits ^= bits >> 7;
		bits ^= bits << 17;
		memcpy(&v.d, &bits, sizeof v.d);
		if (isnan(v.d))
			continue;
		expr_format(&v, buf, sizeof buf);
		assert_true(strlen(buf) < EXPR_FMT_MAX - 1);
		if (strtod(buf, NULL) != v.d)
			fail_msg("%a printed as %s", v.d, buf);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literals),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_int_arith),
		cmocka_unit_test(test_float_arith),
		cmocka_unit_test(test_functions),
		cmocka_unit_test(test_names_and_arity),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_x_not_a_number),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_coerce),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
