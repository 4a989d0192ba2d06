/* err.h: the one error vocabulary of hypershell.
 *
 * Every fallible function returns an hs_err (HS_OK == 0). A human detail
 * message goes with it: pure modules (parsers) write theirs into a buffer
 * the caller passes; application code records it with hs_fail(), which
 * keeps the last detail for the process, as curl's error buffer does.
 * The same codes map to process exit codes (hs_exit_code) and, later, to
 * protocol error replies and HTTP statuses; docs/ARCHITECTURE.md lists them.
 */
#ifndef HS_ERR_H
#define HS_ERR_H

#include <stddef.h>

typedef enum hs_err {
	HS_OK = 0,
	HS_ENOMEM,     /* allocation failed */
	HS_EUSAGE,     /* bad command-line usage or argument */
	HS_EINPUT,     /* malformed input: task line, tag, where-clause */
	HS_ETEMPLATE,  /* template could not be expanded */
	HS_ELIMIT,     /* input exceeds a configured bound */
	HS_ECONFIG,    /* bad configuration file, variable or value */
	HS_EINTR,      /* interrupted by a signal */
	HS_EIO,        /* operating-system I/O error */
	HS_EDB,        /* database error (missing, locked, corrupt, newer) */
	HS_ENOTFOUND,  /* no such task or object */
	HS_ECHILD,     /* a child process failed or timed out */
	HS_EINTERNAL,  /* a bug: an invariant did not hold */
	HS_ERR_COUNT
} hs_err;

/* Exit codes, as HyperShell's (reference §4.6). */
enum hs_exit {
	HS_EXIT_OK = 0,
	HS_EXIT_USAGE = 1,     /* usage was printed */
	HS_EXIT_BADARG = 2,
	HS_EXIT_CONFIG = 3,
	HS_EXIT_INTERRUPT = 4,
	HS_EXIT_RUNTIME = 5,
	HS_EXIT_INTERNAL = 6,
};

#define HS_DETAIL_MAX 512

/* Short fixed text for a code ("database error"). Never NULL. */
const char *hs_strerror(hs_err e);

/* Process exit code for a code. */
int hs_exit_code(hs_err e);

/* Record a detail message for e and return e. fmt may be NULL. */
hs_err hs_fail(hs_err e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The last recorded detail, or "" if none. */
const char *hs_detail(void);

/* Forget the last detail. */
void hs_detail_clear(void);

#endif
