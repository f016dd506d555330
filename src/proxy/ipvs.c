/*
 * ipvs.c - the IPVS proxy mode (pxb_ipvs_ops): kernel virtual services over
 * generic netlink, the service addresses on the dummy device svcnet-ipvs0,
 * and an nftables table beside them (ipvs_nft.c). Design and semantics:
 * docs/PROXY_IPVS.md.
 *
 * IPVS has no transactions. A sync applies its changes one message at a
 * time; when one fails the sync reports it and forgets what it believes is
 * programmed, and the core's next (full) sync converges from a fresh dump.
 * The nftables table is one transaction of its own, written last.
 *
 * Ownership, as kube-proxy decides it: a virtual service is ours when its
 * address is bound to svcnet-ipvs0, or when it sits on one of the node's
 * addresses at a node port listed in the table's np-owned set (written by
 * every sync), or when it is one we want. Anything else is left alone.
 */
#include "proxy/ipvs.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/ip_vs.h>

#include "lib/buf.h"
#include "lib/dict.h"
#include "lib/log.h"
#include "lib/nftrun.h"
#include "lib/vec.h"
#include "proxy/ipvs_int.h"

#define IPVS_NOT_AVAILABLE                                                                         \
	"IPVS is not available in this kernel (modprobe ip_vs); use --mode nftables"

struct pxb {
	struct pxb_config cfg;
	char *node_name;
	char sched[IPVSNL_SCHED_MAX];
	ipvsnl *nl;
	nftrun *nr;
	dict *ports; /* port key -> struct ipvsp_port *: what is programmed */
	/* nft element line ("<set> <element>") -> how many ports have it
	 * (uintptr_t): a partial sync adds or deletes only the elements whose
	 * count leaves or reaches 0, instead of rewriting the table. */
	dict *refs;
	net_addr *node;
	size_t n_node;
	bool trusted;
};

static const char *const ipvs_scheds[] = {"rr", "lc", "dh", "sh", "sed", "nq", "wrr"};

int pxb_ipvs_sched_valid(const char *name)
{
	for (size_t i = 0; name && i < sizeof(ipvs_scheds) / sizeof(ipvs_scheds[0]); i++)
		if (!strcmp(name, ipvs_scheds[i]))
			return 0;
	return -EINVAL;
}

/* ---- state ---- */

static void ipvs_port_free(void *v)
{
	ipvsp_port_free(v);
	free(v);
}

static void ipvs_forget(pxb *b)
{
	if (b->ports)
		dict_free(b->ports, ipvs_port_free);
	if (b->refs)
		dict_free(b->refs, NULL);
	b->ports = NULL;
	b->refs = NULL;
	b->trusted = false;
}

static void ipvs_count(const pxb *b, struct pxb_result *res, size_t written)
{
	dict_iter it;
	const char *k;
	void *v;

	memset(res, 0, sizeof(*res));
	if (b->ports) {
		dict_iter_init(&it, b->ports);
		while (dict_next(&it, &k, &v)) {
			const struct ipvsp_port *p = v;

			res->rules += p->n_vs;
			for (size_t i = 0; i < p->n_vs; i++)
				res->elements += p->vs[i].n_dests;
		}
	}
	res->chains = 7; /* canary, masq-mark, filter, prerouting, output, input, nat-post */
	res->written = written;
}

/* ---- applying ---- */

static const uint8_t ipvs_cmd[] = {
    [IPVSP_SVC_ADD] = IPVS_CMD_NEW_SERVICE, [IPVSP_SVC_EDIT] = IPVS_CMD_SET_SERVICE,
    [IPVSP_SVC_DEL] = IPVS_CMD_DEL_SERVICE, [IPVSP_DEST_ADD] = IPVS_CMD_NEW_DEST,
    [IPVSP_DEST_EDIT] = IPVS_CMD_SET_DEST,  [IPVSP_DEST_DEL] = IPVS_CMD_DEL_DEST,
};

