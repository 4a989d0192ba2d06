/* toml.c: a TOML 1.0.0 reader.
 *
 * A hand-written recursive-descent parser over one byte buffer. The whole
 * input is checked once up front (valid UTF-8, no CR outside CRLF); after
 * that the scanner works on bytes and only looks at ASCII.
 *
 * Positions are not tracked while scanning: locate() turns a pointer into
 * a line and column, walking forward from the last place it was asked
 * about. Values are located in document order, so the total cost is
 * linear; only an error message may walk back, once. Columns count code
 * points, not bytes.
 *
 * The redefinition rules of TOML (a table defined twice, dotted keys into
 * a [header] table, appending to a static array, ...) are decided from
 * toml_value.flags, the TF_* bits below, set on tables and arrays as they
 * are made. A parser-side hash index maps (table, key) to its entry so
 * that large tables do not make the parse quadratic.
 *
 * Newlines inside multi-line strings are returned as "\n" whether the
 * document uses LF or CRLF.
 */
#include "toml.h"

#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Largest document accepted, in bytes. */
#define TOML_MAX_INPUT ((size_t)16 << 20)
/* Deepest nesting: tables named by headers and keys, arrays, inline
 * tables. Also the most parts one key may have. */
#define TOML_MAX_DEPTH 128
/* Longest key text quoted in an error message. */
#define KEYSHOW_MAX 60

/* toml_value.flags: how a table or an array came to be. */
enum {
	TF_IMPLICIT = 1 << 0,  /* table made as a parent by a [a.b] header */
	TF_HEADER = 1 << 1,    /* table defined by its own [header] or [[header]] */
	TF_DOTTED = 1 << 2,    /* table made or extended by a dotted key */
	TF_INLINE = 1 << 3,    /* inline table, or a table inside one: sealed */
	TF_AOT = 1 << 4,       /* array made by [[header]]: may be appended to */
};

/* One slot of the key index: entry idx of table t. */
struct kslot {
	struct toml_value *t;  /* NULL for an empty slot; not owned */
	size_t idx;
};

/* Open-addressing hash over every key of every table in the document. */
struct kindex {
	struct kslot *slot;  /* owned */
	size_t n;            /* slots in use */
	size_t cap;          /* 0 or a power of two */
};

/* One part of a dotted key. */
struct keypart {
	char *s;         /* owned, NUL-terminated; may hold NULs */
	size_t len;
	const char *at;  /* where the part starts in the input */
};

/* A dotted key, parts in order. */
struct keypath {
	struct keypart *v;  /* owned */
	size_t n, cap;
};

struct parser {
	const char *buf;          /* start of the document, after any BOM */
	const char *p;            /* scan position */
	const char *end;          /* one past the last byte */
	struct toml_value *root;  /* owned until handed to the caller */
	struct toml_value *cur;   /* table the last header opened (or root) */
	int depth;                /* nesting at the scan position */
	const char *pos_at;       /* locate() cache: a position, */
	int pos_line, pos_col;    /* and its line and column */
	struct kindex idx;        /* owned */
	struct toml_error *err;   /* caller's */
};

