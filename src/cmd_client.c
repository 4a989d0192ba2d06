/* cmd_client.c: hs client: options, configuration defaults, the [export]
 * section, then client.c's loop. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "client.h"
#include "cmd.h"
#include "log.h"
#include "netcfg.h"
#include "opt.h"
#include "site.h"
#include "units.h"

enum {
	O_SLOTS = 1, O_TEMPLATE, O_BUNDLESIZE, O_BUNDLEWAIT, O_HOST, O_PORT, O_AUTH,
	O_NO_TLS, O_TLS_CERT, O_TLS_KEY, O_TLS_CA, O_DELAY, O_NO_CONFIRM, O_OUTPUT,
	O_ERRORS, O_CAPTURE, O_CORES, O_MEMORY, O_IDLE, O_TASK_TIMEOUT, O_RATE,
	O_SIGNALWAIT, O_MONITOR,
};

#define G_CAPTURE 1

static const struct hs_opt client_opts[] = {
	{O_SLOTS, 'N', "num-threads", "num-tasks", OPT_VALUE, "NUM",
	 "Tasks at once (1; 0 = number of CPUs).", 0},
	{O_TEMPLATE, 't', "template", NULL, OPT_VALUE, "CMD", "Command template ({}).", 0},
	{O_BUNDLESIZE, 'b', "bundlesize", NULL, OPT_VALUE, "NUM", "Results per message (1).", 0},
	{O_BUNDLEWAIT, 'w', "bundlewait", NULL, OPT_VALUE, "SEC",
	 "Longest wait before sending a partial batch of results (5).", 0},
	{O_HOST, 'H', "host", NULL, OPT_VALUE, "ADDR", "Server address (server.host).", 0},
	{O_PORT, 'p', "port", NULL, OPT_VALUE, "NUM", "Server port (server.port).", 0},
	{O_AUTH, 'k', "auth", NULL, OPT_VALUE, "KEY",
	 "Authentication key (server.auth); '-' reads it from stdin.", 0},
	{O_NO_TLS, 0, "no-tls", NULL, OPT_FLAG, NULL, "Disable TLS (not recommended).", 0},
	{O_TLS_CERT, 0, "tls-cert", NULL, OPT_VALUE, "PATH", "Accepted for parity.", 0},
	{O_TLS_KEY, 0, "tls-key", NULL, OPT_VALUE, "PATH", "Accepted for parity.", 0},
	{O_TLS_CA, 0, "tls-ca", NULL, OPT_VALUE, "PATH", "CA to verify the server with.", 0},
	{O_DELAY, 'd', "delay-start", NULL, OPT_VALUE, "SEC",
	 "Wait before connecting (negative: random up to that).", 0},
	{O_NO_CONFIRM, 0, "no-confirm", NULL, OPT_FLAG, NULL, "Do not confirm bundles.", 0},
	{O_OUTPUT, 'o', "output", NULL, OPT_VALUE, "PATH", "Append task stdout to PATH.", G_CAPTURE},
	{O_ERRORS, 'e', "errors", NULL, OPT_VALUE, "PATH", "Append task stderr to PATH.", 0},
	{O_CAPTURE, 0, "capture", NULL, OPT_FLAG, NULL,
	 "Keep each task's output in <site>/lib/task/<id>.out|.err.", G_CAPTURE},
	{O_MONITOR, 0, "monitor", NULL, OPT_FLAG, NULL,
	 "Sample each task's cores and memory into <site>/lib/task/<id>.csv.", 0},
	{O_CORES, 'C', "client-cores", NULL, OPT_VALUE, "NUM", "Cores this client offers.", 0},
	{O_MEMORY, 'M', "client-memory", NULL, OPT_VALUE, "MEM", "Memory this client offers.", 0},
	{O_IDLE, 'T', "timeout", NULL, OPT_VALUE, "SEC", "Leave after SEC without work.", 0},
	{O_TASK_TIMEOUT, 'W', "task-timeout", NULL, OPT_VALUE, "SEC", "Time limit per task.", 0},
	{O_RATE, 'R', "ratelimit", NULL, OPT_VALUE, "NUM", "Most task starts per second.", 0},
	{O_SIGNALWAIT, 'S', "signalwait", NULL, OPT_VALUE, "SEC",
	 "Seconds between SIGINT, SIGTERM and SIGKILL (10).", 0},
	{0, 0, NULL, NULL, 0, NULL, NULL, 0},
};

static const struct hs_cmdspec client_spec = {
	.prog = "hs client",
	.summary = "Connect to a server and run its tasks, N at a time.",
	.opts = client_opts,
};

struct clientcmd {
	struct hs_app *app;
	struct hs_netcli cli;
	struct hs_client_opts o;
	int64_t slots;
	bool slots_set, confirm_off;
	struct hs_buf exports;    /* "NAME=value\0" strings */
	char **exportv;
	size_t nexports;
};

