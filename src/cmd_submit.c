/* cmd_submit.c: hs submit, and the legacy hs task submit.
 *
 * Input is streamed, never slurped: lines are parsed one at a time and
 * inserted into an open transaction. A transaction is committed when it
 * reaches SUBMIT_MAX_BATCH tasks; when it holds at least bundlesize tasks
 * and the input has nothing more ready; when bundlewait seconds have passed
 * since its first task (checked while waiting for input, unlike the
 * original, which only checked when a line arrived); and at end of input.
 * So a pipe from `seq` commits every few thousand lines, and a slow
 * producer's tasks become visible as soon as it pauses.
 *
 * Bad lines (too long, NUL bytes, invalid UTF-8, malformed tags, template
 * errors) are reported with their line number and skipped; the rest is
 * submitted, and the exit status is 2 if any line was rejected.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "linereader.h"
#include "log.h"
#include "opt.h"
#include "proc.h"
#include "store.h"
#include "taskline.h"
#include "template.h"
#include "timestamp.h"
#include "units.h"
#include "uuid.h"

#define SUBMIT_MAX_BATCH 10000       /* most tasks per transaction */
#define TEMPLATE_SHELL_TIMEOUT_MS 60000
#define TEMPLATE_OUTPUT_MAX (1 << 20)

enum {
	O_FILE = 1, O_TEMPLATE, O_TAG, O_GROUP, O_CORES, O_MEMORY, O_TIMEOUT,
	O_BUNDLESIZE, O_BUNDLEWAIT, O_INITDB,
};

static const struct hs_opt submit_opts[] = {
	{O_FILE, 'f', "task-file", NULL, OPT_VALUE, "FILE", "Read tasks from FILE ('-' for stdin).", 0},
	{O_TEMPLATE, 0, "template", NULL, OPT_VALUE, "CMD",
	 "Expand each line with this template before storing it (default: {}).", 0},
	{O_TAG, 't', "tag", NULL, OPT_MULTI, "TAG", "Tags for every task: KEY or KEY:VALUE.", 0},
	{O_GROUP, 'g', "group", NULL, OPT_VALUE, "NUM", "Task group (default: the active group).", 0},
	{O_CORES, 'c', "cores", NULL, OPT_VALUE, "NUM", "Cores each task needs.", 0},
	{O_MEMORY, 'm', "memory", NULL, OPT_VALUE, "MEM", "Memory each task needs (e.g. 512MB).", 0},
	{O_TIMEOUT, 'W', "timeout", NULL, OPT_VALUE, "SEC", "Time limit of each task in seconds.", 0},
	{O_BUNDLESIZE, 'b', "bundlesize", NULL, OPT_VALUE, "NUM",
	 "Tasks gathered before committing while input is slow (default: 1).", 0},
	{O_BUNDLEWAIT, 'w', "bundlewait", NULL, OPT_VALUE, "SEC",
	 "Longest wait before committing a partial batch (default: 5).", 0},
	{O_INITDB, 0, "initdb", NULL, OPT_FLAG, NULL,
	 "Initialise (or upgrade) the database first.", 0},
	{0, 0, NULL, NULL, 0, NULL, NULL, 0},
};

static const struct hs_cmdspec submit_spec = {
	.prog = "hs submit",
	.summary = "Submit tasks to the database: one task from ARGS, or one task per line\n"
	           "of FILE or standard input. A line may end in '#HYPERSHELL k:v ...' to\n"
	           "tag it (group, cores, memory and timeout set those columns); a line\n"
	           "holding only such a comment applies to the lines that follow.",
	.positional = "ARGS...",
	.poshelp = "A command (a single FILE that is not executable is read as a task file).",
	.opts = submit_opts,
};

static const struct hs_cmdspec task_submit_spec = {
	.prog = "hs task submit",
	.summary = "Submit one task and print its id.",
	.positional = "ARGS...",
	.poshelp = "The command.",
	.opts = submit_opts,
};

struct submit {
	/* options */
	char **args;                 /* positional words; owned array */
	size_t nargs;
	const char *file;
	const char *tmpl;
	struct hs_tags tags;         /* -t */
	struct hs_taskopts cli;      /* -g -c -m -W */
	int64_t bundlesize;
	double bundlewait;
	bool initdb;
	bool print_id;               /* hs task submit */
	/* state */
	struct hs_app *app;
	struct hs_store *store;
	char submit_id[HS_UUID_STRLEN + 1];
	char last_id[HS_UUID_STRLEN + 1];  /* id of the last task inserted */
	char host[256];
	struct hs_taskopts sticky;   /* from directive-only lines */
	struct hs_tags sticky_tags;
	int64_t group;               /* default group */
	int64_t submitted;           /* committed tasks */
	int64_t pending;             /* tasks in the open transaction */
	int64_t first_pending_ms;    /* when the open transaction got its first */
	int64_t rejected;            /* bad lines */
	const char *source;          /* for messages: path or <stdin> */
	struct hs_buf json;          /* scratch: tag JSON */
	struct hs_buf expanded;      /* scratch: template output */
	struct hs_tags linetags;     /* scratch: merged tags of one line */
};

