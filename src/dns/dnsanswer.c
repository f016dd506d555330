/*
 * dnsanswer.c - the protocol around the zone: parse, classify the name,
 * pick the section contents, size the response. See dnsanswer.h; the
 * cluster-zone records themselves are in dnsanswer_zone.c.
 */
#include "dns/dnsanswer.h"

#include <string.h>

#include "dns/dnsanswer_int.h"

static const uint8_t rev4[] = "\x07in-addr\x04"
                              "arpa";
static const uint8_t rev6[] = "\x03ip6\x04"
                              "arpa";

size_t dnsa_max_size(const struct dns_query *q, bool tcp)
{
	if (tcp)
		return DNS_TCP_MAX;
	if (!q->edns || q->udp_size <= DNS_UDP_PLAIN)
		return DNS_UDP_PLAIN;
	return q->udp_size < DNS_UDP_EDNS ? q->udp_size : DNS_UDP_EDNS;
}

size_t dnsa_error(const struct dns_query *q, uint16_t flags, int rcode, uint8_t *out, size_t cap)
{
	struct dnsw w;

	if (dnsw_init(&w, out, cap, q, flags, rcode) < 0) {
		/* Not even the question fits (a 255-byte name in a tiny buffer):
		 * header only. */
		struct dns_query h = *q;

		h.qname_len = 0;
		if (dnsw_init(&w, out, cap, &h, flags, rcode) < 0)
			return 0;
	}
	if (q->edns)
		dnsw_opt(&w, DNS_UDP_EDNS, rcode, q->do_bit);
	return dnsw_finish(&w);
}

/* 1 when name (lower case wire form) ends in suffix; *rel = the bytes before. */
int dnsa_suffix(const uint8_t *name, size_t len, const uint8_t *suffix, size_t slen, size_t *rel)
{
	size_t pos = 0;

	if (slen > len)
		return 0;
	while (len - pos > slen && name[pos])
		pos += 1 + (size_t)name[pos];
	if (len - pos != slen || memcmp(name + pos, suffix, slen))
		return 0;
	*rel = pos;
	return 1;
}

/* Splits the relative part into NUL-terminated labels (reversed: [0] is the
 * one next to the apex). A label with a byte outside [a-z0-9_-] gets
 * "\x01": no service or namespace is called that. */
int dnsa_labels(const uint8_t *name, size_t rel, char labels[DNSA_MAX_LABELS][DZ_NAME_MAX])
{
	const uint8_t *starts[DNSA_MAX_LABELS];
	int n = 0;

	for (size_t pos = 0; pos < rel; pos += 1 + (size_t)name[pos]) {
		if (n == DNSA_MAX_LABELS)
			return -1;
		starts[n++] = name + pos;
	}
	for (int i = 0; i < n; i++) {
		const uint8_t *l = starts[n - 1 - i];
		char *d = labels[i];

		for (int k = 0; k < l[0]; k++) {
			uint8_t ch = l[1 + k];

			if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
			      ch == '_')) {
				d[0] = 1;
				k = l[0];
				d[1] = 0;
				goto next;
			}
			d[k] = (char)ch;
		}
		d[l[0]] = 0;
	next:;
	}
	return n;
}

/* in-addr.arpa / ip6.arpa names: the address, or -1 when not a whole one. */
static int rev_parse(const uint8_t *name, size_t rel, int v6, net_addr *a)
{
	uint8_t parts[32];
	int n = 0;

	memset(a, 0, sizeof(*a));
	for (size_t pos = 0; pos < rel; pos += 1 + (size_t)name[pos]) {
		const uint8_t *l = name + pos;
		unsigned v = 0;

		if (n == (v6 ? 32 : 4) || !l[0])
			return -1;
		if (v6) {
			uint8_t ch = l[1];

			if (l[0] != 1)
				return -1;
			if (ch >= '0' && ch <= '9')
				v = ch - '0';
			else if (ch >= 'a' && ch <= 'f')
				v = (unsigned)(ch - 'a' + 10);
			else
				return -1;
		} else {
			if (l[0] > 3 || (l[0] > 1 && l[1] == '0'))
				return -1;
			for (int k = 1; k <= l[0]; k++) {
				if (l[k] < '0' || l[k] > '9')
					return -1;
				v = v * 10 + (unsigned)(l[k] - '0');
			}
			if (v > 255)
				return -1;
		}
		parts[n++] = (uint8_t)v;
	}
	if (n != (v6 ? 32 : 4))
		return -1;
	if (v6) {
		a->family = AF_INET6;
		for (int i = 0; i < 16; i++)
			a->a[i] = (uint8_t)(parts[31 - 2 * i] << 4 | parts[30 - 2 * i]);
	} else {
		a->family = AF_INET;
		for (int i = 0; i < 4; i++)
			a->a[i] = parts[3 - i];
	}
	return 0;
}

