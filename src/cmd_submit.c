/* cmd_submit.c: hs submit, and the legacy hs task submit: options,
 * configuration defaults, the source of input and the report; submit.c
 * stores the tasks.
 * Bad lines are reported and skipped; the exit status is then 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "liveq.h"
#include "log.h"
#include "netcfg.h"
#include "opt.h"
#include "store.h"
#include "submit.h"
#include "units.h"

enum {
	O_FILE = 1, O_TEMPLATE, O_TAG, O_GROUP, O_CORES, O_MEMORY, O_TIMEOUT,
	O_BUNDLESIZE, O_BUNDLEWAIT, O_INITDB, O_QUEUE,
	O_HOST, O_PORT, O_AUTH, O_NO_TLS, O_TLS_CERT, O_TLS_KEY, O_TLS_CA,   /* enum hs_netopt order */
};

#define LIVEQ_TIMEOUT 60   /* seconds to connect, or for the server to store a batch */

static const struct hs_opt submit_opts[] = {
	{O_FILE, 'f', "task-file", NULL, OPT_VALUE, "FILE", "Read tasks from FILE ('-' for stdin).", 0},
	{O_TEMPLATE, 0, "template", NULL, OPT_VALUE, "CMD",
	 "Expand each line with this template before storing it (default: {}).", 0},
	{O_TAG, 't', "tag", NULL, OPT_MULTI, "TAG", "Tags for every task: KEY or KEY:VALUE.", 0},
	{O_GROUP, 'g', "group", NULL, OPT_VALUE, "NUM", "Task group (default: the active group).", 0},
	{O_CORES, 'c', "cores", NULL, OPT_VALUE, "NUM", "Cores each task needs.", 0},
	{O_MEMORY, 'm', "memory", NULL, OPT_VALUE, "MEM", "Memory each task needs (e.g. 512MB).", 0},
	{O_TIMEOUT, 'W', "timeout", NULL, OPT_VALUE, "SEC", "Time limit of each task in seconds.", 0},
	{O_BUNDLESIZE, 'b', "bundlesize", NULL, OPT_VALUE, "NUM",
	 "Tasks gathered before committing while input is slow (default: 1).", 0},
	{O_BUNDLEWAIT, 'w', "bundlewait", NULL, OPT_VALUE, "SEC",
	 "Longest wait before committing a partial batch (default: 5).", 0},
	{O_INITDB, 0, "initdb", NULL, OPT_FLAG, NULL,
	 "Initialise (or upgrade) the database first.", 0},
	{O_QUEUE, 'q', "queue", NULL, OPT_FLAG, NULL,
	 "Send the tasks to a running server (-H, -p, -k) instead of the database.", 0},
	{O_HOST, 'H', "host", NULL, OPT_VALUE, "ADDR", "Server address for -q (server.host).", 0},
	{O_PORT, 'p', "port", NULL, OPT_VALUE, "NUM", "Server port for -q (server.port).", 0},
	{O_AUTH, 'k', "auth", NULL, OPT_VALUE, "KEY", "Authentication key for -q (server.auth).", 0},
	{O_NO_TLS, 0, "no-tls", NULL, OPT_FLAG, NULL, "With -q: disable TLS (not recommended).", 0},
	{O_TLS_CERT, 0, "tls-cert", NULL, OPT_VALUE, "PATH", "Accepted for parity.", 0},
	{O_TLS_KEY, 0, "tls-key", NULL, OPT_VALUE, "PATH", "Accepted for parity.", 0},
	{O_TLS_CA, 0, "tls-ca", NULL, OPT_VALUE, "PATH", "With -q: CA to verify the server with.", 0},
	{0, 0, NULL, NULL, 0, NULL, NULL, 0},
};

static const struct hs_cmdspec submit_spec = {
	.prog = "hs submit",
	.summary = "Submit tasks to the database: one task from ARGS, or one task per line\n"
	           "of FILE or standard input. A line may end in '#HYPERSHELL k:v ...' to\n"
	           "tag it (group, cores, memory and timeout set those columns); a line\n"
	           "holding only such a comment applies to the lines that follow.",
	.positional = "ARGS...",
	.poshelp = "A command (a single FILE that is not executable is read as a task file).",
	.opts = submit_opts,
};

static const struct hs_cmdspec task_submit_spec = {
	.prog = "hs task submit",
	.summary = "Submit one task and print its id.",
	.positional = "ARGS...",
	.poshelp = "The command.",
	.opts = submit_opts,
};

