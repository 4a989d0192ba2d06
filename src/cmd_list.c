/* cmd_list.c: hs list (also hs task search). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "filter.h"
#include "log.h"
#include "output.h"
#include "store.h"

enum {
	O_FORMAT = 1, O_JSON, O_CSV, O_DELIM, O_COUNT, O_TAG_KEYS, O_TAG_VALUES,
	O_FIELDS,
};

#define FORMAT_GROUP 1
#define MODE_GROUP 2

static const struct hs_opt list_opts[] = {
	HS_FILTER_OPTS,
	{O_FORMAT, 'f', "format", NULL, OPT_VALUE, "FORMAT",
	 "normal, plain, table, json or csv.", FORMAT_GROUP},
	{O_JSON, 0, "json", NULL, OPT_FLAG, NULL, "Same as --format=json.", FORMAT_GROUP},
	{O_CSV, 0, "csv", NULL, OPT_FLAG, NULL, "Same as --format=csv.", FORMAT_GROUP},
	{O_DELIM, 'd', "delimiter", NULL, OPT_VALUE, "CHAR",
	 "Field separator for plain (tab) and csv (,).", 0},
	{O_COUNT, 'c', "count", NULL, OPT_FLAG, NULL, "Print only the number of tasks.", MODE_GROUP},
	{O_TAG_KEYS, 0, "tag-keys", NULL, OPT_FLAG, NULL, "Print the distinct tag keys.", MODE_GROUP},
	{O_TAG_VALUES, 0, "tag-values", NULL, OPT_FLAG, NULL,
	 "Print the distinct values of the tag KEY given as the only FIELD.", MODE_GROUP},
	{O_FIELDS, 0, "fields", NULL, OPT_FLAG, NULL, "Print the field names and exit.", 0},
	{0, 0, NULL, NULL, 0, NULL, NULL, 0},
};

static const struct hs_cmdspec list_spec = {
	.prog = "hs list",
	.summary = "Search tasks in the database and print them (all fields in the normal\n"
	           "format by default; chosen FIELDs in the plain format).",
	.positional = "FIELD...",
	.poshelp = "Fields to print (see --fields).",
	.opts = list_opts,
	.epilog = "Examples:\n  hs list --failed --limit 10\n"
	          "  hs list id args exit_status -w 'exit_status >= 1' --format table\n"
	          "  hs list --count --remaining\n  hs list -t batch:7 --json",
};

struct list {
	struct hs_filter filter;
	int fields[HS_F_COUNT * 4];
	size_t nfields;
	char **words;          /* positional words; owned array */
	size_t nwords;
	int format;            /* -1: default */
	const char *delim;
	int mode;              /* 0, O_COUNT, O_TAG_KEYS, O_TAG_VALUES */
	bool print_fields;
};

static hs_err
on_option(void *ctx, int id, const char *val)
{
	struct list *l = ctx;
	bool handled;
	char **nw;
	hs_err e = hs_filter_option(&l->filter, id, val, &handled);

	if (handled)
		return e;
	switch (id) {
	case 0:
		if ((nw = realloc(l->words, (l->nwords + 1) * sizeof *nw)) == NULL)
			return HS_ENOMEM;
		l->words = nw;
		l->words[l->nwords++] = (char *)val;
		return HS_OK;
	case O_FORMAT:
		if ((l->format = hs_format_parse(val)) < 0 || l->format == HS_FMT_YAML)
			return hs_fail(HS_EUSAGE, "unknown format '%s' (normal, plain, table, "
			               "json, csv)", val);
		return HS_OK;
	case O_JSON: l->format = HS_FMT_JSON; return HS_OK;
	case O_CSV: l->format = HS_FMT_CSV; return HS_OK;
	case O_DELIM: l->delim = val; return HS_OK;
	case O_FIELDS: l->print_fields = true; return HS_OK;
	default: l->mode = id; return HS_OK;
	}
}

