/* tls.c: TLS contexts, the auto-generated certificate, fingerprints and
 * channel binding (OpenSSL 3). tls.h describes the verification modes.
 *
 * Every failure records a one-line detail with hs_fail() that starts with
 * "TLS: "; OpenSSL reasons are taken from the error queue, which is
 * cleared before each operation that reports from it.
 */
#include "tls.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "site.h"

#define TLS_RSA_BITS       3072
#define TLS_CERT_DAYS      3650
#define TLS_BACKDATE_SECS  (5 * 60)      /* tolerate clocks a little behind */
#define TLS_CN_MAX         64            /* upper bound of X.520 commonName */
#define TLS_SERIAL_BYTES   16
#define TLS_GROUPS         "X25519:P-256:P-384"
#define TLS_CIPHERS        "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL:!MD5:" \
                           "!SHA1:!RC4:!3DES:!CBC"
#define TLS_SESSION_CTX    "hypershell"
#define TLS_EXPORTER_LABEL "EXPORTER-Channel-Binding"
#define TLS_BINDING_LEN    32
#define TLS_SHA256_LEN     32
#define TLS_REASON_MAX     256           /* room for an OpenSSL reason chain */
#define TLS_SAN_COUNT      5

#define CERT_NAME "server.crt"
#define KEY_NAME  "server.key"
#define LOCK_NAME "server.lock"

/* The client verification modes of tls.h, in order of precedence. */
enum tls_mode { MODE_INSECURE = 1, MODE_PIN, MODE_CAFILE, MODE_SYSTEM };

/* A bounded one-line string being built: buf[len], off bytes used. */
struct line {
	char *buf;
	size_t len;
	size_t off;
};

static bool
isset(const char *s)
{
	return s != NULL && *s != '\0';
}

static enum tls_mode
client_mode(const struct hs_tls_config *c)
{
	if (c->insecure)
		return MODE_INSECURE;
	if (isset(c->fingerprint))
		return MODE_PIN;
	if (isset(c->cafile))
		return MODE_CAFILE;
	return MODE_SYSTEM;
}

