/* server.c: hs server's connections: accepting within limits, the TLS and
 * key-proof handshake under a deadline, and message dispatch. The work
 * itself (scheduling, results, groups, shutdown) is in server_work.c. */
#include "server_int.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "timestamp.h"
#include "transport.h"

static const struct hs_conn_handler handler;

/* --- sessions ------------------------------------------------------------ */

static void
session_free(struct session *s)
{
	struct server *srv = s->srv;

	if (s->prev)
		s->prev->next = s->next;
	else
		srv->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	srv->nsessions--;
	if (s->state != S_READY)
		srv->npending--;
	if (s->deadline)
		event_free(s->deadline);
	hs_idset_free(&s->started);
	free(s);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;

	if (s->state == S_READY || s->conn == NULL)
		return;
	s->srv->st.timeouts++;
	s->reported = true;
	log_warning("Handshake with %s not finished within %gs: closing", s->conn->peer,
	            s->srv->o->handshake_timeout);
	hs_conn_close(s->conn, "handshake deadline");
}

static struct session *
session_new(struct server *srv)
{
	struct session *s = calloc(1, sizeof *s);
	struct timeval tv;
	double t = srv->o->handshake_timeout;

	if (s == NULL)
		return NULL;
	s->srv = srv;
	s->state = S_TLS;
	s->last_ms = hs_mono_ms();
	if ((s->deadline = evtimer_new(srv->base, on_deadline, s)) == NULL) {
		free(s);
		return NULL;
	}
	tv.tv_sec = (time_t)t;
	tv.tv_usec = (suseconds_t)((t - (double)tv.tv_sec) * 1e6);
	evtimer_add(s->deadline, &tv);
	s->next = srv->sessions;
	if (srv->sessions)
		srv->sessions->prev = s;
	srv->sessions = s;
	srv->nsessions++;
	srv->npending++;
	return s;
}

void
session_drain(struct session *s)
{
	if (s->conn == NULL || s->drained || s->state != S_READY)
		return;
	s->drained = true;
	if (IS_SUBMITTER(s)) {   /* nothing to finish: it just cannot add more */
		hs_conn_fail(s->conn, "draining", "the server is shutting down: it takes no more "
		             "tasks");
		return;
	}
	if (hs_enc_empty(&s->conn->enc, HS_MSG_DRAIN) == HS_OK)
		hs_conn_send(s->conn);
}

/* --- accepting ----------------------------------------------------------- */

static bool
admit(struct server *srv, const char *peer)
{
	if (srv->nsessions >= srv->o->max_connections) {
		srv->st.refused++;
		log_warning("Refused connection from %s: %d connections open "
		            "(server.max_connections)", peer, srv->nsessions);
		return false;
	}
	if (srv->npending >= srv->o->max_pending) {
		srv->st.refused++;
		log_warning("Refused connection from %s: %d handshakes in progress "
		            "(server.max_pending)", peer, srv->npending);
		return false;
	}
	return true;
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
          int salen, void *arg)
{
	struct server *srv = arg;
	struct bufferevent *bev = NULL;
	struct session *s;
	SSL *ssl = NULL;
	char peer[96];

	srv->accept_backoff_ms = 0;
	if (srv->accept_paused_logged) {
		log_info("Accepting connections again");
		srv->accept_paused_logged = false;
	}
	hs_conn_addr(sa, peer, sizeof peer);
	if (!admit(srv, peer) || (s = session_new(srv)) == NULL) {
		evutil_closesocket(fd);
		return;
	}
	if (hs_transport_accept(srv->base, fd, srv->ctx, &bev, &ssl) != HS_OK ||
	    (s->conn = hs_conn_new(bev, ssl, peer, &handler, s)) == NULL) {
		log_error("Cannot serve %s: %s", peer, hs_detail());
		if (bev)
			bufferevent_free(bev);
		else
			evutil_closesocket(fd);
		session_free(s);
		return;
	}
	log_debug("Connection from %s", peer);
	if (ssl == NULL)
		handler.on_up(s->conn);   /* plain TCP: no handshake to wait for */
}

/* accept() failed. Out of descriptors (or kernel memory), the listening
 * socket stays readable and would fail again at once: stop accepting
 * for a moment, with one line per episode, instead of spinning. */
