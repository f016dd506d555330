/*
 * proxy_int.h - the proxy core's parts, shared by proxy.c (lifecycle and
 * informers), proxy_sync.c (the sync loop), proxy_ct.c (conntrack after a
 * sync), proxy_http.c (/metrics, /healthz, /livez) and proxy_hc.c
 * (healthCheckNodePorts).
 */
#ifndef SVCNET_PROXY_INT_H
#define SVCNET_PROXY_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "client/informer.h"
#include "lib/dict.h"
#include "lib/http_server.h"
#include "lib/prom.h"
#include "proxy/backend.h"
#include "proxy/model.h"
#include "proxy/proxy.h"

#define PROXY_MAX_FAM 2

struct proxy_fam {
	int family;
	pxb *be;
	struct pxb_result res; /* of the last successful sync */
};

struct proxy {
	ev_loop *loop;
	httpc *api;
	struct proxy_config cfg; /* strings point into strs below */
	char *strs[6];
	const struct pxb_ops *ops;
	struct proxy_fam fam[PROXY_MAX_FAM];
	int nfam;
	pxm *model;
	informer *svc_inf, *slice_inf, *node_inf;

	ev_timer *sync_timer;   /* a sync is due (one-shot) */
	ev_timer *period_timer; /* canary and full-resync checks */
	bool need_full;         /* first sync, after a failure, canary gone */
	bool started;           /* both informers listed: syncs may run */
	bool node_deleting;     /* the Node is being deleted: /healthz says not eligible */
	uint64_t last_start_ms; /* monotonic: when the last sync began */
	uint64_t last_ok_ms;    /* ... last successful one ended (0: never) */
	uint64_t last_full_ms;
	double last_ok_wall;
	double last_queued_wall; /* when a change last arrived */
	int fail_streak;

	/* metrics */
	prom_hist h_sync, h_full, h_partial, h_netprog;
	unsigned long long n_syncs, n_full, n_errors, n_canary, n_svc_changes, n_ct_deleted;
	unsigned long long n_ct_errors;

	http_server *metrics_srv, *healthz_srv;
	struct proxy_hc *hc;
};

/* proxy_sync.c */
void proxy_sync_schedule(proxy *p, bool now);
int proxy_sync_timers(proxy *p);
double proxy_wall(void);

/* proxy_ct.c: deletes stale UDP conntrack entries of the given ports. */
void proxy_ct_cleanup(proxy *p, int family, const struct pxm_svcport *const *ports, size_t n);

/* proxy_http.c */
int proxy_http_start(proxy *p, char *err, size_t errlen);
void proxy_http_stop(proxy *p);
/* 1 when /healthz should answer 200. */
bool proxy_healthy(const proxy *p, uint64_t now_ms);

/* proxy_hc.c: one HTTP listener per healthCheckNodePort. */
struct proxy_hc;
/* Listeners bind every address, as kube-proxy's do. */
struct proxy_hc *proxy_hc_new(ev_loop *l);
/* Brings the listeners in line with the ports (a full list: full = true, or
 * the changes' cur/old ports). */
void proxy_hc_update(struct proxy_hc *hc, const struct pxm_change *ch, size_t n,
                     const struct pxm_svcport *const *all, size_t n_all);
size_t proxy_hc_count(const struct proxy_hc *hc);
void proxy_hc_free(struct proxy_hc *hc);

#endif
