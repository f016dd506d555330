/*
 * test_hostport.c - hostPort admission (the kubelet's NodePorts predicate and
 * its message), the nftables script, and real TCP through it: inside a
 * child's private network namespace a node with a bridge and two "pod"
 * namespaces behind veths, connections to the host port from the node (its
 * address and 127.0.0.1, IPv4 and IPv6), from the target pod itself
 * (hairpin) and from the other pod, each answered by a listener in the pod.
 */
#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>

#include <jansson.h>

#include "agent/hostport.h"
#include "agent/sysctl.h"
#include "lib/nftrun.h"
#include "test_rtnl_helpers.h"

static json_t *hp_json(const char *s)
{
	char *t = strdup(s);
	json_t *j;

	for (char *p = t; *p; p++)
		if (*p == '`')
			*p = '"';
	j = json_loads(t, 0, NULL);
	if (!j)
		printf("    bad test JSON: %s\n", t);
	free(t);
	return j;
}

/* A Pod with one container whose ports are given. */
static json_t *hp_pod(const char *name, const char *ports)
{
	char buf[2048];

	snprintf(buf, sizeof(buf),
	         "{`metadata`:{`name`:`%s`,`namespace`:`default`,`uid`:`uid-%s`},"
	         "`spec`:{`containers`:[{`name`:`c`,`ports`:%s}]}}",
	         name, name, ports);
	return hp_json(buf);
}

/* hostport_check of pod b against admitted pod a (NULL: none). */
static int hp_conflict(const char *a_ports, const char *b_ports, char *msg)
{
	json_t *a = a_ports ? hp_pod("a", a_ports) : NULL, *b = hp_pod("b", b_ports);
	const json_t *adm[1] = {a};
	char reason[64] = "";
	int rc;

	msg[0] = '\0';
	rc = hostport_check(adm, a ? 1 : 0, b, reason, sizeof(reason), msg, 512);
	if (rc == 1 && strcmp(reason, "NodePorts"))
		rc = -100;
	json_decref(a);
	json_decref(b);
	return rc;
}

#define MSG(port)                                                                                  \
	"Pod was rejected: Predicate NodePorts failed: node(s) didn't have free ports "            \
	"for the requested pod ports (" port ")"