static bool
is_ip_literal(const char *s)
{
	unsigned char a[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

/* Append s to l, separated by ": ", unless it is empty or already there. */
static void
line_add(struct line *l, const char *s)
{
	int n;

	if (s == NULL || *s == '\0' || strstr(l->buf, s) != NULL)
		return;
	n = snprintf(l->buf + l->off, l->len - l->off, "%s%s",
	             l->off > 0 ? ": " : "", s);
	if (n < 0)
		return;
	l->off += (size_t)n;
	if (l->off >= l->len)
		l->off = l->len - 1;
}

/* Keep a reason on one line whatever OpenSSL put in it. */
static void
line_flatten(char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '\n' || *s == '\r' || *s == '\t')
			*s = ' ';
}

static const char *
err_reason(unsigned long e, char *tmp, size_t len)
{
	const char *r;

	if (ERR_SYSTEM_ERROR(e))
		return strerror(ERR_GET_REASON(e));
	r = ERR_reason_error_string(e);
	if (r != NULL)
		return r;
	ERR_error_string_n(e, tmp, len);
	return tmp;
}

/* "We came from here" reasons ("PEM lib", "system lib") say where an
 * error passed through, not what it was. */
static bool
is_marker(unsigned long e)
{
	int r = ERR_GET_REASON(e);

	return !ERR_SYSTEM_ERROR(e) && (r & ERR_RFLAG_COMMON) != 0 &&
	       (r & ((1 << ERR_RFLAGS_OFFSET) - 1)) < 256;
}

/* Contract: ssl may be NULL (configuration errors); buf gets a non-empty
 * line when len > 0; the thread's error queue is empty afterwards. The
 * verify result is added when OpenSSL said the chain failed, or when the
 * queue is silent but peer verification was on and failed. */
void
hs_tls_error(SSL *ssl, char *buf, size_t len)
{
	struct line l = {buf, len, 0};
	char tmp[TLS_REASON_MAX];
	bool chain_failed = false;
	unsigned long e, marker = 0;
	long v;

	if (len == 0) {
		ERR_clear_error();
		return;
	}
	buf[0] = '\0';
	while ((e = ERR_get_error()) != 0) {
		if (ERR_GET_LIB(e) == ERR_LIB_SSL &&
		    ERR_GET_REASON(e) == SSL_R_CERTIFICATE_VERIFY_FAILED)
			chain_failed = true;
		if (is_marker(e))
			marker = e;
		else
			line_add(&l, err_reason(e, tmp, sizeof tmp));
	}
	if (l.off == 0 && marker != 0)
		line_add(&l, err_reason(marker, tmp, sizeof tmp));
	if (ssl != NULL && (v = SSL_get_verify_result(ssl)) != X509_V_OK &&
	    (chain_failed ||
	     (l.off == 0 && (SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER))))
		line_add(&l, X509_verify_cert_error_string(v));
	if (l.off == 0)
		line_add(&l, ssl != NULL ? "handshake failed (connection closed)"
		                         : "unknown OpenSSL error");
	line_flatten(buf);
}

/* Record "TLS: <what> <path>: <openssl reason>" as code. */
static hs_err
ossl_fail(hs_err code, const char *what, const char *path)
{
	char why[TLS_REASON_MAX];

	hs_tls_error(NULL, why, sizeof why);
	if (path == NULL)
		return hs_fail(code, "TLS: %s: %s", what, why);
	return hs_fail(code, "TLS: %s %s: %s", what, path, why);
}

/* ---- fingerprints ---------------------------------------------------- */

static hs_err
cert_digest(X509 *x, unsigned char md[TLS_SHA256_LEN])
{
	unsigned int n = 0;

	ERR_clear_error();
	if (x == NULL || X509_digest(x, EVP_sha256(), md, &n) != 1 ||
	    n != TLS_SHA256_LEN)
		return ossl_fail(HS_EINTERNAL, "cannot hash the certificate", NULL);
	return HS_OK;
}

static void
fp_format(const unsigned char md[TLS_SHA256_LEN], char out[HS_FP_LEN + 1])
{
	static const char hex[] = "0123456789ABCDEF";
	char *p = out;

	memcpy(p, "SHA256:", 7);
	p += 7;
	for (int i = 0; i < TLS_SHA256_LEN; i++) {
		if (i > 0)
			*p++ = ':';
		*p++ = hex[md[i] >> 4];
		*p++ = hex[md[i] & 0xf];
	}
	*p = '\0';
}

hs_err
hs_tls_fingerprint(X509 *cert, char out[HS_FP_LEN + 1])
{
	unsigned char md[TLS_SHA256_LEN];
	hs_err e;

	out[0] = '\0';
	if ((e = cert_digest(cert, md)) == HS_OK)
		fp_format(md, out);
	return e;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Contract: out is written only on success. After an optional "SHA256:"
 * prefix (any case) the text is exactly 64 hex digits, or 32 hex pairs
 * separated by single colons; no whitespace. */
hs_err
hs_tls_fingerprint_parse(const char *text, unsigned char out[32])
{
	unsigned char md[TLS_SHA256_LEN];
	const char *p = text;
	size_t n, step;

	if (p == NULL)
		goto bad;
	if (strncasecmp(p, "SHA256:", 7) == 0)
		p += 7;
	n = strlen(p);
	if (n == 2 * TLS_SHA256_LEN)
		step = 2;
	else if (n == 3 * TLS_SHA256_LEN - 1)
		step = 3;
	else
		goto bad;
	for (size_t i = 0; i < TLS_SHA256_LEN; i++) {
		const char *q = p + i * step;
		int hi = hexval(q[0]), lo = hexval(q[1]);

		if (hi < 0 || lo < 0)
			goto bad;
		if (step == 3 && i + 1 < TLS_SHA256_LEN && q[2] != ':')
			goto bad;
		md[i] = (unsigned char)(hi << 4 | lo);
	}
	memcpy(out, md, sizeof md);
	return HS_OK;
bad:
	return hs_fail(HS_EINPUT, "TLS: malformed fingerprint (expected "
	               "SHA256:XX:XX:... with 32 hex bytes)");
}

/* ---- shared context settings ------------------------------------------ */

/* Never prompt on the terminal for a key passphrase: encrypted keys are
 * not supported and fail to load instead. u, if set, is a bool that
 * records that a passphrase was wanted. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag;
	if (u != NULL)
		*(bool *)u = true;
	return -1;
}

static hs_err
ctx_common(SSL_CTX *ctx, const struct hs_tls_config *c)
{
	const char *ciphers = isset(c->ciphers) ? c->ciphers : TLS_CIPHERS;

	if (c->min_version != TLS1_2_VERSION && c->min_version != TLS1_3_VERSION)
		return hs_fail(HS_ECONFIG, "TLS: unsupported min_version 0x%x "
		               "(TLSv1.2 or TLSv1.3)", (unsigned)c->min_version);
	ERR_clear_error();
	if (SSL_CTX_set_min_proto_version(ctx, c->min_version) != 1)
		return ossl_fail(HS_ECONFIG, "cannot set min_version", NULL);
	SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE |
	                    SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
	/* an idle connection holds no 16 KiB record buffers: thousands of
	 * quiet clients cost little memory */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	/* 0-RTT data is replayable, and our frames are commands */
	SSL_CTX_set_max_early_data(ctx, 0);
	SSL_CTX_set_recv_max_early_data(ctx, 0);
	SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
	if (SSL_CTX_set_cipher_list(ctx, ciphers) != 1)
		return ossl_fail(HS_ECONFIG, "bad cipher list", ciphers);
	if (SSL_CTX_set1_groups_list(ctx, TLS_GROUPS) != 1)
		return ossl_fail(HS_EINTERNAL, "cannot set key exchange groups",
		                 NULL);
	return HS_OK;
}

/* Whether the oldest or the newest queued error is lib/reason (OpenSSL
 * offers no way to look further without popping). */
static bool
queue_has(int lib, int reason)
{
	unsigned long e[2] = {ERR_peek_error(), ERR_peek_last_error()};

	for (int i = 0; i < 2; i++)
		if (e[i] != 0 && ERR_GET_LIB(e[i]) == lib &&
		    ERR_GET_REASON(e[i]) == reason)
			return true;
	return false;
}

/* A private key must be the owner's alone (OpenSMTPD's rule). */
static hs_err
check_key_mode(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return hs_fail(HS_ECONFIG, "TLS: cannot load key %s: %s", path,
		               strerror(errno));
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		return hs_fail(HS_ECONFIG, "TLS: private key %s is accessible by "
		               "group or others (mode %03o); chmod 600 %s", path,
		               (unsigned)(st.st_mode & 0777), path);
	return HS_OK;
}

static hs_err
load_key(SSL_CTX *ctx, const char *cert, const char *key)
{
	bool asked = false;
	int ok;

	SSL_CTX_set_default_passwd_cb_userdata(ctx, &asked);
	ok = SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM);
	SSL_CTX_set_default_passwd_cb_userdata(ctx, NULL);
	if (ok == 1 && SSL_CTX_check_private_key(ctx) == 1)
		return HS_OK;
	if (ok == 1 || queue_has(ERR_LIB_X509, X509_R_KEY_VALUES_MISMATCH)) {
		ERR_clear_error();
		return hs_fail(HS_ECONFIG, "TLS: key %s does not match certificate "
		               "%s", key, cert);
	}
	if (asked) {
		ERR_clear_error();
		return hs_fail(HS_ECONFIG, "TLS: cannot load key %s: it is encrypted "
		               "(passphrases are not supported)", key);
	}
	return ossl_fail(HS_ECONFIG, "cannot load key", key);
}