/* What the batch's answer rc to op means: an add of what exists becomes an
 * edit (adoption after a restart, a dump that raced), a delete of what is
 * gone is done. */
static int ipvs_settle(pxb *b, const struct ipvsp_op *op, int rc)
{
	switch (op->kind) {
	case IPVSP_SVC_ADD:
		return rc == -EEXIST ? ipvsnl_svc_edit(b->nl, &op->svc) : rc;
	case IPVSP_SVC_DEL:
		return rc == -ESRCH ? 0 : rc;
	case IPVSP_DEST_ADD:
		return rc == -EEXIST ? ipvsnl_dest_edit(b->nl, &op->svc, &op->dest) : rc;
	case IPVSP_DEST_DEL:
		return rc == -ENOENT || rc == -ESRCH ? 0 : rc;
	case IPVSP_SVC_EDIT:
	case IPVSP_DEST_EDIT:
		return rc;
	}
	return -EINVAL;
}

/* Sends the ops in batches (ipvsnl_do_many), in their order: the kernel
 * handles a batch's requests one after another, so the diff's order
 * (deletes, services, real servers) holds. The first op that failed names
 * the error. */
static int ipvs_apply(pxb *b, const struct ipvsp_ops *ops, char *err, size_t errlen)
{
	static const char *const what[] = {"",
	                                   "add",
	                                   "edit",
	                                   "delete",
	                                   "add real server to",
	                                   "edit real server of",
	                                   "delete real server of"};
	struct ipvsnl_req *reqs;
	int *rcs, rc = 0;
	char name[80];

	if (!ops->n)
		return 0;
	reqs = calloc(ops->n, sizeof(*reqs));
	rcs = calloc(ops->n, sizeof(*rcs));
	if (!reqs || !rcs) {
		snprintf(err, errlen, "ipvs: out of memory");
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < ops->n; i++) {
		const struct ipvsp_op *op = &ops->v[i];
		bool dest = op->kind >= IPVSP_DEST_ADD;

		reqs[i] = (struct ipvsnl_req){.cmd = ipvs_cmd[op->kind],
		                              .full = op->kind != IPVSP_SVC_DEL &&
		                                      op->kind != IPVSP_DEST_DEL,
		                              .svc = &op->svc,
		                              .dest = dest ? &op->dest : NULL};
	}
	if ((rc = ipvsnl_do_many(b->nl, reqs, ops->n, rcs)) < 0) {
		snprintf(err, errlen, "ipvs: generic netlink: %s", strerror(-rc));
		goto out;
	}
	for (size_t i = 0; i < ops->n; i++) {
		if ((rc = ipvs_settle(b, &ops->v[i], rcs[i])) < 0) {
			ipvsnl_svc_fmt(&ops->v[i].svc, name, sizeof(name));
			snprintf(err, errlen, "ipvs: %s virtual service %s: %s",
			         what[ops->v[i].kind], name, strerror(-rc));
			goto out;
		}
	}
out:
	free(reqs);
	free(rcs);
	return rc;
}

/* Counts a port's nft lines into b->refs (dir 1 or -1); with cmd, appends
 * the element commands for elements that appear (0 -> 1) or go (1 -> 0). */
static int ipvs_refs(pxb *b, const char *nft, int dir, buf *cmd)
{
	const char *f = ipvsn_family(b->cfg.family);
	char line[512];

	for (const char *l = nft; l && *l;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);
		const char *sp = memchr(l, ' ', len);
		uintptr_t n;
		int rc = 0;

		if (!sp || len >= sizeof(line))
			return -EINVAL; /* not from ipvsp_port_build */
		memcpy(line, l, len);
		line[len] = '\0';
		n = (uintptr_t)dict_get(b->refs, line);
		if (dir > 0) {
			if (dict_set(b->refs, line, (void *)(n + 1), NULL) < 0)
				return -ENOMEM;
			if (n == 0 && cmd)
				rc = buf_printf(cmd, "add element %s " IPVS_TABLE " %.*s { %s }\n",
				                f, (int)(sp - l), l, line + (sp + 1 - l));
		} else if (n <= 1) {
			dict_del(b->refs, line);
			if (n == 1 && cmd)
				rc = buf_printf(cmd,
				                "delete element %s " IPVS_TABLE " %.*s { %s }\n", f,
				                (int)(sp - l), l, line + (sp + 1 - l));
		} else if (dict_set(b->refs, line, (void *)(n - 1), NULL) < 0) {
			return -ENOMEM;
		}
		if (rc < 0)
			return -ENOMEM;
		l = e ? e + 1 : l + len;
	}
	return 0;
}

