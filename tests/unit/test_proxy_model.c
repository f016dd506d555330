/* test_proxy_model.c - the proxy model: CategorizeEndpoints, Services, EndpointSlices. */
#include <errno.h>
#include <stdarg.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/model.h"
#include "test_proxy_model.h"
#include "unit.h"

/* ---- shared fixtures (declared in test_proxy_model.h) ---- */

json_t *tpm_json(const char *s)
{
	char *c = strdup(s);
	json_t *j;

	for (char *p = c; *p; p++)
		if (*p == '\'')
			*p = '"';
	j = json_loads(c, 0, NULL);
	if (!j)
		fprintf(stderr, "bad test JSON: %s\n", c);
	free(c);
	return j;
}

pxm *tpm_model(const char *node, const char *proxy_name)
{
	struct pxm_config cfg = {.node_name = node, .proxy_name = proxy_name};
	pxm *m = NULL;

	pxm_new(&cfg, &m);
	return m;
}

int tpm_svc(pxm *m, const char *json, double now)
{
	json_t *o = tpm_json(json);
	int rc = o ? pxm_service_set(m, o, now) : -999;

	json_decref(o);
	return rc;
}

int tpm_slice(pxm *m, const char *json, double now)
{
	json_t *o = tpm_json(json);
	int rc = o ? pxm_slice_set(m, o, now) : -999;

	json_decref(o);
	return rc;
}

const char *tpm_eps(const struct pxm_svcport *sp, int family, unsigned bit)
{
	static char out[1024];
	const struct pxm_family *f = pxm_svcport_family(sp, family);
	size_t len = 0;

	out[0] = '\0';
	if (!f)
		return "-";
	for (size_t i = f->ep_first; i < f->ep_first + f->n_eps; i++) {
		char b[64];

		if (bit && !(sp->eps[i].cat & bit))
			continue;
		pxm_endpoint_str(&sp->eps[i], b, sizeof(b));
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s", len ? " " : "", b);
	}
	return out;
}

/* ---- CategorizeEndpoints, table-driven ----
 *
 * The cases of kube-proxy's TestCategorizeEndpoints (pkg/proxy/topology_test.go)
 * that do not depend on topology hints, plus its hint cases read with hints
 * ignored (every ready endpoint is then a cluster endpoint). Endpoints are
 * "10.0.0.N" on port 80 with flags R(eady) S(erving) T(erminating) L(ocal).
 * An expected list of "-" means the policy is not used (kube-proxy's nil). */

struct cat_case {
	const char *name;
	bool itp_local, etp_local;
	int node_port;
	const char *eps;
	const char *cluster, *local, *all;
	bool has_any;
};

static const struct cat_case cat_cases[] = {
    {"hints ignored: all ready are cluster endpoints", 0, 0, 0, "3R 4R 5R 6R", "3 4 5 6", "-",
     "3 4 5 6", 1},
    {"eTP Local, topology ignored for local", 0, 1, 8080, "3RL 4RL 5R 6R", "3 4 5 6", "3 4",
     "3 4 5 6", 1},
    {"iTP Local with a node port", 1, 0, 8080, "3RL 4RL 5R 6R", "3 4 5 6", "3 4", "3 4 5 6", 1},
    {"conflicting topology and localness (hints ignored)", 0, 1, 8080, "0RL 1RL 2R 3R", "0 1 2 3",
     "0 1", "0 1 2 3", 1},
    {"unready endpoint", 0, 0, 0, "3R 4R 5R 6", "3 4 5", "-", "3 4 5", 1},
    {"only unready in one place", 0, 0, 0, "3 4R 5R 6", "4 5", "-", "4 5", 1},
    {"iTP Local, no endpoints", 1, 0, 0, "", "-", "", "", 0},
    {"iTP Local, all remote", 1, 0, 0, "0R 1R", "-", "", "", 1},
    {"iTP Local, all local", 1, 0, 0, "0RL 1RL", "-", "0 1", "0 1", 1},
    {"iTP Local, some local", 1, 0, 0, "0RL 1R", "-", "0", "0", 1},
    {"Cluster, none ready", 0, 0, 0, "0 1", "", "-", "", 0},
    {"Cluster, some ready", 0, 0, 0, "0 1R", "1", "-", "1", 1},
    {"Cluster, all terminating", 0, 0, 0, "0STL 1ST", "0 1", "-", "0 1", 1},
    {"Cluster, terminating but not serving", 0, 0, 0, "0TL 1T", "", "-", "", 0},
    {"Cluster, ready beats terminating", 0, 0, 0, "0ST 1R", "1", "-", "1", 1},
    {"iTP Local, eTP Cluster, some local", 1, 0, 8080, "0RL 1R", "0 1", "0", "0 1", 1},
    {"iTP Cluster, eTP Local, some local", 0, 1, 8080, "0RL 1R", "0 1", "0", "0 1", 1},
    {"iTP Local, eTP Local, some local", 1, 1, 8080, "0RL 1R", "0 1", "0", "0 1", 1},
    {"iTP Local, eTP Local, all remote", 1, 1, 8080, "0R 1R", "0 1", "", "0 1", 1},
    {"iTP Local, eTP Local, all remote and terminating", 1, 1, 8080, "0ST 1ST", "0 1", "", "0 1",
     1},
    {"iTP Cluster, eTP Local, terminating local fallback", 0, 1, 8080, "0R 1L 2STL 3ST", "0", "2",
     "0 2", 1},
    {"eTP Local ignored if not externally accessible", 0, 1, 0, "0R 1RL", "0 1", "-", "0 1", 1},
    {"no cluster endpoints for iTP Local internal-only", 1, 0, 0, "0R 1RL", "-", "1", "1", 1},
    {"iTP Local, only local terminating", 1, 0, 0, "0R 1STL 2ST", "-", "1", "1", 1},
    {"iTP Local, local ready beats local terminating", 1, 0, 0, "0RL 1STL", "-", "0", "0", 1},
};

