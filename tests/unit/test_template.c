/* test_template.c: template expansion and checking. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"

/* What the test shell callback saw and what it answers. */
struct fake_shell {
	char cmd[256];     /* the last command it was given */
	int calls;
	const char *reply; /* appended to out */
	hs_err fail;       /* returned instead, with message "boom" */
};

static hs_err
fake_shell(void *arg, const char *cmd, struct hs_buf *out, char *err,
    size_t errlen)
{
	struct fake_shell *sh = arg;

	sh->calls++;
	snprintf(sh->cmd, sizeof sh->cmd, "%s", cmd);
	if (sh->fail != HS_OK) {
		snprintf(err, errlen, "boom");
		return sh->fail;
	}
	return hs_buf_puts(out, sh->reply);
}

static const struct tmpl_var ctx_vars[] = {
	{"slot", "3"}, {"slot_count", "8"}, {"empty", ""},
};

/* Expand tmpl over args with the test variables and a shell replying
 * "  out put \n"; want is the text, or "!" and a piece of the error. */
static void
check_expand(const char *tmpl, const char *args, const char *want)
{
	struct fake_shell sh = {"", 0, "  out put \n", HS_OK};
	struct tmpl_ctx ctx = {args, ctx_vars, 3, fake_shell, &sh};
	struct hs_buf out = HS_BUF_INIT(1 << 20);
	char err[TMPL_ERR_MAX] = "";
	hs_err e;

	e = tmpl_expand(tmpl, &ctx, &out, err, sizeof err);
	if (want[0] == '!') {
		if (e != HS_ETEMPLATE || strstr(err, want + 1) == NULL)
			fail_msg("'%s' on '%s': want error '%s', got %d '%s'",
			    tmpl, args, want + 1, e, err);
	} else if (e != HS_OK) {
		fail_msg("'%s' on '%s': want '%s', got error '%s'", tmpl, args,
		    want, err);
	} else if (strcmp(hs_buf_str(&out), want) != 0) {
		fail_msg("'%s' on '%s': want '%s', got '%s'", tmpl, args, want,
		    hs_buf_str(&out));
	}
	hs_buf_free(&out);
}

struct tmpl_case {
	const char *tmpl;
	const char *args;
	const char *want;
};

static void
run_cases(const struct tmpl_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		check_expand(c[i].tmpl, c[i].args, c[i].want);
}

#define RUN(cases) run_cases(cases, sizeof cases / sizeof cases[0])

static void
test_whole_args(void **state)
{
	static const struct tmpl_case cases[] = {
		{"echo {}", "a b  c", "echo a b  c"},
		{"{}{}", "x", "xx"},
		{"no forms at all", "x", "no forms at all"},
		{"", "x", ""},
		{"{}", "", ""},
		{"<{}>", " padded ", "< padded >"},
		/* Substituted text is never scanned again. */
		{"{}", "{} {.} {= 1/0 =} {% x %} {[9]}",
		    "{} {.} {= 1/0 =} {% x %} {[9]}"},
	};

	RUN(cases);
}

static void
test_path_forms(void **state)
{
	static const struct tmpl_case cases[] = {
		{"{.}|{..}|{/}|{/-}|{-}|{+}|{++}", "/a/b/c.tar.gz",
		    "/a/b|/a|c.tar.gz|c.tar|/a/b/c.tar|.gz|gz"},
		{"{.}|{..}|{/}|{/-}|{-}|{+}|{++}", "file",
		    "||file|file|file||"},
		{"{.}|{..}|{/}", "/a", "/|/|a"},
		{"{.}|{..}|{/}", "/", "/|/|"},
		{"{.}|{..}|{/}", "//a//b", "//a|//|b"},
		{"{.}|{/}", "a/", "a|"},
		{"{.}|{..}", "a//b///c", "a//b|a"},
		{"{/-}|{-}|{+}|{++}", ".bashrc", ".bashrc|.bashrc||"},
		{"{/-}|{-}|{+}|{++}", "dir/..bashrc", "..bashrc|dir/..bashrc||"},
		{"{/-}|{-}|{+}|{++}", "dir/.a.b", ".a|dir/.a|.b|b"},
		{"{/-}|{-}|{+}|{++}", "a.tar.gz", "a.tar|a.tar|.gz|gz"},
		{"{/-}|{-}|{+}|{++}", "a.", "a|a|.|"},
		{"{/-}|{-}|{+}|{++}", "a.b/c", "c|a.b/c||"},
		{"{/-}|{-}|{+}|{++}", "...", "...|...||"},
		{"{/-}|{+}", "x/y.z w", "y|.z w"},
		{"{.}|{/}|{-}|{+}", "", "|||"},
	};

	RUN(cases);
}