struct submit {
	char **args;                 /* positional words; owned array */
	size_t nargs;
	const char *file;            /* -f */
	bool initdb;
	bool queue;                  /* -q: to a running server */
	bool net_given;              /* -H, -p, -k or a TLS option */
	struct hs_netcli cli;
	struct hs_netcfg net;        /* -q: used by the connection until the end */
	bool print_id;               /* hs task submit */
	struct hs_submit_opts o;     /* everything the submitter needs */
	struct hs_app *app;
	struct hs_submitter *sub;
	const char *source;          /* "<args>", "<stdin>" or the file */
};

/* --- options ------------------------------------------------------------ */

static hs_err
take_positional(struct submit *s, const char *val)
{
	char **na = realloc(s->args, (s->nargs + 1) * sizeof *na);

	if (na == NULL)
		return HS_ENOMEM;
	s->args = na;
	s->args[s->nargs++] = (char *)val;
	return HS_OK;
}

static hs_err
on_option(void *ctx, int id, const char *val)
{
	struct submit *s = ctx;
	char *end;

	switch (id) {
	case 0: return take_positional(s, val);
	case O_FILE: s->file = val; return HS_OK;
	case O_TEMPLATE: s->o.tmpl = val; return HS_OK;
	case O_TAG: return hs_tags_add_arg(&s->o.tags, val);
	case O_GROUP:
		s->o.cli.has_group = true;
		return hs_opt_int("-g/--group", val, 0, &s->o.cli.group);
	case O_CORES:
		s->o.cli.has_cores = true;
		return hs_opt_int("-c/--cores", val, 0, &s->o.cli.cores);
	case O_TIMEOUT:
		s->o.cli.has_timeout = true;
		return hs_opt_int("-W/--timeout", val, 0, &s->o.cli.timeout);
	case O_MEMORY:
		s->o.cli.has_memory = true;
		if (hs_parse_size(val, &s->o.cli.memory) != HS_OK)
			return hs_fail(HS_EUSAGE, "-m/--memory expects a size such as 512MB, "
			               "got '%s'", val);
		return HS_OK;
	case O_BUNDLESIZE:
		return hs_opt_int("-b/--bundlesize", val, 1, &s->o.bundlesize);
	case O_BUNDLEWAIT:
		errno = 0;
		s->o.bundlewait = strtod(val, &end);
		if (errno != 0 || end == val || *end != '\0' || !(s->o.bundlewait >= 0))
			return hs_fail(HS_EUSAGE, "-w/--bundlewait expects seconds >= 0, got '%s'",
			               val);
		return HS_OK;
	case O_INITDB: s->initdb = true; return HS_OK;
	case O_QUEUE: s->queue = true; return HS_OK;
	}
	if (id >= O_HOST && id <= O_TLS_CA) {
		s->net_given = true;
		return hs_netcli_set(&s->cli, (enum hs_netopt)(id - O_HOST), val);
	}
	return HS_EINTERNAL;
}

/* Config defaults for what the command line did not set. */
static void
apply_defaults(struct submit *s)
{
	struct hs_config *c = s->app->cfg;

	if (s->o.bundlesize == 0)
		s->o.bundlesize = cfg_int(c, "submit.bundlesize");
	if (s->o.bundlewait < 0)
		s->o.bundlewait = cfg_double(c, "submit.bundlewait");
	s->o.maxline = (size_t)cfg_int(c, "submit.max_line_length");
	if (!s->o.cli.has_cores && cfg_int(c, "task.cores") > 0)
		s->o.cli.cores = cfg_int(c, "task.cores"), s->o.cli.has_cores = true;
	if (!s->o.cli.has_memory && cfg_int(c, "task.memory") > 0)
		s->o.cli.memory = cfg_int(c, "task.memory"), s->o.cli.has_memory = true;
	if (!s->o.cli.has_timeout && cfg_int(c, "task.timeout") > 0)
		s->o.cli.timeout = cfg_int(c, "task.timeout"), s->o.cli.has_timeout = true;
}

static bool
is_task_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) != 0;
}

static hs_err
submit_file(struct submit *s, const char *path)
{
	int fd = STDIN_FILENO;
	hs_err e;

	s->source = "<stdin>";
	if (strcmp(path, "-") != 0) {
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			return hs_fail(HS_EIO, "cannot open %s: %s", path, strerror(errno));
		s->source = path;
	}
	log_debug("Submitting from %s", s->source);
	e = hs_submitter_fd(s->sub, fd, s->source);
	if (fd != STDIN_FILENO)
		close(fd);
	return e;
}

