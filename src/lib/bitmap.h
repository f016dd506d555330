/*
 * bitmap.h - a fixed-size bit set with word-at-a-time scans, and the
 * Kubernetes "banded random scan" built on it.
 *
 * The cluster IP, node port and pod CIDR allocators keep one bit per item.
 * Finding a free item scans 64 bits per step (a /16 service range is 1024
 * words), so allocating stays cheap however full the range is.
 */
#ifndef SVCNET_BITMAP_H
#define SVCNET_BITMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct bitmap {
	uint64_t *w;
	size_t nbits;
	size_t count; /* bits set */
} bitmap;

/* All bits clear. 0 or -ENOMEM; nbits may be 0. */
int bitmap_init(bitmap *b, size_t nbits);
/* Frees the words; safe on a zeroed or already finished bitmap. */
void bitmap_fini(bitmap *b);
/* Index checks are the caller's: i must be < nbits. */
int bitmap_test(const bitmap *b, size_t i);
/* 1 if the bit was clear and is now set, 0 if it was already set. */
int bitmap_set(bitmap *b, size_t i);
/* 1 if the bit was set and is now clear, 0 if it was already clear. */
int bitmap_clear(bitmap *b, size_t i);
/* Lowest clear bit in [from, to), or -1. */
int64_t bitmap_find_zero(const bitmap *b, size_t from, size_t to);
/* First clear bit at or after start in [lo, hi), wrapping to lo; -1 if none. */
int64_t bitmap_find_zero_wrap(const bitmap *b, size_t lo, size_t hi, size_t start);

/*
 * The allocation order of Kubernetes' randomScanStrategyWithOffset: bits
 * [0, band) are the static band kept for explicit requests; pick a clear bit
 * in [band, nbits) scanning from a random start, and only when that is full
 * one in [0, band), again from a random start. r1 and r2 are random values
 * for the two starts. Returns the bit (not set) or -1 when all are set.
 */
int64_t bitmap_pick_banded(const bitmap *b, size_t band, uint64_t r1, uint64_t r2);

/* splitmix64 step: the allocators' small seedable generator. */
uint64_t bitmap_rand(uint64_t *state);
/* A seed from getrandom(), or the clock if that fails. */
uint64_t bitmap_rand_seed(void);

#endif
