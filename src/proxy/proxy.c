/*
 * proxy.c - the proxy core's lifecycle: flags, the backend of each family,
 * and the informers whose events feed the model.
 */
#include "proxy/proxy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/log.h"
#include "lib/net.h"
#include "proxy/proxy_int.h"

void proxy_config_defaults(struct proxy_config *c)
{
	if (!c->mode || !c->mode[0])
		c->mode = "nftables";
	if (c->min_sync_ms < 0)
		c->min_sync_ms = 1000;
	if (c->sync_period_ms <= 0)
		c->sync_period_ms = 30000;
	if (c->canary_ms <= 0)
		c->canary_ms = 5000;
	if (!c->metrics_addr)
		c->metrics_addr = "127.0.0.1:10249";
	if (!c->healthz_addr)
		c->healthz_addr = "0.0.0.0:10256";
}

/* --- informer events ------------------------------------------------------ */

static void proxy_changed(proxy *p, int rc, const char *what)
{
	if (rc < 0) {
		log_warn("proxy", "%s: %s", what, strerror(-rc));
		/* -ENOMEM may have lost a change: the next sync rewrites all. */
		if (rc == -ENOMEM)
			p->need_full = true;
		return;
	}
	if (rc > 0) {
		p->n_svc_changes++;
		p->last_queued_wall = proxy_wall();
		proxy_sync_schedule(p, false);
	}
}

static void svc_add(informer *inf, json_t *obj, void *data)
{
	proxy *p = data;

	proxy_changed(p, pxm_service_set(p->model, obj, proxy_wall()), "service");
}

static void svc_upd(informer *inf, json_t *old, json_t *obj, void *data)
{
	svc_add(inf, obj, data);
}

static void svc_del(informer *inf, json_t *obj, void *data)
{
	proxy *p = data;

	proxy_changed(p, pxm_service_delete(p->model, obj, proxy_wall()), "service");
}

static void slice_add(informer *inf, json_t *obj, void *data)
{
	proxy *p = data;

	proxy_changed(p, pxm_slice_set(p->model, obj, proxy_wall()), "endpointslice");
}

static void slice_upd(informer *inf, json_t *old, json_t *obj, void *data)
{
	slice_add(inf, obj, data);
}

static void slice_del(informer *inf, json_t *obj, void *data)
{
	proxy *p = data;

	proxy_changed(p, pxm_slice_delete(p->model, obj, proxy_wall()), "endpointslice");
}

static void synced(informer *inf, void *data)
{
	proxy *p = data;

	if (p->started || !informer_has_synced(p->svc_inf) || !informer_has_synced(p->slice_inf))
		return;
	p->started = true;
	log_info("proxy", "services and endpointslices listed: %zu service ports, first sync",
	         pxm_size(p->model));
	proxy_sync_schedule(p, true);
}

/* The Node matters for one thing: a Node being deleted (or marked for it by
 * the cluster autoscaler) is no longer eligible for load balancer traffic,
 * which /healthz tells load balancers (KEP-3836). */
static void node_set(informer *inf, json_t *obj, void *data)
{
	proxy *p = data;
	json_t *md = json_object_get(obj, "metadata");
	json_t *taints = json_object_get(json_object_get(obj, "spec"), "taints"), *t;
	bool del = json_object_get(md, "deletionTimestamp") != NULL;
	size_t i;

	json_array_foreach (taints, i, t) {
		const char *k = json_string_value(json_object_get(t, "key"));

		if (k && !strcmp(k, "ToBeDeletedByClusterAutoscaler"))
			del = true;
	}
	if (del != p->node_deleting)
		log_info("proxy", "node %s %s", p->cfg.node_name,
		         del ? "is being deleted: /healthz reports not eligible"
		             : "is eligible again");
	p->node_deleting = del;
}

static void node_upd(informer *inf, json_t *old, json_t *obj, void *data)
{
	node_set(inf, obj, data);
}

static void node_del(informer *inf, json_t *obj, void *data)
{
	proxy *p = data;

	p->node_deleting = true;
}

