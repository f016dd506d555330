/*
 * test_conntrack.c - stale conntrack entry deletion, on real entries: each
 * test runs in a child's private network namespace where nftables DNATs
 * "service" addresses (198.18.200.0/24, fd00:200::/64, routed to lo) to
 * "endpoint" addresses on lo, local UDP and TCP sockets send through them,
 * and the entries that creates are checked with libnetfilter_conntrack's
 * own dump, independently of the code under test. Then the proof that
 * matters: a UDP client that keeps sending while its endpoint changes stays
 * stuck on the old one until the entry is deleted, and moves at once after.
 */
#include "unit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#include "lib/nftrun.h"
#include "proxy/conntrack.h"
#include "test_rtnl_helpers.h"

/* 11 characters: libnftables sends the name NUL-terminated in requests
 * whose attribute padding it leaves uninitialised (valgrind), and 12 bytes
 * need none. */
#define CT_TABLE "svcnet-pxct"

#define EP1   "198.18.201.1"
#define EP2   "198.18.201.2"
#define NODE  "198.18.202.1"
#define EP1_6 "fd00:201::1"
#define EP2_6 "fd00:201::2"

static int ct_sock(int type, const char *ip, int port, int do_connect)
{
	net_addr a = rt_ip(ip);
	struct sockaddr_storage ss;
	socklen_t len;
	int s, one = 1;

	if (net_addr_to_sockaddr(&a, port, &ss, &len) < 0 ||
	    (s = socket(a.family, type | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	/* Listeners only: on clients it would let two share a source port. */
	if (!do_connect)
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (do_connect ? connect(s, (struct sockaddr *)&ss, len) < 0
	               : bind(s, (struct sockaddr *)&ss, len) < 0 ||
	                     (type == SOCK_STREAM && listen(s, 8) < 0)) {
		printf("    child: %s %s:%d: %s\n", do_connect ? "connect" : "bind", ip, port,
		       strerror(errno));
		close(s);
		return -1;
	}
	return s;
}

/* Endpoint and node addresses on lo, service ranges routed to lo: DNAT in
 * the output hook turns them local before they would be dropped. */
static int ct_net(void)
{
	static const char *const addrs[] = {EP1, EP2, NODE, EP1_6, EP2_6, "fd00:202::1"};

	return rt_proxy_net(addrs, sizeof(addrs) / sizeof(addrs[0]), "lo");
}

static int ct_nft(const char *script)
{
	char err[256] = "";

	if (nftrun_apply(script, err, sizeof(err)) < 0) {
		printf("    child: nft: %s\n", err);
		return -1;
	}
	return 0;
}

/* Sockets of the flows, open until the test ends: a closed one's source
 * port could come back for the next flow, and the same tuple is the same
 * entry. */
static int ct_open[256], ct_nopen;

/* One UDP flow (a new socket, so a new source port): creates its entry. */
static int ct_flow(const char *ip, int port)
{
	int s;

	if (ct_nopen == (int)(sizeof(ct_open) / sizeof(ct_open[0])) ||
	    (s = ct_sock(SOCK_DGRAM, ip, port, 1)) < 0)
		return -1;
	ct_open[ct_nopen++] = s;
	return send(s, "x", 1, 0) == 1 ? 0 : -1;
}

static void ct_close_flows(void)
{
	while (ct_nopen > 0)
		close(ct_open[--ct_nopen]);
}

/* ---- counting with the library's own dump ---- */

struct ct_want {
	int family, proto, port, n;
	net_addr dst, rsrc; /* family 0: any */
};

static int ct_addr_is(const struct nf_conntrack *ct, int family, int a4, int a6,
                      const net_addr *want)
{
	const void *p = nfct_get_attr(ct, family == AF_INET ? a4 : a6);

	return !want->family || (p && !memcmp(p, want->a, family == AF_INET ? 4 : 16));
}

static int ct_count_cb(enum nf_conntrack_msg_type type, struct nf_conntrack *ct, void *data)
{
	struct ct_want *w = data;

	if (nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO) == w->family &&
	    (!w->proto || nfct_get_attr_u8(ct, ATTR_ORIG_L4PROTO) == w->proto) &&
	    (!w->port || ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_DST)) == w->port) &&
	    ct_addr_is(ct, w->family, ATTR_ORIG_IPV4_DST, ATTR_ORIG_IPV6_DST, &w->dst) &&
	    ct_addr_is(ct, w->family, ATTR_REPL_IPV4_SRC, ATTR_REPL_IPV6_SRC, &w->rsrc))
		w->n++;
	return NFCT_CB_CONTINUE;
}

