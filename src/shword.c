/* shword.c: /bin/sh quoting. */
#include "shword.h"

#include <string.h>

hs_err
hs_shell_quote(struct hs_buf *b, const char *w)
{
	hs_err e;

	if (*w != '\0' && strpbrk(w, " \t\n\r\v\f'\"\\$`;&|<>()*?[]#~!{}") == NULL)
		return hs_buf_puts(b, w);
	e = hs_buf_putc(b, '\'');
	for (; *w && e == HS_OK; w++)
		e = *w == '\'' ? hs_buf_puts(b, "'\\''") : hs_buf_putc(b, *w);
	return e == HS_OK ? hs_buf_putc(b, '\'') : e;
}
