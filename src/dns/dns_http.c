/*
 * dns_http.c - the DNS server's HTTP endpoints, as CoreDNS' health, ready
 * and prometheus plugins serve them: /health (200 while the loop runs),
 * /ready (200 once the informers listed, else 503), /metrics.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dns/dns_int.h"
#include "lib/buf.h"
#include "lib/prom.h"

static const char *const rcode_names[] = {"NOERROR",  "FORMERR", "SERVFAIL",
                                          "NXDOMAIN", "NOTIMP",  "REFUSED"};

static int dns_metrics(void *data, buf *b)
{
	const dns *d = data;
	struct dnssrv_stats ss;
	struct dnsfwd_stats fs = {0};
	char lbl[64];

	dnssrv_get_stats(d->srv, &ss);
	if (d->fwd)
		dnsfwd_get_stats(d->fwd, &fs);
	if (prom_family(b, "svcnet_dns_requests_total", "counter", "Queries received") < 0 ||
	    prom_sample(b, "svcnet_dns_requests_total", "proto=\"udp\"", (double)ss.udp_queries) <
	        0 ||
	    prom_sample(b, "svcnet_dns_requests_total", "proto=\"tcp\"", (double)ss.tcp_queries) <
	        0 ||
	    prom_family(b, "svcnet_dns_responses_total", "counter",
	                "Responses from the cluster zone and the protocol checks, by rcode") < 0)
		return -ENOMEM;
	for (int i = 0; i < 24; i++) {
		if (!d->n_rcode[i] && i > 5)
			continue;
		if (i < 6)
			snprintf(lbl, sizeof(lbl), "rcode=\"%s\"", rcode_names[i]);
		else
			snprintf(lbl, sizeof(lbl), "rcode=\"%d\"", i);
		if (prom_sample(b, "svcnet_dns_responses_total", lbl, (double)d->n_rcode[i]) < 0)
			return -ENOMEM;
	}
	if (prom_family(b, "svcnet_dns_truncated_total", "counter",
	                "Answers sent with TC=1 (too big for UDP)") < 0 ||
	    prom_sample(b, "svcnet_dns_truncated_total", "", (double)d->n_truncated) < 0 ||
	    prom_family(b, "svcnet_dns_dropped_total", "counter",
	                "Packets dropped without an answer") < 0 ||
	    prom_sample(b, "svcnet_dns_dropped_total", "", (double)d->n_dropped) < 0 ||
	    prom_family(b, "svcnet_dns_forwarded_total", "counter",
	                "Queries for names outside the cluster zone (incl. ExternalName chases)") <
	        0 ||
	    prom_sample(b, "svcnet_dns_forwarded_total", "", (double)(d->n_forward + d->n_chase)) <
	        0 ||
	    prom_family(b, "svcnet_dns_upstream_requests_total", "counter",
	                "Queries sent to upstream servers") < 0 ||
	    prom_sample(b, "svcnet_dns_upstream_requests_total", "", (double)fs.upstream) < 0 ||
	    prom_family(b, "svcnet_dns_upstream_timeouts_total", "counter",
	                "Upstream tries without an answer in time") < 0 ||
	    prom_sample(b, "svcnet_dns_upstream_timeouts_total", "", (double)fs.timeouts) < 0 ||
	    prom_family(b, "svcnet_dns_forward_servfail_total", "counter",
	                "Clients answered SERVFAIL after every upstream failed") < 0 ||
	    prom_sample(b, "svcnet_dns_forward_servfail_total", "", (double)fs.servfail) < 0 ||
	    prom_family(b, "svcnet_dns_forward_shared_total", "counter",
	                "Queries that joined an identical one in flight") < 0 ||
	    prom_sample(b, "svcnet_dns_forward_shared_total", "", (double)fs.shared) < 0 ||
	    prom_family(b, "svcnet_dns_cache_hits_total", "counter", "Forwarder cache hits") < 0 ||
	    prom_sample(b, "svcnet_dns_cache_hits_total", "", (double)fs.cache_hits) < 0 ||
	    prom_family(b, "svcnet_dns_cache_misses_total", "counter", "Forwarder cache misses") <
	        0 ||
	    prom_sample(b, "svcnet_dns_cache_misses_total", "", (double)fs.cache_misses) < 0 ||
	    prom_family(b, "svcnet_dns_cache_entries", "gauge", "Forwarder cache entries") < 0 ||
	    prom_sample(b, "svcnet_dns_cache_entries", "", (double)fs.cache_entries) < 0 ||
	    prom_family(b, "svcnet_dns_tcp_connections", "gauge", "Open TCP connections") < 0 ||
	    prom_sample(b, "svcnet_dns_tcp_connections", "", (double)ss.tcp_open) < 0 ||
	    prom_family(b, "svcnet_dns_services", "gauge", "Services in the zone") < 0 ||
	    prom_sample(b, "svcnet_dns_services", "", (double)dz_service_count(d->zone)) < 0 ||
	    prom_family(b, "svcnet_dns_zone_serial", "gauge", "The zone's SOA serial") < 0 ||
	    prom_sample(b, "svcnet_dns_zone_serial", "", (double)dz_serial(d->zone)) < 0 ||
	    prom_family(b, "svcnet_dns_zone_events_total", "counter",
	                "Service, EndpointSlice and Pod events applied") < 0 ||
	    prom_sample(b, "svcnet_dns_zone_events_total", "", (double)d->n_events) < 0)
		return -ENOMEM;
	return 0;
}

static void dns_handle(http_conn *c, http_request *req, void *data)
{
	dns *d = data;
	size_t plen = strcspn(req->path, "?");

	if (plen == 7 && !strncmp(req->path, "/health", 7)) {
		http_respond(c, 200, "text/plain", "OK\n", 3);
	} else if (plen == 6 && !strncmp(req->path, "/ready", 6)) {
		if (d->ready)
			http_respond(c, 200, "text/plain", "OK\n", 3);
		else
			http_respond(c, 503, "text/plain", "informers not synced\n", 21);
	} else if (plen == 8 && !strncmp(req->path, "/metrics", 8)) {
		http_respond_metrics(c, dns_metrics, d);
	} else {
		http_respond(c, 404, "text/plain", "404 page not found\n", 19);
	}
}

static void dns_http_flush(ev_loop *l, void *data)
{
	dns *d = data;

	if (d->http)
		http_server_flush(d->http);
}

int dns_http_start(dns *d, char *err, size_t errlen)
{
	int rc;

	if (!d->cfg.http_addr || !d->cfg.http_addr[0])
		return 0;
	rc = http_server_start_status(d->l, d->cfg.http_addr, dns_handle, d, 64, &d->http);
	if (rc < 0) {
		snprintf(err, errlen, "--http-bind-address %s: %s", d->cfg.http_addr,
		         strerror(-rc));
		return rc;
	}
	return ev_add_before_sleep(d->l, dns_http_flush, d);
}

void dns_http_stop(dns *d)
{
	if (!d->http)
		return;
	ev_del_before_sleep(d->l, dns_http_flush, d);
	http_server_stop(d->http);
	d->http = NULL;
}

int dns_http_port(const dns *d)
{
	return d->http ? http_server_port(d->http) : -1;
}
