/* cmd_config.c: hs config get|set|edit|which, and the path flags.
 *
 * Secrets (keys flagged CFG_SECRET) print as *** unless --reveal. Without
 * -x/--expand, a key given as X_env or X_eval shows in that form; with it,
 * the variable is read or the command run.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "cfgfile.h"
#include "cmd.h"
#include "log.h"
#include "opt.h"
#include "tomlw.h"

#define OUT_MAX (4u << 20)

extern char **environ;

enum {
	O_SYSTEM = 1, O_USER, O_LOCAL, O_DEFAULT, O_EXPAND, O_RAW, O_REVEAL,
	O_LIST, O_SITE,
};

#define LAYER_GROUP 1

#define LAYER_OPTS(def_help) \
	{O_SYSTEM, 0, "system", NULL, OPT_FLAG, NULL, "The system file.", LAYER_GROUP}, \
	{O_USER, 0, "user", NULL, OPT_FLAG, NULL, def_help, LAYER_GROUP}, \
	{O_LOCAL, 0, "local", NULL, OPT_FLAG, NULL, "The local file.", LAYER_GROUP}

static const struct hs_opt get_opts[] = {
	LAYER_OPTS("The user file."),
	{O_DEFAULT, 0, "default", NULL, OPT_FLAG, NULL, "The built-in defaults.", LAYER_GROUP},
	{O_EXPAND, 'x', "expand", NULL, OPT_FLAG, NULL, "Resolve _env and _eval keys.", 0},
	{O_RAW, 'r', "raw", NULL, OPT_FLAG, NULL, "Print values without decoration.", 0},
	{O_REVEAL, 0, "reveal", NULL, OPT_FLAG, NULL, "Print secrets instead of ***.", 0},
	{O_LIST, 0, "list-available", NULL, OPT_FLAG, NULL, NULL, 0},
	{0, 0, NULL, NULL, 0, NULL, NULL, 0},
};

static const struct hs_opt set_opts[] = {
	LAYER_OPTS("The user file (default)."),
	{0, 0, NULL, NULL, 0, NULL, NULL, 0},
};

static const struct hs_opt which_opts[] = {
	{O_SITE, 0, "site", NULL, OPT_FLAG, NULL, "Print only where the value comes from.", 0},
	{0, 0, NULL, NULL, 0, NULL, NULL, 0},
};

static const struct hs_cmdspec get_spec = {
	.prog = "hs config get", .positional = "SECTION[.VAR]",
	.summary = "Print a value or a section ('.' for everything) of the merged\n"
	           "configuration, or of one file with --system/--user/--local/--default.",
	.poshelp = "e.g. server.port, server.tls, or '.'.", .opts = get_opts,
};
static const struct hs_cmdspec set_spec = {
	.prog = "hs config set", .positional = "VAR VALUE",
	.summary = "Set a value in a configuration file (the user file by default).\n"
	           "Comments are kept; the old file is backed up beside it.",
	.poshelp = "e.g. logging.level debug", .opts = set_opts,
};
static const struct hs_cmdspec edit_spec = {
	.prog = "hs config edit", .summary = "Open a configuration file in $EDITOR (or "
	"$VISUAL), then check it.", .opts = set_opts,
};
static const struct hs_cmdspec which_spec = {
	.prog = "hs config which", .positional = "VAR",
	.summary = "Show a value and where it comes from.", .opts = which_opts,
};

struct cfgcmd {
	struct hs_app *app;
	char *words[2];
	int nwords;
	int layer;        /* O_SYSTEM, O_USER, O_LOCAL, O_DEFAULT, or 0 */
	bool expand, raw, reveal, list, site;
};

static hs_err
on_option(void *ctx, int id, const char *val)
{
	struct cfgcmd *c = ctx;

	switch (id) {
	case 0:
		if (c->nwords == 2)
			return hs_fail(HS_EUSAGE, "unexpected argument '%s'", val);
		c->words[c->nwords++] = (char *)val;
		return HS_OK;
	case O_EXPAND: c->expand = true; return HS_OK;
	case O_RAW: c->raw = true; return HS_OK;
	case O_REVEAL: c->reveal = true; return HS_OK;
	case O_LIST: c->list = true; return HS_OK;
	case O_SITE: c->site = true; return HS_OK;
	default: c->layer = id; return HS_OK;
	}
}

