/*
 * rtnl.c - the rtnetlink handle, the request/answer exchange, and reading
 * links back (one by name, or all by dump).
 */
#include "agent/rtnl_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"

rtnl *rtnl_open(void)
{
	rtnl *h = calloc(1, sizeof(*h));
	int one = 1, e;

	if (!h)
		return NULL;
	h->rbuf = malloc(RTNL_RBUF_SIZE);
	h->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!h->rbuf || !h->nl)
		goto fail;
	if (mnl_socket_bind(h->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	/* Extended acks carry the kernel's reason ("Nexthop has invalid
	 * gateway"), worth far more than a bare errno; capped acks keep error
	 * replies from echoing our whole request. Both are best effort: old
	 * kernels simply give less detail. */
	(void)mnl_socket_setsockopt(h->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)mnl_socket_setsockopt(h->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	h->portid = mnl_socket_get_portid(h->nl);
	return h;
fail:
	e = errno ? errno : ENOMEM;
	rtnl_close(h);
	errno = e;
	return NULL;
}

rtnl *rtnl_open_netns(int netns_fd)
{
	int self, e = 0;
	rtnl *h = NULL;

	if (netns_fd < 0) {
		errno = EBADF;
		return NULL;
	}
	/* thread-self, not self: setns moves only this thread, and in a
	 * threaded agent other threads may sit in other namespaces. */
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return NULL;
	if (setns(netns_fd, CLONE_NEWNET) < 0) {
		e = errno;
		close(self);
		errno = e;
		return NULL;
	}
	h = rtnl_open();
	if (!h)
		e = errno;
	if (setns(self, CLONE_NEWNET) < 0) {
		/* Cannot happen short of the kernel running out of memory, but if
		 * it did this thread would work on the wrong namespace from now
		 * on: say so loudly rather than go on quietly. */
		e = errno;
		log_error("rtnl", "cannot return to own network namespace: %s", strerror(e));
		rtnl_close(h);
		h = NULL;
	}
	close(self);
	if (!h)
		errno = e;
	return h;
}

void rtnl_close(rtnl *h)
{
	if (!h)
		return;
	if (h->nl)
		mnl_socket_close(h->nl);
	free(h->rbuf);
	free(h);
}

const char *rtnl_last_error(const rtnl *h)
{
	return h ? h->err : "";
}

int rtnl_fail(rtnl *h, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->err, sizeof(h->err), fmt, ap);
	va_end(ap);
	return err;
}

int rtnl_check_name(rtnl *h, const char *name)
{
	size_t n = name ? strnlen(name, IFNAMSIZ) : 0;

	if (n == 0 || n >= IFNAMSIZ || strchr(name, '/'))
		return rtnl_fail(h, -EINVAL, "invalid interface name");
	return 0;
}

struct nlmsghdr *rtnl_req_start(rtnl *h, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(h->sbuf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++h->seq;
	return nlh;
}

/* The kernel's text from the TLVs after an error or done payload. */
static void rtnl_extack(const struct nlmsghdr *nlh, size_t off, char *out, size_t outlen)
{
	const struct nlattr *attr;

	out[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off > mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_for_each(attr, nlh, off)
	{
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG) {
			size_t n = mnl_attr_get_payload_len(attr);
			const char *s = mnl_attr_get_payload(attr);

			n = strnlen(s, n);
			if (n >= outlen)
				n = outlen - 1;
			memcpy(out, s, n);
			out[n] = '\0';
			/* The kernel's messages carry no newline, but be sure. */
			while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
				out[--n] = '\0';
			return;
		}
	}
}

static int rtnl_kernel_error(rtnl *h, const char *what, int err, const char *ext)
{
	if (err >= 0 || err < -4095) /* not an errno: no negating INT_MIN */
		err = -EPROTO;
	if (ext[0])
		return rtnl_fail(h, err, "%s: %s (%s)", what, strerror(-err), ext);
	return rtnl_fail(h, err, "%s: %s", what, strerror(-err));
}

/* One received message. 1 when it ends the exchange (with *res set), else 0. */
static int rtnl_handle_msg(rtnl *h, const char *what, const struct nlmsghdr *nlh, rtnl_msg_cb cb,
                           void *arg, int *res, int *intr)
{
	char ext[160];

	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
		size_t off = sizeof(*e);

		if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
			*res = rtnl_fail(h, -EPROTO, "%s: truncated netlink error", what);
			return 1;
		}
		if (e->error == 0)
			return 1; /* the ack; *res keeps a callback's value */
		/* Uncapped errors echo the request before the TLVs. */
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len >= NLMSG_HDRLEN)
			off += e->msg.nlmsg_len - NLMSG_HDRLEN;
		rtnl_extack(nlh, off, ext, sizeof(ext));
		*res = rtnl_kernel_error(h, what, e->error, ext);
		return 1;
	}
	if (nlh->nlmsg_type == NLMSG_DONE) {
		int err = 0;

		if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
			memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(int));
		if (err < 0) {
			rtnl_extack(nlh, sizeof(int), ext, sizeof(ext));
			*res = rtnl_kernel_error(h, what, err, ext);
		} else if (*intr) {
			*res = rtnl_fail(h, -EAGAIN, "%s: dump interrupted by a concurrent change",
			                 what);
		}
		return 1;
	}
	if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
		return 0; /* NOOP, OVERRUN */
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		*intr = 1;
	if (cb && *res == 0) {
		int r = cb(nlh, arg);

		if (r != 0)
			*res = r;
	}
	return 0;
}