/* Entries of proto (0: any) to dst:port (NULL/0: any) answered by rsrc
 * (NULL: any); family from dst or rsrc, else IPv4. -1 on failure. */
static int ct_n(int proto, const char *dst, int port, const char *rsrc)
{
	struct ct_want w = {.family = AF_INET, .proto = proto, .port = port};
	struct nfct_handle *h = nfct_open(CONNTRACK, 0);
	uint32_t family;
	int rc;

	if (dst)
		w.dst = rt_ip(dst);
	if (rsrc)
		w.rsrc = rt_ip(rsrc);
	if (w.dst.family || w.rsrc.family)
		w.family = w.dst.family ? w.dst.family : w.rsrc.family;
	if (!h)
		return -1;
	family = (uint32_t)w.family;
	nfct_callback_register(h, NFCT_T_ALL, ct_count_cb, &w);
	rc = nfct_query(h, NFCT_Q_DUMP, &family);
	nfct_close(h);
	return rc < 0 ? -1 : w.n;
}

/* ---- arguments ---- */

static int ct_args(void)
{
	net_addr v4 = rt_ip("198.18.200.1"), v6 = rt_ip("fd00:200::1"), none;
	pxct_match m = {.proto = IPPROTO_UDP, .dst = v6, .port = 53};
	pxct_match any = {.proto = IPPROTO_UDP};

	memset(&none, 0, sizeof(none));
	T(pxct_delete_by_dst(AF_INET, &v4, IPPROTO_ICMP, 53) == -EINVAL);
	T(pxct_delete_by_dst(AF_INET, &v4, IPPROTO_UDP, 65536) == -EINVAL);
	T(pxct_delete_by_dst(AF_INET, &v4, IPPROTO_UDP, -1) == -EINVAL);
	T(pxct_delete_by_dst(AF_INET, &v6, IPPROTO_UDP, 53) == -EINVAL);
	T(pxct_delete_by_dst(AF_INET, &none, IPPROTO_UDP, 53) == -EINVAL);
	T(pxct_delete_by_dst(AF_INET, NULL, IPPROTO_UDP, 53) == -EINVAL);
	T(pxct_delete_by_dst(AF_UNIX, &v4, IPPROTO_UDP, 53) == -EINVAL);
	T(pxct_delete_by_nat(AF_INET, &v4, 53, &v6, IPPROTO_UDP) == -EINVAL);
	T(pxct_delete_by_nat(AF_INET, &v4, 53, NULL, IPPROTO_UDP) == -EINVAL);
	T(pxct_delete_nodeport(IPPROTO_UDP, 0, &v4) == -EINVAL);
	T(pxct_delete_nodeport(IPPROTO_UDP, 30000, NULL) == -EINVAL);
	T(pxct_delete_nodeport(IPPROTO_UDP, 30000, &none) == -EINVAL);
	/* A match must narrow something; keep needs its array. */
	T(pxct_delete(AF_INET, &any, 1) == -EINVAL);
	any.port = 53;
	any.nkeep = 1;
	T(pxct_delete(AF_INET, &any, 1) == -EINVAL);
	T(pxct_delete(AF_INET, NULL, 1) == -EINVAL);
	/* Nothing to do is no error and no netlink: an empty list, or only
	 * matches of the other family. */
	T(pxct_delete(AF_INET, NULL, 0) == 0);
	T(pxct_delete(AF_INET, &m, 1) == 0);
	T(pxct_count(AF_INET, &m, 1) == 0);
	return 0;
}

