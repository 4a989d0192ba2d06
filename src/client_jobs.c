/* client_jobs.c: the client's execution slots: starting tasks, their
 * timeouts, reaping them, and keeping their results until acknowledged. */
#include "client_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec.h"
#include "keeper.h"
#include "log.h"
#include "proc.h"
#include "proto.h"
#include "site.h"
#include "template.h"

extern char **environ;

#define TEMPLATE_SHELL_TIMEOUT_MS 60000
#define COMMAND_MAX (1u << 20)

/* --- copies of cells ------------------------------------------------------- */

/* Copy t's strings into one block owned by *mem; dst's cells point there. */
static hs_err
copy_task(const struct hs_task *t, struct hs_task *dst, char **mem)
{
	size_t need = 1, at = 0, n;

	*dst = *t;
	for (int f = 0; f < HS_F_COUNT; f++)
		if (!t->f[f].null && t->f[f].s != NULL)
			need += strlen(t->f[f].s) + 1;
	if ((*mem = malloc(need)) == NULL)
		return HS_ENOMEM;
	for (int f = 0; f < HS_F_COUNT; f++) {
		if (t->f[f].null || t->f[f].s == NULL)
			continue;
		n = strlen(t->f[f].s) + 1;
		memcpy(*mem + at, t->f[f].s, n);
		dst->f[f].s = *mem + at;
		at += n;
	}
	return HS_OK;
}

void
jobs_add(struct client *cl, const struct hs_task *tasks, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct job *j = calloc(1, sizeof *j);
		if (j == NULL || copy_task(&tasks[i], &j->t, &j->mem) != HS_OK) {
			free(j);
			log_error("Out of memory holding a task");
			continue;
		}
		j->cl = cl;
		j->slot = -1;
		*cl->queue_tail = j;
		cl->queue_tail = &j->next;
		cl->nqueue++;
	}
	cl->last_work_ms = hs_mono_ms();
}

static void
job_free(struct job *j)
{
	if (j->timer)
		event_free(j->timer);
	if (j->exp_ev != NULL) {
		event_free(j->exp_ev);
		close(j->exp_fd);
	}
	if (j->expander > 0)
		kill(j->expander, SIGKILL);   /* reaped by jobs_reap */
	hs_buf_free(&j->exp);
	free(j->mem);
	free(j->command);
	free(j->outpath);
	free(j->errpath);
	free(j->csvpath);
	free(j);
}

/* --- results --------------------------------------------------------------- */

static void
set_text(struct hs_task *t, int f, const char *s)
{
	t->f[f] = s ? (struct hs_cell){.s = s} : (struct hs_cell){.null = true};
}

static void
set_int(struct hs_task *t, int f, int64_t v)
{
	t->f[f] = (struct hs_cell){.i = v};
}

/* Record what happened to j (it ran, or could not run) as a result. */
static void
finish(struct client *cl, struct job *j, int64_t status)
{
	struct result *r = calloc(1, sizeof *r);
	struct hs_task t;
	char now[HS_TS_LEN + 1];
	int64_t end = hs_now_us(), submit = 0;

	if (r == NULL)
		return;
	hs_ts_format(end, now);
	hs_task_clear(&t);
	set_text(&t, HS_F_ID, j->t.f[HS_F_ID].s);
	set_text(&t, HS_F_SCHEDULE_TIME, j->t.f[HS_F_SCHEDULE_TIME].s);
	set_text(&t, HS_F_COMMAND, j->command);
	set_text(&t, HS_F_START_TIME, j->start_us ? j->start : now);
	set_text(&t, HS_F_COMPLETION_TIME, now);
	set_int(&t, HS_F_EXIT_STATUS, status);
	set_text(&t, HS_F_OUTPATH, j->outpath);
	set_text(&t, HS_F_ERRPATH, j->errpath);
	if (cl->o->monitor && j->pid > 0) {   /* it ran, and was watched */
		set_text(&t, HS_F_CSVPATH, j->csvpath);
		t.f[HS_F_CORES_MAX] = (struct hs_cell){.d = j->mon.cores_max};
		t.f[HS_F_MEMORY_MAX] = (struct hs_cell){.d = (double)j->mon.memory_max};
	}
	if (!j->t.f[HS_F_SUBMIT_TIME].null && hs_ts_parse(j->t.f[HS_F_SUBMIT_TIME].s, &submit))
		set_int(&t, HS_F_WAITED, ((j->start_us ? j->start_us : end) - submit) / 1000000);
	set_int(&t, HS_F_DURATION, j->start_us ? (end - j->start_us) / 1000000 : 0);
	if (copy_task(&t, &r->t, &r->mem) != HS_OK) {
		free(r);
		return;
	}
	*cl->results_tail = r;
	cl->results_tail = &r->next;
	cl->unsent++;
	cl->ran++;
	cl->failed += status != 0;
	if (status != 0)
		log_warning("Non-zero exit status (%lld) for task (%s)", (long long)status,
		            j->t.f[HS_F_ID].s);
	client_send_results(cl);
}