/* The dummy device's addresses (addrs) and the nftables table with its
 * element counts (table), from every port. */
static int ipvs_finish(pxb *b, bool addrs, bool table, char *err, size_t errlen)
{
	const struct ipvsp_port **pv = NULL;
	net_addr *bind = NULL;
	size_t n = 0, n_bind = 0, cap = 0;
	dict_iter it;
	const char *k;
	void *v;
	char *script = NULL;
	int rc = -ENOMEM;

	if (!(pv = calloc(dict_size(b->ports) + 1, sizeof(*pv))))
		goto out;
	dict_iter_init(&it, b->ports);
	while (dict_next(&it, &k, &v)) {
		const struct ipvsp_port *p = v;

		pv[n++] = p;
		if (p->n_bind) {
			net_addr *nb = vec_grow(bind, &cap, n_bind, p->n_bind, sizeof(*bind));

			if (!nb)
				goto out;
			bind = nb;
			memcpy(bind + n_bind, p->bind, p->n_bind * sizeof(*bind));
			n_bind += p->n_bind;
		}
	}
	if (addrs && (rc = ipvsd_sync(b->cfg.family, bind, n_bind, err, errlen)) < 0)
		goto out;
	rc = 0;
	if (!table)
		goto out;
	rc = -ENOMEM;
	if (!(script = ipvsn_script(&b->cfg, pv, n)))
		goto out;
	if ((rc = nftrun_ctx_apply(b->nr, script, err, errlen)) < 0)
		goto out;
	if (b->refs)
		dict_free(b->refs, NULL);
	rc = -ENOMEM;
	if (!(b->refs = dict_new()))
		goto out;
	for (size_t i = 0; i < n; i++)
		if ((rc = ipvs_refs(b, pv[i]->nft, 1, NULL)) < 0)
			goto out;
	rc = 0;
out:
	if (rc == -ENOMEM && err && !*err)
		snprintf(err, errlen, "ipvs: out of memory");
	free(script);
	free(bind);
	free(pv);
	return rc;
}

/* ---- reading the kernel ---- */

static int ipvs_addr_cmp(const void *a, const void *b)
{
	return net_addr_cmp(a, b);
}

/* v sorted by net_addr_cmp (10,000 service addresses: no linear scans). */
static bool ipvs_addr_in(const net_addr *v, size_t n, const net_addr *a)
{
	return n && bsearch(a, v, n, sizeof(*v), ipvs_addr_cmp);
}

/* The np-owned set as "tcp . 30080" tokens, NULL when there is no table. */
static char *ipvs_np_owned(nftrun *nr, int family)
{
	char cmd[80], err[256], *out = NULL;

	snprintf(cmd, sizeof(cmd), "list set %s " IPVS_TABLE " np-owned", ipvsn_family(family));
	if ((nr ? nftrun_ctx_list(nr, cmd, 0, &out, err, sizeof(err))
	        : nftrun_list(cmd, &out, err, sizeof(err))) < 0)
		return NULL;
	return out;
}

static bool ipvs_np_has(const char *e, const char *tok)
{
	size_t len = strlen(tok);

	for (const char *h = e; (h = strstr(h, tok)); h += len) {
		char after = h[len];

		if ((h == e || h[-1] == ' ' || h[-1] == '{' || h[-1] == ',' || h[-1] == '\t') &&
		    (after < '0' || after > '9'))
			return true;
	}
	return false;
}

