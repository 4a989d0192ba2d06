/* fuzz_handshake.c: libFuzzer target for the handshake state machines
 * (handshake.c), both sides.
 *
 * Byte 0 picks a mode; the rest is a stream of frames (4 KiB cap, as
 * before authentication) fed one by one to a server and to a client, with
 * fixed nonces so the harness can compute the real proofs. With bit 0 the
 * server first gets a valid HELLO and, after its CHALLENGE, a valid AUTH
 * (so the fuzzed frames also meet an accepted session); with bit 1 the
 * client first gets a valid CHALLENGE (so they meet a client waiting for
 * WELCOME).
 *
 * Checked: the server accepts only an AUTH carrying the right proof for
 * its nonces, the client answers a CHALLENGE only if the server's proof
 * is right, nothing is ever accepted twice or after a rejection, every
 * rejection has a known code and a one-line printable reason, and every
 * frame a machine writes decodes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handshake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KEY "fuzz-key-0123456789"

static void
check(int ok)
{
	if (!ok)
		__builtin_trap();
}

static void
check_rejection(const struct hs_handshake *h)
{
	check(h->state == HS_HS_FAILED);
	check(strcmp(h->code, "protocol") == 0 || strcmp(h->code, "version") == 0 ||
	      strcmp(h->code, "auth") == 0 || strcmp(h->code, "internal") == 0);
	check(memchr(h->why, '\0', sizeof h->why) != NULL && h->why[0] != '\0');
	for (const char *p = h->why; *p != '\0'; p++)
		check(*p >= 0x20 && *p < 0x7f);
}

/* Every frame in out decodes; out is emptied. */
static void
check_output(struct hs_buf *out)
{
	struct hs_frame f;
	size_t at = 0, used;

	while (at < out->len) {
		check(hs_frame_decode((const unsigned char *)out->data + at, out->len - at,
		                      HS_FRAME_ABSMAX, &f, &used) == HS_OK && used > 0);
		at += used;
	}
	hs_buf_reset(out);
}

static int
frame_of(struct hs_buf *b, struct hs_frame *f)
{
	size_t used = 0;

	return hs_frame_decode((const unsigned char *)b->data, b->len, HS_FRAME_ABSMAX, f,
	                       &used) == HS_OK && used == b->len;
}

static void
machine(struct hs_handshake *h, const struct hs_frame *f, struct hs_buf *out, int *accepted)
{
	enum hs_hs_state before = h->state;
	unsigned char want[HS_PROOF_LEN];
	struct hs_msg_auth a;
	struct hs_msg_challenge ch;
	char err[HS_PROTO_ERR];
	enum hs_hs_verdict v = hs_hs_input(h, f, out);

	if (v == HS_HS_REJECTED) {
		check_rejection(h);
	} else if (v == HS_HS_ACCEPTED) {
		check(*accepted == 0 && before == HS_HS_AUTH && h->state == HS_HS_DONE);
		*accepted = 1;
		if (h->role == HS_ROLE_SERVER) {   /* only with the right proof */
			check(hs_dec_auth(f, &a, err, sizeof err) == HS_OK);
			check(hs_auth_proof(KEY, strlen(KEY), HS_ROLE_CLIENT, h->nonce_c, h->nonce_s,
			                    NULL, 0, want) == HS_OK);
			check(memcmp(want, a.proof, sizeof want) == 0);
		}
	} else {
		check(before == HS_HS_HELLO && h->state == HS_HS_AUTH);
		if (h->role == HS_ROLE_CLIENT) {   /* it answered: the server's proof was right */
			check(hs_dec_challenge(f, &ch, err, sizeof err) == HS_OK);
			check(hs_auth_proof(KEY, strlen(KEY), HS_ROLE_SERVER, h->nonce_c, ch.nonce,
			                    NULL, 0, want) == HS_OK);
			check(memcmp(want, ch.proof, sizeof want) == 0);
		}
	}
	if (before == HS_HS_FAILED || before == HS_HS_DONE)
		check(v == HS_HS_REJECTED);
	check_output(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hs_handshake s, c;
	struct hs_buf out = HS_BUF_INIT(HS_FRAME_ABSMAX + HS_FRAME_HEADER);
	struct hs_buf tmp = HS_BUF_INIT(HS_FRAME_ABSMAX + HS_FRAME_HEADER);
	struct hs_frame f;
	int mode, s_ok = 0, c_ok = 0;
	size_t at = 1, used;

	if (size < 1)
		return 0;
	mode = data[0];
	if (hs_hs_init(&s, HS_ROLE_SERVER, KEY, NULL, 0) != HS_OK ||
	    hs_hs_init(&c, HS_ROLE_CLIENT, KEY, NULL, 0) != HS_OK)
		return 0;
	memset(s.nonce_s, 0x5a, sizeof s.nonce_s);
	memset(c.nonce_c, 0xa5, sizeof c.nonce_c);
	memcpy(c.auth.client_id, "0190a1b2-0000-7000-8000-0000000000c1", HS_UUID_STRLEN + 1);
	memcpy(c.auth.host, "fuzz", 5);
	c.auth.slots = 1;
	if (mode & 1) {   /* a real client's HELLO and AUTH first */
		struct hs_handshake r = c;
		check(hs_hs_hello(&r, &tmp) == HS_OK && frame_of(&tmp, &f));
		machine(&s, &f, &out, &s_ok);
		hs_buf_reset(&tmp);
		memcpy(r.nonce_s, s.nonce_s, sizeof r.nonce_s);
		check(hs_auth_proof(KEY, strlen(KEY), HS_ROLE_CLIENT, r.nonce_c, r.nonce_s, NULL, 0,
		                    r.auth.proof) == HS_OK);
		check(hs_enc_auth(&tmp, &r.auth) == HS_OK && frame_of(&tmp, &f));
		machine(&s, &f, &out, &s_ok);
		check(s_ok == 1);
		hs_buf_reset(&tmp);
	}
	if (mode & 2) {   /* a real server's CHALLENGE first */
		struct hs_msg_challenge ch = {HS_PROTO_MAJOR, HS_PROTO_MINOR, {0}, {0}};
		memset(ch.nonce, 0x3c, sizeof ch.nonce);
		check(hs_auth_proof(KEY, strlen(KEY), HS_ROLE_SERVER, c.nonce_c, ch.nonce, NULL, 0,
		                    ch.proof) == HS_OK);
		check(hs_enc_challenge(&tmp, &ch) == HS_OK && frame_of(&tmp, &f));
		machine(&c, &f, &out, &c_ok);
		check(c.state == HS_HS_AUTH);
		hs_buf_reset(&tmp);
	}
	while (at < size &&   /* until a refusal, or a frame that needs more bytes */
	       hs_frame_decode(data + at, size - at, HS_FRAME_PREAUTH, &f, &used) == HS_OK &&
	       used > 0) {
		machine(&s, &f, &out, &s_ok);
		machine(&c, &f, &out, &c_ok);
		at += used;
	}
	hs_hs_clear(&s);
	hs_hs_clear(&c);
	hs_buf_free(&out);
	hs_buf_free(&tmp);
	return 0;
}
