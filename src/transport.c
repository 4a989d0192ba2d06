/* transport.c: sockets and TLS sessions for conn.c. */
#include "transport.h"

#include <errno.h>
#include <event2/bufferevent_ssl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BEV_OPTS (BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS)

/* Every socket: no Nagle delay, keepalive, and never inherited by tasks. */
static void
tcp_options(evutil_socket_t fd)
{
	int one = 1;

	evutil_make_socket_closeonexec(fd);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
}

hs_err
hs_transport_accept(struct event_base *base, evutil_socket_t fd, SSL_CTX *ctx,
                    struct bufferevent **bev, SSL **ssl)
{
	*ssl = NULL;
	evutil_make_socket_nonblocking(fd);
	tcp_options(fd);
	if (ctx == NULL) {
		*bev = bufferevent_socket_new(base, fd, BEV_OPTS);
		return *bev ? HS_OK : hs_fail(HS_ENOMEM, "cannot create a connection");
	}
	if ((*ssl = SSL_new(ctx)) == NULL)
		return hs_fail(HS_ENOMEM, "cannot create a TLS session");
	*bev = bufferevent_openssl_socket_new(base, fd, *ssl, BUFFEREVENT_SSL_ACCEPTING,
	                                      BEV_OPTS);
	if (*bev == NULL) {
		SSL_free(*ssl);
		*ssl = NULL;
		return hs_fail(HS_ENOMEM, "cannot create a TLS connection");
	}
	bufferevent_openssl_set_allow_dirty_shutdown(*bev, 1);
	return HS_OK;
}

static hs_err
resolve(const char *host, int port, int passive, struct addrinfo **res)
{
	struct addrinfo hints;
	char ps[16];
	int rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = passive ? AI_PASSIVE : AI_ADDRCONFIG;
	snprintf(ps, sizeof ps, "%d", port);
	if ((rc = getaddrinfo(host, ps, &hints, res)) != 0)
		return hs_fail(HS_EIO, "cannot resolve %s: %s", host, gai_strerror(rc));
	return HS_OK;
}

static hs_err
make_bev(struct event_base *base, SSL_CTX *ctx, const struct hs_tls_config *tls,
         const char *host, struct bufferevent **bev, SSL **ssl)
{
	hs_err e;

	*ssl = NULL;
	if (ctx == NULL) {
		*bev = bufferevent_socket_new(base, -1, BEV_OPTS);
		return *bev ? HS_OK : hs_fail(HS_ENOMEM, "cannot create a connection");
	}
	if ((*ssl = SSL_new(ctx)) == NULL)
		return hs_fail(HS_ENOMEM, "cannot create a TLS session");
	if ((e = hs_tls_client_prepare(*ssl, tls, host)) != HS_OK) {
		SSL_free(*ssl);
		*ssl = NULL;
		return e;
	}
	*bev = bufferevent_openssl_socket_new(base, -1, *ssl, BUFFEREVENT_SSL_CONNECTING,
	                                      BEV_OPTS);
	if (*bev == NULL) {
		SSL_free(*ssl);
		*ssl = NULL;
		return hs_fail(HS_ENOMEM, "cannot create a TLS connection");
	}
	bufferevent_openssl_set_allow_dirty_shutdown(*bev, 1);
	return HS_OK;
}

hs_err
hs_transport_connect(struct event_base *base, const char *host, int port,
                     SSL_CTX *ctx, const struct hs_tls_config *tls,
                     struct bufferevent **bev, SSL **ssl)
{
	struct addrinfo *res = NULL;
	hs_err e;

	if ((e = resolve(host, port, 0, &res)) != HS_OK)
		return e;
	if ((e = make_bev(base, ctx, tls, host, bev, ssl)) == HS_OK &&
	    bufferevent_socket_connect(*bev, res->ai_addr, (int)res->ai_addrlen) != 0) {
		bufferevent_free(*bev);
		*bev = NULL;
		*ssl = NULL;
		e = hs_fail(HS_EIO, "cannot connect to %s:%d: %s", host, port, strerror(errno));
	}
	if (e == HS_OK)
		tcp_options(bufferevent_getfd(*bev));
	freeaddrinfo(res);
	return e;
}

static evutil_socket_t
listen_one(const struct addrinfo *ai)
{
	evutil_socket_t fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
	int one = 1, zero = 0;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (ai->ai_family == AF_INET6)  /* "::" serves IPv4 too */
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 128) != 0 ||
	    evutil_make_socket_nonblocking(fd) != 0) {
		int err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

hs_err
hs_transport_listen(const char *host, int port, evutil_socket_t *fds, int max, int *n)
{
	struct addrinfo *res = NULL, *ai;
	int err = 0;
	hs_err e;

	*n = 0;
	if ((e = resolve(host, port, 1, &res)) != HS_OK)
		return e;
	for (ai = res; ai != NULL && *n < max; ai = ai->ai_next) {
		evutil_socket_t fd = listen_one(ai);
		if (fd >= 0)
			fds[(*n)++] = fd;
		else if (errno != EADDRINUSE || *n == 0)
			err = errno;
	}
	freeaddrinfo(res);
	if (*n == 0) {
		e = hs_fail(HS_EIO, "cannot listen on %s:%d: %s", host, port,
		            strerror(err ? err : EADDRNOTAVAIL));
		errno = err ? err : EADDRNOTAVAIL;   /* callers may probe on EADDRINUSE */
		return e;
	}
	return HS_OK;
}
