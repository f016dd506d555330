/*
 * net.c - address and CIDR parsing, formatting and arithmetic.
 *
 * The parsers are written here rather than taken from inet_pton so that the
 * accepted forms are exactly the ones Kubernetes accepts (no leading zeros in
 * a dotted quad, also not in one embedded in IPv6) whatever the libc does.
 * IPv6 arithmetic works on two 64-bit halves, which covers every offset the
 * allocators need without a big-number type.
 */
#include "lib/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

int net_family_bits(int family)
{
	if (family == AF_INET)
		return 32;
	if (family == AF_INET6)
		return 128;
	return 0;
}

/* The two halves of the 128-bit value (IPv4 sits in the top of hi, which is
 * fine for comparisons and XOR but not for addition: see net_addr_add). */
static uint64_t net_load64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static void net_store64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* Parses exactly a dotted quad in s[0..len). */
static int net_parse_v4(const char *s, size_t len, uint8_t out[4])
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		unsigned v = 0;
		size_t start = i;

		if (part > 0) {
			if (i >= len || s[i] != '.')
				return -EINVAL;
			start = ++i;
		}
		while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || v > 255)
			return -EINVAL;
		/* "010" reads as octal 8 in inet_aton and as 10 elsewhere; Kubernetes
		 * refuses the ambiguity for new objects, and so do we. */
		if (s[start] == '0' && i - start > 1)
			return -EINVAL;
		out[part] = (uint8_t)v;
	}
	return i == len ? 0 : -EINVAL;
}

static int net_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int net_parse_v6(const char *s, size_t len, uint8_t out[16])
{
	uint16_t g[8];
	int n = 0, dbl = -1;
	size_t i = 0;

	if (len >= 2 && s[0] == ':' && s[1] == ':') {
		dbl = 0;
		i = 2;
		if (i == len)
			goto expand;
	} else if (len >= 1 && s[0] == ':') {
		return -EINVAL;
	}
	for (;;) {
		size_t start = i, j = i;
		unsigned v = 0;

		while (j < len && net_hexval(s[j]) >= 0)
			j++;
		if (j < len && s[j] == '.') {
			/* An embedded dotted quad ends the address and fills two groups. */
			uint8_t q[4];

			if (n > 6 || net_parse_v4(s + start, len - start, q) < 0)
				return -EINVAL;
			g[n++] = (uint16_t)(q[0] << 8 | q[1]);
			g[n++] = (uint16_t)(q[2] << 8 | q[3]);
			break;
		}
		if (j == start || j - start > 4 || n == 8)
			return -EINVAL;
		for (; i < j; i++)
			v = v << 4 | (unsigned)net_hexval(s[i]);
		g[n++] = (uint16_t)v;
		if (i == len)
			break;
		if (s[i] != ':')
			return -EINVAL;
		i++;
		if (i < len && s[i] == ':') {
			if (dbl >= 0)
				return -EINVAL;
			dbl = n;
			i++;
			if (i == len)
				break;
		} else if (i == len) {
			return -EINVAL; /* trailing single ':' */
		}
	}
expand:
	/* "::" stands for at least one group (RFC 4291 2.2). */
	if ((dbl < 0 && n != 8) || (dbl >= 0 && n > 7))
		return -EINVAL;
	memset(out, 0, 16);
	if (dbl < 0)
		dbl = n;
	for (int k = 0; k < dbl; k++) {
		out[2 * k] = (uint8_t)(g[k] >> 8);
		out[2 * k + 1] = (uint8_t)g[k];
	}
	for (int k = dbl; k < n; k++) {
		int pos = 8 - (n - k);

		out[2 * pos] = (uint8_t)(g[k] >> 8);
		out[2 * pos + 1] = (uint8_t)g[k];
	}
	return 0;
}

int net_addr_parse(const char *s, net_addr *out)
{
	net_addr a;
	size_t len;

	if (!s || !out)
		return -EINVAL;
	len = strlen(s);
	memset(&a, 0, sizeof(a));
	if (memchr(s, ':', len)) {
		if (net_parse_v6(s, len, a.a) < 0)
			return -EINVAL;
		a.family = AF_INET6;
	} else {
		if (net_parse_v4(s, len, a.a) < 0)
			return -EINVAL;
		a.family = AF_INET;
	}
	*out = a;
	return 0;
}

int net_str_family(const char *s)
{
	net_addr a;

	return net_addr_parse(s, &a) == 0 ? a.family : 0;
}

