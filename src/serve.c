/* serve.c: server-side set-up shared by hs server and hsx. */
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "log.h"

void
hs_serve_init(struct hs_serve *s, struct hs_app *app)
{
	memset(s, 0, sizeof *s);
	s->app = app;
	s->cli.port = -1;
	s->retries = -1;
}

static void
defaults(struct hs_serve *s)
{
	struct hs_config *cfg = s->app->cfg;
	struct hs_server_opts *o = &s->so;

	if (o->bundlesize == 0)
		o->bundlesize = (int)cfg_int(cfg, "server.bundlesize");
	if (o->bundlewait <= 0)
		o->bundlewait = cfg_double(cfg, "submit.bundlewait");
	if (o->poll <= 0)
		o->poll = cfg_double(cfg, "server.poll");
	o->attempts = s->retries >= 0 ? (int)(s->retries + 1) : (int)cfg_int(cfg, "server.attempts");
	o->eager = o->eager || cfg_bool(cfg, "server.eager");
	o->evict = cfg_double(cfg, "server.evict");
	o->crash_limit = (int)cfg_int(cfg, "server.crash_limit");
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
open_failures(struct hs_serve *s)
{
	if (s->print_failures || (s->failures_path && strcmp(s->failures_path, "-") == 0)) {
		s->so.failures = stdout;
		return HS_OK;
	}
	if (s->failures_path == NULL)
		return HS_OK;
	if ((s->so.failures = fopen(s->failures_path, "a")) == NULL)
		return hs_fail(HS_EIO, "cannot open %s: %s", s->failures_path, strerror(errno));
	setvbuf(s->so.failures, NULL, _IOLBF, 0);
	return HS_OK;
}

/* --no-db: a private file in a fresh temporary directory, not synced,
 * removed at the end (an in-memory database would hold every task in
 * RAM, and its shared cache locks whole tables between connections). */
static hs_err
open_nodb(struct hs_serve *s, struct hs_store **st)
{
	const char *tmp = getenv("TMPDIR");
	hs_err e;

	if (s->nodb_dir[0] != '\0') {   /* the feeder's connection to it */
		if ((e = hs_store_sqlite_open(s->nodb, s->app->cfg, HS_OPEN_CREATE, st)) == HS_OK)
			e = (*st)->ops->durability(*st, false);
		return e;
	}
	snprintf(s->nodb_dir, sizeof s->nodb_dir, "%s/hs-nodb-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(s->nodb_dir) == NULL) {
		e = hs_fail(HS_EIO, "--no-db: cannot make a directory in %s: %s",
		            tmp && *tmp ? tmp : "/tmp", strerror(errno));
		s->nodb_dir[0] = '\0';
		return e;
	}
	snprintf(s->nodb, sizeof s->nodb, "%s/tasks.db", s->nodb_dir);
	return hs_store_sqlite_open(s->nodb, s->app->cfg, HS_OPEN_EPHEMERAL, st);
}

static hs_err
open_store(struct hs_serve *s, struct hs_store **st, enum hs_open_mode mode)
{
	if (s->no_db)
		return open_nodb(s, st);
	return hs_store_open(s->app->cfg, &s->app->paths, mode, st);
}

/* FILE is stored by a thread on its own connection while we serve. */
static hs_err
start_feeder(struct hs_serve *s)
{
	struct hs_store *st = NULL;
	bool in = strcmp(s->file, "-") == 0;
	int fd = in ? STDIN_FILENO : open(s->file, O_RDONLY | O_CLOEXEC);
	hs_err e;

	if (fd < 0)
		return hs_fail(HS_EIO, "cannot open %s: %s", s->file, strerror(errno));
	s->sub.bundlesize = 1;
	s->sub.bundlewait = s->so.bundlewait;
	s->sub.maxline = (size_t)cfg_int(s->app->cfg, "submit.max_line_length");
	if ((e = open_store(s, &st, HS_OPEN_CREATE)) != HS_OK) {
		if (!in)
			close(fd);
		return e;
	}
	return hs_feeder_start(&s->sub, st, fd, in ? "<stdin>" : s->file, &s->feeder);
}

hs_err
hs_serve_open(struct hs_serve *s)
{
	hs_err e;

	defaults(s);
	if ((e = hs_paths_ensure(&s->app->paths)) != HS_OK ||
	    (e = hs_netcfg_load(s->app, true, &s->cli, &s->net)) != HS_OK ||
	    (e = check_key(s->net.key)) != HS_OK || (e = open_failures(s)) != HS_OK ||
	    (e = open_store(s, &s->so.store, s->initdb ? HS_OPEN_INIT : HS_OPEN_CREATE)) != HS_OK)
		return e;
	s->so.bind = s->net.host;
	s->so.port = s->net.port;
	s->so.key = s->net.key;
	s->so.tls = s->net.tls;
	s->so.tlscfg = s->net.tlscfg;
	return s->file != NULL ? start_feeder(s) : HS_OK;
}

bool
hs_serve_adding(void *arg)
{
	const struct hs_serve *s = arg;

	return hs_feeder_running(s->feeder);
}

void
hs_serve_close(struct hs_serve *s)
{
	hs_feeder_stop(s->feeder);
	s->feeder = NULL;
	hs_store_close(s->so.store);   /* an ephemeral one removes its files */
	s->so.store = NULL;
	if (s->nodb_dir[0] != '\0')
		rmdir(s->nodb_dir);
	s->nodb_dir[0] = '\0';
	if (s->so.failures != NULL && s->so.failures != stdout)
		fclose(s->so.failures);
	s->so.failures = NULL;
	hs_netcfg_free(&s->net);
	hs_tags_free(&s->sub.tags);
}
