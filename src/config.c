/* config.c: loading, layering, validation and lookup of configuration. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "proc.h"
#include "units.h"

#define CFG_FILE_MAX (1 << 20)   /* largest config file read */
#define CFG_EVAL_TIMEOUT_MS 10000
#define CFG_EVAL_OUTPUT_MAX 65536
#define ENV_PREFIX "HYPERSHELL_"

extern char **environ;

/* One HYPERSHELL_* variable mapped to a key. */
struct env_entry {
	char *name;     /* dotted key without variant suffix; owned */
	enum cfg_variant variant;
	const char *text;  /* value, borrowed from environ */
	char *var;      /* variable name; owned */
};

/* Strings the config hands out (expanded paths, _eval output). */
struct cache_item {
	struct cache_item *next;
	char *key;   /* what was computed, e.g. "eval:server.auth" */
	char *val;
};

struct hs_config {
	struct toml_value *tree[CFG_L_COUNT];  /* file layers; owned */
	char *path[CFG_L_COUNT];               /* their paths; owned */
	struct env_entry *env;                 /* environment layer; owned */
	size_t nenv;
	struct cache_item *cache;              /* owned */
};

/* A key found in a layer. */
struct hit {
	enum cfg_layer layer;
	enum cfg_variant variant;
	const struct toml_value *tv;  /* from a file */
	const char *text;             /* from the environment or the default */
};

static const char *layer_names[CFG_L_COUNT] = {
	"default", "system", "user", "local", "env",
};
static const char *variant_suffix[] = {"", "_env", "_eval"};

const char *
cfg_layer_name(enum cfg_layer l)
{
	return (unsigned)l < CFG_L_COUNT ? layer_names[l] : "?";
}

const struct toml_value *
cfg_layer_tree(const struct hs_config *c, enum cfg_layer l)
{
	return (unsigned)l < CFG_L_COUNT ? c->tree[l] : NULL;
}

const char *
cfg_layer_path(const struct hs_config *c, enum cfg_layer l)
{
	return (unsigned)l < CFG_L_COUNT ? c->path[l] : NULL;
}

void
cfg_env_name(const char *key, char *buf, size_t len)
{
	size_t o = 0, n = strlen(ENV_PREFIX);

	if (len == 0)
		return;
	if (n < len) {
		memcpy(buf, ENV_PREFIX, n);
		o = n;
	}
	for (; *key != '\0' && o + 1 < len; key++)
		buf[o++] = *key == '.' ? '_' : (char)toupper((unsigned char)*key);
	buf[o] = '\0';
}

/* --- string cache ------------------------------------------------------ */

static const char *
cache_find(const struct hs_config *c, const char *key)
{
	for (const struct cache_item *it = c->cache; it; it = it->next)
		if (strcmp(it->key, key) == 0)
			return it->val;
	return NULL;
}

/* Store val (taken over) under key; returns val or NULL when out of memory. */
static const char *
cache_put(struct hs_config *c, const char *key, char *val)
{
	struct cache_item *it = calloc(1, sizeof *it);

	if (it == NULL || val == NULL || (it->key = strdup(key)) == NULL) {
		free(it);
		free(val);
		return NULL;
	}
	it->val = val;
	it->next = c->cache;
	c->cache = it;
	return val;
}

/* --- files ------------------------------------------------------------- */

static hs_err
slurp(const char *path, int fd, struct hs_buf *b)
{
	char chunk[8192];
	ssize_t n;
	hs_err e;

	while ((n = read(fd, chunk, sizeof chunk)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hs_fail(HS_ECONFIG, "%s: %s", path, strerror(errno));
		if ((e = hs_buf_append(b, chunk, (size_t)n)) != HS_OK)
			return e == HS_ELIMIT
			    ? hs_fail(HS_ECONFIG, "%s: file larger than %d bytes", path,
			              CFG_FILE_MAX)
			    : e;
	}
	return HS_OK;
}

hs_err
cfg_read_file(const char *path, struct toml_value **out)
{
	struct hs_buf b = HS_BUF_INIT(CFG_FILE_MAX);
	struct toml_error te;
	int fd;
	hs_err e;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return HS_OK;
		return hs_fail(HS_ECONFIG, "%s: %s", path, strerror(errno));
	}
	e = slurp(path, fd, &b);
	close(fd);
	if (e == HS_OK) {
		e = toml_parse(b.data ? b.data : "", b.len, out, &te);
		if (e != HS_OK && e != HS_ENOMEM)
			e = hs_fail(HS_ECONFIG, "%s:%d:%d: %s", path, te.line, te.col,
			            te.msg);
	}
	hs_buf_free(&b);
	return e;
}

