/*
 * nft_gen.c - the nftables mode's script text: a service port's plan (what
 * it puts in the table, see nft_int.h), the table's fixed part, the shared
 * chains, and the transaction a sync sends.
 *
 * Everything written here comes from parsed numbers, re-formatted addresses,
 * fixed words, or names reduced to the characters nft reads in a name, so a
 * Service's fields cannot change a script's syntax.
 */
#include "proxy/nft_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

const char *const pxnft_base_chains[] = {"filter-prerouting",
                                         "filter-input",
                                         "filter-forward",
                                         "filter-output",
                                         "filter-output-post-dnat",
                                         "nat-prerouting",
                                         "nat-output",
                                         "nat-postrouting",
                                         NULL};
const char *const pxnft_fixed_chains[] = {"services",
                                          "service-endpoints-check",
                                          "nodeport-endpoints-check",
                                          "firewall-check",
                                          "firewall-source-check",
                                          "reject-chain",
                                          "mark-for-masquerade",
                                          "masquerading",
                                          PXNFT_CANARY,
                                          NULL};
const char *const pxnft_fixed_maps[] = {"service-ips",          "service-nodeports",
                                        "no-endpoint-services", "no-endpoint-nodeports",
                                        "firewall-ips",         NULL};
const char *const pxnft_fixed_sets[] = {"firewall-allow", "hairpin", NULL};

int pxnft_fam_init(int family, struct pxnft_fam *f)
{
	if (family == AF_INET)
		*f = (struct pxnft_fam){AF_INET, "ip", "ipv4_addr", "127.0.0.0/8"};
	else if (family == AF_INET6)
		*f = (struct pxnft_fam){AF_INET6, "ip6", "ipv6_addr", "::1"};
	else
		return -EINVAL;
	return 0;
}

int pxnft_gen_init(struct pxnft_gen *g, const struct pxb_config *cfg)
{
	int rc;

	memset(g, 0, sizeof(*g));
	g->cfg = cfg;
	if ((rc = pxnft_fam_init(cfg->family, &g->fam)) < 0)
		return rc;
	snprintf(g->mark, sizeof(g->mark), "0x%x",
	         cfg->masq_mark ? cfg->masq_mark : PXB_MASQ_MARK_DEFAULT);
	if (cfg->cluster_cidr.addr.family == cfg->family &&
	    net_cidr_fmt(&cfg->cluster_cidr, g->cidr, sizeof(g->cidr)) < 0)
		g->cidr[0] = '\0';
	/* No Pod range known, or told so: every source is masqueraded. */
	if (g->cidr[0] && !cfg->masquerade_all)
		snprintf(g->masq_if, sizeof(g->masq_if), "%s saddr != %s ", g->fam.ip, g->cidr);
	return 0;
}

/* ---- names ---- */

/* What nft reads in an unquoted name besides letters and digits. */
static void pxnft_name_clean(char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.' || *s == '/'))
			*s = '_';
}

void pxnft_port_name(char out[PXNFT_NAME_MAX], const char *prefix, const struct pxm_svcport *sp,
                     const struct pxm_endpoint *ep)
{
	/* kube-proxy: names of at most 256, prefixes of at most 16. */
	enum { BASE_MAX = PXNFT_NAME_MAX - 16 };
	char base[PXNFT_NAME_MAX * 2], proto[8], hash[PXM_HASH_LEN + 1];
	size_t n;
	int len;

	snprintf(proto, sizeof(proto), "%s", pxm_proto_name(sp->proto));
	for (char *p = proto; *p; p++)
		*p = (char)(*p - 'A' + 'a');
	len = snprintf(base, sizeof(base), "%s/%s/%s/%s", sp->ns, sp->name, proto,
	               sp->port_name ? sp->port_name : "");
	if (ep && len >= 0 && (size_t)len < sizeof(base)) {
		char ip[NET_ADDR_STRLEN] = "";

		net_addr_fmt(&ep->addr, ip, sizeof(ip));
		for (char *p = ip; *p; p++)
			if (*p == ':')
				*p = '.';
		snprintf(base + len, sizeof(base) - (size_t)len, "__%s/%u", ip, (unsigned)ep->port);
	}
	pxm_hash(base, strlen(base), hash);
	len = snprintf(out, PXNFT_NAME_MAX, "%s%.8s-%s", prefix, hash, base);
	n = strlen(prefix);
	if (len >= 0 && (size_t)len - n > BASE_MAX)
		memcpy(out + n + BASE_MAX - 3, "...", 4);
	pxnft_name_clean(out);
}

/* ---- a port's plan ---- */

struct pxnft_pp {
	struct pxnft_gen *g;
	const struct pxm_svcport *sp;
	const char *owner;
	buf *out;
	char proto[8];
	const struct pxm_endpoint **cl, **lo; /* cluster and local endpoints */
	size_t nc, nl;
	bool has_any, has_int, has_ext, ext_chain, ext_local, int_local, aff;
	bool used_cl, used_lo;   /* endpoint elements of a list were written */
	bool used_int, used_ext; /* elements point at the internal/external chain */
	char int_to[PXNFT_NAME_MAX], ext_to[PXNFT_NAME_MAX];
	char svc_c[PXNFT_NAME_MAX], svc_l[PXNFT_NAME_MAX], svc_x[PXNFT_NAME_MAX];
	int err;
};

