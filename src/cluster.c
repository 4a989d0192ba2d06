/* cluster.c: the server of hsx with its clients as child processes. */
#include "cluster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "launch.h"
#include "log.h"
#include "shword.h"
#include "timestamp.h"

#define CLUSTER_LATE 30      /* seconds ssh clients get to connect (on_adding) */
/* Seconds launched processes get to exit once the server is done. Every
 * client that connected has been drained and has left by then: what still
 * runs is a launcher tearing down, or clients that never reached the
 * server (more mpirun ranks than tasks) and would retry for minutes. */
#define CLUSTER_GRACE 5
#define MAX_WORDS 256

struct cluster {
	struct hs_serve *sv;
	const struct hs_cluster_opts *o;
	struct hs_launch *launch;
	char port[8];
	char *env[4];                 /* for the clients: key, pin */
	int64_t next_scale_ms;
	struct server *srv;           /* once listening */
	int64_t hold_until_ms;        /* on_adding: end of the wait for late ssh clients */
	int most_clients;             /* the most seen connected at once */
	bool stopping;
};

/* --- command lines ----------------------------------------------------------- */

/* `hs client -H HOST -p PORT options...` from argv[at] on. */
static int
client_words(struct cluster *c, const char *exe, bool key_on_stdin, char **w, int at)
{
	w[at++] = (char *)exe;
	w[at++] = "client";
	if (key_on_stdin) {
		w[at++] = "-k";
		w[at++] = "-";
	}
	w[at++] = "-H";
	w[at++] = (char *)c->o->connect;
	w[at++] = "-p";
	w[at++] = c->port;
	for (char *const *a = c->o->client_args; *a && at < MAX_WORDS - 1; a++)
		w[at++] = *a;
	w[at] = NULL;
	return at;
}

/* sh -c 'PREFIX "$@"' sh WORDS...: the user's prefix split as the shell
 * splits it, our words passed untouched. */
static hs_err
spawn_prefixed(struct cluster *c, const char *what, const char *prefix, char **words,
               char *const *env, const char *input)
{
	char *w[MAX_WORDS + 4];
	struct hs_buf script = HS_BUF_INIT(1 << 16);
	int n = 0;
	hs_err e;

	if ((e = hs_buf_printf(&script, "exec %s \"$@\"", prefix)) != HS_OK)
		return e;
	w[n++] = "/bin/sh";
	w[n++] = "-c";
	w[n++] = script.data;
	w[n++] = "sh";
	for (int i = 0; words[i] != NULL; i++)
		w[n++] = words[i];
	w[n] = NULL;
	e = hs_launch_spawn(c->launch, what, w, env, input);
	hs_buf_free(&script);
	return e;
}

static hs_err
launch_local(struct cluster *c)
{
	char *w[MAX_WORDS];

	client_words(c, c->o->exe, false, w, 0);
	return hs_launch_spawn(c->launch, "the local client", w, c->env, NULL);
}

static hs_err
launch_launcher(struct cluster *c)
{
	char *w[MAX_WORDS];
	char what[128];

	if (c->o->launcher == NULL || *c->o->launcher == '\0')
		return launch_local(c);   /* autoscaling on this host */
	client_words(c, c->o->remote_exe, false, w, 0);
	snprintf(what, sizeof what, "launcher '%.80s'", c->o->launcher);
	return spawn_prefixed(c, what, c->o->launcher, w, c->env, NULL);
}

/* HYPERSHELL_* of our environment (never the key) for ssh -E. */
static hs_err
forward_env(struct hs_buf *b)
{
	extern char **environ;

	for (char **e = environ; *e; e++) {
		if (strncmp(*e, "HYPERSHELL_", 11) != 0 || strncmp(*e, "HYPERSHELL_SERVER_AUTH", 22) == 0)
			continue;
		hs_err err = hs_shell_quote(b, *e);
		if (err == HS_OK)
			err = hs_buf_putc(b, ' ');
		if (err != HS_OK)
			return err;
	}
	return HS_OK;
}

/* The remote command: env [HYPERSHELL_...] 'hs' 'client' '-k' '-' ... */
static hs_err
remote_command(struct cluster *c, struct hs_buf *b)
{
	char *w[MAX_WORDS];
	hs_err e = hs_buf_puts(b, "env ");

	if (e == HS_OK && c->o->forward_env)
		e = forward_env(b);
	if (e == HS_OK && c->o->fingerprint)
		e = hs_buf_printf(b, "HYPERSHELL_SERVER_TLS_FINGERPRINT=%s ", c->o->fingerprint);
	client_words(c, c->o->remote_exe, true, w, 0);
	for (int i = 0; e == HS_OK && w[i] != NULL; i++) {
		e = hs_shell_quote(b, w[i]);
		if (e == HS_OK && w[i + 1] != NULL)
			e = hs_buf_putc(b, ' ');
	}
	return e;
}

