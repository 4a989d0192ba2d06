/* server_work.c: what hs server does with its clients: hand out tasks by
 * group, store results in batches, evict the silent, and stop when the
 * work is done or a signal asks. */
#include "server_int.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "timestamp.h"

static void check_state(struct server *srv);

/* Is the embedding (hsx, hs server FILE) still adding tasks? */
static bool
adding(struct server *srv)
{
	const struct hs_server_hooks *h = srv->o->hooks;

	return h != NULL && h->adding != NULL && h->adding(h->arg);
}

static struct timeval
ms_tv(int64_t ms)
{
	struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000 * 1000)};

	return tv;
}

/* --- dispatch ------------------------------------------------------------- */

struct dispatch {
	struct session *s;
	size_t sent;
};

static hs_err
send_bundles(void *arg, const struct hs_task *tasks, size_t n)
{
	struct dispatch *d = arg;
	size_t size = (size_t)d->s->srv->o->bundlesize;
	hs_err e = HS_OK;

	if (d->s->conn == NULL)
		return HS_OK;
	for (size_t i = 0; i < n && e == HS_OK; i += size) {
		size_t k = n - i < size ? n - i : size;
		if ((e = hs_enc_tasks_capped(&d->s->conn->enc, HS_MSG_BUNDLE, tasks + i, k,
		                             d->s->srv->o->frame_max)) == HS_OK)
			d->sent += k;
	}
	if (d->sent > 0 && hs_conn_send(d->s->conn) != HS_OK)
		d->sent = 0;   /* the connection is closing: its tasks are re-queued */
	for (size_t i = 0; i < n; i++)
		log_debug("Scheduled task (%s) for %s", tasks[i].f[HS_F_ID].s, d->s->host);
	return e;
}

/* Remember a dispatch that failed before its tasks were sent. */
static void
add_unlease(struct server *srv, const struct hs_lease *l)
{
	struct unlease *u = calloc(1, sizeof *u);

	if (u == NULL)
		return;   /* the client's eviction or the next server start re-queues them */
	snprintf(u->client_id, sizeof u->client_id, "%s", l->client_id);
	snprintf(u->schedule_time, sizeof u->schedule_time, "%s", l->schedule_time);
	u->next = srv->unleases;
	srv->unleases = u;
}

/* Un-stamp the tasks of failed dispatches; false while the database is
 * still away (they are tried again on the next dispatch and tick). */
bool
work_unlease(struct server *srv)
{
	struct hs_store *st = srv->o->store;
	struct unlease *u;
	int64_t n = 0;

	while ((u = srv->unleases) != NULL) {
		if (st->ops->requeue(st, u->client_id, u->schedule_time, &n) != HS_OK)
			return false;
		if (n > 0)
			log_warning("Re-queued %lld tasks of a dispatch that failed with the database",
			            (long long)n);
		srv->unleases = u->next;
		free(u);
	}
	return true;
}

/* Hand session s what it asked for; the number sent. */
static int
dispatch(struct session *s)
{
	struct server *srv = s->srv;
	struct dispatch d = {s, 0};
	struct hs_lease l = {srv->server_id, srv->host, s->client_id, s->host, ""};
	int n = s->want < SERVER_SCHEDULE_MAX ? s->want : SERVER_SCHEDULE_MAX;
	hs_err e;

	if (!work_unlease(srv)) {
		work_db_down(srv, "scheduling");
		return 0;
	}
	hs_ts_format(hs_now_us(), l.schedule_time);
	e = srv->o->store->ops->schedule(srv->o->store, srv->group, n, srv->o->eager,
	                                 &l, send_bundles, &d);
	if (e != HS_OK && d.sent == 0) {
		add_unlease(srv, &l);
		work_db_down(srv, "scheduling");
	} else if (e != HS_OK) {
		work_db_down(srv, "scheduling");
	} else {
		work_db_up(srv);
	}
	s->want -= (int)d.sent;
	s->running += (int64_t)d.sent;
	srv->st.sent += (int64_t)d.sent;
	return (int)d.sent;
}

