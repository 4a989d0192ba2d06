/* cmd_cluster.c: hs cluster (hsx): the options of HyperShell's cluster
 * command, the combinations it refuses, a fresh key, then cluster.c runs
 * the server with its clients. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "cluster.h"
#include "cmd.h"
#include "hostlist.h"
#include "log.h"
#include "opt.h"
#include "serve.h"
#include "toml.h"
#include "units.h"

enum {
	O_SSH = 1, O_MPI, O_LAUNCHER, O_AUTOSCALE, O_SLOTS, O_TEMPLATE, O_BIND, O_PORT,
	O_BUNDLESIZE, O_BUNDLEWAIT, O_RETRIES, O_EAGER, O_NO_DB, O_INITDB, O_NO_CONFIRM,
	O_POLL, O_FOREVER, O_RESTART, O_SSH_ARGS, O_SSH_GROUP, O_ENV, O_REMOTE_EXE,
	O_DELAY, O_CAPTURE, O_OUTPUT, O_ERRORS, O_FAILURES, O_CORES, O_MEMORY,
	O_CLIENT_CORES, O_CLIENT_MEMORY, O_IDLE, O_TASK_TIMEOUT, O_RATE, O_SIGNALWAIT,
	O_FACTOR, O_PERIOD, O_INIT, O_MIN, O_MAX, O_NO_TLS, O_TLS_KEY, O_TLS_CERT, O_TLS_CA,
	O_MONITOR,
};

#define G_MODE 1     /* --ssh | --mpi | --launcher */
#define G_DB 2       /* --no-db | --initdb */
#define G_RUN 3      /* --forever | --restart */

