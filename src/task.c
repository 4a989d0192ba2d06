/* task.c: the column table and cell conversions. */
#include "task.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr.h"
#include "timestamp.h"
#include "uuid.h"

const struct hs_field_def hs_fields[HS_F_COUNT] = {
	[HS_F_ID] = {"id", HS_FT_UUID, true},
	[HS_F_GROUP] = {"group", HS_FT_INT, true},
	[HS_F_ARGS] = {"args", HS_FT_TEXT, true},
	[HS_F_SUBMIT_ID] = {"submit_id", HS_FT_UUID, true},
	[HS_F_SUBMIT_HOST] = {"submit_host", HS_FT_TEXT, true},
	[HS_F_SUBMIT_TIME] = {"submit_time", HS_FT_TIME, true},
	[HS_F_CORES] = {"cores", HS_FT_INT, false},
	[HS_F_MEMORY] = {"memory", HS_FT_INT, false},
	[HS_F_TIMEOUT] = {"timeout", HS_FT_INT, false},
	[HS_F_CORES_MAX] = {"cores_max", HS_FT_REAL, false},
	[HS_F_MEMORY_MAX] = {"memory_max", HS_FT_REAL, false},
	[HS_F_SERVER_ID] = {"server_id", HS_FT_UUID, false},
	[HS_F_SERVER_HOST] = {"server_host", HS_FT_TEXT, false},
	[HS_F_SCHEDULE_TIME] = {"schedule_time", HS_FT_TIME, false},
	[HS_F_CLIENT_ID] = {"client_id", HS_FT_UUID, false},
	[HS_F_CLIENT_HOST] = {"client_host", HS_FT_TEXT, false},
	[HS_F_COMMAND] = {"command", HS_FT_TEXT, false},
	[HS_F_START_TIME] = {"start_time", HS_FT_TIME, false},
	[HS_F_COMPLETION_TIME] = {"completion_time", HS_FT_TIME, false},
	[HS_F_EXIT_STATUS] = {"exit_status", HS_FT_INT, false},
	[HS_F_OUTPATH] = {"outpath", HS_FT_TEXT, false},
	[HS_F_ERRPATH] = {"errpath", HS_FT_TEXT, false},
	[HS_F_CSVPATH] = {"csvpath", HS_FT_TEXT, false},
	[HS_F_ATTEMPT] = {"attempt", HS_FT_INT, true},
	[HS_F_RETRIED] = {"retried", HS_FT_BOOL, true},
	[HS_F_WAITED] = {"waited", HS_FT_INT, false},
	[HS_F_DURATION] = {"duration", HS_FT_INT, false},
	[HS_F_PREVIOUS_ID] = {"previous_id", HS_FT_UUID, false},
	[HS_F_NEXT_ID] = {"next_id", HS_FT_UUID, false},
	[HS_F_TAG] = {"tag", HS_FT_JSON, true},
};

int
hs_field_find(const char *name)
{
	for (int i = 0; i < HS_F_COUNT; i++)
		if (strcmp(hs_fields[i].name, name) == 0)
			return i;
	return -1;
}

void
hs_task_clear(struct hs_task *t)
{
	for (int i = 0; i < HS_F_COUNT; i++)
		t->f[i] = (struct hs_cell){.null = true};
}

const char *
hs_cell_text(const struct hs_task *t, int field, char *buf, size_t len)
{
	const struct hs_cell *c = &t->f[field];

	if (c->null)
		return NULL;
	switch (hs_fields[field].type) {
	case HS_FT_INT:
		snprintf(buf, len, "%lld", (long long)c->i);
		return buf;
	case HS_FT_BOOL:
		return c->i ? "true" : "false";
	case HS_FT_REAL:
		expr_format(&(struct expr_num){.is_int = false, .d = c->d}, buf, len);
		return buf;
	default:
		return c->s;
	}
}

static hs_err
cell_int(const char *s, struct hs_cell *out, char *err, size_t errlen)
{
	char *end;

	errno = 0;
	out->i = strtoll(s, &end, 10);
	if (errno == 0 && end != s && *end == '\0')
		return HS_OK;
	snprintf(err, errlen, "expected an integer, got '%.60s'", s);
	return HS_EINPUT;
}

static hs_err
cell_real(const char *s, struct hs_cell *out, char *err, size_t errlen)
{
	char *end;

	errno = 0;
	out->d = strtod(s, &end);
	if (errno == 0 && end != s && *end == '\0' && isfinite(out->d))
		return HS_OK;
	snprintf(err, errlen, "expected a number, got '%.60s'", s);
	return HS_EINPUT;
}

static hs_err
cell_bool(const char *s, struct hs_cell *out, char *err, size_t errlen)
{
	if (strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0)
		out->i = 1;
	else if (strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0)
		out->i = 0;
	else {
		snprintf(err, errlen, "expected true or false, got '%.60s'", s);
		return HS_EINPUT;
	}
	return HS_OK;
}

static hs_err
cell_time(const char *s, struct hs_cell *out, char *tsbuf, char *err,
          size_t errlen)
{
	int64_t us;

	if (!hs_ts_parse(s, &us)) {
		snprintf(err, errlen, "expected a time like 2026-01-31 12:00:00, got "
		         "'%.60s'", s);
		return HS_EINPUT;
	}
	hs_ts_format(us, tsbuf);
	out->s = tsbuf;
	return HS_OK;
}

hs_err
hs_cell_from_text(int field, const char *s, struct hs_cell *out,
                  char tsbuf[HS_TS_LEN + 1], char *err, size_t errlen)
{
	*out = (struct hs_cell){.null = false, .s = s};
	if (strcasecmp(s, "null") == 0 || strcasecmp(s, "none") == 0) {
		out->null = true;
		return HS_OK;
	}
	switch (hs_fields[field].type) {
	case HS_FT_INT:
		return cell_int(s, out, err, errlen);
	case HS_FT_REAL:
		return cell_real(s, out, err, errlen);
	case HS_FT_BOOL:
		return cell_bool(s, out, err, errlen);
	case HS_FT_TIME:
		return cell_time(s, out, tsbuf, err, errlen);
	default:
		return HS_OK;
	}
}
