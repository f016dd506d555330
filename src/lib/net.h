/*
 * net.h - IP addresses and CIDRs (IPv4 and IPv6) as plain values.
 *
 * A net_addr is 17 bytes of value: the family and 16 address bytes in network
 * order, an IPv4 address in a[0..3] with a[4..15] zero, so two addresses
 * compare with memcmp and copy with '='. Parsers take untrusted text (API
 * objects, flags) and return 0 or -EINVAL; nothing here allocates.
 *
 * Text forms follow what Kubernetes validation accepts for new objects:
 * IPv4 dotted quads without leading zeros ("010.1.1.1" is rejected, since
 * other parsers read it as octal), IPv6 in any RFC 4291 form including an
 * embedded dotted quad, no zone ("fe80::1%eth0" is rejected). Output is
 * canonical: RFC 5952 for IPv6 (lower case, longest zero run as "::"), with
 * IPv4-mapped addresses written as "::ffff:1.2.3.4".
 */
#ifndef SVCNET_NET_H
#define SVCNET_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Longest text of an address ("ffff:...:255.255.255.255") and of a CIDR, with NUL. */
#define NET_ADDR_STRLEN 46
#define NET_CIDR_STRLEN 50

typedef struct net_addr {
	int family;    /* AF_INET or AF_INET6 */
	uint8_t a[16]; /* network order; IPv4 in a[0..3], the rest zero */
} net_addr;

typedef struct net_cidr {
	net_addr addr;
	int prefix; /* 0..32 or 0..128 */
} net_cidr;

/* Bits in an address of the family: 32, 128, or 0 for anything else. */
int net_family_bits(int family);

/* Parses an IPv4 or IPv6 address. 0 or -EINVAL. */
int net_addr_parse(const char *s, net_addr *out);
/* Family of the text: AF_INET, AF_INET6, or 0 when it is no valid address. */
int net_str_family(const char *s);
/* Canonical text. Returns the length, or -ENOSPC when outlen is too small
 * (NET_ADDR_STRLEN always suffices), -EINVAL on an unknown family. */
int net_addr_fmt(const net_addr *a, char *out, size_t outlen);

/* Orders by family (IPv4 first), then numerically. <0, 0, >0. */
int net_addr_cmp(const net_addr *a, const net_addr *b);
/* base + off within the family's address space; -ERANGE on overflow. */
int net_addr_add(const net_addr *base, uint64_t off, net_addr *out);
/* b - a when both are of one family, b >= a and the difference fits 64 bits;
 * else -ERANGE. */
int net_addr_diff(const net_addr *a, const net_addr *b, uint64_t *out);
/* ::ffff:a.b.c.d -> a.b.c.d; 0 if converted, -EINVAL if a is not IPv4-mapped. */
int net_addr_unmap(const net_addr *a, net_addr *out);
void net_addr_from_v4(net_addr *out, uint32_t host_order);
/* Host-order value of an IPv4 address. */
uint32_t net_addr_v4(const net_addr *a);

/* Parses "addr/prefix". strict: host bits must be zero (else -EINVAL);
 * otherwise they are cleared, so out always holds the network address. */
int net_cidr_parse(const char *s, net_cidr *out, int strict);
/* "10.43.0.0/16"; same returns as net_addr_fmt (NET_CIDR_STRLEN suffices). */
int net_cidr_fmt(const net_cidr *c, char *out, size_t outlen);
/* Builds a CIDR from an address and prefix, clearing host bits. 0 or -EINVAL. */
int net_cidr_make(net_cidr *out, const net_addr *a, int prefix);
/* 1 if a lies inside c (same family), else 0. */
int net_cidr_contains(const net_cidr *c, const net_addr *a);
/* 1 if the two CIDRs share any address, else 0. */
int net_cidr_overlaps(const net_cidr *a, const net_cidr *b);
/* Number of addresses, saturating at UINT64_MAX (an IPv6 /64 or wider). */
uint64_t net_cidr_size(const net_cidr *c);
/* The last address (IPv4 broadcast). */
void net_cidr_last(const net_cidr *c, net_addr *out);
/* a - network address of c; -ERANGE when a is outside c or the offset needs
 * more than 64 bits. */
int net_addr_offset(const net_cidr *c, const net_addr *a, uint64_t *off);

/* Conversions to and from socket addresses (port in host order); sa must be
 * as large as its family's struct (sockaddr_in or sockaddr_in6). */
int net_addr_to_sockaddr(const net_addr *a, int port, struct sockaddr_storage *ss, socklen_t *len);
int net_addr_from_sockaddr(const struct sockaddr *sa, net_addr *out, int *port);

/* Splits "1.2.3.4:6443", "[::1]:6443" or "name:6443". The host is an IPv4
 * address or DNS name without brackets, or an IPv6 address in brackets
 * (copied without them). Port 1-65535. 0, -EINVAL, or -ENOSPC if host does not
 * fit hostlen. */
int net_parse_hostport(const char *s, char *host, size_t hostlen, int *port);

/* "1.2.3.4:5" or "[::1]:5" for a struct sockaddr (IPv4-mapped peers shown as
 * IPv4); "?" and -EINVAL for other families. */
int net_sockaddr_fmt(const void *sockaddr, char *out, size_t outlen);

#endif
