/* cmd_server.c: hs server: options, the key policy, the database, the
 * optional FILE of tasks (stored by a submit thread on its own
 * connection while the server already serves), then server.c's loop. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "cmd.h"
#include "log.h"
#include "netcfg.h"
#include "opt.h"
#include "server.h"
#include "store.h"
#include "submit.h"
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
	struct hs_app *app;
	struct hs_netcli cli;
	const char *file;
	const char *failures_path;
	bool print_failures, restart, no_db, initdb;
	struct hs_server_opts so;
	struct hs_submit_opts sub;
	int64_t retries;
};

static hs_err
parse_seconds(const char *name, const char *val, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(val, &end);
	if (errno != 0 || end == val || *end != '\0' || !(*out >= 0) || *out > 1e9)
		return hs_fail(HS_EUSAGE, "%s expects seconds, got '%s'", name, val);
	return HS_OK;
}

static hs_err
net_option(struct servercmd *c, int id, const char *val)
{
	int64_t port;
	hs_err e;

	switch (id) {
	case O_BIND: c->cli.host = val; return HS_OK;
	case O_PORT:
		if ((e = hs_opt_int("-p/--port", val, 1, &port)) != HS_OK || port > 65535)
			return e ? e : hs_fail(HS_EUSAGE, "-p/--port must be 1..65535");
		c->cli.port = (int)port;
		return HS_OK;
	case O_AUTH: c->cli.key = val; return HS_OK;
	case O_NO_TLS: c->cli.no_tls = true; return HS_OK;
	case O_TLS_CERT: c->cli.tls_cert = val; return HS_OK;
	case O_TLS_KEY: c->cli.tls_key = val; return HS_OK;
	case O_TLS_CA: c->cli.tls_ca = val; return HS_OK;
	}
	return HS_EINTERNAL;
}

static hs_err
task_option(struct servercmd *c, int id, const char *val)
{
	struct hs_taskopts *t = &c->sub.cli;

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
	int64_t n;
	hs_err e;

	switch (id) {
	case 0:
		if (c->file != NULL)
			return hs_fail(HS_EUSAGE, "hs server takes one FILE");
		c->file = val;
		return HS_OK;
	case O_BUNDLESIZE:
		e = hs_opt_int("-b/--bundlesize", val, 1, &n);
		c->so.bundlesize = (int)(n > 100000 ? 100000 : n);
		return e;
	case O_BUNDLEWAIT: return parse_seconds("-w/--bundlewait", val, &c->so.bundlewait);
	case O_POLL: return parse_seconds("-Q/--poll", val, &c->so.poll);
	case O_RETRIES: return hs_opt_int("-r/--max-retries", val, 0, &c->retries);
	case O_EAGER: c->so.eager = true; return HS_OK;
	case O_FOREVER: c->so.forever = true; return HS_OK;
	case O_RESTART: c->restart = true; return HS_OK;
	case O_NO_DB: c->no_db = true; return HS_OK;
	case O_INITDB: c->initdb = true; return HS_OK;
	case O_NO_CONFIRM: c->so.no_confirm = true; return HS_OK;
	case O_PRINT: c->print_failures = true; return HS_OK;
	case O_FAILURES: c->failures_path = val; return HS_OK;
	case O_CORES: case O_MEMORY: case O_TIMEOUT: return task_option(c, id, val);
	default: return net_option(c, id, val);
	}
}

/* --- settings ------------------------------------------------------------ */

static hs_err
check_combinations(struct servercmd *c)
{
	if (c->file != NULL && (c->so.forever || c->restart))
		return hs_fail(HS_EUSAGE, "FILE cannot be combined with --forever or --restart");
	if (c->no_db && (c->so.forever || c->restart))
		return hs_fail(HS_EUSAGE, "--no-db cannot be combined with --forever or --restart");
	if (c->no_db && c->file == NULL)
		return hs_fail(HS_EUSAGE, "--no-db needs a FILE of tasks ('-' for stdin)");
	return HS_OK;
}

static void
defaults(struct servercmd *c)
{
	struct hs_config *cfg = c->app->cfg;
	struct hs_server_opts *o = &c->so;

	if (o->bundlesize == 0)
		o->bundlesize = (int)cfg_int(cfg, "server.bundlesize");
	if (o->bundlewait <= 0)
		o->bundlewait = cfg_double(cfg, "submit.bundlewait");
	if (o->poll <= 0)
		o->poll = cfg_double(cfg, "server.poll");
	o->attempts = c->retries > 0 ? (int)(c->retries + 1) : (int)cfg_int(cfg, "server.attempts");
	o->eager = o->eager || cfg_bool(cfg, "server.eager");
	o->evict = cfg_double(cfg, "server.evict");
	o->heartrate = cfg_double(cfg, "client.heartrate");
	o->frame_max = (uint32_t)cfg_int(cfg, "server.frame_max");
	o->max_connections = (int)cfg_int(cfg, "server.max_connections");
	o->max_pending = (int)cfg_int(cfg, "server.max_pending");
	o->handshake_timeout = cfg_double(cfg, "server.handshake_timeout");
	o->status_interval = cfg_double(cfg, "server.status_interval");
}

