/*
 * podfs.h - the files a Pod sees in place of the node's: resolv.conf, hosts
 * and hostname, bind-mounted in a private mount namespace.
 *
 * Pods here use the host's filesystem (no image is pulled), so the only files
 * that must differ per Pod are the ones the kubelet manages: /etc/resolv.conf
 * (cluster DNS and the search path), /etc/hosts (the Pod's own name and IP)
 * and /etc/hostname. Every container process (and `svcnet exec`) enters a
 * mount namespace of its own in which these are bind-mounted over the host's
 * files; nothing changes for the rest of the machine.
 */
#ifndef SVCNET_PODFS_H
#define SVCNET_PODFS_H

#include "lib/net.h"

struct podfs_bind {
	const char *src; /* an existing file */
	const char *dst; /* an existing file it is mounted over, e.g. "/etc/resolv.conf" */
};

/* In a process about to exec (a forked child): unshare the mount namespace,
 * make every mount a slave (so nothing propagates back to the node), then
 * bind-mount each src over its dst. 0 or a negative errno; a failed bind
 * names itself through *failed (index into b) when failed is not NULL. */
int podfs_enter(const struct podfs_bind *b, int n, int *failed);

/* Writes the kubelet-style hosts file at path (atomically): localhost lines
 * for IPv4 and IPv6, then one line per address "IP\tHOSTNAME". hostname is a
 * DNS subdomain-ish name ([A-Za-z0-9.-], at most 253 bytes). 0, -EINVAL, or
 * an errno of the file system. */
int podfs_write_hosts(const char *path, const net_addr *ips, int nips, const char *hostname);

/* Writes text at path atomically (a temporary file in the same directory,
 * renamed over it; never through a symlink). durable: fsync before the
 * rename, for state that cannot be rebuilt. 0 or a negative errno. */
int podfs_write_file(const char *path, const char *text, int durable);

#endif
