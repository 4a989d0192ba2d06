/* conn.h: a framed protocol connection over a libevent bufferevent.
 *
 * The transport (transport.c) hands over a bufferevent, plain or TLS; the
 * connection cuts its input into frames (checking the cap from the header
 * alone, before buffering), passes each to the owner, and queues output
 * with a bound so a slow reader cannot grow memory without limit.
 * Closing from inside a callback is safe: the connection is torn down
 * when the callback returns, and the owner hears of it once, through
 * on_down.
 */
#ifndef HS_CONN_H
#define HS_CONN_H

#include <event2/bufferevent.h>
#include <openssl/ssl.h>
#include <stdbool.h>

#include "buf.h"
#include "err.h"
#include "proto.h"

struct hs_conn;

struct hs_conn_handler {
	/* The transport is ready (TLS handshake done, or TCP connected). */
	void (*on_up)(struct hs_conn *c);
	/* One complete frame. */
	void (*on_frame)(struct hs_conn *c, const struct hs_frame *f);
	/* The connection is gone; why is one line. The conn is freed after. */
	void (*on_down)(struct hs_conn *c, const char *why);
};

struct hs_conn {
	struct bufferevent *bev;     /* owned (frees the socket and SSL) */
	SSL *ssl;                    /* TLS session or NULL; owned by bev */
	char peer[96];               /* "203.0.113.5:4711" for logs */
	size_t cap;                  /* largest frame accepted now */
	size_t out_max;              /* most bytes queued for output */
	const struct hs_conn_handler *h;
	void *owner;                 /* the session using this connection */
	struct hs_buf enc;           /* scratch: messages are encoded here */
	int depth;                   /* nesting of our callbacks */
	bool closing;                /* close requested */
	bool flush_close;            /* close once the output is written */
	bool up;                     /* on_up has been called */
	bool dialing;                /* we are connecting (not an accepted socket) */
	bool down;                   /* on_down has been called */
	struct event *closer;        /* finishes a close requested by a failed send */
	const char *rejected;        /* "limit" or "protocol" when we refused the
	                                peer's input; NULL otherwise (static) */
	char why[256];               /* reason given to on_down */
};

/* Wrap bev. The connection starts with the pre-authentication cap. */
struct hs_conn *hs_conn_new(struct bufferevent *bev, SSL *ssl, const char *peer,
                            const struct hs_conn_handler *h, void *owner);

/* Send what the caller encoded into c->enc (and reset it). If sending
 * fails the connection closes on the next pass of the loop, never under
 * the caller's feet: c stays valid until the caller returns to the loop. */
hs_err hs_conn_send(struct hs_conn *c);

/* Close now (pending output is dropped). */
void hs_conn_close(struct hs_conn *c, const char *why);
/* Send an ERROR message, then close once it is written. */
void hs_conn_fail(struct hs_conn *c, const char *code, const char *why);
/* Close once what is queued has been written (after a BYE). */
void hs_conn_finish(struct hs_conn *c, const char *why);

/* Format "host:port" of a socket address. */
void hs_conn_addr(const struct sockaddr *sa, char *buf, size_t len);

#endif
