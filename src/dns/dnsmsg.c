/*
 * dnsmsg.c - DNS wire format: names, query parsing, response writing with
 * compression, and the scan of upstream responses. See dnsmsg.h.
 */
#include "dns/dnsmsg.h"

#include <errno.h>
#include <string.h>

static inline uint8_t dns_lc(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* --- names ---------------------------------------------------------------- */

int dnsmsg_name_read(const uint8_t *pkt, size_t len, size_t off, uint8_t out[DNS_NAME_MAX],
                     size_t *outlen, size_t *next)
{
	size_t o = 0, pos = off, lowest = off;
	int ptrs = 0;
	bool jumped = false;

	for (;;) {
		uint8_t l;

		if (pos >= len)
			return -EINVAL;
		l = pkt[pos];
		if ((l & 0xc0) == 0xc0) {
			size_t to;

			if (pos + 1 >= len || ++ptrs > DNSMSG_MAX_PTRS)
				return -EINVAL;
			to = (size_t)(l & 0x3f) << 8 | pkt[pos + 1];
			/* Only backwards, and before everything read so far: no loops. */
			if (to >= lowest)
				return -EINVAL;
			if (!jumped && next)
				*next = pos + 2;
			jumped = true;
			lowest = to;
			pos = to;
			continue;
		}
		if (l & 0xc0)
			return -EINVAL; /* 0x40 and 0x80 label types: obsolete/unknown */
		if (pos + 1 + l > len || o + 1 + l > DNS_NAME_MAX)
			return -EINVAL;
		memcpy(out + o, pkt + pos, 1 + (size_t)l);
		o += 1 + (size_t)l;
		pos += 1 + (size_t)l;
		if (l == 0)
			break;
	}
	if (!jumped && next)
		*next = pos;
	*outlen = o;
	return 0;
}

int dnsmsg_name_skip(const uint8_t *pkt, size_t len, size_t off, size_t *next)
{
	size_t total = 0;

	while (off < len) {
		uint8_t l = pkt[off];

		if ((l & 0xc0) == 0xc0) {
			if (off + 2 > len)
				return -EINVAL;
			*next = off + 2;
			return 0;
		}
		if (l & 0xc0)
			return -EINVAL;
		total += 1 + (size_t)l;
		if (total > DNS_NAME_MAX)
			return -EINVAL;
		off += 1 + (size_t)l;
		if (l == 0) {
			if (off > len)
				return -EINVAL;
			*next = off;
			return 0;
		}
	}
	return -EINVAL;
}

size_t dnsmsg_name_len(const uint8_t *name)
{
	size_t n = 0;

	while (name[n])
		n += 1 + (size_t)name[n];
	return n + 1;
}

void dnsmsg_name_lower(const uint8_t *name, size_t len, uint8_t *out)
{
	for (size_t i = 0; i < len; i++)
		out[i] = dns_lc(name[i]);
}

int dnsmsg_name_eq(const uint8_t *a, const uint8_t *b)
{
	size_t i = 0;

	for (;;) {
		uint8_t l = a[i];

		if (b[i] != l)
			return 0;
		if (!l)
			return 1;
		for (size_t k = 1; k <= l; k++)
			if (dns_lc(a[i + k]) != dns_lc(b[i + k]))
				return 0;
		i += 1 + (size_t)l;
	}
}

int dnsmsg_name_from_text(const char *s, uint8_t out[DNS_NAME_MAX], size_t *outlen)
{
	size_t o = 0;

	if (!strcmp(s, ".") || !*s) {
		out[0] = 0;
		*outlen = 1;
		return 0;
	}
	while (*s) {
		size_t l = strcspn(s, ".");

		if (l == 0 || l > DNS_LABEL_MAX || o + 1 + l + 1 > DNS_NAME_MAX)
			return -EINVAL;
		out[o] = (uint8_t)l;
		memcpy(out + o + 1, s, l);
		o += 1 + l;
		s += l;
		if (*s == '.')
			s++;
	}
	out[o++] = 0;
	*outlen = o;
	return 0;
}

void dnsmsg_name_to_text(const uint8_t *name, char *out, size_t outlen)
{
	size_t o = 0, i = 0;

	if (!outlen)
		return;
	if (!name[0] && outlen > 1)
		out[o++] = '.';
	while (name[i] && o + 1 < outlen) {
		for (size_t k = 1; k <= name[i] && o + 2 < outlen; k++) {
			uint8_t c = name[i + k];

			out[o++] = c > 32 && c < 127 ? (char)c : '?';
		}
		out[o++] = '.';
		i += 1 + (size_t)name[i];
	}
	out[o < outlen ? o : outlen - 1] = 0;
}

/* --- queries -------------------------------------------------------------- */

/* Skips one resource record at *off; its type and bounds into the outputs. */
static int rr_skip(const uint8_t *pkt, size_t len, size_t *off, size_t *name_off, uint16_t *type,
                   size_t *rd_off, uint16_t *rdlen)
{
	size_t p;

	*name_off = *off;
	if (dnsmsg_name_skip(pkt, len, *off, &p) < 0 || p + 10 > len)
		return -EINVAL;
	*type = dns_get16(pkt + p);
	*rdlen = dns_get16(pkt + p + 8);
	*rd_off = p + 10;
	if (*rd_off + *rdlen > len)
		return -EINVAL;
	*off = *rd_off + *rdlen;
	return 0;
}

int dnsmsg_parse_query(const uint8_t *pkt, size_t len, struct dns_query *q)
{
	uint16_t qd, an, ns, ar;
	size_t off = DNS_HDR_LEN;
	int nopt = 0;

	memset(q, 0, offsetof(struct dns_query, qname));
	q->qname_len = 0;
	q->qtype = q->qclass = 0;
	q->qend = 0;
	q->edns = q->do_bit = false;
	q->edns_version = 0;
	q->udp_size = 0;
	if (len < DNS_HDR_LEN)
		return DNSMSG_DROP;
	q->id = dns_get16(pkt);
	q->flags = dns_get16(pkt + 2);
	if (q->flags & DNS_F_QR)
		return DNSMSG_DROP;
	qd = dns_get16(pkt + 4);
	an = dns_get16(pkt + 6);
	ns = dns_get16(pkt + 8);
	ar = dns_get16(pkt + 10);
	if (DNS_OPCODE(q->flags) != 0)
		return DNS_R_NOTIMP;
	if (qd != 1)
		return DNS_R_FORMERR;
	if (dnsmsg_name_read(pkt, len, off, q->qname, &q->qname_len, &off) < 0 || off + 4 > len) {
		q->qname_len = 0;
		return DNS_R_FORMERR;
	}
	q->qtype = dns_get16(pkt + off);
	q->qclass = dns_get16(pkt + off + 2);
	off += 4;
	q->qend = off;
	for (unsigned i = 0; i < (unsigned)an + ns + ar; i++) {
		size_t name_off, rd_off;
		uint16_t type, rdlen;

		if (rr_skip(pkt, len, &off, &name_off, &type, &rd_off, &rdlen) < 0)
			return DNS_R_FORMERR;
		if (type != DNS_T_OPT)
			continue;
		/* OPT: only in the additional section, owner root, only one. */
		if (i < (unsigned)an + ns || pkt[name_off] != 0 || ++nopt > 1) {
			q->edns = false;
			return DNS_R_FORMERR;
		}
		q->edns = true;
		q->udp_size = dns_get16(pkt + name_off + 3);
		q->edns_version = pkt[name_off + 6];
		q->do_bit = (pkt[name_off + 7] & 0x80) != 0;
	}
	if (q->edns && q->edns_version > 0)
		return DNS_R_BADVERS;
	return 0;
}

/* --- writing -------------------------------------------------------------- */

static int w_room(const struct dnsw *w, size_t n)
{
	return w->len + n <= w->cap ? 0 : -ENOSPC;
}

/* 1 if the (possibly compressed) name at off in our own buffer equals the
 * wire name suffix, ignoring case. */
static int comp_match(const struct dnsw *w, size_t off, const uint8_t *suf)
{
	size_t i = 0;
	int hops = 0;

	for (;;) {
		uint8_t l = w->buf[off];

		if ((l & 0xc0) == 0xc0) {
			if (++hops > DNSMSG_MAX_PTRS)
				return 0;
			off = (size_t)(l & 0x3f) << 8 | w->buf[off + 1];
			continue;
		}
		if (suf[i] != l)
			return 0;
		if (!l)
			return 1;
		for (size_t k = 1; k <= l; k++)
			if (dns_lc(w->buf[off + k]) != dns_lc(suf[i + k]))
				return 0;
		off += 1 + (size_t)l;
		i += 1 + (size_t)l;
	}
}

/* Writes name, pointing to an earlier copy of its longest known suffix. */
static int w_name(struct dnsw *w, const uint8_t *name, bool compress)
{
	size_t pos = 0, start = w->len;
	size_t labels[128];
	int nl = 0;
	int hit = -1;

	while (compress && name[pos]) {
		for (int c = 0; c < w->ncomp; c++) {
			if (comp_match(w, w->comp[c], name + pos)) {
				hit = w->comp[c];
				break;
			}
		}
		if (hit >= 0)
			break;
		pos += 1 + (size_t)name[pos];
	}
	if (hit < 0)
		pos = dnsmsg_name_len(name) - 1; /* all labels, then the root */
	if (w_room(w, pos + (hit >= 0 ? 2 : 1)) < 0)
		return -ENOSPC;
	for (size_t i = 0; i < pos; i += 1 + (size_t)name[i])
		if (nl < 128)
			labels[nl++] = start + i;
	memcpy(w->buf + w->len, name, pos);
	w->len += pos;
	if (hit >= 0) {
		dns_put16(w->buf + w->len, (uint16_t)(0xc000 | hit));
		w->len += 2;
	} else {
		w->buf[w->len++] = 0;
	}
	for (int i = 0; i < nl && w->ncomp < DNSW_MAX_COMP; i++)
		if (labels[i] < 0x3fff)
			w->comp[w->ncomp++] = (uint16_t)labels[i];
	return 0;
}

int dnsw_init(struct dnsw *w, uint8_t *buf, size_t cap, const struct dns_query *q, uint16_t flags,
              int rcode)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	memset(w->count, 0, sizeof(w->count));
	w->section = 1;
	w->ncomp = 0;
	if (cap < DNS_HDR_LEN + q->qname_len + 4)
		return -ENOSPC;
	dns_put16(buf, q->id);
	dns_put16(buf + 2, (uint16_t)(DNS_F_QR | (q->flags & (0x7800 | DNS_F_RD | DNS_F_CD)) |
	                              flags | (rcode & 0xf)));
	memset(buf + 4, 0, 8);
	w->len = DNS_HDR_LEN;
	if (q->qname_len) {
		/* The question as the client wrote it (0x20 case randomisation). */
		size_t i = 0;

		memcpy(buf + w->len, q->qname, q->qname_len);
		while (q->qname[i] && w->ncomp < DNSW_MAX_COMP) {
			w->comp[w->ncomp++] = (uint16_t)(DNS_HDR_LEN + i);
			i += 1 + (size_t)q->qname[i];
		}
		w->len += q->qname_len;
		dns_put16(buf + w->len, q->qtype);
		dns_put16(buf + w->len + 2, q->qclass);
		w->len += 4;
		w->count[0] = 1;
	}
	w->rr_start = w->len; /* end of the question: what dnsw_truncate keeps */
	w->rr_ncomp = w->ncomp;
	w->rd_start = w->len;
	return 0;
}

