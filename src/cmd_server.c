/* cmd_server.c: hs server: options and the combinations they allow;
 * serve.c opens the rest (key, database, FILE feeder), then server.c's
 * loop runs. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "opt.h"
#include "serve.h"
#include "units.h"

enum {
	O_BIND = 1, O_PORT, O_AUTH, O_NO_TLS, O_TLS_CERT, O_TLS_KEY, O_TLS_CA,
	O_BUNDLESIZE, O_BUNDLEWAIT, O_POLL, O_RETRIES, O_EAGER, O_FOREVER, O_RESTART,
	O_NO_DB, O_INITDB, O_NO_CONFIRM, O_PRINT, O_FAILURES, O_CORES, O_MEMORY,
	O_TIMEOUT,
};

#define G_RUN 1     /* --forever | --restart */
#define G_DB 2      /* --no-db | --initdb */
#define G_FAIL 3    /* --print | -f */

static const struct hs_opt server_opts[] = {
	{O_BIND, 'H', "bind", NULL, OPT_VALUE, "ADDR", "Address to listen on (server.bind).", 0},
	{O_PORT, 'p', "port", NULL, OPT_VALUE, "NUM", "Port (server.port, 50001).", 0},
	{O_AUTH, 'k', "auth", NULL, OPT_VALUE, "KEY", "Authentication key (server.auth).", 0},
	{O_NO_TLS, 0, "no-tls", NULL, OPT_FLAG, NULL, "Disable TLS (not recommended).", 0},
	{O_TLS_CERT, 0, "tls-cert", NULL, OPT_VALUE, "PATH", "Server certificate.", 0},
	{O_TLS_KEY, 0, "tls-key", NULL, OPT_VALUE, "PATH", "Server private key.", 0},
	{O_TLS_CA, 0, "tls-ca", NULL, OPT_VALUE, "PATH", "Accepted for parity (clients use it).", 0},
	{O_BUNDLESIZE, 'b', "bundlesize", NULL, OPT_VALUE, "NUM", "Tasks per bundle (1).", 0},
	{O_BUNDLEWAIT, 'w', "bundlewait", NULL, OPT_VALUE, "SEC", "Batch wait for FILE input (5).", 0},
	{O_POLL, 'Q', "poll", NULL, OPT_VALUE, "SEC", "Longest wait between database scans (30).", 0},
	{O_RETRIES, 'r', "max-retries", NULL, OPT_VALUE, "NUM", "Retries of a failed task (0).", 0},
	{O_EAGER, 0, "eager", NULL, OPT_FLAG, NULL, "Schedule retries before new tasks.", 0},
	{O_FOREVER, 0, "forever", NULL, OPT_FLAG, NULL, "Keep serving when all is done.", G_RUN},
	{O_RESTART, 0, "restart", NULL, OPT_FLAG, NULL,
	 "Serve what the database holds (re-run what never finished).", G_RUN},
	{O_NO_DB, 0, "no-db", NULL, OPT_FLAG, NULL, "Keep tasks in memory only.", G_DB},
	{O_INITDB, 0, "initdb", NULL, OPT_FLAG, NULL, "Initialise the database first.", G_DB},
	{O_NO_CONFIRM, 0, "no-confirm", NULL, OPT_FLAG, NULL, "Clients skip confirmations.", 0},
	{O_PRINT, 0, "print", NULL, OPT_FLAG, NULL, "Print args of failed tasks on stdout.", G_FAIL},
	{O_FAILURES, 'f', "failures", NULL, OPT_VALUE, "PATH",
	 "Write args of failed tasks to PATH ('-' for stdout).", G_FAIL},
	{O_CORES, 'c', "task-cores", NULL, OPT_VALUE, "NUM", "Cores of each task from FILE.", 0},
	{O_MEMORY, 'm', "task-memory", NULL, OPT_VALUE, "MEM", "Memory of each task from FILE.", 0},
	{O_TIMEOUT, 'W', "task-timeout", NULL, OPT_VALUE, "SEC", "Timeout of each task from FILE.", 0},
	{0, 0, NULL, NULL, 0, NULL, NULL, 0},
};

static const struct hs_cmdspec server_spec = {
	.prog = "hs server",
	.summary = "Serve tasks from the database (and FILE, '-' for stdin) to clients over\n"
	           "an authenticated, encrypted connection; store their results.",
	.positional = "FILE",
	.poshelp = "Tasks to submit first, one per line.",
	.opts = server_opts,
};

