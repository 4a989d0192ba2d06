/* template.c: the task command template language (docs/templates.md).
 *
 * One left-to-right scan. Text outside braces is copied; at each '{' the
 * forms are tried in turn, and a '{' that starts none of them is copied
 * like any other byte, so shell and awk braces pass through. Substituted
 * text goes straight to the output and is never scanned again. Checking
 * (tmpl_check) is the same scan with no output, no args and no shell.
 */
#include "template.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

#define SLICE_DIGITS_MAX 18   /* significant digits of a slice index */
#define NO_COLUMN ((size_t)-1)

/* A piece of some other string, not NUL-terminated. */
struct span {
	const char *p;
	size_t n;
};

struct expander {
	const char *t;               /* the template */
	size_t len;                  /* its length in bytes */
	const struct tmpl_ctx *ctx;  /* borrowed; NULL when only checking */
	struct hs_buf *out;          /* borrowed; NULL when only checking */
	struct span args;            /* the whole args line */
	struct span *fields;         /* owned: args.split(), made on first use */
	size_t nfields;
	bool split;                  /* fields has been made */
	int xstate;                  /* X_* below: x made on first use */
	struct expr_num x;           /* args as a number, when X_NUMBER */
	char *err;                   /* message out, errlen bytes; may be NULL */
	size_t errlen;
};

enum { X_UNTRIED, X_NUMBER, X_NAN };

/* A parsed {[...]}: values present per has[]; index when there's no ':'. */
struct slice {
	int64_t v[3];   /* start, stop, step */
	bool has[3];
	bool index;
};

enum path_form {
	P_ALL, P_DIR, P_DIR2, P_BASE, P_BASE_STEM, P_STEM, P_EXT, P_EXT_BARE
};

/* Matched against the text after '{'; each ends in '}', so at most one
 * matches. */
static const struct {
	const char *text;
	enum path_form form;
} path_table[] = {
	{"}", P_ALL}, {".}", P_DIR}, {"..}", P_DIR2}, {"/}", P_BASE},
	{"/-}", P_BASE_STEM}, {"-}", P_STEM}, {"+}", P_EXT},
	{"++}", P_EXT_BARE},
};

static hs_err __attribute__((format(printf, 4, 0)))
vfail(struct expander *x, hs_err code, size_t at, const char *fmt,
    va_list ap)
{
	int n = 0;

	if (x->err == NULL || x->errlen == 0)
		return code;
	if (at != NO_COLUMN)
		n = snprintf(x->err, x->errlen, "column %zu: ", at + 1);
	if (n >= 0 && (size_t)n < x->errlen)
		vsnprintf(x->err + n, x->errlen - (size_t)n, fmt, ap);
	return code;
}

/* Fail with code and a message about the form whose '{' is at t[at]. */
static hs_err __attribute__((format(printf, 4, 5)))
fail_at(struct expander *x, hs_err code, size_t at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = vfail(x, code, at, fmt, ap);
	va_end(ap);
	return code;
}

/* Whitespace as Python's str.split() and str.strip() see it, within
 * ASCII: the C spaces and the separators 0x1c-0x1f. */
static bool
is_py_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    (!first && is_digit(c));
}

