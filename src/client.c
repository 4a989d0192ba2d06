/* client.c: hs client's connection to the server: connecting (and
 * reconnecting), the mutual key proof, pulling work, sending results,
 * heartbeats, and stopping. Running tasks is client_jobs.c. */
#include "client_int.h"

#include <signal.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keeper.h"
#include "log.h"
#include "transport.h"

#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 10000
#define WANT_MAX 10000

static const struct hs_conn_handler handler;
static void connect_now(struct client *cl);

static struct timeval
tv_of(double seconds)
{
	struct timeval tv = {(time_t)seconds,
	                     (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6)};
	return tv;
}

/* --- sending ---------------------------------------------------------------
 * Messages made during one pass of the event loop (confirmations, results,
 * a request) are gathered and sent together by on_output, one write. */

static void
later(struct client *cl)
{
	event_active(cl->outev, EV_WRITE, 0);
}

/* Keep `depth` rounds of slots on hand (running, queued or asked for) and
 * top up once half is used: one request, and one scheduling transaction
 * on the server, per many tasks. The depth doubles whenever a slot had to
 * wait for work, so very short tasks get deeper prefetch. */
void
client_request(struct client *cl)
{
	cl->want_request = true;
	later(cl);
}

void
client_starved(struct client *cl)
{
	if (cl->asked > 0)
		cl->starved = true;
}

/* Tasks to ask for now: 0 until half of the prefetch depth is used. */
static int
request_size(struct client *cl)
{
	int full = cl->depth * cl->o->slots, have = jobs_outstanding(cl) + cl->asked;

	if (!cl->want_request || cl->draining || have > full / 2 || full - have <= 0)
		return 0;
	return full - have > WANT_MAX ? WANT_MAX : full - have;
}

static void
encode_request(struct client *cl, int want)
{
	struct hs_msg_request r = {want};

	cl->want_request = false;
	if (want > 0 && hs_enc_request(&cl->conn->enc, &r) == HS_OK)
		cl->asked += r.want;
}

static void
encode_results(struct client *cl)
{
	struct hs_task *batch;
	struct result *r;
	size_t n = 0, max = (size_t)cl->unsent;

	cl->want_results = false;
	if (max == 0 || (batch = calloc(max, sizeof *batch)) == NULL)
		return;
	for (r = cl->results; r != NULL && n < max; r = r->next)
		if (!r->sent)
			batch[n++] = r->t;
	if (n > 0 && hs_enc_tasks_capped(&cl->conn->enc, HS_MSG_RESULTS, batch, n, cl->frame_max) == HS_OK) {
		for (r = cl->results; r != NULL; r = r->next)
			r->sent = true;
		cl->unsent = 0;
	}
	free(batch);
}

/* Is id's result about to go out in this pass? Then its STARTED is moot:
 * the server would add it and drop it again at once. (Only looked for
 * among a few results: with many, every start is reported.) */
static bool
moot(const struct client *cl, const char *id)
{
	if (!cl->want_results || cl->unsent > 64)
		return false;
	for (const struct result *r = cl->results; r != NULL; r = r->next)
		if (!r->sent && strcmp(r->t.f[HS_F_ID].s, id) == 0)
			return true;
	return false;
}

/* CONFIRM or STARTED: the *n NUL-separated ids in buf, then none. */
static void
encode_ids(struct client *cl, enum hs_msg_type type, struct hs_buf *buf, int *n)
{
	const char **ids;
	size_t at = 0, k = 0;

	if (*n == 0 || (ids = calloc((size_t)*n, sizeof *ids)) == NULL)
		return;
	for (int i = 0; i < *n; i++) {
		const char *id = buf->data + at;
		at += strlen(id) + 1;
		if (type != HS_MSG_STARTED || !moot(cl, id))
			ids[k++] = id;
	}
	if (k > 0)
		hs_enc_ids(&cl->conn->enc, type, ids, k);
	free(ids);
	*n = 0;
	hs_buf_reset(buf);
}

