/*
 * ipvs_nl.c - the IPVS generic netlink client (see ipvs_nl.h).
 *
 * One request at a time, each acknowledged (NLM_F_ACK) so that every change
 * reports its own errno. The family id is resolved once at open; a kernel
 * without ip_vs answers the lookup with ENOENT, which becomes -ENOTSUP.
 */
#include "proxy/ipvs_nl.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <sys/socket.h>

#include "lib/nlbatch.h"
#include "lib/vec.h"

/* Requests are small; replies to dumps fill up to a page or two each. */
#define IPVSNL_RXBUF 32768

struct ipvsnl {
	struct mnl_socket *nl;
	uint16_t family_id;
	uint32_t seq;
	uint32_t portid;
};

/* ---- building ---- */

static void ipvsnl_put_addr(struct nlmsghdr *nlh, uint16_t type, const net_addr *a)
{
	/* union nf_inet_addr: 16 bytes whatever the family. */
	mnl_attr_put(nlh, type, 16, a->a);
}

struct nlmsghdr *ipvsnl_msg(void *buf, uint16_t family_id, uint8_t cmd, uint16_t nlflags,
                            const struct ipvsnl_svc *svc, const struct ipvsnl_dest *dest, bool full)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	struct nlattr *nest;

	/* No stray bytes in attribute padding, to the kernel or a parser. */
	memset(buf, 0, IPVSNL_MSGBUF);
	nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = family_id;
	nlh->nlmsg_flags = NLM_F_REQUEST | nlflags;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = IPVS_GENL_VERSION;
	if (!svc)
		return nlh;

	nest = mnl_attr_nest_start(nlh, IPVS_CMD_ATTR_SERVICE);
	mnl_attr_put_u16(nlh, IPVS_SVC_ATTR_AF, (uint16_t)svc->addr.family);
	mnl_attr_put_u16(nlh, IPVS_SVC_ATTR_PROTOCOL, svc->proto);
	ipvsnl_put_addr(nlh, IPVS_SVC_ATTR_ADDR, &svc->addr);
	mnl_attr_put_u16(nlh, IPVS_SVC_ATTR_PORT, htons(svc->port));
	if (full && !dest) {
		struct ip_vs_flags fl = {.flags = svc->flags, .mask = ~0u};
		uint32_t mask = svc->addr.family == AF_INET6 ? 128 : 0xffffffffu;

		mnl_attr_put_strz(nlh, IPVS_SVC_ATTR_SCHED_NAME, svc->sched[0] ? svc->sched : "rr");
		mnl_attr_put(nlh, IPVS_SVC_ATTR_FLAGS, sizeof(fl), &fl);
		mnl_attr_put_u32(nlh, IPVS_SVC_ATTR_TIMEOUT, svc->timeout);
		/* The persistence granularity: one client address. */
		mnl_attr_put_u32(nlh, IPVS_SVC_ATTR_NETMASK, mask);
	}
	mnl_attr_nest_end(nlh, nest);

	if (dest) {
		nest = mnl_attr_nest_start(nlh, IPVS_CMD_ATTR_DEST);
		ipvsnl_put_addr(nlh, IPVS_DEST_ATTR_ADDR, &dest->addr);
		mnl_attr_put_u16(nlh, IPVS_DEST_ATTR_PORT, htons(dest->port));
		mnl_attr_put_u16(nlh, IPVS_DEST_ATTR_ADDR_FAMILY, (uint16_t)dest->addr.family);
		if (full) {
			mnl_attr_put_u32(nlh, IPVS_DEST_ATTR_FWD_METHOD, dest->fwd);
			mnl_attr_put_u32(nlh, IPVS_DEST_ATTR_WEIGHT, dest->weight);
			mnl_attr_put_u32(nlh, IPVS_DEST_ATTR_U_THRESH, 0);
			mnl_attr_put_u32(nlh, IPVS_DEST_ATTR_L_THRESH, 0);
		}
		mnl_attr_nest_end(nlh, nest);
	}
	return nlh;
}

struct nlmsghdr *ipvsnl_msg_timeouts(void *buf, uint16_t family_id, const struct ipvsnl_timeouts *t)
{
	struct nlmsghdr *nlh =
	    ipvsnl_msg(buf, family_id, IPVS_CMD_SET_CONFIG, 0, NULL, NULL, false);

