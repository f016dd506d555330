/*
 * test_proxy_ipt.c - the iptables mode. First the restore text itself, rule
 * by rule against kube-proxy's; then the ops on real rules: each netns test
 * runs in a child's private network namespace (the iptables tools it runs
 * inherit it), with "endpoint" and node addresses on lo and a "service"
 * range (198.18.200.0/24, fd00:200::/64) routed out of a veth, so local TCP
 * and UDP sockets go through the nat OUTPUT chain's DNAT to listeners on lo.
 * (Not routed to lo: the kernel then takes the service address for a local
 * one and sends REJECT's ICMP error from it, which goes nowhere.)
 *
 * The tools are the ones on PATH: a directory of iptables-legacy links put
 * first tests the legacy variant. SVCNET_IPT_BIG=1 adds the 10,000-service
 * timing.
 */
#include "unit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

#include "lib/buf.h"
#include "proxy/backend.h"
#include "proxy/ipt_int.h"
#include "test_proxy_model.h"
#include "test_rtnl_helpers.h"

#define EP1  "198.18.201.1"
#define EP2  "198.18.201.2"
#define EP3  "198.18.201.3"
#define NODE "198.18.202.1"

/* ---- building the model ---- */

/* A Service from its spec's JSON fields (single quotes). */
static int tpi_svc(pxm *m, const char *ns_name, const char *spec)
{
	char j[2048], ns[64], name[64];

	sscanf(ns_name, "%63[^/]/%63s", ns, name);
	snprintf(j, sizeof(j), "{'metadata':{'namespace':'%s','name':'%s'},'spec':{%s}}", ns, name,
	         spec);
	return tpm_svc(m, j, 1);
}

/* A slice for Service ns/name: eps is "ip@node ip@node ..." (no "@": no
 * node); port_name names the Service port it serves. */
static int tpi_slice(pxm *m, const char *ns_name, const char *slice, const char *port_name,
                     int port, const char *proto, const char *eps)
{
	static char j[65536];
	char ns[64], name[64], ip[64], node[64], tok[160];
	const char *p = eps;
	size_t n;
	int k = 0, len;

	sscanf(ns_name, "%63[^/]/%63s", ns, name);
	len = snprintf(j, sizeof(j),
	               "{'metadata':{'namespace':'%s','name':'%s','labels':{'kubernetes.io/"
	               "service-name':'%s'}},'addressType':'%s','ports':[{'name':'%s','port':%d,"
	               "'protocol':'%s'}],'endpoints':[",
	               ns, slice, name, strchr(eps, ':') ? "IPv6" : "IPv4", port_name, port, proto);
	while (sscanf(p, "%159s%zn", tok, &n) == 1) {
		p += n;
		node[0] = '\0';
		sscanf(tok, "%63[^@]@%63s", ip, node);
		len += snprintf(j + len, sizeof(j) - (size_t)len, "%s{'addresses':['%s']%s%s%s}",
		                k++ ? "," : "", ip, node[0] ? ",'nodeName':'" : "", node,
		                node[0] ? "'" : "");
	}
	snprintf(j + len, sizeof(j) - (size_t)len, "]}");
	return tpm_slice(m, j, 1);
}

static const char *tpi_ep_hash(const struct pxm_svcport *sp, const char *ip)
{
	net_addr a = rt_ip(ip);

	for (size_t i = 0; sp && i < sp->n_eps; i++)
		if (!net_addr_cmp(&sp->eps[i].addr, &a))
			return sp->eps[i].hash;
	return "?";
}

/* The rendered full-sync text of every port of m. */
static int tpi_render(pxm *m, const struct pxipt_cfg *cfg, buf *out)
{
	const struct pxm_svcport **all = NULL;
	size_t n = 0;
	int rc = pxm_snapshot(m, &all, &n);

	if (rc == 0)
		rc = pxipt_render(cfg, all, n, out);
	free(all);
	if (rc == 0)
		rc = buf_cstr(out);
	return rc;
}

/* The "-A chain ..." lines of one table, in order, each with its newline. */
static const char *tpi_rules(const buf *text, const char *table, const char *chain)
{
	static char out[16384];
	char want[80];
	const char *p = text->data, *end = text->data + text->len;
	bool in = false;
	size_t len = 0, wl;

	out[0] = '\0';
	wl = (size_t)snprintf(want, sizeof(want), "-A %s ", chain);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		if (*p == '*')
			in = n - 1 == strlen(table) && !memcmp(p + 1, table, n - 1);
		else if (in && n >= wl && !memcmp(p, want, wl) && len + n + 2 < sizeof(out)) {
			memcpy(out + len, p, n);
			len += n;
			out[len++] = '\n';
			out[len] = '\0';
		}
		p = nl ? nl + 1 : end;
	}
	return out;
}

static bool tpi_has(const buf *text, const char *s)
{
	return text->data && strstr(text->data, s) != NULL;
}

static const struct pxipt_cfg tpi_cfg4 = {
    .family = AF_INET,
    .cluster_cidr = {.addr = {.family = AF_INET, .a = {10, 244}}, .prefix = 16},
    .mark = 0x4000,
};

/* ---- the restore text ---- */

UNIT_TEST(ipt_text_head)
{
	static const char head[] =
	    "*filter\n:KUBE-SERVICES - [0:0]\n:KUBE-EXTERNAL-SERVICES - [0:0]\n"
	    ":KUBE-FORWARD - [0:0]\n:KUBE-NODEPORTS - [0:0]\n:KUBE-PROXY-FIREWALL - [0:0]\n"
	    ":KUBE-PROXY-CANARY - [0:0]\n";
	pxm *m = tpm_model("n1", NULL);
	buf t = BUF_INIT;

	CHECK(m);
	CHECK_INT(tpi_render(m, &tpi_cfg4, &t), 0);
	CHECK_STR(tpi_rules(&t, "nat", "KUBE-POSTROUTING"),
	          "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n"
	          "-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000\n"
	          "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring "
	          "SNAT\" -j MASQUERADE --random-fully\n");
	CHECK_STR(tpi_rules(&t, "nat", "KUBE-MARK-MASQ"),
	          "-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\n");
	CHECK_STR(
	    tpi_rules(&t, "nat", "KUBE-SERVICES"),
	    "-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this "
	    "must be the last rule in this chain\" -m addrtype --dst-type LOCAL ! -d "
	    "127.0.0.0/8 -j KUBE-NODEPORTS\n");
	CHECK_STR(
	    tpi_rules(&t, "filter", "KUBE-FORWARD"),
	    "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP\n"
	    "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark "
	    "--mark 0x4000/0x4000 -j ACCEPT\n"
	    "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding conntrack rule\" -m "
	    "conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n");
	/* Every top-level chain and the three canaries, in the tables' order. */
	CHECK(!strncmp(t.data, head, strlen(head)));
	CHECK(tpi_has(&t, "COMMIT\n*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-NODEPORTS - [0:0]\n"
	                  ":KUBE-POSTROUTING - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n"
	                  ":KUBE-PROXY-CANARY - [0:0]\n"));
	CHECK(tpi_has(&t, "COMMIT\n*mangle\n:KUBE-PROXY-CANARY - [0:0]\nCOMMIT\n"));
	buf_free(&t);
	pxm_free(m);
}

