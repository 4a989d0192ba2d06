/* filter.h: the task filter options shared by hs list and hs update.
 *
 * -w/--where COND..., -t/--with-tag TAG..., -g/--group N, the status
 * aliases -F/--failed, -S/--succeeded, -C/--completed (--finished),
 * -R/--remaining and --retries, -s/--order-by FIELD, --desc, -l/--limit N.
 * Commands put HS_FILTER_OPTS in their option table and pass every option
 * to hs_filter_option().
 */
#ifndef HS_FILTER_H
#define HS_FILTER_H

#include <stdbool.h>

#include "opt.h"
#include "store.h"

enum {
	FLT_WHERE = 1000, FLT_TAG, FLT_GROUP, FLT_FAILED, FLT_SUCCEEDED,
	FLT_COMPLETED, FLT_REMAINING, FLT_RETRIES, FLT_ORDER, FLT_DESC, FLT_LIMIT,
};

#define FLT_STATUS_GROUP 15   /* exclusion group of the status aliases */

#define HS_FILTER_OPTS \
	{FLT_WHERE, 'w', "where", NULL, OPT_MULTI, "COND", \
	 "Conditions FIELD OP VALUE, OP one of == != > >= < <= ~ (regex).", 0}, \
	{FLT_TAG, 't', "with-tag", NULL, OPT_MULTI, "TAG", \
	 "Tags: KEY (task has it) or KEY:VALUE.", 0}, \
	{FLT_GROUP, 'g', "group", NULL, OPT_VALUE, "NUM", "Only tasks of this group.", 0}, \
	{FLT_FAILED, 'F', "failed", NULL, OPT_FLAG, NULL, \
	 "Only failed tasks (exit_status != 0).", FLT_STATUS_GROUP}, \
	{FLT_SUCCEEDED, 'S', "succeeded", NULL, OPT_FLAG, NULL, \
	 "Only succeeded tasks (exit_status == 0).", FLT_STATUS_GROUP}, \
	{FLT_COMPLETED, 'C', "completed", "finished", OPT_FLAG, NULL, \
	 "Only completed tasks (exit_status != null).", FLT_STATUS_GROUP}, \
	{FLT_REMAINING, 'R', "remaining", NULL, OPT_FLAG, NULL, \
	 "Only remaining tasks (exit_status == null).", FLT_STATUS_GROUP}, \
	{FLT_RETRIES, 0, "retries", NULL, OPT_FLAG, NULL, \
	 "Only retries (attempt > 1).", 0}, \
	{FLT_ORDER, 's', "order-by", NULL, OPT_VALUE, "FIELD", "Order by this field.", 0}, \
	{FLT_DESC, 0, "desc", NULL, OPT_FLAG, NULL, "Descending order (with --order-by).", 0}, \
	{FLT_LIMIT, 'l', "limit", NULL, OPT_VALUE, "NUM", "At most NUM tasks.", 0}

struct hs_filter {
	struct hs_cond *conds;  /* owned */
	size_t nconds, ccap;
	struct hs_tags tags;
	int order;              /* field, or -1 */
	bool desc;
	int64_t limit;          /* -1: none */
};

void hs_filter_init(struct hs_filter *f);
void hs_filter_free(struct hs_filter *f);

/* Handle option id if it is a filter option (*handled says so). */
hs_err hs_filter_option(struct hs_filter *f, int id, const char *val,
                        bool *handled);
/* Add one condition written as text ("exit_status != 0"). */
hs_err hs_filter_where(struct hs_filter *f, const char *text);
/* Add a condition "id == ID" (ID must be a UUID). */
hs_err hs_filter_id(struct hs_filter *f, const char *id);
/* Whether any condition, tag or limit was given. */
bool hs_filter_any(const struct hs_filter *f);
/* The query the filter describes (valid while f lives). */
void hs_filter_query(const struct hs_filter *f, struct hs_query *q);

#endif