static enum hs_site
site_of(int layer)
{
	return layer == O_SYSTEM ? HS_SITE_SYSTEM : layer == O_LOCAL ? HS_SITE_LOCAL
	                                                            : HS_SITE_USER;
}

/* The file a layer flag names (HYPERSHELL_CONFIG_FILE replaces --local). */
static const char *
layer_path(struct cfgcmd *c)
{
	const char *only = getenv("HYPERSHELL_CONFIG_FILE");

	if (c->layer == O_LOCAL && only != NULL && *only != '\0')
		return only;
	return c->app->paths.config[site_of(c->layer)];
}

static bool
under(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);

	return strcmp(prefix, ".") == 0 || strcmp(name, prefix) == 0 ||
	       (strncmp(name, prefix, n) == 0 && name[n] == '.');
}

/* --- values as TOML literals --------------------------------------------- */

static hs_err
literal(struct hs_buf *b, const struct cfg_key *k, const struct cfg_value *v,
        bool reveal)
{
	if (v->null)
		return hs_buf_puts(b, "\"<none>\"");
	if ((k->flags & CFG_SECRET) && !reveal)
		return hs_buf_puts(b, "\"***\"");
	switch (k->type) {
	case CFG_BOOL: return hs_buf_puts(b, v->b ? "true" : "false");
	case CFG_INT:
	case CFG_SIZE: return hs_buf_printf(b, "%lld", (long long)v->i);
	case CFG_FLOAT: return tomlw_float(b, v->d);
	case CFG_STRING:
	case CFG_ENUM: return tomlw_string(b, v->s, strlen(v->s));
	default: return v->tv ? tomlw_value(b, v->tv) : hs_buf_puts(b, "{}");
	}
}

/* A scalar as `hs config get` prints it alone: strings without quotes. */
static hs_err
scalar(struct hs_buf *b, const struct cfg_key *k, const struct cfg_value *v,
       bool reveal)
{
	if (v->null)
		return hs_buf_puts(b, "null");
	if ((k->flags & CFG_SECRET) && !reveal)
		return hs_buf_puts(b, "***");
	if (k->type == CFG_STRING || k->type == CFG_ENUM)
		return hs_buf_puts(b, v->s);
	return literal(b, k, v, reveal);
}

/* --- merged dump --------------------------------------------------------- */

struct dump {
	struct cfgcmd *c;
	struct hs_buf *out;
	char section[128];   /* header last printed */
	hs_err e;
};

static void
section(struct dump *d, const char *name, size_t len)
{
	if (d->e != HS_OK || (strlen(d->section) == len && strncmp(d->section, name, len) == 0))
		return;
	snprintf(d->section, sizeof d->section, "%.*s", (int)len, name);
	d->e = hs_buf_printf(d->out, "%s[%s]\n", d->out->len ? "\n" : "", d->section);
}

static void
entry(void *arg, const char *key, const struct toml_value *tv, const char *text)
{
	struct dump *d = arg;

	if (d->e == HS_OK)
		d->e = tomlw_key(d->out, key, strlen(key));
	if (d->e == HS_OK)
		d->e = hs_buf_puts(d->out, " = ");
	if (d->e == HS_OK)
		d->e = tv ? tomlw_value(d->out, tv) : tomlw_string(d->out, text, strlen(text));
	if (d->e == HS_OK)
		d->e = hs_buf_putc(d->out, '\n');
}