/* Tell the server (protocol 1.1 and later) that task id started, for its
 * crash limit: at once when nothing else waits to be sent, else with the
 * next message, within CLIENT_LINGER_MS. Not alone while results linger: a
 * frame of its own per start would double the server's wake-ups. */
void
client_started(struct client *cl, const char *id)
{
	struct timeval tv = tv_of(CLIENT_LINGER_MS / 1000.0);

	if (cl->srv_minor < 1)
		return;
	if (hs_buf_append(&cl->started, id, strlen(id) + 1) == HS_OK)
		cl->nstarted++;
	if (!evtimer_pending(cl->flush, NULL))
		later(cl);
	else if (!evtimer_pending(cl->linger, NULL))
		evtimer_add(cl->linger, &tv);
}

static void
on_linger(evutil_socket_t fd, short what, void *arg)
{
	struct client *cl = arg;

	cl->started_due = true;
	later(cl);
}

static void
on_output(evutil_socket_t fd, short what, void *arg)
{
	struct client *cl = arg;
	int want;
	bool other;

	if (cl->state != C_READY)
		return;
	want = request_size(cl);
	other = cl->nconfirm > 0 || (cl->want_results && cl->unsent > 0) || want > 0;
	encode_ids(cl, HS_MSG_CONFIRM, &cl->confirm, &cl->nconfirm);
	/* before the results: a task may have started and finished since */
	if (other || cl->started_due || !evtimer_pending(cl->flush, NULL)) {
		encode_ids(cl, HS_MSG_STARTED, &cl->started, &cl->nstarted);
		cl->started_due = false;
		evtimer_del(cl->linger);
	}
	if (cl->want_results)
		encode_results(cl);
	encode_request(cl, want);
	if (cl->conn->enc.len > 0)
		hs_conn_send(cl->conn);
}

static void
on_flush(evutil_socket_t fd, short what, void *arg)
{
	struct client *cl = arg;

	cl->want_results = cl->unsent > 0;
	on_output(fd, what, arg);
}

/* Send results in this pass if draining or nothing else is running, or if
 * a batch of bundlesize (> 1) is full; else within bundlewait. With the
 * default bundlesize of 1, a result lingers CLIENT_LINGER_MS for others
 * that finish meanwhile: short tasks then share one message (and one
 * wake-up of the server) among several results instead of one each, which
 * halves the runner's CPU per task; a lone or last result still goes at
 * once. */
void
client_send_results(struct client *cl)
{
	bool lone = cl->o->bundlesize <= 1;
	struct timeval tv = tv_of(lone && cl->o->bundlewait > CLIENT_LINGER_MS / 1000.0
	                          ? CLIENT_LINGER_MS / 1000.0 : cl->o->bundlewait);

	if (cl->state != C_READY || cl->unsent == 0)
		return;
	if ((!lone && cl->unsent >= cl->o->bundlesize) || cl->draining || jobs_outstanding(cl) == 0) {
		cl->want_results = true;
		later(cl);
	} else if (!evtimer_pending(cl->flush, NULL)) {
		evtimer_add(cl->flush, &tv);
	}
}

/* Finished when draining, nothing runs, and the server has every result. */
void
client_maybe_done(struct client *cl)
{
	if (!cl->draining || jobs_outstanding(cl) > 0 || cl->results != NULL)
		return;
	if (cl->state == C_READY && !cl->conn->closing) {
		on_output(-1, 0, cl);
		if (hs_enc_empty(&cl->conn->enc, HS_MSG_BYE) == HS_OK &&
		    hs_conn_send(cl->conn) == HS_OK) {
			cl->stopping = true;
			hs_conn_finish(cl->conn, "done");   /* on_down ends the loop */
			return;
		}
	}
	event_base_loopexit(cl->base, NULL);
}

/* --- handshake ------------------------------------------------------------- */

