/* cluster.h: what hsx runs once its options are settled: the server of
 * serve.c in this process, and its clients as child processes: one local
 * `hs client`, one `ssh HOST hs client` per host, one launcher command
 * (mpirun, srun), or clients launched and retired by the autoscaler.
 *
 * The key is fresh per run and reaches the clients through their
 * environment (local, launcher) or the ssh session's stdin, never a
 * command line. The server's certificate fingerprint goes with it, so a
 * client on any host verifies the server it connects to without a
 * shared file system. */
#ifndef HS_CLUSTER_H
#define HS_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>

#include "autoscale.h"
#include "serve.h"

enum hs_cluster_mode { HS_CLUSTER_LOCAL, HS_CLUSTER_SSH, HS_CLUSTER_LAUNCHER,
	               HS_CLUSTER_AUTOSCALE };

struct hs_cluster_opts {
	enum hs_cluster_mode mode;
	char *const *hosts;           /* SSH: expanded host names */
	size_t nhosts;
	const char *ssh_args;         /* SSH: extra ssh arguments (shell words), or NULL */
	bool forward_env;             /* SSH -E: HYPERSHELL_* variables on the remote command */
	const char *launcher;         /* LAUNCHER, AUTOSCALE: command prefix (shell words) */
	const char *exe;              /* this program, for local clients */
	const char *remote_exe;       /* the program on other hosts */
	const char *connect;          /* address the clients connect to */
	char *const *client_args;     /* `hs client` options after -H/-p, NULL-terminated */
	const char *fingerprint;      /* pin handed to clients, or NULL */
	struct {
		enum hs_scale_policy policy;
		double factor, period;
		int init, min, max;
	} scale;
};

/* Run the cluster on an opened hs_serve. *code is the exit code. */
hs_err hs_cluster_run(struct hs_serve *sv, const struct hs_cluster_opts *o, int *code);

#endif
