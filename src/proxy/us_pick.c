/*
 * us_pick.c - which endpoint a new connection or UDP flow of the userspace
 * mode gets: round robin over the listener's endpoints (kube-proxy's
 * userspace LoadBalancerRR), or with sessionAffinity ClientIP the endpoint the
 * client last used, until it has been idle for the affinity timeout.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/us_int.h"

static bool pxus_sa_eq(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
	return a->sin_addr.s_addr == b->sin_addr.s_addr && a->sin_port == b->sin_port;
}

static int pxus_eps_of(const struct pxm_svcport *sp, const struct pxm_family *f, uint8_t cat,
                       struct pxus_ep **out, size_t *n)
{
	struct pxus_ep *v;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!f->n_eps)
		return 0;
	v = calloc(f->n_eps, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = f->ep_first; i < f->ep_first + f->n_eps && i < sp->n_eps; i++) {
		const struct pxm_endpoint *ep = &sp->eps[i];

		if (!(ep->cat & cat) || ep->addr.family != AF_INET)
			continue;
		v[k].sa.sin_family = AF_INET;
		memcpy(&v[k].sa.sin_addr, ep->addr.a, 4);
		v[k].sa.sin_port = htons(ep->port);
		k++;
	}
	if (!k) {
		free(v);
		v = NULL;
	}
	*out = v;
	*n = k;
	return 0;
}

bool pxus_lsn_has_ep(const struct pxus_lsn *l, const struct sockaddr_in *ep)
{
	for (size_t i = 0; i < l->n_eps; i++)
		if (pxus_sa_eq(&l->eps[i].sa, ep))
			return true;
	for (size_t i = 0; i < l->n_cl_eps; i++)
		if (pxus_sa_eq(&l->cl_eps[i].sa, ep))
			return true;
	return false;
}

void pxus_lsn_free_eps(struct pxus_lsn *l)
{
	free(l->eps);
	free(l->cl_eps);
	free(l->aff);
	l->eps = l->cl_eps = NULL;
	l->aff = NULL;
	l->n_eps = l->n_cl_eps = l->aff_cap = l->aff_n = 0;
}

int pxus_lsn_set_eps(struct pxus_lsn *l, const struct pxm_svcport *sp, int family)
{
	const struct pxm_family *f = pxm_svcport_family(sp, family);
	struct pxus_ep *eps = NULL, *cl = NULL;
	size_t n = 0, ncl = 0;
	bool local = l->external ? sp->ext_policy_local : sp->int_policy_local;

	if (f && (pxus_eps_of(sp, f, local ? PXM_CAT_LOCAL : PXM_CAT_CLUSTER, &eps, &n) < 0 ||
	          (l->external && local && pxus_eps_of(sp, f, PXM_CAT_CLUSTER, &cl, &ncl) < 0))) {
		free(eps);
		return -ENOMEM;
	}
	free(l->eps);
	free(l->cl_eps);
	l->eps = eps;
	l->n_eps = n;
	l->cl_eps = cl;
	l->n_cl_eps = ncl;
	if (l->rr >= n)
		l->rr = 0;
	if (l->cl_rr >= ncl)
		l->cl_rr = 0;
	l->affinity = sp->affinity_client_ip;
	l->affinity_s = sp->affinity_timeout_s;
	/* Entries to endpoints that went are dead; without affinity, all are. */
	for (size_t i = 0; i < l->aff_cap; i++)
		if (l->aff[i].used && (!l->affinity || !pxus_lsn_has_ep(l, &l->aff[i].ep)))
			l->aff[i].last_ms = 0;
	return 0;
}

static size_t pxus_aff_hash(uint32_t ip, size_t cap)
{
	uint32_t h = ip * 2654435761u;

	return (h ^ (h >> 16)) & (cap - 1);
}

static bool pxus_aff_live(const struct pxus_lsn *l, const struct pxus_aff *a, uint64_t now)
{
	return a->last_ms && now - a->last_ms < (uint64_t)l->affinity_s * 1000;
}