static bool ipvs_np_listed(const char *listing, const struct ipvsnl_svc *s)
{
	const char *p = s->proto == IPPROTO_UDP ? "udp" : s->proto == IPPROTO_SCTP ? "sctp" : "tcp";
	char tok[32];
	const char *e;

	if (!listing || !(e = strstr(listing, "elements")))
		return false;
	/* nft names the protocol from /etc/protocols, or prints its number. */
	snprintf(tok, sizeof(tok), "%s . %u", p, (unsigned)s->port);
	if (ipvs_np_has(e, tok))
		return true;
	snprintf(tok, sizeof(tok), "%u . %u", (unsigned)s->proto, (unsigned)s->port);
	return ipvs_np_has(e, tok);
}

/* The virtual services of ours in the kernel, with their real servers. */
static int ipvs_kernel(pxb *b, const net_addr *dev, size_t n_dev, const struct ipvsp_vs *want,
                       size_t n_want, struct ipvsp_vs **out, size_t *n_out)
{
	struct ipvsnl_svc *sv = NULL;
	struct ipvsp_vs *v = NULL;
	size_t n = 0, k = 0;
	char *np = NULL;
	int rc;

	*out = NULL;
	*n_out = 0;
	if ((rc = ipvsnl_svc_list(b->nl, &sv, &n)) < 0)
		return rc;
	np = ipvs_np_owned(b->nr, b->cfg.family);
	if (n && !(v = calloc(n, sizeof(*v)))) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct ipvsp_vs key = {.svc = sv[i]};
		bool ours;

		if (sv[i].addr.family != b->cfg.family)
			continue;
		ours =
		    ipvs_addr_in(dev, n_dev, &sv[i].addr) ||
		    (n_want && bsearch(&key, want, n_want, sizeof(*want), ipvsp_vs_cmp)) ||
		    (ipvs_addr_in(b->node, b->n_node, &sv[i].addr) && ipvs_np_listed(np, &sv[i]));
		if (!ours)
			continue;
		v[k].svc = sv[i];
		if ((rc = ipvsnl_dest_list(b->nl, &sv[i], &v[k].dests, &v[k].n_dests)) < 0)
			goto out;
		ipvsp_vs_sort(&v[k++]);
	}
	if (k)
		qsort(v, k, sizeof(*v), ipvsp_vs_cmp);
	*out = v;
	*n_out = k;
	v = NULL;
	rc = 0;
out:
	ipvsp_vs_free(v, k);
	free(sv);
	free(np);
	return rc;
}

/* ---- syncs ---- */

static struct ipvsp_cfg ipvs_plan_cfg(const pxb *b)
{
	return (struct ipvsp_cfg){.family = b->cfg.family,
	                          .sched = b->sched,
	                          .node_addrs = b->node,
	                          .n_node_addrs = b->n_node};
}

