/*
 * dnsmsg.h - the DNS wire format (RFC 1035, EDNS0 of RFC 6891): a query
 * parser, a response writer with name compression, and a scanner for the
 * responses of upstream servers.
 *
 * Everything here reads untrusted bytes: every read is bounds-checked, name
 * decompression follows at most DNSMSG_MAX_PTRS pointers and only pointers
 * that go backwards, names stop at 255 bytes. Nothing allocates.
 *
 * Names are kept in wire form (length-prefixed labels, a zero at the end,
 * at most 255 bytes); dnsmsg_name_lower() gives the form used as a key.
 */
#ifndef SVCNET_DNSMSG_H
#define SVCNET_DNSMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_HDR_LEN     12
#define DNS_NAME_MAX    255
#define DNS_LABEL_MAX   63
#define DNSMSG_MAX_PTRS 64
#define DNS_UDP_PLAIN   512  /* without EDNS (RFC 1035) */
#define DNS_UDP_EDNS    1232 /* what we advertise and the most we send over UDP */
#define DNS_TCP_MAX     65535

enum dns_type {
	DNS_T_A = 1,
	DNS_T_NS = 2,
	DNS_T_CNAME = 5,
	DNS_T_SOA = 6,
	DNS_T_PTR = 12,
	DNS_T_MX = 15,
	DNS_T_TXT = 16,
	DNS_T_AAAA = 28,
	DNS_T_SRV = 33,
	DNS_T_OPT = 41,
	DNS_T_IXFR = 251,
	DNS_T_AXFR = 252,
	DNS_T_ANY = 255,
};

enum { DNS_C_IN = 1, DNS_C_ANY = 255 };

enum dns_rcode {
	DNS_R_NOERROR = 0,
	DNS_R_FORMERR = 1,
	DNS_R_SERVFAIL = 2,
	DNS_R_NXDOMAIN = 3,
	DNS_R_NOTIMP = 4,
	DNS_R_REFUSED = 5,
	DNS_R_BADVERS = 16, /* extended: the upper 8 bits go in the OPT TTL */
};

/* Header flag bits (second 16-bit word). */
#define DNS_F_QR      0x8000
#define DNS_F_AA      0x0400
#define DNS_F_TC      0x0200
#define DNS_F_RD      0x0100
#define DNS_F_RA      0x0080
#define DNS_F_AD      0x0020
#define DNS_F_CD      0x0010
#define DNS_OPCODE(f) (((f) >> 11) & 0xf)
#define DNS_RCODE(f)  ((f)&0xf)

static inline uint16_t dns_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t dns_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void dns_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void dns_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * Reads the name at off of pkt[0..len) into out (wire form, uncompressed,
 * case kept), *outlen its length; *next the offset just past the name where it
 * sits (past the first pointer). 0, or -EINVAL for anything malformed: a
 * pointer outside the packet or not strictly backwards, too many pointers, a
 * label type other than 0 or pointer, a name over 255 bytes.
 */
int dnsmsg_name_read(const uint8_t *pkt, size_t len, size_t off, uint8_t out[DNS_NAME_MAX],
                     size_t *outlen, size_t *next);
/* Skips a name (compressed or not) at off; 0 and *next, or -EINVAL. */
int dnsmsg_name_skip(const uint8_t *pkt, size_t len, size_t off, size_t *next);
/* Length of a wire name in a trusted buffer (through its root label). */
size_t dnsmsg_name_len(const uint8_t *name);
/* Lower-cases ASCII letters of a wire name into out (same length). */
void dnsmsg_name_lower(const uint8_t *name, size_t len, uint8_t *out);
/* 1 when both wire names are equal ignoring ASCII case. */
int dnsmsg_name_eq(const uint8_t *a, const uint8_t *b);
/* "a.b.c." -> wire form. 0, or -EINVAL (empty label, label > 63, name > 255). */
int dnsmsg_name_from_text(const char *s, uint8_t out[DNS_NAME_MAX], size_t *outlen);
/* Wire form -> "a.b.c." (escapes none: for logs). */
void dnsmsg_name_to_text(const uint8_t *name, char *out, size_t outlen);

