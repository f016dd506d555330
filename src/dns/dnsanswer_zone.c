/*
 * dnsanswer_zone.c - records of the cluster zone, after the Kubernetes DNS
 * specification (schema 1.1.0) and CoreDNS' kubernetes plugin:
 *
 *   <zone>                          SOA, NS
 *   dns-version.<zone>              TXT "1.1.0"
 *   <svc>.<ns>.svc.<zone>           A/AAAA: cluster IPs, or ready endpoints (headless);
 *                                   CNAME for ExternalName
 *   <ep>.<svc>.<ns>.svc.<zone>      A/AAAA of a headless endpoint (hostname or dashed IP)
 *   _<port>._<proto>.<svc>...       SRV per named port (per endpoint when headless)
 *   <a-b-c-d>.<ns>.pod.<zone>       A/AAAA per --pods
 *
 * Names that exist without the asked type get NODATA, names that do not
 * exist NXDOMAIN; dnsanswer.c adds the SOA to both.
 */
#include <string.h>

#include "dns/dnsanswer_int.h"

#define DNSA_MAX_CHASE 8

/* SOA timers as CoreDNS sets them. */
#define SOA_REFRESH 7200
#define SOA_RETRY   1800
#define SOA_EXPIRE  86400

int dnsa_prepend(const char *label, const uint8_t *name, size_t len, uint8_t *out, size_t *outlen)
{
	size_t l = strlen(label);

	if (l == 0 || l > DNS_LABEL_MAX || 1 + l + len > DNS_NAME_MAX)
		return -1;
	out[0] = (uint8_t)l;
	memcpy(out + 1, label, l);
	memcpy(out + 1 + l, name, len);
	*outlen = 1 + l + len;
	return 0;
}

int dnsa_soa(struct actx *x, const uint8_t *owner)
{
	size_t alen, l1, l2;
	const uint8_t *apex = dz_apex(x->z, &alen);
	uint8_t dns[DNS_NAME_MAX], mname[DNS_NAME_MAX], rname[DNS_NAME_MAX];
	uint32_t ttl = dz_ttl(x->z);

	if (dnsa_prepend("dns", apex, alen, dns, &l1) < 0 ||
	    dnsa_prepend("ns", dns, l1, mname, &l2) < 0 ||
	    dnsa_prepend("hostmaster", apex, alen, rname, &l1) < 0)
		return -1;
	if (dnsw_rr_begin(&x->w, owner, DNS_T_SOA, ttl) < 0 ||
	    dnsw_rd_name(&x->w, mname, true) < 0 || dnsw_rd_name(&x->w, rname, true) < 0 ||
	    dnsw_rd_u32(&x->w, dz_serial(x->z)) < 0 || dnsw_rd_u32(&x->w, SOA_REFRESH) < 0 ||
	    dnsw_rd_u32(&x->w, SOA_RETRY) < 0 || dnsw_rd_u32(&x->w, SOA_EXPIRE) < 0 ||
	    dnsw_rd_u32(&x->w, ttl) < 0 || dnsw_rr_end(&x->w) < 0) {
		dnsw_rr_abort(&x->w);
		return -1;
	}
	return 0;
}

static bool want(const struct actx *x, uint16_t t)
{
	return x->qtype == t || x->qtype == DNS_T_ANY;
}

static uint16_t addr_type(const net_addr *a)
{
	return a->family == AF_INET ? DNS_T_A : DNS_T_AAAA;
}

static int add_addr(struct actx *x, const uint8_t *owner, const net_addr *a)
{
	if (dnsw_rr_begin(&x->w, owner, addr_type(a), dz_ttl(x->z)) < 0 ||
	    dnsw_rd_bytes(&x->w, a->a, a->family == AF_INET ? 4 : 16) < 0 ||
	    dnsw_rr_end(&x->w) < 0) {
		dnsw_rr_abort(&x->w);
		return -1;
	}
	return 0;
}

/* An address record in the answer section; marks the response truncated
 * when it does not fit. */
static int ans_addr(struct actx *x, const uint8_t *owner, const net_addr *a)
{
	if (x->truncated)
		return -1;
	if (add_addr(x, owner, a) < 0) {
		x->truncated = true;
		return -1;
	}
	return 0;
}