static int ipvs_sync_full(pxb *b, const struct pxb_sync *s, struct pxb_result *res, char *err,
                          size_t errlen)
{
	struct ipvsp_cfg pc;
	struct ipvsp_vs *want = NULL, *have = NULL;
	struct ipvsp_ops ops = {0};
	net_addr *dev = NULL;
	size_t n_dev = 0, n_want = 0, n_have = 0, cap = 0;
	dict *ports;
	int rc = -ENOMEM;

	ipvs_forget(b);
	free(b->node);
	b->node = NULL;
	b->n_node = 0;
	if ((rc = ipvsd_addrs(b->cfg.family, &dev, &n_dev, &b->node, &b->n_node)) < 0) {
		snprintf(err, errlen, "ipvs: listing addresses: %s", strerror(-rc));
		return rc;
	}
	/* sorted for ipvs_addr_in (ipvs_kernel) */
	if (n_dev)
		qsort(dev, n_dev, sizeof(*dev), ipvs_addr_cmp);
	if (b->n_node)
		qsort(b->node, b->n_node, sizeof(*b->node), ipvs_addr_cmp);
	pc = ipvs_plan_cfg(b);
	rc = -ENOMEM;
	if (!(ports = dict_new()))
		goto out;
	b->ports = ports;
	for (size_t i = 0; i < s->n_all; i++) {
		struct ipvsp_port *p = calloc(1, sizeof(*p));

		if (!p || (rc = ipvsp_port_build(&pc, s->all[i], p)) < 0 ||
		    (rc = dict_set(ports, s->all[i]->key, p, NULL)) < 0) {
			ipvs_port_free(p);
			rc = -ENOMEM;
			goto out;
		}
		/* Flatten, without a port's services' real servers being copied:
		 * want[] borrows them. */
		if (p->n_vs) {
			struct ipvsp_vs *nv = vec_grow(want, &cap, n_want, p->n_vs, sizeof(*want));

			if (!nv)
				goto out;
			want = nv;
			memcpy(want + n_want, p->vs, p->n_vs * sizeof(*want));
			n_want += p->n_vs;
		}
	}
	if (want) {
		size_t u = 0;

		qsort(want, n_want, sizeof(*want), ipvsp_vs_cmp);
		/* Two ports naming one address:port/protocol (a shared external
		 * IP): the first in address order wins, as in the kernel one would. */
		for (size_t i = 0; i < n_want; i++)
			if (!u || ipvsp_vs_cmp(&want[u - 1], &want[i]))
				want[u++] = want[i];
		n_want = u;
	}
	if ((rc = ipvs_kernel(b, dev, n_dev, want, n_want, &have, &n_have)) < 0) {
		snprintf(err, errlen, "ipvs: listing virtual services: %s", strerror(-rc));
		goto out;
	}
	if ((rc = ipvsp_diff(have, n_have, want, n_want, &ops)) < 0)
		goto out;
	if ((rc = ipvs_apply(b, &ops, err, errlen)) < 0)
		goto out;
	if ((rc = ipvs_finish(b, true, true, err, errlen)) < 0)
		goto out;
	ipvs_count(b, res, ops.n);
	b->trusted = true;
out:
	if (rc == -ENOMEM && !*err)
		snprintf(err, errlen, "ipvs: out of memory");
	if (rc < 0)
		ipvs_forget(b);
	ipvsp_ops_free(&ops);
	ipvsp_vs_free(have, n_have);
	free(want);
	free(dev);
	return rc;
}

static bool ipvs_binds_equal(const struct ipvsp_port *a, const struct ipvsp_port *b)
{
	size_t na = a ? a->n_bind : 0, nb = b ? b->n_bind : 0;

	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (net_addr_cmp(&a->bind[i], &b->bind[i]))
			return false;
	return true;
}

/* fw-allow elements are intervals that may overlap between ports: the
 * table is rewritten whole when a change touches one. */
static bool ipvs_has_intervals(const struct ipvsp_port *p)
{
	return p && p->nft && (!strncmp(p->nft, "fw-allow ", 9) || strstr(p->nft, "\nfw-allow "));
}

/* Per changed port: its IPVS diff, its element counts; then the dummy's
 * addresses only when a port's addresses changed, and only the elements
 * that appeared or went, in one nft transaction (O(change), not O(ports),
 * except for address changes and fw-allow intervals). */
