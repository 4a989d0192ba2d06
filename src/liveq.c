/* liveq.c: see liveq.h. One connection, driven by a private event loop
 * that runs only inside hs_liveq_open and hs_liveq_commit. */
#include "liveq.h"

#include <event2/event.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "handshake.h"
#include "log.h"
#include "transport.h"
#include "uuid.h"

enum q_state { Q_OFF, Q_CONNECTING, Q_HANDSHAKE, Q_READY };

struct hs_liveq {
	struct hs_liveq_opts o;
	struct event_base *base;
	SSL_CTX *ctx;                 /* NULL without TLS */
	struct event *timer;          /* the wait's deadline */
	struct hs_conn *conn;
	enum q_state state;
	struct hs_handshake hs;
	char id[HS_UUID_STRLEN + 1];  /* this submitter, for the server's log */
	char host[256];
	size_t frame_max;
	struct hs_task *tasks;        /* added since the last commit; strings owned */
	size_t n, cap;
	size_t unacked;               /* tasks sent, not yet acknowledged */
	bool waiting;                 /* a wait is running */
	hs_err verdict;               /* how the wait ended */
	char why[512];
};

/* End the current wait with e (why: one line, for hs_fail). */
static void
verdict(struct hs_liveq *q, hs_err e, const char *why)
{
	if (!q->waiting)
		return;
	q->waiting = false;
	q->verdict = e;
	snprintf(q->why, sizeof q->why, "%s", why != NULL ? why : "");
	event_base_loopbreak(q->base);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct hs_liveq *q = arg;
	char why[96];

	snprintf(why, sizeof why, "no answer from the server %s:%d within %gs", q->o.host,
	         q->o.port, q->o.timeout);
	verdict(q, HS_EIO, why);
}

/* Run the loop until a verdict or the deadline. */
static hs_err
wait_for_server(struct hs_liveq *q)
{
	struct timeval tv = {(time_t)q->o.timeout,
	                     (suseconds_t)((q->o.timeout - (double)(time_t)q->o.timeout) * 1e6)};

	q->waiting = true;
	q->verdict = HS_EINTERNAL;
	evtimer_add(q->timer, &tv);
	while (q->waiting && event_base_loop(q->base, EVLOOP_ONCE) == 0)
		;
	evtimer_del(q->timer);
	if (q->waiting) {
		q->waiting = false;
		return hs_fail(HS_EINTERNAL, "the event loop stopped");
	}
	return q->verdict == HS_OK ? HS_OK : hs_fail(q->verdict, "%s", q->why);
}

/* --- the connection ---------------------------------------------------------- */

static void
on_up(struct hs_conn *c)
{
	struct hs_liveq *q = c->owner;
	unsigned char binding[32];
	size_t bindlen = 0;

	if (c->ssl != NULL && hs_tls_client_check(c->ssl, &q->o.tlscfg) != HS_OK) {
		verdict(q, HS_EIO, hs_detail());
		hs_conn_close(c, hs_detail());
		return;
	}
	if (c->ssl != NULL && hs_tls_binding(c->ssl, binding) == HS_OK)
		bindlen = sizeof binding;
	if ((c->ssl != NULL && bindlen == 0) ||
	    hs_hs_init(&q->hs, HS_ROLE_CLIENT, q->o.key, binding, bindlen) != HS_OK) {
		verdict(q, HS_EIO, "cannot start the handshake");
		hs_conn_close(c, "cannot start the handshake");
		return;
	}
	OPENSSL_cleanse(binding, sizeof binding);
	memcpy(q->hs.auth.client_id, q->id, sizeof q->hs.auth.client_id);
	snprintf(q->hs.auth.host, sizeof q->hs.auth.host, "%s", q->host);
	q->hs.auth.slots = 0;   /* a submitter */
	if (hs_hs_hello(&q->hs, &c->enc) == HS_OK && hs_conn_send(c) == HS_OK)
		q->state = Q_HANDSHAKE;
}

