/* test_dns_answer.c - the answer engine: packets in, packets out, against a
 * zone built from Service and EndpointSlice objects. */
#include <stdlib.h>

#include "test_dns_util.h"
#include "unit.h"

static uint8_t t_out[DNSA_MAX_MSG];
static struct dnsa_result t_res;

static const struct dnsa_config cfg_noforward = {.pods = DNSA_PODS_INSECURE};
static const struct dnsa_config cfg_forward = {.pods = DNSA_PODS_INSECURE, .forward = true};

static dz_zone *t_zone(void)
{
	dz_zone *z = dz_new("cluster.local", 5);
	char big[20000];
	size_t o;

	tz_svc(z, "{\"metadata\":{\"namespace\":\"default\",\"name\":\"web\"},\"spec\":{\"type\":"
	          "\"ClusterIP\",\"clusterIP\":\"10.43.0.20\",\"clusterIPs\":[\"10.43.0.20\"],"
	          "\"ports\":[{\"name\":\"http\",\"protocol\":\"TCP\",\"port\":80},"
	          "{\"name\":\"dns\",\"protocol\":\"UDP\",\"port\":53},{\"port\":81}]}}");
	tz_svc(z, "{\"metadata\":{\"namespace\":\"default\",\"name\":\"dual\"},\"spec\":{"
	          "\"clusterIP\":\"10.43.0.30\",\"clusterIPs\":[\"10.43.0.30\",\"fd00:43::30\"]}}");
	tz_svc(z, "{\"metadata\":{\"namespace\":\"default\",\"name\":\"db\"},\"spec\":{"
	          "\"clusterIP\":\"None\",\"ports\":[{\"name\":\"pg\",\"port\":5432}]}}");
	tz_slice(z,
	         "{\"metadata\":{\"namespace\":\"default\",\"name\":\"db-abc\",\"labels\":{"
	         "\"kubernetes.io/service-name\":\"db\"}},\"addressType\":\"IPv4\","
	         "\"endpoints\":["
	         "{\"addresses\":[\"10.42.1.5\"],\"hostname\":\"db-0\",\"conditions\":{\"ready\":"
	         "true}},"
	         "{\"addresses\":[\"10.42.1.6\"]},"
	         "{\"addresses\":[\"10.42.1.7\"],\"hostname\":\"db-2\",\"conditions\":{\"ready\":"
	         "true}},"
	         "{\"addresses\":[\"10.42.1.8\"],\"hostname\":\"db-3\",\"conditions\":{\"ready\":"
	         "false}}],"
	         "\"ports\":[{\"name\":\"pg\",\"protocol\":\"TCP\",\"port\":5433}]}");
	/* A second slice repeating an address: answers de-duplicate. */
	tz_slice(z, "{\"metadata\":{\"namespace\":\"default\",\"name\":\"db-def\",\"labels\":{"
	            "\"kubernetes.io/service-name\":\"db\"}},\"addressType\":\"IPv4\","
	            "\"endpoints\":[{\"addresses\":[\"10.42.1.6\"]}],"
	            "\"ports\":[{\"name\":\"pg\",\"protocol\":\"TCP\",\"port\":5433}]}");
	tz_svc(z, "{\"metadata\":{\"namespace\":\"default\",\"name\":\"idle\"},\"spec\":{"
	          "\"clusterIP\":\"None\"}}");
	tz_slice(z,
	         "{\"metadata\":{\"namespace\":\"default\",\"name\":\"idle-1\",\"labels\":{"
	         "\"kubernetes.io/service-name\":\"idle\"}},\"addressType\":\"IPv4\","
	         "\"endpoints\":[{\"addresses\":[\"10.42.2.1\"],\"conditions\":{\"ready\":false}}"
	         "]}");
	tz_svc(z, "{\"metadata\":{\"namespace\":\"default\",\"name\":\"ext\"},\"spec\":{\"type\":"
	          "\"ExternalName\",\"externalName\":\"Example.COM\"}}");
	tz_svc(z, "{\"metadata\":{\"namespace\":\"other\",\"name\":\"alias\"},\"spec\":{\"type\":"
	          "\"ExternalName\",\"externalName\":\"web.default.svc.cluster.local.\"}}");
	tz_svc(z, "{\"metadata\":{\"namespace\":\"other\",\"name\":\"loop\"},\"spec\":{\"type\":"
	          "\"ExternalName\",\"externalName\":\"loop.other.svc.cluster.local\"}}");
	tz_svc(z, "{\"metadata\":{\"namespace\":\"default\",\"name\":\"big\"},\"spec\":{"
	          "\"clusterIP\":\"None\"}}");
	o = (size_t)snprintf(big, sizeof(big),
	                     "{\"metadata\":{\"namespace\":\"default\",\"name\":\"big-1\","
	                     "\"labels\":{\"kubernetes.io/service-name\":\"big\"}},"
	                     "\"addressType\":\"IPv4\",\"endpoints\":[");
	for (int i = 0; i < 100; i++)
		o += (size_t)snprintf(big + o, sizeof(big) - o,
		                      "%s{\"addresses\":[\"10.42.3.%d\"]}", i ? "," : "", i + 1);
	snprintf(big + o, sizeof(big) - o, "]}");
	tz_slice(z, big);
	return z;
}

