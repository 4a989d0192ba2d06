/* test_tls.c: unit tests for TLS (src/tls.c) with real OpenSSL handshakes.
 *
 * Both ends of every connection live in this process on a non-blocking
 * socketpair(AF_UNIX); SSL_connect and SSL_accept are stepped in turn until
 * both finish or fail. The test PKI (two CAs, leaves, client certificates,
 * an expired certificate) is built with EC P-256 keys in a mkdtemp
 * directory by the group setup, as is one auto-generated RSA certificate.
 */
#include "testutil.h"

#include "err.h"
#include "log.h"
#include "site.h"
#include "tls.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define DAY (24L * 60 * 60)

/* The test PKI: certificate and key file of each. */
enum { CA1, CA2, GOOD, OTHER, EXPIRED, CNONLY, CLIENT1, CLIENT2, NCERT };

static struct {
	char dir[PATH_MAX];           /* mkdtemp root, removed at the end */
	char autodir[PATH_MAX];       /* <dir>/site/lib/tls */
	char *auto_cert, *auto_key;   /* from hs_tls_ensure_cert */
	char auto_fp[HS_FP_LEN + 1];
	char *gen_log;                /* stderr of the first ensure_cert */
	char crt[NCERT][PATH_MAX];
	char key[NCERT][PATH_MAX];
	char fp[NCERT][HS_FP_LEN + 1];
} P;

/* One in-process connection. st: 1 done, -1 failed, 0 pending. */
struct conn {
	SSL *c, *s;
	int fd[2];
	int cst, sst;
	char cerr[512], serr[512];  /* hs_tls_error of a failed end */
	int check;                  /* hs_tls_client_check, or -1 */
};

/* ---- helpers ---------------------------------------------------------- */

static void
join(char out[PATH_MAX], const char *dir, const char *name)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);

	assert_true(n > 0 && n < PATH_MAX);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

static void
copy_file(const char *from, const char *to, mode_t mode)
{
	char *data = slurp(from);
	int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	free(data);
}

static mode_t
file_mode(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static X509 *
read_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x;

	assert_non_null(f);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(x);
	return x;
}

static void
cert_fp(const char *path, char out[HS_FP_LEN + 1])
{
	X509 *x = read_cert(path);

	assert_int_equal(hs_tls_fingerprint(x, out), HS_OK);
	X509_free(x);
}

/* Capture what is written to stderr between cap_start and cap_end. */
static int cap_saved = -1;

static void
cap_start(void)
{
	char path[PATH_MAX];
	int fd;

	join(path, P.dir, "stderr.txt");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	fflush(stderr);
	cap_saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

static char *
cap_end(void)
{
	char path[PATH_MAX];

	dup2(cap_saved, STDERR_FILENO);
	close(cap_saved);
	join(path, P.dir, "stderr.txt");
	return slurp(path);
}

/* ---- test PKI --------------------------------------------------------- */

struct spec {
	const char *cn;
	int issuer;        /* index of the issuing CA, or -1: self-signed */
	bool ca;
	const char *san;   /* subjectAltName value, or NULL */
	const char *eku;   /* extendedKeyUsage value, or NULL */
	long from, to;     /* validity, seconds from now */
};

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
}

static void
save_pem(int i, X509 *x, EVP_PKEY *k)
{
	FILE *f;
	int fd;

	f = fopen(P.crt[i], "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, x), 1);
	fclose(f);
	fd = open(P.key[i], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
}

static void
make_cert(int i, const char *name, const struct spec *s, X509 **xs,
          EVP_PKEY **ks)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new(), *issuer = s->issuer < 0 ? x : xs[s->issuer];
	EVP_PKEY *ik = s->issuer < 0 ? k : ks[s->issuer];
	X509_NAME *n = X509_get_subject_name(x);
	char file[64];

	assert_non_null(k);
	assert_non_null(x);
	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1000 + i);
	X509_gmtime_adj(X509_getm_notBefore(x), s->from);
	X509_gmtime_adj(X509_getm_notAfter(x), s->to);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC,
	                           (const unsigned char *)"hs test", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	                           (const unsigned char *)s->cn, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(issuer));
	X509_set_pubkey(x, k);
	add_ext(x, issuer, NID_basic_constraints,
	        s->ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	add_ext(x, issuer, NID_subject_key_identifier, "hash");
	add_ext(x, issuer, NID_authority_key_identifier, "keyid");
	if (s->ca)
		add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
	if (s->san != NULL)
		add_ext(x, issuer, NID_subject_alt_name, s->san);
	if (s->eku != NULL)
		add_ext(x, issuer, NID_ext_key_usage, s->eku);
	assert_true(X509_sign(x, ik, EVP_sha256()) > 0);
	snprintf(file, sizeof file, "%s.crt", name);
	join(P.crt[i], P.dir, file);
	snprintf(file, sizeof file, "%s.key", name);
	join(P.key[i], P.dir, file);
	save_pem(i, x, k);
	assert_int_equal(hs_tls_fingerprint(x, P.fp[i]), HS_OK);
	xs[i] = x;
	ks[i] = k;
}

#define SERVER_SAN "DNS:localhost,DNS:server.test,IP:127.0.0.1"

static void
make_pki(void)
{
	static const struct {
		const char *name;
		struct spec s;
	} t[NCERT] = {
		[CA1] = {"ca1", {"Test CA 1", -1, true, NULL, NULL, -DAY, 30 * DAY}},
		[CA2] = {"ca2", {"Test CA 2", -1, true, NULL, NULL, -DAY, 30 * DAY}},
		[GOOD] = {"good", {"server.test", CA1, false, SERVER_SAN,
		                   "serverAuth", -DAY, 30 * DAY}},
		[OTHER] = {"other", {"server.test", CA2, false, SERVER_SAN,
		                     "serverAuth", -DAY, 30 * DAY}},
		[EXPIRED] = {"expired", {"server.test", CA1, false, SERVER_SAN,
		                         "serverAuth", -30 * DAY, -DAY}},
		[CNONLY] = {"cnonly", {"server.test", CA1, false, NULL,
		                       "serverAuth", -DAY, 30 * DAY}},
		[CLIENT1] = {"client1", {"client one", CA1, false, NULL,
		                         "clientAuth", -DAY, 30 * DAY}},
		[CLIENT2] = {"client2", {"client two", CA2, false, NULL,
		                         "clientAuth", -DAY, 30 * DAY}},
	};
	X509 *xs[NCERT] = {0};
	EVP_PKEY *ks[NCERT] = {0};

	for (int i = 0; i < NCERT; i++)
		make_cert(i, t[i].name, &t[i].s, xs, ks);
	for (int i = 0; i < NCERT; i++) {
		X509_free(xs[i]);
		EVP_PKEY_free(ks[i]);
	}
}

