/*
 * conntrack.c - stale conntrack entry deletion over ctnetlink.
 *
 * One call: check and index the matches, dump the family's table (asking the
 * kernel to filter on whatever all matches share), match every entry here
 * again (the kernel filter is only a speed-up: kernels before 5.8 ignore it,
 * and it cannot express "any of these" or "none of these"), queue a delete
 * request per hit, and only after the dump send the deletes in batches.
 * Deleting while the dump runs would change the hash chains the kernel's
 * dump cursor is walking.
 *
 * libnetfilter_conntrack parses entries and builds tuples (its own dump
 * filter, NFCT_Q_DUMP_FILTER, knows only mark, status and family in the
 * Debian version); libmnl carries the messages.
 */
#include "proxy/conntrack.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#include "lib/buf.h"
#include "lib/log.h"

/* CTA_FILTER flag bits: kernel ABI, but defined in net/netfilter/
 * nf_internals.h, not in the uapi headers. */
#define PXCT_F_IP_SRC    (1u << 0)
#define PXCT_F_IP_DST    (1u << 1)
#define PXCT_F_PROTO_NUM (1u << 3)
#define PXCT_F_DST_PORT  (1u << 5)

/* The kernel sizes dump messages after the reader's buffer, up to 32 KiB. */
#define PXCT_RBUF_SIZE 32768
/* One request: header, both tuples (IPv6), zones, id, filter; ~200 bytes. */
#define PXCT_REQ_MAX 512
/* Deletes per send. Only failures and the last request are answered, but
 * each answer costs ~1 KiB of receive buffer, so a batch of failures
 * (entries that expired meanwhile) must fit the default 208 KiB. */
#define PXCT_BATCH 64

typedef struct pxct_entry {
	int proto, port;
	net_addr dst;  /* original destination */
	net_addr rsrc; /* reply source */
} pxct_entry;

typedef struct pxct_ctx {
	int family;
	const pxct_match **idx; /* the matches of family, by pxct_key_cmp */
	size_t n;
	int del;
	struct mnl_socket *nl;
	uint32_t portid, seq;
	char *rbuf;
	buf reqs; /* delete requests queued during the dump */
	size_t matched;
} pxct_ctx;

static int pxct_addr_eq(const net_addr *a, const net_addr *b)
{
	int len = net_family_bits(a->family) / 8;

	return a->family == b->family && len > 0 && memcmp(a->a, b->a, (size_t)len) == 0;
}

/* ---- matches ---- */

/* Orders by protocol, port, then destination with "any" first, so the
 * matches one entry can meet lie in at most four runs (port or any port,
 * times destination or any destination). */
static int pxct_key_cmp(int proto, int port, const net_addr *dst, const pxct_match *b)
{
	int af = dst ? dst->family : 0, len;

	if (proto != b->proto)
		return proto < b->proto ? -1 : 1;
	if (port != b->port)
		return port < b->port ? -1 : 1;
	if (af != b->dst.family)
		return af < b->dst.family ? -1 : 1;
	len = net_family_bits(af) / 8;
	return len > 0 ? memcmp(dst->a, b->dst.a, (size_t)len) : 0;
}

static int pxct_sort_cmp(const void *x, const void *y)
{
	const pxct_match *a = *(const pxct_match *const *)x, *b = *(const pxct_match *const *)y;

	return pxct_key_cmp(a->proto, a->port, a->dst.family ? &a->dst : NULL, b);
}

static int pxct_valid_family(int f)
{
	return f == 0 || f == AF_INET || f == AF_INET6;
}

