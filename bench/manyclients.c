/* manyclients.c: hold many authenticated client connections open from one
 * process, for measuring the server's memory per client.
 *   manyclients HOST PORT N   (key in $HS_KEY; TLS unless $HS_NO_TLS; trusts
 *   $HS_CAFILE; run the server with a max_pending of at least N) -- prints "connected N" once all are welcomed, then stays
 *   until killed, answering nothing but keeping each session alive with
 *   heartbeats. */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "conn.h"
#include "log.h"
#include "tls.h"
#include "transport.h"
#include "uuid.h"

struct peer {
	struct hs_conn *conn;
	unsigned char nonce[HS_NONCE_LEN];
	int welcomed;
};

static const char *key;
static int want, welcomed;
static struct hs_tls_config tlscfg;

static void
up(struct hs_conn *c)
{
	struct peer *p = c->owner;
	struct hs_msg_hello h = {HS_PROTO_MAJOR, HS_PROTO_MINOR, {0}};

	hs_random(p->nonce, sizeof p->nonce);
	memcpy(h.nonce, p->nonce, sizeof h.nonce);
	if (hs_enc_hello(&c->enc, &h) == HS_OK)
		hs_conn_send(c);
}

static void
auth(struct hs_conn *c, const struct hs_frame *f)
{
	struct peer *p = c->owner;
	struct hs_msg_challenge ch;
	struct hs_msg_auth a;
	unsigned char bind[32];
	size_t blen = 0;
	char err[200];

	if (hs_dec_challenge(f, &ch, err, sizeof err) != HS_OK)
		return;
	if (c->ssl != NULL && hs_tls_binding(c->ssl, bind) == HS_OK)
		blen = 32;
	memset(&a, 0, sizeof a);
	hs_auth_proof(key, strlen(key), HS_ROLE_CLIENT, p->nonce, ch.nonce, bind, blen, a.proof);
	hs_uuid7(a.client_id);
	snprintf(a.host, sizeof a.host, "bench");
	a.slots = 1;
	if (hs_enc_auth(&c->enc, &a) == HS_OK)
		hs_conn_send(c);
}

static void
frame(struct hs_conn *c, const struct hs_frame *f)
{
	struct peer *p = c->owner;

	if (f->type == HS_MSG_CHALLENGE) {
		auth(c, f);
	} else if (f->type == HS_MSG_WELCOME && !p->welcomed) {
		p->welcomed = 1;
		c->cap = HS_FRAME_DEFAULT;
		if (++welcomed == want) {
			printf("connected %d\n", welcomed);
			fflush(stdout);
		}
	}
}

static void
down(struct hs_conn *c, const char *why)
{
	fprintf(stderr, "connection lost: %s\n", why);
}

static const struct hs_conn_handler h = {up, frame, down};

static void
beat(evutil_socket_t fd, short what, void *arg)
{
	struct peer *peers = arg;
	struct hs_msg_heartbeat hb = {0, 0};

	for (int i = 0; i < want; i++)
		if (peers[i].conn && peers[i].welcomed && hs_enc_heartbeat(&peers[i].conn->enc, &hb) == HS_OK)
			hs_conn_send(peers[i].conn);
}

int
main(int argc, char **argv)
{
	struct event_base *base = event_base_new();
	struct timeval tv = {5, 0};
	SSL_CTX *ctx = NULL;
	struct peer *peers;
	struct event *tick;

	if (argc != 4 || (key = getenv("HS_KEY")) == NULL)
		return fprintf(stderr, "usage: HS_KEY=... manyclients HOST PORT N\n"), 2;
	want = atoi(argv[3]);
	peers = calloc((size_t)want, sizeof *peers);
	tlscfg.enabled = getenv("HS_NO_TLS") == NULL;
	tlscfg.cafile = getenv("HS_CAFILE");
	tlscfg.min_version = TLS1_2_VERSION;
	if (tlscfg.enabled && hs_tls_client_ctx(&tlscfg, &ctx) != HS_OK)
		return fprintf(stderr, "%s\n", hs_detail()), 1;
	/* connect in waves of 50, each once the previous one is welcomed */
	for (int i = 0; i < want; i++) {
		struct bufferevent *bev;
		SSL *ssl;
		if (hs_transport_connect(base, argv[1], atoi(argv[2]), ctx, &tlscfg, &bev, &ssl) != HS_OK)
			return fprintf(stderr, "%s\n", hs_detail()), 1;
		peers[i].conn = hs_conn_new(bev, ssl, "server", &h, &peers[i]);
		while ((i + 1) % 50 == 0 && welcomed < i + 1)
			event_base_loop(base, EVLOOP_ONCE);
	}
	tick = event_new(base, -1, EV_PERSIST, beat, peers);
	evtimer_add(tick, &tv);
	event_base_dispatch(base);
	return 0;
}
