/*
 * bitmap.c - bit set scans and the banded random pick.
 */
#include "lib/bitmap.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

int bitmap_init(bitmap *b, size_t nbits)
{
	size_t nwords = (nbits + 63) / 64;

	b->w = NULL;
	b->nbits = nbits;
	b->count = 0;
	if (nwords) {
		b->w = calloc(nwords, sizeof(uint64_t));
		if (!b->w)
			return -ENOMEM;
	}
	return 0;
}

void bitmap_fini(bitmap *b)
{
	free(b->w);
	b->w = NULL;
	b->nbits = 0;
	b->count = 0;
}

int bitmap_test(const bitmap *b, size_t i)
{
	return (int)((b->w[i / 64] >> (i % 64)) & 1);
}

int bitmap_set(bitmap *b, size_t i)
{
	uint64_t m = (uint64_t)1 << (i % 64);

	if (b->w[i / 64] & m)
		return 0;
	b->w[i / 64] |= m;
	b->count++;
	return 1;
}

int bitmap_clear(bitmap *b, size_t i)
{
	uint64_t m = (uint64_t)1 << (i % 64);

	if (!(b->w[i / 64] & m))
		return 0;
	b->w[i / 64] &= ~m;
	b->count--;
	return 1;
}

int64_t bitmap_find_zero(const bitmap *b, size_t from, size_t to)
{
	if (to > b->nbits)
		to = b->nbits;
	if (from >= to)
		return -1;
	for (size_t wi = from / 64; wi * 64 < to; wi++) {
		uint64_t free_bits = ~b->w[wi];
		size_t bit;

		/* Ignore bits below from in the first word. */
		if (wi == from / 64)
			free_bits &= ~(uint64_t)0 << (from % 64);
		if (!free_bits)
			continue;
		bit = wi * 64 + (size_t)__builtin_ctzll(free_bits);
		return bit < to ? (int64_t)bit : -1;
	}
	return -1;
}

int64_t bitmap_find_zero_wrap(const bitmap *b, size_t lo, size_t hi, size_t start)
{
	int64_t r;

	if (start < lo || start >= hi)
		start = lo;
	r = bitmap_find_zero(b, start, hi);
	if (r < 0 && start > lo)
		r = bitmap_find_zero(b, lo, start);
	return r;
}

int64_t bitmap_pick_banded(const bitmap *b, size_t band, uint64_t r1, uint64_t r2)
{
	int64_t r = -1;

	if (b->count >= b->nbits)
		return -1;
	if (band > b->nbits)
		band = b->nbits;
	if (band < b->nbits)
		r = bitmap_find_zero_wrap(b, band, b->nbits,
		                          band + (size_t)(r1 % (b->nbits - band)));
	if (r < 0 && band > 0)
		r = bitmap_find_zero_wrap(b, 0, band, (size_t)(r2 % band));
	return r;
}

uint64_t bitmap_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t bitmap_rand_seed(void)
{
	uint64_t seed;
	struct timespec ts;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed))
		return seed;
	/* Only the scan start depends on it; a weak seed costs nothing but spread. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid();
}
