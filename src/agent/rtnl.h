/*
 * rtnl.h - synchronous rtnetlink (links, addresses, routes) over libmnl.
 *
 * A handle is one NETLINK_ROUTE socket, and a netlink socket belongs for its
 * whole life to the network namespace its creator was in: rtnl_open() binds
 * to the calling thread's current namespace, rtnl_open_netns() to the one a
 * namespace fd names. Changing namespace later does not move a handle.
 *
 * Every call sends one request and waits for the kernel's answer. Results are
 * 0 (or a positive value where stated) or a negative errno as the kernel gave
 * it (-ENODEV, -EEXIST, -ENETUNREACH...), -EINVAL for arguments refused
 * before anything is sent. rtnl_last_error() then tells what failed, with the
 * kernel's extended-ack text when it sent one. Not thread-safe: one handle per
 * thread, or a lock around it.
 *
 * Links are named by interface name; a name is 1..15 bytes (IFNAMSIZ - 1).
 * This header leaves <net/if.h> and <linux/if.h> (which clash) to the caller;
 * IFF_* flags come from either.
 */
#ifndef SVCNET_RTNL_H
#define SVCNET_RTNL_H

#include <stdint.h>

#include "lib/net.h"

typedef struct rtnl rtnl;

/* Flags for the calls that create or remove something, so that converging
 * code (an agent restarted over what it built before) needs no pre-check. */
enum {
	RTNL_EXIST_OK = 1 << 0,   /* creating what already exists is success */
	RTNL_MISSING_OK = 1 << 1, /* removing what is already gone is success */
	RTNL_REPLACE = 1 << 2,    /* routes: replace an existing route to dst */
};

/* Opens a handle in the calling thread's network namespace. NULL with errno
 * set on failure. */
rtnl *rtnl_open(void);
/* Opens a handle in the namespace netns_fd refers to (an open
 * /proc/PID/ns/net or /run/netns/NAME). The calling thread enters it just
 * long enough to create the socket and is back in its own namespace on
 * return, also on failure. NULL with errno set. */
rtnl *rtnl_open_netns(int netns_fd);
void rtnl_close(rtnl *h);

/* What the last failed call of this handle reported, e.g.
 * "add route: Network is unreachable (Nexthop has invalid gateway)";
 * "" after a call that succeeded. Valid until the next call. */
const char *rtnl_last_error(const rtnl *h);

/* ---- links ---- */

/* IFNAMSIZ, without pulling in either interface header. */
#define RTNL_IFNAMSIZ 16

struct rtnl_link_info {
	char name[RTNL_IFNAMSIZ];
	char kind[32]; /* "bridge", "veth", "dummy"...; "" for lo and real NICs */
	int index;
	unsigned flags; /* IFF_UP, IFF_LOOPBACK, IFF_LOWER_UP... */
	int master;     /* index of the bridge the link is enslaved to, or 0 */
	int link;       /* IFLA_LINK: a veth's peer index (maybe in another netns), or 0 */
	int mtu;
	int has_mac;
	uint8_t mac[6];
};

/* The link's index (> 0), or -ENODEV. */
int rtnl_link_index(rtnl *h, const char *ifname);
/* Fills *out for one link; -ENODEV if there is none of that name. */
int rtnl_link_get(rtnl *h, const char *ifname, struct rtnl_link_info *out);

/* Called once per link of the namespace. Return 0 to go on; anything else
 * stops the listing and is what rtnl_link_list returns. */
typedef int (*rtnl_link_cb)(const struct rtnl_link_info *link, void *arg);
/* Dumps all links. 0, the callback's non-zero value, a negative errno, or
 * -EAGAIN when the kernel flags the dump as interrupted by a concurrent change
 * (the callback may have seen a mix; list again). */
int rtnl_link_list(rtnl *h, rtnl_link_cb cb, void *arg);

/* Creates a link of a kind that needs no options ("bridge", "dummy"), down.
 * RTNL_EXIST_OK: a link of that name and kind is success; one of another kind
 * stays -EEXIST. */
int rtnl_link_add(rtnl *h, const char *name, const char *kind, unsigned flags);
int rtnl_bridge_add(rtnl *h, const char *name, unsigned flags);
/* Creates a veth pair, both ends down: `name` here and `peer` directly inside
 * the namespace of peer_netns_fd (so it never appears in this one), or here
 * too when peer_netns_fd is -1. RTNL_EXIST_OK: a veth called `name` already
 * here is success; its peer is not checked. -EEXIST also when `peer` is taken
 * in the target namespace. */