void
work_schedule(struct server *srv)
{
	bool starved = false;

	if (srv->draining)
		return;
	for (struct session *s = srv->sessions; s != NULL; s = s->next) {
		if (s->state != S_READY || s->conn == NULL || s->want <= 0 || s->drained)
			continue;
		if (dispatch(s) == 0)
			starved = true;
	}
	if (starved)
		check_state(srv);
}

/* --- groups and the end of the work ---------------------------------------- */

static void
finish_or_wait(struct server *srv)
{
	int64_t left = 0;

	if (srv->o->forever || adding(srv))
		return;
	if (srv->o->store->ops->remaining(srv->o->store, &left) == HS_OK && left > 0)
		log_warning("%lld tasks remain in groups below %lld; they are never scheduled",
		            (long long)left, (long long)srv->group);
	srv->done = true;
	work_begin_drain(srv, "all tasks finished");
}

/* Nothing was there to schedule: wait, move to the next group, or stop. */
static void
check_state(struct server *srv)
{
	struct hs_store *st = srv->o->store;
	struct hs_group_state g;
	int64_t next = -1, exhausted = 0;

	if (srv->draining || st->ops->group_state(st, srv->group, &g) != HS_OK)
		return;
	if (g.unscheduled > 0 || g.running > 0)
		return;   /* work will come back (failures, retries, evictions) */
	if (st->ops->next_group(st, srv->group, &next) != HS_OK)
		return;
	if (next < 0) {
		finish_or_wait(srv);
		return;
	}
	if (st->ops->exhausted(st, srv->group, &exhausted) != HS_OK)
		return;
	if (exhausted > 0) {
		log_critical("Group %lld is not viable: %lld tasks failed with no retries left; "
		             "not moving on to group %lld", (long long)srv->group,
		             (long long)exhausted, (long long)next);
		if (!srv->o->forever) {
			srv->exit_code = 0;
			srv->done = true;
			work_begin_drain(srv, "group not viable");
		}
		return;
	}
	log_info("Group %lld finished; moving on to group %lld", (long long)srv->group,
	         (long long)next);
	srv->group = next;
	work_schedule(srv);
}

/* --- clients ------------------------------------------------------------- */

bool
work_client_known(struct server *srv, const char *client_id)
{
	for (struct gone *g = srv->gone; g != NULL; g = g->next)
		if (strcmp(g->client_id, client_id) == 0)
			return true;
	return false;
}

/* A lost client came back in time: its session takes over what it had
 * started. */
static void
forget_gone(struct server *srv, struct session *s)
{
	for (struct gone **g = &srv->gone; *g != NULL; g = &(*g)->next)
		if (strcmp((*g)->client_id, s->client_id) == 0) {
			struct gone *x = *g;
			*g = x->next;
			hs_idset_move(&s->started, &x->started);
			free(x);
			return;
		}
}

void
work_request(struct session *s, int want)
{
	struct server *srv = s->srv;
	struct hs_store *st = srv->o->store;

	if (want == 0) {   /* just authenticated */
		forget_gone(srv, s);
		if (st->ops->client_connect(st, s->client_id, s->host, srv->server_id,
		                            srv->host) != HS_OK)
			log_error("Cannot record client %s: %s", s->host, hs_detail());
		return;
	}
	s->want = s->want + want > 100000 ? 100000 : s->want + want;
	work_schedule(srv);
}

/* --- the crash limit ------------------------------------------------------ */

struct crashed {
	struct server *srv;
	const char *client_id, *host;
	hs_err e;
};

