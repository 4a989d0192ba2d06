/* expr.c: the arithmetic language of {= expr =} (docs/templates.md).
 *
 * A recursive-descent parser that evaluates as it parses, over Python's
 * grammar, precedence and numeric rules:
 *
 *   sum   := term (('+' | '-') term)*
 *   term  := unary (('*' | '/' | '//' | '%') unary)*
 *   unary := ('+' | '-') unary | power
 *   power := atom ['**' unary]
 *   atom  := NUMBER | NAME | NAME '(' [sum (',' sum)* [',']] ')'
 *          | '(' sum ')'
 *
 * Integers are int64_t; an integer result that does not fit is an error
 * where Python would grow the integer. In check mode (expr_check) the same
 * parser runs but does no arithmetic, so only value-independent errors
 * are found. Nesting is bounded by EXPR_MAX_DEPTH, so is the C stack.
 */
#include "expr.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define EXPR_MAX_ARGS 32   /* most arguments one function call may take */
#define NUM_TEXT_MAX 512   /* longest float literal accepted, in bytes */
#define NAME_SHOWN 32      /* bytes of a name or token quoted in errors */
#define XTEXT_SHOWN 40     /* bytes of a non-numeric x quoted in errors */
#define ROUND_BUF 720      /* holds "%.*f" of any double, 323 decimals */
#define TWO_63 9223372036854775808.0   /* -INT64_MIN as a double */

enum tok {
	T_END, T_NUM, T_NAME, T_PLUS, T_MINUS, T_STAR, T_SLASH, T_DSLASH,
	T_PCT, T_POW, T_LPAREN, T_RPAREN, T_COMMA
};

struct token {
	enum tok kind;
	size_t pos;            /* offset of its first byte in the source */
	size_t len;            /* its length in bytes */
	struct expr_num num;   /* the value of a T_NUM */
};

struct parser {
	const char *src;            /* expression text, not NUL-terminated */
	size_t len;                 /* its length in bytes */
	size_t pos;                 /* offset of the first byte not lexed */
	struct token tok;           /* the current token */
	const struct expr_num *x;   /* value of x; NULL: x is not a number */
	const char *xtext;          /* the text x came from, for errors; or NULL */
	bool check;                 /* parse only, values are dummies */
	int depth;                  /* unary/power/parenthesis nesting */
	char *err;                  /* message out, errlen bytes; may be NULL */
	size_t errlen;
};

struct func;
typedef hs_err (*func_call)(struct parser *, const struct func *,
                            const struct expr_num *, int, struct expr_num *);

struct func {
	const char *name;
	int min, max;            /* argument count bounds, max < 0: none */
	func_call call;
	double (*f1)(double);    /* the C function behind a math1 or rounding */
	int flag;                /* math1: 1 if f1 can overflow; minmax: 1 max */
};

static hs_err parse_sum(struct parser *, struct expr_num *);
static hs_err parse_unary(struct parser *, struct expr_num *);

/* Character classes. ASCII only, independent of the locale. */
static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha_(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
is_alnum_(char c)
{
	return is_alpha_(c) || is_digit(c);
}

/* Whitespace between tokens, and around the text int() and float() take. */
static bool
is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static struct expr_num
mkint(int64_t i)
{
	struct expr_num v = {true, i, 0.0};

	return v;
}

static struct expr_num
mkflt(double d)
{
	struct expr_num v = {false, 0, d};

	return v;
}

static double
fval(const struct expr_num *v)
{
	return v->is_int ? (double)v->i : v->d;
}

static hs_err __attribute__((format(printf, 2, 3)))
fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	if (p->err != NULL && p->errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(p->err, p->errlen, fmt, ap);
		va_end(ap);
	}
	return HS_ETEMPLATE;
}

/*
 * Number literals, shared by the lexer and expr_coerce.
 */

/* Length of the digits at s[0..n) with single underscores between them
 * (Python's digitpart), 0 if s does not start with a digit. */
static size_t
digit_part(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && is_digit(s[i])) {
		i++;
		if (i + 1 < n && s[i] == '_' && is_digit(s[i + 1]))
			i++;
	}
	return i;
}

/* Length of the unsigned decimal number at s[0..n) (Python's integer and
 * float literal syntax, leading zeros allowed), 0 if there is none.
 * *isfloat is set when it has a point or an exponent. */
static size_t
num_len(const char *s, size_t n, bool *isfloat)
{
	size_t i, j, d;

	*isfloat = false;
	i = digit_part(s, n);
	if (i < n && s[i] == '.') {
		d = digit_part(s + i + 1, n - i - 1);
		if (i == 0 && d == 0)
			return 0;
		i += 1 + d;
		*isfloat = true;
	}
	if (i == 0 || i >= n || (s[i] != 'e' && s[i] != 'E'))
		return i;
	j = i + 1;
	if (j < n && (s[j] == '+' || s[j] == '-'))
		j++;
	d = digit_part(s + j, n - j);
	if (d == 0)
		return i;
	*isfloat = true;
	return j + d;
}

/* The integer in the n bytes at s (digits and underscores), negated if
 * neg. false if it does not fit in int64_t. */
