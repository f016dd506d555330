/*
 * ipt_gen.c - iptables-restore input in kube-proxy's layout (see ipt_int.h),
 * and what a sync needs from iptables-save output. No I/O here.
 *
 * Rules are written word by word, as kube-proxy's LineBuffer does, and in
 * its order and wording (comments included), so that someone who knows
 * kube-proxy's rules reads these the same way.
 */
#include "proxy/ipt_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PXIPT_SERVICES    "KUBE-SERVICES"
#define PXIPT_EXTERNAL    "KUBE-EXTERNAL-SERVICES"
#define PXIPT_NODEPORTS   "KUBE-NODEPORTS"
#define PXIPT_POSTROUTING "KUBE-POSTROUTING"
#define PXIPT_MARK_MASQ   "KUBE-MARK-MASQ"
#define PXIPT_FORWARD     "KUBE-FORWARD"
#define PXIPT_FIREWALL    "KUBE-PROXY-FIREWALL"
#define PXIPT_CANARY      "KUBE-PROXY-CANARY"
#define PXIPT_NODEPORTS_CM                                                                         \
	"kubernetes service nodeports; NOTE: this must be the last rule in this chain"

/* A rule's text is built here before it goes into a buffer: the longest is
 * a 255-byte comment (xt_comment's limit) and a few addresses. */
#define PXIPT_LINE_LEN 1024
/* ns/name:port fits (63 + 63 + 15 and separators); longer is cut. */
#define PXIPT_NAME_LEN 160

/* ---- lines ---- */

struct pxipt_ln {
	char s[PXIPT_LINE_LEN];
	size_t n;
	bool over;
};

static void pxipt_ln_raw(struct pxipt_ln *l, const char *s, size_t len)
{
	if (l->over || l->n + len + 1 >= sizeof(l->s)) {
		l->over = true;
		return;
	}
	memcpy(l->s + l->n, s, len);
	l->n += len;
}

/* Words, space separated, up to a NULL. */
static void pxipt_ln_w(struct pxipt_ln *l, ...)
{
	va_list ap;
	const char *w;

	va_start(ap, l);
	while ((w = va_arg(ap, const char *))) {
		if (l->n)
			pxipt_ln_raw(l, " ", 1);
		pxipt_ln_raw(l, w, strlen(w));
	}
	va_end(ap);
}

static void pxipt_ln_start(struct pxipt_ln *l, const char *op, const char *chain)
{
	l->n = 0;
	l->over = false;
	pxipt_ln_w(l, op, chain, NULL);
}

/* -m comment --comment "<text>"; text is made of sanitised names, so it
 * needs no escaping. */