static void
on_accept_error(struct evconnlistener *l, void *arg)
{
	struct server *srv = arg;
	int err = EVUTIL_SOCKET_ERROR();
	struct timeval tv;

	if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM) {
		log_warning("Cannot accept a connection: %s", strerror(err));
		return;
	}
	srv->accept_backoff_ms = srv->accept_backoff_ms ? srv->accept_backoff_ms * 2 : 50;
	if (srv->accept_backoff_ms > 1000)
		srv->accept_backoff_ms = 1000;
	if (!srv->accept_paused_logged) {
		log_warning("Cannot accept connections: %s (raise ulimit -n or lower "
		            "server.max_connections); pausing new connections", strerror(err));
		srv->accept_paused_logged = true;
	}
	srv->st.refused++;
	for (int i = 0; i < srv->nlis; i++)
		evconnlistener_disable(srv->lis[i]);
	tv = (struct timeval){0, (suseconds_t)(srv->accept_backoff_ms * 1000)};
	evtimer_add(srv->resume, &tv);
}

static void
on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;

	for (int i = 0; i < srv->nlis; i++)
		evconnlistener_enable(srv->lis[i]);
}

static hs_err
listen_port(struct server *srv, int port)
{
	evutil_socket_t fds[SERVER_MAX_LISTENERS];
	int n = 0;
	hs_err e = hs_transport_listen(srv->o->bind, port, fds, SERVER_MAX_LISTENERS, &n);

	for (int i = 0; e == HS_OK && i < n; i++) {
		srv->lis[i] = evconnlistener_new(srv->base, on_accept, srv,
		                                 LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fds[i]);
		if (srv->lis[i] == NULL) {
			e = hs_fail(HS_EIO, "cannot listen");
		} else {
			evconnlistener_set_error_cb(srv->lis[i], on_accept_error);
			srv->nlis++;
		}
	}
	if (e == HS_OK)
		srv->port = port;
	return e;
}

/* The configured port, or with port_probe the first free one after it. */
static hs_err
listen_all(struct server *srv)
{
	int port = srv->o->port;
	hs_err e;

	while ((e = listen_port(srv, port)) != HS_OK && errno == EADDRINUSE &&
	       port < srv->o->port + srv->o->port_probe && port < 65535) {
		server_stop_listening(srv);
		log_debug("Port %d is taken; trying %d", port, port + 1);
		port++;
	}
	return e;
}

void
server_stop_listening(struct server *srv)
{
	for (int i = 0; i < srv->nlis; i++)
		evconnlistener_free(srv->lis[i]);
	srv->nlis = 0;
}

/* --- handshake ----------------------------------------------------------- */

static void
on_up(struct hs_conn *c)
{
	struct session *s = c->owner;
	unsigned char binding[32];
	size_t bindlen = 0;

	s->state = S_HELLO;
	if (c->ssl != NULL && hs_tls_binding(c->ssl, binding) != HS_OK) {
		hs_conn_close(c, "cannot bind the handshake to the TLS session");
		return;
	}
	if (c->ssl != NULL)
		bindlen = sizeof binding;
	if (hs_hs_init(&s->hs, HS_ROLE_SERVER, s->srv->o->key, binding, bindlen) != HS_OK)
		hs_conn_close(c, "no randomness");
	OPENSSL_cleanse(binding, sizeof binding);
}

/* The handshake refused the peer: log it (one line), count it, tell it. */
static void
refused(struct session *s)
{
	struct hs_handshake *h = &s->hs;

	if (strcmp(h->code, "auth") == 0) {
		s->srv->st.auth_failures++;
		log_warning("Authentication failed from %s: wrong key, or a relayed handshake",
		            s->conn->peer);
	} else if (strcmp(h->code, "version") == 0) {
		log_warning("Refused %s: %s", s->conn->peer, h->why);
	} else if (s->state == S_HELLO && strncmp(h->why, "HELLO", 5) == 0) {
		log_warning("Bad HELLO from %s: %s", s->conn->peer, h->why);
	} else if (s->state == S_AUTH && strncmp(h->why, "AUTH", 4) == 0) {
		log_warning("Bad AUTH from %s: %s", s->conn->peer, h->why);
	} else {
		log_warning("Protocol error from %s: %s", s->conn->peer, h->why);
	}
	s->reported = true;
	hs_conn_fail(s->conn, h->code, strcmp(h->code, "internal") == 0 ? "internal error" : h->why);
	hs_hs_clear(h);
}