static hs_err
load_identity(SSL_CTX *ctx, const char *cert, const char *key)
{
	hs_err e;

	if ((e = check_key_mode(key)) != HS_OK)
		return e;
	ERR_clear_error();
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
		return ossl_fail(HS_ECONFIG, "cannot load certificate", cert);
	return load_key(ctx, cert, key);
}

/* Mutual TLS: ask for, and require, a client certificate from cafile. */
static hs_err
require_client_certs(SSL_CTX *ctx, const char *cafile)
{
	STACK_OF(X509_NAME) *names;

	ERR_clear_error();
	if (SSL_CTX_load_verify_locations(ctx, cafile, NULL) != 1 ||
	    (names = SSL_load_client_CA_file(cafile)) == NULL)
		return ossl_fail(HS_ECONFIG, "cannot load client CA file", cafile);
	SSL_CTX_set_client_CA_list(ctx, names);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
	                   SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	return HS_OK;
}

hs_err
hs_tls_server_ctx(const struct hs_tls_config *c, SSL_CTX **out)
{
	SSL_CTX *ctx = NULL;
	hs_err e;

	*out = NULL;
	if (!isset(c->cert) || !isset(c->key))
		return hs_fail(HS_ECONFIG, "TLS: no server certificate or key");
	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		e = ossl_fail(HS_ENOMEM, "cannot create a context", NULL);
		goto out;
	}
	if ((e = ctx_common(ctx, c)) != HS_OK ||
	    (e = load_identity(ctx, c->cert, c->key)) != HS_OK)
		goto out;
	if (isset(c->client_cafile) &&
	    (e = require_client_certs(ctx, c->client_cafile)) != HS_OK)
		goto out;
	/* resumed sessions must keep the client-certificate decision */
	SSL_CTX_set_session_id_context(ctx, (const unsigned char *)TLS_SESSION_CTX,
	                               sizeof TLS_SESSION_CTX - 1);
	/* clients hold one long connection: a session cache and tickets would
	 * only cost memory per client (and tickets are replayable state) */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_num_tickets(ctx, 0);
	*out = ctx;
	ctx = NULL;
