/* proc.h: run a short helper command and capture its output.
 *
 * Used for config `_eval` keys and `{% cmd %}` templates: the command text
 * goes to /bin/sh -c as one argument, exactly as written (nothing of ours
 * re-interprets it), stdin is /dev/null, stdout is captured up to the
 * buffer's maximum, stderr is inherited, and a deadline kills the process
 * group.
 */
#ifndef HS_PROC_H
#define HS_PROC_H

#include "buf.h"
#include "err.h"

/* Run cmd; append stdout to out. *status gets the exit status (128+N when
 * killed by signal N). Returns HS_ECHILD on spawn failure or timeout,
 * HS_ELIMIT when the output passes out->max (the process is killed). */
hs_err hs_run_capture(const char *cmd, int timeout_ms, struct hs_buf *out,
                      int *status);

/* Strip leading and trailing ASCII whitespace from b in place. */
void hs_buf_strip(struct hs_buf *b);

#endif