static bool
int_value(const char *s, size_t n, bool neg, int64_t *out)
{
	uint64_t v = 0, lim, d;
	size_t i;

	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (i = 0; i < n; i++) {
		if (s[i] == '_')
			continue;
		d = (uint64_t)(s[i] - '0');
		if (v > (lim - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (!neg)
		*out = (int64_t)v;
	else if (v == (uint64_t)INT64_MAX + 1)
		*out = INT64_MIN;
	else
		*out = -(int64_t)v;
	return true;
}

/* The float in the n bytes at s as num_len accepted them, negated if neg.
 * false if the text is longer than NUM_TEXT_MAX. */
static bool
float_value(const char *s, size_t n, bool neg, double *out)
{
	char text[NUM_TEXT_MAX];
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '_')
			continue;
		if (k + 1 >= sizeof text)
			return false;
		text[k++] = s[i];
	}
	text[k] = '\0';
	*out = strtod(text, NULL);
	if (neg)
		*out = -*out;
	return true;
}

/* Whether the n bytes at s are "inf", "infinity" or "nan", any case. */
static bool
special_value(const char *s, size_t n, double *out)
{
	if ((n == 3 || n == 8) && strncasecmp(s, "infinity", n) == 0)
		*out = INFINITY;
	else if (n == 3 && strncasecmp(s, "nan", 3) == 0)
		*out = NAN;
	else
		return false;
	return true;
}

hs_err
expr_coerce(const char *s, struct expr_num *out)
{
	size_t i = 0, end, n;
	bool neg = false, isfloat;
	int64_t iv;
	double d;

	end = strlen(s);
	while (i < end && is_space(s[i]))
		i++;
	while (end > i && is_space(s[end - 1]))
		end--;
	if (i < end && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	n = num_len(s + i, end - i, &isfloat);
	if (n > 0 && n == end - i) {
		/* An integer beyond int64_t becomes a float, not an error. */
		if (!isfloat && int_value(s + i, n, neg, &iv))
			*out = mkint(iv);
		else if (float_value(s + i, n, neg, &d))
			*out = mkflt(d);
		else
			return HS_EINPUT;
		return HS_OK;
	}
	if (!special_value(s + i, end - i, &d))
		return HS_EINPUT;
	*out = mkflt(neg ? -d : d);
	return HS_OK;
}

/*
 * Lexer.
 */

static const struct {
	const char *text;
	enum tok kind;
} op_table[] = {
	{"**", T_POW}, {"//", T_DSLASH}, {"+", T_PLUS}, {"-", T_MINUS},
	{"*", T_STAR}, {"/", T_SLASH}, {"%", T_PCT}, {"(", T_LPAREN},
	{")", T_RPAREN}, {",", T_COMMA},
};

/* Python rejects "01" (it looks like C octal); so do we. */
static bool
has_leading_zero(const char *s, size_t n)
{
	size_t i;

	if (n < 2 || s[0] != '0')
		return false;
	for (i = 1; i < n; i++)
		if (s[i] != '0' && s[i] != '_')
			return true;
	return false;
}

static hs_err
lex_number(struct parser *p, size_t at)
{
	const char *s = p->src + at;
	size_t n;
	bool isfloat;
	int64_t iv;
	double d;

	n = num_len(s, p->len - at, &isfloat);
	p->tok.kind = T_NUM;
	p->tok.len = n;
	p->pos = at + n;
	if (at + n < p->len && (is_alnum_(s[n]) || s[n] == '.'))
		return fail(p, "invalid number literal at position %zu", at + 1);
	if (!isfloat && has_leading_zero(s, n))
		return fail(p, "leading zeros are not allowed in integers "
		    "at position %zu", at + 1);
	if (!isfloat) {
		if (!int_value(s, n, false, &iv))
			return fail(p, "integer overflow at position %zu", at + 1);
		p->tok.num = mkint(iv);
	} else {
		if (!float_value(s, n, false, &d))
			return fail(p, "number literal too long at position %zu",
			    at + 1);
		p->tok.num = mkflt(d);
	}
	return HS_OK;
}

static hs_err
lex_other(struct parser *p, size_t at)
{
	const char *s = p->src + at;
	size_t i, n = p->len - at, k;
	unsigned char c = (unsigned char)s[0];

	if (is_alpha_(s[0])) {
		for (k = 1; k < n && is_alnum_(s[k]); k++)
			;
		p->tok.kind = T_NAME;
		p->tok.len = k;
		p->pos = at + k;
		return HS_OK;
	}
	for (i = 0; i < sizeof op_table / sizeof op_table[0]; i++) {
		k = strlen(op_table[i].text);
		if (k <= n && memcmp(s, op_table[i].text, k) == 0) {
			p->tok.kind = op_table[i].kind;
			p->tok.len = k;
			p->pos = at + k;
			return HS_OK;
		}
	}
	if (c >= 0x20 && c < 0x7f)
		return fail(p, "unexpected character '%c' at position %zu", c,
		    at + 1);
	return fail(p, "unexpected byte 0x%02x at position %zu", c, at + 1);
}

/* Read the next token into p->tok. */
static hs_err
lex(struct parser *p)
{
	size_t i = p->pos;

	while (i < p->len && is_space(p->src[i]))
		i++;
	p->tok.pos = i;
	p->tok.len = 0;
	if (i == p->len) {
		p->tok.kind = T_END;
		p->pos = i;
		return HS_OK;
	}
	if (is_digit(p->src[i]) || (p->src[i] == '.' && i + 1 < p->len &&
	    is_digit(p->src[i + 1])))
		return lex_number(p, i);
	return lex_other(p, i);
}

static hs_err
unexpected(struct parser *p)
{
	size_t n = p->tok.len < NAME_SHOWN ? p->tok.len : NAME_SHOWN;

	if (p->tok.kind == T_END)
		return fail(p, "unexpected end of expression");
	return fail(p, "unexpected '%.*s' at position %zu", (int)n,
	    p->src + p->tok.pos, p->tok.pos + 1);
}

/*
 * Arithmetic, with Python's rules.
 */

static int64_t
floordiv_int(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if (a % b != 0 && (a < 0) != (b < 0))
		q--;
	return q;
}

static int64_t
floormod_int(int64_t a, int64_t b)
{
	int64_t m = a % b;

	if (m != 0 && (m < 0) != (b < 0))
		m += b;
	return m;
}

/* // and % on ints; b == -1 is apart since INT64_MIN / -1 traps in C. */
static hs_err
int_divmod(struct parser *p, enum tok op, int64_t a, int64_t b, int64_t *v)
{
	if (b == 0)
		return fail(p, "division by zero");
	if (b == -1) {
		*v = 0;
		if (op == T_DSLASH && __builtin_sub_overflow(0, a, v))
			return fail(p, "integer overflow");
		return HS_OK;
	}
	*v = op == T_DSLASH ? floordiv_int(a, b) : floormod_int(a, b);
	return HS_OK;
}

static hs_err
int_arith(struct parser *p, enum tok op, int64_t a, int64_t b,
    struct expr_num *r)
{
	int64_t v = 0;
	bool ovf;
	hs_err e;

	switch (op) {
	case T_PLUS:
		ovf = __builtin_add_overflow(a, b, &v);
		break;
	case T_MINUS:
		ovf = __builtin_sub_overflow(a, b, &v);
		break;
	case T_STAR:
		ovf = __builtin_mul_overflow(a, b, &v);
		break;
	default:
		if ((e = int_divmod(p, op, a, b, &v)) != HS_OK)
			return e;
		ovf = false;
		break;
	}
	if (ovf)
		return fail(p, "integer overflow");
	*r = mkint(v);
	return HS_OK;
}

/* Python's float_divmod: b != 0. */
static void
float_divmod(double a, double b, double *q, double *m)
{
	double mod, div, fl;

	mod = fmod(a, b);
	div = (a - mod) / b;
	if (mod != 0.0) {
		if ((b < 0) != (mod < 0)) {
			mod += b;
			div -= 1.0;
		}
	} else {
		mod = copysign(0.0, b);
	}
	if (div != 0.0) {
		fl = floor(div);
		if (div - fl > 0.5)
			fl += 1.0;
	} else {
		fl = copysign(0.0, a / b);
	}
	*q = fl;
	*m = mod;
}

static hs_err
float_arith(struct parser *p, enum tok op, double a, double b,
    struct expr_num *r)
{
	double q, m;

	switch (op) {
	case T_PLUS:
		*r = mkflt(a + b);
		break;
	case T_MINUS:
		*r = mkflt(a - b);
		break;
	case T_STAR:
		*r = mkflt(a * b);
		break;
	default:
		if (b == 0.0)
			return fail(p, "division by zero");
		float_divmod(a, b, &q, &m);
		*r = mkflt(op == T_DSLASH ? q : m);
		break;
	}
	return HS_OK;
}

/* a ** b for ints, b >= 0, by squaring. Squaring only happens while bits
 * of b remain, so it overflows only when the result would. */
static hs_err
int_pow(struct parser *p, int64_t a, int64_t b, struct expr_num *r)
{
	int64_t res = 1, base = a;
	uint64_t n = (uint64_t)b;

	while (n != 0) {
		if ((n & 1) && __builtin_mul_overflow(res, base, &res))
			return fail(p, "integer overflow");
		n >>= 1;
		if (n != 0 && __builtin_mul_overflow(base, base, &base))
			return fail(p, "integer overflow");
	}
	*r = mkint(res);
	return HS_OK;
}

/* a ** b for floats, as Python's float_pow (but no complex results). */
static hs_err
float_pow(struct parser *p, double a, double b, struct expr_num *r)
{
	double v;

	if (isfinite(a) && isfinite(b)) {
		if (a == 0.0 && b < 0.0)
			return fail(p, "0.0 cannot be raised to a negative power");
		if (a < 0.0 && b != floor(b))
			return fail(p, "negative number cannot be raised to a "
			    "fractional power");
	}
	v = pow(a, b);
	if (isinf(v) && isfinite(a) && isfinite(b))
		return fail(p, "numerical result out of range");
	*r = mkflt(v);
	return HS_OK;
}

/* a / b correctly rounded, as Python divides ints (b != 0): converting
 * ints beyond 2**53 to double first would round twice. The quotient is
 * taken with at least 62 bits and the remainder folded into the last bit,
 * so the one conversion to double rounds as the exact quotient would. */
static double
int_truediv(int64_t a, int64_t b)
{
	uint64_t n, d;
	unsigned __int128 q, r;
	int k;
	double v;

	n = a < 0 ? 0 - (uint64_t)a : (uint64_t)a;
	d = b < 0 ? 0 - (uint64_t)b : (uint64_t)b;
	if (n == 0)
		return (a < 0) != (b < 0) ? -0.0 : 0.0;
	if (n <= (1ULL << 53) && d <= (1ULL << 53))
		return (double)a / (double)b;
	k = 127 - (64 - __builtin_clzll(n));
	q = ((unsigned __int128)n << k) / d;
	r = ((unsigned __int128)n << k) % d;
	v = ldexp((double)(q | (r != 0)), -k);
	return (a < 0) != (b < 0) ? -v : v;
}

static hs_err
arith(struct parser *p, enum tok op, struct expr_num a, struct expr_num b,
    struct expr_num *r)
{
	if (p->check) {
		*r = mkint(0);
		return HS_OK;
	}
	if (op == T_POW) {
		if (a.is_int && b.is_int && b.i >= 0)
			return int_pow(p, a.i, b.i, r);
		return float_pow(p, fval(&a), fval(&b), r);
	}
	if (op == T_SLASH) {
		if (fval(&b) == 0.0)
			return fail(p, "division by zero");
		*r = mkflt(a.is_int && b.is_int ? int_truediv(a.i, b.i) :
		    fval(&a) / fval(&b));
		return HS_OK;
	}
	if (a.is_int && b.is_int)
		return int_arith(p, op, a.i, b.i, r);
	return float_arith(p, op, fval(&a), fval(&b), r);
}

static hs_err
negate(struct parser *p, struct expr_num *v)
{
	if (p->check)
		return HS_OK;
	if (!v->is_int) {
		v->d = -v->d;
		return HS_OK;
	}
	if (v->i == INT64_MIN)
		return fail(p, "integer overflow");
	v->i = -v->i;
	return HS_OK;
}

/*
 * Functions.
 */

/* An integral double as an int, with Python's errors. */
static hs_err
to_int(struct parser *p, double d, struct expr_num *r)
{
	if (isnan(d))
		return fail(p, "cannot convert float NaN to integer");
	if (isinf(d))
		return fail(p, "cannot convert float infinity to integer");
	if (!(d >= -TWO_63 && d < TWO_63))
		return fail(p, "integer overflow");
	*r = mkint((int64_t)d);
	return HS_OK;
}

/* floor, ceil, trunc: an int stays, a float is rounded by f1. */
static hs_err
call_rounding(struct parser *p, const struct func *f,
    const struct expr_num *a, int n, struct expr_num *r)
{
	if (a[0].is_int) {
		*r = a[0];
		return HS_OK;
	}
	return to_int(p, f->f1(a[0].d), r);
}

/* Python's math_1: nan from a number is a domain error, inf from a
 * finite number a range error if f1 can overflow, else a domain error. */
static hs_err
math1(struct parser *p, const struct func *f, double x, double *v)
{
	*v = f->f1(x);
	if (isnan(*v) && !isnan(x))
		return fail(p, "math domain error");
	if (isinf(*v) && isfinite(x))
		return fail(p, f->flag ? "math range error" :
		    "math domain error");
	return HS_OK;
}

static hs_err
call_math1(struct parser *p, const struct func *f,
    const struct expr_num *a, int n, struct expr_num *r)
{
	double v;
	hs_err e;

	if ((e = math1(p, f, fval(&a[0]), &v)) != HS_OK)
		return e;
	*r = mkflt(v);
	return HS_OK;
}

/* log(x) or log(x, base) = log(x) / log(base), as Python computes it. */
static hs_err
call_log(struct parser *p, const struct func *f, const struct expr_num *a,
    int n, struct expr_num *r)
{
	double num, den = 1.0;
	hs_err e;

	if ((e = math1(p, f, fval(&a[0]), &num)) != HS_OK)
		return e;
	if (n == 2 && (e = math1(p, f, fval(&a[1]), &den)) != HS_OK)
		return e;
	if (den == 0.0)
		return fail(p, "division by zero");
	*r = mkflt(num / den);
	return HS_OK;
}

/* math.pow: always float; domain and range errors from finite inputs. */
static hs_err
call_pow(struct parser *p, const struct func *f, const struct expr_num *a,
    int n, struct expr_num *r)
{
	double x = fval(&a[0]), y = fval(&a[1]), v;

	v = pow(x, y);
	if (isfinite(x) && isfinite(y)) {
		if (isnan(v))
			return fail(p, "math domain error");
		if (isinf(v))
			return fail(p, x == 0.0 ? "math domain error" :
			    "math range error");
	}
	*r = mkflt(v);
	return HS_OK;
}

static hs_err
call_atan2(struct parser *p, const struct func *f,
    const struct expr_num *a, int n, struct expr_num *r)
{
	*r = mkflt(atan2(fval(&a[0]), fval(&a[1])));
	return HS_OK;
}

/* t += x exactly, as a sum t + *err where *err gathers the lost bits
 * (fabs(t) >= fabs(x)). */
static double
fast_sum(double t, double x, double *err)
{
	double s = t + x;

	*err += (t - s) + x;
	return s;
}

/* Python's vector_norm: the square root of the sum of the squares of the
 * n values v (all finite, max the largest, max > 0), scaled by a power
 * of two, summed in doubled precision and corrected after the square
 * root, so that it almost always rounds correctly and agrees with
 * Python's hypot(). */
static double
vector_norm(double *v, int n, double max)
{
	double scale, csum = 1.0, frac1 = 0.0, frac2 = 0.0, x, h, sq;
	int i, max_e;

	frexp(max, &max_e);
	if (max_e < -1023) {
		for (i = 0; i < n; i++)
			v[i] /= DBL_MIN;
		return DBL_MIN * vector_norm(v, n, max / DBL_MIN);
	}
	scale = ldexp(1.0, -max_e);
	for (i = 0; i < n; i++) {
		x = v[i] * scale;
		sq = x * x;
		frac1 += fma(x, x, -sq);
		csum = fast_sum(csum, sq, &frac2);
	}
	h = sqrt(csum - 1.0 + (frac1 + frac2));
	sq = -h * h;
	frac1 += fma(-h, h, -sq);
	csum = fast_sum(csum, sq, &frac2);
	x = csum - 1.0 + (frac1 + frac2);
	h += x / (2.0 * h);
	return h / scale;
}

/* hypot of any number of coordinates; as in Python, never an error. */
static hs_err
call_hypot(struct parser *p, const struct func *f,
    const struct expr_num *a, int n, struct expr_num *r)
{
	double v[EXPR_MAX_ARGS], max = 0.0;
	bool found_nan = false;
	int i;

	for (i = 0; i < n; i++) {
		v[i] = fabs(fval(&a[i]));
		found_nan |= isnan(v[i]);
		if (v[i] > max)
			max = v[i];
	}
	if (isinf(max))
		*r = mkflt(max);
	else if (found_nan)
		*r = mkflt(NAN);
	else if (max == 0.0 || n <= 1)
		*r = mkflt(max);
	else
		*r = mkflt(vector_norm(v, n, max));
	return HS_OK;
}

static hs_err
call_abs(struct parser *p, const struct func *f, const struct expr_num *a,
    int n, struct expr_num *r)
{
	if (!a[0].is_int) {
		*r = mkflt(fabs(a[0].d));
		return HS_OK;
	}
	if (a[0].i == INT64_MIN)
		return fail(p, "integer overflow");
	*r = mkint(a[0].i < 0 ? -a[0].i : a[0].i);
	return HS_OK;
}

static hs_err
call_int(struct parser *p, const struct func *f, const struct expr_num *a,
    int n, struct expr_num *r)
{
	if (a[0].is_int) {
		*r = a[0];
		return HS_OK;
	}
	return to_int(p, trunc(a[0].d), r);
}

static hs_err
call_float(struct parser *p, const struct func *f,
    const struct expr_num *a, int n, struct expr_num *r)
{
	*r = mkflt(fval(&a[0]));
	return HS_OK;
}

/* Whether a < b, exactly across int and float; false with a nan. */
static bool
num_less(const struct expr_num *a, const struct expr_num *b)
{
	const struct expr_num *iv, *fv;
	double t;
	bool int_first;

	if ((!a->is_int && isnan(a->d)) || (!b->is_int && isnan(b->d)))
		return false;
	if (a->is_int == b->is_int)
		return a->is_int ? a->i < b->i : a->d < b->d;
	int_first = a->is_int;
	iv = int_first ? a : b;
	fv = int_first ? b : a;
	if (fv->d >= TWO_63)
		return int_first;
	if (fv->d < -TWO_63)
		return !int_first;
	t = trunc(fv->d);
	if (iv->i != (int64_t)t)
		return (iv->i < (int64_t)t) == int_first;
	/* Equal integer parts: the fraction of the float decides. */
	return int_first ? t < fv->d : fv->d < t;
}

/* min and max keep the first extreme argument, of its own type. */
static hs_err
call_minmax(struct parser *p, const struct func *f,
    const struct expr_num *a, int n, struct expr_num *r)
{
	const struct expr_num *best = &a[0];
	int i;

	for (i = 1; i < n; i++)
		if (f->flag ? num_less(best, &a[i]) : num_less(&a[i], best))
			best = &a[i];
	*r = *best;
	return HS_OK;
}

/* Python's round(float): half to even. */
static double
round_half_even(double x)
{
	double r = round(x);

	if (fabs(x - r) == 0.5)
		r = 2.0 * round(x / 2.0);
	return r;
}

/* round(int, nd) for nd < 0: to a multiple of 10**-nd, half to even. */
static hs_err
round_int(struct parser *p, int64_t a, int64_t nd, struct expr_num *r)
{
	int64_t pw = 1, q, rem, v;
	int k;

	if (nd < -19 || (nd == -19 && a >= -5000000000000000000 &&
	    a <= 5000000000000000000)) {
		*r = mkint(0);
		return HS_OK;
	}
	if (nd == -19)
		return fail(p, "integer overflow");
	for (k = 0; k < -nd; k++)
		pw *= 10;
	q = floordiv_int(a, pw);
	rem = floormod_int(a, pw);
	if (2 * rem > pw || (2 * rem == pw && (q & 1) != 0))
		q++;
	if (__builtin_mul_overflow(q, pw, &v))
		return fail(p, "integer overflow");
	*r = mkint(v);
	return HS_OK;
}

/* Add one to the decimal digits d[0..n); false if it carries out. */
static bool
decimal_increment(char *d, size_t n)
{
	while (n > 0) {
		if (d[n - 1] != '9') {
			d[n - 1]++;
			return true;
		}
		d[--n] = '0';
	}
	return false;
}

/* |x| rounded to a multiple of 10**k (1 <= k <= 308), half to even, on
 * its exact binary value, as Python's round(x, -k) through dtoa. Works on
 * the exact decimal digits of trunc(|x|); the fraction breaks ties. */
static double
round_float_neg(double x, int k)
{
	char digs[ROUND_BUF], text[ROUND_BUF + 16];
	double ip = trunc(fabs(x));
	size_t n, keep;
	bool up, sticky = fabs(x) != ip;
	const char *low;

	/* Pad with k zeros in front so at least k digits are to round. */
	memset(digs, '0', (size_t)k + 1);
	snprintf(digs + k + 1, sizeof digs - (size_t)k - 1, "%.0f", ip);
	n = strlen(digs);
	keep = n - (size_t)k;
	low = digs + keep;
	up = low[0] > '5';
	if (low[0] == '5')
		up = sticky || strspn(low + 1, "0") != (size_t)k - 1 ||
		    (digs[keep - 1] - '0') % 2 == 1;
	if (up && !decimal_increment(digs, keep))
		return copysign(INFINITY, x);
	snprintf(text, sizeof text, "%s%.*se%d", signbit(x) ? "-" : "",
	    (int)keep, digs, k);
	return strtod(text, NULL);
}

/* round(float, nd), as Python: correctly rounded, half to even. */
static hs_err
round_float(struct parser *p, double x, int64_t nd, struct expr_num *r)
{
	char text[ROUND_BUF];
	double v;

	if (!isfinite(x) || nd > 323) {
		v = x;
	} else if (nd < -308) {
		v = 0.0 * x;
	} else if (nd >= 0) {
		snprintf(text, sizeof text, "%.*f", (int)nd, x);
		v = strtod(text, NULL);
	} else {
		v = round_float_neg(x, (int)-nd);
		if (isinf(v))
			return fail(p, "rounded value too large to represent");
	}
	*r = mkflt(v);
	return HS_OK;
}

static hs_err
call_round(struct parser *p, const struct func *f,
    const struct expr_num *a, int n, struct expr_num *r)
{
	if (n == 1 && a[0].is_int) {
		*r = a[0];
		return HS_OK;
	}
	if (n == 1)
		return to_int(p, round_half_even(a[0].d), r);
	if (!a[1].is_int)
		return fail(p, "round() digits must be an integer");
	if (!a[0].is_int)
		return round_float(p, a[0].d, a[1].i, r);
	if (a[1].i >= 0) {
		*r = a[0];
		return HS_OK;
	}
	return round_int(p, a[0].i, a[1].i, r);
}

static const struct func func_table[] = {
	{"abs", 1, 1, call_abs, NULL, 0},
	{"acos", 1, 1, call_math1, acos, 0},
	{"asin", 1, 1, call_math1, asin, 0},
	{"atan", 1, 1, call_math1, atan, 0},
	{"atan2", 2, 2, call_atan2, NULL, 0},
	{"ceil", 1, 1, call_rounding, ceil, 0},
	{"cos", 1, 1, call_math1, cos, 0},
	{"exp", 1, 1, call_math1, exp, 1},
	{"fabs", 1, 1, call_math1, fabs, 0},
	{"float", 1, 1, call_float, NULL, 0},
	{"floor", 1, 1, call_rounding, floor, 0},
	{"hypot", 0, -1, call_hypot, NULL, 0},
	{"int", 1, 1, call_int, NULL, 0},
	{"log", 1, 2, call_log, log, 0},
	{"log10", 1, 1, call_math1, log10, 0},
	{"log2", 1, 1, call_math1, log2, 0},
	{"max", 1, -1, call_minmax, NULL, 1},
	{"min", 1, -1, call_minmax, NULL, 0},
	{"pow", 2, 2, call_pow, NULL, 0},
	{"round", 1, 2, call_round, NULL, 0},
	{"sin", 1, 1, call_math1, sin, 0},
	{"sqrt", 1, 1, call_math1, sqrt, 0},
	{"tan", 1, 1, call_math1, tan, 0},
	{"trunc", 1, 1, call_rounding, trunc, 0},
};

static const struct {
	const char *name;
	double value;
} const_table[] = {
	{"e", 2.718281828459045},
	{"inf", INFINITY},
	{"nan", NAN},
	{"pi", 3.141592653589793},
	{"tau", 6.283185307179586},
};

static bool
name_is(const char *name, const char *s, size_t n)
{
	return strlen(name) == n && memcmp(name, s, n) == 0;
}

static const struct func *
find_func(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof func_table / sizeof func_table[0]; i++)
		if (name_is(func_table[i].name, s, n))
			return &func_table[i];
	return NULL;
}

static hs_err
check_arity(struct parser *p, const struct func *f, int n)
{
	if (n >= f->min && (f->max < 0 || n <= f->max))
		return HS_OK;
	if (f->max < 0)
		return fail(p, "%s() takes at least %d argument%s (%d given)",
		    f->name, f->min, f->min == 1 ? "" : "s", n);
	if (f->min == f->max)
		return fail(p, "%s() takes %d argument%s (%d given)", f->name,
		    f->min, f->min == 1 ? "" : "s", n);
	return fail(p, "%s() takes %d to %d arguments (%d given)", f->name,
	    f->min, f->max, n);
}

/*
 * Parser.
 */

static hs_err
expect(struct parser *p, enum tok kind)
{
	if (p->tok.kind != kind)
		return unexpected(p);
	return lex(p);
}

/* The current token is the '(' after the name of f. */
static hs_err
parse_call(struct parser *p, const struct func *f, struct expr_num *v)
{
	struct expr_num args[EXPR_MAX_ARGS];
	int n = 0;
	hs_err e;

	if ((e = lex(p)) != HS_OK)
		return e;
	while (p->tok.kind != T_RPAREN) {
		if (n == EXPR_MAX_ARGS)
			return fail(p, "too many arguments to %s()", f->name);
		if ((e = parse_sum(p, &args[n++])) != HS_OK)
			return e;
		if (p->tok.kind != T_COMMA)
			break;
		if ((e = lex(p)) != HS_OK)
			return e;
	}
	if ((e = expect(p, T_RPAREN)) != HS_OK)
		return e;
	if ((e = check_arity(p, f, n)) != HS_OK)
		return e;
	if (p->check) {
		*v = mkint(0);
		return HS_OK;
	}
	return f->call(p, f, args, n, v);
}

/* Quote up to XTEXT_SHOWN bytes of s, escaping what is not printable. */
static void
quote_text(const char *s, char *out, size_t outlen)
{
	size_t i, k = 0;
	unsigned char c;

	for (i = 0; i < XTEXT_SHOWN && s[i] != '\0' && k + 5 < outlen; i++) {
		c = (unsigned char)s[i];
		if (c == '\'' || c == '\\')
			k += (size_t)snprintf(out + k, outlen - k, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			out[k++] = (char)c;
		else
			k += (size_t)snprintf(out + k, outlen - k, "\\x%02x",
			    c);
	}
	out[k] = '\0';
	if (s[i] != '\0')
		snprintf(out + k, outlen - k, "...");
}

static hs_err
value_of_x(struct parser *p, struct expr_num *v)
{
	char shown[4 * XTEXT_SHOWN + 8];

	if (p->check) {
		*v = mkint(0);
		return HS_OK;
	}
	if (p->x != NULL) {
		*v = *p->x;
		return HS_OK;
	}
	if (p->xtext == NULL)
		return fail(p, "x is not a number");
	quote_text(p->xtext, shown, sizeof shown);
	return fail(p, "x is not a number: '%s'", shown);
}

/* The value of the name at s[0..n) used as a number. */
static hs_err
name_value(struct parser *p, const char *s, size_t n, size_t at,
    struct expr_num *v)
{
	int shown = (int)(n < NAME_SHOWN ? n : NAME_SHOWN);
	size_t i;

	if (name_is("x", s, n))
		return value_of_x(p, v);
	for (i = 0; i < sizeof const_table / sizeof const_table[0]; i++) {
		if (name_is(const_table[i].name, s, n)) {
			*v = mkflt(const_table[i].value);
			return HS_OK;
		}
	}
	if (find_func(s, n) != NULL)
		return fail(p, "%.*s is a function: call it as %.*s(...) "
		    "at position %zu", shown, s, shown, s, at + 1);
	return fail(p, "name '%.*s' is not defined at position %zu", shown, s,
	    at + 1);
}

static bool
is_number_name(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof const_table / sizeof const_table[0]; i++)
		if (name_is(const_table[i].name, s, n))
			return true;
	return name_is("x", s, n);
}

static hs_err
parse_name(struct parser *p, struct expr_num *v)
{
	const char *s = p->src + p->tok.pos;
	size_t n = p->tok.len, at = p->tok.pos;
	const struct func *f = find_func(s, n);
	hs_err e;

	if ((e = lex(p)) != HS_OK)
		return e;
	if (p->tok.kind != T_LPAREN)
		return name_value(p, s, n, at, v);
	if (f != NULL)
		return parse_call(p, f, v);
	if (is_number_name(s, n))
		return fail(p, "'%.*s' is not a function at position %zu",
		    (int)n, s, at + 1);
	return name_value(p, s, n, at, v);
}

static hs_err
parse_atom(struct parser *p, struct expr_num *v)
{
	hs_err e;

	switch (p->tok.kind) {
	case T_NUM:
		*v = p->tok.num;
		return lex(p);
	case T_NAME:
		return parse_name(p, v);
	case T_LPAREN:
		if ((e = lex(p)) != HS_OK || (e = parse_sum(p, v)) != HS_OK)
			return e;
		return expect(p, T_RPAREN);
	default:
		return unexpected(p);
	}
}

/* ** binds tighter than a unary minus on its left, looser on its right:
 * -2**2 == -4, 2**-1 == 0.5, and it groups to the right. */
static hs_err
parse_power(struct parser *p, struct expr_num *v)
{
	struct expr_num rhs;
	hs_err e;

	if ((e = parse_atom(p, v)) != HS_OK)
		return e;
	if (p->tok.kind != T_POW)
		return HS_OK;
	if ((e = lex(p)) != HS_OK || (e = parse_unary(p, &rhs)) != HS_OK)
		return e;
	return arith(p, T_POW, *v, rhs, v);
}

/* Every cycle of the grammar passes here, so the depth is counted here. */
static hs_err
parse_unary(struct parser *p, struct expr_num *v)
{
	enum tok op = p->tok.kind;
	hs_err e;

	if (++p->depth > EXPR_MAX_DEPTH) {
		e = fail(p, "expression nested deeper than %d",
		    EXPR_MAX_DEPTH);
		goto out;
	}
	if (op != T_PLUS && op != T_MINUS) {
		e = parse_power(p, v);
		goto out;
	}
	if ((e = lex(p)) != HS_OK || (e = parse_unary(p, v)) != HS_OK)
		goto out;
	if (op == T_MINUS)
		e = negate(p, v);
out:
	p->depth--;
	return e;
}

static hs_err
parse_term(struct parser *p, struct expr_num *v)
{
	struct expr_num rhs;
	enum tok op;
	hs_err e;

	if ((e = parse_unary(p, v)) != HS_OK)
		return e;
	for (;;) {
		op = p->tok.kind;
		if (op != T_STAR && op != T_SLASH && op != T_DSLASH &&
		    op != T_PCT)
			return HS_OK;
		if ((e = lex(p)) != HS_OK ||
		    (e = parse_unary(p, &rhs)) != HS_OK ||
		    (e = arith(p, op, *v, rhs, v)) != HS_OK)
			return e;
	}
}

static hs_err
parse_sum(struct parser *p, struct expr_num *v)
{
	struct expr_num rhs;
	enum tok op;
	hs_err e;

	if ((e = parse_term(p, v)) != HS_OK)
		return e;
	for (;;) {
		op = p->tok.kind;
		if (op != T_PLUS && op != T_MINUS)
			return HS_OK;
		if ((e = lex(p)) != HS_OK ||
		    (e = parse_term(p, &rhs)) != HS_OK ||
		    (e = arith(p, op, *v, rhs, v)) != HS_OK)
			return e;
	}
}

static hs_err
parse_all(struct parser *p, struct expr_num *out)
{
	hs_err e;

	*out = mkint(0);
	if (p->len > EXPR_MAX_LEN)
		return fail(p, "expression longer than %d bytes", EXPR_MAX_LEN);
	if ((e = lex(p)) != HS_OK)
		return e;
	if (p->tok.kind == T_END)
		return fail(p, "empty expression");
	if ((e = parse_sum(p, out)) != HS_OK)
		return e;
	if (p->tok.kind != T_END)
		return unexpected(p);
	return HS_OK;
}

hs_err
expr_eval_text(const char *src, size_t len, const struct expr_num *x,
    const char *xtext, struct expr_num *out, char *err, size_t errlen)
{
	struct parser p;

	memset(&p, 0, sizeof p);
	p.src = src != NULL ? src : "";
	p.len = src != NULL ? len : 0;
	p.x = x;
	p.xtext = xtext;
	p.err = err;
	p.errlen = errlen;
	return parse_all(&p, out);
}

hs_err
expr_eval(const char *src, size_t len, const struct expr_num *x,
    struct expr_num *out, char *err, size_t errlen)
{
	return expr_eval_text(src, len, x, NULL, out, err, errlen);
}

hs_err
expr_check(const char *src, size_t len, char *err, size_t errlen)
{
	struct parser p;
	struct expr_num dummy;

	memset(&p, 0, sizeof p);
	p.src = src != NULL ? src : "";
	p.len = src != NULL ? len : 0;
	p.check = true;
	p.err = err;
	p.errlen = errlen;
	return parse_all(&p, &dummy);
}

/*
 * Formatting, as Python's repr().
 */

/* Bounded text assembly; output past cap is dropped. */
struct text {
	char *p;
	size_t len, cap;   /* cap >= 1: room for the NUL */
};

static void
text_put(struct text *t, const char *s, size_t n)
{
	while (n-- > 0 && t->len + 1 < t->cap)
		t->p[t->len++] = *s++;
	t->p[t->len] = '\0';
}

static void
text_zeros(struct text *t, int n)
{
	while (n-- > 0)
		text_put(t, "0", 1);
}

/* The shortest digits that read back as d (d finite), and the decimal
 * exponent of the first: d == 0.digits * 10**(exp + 1). */
static size_t
shortest_digits(double d, char *digs, size_t cap, int *exp10)
{
	char sci[40], *ep;
	size_t n = 0, i;
	int prec;

	for (prec = 1; prec <= 17; prec++) {
		snprintf(sci, sizeof sci, "%.*e", prec - 1, d);
		if (strtod(sci, NULL) == d)
			break;
	}
	ep = strchr(sci, 'e');
	*exp10 = (int)strtol(ep + 1, NULL, 10);
	for (i = sci[0] == '-' ? 1 : 0; sci + i < ep && n + 1 < cap; i++)
		if (is_digit(sci[i]))
			digs[n++] = sci[i];
	while (n > 1 && digs[n - 1] == '0')
		n--;
	digs[n] = '\0';
	return n;
}

static void
format_float(double d, struct text *t)
{
	char digs[24], ebuf[16];
	const char *s;
	int exp10, pt;
	size_t n;

	if (isnan(d) || isinf(d)) {
		s = isnan(d) ? "nan" : d < 0 ? "-inf" : "inf";
		text_put(t, s, strlen(s));
		return;
	}
	n = shortest_digits(d, digs, sizeof digs, &exp10);
	if (signbit(d))
		text_put(t, "-", 1);
	if (exp10 < -4 || exp10 >= 16) {
		text_put(t, digs, 1);
		if (n > 1) {
			text_put(t, ".", 1);
			text_put(t, digs + 1, n - 1);
		}
		snprintf(ebuf, sizeof ebuf, "e%c%02d", exp10 < 0 ? '-' : '+',
		    exp10 < 0 ? -exp10 : exp10);
		text_put(t, ebuf, strlen(ebuf));
		return;
	}
	pt = exp10 + 1;   /* digits before the point */
	if (pt <= 0) {
		text_put(t, "0.", 2);
		text_zeros(t, -pt);
		text_put(t, digs, n);
	} else if ((size_t)pt >= n) {
		text_put(t, digs, n);
		text_zeros(t, pt - (int)n);
		text_put(t, ".0", 2);
	} else {
		text_put(t, digs, (size_t)pt);
		text_put(t, ".", 1);
		text_put(t, digs + pt, n - (size_t)pt);
	}
}

void
expr_format(const struct expr_num *v, char *buf, size_t len)
{
	char tmp[EXPR_FMT_MAX];
	struct text t = {tmp, 0, sizeof tmp};

	if (len == 0)
		return;
	tmp[0] = '\0';
	if (v->is_int)
		snprintf(tmp, sizeof tmp, "%" PRId64, v->i);
	else
		format_float(v->d, &t);
	snprintf(buf, len, "%s", tmp);
}