/* Endpoint i of n with probability 1/(n-i), the last one without. */
UNIT_TEST(ipt_text_probabilities)
{
	static const char *const probs[] = {"0.2500000000", "0.3333333333", "0.5000000000"};
	pxm *m = tpm_model("n1", NULL);
	buf t = BUF_INIT;
	char name[32], want[4096], svc[32];

	CHECK(m);
	for (int n = 1; n <= 4; n++) {
		char spec[128], eps[256] = "";

		snprintf(name, sizeof(name), "ns/p%d", n);
		snprintf(spec, sizeof(spec), "'clusterIP':'10.43.0.%d','ports':[{'port':80}]", n);
		CHECK_INT(tpi_svc(m, name, spec), 1);
		for (int i = 1; i <= n; i++)
			snprintf(eps + strlen(eps), sizeof(eps) - strlen(eps), "10.1.%d.%d ", n, i);
		CHECK_INT(tpi_slice(m, name, name + 3, "", 8080, "TCP", eps), 1);
	}
	CHECK_INT(tpi_render(m, &tpi_cfg4, &t), 0);
	for (int n = 1; n <= 4; n++) {
		const struct pxm_svcport *sp;
		size_t len;
		char key[32];

		snprintf(key, sizeof(key), "ns/p%d:/TCP", n);
		sp = pxm_get(m, key);
		CHECK(sp);
		snprintf(svc, sizeof(svc), "KUBE-SVC-%s", sp->hash);
		len = (size_t)snprintf(
		    want, sizeof(want),
		    "-A %s -m comment --comment \"ns/p%d cluster IP\" -m tcp -p tcp "
		    "-d 10.43.0.%d --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ\n",
		    svc, n, n);
		for (int i = 1; i <= n; i++) {
			char ip[32], stat[128] = "";

			snprintf(ip, sizeof(ip), "10.1.%d.%d", n, i);
			if (i < n)
				snprintf(stat, sizeof(stat),
				         "-m statistic --mode random --probability %s ",
				         probs[4 - (n - i + 1)]);
			len += (size_t)snprintf(
			    want + len, sizeof(want) - len,
			    "-A %s -m comment --comment \"ns/p%d -> %s:8080\" %s-j "
			    "KUBE-SEP-%s\n",
			    svc, n, ip, stat, tpi_ep_hash(sp, ip));
		}
		CHECK_STR(tpi_rules(&t, "nat", svc), want);
	}
	buf_free(&t);
	pxm_free(m);
}

UNIT_TEST(ipt_text_affinity_and_endpoint_chains)
{
	pxm *m = tpm_model("n1", NULL);
	const struct pxm_svcport *sp;
	buf t = BUF_INIT;
	char want[4096], chain[32];
	const char *h1, *h2;

	CHECK(m);
	CHECK_INT(tpi_svc(m, "ns/aff",
	                  "'clusterIP':'10.43.0.10','ports':[{'name':'dns','port':53,'protocol':"
	                  "'UDP'}],'sessionAffinity':'ClientIP','sessionAffinityConfig':{"
	                  "'clientIP':{'timeoutSeconds':60}}"),
	          1);
	CHECK_INT(tpi_slice(m, "ns/aff", "aff-1", "dns", 5353, "UDP", "10.1.0.1 10.1.0.2"), 1);
	CHECK_INT(tpi_render(m, &tpi_cfg4, &t), 0);
	sp = pxm_get(m, "ns/aff:dns/UDP");
	CHECK(sp);
	h1 = tpi_ep_hash(sp, "10.1.0.1");
	h2 = tpi_ep_hash(sp, "10.1.0.2");
	snprintf(chain, sizeof(chain), "KUBE-SVC-%s", sp->hash);
	snprintf(want, sizeof(want),
	         "-A %s -m comment --comment \"ns/aff:dns cluster IP\" -m udp -p udp -d 10.43.0.10 "
	         "--dport 53 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ\n"
	         "-A %s -m comment --comment \"ns/aff:dns -> 10.1.0.1:5353\" -m recent --name "
	         "KUBE-SEP-%s --rcheck --seconds 60 --reap -j KUBE-SEP-%s\n"
	         "-A %s -m comment --comment \"ns/aff:dns -> 10.1.0.2:5353\" -m recent --name "
	         "KUBE-SEP-%s --rcheck --seconds 60 --reap -j KUBE-SEP-%s\n"
	         "-A %s -m comment --comment \"ns/aff:dns -> 10.1.0.1:5353\" -m statistic --mode "
	         "random --probability 0.5000000000 -j KUBE-SEP-%s\n"
	         "-A %s -m comment --comment \"ns/aff:dns -> 10.1.0.2:5353\" -j KUBE-SEP-%s\n",
	         chain, chain, h1, h1, chain, h2, h2, chain, h1, chain, h2);
	CHECK_STR(tpi_rules(&t, "nat", chain), want);
	snprintf(chain, sizeof(chain), "KUBE-SEP-%s", h1);
	snprintf(
	    want, sizeof(want),
	    "-A %s -m comment --comment \"ns/aff:dns\" -s 10.1.0.1 -j KUBE-MARK-MASQ\n"
	    "-A %s -m comment --comment \"ns/aff:dns\" -m recent --name %s --set -m udp -p udp "
	    "-j DNAT --to-destination 10.1.0.1:5353\n",
	    chain, chain, chain);
	CHECK_STR(tpi_rules(&t, "nat", chain), want);
	snprintf(want, sizeof(want),
	         "-A KUBE-SERVICES -m comment --comment \"ns/aff:dns cluster IP\" -m udp -p udp -d "
	         "10.43.0.10 --dport 53 -j KUBE-SVC-%s\n",
	         sp->hash);
	CHECK(strstr(tpi_rules(&t, "nat", "KUBE-SERVICES"), want));
	buf_free(&t);
	pxm_free(m);
}

#define SVC_LOCAL                                                                                  \
	"'type':'NodePort','clusterIP':'10.43.0.20','ports':[{'port':80,'nodePort':30080}],"       \
	"'externalTrafficPolicy':'Local','externalIPs':['192.0.2.7']"

/* eTP Local: external traffic to local endpoints only, the source kept;
 * the node and the Pods short-circuit to every endpoint. */
