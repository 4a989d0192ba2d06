/* transport.h: TCP, plain or TLS, as libevent bufferevents.
 *
 * The one place that knows whether a connection is encrypted: everything
 * above it (conn.c, the server and client) sees a bufferevent and an SSL
 * pointer that is NULL for plain TCP.
 */
#ifndef HS_TRANSPORT_H
#define HS_TRANSPORT_H

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/ssl.h>

#include "err.h"
#include "tls.h"

/* Wrap an accepted socket. ctx NULL means plain TCP. On success *ssl is
 * the TLS session (or NULL); the handshake completes asynchronously
 * (BEV_EVENT_CONNECTED). */
hs_err hs_transport_accept(struct event_base *base, evutil_socket_t fd,
                           SSL_CTX *ctx, struct bufferevent **bev, SSL **ssl);

/* Start connecting to host:port (resolved now, first address that
 * connects wins later). With ctx, the TLS client handshake follows; tls
 * gives the verification settings for SNI and the expected name. */
hs_err hs_transport_connect(struct event_base *base, const char *host, int port,
                            SSL_CTX *ctx, const struct hs_tls_config *tls,
                            struct bufferevent **bev, SSL **ssl);

/* Listen on host:port (every address it resolves to; "::" is dual-stack).
 * fds gets up to max listening sockets; *n their number. */
hs_err hs_transport_listen(const char *host, int port, evutil_socket_t *fds,
                           int max, int *n);

#endif