static int ipvs_sync_partial(pxb *b, const struct pxb_sync *s, struct pxb_result *res, char *err,
                             size_t errlen)
{
	struct ipvsp_cfg pc = ipvs_plan_cfg(b);
	struct ipvsp_ops ops = {0};
	bool addrs = false, table = false;
	buf cmd = BUF_INIT;
	size_t written = 0;
	int rc = 0;

	for (size_t i = 0; i < s->n_ch && rc == 0; i++) {
		const struct pxm_change *c = &s->ch[i];
		struct ipvsp_port *old = dict_get(b->ports, c->key), *nw = NULL;
		static const struct ipvsp_port none;

		if (c->cur) {
			if (!(nw = calloc(1, sizeof(*nw))) ||
			    ipvsp_port_build(&pc, c->cur, nw) < 0) {
				free(nw);
				rc = -ENOMEM;
				break;
			}
		}
		ops.n = 0;
		rc = ipvsp_diff(old ? old->vs : none.vs, old ? old->n_vs : 0, nw ? nw->vs : NULL,
		                nw ? nw->n_vs : 0, &ops);
		if (rc == 0)
			rc = ipvs_apply(b, &ops, err, errlen);
		written += ops.n;
		if (rc == 0) {
			addrs |= !ipvs_binds_equal(old, nw);
			table |= ipvs_has_intervals(old) || ipvs_has_intervals(nw);
			if ((rc = ipvs_refs(b, nw ? nw->nft : NULL, 1, &cmd)) == 0)
				rc = ipvs_refs(b, old ? old->nft : NULL, -1, &cmd);
		}
		if (rc < 0) {
			ipvs_port_free(nw);
			break;
		}
		if (nw) {
			void *prev = NULL;

			if (dict_set(b->ports, c->key, nw, &prev) < 0) {
				ipvs_port_free(nw);
				rc = -ENOMEM;
				break;
			}
			ipvs_port_free(prev);
		} else {
			ipvs_port_free(dict_del(b->ports, c->key));
		}
	}
	if (rc == 0 && (addrs || table))
		rc = ipvs_finish(b, addrs, table, err, errlen);
	if (rc == 0 && !table && cmd.len) {
		if (buf_cstr(&cmd) < 0)
			rc = -ENOMEM;
		else
			rc = nftrun_ctx_apply(b->nr, buf_head(&cmd), err, errlen);
	}
	if (rc == -ENOMEM && !*err)
		snprintf(err, errlen, "ipvs: out of memory");
	if (rc < 0)
		ipvs_forget(b);
	else
		ipvs_count(b, res, written);
	ipvsp_ops_free(&ops);
	buf_free(&cmd);
	return rc;
}

static int ipvs_sync(pxb *b, const struct pxb_sync *s, struct pxb_result *res, char *err,
                     size_t errlen)
{
	if (err && errlen)
		*err = '\0';
	if (!s->full && b->trusted && b->ports && b->refs)
		return ipvs_sync_partial(b, s, res, err, errlen);
	/* A partial sync after a failure: the core sends a full one next. */
	if (!s->full) {
		snprintf(err, errlen, "ipvs: state unknown after a failed sync; needs a full sync");
		return -EAGAIN;
	}
	return ipvs_sync_full(b, s, res, err, errlen);
}

static int ipvs_canary_ok(pxb *b)
{
	char cmd[80], err[256], *out = NULL;
	int rc;

	snprintf(cmd, sizeof(cmd), "list chain %s " IPVS_TABLE " " IPVS_CANARY,
	         ipvsn_family(b->cfg.family));
	rc = nftrun_ctx_list(b->nr, cmd, 0, &out, err, sizeof(err));
	free(out);
	if (rc == -ENOENT)
		return 0;
	return rc < 0 ? rc : 1;
}

static void ipvs_free(pxb *b)
{
	if (!b)
		return;
	ipvs_forget(b);
	ipvsnl_close(b->nl);
	nftrun_free(b->nr);
	free(b->node);
	free(b->node_name);
	free(b);
}

/* ---- create, cleanup ---- */

static void ipvs_sysctl(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n = -1;

	if (fd >= 0) {
		n = write(fd, val, strlen(val));
		close(fd);
	}
	if (n < 0)
		log_msg(LOG_WARN, "proxy", "ipvs: could not set %s=%s: %s", path, val,
		        strerror(errno));
}

/* What IPVS in NAT mode needs, as kube-proxy sets it: conntrack entries for
 * IPVS connections (so masquerade works), reused ports not dropped, the
 * connections of removed real servers expired, and forwarding. */
