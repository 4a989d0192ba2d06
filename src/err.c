/* err.c: error texts, exit-code mapping and the process detail buffer. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>

static const struct {
	const char *text;
	int exit;
} err_table[HS_ERR_COUNT] = {
	[HS_OK] = {"ok", HS_EXIT_OK},
	[HS_ENOMEM] = {"out of memory", HS_EXIT_RUNTIME},
	[HS_EUSAGE] = {"bad argument", HS_EXIT_BADARG},
	[HS_EINPUT] = {"malformed input", HS_EXIT_BADARG},
	[HS_ETEMPLATE] = {"template error", HS_EXIT_BADARG},
	[HS_ELIMIT] = {"limit exceeded", HS_EXIT_BADARG},
	[HS_ECONFIG] = {"configuration error", HS_EXIT_CONFIG},
	[HS_EINTR] = {"interrupted", HS_EXIT_INTERRUPT},
	[HS_EIO] = {"I/O error", HS_EXIT_RUNTIME},
	[HS_EDB] = {"database error", HS_EXIT_RUNTIME},
	[HS_ENOTFOUND] = {"not found", HS_EXIT_RUNTIME},
	[HS_ECHILD] = {"child process failed", HS_EXIT_RUNTIME},
	[HS_EINTERNAL] = {"internal error", HS_EXIT_INTERNAL},
};

static char detail[HS_DETAIL_MAX];

const char *
hs_strerror(hs_err e)
{
	if ((unsigned)e >= HS_ERR_COUNT)
		return "unknown error";
	return err_table[e].text;
}

int
hs_exit_code(hs_err e)
{
	if ((unsigned)e >= HS_ERR_COUNT)
		return HS_EXIT_INTERNAL;
	return err_table[e].exit;
}

hs_err
hs_fail(hs_err e, const char *fmt, ...)
{
	va_list ap;

	if (fmt == NULL) {
		detail[0] = '\0';
		return e;
	}
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	return e;
}

const char *
hs_detail(void)
{
	return detail;
}

void
hs_detail_clear(void)
{
	detail[0] = '\0';
}
