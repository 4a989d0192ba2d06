/* auth.c: the shared-key proofs of the queue handshake (see auth.h).
 *
 * The proof is computed by streaming the message parts into one HMAC, so
 * no buffer ever holds the key or the message beside OpenSSL's own
 * context, which EVP_MAC_CTX_free wipes.
 */
#include "auth.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdio.h>
#include <string.h>

#include "uuid.h"

#define PROOF_PREFIX "hypershell-v1 "
#define KEY_HOWTO "generate one with: openssl rand -hex 32"

static const char *const role_names[] = {
	[HS_ROLE_SERVER] = "server",
	[HS_ROLE_CLIENT] = "client",
};

/* A keyed HMAC-SHA256 context, or NULL. */
static EVP_MAC_CTX *
mac_start(const char *key, size_t keylen)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
		OSSL_PARAM_construct_end(),
	};

	EVP_MAC_free(mac);  /* the context keeps its own reference */
	if (ctx != NULL &&
	    !EVP_MAC_init(ctx, (const unsigned char *)key, keylen, params)) {
		EVP_MAC_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

hs_err
hs_auth_proof(const char *key, size_t keylen, enum hs_role role,
              const unsigned char nonce_c[HS_NONCE_LEN],
              const unsigned char nonce_s[HS_NONCE_LEN],
              const unsigned char *binding, size_t bindlen,
              unsigned char out[HS_PROOF_LEN])
{
	EVP_MAC_CTX *ctx = NULL;
	size_t outlen = 0;
	hs_err e = HS_EINTERNAL;
	int ok;

	if (key == NULL || keylen == 0 || (binding == NULL && bindlen > 0) ||
	    (role != HS_ROLE_SERVER && role != HS_ROLE_CLIENT))
		return HS_EINPUT;
	if ((ctx = mac_start(key, keylen)) == NULL)
		goto out;
	ok = EVP_MAC_update(ctx, (const unsigned char *)PROOF_PREFIX,
	                    strlen(PROOF_PREFIX)) &&
	     EVP_MAC_update(ctx, (const unsigned char *)role_names[role], 6) &&
	     EVP_MAC_update(ctx, nonce_c, HS_NONCE_LEN) &&
	     EVP_MAC_update(ctx, nonce_s, HS_NONCE_LEN) &&
	     (bindlen == 0 || EVP_MAC_update(ctx, binding, bindlen)) &&
	     EVP_MAC_final(ctx, out, &outlen, HS_PROOF_LEN);
	if (ok && outlen == HS_PROOF_LEN)
		e = HS_OK;
out:
	EVP_MAC_CTX_free(ctx);
	if (e != HS_OK)
		OPENSSL_cleanse(out, HS_PROOF_LEN);
	return e;
}

bool
hs_auth_equal(const unsigned char a[HS_PROOF_LEN],
              const unsigned char b[HS_PROOF_LEN])
{
	return CRYPTO_memcmp(a, b, HS_PROOF_LEN) == 0;
}

static bool
key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || strchr("._+/=-", c) != NULL;
}

/* Why key breaks the policy, or NULL. Never quotes the key. */
static const char *
key_problem(const char *key)
{
	size_t len = key ? strnlen(key, HS_KEY_MAX + 1) : 0;

	if (len == 0)
		return "no authentication key is set";
	if (strcmp(key, HS_KEY_PLACEHOLDER) == 0)
		return "the authentication key is the insecure placeholder "
		       HS_KEY_PLACEHOLDER;
	if (len < HS_KEY_MIN)
		return "the authentication key is too short";
	if (len > HS_KEY_MAX)
		return "the authentication key is too long";
	for (size_t i = 0; i < len; i++)
		if (!key_char(key[i]))
			return "the authentication key has a character outside "
			       "[A-Za-z0-9._+/=-]";
	return NULL;
}

hs_err
hs_auth_key_check(const char *key, char *err, size_t errlen)
{
	const char *why = key_problem(key);

	if (why == NULL)
		return HS_OK;
	snprintf(err, errlen, "%s: it must be %d to %d characters of "
	         "[A-Za-z0-9._+/=-]; " KEY_HOWTO, why, HS_KEY_MIN, HS_KEY_MAX);
	return HS_EUSAGE;
}

hs_err
hs_auth_new_key(char out[129])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[64];
	hs_err e;

	out[0] = '\0';
	if ((e = hs_random(raw, sizeof raw)) != HS_OK)
		goto out;
	for (size_t i = 0; i < sizeof raw; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 0x0f];
	}
	out[2 * sizeof raw] = '\0';
out:
	OPENSSL_cleanse(raw, sizeof raw);
	return e;
}
