/* tomlw.c: TOML output. */
#include "tomlw.h"

#include "expr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

hs_err
tomlw_string(struct hs_buf *b, const char *s, size_t len)
{
	hs_err e = hs_buf_putc(b, '"');

	for (size_t i = 0; i < len && e == HS_OK; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': e = hs_buf_puts(b, "\\\""); break;
		case '\\': e = hs_buf_puts(b, "\\\\"); break;
		case '\n': e = hs_buf_puts(b, "\\n"); break;
		case '\t': e = hs_buf_puts(b, "\\t"); break;
		case '\r': e = hs_buf_puts(b, "\\r"); break;
		default:
			e = c < 0x20 || c == 0x7f ? hs_buf_printf(b, "\\u%04x", c)
			                          : hs_buf_putc(b, (char)c);
		}
	}
	return e == HS_OK ? hs_buf_putc(b, '"') : e;
}

static bool
bare_key(const char *k, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' && k[i] <= 'Z') ||
		      (k[i] >= '0' && k[i] <= '9') || k[i] == '_' || k[i] == '-'))
			return false;
	return true;
}

hs_err
tomlw_key(struct hs_buf *b, const char *key, size_t len)
{
	return bare_key(key, len) ? hs_buf_append(b, key, len) : tomlw_string(b, key, len);
}

hs_err
tomlw_float(struct hs_buf *b, double d)
{
	struct expr_num v = {.is_int = false, .d = d};
	char num[EXPR_FMT_MAX];

	expr_format(&v, num, sizeof num);  /* Python's repr: 30.0, 1e+16, inf */
	return hs_buf_puts(b, num);
}

static hs_err
datetime(struct hs_buf *b, const struct toml_value *v)
{
	const struct toml_datetime *t = &v->u.dt;
	hs_err e = HS_OK;

	if (v->type != TOML_TIME_LOCAL)
		e = hs_buf_printf(b, "%04d-%02d-%02d", t->year, t->month, t->day);
	if (e == HS_OK && v->type != TOML_DATE_LOCAL)
		e = hs_buf_printf(b, "%s%02d:%02d:%02d", v->type == TOML_TIME_LOCAL ? "" : "T",
		                  t->hour, t->minute, t->second);
	if (e == HS_OK && v->type != TOML_DATE_LOCAL && t->nanosecond)
		e = hs_buf_printf(b, ".%09d", t->nanosecond);
	if (e == HS_OK && v->type == TOML_DATETIME)
		e = t->offset_minutes == 0 ? hs_buf_putc(b, 'Z')
		    : hs_buf_printf(b, "%c%02d:%02d", t->offset_minutes < 0 ? '-' : '+',
		                    abs(t->offset_minutes) / 60, abs(t->offset_minutes) % 60);
	return e;
}

static hs_err
inline_table(struct hs_buf *b, const struct toml_value *v)
{
	hs_err e = hs_buf_putc(b, '{');

	for (size_t i = 0; i < v->u.table.n && e == HS_OK; i++) {
		const struct toml_kv *kv = &v->u.table.items[i];
		if ((e = hs_buf_puts(b, i ? ", " : " ")) == HS_OK &&
		    (e = tomlw_key(b, kv->key, kv->keylen)) == HS_OK &&
		    (e = hs_buf_puts(b, " = ")) == HS_OK)
			e = tomlw_value(b, kv->val);
	}
	if (e == HS_OK)
		e = hs_buf_puts(b, v->u.table.n ? " }" : "}");
	return e;
}

hs_err
tomlw_value(struct hs_buf *b, const struct toml_value *v)
{
	hs_err e = HS_OK;

	switch (v->type) {
	case TOML_STRING: return tomlw_string(b, v->u.str.ptr, v->u.str.len);
	case TOML_INTEGER: return hs_buf_printf(b, "%lld", (long long)v->u.i);
	case TOML_FLOAT: return tomlw_float(b, v->u.d);
	case TOML_BOOL: return hs_buf_puts(b, v->u.b ? "true" : "false");
	case TOML_TABLE: return inline_table(b, v);
	case TOML_ARRAY:
		e = hs_buf_putc(b, '[');
		for (size_t i = 0; i < v->u.array.n && e == HS_OK; i++)
			if ((e = hs_buf_puts(b, i ? ", " : "")) == HS_OK)
				e = tomlw_value(b, v->u.array.items[i]);
		return e == HS_OK ? hs_buf_putc(b, ']') : e;
	default: return datetime(b, v);
	}
}

static bool
is_table_array(const struct toml_value *v)
{
	if (v->type != TOML_ARRAY || v->u.array.n == 0)
		return false;
	for (size_t i = 0; i < v->u.array.n; i++)
		if (v->u.array.items[i]->type != TOML_TABLE)
			return false;
	return true;
}

static hs_err write_table(struct hs_buf *b, const struct toml_value *t,
                          struct hs_buf *path);

static hs_err
header(struct hs_buf *b, const struct hs_buf *path, const char *open,
       const char *close)
{
	return hs_buf_printf(b, "%s%s%s%s\n", b->len ? "\n" : "", open, hs_buf_str(path),
	                     close);
}

static hs_err
write_sub(struct hs_buf *b, const struct toml_kv *kv, struct hs_buf *path)
{
	size_t mark = path->len;
	hs_err e = HS_OK;

	if (path->len)
		e = hs_buf_putc(path, '.');
	if (e == HS_OK)
		e = tomlw_key(path, kv->key, kv->keylen);
	if (e == HS_OK && kv->val->type == TOML_TABLE) {
		if ((e = header(b, path, "[", "]")) == HS_OK)
			e = write_table(b, kv->val, path);
	} else {
		for (size_t i = 0; e == HS_OK && i < kv->val->u.array.n; i++)
			if ((e = header(b, path, "[[", "]]")) == HS_OK)
				e = write_table(b, kv->val->u.array.items[i], path);
	}
	hs_buf_truncate(path, mark);
	return e;
}

static hs_err
write_table(struct hs_buf *b, const struct toml_value *t, struct hs_buf *path)
{
	hs_err e = HS_OK;

	for (size_t i = 0; i < t->u.table.n && e == HS_OK; i++) {
		const struct toml_kv *kv = &t->u.table.items[i];
		if (kv->val->type == TOML_TABLE || is_table_array(kv->val))
			continue;
		if ((e = tomlw_key(b, kv->key, kv->keylen)) == HS_OK &&
		    (e = hs_buf_puts(b, " = ")) == HS_OK && (e = tomlw_value(b, kv->val)) == HS_OK)
			e = hs_buf_putc(b, '\n');
	}
	for (size_t i = 0; i < t->u.table.n && e == HS_OK; i++) {
		const struct toml_kv *kv = &t->u.table.items[i];
		if (kv->val->type == TOML_TABLE || is_table_array(kv->val))
			e = write_sub(b, kv, path);
	}
	return e;
}

hs_err
tomlw_document(struct hs_buf *b, const struct toml_value *root)
{
	struct hs_buf path = HS_BUF_INIT(4096);
	hs_err e = write_table(b, root, &path);

	hs_buf_free(&path);
	return e;
}