/* RFC 8482: ANY gets one RRset. For addresses, IPv4 when there is any. */
static uint16_t any_family(const struct actx *x, const net_addr *addrs, size_t stride, int n)
{
	if (x->qtype != DNS_T_ANY)
		return x->qtype;
	for (int i = 0; i < n; i++)
		if (((const net_addr *)((const char *)addrs + stride * (size_t)i))->family ==
		    AF_INET)
			return DNS_T_A;
	return DNS_T_AAAA;
}

static void nxdomain(struct actx *x)
{
	x->rcode = DNS_R_NXDOMAIN;
}

static void answer_name(struct actx *x, int depth);

static void answer_external(struct actx *x, const struct dz_svc *s, int depth)
{
	size_t alen, rel;
	const uint8_t *apex = dz_apex(x->z, &alen);

	if (!s->ext_len) {
		nxdomain(x);
		return;
	}
	if (x->truncated)
		return;
	if (dnsw_rr_begin(&x->w, x->lname, DNS_T_CNAME, dz_ttl(x->z)) < 0 ||
	    dnsw_rd_name(&x->w, s->ext, true) < 0 || dnsw_rr_end(&x->w) < 0) {
		dnsw_rr_abort(&x->w);
		x->truncated = true;
		return;
	}
	if (x->qtype == DNS_T_CNAME)
		return;
	if (dnsa_suffix(s->ext, s->ext_len, apex, alen, &rel)) {
		/* Inside the zone: answer the target too (loops end at the depth). */
		if (depth >= DNSA_MAX_CHASE)
			return;
		memcpy(x->lname, s->ext, s->ext_len);
		x->lname_len = s->ext_len;
		answer_name(x, depth + 1);
		return;
	}
	if (x->c->forward) {
		x->chase = true;
		memcpy(x->target, s->ext, s->ext_len);
		x->target_len = s->ext_len;
	}
}

static void answer_service(struct actx *x, const struct dz_svc *s, int depth)
{
	uint16_t t;

	if (!s) {
		nxdomain(x);
		return;
	}
	switch (s->kind) {
	case DZ_EXTERNAL:
		answer_external(x, s, depth);
		return;
	case DZ_CLUSTERIP:
		t = any_family(x, s->ips, sizeof(s->ips[0]), s->nips);
		for (int i = 0; i < s->nips; i++)
			if (addr_type(&s->ips[i]) == t && ans_addr(x, x->lname, &s->ips[i]) < 0)
				return;
		return;
	case DZ_HEADLESS:
		if (!s->neps) {
			nxdomain(x); /* no ready endpoint: the name does not exist */
			return;
		}
		t = any_family(x, &s->eps[0].addr, sizeof(s->eps[0]), s->neps);
		for (int i = 0; i < s->neps; i++)
			if (addr_type(&s->eps[i].addr) == t &&
			    ans_addr(x, x->lname, &s->eps[i].addr) < 0)
				return;
		return;
	default:
		nxdomain(x);
	}
}

/* <ep>.<svc>.<ns>.svc.<zone>: every ready address that answers to the label. */
static void answer_endpoint(struct actx *x, const struct dz_svc *s, const char *label)
{
	int found = 0;
	uint16_t t = DNS_T_A;

	if (!s || s->kind != DZ_HEADLESS) {
		nxdomain(x);
		return;
	}
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < s->neps; i++) {
			const struct dz_ep *e = &s->eps[i];

			if (strcmp(e->label, label))
				continue;
			if (pass == 0) {
				found++;
				if (e->addr.family == AF_INET)
					t = DNS_T_A; /* ANY: IPv4 if any */
				continue;
			}
			if (addr_type(&e->addr) == (x->qtype == DNS_T_ANY ? t : x->qtype) &&
			    ans_addr(x, x->lname, &e->addr) < 0)
				return;
		}
		if (!found) {
			nxdomain(x);
			return;
		}
		if (pass == 0 && x->qtype == DNS_T_ANY) {
			t = DNS_T_AAAA;
			for (int i = 0; i < s->neps; i++)
				if (!strcmp(s->eps[i].label, label) &&
				    s->eps[i].addr.family == AF_INET)
					t = DNS_T_A;
		}
	}
}

