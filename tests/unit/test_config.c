/* test_config.c: unit tests for layered configuration (src/config.c and
 * src/config_keys.c), with real files in a temporary site and real
 * environment variables. Every test restores the environment. */
#include "testutil.h"

#include "config.h"
#include "log.h"
#include "site.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

/* --- fixture ------------------------------------------------------------ */

static char dir[256];               /* mkdtemp root of this test */
static char *saved_home, *saved_site;
static char *outer_vars[64];        /* HYPERSHELL_* found at start: "N=V" */
static size_t nouter;
static char *set_vars[64];          /* names set by a test, unset after */
static size_t nset;
static struct hs_paths paths;
static bool have_paths;
static struct hs_config *cfg;
static char captured[16384];        /* stderr of the last load */

static char *
dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Move every HYPERSHELL_* variable aside for the whole run. */
static int
group_setup(void **state)
{
	for (bool again = true; again;) {
		again = false;
		for (char **ep = environ; *ep; ep++) {
			if (strncmp(*ep, "HYPERSHELL_", 11) != 0 || nouter == 64)
				continue;
			char *eq = strchr(*ep, '='), name[256];
			snprintf(name, sizeof name, "%.*s", (int)(eq - *ep), *ep);
			outer_vars[nouter++] = strdup(*ep);
			unsetenv(name);
			again = true;
			break;
		}
	}
	saved_home = dup_or_null(getenv("HOME"));
	return 0;
}

static int
group_teardown(void **state)
{
	for (size_t i = 0; i < nouter; i++) {
		char *eq = strchr(outer_vars[i], '=');
		*eq = '\0';
		setenv(outer_vars[i], eq + 1, 1);
		free(outer_vars[i]);
	}
	if (saved_home)
		setenv("HOME", saved_home, 1);
	free(saved_home);
	return 0;
}

static void
tenv(const char *name, const char *value)
{
	assert_true(nset < 64);
	set_vars[nset++] = strdup(name);
	assert_int_equal(setenv(name, value, 1), 0);
}

