/*
 * dns.c - the DNS server's lifecycle: zone, informers feeding it, listeners,
 * forwarder, and the path of each query.
 */
#include "dns/dns.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_int.h"
#include "lib/log.h"
#include "lib/net.h"

/* --- queries ----------------------------------------------------------------- */

static size_t dns_on_query(void *data, const uint8_t *pkt, size_t len, const struct dns_dest *dest,
                           uint8_t *out, size_t cap)
{
	dns *d = data;
	struct dnsa_result r;
	size_t n;

	dnsa_answer(d->zone, &d->acfg, pkt, len, dest->tcp, out, cap, &r);
	switch (r.action) {
	case DNSA_REPLY:
		d->n_auth++;
		d->n_rcode[r.rcode < 24 ? r.rcode : 23]++;
		if (r.len > 3 && (out[2] & (DNS_F_TC >> 8)))
			d->n_truncated++;
		return r.len;
	case DNSA_FORWARD:
		d->n_forward++;
		return dnsfwd_query(d->fwd, &r.q, r.max_size, dest, NULL, 0, NULL, 0, out, cap);
	case DNSA_CHASE:
		d->n_chase++;
		memcpy(d->prefix, out, r.len);
		n = dnsfwd_query(d->fwd, &r.q, r.max_size, dest, d->prefix, r.len, r.target,
		                 r.target_len, out, cap);
		return n;
	default:
		d->n_dropped++;
		return 0;
	}
}

/* --- informers ---------------------------------------------------------------- */

static void zone_event(dns *d, int rc, const char *what)
{
	d->n_events++;
	if (rc < 0)
		log_warn("dns", "%s: %s", what, strerror(-rc));
}

static void svc_set(informer *inf, json_t *obj, void *data)
{
	zone_event(data, dz_service_set(((dns *)data)->zone, obj), "service");
}

static void svc_upd(informer *inf, json_t *old, json_t *obj, void *data)
{
	svc_set(inf, obj, data);
}

static void svc_del(informer *inf, json_t *obj, void *data)
{
	zone_event(data, dz_service_delete(((dns *)data)->zone, obj), "service");
}

static void slice_set(informer *inf, json_t *obj, void *data)
{
	zone_event(data, dz_slice_set(((dns *)data)->zone, obj), "endpointslice");
}

static void slice_upd(informer *inf, json_t *old, json_t *obj, void *data)
{
	slice_set(inf, obj, data);
}

static void slice_del(informer *inf, json_t *obj, void *data)
{
	zone_event(data, dz_slice_delete(((dns *)data)->zone, obj), "endpointslice");
}

static void pod_set(informer *inf, json_t *obj, void *data)
{
	zone_event(data, dz_pod_set(((dns *)data)->zone, obj), "pod");
}

static void pod_upd(informer *inf, json_t *old, json_t *obj, void *data)
{
	pod_set(inf, obj, data);
}

static void pod_del(informer *inf, json_t *obj, void *data)
{
	zone_event(data, dz_pod_delete(((dns *)data)->zone, obj), "pod");
}

static void synced(informer *inf, void *data)
{
	dns *d = data;

	if (d->ready || !informer_has_synced(d->svc_inf) || !informer_has_synced(d->slice_inf) ||
	    (d->pod_inf && !informer_has_synced(d->pod_inf)))
		return;
	d->ready = true;
	log_info("dns", "ready: %zu services, %zu endpointslices listed", dz_service_count(d->zone),
	         dz_slice_count(d->zone));
}