/* The live entry of client, or NULL. */
static struct pxus_aff *pxus_aff_find(struct pxus_lsn *l, uint32_t client, uint64_t now)
{
	if (!l->aff_cap)
		return NULL;
	for (size_t i = pxus_aff_hash(client, l->aff_cap), k = 0; k < l->aff_cap;
	     k++, i = (i + 1) & (l->aff_cap - 1)) {
		struct pxus_aff *a = &l->aff[i];

		if (!a->used)
			return NULL;
		if (a->client == client)
			return pxus_aff_live(l, a, now) ? a : NULL;
	}
	return NULL;
}

static void pxus_aff_grow(struct pxus_lsn *l, uint64_t now)
{
	size_t cap = l->aff_cap ? l->aff_cap * 2 : 256;
	struct pxus_aff *v, *old = l->aff;
	size_t ocap = l->aff_cap;

	if (cap > PXUS_MAX_AFFINITY)
		return;
	v = calloc(cap, sizeof(*v));
	if (!v)
		return; /* keeps working, full table: entries get overwritten */
	l->aff = v;
	l->aff_cap = cap;
	l->aff_n = 0;
	for (size_t i = 0; i < ocap; i++) {
		size_t j;

		if (!old[i].used || !pxus_aff_live(l, &old[i], now))
			continue;
		for (j = pxus_aff_hash(old[i].client, cap); v[j].used; j = (j + 1) & (cap - 1))
			;
		v[j] = old[i];
		l->aff_n++;
	}
	free(old);
}

static void pxus_aff_put(struct pxus_lsn *l, uint32_t client, const struct sockaddr_in *ep,
                         uint64_t now)
{
	struct pxus_aff *slot = NULL;

	if (l->aff_n * 2 >= l->aff_cap)
		pxus_aff_grow(l, now);
	if (!l->aff_cap)
		return;
	for (size_t i = pxus_aff_hash(client, l->aff_cap), k = 0; k < l->aff_cap;
	     k++, i = (i + 1) & (l->aff_cap - 1)) {
		struct pxus_aff *a = &l->aff[i];

		if (!a->used) {
			if (!slot) {
				slot = a;
				l->aff_n++;
			}
			break;
		}
		if (a->client == client) {
			slot = a;
			break;
		}
		if (!slot && !pxus_aff_live(l, a, now))
			slot = a; /* reusable, but client may still sit further on */
	}
	if (!slot) /* full of live entries: overwrite the home slot */
		slot = &l->aff[pxus_aff_hash(client, l->aff_cap)];
	slot->used = true;
	slot->client = client;
	slot->ep = *ep;
	slot->last_ms = now;
}

size_t pxus_pick(struct pxus_lsn *l, const struct sockaddr_in *client, bool local_src,
                 uint64_t now_ms, struct sockaddr_in *out, size_t max)
{
	struct pxus_ep *eps = l->eps;
	size_t n = l->n_eps, *rr = &l->rr, first, k = 0;
	struct pxus_aff *a;

	if (local_src && l->cl_eps) {
		eps = l->cl_eps;
		n = l->n_cl_eps;
		rr = &l->cl_rr;
	}
	if (!n || !max)
		return 0;
	first = *rr % n;
	if (l->affinity && (a = pxus_aff_find(l, client->sin_addr.s_addr, now_ms))) {
		a->last_ms = now_ms;
		out[k++] = a->ep;
		for (size_t i = 0; i < n; i++)
			if (pxus_sa_eq(&eps[i].sa, &a->ep))
				first = (i + 1) % n;
	} else {
		*rr = (first + 1) % n;
		if (l->affinity)
			pxus_aff_put(l, client->sin_addr.s_addr, &eps[first].sa, now_ms);
	}
	/* The next ones in order, for retries after a failed connect. */
	for (size_t i = 0; i < n && k < max; i++) {
		const struct sockaddr_in *sa = &eps[(first + i) % n].sa;

		if (!k || !pxus_sa_eq(sa, &out[0]))
			out[k++] = *sa;
	}
	return k;
}

void pxus_pick_moved(struct pxus_lsn *l, const struct sockaddr_in *client,
                     const struct sockaddr_in *ep, uint64_t now_ms)
{
	if (l->affinity)
		pxus_aff_put(l, client->sin_addr.s_addr, ep, now_ms);
}
