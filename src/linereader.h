/* linereader.h: bounded line reading from a file descriptor.
 *
 * Lines longer than the limit are not kept: the reader skips to the next
 * newline and reports the line as too long (with its length so far), so
 * one huge line cannot exhaust memory. hs_lr_ready() tells whether the
 * next line can be had without blocking, which hs submit uses to batch
 * commits while input flows and commit promptly when it stalls.
 */
#ifndef HS_LINEREADER_H
#define HS_LINEREADER_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct hs_lr {
	int fd;
	char *buf;        /* owned; maxline + chunk bytes */
	size_t cap;
	size_t start;     /* first unread byte */
	size_t end;       /* end of buffered data */
	size_t maxline;
	bool eof;
	bool skipping;    /* inside an over-long line (a skip was interrupted) */
	size_t skipped;   /* bytes of that line seen so far */
	unsigned long lineno;  /* number of the line last returned */
};

hs_err hs_lr_init(struct hs_lr *r, int fd, size_t maxline);
void hs_lr_free(struct hs_lr *r);

/* Next line without its newline, NUL-terminated in place (the line itself
 * may also contain NULs: use *len). Returns HS_OK with *line NULL at end
 * of input; HS_ELIMIT for an over-long line (skipped; *len is how much was
 * seen); HS_EINTR if a signal interrupted the read; HS_EIO on error. */
hs_err hs_lr_next(struct hs_lr *r, char **line, size_t *len);

/* True if a complete line is buffered or the descriptor has data now. */
bool hs_lr_ready(struct hs_lr *r);

/* Wait up to ms milliseconds for input; true if some arrived (or EOF). */
bool hs_lr_wait(struct hs_lr *r, int ms);

#endif