void
jobs_ack(struct client *cl, const char *const *ids, size_t n)
{
	struct result **p = &cl->results, *r;

	for (size_t i = 0; i < n; i++) {
		for (p = &cl->results; (r = *p) != NULL; p = &r->next)
			if (strcmp(r->t.f[HS_F_ID].s, ids[i]) == 0)
				break;
		if (r == NULL)
			continue;
		if (!r->sent)
			cl->unsent--;
		*p = r->next;
		if (cl->results_tail == &r->next)
			cl->results_tail = p;
		free(r->mem);
		free(r);
	}
}

/* --- starting -------------------------------------------------------------- */

static hs_err
template_shell(void *arg, const char *cmd, struct hs_buf *out, char *err, size_t errlen)
{
	int status = 0;
	hs_err e = hs_run_capture(cmd, TEMPLATE_SHELL_TIMEOUT_MS, out, &status);

	if (e == HS_OK && status != 0)
		snprintf(err, errlen, "{%% %.60s %%} exited with status %d", cmd, status);
	else if (e != HS_OK)
		snprintf(err, errlen, "{%% %.60s %%}: %s", cmd, hs_detail());
	return e != HS_OK ? e : status != 0 ? HS_ETEMPLATE : HS_OK;
}

static hs_err
expand(struct client *cl, struct job *j, int slot, char *err, size_t errlen)
{
	char s1[16], s2[16];
	struct tmpl_var vars[2] = {{"slot", s1}, {"slot_count", s2}};
	struct tmpl_ctx ctx = {j->t.f[HS_F_ARGS].s, vars, 2, template_shell, NULL};
	struct hs_buf out = HS_BUF_INIT(COMMAND_MAX);
	hs_err e;

	snprintf(s1, sizeof s1, "%d", slot);
	snprintf(s2, sizeof s2, "%d", cl->o->slots);
	e = tmpl_expand(cl->o->tmpl ? cl->o->tmpl : "{}", &ctx, &out, err, errlen);
	if (e == HS_OK && (j->command = hs_buf_steal(&out)) == NULL)
		e = HS_ENOMEM;
	hs_buf_free(&out);
	return e;
}

static int
open_out(const char *path)
{
	return path ? open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) : -1;
}

static hs_err
outputs(struct client *cl, struct job *j, int *out, int *err)
{
	const struct hs_client_opts *o = cl->o;
	char name[HS_UUID_STRLEN + 8];

	*out = *err = -1;
	if (o->output == HS_OUT_FILES) {
		*out = open_out(o->out_path);
		*err = open_out(o->err_path);
	} else if (o->output == HS_OUT_CAPTURE) {
		snprintf(name, sizeof name, "%s.out", j->t.f[HS_F_ID].s);
		j->outpath = hs_path_join(o->taskdir, name);
		snprintf(name, sizeof name, "%s.err", j->t.f[HS_F_ID].s);
		j->errpath = hs_path_join(o->taskdir, name);
		*out = open_out(j->outpath);
		*err = open_out(j->errpath);
	}
	if ((o->output != HS_OUT_INHERIT) && (*out < 0 || *err < 0))
		return hs_fail(HS_EIO, "cannot open task output: %s", strerror(errno));
	return HS_OK;
}

