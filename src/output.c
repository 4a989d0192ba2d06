/* output.c: task listing and detail formats. */
#include "output.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define TEXT_MAX (64u << 20)   /* largest rendering of one value */

static const char *format_names[] = {
	"normal", "plain", "table", "json", "csv", "yaml",
};

int
hs_format_parse(const char *s)
{
	for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++)
		if (strcmp(s, format_names[i]) == 0)
			return (int)i;
	return -1;
}

/* --- values ------------------------------------------------------------- */

static int
cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Tags in key order: the same on every backend (PostgreSQL's jsonb keeps
 * its own order, SQLite the order of insertion). */
static json_t *
tag_json(const char *text)
{
	json_t *j = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL, *sorted, *v;
	const char **keys, *k;
	size_t n = 0;

	if (j == NULL || !json_is_object(j) || json_object_size(j) < 2)
		return j ? j : json_object();
	if ((keys = calloc(json_object_size(j), sizeof *keys)) == NULL ||
	    (sorted = json_object()) == NULL) {
		free(keys);
		return j;
	}
	json_object_foreach(j, k, v)
		keys[n++] = k;
	qsort(keys, n, sizeof *keys, cmp_keys);
	for (size_t i = 0; i < n; i++)
		json_object_set(sorted, keys[i], json_object_get(j, keys[i]));
	free(keys);
	json_decref(j);
	return sorted;
}

/* A string that may not be valid UTF-8 (a corrupt row): never fail. */
static json_t *
string_json(const char *s)
{
	json_t *j = json_string(s);

	return j ? j : json_string("<invalid UTF-8>");
}

static json_t *
cell_json(const struct hs_task *t, int f)
{
	const struct hs_cell *c = &t->f[f];

	if (c->null)
		return json_null();
	switch (hs_fields[f].type) {
	case HS_FT_INT: return json_integer(c->i);
	case HS_FT_REAL: return json_real(c->d);
	case HS_FT_BOOL: return json_boolean(c->i);
	case HS_FT_JSON: return tag_json(c->s);
	default: return string_json(c->s);
	}
}

static json_t *
task_json(const struct hs_task *t, const int *fields, size_t n)
{
	json_t *o = json_object();

	for (size_t i = 0; i < n && o != NULL; i++)
		json_object_set_new(o, hs_fields[fields[i]].name, cell_json(t, fields[i]));
	return o;
}

/* JSON text of j with ", " and ": " separators; caller frees. */
static char *
json_text(json_t *j, size_t flags)
{
	char *s = json_dumps(j, JSON_PRESERVE_ORDER | JSON_ENCODE_ANY | flags);

	json_decref(j);
	return s;
}

/* Text with control characters escaped, so one value stays on one line. */
static hs_err
escaped(struct hs_buf *b, const char *s)
{
	hs_err e = HS_OK;

	for (; *s && e == HS_OK; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\n')
			e = hs_buf_puts(b, "\\n");
		else if (c == '\t')
			e = hs_buf_puts(b, "\\t");
		else if (c == '\r')
			e = hs_buf_puts(b, "\\r");
		else if (c < 0x20 || c == 0x7f)
			e = hs_buf_printf(b, "\\u%04x", c);
		else
			e = hs_buf_putc(b, (char)c);
	}
	return e;
}

/* HyperShell's format_json: null, true, 3, the string itself, tags as
 * {"k": 1}. */
static hs_err
value_text(struct hs_buf *b, const struct hs_task *t, int f)
{
	char num[64], *js;
	const char *v = hs_cell_text(t, f, num, sizeof num);
	hs_err e;

	if (v == NULL)
		return hs_buf_puts(b, "null");
	if (hs_fields[f].type != HS_FT_JSON)
		return escaped(b, v);
	if ((js = json_text(tag_json(v), 0)) == NULL)
		return HS_ENOMEM;
	e = hs_buf_puts(b, js);
	free(js);
	return e;
}

/* Python's format_bytes: 512.00B, 1.50KB, 256MB. */
static void
format_bytes(int64_t n, char *buf, size_t len)
{
	static const char *units[] = {"", "K", "M", "G", "T"};
	double size = (double)n;

	for (size_t i = 0; i < 5; i++) {
		if (size < 1000 && size > -1000) {
			snprintf(buf, len, size < 10 && size > -10 ? "%1.2f%sB" :
			         size < 100 && size > -100 ? "%2.1f%sB" : "%3.0f%sB",
			         size, units[i]);
			return;
		}
		size /= 1024;
	}
	snprintf(buf, len, "%3.1fPB", size);
}