static hs_err parse_value(struct parser *, struct toml_value **);
static hs_err parse_keyval(struct parser *, struct toml_value *);
static hs_err fail(struct parser *, const char *, const char *, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- positions and errors ---- */

/* Line and column (1-based) of at. */
static void
locate(struct parser *P, const char *at, int *line, int *col)
{
	const char *s;

	if (at < P->pos_at) {
		P->pos_at = P->buf;
		P->pos_line = 1;
		P->pos_col = 1;
	}
	for (s = P->pos_at; s < at; s++) {
		if (*s == '\n') {
			P->pos_line++;
			P->pos_col = 1;
		} else if (((unsigned char)*s & 0xC0) != 0x80)
			P->pos_col++;
	}
	P->pos_at = at;
	*line = P->pos_line;
	if (col != NULL)
		*col = P->pos_col;
}

/* Record code and msg at position at; returns code. */
static hs_err
set_error(struct parser *P, hs_err code, const char *at, const char *msg)
{
	if (at > P->end)
		at = P->end;
	if (at < P->buf)
		at = P->buf;
	locate(P, at, &P->err->line, &P->err->col);
	snprintf(P->err->msg, sizeof P->err->msg, "%s", msg);
	return code;
}

/* A syntax or semantic error at position at. */
static hs_err
fail(struct parser *P, const char *at, const char *fmt, ...)
{
	char msg[sizeof P->err->msg];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return set_error(P, HS_ECONFIG, at, msg);
}

static hs_err
nomem(struct parser *P)
{
	return set_error(P, HS_ENOMEM, P->p, "out of memory");
}

/* Decode the UTF-8 sequence at s into *cp; returns its length, or 0 if it
 * is truncated, overlong, a surrogate or above U+10FFFF. */
static size_t
utf8_decode(const unsigned char *s, const unsigned char *end, uint32_t *cp)
{
	size_t n, i;
	uint32_t c = s[0];

	if (c < 0x80)
		n = 1;
	else if (c >= 0xC2 && c <= 0xDF)
		n = 2, c &= 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3, c &= 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4, c &= 0x07;
	else
		return 0;
	if ((size_t)(end - s) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3F);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
	    (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

/* Encode code point cp (a Unicode scalar value) into out; returns the length. */
static size_t
utf8_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* A short description of the text at s, for "expected X, found Y". */
static const char *
found(const struct parser *P, const char *s, char *out, size_t n)
{
	uint32_t cp = 0;
	unsigned char c;

	if (s >= P->end)
		return "end of input";
	c = (unsigned char)*s;
	if (c == '\n' || c == '\r')
		return "newline";
	if (c == ' ')
		return "space";
	if (c > ' ' && c < 0x7F) {
		snprintf(out, n, "'%c'", c);
		return out;
	}
	if (utf8_decode((const unsigned char *)s, (const unsigned char *)P->end,
	    &cp) == 0)
		cp = c;
	snprintf(out, n, "U+%04" PRIX32, cp);
	return out;
}

/* Fail with "expected WHAT, found X" at the scan position. */
static hs_err
expected(struct parser *P, const char *what)
{
	char fb[16];

	return fail(P, P->p, "expected %s, found %s", what,
	    found(P, P->p, fb, sizeof fb));
}

/* Parts [0, n) of kp joined with dots, made printable, for messages. */
static const char *
keyshow(const struct keypath *kp, size_t n, char *out, size_t outsz)
{
	size_t o = 0, i, j;
	unsigned char c;

	for (i = 0; i < n && o + 1 < outsz; i++) {
		if (i > 0)
			out[o++] = '.';
		for (j = 0; j < kp->v[i].len && o + 1 < outsz; j++) {
			c = (unsigned char)kp->v[i].s[j];
			out[o++] = (c < 0x20 || c == 0x7F) ? '?' : (char)c;
		}
	}
	if (o + 1 >= outsz)  /* truncated: do not leave half a character */
		while (o > 0 && ((unsigned char)out[o - 1] & 0x80))
			o--;
	out[o] = '\0';
	return out;
}

/* ---- the tree ---- */

static struct toml_value *
value_new(enum toml_type type, int line, int col)
{
	struct toml_value *v;

	if ((v = calloc(1, sizeof *v)) == NULL)
		return NULL;
	v->type = type;
	v->line = line;
	v->col = col;
	v->line_end = line;
	return v;
}

static char *
memdup(const char *s, size_t n)
{
	char *p;

	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static uint64_t
khash(const struct toml_value *t, const char *k, size_t n)
{
	uint64_t h = 0xcbf29ce484222325u ^ (uint64_t)(uintptr_t)t;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)k[i];
		h *= 0x100000001b3u;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 33;
	return h;
}

static const struct toml_kv *
slot_kv(const struct kslot *s)
{
	return &s->t->u.table.items[s->idx];
}

/* Put s into the first free slot of its probe chain. */
static void
kslot_insert(struct kslot *slot, size_t cap, const struct kslot *s)
{
	const struct toml_kv *kv = slot_kv(s);
	size_t i = (size_t)khash(s->t, kv->key, kv->keylen) & (cap - 1);

	while (slot[i].t != NULL)
		i = (i + 1) & (cap - 1);
	slot[i] = *s;
}

static hs_err
kindex_grow(struct parser *P)
{
	struct kindex *x = &P->idx;
	struct kslot *ns;
	size_t ncap = x->cap ? x->cap * 2 : 64, i;

	if ((ns = calloc(ncap, sizeof *ns)) == NULL)
		return nomem(P);
	for (i = 0; i < x->cap; i++)
		if (x->slot[i].t != NULL)
			kslot_insert(ns, ncap, &x->slot[i]);
	free(x->slot);
	x->slot = ns;
	x->cap = ncap;
	return HS_OK;
}

/* Index entry idx of table t; the entry must already be in place. */
static hs_err
kindex_put(struct parser *P, struct toml_value *t, size_t idx)
{
	struct kslot s = {t, idx};
	hs_err e;

	if ((P->idx.n + 1) * 2 > P->idx.cap && (e = kindex_grow(P)) != HS_OK)
		return e;
	kslot_insert(P->idx.slot, P->idx.cap, &s);
	P->idx.n++;
	return HS_OK;
}

/* The value under key k (n bytes) in table t, or NULL. */
static struct toml_value *
table_find(const struct parser *P, const struct toml_value *t, const char *k,
           size_t n)
{
	const struct kslot *s;
	const struct toml_kv *kv;
	size_t mask, i;

	if (P->idx.cap == 0)
		return NULL;
	mask = P->idx.cap - 1;
	for (i = (size_t)khash(t, k, n) & mask; (s = &P->idx.slot[i])->t != NULL;
	     i = (i + 1) & mask) {
		kv = slot_kv(s);
		if (s->t == t && kv->keylen == n && memcmp(kv->key, k, n) == 0)
			return kv->val;
	}
	return NULL;
}

/* Add key k = v to table t. Takes v, freeing it on failure. */
static hs_err
table_add(struct parser *P, struct toml_value *t, const struct keypart *k,
          struct toml_value *v)
{
	struct toml_kv *items;
	size_t n = t->u.table.n, ncap;
	char *key;

	if (n == t->u.table.cap) {
		ncap = n ? n * 2 : 4;
		if ((items = realloc(t->u.table.items, ncap * sizeof *items)) == NULL)
			goto nomem;
		t->u.table.items = items;
		t->u.table.cap = ncap;
	}
	if ((key = memdup(k->s, k->len)) == NULL)
		goto nomem;
	t->u.table.items[n] = (struct toml_kv){key, k->len, v};
	if (kindex_put(P, t, n) != HS_OK) {
		free(key);
		toml_free(v);
		return HS_ENOMEM;
	}
	t->u.table.n++;
	return HS_OK;
nomem:
	toml_free(v);
	return nomem(P);
}

/* Append v to array a. Takes v, freeing it on failure. */
static hs_err
array_push(struct parser *P, struct toml_value *a, struct toml_value *v)
{
	struct toml_value **items;
	size_t n = a->u.array.n, ncap;

	if (n == a->u.array.cap) {
		ncap = n ? n * 2 : 4;
		if ((items = realloc(a->u.array.items, ncap * sizeof *items)) == NULL) {
			toml_free(v);
			return nomem(P);
		}
		a->u.array.items = items;
		a->u.array.cap = ncap;
	}
	a->u.array.items[a->u.array.n++] = v;
	return HS_OK;
}

/* Make a table or array under key k of table parent, positioned at
 * line:col; *out points at it (owned by parent). */
static hs_err
add_child(struct parser *P, struct toml_value *parent, const struct keypart *k,
          enum toml_type type, unsigned flags, int line, int col,
          struct toml_value **out)
{
	struct toml_value *v;
	hs_err e;

	if ((v = value_new(type, line, col)) == NULL)
		return nomem(P);
	v->flags = flags;
	if ((e = table_add(P, parent, k, v)) != HS_OK)
		return e;
	*out = v;
	return HS_OK;
}

/* Mark an inline table and the tables its dotted keys made as sealed. */
static void
seal(struct toml_value *t)
{
	struct toml_value *c;
	size_t i;

	t->flags |= TF_INLINE;
	for (i = 0; i < t->u.table.n; i++) {
		c = t->u.table.items[i].val;
		if (c->type == TOML_TABLE && !(c->flags & TF_INLINE))
			seal(c);
	}
}

/* Widen line_end of tables and arrays to cover all they hold; returns
 * v->line_end. */
static int
finish_span(struct toml_value *v)
{
	size_t i;
	int end;

	for (i = 0; v->type == TOML_TABLE && i < v->u.table.n; i++)
		if ((end = finish_span(v->u.table.items[i].val)) > v->line_end)
			v->line_end = end;
	for (i = 0; v->type == TOML_ARRAY && i < v->u.array.n; i++)
		if ((end = finish_span(v->u.array.items[i])) > v->line_end)
			v->line_end = end;
	return v->line_end;
}

/* ---- lexical helpers ---- */

static bool
at(const struct parser *P, char c)
{
	return P->p < P->end && *P->p == c;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Control characters TOML refuses in strings and comments. */
static bool
is_ctrl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7F;
}

static bool
is_bare(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
	    c == '_' || c == '-';
}

/* Value of c as a digit of base (2, 8, 10 or 16), or -1. */
static int
digit_val(char c, int base)
{
	int d;

	if (is_digit(c))
		d = c - '0';
	else if (c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		d = c - 'A' + 10;
	else
		return -1;
	return d < base ? d : -1;
}

static void
skip_ws(struct parser *P)
{
	while (P->p < P->end && (*P->p == ' ' || *P->p == '\t'))
		P->p++;
}

/* Step over a LF or CRLF; false if not at one. */
static bool
eat_newline(struct parser *P)
{
	if (at(P, '\n')) {
		P->p++;
		return true;
	}
	if (P->end - P->p >= 2 && P->p[0] == '\r' && P->p[1] == '\n') {
		P->p += 2;
		return true;
	}
	return false;
}

/* Step over a comment up to (not over) the newline. */
static hs_err
skip_comment(struct parser *P)
{
	for (P->p++; P->p < P->end; P->p++) {
		if (*P->p == '\n' || *P->p == '\r')  /* CR is always CRLF here */
			break;
		if (is_ctrl((unsigned char)*P->p))
			return fail(P, P->p, "control character U+%04X in comment",
			    (unsigned char)*P->p);
	}
	return HS_OK;
}

/* Step over blanks, newlines and comments, as allowed inside arrays. */
static hs_err
skip_ws_comments(struct parser *P)
{
	hs_err e;

	for (;;) {
		skip_ws(P);
		if (at(P, '#')) {
			if ((e = skip_comment(P)) != HS_OK)
				return e;
		} else if (!eat_newline(P))
			return HS_OK;
	}
}

/* What must end a line: blanks, an optional comment, a newline or the
 * end of input. */
static hs_err
expect_eol(struct parser *P, const char *what)
{
	hs_err e;

	skip_ws(P);
	if (at(P, '#') && (e = skip_comment(P)) != HS_OK)
		return e;
	if (P->p == P->end || eat_newline(P))
		return HS_OK;
	return expected(P, what);
}

/* Enter one level of nesting; fails past TOML_MAX_DEPTH. */
static hs_err
nest(struct parser *P, int levels)
{
	if (P->depth + levels > TOML_MAX_DEPTH)
		return fail(P, P->p, "nesting deeper than %d levels", TOML_MAX_DEPTH);
	P->depth += levels;
	return HS_OK;
}

/* The whole document must be UTF-8, and CR may only start a CRLF. */
static hs_err
check_text(struct parser *P)
{
	const unsigned char *s = (const unsigned char *)P->buf;
	const unsigned char *end = (const unsigned char *)P->end;
	uint32_t cp;
	size_t n;

	for (; s < end; s += n) {
		if (*s == '\r' && (s + 1 == end || s[1] != '\n'))
			return fail(P, (const char *)s,
			    "carriage return not followed by newline");
		if (*s < 0x80)
			n = 1;
		else if ((n = utf8_decode(s, end, &cp)) == 0)
			return fail(P, (const char *)s, "invalid UTF-8");
	}
	return HS_OK;
}

/* ---- strings ---- */

/* Append n bytes to b, turning a buffer failure into an error. */
static hs_err
put(struct parser *P, struct hs_buf *b, const char *s, size_t n)
{
	hs_err e;

	if ((e = hs_buf_append(b, s, n)) == HS_OK)
		return HS_OK;
	if (e == HS_ENOMEM)
		return nomem(P);
	return set_error(P, e, P->p, "string too long");
}

/* Append the run of bytes at the scan position that need no care in a
 * string quoted with q: not q, no backslash (when esc), no control. */
static hs_err
put_run(struct parser *P, struct hs_buf *b, char q, bool esc)
{
	const char *s = P->p;
	const char *start = s;

	while (s < P->end && *s != q && !(esc && *s == '\\') &&
	    !is_ctrl((unsigned char)*s))
		s++;
	P->p = s;
	return put(P, b, start, (size_t)(s - start));
}

/* \uXXXX or \UXXXXXXXX at the scan position: a Unicode scalar value. */
static hs_err
scan_ucn(struct parser *P, struct hs_buf *b)
{
	const char *esc = P->p;
	int n = esc[1] == 'u' ? 4 : 8, i, d;
	uint32_t cp = 0;
	char enc[4];

	for (i = 0; i < n; i++) {
		if (esc + 2 + i >= P->end || (d = digit_val(esc[2 + i], 16)) < 0)
			return fail(P, esc, "\\%c must be followed by %d hex digits",
			    esc[1], n);
		cp = cp << 4 | (uint32_t)d;
	}
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return fail(P, esc, "escape %.*s is not a Unicode scalar value",
		    n + 2, esc);
	P->p += 2 + n;
	return put(P, b, enc, utf8_encode(cp, enc));
}

/* An escape sequence at the scan position (at the backslash). */
static hs_err
scan_escape(struct parser *P, struct hs_buf *b)
{
	static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
	const char *esc = P->p, *hit;
	char fb[16];

	if (esc + 1 == P->end)
		return fail(P, esc, "unterminated escape sequence");
	if (esc[1] == 'u' || esc[1] == 'U')
		return scan_ucn(P, b);
	if (esc[1] != '\0' && (hit = strchr(from, esc[1])) != NULL) {
		P->p += 2;
		return put(P, b, &to[hit - from], 1);
	}
	return fail(P, esc, "invalid escape: backslash followed by %s",
	    found(P, esc + 1, fb, sizeof fb));
}

/* A string on one line, "basic" or 'literal', opening quote at the scan
 * position. */
static hs_err
scan_line_string(struct parser *P, struct hs_buf *b)
{
	const char *open = P->p;
	char q = *open;
	bool esc = q == '"';
	hs_err e;

	for (P->p++;;) {
		if ((e = put_run(P, b, q, esc)) != HS_OK)
			return e;
		if (P->p == P->end)
			return fail(P, open, "unterminated string");
		if (*P->p == q) {
			P->p++;
			return HS_OK;
		}
		if (*P->p == '\\') {
			if ((e = scan_escape(P, b)) != HS_OK)
				return e;
			continue;
		}
		if (*P->p == '\n' || *P->p == '\r')
			return fail(P, P->p, "newline in single-line string");
		return fail(P, P->p, "control character U+%04X in string",
		    (unsigned char)*P->p);
	}
}

/* At a run of quotes in a multi-line string: fewer than three are text;
 * three close the string, and up to two more just before them are text. */
static hs_err
ml_quotes(struct parser *P, struct hs_buf *b, bool *done)
{
	size_t n = 0;
	hs_err e;

	while (P->p + n < P->end && P->p[n] == *P->p)
		n++;
	if (n > 5)
		return fail(P, P->p, "too many quotes in a row in multi-line string");
	if (n >= 3) {
		*done = true;
		n -= 3;
	}
	if ((e = put(P, b, P->p, n)) != HS_OK)
		return e;
	P->p += n + (*done ? 3 : 0);
	return HS_OK;
}

/* At a backslash in a multi-line basic string: a line-ending backslash
 * eats all blanks and newlines after it; anything else is an escape. */
static hs_err
ml_backslash(struct parser *P, struct hs_buf *b)
{
	const char *s = P->p + 1;

	while (s < P->end && (*s == ' ' || *s == '\t'))
		s++;
	if (s == P->end || (*s != '\n' && *s != '\r'))
		return scan_escape(P, b);
	P->p = s;
	for (;;) {
		skip_ws(P);
		if (!eat_newline(P))
			return HS_OK;
	}
}

/* A """multi-line basic""" or '''multi-line literal''' string, opening
 * delimiter at the scan position. */
static hs_err
scan_ml_string(struct parser *P, struct hs_buf *b)
{
	const char *open = P->p;
	char q = *open;
	bool done = false;
	hs_err e = HS_OK;

	P->p += 3;
	eat_newline(P);  /* a newline right after the delimiter is dropped */
	while (!done && e == HS_OK) {
		if ((e = put_run(P, b, q, q == '"')) != HS_OK)
			break;
		if (P->p == P->end)
			e = fail(P, open, "unterminated multi-line string");
		else if (*P->p == q)
			e = ml_quotes(P, b, &done);
		else if (*P->p == '\\')
			e = ml_backslash(P, b);
		else if (eat_newline(P))
			e = put(P, b, "\n", 1);
		else
			e = fail(P, P->p, "control character U+%04X in string",
			    (unsigned char)*P->p);
	}
	return e;
}

static bool
is_triple(const struct parser *P, const char *s)
{
	return P->end - s >= 3 && s[1] == s[0] && s[2] == s[0];
}

static hs_err
parse_string(struct parser *P, struct toml_value *v)
{
	struct hs_buf b = HS_BUF_INIT(TOML_MAX_INPUT);
	hs_err e;

	if (is_triple(P, P->p))
		e = scan_ml_string(P, &b);
	else
		e = scan_line_string(P, &b);
	if (e == HS_OK) {
		v->u.str.len = b.len;
		if ((v->u.str.ptr = hs_buf_steal(&b)) == NULL)
			e = nomem(P);
		else
			v->type = TOML_STRING;
	}
	hs_buf_free(&b);
	return e;
}

/* ---- keys ---- */

/* One part of a key: bare, "basic" or 'literal'. */
static hs_err
scan_keypart(struct parser *P, struct hs_buf *b)
{
	const char *s = P->p, *start;

	if (at(P, '"') || at(P, '\'')) {
		if (is_triple(P, s))
			return fail(P, s, "a multi-line string cannot be a key");
		return scan_line_string(P, b);
	}
	while (s < P->end && is_bare(*s))
		s++;
	if (s == P->p)
		return expected(P, "a key");
	start = P->p;
	P->p = s;
	return put(P, b, start, (size_t)(s - start));
}

static hs_err
keypath_push(struct parser *P, struct keypath *kp, struct hs_buf *b,
             const char *start)
{
	struct keypart *v;
	size_t ncap;

	if (kp->n == kp->cap) {
		ncap = kp->cap ? kp->cap * 2 : 4;
		if ((v = realloc(kp->v, ncap * sizeof *v)) == NULL)
			return nomem(P);
		kp->v = v;
		kp->cap = ncap;
	}
	kp->v[kp->n].len = b->len;
	if ((kp->v[kp->n].s = hs_buf_steal(b)) == NULL)
		return nomem(P);
	kp->v[kp->n++].at = start;
	return HS_OK;
}

static void
keypath_free(struct keypath *kp)
{
	size_t i;

	for (i = 0; i < kp->n; i++)
		free(kp->v[i].s);
	free(kp->v);
	kp->v = NULL;
	kp->n = kp->cap = 0;
}

/* A possibly dotted key, with blanks around the parts and dots. */
static hs_err
parse_key(struct parser *P, struct keypath *kp)
{
	struct hs_buf b;
	const char *start;
	hs_err e;

	for (;;) {
		skip_ws(P);
		if (kp->n == TOML_MAX_DEPTH)
			return fail(P, P->p, "key has more than %d parts",
			    TOML_MAX_DEPTH);
		hs_buf_init(&b, TOML_MAX_INPUT);
		start = P->p;
		if ((e = scan_keypart(P, &b)) == HS_OK)
			e = keypath_push(P, kp, &b, start);
		hs_buf_free(&b);
		if (e != HS_OK)
			return e;
		skip_ws(P);
		if (!at(P, '.'))
			return HS_OK;
		P->p++;
	}
}

/* ---- numbers, booleans, dates ---- */

/* Step *sp over digits of base, with single underscores between digits.
 * False unless there is a digit and every underscore sits between two. */
static bool
skip_digits(const char **sp, const char *end, int base)
{
	const char *s = *sp;

	if (s == end || digit_val(*s, base) < 0)
		return false;
	for (s++; s < end; s++) {
		if (*s == '_') {
			if (s + 1 == end || digit_val(s[1], base) < 0)
				return false;
			s++;
		} else if (digit_val(*s, base) < 0)
			break;
	}
	*sp = s;
	return true;
}

/* Refuse the token [s, end): a malformed number, or a bare word. */
static hs_err
bad_number(struct parser *P, const char *s, const char *end)
{
	int n = end - s > 40 ? 40 : (int)(end - s);
	bool num = is_digit(*s) || *s == '+' || *s == '-' || *s == '.';

	return fail(P, s, "invalid %s '%.*s'", num ? "number" : "value", n, s);
}

/* The integer written in digits [d, end) of base (underscores skipped);
 * s is where the number starts, for messages. */
static hs_err
to_int(struct parser *P, struct toml_value *v, const char *s, const char *d,
       const char *end, int base)
{
	bool neg = *s == '-';
	uint64_t u = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX;
	int x;

	for (; d < end; d++) {
		if ((x = digit_val(*d, base)) < 0)
			continue;
		if (u > (lim - (uint64_t)x) / (uint64_t)base)
			return fail(P, s, "integer '%.*s' does not fit in 64 bits",
			    end - s > 40 ? 40 : (int)(end - s), s);
		u = u * (uint64_t)base + (uint64_t)x;
	}
	v->type = TOML_INTEGER;
	if (!neg)
		v->u.i = (int64_t)u;
	else
		v->u.i = u > (uint64_t)INT64_MAX ? INT64_MIN : -(int64_t)u;
	return HS_OK;
}

/* The float written in [s, end), already checked against the grammar. */
static hs_err
to_float(struct parser *P, struct toml_value *v, const char *s,
         const char *end)
{
	struct hs_buf b = HS_BUF_INIT(TOML_MAX_INPUT);
	const char *dp = localeconv()->decimal_point, *t;
	char *ep;
	double d;
	hs_err e = HS_OK;

	for (t = s; t < end && e == HS_OK; t++) {
		if (*t != '_')  /* strtod follows the locale's decimal point */
			e = *t == '.' ? hs_buf_puts(&b, dp) : hs_buf_putc(&b, *t);
	}
	if (e != HS_OK) {
		e = e == HS_ENOMEM ? nomem(P) : bad_number(P, s, end);
		goto out;
	}
	errno = 0;
	d = strtod(b.data, &ep);
	if (*ep != '\0')
		e = bad_number(P, s, end);
	else if (errno == ERANGE && isinf(d))
		e = fail(P, s, "float '%.*s' is out of range",
		    end - s > 40 ? 40 : (int)(end - s), s);
	v->type = TOML_FLOAT;
	v->u.d = d;
out:
	hs_buf_free(&b);
	return e;
}

/* [+-]inf or [+-]nan. */
static bool
to_special(struct toml_value *v, const char *s, const char *end)
{
	const char *t = s + (*s == '+' || *s == '-');
	double d;

	if (end - t != 3)
		return false;
	if (memcmp(t, "inf", 3) == 0)
		d = INFINITY;
	else if (memcmp(t, "nan", 3) == 0)
		d = NAN;
	else
		return false;
	v->type = TOML_FLOAT;
	v->u.d = *s == '-' ? -d : d;
	return true;
}

/* A decimal integer or a float: [+-]int[.frac][e[+-]exp]. */
static hs_err
parse_decimal(struct parser *P, struct toml_value *v, const char *s,
              const char *end)
{
	const char *d = s + (*s == '+' || *s == '-'), *ip = d;
	bool isfloat = false;

	if (!skip_digits(&d, end, 10))
		return bad_number(P, s, end);
	if (*ip == '0' && d - ip > 1)
		return fail(P, s, "leading zero in number '%.*s'",
		    end - s > 40 ? 40 : (int)(end - s), s);
	if (d < end && *d == '.') {
		d++;
		if (!skip_digits(&d, end, 10))
			return bad_number(P, s, end);
		isfloat = true;
	}
	if (d < end && (*d == 'e' || *d == 'E')) {
		d++;
		d += d < end && (*d == '+' || *d == '-');
		if (!skip_digits(&d, end, 10))
			return bad_number(P, s, end);
		isfloat = true;
	}
	if (d != end)
		return bad_number(P, s, end);
	if (isfloat)
		return to_float(P, v, s, end);
	return to_int(P, v, s, ip, end, 10);
}

static bool
is_numchar(char c)
{
	return is_bare(c) || c == '.' || c == '+';
}

/* An integer (decimal, 0x, 0o, 0b) or a float. */
static hs_err
parse_number(struct parser *P, struct toml_value *v)
{
	const char *s = P->p, *end = s, *d;
	int base;
	hs_err e;

	while (end < P->end && is_numchar(*end))
		end++;
	if (end == s)
		return expected(P, "a value");
	if (to_special(v, s, end))
		e = HS_OK;
	else if (end - s >= 2 && s[0] == '0' &&
	    (s[1] == 'x' || s[1] == 'o' || s[1] == 'b')) {
		base = s[1] == 'x' ? 16 : s[1] == 'o' ? 8 : 2;
		d = s + 2;
		if (!skip_digits(&d, end, base) || d != end)
			return bad_number(P, s, end);
		e = to_int(P, v, s, s + 2, end, base);
	} else
		e = parse_decimal(P, v, s, end);
	if (e == HS_OK)
		P->p = end;
	return e;
}

static hs_err
parse_bool(struct parser *P, struct toml_value *v)
{
	size_t left = (size_t)(P->end - P->p);

	if (left >= 4 && memcmp(P->p, "true", 4) == 0) {
		v->u.b = true;
		P->p += 4;
	} else if (left >= 5 && memcmp(P->p, "false", 5) == 0) {
		v->u.b = false;
		P->p += 5;
	} else
		return expected(P, "a value");
	v->type = TOML_BOOL;
	return HS_OK;
}

/* Exactly n decimal digits at *sp. */
static bool
read_digits(const char **sp, const char *end, int n, int *out)
{
	const char *s = *sp;
	int i, x = 0;

	if (end - s < n)
		return false;
	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return false;
		x = x * 10 + (s[i] - '0');
	}
	*sp = s + n;
	*out = x;
	return true;
}

static bool
read_char(const char **sp, const char *end, char c)
{
	if (*sp == end || **sp != c)
		return false;
	(*sp)++;
	return true;
}

static bool
is_date_start(const char *s, const char *end)
{
	return end - s >= 5 && is_digit(s[0]) && is_digit(s[1]) &&
	    is_digit(s[2]) && is_digit(s[3]) && s[4] == '-';
}

static bool
is_time_start(const char *s, const char *end)
{
	return end - s >= 3 && is_digit(s[0]) && is_digit(s[1]) && s[2] == ':';
}

static int
days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);

	return m == 2 && leap ? 29 : days[m - 1];
}

/* YYYY-MM-DD at *sp, a day that exists. */
static hs_err
scan_date(struct parser *P, const char **sp, struct toml_datetime *dt)
{
	const char *s = *sp;

	if (!read_digits(sp, P->end, 4, &dt->year) || !read_char(sp, P->end, '-') ||
	    !read_digits(sp, P->end, 2, &dt->month) ||
	    !read_char(sp, P->end, '-') || !read_digits(sp, P->end, 2, &dt->day))
		return fail(P, s, "invalid date, expected YYYY-MM-DD");
	if (dt->month < 1 || dt->month > 12 || dt->day < 1 ||
	    dt->day > days_in_month(dt->year, dt->month))
		return fail(P, s, "date %.10s does not exist", s);
	return HS_OK;
}

/* One or more digits of a fraction of a second, kept to nanoseconds. */
static bool
read_fraction(const char **sp, const char *end, int *ns)
{
	const char *s = *sp;
	int i, scale = 100000000;

	if (s == end || !is_digit(*s))
		return false;
	*ns = 0;
	for (i = 0; s < end && is_digit(*s); s++, i++) {
		if (i < 9) {
			*ns += (*s - '0') * scale;
			scale /= 10;
		}
	}
	*sp = s;
	return true;
}

/* HH:MM:SS[.frac] at *sp; seconds may be 60 (a leap second). */
static hs_err
scan_time(struct parser *P, const char **sp, struct toml_datetime *dt)
{
	const char *s = *sp;

	if (!read_digits(sp, P->end, 2, &dt->hour) || !read_char(sp, P->end, ':') ||
	    !read_digits(sp, P->end, 2, &dt->minute) ||
	    !read_char(sp, P->end, ':') || !read_digits(sp, P->end, 2, &dt->second))
		return fail(P, s, "invalid time, expected HH:MM:SS");
	if (read_char(sp, P->end, '.') &&
	    !read_fraction(sp, P->end, &dt->nanosecond))
		return fail(P, *sp, "expected digits after '.' in time");
	if (dt->hour > 23 || dt->minute > 59 || dt->second > 60)
		return fail(P, s, "time %.8s is out of range", s);
	return HS_OK;
}

/* An optional Z or +HH:MM / -HH:MM at *sp; *has tells if there was one. */
static hs_err
scan_offset(struct parser *P, const char **sp, struct toml_datetime *dt,
            bool *has)
{
	const char *s = *sp;
	int h, m;

	if (read_char(&s, P->end, 'Z') || read_char(&s, P->end, 'z')) {
		dt->offset_minutes = 0;
	} else if (read_char(&s, P->end, '+') || read_char(&s, P->end, '-')) {
		if (!read_digits(&s, P->end, 2, &h) || !read_char(&s, P->end, ':') ||
		    !read_digits(&s, P->end, 2, &m))
			return fail(P, *sp, "invalid time offset, expected %cHH:MM",
			    **sp);
		if (h > 23 || m > 59)
			return fail(P, *sp, "time offset %.6s is out of range", *sp);
		dt->offset_minutes = (**sp == '-' ? -1 : 1) * (h * 60 + m);
	} else
		return HS_OK;
	*has = true;
	*sp = s;
	return HS_OK;
}

/* A local time, a local date, or a date-time with or without offset. */
static hs_err
parse_datetime(struct parser *P, struct toml_value *v)
{
	struct toml_datetime dt = {0};
	enum toml_type type = TOML_TIME_LOCAL;
	const char *s = P->p;
	bool off = false;
	hs_err e;

	if (is_time_start(s, P->end))
		e = scan_time(P, &s, &dt);
	else if ((e = scan_date(P, &s, &dt)) != HS_OK)
		return e;
	else if (s < P->end && (*s == 'T' || *s == 't' ||
	    (*s == ' ' && is_time_start(s + 1, P->end)))) {
		s++;
		type = TOML_DATETIME_LOCAL;
		if ((e = scan_time(P, &s, &dt)) == HS_OK)
			e = scan_offset(P, &s, &dt, &off);
	} else
		type = TOML_DATE_LOCAL;
	if (e != HS_OK)
		return e;
	v->type = off ? TOML_DATETIME : type;
	v->u.dt = dt;
	P->p = s;
	return HS_OK;
}

/* ---- arrays and inline tables ---- */

static hs_err
parse_array(struct parser *P, struct toml_value *v)
{
	struct toml_value *item;
	hs_err e;

	v->type = TOML_ARRAY;
	if ((e = nest(P, 1)) != HS_OK)
		return e;
	for (P->p++;;) {
		if ((e = skip_ws_comments(P)) != HS_OK)
			break;
		if (at(P, ']')) {
			P->p++;
			break;
		}
		if ((e = parse_value(P, &item)) != HS_OK ||
		    (e = array_push(P, v, item)) != HS_OK ||
		    (e = skip_ws_comments(P)) != HS_OK)
			break;
		if (at(P, ',')) {
			P->p++;
		} else if (at(P, ']')) {
			P->p++;
			break;
		} else {
			e = expected(P, "',' or ']' after array element");
			break;
		}
	}
	P->depth--;
	return e;
}

/* Key/value pairs of an inline table after the first; at the first key. */
static hs_err
inline_body(struct parser *P, struct toml_value *t)
{
	hs_err e;

	for (;;) {
		if ((e = parse_keyval(P, t)) != HS_OK)
			return e;
		skip_ws(P);
		if (at(P, '}')) {
			P->p++;
			return HS_OK;
		}
		if (!at(P, ','))
			return expected(P, "',' or '}' in inline table");
		P->p++;
		skip_ws(P);
		if (at(P, '}'))
			return fail(P, P->p, "trailing comma in inline table");
	}
}

static hs_err
parse_inline(struct parser *P, struct toml_value *v)
{
	hs_err e;

	v->type = TOML_TABLE;
	if ((e = nest(P, 1)) != HS_OK)
		return e;
	P->p++;
	skip_ws(P);
	if (at(P, '}'))
		P->p++;
	else
		e = inline_body(P, v);
	P->depth--;
	if (e == HS_OK)
		seal(v);
	return e;
}

/* The value at the scan position, by its first character. */
static hs_err
parse_value_into(struct parser *P, struct toml_value *v)
{
	const char *s = P->p;

	if (s == P->end)
		return expected(P, "a value");
	switch (*s) {
	case '"':
	case '\'':
		return parse_string(P, v);
	case '[':
		return parse_array(P, v);
	case '{':
		return parse_inline(P, v);
	case 't':
	case 'f':
		return parse_bool(P, v);
	default:
		break;
	}
	if (is_date_start(s, P->end) || is_time_start(s, P->end))
		return parse_datetime(P, v);
	return parse_number(P, v);
}

static hs_err
parse_value(struct parser *P, struct toml_value **out)
{
	struct toml_value *v;
	int line, col;
	hs_err e;

	locate(P, P->p, &line, &col);
	if ((v = value_new(TOML_INTEGER, line, col)) == NULL)
		return nomem(P);
	if ((e = parse_value_into(P, v)) != HS_OK) {
		toml_free(v);
		return e;
	}
	locate(P, P->p - 1, &v->line_end, NULL);
	*out = v;
	return HS_OK;
}

/* ---- key/value pairs and headers ---- */

/* Why key parts [0, i] of kp cannot be used as a table: v is in the way. */
static hs_err
conflict(struct parser *P, const struct keypath *kp, size_t i,
         const struct toml_value *v, bool dotted)
{
	char kb[KEYSHOW_MAX];
	const char *k = keyshow(kp, i + 1, kb, sizeof kb);
	const char *at = kp->v[i].at;

	if (v->type == TOML_TABLE && (v->flags & TF_INLINE))
		return fail(P, at, "cannot extend inline table '%s'", k);
	if (v->type == TOML_TABLE && dotted)
		return fail(P, at, "cannot use dotted keys to extend table '%s' "
		    "defined by a header", k);
	if (v->type == TOML_TABLE)
		return fail(P, at, "table '%s' is already defined", k);
	if (v->type == TOML_ARRAY && !(v->flags & TF_AOT))
		return fail(P, at, "cannot extend static array '%s'", k);
	return fail(P, at, "key '%s' is already defined as %s %s", k,
	    v->type == TOML_INTEGER || v->type == TOML_ARRAY ? "an" : "a",
	    toml_type_name(v->type));
}

/* Follow the dotted parts of kp (all but the last) from table t, making
 * tables as needed; *dst is the table the last part goes into. */
static hs_err
walk_dotted(struct parser *P, struct toml_value *t, const struct keypath *kp,
            struct toml_value **dst)
{
	const struct keypart *k;
	struct toml_value *v;
	char kb[KEYSHOW_MAX];
	size_t i;
	int line, col;
	hs_err e;

	for (i = 0; i + 1 < kp->n; i++, t = v) {
		k = &kp->v[i];
		if ((v = table_find(P, t, k->s, k->len)) == NULL) {
			locate(P, k->at, &line, &col);
			if ((e = add_child(P, t, k, TOML_TABLE, TF_DOTTED, line, col,
			    &v)) != HS_OK)
				return e;
		} else if (v->type != TOML_TABLE ||
		    (v->flags & (TF_INLINE | TF_HEADER)))
			return conflict(P, kp, i, v, true);
		else
			v->flags |= TF_DOTTED;
	}
	k = &kp->v[kp->n - 1];
	if (table_find(P, t, k->s, k->len) != NULL)
		return fail(P, k->at, "duplicate key '%s'",
		    keyshow(kp, kp->n, kb, sizeof kb));
	*dst = t;
	return HS_OK;
}

/* key = value, into table t (the current section or an inline table). */
static hs_err
parse_keyval(struct parser *P, struct toml_value *t)
{
	struct keypath kp = {NULL, 0, 0};
	struct toml_value *dst = NULL, *v = NULL;
	int extra;
	hs_err e;

	if ((e = parse_key(P, &kp)) != HS_OK)
		goto out;
	if (!at(P, '=')) {
		e = expected(P, "'=' after key");
		goto out;
	}
	P->p++;
	skip_ws(P);
	extra = (int)kp.n - 1;
	if ((e = walk_dotted(P, t, &kp, &dst)) != HS_OK ||
	    (e = nest(P, extra)) != HS_OK)
		goto out;
	e = parse_value(P, &v);
	P->depth -= extra;
	if (e == HS_OK)
		e = table_add(P, dst, &kp.v[kp.n - 1], v);
out:
	keypath_free(&kp);
	return e;
}

/* Part i of a header's key, not the last: step from *tp into it. */
static hs_err
header_step(struct parser *P, const struct keypath *kp, size_t i,
            struct toml_value **tp, int line, int col)
{
	const struct keypart *k = &kp->v[i];
	struct toml_value *v;
	hs_err e;

	if ((v = table_find(P, *tp, k->s, k->len)) == NULL) {
		if ((e = add_child(P, *tp, k, TOML_TABLE, TF_IMPLICIT, line, col,
		    &v)) != HS_OK)
			return e;
	} else if (v->type == TOML_ARRAY && (v->flags & TF_AOT))
		v = v->u.array.items[v->u.array.n - 1];
	else if (v->type != TOML_TABLE || (v->flags & TF_INLINE))
		return conflict(P, kp, i, v, false);
	*tp = v;
	return HS_OK;
}

/* [a.b.c]: define table c under t, which the earlier parts led to. */
static hs_err
define_table(struct parser *P, const struct keypath *kp, struct toml_value *t,
             int line, int col)
{
	const struct keypart *k = &kp->v[kp->n - 1];
	struct toml_value *v;
	hs_err e;

	if ((v = table_find(P, t, k->s, k->len)) == NULL) {
		if ((e = add_child(P, t, k, TOML_TABLE, TF_HEADER, line, col,
		    &v)) != HS_OK)
			return e;
	} else if (v->type == TOML_TABLE && v->flags == TF_IMPLICIT) {
		v->flags = TF_HEADER;
		v->line = v->line_end = line;
		v->col = col;
	} else
		return conflict(P, kp, kp->n - 1, v, false);
	P->cur = v;
	return HS_OK;
}

/* [[a.b.c]]: append a new table to array of tables c under t. */
static hs_err
append_table(struct parser *P, const struct keypath *kp, struct toml_value *t,
             int line, int col)
{
	const struct keypart *k = &kp->v[kp->n - 1];
	struct toml_value *a, *v;
	char kb[KEYSHOW_MAX];
	hs_err e;

	if ((a = table_find(P, t, k->s, k->len)) == NULL) {
		if ((e = add_child(P, t, k, TOML_ARRAY, TF_AOT, line, col, &a)) !=
		    HS_OK)
			return e;
	} else if (a->type == TOML_ARRAY && !(a->flags & TF_AOT))
		return fail(P, k->at, "cannot append to static array '%s'",
		    keyshow(kp, kp->n, kb, sizeof kb));
	else if (a->type != TOML_ARRAY)
		return conflict(P, kp, kp->n - 1, a, false);
	if ((v = value_new(TOML_TABLE, line, col)) == NULL)
		return nomem(P);
	v->flags = TF_HEADER;
	if ((e = array_push(P, a, v)) != HS_OK)
		return e;
	P->cur = v;
	return HS_OK;
}

/* [table] or [[array.of.tables]]; makes it the current section. */
static hs_err
parse_header(struct parser *P)
{
	struct keypath kp = {NULL, 0, 0};
	struct toml_value *t = P->root;
	bool aot = P->end - P->p >= 2 && P->p[1] == '[';
	int line, col;
	size_t i;
	hs_err e;

	locate(P, P->p, &line, &col);
	P->p += aot ? 2 : 1;
	if ((e = parse_key(P, &kp)) != HS_OK)
		goto out;
	if (!at(P, ']') || (aot && (P->end - P->p < 2 || P->p[1] != ']'))) {
		e = expected(P, aot ? "']]' after table name" :
		    "']' after table name");
		goto out;
	}
	P->p += aot ? 2 : 1;
	for (i = 0; i + 1 < kp.n && e == HS_OK; i++)
		e = header_step(P, &kp, i, &t, line, col);
	if (e == HS_OK)
		e = aot ? append_table(P, &kp, t, line, col) :
		    define_table(P, &kp, t, line, col);
	P->depth = (int)kp.n;
out:
	keypath_free(&kp);
	return e;
}

static hs_err
parse_document(struct parser *P)
{
	hs_err e = HS_OK;

	while (e == HS_OK) {
		skip_ws(P);
		if (P->p == P->end)
			break;
		if (at(P, '#') || at(P, '\n') || at(P, '\r'))
			e = expect_eol(P, "newline");
		else if (at(P, '[')) {
			if ((e = parse_header(P)) == HS_OK)
				e = expect_eol(P, "newline after table header");
		} else if ((e = parse_keyval(P, P->cur)) == HS_OK)
			e = expect_eol(P, "newline after value");
	}
	return e;
}

/* ---- public ---- */

hs_err
toml_parse(const char *buf, size_t len, struct toml_value **out,
           struct toml_error *err)
{
	struct toml_error scratch;
	struct parser P;
	hs_err e;

	if (err == NULL)
		err = &scratch;
	memset(err, 0, sizeof *err);
	*out = NULL;
	if (len > TOML_MAX_INPUT) {
		snprintf(err->msg, sizeof err->msg,
		    "document is larger than %zu bytes", TOML_MAX_INPUT);
		return HS_ELIMIT;
	}
	if (buf == NULL)
		buf = "";
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
		buf += 3;
		len -= 3;
	}
	memset(&P, 0, sizeof P);
	P.buf = P.p = P.pos_at = buf;
	P.end = buf + len;
	P.pos_line = P.pos_col = 1;
	P.err = err;
	if ((e = check_text(&P)) != HS_OK)
		goto out;
	if ((P.root = value_new(TOML_TABLE, 1, 1)) == NULL) {
		e = nomem(&P);
		goto out;
	}
	P.cur = P.root;
	if ((e = parse_document(&P)) == HS_OK) {
		finish_span(P.root);
		*out = P.root;
		P.root = NULL;
	}
out:
	toml_free(P.root);
	free(P.idx.slot);
	return e;
}