static void ask_raw(dz_zone *z, const struct dnsa_config *c, const uint8_t *q, size_t ql, bool tcp,
                    struct tr *t)
{
	dnsa_answer(z, c, q, ql, tcp, t_out, sizeof(t_out), &t_res);
	memset(t, 0, sizeof(*t));
	if (t_res.action == DNSA_REPLY || t_res.action == DNSA_CHASE)
		tr_parse(t_out, t_res.len, t);
}

static void ask(dz_zone *z, const struct dnsa_config *c, const char *name, uint16_t qt, int edns,
                bool tcp, struct tr *t)
{
	uint8_t q[600];
	size_t ql = tq_make(q, name, qt, edns, 0x1234);

	ask_raw(z, c, q, ql, tcp, t);
}

UNIT_TEST(dns_answer_clusterip)
{
	dz_zone *z = t_zone();
	struct tr t;

	ask(z, &cfg_noforward, "web.default.svc.cluster.local", DNS_T_A, 0, false, &t);
	CHECK(t.ok);
	CHECK_INT(t_res.action, DNSA_REPLY);
	CHECK_INT(t.id, 0x1234);
	CHECK_INT(t.rcode, DNS_R_NOERROR);
	CHECK(t.flags & DNS_F_AA);
	CHECK(t.flags & DNS_F_QR);
	CHECK(t.flags & DNS_F_RD);
	CHECK(!(t.flags & DNS_F_RA)); /* no forwarding: no recursion available */
	CHECK_INT(t.count[1], 1);
	CHECK(tr_has(&t, "an web.default.svc.cluster.local. A 10.43.0.20 ttl=5"));
	/* The other family exists not: NODATA with the SOA, negative TTL = --ttl. */
	ask(z, &cfg_noforward, "web.default.svc.cluster.local", DNS_T_AAAA, 0, false, &t);
	CHECK_INT(t.rcode, DNS_R_NOERROR);
	CHECK_INT(t.count[1], 0);
	CHECK_INT(t.count[2], 1);
	CHECK(tr_has(&t, "ns cluster.local. SOA ns.dns.cluster.local. hostmaster.cluster.local. 5 "
	                 "ttl=5"));
	ask(z, &cfg_noforward, "dual.default.svc.cluster.local", DNS_T_AAAA, 0, false, &t);
	CHECK(tr_has(&t, "an dual.default.svc.cluster.local. AAAA fd00:43::30"));
	CHECK_INT(t.count[1], 1);
	ask(z, &cfg_noforward, "nope.default.svc.cluster.local", DNS_T_A, 0, false, &t);
	CHECK_INT(t.rcode, DNS_R_NXDOMAIN);
	CHECK(tr_has(&t, "ns cluster.local. SOA"));
	dz_free(z);
}

UNIT_TEST(dns_answer_case_insensitive)
{
	dz_zone *z = t_zone();
	struct tr t;

	ask(z, &cfg_noforward, "WeB.DEFAULT.Svc.Cluster.LOCAL", DNS_T_A, 0, false, &t);
	CHECK_INT(t.rcode, DNS_R_NOERROR);
	CHECK_STR(t.qname, "WeB.DEFAULT.Svc.Cluster.LOCAL.");
	/* The answer points at the question: the client's case. */
	CHECK(tr_has(&t, "an WeB.DEFAULT.Svc.Cluster.LOCAL. A 10.43.0.20"));
	dz_free(z);
}

