/* test_cfgfile.c: unit tests for editing configuration files in place
 * (src/cfgfile.c), on real files in a temporary directory. */
#include "testutil.h"

#include "cfgfile.h"
#include "log.h"
#include "site.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];
static char path[512];      /* dir/config.toml */
static char content[65536]; /* the file after the last read_back() */

static int
setup(void **state)
{
	snprintf(dir, sizeof dir, "/tmp/hs-cfgfile-test-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/config.toml", dir);
	hs_detail_clear();
	hs_log_threshold = HS_CRITICAL;  /* the canonical-rewrite warning */
	return 0;
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

static int
teardown(void **state)
{
	hs_log_threshold = HS_WARNING;
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static void
write_text(const char *p, const char *text, size_t len, mode_t mode)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	fchmod(fd, mode);
	close(fd);
}

static void
given(const char *text)
{
	write_text(path, text, strlen(text), 0644);
}

static const char *
read_back(const char *p)
{
	int fd = open(p, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, content, sizeof content - 1);
	close(fd);
	content[n > 0 ? n : 0] = '\0';
	return content;
}

static void
set_ok(const char *key, const char *literal, bool secret)
{
	hs_err e = cfgfile_set(path, key, literal, secret);

	if (e != HS_OK)
		fail_msg("set %s = %s failed (%d): %s", key, literal, e, hs_detail());
}

/* Names in dir other than config.toml, joined with ';'. */
static const char *
others(void)
{
	static char names[1024];
	DIR *d = opendir(dir);
	struct dirent *de;

	names[0] = '\0';
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, "config.toml") == 0)
			continue;
		snprintf(names + strlen(names), sizeof names - strlen(names), "%s;", de->d_name);
	}
	closedir(d);
	return names;
}

static mode_t
mode_of(const char *p)
{
	struct stat st;

	assert_int_equal(stat(p, &st), 0);
	return st.st_mode & 0777;
}

static void
test_creates_new_file(void **state)
{
	const char *s;

	snprintf(path, sizeof path, "%s/sub/dir/config.toml", dir);
	set_ok("server.port", "8080", false);
	s = read_back(path);
	assert_true(strncmp(s, "# File automatically created on ", 32) == 0);
	assert_non_null(strstr(s, "# Settings here are merged automatically"));
	assert_non_null(strstr(s, "\n\n[server]\nport = 8080\n"));
	assert_int_equal(mode_of(path), 0644);
	snprintf(path, sizeof path, "%s/sub/dir", dir);
	assert_int_equal(mode_of(path), 0755);
}

static void
test_replaces_value_in_place(void **state)
{
	given("# top comment\n[server]\n# the port\nport = 1\nhost = 'h' # keep\n");
	set_ok("server.port", "2", false);
	assert_string_equal(read_back(path),
	    "# top comment\n[server]\n# the port\nport = 2\nhost = 'h' # keep\n");
}

static void
test_replaces_multiline_value(void **state)
{
	given("[s]\na = [\n  1,\n  2,\n]\nb = 1\n");
	set_ok("s.a", "[3]", false);
	assert_string_equal(read_back(path), "[s]\na = [3]\nb = 1\n");
}

static void
test_inserts_under_section(void **state)
{
	given("[server]\nport = 1\n\n[task]\ncores = 1\n");
	set_ok("server.host", "\"x\"", false);
	assert_string_equal(read_back(path),
	    "[server]\nhost = \"x\"\nport = 1\n\n[task]\ncores = 1\n");
	set_ok("task.timeout", "5", false);
	assert_string_equal(read_back(path),
	    "[server]\nhost = \"x\"\nport = 1\n\n[task]\ntimeout = 5\ncores = 1\n");
}

static void
test_appends_new_section(void **state)
{
	given("[server]\nport = 1");  /* no final newline */
	set_ok("server.tls.min_version", "\"TLSv1.3\"", false);
	assert_string_equal(read_back(path),
	    "[server]\nport = 1\n\n[server.tls]\nmin_version = \"TLSv1.3\"\n");
}

static void
test_header_with_comment_keeps_comments(void **state)
{
	given("# mine\n[server] # main settings\nport = 1\n");
	set_ok("server.host", "\"h\"", false);
	read_back(path);
	assert_non_null(strstr(content, "# main settings"));
	assert_non_null(strstr(content, "# mine"));
	assert_non_null(strstr(content, "host = \"h\""));
}

static void
test_inline_table_rewritten_canonically(void **state)
{
	given("# lost\nserver = { port = 1, host = 'h' }\n");
	set_ok("server.port", "2", false);
	assert_string_equal(read_back(path), "[server]\nport = 2\nhost = \"h\"\n");
}

