/* test_taskline.c: unit tests for parsing one submitted line
 * (src/taskline.c). */
#include "testutil.h"

#include "taskline.h"

#include <stdlib.h>
#include <string.h>

#define MAXLEN 4096

static struct hs_taskline tl;   /* reused across calls, as hs submit does */
static char err[256];

static int
teardown(void **state)
{
	hs_tags_free(&tl.tags);
	return 0;
}

static void
parse_ok_n(const char *line, size_t len)
{
	err[0] = '\0';
	if (hs_taskline_parse(line, len, MAXLEN, &tl, err, sizeof err) != HS_OK)
		fail_msg("'%s' rejected: %s", line, err);
}

static void
parse_ok(const char *line)
{
	parse_ok_n(line, strlen(line));
}

/* line must parse with args exactly want ("" = no task). */
static void
args_are(const char *line, const char *want)
{
	parse_ok(line);
	if (tl.argslen != strlen(want) || memcmp(tl.args, want, tl.argslen) != 0)
		fail_msg("'%s' gave args '%.*s', want '%s'", line, (int)tl.argslen,
		         tl.args, want);
}

static void
parse_bad_n(const char *line, size_t len, size_t maxlen, hs_err want_e,
            const char *want)
{
	hs_err e;

	err[0] = '\0';
	e = hs_taskline_parse(line, len, maxlen, &tl, err, sizeof err);
	if (e != want_e)
		fail_msg("'%.*s' gave %d, want %d (%s)", (int)len, line, e, want_e, err);
	if (strstr(err, want) == NULL)
		fail_msg("message '%s' lacks '%s'", err, want);
	assert_null(strchr(err, '\n'));
}

static void
parse_bad(const char *line, const char *want)
{
	parse_bad_n(line, strlen(line), MAXLEN, HS_EINPUT, want);
}

static void
test_plain_command(void **state)
{
	args_are("echo hello", "echo hello");
	assert_false(tl.has_directive);
	assert_int_equal(tl.tags.n, 0);
	args_are("  \techo  padded \t ", "echo  padded");
}

static void
test_empty_and_comment_lines(void **state)
{
	args_are("", "");
	args_are("   \t ", "");
	args_are("# just a comment", "");
	args_are("   # indented comment", "");
	assert_false(tl.has_directive);
}

static void
test_hash_inside_word_is_kept(void **state)
{
	args_are("echo a#b", "echo a#b");
	args_are("echo \"#1\"", "echo \"#1\"");
	args_are("echo '#1' x", "echo '#1' x");
	args_are("echo \"a # b\" # real comment", "echo \"a # b\"");
	args_are("echo 'it''s' #c", "echo 'it''s'");
	args_are("echo \\#x", "echo \\#x");
	args_are("echo \"a\\\" #b\"", "echo \"a\\\" #b\"");
	args_are("echo ${#x}", "echo ${#x}");
	args_are("echo a\t#tab comment", "echo a");
}

static void
test_unclosed_quote_keeps_rest(void **state)
{
	args_are("echo \"abc #x", "echo \"abc #x");
	args_are("echo 'abc #x", "echo 'abc #x");
}

/* An escaped blank is part of the word, so the '#' after it does not
 * start a word: sh -c 'echo a\ #b' prints "a #b". */
static void
test_escaped_blank_then_hash(void **state)
{
	args_are("echo a\\ #b", "echo a\\ #b");
}

/* After an operator a new word starts: sh -c 'echo a;#b' prints "a". */
static void
test_hash_after_operator_is_comment(void **state)
{
	args_are("echo a;#HYPERSHELL tagged", "echo a;");
	assert_true(tl.has_directive);
}

static void
test_directive_tags(void **state)
{
	args_are("echo x # HYPERSHELL: site:a naked  k:1.5", "echo x");
	assert_true(tl.has_directive);
	assert_int_equal(tl.tags.n, 3);
	assert_string_equal(tl.tags.v[0].key, "site");
	assert_string_equal(tl.tags.v[0].value, "a");
	assert_string_equal(tl.tags.v[1].key, "naked");
	assert_string_equal(tl.tags.v[1].value, "");
	assert_string_equal(tl.tags.v[2].value, "1.5");
	args_are("echo x #HYPERSHELL a:1 a:2", "echo x");
	assert_int_equal(tl.tags.n, 1);
	assert_string_equal(tl.tags.v[0].value, "2");
}