UNIT_TEST(dns_answer_headless)
{
	dz_zone *z = t_zone();
	struct tr t;

	ask(z, &cfg_noforward, "db.default.svc.cluster.local", DNS_T_A, 0, false, &t);
	CHECK_INT(t.rcode, DNS_R_NOERROR);
	CHECK_INT(t.count[1], 3); /* .5, .6 (ready unknown = ready, once), .7; not .8 */
	CHECK(tr_has(&t, "an db.default.svc.cluster.local. A 10.42.1.5"));
	CHECK(tr_has(&t, "an db.default.svc.cluster.local. A 10.42.1.6"));
	CHECK(tr_has(&t, "an db.default.svc.cluster.local. A 10.42.1.7"));
	CHECK(!tr_has(&t, "an db.default.svc.cluster.local. A 10.42.1.8"));
	ask(z, &cfg_noforward, "db-0.db.default.svc.cluster.local", DNS_T_A, 0, false, &t);
	CHECK_INT(t.count[1], 1);
	CHECK(tr_has(&t, "an db-0.db.default.svc.cluster.local. A 10.42.1.5"));
	ask(z, &cfg_noforward, "10-42-1-6.db.default.svc.cluster.local", DNS_T_A, 0, false, &t);
	CHECK(tr_has(&t, "an 10-42-1-6.db.default.svc.cluster.local. A 10.42.1.6"));
	ask(z, &cfg_noforward, "db-3.db.default.svc.cluster.local", DNS_T_A, 0, false, &t);
	CHECK_INT(t.rcode, DNS_R_NXDOMAIN); /* not ready */
	ask(z, &cfg_noforward, "db-0.db.default.svc.cluster.local", DNS_T_AAAA, 0, false, &t);
	CHECK_INT(t.rcode, DNS_R_NOERROR);
	CHECK_INT(t.count[1], 0);
	ask(z, &cfg_noforward, "idle.default.svc.cluster.local", DNS_T_A, 0, false, &t);
	CHECK_INT(t.rcode, DNS_R_NXDOMAIN); /* no ready endpoint */
	dz_free(z);
}

UNIT_TEST(dns_answer_srv)
{
	dz_zone *z = t_zone();
	struct tr t;

	ask(z, &cfg_noforward, "_http._tcp.web.default.svc.cluster.local", DNS_T_SRV, 0, false, &t);
	CHECK_INT(t.rcode, DNS_R_NOERROR);
	CHECK_INT(t.count[1], 1);
	CHECK(tr_has(&t, "an _http._tcp.web.default.svc.cluster.local. SRV 0 100 80 "
	                 "web.default.svc.cluster.local."));
	CHECK(tr_has(&t, "ar web.default.svc.cluster.local. A 10.43.0.20"));
	ask(z, &cfg_noforward, "_dns._udp.web.default.svc.cluster.local", DNS_T_SRV, 0, false, &t);
	CHECK(tr_has(&t, "an _dns._udp.web.default.svc.cluster.local. SRV 0 100 53 "));
	ask(z, &cfg_noforward, "_http._udp.web.default.svc.cluster.local", DNS_T_SRV, 0, false, &t);
	CHECK_INT(t.rcode, DNS_R_NXDOMAIN);
	ask(z, &cfg_noforward, "_tcp.web.default.svc.cluster.local", DNS_T_SRV, 0, false, &t);
	CHECK_INT(t.rcode, DNS_R_NOERROR); /* an empty non-terminal */
	CHECK_INT(t.count[1], 0);
	/* Headless: one per ready endpoint, the slice's port, targets' addresses. */
	ask(z, &cfg_noforward, "_pg._tcp.db.default.svc.cluster.local", DNS_T_SRV, 0, false, &t);
	CHECK_INT(t.count[1], 3);
	CHECK(tr_has(&t, "an _pg._tcp.db.default.svc.cluster.local. SRV 0 100 5433 "
	                 "db-0.db.default.svc.cluster.local."));
	CHECK(tr_has(&t, "an _pg._tcp.db.default.svc.cluster.local. SRV 0 100 5433 "
	                 "10-42-1-6.db.default.svc.cluster.local."));
	CHECK(tr_has(&t, "ar db-2.db.default.svc.cluster.local. A 10.42.1.7"));
	CHECK(tr_has(&t, "ar 10-42-1-6.db.default.svc.cluster.local. A 10.42.1.6"));
	dz_free(z);
}