UNIT_TEST(hostport_check_conflicts)
{
	char m[512];

	CHECK_INT(hp_conflict("[{`containerPort`:80,`hostPort`:8080}]",
	                      "[{`containerPort`:81,`hostPort`:8080,`protocol`:`TCP`}]", m),
	          1);
	CHECK_STR(m, MSG("8080/TCP"));
	CHECK_INT(hp_conflict("[{`containerPort`:80,`hostPort`:8080}]",
	                      "[{`containerPort`:80,`hostPort`:8080,`protocol`:`UDP`}]", m),
	          0);
	CHECK_STR(m, "");
	CHECK_INT(hp_conflict("[{`containerPort`:80,`hostPort`:8080}]",
	                      "[{`containerPort`:80,`hostPort`:8081}]", m),
	          0);
	/* Wildcards cover their family; "" covers both. */
	CHECK_INT(hp_conflict("[{`containerPort`:80,`hostPort`:53,`hostIP`:`0.0.0.0`,"
	                      "`protocol`:`UDP`}]",
	                      "[{`containerPort`:80,`hostPort`:53,`hostIP`:`10.0.0.1`,"
	                      "`protocol`:`UDP`}]",
	                      m),
	          1);
	CHECK_STR(m, MSG("10.0.0.1:53/UDP"));
	CHECK_INT(hp_conflict("[{`containerPort`:80,`hostPort`:80,`hostIP`:`0.0.0.0`}]",
	                      "[{`containerPort`:80,`hostPort`:80,`hostIP`:`::`}]", m),
	          0);
	CHECK_INT(hp_conflict("[{`containerPort`:80,`hostPort`:80,`hostIP`:`::`}]",
	                      "[{`containerPort`:80,`hostPort`:80,`hostIP`:`fd00:0::1`}]", m),
	          1);
	CHECK_STR(m, MSG("[fd00::1]:80/TCP"));
	CHECK_INT(hp_conflict("[{`containerPort`:80,`hostPort`:80,`hostIP`:`fd00::1`}]",
	                      "[{`containerPort`:80,`hostPort`:80}]", m),
	          1);
	CHECK_INT(hp_conflict("[{`containerPort`:80,`hostPort`:80,`hostIP`:`10.0.0.1`}]",
	                      "[{`containerPort`:80,`hostPort`:80,`hostIP`:`10.0.0.2`}]", m),
	          0);
	CHECK_INT(hp_conflict("[{`containerPort`:80,`hostPort`:80,`hostIP`:`10.0.0.1`}]",
	                      "[{`containerPort`:80,`hostPort`:80,`hostIP`:`10.0.0.1`}]", m),
	          1);
	/* Inside one Pod; no host port, no conflict. */
	CHECK_INT(hp_conflict(NULL,
	                      "[{`containerPort`:80,`hostPort`:9000},{`containerPort`:81,"
	                      "`hostPort`:9000,`protocol`:`SCTP`},{`containerPort`:82,"
	                      "`hostPort`:9000}]",
	                      m),
	          1);
	CHECK_STR(m, MSG("9000/TCP"));
	CHECK_INT(hp_conflict("[{`containerPort`:80}]", "[{`containerPort`:80}]", m), 0);
	/* Malformed entries are not mappings. */
	CHECK_INT(
	    hp_conflict("[{`containerPort`:80,`hostPort`:`8080`},{`containerPort`:80,"
	                "`hostPort`:70000},{`containerPort`:80,`hostPort`:8080,"
	                "`protocol`:`ICMP`},{`containerPort`:80,`hostPort`:8080,"
	                "`hostIP`:`bogus`},7,{`containerPort`:80,`hostPort`:8080,`hostIP`:5}]",
	                "[{`containerPort`:80,`hostPort`:8080}]", m),
	    0);
}

UNIT_TEST(hostport_check_host_network_and_self)
{
	json_t *hn = hp_json("{`metadata`:{`uid`:`h`},`spec`:{`hostNetwork`:true,"
	                     "`containers`:[{`ports`:[{`containerPort`:8080}]}]}}");
	json_t *p = hp_pod("b", "[{`containerPort`:80,`hostPort`:8080}]");
	json_t *same = hp_pod("b", "[{`containerPort`:80,`hostPort`:8080}]");
	const json_t *adm[3] = {same, p, NULL};
	char reason[8], msg[20];

	/* Under hostNetwork the API makes hostPort the containerPort. */
	CHECK_INT(hostport_check((const json_t *const *)&hn, 1, p, NULL, 0, NULL, 0), 1);
	/* The Pod itself (same object or uid) is not a competitor. */
	CHECK_INT(hostport_check(adm, 3, p, reason, sizeof(reason), msg, sizeof(msg)), 0);
	/* Short buffers are cut, not overrun. */
	CHECK_INT(hostport_check((const json_t *const *)&hn, 1, p, reason, sizeof(reason), msg,
	                         sizeof(msg)),
	          1);
	CHECK_STR(reason, "NodePor");
	CHECK_STR(msg, "Pod was rejected: P");
	json_decref(hn);
	json_decref(p);
	json_decref(same);
}

static struct hostport_pod hp_web[3];
static json_t *hp_objs[3];

static void hp_web_init(void)
{
	hp_objs[0] = hp_pod("web", "[{`containerPort`:80,`hostPort`:8080},"
	                           "{`containerPort`:53,`hostPort`:5353,`protocol`:`UDP`,"
	                           "`hostIP`:`198.18.31.1`},"
	                           "{`containerPort`:90,`hostPort`:9090,`hostIP`:`::`}]");
	hp_objs[1] = hp_json("{`metadata`:{`name`:`db`,`namespace`:`x`},`spec`:{`containers`:["
	                     "{`ports`:[{`containerPort`:70,`hostPort`:7070,`protocol`:`SCTP`,"
	                     "`hostIP`:`0.0.0.0`}]}]},`status`:{`podIP`:`10.42.0.6`}}");
	hp_objs[2] = hp_json("{`metadata`:{`name`:`hn`},`spec`:{`hostNetwork`:true,`containers`:"
	                     "[{`ports`:[{`containerPort`:22,`hostPort`:22}]}]},"
	                     "`status`:{`podIP`:`198.18.0.2`}}");
	memset(hp_web, 0, sizeof(hp_web));
	for (int i = 0; i < 3; i++)
		hp_web[i].pod = hp_objs[i];
	hp_web[0].pod_ips[0] = "10.42.0.5";
	hp_web[0].pod_ips[1] = "fd00:0::5";
	hp_web[0].npod_ips = 2;
}