/* --- options ------------------------------------------------------------ */

static hs_err
take_positional(struct submit *s, const char *val)
{
	char **na = realloc(s->args, (s->nargs + 1) * sizeof *na);

	if (na == NULL)
		return HS_ENOMEM;
	s->args = na;
	s->args[s->nargs++] = (char *)val;
	return HS_OK;
}

static hs_err
on_option(void *ctx, int id, const char *val)
{
	struct submit *s = ctx;
	char *end;

	switch (id) {
	case 0: return take_positional(s, val);
	case O_FILE: s->file = val; return HS_OK;
	case O_TEMPLATE: s->tmpl = val; return HS_OK;
	case O_TAG: return hs_tags_add_arg(&s->tags, val);
	case O_GROUP:
		s->cli.has_group = true;
		return hs_opt_int("-g/--group", val, 0, &s->cli.group);
	case O_CORES:
		s->cli.has_cores = true;
		return hs_opt_int("-c/--cores", val, 0, &s->cli.cores);
	case O_TIMEOUT:
		s->cli.has_timeout = true;
		return hs_opt_int("-W/--timeout", val, 0, &s->cli.timeout);
	case O_MEMORY:
		s->cli.has_memory = true;
		if (hs_parse_size(val, &s->cli.memory) != HS_OK)
			return hs_fail(HS_EUSAGE, "-m/--memory expects a size such as 512MB, "
			               "got '%s'", val);
		return HS_OK;
	case O_BUNDLESIZE:
		return hs_opt_int("-b/--bundlesize", val, 1, &s->bundlesize);
	case O_BUNDLEWAIT:
		errno = 0;
		s->bundlewait = strtod(val, &end);
		if (errno != 0 || end == val || *end != '\0' || !(s->bundlewait >= 0))
			return hs_fail(HS_EUSAGE, "-w/--bundlewait expects seconds >= 0, got '%s'",
			               val);
		return HS_OK;
	case O_INITDB: s->initdb = true; return HS_OK;
	}
	return HS_EINTERNAL;
}

/* Config defaults for what the command line did not set. */
static void
apply_defaults(struct submit *s)
{
	struct hs_config *c = s->app->cfg;

	if (s->bundlesize == 0)
		s->bundlesize = cfg_int(c, "submit.bundlesize");
	if (s->bundlewait < 0)
		s->bundlewait = cfg_double(c, "submit.bundlewait");
	if (!s->cli.has_cores && cfg_int(c, "task.cores") > 0)
		s->cli.cores = cfg_int(c, "task.cores"), s->cli.has_cores = true;
	if (!s->cli.has_memory && cfg_int(c, "task.memory") > 0)
		s->cli.memory = cfg_int(c, "task.memory"), s->cli.has_memory = true;
	if (!s->cli.has_timeout && cfg_int(c, "task.timeout") > 0)
		s->cli.timeout = cfg_int(c, "task.timeout"), s->cli.has_timeout = true;
}

/* --- one task ----------------------------------------------------------- */

static hs_err
template_shell(void *arg, const char *cmd, struct hs_buf *out, char *err,
               size_t errlen)
{
	int status = 0;
	hs_err e = hs_run_capture(cmd, TEMPLATE_SHELL_TIMEOUT_MS, out, &status);

	if (e != HS_OK)
		snprintf(err, errlen, "{%% %.60s %%}: %s", cmd, hs_detail());
	else if (status != 0)
		snprintf(err, errlen, "{%% %.60s %%} exited with status %d", cmd, status);
	return e != HS_OK ? e : status != 0 ? HS_ETEMPLATE : HS_OK;
}

/* The stored args: the line itself, or its template expansion. */
static hs_err
expand(struct submit *s, const char *args, const char **out, char *err,
       size_t errlen)
{
	struct tmpl_ctx ctx = {.args = args, .shell = template_shell};
	hs_err e;

	*out = args;
	if (s->tmpl == NULL)
		return HS_OK;
	hs_buf_reset(&s->expanded);
	if ((e = tmpl_expand(s->tmpl, &ctx, &s->expanded, err, errlen)) != HS_OK)
		return e;
	*out = hs_buf_str(&s->expanded);
	return HS_OK;
}