/* --- environment layer -------------------------------------------------- */

static bool
is_special_env(const char *rest, size_t n)
{
	static const char *special[] = {"SITE", "CONFIG_FILE", "PYTHONPATH"};

	for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
		if (strlen(special[i]) == n && strncmp(rest, special[i], n) == 0)
			return true;
	return false;
}

/* Match the part after HYPERSHELL_ against the key table. */
static const struct cfg_key *
match_env(const char *rest, size_t restlen, enum cfg_variant *variant)
{
	char name[128];
	size_t plen = strlen(ENV_PREFIX), n;

	for (size_t i = 0; i < hs_cfg_nkeys; i++) {
		cfg_env_name(hs_cfg_keys[i].name, name, sizeof name);
		n = strlen(name) - plen;
		if (restlen < n || strncmp(rest, name + plen, n) != 0)
			continue;
		for (int v = CFG_V_PLAIN; v <= CFG_V_EVAL; v++) {
			if (strlen(variant_suffix[v]) != restlen - n ||
			    strncasecmp(rest + n, variant_suffix[v], restlen - n) != 0)
				continue;
			*variant = (enum cfg_variant)v;
			return &hs_cfg_keys[i];
		}
	}
	return NULL;
}

/* Open tables take any sub-key: HYPERSHELL_EXPORT_FOO -> export.foo. */
static char *
open_table_name(const char *rest, size_t restlen)
{
	static const char *open[] = {"EXPORT_", "DATABASE_"};
	char *s;

	for (size_t i = 0; i < sizeof open / sizeof open[0]; i++) {
		size_t n = strlen(open[i]);
		if (restlen <= n || strncmp(rest, open[i], n) != 0)
			continue;
		if ((s = strndup(rest, restlen)) == NULL)
			return NULL;
		for (char *p = s; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		s[n - 1] = '.';
		return s;
	}
	return NULL;
}

static hs_err
add_env(struct hs_config *c, const char *var, size_t varlen, char *name,
        enum cfg_variant v, const char *text)
{
	struct env_entry *ne = realloc(c->env, (c->nenv + 1) * sizeof *ne);

	if (ne == NULL || name == NULL) {
		free(name);
		return HS_ENOMEM;
	}
	c->env = ne;
	ne[c->nenv].name = name;
	ne[c->nenv].variant = v;
	ne[c->nenv].text = text;
	if ((ne[c->nenv].var = strndup(var, varlen)) == NULL) {
		free(name);
		return HS_ENOMEM;
	}
	c->nenv++;
	return HS_OK;
}

static hs_err
load_env(struct hs_config *c)
{
	size_t plen = strlen(ENV_PREFIX);
	const struct cfg_key *k;
	enum cfg_variant v = CFG_V_PLAIN;
	const char *eq, *rest;
	hs_err e = HS_OK;

	for (char **ep = environ; *ep != NULL && e == HS_OK; ep++) {
		if (strncmp(*ep, ENV_PREFIX, plen) != 0 || !(eq = strchr(*ep, '=')))
			continue;
		rest = *ep + plen;
		if (is_special_env(rest, (size_t)(eq - rest)))
			continue;
		if ((k = match_env(rest, (size_t)(eq - rest), &v)) != NULL)
			e = add_env(c, *ep, (size_t)(eq - *ep), strdup(k->name), v, eq + 1);
		else if (strncmp(rest, "EXPORT_", 7) == 0 || strncmp(rest, "DATABASE_", 9) == 0)
			e = add_env(c, *ep, (size_t)(eq - *ep),
			            open_table_name(rest, (size_t)(eq - rest)), CFG_V_PLAIN,
			            eq + 1);
		else
			log_warning("Ignoring unknown environment variable %.*s",
			            (int)(eq - *ep), *ep);
	}
	return e;
}

/* --- lookup ------------------------------------------------------------- */

static const struct toml_value *
tree_get(const struct toml_value *t, const char *name, enum cfg_variant v)
{
	const struct toml_value *db = toml_get(t, "database");
	char full[160];

	/* HyperShell's shorthand: database = "path" names the SQLite file */
	if (v == CFG_V_PLAIN && strcmp(name, "database.file") == 0 && db != NULL &&
	    db->type == TOML_STRING)
		return db;
	snprintf(full, sizeof full, "%s%s", name, variant_suffix[v]);
	return toml_get_path(t, full);
}

static const char *
layer_where(const struct hs_config *c, enum cfg_layer l)
{
	return c->path[l] ? c->path[l] : cfg_layer_name(l);
}

static hs_err
two_forms(const struct hs_config *c, enum cfg_layer l, const char *name,
          enum cfg_variant a, enum cfg_variant b)
{
	return hs_fail(HS_ECONFIG, "%s: both %s%s and %s%s are set; keep one",
	               layer_where(c, l), name, variant_suffix[a], name,
	               variant_suffix[b]);
}

static hs_err
find_in_env(const struct hs_config *c, const char *name, struct hit *h,
            bool *found)
{
	const struct env_entry *first = NULL;

	for (size_t i = 0; i < c->nenv; i++) {
		if (strcmp(c->env[i].name, name) != 0)
			continue;
		if (first != NULL)
			return hs_fail(HS_ECONFIG, "both %s and %s are set; keep one",
			               first->var, c->env[i].var);
		first = &c->env[i];
	}
	if (first != NULL) {
		h->layer = CFG_L_ENV;
		h->variant = first->variant;
		h->tv = NULL;
		h->text = first->text;
		*found = true;
	}
	return HS_OK;
}

static hs_err
find_in_file(const struct hs_config *c, enum cfg_layer l, const char *name,
             struct hit *h, bool *found)
{
	const struct toml_value *tv;
	int got = -1;

	for (int v = CFG_V_PLAIN; v <= CFG_V_EVAL; v++) {
		if ((tv = tree_get(c->tree[l], name, (enum cfg_variant)v)) == NULL)
			continue;
		if (got >= 0)
			return two_forms(c, l, name, (enum cfg_variant)got,
			                 (enum cfg_variant)v);
		got = v;
		h->tv = tv;
	}
	if (got >= 0) {
		h->layer = l;
		h->variant = (enum cfg_variant)got;
		h->text = NULL;
		*found = true;
	}
	return HS_OK;
}

/* The highest layer holding name in any form; the default otherwise. */
static hs_err
find(const struct hs_config *c, const struct cfg_key *k, struct hit *h)
{
	bool found = false;
	hs_err e;

	if ((e = find_in_env(c, k->name, h, &found)) != HS_OK || found)
		return e;
	for (int l = CFG_L_LOCAL; l >= CFG_L_SYSTEM; l--)
		if ((e = find_in_file(c, (enum cfg_layer)l, k->name, h, &found)) != HS_OK ||
		    found)
			return e;
	h->layer = CFG_L_DEFAULT;
	h->variant = CFG_V_PLAIN;
	h->tv = NULL;
	h->text = k->def;
	return HS_OK;
}

/* --- coercion ----------------------------------------------------------- */

static hs_err
check_bounds(const struct cfg_key *k, double v, char *err, size_t errlen)
{
	if (!(k->min < k->max) || (v >= k->min && v <= k->max))
		return HS_OK;
	if (isinf(k->max))
		snprintf(err, errlen, "%.15g is below the minimum %.15g", v, k->min);
	else
		snprintf(err, errlen, "%.15g is outside %.15g..%.15g", v, k->min, k->max);
	return HS_ECONFIG;
}

static hs_err
match_enum(const struct cfg_key *k, const char *s, struct cfg_value *out,
           char *err, size_t errlen)
{
	const char *p = k->choices, *bar;
	size_t n;

	while (p != NULL && *p != '\0') {
		bar = strchr(p, '|');
		n = bar ? (size_t)(bar - p) : strlen(p);
		if (strlen(s) == n && strncasecmp(s, p, n) == 0) {
			out->s = s;  /* as written: compare with strcasecmp */
			return HS_OK;
		}
		p = bar ? bar + 1 : NULL;
	}
	snprintf(err, errlen, "'%s' is not one of %s", s, k->choices);
	return HS_ECONFIG;
}

static bool
is_null_text(const char *s)
{
	return *s == '\0' || strcasecmp(s, "null") == 0 || strcmp(s, "<none>") == 0;
}

static hs_err
parse_bool(const char *s, bool *b)
{
	static const char *yes[] = {"true", "yes", "on", "1"};
	static const char *no[] = {"false", "no", "off", "0"};

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return (*b = true), HS_OK;
		if (strcasecmp(s, no[i]) == 0)
			return (*b = false), HS_OK;
	}
	return HS_EINPUT;
}