static size_t parse_eps(const char *spec, struct pxm_endpoint *eps)
{
	size_t n = 0;

	for (const char *p = spec; *p;) {
		struct pxm_endpoint *e = &eps[n++];
		char ip[32];

		memset(e, 0, sizeof(*e));
		snprintf(ip, sizeof(ip), "10.0.0.%c", *p++);
		net_addr_parse(ip, &e->addr);
		e->port = 80;
		for (; *p && *p != ' '; p++) {
			e->ready |= *p == 'R';
			e->serving |= *p == 'S' || *p == 'R';
			e->terminating |= *p == 'T';
			e->local |= *p == 'L';
		}
		while (*p == ' ')
			p++;
	}
	return n;
}

/* "0 1" from the endpoints with bit set, or "-" when unused. */
static const char *cat_str(const struct pxm_endpoint *eps, size_t n, unsigned bit, bool used)
{
	static char out[3][64];
	static int slot;
	char *o = out[slot++ % 3];
	size_t len = 0;

	o[0] = '\0';
	if (!used)
		return "-";
	for (size_t i = 0; i < n; i++)
		if (eps[i].cat & bit)
			len += (size_t)snprintf(o + len, 64 - len, "%s%u", len ? " " : "",
			                        (unsigned)eps[i].addr.a[3]);
	return o;
}

UNIT_TEST(pxm_categorize_table)
{
	for (size_t i = 0; i < sizeof(cat_cases) / sizeof(cat_cases[0]); i++) {
		const struct cat_case *c = &cat_cases[i];
		struct pxm_svcport sp = {0};
		struct pxm_endpoint eps[8];
		size_t n = parse_eps(c->eps, eps);
		struct pxm_cat cat;
		bool uc, ul;

		sp.int_policy_local = c->itp_local;
		sp.ext_policy_local = c->etp_local;
		sp.node_port = (uint16_t)c->node_port;
		pxm_svcport_uses(&sp, AF_INET, &uc, &ul);
		pxm_categorize(eps, n, uc, ul, &cat);
		if (strcmp(cat_str(eps, n, PXM_CAT_CLUSTER, cat.uses_cluster), c->cluster) ||
		    strcmp(cat_str(eps, n, PXM_CAT_LOCAL, cat.uses_local), c->local) ||
		    strcmp(cat_str(eps, n, PXM_CAT_REACHABLE, true), c->all) ||
		    cat.has_any != c->has_any) {
			unit_fail(
			    __FILE__, __LINE__,
			    "%s: cluster [%s] local [%s] all [%s] any %d; want [%s] [%s] [%s] %d",
			    c->name, cat_str(eps, n, PXM_CAT_CLUSTER, cat.uses_cluster),
			    cat_str(eps, n, PXM_CAT_LOCAL, cat.uses_local),
			    cat_str(eps, n, PXM_CAT_REACHABLE, true), cat.has_any, c->cluster,
			    c->local, c->all, c->has_any);
			return;
		}
		/* The counts agree with the bits. */
		size_t k[3] = {0};
		for (size_t j = 0; j < n; j++)
			for (int b = 0; b < 3; b++)
				k[b] += (eps[j].cat >> b) & 1;
		CHECK_INT(k[0], cat.n_cluster);
		CHECK_INT(k[1], cat.n_local);
		CHECK_INT(k[2], cat.n_reachable);
	}
}

/* ---- hashes: the chain names kube-proxy's iptables mode uses ---- */

