/* submit.c: turning lines of input into stored tasks.
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
 * submitted, and the caller reports the count.
 */
#include "submit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "linereader.h"
#include "log.h"
#include "proc.h"
#include "shword.h"
#include "template.h"
#include "timestamp.h"

#define SUBMIT_MAX_BATCH 10000       /* most tasks per transaction */
#define TEMPLATE_SHELL_TIMEOUT_MS 60000
#define TEMPLATE_OUTPUT_MAX (1 << 20)

/* --- one task ----------------------------------------------------------- */

struct hs_submitter {
	struct hs_submit_opts o;     /* options; o.tags borrowed */
	char submit_id[HS_UUID_STRLEN + 1];
	char last_id[HS_UUID_STRLEN + 1];  /* id of the last task inserted */
	char host[256];
	struct hs_taskopts sticky;   /* from directive-only lines */
	struct hs_tags sticky_tags;
	int64_t submitted;           /* committed tasks */
	int64_t pending;             /* tasks in the open transaction */
	int64_t first_pending_ms;    /* when the open transaction got its first */
	int64_t rejected;            /* bad lines */
	const char *source;          /* for messages: path or <stdin> */
	struct hs_buf json;          /* scratch: tag JSON */
	struct hs_buf expanded;      /* scratch: template output */
	struct hs_tags linetags;     /* scratch: merged tags of one line */
};

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
expand(struct hs_submitter *s, const char *args, const char **out, char *err,
       size_t errlen)
{
	struct tmpl_ctx ctx = {.args = args, .shell = template_shell};
	hs_err e;

	*out = args;
	if (s->o.tmpl == NULL)
		return HS_OK;
	hs_buf_reset(&s->expanded);
	if ((e = tmpl_expand(s->o.tmpl, &ctx, &s->expanded, err, errlen)) != HS_OK)
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
tag_json(struct hs_submitter *s, const struct hs_tags *line, const char **out)
{
	hs_err e;

	if (s->o.tags.n + s->sticky_tags.n + line->n == 0) {
		*out = "{}";
		return HS_OK;
	}
	hs_tags_clear(&s->linetags);
	hs_buf_reset(&s->json);
	if ((e = hs_tags_merge(&s->linetags, &s->o.tags)) != HS_OK ||
	    (e = hs_tags_merge(&s->linetags, &s->sticky_tags)) != HS_OK ||
	    (e = hs_tags_merge(&s->linetags, line)) != HS_OK ||
	    (e = hs_tags_json(&s->linetags, &s->json)) != HS_OK)
		return e;
	*out = hs_buf_str(&s->json);
	return HS_OK;
}

/* --- where tasks go: the database, or a running server ------------------ */

static hs_err
sink_begin(struct hs_submitter *s)
{
	return s->o.queue != NULL ? HS_OK : s->o.store->ops->begin(s->o.store);
}

static hs_err
sink_insert(struct hs_submitter *s, const struct hs_task *t)
{
	return s->o.queue != NULL ? hs_liveq_add(s->o.queue, t)
	                          : s->o.store->ops->insert(s->o.store, t);
}

static hs_err
sink_commit(struct hs_submitter *s)
{
	return s->o.queue != NULL ? hs_liveq_commit(s->o.queue)
	                          : s->o.store->ops->commit(s->o.store);
}

static void
sink_rollback(struct hs_submitter *s)
{
	if (s->o.queue != NULL)
		hs_liveq_discard(s->o.queue);
	else
		sink_rollback(s);
}

static hs_err
insert_task(struct hs_submitter *s, const char *args, const struct hs_taskline *tl)
{
	struct hs_taskopts o = s->o.cli;
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
	t.f[HS_F_GROUP] = (struct hs_cell){.i = o.has_group ? o.group : s->o.group};
	t.f[HS_F_GROUP].null = t.f[HS_F_GROUP].i < 0;   /* the server decides */
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
	if ((e = sink_insert(s, &t)) == HS_OK)
		memcpy(s->last_id, id, sizeof id);
	return e;
}

/* --- transactions ------------------------------------------------------- */

static hs_err
commit(struct hs_submitter *s)
{
	hs_err e;

	if (s->pending == 0)
		return HS_OK;
	if ((e = sink_commit(s)) != HS_OK) {
		log_error("The last %lld tasks read were not %s", (long long)s->pending,
		          s->o.queue ? "acknowledged by the server" : "saved");
		s->pending = 0;
		return e;
	}
	log_debug("Submitted %lld tasks", (long long)s->pending);
	s->submitted += s->pending;
	s->pending = 0;
	return HS_OK;
}

static hs_err
add_pending(struct hs_submitter *s, const char *args, const struct hs_taskline *tl)
{
	hs_err e;

	if (s->pending == 0) {
		if ((e = sink_begin(s)) != HS_OK)
			return e;
		s->first_pending_ms = hs_mono_ms();
	}
	if ((e = insert_task(s, args, tl)) != HS_OK) {
		sink_rollback(s);
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
before_read(struct hs_submitter *s, struct hs_lr *lr)
{
	int64_t left;

	if (s->pending == 0 || hs_lr_ready(lr))
		return HS_OK;
	if (s->pending >= s->o.bundlesize)
		return commit(s);
	left = (int64_t)(s->o.bundlewait * 1000) - (hs_mono_ms() - s->first_pending_ms);
	if (left <= 0 || !hs_lr_wait(lr, left > 86400000 ? 86400000 : (int)left))
		return commit(s);
	return HS_OK;
}

/* --- lines -------------------------------------------------------------- */

static void
reject(struct hs_submitter *s, unsigned long lineno, const char *msg)
{
	s->rejected++;
	log_error("%s:%lu: %s (line skipped)", s->source, lineno, msg);
}

static hs_err
handle_line(struct hs_submitter *s, struct hs_taskline *tl, const char *line,
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
read_lines(struct hs_submitter *s, int fd)
{
	size_t maxlen = s->o.maxline;
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

/* One task from the positional words: a single word is the command as
 * written; several are joined, each quoted as the shell needs. */
hs_err
hs_submitter_args(struct hs_submitter *s, char *const *words, size_t n)
{
	struct hs_buf line = HS_BUF_INIT(16 << 20);
	struct hs_taskline tl = {0};
	hs_err e = HS_OK;

	for (size_t i = 0; i < n && e == HS_OK; i++) {
		if (i > 0)
			e = hs_buf_putc(&line, ' ');
		if (e == HS_OK)
			e = n == 1 ? hs_buf_puts(&line, words[0]) : hs_shell_quote(&line, words[i]);
	}
	s->source = "<args>";
	if (e == HS_OK)
		e = handle_line(s, &tl, line.data, line.len, 1, s->o.maxline);
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


hs_err
hs_submitter_fd(struct hs_submitter *s, int fd, const char *source)
{
	hs_err e, ce;

	s->source = source;
	e = read_lines(s, fd);
	if (e == HS_OK || e == HS_EINTR) {
		ce = commit(s);
		e = e == HS_OK ? ce : e;
	}
	return e;
}

hs_err
hs_submitter_new(const struct hs_submit_opts *o, struct hs_submitter **out)
{
	struct hs_submitter *s = calloc(1, sizeof *s);
	hs_err e;

	*out = NULL;
	if (s == NULL)
		return HS_ENOMEM;
	s->o = *o;
	hs_buf_init(&s->json, 1 << 16);
	hs_buf_init(&s->expanded, TEMPLATE_OUTPUT_MAX);
	gethostname(s->host, sizeof s->host - 1);
	if ((e = hs_uuid7(s->submit_id)) != HS_OK) {
		hs_submitter_free(s);
		return e;
	}
	*out = s;
	return HS_OK;
}

void
hs_submitter_free(struct hs_submitter *s)
{
	if (s == NULL)
		return;
	if (s->pending > 0)
		sink_rollback(s);
	hs_tags_free(&s->sticky_tags);
	hs_tags_free(&s->linetags);
	hs_buf_free(&s->json);
	hs_buf_free(&s->expanded);
	free(s);
}

int64_t
hs_submitter_count(const struct hs_submitter *s)
{
	return s->submitted;
}

int64_t
hs_submitter_rejected(const struct hs_submitter *s)
{
	return s->rejected;
}

const char *
hs_submitter_last_id(const struct hs_submitter *s)
{
	return s->last_id;
}
