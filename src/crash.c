/* crash.c: see crash.h. */
#include "crash.h"

#include <stdlib.h>
#include <string.h>

static hs_err
grow(void **v, size_t *cap, size_t need, size_t size)
{
	size_t cap2 = *cap ? *cap * 2 : 8;
	void *p;

	if (need <= *cap)
		return HS_OK;
	while (cap2 < need)
		cap2 *= 2;
	if ((p = realloc(*v, cap2 * size)) == NULL)
		return HS_ENOMEM;
	*v = p;
	*cap = cap2;
	return HS_OK;
}

hs_err
hs_idset_add(struct hs_idset *s, const char *id)
{
	hs_err e;

	if (strlen(id) > HS_UUID_STRLEN)
		return HS_EINPUT;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->ids[i], id) == 0)
			return HS_OK;
	if ((e = grow((void **)&s->ids, &s->cap, s->n + 1, sizeof *s->ids)) != HS_OK)
		return e;
	memcpy(s->ids[s->n++], id, strlen(id) + 1);   /* fits: checked above */
	return HS_OK;
}

bool
hs_idset_del(struct hs_idset *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->ids[i], id) == 0) {
			memcpy(s->ids[i], s->ids[--s->n], sizeof s->ids[i]);
			return true;
		}
	return false;
}

void
hs_idset_move(struct hs_idset *dst, struct hs_idset *src)
{
	hs_idset_free(dst);
	*dst = *src;
	memset(src, 0, sizeof *src);
}

void
hs_idset_free(struct hs_idset *s)
{
	free(s->ids);
	memset(s, 0, sizeof *s);
}

int
hs_crashes_add(struct hs_crashes *c, const char *id)
{
	if (strlen(id) > HS_UUID_STRLEN)
		return -1;
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].id, id) == 0)
			return ++c->v[i].n;
	if (grow((void **)&c->v, &c->cap, c->n + 1, sizeof *c->v) != HS_OK)
		return -1;
	memcpy(c->v[c->n].id, id, strlen(id) + 1);   /* fits: checked above */
	c->v[c->n].n = 1;
	return c->v[c->n++].n;
}

void
hs_crashes_free(struct hs_crashes *c)
{
	free(c->v);
	memset(c, 0, sizeof *c);
}