out:
	SSL_CTX_free(ctx);
	return e;
}

static hs_err
client_verify(SSL_CTX *ctx, const struct hs_tls_config *c)
{
	unsigned char pin[TLS_SHA256_LEN];

	ERR_clear_error();
	switch (client_mode(c)) {
	case MODE_INSECURE:
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
		return HS_OK;
	case MODE_PIN:
		/* checked after the handshake by hs_tls_client_check */
		if (hs_tls_fingerprint_parse(c->fingerprint, pin) != HS_OK)
			return hs_fail(HS_ECONFIG, "TLS: malformed fingerprint '%.120s' "
			               "(expected SHA256:XX:XX:... with 32 hex bytes)",
			               c->fingerprint);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
		return HS_OK;
	case MODE_CAFILE:
		if (SSL_CTX_load_verify_locations(ctx, c->cafile, NULL) != 1)
			return ossl_fail(HS_ECONFIG, "cannot load CA file", c->cafile);
		break;
	case MODE_SYSTEM:
		if (SSL_CTX_set_default_verify_paths(ctx) != 1)
			return ossl_fail(HS_ECONFIG, "cannot load the system CA store",
			                 NULL);
		break;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	return HS_OK;
}

hs_err
hs_tls_client_ctx(const struct hs_tls_config *c, SSL_CTX **out)
{
	SSL_CTX *ctx = NULL;
	hs_err e;

	*out = NULL;
	if (isset(c->client_cert) != isset(c->client_key))
		return hs_fail(HS_ECONFIG, "TLS: client_cert and client_key must be "
		               "set together");
	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		e = ossl_fail(HS_ENOMEM, "cannot create a context", NULL);
		goto out;
	}
	if ((e = ctx_common(ctx, c)) != HS_OK ||
	    (e = client_verify(ctx, c)) != HS_OK)
		goto out;
	if (isset(c->client_cert) &&
	    (e = load_identity(ctx, c->client_cert, c->client_key)) != HS_OK)
		goto out;
	*out = ctx;
	ctx = NULL;
out:
	SSL_CTX_free(ctx);
	return e;
}

/* ---- per connection --------------------------------------------------- */

/* Names are matched against DNS SANs only (a CN is never a host name) and
 * without partial wildcards such as "w*.example". */
static hs_err
expect_name(SSL *ssl, const char *name, bool ip)
{
	int ok;

	ERR_clear_error();
	if (ip) {
		ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name);
	} else {
		SSL_set_hostflags(ssl, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT |
		                  X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		ok = SSL_set1_host(ssl, name);
	}
	if (ok != 1)
		return ossl_fail(HS_ECONFIG, "cannot check the server name", name);
	return HS_OK;
}

/* Contract: the name is servername if set, else host (as dialled, without
 * brackets). SNI carries it unless it is an IP literal (RFC 6066). Modes
 * 3 and 4 check it against the certificate: as an IP SAN for a literal,
 * else as a DNS SAN.
 *
 * Deliberate tightening of the seed: the original checks no name in mode
 * 3 (cafile) when servername is unset, so any certificate from that CA,
 * for any host, is accepted. Here mode 3 checks the dialled host then,
 * exactly as mode 4 does. The auto-generated certificate names the FQDN,
 * the short host name, localhost, 127.0.0.1 and ::1, so single-host and
 * shared-filesystem setups keep working; a client that dials another
 * name or address must set servername to a name in the certificate. */