static hs_err
check_key(const char *key)
{
	char err[256];

	if (hs_auth_key_check(key, err, sizeof err) != HS_OK)
		return hs_fail(HS_EUSAGE, "%s", err);
	return HS_OK;
}

static hs_err
open_failures(struct servercmd *c)
{
	if (c->print_failures || (c->failures_path && strcmp(c->failures_path, "-") == 0)) {
		c->so.failures = stdout;
		return HS_OK;
	}
	if (c->failures_path == NULL)
		return HS_OK;
	if ((c->so.failures = fopen(c->failures_path, "a")) == NULL)
		return hs_fail(HS_EIO, "cannot open %s: %s", c->failures_path, strerror(errno));
	setvbuf(c->so.failures, NULL, _IOLBF, 0);
	return HS_OK;
}

/* --- FILE input ------------------------------------------------------------ */

struct feeder {
	struct servercmd *c;
	struct hs_store *store;   /* its own connection */
	int fd;
	pthread_t thread;
	hs_err result;
};

static void *
feed(void *arg)
{
	struct feeder *f = arg;
	struct hs_submitter *sub = NULL;
	struct hs_submit_opts o = f->c->sub;

	o.store = f->store;
	if ((f->result = hs_submitter_new(&o, &sub)) == HS_OK)
		f->result = hs_submitter_fd(sub, f->fd, f->fd == STDIN_FILENO ? "<stdin>"
		                                                               : f->c->file);
	if (f->result == HS_OK)
		log_info("Submitted %lld tasks from %s", (long long)hs_submitter_count(sub),
		         f->fd == STDIN_FILENO ? "<stdin>" : f->c->file);
	else
		log_error("Submitting tasks failed: %s", hs_detail());
	hs_submitter_free(sub);
	return NULL;
}

static hs_err
start_feeder(struct servercmd *c, struct feeder *f, const char *memdb)
{
	hs_err e;

	f->c = c;
	f->fd = strcmp(c->file, "-") == 0 ? STDIN_FILENO : open(c->file, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return hs_fail(HS_EIO, "cannot open %s: %s", c->file, strerror(errno));
	c->sub.bundlesize = 1;
	c->sub.bundlewait = c->so.bundlewait;
	c->sub.maxline = (size_t)cfg_int(c->app->cfg, "submit.max_line_length");
	e = memdb ? hs_store_sqlite_open(memdb, c->app->cfg, HS_OPEN_CREATE, &f->store)
	          : hs_store_open(c->app->cfg, &c->app->paths, HS_OPEN_CREATE, &f->store);
	if (e == HS_OK && pthread_create(&f->thread, NULL, feed, f) != 0)
		e = hs_fail(HS_EIO, "cannot start the submit thread");
	return e;
}

/* --- run ------------------------------------------------------------------ */

static hs_err
open_store(struct servercmd *c, char *memdb, size_t len)
{
	enum hs_open_mode mode = c->initdb ? HS_OPEN_INIT : HS_OPEN_CREATE;

	if (!c->no_db)
		return hs_store_open(c->app->cfg, &c->app->paths, mode, &c->so.store);
	/* a private in-memory database every connection of this process shares */
	snprintf(memdb, len, "file:hs-nodb-%ld?mode=memory&cache=shared", (long)getpid());
	return hs_store_sqlite_open(memdb, c->app->cfg, HS_OPEN_CREATE, &c->so.store);
}

static hs_err
run(struct servercmd *c, int *code)
{
	struct hs_netcfg net;
	struct feeder f = {0};
	char memdb[96] = "";
	hs_err e;

	memset(&net, 0, sizeof net);
	if ((e = check_combinations(c)) != HS_OK)
		return e;
	defaults(c);
	if ((e = hs_paths_ensure(&c->app->paths)) != HS_OK ||
	    (e = hs_netcfg_load(c->app, true, &c->cli, &net)) != HS_OK ||
	    (e = check_key(net.key)) != HS_OK || (e = open_failures(c)) != HS_OK ||
	    (e = open_store(c, memdb, sizeof memdb)) != HS_OK)
		goto out;
	c->so.bind = net.host;
	c->so.port = net.port;
	c->so.key = net.key;
	c->so.tls = net.tls;
	c->so.tlscfg = net.tlscfg;
	if (c->file != NULL && (e = start_feeder(c, &f, c->no_db ? memdb : NULL)) != HS_OK)
		goto out;
	e = hs_server_run(&c->so, code);
out:
	if (f.store != NULL) {
		pthread_cancel(f.thread);
		pthread_join(f.thread, NULL);
		hs_store_close(f.store);
	}
	if (c->so.failures != NULL && c->so.failures != stdout)
		fclose(c->so.failures);
	hs_netcfg_free(&net);
	return e;
}

int
cmd_server(struct hs_app *app, int argc, char **argv)
{
	struct servercmd c;
	bool helped;
	int code = 0;
	hs_err e;

	memset(&c, 0, sizeof c);
	c.app = app;
	c.cli.port = -1;
	e = hs_opt_parse(&server_spec, argc, argv, on_option, &c, &helped);
	if (e == HS_OK && !helped)
		e = run(&c, &code);
	hs_store_close(c.so.store);
	hs_tags_free(&c.sub.tags);
	return e == HS_OK ? code : hs_app_fail(e);
}
