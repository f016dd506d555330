/*
 * rtnl_link.c - creating, changing and removing links.
 *
 * Existing links are named by IFLA_IFNAME with index 0, which the kernel
 * resolves itself: one round trip instead of a lookup and a change, and no
 * window in which the index could go stale.
 */
#include "agent/rtnl_impl.h"

#include <errno.h>
#include <linux/if_link.h>
#include <linux/veth.h>
#include <string.h>

/* After -EEXIST from a create: success when `name` exists with `kind`,
 * else the original error (its message kept). */
static int rtnl_exist_same_kind(rtnl *h, const char *name, const char *kind, int r)
{
	struct rtnl_link_info li;
	char saved[sizeof(h->err)];

	memcpy(saved, h->err, sizeof(saved));
	if (rtnl_link_get(h, name, &li) == 0) {
		if (strcmp(li.kind, kind) == 0)
			return rtnl_ok(h);
		return rtnl_fail(h, -EEXIST, "%s: exists as a link of kind \"%s\", not \"%s\"",
		                 name, li.kind[0] ? li.kind : "(none)", kind);
	}
	/* The name is free, so the clash was elsewhere (a veth's peer). */
	memcpy(h->err, saved, sizeof(saved));
	return r;
}

int rtnl_link_add(rtnl *h, const char *name, const char *kind, unsigned flags)
{
	struct nlmsghdr *nlh;
	struct nlattr *info;
	int r;

	if (rtnl_check_name(h, name) < 0)
		return -EINVAL;
	if (!kind || !kind[0] || strlen(kind) >= sizeof(((struct rtnl_link_info *)0)->kind))
		return rtnl_fail(h, -EINVAL, "%s: invalid link kind", name);
	nlh = rtnl_req_start(h, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	rtnl_put_ifinfo(nlh, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	mnl_attr_nest_end(nlh, info);
	r = rtnl_exchange(h, name, NULL, NULL);
	if (r == -EEXIST && (flags & RTNL_EXIST_OK))
		return rtnl_exist_same_kind(h, name, kind, r);
	return r;
}

int rtnl_bridge_add(rtnl *h, const char *name, unsigned flags)
{
	return rtnl_link_add(h, name, "bridge", flags);
}

int rtnl_veth_add(rtnl *h, const char *name, const char *peer, int peer_netns_fd, unsigned flags)
{
	struct nlmsghdr *nlh;
	struct nlattr *info, *data, *pinfo;
	int r;

	if (rtnl_check_name(h, name) < 0 || rtnl_check_name(h, peer) < 0)
		return -EINVAL;
	if (peer_netns_fd < -1)
		return rtnl_fail(h, -EBADF, "%s: invalid namespace fd for the peer", name);
	nlh = rtnl_req_start(h, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	rtnl_put_ifinfo(nlh, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	/* The peer is described like a link of its own: an ifinfomsg, then its
	 * attributes, the namespace among them, so it is born there. */
	pinfo = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	rtnl_put_ifinfo(nlh, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	if (peer_netns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
	mnl_attr_nest_end(nlh, pinfo);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	r = rtnl_exchange(h, name, NULL, NULL);
	if (r == -EEXIST && (flags & RTNL_EXIST_OK))
		return rtnl_exist_same_kind(h, name, "veth", r);
	return r;
}

int rtnl_link_del(rtnl *h, const char *ifname, unsigned flags)
{
	struct nlmsghdr *nlh;
	int r;

	if (rtnl_check_name(h, ifname) < 0)
		return -EINVAL;
	nlh = rtnl_req_start(h, RTM_DELLINK, NLM_F_ACK);
	rtnl_put_ifinfo(nlh, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	r = rtnl_exchange(h, ifname, NULL, NULL);
	if (r == -ENODEV && (flags & RTNL_MISSING_OK))
		return rtnl_ok(h);
	return r;
}

/* An RTM_SETLINK on the link named ifname; the caller adds the change. */
static struct nlmsghdr *rtnl_setlink_start(rtnl *h, const char *ifname, struct ifinfomsg **ifi)
{
	struct nlmsghdr *nlh = rtnl_req_start(h, RTM_SETLINK, NLM_F_ACK);
	struct ifinfomsg *i = rtnl_put_ifinfo(nlh, 0);

	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	if (ifi)
		*ifi = i;
	return nlh;
}

int rtnl_link_set_netns(rtnl *h, const char *ifname, int netns_fd)
{
	struct nlmsghdr *nlh;

	if (rtnl_check_name(h, ifname) < 0)
		return -EINVAL;
	if (netns_fd < 0)
		return rtnl_fail(h, -EBADF, "%s: invalid namespace fd", ifname);
	nlh = rtnl_setlink_start(h, ifname, NULL);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
	return rtnl_exchange(h, ifname, NULL, NULL);
}

int rtnl_link_rename(rtnl *h, const char *ifname, const char *newname)
{
	struct nlmsghdr *nlh;
	int idx;

	if (rtnl_check_name(h, ifname) < 0 || rtnl_check_name(h, newname) < 0)
		return -EINVAL;
	/* Here IFLA_IFNAME is the new name, so the link goes by index. */
	idx = rtnl_link_index(h, ifname);
	if (idx < 0)
		return idx;
	if (strcmp(ifname, newname) == 0)
		return rtnl_ok(h);
	nlh = rtnl_req_start(h, RTM_SETLINK, NLM_F_ACK);
	rtnl_put_ifinfo(nlh, idx);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, newname);
	return rtnl_exchange(h, ifname, NULL, NULL);
}

int rtnl_link_set_up(rtnl *h, const char *ifname, int up)
{
	struct ifinfomsg *ifi;

	if (rtnl_check_name(h, ifname) < 0)
		return -EINVAL;
	rtnl_setlink_start(h, ifname, &ifi);
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	return rtnl_exchange(h, ifname, NULL, NULL);
}

int rtnl_link_set_master(rtnl *h, const char *ifname, const char *master)
{
	struct nlmsghdr *nlh;
	int midx = 0;

	if (rtnl_check_name(h, ifname) < 0)
		return -EINVAL;
	if (master) {
		if (rtnl_check_name(h, master) < 0)
			return -EINVAL;
		midx = rtnl_link_index(h, master);
		if (midx < 0)
			return midx;
	}
	nlh = rtnl_setlink_start(h, ifname, NULL);
	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)midx);
	return rtnl_exchange(h, ifname, NULL, NULL);
}

int rtnl_link_set_mtu(rtnl *h, const char *ifname, int mtu)
{
	struct nlmsghdr *nlh;

	if (rtnl_check_name(h, ifname) < 0)
		return -EINVAL;
	if (mtu <= 0)
		return rtnl_fail(h, -EINVAL, "%s: invalid MTU %d", ifname, mtu);
	nlh = rtnl_setlink_start(h, ifname, NULL);
	mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)mtu);
	return rtnl_exchange(h, ifname, NULL, NULL);
}

int rtnl_link_set_mac(rtnl *h, const char *ifname, const uint8_t mac[6])
{
	struct nlmsghdr *nlh;

	if (rtnl_check_name(h, ifname) < 0)
		return -EINVAL;
	if (!mac)
		return rtnl_fail(h, -EINVAL, "%s: no MAC address", ifname);
	nlh = rtnl_setlink_start(h, ifname, NULL);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	return rtnl_exchange(h, ifname, NULL, NULL);
}
