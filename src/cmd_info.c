/* cmd_info.c: hs info ID. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "opt.h"
#include "output.h"
#include "store.h"
#include "uuid.h"

enum { O_FORMAT = 1, O_JSON, O_YAML, O_EXTRACT, O_STDOUT, O_STDERR };

#define FORMAT_GROUP 1
#define WHAT_GROUP 2

static const struct hs_opt info_opts[] = {
	{O_FORMAT, 'f', "format", NULL, OPT_VALUE, "FORMAT", "normal, json or yaml.", FORMAT_GROUP},
	{O_JSON, 0, "json", NULL, OPT_FLAG, NULL, "Same as --format=json.", FORMAT_GROUP},
	{O_YAML, 0, "yaml", NULL, OPT_FLAG, NULL, "Same as --format=yaml.", FORMAT_GROUP},
	{O_EXTRACT, 'x', "extract", NULL, OPT_VALUE, "FIELD", "Print only this field.", WHAT_GROUP},
	{O_STDOUT, 0, "stdout", NULL, OPT_FLAG, NULL,
	 "Print the task's captured standard output.", WHAT_GROUP},
	{O_STDERR, 0, "stderr", NULL, OPT_FLAG, NULL,
	 "Print the task's captured standard error (on stderr).", WHAT_GROUP},
	{0, 0, NULL, NULL, 0, NULL, NULL, 0},
};

static const struct hs_cmdspec info_spec = {
	.prog = "hs info",
	.summary = "Show the details of one task.",
	.positional = "ID",
	.poshelp = "The task's id.",
	.opts = info_opts,
};

struct info {
	const char *id;
	int format;
	int field;   /* -x, or -1 */
	int output;  /* O_STDOUT, O_STDERR, or 0 */
};

hs_err
hs_info_format(const char *val, int *out)
{
	*out = hs_format_parse(val);
	if (*out != HS_FMT_NORMAL && *out != HS_FMT_JSON && *out != HS_FMT_YAML)
		return hs_fail(HS_EUSAGE, "unknown format '%s' (normal, json, yaml)", val);
	return HS_OK;
}

static hs_err
on_option(void *ctx, int id, const char *val)
{
	struct info *in = ctx;

	switch (id) {
	case 0:
		if (in->id != NULL)
			return hs_fail(HS_EUSAGE, "hs info: one ID only");
		in->id = val;
		return HS_OK;
	case O_FORMAT: return hs_info_format(val, &in->format);
	case O_JSON: in->format = HS_FMT_JSON; return HS_OK;
	case O_YAML: in->format = HS_FMT_YAML; return HS_OK;
	case O_STDOUT:
	case O_STDERR:
		in->output = id;
		return HS_OK;
	case O_EXTRACT:
		if ((in->field = hs_field_find(val)) < 0)
			return hs_fail(HS_EUSAGE, "Invalid field name \"%s\"", val);
		return HS_OK;
	}
	return HS_EINTERNAL;
}

static hs_err
print(void *arg, const struct hs_task *t)
{
	const struct info *in = arg;

	if (in->field >= 0)
		return hs_print_field(stdout, t, in->field, (enum hs_format)in->format);
	return hs_print_info(stdout, t, (enum hs_format)in->format);
}

hs_err
hs_info_print(struct hs_store *st, const char *id, int format, int field)
{
	struct info in = {.id = id, .format = format, .field = field};

	return hs_store_get(st, id, print, &in);
}