static int net_fmt_v6(const uint8_t *p, char *buf)
{
	int best = -1, bestlen = 0, n = 0;
	uint16_t g[8];

	for (int k = 0; k < 8; k++)
		g[k] = (uint16_t)(p[2 * k] << 8 | p[2 * k + 1]);
	/* RFC 5952 4.2: compress the longest run of two or more zero groups,
	 * the first one on a tie. */
	for (int k = 0; k < 8;) {
		int e = k;

		while (e < 8 && g[e] == 0)
			e++;
		if (e - k > bestlen && e - k >= 2) {
			best = k;
			bestlen = e - k;
		}
		k = e > k ? e : k + 1;
	}
	/* RFC 5952 5: IPv4-mapped addresses keep the dotted quad. */
	if (best == 0 && bestlen == 5 && g[5] == 0xffff)
		return sprintf(buf, "::ffff:%u.%u.%u.%u", p[12], p[13], p[14], p[15]);
	for (int k = 0; k < 8; k++) {
		if (k == best) {
			n += sprintf(buf + n, "::");
			k += bestlen - 1;
			continue;
		}
		if (n > 0 && buf[n - 1] != ':')
			buf[n++] = ':';
		n += sprintf(buf + n, "%x", g[k]);
	}
	buf[n] = '\0';
	return n;
}

int net_addr_fmt(const net_addr *a, char *out, size_t outlen)
{
	char buf[NET_ADDR_STRLEN];
	int n;

	if (a->family == AF_INET)
		n = sprintf(buf, "%u.%u.%u.%u", a->a[0], a->a[1], a->a[2], a->a[3]);
	else if (a->family == AF_INET6)
		n = net_fmt_v6(a->a, buf);
	else
		return -EINVAL;
	if ((size_t)n >= outlen)
		return -ENOSPC;
	memcpy(out, buf, (size_t)n + 1);
	return n;
}

int net_addr_cmp(const net_addr *a, const net_addr *b)
{
	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	return memcmp(a->a, b->a, 16);
}

int net_addr_add(const net_addr *base, uint64_t off, net_addr *out)
{
	net_addr r = *base;

	if (base->family == AF_INET) {
		uint64_t v = (uint64_t)net_addr_v4(base) + off;

		if (off > UINT32_MAX || v > UINT32_MAX)
			return -ERANGE;
		net_addr_from_v4(&r, (uint32_t)v);
	} else if (base->family == AF_INET6) {
		uint64_t hi = net_load64(base->a), lo = net_load64(base->a + 8);
		uint64_t nlo = lo + off;

		if (nlo < lo) {
			if (hi == UINT64_MAX)
				return -ERANGE;
			hi++;
		}
		net_store64(r.a, hi);
		net_store64(r.a + 8, nlo);
	} else {
		return -EINVAL;
	}
	*out = r;
	return 0;
}

int net_addr_diff(const net_addr *a, const net_addr *b, uint64_t *out)
{
	uint64_t ahi, alo, bhi, blo;

	if (a->family != b->family || !net_family_bits(a->family) || net_addr_cmp(a, b) > 0)
		return -ERANGE;
	if (a->family == AF_INET) {
		*out = net_addr_v4(b) - net_addr_v4(a);
		return 0;
	}
	ahi = net_load64(a->a);
	alo = net_load64(a->a + 8);
	bhi = net_load64(b->a);
	blo = net_load64(b->a + 8);
	/* b >= a: the difference fits 64 bits when the high halves are equal, or
	 * differ by one that the low halves borrow back. */
	if (bhi != ahi && !(bhi - ahi == 1 && blo < alo))
		return -ERANGE;
	*out = blo - alo;
	return 0;
}

