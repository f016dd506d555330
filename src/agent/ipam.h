/*
 * ipam.h - Pod address allocation from the node's pod CIDR, persisted in a
 * directory in the manner of the CNI host-local plugin.
 *
 * Every allocated address is one file named by its canonical text
 * (net_addr_fmt: "10.244.1.5", "fd00::5") whose content is the owner (the Pod
 * uid). A file is created with O_CREAT|O_EXCL, so two handles or processes
 * sharing the directory can never take the same address, even across a crash;
 * its content is fsync'd before the address is handed out. "last_reserved"
 * remembers the latest allocation so the next one starts after it: a just
 * freed address is not handed out again until the range wraps, which keeps a
 * restarted Pod's stale peers from reaching a newcomer at the old address.
 *
 * The usable range is the CIDR without the network address, without the first
 * host address (the gateway, held by the bridge) and, for IPv4, without the
 * broadcast address. An IPv6 CIDR wider than /64 is limited to its first 2^64
 * addresses. Allocation never enumerates the range: it tries addresses round
 * robin from "last_reserved" and stops at the first free one, so a /64 costs
 * no more than a /29.
 *
 * Calls on one directory serialise on a flock of it; a handle is for one
 * thread at a time. Files in the directory whose names are not canonical
 * addresses are ignored. A file named by an address whose content is not a
 * valid owner (a crash between create and write, a stray edit, a directory,
 * a symlink) keeps its address reserved and is listed with the owner "", so
 * the caller's garbage collection can free it with ipam_release_addr.
 */
#ifndef SVCNET_IPAM_H
#define SVCNET_IPAM_H

#include "lib/net.h"

/* Longest owner: [A-Za-z0-9-]{1,128} (a Pod uid is 36). */
#define IPAM_OWNER_MAX 128

typedef struct ipam ipam;

/* Opens the store in dir (created 0700 if missing; its parent must exist) for
 * pod_cidr. NULL with errno set: EINVAL for a CIDR without a usable address
 * (IPv4 /31 or /32, IPv6 /127 or /128) or of an unknown family, ENOMEM, or
 * the errno of mkdir/open (ENOTDIR, EACCES...). */
ipam *ipam_open(const char *dir, const net_cidr *pod_cidr);
/* NULL is allowed. Allocations stay on disk. */
void ipam_close(ipam *p);

/* An address for owner: the one it already holds inside the range if any,
 * else the next free one after the last reserved. 0, -EINVAL for a bad
 * owner, -ENOSPC when the range is full, or another -errno from the file
 * system. */
int ipam_allocate(ipam *p, const char *owner, net_addr *out);
/* Frees every address owner holds, inside the range or not. 0 (also when it
 * held none), -EINVAL for a bad owner, or another -errno. */
int ipam_release(ipam *p, const char *owner);
/* Frees one address whatever its content says (for files listed with owner
 * ""). 0 (also when it was not allocated), -EINVAL, or another -errno. */
int ipam_release_addr(ipam *p, const net_addr *a);
/* The address owner holds inside the range: 0, -ENOENT, -EINVAL. */
int ipam_lookup(ipam *p, const char *owner, net_addr *out);
/* The gateway: the first host address of the pod CIDR. 0 or -EINVAL. */
int ipam_gateway(const ipam *p, net_addr *out);

/* Calls cb for every allocated address, including those outside the current
 * pod CIDR (left over from a previous one; the caller releases them) and
 * unreadable ones (owner ""). The entries are gathered first, so cb may call
 * ipam_release. Returns the number of entries or -errno. */
int ipam_list(ipam *p, void (*cb)(const net_addr *a, const char *owner, void *arg), void *arg);

#endif
