/*
 * test_proxy_nft.c - the nftables proxy mode: script forms (no kernel), and
 * real traffic through the rules in a child's private network namespace.
 *
 * Services and EndpointSlices go through the proxy model as JSON, as the
 * core feeds them. Service ranges (198.18.200.0/24, fd00:200::/64) are
 * routed to lo, endpoint, node and client addresses sit on lo, and the
 * rules' DNAT in the output hook turns service addresses into local ones,
 * as in test_conntrack.c. Clients bind their source address, so affinity
 * and masquerading see a known one.
 *
 * SVCNET_NFT_BENCH=1 makes nft_sync_timing build 10,000 services x 10
 * endpoints and time one change at 1,000 / 10,000 / 30,000 services.
 */
#include "unit.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>

#include "lib/dict.h"
#include "lib/nftrun.h"
#include "proxy/backend.h"
#include "proxy/nft_int.h"
#include "test_proxy_model.h"
#include "test_rtnl_helpers.h"

#define EP1     "198.18.201.1"
#define EP2     "198.18.201.2"
#define NODE    "198.18.202.1"
#define CLIENT  "198.18.203.1"
#define CLIENT2 "198.18.203.2"
#define EP1_6   "fd00:201::1"
#define EP2_6   "fd00:201::2"
#define NODE_6  "fd00:202::1"
#define CLI_6   "fd00:203::1"
/* Service addresses that are also local, with listeners: what reaches them
 * was not translated (or rejected) by the rules. */
#define DECOY4 "198.18.200.2"
#define DECOY6 "fd00:200::2"

/* ---- the model ---- */

/* A ClusterIP Service "ns/<name>" with one port named "p"; extra goes into spec. */
static int tn_svc(pxm *m, const char *name, const char *ip, int port, const char *proto,
                  const char *extra)
{
	return tpm_fmt(m, false,
	               "{'metadata':{'namespace':'ns','name':'%s'},'spec':{'clusterIP':'%s',"
	               "'ports':[{'name':'p','port':%d,'protocol':'%s'}]%s}}",
	               name, ip, port, proto, extra);
}

/* Its slice: eps is the JSON of the endpoints list. */
static int tn_slice(pxm *m, const char *svc, int family, int port, const char *proto,
                    const char *eps)
{
	return tpm_fmt(m, true,
	               "{'metadata':{'namespace':'ns','name':'%s-s','labels':{"
	               "'kubernetes.io/service-name':'%s'}},'addressType':'%s','ports':[{"
	               "'name':'p','port':%d,'protocol':'%s'}],'endpoints':[%s]}",
	               svc, svc, family == AF_INET6 ? "IPv6" : "IPv4", port, proto, eps);
}

struct tn {
	pxm *m;
	pxb *b;
	struct pxb_config cfg;
	struct pxb_result res;
	char err[512];
};

static int tn_open(struct tn *t, int family, const char *cidr)
{
	memset(t, 0, sizeof(*t));
	t->cfg.family = family;
	t->cfg.node_name = "n1";
	t->cfg.masq_mark = PXB_MASQ_MARK_DEFAULT;
	if (cidr)
		t->cfg.cluster_cidr = rt_cidr(cidr);
	t->m = tpm_model("n1", NULL);
	if (!t->m || pxb_nft_ops.create(&t->cfg, &t->b, t->err, sizeof(t->err)) != 0) {
		printf("    child: create: %s\n", t->err);
		return -1;
	}
	return 0;
}

static void tn_close(struct tn *t)
{
	pxb_nft_ops.free(t->b);
	pxm_free(t->m);
	t->b = NULL;
	t->m = NULL;
}

/* Takes the model's changes and syncs them: everything when full. */
static int tn_sync(struct tn *t, bool full)
{
	return tpm_sync(&pxb_nft_ops, t->b, t->m, full, &t->res, t->err, sizeof(t->err));
}

/* ---- the network ---- */

static int tn_net(void)
{
	static const char *const addrs[] = {EP1,     EP2,    NODE,           CLIENT,
	                                    CLIENT2, DECOY4, "198.18.200.4", EP1_6,
	                                    EP2_6,   NODE_6, CLI_6,          DECOY6};

	return rt_proxy_net(addrs, sizeof(addrs) / sizeof(addrs[0]), "lo");
}

static int tn_sock(int type, const char *ip, int port)
{
	net_addr a = rt_ip(ip);
	struct sockaddr_storage ss;
	socklen_t len;
	int s, one = 1;

	if (net_addr_to_sockaddr(&a, port, &ss, &len) < 0 ||
	    (s = socket(a.family, type | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&ss, len) < 0 ||
	    (type == SOCK_STREAM && port && listen(s, 64) < 0)) {
		printf("    child: bind %s:%d: %s\n", ip, port, strerror(errno));
		close(s);
		return -1;
	}
	return s;
}

/* A client socket from src connected to ip:port: the fd, or -errno
 * (-ETIMEDOUT after half a second: what nothing translated gets, as the
 * service range is routed to lo but not local). */
static int tn_client(int type, const char *src, const char *ip, int port)
{
	net_addr a = rt_ip(ip);
	struct sockaddr_storage ss;
	socklen_t len;
	int s = tn_sock(type, src, 0), rc = 0, e = 0;
	struct pollfd p;

	if (s < 0)
		return -EBADF;
	net_addr_to_sockaddr(&a, port, &ss, &len);
	fcntl(s, F_SETFL, O_NONBLOCK);
	if (connect(s, (struct sockaddr *)&ss, len) < 0) {
		rc = -errno;
		p = (struct pollfd){.fd = s, .events = POLLOUT};
		if (rc == -EINPROGRESS) {
			len = sizeof(e);
			rc = poll(&p, 1, 500) != 1                               ? -ETIMEDOUT
			     : getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &len) < 0 ? -errno
			                                                         : -e;
		}
	}
	if (rc) {
		close(s);
		return rc;
	}
	fcntl(s, F_SETFL, 0);
	return s;
}

/* Which listener got the new connection or datagram (its index), or -1. */
static int tn_which(const int *l, int n, int type)
{
	struct pollfd p[4];

	for (int i = 0; i < n; i++)
		p[i] = (struct pollfd){.fd = l[i], .events = POLLIN};
	if (poll(p, (nfds_t)n, 1000) <= 0)
		return -1;
	for (int i = 0; i < n; i++) {
		if (!(p[i].revents & POLLIN))
			continue;
		if (type == SOCK_STREAM) {
			int a = accept(l[i], NULL, NULL);

			if (a >= 0)
				close(a);
		} else {
			char b[16];

			recv(l[i], b, sizeof(b), MSG_DONTWAIT);
		}
		return i;
	}
	return -1;
}

/* A TCP connection from src to ip:port: the listener it reached, or -errno. */
static int tn_tcp(const char *src, const char *ip, int port, const int *l, int n)
{
	int c = tn_client(SOCK_STREAM, src, ip, port), w;

	if (c < 0)
		return c;
	w = tn_which(l, n, SOCK_STREAM);
	close(c);
	return w;
}

/* A datagram from a new socket: the listener it reached, or -errno: the
 * ICMP error a rejecting rule sends, seen by the connected socket (a local
 * sender's send() also fails, with EPERM: the rule dropped its packet). */
static int tn_udp(const char *src, const char *ip, int port, const int *l, int n)
{
	int c = tn_client(SOCK_DGRAM, src, ip, port), w = -1;
	struct pollfd p;
	char b[4];

	if (c < 0)
		return c;
	if (send(c, "x", 1, 0) == 1)
		w = tn_which(l, n, SOCK_DGRAM);
	else if (errno != EPERM)
		w = -errno;
	p = (struct pollfd){.fd = c, .events = POLLIN};
	if (w == -1 && poll(&p, 1, 500) == 1 && recv(c, b, sizeof(b), MSG_DONTWAIT) < 0)
		w = -errno;
	close(c);
	return w;
}

static double tn_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* 1 when the output of an nft listing command contains s, 0 when not. */
static int tn_listed(const char *cmd, const char *s)
{
	char err[256], *out = NULL;
	int found;

	if (nftrun_list(cmd, &out, err, sizeof(err)) < 0) {
		printf("    child: %s: %s\n", cmd, err);
		return -1;
	}
	found = strstr(out, s) != NULL;
	free(out);
	return found;
}

/* The same for the whole table of a family. */
static int tn_table(const char *fam, const char *s)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "list table %s svcnet", fam);
	return tn_listed(cmd, s);
}

