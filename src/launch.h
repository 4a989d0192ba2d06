/* launch.h: the client processes hsx starts and watches: a local
 * `hs client`, one `ssh` per host, or one launcher command (mpirun,
 * srun). Each child gets its own process group (a Ctrl-C reaches hsx
 * only, which drains the clients through the server) and dies with hsx
 * (parent-death signal). Secrets reach a child through its environment
 * or its stdin, never its command line. */
#ifndef HS_LAUNCH_H
#define HS_LAUNCH_H

#include <stdbool.h>
#include <sys/types.h>

#include "err.h"

struct hs_launch;

hs_err hs_launch_new(struct hs_launch **out);
void hs_launch_free(struct hs_launch *l);

/* Start argv (argv[0] looked up in PATH) with the environment plus env
 * ("NAME=value" strings, NULL-terminated, may be NULL). With input, the
 * child reads that text on stdin (then end of file); else /dev/null.
 * what names the child in log lines (no secrets). */
hs_err hs_launch_spawn(struct hs_launch *l, const char *what, char *const argv[],
                       char *const env[], const char *input);

/* Collect children that exited (each logged); returns how many still run. */
int hs_launch_reap(struct hs_launch *l);

/* Children started, still running, and those that exited with failure. */
int hs_launch_started(const struct hs_launch *l);
int hs_launch_running(const struct hs_launch *l);
int hs_launch_failures(const struct hs_launch *l);

/* Wait up to grace seconds for every child to exit; then SIGTERM, and
 * SIGKILL a few seconds later. */
void hs_launch_finish(struct hs_launch *l, double grace);

#endif