static const struct hs_opt cluster_opts[] = {
	{O_SSH, 0, "ssh", NULL, OPT_OPTIONAL, "HOST",
	 "Clients over ssh: a host, list or pattern (a[00-04].x); bare: ssh.nodelist "
	 "or SLURM_JOB_NODELIST.", G_MODE},
	{O_MPI, 0, "mpi", NULL, OPT_FLAG, NULL, "Clients through mpirun.", G_MODE},
	{O_LAUNCHER, 0, "launcher", NULL, OPT_VALUE, "ARGS",
	 "Clients through this launcher command (e.g. 'srun --mpi=pmi2').", G_MODE},
	{O_AUTOSCALE, 'A', "autoscaling", NULL, OPT_OPTIONAL, "POLICY",
	 "Launch clients as needed: fixed or dynamic (autoscale.policy).", 0},
	{O_SLOTS, 'N', "num-threads", "num-tasks", OPT_VALUE, "NUM",
	 "Tasks at once per client (1; 0 = number of CPUs).", 0},
	{O_TEMPLATE, 't', "template", NULL, OPT_VALUE, "CMD", "Command template ({}).", 0},
	{O_BIND, 'H', "bind", NULL, OPT_VALUE, "ADDR", "Server address (server.bind).", 0},
	{O_PORT, 'p', "port", NULL, OPT_VALUE, "NUM",
	 "Server port (server.port; the default probes up to 1000 ports after it).", 0},
	{O_BUNDLESIZE, 'b', "bundlesize", NULL, OPT_VALUE, "NUM", "Tasks per bundle (1).", 0},
	{O_BUNDLEWAIT, 'w', "bundlewait", NULL, OPT_VALUE, "SEC", "Longest batching wait (5).", 0},
	{O_RETRIES, 'r', "max-retries", NULL, OPT_VALUE, "NUM", "Retries of a failed task (0).", 0},
	{O_EAGER, 0, "eager", NULL, OPT_FLAG, NULL, "Schedule retries before new tasks.", 0},
	{O_NO_DB, 0, "no-db", NULL, OPT_FLAG, NULL, "Keep tasks in memory only.", G_DB},
	{O_INITDB, 0, "initdb", NULL, OPT_FLAG, NULL, "Initialise the database first.", G_DB},
	{O_NO_CONFIRM, 0, "no-confirm", NULL, OPT_FLAG, NULL, "Clients skip confirmations.", 0},
	{O_POLL, 'Q', "poll", NULL, OPT_VALUE, "SEC", "Longest wait between database scans.", 0},
	{O_FOREVER, 0, "forever", NULL, OPT_FLAG, NULL, "Keep serving when all is done.", G_RUN},
	{O_RESTART, 0, "restart", NULL, OPT_FLAG, NULL,
	 "Run what the database holds (FILE is ignored).", G_RUN},
	{O_SSH_ARGS, 0, "ssh-args", NULL, OPT_VALUE, "ARGS", "Extra ssh arguments.", 0},
	{O_SSH_GROUP, 0, "ssh-group", NULL, OPT_VALUE, "NAME",
	 "Hosts of the named list ssh.nodelist.NAME.", 0},
	{O_ENV, 'E', "env", NULL, OPT_FLAG, NULL,
	 "Forward HYPERSHELL_* variables to ssh clients (never the key).", 0},
	{O_REMOTE_EXE, 0, "remote-exe", NULL, OPT_VALUE, "PATH", "hs on the client hosts.", 0},
	{O_DELAY, 'd', "delay-start", NULL, OPT_VALUE, "SEC",
	 "Clients wait before connecting (negative: random up to that).", 0},
	{O_CAPTURE, 0, "capture", NULL, OPT_FLAG, NULL,
	 "Keep each task's output in <site>/lib/task/<id>.out|.err.", 0},
	{O_MONITOR, 0, "monitor", NULL, OPT_FLAG, NULL,
	 "Clients sample each task's cores and memory into <site>/lib/task/<id>.csv.", 0},
	{O_OUTPUT, 'o', "output", NULL, OPT_VALUE, "PATH", "Task stdout to PATH (local only).", 0},
	{O_ERRORS, 'e', "errors", NULL, OPT_VALUE, "PATH", "Task stderr to PATH (local only).", 0},
	{O_FAILURES, 'f', "failures", NULL, OPT_VALUE, "PATH", "Args of failed tasks to PATH.", 0},
	{O_CORES, 'c', "cores", NULL, OPT_VALUE, "NUM", "Cores of each task (task.cores).", 0},
	{O_MEMORY, 'm', "memory", NULL, OPT_VALUE, "MEM", "Memory of each task (task.memory).", 0},
	{O_CLIENT_CORES, 'C', "client-cores", NULL, OPT_VALUE, "NUM", "Cores per client.", 0},
	{O_CLIENT_MEMORY, 'M', "client-memory", NULL, OPT_VALUE, "MEM", "Memory per client.", 0},
	{O_IDLE, 'T', "timeout", NULL, OPT_VALUE, "SEC", "Clients leave after SEC idle.", 0},
	{O_TASK_TIMEOUT, 'W', "task-timeout", NULL, OPT_VALUE, "SEC", "Time limit per task.", 0},
	{O_RATE, 'R', "ratelimit", NULL, OPT_VALUE, "NUM", "Most task starts per second.", 0},
	{O_SIGNALWAIT, 'S', "signalwait", NULL, OPT_VALUE, "SEC",
	 "Seconds between SIGINT, SIGTERM and SIGKILL (10).", 0},
	{O_FACTOR, 'F', "factor", NULL, OPT_VALUE, "NUM", "Autoscaling pressure factor (1).", 0},
	{O_PERIOD, 'P', "period", NULL, OPT_VALUE, "SEC", "Autoscaling period (60).", 0},
	{O_INIT, 'I', "init-size", NULL, OPT_VALUE, "NUM", "Clients launched first (1).", 0},
	{O_MIN, 'X', "min-size", NULL, OPT_VALUE, "NUM", "Fewest clients kept (0).", 0},
	{O_MAX, 'Y', "max-size", NULL, OPT_VALUE, "NUM", "Most clients (1).", 0},
	{O_NO_TLS, 0, "no-tls", NULL, OPT_FLAG, NULL, "Disable TLS (not recommended).", 0},
	{O_TLS_KEY, 0, "tls-key", NULL, OPT_VALUE, "PATH", "Server private key.", 0},
	{O_TLS_CERT, 0, "tls-cert", NULL, OPT_VALUE, "PATH", "Server certificate.", 0},
	{O_TLS_CA, 0, "tls-ca", NULL, OPT_VALUE, "PATH", "CA clients verify the server with.", 0},
	{0, 0, NULL, NULL, 0, NULL, NULL, 0},
};