static int
group_setup(void **state)
{
	int saved = hs_log_threshold;
	hs_err e;

	snprintf(P.dir, sizeof P.dir, "%s", "/tmp/hs-tls-XXXXXX");
	if (mkdtemp(P.dir) == NULL)
		return -1;
	join(P.autodir, P.dir, "site/lib/tls");
	hs_log_threshold = HS_INFO;
	cap_start();
	e = hs_tls_ensure_cert(P.autodir, &P.auto_cert, &P.auto_key);
	P.gen_log = cap_end();
	hs_log_threshold = saved;
	if (e != HS_OK) {
		fprintf(stderr, "ensure_cert: %s\n", hs_detail());
		return -1;
	}
	cert_fp(P.auto_cert, P.auto_fp);
	make_pki();
	unsetenv("SSL_CERT_FILE");
	unsetenv("SSL_CERT_DIR");
	return 0;
}

static int
group_teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	free(P.auto_cert);
	free(P.auto_key);
	free(P.gen_log);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", P.dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- connections ------------------------------------------------------ */

static struct hs_tls_config
cfg(void)
{
	struct hs_tls_config c;

	memset(&c, 0, sizeof c);
	c.enabled = true;
	c.min_version = TLS1_2_VERSION;
	return c;
}

static SSL_CTX *
server_ctx(const char *crt, const char *key, const char *client_ca)
{
	struct hs_tls_config c = cfg();
	SSL_CTX *ctx = NULL;

	c.cert = crt;
	c.key = key;
	c.client_cafile = client_ca;
	if (hs_tls_server_ctx(&c, &ctx) != HS_OK)
		fail_msg("server ctx: %s", hs_detail());
	return ctx;
}

static SSL_CTX *
server_of(int i)
{
	return server_ctx(P.crt[i], P.key[i], NULL);
}

static SSL_CTX *
server_auto(void)
{
	return server_ctx(P.auto_cert, P.auto_key, NULL);
}

static SSL_CTX *
client_ctx(const struct hs_tls_config *c)
{
	SSL_CTX *ctx = NULL;

	if (hs_tls_client_ctx(c, &ctx) != HS_OK)
		fail_msg("client ctx: %s", hs_detail());
	return ctx;
}

static int
step(SSL *ssl, bool server, char *err, size_t len)
{
	int r, e;

	ERR_clear_error();
	r = server ? SSL_accept(ssl) : SSL_connect(ssl);
	if (r == 1)
		return 1;
	e = SSL_get_error(ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	hs_tls_error(ssl, err, len);
	return -1;
}

static void
drive(struct conn *k)
{
	for (int i = 0; i < 200 && (k->cst == 0 || k->sst == 0); i++) {
		if (k->cst == 0)
			k->cst = step(k->c, false, k->cerr, sizeof k->cerr);
		if (k->sst == 0)
			k->sst = step(k->s, true, k->serr, sizeof k->serr);
		/* a failed end may leave the other waiting: give it EOF */
		if (k->cst < 0 && k->sst == 0)
			shutdown(k->fd[1], SHUT_RDWR);
		if (k->sst < 0 && k->cst == 0)
			shutdown(k->fd[0], SHUT_RDWR);
	}
}

/* Connections run over TCP on 127.0.0.1 instead of socketpair. */
static bool use_tcp;

/* fd[0] the accepted (server) end, fd[1] the client end. */
static void
tcp_pair(int fd[2])
{
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	int l = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(l >= 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&a, &al), 0);
	fd[1] = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(fd[1], (struct sockaddr *)&a, al), 0);
	fd[0] = accept(l, NULL, NULL);
	assert_true(fd[0] >= 0);
	close(l);
}

/* Handshake sctx against cctx; cc (may be NULL for a raw client) is the
 * client configuration given to prepare and check. Frees both contexts. */
static void
conn_run(struct conn *k, SSL_CTX *sctx, SSL_CTX *cctx,
         const struct hs_tls_config *cc, const char *host)
{
	memset(k, 0, sizeof *k);
	k->check = -1;
	assert_non_null(sctx);
	assert_non_null(cctx);
	if (use_tcp)
		tcp_pair(k->fd);
	else
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, k->fd), 0);
	for (int i = 0; i < 2; i++)
		fcntl(k->fd[i], F_SETFL, fcntl(k->fd[i], F_GETFL) | O_NONBLOCK);
	k->s = SSL_new(sctx);
	k->c = SSL_new(cctx);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	SSL_set_fd(k->s, k->fd[0]);
	SSL_set_fd(k->c, k->fd[1]);
	if (cc != NULL && hs_tls_client_prepare(k->c, cc, host) != HS_OK)
		fail_msg("prepare: %s", hs_detail());
	drive(k);
	if (k->cst == 1 && cc != NULL) {
		hs_detail_clear();
		k->check = hs_tls_client_check(k->c, cc);
	}
}

static void
conn_free(struct conn *k)
{
	SSL_free(k->c);
	SSL_free(k->s);
	close(k->fd[0]);
	close(k->fd[1]);
}

/* Connect with client configuration cc to server sctx, dialling host. */
static void
dial(struct conn *k, SSL_CTX *sctx, const struct hs_tls_config *cc,
     const char *host)
{
	conn_run(k, sctx, client_ctx(cc), cc, host);
}

static void
assert_accepted(const struct conn *k)
{
	if (k->cst != 1 || k->sst != 1 || k->check != HS_OK)
		fail_msg("not accepted: client %d '%s', server %d '%s', check %d '%s'",
		         k->cst, k->cerr, k->sst, k->serr, k->check, hs_detail());
}

/* The client refused the handshake, saying why. */
static void
assert_client_refused(const struct conn *k, const char *why)
{
	if (k->cst != -1)
		fail_msg("client did not fail (server %d '%s')", k->sst, k->serr);
	if (strstr(k->cerr, why) == NULL)
		fail_msg("client error '%s' lacks '%s'", k->cerr, why);
	assert_int_not_equal(k->sst, 1);
}

static void
assert_server_refused(const struct conn *k, const char *why)
{
	if (k->sst != -1)
		fail_msg("server did not fail (client %d '%s')", k->cst, k->cerr);
	if (strstr(k->serr, why) == NULL)
		fail_msg("server error '%s' lacks '%s'", k->serr, why);
}

/* ---- hs_tls_ensure_cert ------------------------------------------------ */

static bool
has_san(GENERAL_NAMES *gens, int type, const char *value)
{
	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		int t;
		ASN1_STRING *s = GENERAL_NAME_get0_value(g, &t);
		char *text;
		bool eq;

		if (t != type)
			continue;
		if (t == GEN_IPADD) {
			ASN1_OCTET_STRING *ip = a2i_IPADDRESS(value);

			eq = ip != NULL && ASN1_OCTET_STRING_cmp(ip, s) == 0;
			ASN1_OCTET_STRING_free(ip);
		} else {
			text = (char *)ASN1_STRING_get0_data(s);
			eq = (size_t)ASN1_STRING_length(s) == strlen(value) &&
			     strncasecmp(text, value, strlen(value)) == 0;
		}
		if (eq)
			return true;
	}
	return false;
}