static void
test_slices(void **state)
{
	static const struct tmpl_case cases[] = {
		{"{[0]}|{[1]}|{[-1]}|{[-3]}", "a b c", "a|b|c|a"},
		{"{[ -1 ]}|{[\t2 ]}|{[+1]}", "a b c", "c|c|b"},
		{"{[1:]}|{[:2]}|{[:]}|{[::]}", "a b c", "b c|a b|a b c|a b c"},
		{"{[::2]}|{[::-1]}|{[1::-1]}", "a b c d", "a c|d c b a|b a"},
		{"{[-2:]}|{[:-1]}|{[-100:100]}", "a b c", "b c|a b|a b c"},
		{"{[5:]}|{[2:1]}|{[3:0:-1]}", "a b c", "||c b"},
		{"{[1:2:]}|{[ 0 : 3 : 2 ]}", "a b c", "b|a c"},
		{"{[-1::-2]}", "a b c d e", "e c a"},
		{"{[999999999999999999:]}x", "a b", "x"},
		{"{[:-999999999999999999]}x", "a b", "x"},
		/* Runs of any ASCII whitespace split; the result has one space. */
		{"{[:]}", "  a \t b\n\x1c c  ", "a b c"},
		{"{[:]}x", "   ", "x"},
		{"{[0]}", "only", "only"},
	};

	RUN(cases);
}

static void
test_slice_errors(void **state)
{
	static const struct tmpl_case cases[] = {
		{"{[3]}", "a b c", "!index 3 out of range for 3 fields"},
		{"{[-4]}", "a b c", "!index -4 out of range for 3 fields"},
		{"{[0]}", "", "!index 0 out of range for 0 fields"},
		{"{[1]}", "a", "!index 1 out of range for 1 field"},
		{"ab {[9]}", "a", "!column 4:"},
		{"{[::0]}", "a", "!slice step cannot be zero"},
		{"{[]}", "a", "!empty index"},
		{"{[a]}", "a", "!malformed slice"},
		{"{[1]", "a", "!malformed slice"},
		{"{[1] }", "a", "!malformed slice"},
		{"{[1:2:3:4]}", "a", "!malformed slice"},
		{"{[- 1]}", "a", "!sign without digits"},
		{"{[1.5]}", "a", "!malformed slice"},
		{"{[1000000000000000000]}", "a", "!too large"},
		{"{[", "a", "!malformed slice"},
	};

	RUN(cases);
}

static void
test_verbatim(void **state)
{
	static const struct tmpl_case cases[] = {
		{"awk '{print $1}' {}", "f", "awk '{print $1}' f"},
		{"echo ${HOME} ${slot}", "", "echo ${HOME} $3"},
		{"echo {a,b} {1..3}", "", "echo {a,b} {1..3}"},
		{"{ } { {} } }", "x", "{ } { x } }"},
		{"{", "", "{"}, {"}", "", "}"}, {"{{}}", "x", "{x}"},
		{"{nope} {9} {slot_countx}", "", "{nope} {9} {slot_countx}"},
		{"{./} {.-} {+++}", "a.b", "{./} {.-} {+++}"},
		{"f() { echo; }", "", "f() { echo; }"},
		{"{%}", "", "!unterminated {%"},
	};

	RUN(cases);
}