/* Close an older session of the same client (it reconnected); true if
 * there was one. */
static bool
replace_old(struct server *srv, struct session *s)
{
	for (struct session *o = srv->sessions; o != NULL; o = o->next)
		if (o != s && o->state == S_READY && o->conn != NULL &&
		    strcmp(o->client_id, s->client_id) == 0) {
			log_info("Client %s (%s) reconnected from %s; closing its old connection",
			         s->host, s->client_id, s->conn->peer);
			s->running = o->running;   /* its tasks now belong to the new session */
			o->running = 0;
			hs_conn_close(o->conn, "replaced by a new connection");
			return true;
		}
	return false;
}

static void
welcome(struct session *s, bool resumed)
{
	struct server *srv = s->srv;
	struct hs_msg_welcome w;

	memset(&w, 0, sizeof w);
	w.resumed = resumed;
	memcpy(w.server_id, srv->server_id, sizeof w.server_id);
	snprintf(w.host, sizeof w.host, "%s", srv->host);
	w.heartrate = srv->o->heartrate;
	w.evict = srv->o->evict;
	w.frame_max = srv->o->frame_max;
	if (hs_enc_welcome(&s->conn->enc, &w) != HS_OK || hs_conn_send(s->conn) != HS_OK)
		return;
	s->conn->cap = srv->o->frame_max;
	if (srv->draining)
		session_drain(s);
}

static void
ready(struct session *s)
{
	struct server *srv = s->srv;
	const struct hs_msg_auth *a = &s->hs.auth;
	bool resumed;

	s->state = S_READY;
	srv->npending--;
	evtimer_del(s->deadline);
	memcpy(s->client_id, a->client_id, sizeof s->client_id);
	snprintf(s->host, sizeof s->host, "%s", a->host);
	s->slots = a->slots;
	hs_hs_clear(&s->hs);
	if (IS_SUBMITTER(s)) {
		log_info("Submitter %s (%s) connected from %s", s->host, s->client_id, s->conn->peer);
		welcome(s, false);
		return;
	}
	/* its lease holds if it never left, or came back before eviction */
	resumed = replace_old(srv, s) || work_client_known(srv, s->client_id);
	log_info("Client %s (%s) %s from %s with %d slots", s->host, s->client_id,
	         resumed ? "reconnected" : "connected", s->conn->peer, s->slots);
	welcome(s, resumed);
	work_request(s, 0);   /* registers the client */
}

/* --- messages ------------------------------------------------------------ */

static void
on_ready_frame(struct session *s, const struct hs_frame *f)
{
	struct hs_msg_request r;
	struct hs_msg_tasks t;
	struct hs_msg_error m;
	struct hs_msg_ids ids = {0};
	char err[HS_PROTO_ERR] = "";

	if (IS_SUBMITTER(s) != (f->type == HS_MSG_SUBMIT) && f->type != HS_MSG_HEARTBEAT &&
	    f->type != HS_MSG_BYE && f->type != HS_MSG_ERROR) {
		snprintf(err, sizeof err, "unexpected %s from a %s", hs_msg_name(f->type),
		         IS_SUBMITTER(s) ? "submitter" : "client with slots");
		log_warning("Protocol error from %s: %s", s->conn->peer, err);
		hs_conn_fail(s->conn, "protocol", err);
		return;
	}
	switch (f->type) {
	case HS_MSG_SUBMIT:
		if (hs_dec_submit(f, &t, err, sizeof err) == HS_OK)
			work_submit(s, &t);
		break;
	case HS_MSG_REQUEST:
		if (hs_dec_request(f, &r, err, sizeof err) == HS_OK)
			work_request(s, r.want);
		break;
	case HS_MSG_RESULTS:
		if (hs_dec_results(f, &t, err, sizeof err) == HS_OK)
			work_results(s, &t);
		break;
	case HS_MSG_STARTED:
		if (hs_dec_ids(f, &ids, err, sizeof err) == HS_OK)
			work_started(s, &ids);
		hs_msg_ids_free(&ids);
		break;
	case HS_MSG_CONFIRM:
	case HS_MSG_HEARTBEAT:
		return;   /* the assignment was recorded at dispatch; any frame is a beat */
	case HS_MSG_BYE:
		s->bye = true;
		hs_conn_close(s->conn, "client said goodbye");
		return;
	case HS_MSG_ERROR:
		if (hs_dec_error(f, &m, err, sizeof err) == HS_OK)
			log_warning("%s %s (%s) reported: %s", IS_SUBMITTER(s) ? "Submitter" : "Client",
			            s->host, s->conn->peer, m.message);
		hs_conn_close(s->conn, "client reported an error");
		return;
	default:
		snprintf(err, sizeof err, "unexpected %s", hs_msg_name(f->type));
	}
	if (*err != '\0' && s->conn != NULL && !s->conn->closing) {
		log_warning("Protocol error from %s: %s", s->conn->peer, err);
		hs_conn_fail(s->conn, "protocol", err);
	}
}

