/* linereader.c: buffered, bounded line input. */
#include "linereader.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK 65536

hs_err
hs_lr_init(struct hs_lr *r, int fd, size_t maxline)
{
	memset(r, 0, sizeof *r);
	r->fd = fd;
	r->maxline = maxline;
	r->cap = maxline + CHUNK + 1;
	if ((r->buf = malloc(r->cap)) == NULL)
		return HS_ENOMEM;
	return HS_OK;
}

void
hs_lr_free(struct hs_lr *r)
{
	free(r->buf);
	r->buf = NULL;
}

/* Read more into the buffer (moving unread data to the front first). */
static hs_err
fill(struct hs_lr *r)
{
	ssize_t n;

	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	n = read(r->fd, r->buf + r->end, r->cap - 1 - r->end);
	if (n < 0 && errno == EINTR)
		return HS_EINTR;
	if (n < 0)
		return hs_fail(HS_EIO, "reading input: %s", strerror(errno));
	if (n == 0)
		r->eof = true;
	r->end += (size_t)n;
	return HS_OK;
}

/* Discard input up to and including the next newline. */
static hs_err
skip_line(struct hs_lr *r, size_t *seen)
{
	char *nl;
	hs_err e;

	for (;;) {
		nl = memchr(r->buf + r->start, '\n', r->end - r->start);
		if (nl != NULL) {
			*seen += (size_t)(nl - (r->buf + r->start));
			r->start = (size_t)(nl - r->buf) + 1;
			return HS_OK;
		}
		*seen += r->end - r->start;
		r->start = r->end = 0;
		if (r->eof)
			return HS_OK;
		if ((e = fill(r)) != HS_OK)
			return e;
	}
}

hs_err
hs_lr_next(struct hs_lr *r, char **line, size_t *len)
{
	char *nl;
	hs_err e;

	*line = NULL;
	for (;;) {
		nl = memchr(r->buf + r->start, '\n', r->end - r->start);
		if (!r->skipping && (nl != NULL || (r->eof && r->end > r->start)))
			break;
		if (r->eof && !r->skipping)
			return HS_OK;
		if (r->skipping || r->end - r->start > r->maxline) {
			if (!r->skipping) {
				r->lineno++;
				r->skipped = 0;
				r->skipping = true;
			}
			if ((e = skip_line(r, &r->skipped)) != HS_OK)
				return e;
			r->skipping = false;
			*len = r->skipped;
			return HS_ELIMIT;
		}
		if ((e = fill(r)) != HS_OK)
			return e;
	}
	*line = r->buf + r->start;
	*len = nl ? (size_t)(nl - *line) : r->end - r->start;
	r->start += *len + (nl != NULL);
	(*line)[*len] = '\0';
	r->lineno++;
	if (*len > r->maxline)
		return HS_ELIMIT;
	return HS_OK;
}

bool
hs_lr_ready(struct hs_lr *r)
{
	return hs_lr_wait(r, 0);
}

bool
hs_lr_wait(struct hs_lr *r, int ms)
{
	struct pollfd p = {.fd = r->fd, .events = POLLIN};

	if (r->eof || memchr(r->buf + r->start, '\n', r->end - r->start) != NULL)
		return true;
	return poll(&p, 1, ms) > 0;
}