static hs_err
number_from_text(const struct cfg_key *k, const char *text,
                 struct cfg_value *out, char *err, size_t errlen)
{
	char *end;

	errno = 0;
	if (k->type == CFG_INT) {
		out->i = strtoll(text, &end, 10);
		out->d = (double)out->i;
	} else if (k->type == CFG_FLOAT) {
		out->d = strtod(text, &end);
		if (!isfinite(out->d))
			errno = ERANGE;
	} else {
		end = (char *)text + strlen(text);
		if (hs_parse_size(text, &out->i) != HS_OK)
			errno = EINVAL;
		out->d = (double)out->i;
	}
	if (errno != 0 || end == text || *end != '\0') {
		snprintf(err, errlen, "expected %s, got '%.40s'",
		         k->type == CFG_INT ? "an integer" : k->type == CFG_FLOAT
		         ? "a number" : "a size such as 512MB", text);
		return HS_ECONFIG;
	}
	return check_bounds(k, out->d, err, errlen);
}

hs_err
cfg_from_text(const struct cfg_key *k, const char *text, struct cfg_value *out,
              char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (text == NULL || is_null_text(text)) {
		out->null = true;
		return HS_OK;
	}
	switch (k->type) {
	case CFG_BOOL:
		if (parse_bool(text, &out->b) == HS_OK)
			return HS_OK;
		snprintf(err, errlen, "expected true or false, got '%.40s'", text);
		return HS_ECONFIG;
	case CFG_INT:
	case CFG_FLOAT:
	case CFG_SIZE:
		return number_from_text(k, text, out, err, errlen);
	case CFG_ENUM:
		return match_enum(k, text, out, err, errlen);
	case CFG_STRING:
		out->s = text;
		return HS_OK;
	default:
		snprintf(err, errlen, "a table cannot be given as text");
		return HS_ECONFIG;
	}
}

