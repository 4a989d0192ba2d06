/* cmd_update.c: hs update: set fields and tags, cancel, revert or delete.
 *
 * Differences from the original, on purpose: --cancel only touches tasks
 * that have not finished and sets completion_time (a restarted server
 * never re-runs them), the cancelled status is -1000 (not -1, which is
 * also "killed by SIGHUP"), a bare task ID selects that task, and with no
 * answer to the prompt (stdin at end) nothing is changed and the exit
 * status is 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "filter.h"
#include "log.h"
#include "store.h"
#include "uuid.h"

enum { O_CANCEL = 1, O_REVERT, O_DELETE, O_REMOVE_TAG, O_NO_CONFIRM };

#define ACTION_GROUP 1

static const struct hs_opt update_opts[] = {
	{O_CANCEL, 0, "cancel", NULL, OPT_FLAG, NULL,
	 "Cancel the tasks that have not finished.", ACTION_GROUP},
	{O_REVERT, 0, "revert", NULL, OPT_FLAG, NULL,
	 "Revert the tasks to unscheduled, so they run again.", ACTION_GROUP},
	{O_DELETE, 0, "delete", NULL, OPT_FLAG, NULL, "Delete the tasks.", ACTION_GROUP},
	{O_REMOVE_TAG, 0, "remove-tag", NULL, OPT_MULTI, "KEY", "Remove these tags.", 0},
	{O_NO_CONFIRM, 'f', "no-confirm", NULL, OPT_FLAG, NULL, "Do not ask for confirmation.", 0},
	HS_FILTER_OPTS,
	{0, 0, NULL, NULL, 0, NULL, NULL, 0},
};

static const struct hs_cmdspec update_spec = {
	.prog = "hs update",
	.summary = "Change the tasks that match the filters: FIELD=VALUE sets a field,\n"
	           "KEY:VALUE sets a tag, a task ID selects that task. The legacy form\n"
	           "'hs update ID FIELD VALUE' still works.",
	.positional = "ARG...",
	.poshelp = "FIELD=VALUE, KEY:VALUE or a task ID.",
	.opts = update_opts,
	.epilog = "Examples:\n  hs update --cancel --remaining -t batch:7\n"
	          "  hs update --revert --failed --no-confirm\n"
	          "  hs update 0192f... timeout=60 priority:high",
};

struct update {
	struct hs_filter filter;
	char **words;               /* positional words; owned array */
	size_t nwords;
	int action;                 /* 0 = set, or O_CANCEL/O_REVERT/O_DELETE */
	struct hs_tags rmtags;
	bool no_confirm;
	struct hs_assign *sets;     /* owned */
	size_t nsets;
	struct hs_tags addtags;
	bool have_id;
};

static hs_err
on_option(void *ctx, int id, const char *val)
{
	struct update *u = ctx;
	char **nw;
	bool handled;
	hs_err e = hs_filter_option(&u->filter, id, val, &handled);

	if (handled)
		return e;
	switch (id) {
	case 0:
		if ((nw = realloc(u->words, (u->nwords + 1) * sizeof *nw)) == NULL)
			return HS_ENOMEM;
		u->words = nw;
		u->words[u->nwords++] = (char *)val;
		return HS_OK;
	case O_REMOVE_TAG:
		return hs_tags_add_arg(&u->rmtags, val);
	case O_NO_CONFIRM: u->no_confirm = true; return HS_OK;
	default: u->action = id; return HS_OK;
	}
}

