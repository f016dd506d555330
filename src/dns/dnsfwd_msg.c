/*
 * dnsfwd_msg.c - shaping upstream answers for our clients: ID, question
 * case, EDNS, size, and appending a chased ExternalName target's records to
 * the CNAME we answered.
 */
#include <errno.h>
#include <string.h>

#include "dns/dnsanswer.h"
#include "dns/dnsfwd.h"

/* Copies the answer records of resp after the records already in w,
 * decompressing names so that they stay valid at their new place. */
static int append_answers(struct dnsw *w, const uint8_t *resp, size_t len)
{
	struct dns_scan s;
	size_t off;

	if (dnsmsg_scan(resp, len, &s) < 0)
		return -1;
	off = s.an_off;
	for (unsigned i = 0; i < s.count[1]; i++) {
		uint8_t owner[DNS_NAME_MAX], rn[DNS_NAME_MAX];
		size_t ol, rl, rd, p;
		uint16_t type, rdlen;

		if (dnsmsg_name_read(resp, len, off, owner, &ol, &p) < 0 || p + 10 > len)
			return -1;
		type = dns_get16(resp + p);
		rdlen = dns_get16(resp + p + 8);
		rd = p + 10;
		if (rd + rdlen > len)
			return -1;
		if (dnsw_rr_begin(w, owner, type, dns_get32(resp + p + 4)) < 0)
			return -ENOSPC;
		if (type == DNS_T_CNAME || type == DNS_T_NS || type == DNS_T_PTR) {
			if (dnsmsg_name_read(resp, len, rd, rn, &rl, NULL) < 0) {
				dnsw_rr_abort(w);
				return -1;
			}
			if (dnsw_rd_name(w, rn, true) < 0) {
				dnsw_rr_abort(w);
				return -ENOSPC;
			}
		} else if (dnsw_rd_bytes(w, resp + rd, rdlen) < 0) {
			dnsw_rr_abort(w);
			return -ENOSPC;
		}
		if (dnsw_rr_end(w) < 0)
			return -ENOSPC;
		off = rd + rdlen;
	}
	return 0;
}

size_t dnsfwd_finish(const struct dns_query *q, size_t max, const uint8_t *prefix,
                     size_t prefix_len, const uint8_t *resp, size_t len, uint8_t *out,
                     size_t outcap)
{
	size_t room = max < outcap ? max : outcap;
	size_t opt = q->edns ? 11 : 0;
	int rcode;

	if (len < DNS_HDR_LEN || room < DNS_HDR_LEN + opt)
		return 0;
	rcode = DNS_RCODE(dns_get16(resp + 2));
	if (prefix) {
		struct dnsw w;
		int rc;

		if (prefix_len > room - opt)
			goto truncated;
		memcpy(out, prefix, prefix_len);
		memset(&w, 0, sizeof(w));
		w.buf = out;
		w.cap = room - opt;
		w.len = prefix_len;
		w.section = 1;
		for (int i = 0; i < 4; i++)
			w.count[i] = dns_get16(out + 4 + 2 * i);
		rc = append_answers(&w, resp, len);
		if (rc == -ENOSPC)
			goto truncated;
		/* RFC 6604: the rcode is the last name's. */
		if (rc == 0)
			out[3] = (uint8_t)((out[3] & 0xf0) | rcode);
		w.cap = room;
		if (q->edns)
			dnsw_opt(&w, DNS_UDP_EDNS, rcode, q->do_bit);
		return dnsw_finish(&w);
	}
	if (len + opt > room)
		goto truncated;
	if (len < DNS_HDR_LEN + q->qname_len + 4)
		return 0;
	memcpy(out, resp, len);
	dns_put16(out, q->id);
	memcpy(out + DNS_HDR_LEN, q->qname, q->qname_len); /* the client's case */
	out[2] = (uint8_t)((out[2] & ~(DNS_F_RD >> 8)) | ((q->flags & DNS_F_RD) >> 8));
	out[3] |= DNS_F_RA;
	if (q->edns) {
		uint8_t *p = out + len;

		p[0] = 0;
		dns_put16(p + 1, DNS_T_OPT);
		dns_put16(p + 3, DNS_UDP_EDNS);
		p[5] = 0;
		p[6] = 0;
		p[7] = q->do_bit ? 0x80 : 0;
		p[8] = 0;
		dns_put16(p + 9, 0);
		dns_put16(out + 10, (uint16_t)(dns_get16(out + 10) + 1));
		len += 11;
	}
	return len;
truncated:
	return dnsa_error(q, DNS_F_RA | DNS_F_TC, rcode, out, room);
}