static void
test_ensure_cert_files(void **state)
{
	char tls[PATH_MAX], dir_mode_path[PATH_MAX];
	char *key = slurp(P.auto_key);

	join(tls, P.autodir, "server.crt");
	assert_string_equal(P.auto_cert, tls);
	join(tls, P.autodir, "server.key");
	assert_string_equal(P.auto_key, tls);
	assert_int_equal(file_mode(P.auto_key), 0600);
	assert_int_equal(file_mode(P.auto_cert), 0644);
	snprintf(dir_mode_path, sizeof dir_mode_path, "%s", P.autodir);
	assert_int_equal(file_mode(dir_mode_path), 0700);
	assert_non_null(strstr(key, "-----BEGIN PRIVATE KEY-----"));  /* PKCS#8 */
	free(key);
	/* INFO line names the path and the fingerprint */
	assert_non_null(strstr(P.gen_log, "Generated TLS certificate "));
	assert_non_null(strstr(P.gen_log, P.auto_cert));
	assert_non_null(strstr(P.gen_log, P.auto_fp));
}

static void
test_ensure_cert_contents(void **state)
{
	X509 *x = read_cert(P.auto_cert);
	EVP_PKEY *pk = X509_get0_pubkey(x);
	const ASN1_INTEGER *serial = X509_get0_serialNumber(x);
	BIGNUM *e = NULL;
	GENERAL_NAMES *gens;
	char buf[256], host[256], shortn[256];
	int days = 0, secs = 0, crit = -1;
	BASIC_CONSTRAINTS *bc;

	assert_int_equal(EVP_PKEY_get_base_id(pk), EVP_PKEY_RSA);
	assert_int_equal(EVP_PKEY_get_bits(pk), 3072);
	assert_int_equal(EVP_PKEY_get_bn_param(pk, "e", &e), 1);
	assert_int_equal(BN_get_word(e), 65537);
	BN_free(e);
	assert_int_equal(X509_get_version(x), X509_VERSION_3);
	assert_int_equal(X509_get_signature_nid(x), NID_sha256WithRSAEncryption);
	assert_int_equal(ASN1_STRING_type(serial), V_ASN1_INTEGER);  /* > 0 */
	assert_int_equal(ASN1_STRING_length(serial), 16);
	/* self-signed by its own key, key file matches */
	assert_int_equal(X509_verify(x, pk), 1);
	assert_int_equal(X509_NAME_cmp(X509_get_subject_name(x),
	                               X509_get_issuer_name(x)), 0);
	assert_true(X509_NAME_get_text_by_NID(X509_get_subject_name(x),
	                                      NID_organizationName, buf,
	                                      sizeof buf) > 0);
	assert_string_equal(buf, "HyperShell");
	assert_true(X509_NAME_get_text_by_NID(X509_get_subject_name(x),
	                                      NID_commonName, buf, sizeof buf) > 0);
	assert_true(strlen(buf) <= 64);
	/* now-5min .. now+3650 days */
	assert_true(X509_cmp_current_time(X509_get0_notBefore(x)) < 0);
	assert_int_equal(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x),
	                                X509_get0_notAfter(x)), 1);
	assert_int_equal(days, 3650);
	assert_true(secs >= 299 && secs <= 301);
	/* extensions */
	bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit, NULL);
	assert_non_null(bc);
	assert_int_equal(crit, 1);
	assert_false(bc->ca);
	BASIC_CONSTRAINTS_free(bc);
	assert_int_equal(X509_get_key_usage(x),
	                 KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT);
	assert_int_equal(X509_EXTENSION_get_critical(X509_get_ext(x,
	                 X509_get_ext_by_NID(x, NID_key_usage, -1))), 1);
	assert_int_equal(X509_get_extended_key_usage(x), XKU_SSL_SERVER);
	assert_non_null(X509_get0_subject_key_id(x));
	/* SANs, without duplicates */
	gethostname(host, sizeof host);
	host[sizeof host - 1] = '\0';
	snprintf(shortn, sizeof shortn, "%.*s", (int)strcspn(host, "."), host);
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	assert_non_null(gens);
	assert_true(has_san(gens, GEN_DNS, "localhost"));
	assert_true(has_san(gens, GEN_DNS, shortn));
	assert_true(has_san(gens, GEN_IPADD, "127.0.0.1"));
	assert_true(has_san(gens, GEN_IPADD, "::1"));
	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++)
		for (int j = 0; j < i; j++)
			assert_int_not_equal(GENERAL_NAME_cmp(sk_GENERAL_NAME_value(gens, i),
			                     sk_GENERAL_NAME_value(gens, j)), 0);
	assert_true(sk_GENERAL_NAME_num(gens) >= 4);
	assert_true(sk_GENERAL_NAME_num(gens) <= 5);
	GENERAL_NAMES_free(gens);
	X509_free(x);
}

static void
test_ensure_cert_key_matches(void **state)
{
	struct conn k;
	struct hs_tls_config c = cfg();

	/* the server accepts the pair and the client pins it */
	c.fingerprint = P.auto_fp;
	dial(&k, server_auto(), &c, "localhost");
	assert_accepted(&k);
	conn_free(&k);
}

