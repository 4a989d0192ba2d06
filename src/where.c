/* where.c: parsing of --where conditions. */
#include "where.h"

#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *op_text[] = {"==", "!=", ">", ">=", "<", "<=", "~"};

const char *
hs_op_text(enum hs_op op)
{
	return (unsigned)op <= HS_OP_MATCH ? op_text[op] : "?";
}

/* Longest operator at p; its length in *n. -1 if none. */
static int
match_op(const char *p, size_t *n)
{
	static const struct { const char *t; enum hs_op op; } ops[] = {
		{"==", HS_OP_EQ}, {"!=", HS_OP_NE}, {">=", HS_OP_GE},
		{"<=", HS_OP_LE}, {">", HS_OP_GT}, {"<", HS_OP_LT}, {"~", HS_OP_MATCH},
		{"=", HS_OP_EQ},
	};

	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		*n = strlen(ops[i].t);
		if (strncmp(p, ops[i].t, *n) == 0)
			return (int)ops[i].op;
	}
	return -1;
}

static size_t
trim_len(const char *s, size_t n)
{
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	return n;
}

/* Copy the value part, dropping surrounding spaces and one pair of quotes. */
static void
copy_value(const char *v, struct hs_cond *c)
{
	size_t n;

	while (isspace((unsigned char)*v))
		v++;
	n = trim_len(v, strlen(v));
	if (n >= 2 && (v[0] == '\'' || v[0] == '"') && v[n - 1] == v[0]) {
		v++;
		n -= 2;
	}
	memcpy(c->text, v, n);
	c->text[n] = '\0';
}

/* The closing ']' of the bracket expression at p ("[]a]" and "[^]a]" hold
 * a literal ']'), or the end of the string. */
static const char *
skip_bracket(const char *p)
{
	p++;
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	for (; *p != '\0' && *p != ']'; p++)
		if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			const char *q = strstr(p + 2, p[1] == ':' ? ":]" : p[1] == '.' ? ".]" : "=]");
			if (q == NULL)
				return p + strlen(p);
			p = q + 1;
		}
	return p;
}

/* glibc's regcomp is exponential in stacked quantifiers ("a+++...") and
 * in nested bounds: refuse patterns that could take it long. */
static bool
regex_too_costly(const char *p)
{
	double product = 1;
	bool after_quant = false;

	for (; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			after_quant = false;
		} else if (*p == '[') {
			p = skip_bracket(p);
			after_quant = false;
			if (*p == '\0')
				return false;  /* unterminated: regcomp reports it */
		} else if (*p == '*' || *p == '+' || *p == '?' || *p == '{') {
			if (after_quant)
				return true;
			if (*p == '{') {
				char *end;
				long lo = strtol(p + 1, &end, 10), hi = lo;
				if (*end == ',')
					hi = end[1] == '}' ? 255 : strtol(end + 1, &end, 10);
				product *= (double)(hi > 0 ? hi : 1);
				if ((p = strchr(p, '}')) == NULL)
					return false;  /* regcomp reports it */
			}
			after_quant = true;
		} else {
			after_quant = false;
		}
	}
	return product > 1000;
}

static hs_err
check_regex(const char *pattern, char *err, size_t errlen)
{
	regex_t re;
	int rc;

	if (regex_too_costly(pattern)) {
		snprintf(err, errlen, "bad regular expression '%.60s': too many or "
		         "stacked repetitions", pattern);
		return HS_EINPUT;
	}
	rc = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB);

	if (rc != 0) {
		char msg[128];
		regerror(rc, &re, msg, sizeof msg);
		snprintf(err, errlen, "bad regular expression '%.60s': %s", pattern, msg);
		return HS_EINPUT;
	}
	regfree(&re);
	return HS_OK;
}

static hs_err
type_value(struct hs_cond *c, char *err, size_t errlen)
{
	char msg[160];

	if (c->op == HS_OP_MATCH) {
		c->value = (struct hs_cell){.s = c->text};
		return check_regex(c->text, err, errlen);
	}
	if (hs_cell_from_text(c->field, c->text, &c->value, c->tsbuf, msg,
	                      sizeof msg) != HS_OK) {
		snprintf(err, errlen, "%s: %s", hs_fields[c->field].name, msg);
		return HS_EINPUT;
	}
	if (c->value.null && c->op != HS_OP_EQ && c->op != HS_OP_NE) {
		snprintf(err, errlen, "null can only be compared with == or !=");
		return HS_EINPUT;
	}
	return HS_OK;
}

hs_err
hs_where_parse(const char *s, struct hs_cond *c, char *err, size_t errlen)
{
	char field[64];
	const char *p = s;
	size_t n, oplen;
	int op;

	if (strlen(s) > HS_WHERE_MAX) {
		snprintf(err, errlen, "condition longer than %d characters", HS_WHERE_MAX);
		return HS_EINPUT;
	}
	while (isspace((unsigned char)*p))
		p++;
	for (n = 0; isalnum((unsigned char)p[n]) || p[n] == '_'; n++)
		;
	if (n == 0 || n >= sizeof field) {
		snprintf(err, errlen, "bad condition '%.60s': expected FIELD OP VALUE", s);
		return HS_EINPUT;
	}
	memcpy(field, p, n);
	field[n] = '\0';
	if ((c->field = hs_field_find(field)) < 0) {
		snprintf(err, errlen, "unknown field '%s' in condition '%.60s'", field, s);
		return HS_EINPUT;
	}
	for (p += n; isspace((unsigned char)*p); p++)
		;
	if ((op = match_op(p, &oplen)) < 0) {
		snprintf(err, errlen, "bad condition '%.60s': expected one of == != > >= "
		         "< <= ~ after '%s'", s, field);
		return HS_EINPUT;
	}
	c->op = (enum hs_op)op;
	copy_value(p + oplen, c);
	return type_value(c, err, errlen);
}
