/*
 * fuzz_dns.c - libFuzzer target for the DNS wire code: the query parser and
 * the answer engine over a small fixed zone, and the scanner, cache and
 * answer shaping that upstream responses go through.
 *
 * The first byte picks the path and the transport. Our own responses must
 * always be well-formed (they scan) and within the client's size: anything
 * else traps.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dnsanswer.h"
#include "dns/dnscache.h"
#include "dns/dnsfwd.h"
#include "dns/dnsmsg.h"
#include "dns/dnszone.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static dz_zone *fz;
static dnscache *fc;
static uint8_t out[DNSA_MAX_MSG], tmp[DNSA_MAX_MSG];

static void add(int (*fn)(dz_zone *, json_t *), const char *s)
{
	json_error_t e;
	json_t *j = json_loads(s, 0, &e);

	if (j)
		fn(fz, j);
	json_decref(j);
}

static void init(void)
{
	fz = dz_new("cluster.local", 5);
	fc = dnscache_new(64);
	if (!fz || !fc)
		abort();
	add(dz_service_set, "{\"metadata\":{\"namespace\":\"default\",\"name\":\"web\"},\"spec\":{"
	                    "\"clusterIPs\":[\"10.43.0.20\",\"fd00::20\"],\"ports\":[{\"name\":"
	                    "\"http\",\"port\":80}]}}");
	add(dz_service_set, "{\"metadata\":{\"namespace\":\"default\",\"name\":\"db\"},\"spec\":{"
	                    "\"clusterIP\":\"None\"}}");
	add(dz_slice_set, "{\"metadata\":{\"namespace\":\"default\",\"name\":\"db-1\",\"labels\":{"
	                  "\"kubernetes.io/service-name\":\"db\"}},\"addressType\":\"IPv4\","
	                  "\"endpoints\":[{\"addresses\":[\"10.42.0.5\"],\"hostname\":\"db-0\"},"
	                  "{\"addresses\":[\"10.42.0.6\"]}],\"ports\":[{\"name\":\"pg\",\"port\":"
	                  "5432}]}");
	add(dz_service_set, "{\"metadata\":{\"namespace\":\"default\",\"name\":\"ext\"},\"spec\":{"
	                    "\"type\":\"ExternalName\",\"externalName\":\"web.default.svc.cluster."
	                    "local\"}}");
}

static void check_own(const uint8_t *msg, size_t len, size_t max)
{
	struct dns_scan s;

	if (len > max ||
	    (len && dnsmsg_scan(msg, len, &s) < 0 && len >= DNS_HDR_LEN && dns_get16(msg + 4) == 1))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dnsa_config cfg = {.pods = DNSA_PODS_VERIFIED};
	struct dnsa_result r;
	struct dns_scan s;
	uint8_t mode;

	if (!fz)
		init();
	if (size < 1)
		return 0;
	mode = data[0];
	data++;
	size--;
	cfg.forward = mode & 1;
	cfg.pods = (enum dnsa_pods)((mode >> 1) % 3);
	if (!(mode & 0x80)) {
		bool tcp = mode & 0x40;

		dnsa_answer(fz, &cfg, data, size, tcp, out, sizeof(out), &r);
		if (r.action == DNSA_REPLY)
			check_own(out, r.len, tcp ? DNS_TCP_MAX : DNS_UDP_EDNS);
		return 0;
	}
	/* An upstream response: scan, cache, shape for a client. */
	if (dnsmsg_scan(data, size, &s) == 0) {
		uint8_t key[DNSCACHE_KEY_MAX];
		size_t kl = dnscache_key(s.qname, s.qname_len, s.qtype, s.qclass, false, key), n;
		struct dns_query q = {0};

		dnscache_put(fc, key, kl, data, size, &s, 0);
		n = dnscache_get(fc, key, kl, 1000, tmp, sizeof(tmp));
		memcpy(q.qname, s.qname, s.qname_len);
		q.qname_len = s.qname_len;
		q.qtype = s.qtype;
		q.qclass = s.qclass;
		q.edns = mode & 2;
		if (n) {
			size_t m = dnsfwd_finish(&q, 512, NULL, 0, tmp, n, out, sizeof(out));

			if (m > 512)
				__builtin_trap();
		}
		/* As an ExternalName chase's upstream answer. */
		{
			uint8_t pq[600];
			size_t pl = 0;
			static const char qn[] = "\x03"
			                         "ext\x07"
			                         "default\x03"
			                         "svc\x07"
			                         "cluster\x05"
			                         "local";

			memcpy(pq, "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12);
			memcpy(pq + 12, qn, sizeof(qn));
			pl = 12 + sizeof(qn);
			memcpy(pq + pl, "\x00\x01\x00\x01", 4);
			pl += 4;
			cfg.forward = 1;
			dnsa_answer(fz, &cfg, pq, pl, false, tmp, sizeof(tmp), &r);
			if (r.action == DNSA_REPLY || r.action == DNSA_CHASE) {
				size_t m = dnsfwd_finish(&r.q, 512, tmp, r.len, data, size, out,
				                         sizeof(out));

				check_own(out, m, 512);
			}
		}
	}
	return 0;
}