static void
on_up(struct hs_conn *c)
{
	struct client *cl = c->owner;
	unsigned char binding[32];
	size_t bindlen = 0;

	if (c->ssl != NULL && hs_tls_client_check(c->ssl, &cl->tls) != HS_OK) {
		log_error("%s", hs_detail());
		cl->fatal = true;
		hs_conn_close(c, hs_detail());
		return;
	}
	if (c->ssl != NULL) {
		if (hs_tls_binding(c->ssl, binding) != HS_OK) {
			hs_conn_close(c, "cannot bind the handshake to the TLS session");
			return;
		}
		bindlen = sizeof binding;
	}
	if (hs_hs_init(&cl->hs, HS_ROLE_CLIENT, cl->o->key, binding, bindlen) != HS_OK) {
		hs_conn_close(c, "no randomness");
		return;
	}
	OPENSSL_cleanse(binding, sizeof binding);
	memcpy(cl->hs.auth.client_id, cl->client_id, sizeof cl->hs.auth.client_id);
	snprintf(cl->hs.auth.host, sizeof cl->hs.auth.host, "%s", cl->host);
	cl->hs.auth.slots = cl->o->slots;
	if (hs_hs_hello(&cl->hs, &c->enc) == HS_OK && hs_conn_send(c) == HS_OK)
		cl->state = C_HELLO;
}

static void
fatal(struct client *cl, const char *why)
{
	log_error("%s", why);
	cl->fatal = true;
	cl->exit_code = 5;
	hs_conn_close(cl->conn, why);
}

static void on_welcome(struct client *cl, const struct hs_msg_welcome *w);

/* A handshake frame: the next step, the welcome, or the end. */
static void
on_handshake(struct client *cl, const struct hs_frame *f)
{
	switch (hs_hs_input(&cl->hs, f, &cl->conn->enc)) {
	case HS_HS_CONTINUE:
		cl->srv_minor = cl->hs.peer_minor;
		if (hs_conn_send(cl->conn) == HS_OK)
			cl->state = C_AUTH;
		return;
	case HS_HS_ACCEPTED:
		hs_hs_clear(&cl->hs);
		on_welcome(cl, &cl->hs.welcome);
		return;
	case HS_HS_REJECTED:
		hs_hs_clear(&cl->hs);
		fatal(cl, cl->hs.why);
		return;
	}
}

static void
on_welcome(struct client *cl, const struct hs_msg_welcome *w)
{
	cl->state = C_READY;
	cl->welcomed = true;
	cl->conn->cap = w->frame_max;
	cl->frame_max = w->frame_max;
	cl->srv_heartrate = w->heartrate;
	cl->srv_evict = w->evict;
	cl->heard_ms = hs_mono_ms();
	cl->lost_ms = 0;
	cl->backoff_ms = BACKOFF_MIN_MS;
	cl->asked = 0;
	cl->nconfirm = 0;
	hs_buf_reset(&cl->confirm);
	log_info("Connected to %s:%d (server %s)", cl->o->host, cl->o->port, w->host);
	if (!w->resumed && cl->nqueue > 0)   /* re-queued by the server: not ours to run */
		log_info("Dropped %d queued tasks the server has given back to the queue",
		         jobs_drop_queued(cl));
	for (struct result *r = cl->results; r != NULL; r = r->next)
		if (r->sent) {   /* sent before, never acknowledged: again */
			r->sent = false;
			cl->unsent++;
		}
	client_send_results(cl);
	client_request(cl);
	jobs_start(cl);   /* what waited for the server */
	client_maybe_done(cl);
}

/* --- messages -------------------------------------------------------------- */

