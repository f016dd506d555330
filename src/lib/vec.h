/*
 * vec.h - room in a malloc'd array of any element type, growing by doubling
 * (the pattern many modules wrote out by hand).
 */
#ifndef SVCNET_LIB_VEC_H
#define SVCNET_LIB_VEC_H

#include <stddef.h>

/* The array v (len elements of size, room for *cap) with room for n >= 1
 * more: v itself when it has room, else a larger copy (realloc, *cap
 * updated). NULL when out of memory; v is then still valid and unchanged. */
void *vec_grow(void *v, size_t *cap, size_t len, size_t n, size_t size);

#endif