static void
test_vars(void **state)
{
	static const struct tmpl_case cases[] = {
		{"{slot}/{slot_count}", "", "3/8"},
		{"[{empty}]", "", "[]"},
		{"{slot}{}", "a", "3a"},
		{"{Slot}", "", "{Slot}"},
	};
	struct tmpl_var nullval = {"v", NULL};
	struct tmpl_ctx ctx = {"a", &nullval, 1, NULL, NULL};
	struct hs_buf out = HS_BUF_INIT(100);
	char err[TMPL_ERR_MAX];

	RUN(cases);
	/* A variable with no value is empty; no vars at all is fine. */
	assert_int_equal(tmpl_expand("<{v}>", &ctx, &out, err, sizeof err),
	    HS_OK);
	assert_string_equal(hs_buf_str(&out), "<>");
	ctx.vars = NULL;
	ctx.nvars = 0;
	hs_buf_reset(&out);
	assert_int_equal(tmpl_expand("<{v}>", &ctx, &out, err, sizeof err),
	    HS_OK);
	assert_string_equal(hs_buf_str(&out), "<{v}>");
	hs_buf_free(&out);
}

static void
test_shell(void **state)
{
	struct fake_shell sh = {"", 0, " \t hello {} world\n\n", HS_OK};
	struct tmpl_ctx ctx = {"a b", NULL, 0, fake_shell, &sh};
	struct hs_buf out = HS_BUF_INIT(1000);
	char err[TMPL_ERR_MAX];

	assert_int_equal(tmpl_expand("x={%  cat @ | wc @@ %}.", &ctx, &out,
	    err, sizeof err), HS_OK);
	assert_string_equal(sh.cmd, "cat a b | wc a ba b");
	/* Stripped, and the output is not scanned for forms. */
	assert_string_equal(hs_buf_str(&out), "x=hello {} world.");
	assert_int_equal(sh.calls, 1);

	/* Python's strip() also drops \v, \f and 0x1c-0x1f. */
	sh.reply = "\v\f\x1c\x1fy\x1e";
	hs_buf_reset(&out);
	assert_int_equal(tmpl_expand("{% a %}", &ctx, &out, err, sizeof err),
	    HS_OK);
	assert_string_equal(hs_buf_str(&out), "y");
	assert_string_equal(sh.cmd, "a");

	/* All whitespace output is empty. */
	sh.reply = " \n ";
	hs_buf_reset(&out);
	assert_int_equal(tmpl_expand("[{% a %}]", &ctx, &out, err, sizeof err),
	    HS_OK);
	assert_string_equal(hs_buf_str(&out), "[]");

	/* The callback's failure is a template error with its message. */
	sh.fail = HS_ECHILD;
	assert_int_equal(tmpl_expand("{% false %}", &ctx, &out, err,
	    sizeof err), HS_ETEMPLATE);
	assert_string_equal(err, "column 1: {% %}: boom");
	sh.fail = HS_ENOMEM;
	assert_int_equal(tmpl_expand("{% x %}", &ctx, &out, err, sizeof err),
	    HS_ENOMEM);

	/* No callback: not allowed. */
	ctx.shell = NULL;
	assert_int_equal(tmpl_expand("{% ls %}", &ctx, &out, err, sizeof err),
	    HS_ETEMPLATE);
	assert_non_null(strstr(err,
	    "shell substitution {% %} is not allowed here"));
	hs_buf_free(&out);
}

static void
test_shell_errors(void **state)
{
	static const struct tmpl_case cases[] = {
		{"{% echo", "", "!unterminated {%: no closing %}"},
		{"{% echo %", "", "!unterminated {%"},
		{"{%%}", "", "!empty command"},
		{"{%   %}", "", "!empty command"},
		{"{% a %} {% b", "", "!column 9:"},
	};

	RUN(cases);
}

