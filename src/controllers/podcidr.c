/*
 * podcidr.c - bit i of the bitmap stands for subnet i: the cluster network
 * with i written into the address bits [prefix, mask).
 */
#include "controllers/podcidr.h"

#include <errno.h>
#include <stdlib.h>

#include "lib/bitmap.h"

#define PODCIDR_MAX_DIFF 16

struct podcidr {
	net_cidr cluster;
	int mask;
	size_t next; /* round-robin candidate */
	bitmap bm;
};

podcidr *podcidr_new(const net_cidr *cluster, int mask)
{
	podcidr *p;
	net_cidr c;
	int bits;

	if (!cluster || net_cidr_make(&c, &cluster->addr, cluster->prefix) < 0) {
		errno = EINVAL;
		return NULL;
	}
	bits = net_family_bits(c.addr.family);
	if (mask <= 0)
		mask = c.addr.family == AF_INET ? PODCIDR_DEFAULT_MASK_V4 : PODCIDR_DEFAULT_MASK_V6;
	if (mask < c.prefix || mask > bits || mask - c.prefix > PODCIDR_MAX_DIFF) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	if (bitmap_init(&p->bm, (size_t)1 << (mask - c.prefix)) < 0) {
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	p->cluster = c;
	p->mask = mask;
	return p;
}

void podcidr_free(podcidr *p)
{
	if (!p)
		return;
	bitmap_fini(&p->bm);
	free(p);
}

/* Address bit b counted from the most significant (bit 0 = top of a[0]). */
static int podcidr_getbit(const net_addr *a, int b)
{
	return (a->a[b / 8] >> (7 - b % 8)) & 1;
}

static void podcidr_setbit(net_addr *a, int b)
{
	a->a[b / 8] |= (uint8_t)(0x80 >> (b % 8));
}

static int64_t podcidr_index(const podcidr *p, const net_cidr *s)
{
	net_cidr norm;
	size_t idx = 0;

	if (!s || s->addr.family != p->cluster.addr.family)
		return -ERANGE;
	if (s->prefix != p->mask)
		return -EINVAL;
	if (net_cidr_make(&norm, &s->addr, s->prefix) < 0 ||
	    net_addr_cmp(&norm.addr, &s->addr) != 0)
		return -EINVAL;
	if (!net_cidr_contains(&p->cluster, &s->addr))
		return -ERANGE;
	for (int b = p->cluster.prefix; b < p->mask; b++)
		idx = idx << 1 | (size_t)podcidr_getbit(&s->addr, b);
	return (int64_t)idx;
}

static void podcidr_subnet(const podcidr *p, size_t idx, net_cidr *out)
{
	out->addr = p->cluster.addr;
	out->prefix = p->mask;
	for (int b = p->mask - 1; b >= p->cluster.prefix; b--, idx >>= 1)
		if (idx & 1)
			podcidr_setbit(&out->addr, b);
}

int podcidr_allocate(podcidr *p, const net_cidr *subnet)
{
	int64_t i = podcidr_index(p, subnet);

	if (i < 0)
		return (int)i;
	return bitmap_set(&p->bm, (size_t)i) ? 0 : -EEXIST;
}

int podcidr_allocate_next(podcidr *p, net_cidr *out)
{
	int64_t i = bitmap_find_zero_wrap(&p->bm, 0, p->bm.nbits, p->next);

	if (i < 0)
		return -ENOSPC;
	bitmap_set(&p->bm, (size_t)i);
	p->next = ((size_t)i + 1) % p->bm.nbits;
	podcidr_subnet(p, (size_t)i, out);
	return 0;
}

int podcidr_release(podcidr *p, const net_cidr *subnet)
{
	int64_t i = podcidr_index(p, subnet);

	if (i < 0)
		return (int)i;
	bitmap_clear(&p->bm, (size_t)i);
	return 0;
}

int podcidr_has(const podcidr *p, const net_cidr *subnet)
{
	int64_t i = podcidr_index(p, subnet);

	return i >= 0 && bitmap_test(&p->bm, (size_t)i);
}

uint64_t podcidr_used(const podcidr *p)
{
	return p->bm.count;
}

uint64_t podcidr_free_count(const podcidr *p)
{
	return p->bm.nbits - p->bm.count;
}

uint64_t podcidr_size(const podcidr *p)
{
	return p->bm.nbits;
}

int podcidr_mask(const podcidr *p)
{
	return p->mask;
}

const net_cidr *podcidr_cluster(const podcidr *p)
{
	return &p->cluster;
}