static hs_err
launch_ssh(struct cluster *c, const char *host)
{
	struct hs_buf cmd = HS_BUF_INIT(1 << 20), prefix = HS_BUF_INIT(1 << 16);
	struct hs_buf input = HS_BUF_INIT(1024);
	char *w[3] = {(char *)host, NULL, NULL};
	char what[300];
	hs_err e;

	e = remote_command(c, &cmd);
	if (e == HS_OK)
		e = hs_buf_printf(&prefix, "ssh %s", c->o->ssh_args ? c->o->ssh_args : "");
	if (e == HS_OK)
		e = hs_buf_printf(&input, "%s\n", c->sv->net.key);
	w[1] = cmd.data;
	snprintf(what, sizeof what, "ssh client on %s", host);
	if (e == HS_OK)
		e = spawn_prefixed(c, what, prefix.data, w, NULL, input.data);
	explicit_bzero(input.data, input.len);
	hs_buf_free(&input);
	hs_buf_free(&prefix);
	hs_buf_free(&cmd);
	return e;
}

/* --- hooks -------------------------------------------------------------------- */

static hs_err
on_ready(void *arg, struct server *srv, int port)
{
	struct cluster *c = arg;
	hs_err e = HS_OK;

	snprintf(c->port, sizeof c->port, "%d", port);
	c->srv = srv;
	switch (c->o->mode) {
	case HS_CLUSTER_LOCAL:
		return launch_local(c);
	case HS_CLUSTER_LAUNCHER:
		return launch_launcher(c);
	case HS_CLUSTER_SSH:
		log_info("Starting clients on %zu hosts over ssh", c->o->nhosts);
		for (size_t i = 0; i < c->o->nhosts && e == HS_OK; i++)
			e = launch_ssh(c, c->o->hosts[i]);
		return e;
	case HS_CLUSTER_AUTOSCALE:
		for (int i = 0; i < c->o->scale.init && e == HS_OK; i++)
			e = launch_launcher(c);
		c->next_scale_ms = hs_mono_ms() + (int64_t)(c->o->scale.period * 1000);
		return e;
	}
	return HS_EINTERNAL;
}

/* True while the work may not end: the input is still being stored, or
 * (ssh: one client per child) not every running ssh session has had its
 * client connected yet, for at most CLUSTER_LATE seconds. Otherwise the
 * first clients could finish a few tasks and stop the server before a
 * slower ssh session connects, and that client would retry until hsx gives
 * up on it. */
static bool
on_adding(void *arg)
{
	struct cluster *c = arg;
	struct hs_store *st = c->sv->so.store;
	int64_t now, left = 0;
	int n;

	if (hs_serve_adding(c->sv))
		return true;
	if (c->o->mode != HS_CLUSTER_SSH || c->hold_until_ms < 0)
		return false;
	if (c->srv == NULL)   /* before the launch: only if there is work for them */
		return st->ops->remaining(st, &left) == HS_OK && left > 0;
	if ((n = hs_server_clients(c->srv)) > c->most_clients)
		c->most_clients = n;
	if (hs_launch_reap(c->launch) <= c->most_clients)
		return false;
	now = hs_mono_ms();
	if (c->hold_until_ms == 0)
		c->hold_until_ms = now + CLUSTER_LATE * 1000;
	if (now < c->hold_until_ms)
		return true;
	log_warning("%d ssh clients have not connected after %ds; finishing without them",
	            hs_launch_running(c->launch) - c->most_clients, CLUSTER_LATE);
	c->hold_until_ms = -1;
	return false;
}

static void
autoscale(struct cluster *c, struct server *srv, int running)
{
	struct hs_store *st = c->sv->so.store;
	struct hs_server_result r;
	struct hs_scale_in in = {c->o->scale.policy, running, c->o->scale.min, c->o->scale.max, 0, 0};
	int n;

	if (hs_mono_ms() < c->next_scale_ms)
		return;
	c->next_scale_ms = hs_mono_ms() + (int64_t)(c->o->scale.period * 1000);
	if (st->ops->remaining(st, &in.remaining) != HS_OK)
		return;
	hs_server_progress(srv, &r);
	if (r.completed > 0 && r.seconds > 0)
		in.pressure = hs_scale_pressure(in.remaining, (double)r.completed / r.seconds,
		                                r.task_seconds / (double)r.completed, c->o->scale.factor);
	if ((n = hs_scale_decide(&in)) > 0)
		log_info("Autoscaling: %d clients running, %lld tasks remaining, pressure %.2f: "
		         "launching %d", running, (long long)in.remaining, in.pressure, n);
	for (int i = 0; i < n; i++)
		if (launch_launcher(c) != HS_OK)
			log_error("Cannot launch a client: %s", hs_detail());
}

