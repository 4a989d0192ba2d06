/* handshake.c: see handshake.h. */
#include "handshake.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "uuid.h"

static enum hs_hs_verdict
reject(struct hs_handshake *h, const char *code, const char *why)
{
	h->state = HS_HS_FAILED;
	snprintf(h->code, sizeof h->code, "%s", code);
	snprintf(h->why, sizeof h->why, "%s", why);
	return HS_HS_REJECTED;
}

static enum hs_hs_verdict
version_mismatch(struct hs_handshake *h)
{
	char why[160];

	if (h->role == HS_ROLE_SERVER)
		snprintf(why, sizeof why, "client speaks protocol %d.%d, this server speaks %d.%d",
		         h->peer_major, h->peer_minor, HS_PROTO_MAJOR, HS_PROTO_MINOR);
	else
		snprintf(why, sizeof why, "server speaks protocol %d.%d, client speaks %d.%d",
		         h->peer_major, h->peer_minor, HS_PROTO_MAJOR, HS_PROTO_MINOR);
	return reject(h, "version", why);
}

hs_err
hs_hs_init(struct hs_handshake *h, enum hs_role role, const char *key,
           const unsigned char *binding, size_t bindlen)
{
	memset(h, 0, sizeof *h);
	h->role = role;
	h->key = key;
	if (bindlen > sizeof h->binding)
		return HS_EINPUT;
	if (bindlen > 0)
		memcpy(h->binding, binding, bindlen);
	h->bindlen = bindlen;
	return hs_random(role == HS_ROLE_SERVER ? h->nonce_s : h->nonce_c, HS_NONCE_LEN);
}

hs_err
hs_hs_hello(struct hs_handshake *h, struct hs_buf *out)
{
	struct hs_msg_hello m = {HS_PROTO_MAJOR, HS_PROTO_MINOR, {0}};

	memcpy(m.nonce, h->nonce_c, sizeof m.nonce);
	return hs_enc_hello(out, &m);
}

static hs_err
proof(const struct hs_handshake *h, enum hs_role role, unsigned char out[HS_PROOF_LEN])
{
	return hs_auth_proof(h->key, strlen(h->key), role, h->nonce_c, h->nonce_s, h->binding,
	                     h->bindlen, out);
}

/* --- server --------------------------------------------------------------- */

static enum hs_hs_verdict
on_hello(struct hs_handshake *h, const struct hs_frame *f, struct hs_buf *out)
{
	struct hs_msg_hello m;
	struct hs_msg_challenge ch;
	char err[HS_PROTO_ERR];

	if (hs_dec_hello(f, &m, err, sizeof err) != HS_OK)
		return reject(h, "protocol", err);
	h->peer_major = m.major;
	h->peer_minor = m.minor;
	if (m.major != HS_PROTO_MAJOR)
		return version_mismatch(h);
	memcpy(h->nonce_c, m.nonce, sizeof h->nonce_c);
	memset(&ch, 0, sizeof ch);
	ch.major = HS_PROTO_MAJOR;
	ch.minor = HS_PROTO_MINOR;
	memcpy(ch.nonce, h->nonce_s, sizeof ch.nonce);
	if (proof(h, HS_ROLE_SERVER, ch.proof) != HS_OK || hs_enc_challenge(out, &ch) != HS_OK)
		return reject(h, "internal", "cannot compute or send the proof");
	OPENSSL_cleanse(ch.proof, sizeof ch.proof);
	h->state = HS_HS_AUTH;
	return HS_HS_CONTINUE;
}

static enum hs_hs_verdict
on_auth(struct hs_handshake *h, const struct hs_frame *f)
{
	unsigned char want[HS_PROOF_LEN];
	char err[HS_PROTO_ERR];
	bool ok;

	if (hs_dec_auth(f, &h->auth, err, sizeof err) != HS_OK)
		return reject(h, "protocol", err);
	ok = proof(h, HS_ROLE_CLIENT, want) == HS_OK && hs_auth_equal(want, h->auth.proof);
	OPENSSL_cleanse(want, sizeof want);
	OPENSSL_cleanse(h->auth.proof, sizeof h->auth.proof);
	if (!ok)
		return reject(h, "auth", "authentication failed");
	h->state = HS_HS_DONE;
	return HS_HS_ACCEPTED;
}