static void
extra_paths(struct client *cl, struct job *j, char paths[3][4096])
{
	static const char *ext[3] = {"out", "err", "csv"};

	for (int i = 0; i < 3; i++)
		snprintf(paths[i], 4096, "%s/%s.%s", cl->o->taskdir, j->t.f[HS_F_ID].s, ext[i]);
}

static hs_err
spawn(struct client *cl, struct job *j)
{
	struct hs_env env;
	struct hs_env_extra x;
	char paths[3][4096];
	int64_t submit = 0;
	int out = -1, err = -1;
	hs_err e;

	extra_paths(cl, j, paths);
	x = (struct hs_env_extra){j->command, j->start, -1, paths[0], paths[1], paths[2],
	                          cl->o->cwd, j->slot, cl->o->slots, cl->o->exports,
	                          cl->o->nexports};
	if (!j->t.f[HS_F_SUBMIT_TIME].null && hs_ts_parse(j->t.f[HS_F_SUBMIT_TIME].s, &submit))
		x.waited = (j->start_us - submit) / 1000000;
	if ((e = outputs(cl, j, &out, &err)) == HS_OK &&
	    (e = hs_env_build(&env, environ, &j->t, &x)) == HS_OK) {
		e = hs_exec_spawn(j->command, env.vars, cl->o->cwd, out, err, &j->pid);
		if (e == HS_OK)
			hs_keeper_add(cl->keeper, j->pid);   /* its group: pgid == pid */
		hs_env_free(&env);
	}
	if (out >= 0)
		close(out);
	if (err >= 0)
		close(err);
	return e;
}

static void on_timeout(evutil_socket_t fd, short what, void *arg);

static void
arm(struct job *j, double seconds)
{
	struct timeval tv = {(time_t)seconds, (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6)};

	if (j->timer == NULL)
		j->timer = evtimer_new(j->cl->base, on_timeout, j);
	/* from now, not from when this loop pass began (a stop or a slow pass
	 * in between would shorten the limit) */
	event_base_update_cache_time(j->cl->base);
	if (j->timer != NULL)
		evtimer_add(j->timer, &tv);
}

static double
limit_of(struct client *cl, struct job *j)
{
	double own = j->t.f[HS_F_TIMEOUT].null ? 0 : (double)j->t.f[HS_F_TIMEOUT].i;
	double cli = cl->o->task_timeout;

	if (own > 0 && cli > 0)
		return own < cli ? own : cli;
	return own > 0 ? own : cli;
}

/* Resources: does j fit the client at all, and right now? */
static bool
fits(struct client *cl, struct job *j, bool now)
{
	int64_t c = j->t.f[HS_F_CORES].null ? 0 : j->t.f[HS_F_CORES].i;
	int64_t m = j->t.f[HS_F_MEMORY].null ? 0 : j->t.f[HS_F_MEMORY].i;
	int64_t uc = now ? cl->cores_used : 0, um = now ? cl->memory_used : 0;

	return (cl->o->cores <= 0 || uc + c <= cl->o->cores) &&
	       (cl->o->memory <= 0 || um + m <= cl->o->memory);
}

static void
take(struct client *cl, struct job *j, int delta)
{
	cl->cores_used += delta * (j->t.f[HS_F_CORES].null ? 0 : j->t.f[HS_F_CORES].i);
	cl->memory_used += delta * (j->t.f[HS_F_MEMORY].null ? 0 : j->t.f[HS_F_MEMORY].i);
}

static int
free_slot(struct client *cl)
{
	for (int i = 0; i < cl->o->slots; i++)
		if (cl->slots[i] == NULL)
			return i;
	return -1;
}