static hs_err
type_error(const struct cfg_key *k, const struct toml_value *tv, char *err,
           size_t errlen)
{
	static const char *want[] = {
		[CFG_BOOL] = "true or false", [CFG_INT] = "an integer",
		[CFG_FLOAT] = "a number", [CFG_STRING] = "a string",
		[CFG_SIZE] = "a size (integer bytes or a string like \"512MB\")",
		[CFG_ENUM] = "a string", [CFG_TABLE] = "a table", [CFG_ANY] = "a value",
	};

	snprintf(err, errlen, "expected %s, got %s", want[k->type],
	         toml_type_name(tv->type));
	return HS_ECONFIG;
}

static hs_err
from_toml(const struct cfg_key *k, const struct toml_value *tv,
          struct cfg_value *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (tv->type == TOML_STRING && strcmp(tv->u.str.ptr, "<none>") == 0) {
		out->null = true;
		return HS_OK;
	}
	switch (k->type) {
	case CFG_BOOL:
		if (tv->type != TOML_BOOL)
			return type_error(k, tv, err, errlen);
		out->b = tv->u.b;
		return HS_OK;
	case CFG_INT:
		if (tv->type != TOML_INTEGER)
			return type_error(k, tv, err, errlen);
		out->i = tv->u.i;
		out->d = (double)tv->u.i;
		return check_bounds(k, out->d, err, errlen);
	case CFG_FLOAT:
		if (tv->type != TOML_INTEGER && tv->type != TOML_FLOAT)
			return type_error(k, tv, err, errlen);
		out->d = tv->type == TOML_INTEGER ? (double)tv->u.i : tv->u.d;
		return check_bounds(k, out->d, err, errlen);
	case CFG_SIZE:
		if (tv->type == TOML_STRING)
			return number_from_text(k, tv->u.str.ptr, out, err, errlen);
		if (tv->type != TOML_INTEGER)
			return type_error(k, tv, err, errlen);
		out->i = tv->u.i;
		out->d = (double)tv->u.i;
		return check_bounds(k, out->d, err, errlen);
	case CFG_STRING:
	case CFG_ENUM:
		if (tv->type != TOML_STRING)
			return type_error(k, tv, err, errlen);
		if (k->type == CFG_ENUM)
			return match_enum(k, tv->u.str.ptr, out, err, errlen);
		out->s = tv->u.str.ptr;
		return HS_OK;
	case CFG_TABLE:
		if (tv->type != TOML_TABLE)
			return type_error(k, tv, err, errlen);
		out->tv = tv;
		return HS_OK;
	case CFG_ANY:
		out->tv = tv;
		return HS_OK;
	}
	return HS_EINTERNAL;
}

