/* log.c: formatted, levelled log lines on stderr.
 *
 * Each style is a Python-logging-like format string, compiled once by
 * hs_log_setup() into segments; emitting a line walks the segments into a
 * stack buffer and writes it with one write(2).
 */
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 8192
#define LOG_SEG_MAX 48

int hs_log_threshold = HS_WARNING;

enum seg_kind {
	SEG_TEXT, SEG_NAME, SEG_LEVEL, SEG_MESSAGE, SEG_ASCTIME, SEG_MSECS,
	SEG_HOST, SEG_HOST_SHORT, SEG_APP_ID, SEG_ELAPSED, SEG_ELAPSED_HMS, SEG_RELNAME,
	SEG_ANSI_LEVEL, SEG_ANSI_RESET, SEG_ANSI_BOLD, SEG_ANSI_FAINT,
};

struct seg {
	enum seg_kind kind;
	const char *text;  /* SEG_TEXT: points into the format string */
	int len;           /* SEG_TEXT length */
	int width;         /* field width, negative = left-aligned */
};

static struct {
	struct seg seg[LOG_SEG_MAX];
	int nseg;
	bool color;
	char datefmt[64];
	char name[64];
	char host[256];
	char app_id[24];
	struct timeval start;
	char *format;  /* owned copy the TEXT segments point into */
} L = {.nseg = 0, .datefmt = "%Y-%m-%d %H:%M:%S", .name = "hypershell"};

static const char *style_formats[] = {
	[HS_STYLE_DEFAULT] = "%(ansi_bold)s%(ansi_level)s%(levelname)8s%(ansi_reset)s "
	    "%(ansi_faint)s[%(name)s]%(ansi_reset)s %(message)s",
	[HS_STYLE_DETAILED] = "%(ansi_faint)s%(asctime)s.%(msecs)03d %(hostname)s "
	    "%(ansi_reset)s%(ansi_level)s%(ansi_bold)s%(levelname)8s%(ansi_reset)s "
	    "%(ansi_faint)s[%(name)s]%(ansi_reset)s %(message)s",
	[HS_STYLE_DETAILED_COMPACT] = "%(ansi_faint)s%(elapsed_hms)s [%(hostname_short)s] "
	    "%(ansi_reset)s%(ansi_level)s%(ansi_bold)s%(levelname)8s%(ansi_reset)s "
	    "%(ansi_faint)s[%(relative_name)s]%(ansi_reset)s %(message)s",
	[HS_STYLE_SYSTEM] = "%(asctime)s.%(msecs)03d %(hostname)s %(levelname)8s "
	    "[%(app_id)s] [%(name)s] %(message)s",
	[HS_STYLE_SHORT] = "[%(ansi_level)s%(levelname)s%(ansi_reset)s] %(message)s",
};

static const char *style_names[] = {
	"default", "detailed", "detailed-compact", "system", "short",
};

static const struct {
	const char *name;
	int level;
	const char *ansi;
} levels[] = {
	{"TRACE", HS_TRACE, "\033[36m"},
	{"DEBUG", HS_DEBUG, "\033[34m"},
	{"INFO", HS_INFO, "\033[32m"},
	{"WARNING", HS_WARNING, "\033[33m"},
	{"ERROR", HS_ERROR, "\033[31m"},
	{"CRITICAL", HS_CRITICAL, "\033[35m"},
};

static const struct {
	const char *name;
	enum seg_kind kind;
} fields[] = {
	{"name", SEG_NAME}, {"levelname", SEG_LEVEL}, {"message", SEG_MESSAGE},
	{"asctime", SEG_ASCTIME}, {"msecs", SEG_MSECS}, {"hostname", SEG_HOST},
	{"hostname_short", SEG_HOST_SHORT}, {"app_id", SEG_APP_ID},
	{"elapsed", SEG_ELAPSED}, {"elapsed_hms", SEG_ELAPSED_HMS},
	{"relative_name", SEG_RELNAME},
	{"ansi_level", SEG_ANSI_LEVEL}, {"ansi_reset", SEG_ANSI_RESET},
	{"ansi_bold", SEG_ANSI_BOLD}, {"ansi_faint", SEG_ANSI_FAINT},
};