static void pp_line(struct pxnft_pp *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void pp_line(struct pxnft_pp *p, const char *fmt, ...)
{
	va_list ap;

	if (p->err)
		return;
	va_start(ap, fmt);
	p->err = buf_vprintf(p->out, fmt, ap);
	va_end(ap);
	if (!p->err)
		p->err = buf_puts(p->out, "\n");
}

/* The first claim of a destination wins, in this port or another. */
static bool pp_claim(struct pxnft_pp *p, const char *dest)
{
	if (dict_get(p->g->owner, dest)) {
		log_debug("proxy", "nftables: %s of %s is taken by another port, skipped", dest,
		          p->sp->key);
		return false;
	}
	if (dict_set(p->g->owner, dest, (void *)p->owner, NULL) < 0) {
		p->err = -ENOMEM;
		return false;
	}
	pp_line(p, "D %s", dest);
	return true;
}

static const char *pp_noep_verdict(const struct pxnft_pp *p)
{
	/* Endpoints elsewhere but none for this traffic: drop, as kube-proxy. */
	return p->has_any ? "drop" : "goto reject-chain";
}

/* Endpoint elements of one list for a destination: key is "<ip> . <port>"
 * or "<nodePort>" (the maps are per protocol). */
static void pp_eps(struct pxnft_pp *p, const char *key, bool nodeport, bool local)
{
	const struct pxm_endpoint **v = local ? p->lo : p->cl;
	size_t n = local ? p->nl : p->nc;

	if (p->aff || n == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		char ip[NET_ADDR_STRLEN] = "";

		net_addr_fmt(&v[i]->addr, ip, sizeof(ip));
		pp_line(p, "E endpoint-%s-%s-%zu-%s %s . %zu : %s . %u",
		        nodeport ? "nodeports" : "ips", local ? "local" : "cluster", n, p->proto,
		        key, i, ip, (unsigned)v[i]->port);
	}
	if (local)
		p->used_lo = true;
	else
		p->used_cl = true;
}

/* External traffic's endpoints: local ones under eTP Local, plus the
 * cluster-wide ones that short-circuited traffic uses. */
static void pp_ext_eps(struct pxnft_pp *p, const char *key, bool nodeport)
{
	if (p->ext_local)
		pp_eps(p, key, nodeport, true);
	pp_eps(p, key, nodeport, false);
}

/* loadBalancerSourceRanges of the family, nested ranges left out: the
 * interval set refuses overlapping elements. */
static void pp_firewall(struct pxnft_pp *p, const char *dest)
{
	const struct pxm_svcport *sp = p->sp;
	bool any = false;

	for (size_t i = 0; i < sp->n_lb_source_ranges; i++) {
		const net_cidr *r = &sp->lb_source_ranges[i];
		char c[NET_CIDR_STRLEN];
		bool covered = false;

		if (r->addr.family != p->g->fam.family)
			continue;
		for (size_t j = 0; j < sp->n_lb_source_ranges && !covered; j++) {
			const net_cidr *o = &sp->lb_source_ranges[j];

			if (j == i || o->addr.family != r->addr.family ||
			    !net_cidr_contains(o, &r->addr))
				continue;
			covered = o->prefix < r->prefix || (o->prefix == r->prefix && j < i);
		}
		if (covered || net_cidr_fmt(r, c, sizeof(c)) < 0)
			continue;
		if (!any)
			pp_line(p, "E firewall-ips %s : goto firewall-source-check", dest);
		any = true;
		pp_line(p, "E firewall-allow %s . %s", dest, c);
	}
}

enum pxnft_dkind { PXNFT_D_CLUSTER, PXNFT_D_EXTERNAL, PXNFT_D_LB };

static void pp_dest_ip(struct pxnft_pp *p, const net_addr *a, enum pxnft_dkind kind)
{
	char ip[NET_ADDR_STRLEN], dest[NET_ADDR_STRLEN + 32], key[NET_ADDR_STRLEN + 16];

	if (a->family != p->g->fam.family || net_addr_fmt(a, ip, sizeof(ip)) < 0)
		return;
	snprintf(dest, sizeof(dest), "%s . %s . %u", ip, p->proto, (unsigned)p->sp->port);
	snprintf(key, sizeof(key), "%s . %u", ip, (unsigned)p->sp->port);
	if (!pp_claim(p, dest))
		return;
	if (kind == PXNFT_D_CLUSTER) {
		if (!p->has_int) {
			pp_line(p, "E no-endpoint-services %s : %s", dest, pp_noep_verdict(p));
			return;
		}
		pp_line(p, "E service-ips %s : goto %s", dest, p->int_to);
		p->used_int = true;
		pp_eps(p, key, false, p->int_local);
		return;
	}
	if (p->ext_chain) {
		pp_line(p, "E service-ips %s : goto %s", dest, p->ext_to);
		p->used_ext = true;
		pp_ext_eps(p, key, false);
	}
	if (!p->has_ext)
		pp_line(p, "E no-endpoint-services %s : %s", dest, pp_noep_verdict(p));
	if (kind == PXNFT_D_LB)
		pp_firewall(p, dest);
}

static void pp_dest_nodeport(struct pxnft_pp *p)
{
	char dest[32], key[8];

	if (!p->sp->node_port)
		return;
	snprintf(dest, sizeof(dest), "%s . %u", p->proto, (unsigned)p->sp->node_port);
	snprintf(key, sizeof(key), "%u", (unsigned)p->sp->node_port);
	if (!pp_claim(p, dest))
		return;
	if (p->ext_chain) {
		pp_line(p, "E service-nodeports %s : goto %s", dest, p->ext_to);
		p->used_ext = true;
		pp_ext_eps(p, key, true);
	}
	if (!p->has_ext)
		pp_line(p, "E no-endpoint-nodeports %s : %s", dest, pp_noep_verdict(p));
}

/* Endpoints whose own traffic may come back to them through this node's
 * DNAT. A client's connection is translated on the client's node, so only
 * this node's Pods can meet themselves here (traffic arriving from other
 * nodes is external and masqueraded, or goes to local endpoints only). */
static bool pp_hairpin_candidate(const struct pxnft_pp *p, const struct pxm_endpoint *ep)
{
	const char *node = p->g->cfg->node_name;

	return !node || !*node || !ep->node_name || ep->local;
}

static void pp_hairpin(struct pxnft_pp *p)
{
	for (int l = 0; l < 2; l++) {
		const struct pxm_endpoint **v = l ? p->lo : p->cl;
		size_t n = l ? p->nl : p->nc;

		if (!(l ? p->used_lo : p->used_cl))
			continue;
		for (size_t i = 0; i < n; i++) {
			char ip[NET_ADDR_STRLEN];

			/* A local endpoint is in both lists. */
			if (l && p->used_cl && (v[i]->cat & PXM_CAT_CLUSTER))
				continue;
			if (pp_hairpin_candidate(p, v[i]) &&
			    net_addr_fmt(&v[i]->addr, ip, sizeof(ip)) >= 0)
				pp_line(p, "H %s", ip);
		}
	}
}

/* ---- kube-proxy's own chains, for ports with ClientIP affinity ---- */

static void pp_aff_dispatch(struct pxnft_pp *p, const char *chain, bool local)
{
	const struct pxm_endpoint **v = local ? p->lo : p->cl;
	size_t n = local ? p->nl : p->nc;
	const struct pxm_svcport *sp = p->sp;
	char cip[NET_ADDR_STRLEN] = "", name[PXNFT_NAME_MAX];
	const struct pxm_family *f = pxm_svcport_family(sp, p->g->fam.family);
	buf vm = BUF_INIT;

	pp_line(p, "C %s", chain);
	/* Masquerade off-cluster sources, in the chain cluster IP traffic takes. */
	if (p->has_int && local == p->int_local &&
	    net_addr_fmt(&f->cluster_ip, cip, sizeof(cip)) >= 0)
		pp_line(p, "R %s daddr %s %s dport %u %sjump mark-for-masquerade", p->g->fam.ip,
		        cip, p->proto, (unsigned)sp->port, p->g->masq_if);
	for (size_t i = 0; i < n; i++) {
		char aff[PXNFT_NAME_MAX];

		pxnft_port_name(aff, "affinity-", sp, v[i]);
		pxnft_port_name(name, "endpoint-", sp, v[i]);
		pp_line(p, "R %s saddr @%s goto %s", p->g->fam.ip, aff, name);
	}
	for (size_t i = 0; i < n && !p->err; i++) {
		pxnft_port_name(name, "endpoint-", sp, v[i]);
		p->err = buf_printf(&vm, "%s%zu : goto %s", i ? ", " : "", i, name);
	}
	if (!p->err)
		p->err = buf_cstr(&vm);
	if (!p->err)
		pp_line(p, "R numgen random mod %zu vmap { %s }", n, vm.data);
	buf_free(&vm);
}

static void pp_aff_external(struct pxnft_pp *p)
{
	const char *ip = p->g->fam.ip;

	pp_line(p, "C %s", p->svc_x);
	if (!p->ext_local) {
		pp_line(p, "R jump mark-for-masquerade");
		pp_line(p, "R goto %s", p->svc_c);
		return;
	}
	/* Pods and the node reaching an external address are not subject to
	 * the external policy (as if they went out to the load balancer). */
	if (p->g->cidr[0] && p->nc)
		pp_line(p, "R %s saddr %s goto %s", ip, p->g->cidr, p->svc_c);
	pp_line(p, "R fib saddr type local jump mark-for-masquerade");
	if (p->nc)
		pp_line(p, "R fib saddr type local goto %s", p->svc_c);
	if (p->nl)
		pp_line(p, "R goto %s", p->svc_l);
}

static void pp_aff_endpoint(struct pxnft_pp *p, const struct pxm_endpoint *ep)
{
	char name[PXNFT_NAME_MAX], aff[PXNFT_NAME_MAX], ip[NET_ADDR_STRLEN] = "", to[64] = "";

	pxnft_port_name(name, "endpoint-", p->sp, ep);
	pxnft_port_name(aff, "affinity-", p->sp, ep);
	net_addr_fmt(&ep->addr, ip, sizeof(ip));
	pxm_endpoint_str(ep, to, sizeof(to));
	pp_line(p, "C %s", name);
	pp_line(p, "R %s saddr %s jump mark-for-masquerade", p->g->fam.ip, ip);
	pp_line(p, "R update @%s { %s saddr }", aff, p->g->fam.ip);
	pp_line(p, "R meta l4proto %s dnat to %s", p->proto, to);
	pp_line(p, "S %s %u", aff, (unsigned)p->sp->affinity_timeout_s);
}

static void pp_affinity(struct pxnft_pp *p)
{
	if (p->nc)
		pp_aff_dispatch(p, p->svc_c, false);
	if (p->nl)
		pp_aff_dispatch(p, p->svc_l, true);
	if (p->ext_chain)
		pp_aff_external(p);
	for (size_t i = 0; i < p->nc; i++)
		pp_aff_endpoint(p, p->cl[i]);
	/* Local endpoints not already made as cluster ones. */
	for (size_t i = 0; i < p->nl; i++)
		if (!p->nc || !(p->lo[i]->cat & PXM_CAT_CLUSTER))
			pp_aff_endpoint(p, p->lo[i]);
}

/* ---- putting a port together ---- */

static int pp_lists(struct pxnft_pp *p, const struct pxm_family *f)
{
	size_t n = f->n_eps ? f->n_eps : 1;

	p->cl = malloc(n * sizeof(*p->cl));
	p->lo = malloc(n * sizeof(*p->lo));
	if (!p->cl || !p->lo)
		return -ENOMEM;
	for (size_t i = f->ep_first; i < f->ep_first + f->n_eps; i++) {
		const struct pxm_endpoint *ep = &p->sp->eps[i];

		if (f->cat.uses_cluster && (ep->cat & PXM_CAT_CLUSTER))
			p->cl[p->nc++] = ep;
		if (f->cat.uses_local && (ep->cat & PXM_CAT_LOCAL))
			p->lo[p->nl++] = ep;
	}
	return 0;
}

static void pp_targets(struct pxnft_pp *p)
{
	const struct pxm_svcport *sp = p->sp;
	int fam = p->g->fam.family;
	bool ext = pxm_svcport_external(sp, fam);

	p->aff = sp->affinity_client_ip;
	p->int_local = sp->int_policy_local;
	p->ext_local = sp->ext_policy_local && ext;
	p->has_int = p->has_any && (p->int_local ? p->nl > 0 : p->nc > 0);
	p->has_ext = p->has_any && (p->ext_local ? p->nl > 0 : p->nc > 0);
	/* kube-proxy keeps the external chain with no local endpoint too: it
	 * still short-circuits the node's and the Pods' own traffic. */
	p->ext_chain = p->has_any && ext && (p->ext_local || p->nc > 0);
	if (p->aff) {
		pxnft_port_name(p->svc_c, "service-", sp, NULL);
		pxnft_port_name(p->svc_l, "local-", sp, NULL);
		pxnft_port_name(p->svc_x, "external-", sp, NULL);
		snprintf(p->int_to, sizeof(p->int_to), "%s", p->int_local ? p->svc_l : p->svc_c);
		snprintf(p->ext_to, sizeof(p->ext_to), "%s", p->svc_x);
		return;
	}
	if (p->int_local)
		snprintf(p->int_to, sizeof(p->int_to), "internal-local-%zu", p->nl);
	else
		snprintf(p->int_to, sizeof(p->int_to), "internal-cluster-%zu", p->nc);
	if (p->ext_local)
		snprintf(p->ext_to, sizeof(p->ext_to), "external-local-%zu-%zu", p->nc, p->nl);
	else
		snprintf(p->ext_to, sizeof(p->ext_to), "external-cluster-%zu", p->nc);
}

static void pp_shared(struct pxnft_pp *p)
{
	if (p->aff)
		return;
	if (p->used_int)
		pp_line(p, "X %s%zu", p->int_local ? "il" : "ic", p->int_local ? p->nl : p->nc);
	if (p->used_ext && p->ext_local)
		pp_line(p, "X el%zu-%zu", p->nc, p->nl);
	else if (p->used_ext)
		pp_line(p, "X ec%zu", p->nc);
}

int pxnft_plan(struct pxnft_gen *g, const struct pxm_svcport *sp, const char *owner_key, buf *out)
{
	const struct pxm_family *f = pxm_svcport_family(sp, g->fam.family);
	struct pxnft_pp p = {.g = g, .sp = sp, .owner = owner_key, .out = out};
	int rc;

	if (!f)
		return 0;
	snprintf(p.proto, sizeof(p.proto), "%s", pxm_proto_name(sp->proto));
	for (char *c = p.proto; *c; c++)
		*c = (char)(*c - 'A' + 'a');
	p.has_any = f->cat.has_any;
	if ((rc = pp_lists(&p, f)) < 0)
		goto out;
	pp_targets(&p);
	pp_dest_ip(&p, &f->cluster_ip, PXNFT_D_CLUSTER);
	/* LB IPs before external IPs: one address given as both keeps its
	 * loadBalancerSourceRanges. */
	for (size_t i = 0; i < sp->n_lb_ips; i++)
		pp_dest_ip(&p, &sp->lb_ips[i], PXNFT_D_LB);
	for (size_t i = 0; i < sp->n_external_ips; i++)
		pp_dest_ip(&p, &sp->external_ips[i], PXNFT_D_EXTERNAL);
	pp_dest_nodeport(&p);
	if (p.aff)
		pp_affinity(&p);
	pp_shared(&p);
	pp_hairpin(&p);
	rc = p.err;
out:
	free(p.cl);
	free(p.lo);
	return rc;
}

void pxnft_plan_release(struct pxnft_gen *g, const char *plan, const char *owner_key)
{
	char dest[NET_ADDR_STRLEN + 64];

	for (const char *l = plan; l && *l;) {
		const char *e = strchr(l, '\n');
		size_t n = e ? (size_t)(e - l) : strlen(l);

		if (n > 2 && l[0] == 'D' && n - 2 < sizeof(dest)) {
			memcpy(dest, l + 2, n - 2);
			dest[n - 2] = '\0';
			if (dict_get(g->owner, dest) == owner_key)
				dict_del(g->owner, dest);
		}
		l += n + (e ? 1 : 0);
	}
}

/* ---- scripts ---- */

int pxnft_script_init(struct pxnft_script *s, const struct pxnft_fam *fam)
{
	memset(s, 0, sizeof(*s));
	s->fam = fam;
	for (int i = 0; i < PXNFT_NSEC; i++)
		buf_init(&s->sec[i]);
	s->eadd = dict_new();
	s->edel = dict_new();
	if (!s->eadd || !s->edel) {
		pxnft_script_free(s);
		return -ENOMEM;
	}
	return 0;
}

/* The elements of one set for one verb, "add/delete element" statements of
 * at most PXNFT_ELEMS_PER_CMD each: one statement of 100,000 elements costs
 * libnftables more than 25 of 4,096. */
#define PXNFT_ELEMS_PER_CMD 4096

struct pxnft_elems {
	buf b;
	size_t n;
};

static void pxnft_elems_free(void *v)
{
	struct pxnft_elems *e = v;

	buf_free(&e->b);
	free(e);
}

void pxnft_script_free(struct pxnft_script *s)
{
	for (int i = 0; i < PXNFT_NSEC; i++)
		buf_free(&s->sec[i]);
	if (s->eadd)
		dict_free(s->eadd, pxnft_elems_free);
	if (s->edel)
		dict_free(s->edel, pxnft_elems_free);
	s->eadd = s->edel = NULL;
}

void pxnft_s_cmd(struct pxnft_script *s, enum pxnft_sec sec, const char *fmt, ...)
{
	va_list ap;

	if (s->err)
		return;
	va_start(ap, fmt);
	s->err = buf_vprintf(&s->sec[sec], fmt, ap);
	va_end(ap);
	if (!s->err)
		s->err = buf_puts(&s->sec[sec], "\n");
	s->written++;
}

void pxnft_s_add_chain(struct pxnft_script *s, const char *name)
{
	pxnft_s_cmd(s, PXNFT_SEC_ADD, "add chain %s " PXNFT_TABLE " %s", s->fam->ip, name);
}

void pxnft_s_flush_chain(struct pxnft_script *s, const char *name)
{
	pxnft_s_cmd(s, PXNFT_SEC_FLUSH, "flush chain %s " PXNFT_TABLE " %s", s->fam->ip, name);
}

void pxnft_s_del_chain(struct pxnft_script *s, const char *name)
{
	pxnft_s_cmd(s, PXNFT_SEC_DEL, "delete chain %s " PXNFT_TABLE " %s", s->fam->ip, name);
}

void pxnft_s_rule(struct pxnft_script *s, const char *chain, const char *rule)
{
	pxnft_s_cmd(s, PXNFT_SEC_RULES, "add rule %s " PXNFT_TABLE " %s %s", s->fam->ip, chain,
	            rule);
}

void pxnft_s_affinity_set(struct pxnft_script *s, enum pxnft_sec sec, const char *name,
                          unsigned long timeout)
{
	/* "dynamic": the kernel adds it anyway once a rule updates the set,
	 * and a later identical "add set" must not look like a change. */
	pxnft_s_cmd(s, sec,
	            "add set %s " PXNFT_TABLE
	            " %s { type %s; flags dynamic,timeout; timeout %lus; }",
	            s->fam->ip, name, s->fam->addr_t, timeout);
}

void pxnft_s_elem(struct pxnft_script *s, bool add, const char *set, const char *elem)
{
	dict *d = add ? s->eadd : s->edel;
	struct pxnft_elems *e = dict_get(d, set);
	const char *v = add ? NULL : strstr(elem, " : ");
	size_t n = v ? (size_t)(v - elem) : strlen(elem);
	int rc = 0;

	if (s->err)
		return;
	if (!e) {
		if (!(e = calloc(1, sizeof(*e))) || dict_set(d, set, e, NULL) < 0) {
			free(e);
			s->err = -ENOMEM;
			return;
		}
	}
	if (e->n && e->n % PXNFT_ELEMS_PER_CMD == 0)
		rc = buf_printf(&e->b, " }\n%s element %s " PXNFT_TABLE " %s { ",
		                add ? "add" : "delete", s->fam->ip, set);
	else if (e->n)
		rc = buf_puts(&e->b, ", ");
	if (rc < 0 || buf_append(&e->b, elem, n) < 0)
		s->err = -ENOMEM;
	e->n++;
	s->written++;
}

bool pxnft_script_empty(const struct pxnft_script *s)
{
	for (int i = 0; i < PXNFT_NSEC; i++)
		if (s->sec[i].len)
			return false;
	return !dict_size(s->eadd) && !dict_size(s->edel);
}

static int pxnft_elems_out(const struct pxnft_script *s, dict *d, const char *verb, buf *out)
{
	dict_iter it;
	const char *set;
	void *v;

	dict_iter_init(&it, d);
	while (dict_next(&it, &set, &v)) {
		const struct pxnft_elems *e = v;

		if (buf_printf(out, "%s element %s " PXNFT_TABLE " %s { ", verb, s->fam->ip, set) <
		        0 ||
		    buf_append(out, e->b.data, e->b.len) < 0 || buf_puts(out, " }\n") < 0)
			return -ENOMEM;
	}
	return 0;
}

int pxnft_script_finish(struct pxnft_script *s, buf *out)
{
	if (s->err)
		return s->err;
	for (int i = 0; i < PXNFT_NSEC; i++) {
		int rc = 0;

		if (i == PXNFT_SEC_DEL_ELEM)
			rc = pxnft_elems_out(s, s->edel, "delete", out);
		else if (i == PXNFT_SEC_ADD_ELEM)
			rc = pxnft_elems_out(s, s->eadd, "add", out);
		else if (s->sec[i].len)
			rc = buf_append(out, s->sec[i].data, s->sec[i].len);
		if (rc < 0)
			return -ENOMEM;
	}
	return buf_cstr(out);
}

/* ---- the fixed part ---- */

static void base_rule(struct pxnft_script *s, struct pxnft_counts *c, const char *chain,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void base_rule(struct pxnft_script *s, struct pxnft_counts *c, const char *chain,
                      const char *fmt, ...)
{
	char r[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r, sizeof(r), fmt, ap);
	va_end(ap);
	pxnft_s_rule(s, chain, r);
	c->rules++;
}

static void base_chains(struct pxnft_script *s, bool flush, struct pxnft_counts *c)
{
	static const struct {
		const char *type, *hook;
		int prio;
	} h[] = {
	    {"filter", "prerouting", PXNFT_PRIO_FILTER}, {"filter", "input", PXNFT_PRIO_FILTER},
	    {"filter", "forward", PXNFT_PRIO_FILTER},    {"filter", "output", PXNFT_PRIO_FILTER},
	    {"filter", "output", PXNFT_PRIO_POST_DNAT},  {"nat", "prerouting", PXNFT_PRIO_DNAT},
	    {"nat", "output", PXNFT_PRIO_DNAT},          {"nat", "postrouting", PXNFT_PRIO_SNAT},
	};

	for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
		pxnft_s_cmd(s, PXNFT_SEC_ADD,
		            "add chain %s " PXNFT_TABLE
		            " %s { type %s hook %s priority %d; policy accept; }",
		            s->fam->ip, pxnft_base_chains[i], h[i].type, h[i].hook, h[i].prio);
		if (flush)
			pxnft_s_flush_chain(s, pxnft_base_chains[i]);
		c->chains++;
	}
	for (size_t i = 0; pxnft_fixed_chains[i]; i++) {
		pxnft_s_add_chain(s, pxnft_fixed_chains[i]);
		if (flush)
			pxnft_s_flush_chain(s, pxnft_fixed_chains[i]);
		c->chains++;
	}
}

static void base_maps(struct pxnft_script *s, bool flush)
{
	const char *a = s->fam->addr_t;

	for (size_t i = 0; pxnft_fixed_maps[i]; i++) {
		bool np = strstr(pxnft_fixed_maps[i], "nodeports") != NULL;

		pxnft_s_cmd(s, PXNFT_SEC_ADD,
		            "add map %s " PXNFT_TABLE " %s { type %s%sinet_proto . inet_service : "
		            "verdict; }",
		            s->fam->ip, pxnft_fixed_maps[i], np ? "" : a, np ? "" : " . ");
		if (flush)
			pxnft_s_cmd(s, PXNFT_SEC_FLUSH, "flush map %s " PXNFT_TABLE " %s",
			            s->fam->ip, pxnft_fixed_maps[i]);
	}
	pxnft_s_cmd(s, PXNFT_SEC_ADD,
	            "add set %s " PXNFT_TABLE " firewall-allow { type %s . inet_proto . "
	            "inet_service . %s; flags interval; }",
	            s->fam->ip, a, a);
	pxnft_s_cmd(s, PXNFT_SEC_ADD, "add set %s " PXNFT_TABLE " hairpin { type %s . %s; }",
	            s->fam->ip, a, a);
	for (size_t i = 0; flush && pxnft_fixed_sets[i]; i++)
		pxnft_s_cmd(s, PXNFT_SEC_FLUSH, "flush set %s " PXNFT_TABLE " %s", s->fam->ip,
		            pxnft_fixed_sets[i]);
}

void pxnft_emit_base(struct pxnft_script *s, const struct pxnft_gen *g, bool flush,
                     struct pxnft_counts *c)
{
	const char *ip = g->fam.ip, *lo = g->fam.lo, *m = g->mark;

	pxnft_s_cmd(s, PXNFT_SEC_TABLE, "add table %s " PXNFT_TABLE, ip);
	base_chains(s, flush, c);
	base_maps(s, flush);
	/* Checks run once per connection. Filtering of service addresses runs
	 * before DNAT; the no-endpoint check after it, so that traffic the
	 * service chains translated (short-circuited eTP Local traffic to an
	 * external IP) is not dropped for lack of a local endpoint. */
	base_rule(s, c, "filter-prerouting", "ct state new jump firewall-check");
	base_rule(s, c, "filter-input", "ct state new jump nodeport-endpoints-check");
	base_rule(s, c, "filter-input", "ct state new jump service-endpoints-check");
	base_rule(s, c, "filter-forward", "ct state new jump service-endpoints-check");
	base_rule(s, c, "filter-output", "ct state new jump firewall-check");
	base_rule(s, c, "filter-output-post-dnat", "ct state new jump service-endpoints-check");
	base_rule(s, c, "filter-output-post-dnat", "ct state new jump nodeport-endpoints-check");
	base_rule(s, c, "nat-prerouting", "jump services");
	base_rule(s, c, "nat-output", "jump services");
	base_rule(s, c, "nat-postrouting", "jump masquerading");
	base_rule(s, c, "services", "%s daddr . meta l4proto . th dport vmap @service-ips", ip);
	base_rule(s, c, "services",
	          "fib daddr type local %s daddr != %s meta l4proto . th dport vmap "
	          "@service-nodeports",
	          ip, lo);
	base_rule(s, c, "service-endpoints-check",
	          "%s daddr . meta l4proto . th dport vmap @no-endpoint-services", ip);
	base_rule(s, c, "nodeport-endpoints-check",
	          "fib daddr type local %s daddr != %s meta l4proto . th dport vmap "
	          "@no-endpoint-nodeports",
	          ip, lo);
	base_rule(s, c, "firewall-check", "%s daddr . meta l4proto . th dport vmap @firewall-ips",
	          ip);
	base_rule(s, c, "firewall-source-check",
	          "%s daddr . meta l4proto . th dport . %s saddr @firewall-allow return", ip, ip);
	base_rule(s, c, "firewall-source-check", "drop");
	base_rule(s, c, "reject-chain", "meta l4proto tcp reject with tcp reset");
	base_rule(s, c, "reject-chain", "reject");
	base_rule(s, c, "mark-for-masquerade", "meta mark set meta mark or %s", m);
	/* Hairpin: a Pod that reached itself through a Service would answer
	 * itself directly; the source must become the node's. */
	base_rule(s, c, "masquerading", "%s saddr . %s daddr @hairpin jump mark-for-masquerade", ip,
	          ip);
	base_rule(s, c, "masquerading", "meta mark and %s == 0 return", m);
	/* Cleared so that a packet passing the stack again is not masqueraded twice. */
	base_rule(s, c, "masquerading", "meta mark set meta mark xor %s", m);
	base_rule(s, c, "masquerading", "masquerade fully-random");
}

/* ---- shared chains ---- */

static const char *const pxnft_protos[] = {"tcp", "udp", "sctp"};

struct pxnft_id {
	char kind[3]; /* "dc", "dl", "ic", "il", "ec", "el" */
	size_t a, b;
};

static int pxnft_id_parse(const char *id, struct pxnft_id *out)
{
	char *end;

	memset(out, 0, sizeof(*out));
	if (strlen(id) < 3)
		return -EINVAL;
	memcpy(out->kind, id, 2);
	out->a = strtoul(id + 2, &end, 10);
	if (!strcmp(out->kind, "el")) {
		if (*end != '-')
			return -EINVAL;
		out->b = strtoul(end + 1, &end, 10);
	}
	return *end ? -EINVAL : 0;
}

static int closure_add(dict *out, const char *kind, size_t n)
{
	char id[32];

	snprintf(id, sizeof(id), "%s%zu", kind, n);
	return dict_set(out, id, (void *)1, NULL);
}

int pxnft_shared_closure(const char *id, dict *out)
{
	struct pxnft_id d;
	int rc;

	if (pxnft_id_parse(id, &d) < 0)
		return -EINVAL;
	if ((rc = dict_set(out, id, (void *)1, NULL)) < 0)
		return rc;
	if (d.kind[0] == 'i' || d.kind[0] == 'e') {
		bool local = d.kind[1] == 'l';

		if (!strcmp(d.kind, "el")) {
			if (d.a && (rc = closure_add(out, "dc", d.a)) < 0)
				return rc;
			if (d.b && (rc = closure_add(out, "dl", d.b)) < 0)
				return rc;
			return 0;
		}
		return closure_add(out, local ? "dl" : "dc", d.a);
	}
	return 0;
}

static void shared_chain_name(char out[64], const struct pxnft_id *d)
{
	static const struct {
		const char *kind, *prefix;
	} f[] = {
	    {"dc", "endpoints-cluster"}, {"dl", "endpoints-local"},  {"ic", "internal-cluster"},
	    {"il", "internal-local"},    {"ec", "external-cluster"}, {"el", "external-local"},
	};

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (strcmp(d->kind, f[i].kind) != 0)
			continue;
		if (!strcmp(d->kind, "el"))
			snprintf(out, 64, "%s-%zu-%zu", f[i].prefix, d->a, d->b);
		else
			snprintf(out, 64, "%s-%zu", f[i].prefix, d->a);
	}
}