void dnsw_section(struct dnsw *w, int section)
{
	w->section = section;
}

int dnsw_rr_begin(struct dnsw *w, const uint8_t *owner, uint16_t type, uint32_t ttl)
{
	w->rr_start = w->len;
	w->rr_ncomp = w->ncomp;
	if (w_name(w, owner, true) < 0 || w_room(w, 10) < 0) {
		dnsw_rr_abort(w);
		return -ENOSPC;
	}
	dns_put16(w->buf + w->len, type);
	dns_put16(w->buf + w->len + 2, DNS_C_IN);
	dns_put32(w->buf + w->len + 4, ttl);
	dns_put16(w->buf + w->len + 8, 0);
	w->len += 10;
	w->rd_start = w->len;
	return 0;
}

int dnsw_rd_bytes(struct dnsw *w, const void *p, size_t n)
{
	if (w_room(w, n) < 0)
		return -ENOSPC;
	if (n)
		memcpy(w->buf + w->len, p, n);
	w->len += n;
	return 0;
}

int dnsw_rd_name(struct dnsw *w, const uint8_t *name, bool compress)
{
	return w_name(w, name, compress);
}

int dnsw_rd_u16(struct dnsw *w, uint16_t v)
{
	uint8_t b[2];

	dns_put16(b, v);
	return dnsw_rd_bytes(w, b, 2);
}

