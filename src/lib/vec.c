/*
 * vec.c - see vec.h.
 */
#include "lib/vec.h"

#include <stdint.h>
#include <stdlib.h>

void *vec_grow(void *v, size_t *cap, size_t len, size_t n, size_t size)
{
	size_t want, c;

	if (n > SIZE_MAX - len || !size)
		return NULL;
	want = len + n;
	if (v && want <= *cap)
		return v;
	c = *cap ? *cap : 8;
	while (c < want)
		c = c > SIZE_MAX / 2 ? want : c * 2;
	if (c > SIZE_MAX / size)
		return NULL;
	v = realloc(v, c * size);
	if (v)
		*cap = c;
	return v;
}
