/* handshake.h: the queue handshake (docs/protocol.md section 5) as two
 * pure state machines, one per side: each is fed the frames its side
 * receives and answers with the frame to send, or a verdict. No I/O, no
 * logging: server.c and client.c drive them and act on the verdicts;
 * tests/fuzz/fuzz_handshake.c feeds them hostile frames.
 *
 *   server: HELLO -> CHALLENGE; AUTH -> accepted (the client's identity)
 *   client: start -> HELLO; CHALLENGE -> AUTH (only if the server proved
 *           it holds the key); WELCOME -> accepted
 * Anything else, in any state, is a rejection with an ERROR code
 * (`protocol`, `version`, `auth`) and a one-line reason. */
#ifndef HS_HANDSHAKE_H
#define HS_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>

#include "auth.h"
#include "buf.h"
#include "proto.h"

enum hs_hs_state { HS_HS_HELLO, HS_HS_AUTH, HS_HS_DONE, HS_HS_FAILED };

enum hs_hs_verdict {
	HS_HS_CONTINUE,   /* a frame was appended to out; wait for the next */
	HS_HS_ACCEPTED,   /* done: the peer proved the key */
	HS_HS_REJECTED    /* code and why say why; close the connection */
};

struct hs_handshake {
	enum hs_role role;                     /* our side */
	enum hs_hs_state state;
	const char *key;                       /* borrowed */
	unsigned char nonce_c[HS_NONCE_LEN], nonce_s[HS_NONCE_LEN];
	unsigned char binding[32];             /* TLS exporter value */
	size_t bindlen;                        /* 0 without TLS */
	int peer_major, peer_minor;            /* from HELLO or CHALLENGE */
	struct hs_msg_auth auth;               /* server: the client, once accepted;
	                                        * client: who we say we are */
	struct hs_msg_welcome welcome;         /* client: the server, once accepted */
	char code[16];                         /* on rejection: the ERROR code */
	char why[HS_PROTO_ERR + 64];           /* on rejection: one line */
};

/* Set up a side; our nonce is drawn here (tests may overwrite it). */
hs_err hs_hs_init(struct hs_handshake *h, enum hs_role role, const char *key,
                  const unsigned char *binding, size_t bindlen);

/* Client: append HELLO to out. */
hs_err hs_hs_hello(struct hs_handshake *h, struct hs_buf *out);

/* Feed one received frame. */
enum hs_hs_verdict hs_hs_input(struct hs_handshake *h, const struct hs_frame *f,
                               struct hs_buf *out);

/* Wipe the nonces and proofs. */
void hs_hs_clear(struct hs_handshake *h);

#endif
