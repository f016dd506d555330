/*
 * test_rtnl_errors.c - rtnl's refusals, the kernel's errors and the
 * idempotence flags; sysctl paths and per-namespace values.
 *
 * Everything that changes kernel state runs inside private network
 * namespaces (test_rtnl_helpers.h); addresses from 198.18.0.0/15 and fd00::/8.
 */
#include "unit.h"

#include <net/if.h>

#include "agent/sysctl.h"
#include "test_rtnl_helpers.h"

static int body_errors(void)
{
	rtnl *h = rtnl_open();
	struct rtnl_link_info li;
	const uint8_t mac[6] = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
	net_addr a, gw, bad;
	net_cidr c;
	int idx;

	T(h);
	T(strcmp(rtnl_last_error(NULL), "") == 0);
	/* Names */
	T_RC(h, rtnl_link_index(h, "nosuch0"), -ENODEV);
	T(strstr(rtnl_last_error(h), "nosuch0") && strstr(rtnl_last_error(h), "No such device"));
	T_RC(h, rtnl_link_index(h, ""), -EINVAL);
	T_RC(h, rtnl_link_index(h, NULL), -EINVAL);
	T_RC(h, rtnl_link_index(h, "abcdefghijklmnop"), -EINVAL); /* 16 bytes */
	T_RC(h, rtnl_link_index(h, "a/b"), -EINVAL);
	T(rtnl_link_index(h, "lo") > 0);
	T(strcmp(rtnl_last_error(h), "") == 0);
	T_RC(h, rtnl_link_add(h, "x0", "", 0), -EINVAL);
	T_RC(h, rtnl_link_add(h, "x0", NULL, 0), -EINVAL);

	/* Creating what exists */
	T_RC(h, rtnl_bridge_add(h, "br0", 0), 0);
	T_RC(h, rtnl_bridge_add(h, "br0", 0), -EEXIST);
	T_RC(h, rtnl_bridge_add(h, "br0", RTNL_EXIST_OK), 0);
	T(strcmp(rtnl_last_error(h), "") == 0);
	T_RC(h, rtnl_veth_add(h, "va", "vb", -1, 0), 0);
	T_RC(h, rtnl_veth_add(h, "va", "vc", -1, 0), -EEXIST);
	T_RC(h, rtnl_veth_add(h, "va", "vc", -1, RTNL_EXIST_OK), 0);
	/* The clash is the peer's name: not "the same veth". */
	T_RC(h, rtnl_veth_add(h, "vx", "vb", -1, RTNL_EXIST_OK), -EEXIST);
	T_RC(h, rtnl_link_index(h, "vx"), -ENODEV);
	/* Same name, other kind */
	T_RC(h, rtnl_bridge_add(h, "va", RTNL_EXIST_OK), -EEXIST);
	T(strstr(rtnl_last_error(h), "veth") != NULL);
	T_RC(h, rtnl_veth_add(h, "br0", "vz", -1, RTNL_EXIST_OK), -EEXIST);
	T_RC(h, rtnl_veth_add(h, "vq", "vr", -2, 0), -EBADF);

	/* Link changes */
	T_RC(h, rtnl_link_set_master(h, "va", "nosuch"), -ENODEV);
	T_RC(h, rtnl_link_set_master(h, "nosuch", "br0"), -ENODEV);
	T_RC(h, rtnl_link_set_master(h, "va", "br0"), 0);
	T_RC(h, rtnl_link_get(h, "va", &li), 0);
	T(li.master == rtnl_link_index(h, "br0"));
	T_RC(h, rtnl_link_set_master(h, "va", NULL), 0);
	T_RC(h, rtnl_link_get(h, "va", &li), 0);
	T(li.master == 0);
	T_RC(h, rtnl_link_set_up(h, "nosuch", 1), -ENODEV);
	T_RC(h, rtnl_link_set_mtu(h, "va", 1400), 0);
	T_RC(h, rtnl_link_set_mtu(h, "va", 0), -EINVAL);
	T(rtnl_link_set_mtu(h, "va", 1 << 20) < 0);
	T_RC(h, rtnl_link_set_mac(h, "va", mac), 0);
	T_RC(h, rtnl_link_set_mac(h, "va", NULL), -EINVAL);
	T_RC(h, rtnl_link_get(h, "va", &li), 0);
	T(li.mtu == 1400 && li.has_mac && memcmp(li.mac, mac, 6) == 0);
	idx = li.index;
	T_RC(h, rtnl_link_rename(h, "va", "va"), 0);
	T_RC(h, rtnl_link_rename(h, "va", "vb"), -EEXIST);
	T_RC(h, rtnl_link_rename(h, "nosuch", "vy"), -ENODEV);
	T_RC(h, rtnl_link_rename(h, "va", "vrenamed"), 0);
	T_RC(h, rtnl_link_index(h, "va"), -ENODEV);
	T_RC(h, rtnl_link_index(h, "vrenamed"), idx);
	T_RC(h, rtnl_link_set_netns(h, "vrenamed", -1), -EBADF);

	/* Addresses */
	a = rt_ip("198.18.1.1");
	T_RC(h, rtnl_addr_add(h, "br0", &a, 33, 0), -EINVAL);
	T_RC(h, rtnl_addr_add(h, "br0", &a, -1, 0), -EINVAL);
	T_RC(h, rtnl_addr_add(h, "br0", NULL, 24, 0), -EINVAL);
	memset(&bad, 0, sizeof(bad));
	T_RC(h, rtnl_addr_add(h, "br0", &bad, 24, 0), -EINVAL);
	T_RC(h, rtnl_addr_add(h, "nosuch", &a, 24, 0), -ENODEV);
	T_RC(h, rtnl_addr_add(h, "br0", &a, 24, 0), 0);
	T_RC(h, rtnl_addr_add(h, "br0", &a, 24, 0), -EEXIST);
	T_RC(h, rtnl_addr_add(h, "br0", &a, 24, RTNL_EXIST_OK), 0);
	a = rt_ip("fd00:1::1");
	T_RC(h, rtnl_addr_add(h, "br0", &a, 129, 0), -EINVAL);
	T_RC(h, rtnl_addr_add(h, "br0", &a, 64, 0), 0);
	T_RC(h, rtnl_addr_add(h, "br0", &a, 64, 0), -EEXIST);
	T_RC(h, rtnl_addr_add(h, "br0", &a, 64, RTNL_EXIST_OK), 0);
	T_RC(h, rtnl_addr_del(h, "br0", &a, 64, 0), 0);
	T_RC(h, rtnl_addr_del(h, "br0", &a, 64, 0), -EADDRNOTAVAIL);
	T_RC(h, rtnl_addr_del(h, "br0", &a, 64, RTNL_MISSING_OK), 0);
	T_RC(h, rtnl_addr_add(h, "br0", &a, 64, 0), 0);
	a = rt_ip("198.18.1.9");
	T_RC(h, rtnl_addr_del(h, "br0", &a, 24, 0), -EADDRNOTAVAIL);
	T_RC(h, rtnl_addr_del(h, "br0", &a, 24, RTNL_MISSING_OK), 0);
	T_RC(h, rtnl_addr_del(h, "nosuch", &a, 24, RTNL_MISSING_OK), 0);

	/* Routes: refused arguments, then the kernel's own refusals */
	c = rt_cidr("198.18.64.0/24");
	gw = rt_ip("198.18.1.2");
	T_RC(h, rtnl_route_add(h, NULL, NULL, "br0", 0), -EINVAL);
	T_RC(h, rtnl_route_add(h, &c, NULL, NULL, 0), -EINVAL);
	a = rt_ip("fd00:1::2");
	T_RC(h, rtnl_route_add(h, &c, &a, NULL, 0), -EINVAL);
	c.prefix = 33;
	T_RC(h, rtnl_route_add(h, &c, &gw, NULL, 0), -EINVAL);
	c.prefix = 24;
	T_RC(h, rtnl_route_add(h, &c, &gw, "nosuch", 0), -ENODEV);
	/* br0 is down: its subnet is not on-link, and the kernel says why. */
	T_RC(h, rtnl_route_add(h, &c, &gw, NULL, 0), -ENETUNREACH);
	T(strchr(rtnl_last_error(h), '(') != NULL);
	T_RC(h, rtnl_link_set_up(h, "br0", 1), 0);
	T_RC(h, rtnl_route_add(h, &c, &gw, NULL, 0), 0);
	T_RC(h, rtnl_route_add(h, &c, &gw, NULL, 0), -EEXIST);
	T_RC(h, rtnl_route_add(h, &c, &gw, NULL, RTNL_EXIST_OK), 0);
	gw = rt_ip("198.18.1.3");
	T_RC(h, rtnl_route_add(h, &c, &gw, "br0", RTNL_REPLACE), 0);
	/* Deletion matches the gateway when one is given. */
	a = rt_ip("198.18.1.2");
	T_RC(h, rtnl_route_del(h, &c, &a, NULL, 0), -ESRCH);
	T_RC(h, rtnl_route_del(h, &c, &gw, NULL, 0), 0);
	T_RC(h, rtnl_route_del(h, &c, NULL, NULL, 0), -ESRCH);
	T_RC(h, rtnl_route_del(h, &c, NULL, NULL, RTNL_MISSING_OK), 0);
	T_RC(h, rtnl_route_del(h, &c, NULL, "nosuch", RTNL_MISSING_OK), 0);
	T_RC(h, rtnl_route_del(h, NULL, NULL, NULL, 0), -EINVAL);
	/* A directly connected route, and an IPv6 one via a gateway */
	c = rt_cidr("198.18.65.0/24");
	T_RC(h, rtnl_route_add(h, &c, NULL, "br0", 0), 0);
	T_RC(h, rtnl_route_del(h, &c, NULL, "br0", 0), 0);
	c = rt_cidr("fd00:64::/64");
	a = rt_ip("fd00:1::2");
	T_RC(h, rtnl_route_add(h, &c, &a, NULL, 0), 0);
	T_RC(h, rtnl_route_add(h, &c, &a, NULL, 0), -EEXIST);
	a = rt_ip("fd00:1::3");
	T_RC(h, rtnl_route_add(h, &c, &a, NULL, RTNL_REPLACE), 0);
	T_RC(h, rtnl_route_del(h, &c, NULL, NULL, 0), 0);
	T_RC(h, rtnl_route_del(h, &c, NULL, NULL, 0), -ESRCH);
	c = rt_cidr("fd00:65::/64");
	T_RC(h, rtnl_route_add(h, &c, NULL, "br0", 0), 0);
	T_RC(h, rtnl_route_add(h, &c, NULL, "br0", RTNL_EXIST_OK), 0);
	T_RC(h, rtnl_route_del(h, &c, NULL, "br0", 0), 0);
	/* A default route without gateway is a /0. */
	c = rt_cidr("0.0.0.0/0");
	T_RC(h, rtnl_route_add(h, &c, NULL, "br0", 0), 0);
	T_RC(h, rtnl_route_del(h, &c, NULL, NULL, 0), 0);

	/* Removal */
	T_RC(h, rtnl_link_del(h, "nosuch", 0), -ENODEV);
	T_RC(h, rtnl_link_del(h, "nosuch", RTNL_MISSING_OK), 0);
	T(strcmp(rtnl_last_error(h), "") == 0);
	T_RC(h, rtnl_link_del(h, "vrenamed", 0), 0);
	T_RC(h, rtnl_link_index(h, "vb"), -ENODEV);
	T_RC(h, rtnl_link_del(h, "br0", 0), 0);
	rtnl_close(h);
	return 0;
}