static void
test_ensure_cert_idempotent(void **state)
{
	struct stat before, after;
	char *cert = NULL, *key = NULL, fp[HS_FP_LEN + 1];
	char *log;
	int saved = hs_log_threshold;

	assert_int_equal(stat(P.auto_key, &before), 0);
	hs_log_threshold = HS_DEBUG;
	cap_start();
	assert_int_equal(hs_tls_ensure_cert(P.autodir, &cert, &key), HS_OK);
	log = cap_end();
	hs_log_threshold = saved;
	assert_string_equal(cert, P.auto_cert);
	assert_string_equal(key, P.auto_key);
	cert_fp(cert, fp);
	assert_string_equal(fp, P.auto_fp);
	assert_int_equal(stat(P.auto_key, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	assert_null(strstr(log, "Generated"));
	assert_non_null(strstr(log, P.auto_fp));   /* DEBUG: reused */
	free(log);
	free(cert);
	free(key);
}

static void
test_ensure_cert_regenerates(void **state)
{
	char dir[PATH_MAX], kpath[PATH_MAX], fp[HS_FP_LEN + 1];
	char *cert = NULL, *key = NULL, *oldkey, *newkey, *log;
	struct dirent *de;
	hs_err e;
	DIR *d;
	X509 *x;
	EVP_PKEY *pk;
	FILE *f;

	/* only the key is there: both are generated again */
	join(dir, P.dir, "regen");
	assert_int_equal(mkdir(dir, 0700), 0);
	join(kpath, dir, "server.key");
	copy_file(P.auto_key, kpath, 0600);
	cap_start();
	e = hs_tls_ensure_cert(dir, &cert, &key);
	log = cap_end();
	assert_int_equal(e, HS_OK);
	assert_non_null(strstr(log, "server.crt is missing"));
	free(log);
	cert_fp(cert, fp);
	assert_string_not_equal(fp, P.auto_fp);
	oldkey = slurp(P.auto_key);
	newkey = slurp(key);
	assert_string_not_equal(oldkey, newkey);
	assert_int_equal(file_mode(key), 0600);
	assert_int_equal(file_mode(cert), 0644);
	x = read_cert(cert);
	f = fopen(key, "r");
	assert_non_null(f);
	pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(pk);
	assert_int_equal(X509_check_private_key(x, pk), 1);
	/* no temporary files left behind */
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		assert_true(de->d_name[0] == '.' ||
		            strcmp(de->d_name, "server.crt") == 0 ||
		            strcmp(de->d_name, "server.key") == 0 ||
		            strcmp(de->d_name, "server.lock") == 0);
	closedir(d);
	EVP_PKEY_free(pk);
	X509_free(x);
	free(oldkey);
	free(newkey);
	free(cert);
	free(key);
}

static void
test_ensure_cert_refuses_open_key(void **state)
{
	static const mode_t modes[] = {0644, 0640, 0604, 0660};
	char dir[PATH_MAX], cpath[PATH_MAX], kpath[PATH_MAX];
	char *cert = NULL, *key = NULL;
	struct hs_tls_config c = cfg();
	SSL_CTX *ctx = NULL;

	join(dir, P.dir, "openkey");
	assert_int_equal(mkdir(dir, 0700), 0);
	join(cpath, dir, "server.crt");
	join(kpath, dir, "server.key");
	copy_file(P.auto_cert, cpath, 0644);
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		copy_file(P.auto_key, kpath, modes[i]);
		hs_detail_clear();
		assert_int_equal(hs_tls_ensure_cert(dir, &cert, &key), HS_ECONFIG);
		assert_null(cert);
		assert_null(key);
		assert_non_null(strstr(hs_detail(), kpath));
		assert_non_null(strstr(hs_detail(), "chmod 600"));
		/* the same rule for a configured key */
		c.cert = cpath;
		c.key = kpath;
		hs_detail_clear();
		assert_int_equal(hs_tls_server_ctx(&c, &ctx), HS_ECONFIG);
		assert_null(ctx);
		assert_non_null(strstr(hs_detail(), "chmod 600"));
	}
	assert_int_equal(chmod(kpath, 0600), 0);
	assert_int_equal(hs_tls_ensure_cert(dir, &cert, &key), HS_OK);
	free(cert);
	free(key);
}

/* ---- fingerprints ------------------------------------------------------ */

static void
test_fingerprint_format(void **state)
{
	X509 *x = read_cert(P.auto_cert);
	unsigned char md[32];
	unsigned int n = 0;
	char fp[HS_FP_LEN + 1], hex[3];

	assert_int_equal(hs_tls_fingerprint(x, fp), HS_OK);
	assert_int_equal(strlen(fp), HS_FP_LEN);
	assert_int_equal(strncmp(fp, "SHA256:", 7), 0);
	assert_int_equal(X509_digest(x, EVP_sha256(), md, &n), 1);
	for (int i = 0; i < 32; i++) {
		snprintf(hex, sizeof hex, "%02X", md[i]);
		assert_memory_equal(fp + 7 + 3 * i, hex, 2);
		if (i < 31)
			assert_int_equal(fp[7 + 3 * i + 2], ':');
	}
	X509_free(x);
}

static void
test_fingerprint_parse_variants(void **state)
{
	unsigned char want[32], got[32];
	char lower[HS_FP_LEN + 1], bare[65], mixed[HS_FP_LEN + 1];
	size_t j = 0;

	assert_int_equal(hs_tls_fingerprint_parse(P.auto_fp, want), HS_OK);
	for (size_t i = 0; i <= HS_FP_LEN; i++)
		lower[i] = (char)tolower((unsigned char)P.auto_fp[i]);
	assert_int_equal(hs_tls_fingerprint_parse(lower, got), HS_OK);
	assert_memory_equal(want, got, 32);
	assert_int_equal(hs_tls_fingerprint_parse(lower + 7, got), HS_OK);
	assert_memory_equal(want, got, 32);
	assert_int_equal(hs_tls_fingerprint_parse(P.auto_fp + 7, got), HS_OK);
	assert_memory_equal(want, got, 32);
	for (const char *p = P.auto_fp + 7; *p != '\0'; p++)
		if (*p != ':')
			bare[j++] = *p;
	bare[j] = '\0';
	assert_int_equal(j, 64);
	assert_int_equal(hs_tls_fingerprint_parse(bare, got), HS_OK);
	assert_memory_equal(want, got, 32);
	for (size_t i = 0; i <= HS_FP_LEN; i++)
		mixed[i] = i % 2 ? lower[i] : P.auto_fp[i];
	assert_int_equal(hs_tls_fingerprint_parse(mixed, got), HS_OK);
	assert_memory_equal(want, got, 32);
}

static void
test_fingerprint_parse_rejects(void **state)
{
	char buf[256];
	unsigned char out[32], keep[32];
	const char *hex64 = P.auto_fp + 7;   /* colon form */
	char bare[65];
	size_t j = 0;

	for (const char *p = hex64; *p != '\0'; p++)
		if (*p != ':')
			bare[j++] = *p;
	bare[j] = '\0';
	const char *bad[] = {
		"", "SHA256:", "SHA256", "AB", "SHA1:AB:CD",
		"zz", "not a fingerprint",
	};
	memset(out, 0x5a, sizeof out);
	memcpy(keep, out, sizeof out);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		hs_detail_clear();
		assert_int_equal(hs_tls_fingerprint_parse(bad[i], out), HS_EINPUT);
		assert_non_null(strstr(hs_detail(), "fingerprint"));
	}
	assert_int_equal(hs_tls_fingerprint_parse(NULL, out), HS_EINPUT);
	/* 63 and 65 hex digits */
	snprintf(buf, sizeof buf, "%.63s", bare);
	assert_int_equal(hs_tls_fingerprint_parse(buf, out), HS_EINPUT);
	snprintf(buf, sizeof buf, "%sA", bare);
	assert_int_equal(hs_tls_fingerprint_parse(buf, out), HS_EINPUT);
	/* a non-hex digit */
	snprintf(buf, sizeof buf, "%s", bare);
	buf[10] = 'G';
	assert_int_equal(hs_tls_fingerprint_parse(buf, out), HS_EINPUT);
	/* a misplaced separator */
	snprintf(buf, sizeof buf, "%.95s", hex64);
	buf[2] = '-';
	assert_int_equal(hs_tls_fingerprint_parse(buf, out), HS_EINPUT);
	snprintf(buf, sizeof buf, "%.95s", hex64);
	buf[2] = buf[3];
	buf[3] = ':';
	assert_int_equal(hs_tls_fingerprint_parse(buf, out), HS_EINPUT);
	/* 31 and 33 pairs, whitespace, a doubled prefix, another digest */
	snprintf(buf, sizeof buf, "%.92s", hex64);
	assert_int_equal(hs_tls_fingerprint_parse(buf, out), HS_EINPUT);
	snprintf(buf, sizeof buf, "%.95s:AB", hex64);
	assert_int_equal(hs_tls_fingerprint_parse(buf, out), HS_EINPUT);
	snprintf(buf, sizeof buf, " %s", P.auto_fp);
	assert_int_equal(hs_tls_fingerprint_parse(buf, out), HS_EINPUT);
	snprintf(buf, sizeof buf, "%s\n", P.auto_fp);
	assert_int_equal(hs_tls_fingerprint_parse(buf, out), HS_EINPUT);
	snprintf(buf, sizeof buf, "SHA256:%s", P.auto_fp);
	assert_int_equal(hs_tls_fingerprint_parse(buf, out), HS_EINPUT);
	snprintf(buf, sizeof buf, "SHA512:%.95s", hex64);
	assert_int_equal(hs_tls_fingerprint_parse(buf, out), HS_EINPUT);
	assert_memory_equal(out, keep, sizeof out);   /* untouched on error */
}