/* Python's str(timedelta(seconds=n)): 0:00:05, 1 day, 2:03:04. */
static void
format_seconds(int64_t n, char *buf, size_t len)
{
	int64_t days = n / 86400, r = n % 86400;

	if (n < 0) {
		days = -((-n + 86399) / 86400);
		r = n - days * 86400;
	}
	if (days != 0)
		snprintf(buf, len, "%lld day%s, %d:%02d:%02d", (long long)days,
		         days == 1 || days == -1 ? "" : "s", (int)(r / 3600),
		         (int)(r / 60 % 60), (int)(r % 60));
	else
		snprintf(buf, len, "%d:%02d:%02d", (int)(r / 3600), (int)(r / 60 % 60),
		         (int)(r % 60));
}

/* --- hs info ------------------------------------------------------------ */

static const char *
text_or_null(const struct hs_task *t, int f, char *buf, size_t len)
{
	const char *v = hs_cell_text(t, f, buf, len);

	return v ? v : "null";
}

static const char *
seconds_or_null(const struct hs_task *t, int f, char *buf, size_t len)
{
	if (t->f[f].null || (f == HS_F_TIMEOUT && t->f[f].i == 0))
		return "null";
	format_seconds(t->f[f].i, buf, len);
	return buf;
}

static void
tags_normal(FILE *out, const char *json)
{
	json_t *o = tag_json(json), *v;
	const char *k, *sep = "";
	char *vs;

	json_object_foreach(o, k, v) {
		if (json_is_string(v) && *json_string_value(v) == '\0') {
			fprintf(out, "%s%s", sep, k);
		} else {
			vs = json_is_string(v) ? strdup(json_string_value(v))
			                       : json_dumps(v, JSON_ENCODE_ANY);
			fprintf(out, "%s%s:%s", sep, k, vs ? vs : "?");
			free(vs);
		}
		sep = ", ";
	}
	json_decref(o);
}

static void
info_normal(FILE *out, const struct hs_task *t)
{
	char a[64], b[64], c[64];
	struct hs_buf args = HS_BUF_INIT(TEXT_MAX), cmd = HS_BUF_INIT(TEXT_MAX);

	value_text(&args, t, HS_F_ARGS);
	value_text(&cmd, t, HS_F_COMMAND);
	fprintf(out, "          id: %s\n", text_or_null(t, HS_F_ID, a, sizeof a));
	fprintf(out, "       group: %s\n", text_or_null(t, HS_F_GROUP, a, sizeof a));
	fprintf(out, "        args: %s\n", hs_buf_str(&args));
	fprintf(out, "     command: %s\n", hs_buf_str(&cmd));
	if (t->f[HS_F_CORES_MAX].null || t->f[HS_F_CORES_MAX].d == 0)
		snprintf(b, sizeof b, "null");
	else
		snprintf(b, sizeof b, "%.2f", t->f[HS_F_CORES_MAX].d);
	fprintf(out, "       cores: %lld (used: %s)\n",
	        t->f[HS_F_CORES].null ? 0LL : (long long)t->f[HS_F_CORES].i, b);
	format_bytes(t->f[HS_F_MEMORY].null ? 0 : t->f[HS_F_MEMORY].i, a, sizeof a);
	if (t->f[HS_F_MEMORY_MAX].null || t->f[HS_F_MEMORY_MAX].d == 0)
		snprintf(b, sizeof b, "null");
	else
		format_bytes((int64_t)t->f[HS_F_MEMORY_MAX].d, b, sizeof b);
	fprintf(out, "      memory: %s (used: %s)\n", a, b);
	fprintf(out, "     timeout: %s\n", seconds_or_null(t, HS_F_TIMEOUT, a, sizeof a));
	fprintf(out, " exit_status: %s\n", text_or_null(t, HS_F_EXIT_STATUS, a, sizeof a));
	fprintf(out, "   submitted: %s\n", text_or_null(t, HS_F_SUBMIT_TIME, a, sizeof a));
	fprintf(out, "   scheduled: %s\n", text_or_null(t, HS_F_SCHEDULE_TIME, a, sizeof a));
	fprintf(out, "     started: %s (waited: %s)\n",
	        text_or_null(t, HS_F_START_TIME, a, sizeof a),
	        seconds_or_null(t, HS_F_WAITED, b, sizeof b));
	fprintf(out, "   completed: %s (duration: %s)\n",
	        text_or_null(t, HS_F_COMPLETION_TIME, a, sizeof a),
	        seconds_or_null(t, HS_F_DURATION, b, sizeof b));
	fprintf(out, " submit_host: %s (%s)\n", text_or_null(t, HS_F_SUBMIT_HOST, a, sizeof a),
	        text_or_null(t, HS_F_SUBMIT_ID, b, sizeof b));
	fprintf(out, " server_host: %s (%s)\n", text_or_null(t, HS_F_SERVER_HOST, a, sizeof a),
	        text_or_null(t, HS_F_SERVER_ID, b, sizeof b));
	fprintf(out, " client_host: %s (%s)\n", text_or_null(t, HS_F_CLIENT_HOST, a, sizeof a),
	        text_or_null(t, HS_F_CLIENT_ID, b, sizeof b));
	fprintf(out, "     attempt: %s\n", text_or_null(t, HS_F_ATTEMPT, a, sizeof a));
	fprintf(out, "     retried: %s\n", text_or_null(t, HS_F_RETRIED, a, sizeof a));
	fprintf(out, "     outpath: %s\n", text_or_null(t, HS_F_OUTPATH, a, sizeof a));
	fprintf(out, "     errpath: %s\n", text_or_null(t, HS_F_ERRPATH, a, sizeof a));
	fprintf(out, "     csvpath: %s\n", text_or_null(t, HS_F_CSVPATH, c, sizeof c));
	fprintf(out, " previous_id: %s\n", text_or_null(t, HS_F_PREVIOUS_ID, a, sizeof a));
	fprintf(out, "     next_id: %s\n", text_or_null(t, HS_F_NEXT_ID, a, sizeof a));
	fprintf(out, "        tags: ");
	tags_normal(out, t->f[HS_F_TAG].s);
	fprintf(out, "\n");
	hs_buf_free(&args);
	hs_buf_free(&cmd);
}

