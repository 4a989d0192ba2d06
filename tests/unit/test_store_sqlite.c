/* test_store_sqlite.c: unit tests for the SQLite storage backend
 * (src/store_sqlite.c, src/store.c, src/sql.c) on real database files in a
 * temporary directory. Tasks are inserted with the fields hs submit sets. */
#include "testutil.h"

#include "config.h"
#include "log.h"
#include "site.h"
#include "store.h"
#include "tag.h"
#include "uuid.h"
#include "where.h"

#include <fcntl.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SUBMIT_ID "0190a1b2-0000-7000-8000-000000000001"

static char dir[256];
static char dbpath[512];
static struct hs_store *st;
static char ids[16][HS_UUID_STRLEN + 1];  /* ids of the inserted tasks */
static int nids;
static int64_t clock_us;   /* next submit time; tasks are 1 s apart */
static char *saved_site;   /* HYPERSHELL_SITE before the test */

static int
setup(void **state)
{
	snprintf(dir, sizeof dir, "/tmp/hs-store-test-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(dbpath, sizeof dbpath, "%s/lib/main.db", dir);
	st = NULL;
	nids = 0;
	clock_us = 1767225600000000LL;
	saved_site = getenv("HYPERSHELL_SITE") ? strdup(getenv("HYPERSHELL_SITE")) : NULL;
	hs_detail_clear();
	return 0;
}

static int
rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(p);
}