UNIT_TEST(conntrack_bad_args_in_netns)
{
	RUN_IN_NETNS(ct_args);
}

/* ---- deleting exactly the right entries ---- */

#define CT_RULES                                                                                   \
	"table inet " CT_TABLE " {\n"                                                              \
	"\tchain out {\n"                                                                          \
	"\t\ttype nat hook output priority -100; policy accept;\n"                                 \
	"\t\tip daddr 198.18.200.1 udp dport 53 dnat ip to " EP1 ":5353\n"                         \
	"\t\tip daddr 198.18.200.1 udp dport 54 dnat ip to " EP2 ":5353\n"                         \
	"\t\tip daddr 198.18.200.2 udp dport 53 dnat ip to " EP2 ":5353\n"                         \
	"\t\tip daddr 198.18.200.1 tcp dport 53 dnat ip to " EP1 ":5353\n"                         \
	"\t\tip daddr " NODE " udp dport 30053 dnat ip to " EP1 ":5353\n"                          \
	"\t\tip daddr " NODE " udp dport 30054 dnat ip to " EP2 ":5353\n"                          \
	"\t\tip6 daddr fd00:200::1 udp dport 53 dnat ip6 to [" EP1_6 "]:5353\n"                    \
	"\t\tip6 daddr fd00:200::1 udp dport 54 dnat ip6 to [" EP2_6 "]:5353\n"                    \
	"\t}\n"                                                                                    \
	"}\n"

static int ct_listeners(int *fds)
{
	const char *ips[] = {EP1, EP2, EP1_6, EP2_6};

	for (int i = 0; i < 4; i++)
		T((fds[i] = ct_sock(SOCK_DGRAM, ips[i], 5353, 0)) >= 0);
	T((fds[4] = ct_sock(SOCK_STREAM, EP1, 5353, 0)) >= 0);
	return 0;
}

/* The flows of CT_RULES, plus one to an address no rule translates. */
static int ct_flows(int *tcp)
{
	T(ct_flow("198.18.200.1", 53) == 0);
	T(ct_flow("198.18.200.1", 53) == 0);
	T(ct_flow("198.18.200.1", 54) == 0);
	T(ct_flow("198.18.200.2", 53) == 0);
	T(ct_flow(NODE, 30053) == 0);
	T(ct_flow(NODE, 30054) == 0);
	T(ct_flow("198.18.200.9", 53) == 0);
	T(ct_flow("fd00:200::1", 53) == 0);
	T(ct_flow("fd00:200::1", 54) == 0);
	T((*tcp = ct_sock(SOCK_STREAM, "198.18.200.1", 53, 1)) >= 0);
	return 0;
}