	/* The kernel keeps the value of an attribute that is absent or 0. */
	if (t->tcp)
		mnl_attr_put_u32(nlh, IPVS_CMD_ATTR_TIMEOUT_TCP, t->tcp);
	if (t->tcp_fin)
		mnl_attr_put_u32(nlh, IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, t->tcp_fin);
	if (t->udp)
		mnl_attr_put_u32(nlh, IPVS_CMD_ATTR_TIMEOUT_UDP, t->udp);
	return nlh;
}

/* ---- parsing ---- */

struct ipvsnl_tb {
	const struct nlattr *a[32];
	unsigned max;
};

static int ipvsnl_tb_cb(const struct nlattr *attr, void *data)
{
	struct ipvsnl_tb *tb = data;
	unsigned t = mnl_attr_get_type(attr);

	if (t <= tb->max && t < 32)
		tb->a[t] = attr;
	return MNL_CB_OK;
}

/* The nested attribute `type` of the genl message, parsed into tb. */
static int ipvsnl_nested(const struct nlmsghdr *nlh, uint16_t type, unsigned max,
                         struct ipvsnl_tb *tb)
{
	struct ipvsnl_tb top = {.max = IPVS_CMD_ATTR_MAX};

	memset(tb, 0, sizeof(*tb));
	tb->max = max;
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)))
		return -EINVAL;
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), ipvsnl_tb_cb, &top) < 0)
		return -EINVAL;
	if (!top.a[type] || mnl_attr_validate(top.a[type], MNL_TYPE_NESTED) < 0)
		return -EINVAL;
	if (mnl_attr_parse_nested(top.a[type], ipvsnl_tb_cb, tb) < 0)
		return -EINVAL;
	return 0;
}

static int ipvsnl_get_u16(const struct ipvsnl_tb *tb, unsigned t, uint16_t *v)
{
	if (!tb->a[t] || mnl_attr_validate(tb->a[t], MNL_TYPE_U16) < 0)
		return -EINVAL;
	*v = mnl_attr_get_u16(tb->a[t]);
	return 0;
}

static int ipvsnl_get_u32(const struct ipvsnl_tb *tb, unsigned t, uint32_t *v)
{
	if (!tb->a[t] || mnl_attr_validate(tb->a[t], MNL_TYPE_U32) < 0)
		return -EINVAL;
	*v = mnl_attr_get_u32(tb->a[t]);
	return 0;
}

static int ipvsnl_get_addr(const struct ipvsnl_tb *tb, unsigned t, int family, net_addr *a)
{
	size_t want = family == AF_INET ? 4 : 16;

	if (!tb->a[t] || mnl_attr_get_payload_len(tb->a[t]) < want)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(a->a, mnl_attr_get_payload(tb->a[t]), want);
	return 0;
}

int ipvsnl_parse_svc(const struct nlmsghdr *nlh, struct ipvsnl_svc *out)
{
	struct ipvsnl_tb tb;
	uint16_t af, port;

	memset(out, 0, sizeof(*out));
	if (ipvsnl_nested(nlh, IPVS_CMD_ATTR_SERVICE, IPVS_SVC_ATTR_MAX, &tb) < 0)
		return -EINVAL;
	if (ipvsnl_get_u16(&tb, IPVS_SVC_ATTR_AF, &af) < 0 || (af != AF_INET && af != AF_INET6))
		return -EINVAL;
	/* Firewall-mark services have no address: not ours, skipped. */
	if (ipvsnl_get_u16(&tb, IPVS_SVC_ATTR_PROTOCOL, &out->proto) < 0 ||
	    ipvsnl_get_u16(&tb, IPVS_SVC_ATTR_PORT, &port) < 0 ||
	    ipvsnl_get_addr(&tb, IPVS_SVC_ATTR_ADDR, af, &out->addr) < 0)
		return -EINVAL;
	out->port = ntohs(port);
	if (tb.a[IPVS_SVC_ATTR_SCHED_NAME]) {
		const char *s = mnl_attr_get_payload(tb.a[IPVS_SVC_ATTR_SCHED_NAME]);
		size_t len = mnl_attr_get_payload_len(tb.a[IPVS_SVC_ATTR_SCHED_NAME]);

		len = strnlen(s, len);
		if (len >= sizeof(out->sched))
			len = sizeof(out->sched) - 1;
		memcpy(out->sched, s, len);
		out->sched[len] = '\0';
	}
	if (tb.a[IPVS_SVC_ATTR_FLAGS] &&
	    mnl_attr_get_payload_len(tb.a[IPVS_SVC_ATTR_FLAGS]) >= sizeof(struct ip_vs_flags)) {
		struct ip_vs_flags fl;

		memcpy(&fl, mnl_attr_get_payload(tb.a[IPVS_SVC_ATTR_FLAGS]), sizeof(fl));
		out->flags = fl.flags;
	}
	(void)ipvsnl_get_u32(&tb, IPVS_SVC_ATTR_TIMEOUT, &out->timeout);
	return 0;
}