static void
set_opt_cell(struct hs_task *t, int f, bool has, int64_t v)
{
	t->f[f].null = !has || v == 0;
	t->f[f].i = v;
}

/* Tag JSON of -t tags, then sticky directive tags, then the line's. */
static hs_err
tag_json(struct submit *s, const struct hs_tags *line, const char **out)
{
	hs_err e;

	if (s->tags.n + s->sticky_tags.n + line->n == 0) {
		*out = "{}";
		return HS_OK;
	}
	hs_tags_clear(&s->linetags);
	hs_buf_reset(&s->json);
	if ((e = hs_tags_merge(&s->linetags, &s->tags)) != HS_OK ||
	    (e = hs_tags_merge(&s->linetags, &s->sticky_tags)) != HS_OK ||
	    (e = hs_tags_merge(&s->linetags, line)) != HS_OK ||
	    (e = hs_tags_json(&s->linetags, &s->json)) != HS_OK)
		return e;
	*out = hs_buf_str(&s->json);
	return HS_OK;
}

static hs_err
insert_task(struct submit *s, const char *args, const struct hs_taskline *tl)
{
	struct hs_taskopts o = s->cli;
	struct hs_task t;
	char id[HS_UUID_STRLEN + 1], now[HS_TS_LEN + 1];
	const char *tags;
	hs_err e;

	hs_taskopts_merge(&o, &s->sticky);
	hs_taskopts_merge(&o, &tl->opts);
	if ((e = hs_uuid7(id)) != HS_OK || (e = tag_json(s, &tl->tags, &tags)) != HS_OK)
		return e;
	hs_ts_format(hs_now_us(), now);
	hs_task_clear(&t);
	t.f[HS_F_ID] = (struct hs_cell){.s = id};
	t.f[HS_F_GROUP] = (struct hs_cell){.i = o.has_group ? o.group : s->group};
	t.f[HS_F_ARGS] = (struct hs_cell){.s = args};
	t.f[HS_F_SUBMIT_ID] = (struct hs_cell){.s = s->submit_id};
	t.f[HS_F_SUBMIT_TIME] = (struct hs_cell){.s = now};
	t.f[HS_F_SUBMIT_HOST] = (struct hs_cell){.s = s->host};
	set_opt_cell(&t, HS_F_CORES, o.has_cores, o.cores);
	set_opt_cell(&t, HS_F_MEMORY, o.has_memory, o.memory);
	set_opt_cell(&t, HS_F_TIMEOUT, o.has_timeout, o.timeout);
	t.f[HS_F_ATTEMPT] = (struct hs_cell){.i = 1};
	t.f[HS_F_RETRIED] = (struct hs_cell){.i = 0};
	t.f[HS_F_TAG] = (struct hs_cell){.s = tags};
	if ((e = s->store->ops->insert(s->store, &t)) == HS_OK)
		memcpy(s->last_id, id, sizeof id);
	return e;
}

/* --- transactions ------------------------------------------------------- */

static hs_err
commit(struct submit *s)
{
	hs_err e;

	if (s->pending == 0)
		return HS_OK;
	if ((e = s->store->ops->commit(s->store)) != HS_OK) {
		log_error("The last %lld tasks read were not saved", (long long)s->pending);
		s->pending = 0;
		return e;
	}
	log_debug("Submitted %lld tasks", (long long)s->pending);
	s->submitted += s->pending;
	s->pending = 0;
	return HS_OK;
}

static hs_err
add_pending(struct submit *s, const char *args, const struct hs_taskline *tl)
{
	hs_err e;

	if (s->pending == 0) {
		if ((e = s->store->ops->begin(s->store)) != HS_OK)
			return e;
		s->first_pending_ms = hs_mono_ms();
	}
	if ((e = insert_task(s, args, tl)) != HS_OK) {
		s->store->ops->rollback(s->store);
		log_error("The last %lld tasks read were not saved", (long long)s->pending);
		s->pending = 0;
		return e;
	}
	s->pending++;
	return s->pending >= SUBMIT_MAX_BATCH ? commit(s) : HS_OK;
}

/* Before blocking on input: commit if the batch is big enough or has
 * waited long enough; otherwise wait for input no longer than bundlewait. */
