/*
 * buf.h - a growable byte buffer with a read offset.
 *
 * Data lives in [data+off, data+len). Appends grow the allocation; consume()
 * advances off and compacts lazily, so a connection's input buffer can be
 * parsed in place and trimmed without memmove on every request.
 * Every function that allocates returns 0 or -ENOMEM and leaves the buffer
 * intact on failure: hostile input may reach these, so nothing aborts.
 */
#ifndef SVCNET_BUF_H
#define SVCNET_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
	char *data;
	size_t len; /* end of valid data */
	size_t off; /* start of unread data */
	size_t cap;
} buf;

#define BUF_INIT                                                                                   \
	{                                                                                          \
		NULL, 0, 0, 0                                                                      \
	}

void buf_init(buf *b);
void buf_free(buf *b);
/* Empties the buffer, keeping its allocation. */
void buf_reset(buf *b);
/* Makes room for n more bytes after len. */
int buf_reserve(buf *b, size_t n);
int buf_append(buf *b, const void *p, size_t n);
int buf_puts(buf *b, const char *s);
int buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Drops n bytes from the front. */
void buf_consume(buf *b, size_t n);
/* Unread bytes. */
static inline size_t buf_avail(const buf *b)
{
	return b->len - b->off;
}
static inline char *buf_head(const buf *b)
{
	/* NULL + 0 is undefined behaviour in C; an empty buffer has no data. */
	return b->data ? b->data + b->off : NULL;
}
/* NUL-terminates (not counted in len) so the contents can be used as a C string. */
int buf_cstr(buf *b);
/* Hands the allocation to the caller (NUL-terminated); the buffer becomes empty. */
char *buf_steal(buf *b, size_t *len);

#endif