int ipvsnl_parse_dest(const struct nlmsghdr *nlh, int family, struct ipvsnl_dest *out)
{
	struct ipvsnl_tb tb;
	uint16_t port, af;

	memset(out, 0, sizeof(*out));
	if (ipvsnl_nested(nlh, IPVS_CMD_ATTR_DEST, IPVS_DEST_ATTR_MAX, &tb) < 0)
		return -EINVAL;
	/* Kernels since 4.9 say the destination's own family. */
	if (ipvsnl_get_u16(&tb, IPVS_DEST_ATTR_ADDR_FAMILY, &af) == 0) {
		if (af != AF_INET && af != AF_INET6)
			return -EINVAL;
		family = af;
	}
	if (ipvsnl_get_u16(&tb, IPVS_DEST_ATTR_PORT, &port) < 0 ||
	    ipvsnl_get_addr(&tb, IPVS_DEST_ATTR_ADDR, family, &out->addr) < 0)
		return -EINVAL;
	out->port = ntohs(port);
	(void)ipvsnl_get_u32(&tb, IPVS_DEST_ATTR_WEIGHT, &out->weight);
	if (ipvsnl_get_u32(&tb, IPVS_DEST_ATTR_FWD_METHOD, &out->fwd) == 0)
		out->fwd &= IP_VS_CONN_F_FWD_MASK;
	return 0;
}

int ipvsnl_parse_timeouts(const struct nlmsghdr *nlh, struct ipvsnl_timeouts *out)
{
	struct ipvsnl_tb tb = {.max = IPVS_CMD_ATTR_MAX};

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)) ||
	    mnl_attr_parse(nlh, sizeof(struct genlmsghdr), ipvsnl_tb_cb, &tb) < 0)
		return -EINVAL;
	if (ipvsnl_get_u32(&tb, IPVS_CMD_ATTR_TIMEOUT_TCP, &out->tcp) < 0 ||
	    ipvsnl_get_u32(&tb, IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, &out->tcp_fin) < 0 ||
	    ipvsnl_get_u32(&tb, IPVS_CMD_ATTR_TIMEOUT_UDP, &out->udp) < 0)
		return -EINVAL;
	return 0;
}

void ipvsnl_svc_fmt(const struct ipvsnl_svc *s, char *out, size_t outlen)
{
	char ip[NET_ADDR_STRLEN];
	const char *p = s->proto == IPPROTO_TCP    ? "TCP"
	                : s->proto == IPPROTO_UDP  ? "UDP"
	                : s->proto == IPPROTO_SCTP ? "SCTP"
	                                           : "?";

	if (net_addr_fmt(&s->addr, ip, sizeof(ip)) < 0)
		snprintf(ip, sizeof(ip), "?");
	snprintf(out, outlen, s->addr.family == AF_INET6 ? "%s [%s]:%u" : "%s %s:%u", p, ip,
	         (unsigned)s->port);
}

/* ---- the socket ---- */

typedef int (*ipvsnl_msg_cb)(const struct nlmsghdr *nlh, void *arg);

struct ipvsnl_cb_ctx {
	ipvsnl_msg_cb fn;
	void *arg;
	int rc;
};

static int ipvsnl_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ipvsnl_cb_ctx *c = data;

	if (c->fn && c->rc == 0)
		c->rc = c->fn(nlh, c->arg);
	return MNL_CB_OK;
}

