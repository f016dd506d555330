/*
 * agent_node.c - the agent's Node: registration, heartbeats, the node's pod
 * network (bridge, IPAM, masquerade) and host-gw routes to other nodes.
 *
 * Heartbeats are merge patches of the Node's status every heartbeat_s
 * seconds, as the kubelet's node status updates (there is no Lease API in
 * svcnet's server; the server's node monitor reads the Ready condition's
 * lastHeartbeatTime). A 404 means the Node was deleted: it is registered
 * again, so `kubectl delete node` on a live node heals itself.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent_impl.h"
#include "agent/rtnl.h"
#include "lib/log.h"
#include "lib/nftrun.h"

#define AGENT_KUBELET_VERSION "v1.32.0-svcnet"
#define AGENT_MASQ_TABLE      "svcnet-agent"

static json_t *agent_node_condition(const char *type, const char *status, const char *reason,
                                    const char *msg, const char *now, const char *since)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", type, "status", status, "reason",
	                 reason, "message", msg, "lastHeartbeatTime", now, "lastTransitionTime",
	                 since);
}

static json_t *agent_node_status(agent *a)
{
	char now[32], since[32];
	struct utsname u;
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	char mem[32], cpu[24];
	json_t *cap;

	rfc3339_fmt(time(NULL), now, sizeof(now));
	rfc3339_fmt(a->ready_since, since, sizeof(since));
	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "unknown");
	snprintf(mem, sizeof(mem), "%lldKi", (long long)pages * psize / 1024);
	snprintf(cpu, sizeof(cpu), "%ld", cpus > 0 ? cpus : 1);
	cap = json_pack("{s:s, s:s, s:s}", "cpu", cpu, "memory", mem, "pods", "110");
	return json_pack(
	    "{s:[o,o,o,o], s:[{s:s,s:s},{s:s,s:s}], s:{s:s,s:s,s:s,s:s,s:s,s:s,s:s}, s:o, s:O, "
	    "s:{s:{s:i}}}",
	    "conditions",
	    agent_node_condition("MemoryPressure", "False", "KubeletHasSufficientMemory",
	                         "kubelet has sufficient memory available", now, since),
	    agent_node_condition("DiskPressure", "False", "KubeletHasNoDiskPressure",
	                         "kubelet has no disk pressure", now, since),
	    agent_node_condition("PIDPressure", "False", "KubeletHasSufficientPID",
	                         "kubelet has sufficient PID available", now, since),
	    agent_node_condition("Ready", "True", "KubeletReady",
	                         "svcnet agent is posting ready status", now, since),
	    "addresses", "type", "InternalIP", "address", a->node_ip, "type", "Hostname", "address",
	    a->cfg.node_name, "nodeInfo", "kubeletVersion", AGENT_KUBELET_VERSION,
	    "kubeProxyVersion", AGENT_KUBELET_VERSION, "operatingSystem", "linux", "architecture",
	    "amd64", "containerRuntimeVersion", "svcnet://0.1.0", "kernelVersion", u.release,
	    "osImage", "svcnet sandbox (host filesystem)", "capacity", cap, "allocatable", cap,
	    "daemonEndpoints", "kubeletEndpoint", "Port", 0);
}

static void agent_node_send(agent *a);
static void agent_node_routes_load(agent *a);
static void agent_node_routes_queue(agent *a);

static void agent_node_done(httpc_req *r, int err, http_response *resp, void *data)
{
	agent *a = data;

	a->node_req = NULL;
	if (err < 0) {
		log_warn("agent", "node %s status: %s", a->cfg.node_name, strerror(-err));
		return;
	}
	if (resp->status == 404 && a->registered) {
		log_warn("agent", "node %s is gone from the API: registering again",
		         a->cfg.node_name);
		a->registered = 0;
		agent_node_send(a);
		return;
	}
	if (!a->registered) {
		if (resp->status == 201 || resp->status == 200 || resp->status == 409) {
			log_info("agent", "node %s registered%s", a->cfg.node_name,
			         resp->status == 409 ? " (it existed)" : "");
			a->registered = 1;
			agent_node_send(a); /* the status goes through /status */
		} else {
			log_warn("agent", "registering node %s: HTTP %d", a->cfg.node_name,
			         resp->status);
		}
		return;
	}
	if (resp->status >= 300)
		log_warn("agent", "node %s status: HTTP %d", a->cfg.node_name, resp->status);
}