static hs_err
net_option(struct clientcmd *c, int id, const char *val)
{
	return hs_netcli_set(&c->cli, (enum hs_netopt)(id - O_HOST), val);
}

static hs_err
resource_option(struct clientcmd *c, int id, const char *val)
{
	int64_t n;
	hs_err e;

	switch (id) {
	case O_CORES: return hs_opt_int("-C/--client-cores", val, 0, &c->o.cores);
	case O_MEMORY:
		return hs_parse_size(val, &c->o.memory) == HS_OK ? HS_OK
		       : hs_fail(HS_EUSAGE, "-M/--client-memory expects a size such as 4GB");
	case O_BUNDLESIZE:
		e = hs_opt_int("-b/--bundlesize", val, 1, &n);
		c->o.bundlesize = (int)(n > 10000 ? 10000 : n);
		return e;
	case O_SLOTS:
		c->slots_set = true;
		return hs_opt_int("-N/--num-threads", val, 0, &c->slots);
	}
	return HS_EINTERNAL;
}

static hs_err
on_option(void *ctx, int id, const char *val)
{
	struct clientcmd *c = ctx;

	switch (id) {
	case O_TEMPLATE: c->o.tmpl = val; return HS_OK;
	case O_BUNDLEWAIT: return hs_opt_seconds("-w/--bundlewait", val, false, &c->o.bundlewait);
	case O_DELAY: return hs_opt_seconds("-d/--delay-start", val, true, &c->o.delay_start);
	case O_NO_CONFIRM: c->o.no_confirm = true; return HS_OK;
	case O_OUTPUT: c->o.out_path = val; c->o.output = HS_OUT_FILES; return HS_OK;
	case O_ERRORS: c->o.err_path = val; c->o.output = HS_OUT_FILES; return HS_OK;
	case O_CAPTURE: c->o.output = HS_OUT_CAPTURE; return HS_OK;
	case O_MONITOR: c->o.monitor = true; return HS_OK;
	case O_IDLE: return hs_opt_seconds("-T/--timeout", val, false, &c->o.idle_timeout);
	case O_TASK_TIMEOUT:
		return hs_opt_seconds("-W/--task-timeout", val, false, &c->o.task_timeout);
	case O_RATE: return hs_opt_seconds("-R/--ratelimit", val, false, &c->o.ratelimit);
	case O_SIGNALWAIT:
		return hs_opt_seconds("-S/--signalwait", val, false, &c->o.signalwait);
	case O_CORES: case O_MEMORY: case O_BUNDLESIZE: case O_SLOTS:
		return resource_option(c, id, val);
	default: return net_option(c, id, val);
	}
}

/* --- [export] -------------------------------------------------------------- */

static void
add_export(void *arg, const char *key, const struct toml_value *tv, const char *text)
{
	struct clientcmd *c = arg;
	struct hs_buf *b = &c->exports;
	char num[64];
	const char *v = text;

	if (tv != NULL && tv->type == TOML_STRING)
		v = tv->u.str.ptr;
	else if (tv != NULL && tv->type == TOML_INTEGER)
		snprintf(num, sizeof num, "%lld", (long long)tv->u.i), v = num;
	else if (tv != NULL && tv->type == TOML_BOOL)
		v = tv->u.b ? "true" : "false";
	else if (tv != NULL)
		return;   /* tables and arrays are not exported */
	for (const char *p = key; *p; p++)
		hs_buf_putc(b, *p >= 'a' && *p <= 'z' ? (char)(*p - 32) : *p);
	hs_buf_printf(b, "=%s", v ? v : "");
	hs_buf_putc(b, '\0');
	c->nexports++;
}

static hs_err
exports(struct clientcmd *c)
{
	size_t at = 0;

	cfg_each_entry(c->app->cfg, "export", add_export, c);
	if (c->nexports == 0)
		return HS_OK;
	if ((c->exportv = calloc(c->nexports, sizeof *c->exportv)) == NULL)
		return HS_ENOMEM;
	for (size_t i = 0; i < c->nexports; i++) {
		c->exportv[i] = c->exports.data + at;
		at += strlen(c->exportv[i]) + 1;
	}
	c->o.exports = c->exportv;
	c->o.nexports = c->nexports;
	return HS_OK;
}

/* --- the key ------------------------------------------------------------------ */

/* -k -: the first line of stdin (how hsx hands the key to a client over
 * ssh: never on a command line). Tasks get /dev/null as stdin anyway. */
