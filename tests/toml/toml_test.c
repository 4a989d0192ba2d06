/* toml_test.c: run the toml-test corpus against the TOML reader.
 *
 *   toml_test [-v] CORPUS_DIR LIST_FILE
 *
 * LIST_FILE names files relative to CORPUS_DIR, one a line (toml-test's
 * files-toml-1.0.0). Each valid/...toml is parsed, turned into toml-test's
 * tagged JSON and compared with the .json beside it: integers, floats and
 * date-times by value, strings byte for byte. Each invalid/...toml must
 * fail to parse with a line number. One line per failure, then a summary
 * "toml-test: N passed, M failed"; exit status 1 if anything failed.
 * With -v, print the error message of every invalid file as file:line:col.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "toml.h"

/* Largest file the runner reads (the reader refuses more anyway). */
#define MAX_FILE ((size_t)32 << 20)

struct stats {
	int passed, failed;
	bool verbose;
};

/* Read path (at most MAX_FILE bytes) into a malloc'd buffer; NULL on error. */
static char *
read_file(const char *path, size_t *lenp)
{
	FILE *f;
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0, n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			if (cap > MAX_FILE || (nb = realloc(buf, cap)) == NULL)
				goto fail;
			buf = nb;
		}
		if ((n = fread(buf + len, 1, cap - len, f)) == 0)
			break;
		len += n;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	*lenp = len;
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}

/* jansson refuses to load a NUL in an object key, so a NUL in a key is
 * written as U+10FFFE (a noncharacter the corpus never uses) on both
 * sides: in our keys, and as \u0000 in the keys of the expected JSON. */
#define NUL_STANDIN "\xF4\x8F\xBF\xBE"

/* Copy the JSON string token at s[i] (opening quote) to out at *o; in a
 * key, \u0000 becomes NUL_STANDIN. Returns the index after the token. */
static size_t
copy_token(const char *s, size_t n, size_t i, char *out, size_t *o, bool key)
{
	out[(*o)++] = s[i++];
	while (i < n && s[i] != '"') {
		if (key && n - i >= 6 && memcmp(s + i, "\\u0000", 6) == 0) {
			memcpy(out + *o, NUL_STANDIN, 4);
			*o += 4;
			i += 6;
			continue;
		}
		if (s[i] == '\\' && i + 1 < n)
			out[(*o)++] = s[i++];
		out[(*o)++] = s[i++];
	}
	if (i < n)
		out[(*o)++] = s[i++];
	return i;
}

/* Is the string token at s[i] an object key (followed by a colon)? */
static bool
is_key(const char *s, size_t n, size_t i)
{
	for (i++; i < n && s[i] != '"'; i++)
		i += s[i] == '\\';
	for (i++; i < n && strchr(" \t\r\n", s[i]) != NULL; i++)
		;
	return i < n && s[i] == ':';
}

/* Rewrite NULs in the keys of JSON text s in place; returns the new length. */
static size_t
standin_keys(char *s, size_t n)
{
	size_t i = 0, o = 0;

	while (i < n) {
		if (s[i] == '"')
			i = copy_token(s, n, i, s, &o, is_key(s, n, i));
		else
			s[o++] = s[i++];
	}
	return o;
}

/* The expected JSON at path, or NULL with a reason in why. */
static json_t *
load_expected(const char *path, char *why, size_t n)
{
	json_error_t jerr;
	json_t *j = NULL;
	size_t len = 0;
	char *text;

	if ((text = read_file(path, &len)) == NULL) {
		snprintf(why, n, "cannot read the JSON beside it: %s", strerror(errno));
		return NULL;
	}
	len = standin_keys(text, len);
	if ((j = json_loadb(text, len, JSON_ALLOW_NUL, &jerr)) == NULL)
		snprintf(why, n, "bad JSON beside it: %s", jerr.text);
	free(text);
	return j;
}

/* ---- TOML tree to tagged JSON ---- */

static json_t *to_json(const struct toml_value *v);

static json_t *
tagged(const char *type, const char *value)
{
	return json_pack("{s:s, s:s}", "type", type, "value", value);
}