static hs_err
add_set(struct update *u, const char *field, const char *value)
{
	struct hs_assign *a, *ns;
	char err[200];
	int f = hs_field_find(field);

	if (f == HS_F_ID)
		return hs_fail(HS_EUSAGE, "Cannot alter task \"id\" (given: %s=%s)", field, value);
	if (f < 0)
		return hs_fail(HS_EUSAGE, "Unrecognized task field \"%s\"", field);
	if (f == HS_F_TAG)
		return hs_fail(HS_EUSAGE, "Set tags as KEY:VALUE, not tag=...");
	if ((ns = realloc(u->sets, (u->nsets + 1) * sizeof *ns)) == NULL)
		return HS_ENOMEM;
	u->sets = ns;
	a = &u->sets[u->nsets];
	a->field = f;
	if (hs_cell_from_text(f, value, &a->value, a->tsbuf, err, sizeof err) != HS_OK)
		return hs_fail(HS_EUSAGE, "%s: %s", field, err);
	if (a->value.null && hs_fields[f].required)
		return hs_fail(HS_EUSAGE, "%s cannot be null", field);
	u->nsets++;
	/* time values point into their own assignment: re-point after realloc */
	for (size_t i = 0; i < u->nsets; i++)
		if (hs_fields[u->sets[i].field].type == HS_FT_TIME && !u->sets[i].value.null)
			u->sets[i].value.s = u->sets[i].tsbuf;
	return HS_OK;
}

static bool
looks_like_condition(const char *w)
{
	return strstr(w, "==") || strstr(w, "!=") || strpbrk(w, "<>~");
}

static hs_err
positional(struct update *u, const char *w)
{
	char field[64];
	const char *eq = strchr(w, '=');

	if (hs_uuid_valid(w)) {
		if (u->have_id)
			return hs_fail(HS_EUSAGE, "one task ID at a time (use -w for more)");
		u->have_id = true;
		return hs_filter_id(&u->filter, w);
	}
	if (looks_like_condition(w))
		return hs_fail(HS_EUSAGE, "Positional argument matches conditional (%s), "
		               "maybe you intended to use -w/--where?", w);
	if (eq != NULL && (size_t)(eq - w) < sizeof field) {
		memcpy(field, w, (size_t)(eq - w));
		field[eq - w] = '\0';
		return add_set(u, field, eq + 1);
	}
	if (strchr(w, ':') != NULL)
		return hs_tags_add_arg(&u->addtags, w);
	return hs_fail(HS_EUSAGE, "Argument not recognized (%s): missing \"=\" or \":\"", w);
}

/* ID FIELD VALUE */
static hs_err
legacy(struct update *u)
{
	u->no_confirm = true;
	if (strcmp(u->words[1], "tag") == 0)
		return hs_filter_id(&u->filter, u->words[0]) == HS_OK
		    ? hs_tags_add_arg(&u->addtags, u->words[2]) : hs_fail(HS_EUSAGE, "%s", hs_detail());
	if (hs_filter_id(&u->filter, u->words[0]) != HS_OK)
		return HS_EUSAGE;
	return add_set(u, u->words[1], u->words[2]);
}

static hs_err
check(struct update *u)
{
	hs_err e = HS_OK;

	if (u->nwords == 3 && hs_uuid_valid(u->words[0]) && !strchr(u->words[1], '=') &&
	    !strchr(u->words[1], ':'))
		e = legacy(u);
	else
		for (size_t i = 0; i < u->nwords && e == HS_OK; i++)
			e = positional(u, u->words[i]);
	if (e != HS_OK)
		return e;
	if (u->filter.desc && u->filter.order < 0)
		return hs_fail(HS_EUSAGE, "Should not provide --desc if not using -s/--order-by");
	if (u->filter.order >= 0 && u->filter.limit < 0)
		return hs_fail(HS_EUSAGE, "Using -s/--order-by without -l/--limit is meaningless");
	if (u->action == 0 && u->nsets == 0 && u->addtags.n == 0 && u->rmtags.n == 0)
		return hs_fail(HS_EUSAGE, "nothing to change: give FIELD=VALUE, KEY:VALUE, "
		               "--remove-tag, --cancel, --revert or --delete");
	if (u->action != 0 && (u->nsets || u->addtags.n || u->rmtags.n))
		return hs_fail(HS_EUSAGE, "--cancel, --revert and --delete cannot be combined "
		               "with field or tag changes");
	return HS_OK;
}