static void
on_bundle(struct client *cl, const struct hs_frame *f)
{
	struct hs_msg_tasks t;
	char err[HS_PROTO_ERR];

	if (hs_dec_bundle(f, &t, err, sizeof err) != HS_OK)
		return fatal(cl, err);
	cl->asked = cl->asked > (int)t.n ? cl->asked - (int)t.n : 0;
	if (cl->starved) {
		cl->starved = false;
		cl->depth = cl->depth * 2 > 64 ? 64 : cl->depth * 2;
	}
	for (size_t i = 0; i < t.n && !cl->o->no_confirm; i++)
		if (hs_buf_append(&cl->confirm, t.tasks[i].f[HS_F_ID].s,
		                  strlen(t.tasks[i].f[HS_F_ID].s) + 1) == HS_OK)
			cl->nconfirm++;
	jobs_add(cl, t.tasks, t.n);
	hs_msg_tasks_free(&t);
	later(cl);
	jobs_start(cl);
}

static void
on_ack(struct client *cl, const struct hs_frame *f)
{
	struct hs_msg_ids ids;
	char err[HS_PROTO_ERR];

	if (hs_dec_ids(f, &ids, err, sizeof err) != HS_OK)
		return fatal(cl, err);
	jobs_ack(cl, ids.ids, ids.n);
	hs_msg_ids_free(&ids);
	client_maybe_done(cl);
}

static void
on_error(struct client *cl, const struct hs_frame *f)
{
	struct hs_msg_error m;
	char err[HS_PROTO_ERR], why[400];

	if (hs_dec_error(f, &m, err, sizeof err) != HS_OK)
		return fatal(cl, err);
	snprintf(why, sizeof why, "server refused us (%s): %s", m.code, m.message);
	if (strcmp(m.code, "busy") == 0 || strcmp(m.code, "shutdown") == 0) {
		log_warning("%s", why);
		hs_conn_close(cl->conn, why);
		return;
	}
	fatal(cl, why);
}

static void
on_frame(struct hs_conn *c, const struct hs_frame *f)
{
	struct client *cl = c->owner;
	bool was_stale = cl->state == C_READY && !client_server_fresh(cl);

	if (client_maybe_evicted(cl)) {
		/* we were stopped or cut off long enough to be evicted: what is
		 * buffered here is old news; ask again (WELCOME says what is ours) */
		log_warning("No word from the server for %.0fs: reconnecting",
		            (double)(hs_mono_ms() - cl->heard_ms) / 1000);
		hs_conn_close(c, "the server went silent");
		return;
	}
	cl->heard_ms = hs_mono_ms();
	if (was_stale) {
		log_info("The server answers again");
		jobs_start(cl);
	}

	if (f->type == HS_MSG_ERROR)
		on_error(cl, f);
	else if (cl->state == C_HELLO || cl->state == C_AUTH)
		on_handshake(cl, f);
	else if (cl->state != C_READY)
		fatal(cl, "protocol error: unexpected message during the handshake");
	else if (f->type == HS_MSG_BUNDLE)
		on_bundle(cl, f);
	else if (f->type == HS_MSG_ACK)
		on_ack(cl, f);
	else if (f->type == HS_MSG_DRAIN) {
		int dropped = jobs_drop_queued(cl);
		log_info("The server is draining: finishing %d running tasks%s", cl->nrunning,
		         dropped ? " (queued ones go back to the server)" : "");
		cl->draining = true;
		client_send_results(cl);
		client_maybe_done(cl);
	} else if (f->type != HS_MSG_HEARTBEAT && f->type != HS_MSG_BYE)
		fatal(cl, "protocol error: unexpected message");
}

/* A partitioned server may evict us and give our queued tasks to others:
 * after three of its heartbeats unheard, start nothing new. */
bool
client_server_fresh(const struct client *cl)
{
	double quiet = cl->srv_heartrate * 3 > 1 ? cl->srv_heartrate * 3 : 1;

	return cl->state == C_READY && hs_mono_ms() - cl->heard_ms <= (int64_t)(quiet * 1000);
}

/* Silent for most of the server's eviction time: it may have given our
 * tasks to others. */
bool
client_maybe_evicted(const struct client *cl)
{
	return cl->state == C_READY && cl->srv_evict > 0 &&
	       hs_mono_ms() - cl->heard_ms > (int64_t)(cl->srv_evict * 800);
}