UNIT_TEST(ipt_text_external_local)
{
	pxm *m = tpm_model("n1", NULL);
	const struct pxm_svcport *sp;
	buf t = BUF_INIT;
	char want[4096], ext[32], svl[32];

	CHECK(m);
	CHECK_INT(tpi_svc(m, "ns/loc", SVC_LOCAL), 1);
	CHECK_INT(tpi_slice(m, "ns/loc", "loc-1", "", 8080, "TCP", "10.1.0.1@n1 10.1.0.2@n2"), 1);
	CHECK_INT(tpi_render(m, &tpi_cfg4, &t), 0);
	sp = pxm_get(m, "ns/loc:/TCP");
	CHECK(sp);
	snprintf(ext, sizeof(ext), "KUBE-EXT-%s", sp->hash);
	snprintf(svl, sizeof(svl), "KUBE-SVL-%s", sp->hash);
	snprintf(want, sizeof(want),
	         "-A %s -m comment --comment \"pod traffic for ns/loc external destinations\" -s "
	         "10.244.0.0/16 -j KUBE-SVC-%s\n"
	         "-A %s -m comment --comment \"masquerade LOCAL traffic for ns/loc external "
	         "destinations\" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ\n"
	         "-A %s -m comment --comment \"route LOCAL traffic for ns/loc external "
	         "destinations\" -m addrtype --src-type LOCAL -j KUBE-SVC-%s\n"
	         "-A %s -j %s\n",
	         ext, sp->hash, ext, ext, sp->hash, ext, svl);
	CHECK_STR(tpi_rules(&t, "nat", ext), want);
	snprintf(want, sizeof(want),
	         "-A %s -m comment --comment \"ns/loc -> 10.1.0.1:8080\" -j KUBE-SEP-%s\n", svl,
	         tpi_ep_hash(sp, "10.1.0.1"));
	CHECK_STR(tpi_rules(&t, "nat", svl), want);
	snprintf(want, sizeof(want),
	         "-A KUBE-NODEPORTS -m comment --comment \"ns/loc\" -m tcp -p tcp --dport 30080 -j "
	         "%s\n",
	         ext);
	CHECK_STR(tpi_rules(&t, "nat", "KUBE-NODEPORTS"), want);
	CHECK(strstr(tpi_rules(&t, "nat", "KUBE-SERVICES"),
	             "\"ns/loc external IP\" -m tcp -p tcp -d 192.0.2.7 --dport 80 -j KUBE-EXT-"));
	CHECK_STR(tpi_rules(&t, "filter", "KUBE-EXTERNAL-SERVICES"), "");

	/* No local endpoint: external traffic from elsewhere is dropped in
	 * filter, what the EXT chain short-circuits still goes through. */
	CHECK_INT(tpi_slice(m, "ns/loc", "loc-1", "", 8080, "TCP", "10.1.0.2@n2"), 1);
	CHECK_INT(tpi_render(m, &tpi_cfg4, &t), 0);
	sp = pxm_get(m, "ns/loc:/TCP");
	CHECK_STR(
	    tpi_rules(&t, "filter", "KUBE-EXTERNAL-SERVICES"),
	    "-A KUBE-EXTERNAL-SERVICES -m comment --comment \"ns/loc has no local endpoints\" "
	    "-m tcp -p tcp -d 192.0.2.7 --dport 80 -j DROP\n"
	    "-A KUBE-EXTERNAL-SERVICES -m comment --comment \"ns/loc has no local endpoints\" "
	    "-m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30080 -j DROP\n");
	CHECK(!tpi_has(&t, ":KUBE-SVL-"));
	CHECK(strstr(tpi_rules(&t, "nat", ext), "-j KUBE-SVC-"));
	CHECK(!strstr(tpi_rules(&t, "nat", ext), "-j KUBE-SVL-"));

	/* eTP Cluster: everything external is masqueraded. */
	CHECK_INT(tpi_svc(m, "ns/loc",
	                  "'type':'NodePort','clusterIP':'10.43.0.20','ports':[{'port':80,"
	                  "'nodePort':30080}]"),
	          1);
	CHECK_INT(tpi_render(m, &tpi_cfg4, &t), 0);
	sp = pxm_get(m, "ns/loc:/TCP");
	CHECK(sp);
	snprintf(want, sizeof(want),
	         "-A %s -m comment --comment \"masquerade traffic for ns/loc external "
	         "destinations\" -j KUBE-MARK-MASQ\n-A %s -j KUBE-SVC-%s\n",
	         ext, ext, sp->hash);
	CHECK_STR(tpi_rules(&t, "nat", ext), want);

	/* No endpoints anywhere: REJECT, and no nat chain of the port at all. */
	CHECK_INT(tpi_slice(m, "ns/loc", "loc-1", "", 8080, "TCP", ""), 1);
	CHECK_INT(tpi_render(m, &tpi_cfg4, &t), 0);
	CHECK_STR(tpi_rules(&t, "filter", "KUBE-SERVICES"),
	          "-A KUBE-SERVICES -m comment --comment \"ns/loc has no endpoints\" -m tcp -p tcp "
	          "-d 10.43.0.20 --dport 80 -j REJECT\n");
	CHECK_STR(tpi_rules(&t, "filter", "KUBE-EXTERNAL-SERVICES"),
	          "-A KUBE-EXTERNAL-SERVICES -m comment --comment \"ns/loc has no endpoints\" -m "
	          "addrtype --dst-type LOCAL -m tcp -p tcp --dport 30080 -j REJECT\n");
	CHECK(!tpi_has(&t, ":KUBE-SVC-") && !tpi_has(&t, ":KUBE-EXT-") &&
	      !tpi_has(&t, ":KUBE-SEP-"));
	CHECK_STR(tpi_rules(&t, "nat", "KUBE-NODEPORTS"), "");
	buf_free(&t);
	pxm_free(m);
}

/* iTP Local without a local endpoint: the cluster IP drops. */
UNIT_TEST(ipt_text_internal_local)
{
	pxm *m = tpm_model("n1", NULL);
	buf t = BUF_INIT;

	CHECK(m);
	CHECK_INT(tpi_svc(m, "ns/il",
	                  "'clusterIP':'10.43.0.30','ports':[{'port':80}],"
	                  "'internalTrafficPolicy':'Local'"),
	          1);
	CHECK_INT(tpi_slice(m, "ns/il", "il-1", "", 8080, "TCP", "10.1.0.2@n2"), 1);
	CHECK_INT(tpi_render(m, &tpi_cfg4, &t), 0);
	CHECK_STR(
	    tpi_rules(&t, "filter", "KUBE-SERVICES"),
	    "-A KUBE-SERVICES -m comment --comment \"ns/il has no local endpoints\" -m tcp -p "
	    "tcp -d 10.43.0.30 --dport 80 -j DROP\n");
	CHECK(!tpi_has(&t, ":KUBE-SVC-") && !tpi_has(&t, ":KUBE-SEP-"));
	CHECK_INT(tpi_slice(m, "ns/il", "il-1", "", 8080, "TCP", "10.1.0.1@n1 10.1.0.2@n2"), 1);
	CHECK_INT(tpi_render(m, &tpi_cfg4, &t), 0);
	CHECK(strstr(tpi_rules(&t, "nat", "KUBE-SERVICES"), "--dport 80 -j KUBE-SVL-"));
	CHECK(!tpi_has(&t, ":KUBE-SVC-"));
	CHECK(tpi_has(&t, "-j DNAT --to-destination 10.1.0.1:8080"));
	CHECK(!tpi_has(&t, "10.1.0.2:8080"));
	buf_free(&t);
	pxm_free(m);
}

UNIT_TEST(ipt_text_lb_source_ranges)
{
	pxm *m = tpm_model("n1", NULL);
	const struct pxm_svcport *sp;
	buf t = BUF_INIT;
	char want[4096], fw[32];

	CHECK(m);
	CHECK_INT(tpi_svc(m, "ns/lb",
	                  "'type':'LoadBalancer','clusterIP':'10.43.0.40','ports':[{'name':'http',"
	                  "'port':80,'nodePort':30081}],'externalTrafficPolicy':'Local',"
	                  "'healthCheckNodePort':32001,'loadBalancerSourceRanges':['10.0.0.0/8',"
	                  "'192.168.1.0/24','fd00::/64']},'status':{'loadBalancer':{'ingress':[{"
	                  "'ip':'198.51.100.1'}]}"),
	          1);
	CHECK_INT(tpi_slice(m, "ns/lb", "lb-1", "http", 8080, "TCP", "10.1.0.1@n1"), 1);
	CHECK_INT(tpi_render(m, &tpi_cfg4, &t), 0);
	sp = pxm_get(m, "ns/lb:http/TCP");
	CHECK(sp);
	snprintf(fw, sizeof(fw), "KUBE-FW-%s", sp->hash);
	snprintf(want, sizeof(want),
	         "-A %s -m comment --comment \"ns/lb:http loadbalancer IP\" -s 10.0.0.0/8 -j "
	         "KUBE-EXT-%s\n"
	         "-A %s -m comment --comment \"ns/lb:http loadbalancer IP\" -s 192.168.1.0/24 -j "
	         "KUBE-EXT-%s\n"
	         "-A %s -m comment --comment \"other traffic to ns/lb:http will be dropped by "
	         "KUBE-PROXY-FIREWALL\"\n",
	         fw, sp->hash, fw, sp->hash, fw);
	CHECK_STR(tpi_rules(&t, "nat", fw), want);
	snprintf(
	    want, sizeof(want),
	    "-A KUBE-SERVICES -m comment --comment \"ns/lb:http loadbalancer IP\" -m tcp -p tcp "
	    "-d 198.51.100.1 --dport 80 -j %s\n",
	    fw);
	CHECK(strstr(tpi_rules(&t, "nat", "KUBE-SERVICES"), want));
	snprintf(want, sizeof(want),
	         "-A KUBE-PROXY-FIREWALL -m comment --comment \"ns/lb:http traffic not accepted by "
	         "%s\" -m tcp -p tcp -d 198.51.100.1 --dport 80 -j DROP\n",
	         fw);
	CHECK_STR(tpi_rules(&t, "filter", "KUBE-PROXY-FIREWALL"), want);
	CHECK_STR(tpi_rules(&t, "filter", "KUBE-NODEPORTS"),
	          "-A KUBE-NODEPORTS -m comment --comment \"ns/lb:http health check node port\" -m "
	          "tcp -p tcp --dport 32001 -j ACCEPT\n");
	/* Node ports skip the source ranges, as in kube-proxy. */
	CHECK(strstr(tpi_rules(&t, "nat", "KUBE-NODEPORTS"), "--dport 30081 -j KUBE-EXT-"));
	buf_free(&t);
	pxm_free(m);
}

