/*
 * podcidr.h - per-node pod subnets carved from a cluster CIDR, as Kubernetes'
 * range allocator (pkg/controller/nodeipam/ipam/cidrset) does it.
 *
 * The cluster CIDR is split into 2^(mask - prefix) subnets of /mask, at most
 * 2^16 of them (cidrset's clusterSubnetMaxDiff; Kubernetes applies it to IPv6
 * only, we to both so the bitmap stays small). allocate_next() is round robin:
 * it scans from the subnet after the last one it handed out, so a subnet
 * released by a deleted node is not reused at once. One allocator per family.
 *
 * Purely in memory, rebuilt by the server from stored Nodes; not thread-safe.
 */
#ifndef SVCNET_PODCIDR_H
#define SVCNET_PODCIDR_H

#include <stdint.h>

#include "lib/net.h"

/* Node mask used when podcidr_new() gets mask <= 0. */
#define PODCIDR_DEFAULT_MASK_V4 24
#define PODCIDR_DEFAULT_MASK_V6 64

typedef struct podcidr podcidr;

/* Host bits of cluster are ignored. NULL with errno EINVAL if mask is shorter
 * than the cluster prefix, longer than the address, or makes more than 2^16
 * subnets; ENOMEM. */
podcidr *podcidr_new(const net_cidr *cluster, int mask);
void podcidr_free(podcidr *p);

/* Marks a subnet taken (rebuilding at start, or a Node that brings its own
 * podCIDR): 0, -EEXIST if taken, -ERANGE outside the cluster CIDR (or the
 * other family), -EINVAL if not a /mask or host bits are set. */
int podcidr_allocate(podcidr *p, const net_cidr *subnet);
/* Takes the next free subnet round robin: 0 or -ENOSPC. */
int podcidr_allocate_next(podcidr *p, net_cidr *out);
/* Frees a subnet (a free one is a no-op); -ERANGE/-EINVAL as allocate. */
int podcidr_release(podcidr *p, const net_cidr *subnet);
/* 1 if the subnet is allocated here. */
int podcidr_has(const podcidr *p, const net_cidr *subnet);

uint64_t podcidr_used(const podcidr *p);
uint64_t podcidr_free_count(const podcidr *p);
/* Total subnets. */
uint64_t podcidr_size(const podcidr *p);
int podcidr_mask(const podcidr *p);
const net_cidr *podcidr_cluster(const podcidr *p);

#endif
