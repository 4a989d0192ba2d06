/* test_handshake.c: unit tests for the handshake state machines
 * (src/handshake.c), a server and a client talking through buffers. */
#include "testutil.h"

#include "handshake.h"

#include <string.h>

#define KEY "0123456789abcdef0123"
#define CLIENT_ID "0190a1b2-0000-7000-8000-0000000000c1"

static struct hs_buf wire[2];   /* 0: client -> server, 1: server -> client */
static struct hs_frame fr;

static int
setup(void **state)
{
	for (int i = 0; i < 2; i++)
		wire[i] = (struct hs_buf)HS_BUF_INIT(HS_FRAME_ABSMAX + HS_FRAME_HEADER);
	return 0;
}

static int
teardown(void **state)
{
	hs_buf_free(&wire[0]);
	hs_buf_free(&wire[1]);
	return 0;
}

/* The one frame in b (then b is emptied by the next take). */
static const struct hs_frame *
take(struct hs_buf *b)
{
	size_t used = 0;

	assert_int_equal(hs_frame_decode((const unsigned char *)b->data, b->len, HS_FRAME_ABSMAX,
	                                 &fr, &used), HS_OK);
	assert_int_equal(used, b->len);
	return &fr;
}

static void
client_init(struct hs_handshake *c, const char *key, const unsigned char *bind, size_t blen)
{
	assert_int_equal(hs_hs_init(c, HS_ROLE_CLIENT, key, bind, blen), HS_OK);
	memcpy(c->auth.client_id, CLIENT_ID, sizeof c->auth.client_id);
	strcpy(c->auth.host, "node1");
	c->auth.slots = 4;
	hs_buf_reset(&wire[0]);
	assert_int_equal(hs_hs_hello(c, &wire[0]), HS_OK);
}

static const struct hs_frame *
welcome_frame(void)
{
	struct hs_msg_welcome w = {CLIENT_ID, "srv", 1, 10, 1 << 20, 0};

	hs_buf_reset(&wire[1]);
	assert_int_equal(hs_enc_welcome(&wire[1], &w), HS_OK);
	return take(&wire[1]);
}

static void
test_both_sides_accept(void **state)
{
	struct hs_handshake s, c;
	unsigned char bind[32];

	memset(bind, 7, sizeof bind);
	assert_int_equal(hs_hs_init(&s, HS_ROLE_SERVER, KEY, bind, sizeof bind), HS_OK);
	client_init(&c, KEY, bind, sizeof bind);
	assert_int_equal(hs_hs_input(&s, take(&wire[0]), &wire[1]), HS_HS_CONTINUE);
	hs_buf_reset(&wire[0]);
	assert_int_equal(hs_hs_input(&c, take(&wire[1]), &wire[0]), HS_HS_CONTINUE);
	assert_int_equal(c.peer_minor, HS_PROTO_MINOR);
	assert_int_equal(hs_hs_input(&s, take(&wire[0]), &wire[1]), HS_HS_ACCEPTED);
	assert_string_equal(s.auth.client_id, CLIENT_ID);
	assert_string_equal(s.auth.host, "node1");
	assert_int_equal(s.auth.slots, 4);
	assert_int_equal(hs_hs_input(&c, welcome_frame(), &wire[0]), HS_HS_ACCEPTED);
	assert_string_equal(c.welcome.host, "srv");
	/* after the handshake nothing more is one */
	assert_int_equal(hs_hs_input(&s, take(&wire[0]), &wire[1]), HS_HS_REJECTED);
	assert_string_equal(s.code, "protocol");
	hs_hs_clear(&s);
	hs_hs_clear(&c);
}

/* A client with another key: the server's proof fails at the client, which
 * never sends its own. */
static void
test_client_refuses_an_impostor(void **state)
{
	struct hs_handshake s, c;

	assert_int_equal(hs_hs_init(&s, HS_ROLE_SERVER, KEY, NULL, 0), HS_OK);
	client_init(&c, "another-key-of-20-chars", NULL, 0);
	hs_buf_reset(&wire[1]);
	assert_int_equal(hs_hs_input(&s, take(&wire[0]), &wire[1]), HS_HS_CONTINUE);
	hs_buf_reset(&wire[0]);
	assert_int_equal(hs_hs_input(&c, take(&wire[1]), &wire[0]), HS_HS_REJECTED);
	assert_string_equal(c.code, "auth");
	assert_non_null(strstr(c.why, "the server failed to prove it holds the key"));
	assert_int_equal(wire[0].len, 0);
}

/* A relay: the two sides see different TLS sessions (bindings), so the
 * proofs fail even with the right key. Replay: an AUTH recorded from one
 * session fails on the next (a fresh server nonce). */
