/* config_keys.c: every configuration key, its type, default and bounds.
 *
 * This table is the single source of truth: hs_config_load validates
 * against it, environment variables are matched against it, `hs config`
 * lists it and scripts/gen-config-doc.sh renders docs/config.md from it.
 * Keys and defaults follow HyperShell v2.8 (reference §2.5).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#define NB 0, 0                 /* no bounds */
#define GE(lo) (lo), HUGE_VAL   /* at least lo */
#define RANGE(lo, hi) (lo), (hi)

const struct cfg_key hs_cfg_keys[] = {
	/* database */
	{"database.provider", CFG_ENUM, "sqlite", NB, "sqlite|postgres|postgresql", 0,
	 "Storage backend."},
	{"database.file", CFG_STRING, NULL, NB, NULL, CFG_PATH,
	 "SQLite database file (default: <site lib>/main.db)."},
	{"database.database", CFG_STRING, NULL, NB, NULL, 0, "PostgreSQL database name."},
	{"database.schema", CFG_STRING, NULL, NB, NULL, 0, "PostgreSQL schema."},
	{"database.host", CFG_STRING, NULL, NB, NULL, 0, "PostgreSQL host."},
	{"database.port", CFG_INT, NULL, RANGE(1, 65535), NULL, 0, "PostgreSQL port."},
	{"database.user", CFG_STRING, NULL, NB, NULL, 0, "PostgreSQL user."},
	{"database.password", CFG_STRING, NULL, NB, NULL, CFG_SECRET,
	 "PostgreSQL password (prefer password_env or password_eval)."},
	{"database.url", CFG_STRING, NULL, NB, NULL, CFG_SECRET,
	 "Full connection URL; overrides the other database keys."},
	{"database.sslmode", CFG_ENUM, NULL, NB,
	 "disable|allow|prefer|require|verify-ca|verify-full", 0,
	 "PostgreSQL TLS mode (libpq's; use verify-full beyond this host)."},
	{"database.sslrootcert", CFG_STRING, NULL, NB, NULL, CFG_PATH,
	 "CA certificate that signs the PostgreSQL server's."},
	{"database.sslcert", CFG_STRING, NULL, NB, NULL, CFG_PATH, "PostgreSQL client certificate."},
	{"database.sslkey", CFG_STRING, NULL, NB, NULL, CFG_PATH, "PostgreSQL client key."},
	{"database.connect_timeout", CFG_INT, NULL, GE(1), NULL, 0,
	 "Seconds to wait for a PostgreSQL connection."},
	{"database.application_name", CFG_STRING, NULL, NB, NULL, 0,
	 "PostgreSQL application_name (default: hypershell)."},
	{"database.echo", CFG_BOOL, "false", NB, NULL, 0, "Log every SQL statement at DEBUG."},
	{"database.connect_args", CFG_TABLE, NULL, NB, NULL, 0,
	 "Extra libpq connection parameters (keepalives, options, target_session_attrs...)."},
	{"database.pragmas", CFG_TABLE, NULL, NB, NULL, 0,
	 "SQLite PRAGMA name = value applied on every connection."},
	/* logging */
	{"logging.level", CFG_ENUM, "info", NB,
	 "trace|debug|info|warning|error|critical", 0, "Lowest level logged."},
	{"logging.color", CFG_BOOL, "true", NB, NULL, 0,
	 "Colour on a terminal (NO_COLOR and FORCE_COLOR also apply)."},
	{"logging.datefmt", CFG_STRING, "%Y-%m-%d %H:%M:%S", NB, NULL, 0,
	 "strftime format of %(asctime)s."},
	{"logging.style", CFG_ENUM, "default", NB,
	 "default|detailed|detailed-compact|system|short", 0, "Log line layout."},
	{"logging.format", CFG_STRING, NULL, NB, NULL, 0,
	 "Explicit format with %(field)s placeholders; overrides style."},
	/* task */
	{"task.cwd", CFG_STRING, NULL, NB, NULL, CFG_PATH,
	 "Working directory of tasks (default: the client's)."},
	{"task.cores", CFG_INT, "0", GE(0), NULL, 0, "Cores a task needs (0: unset)."},
	{"task.memory", CFG_SIZE, "0", GE(0), NULL, 0, "Memory a task needs (0: unset)."},
	{"task.timeout", CFG_INT, "0", GE(0), NULL, 0, "Task time limit in seconds (0: none)."},
	{"task.signalwait", CFG_INT, "10", GE(1), NULL, 0,
	 "Seconds between escalating signals to a task being stopped."},
	/* submit */
	{"submit.bundlesize", CFG_INT, "1", GE(1), NULL, 0,
	 "Tasks gathered before a commit when input is slow."},
	{"submit.bundlewait", CFG_FLOAT, "5", GE(0), NULL, 0,
	 "Seconds a partial batch may wait before it is committed."},
	{"submit.max_line_length", CFG_INT, "65536", RANGE(16, 16777216), NULL, 0,
	 "Longest task line accepted, in bytes."},
	/* server */
	{"server.bind", CFG_STRING, "localhost", NB, NULL, 0, "Address the server listens on."},
	{"server.host", CFG_STRING, "localhost", NB, NULL, 0, "Address clients connect to."},
	{"server.port", CFG_INT, "50001", RANGE(1, 65535), NULL, 0, "Queue port."},
	{"server.auth", CFG_STRING, "<not-secure>", NB, NULL, CFG_SECRET,
	 "Shared authentication key (prefer auth_env or auth_eval)."},
	{"server.queuesize", CFG_INT, "1", GE(1), NULL, 0, "Bundles prepared ahead."},
	{"server.bundlesize", CFG_INT, "1", GE(1), NULL, 0, "Tasks per bundle."},
	{"server.attempts", CFG_INT, "1", GE(1), NULL, 0, "Attempts per task (1: no retries)."},
	{"server.eager", CFG_BOOL, "false", NB, NULL, 0, "Schedule retries before new tasks."},
	{"server.poll", CFG_FLOAT, "30", RANGE(0.001, 86400), NULL, 0,
	 "Longest wait between database polls, in seconds."},
	{"server.crash_limit", CFG_INT, "3", RANGE(0, 1000000), NULL, 0,
	 "Evicted clients a task may have been running on before it is marked failed (status -1003); 0: no limit."},
	{"server.evict", CFG_FLOAT, "600", RANGE(10, 31536000), NULL, 0,
	 "Seconds without a heartbeat before a client is evicted."},
	{"server.handshake_timeout", CFG_FLOAT, "10", RANGE(0.1, 3600), NULL, 0,
	 "Seconds a new connection has to finish TLS and authentication."},
	{"server.frame_max", CFG_SIZE, "1MB", RANGE(4096, 67108864), NULL, 0,
	 "Largest message accepted from an authenticated client."},
	{"server.max_connections", CFG_INT, "1024", RANGE(1, 1000000), NULL, 0,
	 "Most client connections at once."},
	{"server.max_pending", CFG_INT, "64", RANGE(1, 100000), NULL, 0,
	 "Most connections still in the handshake at once."},
	{"server.status_interval", CFG_FLOAT, "60", RANGE(1, 86400), NULL, 0,
	 "Seconds between status lines at INFO."},
	{"server.tls.enabled", CFG_BOOL, "true", NB, NULL, 0, "Encrypt the queue with TLS."},
	{"server.tls.cert", CFG_STRING, "<auto>", NB, NULL, CFG_PATH,
	 "Server certificate (<auto>: generated in <site lib>/tls)."},
	{"server.tls.key", CFG_STRING, "<auto>", NB, NULL, CFG_PATH, "Server private key."},
	{"server.tls.cafile", CFG_STRING, "<auto>", NB, NULL, CFG_PATH,
	 "Trust anchor for clients (<auto>: the server's own certificate)."},
	{"server.tls.fingerprint", CFG_STRING, NULL, NB, NULL, 0,
	 "Pinned SHA-256 fingerprint of the server certificate."},
	{"server.tls.ciphers", CFG_STRING, NULL, NB, NULL, 0, "OpenSSL cipher list."},
	{"server.tls.servername", CFG_STRING, NULL, NB, NULL, 0,
	 "Name checked against the server certificate."},
	{"server.tls.insecure", CFG_BOOL, "false", NB, NULL, 0,
	 "Skip server verification (warns on every connection)."},
	{"server.tls.client_cafile", CFG_STRING, NULL, NB, NULL, CFG_PATH,
	 "Server: require client certificates issued by this CA (mutual TLS)."},
	{"server.tls.client_cert", CFG_STRING, NULL, NB, NULL, CFG_PATH,
	 "Client: certificate presented for mutual TLS."},
	{"server.tls.client_key", CFG_STRING, NULL, NB, NULL, CFG_PATH,
	 "Client: private key for mutual TLS."},
	{"server.tls.min_version", CFG_ENUM, "TLSv1.2", NB, "TLSv1.2|TLSv1.3", 0,
	 "Oldest TLS version accepted."},
	/* client */
	{"client.bundlesize", CFG_INT, "1", GE(1), NULL, 0, "Results per returned bundle (with 1, a result waits up to 5 ms for others finishing meanwhile)."},
	{"client.bundlewait", CFG_FLOAT, "5", GE(0), NULL, 0,
	 "Seconds before a partial result bundle is returned."},
	{"client.heartrate", CFG_FLOAT, "10", RANGE(0.1, 3600), NULL, 0,
	 "Seconds between heartbeats."},
	{"client.timeout", CFG_FLOAT, "0", GE(0), NULL, 0,
	 "Seconds idle before the client exits (0: never)."},
	{"client.reconnect", CFG_FLOAT, "300", RANGE(0, 86400), NULL, 0,
	 "Seconds to keep trying to reach a lost server (0: give up at once)."},
	{"client.cores", CFG_INT, "0", GE(0), NULL, 0, "Cores the client offers (0: all)."},
	{"client.memory", CFG_SIZE, "0", GE(0), NULL, 0, "Memory the client offers (0: all)."},
	{"client.ratelimit", CFG_FLOAT, "0", GE(0), NULL, 0,
	 "Tasks per second per client (0: unlimited)."},
	/* ssh */
	{"ssh.config", CFG_STRING, "~/.ssh/config", NB, NULL, CFG_PATH, "OpenSSH client config."},
	{"ssh.args", CFG_STRING, NULL, NB, NULL, 0, "Extra ssh arguments."},
	{"ssh.nodelist", CFG_ANY, NULL, NB, NULL, 0,
	 "Hosts: a pattern, a list, or a table of named lists."},
	/* autoscale */
	{"autoscale.policy", CFG_ENUM, "fixed", NB, "fixed|dynamic", 0, "Scaling policy."},
	{"autoscale.factor", CFG_FLOAT, "1", RANGE(0.000001, 1e9), NULL, 0, "Pressure scale."},
	{"autoscale.period", CFG_FLOAT, "60", RANGE(0.1, 86400), NULL, 0,
	 "Seconds between scaling decisions."},
	{"autoscale.launcher", CFG_STRING, NULL, NB, NULL, 0, "Command that starts one client."},
	{"autoscale.size.init", CFG_INT, "1", GE(0), NULL, 0, "Clients launched at start."},
	{"autoscale.size.min", CFG_INT, "0", GE(0), NULL, 0, "Fewest clients kept."},
	{"autoscale.size.max", CFG_INT, "1", GE(0), NULL, 0, "Most clients launched."},
	/* console */
	{"console.theme", CFG_STRING, "monokai", NB, NULL, 0, "Colour theme (accepted, unused)."},
	/* export */
	{"export", CFG_TABLE, NULL, NB, NULL, 0,
	 "Variables exported to every task (keys upper-cased)."},
};

const size_t hs_cfg_nkeys = sizeof hs_cfg_keys / sizeof hs_cfg_keys[0];

const struct cfg_key *
cfg_key_find(const char *name)
{
	for (size_t i = 0; i < hs_cfg_nkeys; i++)
		if (strcmp(hs_cfg_keys[i].name, name) == 0)
			return &hs_cfg_keys[i];
	return NULL;
}