struct servercmd {
	struct hs_serve sv;
	bool restart;
};

/* -H (the address to bind) .. --tls-ca are hs_netopt's order. */
static hs_err
net_option(struct hs_netcli *cli, int id, const char *val)
{
	return hs_netcli_set(cli, (enum hs_netopt)(id - O_BIND), val);
}

static hs_err
task_option(struct hs_taskopts *t, int id, const char *val)
{
	switch (id) {
	case O_CORES:
		t->has_cores = true;
		return hs_opt_int("-c/--task-cores", val, 0, &t->cores);
	case O_TIMEOUT:
		t->has_timeout = true;
		return hs_opt_int("-W/--task-timeout", val, 0, &t->timeout);
	case O_MEMORY:
		t->has_memory = true;
		return hs_parse_size(val, &t->memory) == HS_OK ? HS_OK
		       : hs_fail(HS_EUSAGE, "-m/--task-memory expects a size such as 512MB");
	}
	return HS_EINTERNAL;
}

static hs_err
on_option(void *ctx, int id, const char *val)
{
	struct servercmd *c = ctx;
	struct hs_serve *sv = &c->sv;
	int64_t n;
	hs_err e;

	switch (id) {
	case 0:
		if (sv->file != NULL)
			return hs_fail(HS_EUSAGE, "hs server takes one FILE");
		sv->file = val;
		return HS_OK;
	case O_BUNDLESIZE:
		e = hs_opt_int("-b/--bundlesize", val, 1, &n);
		sv->so.bundlesize = (int)(n > 100000 ? 100000 : n);
		return e;
	case O_BUNDLEWAIT: return hs_opt_seconds("-w/--bundlewait", val, false, &sv->so.bundlewait);
	case O_POLL: return hs_opt_seconds("-Q/--poll", val, false, &sv->so.poll);
	case O_RETRIES: return hs_opt_int("-r/--max-retries", val, 0, &sv->retries);
	case O_EAGER: sv->so.eager = true; return HS_OK;
	case O_FOREVER: sv->so.forever = true; return HS_OK;
	case O_RESTART: c->restart = true; return HS_OK;
	case O_NO_DB: sv->no_db = true; return HS_OK;
	case O_INITDB: sv->initdb = true; return HS_OK;
	case O_NO_CONFIRM: sv->so.no_confirm = true; return HS_OK;
	case O_PRINT: sv->print_failures = true; return HS_OK;
	case O_FAILURES: sv->failures_path = val; return HS_OK;
	case O_CORES: case O_MEMORY: case O_TIMEOUT: return task_option(&sv->sub.cli, id, val);
	default: return net_option(&sv->cli, id, val);
	}
}

static hs_err
check_combinations(struct servercmd *c)
{
	const struct hs_serve *sv = &c->sv;

	if (sv->file != NULL && (sv->so.forever || c->restart))
		return hs_fail(HS_EUSAGE, "FILE cannot be combined with --forever or --restart");
	if (sv->no_db && (sv->so.forever || c->restart))
		return hs_fail(HS_EUSAGE, "--no-db cannot be combined with --forever or --restart");
	if (sv->no_db && sv->file == NULL)
		return hs_fail(HS_EUSAGE, "--no-db needs a FILE of tasks ('-' for stdin)");
	return HS_OK;
}

static hs_err
run(struct servercmd *c, int *code)
{
	struct hs_serve *sv = &c->sv;
	struct hs_server_hooks hooks = {.arg = sv, .adding = hs_serve_adding};
	hs_err e;

	if ((e = check_combinations(c)) != HS_OK || (e = hs_serve_open(sv)) != HS_OK)
		return e;
	sv->so.hooks = &hooks;
	return hs_server_run(&sv->so, code, NULL);
}

int
cmd_server(struct hs_app *app, int argc, char **argv)
{
	struct servercmd c;
	bool helped;
	int code = 0;
	hs_err e;

	memset(&c, 0, sizeof c);
	hs_serve_init(&c.sv, app);
	e = hs_opt_parse(&server_spec, argc, argv, on_option, &c, &helped);
	if (e == HS_OK && !helped)
		e = run(&c, &code);
	hs_serve_close(&c.sv);
	return e == HS_OK ? code : hs_app_fail(e);
}