static void
on_handshake(struct hs_liveq *q, const struct hs_frame *f)
{
	char why[HS_PROTO_ERR + 96];

	switch (hs_hs_input(&q->hs, f, &q->conn->enc)) {
	case HS_HS_CONTINUE:
		hs_conn_send(q->conn);
		return;
	case HS_HS_ACCEPTED:
		hs_hs_clear(&q->hs);
		q->state = Q_READY;
		q->frame_max = q->hs.welcome.frame_max;
		q->conn->cap = q->frame_max;
		log_debug("Connected to %s:%d (server %s) as a submitter", q->o.host, q->o.port,
		          q->hs.welcome.host);
		verdict(q, HS_OK, NULL);
		return;
	case HS_HS_REJECTED:
		hs_hs_clear(&q->hs);
		snprintf(why, sizeof why, "%s", q->hs.why);
		verdict(q, HS_EIO, why);
		hs_conn_close(q->conn, why);
		return;
	}
}

static void
on_ack(struct hs_liveq *q, const struct hs_frame *f)
{
	struct hs_msg_ids ids;
	char err[HS_PROTO_ERR];

	if (hs_dec_ids(f, &ids, err, sizeof err) != HS_OK || ids.n > q->unacked) {
		verdict(q, HS_EIO, ids.n > q->unacked ? "the server acknowledged more tasks "
		        "than were sent" : err);
		hs_msg_ids_free(&ids);
		hs_conn_close(q->conn, "bad ACK");
		return;
	}
	q->unacked -= ids.n;
	hs_msg_ids_free(&ids);
	if (q->unacked == 0)
		verdict(q, HS_OK, NULL);
}

static void
on_frame(struct hs_conn *c, const struct hs_frame *f)
{
	struct hs_liveq *q = c->owner;
	struct hs_msg_error m;
	char err[HS_PROTO_ERR], why[HS_PROTO_ERR + 40];

	if (q->state != Q_READY) {
		on_handshake(q, f);
		return;
	}
	switch (f->type) {
	case HS_MSG_ACK:
		on_ack(q, f);
		return;
	case HS_MSG_HEARTBEAT:
		return;
	case HS_MSG_ERROR:
		snprintf(why, sizeof why, "the server refused: %s",
		         hs_dec_error(f, &m, err, sizeof err) == HS_OK ? m.message : err);
		verdict(q, HS_EIO, why);
		hs_conn_close(c, why);
		return;
	default:
		snprintf(why, sizeof why, "unexpected %s from the server", hs_msg_name(f->type));
		verdict(q, HS_EIO, why);
		hs_conn_fail(c, "protocol", why);
	}
}

static void
on_down(struct hs_conn *c, const char *why)
{
	struct hs_liveq *q = c->owner;
	char line[400];

	if (q->state == Q_CONNECTING && c->ssl != NULL && strstr(why, "verify failed") != NULL)
		snprintf(line, sizeof line, "cannot verify the server %s: %s; trust it with "
		         "server.tls.cafile or pin server.tls.fingerprint", c->peer, why);
	else if (q->state == Q_READY)
		snprintf(line, sizeof line, "lost the connection to the server: %s", why);
	else
		snprintf(line, sizeof line, "cannot connect to the server %s: %s", c->peer, why);
	q->conn = NULL;
	q->state = Q_OFF;
	hs_hs_clear(&q->hs);
	verdict(q, HS_EIO, line);
}

static const struct hs_conn_handler handler = {on_up, on_frame, on_down};

static hs_err
connect_server(struct hs_liveq *q)
{
	struct bufferevent *bev = NULL;
	SSL *ssl = NULL;
	char peer[300];

	snprintf(peer, sizeof peer, "%s:%d", q->o.host, q->o.port);
	if (hs_transport_connect(q->base, q->o.host, q->o.port, q->ctx, &q->o.tlscfg, &bev,
	                         &ssl) != HS_OK)
		return hs_fail(HS_EIO, "cannot connect to the server %s: %s", peer, hs_detail());
	if ((q->conn = hs_conn_new(bev, ssl, peer, &handler, q)) == NULL) {
		bufferevent_free(bev);
		return HS_ENOMEM;
	}
	q->state = Q_CONNECTING;
	return wait_for_server(q);
}

/* The server closes an idle submitter: notice before sending, so a batch
 * goes out only on a live connection. */
static hs_err
ensure_connected(struct hs_liveq *q)
{
	for (int i = 0; i < 2; i++)   /* the second pass runs deferred callbacks */
		event_base_loop(q->base, EVLOOP_NONBLOCK);
	if (q->conn != NULL && q->state == Q_READY && !q->conn->closing)
		return HS_OK;
	if (q->conn != NULL)
		hs_conn_close(q->conn, "reconnecting");
	log_debug("Reconnecting to %s:%d", q->o.host, q->o.port);
	return connect_server(q);
}

