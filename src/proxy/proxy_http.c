/*
 * proxy_http.c - the proxy's own HTTP endpoints, as kube-proxy serves them:
 * /metrics (Prometheus text) on the metrics address, /healthz and /livez on
 * both addresses.
 *
 * /healthz answers 503 when the last successful sync is older than twice
 * the sync period (the rules may be stale) or when the Node is being deleted
 * (load balancers should drain it); /livez only looks at the syncs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/log.h"
#include "lib/rfc3339.h"
#include "proxy/proxy_int.h"

bool proxy_healthy(const proxy *p, uint64_t now_ms)
{
	return now_ms - p->last_ok_ms < 2 * (uint64_t)p->cfg.sync_period_ms;
}

static int proxy_metrics(void *data, buf *b)
{
	proxy *p = data;
	struct pxm_stats st;
	size_t rules = 0, elements = 0, chains = 0;
	char lbl[64];

	pxm_get_stats(p->model, &st);
	for (int i = 0; i < p->nfam; i++) {
		rules += p->fam[i].res.rules;
		elements += p->fam[i].res.elements;
		chains += p->fam[i].res.chains;
	}
	snprintf(lbl, sizeof(lbl), "mode=\"%s\"", p->ops->name);
	if (prom_family(b, "kubeproxy_sync_proxy_rules_duration_seconds", "histogram",
	                "SyncProxyRules latency in seconds (every sync)") < 0 ||
	    prom_hist_write(b, "kubeproxy_sync_proxy_rules_duration_seconds", "", &p->h_sync) < 0 ||
	    prom_family(b, "kubeproxy_sync_full_proxy_rules_duration_seconds", "histogram",
	                "Full sync latency in seconds") < 0 ||
	    prom_hist_write(b, "kubeproxy_sync_full_proxy_rules_duration_seconds", "", &p->h_full) <
	        0 ||
	    prom_family(b, "kubeproxy_sync_partial_proxy_rules_duration_seconds", "histogram",
	                "Partial sync latency in seconds") < 0 ||
	    prom_hist_write(b, "kubeproxy_sync_partial_proxy_rules_duration_seconds", "",
	                    &p->h_partial) < 0 ||
	    prom_family(b, "kubeproxy_network_programming_duration_seconds", "histogram",
	                "From a Service or EndpointSlice change (its trigger time) to the rules "
	                "that carry it being applied") < 0 ||
	    prom_hist_write(b, "kubeproxy_network_programming_duration_seconds", "",
	                    &p->h_netprog) < 0 ||
	    prom_family(b, "kubeproxy_sync_proxy_rules_last_timestamp_seconds", "gauge",
	                "When the last successful sync ended (unix seconds)") < 0 ||
	    prom_sample(b, "kubeproxy_sync_proxy_rules_last_timestamp_seconds", "",
	                p->last_ok_wall) < 0 ||
	    prom_family(b, "kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds", "gauge",
	                "When the last change arrived (unix seconds)") < 0 ||
	    prom_sample(b, "kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds", "",
	                p->last_queued_wall) < 0)
		return -ENOMEM;
	if (prom_family(b, "svcnet_proxy_syncs_total", "counter", "Successful syncs") < 0 ||
	    prom_sample(b, "svcnet_proxy_syncs_total", "kind=\"all\"", (double)p->n_syncs) < 0 ||
	    prom_sample(b, "svcnet_proxy_syncs_total", "kind=\"full\"", (double)p->n_full) < 0 ||
	    prom_family(b, "svcnet_proxy_sync_errors_total", "counter",
	                "Syncs the kernel refused (each is retried as a full sync)") < 0 ||
	    prom_sample(b, "svcnet_proxy_sync_errors_total", lbl, (double)p->n_errors) < 0 ||
	    prom_family(b, "svcnet_proxy_canary_restores_total", "counter",
	                "Full syncs because the rules had been flushed") < 0 ||
	    prom_sample(b, "svcnet_proxy_canary_restores_total", "", (double)p->n_canary) < 0 ||
	    prom_family(b, "kubeproxy_sync_proxy_rules_service_changes_total", "counter",
	                "Service and EndpointSlice events that changed a service port") < 0 ||
	    prom_sample(b, "kubeproxy_sync_proxy_rules_service_changes_total", "",
	                (double)p->n_svc_changes) < 0 ||
	    prom_family(b, "svcnet_proxy_rules", "gauge",
	                "Rules in the datapath after the last sync") < 0 ||
	    prom_sample(b, "svcnet_proxy_rules", lbl, (double)rules) < 0 ||
	    prom_family(b, "svcnet_proxy_elements", "gauge", "Map and set elements (nftables)") <
	        0 ||
	    prom_sample(b, "svcnet_proxy_elements", lbl, (double)elements) < 0 ||
	    prom_family(b, "svcnet_proxy_chains", "gauge", "Chains of the mode") < 0 ||
	    prom_sample(b, "svcnet_proxy_chains", lbl, (double)chains) < 0 ||
	    prom_family(b, "svcnet_proxy_service_ports", "gauge", "Service ports with rules") < 0 ||
	    prom_sample(b, "svcnet_proxy_service_ports", "", (double)st.ports) < 0 ||
	    prom_family(b, "svcnet_proxy_endpoints", "gauge", "Endpoints over all service ports") <
	        0 ||
	    prom_sample(b, "svcnet_proxy_endpoints", "", (double)st.endpoints) < 0 ||
	    prom_family(b, "svcnet_proxy_conntrack_deleted_total", "counter",
	                "Stale UDP conntrack entries deleted") < 0 ||
	    prom_sample(b, "svcnet_proxy_conntrack_deleted_total", "", (double)p->n_ct_deleted) <
	        0 ||
	    prom_family(b, "svcnet_proxy_conntrack_errors_total", "counter",
	                "Conntrack cleanups that failed") < 0 ||
	    prom_sample(b, "svcnet_proxy_conntrack_errors_total", "", (double)p->n_ct_errors) < 0 ||
	    prom_family(b, "svcnet_proxy_healthcheck_nodeports", "gauge",
	                "healthCheckNodePort listeners") < 0 ||
	    prom_sample(b, "svcnet_proxy_healthcheck_nodeports", "",
	                (double)proxy_hc_count(p->hc)) < 0)
		return -ENOMEM;
	return 0;
}

static void proxy_health(proxy *p, http_conn *c, bool live)
{
	uint64_t now = ev_clock_ms();
	bool ok = proxy_healthy(p, now) && (live || !p->node_deleting);
	char last[40], cur[40], body[256];
	int n;

	rfc3339_fmt((long long)p->last_ok_wall, last, sizeof(last));
	rfc3339_fmt((long long)proxy_wall(), cur, sizeof(cur));
	n = snprintf(body, sizeof(body),
	             "{\"lastUpdated\": \"%s\",\"currentTime\": \"%s\", \"nodeEligible\": %s}\n",
	             p->last_ok_wall > 0 ? last : "", cur, p->node_deleting ? "false" : "true");
	http_add_header(c, "X-Content-Type-Options", "nosniff");
	http_respond(c, ok ? 200 : 503, "application/json", body, (size_t)n);
}

static void proxy_handle(http_conn *c, http_request *req, void *data, bool metrics)
{
	proxy *p = data;
	const char *path = req->path;
	size_t plen = strcspn(path, "?");

	if (plen == 8 && !strncmp(path, "/healthz", 8)) {
		proxy_health(p, c, false);
	} else if (plen == 6 && !strncmp(path, "/livez", 6)) {
		proxy_health(p, c, true);
	} else if (metrics && plen == 8 && !strncmp(path, "/metrics", 8)) {
		http_respond_metrics(c, proxy_metrics, p);
	} else {
		http_respond(c, 404, "text/plain", "404 page not found\n", 19);
	}
}

static void metrics_handler(http_conn *c, http_request *req, void *data)
{
	proxy_handle(c, req, data, true);
}

static void healthz_handler(http_conn *c, http_request *req, void *data)
{
	proxy_handle(c, req, data, false);
}

static void proxy_flush(ev_loop *l, void *data)
{
	proxy *p = data;

	if (p->metrics_srv)
		http_server_flush(p->metrics_srv);
	if (p->healthz_srv)
		http_server_flush(p->healthz_srv);
}

static int proxy_listen(proxy *p, const char *addr, http_handler_fn *fn, http_server **out,
                        char *err, size_t errlen)
{
	int rc;

	if (!addr || !addr[0])
		return 0;
	rc = http_server_start_status(p->loop, addr, fn, p, 64, out);
	if (rc < 0)
		snprintf(err, errlen, "listen on %s: %s", addr, strerror(-rc));
	return rc;
}

int proxy_http_start(proxy *p, char *err, size_t errlen)
{
	int rc;

	/* The healthz time counts from the start, so a proxy still listing is
	 * not reported dead before it had a chance to sync. */
	p->last_ok_ms = ev_clock_ms();
	rc = proxy_listen(p, p->cfg.metrics_addr, metrics_handler, &p->metrics_srv, err, errlen);
	if (rc < 0)
		return rc;
	rc = proxy_listen(p, p->cfg.healthz_addr, healthz_handler, &p->healthz_srv, err, errlen);
	if (rc < 0)
		return rc;
	return ev_add_before_sleep(p->loop, proxy_flush, p);
}

void proxy_http_stop(proxy *p)
{
	ev_del_before_sleep(p->loop, proxy_flush, p);
	http_server_stop(p->metrics_srv);
	http_server_stop(p->healthz_srv);
	p->metrics_srv = p->healthz_srv = NULL;
}