static void agent_node_send(agent *a)
{
	struct httpc_req_opts o = {0};
	char path[320];
	json_t *body;
	char *text;

	if (a->node_req)
		return;
	if (!a->registered) {
		body = json_pack("{s:s, s:s, s:{s:s, s:{s:s, s:s, s:s}}, s:{}, s:o}", "apiVersion",
		                 "v1", "kind", "Node", "metadata", "name", a->cfg.node_name,
		                 "labels", "kubernetes.io/hostname", a->cfg.node_name,
		                 "kubernetes.io/os", "linux", "kubernetes.io/arch", "amd64", "spec",
		                 "status", agent_node_status(a));
		o.method = "POST";
		snprintf(path, sizeof(path), "/api/v1/nodes");
	} else {
		body = json_pack("{s:o}", "status", agent_node_status(a));
		o.method = "PATCH";
		o.content_type = "application/merge-patch+json";
		snprintf(path, sizeof(path), "/api/v1/nodes/%s/status", a->cfg.node_name);
	}
	text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (!text)
		return;
	o.path = path;
	o.body = text;
	o.body_len = strlen(text);
	o.timeout_ms = 10000;
	o.on_done = agent_node_done;
	o.data = a;
	if (httpc_request(a->api, &o, &a->node_req) < 0)
		a->node_req = NULL;
	free(text);
}

static long long agent_node_heartbeat(ev_loop *l, ev_timer *t, void *data)
{
	agent *a = data;

	agent_node_send(a);
	if (a->pods_synced)
		agent_pods_resync(a);
	/* A Node list whose last page changed nothing leaves no event after
	 * the informer synced: the routes of Nodes deleted while the agent was
	 * down go now at the latest. */
	if (!a->routes_pruned && informer_has_synced(a->nodes))
		agent_node_routes_queue(a);
	return (long long)a->cfg.heartbeat_s * 1000;
}

int agent_node_start(agent *a)
{
	a->ready_since = time(NULL);
	agent_node_routes_load(a);
	a->heartbeat = ev_timer_add(a->loop, 0, agent_node_heartbeat, a);
	return a->heartbeat ? 0 : -ENOMEM;
}

void agent_node_stop(agent *a)
{
	if (a->heartbeat)
		ev_timer_del(a->loop, a->heartbeat);
	a->heartbeat = NULL;
	if (a->routes_timer)
		ev_timer_del(a->loop, a->routes_timer);
	a->routes_timer = NULL;
}

/* Traffic from Pods to anything outside the cluster's pod network leaves
 * with the node's address (flannel's ip-masq): the fabric and the root
 * namespace have no routes to pod CIDRs, and must not need any. */
static int agent_node_masquerade(agent *a)
{
	char script[1024], err[256];

	snprintf(script, sizeof(script),
	         "table ip %s {}\n"
	         "delete table ip %s\n"
	         "table ip %s {\n"
	         "  chain postrouting {\n"
	         "    type nat hook postrouting priority srcnat; policy accept;\n"
	         "    ip saddr %s ip daddr != %s oifname != \"%s\" masquerade\n"
	         "  }\n"
	         "}\n",
	         AGENT_MASQ_TABLE, AGENT_MASQ_TABLE, AGENT_MASQ_TABLE, a->pod_cidr_str,
	         a->cfg.cluster_cidr, PODNET_BRIDGE);
	if (nftrun_apply(script, err, sizeof(err)) < 0) {
		log_error("agent", "masquerade rules: %s", err);
		return -EINVAL;
	}
	return 0;
}

/* With a service proxy, the node itself must be able to send to a cluster
 * IP: the route lookup happens before the output hook's DNAT, and node
 * namespaces have no default route. The route points at the bridge, so a
 * packet that no rule translates stays on this node (ARP for an address
 * nobody has) instead of leaving it; forwarded Pod traffic to a Service
 * without endpoints reaches the forward hook, where the proxy rejects it. */
static void agent_node_service_route(agent *a)
{
	rtnl *h;

	if (!a->proxy)
		return;
	h = rtnl_open();
	if (!h || rtnl_route_add(h, &a->service_cidr, NULL, PODNET_BRIDGE, RTNL_REPLACE) < 0)
		log_error("agent", "route %s dev %s: %s", a->cfg.service_cidr, PODNET_BRIDGE,
		          h ? rtnl_last_error(h) : strerror(errno));
	rtnl_close(h);
}

