/* schedule.c: the database side of scheduling, without task processes:
 * W worker processes, each with its own connection to the configured
 * database (as each hs server has), loop "schedule up to B tasks, store
 * a result for each, commit" until nothing is left. Prints the tasks
 * done per second by all. It measures what several servers sharing one
 * PostgreSQL database add, away from process creation, which dominates
 * real tasks on a small machine.
 *   schedule W [B]   (database from the usual configuration/environment) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "store.h"
#include "timestamp.h"
#include "uuid.h"

struct worker {
	struct hs_store *st;
	int64_t done;
};

static hs_err
finish(void *arg, const struct hs_task *tasks, size_t n)
{
	struct worker *w = arg;
	struct hs_outcome out;
	char now[HS_TS_LEN + 1];
	hs_err e = w->st->ops->begin(w->st);

	hs_ts_format(hs_now_us(), now);
	for (size_t i = 0; i < n && e == HS_OK; i++) {
		struct hs_task r = tasks[i];
		r.f[HS_F_START_TIME] = (struct hs_cell){.s = now};
		r.f[HS_F_COMPLETION_TIME] = (struct hs_cell){.s = now};
		r.f[HS_F_EXIT_STATUS] = (struct hs_cell){.i = 0};
		r.f[HS_F_COMMAND] = r.f[HS_F_ARGS];
		e = w->st->ops->complete(w->st, &r, r.f[HS_F_CLIENT_ID].s, "bench", 1, &out);
	}
	if (e == HS_OK)
		e = w->st->ops->commit(w->st);
	w->done += (int64_t)n;
	return e;
}

static int
work(struct hs_app *app, int batch)
{
	struct worker w = {0};
	struct hs_lease l = {NULL, "bench", NULL, "bench", ""};
	char sid[HS_UUID_STRLEN + 1], cid[HS_UUID_STRLEN + 1];
	int64_t before;

	hs_uuid7(sid);
	hs_uuid7(cid);
	l.server_id = sid;
	l.client_id = cid;
	if (hs_store_open(app->cfg, &app->paths, HS_OPEN_WRITE, &w.st) != HS_OK) {
		fprintf(stderr, "schedule: %s\n", hs_detail());
		return 1;
	}
	do {
		before = w.done;
		hs_ts_format(hs_now_us(), l.schedule_time);
		if (w.st->ops->schedule(w.st, 0, batch, false, &l, finish, &w) != HS_OK) {
			fprintf(stderr, "schedule: %s\n", hs_detail());
			return 1;
		}
	} while (w.done > before);
	hs_store_close(w.st);
	return 0;
}

int
main(int argc, char **argv)
{
	struct hs_app app = {.prog = "schedule"};
	int workers = argc > 1 ? atoi(argv[1]) : 1, batch = argc > 2 ? atoi(argv[2]) : 100;
	int64_t t0, t1, total = 0;
	struct hs_store *st;
	int bad = 0, status;

	if (workers < 1 || batch < 1 || hs_app_init(&app, "hypershell.bench") != HS_OK) {
		fprintf(stderr, "usage: schedule WORKERS [BATCH]\n");
		return 2;
	}
	t0 = hs_mono_ms();
	for (int i = 0; i < workers; i++)
		if (fork() == 0)
			_exit(work(&app, batch));
	for (int i = 0; i < workers; i++)
		bad += wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	t1 = hs_mono_ms();
	if (hs_store_open(app.cfg, &app.paths, HS_OPEN_READ, &st) == HS_OK) {
		struct hs_cond c = {.field = HS_F_EXIT_STATUS, .op = HS_OP_EQ};
		struct hs_query q = {.conds = &c, .nconds = 1, .order = -1, .limit = -1};
		snprintf(c.text, sizeof c.text, "0");
		c.value = (struct hs_cell){.i = 0};
		st->ops->count(st, &q, &total);
		hs_store_close(st);
	}
	printf("%d workers: %lld tasks in %.2fs = %.0f tasks/s\n", workers, (long long)total,
	       (double)(t1 - t0) / 1000, (double)total * 1000 / (double)(t1 - t0 ? t1 - t0 : 1));
	hs_app_free(&app);
	return bad ? 1 : 0;
}
