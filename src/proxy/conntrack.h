/*
 * conntrack.h - deleting stale conntrack entries, so that a UDP client
 * recovers at once when a Service's endpoints change (what kube-proxy's
 * pkg/proxy/conntrack does).
 *
 * NAT is decided on a flow's first packet and remembered in its conntrack
 * entry; later packets follow the entry, not the rules. UDP has no
 * connection for the client to lose, so a client that keeps sending to a
 * Service IP keeps its entry alive and keeps reaching whatever the first
 * datagram was sent to: an endpoint that is gone, or nothing at all when the
 * flow began while the Service had no endpoint (or no rule yet). Deleting
 * the entry makes the next datagram a new flow that today's rules translate.
 * TCP and SCTP need this less (the peer's RST/ABORT ends them) but the same
 * calls work for them.
 *
 * Everything acts on the calling thread's network namespace over ctnetlink
 * (libnetfilter_conntrack builds and parses the messages) and needs
 * CAP_NET_ADMIN there. One call is one dump of the family's table, filtered
 * in the kernel where the kernel can (CTA_FILTER, Linux 5.8+) and always
 * again here, then the deletes in batches. Each call returns the number of
 * entries it deleted, or a negative errno (-EINVAL for bad arguments, before
 * any netlink traffic). Entries that vanish on their own between the dump and
 * the delete are not counted and are no error.
 */
#ifndef SVCNET_PROXY_CONNTRACK_H
#define SVCNET_PROXY_CONNTRACK_H

#include <stddef.h>

#include "lib/net.h"

/* Which entries to delete. An entry matches when its protocol is proto and
 * every set field agrees with it:
 *   dst   (family != 0)  the original destination, i.e. the Service IP;
 *   port  (!= 0)         the original destination port (Service or node port);
 *   nat   (family != 0)  the reply source, i.e. the endpoint it was DNATed to;
 *   keep  (nkeep > 0)    the reply source is none of these addresses.
 * At least one of dst, port and nat must be set: a match never means "every
 * flow of a protocol". keep is what kube-proxy's per-sync reconciliation
 * needs: {UDP, service IP, port, keep = its serving endpoints} removes every
 * flow of the Service that is not DNATed to a serving endpoint, whatever
 * happened while the proxy was not looking (restarts, missed events). */
typedef struct pxct_match {
	int proto; /* IPPROTO_UDP, IPPROTO_TCP or IPPROTO_SCTP */
	net_addr dst;
	int port; /* 0..65535 */
	net_addr nat;
	const net_addr *keep;
	size_t nkeep;
} pxct_match;

/* The batch form: deletes the entries of family (AF_INET or AF_INET6) that
 * match any of m[0..n-1], with one dump however long the list is (the proxy
 * calls it once per sync). Addresses of the other family in m never match;
 * n == 0 deletes nothing and sends nothing. */
int pxct_delete(int family, const pxct_match *m, size_t n);

/* Same matching, counting instead of deleting (for metrics and tests). */
int pxct_count(int family, const pxct_match *m, size_t n);

/* Entries whose original destination is orig_dst:port over proto; port 0
 * means every port of orig_dst. For a UDP Service that goes from no
 * endpoints to some: its flows so far were not DNATed (kube-proxy's
 * ClearEntriesForIP / ClearEntriesForPort). */
int pxct_delete_by_dst(int family, const net_addr *orig_dst, int proto, int port);

/* Entries whose original destination is orig_dst (and port, if port > 0)
 * and whose reply source is endpoint: the flows of a Service IP that went to
 * an endpoint that is gone (ClearEntriesForNAT). */
int pxct_delete_by_nat(int family, const net_addr *orig_dst, int port, const net_addr *endpoint,
                       int proto);

/* Entries whose original destination port is the node port port (1..65535)
 * and whose reply source is endpoint, whichever local address they were sent
 * to (ClearEntriesForPortNAT). The family is the endpoint's. */
int pxct_delete_nodeport(int proto, int port, const net_addr *endpoint);

#endif