UNIT_TEST(ipt_text_ipv6_protocols_and_names)
{
	struct pxipt_cfg c6 = {.family = AF_INET6, .mark = 0x4000, .masquerade_all = false};
	pxm *m = tpm_model("n1", NULL);
	const struct pxm_svcport *sp;
	buf t = BUF_INIT;
	char want[1024];

	CHECK(m);
	CHECK_INT(tpi_svc(m, "ns/ds",
	                  "'clusterIPs':['10.43.0.50','fd00::50'],'ports':[{'name':'s','port':80,"
	                  "'protocol':'SCTP'}]"),
	          1);
	CHECK_INT(tpi_slice(m, "ns/ds", "ds-4", "s", 8080, "SCTP", "10.1.0.1"), 1);
	CHECK_INT(tpi_slice(m, "ns/ds", "ds-6", "s", 8080, "SCTP", "fd01::1"), 1);
	/* A name no API server would accept cannot break out of a comment. */
	CHECK_INT(tpm_svc(m,
	                  "{'metadata':{'namespace':'ns','name':'a\\\"b\\n-A X'},'spec':{"
	                  "'clusterIP':'fd00::51','ports':[{'port':80}]}}",
	                  1),
	          1);
	CHECK_INT(tpi_render(m, &c6, &t), 0);
	sp = pxm_get(m, "ns/ds:s/SCTP");
	CHECK(sp);
	snprintf(want, sizeof(want),
	         "-A KUBE-SEP-%s -m comment --comment \"ns/ds:s\" -m sctp -p sctp -j DNAT "
	         "--to-destination [fd01::1]:8080\n",
	         tpi_ep_hash(sp, "fd01::1"));
	CHECK(tpi_has(&t, want));
	/* Unknown cluster CIDR: every packet to the cluster IP is masqueraded. */
	CHECK(tpi_has(&t, "\"ns/ds:s cluster IP\" -m sctp -p sctp -d fd00::50 --dport 80 -j "
	                  "KUBE-MARK-MASQ\n"));
	CHECK(!tpi_has(&t, "10.1.0.1") && !tpi_has(&t, "10.43.0.50"));
	CHECK(tpi_has(&t, "-m addrtype --dst-type LOCAL ! -d ::1/128 -j KUBE-NODEPORTS\n"));
	CHECK(tpi_has(&t, "\"ns/a_b_-A_X has no endpoints\" -m tcp -p tcp -d fd00::51"));
	buf_free(&t);

	/* The same ports in IPv4, with masquerade_all and UDP. */
	c6.family = AF_INET;
	c6.masquerade_all = true;
	c6.cluster_cidr = tpi_cfg4.cluster_cidr;
	CHECK_INT(tpi_render(m, &c6, &t), 0);
	CHECK(tpi_has(&t, "-d 10.43.0.50 --dport 80 -j KUBE-MARK-MASQ\n"));
	CHECK(!tpi_has(&t, "fd0"));
	buf_free(&t);
	pxm_free(m);
}

/* More than 1,000 endpoints: kube-proxy's large-cluster mode drops the
 * per-endpoint comments. */
UNIT_TEST(ipt_text_large_cluster)
{
	pxm *m = tpm_model("n1", NULL);
	buf t = BUF_INIT;
	char eps[20000] = "", name[32], spec[128];

	CHECK(m);
	for (int i = 0; i < 1001; i++)
		snprintf(eps + strlen(eps), sizeof(eps) - strlen(eps), "10.2.%d.%d ", i / 250,
		         i % 250 + 1);
	for (int s = 0; s < 2; s++) {
		snprintf(name, sizeof(name), "ns/big%d", s);
		snprintf(spec, sizeof(spec), "'clusterIP':'10.43.1.%d','ports':[{'port':80}]", s);
		CHECK_INT(tpi_svc(m, name, spec), 1);
	}
	CHECK_INT(tpi_slice(m, "ns/big0", "big0", "", 80, "TCP", "10.3.0.1"), 1);
	CHECK_INT(tpi_render(m, &tpi_cfg4, &t), 0);
	CHECK(tpi_has(&t, "\"ns/big0 -> 10.3.0.1:80\""));
	CHECK_INT(tpi_slice(m, "ns/big1", "big1", "", 80, "TCP", eps), 1);
	CHECK_INT(tpi_render(m, &tpi_cfg4, &t), 0);
	CHECK(!tpi_has(&t, " -> "));
	CHECK(tpi_has(&t, "--probability 0.0009990010 -j KUBE-SEP-"));
	buf_free(&t);
	pxm_free(m);
}

UNIT_TEST(ipt_text_cleanup_and_jumps)
{
	static const char save[] =
	    "# Generated by iptables-save\n*nat\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
	    ":KUBE-SERVICES - [0:0]\n:KUBE-SVC-AAAAAAAAAAAAAAAA - [0:0]\n:KUBE-FIREWALL - [0:0]\n"
	    ":MINE - [0:0]\n"
	    "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
	    "-A OUTPUT -m comment --comment \"-j KUBE-SERVICES\" -j MINE\n"
	    "-A MINE -p tcp -j KUBE-SVC-AAAAAAAAAAAAAAAA\n"
	    "-A KUBE-SERVICES -j KUBE-SVC-AAAAAAAAAAAAAAAA\nCOMMIT\n";
	static const char mangle[] = "*mangle\n:INPUT ACCEPT [0:0]\nCOMMIT\n";
	buf out = BUF_INIT;

	CHECK_INT(pxipt_gen_cleanup("nat", save, strlen(save), true, &out), 2);
	CHECK_INT(buf_cstr(&out), 0);
	CHECK_STR(out.data, "*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-AAAAAAAAAAAAAAAA - [0:0]\n"
	                    "-D PREROUTING -m comment --comment \"kubernetes service portals\" -j "
	                    "KUBE-SERVICES\n"
	                    "-D MINE -p tcp -j KUBE-SVC-AAAAAAAAAAAAAAAA\n"
	                    "-X KUBE-SERVICES\n-X KUBE-SVC-AAAAAAAAAAAAAAAA\nCOMMIT\n");
	buf_reset(&out);
	CHECK_INT(pxipt_gen_cleanup("mangle", mangle, strlen(mangle), true, &out), 0);
	CHECK_INT(out.len, 0);

	/* Only the jumps that are missing are added, and only the targets
	 * that are missing declared. */
	buf_reset(&out);
	CHECK_INT(pxipt_gen_jumps("nat", save, strlen(save), &out), 5);
	CHECK_INT(buf_cstr(&out), 0);
	CHECK_STR(out.data, "*nat\n:KUBE-POSTROUTING - [0:0]\n"
	                    "-I OUTPUT -m comment --comment \"kubernetes service portals\" -j "
	                    "KUBE-SERVICES\n"
	                    "-I POSTROUTING -m comment --comment \"kubernetes postrouting "
	                    "rules\" -j KUBE-POSTROUTING\n"
	                    "COMMIT\n");
	buf_reset(&out);
	CHECK_INT(pxipt_gen_jumps("filter", "", 0, &out), 16);
	CHECK_INT(buf_cstr(&out), 0);
	CHECK(strstr(out.data, "*filter\n:KUBE-EXTERNAL-SERVICES - [0:0]\n:KUBE-NODEPORTS - [0:0]\n"
	                       ":KUBE-SERVICES - [0:0]\n:KUBE-FORWARD - [0:0]\n"
	                       ":KUBE-PROXY-FIREWALL - [0:0]\n-I INPUT -m conntrack --ctstate NEW "
	                       "-m comment --comment \"kubernetes externally-visible service "
	                       "portals\" -j KUBE-EXTERNAL-SERVICES\n"));
	/* Once they are there, as iptables-save shows them, nothing is added. */
	for (char *p = out.data; (p = strstr(p, "\n-I ")); p++)
		p[2] = 'A';
	CHECK_INT(pxipt_gen_jumps("filter", out.data, out.len, &out), 0);
	buf_free(&out);
}