static void hp_web_free(void)
{
	for (int i = 0; i < 3; i++)
		json_decref(hp_objs[i]);
}

#define HP_EMPTY                                                                                   \
	"add table ip svcnet-hostport\ndelete table ip svcnet-hostport\n"                          \
	"add table ip6 svcnet-hostport\ndelete table ip6 svcnet-hostport\n"

UNIT_TEST(hostport_script_text)
{
	char *s = NULL;

	CHECK_INT(hostport_script(NULL, 0, NULL, &s), 0);
	CHECK_STR(s, HP_EMPTY);
	free(s);
	CHECK_INT(hostport_script(NULL, 0, "cni0\" ; flush ruleset", &s), -EINVAL);
	CHECK(!s);
	hp_web_init();
	CHECK_INT(hostport_script(hp_web, 3, "cni0", &s), 0);
	hp_web_free();
	CHECK(s);
	CHECK(strstr(s, "table ip svcnet-hostport {\n"));
	CHECK(strstr(s, "\t\ttcp dport 8080 dnat to 10.42.0.5:80 comment \"default/web\"\n"));
	CHECK(strstr(s, "\t\tip daddr 198.18.31.1 udp dport 5353 dnat to 10.42.0.5:53 comment "
	                "\"default/web\"\n"));
	CHECK(strstr(s, "\t\tsctp dport 7070 dnat to 10.42.0.6:70 comment \"x/db\"\n"));
	CHECK(strstr(s, "\t\ttcp dport 8080 dnat to [fd00::5]:80 comment \"default/web\"\n"));
	CHECK(strstr(s, "\t\ttcp dport 9090 dnat to [fd00::5]:90 comment \"default/web\"\n"));
	CHECK(!strstr(s, "9090 dnat to 10.42.0.5"));
	CHECK(!strstr(s, "5353 dnat to [fd00"));
	CHECK(!strstr(s, "dport 22"));
	CHECK(strstr(s, "type nat hook prerouting priority -100; policy accept;\n"
	                "\t\tjump hostip_hostports\n\t\tfib daddr type local jump hostports\n"));
	CHECK(strstr(s, "type nat hook output priority -100;"));
	CHECK(strstr(s, "\t\tct status dnat iifname \"cni0\" oifname \"cni0\" ip daddr 10.42.0.5 "
	                "masquerade comment \"default/web\"\n"));
	CHECK(strstr(s,
	             "\t\tct status dnat ip saddr 10.42.0.5 ip daddr 10.42.0.5 masquerade comment "
	             "\"default/web\"\n"));
	CHECK(strstr(s, "\t\tct status dnat ip saddr 127.0.0.0/8 ip daddr 10.42.0.6 masquerade"));
	CHECK(strstr(s, "ip6 daddr fd00::5 masquerade"));
	CHECK(!strstr(s, "ip6 daddr fd00::5 ip saddr 127"));
	free(s);
	/* Without a bridge: only the portmap plugin's self-hairpin rule. */
	hp_web_init();
	CHECK_INT(hostport_script(hp_web, 1, NULL, &s), 0);
	hp_web_free();
	CHECK(strstr(s, "ct status dnat ip saddr 10.42.0.5 ip daddr 10.42.0.5 masquerade"));
	CHECK(!strstr(s, "iifname"));
	free(s);
	/* A Pod without IPs (or only of the other family) adds nothing. */
	hp_objs[0] = hp_pod("web", "[{`containerPort`:80,`hostPort`:8080,`hostIP`:`::`}]");
	memset(hp_web, 0, sizeof(hp_web));
	hp_web[0].pod = hp_objs[0];
	hp_web[0].pod_ips[0] = "10.42.0.5";
	hp_web[0].npod_ips = 1;
	CHECK_INT(hostport_script(hp_web, 1, NULL, &s), 0);
	json_decref(hp_objs[0]);
	CHECK_STR(s, HP_EMPTY);
	free(s);
}

