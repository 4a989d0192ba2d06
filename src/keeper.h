/* keeper.h: the process groups of a client's tasks die with the client.
 *
 * A task's shell gets the parent-death signal, but what the shell starts
 * (a pipeline, a background job) does not: killed with SIGKILL, a client
 * would leave them running. The keeper is a small child process that
 * learns each task's process group over a pipe; when the pipe closes
 * (the client exited or was killed) it kills every group still listed.
 */
#ifndef HS_KEEPER_H
#define HS_KEEPER_H

#include <sys/types.h>

#include "err.h"

/* Start the keeper; *fd is the pipe to it (close-on-exec). */
hs_err hs_keeper_start(int *fd);
/* A task's process group started, or ended. */
void hs_keeper_add(int fd, pid_t pgid);
void hs_keeper_del(int fd, pid_t pgid);

#endif