static const struct dz_port *find_port(const struct dz_port *p, int n, const char *name,
                                       const char *proto)
{
	for (int i = 0; i < n; i++)
		if (p[i].name[0] && !strcmp(p[i].name, name) && !strcmp(p[i].proto, proto))
			return &p[i];
	return NULL;
}

static int add_srv(struct actx *x, uint16_t port, const uint8_t *target)
{
	if (x->truncated)
		return -1;
	if (dnsw_rr_begin(&x->w, x->lname, DNS_T_SRV, dz_ttl(x->z)) < 0 ||
	    dnsw_rd_u16(&x->w, 0) < 0 || dnsw_rd_u16(&x->w, 100) < 0 ||
	    dnsw_rd_u16(&x->w, port) < 0 || dnsw_rd_name(&x->w, target, true) < 0 ||
	    dnsw_rr_end(&x->w) < 0) {
		dnsw_rr_abort(&x->w);
		x->truncated = true;
		return -1;
	}
	return 0;
}

/* _<port>._<proto>.<svc>.<ns>.svc.<zone> */
static void answer_srv(struct actx *x, const struct dz_svc *s, const char *port, const char *proto)
{
	uint8_t target[DNS_NAME_MAX];
	size_t tl;
	int n = 0;

	if (!s || s->kind == DZ_EXTERNAL) {
		nxdomain(x);
		return;
	}
	if (s->kind == DZ_CLUSTERIP) {
		const struct dz_port *p = find_port(s->ports, s->nports, port, proto);

		if (!p) {
			nxdomain(x);
			return;
		}
		if (!want(x, DNS_T_SRV) || add_srv(x, p->port, s->owner) < 0)
			return;
		dnsw_section(&x->w, 3);
		for (int i = 0; i < s->nips; i++)
			if (add_addr(x, s->owner, &s->ips[i]) < 0)
				break;
		return;
	}
	for (int i = 0; i < s->neps; i++)
		n +=
		    find_port(s->eps[i].slice->ports, s->eps[i].slice->nports, port, proto) != NULL;
	if (!n) {
		nxdomain(x);
		return;
	}
	if (!want(x, DNS_T_SRV))
		return;
	for (int i = 0; i < s->neps; i++) {
		const struct dz_ep *e = &s->eps[i];
		const struct dz_port *p = find_port(e->slice->ports, e->slice->nports, port, proto);

		if (!p || dnsa_prepend(e->label, s->owner, s->owner_len, target, &tl) < 0)
			continue;
		if (add_srv(x, p->port, target) < 0)
			return;
	}
	/* The targets' addresses, as far as they fit (no TC for these). */
	dnsw_section(&x->w, 3);
	for (int i = 0; i < s->neps; i++) {
		const struct dz_ep *e = &s->eps[i];

		if (!find_port(e->slice->ports, e->slice->nports, port, proto) ||
		    dnsa_prepend(e->label, s->owner, s->owner_len, target, &tl) < 0)
			continue;
		if (add_addr(x, target, &e->addr) < 0)
			break;
	}
}

/* _<proto>.<svc>.<ns>.svc.<zone>: exists (empty) when a named port uses it. */
static void answer_proto_ent(struct actx *x, const struct dz_svc *s, const char *proto)
{
	if (s && s->kind == DZ_CLUSTERIP)
		for (int i = 0; i < s->nports; i++)
			if (s->ports[i].name[0] && !strcmp(s->ports[i].proto, proto))
				return;
	if (s && s->kind == DZ_HEADLESS)
		for (int i = 0; i < s->neps; i++)
			for (int k = 0; k < s->eps[i].slice->nports; k++)
				if (s->eps[i].slice->ports[k].name[0] &&
				    !strcmp(s->eps[i].slice->ports[k].proto, proto))
					return;
	nxdomain(x);
}

