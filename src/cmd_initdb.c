/* cmd_initdb.c: hs initdb: create or upgrade the schema, truncate, vacuum,
 * back up. Only --truncate destroys data, so only it asks for
 * confirmation: a prompt on a terminal, --yes anywhere else. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "log.h"
#include "opt.h"
#include "store.h"

enum { O_TRUNCATE = 1, O_VACUUM, O_BACKUP, O_YES };

#define ACTION_GROUP 1

static const struct hs_opt initdb_opts[] = {
	{O_TRUNCATE, 't', "truncate", NULL, OPT_FLAG, NULL, "Delete every task and client.",
	 ACTION_GROUP},
	{O_VACUUM, 'v', "vacuum", NULL, OPT_FLAG, NULL, "Compact the database file.", ACTION_GROUP},
	{O_BACKUP, 'b', "backup", NULL, OPT_VALUE, "PATH",
	 "Write a consistent copy of the database to PATH.", ACTION_GROUP},
	{O_YES, 'y', "yes", NULL, OPT_FLAG, NULL,
	 "Do not ask for confirmation (required for --truncate without a terminal).", 0},
	{0, 0, NULL, NULL, 0, NULL, NULL, 0},
};

static const struct hs_cmdspec initdb_spec = {
	.prog = "hs initdb",
	.summary = "Create the database schema, or upgrade an older one. A newer schema\n"
	           "is never touched.",
	.opts = initdb_opts,
};

struct initdb {
	int action;
	const char *path;
	bool yes;
};

static hs_err
on_option(void *ctx, int id, const char *val)
{
	struct initdb *in = ctx;

	if (id == O_YES)
		in->yes = true;
	else
		in->action = id;
	if (id == O_BACKUP)
		in->path = val;
	return HS_OK;
}

static hs_err
confirm_truncate(const char *where, bool yes)
{
	char line[16];

	if (yes)
		return HS_OK;
	if (!isatty(STDIN_FILENO))
		return hs_fail(HS_EUSAGE, "--truncate deletes every task in %s; add --yes to "
		               "confirm when not on a terminal", where);
	printf("Delete every task in %s? yes/[no]: ", where);
	fflush(stdout);
	if (fgets(line, sizeof line, stdin) == NULL ||
	    (strcmp(line, "yes\n") != 0 && strcmp(line, "y\n") != 0))
		return hs_fail(HS_EUSAGE, "not confirmed; nothing changed");
	return HS_OK;
}

static hs_err
run(struct hs_app *app, struct initdb *in)
{
	struct hs_store *st = NULL;
	hs_err e;

	if (in->action == 0 && (e = hs_paths_ensure(&app->paths)) != HS_OK)
		return e;
	e = hs_store_open(app->cfg, &app->paths,
	                  in->action == 0 ? HS_OPEN_INIT : HS_OPEN_WRITE, &st);
	if (e != HS_OK)
		return e;
	switch (in->action) {
	case 0:
		log_info("Initialized database (%s)", st->ops->describe(st));
		break;
	case O_TRUNCATE:
		if ((e = confirm_truncate(st->ops->describe(st), in->yes)) == HS_OK &&
		    (e = st->ops->truncate(st)) == HS_OK)
			log_info("Truncated database (%s)", st->ops->describe(st));
		break;
	case O_VACUUM:
		if ((e = st->ops->vacuum(st)) == HS_OK)
			log_info("Vacuumed database (%s)", st->ops->describe(st));
		break;
	case O_BACKUP:
		if ((e = st->ops->backup(st, in->path)) == HS_OK)
			log_info("Backup written to %s", in->path);
		break;
	}
	hs_store_close(st);
	return e;
}

int
cmd_initdb(struct hs_app *app, int argc, char **argv)
{
	struct initdb in = {0};
	bool helped;
	hs_err e = hs_opt_parse(&initdb_spec, argc, argv, on_option, &in, &helped);

	if (e == HS_OK && !helped)
		e = run(app, &in);
	return hs_app_fail(e);
}
