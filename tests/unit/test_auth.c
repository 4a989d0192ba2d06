/* test_auth.c: unit tests for the handshake proofs and key policy
 * (src/auth.c). */
#include "testutil.h"

#include "auth.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

static const char KEY[] = "0123456789abcdef0123456789abcdef";

struct inputs {
	unsigned char nc[HS_NONCE_LEN], ns[HS_NONCE_LEN];
	unsigned char bind[32];
	size_t bindlen;
};

static struct inputs
inputs(void)
{
	struct inputs in;

	for (int i = 0; i < HS_NONCE_LEN; i++) {
		in.nc[i] = (unsigned char)i;
		in.ns[i] = (unsigned char)(0xff - i);
		in.bind[i] = (unsigned char)(0x40 + i);
	}
	in.bindlen = sizeof in.bind;
	return in;
}

static void
proof(const char *key, enum hs_role role, const struct inputs *in,
      unsigned char out[HS_PROOF_LEN])
{
	assert_int_equal(hs_auth_proof(key, strlen(key), role, in->nc, in->ns,
	                               in->bind, in->bindlen, out), HS_OK);
}

/* The documented layout, computed here with OpenSSL's one-shot HMAC(). */
static void
expected(const char *key, const char *role, const struct inputs *in,
         unsigned char out[HS_PROOF_LEN])
{
	unsigned char msg[256];
	unsigned int outlen = 0;
	size_t n = 0;

	memcpy(msg, "hypershell-v1 ", 14);
	n = 14;
	memcpy(msg + n, role, 6);
	n += 6;
	memcpy(msg + n, in->nc, HS_NONCE_LEN);
	n += HS_NONCE_LEN;
	memcpy(msg + n, in->ns, HS_NONCE_LEN);
	n += HS_NONCE_LEN;
	memcpy(msg + n, in->bind, in->bindlen);
	n += in->bindlen;
	assert_non_null(HMAC(EVP_sha256(), key, (int)strlen(key), msg, n, out,
	                     &outlen));
	assert_int_equal(outlen, HS_PROOF_LEN);
}

static void
test_known_answer(void **state)
{
	struct inputs in = inputs();
	unsigned char got[HS_PROOF_LEN], want[HS_PROOF_LEN];

	proof(KEY, HS_ROLE_SERVER, &in, got);
	expected(KEY, "server", &in, want);
	assert_memory_equal(got, want, HS_PROOF_LEN);
	proof(KEY, HS_ROLE_CLIENT, &in, got);
	expected(KEY, "client", &in, want);
	assert_memory_equal(got, want, HS_PROOF_LEN);
	in.bindlen = 0;  /* without TLS */
	assert_int_equal(hs_auth_proof(KEY, strlen(KEY), HS_ROLE_CLIENT, in.nc,
	                               in.ns, NULL, 0, got), HS_OK);
	expected(KEY, "client", &in, want);
	assert_memory_equal(got, want, HS_PROOF_LEN);
}

/* A fixed vector (computed with Python's hmac module), so a change to the
 * layout shows even if the helper above were changed with it. */
static void
test_fixed_vector(void **state)
{
	static const unsigned char want[HS_PROOF_LEN] = {
		0x7f, 0x18, 0x7a, 0x40, 0x4a, 0x2c, 0x75, 0x98, 0x40, 0xf4, 0x9c,
		0x9f, 0x3e, 0xef, 0x63, 0x0c, 0xb8, 0xaa, 0x4f, 0x58, 0x58, 0xc9,
		0x06, 0xa2, 0xca, 0xea, 0x57, 0x67, 0x88, 0x0f, 0x4e, 0x45,
	};
	unsigned char nc[HS_NONCE_LEN] = {0}, ns[HS_NONCE_LEN] = {0};
	unsigned char got[HS_PROOF_LEN];

	assert_int_equal(hs_auth_proof(KEY, strlen(KEY), HS_ROLE_SERVER, nc, ns,
	                               NULL, 0, got), HS_OK);
	assert_memory_equal(got, want, HS_PROOF_LEN);
}

static void
test_proofs_differ(void **state)
{
	struct inputs in = inputs(), other;
	unsigned char base[HS_PROOF_LEN], p[HS_PROOF_LEN];

	proof(KEY, HS_ROLE_CLIENT, &in, base);
	proof(KEY, HS_ROLE_SERVER, &in, p);               /* by role */
	assert_false(hs_auth_equal(base, p));
	other = in;
	other.nc[0] ^= 1;                                 /* by client nonce */
	proof(KEY, HS_ROLE_CLIENT, &other, p);
	assert_false(hs_auth_equal(base, p));
	other = in;
	other.ns[31] ^= 0x80;                             /* by server nonce */
	proof(KEY, HS_ROLE_CLIENT, &other, p);
	assert_false(hs_auth_equal(base, p));
	other = in;
	other.bind[5] ^= 1;                               /* by binding */
	proof(KEY, HS_ROLE_CLIENT, &other, p);
	assert_false(hs_auth_equal(base, p));
	other = in;
	other.bindlen = 0;                                /* TLS vs none */
	proof(KEY, HS_ROLE_CLIENT, &other, p);
	assert_false(hs_auth_equal(base, p));
	proof("0123456789abcdef0123456789abcdeF", HS_ROLE_CLIENT, &in, p);
	assert_false(hs_auth_equal(base, p));             /* by key */
	proof(KEY, HS_ROLE_CLIENT, &in, p);               /* deterministic */
	assert_true(hs_auth_equal(base, p));
}

