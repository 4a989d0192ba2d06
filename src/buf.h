/* buf.h: growable byte buffers with a hard maximum size.
 *
 * A buffer is created with the largest size it may ever reach; an append
 * that would pass it fails with HS_ELIMIT and leaves the buffer as it was.
 * The data is always NUL-terminated (the NUL is not counted in len), so
 * text can be used as a C string; binary data may hold NULs.
 */
#ifndef HS_BUF_H
#define HS_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "err.h"

struct hs_buf {
	char *data;  /* owned; NULL until the first append */
	size_t len;  /* bytes held, excluding the trailing NUL */
	size_t cap;  /* bytes allocated */
	size_t max;  /* largest len allowed */
};

#define HS_BUF_INIT(maxlen) {NULL, 0, 0, (maxlen)}

void hs_buf_init(struct hs_buf *b, size_t max);
hs_err hs_buf_append(struct hs_buf *b, const void *p, size_t n);
hs_err hs_buf_puts(struct hs_buf *b, const char *s);
hs_err hs_buf_putc(struct hs_buf *b, char c);
hs_err hs_buf_printf(struct hs_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
hs_err hs_buf_vprintf(struct hs_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Make room for n more bytes without changing len. */
hs_err hs_buf_reserve(struct hs_buf *b, size_t n);
/* The text held, "" when empty. Valid until the next change. */
const char *hs_buf_str(const struct hs_buf *b);
/* Drop the contents, keep the allocation. */
void hs_buf_reset(struct hs_buf *b);
/* Drop len to n (n <= len). */
void hs_buf_truncate(struct hs_buf *b, size_t n);
/* Hand the allocation to the caller (never NULL unless out of memory). */
char *hs_buf_steal(struct hs_buf *b);
void hs_buf_free(struct hs_buf *b);

#endif
