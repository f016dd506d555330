/*
 * podnet.h - a Pod's network and UTS namespaces, its veth and addresses.
 *
 * The node side is a bridge (cni0) holding the first host address of each
 * pod CIDR; every Pod gets a network namespace and a UTS namespace pinned as
 * files (bind mounts of nsfs: <pin_dir>/<uid>.net and <pin_dir>/<uid>.uts,
 * in the manner of `ip netns`), so they outlive every process in them and an
 * agent restart finds them again. The Pod's eth0 is born inside its namespace
 * (no window where it sits in the node's), the host end is enslaved to the
 * bridge with hairpin mode on (so a Pod reaches itself through a Service or
 * hostPort: with br_netfilter the DNATed packet is bridged back out of the
 * port it came in by), and the Pod gets its addresses, loopback and a
 * default route via the gateway.
 *
 * All calls act on the network namespace of the calling thread ("the node")
 * and return 0 or a negative errno; -EINVAL for arguments refused before
 * anything was changed. They fork a short-lived child to make namespaces, so
 * they are meant for the agent's main thread, not for signal handlers.
 */
#ifndef SVCNET_PODNET_H
#define SVCNET_PODNET_H

#include <limits.h>

#include "agent/rtnl.h"
#include "lib/net.h"

#define PODNET_BRIDGE "cni0"
/* One IPv4 and one IPv6 address at most (dual stack). */
#define PODNET_MAX_IPS 2
/* Longest uid accepted: it names files, so [A-Za-z0-9-]{1,128}. */
#define PODNET_UID_MAX 128

struct podnet_node {
	const char *bridge; /* NULL: PODNET_BRIDGE */
	net_cidr pod_cidrs[PODNET_MAX_IPS];
	int ncidrs; /* 1 or 2, at most one per family */
};

struct podnet_ip {
	net_addr addr;
	int prefix;  /* the pod CIDR's prefix */
	net_addr gw; /* on-link within addr/prefix: the bridge's address */
};

struct podnet_pod {
	const char *pin_dir; /* existing directory for the namespace pins */
	const char *uid;     /* [A-Za-z0-9-]{1,128} */
	const char *name;    /* hostname: a DNS label (Kubernetes cuts it at 63) */
	const char *bridge;  /* NULL: PODNET_BRIDGE */
	struct podnet_ip ips[PODNET_MAX_IPS];
	int nips; /* 1 or 2, at most one per family */
	int mtu;  /* 0: the kernel's default (1500) */
};

struct podnet_result {
	char host_veth[RTNL_IFNAMSIZ];
	char netns_path[PATH_MAX];
	char uts_path[PATH_MAX];
};

/* Creates the bridge (if missing) in the calling thread's namespace, gives it
 * the first host address of every pod CIDR, sets it up and turns on IPv4 (and,
 * with an IPv6 CIDR, IPv6) forwarding. Converges: running it again is
 * harmless. */
int podnet_node_setup(const struct podnet_node *n);

/* Makes the Pod's network: pinned namespaces (hostname p->name), the veth
 * pair (host end on the bridge, hairpin on), eth0's addresses and default
 * routes, lo up. Converges: for a Pod
 * that is already set up (agent restart) it checks each piece and leaves a
 * working one alone, so running Pods keep their connections; a stale piece
 * (an unmounted pin file, a host veth whose peer is not this Pod's eth0) is
 * rebuilt. On failure what was made stays for podnet_pod_delete. out may be
 * NULL. */
int podnet_pod_create(const struct podnet_pod *p, struct podnet_result *out);

/* Removes the veth pair and the pins (the namespaces go away once no process
 * is left in them). Only pin_dir, uid and bridge of p are used. Missing
 * pieces are fine: 0 also when nothing was there. */
int podnet_pod_delete(const struct podnet_pod *p);

/* The host-side veth name of a Pod: "veth" and 8 hex digits of a hash of the
 * uid (the kernel allows 15 characters; uids are longer). 0 or -EINVAL. */
int podnet_veth_name(const char *uid, char out[RTNL_IFNAMSIZ]);

/* Writes a Pod's resolv.conf at path (atomically, via a temporary file and
 * rename): nameserver dns_ip, search "<ns>.svc.<zone> svc.<zone> <zone>",
 * options ndots:5. zone NULL: "cluster.local". -EINVAL for an invalid IP,
 * namespace (a DNS label) or zone (a DNS name). */
int podnet_write_resolv_conf(const char *path, const char *dns_ip, const char *ns,
                             const char *zone);

/* Moves the calling thread into the pinned namespaces (either path may be
 * NULL). For a freshly forked child about to exec: both namespaces stay
 * entered. -ENOENT for a missing pin, -EINVAL for a file that is no
 * namespace of that type. */
int podnet_enter(const char *netns_path, const char *uts_path);

#endif