hs_err
hs_tls_client_prepare(SSL *ssl, const struct hs_tls_config *c,
                      const char *host)
{
	const char *name = isset(c->servername) ? c->servername : host;
	enum tls_mode m = client_mode(c);
	bool check = m == MODE_CAFILE || m == MODE_SYSTEM;
	bool ip;

	if (!isset(name)) {
		if (check)
			return hs_fail(HS_ECONFIG, "TLS: no host name to check the "
			               "server certificate against");
		return HS_OK;
	}
	ip = is_ip_literal(name);
	ERR_clear_error();
	if (!ip && SSL_set_tlsext_host_name(ssl, name) != 1)
		return ossl_fail(HS_ECONFIG, "bad server name", name);
	return check ? expect_name(ssl, name, ip) : HS_OK;
}

static hs_err
check_pin(X509 *peer, const char *pin_text)
{
	unsigned char want[TLS_SHA256_LEN], got[TLS_SHA256_LEN];
	char want_s[HS_FP_LEN + 1], got_s[HS_FP_LEN + 1];
	hs_err e;

	if (hs_tls_fingerprint_parse(pin_text, want) != HS_OK)
		return hs_fail(HS_ECONFIG, "TLS: malformed fingerprint");
	if ((e = cert_digest(peer, got)) != HS_OK)
		return e;
	if (CRYPTO_memcmp(want, got, sizeof got) == 0)
		return HS_OK;
	fp_format(got, got_s);
	fp_format(want, want_s);
	return hs_fail(HS_EINPUT, "TLS: server certificate fingerprint %s does "
	               "not match the pinned %s", got_s, want_s);
}

/* "host:port" ("[v6]:port") of the socket's peer, or "" if it has none. */
static void
peer_name(SSL *ssl, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char host[NI_MAXHOST], port[NI_MAXSERV];
	int fd = SSL_get_fd(ssl);

	buf[0] = '\0';
	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &sl) != 0 ||
	    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6) ||
	    getnameinfo((struct sockaddr *)&ss, sl, host, sizeof host, port,
	                sizeof port, NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		return;
	snprintf(buf, len, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s",
	         host, port);
}

static void
warn_insecure(SSL *ssl)
{
	char peer[NI_MAXHOST + NI_MAXSERV + 4];

	if (HS_WARNING < hs_log_threshold)
		return;
	peer_name(ssl, peer, sizeof peer);
	log_warning("TLS verification disabled (insecure = true): the server "
	            "is not authenticated%s%s%s", peer[0] ? " (peer " : "", peer,
	            peer[0] ? ")" : "");
}

/* Contract: call after SSL_connect succeeded. The pin is the whole trust
 * decision in mode 2: like the original, the certificate's dates and names
 * are not checked then. Modes 3-4 already failed the handshake on a bad
 * chain or name; the verify result is checked again as a safety net. */
hs_err
hs_tls_client_check(SSL *ssl, const struct hs_tls_config *c)
{
	X509 *peer = SSL_get1_peer_certificate(ssl);
	hs_err e = HS_OK;
	long v;

	if (peer == NULL)
		return hs_fail(HS_EINPUT, "TLS: the server presented no certificate");
	switch (client_mode(c)) {
	case MODE_INSECURE:
		warn_insecure(ssl);
		break;
	case MODE_PIN:
		e = check_pin(peer, c->fingerprint);
		break;
	case MODE_CAFILE:
	case MODE_SYSTEM:
		if ((v = SSL_get_verify_result(ssl)) != X509_V_OK)
			e = hs_fail(HS_EINPUT, "TLS: certificate verify failed: %s",
			            X509_verify_cert_error_string(v));
		break;
	}
	X509_free(peer);
	return e;
}

/* RFC 9266 forbids tls-exporter over TLS 1.2 without the extended master
 * secret (RFC 7627): a relay could then make both legs share a secret. */
hs_err
hs_tls_binding(SSL *ssl, unsigned char out[32])
{
	if (!SSL_is_init_finished(ssl))
		return hs_fail(HS_EINTERNAL, "TLS: channel binding before the "
		               "handshake completed");
	if (SSL_version(ssl) < TLS1_3_VERSION && SSL_get_extms_support(ssl) != 1)
		return hs_fail(HS_EINPUT, "TLS: the session has no extended master "
		               "secret; channel binding refused");
	ERR_clear_error();
	if (SSL_export_keying_material(ssl, out, TLS_BINDING_LEN,
	                               TLS_EXPORTER_LABEL,
	                               sizeof TLS_EXPORTER_LABEL - 1,
	                               NULL, 0, 0) != 1)
		return ossl_fail(HS_EINTERNAL, "cannot export keying material", NULL);
	return HS_OK;
}