int rtnl_exchange(rtnl *h, const char *what, rtnl_msg_cb cb, void *arg)
{
	struct nlmsghdr *req = (struct nlmsghdr *)h->sbuf;
	int res = 0, intr = 0;

	if (mnl_socket_sendto(h->nl, req, req->nlmsg_len) < 0)
		return rtnl_fail(h, -errno, "%s: send: %s", what, strerror(errno));
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(h->nl, h->rbuf, RTNL_RBUF_SIZE);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)h->rbuf;
		int len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return rtnl_fail(h, -errno, "%s: receive: %s", what, strerror(errno));
		}
		len = (int)n;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			/* Leftovers of an earlier exchange that ended early
			 * (a failed send mid-dump) carry older sequence numbers. */
			if (nlh->nlmsg_seq != req->nlmsg_seq || nlh->nlmsg_pid != h->portid)
				continue;
			if (rtnl_handle_msg(h, what, nlh, cb, arg, &res, &intr)) {
				if (res >= 0)
					h->err[0] = '\0';
				return res;
			}
		}
	}
}

/* ---- reading links ---- */

static int rtnl_link_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, IFLA_MAX) < 0)
		return MNL_CB_OK;
	switch (type) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_OK;
		break;
	case IFLA_MASTER:
	case IFLA_MTU:
	case IFLA_LINK:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_OK;
		break;
	case IFLA_LINKINFO:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
			return MNL_CB_OK;
		break;
	}
	tb[type] = attr;
	return MNL_CB_OK;
}

static void rtnl_copy_str(char *dst, size_t dstlen, const struct nlattr *attr)
{
	size_t n = strnlen(mnl_attr_get_payload(attr), mnl_attr_get_payload_len(attr));

	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, mnl_attr_get_payload(attr), n);
	dst[n] = '\0';
}

static int rtnl_parse_link(const struct nlmsghdr *nlh, struct rtnl_link_info *out)
{
	const struct nlattr *tb[IFLA_MAX + 1] = {0};
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return -EPROTO;
	if (mnl_attr_parse(nlh, sizeof(*ifi), rtnl_link_attr_cb, tb) < 0 || !tb[IFLA_IFNAME])
		return -EPROTO;
	out->index = ifi->ifi_index;
	out->flags = ifi->ifi_flags;
	rtnl_copy_str(out->name, sizeof(out->name), tb[IFLA_IFNAME]);
	if (tb[IFLA_MASTER])
		out->master = (int)mnl_attr_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_LINK])
		out->link = (int)mnl_attr_get_u32(tb[IFLA_LINK]);
	if (tb[IFLA_MTU])
		out->mtu = (int)mnl_attr_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6) {
		out->has_mac = 1;
		memcpy(out->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
	}
	if (tb[IFLA_LINKINFO]) {
		mnl_attr_for_each_nested(a, tb[IFLA_LINKINFO])
		{
			if (mnl_attr_get_type(a) == IFLA_INFO_KIND &&
			    mnl_attr_get_payload_len(a) > 0)
				rtnl_copy_str(out->kind, sizeof(out->kind), a);
		}
	}
	return 0;
}

static int rtnl_get_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct rtnl_link_info *out = arg;

	/* An unparsable answer must not pass for a found link. */
	return rtnl_parse_link(nlh, out) < 0 ? -EPROTO : 1;
}

struct ifinfomsg *rtnl_put_ifinfo(struct nlmsghdr *nlh, int index)
{
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	return ifi;
}

int rtnl_link_get(rtnl *h, const char *ifname, struct rtnl_link_info *out)
{
	struct nlmsghdr *nlh;
	int r;

	if (rtnl_check_name(h, ifname) < 0)
		return -EINVAL;
	nlh = rtnl_req_start(h, RTM_GETLINK, NLM_F_ACK);
	rtnl_put_ifinfo(nlh, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	r = rtnl_exchange(h, ifname, rtnl_get_cb, out);
	if (r == 1) {
		h->err[0] = '\0';
		return 0;
	}
	if (r == 0) /* acked without an answer: should not happen */
		return rtnl_fail(h, -EPROTO, "%s: no link in the kernel's answer", ifname);
	if (r == -EPROTO && !h->err[0])
		return rtnl_fail(h, r, "%s: malformed link message", ifname);
	return r;
}

int rtnl_link_index(rtnl *h, const char *ifname)
{
	struct rtnl_link_info li;
	int r = rtnl_link_get(h, ifname, &li);

	return r < 0 ? r : li.index;
}

struct rtnl_list_ctx {
	rtnl_link_cb cb;
	void *arg;
};

static int rtnl_list_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct rtnl_list_ctx *c = arg;
	struct rtnl_link_info li;

	if (rtnl_parse_link(nlh, &li) < 0)
		return 0; /* skip what we cannot read rather than lose the rest */
	return c->cb(&li, c->arg);
}

int rtnl_link_list(rtnl *h, rtnl_link_cb cb, void *arg)
{
	struct rtnl_list_ctx c = {cb, arg};
	struct nlmsghdr *nlh;

	if (!cb)
		return rtnl_fail(h, -EINVAL, "list links: no callback");
	nlh = rtnl_req_start(h, RTM_GETLINK, NLM_F_DUMP);
	rtnl_put_ifinfo(nlh, 0);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	return rtnl_exchange(h, "list links", rtnl_list_cb, &c);
}

int rtnl_ok(rtnl *h)
{
	h->err[0] = '\0';
	return 0;
}