static const struct hs_cmdspec cluster_spec = {
	.prog = "hs cluster",
	.summary = "Run tasks from FILE (default: stdin) on a server with its own clients:\n"
	           "locally, over ssh, through a launcher (mpirun, srun), or autoscaled.",
	.positional = "FILE",
	.poshelp = "Tasks, one per line ('-' for stdin; ignored with --restart).",
	.opts = cluster_opts,
};

#define MAX_CLIENT_ARGS 48

struct clustercmd {
	struct hs_serve sv;
	struct hs_cluster_opts co;
	const char *argv0;
	const char *ssh, *ssh_group, *ssh_args, *launcher, *remote_exe, *policy;
	bool ssh_set, mpi, autoscale, restart, forward_env, capture, bind_set;
	bool port_set, idle_set, files;
	const char *scale_val[5];               /* -F -P -I -X -Y as given */
	char *args[MAX_CLIENT_ARGS];            /* hs client options */
	int nargs;
	struct hs_hostlist hosts;
	char key[129];
	char fp[HS_FP_LEN + 1];
	char exe[PATH_MAX];
	char remote[PATH_MAX];
	char fqdn[256];
};

/* --- options --------------------------------------------------------------- */

/* A client option, checked here and passed on as given. */
static hs_err
client_arg(struct clustercmd *c, const char *flag, const char *val)
{
	if (c->nargs + 2 >= MAX_CLIENT_ARGS)
		return hs_fail(HS_EUSAGE, "too many options");
	c->args[c->nargs++] = (char *)flag;
	if (val != NULL)
		c->args[c->nargs++] = (char *)val;
	return HS_OK;
}

static hs_err
client_option(struct clustercmd *c, int id, const char *val)
{
	double secs;
	int64_t n;
	hs_err e = HS_OK;

	switch (id) {
	case O_SLOTS: e = hs_opt_int("-N/--num-threads", val, 0, &n); break;
	case O_DELAY: e = hs_opt_seconds("-d/--delay-start", val, true, &secs); break;
	case O_CLIENT_CORES: e = hs_opt_int("-C/--client-cores", val, 0, &n); break;
	case O_CLIENT_MEMORY:
		e = hs_parse_size(val, &n) == HS_OK ? HS_OK
		    : hs_fail(HS_EUSAGE, "-M/--client-memory expects a size such as 4GB");
		break;
	case O_IDLE: c->idle_set = true; e = hs_opt_seconds("-T/--timeout", val, false, &secs); break;
	case O_TASK_TIMEOUT: e = hs_opt_seconds("-W/--task-timeout", val, false, &secs); break;
	case O_RATE: e = hs_opt_seconds("-R/--ratelimit", val, false, &secs); break;
	case O_SIGNALWAIT: e = hs_opt_seconds("-S/--signalwait", val, false, &secs); break;
	case O_OUTPUT: case O_ERRORS: c->files = true; break;
	}
	if (e != HS_OK)
		return e;
	static const struct { int id; const char *flag; } map[] = {
		{O_SLOTS, "-N"}, {O_TEMPLATE, "-t"}, {O_DELAY, "-d"}, {O_CLIENT_CORES, "-C"},
		{O_CLIENT_MEMORY, "-M"}, {O_IDLE, "-T"}, {O_TASK_TIMEOUT, "-W"}, {O_RATE, "-R"},
		{O_SIGNALWAIT, "-S"}, {O_OUTPUT, "-o"}, {O_ERRORS, "-e"},
	};
	for (size_t i = 0; i < sizeof map / sizeof *map; i++)
		if (map[i].id == id)
			return client_arg(c, map[i].flag, val);
	return HS_EINTERNAL;
}