__attribute__((format(printf, 2, 3))) static void pxipt_ln_comment(struct pxipt_ln *l,
                                                                   const char *fmt, ...)
{
	char c[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(c, sizeof(c), fmt, ap);
	va_end(ap);
	if (n < 0)
		c[0] = '\0';
	pxipt_ln_w(l, "-m", "comment", "--comment", NULL);
	pxipt_ln_raw(l, " \"", 2);
	pxipt_ln_raw(l, c, strlen(c));
	pxipt_ln_raw(l, "\"", 1);
}

static void pxipt_put(struct pxipt_gen *g, buf *b, const struct pxipt_ln *l)
{
	if (g->err)
		return;
	if (l->over) {
		g->err = -ENAMETOOLONG;
		return;
	}
	if (buf_reserve(b, l->n + 1) < 0) {
		g->err = -ENOMEM;
		return;
	}
	memcpy(b->data + b->len, l->s, l->n);
	b->data[b->len + l->n] = '\n';
	b->len += l->n + 1;
	g->lines++;
}

static void pxipt_rule(struct pxipt_gen *g, buf *b, const struct pxipt_ln *l)
{
	pxipt_put(g, b, l);
	g->rules++;
}

/* ":NAME - [0:0]": declares the chain, or empties it if it exists. */
static void pxipt_decl(struct pxipt_gen *g, buf *b, const char *chain)
{
	struct pxipt_ln l = {.n = 0};

	pxipt_ln_raw(&l, ":", 1);
	pxipt_ln_raw(&l, chain, strlen(chain));
	pxipt_ln_raw(&l, " - [0:0]", 8);
	pxipt_put(g, b, &l);
}

static void pxipt_chain(struct pxipt_gen *g, buf *b, const char *chain)
{
	pxipt_decl(g, b, chain);
	g->chains++;
	g->ndecl += b == &g->nchains;
}

static void pxipt_u16(char out[8], unsigned v)
{
	snprintf(out, 8, "%u", v & 0xffffu);
}

/* kube-proxy's computeProbability, cached as it caches them. */
static const char *pxipt_prob(struct pxipt_gen *g, size_t n)
{
	if (n >= g->nprobs) {
		size_t want = n + 64;
		char *p = realloc(g->probs, want * PXIPT_PROB_LEN);

		if (!p) {
			g->err = -ENOMEM;
			return "1";
		}
		for (size_t i = g->nprobs; i < want; i++)
			snprintf(p + i * PXIPT_PROB_LEN, PXIPT_PROB_LEN, "%0.10f",
			         i ? 1.0 / (double)i : 1.0);
		g->probs = p;
		g->nprobs = want;
	}
	return g->probs + n * PXIPT_PROB_LEN;
}

/* ---- what a service port needs: kube-proxy's per-port variables ---- */

struct pxipt_plan {
	const struct pxm_family *fam;
	const char *proto;
	char name[PXIPT_NAME_LEN]; /* "ns/svc:port", or "ns/svc" for an unnamed port */
	char port[8], node_port[8];
	char cip[NET_ADDR_STRLEN];
	bool has_eps;   /* hasEndpoints: usable somewhere in the cluster */
	bool has_int;   /* hasInternalEndpoints */
	bool has_ext;   /* hasExternalEndpoints */
	bool ext_local; /* ExternalPolicyLocal, in this family */
	bool uses_svc, uses_svl, uses_ext, uses_fw;
	char svc[PXIPT_CHAIN_LEN], svl[PXIPT_CHAIN_LEN], ext[PXIPT_CHAIN_LEN], fw[PXIPT_CHAIN_LEN];
	const char *int_chain, *ext_policy, *lb_chain;
	const char *int_target, *ext_target; /* filter verdicts: REJECT, DROP */
	const char *int_why, *ext_why;       /* ... and their comments' ends */
};

/* Only characters of Kubernetes names: objects come from any API server, and
 * a quote or newline would end the comment or the line. */
static void pxipt_safe_name(const struct pxm_svcport *sp, char *out, size_t len)
{
	size_t j = 0;

	snprintf(out, len, "%s/%s%s%s", sp->ns ? sp->ns : "", sp->name ? sp->name : "",
	         sp->port_name && sp->port_name[0] ? ":" : "", sp->port_name ? sp->port_name : "");
	for (size_t i = 0; out[i]; i++) {
		char c = out[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		          (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '/' ||
		          c == ':';

		out[j++] = ok ? c : '_';
	}
	out[j] = '\0';
}

static size_t pxipt_count_fam(const net_addr *v, size_t n, int family)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += v[i].family == family;
	return k;
}

static size_t pxipt_count_ranges(const struct pxm_svcport *sp, int family)
{
	size_t k = 0;

	for (size_t i = 0; i < sp->n_lb_source_ranges; i++)
		k += sp->lb_source_ranges[i].addr.family == family;
	return k;
}

static void pxipt_name(char out[PXIPT_CHAIN_LEN], const char *prefix, const char *hash)
{
	snprintf(out, PXIPT_CHAIN_LEN, "%s%s", prefix, hash);
}

static void pxipt_plan_verdicts(struct pxipt_plan *p)
{
	p->int_target = p->ext_target = NULL;
	if (!p->has_eps) {
		p->int_target = p->ext_target = "REJECT";
		p->int_why = p->ext_why = "has no endpoints";
		return;
	}
	if (!p->has_int) {
		p->int_target = "DROP";
		p->int_why = "has no local endpoints";
	}
	if (!p->has_ext) {
		p->ext_target = "DROP";
		p->ext_why = "has no local endpoints";
	}
}

/* false: the port has no rules in this family. */
static bool pxipt_plan(const struct pxipt_cfg *cfg, const struct pxm_svcport *sp,
                       struct pxipt_plan *p)
{
	static const char *const protos[] = {"tcp", "udp", "sctp"};
	const struct pxm_family *f = pxm_svcport_family(sp, cfg->family);
	const struct pxm_cat *c;
	bool external;

	if (!f || (unsigned)sp->proto > PXM_SCTP)
		return false;
	c = &f->cat;
	p->fam = f;
	p->proto = protos[sp->proto];
	pxipt_safe_name(sp, p->name, sizeof(p->name));
	pxipt_u16(p->port, sp->port);
	pxipt_u16(p->node_port, sp->node_port);
	net_addr_fmt(&f->cluster_ip, p->cip, sizeof(p->cip));
	external = pxm_svcport_external(sp, cfg->family);
	p->ext_local = sp->ext_policy_local && external;
	p->has_eps = c->has_any;
	p->has_int = c->has_any && (!sp->int_policy_local || c->n_local > 0);
	p->has_ext = c->has_any && (!p->ext_local || c->n_local > 0);
	p->uses_svc = c->uses_cluster && c->n_cluster > 0;
	p->uses_svl = c->uses_local && c->n_local > 0;
	p->uses_ext = c->has_any && external;
	p->uses_fw = c->has_any && pxipt_count_fam(sp->lb_ips, sp->n_lb_ips, cfg->family) > 0 &&
	             pxipt_count_ranges(sp, cfg->family) > 0;
	pxipt_name(p->svc, "KUBE-SVC-", sp->hash);
	pxipt_name(p->svl, "KUBE-SVL-", sp->hash);
	pxipt_name(p->ext, "KUBE-EXT-", sp->hash);
	pxipt_name(p->fw, "KUBE-FW-", sp->hash);
	p->int_chain = sp->int_policy_local ? p->svl : p->svc;
	p->ext_policy = p->ext_local ? p->svl : p->svc;
	p->lb_chain = p->uses_fw ? p->fw : p->ext;
	pxipt_plan_verdicts(p);
	return true;
}

/* ---- chain names ---- */

void pxipt_names_add(struct pxipt_names *s, const char *prefix, const char *hash)
{
	if (s->err)
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		void *v = realloc(s->v, cap * sizeof(*s->v));

		if (!v) {
			s->err = -ENOMEM;
			return;
		}
		s->v = v;
		s->cap = cap;
	}
	pxipt_name(s->v[s->n++], prefix, hash);
}

void pxipt_names_free(struct pxipt_names *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int pxipt_names_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

void pxipt_names_sort(struct pxipt_names *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), pxipt_names_cmp);
}

bool pxipt_names_has(const struct pxipt_names *s, const char *name)
{
	char key[PXIPT_CHAIN_LEN];

	if (!s->n || strlen(name) >= sizeof(key))
		return false;
	snprintf(key, sizeof(key), "%s", name);
	return bsearch(key, s->v, s->n, sizeof(*s->v), pxipt_names_cmp) != NULL;
}

