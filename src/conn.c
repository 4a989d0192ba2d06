/* conn.c: frames in and out of a bufferevent. */
#include "conn.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls.h"

#define OUT_MAX_DEFAULT (16u << 20)   /* queued output before a peer is dropped */

static void finish(struct hs_conn *c);

void
hs_conn_addr(const struct sockaddr *sa, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
		snprintf(buf, len, "%s:%u", ip, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {   /* IPv4 on a dual-stack socket */
			inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], ip, sizeof ip);
			snprintf(buf, len, "%s:%u", ip, ntohs(in6->sin6_port));
			return;
		}
		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
		snprintf(buf, len, "[%s]:%u", ip, ntohs(in6->sin6_port));
	} else {
		snprintf(buf, len, "unknown");
	}
}

/* Leave a callback: tear down if a close was requested inside it. */
static void
leave(struct hs_conn *c)
{
	if (--c->depth == 0 && c->closing && !c->flush_close)
		finish(c);
}

static void
finish(struct hs_conn *c)
{
	if (!c->down) {
		c->down = true;
		c->depth++;
		c->h->on_down(c, c->why);
		c->depth--;
	}
	if (c->closer)
		event_free(c->closer);
	bufferevent_free(c->bev);
	hs_buf_free(&c->enc);
	free(c);
}

static void
on_closer(evutil_socket_t fd, short what, void *arg)
{
	struct hs_conn *c = arg;

	if (c->depth == 0)
		finish(c);
}

/* Close on the next pass of the loop (see hs_conn_send). */
static void
close_later(struct hs_conn *c, const char *why)
{
	if (c->closing)
		return;
	snprintf(c->why, sizeof c->why, "%s", why);
	c->closing = true;
	c->flush_close = false;
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	if (c->depth > 0)
		return;   /* leave() finishes it */
	if (c->closer != NULL)
		event_active(c->closer, EV_WRITE, 0);
	else
		finish(c);
}

void
hs_conn_close(struct hs_conn *c, const char *why)
{
	if (c->closing && !c->flush_close)
		return;
	if (!c->closing)
		snprintf(c->why, sizeof c->why, "%s", why);
	c->closing = true;
	c->flush_close = false;
	if (c->depth == 0)
		finish(c);
}

void
hs_conn_fail(struct hs_conn *c, const char *code, const char *why)
{
	struct hs_msg_error m;

	if (c->closing)
		return;
	memset(&m, 0, sizeof m);
	snprintf(m.code, sizeof m.code, "%s", code);
	snprintf(m.message, sizeof m.message, "%s", why);
	hs_buf_reset(&c->enc);
	if (hs_enc_error(&c->enc, &m) != HS_OK || hs_conn_send(c) != HS_OK) {
		hs_conn_close(c, why);
		return;
	}
	snprintf(c->why, sizeof c->why, "%s", why);
	c->closing = true;
	c->flush_close = true;   /* the write callback finishes the close */
	bufferevent_disable(c->bev, EV_READ);
}

void
hs_conn_finish(struct hs_conn *c, const char *why)
{
	if (c->closing)
		return;
	snprintf(c->why, sizeof c->why, "%s", why);
	c->closing = true;
	c->flush_close = true;   /* the write callback finishes the close */
	bufferevent_disable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
		c->flush_close = false;
		if (c->depth == 0 && c->closer != NULL)
			event_active(c->closer, EV_WRITE, 0);
	}
}

