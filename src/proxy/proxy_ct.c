/*
 * proxy_ct.c - after a sync, the UDP flows that no longer go where the rules
 * send new ones are deleted from conntrack (kube-proxy's conntrack
 * reconciliation): flows DNATed to an endpoint that is gone, and flows that
 * began while the Service had no endpoint (not DNATed at all). Without this
 * a client that keeps sending keeps its stale entry alive forever.
 *
 * One match per address the port answers on (cluster IP, external and LB
 * IPs) plus one for its node port, each keeping the endpoints the rules may
 * still choose; pxct_delete handles them all with one conntrack dump.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "proxy/conntrack.h"
#include "proxy/proxy_int.h"

/* Addresses (of family) that the rules may send this port's traffic to. */
static size_t ct_keep(const struct pxm_svcport *sp, const struct pxm_family *f, net_addr *out)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n_eps; i++) {
		const struct pxm_endpoint *ep = &sp->eps[f->ep_first + i];

		if (ep->cat & PXM_CAT_REACHABLE)
			out[n++] = ep->addr;
	}
	return n;
}

static size_t ct_matches_of(const struct pxm_svcport *sp, const struct pxm_family *f, pxct_match *m,
                            net_addr *keep, size_t nkeep)
{
	int family = f->family;
	size_t n = 0;

	m[n++] = (pxct_match){IPPROTO_UDP, f->cluster_ip, sp->port, {0}, keep, nkeep};
	for (size_t i = 0; i < sp->n_external_ips; i++)
		if (sp->external_ips[i].family == family)
			m[n++] = (pxct_match){IPPROTO_UDP, sp->external_ips[i], sp->port, {0}, keep,
			                      nkeep};
	for (size_t i = 0; i < sp->n_lb_ips; i++)
		if (sp->lb_ips[i].family == family)
			m[n++] =
			    (pxct_match){IPPROTO_UDP, sp->lb_ips[i], sp->port, {0}, keep, nkeep};
	if (sp->node_port)
		m[n++] = (pxct_match){
		    .proto = IPPROTO_UDP, .port = sp->node_port, .keep = keep, .nkeep = nkeep};
	return n;
}

void proxy_ct_cleanup(proxy *p, int family, const struct pxm_svcport *const *ports, size_t n)
{
	size_t nm = 0, nk = 0, cap_m = 0, cap_k = 0;
	pxct_match *m;
	net_addr *keep;
	int rc;

	for (size_t i = 0; i < n; i++) {
		const struct pxm_family *f = pxm_svcport_family(ports[i], family);

		if (!f)
			continue;
		cap_m += 2 + ports[i]->n_external_ips + ports[i]->n_lb_ips;
		cap_k += f->n_eps;
	}
	if (!cap_m)
		return;
	m = calloc(cap_m, sizeof(*m));
	keep = calloc(cap_k + 1, sizeof(*keep));
	if (!m || !keep) {
		free(m);
		free(keep);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct pxm_family *f = pxm_svcport_family(ports[i], family);
		size_t k;

		if (!f)
			continue;
		k = ct_keep(ports[i], f, keep + nk);
		nm += ct_matches_of(ports[i], f, m + nm, keep + nk, k);
		nk += k;
	}
	rc = pxct_delete(family, m, nm);
	if (rc < 0) {
		p->n_ct_errors++;
		log_warn("proxy", "conntrack cleanup: %s", strerror(-rc));
	} else if (rc > 0) {
		p->n_ct_deleted += (unsigned long long)rc;
		log_info("proxy", "conntrack: deleted %d stale UDP entries", rc);
	}
	free(m);
	free(keep);
}