static int
teardown(void **state)
{
	/* variables some tests set; unset even when a test failed midway */
	unsetenv("HYPERSHELL_CONFIG_FILE");
	unsetenv("HYPERSHELL_DATABASE_FILE");
	unsetenv("HYPERSHELL_DATABASE_PROVIDER");
	if (saved_site != NULL)
		setenv("HYPERSHELL_SITE", saved_site, 1);
	else
		unsetenv("HYPERSHELL_SITE");
	free(saved_site);
	saved_site = NULL;
	hs_store_close(st);
	st = NULL;
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static void
open_db(enum hs_open_mode mode)
{
	hs_err e = hs_store_sqlite_open(dbpath, NULL, mode, &st);

	if (e != HS_OK)
		fail_msg("open failed (%d): %s", e, hs_detail());
	assert_non_null(st);
}

static void
open_bad(enum hs_open_mode mode, const char *want)
{
	struct hs_store *s = (struct hs_store *)1;
	hs_err e = hs_store_sqlite_open(dbpath, NULL, mode, &s);

	if (e != HS_EDB)
		fail_msg("open gave %d, want HS_EDB", e);
	assert_null(s);
	if (strstr(hs_detail(), want) == NULL)
		fail_msg("detail '%s' lacks '%s'", hs_detail(), want);
}

/* Run SQL on the file directly; returns the first column of the first
 * row as an integer (or -1). */
static int64_t
raw_sql(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *stmt;
	int64_t v = -1;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

/* Insert a task as hs submit does: cores/memory/timeout 0 mean unset. */
static void
insert(const char *args, int64_t group, const char *tags, int64_t cores)
{
	struct hs_task t;
	char now[HS_TS_LEN + 1];
	hs_err e;

	assert_true(nids < 16);
	assert_int_equal(hs_uuid7(ids[nids]), HS_OK);
	hs_ts_format(clock_us, now);
	clock_us += 1000000;
	hs_task_clear(&t);
	t.f[HS_F_ID] = (struct hs_cell){.s = ids[nids]};
	t.f[HS_F_GROUP] = (struct hs_cell){.i = group};
	t.f[HS_F_ARGS] = (struct hs_cell){.s = args};
	t.f[HS_F_SUBMIT_ID] = (struct hs_cell){.s = SUBMIT_ID};
	t.f[HS_F_SUBMIT_TIME] = (struct hs_cell){.s = now};
	t.f[HS_F_SUBMIT_HOST] = (struct hs_cell){.s = "host1"};
	t.f[HS_F_CORES] = (struct hs_cell){.null = cores == 0, .i = cores};
	t.f[HS_F_MEMORY] = (struct hs_cell){.null = true};
	t.f[HS_F_TIMEOUT] = (struct hs_cell){.null = true};
	t.f[HS_F_ATTEMPT] = (struct hs_cell){.i = 1};
	t.f[HS_F_RETRIED] = (struct hs_cell){.i = 0};
	t.f[HS_F_TAG] = (struct hs_cell){.s = tags};
	if ((e = st->ops->insert(st, &t)) != HS_OK)
		fail_msg("insert failed: %s", hs_detail());
	nids++;
}

/* Five tasks in groups 0, 0, 1, 1, 2 with assorted tags. */
static void
five_tasks(void)
{
	open_db(HS_OPEN_CREATE);
	insert("echo 0", 0, "{\"site\":\"a\",\"n\":1}", 0);
	insert("echo 1", 0, "{\"site\":\"b\",\"flag\":true}", 2);
	insert("1", 1, "{\"site\":\"a\",\"n\":2.5}", 0);
	insert("echo 3 \xC3\xA9\nline", 1, "{\"naked\":\"\"}", 4);
	insert("sleep 9", 2, "{}", 0);
}

/* Conditions parsed from text; kept in static storage because a
 * condition's value points into it. */
static struct hs_cond conds[600];

static struct hs_query
where(int n, ...)
{
	struct hs_query q = {.conds = conds, .nconds = (size_t)n, .order = -1, .limit = -1};
	char err[256];
	va_list ap;

	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		const char *s = va_arg(ap, const char *);
		if (hs_where_parse(s, &conds[i], err, sizeof err) != HS_OK)
			fail_msg("where '%s': %s", s, err);
	}
	va_end(ap);
	return q;
}

static int64_t
count(const struct hs_query *q)
{
	int64_t n = -1;
	hs_err e = st->ops->count(st, q, &n);

	if (e != HS_OK)
		fail_msg("count failed: %s", hs_detail());
	return n;
}

/* Rows seen by select: "args|group|exit_status|tag" joined by ';'. */
static char rows[8192];

static hs_err
row_cb(void *arg, const struct hs_task *t)
{
	size_t n = strlen(rows);

	snprintf(rows + n, sizeof rows - n, "%s|%lld|%s|%s;", t->f[HS_F_ARGS].s,
	         (long long)t->f[HS_F_GROUP].i,
	         t->f[HS_F_EXIT_STATUS].null ? "null" : "set", t->f[HS_F_TAG].s);
	return HS_OK;
}

static const char *
select_args(const struct hs_query *q)
{
	hs_err e;

	rows[0] = '\0';
	if ((e = st->ops->select(st, q, row_cb, NULL)) != HS_OK)
		fail_msg("select failed: %s", hs_detail());
	return rows;
}

static hs_err
text_cb(void *arg, const char *text)
{
	size_t n = strlen(rows);

	snprintf(rows + n, sizeof rows - n, "%s;", text);
	return HS_OK;
}

static const struct hs_query all = {.order = -1, .limit = -1};

static void
change_ok(const struct hs_query *q, const struct hs_change *c, int64_t *n)
{
	hs_err e = st->ops->change(st, q, c, n);

	if (e != HS_OK)
		fail_msg("change failed (%d): %s", e, hs_detail());
}

/* --- opening -------------------------------------------------------------- */

static void
test_open_missing(void **state)
{
	open_bad(HS_OPEN_READ, "does not exist (run 'hs initdb' or submit tasks first)");
	open_bad(HS_OPEN_WRITE, "does not exist");
	assert_int_not_equal(access(dbpath, F_OK), 0);  /* nothing created */
}

static void
test_create_makes_schema(void **state)
{
	open_db(HS_OPEN_CREATE);
	assert_string_equal(st->ops->describe(st), dbpath);
	assert_string_equal(st->ops->name, "sqlite");
	hs_store_close(st);
	st = NULL;
	assert_int_equal(raw_sql(dbpath, "SELECT max(version) FROM schema_version"), HS_SCHEMA_VERSION);
	assert_int_equal(raw_sql(dbpath, "SELECT count(*) FROM sqlite_master WHERE name = 'task'"), 1);
	assert_int_equal(raw_sql(dbpath, "SELECT count(*) FROM sqlite_master WHERE name = 'client'"), 1);
	open_db(HS_OPEN_READ);
	assert_int_equal(count(&all), 0);
	hs_store_close(NULL);
}

static void
test_not_a_database(void **state)
{
	int fd;

	hs_mkdirs_for(dbpath);
	fd = open(dbpath, O_WRONLY | O_CREAT, 0644);
	assert_int_equal(write(fd, "this is not an sqlite file, just text....", 41), 41);
	close(fd);
	open_bad(HS_OPEN_WRITE, "is not a database");
	open_bad(HS_OPEN_INIT, "is not a database");
}

static void
test_directory_refused(void **state)
{
	hs_mkdirs(dbpath, 0755);
	open_bad(HS_OPEN_CREATE, "is not a regular file");
}

static void
test_empty_file_needs_init(void **state)
{
	int fd;

	hs_mkdirs_for(dbpath);
	fd = open(dbpath, O_WRONLY | O_CREAT, 0644);
	close(fd);
	open_bad(HS_OPEN_WRITE, "is not initialised (run 'hs initdb')");
	open_db(HS_OPEN_CREATE);  /* an empty file is created into */
}

static void
test_newer_schema_refused(void **state)
{
	open_db(HS_OPEN_CREATE);
	hs_store_close(st);
	st = NULL;
	raw_sql(dbpath, "INSERT INTO schema_version VALUES (99, 'x', 'future')");
	open_bad(HS_OPEN_WRITE, "has schema version 99, newer than this hs supports (2); upgrade hs");
	open_bad(HS_OPEN_INIT, "newer than this hs supports");
}

static void
test_foreign_database_adopted_by_init(void **state)
{
	char *cols = "CREATE TABLE task (id TEXT PRIMARY KEY, \"group\" INTEGER, args TEXT,"
	    " submit_id TEXT, submit_time DATETIME, submit_host TEXT, cores INTEGER,"
	    " memory INTEGER, cores_max REAL, memory_max REAL, timeout INTEGER,"
	    " server_id TEXT, server_host TEXT, schedule_time DATETIME, client_id TEXT,"
	    " client_host TEXT, command TEXT, start_time DATETIME, completion_time DATETIME,"
	    " exit_status INTEGER, outpath TEXT, errpath TEXT, csvpath TEXT, attempt INTEGER,"
	    " retried BOOLEAN, waited INTEGER, duration INTEGER, previous_id TEXT,"
	    " next_id TEXT, tag JSON)";

	hs_mkdirs_for(dbpath);
	raw_sql(dbpath, cols);
	open_bad(HS_OPEN_WRITE, "was not made by this hs; run 'hs initdb' to adopt it");
	open_db(HS_OPEN_INIT);
	hs_store_close(st);
	st = NULL;
	assert_int_equal(raw_sql(dbpath, "SELECT max(version) FROM schema_version"),
	                 HS_SCHEMA_VERSION);
	open_db(HS_OPEN_WRITE);
}

/* A version-1 database (before the server table) is upgraded by init only. */
static void
test_schema_1_is_migrated(void **state)
{
	open_db(HS_OPEN_INIT);
	hs_store_close(st);
	st = NULL;
	raw_sql(dbpath, "DROP TABLE server");
	raw_sql(dbpath, "DELETE FROM schema_version WHERE version = 2");
	open_bad(HS_OPEN_WRITE, "has schema version 1; run 'hs initdb' to upgrade it to 2");
	open_db(HS_OPEN_INIT);
	hs_store_close(st);
	st = NULL;
	assert_int_equal(raw_sql(dbpath, "SELECT max(version) FROM schema_version"), 2);
	assert_int_equal(raw_sql(dbpath, "SELECT count(*) FROM server"), 0);
	open_db(HS_OPEN_WRITE);
}

static void
test_incompatible_task_table(void **state)
{
	hs_mkdirs_for(dbpath);
	raw_sql(dbpath, "CREATE TABLE task (id TEXT PRIMARY KEY, name TEXT)");
	open_bad(HS_OPEN_INIT, "has a task table this version cannot use");
	/* the failed migration left nothing behind */
	assert_int_equal(raw_sql(dbpath, "SELECT count(*) FROM sqlite_master WHERE name = 'schema_version'"), 0);
}

/* --- insert, select, count ------------------------------------------------ */

static void
test_insert_and_select_round_trip(void **state)
{
	five_tasks();
	assert_int_equal(count(&all), 5);
	assert_string_equal(select_args(&all),
	    "echo 0|0|null|{\"site\":\"a\",\"n\":1};"
	    "echo 1|0|null|{\"site\":\"b\",\"flag\":true};"
	    "1|1|null|{\"site\":\"a\",\"n\":2.5};"
	    "echo 3 \xC3\xA9\nline|1|null|{\"naked\":\"\"};"
	    "sleep 9|2|null|{};");
}

struct got {
	struct hs_task t;
	char id[64], args[64], time[64];
	int calls;
};

static hs_err
keep_one(void *arg, const struct hs_task *t)
{
	struct got *g = arg;

	g->calls++;
	g->t = *t;
	snprintf(g->id, sizeof g->id, "%s", t->f[HS_F_ID].s);
	snprintf(g->args, sizeof g->args, "%s", t->f[HS_F_ARGS].s);
	snprintf(g->time, sizeof g->time, "%s", t->f[HS_F_SUBMIT_TIME].s);
	return HS_OK;
}

static void
test_get_by_id(void **state)
{
	struct got g = {.calls = 0};
	char missing[HS_UUID_STRLEN + 1];

	five_tasks();
	assert_int_equal(hs_store_get(st, ids[1], keep_one, &g), HS_OK);
	assert_int_equal(g.calls, 1);
	assert_string_equal(g.id, ids[1]);
	assert_string_equal(g.args, "echo 1");
	assert_string_equal(g.time, "2026-01-01 00:00:01.000000+00:00");
	assert_false(g.t.f[HS_F_CORES].null);
	assert_int_equal(g.t.f[HS_F_CORES].i, 2);
	assert_true(g.t.f[HS_F_MEMORY].null);
	assert_int_equal(g.t.f[HS_F_ATTEMPT].i, 1);
	assert_false(g.t.f[HS_F_RETRIED].null);
	assert_int_equal(g.t.f[HS_F_RETRIED].i, 0);
	assert_true(g.t.f[HS_F_SCHEDULE_TIME].null);
	assert_int_equal(hs_store_get(st, "not-a-uuid", keep_one, &g), HS_EUSAGE);
	assert_non_null(strstr(hs_detail(), "Bad UUID: 'not-a-uuid'"));
	assert_int_equal(hs_uuid7(missing), HS_OK);
	assert_int_equal(hs_store_get(st, missing, keep_one, &g), HS_ENOTFOUND);
	assert_non_null(strstr(hs_detail(), "No task with id="));
	assert_int_equal(g.calls, 1);
}

static void
test_duplicate_id_refused(void **state)
{
	struct hs_task t;
	struct got g = {.calls = 0};

	five_tasks();
	assert_int_equal(hs_store_get(st, ids[0], keep_one, &g), HS_OK);
	t = g.t;
	t.f[HS_F_ID].s = g.id;
	t.f[HS_F_ARGS].s = "x";
	t.f[HS_F_SUBMIT_ID].s = SUBMIT_ID;
	t.f[HS_F_SUBMIT_TIME].s = g.time;
	t.f[HS_F_SUBMIT_HOST].s = "h";
	t.f[HS_F_TAG].s = "{}";
	assert_int_equal(st->ops->insert(st, &t), HS_EDB);
	assert_int_equal(count(&all), 5);
}

static void
test_where_conditions(void **state)
{
	struct hs_query q;

	five_tasks();
	q = where(1, "group == 1");
	assert_int_equal(count(&q), 2);
	q = where(1, "group >= 1");
	assert_int_equal(count(&q), 3);
	q = where(1, "group>=1");  /* not ">" with "=1" */
	assert_int_equal(count(&q), 3);
	q = where(1, "group > 1");
	assert_int_equal(count(&q), 1);
	q = where(1, "group != 0");
	assert_int_equal(count(&q), 3);
	q = where(2, "group <= 1", "cores == null");
	assert_int_equal(count(&q), 2);
	q = where(1, "cores != null");
	assert_int_equal(count(&q), 2);
	q = where(1, "args == 1");  /* text compared as text */
	assert_string_equal(select_args(&q), "1|1|null|{\"site\":\"a\",\"n\":2.5};");
	q = where(1, "args ~ ^echo [0-3]$");
	assert_int_equal(count(&q), 2);
	q = where(1, "args ~ line$");  /* POSIX ERE: $ at end of text only */
	assert_int_equal(count(&q), 1);
	q = where(1, "group ~ ^2$");  /* regex on a number column */
	assert_int_equal(count(&q), 1);
	q = where(1, "submit_time >= 2026-01-01 00:00:03");
	assert_int_equal(count(&q), 2);
	q = where(1, "submit_time < 2026-01-01T01:00:02+01:00");
	assert_int_equal(count(&q), 2);
	q = where(1, "retried == false");
	assert_int_equal(count(&q), 5);
	q = where(1, "exit_status == null");
	assert_int_equal(count(&q), 5);
}

static void
test_tag_conditions(void **state)
{
	struct hs_tag tags[2];
	struct hs_query q = {.order = -1, .limit = -1, .tags = tags};

	five_tasks();
	tags[0] = (struct hs_tag){"site", ""};
	q.ntags = 1;
	assert_int_equal(count(&q), 3);
	tags[0] = (struct hs_tag){"site", "a"};
	assert_int_equal(count(&q), 2);
	tags[0] = (struct hs_tag){"n", "1"};
	assert_int_equal(count(&q), 1);
	tags[0] = (struct hs_tag){"n", "2.5"};
	assert_int_equal(count(&q), 1);
	tags[0] = (struct hs_tag){"flag", "true"};
	assert_int_equal(count(&q), 1);
	tags[0] = (struct hs_tag){"naked", ""};
	assert_int_equal(count(&q), 1);
	tags[0] = (struct hs_tag){"site", "a"};
	tags[1] = (struct hs_tag){"n", "2.5"};
	q.ntags = 2;
	assert_int_equal(count(&q), 1);
	tags[0] = (struct hs_tag){"nosuch", ""};
	q.ntags = 1;
	assert_int_equal(count(&q), 0);
}

static void
test_order_and_limit(void **state)
{
	struct hs_query q = {.order = HS_F_SUBMIT_TIME, .desc = true, .limit = 2};

	five_tasks();
	assert_string_equal(select_args(&q),
	    "sleep 9|2|null|{};"
	    "echo 3 \xC3\xA9\nline|1|null|{\"naked\":\"\"};");
	assert_int_equal(count(&q), 2);
	q.desc = false;
	q.limit = 1;
	assert_string_equal(select_args(&q), "echo 0|0|null|{\"site\":\"a\",\"n\":1};");
	q.order = -1;
	q.limit = 0;
	assert_int_equal(count(&q), 0);
	assert_string_equal(select_args(&q), "");
}

static hs_err
stop_cb(void *arg, const struct hs_task *t)
{
	(*(int *)arg)++;
	return HS_EINTR;
}

static void
test_callback_error_stops_select(void **state)
{
	int calls = 0;

	five_tasks();
	assert_int_equal(st->ops->select(st, &all, stop_cb, &calls), HS_EINTR);
	assert_int_equal(calls, 1);
}

static void
test_too_many_conditions(void **state)
{
	struct hs_query q = {.conds = conds, .nconds = 513, .order = -1, .limit = -1};
	struct hs_tag tags[65];
	char err[200];

	five_tasks();
	for (int i = 0; i < 513; i++)
		assert_int_equal(hs_where_parse("group == 1", &conds[i], err, sizeof err), HS_OK);
	assert_int_equal(st->ops->count(st, &q, &(int64_t){0}), HS_ELIMIT);
	assert_non_null(strstr(hs_detail(), "too many conditions"));
	q.nconds = 0;
	for (int i = 0; i < 65; i++)
		tags[i] = (struct hs_tag){"k", ""};
	q.tags = tags;
	q.ntags = 65;
	assert_int_equal(st->ops->count(st, &q, &(int64_t){0}), HS_ELIMIT);
	assert_non_null(strstr(hs_detail(), "too many tag conditions"));
}

/* --- changes ---------------------------------------------------------------- */

static void
test_change_set_fields(void **state)
{
	struct hs_query q;
	struct hs_assign a[2];
	struct hs_change c = {.action = HS_ACT_SET, .sets = a, .nsets = 2};
	char err[200];
	int64_t n = -1;

	five_tasks();
	a[0].field = HS_F_EXIT_STATUS;
	assert_int_equal(hs_cell_from_text(HS_F_EXIT_STATUS, "0", &a[0].value, a[0].tsbuf, err, sizeof err), HS_OK);
	a[1].field = HS_F_COMPLETION_TIME;
	assert_int_equal(hs_cell_from_text(HS_F_COMPLETION_TIME, "2026-02-01 10:00", &a[1].value, a[1].tsbuf, err, sizeof err), HS_OK);
	q = where(1, "group == 0");
	change_ok(&q, &c, &n);
	assert_int_equal(n, 2);
	q = where(1, "exit_status == 0");
	assert_int_equal(count(&q), 2);
	q = where(1, "completion_time == 2026-02-01T10:00:00Z");
	assert_int_equal(count(&q), 2);
	/* with a limit only that many change */
	q = where(1, "exit_status == null");
	q.limit = 1;
	change_ok(&q, &c, &n);
	assert_int_equal(n, 1);
	q = where(1, "exit_status == null");
	assert_int_equal(count(&q), 2);
}

static void
test_change_tags(void **state)
{
	struct hs_query q;
	struct hs_tag add[2] = {{"site", "z"}, {"new", "7"}}, rm[1] = {{"n", ""}};
	struct hs_change c = {.action = HS_ACT_SET, .addtags = add, .naddtags = 2,
	                      .rmtags = rm, .nrmtags = 1};
	int64_t n;

	five_tasks();
	q = where(1, "group == 0");
	change_ok(&q, &c, &n);
	assert_int_equal(n, 2);
	q.order = HS_F_SUBMIT_TIME;
	assert_string_equal(select_args(&q),
	    "echo 0|0|null|{\"site\":\"z\",\"new\":7};"
	    "echo 1|0|null|{\"site\":\"z\",\"flag\":true,\"new\":7};");
}

static void
test_cancel_only_unfinished(void **state)
{
	struct hs_query q;
	struct hs_assign a[1];
	struct hs_change set = {.action = HS_ACT_SET, .sets = a, .nsets = 1};
	struct hs_change cancel = {.action = HS_ACT_CANCEL};
	char err[200];
	int64_t n;

	five_tasks();
	a[0].field = HS_F_COMPLETION_TIME;
	hs_cell_from_text(HS_F_COMPLETION_TIME, "2026-01-02", &a[0].value, a[0].tsbuf, err, sizeof err);
	q = where(1, "group == 2");
	change_ok(&q, &set, &n);
	change_ok(&all, &cancel, &n);
	assert_int_equal(n, 4);
	q = where(1, "exit_status == -1000");
	assert_int_equal(count(&q), 4);
	q = where(2, "exit_status == -1000", "schedule_time != null");
	assert_int_equal(count(&q), 4);
	q = where(1, "group == 2");
	assert_string_equal(select_args(&q), "sleep 9|2|null|{};");  /* finished: untouched */
	change_ok(&all, &cancel, &n);
	assert_int_equal(n, 0);
}

static void
test_revert_and_delete(void **state)
{
	struct hs_query q;
	struct hs_change cancel = {.action = HS_ACT_CANCEL}, revert = {.action = HS_ACT_REVERT},
	                 del = {.action = HS_ACT_DELETE};
	int64_t n;

	five_tasks();
	change_ok(&all, &cancel, &n);
	q = where(1, "group == 1");
	change_ok(&q, &revert, &n);
	assert_int_equal(n, 2);
	q = where(3, "exit_status == null", "schedule_time == null", "completion_time == null");
	assert_int_equal(count(&q), 2);
	q = where(1, "args ~ ^echo");
	change_ok(&q, &del, &n);
	assert_int_equal(n, 3);
	assert_int_equal(count(&all), 2);
}

/* --- tags, groups, transactions ------------------------------------------ */

static void
test_tag_keys_and_values(void **state)
{
	struct hs_query q;

	five_tasks();
	rows[0] = '\0';
	assert_int_equal(st->ops->tag_keys(st, &all, text_cb, NULL), HS_OK);
	assert_string_equal(rows, "flag;n;naked;site;");
	q = where(1, "group == 1");
	rows[0] = '\0';
	assert_int_equal(st->ops->tag_keys(st, &q, text_cb, NULL), HS_OK);
	assert_string_equal(rows, "n;naked;site;");
	rows[0] = '\0';
	assert_int_equal(st->ops->tag_values(st, &all, "site", text_cb, NULL), HS_OK);
	assert_string_equal(rows, "a;b;");
	rows[0] = '\0';
	assert_int_equal(st->ops->tag_values(st, &all, "n", text_cb, NULL), HS_OK);
	assert_string_equal(rows, "1;2.5;");
	rows[0] = '\0';
	assert_int_equal(st->ops->tag_values(st, &all, "flag", text_cb, NULL), HS_OK);
	assert_string_equal(rows, "true;");
	rows[0] = '\0';
	assert_int_equal(st->ops->tag_values(st, &all, "naked", text_cb, NULL), HS_OK);
	assert_string_equal(rows, ";");
	/* parameters of the query and the key's ?1 must not mix up */
	q = where(2, "group >= 1", "args != x");
	q.order = HS_F_GROUP;
	q.limit = 1;
	rows[0] = '\0';
	assert_int_equal(st->ops->tag_values(st, &q, "site", text_cb, NULL), HS_OK);
	assert_string_equal(rows, "a;");
}

static void
test_active_group(void **state)
{
	char why[100];
	int64_t g = -5;

	open_db(HS_OPEN_CREATE);
	assert_int_equal(st->ops->active_group(st, &g, why, sizeof why), HS_OK);
	assert_int_equal(g, 0);
	assert_string_equal(why, "no tasks submitted");
	insert("a", 5, "{}", 0);
	insert("b", 3, "{}", 0);
	insert("c", 4, "{}", 0);
	assert_int_equal(st->ops->active_group(st, &g, why, sizeof why), HS_OK);
	assert_int_equal(g, 3);
	assert_string_equal(why, "no tasks scheduled - defaulting to earliest group");
	/* scheduled by a server: another connection writes schedule_time */
	raw_sql(dbpath, "UPDATE task SET schedule_time = '2026-03-01 00:00:00.000000+00:00'"
	                " WHERE \"group\" = 4");
	raw_sql(dbpath, "UPDATE task SET schedule_time = '2026-02-01 00:00:00.000000+00:00'"
	                " WHERE \"group\" = 5");
	assert_int_equal(st->ops->active_group(st, &g, why, sizeof why), HS_OK);
	assert_int_equal(g, 4);
	assert_string_equal(why, "most recently scheduled task");
}

static hs_err
count_sent(void *arg, const struct hs_task *t, size_t n)
{
	*(size_t *)arg += n;
	return HS_OK;
}

/* schedule stamps tasks with the lease; requeue undoes one dispatch (its
 * schedule_time) or every unfinished task of a client. */
static void
test_schedule_and_requeue(void **state)
{
	struct hs_lease a = {SUBMIT_ID, "srv", "0190a1b2-0000-7000-8000-00000000c11e", "cl",
	                     "2026-01-01 00:00:01.000000+00:00"};
	struct hs_lease b = a;
	size_t sent = 0;
	int64_t n = -1;

	open_db(HS_OPEN_CREATE);
	for (int i = 0; i < 6; i++)
		insert("t", 0, "{}", 0);
	snprintf(b.schedule_time, sizeof b.schedule_time, "2026-01-01 00:00:02.000000+00:00");
	assert_int_equal(st->ops->schedule(st, 0, 3, false, &a, count_sent, &sent), HS_OK);
	assert_int_equal(st->ops->schedule(st, 0, 2, false, &b, count_sent, &sent), HS_OK);
	assert_int_equal(sent, 5);
	assert_int_equal(raw_sql(dbpath, "SELECT count(*) FROM task WHERE schedule_time IS NULL"), 1);
	assert_int_equal(st->ops->requeue(st, a.client_id, a.schedule_time, &n), HS_OK);
	assert_int_equal(n, 3);
	assert_int_equal(raw_sql(dbpath, "SELECT count(*) FROM task WHERE schedule_time IS NULL"
	                                 " AND client_id IS NULL AND server_id IS NULL"), 4);
	assert_int_equal(raw_sql(dbpath, "SELECT count(*) FROM task WHERE schedule_time ="
	                                 " '2026-01-01 00:00:02.000000+00:00'"), 2);
	assert_int_equal(st->ops->requeue(st, a.client_id, a.schedule_time, &n), HS_OK);
	assert_int_equal(n, 0);   /* done already: nothing more */
	assert_int_equal(st->ops->requeue(st, a.client_id, NULL, &n), HS_OK);
	assert_int_equal(n, 2);
	assert_int_equal(raw_sql(dbpath, "SELECT count(*) FROM task WHERE schedule_time IS NULL"), 6);
}

/* Set task i's state columns (SQL assignments) from another connection. */
static void
set_state(int i, const char *assignments)
{
	char sql[512];

	snprintf(sql, sizeof sql, "UPDATE task SET %s WHERE id = '%s'", assignments, ids[i]);
	raw_sql(dbpath, sql);
}

/* group_state counts what waits and what runs; exhausted counts failures
 * with no retry left: not successes, retried failures, cancellations,
 * unfinished tasks or other groups. */
static void
test_group_state_and_exhausted(void **state)
{
	static const char *const done = "schedule_time = '2026-01-01 00:00:01.000000+00:00',"
	                                " completion_time = '2026-01-01 00:00:02.000000+00:00', ";
	static const char *const ends[] = {
		"exit_status = 0", "exit_status = 3", "exit_status = -1",
		"exit_status = 5, retried = 1", "exit_status = -1000",  /* cancelled */
	};
	struct hs_group_state g = {-1, -1};
	char set[256];
	int64_t n = -1;

	open_db(HS_OPEN_CREATE);
	for (int i = 0; i < 10; i++)
		insert("t", 0, "{}", 0);
	insert("t", 1, "{}", 0);
	for (int i = 2; i <= 4; i++)
		set_state(i, "schedule_time = '2026-01-01 00:00:01.000000+00:00'");
	for (int i = 0; i < 5; i++) {
		snprintf(set, sizeof set, "%s%s", done, ends[i]);
		set_state(5 + i, set);
	}
	snprintf(set, sizeof set, "%sexit_status = 4", done);
	set_state(10, set);
	assert_int_equal(st->ops->group_state(st, 0, &g), HS_OK);
	assert_int_equal(g.unscheduled, 2);
	assert_int_equal(g.running, 3);
	assert_int_equal(st->ops->exhausted(st, 0, &n), HS_OK);
	assert_int_equal(n, 2);
	assert_int_equal(st->ops->group_state(st, 1, &g), HS_OK);
	assert_int_equal(g.unscheduled, 0);
	assert_int_equal(g.running, 0);
	assert_int_equal(st->ops->exhausted(st, 1, &n), HS_OK);
	assert_int_equal(n, 1);
}

static void
test_transactions(void **state)
{
	open_db(HS_OPEN_CREATE);
	assert_int_equal(st->ops->begin(st), HS_OK);
	insert("a", 0, "{}", 0);
	insert("b", 0, "{}", 0);
	assert_int_equal(st->ops->rollback(st), HS_OK);
	assert_int_equal(count(&all), 0);
	assert_int_equal(st->ops->rollback(st), HS_OK);  /* none open: fine */
	assert_int_equal(st->ops->begin(st), HS_OK);
	insert("c", 0, "{}", 0);
	assert_int_equal(st->ops->commit(st), HS_OK);
	assert_int_equal(count(&all), 1);
	assert_int_equal(st->ops->begin(st), HS_OK);
	insert("d", 0, "{}", 0);
	hs_store_close(st);  /* closing with a transaction open rolls back */
	st = NULL;
	open_db(HS_OPEN_READ);
	assert_int_equal(count(&all), 1);
}

static void
test_read_only_mode(void **state)
{
	struct hs_task t;

	open_db(HS_OPEN_CREATE);
	insert("a", 0, "{}", 0);
	hs_store_close(st);
	st = NULL;
	open_db(HS_OPEN_READ);
	hs_task_clear(&t);
	t.f[HS_F_ID] = (struct hs_cell){.s = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"};
	t.f[HS_F_GROUP] = (struct hs_cell){.i = 0};
	t.f[HS_F_ARGS] = (struct hs_cell){.s = "x"};
	t.f[HS_F_SUBMIT_ID] = (struct hs_cell){.s = SUBMIT_ID};
	t.f[HS_F_SUBMIT_TIME] = (struct hs_cell){.s = "2026-01-01 00:00:00.000000+00:00"};
	t.f[HS_F_SUBMIT_HOST] = (struct hs_cell){.s = "h"};
	t.f[HS_F_ATTEMPT] = (struct hs_cell){.i = 1};
	t.f[HS_F_RETRIED] = (struct hs_cell){.i = 0};
	t.f[HS_F_TAG] = (struct hs_cell){.s = "{}"};
	assert_int_equal(st->ops->insert(st, &t), HS_EDB);
	assert_non_null(strstr(hs_detail(), "is read-only"));
	assert_int_equal(count(&all), 1);
}

static void
test_truncate_and_vacuum(void **state)
{
	five_tasks();
	assert_int_equal(st->ops->truncate(st), HS_OK);
	assert_int_equal(count(&all), 0);
	assert_int_equal(st->ops->vacuum(st), HS_OK);
	insert("after", 0, "{}", 0);
	assert_int_equal(count(&all), 1);
}

static void
test_backup(void **state)
{
	char bpath[600];
	struct hs_store *b = NULL;

	five_tasks();
	snprintf(bpath, sizeof bpath, "%s/backup.db", dir);
	assert_int_equal(st->ops->backup(st, bpath), HS_OK);
	assert_int_equal(st->ops->backup(st, bpath), HS_EUSAGE);
	assert_non_null(strstr(hs_detail(), "already exists"));
	assert_int_equal(hs_store_sqlite_open(bpath, NULL, HS_OPEN_READ, &b), HS_OK);
	assert_int_equal(b->ops->count(b, &all, &(int64_t){0}), HS_OK);
	{
		int64_t n = 0;
		b->ops->count(b, &all, &n);
		assert_int_equal(n, 5);
	}
	hs_store_close(b);
}

/* --- pragmas from the configuration ------------------------------------- */

static hs_err
open_with_config(const char *toml, struct hs_store **out)
{
	char cpath[600];
	struct hs_paths paths;
	struct hs_config *cfg = NULL;
	int fd;
	hs_err e;

	snprintf(cpath, sizeof cpath, "%s/cfg.toml", dir);
	fd = open(cpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(write(fd, toml, strlen(toml)), (ssize_t)strlen(toml));
	close(fd);
	setenv("HYPERSHELL_CONFIG_FILE", cpath, 1);
	assert_int_equal(hs_paths_init(&paths), HS_OK);
	e = hs_config_load(&cfg, &paths);
	unsetenv("HYPERSHELL_CONFIG_FILE");
	assert_int_equal(e, HS_OK);
	e = hs_store_sqlite_open(dbpath, cfg, HS_OPEN_CREATE, out);
	hs_config_free(cfg);
	hs_paths_free(&paths);
	return e;
}

static void
test_pragmas_applied(void **state)
{
	assert_int_equal(open_with_config("[database.pragmas]\nuser_version = 42\n", &st), HS_OK);
	hs_store_close(st);
	st = NULL;
	assert_int_equal(raw_sql(dbpath, "PRAGMA user_version"), 42);
}

static void
test_pragmas_checked(void **state)
{
	struct hs_store *s = (struct hs_store *)1;

	assert_int_equal(open_with_config("[database.pragmas]\nuser_version = '1; DROP TABLE task'\n", &s),
	                 HS_ECONFIG);
	assert_null(s);
	assert_non_null(strstr(hs_detail(), "database.pragmas.user_version: name and value must be"));
}

/* hs_store_open: the file from the configuration, else <site lib>/main.db. */
static void
test_store_open_from_config(void **state)
{
	struct hs_paths paths;
	struct hs_config *cfg = NULL;
	struct hs_store *s = NULL;
	char want[600];

	setenv("HYPERSHELL_SITE", dir, 1);
	setenv("HYPERSHELL_CONFIG_FILE", "", 1);
	assert_int_equal(hs_paths_init(&paths), HS_OK);
	assert_int_equal(hs_config_load(&cfg, &paths), HS_OK);
	assert_int_equal(hs_store_open(cfg, &paths, HS_OPEN_CREATE, &s), HS_OK);
	snprintf(want, sizeof want, "%s/lib/main.db", dir);
	assert_string_equal(s->ops->describe(s), want);
	hs_store_close(s);
	hs_config_free(cfg);
	setenv("HYPERSHELL_DATABASE_FILE", "/nonexistent-dir-for-hs-test/x.db", 1);
	assert_int_equal(hs_config_load(&cfg, &paths), HS_OK);
	s = (struct hs_store *)1;
	assert_int_equal(hs_store_open(cfg, &paths, HS_OPEN_READ, &s), HS_EDB);
	assert_null(s);
	assert_non_null(strstr(hs_detail(), "/nonexistent-dir-for-hs-test/x.db does not exist"));
	hs_config_free(cfg);
	unsetenv("HYPERSHELL_DATABASE_FILE");
	/* postgres is another backend: nothing listens on port 1 */
	setenv("HYPERSHELL_DATABASE_PROVIDER", "postgres", 1);
	setenv("HYPERSHELL_DATABASE_HOST", "127.0.0.1", 1);
	setenv("HYPERSHELL_DATABASE_PORT", "1", 1);
	assert_int_equal(hs_config_load(&cfg, &paths), HS_OK);
	assert_int_equal(hs_store_open(cfg, &paths, HS_OPEN_CREATE, &s), HS_EDB);
	assert_null(s);
	assert_non_null(strstr(hs_detail(), "cannot connect to database postgresql://"));
	hs_config_free(cfg);
	unsetenv("HYPERSHELL_DATABASE_PROVIDER");
	unsetenv("HYPERSHELL_DATABASE_HOST");
	unsetenv("HYPERSHELL_DATABASE_PORT");
	hs_paths_free(&paths);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_open_missing),
		T(test_create_makes_schema),
		T(test_not_a_database),
		T(test_directory_refused),
		T(test_empty_file_needs_init),
		T(test_newer_schema_refused),
		T(test_foreign_database_adopted_by_init),
		T(test_schema_1_is_migrated),
		T(test_incompatible_task_table),
		T(test_insert_and_select_round_trip),
		T(test_get_by_id),
		T(test_duplicate_id_refused),
		T(test_where_conditions),
		T(test_tag_conditions),
		T(test_order_and_limit),
		T(test_callback_error_stops_select),
		T(test_too_many_conditions),
		T(test_change_set_fields),
		T(test_change_tags),
		T(test_cancel_only_unfinished),
		T(test_revert_and_delete),
		T(test_tag_keys_and_values),
		T(test_active_group),
		T(test_schedule_and_requeue),
		T(test_group_state_and_exhausted),
		T(test_transactions),
		T(test_read_only_mode),
		T(test_truncate_and_vacuum),
		T(test_backup),
		T(test_pragmas_applied),
		T(test_pragmas_checked),
		T(test_store_open_from_config),
	};

	hs_log_threshold = HS_ERROR;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