/* ---- in a private network namespace ---- */

static int hp_apply_list(void)
{
	char err[256] = "", *out = NULL;

	hp_web_init();
	T(hostport_sync(hp_web, 3, NULL, err, sizeof(err)) == 0);
	hp_web_free();
	T(nftrun_list("list table ip svcnet-hostport", &out, err, sizeof(err)) == 0);
	T(strstr(out, "dnat to 10.42.0.5:80"));
	T(strstr(out, "fib daddr type local jump hostports"));
	free(out);
	T(nftrun_list("list table ip6 svcnet-hostport", &out, err, sizeof(err)) == 0);
	T(strstr(out, "dnat to [fd00::5]:90"));
	free(out);
	/* Syncing again replaces; an empty sync removes both tables. */
	hp_web_init();
	T(hostport_sync(hp_web, 1, NULL, err, sizeof(err)) == 0);
	hp_web_free();
	T(nftrun_list("list table ip svcnet-hostport", &out, err, sizeof(err)) == 0);
	T(!strstr(out, "7070"));
	free(out);
	T(hostport_sync(NULL, 0, NULL, err, sizeof(err)) == 0);
	T(nftrun_list("list table ip svcnet-hostport", &out, err, sizeof(err)) == -ENOENT);
	T(nftrun_list("list table ip6 svcnet-hostport", &out, err, sizeof(err)) == -ENOENT);
	T(hostport_sync(NULL, 0, NULL, err, sizeof(err)) == 0);
	/* route_localnet needs the bridge to exist. */
	hp_web_init();
	T(hostport_sync(hp_web, 1, "nosuchbr0", err, sizeof(err)) == -ENOENT);
	hp_web_free();
	T(strstr(err, "route_localnet"));
	return 0;
}

UNIT_TEST(hostport_apply_in_netns)
{
	RUN_IN_NETNS(hp_apply_list);
}

/* A listening socket in nsfd (or here for -1). */
static int hp_listen(int nsfd, int family, const char *ip, int port)
{
	int s =
	    nsfd >= 0 ? rt_socket_in(nsfd, family, SOCK_STREAM) : socket(family, SOCK_STREAM, 0);
	struct sockaddr_storage ss;
	socklen_t len;
	net_addr a = rt_ip(ip);
	int zero = 0, one = 1;

	if (s < 0 || net_addr_to_sockaddr(&a, port, &ss, &len) < 0)
		return -1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6)
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(s, (struct sockaddr *)&ss, len) < 0 || listen(s, 8) < 0) {
		printf("    child: bind/listen %s:%d: %s\n", ip, port, strerror(errno));
		close(s);
		return -1;
	}
	return s;
}

/* Connects from nsfd (or here) to ip:port within 3 s: the socket, or
 * -errno. */
static int hp_connect(int nsfd, const char *ip, int port)
{
	net_addr a = rt_ip(ip);
	struct sockaddr_storage ss;
	socklen_t len;
	struct pollfd pfd;
	int s, e = 0;

	if (net_addr_to_sockaddr(&a, port, &ss, &len) < 0)
		return -EINVAL;
	s = nsfd >= 0 ? rt_socket_in(nsfd, a.family, SOCK_STREAM)
	              : socket(a.family, SOCK_STREAM, 0);
	if (s < 0)
		return -errno;
	fcntl(s, F_SETFL, O_NONBLOCK);
	if (connect(s, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
		e = errno;
		close(s);
		return -e;
	}
	pfd = (struct pollfd){.fd = s, .events = POLLOUT};
	if (poll(&pfd, 1, 3000) != 1) {
		close(s);
		return -ETIMEDOUT;
	}
	len = sizeof(e);
	getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &len);
	if (e) {
		close(s);
		return -e;
	}
	fcntl(s, F_SETFL, 0);
	return s;
}