/* --- connection ------------------------------------------------------------ */

static void
on_retry(evutil_socket_t fd, short what, void *arg)
{
	connect_now(arg);
}

static void
schedule_retry(struct client *cl, const char *why)
{
	int64_t now = hs_mono_ms();
	struct timeval tv;

	if (cl->lost_ms == 0)
		cl->lost_ms = now;
	if (cl->fatal || now - cl->lost_ms > (int64_t)(cl->o->reconnect * 1000)) {
		if (!cl->fatal)
			log_error("Gave up on the server after %gs: %s (%d results undelivered; "
			          "the server re-runs those tasks)", cl->o->reconnect, why,
			          cl->unsent + (cl->results != NULL));
		cl->exit_code = 5;
		event_base_loopexit(cl->base, NULL);
		return;
	}
	log_warning("Server %s:%d unavailable (%s); retrying in %.1fs", cl->o->host,
	            cl->o->port, why, (double)cl->backoff_ms / 1000);
	tv = tv_of((double)cl->backoff_ms / 1000);
	evtimer_add(cl->retry, &tv);
	cl->backoff_ms = cl->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : cl->backoff_ms * 2;
}

/* The client started before the server on this host (or shared file
 * system) generated its certificate, so it fell back to the system
 * store: trust that certificate now that it exists, once. */
static bool
trust_new_certificate(struct client *cl)
{
	const char *path = cl->o->auto_cafile;
	SSL_CTX *ctx = NULL;
	struct hs_tls_config t = cl->tls;

	if (path == NULL || cl->tls.cafile != NULL || cl->tls.fingerprint != NULL ||
	    access(path, R_OK) != 0)
		return false;
	t.cafile = path;
	if (hs_tls_client_ctx(&t, &ctx) != HS_OK)
		return false;
	log_info("Trusting the server's certificate %s (created after this client started)", path);
	SSL_CTX_free(cl->ctx);
	cl->ctx = ctx;
	cl->tls = t;
	cl->backoff_ms = BACKOFF_MIN_MS;
	return true;
}

static void
on_down(struct hs_conn *c, const char *why)
{
	struct client *cl = c->owner;
	bool was_ready = cl->state == C_READY;

	bool verifying = cl->state == C_CONNECTING && c->ssl != NULL &&
	                 strstr(why, "verify failed") != NULL;

	cl->conn = NULL;
	cl->state = C_OFF;
	if (cl->stopping) {   /* our own goodbye, or teardown */
		event_base_loopexit(cl->base, NULL);
		return;
	}
	if (verifying && trust_new_certificate(cl))
		verifying = false;   /* the server made its certificate after we started */
	if (verifying) {   /* a trust problem does not go away by retrying */
		log_error("Cannot verify the server %s: %s. Trust it with server.tls.cafile "
		          "(its certificate), or pin it with server.tls.fingerprint = "
		          "\"SHA256:...\" (the server logs its fingerprint when it creates "
		          "the certificate)", c->peer, why);
		cl->fatal = true;
	}
	if (was_ready)
		log_warning("Lost the server: %s", why);
	if (cl->draining && jobs_outstanding(cl) == 0 && cl->results == NULL) {
		event_base_loopexit(cl->base, NULL);
		return;
	}
	schedule_retry(cl, why);
}

static void
connect_now(struct client *cl)
{
	struct bufferevent *bev = NULL;
	SSL *ssl = NULL;
	char peer[300];

	snprintf(peer, sizeof peer, "%s:%d", cl->o->host, cl->o->port);
	if (hs_transport_connect(cl->base, cl->o->host, cl->o->port, cl->ctx, &cl->tls,
	                         &bev, &ssl) != HS_OK) {
		schedule_retry(cl, hs_detail());
		return;
	}
	if ((cl->conn = hs_conn_new(bev, ssl, peer, &handler, cl)) == NULL) {
		bufferevent_free(bev);
		schedule_retry(cl, "out of memory");
		return;
	}
	cl->state = C_CONNECTING;
}