/* --- YAML --------------------------------------------------------------- */

/* Would a YAML 1.1 reader take s for a number or a timestamp? */
static bool
yaml_implicit(const char *s)
{
	char *end;
	int y, m;

	strtod(s, &end);
	if (*end == '\0')
		return true;
	return sscanf(s, "%4d-%2d", &y, &m) == 2 && s[4] == '-';
}

static bool
yaml_plain_ok(const char *s)
{
	static const char *reserved[] = {"null", "Null", "NULL", "~", "true", "True",
		"TRUE", "false", "False", "FALSE", "yes", "Yes", "no", "No", "on", "On",
		"off", "Off", NULL};

	if (*s == '\0' || strchr("-?:,[]{}#&*!|>'\"%@` .+", *s) != NULL ||
	    yaml_implicit(s))
		return false;
	if (s[strlen(s) - 1] == ' ' || s[strlen(s) - 1] == ':' || strstr(s, ": ") ||
	    strstr(s, " #"))
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	for (int i = 0; reserved[i]; i++)
		if (strcmp(s, reserved[i]) == 0)
			return false;
	return true;
}

static void
yaml_string(FILE *out, const char *s)
{
	char *js;

	if (yaml_plain_ok(s)) {
		fputs(s, out);
		return;
	}
	if (strpbrk(s, "\n\r\t\\\x7f") == NULL) {
		bool ctl = false;
		for (const char *p = s; *p; p++)
			ctl |= (unsigned char)*p < 0x20;
		if (!ctl) {
			fputc('\'', out);
			for (; *s; s++)
				fputs(*s == '\'' ? "''" : (char[2]){*s, 0}, out);
			fputc('\'', out);
			return;
		}
	}
	js = json_text(string_json(s), 0);  /* a JSON string is a YAML string */
	fputs(js ? js : "''", out);
	free(js);
}

static void
yaml_scalar(FILE *out, json_t *v)
{
	char *js;

	if (json_is_string(v)) {
		yaml_string(out, json_string_value(v));
		return;
	}
	js = json_dumps(v, JSON_ENCODE_ANY);
	fputs(js ? js : "null", out);
	free(js);
}

static void
info_yaml(FILE *out, const struct hs_task *t)
{
	json_t *v, *tv;
	const char *k;

	for (int f = 0; f < HS_F_COUNT; f++) {
		v = cell_json(t, f);
		fprintf(out, "%s:", hs_fields[f].name);
		if (json_is_object(v) && json_object_size(v) > 0) {
			fputc('\n', out);
			json_object_foreach(v, k, tv) {
				fprintf(out, "    %s: ", k);
				yaml_scalar(out, tv);
				fputc('\n', out);
			}
		} else if (json_is_object(v)) {
			fputs(" {}\n", out);
		} else {
			fputc(' ', out);
			yaml_scalar(out, v);
			fputc('\n', out);
		}
		json_decref(v);
	}
}

