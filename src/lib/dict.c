/* dict.c - chained string hash table. */
#include "lib/dict.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct dict_entry {
	struct dict_entry *next;
	uint64_t hash;
	void *val;
	char key[];
};

struct dict {
	struct dict_entry **b;
	size_t nb; /* power of two */
	size_t n;
};

/* FNV-1a: keys are short paths; quality is ample and it is branch-free. */
static uint64_t dict_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

dict *dict_new(void)
{
	dict *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->nb = 64;
	d->b = calloc(d->nb, sizeof(*d->b));
	if (!d->b) {
		free(d);
		return NULL;
	}
	return d;
}

void dict_free(dict *d, void (*free_val)(void *))
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nb; i++) {
		struct dict_entry *e = d->b[i];

		while (e) {
			struct dict_entry *nx = e->next;

			if (free_val)
				free_val(e->val);
			free(e);
			e = nx;
		}
	}
	free(d->b);
	free(d);
}

static struct dict_entry *dict_find(const dict *d, const char *key, uint64_t h)
{
	for (struct dict_entry *e = d->b[h & (d->nb - 1)]; e; e = e->next)
		if (e->hash == h && !strcmp(e->key, key))
			return e;
	return NULL;
}

void *dict_get(const dict *d, const char *key)
{
	struct dict_entry *e = dict_find(d, key, dict_hash(key));

	return e ? e->val : NULL;
}

static void dict_grow(dict *d)
{
	size_t nnb = d->nb * 2;
	struct dict_entry **nb = calloc(nnb, sizeof(*nb));

	if (!nb)
		return; /* keep working with longer chains */
	for (size_t i = 0; i < d->nb; i++) {
		struct dict_entry *e = d->b[i];

		while (e) {
			struct dict_entry *nx = e->next;
			size_t j = e->hash & (nnb - 1);

			e->next = nb[j];
			nb[j] = e;
			e = nx;
		}
	}
	free(d->b);
	d->b = nb;
	d->nb = nnb;
}

int dict_set(dict *d, const char *key, void *val, void **old)
{
	uint64_t h = dict_hash(key);
	struct dict_entry *e = dict_find(d, key, h);
	size_t kl;

	if (old)
		*old = NULL;
	if (e) {
		if (old)
			*old = e->val;
		e->val = val;
		return 0;
	}
	kl = strlen(key);
	e = malloc(sizeof(*e) + kl + 1);
	if (!e)
		return -ENOMEM;
	memcpy(e->key, key, kl + 1);
	e->hash = h;
	e->val = val;
	e->next = d->b[h & (d->nb - 1)];
	d->b[h & (d->nb - 1)] = e;
	if (++d->n > d->nb)
		dict_grow(d);
	return 0;
}

void *dict_del(dict *d, const char *key)
{
	uint64_t h = dict_hash(key);
	struct dict_entry **pp = &d->b[h & (d->nb - 1)];

	for (; *pp; pp = &(*pp)->next) {
		struct dict_entry *e = *pp;

		if (e->hash == h && !strcmp(e->key, key)) {
			void *v = e->val;

			*pp = e->next;
			free(e);
			d->n--;
			return v;
		}
	}
	return NULL;
}

size_t dict_size(const dict *d)
{
	return d->n;
}

void dict_iter_init(dict_iter *it, const dict *d)
{
	it->d = d;
	it->bucket = 0;
	it->entry = NULL;
}

int dict_next(dict_iter *it, const char **key, void **val)
{
	struct dict_entry *e = it->entry;

	if (e)
		e = e->next;
	while (!e && it->bucket < it->d->nb)
		e = it->d->b[it->bucket++];
	it->entry = e;
	if (!e)
		return 0;
	if (key)
		*key = e->key;
	if (val)
		*val = e->val;
	return 1;
}