/* Run j, its command expanded, in its slot; a job that cannot run is
 * finished at once. */
static void
launch(struct client *cl, struct job *j)
{
	int slot = j->slot;

	if (spawn(cl, j) != HS_OK) {
		log_error("Task (%s): %s", j->t.f[HS_F_ID].s, hs_detail());
		finish(cl, j, -127);
		job_free(j);
		return;
	}
	cl->slots[slot] = j;
	cl->nrunning++;
	take(cl, j, 1);
	if (cl->o->monitor)
		monitor_start(cl, j);
	log_info("Running task (%s)", j->t.f[HS_F_ID].s);
	client_started(cl, j->t.f[HS_F_ID].s);
	log_debug("Running task (%s) as pid %ld: %s", j->t.f[HS_F_ID].s, (long)j->pid, j->command);
	if (limit_of(cl, j) > 0)
		arm(j, limit_of(cl, j));
}

/* --- {% %} off the loop ------------------------------------------------------
 * A template with {% %} blocks runs shell commands to expand; that happens
 * in a child process so the loop goes on (heartbeats, results, the other
 * slots) while they run. The child writes 'C' and the command, or 'E' and
 * the error, and exits; the job holds its slot meanwhile. */

static void
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0 && ((w = write(fd, p, n)) > 0 || errno == EINTR))
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		}
}

static void
expanded(struct client *cl, struct job *j)
{
	const char *d = j->exp.data;
	size_t n = j->exp.len;

	event_free(j->exp_ev);
	j->exp_ev = NULL;
	close(j->exp_fd);
	j->expander = 0;   /* jobs_reap collects it */
	cl->slots[j->slot] = NULL;
	cl->nrunning--;
	take(cl, j, -1);
	if (j->kill_stage > 0) {
		finish(cl, j, -SIGKILL);
		job_free(j);
	} else if (n > 0 && d[0] == 'C' && memchr(d, '\0', n) == NULL &&
	           (j->command = strndup(d + 1, n - 1)) != NULL) {
		launch(cl, j);
	} else {
		log_error("Task (%s): template error: %.*s", j->t.f[HS_F_ID].s,
		          n > 1 && d[0] == 'E' ? (int)(n - 1 > 300 ? 300 : n - 1) : 20,
		          n > 1 && d[0] == 'E' ? d + 1 : "the expansion failed");
		finish(cl, j, HS_STATUS_TEMPLATE);
		job_free(j);
	}
	jobs_start(cl);
	client_maybe_done(cl);
}

static void
on_expanded(evutil_socket_t fd, short what, void *arg)
{
	struct job *j = arg;
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof buf);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n > 0 && hs_buf_append(&j->exp, buf, (size_t)n) == HS_OK)
		return;
	expanded(j->cl, j);   /* end of file, an error, or too long */
}

/* In the child: expand, write the outcome, exit. */
static void
expander(struct client *cl, struct job *j, int fd)
{
	char err[256];

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGCHLD, SIG_DFL);
	if (expand(cl, j, j->slot, err, sizeof err) == HS_OK) {
		write_all(fd, "C", 1);
		write_all(fd, j->command, strlen(j->command));
	} else {
		write_all(fd, "E", 1);
		write_all(fd, err, strlen(err));
	}
	_exit(0);
}

