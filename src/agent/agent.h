/*
 * agent.h - `svcnet agent`: the node agent, a small kubelet.
 *
 * It registers its Node and keeps it Ready with heartbeats, gets the node's
 * pod CIDR from the server, builds the node's bridge and routes to the other
 * nodes' pod CIDRs (host-gw), and runs the Pods bound to the node: network
 * (podnet), files (podfs), processes (runner), probes, status. Everything the
 * agent needs to find running Pods again after a restart is in its state
 * directory, so a restarted agent adopts its Pods instead of disturbing them.
 *
 * It runs in the calling process's network namespace, which is the node's.
 */
#ifndef SVCNET_AGENT_H
#define SVCNET_AGENT_H

#include "proxy/proxy.h"

struct agent_config {
	const char *kubeconfig;
	const char *node_name;
	const char *node_ip;   /* NULL: the first global IPv4 address of the namespace */
	const char *state_dir; /* default /var/lib/svcnet/agent */
	const char *cluster_dns;
	const char *cluster_domain;
	const char *cluster_cidr;
	const char *proxy_mode;      /* "nftables", "iptables", "userspace", "ipvs" or "none" */
	struct proxy_ipvs_opts ipvs; /* the proxy's --ipvs-* flags */
	const char *service_cidr;    /* routed to the bridge when a proxy runs (10.43.0.0/16) */
	int min_sync_ms;             /* the proxy's --min-sync-period (1000) */
	int sync_period_ms;          /* the proxy's --sync-period (30000) */
	int heartbeat_s;             /* node status update frequency (10) */
	int allow_host_netns;        /* run in pid 1's network namespace (a real node) */
	const char *svcnet_dir; /* set by agent_run: <state>/bin, holding a link to this binary */
};

/* Runs until SIGTERM/SIGINT. Returns the process exit status. */
int agent_run(const struct agent_config *cfg);

#endif
