/* task.h: the task record, its columns and their types (reference §3.2).
 *
 * A task is an array of cells indexed by enum hs_field, so listing,
 * filtering, updating and the storage backends all work from one column
 * table instead of per-field code. Strings in cells are borrowed: from the
 * row being read, or from the caller building a task.
 */
#ifndef HS_TASK_H
#define HS_TASK_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "timestamp.h"

enum hs_field {
	/* in HyperShell's column order, which listings follow */
	HS_F_ID, HS_F_GROUP, HS_F_ARGS, HS_F_SUBMIT_ID, HS_F_SUBMIT_TIME,
	HS_F_SUBMIT_HOST, HS_F_CORES, HS_F_MEMORY, HS_F_CORES_MAX, HS_F_MEMORY_MAX,
	HS_F_TIMEOUT, HS_F_SERVER_ID, HS_F_SERVER_HOST, HS_F_SCHEDULE_TIME,
	HS_F_CLIENT_ID, HS_F_CLIENT_HOST, HS_F_COMMAND, HS_F_START_TIME,
	HS_F_COMPLETION_TIME, HS_F_EXIT_STATUS, HS_F_OUTPATH, HS_F_ERRPATH,
	HS_F_CSVPATH, HS_F_ATTEMPT, HS_F_RETRIED, HS_F_WAITED, HS_F_DURATION,
	HS_F_PREVIOUS_ID, HS_F_NEXT_ID, HS_F_TAG,
	HS_F_COUNT
};

enum hs_ftype {
	HS_FT_UUID,  /* 36-char text */
	HS_FT_TEXT,
	HS_FT_INT,
	HS_FT_REAL,
	HS_FT_BOOL,  /* stored as 0/1 */
	HS_FT_TIME,  /* timestamp.h text form */
	HS_FT_JSON,  /* JSON object text (tags) */
};

struct hs_field_def {
	const char *name;   /* column name, as in HyperShell */
	enum hs_ftype type;
	bool required;      /* NOT NULL */
};

extern const struct hs_field_def hs_fields[HS_F_COUNT];

struct hs_cell {
	bool null;
	int64_t i;      /* INT, BOOL */
	double d;       /* REAL */
	const char *s;  /* UUID, TEXT, TIME, JSON; borrowed */
};

struct hs_task {
	struct hs_cell f[HS_F_COUNT];
};

/* Exit statuses that are not a process's own. Signals are -N as in
 * HyperShell; these sit far below any signal number so they never collide
 * (the original's -1/-2/-3 collide with SIGHUP/SIGINT/SIGQUIT). */
#define HS_STATUS_CANCELLED  (-1000)
#define HS_STATUS_TEMPLATE   (-1001)
#define HS_STATUS_RESOURCES  (-1002)
#define HS_STATUS_CRASHED    (-1003)   /* its clients kept dying (crash limit) */

/* Field index by column name, or -1. */
int hs_field_find(const char *name);

/* All cells null. */
void hs_task_clear(struct hs_task *t);

/* Text of a cell for display: NULL when null; numbers formatted into buf. */
const char *hs_cell_text(const struct hs_task *t, int field, char *buf,
                         size_t len);

/* Coerce text to a cell of field's type (for --where and update).
 * "null"/"none" (any case) give a null cell (for any field: the caller
 * decides whether null is acceptable). s is
 * borrowed into the cell; a time is normalised into tsbuf (given without an
 * offset it is UTC) and the cell points there. HS_EINPUT with a message. */
hs_err hs_cell_from_text(int field, const char *s, struct hs_cell *out,
                         char tsbuf[HS_TS_LEN + 1], char *err, size_t errlen);

#endif
