/*
 * dnscache.h - the forwarder's response cache: bounded (LRU), positive and
 * negative (RFC 2308), TTLs aged on every hit.
 *
 * An entry is an upstream response without its OPT record, with the offsets
 * of its TTL fields, stored under lower-case qname + qtype + qclass + DO.
 * Its lifetime is the smallest TTL of its answer and authority records
 * (positive), or min(SOA TTL, SOA minimum) of the SOA in the authority section
 * (negative: NXDOMAIN, or NOERROR without answers); responses without one
 * of those, SERVFAIL and the rest are not stored. Time comes in as an
 * argument (monotonic ms), so tests drive the clock.
 */
#ifndef SVCNET_DNSCACHE_H
#define SVCNET_DNSCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/dnsmsg.h"

#define DNSCACHE_KEY_MAX (DNS_NAME_MAX + 5)
#define DNSCACHE_MAX_TTL 3600 /* CoreDNS' cap for answers */
#define DNSCACHE_MAX_NEG 1800 /* ... and for denials */

typedef struct dnscache dnscache;

struct dnscache_stats {
	unsigned long long hits, misses, inserts, evictions;
	size_t entries;
};

/* NULL on ENOMEM. max_entries >= 1. */
dnscache *dnscache_new(size_t max_entries);
void dnscache_free(dnscache *c); /* NULL-safe */

/* The key of a question (name lower-cased). Returns its length. */
size_t dnscache_key(const uint8_t *qname, size_t qlen, uint16_t qtype, uint16_t qclass, bool do_bit,
                    uint8_t key[DNSCACHE_KEY_MAX]);

/* Stores resp (already scanned into s). 1 stored, 0 not cacheable, -ENOMEM. */
int dnscache_put(dnscache *c, const uint8_t *key, size_t klen, const uint8_t *resp, size_t len,
                 const struct dns_scan *s, uint64_t now_ms);
/* On a hit copies the stored response with TTLs aged into out and returns
 * its length; 0 on a miss (or when out is too small). Expired entries go. */
size_t dnscache_get(dnscache *c, const uint8_t *key, size_t klen, uint64_t now_ms, uint8_t *out,
                    size_t cap);
void dnscache_get_stats(const dnscache *c, struct dnscache_stats *st);

#endif