static hs_err
key_from_stdin(char *key, size_t size)
{
	size_t n = 0;
	char ch;
	ssize_t r;

	while (n + 1 < size && (r = read(STDIN_FILENO, &ch, 1)) == 1 && ch != '\n')
		key[n++] = ch;
	key[n] = '\0';
	if (n > 0 && key[n - 1] == '\r')
		key[--n] = '\0';
	if (n == 0)
		return hs_fail(HS_EUSAGE, "-k -: no key on standard input");
	if (n + 1 == size)
		return hs_fail(HS_EUSAGE, "-k -: the key on standard input is too long");
	return HS_OK;
}

/* Tasks must never see the key: wipe it where the kernel shows our
 * environment (/proc/PID/environ reads the original block, which unsetenv
 * leaves as it was), then drop the variable. */
static void
forget_env_key(void)
{
	char *v = getenv("HYPERSHELL_SERVER_AUTH");

	if (v != NULL)
		explicit_bzero(v, strlen(v));
	unsetenv("HYPERSHELL_SERVER_AUTH");
}

/* --- run ------------------------------------------------------------------ */

static void
defaults(struct clientcmd *c)
{
	struct hs_config *cfg = c->app->cfg;
	struct hs_client_opts *o = &c->o;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	o->slots = !c->slots_set ? 1 : c->slots == 0 ? (int)(cpus > 0 ? cpus : 1)
	                                             : (int)(c->slots > 100000 ? 100000 : c->slots);
	if (o->bundlesize == 0)
		o->bundlesize = (int)cfg_int(cfg, "submit.bundlesize");
	if (o->bundlewait <= 0)
		o->bundlewait = cfg_double(cfg, "submit.bundlewait");
	if (o->signalwait <= 0)
		o->signalwait = (double)cfg_int(cfg, "task.signalwait");
	if (o->idle_timeout <= 0)
		o->idle_timeout = cfg_double(cfg, "client.timeout");
	if (o->task_timeout <= 0)
		o->task_timeout = (double)cfg_int(cfg, "task.timeout");
	if (o->ratelimit <= 0)
		o->ratelimit = cfg_double(cfg, "client.ratelimit");
	if (o->cores <= 0)
		o->cores = cfg_int(cfg, "client.cores");
	if (o->memory <= 0)
		o->memory = cfg_int(cfg, "client.memory");
	o->heartrate = cfg_double(cfg, "client.heartrate");
	o->reconnect = cfg_double(cfg, "client.reconnect");
	o->cwd = cfg_str(cfg, "task.cwd");
	o->tmpl = o->tmpl ? o->tmpl : "{}";
}

static hs_err
run(struct clientcmd *c, int *code)
{
	struct hs_netcfg net;
	char *taskdir = NULL, key[1024];
	hs_err e;

	memset(&net, 0, sizeof net);
	defaults(c);
	if (c->cli.key != NULL && strcmp(c->cli.key, "-") == 0) {
		if ((e = key_from_stdin(key, sizeof key)) != HS_OK)
			goto out;
		c->cli.key = key;
	}
	e = hs_paths_ensure(&c->app->paths);
	if (e == HS_OK && (e = exports(c)) == HS_OK)
		e = hs_netcfg_load(c->app, false, &c->cli, &net);
	explicit_bzero(key, sizeof key);
	forget_env_key();
	if (e != HS_OK)
		goto out;
	if (net.key == NULL || strcmp(net.key, "<not-secure>") == 0)
		log_warning("Using the default authentication key: set server.auth (or -k) to "
		            "the server's key");
	if ((taskdir = hs_path_join(hs_paths_lib(&c->app->paths), "task")) == NULL) {
		e = HS_ENOMEM;
		goto out;
	}
	c->o.host = net.host;
	c->o.port = net.port;
	c->o.key = net.key ? net.key : "<not-secure>";
	c->o.tls = net.tls;
	c->o.tlscfg = net.tlscfg;
	c->o.auto_cafile = net.auto_cafile;
	c->o.taskdir = taskdir;
	e = hs_client_run(&c->o, code);
out:
	free(taskdir);
	hs_netcfg_free(&net);
	return e;
}

int
cmd_client(struct hs_app *app, int argc, char **argv)
{
	struct clientcmd c;
	bool helped;
	int code = 0;
	hs_err e;

	memset(&c, 0, sizeof c);
	c.app = app;
	c.cli.port = -1;
	hs_buf_init(&c.exports, 1 << 20);
	e = hs_opt_parse(&client_spec, argc, argv, on_option, &c, &helped);
	if (e == HS_OK && !helped)
		e = run(&c, &code);
	hs_buf_free(&c.exports);
	free(c.exportv);
	return e == HS_OK ? code : hs_app_fail(e);
}
