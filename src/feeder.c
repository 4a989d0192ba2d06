/* feeder.c: a submit thread beside the server's event loop. */
#include "feeder.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

struct hs_feeder {
	struct hs_submit_opts o;
	struct hs_store *store;   /* its own connection; owned */
	int fd;
	char *name;
	pthread_t thread;
	bool started;
	atomic_bool running;
	atomic_llong count, rejected;
	hs_err result;
};

static void *
feed(void *arg)
{
	struct hs_feeder *f = arg;
	struct hs_submitter *sub = NULL;

	f->o.store = f->store;
	if ((f->result = hs_submitter_new(&f->o, &sub)) == HS_OK)
		f->result = hs_submitter_fd(sub, f->fd, f->name);
	if (sub != NULL) {
		atomic_store(&f->count, hs_submitter_count(sub));
		atomic_store(&f->rejected, hs_submitter_rejected(sub));
	}
	if (f->result == HS_OK)
		log_info("Submitted %lld tasks from %s", (long long)hs_submitter_count(sub),
		         f->name);
	else
		log_error("Submitting tasks from %s failed: %s", f->name, hs_detail());
	hs_submitter_free(sub);
	atomic_store(&f->running, false);
	return NULL;
}

hs_err
hs_feeder_start(const struct hs_submit_opts *o, struct hs_store *store, int fd,
                const char *name, struct hs_feeder **out)
{
	struct hs_feeder *f = calloc(1, sizeof *f);

	*out = f;
	if (f == NULL || (f->name = strdup(name)) == NULL) {
		hs_store_close(store);
		return HS_ENOMEM;
	}
	f->o = *o;
	f->store = store;
	f->fd = fd;
	atomic_store(&f->running, true);
	if (pthread_create(&f->thread, NULL, feed, f) != 0) {
		atomic_store(&f->running, false);
		return hs_fail(HS_EIO, "cannot start the submit thread");
	}
	f->started = true;
	return HS_OK;
}

bool
hs_feeder_running(const struct hs_feeder *f)
{
	return f != NULL && atomic_load(&f->running);
}

int64_t
hs_feeder_count(const struct hs_feeder *f)
{
	return f ? atomic_load(&f->count) : 0;
}

int64_t
hs_feeder_rejected(const struct hs_feeder *f)
{
	return f ? atomic_load(&f->rejected) : 0;
}

hs_err
hs_feeder_stop(struct hs_feeder *f)
{
	hs_err e;

	if (f == NULL)
		return HS_OK;
	if (f->started) {
		if (atomic_load(&f->running))
			pthread_cancel(f->thread);
		pthread_join(f->thread, NULL);
	}
	e = f->started ? f->result : HS_EIO;
	hs_store_close(f->store);
	if (f->fd > STDIN_FILENO)
		close(f->fd);
	free(f->name);
	free(f);
	return e;
}