static hs_err
expand_async(struct client *cl, struct job *j)
{
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) != 0)
		return hs_fail(HS_EIO, "cannot make a pipe: %s", strerror(errno));
	if ((pid = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		return hs_fail(HS_EIO, "cannot fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(fds[0]);
		expander(cl, j, fds[1]);
	}
	close(fds[1]);
	evutil_make_socket_nonblocking(fds[0]);
	j->expander = pid;
	j->exp_fd = fds[0];
	j->exp = (struct hs_buf)HS_BUF_INIT(COMMAND_MAX + 1);
	if ((j->exp_ev = event_new(cl->base, fds[0], EV_READ | EV_PERSIST, on_expanded, j)) == NULL ||
	    event_add(j->exp_ev, NULL) != 0) {
		close(fds[0]);   /* job_free kills the child */
		if (j->exp_ev != NULL)
			event_free(j->exp_ev);
		j->exp_ev = NULL;
		return HS_ENOMEM;
	}
	cl->slots[j->slot] = j;
	cl->nrunning++;
	take(cl, j, 1);
	return HS_OK;
}

/* Start j in slot: expand its command (off the loop when the template has
 * {% %}), then launch it. */
static void
start(struct client *cl, struct job *j, int slot)
{
	const char *tmpl = cl->o->tmpl ? cl->o->tmpl : "{}";
	char err[256];
	hs_err e;

	j->slot = slot;
	j->start_us = hs_now_us();
	hs_ts_format(j->start_us, j->start);
	if (strstr(tmpl, "{%") != NULL) {
		if ((e = expand_async(cl, j)) == HS_OK)
			return;
		snprintf(err, sizeof err, "%s", hs_detail());
	} else if ((e = expand(cl, j, slot, err, sizeof err)) == HS_OK) {
		launch(cl, j);
		return;
	}
	log_error("Task (%s): template error: %s", j->t.f[HS_F_ID].s, err);
	finish(cl, j, HS_STATUS_TEMPLATE);
	job_free(j);
}

/* The first queued job that fits now; jobs that can never fit finish. */
static struct job *
next_fitting(struct client *cl)
{
	struct job **p = &cl->queue, *j;

	while ((j = *p) != NULL) {
		if (!fits(cl, j, false)) {
			*p = j->next;
			cl->nqueue--;
			log_error("Task (%s) needs more cores or memory than this client has",
			          j->t.f[HS_F_ID].s);
			finish(cl, j, HS_STATUS_RESOURCES);
			job_free(j);
			continue;
		}
		if (fits(cl, j, true)) {
			*p = j->next;
			cl->nqueue--;
			return j;
		}
		p = &j->next;
	}
	return NULL;
}

static void
fix_tail(struct client *cl)
{
	struct job **p = &cl->queue;

	while (*p != NULL)
		p = &(*p)->next;
	cl->queue_tail = p;
}

void
jobs_start(struct client *cl)
{
	struct timeval tv;
	int64_t now;
	int slot;
	struct job *j;

	/* queued tasks wait while the server is away: it may give them to
	 * another client before we are back (WELCOME says) */
	while (!cl->interrupt && client_server_fresh(cl) && cl->nqueue > 0 &&
	       (slot = free_slot(cl)) >= 0) {
		now = hs_now_us();
		if (cl->o->ratelimit > 0 && now < cl->next_start_us) {
			tv.tv_sec = (cl->next_start_us - now) / 1000000;
			tv.tv_usec = (cl->next_start_us - now) % 1000000;
			evtimer_add(cl->startev, &tv);
			break;
		}
		if ((j = next_fitting(cl)) == NULL)
			break;
		fix_tail(cl);
		if (cl->o->ratelimit > 0)
			cl->next_start_us = now + (int64_t)(1e6 / cl->o->ratelimit);
		start(cl, j, slot);
	}
	fix_tail(cl);
	if (cl->nqueue == 0 && free_slot(cl) >= 0)
		client_starved(cl);
	client_request(cl);
}

void
jobs_start_cb(evutil_socket_t fd, short what, void *arg)
{
	jobs_start(arg);
}

/* --- stopping -------------------------------------------------------------- */

static void
escalate(struct job *j)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGKILL};
	static const char *names[] = {"SIGINT", "SIGTERM", "SIGKILL"};

	if (j->kill_stage >= 3)
		return;
	if (j->pid <= 0) {   /* still expanding: only its expander to stop */
		if (j->expander > 0)
			kill(j->expander, SIGKILL);
		j->kill_stage = 3;
		return;
	}
	log_warning("Task (%s): sending %s", j->t.f[HS_F_ID].s, names[j->kill_stage]);
	kill(-j->pid, sigs[j->kill_stage]);
	j->kill_stage++;
	arm(j, j->cl->o->signalwait);
}