static int dns_informers(dns *d)
{
	static const struct informer_callbacks svc_cb = {svc_set, svc_upd, svc_del, synced};
	static const struct informer_callbacks slice_cb = {slice_set, slice_upd, slice_del, synced};
	static const struct informer_callbacks pod_cb = {pod_set, pod_upd, pod_del, synced};
	/* The zone keeps what answers need: the caches hold keys only. */
	struct informer_tuning t = {.stub_cache = 1};

	if (informer_new(d->l, d->api, "/api/v1", "services", NULL, NULL, NULL, &svc_cb, d,
	                 &d->svc_inf) < 0 ||
	    informer_new(d->l, d->api, "/apis/discovery.k8s.io/v1", "endpointslices", NULL, NULL,
	                 NULL, &slice_cb, d, &d->slice_inf) < 0)
		return -ENOMEM;
	/* Pods only to verify pod names: a cluster's Pods are many and change often. */
	if (d->cfg.pods == DNSA_PODS_VERIFIED &&
	    informer_new(d->l, d->api, "/api/v1", "pods", NULL, NULL, NULL, &pod_cb, d,
	                 &d->pod_inf) < 0)
		return -ENOMEM;
	informer_set_tuning(d->svc_inf, &t);
	informer_set_tuning(d->slice_inf, &t);
	if (d->pod_inf)
		informer_set_tuning(d->pod_inf, &t);
	if (informer_start(d->svc_inf) < 0 || informer_start(d->slice_inf) < 0 ||
	    (d->pod_inf && informer_start(d->pod_inf) < 0))
		return -ENOMEM;
	return 0;
}

/* --- lifecycle ---------------------------------------------------------------- */

/* ns.dns.<zone> answers with the first listen address that is a real one. */
static void dns_ns_addr(dns *d)
{
	for (int i = 0; i < d->cfg.nlisten; i++) {
		char host[NET_ADDR_STRLEN];
		int port;
		net_addr a;

		if (net_parse_hostport(d->cfg.listen[i], host, sizeof(host), &port) == 0 &&
		    net_addr_parse(host, &a) == 0) {
			static const uint8_t zero[16];

			if (!memcmp(a.a, zero, 16) || (a.family == AF_INET && a.a[0] == 127))
				continue;
			d->acfg.ns_addr = a;
			return;
		}
	}
}

int dns_start(ev_loop *l, httpc *api, const struct dns_config *cfg, dns **out, char *err,
              size_t errlen)
{
	struct dnssrv_config sc = {0};
	dns *d;
	int rc;

	*out = NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->l = l;
	d->api = api;
	d->cfg = *cfg;
	if (!d->cfg.zone)
		d->cfg.zone = "cluster.local";
	if (!d->cfg.nlisten) {
		d->cfg.listen[0] = "10.43.0.10:53";
		d->cfg.nlisten = 1;
	}
	d->acfg.pods = cfg->pods;
	d->acfg.forward = cfg->fwd.nup > 0;
	dns_ns_addr(d);
	d->zone = dz_new(d->cfg.zone, (uint32_t)(cfg->ttl > 0 ? cfg->ttl : 0));
	if (!d->zone) {
		snprintf(err, errlen, "--zone %s: not a valid DNS name", d->cfg.zone);
		rc = -EINVAL;
		goto fail;
	}
	for (int i = 0; i < d->cfg.nlisten; i++)
		sc.listen[i] = d->cfg.listen[i];
	sc.nlisten = d->cfg.nlisten;
	sc.tcp_idle_ms = cfg->tcp_idle_ms;
	sc.fn = dns_on_query;
	sc.data = d;
	rc = dnssrv_start(l, &sc, &d->srv, err, errlen);
	if (rc < 0)
		goto fail;
	/* Nothing arrives before the loop runs, so the forwarder may come second. */
	if (d->acfg.forward) {
		rc = dnsfwd_new(l, &cfg->fwd, dnssrv_reply, d->srv, &d->fwd);
		if (rc < 0) {
			snprintf(err, errlen, "forwarder: %s", strerror(-rc));
			goto fail;
		}
	}
	rc = dns_http_start(d, err, errlen);
	if (rc < 0)
		goto fail;
	if (api) {
		rc = dns_informers(d);
		if (rc < 0) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	} else {
		d->ready = true;
	}
	*out = d;
	return 0;
fail:
	dns_free(d);
	return rc;
}

void dns_free(dns *d)
{
	if (!d)
		return;
	informer_free(d->svc_inf);
	informer_free(d->slice_inf);
	informer_free(d->pod_inf);
	dns_http_stop(d);
	dnsfwd_free(d->fwd);
	dnssrv_free(d->srv);
	dz_free(d->zone);
	free(d);
}

dz_zone *dns_zone(dns *d)
{
	return d->zone;
}

int dns_port(const dns *d, int i)
{
	return dnssrv_port(d->srv, i);
}