bool pxipt_is_port_chain(const char *name)
{
	static const char *const prefixes[] = {"KUBE-SVC-", "KUBE-SVL-", "KUBE-EXT-", "KUBE-FW-",
	                                       "KUBE-SEP-"};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

void pxipt_port_names(const struct pxipt_cfg *cfg, const struct pxm_svcport *sp,
                      struct pxipt_names *out)
{
	struct pxipt_plan p;

	if (!pxipt_plan(cfg, sp, &p))
		return;
	if (p.uses_ext)
		pxipt_names_add(out, "KUBE-EXT-", sp->hash);
	if (p.uses_fw)
		pxipt_names_add(out, "KUBE-FW-", sp->hash);
	if (p.uses_svc)
		pxipt_names_add(out, "KUBE-SVC-", sp->hash);
	if (p.uses_svl)
		pxipt_names_add(out, "KUBE-SVL-", sp->hash);
	for (size_t i = p.fam->ep_first; i < p.fam->ep_first + p.fam->n_eps; i++)
		if (sp->eps[i].cat & PXM_CAT_REACHABLE)
			pxipt_names_add(out, "KUBE-SEP-", sp->eps[i].hash);
}

/* ---- the generator ---- */

static buf *pxipt_bufs(struct pxipt_gen *g, size_t i)
{
	buf *all[] = {&g->fchains, &g->frules, &g->nchains, &g->nrules, &g->ndel};

	return i < sizeof(all) / sizeof(all[0]) ? all[i] : NULL;
}

void pxipt_gen_init(struct pxipt_gen *g, const struct pxipt_cfg *cfg)
{
	memset(g, 0, sizeof(*g));
	g->cfg = cfg;
}

void pxipt_gen_reset(struct pxipt_gen *g, bool full, bool large)
{
	buf *b;

	for (size_t i = 0; (b = pxipt_bufs(g, i)); i++)
		buf_reset(b);
	g->full = full;
	g->large = large;
	g->list_all = false;
	g->lines = g->rules = g->chains = g->ndecl = 0;
	g->err = 0;
}

void pxipt_gen_free(struct pxipt_gen *g)
{
	buf *b;

	for (size_t i = 0; (b = pxipt_bufs(g, i)); i++)
		buf_free(b);
	free(g->probs);
	g->probs = NULL;
	g->nprobs = 0;
}

static void pxipt_head_postrouting(struct pxipt_gen *g)
{
	char mark[16], mm[40];
	struct pxipt_ln l;

	snprintf(mark, sizeof(mark), "%#x", g->cfg->mark);
	snprintf(mm, sizeof(mm), "%s/%s", mark, mark);
	pxipt_ln_start(&l, "-A", PXIPT_POSTROUTING);
	pxipt_ln_w(&l, "-m", "mark", "!", "--mark", mm, "-j", "RETURN", NULL);
	pxipt_rule(g, &g->nrules, &l);
	/* Cleared so that a packet passing the stack again is not masqueraded twice. */
	pxipt_ln_start(&l, "-A", PXIPT_POSTROUTING);
	pxipt_ln_w(&l, "-j", "MARK", "--xor-mark", mark, NULL);
	pxipt_rule(g, &g->nrules, &l);
	pxipt_ln_start(&l, "-A", PXIPT_POSTROUTING);
	pxipt_ln_comment(&l, "kubernetes service traffic requiring SNAT");
	pxipt_ln_w(&l, "-j", "MASQUERADE", "--random-fully", NULL);
	pxipt_rule(g, &g->nrules, &l);
	pxipt_ln_start(&l, "-A", PXIPT_MARK_MASQ);
	pxipt_ln_w(&l, "-j", "MARK", "--or-mark", mark, NULL);
	pxipt_rule(g, &g->nrules, &l);
}

static void pxipt_head_forward(struct pxipt_gen *g)
{
	char mm[40];
	struct pxipt_ln l;

	snprintf(mm, sizeof(mm), "%#x/%#x", g->cfg->mark, g->cfg->mark);
	/* Without tcp_be_liberal, an out-of-window packet would otherwise reach
	 * the Pod un-NATed and make it reset the connection (kubernetes#74839). */
	if (!g->cfg->tcp_liberal) {
		pxipt_ln_start(&l, "-A", PXIPT_FORWARD);
		pxipt_ln_w(&l, "-m", "conntrack", "--ctstate", "INVALID", "-j", "DROP", NULL);
		pxipt_rule(g, &g->frules, &l);
	}
	pxipt_ln_start(&l, "-A", PXIPT_FORWARD);
	pxipt_ln_comment(&l, "kubernetes forwarding rules");
	pxipt_ln_w(&l, "-m", "mark", "--mark", mm, "-j", "ACCEPT", NULL);
	pxipt_rule(g, &g->frules, &l);
	pxipt_ln_start(&l, "-A", PXIPT_FORWARD);
	pxipt_ln_comment(&l, "kubernetes forwarding conntrack rule");
	pxipt_ln_w(&l, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT", NULL);
	pxipt_rule(g, &g->frules, &l);
}

void pxipt_gen_head(struct pxipt_gen *g)
{
	static const char *const fchains[] = {PXIPT_SERVICES, PXIPT_EXTERNAL, PXIPT_FORWARD,
	                                      PXIPT_NODEPORTS, PXIPT_FIREWALL};
	static const char *const nchains[] = {PXIPT_SERVICES, PXIPT_NODEPORTS, PXIPT_POSTROUTING,
	                                      PXIPT_MARK_MASQ};

	for (size_t i = 0; i < sizeof(fchains) / sizeof(fchains[0]); i++)
		pxipt_chain(g, &g->fchains, fchains[i]);
	for (size_t i = 0; i < sizeof(nchains) / sizeof(nchains[0]); i++)
		pxipt_chain(g, &g->nchains, nchains[i]);
	if (g->full) {
		pxipt_chain(g, &g->fchains, PXIPT_CANARY);
		pxipt_chain(g, &g->nchains, PXIPT_CANARY);
	}
	pxipt_head_postrouting(g);
	pxipt_head_forward(g);
}

void pxipt_gen_tail(struct pxipt_gen *g)
{
	struct pxipt_ln l;

	pxipt_ln_start(&l, "-A", PXIPT_SERVICES);
	pxipt_ln_comment(&l, PXIPT_NODEPORTS_CM);
	/* Node ports on loopback would need route_localnet, a hole kube-proxy
	 * closes with more rules (kubernetes#90259); IPv6 cannot have them. */
	pxipt_ln_w(&l, "-m", "addrtype", "--dst-type", "LOCAL", "!", "-d",
	           g->cfg->family == AF_INET6 ? "::1/128" : "127.0.0.0/8", "-j", PXIPT_NODEPORTS,
	           NULL);
	pxipt_rule(g, &g->nrules, &l);
}

/* ---- a port's rules in the top-level chains ---- */

/* "-m tcp -p tcp [-d IP] --dport PORT" */
static void pxipt_ln_dst(struct pxipt_ln *l, const struct pxipt_plan *p, const char *ip,
                         const char *port)
{
	pxipt_ln_w(l, "-m", p->proto, "-p", p->proto, NULL);
	if (ip)
		pxipt_ln_w(l, "-d", ip, NULL);
	pxipt_ln_w(l, "--dport", port, NULL);
}

static void pxipt_top_cluster_ip(struct pxipt_gen *g, const struct pxipt_plan *p)
{
	struct pxipt_ln l;

	if (p->has_int) {
		pxipt_ln_start(&l, "-A", PXIPT_SERVICES);
		pxipt_ln_comment(&l, "%s cluster IP", p->name);
		pxipt_ln_dst(&l, p, p->cip, p->port);
		pxipt_ln_w(&l, "-j", p->int_chain, NULL);
		pxipt_rule(g, &g->nrules, &l);
		return;
	}
	pxipt_ln_start(&l, "-A", PXIPT_SERVICES);
	pxipt_ln_comment(&l, "%s %s", p->name, p->int_why);
	pxipt_ln_dst(&l, p, p->cip, p->port);
	pxipt_ln_w(&l, "-j", p->int_target, NULL);
	pxipt_rule(g, &g->frules, &l);
}

/* REJECT or DROP of external traffic (to ip, or to the node port when NULL). */
static void pxipt_top_ext_verdict(struct pxipt_gen *g, const struct pxipt_plan *p, const char *ip)
{
	struct pxipt_ln l;

	pxipt_ln_start(&l, "-A", PXIPT_EXTERNAL);
	pxipt_ln_comment(&l, "%s %s", p->name, p->ext_why);
	if (!ip)
		pxipt_ln_w(&l, "-m", "addrtype", "--dst-type", "LOCAL", NULL);
	pxipt_ln_dst(&l, p, ip, ip ? p->port : p->node_port);
	pxipt_ln_w(&l, "-j", p->ext_target, NULL);
	pxipt_rule(g, &g->frules, &l);
}

static void pxipt_top_external_ips(struct pxipt_gen *g, const struct pxm_svcport *sp,
                                   const struct pxipt_plan *p)
{
	char ip[NET_ADDR_STRLEN];
	struct pxipt_ln l;

	for (size_t i = 0; i < sp->n_external_ips; i++) {
		if (sp->external_ips[i].family != g->cfg->family)
			continue;
		net_addr_fmt(&sp->external_ips[i], ip, sizeof(ip));
		if (p->has_eps) {
			pxipt_ln_start(&l, "-A", PXIPT_SERVICES);
			pxipt_ln_comment(&l, "%s external IP", p->name);
			pxipt_ln_dst(&l, p, ip, p->port);
			pxipt_ln_w(&l, "-j", p->ext, NULL);
			pxipt_rule(g, &g->nrules, &l);
		}
		if (!p->has_ext)
			pxipt_top_ext_verdict(g, p, ip);
	}
}

static void pxipt_top_lb_ips(struct pxipt_gen *g, const struct pxm_svcport *sp,
                             const struct pxipt_plan *p)
{
	char ip[NET_ADDR_STRLEN];
	struct pxipt_ln l;

	for (size_t i = 0; i < sp->n_lb_ips; i++) {
		if (sp->lb_ips[i].family != g->cfg->family)
			continue;
		net_addr_fmt(&sp->lb_ips[i], ip, sizeof(ip));
		if (p->has_eps) {
			pxipt_ln_start(&l, "-A", PXIPT_SERVICES);
			pxipt_ln_comment(&l, "%s loadbalancer IP", p->name);
			pxipt_ln_dst(&l, p, ip, p->port);
			pxipt_ln_w(&l, "-j", p->lb_chain, NULL);
			pxipt_rule(g, &g->nrules, &l);
		}
		/* What KUBE-FW did not DNAT still has the LB IP as destination here. */
		if (p->uses_fw) {
			pxipt_ln_start(&l, "-A", PXIPT_FIREWALL);
			pxipt_ln_comment(&l, "%s traffic not accepted by %s", p->name, p->fw);
			pxipt_ln_dst(&l, p, ip, p->port);
			pxipt_ln_w(&l, "-j", "DROP", NULL);
			pxipt_rule(g, &g->frules, &l);
		}
	}
	for (size_t i = 0; !p->has_ext && i < sp->n_lb_ips; i++) {
		if (sp->lb_ips[i].family != g->cfg->family)
			continue;
		net_addr_fmt(&sp->lb_ips[i], ip, sizeof(ip));
		pxipt_top_ext_verdict(g, p, ip);
	}
}

static void pxipt_top_node_ports(struct pxipt_gen *g, const struct pxm_svcport *sp,
                                 const struct pxipt_plan *p)
{
	struct pxipt_ln l;
	char hc[8];

	if (sp->node_port && p->has_eps) {
		/* Node ports are not subject to loadBalancerSourceRanges. */
		pxipt_ln_start(&l, "-A", PXIPT_NODEPORTS);
		pxipt_ln_comment(&l, "%s", p->name);
		pxipt_ln_dst(&l, p, NULL, p->node_port);
		pxipt_ln_w(&l, "-j", p->ext, NULL);
		pxipt_rule(g, &g->nrules, &l);
	}
	if (sp->node_port && !p->has_ext)
		pxipt_top_ext_verdict(g, p, NULL);
	if (sp->health_check_node_port) {
		pxipt_u16(hc, sp->health_check_node_port);
		pxipt_ln_start(&l, "-A", PXIPT_NODEPORTS);
		pxipt_ln_comment(&l, "%s health check node port", p->name);
		pxipt_ln_w(&l, "-m", "tcp", "-p", "tcp", "--dport", hc, "-j", "ACCEPT", NULL);
		pxipt_rule(g, &g->frules, &l);
	}
}

void pxipt_gen_top(struct pxipt_gen *g, const struct pxm_svcport *sp)
{
	struct pxipt_plan p;

	if (!pxipt_plan(g->cfg, sp, &p))
		return;
	pxipt_top_cluster_ip(g, &p);
	pxipt_top_external_ips(g, sp, &p);
	pxipt_top_lb_ips(g, sp, &p);
	pxipt_top_node_ports(g, sp, &p);
}

/* ---- a port's own chains ---- */

static bool pxipt_cidr_known(const struct pxipt_cfg *cfg)
{
	return cfg->cluster_cidr.addr.family == cfg->family;
}

/* Traffic to the cluster IP from outside the Pods (a route to the service
 * range through this node) may come back through another node: masquerade. */
static void pxipt_port_int_masq(struct pxipt_gen *g, const struct pxipt_plan *p)
{
	char cidr[NET_CIDR_STRLEN];
	struct pxipt_ln l;

	pxipt_ln_start(&l, "-A", p->int_chain);
	pxipt_ln_comment(&l, "%s cluster IP", p->name);
	pxipt_ln_dst(&l, p, p->cip, p->port);
	if (!g->cfg->masquerade_all && pxipt_cidr_known(g->cfg)) {
		net_cidr_fmt(&g->cfg->cluster_cidr, cidr, sizeof(cidr));
		pxipt_ln_w(&l, "!", "-s", cidr, NULL);
	}
	pxipt_ln_w(&l, "-j", PXIPT_MARK_MASQ, NULL);
	pxipt_rule(g, &g->nrules, &l);
}

/* eTP Local: Pods and the node itself reach an external address as if they
 * went out to the load balancer and came back, so policy does not apply. */
static void pxipt_port_ext_local(struct pxipt_gen *g, const struct pxipt_plan *p)
{
	char cidr[NET_CIDR_STRLEN];
	struct pxipt_ln l;

	if (pxipt_cidr_known(g->cfg)) {
		net_cidr_fmt(&g->cfg->cluster_cidr, cidr, sizeof(cidr));
		pxipt_ln_start(&l, "-A", p->ext);
		pxipt_ln_comment(&l, "pod traffic for %s external destinations", p->name);
		pxipt_ln_w(&l, "-s", cidr, "-j", p->svc, NULL);
		pxipt_rule(g, &g->nrules, &l);
	}
	/* The node's own source would be the LB IP, a local address: masquerade. */
	pxipt_ln_start(&l, "-A", p->ext);
	pxipt_ln_comment(&l, "masquerade LOCAL traffic for %s external destinations", p->name);
	pxipt_ln_w(&l, "-m", "addrtype", "--src-type", "LOCAL", "-j", PXIPT_MARK_MASQ, NULL);
	pxipt_rule(g, &g->nrules, &l);
	pxipt_ln_start(&l, "-A", p->ext);
	pxipt_ln_comment(&l, "route LOCAL traffic for %s external destinations", p->name);
	pxipt_ln_w(&l, "-m", "addrtype", "--src-type", "LOCAL", "-j", p->svc, NULL);
	pxipt_rule(g, &g->nrules, &l);
}

static void pxipt_port_ext(struct pxipt_gen *g, const struct pxipt_plan *p)
{
	struct pxipt_ln l;

	pxipt_chain(g, &g->nchains, p->ext);
	if (!p->ext_local) {
		/* Endpoints may be on other nodes: answers must come back here. */
		pxipt_ln_start(&l, "-A", p->ext);
		pxipt_ln_comment(&l, "masquerade traffic for %s external destinations", p->name);
		pxipt_ln_w(&l, "-j", PXIPT_MARK_MASQ, NULL);
		pxipt_rule(g, &g->nrules, &l);
	} else {
		pxipt_port_ext_local(g, p);
	}
	if (p->has_ext) {
		pxipt_ln_start(&l, "-A", p->ext);
		pxipt_ln_w(&l, "-j", p->ext_policy, NULL);
		pxipt_rule(g, &g->nrules, &l);
	}
}

/* loadBalancerSourceRanges. The node-IP exception of kube-proxy (an LB IP
 * looped back from this node) needs the node's address, which the backend
 * is not given. */
static void pxipt_port_fw(struct pxipt_gen *g, const struct pxm_svcport *sp,
                          const struct pxipt_plan *p)
{
	char cidr[NET_CIDR_STRLEN];
	struct pxipt_ln l;

	pxipt_chain(g, &g->nchains, p->fw);
	for (size_t i = 0; i < sp->n_lb_source_ranges; i++) {
		if (sp->lb_source_ranges[i].addr.family != g->cfg->family)
			continue;
		net_cidr_fmt(&sp->lb_source_ranges[i], cidr, sizeof(cidr));
		pxipt_ln_start(&l, "-A", p->fw);
		pxipt_ln_comment(&l, "%s loadbalancer IP", p->name);
		pxipt_ln_w(&l, "-s", cidr, "-j", p->ext, NULL);
		pxipt_rule(g, &g->nrules, &l);
	}
	pxipt_ln_start(&l, "-A", p->fw);
	pxipt_ln_comment(&l, "other traffic to %s will be dropped by KUBE-PROXY-FIREWALL", p->name);
	pxipt_rule(g, &g->nrules, &l);
}

static void pxipt_ep_comment(struct pxipt_gen *g, struct pxipt_ln *l, const struct pxipt_plan *p,
                             const struct pxm_endpoint *ep)
{
	char e[64];

	if (g->large)
		return;
	pxm_endpoint_str(ep, e, sizeof(e));
	pxipt_ln_comment(l, "%s -> %s", p->name, e);
}

/* kube-proxy's writeServiceToEndpointRules: affinity first, then endpoint i
 * of n with probability 1/(n-i), which makes the choice uniform. */
static void pxipt_port_lb(struct pxipt_gen *g, const struct pxm_svcport *sp,
                          const struct pxipt_plan *p, const char *chain, unsigned bit)
{
	const struct pxm_family *f = p->fam;
	struct pxipt_ln l;
	char sep[PXIPT_CHAIN_LEN], secs[16];
	size_t i, k, n = 0;

	for (i = f->ep_first; i < f->ep_first + f->n_eps; i++)
		n += (sp->eps[i].cat & bit) != 0;
	pxipt_chain(g, &g->nchains, chain);
	snprintf(secs, sizeof(secs), "%u", (unsigned)sp->affinity_timeout_s);
	for (i = f->ep_first; sp->affinity_client_ip && i < f->ep_first + f->n_eps; i++) {
		if (!(sp->eps[i].cat & bit))
			continue;
		pxipt_name(sep, "KUBE-SEP-", sp->eps[i].hash);
		pxipt_ln_start(&l, "-A", chain);
		pxipt_ep_comment(g, &l, p, &sp->eps[i]);
		pxipt_ln_w(&l, "-m", "recent", "--name", sep, "--rcheck", "--seconds", secs,
		           "--reap", "-j", sep, NULL);
		pxipt_rule(g, &g->nrules, &l);
	}
	for (i = f->ep_first, k = 0; i < f->ep_first + f->n_eps; i++) {
		if (!(sp->eps[i].cat & bit))
			continue;
		pxipt_name(sep, "KUBE-SEP-", sp->eps[i].hash);
		pxipt_ln_start(&l, "-A", chain);
		pxipt_ep_comment(g, &l, p, &sp->eps[i]);
		if (k < n - 1)
			pxipt_ln_w(&l, "-m", "statistic", "--mode", "random", "--probability",
			           pxipt_prob(g, n - k), NULL);
		pxipt_ln_w(&l, "-j", sep, NULL);
		pxipt_rule(g, &g->nrules, &l);
		k++;
	}
}

static void pxipt_port_sep(struct pxipt_gen *g, const struct pxm_svcport *sp,
                           const struct pxipt_plan *p, const struct pxm_endpoint *ep)
{
	char sep[PXIPT_CHAIN_LEN], ip[NET_ADDR_STRLEN], dst[64];
	struct pxipt_ln l;

	pxipt_name(sep, "KUBE-SEP-", ep->hash);
	net_addr_fmt(&ep->addr, ip, sizeof(ip));
	pxm_endpoint_str(ep, dst, sizeof(dst));
	pxipt_chain(g, &g->nchains, sep);
	/* Hairpin: a Pod reaching itself through the Service would get an answer
	 * from its own address, which it would not recognise. */
	pxipt_ln_start(&l, "-A", sep);
	if (!g->large)
		pxipt_ln_comment(&l, "%s", p->name);
	pxipt_ln_w(&l, "-s", ip, "-j", PXIPT_MARK_MASQ, NULL);
	pxipt_rule(g, &g->nrules, &l);
	pxipt_ln_start(&l, "-A", sep);
	if (!g->large)
		pxipt_ln_comment(&l, "%s", p->name);
	if (sp->affinity_client_ip)
		pxipt_ln_w(&l, "-m", "recent", "--name", sep, "--set", NULL);
	pxipt_ln_w(&l, "-m", p->proto, "-p", p->proto, "-j", "DNAT", "--to-destination", dst, NULL);
	pxipt_rule(g, &g->nrules, &l);
}

void pxipt_gen_port(struct pxipt_gen *g, const struct pxm_svcport *sp, size_t *rules,
                    size_t *chains)
{
	size_t r0 = g->rules, c0 = g->chains;
	struct pxipt_plan p;

	if (pxipt_plan(g->cfg, sp, &p)) {
		const struct pxm_family *f = p.fam;

		if (p.has_int)
			pxipt_port_int_masq(g, &p);
		if (p.uses_ext)
			pxipt_port_ext(g, &p);
		if (p.uses_fw)
			pxipt_port_fw(g, sp, &p);
		if (p.uses_svc)
			pxipt_port_lb(g, sp, &p, p.svc, PXM_CAT_CLUSTER);
		if (p.uses_svl)
			pxipt_port_lb(g, sp, &p, p.svl, PXM_CAT_LOCAL);
		for (size_t i = f->ep_first; i < f->ep_first + f->n_eps; i++)
			if (sp->eps[i].cat & PXM_CAT_REACHABLE)
				pxipt_port_sep(g, sp, &p, &sp->eps[i]);
	}
	*rules = g->rules - r0;
	*chains = g->chains - c0;
}

/* Declared (flushed) with the chains, deleted after every rule that could
 * still jump to it is gone. */
void pxipt_gen_delete(struct pxipt_gen *g, const char *chain)
{
	struct pxipt_ln l;

	pxipt_decl(g, &g->nchains, chain);
	g->ndecl++;
	pxipt_ln_start(&l, "-X", chain);
	pxipt_put(g, &g->ndel, &l);
}

static void pxipt_cat(struct pxipt_gen *g, buf *out, const char *s, const buf *b)
{
	if (g->err)
		return;
	if ((s && buf_puts(out, s) < 0) || (b && buf_append(out, b->data, b->len) < 0))
		g->err = -ENOMEM;
}

int pxipt_gen_finish(struct pxipt_gen *g, buf *out)
{
	buf_reset(out);
	pxipt_cat(g, out, "*filter\n", &g->fchains);
	pxipt_cat(g, out, NULL, &g->frules);
	pxipt_cat(g, out, "COMMIT\n*nat\n", NULL);
	if (g->list_all) {
		pxipt_cat(g, out, "-S\n", NULL);
		g->lines++;
	}
	pxipt_cat(g, out, NULL, &g->nchains);
	pxipt_cat(g, out, NULL, &g->nrules);
	pxipt_cat(g, out, NULL, &g->ndel);
	pxipt_cat(g, out, "COMMIT\n", NULL);
	g->lines += 4;
	if (g->full) {
		/* mangle holds nothing of ours but the canary, which is what
		 * kube-proxy's monitor watches. */
		pxipt_cat(g, out, "*mangle\n:" PXIPT_CANARY " - [0:0]\nCOMMIT\n", NULL);
		g->lines += 3;
		g->chains++;
	}
	if (!g->err && buf_cstr(out) < 0)
		g->err = -ENOMEM;
	return g->err;
}

/* ---- reading iptables-save output ---- */

/* The next line of [*p, end) without its newline; NULL at the end. */
static const char *pxipt_next_line(const char **p, const char *end, size_t *len)
{
	const char *s = *p, *nl;

	if (s >= end)
		return NULL;
	nl = memchr(s, '\n', (size_t)(end - s));
	*len = (size_t)((nl ? nl : end) - s);
	*p = nl ? nl + 1 : end;
	return s;
}

/* A chain declaration's name (":NAME POLICY [p:b]"). */
static bool pxipt_decl_name(const char *s, size_t len, char *out, size_t outlen)
{
	size_t n = 0;

	if (len < 2 || s[0] != ':')
		return false;
	while (1 + n < len && s[1 + n] != ' ')
		n++;
	if (!n || n >= outlen)
		return false;
	memcpy(out, s + 1, n);
	out[n] = '\0';
	return true;
}

void pxipt_gen_stale(struct pxipt_gen *g, const char *save, size_t len,
                     const struct pxipt_names *keep)
{
	const char *p = save, *end = save + len, *s;
	char name[PXIPT_CHAIN_LEN];
	size_t n;

	while ((s = pxipt_next_line(&p, end, &n)))
		if (pxipt_decl_name(s, n, name, sizeof(name)) && pxipt_is_port_chain(name) &&
		    !pxipt_names_has(keep, name))
			pxipt_gen_delete(g, name);
}

struct pxipt_jump {
	const char *table, *from, *to, *comment;
	bool ct_new; /* only a connection's first packet */
};

/* kube-proxy's iptablesJumpChains. */
static const struct pxipt_jump pxipt_jumps[] = {
    {"filter", "INPUT", PXIPT_EXTERNAL, "kubernetes externally-visible service portals", true},
    {"filter", "FORWARD", PXIPT_EXTERNAL, "kubernetes externally-visible service portals", true},
    {"filter", "INPUT", PXIPT_NODEPORTS, "kubernetes health check service ports", false},
    {"filter", "FORWARD", PXIPT_SERVICES, "kubernetes service portals", true},
    {"filter", "OUTPUT", PXIPT_SERVICES, "kubernetes service portals", true},
    {"filter", "FORWARD", PXIPT_FORWARD, "kubernetes forwarding rules", false},
    {"filter", "INPUT", PXIPT_FIREWALL, "kubernetes load balancer firewall", true},
    {"filter", "OUTPUT", PXIPT_FIREWALL, "kubernetes load balancer firewall", true},
    {"filter", "FORWARD", PXIPT_FIREWALL, "kubernetes load balancer firewall", true},
    {"nat", "OUTPUT", PXIPT_SERVICES, "kubernetes service portals", false},
    {"nat", "PREROUTING", PXIPT_SERVICES, "kubernetes service portals", false},
    {"nat", "POSTROUTING", PXIPT_POSTROUTING, "kubernetes postrouting rules", false},
};

size_t pxipt_njumps(void)
{
	return sizeof(pxipt_jumps) / sizeof(pxipt_jumps[0]);
}

static bool pxipt_has_prefix(const char *s, size_t len, const char *pre)
{
	size_t n = strlen(pre);

	return len >= n && !memcmp(s, pre, n);
}

static bool pxipt_has_suffix(const char *s, size_t len, const char *suf)
{
	size_t n = strlen(suf);

	return len >= n && !memcmp(s + len - n, suf, n);
}

/* Matched loosely (chain, comment, target), as iptables-save reorders matches. */
static bool pxipt_jump_present(const struct pxipt_jump *j, const char *save, size_t len)
{
	const char *p = save, *end = save + len, *s;
	char pre[64], suf[64], cm[128];
	size_t n;

	snprintf(pre, sizeof(pre), "-A %s ", j->from);
	snprintf(suf, sizeof(suf), " -j %s", j->to);
	snprintf(cm, sizeof(cm), "--comment \"%s\"", j->comment);
	while ((s = pxipt_next_line(&p, end, &n)))
		if (pxipt_has_prefix(s, n, pre) && pxipt_has_suffix(s, n, suf) &&
		    memmem(s, n, cm, strlen(cm)))
			return true;
	return false;
}

static bool pxipt_declared(const char *save, size_t len, const char *chain)
{
	const char *p = save, *end = save + len, *s;
	char name[PXIPT_CHAIN_LEN];
	size_t n;

	while ((s = pxipt_next_line(&p, end, &n)))
		if (pxipt_decl_name(s, n, name, sizeof(name)) && !strcmp(name, chain))
			return true;
	return false;
}

static int pxipt_jump_line(const struct pxipt_jump *j, buf *out)
{
	struct pxipt_ln l;

	/* -I: first in the built-in chain, as kube-proxy's EnsureRule(Prepend). */
	pxipt_ln_start(&l, "-I", j->from);
	if (j->ct_new)
		pxipt_ln_w(&l, "-m", "conntrack", "--ctstate", "NEW", NULL);
	pxipt_ln_comment(&l, "%s", j->comment);
	pxipt_ln_w(&l, "-j", j->to, NULL);
	if (l.over || buf_append(out, l.s, l.n) < 0 || buf_puts(out, "\n") < 0)
		return -ENOMEM;
	return 1;
}

int pxipt_gen_jumps(const char *table, const char *save, size_t len, buf *out)
{
	size_t start = out->len;
	int lines = 0, rc = 0;
	bool missing = false;

	for (size_t i = 0; i < pxipt_njumps(); i++)
		missing |= !strcmp(pxipt_jumps[i].table, table) &&
		           !pxipt_jump_present(&pxipt_jumps[i], save, len);
	if (!missing)
		return 0;
	rc = buf_printf(out, "*%s\n", table);
	/* Only the missing targets: declaring an existing one would empty it
	 * until the rules' restore that follows. */
	for (size_t i = 0; rc == 0 && i < pxipt_njumps(); i++) {
		const struct pxipt_jump *j = &pxipt_jumps[i];
		bool dup = false;

		for (size_t k = 0; k < i; k++)
			dup |= !strcmp(pxipt_jumps[k].table, table) &&
			       !strcmp(pxipt_jumps[k].to, j->to);
		if (strcmp(j->table, table) || dup || pxipt_declared(save, len, j->to))
			continue;
		rc = buf_printf(out, ":%s - [0:0]\n", j->to);
		lines++;
	}
	for (size_t i = 0; rc == 0 && i < pxipt_njumps(); i++) {
		if (strcmp(pxipt_jumps[i].table, table) ||
		    pxipt_jump_present(&pxipt_jumps[i], save, len))
			continue;
		rc = pxipt_jump_line(&pxipt_jumps[i], out);
		rc = rc < 0 ? rc : 0;
		lines++;
	}
	if (rc == 0)
		rc = buf_puts(out, "COMMIT\n");
	if (rc < 0) {
		out->len = start;
		return -ENOMEM;
	}
	return lines + 2;
}

/* ---- cleanup ---- */

static bool pxipt_ours(const char *name)
{
	static const char *const top[] = {PXIPT_SERVICES,    PXIPT_EXTERNAL,  PXIPT_NODEPORTS,
	                                  PXIPT_POSTROUTING, PXIPT_MARK_MASQ, PXIPT_FORWARD,
	                                  PXIPT_FIREWALL,    PXIPT_CANARY};

	for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++)
		if (!strcmp(name, top[i]))
			return true;
	return pxipt_is_port_chain(name);
}

/* The next word of a save line, quotes and their backslash escapes kept
 * together, so a comment's text is never read as an option. */
static bool pxipt_word(const char **p, const char *end, const char **w, size_t *wl)
{
	const char *s = *p;
	bool q = false;

	while (s < end && *s == ' ')
		s++;
	if (s >= end)
		return false;
	*w = s;
	for (; s < end && (q || *s != ' '); s++) {
		if (*s == '\\' && s + 1 < end)
			s++;
		else if (*s == '"')
			q = !q;
	}
	*wl = (size_t)(s - *w);
	*p = s;
	return true;
}

/* "-A CHAIN ... -j TARGET ...": the chain and target (either "" if none). */
static void pxipt_rule_ends(const char *s, size_t len, char *chain, char *target, size_t outlen)
{
	const char *p = s, *end = s + len, *w;
	size_t wl, i = 0;
	bool next = false;

	chain[0] = target[0] = '\0';
	while (pxipt_word(&p, end, &w, &wl)) {
		if (i == 1 && wl < outlen)
			snprintf(chain, outlen, "%.*s", (int)wl, w);
		else if (next && wl < outlen)
			snprintf(target, outlen, "%.*s", (int)wl, w);
		next = i > 1 && wl == 2 && (!memcmp(w, "-j", 2) || !memcmp(w, "-g", 2));
		i++;
	}
}

static int pxipt_cleanup_decls(const char *save, size_t len, struct pxipt_names *set)
{
	const char *p = save, *end = save + len, *s;
	char name[PXIPT_CHAIN_LEN + 1];
	size_t n;

	while ((s = pxipt_next_line(&p, end, &n)))
		if (pxipt_decl_name(s, n, name, sizeof(name)) && strlen(name) < PXIPT_CHAIN_LEN &&
		    pxipt_ours(name))
			pxipt_names_add(set, "", name);
	pxipt_names_sort(set);
	return set->err;
}

/* "-D" of every rule outside our chains that jumps into them. */
static int pxipt_cleanup_unlink(const char *save, size_t len, const struct pxipt_names *set,
                                buf *out)
{
	const char *p = save, *end = save + len, *s;
	char chain[64], target[64];
	size_t n;

	while ((s = pxipt_next_line(&p, end, &n))) {
		if (!pxipt_has_prefix(s, n, "-A "))
			continue;
		pxipt_rule_ends(s, n, chain, target, sizeof(chain));
		if (!target[0] || pxipt_names_has(set, chain) || !pxipt_names_has(set, target))
			continue;
		if (buf_puts(out, "-D") < 0 || buf_append(out, s + 2, n - 2) < 0 ||
		    buf_puts(out, "\n") < 0)
			return -ENOMEM;
	}
	return 0;
}

int pxipt_gen_cleanup(const char *table, const char *save, size_t len, bool list_all, buf *out)
{
	struct pxipt_names set = {0};
	int rc = pxipt_cleanup_decls(save, len, &set);

	if (rc < 0 || !set.n)
		goto done;
	rc = buf_printf(out, "*%s\n%s", table,
	                list_all && set.n > PXIPT_LIST_ALL_CHAINS ? "-S\n" : "");
	for (size_t i = 0; rc == 0 && i < set.n; i++)
		rc = buf_printf(out, ":%s - [0:0]\n", set.v[i]);
	if (rc == 0)
		rc = pxipt_cleanup_unlink(save, len, &set, out);
	for (size_t i = 0; rc == 0 && i < set.n; i++)
		rc = buf_printf(out, "-X %s\n", set.v[i]);
	if (rc == 0)
		rc = buf_puts(out, "COMMIT\n");
	if (rc == 0)
		rc = (int)set.n;
done:
	pxipt_names_free(&set);
	return rc;
}

/* ---- everything at once, for tests ---- */

int pxipt_render(const struct pxipt_cfg *cfg, const struct pxm_svcport *const *ports, size_t n,
                 buf *out)
{
	struct pxipt_gen g;
	size_t eps = 0, r, c;
	int rc;

	for (size_t i = 0; i < n; i++) {
		const struct pxm_family *f = pxm_svcport_family(ports[i], cfg->family);

		eps += f ? f->n_eps : 0;
	}
	pxipt_gen_init(&g, cfg);
	pxipt_gen_reset(&g, true, eps > PXIPT_LARGE_EPS);
	pxipt_gen_head(&g);
	for (size_t i = 0; i < n; i++) {
		pxipt_gen_top(&g, ports[i]);
		pxipt_gen_port(&g, ports[i], &r, &c);
	}
	pxipt_gen_tail(&g);
	rc = pxipt_gen_finish(&g, out);
	pxipt_gen_free(&g);
	return rc;
}
