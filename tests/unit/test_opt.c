/* test_opt.c: unit tests for the command-line parser (src/opt.c). */
#include "testutil.h"

#include "opt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { O_ALL = 1, O_BRIEF, O_FILE, O_TAG, O_COLOR, O_X, O_Y, O_LONGONLY, O_HIDDEN, O_FAIL };

static const struct hs_opt opts[] = {
	{O_ALL, 'a', "all", NULL, OPT_FLAG, NULL, "Everything.", 0},
	{O_BRIEF, 'b', "brief", NULL, OPT_FLAG, NULL, "Less.", 0},
	{O_FILE, 'f', "file", "input", OPT_VALUE, "FILE", "Read FILE.", 0},
	{O_TAG, 't', "tag", NULL, OPT_MULTI, "TAG", "Tags.", 0},
	{O_COLOR, 'c', "color", NULL, OPT_OPTIONAL, "WHEN", "Colour.", 0},
	{O_X, 'x', "ex", NULL, OPT_FLAG, NULL, "X mode.", 3},
	{O_Y, 'y', "why", NULL, OPT_FLAG, NULL, "Y mode.", 3},
	{O_LONGONLY, 0, "long-only-option-with-a-long-name", NULL, OPT_VALUE, "VALUE",
	 "Wraps the help.", 0},
	{O_HIDDEN, 'H', "hidden", NULL, OPT_FLAG, NULL, NULL, 0},
	{O_FAIL, 0, "fail", NULL, OPT_FLAG, NULL, "Callback fails.", 0},
	{0, 0, NULL, NULL, 0, NULL, NULL, 0},
};

static const struct hs_cmdspec spec = {
	.prog = "hs test",
	.summary = "A test command.",
	.positional = "ARGS...",
	.poshelp = "Words.",
	.opts = opts,
	.epilog = "The end.",
};

static const struct hs_cmdspec nopos = {
	.prog = "hs nopos", .summary = NULL, .positional = NULL, .opts = opts,
};

/* Every callback, as "id=val" joined by ' '; val "-" for NULL. */
static char log_[1024];

static hs_err
record(void *ctx, int id, const char *val)
{
	size_t n = strlen(log_);

	if (id == O_FAIL)
		return HS_EINPUT;
	snprintf(log_ + n, sizeof log_ - n, "%s%d=%s", n ? " " : "", id, val ? val : "-");
	return HS_OK;
}

/* Output captured from stdout or stderr. */
static char captured[8192];

static int
begin_capture(int fd, FILE *f, int *saved)
{
	char path[] = "/tmp/hs-opt-XXXXXX";
	int tmp = mkstemp(path);

	assert_true(tmp >= 0);
	unlink(path);
	fflush(f);
	*saved = dup(fd);
	dup2(tmp, fd);
	return tmp;
}

static void
end_capture(int fd, FILE *f, int saved, int tmp)
{
	ssize_t n;

	fflush(f);
	dup2(saved, fd);
	close(saved);
	lseek(tmp, 0, SEEK_SET);
	n = read(tmp, captured, sizeof captured - 1);
	captured[n > 0 ? n : 0] = '\0';
	close(tmp);
}

/* Parse the words (NULL-terminated); stderr is captured. */
static hs_err
parse(const struct hs_cmdspec *sp, bool *helped, ...)
{
	char *argv[32];
	int argc = 0, saved, tmp;
	va_list ap;
	hs_err e;

	argv[argc++] = "prog";
	va_start(ap, helped);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	log_[0] = '\0';
	tmp = begin_capture(STDERR_FILENO, stderr, &saved);
	e = hs_opt_parse(sp, argc, argv, record, NULL, helped);
	end_capture(STDERR_FILENO, stderr, saved, tmp);
	return e;
}

#define PARSE_OK(want, ...) do { \
	bool h_ = true; \
	hs_err e_ = parse(&spec, &h_, __VA_ARGS__, (char *)NULL); \
	if (e_ != HS_OK) \
		fail_msg("parse failed (%d): %s", e_, captured); \
	assert_false(h_); \
	assert_string_equal(log_, want); \
} while (0)

#define PARSE_BAD(sp, want, ...) do { \
	bool h_; \
	hs_err e_ = parse((sp), &h_, __VA_ARGS__, (char *)NULL); \
	assert_int_equal(e_, HS_EUSAGE); \
	if (strstr(captured, want) == NULL) \
		fail_msg("stderr '%s' lacks '%s'", captured, want); \
} while (0)

static void
test_flags_and_positionals(void **state)
{
	PARSE_OK("1=- 0=word 2=-", "-a", "word", "--brief");
	PARSE_OK("0=", "");  /* an empty word is a positional */
}

static void
test_value_forms(void **state)
{
	PARSE_OK("3=x", "-f", "x");
	PARSE_OK("3=x", "-fx");
	PARSE_OK("3=x", "--file", "x");
	PARSE_OK("3=x", "--file=x");
	PARSE_OK("3=x", "--input=x");          /* alias */
	PARSE_OK("3=", "--file=");             /* empty inline value */
	PARSE_OK("3=-a", "-f", "-a");          /* a VALUE always takes the next word */
	PARSE_OK("3=a=b", "--file=a=b");
}

