/*
 * dict.h - a string-keyed hash table with chaining, growing by doubling.
 *
 * Keys are copied; values are opaque pointers owned by the caller. Iteration
 * order is unspecified (callers that need key order collect and sort).
 */
#ifndef SVCNET_DICT_H
#define SVCNET_DICT_H

#include <stddef.h>

typedef struct dict dict;

typedef struct dict_iter {
	const dict *d;
	size_t bucket;
	void *entry;
} dict_iter;

dict *dict_new(void);
/* Frees the table and its key copies; values are the caller's (use the callback). */
void dict_free(dict *d, void (*free_val)(void *));
void *dict_get(const dict *d, const char *key);
/* Inserts or replaces; returns 0 or -ENOMEM. *old gets a replaced value (may be NULL). */
int dict_set(dict *d, const char *key, void *val, void **old);
/* Removes the key and returns its value, or NULL. */
void *dict_del(dict *d, const char *key);
size_t dict_size(const dict *d);

void dict_iter_init(dict_iter *it, const dict *d);
/* Returns 1 and fills key/val while entries remain. Do not modify d while iterating. */
int dict_next(dict_iter *it, const char **key, void **val);

#endif