UNIT_TEST(pxm_hash_matches_kube_proxy)
{
	pxm *m = tpm_model("n1", NULL);
	const struct pxm_svcport *sp;

	CHECK(m);
	CHECK_INT(tpm_svc(m,
	                  "{'metadata':{'namespace':'default','name':'kubernetes'},'spec':{"
	                  "'clusterIP':'10.43.0.1','ports':[{'name':'https','port':443}]}}",
	                  1),
	          1);
	CHECK_INT(tpm_svc(m,
	                  "{'metadata':{'namespace':'kube-system','name':'kube-dns'},'spec':{"
	                  "'clusterIP':'10.43.0.10','ports':[{'name':'dns','port':53,'protocol':"
	                  "'UDP'},{'name':'dns-tcp','port':53,'protocol':'TCP'}]}}",
	                  1),
	          1);
	CHECK_INT(tpm_svc(m,
	                  "{'metadata':{'namespace':'ns1','name':'svc1'},'spec':{"
	                  "'clusterIP':'172.30.0.41','ports':[{'name':'p80','port':80}]}}",
	                  1),
	          1);
	CHECK_INT(tpm_slice(m,
	                    "{'metadata':{'namespace':'ns1','name':'svc1-abc','labels':{"
	                    "'kubernetes.io/service-name':'svc1'}},'addressType':'IPv4',"
	                    "'ports':[{'name':'p80','port':80,'protocol':'TCP'}],"
	                    "'endpoints':[{'addresses':['10.180.0.1']}]}",
	                    1),
	          1);
	sp = pxm_get(m, "default/kubernetes:https/TCP");
	CHECK(sp);
	CHECK_STR(sp->hash, "NPX46M4PTMTKRN6Y");
	sp = pxm_get(m, "kube-system/kube-dns:dns/UDP");
	CHECK(sp);
	CHECK_STR(sp->hash, "TCOU7JCQXEZGVUNU");
	sp = pxm_get(m, "kube-system/kube-dns:dns-tcp/TCP");
	CHECK(sp);
	CHECK_STR(sp->hash, "ERIFXISQEP7F7OF4");
	sp = pxm_get(m, "ns1/svc1:p80/TCP");
	CHECK(sp);
	CHECK_STR(sp->hash, "XPGD46QRK7WJZT7O");
	CHECK_INT(sp->n_eps, 1);
	CHECK_STR(sp->eps[0].hash, "SXIVWICOYRO3J4NJ");
	pxm_free(m);
}

/* ---- Services ---- */

UNIT_TEST(pxm_service_dual_stack)
{
	pxm *m = tpm_model("n1", NULL);
	const struct pxm_svcport *sp;
	char b[64];

	CHECK(m);
	CHECK_INT(tpm_svc(m,
	                  "{'metadata':{'namespace':'ns','name':'web'},'spec':{'type':'ClusterIP',"
	                  "'clusterIP':'fd00::5','clusterIPs':['fd00::5','10.43.0.5'],"
	                  "'ipFamilies':['IPv6','IPv4'],'ports':[{'name':'http','port':80,"
	                  "'targetPort':8080},{'name':'dns','port':53,'protocol':'UDP'},"
	                  "{'name':'sctp','port':9,'protocol':'SCTP'}],"
	                  "'externalIPs':['192.0.2.1','2001:db8::1','bogus','192.0.2.1',7]}}",
	                  1),
	          1);
	CHECK_INT(pxm_size(m), 3);
	sp = pxm_get(m, "ns/web:http/TCP");
	CHECK(sp);
	CHECK_STR(sp->ns, "ns");
	CHECK_STR(sp->name, "web");
	CHECK_STR(sp->port_name, "http");
	CHECK_INT(sp->port, 80);
	CHECK_INT(sp->proto, PXM_TCP);
	CHECK_INT(sp->type, PXM_TYPE_CLUSTER_IP);
	CHECK_INT(sp->n_cluster_ips, 2);
	CHECK_INT(sp->cluster_ips[0].family, AF_INET6); /* primary first */
	net_addr_fmt(&sp->cluster_ips[1], b, sizeof(b));
	CHECK_STR(b, "10.43.0.5");
	CHECK(pxm_svcport_family(sp, AF_INET));
	CHECK(pxm_svcport_family(sp, AF_INET6));
	net_addr_fmt(&pxm_svcport_family(sp, AF_INET6)->cluster_ip, b, sizeof(b));
	CHECK_STR(b, "fd00::5");
	CHECK_INT(sp->n_external_ips, 2);
	net_addr_fmt(&sp->external_ips[1], b, sizeof(b));
	CHECK_STR(b, "2001:db8::1");
	CHECK(pxm_svcport_external(sp, AF_INET));
	CHECK(!sp->affinity_client_ip);
	CHECK_INT(sp->affinity_timeout_s, 0);
	CHECK(pxm_get(m, "ns/web:dns/UDP"));
	CHECK_INT(pxm_get(m, "ns/web:sctp/SCTP")->proto, PXM_SCTP);

	/* Single stack: addresses of the other family are dropped, and so is the family. */
	CHECK_INT(tpm_svc(m,
	                  "{'metadata':{'namespace':'ns','name':'v4'},'spec':{'clusterIP':"
	                  "'10.43.0.6','ports':[{'port':80}],'externalIPs':['2001:db8::1']}}",
	                  1),
	          1);
	sp = pxm_get(m, "ns/v4:/TCP"); /* unnamed port */
	CHECK(sp);
	CHECK_INT(sp->n_cluster_ips, 1);
	CHECK_INT(sp->n_external_ips, 0);
	CHECK(!pxm_svcport_family(sp, AF_INET6));
	CHECK(!pxm_svcport_external(sp, AF_INET));
	pxm_free(m);
}