/* Checks all matches and indexes those that can meet entries of family. */
static int pxct_index(pxct_ctx *c, const pxct_match *m, size_t n)
{
	if (c->family != AF_INET && c->family != AF_INET6)
		return -EINVAL;
	if (n > 0 && !m)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		const pxct_match *x = &m[i];

		if ((x->proto != IPPROTO_UDP && x->proto != IPPROTO_TCP &&
		     x->proto != IPPROTO_SCTP) ||
		    x->port < 0 || x->port > 65535 || !pxct_valid_family(x->dst.family) ||
		    !pxct_valid_family(x->nat.family) || (x->nkeep > 0 && !x->keep))
			return -EINVAL;
		/* Never "every flow of a protocol", whatever a caller's bug. */
		if (!x->dst.family && !x->port && !x->nat.family)
			return -EINVAL;
	}
	if (n > 0 && !(c->idx = calloc(n, sizeof(*c->idx))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if ((!m[i].dst.family || m[i].dst.family == c->family) &&
		    (!m[i].nat.family || m[i].nat.family == c->family))
			c->idx[c->n++] = &m[i];
	if (c->n > 1) /* qsort(NULL, 0) is undefined */
		qsort(c->idx, c->n, sizeof(*c->idx), pxct_sort_cmp);
	return 0;
}

/* First index whose key is >= the given one. */
static size_t pxct_lower(const pxct_ctx *c, int proto, int port, const net_addr *dst)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pxct_key_cmp(proto, port, dst, c->idx[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int pxct_hit(const pxct_match *m, const pxct_entry *e)
{
	if (m->nat.family && !pxct_addr_eq(&m->nat, &e->rsrc))
		return 0;
	for (size_t i = 0; i < m->nkeep; i++)
		if (pxct_addr_eq(&m->keep[i], &e->rsrc))
			return 0;
	return 1;
}

static int pxct_matches(const pxct_ctx *c, const pxct_entry *e)
{
	for (int k = 0; k < 4; k++) {
		int port = k & 1 ? 0 : e->port;
		const net_addr *dst = k & 2 ? NULL : &e->dst;

		for (size_t i = pxct_lower(c, e->proto, port, dst);
		     i < c->n && pxct_key_cmp(e->proto, port, dst, c->idx[i]) == 0; i++)
			if (pxct_hit(c->idx[i], e))
				return 1;
	}
	return 0;
}

/* ---- entries ---- */

static int pxct_get_addr(const struct nf_conntrack *ct, int family, enum nf_conntrack_attr a4,
                         enum nf_conntrack_attr a6, net_addr *out)
{
	enum nf_conntrack_attr a = family == AF_INET ? a4 : a6;
	const void *p;

	memset(out, 0, sizeof(*out));
	if (nfct_attr_is_set(ct, a) <= 0 || !(p = nfct_get_attr(ct, a)))
		return -1;
	out->family = family;
	memcpy(out->a, p, family == AF_INET ? 4 : 16);
	return 0;
}

/* The fields the matches look at; -1 for entries they never concern. */
static int pxct_entry_read(const struct nf_conntrack *ct, int family, pxct_entry *e)
{
	if (nfct_attr_is_set(ct, ATTR_ORIG_L3PROTO) <= 0 ||
	    nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO) != family ||
	    nfct_attr_is_set(ct, ATTR_ORIG_L4PROTO) <= 0 ||
	    nfct_attr_is_set(ct, ATTR_ORIG_PORT_DST) <= 0)
		return -1;
	e->proto = nfct_get_attr_u8(ct, ATTR_ORIG_L4PROTO);
	e->port = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_DST));
	if (pxct_get_addr(ct, family, ATTR_ORIG_IPV4_DST, ATTR_ORIG_IPV6_DST, &e->dst) < 0 ||
	    pxct_get_addr(ct, family, ATTR_REPL_IPV4_SRC, ATTR_REPL_IPV6_SRC, &e->rsrc) < 0)
		return -1;
	return 0;
}

/* A ctnetlink request header in b (zeroed beforehand, so that attribute
 * padding sent to the kernel is never stale memory). */
static struct nlmsghdr *pxct_req_put(void *b, uint8_t type, uint16_t flags, int family)
{
	struct nlmsghdr *nlh;
	struct nfgenmsg *g;

	memset(b, 0, PXCT_REQ_MAX);
	nlh = mnl_nlmsg_put_header(b);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = (uint8_t)family;
	g->version = NFNETLINK_V0;
	return nlh;
}

/* Queues the delete of ct: its original tuple, zone and id. The id makes
 * the kernel refuse (-ENOENT) a newer flow that reuses the tuple after this
 * one expired; that flow was translated by the current rules. */