/* ---- the auto-generated certificate ----------------------------------- */

static bool
usable_fqdn(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && !(n >= 5 && strcasecmp(s + n - 5, ".arpa") == 0);
}

static void
copy_name(char *dst, size_t len, const char *src, size_t n)
{
	if (n >= len)
		n = 0;      /* too long to be a host name: leave it out */
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The canonical name of gethostname() (or gethostname() itself when the
 * resolver has nothing better) and the short name before its first dot.
 * Either may come back empty. */
static void
host_names(char *fqdn, size_t flen, char *shortn, size_t slen)
{
	char host[HOST_NAME_MAX + 1] = "";
	struct addrinfo hints, *res = NULL;
	const char *best = host;

	if (gethostname(host, sizeof host) != 0)
		host[0] = '\0';
	host[sizeof host - 1] = '\0';
	memset(&hints, 0, sizeof hints);
	hints.ai_flags = AI_CANONNAME;
	hints.ai_socktype = SOCK_STREAM;
	if (host[0] != '\0' && getaddrinfo(host, NULL, &hints, &res) == 0 &&
	    res != NULL && res->ai_canonname != NULL &&
	    usable_fqdn(res->ai_canonname))
		best = res->ai_canonname;
	copy_name(fqdn, flen, best, strlen(best));
	if (host[0] == '\0')
		best = fqdn;
	else
		best = host;
	copy_name(shortn, slen, best, strcspn(best, "."));
	if (res != NULL)
		freeaddrinfo(res);
}

/* 126 random bits: positive, non-zero, always 16 bytes of DER. */
static int
set_serial(X509 *x)
{
	unsigned char b[TLS_SERIAL_BYTES];
	BIGNUM *bn;
	int ok;

	if (RAND_bytes(b, sizeof b) != 1)
		return 0;
	b[0] = (unsigned char)((b[0] & 0x3f) | 0x40);
	if ((bn = BN_bin2bn(b, sizeof b, NULL)) == NULL)
		return 0;
	ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
	BN_free(bn);
	return ok;
}

static int
set_names(X509 *x, const char *host)
{
	X509_NAME *name = X509_get_subject_name(x);
	char cn[TLS_CN_MAX + 1];
	size_t n = strnlen(host, TLS_CN_MAX);

	memcpy(cn, host, n);
	cn[n] = '\0';
	if (n == 0)
		memcpy(cn, "hypershell", sizeof "hypershell");
	if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	                               (const unsigned char *)"HyperShell",
	                               -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	                               (const unsigned char *)cn, -1, -1, 0) != 1)
		return 0;
	return X509_set_issuer_name(x, name);
}

static int
add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value)) == NULL)
		return 0;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

/* SANs without duplicates, IP literals as iPAddress, others as dNSName.
 * Built as structures, not as a config string, so that no host name can
 * smuggle in another entry. */
static int
add_sans(X509 *x, const char *const names[], size_t count)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	GENERAL_NAME *g;
	int ok = 0;

	if (gens == NULL)
		return 0;
	for (size_t i = 0; i < count; i++) {
		bool dup = names[i][0] == '\0';

		for (size_t j = 0; j < i && !dup; j++)
			dup = strcasecmp(names[i], names[j]) == 0;
		if (dup)
			continue;
		g = a2i_GENERAL_NAME(NULL, NULL, NULL, is_ip_literal(names[i]) ?
		                     GEN_IPADD : GEN_DNS, names[i], 0);
		if (g == NULL || sk_GENERAL_NAME_push(gens, g) == 0) {
			GENERAL_NAME_free(g);
			goto out;
		}
	}
	ok = X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0,
	                       X509V3_ADD_DEFAULT);
out:
	GENERAL_NAMES_free(gens);
	return ok;
}

static int
add_extensions(X509 *x, const char *fqdn, const char *shortn)
{
	const char *sans[TLS_SAN_COUNT] = {
		fqdn, shortn, "localhost", "127.0.0.1", "::1",
	};

	return add_ext(x, NID_basic_constraints, "critical,CA:FALSE") == 1 &&
	       add_ext(x, NID_key_usage,
	               "critical,digitalSignature,keyEncipherment") == 1 &&
	       add_ext(x, NID_ext_key_usage, "serverAuth") == 1 &&
	       add_ext(x, NID_subject_key_identifier, "hash") == 1 &&
	       add_sans(x, sans, TLS_SAN_COUNT) == 1;
}