static const struct hs_conn_handler handler = {on_up, on_frame, on_down};

/* --- timers and signals ----------------------------------------------------- */

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct client *cl = arg;
	struct hs_msg_heartbeat hb;
	int64_t now = hs_mono_ms();

	if (cl->conn != NULL && client_maybe_evicted(cl)) {
		/* it may have evicted us by now: start again, and learn what is ours */
		log_warning("No word from the server for %.0fs: reconnecting",
		            (double)(now - cl->heard_ms) / 1000);
		hs_conn_close(cl->conn, "the server went silent");
		return;
	}
	if (cl->state == C_READY && now - cl->last_beat_ms >= (int64_t)(cl->o->heartrate * 1000)) {
		cl->last_beat_ms = now;
		hb.state = cl->draining ? HS_STATE_DRAINING : HS_STATE_RUNNING;
		hb.running = cl->nrunning;
		if (hs_enc_heartbeat(&cl->conn->enc, &hb) == HS_OK)
			hs_conn_send(cl->conn);
	}
	if (jobs_outstanding(cl) > 0)
		cl->last_work_ms = now;
	if (cl->o->idle_timeout > 0 && !cl->draining &&
	    now - cl->last_work_ms > (int64_t)(cl->o->idle_timeout * 1000)) {
		if (cl->welcomed) {
			log_info("No work for %gs: leaving", cl->o->idle_timeout);
		} else {
			log_error("Never reached the server %s:%d within %gs: leaving",
			          cl->o->host, cl->o->port, cl->o->idle_timeout);
			cl->exit_code = 5;
		}
		cl->draining = true;
		client_maybe_done(cl);
	}
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct client *cl = arg;

	if (sig == SIGCHLD) {
		jobs_reap(cl);
		return;
	}
	cl->draining = true;
	if (sig == SIGUSR1) {
		log_info("Received SIGUSR1: finishing %d tasks, taking no more", jobs_outstanding(cl));
	} else if (++cl->signals > 1 || sig == SIGUSR2 || sig == SIGINT || sig == SIGTERM) {
		log_info("Received %s: stopping running tasks", strsignal((int)sig));
		cl->interrupt = true;
		jobs_interrupt(cl);
	}
	client_send_results(cl);
	client_maybe_done(cl);
}

static hs_err
setup(struct client *cl)
{
	static const int sigs[5] = {SIGCHLD, SIGINT, SIGTERM, SIGUSR1, SIGUSR2};
	/* the tick also checks the idle timeout: at least once a second */
	struct timeval tick = tv_of(cl->o->heartrate < 1 ? cl->o->heartrate : 1);
	hs_err e;

	if ((e = hs_uuid7(cl->client_id)) != HS_OK)
		return e;
	gethostname(cl->host, sizeof cl->host - 1);
	if ((cl->base = event_base_new()) == NULL)
		return hs_fail(HS_ENOMEM, "cannot create the event loop");
	if (cl->o->tls && (e = hs_tls_client_ctx(&cl->tls, &cl->ctx)) != HS_OK)
		return e;
	if ((cl->slots = calloc((size_t)cl->o->slots, sizeof *cl->slots)) == NULL)
		return HS_ENOMEM;
	cl->tick = event_new(cl->base, -1, EV_PERSIST, on_tick, cl);
	cl->retry = evtimer_new(cl->base, on_retry, cl);
	cl->flush = evtimer_new(cl->base, on_flush, cl);
	cl->linger = evtimer_new(cl->base, on_linger, cl);
	cl->startev = evtimer_new(cl->base, jobs_start_cb, cl);
	cl->outev = event_new(cl->base, -1, 0, on_output, cl);
	for (int i = 0; i < 5; i++)
		if ((cl->sig[i] = evsignal_new(cl->base, sigs[i], on_signal, cl)) != NULL)
			evsignal_add(cl->sig[i], NULL);
	if (!cl->tick || !cl->retry || !cl->flush || !cl->linger || !cl->startev || !cl->outev)
		return hs_fail(HS_ENOMEM, "cannot create timers");
	evtimer_add(cl->tick, &tick);
	if (cl->o->monitor) {   /* one timer samples every running task */
		struct timeval mon = {HS_MONITOR_INTERVAL_US / 1000000, HS_MONITOR_INTERVAL_US % 1000000};
		if ((cl->monev = event_new(cl->base, -1, EV_PERSIST, monitor_cb, cl)) == NULL)
			return hs_fail(HS_ENOMEM, "cannot create timers");
		evtimer_add(cl->monev, &mon);
	}
	signal(SIGPIPE, SIG_IGN);
	/* orphans of our tasks become our children: reaped, never zombies */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* and if we are killed, the keeper kills our tasks' process groups */
	return hs_keeper_start(&cl->keeper);
}