static struct span
strip(struct span s)
{
	while (s.n > 0 && is_py_space(s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n > 0 && is_py_space(s.p[s.n - 1]))
		s.n--;
	return s;
}

/* Append to the output; a full output is HS_ELIMIT. */
static hs_err
emit(struct expander *x, const char *p, size_t n)
{
	hs_err e;

	if (x->out == NULL || n == 0)
		return HS_OK;
	if ((e = hs_buf_append(x->out, p, n)) == HS_OK)
		return HS_OK;
	if (e == HS_ELIMIT)
		return fail_at(x, e, NO_COLUMN, "expanded template is longer "
		    "than %zu bytes", x->out->max);
	return fail_at(x, e, NO_COLUMN, "out of memory");
}

static hs_err
emit_span(struct expander *x, struct span s)
{
	return emit(x, s.p, s.n);
}

/*
 * Path forms, with Python's posixpath semantics on the whole args.
 */

/* Offset just past the last '/' of s, 0 if none. */
static size_t
after_last_slash(struct span s)
{
	size_t i = s.n;

	while (i > 0 && s.p[i - 1] != '/')
		i--;
	return i;
}

/* posixpath.dirname: the head, trailing slashes removed unless it is
 * all slashes. */
static struct span
dir_name(struct span s)
{
	size_t i = after_last_slash(s), j = i;

	while (j > 0 && s.p[j - 1] == '/')
		j--;
	s.n = j > 0 ? j : i;
	return s;
}

static struct span
base_name(struct span s)
{
	size_t i = after_last_slash(s);

	s.p += i;
	s.n -= i;
	return s;
}

/* posixpath.splitext: offset where the extension starts, s.n if none. A
 * dot that only leads the last component is not an extension. */
static size_t
ext_start(struct span s)
{
	size_t sep = after_last_slash(s), dot = s.n, k;

	while (dot > sep && s.p[dot - 1] != '.')
		dot--;
	if (dot <= sep)
		return s.n;
	for (k = sep; k < dot - 1; k++)
		if (s.p[k] != '.')
			return dot - 1;
	return s.n;
}

static struct span
path_part(enum path_form form, struct span s)
{
	size_t k;

	switch (form) {
	case P_DIR:
		return dir_name(s);
	case P_DIR2:
		return dir_name(dir_name(s));
	case P_BASE:
		return base_name(s);
	case P_BASE_STEM:
		s = base_name(s);
		s.n = ext_start(s);
		return s;
	case P_STEM:
		s.n = ext_start(s);
		return s;
	case P_EXT:
	case P_EXT_BARE:
		k = ext_start(s);
		if (form == P_EXT_BARE && k < s.n)
			k++;
		s.p += k;
		s.n -= k;
		return s;
	default:
		return s;
	}
}

static hs_err
form_path(struct expander *x, size_t at, size_t *used)
{
	const char *s = x->t + at + 1;
	size_t i, n, left = x->len - at - 1;

	for (i = 0; i < sizeof path_table / sizeof path_table[0]; i++) {
		n = strlen(path_table[i].text);
		if (n <= left && memcmp(s, path_table[i].text, n) == 0) {
			*used = n + 1;
			return emit_span(x, path_part(path_table[i].form,
			    x->args));
		}
	}
	return HS_OK;
}

/*
 * Slices: {[i]} {[a:b]} {[a:b:s]} over args.split().
 */

/* Make x->fields once: the runs of non-space bytes of the args. */
static hs_err
split_args(struct expander *x)
{
	const char *p = x->args.p;
	size_t i = 0, n = 0, len = x->args.n, start;

	if (x->split)
		return HS_OK;
	for (i = 0; i < len; i++)
		if (!is_py_space(p[i]) && (i == 0 || is_py_space(p[i - 1])))
			n++;
	if (n > 0 && (x->fields = calloc(n, sizeof *x->fields)) == NULL)
		return fail_at(x, HS_ENOMEM, NO_COLUMN, "out of memory");
	for (i = 0, n = 0; i < len; n++) {
		while (i < len && is_py_space(p[i]))
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && !is_py_space(p[i]))
			i++;
		x->fields[n].p = p + start;
		x->fields[n].n = i - start;
	}
	x->nfields = n;
	x->split = true;
	return HS_OK;
}

static size_t
skip_space(const struct expander *x, size_t i)
{
	while (i < x->len && is_py_space(x->t[i]))
		i++;
	return i;
}