static hs_err
choose_fields(struct list *l)
{
	int f;

	if (l->nwords == 0) {
		for (f = 0; f < HS_F_COUNT; f++)
			l->fields[l->nfields++] = f;
		return HS_OK;
	}
	for (size_t i = 0; i < l->nwords; i++) {
		if ((f = hs_field_find(l->words[i])) < 0)
			return hs_fail(HS_EUSAGE, "Invalid field name \"%s\"", l->words[i]);
		if (l->nfields < sizeof l->fields / sizeof l->fields[0])
			l->fields[l->nfields++] = f;
	}
	return HS_OK;
}

static hs_err
check_format(struct list *l)
{
	bool all = l->nwords == 0;

	if (l->format < 0)
		l->format = all ? HS_FMT_NORMAL : HS_FMT_PLAIN;
	if (l->format == HS_FMT_NORMAL && !all)
		return hs_fail(HS_EUSAGE, "Cannot use --format=normal with subset of field names");
	if (l->delim != NULL && l->format != HS_FMT_PLAIN && l->format != HS_FMT_CSV)
		return hs_fail(HS_EUSAGE, "Unused --delimiter for --format=%s",
		               l->format == HS_FMT_NORMAL ? "normal" : l->format == HS_FMT_TABLE
		               ? "table" : "json");
	if (l->delim != NULL && strlen(l->delim) > 100)
		return hs_fail(HS_EUSAGE, "Output delimiter exceeds max size (%zu > 100)",
		               strlen(l->delim));
	if (l->format == HS_FMT_CSV && l->delim != NULL && strlen(l->delim) != 1)
		return hs_fail(HS_EUSAGE, "Valid --csv output must use single-char delimiter");
	if (l->delim == NULL)
		l->delim = l->format == HS_FMT_CSV ? "," : "\t";
	if (l->filter.desc && l->filter.order < 0)
		return hs_fail(HS_EUSAGE, "--desc needs -s/--order-by");
	return HS_OK;
}

static hs_err
print_text(void *arg, const char *text)
{
	printf("%s\n", text);
	return HS_OK;
}

static hs_err
print_task(void *arg, const struct hs_task *t)
{
	return hs_printer_task(arg, t);
}

static hs_err
run_mode(struct list *l, struct hs_store *st, const struct hs_query *q)
{
	struct hs_printer *p = NULL;
	int64_t n = 0;
	hs_err e;

	switch (l->mode) {
	case O_COUNT:
		if ((e = st->ops->count(st, q, &n)) == HS_OK)
			printf("%lld\n", (long long)n);
		return e;
	case O_TAG_KEYS:
		return st->ops->tag_keys(st, q, print_text, NULL);
	case O_TAG_VALUES:
		if (l->nwords != 1)
			return hs_fail(HS_EUSAGE, "Expected single name for --tag-values");
		return st->ops->tag_values(st, q, l->words[0], print_text, NULL);
	}
	if ((e = hs_printer_new(l->format, l->fields, l->nfields, l->delim, stdout, &p)) != HS_OK)
		return e;
	e = st->ops->select(st, q, print_task, p);
	hs_printer_finish(p);
	return e;
}

static hs_err
run(struct hs_app *app, struct list *l)
{
	struct hs_store *st = NULL;
	struct hs_query q;
	hs_err e;

	if (l->print_fields) {
		for (int f = 0; f < HS_F_COUNT; f++)
			printf("%s%s", f ? " " : "", hs_fields[f].name);
		printf("\n");
		return HS_OK;
	}
	if (l->mode == 0 && ((e = choose_fields(l)) != HS_OK || (e = check_format(l)) != HS_OK))
		return e;
	if ((e = hs_store_open(app->cfg, &app->paths, HS_OPEN_READ, &st)) != HS_OK)
		return e;
	hs_filter_query(&l->filter, &q);
	e = run_mode(l, st, &q);
	hs_store_close(st);
	return e;
}

int
cmd_list(struct hs_app *app, int argc, char **argv)
{
	struct list l = {.format = -1};
	bool helped;
	hs_err e;

	if (argc < 2) {
		hs_opt_help(&list_spec);
		return HS_EXIT_USAGE;
	}
	hs_filter_init(&l.filter);
	e = hs_opt_parse(&list_spec, argc, argv, on_option, &l, &helped);
	if (e == HS_OK && !helped)
		e = run(app, &l);
	fflush(stdout);
	hs_filter_free(&l.filter);
	free(l.words);
	return hs_app_fail(e);
}
