/*
 * lbipam.h - LoadBalancer IP pools.
 *
 * A pool is a CIDR ("198.18.100.0/24", "fd00:18::/120") or an inclusive range
 * ("198.18.100.10-198.18.100.20"). An IPv4 CIDR of /30 or wider loses its
 * network and broadcast addresses (some clients drop traffic to them); /31,
 * /32 and IPv6 CIDRs are used whole. Pools may not overlap. allocate_next()
 * hands out the lowest free address of the first pool (in the order added) of
 * the family that has room, so addresses are predictable for tests and docs.
 * One IP per Service: sharing is out of scope.
 *
 * Allocated addresses are kept as a sorted array per pool, so a pool may be
 * any size (an IPv6 /64 works) and memory follows the Services, not the pool.
 * Purely in memory, rebuilt by the server from stored Services; not
 * thread-safe.
 */
#ifndef SVCNET_LBIPAM_H
#define SVCNET_LBIPAM_H

#include <stdint.h>

#include "lib/net.h"

typedef struct lbipam lbipam;

/* NULL on ENOMEM. */
lbipam *lbipam_new(void);
void lbipam_free(lbipam *l);

/* 0; -EINVAL for a malformed spec (host bits set in a CIDR, a range ending
 * before it starts or mixing families); -EEXIST if it overlaps a pool;
 * -ENOMEM. */
int lbipam_add_pool(lbipam *l, const char *spec);
/* Pools of the family (AF_INET or AF_INET6; 0 counts all). */
int lbipam_pool_count(const lbipam *l, int family);
/* 1 if ip lies in some pool. */
int lbipam_contains(const lbipam *l, const net_addr *ip);

/* Takes a specific address: 0, -EEXIST if taken, -ERANGE in no pool, -ENOMEM. */
int lbipam_allocate(lbipam *l, const net_addr *ip);
/* Takes the lowest free address of the first pool of family with room:
 * 0, -ENOSPC (also when no pool has the family), -EINVAL, -ENOMEM. */
int lbipam_allocate_next(lbipam *l, int family, net_addr *out);
/* Frees an address; a free or foreign address is a no-op (0). */
int lbipam_release(lbipam *l, const net_addr *ip);
/* 1 if ip is allocated. */
int lbipam_has(const lbipam *l, const net_addr *ip);
/* Addresses allocated over all pools. */
uint64_t lbipam_used(const lbipam *l);

#endif
