/* fuzz_toml.c: libFuzzer target for the TOML reader.
 *
 * Parses the input, walks the whole tree reading every field (so ASan sees
 * any bad pointer or length), checks the invariants the API promises, and
 * frees it. A broken invariant traps.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
	if (!ok)
		__builtin_trap();
}

/* Read everything under v; returns a checksum so nothing is optimised out. */
static unsigned
walk(const struct toml_value *v, int depth)
{
	unsigned sum = (unsigned)v->type + (unsigned)v->line;
	size_t i;

	check(depth < 1024);
	check(v->line >= 1 && v->col >= 1 && v->line_end >= v->line);
	switch (v->type) {
	case TOML_TABLE:
		for (i = 0; i < v->u.table.n; i++) {
			const struct toml_kv *kv = &v->u.table.items[i];

			check(kv->key[kv->keylen] == '\0');
			if (memchr(kv->key, '\0', kv->keylen) == NULL)
				check(toml_get(v, kv->key) == kv->val);
			sum += (unsigned)kv->keylen + walk(kv->val, depth + 1);
		}
		break;
	case TOML_ARRAY:
		for (i = 0; i < v->u.array.n; i++)
			sum += walk(v->u.array.items[i], depth + 1);
		break;
	case TOML_STRING:
		check(v->u.str.ptr[v->u.str.len] == '\0');
		for (i = 0; i < v->u.str.len; i++)
			sum += (unsigned char)v->u.str.ptr[i];
		break;
	case TOML_INTEGER:
		sum += (unsigned)v->u.i;
		break;
	case TOML_FLOAT:
		sum += v->u.d == v->u.d;
		break;
	case TOML_BOOL:
		sum += v->u.b;
		break;
	default:
		check(v->u.dt.nanosecond >= 0 && v->u.dt.nanosecond < 1000000000);
		sum += (unsigned)(v->u.dt.year + v->u.dt.second);
		break;
	}
	return sum;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct toml_value *root = NULL;
	struct toml_error err;
	volatile unsigned sink;
	hs_err e;

	e = toml_parse((const char *)data, size, &root, &err);
	if (e == HS_OK) {
		check(root != NULL && root->type == TOML_TABLE);
		sink = walk(root, 0);
		(void)sink;
		(void)toml_get_path(root, "a.b.c");
	} else {
		check(root == NULL);
		check(e != HS_ECONFIG || (err.line >= 1 && err.col >= 1));
		check(memchr(err.msg, '\0', sizeof err.msg) != NULL);
		check(strchr(err.msg, '\n') == NULL);
	}
	toml_free(root);
	return 0;
}