static const char *
at(const char *rel)
{
	static char bufs[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(bufs[k], sizeof bufs[k], "%s/%s", dir, rel);
	return bufs[k];
}

static void
write_at(const char *rel, const char *text, mode_t mode)
{
	const char *path = at(rel);
	int fd;

	assert_int_equal(hs_mkdirs_for(path), HS_OK);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	fchmod(fd, mode);
	close(fd);
}

#define SYSTEM_FILE "system.toml"
#define USER_FILE "home/.hypershell/config.toml"
#define LOCAL_FILE "site/config.toml"

static int
setup(void **state)
{
	snprintf(dir, sizeof dir, "/tmp/hs-config-test-XXXXXX");
	assert_non_null(mkdtemp(dir));
	saved_site = dup_or_null(getenv("HYPERSHELL_SITE"));
	setenv("HOME", at("home"), 1);
	setenv("HYPERSHELL_SITE", at("site"), 1);
	mkdir(at("home"), 0755);
	mkdir(at("site"), 0755);
	nset = 0;
	cfg = NULL;
	have_paths = false;
	hs_detail_clear();
	return 0;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int
teardown(void **state)
{
	hs_config_free(cfg);
	cfg = NULL;
	if (have_paths)
		hs_paths_free(&paths);
	for (size_t i = 0; i < nset; i++) {
		unsetenv(set_vars[i]);
		free(set_vars[i]);
	}
	nset = 0;
	if (saved_site)
		setenv("HYPERSHELL_SITE", saved_site, 1);
	else
		unsetenv("HYPERSHELL_SITE");
	free(saved_site);
	saved_site = NULL;
	if (saved_home)
		setenv("HOME", saved_home, 1);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* Load with the system file redirected into the test directory; stderr
 * goes to captured. */
static hs_err
load(void)
{
	char tmpl[] = "/tmp/hs-config-err-XXXXXX";
	int saved, tmp = mkstemp(tmpl);
	ssize_t n;
	hs_err e;

	assert_true(tmp >= 0);
	unlink(tmpl);
	hs_config_free(cfg);
	cfg = NULL;
	if (have_paths)
		hs_paths_free(&paths);
	assert_int_equal(hs_paths_init(&paths), HS_OK);
	have_paths = true;
	free(paths.config[HS_SITE_SYSTEM]);
	paths.config[HS_SITE_SYSTEM] = strdup(at(SYSTEM_FILE));
	saved = dup(STDERR_FILENO);
	dup2(tmp, STDERR_FILENO);
	e = hs_config_load(&cfg, &paths);
	dup2(saved, STDERR_FILENO);
	close(saved);
	lseek(tmp, 0, SEEK_SET);
	n = read(tmp, captured, sizeof captured - 1);
	captured[n > 0 ? n : 0] = '\0';
	close(tmp);
	return e;
}

static void
load_ok(void)
{
	hs_err e = load();

	if (e != HS_OK)
		fail_msg("load failed (%d): %s", e, hs_detail());
	assert_non_null(cfg);
}

static void
load_bad(const char *want)
{
	hs_err e = load();

	if (e != HS_ECONFIG)
		fail_msg("load gave %d, want HS_ECONFIG (%s)", e, hs_detail());
	assert_null(cfg);
	if (strstr(hs_detail(), want) == NULL)
		fail_msg("detail '%s' lacks '%s'", hs_detail(), want);
}

static void
stderr_has(const char *want)
{
	if (strstr(captured, want) == NULL)
		fail_msg("stderr lacks '%s':\n%s", want, captured);
}

static bool
exists(const char *rel)
{
	return access(at(rel), F_OK) == 0;
}

/* --- key table and names ------------------------------------------------ */

static void
test_key_table(void **state)
{
	const struct cfg_key *k = cfg_key_find("server.tls.min_version");

	assert_non_null(k);
	assert_int_equal(k->type, CFG_ENUM);
	assert_string_equal(k->def, "TLSv1.2");
	assert_null(cfg_key_find("server.tls"));
	assert_null(cfg_key_find("nosuch"));
	for (size_t i = 0; i < hs_cfg_nkeys; i++) {
		struct cfg_value v;
		char err[200];
		const struct cfg_key *ki = &hs_cfg_keys[i];
		assert_ptr_equal(cfg_key_find(ki->name), ki);   /* names unique */
		assert_non_null(ki->help);
		if (ki->def != NULL)                            /* defaults valid */
			if (cfg_from_text(ki, ki->def, &v, err, sizeof err) != HS_OK)
				fail_msg("default of %s invalid: %s", ki->name, err);
	}
}

static void
test_env_names(void **state)
{
	char buf[64];

	cfg_env_name("server.tls.min_version", buf, sizeof buf);
	assert_string_equal(buf, "HYPERSHELL_SERVER_TLS_MIN_VERSION");
	cfg_env_name("task.cwd", buf, sizeof buf);
	assert_string_equal(buf, "HYPERSHELL_TASK_CWD");
	cfg_env_name("server.port", buf, 14);
	assert_string_equal(buf, "HYPERSHELL_SE");  /* cut, still terminated */
	assert_string_equal(cfg_layer_name(CFG_L_USER), "user");
	assert_string_equal(cfg_layer_name(CFG_L_ENV), "env");
	assert_string_equal(cfg_layer_name(CFG_L_COUNT), "?");
}

/* --- text coercion ------------------------------------------------------ */

static void
test_from_text(void **state)
{
	struct cfg_value v;
	char err[200];

	assert_int_equal(cfg_from_text(cfg_key_find("server.port"), "8080", &v, err, sizeof err), HS_OK);
	assert_int_equal(v.i, 8080);
	assert_true(v.d == 8080.0);
	assert_int_equal(cfg_from_text(cfg_key_find("server.eager"), "On", &v, err, sizeof err), HS_OK);
	assert_true(v.b);
	assert_int_equal(cfg_from_text(cfg_key_find("server.eager"), "no", &v, err, sizeof err), HS_OK);
	assert_false(v.b);
	assert_int_equal(cfg_from_text(cfg_key_find("server.poll"), "0.5", &v, err, sizeof err), HS_OK);
	assert_true(v.d == 0.5);
	assert_int_equal(cfg_from_text(cfg_key_find("client.memory"), "2KB", &v, err, sizeof err), HS_OK);
	assert_int_equal(v.i, 2048);
	assert_int_equal(cfg_from_text(cfg_key_find("logging.level"), "DEBUG", &v, err, sizeof err), HS_OK);
	assert_string_equal(v.s, "DEBUG");
	assert_int_equal(cfg_from_text(cfg_key_find("server.host"), " spaced ", &v, err, sizeof err), HS_OK);
	assert_string_equal(v.s, " spaced ");
}

static void
test_from_text_null_forms(void **state)
{
	const struct cfg_key *k = cfg_key_find("server.port");
	struct cfg_value v;
	char err[200];

	assert_int_equal(cfg_from_text(k, "", &v, err, sizeof err), HS_OK);
	assert_true(v.null);
	assert_int_equal(cfg_from_text(k, "NULL", &v, err, sizeof err), HS_OK);
	assert_true(v.null);
	assert_int_equal(cfg_from_text(k, "<none>", &v, err, sizeof err), HS_OK);
	assert_true(v.null);
	assert_int_equal(cfg_from_text(k, NULL, &v, err, sizeof err), HS_OK);
	assert_true(v.null);
}

static void
from_text_bad(const char *key, const char *text, const char *want)
{
	struct cfg_value v;
	char err[200] = "";

	if (cfg_from_text(cfg_key_find(key), text, &v, err, sizeof err) != HS_ECONFIG)
		fail_msg("%s = '%s' accepted", key, text);
	if (strstr(err, want) == NULL)
		fail_msg("message '%s' lacks '%s'", err, want);
}

static void
test_from_text_errors(void **state)
{
	from_text_bad("server.port", "0", "0 is outside 1..65535");
	from_text_bad("server.port", "65536", "65536 is outside 1..65535");
	from_text_bad("server.port", "80x", "expected an integer, got '80x'");
	from_text_bad("server.port", "0x50", "expected an integer");
	from_text_bad("server.port", "1.0", "expected an integer");
	from_text_bad("task.cores", "-1", "-1 is below the minimum 0");
	from_text_bad("server.evict", "9.5", "9.5 is outside 10..31536000");
	from_text_bad("task.signalwait", "0", "0 is below the minimum 1");
	from_text_bad("server.poll", "inf", "expected a number");
	from_text_bad("server.poll", "nan", "expected a number");
	from_text_bad("task.memory", "lots", "expected a size such as 512MB, got 'lots'");
	from_text_bad("server.eager", "maybe", "expected true or false, got 'maybe'");
	from_text_bad("server.tls.min_version", "TLSv1.1", "'TLSv1.1' is not one of TLSv1.2|TLSv1.3");
	from_text_bad("server.tls.min_version", "TLSv1", "is not one of");
	from_text_bad("export", "x", "a table cannot be given as text");
	from_text_bad("server.port", "99999999999999999999", "expected an integer");
}

/* --- loading and layers ------------------------------------------------- */

static void
test_defaults_without_files(void **state)
{
	struct cfg_origin o;

	load_ok();
	assert_int_equal(cfg_int(cfg, "server.port"), 50001);
	assert_string_equal(cfg_str(cfg, "database.provider"), "sqlite");
	assert_true(cfg_bool(cfg, "server.tls.enabled"));
	assert_false(cfg_bool(cfg, "server.eager"));
	assert_true(cfg_double(cfg, "submit.bundlewait") == 5.0);
	assert_int_equal(cfg_int(cfg, "submit.max_line_length"), 65536);
	assert_null(cfg_str(cfg, "database.file"));
	assert_int_equal(cfg_origin(cfg, "server.port", &o), HS_OK);
	assert_int_equal(o.layer, CFG_L_DEFAULT);
	assert_int_equal(o.variant, CFG_V_PLAIN);
	assert_int_equal(o.line, 0);
	assert_null(cfg_layer_tree(cfg, CFG_L_USER));
	assert_string_equal(cfg_layer_path(cfg, CFG_L_USER), at(USER_FILE));
	assert_string_equal(cfg_layer_path(cfg, CFG_L_LOCAL), at(LOCAL_FILE));
	assert_string_equal(captured, "");
}

static void
test_layer_precedence(void **state)
{
	struct cfg_origin o;

	write_at(SYSTEM_FILE, "[server]\nport = 1001\nbind = 'sys'\nhost = 'sys'\nattempts = 5\n", 0644);
	write_at(USER_FILE, "[server]\nport = 1002\nbind = 'user'\nhost = 'user'\n", 0644);
	write_at(LOCAL_FILE, "# local\n[server]\nport = 1003\nbind = 'local'\n", 0644);
	tenv("HYPERSHELL_SERVER_PORT", "1004");
	load_ok();
	assert_int_equal(cfg_int(cfg, "server.port"), 1004);
	assert_string_equal(cfg_str(cfg, "server.bind"), "local");
	assert_string_equal(cfg_str(cfg, "server.host"), "user");
	assert_int_equal(cfg_int(cfg, "server.attempts"), 5);
	assert_int_equal(cfg_int(cfg, "server.queuesize"), 1);
	assert_int_equal(cfg_origin(cfg, "server.port", &o), HS_OK);
	assert_int_equal(o.layer, CFG_L_ENV);
	assert_string_equal(o.where, "HYPERSHELL_SERVER_PORT");
	assert_int_equal(cfg_origin(cfg, "server.bind", &o), HS_OK);
	assert_int_equal(o.layer, CFG_L_LOCAL);
	assert_string_equal(o.where, at(LOCAL_FILE));
	assert_int_equal(o.line, 4);
	assert_int_equal(cfg_origin(cfg, "server.host", &o), HS_OK);
	assert_int_equal(o.layer, CFG_L_USER);
	assert_int_equal(cfg_origin(cfg, "server.attempts", &o), HS_OK);
	assert_int_equal(o.layer, CFG_L_SYSTEM);
	assert_int_equal(o.line, 5);
	assert_non_null(cfg_layer_tree(cfg, CFG_L_SYSTEM));
	unsetenv("HYPERSHELL_SERVER_PORT");
	load_ok();
	assert_int_equal(cfg_int(cfg, "server.port"), 1003);
}

static void
test_tls_min_version_from_env(void **state)
{
	struct cfg_origin o;

	tenv("HYPERSHELL_SERVER_TLS_MIN_VERSION", "TLSv1.3");
	load_ok();
	assert_string_equal(cfg_str(cfg, "server.tls.min_version"), "TLSv1.3");
	assert_int_equal(cfg_origin(cfg, "server.tls.min_version", &o), HS_OK);
	assert_int_equal(o.layer, CFG_L_ENV);
	assert_string_equal(o.where, "HYPERSHELL_SERVER_TLS_MIN_VERSION");
	assert_string_equal(captured, "");  /* not "unknown variable" */
	tenv("HYPERSHELL_SERVER_TLS_MIN_VERSION", "tlsv1.3");  /* any case */
	load_ok();
	assert_string_equal(cfg_str(cfg, "server.tls.min_version"), "tlsv1.3");
	tenv("HYPERSHELL_SERVER_TLS_MIN_VERSION", "SSLv3");
	load_bad("HYPERSHELL_SERVER_TLS_MIN_VERSION: 'SSLv3' is not one of TLSv1.2|TLSv1.3");
}

static void
test_env_values_coerced(void **state)
{
	tenv("HYPERSHELL_SERVER_EAGER", "yes");
	tenv("HYPERSHELL_TASK_MEMORY", "1GB");
	tenv("HYPERSHELL_SERVER_POLL", "2.5");
	tenv("HYPERSHELL_DATABASE_FILE", "");
	tenv("HYPERSHELL_AUTOSCALE_SIZE_MAX", "4");
	load_ok();
	assert_true(cfg_bool(cfg, "server.eager"));
	assert_int_equal(cfg_int(cfg, "task.memory"), 1LL << 30);
	assert_true(cfg_double(cfg, "server.poll") == 2.5);
	assert_null(cfg_str(cfg, "database.file"));
	assert_int_equal(cfg_int(cfg, "autoscale.size.max"), 4);
	tenv("HYPERSHELL_SERVER_PORT", "http");
	load_bad("HYPERSHELL_SERVER_PORT: expected an integer, got 'http'");
}

static void
test_unknown_env_warns(void **state)
{
	tenv("HYPERSHELL_NO_SUCH_KEY", "1");
	tenv("HYPERSHELL_CONFIG_FILE_X", "1");
	load_ok();
	stderr_has("Ignoring unknown environment variable HYPERSHELL_NO_SUCH_KEY");
	stderr_has("HYPERSHELL_CONFIG_FILE_X");
	assert_null(strstr(captured, "HYPERSHELL_SITE"));  /* special, not unknown */
}

static void
test_file_types_checked_with_line(void **state)
{
	write_at(LOCAL_FILE, "[server]\n\nport = 'x'\n", 0644);
	load_bad(":3: server.port: expected an integer, got string");
	assert_non_null(strstr(hs_detail(), at(LOCAL_FILE)));
	write_at(LOCAL_FILE, "[server]\nport = 70000\n", 0644);
	load_bad(":2: server.port: 70000 is outside 1..65535");
	write_at(LOCAL_FILE, "[task]\ncores = -1\n", 0644);
	load_bad("task.cores: -1 is below the minimum 0");
	write_at(LOCAL_FILE, "[server]\neager = 'yes'\n", 0644);
	load_bad("server.eager: expected true or false, got string");
	write_at(LOCAL_FILE, "[server]\npoll = 1\n[task]\nmemory = '2MB'\n", 0644);
	load_ok();
	assert_true(cfg_double(cfg, "server.poll") == 1.0);  /* an integer is a number */
	assert_int_equal(cfg_int(cfg, "task.memory"), 2 << 20);
}

static void
test_section_must_be_table(void **state)
{
	write_at(USER_FILE, "server = 5\n", 0644);
	load_bad("server: expected a table, got integer");
	assert_non_null(strstr(hs_detail(), at(USER_FILE)));
}

static void
test_parse_error_has_place(void **state)
{
	write_at(USER_FILE, "[server]\nport = = 1\n", 0644);
	load_bad(":2:");
	assert_non_null(strstr(hs_detail(), at(USER_FILE)));
}

static void
test_none_is_null_in_files(void **state)
{
	write_at(LOCAL_FILE, "[server.tls]\ncert = '<none>'\n", 0644);
	load_ok();
	assert_null(cfg_str(cfg, "server.tls.cert"));
}

static void
test_unknown_keys_warn(void **state)
{
	write_at(LOCAL_FILE, "bogus = 1\n[server]\nprot = 5\n[server.tls]\nx = 1\n[nosection]\n", 0644);
	load_ok();
	stderr_has(":1: unknown configuration key 'bogus'");
	stderr_has(":3: unknown configuration key 'server.prot'");
	stderr_has(":5: unknown configuration key 'server.tls.x'");
	stderr_has("unknown configuration key 'nosection'");
	assert_int_equal(cfg_int(cfg, "server.port"), 50001);
}

static void
test_database_extras(void **state)
{
	write_at(LOCAL_FILE, "[database]\nkeepalives_idle = 30\n", 0644);
	load_ok();
	stderr_has("database.keepalives_idle is ignored with database.provider = sqlite");
	write_at(LOCAL_FILE, "[database]\nprovider = 'postgres'\nkeepalives_idle = 30\n", 0644);
	load_ok();
	assert_null(strstr(captured, "keepalives"));  /* a libpq parameter for postgres */
}

static void
test_env_form(void **state)
{
	struct cfg_origin o;

	write_at(USER_FILE, "[server]\nauth_env = 'HS_TEST_SECRET'\nport_env = 'HS_TEST_PORT'\n", 0600);
	tenv("HS_TEST_SECRET", "s3cret");
	tenv("HS_TEST_PORT", "6000");
	load_ok();
	assert_string_equal(cfg_str(cfg, "server.auth"), "s3cret");
	assert_int_equal(cfg_int(cfg, "server.port"), 6000);
	assert_int_equal(cfg_origin(cfg, "server.auth", &o), HS_OK);
	assert_int_equal(o.layer, CFG_L_USER);
	assert_int_equal(o.variant, CFG_V_ENV);
	assert_string_equal(o.raw, "HS_TEST_SECRET");
	unsetenv("HS_TEST_SECRET");
	load_ok();
	assert_null(cfg_str(cfg, "server.auth"));  /* unset variable: null */
	tenv("HS_TEST_PORT", "many");
	load_bad("server.port_env: expected an integer, got 'many'");
}

static void
test_env_form_in_environment(void **state)
{
	struct cfg_origin o;

	tenv("HYPERSHELL_SERVER_PORT_ENV", "HS_TEST_PORT");
	tenv("HS_TEST_PORT", "7001");
	load_ok();
	assert_int_equal(cfg_int(cfg, "server.port"), 7001);
	assert_int_equal(cfg_origin(cfg, "server.port", &o), HS_OK);
	assert_int_equal(o.variant, CFG_V_ENV);
	assert_string_equal(o.where, "HYPERSHELL_SERVER_PORT_ENV");
	assert_string_equal(o.raw, "HS_TEST_PORT");
}

static void
test_env_form_must_be_string(void **state)
{
	write_at(LOCAL_FILE, "[server]\nauth_env = 5\n", 0600);
	load_bad("server.auth_env: expected a string");
}

static void
test_eval_runs_only_when_read(void **state)
{
	char text[PATH_MAX + 100];
	struct cfg_origin o;

	snprintf(text, sizeof text, "[server]\nauth_eval = \"touch '%s'; printf '  tok\\\\n'\"\n",
	         at("ran"));
	write_at(USER_FILE, text, 0600);
	load_ok();
	assert_false(exists("ran"));
	assert_int_equal(cfg_origin(cfg, "server.auth", &o), HS_OK);
	assert_int_equal(o.variant, CFG_V_EVAL);
	assert_false(exists("ran"));
	assert_string_equal(cfg_str(cfg, "server.auth"), "tok");  /* stripped */
	assert_true(exists("ran"));
	unlink(at("ran"));
	assert_string_equal(cfg_str(cfg, "server.auth"), "tok");  /* cached */
	assert_false(exists("ran"));
}

/* The defaults hold server.auth; auth_eval in a file is not "two forms". */
static void
test_eval_beside_default(void **state)
{
	write_at(USER_FILE, "[server]\nauth_eval = 'echo fromeval'\n", 0600);
	load_ok();
	assert_string_equal(cfg_str(cfg, "server.auth"), "fromeval");
}

static void
test_eval_failures(void **state)
{
	struct cfg_value v;

	write_at(USER_FILE, "[server]\nauth_eval = 'echo nope; exit 3'\n", 0600);
	load_ok();
	assert_int_equal(cfg_get(cfg, "server.auth", &v), HS_ECONFIG);
	if (strstr(hs_detail(), "server.auth_eval: command exited with status 3") == NULL)
		fail_msg("detail: %s", hs_detail());
	hs_log_threshold = HS_CRITICAL;  /* the shorthand logs the error */
	assert_null(cfg_str(cfg, "server.auth"));
	hs_log_threshold = HS_WARNING;
	tenv("HYPERSHELL_SERVER_PORT_EVAL", "echo abc");
	write_at(USER_FILE, "", 0600);
	load_ok();
	assert_int_equal(cfg_get(cfg, "server.port", &v), HS_ECONFIG);
	if (strstr(hs_detail(), "HYPERSHELL_SERVER_PORT_EVAL: expected an integer, got 'abc'") == NULL)
		fail_msg("detail: %s", hs_detail());
}

static void
test_eval_in_environment(void **state)
{
	tenv("HYPERSHELL_SERVER_PORT_EVAL", "echo 6001");
	load_ok();
	assert_int_equal(cfg_int(cfg, "server.port"), 6001);
}

/* An unknown database.* key makes validation look up database.provider;
 * that must not run database.provider_eval at load time. */
static void
test_eval_not_run_by_validation(void **state)
{
	char text[PATH_MAX + 200];

	snprintf(text, sizeof text, "[database]\nprovider_eval = \"touch '%s'; echo sqlite\"\n"
	         "sslmode = 'require'\n", at("ran"));
	write_at(LOCAL_FILE, text, 0644);
	load_ok();
	assert_false(exists("ran"));
}

static void
test_two_forms_in_one_layer(void **state)
{
	write_at(LOCAL_FILE, "[server]\nauth = 'a'\nauth_env = 'B'\n", 0600);
	load_bad("both server.auth and server.auth_env are set; keep one");
	assert_non_null(strstr(hs_detail(), at(LOCAL_FILE)));
	write_at(LOCAL_FILE, "[server]\nport_env = 'A'\nport_eval = 'echo 1'\n", 0600);
	load_bad("both server.port_env and server.port_eval are set; keep one");
}

static void
test_two_forms_in_environment(void **state)
{
	tenv("HYPERSHELL_SERVER_AUTH", "a");
	tenv("HYPERSHELL_SERVER_AUTH_EVAL", "echo b");
	load_bad("are set; keep one");
	assert_non_null(strstr(hs_detail(), "HYPERSHELL_SERVER_AUTH "));
	assert_non_null(strstr(hs_detail(), "HYPERSHELL_SERVER_AUTH_EVAL"));
}

/* Different forms in different layers are fine: the higher layer wins. */
static void
test_forms_in_different_layers(void **state)
{
	write_at(USER_FILE, "[server]\nauth = 'fromfile'\n", 0600);
	tenv("HYPERSHELL_SERVER_AUTH_EVAL", "echo fromenv");
	load_ok();
	assert_string_equal(cfg_str(cfg, "server.auth"), "fromenv");
}

static void
test_config_file_variable(void **state)
{
	struct cfg_origin o;

	write_at(USER_FILE, "[server]\nport = 1\n", 0644);
	write_at("only.toml", "[server]\nhost = 'only'\n", 0644);
	tenv("HYPERSHELL_CONFIG_FILE", at("only.toml"));
	load_ok();
	assert_string_equal(cfg_str(cfg, "server.host"), "only");
	assert_int_equal(cfg_int(cfg, "server.port"), 50001);  /* user file not read */
	assert_int_equal(cfg_origin(cfg, "server.host", &o), HS_OK);
	assert_int_equal(o.layer, CFG_L_LOCAL);
	assert_string_equal(o.where, at("only.toml"));
	tenv("HYPERSHELL_CONFIG_FILE", "");
	load_ok();
	assert_string_equal(cfg_str(cfg, "server.host"), "localhost");
	assert_int_equal(cfg_int(cfg, "server.port"), 50001);
}

static void
test_path_expansion(void **state)
{
	char want[PATH_MAX];

	write_at(LOCAL_FILE, "[database]\nfile = '~/db/main.db'\n[server]\nhost = '~/notapath'\n", 0644);
	load_ok();
	snprintf(want, sizeof want, "%s/db/main.db", at("home"));
	assert_string_equal(cfg_str(cfg, "database.file"), want);
	assert_string_equal(cfg_str(cfg, "server.host"), "~/notapath");  /* not a path key */
	snprintf(want, sizeof want, "%s/.ssh/config", at("home"));
	assert_string_equal(cfg_str(cfg, "ssh.config"), want);  /* default expanded too */
}

/* A long path must come back whole (it used to be built from a fixed
 * 160-byte cache key and cut). */
static void
test_path_expansion_long(void **state)
{
	char val[400], want[PATH_MAX];

	memcpy(val, "~/", 2);
	memset(val + 2, 'd', 300);
	val[302] = '\0';
	tenv("HYPERSHELL_TASK_CWD", val);
	load_ok();
	snprintf(want, sizeof want, "%s/%s", at("home"), val + 2);
	assert_string_equal(cfg_str(cfg, "task.cwd"), want);
}

static void
test_secret_permissions_warn(void **state)
{
	write_at(LOCAL_FILE, "[server]\nauth = 'k'\n", 0644);
	load_ok();
	stderr_has("holds a secret (server.auth) but is readable by group or others (mode 644)");
	stderr_has("chmod 600");
	assert_null(strstr(captured, "'k'"));  /* never the secret itself */
	chmod(at(LOCAL_FILE), 0600);
	load_ok();
	assert_null(strstr(captured, "holds a secret"));
	write_at(LOCAL_FILE, "[server]\nport = 1\n", 0644);  /* no secret: no warning */
	load_ok();
	assert_string_equal(captured, "");
}

struct entries {
	char text[1024];
};

static void
collect(void *arg, const char *key, const struct toml_value *tv, const char *text)
{
	struct entries *en = arg;
	size_t n = strlen(en->text);

	if (tv != NULL && tv->type == TOML_STRING)
		snprintf(en->text + n, sizeof en->text - n, "%s=%s;", key, tv->u.str.ptr);
	else if (tv != NULL && tv->type == TOML_INTEGER)
		snprintf(en->text + n, sizeof en->text - n, "%s=%lld;", key, (long long)tv->u.i);
	else
		snprintf(en->text + n, sizeof en->text - n, "%s=env:%s;", key, text ? text : "?");
}

static void
test_open_tables_merge(void **state)
{
	struct entries en = {""};

	write_at(SYSTEM_FILE, "[export]\nA = 'sys'\nB = 1\n", 0644);
	write_at(USER_FILE, "[export]\nA = 'user'\n[database.pragmas]\ncache_size = 100\n", 0644);
	tenv("HYPERSHELL_EXPORT_C", "fromenv");
	load_ok();
	cfg_each_entry(cfg, "export", collect, &en);
	assert_string_equal(en.text, "A=user;B=1;c=env:fromenv;");
	en.text[0] = '\0';
	cfg_each_entry(cfg, "database.pragmas", collect, &en);
	assert_string_equal(en.text, "cache_size=100;");
	en.text[0] = '\0';
	cfg_each_entry(cfg, "database", collect, &en);  /* known keys skipped */
	assert_null(strstr(en.text, "pragmas="));
}

static void
test_unknown_key_lookup(void **state)
{
	struct cfg_value v;
	struct cfg_origin o;

	load_ok();
	assert_int_equal(cfg_get(cfg, "no.such", &v), HS_EINTERNAL);
	assert_int_equal(cfg_origin(cfg, "no.such", &o), HS_EUSAGE);
	assert_non_null(strstr(hs_detail(), "unknown configuration key 'no.such'"));
}

static void
test_read_file_direct(void **state)
{
	struct toml_value *t = (struct toml_value *)1;

	assert_int_equal(cfg_read_file(at("missing.toml"), &t), HS_OK);
	assert_null(t);
	write_at("f.toml", "a = 1\n", 0644);
	assert_int_equal(cfg_read_file(at("f.toml"), &t), HS_OK);
	assert_non_null(toml_get(t, "a"));
	toml_free(t);
	write_at("f.toml", "a = \n", 0644);
	assert_int_equal(cfg_read_file(at("f.toml"), &t), HS_ECONFIG);
	assert_null(t);
	assert_non_null(strstr(hs_detail(), "f.toml:1:"));
	mkdir(at("adir"), 0755);
	assert_int_equal(cfg_read_file(at("adir"), &t), HS_ECONFIG);
}

static void
test_file_size_limit(void **state)
{
	size_t n = (1 << 20) + 10;
	char *big = malloc(n + 1);
	struct toml_value *t = NULL;

	assert_non_null(big);
	memset(big, '#', n);
	big[n] = '\0';
	write_at("big.toml", big, 0644);
	free(big);
	assert_int_equal(cfg_read_file(at("big.toml"), &t), HS_ECONFIG);
	assert_non_null(strstr(hs_detail(), "file larger than 1048576 bytes"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_key_table),
		T(test_env_names),
		T(test_from_text),
		T(test_from_text_null_forms),
		T(test_from_text_errors),
		T(test_defaults_without_files),
		T(test_layer_precedence),
		T(test_tls_min_version_from_env),
		T(test_env_values_coerced),
		T(test_unknown_env_warns),
		T(test_file_types_checked_with_line),
		T(test_section_must_be_table),
		T(test_parse_error_has_place),
		T(test_none_is_null_in_files),
		T(test_unknown_keys_warn),
		T(test_database_extras),
		T(test_env_form),
		T(test_env_form_in_environment),
		T(test_env_form_must_be_string),
		T(test_eval_runs_only_when_read),
		T(test_eval_beside_default),
		T(test_eval_failures),
		T(test_eval_in_environment),
		T(test_eval_not_run_by_validation),
		T(test_two_forms_in_one_layer),
		T(test_two_forms_in_environment),
		T(test_forms_in_different_layers),
		T(test_config_file_variable),
		T(test_path_expansion),
		T(test_path_expansion_long),
		T(test_secret_permissions_warn),
		T(test_open_tables_merge),
		T(test_unknown_key_lookup),
		T(test_read_file_direct),
		T(test_file_size_limit),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