UNIT_TEST(pxm_service_no_rules)
{
	static const char *const skipped[] = {
	    "{'metadata':{'namespace':'ns','name':'a'},'spec':{'clusterIP':'None',"
	    "'clusterIPs':['None'],'ports':[{'port':80}]}}",
	    "{'metadata':{'namespace':'ns','name':'b'},'spec':{'ports':[{'port':80}]}}",
	    "{'metadata':{'namespace':'ns','name':'c'},'spec':{'type':'ExternalName',"
	    "'externalName':'example.com','clusterIP':'10.43.0.9','ports':[{'port':80}]}}",
	    "{'metadata':{'namespace':'ns','name':'d','labels':{'service.kubernetes.io/"
	    "headless':''}},'spec':{'clusterIP':'10.43.0.8','ports':[{'port':80}]}}",
	    "{'metadata':{'namespace':'ns','name':'e'},'spec':{'clusterIP':'10.43.0.7'}}",
	    "{'metadata':{'namespace':'ns','name':'f'},'spec':{'clusterIP':'10.43.0.7','ports':["
	    "{'port':0},{'port':70000},{'port':'80'},{'port':80,'protocol':'ICMP'},"
	    "{'port':80,'name':5}]}}",
	};
	pxm *m = tpm_model("n1", NULL);
	struct pxm_stats st;

	CHECK(m);
	for (size_t i = 0; i < sizeof(skipped) / sizeof(skipped[0]); i++)
		CHECK_INT(tpm_svc(m, skipped[i], 1), 0);
	CHECK_INT(pxm_size(m), 0);
	CHECK_INT(pxm_pending(m), 0);
	pxm_get_stats(m, &st);
	CHECK_INT(st.services, 6);
	CHECK_INT(st.services_skip, 4);
	/* Without namespace and name there is no key. */
	CHECK_INT(tpm_svc(m, "{'metadata':{'name':'x'},'spec':{'clusterIP':'10.43.0.1'}}", 1),
	          -EINVAL);
	CHECK_INT(tpm_svc(m, "[]", 1), -EINVAL);
	pxm_free(m);
}