static int ct_delete(void)
{
	net_addr s1 = rt_ip("198.18.200.1"), s9 = rt_ip("198.18.200.9"), s6 = rt_ip("fd00:200::1"),
	         e1 = rt_ip(EP1), e2 = rt_ip(EP2), e1_6 = rt_ip(EP1_6);
	int fds[5], tcp;

	T(ct_net() == 0);
	T(ct_nft(CT_RULES) == 0);
	T(ct_listeners(fds) == 0);
	T(ct_flows(&tcp) == 0);

	/* What the kernel made of it, seen by the library's dump. */
	T(ct_n(IPPROTO_UDP, NULL, 0, NULL) == 7);
	T(ct_n(IPPROTO_UDP, "198.18.200.1", 53, EP1) == 2);
	T(ct_n(IPPROTO_UDP, "198.18.200.1", 54, EP2) == 1);
	T(ct_n(IPPROTO_UDP, NODE, 30053, EP1) == 1);
	T(ct_n(IPPROTO_UDP, "198.18.200.9", 53, "198.18.200.9") == 1); /* not NATed */
	T(ct_n(IPPROTO_TCP, "198.18.200.1", 53, EP1) == 1);
	T(ct_n(IPPROTO_UDP, "fd00:200::1", 0, NULL) == 2);

	/* By destination: the un-NATed flow to .9 only. */
	T(pxct_delete_by_dst(AF_INET, &s9, IPPROTO_UDP, 54) == 0);
	T(pxct_delete_by_dst(AF_INET, &s9, IPPROTO_UDP, 53) == 1);
	T(ct_n(IPPROTO_UDP, "198.18.200.9", 0, NULL) == 0);
	T(ct_n(IPPROTO_UDP, NULL, 0, NULL) == 6);

	/* By NAT: .1:53 goes to EP1, so naming EP2 deletes nothing. */
	T(pxct_delete_by_nat(AF_INET, &s1, 53, &e2, IPPROTO_UDP) == 0);
	T(pxct_delete_by_nat(AF_INET, &s1, 53, &e1, IPPROTO_UDP) == 2);
	T(ct_n(IPPROTO_UDP, "198.18.200.1", 53, NULL) == 0);
	/* ... leaving TCP, the other port, the node port to the same
	 * endpoint, and IPv6. */
	T(ct_n(IPPROTO_TCP, "198.18.200.1", 53, EP1) == 1);
	T(ct_n(IPPROTO_UDP, "198.18.200.1", 54, EP2) == 1);
	T(ct_n(IPPROTO_UDP, NODE, 30053, EP1) == 1);
	T(ct_n(IPPROTO_UDP, "fd00:200::1", 53, EP1_6) == 1);
	/* Port 0: every port of the service IP, still only this IP. */
	T(pxct_delete_by_nat(AF_INET, &s1, 0, &e2, IPPROTO_UDP) == 1);
	T(ct_n(IPPROTO_UDP, "198.18.200.2", 53, EP2) == 1);

	/* Node ports: by port and endpoint, whatever the local address. */
	T(pxct_delete_nodeport(IPPROTO_UDP, 30053, &e2) == 0);
	T(pxct_delete_nodeport(IPPROTO_TCP, 30053, &e1) == 0);
	T(pxct_delete_nodeport(IPPROTO_UDP, 30053, &e1) == 1);
	T(ct_n(IPPROTO_UDP, NODE, 30054, EP2) == 1);

	/* IPv6, and TCP. */
	T(pxct_delete_by_nat(AF_INET6, &s6, 53, &e1_6, IPPROTO_UDP) == 1);
	T(ct_n(IPPROTO_UDP, "fd00:200::1", 54, EP2_6) == 1);
	T(pxct_delete_by_dst(AF_INET, &s1, IPPROTO_TCP, 53) == 1);
	T(ct_n(IPPROTO_TCP, NULL, 0, NULL) == 0);

	/* Left: .2:53 -> EP2, node port 30054 -> EP2, [::1]:54 -> EP2_6. */
	T(ct_n(IPPROTO_UDP, NULL, 0, NULL) == 2);
	ct_close_flows();
	close(tcp);
	for (int i = 0; i < 5; i++)
		close(fds[i]);
	return 0;
}

UNIT_TEST(conntrack_delete_in_netns)
{
	RUN_IN_NETNS(ct_delete);
}

/* ---- the batch form ---- */

