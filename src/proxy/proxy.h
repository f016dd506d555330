/*
 * proxy.h - the service proxy: kube-proxy's core, shared by every mode.
 *
 * Informers (Services, EndpointSlices, this Node) feed the model
 * (proxy/model.h); a sync loop in the manner of kube-proxy's
 * BoundedFrequencyRunner hands what changed to a backend (proxy/backend.h)
 * that writes the datapath:
 *  - bursts coalesce: a change syncs at once when the last sync started at
 *    least min_sync_ms ago, else when that much time has passed;
 *  - every sync_period_ms a full sync rewrites everything, and so does any
 *    sync after a failed one, a vanished canary, or a change of the node;
 *  - after each successful sync, stale UDP conntrack entries of the changed
 *    ports go (a UDP client recovers at once, proxy/conntrack.h);
 *  - healthCheckNodePorts answer for eTP Local Services (proxy_hc.c);
 *  - /metrics, /healthz and /livez on the metrics and healthz addresses.
 *
 * The first sync waits for both informers' first LIST, so that a restarted
 * proxy never writes "no endpoints" rules for Services whose endpoints it has
 * simply not read yet: the rules of the previous process keep working until
 * then. The proxy runs on the caller's loop (standalone in `svcnet proxy`, or
 * inside `svcnet agent`) and programs the caller's network namespace.
 */
#ifndef SVCNET_PROXY_H
#define SVCNET_PROXY_H

#include <stdbool.h>
#include <stddef.h>

#include "client/httpc.h"
#include "lib/ev.h"

/* The IPVS mode's own flags, shared by `svcnet proxy` and `svcnet agent`
 * (cmd_ipvs_flag). */
struct proxy_ipvs_opts {
	const char *scheduler; /* --ipvs-scheduler (NULL: rr) */
	/* --ipvs-tcp-timeout, --ipvs-tcpfin-timeout, --ipvs-udp-timeout (0: the
	 * kernel's); whole seconds, rounded up. */
	int tcp_timeout_ms, tcpfin_timeout_ms, udp_timeout_ms;
};

struct proxy_config {
	const char *mode;      /* "nftables" (default), "iptables" or "userspace" */
	const char *node_name; /* required */
	/* The Pods' addresses; NULL: the Node's spec.podCIDR once read, and until
	 * then every packet to a cluster IP is masqueraded. */
	const char *cluster_cidr;
	bool masquerade_all;
	const char *proxy_name;   /* service.kubernetes.io/service-proxy-name; NULL: default */
	int min_sync_ms;          /* --min-sync-period; 0 allowed (default 1000) */
	int sync_period_ms;       /* --sync-period (30000) */
	int canary_ms;            /* how often the canary is checked (5000) */
	const char *metrics_addr; /* "127.0.0.1:10249" by default; "" for none */
	const char *healthz_addr; /* "0.0.0.0:10256" by default; "" for none */
	int udp_timeout_ms;       /* userspace: --udp-timeout (0: 30 s) */
	struct proxy_ipvs_opts ipvs;
};

/* Defaults for every zero field. */
void proxy_config_defaults(struct proxy_config *c);

typedef struct proxy proxy;

/*
 * Checks the mode and flags, creates the backend and the HTTP listeners, and
 * starts the informers on l with api. 0, or a negative errno with the reason
 * in err (unknown mode, a mode the kernel lacks, an address in use, ...).
 */
int proxy_start(ev_loop *l, httpc *api, const struct proxy_config *cfg, proxy **out, char *err,
                size_t errlen);
/* Stops everything; the rules stay (a restarted proxy takes them over). NULL-safe. */
void proxy_free(proxy *p);

/* Removes every rule of every built mode in both families (--cleanup).
 * 0, or a negative errno with err (the modes that could be cleaned were). */
int proxy_cleanup_all(char *err, size_t errlen);

#endif
