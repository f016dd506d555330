/*
 * ipalloc.c - the service CIDR bitmap: bit i stands for network + 1 + i.
 */
#include "controllers/ipalloc.h"

#include <errno.h>
#include <stdlib.h>

#include "lib/bitmap.h"

/* kube-apiserver's maxCIDRBits: the widest service range it accepts. */
#define IPALLOC_MAX_HOST_BITS 20
/* Kubernetes' IPv6 bitmap cap. */
#define IPALLOC_V6_MAX 65536

struct ipalloc {
	net_cidr cidr;
	net_addr base; /* network + 1: bit 0 */
	bitmap bm;
	size_t band;
	uint64_t rng;
};

/* Kubernetes' calculateRangeOffset: min(max(16, size/16), 256), 0 for tiny
 * ranges, computed from the whole CIDR's size. */
static size_t ipalloc_band(uint64_t cidr_size)
{
	uint64_t off;

	if (cidr_size <= 16)
		return 0;
	off = cidr_size / 16;
	if (off < 16)
		off = 16;
	if (off > 256)
		off = 256;
	return (size_t)off;
}

ipalloc *ipalloc_new(const net_cidr *cidr)
{
	ipalloc *a;
	net_cidr c;
	int bits;
	uint64_t size, max;

	if (!cidr || net_cidr_make(&c, &cidr->addr, cidr->prefix) < 0) {
		errno = EINVAL;
		return NULL;
	}
	bits = net_family_bits(c.addr.family);
	if (bits - c.prefix > IPALLOC_MAX_HOST_BITS) {
		errno = E2BIG;
		return NULL;
	}
	size = net_cidr_size(&c);
	max = size;
	if (c.addr.family == AF_INET6 && max > IPALLOC_V6_MAX)
		max = IPALLOC_V6_MAX;
	/* Never hand out the network address, nor the IPv4 broadcast; they are
	 * outside the bitmap rather than pre-allocated so no release frees them. */
	if (c.addr.family == AF_INET)
		max = max >= 2 ? max - 2 : 0;
	else
		max = max - 1;

	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	if (bitmap_init(&a->bm, (size_t)max) < 0) {
		free(a);
		errno = ENOMEM;
		return NULL;
	}
	a->cidr = c;
	a->band = ipalloc_band(size);
	if (a->band > max)
		a->band = (size_t)max;
	/* With max 0 (a /31, /32 or /128) base is unused; keep it valid. */
	if (net_addr_add(&c.addr, 1, &a->base) < 0)
		a->base = c.addr;
	a->rng = bitmap_rand_seed();
	return a;
}

void ipalloc_free(ipalloc *a)
{
	if (!a)
		return;
	bitmap_fini(&a->bm);
	free(a);
}

/* Bit index of ip, or -ERANGE when ip is not a usable address. */
static int64_t ipalloc_index(const ipalloc *a, const net_addr *ip)
{
	uint64_t off;

	if (!ip || net_addr_offset(&a->cidr, ip, &off) < 0)
		return -ERANGE;
	if (off == 0 || off - 1 >= a->bm.nbits)
		return -ERANGE;
	return (int64_t)(off - 1);
}

int ipalloc_allocate(ipalloc *a, const net_addr *ip)
{
	int64_t i = ipalloc_index(a, ip);

	if (i < 0)
		return (int)i;
	return bitmap_set(&a->bm, (size_t)i) ? 0 : -EEXIST;
}

int ipalloc_allocate_next(ipalloc *a, net_addr *out)
{
	uint64_t r1 = bitmap_rand(&a->rng), r2 = bitmap_rand(&a->rng);
	int64_t i = bitmap_pick_banded(&a->bm, a->band, r1, r2);

	if (i < 0)
		return -ENOSPC;
	bitmap_set(&a->bm, (size_t)i);
	return net_addr_add(&a->base, (uint64_t)i, out);
}

int ipalloc_release(ipalloc *a, const net_addr *ip)
{
	int64_t i = ipalloc_index(a, ip);

	if (i >= 0)
		bitmap_clear(&a->bm, (size_t)i);
	return 0;
}

int ipalloc_has(const ipalloc *a, const net_addr *ip)
{
	int64_t i = ipalloc_index(a, ip);

	return i >= 0 && bitmap_test(&a->bm, (size_t)i);
}

uint64_t ipalloc_used(const ipalloc *a)
{
	return a->bm.count;
}

uint64_t ipalloc_free_count(const ipalloc *a)
{
	return a->bm.nbits - a->bm.count;
}

uint64_t ipalloc_size(const ipalloc *a)
{
	return a->bm.nbits;
}

uint64_t ipalloc_static_size(const ipalloc *a)
{
	return a->band;
}

const net_cidr *ipalloc_cidr(const ipalloc *a)
{
	return &a->cidr;
}

int ipalloc_nth(const ipalloc *a, uint64_t n, net_addr *out)
{
	net_addr r;

	if (net_addr_add(&a->cidr.addr, n, &r) < 0 || !net_cidr_contains(&a->cidr, &r))
		return -ERANGE;
	*out = r;
	return 0;
}

void ipalloc_seed(ipalloc *a, uint64_t seed)
{
	a->rng = seed;
}