UNIT_TEST(dns_answer_ptr)
{
	dz_zone *z = t_zone();
	struct tr t;

	ask(z, &cfg_noforward, "20.0.43.10.in-addr.arpa", DNS_T_PTR, 0, false, &t);
	CHECK_INT(t.rcode, DNS_R_NOERROR);
	CHECK(t.flags & DNS_F_AA);
	CHECK(tr_has(&t, "an 20.0.43.10.in-addr.arpa. PTR web.default.svc.cluster.local."));
	ask(z, &cfg_noforward, "5.1.42.10.in-addr.arpa", DNS_T_PTR, 0, false, &t);
	CHECK(tr_has(&t, "an 5.1.42.10.in-addr.arpa. PTR db-0.db.default.svc.cluster.local."));
	ask(z, &cfg_noforward, "6.1.42.10.IN-ADDR.ARPA", DNS_T_PTR, 0, false, &t);
	CHECK(tr_has(&t, "an 6.1.42.10.IN-ADDR.ARPA. PTR 10-42-1-6.db.default.svc.cluster.local."));
	ask(z, &cfg_noforward,
	    "0.3.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.3.4.0.0.0.0.d.f.ip6.arpa", DNS_T_PTR,
	    0, false, &t);
	CHECK(tr_has(&t,
	             "an 0.3.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.3.4.0.0.0.0.d.f.ip6.arpa. "
	             "PTR dual.default.svc.cluster.local."));
	/* Not ours: NXDOMAIN without upstream, forwarded with one. */
	ask(z, &cfg_noforward, "9.9.9.9.in-addr.arpa", DNS_T_PTR, 0, false, &t);
	CHECK_INT(t.rcode, DNS_R_NXDOMAIN);
	ask(z, &cfg_forward, "9.9.9.9.in-addr.arpa", DNS_T_PTR, 0, false, &t);
	CHECK_INT(t_res.action, DNSA_FORWARD);
	ask(z, &cfg_forward, "010.0.43.10.in-addr.arpa", DNS_T_PTR, 0, false, &t);
	CHECK_INT(t_res.action, DNSA_FORWARD);
	dz_free(z);
}

UNIT_TEST(dns_answer_externalname)
{
	dz_zone *z = t_zone();
	struct tr t;

	ask(z, &cfg_noforward, "ext.default.svc.cluster.local", DNS_T_A, 0, false, &t);
	CHECK_INT(t_res.action, DNSA_REPLY);
	CHECK(tr_has(&t, "an ext.default.svc.cluster.local. CNAME example.com."));
	ask(z, &cfg_forward, "ext.default.svc.cluster.local", DNS_T_A, 0, false, &t);
	CHECK_INT(t_res.action, DNSA_CHASE);
	CHECK_INT(t_res.target_len, 13);
	CHECK(!memcmp(t_res.target,
	              "\x07"
	              "example\x03"
	              "com",
	              13));
	CHECK_INT(t.opt_size, -1); /* OPT comes after what the forwarder adds */
	ask(z, &cfg_forward, "ext.default.svc.cluster.local", DNS_T_CNAME, 0, false, &t);
	CHECK_INT(t_res.action, DNSA_REPLY);
	/* A target in the zone is answered at once. */
	ask(z, &cfg_forward, "alias.other.svc.cluster.local", DNS_T_A, 0, false, &t);
	CHECK_INT(t_res.action, DNSA_REPLY);
	CHECK(tr_has(&t, "an alias.other.svc.cluster.local. CNAME web.default.svc.cluster.local."));
	CHECK(tr_has(&t, "an web.default.svc.cluster.local. A 10.43.0.20"));
	/* A loop ends. */
	ask(z, &cfg_forward, "loop.other.svc.cluster.local", DNS_T_A, 0, false, &t);
	CHECK_INT(t_res.action, DNSA_REPLY);
	CHECK(t.count[1] >= 1);
	dz_free(z);
}