int rtnl_veth_add(rtnl *h, const char *name, const char *peer, int peer_netns_fd, unsigned flags);
/* RTNL_MISSING_OK: -ENODEV is success. Removing one end of a veth removes
 * both, in whatever namespace the peer is. */
int rtnl_link_del(rtnl *h, const char *ifname, unsigned flags);

/* Moves the link into the namespace of netns_fd. Addresses and routes on it
 * are lost and it arrives down, under the same name (-EEXIST if taken). */
int rtnl_link_set_netns(rtnl *h, const char *ifname, int netns_fd);
/* Kernels before 6.x refuse to rename a link that is up (-EBUSY); rename
 * before setting it up. Same name: 0. */
int rtnl_link_rename(rtnl *h, const char *ifname, const char *newname);
int rtnl_link_set_up(rtnl *h, const char *ifname, int up);
/* Enslaves ifname to the bridge `master`, or releases it when master is NULL. */
int rtnl_link_set_master(rtnl *h, const char *ifname, const char *master);
int rtnl_link_set_mtu(rtnl *h, const char *ifname, int mtu);
int rtnl_link_set_mac(rtnl *h, const char *ifname, const uint8_t mac[6]);

/* Hairpin mode of a bridge port (IFLA_BRPORT_MODE, as `bridge link set dev
 * X hairpin on` sets it): with it on, the bridge may send a frame back out
 * of the port it came in by, which a Pod reaching itself through a Service
 * or hostPort needs when br_netfilter DNATs bridged traffic. The setter is
 * an AF_BRIDGE RTM_SETLINK with IFLA_PROTINFO; setting the current mode is
 * success. Both give -ENODEV for no such link and -EOPNOTSUPP (the
 * kernel's answer) for a link that is no bridge port; the getter returns 1
 * (on) or 0 (off). A port released from its bridge and enslaved again
 * starts with hairpin off. */
int rtnl_link_set_hairpin(rtnl *h, const char *ifname, int on);
int rtnl_link_get_hairpin(rtnl *h, const char *ifname);

/* ---- addresses ---- */

/* Adds a (IPv4 or IPv6) with prefix 0..32 / 0..128 to ifname (its on-link
 * route appears with it once the link is up). IPv6 addresses skip duplicate
 * address detection (IFA_F_NODAD): they come from an allocator, and DAD
 * would hold them unusable for a second or more. RTNL_EXIST_OK: the same
 * address with the same prefix is success. */
int rtnl_addr_add(rtnl *h, const char *ifname, const net_addr *a, int prefix, unsigned flags);
/* RTNL_MISSING_OK: an absent address (-EADDRNOTAVAIL) or link (-ENODEV) is
 * success. */
int rtnl_addr_del(rtnl *h, const char *ifname, const net_addr *a, int prefix, unsigned flags);

struct rtnl_addr_info {
	int index;     /* the link's */
	net_addr addr; /* IFA_LOCAL, else IFA_ADDRESS */
	int prefix;
	int scope; /* RT_SCOPE_UNIVERSE, RT_SCOPE_LINK, RT_SCOPE_HOST... */
};

/* Called once per address; 0 goes on, anything else stops the listing and
 * is what rtnl_addr_list returns. */
typedef int (*rtnl_addr_cb)(const struct rtnl_addr_info *a, void *arg);
/* Dumps the namespace's addresses of family (AF_INET, AF_INET6), every
 * link's. 0, the callback's non-zero value, or a negative errno (-EAGAIN:
 * the dump was interrupted by a change; list again). */
int rtnl_addr_list(rtnl *h, int family, rtnl_addr_cb cb, void *arg);

/* ---- routes (main table, unicast) ---- */

/* Route to dst, via gateway gw and/or out of ifname (at least one of the
 * two). dst NULL is the default route of gw's family; a default route
 * without gateway is dst 0.0.0.0/0 or ::/0. gw must be of dst's family and
 * reachable on-link (else -ENETUNREACH); without gw the route is link scope
 * (directly connected). Routes are RTPROT_STATIC. RTNL_REPLACE replaces a route to the same dst
 * (converges a changed gateway); RTNL_EXIST_OK makes -EEXIST success without
 * checking what the existing route says. */
int rtnl_route_add(rtnl *h, const net_cidr *dst, const net_addr *gw, const char *ifname,
                   unsigned flags);
/* Removes the route to dst (NULL: default route of gw's family); gw and
 * ifname, when given, narrow the match. RTNL_MISSING_OK: -ESRCH is success. */
int rtnl_route_del(rtnl *h, const net_cidr *dst, const net_addr *gw, const char *ifname,
                   unsigned flags);

#endif
