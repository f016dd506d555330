/* buf.c - growable byte buffer. */
#include "lib/buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(buf *b)
{
	memset(b, 0, sizeof(*b));
}

void buf_free(buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void buf_reset(buf *b)
{
	b->len = b->off = 0;
}

int buf_reserve(buf *b, size_t n)
{
	size_t need, ncap;
	char *p;

	/* Reclaim consumed space first: cheaper than growing. */
	if (b->off && b->len + n + 1 > b->cap) {
		memmove(b->data, b->data + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
	}
	if (n > ((size_t)-1) / 2 - b->len)
		return -ENOMEM;
	need = b->len + n + 1; /* +1 keeps room for buf_cstr's NUL */
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap *= 2;
	p = realloc(b->data, ncap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = ncap;
	return 0;
}

int buf_append(buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) < 0)
		return -ENOMEM;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int buf_puts(buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_vprintf(buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return -EINVAL;
	if (buf_reserve(b, (size_t)n) < 0)
		return -ENOMEM;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_printf(buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

void buf_consume(buf *b, size_t n)
{
	if (n >= b->len - b->off) {
		b->len = b->off = 0;
		return;
	}
	b->off += n;
}

int buf_cstr(buf *b)
{
	if (buf_reserve(b, 0) < 0)
		return -ENOMEM;
	b->data[b->len] = '\0';
	return 0;
}

char *buf_steal(buf *b, size_t *len)
{
	char *p;

	if (buf_cstr(b) < 0)
		return NULL;
	if (b->off)
		memmove(b->data, b->data + b->off, b->len - b->off + 1);
	p = b->data;
	if (len)
		*len = b->len - b->off;
	memset(b, 0, sizeof(*b));
	return p;
}