static void
test_relay_and_replay_fail(void **state)
{
	struct hs_handshake s, c, s2;
	unsigned char b1[32], b2[32];
	struct hs_buf auth = HS_BUF_INIT(4096);

	memset(b1, 1, sizeof b1);
	memset(b2, 2, sizeof b2);
	assert_int_equal(hs_hs_init(&s, HS_ROLE_SERVER, KEY, b1, sizeof b1), HS_OK);
	client_init(&c, KEY, b2, sizeof b2);
	hs_buf_reset(&wire[1]);
	assert_int_equal(hs_hs_input(&s, take(&wire[0]), &wire[1]), HS_HS_CONTINUE);
	hs_buf_reset(&wire[0]);
	assert_int_equal(hs_hs_input(&c, take(&wire[1]), &wire[0]), HS_HS_REJECTED);

	/* replay */
	assert_int_equal(hs_hs_init(&s, HS_ROLE_SERVER, KEY, NULL, 0), HS_OK);
	client_init(&c, KEY, NULL, 0);
	struct hs_buf hello = HS_BUF_INIT(4096);
	assert_int_equal(hs_buf_append(&hello, wire[0].data, wire[0].len), HS_OK);
	hs_buf_reset(&wire[1]);
	assert_int_equal(hs_hs_input(&s, take(&wire[0]), &wire[1]), HS_HS_CONTINUE);
	hs_buf_reset(&wire[0]);
	assert_int_equal(hs_hs_input(&c, take(&wire[1]), &wire[0]), HS_HS_CONTINUE);
	assert_int_equal(hs_buf_append(&auth, wire[0].data, wire[0].len), HS_OK);
	assert_int_equal(hs_hs_input(&s, take(&wire[0]), &wire[1]), HS_HS_ACCEPTED);
	assert_int_equal(hs_hs_init(&s2, HS_ROLE_SERVER, KEY, NULL, 0), HS_OK);
	hs_buf_reset(&wire[1]);
	assert_int_equal(hs_hs_input(&s2, take(&hello), &wire[1]), HS_HS_CONTINUE);
	assert_int_equal(hs_hs_input(&s2, take(&auth), &wire[1]), HS_HS_REJECTED);
	assert_string_equal(s2.code, "auth");
	assert_string_equal(s2.why, "authentication failed");
	hs_buf_free(&hello);
	hs_buf_free(&auth);
}

static void
test_order_and_version(void **state)
{
	struct hs_handshake s;
	struct hs_msg_hello h = {2, 0, {0}};

	assert_int_equal(hs_hs_init(&s, HS_ROLE_SERVER, KEY, NULL, 0), HS_OK);
	assert_int_equal(hs_hs_input(&s, welcome_frame(), &wire[1]), HS_HS_REJECTED);
	assert_string_equal(s.code, "protocol");
	assert_string_equal(s.why, "WELCOME before authentication");
	assert_int_equal(hs_hs_init(&s, HS_ROLE_SERVER, KEY, NULL, 0), HS_OK);
	hs_buf_reset(&wire[0]);
	assert_int_equal(hs_enc_hello(&wire[0], &h), HS_OK);
	assert_int_equal(hs_hs_input(&s, take(&wire[0]), &wire[1]), HS_HS_REJECTED);
	assert_string_equal(s.code, "version");
	assert_non_null(strstr(s.why, "client speaks protocol 2.0, this server speaks 1."));
	assert_int_equal(hs_hs_init(&s, HS_ROLE_SERVER, KEY, NULL, 33), HS_EINPUT);
}

/* A submitter (0 slots) is accepted by a 1.2 server, and refuses to go on
 * with an older one (which would refuse 0 slots as a protocol error). */
static void
test_submitter_needs_1_2(void **state)
{
	struct hs_handshake s, c;
	struct hs_msg_challenge ch;
	char err[HS_PROTO_ERR];

	assert_int_equal(hs_hs_init(&s, HS_ROLE_SERVER, KEY, NULL, 0), HS_OK);
	client_init(&c, KEY, NULL, 0);
	c.auth.slots = 0;
	hs_buf_reset(&wire[1]);
	assert_int_equal(hs_hs_input(&s, take(&wire[0]), &wire[1]), HS_HS_CONTINUE);
	assert_int_equal(hs_dec_challenge(take(&wire[1]), &ch, err, sizeof err), HS_OK);
	hs_buf_reset(&wire[0]);
	assert_int_equal(hs_hs_input(&c, take(&wire[1]), &wire[0]), HS_HS_CONTINUE);
	assert_int_equal(hs_hs_input(&s, take(&wire[0]), &wire[1]), HS_HS_ACCEPTED);
	assert_int_equal(s.auth.slots, 0);

	/* the same challenge from a 1.1 server */
	client_init(&c, KEY, NULL, 0);
	c.auth.slots = 0;
	memcpy(c.nonce_c, s.nonce_c, sizeof c.nonce_c);
	ch.minor = 1;
	hs_buf_reset(&wire[1]);
	assert_int_equal(hs_enc_challenge(&wire[1], &ch), HS_OK);
	hs_buf_reset(&wire[0]);
	assert_int_equal(hs_hs_input(&c, take(&wire[1]), &wire[0]), HS_HS_REJECTED);
	assert_string_equal(c.code, "version");
	assert_string_equal(c.why, "the server speaks protocol 1.1; submitting to it needs 1.2 "
	                    "or later");
	assert_int_equal(wire[0].len, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_both_sides_accept),
		T(test_client_refuses_an_impostor),
		T(test_relay_and_replay_fail),
		T(test_submitter_needs_1_2),
		T(test_order_and_version),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
