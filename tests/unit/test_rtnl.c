/*
 * test_rtnl.c - rtnetlink against the real kernel: a Pod wired as the agent
 * will do it with real packets across, link listing, namespace moves.
 *
 * Everything runs inside private network namespaces (test_rtnl_helpers.h);
 * addresses are from 198.18.0.0/15 and fd00::/8 only.
 */
#include "unit.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdio.h>

#include "test_rtnl_helpers.h"

static int rt_sockaddr(const char *ip, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	net_addr a = rt_ip(ip);

	return net_addr_to_sockaddr(&a, port, ss, len);
}

static int rt_wait(int fd, short ev)
{
	struct pollfd p = {.fd = fd, .events = ev};

	return poll(&p, 1, 3000) == 1 ? 0 : -1;
}

/* UDP from the pod namespace to dst:port where a socket of this (node)
 * namespace listens; checks the payload and that the source is want_src. */
static int rt_udp(int podns, const char *dst, int port, const char *want_src)
{
	struct sockaddr_storage ss, from;
	socklen_t len, flen = sizeof(from);
	net_addr src;
	char buf[64], s[NET_ADDR_STRLEN];
	int fam = strchr(dst, ':') ? AF_INET6 : AF_INET, srv, cli, sport;
	ssize_t n;

	T(rt_sockaddr(dst, port, &ss, &len) == 0);
	srv = socket(fam, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	T(srv >= 0);
	T(bind(srv, (struct sockaddr *)&ss, len) == 0);
	cli = rt_socket_in(podns, fam, SOCK_DGRAM);
	T(cli >= 0);
	T(sendto(cli, "ping-udp", 8, 0, (struct sockaddr *)&ss, len) == 8);
	T(rt_wait(srv, POLLIN) == 0);
	n = recvfrom(srv, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
	T(n == 8 && memcmp(buf, "ping-udp", 8) == 0);
	T(net_addr_from_sockaddr((struct sockaddr *)&from, &src, &sport) == 0);
	T(net_addr_fmt(&src, s, sizeof(s)) > 0);
	if (strcmp(s, want_src) != 0) {
		printf("    child: UDP to %s came from %s, want %s\n", dst, s, want_src);
		return 1;
	}
	/* And the answer finds its way back into the pod. */
	T(sendto(srv, "pong", 4, 0, (struct sockaddr *)&from, flen) == 4);
	T(rt_wait(cli, POLLIN) == 0);
	T(recv(cli, buf, sizeof(buf), 0) == 4);
	close(cli);
	close(srv);
	return 0;
}

/* TCP connect from the pod namespace to dst:port, listened on here. */
static int rt_tcp(int podns, const char *dst, int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char buf[16];
	int fam = strchr(dst, ':') ? AF_INET6 : AF_INET, srv, cli, conn, one = 1, err = 0;
	socklen_t elen = sizeof(err);

	T(rt_sockaddr(dst, port, &ss, &len) == 0);
	srv = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	T(srv >= 0);
	T(setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0);
	T(bind(srv, (struct sockaddr *)&ss, len) == 0);
	T(listen(srv, 4) == 0);
	cli = rt_socket_in(podns, fam, SOCK_STREAM);
	T(cli >= 0);
	/* Non-blocking, so a broken path fails in seconds, not after SYN
	 * retries. */
	T(fcntl(cli, F_SETFL, O_NONBLOCK) == 0);
	T(connect(cli, (struct sockaddr *)&ss, len) == 0 || errno == EINPROGRESS);
	T(rt_wait(cli, POLLOUT) == 0);
	T(getsockopt(cli, SOL_SOCKET, SO_ERROR, &err, &elen) == 0);
	if (err) {
		printf("    child: TCP connect to %s: %s\n", dst, strerror(err));
		return 1;
	}
	T(rt_wait(srv, POLLIN) == 0);
	conn = accept(srv, NULL, NULL);
	T(conn >= 0);
	T(send(cli, "hello", 5, 0) == 5);
	T(rt_wait(conn, POLLIN) == 0);
	T(recv(conn, buf, sizeof(buf), 0) == 5 && memcmp(buf, "hello", 5) == 0);
	close(conn);
	close(cli);
	close(srv);
	return 0;
}

/* The agent's Pod wiring end to end, then real packets across it. */
static int body_pod_wiring(void)
{
	rtnl *h = rtnl_open(), *p;
	struct rtnl_link_info li;
	net_addr a;
	net_cidr c;
	int pod, brx;

	T(h);
	T_RC(h, rtnl_link_set_up(h, "lo", 1), 0);
	T_RC(h, rtnl_bridge_add(h, "cni0", 0), 0);
	a = rt_ip("198.18.10.1");
	T_RC(h, rtnl_addr_add(h, "cni0", &a, 24, 0), 0);
	a = rt_ip("fd00:10::1");
	T_RC(h, rtnl_addr_add(h, "cni0", &a, 64, 0), 0);
	T_RC(h, rtnl_link_set_up(h, "cni0", 1), 0);
	/* Off-link addresses of the node, reachable from the pod only through
	 * its default route. */
	a = rt_ip("198.19.0.1");
	T_RC(h, rtnl_addr_add(h, "lo", &a, 32, 0), 0);
	a = rt_ip("fd00:20::1");
	T_RC(h, rtnl_addr_add(h, "lo", &a, 128, 0), 0);

	pod = rt_new_netns();
	T(pod >= 0);
	T_RC(h, rtnl_veth_add(h, "vethpod0", "eth0", pod, 0), 0);
	/* The peer was born in the pod namespace, never here. */
	T_RC(h, rtnl_link_index(h, "eth0"), -ENODEV);
	T_RC(h, rtnl_link_set_master(h, "vethpod0", "cni0"), 0);
	T_RC(h, rtnl_link_set_up(h, "vethpod0", 1), 0);
	T_RC(h, rtnl_link_get(h, "vethpod0", &li), 0);
	brx = rtnl_link_index(h, "cni0");
	T(brx > 0 && li.master == brx && strcmp(li.kind, "veth") == 0 && (li.flags & IFF_UP));

	{
		ino_t before, after;

		T(rt_ns_ino(&before) == 0);
		p = rtnl_open_netns(pod);
		T(p);
		T(rt_ns_ino(&after) == 0 && after == before);
	}
	T(rtnl_link_index(p, "eth0") > 0);
	T_RC(p, rtnl_link_index(p, "vethpod0"), -ENODEV);
	T_RC(p, rtnl_link_set_up(p, "lo", 1), 0);
	a = rt_ip("198.18.10.2");
	T_RC(p, rtnl_addr_add(p, "eth0", &a, 24, 0), 0);
	a = rt_ip("fd00:10::2");
	T_RC(p, rtnl_addr_add(p, "eth0", &a, 64, 0), 0);
	/* The gateway is not on-link while eth0 is down. */
	a = rt_ip("198.18.10.1");
	T_RC(p, rtnl_route_add(p, NULL, &a, NULL, 0), -ENETUNREACH);
	T(strstr(rtnl_last_error(p), "default route") != NULL);
	T_RC(p, rtnl_link_set_up(p, "eth0", 1), 0);
	T_RC(p, rtnl_route_add(p, NULL, &a, NULL, 0), 0);
	a = rt_ip("fd00:10::1");
	T_RC(p, rtnl_route_add(p, NULL, &a, "eth0", 0), 0);
	/* A second default route is refused, and accepted on request. */
	T_RC(p, rtnl_route_add(p, NULL, &a, "eth0", 0), -EEXIST);
	T_RC(p, rtnl_route_add(p, NULL, &a, "eth0", RTNL_EXIST_OK), 0);
	T_RC(p, rtnl_route_add(p, NULL, &a, "eth0", RTNL_REPLACE), 0);

	if (rt_udp(pod, "198.18.10.1", 5000, "198.18.10.2") ||
	    rt_udp(pod, "198.19.0.1", 5001, "198.18.10.2") ||
	    rt_udp(pod, "fd00:10::1", 5002, "fd00:10::2") ||
	    rt_udp(pod, "fd00:20::1", 5003, "fd00:10::2") || rt_tcp(pod, "198.18.10.1", 6000) ||
	    rt_tcp(pod, "198.19.0.1", 6001) || rt_tcp(pod, "fd00:10::1", 6002) ||
	    rt_tcp(pod, "fd00:20::1", 6003))
		return 1;

	/* Without its default route the pod no longer reaches off-link. */
	a = rt_ip("198.18.10.1");
	T_RC(p, rtnl_route_del(p, NULL, &a, NULL, 0), 0);
	T_RC(p, rtnl_route_del(p, NULL, &a, NULL, 0), -ESRCH);
	T_RC(p, rtnl_route_del(p, NULL, &a, NULL, RTNL_MISSING_OK), 0);
	{
		int s = rt_socket_in(pod, AF_INET, SOCK_DGRAM);
		struct sockaddr_storage ss;
		socklen_t len;

		T(s >= 0 && rt_sockaddr("198.19.0.1", 5000, &ss, &len) == 0);
		T(sendto(s, "x", 1, 0, (struct sockaddr *)&ss, len) < 0 && errno == ENETUNREACH);
		close(s);
	}
	/* Host-gw style: a pod CIDR routed via a next hop on the bridge. */
	c = rt_cidr("198.18.64.0/24");
	a = rt_ip("198.18.10.2");
	T_RC(h, rtnl_route_add(h, &c, &a, NULL, 0), 0);
	T_RC(h, rtnl_route_del(h, &c, &a, "cni0", 0), 0);

	/* Deleting the host end takes the pod end with it. */
	T_RC(h, rtnl_link_del(h, "vethpod0", 0), 0);
	T_RC(p, rtnl_link_index(p, "eth0"), -ENODEV);
	T_RC(h, rtnl_link_del(h, "cni0", 0), 0);
	rtnl_close(p);
	rtnl_close(h);
	close(pod);
	return 0;
}

UNIT_TEST(rtnl_pod_wiring_and_packets)
{
	RUN_IN_NETNS(body_pod_wiring);
}

struct rt_seen {
	struct rtnl_link_info l[16];
	int n;
	int stop_after;
};

static int rt_collect(const struct rtnl_link_info *li, void *arg)
{
	struct rt_seen *s = arg;

	if (s->n < 16)
		s->l[s->n] = *li;
	s->n++;
	return s->stop_after && s->n >= s->stop_after ? 7 : 0;
}

static const struct rtnl_link_info *rt_find(const struct rt_seen *s, const char *name)
{
	for (int i = 0; i < s->n && i < 16; i++)
		if (strcmp(s->l[i].name, name) == 0)
			return &s->l[i];
	return NULL;
}

static int body_list(void)
{
	rtnl *h = rtnl_open();
	struct rt_seen s;
	const struct rtnl_link_info *lo, *br, *va, *vb;
	int brx;

	T(h);
	memset(&s, 0, sizeof(s));
	T_RC(h, rtnl_link_list(h, rt_collect, &s), 0);
	T(s.n == 1 && strcmp(s.l[0].name, "lo") == 0);
	T_RC(h, rtnl_link_list(h, NULL, NULL), -EINVAL);

	T_RC(h, rtnl_bridge_add(h, "br0", 0), 0);
	T_RC(h, rtnl_veth_add(h, "va", "vb", -1, 0), 0);
	T_RC(h, rtnl_link_set_master(h, "va", "br0"), 0);
	T_RC(h, rtnl_link_set_up(h, "va", 1), 0);
	memset(&s, 0, sizeof(s));
	T_RC(h, rtnl_link_list(h, rt_collect, &s), 0);
	T(s.n == 4);
	lo = rt_find(&s, "lo");
	br = rt_find(&s, "br0");
	va = rt_find(&s, "va");
	vb = rt_find(&s, "vb");
	T(lo && br && va && vb);
	T((lo->flags & IFF_LOOPBACK) && lo->kind[0] == '\0' && lo->master == 0);
	T(strcmp(br->kind, "bridge") == 0 && br->has_mac);
	T(strcmp(va->kind, "veth") == 0 && va->master == br->index && (va->flags & IFF_UP));
	T(vb->link == va->index && va->link == vb->index && !(vb->flags & IFF_UP));
	T(va->mtu == 1500);
	brx = br->index;

	/* Stopping early, then the handle still answers the next call: the
	 * rest of the dump was drained, not left to confuse it. */
	memset(&s, 0, sizeof(s));
	s.stop_after = 1;
	T_RC(h, rtnl_link_list(h, rt_collect, &s), 7);
	T(s.n == 1);
	T(rtnl_link_index(h, "br0") == brx);

	T_RC(h, rtnl_link_del(h, "va", 0), 0);
	T_RC(h, rtnl_link_del(h, "br0", 0), 0);
	memset(&s, 0, sizeof(s));
	T_RC(h, rtnl_link_list(h, rt_collect, &s), 0);
	T(s.n == 1 && strcmp(s.l[0].name, "lo") == 0);
	rtnl_close(h);
	return 0;
}

UNIT_TEST(rtnl_link_listing)
{
	RUN_IN_NETNS(body_list);
}

/* Many links make a dump span several messages. */
static int body_big_dump(void)
{
	rtnl *h = rtnl_open();
	struct rt_seen s;
	char a[IFNAMSIZ], b[IFNAMSIZ];

	T(h);
	for (int i = 0; i < 100; i++) {
		snprintf(a, sizeof(a), "va%d", i);
		snprintf(b, sizeof(b), "vb%d", i);
		T_RC(h, rtnl_veth_add(h, a, b, -1, 0), 0);
	}
	memset(&s, 0, sizeof(s));
	T_RC(h, rtnl_link_list(h, rt_collect, &s), 0);
	T(s.n == 201);
	rtnl_close(h);
	return 0;
}

UNIT_TEST(rtnl_big_dump)
{
	RUN_IN_NETNS(body_big_dump);
}

/* rtnl_addr_list: every address of the family with its link, prefix and
 * scope; across several messages (600 addresses); a callback's stop. */
struct rt_addrs {
	int n, on_br, lo_host, stop_after;
	int br, v6;
};

static int rt_addr_collect(const struct rtnl_addr_info *ai, void *arg)
{
	struct rt_addrs *s = arg;

	s->n++;
	s->v6 += ai->addr.family == AF_INET6;
	if (ai->index == s->br && ai->prefix == 32 && ai->scope == RT_SCOPE_UNIVERSE)
		s->on_br++;
	if (ai->scope == RT_SCOPE_HOST)
		s->lo_host++;
	return s->stop_after && s->n >= s->stop_after ? 9 : 0;
}

static int body_addr_list(void)
{
	rtnl *h = rtnl_open();
	struct rt_addrs s;
	net_addr a;

	T(h);
	T_RC(h, rtnl_link_set_up(h, "lo", 1), 0);
	T_RC(h, rtnl_bridge_add(h, "br0", 0), 0);
	T((s.br = rtnl_link_index(h, "br0")) > 0);
	for (int i = 0; i < 600; i++) {
		a = rt_ip("198.18.0.1");
		a.a[2] = (uint8_t)(i / 250);
		a.a[3] = (uint8_t)(1 + i % 250);
		T_RC(h, rtnl_addr_add(h, "br0", &a, 32, 0), 0);
	}
	memset(&s.n, 0, sizeof(int) * 4);
	s.v6 = 0;
	T_RC(h, rtnl_addr_list(h, AF_INET, rt_addr_collect, &s), 0);
	T(s.n == 601 && s.on_br == 600 && s.lo_host == 1 && s.v6 == 0); /* + 127.0.0.1 */
	s.n = s.on_br = s.lo_host = 0;
	s.stop_after = 5;
	T_RC(h, rtnl_addr_list(h, AF_INET, rt_addr_collect, &s), 9);
	T(s.n == 5);
	T_RC(h, rtnl_addr_list(h, AF_UNSPEC, rt_addr_collect, &s), -EINVAL);
	T_RC(h, rtnl_addr_list(h, AF_INET, NULL, NULL), -EINVAL);
	/* the handle still answers after the stopped dump */
	T(rtnl_link_index(h, "br0") == s.br);
	rtnl_close(h);
	return 0;
}

UNIT_TEST(rtnl_addr_listing)
{
	RUN_IN_NETNS(body_addr_list);
}

static int body_netns_moves(void)
{
	rtnl *h = rtnl_open(), *p;
	int pod = rt_new_netns(), pod2 = rt_new_netns();

	T(h && pod >= 0 && pod2 >= 0);
	errno = 0;
	T(rtnl_open_netns(-1) == NULL && errno == EBADF);
	p = rtnl_open_netns(pod);
	T(p);
	/* Moving an existing link */
	T_RC(h, rtnl_veth_add(h, "va", "vb", -1, 0), 0);
	T_RC(h, rtnl_link_set_netns(h, "vb", pod), 0);
	T_RC(h, rtnl_link_index(h, "vb"), -ENODEV);
	T(rtnl_link_index(p, "vb") > 0);
	T_RC(h, rtnl_link_set_netns(h, "nosuch", pod), -ENODEV);
	/* A name taken in the target namespace */
	T_RC(h, rtnl_veth_add(h, "vc", "vb", pod, 0), -EEXIST);
	T_RC(h, rtnl_link_index(h, "vc"), -ENODEV);
	/* Removing a veth from the pod's side removes the host end too. */
	T_RC(h, rtnl_veth_add(h, "vethpod1", "eth0", pod, 0), 0);
	T_RC(p, rtnl_link_del(p, "eth0", 0), 0);
	T_RC(h, rtnl_link_index(h, "vethpod1"), -ENODEV);
	/* Same pod-side name in two namespaces */
	T_RC(h, rtnl_veth_add(h, "vethpod2", "eth0", pod, 0), 0);
	T_RC(h, rtnl_veth_add(h, "vethpod3", "eth0", pod2, 0), 0);
	T_RC(h, rtnl_link_del(h, "va", 0), 0);
	T_RC(p, rtnl_link_index(p, "vb"), -ENODEV);
	rtnl_close(p);
	rtnl_close(h);
	close(pod);
	close(pod2);
	return 0;
}

UNIT_TEST(rtnl_netns_moves)
{
	RUN_IN_NETNS(body_netns_moves);
}

/* Hairpin mode of a bridge port: set, read back, and the errors for links
 * that are no port. */
static int body_hairpin(void)
{
	rtnl *h = rtnl_open();

	T(h);
	T_RC(h, rtnl_bridge_add(h, "br0", 0), 0);
	T_RC(h, rtnl_veth_add(h, "va", "vb", -1, 0), 0);
	/* Not (yet) a bridge port, or no link at all. */
	T_RC(h, rtnl_link_get_hairpin(h, "va"), -EOPNOTSUPP);
	T(strstr(rtnl_last_error(h), "not a bridge port") != NULL);
	T_RC(h, rtnl_link_set_hairpin(h, "va", 1), -EOPNOTSUPP);
	T(strstr(rtnl_last_error(h), "not a bridge port") != NULL);
	T_RC(h, rtnl_link_set_hairpin(h, "br0", 1), -EOPNOTSUPP);
	T_RC(h, rtnl_link_get_hairpin(h, "br0"), -EOPNOTSUPP);
	T_RC(h, rtnl_link_get_hairpin(h, "lo"), -EOPNOTSUPP);
	T_RC(h, rtnl_link_set_hairpin(h, "nosuch", 1), -ENODEV);
	T_RC(h, rtnl_link_get_hairpin(h, "nosuch"), -ENODEV);
	T_RC(h, rtnl_link_set_hairpin(h, "", 1), -EINVAL);
	T_RC(h, rtnl_link_get_hairpin(h, NULL), -EINVAL);

	T_RC(h, rtnl_link_set_master(h, "va", "br0"), 0);
	T_RC(h, rtnl_link_get_hairpin(h, "va"), 0);
	T_RC(h, rtnl_link_set_hairpin(h, "va", 1), 0);
	T(rtnl_last_error(h)[0] == '\0');
	T_RC(h, rtnl_link_get_hairpin(h, "va"), 1);
	T_RC(h, rtnl_link_set_hairpin(h, "va", 1), 0); /* no change: fine */
	T_RC(h, rtnl_link_get_hairpin(h, "va"), 1);
	/* Any non-zero is on; the other port and the link stay as they were. */
	T_RC(h, rtnl_link_set_master(h, "vb", "br0"), 0);
	T_RC(h, rtnl_link_set_hairpin(h, "vb", 42), 0);
	T_RC(h, rtnl_link_get_hairpin(h, "vb"), 1);
	T_RC(h, rtnl_link_set_hairpin(h, "va", 0), 0);
	T_RC(h, rtnl_link_get_hairpin(h, "va"), 0);
	T_RC(h, rtnl_link_get_hairpin(h, "vb"), 1);
	{
		struct rtnl_link_info li;

		T_RC(h, rtnl_link_get(h, "vb", &li), 0);
		T(li.master == rtnl_link_index(h, "br0"));
	}
	/* Released and enslaved again: a new port, hairpin off. */
	T_RC(h, rtnl_link_set_master(h, "vb", NULL), 0);
	T_RC(h, rtnl_link_get_hairpin(h, "vb"), -EOPNOTSUPP);
	T_RC(h, rtnl_link_set_master(h, "vb", "br0"), 0);
	T_RC(h, rtnl_link_get_hairpin(h, "vb"), 0);

	T_RC(h, rtnl_link_del(h, "va", 0), 0);
	T_RC(h, rtnl_link_del(h, "br0", 0), 0);
	rtnl_close(h);
	return 0;
}

UNIT_TEST(rtnl_bridge_port_hairpin)
{
	RUN_IN_NETNS(body_hairpin);
}