int dnsw_rd_u32(struct dnsw *w, uint32_t v)
{
	uint8_t b[4];

	dns_put32(b, v);
	return dnsw_rd_bytes(w, b, 4);
}

int dnsw_rr_end(struct dnsw *w)
{
	size_t rdlen = w->len - w->rd_start;

	if (rdlen > 0xffff) {
		dnsw_rr_abort(w);
		return -ENOSPC;
	}
	dns_put16(w->buf + w->rd_start - 2, (uint16_t)rdlen);
	w->count[w->section]++;
	return 0;
}

void dnsw_rr_abort(struct dnsw *w)
{
	w->len = w->rr_start;
	w->ncomp = w->rr_ncomp;
}

int dnsw_opt(struct dnsw *w, uint16_t size, int rcode, bool do_bit)
{
	uint8_t *p;

	if (w_room(w, 11) < 0)
		return -ENOSPC;
	p = w->buf + w->len;
	p[0] = 0;
	dns_put16(p + 1, DNS_T_OPT);
	dns_put16(p + 3, size);
	p[5] = (uint8_t)(rcode >> 4); /* extended rcode: the bits above the header's 4 */
	p[6] = 0;                     /* version */
	p[7] = do_bit ? 0x80 : 0;
	p[8] = 0;
	dns_put16(p + 9, 0);
	w->len += 11;
	w->count[3]++;
	return 0;
}