static const int all_fields[HS_F_COUNT] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
	21, 22, 23, 24, 25, 26, 27, 28, 29,
};

hs_err
hs_print_info(FILE *out, const struct hs_task *t, enum hs_format fmt)
{
	char *js;

	switch (fmt) {
	case HS_FMT_JSON:
		if ((js = json_text(task_json(t, all_fields, HS_F_COUNT), JSON_INDENT(4))) == NULL)
			return HS_ENOMEM;
		fprintf(out, "%s\n", js);
		free(js);
		return HS_OK;
	case HS_FMT_YAML:
		info_yaml(out, t);
		return HS_OK;
	default:
		info_normal(out, t);
		return HS_OK;
	}
}

hs_err
hs_print_field(FILE *out, const struct hs_task *t, int field, enum hs_format fmt)
{
	struct hs_buf b = HS_BUF_INIT(TEXT_MAX);
	char *js;
	hs_err e = HS_OK;

	if (field == HS_F_TAG && fmt == HS_FMT_NORMAL) {
		tags_normal(out, t->f[HS_F_TAG].s);
		fputc('\n', out);
	} else if (field == HS_F_TAG) {
		if ((js = json_text(tag_json(t->f[HS_F_TAG].s), JSON_INDENT(4))) == NULL)
			return HS_ENOMEM;
		fprintf(out, "%s\n", js);
		free(js);
	} else if ((e = value_text(&b, t, field)) == HS_OK) {
		fprintf(out, "%s\n", hs_buf_str(&b));
	}
	hs_buf_free(&b);
	return e;
}

/* --- listings ----------------------------------------------------------- */

struct hs_printer {
	enum hs_format fmt;
	int fields[HS_F_COUNT * 4];
	size_t nfields;
	char delim[101];
	FILE *out;
	size_t rows;
	char **cells;      /* table: rows x nfields strings; owned */
	size_t ncells, capcells;
};

hs_err
hs_printer_new(enum hs_format fmt, const int *fields, size_t nfields,
               const char *delim, FILE *out, struct hs_printer **pp)
{
	struct hs_printer *p = calloc(1, sizeof *p);

	if (p == NULL)
		return HS_ENOMEM;
	if (nfields > sizeof p->fields / sizeof p->fields[0])
		nfields = sizeof p->fields / sizeof p->fields[0];
	p->fmt = fmt;
	memcpy(p->fields, fields, nfields * sizeof *fields);
	p->nfields = nfields;
	snprintf(p->delim, sizeof p->delim, "%s", delim);
	p->out = out;
	*pp = p;
	return HS_OK;
}

