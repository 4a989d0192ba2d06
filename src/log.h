/* log.h: levelled logging to stderr.
 *
 * The level is checked before anything is formatted (the macros below), so
 * a disabled trace line costs one comparison. One write(2) per line, so
 * lines from concurrent processes do not interleave. Never pass a secret.
 */
#ifndef HS_LOG_H
#define HS_LOG_H

#include <stdbool.h>

#include "err.h"

enum hs_level {
	HS_TRACE = 5,
	HS_DEBUG = 10,
	HS_INFO = 20,
	HS_WARNING = 30,
	HS_ERROR = 40,
	HS_CRITICAL = 50,
};

enum hs_log_style {
	HS_STYLE_DEFAULT,
	HS_STYLE_DETAILED,
	HS_STYLE_DETAILED_COMPACT,
	HS_STYLE_SYSTEM,
	HS_STYLE_SHORT,
};

/* Current threshold; lines below it are not formatted. */
extern int hs_log_threshold;

/* Parse "trace".."critical" (any case) or a number. -1 if invalid. */
int hs_log_level_parse(const char *s);
/* Parse a style name. -1 if invalid. */
int hs_log_style_parse(const char *s);
const char *hs_log_level_name(int level);

/* Configure the logger. color: 1 on, 0 off, -1 decide from the terminal and
 * NO_COLOR/FORCE_COLOR. format may be NULL (use the style); it accepts
 * Python-logging fields %(name)s, %(levelname)s, %(message)s, %(asctime)s,
 * %(msecs)03d, %(hostname)s, %(hostname_short)s, %(app_id)s, %(elapsed)s,
 * %(relative_name)s with optional width ("%(levelname)8s"). */
hs_err hs_log_setup(int level, int style, int color, const char *datefmt,
                    const char *format);
/* Logger name shown in brackets, e.g. "hypershell.submit". */
void hs_log_set_name(const char *name);

void hs_log_emit(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define hs_log(lvl, ...) do { \
	if ((lvl) >= hs_log_threshold) hs_log_emit((lvl), __VA_ARGS__); \
} while (0)
#define log_trace(...)    hs_log(HS_TRACE, __VA_ARGS__)
#define log_debug(...)    hs_log(HS_DEBUG, __VA_ARGS__)
#define log_info(...)     hs_log(HS_INFO, __VA_ARGS__)
#define log_warning(...)  hs_log(HS_WARNING, __VA_ARGS__)
#define log_error(...)    hs_log(HS_ERROR, __VA_ARGS__)
#define log_critical(...) hs_log(HS_CRITICAL, __VA_ARGS__)

#endif
