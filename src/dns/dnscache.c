/*
 * dnscache.c - a hash table with chaining on binary keys plus an LRU list;
 * one allocation per entry (key, offsets and message together).
 */
#include "dns/dnscache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct ce {
	struct ce *hnext;       /* bucket chain */
	struct ce *prev, *next; /* LRU: head is the most recent */
	uint64_t hash;
	uint64_t stored_ms, expire_ms;
	uint16_t klen, len, nttl;
	uint8_t *msg;      /* into data[] */
	uint16_t *ttl_off; /* into data[] */
	uint8_t data[];    /* key, ttl offsets, message */
};

struct dnscache {
	struct ce **b;
	size_t nb, n, max;
	struct ce *head, *tail;
	struct dnscache_stats st;
};

static uint64_t hash_key(const uint8_t *k, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ k[i]) * 1099511628211ull;
	return h;
}

dnscache *dnscache_new(size_t max_entries)
{
	dnscache *c = calloc(1, sizeof(*c));
	size_t nb = 16;

	if (!c)
		return NULL;
	while (nb < max_entries && nb < ((size_t)1 << 30))
		nb <<= 1;
	c->b = calloc(nb, sizeof(*c->b));
	if (!c->b) {
		free(c);
		return NULL;
	}
	c->nb = nb;
	c->max = max_entries ? max_entries : 1;
	return c;
}

void dnscache_free(dnscache *c)
{
	if (!c)
		return;
	for (struct ce *e = c->head, *n; e; e = n) {
		n = e->next;
		free(e);
	}
	free(c->b);
	free(c);
}

size_t dnscache_key(const uint8_t *qname, size_t qlen, uint16_t qtype, uint16_t qclass, bool do_bit,
                    uint8_t key[DNSCACHE_KEY_MAX])
{
	dnsmsg_name_lower(qname, qlen, key);
	dns_put16(key + qlen, qtype);
	dns_put16(key + qlen + 2, qclass);
	key[qlen + 4] = do_bit;
	return qlen + 5;
}

static void lru_unlink(dnscache *c, struct ce *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_front(dnscache *c, struct ce *e)
{
	e->prev = NULL;
	e->next = c->head;
	if (c->head)
		c->head->prev = e;
	c->head = e;
	if (!c->tail)
		c->tail = e;
}

static struct ce **find(dnscache *c, const uint8_t *key, size_t klen, uint64_t h)
{
	struct ce **pp = &c->b[h & (c->nb - 1)];

	for (; *pp; pp = &(*pp)->hnext)
		if ((*pp)->hash == h && (*pp)->klen == klen && !memcmp((*pp)->data, key, klen))
			return pp;
	return pp;
}

static void remove_entry(dnscache *c, struct ce **pp)
{
	struct ce *e = *pp;

	*pp = e->hnext;
	lru_unlink(c, e);
	free(e);
	c->n--;
}

static void evict_one(dnscache *c)
{
	struct ce *e = c->tail;

	if (!e)
		return;
	remove_entry(c, find(c, e->data, e->klen, e->hash));
	c->st.evictions++;
}

/* How long a response may live, in seconds; 0: do not cache. */
static uint32_t lifetime(const struct dns_scan *s)
{
	uint32_t t;

	if (s->rcode == DNS_R_NOERROR && s->count[1] > 0) {
		t = s->min_ttl;
		return t > DNSCACHE_MAX_TTL ? DNSCACHE_MAX_TTL : t;
	}
	if (s->rcode == DNS_R_NXDOMAIN || s->rcode == DNS_R_NOERROR) {
		if (s->neg_ttl == UINT32_MAX)
			return 0; /* RFC 2308 5: no SOA, no negative caching */
		t = s->neg_ttl;
		return t > DNSCACHE_MAX_NEG ? DNSCACHE_MAX_NEG : t;
	}
	return 0;
}

int dnscache_put(dnscache *c, const uint8_t *key, size_t klen, const uint8_t *resp, size_t len,
                 const struct dns_scan *s, uint64_t now_ms)
{
	uint32_t life = lifetime(s);
	uint64_t h = hash_key(key, klen);
	size_t mlen = len, koff;
	struct ce *e, **pp;

	if (!life || s->nttl < 0 || klen > DNSCACHE_KEY_MAX)
		return 0;
	/* Keep the message without OPT: it must be the last record to cut. */
	if (s->opt_off) {
		if (s->opt_end != len)
			return 0;
		mlen = s->opt_off;
	}
	if (mlen > 0xffff)
		return 0;
	koff = (klen + 1) & ~(size_t)1; /* the offsets are 16-bit aligned */
	e = malloc(sizeof(*e) + koff + (size_t)s->nttl * 2 + mlen);
	if (!e)
		return -ENOMEM;
	memcpy(e->data, key, klen);
	e->ttl_off = (uint16_t *)(void *)(e->data + koff);
	memcpy(e->ttl_off, s->ttl_off, (size_t)s->nttl * 2);
	e->msg = e->data + koff + (size_t)s->nttl * 2;
	memcpy(e->msg, resp, mlen);
	if (s->opt_off)
		dns_put16(e->msg + 10, (uint16_t)(dns_get16(e->msg + 10) - 1));
	e->klen = (uint16_t)klen;
	e->len = (uint16_t)mlen;
	e->nttl = (uint16_t)s->nttl;
	e->hash = h;
	e->stored_ms = now_ms;
	e->expire_ms = now_ms + (uint64_t)life * 1000;
	pp = find(c, key, klen, h);
	if (*pp)
		remove_entry(c, pp);
	while (c->n >= c->max)
		evict_one(c);
	pp = find(c, key, klen, h);
	e->hnext = NULL;
	*pp = e;
	lru_front(c, e);
	c->n++;
	c->st.inserts++;
	return 1;
}

size_t dnscache_get(dnscache *c, const uint8_t *key, size_t klen, uint64_t now_ms, uint8_t *out,
                    size_t cap)
{
	uint64_t h = hash_key(key, klen);
	struct ce **pp = find(c, key, klen, h), *e = *pp;
	uint32_t age;

	if (!e) {
		c->st.misses++;
		return 0;
	}
	if (now_ms >= e->expire_ms) {
		remove_entry(c, pp);
		c->st.misses++;
		return 0;
	}
	if (e->len > cap)
		return 0;
	lru_unlink(c, e);
	lru_front(c, e);
	memcpy(out, e->msg, e->len);
	age = (uint32_t)((now_ms - e->stored_ms) / 1000);
	for (int i = 0; i < e->nttl; i++) {
		uint8_t *p = out + e->ttl_off[i];
		uint32_t t = dns_get32(p);

		if (t & 0x80000000u)
			t = 0;
		dns_put32(p, t > age ? t - age : 0);
	}
	c->st.hits++;
	return e->len;
}

void dnscache_get_stats(const dnscache *c, struct dnscache_stats *st)
{
	*st = c->st;
	st->entries = c->n;
}