/* Finish task t as failed if it is still the evicted client's. */
static hs_err
fail_crashed(void *arg, const struct hs_task *t)
{
	struct crashed *c = arg;
	struct server *srv = c->srv;
	struct hs_store *st = srv->o->store;
	struct hs_outcome out;
	struct hs_task r;
	char now[HS_TS_LEN + 1];

	if (t->f[HS_F_CLIENT_ID].null || strcmp(t->f[HS_F_CLIENT_ID].s, c->client_id) != 0 ||
	    !t->f[HS_F_COMPLETION_TIME].null || t->f[HS_F_SCHEDULE_TIME].null)
		return HS_OK;   /* finished, or re-queued and handed to another client */
	hs_task_clear(&r);
	hs_ts_format(hs_now_us(), now);
	r.f[HS_F_ID] = t->f[HS_F_ID];
	r.f[HS_F_SCHEDULE_TIME] = t->f[HS_F_SCHEDULE_TIME];
	r.f[HS_F_COMMAND] = t->f[HS_F_COMMAND];
	r.f[HS_F_COMPLETION_TIME] = (struct hs_cell){.s = now};
	r.f[HS_F_EXIT_STATUS] = (struct hs_cell){.i = HS_STATUS_CRASHED};
	if ((c->e = st->ops->begin(st)) != HS_OK)
		return c->e;
	c->e = st->ops->complete(st, &r, c->client_id, c->host, srv->o->attempts, &out);
	c->e = c->e == HS_OK ? st->ops->commit(st) : (st->ops->rollback(st), c->e);
	if (c->e == HS_OK && out.accepted) {
		srv->st.completed++;
		srv->st.failed += out.failed;
		srv->st.retried += out.retried;
		log_warning("Task (%s) was running on %d clients that were lost: marked failed "
		            "(status %d, server.crash_limit)%s", r.f[HS_F_ID].s, srv->o->crash_limit,
		            HS_STATUS_CRASHED, out.retried ? "; a retry is queued" : "");
	}
	return c->e;
}

/* Count a crash for each task the evicted client had started; those at
 * the limit end failed instead of being re-queued. */
static void
count_crashes(struct server *srv, const char *client_id, const char *host,
              const struct hs_idset *started)
{
	struct crashed c = {srv, client_id, host, HS_OK};

	for (size_t i = 0; i < started->n; i++) {
		int n = hs_crashes_add(&srv->crashes, started->ids[i]);
		if (srv->o->crash_limit > 0 && n >= srv->o->crash_limit &&
		    (hs_store_get(srv->o->store, started->ids[i], fail_crashed, &c) != HS_OK ||
		     c.e != HS_OK))
			log_error("Cannot mark task (%s) failed: %s", started->ids[i], hs_detail());
	}
}

static void
evict(struct server *srv, const char *client_id, const char *host, const char *why,
      const struct hs_idset *started)
{
	struct hs_store *st = srv->o->store;
	int64_t n = 0;

	count_crashes(srv, client_id, host, started);
	if (st->ops->requeue(st, client_id, NULL, &n) != HS_OK ||
	    st->ops->client_disconnect(st, client_id, true) != HS_OK) {
		log_error("Cannot evict client %s: %s", host, hs_detail());
		return;
	}
	log_warning("Evicted client %s (%s): %s; %lld unfinished tasks re-queued", host,
	            client_id, why, (long long)n);
	if (n > 0)
		work_schedule(srv);
}

void
work_session_gone(struct session *s)
{
	struct server *srv = s->srv;
	struct gone *g;

	for (struct pending *p = srv->results; p != NULL; p = p->next)
		if (p->sess == s)
			p->sess = NULL;
	if (IS_SUBMITTER(s)) {
		log_info("Submitter %s (%s) left", s->host, s->client_id);
		return;
	}
	if (s->evicted)
		return;
	if (s->bye) {
		int64_t n = 0;
		log_info("Client %s (%s) disconnected", s->host, s->client_id);
		srv->o->store->ops->requeue(srv->o->store, s->client_id, NULL, &n);
		if (n > 0)
			log_info("Re-queued %lld tasks client %s did not start", (long long)n, s->host);
		srv->o->store->ops->client_disconnect(srv->o->store, s->client_id, false);
		return;
	}
	if (s->running == 0 && srv->draining) {
		srv->o->store->ops->client_disconnect(srv->o->store, s->client_id, false);
		return;
	}
	log_warning("Lost client %s (%s); it is evicted unless it returns within %gs",
	            s->host, s->client_id, srv->o->evict);
	if ((g = calloc(1, sizeof *g)) == NULL)
		return;
	memcpy(g->client_id, s->client_id, sizeof g->client_id);
	memcpy(g->host, s->host, sizeof g->host);
	hs_idset_move(&g->started, &s->started);
	g->since_ms = hs_mono_ms();
	g->next = srv->gone;
	srv->gone = g;
}