static void
teardown(struct client *cl)
{
	cl->stopping = true;
	if (cl->conn)
		hs_conn_close(cl->conn, "client stopping");
	jobs_free_all(cl);
	free(cl->slots);
	for (int i = 0; i < 5; i++)
		if (cl->sig[i])
			event_free(cl->sig[i]);
	if (cl->tick) event_free(cl->tick);
	if (cl->retry) event_free(cl->retry);
	if (cl->flush) event_free(cl->flush);
	if (cl->linger) event_free(cl->linger);
	if (cl->startev) event_free(cl->startev);
	if (cl->outev) event_free(cl->outev);
	if (cl->monev) event_free(cl->monev);
	hs_buf_free(&cl->confirm);
	hs_buf_free(&cl->started);
	if (cl->keeper >= 0)
		close(cl->keeper);   /* the keeper sees the end and leaves */
	if (cl->base)
		event_base_free(cl->base);
	SSL_CTX_free(cl->ctx);
}

static void
delay(const struct hs_client_opts *o)
{
	double d = o->delay_start;
	unsigned char r[4];

	if (d < 0 && hs_random(r, sizeof r) == HS_OK)
		d = -d * ((double)(r[0] | r[1] << 8 | r[2] << 16 | (uint32_t)r[3] << 24) / 4294967296.0);
	if (d > 0) {
		log_debug("Waiting %.2fs before connecting", d);
		usleep((useconds_t)(d * 1e6));
	}
}

static void
summary(struct client *cl, int64_t start_ms)
{
	double cpu = hs_cpu_seconds() - cl->cpu0;

	log_info("Client done: %lld tasks run (%lld failed) in %.1fs; client CPU %.0f us/task",
	         (long long)cl->ran, (long long)cl->failed,
	         (double)(hs_mono_ms() - start_ms) / 1000,
	         cl->ran ? cpu * 1e6 / (double)cl->ran : 0.0);
}

hs_err
hs_client_run(const struct hs_client_opts *o, int *exit_code)
{
	struct client cl;
	int64_t start = hs_mono_ms();
	hs_err e;

	memset(&cl, 0, sizeof cl);
	cl.o = o;
	cl.keeper = -1;
	cl.tls = o->tlscfg;
	cl.queue_tail = &cl.queue;
	cl.results_tail = &cl.results;
	cl.backoff_ms = BACKOFF_MIN_MS;
	cl.depth = 2;
	hs_buf_init(&cl.confirm, 64u << 20);
	hs_buf_init(&cl.started, 64u << 20);
	cl.last_work_ms = start;
	delay(o);
	if ((e = setup(&cl)) == HS_OK) {
		cl.cpu0 = hs_cpu_seconds();
		connect_now(&cl);
		event_base_dispatch(cl.base);
		summary(&cl, start);
	}
	teardown(&cl);
	*exit_code = cl.exit_code;
	return e;
}