static hs_err
server_option(struct clustercmd *c, int id, const char *val)
{
	struct hs_serve *sv = &c->sv;
	int64_t n;
	hs_err e;

	switch (id) {
	case O_BUNDLESIZE:
		if ((e = hs_opt_int("-b/--bundlesize", val, 1, &n)) != HS_OK)
			return e;
		sv->so.bundlesize = (int)(n > 10000 ? 10000 : n);
		return client_arg(c, "-b", val);
	case O_BUNDLEWAIT:
		if ((e = hs_opt_seconds("-w/--bundlewait", val, false, &sv->so.bundlewait)) != HS_OK)
			return e;
		return client_arg(c, "-w", val);
	case O_RETRIES: return hs_opt_int("-r/--max-retries", val, 0, &sv->retries);
	case O_EAGER: sv->so.eager = true; return HS_OK;
	case O_NO_DB: sv->no_db = true; return HS_OK;
	case O_INITDB: sv->initdb = true; return HS_OK;
	case O_NO_CONFIRM: sv->so.no_confirm = true; return client_arg(c, "--no-confirm", NULL);
	case O_POLL: return hs_opt_seconds("-Q/--poll", val, false, &sv->so.poll);
	case O_FOREVER: sv->so.forever = true; return HS_OK;
	case O_RESTART: c->restart = true; return HS_OK;
	case O_FAILURES: sv->failures_path = val; return HS_OK;
	case O_CORES:
		sv->sub.cli.has_cores = true;
		return hs_opt_int("-c/--cores", val, 0, &sv->sub.cli.cores);
	case O_MEMORY:
		sv->sub.cli.has_memory = true;
		return hs_parse_size(val, &sv->sub.cli.memory) == HS_OK ? HS_OK
		       : hs_fail(HS_EUSAGE, "-m/--memory expects a size such as 512MB");
	}
	return HS_EINTERNAL;
}

static hs_err
net_option(struct clustercmd *c, int id, const char *val)
{
	struct hs_netcli *cli = &c->sv.cli;

	switch (id) {
	case O_BIND: cli->host = val; c->bind_set = true; return HS_OK;
	case O_PORT: return hs_netcli_set(cli, HS_NETOPT_PORT, val);
	case O_NO_TLS: cli->no_tls = true; return client_arg(c, "--no-tls", NULL);
	case O_TLS_KEY: cli->tls_key = val; return HS_OK;
	case O_TLS_CERT: cli->tls_cert = val; return HS_OK;
	case O_TLS_CA: cli->tls_ca = val; return client_arg(c, "--tls-ca", val);
	}
	return HS_EINTERNAL;
}

static hs_err
mode_option(struct clustercmd *c, int id, const char *val)
{
	switch (id) {
	case O_SSH: c->ssh_set = true; c->ssh = val; return HS_OK;
	case O_MPI: c->mpi = true; return HS_OK;
	case O_LAUNCHER: c->launcher = val; return HS_OK;
	case O_AUTOSCALE:
		c->autoscale = true;
		if (val != NULL && strcmp(val, "fixed") != 0 && strcmp(val, "dynamic") != 0)
			return hs_fail(HS_EUSAGE, "-A/--autoscaling expects fixed or dynamic, got '%s' "
			               "(give FILE before -A)", val);
		c->policy = val;
		return HS_OK;
	case O_SSH_ARGS: c->ssh_args = val; return HS_OK;
	case O_SSH_GROUP: c->ssh_group = val; return HS_OK;
	case O_ENV: c->forward_env = true; return HS_OK;
	case O_REMOTE_EXE: c->remote_exe = val; return HS_OK;
	case O_FACTOR: case O_PERIOD: case O_INIT: case O_MIN: case O_MAX:
		c->scale_val[id - O_FACTOR] = val;
		return HS_OK;
	}
	return HS_EINTERNAL;
}

static hs_err
on_option(void *ctx, int id, const char *val)
{
	struct clustercmd *c = ctx;

	switch (id) {
	case 0:
		if (c->sv.file != NULL)
			return hs_fail(HS_EUSAGE, "hs cluster takes one FILE");
		c->sv.file = val;
		return HS_OK;
	case O_SLOTS: case O_TEMPLATE: case O_DELAY: case O_CLIENT_CORES: case O_CLIENT_MEMORY:
	case O_IDLE: case O_TASK_TIMEOUT: case O_RATE: case O_SIGNALWAIT: case O_OUTPUT:
	case O_ERRORS:
		return client_option(c, id, val);
	case O_CAPTURE: c->capture = true; return client_arg(c, "--capture", NULL);
	case O_MONITOR: return client_arg(c, "--monitor", NULL);
	case O_BIND: case O_PORT: case O_NO_TLS: case O_TLS_KEY: case O_TLS_CERT: case O_TLS_CA:
		return net_option(c, id, val);
	case O_SSH: case O_MPI: case O_LAUNCHER: case O_AUTOSCALE: case O_SSH_ARGS:
	case O_SSH_GROUP: case O_ENV: case O_REMOTE_EXE: case O_FACTOR: case O_PERIOD:
	case O_INIT: case O_MIN: case O_MAX:
		return mode_option(c, id, val);
	default:
		return server_option(c, id, val);
	}
}