int net_addr_unmap(const net_addr *a, net_addr *out)
{
	static const uint8_t pfx[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	net_addr r;

	if (a->family != AF_INET6 || memcmp(a->a, pfx, 12) != 0)
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	r.family = AF_INET;
	memcpy(r.a, a->a + 12, 4);
	*out = r;
	return 0;
}

void net_addr_from_v4(net_addr *out, uint32_t v)
{
	memset(out, 0, sizeof(*out));
	out->family = AF_INET;
	out->a[0] = (uint8_t)(v >> 24);
	out->a[1] = (uint8_t)(v >> 16);
	out->a[2] = (uint8_t)(v >> 8);
	out->a[3] = (uint8_t)v;
}

uint32_t net_addr_v4(const net_addr *a)
{
	return (uint32_t)a->a[0] << 24 | (uint32_t)a->a[1] << 16 | (uint32_t)a->a[2] << 8 | a->a[3];
}

/* Clears (set=0) or sets (set=1) every bit after the first prefix bits. */
static void net_fill_host(uint8_t *p, int bits, int prefix, int set)
{
	for (int i = 0; i < bits / 8; i++) {
		int lo = i * 8;
		uint8_t hostmask;

		if (prefix >= lo + 8)
			continue;
		hostmask = prefix <= lo ? 0xff : (uint8_t)(0xff >> (prefix - lo));
		p[i] = set ? (uint8_t)(p[i] | hostmask) : (uint8_t)(p[i] & ~hostmask);
	}
}

static int net_host_bits_zero(const net_addr *a, int prefix)
{
	net_addr m = *a;

	net_fill_host(m.a, net_family_bits(a->family), prefix, 0);
	return memcmp(m.a, a->a, 16) == 0;
}

int net_cidr_make(net_cidr *out, const net_addr *a, int prefix)
{
	int bits = net_family_bits(a->family);

	if (!bits || prefix < 0 || prefix > bits)
		return -EINVAL;
	out->addr = *a;
	net_fill_host(out->addr.a, bits, prefix, 0);
	out->prefix = prefix;
	return 0;
}

int net_cidr_parse(const char *s, net_cidr *out, int strict)
{
	char buf[NET_ADDR_STRLEN];
	const char *slash;
	net_addr a;
	size_t alen;
	int prefix = 0;
	const char *p;

	if (!s || !out || !(slash = strchr(s, '/')))
		return -EINVAL;
	alen = (size_t)(slash - s);
	if (alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (net_addr_parse(buf, &a) < 0)
		return -EINVAL;
	p = slash + 1;
	/* Decimal without sign or leading zeros, at most three digits. */
	if (!*p || strlen(p) > 3 || (p[0] == '0' && p[1]))
		return -EINVAL;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		prefix = prefix * 10 + (*p - '0');
	}
	if (prefix > net_family_bits(a.family))
		return -EINVAL;
	if (strict && !net_host_bits_zero(&a, prefix))
		return -EINVAL;
	return net_cidr_make(out, &a, prefix);
}

int net_cidr_fmt(const net_cidr *c, char *out, size_t outlen)
{
	char buf[NET_CIDR_STRLEN];
	int n = net_addr_fmt(&c->addr, buf, sizeof(buf));

	if (n < 0)
		return n;
	n += snprintf(buf + n, sizeof(buf) - (size_t)n, "/%d", c->prefix);
	if ((size_t)n >= outlen)
		return -ENOSPC;
	memcpy(out, buf, (size_t)n + 1);
	return n;
}

/* 1 if the first nbits bits of x and y agree. */
static int net_prefix_eq(const uint8_t *x, const uint8_t *y, int nbits)
{
	int whole = nbits / 8, rest = nbits % 8;

	if (memcmp(x, y, (size_t)whole) != 0)
		return 0;
	if (rest) {
		uint8_t m = (uint8_t)(0xff << (8 - rest));

		return ((x[whole] ^ y[whole]) & m) == 0;
	}
	return 1;
}

int net_cidr_contains(const net_cidr *c, const net_addr *a)
{
	if (c->addr.family != a->family || !net_family_bits(a->family))
		return 0;
	return net_prefix_eq(c->addr.a, a->a, c->prefix);
}

int net_cidr_overlaps(const net_cidr *a, const net_cidr *b)
{
	if (a->addr.family != b->addr.family || !net_family_bits(a->addr.family))
		return 0;
	return net_prefix_eq(a->addr.a, b->addr.a, a->prefix < b->prefix ? a->prefix : b->prefix);
}

uint64_t net_cidr_size(const net_cidr *c)
{
	int host = net_family_bits(c->addr.family) - c->prefix;

	if (host <= 0)
		return host == 0 ? 1 : 0;
	if (host >= 64)
		return UINT64_MAX;
	return (uint64_t)1 << host;
}

void net_cidr_last(const net_cidr *c, net_addr *out)
{
	*out = c->addr;
	net_fill_host(out->a, net_family_bits(c->addr.family), c->prefix, 1);
}

int net_addr_offset(const net_cidr *c, const net_addr *a, uint64_t *off)
{
	if (!net_cidr_contains(c, a))
		return -ERANGE;
	if (a->family == AF_INET) {
		*off = net_addr_v4(a) - net_addr_v4(&c->addr);
		return 0;
	}
	/* Inside the CIDR the difference is just the host bits, i.e. the XOR. */
	if ((net_load64(a->a) ^ net_load64(c->addr.a)) != 0)
		return -ERANGE;
	*off = net_load64(a->a + 8) ^ net_load64(c->addr.a + 8);
	return 0;
}

int net_addr_to_sockaddr(const net_addr *a, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	if (port < 0 || port > 65535)
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		memcpy(&sin->sin_addr, a->a, 4);
		*len = sizeof(*sin);
	} else if (a->family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		memcpy(&sin6->sin6_addr, a->a, 16);
		*len = sizeof(*sin6);
	} else {
		return -EINVAL;
	}
	return 0;
}