static void ipvs_sysctls(int family)
{
	ipvs_sysctl("/proc/sys/net/ipv4/vs/conntrack", "1");
	ipvs_sysctl("/proc/sys/net/ipv4/vs/conn_reuse_mode", "0");
	ipvs_sysctl("/proc/sys/net/ipv4/vs/expire_nodest_conn", "1");
	ipvs_sysctl("/proc/sys/net/ipv4/vs/expire_quiescent_template", "1");
	if (family == AF_INET6)
		ipvs_sysctl("/proc/sys/net/ipv6/conf/all/forwarding", "1");
	else
		ipvs_sysctl("/proc/sys/net/ipv4/ip_forward", "1");
	log_msg(LOG_INFO, "proxy",
	        "ipvs: set net.ipv4.vs.conntrack=1 conn_reuse_mode=0 expire_nodest_conn=1 "
	        "expire_quiescent_template=1 %s=1",
	        family == AF_INET6 ? "net.ipv6.conf.all.forwarding" : "net.ipv4.ip_forward");
}

/* --ipvs-*-timeout: set for the whole namespace, as kube-proxy does, and
 * only when asked (the kernel's own are kept otherwise). They decide how
 * long a ClientIP affinity outlives a connection: a persistence template
 * lasts until the last connection it placed has left IPVS's table. */
static int ipvs_timeouts(pxb *b, char *err, size_t errlen)
{
	struct ipvsnl_timeouts t = {.tcp = b->cfg.ipvs_tcp_timeout_s,
	                            .tcp_fin = b->cfg.ipvs_tcpfin_timeout_s,
	                            .udp = b->cfg.ipvs_udp_timeout_s},
	                       now;
	int rc;

	if (!t.tcp && !t.tcp_fin && !t.udp)
		return 0;
	if ((rc = ipvsnl_timeouts_set(b->nl, &t)) < 0 ||
	    (rc = ipvsnl_timeouts_get(b->nl, &now)) < 0) {
		snprintf(err, errlen, "ipvs: setting the connection timeouts: %s", strerror(-rc));
		return rc;
	}
	log_msg(LOG_INFO, "proxy", "ipvs: connection timeouts tcp %us tcpfin %us udp %us",
	        (unsigned)now.tcp, (unsigned)now.tcp_fin, (unsigned)now.udp);
	return 0;
}

int pxb_ipvs_create(const struct pxb_config *cfg, const char *sched, pxb **out, char *err,
                    size_t errlen)
{
	pxb *b;
	int rc;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!cfg || (cfg->family != AF_INET && cfg->family != AF_INET6)) {
		snprintf(err, errlen, "ipvs: the family must be AF_INET or AF_INET6");
		return -EINVAL;
	}
	if (cfg->masq_mark & (cfg->masq_mark - 1)) {
		snprintf(err, errlen, "ipvs: the masquerade mark 0x%x is not one bit",
		         cfg->masq_mark);
		return -EINVAL;
	}
	if (sched && pxb_ipvs_sched_valid(sched) < 0) {
		snprintf(err, errlen,
		         "ipvs: unknown scheduler \"%s\" (one of " PXB_IPVS_SCHEDULERS ")", sched);
		return -EINVAL;
	}
	if (!(b = calloc(1, sizeof(*b))))
		return -ENOMEM;
	if ((rc = ipvsnl_open(&b->nl)) < 0) {
		if (rc == -ENOTSUP)
			snprintf(err, errlen, IPVS_NOT_AVAILABLE);
		else
			snprintf(err, errlen, "ipvs: generic netlink: %s", strerror(-rc));
		goto fail;
	}
	rc = -ENOMEM;
	if (!(b->nr = nftrun_new()))
		goto fail;
	b->cfg = *cfg;
	if (!b->cfg.masq_mark)
		b->cfg.masq_mark = PXB_MASQ_MARK_DEFAULT;
	if (cfg->node_name && !(b->node_name = strdup(cfg->node_name)))
		goto fail;
	b->cfg.node_name = b->node_name;
	snprintf(b->sched, sizeof(b->sched), "%s", sched ? sched : IPVS_SCHED_DEFT);
	ipvs_sysctls(cfg->family);
	if ((rc = ipvs_timeouts(b, err, errlen)) < 0)
		goto fail;
	*out = b;
	return 0;