static int proxy_informers(proxy *p)
{
	static const struct informer_callbacks svc_cb = {svc_add, svc_upd, svc_del, synced};
	static const struct informer_callbacks slice_cb = {slice_add, slice_upd, slice_del, synced};
	static const struct informer_callbacks node_cb = {node_set, node_upd, node_del, NULL};
	/* The model keeps what it needs: the caches hold keys only. */
	struct informer_tuning t = {.stub_cache = 1};
	char fsel[300];

	snprintf(fsel, sizeof(fsel), "metadata.name=%s", p->cfg.node_name);
	if (informer_new(p->loop, p->api, "/api/v1", "services", NULL, NULL, NULL, &svc_cb, p,
	                 &p->svc_inf) < 0 ||
	    informer_new(p->loop, p->api, "/apis/discovery.k8s.io/v1", "endpointslices", NULL, NULL,
	                 NULL, &slice_cb, p, &p->slice_inf) < 0 ||
	    informer_new(p->loop, p->api, "/api/v1", "nodes", NULL, NULL, fsel, &node_cb, p,
	                 &p->node_inf) < 0)
		return -ENOMEM;
	informer_set_tuning(p->svc_inf, &t);
	informer_set_tuning(p->slice_inf, &t);
	informer_set_tuning(p->node_inf, &t);
	if (informer_start(p->svc_inf) < 0 || informer_start(p->slice_inf) < 0 ||
	    informer_start(p->node_inf) < 0)
		return -ENOMEM;
	return 0;
}

/* --- lifecycle ------------------------------------------------------------ */

static int proxy_copy_cfg(proxy *p, const struct proxy_config *cfg)
{
	const char **f[] = {&p->cfg.mode,       &p->cfg.node_name,    &p->cfg.cluster_cidr,
	                    &p->cfg.proxy_name, &p->cfg.metrics_addr, &p->cfg.healthz_addr};

	p->cfg = *cfg;
	proxy_config_defaults(&p->cfg);
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (!*f[i])
			continue;
		p->strs[i] = strdup(*f[i]);
		if (!p->strs[i])
			return -ENOMEM;
		*f[i] = p->strs[i];
	}
	return 0;
}

/* A flag's milliseconds as IPVS's whole seconds, rounded up (0 stays 0:
 * "the kernel's"). */
static uint32_t proxy_secs(int ms)
{
	return ms > 0 ? (uint32_t)((ms + 999) / 1000) : 0;
}

static int proxy_backends(proxy *p, char *err, size_t errlen)
{
	struct pxb_config bc = {0};
	net_cidr cc = {0};

	p->ops = pxb_lookup(p->cfg.mode);
	if (!p->ops) {
		snprintf(
		    err, errlen,
		    "--mode %s: unknown or not built yet (built: nftables, iptables, userspace, "
		    "ipvs; ebpf comes in a later milestone, see README.md)",
		    p->cfg.mode);
		return -EINVAL;
	}
	if (p->cfg.cluster_cidr && p->cfg.cluster_cidr[0] &&
	    net_cidr_parse(p->cfg.cluster_cidr, &cc, 0) < 0) {
		snprintf(err, errlen, "--cluster-cidr %s: not a CIDR", p->cfg.cluster_cidr);
		return -EINVAL;
	}
	/* IPv4 only: the sandbox's Pods have no IPv6 (see docs/PROXY.md). */
	bc.family = AF_INET;
	bc.node_name = p->cfg.node_name;
	if (cc.addr.family == AF_INET)
		bc.cluster_cidr = cc;
	bc.masquerade_all = p->cfg.masquerade_all;
	bc.masq_mark = PXB_MASQ_MARK_DEFAULT;
	bc.loop = p->loop;
	bc.udp_timeout_ms = p->cfg.udp_timeout_ms > 0 ? (unsigned)p->cfg.udp_timeout_ms : 0;
	bc.ipvs_scheduler = p->cfg.ipvs.scheduler;
	bc.ipvs_tcp_timeout_s = proxy_secs(p->cfg.ipvs.tcp_timeout_ms);
	bc.ipvs_tcpfin_timeout_s = proxy_secs(p->cfg.ipvs.tcpfin_timeout_ms);
	bc.ipvs_udp_timeout_s = proxy_secs(p->cfg.ipvs.udp_timeout_ms);
	p->fam[0].family = AF_INET;
	p->nfam = 1;
	return p->ops->create(&bc, &p->fam[0].be, err, errlen);
}

