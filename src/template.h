/* template.h: the task command template language (docs/templates.md).
 *
 * Pure: expansion does no I/O of its own. The one form that needs the
 * outside world, {% shell cmd %}, calls back into the caller (ctx->shell);
 * with no callback it is a template error. The expander is used at submit
 * time (hs submit --template) and by the client for each task.
 *
 * Forms: {} {.} {..} {/} {/-} {-} {+} {++} {[i]} {[a:b]} {[a:b:s]}
 *        {% cmd %} {= expr =} and {name} for each variable in ctx->vars.
 * Any other brace text is copied unchanged (so awk '{print $1}' and
 * ${HOME} survive). Substituted text is never re-scanned.
 */
#ifndef HS_TEMPLATE_H
#define HS_TEMPLATE_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

#define TMPL_ERR_MAX 200
#define TMPL_MAX_LEN 65536          /* longest template accepted, in bytes */
#define TMPL_CMD_MAX (1024 * 1024)  /* longest {% %} command after @ */

struct tmpl_var {
	const char *name;   /* [A-Za-z_][A-Za-z0-9_]* */
	const char *value;
};

/* Runs cmd with /bin/sh -c, appends its stdout to out. Returns HS_OK or an
 * error with a message in err. */
typedef hs_err (*tmpl_shell_fn)(void *arg, const char *cmd, struct hs_buf *out,
                                char *err, size_t errlen);

struct tmpl_ctx {
	const char *args;              /* the task's argument line (NUL-terminated) */
	const struct tmpl_var *vars;   /* may be NULL */
	size_t nvars;
	tmpl_shell_fn shell;           /* may be NULL: {% %} is then an error */
	void *shell_arg;
};

/* Expand tmpl into out (appending). On error returns HS_ETEMPLATE (or
 * HS_ELIMIT when out's maximum is reached, HS_ENOMEM) with a one-line
 * message in err, and out may hold a partial result. */
hs_err tmpl_expand(const char *tmpl, const struct tmpl_ctx *ctx,
                   struct hs_buf *out, char *err, size_t errlen);

/* Check a template's syntax without expanding it (unbalanced {% %}, {= =},
 * malformed slices, bad expressions). */
hs_err tmpl_check(const char *tmpl, char *err, size_t errlen);

#endif