static void
test_dotted_keys_rewritten_canonically(void **state)
{
	given("[server]\ntls.cert = 'a'\n");
	set_ok("server.tls.key", "\"b\"", false);
	assert_string_equal(read_back(path),
	    "[server]\n\n[server.tls]\nkey = \"b\"\ncert = \"a\"\n");
}

static void
test_backup_keeps_previous(void **state)
{
	const char *names;
	char bpath[600];

	given("[server]\nport = 1\n");
	set_ok("server.port", "2", false);
	names = others();
	if (strncmp(names, ".config.", 8) != 0 || strstr(names, ".toml;") == NULL ||
	    strchr(names, ';') != names + strlen(names) - 1)
		fail_msg("expected one backup, found '%s'", names);
	snprintf(bpath, sizeof bpath, "%s/%.*s", dir, (int)(strlen(names) - 1), names);
	assert_string_equal(read_back(bpath), "[server]\nport = 1\n");
	assert_string_equal(read_back(path), "[server]\nport = 2\n");
}

static void
test_secret_restricts_mode(void **state)
{
	given("[server]\nport = 1\n");
	set_ok("server.port", "3", false);
	assert_int_equal(mode_of(path), 0644);
	set_ok("server.auth", "\"k\"", true);
	assert_int_equal(mode_of(path), 0600);
	assert_non_null(strstr(read_back(path), "auth = \"k\""));
	chmod(path, 0640);
	set_ok("server.port", "4", false);  /* mode kept */
	assert_int_equal(mode_of(path), 0640);
}

static void
test_secret_new_file_is_private(void **state)
{
	set_ok("server.auth", "\"k\"", true);
	assert_int_equal(mode_of(path), 0600);
}

static void
test_section_is_not_a_value(void **state)
{
	given("[server]\nport = 1\n");
	assert_int_equal(cfgfile_set(path, "server", "1", false), HS_EUSAGE);
	assert_non_null(strstr(hs_detail(), "server is a section, not a value"));
	assert_string_equal(read_back(path), "[server]\nport = 1\n");
	assert_string_equal(others(), "");
}

static void
test_unparsable_file_untouched(void **state)
{
	given("[server\nport = 1\n");
	hs_fail(HS_EIO, "stale detail from earlier");
	assert_int_equal(cfgfile_set(path, "server.port", "2", false), HS_ECONFIG);
	if (strstr(hs_detail(), "does not parse; fix it with 'hs config edit'") == NULL)
		fail_msg("detail: '%s'", hs_detail());
	assert_non_null(strstr(hs_detail(), path));
	assert_string_equal(read_back(path), "[server\nport = 1\n");
	assert_string_equal(others(), "");
}

static void
test_nul_byte_refused(void **state)
{
	write_text(path, "a = 1\n\0b = 2\n", 13, 0644);
	assert_int_equal(cfgfile_set(path, "server.port", "2", false), HS_ECONFIG);
	assert_non_null(strstr(hs_detail(), "contains a NUL byte"));
	assert_string_equal(others(), "");
}

static void
test_top_level_key_refused(void **state)
{
	given("a = 1\n");
	assert_int_equal(cfgfile_set(path, "b", "2", false), HS_ECONFIG);
	assert_non_null(strstr(hs_detail(), "cannot set b in this file"));
	assert_string_equal(read_back(path), "a = 1\n");
}

static void
test_replace_top_level_existing(void **state)
{
	given("a = 1 # c\n");
	set_ok("a", "'x'", false);
	assert_string_equal(read_back(path), "a = 'x'\n");
}

static void
test_result_reads_back(void **state)
{
	given("[export]\nA = 'x'\n");
	set_ok("export.B", "{ c = [1, 2], d = 'e' }", false);
	set_ok("export.A", "\"multi\\nline\"", false);
	assert_string_equal(read_back(path),
	    "[export]\nB = { c = [1, 2], d = 'e' }\nA = \"multi\\nline\"\n");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_creates_new_file),
		T(test_replaces_value_in_place),
		T(test_replaces_multiline_value),
		T(test_inserts_under_section),
		T(test_appends_new_section),
		T(test_header_with_comment_keeps_comments),
		T(test_inline_table_rewritten_canonically),
		T(test_dotted_keys_rewritten_canonically),
		T(test_backup_keeps_previous),
		T(test_secret_restricts_mode),
		T(test_secret_new_file_is_private),
		T(test_section_is_not_a_value),
		T(test_unparsable_file_untouched),
		T(test_nul_byte_refused),
		T(test_top_level_key_refused),
		T(test_replace_top_level_existing),
		T(test_result_reads_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