int
cmd_info(struct hs_app *app, int argc, char **argv)
{
	struct info in = {.format = HS_FMT_NORMAL, .field = -1};
	struct hs_store *st = NULL;
	bool helped;
	hs_err e;

	e = hs_opt_parse(&info_spec, argc, argv, on_option, &in, &helped);
	if (e == HS_OK && !helped && in.output != 0 && in.id != NULL) {
		e = hs_uuid_valid(in.id) ? hs_store_open(app->cfg, &app->paths, HS_OPEN_READ, &st)
		                         : hs_fail(HS_EUSAGE, "Bad UUID: '%s'", in.id);
		if (e == HS_OK)
			e = hs_info_output(st, in.id, in.output == O_STDERR);
		hs_store_close(st);
		return hs_app_fail(e);
	}
	if (e == HS_OK && !helped && in.id == NULL)
		e = hs_fail(HS_EUSAGE, "hs info: missing task ID (see 'hs info --help')");
	if (e == HS_OK && !helped && !hs_uuid_valid(in.id))
		e = hs_fail(HS_EUSAGE, "Bad UUID: '%s'", in.id);
	if (e == HS_OK && !helped &&
	    (e = hs_store_open(app->cfg, &app->paths, HS_OPEN_READ, &st)) == HS_OK)
		e = hs_info_print(st, in.id, in.format, in.field);
	hs_store_close(st);
	fflush(stdout);
	return hs_app_fail(e);
}

/* --- captured output ------------------------------------------------------ */

struct where {
	char path[4096];
	char host[256];
	bool known;
};

static hs_err
locate(void *arg, const struct hs_task *t)
{
	struct where *w = arg;
	int f = w->known ? HS_F_ERRPATH : HS_F_OUTPATH;

	w->known = !t->f[f].null;
	if (w->known)
		snprintf(w->path, sizeof w->path, "%s", t->f[f].s);
	snprintf(w->host, sizeof w->host, "%s",
	         t->f[HS_F_CLIENT_HOST].null ? "" : t->f[HS_F_CLIENT_HOST].s);
	return HS_OK;
}

static hs_err
copy_fd(int fd, FILE *to)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(fd, buf, sizeof buf)) > 0)
		if (fwrite(buf, 1, (size_t)n, to) != (size_t)n)
			return hs_fail(HS_EIO, "write: %s", strerror(errno));
	return n < 0 ? hs_fail(HS_EIO, "read: %s", strerror(errno)) : HS_OK;
}

/* The file lives on the client's host: fetch it with the system's ssh
 * (so ~/.ssh/config, agents and known_hosts apply). */
static hs_err
fetch_remote(const struct where *w, FILE *to)
{
	char *argv[] = {"ssh", "-o", "BatchMode=yes", "--", (char *)w->host, "cat", "--",
	                (char *)w->path, NULL};
	int p[2], st = 0;
	pid_t pid;
	hs_err e;

	fflush(to);
	if (pipe2(p, O_CLOEXEC) != 0)
		return hs_fail(HS_EIO, "pipe: %s", strerror(errno));
	if ((pid = fork()) == 0) {
		dup2(p[1], STDOUT_FILENO);
		execvp("ssh", argv);
		_exit(127);
	}
	close(p[1]);
	e = pid < 0 ? hs_fail(HS_EIO, "fork: %s", strerror(errno)) : copy_fd(p[0], to);
	close(p[0]);
	if (pid > 0 && (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0))
		e = e ? e : hs_fail(HS_EIO, "cannot fetch %s from %s with ssh", w->path, w->host);
	return e;
}

hs_err
hs_info_output(struct hs_store *st, const char *id, bool errors)
{
	struct where w = {.known = errors};
	char me[256] = "";
	FILE *to = errors ? stderr : stdout;
	int fd;
	hs_err e;

	if ((e = hs_store_get(st, id, locate, &w)) != HS_OK)
		return e;
	if (!w.known)
		return hs_fail(HS_ENOTFOUND, "\"%s\" unavailable for task (%s): run the client "
		               "with --capture to keep task output", errors ? "errpath" : "outpath", id);
	if ((fd = open(w.path, O_RDONLY | O_CLOEXEC)) >= 0) {
		e = copy_fd(fd, to);
		close(fd);
		return e;
	}
	gethostname(me, sizeof me - 1);
	if (errno == ENOENT && *w.host != '\0' && strcmp(w.host, me) != 0)
		return fetch_remote(&w, to);
	return hs_fail(HS_EIO, "cannot read %s: %s", w.path, strerror(errno));
}