static int ct_batch(void)
{
	net_addr s1 = rt_ip("198.18.200.1"), s2 = rt_ip("198.18.200.2"), s6 = rt_ip("fd00:200::1"),
	         e1 = rt_ip(EP1), e2 = rt_ip(EP2), e2_6 = rt_ip(EP2_6);
	pxct_match keep1 = {.proto = IPPROTO_UDP, .dst = s1, .port = 53, .keep = &e1, .nkeep = 1};
	pxct_match keep2 = {.proto = IPPROTO_UDP, .dst = s1, .port = 53, .keep = &e2, .nkeep = 1};
	/* One list for both families, as a proxy would build it per sync. */
	pxct_match list[] = {
	    {.proto = IPPROTO_UDP, .dst = s2, .port = 53, .nat = e2},
	    {.proto = IPPROTO_UDP, .port = 30054, .nat = e2},
	    {.proto = IPPROTO_UDP, .dst = s6, .port = 54, .nat = e2_6},
	    {.proto = IPPROTO_UDP, .dst = s1, .port = 99, .nat = e1}, /* matches nothing */
	};
	/* Different protocols and addresses: nothing for a kernel filter. */
	pxct_match mixed[] = {
	    {.proto = IPPROTO_TCP, .dst = s1, .port = 53},
	    {.proto = IPPROTO_UDP, .dst = s1, .port = 54},
	};
	int fds[5], tcp;

	T(ct_net() == 0);
	T(ct_nft(CT_RULES) == 0);
	T(ct_listeners(fds) == 0);
	T(ct_flows(&tcp) == 0);

	/* keep: a Service's flows not DNATed to a serving endpoint. */
	T(pxct_count(AF_INET, &keep1, 1) == 0);
	T(pxct_delete(AF_INET, &keep1, 1) == 0);
	T(pxct_count(AF_INET, &keep2, 1) == 2);
	T(pxct_delete(AF_INET, &keep2, 1) == 2);
	T(ct_n(IPPROTO_UDP, "198.18.200.1", 53, NULL) == 0);

	T(pxct_count(AF_INET, list, 4) == 2);
	T(pxct_delete(AF_INET, list, 4) == 2);
	T(ct_n(IPPROTO_UDP, "198.18.200.2", 0, NULL) == 0);
	T(ct_n(IPPROTO_UDP, NODE, 0, NULL) == 1); /* 30053 stays */
	T(pxct_delete(AF_INET6, list, 4) == 1);
	T(ct_n(IPPROTO_UDP, "fd00:200::1", 0, NULL) == 1); /* :53 stays */

	T(pxct_delete(AF_INET, mixed, 2) == 2);
	T(ct_n(IPPROTO_TCP, NULL, 0, NULL) == 0);
	T(ct_n(IPPROTO_UDP, "198.18.200.1", 0, NULL) == 0);
	/* Left: node port 30053 and .9, neither named. */
	T(ct_n(IPPROTO_UDP, NULL, 0, NULL) == 2);

	/* More deletes than one batch of requests. */
	for (int i = 0; i < 150; i++)
		T(ct_flow("198.18.200.1", 53) == 0);
	T(ct_n(IPPROTO_UDP, "198.18.200.1", 53, EP1) == 150);
	T(pxct_delete_by_nat(AF_INET, &s1, 53, &e1, IPPROTO_UDP) == 150);
	T(ct_n(IPPROTO_UDP, "198.18.200.1", 53, NULL) == 0);
	T(ct_n(IPPROTO_UDP, NULL, 0, NULL) == 2);
	ct_close_flows();
	close(tcp);
	for (int i = 0; i < 5; i++)
		close(fds[i]);
	return 0;
}

UNIT_TEST(conntrack_batch_in_netns)
{
	RUN_IN_NETNS(ct_batch);
}

/* ---- a UDP client that keeps sending ---- */

/* The endpoint's side: one datagram within ms, answered with tag. 1 if one
 * came, 0 if none. */
