/* gen_config_doc.c: render docs/config.md from the key table, so the
 * reference can never drift from the code (make check compares them). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

static const char *type_names[] = {
	[CFG_BOOL] = "bool", [CFG_INT] = "integer", [CFG_FLOAT] = "number",
	[CFG_STRING] = "string", [CFG_SIZE] = "size", [CFG_ENUM] = "choice",
	[CFG_TABLE] = "table", [CFG_ANY] = "any",
};

static void
bounds(const struct cfg_key *k, char *buf, size_t len)
{
	buf[0] = '\0';
	if (k->type == CFG_ENUM)
		snprintf(buf, len, "%s", k->choices);
	else if (k->min < k->max && isinf(k->max))
		snprintf(buf, len, ">= %.15g", k->min);
	else if (k->min < k->max)
		snprintf(buf, len, "%.15g..%.15g", k->min, k->max);
}

static void
env_name(const char *key, char *buf, size_t len)
{
	cfg_env_name(key, buf, len);
}

int
main(void)
{
	char section[64] = "", b[128], env[128];
	const char *dot;

	printf("# Configuration reference\n\n"
	       "Generated from `src/config_keys.c` by `make docs`; do not edit.\n\n"
	       "Files, lowest precedence first: built-in defaults, `/etc/hypershell.toml`\n"
	       "(system), `~/.hypershell/config.toml` (user), `./.hypershell/config.toml` or\n"
	       "`$HYPERSHELL_SITE/config.toml` (local), then environment variables, then\n"
	       "command-line options. `HYPERSHELL_CONFIG_FILE=PATH` reads only that file\n"
	       "(empty: no file). Every key can also be given as `KEY_env = \"VAR\"` (read\n"
	       "the variable) or `KEY_eval = \"command\"` (run it with `/bin/sh -c`, 10 s\n"
	       "limit, use its trimmed output); the highest layer holding any form wins,\n"
	       "and two forms in one layer are an error. The value `\"<none>\"` means unset.\n"
	       "Secrets print as `***` in `hs config get` unless `--reveal`, and a file\n"
	       "holding one that others can read draws a warning.\n\n"
	       "Each key is also the variable `HYPERSHELL_<SECTION>_<KEY>` (upper case,\n"
	       "dots as underscores; `_ENV`/`_EVAL` suffixes too). Keys containing `_` work\n"
	       "(the original split on every underscore). `HYPERSHELL_EXPORT_<NAME>` adds\n"
	       "to `[export]`; `HYPERSHELL_DATABASE_<NAME>` passes a database parameter.\n");
	for (size_t i = 0; i < hs_cfg_nkeys; i++) {
		const struct cfg_key *k = &hs_cfg_keys[i];
		size_t n = (dot = strchr(k->name, '.')) ? (size_t)(dot - k->name) : strlen(k->name);
		if (strlen(section) != n || strncmp(section, k->name, n) != 0) {
			snprintf(section, sizeof section, "%.*s", (int)n, k->name);
			printf("\n## [%s]\n\n| key | type | default | allowed | secret | "
			       "environment | meaning |\n|---|---|---|---|---|---|---|\n", section);
		}
		bounds(k, b, sizeof b);
		env_name(k->name, env, sizeof env);
		printf("| `%s` | %s | %s%s%s | %s | %s | `%s` | %s |\n", k->name,
		       type_names[k->type], k->def ? "`" : "", k->def ? k->def : "-",
		       k->def ? "`" : "", b, k->flags & CFG_SECRET ? "yes" : "",
		       env, k->help);
	}
	return 0;
}