/* --- tasks -------------------------------------------------------------------- */

static void
free_tasks(struct hs_liveq *q)
{
	for (size_t i = 0; i < q->n; i++)
		for (size_t k = 0; k < hs_proto_nsubmit_fields; k++)
			free((char *)q->tasks[i].f[hs_proto_submit_fields[k]].s);
	q->n = 0;
}

hs_err
hs_liveq_add(struct hs_liveq *q, const struct hs_task *t)
{
	struct hs_task *c;
	int field;

	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 256;
		struct hs_task *nt = realloc(q->tasks, cap * sizeof *nt);
		if (nt == NULL)
			return HS_ENOMEM;
		q->tasks = nt;
		q->cap = cap;
	}
	c = &q->tasks[q->n];
	hs_task_clear(c);
	for (size_t k = 0; k < hs_proto_nsubmit_fields; k++) {
		field = hs_proto_submit_fields[k];
		c->f[field] = t->f[field];
		c->f[field].s = NULL;
		if (!t->f[field].null && t->f[field].s != NULL &&
		    (c->f[field].s = strdup(t->f[field].s)) == NULL) {
			q->n++;   /* so free_tasks frees what was copied */
			hs_liveq_discard(q);
			return HS_ENOMEM;
		}
	}
	q->n++;
	return HS_OK;
}

void
hs_liveq_discard(struct hs_liveq *q)
{
	if (q != NULL)
		free_tasks(q);
}

hs_err
hs_liveq_commit(struct hs_liveq *q)
{
	size_t at = 0, k;
	hs_err e = HS_OK;

	if (q->n == 0)
		return HS_OK;
	if ((e = ensure_connected(q)) != HS_OK) {
		free_tasks(q);
		return e;
	}
	for (; at < q->n && e == HS_OK; at += k) {
		k = q->n - at > HS_PROTO_MAX_TASKS ? HS_PROTO_MAX_TASKS : q->n - at;
		e = hs_enc_tasks_capped(&q->conn->enc, HS_MSG_SUBMIT, q->tasks + at, k,
		                        q->frame_max);
	}
	if (e == HS_OK && (e = hs_conn_send(q->conn)) == HS_OK) {
		q->unacked = q->n;
		e = wait_for_server(q);
	} else if (e != HS_OK) {
		hs_buf_reset(&q->conn->enc);
		e = hs_fail(e, "cannot send the tasks: %s", hs_detail());
	}
	q->unacked = 0;
	free_tasks(q);
	return e;
}

/* --- open and close ------------------------------------------------------------ */

hs_err
hs_liveq_open(const struct hs_liveq_opts *o, struct hs_liveq **out)
{
	struct hs_liveq *q = calloc(1, sizeof *q);
	hs_err e;

	*out = NULL;
	if (q == NULL)
		return HS_ENOMEM;
	q->o = *o;
	gethostname(q->host, sizeof q->host - 1);
	if (q->host[0] == '\0')
		snprintf(q->host, sizeof q->host, "localhost");
	if ((e = hs_uuid7(q->id)) != HS_OK)
		goto fail;
	if ((q->base = event_base_new()) == NULL ||
	    (q->timer = evtimer_new(q->base, on_deadline, q)) == NULL) {
		e = hs_fail(HS_ENOMEM, "cannot create the event loop");
		goto fail;
	}
	if (o->tls && (e = hs_tls_client_ctx(&q->o.tlscfg, &q->ctx)) != HS_OK)
		goto fail;
	if ((e = connect_server(q)) != HS_OK)
		goto fail;
	*out = q;
	return HS_OK;
fail:
	hs_liveq_close(q);
	return e;
}

void
hs_liveq_close(struct hs_liveq *q)
{
	if (q == NULL)
		return;
	free_tasks(q);
	free(q->tasks);
	if (q->conn != NULL && q->state == Q_READY &&
	    hs_enc_empty(&q->conn->enc, HS_MSG_BYE) == HS_OK && hs_conn_send(q->conn) == HS_OK) {
		hs_conn_finish(q->conn, "done");
		event_base_loop(q->base, EVLOOP_NONBLOCK);   /* write the BYE */
	}
	if (q->conn != NULL)
		hs_conn_close(q->conn, "done");
	hs_hs_clear(&q->hs);
	if (q->timer != NULL)
		event_free(q->timer);
	if (q->base != NULL)
		event_base_free(q->base);
	SSL_CTX_free(q->ctx);
	free(q);
}
