/* cmd_wait.c: hs wait ID. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "log.h"
#include "opt.h"
#include "output.h"
#include "store.h"
#include "uuid.h"

enum { O_INTERVAL = 1, O_INFO, O_STATUS, O_RETURN, O_FORMAT, O_JSON, O_YAML };

#define ACTION_GROUP 1
#define FORMAT_GROUP 2

static const struct hs_opt wait_opts[] = {
	{O_INTERVAL, 'n', "interval", NULL, OPT_VALUE, "SEC",
	 "Seconds between checks (default: 5).", 0},
	{O_INFO, 'i', "info", NULL, OPT_FLAG, NULL, "Then print the task as hs info does.",
	 ACTION_GROUP},
	{O_STATUS, 's', "status", NULL, OPT_FLAG, NULL, "Then print its exit status.", ACTION_GROUP},
	{O_RETURN, 'r', "return", NULL, OPT_FLAG, NULL,
	 "Then exit with its exit status (128+N if killed by signal N; 125 if it never "
	 "ran, e.g. cancelled).", ACTION_GROUP},
	{O_FORMAT, 'f', "format", NULL, OPT_VALUE, "FORMAT",
	 "Format for --info: normal, json or yaml.", FORMAT_GROUP},
	{O_JSON, 0, "json", NULL, OPT_FLAG, NULL, "Same as --format=json.", FORMAT_GROUP},
	{O_YAML, 0, "yaml", NULL, OPT_FLAG, NULL, "Same as --format=yaml.", FORMAT_GROUP},
	{0, 0, NULL, NULL, 0, NULL, NULL, 0},
};

static const struct hs_cmdspec wait_spec = {
	.prog = "hs wait",
	.summary = "Wait until a task has finished (or was cancelled).",
	.positional = "ID",
	.poshelp = "The task's id.",
	.opts = wait_opts,
};

struct wait {
	const char *id;
	double interval;
	int action;
	int format;
	/* the task's state, read by poll_task */
	bool done;
	int64_t status;
	char completed[64];
};

static hs_err
on_option(void *ctx, int id, const char *val)
{
	struct wait *w = ctx;
	char *end;

	switch (id) {
	case 0:
		if (w->id != NULL)
			return hs_fail(HS_EUSAGE, "hs wait: one ID only");
		w->id = val;
		return HS_OK;
	case O_INTERVAL:
		errno = 0;
		w->interval = strtod(val, &end);
		if (errno || end == val || *end || !(w->interval > 0) || w->interval > 86400)
			return hs_fail(HS_EUSAGE, "-n/--interval expects seconds > 0, got '%s'", val);
		return HS_OK;
	case O_FORMAT: return hs_info_format(val, &w->format);
	case O_JSON: w->format = HS_FMT_JSON; return HS_OK;
	case O_YAML: w->format = HS_FMT_YAML; return HS_OK;
	default: w->action = id; return HS_OK;
	}
}

static hs_err
poll_task(void *arg, const struct hs_task *t)
{
	struct wait *w = arg;

	w->done = !t->f[HS_F_EXIT_STATUS].null;
	w->status = t->f[HS_F_EXIT_STATUS].i;
	snprintf(w->completed, sizeof w->completed, "%s",
	         t->f[HS_F_COMPLETION_TIME].null ? "null" : t->f[HS_F_COMPLETION_TIME].s);
	return HS_OK;
}

static hs_err
sleep_interval(double sec)
{
	struct timespec ts = {(time_t)sec, (long)((sec - floor(sec)) * 1e9)};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		if (hs_interrupted)
			return hs_fail(HS_EINTR, NULL);
	return hs_interrupted ? hs_fail(HS_EINTR, NULL) : HS_OK;
}

static hs_err
wait_done(struct hs_store *st, struct wait *w)
{
	hs_err e;

	log_info("Waiting on task (%s)", w->id);
	for (;;) {
		if ((e = hs_store_get(st, w->id, poll_task, w)) != HS_OK || w->done)
			break;
		log_trace("Waiting (%s)", w->id);
		if ((e = sleep_interval(w->interval)) != HS_OK)
			return e;
	}
	if (e != HS_OK)
		return e;
	if (w->status != 0)
		log_warning("Non-zero exit status (%lld) for task (%s)", (long long)w->status,
		            w->id);
	log_info("Task completed (%s)", w->completed);
	return HS_OK;
}

hs_err
hs_wait_task(struct hs_store *st, const char *id, double interval, int64_t *status)
{
	struct wait w = {.id = id, .interval = interval};
	hs_err e = wait_done(st, &w);

	*status = w.status;
	return e;
}

/* The process exit code that stands for a task's exit status. */
int
hs_status_exit_code(int64_t status)
{
	if (status >= 0)
		return (int)(status & 0xff);
	if (status >= -128)
		return (int)(128 - status);
	return 125;
}

static int
run(struct hs_app *app, struct wait *w)
{
	struct hs_store *st = NULL;
	hs_err e;
	int rc = -1;

	if (!hs_uuid_valid(w->id))
		return hs_app_fail(hs_fail(HS_EUSAGE, "Bad UUID: '%s'", w->id));
	if ((e = hs_store_open(app->cfg, &app->paths, HS_OPEN_READ, &st)) == HS_OK)
		e = wait_done(st, w);
	if (e == HS_OK && w->action == O_INFO)
		e = hs_info_print(st, w->id, w->format, -1);
	else if (e == HS_OK && w->action == O_STATUS)
		printf("%lld\n", (long long)w->status);
	else if (e == HS_OK && w->action == O_RETURN)
		rc = hs_status_exit_code(w->status);
	hs_store_close(st);
	fflush(stdout);
	return rc >= 0 ? rc : hs_app_fail(e);
}

int
cmd_wait(struct hs_app *app, int argc, char **argv)
{
	struct wait w = {.interval = 5, .format = HS_FMT_NORMAL};
	bool helped;
	hs_err e;

	e = hs_opt_parse(&wait_spec, argc, argv, on_option, &w, &helped);
	if (e != HS_OK || helped)
		return hs_app_fail(e);
	if (w.id == NULL)
		return hs_app_fail(hs_fail(HS_EUSAGE, "hs wait: missing task ID"));
	hs_app_signals();
	return run(app, &w);
}