/* --- client --------------------------------------------------------------- */

static enum hs_hs_verdict
on_challenge(struct hs_handshake *h, const struct hs_frame *f, struct hs_buf *out)
{
	struct hs_msg_challenge ch;
	struct hs_msg_auth a = h->auth;
	unsigned char want[HS_PROOF_LEN];
	char err[HS_PROTO_ERR];
	bool ok;

	if (hs_dec_challenge(f, &ch, err, sizeof err) != HS_OK)
		return reject(h, "protocol", err);
	h->peer_major = ch.major;
	h->peer_minor = ch.minor;
	if (ch.major != HS_PROTO_MAJOR)
		return version_mismatch(h);
	memcpy(h->nonce_s, ch.nonce, sizeof h->nonce_s);
	ok = proof(h, HS_ROLE_SERVER, want) == HS_OK && hs_auth_equal(want, ch.proof);
	OPENSSL_cleanse(want, sizeof want);
	if (!ok)
		return reject(h, "auth", "the server failed to prove it holds the key (wrong key, "
		              "or a man in the middle): not running its tasks");
	if (a.slots == 0 && ch.minor < 2) {   /* submitters came with 1.2 */
		char why[96];
		snprintf(why, sizeof why, "the server speaks protocol %d.%d; submitting to it "
		         "needs 1.2 or later", ch.major, ch.minor);
		return reject(h, "version", why);
	}
	if (proof(h, HS_ROLE_CLIENT, a.proof) != HS_OK || hs_enc_auth(out, &a) != HS_OK) {
		OPENSSL_cleanse(a.proof, sizeof a.proof);
		return reject(h, "internal", "cannot compute or send the proof");
	}
	OPENSSL_cleanse(a.proof, sizeof a.proof);
	h->state = HS_HS_AUTH;
	return HS_HS_CONTINUE;
}

static enum hs_hs_verdict
on_welcome(struct hs_handshake *h, const struct hs_frame *f)
{
	char err[HS_PROTO_ERR];

	if (hs_dec_welcome(f, &h->welcome, err, sizeof err) != HS_OK)
		return reject(h, "protocol", err);
	h->state = HS_HS_DONE;
	return HS_HS_ACCEPTED;
}

/* --- both ------------------------------------------------------------------ */

enum hs_hs_verdict
hs_hs_input(struct hs_handshake *h, const struct hs_frame *f, struct hs_buf *out)
{
	char why[96];
	bool server = h->role == HS_ROLE_SERVER;

	if (h->state == HS_HS_HELLO && f->type == (server ? HS_MSG_HELLO : HS_MSG_CHALLENGE))
		return server ? on_hello(h, f, out) : on_challenge(h, f, out);
	if (h->state == HS_HS_AUTH && f->type == (server ? HS_MSG_AUTH : HS_MSG_WELCOME))
		return server ? on_auth(h, f) : on_welcome(h, f);
	if (h->state == HS_HS_DONE || h->state == HS_HS_FAILED)
		return reject(h, "protocol", "the handshake is over");
	snprintf(why, sizeof why, "%s before authentication", hs_msg_name(f->type));
	return reject(h, "protocol", why);
}

void
hs_hs_clear(struct hs_handshake *h)
{
	OPENSSL_cleanse(h->nonce_c, sizeof h->nonce_c);
	OPENSSL_cleanse(h->nonce_s, sizeof h->nonce_s);
	OPENSSL_cleanse(h->binding, sizeof h->binding);
	OPENSSL_cleanse(h->auth.proof, sizeof h->auth.proof);
}
