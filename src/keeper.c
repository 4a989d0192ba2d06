/* keeper.c: kills a dead client's task process groups. */
#include "keeper.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

struct note {
	char op;          /* '+' or '-' */
	int32_t pgid;
} __attribute__((packed));

static void
send_note(int fd, char op, pid_t pgid)
{
	struct note n = {op, (int32_t)pgid};

	if (fd >= 0 && pgid > 1)
		(void)!write(fd, &n, sizeof n);   /* 5 bytes: atomic on a pipe */
}

void
hs_keeper_add(int fd, pid_t pgid)
{
	send_note(fd, '+', pgid);
}

void
hs_keeper_del(int fd, pid_t pgid)
{
	send_note(fd, '-', pgid);
}

/* The keeper: read notes until the pipe closes, then kill what is left. */
static void
keep(int in)
{
	pid_t *g = NULL;
	size_t n = 0, cap = 0;
	struct note x;
	ssize_t r;

	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	prctl(PR_SET_NAME, "hs-keeper");
	while ((r = read(in, &x, sizeof x)) == (ssize_t)sizeof x || (r < 0 && errno == EINTR)) {
		if (r < 0)
			continue;
		if (x.op == '+') {
			if (n == cap) {
				size_t c = cap ? cap * 2 : 64;
				pid_t *t = realloc(g, c * sizeof *t);
				if (t == NULL)
					continue;
				g = t;
				cap = c;
			}
			g[n++] = x.pgid;
		} else {
			for (size_t i = 0; i < n; i++)
				if (g[i] == x.pgid) {
					g[i] = g[--n];
					break;
				}
		}
	}
	for (size_t i = 0; i < n; i++)
		kill(-g[i], SIGKILL);
	_exit(0);
}

hs_err
hs_keeper_start(int *fd)
{
	int p[2];
	pid_t pid;

	*fd = -1;
	if (pipe2(p, O_CLOEXEC) != 0)
		return hs_fail(HS_EIO, "cannot make a pipe: %s", strerror(errno));
	if ((pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		return hs_fail(HS_EIO, "cannot start the task keeper: %s", strerror(errno));
	}
	if (pid == 0) {
		close(p[1]);
		for (int i = 3; i < 1024; i++)   /* nothing of the client's but the pipe */
			if (i != p[0])
				close(i);
		keep(p[0]);
	}
	close(p[0]);
	*fd = p[1];
	return HS_OK;
}