/* An optional signed integer at t[*i]: [+-]digits. */
static hs_err
slice_int(struct expander *x, size_t at, size_t *i, int64_t *v, bool *has)
{
	size_t k = *i, sig = 0;
	bool neg = false;
	int64_t r = 0;

	if (k < x->len && (x->t[k] == '+' || x->t[k] == '-'))
		neg = x->t[k++] == '-';
	if (k >= x->len || !is_digit(x->t[k])) {
		if (k != *i)
			return fail_at(x, HS_ETEMPLATE, at, "malformed slice: "
			    "sign without digits");
		return HS_OK;
	}
	for (; k < x->len && is_digit(x->t[k]); k++) {
		if (r > 0 || x->t[k] != '0')
			sig++;
		if (sig > SLICE_DIGITS_MAX)
			return fail_at(x, HS_ETEMPLATE, at, "slice index too "
			    "large");
		r = r * 10 + (x->t[k] - '0');
	}
	*v = neg ? -r : r;
	*has = true;
	*i = k;
	return HS_OK;
}

/* Parse the {[...]} whose '{' is at t[at]; *used is its length. */
static hs_err
parse_slice(struct expander *x, size_t at, struct slice *sl, size_t *used)
{
	size_t i = at + 2;
	int part = 0;
	hs_err e;

	memset(sl, 0, sizeof *sl);
	for (;;) {
		i = skip_space(x, i);
		e = slice_int(x, at, &i, &sl->v[part], &sl->has[part]);
		if (e != HS_OK)
			return e;
		i = skip_space(x, i);
		if (part == 2 || i >= x->len || x->t[i] != ':')
			break;
		part++;
		i++;
	}
	if (i + 1 >= x->len || x->t[i] != ']' || x->t[i + 1] != '}')
		return fail_at(x, HS_ETEMPLATE, at, "malformed slice: expected "
		    "an integer, ':' or ']}'");
	sl->index = part == 0;
	if (sl->index && !sl->has[0])
		return fail_at(x, HS_ETEMPLATE, at, "empty index {[]}");
	if (sl->has[2] && sl->v[2] == 0)
		return fail_at(x, HS_ETEMPLATE, at, "slice step cannot be zero");
	*used = i + 2 - at;
	return HS_OK;
}

/* A slice bound clamped into range, as Python's PySlice_AdjustIndices. */
static int64_t
slice_bound(bool has, int64_t v, int64_t n, int64_t step, bool start)
{
	if (!has)
		return step > 0 ? (start ? 0 : n) : (start ? n - 1 : -1);
	if (v < 0) {
		v += n;
		if (v < 0)
			v = step < 0 ? -1 : 0;
	} else if (v >= n) {
		v = step < 0 ? n - 1 : n;
	}
	return v;
}

static hs_err
emit_index(struct expander *x, size_t at, int64_t i)
{
	int64_t n = (int64_t)x->nfields, k = i < 0 ? i + n : i;

	if (k < 0 || k >= n)
		return fail_at(x, HS_ETEMPLATE, at, "index %" PRId64 " out of "
		    "range for %zu field%s", i, x->nfields,
		    x->nfields == 1 ? "" : "s");
	return emit_span(x, x->fields[k]);
}

static hs_err
emit_slice(struct expander *x, const struct slice *sl)
{
	int64_t n = (int64_t)x->nfields, step, i, stop;
	bool first = true;
	hs_err e;

	step = sl->has[2] ? sl->v[2] : 1;
	i = slice_bound(sl->has[0], sl->v[0], n, step, true);
	stop = slice_bound(sl->has[1], sl->v[1], n, step, false);
	for (; step > 0 ? i < stop : i > stop; i += step) {
		if (!first && (e = emit(x, " ", 1)) != HS_OK)
			return e;
		if ((e = emit_span(x, x->fields[i])) != HS_OK)
			return e;
		first = false;
	}
	return HS_OK;
}

static hs_err
form_slice(struct expander *x, size_t at, size_t *used)
{
	struct slice sl;
	hs_err e;

	if ((e = parse_slice(x, at, &sl, used)) != HS_OK)
		return e;
	if (x->out == NULL)
		return HS_OK;
	if ((e = split_args(x)) != HS_OK)
		return e;
	if (sl.index)
		return emit_index(x, at, sl.v[0]);
	return emit_slice(x, &sl);
}

