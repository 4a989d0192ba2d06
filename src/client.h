/* client.h: hs client: pulls tasks from a server and runs N at a time.
 *
 * One libevent loop, no thread per task: slots are process slots. The
 * client proves it holds the key and checks that the server does too
 * before running anything. It asks for work ahead of its free slots (so
 * it never idles between bundles), keeps every result until the server
 * acknowledges it, and re-sends unacknowledged results after a reconnect.
 */
#ifndef HS_CLIENT_H
#define HS_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "tls.h"

enum hs_output { HS_OUT_INHERIT, HS_OUT_FILES, HS_OUT_CAPTURE };

struct hs_client_opts {
	const char *host;
	int port;
	const char *key;            /* secret; never logged */
	bool tls;
	struct hs_tls_config tlscfg;
	const char *auto_cafile;    /* the site's server certificate, trusted if it
	                             * appears after start (cafile unset), or NULL */
	int slots;                  /* tasks at once */
	const char *tmpl;           /* command template, "{}" by default */
	int bundlesize;             /* results per RESULTS message */
	double bundlewait;          /* longest wait before a partial batch is sent */
	bool no_confirm;
	enum hs_output output;
	const char *out_path, *err_path;   /* HS_OUT_FILES */
	const char *taskdir;        /* <site lib>/task: capture and monitor files */
	bool monitor;               /* sample each task's usage into <taskdir>/<id>.csv */
	double delay_start;         /* seconds before connecting; < 0: random up to |d| */
	double idle_timeout;        /* exit after this long without work (0: never) */
	double task_timeout;        /* per-task limit (0: none; the task's own applies) */
	double ratelimit;           /* most task starts per second (0: no limit) */
	double signalwait;          /* seconds between SIGINT, SIGTERM, SIGKILL */
	int64_t cores, memory;      /* what this client offers (0: unlimited) */
	double heartrate;           /* seconds between heartbeats */
	double reconnect;           /* seconds to keep trying a lost server */
	char *const *exports;       /* "NAME=value" for every task */
	size_t nexports;
	const char *cwd;            /* task working directory, or NULL */
};

/* Run until the server drains us, the idle timeout passes, or a signal.
 * *exit_code gets the process exit code when HS_OK is returned. */
hs_err hs_client_run(const struct hs_client_opts *o, int *exit_code);

#endif