hs_err
hs_conn_send(struct hs_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	if (c->closing) {
		hs_buf_reset(&c->enc);
		return HS_OK;
	}
	if (evbuffer_get_length(out) + c->enc.len > c->out_max) {
		hs_buf_reset(&c->enc);
		close_later(c, "peer is not reading (output queue full)");
		return hs_fail(HS_ELIMIT, "output queue full");
	}
	if (bufferevent_write(c->bev, c->enc.data, c->enc.len) != 0) {
		hs_buf_reset(&c->enc);
		close_later(c, "write failed");
		return hs_fail(HS_EIO, "write failed");
	}
	hs_buf_reset(&c->enc);
	return HS_OK;
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Deliver one frame if a whole one is buffered; false when done. */
static bool
one_frame(struct hs_conn *c, struct evbuffer *in)
{
	size_t have = evbuffer_get_length(in), used = 0;
	struct hs_frame f;
	unsigned char *p;
	uint32_t n;
	char why[96];

	if (have < HS_FRAME_HEADER)
		return false;
	n = be32(evbuffer_pullup(in, HS_FRAME_HEADER));
	if (n > c->cap) {
		snprintf(why, sizeof why, "frame of %u bytes is over the cap of %zu", n, c->cap);
		c->rejected = "limit";
		hs_conn_fail(c, "limit", why);
		return false;
	}
	if (have < HS_FRAME_HEADER + (size_t)n)
		return false;
	p = evbuffer_pullup(in, HS_FRAME_HEADER + (ssize_t)n);
	if (hs_frame_decode(p, HS_FRAME_HEADER + n, c->cap, &f, &used) != HS_OK || used == 0) {
		c->rejected = "protocol";
		hs_conn_fail(c, "protocol", "malformed frame (bad length or unknown type)");
		return false;
	}
	c->h->on_frame(c, &f);
	evbuffer_drain(in, used);
	return !c->closing;
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct hs_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	c->depth++;
	while (!c->closing && one_frame(c, in))
		;
	leave(c);
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	struct hs_conn *c = arg;

	if (c->flush_close && evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
		c->flush_close = false;
		if (c->depth == 0)
			finish(c);
	}
}

/* Did the TCP connection ever come up? (A refused connect leaves the
 * socket without a peer; TLS reports it as an end of file.) */
static bool
connected(struct hs_conn *c)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	evutil_socket_t fd = bufferevent_getfd(c->bev);

	return fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &sl) == 0;
}

static void
event_reason(struct hs_conn *c, short what, char *why, size_t len)
{
	unsigned long err;
	const char *r;
	long v;

	if (c->dialing && !c->up && !connected(c)) {   /* our connect failed */
		snprintf(why, len, "nothing listens there, or it is unreachable");
	} else if (what & BEV_EVENT_EOF) {
		snprintf(why, len, "connection closed by peer");
	} else if (c->ssl != NULL && (err = bufferevent_get_openssl_error(c->bev)) != 0) {
		/* libevent keeps the OpenSSL errors of the connection itself */
		r = ERR_reason_error_string(err);
		v = SSL_get_verify_result(c->ssl);
		if (v != X509_V_OK)
			snprintf(why, len, "TLS: %s: %s", r ? r : "handshake failed",
			         X509_verify_cert_error_string(v));
		else
			snprintf(why, len, "TLS: %s", r ? r : "handshake failed");
		while (bufferevent_get_openssl_error(c->bev) != 0)
			;
	} else {
		snprintf(why, len, "connection error: %s",
		         evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	}
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct hs_conn *c = arg;
	char why[200];

	c->depth++;
	if (what & BEV_EVENT_CONNECTED) {
		c->up = true;
		c->h->on_up(c);
	} else if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
		event_reason(c, what, why, sizeof why);
		c->flush_close = false;
		hs_conn_close(c, why);
	}
	leave(c);
}

struct hs_conn *
hs_conn_new(struct bufferevent *bev, SSL *ssl, const char *peer,
            const struct hs_conn_handler *h, void *owner)
{
	struct hs_conn *c = calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	c->bev = bev;
	c->ssl = ssl;
	snprintf(c->peer, sizeof c->peer, "%s", peer);
	c->cap = HS_FRAME_PREAUTH;
	c->out_max = OUT_MAX_DEFAULT;
	c->h = h;
	c->owner = owner;
	c->dialing = !connected(c);   /* an accepted socket has its peer already */
	hs_buf_init(&c->enc, HS_FRAME_ABSMAX);
	c->closer = event_new(bufferevent_get_base(bev), -1, 0, on_closer, c);
	bufferevent_setcb(bev, on_read, on_write, on_event, c);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	return c;
}