UNIT_TEST(dns_answer_apex_version_ent)
{
	dz_zone *z = t_zone();
	struct tr t;
	uint32_t serial = dz_serial(z);

	ask(z, &cfg_noforward, "dns-version.cluster.local", DNS_T_TXT, 0, false, &t);
	CHECK(tr_has(&t, "an dns-version.cluster.local. TXT \"1.1.0\""));
	ask(z, &cfg_noforward, "cluster.local", DNS_T_SOA, 0, false, &t);
	CHECK(tr_has(&t, "an cluster.local. SOA ns.dns.cluster.local. hostmaster.cluster.local."));
	ask(z, &cfg_noforward, "cluster.local", DNS_T_NS, 0, false, &t);
	CHECK(tr_has(&t, "an cluster.local. NS ns.dns.cluster.local."));
	ask(z, &cfg_noforward, "svc.cluster.local", DNS_T_A, 0, false, &t);
	CHECK_INT(t.rcode, DNS_R_NOERROR);
	CHECK_INT(t.count[1], 0);
	CHECK_INT(t.count[2], 1);
	ask(z, &cfg_noforward, "default.svc.cluster.local", DNS_T_A, 0, false, &t);
	CHECK_INT(t.rcode, DNS_R_NOERROR);
	ask(z, &cfg_noforward, "nons.svc.cluster.local", DNS_T_A, 0, false, &t);
	CHECK_INT(t.rcode, DNS_R_NXDOMAIN);
	ask(z, &cfg_noforward, "x.y.z.web.default.svc.cluster.local", DNS_T_A, 0, false, &t);
	CHECK_INT(t.rcode, DNS_R_NXDOMAIN);
	/* The serial moves with the zone. */
	tz_svc(z, "{\"metadata\":{\"namespace\":\"default\",\"name\":\"new\"},\"spec\":{"
	          "\"clusterIP\":\"10.43.0.99\"}}");
	CHECK(dz_serial(z) != serial);
	dz_free(z);
}

UNIT_TEST(dns_answer_pods)
{
	dz_zone *z = t_zone();
	struct dnsa_config c = {.pods = DNSA_PODS_INSECURE};
	struct tr t;
	json_t *pod;

	ask(z, &c, "10-42-0-9.default.pod.cluster.local", DNS_T_A, 0, false, &t);
	CHECK(tr_has(&t, "an 10-42-0-9.default.pod.cluster.local. A 10.42.0.9"));
	ask(z, &c, "fd00--9.default.pod.cluster.local", DNS_T_AAAA, 0, false, &t);
	CHECK(tr_has(&t, "an fd00--9.default.pod.cluster.local. AAAA fd00::9"));
	ask(z, &c, "10-42-0-999.default.pod.cluster.local", DNS_T_A, 0, false, &t);
	CHECK_INT(t.rcode, DNS_R_NXDOMAIN);
	c.pods = DNSA_PODS_DISABLED;
	ask(z, &c, "10-42-0-9.default.pod.cluster.local", DNS_T_A, 0, false, &t);
	CHECK_INT(t.rcode, DNS_R_NXDOMAIN);
	c.pods = DNSA_PODS_VERIFIED;
	ask(z, &c, "10-42-0-9.default.pod.cluster.local", DNS_T_A, 0, false, &t);
	CHECK_INT(t.rcode, DNS_R_NXDOMAIN);
	pod = tj("{\"metadata\":{\"namespace\":\"default\",\"name\":\"p\"},\"status\":{\"podIP\":"
	         "\"10.42.0.9\",\"podIPs\":[{\"ip\":\"10.42.0.9\"}]}}");
	CHECK_INT(dz_pod_set(z, pod), 1);
	ask(z, &c, "10-42-0-9.default.pod.cluster.local", DNS_T_A, 0, false, &t);
	CHECK(tr_has(&t, "an 10-42-0-9.default.pod.cluster.local. A 10.42.0.9"));
	ask(z, &c, "10-42-0-9.other.pod.cluster.local", DNS_T_A, 0, false, &t);
	CHECK_INT(t.rcode, DNS_R_NXDOMAIN);
	dz_pod_delete(z, pod);
	json_decref(pod);
	ask(z, &c, "10-42-0-9.default.pod.cluster.local", DNS_T_A, 0, false, &t);
	CHECK_INT(t.rcode, DNS_R_NXDOMAIN);
	dz_free(z);
}