UNIT_TEST(pxm_service_nodeport_lb)
{
	pxm *m = tpm_model("n1", NULL);
	const struct pxm_svcport *sp;
	char b[64];

	CHECK(m);
	CHECK_INT(tpm_svc(m,
	                  "{'metadata':{'namespace':'ns','name':'np'},'spec':{'type':'NodePort',"
	                  "'clusterIP':'10.43.0.20','ports':[{'name':'http','port':80,"
	                  "'nodePort':30080}],'externalTrafficPolicy':'Local',"
	                  "'healthCheckNodePort':32000}}",
	                  1),
	          1);
	sp = pxm_get(m, "ns/np:http/TCP");
	CHECK(sp);
	CHECK_INT(sp->type, PXM_TYPE_NODE_PORT);
	CHECK_INT(sp->node_port, 30080);
	CHECK(sp->ext_policy_local);
	CHECK_INT(sp->health_check_node_port, 0); /* LoadBalancer only */

	CHECK_INT(tpm_svc(m,
	                  "{'metadata':{'namespace':'ns','name':'lb'},'spec':{'type':"
	                  "'LoadBalancer','clusterIPs':['10.43.0.21','fd00::21'],'ports':[{"
	                  "'name':'http','port':80,'nodePort':30081}],'externalTrafficPolicy':"
	                  "'Local','healthCheckNodePort':32001,'internalTrafficPolicy':'Local',"
	                  "'loadBalancerSourceRanges':[' 10.0.0.0/8 ','192.168.1.1/24','bogus',"
	                  "'fd00::/64',3,'10.0.0.0/8'],'sessionAffinity':'ClientIP',"
	                  "'sessionAffinityConfig':{'clientIP':{'timeoutSeconds':60}}},"
	                  "'status':{'loadBalancer':{'ingress':[{'ip':'198.51.100.1'},"
	                  "{'ip':'198.51.100.2','ipMode':'Proxy'},{'ip':'198.51.100.3',"
	                  "'ipMode':'VIP'},{'hostname':'lb.example.com'},{'ip':'2001:db8::9'}]}}}",
	                  1),
	          1);
	sp = pxm_get(m, "ns/lb:http/TCP");
	CHECK(sp);
	CHECK_INT(sp->type, PXM_TYPE_LOAD_BALANCER);
	CHECK_INT(sp->node_port, 30081);
	CHECK_INT(sp->health_check_node_port, 32001);
	CHECK(sp->ext_policy_local);
	CHECK(sp->int_policy_local);
	CHECK(sp->affinity_client_ip);
	CHECK_INT(sp->affinity_timeout_s, 60);
	CHECK_INT(sp->n_lb_ips, 3);
	net_addr_fmt(&sp->lb_ips[0], b, sizeof(b));
	CHECK_STR(b, "198.51.100.1");
	net_addr_fmt(&sp->lb_ips[1], b, sizeof(b));
	CHECK_STR(b, "198.51.100.3");
	CHECK_INT(sp->n_lb_source_ranges, 3);
	net_cidr_fmt(&sp->lb_source_ranges[0], b, sizeof(b));
	CHECK_STR(b, "10.0.0.0/8");
	net_cidr_fmt(&sp->lb_source_ranges[1], b, sizeof(b));
	CHECK_STR(b, "192.168.1.0/24");
	net_cidr_fmt(&sp->lb_source_ranges[2], b, sizeof(b));
	CHECK_STR(b, "fd00::/64");

	/* Affinity defaults: no config, a zero or out-of-range timeout -> 10800. */
	static const char *const aff[] = {
	    "{'metadata':{'namespace':'ns','name':'a1'},'spec':{'clusterIP':'10.43.0.30',"
	    "'ports':[{'port':80}],'sessionAffinity':'ClientIP'}}",
	    "{'metadata':{'namespace':'ns','name':'a2'},'spec':{'clusterIP':'10.43.0.31',"
	    "'ports':[{'port':80}],'sessionAffinity':'ClientIP','sessionAffinityConfig':"
	    "{'clientIP':{'timeoutSeconds':0}}}}",
	    "{'metadata':{'namespace':'ns','name':'a3'},'spec':{'clusterIP':'10.43.0.32',"
	    "'ports':[{'port':80}],'sessionAffinity':'ClientIP','sessionAffinityConfig':"
	    "{'clientIP':{'timeoutSeconds':86401}}}}",
	};
	static const char *const keys[] = {"ns/a1:/TCP", "ns/a2:/TCP", "ns/a3:/TCP"};
	for (int i = 0; i < 3; i++) {
		CHECK_INT(tpm_svc(m, aff[i], 1), 1);
		sp = pxm_get(m, keys[i]);
		CHECK(sp && sp->affinity_client_ip);
		CHECK_INT(sp->affinity_timeout_s, PXM_AFFINITY_TIMEOUT_DEFAULT);
	}

	/* eTP Local needs an externally reachable Service: a ClusterIP one only
	 * with externalIPs. */
	CHECK_INT(tpm_svc(m,
	                  "{'metadata':{'namespace':'ns','name':'e1'},'spec':{'clusterIP':"
	                  "'10.43.0.40','ports':[{'port':80}],'externalTrafficPolicy':'Local'}}",
	                  1),
	          1);
	CHECK(!pxm_get(m, "ns/e1:/TCP")->ext_policy_local);
	CHECK_INT(tpm_svc(m,
	                  "{'metadata':{'namespace':'ns','name':'e2'},'spec':{'clusterIP':"
	                  "'10.43.0.41','ports':[{'port':80}],'externalTrafficPolicy':'Local',"
	                  "'externalIPs':['192.0.2.7']}}",
	                  1),
	          1);
	CHECK(pxm_get(m, "ns/e2:/TCP")->ext_policy_local);
	pxm_free(m);
}

UNIT_TEST(pxm_service_duplicate_ports)
{
	pxm *m = tpm_model("n1", NULL);

	CHECK(m);
	/* The same name on TCP and UDP is two ports; the same name and protocol
	 * twice (invalid) keeps the first. */
	CHECK_INT(tpm_svc(m,
	                  "{'metadata':{'namespace':'ns','name':'d'},'spec':{'clusterIP':"
	                  "'10.43.0.50','ports':[{'name':'x','port':53},{'name':'x','port':53,"
	                  "'protocol':'UDP'},{'name':'x','port':54}]}}",
	                  1),
	          1);
	CHECK_INT(pxm_size(m), 2);
	CHECK_INT(pxm_get(m, "ns/d:x/TCP")->port, 53);
	CHECK(pxm_get(m, "ns/d:x/UDP"));
	pxm_free(m);
}

