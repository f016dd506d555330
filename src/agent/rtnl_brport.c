/*
 * rtnl_brport.c - bridge port settings: hairpin mode.
 *
 * A bridge never sends a frame back out of the port it came in by, unless
 * that port is in hairpin mode. A Pod reaching itself through a Service or a
 * hostPort needs exactly that when br_netfilter hands bridged traffic to the
 * node's NAT hooks: the DNATed frame is bridged straight back towards the
 * port it arrived on (the CNI bridge plugin's hairpinMode; kube-proxy's
 * documentation asks for it).
 */
#include "agent/rtnl_impl.h"

#include <errno.h>
#include <linux/if_link.h>
#include <string.h>
#include <sys/socket.h>

int rtnl_link_set_hairpin(rtnl *h, const char *ifname, int on)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct nlattr *pi;
	int idx, r;

	if (rtnl_check_name(h, ifname) < 0)
		return -EINVAL;
	/* The AF_BRIDGE setlink handler finds the link by index only; it
	 * ignores IFLA_IFNAME. */
	idx = rtnl_link_index(h, ifname);
	if (idx < 0)
		return idx;
	nlh = rtnl_req_start(h, RTM_SETLINK, NLM_F_ACK);
	ifi = rtnl_put_ifinfo(nlh, idx);
	/* AF_BRIDGE routes the request to the port's bridge (its
	 * ndo_bridge_setlink), which reads the port's settings from
	 * IFLA_PROTINFO. The nest must carry NLA_F_NESTED (libmnl sets it):
	 * without it the kernel takes the payload for the old one-byte STP
	 * state. */
	ifi->ifi_family = AF_BRIDGE;
	pi = mnl_attr_nest_start(nlh, IFLA_PROTINFO);
	mnl_attr_put_u8(nlh, IFLA_BRPORT_MODE, on ? 1 : 0);
	mnl_attr_nest_end(nlh, pi);
	r = rtnl_exchange(h, ifname, NULL, NULL);
	/* No master, or a master that is no bridge: the kernel's bare
	 * "Operation not supported" deserves the reason. */
	if (r == -EOPNOTSUPP)
		return rtnl_fail(h, r, "%s: set hairpin: not a bridge port", ifname);
	return r;
}

/* IFLA_INFO_SLAVE_DATA's IFLA_BRPORT_MODE inside IFLA_LINKINFO, when the
 * slave kind says the master is a bridge; -EOPNOTSUPP otherwise. */
static int rtnl_linkinfo_hairpin(const struct nlattr *linkinfo)
{
	const struct nlattr *a, *data = NULL, *b;
	int bridge = 0;

	mnl_attr_for_each_nested(a, linkinfo)
	{
		if (mnl_attr_get_type(a) == IFLA_INFO_SLAVE_KIND &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 &&
		    strcmp(mnl_attr_get_str(a), "bridge") == 0)
			bridge = 1;
		else if (mnl_attr_get_type(a) == IFLA_INFO_SLAVE_DATA &&
		         mnl_attr_validate(a, MNL_TYPE_NESTED) == 0)
			data = a;
	}
	if (!bridge || !data)
		return -EOPNOTSUPP;
	mnl_attr_for_each_nested(b, data)
	{
		if (mnl_attr_get_type(b) == IFLA_BRPORT_MODE &&
		    mnl_attr_validate(b, MNL_TYPE_U8) == 0)
			return mnl_attr_get_u8(b) ? 1 : 0;
	}
	return -EPROTO; /* a bridge port without its mode: not this kernel */
}

static int rtnl_hairpin_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *a;
	int *out = arg;

	/* Whatever came, it is the answer: 1 stops the callbacks, *out says
	 * what it meant. */
	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct ifinfomsg))
		return 1;
	*out = -EOPNOTSUPP; /* no IFLA_LINKINFO: no master */
	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
	{
		if (mnl_attr_get_type(a) == IFLA_LINKINFO &&
		    mnl_attr_validate(a, MNL_TYPE_NESTED) == 0) {
			*out = rtnl_linkinfo_hairpin(a);
			break;
		}
	}
	return 1;
}

int rtnl_link_get_hairpin(rtnl *h, const char *ifname)
{
	struct nlmsghdr *nlh;
	int r, mode = -EPROTO;

	if (rtnl_check_name(h, ifname) < 0)
		return -EINVAL;
	/* A plain RTM_GETLINK: the kernel has no single-link AF_BRIDGE
	 * getter (an AF_BRIDGE request that is no dump falls back to this
	 * one), and this one describes a port's settings in IFLA_LINKINFO's
	 * slave data, as `ip -d link show` prints them. One round trip, by
	 * name. */
	nlh = rtnl_req_start(h, RTM_GETLINK, NLM_F_ACK);
	rtnl_put_ifinfo(nlh, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	r = rtnl_exchange(h, ifname, rtnl_hairpin_cb, &mode);
	if (r < 0)
		return r;
	if (r == 0) /* acked without an answer: should not happen */
		return rtnl_fail(h, -EPROTO, "%s: no link in the kernel's answer", ifname);
	if (mode == -EOPNOTSUPP)
		return rtnl_fail(h, mode, "%s: get hairpin: not a bridge port", ifname);
	if (mode < 0)
		return rtnl_fail(h, mode, "%s: get hairpin: malformed link message", ifname);
	return rtnl_ok(h) + mode;
}
