/* test_hostlist.c: unit tests for host pattern expansion (src/hostlist.c). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostlist.h"

/* Expand pattern and compare with want, the names joined by spaces. */
static void
expands_to(const char *pattern, const char *want)
{
	struct hs_hostlist hl = {0};
	char got[4096] = "";
	size_t len = 0;
	hs_err e = hs_hostlist_expand(pattern, &hl);

	if (e != HS_OK)
		fail_msg("'%s' was rejected (%d): %s", pattern, e, hs_detail());
	for (size_t i = 0; i < hl.n && len < sizeof got; i++)
		len += (size_t)snprintf(got + len, sizeof got - len, "%s%s",
		                        i ? " " : "", hl.hosts[i]);
	if (strcmp(got, want) != 0)
		fail_msg("'%s' expanded to '%s', want '%s'", pattern, got, want);
	hs_hostlist_free(&hl);
}

/* Expand pattern, which must fail with code and a message holding msg. */
static void
rejects(const char *pattern, hs_err code, const char *msg)
{
	struct hs_hostlist hl = {(char **)1, 7};
	hs_err e;

	hs_detail_clear();
	e = hs_hostlist_expand(pattern, &hl);
	if (e != code)
		fail_msg("'%s' gave %d, want %d (%s)", pattern, e, code, hs_detail());
	if (strstr(hs_detail(), msg) == NULL)
		fail_msg("'%s': detail '%s' lacks '%s'", pattern, hs_detail(), msg);
	if (strchr(hs_detail(), '\n') != NULL)
		fail_msg("'%s': detail is not one line", pattern);
	assert_null(hl.hosts);  /* left empty */
	assert_int_equal(hl.n, 0);
}

static size_t
count_of(const char *pattern)
{
	struct hs_hostlist hl = {0};
	size_t n;

	if (hs_hostlist_expand(pattern, &hl) != HS_OK)
		fail_msg("'%s' was rejected: %s", pattern, hs_detail());
	n = hl.n;
	hs_hostlist_free(&hl);
	return n;
}

static void
test_plain_names(void **state)
{
	expands_to("localhost", "localhost");
	expands_to("a.example.org", "a.example.org");
	expands_to("a,b,c", "a b c");
	expands_to("under_score-dash.9", "under_score-dash.9");
	expands_to("a,a", "a a");  /* duplicates kept */
}

static void
test_reference_example(void **state)
{
	expands_to("a[00-04,08].x,b[1-3]",
	           "a00.x a01.x a02.x a03.x a04.x a08.x b1 b2 b3");
}

static void
test_padding(void **state)
{
	expands_to("n[08-10]", "n08 n09 n10");
	expands_to("n[8-10]", "n8 n9 n10");
	expands_to("n[0-2]", "n0 n1 n2");          /* a lone 0 is not padding */
	expands_to("n[001-003]", "n001 n002 n003");
	expands_to("n[007]", "n007");
	expands_to("n[098-101]", "n098 n099 n100 n101");
	expands_to("n[08-100]", "n08 n09" " n10 n11 n12 n13 n14 n15 n16 n17 n18 n19"
	           " n20 n21 n22 n23 n24 n25 n26 n27 n28 n29"
	           " n30 n31 n32 n33 n34 n35 n36 n37 n38 n39"
	           " n40 n41 n42 n43 n44 n45 n46 n47 n48 n49"
	           " n50 n51 n52 n53 n54 n55 n56 n57 n58 n59"
	           " n60 n61 n62 n63 n64 n65 n66 n67 n68 n69"
	           " n70 n71 n72 n73 n74 n75 n76 n77 n78 n79"
	           " n80 n81 n82 n83 n84 n85 n86 n87 n88 n89"
	           " n90 n91 n92 n93 n94 n95 n96 n97 n98 n99 n100");
	expands_to("n[8-010]", "n8 n9 n10");       /* the first bound decides */
	expands_to("n[01-02,3,004]", "n01 n02 n3 n004");  /* per item */
}

static void
test_product(void **state)
{
	expands_to("r[1-2]n[1-2]", "r1n1 r1n2 r2n1 r2n2");
	expands_to("[1-2]a", "1a 2a");
	expands_to("r[1-2]n[1-3].c[0,9]",
	           "r1n1.c0 r1n1.c9 r1n2.c0 r1n2.c9 r1n3.c0 r1n3.c9 "
	           "r2n1.c0 r2n1.c9 r2n2.c0 r2n2.c9 r2n3.c0 r2n3.c9");
	expands_to("x[1,3-4][7]y", "x17y x37y x47y");
	expands_to("[1-2]", "1 2");
	expands_to("[1][2][3]", "123");
}