UNIT_TEST(pxm_service_proxy_name)
{
	static const char *const svcs[] = {
	    "{'metadata':{'namespace':'ns','name':'plain'},'spec':{'clusterIP':'10.43.1.1',"
	    "'ports':[{'port':80}]}}",
	    "{'metadata':{'namespace':'ns','name':'ours','labels':{'service.kubernetes.io/"
	    "service-proxy-name':'svcnet'}},'spec':{'clusterIP':'10.43.1.2','ports':[{'port':80}]}"
	    "}",
	    "{'metadata':{'namespace':'ns','name':'other','labels':{'service.kubernetes.io/"
	    "service-proxy-name':'other'}},'spec':{'clusterIP':'10.43.1.3','ports':[{'port':80}]}}",
	    "{'metadata':{'namespace':'ns','name':'empty','labels':{'service.kubernetes.io/"
	    "service-proxy-name':''}},'spec':{'clusterIP':'10.43.1.4','ports':[{'port':80}]}}",
	    "{'metadata':{'namespace':'ns','name':'weird','labels':{'service.kubernetes.io/"
	    "service-proxy-name':1}},'spec':{'clusterIP':'10.43.1.5','ports':[{'port':80}]}}",
	};
	/* Which of the five each proxy programs. */
	static const char *const want_default = "10000", *const want_named = "01000";
	pxm *d = tpm_model("n1", NULL), *n = tpm_model("n1", "svcnet");
	static const char *const keys[] = {"ns/plain:/TCP", "ns/ours:/TCP", "ns/other:/TCP",
	                                   "ns/empty:/TCP", "ns/weird:/TCP"};

	CHECK(d && n);
	for (int i = 0; i < 5; i++) {
		CHECK_INT(tpm_svc(d, svcs[i], 1), want_default[i] == '1');
		CHECK_INT(tpm_svc(n, svcs[i], 1), want_named[i] == '1');
		CHECK_INT(pxm_get(d, keys[i]) != NULL, want_default[i] == '1');
		CHECK_INT(pxm_get(n, keys[i]) != NULL, want_named[i] == '1');
	}
	/* Labelling a handled Service for another proxy removes its ports. */
	CHECK_INT(tpm_svc(d,
	                  "{'metadata':{'namespace':'ns','name':'plain','labels':{"
	                  "'service.kubernetes.io/service-proxy-name':'other'}},'spec':{"
	                  "'clusterIP':'10.43.1.1','ports':[{'port':80}]}}",
	                  2),
	          1);
	CHECK(!pxm_get(d, "ns/plain:/TCP"));
	pxm_free(d);
	pxm_free(n);
}

/* ---- EndpointSlices ---- */

#define SVC_WEB                                                                                    \
	"{'metadata':{'namespace':'ns','name':'web'},'spec':{'clusterIPs':['10.43.0.5',"           \
	"'fd00::5'],'ports':[{'name':'http','port':80},{'name':'metrics','port':9100}]}}"