/* Reverse names: ours from the PTR index; the rest is not ours to answer. */
static void answer_reverse(struct actx *x, size_t rel, int v6, const uint8_t *apex, size_t apex_len)
{
	struct dz_ptr ptrs[16];
	net_addr a;
	int n = 0;

	if (rev_parse(x->lname, rel, v6, &a) == 0)
		n = dz_ptr_find(x->z, &a, ptrs, 16);
	if (!n) {
		if (x->c->forward) {
			x->forward = true;
			return;
		}
		x->rcode = DNS_R_NXDOMAIN;
		x->soa_owner = apex;
		x->soa_owner_len = apex_len;
		return;
	}
	x->aa = true;
	if (x->qtype != DNS_T_PTR && x->qtype != DNS_T_ANY) {
		x->soa_owner = apex;
		x->soa_owner_len = apex_len;
		return; /* NODATA */
	}
	for (int i = 0; i < n; i++) {
		uint8_t target[DNS_NAME_MAX];
		size_t tl = 0;

		if (ptrs[i].label[0])
			if (dnsa_prepend(ptrs[i].label, ptrs[i].svc->owner, ptrs[i].svc->owner_len,
			                 target, &tl) < 0)
				continue;
		if (dnsw_rr_begin(&x->w, x->lname, DNS_T_PTR, dz_ttl(x->z)) < 0 ||
		    dnsw_rd_name(&x->w, tl ? target : ptrs[i].svc->owner, true) < 0 ||
		    dnsw_rr_end(&x->w) < 0) {
			dnsw_rr_abort(&x->w);
			x->truncated = true;
			return;
		}
	}
}

/* The authority section of negative answers, then OPT; TC when the answer
 * section did not fit. */
static size_t finish(struct actx *x, struct dnsa_result *r, size_t max, bool opt)
{
	uint16_t flags = (uint16_t)((x->aa ? DNS_F_AA : 0) | (x->c->forward ? DNS_F_RA : 0));

	if (!x->truncated && x->soa_owner && (x->rcode == DNS_R_NXDOMAIN || !x->w.count[1])) {
		dnsw_section(&x->w, 2);
		if (dnsa_soa(x, x->soa_owner) < 0)
			x->truncated = true;
	}
	if (x->truncated)
		dnsw_truncate(&x->w);
	x->w.buf[2] = (uint8_t)((x->w.buf[2] & ~(DNS_F_AA >> 8)) | (flags >> 8));
	x->w.buf[3] = (uint8_t)((x->w.buf[3] & 0x70) | (flags & 0x80) | (x->rcode & 0xf));
	x->w.cap = max; /* the room kept for OPT */
	if (opt && r->q.edns)
		dnsw_opt(&x->w, DNS_UDP_EDNS, x->rcode, r->q.do_bit);
	return dnsw_finish(&x->w);
}

void dnsa_answer(const dz_zone *z, const struct dnsa_config *c, const uint8_t *pkt, size_t len,
                 bool tcp, uint8_t *out, size_t cap, struct dnsa_result *r)
{
	struct actx x;
	size_t max, rel, alen;
	const uint8_t *apex = dz_apex(z, &alen);
	uint16_t ra = c->forward ? DNS_F_RA : 0;
	bool chase;
	int rc;

	r->action = DNSA_DROP;
	r->len = 0;
	r->target_len = 0;
	rc = dnsmsg_parse_query(pkt, len, &r->q);
	r->rcode = rc > 0 ? rc : 0;
	if (rc == DNSMSG_DROP)
		return;
	max = dnsa_max_size(&r->q, tcp);
	if (max > cap)
		max = cap;
	r->max_size = max;
	r->action = DNSA_REPLY;
	if (rc > 0) {
		r->len = dnsa_error(&r->q, ra, rc, out, max);
		if (!r->len)
			r->action = DNSA_DROP;
		return;
	}
	if (r->q.qtype == DNS_T_AXFR || r->q.qtype == DNS_T_IXFR ||
	    (r->q.qclass != DNS_C_IN && r->q.qclass != DNS_C_ANY)) {
		r->rcode = DNS_R_REFUSED;
		r->len = dnsa_error(&r->q, ra, DNS_R_REFUSED, out, max);
		return;
	}
	if (r->q.qtype == DNS_T_OPT) {
		r->rcode = DNS_R_FORMERR;
		r->len = dnsa_error(&r->q, ra, DNS_R_FORMERR, out, max);
		return;
	}
	memset(&x, 0, offsetof(struct actx, w));
	x.z = z;
	x.c = c;
	x.qtype = r->q.qtype;
	x.lname_len = r->q.qname_len;
	dnsmsg_name_lower(r->q.qname, x.lname_len, x.lname);
	/* Keep room for the OPT record so that a fitting answer stays fitting. */
	if (dnsw_init(&x.w, out, max - (r->q.edns ? 11 : 0), &r->q, 0, 0) < 0) {
		r->len = dnsa_error(&r->q, ra, DNS_R_SERVFAIL, out, max);
		return;
	}
	if (dnsa_suffix(x.lname, x.lname_len, apex, alen, &rel)) {
		x.aa = true;
		x.soa_owner = apex;
		x.soa_owner_len = alen;
		dnsa_zone(&x, rel);
	} else if (dnsa_suffix(x.lname, x.lname_len, rev4, sizeof(rev4), &rel)) {
		answer_reverse(&x, rel, 0, rev4, sizeof(rev4));
	} else if (dnsa_suffix(x.lname, x.lname_len, rev6, sizeof(rev6), &rel)) {
		answer_reverse(&x, rel, 1, rev6, sizeof(rev6));
	} else if (c->forward) {
		x.forward = true;
	} else {
		x.rcode = DNS_R_REFUSED;
	}
	if (x.forward) {
		r->action = DNSA_FORWARD;
		return;
	}
	r->rcode = x.rcode;
	chase = x.chase && !x.truncated && x.rcode == DNS_R_NOERROR;
	/* A chase's OPT comes after the records the forwarder appends. */
	r->len = finish(&x, r, max, !chase);
	if (chase) {
		r->action = DNSA_CHASE;
		memcpy(r->target, x.target, x.target_len);
		r->target_len = x.target_len;
	}
}
