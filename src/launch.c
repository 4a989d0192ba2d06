/* launch.c: child processes of hsx. */
#include "launch.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "timestamp.h"

extern char **environ;

struct child {
	pid_t pid;              /* 0 once reaped */
	char what[160];
};

struct hs_launch {
	struct child *kids;
	int n, cap, running, failures;
};

hs_err
hs_launch_new(struct hs_launch **out)
{
	return (*out = calloc(1, sizeof **out)) != NULL ? HS_OK : HS_ENOMEM;
}

void
hs_launch_free(struct hs_launch *l)
{
	if (l != NULL)
		free(l->kids);
	free(l);
}

/* environ plus env, built before fork (the child may not allocate). */
static char **
merged_env(char *const env[])
{
	size_t n = 0, m = 0, k = 0;
	char **out;

	while (environ[n] != NULL)
		n++;
	while (env != NULL && env[m] != NULL)
		m++;
	if ((out = calloc(n + m + 1, sizeof *out)) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t len = eq ? (size_t)(eq - environ[i]) + 1 : strlen(environ[i]);
		bool shadowed = false;
		for (size_t j = 0; j < m && !shadowed; j++)
			shadowed = strncmp(env[j], environ[i], len) == 0;
		if (!shadowed)
			out[k++] = environ[i];
	}
	for (size_t j = 0; j < m; j++)
		out[k++] = env[j];
	return out;
}

/* In the child: only async-signal-safe calls until exec. */
static void
child(char *const argv[], char **envp, int in, pid_t parent)
{
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127);   /* hsx already gone */
	if (in != STDIN_FILENO) {
		dup2(in, STDIN_FILENO);
		close(in);
	}
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	environ = envp;
	execvp(argv[0], argv);
	_exit(127);
}

static hs_err
input_fd(const char *input, int *fd, int *wfd)
{
	int p[2];

	*wfd = -1;
	if (input == NULL) {
		*fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		return *fd >= 0 ? HS_OK : hs_fail(HS_EIO, "cannot open /dev/null: %s", strerror(errno));
	}
	if (pipe2(p, O_CLOEXEC) != 0)
		return hs_fail(HS_EIO, "cannot make a pipe: %s", strerror(errno));
	*fd = p[0];
	*wfd = p[1];
	return HS_OK;
}

static hs_err
remember(struct hs_launch *l, pid_t pid, const char *what)
{
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 8;
		struct child *k = realloc(l->kids, (size_t)cap * sizeof *k);
		if (k == NULL)
			return HS_ENOMEM;
		l->kids = k;
		l->cap = cap;
	}
	l->kids[l->n].pid = pid;
	snprintf(l->kids[l->n].what, sizeof l->kids[l->n].what, "%s", what);
	l->n++;
	l->running++;
	return HS_OK;
}

hs_err
hs_launch_spawn(struct hs_launch *l, const char *what, char *const argv[],
                char *const env[], const char *input)
{
	char **envp = merged_env(env);
	pid_t parent = getpid(), pid;
	int in = -1, wfd = -1;
	hs_err e;

	if (envp == NULL)
		return HS_ENOMEM;
	if ((e = input_fd(input, &in, &wfd)) != HS_OK) {
		free(envp);
		return e;
	}
	if ((pid = fork()) == 0)
		child(argv, envp, in, parent);
	free(envp);
	close(in);
	if (pid < 0) {
		if (wfd >= 0)
			close(wfd);
		return hs_fail(HS_EIO, "cannot start %s: %s", what, strerror(errno));
	}
	if (wfd >= 0) {   /* a short line fits the pipe buffer: never blocks */
		size_t len = strlen(input);
		if (write(wfd, input, len) != (ssize_t)len)
			log_warning("Could not hand %s its input: %s", what, strerror(errno));
		close(wfd);
	}
	log_debug("Started %s (pid %ld)", what, (long)pid);
	return remember(l, pid, what);
}

static void
exited(struct hs_launch *l, struct child *k, int st)
{
	l->running--;
	k->pid = 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		log_debug("%s exited", k->what);
		return;
	}
	l->failures++;
	if (WIFEXITED(st))
		log_warning("%s exited with status %d", k->what, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		log_warning("%s was killed by signal %d (%s)", k->what, WTERMSIG(st),
		            strsignal(WTERMSIG(st)));
}

int
hs_launch_reap(struct hs_launch *l)
{
	for (int i = 0; i < l->n; i++) {
		int st;
		if (l->kids[i].pid > 0 && waitpid(l->kids[i].pid, &st, WNOHANG) == l->kids[i].pid)
			exited(l, &l->kids[i], st);
	}
	return l->running;
}

int
hs_launch_started(const struct hs_launch *l)
{
	return l->n;
}

int
hs_launch_running(const struct hs_launch *l)
{
	return l->running;
}

int
hs_launch_failures(const struct hs_launch *l)
{
	return l->failures;
}

static void
signal_all(struct hs_launch *l, int sig)
{
	for (int i = 0; i < l->n; i++)
		if (l->kids[i].pid > 0)
			kill(-l->kids[i].pid, sig);   /* its process group */
}

/* Reap until none runs or deadline_ms (monotonic) passes. */
static void
wait_until(struct hs_launch *l, int64_t deadline_ms)
{
	struct timespec nap = {0, 5 * 1000 * 1000};

	while (hs_launch_reap(l) > 0 && hs_mono_ms() < deadline_ms)
		nanosleep(&nap, NULL);
}

void
hs_launch_finish(struct hs_launch *l, double grace)
{
	if (l == NULL)
		return;
	wait_until(l, hs_mono_ms() + (int64_t)(grace * 1000));
	if (l->running == 0)
		return;
	log_warning("Stopping %d clients that did not exit", l->running);
	signal_all(l, SIGTERM);
	wait_until(l, hs_mono_ms() + 5000);
	if (l->running > 0) {
		signal_all(l, SIGKILL);
		wait_until(l, hs_mono_ms() + 2000);
	}
}