size_t dnsw_finish(struct dnsw *w)
{
	for (int i = 0; i < 4; i++)
		dns_put16(w->buf + 4 + 2 * i, w->count[i]);
	return w->len;
}

void dnsw_truncate(struct dnsw *w)
{
	size_t qend = DNS_HDR_LEN;
	int nq = 0;

	if (w->count[0]) {
		qend += dnsmsg_name_len(w->buf + DNS_HDR_LEN) + 4;
		for (size_t i = DNS_HDR_LEN; w->buf[i]; i += 1 + (size_t)w->buf[i])
			nq++;
	}
	w->len = qend;
	w->ncomp = nq < DNSW_MAX_COMP ? nq : DNSW_MAX_COMP;
	w->count[1] = w->count[2] = w->count[3] = 0;
	w->buf[2] |= DNS_F_TC >> 8;
}

/* --- scanning responses --------------------------------------------------- */

int dnsmsg_scan(const uint8_t *pkt, size_t len, struct dns_scan *s)
{
	size_t off = DNS_HDR_LEN;
	unsigned total;

	s->nttl = 0;
	s->opt_off = s->opt_end = 0;
	s->min_ttl = s->neg_ttl = UINT32_MAX;
	s->qname_len = 0;
	if (len < DNS_HDR_LEN)
		return -EINVAL;
	s->id = dns_get16(pkt);
	s->flags = dns_get16(pkt + 2);
	s->rcode = DNS_RCODE(s->flags);
	for (int i = 0; i < 4; i++)
		s->count[i] = dns_get16(pkt + 4 + 2 * i);
	if (!(s->flags & DNS_F_QR) || s->count[0] != 1)
		return -EINVAL;
	if (dnsmsg_name_read(pkt, len, off, s->qname, &s->qname_len, &off) < 0 || off + 4 > len)
		return -EINVAL;
	s->qtype = dns_get16(pkt + off);
	s->qclass = dns_get16(pkt + off + 2);
	off += 4;
	s->qend = s->an_off = off;
	total = (unsigned)s->count[1] + s->count[2] + s->count[3];
	for (unsigned i = 0; i < total; i++) {
		size_t name_off, rd_off, start = off;
		uint16_t type, rdlen;
		uint32_t ttl;

		if (rr_skip(pkt, len, &off, &name_off, &type, &rd_off, &rdlen) < 0)
			return -EINVAL;
		if (type == DNS_T_OPT) {
			if (s->opt_off)
				return -EINVAL;
			s->opt_off = start;
			s->opt_end = off;
			s->rcode |= pkt[rd_off - 6] << 4;
			continue;
		}
		ttl = dns_get32(pkt + rd_off - 6);
		if (ttl & 0x80000000u)
			ttl = 0; /* RFC 2181 8 */
		if (s->nttl >= 0 && s->nttl < DNSMSG_MAX_TTLS && rd_off - 6 <= 0xffff)
			s->ttl_off[s->nttl++] = (uint16_t)(rd_off - 6);
		else
			s->nttl = -1;
		if (i < (unsigned)s->count[1] + s->count[2] && ttl < s->min_ttl)
			s->min_ttl = ttl;
		if (type == DNS_T_SOA && i >= s->count[1] &&
		    i < (unsigned)s->count[1] + s->count[2] && rdlen >= 22) {
			uint32_t min = dns_get32(pkt + rd_off + rdlen - 4);

			s->neg_ttl = ttl < min ? ttl : min;
		}
	}
	return 0;
}
