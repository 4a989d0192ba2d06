/* jsonw.h: writing JSON text straight into a buffer.
 *
 * For the messages sent once per task (bundles, results, id lists). jansson
 * still reads every message and writes the rare ones; building its tree
 * only to dump it cost about 10 us per task here, a tenth of the runner's
 * whole CPU budget per task, where writing the text costs well under one.
 * The output is what jansson's json_dumps(JSON_COMPACT) gives for the same
 * values (unit tests compare them byte for byte). Appends that would pass
 * the buffer's maximum fail with HS_ELIMIT; the caller truncates.
 */
#ifndef HS_JSONW_H
#define HS_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* A string: s (len bytes, valid UTF-8, no NUL) quoted and escaped. */
hs_err jsonw_string(struct hs_buf *b, const char *s, size_t len);
/* An object member's key: a comma unless first, then "name":. */
hs_err jsonw_key(struct hs_buf *b, bool first, const char *name);
hs_err jsonw_int(struct hs_buf *b, int64_t v);
/* A finite double, as "%.17g" (so it reads back the same) and always
 * with a '.' or an exponent (so it reads back as a real). */
hs_err jsonw_real(struct hs_buf *b, double d);
hs_err jsonw_bool(struct hs_buf *b, bool v);

#endif