static hs_err
make_cert(EVP_PKEY *pkey, X509 **out)
{
	char fqdn[NI_MAXHOST], shortn[NI_MAXHOST];
	X509 *x;

	host_names(fqdn, sizeof fqdn, shortn, sizeof shortn);
	ERR_clear_error();
	if ((x = X509_new()) == NULL ||
	    X509_set_version(x, X509_VERSION_3) != 1 || set_serial(x) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -TLS_BACKDATE_SECS) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), TLS_CERT_DAYS, 0,
	                     NULL) == NULL ||
	    set_names(x, fqdn) != 1 || X509_set_pubkey(x, pkey) != 1 ||
	    add_extensions(x, fqdn, shortn) != 1 ||
	    X509_sign(x, pkey, EVP_sha256()) <= 0) {
		X509_free(x);
		return ossl_fail(HS_EINTERNAL, "cannot build the certificate", NULL);
	}
	*out = x;
	return HS_OK;
}

static hs_err
io_fail(const char *what, const char *path)
{
	return hs_fail(HS_EIO, "TLS: cannot %s %s: %s", what, path,
	               strerror(errno));
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Write bio's contents to a new file "<path>.XXXXXX", created with
 * O_EXCL and 0600 (mkostemp), then given mode and synced. On success *tmp
 * holds the malloc'd temporary name, to be renamed over path. */
static hs_err
tmp_write(const char *path, mode_t mode, BIO *bio, char **tmp)
{
	size_t n = strlen(path) + sizeof ".XXXXXX";
	char *t = malloc(n), *data = NULL;
	long len = BIO_get_mem_data(bio, &data);
	int fd = -1;
	hs_err e = HS_OK;

	*tmp = NULL;
	if (t == NULL)
		return hs_fail(HS_ENOMEM, NULL);
	snprintf(t, n, "%s.XXXXXX", path);
	if ((fd = mkostemp(t, O_CLOEXEC)) < 0) {
		e = io_fail("create", t);
		goto out;
	}
	if (len <= 0 || fchmod(fd, mode) != 0 ||
	    write_all(fd, data, (size_t)len) != 0 || fsync(fd) != 0)
		e = io_fail("write", t);
	if (close(fd) != 0 && e == HS_OK)
		e = io_fail("write", t);
	if (e != HS_OK)
		unlink(t);
out:
	if (e == HS_OK)
		*tmp = t;
	else
		free(t);
	return e;
}

/* Best effort: make the renames durable. */
static void
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

/* Key first, then certificate. If the second rename fails the new key is
 * removed, so that the next start sees a missing file and regenerates. */
static hs_err
write_pair(const char *dir, const char *cpath, BIO *cbio, const char *kpath,
           BIO *kbio)
{
	char *kt = NULL, *ct = NULL;
	hs_err e;

	if ((e = tmp_write(kpath, 0600, kbio, &kt)) != HS_OK ||
	    (e = tmp_write(cpath, 0644, cbio, &ct)) != HS_OK)
		goto out;
	if (rename(kt, kpath) != 0) {
		e = io_fail("rename", kt);
		goto out;
	}
	if (rename(ct, cpath) != 0) {
		e = io_fail("rename", ct);
		unlink(kpath);
		goto out;
	}
	sync_dir(dir);
out:
	if (kt != NULL && e != HS_OK)
		unlink(kt);
	if (ct != NULL && e != HS_OK)
		unlink(ct);
	free(kt);
	free(ct);
	return e;
}

static hs_err
generate(const char *dir, const char *cpath, const char *kpath)
{
	EVP_PKEY *pkey = NULL;
	X509 *x = NULL;
	BIO *kbio = NULL, *cbio = NULL;
	char fp[HS_FP_LEN + 1];
	hs_err e;

	ERR_clear_error();
	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)TLS_RSA_BITS);
	if (pkey == NULL) {
		e = ossl_fail(HS_EINTERNAL, "cannot generate an RSA key", NULL);
		goto out;
	}
	if ((e = make_cert(pkey, &x)) != HS_OK)
		goto out;
	/* secure-heap memory BIO: the PEM key is wiped when freed */
	if ((kbio = BIO_new(BIO_s_secmem())) == NULL ||
	    (cbio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PKCS8PrivateKey(kbio, pkey, NULL, NULL, 0, NULL,
	                                  NULL) != 1 ||
	    PEM_write_bio_X509(cbio, x) != 1) {
		e = ossl_fail(HS_EINTERNAL, "cannot encode the certificate", NULL);
		goto out;
	}
	if ((e = write_pair(dir, cpath, cbio, kpath, kbio)) != HS_OK ||
	    (e = hs_tls_fingerprint(x, fp)) != HS_OK)
		goto out;
	log_info("Generated TLS certificate %s (%s)", cpath, fp);
out:
	BIO_free(kbio);
	BIO_free(cbio);
	X509_free(x);
	EVP_PKEY_free(pkey);
	return e;
}