/* Connects, has the listener accept, checks the peer it sees and moves
 * bytes both ways. */
static int hp_talk(int lfd, int nsfd, const char *ip, int port, const char *want_peer)
{
	struct pollfd pfd = {.fd = lfd, .events = POLLIN};
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char peer[NET_ADDR_STRLEN] = "", buf[8] = "";
	net_addr a, v4;
	int c = hp_connect(nsfd, ip, port), s, ok;

	if (c < 0) {
		printf("    child: connect %s:%d: %s\n", ip, port, strerror(-c));
		return 0;
	}
	if (poll(&pfd, 1, 3000) != 1 || (s = accept(lfd, (struct sockaddr *)&ss, &len)) < 0) {
		printf("    child: %s:%d: nothing reached the pod\n", ip, port);
		close(c);
		return 0;
	}
	if (net_addr_from_sockaddr((struct sockaddr *)&ss, &a, NULL) == 0) {
		if (net_addr_unmap(&a, &v4) == 0)
			a = v4;
		net_addr_fmt(&a, peer, sizeof(peer));
	}
	ok = write(c, "ping", 4) == 4 && read(s, buf, 4) == 4 && !strcmp(buf, "ping") &&
	     write(s, "pong", 4) == 4 && read(c, buf, 4) == 4 && !strcmp(buf, "pong");
	close(s);
	close(c);
	if (!ok || strcmp(peer, want_peer)) {
		printf("    child: %s:%d: data %s, peer %s (want %s)\n", ip, port,
		       ok ? "ok" : "lost", peer, want_peer);
		return 0;
	}
	return 1;
}

/* Pod namespace: veth `host` on cni0, eth0 with ip4/ip6, routes via the bridge. */
static int hp_add_pod(rtnl *h, const char *host, const char *ip4, const char *ip6)
{
	int ns = rt_new_netns();
	rtnl *p;
	net_addr gw4 = rt_ip("198.18.30.1"), gw6 = rt_ip("fd00:30::1"), a4 = rt_ip(ip4),
	         a6 = rt_ip(ip6);

	if (ns < 0 || rtnl_veth_add(h, host, "eth0", ns, 0) < 0 ||
	    rtnl_link_set_master(h, host, "cni0") < 0 || rtnl_link_set_up(h, host, 1) < 0)
		return -1;
	if (!(p = rtnl_open_netns(ns)))
		return -1;
	if (rtnl_link_set_up(p, "lo", 1) < 0 || rtnl_addr_add(p, "eth0", &a4, 24, 0) < 0 ||
	    rtnl_addr_add(p, "eth0", &a6, 64, 0) < 0 || rtnl_link_set_up(p, "eth0", 1) < 0 ||
	    rtnl_route_add(p, NULL, &gw4, "eth0", 0) < 0 ||
	    rtnl_route_add(p, NULL, &gw6, "eth0", 0) < 0) {
		printf("    child: pod setup: %s\n", rtnl_last_error(p));
		rtnl_close(p);
		return -1;
	}
	rtnl_close(p);
	return ns;
}

/* 1: br_netfilter hands bridged IP traffic to the IP hooks in the node
 * namespace (the kubelet's usual setup), 0: it does not (routed). */
static int hp_brnf;