/* ---- mode 2: pin ------------------------------------------------------- */

static void
test_pin_right(void **state)
{
	struct hs_tls_config c = cfg();
	struct conn k;

	c.fingerprint = P.fp[GOOD];
	dial(&k, server_of(GOOD), &c, "10.9.8.7");  /* names do not matter */
	assert_accepted(&k);
	conn_free(&k);
}

static void
test_pin_wrong(void **state)
{
	struct hs_tls_config c = cfg();
	struct conn k;

	c.fingerprint = P.fp[OTHER];   /* same names, another key */
	dial(&k, server_of(GOOD), &c, "localhost");
	assert_int_equal(k.cst, 1);
	assert_int_equal(k.check, HS_EINPUT);
	assert_non_null(strstr(hs_detail(), "does not match the pinned"));
	assert_non_null(strstr(hs_detail(), P.fp[GOOD]));
	assert_non_null(strstr(hs_detail(), P.fp[OTHER]));
	assert_int_equal(strncmp(hs_detail(), "TLS: ", 5), 0);
	conn_free(&k);
}

static void
test_pin_overrides_cafile(void **state)
{
	struct hs_tls_config c = cfg();
	struct conn k;

	c.fingerprint = P.fp[GOOD];
	c.cafile = P.crt[CA2];          /* would fail on its own */
	dial(&k, server_of(GOOD), &c, "wrong.test");
	assert_accepted(&k);
	conn_free(&k);
}

static void
test_pin_ignores_dates(void **state)
{
	struct hs_tls_config c = cfg();
	struct conn k;

	/* documented: the pin alone is the trust decision */
	c.fingerprint = P.fp[EXPIRED];
	dial(&k, server_of(EXPIRED), &c, "localhost");
	assert_accepted(&k);
	conn_free(&k);
}

static void
test_pin_malformed_is_config_error(void **state)
{
	struct hs_tls_config c = cfg();
	SSL_CTX *ctx = NULL;

	c.fingerprint = "SHA256:AB:CD";
	assert_int_equal(hs_tls_client_ctx(&c, &ctx), HS_ECONFIG);
	assert_null(ctx);
	assert_non_null(strstr(hs_detail(), "malformed fingerprint"));
}

/* ---- mode 3: cafile ----------------------------------------------------- */

static void
test_cafile_right(void **state)
{
	struct hs_tls_config c = cfg();
	struct conn k;

	c.cafile = P.crt[CA1];
	dial(&k, server_of(GOOD), &c, "localhost");
	assert_accepted(&k);
	conn_free(&k);
}

static void
test_cafile_wrong_ca(void **state)
{
	struct hs_tls_config c = cfg();
	struct conn k;

	c.cafile = P.crt[CA2];
	dial(&k, server_of(GOOD), &c, "localhost");
	assert_client_refused(&k, "certificate verify failed");
	assert_non_null(strstr(k.cerr, "unable to get local issuer certificate"));
	assert_non_null(strstr(k.serr, "unknown ca"));   /* the alert */
	conn_free(&k);
}

static void
test_cafile_servername_right(void **state)
{
	struct hs_tls_config c = cfg();
	struct conn k;
	const char *sni;

	c.cafile = P.crt[CA1];
	c.servername = "server.test";
	dial(&k, server_of(GOOD), &c, "192.0.2.1");   /* not in the cert */
	assert_accepted(&k);
	sni = SSL_get_servername(k.s, TLSEXT_NAMETYPE_host_name);
	assert_non_null(sni);
	assert_string_equal(sni, "server.test");
	conn_free(&k);
}

static void
test_cafile_servername_wrong(void **state)
{
	struct hs_tls_config c = cfg();
	struct conn k;

	c.cafile = P.crt[CA1];
	c.servername = "wrong.test";
	dial(&k, server_of(GOOD), &c, "localhost");
	assert_client_refused(&k, "hostname mismatch");
	conn_free(&k);
}

/* The deliberate tightening: no servername, the dialled host is checked. */
static void
test_cafile_checks_dialled_host(void **state)
{
	static const char *ok[] = {"localhost", "server.test", "127.0.0.1",
	                           "SERVER.TEST"};
	struct hs_tls_config c = cfg();
	struct conn k;

	c.cafile = P.crt[CA1];
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		dial(&k, server_of(GOOD), &c, ok[i]);
		assert_accepted(&k);
		conn_free(&k);
	}
	dial(&k, server_of(GOOD), &c, "evil.test");
	assert_client_refused(&k, "hostname mismatch");
	conn_free(&k);
	dial(&k, server_of(GOOD), &c, "10.1.2.3");
	assert_client_refused(&k, "IP address mismatch");
	conn_free(&k);
}

static void
test_cafile_cn_is_not_a_name(void **state)
{
	struct hs_tls_config c = cfg();
	struct conn k;

	c.cafile = P.crt[CA1];
	c.servername = "server.test";   /* only the CN says so */
	dial(&k, server_of(CNONLY), &c, "localhost");
	assert_client_refused(&k, "hostname mismatch");
	conn_free(&k);
}

static void
test_cafile_auto_cert_single_host(void **state)
{
	static const char *hosts[] = {"localhost", "127.0.0.1", "::1"};
	struct hs_tls_config c = cfg();
	struct conn k;

	/* the default single-host setup: cafile = the server's own cert */
	c.cafile = P.auto_cert;
	for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
		dial(&k, server_auto(), &c, hosts[i]);
		assert_accepted(&k);
		conn_free(&k);
	}
}

static void
test_expired_rejected(void **state)
{
	struct hs_tls_config c = cfg();
	struct conn k;

	c.cafile = P.crt[CA1];
	dial(&k, server_of(EXPIRED), &c, "localhost");
	assert_client_refused(&k, "certificate has expired");
	conn_free(&k);
}

static void
test_cafile_unreadable(void **state)
{
	struct hs_tls_config c = cfg();
	char path[PATH_MAX];
	SSL_CTX *ctx = NULL;

	join(path, P.dir, "missing-ca.crt");
	c.cafile = path;
	assert_int_equal(hs_tls_client_ctx(&c, &ctx), HS_ECONFIG);
	assert_null(ctx);
	assert_non_null(strstr(hs_detail(), "TLS: cannot load CA file "));
	assert_non_null(strstr(hs_detail(), path));
	c.cafile = P.key[CA1];   /* a key, not a certificate */
	assert_int_equal(hs_tls_client_ctx(&c, &ctx), HS_ECONFIG);
	assert_null(strchr(hs_detail(), '\n'));
}

/* ---- mode 4: system store ------------------------------------------------ */

