/* submit.h: storing tasks from input lines or command words (hs submit,
 * and the FILE of hs server). See submit.c for the batching rules. */
#ifndef HS_SUBMIT_H
#define HS_SUBMIT_H

#include <stddef.h>
#include <stdint.h>

#include "liveq.h"
#include "store.h"
#include "tag.h"
#include "taskline.h"
#include "uuid.h"

struct hs_submit_opts {
	struct hs_store *store;     /* where tasks go (not owned), or: */
	struct hs_liveq *queue;     /* a running server (hs submit -q; not owned) */
	const char *tmpl;           /* --template, or NULL */
	struct hs_tags tags;        /* -t tags for every task (borrowed) */
	struct hs_taskopts cli;     /* -g -c -m -W (and config defaults) */
	int64_t group;              /* group when neither -g nor a directive says
	                             * (-1 with a queue: the server's active group) */
	int64_t bundlesize;         /* tasks gathered before a commit on a stall */
	double bundlewait;          /* longest wait before committing a partial batch */
	size_t maxline;             /* submit.max_line_length */
};

struct hs_submitter;

hs_err hs_submitter_new(const struct hs_submit_opts *o, struct hs_submitter **out);
void hs_submitter_free(struct hs_submitter *s);

/* Every line of fd (source names it in messages). Commits what was read
 * even when interrupted (then returns HS_EINTR). */
hs_err hs_submitter_fd(struct hs_submitter *s, int fd, const char *source);

/* One task from command words: one word is the command as written;
 * several are joined, each quoted as /bin/sh needs. */
hs_err hs_submitter_args(struct hs_submitter *s, char *const *words, size_t n);

int64_t hs_submitter_count(const struct hs_submitter *s);     /* committed */
int64_t hs_submitter_rejected(const struct hs_submitter *s);  /* bad lines */
const char *hs_submitter_last_id(const struct hs_submitter *s);

#endif