UNIT_TEST(pxm_slices_merge_dedup_resolve)
{
	pxm *m = tpm_model("n1", NULL);
	const struct pxm_svcport *sp;

	CHECK(m);
	CHECK_INT(tpm_svc(m, SVC_WEB, 1), 1);
	/* Two IPv4 slices and one IPv6 slice; 10.1.0.2 is in both IPv4 ones
	 * (the second copy is local, so it wins). The IPv6 slice's IPv4 address
	 * and address-less endpoints are dropped. */
	CHECK_INT(tpm_slice(m,
	                    "{'metadata':{'namespace':'ns','name':'web-a','labels':{"
	                    "'kubernetes.io/service-name':'web'}},'addressType':'IPv4',"
	                    "'ports':[{'name':'http','port':8080,'protocol':'TCP'},{'name':"
	                    "'metrics','port':9090}],'endpoints':[{'addresses':['10.1.0.3'],"
	                    "'nodeName':'n2'},{'addresses':['10.1.0.2'],'nodeName':'n2'}]}",
	                    1),
	          1);
	CHECK_INT(tpm_slice(m,
	                    "{'metadata':{'namespace':'ns','name':'web-b','labels':{"
	                    "'kubernetes.io/service-name':'web'}},'addressType':'IPv4',"
	                    "'ports':[{'name':'http','port':8080}],'endpoints':[{'addresses':["
	                    "'10.1.0.2'],'nodeName':'n1','conditions':{'ready':false}},"
	                    "{'addresses':['10.1.0.1'],'nodeName':'n1'}]}",
	                    1),
	          1);
	CHECK_INT(tpm_slice(m,
	                    "{'metadata':{'namespace':'ns','name':'web-c','labels':{"
	                    "'kubernetes.io/service-name':'web'}},'addressType':'IPv6',"
	                    "'ports':[{'name':'http','port':8081}],'endpoints':[{'addresses':["
	                    "'fd01::2']},{'addresses':['10.1.0.9']},{'addresses':[]},{}]}",
	                    1),
	          1);
	sp = pxm_get(m, "ns/web:http/TCP");
	CHECK(sp);
	CHECK_STR(tpm_eps(sp, AF_INET, 0), "10.1.0.1:8080 10.1.0.2:8080 10.1.0.3:8080");
	CHECK_STR(tpm_eps(sp, AF_INET6, 0), "[fd01::2]:8081");
	CHECK_INT(sp->n_eps, 4);
	CHECK(sp->eps[0].local);
	CHECK(sp->eps[1].local && !sp->eps[1].ready); /* the local duplicate won */
	CHECK(!sp->eps[2].local);
	CHECK_STR(sp->eps[2].node_name, "n2");
	CHECK(sp->eps[3].node_name == NULL);
	/* Conditions absent: ready and serving, not terminating. */
	CHECK(sp->eps[3].ready && sp->eps[3].serving && !sp->eps[3].terminating);
	/* Cluster endpoints per family. */
	CHECK_STR(tpm_eps(sp, AF_INET, PXM_CAT_CLUSTER), "10.1.0.1:8080 10.1.0.3:8080");
	CHECK_INT(pxm_svcport_family(sp, AF_INET6)->cat.n_cluster, 1);

	/* The metrics port resolves to 9090 in the one slice that names it. */
	sp = pxm_get(m, "ns/web:metrics/TCP");
	CHECK(sp);
	CHECK_STR(tpm_eps(sp, AF_INET, 0), "10.1.0.2:9090 10.1.0.3:9090");
	CHECK_STR(tpm_eps(sp, AF_INET6, 0), "");
	pxm_free(m);
}

UNIT_TEST(pxm_slices_conditions_and_fallback)
{
	pxm *m = tpm_model("n1", NULL);
	const struct pxm_svcport *sp;

	CHECK(m);
	CHECK_INT(tpm_svc(m, SVC_WEB, 1), 1);
	/* All terminating: the serving ones take the traffic. A condition of the
	 * wrong type reads as absent. */
	CHECK_INT(tpm_slice(m,
	                    "{'metadata':{'namespace':'ns','name':'web-a','labels':{"
	                    "'kubernetes.io/service-name':'web'}},'addressType':'IPv4',"
	                    "'ports':[{'name':'http','port':8080}],'endpoints':["
	                    "{'addresses':['10.1.0.1'],'conditions':{'ready':false,'serving':"
	                    "true,'terminating':true}},{'addresses':['10.1.0.2'],'conditions':{"
	                    "'ready':false,'serving':false,'terminating':true}},{'addresses':["
	                    "'10.1.0.3'],'conditions':{'ready':false,'terminating':true}}]}",
	                    1),
	          1);
	sp = pxm_get(m, "ns/web:http/TCP");
	CHECK(sp);
	CHECK_STR(tpm_eps(sp, AF_INET, PXM_CAT_CLUSTER), "10.1.0.1:8080 10.1.0.3:8080");
	CHECK(pxm_svcport_family(sp, AF_INET)->cat.has_any);
	/* One becomes ready (with a wrong-typed terminating): only it is used. */
	CHECK_INT(tpm_slice(m,
	                    "{'metadata':{'namespace':'ns','name':'web-a','labels':{"
	                    "'kubernetes.io/service-name':'web'}},'addressType':'IPv4',"
	                    "'ports':[{'name':'http','port':8080}],'endpoints':["
	                    "{'addresses':['10.1.0.1'],'conditions':{'ready':false,'serving':"
	                    "true,'terminating':true}},{'addresses':['10.1.0.4'],'conditions':{"
	                    "'ready':'no','terminating':'yes'}}]}",
	                    1),
	          1);
	sp = pxm_get(m, "ns/web:http/TCP");
	CHECK_STR(tpm_eps(sp, AF_INET, PXM_CAT_CLUSTER), "10.1.0.4:8080");
	pxm_free(m);
}

