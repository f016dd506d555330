/*
 * dnsserver.h - DNS over UDP and TCP on the event loop; no protocol logic.
 *
 * UDP: recvmmsg/sendmmsg in batches; listeners on a wildcard address learn
 * each query's destination (IP_PKTINFO / IPV6_RECVPKTINFO) and answer from
 * it, so clients see the address they asked. TCP (RFC 7766): 2-byte length
 * prefix, many queries per connection, pipelined (answers may come out of
 * order when some are forwarded), idle connections closed after
 * tcp_idle_ms, at most max_tcp connections (more are closed at accept).
 */
#ifndef SVCNET_DNSSERVER_H
#define SVCNET_DNSSERVER_H

#include <stddef.h>
#include <stdint.h>

#include "dns/dnsdest.h"
#include "lib/ev.h"

/* One query; returns the response length in out, or 0 for none now (dropped,
 * or answered later through dnssrv_reply). */
typedef size_t dnssrv_query_fn(void *data, const uint8_t *pkt, size_t len, const struct dns_dest *d,
                               uint8_t *out, size_t cap);

#define DNSSRV_MAX_LISTEN 8

struct dnssrv_config {
	const char *listen[DNSSRV_MAX_LISTEN]; /* "ADDR:PORT"; port 0: the kernel picks,
	                                          the same for UDP and TCP */
	int nlisten;
	int tcp_idle_ms; /* 10000 */
	int max_tcp;     /* 256 */
	dnssrv_query_fn *fn;
	void *data;
};

struct dnssrv_stats {
	unsigned long long udp_queries, tcp_queries, tcp_accepted, tcp_refused, send_errors;
	int tcp_open;
};

typedef struct dnssrv dnssrv;

/* 0, or a negative errno with err ("listen on ADDR: ..."). */
int dnssrv_start(ev_loop *l, const struct dnssrv_config *cfg, dnssrv **out, char *err,
                 size_t errlen);
void dnssrv_free(dnssrv *s); /* NULL-safe */
/* A dns_reply_fn: data is the dnssrv. Answers for closed connections vanish. */
void dnssrv_reply(void *srv, const struct dns_dest *d, const uint8_t *msg, size_t len);
/* The bound port of listener i. */
int dnssrv_port(const dnssrv *s, int i);
void dnssrv_get_stats(const dnssrv *s, struct dnssrv_stats *st);

#endif
