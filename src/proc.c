/* proc.c: posix_spawn a shell command with a captured stdout and a deadline. */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static hs_err
spawn_sh(const char *cmd, int outfd, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	char *argv[] = {"sh", "-c", (char *)cmd, NULL};
	int rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, outfd, STDOUT_FILENO);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
	rc = posix_spawn(pid, "/bin/sh", &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc != 0)
		return hs_fail(HS_ECHILD, "cannot run /bin/sh: %s", strerror(rc));
	return HS_OK;
}

/* Read from fd into out until EOF or the deadline. */
static hs_err
drain(int fd, long deadline, struct hs_buf *out)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	char chunk[4096];
	ssize_t n;
	long left;
	hs_err e;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return hs_fail(HS_ECHILD, "command timed out");
		int pr = poll(&pfd, 1, (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			return hs_fail(HS_ECHILD, "poll: %s", strerror(errno));
		if (pr == 0)
			continue;  /* deadline reached: the loop top reports it */
		n = read(fd, chunk, sizeof chunk);
		if (n == 0)
			return HS_OK;
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return hs_fail(HS_ECHILD, "read: %s", strerror(errno));
		if (n > 0 && (e = hs_buf_append(out, chunk, (size_t)n)) != HS_OK)
			return e == HS_ELIMIT ? hs_fail(e, "command output too long") : e;
	}
}

static int
reap(pid_t pid, bool kill_it)
{
	int st = 0;

	if (kill_it)
		kill(-pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

hs_err
hs_run_capture(const char *cmd, int timeout_ms, struct hs_buf *out, int *status)
{
	int p[2];
	pid_t pid;
	hs_err e;

	if (pipe2(p, O_CLOEXEC) != 0)
		return hs_fail(HS_ECHILD, "pipe: %s", strerror(errno));
	e = spawn_sh(cmd, p[1], &pid);
	close(p[1]);
	if (e == HS_OK) {
		e = drain(p[0], now_ms() + timeout_ms, out);
		*status = reap(pid, e != HS_OK);
	}
	close(p[0]);
	return e;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

void
hs_buf_strip(struct hs_buf *b)
{
	size_t i = 0, n = b->len;

	while (n > 0 && is_space(b->data[n - 1]))
		n--;
	while (i < n && is_space(b->data[i]))
		i++;
	if (i > 0)
		memmove(b->data, b->data + i, n - i);
	hs_buf_truncate(b, n - i);
}
