/* store.c: choose and open the configured storage backend. */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "uuid.h"

static hs_err
sqlite_path(struct hs_config *cfg, const struct hs_paths *paths, char **out)
{
	const char *file = cfg_str(cfg, "database.file");

	*out = file ? strdup(file) : hs_path_join(hs_paths_lib(paths), "main.db");
	return *out ? HS_OK : HS_ENOMEM;
}

hs_err
hs_store_open(struct hs_config *cfg, const struct hs_paths *paths,
              enum hs_open_mode mode, struct hs_store **out)
{
	const char *provider = cfg_str(cfg, "database.provider");
	char *path = NULL;
	hs_err e;

	*out = NULL;
	if (provider != NULL && strncasecmp(provider, "postgres", 8) == 0)
		return hs_store_pg_open(cfg, mode == HS_OPEN_EPHEMERAL ? HS_OPEN_CREATE : mode, out);
	if ((e = sqlite_path(cfg, paths, &path)) != HS_OK)
		return e;
	e = hs_store_sqlite_open(path, cfg, mode, out);
	free(path);
	return e;
}

void
hs_store_close(struct hs_store *s)
{
	if (s != NULL)
		s->ops->close(s);
}

struct get_ctx {
	hs_task_fn fn;
	void *arg;
	int rows;
};

static hs_err
get_one(void *arg, const struct hs_task *t)
{
	struct get_ctx *g = arg;

	g->rows++;
	return g->fn(g->arg, t);
}

hs_err
hs_store_get(struct hs_store *s, const char *id, hs_task_fn fn, void *arg)
{
	struct hs_cond c = {.field = HS_F_ID, .op = HS_OP_EQ};
	struct hs_query q = {.conds = &c, .nconds = 1, .order = -1, .limit = 1};
	struct get_ctx g = {fn, arg, 0};
	hs_err e;

	if (!hs_uuid_valid(id))
		return hs_fail(HS_EUSAGE, "Bad UUID: '%s'", id);
	snprintf(c.text, sizeof c.text, "%s", id);
	c.value = (struct hs_cell){.s = c.text};
	if ((e = s->ops->select(s, &q, get_one, &g)) != HS_OK)
		return e;
	return g.rows ? HS_OK : hs_fail(HS_ENOTFOUND, "No task with id=%s", id);
}