/* --- resolution of a hit into a value ---------------------------------- */

static hs_err
hit_error(const struct hs_config *c, const struct cfg_key *k,
          const struct hit *h, const char *msg)
{
	char var[128];

	if (h->layer == CFG_L_ENV) {
		cfg_env_name(k->name, var, sizeof var);
		return hs_fail(HS_ECONFIG, "%s%s: %s", var, h->variant == CFG_V_ENV
		               ? "_ENV" : h->variant == CFG_V_EVAL ? "_EVAL" : "", msg);
	}
	if (h->layer == CFG_L_DEFAULT)
		return hs_fail(HS_EINTERNAL, "default of %s: %s", k->name, msg);
	return hs_fail(HS_ECONFIG, "%s:%d: %s%s: %s", c->path[h->layer],
	               h->tv ? h->tv->line : 0, k->name, variant_suffix[h->variant],
	               msg);
}

/* The text of an _env/_eval hit (the variable name or the command). */
static hs_err
variant_text(const struct hs_config *c, const struct cfg_key *k,
             const struct hit *h, const char **text)
{
	if (h->tv == NULL) {
		*text = h->text;
		return HS_OK;
	}
	if (h->tv->type != TOML_STRING)
		return hit_error(c, k, h, "expected a string");
	*text = h->tv->u.str.ptr;
	return HS_OK;
}

static hs_err
run_eval(struct hs_config *c, const struct cfg_key *k, const struct hit *h,
         const char *cmd, const char **out)
{
	struct hs_buf b = HS_BUF_INIT(CFG_EVAL_OUTPUT_MAX);
	char ckey[160], msg[96];
	int status = 0;
	hs_err e;

	snprintf(ckey, sizeof ckey, "eval:%s", k->name);
	if ((*out = cache_find(c, ckey)) != NULL)
		return HS_OK;
	e = hs_run_capture(cmd, CFG_EVAL_TIMEOUT_MS, &b, &status);
	if (e == HS_OK && status != 0)
		snprintf(msg, sizeof msg, "command exited with status %d", status);
	else if (e != HS_OK)
		snprintf(msg, sizeof msg, "%s", hs_detail());
	if (e != HS_OK || status != 0) {
		if (b.data != NULL)
			explicit_bzero(b.data, b.len);
		hs_buf_free(&b);
		return hit_error(c, k, h, msg);
	}
	hs_buf_strip(&b);
	*out = cache_put(c, ckey, hs_buf_steal(&b));
	return *out ? HS_OK : HS_ENOMEM;
}