/* --- results ------------------------------------------------------------- */

/* The client started these tasks: they count toward the crash limit
 * should it be lost while they run. */
void
work_started(struct session *s, const struct hs_msg_ids *m)
{
	for (size_t i = 0; i < m->n; i++)
		if (hs_idset_add(&s->started, m->ids[i]) != HS_OK)
			return;   /* out of memory: these tasks just never count */
}

/* --- submitters ------------------------------------------------------------- */

/* Why t, a task from SUBMIT, cannot be stored, or NULL. The decoder
 * checked types and formats; these are the ranges hs submit enforces. */
static const char *
submitted_problem(const struct hs_task *t)
{
	static const int nonneg[] = {HS_F_GROUP, HS_F_CORES, HS_F_MEMORY, HS_F_TIMEOUT};

	if (t->f[HS_F_ARGS].s[0] == '\0')
		return "a task has empty args";
	for (size_t i = 0; i < sizeof nonneg / sizeof nonneg[0]; i++)
		if (!t->f[nonneg[i]].null && t->f[nonneg[i]].i < 0)
			return "a task has a negative group, cores, memory or timeout";
	return NULL;
}

/* Store msg's tasks in one transaction (in the active group unless they
 * name one); only then ACK their ids. */
static hs_err
store_submitted(struct server *srv, struct hs_msg_tasks *msg)
{
	struct hs_store *st = srv->o->store;
	hs_err e = st->ops->begin(st);

	for (size_t i = 0; i < msg->n && e == HS_OK; i++) {
		struct hs_task *t = &msg->tasks[i];
		if (t->f[HS_F_GROUP].null)
			t->f[HS_F_GROUP] = (struct hs_cell){.i = srv->group};
		t->f[HS_F_ATTEMPT] = (struct hs_cell){.i = 1};
		t->f[HS_F_RETRIED] = (struct hs_cell){.i = 0};
		e = st->ops->insert(st, t);
	}
	if (e == HS_OK)
		return st->ops->commit(st);
	st->ops->rollback(st);
	return e;
}

void
work_submit(struct session *s, struct hs_msg_tasks *msg)
{
	struct server *srv = s->srv;
	const char **ids = calloc(msg->n ? msg->n : 1, sizeof *ids);
	const char *why = NULL;

	for (size_t i = 0; i < msg->n && why == NULL; i++)
		why = submitted_problem(&msg->tasks[i]);
	if (why != NULL) {
		log_warning("Protocol error from %s: %s", s->conn->peer, why);
		hs_conn_fail(s->conn, "protocol", why);
	} else if (ids == NULL || srv->draining) {
		hs_conn_fail(s->conn, "draining", "the server is shutting down: it takes no more "
		             "tasks");
	} else if (store_submitted(srv, msg) != HS_OK) {
		log_error("Cannot store %zu tasks from submitter %s: %s", msg->n, s->host,
		          hs_detail());
		hs_conn_fail(s->conn, "store", "the server could not store the tasks; none of "
		             "them was saved");
	} else {
		for (size_t i = 0; i < msg->n; i++)
			ids[i] = msg->tasks[i].f[HS_F_ID].s;
		log_debug("Stored %zu tasks from submitter %s", msg->n, s->host);
		srv->st.submitted += (int64_t)msg->n;
		if (hs_enc_ids(&s->conn->enc, HS_MSG_ACK, ids, msg->n) == HS_OK)
			hs_conn_send(s->conn);
		srv->next_scan_ms = 0;
		work_schedule(srv);
	}
	free(ids);
	hs_msg_tasks_free(msg);
}

static void
on_flush(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;

	srv->flush_armed = false;
	work_flush(srv);
}

