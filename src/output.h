/* output.h: how tasks are printed (hs list, hs info, hs wait --info).
 *
 * Formats follow HyperShell: normal (the info block, records separated by
 * "---"), plain (delimited values, no header), table (box drawing), json
 * (one indented array), csv (header row, RFC 4180 quoting, CRLF), yaml
 * (info only). Listing streams row by row, except table, which must see
 * every row to size its columns.
 */
#ifndef HS_OUTPUT_H
#define HS_OUTPUT_H

#include <stdio.h>

#include "err.h"
#include "task.h"

enum hs_format {
	HS_FMT_NORMAL, HS_FMT_PLAIN, HS_FMT_TABLE, HS_FMT_JSON, HS_FMT_CSV,
	HS_FMT_YAML,
};

/* Parse a format name; -1 if unknown. */
int hs_format_parse(const char *s);

struct hs_printer;

/* fields: columns to print, in order. delim: for plain and csv. */
hs_err hs_printer_new(enum hs_format fmt, const int *fields, size_t nfields,
                      const char *delim, FILE *out, struct hs_printer **p);
hs_err hs_printer_task(struct hs_printer *p, const struct hs_task *t);
/* Write what is left (table body, closing bracket) and free p. */
hs_err hs_printer_finish(struct hs_printer *p);

/* One task as hs info prints it: normal, json or yaml. */
hs_err hs_print_info(FILE *out, const struct hs_task *t, enum hs_format fmt);
/* One field as hs info -x prints it. */
hs_err hs_print_field(FILE *out, const struct hs_task *t, int field,
                      enum hs_format fmt);

#endif