static void
on_frame(struct hs_conn *c, const struct hs_frame *f)
{
	struct session *s = c->owner;

	s->last_ms = hs_mono_ms();
	if (s->hs.key == NULL) {   /* no frame comes before on_up; never trust that */
		hs_conn_close(c, "a frame before the handshake");
		return;
	}
	if (s->state == S_READY) {
		on_ready_frame(s, f);
		return;
	}
	switch (hs_hs_input(&s->hs, f, &c->enc)) {
	case HS_HS_CONTINUE:
		if (hs_conn_send(c) == HS_OK)
			s->state = S_AUTH;
		break;
	case HS_HS_ACCEPTED:
		ready(s);
		break;
	case HS_HS_REJECTED:
		refused(s);
		break;
	}
}

static void
on_down(struct hs_conn *c, const char *why)
{
	struct session *s = c->owner;
	struct server *srv = s->srv;

	if (s->reported) {
		;   /* logged and counted where it was decided */
	} else if (s->state == S_TLS) {
		srv->st.tls_failures++;
		log_warning("TLS handshake with %s failed: %s", c->peer, why);
	} else if (c->rejected != NULL && strcmp(c->rejected, "limit") == 0) {
		srv->st.oversize++;
		log_warning("Closed %s: %s", c->peer, why);
	} else if (c->rejected != NULL) {
		log_warning("Protocol error from %s: %s", c->peer, why);
	} else if (s->state == S_AUTH) {
		/* we proved the key and the client left without answering: it
		 * holds another key (or could not verify us) */
		srv->st.auth_failures++;
		log_warning("Authentication failed from %s: the client left after the server's "
		            "proof (a different key?)", c->peer);
	} else if (s->state != S_READY) {
		log_debug("Connection from %s closed before authenticating: %s", c->peer, why);
	}
	s->conn = NULL;
	if (s->state == S_READY)
		work_session_gone(s);
	session_free(s);
	work_maybe_exit(srv);
}

static const struct hs_conn_handler handler = {on_up, on_frame, on_down};

/* --- lifecycle ----------------------------------------------------------- */

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;

	if (++srv->signals == 1) {
		log_info("Received %s: finishing running tasks (signal again to stop now)",
		         sig == SIGINT ? "SIGINT" : "SIGTERM");
		work_begin_drain(srv, "stopping on a signal");
		return;
	}
	log_warning("Received %s again: stopping now", sig == SIGINT ? "SIGINT" : "SIGTERM");
	work_flush(srv);
	srv->exit_code = 0;
	event_base_loopbreak(srv->base);
}