static void
fmt_datetime(const struct toml_value *v, char *out, size_t n)
{
	const struct toml_datetime *d = &v->u.dt;
	char date[16] = "", time[32] = "", off[16] = "";
	int m = d->offset_minutes < 0 ? -d->offset_minutes : d->offset_minutes;

	if (v->type != TOML_TIME_LOCAL)
		snprintf(date, sizeof date, "%04d-%02d-%02d", d->year, d->month,
		    d->day);
	if (v->type != TOML_DATE_LOCAL)
		snprintf(time, sizeof time, "%s%02d:%02d:%02d.%09d",
		    v->type == TOML_TIME_LOCAL ? "" : "T", d->hour, d->minute,
		    d->second, d->nanosecond);
	if (v->type == TOML_DATETIME && d->offset_minutes == 0)
		snprintf(off, sizeof off, "Z");
	else if (v->type == TOML_DATETIME)
		snprintf(off, sizeof off, "%c%02d:%02d",
		    d->offset_minutes < 0 ? '-' : '+', m / 60, m % 60);
	snprintf(out, n, "%s%s%s", date, time, off);
}

static json_t *
scalar_json(const struct toml_value *v)
{
	char b[64];

	switch (v->type) {
	case TOML_INTEGER:
		snprintf(b, sizeof b, "%" PRId64, v->u.i);
		break;
	case TOML_FLOAT:
		if (isnan(v->u.d))
			snprintf(b, sizeof b, "nan");
		else if (isinf(v->u.d))
			snprintf(b, sizeof b, "%sinf", v->u.d < 0 ? "-" : "");
		else
			snprintf(b, sizeof b, "%.17g", v->u.d);
		break;
	case TOML_BOOL:
		snprintf(b, sizeof b, "%s", v->u.b ? "true" : "false");
		break;
	default:
		fmt_datetime(v, b, sizeof b);
		break;
	}
	return tagged(toml_type_name(v->type), b);
}

static json_t *
table_json(const struct toml_value *v)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; o != NULL && i < v->u.table.n; i++) {
		const struct toml_kv *kv = &v->u.table.items[i];
		char key[1024];
		size_t j, kl = 0;

		for (j = 0; j < kv->keylen && kl + 4 < sizeof key; j++) {
			if (kv->key[j] != '\0') {
				key[kl++] = kv->key[j];
			} else {
				memcpy(key + kl, NUL_STANDIN, 4);
				kl += 4;
			}
		}
		if (json_object_setn_new(o, key, kl, to_json(kv->val)) != 0) {
			json_decref(o);
			o = NULL;
		}
	}
	return o;
}

static json_t *
array_json(const struct toml_value *v)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < v->u.array.n; i++) {
		if (json_array_append_new(a, to_json(v->u.array.items[i])) != 0) {
			json_decref(a);
			a = NULL;
		}
	}
	return a;
}

static json_t *
to_json(const struct toml_value *v)
{
	json_t *s;

	switch (v->type) {
	case TOML_TABLE:
		return table_json(v);
	case TOML_ARRAY:
		return array_json(v);
	case TOML_STRING:
		s = json_object();
		json_object_set_new(s, "type", json_string("string"));
		json_object_set_new(s, "value",
		    json_stringn(v->u.str.ptr, v->u.str.len));
		return s;
	default:
		return scalar_json(v);
	}
}

/* ---- semantic comparison ---- */

/* A date-time as toml-test writes it, loosely: any of the four kinds. */
struct dt {
	int y, mo, d, h, mi, s;
	long ns;
	int off;  /* minutes */
	bool has_date, has_time, has_off;
};

static bool
parse_num(const char **sp, int n, int *out)
{
	int i, x = 0;

	for (i = 0; i < n; i++) {
		if ((*sp)[i] < '0' || (*sp)[i] > '9')
			return false;
		x = x * 10 + ((*sp)[i] - '0');
	}
	*sp += n;
	*out = x;
	return true;
}

static bool
parse_time_part(const char **sp, struct dt *t)
{
	const char *s = *sp;
	long scale = 100000000;

	if (!parse_num(&s, 2, &t->h) || *s++ != ':' || !parse_num(&s, 2, &t->mi))
		return false;
	if (*s == ':' && (s++, !parse_num(&s, 2, &t->s)))
		return false;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++, scale /= 10)
			t->ns += (*s - '0') * scale;
	t->has_time = true;
	*sp = s;
	return true;
}

