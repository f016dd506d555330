/*
 * rtnl_route.c - interface addresses and main-table unicast routes.
 */
#include "agent/rtnl_impl.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <stdio.h>
#include <string.h>

static int rtnl_addr_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

static int rtnl_addr_req(rtnl *h, uint16_t type, uint16_t nlflags, const char *ifname,
                         const net_addr *a, int prefix, const char *verb)
{
	char what[IFNAMSIZ + NET_CIDR_STRLEN + 24];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	int idx, alen;

	if (rtnl_check_name(h, ifname) < 0)
		return -EINVAL;
	alen = a ? rtnl_addr_len(a->family) : 0;
	if (!alen)
		return rtnl_fail(h, -EINVAL, "%s address on %s: no IPv4/IPv6 address", verb,
		                 ifname);
	if (prefix < 0 || prefix > alen * 8)
		return rtnl_fail(h, -EINVAL, "%s address on %s: prefix %d out of range", verb,
		                 ifname, prefix);
	{
		char s[NET_ADDR_STRLEN];

		net_addr_fmt(a, s, sizeof(s));
		snprintf(what, sizeof(what), "%s address %s/%d on %s", verb, s, prefix, ifname);
	}
	idx = rtnl_link_index(h, ifname);
	if (idx < 0)
		return idx;
	nlh = rtnl_req_start(h, type, nlflags | NLM_F_ACK);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)a->family;
	ifa->ifa_prefixlen = (uint8_t)prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)idx;
	mnl_attr_put(nlh, IFA_LOCAL, (size_t)alen, a->a);
	mnl_attr_put(nlh, IFA_ADDRESS, (size_t)alen, a->a);
	if (type == RTM_NEWADDR && a->family == AF_INET6) {
		ifa->ifa_flags = IFA_F_NODAD;
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	}
	return rtnl_exchange(h, what, NULL, NULL);
}

int rtnl_addr_add(rtnl *h, const char *ifname, const net_addr *a, int prefix, unsigned flags)
{
	int r = rtnl_addr_req(h, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifname, a, prefix, "add");

	if (r == -EEXIST && (flags & RTNL_EXIST_OK))
		return rtnl_ok(h);
	return r;
}

int rtnl_addr_del(rtnl *h, const char *ifname, const net_addr *a, int prefix, unsigned flags)
{
	int r = rtnl_addr_req(h, RTM_DELADDR, 0, ifname, a, prefix, "delete");

	if ((r == -EADDRNOTAVAIL || r == -ENODEV) && (flags & RTNL_MISSING_OK))
		return rtnl_ok(h);
	return r;
}

struct rtnl_addr_ctx {
	int family;
	rtnl_addr_cb cb;
	void *arg;
};

static int rtnl_addr_list_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct rtnl_addr_ctx *c = arg;
	const struct ifaddrmsg *ifa;
	const struct nlattr *attr, *addr = NULL, *local = NULL;
	size_t want = (size_t)rtnl_addr_len(c->family);
	struct rtnl_addr_info ai;

	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*ifa)))
		return 0;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family != c->family)
		return 0;
	mnl_attr_for_each(attr, nlh, sizeof(*ifa))
	{
		if (mnl_attr_get_type(attr) == IFA_ADDRESS)
			addr = attr;
		else if (mnl_attr_get_type(attr) == IFA_LOCAL)
			local = attr;
	}
	/* IFA_LOCAL is the address itself on point-to-point links. */
	if (local)
		addr = local;
	if (!addr || mnl_attr_get_payload_len(addr) < want)
		return 0; /* skip what we cannot read rather than lose the rest */
	memset(&ai, 0, sizeof(ai));
	ai.index = (int)ifa->ifa_index;
	ai.addr.family = c->family;
	memcpy(ai.addr.a, mnl_attr_get_payload(addr), want);
	ai.prefix = ifa->ifa_prefixlen;
	ai.scope = ifa->ifa_scope;
	return c->cb(&ai, c->arg);
}