static SSL_CTX *
system_client(const struct hs_tls_config *c, const char *bundle)
{
	SSL_CTX *ctx;

	if (bundle != NULL)
		setenv("SSL_CERT_FILE", bundle, 1);
	ctx = client_ctx(c);
	unsetenv("SSL_CERT_FILE");
	return ctx;
}

static void
test_system_right_name(void **state)
{
	struct hs_tls_config c = cfg();
	struct conn k;

	conn_run(&k, server_of(GOOD), system_client(&c, P.crt[CA1]), &c,
	         "server.test");
	assert_accepted(&k);
	conn_free(&k);
}

static void
test_system_wrong_name(void **state)
{
	struct hs_tls_config c = cfg();
	struct conn k;

	conn_run(&k, server_of(GOOD), system_client(&c, P.crt[CA1]), &c,
	         "wrong.test");
	assert_client_refused(&k, "hostname mismatch");
	conn_free(&k);
	/* servername overrides the dialled host in mode 4 too */
	c.servername = "server.test";
	conn_run(&k, server_of(GOOD), system_client(&c, P.crt[CA1]), &c,
	         "wrong.test");
	assert_accepted(&k);
	conn_free(&k);
}

static void
test_system_self_signed_rejected(void **state)
{
	struct hs_tls_config c = cfg();
	struct conn k;

	conn_run(&k, server_auto(), system_client(&c, P.crt[CA1]), &c,
	         "localhost");
	assert_client_refused(&k, "certificate verify failed");
	assert_non_null(strstr(k.cerr, "self"));
	conn_free(&k);
	conn_run(&k, server_auto(), system_client(&c, NULL), &c, "localhost");
	assert_client_refused(&k, "certificate verify failed");
	conn_free(&k);
}

static void
test_system_needs_a_name(void **state)
{
	struct hs_tls_config c = cfg();
	SSL_CTX *ctx = client_ctx(&c);
	SSL *ssl = SSL_new(ctx);

	assert_int_equal(hs_tls_client_prepare(ssl, &c, NULL), HS_ECONFIG);
	assert_int_equal(hs_tls_client_prepare(ssl, &c, ""), HS_ECONFIG);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
}

/* ---- mode 1: insecure ---------------------------------------------------- */

static void
test_insecure_accepts_anything(void **state)
{
	static const int servers[] = {GOOD, OTHER, EXPIRED, CNONLY};
	struct hs_tls_config c = cfg();
	struct conn k;
	char *log, *second;

	c.insecure = true;
	c.cafile = P.crt[CA2];        /* ignored */
	c.fingerprint = P.fp[CA1];    /* ignored */
	cap_start();
	for (size_t i = 0; i < sizeof servers / sizeof servers[0]; i++) {
		dial(&k, server_of(servers[i]), &c, "wrong.test");
		assert_accepted(&k);
		conn_free(&k);
	}
	use_tcp = true;
	dial(&k, server_auto(), &c, "10.0.0.1");
	use_tcp = false;
	assert_accepted(&k);
	conn_free(&k);
	log = cap_end();
	/* the line names the peer when there is an address */
	assert_non_null(strstr(log, "not authenticated (peer 127.0.0.1:"));
	/* one warning per connection */
	second = log;
	for (int i = 0; i < 5; i++) {
		second = strstr(second, "TLS verification disabled (insecure = true): "
		                        "the server is not authenticated");
		assert_non_null(second);
		second++;
	}
	free(log);
}

/* ---- protocol versions, ciphers ------------------------------------------ */

static void
test_tls11_client_refused(void **state)
{
	SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
	struct conn k;

	assert_non_null(cctx);
	SSL_CTX_set_security_level(cctx, 0);
	assert_int_equal(SSL_CTX_set_cipher_list(cctx, "DEFAULT:@SECLEVEL=0"), 1);
	assert_int_equal(SSL_CTX_set_min_proto_version(cctx, TLS1_VERSION), 1);
	assert_int_equal(SSL_CTX_set_max_proto_version(cctx, TLS1_1_VERSION), 1);
	SSL_CTX_set_verify(cctx, SSL_VERIFY_NONE, NULL);
	conn_run(&k, server_of(GOOD), cctx, NULL, NULL);
	assert_server_refused(&k, "unsupported protocol");
	assert_int_equal(k.cst, -1);
	assert_non_null(strstr(k.cerr, "protocol version"));
	conn_free(&k);
}

static void
test_min_version_tls13(void **state)
{
	struct hs_tls_config s = cfg(), c = cfg();
	SSL_CTX *sctx = NULL, *cctx;
	struct conn k;

	s.cert = P.crt[GOOD];
	s.key = P.key[GOOD];
	s.min_version = TLS1_3_VERSION;
	c.cafile = P.crt[CA1];
	assert_int_equal(hs_tls_server_ctx(&s, &sctx), HS_OK);
	assert_int_equal(SSL_CTX_get_min_proto_version(sctx), TLS1_3_VERSION);
	cctx = client_ctx(&c);
	SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION);
	conn_run(&k, sctx, cctx, &c, "localhost");
	assert_server_refused(&k, "unsupported protocol");
	conn_free(&k);
	/* a TLS 1.3 client gets in */
	assert_int_equal(hs_tls_server_ctx(&s, &sctx), HS_OK);
	dial(&k, sctx, &c, "localhost");
	assert_accepted(&k);
	assert_int_equal(SSL_version(k.c), TLS1_3_VERSION);
	conn_free(&k);
}

static void
test_tls12_works(void **state)
{
	struct hs_tls_config c = cfg();
	SSL_CTX *cctx;
	struct conn k;
	const SSL_CIPHER *ciph;

	c.cafile = P.crt[CA1];
	cctx = client_ctx(&c);
	SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION);
	conn_run(&k, server_of(GOOD), cctx, &c, "localhost");
	assert_accepted(&k);
	assert_int_equal(SSL_version(k.c), TLS1_2_VERSION);
	ciph = SSL_get_current_cipher(k.c);
	assert_true(SSL_CIPHER_get_kx_nid(ciph) == NID_kx_ecdhe);
	assert_true(SSL_CIPHER_is_aead(ciph));
	conn_free(&k);
}

static void
test_min_version_invalid(void **state)
{
	static const int bad[] = {0, TLS1_VERSION, TLS1_1_VERSION, 0x0305};
	struct hs_tls_config c = cfg();
	SSL_CTX *ctx = NULL;

	c.cert = P.crt[GOOD];
	c.key = P.key[GOOD];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		c.min_version = bad[i];
		assert_int_equal(hs_tls_server_ctx(&c, &ctx), HS_ECONFIG);
		assert_null(ctx);
		assert_non_null(strstr(hs_detail(), "min_version"));
		assert_int_equal(hs_tls_client_ctx(&c, &ctx), HS_ECONFIG);
		assert_null(ctx);
	}
}