static void
test_combined_short_flags(void **state)
{
	PARSE_OK("1=- 2=-", "-ab");
	PARSE_OK("1=- 3=name", "-afname");
	PARSE_OK("1=- 3=next", "-af", "next");
}

static void
test_multi_takes_words_until_option(void **state)
{
	PARSE_OK("4=a 4=b 4=c 1=-", "-t", "a", "b", "c", "-a");
	PARSE_OK("4=a 4=-5", "--tag", "a", "-5");  /* negative numbers are values */
	PARSE_OK("4=x", "--tag=x");
	PARSE_OK("4=a 0=pos", "-t", "a", "--", "pos");
}

static void
test_optional_value(void **state)
{
	PARSE_OK("5=-", "--color");
	PARSE_OK("5=always 0=pos", "--color", "always", "pos");
	PARSE_OK("5=- 1=-", "-c", "-a");
	PARSE_OK("5=never", "--color=never");
}

static void
test_double_dash_ends_options(void **state)
{
	PARSE_OK("1=- 0=-b 0=--file 0=-h", "-a", "--", "-b", "--file", "-h");
	PARSE_OK("0=--", "--", "--");
}

static void
test_negative_number_is_positional(void **state)
{
	PARSE_OK("0=-1 0=-2.5 0=-", "-1", "-2.5", "-");
}

static void
test_usage_errors(void **state)
{
	PARSE_BAD(&spec, "hs test: unrecognized option '--nope' (see 'hs test --help')", "--nope");
	PARSE_BAD(&spec, "hs test: unrecognized option '-z'", "-az");
	PARSE_BAD(&spec, "option -f/--file requires a value", "-f");
	PARSE_BAD(&spec, "option -t/--tag requires at least one value", "-t", "-a");
	PARSE_BAD(&spec, "option -a/--all takes no value", "--all=yes");
	PARSE_BAD(&nopos, "hs nopos: unexpected argument 'stray'", "stray");
	PARSE_BAD(&spec, "unrecognized option '--fil'", "--fil", "x");  /* no prefixes */
}

static void
test_exclusive_group(void **state)
{
	PARSE_BAD(&spec, "hs test: -y/--why is not allowed with -x/--ex", "-x", "-y");
	PARSE_BAD(&spec, "-x/--ex is not allowed with -y/--why", "--why", "--ex");
	PARSE_OK("6=- 6=-", "-x", "-x");  /* repeating one is fine */
}

static void
test_callback_error_stops(void **state)
{
	bool h;
	hs_err e = parse(&spec, &h, "-a", "--fail", "-b", (char *)NULL);

	assert_int_equal(e, HS_EINPUT);
	assert_string_equal(log_, "1=-");
}

static void
test_help(void **state)
{
	char *argv[] = {"prog", "-a", "--help", "-z", NULL};
	int saved, tmp;
	bool helped = false;
	hs_err e;

	log_[0] = '\0';
	tmp = begin_capture(STDOUT_FILENO, stdout, &saved);
	e = hs_opt_parse(&spec, 4, argv, record, NULL, &helped);
	end_capture(STDOUT_FILENO, stdout, saved, tmp);
	assert_int_equal(e, HS_OK);
	assert_true(helped);
	assert_string_equal(log_, "1=-");
	assert_non_null(strstr(captured, "usage: hs test [-h] [options] ARGS...\n\nA test command.\n\n"));
	assert_non_null(strstr(captured, "arguments:\n  ARGS...                   Words.\n"));
	assert_non_null(strstr(captured, "  -h, --help                Show this message and exit.\n"));
	assert_non_null(strstr(captured, "  -f, --file FILE           Read FILE.\n"));
	assert_non_null(strstr(captured, "  -t, --tag TAG [TAG ...]   Tags.\n"));
	assert_non_null(strstr(captured, "  -c, --color [WHEN]        Colour.\n"));
	assert_non_null(strstr(captured, "  --long-only-option-with-a-long-name VALUE\n"
	                                 "                            Wraps the help.\n"));
	assert_null(strstr(captured, "hidden"));
	assert_non_null(strstr(captured, "\nThe end.\n"));
}

static void
test_help_after_double_dash_is_positional(void **state)
{
	PARSE_OK("0=-h 0=--help", "--", "-h", "--help");
}

static void
test_opt_name(void **state)
{
	assert_string_equal(hs_opt_name(&spec, O_FILE), "-f/--file");
	assert_string_equal(hs_opt_name(&spec, O_LONGONLY), "--long-only-option-with-a-long-name");
	assert_string_equal(hs_opt_name(&spec, 999), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flags_and_positionals),
		cmocka_unit_test(test_value_forms),
		cmocka_unit_test(test_combined_short_flags),
		cmocka_unit_test(test_multi_takes_words_until_option),
		cmocka_unit_test(test_optional_value),
		cmocka_unit_test(test_double_dash_ends_options),
		cmocka_unit_test(test_negative_number_is_positional),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_exclusive_group),
		cmocka_unit_test(test_callback_error_stops),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_help_after_double_dash_is_positional),
		cmocka_unit_test(test_opt_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