static void
test_slurm_nodelist(void **state)
{
	expands_to("node[001-003,007],gpu01",
	           "node001 node002 node003 node007 gpu01");
	expands_to("tux[1,3-4],gpu[0-1]-ib", "tux1 tux3 tux4 gpu0-ib gpu1-ib");
}

static void
test_whitespace_trimmed(void **state)
{
	expands_to("  a , b\t,\nc  ", "a b c");
	expands_to("a[ 1 - 2 , 5 ]", "a1 a2 a5");
	expands_to(" n[ 08 -10] ", "n08 n09 n10");
}

static void
test_brackets_unbalanced(void **state)
{
	rejects("a[1-2", HS_EINPUT, "'[' without ']' at column 2");
	rejects("a1-2]", HS_EINPUT, "']' without '['");
	rejects("a[1]]", HS_EINPUT, "']' without '['");
	rejects("[", HS_EINPUT, "'[' without ']'");
	rejects("a[1,b[2]", HS_EINPUT, "nested '['");
	rejects("a[[1]]", HS_EINPUT, "nested '['");
}

static void
test_bad_ranges(void **state)
{
	rejects("n[5-1]", HS_EINPUT, "descending range 5-1");
	rejects("n[10-09]", HS_EINPUT, "descending range 10-9");
	rejects("n[a-b]", HS_EINPUT, "not a decimal number");
	rejects("n[1-x]", HS_EINPUT, "not a decimal number");
	rejects("n[1-2-3]", HS_EINPUT, "not a decimal number");
	rejects("n[+1]", HS_EINPUT, "not a decimal number");
	rejects("n[1 2]", HS_EINPUT, "not a decimal number");
	rejects("n[0x10]", HS_EINPUT, "not a decimal number");
	rejects("n[-1]", HS_EINPUT, "empty range bound");
	rejects("n[1-]", HS_EINPUT, "empty range bound");
	rejects("n[99999999999999999999]", HS_ELIMIT, "range bound too large");
}

static void
test_empty_parts(void **state)
{
	rejects("", HS_EINPUT, "empty host name");
	rejects("   ", HS_EINPUT, "empty host name");
	rejects("a,,b", HS_EINPUT, "empty host name at column 3");
	rejects("a,", HS_EINPUT, "empty host name");
	rejects(",a", HS_EINPUT, "empty host name");
	rejects("a, ,b", HS_EINPUT, "empty host name");
	rejects("n[]", HS_EINPUT, "empty brackets");
	rejects("n[ ]", HS_EINPUT, "empty brackets");
	rejects("n[1,]", HS_EINPUT, "empty item in brackets");
	rejects("n[,1]", HS_EINPUT, "empty item in brackets");
	rejects("n[1,,2]", HS_EINPUT, "empty item in brackets");
}