fail:
	ipvs_free(b);
	return rc;
}

static int ipvs_create(const struct pxb_config *cfg, pxb **out, char *err, size_t errlen)
{
	return pxb_ipvs_create(cfg, cfg ? cfg->ipvs_scheduler : NULL, out, err, errlen);
}

static int ipvs_cleanup_dev(int family, char *err, size_t errlen)
{
	net_addr *dev = NULL, *node = NULL;
	size_t n_dev = 0, n_node = 0;
	int rc;

	rc = ipvsd_addrs(family == AF_INET ? AF_INET6 : AF_INET, &dev, &n_dev, &node, &n_node);
	if (rc < 0)
		snprintf(err, errlen, "ipvs: listing addresses: %s", strerror(-rc));
	else if (n_dev) /* the other family still uses it: only unbind ours */
		rc = ipvsd_unbind_all(family, err, errlen);
	else
		rc = ipvsd_remove(err, errlen);
	free(dev);
	free(node);
	return rc;
}

static int ipvs_cleanup(const struct pxb_config *cfg, char *err, size_t errlen)
{
	struct ipvsnl_svc *sv = NULL;
	net_addr *dev = NULL, *node = NULL;
	size_t n = 0, n_dev = 0, n_node = 0;
	char cmd[64], *np = NULL;
	ipvsnl *nl = NULL;
	int rc;

	if (!cfg || (cfg->family != AF_INET && cfg->family != AF_INET6)) {
		snprintf(err, errlen, "ipvs: the family must be AF_INET or AF_INET6");
		return -EINVAL;
	}
	rc = ipvsnl_open(&nl);
	if (rc == 0) {
		if ((rc = ipvsd_addrs(cfg->family, &dev, &n_dev, &node, &n_node)) < 0 ||
		    (rc = ipvsnl_svc_list(nl, &sv, &n)) < 0) {
			snprintf(err, errlen, "ipvs: listing: %s", strerror(-rc));
			goto out;
		}
		np = ipvs_np_owned(NULL, cfg->family);
		if (n_dev)
			qsort(dev, n_dev, sizeof(*dev), ipvs_addr_cmp);
		if (n_node)
			qsort(node, n_node, sizeof(*node), ipvs_addr_cmp);
		for (size_t i = 0; i < n; i++) {
			if (sv[i].addr.family != cfg->family ||
			    !(ipvs_addr_in(dev, n_dev, &sv[i].addr) ||
			      (ipvs_addr_in(node, n_node, &sv[i].addr) &&
			       ipvs_np_listed(np, &sv[i]))))
				continue;
			if ((rc = ipvsnl_svc_del(nl, &sv[i])) < 0 && rc != -ESRCH) {
				snprintf(err, errlen, "ipvs: delete virtual service: %s",
				         strerror(-rc));
				goto out;
			}
		}
	} else if (rc != -ENOTSUP) {
		snprintf(err, errlen, "ipvs: generic netlink: %s", strerror(-rc));
		goto out;
	}
	/* The device holds both families' addresses: it goes with the last. */
	if ((rc = ipvs_cleanup_dev(cfg->family, err, errlen)) < 0)
		goto out;
	snprintf(cmd, sizeof(cmd), "delete table %s " IPVS_TABLE, ipvsn_family(cfg->family));
	rc = nftrun_apply(cmd, err, errlen);
	if (rc == -ENOENT)
		rc = 0;
out:
	free(np);
	free(sv);
	free(dev);
	free(node);
	ipvsnl_close(nl);
	return rc;
}

const struct pxb_ops pxb_ipvs_ops = {
    .name = "ipvs",
    .create = ipvs_create,
    .sync = ipvs_sync,
    .canary_ok = ipvs_canary_ok,
    .free = ipvs_free,
    .cleanup = ipvs_cleanup,
};
