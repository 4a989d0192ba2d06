/* opt.c: the command-line parser behind every subcommand. */
#include "opt.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPT_GROUPS 16
#define HELP_COL 28

struct state {
	const struct hs_cmdspec *spec;
	int argc;
	char **argv;
	int i;                   /* index of the word being parsed */
	hs_opt_fn fn;
	void *ctx;
	int group_seen[OPT_GROUPS];  /* id of the option that took each group */
};

static bool
is_negative_number(const char *w)
{
	if (w[0] != '-' || !(isdigit((unsigned char)w[1]) || w[1] == '.'))
		return false;
	for (w++; *w != '\0'; w++)
		if (!isdigit((unsigned char)*w) && *w != '.' && *w != 'e' &&
		    *w != 'E' && *w != '-' && *w != '+')
			return false;
	return true;
}

static bool
looks_like_option(const char *w)
{
	return w[0] == '-' && w[1] != '\0' && !is_negative_number(w);
}

const char *
hs_opt_name(const struct hs_cmdspec *spec, int id)
{
	static char name[96];
	const struct hs_opt *o;

	for (o = spec->opts; o->id != 0; o++) {
		if (o->id != id)
			continue;
		if (o->shortname && o->longname)
			snprintf(name, sizeof name, "-%c/--%s", o->shortname, o->longname);
		else if (o->longname)
			snprintf(name, sizeof name, "--%s", o->longname);
		else
			snprintf(name, sizeof name, "-%c", o->shortname);
		return name;
	}
	return "?";
}

static hs_err usage_error(const struct state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static hs_err
usage_error(const struct state *st, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", st->spec->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see '%s --help')\n", st->spec->prog);
	return hs_fail(HS_EUSAGE, NULL);
}

static const struct hs_opt *
find_long(const struct hs_cmdspec *spec, const char *name, size_t len)
{
	const struct hs_opt *o;

	for (o = spec->opts; o->id != 0; o++) {
		if (o->longname && strlen(o->longname) == len &&
		    strncmp(o->longname, name, len) == 0)
			return o;
		if (o->alias && strlen(o->alias) == len &&
		    strncmp(o->alias, name, len) == 0)
			return o;
	}
	return NULL;
}

static const struct hs_opt *
find_short(const struct hs_cmdspec *spec, char c)
{
	const struct hs_opt *o;

	for (o = spec->opts; o->id != 0; o++)
		if (o->shortname == c)
			return o;
	return NULL;
}

static hs_err
check_group(struct state *st, const struct hs_opt *o)
{
	int prev;
	char first[96];

	if (o->group <= 0 || o->group >= OPT_GROUPS)
		return HS_OK;
	prev = st->group_seen[o->group];
	if (prev == 0 || prev == o->id) {
		st->group_seen[o->group] = o->id;
		return HS_OK;
	}
	snprintf(first, sizeof first, "%s", hs_opt_name(st->spec, prev));
	fprintf(stderr, "%s: %s is not allowed with %s\n", st->spec->prog,
	        hs_opt_name(st->spec, o->id), first);
	return hs_fail(HS_EUSAGE, NULL);
}

/* Deliver option o; inline is the value attached to the word ("--x=v",
 * "-xv") or NULL. Consumes following words as the kind requires. */
static hs_err
take(struct state *st, const struct hs_opt *o, const char *inline_val)
{
	hs_err e;
	int n = 0;

	if ((e = check_group(st, o)) != HS_OK)
		return e;
	if (o->kind == OPT_FLAG) {
		if (inline_val != NULL)
			return usage_error(st, "option %s takes no value",
			                   hs_opt_name(st->spec, o->id));
		return st->fn(st->ctx, o->id, NULL);
	}
	if (inline_val != NULL)
		return st->fn(st->ctx, o->id, inline_val);
	if (o->kind == OPT_VALUE) {
		if (st->i + 1 >= st->argc)
			return usage_error(st, "option %s requires a value",
			                   hs_opt_name(st->spec, o->id));
		return st->fn(st->ctx, o->id, st->argv[++st->i]);
	}
	while (st->i + 1 < st->argc && !looks_like_option(st->argv[st->i + 1]) &&
	       strcmp(st->argv[st->i + 1], "--") != 0) {
		if ((e = st->fn(st->ctx, o->id, st->argv[++st->i])) != HS_OK)
			return e;
		n++;
		if (o->kind == OPT_OPTIONAL)
			break;
	}
	if (n == 0 && o->kind == OPT_MULTI)
		return usage_error(st, "option %s requires at least one value",
		                   hs_opt_name(st->spec, o->id));
	if (n == 0)
		return st->fn(st->ctx, o->id, NULL);
	return HS_OK;
}