int proxy_start(ev_loop *l, httpc *api, const struct proxy_config *cfg, proxy **out, char *err,
                size_t errlen)
{
	struct pxm_config mc = {0};
	proxy *p;
	int rc;

	*out = NULL;
	if (!cfg->node_name || !cfg->node_name[0]) {
		snprintf(err, errlen, "a node name is needed");
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->loop = l;
	p->api = api;
	p->need_full = true;
	prom_hist_exp(&p->h_sync, 0.0005, 2, 16);
	prom_hist_exp(&p->h_full, 0.0005, 2, 16);
	prom_hist_exp(&p->h_partial, 0.0005, 2, 16);
	prom_hist_exp(&p->h_netprog, 0.005, 2, 16);
	rc = proxy_copy_cfg(p, cfg);
	if (rc < 0)
		goto fail_nomem;
	rc = proxy_backends(p, err, errlen);
	if (rc < 0)
		goto fail;
	mc.node_name = p->cfg.node_name;
	mc.proxy_name = p->cfg.proxy_name;
	mc.start_time = proxy_wall();
	p->hc = proxy_hc_new(l);
	if (pxm_new(&mc, &p->model) < 0 || !p->hc)
		goto fail_nomem;
	rc = proxy_http_start(p, err, errlen);
	if (rc < 0)
		goto fail;
	if (proxy_sync_timers(p) < 0 || proxy_informers(p) < 0)
		goto fail_nomem;
	log_info("proxy",
	         "mode %s on node %s, cluster CIDR %s%s, min sync %d ms, sync period %d ms",
	         p->ops->name, p->cfg.node_name,
	         p->cfg.cluster_cidr ? p->cfg.cluster_cidr : "(unknown: masquerade all)",
	         p->cfg.masquerade_all ? " (masquerade all)" : "", p->cfg.min_sync_ms,
	         p->cfg.sync_period_ms);
	*out = p;
	return 0;
fail_nomem:
	rc = -ENOMEM;
	snprintf(err, errlen, "out of memory");
fail:
	proxy_free(p);
	return rc;
}

void proxy_free(proxy *p)
{
	if (!p)
		return;
	informer_free(p->svc_inf);
	informer_free(p->slice_inf);
	informer_free(p->node_inf);
	if (p->sync_timer)
		ev_timer_del(p->loop, p->sync_timer);
	if (p->period_timer)
		ev_timer_del(p->loop, p->period_timer);
	proxy_http_stop(p);
	proxy_hc_free(p->hc);
	for (int i = 0; i < p->nfam; i++)
		if (p->fam[i].be)
			p->ops->free(p->fam[i].be);
	pxm_free(p->model);
	for (size_t i = 0; i < sizeof(p->strs) / sizeof(p->strs[0]); i++)
		free(p->strs[i]);
	free(p);
}

int proxy_cleanup_all(char *err, size_t errlen)
{
	static const struct pxb_ops *const all[] = {&pxb_nft_ops, &pxb_ipt_ops, &pxb_us_ops,
	                                            &pxb_ipvs_ops};
	static const int fams[] = {AF_INET, AF_INET6};
	int rc = 0;

	err[0] = 0;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		for (size_t f = 0; f < 2; f++) {
			struct pxb_config bc = {.family = fams[f],
			                        .masq_mark = PXB_MASQ_MARK_DEFAULT};
			char e[256] = "";
			int r = all[i]->cleanup(&bc, e, sizeof(e));

			if (r < 0) {
				snprintf(err, errlen, "%s (%s): %s", all[i]->name,
				         fams[f] == AF_INET ? "IPv4" : "IPv6", e);
				rc = r;
			}
		}
	return rc;
}

const struct pxb_ops *pxb_lookup(const char *mode)
{
	if (!strcmp(mode, "nftables"))
		return &pxb_nft_ops;
	if (!strcmp(mode, "iptables"))
		return &pxb_ipt_ops;
	if (!strcmp(mode, "userspace"))
		return &pxb_us_ops;
	if (!strcmp(mode, "ipvs"))
		return &pxb_ipvs_ops;
	return NULL;
}