void pxnft_shared_names(const char *id, void (*fn)(void *arg, const char *name, bool is_map),
                        void *arg)
{
	struct pxnft_id d;
	char name[64];

	if (pxnft_id_parse(id, &d) < 0)
		return;
	shared_chain_name(name, &d);
	fn(arg, name, false);
	for (size_t i = 0; d.kind[0] == 'd' && i < sizeof(pxnft_protos) / sizeof(pxnft_protos[0]);
	     i++) {
		const char *pol = d.kind[1] == 'l' ? "local" : "cluster";

		snprintf(name, sizeof(name), "endpoint-ips-%s-%zu-%s", pol, d.a, pxnft_protos[i]);
		fn(arg, name, true);
		snprintf(name, sizeof(name), "endpoint-nodeports-%s-%zu-%s", pol, d.a,
		         pxnft_protos[i]);
		fn(arg, name, true);
	}
}

/* One endpoint of N, by a random number looked up with the destination.
 * Maps per protocol: port translation needs the protocol in the rule, and
 * libnftables 1.0.6 fails to add a rule using an existing map whose typeof
 * names "th dport" under another protocol ("conflicting protocols"). */
static void shared_dispatch(struct pxnft_script *s, const struct pxnft_gen *g, const char *chain,
                            const char *pol, size_t n, bool flush, struct pxnft_counts *c)
{
	const char *ip = g->fam.ip;
	char r[256];

	for (int np = 0; np < 2; np++) {
		const char *what = np ? "nodeports" : "ips";

		for (size_t i = 0; i < sizeof(pxnft_protos) / sizeof(pxnft_protos[0]); i++) {
			const char *pr = pxnft_protos[i];

			pxnft_s_cmd(
			    s, PXNFT_SEC_ADD,
			    "add map %s " PXNFT_TABLE " endpoint-%s-%s-%zu-%s { typeof %s%s%s "
			    "dport . numgen random mod 1 : %s daddr . %s dport; }",
			    ip, what, pol, n, pr, np ? "" : ip, np ? "" : " daddr . ", pr, ip, pr);
			if (flush)
				pxnft_s_cmd(s, PXNFT_SEC_FLUSH,
				            "flush map %s " PXNFT_TABLE " endpoint-%s-%s-%zu-%s",
				            ip, what, pol, n, pr);
			snprintf(
			    r, sizeof(r),
			    "meta l4proto %s dnat %s to %s%s%s dport . numgen random mod %zu map "
			    "@endpoint-%s-%s-%zu-%s",
			    pr, ip, np ? "" : ip, np ? "" : " daddr . ", pr, n, what, pol, n, pr);
			pxnft_s_rule(s, chain, r);
			c->rules++;
		}
	}
}