static hs_err
before_read(struct submit *s, struct hs_lr *lr)
{
	int64_t left;

	if (s->pending == 0 || hs_lr_ready(lr))
		return HS_OK;
	if (s->pending >= s->bundlesize)
		return commit(s);
	left = (int64_t)(s->bundlewait * 1000) - (hs_mono_ms() - s->first_pending_ms);
	if (left <= 0 || !hs_lr_wait(lr, left > 86400000 ? 86400000 : (int)left))
		return commit(s);
	return HS_OK;
}

/* --- lines -------------------------------------------------------------- */

static void
reject(struct submit *s, unsigned long lineno, const char *msg)
{
	s->rejected++;
	log_error("%s:%lu: %s (line skipped)", s->source, lineno, msg);
}

static hs_err
handle_line(struct submit *s, struct hs_taskline *tl, const char *line,
            size_t len, unsigned long lineno, size_t maxlen)
{
	char err[256];
	const char *args;
	hs_err e;

	e = hs_taskline_parse(line, len, maxlen, tl, err, sizeof err);
	if (e == HS_EINPUT || e == HS_ELIMIT)
		return reject(s, lineno, err), HS_OK;
	if (e != HS_OK)
		return e;
	if (tl->argslen == 0) {
		if (tl->has_directive) {
			hs_taskopts_merge(&s->sticky, &tl->opts);
			if ((e = hs_tags_merge(&s->sticky_tags, &tl->tags)) != HS_OK)
				return e;
			log_debug("%s:%lu: directive applies to the lines that follow",
			          s->source, lineno);
		}
		return HS_OK;
	}
	((char *)tl->args)[tl->argslen] = '\0';  /* the line buffer is ours */
	e = expand(s, tl->args, &args, err, sizeof err);
	if (e == HS_ETEMPLATE || e == HS_ELIMIT)
		return reject(s, lineno, err), HS_OK;
	if (e != HS_OK)
		return e;
	return add_pending(s, args, tl);
}

static hs_err
read_lines(struct submit *s, int fd)
{
	size_t maxlen = (size_t)cfg_int(s->app->cfg, "submit.max_line_length");
	struct hs_taskline tl = {0};
	struct hs_lr lr;
	char *line, msg[96];
	size_t len;
	hs_err e;

	if ((e = hs_lr_init(&lr, fd, maxlen)) != HS_OK)
		return e;
	for (;;) {
		if ((e = before_read(s, &lr)) != HS_OK)
			break;
		e = hs_lr_next(&lr, &line, &len);
		if (e == HS_ELIMIT) {
			snprintf(msg, sizeof msg, "line is over %zu bytes "
			         "(submit.max_line_length)", maxlen);
			reject(s, lr.lineno, msg);
			continue;
		}
		if (e != HS_OK || line == NULL)
			break;
		if ((e = handle_line(s, &tl, line, len, lr.lineno, maxlen)) != HS_OK)
			break;
		if (hs_interrupted)
			break;
	}
	if (e == HS_EINTR || hs_interrupted)
		e = hs_fail(HS_EINTR, NULL);
	hs_tags_free(&tl.tags);
	hs_lr_free(&lr);
	return e;
}

/* --- sources ------------------------------------------------------------ */

/* Quote a word for /bin/sh if it needs it: 'it'\''s'. */
static hs_err
quote_word(struct hs_buf *b, const char *w)
{
	hs_err e = HS_OK;

	if (*w != '\0' && strpbrk(w, " \t\n\r\v\f'\"\\$`;&|<>()*?[]#~!{}") == NULL)
		return hs_buf_puts(b, w);
	e = hs_buf_putc(b, '\'');
	for (; *w && e == HS_OK; w++)
		e = *w == '\'' ? hs_buf_puts(b, "'\\''") : hs_buf_putc(b, *w);
	return e == HS_OK ? hs_buf_putc(b, '\'') : e;
}

/* One task from the positional words: a single word is the command as
 * written; several are joined, each quoted as the shell needs. */
static hs_err
submit_args(struct submit *s)
{
	struct hs_buf line = HS_BUF_INIT(16 << 20);
	struct hs_taskline tl = {0};
	hs_err e = HS_OK;

	for (size_t i = 0; i < s->nargs && e == HS_OK; i++) {
		if (i > 0)
			e = hs_buf_putc(&line, ' ');
		if (e == HS_OK)
			e = s->nargs == 1 ? hs_buf_puts(&line, s->args[0])
			                  : quote_word(&line, s->args[i]);
	}
	s->source = "<args>";
	if (e == HS_OK)
		e = handle_line(s, &tl, line.data, line.len, 1,
		                (size_t)cfg_int(s->app->cfg, "submit.max_line_length"));
	if (e == HS_OK && s->rejected > 0)
		e = hs_fail(HS_EINPUT, "nothing submitted");
	else if (e == HS_OK && s->pending == 0)
		e = hs_fail(HS_EUSAGE, "no command given");
	if (e == HS_OK)
		e = commit(s);
	hs_tags_free(&tl.tags);
	hs_buf_free(&line);
	return e;
}

