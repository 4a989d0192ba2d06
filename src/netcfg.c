/* netcfg.c: queue connection settings from configuration and flags. */
#include "netcfg.h"

#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "opt.h"
#include "site.h"

/* Keep a copy of s (NULL stays NULL) owned by n. */
static const char *
keep(struct hs_netcfg *n, const char *s)
{
	char *c;

	if (s == NULL || n->nstrs >= (int)(sizeof n->strs / sizeof n->strs[0]))
		return NULL;
	if ((c = strdup(s)) == NULL)
		return NULL;
	n->strs[n->nstrs++] = c;
	return c;
}

static bool
is_auto(const char *s)
{
	return s != NULL && strcmp(s, "<auto>") == 0;
}

/* The first of cli and the config key that is set. */
static const char *
pick(struct hs_app *app, const char *cli, const char *key)
{
	return cli != NULL ? cli : cfg_str(app->cfg, key);
}

static hs_err
server_files(struct hs_app *app, const struct hs_netcli *cli, struct hs_netcfg *n)
{
	const char *cert = pick(app, cli->tls_cert, "server.tls.cert");
	const char *key = pick(app, cli->tls_key, "server.tls.key");
	char *dir, *c = NULL, *k = NULL;
	hs_err e = HS_OK;

	if (cert == NULL || key == NULL || is_auto(cert) || is_auto(key)) {
		if ((dir = hs_path_join(hs_paths_lib(&app->paths), "tls")) == NULL)
			return HS_ENOMEM;
		e = hs_tls_ensure_cert(dir, &c, &k);
		free(dir);
		if (e != HS_OK)
			return e;
		cert = c;
		key = k;
	}
	n->tlscfg.cert = keep(n, cert);
	n->tlscfg.key = keep(n, key);
	n->tlscfg.client_cafile = keep(n, cfg_str(app->cfg, "server.tls.client_cafile"));
	free(c);
	free(k);
	return n->tlscfg.cert && n->tlscfg.key ? HS_OK : HS_ENOMEM;
}

/* A client trusts the server's own generated certificate when it can see
 * it (same host or shared file system); otherwise the system store. */
static void
client_files(struct hs_app *app, const struct hs_netcli *cli, struct hs_netcfg *n)
{
	const char *ca = pick(app, cli->tls_ca, "server.tls.cafile");
	char *dir = NULL, *own = NULL;

	if (is_auto(ca)) {
		dir = hs_path_join(hs_paths_lib(&app->paths), "tls");
		own = dir ? hs_path_join(dir, "server.crt") : NULL;
		ca = own != NULL && access(own, R_OK) == 0 ? own : NULL;
		if (ca == NULL && own != NULL)
			n->auto_cafile = keep(n, own);
	}
	n->tlscfg.cafile = keep(n, ca);
	n->tlscfg.client_cert = keep(n, cfg_str(app->cfg, "server.tls.client_cert"));
	n->tlscfg.client_key = keep(n, cfg_str(app->cfg, "server.tls.client_key"));
	free(own);
	free(dir);
}

static void
common_tls(struct hs_app *app, struct hs_netcfg *n)
{
	const char *v = cfg_str(app->cfg, "server.tls.min_version");

	n->tlscfg.enabled = n->tls;
	n->tlscfg.min_version = v && strcasecmp(v, "TLSv1.3") == 0 ? TLS1_3_VERSION
	                                                           : TLS1_2_VERSION;
	n->tlscfg.ciphers = keep(n, cfg_str(app->cfg, "server.tls.ciphers"));
	n->tlscfg.fingerprint = keep(n, cfg_str(app->cfg, "server.tls.fingerprint"));
	n->tlscfg.servername = keep(n, cfg_str(app->cfg, "server.tls.servername"));
	n->tlscfg.insecure = cfg_bool(app->cfg, "server.tls.insecure");
}

hs_err
hs_netcfg_load(struct hs_app *app, bool server, const struct hs_netcli *cli,
               struct hs_netcfg *n)
{
	const char *host = pick(app, cli->host, server ? "server.bind" : "server.host");
	const char *key = pick(app, cli->key, "server.auth");
	struct cfg_value tls;
	hs_err e;

	memset(n, 0, sizeof n[0]);
	n->port = cli->port > 0 ? cli->port : (int)cfg_int(app->cfg, "server.port");
	if ((e = cfg_get(app->cfg, "server.tls.enabled", &tls)) != HS_OK)
		return e;
	n->tls = !cli->no_tls && (tls.null || tls.b);
	if ((n->host = strdup(host ? host : "localhost")) == NULL ||
	    (key != NULL && (n->key = strdup(key)) == NULL))
		return HS_ENOMEM;
	if (!n->tls) {
		log_warning("TLS is disabled: queue traffic (tasks, results) travels in clear "
		            "text; not recommended outside a trusted host");
		return HS_OK;
	}
	common_tls(app, n);
	if (server)
		return server_files(app, cli, n);
	client_files(app, cli, n);
	return HS_OK;
}

hs_err
hs_netcli_set(struct hs_netcli *cli, enum hs_netopt which, const char *val)
{
	int64_t port;
	hs_err e;

	switch (which) {
	case HS_NETOPT_HOST: cli->host = val; return HS_OK;
	case HS_NETOPT_PORT:
		if ((e = hs_opt_int("-p/--port", val, 1, &port)) != HS_OK || port > 65535)
			return e ? e : hs_fail(HS_EUSAGE, "-p/--port must be 1..65535");
		cli->port = (int)port;
		return HS_OK;
	case HS_NETOPT_AUTH: cli->key = val; return HS_OK;
	case HS_NETOPT_NO_TLS: cli->no_tls = true; return HS_OK;
	case HS_NETOPT_TLS_CERT: cli->tls_cert = val; return HS_OK;
	case HS_NETOPT_TLS_KEY: cli->tls_key = val; return HS_OK;
	case HS_NETOPT_TLS_CA: cli->tls_ca = val; return HS_OK;
	}
	return HS_EINTERNAL;
}

void
hs_netcfg_free(struct hs_netcfg *n)
{
	if (n->key != NULL) {
		explicit_bzero(n->key, strlen(n->key));
		free(n->key);
	}
	free(n->host);
	for (int i = 0; i < n->nstrs; i++)
		free(n->strs[i]);
	memset(n, 0, sizeof *n);
}
