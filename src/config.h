/* config.h: layered configuration driven by one declarative key table.
 *
 * Layers, lowest to highest: defaults < system < user < local < environment;
 * commands apply their own flags on top. Each key may be given as X, X_env
 * (name of an environment variable holding the value) or X_eval (a shell
 * command printing it); the highest layer that has any form wins, and two
 * forms in one layer are an error. `_eval` runs only when the key is read.
 * The table (config_keys.c) drives parsing, validation, `hs config` and
 * docs/config.md.
 */
#ifndef HS_CONFIG_H
#define HS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "site.h"
#include "toml.h"

enum cfg_type {
	CFG_BOOL,
	CFG_INT,
	CFG_FLOAT,
	CFG_STRING,
	CFG_SIZE,    /* bytes: an integer or "512MB" (powers of 1024) */
	CFG_ENUM,    /* one of choices, case-insensitive */
	CFG_TABLE,   /* an open table (export, database.pragmas) */
	CFG_ANY,     /* any TOML value (ssh.nodelist) */
};

#define CFG_SECRET 0x01  /* printed as *** without --reveal; never logged */
#define CFG_PATH   0x02  /* a leading ~/ expands to $HOME */

struct cfg_key {
	const char *name;     /* dotted: "server.tls.min_version" */
	enum cfg_type type;
	const char *def;      /* default as text, NULL for none */
	double min, max;      /* bounds for numbers when min < max */
	const char *choices;  /* CFG_ENUM: "a|b|c" */
	unsigned flags;
	const char *help;     /* one line for docs/config.md */
};

extern const struct cfg_key hs_cfg_keys[];
extern const size_t hs_cfg_nkeys;

/* The key named name, or NULL. */
const struct cfg_key *cfg_key_find(const char *name);

enum cfg_layer {
	CFG_L_DEFAULT,
	CFG_L_SYSTEM,
	CFG_L_USER,
	CFG_L_LOCAL,
	CFG_L_ENV,
	CFG_L_COUNT,
};

enum cfg_variant { CFG_V_PLAIN, CFG_V_ENV, CFG_V_EVAL };

struct cfg_value {
	bool null;
	bool b;
	int64_t i;     /* CFG_INT, CFG_SIZE */
	double d;      /* CFG_FLOAT (also set for INT and SIZE) */
	const char *s; /* CFG_STRING, CFG_ENUM; owned by the config */
	const struct toml_value *tv;  /* CFG_TABLE, CFG_ANY from a file */
};

/* Where a key's effective value comes from. */
struct cfg_origin {
	enum cfg_layer layer;
	enum cfg_variant variant;
	const char *where;  /* file path or environment variable name */
	int line;           /* 0 when not from a file */
	const char *raw;    /* _env/_eval: the variable name or command; else NULL */
};

struct hs_config;

/* Read the files and environment, validate every key (except _eval ones),
 * warn about unknown keys and secrets in loosely-permissioned files.
 * HS_ECONFIG with a "file:line: key: message" detail on error. */
hs_err hs_config_load(struct hs_config **out, const struct hs_paths *paths);
void hs_config_free(struct hs_config *c);

/* The effective value of a known key (running _eval if needed). */
hs_err cfg_get(struct hs_config *c, const char *name, struct cfg_value *out);
hs_err cfg_origin(struct hs_config *c, const char *name, struct cfg_origin *o);

/* Shorthands; a null value gives false / 0 / NULL. */
bool cfg_bool(struct hs_config *c, const char *name);
int64_t cfg_int(struct hs_config *c, const char *name);
double cfg_double(struct hs_config *c, const char *name);
const char *cfg_str(struct hs_config *c, const char *name);

/* Coerce text (environment, command line, hs config set) to key k's type.
 * "", "null" and "<none>" are null. HS_ECONFIG with a message in err. */
hs_err cfg_from_text(const struct cfg_key *k, const char *text,
                     struct cfg_value *out, char *err, size_t errlen);

/* The parsed tree and path of a file layer (NULL if absent). */
const struct toml_value *cfg_layer_tree(const struct hs_config *c,
                                        enum cfg_layer l);
const char *cfg_layer_path(const struct hs_config *c, enum cfg_layer l);
const char *cfg_layer_name(enum cfg_layer l);

/* Visit the merged entries of an open table (export, database extras):
 * fn(arg, subkey, toml value or NULL, text or NULL). */
typedef void (*cfg_entry_fn)(void *arg, const char *key,
                             const struct toml_value *tv, const char *text);
void cfg_each_entry(struct hs_config *c, const char *table, cfg_entry_fn fn,
                    void *arg);

/* Read and parse one TOML file. A missing file gives HS_OK with *out NULL.
 * Errors: HS_ECONFIG "path:line:col: message". */
hs_err cfg_read_file(const char *path, struct toml_value **out);

/* Environment variable name of a key: HYPERSHELL_SERVER_TLS_MIN_VERSION. */
void cfg_env_name(const char *key, char *buf, size_t len);

#endif
