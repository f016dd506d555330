/*
 * ipvs_int.h - the IPVS proxy mode's pieces (pxb_ipvs_ops in ipvs.c):
 *   ipvs_plan.c  what one service port wants: virtual services with their real
 *                servers, addresses for the dummy device, nftables elements;
 *                and the diff of two lists of virtual services (pure)
 *   ipvs_dev.c   the dummy device svcnet-ipvs0 and the node's addresses
 *   ipvs_nft.c   the nftables table beside IPVS
 *   ipvs_nl.c    the IPVS generic netlink client
 */
#ifndef SVCNET_PROXY_IPVS_INT_H
#define SVCNET_PROXY_IPVS_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "proxy/backend.h"
#include "proxy/ipvs_nl.h"
#include "proxy/model.h"

#define IPVS_DEV        "svcnet-ipvs0"
#define IPVS_TABLE      "svcnet-ipvs"
#define IPVS_CANARY     "canary"
#define IPVS_SCHED_DEFT "rr"

/* One virtual service and its real servers, sorted by address and port. */
struct ipvsp_vs {
	struct ipvsnl_svc svc;
	struct ipvsnl_dest *dests;
	size_t n_dests;
};

/* What one service port of one family wants. */
struct ipvsp_port {
	struct ipvsp_vs *vs; /* sorted by ipvsp_vs_cmp */
	size_t n_vs;
	net_addr *bind; /* service addresses for the dummy device */
	size_t n_bind;
	/* nftables elements, one a line: "<set> <element>\n". */
	char *nft;
};

struct ipvsp_cfg {
	int family;
	const char *sched; /* NULL: rr */
	const net_addr *node_addrs;
	size_t n_node_addrs;
};

int ipvsp_vs_cmp(const void *a, const void *b); /* by address, protocol, port */
int ipvsp_port_build(const struct ipvsp_cfg *c, const struct pxm_svcport *sp,
                     struct ipvsp_port *out);
void ipvsp_port_free(struct ipvsp_port *p); /* NULL-safe; zeroes */
void ipvsp_vs_free(struct ipvsp_vs *v, size_t n);
/* Sorts the real servers (a kernel dump lists them in its own order). */
void ipvsp_vs_sort(struct ipvsp_vs *v);

enum ipvsp_op_kind {
	IPVSP_SVC_ADD = 1,
	IPVSP_SVC_EDIT,
	IPVSP_SVC_DEL,
	IPVSP_DEST_ADD,
	IPVSP_DEST_EDIT,
	IPVSP_DEST_DEL,
};

struct ipvsp_op {
	enum ipvsp_op_kind kind;
	struct ipvsnl_svc svc;
	struct ipvsnl_dest dest; /* the *_DEST ones */
};

struct ipvsp_ops {
	struct ipvsp_op *v;
	size_t n, cap;
};

/* Appends to out what turns old into new (both sorted, unique): services
 * deleted first (their real servers go with them), then added or edited
 * services, then per service real servers deleted, added and re-weighted.
 * 0 or -ENOMEM. */
int ipvsp_diff(const struct ipvsp_vs *old, size_t n_old, const struct ipvsp_vs *nw, size_t n_new,
               struct ipvsp_ops *out);
void ipvsp_ops_free(struct ipvsp_ops *o);

/* ---- ipvs_dev.c ---- */

/* The addresses of the namespace's links of family: those of IPVS_DEV into
 * *dev, the others (no loopback, no IPv6 link-local) into *node; malloc'd. */
int ipvsd_addrs(int family, net_addr **dev, size_t *n_dev, net_addr **node, size_t *n_node);
/* Creates IPVS_DEV if missing (kept down: its addresses are local all the
 * same, and no prefix route appears) and makes its addresses equal to want. */
int ipvsd_sync(int family, const net_addr *want, size_t n_want, char *err, size_t errlen);
int ipvsd_remove(char *err, size_t errlen);
/* Removes the family's addresses from IPVS_DEV, if it exists. */
int ipvsd_unbind_all(int family, char *err, size_t errlen);

/* ---- ipvs_nft.c ---- */

/* The whole table for the elements in the ports' nft lines. */
char *ipvsn_script(const struct pxb_config *cfg, const struct ipvsp_port *const *ports,
                   size_t n_ports);
const char *ipvsn_family(int family); /* "ip" or "ip6" */

#endif