static bool
parse_dt(const char *s, struct dt *t)
{
	int oh, om;

	memset(t, 0, sizeof *t);
	if (strlen(s) >= 10 && s[4] == '-') {
		if (!parse_num(&s, 4, &t->y) || *s++ != '-' ||
		    !parse_num(&s, 2, &t->mo) || *s++ != '-' ||
		    !parse_num(&s, 2, &t->d))
			return false;
		t->has_date = true;
		if (*s == '\0')
			return true;
		if (*s != 'T' && *s != 't' && *s != ' ')
			return false;
		s++;
	}
	if (!parse_time_part(&s, t))
		return false;
	if (*s == 'Z' || *s == 'z') {
		t->has_off = true;
		s++;
	} else if (*s == '+' || *s == '-') {
		const char *sign = s++;

		if (!parse_num(&s, 2, &oh) || *s++ != ':' || !parse_num(&s, 2, &om))
			return false;
		t->off = (*sign == '-' ? -1 : 1) * (oh * 60 + om);
		t->has_off = true;
	}
	return *s == '\0';
}

static bool
same_dt(const char *a, const char *b)
{
	struct dt x, y;

	if (!parse_dt(a, &x) || !parse_dt(b, &y))
		return false;
	return x.y == y.y && x.mo == y.mo && x.d == y.d && x.h == y.h &&
	    x.mi == y.mi && x.s == y.s && x.ns == y.ns && x.off == y.off &&
	    x.has_date == y.has_date && x.has_time == y.has_time &&
	    x.has_off == y.has_off;
}

static bool
same_float(const char *a, const char *b)
{
	double x = strtod(a, NULL), y = strtod(b, NULL);

	if (isnan(x) || isnan(y))
		return isnan(x) && isnan(y);
	return x == y;
}

static bool
same_int(const char *a, const char *b)
{
	long long x, y;
	char *ea, *eb;

	errno = 0;
	x = strtoll(a, &ea, 10);
	y = strtoll(b, &eb, 10);
	return errno == 0 && *ea == '\0' && *eb == '\0' && x == y;
}

/* {"type": "...", "value": "..."} with both strings. */
static bool
is_tagged(const json_t *j)
{
	return json_is_object(j) && json_object_size(j) == 2 &&
	    json_is_string(json_object_get(j, "type")) &&
	    json_is_string(json_object_get(j, "value"));
}

static bool
same_scalar(const json_t *want, const json_t *got, char *why, size_t n)
{
	const char *wt = json_string_value(json_object_get(want, "type"));
	const char *gt = json_string_value(json_object_get(got, "type"));
	const json_t *wj = json_object_get(want, "value");
	const json_t *gj = json_object_get(got, "value");
	const char *wv = json_string_value(wj), *gv = json_string_value(gj);
	bool ok;

	if (strcmp(wt, gt) != 0) {
		snprintf(why, n, "type %s, want %s", gt, wt);
		return false;
	}
	if (strcmp(wt, "string") == 0)
		ok = json_string_length(wj) == json_string_length(gj) &&
		    memcmp(wv, gv, json_string_length(wj)) == 0;
	else if (strcmp(wt, "integer") == 0)
		ok = same_int(wv, gv);
	else if (strcmp(wt, "float") == 0)
		ok = same_float(wv, gv);
	else if (strcmp(wt, "bool") == 0)
		ok = strcmp(wv, gv) == 0;
	else
		ok = same_dt(wv, gv);
	if (!ok)
		snprintf(why, n, "%s value '%s', want '%s'", wt, gv, wv);
	return ok;
}

static bool same_json(const json_t *, const json_t *, char *, size_t);

static bool
same_object(const json_t *want, const json_t *got, char *why, size_t n)
{
	const char *key;
	size_t klen;
	json_t *wv, *gv;

	if (json_object_size(want) != json_object_size(got)) {
		snprintf(why, n, "table has %zu keys, want %zu",
		    json_object_size(got), json_object_size(want));
		return false;
	}
	json_object_keylen_foreach((json_t *)want, key, klen, wv) {
		if ((gv = json_object_getn(got, key, klen)) == NULL) {
			snprintf(why, n, "missing key '%.*s'", (int)klen, key);
			return false;
		}
		if (!same_json(wv, gv, why, n))
			return false;
	}
	return true;
}

static bool
same_array(const json_t *want, const json_t *got, char *why, size_t n)
{
	size_t i;

	if (json_array_size(want) != json_array_size(got)) {
		snprintf(why, n, "array has %zu elements, want %zu",
		    json_array_size(got), json_array_size(want));
		return false;
	}
	for (i = 0; i < json_array_size(want); i++)
		if (!same_json(json_array_get(want, i), json_array_get(got, i), why,
		    n))
			return false;
	return true;
}