UNIT_TEST(pxm_slices_ignored)
{
	pxm *m = tpm_model("n1", NULL);

	CHECK(m);
	CHECK_INT(tpm_svc(m,
	                  "{'metadata':{'namespace':'ns','name':'v4'},'spec':{'clusterIP':"
	                  "'10.43.0.6','ports':[{'name':'http','port':80}]}}",
	                  1),
	          1);
	/* No service-name label, a headless label, FQDN, IPv6 for an IPv4-only
	 * Service, another namespace, a port name or protocol that does not
	 * match: none gives an endpoint. */
	static const char *const slices[] = {
	    "{'metadata':{'namespace':'ns','name':'s1'},'addressType':'IPv4','ports':[{'name':"
	    "'http','port':8080}],'endpoints':[{'addresses':['10.1.0.1']}]}",
	    "{'metadata':{'namespace':'ns','name':'s2','labels':{'kubernetes.io/service-name':"
	    "'v4','service.kubernetes.io/headless':''}},'addressType':'IPv4','ports':[{'name':"
	    "'http','port':8080}],'endpoints':[{'addresses':['10.1.0.1']}]}",
	    "{'metadata':{'namespace':'ns','name':'s3','labels':{'kubernetes.io/service-name':"
	    "'v4'}},'addressType':'FQDN','ports':[{'name':'http','port':8080}],'endpoints':[{"
	    "'addresses':['example.com']}]}",
	    "{'metadata':{'namespace':'ns','name':'s4','labels':{'kubernetes.io/service-name':"
	    "'v4'}},'addressType':'IPv6','ports':[{'name':'http','port':8080}],'endpoints':[{"
	    "'addresses':['fd01::1']}]}",
	    "{'metadata':{'namespace':'other','name':'s5','labels':{'kubernetes.io/service-name':"
	    "'v4'}},'addressType':'IPv4','ports':[{'name':'http','port':8080}],'endpoints':[{"
	    "'addresses':['10.1.0.1']}]}",
	    "{'metadata':{'namespace':'ns','name':'s6','labels':{'kubernetes.io/service-name':"
	    "'v4'}},'addressType':'IPv4','ports':[{'name':'web','port':8080},{'name':'http',"
	    "'port':8080,'protocol':'UDP'},{'name':'http','port':0},{'name':'http'}],"
	    "'endpoints':[{'addresses':['10.1.0.1']}]}",
	};
	for (size_t i = 0; i < sizeof(slices) / sizeof(slices[0]); i++)
		CHECK_INT(tpm_slice(m, slices[i], 1), 0);
	CHECK_INT(pxm_get(m, "ns/v4:http/TCP")->n_eps, 0);
	CHECK_INT(pxm_pending(m), 1); /* only the Service's own add */
	/* Without namespace and name there is no key. */
	CHECK_INT(tpm_slice(m, "{'metadata':{'namespace':'ns'}}", 1), -EINVAL);
	pxm_free(m);
}

UNIT_TEST(pxm_slice_before_service_and_unnamed)
{
	pxm *m = tpm_model(NULL, NULL);
	const struct pxm_svcport *sp;

	CHECK(m);
	/* svcnet's Endpoints mirror omits the name of an unnamed port. */
	CHECK_INT(tpm_slice(m,
	                    "{'metadata':{'namespace':'ns','name':'u-1','labels':{"
	                    "'kubernetes.io/service-name':'u'}},'addressType':'IPv4',"
	                    "'ports':[{'port':8080}],'endpoints':[{'addresses':['10.1.0.1'],"
	                    "'nodeName':'n1'}]}",
	                    1),
	          0);
	CHECK_INT(tpm_svc(m,
	                  "{'metadata':{'namespace':'ns','name':'u'},'spec':{'clusterIP':"
	                  "'10.43.0.7','ports':[{'port':80}]}}",
	                  1),
	          1);
	sp = pxm_get(m, "ns/u:/TCP");
	CHECK(sp);
	CHECK_STR(tpm_eps(sp, AF_INET, 0), "10.1.0.1:8080");
	CHECK(!sp->eps[0].local); /* no node name configured: nothing is local */
	pxm_free(m);
}

int tpm_sync(const struct pxb_ops *ops, pxb *b, pxm *m, bool full, struct pxb_result *res,
             char *err, size_t errlen)
{
	const struct pxm_svcport **all = NULL;
	struct pxm_changes ch;
	size_t n = 0;
	int rc;

	if (pxm_take_changes(m, &ch) < 0 || (full && pxm_snapshot(m, &all, &n) < 0))
		return -1;
	struct pxb_sync s = {full, all, n, ch.v, ch.n};
	rc = ops->sync(b, &s, res, err, errlen);
	if (rc)
		printf("    child: %s %s sync: %d %s\n", ops->name, full ? "full" : "partial", rc,
		       err);
	free(all);
	pxm_changes_free(&ch);
	return rc;
}

int tpm_fmt(pxm *m, bool slice, const char *fmt, ...)
{
	char b[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	return slice ? tpm_slice(m, b, 1) : tpm_svc(m, b, 1);
}