static void
test_directive_spellings(void **state)
{
	args_are("cmd #HYPERSHELL:k", "cmd");
	assert_true(tl.has_directive);
	assert_int_equal(tl.tags.n, 1);
	args_are("cmd #HYPERSHELL", "cmd");
	assert_true(tl.has_directive);
	assert_int_equal(tl.tags.n, 0);
	args_are("cmd #HYPERSHELLX k:1", "cmd");  /* an ordinary comment */
	assert_false(tl.has_directive);
	assert_int_equal(tl.tags.n, 0);
	args_are("cmd #hypershell k:1", "cmd");   /* case matters */
	assert_false(tl.has_directive);
	args_are("cmd #HYPER", "cmd");
	assert_false(tl.has_directive);
}

static void
test_reserved_keys_set_columns(void **state)
{
	args_are("run #HYPERSHELL group:3 cores:4 memory:1.5GB timeout:60 t", "run");
	assert_true(tl.opts.has_group);
	assert_int_equal(tl.opts.group, 3);
	assert_true(tl.opts.has_cores);
	assert_int_equal(tl.opts.cores, 4);
	assert_true(tl.opts.has_memory);
	assert_int_equal(tl.opts.memory, 3LL << 29);
	assert_true(tl.opts.has_timeout);
	assert_int_equal(tl.opts.timeout, 60);
	assert_int_equal(tl.tags.n, 1);  /* reserved keys are not tags */
	assert_string_equal(tl.tags.v[0].key, "t");
}

static void
test_reserved_key_errors(void **state)
{
	parse_bad("x #HYPERSHELL group:-1", "#HYPERSHELL group must be an integer >= 0, got '-1'");
	parse_bad("x #HYPERSHELL cores:two", "#HYPERSHELL cores must be an integer >= 0");
	parse_bad("x #HYPERSHELL timeout:", "#HYPERSHELL timeout must be an integer >= 0, got ''");
	parse_bad("x #HYPERSHELL memory:lots", "#HYPERSHELL memory must be a size such as 512MB, got 'lots'");
	parse_bad("x #HYPERSHELL group:99999999999999999999", "group must be an integer");
	parse_bad("x #HYPERSHELL bad/tag", "invalid tag 'bad/tag'");
}

static void
test_directive_word_too_long(void **state)
{
	char line[600];

	memcpy(line, "x #HYPERSHELL ", 14);
	memset(line + 14, 'a', 300);
	line[314] = '\0';
	parse_bad(line, "is too long");
	memset(line + 14, 'a', 121);
	line[14 + 121] = '\0';
	parse_bad(line, "keys are 1-120 characters");
}

static void
test_directive_only_line(void **state)
{
	args_are("#HYPERSHELL group:2 k:v", "");
	assert_true(tl.has_directive);
	assert_int_equal(tl.argslen, 0);
	assert_true(tl.opts.has_group);
	assert_int_equal(tl.opts.group, 2);
	assert_int_equal(tl.tags.n, 1);
	args_are("   #  HYPERSHELL cores:1", "");
	assert_true(tl.has_directive);
	assert_true(tl.opts.has_cores);
}

static void
test_reuse_clears_previous(void **state)
{
	args_are("a #HYPERSHELL group:1 x:1 y", "a");
	assert_int_equal(tl.tags.n, 2);
	args_are("b", "b");
	assert_int_equal(tl.tags.n, 0);
	assert_false(tl.has_directive);
	assert_false(tl.opts.has_group);
	assert_int_equal(tl.opts.group, 0);
}