int rtnl_addr_list(rtnl *h, int family, rtnl_addr_cb cb, void *arg)
{
	struct rtnl_addr_ctx c = {family, cb, arg};
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	if (!cb || !rtnl_addr_len(family))
		return rtnl_fail(h, -EINVAL, "list addresses: no callback or no IPv4/IPv6 family");
	nlh = rtnl_req_start(h, RTM_GETADDR, NLM_F_DUMP);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)family;
	return rtnl_exchange(h, "list addresses", rtnl_addr_list_cb, &c);
}

static int rtnl_route_req(rtnl *h, int add, const net_cidr *dst, const net_addr *gw,
                          const char *ifname, unsigned flags)
{
	char what[NET_CIDR_STRLEN + 32];
	const char *verb = add ? "add" : "delete";
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	int family, alen, oif = 0;
	uint16_t nlflags = NLM_F_ACK;

	family = dst ? dst->addr.family : gw ? gw->family : 0;
	alen = rtnl_addr_len(family);
	if (!alen)
		return rtnl_fail(h, -EINVAL, "%s route: no IPv4/IPv6 destination or gateway", verb);
	if (dst && (dst->prefix < 0 || dst->prefix > alen * 8))
		return rtnl_fail(h, -EINVAL, "%s route: prefix %d out of range", verb, dst->prefix);
	if (gw && gw->family != family)
		return rtnl_fail(h, -EINVAL, "%s route: gateway of another address family", verb);
	if (add && !gw && !ifname)
		return rtnl_fail(h, -EINVAL, "add route: needs a gateway or an interface");
	if (dst) {
		char s[NET_CIDR_STRLEN];

		net_cidr_fmt(dst, s, sizeof(s));
		snprintf(what, sizeof(what), "%s route %s", verb, s);
	} else {
		snprintf(what, sizeof(what), "%s default route (%s)", verb,
		         family == AF_INET ? "IPv4" : "IPv6");
	}
	if (ifname) {
		if (rtnl_check_name(h, ifname) < 0)
			return -EINVAL;
		oif = rtnl_link_index(h, ifname);
		if (oif < 0)
			return oif;
	}
	if (add)
		nlflags |= NLM_F_CREATE | ((flags & RTNL_REPLACE) ? NLM_F_REPLACE : NLM_F_EXCL);
	nlh = rtnl_req_start(h, add ? RTM_NEWROUTE : RTM_DELROUTE, nlflags);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_dst_len = (uint8_t)(dst ? dst->prefix : 0);
	rtm->rtm_table = RT_TABLE_MAIN;
	if (add) {
		rtm->rtm_protocol = RTPROT_STATIC;
		rtm->rtm_type = RTN_UNICAST;
		rtm->rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	} else {
		/* As `ip route del`: any protocol, scope and type match. */
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
	}
	if (rtm->rtm_dst_len > 0)
		mnl_attr_put(nlh, RTA_DST, (size_t)alen, dst->addr.a);
	if (gw)
		mnl_attr_put(nlh, RTA_GATEWAY, (size_t)alen, gw->a);
	if (oif)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	return rtnl_exchange(h, what, NULL, NULL);
}

int rtnl_route_add(rtnl *h, const net_cidr *dst, const net_addr *gw, const char *ifname,
                   unsigned flags)
{
	int r = rtnl_route_req(h, 1, dst, gw, ifname, flags);

	if (r == -EEXIST && (flags & RTNL_EXIST_OK))
		return rtnl_ok(h);
	return r;
}

int rtnl_route_del(rtnl *h, const net_cidr *dst, const net_addr *gw, const char *ifname,
                   unsigned flags)
{
	int r = rtnl_route_req(h, 0, dst, gw, ifname, flags);

	/* A route through a link that is gone went with the link. */
	if ((r == -ESRCH || r == -ENODEV) && (flags & RTNL_MISSING_OK))
		return rtnl_ok(h);
	return r;
}