static void
test_bad_characters(void **state)
{
	static const char *bad[] = {
		"a;b", "a|b", "a&b", "a$b", "a`b`", "a b", "a'b", "a\"b", "a\\b",
		"a/b", "a>b", "a<b", "a(b)", "a*", "a?", "a~", "a!", "a#", "a@b",
		"a:b", "a=b", "a{1,2}", "$(reboot)",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		rejects(bad[i], HS_EINPUT, "invalid character");
	rejects("a\tb", HS_EINPUT, "invalid byte 0x09");
	rejects("a\nb", HS_EINPUT, "invalid byte 0x0a");
	rejects("h\xc3\xa9", HS_EINPUT, "invalid byte 0xc3");
	rejects("a;b", HS_EINPUT, "invalid character ';' in host name");
	rejects("-oProxyCommand", HS_EINPUT, "begins with '-'");
	rejects("a, -v", HS_EINPUT, "begins with '-' at column 4");
	expands_to("a-,b[1]-", "a- b1-");  /* a '-' elsewhere is fine */
}

static void
test_name_length(void **state)
{
	char name[300];

	memset(name, 'a', 253);
	name[253] = '\0';
	expands_to(name, name);
	name[253] = 'a';
	name[254] = '\0';
	rejects(name, HS_EINPUT, "longer than 253 characters");
	/* 250 literal characters + 3 digits fit; + 4 digits do not. */
	memcpy(name + 250, "[998-999]", 10);
	assert_int_equal(count_of(name), 2);
	memcpy(name + 250, "[999-1000]", 11);
	rejects(name, HS_EINPUT, "longer than 253 characters");
	memcpy(name + 250, "[0001]", 7);  /* by padding */
	rejects(name, HS_EINPUT, "longer than 253 characters");
}

static void
test_host_bound(void **state)
{
	struct hs_hostlist hl = {0};

	assert_int_equal(count_of("n[1-100000]"), HS_HOSTLIST_MAX);
	assert_int_equal(count_of("n[1-50000],m[1-50000]"), HS_HOSTLIST_MAX);
	assert_int_equal(count_of("a[1-100]b[1-1000]"), HS_HOSTLIST_MAX);
	rejects("n[1-100001]", HS_ELIMIT, "more than 100000 hosts");
	rejects("n[0-999999999]", HS_ELIMIT, "more than 100000 hosts");
	rejects("n[0-999999999999999999]", HS_ELIMIT, "more than 100000 hosts");
	rejects("n[1-60000,1-60000]", HS_ELIMIT, "more than 100000 hosts");
	rejects("n[1-60000],m[1-60000]", HS_ELIMIT, "more than 100000 hosts");
	rejects("a[1-1000]b[1-1000]", HS_ELIMIT, "more than 100000 hosts");
	rejects("a[1-100000],b", HS_ELIMIT, "more than 100000 hosts");
	/* A product that would overflow size_t is caught before it does. */
	rejects("a[0-99999][0-99999][0-99999][0-99999][0-99999]", HS_ELIMIT,
	        "more than 100000 hosts");
	/* A syntax error after a huge term still wins over generating it. */
	rejects("n[1-100000],bad;name", HS_EINPUT, "invalid character");
	/* The pure form takes its own bound. */
	assert_int_equal(hs_hostlist_parse("n[1-3]", 3, &hl, NULL, 0), HS_OK);
	assert_int_equal(hl.n, 3);
	hs_hostlist_free(&hl);
	assert_int_equal(hs_hostlist_parse("n[1-4]", 3, &hl, NULL, 0), HS_ELIMIT);
	assert_int_equal(hs_hostlist_parse("a,b,c,d", 3, &hl, NULL, 0), HS_ELIMIT);
}

static void
test_pattern_bound(void **state)
{
	size_t n = HS_HOSTLIST_PATTERN_MAX + 1;
	char *p = malloc(n + 1);

	assert_non_null(p);
	for (size_t i = 0; i < n; i++)
		p[i] = i % 2 ? ',' : 'a';
	p[n] = '\0';
	rejects(p, HS_ELIMIT, "pattern longer than 65536 bytes");
	p[n - 2] = '\0';  /* 65535 bytes: 32768 names */
	assert_int_equal(count_of(p), 32768);
	free(p);
}

static void
test_parse_message_buffer(void **state)
{
	struct hs_hostlist hl = {0};
	char err[256], tiny[8];

	memset(err, 'X', sizeof err);
	assert_int_equal(hs_hostlist_parse("n[5-1]", 10, &hl, err, sizeof err),
	                 HS_EINPUT);
	assert_string_equal(err, "host list: descending range 5-1 at column 3");
	memset(tiny, 'X', sizeof tiny);
	assert_int_equal(hs_hostlist_parse("n[5-1]", 10, &hl, tiny, sizeof tiny),
	                 HS_EINPUT);
	assert_string_equal(tiny, "host li");  /* truncated, terminated */
	assert_int_equal(hs_hostlist_parse("ok", 10, &hl, err, sizeof err), HS_OK);
	assert_string_equal(hl.hosts[0], "ok");
	hs_hostlist_free(&hl);
}

static void
test_free_accepts_empty(void **state)
{
	struct hs_hostlist hl = {0};

	hs_hostlist_free(NULL);
	hs_hostlist_free(&hl);
	assert_int_equal(hs_hostlist_expand("a[1-2]", &hl), HS_OK);
	hs_hostlist_free(&hl);
	assert_null(hl.hosts);
	assert_int_equal(hl.n, 0);
	hs_hostlist_free(&hl);  /* twice is fine */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_names),
		cmocka_unit_test(test_reference_example),
		cmocka_unit_test(test_padding),
		cmocka_unit_test(test_product),
		cmocka_unit_test(test_slurm_nodelist),
		cmocka_unit_test(test_whitespace_trimmed),
		cmocka_unit_test(test_brackets_unbalanced),
		cmocka_unit_test(test_bad_ranges),
		cmocka_unit_test(test_empty_parts),
		cmocka_unit_test(test_bad_characters),
		cmocka_unit_test(test_name_length),
		cmocka_unit_test(test_host_bound),
		cmocka_unit_test(test_pattern_bound),
		cmocka_unit_test(test_parse_message_buffer),
		cmocka_unit_test(test_free_accepts_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