static void
dump_key(struct dump *d, const struct cfg_key *k)
{
	const char *dot = strrchr(k->name, '.');
	struct cfg_origin o;
	struct cfg_value v;

	if (k->type == CFG_TABLE) {
		section(d, k->name, strlen(k->name));
		cfg_each_entry(d->c->app->cfg, k->name, entry, d);
		return;
	}
	if (dot == NULL || (d->e = cfg_origin(d->c->app->cfg, k->name, &o)) != HS_OK)
		return;
	section(d, k->name, (size_t)(dot - k->name));
	if (strcmp(d->section, "database") == 0 && strcmp(k->name, "database.provider") == 0)
		cfg_each_entry(d->c->app->cfg, "database", entry, d);
	if (o.variant != CFG_V_PLAIN && !d->c->expand) {
		d->e = hs_buf_printf(d->out, "%s_%s = ", dot + 1, o.variant == CFG_V_ENV ? "env" : "eval");
		if (d->e == HS_OK && (d->e = tomlw_string(d->out, o.raw ? o.raw : "", o.raw ? strlen(o.raw) : 0)) == HS_OK)
			d->e = hs_buf_putc(d->out, '\n');
		return;
	}
	if ((d->e = cfg_get(d->c->app->cfg, k->name, &v)) != HS_OK || v.null)
		return;
	if ((d->e = hs_buf_printf(d->out, "%s = ", dot + 1)) == HS_OK &&
	    (d->e = literal(d->out, k, &v, d->c->reveal)) == HS_OK)
		d->e = hs_buf_putc(d->out, '\n');
}

static hs_err
get_merged(struct cfgcmd *c, const char *var, struct hs_buf *out)
{
	const struct cfg_key *k = cfg_key_find(var);
	struct dump d = {.c = c, .out = out, .e = HS_OK};
	struct cfg_value v;
	hs_err e;

	if (k != NULL && k->type != CFG_TABLE && k->type != CFG_ANY) {
		if ((e = cfg_get(c->app->cfg, var, &v)) != HS_OK)
			return e;
		return scalar(out, k, &v, c->reveal);
	}
	for (size_t i = 0; i < hs_cfg_nkeys && d.e == HS_OK; i++)
		if (under(hs_cfg_keys[i].name, var))
			dump_key(&d, &hs_cfg_keys[i]);
	if (d.e == HS_OK && out->len == 0 && k == NULL)
		return hs_fail(HS_ECONFIG, "\"%s\" not found in configuration", var);
	return d.e;
}

/* --- one layer ----------------------------------------------------------- */

static hs_err
mask_secrets(struct hs_buf *out, const char *var)
{
	for (size_t i = 0; i < hs_cfg_nkeys; i++)
		if ((hs_cfg_keys[i].flags & CFG_SECRET) && under(hs_cfg_keys[i].name, var) &&
		    strcmp(hs_cfg_keys[i].name, var) != 0)
			return hs_fail(HS_EUSAGE, "this section may hold a secret (%s); print it with "
			               "--reveal, or ask for another key", hs_cfg_keys[i].name);
	return HS_OK;
}

static hs_err
get_tree(struct cfgcmd *c, const struct toml_value *root, const char *label,
         const char *var, struct hs_buf *out)
{
	const struct cfg_key *k = cfg_key_find(var);
	const struct toml_value *v = strcmp(var, ".") == 0 ? root : toml_get_path(root, var);
	hs_err e;

	if (v == NULL)
		return hs_fail(HS_ECONFIG, "\"%s\" not found in %s", var, label);
	if (v->type != TOML_TABLE) {
		if (k != NULL && (k->flags & CFG_SECRET) && !c->reveal)
			return hs_buf_puts(out, "***");
		if (v->type == TOML_STRING)
			return hs_buf_append(out, v->u.str.ptr, v->u.str.len);
		return tomlw_value(out, v);
	}
	if (!c->reveal && (e = mask_secrets(out, var)) != HS_OK)
		return e;
	if (v != root && (e = hs_buf_printf(out, "[%s]\n", var)) != HS_OK)
		return e;
	return tomlw_document(out, v);
}

