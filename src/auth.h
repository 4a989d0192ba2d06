/* auth.h: the shared-key proof of the queue handshake.
 *
 * Both sides prove they hold the key without sending it: each sends a
 * fresh 32-byte nonce, and each proves with
 *     HMAC-SHA256(key, "hypershell-v1 " role || nonce_c || nonce_s || binding)
 * where role is "server" or "client" (so one side's proof is never valid
 * for the other) and binding is the TLS exporter value (empty without
 * TLS), so a relaying man in the middle holds two different TLS sessions
 * and both proofs fail. Pure apart from the random source.
 */
#ifndef HS_AUTH_H
#define HS_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define HS_NONCE_LEN 32
#define HS_PROOF_LEN 32
#define HS_KEY_MIN 16
#define HS_KEY_MAX 1024
#define HS_KEY_PLACEHOLDER "<not-secure>"

enum hs_role { HS_ROLE_SERVER, HS_ROLE_CLIENT };

/* Compute the proof of role. */
hs_err hs_auth_proof(const char *key, size_t keylen, enum hs_role role,
                     const unsigned char nonce_c[HS_NONCE_LEN],
                     const unsigned char nonce_s[HS_NONCE_LEN],
                     const unsigned char *binding, size_t bindlen,
                     unsigned char out[HS_PROOF_LEN]);

/* Constant-time comparison of two proofs. */
bool hs_auth_equal(const unsigned char a[HS_PROOF_LEN],
                   const unsigned char b[HS_PROOF_LEN]);

/* The server's key policy: not the placeholder, HS_KEY_MIN..HS_KEY_MAX
 * characters of [A-Za-z0-9._+/=-]. HS_EUSAGE with a message saying how to
 * generate one. */
hs_err hs_auth_key_check(const char *key, char *err, size_t errlen);

/* A fresh key: 64 random bytes as 128 hex characters. */
hs_err hs_auth_new_key(char out[129]);

#endif
