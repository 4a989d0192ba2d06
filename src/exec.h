/* exec.h: starting a task's process and building its environment.
 *
 * Each task runs as /bin/sh -c COMMAND in a process group of its own (so a
 * timeout's signals reach its grandchildren too), with the parent-death
 * signal set to SIGKILL (a client killed outright does not leave its
 * shells running), stdin from /dev/null and stdout/stderr where the
 * client says.
 */
#ifndef HS_EXEC_H
#define HS_EXEC_H

#include <sys/types.h>

#include "buf.h"
#include "err.h"
#include "task.h"

/* An environment under construction: strings in one buffer. */
struct hs_env {
	char **vars;       /* NULL-terminated, owned array (valid after build) */
	size_t n, cap;
	struct hs_buf text;   /* the "NAME=value" strings we made, NUL-separated */
	size_t *offs;      /* where each of our strings starts in text; owned */
	size_t noffs, capoffs;
};

/* What a task's environment holds besides its columns. */
struct hs_env_extra {
	const char *command;      /* TASK_COMMAND */
	const char *start_time;   /* TASK_START_TIME */
	int64_t waited;           /* TASK_WAITED (-1: null) */
	const char *outpath, *errpath, *csvpath;  /* TASK_OUTPATH, ... */
	const char *cwd;          /* TASK_CWD */
	int slot, slot_count;     /* TASK_SLOT, TASK_SLOT_COUNT */
	char *const *exports;     /* "NAME=value" from [export], or NULL */
	size_t nexports;
};

/* base (usually environ) + exports + TASK_* for task t. Variables of base
 * named TASK_* or like an export are dropped, so no name appears twice. */
hs_err hs_env_build(struct hs_env *env, char *const *base, const struct hs_task *t,
                    const struct hs_env_extra *x);
void hs_env_free(struct hs_env *env);

/* Start /bin/sh -c command. out_fd/err_fd: -1 to inherit. cwd may be NULL.
 * The child is the leader of a new process group (its pgid == *pid). */
hs_err hs_exec_spawn(const char *command, char *const *envp, const char *cwd,
                     int out_fd, int err_fd, pid_t *pid);

#endif