UNIT_TEST(rtnl_errors_and_idempotence)
{
	RUN_IN_NETNS(body_errors);
}

UNIT_TEST(sysctl_path_validation)
{
	char buf[64];

	/* All refused before any file is opened, so safe outside a netns. */
	CHECK_INT(sysctl_set("", "1"), -EINVAL);
	CHECK_INT(sysctl_set(NULL, "1"), -EINVAL);
	CHECK_INT(sysctl_set("/proc/sys/net/ipv4/ip_forward", "1"), -EINVAL);
	CHECK_INT(sysctl_set("net/../../etc/passwd", "1"), -EINVAL);
	CHECK_INT(sysctl_set("net/./ipv4/ip_forward", "1"), -EINVAL);
	CHECK_INT(sysctl_set("net//ipv4/ip_forward", "1"), -EINVAL);
	CHECK_INT(sysctl_set("net/ipv4/ip_forward/", "1"), -EINVAL);
	CHECK_INT(sysctl_set("net/ipv4/ip forward", "1"), -EINVAL);
	CHECK_INT(sysctl_set("net/ipv4/ip_forward\n", "1"), -EINVAL);
	CHECK_INT(sysctl_get("..", buf, sizeof(buf)), -EINVAL);
	CHECK_INT(sysctl_get("kernel/ostype", NULL, 0), -EINVAL);
	/* Reading is harmless anywhere. */
	CHECK_INT(sysctl_get("kernel/ostype", buf, sizeof(buf)), 5);
	CHECK_STR(buf, "Linux");
	CHECK_INT(sysctl_get("kernel/ostype", buf, 5), -ENOSPC);
	CHECK_INT(sysctl_get("kernel/nosuch_param", buf, sizeof(buf)), -ENOENT);
}