hs_err
hs_tls_cert_file_fingerprint(const char *path, char out[HS_FP_LEN + 1])
{
	BIO *bio = NULL;
	X509 *x = NULL;
	hs_err e;

	ERR_clear_error();
	if ((bio = BIO_new_file(path, "r")) == NULL ||
	    (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL)
		e = ossl_fail(HS_ECONFIG, "cannot load certificate", path);
	else
		e = hs_tls_fingerprint(x, out);
	X509_free(x);
	BIO_free(bio);
	return e;
}

/* Existing materials: the key must be private and the certificate must
 * parse; the key's match is left to hs_tls_server_ctx. */
static hs_err
reuse(const char *cpath, const char *kpath)
{
	char fp[HS_FP_LEN + 1];
	hs_err e;

	if ((e = check_key_mode(kpath)) != HS_OK ||
	    (e = hs_tls_cert_file_fingerprint(cpath, fp)) != HS_OK)
		return e;
	log_debug("Using TLS certificate %s (%s)", cpath, fp);
	return HS_OK;
}

static hs_err
exists(const char *path, bool *yes)
{
	struct stat st;

	*yes = stat(path, &st) == 0;
	if (!*yes && errno != ENOENT)
		return io_fail("stat", path);
	return HS_OK;
}

/* The parents as any site directory, the last component 0700. */
static hs_err
make_dir(const char *dir)
{
	hs_err e;

	if ((e = hs_mkdirs_for(dir)) != HS_OK)
		return e;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return io_fail("create directory", dir);
	return HS_OK;
}

/* Serialise generation between processes sharing the site (two servers
 * starting at once must not end up with one's key and the other's
 * certificate). *fd is -1 when the lock could not be taken. */
static hs_err
lock_dir(const char *dir, int *fd)
{
	char *p = hs_path_join(dir, LOCK_NAME);
	hs_err e = HS_OK;

	*fd = -1;
	if (p == NULL)
		return hs_fail(HS_ENOMEM, NULL);
	if ((*fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		e = io_fail("open", p);
		goto out;
	}
	while (flock(*fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			e = io_fail("lock", p);
			close(*fd);
			*fd = -1;
			break;
		}
	}
out:
	free(p);
	return e;
}

static hs_err
ensure_locked(const char *dir, const char *cpath, const char *kpath)
{
	bool have_c, have_k;
	hs_err e;

	if ((e = exists(cpath, &have_c)) != HS_OK ||
	    (e = exists(kpath, &have_k)) != HS_OK)
		return e;
	if (have_c && have_k)
		return reuse(cpath, kpath);
	if (have_c || have_k)
		log_warning("TLS: %s is missing; generating a new certificate and "
		            "key", have_c ? kpath : cpath);
	return generate(dir, cpath, kpath);
}

hs_err
hs_tls_ensure_cert(const char *dir, char **cert, char **key)
{
	char *c = NULL, *k = NULL;
	bool have_c = false, have_k = false;
	int lock = -1;
	hs_err e;

	*cert = *key = NULL;
	if ((c = hs_path_join(dir, CERT_NAME)) == NULL ||
	    (k = hs_path_join(dir, KEY_NAME)) == NULL) {
		e = hs_fail(HS_ENOMEM, NULL);
		goto out;
	}
	/* the common case needs no write access to dir */
	if ((e = exists(c, &have_c)) != HS_OK ||
	    (e = exists(k, &have_k)) != HS_OK)
		goto out;
	if (have_c && have_k)
		e = reuse(c, k);
	else if ((e = make_dir(dir)) == HS_OK &&
	         (e = lock_dir(dir, &lock)) == HS_OK)
		e = ensure_locked(dir, c, k);
	if (e == HS_OK) {
		*cert = c;
		*key = k;
		c = k = NULL;
	}
out:
	if (lock >= 0)
		close(lock);
	free(c);
	free(k);
	return e;
}
