/*
 * ipvs_plan.c - what a service port wants from IPVS and nftables, and the
 * diff between two sets of virtual services. Pure: no I/O.
 *
 * Per port and family (as kube-proxy's IPVS proxier):
 *  - a virtual service on the cluster IP, on each external IP and LB IP, and
 *    on each node address at the node port; the service addresses are bound
 *    to the dummy device;
 *  - real servers: the endpoints of the traffic's category (internal: iTP,
 *    external: eTP) with weight 1; serving terminating endpoints left out of
 *    it with weight 0, so their connections finish but get no new ones;
 *  - no virtual service when the category is empty: nftables rejects (no
 *    endpoint anywhere) or drops (some, none local) instead;
 *  - nftables elements for masquerade, hairpin, reject/drop and the
 *    loadBalancerSourceRanges firewall.
 */
#include "proxy/ipvs_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/ip_vs.h>

#include "lib/buf.h"
#include "lib/vec.h"

int ipvsp_vs_cmp(const void *a, const void *b)
{
	const struct ipvsnl_svc *x = &((const struct ipvsp_vs *)a)->svc;
	const struct ipvsnl_svc *y = &((const struct ipvsp_vs *)b)->svc;
	int c = net_addr_cmp(&x->addr, &y->addr);

	if (c)
		return c;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return x->port < y->port ? -1 : x->port > y->port;
}

static int ipvsp_dest_cmp(const void *a, const void *b)
{
	const struct ipvsnl_dest *x = a, *y = b;
	int c = net_addr_cmp(&x->addr, &y->addr);

	if (c)
		return c;
	return x->port < y->port ? -1 : x->port > y->port;
}

void ipvsp_vs_sort(struct ipvsp_vs *v)
{
	if (v->n_dests)
		qsort(v->dests, v->n_dests, sizeof(*v->dests), ipvsp_dest_cmp);
}

void ipvsp_vs_free(struct ipvsp_vs *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i].dests);
	free(v);
}

void ipvsp_port_free(struct ipvsp_port *p)
{
	if (!p)
		return;
	ipvsp_vs_free(p->vs, p->n_vs);
	free(p->bind);
	free(p->nft);
	memset(p, 0, sizeof(*p));
}

static uint16_t ipvsp_proto(enum pxm_proto p)
{
	return p == PXM_UDP ? IPPROTO_UDP : p == PXM_SCTP ? IPPROTO_SCTP : IPPROTO_TCP;
}

static const char *ipvsp_proto_name(enum pxm_proto p)
{
	return p == PXM_UDP ? "udp" : p == PXM_SCTP ? "sctp" : "tcp";
}

/* The real servers of one traffic policy (local: Local policy). */
static int ipvsp_dests(const struct pxm_svcport *sp, const struct pxm_family *f, bool local,
                       struct ipvsnl_dest **out, size_t *n)
{
	uint8_t want = local ? PXM_CAT_LOCAL : PXM_CAT_CLUSTER;
	struct ipvsnl_dest *d;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!f->n_eps)
		return 0;
	if (!(d = calloc(f->n_eps, sizeof(*d))))
		return -ENOMEM;
	for (size_t i = f->ep_first; i < f->ep_first + f->n_eps && i < sp->n_eps; i++) {
		const struct pxm_endpoint *ep = &sp->eps[i];
		bool used = ep->cat & want;

		/* Draining: no new connections, the old ones finish. */
		if (!used && !(ep->terminating && ep->serving && (!local || ep->local)))
			continue;
		d[k].addr = ep->addr;
		d[k].port = ep->port;
		d[k].weight = used ? 1 : 0;
		d[k].fwd = IP_VS_CONN_F_MASQ;
		k++;
	}
	if (k)
		qsort(d, k, sizeof(*d), ipvsp_dest_cmp);
	*out = d;
	*n = k;
	return 0;
}

