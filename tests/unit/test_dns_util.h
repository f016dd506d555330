/*
 * test_dns_util.h - helpers for the DNS unit tests: build queries, render
 * responses as text lines ("an web.default.svc.cluster.local. A 10.43.0.20")
 * that tests look for, and a small zone built from JSON objects.
 */
#ifndef SVCNET_TEST_DNS_UTIL_H
#define SVCNET_TEST_DNS_UTIL_H

#include <arpa/inet.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "dns/dnsanswer.h"
#include "dns/dnsmsg.h"
#include "dns/dnszone.h"

#define TR_MAX 256

struct tr {
	int ok; /* parsed */
	uint16_t id, flags;
	int rcode;
	int count[4];
	char qname[300];
	int nrr;
	char rr[TR_MAX][1100];
	int opt_size; /* -1: no OPT */
	int opt_ext;  /* extended rcode bits */
};

/* A query for name (text, trailing dot optional); edns 0: none. */
static inline size_t tq_make(uint8_t *b, const char *name, uint16_t qtype, int edns, uint16_t id)
{
	size_t nl = 0, o;

	dns_put16(b, id);
	dns_put16(b + 2, DNS_F_RD);
	dns_put16(b + 4, 1);
	dns_put16(b + 6, 0);
	dns_put16(b + 8, 0);
	dns_put16(b + 10, edns ? 1 : 0);
	if (dnsmsg_name_from_text(name, b + 12, &nl) < 0)
		return 0;
	o = 12 + nl;
	dns_put16(b + o, qtype);
	dns_put16(b + o + 2, DNS_C_IN);
	o += 4;
	if (edns) {
		b[o] = 0;
		dns_put16(b + o + 1, DNS_T_OPT);
		dns_put16(b + o + 3, (uint16_t)edns);
		memset(b + o + 5, 0, 6);
		o += 11;
	}
	return o;
}

static inline const char *tr_type(uint16_t t)
{
	switch (t) {
	case DNS_T_A:
		return "A";
	case DNS_T_AAAA:
		return "AAAA";
	case DNS_T_NS:
		return "NS";
	case DNS_T_CNAME:
		return "CNAME";
	case DNS_T_SOA:
		return "SOA";
	case DNS_T_PTR:
		return "PTR";
	case DNS_T_TXT:
		return "TXT";
	case DNS_T_SRV:
		return "SRV";
	default:
		return "?";
	}
}

/* Renders a response; every name decompressed. */
static inline void tr_parse(const uint8_t *p, size_t len, struct tr *r)
{
	static const char *sec[] = {"qd", "an", "ns", "ar"};
	uint8_t nm[DNS_NAME_MAX];
	size_t nl, off = 12;

	memset(r, 0, sizeof(*r));
	r->opt_size = -1;
	if (len < 12)
		return;
	r->id = dns_get16(p);
	r->flags = dns_get16(p + 2);
	r->rcode = DNS_RCODE(r->flags);
	for (int i = 0; i < 4; i++)
		r->count[i] = dns_get16(p + 4 + 2 * i);
	if (r->count[0]) {
		if (dnsmsg_name_read(p, len, off, nm, &nl, &off) < 0)
			return;
		dnsmsg_name_to_text(nm, r->qname, sizeof(r->qname));
		off += 4;
	}
	for (int s = 1; s < 4; s++) {
		for (int i = 0; i < r->count[s]; i++) {
			char owner[300], rd[700] = "";
			uint16_t type, rdlen;
			uint32_t ttl;
			size_t rdo;

			if (dnsmsg_name_read(p, len, off, nm, &nl, &off) < 0 || off + 10 > len)
				return;
			dnsmsg_name_to_text(nm, owner, sizeof(owner));
			type = dns_get16(p + off);
			ttl = dns_get32(p + off + 4);
			rdlen = dns_get16(p + off + 8);
			rdo = off + 10;
			if (rdo + rdlen > len)
				return;
			off = rdo + rdlen;
			if (type == DNS_T_OPT) {
				r->opt_size = dns_get16(p + rdo - 8);
				r->opt_ext = p[rdo - 6];
				continue;
			}
			if (type == DNS_T_A && rdlen == 4)
				inet_ntop(AF_INET, p + rdo, rd, sizeof(rd));
			else if (type == DNS_T_AAAA && rdlen == 16)
				inet_ntop(AF_INET6, p + rdo, rd, sizeof(rd));
			else if (type == DNS_T_CNAME || type == DNS_T_PTR || type == DNS_T_NS) {
				if (dnsmsg_name_read(p, len, rdo, nm, &nl, NULL) < 0)
					return;
				dnsmsg_name_to_text(nm, rd, sizeof(rd));
			} else if (type == DNS_T_SRV && rdlen > 6) {
				char t[300];

				if (dnsmsg_name_read(p, len, rdo + 6, nm, &nl, NULL) < 0)
					return;
				dnsmsg_name_to_text(nm, t, sizeof(t));
				snprintf(rd, sizeof(rd), "%u %u %u %s", dns_get16(p + rdo),
				         dns_get16(p + rdo + 2), dns_get16(p + rdo + 4), t);
			} else if (type == DNS_T_TXT && rdlen > 0) {
				snprintf(rd, sizeof(rd), "\"%.*s\"", p[rdo],
				         (const char *)p + rdo + 1);
			} else if (type == DNS_T_SOA) {
				char m[300], rn[300];
				size_t o2;

				if (dnsmsg_name_read(p, len, rdo, nm, &nl, &o2) < 0)
					return;
				dnsmsg_name_to_text(nm, m, sizeof(m));
				if (dnsmsg_name_read(p, len, o2, nm, &nl, &o2) < 0 || o2 + 20 > len)
					return;
				dnsmsg_name_to_text(nm, rn, sizeof(rn));
				snprintf(rd, sizeof(rd), "%s %s %u", m, rn, dns_get32(p + o2 + 16));
			}
			if (r->nrr < TR_MAX)
				snprintf(r->rr[r->nrr++], sizeof(r->rr[0]), "%s %s %s %s ttl=%u",
				         sec[s], owner, tr_type(type), rd, ttl);
		}
	}
	r->ok = 1;
}

/* 1 when some rendered record starts with prefix. */
static inline int tr_has(const struct tr *r, const char *prefix)
{
	for (int i = 0; i < r->nrr; i++)
		if (!strncmp(r->rr[i], prefix, strlen(prefix)))
			return 1;
	return 0;
}

static inline int tr_count(const struct tr *r, const char *prefix)
{
	int n = 0;

	for (int i = 0; i < r->nrr; i++)
		n += !strncmp(r->rr[i], prefix, strlen(prefix));
	return n;
}

static inline json_t *tj(const char *s)
{
	json_error_t e;

	return json_loads(s, 0, &e);
}

static inline int tz_svc(dz_zone *z, const char *s)
{
	json_t *j = tj(s);
	int rc = j ? dz_service_set(z, j) : -1;

	json_decref(j);
	return rc;
}

static inline int tz_slice(dz_zone *z, const char *s)
{
	json_t *j = tj(s);
	int rc = j ? dz_slice_set(z, j) : -1;

	json_decref(j);
	return rc;
}

#endif