static void
test_expr_form(void **state)
{
	static const struct tmpl_case cases[] = {
		{"{= x * 2 =}", "21", "42"},
		{"{=x+1=}", " 41 ", "42"},
		{"{= x / 2 =}", "3", "1.5"},
		{"{= x + 0.1 =}", "0.2", "0.30000000000000004"},
		{"{= 1e16 =}", "", "1e+16"},
		{"{= round(x) =}", "2.5", "2"},
		{"{= -7 // 2 =}|{= -7 % 2 =}", "", "-4|1"},
		{"{= 2 ** 10 =}", "not a number", "1024"},
		{"{= x =}", "1_000", "1000"},
		{"{= x =}", "inf", "inf"},
		{"f{= x =}_{= x + 1 =}.txt", "7", "f7_8.txt"},
		{"{= x + 1 =}", "foo", "!x is not a number: 'foo'"},
		{"{= x =}", "", "!x is not a number: ''"},
		{"{= 1 / 0 =}", "", "!column 1: in {= =}: division by zero"},
		{"{= 2 ** 63 =}", "", "!integer overflow"},
		{"{= 1 + =}", "", "!unexpected end"},
		{"{= =}", "", "!empty expression"},
		{"{==}", "", "!empty expression"},
		{"{= 1", "", "!unterminated {=: no closing =}"},
		{"{=}", "", "!unterminated {="},
		{"ab{= sqrt(-1) =}", "", "!column 3: in {= =}: math domain error"},
	};

	RUN(cases);
}

static void
test_output_limit(void **state)
{
	struct fake_shell sh = {"", 0, "0123456789", HS_OK};
	struct tmpl_ctx ctx = {"abcdef", NULL, 0, fake_shell, &sh};
	struct hs_buf out = HS_BUF_INIT(10);
	char err[TMPL_ERR_MAX];

	assert_int_equal(tmpl_expand("{}1234", &ctx, &out, err, sizeof err),
	    HS_OK);
	assert_string_equal(hs_buf_str(&out), "abcdef1234");
	hs_buf_reset(&out);
	assert_int_equal(tmpl_expand("{}12345", &ctx, &out, err, sizeof err),
	    HS_ELIMIT);
	assert_non_null(strstr(err, "longer than 10 bytes"));
	hs_buf_reset(&out);
	assert_int_equal(tmpl_expand("{}{}", &ctx, &out, err, sizeof err),
	    HS_ELIMIT);
	hs_buf_reset(&out);
	assert_int_equal(tmpl_expand("{[:]}{[:]}", &ctx, &out, err,
	    sizeof err), HS_ELIMIT);
	hs_buf_reset(&out);
	assert_int_equal(tmpl_expand("{% x %}", &ctx, &out, err, sizeof err),
	    HS_OK);
	hs_buf_reset(&out);
	assert_int_equal(tmpl_expand("-{% x %}", &ctx, &out, err, sizeof err),
	    HS_ELIMIT);
	hs_buf_reset(&out);
	assert_int_equal(tmpl_expand("{= 2 ** 40 =}", &ctx, &out, err,
	    sizeof err), HS_ELIMIT);
	hs_buf_free(&out);
}

static void
test_appends(void **state)
{
	struct tmpl_ctx ctx = {"b", NULL, 0, NULL, NULL};
	struct hs_buf out = HS_BUF_INIT(100);
	char err[TMPL_ERR_MAX];

	assert_int_equal(hs_buf_puts(&out, "a"), HS_OK);
	assert_int_equal(tmpl_expand("{}c", &ctx, &out, err, sizeof err),
	    HS_OK);
	assert_string_equal(hs_buf_str(&out), "abc");
	/* A NULL context is empty args, no variables, no shell. */
	hs_buf_reset(&out);
	assert_int_equal(tmpl_expand("<{}>{slot}", NULL, &out, err, sizeof err),
	    HS_OK);
	assert_string_equal(hs_buf_str(&out), "<>{slot}");
	/* A NULL or empty error buffer is allowed. */
	assert_int_equal(tmpl_expand("{[5]}", &ctx, &out, NULL, 0),
	    HS_ETEMPLATE);
	err[0] = 'z';
	assert_int_equal(tmpl_expand("{[5]}", &ctx, &out, err, 1),
	    HS_ETEMPLATE);
	assert_string_equal(err, "");
	hs_buf_free(&out);
}

