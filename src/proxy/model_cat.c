/*
 * model_cat.c - pure helpers of the proxy model: kube-proxy's
 * CategorizeEndpoints, the chain-name hash, endpoint text, and the deep
 * equality and reference counting of service ports.
 */
#include <errno.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/model.h"

static bool ep_ready(const struct pxm_endpoint *e)
{
	return e->ready;
}

static bool ep_serving_terminating(const struct pxm_endpoint *e)
{
	return e->serving && e->terminating;
}

/* Sets bit on every endpoint that pred accepts (and, with local_only, is
 * local); returns how many. */
static size_t mark(struct pxm_endpoint *eps, size_t n, bool (*pred)(const struct pxm_endpoint *),
                   bool local_only, uint8_t bit)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (pred(&eps[i]) && (!local_only || eps[i].local)) {
			eps[i].cat |= bit;
			k++;
		}
	}
	return k;
}

/*
 * The structure follows kube-proxy's pkg/proxy/topology.go with topology mode
 * always "" (no hints): Cluster and Local policies each fall back to
 * serving-terminating endpoints independently, and the reachable set is the
 * cluster set unless the local set fell back (then it may hold terminating
 * local endpoints the cluster set lacks, and the two are merged).
 */
void pxm_categorize(struct pxm_endpoint *eps, size_t n, bool uses_cluster, bool uses_local,
                    struct pxm_cat *out)
{
	bool local_ready = false, local_st = false, local_fallback = false;

	memset(out, 0, sizeof(*out));
	out->uses_cluster = uses_cluster;
	out->uses_local = uses_local;
	for (size_t i = 0; i < n; i++)
		eps[i].cat = 0;
	if (n == 0)
		return;

	if (uses_cluster) {
		out->n_cluster = mark(eps, n, ep_ready, false, PXM_CAT_CLUSTER);
		/* No ready endpoint anywhere: serving-terminating ones keep
		 * connections working during a rolling update. */
		if (out->n_cluster == 0)
			out->n_cluster =
			    mark(eps, n, ep_serving_terminating, false, PXM_CAT_CLUSTER);
		out->has_any = out->n_cluster > 0;
	}

	if (uses_local) {
		for (size_t i = 0; i < n; i++) {
			if (eps[i].ready) {
				out->has_any = true;
				local_ready |= eps[i].local;
			} else if (ep_serving_terminating(&eps[i])) {
				out->has_any = true;
				local_st |= eps[i].local;
			}
		}
		if (local_ready) {
			out->n_local = mark(eps, n, ep_ready, true, PXM_CAT_LOCAL);
		} else if (local_st) {
			local_fallback = true;
			out->n_local = mark(eps, n, ep_serving_terminating, true, PXM_CAT_LOCAL);
		}
	}

	/* allReachableEndpoints: cluster alone, local alone, or (when the local
	 * set fell back) the union; it is a superset of both in every case. */
	for (size_t i = 0; i < n; i++) {
		uint8_t c = eps[i].cat;
		bool reach;

		if (!uses_local)
			reach = c & PXM_CAT_CLUSTER;
		else if (!uses_cluster)
			reach = c & PXM_CAT_LOCAL;
		else if (!local_fallback)
			reach = c & PXM_CAT_CLUSTER;
		else
			reach = c & (PXM_CAT_CLUSTER | PXM_CAT_LOCAL);
		if (reach) {
			eps[i].cat |= PXM_CAT_REACHABLE;
			out->n_reachable++;
		}
	}
}

void pxm_hash(const void *data, size_t len, char out[PXM_HASH_LEN + 1])
{
	static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256(data, len, md);
	/* 16 characters of 5 bits are the first 10 bytes of the digest. */
	for (int i = 0; i < PXM_HASH_LEN; i++) {
		int bit = i * 5, byte = bit / 8, shift = bit % 8;
		unsigned v = ((unsigned)md[byte] << 8 | md[byte + 1]) >> (11 - shift);

		out[i] = b32[v & 31];
	}
	out[PXM_HASH_LEN] = '\0';
}

struct str_ref {
	const char *s;
	size_t i;
};

static int str_ref_cmp(const void *x, const void *y)
{
	return strcmp(((const struct str_ref *)x)->s, ((const struct str_ref *)y)->s);
}