UNIT_TEST(ipt_tools_lookup)
{
	struct pxipt_tools t;
	char err[256] = "";

	CHECK_INT(pxipt_tools_find(AF_INET, "/nonexistent:/also-not", &t, err, sizeof(err)),
	          -ENOENT);
	CHECK(strstr(err, "iptables-restore not found"));
	CHECK_INT(pxipt_tools_find(AF_INET6, "", &t, err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, "ip6tables-restore"));
	if (pxipt_tools_find(AF_INET6, NULL, &t, err, sizeof(err)) < 0) {
		printf("    skip: %s\n", err);
		return;
	}
	CHECK(strstr(t.restore, "/ip6tables-restore") && strstr(t.save, "/ip6tables-save"));
}

/* A child gets its input, its outputs, and none of our descriptors. */
UNIT_TEST(ipt_run_child)
{
	char *cat[] = {"/bin/cat", NULL}, *ls[] = {"/bin/ls", "/proc/self/fd", NULL};
	char *no[] = {"/nonexistent/tool", NULL};
	buf out = BUF_INIT;
	int leak = dup(1), rc;

	CHECK(leak > 2);
	CHECK_INT(pxipt_run(cat, "hello\n", 6, &out, NULL), 0);
	CHECK_STR(out.data, "hello\n");
	buf_reset(&out);
	CHECK_INT(pxipt_run(ls, NULL, 0, &out, NULL), 0);
	CHECK_STR(out.data, "0\n1\n2\n3\n"); /* 3: ls's own directory */
	close(leak);
	buf_free(&out);
	/* posix_spawn's error, or (under valgrind, which forks and execs) the
	 * shell's "not found" status. */
	rc = pxipt_run(no, NULL, 0, NULL, NULL);
	CHECK(rc == -ENOENT || rc == 127);
}

/* ---- real rules, real traffic ---- */

static int tpi_net(void)
{
	static const char *const addrs[] = {EP1, EP2, EP3, NODE, "fd00:201::1", "fd00:201::2"};
	rtnl *h = rtnl_open();

	/* Service ranges go out a veth: the packets leave through a real link. */
	T(h);
	T_RC(h, rtnl_veth_add(h, "svc0", "svc1", -1, 0), 0);
	T_RC(h, rtnl_link_set_up(h, "svc0", 1), 0);
	T_RC(h, rtnl_link_set_up(h, "svc1", 1), 0);
	rtnl_close(h);
	return rt_proxy_net(addrs, sizeof(addrs) / sizeof(addrs[0]), "svc0");
}