/* Every client process gone while the server still waits: stop. */
static void
all_gone(struct cluster *c, struct server *srv)
{
	struct hs_store *st = c->sv->so.store;
	int64_t left = 0;

	if (c->stopping || hs_serve_adding(c->sv) || hs_server_clients(srv) > 0)
		return;
	c->stopping = true;
	st->ops->remaining(st, &left);
	if (left == 0) {
		hs_server_stop(srv, "every client has exited", 0);
		return;
	}
	log_error("Every client has exited with %lld tasks not run (hsx --restart runs them)",
	          (long long)left);
	hs_server_stop(srv, "every client has exited", HS_EXIT_RUNTIME);
}

static void
on_tick(void *arg, struct server *srv)
{
	struct cluster *c = arg;
	int running = hs_launch_reap(c->launch);

	if (c->o->mode == HS_CLUSTER_AUTOSCALE)
		autoscale(c, srv, running);
	else if (running == 0)
		all_gone(c, srv);
}

/* --- run -------------------------------------------------------------------- */

static hs_err
client_env(struct cluster *c)
{
	struct hs_buf b = HS_BUF_INIT(4096);
	int n = 0;

	if (hs_buf_printf(&b, "HYPERSHELL_SERVER_AUTH=%s", c->sv->net.key) != HS_OK)
		return HS_ENOMEM;
	c->env[n++] = hs_buf_steal(&b);
	if (c->o->fingerprint != NULL) {
		if (hs_buf_printf(&b, "HYPERSHELL_SERVER_TLS_FINGERPRINT=%s", c->o->fingerprint) != HS_OK)
			return HS_ENOMEM;
		c->env[n++] = hs_buf_steal(&b);
	}
	/* Open MPI forwards these to ranks on other hosts (like mpirun -x) */
	c->env[n++] = strdup("OMPI_MCA_mca_base_env_list="
	                     "HYPERSHELL_SERVER_AUTH;HYPERSHELL_SERVER_TLS_FINGERPRINT");
	c->env[n] = NULL;
	return c->env[0] && c->env[n - 1] ? HS_OK : HS_ENOMEM;
}

/* Stopped by Ctrl-C with work left: say how to go on, exit 4. */
static void
interrupted(struct cluster *c, const struct hs_server_result *r, int *code)
{
	struct hs_store *st = c->sv->so.store;
	int64_t left = 0;

	if (!r->signalled || st->ops->remaining(st, &left) != HS_OK || left == 0)
		return;
	log_warning("Interrupted with %lld tasks not run (hsx --restart runs them)", (long long)left);
	if (*code == 0)
		*code = HS_EXIT_INTERRUPT;
}

static void
summary(const struct hs_server_result *r, int code)
{
	log_info("Cluster done: %lld tasks (%lld failed, %lld retried) in %.2fs, %.1f tasks/s%s",
	         (long long)r->completed, (long long)r->failed, (long long)r->retried, r->seconds,
	         r->seconds > 0 ? (double)r->completed / r->seconds : 0.0,
	         code != 0 ? " (stopped early)" : "");
}

hs_err
hs_cluster_run(struct hs_serve *sv, const struct hs_cluster_opts *o, int *code)
{
	struct cluster c = {.sv = sv, .o = o};
	struct hs_server_hooks hooks = {&c, on_ready, on_adding, on_tick};
	struct hs_server_result r = {0};
	hs_err e;

	if ((e = hs_launch_new(&c.launch)) != HS_OK || (e = client_env(&c)) != HS_OK)
		goto out;
	sv->so.hooks = &hooks;
	e = hs_server_run(&sv->so, code, &r);
	/* no grace for clients already waited for (on_adding) */
	hs_launch_finish(c.launch, r.interrupted || c.hold_until_ms < 0 ? 0 : CLUSTER_GRACE);
	if (e == HS_OK) {
		interrupted(&c, &r, code);
		summary(&r, *code);
	}
out:
	for (int i = 0; c.env[i] != NULL; i++) {
		explicit_bzero(c.env[i], strlen(c.env[i]));
		free(c.env[i]);
	}
	hs_launch_free(c.launch);
	return e;
}