UNIT_TEST(dns_answer_updates)
{
	dz_zone *z = t_zone();
	struct tr t;
	json_t *sl;

	tz_svc(z, "{\"metadata\":{\"namespace\":\"default\",\"name\":\"web\"},\"spec\":{"
	          "\"clusterIP\":\"10.43.0.21\"}}");
	ask(z, &cfg_noforward, "web.default.svc.cluster.local", DNS_T_A, 0, false, &t);
	CHECK(tr_has(&t, "an web.default.svc.cluster.local. A 10.43.0.21"));
	ask(z, &cfg_noforward, "20.0.43.10.in-addr.arpa", DNS_T_PTR, 0, false, &t);
	CHECK_INT(t.rcode, DNS_R_NXDOMAIN); /* the old reverse name went */
	sl = tj("{\"metadata\":{\"namespace\":\"default\",\"name\":\"db-abc\"}}");
	CHECK_INT(dz_slice_delete(z, sl), 1);
	json_decref(sl);
	ask(z, &cfg_noforward, "db.default.svc.cluster.local", DNS_T_A, 0, false, &t);
	CHECK_INT(t.count[1], 1); /* only db-def's 10.42.1.6 */
	sl = tj("{\"metadata\":{\"namespace\":\"default\",\"name\":\"db\"}}");
	CHECK_INT(dz_service_delete(z, sl), 1);
	json_decref(sl);
	ask(z, &cfg_noforward, "db.default.svc.cluster.local", DNS_T_A, 0, false, &t);
	CHECK_INT(t.rcode, DNS_R_NXDOMAIN);
	/* The unchanged object again changes nothing. */
	{
		uint32_t s = dz_serial(z);

		CHECK_INT(tz_svc(z, "{\"metadata\":{\"namespace\":\"default\",\"name\":\"web\"},"
		                    "\"spec\":{\"clusterIP\":\"10.43.0.21\"}}"),
		          0);
		CHECK_INT(dz_serial(z), s);
	}
	dz_free(z);
}

UNIT_TEST(dns_answer_protocol_errors)
{
	dz_zone *z = t_zone();
	struct tr t;
	uint8_t q[600];
	size_t ql;

	/* opcode STATUS: NOTIMP */
	ql = tq_make(q, "web.default.svc.cluster.local", DNS_T_A, 0, 7);
	q[2] |= 2 << 3;
	ask_raw(z, &cfg_noforward, q, ql, false, &t);
	CHECK_INT(t.rcode, DNS_R_NOTIMP);
	/* QDCOUNT 2: FORMERR */
	ql = tq_make(q, "web.default.svc.cluster.local", DNS_T_A, 0, 7);
	dns_put16(q + 4, 2);
	ask_raw(z, &cfg_noforward, q, ql, false, &t);
	CHECK_INT(t.rcode, DNS_R_FORMERR);
	/* A response: dropped. A short packet: dropped. */
	ql = tq_make(q, "web.default.svc.cluster.local", DNS_T_A, 0, 7);
	q[2] |= 0x80;
	ask_raw(z, &cfg_noforward, q, ql, false, &t);
	CHECK_INT(t_res.action, DNSA_DROP);
	ask_raw(z, &cfg_noforward, q, 11, false, &t);
	CHECK_INT(t_res.action, DNSA_DROP);
	/* The question cut short: FORMERR without a question. */
	ql = tq_make(q, "web.default.svc.cluster.local", DNS_T_A, 0, 7);
	ask_raw(z, &cfg_noforward, q, ql - 3, false, &t);
	CHECK_INT(t.rcode, DNS_R_FORMERR);
	CHECK_INT(t.count[0], 0);
	/* AXFR, IXFR and class CH: REFUSED. */
	ask(z, &cfg_noforward, "cluster.local", DNS_T_AXFR, 0, true, &t);
	CHECK_INT(t.rcode, DNS_R_REFUSED);
	ask(z, &cfg_noforward, "cluster.local", DNS_T_IXFR, 0, false, &t);
	CHECK_INT(t.rcode, DNS_R_REFUSED);
	ql = tq_make(q, "version.bind", DNS_T_TXT, 0, 7);
	dns_put16(q + ql - 2, 3);
	ask_raw(z, &cfg_noforward, q, ql, false, &t);
	CHECK_INT(t.rcode, DNS_R_REFUSED);
	/* Outside the zone: REFUSED without upstream, FORWARD with one. */
	ask(z, &cfg_noforward, "example.com", DNS_T_A, 0, false, &t);
	CHECK_INT(t.rcode, DNS_R_REFUSED);
	ask(z, &cfg_forward, "example.com", DNS_T_A, 0, false, &t);
	CHECK_INT(t_res.action, DNSA_FORWARD);
	CHECK_INT(t_res.max_size, 512);
	dz_free(z);
}