/* Free the slot of a job that will not die; report it as killed. */
static void
abandon(struct client *cl, struct job *j)
{
	log_critical("Task (%s), pid %ld, survived SIGKILL; giving up its slot",
	             j->t.f[HS_F_ID].s, (long)j->pid);
	cl->slots[j->slot] = NULL;
	cl->nrunning--;
	take(cl, j, -1);
	finish(cl, j, -SIGKILL);
	j->kill_stage = 4;
	j->next = cl->abandoned;
	cl->abandoned = j;
	jobs_start(cl);
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct job *j = arg;

	if (j->kill_stage == 0)
		log_warning("Task (%s) reached its time limit", j->t.f[HS_F_ID].s);
	if (j->kill_stage < 3)
		escalate(j);
	else if (j->kill_stage == 3)
		abandon(j->cl, j);
}

void
jobs_interrupt(struct client *cl)
{
	for (int i = 0; i < cl->o->slots; i++)
		if (cl->slots[i] != NULL && cl->slots[i]->kill_stage == 0)
			escalate(cl->slots[i]);
}

/* --- reaping --------------------------------------------------------------- */

static struct job *
by_pid(struct client *cl, pid_t pid, bool *abandoned)
{
	*abandoned = false;
	for (int i = 0; i < cl->o->slots; i++)
		if (cl->slots[i] != NULL && cl->slots[i]->pid == pid)
			return cl->slots[i];
	for (struct job **p = &cl->abandoned; *p != NULL; p = &(*p)->next)
		if ((*p)->pid == pid) {
			struct job *j = *p;
			*p = j->next;
			*abandoned = true;
			return j;
		}
	return NULL;
}

static int64_t
status_of(int st)
{
	if (WIFSIGNALED(st))
		return -(int64_t)WTERMSIG(st);
	return WEXITSTATUS(st);
}

void
jobs_reap(struct client *cl)
{
	struct job *j;
	struct rusage ru;
	bool gone;
	pid_t pid;
	int st;

	while ((pid = wait4(-1, &st, WNOHANG, &ru)) > 0) {
		if ((j = by_pid(cl, pid, &gone)) == NULL)
			continue;
		if (j->kill_stage > 0)   /* stopped on purpose: nothing of it stays */
			kill(-j->pid, SIGKILL);
		hs_keeper_del(cl->keeper, j->pid);
		if (!gone) {
			if (cl->o->monitor)
				monitor_reaped(j, &ru);
			cl->slots[j->slot] = NULL;
			cl->nrunning--;
			take(cl, j, -1);
			finish(cl, j, status_of(st));
		}
		job_free(j);
	}
	jobs_start(cl);
	client_maybe_done(cl);
}

int
jobs_drop_queued(struct client *cl)
{
	struct job *j;
	int n = 0;

	while ((j = cl->queue) != NULL) {
		cl->queue = j->next;
		job_free(j);
		n++;
	}
	cl->queue_tail = &cl->queue;
	cl->nqueue = 0;
	return n;
}

int
jobs_outstanding(const struct client *cl)
{
	return cl->nqueue + cl->nrunning;
}

void
jobs_free_all(struct client *cl)
{
	struct job *j;
	struct result *r;

	while ((j = cl->queue) != NULL) {
		cl->queue = j->next;
		job_free(j);
	}
	for (int i = 0; cl->slots && i < cl->o->slots; i++)
		if (cl->slots[i] != NULL)
			job_free(cl->slots[i]);
	while ((j = cl->abandoned) != NULL) {
		cl->abandoned = j->next;
		job_free(j);
	}
	while ((r = cl->results) != NULL) {
		cl->results = r->next;
		free(r->mem);
		free(r);
	}
}