int
hs_log_level_parse(const char *s)
{
	char *end;
	long n;

	for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
		if (strcasecmp(s, levels[i].name) == 0)
			return levels[i].level;
	if (strcasecmp(s, "warn") == 0)
		return HS_WARNING;
	n = strtol(s, &end, 10);
	if (*s != '\0' && *end == '\0' && n >= 0 && n <= 100)
		return (int)n;
	return -1;
}

int
hs_log_style_parse(const char *s)
{
	for (size_t i = 0; i < sizeof style_names / sizeof style_names[0]; i++)
		if (strcasecmp(s, style_names[i]) == 0)
			return (int)i;
	return -1;
}

static size_t
level_index(int level)
{
	size_t i, n = sizeof levels / sizeof levels[0];

	for (i = 0; i + 1 < n; i++)
		if (level < levels[i + 1].level)
			break;
	return i;
}

const char *
hs_log_level_name(int level)
{
	return levels[level_index(level)].name;
}

static bool
want_color(int color)
{
	const char *v;

	if (color == 0 || color == 1)
		return color == 1;
	if ((v = getenv("NO_COLOR")) != NULL && *v != '\0')
		return false;
	if ((v = getenv("FORCE_COLOR")) != NULL && *v != '\0')
		return true;
	return isatty(STDERR_FILENO) == 1;
}

/* Parse "%(field)[-]Ns" (or d) at p; return chars consumed or 0. */
static int
parse_field(const char *p, struct seg *s)
{
	const char *q = p + 2, *close = strchr(q, ')');
	char *end;
	long w = 0;

	if (p[1] != '(' || close == NULL)
		return 0;
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if (strlen(fields[i].name) != (size_t)(close - q) ||
		    strncmp(fields[i].name, q, (size_t)(close - q)) != 0)
			continue;
		s->kind = fields[i].kind;
		q = close + 1;
		if (*q == '-' || *q == '0' || isdigit((unsigned char)*q))
			w = strtol(q, &end, 10), q = end;
		if (*q != 's' && *q != 'd')
			return 0;
		s->width = (int)w;
		return (int)(q + 1 - p);
	}
	return 0;
}

static hs_err
compile(const char *fmt)
{
	char *copy = strdup(fmt), *p;
	struct seg *s;
	int n;

	if (copy == NULL)
		return HS_ENOMEM;
	free(L.format);
	L.format = copy;
	L.nseg = 0;
	for (p = copy; *p != '\0' && L.nseg < LOG_SEG_MAX;) {
		s = &L.seg[L.nseg++];
		if (*p == '%' && (n = parse_field(p, s)) > 0) {
			p += n;
			continue;
		}
		s->kind = SEG_TEXT;
		s->text = p;
		s->width = 0;
		p++;
		while (*p != '\0' && *p != '%')
			p++;
		s->len = (int)(p - s->text);
	}
	return *p == '\0' ? HS_OK : hs_fail(HS_ECONFIG, "logging format too long");
}

hs_err
hs_log_setup(int level, int style, int color, const char *datefmt,
             const char *format)
{
	if (level >= 0)
		hs_log_threshold = level;
	if (style < 0 || style > HS_STYLE_SHORT)
		style = HS_STYLE_DEFAULT;
	L.color = want_color(color);
	if (datefmt != NULL)
		snprintf(L.datefmt, sizeof L.datefmt, "%s", datefmt);
	if (L.host[0] == '\0') {
		gethostname(L.host, sizeof L.host - 1);
		snprintf(L.app_id, sizeof L.app_id, "%ld", (long)getpid());
		gettimeofday(&L.start, NULL);
	}
	return compile(format != NULL && *format != '\0' ? format
	                                                 : style_formats[style]);
}

void
hs_log_set_name(const char *name)
{
	snprintf(L.name, sizeof L.name, "%s", name);
}

struct line {
	char buf[LOG_LINE_MAX];
	size_t len;
};

static void
put(struct line *ln, const char *s, int width)
{
	size_t n = strlen(s), pad = 0, room = sizeof ln->buf - 1 - ln->len;
	size_t w = (size_t)(width < 0 ? -width : width);

	if (w > n)
		pad = w - n;
	if (width > 0)
		for (; pad > 0 && room > 0; pad--, room--)
			ln->buf[ln->len++] = ' ';
	if (n > room)
		n = room;
	memcpy(ln->buf + ln->len, s, n);
	ln->len += n;
	room -= n;
	for (; pad > 0 && room > 0; pad--, room--)
		ln->buf[ln->len++] = ' ';
}