static void
test_crlf(void **state)
{
	args_are("echo hi\r", "echo hi");
	args_are("echo hi #HYPERSHELL k:v\r", "echo hi");
	assert_string_equal(tl.tags.v[0].value, "v");  /* CR not in the value */
	args_are("\r", "");
	args_are("echo a\rb", "echo a\rb");  /* only a trailing CR is dropped */
}

static void
test_nul_byte(void **state)
{
	parse_bad_n("echo a\0b", 8, MAXLEN, HS_EINPUT, "line contains a NUL byte");
	assert_int_equal(tl.argslen, 0);
}

static void
test_invalid_utf8(void **state)
{
	parse_bad("echo \xff", "line is not valid UTF-8 (byte 6)");
	parse_bad("echo \xC3", "not valid UTF-8 (byte 6)");
	parse_bad("\xED\xA0\x80", "not valid UTF-8 (byte 1)");
	args_are("echo h\xC3\xA9llo # c\xC3\xA9", "echo h\xC3\xA9llo");
}

static void
test_length_limit(void **state)
{
	char *line = malloc(MAXLEN + 2);

	assert_non_null(line);
	memset(line, 'x', MAXLEN + 1);
	line[MAXLEN + 1] = '\0';
	parse_ok_n(line, MAXLEN);
	assert_int_equal(tl.argslen, MAXLEN);
	parse_bad_n(line, MAXLEN + 1, MAXLEN, HS_ELIMIT,
	            "line is 4097 bytes, over the limit of 4096 (submit.max_line_length)");
	line[MAXLEN] = '\r';  /* a CR does not count */
	parse_ok_n(line, MAXLEN + 1);
	assert_int_equal(tl.argslen, MAXLEN);
	free(line);
}

static void
test_bytes_not_nul_terminated(void **state)
{
	const char buf[] = "echo one\necho two";

	parse_ok_n(buf, 8);
	assert_int_equal(tl.argslen, 8);
	assert_memory_equal(tl.args, "echo one", 8);
	assert_ptr_equal(tl.args, buf);
}

static void
test_taskopts_apply_and_merge(void **state)
{
	struct hs_taskopts a = {0}, b = {0};
	struct hs_tag t = {"memory", "2KB"};
	hs_err e = HS_EINTERNAL;

	assert_int_equal(hs_taskopts_apply(&a, &t, &e, err, sizeof err), 1);
	assert_int_equal(e, HS_OK);
	assert_int_equal(a.memory, 2048);
	t = (struct hs_tag){"site", "x"};
	assert_int_equal(hs_taskopts_apply(&a, &t, &e, err, sizeof err), 0);
	assert_int_equal(e, HS_OK);
	t = (struct hs_tag){"timeout", "x"};
	assert_int_equal(hs_taskopts_apply(&b, &t, &e, err, sizeof err), 1);
	assert_int_equal(e, HS_EINPUT);
	b = (struct hs_taskopts){.has_group = true, .group = 5, .has_memory = true, .memory = 1};
	a.has_cores = true;
	a.cores = 8;
	hs_taskopts_merge(&a, &b);
	assert_true(a.has_group);
	assert_int_equal(a.group, 5);
	assert_int_equal(a.memory, 1);       /* overridden */
	assert_int_equal(a.cores, 8);        /* kept: not in src */
	assert_false(a.has_timeout);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_command),
		cmocka_unit_test(test_empty_and_comment_lines),
		cmocka_unit_test(test_hash_inside_word_is_kept),
		cmocka_unit_test(test_unclosed_quote_keeps_rest),
		cmocka_unit_test(test_escaped_blank_then_hash),
		cmocka_unit_test(test_hash_after_operator_is_comment),
		cmocka_unit_test(test_directive_tags),
		cmocka_unit_test(test_directive_spellings),
		cmocka_unit_test(test_reserved_keys_set_columns),
		cmocka_unit_test(test_reserved_key_errors),
		cmocka_unit_test(test_directive_word_too_long),
		cmocka_unit_test(test_directive_only_line),
		cmocka_unit_test(test_reuse_clears_previous),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_length_limit),
		cmocka_unit_test(test_bytes_not_nul_terminated),
		cmocka_unit_test(test_taskopts_apply_and_merge),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