static int tpi_sock(int type, const char *ip, int port, bool listener)
{
	net_addr a = rt_ip(ip);
	struct sockaddr_storage ss;
	socklen_t len;
	int s, one = 1;

	if (net_addr_to_sockaddr(&a, port, &ss, &len) < 0 ||
	    (s = socket(a.family, type | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (listener)
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (listener ? bind(s, (struct sockaddr *)&ss, len) < 0 ||
	                   (type == SOCK_STREAM && listen(s, 64) < 0)
	             : connect(s, (struct sockaddr *)&ss, len) < 0) {
		int e = -errno;

		close(s);
		return e;
	}
	return s;
}

/* One TCP connection to ip:port within ms: the index of the listener that
 * got it, -ECONNREFUSED and the like, or -ETIMEDOUT. */
static int tpi_connect_ms(const char *ip, int port, const int *ls, int nls, int ms)
{
	net_addr a = rt_ip(ip);
	struct sockaddr_storage ss;
	struct pollfd p[8];
	socklen_t len;
	int c, got = -ETIMEDOUT, e = 0;

	if (net_addr_to_sockaddr(&a, port, &ss, &len) < 0 ||
	    (c = socket(a.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return -EINVAL;
	if (connect(c, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS)
		e = -errno;
	p[0] = (struct pollfd){.fd = c, .events = POLLOUT};
	if (!e && poll(p, 1, ms) == 1) {
		len = sizeof(e);
		getsockopt(c, SOL_SOCKET, SO_ERROR, &e, &len);
		e = -e;
	} else if (!e) {
		e = -ETIMEDOUT;
	}
	for (int i = 0; i < nls; i++)
		p[i] = (struct pollfd){.fd = ls[i], .events = POLLIN};
	if (!e && poll(p, (nfds_t)nls, 2000) > 0)
		for (int i = 0; i < nls && got < 0; i++)
			if (p[i].revents & POLLIN) {
				int acc = accept(ls[i], NULL, NULL);

				if (acc >= 0)
					close(acc);
				got = i;
			}
	close(c);
	return e ? e : got;
}

static int tpi_connect(const char *ip, int port, const int *ls, int nls)
{
	return tpi_connect_ms(ip, port, ls, nls, 5000);
}

/* A UDP round trip through the service to listener l. */
static int tpi_udp(const char *ip, int port, int l)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct pollfd p = {.fd = l, .events = POLLIN};
	int c = tpi_sock(SOCK_DGRAM, ip, port, false), ok = 0;
	char b[8];

	if (c < 0)
		return c;
	if (send(c, "q", 1, 0) == 1 && poll(&p, 1, 2000) == 1 &&
	    recvfrom(l, b, sizeof(b), 0, (struct sockaddr *)&ss, &len) == 1 &&
	    sendto(l, "a", 1, 0, (struct sockaddr *)&ss, len) == 1) {
		p.fd = c;
		ok = poll(&p, 1, 2000) == 1 && recv(c, b, sizeof(b), 0) == 1 && b[0] == 'a';
	}
	close(c);
	return ok ? 0 : -1;
}

static int tpi_listeners(int *ls)
{
	const char *ips[] = {EP1, EP2, EP3};

	for (int i = 0; i < 3; i++)
		T((ls[i] = tpi_sock(SOCK_STREAM, ips[i], 8080, true)) >= 0);
	T((ls[3] = tpi_sock(SOCK_DGRAM, EP1, 5353, true)) >= 0);
	return 0;
}

static void tpi_close(int *fds, int n)
{
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* The Services of the traffic tests. */
static int tpi_world(pxm *m)
{
	T(tpi_svc(m, "ns/web", "'clusterIP':'198.18.200.1','ports':[{'name':'http','port':80}]") ==
	  1);
	T(tpi_slice(m, "ns/web", "web-1", "http", 8080, "TCP", EP1 "@n1 " EP2 "@n1 " EP3 "@n1") ==
	  1);
	T(tpi_svc(m, "ns/dns",
	          "'clusterIP':'198.18.200.2','ports':[{'port':53,'protocol':'UDP'}]") == 1);
	T(tpi_slice(m, "ns/dns", "dns-1", "", 5353, "UDP", EP1 "@n1") == 1);
	T(tpi_svc(m, "ns/empty", "'clusterIP':'198.18.200.3','ports':[{'port':80}]") == 1);
	T(tpi_svc(m, "ns/aff",
	          "'clusterIP':'198.18.200.4','ports':[{'port':80}],'sessionAffinity':"
	          "'ClientIP'") == 1);
	T(tpi_slice(m, "ns/aff", "aff-1", "", 8080, "TCP", EP1 "@n1 " EP2 "@n1 " EP3 "@n1") == 1);
	T(tpi_svc(m, "ns/np",
	          "'type':'NodePort','clusterIP':'198.18.200.5','ports':[{'port':80,"
	          "'nodePort':30080}],'externalIPs':['198.18.200.50']") == 1);
	T(tpi_slice(m, "ns/np", "np-1", "", 8080, "TCP", EP2 "@n1") == 1);
	/* eTP Local with only a remote endpoint: the node still reaches it. */
	T(tpi_svc(m, "ns/loc",
	          "'clusterIP':'198.18.200.6','ports':[{'port':80}],'externalIPs':["
	          "'198.18.200.60'],'externalTrafficPolicy':'Local'") == 1);
	T(tpi_slice(m, "ns/loc", "loc-1", "", 8080, "TCP", EP3 "@n2") == 1);
	/* Load balancers whose source ranges let this node in, and not. */
	T(tpi_svc(m, "ns/lb-in",
	          "'type':'LoadBalancer','clusterIP':'198.18.200.7','ports':[{'port':80,"
	          "'nodePort':30081}],'loadBalancerSourceRanges':['198.18.0.0/16']},"
	          "'status':{'loadBalancer':{'ingress':[{'ip':'198.18.200.70'}]}") == 1);
	T(tpi_slice(m, "ns/lb-in", "lb-in-1", "", 8080, "TCP", EP1 "@n1") == 1);
	T(tpi_svc(m, "ns/lb-out",
	          "'type':'LoadBalancer','clusterIP':'198.18.200.8','ports':[{'port':80,"
	          "'nodePort':30082}],'loadBalancerSourceRanges':['10.0.0.0/8']},"
	          "'status':{'loadBalancer':{'ingress':[{'ip':'198.18.200.80'}]}") == 1);
	T(tpi_slice(m, "ns/lb-out", "lb-out-1", "", 8080, "TCP", EP1 "@n1") == 1);
	/* SCTP goes through iptables-restore like the others. */
	T(tpi_svc(m, "ns/sctp",
	          "'clusterIP':'198.18.200.9','ports':[{'port':80,'protocol':'SCTP'}]") == 1);
	T(tpi_slice(m, "ns/sctp", "sctp-1", "", 8080, "SCTP", EP1 "@n1") == 1);
	return 0;
}

static pxb *tpi_backend(int family)
{
	struct pxb_config c = {.family = family, .node_name = "n1", .masq_mark = 0x4000};
	char err[256] = "";
	pxb *b = NULL;
	int rc;

	c.cluster_cidr = rt_cidr(family == AF_INET ? "10.244.0.0/16" : "fd00:244::/56");
	rc = pxb_ipt_ops.create(&c, &b, err, sizeof(err));
	if (rc < 0)
		printf("    child: create: %s\n", err);
	return b;
}

static int tpi_full(pxb *b, pxm *m, struct pxb_result *res)
{
	const struct pxm_svcport **all = NULL;
	struct pxm_changes ch;
	struct pxb_sync s = {.full = true};
	char err[512] = "";
	int rc;

	if (pxm_take_changes(m, &ch) < 0 || pxm_snapshot(m, &all, &s.n_all) < 0)
		return -ENOMEM;
	s.all = all;
	s.ch = ch.v;
	s.n_ch = ch.n;
	rc = pxb_ipt_ops.sync(b, &s, res, err, sizeof(err));
	if (rc < 0)
		printf("    child: full sync: %s\n", err);
	free(all);
	pxm_changes_free(&ch);
	return rc;
}

static int tpi_partial(pxb *b, pxm *m, struct pxb_result *res)
{
	struct pxm_changes ch;
	struct pxb_sync s = {.full = false};
	char err[512] = "";
	int rc;

	if (pxm_take_changes(m, &ch) < 0)
		return -ENOMEM;
	s.ch = ch.v;
	s.n_ch = ch.n;
	rc = pxb_ipt_ops.sync(b, &s, res, err, sizeof(err));
	if (rc < 0)
		printf("    child: partial sync: %s\n", err);
	pxm_changes_free(&ch);
	return rc;
}

/* A table of the namespace as iptables-save prints it. */
static const char *tpi_save(int family, const char *table)
{
	static buf out = BUF_INIT;
	struct pxipt_tools t;
	char err[256];

	buf_reset(&out);
	if (pxipt_tools_find(family, NULL, &t, err, sizeof(err)) < 0 ||
	    pxipt_save(&t, table, &out, err, sizeof(err)) < 0 || buf_cstr(&out) < 0)
		return "";
	return out.data;
}

static int tpi_count(const char *s, const char *what)
{
	int n = 0;

	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

/* Connections to a service: how many reached each listener. */
static int tpi_spread(const char *ip, int port, const int *ls, int n, int *hits)
{
	memset(hits, 0, 3 * sizeof(int));
	for (int i = 0; i < n; i++) {
		int w = tpi_connect(ip, port, ls, 3);

		if (w < 0) {
			printf("    child: connect %s:%d: %s\n", ip, port, strerror(-w));
			return -1;
		}
		hits[w]++;
	}
	return 0;
}

static int tpi_distinct(const int *hits)
{
	return (hits[0] > 0) + (hits[1] > 0) + (hits[2] > 0);
}

static int tpi_traffic(void)
{
	struct pxb_result res;
	struct timespec t0, t1;
	pxm *m = tpm_model("n1", NULL);
	pxb *b;
	int ls[4], hits[3], rc;

	T(m && tpi_net() == 0 && tpi_world(m) == 0);
	T((b = tpi_backend(AF_INET)));
	T(tpi_full(b, m, &res) == 0);
	T(res.rules > 40 && res.chains > 20 && res.written > res.rules);
	T(pxb_ipt_ops.canary_ok(b) == 1);
	T(tpi_listeners(ls) == 0);

	/* Uniform choice among three: 30 connections do not all hit one. */
	T(tpi_spread("198.18.200.1", 80, ls, 30, hits) == 0);
	T(tpi_distinct(hits) >= 2);
	T(tpi_udp("198.18.200.2", 53, ls[3]) == 0);

	/* No endpoints: refused at once, not after a timeout. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = tpi_connect("198.18.200.3", 80, ls, 3);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	T(rc == -ECONNREFUSED);
	T(t1.tv_sec - t0.tv_sec < 2);

	/* Affinity: one client, one endpoint. */
	T(tpi_spread("198.18.200.4", 80, ls, 12, hits) == 0);
	T(tpi_distinct(hits) == 1);

	/* Node port on a local address, not on loopback; the external IP. */
	T(tpi_connect(NODE, 30080, ls, 3) == 1);
	T(tpi_connect("127.0.0.1", 30080, ls, 3) == -ECONNREFUSED);
	T(tpi_connect("198.18.200.50", 80, ls, 3) == 1);
	/* eTP Local without a local endpoint: the node's own traffic goes the
	 * Cluster way (short-circuit). */
	T(tpi_connect("198.18.200.60", 80, ls, 3) == 2);
	T(tpi_connect("198.18.200.6", 80, ls, 3) == 2);
	/* loadBalancerSourceRanges: in, or dropped (not refused); the cluster
	 * IP and node port do not care. */
	T(tpi_connect("198.18.200.70", 80, ls, 3) == 0);
	T(tpi_connect_ms("198.18.200.80", 80, ls, 3, 300) == -ETIMEDOUT);
	T(tpi_connect("198.18.200.8", 80, ls, 3) == 0);
	T(tpi_connect(NODE, 30082, ls, 3) == 0);
	T(strstr(tpi_save(AF_INET, "nat"), "-p sctp -m comment"));

	/* A second full sync adds no second copy of the jumps. */
	T(tpi_full(b, m, &res) == 0);
	T(tpi_count(tpi_save(AF_INET, "nat"), "-j KUBE-SERVICES\n") == 2);
	T(tpi_count(tpi_save(AF_INET, "filter"), "-j KUBE-PROXY-FIREWALL\n") == 3);
	T(tpi_connect("198.18.200.1", 80, ls, 3) >= 0);
	tpi_close(ls, 4);
	pxb_ipt_ops.free(b);
	pxm_free(m);
	return 0;
}

UNIT_TEST(ipt_traffic_in_netns)
{
	RUN_IN_NETNS(tpi_traffic);
}

static int tpi_partial_sync(void)
{
	struct pxb_result full, part, again;
	pxm *m = tpm_model("n1", NULL);
	const struct pxm_svcport *web, *aff, *dns;
	char s[160], dns_svc[32];
	const buf *in;
	pxb *b;
	int ls[4], hits[3];

	T(m && tpi_net() == 0 && tpi_world(m) == 0);
	T((b = tpi_backend(AF_INET)));
	/* Before any full sync, the backend cannot know what to keep. */
	struct pxb_sync none = {.full = false};
	char err[256] = "";
	T(pxb_ipt_ops.sync(b, &none, &part, err, sizeof(err)) == -EINVAL);
	T(strstr(err, "full sync"));
	T(tpi_full(b, m, &full) == 0);
	T(tpi_listeners(ls) == 0);
	web = pxm_get(m, "ns/web:http/TCP");
	aff = pxm_get(m, "ns/aff:/TCP");
	dns = pxm_get(m, "ns/dns:/UDP");
	T(web && aff && dns);
	snprintf(dns_svc, sizeof(dns_svc), "KUBE-SVC-%s", dns->hash);
	snprintf(s, sizeof(s), "-X KUBE-SEP-%s\n", tpi_ep_hash(web, EP1));

	/* web loses two endpoints, dns goes. */
	T(tpi_slice(m, "ns/web", "web-1", "http", 8080, "TCP", EP3 "@n1") == 1);
	T(tpi_svc(m, "ns/dns", "'clusterIP':'None','ports':[{'port':53}]") == 1);
	T(tpi_partial(b, m, &part) == 0);
	in = pxipt_last_input(b);
	T(strstr(in->data, s)); /* the gone endpoint's chain */
	snprintf(s, sizeof(s), "-X %s\n", dns_svc);
	T(strstr(in->data, s));
	snprintf(s, sizeof(s), ":KUBE-SVC-%s", aff->hash);
	T(!strstr(in->data, s)); /* unchanged: not written */
	T(!strstr(in->data, "CANARY"));
	printf("    partial sync: %zu lines written, full sync: %zu\n", part.written, full.written);
	T(part.written < full.written / 2);

	T(tpi_spread("198.18.200.1", 80, ls, 10, hits) == 0);
	T(hits[2] == 10);
	T(tpi_spread("198.18.200.4", 80, ls, 5, hits) == 0); /* unchanged still works */
	T(!strstr(tpi_save(AF_INET, "nat"), dns_svc));

	/* Counting after a partial sync agrees with a full one. */
	T(tpi_full(b, m, &again) == 0);
	T(again.rules == part.rules && again.chains == part.chains);
	/* A port added by a partial sync. */
	T(tpi_svc(m, "ns/new", "'clusterIP':'198.18.200.10','ports':[{'port':81}]") == 1);
	T(tpi_slice(m, "ns/new", "new-1", "", 8080, "TCP", EP1 "@n1") == 1);
	T(tpi_partial(b, m, &part) == 0);
	T(tpi_connect("198.18.200.10", 81, ls, 3) == 0);
	T(tpi_full(b, m, &again) == 0);
	T(again.rules == part.rules && again.chains == part.chains);
	tpi_close(ls, 4);
	pxb_ipt_ops.free(b);
	pxm_free(m);
	return 0;
}

UNIT_TEST(ipt_partial_sync_in_netns)
{
	RUN_IN_NETNS(tpi_partial_sync);
}

static int tpi_restore_text(const char *text)
{
	struct pxipt_tools t;
	char err[512] = "";

	if (pxipt_tools_find(AF_INET, NULL, &t, err, sizeof(err)) < 0 ||
	    pxipt_restore(&t, text, strlen(text), err, sizeof(err)) < 0) {
		printf("    child: restore: %s\n", err);
		return -1;
	}
	return 0;
}

/* Leftovers of an earlier process go; other chains stay. */
static int tpi_stale(void)
{
	struct pxb_result res;
	pxm *m = tpm_model("n1", NULL);
	const char *nat;
	pxb *b;

	T(m && tpi_net() == 0 && tpi_world(m) == 0);
	T(tpi_restore_text("*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-AAAAAAAAAAAAAAAA - [0:0]\n"
	                   ":KUBE-SEP-BBBBBBBBBBBBBBBB - [0:0]\n:MINE - [0:0]\n"
	                   "-A KUBE-SERVICES -d 198.18.200.99/32 -p tcp --dport 80 -j "
	                   "KUBE-SVC-AAAAAAAAAAAAAAAA\n"
	                   "-A KUBE-SVC-AAAAAAAAAAAAAAAA -j KUBE-SEP-BBBBBBBBBBBBBBBB\n"
	                   "-A KUBE-SEP-BBBBBBBBBBBBBBBB -p tcp -j DNAT --to-destination " EP1
	                   ":8080\n-A MINE -j RETURN\n-A OUTPUT -j MINE\nCOMMIT\n") == 0);
	T(strstr(tpi_save(AF_INET, "nat"), "KUBE-SEP-BBBBBBBBBBBBBBBB"));
	T((b = tpi_backend(AF_INET)));
	T(tpi_full(b, m, &res) == 0);
	nat = tpi_save(AF_INET, "nat");
	T(!strstr(nat, "AAAAAAAAAAAAAAAA") && !strstr(nat, "BBBBBBBBBBBBBBBB"));
	T(strstr(nat, ":MINE - [0:0]") && strstr(nat, "-A OUTPUT -j MINE"));
	T(strstr(nat, ":KUBE-SVC-"));
	/* A failed restore reports the line it choked on. */
	struct pxipt_tools t;
	char err[512] = "";
	static const char bad[] = "*nat\n:KUBE-X - [0:0]\n-A NOPE -j RETURN\nCOMMIT\n";
	T(pxipt_tools_find(AF_INET, NULL, &t, err, sizeof(err)) == 0);
	T(pxipt_restore(&t, bad, strlen(bad), err, sizeof(err)) == -EIO);
	T(strstr(err, "line 3") && strstr(err, "[-A NOPE -j RETURN]"));
	T(!strstr(tpi_save(AF_INET, "nat"), "KUBE-X")); /* nothing of it applied */
	pxb_ipt_ops.free(b);
	pxm_free(m);
	return 0;
}

UNIT_TEST(ipt_stale_chains_in_netns)
{
	RUN_IN_NETNS(tpi_stale);
}

static int tpi_ipt(const char *a1, const char *a2, const char *a3)
{
	struct pxipt_tools t;
	char err[256];
	char *argv[] = {t.ipt, "-w", "5", "-t", (char *)a1, (char *)a2, (char *)a3, NULL};

	if (pxipt_tools_find(AF_INET, NULL, &t, err, sizeof(err)) < 0)
		return -1;
	return pxipt_run(argv, NULL, 0, NULL, NULL);
}

static int tpi_canary(void)
{
	struct pxb_result res;
	pxm *m = tpm_model("n1", NULL);
	pxb *b;
	int ls[4];

	T(m && tpi_net() == 0 && tpi_world(m) == 0);
	T((b = tpi_backend(AF_INET)));
	T(tpi_full(b, m, &res) == 0);
	T(tpi_listeners(ls) == 0);
	T(pxb_ipt_ops.canary_ok(b) == 1);
	/* Someone flushes and deletes everything. */
	const char *tables[] = {"mangle", "nat", "filter"};
	for (int i = 0; i < 3; i++) {
		T(tpi_ipt(tables[i], "-F", NULL) == 0);
		T(tpi_ipt(tables[i], "-X", NULL) == 0);
	}
	T(pxb_ipt_ops.canary_ok(b) == 0);
	T(!strstr(tpi_save(AF_INET, "nat"), "KUBE-"));
	T(tpi_full(b, m, &res) == 0);
	T(pxb_ipt_ops.canary_ok(b) == 1);
	T(tpi_connect("198.18.200.5", 80, ls, 3) == 1);
	T(tpi_connect("198.18.200.3", 80, ls, 3) == -ECONNREFUSED);
	tpi_close(ls, 4);
	pxb_ipt_ops.free(b);
	pxm_free(m);
	return 0;
}

UNIT_TEST(ipt_canary_in_netns)
{
	RUN_IN_NETNS(tpi_canary);
}

static int tpi_cleanup(void)
{
	struct pxb_config c4 = {.family = AF_INET, .masq_mark = 0x4000};
	struct pxb_config c6 = {.family = AF_INET6, .masq_mark = 0x4000};
	struct pxb_result res;
	pxm *m = tpm_model("n1", NULL);
	char err[256] = "";
	pxb *b;

	T(m && tpi_net() == 0 && tpi_world(m) == 0);
	T(pxb_ipt_ops.cleanup(&c4, err, sizeof(err)) == 0); /* nothing there */
	T(tpi_restore_text("*filter\n:MINE - [0:0]\n-A INPUT -m comment --comment mine -j MINE\n"
	                   "COMMIT\n") == 0);
	T((b = tpi_backend(AF_INET)));
	T(tpi_full(b, m, &res) == 0);
	pxb_ipt_ops.free(b);
	T(strstr(tpi_save(AF_INET, "filter"), "KUBE-"));
	if (pxb_ipt_ops.cleanup(&c4, err, sizeof(err)) != 0) {
		printf("    child: cleanup: %s\n", err);
		return 1;
	}
	const char *tables[] = {"nat", "filter", "mangle"};
	for (int i = 0; i < 3; i++)
		T(!strstr(tpi_save(AF_INET, tables[i]), "KUBE-"));
	T(strstr(tpi_save(AF_INET, "filter"), "-A INPUT -m comment --comment mine -j MINE"));
	T(pxb_ipt_ops.cleanup(&c4, err, sizeof(err)) == 0);
	T(pxb_ipt_ops.cleanup(&c6, err, sizeof(err)) == 0);
	pxm_free(m);
	return 0;
}

UNIT_TEST(ipt_cleanup_in_netns)
{
	RUN_IN_NETNS(tpi_cleanup);
}

static int tpi_v6(void)
{
	struct pxb_result res;
	pxm *m = tpm_model("n1", NULL);
	int ls[2];
	pxb *b;

	T(m && tpi_net() == 0);
	T(tpi_svc(m, "ns/v6",
	          "'clusterIPs':['198.18.200.1','fd00:200::1'],'ports':[{'port':80}]") == 1);
	T(tpi_slice(m, "ns/v6", "v6-1", "", 8080, "TCP", "fd00:201::1@n1 fd00:201::2@n1") == 1);
	T(tpi_svc(m, "ns/v6e", "'clusterIPs':['fd00:200::2'],'ports':[{'port':80}]") == 1);
	T((b = tpi_backend(AF_INET6)));
	T(tpi_full(b, m, &res) == 0);
	T(pxb_ipt_ops.canary_ok(b) == 1);
	T(strstr(tpi_save(AF_INET6, "nat"), "--to-destination [fd00:201::1]:8080"));
	T(!strstr(tpi_save(AF_INET, "nat"), "KUBE-"));
	T((ls[0] = tpi_sock(SOCK_STREAM, "fd00:201::1", 8080, true)) >= 0);
	T((ls[1] = tpi_sock(SOCK_STREAM, "fd00:201::2", 8080, true)) >= 0);
	for (int i = 0; i < 4; i++)
		T(tpi_connect("fd00:200::1", 80, ls, 2) >= 0);
	T(tpi_connect("fd00:200::2", 80, ls, 2) == -ECONNREFUSED);
	tpi_close(ls, 2);
	pxb_ipt_ops.free(b);
	pxm_free(m);
	return 0;
}

UNIT_TEST(ipt_ipv6_in_netns)
{
	RUN_IN_NETNS(tpi_v6);
}

/* ---- how long syncs take (printed, not checked) ---- */

static int tpi_many(pxm *m, int n, int neps)
{
	char spec[128], name[32], eps[512];

	for (int i = 0; i < n; i++) {
		size_t len = 0;

		snprintf(name, sizeof(name), "ns/s%d", i);
		snprintf(spec, sizeof(spec), "'clusterIP':'10.%d.%d.%d','ports':[{'port':80}]",
		         96 + i / 65536, i / 256 % 256, i % 256);
		if (tpi_svc(m, name, spec) != 1)
			return -1;
		for (int e = 0; e < neps; e++) {
			int k = i * neps + e;

			len += (size_t)snprintf(eps + len, sizeof(eps) - len, "10.%d.%d.%d@n%d ",
			                        k / 65536, k / 256 % 256, k % 256, e % 3);
		}
		if (tpi_slice(m, name, name + 3, "", 8080, "TCP", eps) != 1)
			return -1;
	}
	return 0;
}

static double tpi_secs(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static int tpi_scale_one(int n)
{
	struct pxb_config c = {.family = AF_INET, .masq_mark = 0x4000};
	struct timespec t0, t1, t2, t3, t4;
	struct pxb_result full, again, part;
	pxm *m = tpm_model("n1", NULL);
	char err[256] = "";
	pxb *b;

	T(m && tpi_many(m, n, 10) == 0);
	T((b = tpi_backend(AF_INET)));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	T(tpi_full(b, m, &full) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	T(tpi_full(b, m, &again) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	T(tpi_slice(m, "ns/s7", "s7", "", 8080, "TCP", "10.200.0.1@n1 10.200.0.2@n2") == 1);
	T(tpi_partial(b, m, &part) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t3);
	pxb_ipt_ops.free(b);
	T(pxb_ipt_ops.cleanup(&c, err, sizeof(err)) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t4);
	T(!strstr(tpi_save(AF_INET, "nat"), "KUBE-"));
	printf("    iptables %d services x 10 endpoints: full sync %.3f s (%zu rules, %zu chains, "
	       "%zu lines), again %.3f s, one endpoint change %.3f s (%zu lines), cleanup %.3f "
	       "s\n",
	       n, tpi_secs(&t0, &t1), full.rules, full.chains, full.written, tpi_secs(&t1, &t2),
	       tpi_secs(&t2, &t3), part.written, tpi_secs(&t3, &t4));
	pxm_free(m);
	return 0;
}

static int tpi_scale(void)
{
	const char *big = getenv("SVCNET_IPT_BIG");

	alarm(600);
	T(tpi_scale_one(1000) == 0);
	if (big && !strcmp(big, "1"))
		T(tpi_scale_one(10000) == 0);
	return 0;
}

UNIT_TEST(ipt_scale_in_netns)
{
	RUN_IN_NETNS(tpi_scale);
}