static void
test_nonces_not_interchangeable(void **state)
{
	struct inputs in = inputs(), swapped = inputs();
	unsigned char a[HS_PROOF_LEN], b[HS_PROOF_LEN];

	memcpy(swapped.nc, in.ns, HS_NONCE_LEN);
	memcpy(swapped.ns, in.nc, HS_NONCE_LEN);
	proof(KEY, HS_ROLE_SERVER, &in, a);
	proof(KEY, HS_ROLE_SERVER, &swapped, b);
	assert_false(hs_auth_equal(a, b));
}

static void
test_proof_bad_arguments(void **state)
{
	struct inputs in = inputs();
	unsigned char p[HS_PROOF_LEN];

	assert_int_equal(hs_auth_proof(NULL, 0, HS_ROLE_SERVER, in.nc, in.ns,
	                               NULL, 0, p), HS_EINPUT);
	assert_int_equal(hs_auth_proof(KEY, 0, HS_ROLE_SERVER, in.nc, in.ns,
	                               NULL, 0, p), HS_EINPUT);
	assert_int_equal(hs_auth_proof(KEY, strlen(KEY), HS_ROLE_SERVER, in.nc,
	                               in.ns, NULL, 5, p), HS_EINPUT);
	assert_int_equal(hs_auth_proof(KEY, strlen(KEY), (enum hs_role)7, in.nc,
	                               in.ns, NULL, 0, p), HS_EINPUT);
}

static void
test_equal(void **state)
{
	unsigned char a[HS_PROOF_LEN], b[HS_PROOF_LEN];

	memset(a, 0x5a, sizeof a);
	memcpy(b, a, sizeof b);
	assert_true(hs_auth_equal(a, b));
	b[HS_PROOF_LEN - 1] ^= 1;
	assert_false(hs_auth_equal(a, b));
	memcpy(b, a, sizeof b);
	b[0] ^= 0x80;
	assert_false(hs_auth_equal(a, b));
}

static void
key_ok(const char *key)
{
	char err[256] = "";

	if (hs_auth_key_check(key, err, sizeof err) != HS_OK)
		fail_msg("key '%s' refused: %s", key, err);
}

/* The key is refused with a message naming why and how to make one, and
 * never quoting the key. */
static void
key_bad(const char *key, const char *why)
{
	char err[256] = "";

	assert_int_equal(hs_auth_key_check(key, err, sizeof err), HS_EUSAGE);
	if (strstr(err, why) == NULL)
		fail_msg("message '%s' lacks '%s'", err, why);
	assert_non_null(strstr(err, "openssl rand -hex 32"));
	assert_null(strchr(err, '\n'));
	if (key != NULL && strlen(key) >= 4 && strcmp(key, HS_KEY_PLACEHOLDER) != 0)
		assert_null(strstr(err, key));
}

static void
test_key_policy_refuses(void **state)
{
	char big[HS_KEY_MAX + 2];

	key_bad(NULL, "no authentication key");
	key_bad("", "no authentication key");
	key_bad("<not-secure>", "placeholder");
	key_bad("0123456789abcde", "too short");          /* 15 characters */
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';                       /* 1025 characters */
	key_bad(big, "too long");
	key_bad("0123456789abcdef 123", "character outside");
	key_bad("0123456789abcdef\n123", "character outside");
	key_bad("0123456789abcdef:123", "character outside");
	key_bad("0123456789abcdef\xc3\xa9", "character outside");
	key_bad("s3cretpassw0rd!!xyz", "character outside");
}

static void
test_key_policy_accepts(void **state)
{
	char big[HS_KEY_MAX + 1];

	key_ok("0123456789abcdef");                       /* 16: the least */
	key_ok("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
	key_ok("q83vEjRWeJq83vEjRWeJ+/Qz9w==");            /* base64 */
	key_ok("q83vEjRWeJq83vEjRWeJ-_Qz9w");              /* url-safe base64 */
	key_ok("a.b-c_d+e/f=g.h-i_j");
	memset(big, 'Z', sizeof big - 1);
	big[sizeof big - 1] = '\0';                       /* 1024: the most */
	key_ok(big);
}

static void
test_new_key(void **state)
{
	char a[129], b[129], err[256];

	memset(a, 'x', sizeof a);
	assert_int_equal(hs_auth_new_key(a), HS_OK);
	assert_int_equal(strlen(a), 128);
	assert_int_equal(strspn(a, "0123456789abcdef"), 128);
	assert_int_equal(hs_auth_key_check(a, err, sizeof err), HS_OK);
	assert_int_equal(hs_auth_new_key(b), HS_OK);
	assert_string_not_equal(a, b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answer),
		cmocka_unit_test(test_fixed_vector),
		cmocka_unit_test(test_proofs_differ),
		cmocka_unit_test(test_nonces_not_interchangeable),
		cmocka_unit_test(test_proof_bad_arguments),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_key_policy_refuses),
		cmocka_unit_test(test_key_policy_accepts),
		cmocka_unit_test(test_new_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