static void
test_template_length(void **state)
{
	struct tmpl_ctx ctx = {"", NULL, 0, NULL, NULL};
	struct hs_buf out = HS_BUF_INIT(2 * TMPL_MAX_LEN);
	char err[TMPL_ERR_MAX];
	char *t;

	t = malloc(TMPL_MAX_LEN + 2);
	assert_non_null(t);
	memset(t, 'a', TMPL_MAX_LEN);
	t[TMPL_MAX_LEN] = '\0';
	assert_int_equal(tmpl_expand(t, &ctx, &out, err, sizeof err), HS_OK);
	assert_int_equal(out.len, TMPL_MAX_LEN);
	assert_int_equal(tmpl_check(t, err, sizeof err), HS_OK);
	t[TMPL_MAX_LEN] = 'a';
	t[TMPL_MAX_LEN + 1] = '\0';
	hs_buf_reset(&out);
	assert_int_equal(tmpl_expand(t, &ctx, &out, err, sizeof err),
	    HS_ELIMIT);
	assert_non_null(strstr(err, "template is longer than 65536"));
	assert_int_equal(tmpl_check(t, err, sizeof err), HS_ELIMIT);
	free(t);
	hs_buf_free(&out);
}

static void
test_check(void **state)
{
	static const char *good[] = {
		"", "echo {} {.} {..} {/} {/-} {-} {+} {++}",
		"{[0]} {[-1]} {[1:]} {[::-1]} {[ 1 : 2 : 3 ]} {[99]}",
		"{% whatever @ %} {= x * 2 + floor(x) =} {= 1 / (x - 3) =}",
		"awk '{print $1}' ${HOME} {a,b} { } {slot} {unknown}",
	};
	static const struct {
		const char *tmpl;
		const char *msg;
	} bad[] = {
		{"{[x]}", "column 1: malformed slice"},
		{"{[::0]}", "step cannot be zero"},
		{"a {% b", "column 3: unterminated {%"},
		{"{%  %}", "empty command"},
		{"{= 1 +", "unterminated {="},
		{"{= 1 + =}", "column 1: in {= =}: unexpected end of expression"},
		{"{= y =}", "name 'y' is not defined"},
		{"{= floor() =}", "floor() takes 1 argument (0 given)"},
	};
	char err[TMPL_ERR_MAX];
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		if (tmpl_check(good[i], err, sizeof err) != HS_OK)
			fail_msg("'%s': %s", good[i], err);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (tmpl_check(bad[i].tmpl, err, sizeof err) != HS_ETEMPLATE)
			fail_msg("'%s' passed the check", bad[i].tmpl);
		if (strstr(err, bad[i].msg) == NULL)
			fail_msg("'%s': want '%s', got '%s'", bad[i].tmpl,
			    bad[i].msg, err);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_args),
		cmocka_unit_test(test_path_forms),
		cmocka_unit_test(test_slices),
		cmocka_unit_test(test_slice_errors),
		cmocka_unit_test(test_verbatim),
		cmocka_unit_test(test_vars),
		cmocka_unit_test(test_shell),
		cmocka_unit_test(test_shell_errors),
		cmocka_unit_test(test_expr_form),
		cmocka_unit_test(test_output_limit),
		cmocka_unit_test(test_appends),
		cmocka_unit_test(test_template_length),
		cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
