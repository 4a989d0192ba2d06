/* cmd_run.c: hs run: submit one task, wait for a client to run it, then
 * print what it wrote (the client must run with --capture) and exit with
 * its status. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "opt.h"
#include "store.h"
#include "submit.h"

enum { O_INTERVAL = 1, O_TAG };

static const struct hs_opt run_opts[] = {
	{O_INTERVAL, 'n', "interval", NULL, OPT_VALUE, "SEC", "Seconds between checks (1).", 0},
	{O_TAG, 't', "tag", NULL, OPT_MULTI, "TAG", "Tags: KEY or KEY:VALUE.", 0},
	{0, 0, NULL, NULL, 0, NULL, NULL, 0},
};

static const struct hs_cmdspec run_spec = {
	.prog = "hs run",
	.summary = "Submit one task, wait until a client has run it, print its captured\n"
	           "output, and exit with its exit status.",
	.positional = "-- ARGS...",
	.poshelp = "The command.",
	.opts = run_opts,
};

struct runcmd {
	char **words;
	size_t nwords;
	double interval;
	struct hs_tags tags;
};

static hs_err
on_option(void *ctx, int id, const char *val)
{
	struct runcmd *r = ctx;
	char **nw, *end;

	switch (id) {
	case 0:
		if ((nw = realloc(r->words, (r->nwords + 1) * sizeof *nw)) == NULL)
			return HS_ENOMEM;
		r->words = nw;
		r->words[r->nwords++] = (char *)val;
		return HS_OK;
	case O_INTERVAL:
		errno = 0;
		r->interval = strtod(val, &end);
		if (errno || end == val || *end || !(r->interval > 0) || r->interval > 86400)
			return hs_fail(HS_EUSAGE, "-n/--interval expects seconds > 0");
		return HS_OK;
	case O_TAG:
		return hs_tags_add_arg(&r->tags, val);
	}
	return HS_EINTERNAL;
}

static hs_err
submit_one(struct hs_app *app, struct runcmd *r, struct hs_store *st, char *id)
{
	struct hs_submit_opts o = {.store = st, .tags = r->tags, .bundlesize = 1,
	                           .maxline = (size_t)cfg_int(app->cfg, "submit.max_line_length")};
	struct hs_submitter *sub = NULL;
	char why[96];
	hs_err e;

	if ((e = st->ops->active_group(st, &o.group, why, sizeof why)) == HS_OK &&
	    (e = hs_submitter_new(&o, &sub)) == HS_OK &&
	    (e = hs_submitter_args(sub, r->words, r->nwords)) == HS_OK)
		memcpy(id, hs_submitter_last_id(sub), HS_UUID_STRLEN + 1);
	hs_submitter_free(sub);
	return e;
}

static hs_err
run(struct hs_app *app, struct runcmd *r, int *code)
{
	struct hs_store *st = NULL;
	char id[HS_UUID_STRLEN + 1];
	int64_t status = 0;
	hs_err e;

	if (r->nwords == 0)
		return hs_fail(HS_EUSAGE, "hs run: no command given");
	if ((e = hs_paths_ensure(&app->paths)) != HS_OK ||
	    (e = hs_store_open(app->cfg, &app->paths, HS_OPEN_CREATE, &st)) != HS_OK)
		return e;
	hs_app_signals();
	if ((e = submit_one(app, r, st, id)) == HS_OK &&
	    (e = hs_wait_task(st, id, r->interval, &status)) == HS_OK &&
	    (e = hs_info_output(st, id, false)) == HS_OK)
		e = hs_info_output(st, id, true);
	hs_store_close(st);
	*code = hs_status_exit_code(status);
	return e;
}

int
cmd_run(struct hs_app *app, int argc, char **argv)
{
	struct runcmd r = {.interval = 1};
	bool helped;
	int code = 0;
	hs_err e;

	e = hs_opt_parse(&run_spec, argc, argv, on_option, &r, &helped);
	if (e == HS_OK && !helped)
		e = run(app, &r, &code);
	free(r.words);
	hs_tags_free(&r.tags);
	fflush(stdout);
	return e == HS_OK ? code : hs_app_fail(e);
}