static hs_err
get_default(struct cfgcmd *c, const char *var, struct hs_buf *out)
{
	struct dump d = {.c = c, .out = out, .e = HS_OK};
	const char *dot;
	size_t n = 0;

	for (size_t i = 0; i < hs_cfg_nkeys && d.e == HS_OK; i++) {
		const struct cfg_key *k = &hs_cfg_keys[i];
		if (!under(k->name, var) || k->def == NULL)
			continue;
		n++;
		if (strcmp(k->name, var) == 0)
			return hs_buf_puts(out, (k->flags & CFG_SECRET) && !c->reveal ? "***" : k->def);
		dot = strrchr(k->name, '.');
		section(&d, k->name, (size_t)(dot - k->name));
		if (d.e == HS_OK) {
			struct cfg_value v;
			char err[128];
			if (cfg_from_text(k, k->def, &v, err, sizeof err) == HS_OK &&
			    (d.e = hs_buf_printf(out, "%s = ", dot + 1)) == HS_OK &&
			    (d.e = literal(out, k, &v, c->reveal)) == HS_OK)
				d.e = hs_buf_putc(out, '\n');
		}
	}
	return n == 0 && d.e == HS_OK ? hs_fail(HS_ECONFIG, "\"%s\" not found in default", var) : d.e;
}

static hs_err
do_get(struct cfgcmd *c, struct hs_buf *out)
{
	struct toml_value *tree = NULL;
	const char *var = c->words[0], *path;
	hs_err e;

	if (c->layer == O_DEFAULT)
		return get_default(c, var, out);
	if (c->layer == 0)
		return c->app->cfg ? get_merged(c, var, out)
		                   : hs_fail(HS_ECONFIG, "the configuration has errors (above)");
	path = layer_path(c);
	if ((e = cfg_read_file(path, &tree)) != HS_OK)
		return e;
	if (tree == NULL)
		return hs_fail(HS_ECONFIG, "%s does not exist", path);
	e = get_tree(c, tree, path, var, out);
	toml_free(tree);
	return e;
}

static int
cmd_get(struct cfgcmd *c, int argc, char **argv)
{
	struct hs_buf out = HS_BUF_INIT(OUT_MAX);
	bool helped;
	hs_err e;

	if (argc < 2) {
		hs_opt_help(&get_spec);
		return HS_EXIT_USAGE;
	}
	e = hs_opt_parse(&get_spec, argc, argv, on_option, c, &helped);
	if (e != HS_OK || helped)
		return hs_app_fail(e);
	if (c->list) {
		for (size_t i = 0; i < hs_cfg_nkeys; i++)
			printf("%s\n", hs_cfg_keys[i].name);
		return 0;
	}
	if (c->nwords != 1)
		return hs_app_fail(hs_fail(HS_EUSAGE, "hs config get: give one SECTION[.VAR]"));
	if ((e = do_get(c, &out)) == HS_OK) {
		fputs(hs_buf_str(&out), stdout);
		if (out.len == 0 || out.data[out.len - 1] != '\n')
			fputc('\n', stdout);
	}
	hs_buf_free(&out);
	return hs_app_fail(e);
}

/* --- set ------------------------------------------------------------------ */

/* Python-like smart coercion for keys of open tables. */
static hs_err
smart_literal(struct hs_buf *b, const char *s)
{
	char *end;

	if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)
		return hs_buf_puts(b, s);
	errno = 0;
	(void)strtoll(s, &end, 10);
	if (*s && *end == '\0' && errno == 0)
		return hs_buf_puts(b, s);
	(void)strtod(s, &end);
	if (*s && *end == '\0' && errno == 0)
		return hs_buf_puts(b, s);
	return tomlw_string(b, s, strlen(s));
}

/* The known key behind name or its _env/_eval form; *variant says which. */
static const struct cfg_key *
key_of(const char *name, bool *variant)
{
	char base[160];
	size_t n = strlen(name);

	*variant = false;
	if (cfg_key_find(name))
		return cfg_key_find(name);
	for (int i = 0; i < 2; i++) {
		const char *suf = i ? "_eval" : "_env";
		size_t s = strlen(suf);
		if (n > s && n - s < sizeof base && strcmp(name + n - s, suf) == 0) {
			memcpy(base, name, n - s);
			base[n - s] = '\0';
			*variant = true;
			return cfg_key_find(base);
		}
	}
	return NULL;
}