/* Sends nlh and reads until the ack or the dump's end. */
static int ipvsnl_talk(ipvsnl *h, struct nlmsghdr *nlh, ipvsnl_msg_cb fn, void *arg)
{
	char *buf;
	struct ipvsnl_cb_ctx c = {.fn = fn, .arg = arg};
	uint32_t seq = ++h->seq;
	int rc;
	ssize_t n;

	if (!(buf = malloc(IPVSNL_RXBUF)))
		return -ENOMEM;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(h->nl, nlh, nlh->nlmsg_len) < 0) {
		rc = -errno;
		goto out;
	}
	for (;;) {
		n = mnl_socket_recvfrom(h->nl, buf, IPVSNL_RXBUF);
		if (n < 0) {
			rc = -errno;
			goto out;
		}
		rc = mnl_cb_run(buf, (size_t)n, seq, h->portid, ipvsnl_data_cb, &c);
		if (rc < 0) {
			rc = -errno;
			goto out;
		}
		if (rc == MNL_CB_STOP)
			break;
	}
	rc = c.rc;
out:
	free(buf);
	return rc;
}

static int ipvsnl_family_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct ipvsnl_tb tb = {.max = CTRL_ATTR_MAX};

	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), ipvsnl_tb_cb, &tb) < 0)
		return -EINVAL;
	if (!tb.a[CTRL_ATTR_FAMILY_ID] ||
	    mnl_attr_validate(tb.a[CTRL_ATTR_FAMILY_ID], MNL_TYPE_U16) < 0)
		return -EINVAL;
	*(uint16_t *)arg = mnl_attr_get_u16(tb.a[CTRL_ATTR_FAMILY_ID]);
	return 0;
}

int ipvsnl_open(ipvsnl **out)
{
	char buf[IPVSNL_MSGBUF];
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	ipvsnl *h;
	int rc;

	*out = NULL;
	if (!(h = calloc(1, sizeof(*h))))
		return -ENOMEM;
	h->seq = (uint32_t)time(NULL);
	if (!(h->nl = mnl_socket_open(NETLINK_GENERIC))) {
		rc = -errno;
		goto fail;
	}
	if (mnl_socket_bind(h->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		goto fail;
	}
	h->portid = mnl_socket_get_portid(h->nl);
	/* Acks of failed requests without the request copied back (Linux 4.3+):
	 * a batch's acks then fit the receive buffer whatever fails. */
	(void)mnl_socket_setsockopt(h->nl, NETLINK_CAP_ACK, &(int){1}, sizeof(int));

	memset(buf, 0, sizeof(buf)); /* the family name's padding */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, IPVS_GENL_NAME);
	rc = ipvsnl_talk(h, nlh, ipvsnl_family_cb, &h->family_id);
	if (rc == -ENOENT || (rc == 0 && !h->family_id))
		rc = -ENOTSUP;
	if (rc < 0)
		goto fail;
	*out = h;
	return 0;
fail:
	ipvsnl_close(h);
	return rc;
}

void ipvsnl_close(ipvsnl *h)
{
	if (!h)
		return;
	if (h->nl)
		mnl_socket_close(h->nl);
	free(h);
}

static int ipvsnl_do(ipvsnl *h, uint8_t cmd, const struct ipvsnl_svc *s,
                     const struct ipvsnl_dest *d, bool full)
{
	char buf[IPVSNL_MSGBUF];

	return ipvsnl_talk(h, ipvsnl_msg(buf, h->family_id, cmd, 0, s, d, full), NULL, NULL);
}

int ipvsnl_svc_add(ipvsnl *h, const struct ipvsnl_svc *s)
{
	return ipvsnl_do(h, IPVS_CMD_NEW_SERVICE, s, NULL, true);
}

int ipvsnl_svc_edit(ipvsnl *h, const struct ipvsnl_svc *s)
{
	return ipvsnl_do(h, IPVS_CMD_SET_SERVICE, s, NULL, true);
}

int ipvsnl_svc_del(ipvsnl *h, const struct ipvsnl_svc *s)
{
	return ipvsnl_do(h, IPVS_CMD_DEL_SERVICE, s, NULL, false);
}

int ipvsnl_dest_add(ipvsnl *h, const struct ipvsnl_svc *s, const struct ipvsnl_dest *d)
{
	return ipvsnl_do(h, IPVS_CMD_NEW_DEST, s, d, true);
}

int ipvsnl_dest_edit(ipvsnl *h, const struct ipvsnl_svc *s, const struct ipvsnl_dest *d)
{
	return ipvsnl_do(h, IPVS_CMD_SET_DEST, s, d, true);
}