UNIT_TEST(dns_answer_edns)
{
	dz_zone *z = t_zone();
	struct tr t;
	uint8_t q[600];
	size_t ql;

	ask(z, &cfg_noforward, "web.default.svc.cluster.local", DNS_T_A, 4096, false, &t);
	CHECK_INT(t.opt_size, 1232);
	CHECK_INT(t.count[3], 1);
	ask(z, &cfg_noforward, "web.default.svc.cluster.local", DNS_T_A, 0, false, &t);
	CHECK_INT(t.opt_size, -1);
	/* Version 1: BADVERS (16 = extended 1, header 0). */
	ql = tq_make(q, "web.default.svc.cluster.local", DNS_T_A, 1232, 7);
	q[ql - 5] = 1;
	ask_raw(z, &cfg_noforward, q, ql, false, &t);
	CHECK_INT(t.rcode, 0);
	CHECK_INT(t.opt_ext, 1);
	CHECK_INT(t.count[1], 0);
	/* Two OPT records: FORMERR. */
	ql = tq_make(q, "web.default.svc.cluster.local", DNS_T_A, 1232, 7);
	memcpy(q + ql, q + ql - 11, 11);
	ql += 11;
	dns_put16(q + 10, 2);
	ask_raw(z, &cfg_noforward, q, ql, false, &t);
	CHECK_INT(t.rcode, DNS_R_FORMERR);
	dz_free(z);
}

UNIT_TEST(dns_answer_any_minimal)
{
	dz_zone *z = t_zone();
	struct tr t;

	ask(z, &cfg_noforward, "dual.default.svc.cluster.local", DNS_T_ANY, 0, false, &t);
	CHECK_INT(t.count[1], 1); /* one RRset (RFC 8482): IPv4 */
	CHECK(tr_has(&t, "an dual.default.svc.cluster.local. A 10.43.0.30"));
	ask(z, &cfg_noforward, "cluster.local", DNS_T_ANY, 0, false, &t);
	CHECK_INT(t.count[1], 1);
	CHECK(tr_has(&t, "an cluster.local. SOA"));
	dz_free(z);
}

UNIT_TEST(dns_answer_truncation)
{
	dz_zone *z = t_zone();
	struct tr t;

	/* 100 addresses: 16 bytes each with compression: over 512 and over 1232. */
	ask(z, &cfg_noforward, "big.default.svc.cluster.local", DNS_T_A, 0, false, &t);
	CHECK(t.flags & DNS_F_TC);
	CHECK_INT(t.count[0], 1);
	CHECK_INT(t.count[1], 0);
	CHECK(t_res.len <= 512);
	ask(z, &cfg_noforward, "big.default.svc.cluster.local", DNS_T_A, 1232, false, &t);
	CHECK(t.flags & DNS_F_TC);
	CHECK_INT(t.opt_size, 1232);
	ask(z, &cfg_noforward, "big.default.svc.cluster.local", DNS_T_A, 65000, true, &t);
	CHECK(!(t.flags & DNS_F_TC));
	CHECK_INT(t.count[1], 100);
	CHECK_INT(tr_count(&t, "an big.default.svc.cluster.local. A 10.42.3."), 100);
	/* Every owner is a pointer to the question: 12 + 2 + 10 + 4 per record. */
	CHECK_INT(t_res.len, 12 + 35 + 100 * 16 + 11);
	/* 100 SRV records and their 100 targets over TCP: more names than the
	 * compression table holds, every one still decodes. */
	tz_svc(z, "{\"metadata\":{\"namespace\":\"default\",\"name\":\"big\"},\"spec\":{"
	          "\"clusterIP\":\"None\"}}");
	{
		char sl[20000];
		size_t o =
		    (size_t)snprintf(sl, sizeof(sl),
		                     "{\"metadata\":{\"namespace\":\"default\",\"name\":"
		                     "\"big-1\",\"labels\":{\"kubernetes.io/service-name\":"
		                     "\"big\"}},\"addressType\":\"IPv4\",\"ports\":[{\"name\":"
		                     "\"http\",\"port\":80}],\"endpoints\":[");

		for (int i = 0; i < 100; i++)
			o += (size_t)snprintf(sl + o, sizeof(sl) - o,
			                      "%s{\"addresses\":[\"10.42.3.%d\"]}", i ? "," : "",
			                      i + 1);
		snprintf(sl + o, sizeof(sl) - o, "]}");
		CHECK_INT(tz_slice(z, sl), 1);
	}
	ask(z, &cfg_noforward, "_http._tcp.big.default.svc.cluster.local", DNS_T_SRV, 0, true, &t);
	CHECK(t.ok);
	CHECK_INT(t.count[1], 100);
	CHECK_INT(t.count[3], 100);
	CHECK(tr_has(&t, "an _http._tcp.big.default.svc.cluster.local. SRV 0 100 80 "
	                 "10-42-3-100.big.default.svc.cluster.local."));
	CHECK(tr_has(&t, "ar 10-42-3-100.big.default.svc.cluster.local. A 10.42.3.100"));
	ask(z, &cfg_noforward, "_http._tcp.big.default.svc.cluster.local", DNS_T_SRV, 0, false, &t);
	CHECK(t.flags & DNS_F_TC);
	/* A small answer fits in 512 and is not truncated. */
	ask(z, &cfg_noforward, "_pg._tcp.db.default.svc.cluster.local", DNS_T_SRV, 0, false, &t);
	CHECK(!(t.flags & DNS_F_TC));
	dz_free(z);
}