static int pxct_queue_delete(pxct_ctx *c, const struct nf_conntrack *ct)
{
	static const enum nf_conntrack_attr keys[] = {
	    ATTR_ORIG_L3PROTO,
	    ATTR_ORIG_L4PROTO,
	    ATTR_ORIG_IPV4_SRC,
	    ATTR_ORIG_IPV4_DST,
	    ATTR_ORIG_IPV6_SRC,
	    ATTR_ORIG_IPV6_DST,
	    ATTR_ORIG_PORT_SRC,
	    ATTR_ORIG_PORT_DST,
	    ATTR_ORIG_ZONE,
	    ATTR_ZONE,
	    ATTR_ID,
	};
	struct nf_conntrack *del = nfct_new();
	struct nlmsghdr *nlh;
	int rc = -ENOMEM;

	if (!del || buf_reserve(&c->reqs, PXCT_REQ_MAX) < 0)
		goto out;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (nfct_attr_is_set(ct, keys[i]) > 0)
			nfct_copy_attr(del, ct, keys[i]);
	nlh = pxct_req_put(c->reqs.data + c->reqs.len, IPCTNL_MSG_CT_DELETE, 0, c->family);
	if (nfct_nlmsg_build(nlh, del) < 0) {
		rc = -EINVAL;
		goto out;
	}
	c->reqs.len += NLMSG_ALIGN(nlh->nlmsg_len);
	rc = 0;
out:
	if (del)
		nfct_destroy(del);
	return rc;
}

static int pxct_on_entry(pxct_ctx *c, const struct nlmsghdr *nlh)
{
	struct nf_conntrack *ct;
	pxct_entry e;
	int rc = 0;

	if (nlh->nlmsg_type != ((NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW))
		return 0;
	if (!(ct = nfct_new()))
		return -ENOMEM;
	if (nfct_nlmsg_parse(nlh, ct) >= 0 && pxct_entry_read(ct, c->family, &e) == 0 &&
	    pxct_matches(c, &e)) {
		c->matched++;
		if (c->del)
			rc = pxct_queue_delete(c, ct);
	}
	nfct_destroy(ct);
	return rc;
}

/* ---- netlink ---- */

static int pxct_open(pxct_ctx *c)
{
	int one = 1;

	c->rbuf = malloc(PXCT_RBUF_SIZE);
	c->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!c->rbuf || !c->nl)
		return c->nl ? -ENOMEM : -errno;
	if (mnl_socket_bind(c->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	/* Error answers without our request echoed: a batch of them must
	 * fit the receive buffer. */
	(void)mnl_socket_setsockopt(c->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	c->portid = mnl_socket_get_portid(c->nl);
	return 0;
}

/* One read: its length, or -errno. */
static int pxct_recv(pxct_ctx *c)
{
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(c->nl, c->rbuf, PXCT_RBUF_SIZE);

		if (n >= 0)
			return (int)n;
		if (errno != EINTR)
			return -errno;
	}
}

static int pxct_nlerr(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
		return -EPROTO;
	return e->error > 0 || e->error < -4095 ? -EPROTO : e->error;
}

/* Sends the dump request req and hands each entry to pxct_on_entry up to
 * the dump's end: 0, the first error of pxct_on_entry, or the kernel's. */
static int pxct_dump_exchange(pxct_ctx *c, struct nlmsghdr *req)
{
	int res = 0;

	if (mnl_socket_sendto(c->nl, req, req->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)c->rbuf;
		int len = pxct_recv(c), rc;

		if (len < 0)
			return len;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != req->nlmsg_seq || nlh->nlmsg_pid != c->portid)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				rc = pxct_nlerr(nlh);
				return rc < 0 ? rc : res;
			}
			if (nlh->nlmsg_type == NLMSG_DONE)
				return res;
			/* After a failure, keep reading to the end so that
			 * the socket is clean for the deletes. */
			if (nlh->nlmsg_type >= NLMSG_MIN_TYPE && res == 0)
				res = pxct_on_entry(c, nlh);
		}
	}
}

/* Adds CTA_FILTER for what every match shares: protocol, port, destination,
 * reply source. 1 if added, 0 if nothing is shared, <0 on errors. */