struct ipvsp_b {
	const struct ipvsp_cfg *c;
	const struct pxm_svcport *sp;
	const struct pxm_family *f;
	struct ipvsp_port *p;
	size_t cap_vs, cap_bind;
	buf nft;
	int rc;
};

static void ipvsp_nft(struct ipvsp_b *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void ipvsp_nft(struct ipvsp_b *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (buf_vprintf(&b->nft, fmt, ap) < 0)
		b->rc = -ENOMEM;
	va_end(ap);
}

static void ipvsp_bind(struct ipvsp_b *b, const net_addr *a)
{
	struct ipvsp_port *p = b->p;

	for (size_t i = 0; i < p->n_bind; i++)
		if (!net_addr_cmp(&p->bind[i], a))
			return;
	if (p->n_bind == b->cap_bind) {
		size_t cap = b->cap_bind ? b->cap_bind * 2 : 4;
		net_addr *v = realloc(p->bind, cap * sizeof(*v));

		if (!v) {
			b->rc = -ENOMEM;
			return;
		}
		p->bind = v;
		b->cap_bind = cap;
	}
	p->bind[p->n_bind++] = *a;
}

/* Adds one virtual service with the real servers of policy local, or, when
 * that has none, the reject/drop element instead. */
static void ipvsp_vs(struct ipvsp_b *b, const net_addr *a, uint16_t port, bool local,
                     const char *kind_elem)
{
	const struct pxm_svcport *sp = b->sp;
	size_t reach = local ? b->f->cat.n_local : b->f->cat.n_cluster;
	struct ipvsp_vs *v;
	char ip[NET_ADDR_STRLEN];

	if (b->rc)
		return;
	net_addr_fmt(a, ip, sizeof(ip));
	if (!reach) {
		/* Set names, not the keywords: "drop" or "reject" by the filter. */
		const char *what = b->f->cat.has_any && local ? "no-local" : "no-endpoints";

		if (kind_elem)
			ipvsp_nft(b, "np-%s %s . %u\n", what, ipvsp_proto_name(sp->proto),
			          (unsigned)port);
		else
			ipvsp_nft(b, "%s %s . %s . %u\n", what, ip, ipvsp_proto_name(sp->proto),
			          (unsigned)port);
		return;
	}
	if (b->p->n_vs == b->cap_vs) {
		size_t cap = b->cap_vs ? b->cap_vs * 2 : 4;

		v = realloc(b->p->vs, cap * sizeof(*v));
		if (!v) {
			b->rc = -ENOMEM;
			return;
		}
		b->p->vs = v;
		b->cap_vs = cap;
	}
	v = &b->p->vs[b->p->n_vs];
	memset(v, 0, sizeof(*v));
	v->svc.addr = *a;
	v->svc.proto = ipvsp_proto(sp->proto);
	v->svc.port = port;
	snprintf(v->svc.sched, sizeof(v->svc.sched), "%s",
	         b->c->sched && *b->c->sched ? b->c->sched : IPVS_SCHED_DEFT);
	if (sp->affinity_client_ip) {
		v->svc.flags = IP_VS_SVC_F_PERSISTENT;
		v->svc.timeout = sp->affinity_timeout_s;
	}
	if ((b->rc = ipvsp_dests(sp, b->f, local, &v->dests, &v->n_dests)) < 0)
		return;
	b->p->n_vs++;
}

static bool ipvsp_same_family(const net_addr *a, int family)
{
	return a->family == family;
}

int ipvsp_port_build(const struct ipvsp_cfg *c, const struct pxm_svcport *sp,
                     struct ipvsp_port *out)
{
	struct ipvsp_b b = {.c = c, .sp = sp, .p = out};
	const char *pr = ipvsp_proto_name(sp->proto);
	char ip[NET_ADDR_STRLEN], ep[NET_ADDR_STRLEN], cidr[NET_ADDR_STRLEN + 4];
	size_t uniq;

	memset(out, 0, sizeof(*out));
	buf_init(&b.nft);
	if (!(b.f = pxm_svcport_family(sp, c->family)))
		goto done;

	/* Cluster IP: internal traffic; masqueraded from outside the cluster. */
	net_addr_fmt(&b.f->cluster_ip, ip, sizeof(ip));
	ipvsp_bind(&b, &b.f->cluster_ip);
	ipvsp_nft(&b, "svc-ips %s . %s . %u\n", ip, pr, (unsigned)sp->port);
	ipvsp_vs(&b, &b.f->cluster_ip, sp->port, sp->int_policy_local, NULL);

	/* External and LB IPs: external traffic. */
	for (size_t k = 0; k < 2; k++) {
		const net_addr *v = k ? sp->lb_ips : sp->external_ips;
		size_t n = k ? sp->n_lb_ips : sp->n_external_ips;

		for (size_t i = 0; i < n; i++) {
			if (!ipvsp_same_family(&v[i], c->family))
				continue;
			net_addr_fmt(&v[i], ip, sizeof(ip));
			ipvsp_bind(&b, &v[i]);
			if (!sp->ext_policy_local)
				ipvsp_nft(&b, "ext-masq %s . %s . %u\n", ip, pr,
				          (unsigned)sp->port);
			ipvsp_vs(&b, &v[i], sp->port, sp->ext_policy_local, NULL);
			if (!k)
				continue;
			/* loadBalancerSourceRanges of the family: the rest is dropped. */
			bool any = false;

			for (size_t r = 0; r < sp->n_lb_source_ranges; r++) {
				if (!ipvsp_same_family(&sp->lb_source_ranges[r].addr, c->family))
					continue;
				net_cidr_fmt(&sp->lb_source_ranges[r], cidr, sizeof(cidr));
				ipvsp_nft(&b, "fw-allow %s . %s . %u . %s\n", ip, pr,
				          (unsigned)sp->port, cidr);
				any = true;
			}
			if (any)
				ipvsp_nft(&b, "fw %s . %s . %u\n", ip, pr, (unsigned)sp->port);
		}
	}

	/* Node port: one virtual service per node address. */
	if (sp->node_port) {
		if (!sp->ext_policy_local)
			ipvsp_nft(&b, "np-masq %s . %u\n", pr, (unsigned)sp->node_port);
		ipvsp_nft(&b, "np-owned %s . %u\n", pr, (unsigned)sp->node_port);
		if (!(sp->ext_policy_local ? b.f->cat.n_local : b.f->cat.n_cluster))
			ipvsp_vs(&b, &b.f->cluster_ip, sp->node_port, sp->ext_policy_local, "np");
		else
			for (size_t i = 0; i < c->n_node_addrs; i++)
				if (ipvsp_same_family(&c->node_addrs[i], c->family))
					ipvsp_vs(&b, &c->node_addrs[i], sp->node_port,
					         sp->ext_policy_local, NULL);
	}

	/* Hairpin: an endpoint reaching itself through the service. */
	for (size_t i = b.f->ep_first; i < b.f->ep_first + b.f->n_eps && i < sp->n_eps; i++) {
		net_addr_fmt(&sp->eps[i].addr, ep, sizeof(ep));
		ipvsp_nft(&b, "hairpin %s . %s\n", ep, ep);
	}
	if (b.rc)
		goto done;
	if (out->n_vs)
		qsort(out->vs, out->n_vs, sizeof(*out->vs), ipvsp_vs_cmp);
	/* A port lists an address once per (address, proto, port): an external
	 * IP equal to a node address would repeat a node port service. */
	uniq = 0;
	for (size_t i = 0; i < out->n_vs; i++) {
		if (uniq && !ipvsp_vs_cmp(&out->vs[uniq - 1], &out->vs[i])) {
			free(out->vs[i].dests);
			continue;
		}
		out->vs[uniq++] = out->vs[i];
	}
	out->n_vs = uniq;
done:
	if (!b.rc && (buf_cstr(&b.nft) < 0 || !(out->nft = buf_steal(&b.nft, NULL))))
		b.rc = -ENOMEM;
	buf_free(&b.nft);
	if (b.rc)
		ipvsp_port_free(out);
	return b.rc;
}

/* ---- diff ---- */

static int ipvsp_push(struct ipvsp_ops *o, enum ipvsp_op_kind k, const struct ipvsnl_svc *s,
                      const struct ipvsnl_dest *d)
{
	struct ipvsp_op *v = vec_grow(o->v, &o->cap, o->n, 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	o->v = v;
	memset(&o->v[o->n], 0, sizeof(o->v[o->n]));
	o->v[o->n].kind = k;
	o->v[o->n].svc = *s;
	if (d)
		o->v[o->n].dest = *d;
	o->n++;
	return 0;
}

static bool ipvsp_svc_differs(const struct ipvsnl_svc *a, const struct ipvsnl_svc *b)
{
	return strcmp(a->sched, b->sched) || a->flags != b->flags ||
	       (a->flags & IP_VS_SVC_F_PERSISTENT && a->timeout != b->timeout);
}

static int ipvsp_diff_dests(const struct ipvsp_vs *o, const struct ipvsp_vs *n,
                            struct ipvsp_ops *out)
{
	static const struct ipvsp_vs none;
	size_t i = 0, j = 0;
	int rc = 0;

	if (!o)
		o = &none;
	while (!rc && (i < o->n_dests || j < n->n_dests)) {
		int c = i == o->n_dests   ? 1
		        : j == n->n_dests ? -1
		                          : ipvsp_dest_cmp(&o->dests[i], &n->dests[j]);

		if (c < 0) {
			rc = ipvsp_push(out, IPVSP_DEST_DEL, &n->svc, &o->dests[i++]);
		} else if (c > 0) {
			rc = ipvsp_push(out, IPVSP_DEST_ADD, &n->svc, &n->dests[j++]);
		} else {
			if (o->dests[i].weight != n->dests[j].weight ||
			    o->dests[i].fwd != n->dests[j].fwd)
				rc = ipvsp_push(out, IPVSP_DEST_EDIT, &n->svc, &n->dests[j]);
			i++;
			j++;
		}
	}
	return rc;
}

int ipvsp_diff(const struct ipvsp_vs *old, size_t n_old, const struct ipvsp_vs *nw, size_t n_new,
               struct ipvsp_ops *out)
{
	size_t i = 0, j = 0;
	int rc = 0;

	/* Deletions first: an address moving between ports frees its slot. */
	while (!rc && i < n_old) {
		int c = j == n_new ? -1 : ipvsp_vs_cmp(&old[i], &nw[j]);

		if (c < 0)
			rc = ipvsp_push(out, IPVSP_SVC_DEL, &old[i++].svc, NULL);
		else if (c > 0)
			j++;
		else
			i++, j++;
	}
	i = j = 0;
	while (!rc && j < n_new) {
		int c = i == n_old ? 1 : ipvsp_vs_cmp(&old[i], &nw[j]);

		if (c < 0) {
			i++;
		} else if (c > 0) {
			rc = ipvsp_push(out, IPVSP_SVC_ADD, &nw[j].svc, NULL);
			if (!rc)
				rc = ipvsp_diff_dests(NULL, &nw[j], out);
			j++;
		} else {
			if (ipvsp_svc_differs(&old[i].svc, &nw[j].svc))
				rc = ipvsp_push(out, IPVSP_SVC_EDIT, &nw[j].svc, NULL);
			if (!rc)
				rc = ipvsp_diff_dests(&old[i], &nw[j], out);
			i++;
			j++;
		}
	}
	return rc;
}

void ipvsp_ops_free(struct ipvsp_ops *o)
{
	free(o->v);
	memset(o, 0, sizeof(*o));
}
