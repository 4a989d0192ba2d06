/* cmd.c: the dispatch tables and the set-up every command shares. */
#include "cmd.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

volatile sig_atomic_t hs_interrupted;

const struct hs_cmd hs_commands[] = {
	{"cluster", cmd_cluster, "Run a server and its clients in one command (hsx)."},
	{"server", cmd_server, "Serve tasks to clients over TLS."},
	{"client", cmd_client, "Run tasks from a server."},
	{"submit", cmd_submit, "Submit tasks to the database."},
	{"list", cmd_list, "Search tasks in the database."},
	{"info", cmd_info, "Show the details of one task."},
	{"wait", cmd_wait, "Wait for a task to finish."},
	{"run", cmd_run, "Submit one task, wait for it, print its output."},
	{"update", cmd_update, "Change, cancel, revert or delete tasks."},
	{"initdb", cmd_initdb, "Create, upgrade, truncate, vacuum or back up the database."},
	{"config", cmd_config, "Read and change the configuration."},
	{"task", cmd_task, "Legacy task commands (submit, info, wait, search, update)."},
	{NULL, NULL, NULL},
};

const struct hs_cmd hs_task_commands[] = {
	{"submit", cmd_task_submit, "Submit one task and print its id."},
	{"info", cmd_info, "Show the details of one task."},
	{"wait", cmd_wait, "Wait for a task to finish."},
	{"run", cmd_run, "Submit one task, wait for it, print its output."},
	{"search", cmd_list, "Search tasks in the database."},
	{"update", cmd_update, "Change, cancel, revert or delete tasks."},
	{NULL, NULL, NULL},
};

const struct hs_cmd *
hs_cmd_find(const struct hs_cmd *table, const char *name)
{
	for (const struct hs_cmd *c = table; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static void
on_signal(int sig)
{
	hs_interrupted = sig;
}

void
hs_app_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;  /* no SA_RESTART: blocking reads return EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static hs_err
setup_logging(struct hs_config *cfg)
{
	const char *level = cfg_str(cfg, "logging.level");
	const char *style = cfg_str(cfg, "logging.style");
	struct cfg_value color;
	hs_err e = cfg_get(cfg, "logging.color", &color);

	if (e != HS_OK)
		return e;
	return hs_log_setup(level ? hs_log_level_parse(level) : HS_INFO,
	                    style ? hs_log_style_parse(style) : HS_STYLE_DEFAULT,
	                    color.null || color.b ? -1 : 0,
	                    cfg_str(cfg, "logging.datefmt"),
	                    cfg_str(cfg, "logging.format"));
}

hs_err
hs_app_init(struct hs_app *app, const char *logger_name)
{
	hs_err e;

	hs_log_set_name(logger_name);
	app->cfg = NULL;
	if ((e = hs_paths_init(&app->paths)) != HS_OK)
		return e;
	if ((e = hs_config_load(&app->cfg, &app->paths)) != HS_OK)
		return e;
	return setup_logging(app->cfg);
}

void
hs_app_free(struct hs_app *app)
{
	hs_config_free(app->cfg);
	app->cfg = NULL;
	hs_paths_free(&app->paths);
}

int
hs_app_fail(hs_err e)
{
	const char *d = hs_detail();

	if (e == HS_OK)
		return 0;
	if (*d != '\0')
		log_critical("%s", d);
	else if (e != HS_EUSAGE)
		log_critical("%s", hs_strerror(e));
	return hs_exit_code(e);
}
