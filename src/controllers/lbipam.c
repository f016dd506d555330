/*
 * lbipam.c - pools as [first, last] with a sorted array of taken addresses.
 */
#include "controllers/lbipam.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct lbipam_pool {
	net_addr first, last;
	uint64_t size;  /* saturating */
	net_addr *used; /* sorted */
	size_t nused, cap;
} lbipam_pool;

struct lbipam {
	lbipam_pool *pools;
	size_t npools, cap;
};

lbipam *lbipam_new(void)
{
	return calloc(1, sizeof(lbipam));
}

void lbipam_free(lbipam *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->npools; i++)
		free(l->pools[i].used);
	free(l->pools);
	free(l);
}

/* Copies s[0..len) without surrounding blanks ("a - b" is common in configs). */
static int lbipam_trimmed(const char *s, size_t len, char *out, size_t outlen)
{
	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len >= outlen)
		return -EINVAL;
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

static int lbipam_parse(const char *spec, net_addr *first, net_addr *last)
{
	char a[NET_CIDR_STRLEN], b[NET_CIDR_STRLEN];
	const char *dash = strchr(spec, '-');
	net_cidr c;

	if (dash) {
		if (lbipam_trimmed(spec, (size_t)(dash - spec), a, sizeof(a)) < 0 ||
		    lbipam_trimmed(dash + 1, strlen(dash + 1), b, sizeof(b)) < 0 ||
		    net_addr_parse(a, first) < 0 || net_addr_parse(b, last) < 0 ||
		    first->family != last->family || net_addr_cmp(first, last) > 0)
			return -EINVAL;
		return 0;
	}
	if (lbipam_trimmed(spec, strlen(spec), a, sizeof(a)) < 0 || net_cidr_parse(a, &c, 1) < 0)
		return -EINVAL;
	*first = c.addr;
	net_cidr_last(&c, last);
	if (c.addr.family == AF_INET && c.prefix <= 30) {
		net_addr_add(first, 1, first);
		net_addr_from_v4(last, net_addr_v4(last) - 1);
	}
	return 0;
}

static int lbipam_pool_has_addr(const lbipam_pool *p, const net_addr *ip)
{
	return ip->family == p->first.family && net_addr_cmp(ip, &p->first) >= 0 &&
	       net_addr_cmp(ip, &p->last) <= 0;
}

int lbipam_add_pool(lbipam *l, const char *spec)
{
	lbipam_pool np;
	uint64_t d;

	if (!l || !spec)
		return -EINVAL;
	memset(&np, 0, sizeof(np));
	if (lbipam_parse(spec, &np.first, &np.last) < 0)
		return -EINVAL;
	np.size =
	    net_addr_diff(&np.first, &np.last, &d) == 0 && d < UINT64_MAX ? d + 1 : UINT64_MAX;
	for (size_t i = 0; i < l->npools; i++) {
		const lbipam_pool *p = &l->pools[i];

		if (p->first.family == np.first.family && net_addr_cmp(&np.first, &p->last) <= 0 &&
		    net_addr_cmp(&p->first, &np.last) <= 0)
			return -EEXIST;
	}
	if (l->npools == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 4;
		lbipam_pool *n = realloc(l->pools, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		l->pools = n;
		l->cap = ncap;
	}
	l->pools[l->npools++] = np;
	return 0;
}

int lbipam_pool_count(const lbipam *l, int family)
{
	int n = 0;

	for (size_t i = 0; i < l->npools; i++)
		if (!family || l->pools[i].first.family == family)
			n++;
	return n;
}

static lbipam_pool *lbipam_find_pool(const lbipam *l, const net_addr *ip)
{
	for (size_t i = 0; i < l->npools; i++)
		if (lbipam_pool_has_addr(&l->pools[i], ip))
			return &l->pools[i];
	return NULL;
}

int lbipam_contains(const lbipam *l, const net_addr *ip)
{
	return ip && lbipam_find_pool(l, ip) != NULL;
}

/* Index of ip in p->used, or of where it would go; *found says which. */
static size_t lbipam_search(const lbipam_pool *p, const net_addr *ip, int *found)
{
	size_t lo = 0, hi = p->nused;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = net_addr_cmp(&p->used[mid], ip);

		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	return lo;
}

static int lbipam_insert(lbipam_pool *p, size_t at, const net_addr *ip)
{
	if (p->nused == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 8;
		net_addr *n = realloc(p->used, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		p->used = n;
		p->cap = ncap;
	}
	memmove(&p->used[at + 1], &p->used[at], (p->nused - at) * sizeof(*p->used));
	p->used[at] = *ip;
	p->nused++;
	return 0;
}

int lbipam_allocate(lbipam *l, const net_addr *ip)
{
	lbipam_pool *p = ip ? lbipam_find_pool(l, ip) : NULL;
	size_t at;
	int found;

	if (!p)
		return -ERANGE;
	at = lbipam_search(p, ip, &found);
	if (found)
		return -EEXIST;
	return lbipam_insert(p, at, ip);
}

int lbipam_allocate_next(lbipam *l, int family, net_addr *out)
{
	if (family != AF_INET && family != AF_INET6)
		return -EINVAL;
	for (size_t i = 0; i < l->npools; i++) {
		lbipam_pool *p = &l->pools[i];
		net_addr cand = p->first;
		size_t at = 0;
		int rc;

		if (p->first.family != family || p->nused >= p->size)
			continue;
		/* The taken addresses sorted: the first gap in the run from `first`
		 * is the lowest free one. Not full, so the gap is <= last and
		 * cand + 1 cannot overflow while it still matches. */
		while (at < p->nused && net_addr_cmp(&p->used[at], &cand) == 0) {
			net_addr_add(&cand, 1, &cand);
			at++;
		}
		rc = lbipam_insert(p, at, &cand);
		if (rc < 0)
			return rc;
		*out = cand;
		return 0;
	}
	return -ENOSPC;
}

int lbipam_release(lbipam *l, const net_addr *ip)
{
	lbipam_pool *p = ip ? lbipam_find_pool(l, ip) : NULL;
	size_t at;
	int found;

	if (!p)
		return 0;
	at = lbipam_search(p, ip, &found);
	if (found) {
		memmove(&p->used[at], &p->used[at + 1], (p->nused - at - 1) * sizeof(*p->used));
		p->nused--;
	}
	return 0;
}

int lbipam_has(const lbipam *l, const net_addr *ip)
{
	const lbipam_pool *p = ip ? lbipam_find_pool(l, ip) : NULL;
	int found = 0;

	if (p)
		lbipam_search(p, ip, &found);
	return found;
}

uint64_t lbipam_used(const lbipam *l)
{
	uint64_t n = 0;

	for (size_t i = 0; i < l->npools; i++)
		n += l->pools[i].nused;
	return n;
}
