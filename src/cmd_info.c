/* cmd_info.c: hs info ID. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "opt.h"
#include "output.h"
#include "store.h"
#include "uuid.h"

enum { O_FORMAT = 1, O_JSON, O_YAML, O_EXTRACT };

#define FORMAT_GROUP 1

static const struct hs_opt info_opts[] = {
	{O_FORMAT, 'f', "format", NULL, OPT_VALUE, "FORMAT", "normal, json or yaml.", FORMAT_GROUP},
	{O_JSON, 0, "json", NULL, OPT_FLAG, NULL, "Same as --format=json.", FORMAT_GROUP},
	{O_YAML, 0, "yaml", NULL, OPT_FLAG, NULL, "Same as --format=yaml.", FORMAT_GROUP},
	{O_EXTRACT, 'x', "extract", NULL, OPT_VALUE, "FIELD", "Print only this field.", 0},
	{0, 0, NULL, NULL, 0, NULL, NULL, 0},
};

static const struct hs_cmdspec info_spec = {
	.prog = "hs info",
	.summary = "Show the details of one task.",
	.positional = "ID",
	.poshelp = "The task's id.",
	.opts = info_opts,
};

struct info {
	const char *id;
	int format;
	int field;   /* -x, or -1 */
};

hs_err
hs_info_format(const char *val, int *out)
{
	*out = hs_format_parse(val);
	if (*out != HS_FMT_NORMAL && *out != HS_FMT_JSON && *out != HS_FMT_YAML)
		return hs_fail(HS_EUSAGE, "unknown format '%s' (normal, json, yaml)", val);
	return HS_OK;
}

static hs_err
on_option(void *ctx, int id, const char *val)
{
	struct info *in = ctx;

	switch (id) {
	case 0:
		if (in->id != NULL)
			return hs_fail(HS_EUSAGE, "hs info: one ID only");
		in->id = val;
		return HS_OK;
	case O_FORMAT: return hs_info_format(val, &in->format);
	case O_JSON: in->format = HS_FMT_JSON; return HS_OK;
	case O_YAML: in->format = HS_FMT_YAML; return HS_OK;
	case O_EXTRACT:
		if ((in->field = hs_field_find(val)) < 0)
			return hs_fail(HS_EUSAGE, "Invalid field name \"%s\"", val);
		return HS_OK;
	}
	return HS_EINTERNAL;
}

static hs_err
print(void *arg, const struct hs_task *t)
{
	const struct info *in = arg;

	if (in->field >= 0)
		return hs_print_field(stdout, t, in->field, (enum hs_format)in->format);
	return hs_print_info(stdout, t, (enum hs_format)in->format);
}

hs_err
hs_info_print(struct hs_store *st, const char *id, int format, int field)
{
	struct info in = {.id = id, .format = format, .field = field};

	return hs_store_get(st, id, print, &in);
}

int
cmd_info(struct hs_app *app, int argc, char **argv)
{
	struct info in = {.format = HS_FMT_NORMAL, .field = -1};
	struct hs_store *st = NULL;
	bool helped;
	hs_err e;

	e = hs_opt_parse(&info_spec, argc, argv, on_option, &in, &helped);
	if (e == HS_OK && !helped && in.id == NULL)
		e = hs_fail(HS_EUSAGE, "hs info: missing task ID (see 'hs info --help')");
	if (e == HS_OK && !helped && !hs_uuid_valid(in.id))
		e = hs_fail(HS_EUSAGE, "Bad UUID: '%s'", in.id);
	if (e == HS_OK && !helped &&
	    (e = hs_store_open(app->cfg, &app->paths, HS_OPEN_READ, &st)) == HS_OK)
		e = hs_info_print(st, in.id, in.format, in.field);
	hs_store_close(st);
	fflush(stdout);
	return hs_app_fail(e);
}
