/* bare_insert.c: the yardstick for `hs submit`: the least a C program must
 * do to store the same rows (a UUIDv7-style id, the line, submit id, host
 * and time, attempt, retried, tag) with one prepared statement in
 * transactions of 10,000, same schema and pragmas (WAL, synchronous=FULL).
 * usage: seq N | bare_insert DB   (DB already created by `hs initdb`) */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static void
uuid(char out[37])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[16];
	struct timespec ts;
	unsigned long long ms;
	int o = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (unsigned long long)ts.tv_sec * 1000 + (unsigned long long)ts.tv_nsec / 1000000;
	getrandom(b + 6, 10, 0);
	for (int i = 0; i < 6; i++)
		b[i] = (unsigned char)(ms >> (40 - 8 * i));
	b[6] = (unsigned char)(0x70 | (b[6] & 0x0f));
	b[8] = (unsigned char)(0x80 | (b[8] & 0x3f));
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 15];
	}
	out[o] = '\0';
}

static void
now(char out[40])
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(out, 40, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(out + 19, 21, ".%06d+00:00", (int)(ts.tv_nsec / 1000 % 1000000));
}

int
main(int argc, char **argv)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char *line = NULL, id[37], sid[37], t[40], host[256] = "";
	size_t cap = 0;
	ssize_t n;
	long rows = 0;

	if (argc != 2 || sqlite3_open(argv[1], &db) != SQLITE_OK)
		return fprintf(stderr, "usage: bare_insert DB < lines\n"), 2;
	sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL", 0, 0, 0);
	if (sqlite3_prepare_v2(db, "INSERT INTO task (id, \"group\", args, submit_id,"
	    " submit_host, submit_time, cores, memory, timeout, attempt, retried,"
	    " previous_id, tag) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &st, 0) != SQLITE_OK)
		return fprintf(stderr, "%s\n", sqlite3_errmsg(db)), 1;
	gethostname(host, sizeof host - 1);
	uuid(sid);
	sqlite3_exec(db, "BEGIN", 0, 0, 0);
	while ((n = getline(&line, &cap, stdin)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		uuid(id);
		now(t);
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, 0);
		sqlite3_bind_text(st, 3, line, (int)n, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, sid, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, host, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, t, -1, SQLITE_STATIC);
		for (int i = 7; i <= 9; i++)
			sqlite3_bind_null(st, i);
		sqlite3_bind_int64(st, 10, 1);
		sqlite3_bind_int64(st, 11, 0);
		sqlite3_bind_null(st, 12);
		sqlite3_bind_text(st, 13, "{}", 2, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			return fprintf(stderr, "%s\n", sqlite3_errmsg(db)), 1;
		sqlite3_reset(st);
		if (++rows % 10000 == 0)
			sqlite3_exec(db, "COMMIT; BEGIN", 0, 0, 0);
	}
	sqlite3_exec(db, "COMMIT", 0, 0, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(line);
	fprintf(stderr, "inserted %ld rows\n", rows);
	return 0;
}