/* --- the combinations HyperShell refuses (check_arguments) ------------------ */

static hs_err
check_combinations(struct clustercmd *c)
{
	struct hs_serve *sv = &c->sv;
	bool remote;

	if (c->ssh_group && c->ssh != NULL)
		return hs_fail(HS_EUSAGE, "--ssh HOST cannot be combined with --ssh-group");
	if (c->ssh_group && !c->ssh_set)
		c->ssh_set = true;   /* --ssh-group alone means --ssh */
	remote = c->ssh_set || c->mpi || c->launcher != NULL;
	if (sv->no_db && (sv->so.forever || c->restart))
		return hs_fail(HS_EUSAGE, "--no-db cannot be combined with --forever or --restart");
	if (c->files && (remote || c->autoscale))
		return hs_fail(HS_EUSAGE, "-o/--output and -e/--errors work in local mode only");
	if (c->files && c->capture)
		return hs_fail(HS_EUSAGE, "--capture cannot be combined with -o/--output or "
		               "-e/--errors");
	if (c->ssh_args && !c->ssh_set)
		return hs_fail(HS_EUSAGE, "--ssh-args needs --ssh");
	if (c->forward_env && !c->ssh_set)
		return hs_fail(HS_EUSAGE, "-E/--env needs --ssh");
	if (c->autoscale && (c->ssh_set || c->mpi || sv->no_db))
		return hs_fail(HS_EUSAGE, "-A/--autoscaling cannot be combined with --ssh, --mpi "
		               "or --no-db");
	for (int i = 0; i < 5; i++)
		if (c->scale_val[i] && !c->autoscale)
			return hs_fail(HS_EUSAGE, "-F, -P, -I, -X and -Y need -A/--autoscaling");
	if (c->bind_set && !remote && !c->autoscale && strcmp(sv->cli.host, "localhost") != 0 &&
	    strcmp(sv->cli.host, "127.0.0.1") != 0 && strcmp(sv->cli.host, "::1") != 0)
		return hs_fail(HS_EUSAGE, "-H/--bind: local mode listens on localhost, 127.0.0.1 "
		               "or ::1 only (use --ssh or a launcher for other hosts)");
	return HS_OK;
}

/* --- hosts ------------------------------------------------------------------- */

/* ssh.nodelist: a pattern, a list of patterns, or (with --ssh-group) a
 * table of those. */
static hs_err
nodelist_pattern(struct clustercmd *c, struct hs_buf *out)
{
	struct cfg_value v;
	const struct toml_value *t;

	if (cfg_get(c->sv.app->cfg, "ssh.nodelist", &v) != HS_OK || v.null)
		return hs_fail(HS_EUSAGE, c->ssh_group ? "--ssh-group: ssh.nodelist is not set"
		               : "--ssh without HOST needs ssh.nodelist or SLURM_JOB_NODELIST");
	if (v.tv == NULL)
		return hs_buf_puts(out, v.s);
	t = v.tv;
	if (c->ssh_group != NULL && (t->type != TOML_TABLE || (t = toml_get(t, c->ssh_group)) == NULL))
		return hs_fail(HS_EUSAGE, "--ssh-group: no list '%s' in ssh.nodelist", c->ssh_group);
	if (t->type == TOML_STRING)
		return hs_buf_puts(out, t->u.str.ptr);
	if (t->type != TOML_ARRAY)
		return hs_fail(HS_ECONFIG, "ssh.nodelist: expected a pattern or a list of hosts%s",
		               c->ssh_group ? "" : " (use --ssh-group for a table of lists)");
	for (size_t i = 0; i < t->u.array.n; i++) {
		if (t->u.array.items[i]->type != TOML_STRING)
			return hs_fail(HS_ECONFIG, "ssh.nodelist: hosts must be strings");
		hs_buf_printf(out, "%s%s", i ? "," : "", t->u.array.items[i]->u.str.ptr);
	}
	return HS_OK;
}