static bool
in_open_table(const char *name)
{
	static const char *open[] = {"export.", "database.pragmas.", "database.connect_args.",
	                             "ssh.nodelist.", "database."};

	for (size_t i = 0; i < sizeof open / sizeof open[0]; i++)
		if (strncmp(name, open[i], strlen(open[i])) == 0 && !strchr(name + strlen(open[i]), '.'))
			return true;
	return false;
}

static hs_err
set_literal(const char *var, const char *val, struct hs_buf *lit, bool *secret)
{
	bool variant;
	const struct cfg_key *k = key_of(var, &variant);
	struct cfg_value v;
	char err[200];

	*secret = k != NULL && (k->flags & CFG_SECRET) && !variant;
	if (k != NULL && variant)
		return tomlw_string(lit, val, strlen(val));
	if (k != NULL && (k->type == CFG_TABLE || k->type == CFG_ANY))
		return hs_fail(HS_EUSAGE, "%s is a table; set its keys (%s.NAME) instead", var, var);
	if (k != NULL) {
		if (cfg_from_text(k, val, &v, err, sizeof err) != HS_OK)
			return hs_fail(HS_EUSAGE, "%s: %s", var, err);
		return literal(lit, k, &v, true);
	}
	if (in_open_table(var))
		return smart_literal(lit, val);
	return hs_fail(HS_EUSAGE, "unknown configuration key '%s' (see 'hs config get "
	               "--list-available')", var);
}

static int
cmd_set(struct cfgcmd *c, int argc, char **argv)
{
	struct hs_buf lit = HS_BUF_INIT(1 << 16);
	bool helped, secret = false;
	hs_err e;

	if (argc < 2) {
		hs_opt_help(&set_spec);
		return HS_EXIT_USAGE;
	}
	e = hs_opt_parse(&set_spec, argc, argv, on_option, c, &helped);
	if (e == HS_OK && !helped && c->nwords != 2)
		e = hs_fail(HS_EUSAGE, "hs config set: give VAR and VALUE");
	if (e == HS_OK && !helped && strchr(c->words[0], '.') == NULL)
		e = hs_fail(HS_EUSAGE, "Missing section in variable path");
	if (e == HS_OK && !helped &&
	    (e = set_literal(c->words[0], c->words[1], &lit, &secret)) == HS_OK)
		e = cfgfile_set(layer_path(c), c->words[0], hs_buf_str(&lit), secret);
	hs_buf_free(&lit);
	return hs_app_fail(e);
}

/* --- edit ----------------------------------------------------------------- */

static hs_err
run_editor(const char *editor, const char *path)
{
	char *argv[] = {"sh", "-c", "$HS_EDITOR_CMD \"$1\"", "sh", (char *)path, NULL};
	pid_t pid;
	int st = 0, rc;

	if (setenv("HS_EDITOR_CMD", editor, 1) != 0)
		return hs_fail(HS_EIO, "setenv: %s", strerror(errno));
	if ((rc = posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ)) != 0)
		return hs_fail(HS_EIO, "cannot run the editor: %s", strerror(rc));
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return hs_fail(HS_ECHILD, "the editor (%s) failed", editor);
	return HS_OK;
}

static int
cmd_edit(struct cfgcmd *c, int argc, char **argv)
{
	const char *editor = getenv("EDITOR");
	struct toml_value *tree = NULL;
	bool helped;
	hs_err e;

	if (editor == NULL || *editor == '\0')
		editor = getenv("VISUAL");
	e = hs_opt_parse(&edit_spec, argc, argv, on_option, c, &helped);
	if (e != HS_OK || helped)
		return hs_app_fail(e);
	if (c->nwords > 0)
		return hs_app_fail(hs_fail(HS_EUSAGE, "hs config edit takes no arguments"));
	if (editor == NULL || *editor == '\0')
		return hs_app_fail(hs_fail(HS_EIO, "EDITOR or VISUAL environment variable not defined"));
	if ((e = hs_mkdirs_for(layer_path(c))) == HS_OK &&
	    (e = run_editor(editor, layer_path(c))) == HS_OK &&
	    (e = cfg_read_file(layer_path(c), &tree)) == HS_OK)
		log_debug("%s parses", layer_path(c));
	toml_free(tree);
	return hs_app_fail(e);
}