static void
test_server_options(void **state)
{
	SSL_CTX *ctx = server_of(GOOD);
	uint64_t o = SSL_CTX_get_options(ctx);

	assert_true(o & SSL_OP_CIPHER_SERVER_PREFERENCE);
	assert_true(o & SSL_OP_NO_RENEGOTIATION);
	assert_true(o & SSL_OP_NO_COMPRESSION);
	assert_int_equal(SSL_CTX_get_max_early_data(ctx), 0);
	assert_int_equal(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
	assert_int_equal(SSL_CTX_get_verify_mode(ctx), SSL_VERIFY_NONE);
	/* TLS 1.2 suites are ECDHE with AEAD only */
	STACK_OF(SSL_CIPHER) *sk = SSL_CTX_get_ciphers(ctx);
	for (int i = 0; i < sk_SSL_CIPHER_num(sk); i++) {
		const SSL_CIPHER *ci = sk_SSL_CIPHER_value(sk, i);

		assert_true(SSL_CIPHER_is_aead(ci));
		if (strcmp(SSL_CIPHER_get_version(ci), "TLSv1.3") != 0)
			assert_int_equal(SSL_CIPHER_get_kx_nid(ci), NID_kx_ecdhe);
	}
	SSL_CTX_free(ctx);
}

static void
test_no_shared_cipher(void **state)
{
	struct hs_tls_config s = cfg(), c = cfg();
	SSL_CTX *sctx = NULL, *cctx;
	struct conn k;

	s.cert = P.auto_cert;            /* RSA */
	s.key = P.auto_key;
	s.ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256";
	assert_int_equal(hs_tls_server_ctx(&s, &sctx), HS_OK);
	c.insecure = true;
	cctx = client_ctx(&c);
	SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION);
	conn_run(&k, sctx, cctx, &c, "localhost");
	assert_server_refused(&k, "no shared cipher");
	conn_free(&k);
	s.ciphers = "NOT-A-CIPHER";
	assert_int_equal(hs_tls_server_ctx(&s, &sctx), HS_ECONFIG);
	assert_non_null(strstr(hs_detail(), "TLS: bad cipher list NOT-A-CIPHER"));
}

static void
write_encrypted_key(const char *from, const char *to)
{
	FILE *f = fopen(from, "r");
	EVP_PKEY *k;
	int fd;

	assert_non_null(f);
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(k);
	fd = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, k, EVP_aes_128_cbc(), NULL, 0,
	                                      NULL, (void *)"secret"), 1);
	fclose(f);
	EVP_PKEY_free(k);
}

static void
test_server_bad_files(void **state)
{
	struct hs_tls_config c = cfg();
	char missing[PATH_MAX], prefix[PATH_MAX + 64], enc[PATH_MAX];
	SSL_CTX *ctx = NULL;

	join(missing, P.dir, "missing.crt");
	join(enc, P.dir, "encrypted.key");
	c.cert = missing;
	c.key = P.key[GOOD];
	assert_int_equal(hs_tls_server_ctx(&c, &ctx), HS_ECONFIG);
	assert_null(ctx);
	snprintf(prefix, sizeof prefix, "TLS: cannot load certificate %s: ",
	         missing);
	assert_int_equal(strncmp(hs_detail(), prefix, strlen(prefix)), 0);
	assert_true(strlen(hs_detail()) > strlen(prefix));
	assert_null(strchr(hs_detail(), '\n'));
	/* a key that belongs to another certificate */
	c.cert = P.crt[GOOD];
	c.key = P.key[OTHER];
	assert_int_equal(hs_tls_server_ctx(&c, &ctx), HS_ECONFIG);
	assert_non_null(strstr(hs_detail(), "does not match"));
	/* an encrypted key: refused, never a passphrase prompt */
	write_encrypted_key(P.key[GOOD], enc);
	c.key = enc;
	assert_int_equal(hs_tls_server_ctx(&c, &ctx), HS_ECONFIG);
	assert_non_null(strstr(hs_detail(), "encrypted"));
	/* not a certificate at all */
	c.cert = P.key[GOOD];
	c.key = P.key[GOOD];
	assert_int_equal(hs_tls_server_ctx(&c, &ctx), HS_ECONFIG);
	assert_non_null(strstr(hs_detail(), "TLS: cannot load certificate "));
	/* nothing configured */
	c.cert = NULL;
	assert_int_equal(hs_tls_server_ctx(&c, &ctx), HS_ECONFIG);
	assert_int_equal(ERR_peek_error(), 0);
}

/* ---- mutual TLS ---------------------------------------------------------- */

static void
test_mtls_refuses_no_cert(void **state)
{
	struct hs_tls_config c = cfg();
	struct conn k;

	c.cafile = P.crt[CA1];
	dial(&k, server_ctx(P.crt[GOOD], P.key[GOOD], P.crt[CA1]), &c,
	     "localhost");
	assert_server_refused(&k, "peer did not return a certificate");
	conn_free(&k);
}

static void
test_mtls_accepts_cert_from_ca(void **state)
{
	struct hs_tls_config c = cfg();
	struct conn k;
	X509 *peer;
	char cn[64];

	c.cafile = P.crt[CA1];
	c.client_cert = P.crt[CLIENT1];
	c.client_key = P.key[CLIENT1];
	dial(&k, server_ctx(P.crt[GOOD], P.key[GOOD], P.crt[CA1]), &c,
	     "localhost");
	assert_accepted(&k);
	peer = SSL_get1_peer_certificate(k.s);
	assert_non_null(peer);
	assert_int_equal(SSL_get_verify_result(k.s), X509_V_OK);
	X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn,
	                          sizeof cn);
	assert_string_equal(cn, "client one");
	X509_free(peer);
	conn_free(&k);
}

static void
test_mtls_refuses_other_ca(void **state)
{
	struct hs_tls_config c = cfg();
	struct conn k;

	c.cafile = P.crt[CA1];
	c.client_cert = P.crt[CLIENT2];
	c.client_key = P.key[CLIENT2];
	dial(&k, server_ctx(P.crt[GOOD], P.key[GOOD], P.crt[CA1]), &c,
	     "localhost");
	assert_server_refused(&k, "certificate verify failed");
	conn_free(&k);
}

static void
test_client_cert_needs_key(void **state)
{
	struct hs_tls_config c = cfg();
	SSL_CTX *ctx = NULL;

	c.client_cert = P.crt[CLIENT1];
	assert_int_equal(hs_tls_client_ctx(&c, &ctx), HS_ECONFIG);
	assert_null(ctx);
	c.client_cert = NULL;
	c.client_key = P.key[CLIENT1];
	assert_int_equal(hs_tls_client_ctx(&c, &ctx), HS_ECONFIG);
	c.client_cert = P.crt[CLIENT1];
	c.client_key = P.key[CLIENT2];
	assert_int_equal(hs_tls_client_ctx(&c, &ctx), HS_ECONFIG);
	assert_non_null(strstr(hs_detail(), "does not match"));
}

/* ---- SNI --------------------------------------------------------------- */