/* Ask on stdout, read the answer from stdin. */
static hs_err
confirm(int64_t n, bool *yes)
{
	char line[64];
	size_t len;

	printf("Update affects %lld tasks, continue? yes/[no]: ", (long long)n);
	fflush(stdout);
	*yes = false;
	if (fgets(line, sizeof line, stdin) == NULL) {
		printf("\n");
		return hs_fail(HS_EUSAGE, "no answer on standard input; nothing changed "
		               "(use -f/--no-confirm to skip the question)");
	}
	len = strcspn(line, "\r\n");
	line[len] = '\0';
	for (char *p = line; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	if (strcmp(line, "y") == 0 || strcmp(line, "yes") == 0)
		*yes = true;
	else if (len == 0 || strcmp(line, "n") == 0 || strcmp(line, "no") == 0)
		printf("Stopping\n");
	else
		printf("Stopping (invalid response: \"%s\")\n", line);
	return HS_OK;
}

static const char *
done_verb(int action)
{
	switch (action) {
	case O_CANCEL: return "Cancelled";
	case O_REVERT: return "Reverted";
	case O_DELETE: return "Deleted";
	default: return "Updated";
	}
}

static void
build_change(struct update *u, struct hs_change *c)
{
	memset(c, 0, sizeof *c);
	c->action = u->action == O_CANCEL ? HS_ACT_CANCEL : u->action == O_REVERT
	    ? HS_ACT_REVERT : u->action == O_DELETE ? HS_ACT_DELETE : HS_ACT_SET;
	c->sets = u->sets;
	c->nsets = u->nsets;
	c->addtags = u->addtags.v;
	c->naddtags = u->addtags.n;
	c->rmtags = u->rmtags.v;
	c->nrmtags = u->rmtags.n;
}

/* Before cancelling: say how many of the tasks are already running. */
static void
warn_running(struct update *u, struct hs_store *st)
{
	struct hs_query q;
	int64_t n = 0;

	if (hs_filter_where(&u->filter, "schedule_time != null") != HS_OK)
		return;
	hs_filter_query(&u->filter, &q);
	if (st->ops->count(st, &q, &n) == HS_OK && n > 0)
		log_warning("%lld cancelled tasks already scheduled", (long long)n);
	u->filter.nconds--;  /* drop the condition just added */
}

static hs_err
apply(struct update *u, struct hs_store *st)
{
	struct hs_change c;
	struct hs_query q;
	int64_t n = 0;
	bool yes = true;
	hs_err e;

	if (u->action == O_CANCEL && (e = hs_filter_where(&u->filter, "completion_time == null")))
		return e;
	hs_filter_query(&u->filter, &q);
	if ((e = st->ops->count(st, &q, &n)) != HS_OK)
		return e;
	if (n == 0) {
		log_info("Update affects 0 tasks - stopping");
		return HS_OK;
	}
	if (!u->no_confirm && ((e = confirm(n, &yes)) != HS_OK || !yes))
		return e;
	build_change(u, &c);
	if (u->action == O_CANCEL)
		warn_running(u, st);
	hs_filter_query(&u->filter, &q);
	if ((e = st->ops->begin(st)) != HS_OK)
		return e;
	if ((e = st->ops->change(st, &q, &c, &n)) != HS_OK) {
		st->ops->rollback(st);
		return e;
	}
	if ((e = st->ops->commit(st)) != HS_OK)
		return e;
	log_info("%s %lld tasks", done_verb(u->action), (long long)n);
	return HS_OK;
}

int
cmd_update(struct hs_app *app, int argc, char **argv)
{
	struct update u = {0};
	struct hs_store *st = NULL;
	bool helped;
	hs_err e;

	if (argc < 2) {
		hs_opt_help(&update_spec);
		return HS_EXIT_USAGE;
	}
	hs_filter_init(&u.filter);
	e = hs_opt_parse(&update_spec, argc, argv, on_option, &u, &helped);
	if (e == HS_OK && !helped && (e = check(&u)) == HS_OK &&
	    (e = hs_store_open(app->cfg, &app->paths, HS_OPEN_WRITE, &st)) == HS_OK)
		e = apply(&u, st);
	hs_store_close(st);
	hs_filter_free(&u.filter);
	hs_tags_free(&u.rmtags);
	hs_tags_free(&u.addtags);
	free(u.sets);
	free(u.words);
	return hs_app_fail(e);
}