static hs_err
setup(struct server *srv)
{
	hs_err e;

	if ((e = hs_uuid7(srv->server_id)) != HS_OK)
		return e;
	gethostname(srv->host, sizeof srv->host - 1);
	if ((srv->base = event_base_new()) == NULL)
		return hs_fail(HS_ENOMEM, "cannot create the event loop");
	if (srv->o->tls && (e = hs_tls_server_ctx(&srv->o->tlscfg, &srv->ctx)) != HS_OK)
		return e;
	if ((srv->resume = evtimer_new(srv->base, on_resume, srv)) == NULL)
		return hs_fail(HS_ENOMEM, "cannot create timers");
	srv->sigint = evsignal_new(srv->base, SIGINT, on_signal, srv);
	srv->sigterm = evsignal_new(srv->base, SIGTERM, on_signal, srv);
	if (srv->sigint == NULL || srv->sigterm == NULL)
		return hs_fail(HS_ENOMEM, "cannot watch signals");
	evsignal_add(srv->sigint, NULL);
	evsignal_add(srv->sigterm, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((e = listen_all(srv)) != HS_OK)
		return e;
	log_info("Listening on %s%s%s:%d (%s)", strchr(srv->o->bind, ':') ? "[" : "",
	         srv->o->bind, strchr(srv->o->bind, ':') ? "]" : "", srv->port,
	         srv->o->tls ? "TLS" : "plain TCP: not recommended");
	if ((e = work_start(srv)) != HS_OK)
		return e;
	if (srv->o->hooks != NULL && srv->o->hooks->ready != NULL && !srv->done)
		e = srv->o->hooks->ready(srv->o->hooks->arg, srv, srv->port);
	return e;
}

static void
teardown(struct server *srv)
{
	struct session *s, *next;

	for (s = srv->sessions; s != NULL; s = next) {
		next = s->next;
		if (s->conn)
			hs_conn_close(s->conn, "server stopping");
	}
	server_stop_listening(srv);
	if (srv->watch) event_free(srv->watch);
	if (srv->tick) event_free(srv->tick);
	if (srv->flush) event_free(srv->flush);
	if (srv->resume) event_free(srv->resume);
	if (srv->sigint) event_free(srv->sigint);
	if (srv->sigterm) event_free(srv->sigterm);
	while (srv->gone) {
		struct gone *g = srv->gone;
		srv->gone = g->next;
		hs_idset_free(&g->started);
		free(g);
	}
	hs_crashes_free(&srv->crashes);
	if (srv->unleases != NULL && !work_unlease(srv))
		log_warning("Some tasks stay stamped to a dispatch the database lost; "
		            "the next server start re-queues them");
	while (srv->unleases) {
		struct unlease *u = srv->unleases;
		srv->unleases = u->next;
		free(u);
	}
	while (srv->results) {   /* never written: their clients send them again */
		struct pending *p = srv->results;
		srv->results = p->next;
		hs_msg_tasks_free(&p->msg);
		free(p);
	}
	hs_buf_free(&srv->failed_args);
	hs_buf_free(&srv->warnings);
	if (srv->base)
		event_base_free(srv->base);
	SSL_CTX_free(srv->ctx);
}

hs_err
hs_server_run(const struct hs_server_opts *o, int *exit_code, struct hs_server_result *res)
{
	struct server srv;
	hs_err e;

	memset(&srv, 0, sizeof srv);
	srv.o = o;
	srv.results_tail = &srv.results;
	hs_buf_init(&srv.failed_args, 64u << 20);
	hs_buf_init(&srv.warnings, 16u << 20);
	srv.exit_code = 0;
	srv.start_ms = hs_mono_ms();
	if ((e = setup(&srv)) == HS_OK && !srv.done)
		event_base_dispatch(srv.base);
	if (e == HS_OK) {
		work_flush(&srv);
		work_summary(&srv);
	}
	if (res != NULL)
		hs_server_progress(&srv, res);
	teardown(&srv);
	*exit_code = srv.exit_code;
	return e;
}

void
hs_server_progress(const struct server *srv, struct hs_server_result *res)
{
	res->completed = srv->st.completed;
	res->failed = srv->st.failed;
	res->retried = srv->st.retried;
	res->seconds = (double)(hs_mono_ms() - srv->start_ms) / 1000;
	res->task_seconds = srv->st.task_seconds;
	res->signalled = srv->signals > 0;
	res->interrupted = srv->signals > 1;
}

void
hs_server_stop(struct server *srv, const char *why, int exit_code)
{
	if (srv->draining)
		return;
	srv->exit_code = exit_code;
	srv->done = true;
	work_begin_drain(srv, why);
}

int
hs_server_clients(const struct server *srv)
{
	int n = 0;

	for (const struct session *s = srv->sessions; s != NULL; s = s->next)
		n += s->state == S_READY && s->conn != NULL && !IS_SUBMITTER(s);
	return n;
}

struct event_base *
hs_server_base(struct server *srv)
{
	return srv->base;
}
