/*
 * ipalloc.h - cluster IP allocation over a service CIDR, as Kubernetes'
 * bitmap allocator (pkg/registry/core/service/ipallocator) does it.
 *
 * Usable addresses: the CIDR without its network address and, for IPv4,
 * without its broadcast address; an IPv6 range is capped at its first 65535
 * addresses after the network address (the bitmap's size in Kubernetes).
 * Ranges wider than 2^20 addresses are refused, as kube-apiserver refuses a
 * --service-cluster-ip-range with a mask under /12 (IPv4) or /108 (IPv6).
 *
 * The lowest min(max(16, size/16), 256) usable addresses (size = the whole
 * CIDR; none when size <= 16) form the static band: allocate_next() takes
 * them only once the rest (the dynamic band) is full, so explicit clusterIP
 * requests rarely collide with automatic ones (KEP-3070).
 *
 * Purely in memory: the server rebuilds it from stored Services at start.
 * Not thread-safe; the server calls it from its one loop.
 */
#ifndef SVCNET_IPALLOC_H
#define SVCNET_IPALLOC_H

#include <stdint.h>

#include "lib/net.h"

typedef struct ipalloc ipalloc;

/* Host bits of cidr are ignored. NULL with errno EINVAL (bad family or
 * prefix), E2BIG (more than 2^20 addresses) or ENOMEM. */
ipalloc *ipalloc_new(const net_cidr *cidr);
void ipalloc_free(ipalloc *a);

/* Takes a specific address: 0, -EEXIST if taken, -ERANGE if not usable here
 * (other family, outside the CIDR, network or broadcast address). */
int ipalloc_allocate(ipalloc *a, const net_addr *ip);
/* Takes a free address, dynamic band first: 0 or -ENOSPC. */
int ipalloc_allocate_next(ipalloc *a, net_addr *out);
/* Frees an address; freeing a free or foreign address is a no-op (0). */
int ipalloc_release(ipalloc *a, const net_addr *ip);
/* 1 if ip is allocated here. */
int ipalloc_has(const ipalloc *a, const net_addr *ip);

uint64_t ipalloc_used(const ipalloc *a);
uint64_t ipalloc_free_count(const ipalloc *a);
/* Usable addresses (used + free). */
uint64_t ipalloc_size(const ipalloc *a);
/* Addresses in the static band. */
uint64_t ipalloc_static_size(const ipalloc *a);
/* The (normalised) CIDR. */
const net_cidr *ipalloc_cidr(const ipalloc *a);
/* The CIDR's network address + n (n=1: the `kubernetes` Service's IP, n=10:
 * cluster DNS); -ERANGE if that leaves the CIDR. Allocates nothing. */
int ipalloc_nth(const ipalloc *a, uint64_t n, net_addr *out);
/* Fixes the random scan starts, for reproducible tests. */
void ipalloc_seed(ipalloc *a, uint64_t seed);

#endif