static hs_err
expand_path(struct hs_config *c, const struct cfg_key *k, struct cfg_value *v)
{
	const char *home = getenv("HOME"), *found;
	struct hs_buf ckey = HS_BUF_INIT(8192), b = HS_BUF_INIT(4096);
	hs_err e;

	if (!(k->flags & CFG_PATH) || v->null || v->s == NULL ||
	    strncmp(v->s, "~/", 2) != 0 || home == NULL)
		return HS_OK;
	if ((e = hs_buf_printf(&ckey, "path:%s:%s", k->name, v->s)) == HS_OK &&
	    (found = cache_find(c, hs_buf_str(&ckey))) != NULL)
		v->s = found;
	else if (e == HS_OK && (e = hs_buf_printf(&b, "%s%s", home, v->s + 1)) == HS_OK)
		e = (v->s = cache_put(c, hs_buf_str(&ckey), hs_buf_steal(&b))) ? HS_OK : HS_ENOMEM;
	hs_buf_free(&ckey);
	hs_buf_free(&b);
	return e == HS_ELIMIT ? hs_fail(HS_ECONFIG, "%s: path too long", k->name) : e;
}

static hs_err
resolve(struct hs_config *c, const struct cfg_key *k, const struct hit *h,
        bool run, struct cfg_value *out)
{
	char err[200];
	const char *text = NULL;
	hs_err e;

	memset(out, 0, sizeof *out);
	if (h->variant == CFG_V_PLAIN && h->tv != NULL)
		e = from_toml(k, h->tv, out, err, sizeof err);
	else if (h->variant == CFG_V_PLAIN)
		e = cfg_from_text(k, h->text, out, err, sizeof err);
	else if ((e = variant_text(c, k, h, &text)) != HS_OK)
		return e;
	else if (h->variant == CFG_V_ENV)
		e = cfg_from_text(k, getenv(text), out, err, sizeof err);
	else if (!run)
		return HS_OK;
	else if ((e = run_eval(c, k, h, text, &text)) != HS_OK)
		return e;
	else
		e = cfg_from_text(k, text, out, err, sizeof err);
	if (e != HS_OK)
		return e == HS_ECONFIG ? hit_error(c, k, h, err) : e;
	return expand_path(c, k, out);
}

hs_err
cfg_get(struct hs_config *c, const char *name, struct cfg_value *out)
{
	const struct cfg_key *k = cfg_key_find(name);
	struct hit h;
	hs_err e;

	if (k == NULL)
		return hs_fail(HS_EINTERNAL, "unknown configuration key %s", name);
	if ((e = find(c, k, &h)) != HS_OK)
		return e;
	return resolve(c, k, &h, true, out);
}

hs_err
cfg_origin(struct hs_config *c, const char *name, struct cfg_origin *o)
{
	const struct cfg_key *k = cfg_key_find(name);
	struct hit h;
	hs_err e;

	if (k == NULL)
		return hs_fail(HS_EUSAGE, "unknown configuration key '%s'", name);
	if ((e = find(c, k, &h)) != HS_OK)
		return e;
	o->layer = h.layer;
	o->variant = h.variant;
	o->line = h.tv ? h.tv->line : 0;
	o->where = c->path[h.layer];
	o->raw = NULL;
	if (h.variant != CFG_V_PLAIN)
		o->raw = h.tv ? (h.tv->type == TOML_STRING ? h.tv->u.str.ptr : NULL) : h.text;
	if (h.layer == CFG_L_ENV)
		for (size_t i = 0; i < c->nenv; i++)
			if (strcmp(c->env[i].name, name) == 0)
				o->where = c->env[i].var;
	return HS_OK;
}

/* A failed lookup of a key validated at load can only be an _eval failure
 * or a bug; report it and fall back to null. */
static bool
get_or_warn(struct hs_config *c, const char *name, struct cfg_value *v)
{
	if (cfg_get(c, name, v) == HS_OK)
		return !v->null;
	log_error("%s", hs_detail());
	return false;
}

bool
cfg_bool(struct hs_config *c, const char *name)
{
	struct cfg_value v;

	return get_or_warn(c, name, &v) && v.b;
}

int64_t
cfg_int(struct hs_config *c, const char *name)
{
	struct cfg_value v;

	return get_or_warn(c, name, &v) ? v.i : 0;
}

double
cfg_double(struct hs_config *c, const char *name)
{
	struct cfg_value v;

	return get_or_warn(c, name, &v) ? v.d : 0.0;
}

const char *
cfg_str(struct hs_config *c, const char *name)
{
	struct cfg_value v;

	return get_or_warn(c, name, &v) ? v.s : NULL;
}

/* --- open tables -------------------------------------------------------- */

struct entry {
	const char *key;
	const struct toml_value *tv;
	const char *text;
};