int net_addr_from_sockaddr(const struct sockaddr *sa, net_addr *out, int *port)
{
	/* Copied out rather than cast: the caller's buffer may be a plain
	 * struct sockaddr without the wider types' alignment. */
	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET) {
		struct sockaddr_in sin;

		memcpy(&sin, sa, sizeof(sin));
		out->family = AF_INET;
		memcpy(out->a, &sin.sin_addr, 4);
		if (port)
			*port = ntohs(sin.sin_port);
	} else if (sa->sa_family == AF_INET6) {
		struct sockaddr_in6 sin6;

		memcpy(&sin6, sa, sizeof(sin6));
		out->family = AF_INET6;
		memcpy(out->a, &sin6.sin6_addr, 16);
		if (port)
			*port = ntohs(sin6.sin6_port);
	} else {
		return -EINVAL;
	}
	return 0;
}

/* RFC 1123 host name: labels of letters, digits and inner hyphens. A name of
 * only digits and dots is a mistyped IPv4 address, not a name. */
static int net_valid_hostname(const char *s, size_t len)
{
	size_t label = 0;
	int alldigits = 1;

	if (len == 0 || len > 253)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return 0;
		if ((c == '-' && label == 0) || ++label > 63)
			return 0;
		if (c < '0' || c > '9')
			alldigits = 0;
	}
	return label > 0 && s[len - 1] != '-' && !alldigits;
}

int net_parse_hostport(const char *s, char *host, size_t hostlen, int *port)
{
	const char *h, *colon, *p;
	size_t hlen;
	char buf[NET_ADDR_STRLEN];
	net_addr a;
	long v = 0;

	if (!s || !host || !port)
		return -EINVAL;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		h = s + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
		if (hlen >= sizeof(buf))
			return -EINVAL;
		memcpy(buf, h, hlen);
		buf[hlen] = '\0';
		if (net_addr_parse(buf, &a) < 0 || a.family != AF_INET6)
			return -EINVAL;
	} else {
		colon = strchr(s, ':');
		/* A second colon means an IPv6 address without brackets. */
		if (!colon || strchr(colon + 1, ':'))
			return -EINVAL;
		h = s;
		hlen = (size_t)(colon - s);
		if (hlen < sizeof(buf)) {
			memcpy(buf, h, hlen);
			buf[hlen] = '\0';
		}
		if (!(hlen < sizeof(buf) && net_addr_parse(buf, &a) == 0) &&
		    !net_valid_hostname(h, hlen))
			return -EINVAL;
	}
	p = colon + 1;
	if (!*p || strlen(p) > 5)
		return -EINVAL;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (*p - '0');
	}
	if (v < 1 || v > 65535)
		return -EINVAL;
	if (hlen >= hostlen)
		return -ENOSPC;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	*port = (int)v;
	return 0;
}

int net_sockaddr_fmt(const void *sockaddr, char *out, size_t outlen)
{
	char ip[NET_ADDR_STRLEN];
	net_addr a, v4;
	int port;

	if (net_addr_from_sockaddr(sockaddr, &a, &port) < 0) {
		snprintf(out, outlen, "?");
		return -EINVAL;
	}
	/* A dual-stack socket sees IPv4 peers as ::ffff:a.b.c.d; report what the
	 * peer used. */
	if (net_addr_unmap(&a, &v4) == 0)
		a = v4;
	if (net_addr_fmt(&a, ip, sizeof(ip)) < 0) {
		snprintf(out, outlen, "?");
		return -EINVAL;
	}
	snprintf(out, outlen, a.family == AF_INET6 ? "[%s]:%d" : "%s:%d", ip, port);
	return 0;
}