static hs_err
parse_long(struct state *st, const char *word)
{
	const char *name = word + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct hs_opt *o = find_long(st->spec, name, len);

	if (o == NULL)
		return usage_error(st, "unrecognized option '%s'", word);
	return take(st, o, eq ? eq + 1 : NULL);
}

static hs_err
parse_short(struct state *st, const char *word)
{
	const struct hs_opt *o;
	hs_err e;
	char name[3] = {'-', 0, 0};

	for (const char *p = word + 1; *p != '\0'; p++) {
		name[1] = *p;
		if ((o = find_short(st->spec, *p)) == NULL)
			return usage_error(st, "unrecognized option '%s'", name);
		if (o->kind != OPT_FLAG)
			return take(st, o, p[1] != '\0' ? p + 1 : NULL);
		if ((e = take(st, o, NULL)) != HS_OK)
			return e;
	}
	return HS_OK;
}

static bool
is_help(const char *w)
{
	return strcmp(w, "-h") == 0 || strcmp(w, "--help") == 0;
}

hs_err
hs_opt_parse(const struct hs_cmdspec *spec, int argc, char **argv,
             hs_opt_fn fn, void *ctx, bool *helped)
{
	struct state st = {.spec = spec, .argc = argc, .argv = argv, .fn = fn, .ctx = ctx};
	bool options_done = false;
	hs_err e = HS_OK;
	const char *w;

	*helped = false;
	for (st.i = 1; st.i < argc && e == HS_OK; st.i++) {
		w = argv[st.i];
		if (!options_done && is_help(w)) {
			hs_opt_help(spec);
			*helped = true;
			return HS_OK;
		}
		if (!options_done && strcmp(w, "--") == 0)
			options_done = true;
		else if (!options_done && strncmp(w, "--", 2) == 0)
			e = parse_long(&st, w);
		else if (!options_done && looks_like_option(w))
			e = parse_short(&st, w);
		else if (spec->positional == NULL)
			e = usage_error(&st, "unexpected argument '%s'", w);
		else
			e = fn(ctx, 0, w);
	}
	return e;
}

hs_err
hs_opt_int(const char *name, const char *val, int64_t min, int64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoll(val, &end, 10);
	if (errno != 0 || end == val || *end != '\0' || *out < min)
		return hs_fail(HS_EUSAGE, "%s expects an integer >= %lld, got '%s'", name,
		               (long long)min, val);
	return HS_OK;
}

hs_err
hs_opt_seconds(const char *name, const char *val, bool negative_ok, double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(val, &end);
	if (errno || end == val || *end || d != d || d > 1e9 || d < -1e9 || (!negative_ok && d < 0))
		return hs_fail(HS_EUSAGE, "%s expects seconds, got '%s'", name, val);
	*out = d;
	return HS_OK;
}

static void
help_line(const struct hs_opt *o)
{
	char left[96];
	int n;

	if (o->shortname && o->longname)
		n = snprintf(left, sizeof left, "  -%c, --%s", o->shortname, o->longname);
	else if (o->longname)
		n = snprintf(left, sizeof left, "  --%s", o->longname);
	else
		n = snprintf(left, sizeof left, "  -%c", o->shortname);
	if (o->kind != OPT_FLAG && n > 0 && (size_t)n < sizeof left) {
		const char *mv = o->metavar ? o->metavar : "VALUE";
		size_t room = sizeof left - (size_t)n;
		if (o->kind == OPT_VALUE)
			n += snprintf(left + n, room, " %s", mv);
		else if (o->kind == OPT_MULTI)
			n += snprintf(left + n, room, " %s [%s ...]", mv, mv);
		else
			n += snprintf(left + n, room, " [%s]", mv);
	}
	if (n >= HELP_COL - 1)
		printf("%s\n%*s%s\n", left, HELP_COL, "", o->help);
	else
		printf("%-*s%s\n", HELP_COL, left, o->help);
}

void
hs_opt_help(const struct hs_cmdspec *spec)
{
	const struct hs_opt *o;

	printf("usage: %s [-h] [options]%s%s\n\n", spec->prog,
	       spec->positional ? " " : "", spec->positional ? spec->positional : "");
	if (spec->summary)
		printf("%s\n\n", spec->summary);
	if (spec->positional && spec->poshelp)
		printf("arguments:\n  %-*s%s\n\n", HELP_COL - 2, spec->positional,
		       spec->poshelp);
	printf("options:\n");
	printf("%-*s%s\n", HELP_COL, "  -h, --help", "Show this message and exit.");
	for (o = spec->opts; o->id != 0; o++)
		if (o->help != NULL)
			help_line(o);
	if (spec->epilog)
		printf("\n%s\n", spec->epilog);
}