/* --- which ---------------------------------------------------------------- */

static int
cmd_which(struct cfgcmd *c, int argc, char **argv)
{
	struct hs_buf val = HS_BUF_INIT(1 << 16), def = HS_BUF_INIT(1 << 16);
	const struct cfg_key *k;
	struct cfg_origin o;
	struct cfg_value v;
	bool helped;
	hs_err e;

	e = hs_opt_parse(&which_spec, argc, argv, on_option, c, &helped);
	if (e == HS_OK && !helped && c->nwords != 1)
		e = hs_fail(HS_EUSAGE, "hs config which: give one VAR");
	if (e != HS_OK || helped)
		return hs_app_fail(e);
	if ((k = cfg_key_find(c->words[0])) == NULL || k->type == CFG_TABLE)
		return hs_app_fail(hs_fail(HS_ECONFIG, "\"%s\" not found", c->words[0]));
	if (c->app->cfg == NULL)
		return hs_app_fail(hs_fail(HS_ECONFIG, "the configuration has errors (above)"));
	if ((e = cfg_origin(c->app->cfg, k->name, &o)) == HS_OK &&
	    (e = cfg_get(c->app->cfg, k->name, &v)) == HS_OK &&
	    (e = scalar(&val, k, &v, false)) == HS_OK)
		e = hs_buf_puts(&def, k->def == NULL ? "null" : (k->flags & CFG_SECRET) ? "***" : k->def);
	if (e == HS_OK && c->site)
		printf("%s\n", cfg_layer_name(o.layer));
	else if (e == HS_OK && o.layer == CFG_L_DEFAULT)
		printf("%s (default)\n", hs_buf_str(&val));
	else if (e == HS_OK)
		printf("%s (%s: %s | default: %s)\n", hs_buf_str(&val), cfg_layer_name(o.layer),
		       o.where, hs_buf_str(&def));
	hs_buf_free(&val);
	hs_buf_free(&def);
	return hs_app_fail(e);
}

/* --- dispatch ------------------------------------------------------------- */

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: hs config {get,set,edit,which} ... | hs config --system|--user|--local\n\n"
	        "  get    Print a value or section.\n  set    Set a value in a file.\n"
	        "  edit   Edit a file in $EDITOR.\n  which  Show where a value comes from.\n\n"
	        "  --system|--user|--local  Print the path of that file.\n");
}

int
cmd_config(struct hs_app *app, int argc, char **argv)
{
	struct cfgcmd c = {.app = app};
	const char *sub = argc > 1 ? argv[1] : "";

	if (argc < 2)
		return usage(stdout), HS_EXIT_USAGE;
	if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0)
		return usage(stdout), 0;
	if (strcmp(sub, "--system") == 0 || strcmp(sub, "--user") == 0 ||
	    strcmp(sub, "--local") == 0) {
		c.layer = sub[2] == 's' ? O_SYSTEM : sub[2] == 'u' ? O_USER : O_LOCAL;
		printf("%s\n", layer_path(&c));
		return 0;
	}
	if (strcmp(sub, "get") == 0)
		return cmd_get(&c, argc - 1, argv + 1);
	if (strcmp(sub, "set") == 0)
		return cmd_set(&c, argc - 1, argv + 1);
	if (strcmp(sub, "edit") == 0)
		return cmd_edit(&c, argc - 1, argv + 1);
	if (strcmp(sub, "which") == 0)
		return cmd_which(&c, argc - 1, argv + 1);
	fprintf(stderr, "hs config: unknown command '%s'\n", sub);
	usage(stderr);
	return HS_EXIT_BADARG;
}