/*
 * {% cmd %} and {= expr =}: a body up to a closer.
 */

/* The text between the opener at t[at] (2 bytes) and the first closer
 * after it; *used spans both. */
static hs_err
find_body(struct expander *x, size_t at, const char *closer,
    struct span *body, size_t *used)
{
	const char *start = x->t + at + 2, *end;

	end = memmem(start, x->len - at - 2, closer, 2);
	if (end == NULL)
		return fail_at(x, HS_ETEMPLATE, at, "unterminated {%c: no "
		    "closing %s", x->t[at + 1], closer);
	body->p = start;
	body->n = (size_t)(end - start);
	*used = body->n + 4;
	return HS_OK;
}

/* cmd with every '@' replaced by the args, into b. */
static hs_err
build_command(struct expander *x, size_t at, struct span cmd,
    struct hs_buf *b)
{
	size_t i, lit = 0;
	hs_err e = HS_OK;

	for (i = 0; i <= cmd.n && e == HS_OK; i++) {
		if (i < cmd.n && cmd.p[i] != '@')
			continue;
		e = hs_buf_append(b, cmd.p + lit, i - lit);
		if (e == HS_OK && i < cmd.n)
			e = hs_buf_append(b, x->args.p, x->args.n);
		lit = i + 1;
	}
	if (e == HS_ELIMIT)
		return fail_at(x, e, at, "{%% %%} command is longer than %d "
		    "bytes", TMPL_CMD_MAX);
	if (e != HS_OK)
		return fail_at(x, e, at, "out of memory");
	return HS_OK;
}

/* Run cmd through the callback and emit its output, stripped. The
 * callback's own errors become template errors, except for the limits. */
static hs_err
run_shell(struct expander *x, size_t at, struct span cmd)
{
	struct hs_buf line = HS_BUF_INIT(TMPL_CMD_MAX);
	struct hs_buf res = HS_BUF_INIT(x->out->max);
	char msg[TMPL_ERR_MAX];
	struct span text;
	hs_err e;

	if ((e = build_command(x, at, cmd, &line)) != HS_OK)
		goto out;
	msg[0] = '\0';
	e = x->ctx->shell(x->ctx->shell_arg, hs_buf_str(&line), &res, msg,
	    sizeof msg);
	if (e != HS_OK) {
		if (e != HS_ENOMEM && e != HS_ELIMIT)
			e = HS_ETEMPLATE;
		e = fail_at(x, e, at, "{%% %%}: %s", msg[0] != '\0' ? msg :
		    hs_strerror(e));
		goto out;
	}
	text.p = hs_buf_str(&res);
	text.n = res.len;
	e = emit_span(x, strip(text));
out:
	hs_buf_free(&line);
	hs_buf_free(&res);
	return e;
}

static hs_err
form_shell(struct expander *x, size_t at, size_t *used)
{
	struct span body;
	hs_err e;

	if ((e = find_body(x, at, "%}", &body, used)) != HS_OK)
		return e;
	body = strip(body);
	if (body.n == 0)
		return fail_at(x, HS_ETEMPLATE, at, "empty command in {%% %%}");
	if (x->out == NULL)
		return HS_OK;
	if (x->ctx->shell == NULL)
		return fail_at(x, HS_ETEMPLATE, at, "shell substitution {%% %%} "
		    "is not allowed here");
	return run_shell(x, at, body);
}

/* x for {= =}: the args as a number, or NULL if they are not one. */
static const struct expr_num *
expr_x(struct expander *x)
{
	if (x->xstate == X_UNTRIED)
		x->xstate = expr_coerce(x->args.p, &x->x) == HS_OK ? X_NUMBER :
		    X_NAN;
	return x->xstate == X_NUMBER ? &x->x : NULL;
}

