/*
 * portalloc.c - the node port bitmap: bit i stands for port lo + i.
 */
#include "controllers/portalloc.h"

#include <errno.h>
#include <stdlib.h>

#include "lib/bitmap.h"

struct portalloc {
	int lo, hi;
	bitmap bm;
	size_t band;
	uint64_t rng;
};

/* Kubernetes' calculateRangeOffset for ports: min(max(16, size/32), 128). */
static size_t portalloc_band(int size)
{
	int off;

	if (size <= 16)
		return 0;
	off = size / 32;
	if (off < 16)
		off = 16;
	if (off > 128)
		off = 128;
	return (size_t)off;
}

portalloc *portalloc_new(int lo, int hi)
{
	portalloc *p;

	if (lo < 1 || hi > 65535 || lo > hi) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	if (bitmap_init(&p->bm, (size_t)(hi - lo + 1)) < 0) {
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	p->lo = lo;
	p->hi = hi;
	p->band = portalloc_band(hi - lo + 1);
	p->rng = bitmap_rand_seed();
	return p;
}

void portalloc_free(portalloc *p)
{
	if (!p)
		return;
	bitmap_fini(&p->bm);
	free(p);
}

static int portalloc_in(const portalloc *p, int port)
{
	return port >= p->lo && port <= p->hi;
}

int portalloc_allocate(portalloc *p, int port)
{
	if (!portalloc_in(p, port))
		return -ERANGE;
	return bitmap_set(&p->bm, (size_t)(port - p->lo)) ? 0 : -EEXIST;
}

int portalloc_allocate_next(portalloc *p, int *port)
{
	uint64_t r1 = bitmap_rand(&p->rng), r2 = bitmap_rand(&p->rng);
	int64_t i = bitmap_pick_banded(&p->bm, p->band, r1, r2);

	if (i < 0)
		return -ENOSPC;
	bitmap_set(&p->bm, (size_t)i);
	*port = p->lo + (int)i;
	return 0;
}

int portalloc_release(portalloc *p, int port)
{
	if (portalloc_in(p, port))
		bitmap_clear(&p->bm, (size_t)(port - p->lo));
	return 0;
}

int portalloc_has(const portalloc *p, int port)
{
	return portalloc_in(p, port) && bitmap_test(&p->bm, (size_t)(port - p->lo));
}

int portalloc_used(const portalloc *p)
{
	return (int)p->bm.count;
}

int portalloc_free_count(const portalloc *p)
{
	return (int)(p->bm.nbits - p->bm.count);
}

int portalloc_static_size(const portalloc *p)
{
	return (int)p->band;
}

void portalloc_range(const portalloc *p, int *lo, int *hi)
{
	*lo = p->lo;
	*hi = p->hi;
}

void portalloc_seed(portalloc *p, uint64_t seed)
{
	p->rng = seed;
}
