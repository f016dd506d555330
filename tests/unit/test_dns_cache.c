/* test_dns_cache.c - the forwarder's cache (TTL aging with a driven clock,
 * expiry, LRU bound, negative caching) and how forwarded answers are shaped. */
#include "dns/dnscache.h"
#include "dns/dnsfwd.h"
#include "test_dns_util.h"
#include "unit.h"

/* An upstream answer: name A addr ttl (rcode NOERROR), or a denial with an
 * SOA (ttl, minimum) when addr is NULL; an OPT at the end. */
static size_t up_resp(uint8_t *b, const char *name, const char *addr, uint32_t ttl, int rcode,
                      uint32_t soa_ttl, uint32_t soa_min)
{
	struct dns_query q = {0};
	struct dnsw w;
	uint8_t zone[DNS_NAME_MAX];
	size_t zl;

	q.id = 99;
	q.flags = DNS_F_RD;
	dnsmsg_name_from_text(name, q.qname, &q.qname_len);
	q.qtype = DNS_T_A;
	q.qclass = DNS_C_IN;
	dnsw_init(&w, b, 4096, &q, DNS_F_RA, rcode);
	if (addr) {
		uint8_t a[4];

		inet_pton(AF_INET, addr, a);
		dnsw_rr_begin(&w, q.qname, DNS_T_A, ttl);
		dnsw_rd_bytes(&w, a, 4);
		dnsw_rr_end(&w);
	}
	if (soa_ttl) {
		dnsmsg_name_from_text("com", zone, &zl);
		dnsw_section(&w, 2);
		dnsw_rr_begin(&w, zone, DNS_T_SOA, soa_ttl);
		dnsw_rd_name(&w, zone, true);
		dnsw_rd_name(&w, zone, true);
		for (int i = 0; i < 4; i++)
			dnsw_rd_u32(&w, 1000);
		dnsw_rd_u32(&w, soa_min);
		dnsw_rr_end(&w);
	}
	dnsw_opt(&w, 1232, 0, false);
	return dnsw_finish(&w);
}

static int put(dnscache *c, const char *name, const uint8_t *resp, size_t len, uint64_t now)
{
	uint8_t key[DNSCACHE_KEY_MAX], qn[DNS_NAME_MAX];
	size_t kl, ql;
	struct dns_scan s;

	if (dnsmsg_scan(resp, len, &s) < 0)
		return -100;
	dnsmsg_name_from_text(name, qn, &ql);
	kl = dnscache_key(qn, ql, DNS_T_A, DNS_C_IN, false, key);
	return dnscache_put(c, key, kl, resp, len, &s, now);
}

static size_t get(dnscache *c, const char *name, uint64_t now, uint8_t *out)
{
	uint8_t key[DNSCACHE_KEY_MAX], qn[DNS_NAME_MAX];
	size_t kl, ql;

	dnsmsg_name_from_text(name, qn, &ql);
	kl = dnscache_key(qn, ql, DNS_T_A, DNS_C_IN, false, key);
	return dnscache_get(c, key, kl, now, out, 65535);
}

UNIT_TEST(dns_cache_ttl_aging)
{
	dnscache *c = dnscache_new(10);
	uint8_t r[4096], out[65535];
	size_t n = up_resp(r, "example.com", "1.2.3.4", 300, 0, 0, 0), m;
	struct tr t;

	CHECK_INT(put(c, "example.com", r, n, 1000), 1);
	m = get(c, "EXAMPLE.com", 11000, out); /* keys ignore case */
	CHECK(m > 0);
	tr_parse(out, m, &t);
	CHECK(tr_has(&t, "an example.com. A 1.2.3.4 ttl=290"));
	CHECK_INT(t.opt_size, -1); /* stored without OPT */
	CHECK_INT(t.count[3], 0);
	m = get(c, "example.com", 250500, out);
	tr_parse(out, m, &t);
	CHECK(tr_has(&t, "an example.com. A 1.2.3.4 ttl=51"));
	CHECK_INT(get(c, "example.com", 301000, out), 0); /* expired */
	CHECK_INT(get(c, "example.com", 2000, out), 0);   /* and gone */
	dnscache_free(c);
}