static bool
is_known_or_variant(const char *full)
{
	char base[160];
	size_t n = strlen(full);

	if (cfg_key_find(full) != NULL)
		return true;
	for (int v = CFG_V_ENV; v <= CFG_V_EVAL; v++) {
		size_t s = strlen(variant_suffix[v]);
		if (n > s && strcmp(full + n - s, variant_suffix[v]) == 0 &&
		    n - s < sizeof base) {
			memcpy(base, full, n - s);
			base[n - s] = '\0';
			if (cfg_key_find(base) != NULL)
				return true;
		}
	}
	return false;
}

static void
merge_entry(struct entry *ents, size_t *n, size_t cap, const char *key,
            const struct toml_value *tv, const char *text)
{
	for (size_t i = 0; i < *n; i++)
		if (strcasecmp(ents[i].key, key) == 0) {  /* EXPORT_FOO meets FOO */
			ents[i].tv = tv;
			ents[i].text = text;
			return;
		}
	if (*n < cap)
		ents[(*n)++] = (struct entry){key, tv, text};
}

void
cfg_each_entry(struct hs_config *c, const char *table, cfg_entry_fn fn,
               void *arg)
{
	struct entry ents[256];
	size_t n = 0, tl = strlen(table);
	const struct toml_value *t;
	char full[256];

	for (int l = CFG_L_SYSTEM; l <= CFG_L_LOCAL; l++) {
		if ((t = toml_get_path(c->tree[l], table)) == NULL || t->type != TOML_TABLE)
			continue;
		for (size_t i = 0; i < t->u.table.n; i++) {
			snprintf(full, sizeof full, "%s.%s", table, t->u.table.items[i].key);
			if (strcmp(table, "export") != 0 && is_known_or_variant(full))
				continue;
			merge_entry(ents, &n, 256, t->u.table.items[i].key,
			            t->u.table.items[i].val, NULL);
		}
	}
	for (size_t i = 0; i < c->nenv; i++)
		if (strncmp(c->env[i].name, table, tl) == 0 && c->env[i].name[tl] == '.' &&
		    !is_known_or_variant(c->env[i].name))
			merge_entry(ents, &n, 256, c->env[i].name + tl + 1, NULL,
			            c->env[i].text);
	for (size_t i = 0; i < n; i++)
		fn(arg, ents[i].key, ents[i].tv, ents[i].text);
}

/* --- validation ---------------------------------------------------------- */

static bool
is_section(const char *path)
{
	size_t n = strlen(path);

	for (size_t i = 0; i < hs_cfg_nkeys; i++)
		if (strncmp(hs_cfg_keys[i].name, path, n) == 0 &&
		    hs_cfg_keys[i].name[n] == '.')
			return true;
	return false;
}

static hs_err walk_unknown(struct hs_config *c, enum cfg_layer l,
                           const struct toml_value *t, const char *prefix);

static hs_err
check_node(struct hs_config *c, enum cfg_layer l, const char *path,
           const struct toml_value *v)
{
	if (is_known_or_variant(path))
		return HS_OK;
	if (strcmp(path, "database") == 0 && v->type == TOML_STRING)
		return HS_OK;  /* the shorthand for database.file */
	if (is_section(path)) {
		if (v->type != TOML_TABLE)
			return hs_fail(HS_ECONFIG, "%s:%d: %s: expected a table, got %s",
			               c->path[l], v->line, path, toml_type_name(v->type));
		return walk_unknown(c, l, v, path);
	}
	if (strncmp(path, "database.", 9) == 0 && v->type != TOML_TABLE) {
		struct hit h;
		struct cfg_value pv;
		const char *prov = NULL;
		if (find(c, cfg_key_find("database.provider"), &h) == HS_OK &&
		    h.variant != CFG_V_EVAL &&
		    resolve(c, cfg_key_find("database.provider"), &h, false, &pv) == HS_OK)
			prov = pv.null ? NULL : pv.s;
		if (prov == NULL || strcasecmp(prov, "sqlite") != 0)
			return HS_OK;
		log_warning("%s:%d: %s is ignored with database.provider = sqlite",
		            c->path[l], v->line, path);
		return HS_OK;
	}
	log_warning("%s:%d: unknown configuration key '%s'", c->path[l], v->line,
	            path);
	return HS_OK;
}