static void
csv_field(FILE *out, const char *s, const char *delim)
{
	if (strpbrk(s, "\"\r\n") == NULL && strstr(s, delim) == NULL) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static hs_err
row_csv(struct hs_printer *p, const struct hs_task *t)
{
	struct hs_buf b = HS_BUF_INIT(TEXT_MAX);
	const struct hs_cell *c;
	hs_err e = HS_OK;

	for (size_t i = 0; i < p->nfields && e == HS_OK; i++) {
		hs_buf_reset(&b);
		c = &t->f[p->fields[i]];
		if (i > 0)
			fputs(p->delim, p->out);
		if (!c->null && (hs_fields[p->fields[i]].type == HS_FT_TEXT ||
		                 hs_fields[p->fields[i]].type == HS_FT_UUID ||
		                 hs_fields[p->fields[i]].type == HS_FT_TIME))
			e = hs_buf_puts(&b, c->s);
		else
			e = value_text(&b, t, p->fields[i]);
		csv_field(p->out, hs_buf_str(&b), p->delim);
	}
	fputs("\r\n", p->out);
	hs_buf_free(&b);
	return e;
}

static hs_err
row_plain(struct hs_printer *p, const struct hs_task *t)
{
	struct hs_buf b = HS_BUF_INIT(TEXT_MAX);
	hs_err e = HS_OK;

	for (size_t i = 0; i < p->nfields && e == HS_OK; i++) {
		if (i > 0)
			e = hs_buf_puts(&b, p->delim);
		if (e == HS_OK)
			e = value_text(&b, t, p->fields[i]);
	}
	if (e == HS_OK)
		fprintf(p->out, "%s\n", hs_buf_str(&b));
	hs_buf_free(&b);
	return e;
}

static hs_err
row_json(struct hs_printer *p, const struct hs_task *t)
{
	char *js = json_text(task_json(t, p->fields, p->nfields), JSON_INDENT(4));

	if (js == NULL)
		return HS_ENOMEM;
	fputs(p->rows == 0 ? "[\n    " : ",\n    ", p->out);
	for (const char *s = js; *s; s++) {
		fputc(*s, p->out);
		if (*s == '\n')
			fputs("    ", p->out);
	}
	free(js);
	return HS_OK;
}

static hs_err
row_table(struct hs_printer *p, const struct hs_task *t)
{
	struct hs_buf b = HS_BUF_INIT(TEXT_MAX);
	char **nc;
	hs_err e = HS_OK;

	if (p->ncells + p->nfields > p->capcells) {
		size_t cap = p->capcells ? p->capcells * 2 : 64 * p->nfields;
		if ((nc = realloc(p->cells, cap * sizeof *nc)) == NULL)
			return HS_ENOMEM;
		p->cells = nc;
		p->capcells = cap;
	}
	for (size_t i = 0; i < p->nfields && e == HS_OK; i++) {
		hs_buf_reset(&b);
		if ((e = value_text(&b, t, p->fields[i])) == HS_OK &&
		    (p->cells[p->ncells] = strdup(hs_buf_str(&b))) == NULL)
			e = HS_ENOMEM;
		else if (e == HS_OK)
			p->ncells++;
	}
	hs_buf_free(&b);
	return e;
}

hs_err
hs_printer_task(struct hs_printer *p, const struct hs_task *t)
{
	hs_err e;

	if (p->rows == 0 && p->fmt == HS_FMT_CSV) {
		for (size_t i = 0; i < p->nfields; i++)
			fprintf(p->out, "%s%s", i ? p->delim : "", hs_fields[p->fields[i]].name);
		fputs("\r\n", p->out);
	}
	switch (p->fmt) {
	case HS_FMT_CSV: e = row_csv(p, t); break;
	case HS_FMT_JSON: e = row_json(p, t); break;
	case HS_FMT_TABLE: e = row_table(p, t); break;
	case HS_FMT_NORMAL:
		fputs("---\n", p->out);
		info_normal(p->out, t);
		e = HS_OK;
		break;
	default: e = row_plain(p, t); break;
	}
	p->rows++;
	return e;
}

/* Terminal columns of UTF-8 text (one per code point). */
static size_t
width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void
rule(FILE *out, const size_t *w, size_t n, const char *l, const char *fill,
     const char *mid, const char *r)
{
	fputs(l, out);
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < w[i] + 2; k++)
			fputs(fill, out);
		fputs(i + 1 < n ? mid : r, out);
	}
	fputc('\n', out);
}

static void
cells_line(FILE *out, const size_t *w, size_t n, char *const *cells,
           const char *sep)
{
	fputs(sep, out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, " %s%*s %s", cells[i], (int)(w[i] - width(cells[i])), "", sep);
	fputc('\n', out);
}

static void
finish_table(struct hs_printer *p)
{
	size_t *w = calloc(p->nfields, sizeof *w);
	char *head[HS_F_COUNT * 4];

	if (w == NULL)
		return;
	for (size_t i = 0; i < p->nfields; i++) {
		head[i] = (char *)hs_fields[p->fields[i]].name;
		w[i] = width(head[i]);
	}
	for (size_t c = 0; c < p->ncells; c++)
		if (width(p->cells[c]) > w[c % p->nfields])
			w[c % p->nfields] = width(p->cells[c]);
	rule(p->out, w, p->nfields, "┏", "━", "┳", "┓");
	cells_line(p->out, w, p->nfields, head, "┃");
	rule(p->out, w, p->nfields, "┡", "━", "╇", "┩");
	for (size_t r = 0; r < p->rows; r++)
		cells_line(p->out, w, p->nfields, p->cells + r * p->nfields, "│");
	rule(p->out, w, p->nfields, "└", "─", "┴", "┘");
	free(w);
}

hs_err
hs_printer_finish(struct hs_printer *p)
{
	if (p == NULL)
		return HS_OK;
	if (p->fmt == HS_FMT_JSON)
		fputs(p->rows ? "\n]\n" : "[]\n", p->out);
	if (p->fmt == HS_FMT_TABLE)
		finish_table(p);
	for (size_t i = 0; i < p->ncells; i++)
		free(p->cells[i]);
	free(p->cells);
	free(p);
	return HS_OK;
}