void
work_results(struct session *s, struct hs_msg_tasks *msg)
{
	struct server *srv = s->srv;
	struct pending *p = calloc(1, sizeof *p);
	struct timeval tv = ms_tv(SERVER_FLUSH_MS);

	if (p == NULL) {
		hs_msg_tasks_free(msg);
		return;
	}
	for (size_t i = 0; i < msg->n; i++)
		hs_idset_del(&s->started, msg->tasks[i].f[HS_F_ID].s);
	p->sess = s;
	memcpy(p->client_id, s->client_id, sizeof p->client_id);
	memcpy(p->host, s->host, sizeof p->host);
	p->msg = *msg;
	*srv->results_tail = p;
	srv->results_tail = &p->next;
	srv->nresults += (int)msg->n;
	if (srv->nresults >= SERVER_FLUSH_MAX && srv->db_down_ms == 0) {
		work_flush(srv);
	} else if (!srv->flush_armed) {
		srv->flush_armed = true;
		evtimer_add(srv->flush, &tv);
	}
}

static void
report_failure(struct server *srv, const struct hs_task *r)
{
	if (hs_buf_printf(&srv->warnings, "Non-zero exit status (%lld) for task (%s)",
	                  (long long)r->f[HS_F_EXIT_STATUS].i, r->f[HS_F_ID].s) == HS_OK)
		hs_buf_putc(&srv->warnings, '\0');
}

static hs_err
keep_args(void *arg, const struct hs_task *t)
{
	struct hs_buf *b = arg;
	hs_err e = hs_buf_puts(b, t->f[HS_F_ARGS].s);

	return e == HS_OK ? hs_buf_putc(b, '\n') : e;
}

/* A flush committed: now say what it did, once. */
static void
report_flush(struct server *srv)
{
	for (size_t at = 0; at < srv->warnings.len; at += strlen(srv->warnings.data + at) + 1)
		log_warning("%s", srv->warnings.data + at);
	if (srv->o->failures != NULL && srv->failed_args.len > 0) {
		fwrite(srv->failed_args.data, 1, srv->failed_args.len, srv->o->failures);
		fflush(srv->o->failures);
	}
	hs_buf_reset(&srv->warnings);
	hs_buf_reset(&srv->failed_args);
}

/* Sum of run times, for the autoscaler's mean task duration. */
static void
task_seconds(struct server *srv, const struct hs_task *r)
{
	int64_t a, b;

	if (!r->f[HS_F_START_TIME].null && !r->f[HS_F_COMPLETION_TIME].null &&
	    hs_ts_parse(r->f[HS_F_START_TIME].s, &a) && hs_ts_parse(r->f[HS_F_COMPLETION_TIME].s, &b) &&
	    b >= a)
		srv->st.task_seconds += (double)(b - a) / 1e6;
}

static hs_err
store_one(struct server *srv, struct pending *p, const struct hs_task *r)
{
	struct hs_store *st = srv->o->store;
	struct hs_outcome out;
	hs_err e;

	if ((e = st->ops->complete(st, r, p->client_id, p->host, srv->o->attempts, &out)) != HS_OK)
		return e;
	if (!out.accepted) {
		srv->st.refused_results++;
		log_warning("Refused a late result for task (%s) from %s: it was re-queued, "
		            "cancelled or already finished", r->f[HS_F_ID].s, p->host);
		return HS_OK;
	}
	srv->st.completed++;
	task_seconds(srv, r);
	if (!r->f[HS_F_EXIT_STATUS].null && r->f[HS_F_EXIT_STATUS].i != 0)
		report_failure(srv, r);
	if (out.retried)
		srv->st.retried++;
	if (out.failed) {
		srv->st.failed++;
		if (srv->o->failures)
			hs_store_get(st, r->f[HS_F_ID].s, keep_args, &srv->failed_args);
	}
	p->accepted++;
	return HS_OK;
}

static void
acknowledge(struct pending *p)
{
	const char **ids;

	if (p->sess == NULL || p->sess->conn == NULL || p->msg.n == 0)
		return;
	if ((ids = calloc(p->msg.n, sizeof *ids)) == NULL)
		return;
	for (size_t i = 0; i < p->msg.n; i++)
		ids[i] = p->msg.tasks[i].f[HS_F_ID].s;
	hs_enc_ids(&p->sess->conn->enc, HS_MSG_ACK, ids, p->msg.n);  /* sent below */
	free(ids);
}

/* --- database outages ------------------------------------------------------
 * One line when the database goes away and one when it is back, however
 * many results or scans fail in between. */

