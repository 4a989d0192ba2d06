/* netcfg.h: the queue connection settings of hs server, hs client (and
 * hs submit -q and hsx): address, port, key and TLS, from the
 * configuration with command-line overrides. Resolves the "<auto>" TLS
 * paths: the server's certificate is generated in <site lib>/tls on first
 * use; a client's trust anchor defaults to that same file when it exists
 * (one host or a shared file system). */
#ifndef HS_NETCFG_H
#define HS_NETCFG_H

#include <stdbool.h>

#include "cmd.h"
#include "tls.h"

/* Command-line values; NULL or -1 when not given. */
struct hs_netcli {
	const char *host;
	int port;
	const char *key;
	bool no_tls;
	const char *tls_cert, *tls_key, *tls_ca;
};

/* The command-line options every queue peer takes (hs client, hs submit
 * -q), in this order: -H, -p, -k, --no-tls, --tls-cert, --tls-key,
 * --tls-ca. */
enum hs_netopt {
	HS_NETOPT_HOST, HS_NETOPT_PORT, HS_NETOPT_AUTH, HS_NETOPT_NO_TLS,
	HS_NETOPT_TLS_CERT, HS_NETOPT_TLS_KEY, HS_NETOPT_TLS_CA,
};

/* Set one of them from the command line (val is borrowed). */
hs_err hs_netcli_set(struct hs_netcli *cli, enum hs_netopt which, const char *val);

struct hs_netcfg {
	char *host;                  /* owned */
	int port;
	char *key;                   /* owned, wiped on free; NULL if unset */
	bool tls;
	struct hs_tls_config tlscfg; /* strings point into strs */
	const char *auto_cafile;     /* client: the site certificate that did not
	                              * exist yet (cafile "<auto>"), or NULL */
	char *strs[12];              /* owned strings */
	int nstrs;
};

/* server: true for hs server (bind address, certificate generation). */
hs_err hs_netcfg_load(struct hs_app *app, bool server, const struct hs_netcli *cli,
                      struct hs_netcfg *out);
void hs_netcfg_free(struct hs_netcfg *n);

#endif