static hs_err
hosts(struct clustercmd *c)
{
	struct hs_buf b = HS_BUF_INIT(1 << 20);
	const char *slurm = getenv("SLURM_JOB_NODELIST");
	hs_err e = HS_OK;

	if (c->ssh != NULL)
		e = hs_buf_puts(&b, c->ssh);
	else if (c->ssh_group == NULL && slurm != NULL && *slurm &&
	         cfg_str(c->sv.app->cfg, "ssh.nodelist") == NULL)
		e = hs_buf_puts(&b, slurm);
	else
		e = nodelist_pattern(c, &b);
	if (e == HS_OK && b.len == 0)
		e = hs_fail(HS_EUSAGE, "--ssh: no hosts");
	if (e == HS_OK && (e = hs_hostlist_expand(b.data, &c->hosts)) != HS_OK)
		e = hs_fail(HS_EUSAGE, "--ssh: %s", hs_detail());
	hs_buf_free(&b);
	c->co.hosts = c->hosts.hosts;
	c->co.nhosts = c->hosts.n;
	return e;
}

/* --- settings ----------------------------------------------------------------- */

static hs_err
scale_settings(struct clustercmd *c)
{
	struct hs_config *cfg = c->sv.app->cfg;
	const char *policy = c->policy ? c->policy : cfg_str(cfg, "autoscale.policy");
	double v[5] = {cfg_double(cfg, "autoscale.factor"), cfg_double(cfg, "autoscale.period"),
	               (double)cfg_int(cfg, "autoscale.size.init"),
	               (double)cfg_int(cfg, "autoscale.size.min"),
	               (double)cfg_int(cfg, "autoscale.size.max")};
	static const char *names[5] = {"-F/--factor", "-P/--period", "-I/--init-size",
	                               "-X/--min-size", "-Y/--max-size"};

	for (int i = 0; i < 5; i++) {
		char *end;
		if (c->scale_val[i] == NULL)
			continue;
		errno = 0;
		v[i] = strtod(c->scale_val[i], &end);
		if (errno || end == c->scale_val[i] || *end || !(v[i] >= 0) || v[i] > 1e6 ||
		    (i >= 2 && v[i] != (double)(int)v[i]) || (i < 2 && v[i] <= 0))
			return hs_fail(HS_EUSAGE, "%s: bad value '%s'", names[i], c->scale_val[i]);
	}
	c->co.scale.policy = policy && strcmp(policy, "dynamic") == 0 ? HS_SCALE_DYNAMIC
	                                                               : HS_SCALE_FIXED;
	c->co.scale.factor = v[0];
	c->co.scale.period = v[1];
	c->co.scale.init = (int)v[2];
	c->co.scale.min = (int)v[3];
	c->co.scale.max = (int)v[4];
	if (c->restart || c->sv.so.forever || c->sv.file)
		log_warning("-A/--autoscaling implies --forever");
	if (c->idle_set && c->co.scale.min > 0)
		log_warning("-T/--timeout with -X/--min-size > 0: clients above the minimum "
		            "retire, the minimum is relaunched");
	if (!c->idle_set && c->co.scale.policy == HS_SCALE_DYNAMIC)
		log_warning("dynamic autoscaling without -T/--timeout: clients never retire");
	c->sv.so.forever = true;
	return HS_OK;
}

/* The host clients connect to, and the address to bind. */
static void
addresses(struct clustercmd *c, bool remote)
{
	const char *bind = c->sv.cli.host ? c->sv.cli.host : cfg_str(c->sv.app->cfg, "server.bind");

	if (!remote || (strcmp(bind, "localhost") != 0 && strcmp(bind, "0.0.0.0") != 0)) {
		c->sv.cli.host = bind;
		c->co.connect = bind;
		return;
	}
	c->sv.cli.host = "0.0.0.0";
	gethostname(c->fqdn, sizeof c->fqdn - 1);
	c->co.connect = c->fqdn;
}