static int ct_serve(int l, int ms, const char *tag)
{
	struct pollfd p = {.fd = l, .events = POLLIN};
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char b[16];

	if (poll(&p, 1, ms) != 1 ||
	    recvfrom(l, b, sizeof(b), MSG_DONTWAIT, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	return sendto(l, tag, strlen(tag), 0, (struct sockaddr *)&ss, len) == (ssize_t)strlen(tag);
}

/* The client's side: the answer (from the service address, the only peer
 * a connected socket accepts), or "" when none came. */
static const char *ct_answer(int c)
{
	static char b[16];
	struct pollfd p = {.fd = c, .events = POLLIN};
	ssize_t n;

	b[0] = '\0';
	if (poll(&p, 1, 1000) == 1 && (n = recv(c, b, sizeof(b) - 1, MSG_DONTWAIT)) > 0)
		b[n] = '\0';
	return b;
}

static int ct_dnat(const char *fam, const char *svc, const char *ep)
{
	char s[512];

	snprintf(s, sizeof(s),
	         "table %s " CT_TABLE "\ndelete table %s " CT_TABLE "\n"
	         "table %s " CT_TABLE " {\n\tchain out {\n"
	         "\t\ttype nat hook output priority -100; policy accept;\n"
	         "\t\t%s daddr %s udp dport 53 dnat to %s\n\t}\n}\n",
	         fam, fam, fam, strcmp(fam, "ip") ? "ip6" : "ip", svc, ep);
	return ct_nft(s);
}

/* Endpoint EP1 replaced by EP2 under a client that keeps sending. */
static int ct_recover(const char *fam, const char *svc, const char *ip1, const char *ip2,
                      const char *ep1, const char *ep2)
{
	net_addr s = rt_ip(svc), e1 = rt_ip(ip1);
	int l1 = ct_sock(SOCK_DGRAM, ip1, 5353, 0), l2 = ct_sock(SOCK_DGRAM, ip2, 5353, 0), c;

	T(l1 >= 0 && l2 >= 0);
	T(ct_dnat(fam, svc, ep1) == 0);
	T((c = ct_sock(SOCK_DGRAM, svc, 53, 1)) >= 0);
	T(send(c, "1", 1, 0) == 1);
	T(ct_serve(l1, 1000, "ep1"));
	T(!strcmp(ct_answer(c), "ep1"));

	/* The Pod is replaced: new rules, but the flow keeps its entry. */
	T(ct_dnat(fam, svc, ep2) == 0);
	for (int i = 0; i < 3; i++) {
		T(send(c, "2", 1, 0) == 1);
		T(ct_serve(l1, 1000, "ep1"));
		T(!ct_serve(l2, 100, "ep2"));
		T(!strcmp(ct_answer(c), "ep1"));
	}

	T(pxct_delete_by_nat(s.family, &s, 53, &e1, IPPROTO_UDP) == 1);
	T(send(c, "3", 1, 0) == 1);
	T(ct_serve(l2, 1000, "ep2"));
	T(!ct_serve(l1, 100, "ep1"));
	T(!strcmp(ct_answer(c), "ep2"));
	close(c);
	close(l1);
	close(l2);
	return 0;
}

/* A client that began while the service had no rule: its flow was never
 * NATed and stays so until deleted by destination. */
static int ct_late_rule(void)
{
	net_addr s = rt_ip("198.18.200.5");
	int l = ct_sock(SOCK_DGRAM, EP1, 5353, 0), c = ct_sock(SOCK_DGRAM, "198.18.200.5", 53, 1);

	T(l >= 0 && c >= 0);
	T(send(c, "a", 1, 0) == 1);
	T(ct_dnat("ip", "198.18.200.5", EP1 ":5353") == 0);
	T(send(c, "b", 1, 0) == 1);
	T(!ct_serve(l, 200, "ep1"));
	T(pxct_delete_by_dst(AF_INET, &s, IPPROTO_UDP, 53) == 1);
	T(send(c, "c", 1, 0) == 1);
	T(ct_serve(l, 1000, "ep1"));
	T(!strcmp(ct_answer(c), "ep1"));
	close(c);
	close(l);
	return 0;
}

static int ct_traffic(void)
{
	T(ct_net() == 0);
	T(ct_recover("ip", "198.18.200.1", EP1, EP2, EP1 ":5353", EP2 ":5353") == 0);
	T(ct_recover("ip6", "fd00:200::1", EP1_6, EP2_6, "[" EP1_6 "]:5353", "[" EP2_6 "]:5353") ==
	  0);
	T(ct_late_rule() == 0);
	return 0;
}

UNIT_TEST(conntrack_udp_client_recovers_in_netns)
{
	RUN_IN_NETNS(ct_traffic);
}