static bool
same_json(const json_t *want, const json_t *got, char *why, size_t n)
{
	if (is_tagged(want)) {
		if (!is_tagged(got)) {
			snprintf(why, n, "got a table or array, want a scalar");
			return false;
		}
		return same_scalar(want, got, why, n);
	}
	if (json_is_object(want) && json_is_object(got) && !is_tagged(got))
		return same_object(want, got, why, n);
	if (json_is_array(want) && json_is_array(got))
		return same_array(want, got, why, n);
	snprintf(why, n, "structure differs");
	return false;
}

/* ---- the runs ---- */

/* dir/rel into out; with json, rel's ".toml" becomes ".json". Returns 0,
 * or -1 if out is too small. */
static int
join(char *out, size_t n, const char *dir, const char *rel, int json)
{
	size_t rl = strlen(rel);
	int w;

	if (json)
		w = snprintf(out, n, "%s/%.*s.json", dir, (int)(rl - 5), rel);
	else
		w = snprintf(out, n, "%s/%s", dir, rel);
	if (w < 0 || (size_t)w >= n) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static void
result(struct stats *st, const char *rel, const char *why)
{
	if (why == NULL) {
		st->passed++;
		return;
	}
	st->failed++;
	printf("FAIL %s: %s\n", rel, why);
}

static void
run_valid(struct stats *st, const char *dir, const char *rel)
{
	char path[4096], why[512] = "";
	struct toml_value *root = NULL;
	struct toml_error err;
	json_t *want = NULL, *got = NULL;
	size_t len = 0;
	char *buf = NULL;

	if (join(path, sizeof path, dir, rel, 0) != 0 ||
	    (buf = read_file(path, &len)) == NULL) {
		snprintf(why, sizeof why, "cannot read: %s", strerror(errno));
		goto out;
	}
	if (toml_parse(buf, len, &root, &err) != HS_OK) {
		snprintf(why, sizeof why, "%d:%d: %s", err.line, err.col, err.msg);
		goto out;
	}
	if (join(path, sizeof path, dir, rel, 5) != 0) {
		snprintf(why, sizeof why, "path too long");
		goto out;
	}
	if ((want = load_expected(path, why, sizeof why)) == NULL)
		goto out;
	if ((got = to_json(root)) == NULL)
		snprintf(why, sizeof why, "cannot build JSON");
	else
		same_json(want, got, why, sizeof why);
out:
	result(st, rel, why[0] ? why : NULL);
	json_decref(want);
	json_decref(got);
	toml_free(root);
	free(buf);
}

static void
run_invalid(struct stats *st, const char *dir, const char *rel)
{
	char path[4096], why[512] = "";
	struct toml_value *root = NULL;
	struct toml_error err;
	size_t len = 0;
	char *buf = NULL;

	if (join(path, sizeof path, dir, rel, 0) != 0 ||
	    (buf = read_file(path, &len)) == NULL) {
		snprintf(why, sizeof why, "cannot read: %s", strerror(errno));
	} else if (toml_parse(buf, len, &root, &err) == HS_OK) {
		snprintf(why, sizeof why, "parsed, but should have failed");
	} else {
		if (err.line < 1)
			snprintf(why, sizeof why, "error without a line: %s", err.msg);
		if (st->verbose)
			printf("%s:%d:%d: %s\n", rel, err.line, err.col, err.msg);
	}
	result(st, rel, why[0] ? why : NULL);
	toml_free(root);
	free(buf);
}

static bool
has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && strcmp(s + n - m, suf) == 0;
}

int
main(int argc, char **argv)
{
	struct stats st = {0, 0, false};
	char line[4096];
	FILE *list;
	int i = 1;

	if (argc > 1 && strcmp(argv[1], "-v") == 0) {
		st.verbose = true;
		i++;
	}
	if (argc - i != 2) {
		fprintf(stderr, "usage: toml_test [-v] CORPUS_DIR LIST_FILE\n");
		return 2;
	}
	if ((list = fopen(argv[i + 1], "r")) == NULL) {
		fprintf(stderr, "toml_test: %s: %s\n", argv[i + 1], strerror(errno));
		return 2;
	}
	while (fgets(line, sizeof line, list) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!has_suffix(line, ".toml"))
			continue;
		if (strncmp(line, "valid/", 6) == 0)
			run_valid(&st, argv[i], line);
		else if (strncmp(line, "invalid/", 8) == 0)
			run_invalid(&st, argv[i], line);
	}
	fclose(list);
	printf("toml-test: %d passed, %d failed\n", st.passed, st.failed);
	return st.failed > 0 ? 1 : 0;
}