static int tn_svc_delete(pxm *m, const char *name)
{
	char b[256];
	json_t *o;
	int rc;

	snprintf(b, sizeof(b), "{'metadata':{'namespace':'ns','name':'%s'}}", name);
	o = tpm_json(b);
	rc = pxm_service_delete(m, o, 1);
	json_decref(o);
	return rc;
}

#define EPJ(ip, node) "{'addresses':['" ip "'],'nodeName':'" node "'}"

/* ---- script forms, no kernel ---- */

struct tn_plan {
	struct pxb_config cfg;
	struct pxnft_gen g;
	pxm *m;
	buf out;
};

static int tn_plan_open(struct tn_plan *p, int family, const char *node)
{
	memset(p, 0, sizeof(*p));
	p->cfg.family = family;
	p->cfg.node_name = node;
	p->cfg.masq_mark = PXB_MASQ_MARK_DEFAULT;
	p->cfg.cluster_cidr = rt_cidr(family == AF_INET ? "10.244.0.0/16" : "fd00:244::/56");
	p->m = tpm_model(node, NULL);
	if (!p->m || pxnft_gen_init(&p->g, &p->cfg) < 0 || !(p->g.owner = dict_new()))
		return -1;
	return 0;
}

static void tn_plan_close(struct tn_plan *p)
{
	dict_free(p->g.owner, NULL);
	pxm_free(p->m);
	buf_free(&p->out);
}

/* The plan of one port, as text (owned by p). */
static const char *tn_plan_of(struct tn_plan *p, const char *key)
{
	const struct pxm_svcport *sp = pxm_get(p->m, key);

	buf_reset(&p->out);
	if (!sp || pxnft_plan(&p->g, sp, key, &p->out) < 0 || buf_cstr(&p->out) < 0)
		return "";
	return p->out.data;
}

/* What a shared chain id makes. */
static const char *tn_shared(struct tn_plan *p, const char *id)
{
	static buf b;
	struct pxnft_script s;
	struct pxnft_counts c = {0};

	buf_free(&b);
	if (pxnft_script_init(&s, &p->g.fam) < 0)
		return "";
	pxnft_shared_emit(&s, &p->g, id, false, &c);
	pxnft_script_finish(&s, &b);
	pxnft_script_free(&s);
	return b.data ? b.data : "";
}