static void answer_pod(struct actx *x, const char *ns, const char *dashed)
{
	net_addr a;

	if (x->c->pods == DNSA_PODS_DISABLED || dz_undash(dashed, &a) < 0 ||
	    (x->c->pods == DNSA_PODS_VERIFIED && !dz_pod_exists(x->z, ns, &a))) {
		nxdomain(x);
		return;
	}
	if (want(x, addr_type(&a)))
		ans_addr(x, x->lname, &a);
}

static void answer_apex(struct actx *x, int n, char L[DNSA_MAX_LABELS][DZ_NAME_MAX])
{
	size_t alen, l1, l2;
	const uint8_t *apex = dz_apex(x->z, &alen);
	uint8_t dns[DNS_NAME_MAX], ns[DNS_NAME_MAX];
	static const uint8_t version[] = "\x05"
	                                 "1.1.0";

	if (n == 0) {
		if (want(x, DNS_T_SOA)) {
			if (dnsa_soa(x, x->lname) < 0)
				x->truncated = true;
		} else if (x->qtype == DNS_T_NS) {
			if (dnsa_prepend("dns", apex, alen, dns, &l1) < 0 ||
			    dnsa_prepend("ns", dns, l1, ns, &l2) < 0)
				return;
			if (dnsw_rr_begin(&x->w, x->lname, DNS_T_NS, dz_ttl(x->z)) < 0 ||
			    dnsw_rd_name(&x->w, ns, true) < 0 || dnsw_rr_end(&x->w) < 0) {
				dnsw_rr_abort(&x->w);
				x->truncated = true;
			}
		}
		return;
	}
	if (!strcmp(L[0], "dns-version")) {
		if (!want(x, DNS_T_TXT))
			return;
		if (dnsw_rr_begin(&x->w, x->lname, DNS_T_TXT, dz_ttl(x->z)) < 0 ||
		    dnsw_rd_bytes(&x->w, version, 6) < 0 || dnsw_rr_end(&x->w) < 0) {
			dnsw_rr_abort(&x->w);
			x->truncated = true;
		}
		return;
	}
	if (strcmp(L[0], "svc") && strcmp(L[0], "pod") && strcmp(L[0], "dns"))
		nxdomain(x);
	/* else an empty non-terminal: NODATA */
}

/* The name in x->lname (inside the zone). */
static void answer_name(struct actx *x, int depth)
{
	char L[DNSA_MAX_LABELS][DZ_NAME_MAX];
	size_t alen, rel;
	const uint8_t *apex = dz_apex(x->z, &alen);
	int n;

	if (!dnsa_suffix(x->lname, x->lname_len, apex, alen, &rel))
		return;
	n = dnsa_labels(x->lname, rel, L);
	if (n < 0) {
		nxdomain(x);
		return;
	}
	if (n <= 1) {
		answer_apex(x, n, L);
		return;
	}
	if (!strcmp(L[0], "svc")) {
		const struct dz_svc *s = n >= 3 ? dz_find_svc(x->z, L[1], L[2]) : NULL;

		if (n == 2) {
			if (!dz_ns_exists(x->z, L[1]))
				nxdomain(x);
		} else if (n == 3) {
			answer_service(x, s, depth);
		} else if (n == 4 && L[3][0] == '_') {
			answer_proto_ent(x, s, L[3] + 1);
		} else if (n == 4) {
			answer_endpoint(x, s, L[3]);
		} else if (n == 5 && L[3][0] == '_' && L[4][0] == '_') {
			answer_srv(x, s, L[4] + 1, L[3] + 1);
		} else {
			nxdomain(x);
		}
		return;
	}
	if (!strcmp(L[0], "pod")) {
		if (n == 2 && x->c->pods == DNSA_PODS_DISABLED)
			nxdomain(x);
		else if (n == 3)
			answer_pod(x, L[1], L[2]);
		else if (n > 3)
			nxdomain(x);
		return;
	}
	if (!strcmp(L[0], "dns") && n == 2 && !strcmp(L[1], "ns")) {
		const net_addr *a = &x->c->ns_addr;

		if (a->family && want(x, addr_type(a)))
			ans_addr(x, x->lname, a);
		return;
	}
	nxdomain(x);
}

void dnsa_zone(struct actx *x, size_t rel)
{
	(void)rel;
	answer_name(x, 0);
}