void
work_db_down(struct server *srv, const char *what)
{
	if (srv->db_down_ms != 0)
		return;
	srv->db_down_ms = hs_mono_ms();
	log_error("Database unavailable (%s): %s; results are kept and writing is retried",
	          what, hs_detail());
}

void
work_db_up(struct server *srv)
{
	if (srv->db_down_ms == 0)
		return;
	log_info("Database available again after %.1fs", (double)(hs_mono_ms() - srv->db_down_ms) / 1000);
	srv->db_down_ms = 0;
	srv->db_backoff_ms = 0;
}

/* Results could not be written: keep them (in order, ahead of newer ones)
 * and try again later, backing off to DB_RETRY_MAX_MS. */
static void
keep_results(struct server *srv, struct pending *list)
{
	struct pending *last = list;
	struct timeval tv;
	int n = 0;

	for (struct pending *p = list; p != NULL; p = p->next) {
		n += (int)p->msg.n;
		last = p;
	}
	last->next = srv->results;
	if (srv->results == NULL)
		srv->results_tail = &last->next;
	srv->results = list;
	srv->nresults += n;
	srv->db_backoff_ms = srv->db_backoff_ms ? srv->db_backoff_ms * 2 : DB_RETRY_MIN_MS;
	if (srv->db_backoff_ms > DB_RETRY_MAX_MS)
		srv->db_backoff_ms = DB_RETRY_MAX_MS;
	tv = ms_tv(srv->db_backoff_ms);
	if (srv->flush_armed)
		evtimer_del(srv->flush);
	srv->flush_armed = true;
	evtimer_add(srv->flush, &tv);
}

/* Write every waiting result in one transaction; acknowledge them once
 * committed. */
void
work_flush(struct server *srv)
{
	struct hs_store *st = srv->o->store;
	struct pending *p, *next, *list = srv->results;
	struct server_stats before = srv->st;   /* counts stand only if committed */
	hs_err e;

	if (list == NULL)
		return;
	srv->results = NULL;
	srv->results_tail = &srv->results;
	srv->nresults = 0;
	hs_buf_reset(&srv->warnings);
	hs_buf_reset(&srv->failed_args);
	if ((e = st->ops->begin(st)) == HS_OK) {
		for (p = list; p != NULL && e == HS_OK; p = p->next) {
			p->accepted = 0;
			for (size_t i = 0; i < p->msg.n && e == HS_OK; i++)
				e = store_one(srv, p, &p->msg.tasks[i]);
		}
		e = e == HS_OK ? st->ops->commit(st) : (st->ops->rollback(st), e);
	}
	if (e != HS_OK) {
		srv->st = before;
		work_db_down(srv, "storing results");
		keep_results(srv, list);
		return;
	}
	work_db_up(srv);
	report_flush(srv);
	for (p = list; p != NULL; p = next) {
		next = p->next;
		if (p->sess != NULL)
			p->sess->running = p->sess->running > p->accepted ? p->sess->running - p->accepted : 0;
		acknowledge(p);
		hs_msg_tasks_free(&p->msg);
		free(p);
	}
	for (struct session *s = srv->sessions; s != NULL; s = s->next)
		if (s->conn != NULL && s->conn->enc.len > 0)
			hs_conn_send(s->conn);
	work_schedule(srv);
	work_maybe_exit(srv);
}

/* --- timers -------------------------------------------------------------- */

static bool
anyone_waiting(struct server *srv)
{
	for (struct session *s = srv->sessions; s != NULL; s = s->next)
		if (s->state == S_READY && s->want > 0 && !s->drained)
			return true;
	return false;
}

/* Look for new work often and cheaply (the store says if anything
 * changed); scan fully with a backoff up to --poll as a fallback. */
static void
on_watch(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	bool changed = false;
	int64_t now = hs_mono_ms();

	if (srv->draining || !anyone_waiting(srv))
		return;
	if (srv->adding && !(srv->adding = adding(srv)))
		changed = true;   /* input ended: look again, perhaps to finish */
	else
		srv->o->store->ops->changed(srv->o->store, &changed);
	if (!changed && now < srv->next_scan_ms)
		return;
	srv->scan_backoff_ms = changed ? 500 : srv->scan_backoff_ms * 2;
	if (srv->scan_backoff_ms > (int64_t)(srv->o->poll * 1000))
		srv->scan_backoff_ms = (int64_t)(srv->o->poll * 1000);
	srv->next_scan_ms = now + srv->scan_backoff_ms;
	work_schedule(srv);
}

