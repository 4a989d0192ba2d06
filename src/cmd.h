/* cmd.h: the subcommands and what they share.
 *
 * main.c resolves the command name through one dispatch table (cmd.c) and
 * calls its function with argv starting at the command name. Each command
 * lives in its own cmd_<name>.c and returns a process exit code.
 */
#ifndef HS_CMD_H
#define HS_CMD_H

#include <signal.h>
#include <stdbool.h>

#include "config.h"
#include "err.h"
#include "site.h"

struct hs_app {
	struct hs_paths paths;    /* site paths */
	struct hs_config *cfg;    /* loaded configuration; owned */
	const char *prog;         /* "hs" */
	const char *argv0;        /* the program as invoked (hsx runs clients with it) */
};

typedef int (*hs_cmd_fn)(struct hs_app *app, int argc, char **argv);

struct hs_cmd {
	const char *name;
	hs_cmd_fn fn;
	const char *summary;
};

/* Set by SIGINT/SIGTERM handlers installed by hs_app_signals(). */
extern volatile sig_atomic_t hs_interrupted;

/* The dispatch tables: top-level commands and the legacy `hs task` group. */
extern const struct hs_cmd hs_commands[];
extern const struct hs_cmd hs_task_commands[];
const struct hs_cmd *hs_cmd_find(const struct hs_cmd *table, const char *name);

/* Paths, configuration and logging for a command. */
hs_err hs_app_init(struct hs_app *app, const char *logger_name);
void hs_app_free(struct hs_app *app);
/* Install SIGINT/SIGTERM handlers that set hs_interrupted (no restart). */
void hs_app_signals(void);
/* Log the detail of e (if any) and return its exit code. */
int hs_app_fail(hs_err e);

struct hs_store;

/* hs info's printing, shared with hs wait --info. */
hs_err hs_info_format(const char *val, int *out);
hs_err hs_info_print(struct hs_store *st, const char *id, int format, int field);
/* Copy a task's captured stdout (or stderr) to ours. */
hs_err hs_info_output(struct hs_store *st, const char *id, bool errors);

/* hs wait's loop (shared with hs run): poll until the task has a status. */
hs_err hs_wait_task(struct hs_store *st, const char *id, double interval,
                    int64_t *status);
/* The process exit code standing for a task's status (128+N for signal
 * N, 125 for a task that never ran). */
int hs_status_exit_code(int64_t status);

int cmd_run(struct hs_app *app, int argc, char **argv);
int cmd_submit(struct hs_app *app, int argc, char **argv);
int cmd_task_submit(struct hs_app *app, int argc, char **argv);
int cmd_list(struct hs_app *app, int argc, char **argv);
int cmd_info(struct hs_app *app, int argc, char **argv);
int cmd_wait(struct hs_app *app, int argc, char **argv);
int cmd_update(struct hs_app *app, int argc, char **argv);
int cmd_initdb(struct hs_app *app, int argc, char **argv);
int cmd_config(struct hs_app *app, int argc, char **argv);
int cmd_task(struct hs_app *app, int argc, char **argv);
int cmd_server(struct hs_app *app, int argc, char **argv);
int cmd_client(struct hs_app *app, int argc, char **argv);
int cmd_cluster(struct hs_app *app, int argc, char **argv);

#endif
