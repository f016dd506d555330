/*
 * backend.h - what a proxy mode implements (pxb_): turning the proxy core's
 * service ports (proxy/model.h) into the kernel's datapath.
 *
 * The proxy core (proxy/proxy.c) owns the informers, the model, the sync
 * loop, conntrack cleanup, health checks and metrics; a backend only writes
 * rules. One backend instance serves one address family (kube-proxy runs one
 * proxier per family too) and acts on the calling thread's network namespace.
 *
 * The core calls, on its one loop:
 *
 *   pxb_new(ops, &cfg, &b)               once
 *   ops->sync(b, &s, &res, err, errlen)  per sync: full the first time, after
 *                                        any failed sync, when the canary is
 *                                        gone, every --sync-period, and when
 *                                        the node's addresses change; partial
 *                                        (only s.ch) otherwise
 *   ops->canary_ok(b)                    before each sync and every few seconds
 *   ops->free(b)                         leaves the rules in place (a restarted
 *                                        proxy takes them over; traffic flows
 *                                        meanwhile)
 *   ops->cleanup(&cfg, err, errlen)      --cleanup: removes every table, chain,
 *                                        rule, set and map the mode ever made;
 *                                        needs no instance, finds nothing to do
 *                                        without error
 *
 * Every sync must be atomic: either all of it applies or none does (one
 * nftables transaction, one iptables-restore). After a failed sync the core
 * retries with a full sync, so a backend may forget what it thinks it
 * programmed when a sync fails.
 *
 * Semantics a backend must give, family by family (fam = pxm_svcport_family;
 * a port without it has no rules in this family), as kube-proxy does:
 *  - cluster IP:port/proto of every port; external IPs and LB ingress IPs of
 *    the family; the node port on every local address of the node (nft:
 *    fib daddr type local, iptables: addrtype LOCAL), not on loopback;
 *  - endpoints chosen uniformly at random among fam->cat's endpoints: Cluster
 *    policy uses the PXM_CAT_CLUSTER ones, Local policy the PXM_CAT_LOCAL ones
 *    (pxm_svcport_uses tells which a port uses for internal and external
 *    traffic);
 *  - sessionAffinity ClientIP: a client that hit an endpoint keeps hitting it
 *    until affinity_timeout_s passes without traffic (ipvs: IPVS persistence
 *    also lasts while a connection it placed is in its table, up to 120 s
 *    after a TCP close; docs/PROXY_IPVS.md);
 *  - masquerade (mark cfg.masq_mark, masqueraded in postrouting, mark then
 *    cleared): traffic to a cluster IP whose source is outside cfg.cluster_cidr
 *    (all of it when cluster_cidr.family is 0 or masquerade_all); external
 *    traffic (node port, external/LB IP) under eTP Cluster; hairpin (the
 *    endpoint chain sees the endpoint's own address as source);
 *  - eTP Local: external traffic goes to local endpoints only, source kept (no
 *    masquerade), dropped when there is none; traffic from this node's own
 *    addresses or from the cluster CIDR to an external address goes the
 *    Cluster way (kube-proxy's short-circuit);
 *  - a port with no usable endpoint (fam->cat.n_reachable for the traffic's
 *    policy == 0): REJECT new connections (TCP reset / ICMP port unreachable)
 *    when fam->cat.has_any is false, DROP when it is true (endpoints exist but
 *    none is local for a Local policy);
 *  - loadBalancerSourceRanges: traffic to an LB IP from other sources dropped;
 *  - nothing for ports that are not given (headless, ExternalName: the model
 *    leaves them out).
 */
#ifndef SVCNET_PROXY_BACKEND_H
#define SVCNET_PROXY_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/ev.h"
#include "lib/net.h"
#include "proxy/model.h"

#define PXB_MASQ_MARK_DEFAULT 0x4000u

