/*
 * dns.h - `svcnet dns`: the cluster DNS server as one piece on the caller's
 * loop: informers -> zone (dnszone) -> answers (dnsanswer) over UDP and TCP
 * (dnsserver), names outside the zone through the forwarder and its cache
 * (dnsfwd), and an HTTP listener for /health, /ready and /metrics.
 */
#ifndef SVCNET_DNS_H
#define SVCNET_DNS_H

#include <stdbool.h>
#include <stddef.h>

#include "client/httpc.h"
#include "dns/dnsanswer.h"
#include "dns/dnsfwd.h"
#include "dns/dnsserver.h"
#include "dns/dnszone.h"
#include "lib/ev.h"

struct dns_config {
	const char *listen[DNSSRV_MAX_LISTEN]; /* default 10.43.0.10:53 */
	int nlisten;
	const char *zone; /* "cluster.local" */
	int ttl;          /* 5 */
	enum dnsa_pods pods;
	/* Upstreams; fwd.nup == 0: no forwarding. */
	struct dnsfwd_config fwd;
	const char *http_addr; /* NULL or "": none */
	int tcp_idle_ms;       /* 10000 */
};

typedef struct dns dns;

/*
 * Starts everything on l. api NULL: no informers (tests feed dns_zone()
 * themselves, and /ready says ready). 0, or a negative errno with err.
 */
int dns_start(ev_loop *l, httpc *api, const struct dns_config *cfg, dns **out, char *err,
              size_t errlen);
void dns_free(dns *d); /* NULL-safe */

dz_zone *dns_zone(dns *d);
/* Bound port of listen address i (tests listen on port 0). */
int dns_port(const dns *d, int i);
/* The bound HTTP port, or -1. */
int dns_http_port(const dns *d);

#endif
