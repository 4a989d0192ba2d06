/* serve.h: the server side that hs server and hsx share: settings from
 * the configuration under the command line's, the key policy, the
 * database (or the private in-memory one of --no-db), the failures file,
 * and FILE input stored by a feeder thread while the server serves. */
#ifndef HS_SERVE_H
#define HS_SERVE_H

#include <limits.h>
#include <stdbool.h>

#include "cmd.h"
#include "feeder.h"
#include "netcfg.h"
#include "server.h"
#include "submit.h"

struct hs_serve {
	struct hs_app *app;
	struct hs_netcli cli;          /* -H -p -k --no-tls --tls-* */
	struct hs_server_opts so;      /* options; the rest filled by hs_serve_open */
	struct hs_submit_opts sub;     /* how FILE lines become tasks */
	int64_t retries;               /* -r, or -1 for server.attempts */
	const char *file;              /* tasks to store first ("-": stdin), or NULL */
	const char *failures_path;     /* -f PATH ("-": stdout), or NULL */
	bool print_failures;           /* --print */
	bool no_db, initdb;
	/* filled by hs_serve_open */
	struct hs_netcfg net;
	struct hs_feeder *feeder;
	char nodb_dir[PATH_MAX - 16];  /* --no-db: its private directory */
	char nodb[PATH_MAX];           /* and database file */
};

/* Zero s and set what "not given" means. */
void hs_serve_init(struct hs_serve *s, struct hs_app *app);

/* Settings, key check, failures file, store and feeder: ready for
 * hs_server_run(&s->so, ...). */
hs_err hs_serve_open(struct hs_serve *s);

/* The hooks' "adding" for the feeder (arg: the struct hs_serve). */
bool hs_serve_adding(void *arg);

void hs_serve_close(struct hs_serve *s);

#endif