char *pxm_pack_strings(const char **in, size_t n, const char **out, int *rc)
{
	struct str_ref *v;
	size_t k = 0, total = 0, off = 0;
	char *block;

	if (n == 0)
		return NULL;
	v = malloc(n * sizeof(*v));
	if (!v) {
		*rc = -ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (in[i])
			v[k++] = (struct str_ref){in[i], i};
	/* Sorted, equal strings are neighbours: each distinct one is sized
	 * and copied once, in O(n log n) even for thousands of nodes. */
	qsort(v, k, sizeof(*v), str_ref_cmp);
	for (size_t i = 0; i < k; i++)
		if (i == 0 || strcmp(v[i].s, v[i - 1].s) != 0)
			total += strlen(v[i].s) + 1;
	block = total ? malloc(total) : NULL;
	if (total && !block) {
		free(v);
		*rc = -ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (!in[i])
			out[i] = NULL;
	for (size_t i = 0; i < k; i++) {
		if (i == 0 || strcmp(v[i].s, v[i - 1].s) != 0) {
			size_t len = strlen(v[i].s) + 1;

			memcpy(block + off, v[i].s, len);
			off += len;
		}
		out[v[i].i] = block + off - (strlen(v[i].s) + 1);
	}
	free(v);
	return block;
}

int pxm_endpoint_str(const struct pxm_endpoint *ep, char *out, size_t outlen)
{
	char ip[NET_ADDR_STRLEN];
	int n;

	if (net_addr_fmt(&ep->addr, ip, sizeof(ip)) < 0)
		return -EINVAL;
	n = snprintf(out, outlen, ep->addr.family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip,
	             (unsigned)ep->port);
	return n < 0 || (size_t)n >= outlen ? -ENOSPC : n;
}

bool pxm_svcport_external(const struct pxm_svcport *sp, int family)
{
	if (sp->node_port)
		return true;
	for (size_t i = 0; i < sp->n_external_ips; i++)
		if (sp->external_ips[i].family == family)
			return true;
	for (size_t i = 0; i < sp->n_lb_ips; i++)
		if (sp->lb_ips[i].family == family)
			return true;
	return false;
}

void pxm_svcport_uses(const struct pxm_svcport *sp, int family, bool *uses_cluster,
                      bool *uses_local)
{
	bool ext = pxm_svcport_external(sp, family);

	*uses_cluster = !sp->int_policy_local || ext;
	*uses_local = sp->int_policy_local || (sp->ext_policy_local && ext);
}

const struct pxm_family *pxm_svcport_family(const struct pxm_svcport *sp, int family)
{
	const struct pxm_family *f = &sp->fam[family == AF_INET6 ? PXM_V6 : PXM_V4];

	return family && f->family == family ? f : NULL;
}

const struct pxm_svcport *pxm_svcport_ref(const struct pxm_svcport *sp)
{
	if (sp)
		((struct pxm_svcport *)sp)->refs++;
	return sp;
}

void pxm_svcport_unref(const struct pxm_svcport *csp)
{
	struct pxm_svcport *sp = (struct pxm_svcport *)csp;

	if (!sp || --sp->refs > 0)
		return;
	free(sp->strs);
	free(sp->eps);
	free(sp->external_ips);
	free(sp->lb_ips);
	free(sp->lb_source_ranges);
	free(sp->key);
	free(sp->ns);
	free(sp->name);
	free(sp->port_name);
	free(sp);
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool ep_equal(const struct pxm_endpoint *a, const struct pxm_endpoint *b)
{
	return net_addr_cmp(&a->addr, &b->addr) == 0 && a->port == b->port &&
	       a->ready == b->ready && a->serving == b->serving &&
	       a->terminating == b->terminating && a->local == b->local && a->cat == b->cat &&
	       str_eq(a->node_name, b->node_name);
}

static bool addrs_equal(const net_addr *a, const net_addr *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (net_addr_cmp(&a[i], &b[i]) != 0)
			return false;
	return true;
}

static bool fam_equal(const struct pxm_family *a, const struct pxm_family *b)
{
	return a->family == b->family &&
	       (!a->family || net_addr_cmp(&a->cluster_ip, &b->cluster_ip) == 0) &&
	       a->ep_first == b->ep_first && a->n_eps == b->n_eps &&
	       a->cat.uses_cluster == b->cat.uses_cluster &&
	       a->cat.uses_local == b->cat.uses_local && a->cat.has_any == b->cat.has_any &&
	       a->cat.n_cluster == b->cat.n_cluster && a->cat.n_local == b->cat.n_local &&
	       a->cat.n_reachable == b->cat.n_reachable;
}

bool pxm_svcport_equal(const struct pxm_svcport *a, const struct pxm_svcport *b)
{
	if (a == b)
		return true;
	if (!a || !b)
		return false;
	if (!str_eq(a->key, b->key) || !str_eq(a->ns, b->ns) || !str_eq(a->name, b->name) ||
	    !str_eq(a->port_name, b->port_name) || a->proto != b->proto || a->type != b->type ||
	    a->port != b->port || a->node_port != b->node_port ||
	    a->health_check_node_port != b->health_check_node_port ||
	    a->n_cluster_ips != b->n_cluster_ips || a->n_external_ips != b->n_external_ips ||
	    a->n_lb_ips != b->n_lb_ips || a->n_lb_source_ranges != b->n_lb_source_ranges ||
	    a->affinity_client_ip != b->affinity_client_ip ||
	    a->affinity_timeout_s != b->affinity_timeout_s ||
	    a->ext_policy_local != b->ext_policy_local ||
	    a->int_policy_local != b->int_policy_local || a->n_eps != b->n_eps)
		return false;
	if (!addrs_equal(a->cluster_ips, b->cluster_ips, a->n_cluster_ips) ||
	    !addrs_equal(a->external_ips, b->external_ips, a->n_external_ips) ||
	    !addrs_equal(a->lb_ips, b->lb_ips, a->n_lb_ips))
		return false;
	for (size_t i = 0; i < a->n_lb_source_ranges; i++)
		if (a->lb_source_ranges[i].prefix != b->lb_source_ranges[i].prefix ||
		    net_addr_cmp(&a->lb_source_ranges[i].addr, &b->lb_source_ranges[i].addr) != 0)
			return false;
	for (size_t i = 0; i < a->n_eps; i++)
		if (!ep_equal(&a->eps[i], &b->eps[i]))
			return false;
	return fam_equal(&a->fam[0], &b->fam[0]) && fam_equal(&a->fam[1], &b->fam[1]);
}