static void
programs(struct clustercmd *c)
{
	const char *base = strrchr(c->argv0, '/');
	ssize_t n = readlink("/proc/self/exe", c->exe, sizeof c->exe - 1);
	size_t len;

	c->exe[n > 0 ? n : 0] = '\0';
	if (n <= 0)
		snprintf(c->exe, sizeof c->exe, "%s", c->argv0);
	/* the remote program: as invoked, hsx -> hs */
	snprintf(c->remote, sizeof c->remote, "%s", c->remote_exe ? c->remote_exe : c->argv0);
	base = base ? base + 1 : c->argv0;
	len = strlen(c->remote);
	if (!c->remote_exe && strcmp(base, "hsx") == 0 && len > 0)
		c->remote[len - 1] = '\0';
	c->co.exe = c->exe;
	c->co.remote_exe = c->remote;
}

static hs_err
mode(struct clustercmd *c)
{
	bool remote = c->ssh_set || c->mpi || c->launcher != NULL;

	c->co.launcher = c->mpi ? "mpirun" : c->launcher;
	if (c->autoscale && c->co.launcher == NULL)
		c->co.launcher = cfg_str(c->sv.app->cfg, "autoscale.launcher");
	/* autoscaling without a launcher starts clients on this host */
	remote = remote || (c->autoscale && c->co.launcher != NULL && *c->co.launcher);
	addresses(c, remote);
	programs(c);
	c->co.ssh_args = c->ssh_args ? c->ssh_args : cfg_str(c->sv.app->cfg, "ssh.args");
	c->co.forward_env = c->forward_env;
	if (c->autoscale) {
		c->co.mode = HS_CLUSTER_AUTOSCALE;
		return scale_settings(c);
	}
	if (c->ssh_set) {
		c->co.mode = HS_CLUSTER_SSH;
		return hosts(c);
	}
	c->co.mode = c->co.launcher ? HS_CLUSTER_LAUNCHER : HS_CLUSTER_LOCAL;
	return HS_OK;
}

/* Clients verify the server by its certificate's fingerprint unless the
 * user chose how (a CA or a pin of their own). */
static hs_err
pin(struct clustercmd *c)
{
	struct hs_config *cfg = c->sv.app->cfg;
	const char *ca = cfg_str(cfg, "server.tls.cafile");
	hs_err e;

	if (!c->sv.net.tls || c->sv.cli.tls_ca || cfg_str(cfg, "server.tls.fingerprint") ||
	    (ca != NULL && strcmp(ca, "<auto>") != 0 && *ca))
		return HS_OK;
	if ((e = hs_tls_cert_file_fingerprint(c->sv.net.tlscfg.cert, c->fp)) != HS_OK)
		return e;
	c->co.fingerprint = c->fp;
	if (c->co.mode != HS_CLUSTER_LOCAL)
		log_info("Clients verify the server by its certificate fingerprint %s", c->fp);
	return HS_OK;
}

static hs_err
run(struct clustercmd *c, int *code)
{
	struct hs_serve *sv = &c->sv;
	hs_err e;

	if ((e = check_combinations(c)) != HS_OK || (e = mode(c)) != HS_OK)
		return e;
	if (c->restart)
		sv->file = NULL;
	else if (sv->file == NULL)
		sv->file = "-";
	if (sv->cli.port < 0 || sv->cli.port == 50001)
		sv->so.port_probe = 1000;
	if ((e = hs_auth_new_key(c->key)) != HS_OK)
		return e;
	sv->cli.key = c->key;
	c->args[c->nargs] = NULL;
	c->co.client_args = c->args;
	if ((e = hs_serve_open(sv)) != HS_OK || (e = pin(c)) != HS_OK)
		return e;
	return hs_cluster_run(sv, &c->co, code);
}

int
cmd_cluster(struct hs_app *app, int argc, char **argv)
{
	struct clustercmd *c = calloc(1, sizeof *c);
	bool helped;
	int code = 0;
	hs_err e;

	if (c == NULL)
		return hs_app_fail(HS_ENOMEM);
	hs_serve_init(&c->sv, app);
	c->argv0 = app->argv0;
	e = hs_opt_parse(&cluster_spec, argc, argv, on_option, c, &helped);
	if (e == HS_OK && !helped)
		e = run(c, &code);
	hs_serve_close(&c->sv);
	hs_hostlist_free(&c->hosts);
	explicit_bzero(c->key, sizeof c->key);
	free(c);
	return e == HS_OK ? code : hs_app_fail(e);
}