void
toml_free(struct toml_value *v)
{
	size_t i;

	if (v == NULL)
		return;
	switch (v->type) {
	case TOML_TABLE:
		for (i = 0; i < v->u.table.n; i++) {
			free(v->u.table.items[i].key);
			toml_free(v->u.table.items[i].val);
		}
		free(v->u.table.items);
		break;
	case TOML_ARRAY:
		for (i = 0; i < v->u.array.n; i++)
			toml_free(v->u.array.items[i]);
		free(v->u.array.items);
		break;
	case TOML_STRING:
		free(v->u.str.ptr);
		break;
	default:
		break;
	}
	free(v);
}

/* The value under key (n bytes) in table t, or NULL. */
static const struct toml_value *
get_n(const struct toml_value *t, const char *key, size_t n)
{
	size_t i;

	if (t == NULL || t->type != TOML_TABLE)
		return NULL;
	for (i = 0; i < t->u.table.n; i++)
		if (t->u.table.items[i].keylen == n &&
		    memcmp(t->u.table.items[i].key, key, n) == 0)
			return t->u.table.items[i].val;
	return NULL;
}

const struct toml_value *
toml_get(const struct toml_value *t, const char *key)
{
	if (key == NULL)
		return NULL;
	return get_n(t, key, strlen(key));
}

const struct toml_value *
toml_get_path(const struct toml_value *t, const char *path)
{
	const char *dot;

	if (path == NULL)
		return NULL;
	while ((dot = strchr(path, '.')) != NULL) {
		t = get_n(t, path, (size_t)(dot - path));
		path = dot + 1;
	}
	return get_n(t, path, strlen(path));
}

const char *
toml_type_name(enum toml_type t)
{
	static const char *const names[] = {
		[TOML_TABLE] = "table",
		[TOML_ARRAY] = "array",
		[TOML_STRING] = "string",
		[TOML_INTEGER] = "integer",
		[TOML_FLOAT] = "float",
		[TOML_BOOL] = "bool",
		[TOML_DATETIME] = "datetime",
		[TOML_DATETIME_LOCAL] = "datetime-local",
		[TOML_DATE_LOCAL] = "date-local",
		[TOML_TIME_LOCAL] = "time-local",
	};

	if ((unsigned)t >= sizeof names / sizeof names[0])
		return "unknown";
	return names[t];
}