/* A parsed query. */
struct dns_query {
	uint16_t id;
	uint16_t flags;
	uint8_t qname[DNS_NAME_MAX]; /* as sent: case preserved */
	size_t qname_len;
	uint16_t qtype, qclass;
	size_t qend; /* offset just past the question */
	bool edns;
	bool do_bit;
	uint8_t edns_version;
	uint16_t udp_size; /* the client's EDNS payload size (0 without EDNS) */
};

/* dnsmsg_parse_query results besides 0 (a query to answer). */
#define DNSMSG_DROP -1 /* not even a header, or a response (QR=1): say nothing */

/*
 * Parses a query. 0: q is complete. DNSMSG_DROP: drop it silently. A positive
 * rcode (FORMERR, NOTIMP, BADVERS): answer with that rcode; q->qname_len is 0
 * when no question could be read, and the header fields are filled whenever
 * there was a header.
 */
int dnsmsg_parse_query(const uint8_t *pkt, size_t len, struct dns_query *q);

/* --- writing responses ---------------------------------------------------- */

#define DNSW_MAX_COMP 128

/*
 * A response under construction in buf[0..cap). Every add checks the space;
 * when something does not fit, the writer keeps what it had and the call
 * returns -ENOSPC (the caller then truncates or drops that section).
 */
struct dnsw {
	uint8_t *buf;
	size_t cap;
	size_t len;
	uint16_t count[4]; /* QD, AN, NS, AR */
	int section;       /* 1..3: where dnsw_rr_* go */
	uint16_t comp[DNSW_MAX_COMP];
	int ncomp;
	/* open record */
	size_t rr_start, rd_start;
	int rr_ncomp;
};

/* Starts a response to q: header (ID, RD and CD copied, QR set, given flags
 * and rcode) and q's question as sent. -ENOSPC if even that does not fit. */
int dnsw_init(struct dnsw *w, uint8_t *buf, size_t cap, const struct dns_query *q, uint16_t flags,
              int rcode);
void dnsw_section(struct dnsw *w, int section); /* 1 answer, 2 authority, 3 additional */
/* A record: owner name, type, class IN, ttl; then rdata with dnsw_rd_*. */
int dnsw_rr_begin(struct dnsw *w, const uint8_t *owner, uint16_t type, uint32_t ttl);
int dnsw_rd_bytes(struct dnsw *w, const void *p, size_t n);
int dnsw_rd_name(struct dnsw *w, const uint8_t *name, bool compress);
int dnsw_rd_u16(struct dnsw *w, uint16_t v);
int dnsw_rd_u32(struct dnsw *w, uint32_t v);
/* Closes the record (rdlength, count). */
int dnsw_rr_end(struct dnsw *w);
/* Forgets a record begun but not ended (after an -ENOSPC). */
void dnsw_rr_abort(struct dnsw *w);
/* The OPT record (additional section): payload size, extended rcode, DO. */
int dnsw_opt(struct dnsw *w, uint16_t size, int rcode, bool do_bit);
/* Rewrites the counts into the header; returns the message length. */
size_t dnsw_finish(struct dnsw *w);
/* Sets the header's TC bit and keeps only header + question. */
void dnsw_truncate(struct dnsw *w);

/* --- reading upstream responses ------------------------------------------ */

#define DNSMSG_MAX_TTLS 128

struct dns_scan {
	uint16_t id, flags;
	int rcode;
	uint8_t qname[DNS_NAME_MAX];
	size_t qname_len;
	uint16_t qtype, qclass;
	size_t qend;
	uint16_t count[4];
	uint32_t min_ttl; /* over answer and authority records (UINT32_MAX: none) */
	uint32_t neg_ttl; /* min(SOA TTL, SOA minimum) of an authority SOA (UINT32_MAX: none) */
	size_t opt_off;   /* start of the OPT record, 0 if none */
	size_t opt_end;   /* its end */
	size_t an_off;    /* start of the answer section */
	uint16_t ttl_off[DNSMSG_MAX_TTLS]; /* offsets of every TTL field but the OPT's */
	int nttl;                          /* -1: more records than ttl_off holds */
};

/* Walks a whole response. 0, or -EINVAL when malformed or not a response. */
int dnsmsg_scan(const uint8_t *pkt, size_t len, struct dns_scan *s);

#endif
