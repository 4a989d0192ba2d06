/* filter.c: filter options -> a store query. */
#include "filter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uuid.h"

void
hs_filter_init(struct hs_filter *f)
{
	memset(f, 0, sizeof *f);
	f->order = -1;
	f->limit = -1;
}

void
hs_filter_free(struct hs_filter *f)
{
	free(f->conds);
	hs_tags_free(&f->tags);
	hs_filter_init(f);
}

static void
repoint(struct hs_cond *c)
{
	if (c->value.null)
		return;
	if (c->op != HS_OP_MATCH && hs_fields[c->field].type == HS_FT_TIME)
		c->value.s = c->tsbuf;
	else
		c->value.s = c->text;
}

hs_err
hs_filter_where(struct hs_filter *f, const char *text)
{
	struct hs_cond *nc;
	char err[256];

	if (f->nconds == f->ccap) {
		size_t ncap = f->ccap ? f->ccap * 2 : 4;
		if ((nc = realloc(f->conds, ncap * sizeof *nc)) == NULL)
			return HS_ENOMEM;
		f->conds = nc;
		f->ccap = ncap;
	}
	if (hs_where_parse(text, &f->conds[f->nconds], err, sizeof err) != HS_OK)
		return hs_fail(HS_EUSAGE, "%s", err);
	f->nconds++;
	/* a condition's value points into the condition itself: re-point
	 * them all, since realloc may have moved the array */
	for (size_t i = 0; i < f->nconds; i++)
		repoint(&f->conds[i]);
	return HS_OK;
}

hs_err
hs_filter_id(struct hs_filter *f, const char *id)
{
	char cond[64];

	if (!hs_uuid_valid(id))
		return hs_fail(HS_EUSAGE, "Bad UUID: '%s'", id);
	snprintf(cond, sizeof cond, "id == %s", id);
	return hs_filter_where(f, cond);
}

static hs_err
set_order(struct hs_filter *f, const char *val)
{
	if ((f->order = hs_field_find(val)) < 0)
		return hs_fail(HS_EUSAGE, "Invalid field name \"%s\" for --order-by", val);
	return HS_OK;
}

static hs_err
set_group(struct hs_filter *f, const char *val)
{
	char cond[64];
	int64_t g;
	hs_err e;

	if ((e = hs_opt_int("-g/--group", val, 0, &g)) != HS_OK)
		return e;
	snprintf(cond, sizeof cond, "group == %lld", (long long)g);
	return hs_filter_where(f, cond);
}

hs_err
hs_filter_option(struct hs_filter *f, int id, const char *val, bool *handled)
{
	*handled = true;
	switch (id) {
	case FLT_WHERE: return hs_filter_where(f, val);
	case FLT_TAG: return hs_tags_add_arg(&f->tags, val);
	case FLT_GROUP: return set_group(f, val);
	case FLT_FAILED: return hs_filter_where(f, "exit_status != 0");
	case FLT_SUCCEEDED: return hs_filter_where(f, "exit_status == 0");
	case FLT_COMPLETED: return hs_filter_where(f, "exit_status != null");
	case FLT_REMAINING: return hs_filter_where(f, "exit_status == null");
	case FLT_RETRIES: return hs_filter_where(f, "attempt > 1");
	case FLT_ORDER: return set_order(f, val);
	case FLT_DESC: f->desc = true; return HS_OK;
	case FLT_LIMIT: return hs_opt_int("-l/--limit", val, 0, &f->limit);
	default:
		*handled = false;
		return HS_OK;
	}
}

bool
hs_filter_any(const struct hs_filter *f)
{
	return f->nconds > 0 || f->tags.n > 0 || f->limit >= 0;
}

void
hs_filter_query(const struct hs_filter *f, struct hs_query *q)
{
	q->conds = f->conds;
	q->nconds = f->nconds;
	q->tags = f->tags.v;
	q->ntags = f->tags.n;
	q->order = f->order;
	q->desc = f->desc;
	q->limit = f->limit;
}