static void agent_node_cidr(agent *a, json_t *node)
{
	const char *c =
	    json_string_value(json_object_get(json_object_get(node, "spec"), "podCIDR"));
	struct podnet_node pn = {0};
	char dir[PATH_MAX];
	net_cidr cidr;
	int rc;

	if (!c || !*c)
		return;
	if (a->have_cidr) {
		if (strcmp(c, a->pod_cidr_str) != 0)
			log_warn("agent",
			         "pod CIDR changed from %s to %s: restart the agent to use it",
			         a->pod_cidr_str, c);
		return;
	}
	if (net_cidr_parse(c, &cidr, 0) < 0 || cidr.addr.family != AF_INET) {
		log_error("agent", "pod CIDR %s: only an IPv4 CIDR is supported", c);
		return;
	}
	pn.pod_cidrs[0] = cidr;
	pn.ncidrs = 1;
	if ((rc = podnet_node_setup(&pn)) < 0) {
		log_error("agent", "node network (bridge %s for %s): %s", PODNET_BRIDGE, c,
		          strerror(-rc));
		return;
	}
	snprintf(dir, sizeof(dir), "%s/ipam", a->cfg.state_dir);
	a->ipam = ipam_open(dir, &cidr);
	if (!a->ipam) {
		log_error("agent", "IPAM in %s: %s", dir, strerror(errno));
		return;
	}
	snprintf(a->pod_cidr_str, sizeof(a->pod_cidr_str), "%s", c);
	a->pod_cidr = cidr;
	if (agent_node_masquerade(a) < 0) {
		ipam_close(a->ipam); /* tried again with the next Node update */
		a->ipam = NULL;
		return;
	}
	agent_node_service_route(a);
	a->have_cidr = 1;
	log_info("agent", "pod CIDR %s on bridge %s", c, PODNET_BRIDGE);
	agent_ipam_gc(a);
	agent_pods_queue_all(a);
}

static const char *agent_node_internal_ip(json_t *node)
{
	json_t *addrs = json_object_get(json_object_get(node, "status"), "addresses"), *ad;
	size_t i;

	json_array_foreach (addrs, i, ad) {
		if (!strcmp(json_string_value(json_object_get(ad, "type")) ?: "", "InternalIP"))
			return json_string_value(json_object_get(ad, "address"));
	}
	return NULL;
}

/* <state>/routes lists the routes this agent installed ("NODE CIDR GW" per
 * line), so that a restarted agent removes those of nodes deleted while it
 * was away. */
static void agent_node_routes_save(agent *a)
{
	char path[AGENT_DIR_MAX + 16], *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	dict_iter di;
	const char *k;
	void *v;

	if (!f)
		return;
	dict_iter_init(&di, a->routes);
	while (dict_next(&di, &k, &v))
		fprintf(f, "%s %s\n", k, (const char *)v);
	fclose(f);
	snprintf(path, sizeof(path), "%s/routes", a->cfg.state_dir);
	if (text)
		podfs_write_file(path, text, 0);
	free(text);
}