UNIT_TEST(dns_cache_negative)
{
	dnscache *c = dnscache_new(10);
	uint8_t r[4096], out[65535];
	size_t n;
	struct tr t;

	/* NXDOMAIN: min(SOA TTL 600, minimum 60) */
	n = up_resp(r, "nx.com", NULL, 0, DNS_R_NXDOMAIN, 600, 60);
	CHECK_INT(put(c, "nx.com", r, n, 0), 1);
	CHECK(get(c, "nx.com", 59000, out) > 0);
	tr_parse(out, get(c, "nx.com", 59000, out), &t);
	CHECK_INT(t.rcode, DNS_R_NXDOMAIN);
	CHECK_INT(get(c, "nx.com", 60000, out), 0);
	/* NODATA with an SOA: cached; without: not (RFC 2308 5). */
	n = up_resp(r, "nodata.com", NULL, 0, 0, 30, 300);
	CHECK_INT(put(c, "nodata.com", r, n, 0), 1);
	CHECK(get(c, "nodata.com", 29000, out) > 0);
	n = up_resp(r, "nosoa.com", NULL, 0, DNS_R_NXDOMAIN, 0, 0);
	CHECK_INT(put(c, "nosoa.com", r, n, 0), 0);
	/* SERVFAIL and zero TTLs are not kept. */
	n = up_resp(r, "sf.com", NULL, 0, DNS_R_SERVFAIL, 600, 600);
	CHECK_INT(put(c, "sf.com", r, n, 0), 0);
	n = up_resp(r, "zero.com", "1.1.1.1", 0, 0, 0, 0);
	CHECK_INT(put(c, "zero.com", r, n, 0), 0);
	/* A TTL over the cap lives an hour at most. */
	n = up_resp(r, "long.com", "1.1.1.1", 999999, 0, 0, 0);
	CHECK_INT(put(c, "long.com", r, n, 0), 1);
	CHECK(get(c, "long.com", 3599000, out) > 0);
	CHECK_INT(get(c, "long.com", 3600000, out), 0);
	dnscache_free(c);
}

UNIT_TEST(dns_cache_lru_bound)
{
	dnscache *c = dnscache_new(3);
	uint8_t r[4096], out[65535];
	const char *names[] = {"a.com", "b.com", "c.com", "d.com"};
	struct dnscache_stats st;

	for (int i = 0; i < 3; i++) {
		size_t n = up_resp(r, names[i], "1.1.1.1", 100, 0, 0, 0);

		CHECK_INT(put(c, names[i], r, n, 0), 1);
	}
	CHECK(get(c, "a.com", 0, out) > 0); /* a is now the most recent */
	{
		size_t n = up_resp(r, "d.com", "1.1.1.1", 100, 0, 0, 0);

		CHECK_INT(put(c, "d.com", r, n, 0), 1);
	}
	dnscache_get_stats(c, &st);
	CHECK_INT(st.entries, 3);
	CHECK_INT(st.evictions, 1);
	CHECK(get(c, "a.com", 0, out) > 0);
	CHECK_INT(get(c, "b.com", 0, out), 0);
	CHECK(get(c, "c.com", 0, out) > 0);
	CHECK(get(c, "d.com", 0, out) > 0);
	/* Many more than fit: never more than 3. */
	for (int i = 0; i < 1000; i++) {
		char nm[32];
		size_t n;

		snprintf(nm, sizeof(nm), "n%d.com", i);
		n = up_resp(r, nm, "1.1.1.1", 100, 0, 0, 0);
		put(c, nm, r, n, 0);
	}
	dnscache_get_stats(c, &st);
	CHECK_INT(st.entries, 3);
	dnscache_free(c);
}

UNIT_TEST(dns_fwd_finish_shapes_answers)
{
	uint8_t r[4096], out[65535], q[600];
	size_t n = up_resp(r, "example.com", "1.2.3.4", 300, 0, 0, 0), ql, m;
	struct dns_scan s;
	struct dns_query dq;
	struct tr t;

	CHECK_INT(dnsmsg_scan(r, n, &s), 0);
	n = s.opt_off; /* as stored: no OPT (the count is fixed below) */
	dns_put16(r + 10, 0);
	ql = tq_make(q, "ExAmple.COM", DNS_T_A, 1232, 0xbeef);
	CHECK_INT(dnsmsg_parse_query(q, ql, &dq), 0);
	m = dnsfwd_finish(&dq, 1232, NULL, 0, r, n, out, sizeof(out));
	tr_parse(out, m, &t);
	CHECK(t.ok);
	CHECK_INT(t.id, 0xbeef);
	CHECK_STR(t.qname, "ExAmple.COM.");
	CHECK_INT(t.opt_size, 1232);
	CHECK(t.flags & DNS_F_RA);
	CHECK(tr_has(&t, "an ExAmple.COM. A 1.2.3.4"));
	/* Too big for the client: TC with the question only. */
	m = dnsfwd_finish(&dq, 40, NULL, 0, r, n, out, sizeof(out));
	tr_parse(out, m, &t);
	CHECK(t.flags & DNS_F_TC);
	CHECK_INT(t.count[1], 0);
}