static void
heartbeats(struct server *srv, int64_t now)
{
	struct hs_msg_heartbeat hb = {0, 0};
	int64_t every = (int64_t)(srv->o->heartrate * 1000);

	for (struct session *s = srv->sessions; s != NULL; s = s->next) {
		if (s->state != S_READY || s->conn == NULL || now - s->last_beat_ms < every)
			continue;
		s->last_beat_ms = now;
		if (hs_enc_heartbeat(&s->conn->enc, &hb) == HS_OK)
			hs_conn_send(s->conn);
	}
}

static void
evict_silent(struct server *srv, int64_t now)
{
	int64_t limit = (int64_t)(srv->o->evict * 1000);
	struct gone **g = &srv->gone;

	for (struct session *s = srv->sessions; s != NULL; s = s->next)
		if (s->state == S_READY && s->conn != NULL && now - s->last_ms > limit) {
			if (IS_SUBMITTER(s)) {   /* it holds no tasks; it may come back */
				hs_conn_close(s->conn, "idle");
				return;
			}
			s->evicted = true;   /* handled here, not as a lost client */
			evict(srv, s->client_id, s->host, "no heartbeat", &s->started);
			hs_conn_close(s->conn, "evicted");
			return;   /* the list changed under us; the next tick goes on */
		}
	while (*g != NULL) {
		struct gone *x = *g;
		if (now - x->since_ms <= limit) {
			g = &x->next;
			continue;
		}
		*g = x->next;
		evict(srv, x->client_id, x->host, "did not come back", &x->started);
		hs_idset_free(&x->started);
		free(x);
	}
}

static void
status(struct server *srv)
{
	int64_t left = -1, clients = 0;
	char rem[32] = "unknown (database away)";

	for (struct session *s = srv->sessions; s != NULL; s = s->next)
		clients += s->state == S_READY && !IS_SUBMITTER(s);
	if (srv->o->store->ops->remaining(srv->o->store, &left) == HS_OK)
		snprintf(rem, sizeof rem, "%lld", (long long)left);
	log_info("Status: %lld clients, group %lld, %s tasks remaining, %lld completed "
	         "(%lld failed); refused: %lld TLS handshakes, %lld authentications, "
	         "%lld oversize frames, %lld connections, %lld handshake timeouts",
	         (long long)clients, (long long)srv->group, rem,
	         (long long)srv->st.completed, (long long)srv->st.failed,
	         (long long)srv->st.tls_failures, (long long)srv->st.auth_failures,
	         (long long)srv->st.oversize, (long long)srv->st.refused,
	         (long long)srv->st.timeouts);
}

static hs_err recover_servers(struct server *srv, int64_t *n);

/* Tell the servers sharing the database we are alive, and take over the
 * tasks of any that is not. */
static void
beat(struct server *srv, int64_t now)
{
	struct hs_store *st = srv->o->store;
	int64_t n = 0;

	if (now - srv->last_beat_ms < SERVER_BEAT_MS)
		return;
	srv->last_beat_ms = now;
	if (st->ops->server_beat(st, srv->server_id, srv->host, srv->port) != HS_OK ||
	    recover_servers(srv, &n) != HS_OK) {
		work_db_down(srv, "registering the server");
		return;
	}
	work_db_up(srv);
	if (n > 0)
		log_warning("Re-queued %lld tasks of a server that stopped answering", (long long)n);
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	int64_t now = hs_mono_ms();

	heartbeats(srv, now);
	if (srv->unleases != NULL && work_unlease(srv))
		work_schedule(srv);
	evict_silent(srv, now);
	beat(srv, now);
	if (srv->o->hooks != NULL && srv->o->hooks->tick != NULL)
		srv->o->hooks->tick(srv->o->hooks->arg, srv);
	if (now - srv->last_status_ms >= (int64_t)(srv->o->status_interval * 1000)) {
		srv->last_status_ms = now;
		status(srv);
	}
}

