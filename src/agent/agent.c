/* agent.c - the node agent's setup, informers and main loop; see agent.h. */
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent_impl.h"
#include "lib/hostns.h"
#include "lib/log.h"
#include "proxy/backend.h"
#include "proxy/proxy.h"

static void agent_on_node_add(informer *inf, json_t *obj, void *data)
{
	agent_node_changed(data, obj, 0);
}

static void agent_on_node_update(informer *inf, json_t *old_obj, json_t *obj, void *data)
{
	agent_node_changed(data, obj, 0);
}

static void agent_on_node_delete(informer *inf, json_t *obj, void *data)
{
	agent_node_changed(data, obj, 1);
}

static void agent_on_pod_add(informer *inf, json_t *obj, void *data)
{
	agent_pod_event(data, obj, 0);
}

static void agent_on_pod_update(informer *inf, json_t *old_obj, json_t *obj, void *data)
{
	agent_pod_event(data, obj, 0);
}

static void agent_on_pod_delete(informer *inf, json_t *obj, void *data)
{
	agent_pod_event(data, obj, 1);
}

static void agent_on_pods_synced(informer *inf, void *data)
{
	agent_pods_synced(data);
}

static void agent_on_svcs_synced(informer *inf, void *data)
{
	agent_pods_queue_all(data); /* containers waiting for the Services start now */
}

/* 1 when the calling process is in the network namespace of pid 1 (the
 * host's): the agent would put its bridge, routes and NAT rules there. */
/* The node's address when --node-ip is not given: the first global IPv4
 * address of the namespace, as the kubelet picks its InternalIP. */
static int agent_pick_node_ip(char out[NET_ADDR_STRLEN])
{
	struct ifaddrs *ifa, *i;
	int rc = -EADDRNOTAVAIL;

	if (getifaddrs(&ifa) < 0)
		return -errno;
	for (i = ifa; i && rc < 0; i = i->ifa_next) {
		struct sockaddr_in *sin = (struct sockaddr_in *)i->ifa_addr;
		net_addr a;

		if (!sin || sin->sin_family != AF_INET || !strcmp(i->ifa_name, PODNET_BRIDGE))
			continue;
		if ((ntohl(sin->sin_addr.s_addr) >> 24) == 127)
			continue;
		net_addr_from_v4(&a, ntohl(sin->sin_addr.s_addr));
		if (net_addr_fmt(&a, out, NET_ADDR_STRLEN) == 0)
			rc = 0;
	}
	freeifaddrs(ifa);
	return rc;
}

/* Pods run `svcnet netexec` and friends: <state>/bin/svcnet links to this
 * very binary (whatever its file is called) and that directory goes first on
 * the Pods' PATH. */