#define CHECK_HAS(hay, needle)                                                                     \
	do {                                                                                       \
		const char *h_ = (hay);                                                            \
		if (!strstr(h_, needle)) {                                                         \
			unit_fail(__FILE__, __LINE__, "missing \"%s\" in:\n%s", needle, h_);       \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define CHECK_HASNT(hay, needle)                                                                   \
	do {                                                                                       \
		const char *h_ = (hay);                                                            \
		if (strstr(h_, needle)) {                                                          \
			unit_fail(__FILE__, __LINE__, "unexpected \"%s\" in:\n%s", needle, h_);    \
			return;                                                                    \
		}                                                                                  \
	} while (0)

UNIT_TEST(nft_names_are_kube_proxys)
{
	struct tn_plan p;
	const struct pxm_svcport *sp;
	char n[PXNFT_NAME_MAX];

	CHECK(tn_plan_open(&p, AF_INET, "n1") == 0);
	CHECK_INT(tpm_fmt(p.m, false,
	                  "{'metadata':{'namespace':'ns1','name':'svc1'},'spec':{'clusterIP':"
	                  "'172.30.0.41','ports':[{'name':'p80','port':80}]}}"),
	          1);
	CHECK_INT(tpm_fmt(p.m, true,
	                  "{'metadata':{'namespace':'ns1','name':'svc1-a','labels':{"
	                  "'kubernetes.io/service-name':'svc1'}},'addressType':'IPv4','ports':"
	                  "[{'name':'p80','port':80}],'endpoints':[{'addresses':['10.180.0.1']}]}"),
	          1);
	sp = pxm_get(p.m, "ns1/svc1:p80/TCP");
	CHECK(sp && sp->n_eps == 1);
	/* The examples of kube-proxy's nftables proxier. */
	pxnft_port_name(n, "service-", sp, NULL);
	CHECK_STR(n, "service-ULMVA6XW-ns1/svc1/tcp/p80");
	pxnft_port_name(n, "endpoint-", sp, &sp->eps[0]);
	CHECK_STR(n, "endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80");
	tn_plan_close(&p);
}

/* The hairpin set holds only endpoints that can meet themselves through
 * this node: its own, and those of unknown node (no nodeName); at 10,000
 * Services over 100 nodes that is 1,000 elements instead of 100,000. */
UNIT_TEST(nft_plan_hairpin_local_only)
{
	struct tn_plan p;
	const char *pl;

	CHECK(tn_plan_open(&p, AF_INET, "n1") == 0);
	CHECK_INT(tn_svc(p.m, "web", "10.96.0.10", 80, "TCP", ""), 1);
	CHECK_INT(
	    tn_slice(p.m, "web", AF_INET, 8080, "TCP",
	             EPJ("10.1.0.1", "n2") "," EPJ(
	                 "10.1.0.2", "n3") ","
	                                   "{'addresses':['10.1.0.3']}," EPJ("10.1.0.4", "n1")),
	    1);
	pl = tn_plan_of(&p, "ns/web:p/TCP");
	CHECK_HASNT(pl, "H 10.1.0.1");
	CHECK_HASNT(pl, "H 10.1.0.2");
	CHECK_HAS(pl, "H 10.1.0.3\n");
	CHECK_HAS(pl, "H 10.1.0.4\n");
	tn_plan_close(&p);
}

UNIT_TEST(nft_plan_cluster_ip_and_no_endpoints)
{
	struct tn_plan p;
	const char *pl;

	CHECK(tn_plan_open(&p, AF_INET, "n1") == 0);
	CHECK_INT(tn_svc(p.m, "web", "10.96.0.10", 80, "TCP", ""), 1);
	CHECK_INT(tn_slice(p.m, "web", AF_INET, 8080, "TCP",
	                   EPJ("10.1.0.1", "n1") "," EPJ("10.1.0.2", "n2")),
	          1);
	CHECK_INT(tn_svc(p.m, "none", "10.96.0.11", 53, "UDP", ""), 1);
	CHECK_INT(tn_svc(p.m, "sctp", "10.96.0.12", 9, "SCTP", ""), 1);
	CHECK_INT(tn_slice(p.m, "sctp", AF_INET, 99, "SCTP", EPJ("10.1.0.3", "n2")), 1);

	pl = tn_plan_of(&p, "ns/web:p/TCP");
	CHECK_HAS(pl, "D 10.96.0.10 . tcp . 80\n");
	CHECK_HAS(pl, "E service-ips 10.96.0.10 . tcp . 80 : goto internal-cluster-2\n");
	CHECK_HAS(pl, "E endpoint-ips-cluster-2-tcp 10.96.0.10 . 80 . 0 : 10.1.0.1 . 8080\n");
	CHECK_HAS(pl, "E endpoint-ips-cluster-2-tcp 10.96.0.10 . 80 . 1 : 10.1.0.2 . 8080\n");
	CHECK_HAS(pl, "X ic2\n");
	/* Only this node's endpoint can meet itself here. */
	CHECK_HAS(pl, "H 10.1.0.1\n");
	CHECK_HASNT(pl, "H 10.1.0.2");
	CHECK_HASNT(pl, "C ");

	pl = tn_plan_of(&p, "ns/none:p/UDP");
	CHECK_STR(pl, "D 10.96.0.11 . udp . 53\n"
	              "E no-endpoint-services 10.96.0.11 . udp . 53 : goto reject-chain\n");
	pl = tn_plan_of(&p, "ns/sctp:p/SCTP");
	CHECK_HAS(pl, "E endpoint-ips-cluster-1-sctp 10.96.0.12 . 9 . 0 : 10.1.0.3 . 99\n");

	/* A destination already claimed (here by the same key again) gets nothing. */
	CHECK_STR(tn_plan_of(&p, "ns/web:p/TCP"), "");

	pl = tn_shared(&p, "ic2");
	CHECK_HAS(pl, "add rule ip svcnet internal-cluster-2 ip saddr != 10.244.0.0/16 jump "
	              "mark-for-masquerade\n");
	CHECK_HAS(pl, "add rule ip svcnet internal-cluster-2 goto endpoints-cluster-2\n");
	pl = tn_shared(&p, "dc2");
	CHECK_HAS(pl,
	          "add map ip svcnet endpoint-ips-cluster-2-udp { typeof ip daddr . udp dport . "
	          "numgen random mod 1 : ip daddr . udp dport; }");
	CHECK_HAS(pl, "endpoints-cluster-2 meta l4proto udp dnat ip to ip daddr . udp dport . "
	              "numgen random mod 2 map @endpoint-ips-cluster-2-udp\n");
	CHECK_HAS(pl, "endpoints-cluster-2 meta l4proto sctp dnat ip to sctp dport . numgen random "
	              "mod 2 map @endpoint-nodeports-cluster-2-sctp\n");
	tn_plan_close(&p);
}

UNIT_TEST(nft_plan_affinity)
{
	struct tn_plan p;
	const char *pl;

	CHECK(tn_plan_open(&p, AF_INET, "n1") == 0);
	CHECK_INT(tn_svc(p.m, "aff", "10.96.0.20", 80, "TCP",
	                 ",'sessionAffinity':'ClientIP','sessionAffinityConfig':{'clientIP':{"
	                 "'timeoutSeconds':60}}"),
	          1);
	CHECK_INT(tn_slice(p.m, "aff", AF_INET, 8080, "TCP",
	                   EPJ("10.1.0.1", "n1") "," EPJ("10.1.0.2", "n2")),
	          1);
	pl = tn_plan_of(&p, "ns/aff:p/TCP");
	/* kube-proxy's own chains: the service picks by affinity first. */
	CHECK_HAS(pl, "E service-ips 10.96.0.20 . tcp . 80 : goto service-");
	CHECK_HAS(pl, "-ns/aff/tcp/p\nR ip daddr 10.96.0.20 tcp dport 80 ip saddr != "
	              "10.244.0.0/16 jump mark-for-masquerade\nR ip saddr @affinity-");
	CHECK_HAS(pl, "-ns/aff/tcp/p__10.1.0.1/8080 goto endpoint-");
	CHECK_HAS(pl, "R numgen random mod 2 vmap { 0 : goto endpoint-");
	CHECK_HAS(pl, "-ns/aff/tcp/p__10.1.0.2/8080\nR ip saddr 10.1.0.2 jump mark-for-masquerade\n"
	              "R update @affinity-");
	CHECK_HAS(pl, "-ns/aff/tcp/p__10.1.0.2/8080 { ip saddr }\nR meta l4proto tcp dnat to "
	              "10.1.0.2:8080\n");
	CHECK_HAS(pl, "S affinity-");
	CHECK_HAS(pl, "-ns/aff/tcp/p__10.1.0.1/8080 60\n");
	CHECK_HASNT(pl, "X ");
	CHECK_HASNT(pl, "endpoint-ips-");
	tn_plan_close(&p);
}

UNIT_TEST(nft_plan_etp_local_nodeport)
{
	struct tn_plan p;
	const char *pl;

	CHECK(tn_plan_open(&p, AF_INET, "n1") == 0);
	CHECK_INT(tpm_fmt(p.m, false,
	                  "{'metadata':{'namespace':'ns','name':'np'},'spec':{'type':'NodePort',"
	                  "'clusterIP':'10.96.0.30','externalTrafficPolicy':'Local','ports':[{"
	                  "'name':'p','port':80,'nodePort':30080}]}}"),
	          1);
	CHECK_INT(tn_slice(p.m, "np", AF_INET, 8080, "TCP",
	                   EPJ("10.1.0.1", "n1") "," EPJ("10.1.0.2", "n2")),
	          1);
	pl = tn_plan_of(&p, "ns/np:p/TCP");
	CHECK_HAS(pl, "E service-ips 10.96.0.30 . tcp . 80 : goto internal-cluster-2\n");
	CHECK_HAS(pl, "E service-nodeports tcp . 30080 : goto external-local-2-1\n");
	CHECK_HAS(pl, "E endpoint-nodeports-local-1-tcp 30080 . 0 : 10.1.0.1 . 8080\n");
	/* Short-circuited traffic of the node and its Pods uses all endpoints. */
	CHECK_HAS(pl, "E endpoint-nodeports-cluster-2-tcp 30080 . 1 : 10.1.0.2 . 8080\n");
	CHECK_HAS(pl, "X el2-1\n");
	CHECK_HASNT(pl, "no-endpoint");
	pl = tn_shared(&p, "el2-1");
	CHECK_HAS(pl, "external-local-2-1 ip saddr 10.244.0.0/16 goto endpoints-cluster-2\n");
	CHECK_HAS(pl, "external-local-2-1 fib saddr type local jump mark-for-masquerade\n");
	CHECK_HAS(pl, "external-local-2-1 fib saddr type local goto endpoints-cluster-2\n");
	CHECK_HAS(pl, "external-local-2-1 goto endpoints-local-1\n");
	CHECK_HASNT(pl, "external-local-2-1 jump mark-for-masquerade\n");

	/* No local endpoint: external traffic dropped, not rejected. */
	CHECK_INT(tn_slice(p.m, "np", AF_INET, 8080, "TCP", EPJ("10.1.0.2", "n2")), 1);
	dict_free(p.g.owner, NULL);
	p.g.owner = dict_new();
	pl = tn_plan_of(&p, "ns/np:p/TCP");
	CHECK_HAS(pl, "E service-nodeports tcp . 30080 : goto external-local-1-0\n");
	CHECK_HAS(pl, "E no-endpoint-nodeports tcp . 30080 : drop\n");
	pl = tn_shared(&p, "el1-0");
	CHECK_HASNT(pl, "endpoints-local");
	/* eTP Cluster: every external packet masqueraded. */
	pl = tn_shared(&p, "ec3");
	CHECK_HAS(pl, "external-cluster-3 jump mark-for-masquerade\n");
	tn_plan_close(&p);
}

UNIT_TEST(nft_plan_internal_local_and_masquerade_all)
{
	struct tn_plan p;
	const char *pl;

	CHECK(tn_plan_open(&p, AF_INET, "n1") == 0);
	CHECK_INT(tn_svc(p.m, "itp", "10.96.0.60", 80, "TCP",
	                 ",'internalTrafficPolicy':'Local','externalIPs':['192.0.2.60']"),
	          1);
	CHECK_INT(tn_slice(p.m, "itp", AF_INET, 8080, "TCP",
	                   EPJ("10.1.0.1", "n1") "," EPJ("10.1.0.2", "n2")),
	          1);
	pl = tn_plan_of(&p, "ns/itp:p/TCP");
	/* Cluster IP: this node's endpoint only; the external IP: all of them. */
	CHECK_HAS(pl, "E service-ips 10.96.0.60 . tcp . 80 : goto internal-local-1\n");
	CHECK_HAS(pl, "E endpoint-ips-local-1-tcp 10.96.0.60 . 80 . 0 : 10.1.0.1 . 8080\n");
	CHECK_HAS(pl, "E service-ips 192.0.2.60 . tcp . 80 : goto external-cluster-2\n");
	CHECK_HASNT(pl, "endpoint-ips-cluster-2-tcp 10.96.0.60");

	/* No local endpoint: the cluster IP drops (endpoints exist elsewhere). */
	CHECK_INT(tn_slice(p.m, "itp", AF_INET, 8080, "TCP", EPJ("10.1.0.2", "n2")), 1);
	dict_free(p.g.owner, NULL);
	p.g.owner = dict_new();
	pl = tn_plan_of(&p, "ns/itp:p/TCP");
	CHECK_HAS(pl, "E no-endpoint-services 10.96.0.60 . tcp . 80 : drop\n");
	CHECK_HAS(pl, "E service-ips 192.0.2.60 . tcp . 80 : goto external-cluster-1\n");

	/* masqueradeAll, or no Pod range known: every source. */
	p.cfg.masquerade_all = true;
	dict_free(p.g.owner, NULL);
	CHECK(pxnft_gen_init(&p.g, &p.cfg) == 0);
	p.g.owner = dict_new();
	CHECK(p.g.owner);
	CHECK_HAS(tn_shared(&p, "ic1"), "add rule ip svcnet internal-cluster-1 jump "
	                                "mark-for-masquerade\n");
	tn_plan_close(&p);
}

UNIT_TEST(nft_plan_lb_source_ranges_and_external_ips)
{
	struct tn_plan p;
	const char *pl;

	CHECK(tn_plan_open(&p, AF_INET, "n1") == 0);
	CHECK_INT(tpm_fmt(p.m, false,
	                  "{'metadata':{'namespace':'ns','name':'lb'},'spec':{'type':"
	                  "'LoadBalancer','clusterIP':'10.96.0.40','externalIPs':['192.0.2.7',"
	                  "'2001:db8::7','198.51.100.1'],'ports':[{'name':'p','port':443,"
	                  "'nodePort':30443}],"
	                  "'loadBalancerSourceRanges':['10.0.0.0/8','10.1.0.0/16','192.168.1.0/"
	                  "24','fd00::/64']},'status':{'loadBalancer':{'ingress':[{'ip':"
	                  "'198.51.100.1'}]}}}"),
	          1);
	pl = tn_plan_of(&p, "ns/lb:p/TCP");
	/* No endpoints at all: every destination rejects. */
	CHECK_HAS(pl, "E no-endpoint-services 198.51.100.1 . tcp . 443 : goto reject-chain\n");
	CHECK_HAS(pl, "E no-endpoint-services 192.0.2.7 . tcp . 443 : goto reject-chain\n");
	CHECK_HAS(pl, "E no-endpoint-nodeports tcp . 30443 : goto reject-chain\n");
	/* 198.51.100.1 is an external IP too: its source ranges still apply. */
	CHECK_HAS(pl, "E firewall-ips 198.51.100.1 . tcp . 443 : goto firewall-source-check\n");
	CHECK_HAS(pl, "E firewall-allow 198.51.100.1 . tcp . 443 . 10.0.0.0/8\n");
	CHECK_HAS(pl, "E firewall-allow 198.51.100.1 . tcp . 443 . 192.168.1.0/24\n");
	/* Nested ranges would overlap in the interval set; other families stay out. */
	CHECK_HASNT(pl, "10.1.0.0/16");
	CHECK_HASNT(pl, "fd00::");
	CHECK_HASNT(pl, "2001:db8");
	/* External IPs have no source ranges. */
	CHECK_HASNT(pl, "firewall-ips 192.0.2.7");
	tn_plan_close(&p);
}

UNIT_TEST(nft_plan_ipv6_and_base)
{
	struct tn_plan p;
	struct pxnft_script s;
	struct pxnft_counts c = {0};
	buf b = BUF_INIT;
	const char *pl;

	CHECK(tn_plan_open(&p, AF_INET6, "n1") == 0);
	CHECK_INT(tpm_fmt(p.m, false,
	                  "{'metadata':{'namespace':'ns','name':'v6'},'spec':{'clusterIPs':["
	                  "'10.96.0.50','fd00:96::50'],'ports':[{'name':'p','port':80}]}}"),
	          1);
	CHECK_INT(tn_slice(p.m, "v6", AF_INET6, 8080, "TCP", EPJ("fd00:1::1", "n1")), 1);
	pl = tn_plan_of(&p, "ns/v6:p/TCP");
	CHECK_HAS(pl, "E endpoint-ips-cluster-1-tcp fd00:96::50 . 80 . 0 : fd00:1::1 . 8080\n");
	CHECK_HASNT(pl, "10.96.0.50");
	CHECK_HAS(tn_shared(&p, "ic1"), "ip6 saddr != fd00:244::/56 jump mark-for-masquerade");
	CHECK_HAS(tn_shared(&p, "dc1"),
	          "meta l4proto tcp dnat ip6 to ip6 daddr . tcp dport . numgen");

	CHECK(pxnft_script_init(&s, &p.g.fam) == 0);
	pxnft_emit_base(&s, &p.g, false, &c);
	CHECK(pxnft_script_finish(&s, &b) == 0);
	CHECK_HAS(b.data, "add table ip6 svcnet\n");
	CHECK_HAS(b.data, "add map ip6 svcnet service-ips { type ipv6_addr . inet_proto . "
	                  "inet_service : verdict; }\n");
	CHECK_HAS(b.data, "add map ip6 svcnet service-nodeports { type inet_proto . inet_service "
	                  ": verdict; }\n");
	CHECK_HAS(b.data, "add rule ip6 svcnet services fib daddr type local ip6 daddr != ::1 "
	                  "meta l4proto . th dport vmap @service-nodeports\n");
	CHECK_HAS(b.data, "add chain ip6 svcnet nat-output { type nat hook output priority -100; "
	                  "policy accept; }\n");
	CHECK_HAS(b.data, "add rule ip6 svcnet masquerading ip6 saddr . ip6 daddr @hairpin jump "
	                  "mark-for-masquerade\n");
	CHECK_HAS(b.data, "add rule ip6 svcnet masquerading masquerade fully-random\n");
	CHECK_HAS(b.data, "add chain ip6 svcnet canary\n");
	CHECK(c.rules > 20 && c.chains == 17);
	buf_free(&b);
	pxnft_script_free(&s);
	tn_plan_close(&p);
}

/* ---- traffic ---- */

struct tn_listeners {
	int tcp[2], udp[2];
};

static int tn_listen_all(struct tn_listeners *l, const char *e1, const char *e2)
{
	T((l->tcp[0] = tn_sock(SOCK_STREAM, e1, 8080)) >= 0);
	T((l->tcp[1] = tn_sock(SOCK_STREAM, e2, 8080)) >= 0);
	T((l->udp[0] = tn_sock(SOCK_DGRAM, e1, 5353)) >= 0);
	T((l->udp[1] = tn_sock(SOCK_DGRAM, e2, 5353)) >= 0);
	return 0;
}

static void tn_unlisten(struct tn_listeners *l)
{
	for (int i = 0; i < 2; i++) {
		close(l->tcp[i]);
		close(l->udp[i]);
	}
}

/* The v4 services of the traffic test. */
static int tn_v4_services(struct tn *t)
{
	T(tn_svc(t->m, "web", "198.18.200.1", 80, "TCP", "") == 1);
	T(tn_slice(t->m, "web", AF_INET, 8080, "TCP", EPJ(EP1, "n1") "," EPJ(EP2, "n1")) == 1);
	T(tn_svc(t->m, "empty", "198.18.200.2", 80, "TCP", "") == 1);
	T(tn_svc(t->m, "dns", "198.18.200.3", 53, "UDP", "") == 1);
	T(tn_slice(t->m, "dns", AF_INET, 5353, "UDP", EPJ(EP1, "n1")) == 1);
	T(tn_svc(t->m, "udpempty", "198.18.200.4", 53, "UDP", "") == 1);
	T(tpm_fmt(
	      t->m, false,
	      "{'metadata':{'namespace':'ns','name':'np'},'spec':{'type':'NodePort',"
	      "'clusterIP':'198.18.200.5','ports':[{'name':'p','port':80,'nodePort':30080}]}}") ==
	  1);
	T(tn_slice(t->m, "np", AF_INET, 8080, "TCP", EPJ(EP2, "n2")) == 1);
	T(tn_svc(t->m, "sctp", "198.18.200.9", 80, "SCTP", "") == 1);
	T(tn_slice(t->m, "sctp", AF_INET, 8080, "SCTP", EPJ(EP2, "n2")) == 1);
	return 0;
}

/* Both endpoints of "web" are used, each connection reaching one. */
static int tn_spread(const char *src, const char *svc, const struct tn_listeners *l, int want)
{
	int hits[2] = {0, 0};

	for (int i = 0; i < 24; i++) {
		int w = tn_tcp(src, svc, 80, l->tcp, 2);

		T(w == 0 || w == 1);
		hits[w]++;
	}
	if (want < 0)
		T(hits[0] > 0 && hits[1] > 0);
	else
		T(hits[want] == 24);
	return 0;
}

static int tn_traffic_v4(void)
{
	struct tn_listeners l;
	struct tn t;
	double t0;
	int decoy[2];

	T(tn_net() == 0);
	T(tn_listen_all(&l, EP1, EP2) == 0);
	/* Without the rules these would accept: a refusal comes from the rules. */
	T((decoy[0] = tn_sock(SOCK_STREAM, DECOY4, 80)) >= 0);
	T((decoy[1] = tn_sock(SOCK_DGRAM, "198.18.200.4", 53)) >= 0);
	/* Clients are outside the Pod range: their traffic is masqueraded. */
	T(tn_open(&t, AF_INET, "198.18.201.0/24") == 0);
	T(tn_v4_services(&t) == 0);
	T(tn_sync(&t, true) == 0);
	T(t.res.rules > 0 && t.res.chains > 0 && t.res.elements > 0 && t.res.written > 0);
	T(pxb_nft_ops.canary_ok(t.b) == 1);

	T(tn_spread(CLIENT, "198.18.200.1", &l, -1) == 0);
	/* No endpoints: refused at once, TCP by a reset, UDP by ICMP. */
	t0 = tn_now();
	T(tn_tcp(CLIENT, "198.18.200.2", 80, l.tcp, 2) == -ECONNREFUSED);
	T(tn_now() - t0 < 0.5);
	T(tn_udp(CLIENT, "198.18.200.4", 53, l.udp, 2) == -ECONNREFUSED);
	T(tn_udp(CLIENT, "198.18.200.3", 53, l.udp, 2) == 0);
	/* A node port on a local address, not on loopback. */
	T(tn_tcp(CLIENT, NODE, 30080, l.tcp, 2) == 1);
	T(tn_tcp("127.0.0.1", "127.0.0.1", 30080, l.tcp, 2) == -ECONNREFUSED);
	/* A cluster IP port that no Service has is not translated. */
	T(tn_tcp(CLIENT, "198.18.200.1", 81, l.tcp, 2) == -ETIMEDOUT);

	/* An endpoint goes: a partial sync, and only EP2 answers. */
	T(tn_slice(t.m, "web", AF_INET, 8080, "TCP", EPJ(EP2, "n1")) == 1);
	T(tn_sync(&t, false) == 0);
	T(t.res.written > 0 && t.res.written < 12);
	T(tn_spread(CLIENT, "198.18.200.1", &l, 1) == 0);
	/* ... and comes back; the other Service is untouched. */
	T(tn_slice(t.m, "web", AF_INET, 8080, "TCP", EPJ(EP1, "n1") "," EPJ(EP2, "n1")) == 1);
	T(tn_sync(&t, false) == 0);
	T(tn_spread(CLIENT2, "198.18.200.1", &l, -1) == 0);
	T(tn_tcp(CLIENT, NODE, 30080, l.tcp, 2) == 1);
	/* Endpoints appear for a Service that had none; another one goes. */
	T(tn_slice(t.m, "empty", AF_INET, 8080, "TCP", EPJ(EP1, "n1")) == 1);
	T(tn_svc_delete(t.m, "dns") == 1);
	T(tn_sync(&t, false) == 0);
	T(tn_tcp(CLIENT, "198.18.200.2", 80, l.tcp, 2) == 0);
	T(tn_table("ip", "198.18.200.3") == 0);
	/* Nothing changed: nothing written. */
	T(tn_sync(&t, false) == 0);
	T(t.res.written == 0);

	tn_close(&t);
	tn_unlisten(&l);
	close(decoy[0]);
	close(decoy[1]);
	return 0;
}

UNIT_TEST(nft_traffic_v4_in_netns)
{
	RUN_IN_NETNS(tn_traffic_v4);
}

/* The source port the listener saw, and the client's own. */
static int tn_ports(int c, int a, int *mine, int *seen)
{
	struct sockaddr_storage x, y;
	socklen_t lx = sizeof(x), ly = sizeof(y);
	net_addr na;

	T(getsockname(c, (struct sockaddr *)&x, &lx) == 0);
	T(getpeername(a, (struct sockaddr *)&y, &ly) == 0);
	T(net_addr_from_sockaddr((struct sockaddr *)&x, &na, mine) == 0);
	T(net_addr_from_sockaddr((struct sockaddr *)&y, &na, seen) == 0);
	return 0;
}

/* Hairpin: an endpoint reaching itself through its Service is masqueraded,
 * else it would answer itself. On lo the node's address for it is its own,
 * so only the (fully random) source port tells. */
static int tn_hairpin(void)
{
	struct tn_listeners l;
	int c, a, mine, seen, moved = 0;
	struct tn t;

	T(tn_net() == 0);
	T(tn_listen_all(&l, EP1, EP2) == 0);
	/* The Pod range holds the clients: no masquerading but hairpin's. */
	T(tn_open(&t, AF_INET, "198.18.0.0/16") == 0);
	T(tn_svc(t.m, "self", "198.18.200.7", 80, "TCP", "") == 1);
	T(tn_slice(t.m, "self", AF_INET, 8080, "TCP", EPJ(EP1, "n1")) == 1);
	T(tn_sync(&t, true) == 0);
	T(tn_table("ip", "198.18.201.1 . 198.18.201.1") == 1);
	/* A random port may equal the client's by chance: 2 of 3 suffice. */
	for (int i = 0; i < 3; i++) {
		T((c = tn_client(SOCK_STREAM, EP1, "198.18.200.7", 80)) >= 0);
		T((a = accept(l.tcp[0], NULL, NULL)) >= 0);
		T(tn_ports(c, a, &mine, &seen) == 0);
		moved += mine != seen;
		close(a);
		close(c);
	}
	T(moved >= 2);
	/* Another client in the Pod range keeps its address and port. */
	T((c = tn_client(SOCK_STREAM, EP2, "198.18.200.7", 80)) >= 0);
	T((a = accept(l.tcp[0], NULL, NULL)) >= 0);
	T(tn_ports(c, a, &mine, &seen) == 0);
	T(mine == seen);
	close(a);
	close(c);
	tn_close(&t);
	tn_unlisten(&l);
	return 0;
}

UNIT_TEST(nft_hairpin_in_netns)
{
	RUN_IN_NETNS(tn_hairpin);
}

static int tn_traffic_v6(void)
{
	struct tn_listeners l;
	struct tn t;
	int decoy;

	T(tn_net() == 0);
	T(tn_listen_all(&l, EP1_6, EP2_6) == 0);
	T((decoy = tn_sock(SOCK_DGRAM, DECOY6, 53)) >= 0);
	T(tn_open(&t, AF_INET6, "fd00:201::/64") == 0);
	T(tpm_fmt(t.m, false,
	          "{'metadata':{'namespace':'ns','name':'web'},'spec':{'type':'NodePort',"
	          "'clusterIPs':['fd00:200::1'],'ports':[{'name':'p','port':80,'nodePort':"
	          "30080}]}}") == 1);
	T(tn_slice(t.m, "web", AF_INET6, 8080, "TCP", EPJ(EP1_6, "n1") "," EPJ(EP2_6, "n1")) == 1);
	T(tn_svc(t.m, "empty", "fd00:200::2", 53, "UDP", "") == 1);
	T(tn_svc(t.m, "aff", "fd00:200::3", 80, "TCP",
	         ",'sessionAffinity':'ClientIP','sessionAffinityConfig':{'clientIP':{"
	         "'timeoutSeconds':30}}") == 1);
	T(tn_slice(t.m, "aff", AF_INET6, 8080, "TCP", EPJ(EP1_6, "n1") "," EPJ(EP2_6, "n1")) == 1);
	T(tn_sync(&t, true) == 0);
	T(tn_spread(CLI_6, "fd00:200::1", &l, -1) == 0);
	T(tn_tcp(CLI_6, NODE_6, 30080, l.tcp, 2) >= 0);
	T(tn_tcp("::1", "::1", 30080, l.tcp, 2) == -ECONNREFUSED);
	T(tn_udp(CLI_6, "fd00:200::2", 53, l.udp, 2) == -ECONNREFUSED);
	{
		int first = tn_tcp(CLI_6, "fd00:200::3", 80, l.tcp, 2);

		T(first == 0 || first == 1);
		for (int i = 0; i < 10; i++)
			T(tn_tcp(CLI_6, "fd00:200::3", 80, l.tcp, 2) == first);
	}
	T(tn_slice(t.m, "web", AF_INET6, 8080, "TCP", EPJ(EP2_6, "n1")) == 1);
	T(tn_sync(&t, false) == 0);
	T(tn_spread(CLI_6, "fd00:200::1", &l, 1) == 0);
	/* A full sync over the table it made (maps and chains exist). */
	T(tn_sync(&t, true) == 0);
	T(tn_spread(CLI_6, "fd00:200::1", &l, 1) == 0);
	T(tn_table("ip6", "fd00:201::2 . fd00:201::2") == 1); /* hairpin */
	T(pxb_nft_ops.cleanup(&t.cfg, t.err, sizeof(t.err)) == 0);
	T(tn_listed("list tables", "ip6 svcnet") == 0);
	tn_close(&t);
	tn_unlisten(&l);
	close(decoy);
	return 0;
}

UNIT_TEST(nft_traffic_v6_in_netns)
{
	RUN_IN_NETNS(tn_traffic_v6);
}

/* ---- traffic from outside the node ---- */

#define OUT_NODE "198.18.210.1"
#define OUT_CLI  "198.18.210.2"
#define LB_IP    "198.18.220.1"

/* A second namespace, "outside", joined to this one by a veth pair and
 * routing the test ranges through it: its traffic takes the prerouting and
 * input hooks, as a client on another machine's would. */
static int tn_outside(int *nsfd)
{
	net_addr node = rt_ip(OUT_NODE), cli = rt_ip(OUT_CLI);
	net_cidr all = rt_cidr("198.18.0.0/16");
	rtnl *h = rtnl_open(), *o = NULL;
	int ns = rt_new_netns();

	T(h && ns >= 0);
	T_RC(h, rtnl_veth_add(h, "ext0", "ext1", ns, 0), 0);
	T_RC(h, rtnl_addr_add(h, "ext0", &node, 24, 0), 0);
	T_RC(h, rtnl_link_set_up(h, "ext0", 1), 0);
	T((o = rtnl_open_netns(ns)) != NULL);
	T_RC(o, rtnl_link_set_up(o, "lo", 1), 0);
	T_RC(o, rtnl_addr_add(o, "ext1", &cli, 24, 0), 0);
	T_RC(o, rtnl_link_set_up(o, "ext1", 1), 0);
	T_RC(o, rtnl_route_add(o, &all, &node, NULL, 0), 0);
	rtnl_close(o);
	rtnl_close(h);
	*nsfd = ns;
	return 0;
}

/* A connection from outside: the listener reached (and the source it saw
 * in peer), or -errno. */
static int tn_ext_tcp(int ns, const char *ip, int port, const int *l, int n, char *peer)
{
	net_addr a = rt_ip(ip);
	struct sockaddr_storage ss;
	socklen_t len;
	int s = rt_socket_in(ns, AF_INET, SOCK_STREAM), rc = 0, e = 0;
	struct pollfd p = {.fd = s, .events = POLLOUT};

	if (s < 0)
		return -EBADF;
	net_addr_to_sockaddr(&a, port, &ss, &len);
	fcntl(s, F_SETFL, O_NONBLOCK);
	if (connect(s, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS)
		rc = -errno;
	len = sizeof(e);
	if (!rc)
		rc = poll(&p, 1, 500) != 1                               ? -ETIMEDOUT
		     : getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &len) < 0 ? -errno
		                                                         : -e;
	if (!rc) {
		struct pollfd q[2];

		for (int i = 0; i < n; i++)
			q[i] = (struct pollfd){.fd = l[i], .events = POLLIN};
		rc = -1;
		if (poll(q, (nfds_t)n, 1000) > 0)
			for (int i = 0; i < n && rc < 0; i++)
				if (q[i].revents & POLLIN) {
					len = sizeof(ss);
					int c = accept(l[i], (struct sockaddr *)&ss, &len);

					if (c >= 0) {
						net_sockaddr_fmt(&ss, peer, 64);
						close(c);
					}
					rc = i;
				}
	}
	close(s);
	return rc;
}

static int tn_external(void)
{
	struct tn_listeners l;
	char peer[64] = "";
	struct tn t;
	int ns;

	T(tn_net() == 0);
	T(tn_outside(&ns) == 0);
	T(tn_listen_all(&l, EP1, EP2) == 0);
	T(tn_open(&t, AF_INET, "198.18.201.0/24") == 0);
	T(tn_v4_services(&t) == 0);
	T(tpm_fmt(t.m, false,
	          "{'metadata':{'namespace':'ns','name':'loc'},'spec':{'type':'NodePort',"
	          "'clusterIP':'198.18.200.11','externalTrafficPolicy':'Local','ports':[{'name':"
	          "'p','port':80,'nodePort':30082}]}}") == 1);
	T(tn_slice(t.m, "loc", AF_INET, 8080, "TCP", EPJ(EP1, "n1")) == 1);
	T(tpm_fmt(t.m, false,
	          "{'metadata':{'namespace':'ns','name':'far'},'spec':{'type':'NodePort',"
	          "'clusterIP':'198.18.200.12','externalTrafficPolicy':'Local','ports':[{'name':"
	          "'p','port':80,'nodePort':30083}]}}") == 1);
	T(tn_slice(t.m, "far", AF_INET, 8080, "TCP", EPJ(EP2, "n2")) == 1);
	T(tpm_fmt(t.m, false,
	          "{'metadata':{'namespace':'ns','name':'lb'},'spec':{'type':'LoadBalancer',"
	          "'clusterIP':'198.18.200.13','ports':[{'name':'p','port':80,'nodePort':30084}],"
	          "'loadBalancerSourceRanges':['198.18.210.0/24']},'status':{'loadBalancer':{"
	          "'ingress':[{'ip':'" LB_IP "'}]}}}") == 1);
	T(tn_slice(t.m, "lb", AF_INET, 8080, "TCP", EPJ(EP1, "n2")) == 1);
	T(tn_sync(&t, true) == 0);

	/* A cluster IP and a node port (eTP Cluster) reached from outside. */
	T(tn_ext_tcp(ns, "198.18.200.1", 80, l.tcp, 2, peer) >= 0);
	T(tn_ext_tcp(ns, NODE, 30080, l.tcp, 2, peer) == 1);
	/* eTP Local: the local endpoint, with the client's own address. */
	T(tn_ext_tcp(ns, NODE, 30082, l.tcp, 2, peer) == 0);
	T(strncmp(peer, OUT_CLI ":", strlen(OUT_CLI) + 1) == 0);
	/* eTP Local without a local endpoint: dropped from outside ... */
	T(tn_ext_tcp(ns, NODE, 30083, l.tcp, 2, peer) == -ETIMEDOUT);
	/* ... but the node itself short-circuits to the remote one. */
	T(tn_tcp(CLIENT, NODE, 30083, l.tcp, 2) == 1);
	/* loadBalancerSourceRanges: allowed, then not. */
	T(tn_ext_tcp(ns, LB_IP, 80, l.tcp, 2, peer) == 0);
	T(tpm_fmt(t.m, false,
	          "{'metadata':{'namespace':'ns','name':'lb'},'spec':{'type':'LoadBalancer',"
	          "'clusterIP':'198.18.200.13','ports':[{'name':'p','port':80,'nodePort':30084}],"
	          "'loadBalancerSourceRanges':['10.0.0.0/8']},'status':{'loadBalancer':{"
	          "'ingress':[{'ip':'" LB_IP "'}]}}}") == 1);
	T(tn_sync(&t, false) == 0);
	T(tn_ext_tcp(ns, LB_IP, 80, l.tcp, 2, peer) == -ETIMEDOUT);
	T(tn_ext_tcp(ns, NODE, 30084, l.tcp, 2, peer) == 0); /* node ports are not filtered */
	tn_close(&t);
	tn_unlisten(&l);
	close(ns);
	return 0;
}

UNIT_TEST(nft_external_clients_in_netns)
{
	RUN_IN_NETNS(tn_external);
}

/* ---- affinity ---- */

static int tn_affinity(void)
{
	struct tn_listeners l;
	struct tn t, t2;
	int first, second;

	T(tn_net() == 0);
	T(tn_listen_all(&l, EP1, EP2) == 0);
	T(tn_open(&t, AF_INET, "198.18.201.0/24") == 0);
	T(tn_svc(t.m, "aff", "198.18.200.6", 80, "TCP",
	         ",'sessionAffinity':'ClientIP','sessionAffinityConfig':{'clientIP':{"
	         "'timeoutSeconds':300}}") == 1);
	T(tn_slice(t.m, "aff", AF_INET, 8080, "TCP", EPJ(EP1, "n1") "," EPJ(EP2, "n1")) == 1);
	T(tn_v4_services(&t) == 0);
	T(tn_sync(&t, true) == 0);
	first = tn_tcp(CLIENT, "198.18.200.6", 80, l.tcp, 2);
	T(first == 0 || first == 1);
	for (int i = 0; i < 12; i++)
		T(tn_tcp(CLIENT, "198.18.200.6", 80, l.tcp, 2) == first);
	second = tn_tcp(CLIENT2, "198.18.200.6", 80, l.tcp, 2);
	for (int i = 0; i < 6; i++)
		T(tn_tcp(CLIENT2, "198.18.200.6", 80, l.tcp, 2) == second);
	/* The endpoint's affinity set holds the client (6.1 lists the element as
	 * "<ip> timeout 5m expires ...", newer kernels as "<ip> expires ..."). */
	T(tn_table("ip", CLIENT) == 1);
	T(tn_table("ip", " expires ") == 1);

	/* Another Service changes: the affinity holds. */
	T(tn_slice(t.m, "web", AF_INET, 8080, "TCP", EPJ(EP2, "n1")) == 1);
	T(tn_sync(&t, false) == 0);
	for (int i = 0; i < 4; i++)
		T(tn_tcp(CLIENT, "198.18.200.6", 80, l.tcp, 2) == first);

	/* A restarted proxy's full sync keeps what clients are bound to. */
	tn_close(&t);
	T(tn_open(&t2, AF_INET, "198.18.201.0/24") == 0);
	T(tn_svc(t2.m, "aff", "198.18.200.6", 80, "TCP",
	         ",'sessionAffinity':'ClientIP','sessionAffinityConfig':{'clientIP':{"
	         "'timeoutSeconds':300}}") == 1);
	T(tn_slice(t2.m, "aff", AF_INET, 8080, "TCP", EPJ(EP1, "n1") "," EPJ(EP2, "n1")) == 1);
	T(tn_sync(&t2, true) == 0);
	T(tn_table("ip", CLIENT) == 1);
	T(tn_table("ip", " expires ") == 1);
	for (int i = 0; i < 6; i++)
		T(tn_tcp(CLIENT, "198.18.200.6", 80, l.tcp, 2) == first);

	/* A new timeout makes the sets again (a kernel set keeps its timeout). */
	T(tn_svc(t2.m, "aff", "198.18.200.6", 80, "TCP",
	         ",'sessionAffinity':'ClientIP','sessionAffinityConfig':{'clientIP':{"
	         "'timeoutSeconds':200}}") == 1);
	T(tn_sync(&t2, false) == 0);
	T(tn_table("ip", "timeout 3m20s") == 1);
	first = tn_tcp(CLIENT, "198.18.200.6", 80, l.tcp, 2);
	for (int i = 0; i < 6; i++)
		T(tn_tcp(CLIENT, "198.18.200.6", 80, l.tcp, 2) == first);
	/* The endpoint a client is bound to goes: it moves to the other. */
	T(tn_slice(t2.m, "aff", AF_INET, 8080, "TCP", first ? EPJ(EP1, "n1") : EPJ(EP2, "n1")) ==
	  1);
	T(tn_sync(&t2, false) == 0);
	for (int i = 0; i < 4; i++)
		T(tn_tcp(CLIENT, "198.18.200.6", 80, l.tcp, 2) == !first);
	/* Affinity off: plain shared chains again, per-service ones gone. */
	T(tn_svc(t2.m, "aff", "198.18.200.6", 80, "TCP", "") == 1);
	T(tn_sync(&t2, false) == 0);
	T(tn_table("ip", "affinity-") == 0);
	T(tn_table("ip", "ns/aff/") == 0);
	T(tn_tcp(CLIENT, "198.18.200.6", 80, l.tcp, 2) == !first);
	tn_close(&t2);
	tn_unlisten(&l);
	return 0;
}

UNIT_TEST(nft_affinity_in_netns)
{
	RUN_IN_NETNS(tn_affinity);
}

/* ---- a full sync cleans up after others ---- */

static int tn_stale(void)
{
	struct tn_listeners l;
	struct tn t, t2;
	char err[256];

	T(tn_net() == 0);
	T(tn_listen_all(&l, EP1, EP2) == 0);
	/* An earlier process: two Services, one with affinity, one with 3 endpoints. */
	T(tn_open(&t, AF_INET, "198.18.201.0/24") == 0);
	T(tn_v4_services(&t) == 0);
	T(tn_svc(t.m, "gone", "198.18.200.8", 80, "TCP", ",'sessionAffinity':'ClientIP'") == 1);
	T(tn_slice(t.m, "gone", AF_INET, 8080, "TCP", EPJ(EP1, "n1")) == 1);
	T(tn_svc(t.m, "three", "198.18.200.10", 80, "TCP", "") == 1);
	T(tn_slice(t.m, "three", AF_INET, 8080, "TCP",
	           EPJ(EP1, "n1") "," EPJ(EP2, "n1") ",{'addresses':['198.18.201.3']}") == 1);
	T(tn_sync(&t, true) == 0);
	T(tn_tcp(CLIENT, "198.18.200.8", 80, l.tcp, 2) == 0);
	T(tn_table("ip", "ns/gone/") == 1);
	T(tn_table("ip", "endpoints-cluster-3") == 1);
	/* Someone else's rule in our table goes too. */
	T(nftrun_apply("add chain ip svcnet foreign\nadd rule ip svcnet foreign accept\n"
	               "add set ip svcnet foreign-set { type ipv4_addr; }\n",
	               err, sizeof(err)) == 0);
	tn_close(&t);

	T(tn_open(&t2, AF_INET, "198.18.201.0/24") == 0);
	T(tn_v4_services(&t2) == 0);
	T(tn_sync(&t2, true) == 0);
	T(tn_table("ip", "ns/gone/") == 0);
	T(tn_table("ip", "affinity-") == 0);
	T(tn_table("ip", "198.18.200.8") == 0);
	T(tn_table("ip", "endpoints-cluster-3") == 0);
	T(tn_table("ip", "foreign") == 0);
	T(tn_tcp(CLIENT, "198.18.200.8", 80, l.tcp, 2) == -ETIMEDOUT);
	T(tn_spread(CLIENT, "198.18.200.1", &l, -1) == 0);
	/* A full sync of the same state writes the same table again. */
	T(tn_sync(&t2, true) == 0);
	T(tn_spread(CLIENT, "198.18.200.1", &l, -1) == 0);
	T(pxb_nft_ops.canary_ok(t2.b) == 1);
	tn_close(&t2);
	tn_unlisten(&l);
	return 0;
}

UNIT_TEST(nft_full_sync_removes_stale_in_netns)
{
	RUN_IN_NETNS(tn_stale);
}

/* ---- the canary ---- */

static int tn_canary(void)
{
	struct tn_listeners l;
	char err[256];
	struct tn t;

	T(tn_net() == 0);
	T(tn_listen_all(&l, EP1, EP2) == 0);
	T(tn_open(&t, AF_INET, NULL) == 0);
	T(pxb_nft_ops.canary_ok(t.b) == 0); /* nothing made yet */
	T(tn_v4_services(&t) == 0);
	T(tn_sync(&t, true) == 0);
	T(pxb_nft_ops.canary_ok(t.b) == 1);
	T(nftrun_apply("delete table ip svcnet", err, sizeof(err)) == 0);
	T(pxb_nft_ops.canary_ok(t.b) == 0);
	T(tn_tcp(CLIENT, "198.18.200.1", 80, l.tcp, 2) == -ETIMEDOUT);
	/* What the backend believed is gone: a partial sync fails, a full one restores. */
	T(tn_slice(t.m, "web", AF_INET, 8080, "TCP", EPJ(EP1, "n1")) == 1);
	T(tn_sync(&t, false) < 0);
	T(tn_sync(&t, false) == -EINVAL); /* until a full sync */
	T(tn_sync(&t, true) == 0);
	T(pxb_nft_ops.canary_ok(t.b) == 1);
	T(tn_tcp(CLIENT, "198.18.200.1", 80, l.tcp, 2) == 0);

	T(nftrun_apply("flush ruleset", err, sizeof(err)) == 0);
	T(pxb_nft_ops.canary_ok(t.b) == 0);
	T(tn_sync(&t, true) == 0);
	T(pxb_nft_ops.canary_ok(t.b) == 1);
	T(tn_tcp(CLIENT, "198.18.200.1", 80, l.tcp, 2) == 0);

	/* cleanup: no table left, and nothing to do is no error. */
	T(pxb_nft_ops.cleanup(&t.cfg, t.err, sizeof(t.err)) == 0);
	T(tn_listed("list tables", "ip svcnet") == 0);
	T(pxb_nft_ops.cleanup(&t.cfg, t.err, sizeof(t.err)) == 0);
	T(pxb_nft_ops.canary_ok(t.b) == 0);
	T(tn_tcp(CLIENT, "198.18.200.1", 80, l.tcp, 2) == -ETIMEDOUT);
	tn_close(&t);
	tn_unlisten(&l);
	return 0;
}

UNIT_TEST(nft_canary_and_cleanup_in_netns)
{
	RUN_IN_NETNS(tn_canary);
}

/* ---- bad input ---- */

static int tn_bad(void)
{
	struct pxb_config cfg = {.family = AF_UNIX};
	struct pxb_result res;
	struct pxb_sync s = {0};
	struct pxm_change ch[2] = {{0}};
	char err[256];
	struct tn t;
	pxb *b = NULL;

	T(pxb_nft_ops.create(&cfg, &b, err, sizeof(err)) == -EINVAL && !b);
	T(pxb_nft_ops.create(NULL, &b, err, sizeof(err)) == -EINVAL);
	cfg.family = AF_INET;
	cfg.masq_mark = 0x4001;
	T(pxb_nft_ops.create(&cfg, &b, err, sizeof(err)) == -EINVAL);
	T(pxb_nft_ops.cleanup(NULL, err, sizeof(err)) == -EINVAL);
	T(pxb_nft_ops.canary_ok(NULL) == -EINVAL);
	pxb_nft_ops.free(NULL);

	T(tn_open(&t, AF_INET, NULL) == 0);
	T(pxb_nft_ops.sync(t.b, NULL, &res, err, sizeof(err)) == -EINVAL);
	T(pxb_nft_ops.sync(t.b, &s, &res, err, sizeof(err)) == -EINVAL); /* partial first */
	s.full = true;
	s.n_all = 3;
	T(pxb_nft_ops.sync(t.b, &s, &res, err, sizeof(err)) == -EINVAL);
	s.n_all = 0;
	T(pxb_nft_ops.sync(t.b, &s, NULL, err, sizeof(err)) == 0); /* an empty table */
	T(pxb_nft_ops.canary_ok(t.b) == 1);
	/* Changes without a key or a port, and one key twice. */
	s.full = false;
	s.ch = ch;
	s.n_ch = 2;
	T(pxb_nft_ops.sync(t.b, &s, &res, err, sizeof(err)) == 0);
	T(res.written == 0);

	/* Names nft would not read, and an externalIP given twice (also as an
	 * LB IP, and by another Service): one claim each, the sync applies. */
	T(tpm_fmt(t.m, false,
	          "{'metadata':{'namespace':'n s;{}','name':'x\\\"y'},'spec':{'clusterIP':"
	          "'198.18.200.20','ports':[{'name':'a b','port':80}],'sessionAffinity':"
	          "'ClientIP'}}") >= 0);
	T(tpm_fmt(t.m, false,
	          "{'metadata':{'namespace':'ns','name':'dup'},'spec':{'type':'LoadBalancer',"
	          "'clusterIP':'198.18.200.21','externalIPs':['192.0.2.1','192.0.2.1'],"
	          "'ports':[{'name':'p','port':80,'nodePort':30001}]},'status':{"
	          "'loadBalancer':{'ingress':[{'ip':'192.0.2.1'}]}}}") == 1);
	T(tpm_fmt(t.m, false,
	          "{'metadata':{'namespace':'ns','name':'dup2'},'spec':{'type':'NodePort',"
	          "'clusterIP':'198.18.200.21','externalIPs':['192.0.2.1'],"
	          "'ports':[{'name':'p','port':80,'nodePort':30001}]}}") == 1);
	T(tn_slice(t.m, "dup2", AF_INET, 8080, "TCP", EPJ(EP1, "n1")) == 1);
	T(tn_sync(&t, false) == 0);
	T(tn_sync(&t, true) == 0);
	T(tn_svc(t.m, "dup", "198.18.200.22", 80, "TCP", "") == 1);
	T(tn_sync(&t, false) == 0);
	T(pxb_nft_ops.cleanup(&t.cfg, err, sizeof(err)) == 0);
	tn_close(&t);
	return 0;
}

UNIT_TEST(nft_bad_input_in_netns)
{
	RUN_IN_NETNS(tn_bad);
}

/* ---- what a sync costs ---- */

/* The endpoints of Service i: eps addresses on other nodes, the last one
 * replaced by 10.250.0.<alt> when alt is not 0. */
static void tn_eps(char *e, size_t size, int i, int eps, int alt)
{
	size_t len = 0;

	for (int j = 0; j < eps; j++) {
		int k = i * eps + j;

		if (alt && j == eps - 1)
			len += (size_t)snprintf(e + len, size - len,
			                        "%s{'addresses':['10.250.0.%d'],'nodeName':'n2'}",
			                        j ? "," : "", alt);
		else
			len += (size_t)snprintf(
			    e + len, size - len, "%s{'addresses':['10.%d.%d.%d'],'nodeName':'n%d'}",
			    j ? "," : "", 128 + k / 65536, k / 256 % 256, k % 256, 2 + j);
	}
}

/* n Services "s<i>" with eps endpoints each. */
static int tn_many(struct tn *t, int n, int eps)
{
	char e[4096], name[16];

	for (int i = 0; i < n; i++) {
		tn_eps(e, sizeof(e), i, eps, 0);
		snprintf(name, sizeof(name), "s%d", i);
		T(tpm_fmt(t->m, false,
		          "{'metadata':{'namespace':'ns','name':'%s'},'spec':{'clusterIP':"
		          "'10.%d.%d.%d','ports':[{'name':'p','port':80}]}}",
		          name, 96 + i / 65536, i / 256 % 256, i % 256) == 1);
		T(tn_slice(t->m, name, AF_INET, 8080, "TCP", e) == 1);
	}
	return 0;
}

struct tn_cost {
	double full_s, again_s, change_ms;
	size_t written;
};

/* A full sync of n Services, one endpoint of one of them replaced again and
 * again (the best time of those partial syncs, and what each wrote), and a
 * full sync over the table as it is then. */
static int tn_one_change(int n, int eps, struct tn_cost *c)
{
	char e[4096];
	struct tn t;
	double t0;

	T(tn_open(&t, AF_INET, "10.128.0.0/9") == 0);
	T(tn_many(&t, n, eps) == 0);
	t0 = tn_now();
	T(tn_sync(&t, true) == 0);
	c->full_s = tn_now() - t0;
	c->change_ms = 1e9;
	for (int r = 0; r < 6; r++) {
		tn_eps(e, sizeof(e), 7, eps, 1 + r % 2);
		T(tn_slice(t.m, "s7", AF_INET, 8080, "TCP", e) == 1);
		t0 = tn_now();
		T(tn_sync(&t, false) == 0);
		if ((tn_now() - t0) * 1e3 < c->change_ms)
			c->change_ms = (tn_now() - t0) * 1e3;
		c->written = t.res.written;
	}
	t0 = tn_now();
	T(tn_sync(&t, true) == 0);
	c->again_s = tn_now() - t0;
	T(pxb_nft_ops.cleanup(&t.cfg, t.err, sizeof(t.err)) == 0);
	tn_close(&t);
	return 0;
}

static int tn_timing(void)
{
	bool bench = getenv("SVCNET_NFT_BENCH") && atoi(getenv("SVCNET_NFT_BENCH")) > 0;
	int sizes[3] = {20, 200, 600}, eps = 3;
	struct tn_cost c[3];

	if (bench) {
		sizes[0] = 1000;
		sizes[1] = 10000;
		sizes[2] = 30000;
		eps = 10;
	}
	for (int i = 0; i < 3; i++) {
		T(tn_one_change(sizes[i], eps, &c[i]) == 0);
		printf("    nft: %d services x %d endpoints: full sync %.3f s (again over it "
		       "%.3f s), one endpoint changed %.2f ms (%zu written)\n",
		       sizes[i], eps, c[i].full_s, c[i].again_s, c[i].change_ms, c[i].written);
	}
	/* What a change writes does not depend on the other Services. */
	T(c[0].written == c[1].written && c[1].written == c[2].written);
	return 0;
}

UNIT_TEST(nft_sync_timing_in_netns)
{
	RUN_IN_NETNS(tn_timing);
}

/* The forked apply: same transaction, same errors, in the caller's namespace. */
static int tn_isolated(void)
{
	char err[256] = "", *out = NULL;

	T(nftrun_apply_isolated("add table ip iso\nadd chain ip iso c\n", err, sizeof(err)) == 0);
	T(nftrun_list("list chain ip iso c", &out, err, sizeof(err)) == 0);
	free(out);
	err[0] = 0;
	T(nftrun_apply_isolated("add chain ip iso d\nadd rule ip iso d bogus\n", err,
	                        sizeof(err)) == -EINVAL);
	T(err[0] != 0);
	/* all or nothing: d was not made either */
	T(nftrun_list("list chain ip iso d", &out, err, sizeof(err)) == -ENOENT);
	T(nftrun_apply_isolated("delete table ip iso\n", err, sizeof(err)) == 0);
	return 0;
}

UNIT_TEST(nft_apply_isolated_in_netns)
{
	RUN_IN_NETNS(tn_isolated);
}