static bool
is_task_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) != 0;
}

static hs_err
submit_file(struct submit *s, const char *path)
{
	int fd = STDIN_FILENO;
	hs_err e;

	s->source = "<stdin>";
	if (strcmp(path, "-") != 0) {
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			return hs_fail(HS_EIO, "cannot open %s: %s", path, strerror(errno));
		s->source = path;
	}
	log_debug("Submitting from %s", s->source);
	e = read_lines(s, fd);
	if (e == HS_OK || e == HS_EINTR) {
		hs_err ce = commit(s);
		e = e == HS_OK ? ce : e;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	return e;
}

static hs_err
choose_source(struct submit *s)
{
	if (s->file != NULL && s->nargs > 0)
		return hs_fail(HS_EUSAGE, "Cannot specify both -f/--task-file and positional "
		               "arguments");
	if (s->file != NULL)
		return submit_file(s, s->file);
	if (s->nargs == 0 || (s->nargs == 1 && strcmp(s->args[0], "-") == 0))
		return submit_file(s, "-");
	if (s->nargs == 1 && !s->print_id && is_task_file(s->args[0]))
		return submit_file(s, s->args[0]);
	return submit_args(s);
}

/* --- command ------------------------------------------------------------ */

static hs_err
open_store(struct submit *s)
{
	char why[96];
	hs_err e;

	e = hs_store_open(s->app->cfg, &s->app->paths,
	                  s->initdb ? HS_OPEN_INIT : HS_OPEN_CREATE, &s->store);
	if (e != HS_OK || s->cli.has_group)
		return e;
	if ((e = s->store->ops->active_group(s->store, &s->group, why, sizeof why)) == HS_OK)
		log_debug("Auto-selected task group %lld (%s)", (long long)s->group, why);
	return e;
}

static hs_err
run(struct submit *s)
{
	hs_err e;

	apply_defaults(s);
	if ((e = hs_uuid7(s->submit_id)) != HS_OK)
		return e;
	gethostname(s->host, sizeof s->host - 1);
	if ((e = hs_paths_ensure(&s->app->paths)) != HS_OK || (e = open_store(s)) != HS_OK)
		return e;
	hs_app_signals();
	e = choose_source(s);
	if (e == HS_OK && s->print_id)
		printf("%s\n", s->last_id);
	else if (e == HS_OK && strcmp(s->source, "<args>") == 0)
		log_info("Submitted task (%s)", s->last_id);
	else if (s->submitted > 0 || e == HS_OK)
		log_info("Submitted %lld task%s", (long long)s->submitted,
		         s->submitted == 1 ? "" : "s");
	if (e == HS_OK && s->rejected > 0)
		e = hs_fail(HS_EINPUT, "%lld line%s rejected (see above)",
		            (long long)s->rejected, s->rejected == 1 ? "" : "s");
	return e;
}

static int
submit_main(struct hs_app *app, int argc, char **argv, bool print_id)
{
	struct submit s = {.app = app, .bundlewait = -1, .print_id = print_id};
	bool helped;
	hs_err e;

	hs_buf_init(&s.json, 1 << 16);
	hs_buf_init(&s.expanded, TEMPLATE_OUTPUT_MAX);
	if (argc < 2 && !print_id && isatty(STDIN_FILENO)) {
		hs_opt_help(&submit_spec);
		return HS_EXIT_USAGE;
	}
	e = hs_opt_parse(print_id ? &task_submit_spec : &submit_spec, argc, argv,
	                 on_option, &s, &helped);
	if (e == HS_OK && !helped) {
		if (print_id && s.nargs == 0)
			e = hs_fail(HS_EUSAGE, "hs task submit: no command given");
		else
			e = run(&s);
	}
	hs_store_close(s.store);
	hs_tags_free(&s.tags);
	hs_tags_free(&s.sticky_tags);
	hs_tags_free(&s.linetags);
	hs_buf_free(&s.json);
	hs_buf_free(&s.expanded);
	free(s.args);
	return hs_app_fail(e);
}

int
cmd_submit(struct hs_app *app, int argc, char **argv)
{
	return submit_main(app, argc, argv, false);
}

int
cmd_task_submit(struct hs_app *app, int argc, char **argv)
{
	return submit_main(app, argc, argv, true);
}
