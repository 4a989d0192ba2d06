/* opt.h: declarative command-line parsing with argparse's conventions.
 *
 * Each command describes its options in a table; hs_opt_parse() walks argv
 * and calls back with (id, value) for every option and positional, checks
 * mutual-exclusion groups, and prints help for -h/--help. Conventions:
 * "-x V", "-xV", "--long V", "--long=V", combined flags "-ab", "--" ends
 * options; OPT_MULTI takes one or more following non-option words.
 */
#ifndef HS_OPT_H
#define HS_OPT_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"

enum opt_kind {
	OPT_FLAG,      /* no value */
	OPT_VALUE,     /* exactly one value; always takes the next word */
	OPT_MULTI,     /* one or more values: following words not starting '-' */
	OPT_OPTIONAL,  /* zero or one value: the next word if not an option */
};

struct hs_opt {
	int id;               /* caller's code, > 0 */
	char shortname;       /* 0 if none */
	const char *longname; /* without dashes; NULL if none */
	const char *alias;    /* another long name, or NULL */
	enum opt_kind kind;
	const char *metavar;  /* for help, e.g. "FILE" */
	const char *help;     /* NULL hides the option from help */
	int group;            /* options sharing a non-zero group exclude each other */
};

struct hs_cmdspec {
	const char *prog;        /* "hs submit" */
	const char *summary;     /* one paragraph under the usage line */
	const char *positional;  /* e.g. "ARGS..." or NULL if none accepted */
	const char *poshelp;     /* help for the positional, or NULL */
	const struct hs_opt *opts;  /* terminated by an entry with id 0 */
	const char *epilog;      /* printed after the options, or NULL */
};

/* id is the option's id, or 0 for a positional word; val is NULL for a
 * flag (and for an OPTIONAL given without value). A callback error stops
 * parsing and is returned. */
typedef hs_err (*hs_opt_fn)(void *ctx, int id, const char *val);

/* Parse argv[1..argc-1]. On -h/--help prints help to stdout and sets
 * *helped. Usage errors print "PROG: message" and a usage hint to stderr
 * and return HS_EUSAGE. */
hs_err hs_opt_parse(const struct hs_cmdspec *spec, int argc, char **argv,
                    hs_opt_fn fn, void *ctx, bool *helped);

/* Print the help text of spec to stdout. */
void hs_opt_help(const struct hs_cmdspec *spec);

/* Parse an integer option value >= min; HS_EUSAGE naming the option. */
hs_err hs_opt_int(const char *name, const char *val, int64_t min, int64_t *out);

/* Parse seconds (a decimal number; negative only if negative_ok). */
hs_err hs_opt_seconds(const char *name, const char *val, bool negative_ok, double *out);

/* The display name of option id in spec ("-f/--failed"), for messages. */
const char *hs_opt_name(const struct hs_cmdspec *spec, int id);

#endif