void pxnft_shared_emit(struct pxnft_script *s, const struct pxnft_gen *g, const char *id,
                       bool flush, struct pxnft_counts *c)
{
	const char *ip = g->fam.ip;
	struct pxnft_id d;
	char chain[64], to[64], r[160];

	if (pxnft_id_parse(id, &d) < 0) {
		s->err = s->err ? s->err : -EINVAL;
		return;
	}
	shared_chain_name(chain, &d);
	pxnft_s_add_chain(s, chain);
	if (flush)
		pxnft_s_flush_chain(s, chain);
	c->chains++;
	if (d.kind[0] == 'd') {
		shared_dispatch(s, g, chain, d.kind[1] == 'l' ? "local" : "cluster", d.a, flush, c);
		return;
	}
	if (!strcmp(d.kind, "el")) {
		snprintf(to, sizeof(to), "endpoints-cluster-%zu", d.a);
		if (d.a && g->cidr[0]) {
			snprintf(r, sizeof(r), "%s saddr %s goto %s", ip, g->cidr, to);
			pxnft_s_rule(s, chain, r);
			c->rules++;
		}
		pxnft_s_rule(s, chain, "fib saddr type local jump mark-for-masquerade");
		c->rules++;
		if (d.a) {
			snprintf(r, sizeof(r), "fib saddr type local goto %s", to);
			pxnft_s_rule(s, chain, r);
			c->rules++;
		}
		if (d.b) {
			snprintf(r, sizeof(r), "goto endpoints-local-%zu", d.b);
			pxnft_s_rule(s, chain, r);
			c->rules++;
		}
		return;
	}
	/* ic/il: cluster IP traffic from outside the Pods; ec: all external. */
	snprintf(r, sizeof(r), "%sjump mark-for-masquerade", d.kind[0] == 'i' ? g->masq_if : "");
	pxnft_s_rule(s, chain, r);
	snprintf(r, sizeof(r), "goto endpoints-%s-%zu", d.kind[1] == 'l' ? "local" : "cluster",
	         d.a);
	pxnft_s_rule(s, chain, r);
	c->rules += 2;
}