static void agent_node_routes_load(agent *a)
{
	char path[AGENT_DIR_MAX + 16], line[512], name[256], cidr[64], gw[64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/routes", a->cfg.state_dir);
	if (!(f = fopen(path, "re")))
		return;
	while (fgets(line, sizeof(line), f)) {
		char val[136];

		if (sscanf(line, "%255s %63s %63s", name, cidr, gw) != 3)
			continue;
		snprintf(val, sizeof(val), "%s %s", cidr, gw);
		dict_set(a->routes, name, strdup(val), NULL);
	}
	fclose(f);
}

/* Installs "cidr via ip" routes for every other node and removes the ones
 * of nodes that went or moved. Routes are keyed by node name in a->routes
 * (value: "CIDR GW"). Until the Node informer has listed everything, its
 * cache holds only part of the Nodes (a LIST is applied item by item, page
 * by page), so a node missing from it proves nothing: routes are only added
 * then, never removed, or a restarted agent would cut the routes of Nodes
 * listed after its own for a moment. */
static void agent_node_routes(agent *a)
{
	dict *want = dict_new();
	int synced = informer_has_synced(a->nodes);
	informer_iter it;
	dict_iter di;
	json_t *n;
	const char *k;
	void *v;
	rtnl *h;

	if (!want)
		return;
	if (!synced) {
		dict_iter_init(&di, a->routes);
		while (dict_next(&di, &k, &v)) {
			char *dup = strdup(v);

			if (!dup || dict_set(want, k, dup, NULL) < 0) {
				free(dup);
				goto fail;
			}
		}
	}
	informer_iter_init(&it, a->nodes);
	while (informer_iter_next(&it, &n)) {
		const char *name =
		    json_string_value(json_object_get(json_object_get(n, "metadata"), "name"));
		const char *c =
		    json_string_value(json_object_get(json_object_get(n, "spec"), "podCIDR"));
		const char *ip = agent_node_internal_ip(n);
		char val[128], *dup;
		void *old = NULL;
		net_cidr dst;

		if (!name || !c || !ip || !strcmp(name, a->cfg.node_name))
			continue;
		/* Only a piece of the pod network, and never this node's own: a
		 * bogus Node must not reroute the node's traffic. */
		if (net_cidr_parse(c, &dst, 0) < 0 || dst.addr.family != AF_INET ||
		    dst.prefix < a->cluster_cidr.prefix ||
		    !net_cidr_contains(&a->cluster_cidr, &dst.addr) ||
		    (a->have_cidr && net_cidr_overlaps(&dst, &a->pod_cidr))) {
			log_warn("agent",
			         "node %s: pod CIDR %s is not a piece of %s apart from ours; "
			         "no route",
			         name, c, a->cfg.cluster_cidr);
			continue;
		}
		snprintf(val, sizeof(val), "%s %s", c, ip);
		dup = strdup(val);
		if (!dup || dict_set(want, name, dup, &old) < 0) {
			free(dup);
			goto fail; /* a node missing from want would lose its route */
		}
		free(old);
	}
	if (!(h = rtnl_open()))
		goto fail;
	/* Removals first: a CIDR that moved to another node must not be
	 * deleted after its new route went in. */
	dict_iter_init(&di, a->routes);
	while (dict_next(&di, &k, &v)) {
		const char *w = dict_get(want, k);
		char cs[64], gs[64];
		net_cidr dst;
		net_addr gw;

		if (w && !strcmp(w, v))
			continue;
		if (sscanf(v, "%63s %63s", cs, gs) == 2 && net_cidr_parse(cs, &dst, 0) == 0 &&
		    net_addr_parse(gs, &gw) == 0 &&
		    rtnl_route_del(h, &dst, &gw, NULL, RTNL_MISSING_OK) < 0)
			log_warn("agent", "route %s via %s: %s", cs, gs, rtnl_last_error(h));
		else
			log_info("agent", "route %s via %s removed (node %s)", cs, gs, k);
	}
	dict_iter_init(&di, want);
	while (dict_next(&di, &k, &v)) {
		const char *had = dict_get(a->routes, k);
		char cs[64], gs[64];
		net_cidr dst;
		net_addr gw;

		if (had && !strcmp(had, v))
			continue;
		if (sscanf(v, "%63s %63s", cs, gs) != 2 || net_cidr_parse(cs, &dst, 0) < 0 ||
		    net_addr_parse(gs, &gw) < 0 || dst.addr.family != gw.family)
			continue;
		if (rtnl_route_add(h, &dst, &gw, NULL, RTNL_REPLACE) < 0)
			log_warn("agent", "route %s via %s (node %s): %s", cs, gs, k,
			         rtnl_last_error(h));
		else
			log_info("agent", "route %s via %s (node %s)", cs, gs, k);
	}
	rtnl_close(h);
	dict_free(a->routes, free);
	a->routes = want;
	agent_node_routes_save(a);
	if (synced)
		a->routes_pruned = 1;
	return;
fail:
	/* out of memory (or no rtnetlink socket): the heartbeat tries again */
	dict_free(want, free);
	a->routes_pruned = 0;
}

static long long agent_node_routes_due(ev_loop *l, ev_timer *t, void *data)
{
	agent *a = data;

	a->routes_timer = NULL;
	agent_node_routes(a);
	return EV_TIMER_STOP;
}

/* One routes pass after a burst of Node events (a LIST delivers one per
 * Node), on the next loop turn: by then a LIST's last page is in and the
 * informer synced. */
static void agent_node_routes_queue(agent *a)
{
	if (a->routes_timer)
		return;
	a->routes_timer = ev_timer_add(a->loop, 0, agent_node_routes_due, a);
	if (!a->routes_timer)
		agent_node_routes(a); /* out of memory: at once, then */
}

void agent_node_changed(agent *a, json_t *node, int deleted)
{
	const char *name =
	    json_string_value(json_object_get(json_object_get(node, "metadata"), "name"));

	if (name && !strcmp(name, a->cfg.node_name)) {
		if (deleted) {
			a->registered = 0;
			agent_node_send(a);
		} else {
			agent_node_cidr(a, node);
		}
	}
	agent_node_routes_queue(a);
}