static int body_sysctl(void)
{
	char buf[16];

	T(sysctl_set("net/ipv4/ip_forward", "1") == 0);
	T(sysctl_get("net/ipv4/ip_forward", buf, sizeof(buf)) == 1 && strcmp(buf, "1") == 0);
	T(sysctl_set("net/ipv4/ip_forward", "0") == 0);
	T(sysctl_get("net/ipv4/ip_forward", buf, sizeof(buf)) == 1 && strcmp(buf, "0") == 0);
	T(sysctl_set("net/ipv4/ip_forward", "1") == 0);
	T(sysctl_set("net/ipv4/ip_forward", "banana") == -EINVAL);
	T(sysctl_set("net/ipv4/nosuch_param", "1") == -ENOENT);
	T(sysctl_set("net/ipv4/ip_forward", NULL) == -EINVAL);
	T(sysctl_set("net/ipv6/conf/lo/disable_ipv6", "0") == 0);
	return 0;
}

UNIT_TEST(sysctl_per_netns)
{
	char before[16], after[16];

	CHECK(sysctl_get("net/ipv4/ip_forward", before, sizeof(before)) >= 0);
	RUN_IN_NETNS(body_sysctl);
	/* The child's changes stayed in its namespace. */
	CHECK(sysctl_get("net/ipv4/ip_forward", after, sizeof(after)) >= 0);
	CHECK_STR(after, before);
}