static int pxct_put_filter(const pxct_ctx *c, struct nlmsghdr *nlh)
{
	static const uint8_t zero[16];
	const pxct_match *f = c->idx[0];
	int proto = f->proto, port = f->port, dst = f->dst.family != 0, nat = f->nat.family != 0;
	uint32_t oflags = 0, rflags = 0, v4;
	struct nf_conntrack *ct;
	struct nlattr *nest;
	int rc = 0;

	for (size_t i = 1; i < c->n; i++) {
		const pxct_match *x = c->idx[i];

		proto = x->proto == proto ? proto : 0;
		port = x->port == port ? port : 0;
		dst = dst && x->dst.family && pxct_addr_eq(&x->dst, &f->dst);
		nat = nat && x->nat.family && pxct_addr_eq(&x->nat, &f->nat);
	}
	/* The kernel compares IPv6 addresses the wrong way round (equal ones
	 * are filtered out: `!ipv6_addr_cmp()` in ctnetlink_filter_match_tuple,
	 * since 5.8 and still in 6.18), so it filters those by protocol and
	 * port only. And it looks at ports only together with the protocol. */
	if (c->family != AF_INET)
		dst = nat = 0;
	oflags = (proto ? PXCT_F_PROTO_NUM : 0) | (proto && port ? PXCT_F_DST_PORT : 0) |
	         (dst ? PXCT_F_IP_DST : 0);
	rflags = nat ? PXCT_F_IP_SRC : 0;
	if (!oflags && !rflags)
		return 0;
	if (!(ct = nfct_new()))
		return -ENOMEM;
	/* Both tuples always go out (with zero where unused): kernels that
	 * parse one only when its flags ask may still expect it present. */
	nfct_set_attr_u8(ct, ATTR_ORIG_L3PROTO, (uint8_t)c->family);
	nfct_set_attr_u8(ct, ATTR_ORIG_L4PROTO, (uint8_t)proto);
	nfct_set_attr_u8(ct, ATTR_REPL_L3PROTO, (uint8_t)c->family);
	nfct_set_attr_u8(ct, ATTR_REPL_L4PROTO, (uint8_t)proto);
	nfct_set_attr_u16(ct, ATTR_ORIG_PORT_DST, htons((uint16_t)port));
	if (c->family == AF_INET) {
		memcpy(&v4, dst ? f->dst.a : zero, 4);
		nfct_set_attr_u32(ct, ATTR_ORIG_IPV4_DST, v4);
		memcpy(&v4, nat ? f->nat.a : zero, 4);
		nfct_set_attr_u32(ct, ATTR_REPL_IPV4_SRC, v4);
	} else {
		nfct_set_attr(ct, ATTR_ORIG_IPV6_DST, dst ? f->dst.a : zero);
		nfct_set_attr(ct, ATTR_REPL_IPV6_SRC, nat ? f->nat.a : zero);
	}
	if (nfct_nlmsg_build(nlh, ct) < 0) {
		rc = -EINVAL;
		goto out;
	}
	nest = mnl_attr_nest_start(nlh, CTA_FILTER);
	mnl_attr_put_u32(nlh, CTA_FILTER_ORIG_FLAGS, oflags);
	mnl_attr_put_u32(nlh, CTA_FILTER_REPLY_FLAGS, rflags);
	mnl_attr_nest_end(nlh, nest);
	rc = 1;
out:
	nfct_destroy(ct);
	return rc;
}

static int pxct_dump(pxct_ctx *c)
{
	char req[PXCT_REQ_MAX] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = pxct_req_put(req, IPCTNL_MSG_CT_GET, NLM_F_DUMP, c->family);
	int filtered, rc;

	nlh->nlmsg_seq = ++c->seq;
	if ((filtered = pxct_put_filter(c, nlh)) < 0)
		return filtered;
	rc = pxct_dump_exchange(c, nlh);
	/* A kernel that knows CTA_FILTER but not these flags (or has
	 * CTA_FILTER bugs) refuses the dump: filter here only. */
	if (filtered && (rc == -EINVAL || rc == -EOPNOTSUPP)) {
		log_debug("conntrack", "kernel refused the dump filter (%s); dumping all",
		          strerror(-rc));
		c->matched = 0;
		buf_reset(&c->reqs);
		nlh = pxct_req_put(req, IPCTNL_MSG_CT_GET, NLM_F_DUMP, c->family);
		nlh->nlmsg_seq = ++c->seq;
		rc = pxct_dump_exchange(c, nlh);
	}
	return rc;
}

/* Reads the answers to one batch of deletes (sequence numbers first..last,
 * only the last one asking for an ack): how many failed in *failed, -ENOENT
 * ones (gone meanwhile) in *gone, the first other kernel error in *kerr.
 * 0, or the socket's error (then the counts are incomplete). */