static void
test_sni(void **state)
{
	struct hs_tls_config c = cfg();
	struct conn k;

	c.cafile = P.crt[CA1];
	dial(&k, server_of(GOOD), &c, "localhost");
	assert_accepted(&k);
	assert_string_equal(SSL_get_servername(k.s, TLSEXT_NAMETYPE_host_name),
	                    "localhost");
	conn_free(&k);
	dial(&k, server_of(GOOD), &c, "127.0.0.1");   /* no SNI for literals */
	assert_accepted(&k);
	assert_null(SSL_get_servername(k.s, TLSEXT_NAMETYPE_host_name));
	conn_free(&k);
	c.servername = "127.0.0.1";
	dial(&k, server_of(GOOD), &c, "localhost");
	assert_accepted(&k);
	assert_null(SSL_get_servername(k.s, TLSEXT_NAMETYPE_host_name));
	conn_free(&k);
}

/* ---- channel binding ------------------------------------------------------ */

static void
test_binding(void **state)
{
	struct hs_tls_config c = cfg();
	unsigned char a[32], b[32], a2[32], b2[32], zero[32] = {0};
	struct conn k1, k2;
	SSL_CTX *cctx;

	c.fingerprint = P.fp[GOOD];
	dial(&k1, server_of(GOOD), &c, "localhost");
	assert_accepted(&k1);
	assert_int_equal(hs_tls_binding(k1.c, a), HS_OK);
	assert_int_equal(hs_tls_binding(k1.s, b), HS_OK);
	assert_memory_equal(a, b, 32);
	assert_memory_not_equal(a, zero, 32);
	/* another connection, TLS 1.2 this time */
	cctx = client_ctx(&c);
	SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION);
	conn_run(&k2, server_of(GOOD), cctx, &c, "localhost");
	assert_accepted(&k2);
	assert_int_equal(hs_tls_binding(k2.c, a2), HS_OK);
	assert_int_equal(hs_tls_binding(k2.s, b2), HS_OK);
	assert_memory_equal(a2, b2, 32);
	assert_memory_not_equal(a, a2, 32);
	conn_free(&k1);
	conn_free(&k2);
}

static void
test_binding_needs_ems_and_handshake(void **state)
{
	struct hs_tls_config c = cfg();
	unsigned char out[32];
	struct conn k;
	SSL_CTX *cctx;
	SSL *fresh;

	c.insecure = true;
	cctx = client_ctx(&c);
	SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION);
	SSL_CTX_set_options(cctx, SSL_OP_NO_EXTENDED_MASTER_SECRET);
	cap_start();
	conn_run(&k, server_of(GOOD), cctx, &c, "localhost");
	free(cap_end());
	assert_accepted(&k);
	assert_int_equal(hs_tls_binding(k.c, out), HS_EINPUT);
	assert_non_null(strstr(hs_detail(), "extended master secret"));
	assert_int_equal(hs_tls_binding(k.s, out), HS_EINPUT);
	conn_free(&k);
	cctx = client_ctx(&c);
	fresh = SSL_new(cctx);
	assert_int_equal(hs_tls_binding(fresh, out), HS_EINTERNAL);
	SSL_free(fresh);
	SSL_CTX_free(cctx);
}

/* ---- hs_tls_error ----------------------------------------------------------- */

static void
test_error_one_line(void **state)
{
	struct hs_tls_config c = cfg();
	struct conn k;
	char buf[256], small[12];
	SSL_CTX *ctx;

	c.cafile = P.crt[CA2];
	dial(&k, server_of(GOOD), &c, "localhost");
	assert_int_equal(k.cst, -1);
	assert_true(strlen(k.cerr) > 0);
	assert_null(strchr(k.cerr, '\n'));
	assert_true(strlen(k.serr) > 0);
	assert_null(strchr(k.serr, '\n'));
	assert_int_equal(ERR_peek_error(), 0);
	conn_free(&k);
	/* from the queue alone, and into a small buffer */
	ctx = SSL_CTX_new(TLS_method());
	assert_int_equal(SSL_CTX_use_certificate_file(ctx, "/nonexistent/x",
	                                              SSL_FILETYPE_PEM), 0);
	assert_int_not_equal(ERR_peek_error(), 0);
	hs_tls_error(NULL, buf, sizeof buf);
	assert_true(strlen(buf) > 0);
	assert_null(strchr(buf, '\n'));
	assert_int_equal(ERR_peek_error(), 0);
	SSL_CTX_use_certificate_file(ctx, "/nonexistent/x", SSL_FILETYPE_PEM);
	hs_tls_error(NULL, small, sizeof small);
	assert_true(strlen(small) > 0 && strlen(small) < sizeof small);
	assert_int_equal(ERR_peek_error(), 0);
	/* nothing queued at all */
	hs_tls_error(NULL, buf, sizeof buf);
	assert_true(strlen(buf) > 0);
	SSL_CTX_free(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ensure_cert_files),
		cmocka_unit_test(test_ensure_cert_contents),
		cmocka_unit_test(test_ensure_cert_key_matches),
		cmocka_unit_test(test_ensure_cert_idempotent),
		cmocka_unit_test(test_ensure_cert_regenerates),
		cmocka_unit_test(test_ensure_cert_refuses_open_key),
		cmocka_unit_test(test_fingerprint_format),
		cmocka_unit_test(test_fingerprint_parse_variants),
		cmocka_unit_test(test_fingerprint_parse_rejects),
		cmocka_unit_test(test_pin_right),
		cmocka_unit_test(test_pin_wrong),
		cmocka_unit_test(test_pin_overrides_cafile),
		cmocka_unit_test(test_pin_ignores_dates),
		cmocka_unit_test(test_pin_malformed_is_config_error),
		cmocka_unit_test(test_cafile_right),
		cmocka_unit_test(test_cafile_wrong_ca),
		cmocka_unit_test(test_cafile_servername_right),
		cmocka_unit_test(test_cafile_servername_wrong),
		cmocka_unit_test(test_cafile_checks_dialled_host),
		cmocka_unit_test(test_cafile_cn_is_not_a_name),
		cmocka_unit_test(test_cafile_auto_cert_single_host),
		cmocka_unit_test(test_expired_rejected),
		cmocka_unit_test(test_cafile_unreadable),
		cmocka_unit_test(test_system_right_name),
		cmocka_unit_test(test_system_wrong_name),
		cmocka_unit_test(test_system_self_signed_rejected),
		cmocka_unit_test(test_system_needs_a_name),
		cmocka_unit_test(test_insecure_accepts_anything),
		cmocka_unit_test(test_tls11_client_refused),
		cmocka_unit_test(test_min_version_tls13),
		cmocka_unit_test(test_tls12_works),
		cmocka_unit_test(test_min_version_invalid),
		cmocka_unit_test(test_server_options),
		cmocka_unit_test(test_no_shared_cipher),
		cmocka_unit_test(test_server_bad_files),
		cmocka_unit_test(test_mtls_refuses_no_cert),
		cmocka_unit_test(test_mtls_accepts_cert_from_ca),
		cmocka_unit_test(test_mtls_refuses_other_ca),
		cmocka_unit_test(test_client_cert_needs_key),
		cmocka_unit_test(test_sni),
		cmocka_unit_test(test_binding),
		cmocka_unit_test(test_binding_needs_ems_and_handshake),
		cmocka_unit_test(test_error_one_line),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