int ipvsnl_dest_del(ipvsnl *h, const struct ipvsnl_svc *s, const struct ipvsnl_dest *d)
{
	return ipvsnl_do(h, IPVS_CMD_DEL_DEST, s, d, false);
}

int ipvsnl_timeouts_set(ipvsnl *h, const struct ipvsnl_timeouts *t)
{
	char buf[IPVSNL_MSGBUF];

	return ipvsnl_talk(h, ipvsnl_msg_timeouts(buf, h->family_id, t), NULL, NULL);
}

static int ipvsnl_timeouts_cb(const struct nlmsghdr *nlh, void *arg)
{
	return ipvsnl_parse_timeouts(nlh, arg);
}

int ipvsnl_timeouts_get(ipvsnl *h, struct ipvsnl_timeouts *out)
{
	char buf[IPVSNL_MSGBUF];

	memset(out, 0, sizeof(*out));
	return ipvsnl_talk(h,
	                   ipvsnl_msg(buf, h->family_id, IPVS_CMD_GET_CONFIG, 0, NULL, NULL, false),
	                   ipvsnl_timeouts_cb, out);
}

struct ipvsnl_many {
	const ipvsnl *h;
	const struct ipvsnl_req *reqs;
};

static struct nlmsghdr *ipvsnl_many_build(void *buf, size_t i, void *arg)
{
	const struct ipvsnl_many *m = arg;
	const struct ipvsnl_req *r = &m->reqs[i];

	return ipvsnl_msg(buf, m->h->family_id, r->cmd, 0, r->svc, r->dest, r->full);
}

_Static_assert(IPVSNL_MSGBUF <= NLBATCH_MSG, "a request must fit nlbatch's room");

int ipvsnl_do_many(ipvsnl *h, const struct ipvsnl_req *reqs, size_t n, int *rcs)
{
	struct ipvsnl_many m = {h, reqs};

	return nlbatch_run(h->nl, &h->seq, n, ipvsnl_many_build, &m, rcs);
}

/* ---- dumps ---- */

struct ipvsnl_vec {
	void *v;
	size_t n, cap, size;
	int family; /* destinations: the service's */
	bool dest;
};

static int ipvsnl_vec_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct ipvsnl_vec *vec = arg;
	union {
		struct ipvsnl_svc s;
		struct ipvsnl_dest d;
	} e;
	void *p;
	int rc;

	rc = vec->dest ? ipvsnl_parse_dest(nlh, vec->family, &e.d) : ipvsnl_parse_svc(nlh, &e.s);
	if (rc < 0)
		return 0; /* fwmark services, or something newer: not ours */
	if (!(p = vec_grow(vec->v, &vec->cap, vec->n, 1, vec->size)))
		return -ENOMEM;
	vec->v = p;
	memcpy((char *)vec->v + vec->n++ * vec->size, &e, vec->size);
	return 0;
}

static int ipvsnl_list(ipvsnl *h, uint8_t cmd, const struct ipvsnl_svc *s, struct ipvsnl_vec *vec,
                       void **out, size_t *n)
{
	char buf[IPVSNL_MSGBUF];
	int rc;

	rc = ipvsnl_talk(h, ipvsnl_msg(buf, h->family_id, cmd, NLM_F_DUMP, s, NULL, false),
	                 ipvsnl_vec_cb, vec);
	if (rc < 0) {
		free(vec->v);
		*out = NULL;
		*n = 0;
		return rc;
	}
	*out = vec->v;
	*n = vec->n;
	return 0;
}

int ipvsnl_svc_list(ipvsnl *h, struct ipvsnl_svc **out, size_t *n)
{
	struct ipvsnl_vec vec = {.size = sizeof(struct ipvsnl_svc)};

	return ipvsnl_list(h, IPVS_CMD_GET_SERVICE, NULL, &vec, (void **)out, n);
}

int ipvsnl_dest_list(ipvsnl *h, const struct ipvsnl_svc *s, struct ipvsnl_dest **out, size_t *n)
{
	struct ipvsnl_vec vec = {
	    .size = sizeof(struct ipvsnl_dest), .family = s->addr.family, .dest = true};

	return ipvsnl_list(h, IPVS_CMD_GET_DEST, s, &vec, (void **)out, n);
}