struct pxb_config {
	int family; /* AF_INET or AF_INET6 */
	const char *node_name;
	/* The Pods' addresses (kube-proxy's --cluster-cidr, its "local traffic
	 * detector"); family 0: unknown, so every packet to a cluster IP is
	 * masqueraded. Only the one of cfg.family counts. */
	net_cidr cluster_cidr;
	bool masquerade_all;
	uint32_t masq_mark; /* one bit, PXB_MASQ_MARK_DEFAULT */
	/* The core's loop, for modes that handle traffic themselves (userspace:
	 * its listeners and relays run on it); rule-only modes ignore it. */
	ev_loop *loop;
	/* userspace: a UDP flow ends after this long without traffic (0: 30 s). */
	unsigned udp_timeout_ms;
	/* ipvs: the scheduler, one of PXB_IPVS_SCHEDULERS (proxy/ipvs.h); NULL: rr. */
	const char *ipvs_scheduler;
	/* ipvs: the namespace's connection timeouts in seconds (kube-proxy's
	 * --ipvs-tcp-timeout, --ipvs-tcpfin-timeout, --ipvs-udp-timeout); 0 leaves
	 * the kernel's (900, 120, 300). */
	uint32_t ipvs_tcp_timeout_s, ipvs_tcpfin_timeout_s, ipvs_udp_timeout_s;
};

struct pxb_sync {
	bool full;
	/* Full sync: every current port, sorted by key (pxm_snapshot). The backend
	 * makes the datapath equal to exactly these, removing anything else it
	 * finds of its own (even from an earlier process). NULL on a partial sync. */
	const struct pxm_svcport *const *all;
	size_t n_all;
	/* Partial sync: what changed since the last successful sync (old -> cur,
	 * either NULL for added/deleted). On a full sync the core passes the same
	 * list too (for counting), but all[] is the truth. */
	const struct pxm_change *ch;
	size_t n_ch;
};

struct pxb_result {
	size_t rules;    /* rules in the datapath after this sync (nft rules / iptables rules) */
	size_t elements; /* map/set elements (0 for modes without) */
	size_t chains;   /* chains of the backend */
	size_t written;  /* lines (nft commands / restore lines) this sync sent */
};

typedef struct pxb pxb;

struct pxb_ops {
	const char *name; /* "nftables", "iptables", "userspace" */
	/* Full resyncs come at most this often, even with a shorter
	 * --sync-period (0: every sync period): a mode whose full sync blocks
	 * the loop for long at scale asks for fewer. */
	unsigned full_resync_min_s;
	/* The mode does no NAT to endpoints (userspace: REDIRECT to itself), so
	 * the core's UDP conntrack cleanup has nothing to do and would only cut
	 * the REDIRECT entries of live flows. */
	bool skip_conntrack;
	/* Checks what the mode needs (the kernel's nf_tables, the iptables-restore
	 * binary) and allocates. 0, -ENOMEM, or -ENOTSUP with a reason in err. */
	int (*create)(const struct pxb_config *cfg, pxb **out, char *err, size_t errlen);
	/* 0, or a negative errno with the reason (libnftables' or iptables-restore's
	 * message) in err; on failure nothing was changed. */
	int (*sync)(pxb *b, const struct pxb_sync *s, struct pxb_result *res, char *err,
	            size_t errlen);
	/* 1: the backend's canary (an empty chain made by every full sync) is still
	 * there; 0: it is gone (someone flushed the rules: the core does a full
	 * sync); negative errno: could not tell. Cheap: called every few seconds. */
	int (*canary_ok)(pxb *b);
	void (*free)(pxb *b);
	/* Removes everything of the mode for cfg->family; 0 also when nothing was
	 * there, else a negative errno and err. */
	int (*cleanup)(const struct pxb_config *cfg, char *err, size_t errlen);
};

/* The modes built in; NULL for an unknown or not built name. */
const struct pxb_ops *pxb_lookup(const char *mode);

extern const struct pxb_ops pxb_nft_ops;
extern const struct pxb_ops pxb_ipt_ops;
extern const struct pxb_ops pxb_ipvs_ops;
extern const struct pxb_ops pxb_us_ops;

#endif