static hs_err
choose_source(struct submit *s)
{
	if (s->file != NULL && s->nargs > 0)
		return hs_fail(HS_EUSAGE, "Cannot specify both -f/--task-file and positional "
		               "arguments");
	if (s->file != NULL)
		return submit_file(s, s->file);
	if (s->nargs == 0 || (s->nargs == 1 && strcmp(s->args[0], "-") == 0))
		return submit_file(s, "-");
	if (s->nargs == 1 && !s->print_id && is_task_file(s->args[0]))
		return submit_file(s, s->args[0]);
	s->source = "<args>";
	return hs_submitter_args(s->sub, s->args, s->nargs);
}

/* --- command ------------------------------------------------------------ */

static hs_err
open_store(struct submit *s)
{
	char why[96];
	hs_err e;

	e = hs_store_open(s->app->cfg, &s->app->paths,
	                  s->initdb ? HS_OPEN_INIT : HS_OPEN_CREATE, &s->o.store);
	if (e != HS_OK || s->o.cli.has_group)
		return e;
	e = s->o.store->ops->active_group(s->o.store, &s->o.group, why, sizeof why);
	if (e == HS_OK)
		log_debug("Auto-selected task group %lld (%s)", (long long)s->o.group, why);
	return e;
}

/* -q: connect to the server as a submitter. */
static hs_err
open_queue(struct submit *s)
{
	struct hs_netcfg *net = &s->net;
	struct hs_liveq_opts o = {.timeout = LIVEQ_TIMEOUT};
	hs_err e;

	if (s->initdb)
		return hs_fail(HS_EUSAGE, "-q/--queue cannot be combined with --initdb");
	if ((e = hs_netcfg_load(s->app, false, &s->cli, net)) == HS_OK) {
		if (net->key == NULL || strcmp(net->key, "<not-secure>") == 0)
			log_warning("Using the default authentication key: set server.auth (or -k) "
			            "to the server's key");
		o.host = net->host;
		o.port = net->port;
		o.key = net->key ? net->key : "<not-secure>";
		o.tls = net->tls;
		o.tlscfg = net->tlscfg;
		e = hs_liveq_open(&o, &s->o.queue);
	}
	if (!s->o.cli.has_group)
		s->o.group = -1;   /* the server's active group */
	return e;
}

static void
report(struct submit *s, hs_err e)
{
	int64_t n = hs_submitter_count(s->sub);

	if (e == HS_OK && s->print_id)
		printf("%s\n", hs_submitter_last_id(s->sub));
	else if (e == HS_OK && strcmp(s->source, "<args>") == 0)
		log_info("Submitted task (%s)", hs_submitter_last_id(s->sub));
	else if (n > 0 || e == HS_OK)
		log_info("Submitted %lld task%s", (long long)n, n == 1 ? "" : "s");
}

static hs_err
run(struct submit *s)
{
	int64_t bad;
	hs_err e;

	apply_defaults(s);
	if (s->net_given && !s->queue)
		return hs_fail(HS_EUSAGE, "-H, -p, -k and the TLS options need -q/--queue");
	if ((e = hs_paths_ensure(&s->app->paths)) != HS_OK ||
	    (e = s->queue ? open_queue(s) : open_store(s)) != HS_OK ||
	    (e = hs_submitter_new(&s->o, &s->sub)) != HS_OK)
		return e;
	hs_app_signals();
	e = choose_source(s);
	report(s, e);
	if (e == HS_OK && (bad = hs_submitter_rejected(s->sub)) > 0)
		e = hs_fail(HS_EINPUT, "%lld line%s rejected (see above)", (long long)bad,
		            bad == 1 ? "" : "s");
	return e;
}

static int
submit_main(struct hs_app *app, int argc, char **argv, bool print_id)
{
	struct submit s = {.app = app, .print_id = print_id, .cli.port = -1};
	bool helped;
	hs_err e;

	s.o.bundlewait = -1;
	if (argc < 2 && !print_id && isatty(STDIN_FILENO)) {
		hs_opt_help(&submit_spec);
		return HS_EXIT_USAGE;
	}
	e = hs_opt_parse(print_id ? &task_submit_spec : &submit_spec, argc, argv,
	                 on_option, &s, &helped);
	if (e == HS_OK && !helped) {
		if (print_id && s.nargs == 0)
			e = hs_fail(HS_EUSAGE, "hs task submit: no command given");
		else
			e = run(&s);
	}
	hs_submitter_free(s.sub);
	hs_liveq_close(s.o.queue);
	hs_netcfg_free(&s.net);
	hs_store_close(s.o.store);
	hs_tags_free(&s.o.tags);
	free(s.args);
	return hs_app_fail(e);
}

int
cmd_submit(struct hs_app *app, int argc, char **argv)
{
	return submit_main(app, argc, argv, false);
}

int
cmd_task_submit(struct hs_app *app, int argc, char **argv)
{
	return submit_main(app, argc, argv, true);
}
