/*
 * dns_int.h - the DNS server's parts: dns.c (lifecycle, informers, queries)
 * and dns_http.c (/health, /ready, /metrics).
 */
#ifndef SVCNET_DNS_INT_H
#define SVCNET_DNS_INT_H

#include "client/informer.h"
#include "dns/dns.h"
#include "lib/http_server.h"

struct dns {
	ev_loop *l;
	httpc *api;
	struct dns_config cfg;
	struct dnsa_config acfg;
	dz_zone *zone;
	dnssrv *srv;
	dnsfwd *fwd;
	informer *svc_inf, *slice_inf, *pod_inf;
	bool ready;
	http_server *http;
	/* metrics */
	unsigned long long n_rcode[24];
	unsigned long long n_auth, n_forward, n_chase, n_dropped, n_truncated;
	unsigned long long n_events;
	uint8_t prefix[DNS_TCP_MAX]; /* a chase's CNAME part, out of the way of out */
};

int dns_http_start(dns *d, char *err, size_t errlen);
void dns_http_stop(dns *d);

#endif
