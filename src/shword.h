/* shword.h: quoting a word for /bin/sh (task commands joined from words,
 * the remote command of hsx --ssh). Pure. */
#ifndef HS_SHWORD_H
#define HS_SHWORD_H

#include "buf.h"

/* Append w, quoted if /bin/sh would otherwise split or expand it:
 * it's -> 'it'\''s'; the empty word -> ''. */
hs_err hs_shell_quote(struct hs_buf *b, const char *w);

#endif