static int agent_bin_dir(agent *a)
{
	char exe[PATH_MAX], link[AGENT_DIR_MAX + 32], tmp[AGENT_DIR_MAX + 40];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return -errno;
	exe[n] = 0;
	snprintf(a->bin_dir, sizeof(a->bin_dir), "%s/bin", a->cfg.state_dir);
	if (mkdir(a->bin_dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	snprintf(link, sizeof(link), "%s/svcnet", a->bin_dir);
	snprintf(tmp, sizeof(tmp), "%s/.svcnet.tmp", a->bin_dir);
	unlink(tmp);
	if (symlink(exe, tmp) < 0 || rename(tmp, link) < 0)
		return -errno;
	a->cfg.svcnet_dir = a->bin_dir;
	return 0;
}

static int agent_mkdirs(agent *a)
{
	const char *st = a->cfg.state_dir;

	if (strlen(st) > AGENT_DIR_MAX) {
		errno = ENAMETOOLONG;
		return -ENAMETOOLONG;
	}
	if (mkdir(st, 0700) < 0 && errno != EEXIST)
		return -errno;
	snprintf(a->pin_dir, sizeof(a->pin_dir), "%s/pins", st);
	snprintf(a->pods_dir, sizeof(a->pods_dir), "%s/pods", st);
	if (mkdir(a->pin_dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (mkdir(a->pods_dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	return agent_bin_dir(a);
}

static int agent_informers(agent *a)
{
	static const struct informer_callbacks node_cb = {agent_on_node_add, agent_on_node_update,
	                                                  agent_on_node_delete, NULL};
	static const struct informer_callbacks pod_cb = {agent_on_pod_add, agent_on_pod_update,
	                                                 agent_on_pod_delete, agent_on_pods_synced};
	static const struct informer_callbacks svc_cb = {NULL, NULL, NULL, agent_on_svcs_synced};
	char fsel[320];

	snprintf(fsel, sizeof(fsel), "spec.nodeName=%s", a->cfg.node_name);
	if (informer_new(a->loop, a->api, "/api/v1", "nodes", NULL, NULL, NULL, &node_cb, a,
	                 &a->nodes) < 0 ||
	    informer_new(a->loop, a->api, "/api/v1", "pods", NULL, NULL, fsel, &pod_cb, a,
	                 &a->pods) < 0 ||
	    informer_new(a->loop, a->api, "/api/v1", "services", NULL, NULL, NULL, &svc_cb, a,
	                 &a->svcs) < 0)
		return -ENOMEM;
	if (informer_start(a->nodes) < 0 || informer_start(a->svcs) < 0 ||
	    informer_start(a->pods) < 0)
		return -ENOMEM;
	return 0;
}

static void agent_free(agent *a)
{
	dict_iter it;
	const char *k;
	void *v;

	informer_free(a->pods);
	informer_free(a->nodes);
	informer_free(a->svcs);
	agent_node_stop(a);
	if (a->pods_by_uid) {
		dict_iter_init(&it, a->pods_by_uid);
		while (dict_next(&it, &k, &v)) {
			agent_pod *p = v;

			/* The Pods keep running: a restarted agent adopts them. */
			agent_ctrs_release(p, 1);
			agent_pod_free(p);
		}
		dict_free(a->pods_by_uid, NULL);
	}
	proxy_free(a->proxy);
	if (a->routes)
		dict_free(a->routes, free);
	if (a->run)
		runner_free_detach(a->run);
	if (a->sync_timer)
		ev_timer_del(a->loop, a->sync_timer);
	ipam_close(a->ipam);
	free(a->hostport_sig);
	httpc_free(a->api);
	sigstop_free(a->stop);
	ev_loop_free(a->loop);
}

/* The service proxy shares the agent's loop and API connection; it programs
 * this (the node's) namespace. */
static int agent_proxy_start(agent *a)
{
	struct proxy_config pc = {0};
	char err[512];

	pc.mode = a->cfg.proxy_mode;
	pc.node_name = a->cfg.node_name;
	pc.cluster_cidr = a->cfg.cluster_cidr;
	pc.min_sync_ms = a->cfg.min_sync_ms;
	pc.sync_period_ms = a->cfg.sync_period_ms;
	pc.ipvs = a->cfg.ipvs;
	if (proxy_start(a->loop, a->api, &pc, &a->proxy, err, sizeof(err)) < 0) {
		log_error("agent", "service proxy: %s", err);
		return -1;
	}
	return 0;
}

int agent_run(const struct agent_config *cfg)
{
	agent a;
	net_addr node_addr;
	char err[256];
	int rc = 1;

	memset(&a, 0, sizeof(a));
	a.cfg = *cfg;
	if (strcmp(cfg->proxy_mode, "none") != 0 && !pxb_lookup(cfg->proxy_mode)) {
		log_error("agent",
		          "--proxy-mode %s: unknown or not built yet (built: nftables, iptables, "
		          "userspace, ipvs, none; ebpf comes in a later milestone, see README.md)",
		          cfg->proxy_mode);
		return 2;
	}
	if (!cfg->allow_host_netns && hostns_is_host()) {
		log_error("agent",
		          "this is the host's network namespace: the agent would put cni0, routes "
		          "and NAT rules here. Run it inside a node namespace (svcnet up does), or "
		          "pass --allow-host-netns on a machine that is really a node");
		return 2;
	}
	{
		net_cidr cc;
		net_addr dns;

		if (net_cidr_parse(cfg->cluster_cidr, &cc, 0) < 0 || cc.addr.family != AF_INET) {
			log_error("agent", "--cluster-cidr %s: not an IPv4 CIDR",
			          cfg->cluster_cidr);
			return 2;
		}
		if (net_addr_parse(cfg->cluster_dns, &dns) < 0) {
			log_error("agent", "--cluster-dns %s: not an IP address", cfg->cluster_dns);
			return 2;
		}
		a.cluster_cidr = cc;
		if (net_cidr_parse(cfg->service_cidr, &a.service_cidr, 0) < 0 ||
		    a.service_cidr.addr.family != AF_INET) {
			log_error("agent", "--service-cidr %s: not an IPv4 CIDR",
			          cfg->service_cidr);
			return 2;
		}
	}
	if (cfg->node_ip) {
		snprintf(a.node_ip, sizeof(a.node_ip), "%s", cfg->node_ip);
	} else if (agent_pick_node_ip(a.node_ip) < 0) {
		log_error("agent", "no --node-ip given and no global IPv4 address found");
		return 2;
	}
	if (net_addr_parse(a.node_ip, &node_addr) < 0) {
		log_error("agent", "--node-ip %s: not an IP address", a.node_ip);
		return 2;
	}
	if (agent_mkdirs(&a) < 0) {
		log_error("agent", "state dir %s: %s", cfg->state_dir, strerror(errno));
		return 1;
	}
	a.loop = ev_loop_new();
	a.pods_by_uid = dict_new();
	a.routes = dict_new();
	if (!a.loop || !a.pods_by_uid || !a.routes)
		goto out;
	if (httpc_new_kubeconfig(a.loop, cfg->kubeconfig, &a.api, err, sizeof(err)) < 0) {
		log_error("agent", "kubeconfig %s: %s", cfg->kubeconfig, err);
		goto out;
	}
	a.stop = sigstop_new(a.loop, "agent", " (Pods keep running)", &a.stopping);
	if (!a.stop)
		goto out;
	a.run = runner_new(a.loop, agent_ctr_exited, &a);
	if (!a.run) {
		log_error("agent", "runner: %s", strerror(errno));
		goto out;
	}
	if (strcmp(cfg->proxy_mode, "none") != 0 && agent_proxy_start(&a) < 0)
		goto out;
	/* Pods of the previous agent first, so that informer events find them. */
	agent_state_load(&a);
	if (agent_node_start(&a) < 0 || agent_informers(&a) < 0)
		goto out;
	log_info("agent", "node %s (%s) against %s, state in %s", cfg->node_name, a.node_ip,
	         httpc_endpoint(a.api), cfg->state_dir);
	ev_run(a.loop);
	rc = 0;
out:
	agent_free(&a);
	return rc;
}