/* --- start and stop ------------------------------------------------------- */

/* Servers silent for evict seconds are gone, as clients are: their
 * unfinished tasks run again. */
static hs_err
recover_servers(struct server *srv, int64_t *n)
{
	struct hs_store *st = srv->o->store;
	char cutoff[HS_TS_LEN + 1];

	hs_ts_format(hs_now_us() - (int64_t)(srv->o->evict * 1e6), cutoff);
	return st->ops->recover(st, srv->server_id, srv->host, srv->port, cutoff, n);
}

static hs_err
recover(struct server *srv)
{
	struct hs_store *st = srv->o->store;
	char why[96];
	int64_t n = 0;
	hs_err e;

	if ((e = st->ops->server_beat(st, srv->server_id, srv->host, srv->port)) != HS_OK ||
	    (e = recover_servers(srv, &n)) != HS_OK)
		return e;
	if (n > 0)
		log_warning("Re-queued %lld tasks a previous server left unfinished", (long long)n);
	if ((e = st->ops->active_group(st, &srv->group, why, sizeof why)) == HS_OK)
		log_debug("Starting with group %lld (%s)", (long long)srv->group, why);
	return e;
}

static hs_err
timers(struct server *srv)
{
	struct timeval watch = ms_tv(SERVER_WATCH_MS), tick = ms_tv(1000);

	srv->watch = event_new(srv->base, -1, EV_PERSIST, on_watch, srv);
	srv->tick = event_new(srv->base, -1, EV_PERSIST, on_tick, srv);
	srv->flush = evtimer_new(srv->base, on_flush, srv);
	if (!srv->watch || !srv->tick || !srv->flush)
		return hs_fail(HS_ENOMEM, "cannot create timers");
	evtimer_add(srv->watch, &watch);
	evtimer_add(srv->tick, &tick);
	srv->scan_backoff_ms = 500;
	srv->last_status_ms = hs_mono_ms();
	return HS_OK;
}

hs_err
work_start(struct server *srv)
{
	struct hs_store *st = srv->o->store;
	struct hs_query all = {.order = -1, .limit = -1};
	int64_t total = 0, left = 0;
	hs_err e;

	if ((e = st->ops->durability(st, false)) != HS_OK ||
	    (e = recover(srv)) != HS_OK || (e = timers(srv)) != HS_OK ||
	    (e = st->ops->count(st, &all, &total)) != HS_OK ||
	    (e = st->ops->remaining(st, &left)) != HS_OK)
		return e;
	srv->cpu0 = hs_cpu_seconds();
	srv->start_ms = hs_mono_ms();
	srv->adding = adding(srv);
	if (total > 0 && left == 0 && !srv->o->forever && !srv->adding) {
		log_info("All %lld tasks are finished: nothing to do (use --forever to wait "
		         "for more)", (long long)total);
		srv->done = true;
	}
	return HS_OK;
}

void
work_begin_drain(struct server *srv, const char *why)
{
	if (srv->draining)
		return;
	srv->draining = true;
	log_info("Draining clients: %s", why);
	for (struct session *s = srv->sessions; s != NULL; s = s->next)
		session_drain(s);
	work_maybe_exit(srv);
}

void
work_maybe_exit(struct server *srv)
{
	if (!srv->draining || srv->results != NULL)
		return;
	for (struct session *s = srv->sessions; s != NULL; s = s->next)
		if (s->state == S_READY && s->conn != NULL)
			return;
	event_base_loopexit(srv->base, NULL);
}

void
work_summary(struct server *srv)
{
	double cpu = hs_cpu_seconds() - srv->cpu0;
	double secs = (double)(hs_mono_ms() - srv->start_ms) / 1000;

	log_info("Server done: %lld tasks completed (%lld failed, %lld retried) in %.1fs; "
	         "server CPU %.0f us/task", (long long)srv->st.completed,
	         (long long)srv->st.failed, (long long)srv->st.retried, secs,
	         srv->st.completed ? cpu * 1e6 / (double)srv->st.completed : 0.0);
}