static hs_err
form_expr(struct expander *x, size_t at, size_t *used)
{
	char msg[TMPL_ERR_MAX], num[EXPR_FMT_MAX];
	struct expr_num v;
	struct span body;
	hs_err e;

	if ((e = find_body(x, at, "=}", &body, used)) != HS_OK)
		return e;
	if (x->out == NULL)
		e = expr_check(body.p, body.n, msg, sizeof msg);
	else
		e = expr_eval_text(body.p, body.n, expr_x(x), x->args.p, &v,
		    msg, sizeof msg);
	if (e != HS_OK)
		return fail_at(x, HS_ETEMPLATE, at, "in {= =}: %s", msg);
	if (x->out == NULL)
		return HS_OK;
	expr_format(&v, num, sizeof num);
	return emit(x, num, strlen(num));
}

/* {name}: a variable of the context; an unknown name is not a form. */
static hs_err
form_var(struct expander *x, size_t at, size_t *used)
{
	const struct tmpl_var *var;
	const char *name = x->t + at + 1;
	size_t i, n = 0;

	while (at + 1 + n < x->len && is_name_char(name[n], n == 0))
		n++;
	if (n == 0 || at + 1 + n >= x->len || name[n] != '}' || x->out == NULL ||
	    x->ctx->vars == NULL)
		return HS_OK;
	for (i = 0; i < x->ctx->nvars; i++) {
		var = &x->ctx->vars[i];
		if (strlen(var->name) == n && memcmp(var->name, name, n) == 0) {
			*used = n + 2;
			return emit(x, var->value, var->value != NULL ?
			    strlen(var->value) : 0);
		}
	}
	return HS_OK;
}

/* The form whose '{' is at t[at]: substitute it and set *used to its
 * length, or leave *used 0 if the brace starts no form. */
static hs_err
form(struct expander *x, size_t at, size_t *used)
{
	char c = at + 1 < x->len ? x->t[at + 1] : '\0';
	hs_err e;

	*used = 0;
	if (c == '%')
		return form_shell(x, at, used);
	if (c == '=')
		return form_expr(x, at, used);
	if (c == '[')
		return form_slice(x, at, used);
	if ((e = form_path(x, at, used)) != HS_OK || *used != 0)
		return e;
	return form_var(x, at, used);
}

static hs_err
scan(struct expander *x)
{
	size_t i = 0, lit = 0, used;
	hs_err e;

	while (i < x->len) {
		if (x->t[i] != '{') {
			i++;
			continue;
		}
		if ((e = emit(x, x->t + lit, i - lit)) != HS_OK)
			return e;
		lit = i;
		if ((e = form(x, i, &used)) != HS_OK)
			return e;
		i += used > 0 ? used : 1;
		if (used > 0)
			lit = i;
	}
	return emit(x, x->t + lit, i - lit);
}

static hs_err
run(struct expander *x, const char *tmpl)
{
	hs_err e;

	if (x->err != NULL && x->errlen > 0)
		x->err[0] = '\0';
	x->t = tmpl;
	x->len = strnlen(tmpl, TMPL_MAX_LEN + 1);
	if (x->len > TMPL_MAX_LEN)
		e = fail_at(x, HS_ELIMIT, NO_COLUMN, "template is longer than "
		    "%d bytes", TMPL_MAX_LEN);
	else
		e = scan(x);
	free(x->fields);
	x->fields = NULL;
	return e;
}

hs_err
tmpl_expand(const char *tmpl, const struct tmpl_ctx *ctx,
    struct hs_buf *out, char *err, size_t errlen)
{
	static const struct tmpl_ctx empty = {"", NULL, 0, NULL, NULL};
	struct expander x;

	memset(&x, 0, sizeof x);
	x.ctx = ctx != NULL ? ctx : &empty;
	x.out = out;
	x.args.p = x.ctx->args != NULL ? x.ctx->args : "";
	x.args.n = strlen(x.args.p);
	x.err = err;
	x.errlen = errlen;
	return run(&x, tmpl);
}

hs_err
tmpl_check(const char *tmpl, char *err, size_t errlen)
{
	struct expander x;

	memset(&x, 0, sizeof x);
	x.args.p = "";
	x.err = err;
	x.errlen = errlen;
	return run(&x, tmpl);
}