static hs_err
walk_unknown(struct hs_config *c, enum cfg_layer l, const struct toml_value *t,
             const char *prefix)
{
	char path[256];
	hs_err e;

	for (size_t i = 0; i < t->u.table.n; i++) {
		snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "",
		         t->u.table.items[i].key);
		if ((e = check_node(c, l, path, t->u.table.items[i].val)) != HS_OK)
			return e;
	}
	return HS_OK;
}

static void
warn_permissions(const struct hs_config *c, enum cfg_layer l)
{
	struct stat st;

	if (stat(c->path[l], &st) != 0 || (st.st_mode & 077) == 0)
		return;
	for (size_t i = 0; i < hs_cfg_nkeys; i++) {
		if (!(hs_cfg_keys[i].flags & CFG_SECRET) ||
		    toml_get_path(c->tree[l], hs_cfg_keys[i].name) == NULL)
			continue;
		log_warning("%s holds a secret (%s) but is readable by group or others "
		            "(mode %03o); run: chmod 600 %s", c->path[l],
		            hs_cfg_keys[i].name, (unsigned)(st.st_mode & 0777), c->path[l]);
		return;
	}
}

static hs_err
validate(struct hs_config *c)
{
	struct cfg_value v;
	struct hit h;
	hs_err e;

	for (size_t i = 0; i < hs_cfg_nkeys; i++) {
		if ((e = find(c, &hs_cfg_keys[i], &h)) != HS_OK ||
		    (e = resolve(c, &hs_cfg_keys[i], &h, false, &v)) != HS_OK)
			return e;
	}
	for (int l = CFG_L_SYSTEM; l <= CFG_L_LOCAL; l++) {
		if (c->tree[l] == NULL)
			continue;
		if ((e = walk_unknown(c, (enum cfg_layer)l, c->tree[l], "")) != HS_OK)
			return e;
		warn_permissions(c, (enum cfg_layer)l);
	}
	return HS_OK;
}

/* --- load --------------------------------------------------------------- */

static hs_err
load_file(struct hs_config *c, enum cfg_layer l, const char *path)
{
	if ((c->path[l] = strdup(path)) == NULL)
		return HS_ENOMEM;
	return cfg_read_file(path, &c->tree[l]);
}

static hs_err
load_files(struct hs_config *c, const struct hs_paths *p)
{
	const char *only = getenv("HYPERSHELL_CONFIG_FILE");
	hs_err e;

	if (only != NULL)
		return *only ? load_file(c, CFG_L_LOCAL, only) : HS_OK;
	if ((e = load_file(c, CFG_L_SYSTEM, p->config[HS_SITE_SYSTEM])) != HS_OK ||
	    (e = load_file(c, CFG_L_USER, p->config[HS_SITE_USER])) != HS_OK)
		return e;
	return load_file(c, CFG_L_LOCAL, p->config[HS_SITE_LOCAL]);
}

hs_err
hs_config_load(struct hs_config **out, const struct hs_paths *paths)
{
	struct hs_config *c = calloc(1, sizeof *c);
	hs_err e;

	*out = NULL;
	if (c == NULL)
		return HS_ENOMEM;
	if ((e = load_files(c, paths)) == HS_OK && (e = load_env(c)) == HS_OK)
		e = validate(c);
	if (e != HS_OK) {
		hs_config_free(c);
		return e;
	}
	*out = c;
	return HS_OK;
}

void
hs_config_free(struct hs_config *c)
{
	struct cache_item *it, *next;

	if (c == NULL)
		return;
	for (int l = 0; l < CFG_L_COUNT; l++) {
		toml_free(c->tree[l]);
		free(c->path[l]);
	}
	for (size_t i = 0; i < c->nenv; i++) {
		free(c->env[i].name);
		free(c->env[i].var);
	}
	free(c->env);
	for (it = c->cache; it; it = next) {
		next = it->next;
		if (strncmp(it->key, "eval:", 5) == 0)
			explicit_bzero(it->val, strlen(it->val));
		free(it->key);
		free(it->val);
		free(it);
	}
	free(c);
}