UNIT_TEST(dns_msg_names_hostile)
{
	uint8_t pkt[64] = {0}, out[DNS_NAME_MAX];
	size_t ol, next;

	/* A pointer to itself, a forward pointer, a two-pointer loop. */
	pkt[12] = 0xc0;
	pkt[13] = 12;
	CHECK(dnsmsg_name_read(pkt, 14, 12, out, &ol, &next) < 0);
	pkt[13] = 20;
	CHECK(dnsmsg_name_read(pkt, 30, 12, out, &ol, &next) < 0);
	pkt[20] = 0xc0;
	pkt[21] = 12;
	CHECK(dnsmsg_name_read(pkt, 30, 20, out, &ol, &next) < 0);
	/* A label running past the end. */
	pkt[12] = 10;
	CHECK(dnsmsg_name_read(pkt, 16, 12, out, &ol, &next) < 0);
	/* Label type 0x40. */
	pkt[12] = 0x41;
	CHECK(dnsmsg_name_read(pkt, 30, 12, out, &ol, &next) < 0);
	/* A valid backwards pointer. */
	memcpy(pkt + 12,
	       "\x01"
	       "a\x00",
	       3);
	pkt[15] = 1;
	pkt[16] = 'b';
	pkt[17] = 0xc0;
	pkt[18] = 12;
	CHECK_INT(dnsmsg_name_read(pkt, 19, 15, out, &ol, &next), 0);
	CHECK_INT(ol, 5);
	CHECK_INT(next, 19);
	CHECK(!memcmp(out,
	              "\x01"
	              "b\x01"
	              "a",
	              5));
}

UNIT_TEST(dns_answer_garbage_never_crashes)
{
	dz_zone *z = t_zone();
	uint8_t q[600];
	uint32_t seed = 12345;

	for (int i = 0; i < 20000; i++) {
		size_t ql = tq_make(q, i % 2 ? "_pg._tcp.db.default.svc.cluster.local" : "x.com",
		                    (uint16_t)(i % 3 ? DNS_T_A : DNS_T_SRV), i % 4 ? 1232 : 0, 1);
		int flips = 1 + i % 5;

		for (int k = 0; k < flips; k++) {
			seed = seed * 1103515245u + 12345u;
			q[(seed >> 8) % ql] = (uint8_t)(seed >> 16);
		}
		seed = seed * 1103515245u + 12345u;
		dnsa_answer(z, &cfg_forward, q, (seed >> 8) % (ql + 1), i % 7 == 0, t_out,
		            sizeof(t_out), &t_res);
		CHECK(t_res.len <= (i % 7 == 0 ? 65535u : 1232u));
	}
	dz_free(z);
}
