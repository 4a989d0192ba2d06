/* tls.h: TLS for the queue transport (OpenSSL 3).
 *
 * Server side: certificate and key from configuration, or generated on
 * first start (RSA-3072, self-signed, ten years, SANs: FQDN, short host
 * name, localhost, 127.0.0.1, ::1) into <site lib>/tls/ with the key 0600
 * and the certificate 0644. TLS 1.2 minimum (or 1.3), server cipher
 * preference, no renegotiation, no compression, no session tickets'
 * early data; optional client certificates (mutual TLS).
 *
 * Client side, in order of precedence (the seed's verification modes):
 *   1. insecure        - no verification; warns on every connection
 *   2. fingerprint pin - SHA-256 of the server certificate must match;
 *                        the pin is the whole trust decision (dates and
 *                        names are not checked, as in the original)
 *   3. cafile          - chain must verify to it; the name is checked
 *                        against servername, or, when servername is unset,
 *                        against the dialled host
 *   4. system store    - default CA paths (SSL_CERT_FILE/SSL_CERT_DIR
 *                        honoured), name checked against servername or
 *                        the dialled host
 * Mode 3 deliberately tightens the seed, which checks no name there
 * without servername and so accepts any certificate the CA ever issued.
 * Names match DNS SANs only (never the CN), IP literals match IP SANs, and
 * partial wildcards ("w*.example") are refused.
 *
 * Every private key loaded (server key, client key, auto-generated key)
 * must not be accessible by group or others, and must not be encrypted.
 * Errors are one line: "TLS: ...". Unusable configured files or values
 * are HS_ECONFIG; a peer that fails verification is HS_EINPUT.
 */
#ifndef HS_TLS_H
#define HS_TLS_H

#include <openssl/ssl.h>
#include <stdbool.h>

#include "err.h"

#define HS_FP_LEN 102   /* "SHA256:" + 32 * "XX:" - 1 */

struct hs_tls_config {
	bool enabled;
	const char *cert;          /* server certificate (PEM path) */
	const char *key;           /* server private key (PEM path) */
	const char *cafile;        /* client: trust anchor; NULL = system store */
	const char *fingerprint;   /* client: pinned server fingerprint, or NULL */
	const char *servername;    /* client: SNI and the name to check, or NULL */
	const char *ciphers;       /* OpenSSL cipher list (TLS 1.2), or NULL */
	bool insecure;             /* client: skip verification */
	int min_version;           /* TLS1_2_VERSION or TLS1_3_VERSION */
	const char *client_cafile; /* server: require client certs from this CA */
	const char *client_cert;   /* client: certificate for mutual TLS, or NULL */
	const char *client_key;    /* client: its key */
};

/* Make sure dir/server.crt and dir/server.key exist, generating them if
 * either is missing (dir is created 0700, its parents 0755). Logs
 * "Generated TLS certificate <path> (SHA256:..)" at INFO when generating,
 * the fingerprint at DEBUG when reusing. *cert and *key get malloc'd
 * paths (NULL on error). A key file accessible by group or others is
 * refused (HS_ECONFIG, naming the file and "chmod 600"). Files are written
 * to temporary names and renamed; generation is serialised between
 * processes by flock on dir/server.lock. */
hs_err hs_tls_ensure_cert(const char *dir, char **cert, char **key);

/* SSL_CTX for the server or the client from c. min_version must be
 * TLS1_2_VERSION or TLS1_3_VERSION. Errors: HS_ECONFIG with the file and
 * OpenSSL's reason, e.g. "TLS: cannot load certificate <path>: <why>".
 * A malformed fingerprint is reported here, not at connection time. */
hs_err hs_tls_server_ctx(const struct hs_tls_config *c, SSL_CTX **out);
hs_err hs_tls_client_ctx(const struct hs_tls_config *c, SSL_CTX **out);

/* Before the client handshake: set SNI and the expected name on ssl.
 * The name is servername if set, else host (as dialled, no brackets). SNI
 * is sent unless the name is an IP literal; modes 3-4 check the name
 * (an IP literal as an IP SAN). HS_ECONFIG in modes 3-4 when there is no
 * name at all. */
hs_err hs_tls_client_prepare(SSL *ssl, const struct hs_tls_config *c,
                             const char *host);

/* After the client handshake: enforce the pin (mode 2: HS_EINPUT
 * "TLS: server certificate fingerprint <got> does not match the pinned
 * <want>"), warn in mode 1, and report verification failures of modes 3-4
 * (normally the handshake itself has failed already). */
hs_err hs_tls_client_check(SSL *ssl, const struct hs_tls_config *c);

/* "SHA256:AB:CD:..." of a certificate (DER), uppercase. */
hs_err hs_tls_fingerprint(X509 *cert, char out[HS_FP_LEN + 1]);
/* The same of the first certificate in a PEM file (HS_ECONFIG naming
 * the file if it cannot be read). */
hs_err hs_tls_cert_file_fingerprint(const char *path, char out[HS_FP_LEN + 1]);
/* Accept "SHA256:AA:..", colon hex or bare hex (64 digits), any case; no
 * whitespace. HS_EINPUT otherwise; out is written only on success. */
hs_err hs_tls_fingerprint_parse(const char *text, unsigned char out[32]);

/* 32 bytes of keying material bound to this TLS session (RFC 5705,
 * label "EXPORTER-Channel-Binding" as RFC 9266 tls-exporter). Refused
 * (HS_EINPUT) on TLS 1.2 without extended master secret, as RFC 9266
 * requires; HS_EINTERNAL before the handshake has completed. */
hs_err hs_tls_binding(SSL *ssl, unsigned char out[32]);

/* Describe why a handshake failed, from the OpenSSL error queue and
 * ssl's verify result, as one line without the "TLS: " prefix, e.g.
 * "certificate verify failed: hostname mismatch" (clears the queue).
 * ssl may be NULL for errors outside a connection. */
void hs_tls_error(SSL *ssl, char *buf, size_t len);

#endif