static void
put_seg(struct line *ln, const struct seg *s, int level, const char *msg,
        const struct timeval *now)
{
	char tmp[128];
	struct tm tm;
	const char *v = "";
	long el;

	switch (s->kind) {
	case SEG_TEXT:
		snprintf(tmp, sizeof tmp, "%.*s", s->len, s->text);
		v = tmp;
		break;
	case SEG_NAME: v = L.name; break;
	case SEG_RELNAME: v = strchr(L.name, '.') ? strchr(L.name, '.') + 1 : L.name; break;
	case SEG_LEVEL: v = hs_log_level_name(level); break;
	case SEG_MESSAGE: v = msg; break;
	case SEG_ASCTIME:
		localtime_r(&now->tv_sec, &tm);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		/* logging.datefmt is the user's strftime format, by design */
		if (strftime(tmp, sizeof tmp, L.datefmt, &tm) == 0)
			tmp[0] = '\0';
#pragma GCC diagnostic pop
		v = tmp;
		break;
	case SEG_MSECS:
		snprintf(tmp, sizeof tmp, "%03ld", (long)now->tv_usec / 1000);
		v = tmp;
		break;
	case SEG_HOST: v = L.host; break;
	case SEG_HOST_SHORT:
		snprintf(tmp, sizeof tmp, "%.*s", (int)strcspn(L.host, "."), L.host);
		v = tmp;
		break;
	case SEG_APP_ID: v = L.app_id; break;
	case SEG_ELAPSED:
		el = (now->tv_sec - L.start.tv_sec) * 1000 +
		     (now->tv_usec - L.start.tv_usec) / 1000;
		snprintf(tmp, sizeof tmp, "%ld.%03ld", el / 1000, el % 1000);
		v = tmp;
		break;
	case SEG_ELAPSED_HMS:
		el = (now->tv_sec - L.start.tv_sec) * 1000 +
		     (now->tv_usec - L.start.tv_usec) / 1000;
		snprintf(tmp, sizeof tmp, "%02ld-%02ld:%02ld:%02ld.%03ld", el / 86400000,
		         el / 3600000 % 24, el / 60000 % 60, el / 1000 % 60, el % 1000);
		v = tmp;
		break;
	case SEG_ANSI_LEVEL: v = L.color ? levels[level_index(level)].ansi : ""; break;
	case SEG_ANSI_RESET: v = L.color ? "\033[0m" : ""; break;
	case SEG_ANSI_BOLD: v = L.color ? "\033[1m" : ""; break;
	case SEG_ANSI_FAINT: v = L.color ? "\033[2m" : ""; break;
	}
	put(ln, v, s->kind == SEG_MSECS ? 0 : s->width);
}

/* Replace control characters in place so that one call is one line and
 * no caller can inject terminal escapes or fake log lines. */
static void
escape_controls(char *msg, size_t size)
{
	char out[LOG_LINE_MAX / 2];
	size_t o = 0;
	unsigned char c;

	for (const char *p = msg; *p != '\0' && o + 5 < sizeof out; p++) {
		c = (unsigned char)*p;
		if (c >= 0x20 && c != 0x7f) {
			out[o++] = (char)c;
		} else if (c == '\n' || c == '\r' || c == '\t') {
			out[o++] = '\\';
			out[o++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
		} else {
			o += (size_t)snprintf(out + o, sizeof out - o, "\\x%02x", c);
		}
	}
	out[o] = '\0';
	memcpy(msg, out, o + 1 < size ? o + 1 : size);
	msg[size - 1] = '\0';
}

void
hs_log_emit(int level, const char *fmt, ...)
{
	struct line ln;
	char msg[LOG_LINE_MAX / 2];
	struct timeval now;
	va_list ap;
	ssize_t w;

	if (L.nseg == 0 && hs_log_setup(-1, HS_STYLE_DEFAULT, -1, NULL, NULL) != HS_OK)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	escape_controls(msg, sizeof msg);
	gettimeofday(&now, NULL);
	ln.len = 0;
	for (int i = 0; i < L.nseg; i++)
		put_seg(&ln, &L.seg[i], level, msg, &now);
	ln.buf[ln.len++] = '\n';
	do
		w = write(STDERR_FILENO, ln.buf, ln.len);
	while (w < 0 && errno == EINTR);
}