static int pxct_batch_answers(pxct_ctx *c, uint32_t first, uint32_t last, size_t *failed,
                              size_t *gone, int *kerr)
{
	for (;;) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)c->rbuf;
		int len = pxct_recv(c), rc;

		if (len < 0)
			return len;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_pid != c->portid || nlh->nlmsg_seq < first ||
			    nlh->nlmsg_seq > last || nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			rc = pxct_nlerr(nlh);
			if (rc == -ENOENT) {
				(*gone)++;
			} else if (rc < 0) {
				(*failed)++;
				if (!*kerr)
					*kerr = rc;
			}
			if (nlh->nlmsg_seq == last)
				return 0;
		}
	}
}

/* Sends the queued deletes; entries deleted in *deleted. 0 or the first
 * error; a kernel error for one entry does not stop the others. */
static int pxct_send_deletes(pxct_ctx *c, size_t *deleted)
{
	size_t off = 0;
	int kerr = 0;

	while (off < c->reqs.len) {
		size_t start = off, cnt = 0, failed = 0, gone = 0;
		uint32_t first = c->seq + 1;
		struct nlmsghdr *nlh = NULL;
		int rc;

		while (off < c->reqs.len && cnt < PXCT_BATCH) {
			nlh = (struct nlmsghdr *)(c->reqs.data + off);
			nlh->nlmsg_seq = ++c->seq;
			off += NLMSG_ALIGN(nlh->nlmsg_len);
			cnt++;
		}
		/* Failures are always answered, success only where asked: the
		 * last request's answer closes the batch. */
		nlh->nlmsg_flags |= NLM_F_ACK;
		if (mnl_socket_sendto(c->nl, c->reqs.data + start, off - start) < 0)
			return kerr ? kerr : -errno;
		rc = pxct_batch_answers(c, first, c->seq, &failed, &gone, &kerr);
		if (rc < 0)
			return kerr ? kerr : rc;
		*deleted += cnt - failed - gone;
	}
	return kerr;
}

static int pxct_run(int family, const pxct_match *m, size_t n, int del)
{
	pxct_ctx c = {.family = family, .del = del};
	size_t deleted = 0;
	int rc;

	buf_init(&c.reqs);
	if ((rc = pxct_index(&c, m, n)) < 0 || c.n == 0)
		goto out;
	if ((rc = pxct_open(&c)) < 0 || (rc = pxct_dump(&c)) < 0)
		goto out;
	if (!del) {
		rc = c.matched > INT_MAX ? INT_MAX : (int)c.matched;
		goto out;
	}
	rc = pxct_send_deletes(&c, &deleted);
	if (rc < 0)
		log_warn("conntrack", "deleting %zu stale %s entries: %zu deleted, then %s",
		         c.matched, family == AF_INET ? "IPv4" : "IPv6", deleted, strerror(-rc));
	else
		rc = deleted > INT_MAX ? INT_MAX : (int)deleted;
	if (deleted > 0)
		log_debug("conntrack", "deleted %zu of %zu matching entries", deleted, c.matched);
out:
	if (c.nl)
		mnl_socket_close(c.nl);
	free(c.rbuf);
	free(c.idx);
	buf_free(&c.reqs);
	return rc;
}

/* ---- the API ---- */

int pxct_delete(int family, const pxct_match *m, size_t n)
{
	return pxct_run(family, m, n, 1);
}

int pxct_count(int family, const pxct_match *m, size_t n)
{
	return pxct_run(family, m, n, 0);
}

int pxct_delete_by_dst(int family, const net_addr *orig_dst, int proto, int port)
{
	pxct_match m = {.proto = proto, .port = port};

	if (!orig_dst || orig_dst->family != family)
		return -EINVAL;
	m.dst = *orig_dst;
	return pxct_delete(family, &m, 1);
}

int pxct_delete_by_nat(int family, const net_addr *orig_dst, int port, const net_addr *endpoint,
                       int proto)
{
	pxct_match m = {.proto = proto, .port = port};

	if (!orig_dst || !endpoint || orig_dst->family != family || endpoint->family != family)
		return -EINVAL;
	m.dst = *orig_dst;
	m.nat = *endpoint;
	return pxct_delete(family, &m, 1);
}

int pxct_delete_nodeport(int proto, int port, const net_addr *endpoint)
{
	pxct_match m = {.proto = proto, .port = port};

	if (!endpoint || port <= 0 || port > 65535)
		return -EINVAL;
	m.nat = *endpoint;
	return pxct_delete(endpoint->family, &m, 1);
}