static int hp_traffic(void)
{
	rtnl *h = rtnl_open();
	net_addr br4 = rt_ip("198.18.30.1"), br6 = rt_ip("fd00:30::1"), lo2 = rt_ip("198.18.31.1");
	json_t *pod = hp_pod("web", "[{`containerPort`:80,`hostPort`:8080},"
	                            "{`containerPort`:80,`hostPort`:9090,`hostIP`:`198.18.31.1`}]");
	struct hostport_pod hp = {
	    .pod = pod, .pod_ips = {"198.18.30.2", "fd00:30::2"}, .npod_ips = 2};
	/* What the target sees of the neighbour: the bridge address when
	 * routed (masqueraded), the neighbour itself when bridged. */
	const char *b4 = hp_brnf ? "198.18.30.3" : "198.18.30.1";
	const char *b6 = hp_brnf ? "fd00:30::3" : "fd00:30::1";
	const char *v = hp_brnf ? "1" : "0";
	char err[256] = "";
	int a, b, l;

	T(h && pod);
	/* Without the module there is no such switch, and routed is all there is. */
	if ((sysctl_set("net/bridge/bridge-nf-call-iptables", v) < 0 ||
	     sysctl_set("net/bridge/bridge-nf-call-ip6tables", v) < 0) &&
	    hp_brnf) {
		printf("    skip: no br_netfilter here\n");
		json_decref(pod);
		rtnl_close(h);
		return 0;
	}
	T_RC(h, rtnl_link_set_up(h, "lo", 1), 0);
	T_RC(h, rtnl_addr_add(h, "lo", &lo2, 32, 0), 0);
	T_RC(h, rtnl_bridge_add(h, "cni0", 0), 0);
	T_RC(h, rtnl_addr_add(h, "cni0", &br4, 24, 0), 0);
	T_RC(h, rtnl_addr_add(h, "cni0", &br6, 64, 0), 0);
	T_RC(h, rtnl_link_set_up(h, "cni0", 1), 0);
	T((a = hp_add_pod(h, "vetha", "198.18.30.2", "fd00:30::2")) >= 0);
	T((b = hp_add_pod(h, "vethb", "198.18.30.3", "fd00:30::3")) >= 0);
	T(sysctl_set("net/ipv4/ip_forward", "1") == 0);
	T(sysctl_set("net/ipv6/conf/all/forwarding", "1") == 0);
	/* Bridged hairpin goes back out of the port it came in by. */
	T(!hp_brnf || rtnl_link_set_hairpin(h, "vetha", 1) == 0);
	T((l = hp_listen(a, AF_INET6, "::", 80)) >= 0);

	/* Before any rule the node itself answers nothing on 8080. */
	T(hp_connect(-1, "198.18.30.1", 8080) == -ECONNREFUSED);
	T(hostport_sync(&hp, 1, "cni0", err, sizeof(err)) == 0);
	/* From the node: its address (no masquerade needed), loopback
	 * (masqueraded to the bridge address), IPv6. */
	T(hp_talk(l, -1, "198.18.30.1", 8080, "198.18.30.1"));
	T(hp_talk(l, -1, "127.0.0.1", 8080, "198.18.30.1"));
	T(hp_talk(l, -1, "fd00:30::1", 8080, "fd00:30::1"));
	/* Hairpin: the pod through its own host port; and a neighbour pod
	 * on the same bridge, whose replies must not bypass the node. */
	T(hp_talk(l, a, "198.18.30.1", 8080, "198.18.30.1"));
	T(hp_talk(l, a, "fd00:30::1", 8080, "fd00:30::1"));
	T(hp_talk(l, b, "198.18.30.1", 8080, b4));
	T(hp_talk(l, b, "fd00:30::1", 8080, b6));
	/* A hostIP mapping answers on that address only. */
	T(hp_talk(l, -1, "198.18.31.1", 9090, "198.18.31.1"));
	T(hp_talk(l, b, "198.18.31.1", 9090, b4));
	T(hp_connect(-1, "198.18.30.1", 9090) == -ECONNREFUSED);
	/* Removed: refused again. */
	T(hostport_sync(NULL, 0, "cni0", err, sizeof(err)) == 0);
	T(hp_connect(-1, "198.18.30.1", 8080) == -ECONNREFUSED);
	close(l);
	close(a);
	close(b);
	rtnl_close(h);
	json_decref(pod);
	return 0;
}

UNIT_TEST(hostport_traffic_routed_in_netns)
{
	hp_brnf = 0;
	RUN_IN_NETNS(hp_traffic);
}

UNIT_TEST(hostport_traffic_br_netfilter_in_netns)
{
	hp_brnf = 1;
	RUN_IN_NETNS(hp_traffic);
}
