/*
 * apiserver.c - start-up, bootstrap objects, the per-iteration commit/flush
 * hook, periodic work (graceful deletions, LB retries, compaction) and
 * shutdown of `svcnet server`.
 */
#include "server/apiserver.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/defaults.h"
#include "lib/log.h"
#include "server/ctrl.h"
#include "server/kubeconfig.h"
#include "server/registry.h"
#include "server/rest.h"
#include "server/table.h"
#include "lib/rfc3339.h"

void apiserver_timestamp(char *out, size_t outlen, time_t t)
{
	rfc3339_fmt((long long)t, out, outlen);
}

void apiserver_default_opts(struct apiserver *as, struct api_default_opts *o)
{
	o->primary_family = as->svc_cidr[0].addr.family;
	o->dual_stack = as->cfg.n_service_cidrs > 1;
}

/* Controllers, then one commit, then the responses: see apiserver.h. */
static void as_before_sleep(ev_loop *l, void *data)
{
	struct apiserver *as = data;
	int rc;

	if (ns_ctrl_pending(as))
		ns_ctrl_run(as);
	for (int round = 0; round < 8; round++) {
		if (!epslice_ctrl_pending(as->eps) && !sched_ctrl_pending(as->sched))
			break;
		sched_ctrl_run(as->sched);
		epslice_ctrl_run(as->eps);
	}
	rc = store_commit(as->st);
	if (rc < 0) {
		/* Nothing of the batch is durable: nobody may hear it succeeded. */
		http_server_abort_pending(as->http);
		registry_rebuild(as);
		epslice_ctrl_resync(as->eps);
	}
	http_server_flush(as->http);
}

static int as_put_if_missing(struct apiserver *as, const char *key, json_t *obj)
{
	int rc = 0;

	if (!store_get(as->st, key)) {
		rest_stamp_new(obj);
		rc = store_put(as->st, key, obj, 1, 0, NULL);
	}
	json_decref(obj);
	return rc;
}

/* The `kubernetes` Service, its Endpoints and EndpointSlice point at us. */
static int as_bootstrap_kubernetes(struct apiserver *as)
{
	char ip[NET_ADDR_STRLEN], host[NET_ADDR_STRLEN], key[256];
	net_addr first, la;
	int port = 6443, rc;
	json_t *svc;
	struct reg_ctx x;

	if (net_parse_hostport(as->cfg.listen, host, sizeof(host), &port) < 0 ||
	    net_addr_parse(host, &la) < 0 || !strcmp(host, "0.0.0.0"))
		snprintf(host, sizeof(host), "127.0.0.1");
	store_key(key, sizeof(key), "services", "default", "kubernetes");
	if (!store_get(as->st, key)) {
		ipalloc_nth(as->svc_ip[0], 1, &first);
		net_addr_fmt(&first, ip, sizeof(ip));
		svc = json_pack("{s:s,s:s,s:{s:s,s:s,s:{s:s,s:s}},s:{s:s,s:s,s:[{s:s,s:i,s:s,s:i}],"
		                "s:s}}",
		                "kind", "Service", "apiVersion", "v1", "metadata", "name",
		                "kubernetes", "namespace", "default", "labels", "component",
		                "apiserver", "provider", "kubernetes", "spec", "type", "ClusterIP",
		                "clusterIP", ip, "ports", "name", "https", "port", 443, "protocol",
		                "TCP", "targetPort", port, "sessionAffinity", "None");
		rest_stamp_new(svc);
		{
			struct api_default_opts o;

			apiserver_default_opts(as, &o);
			api_default(API_SERVICE, svc, &o);
		}
		registry_ctx_init(&x, as);
		rc = registry_service_alloc(&x, NULL, svc);
		if (rc == 0)
			rc = store_put(as->st, key, svc, 1, 0, NULL);
		if (rc < 0)
			registry_abort(&x);
		registry_ctx_free(&x);
		json_decref(svc);
		if (rc < 0)
			return rc;
	}
	store_key(key, sizeof(key), "endpoints", "default", "kubernetes");
	as_put_if_missing(as, key,
	                  json_pack("{s:s,s:s,s:{s:s,s:s},s:[{s:[{s:s}],s:[{s:s,s:i,s:s}]}]}",
	                            "kind", "Endpoints", "apiVersion", "v1", "metadata", "name",
	                            "kubernetes", "namespace", "default", "subsets", "addresses",
	                            "ip", host, "ports", "name", "https", "port", port, "protocol",
	                            "TCP"));
	store_key(key, sizeof(key), "endpointslices", "default", "kubernetes");
	return as_put_if_missing(
	    as, key,
	    json_pack("{s:s,s:s,s:{s:s,s:s,s:{s:s}},s:s,s:[{s:[s],s:{s:b}}],s:[{s:s,s:i,s:s}]}",
	              "kind", "EndpointSlice", "apiVersion", "discovery.k8s.io/v1", "metadata",
	              "name", "kubernetes", "namespace", "default", "labels",
	              "kubernetes.io/service-name", "kubernetes", "addressType",
	              strchr(host, ':') ? "IPv6" : "IPv4", "endpoints", "addresses", host,
	              "conditions", "ready", 1, "ports", "name", "https", "port", port, "protocol",
	              "TCP"));
}

static int as_bootstrap(struct apiserver *as)
{
	static const char *const nss[] = {"default", "kube-system", "kube-public",
	                                  "kube-node-lease"};
	char key[128];
	int rc;

	for (size_t i = 0; i < sizeof(nss) / sizeof(nss[0]); i++) {
		store_key(key, sizeof(key), "namespaces", NULL, nss[i]);
		rc = as_put_if_missing(
		    as, key,
		    json_pack("{s:s,s:s,s:{s:s,s:{s:s}},s:{s:[s]},s:{s:s}}", "kind", "Namespace",
		              "apiVersion", "v1", "metadata", "name", nss[i], "labels",
		              "kubernetes.io/metadata.name", nss[i], "spec", "finalizers",
		              "kubernetes", "status", "phase", "Active"));
		if (rc < 0)
			return rc;
	}
	rc = as_bootstrap_kubernetes(as);
	if (rc < 0)
		return rc;
	return store_commit(as->st);
}

/* Graceful deletions in progress survive a restart: their deadlines come back. */
static void as_rebuild_terminating(struct apiserver *as)
{
	store_val **vals;
	char **keys;
	size_t n;

	if (store_list(as->st, "/pods/", &vals, &keys, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		json_t *p = rest_load(vals[i]);
		json_t *md = json_object_get(p, "metadata");
		const char *ts = json_string_value(json_object_get(md, "deletionTimestamp"));
		time_t when;

		/* Finalizers hold a pod whatever its grace period says. */
		if (ts && !json_array_size(json_object_get(md, "finalizers")) &&
		    table_parse_time(ts, &when) == 0)
			rest_pod_deadline(as, keys[i], (uint64_t)when);
		json_decref(p);
	}
	free(vals);
	free(keys);
}

/* Pods whose grace period ended without the node confirming go now. */
static void as_pod_sweep(struct apiserver *as)
{
	uint64_t now = (uint64_t)time(NULL);
	char *due[128];
	int n = 0;
	dict_iter it;
	const char *k;
	void *v;

	dict_iter_init(&it, as->terminating_pods);
	while (n < 128 && dict_next(&it, &k, &v))
		if (*(uint64_t *)v <= now)
			due[n++] = strdup(k);
	for (int i = 0; i < n; i++) {
		store_val *sv = due[i] ? store_get(as->st, due[i]) : NULL;
		json_t *pod = sv ? rest_load(sv) : NULL;
		int held = json_array_size(
		    json_object_get(json_object_get(pod, "metadata"), "finalizers"));

		json_decref(pod);
		if (sv && held) {
			/* Held by a finalizer now: its removal re-arms the deadline. */
			free(dict_del(as->terminating_pods, due[i]));
		} else if (sv) {
			log_info("server", "%s: grace period over, removing", due[i]);
			rest_finalize_delete(as, &api_resources[API_POD], due[i], 0, NULL);
		} else if (due[i]) {
			free(dict_del(as->terminating_pods, due[i]));
		}
		free(due[i]);
	}
}

/* Once a second: what waits on time rather than on a write. Its writes are
 * committed by the before-sleep hook that follows. */
static long long as_tick(ev_loop *l, ev_timer *t, void *data)
{
	struct apiserver *as = data;

	as_pod_sweep(as);
	if (dict_size(as->lb_pending))
		registry_lb_retry(as);
	if (dict_size(as->ns_terminating))
		as->ns_kick = 1; /* finalizers or grace periods may have ended */
	node_ctrl_run(as);
	return 1000;
}

static long long as_compact(ev_loop *l, ev_timer *t, void *data)
{
	struct apiserver *as = data;

	int rc = store_compact(as->st, as->cfg.compact_keep);

	if (rc == -EBUSY)
		return 1000; /* a batch is open: retry shortly */
	if (rc < 0)
		log_warn("store", "compaction failed");
	return (long long)as->cfg.compact_interval_s * 1000;
}

static void as_signal(ev_loop *l, int fd, void *data, int mask)
{
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		log_info("server", "signal %u: shutting down", si.ssi_signo);
		ev_stop(l);
	}
}

static int as_setup_allocators(struct apiserver *as)
{
	char err[64];
	net_cidr cc;

	for (int i = 0; i < as->cfg.n_service_cidrs; i++) {
		if (net_cidr_parse(as->cfg.service_cidrs[i], &as->svc_cidr[i], 1) < 0) {
			log_error("server", "invalid --service-cidr %s", as->cfg.service_cidrs[i]);
			return -EINVAL;
		}
		as->svc_ip[i] = ipalloc_new(&as->svc_cidr[i]);
		if (!as->svc_ip[i]) {
			log_error("server", "--service-cidr %s: %s", as->cfg.service_cidrs[i],
			          errno == E2BIG ? "too large (at most /12 for IPv4, /108 for IPv6)"
			                         : "invalid");
			return -EINVAL;
		}
	}
	if (as->cfg.n_service_cidrs == 2 &&
	    as->svc_cidr[0].addr.family == as->svc_cidr[1].addr.family) {
		log_error("server", "--service-cidr: the two CIDRs must be of different families");
		return -EINVAL;
	}
	as->node_ports = portalloc_new(as->cfg.node_port_lo, as->cfg.node_port_hi);
	if (!as->node_ports) {
		log_error("server", "invalid --node-port-range %d-%d", as->cfg.node_port_lo,
		          as->cfg.node_port_hi);
		return -EINVAL;
	}
	if (as->cfg.cluster_cidr[0]) {
		if (net_cidr_parse(as->cfg.cluster_cidr, &cc, 1) < 0 ||
		    !(as->pod_cidrs = podcidr_new(&cc, as->cfg.node_cidr_mask))) {
			log_error("server",
			          "invalid --cluster-cidr %s with --node-cidr-mask-size %d",
			          as->cfg.cluster_cidr, as->cfg.node_cidr_mask);
			return -EINVAL;
		}
	}
	as->lb = lbipam_new();
	if (!as->lb)
		return -ENOMEM;
	for (int i = 0; i < as->cfg.n_lb_pools; i++) {
		int rc = lbipam_add_pool(as->lb, as->cfg.lb_pools[i]);

		if (rc < 0) {
			snprintf(err, sizeof(err), "%s",
			         rc == -EEXIST ? "overlaps another pool" : "not a CIDR or range");
			log_error("server", "--lb-pool %s: %s", as->cfg.lb_pools[i], err);
			return -EINVAL;
		}
	}
	return 0;
}

static int as_setup_pki(struct apiserver *as)
{
	char host[NET_ADDR_STRLEN], first[NET_ADDR_STRLEN], path[512];
	const char *ips[4];
	const char *dns[] = {"localhost", "kubernetes", "kubernetes.default",
	                     "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"};
	size_t nip = 0;
	net_addr a;
	int port, rc;

	if (net_parse_hostport(as->cfg.listen, host, sizeof(host), &port) < 0) {
		log_error("server", "invalid --listen %s", as->cfg.listen);
		return -EINVAL;
	}
	if (net_addr_parse(host, &a) == 0)
		ips[nip++] = host;
	ips[nip++] = "127.0.0.1";
	ips[nip++] = "::1";
	ipalloc_nth(as->svc_ip[0], 1, &a);
	net_addr_fmt(&a, first, sizeof(first));
	ips[nip++] = first;
	rc = pki_ensure(&as->pki, as->cfg.data_dir, ips, nip, dns, sizeof(dns) / sizeof(dns[0]));
	if (rc < 0) {
		log_error("server", "certificates in %s: %s", as->cfg.data_dir, strerror(-rc));
		return rc;
	}
	as->tls = pki_server_ctx(&as->pki);
	if (!as->tls)
		return -ENOMEM;
	if (!strcmp(host, "0.0.0.0") || !strcmp(host, "::") || !host[0])
		snprintf(host, sizeof(host), "127.0.0.1");
	snprintf(as->server_url, sizeof(as->server_url),
	         strchr(host, ':') ? "https://[%s]:%d" : "https://%s:%d", host, port);
	snprintf(path, sizeof(path), "%s/kubeconfig", as->cfg.data_dir);
	rc = kubeconfig_write(path, as->server_url, as->pki.ca_pem, as->pki.token, "svcnet");
	if (rc < 0)
		log_error("server", "cannot write %s: %s", path, strerror(-rc));
	return rc;
}

static void as_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void as_free(struct apiserver *as)
{
	http_server_stop(as->http);
	epslice_ctrl_free(as->eps);
	sched_ctrl_free(as->sched);
	store_close(as->st);
	for (int i = 0; i < 2; i++)
		ipalloc_free(as->svc_ip[i]);
	portalloc_free(as->node_ports);
	podcidr_free(as->pod_cidrs);
	lbipam_free(as->lb);
	dict_free(as->terminating_pods, free);
	dict_free(as->lb_pending, NULL);
	dict_free(as->ns_terminating, NULL);
	if (as->tls)
		SSL_CTX_free(as->tls);
	pki_free(&as->pki);
	ev_loop_free(as->loop);
}

int apiserver_run(struct apiserver_config *cfg)
{
	struct apiserver as = {0};
	struct http_server_opts ho = {0};
	char path[512];
	sigset_t mask;
	int sfd = -1, rc;
	uint64_t t0 = ev_clock_ms();

	as.cfg = *cfg;
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	signal(SIGPIPE, SIG_IGN);
	as_raise_nofile();
	if (pki_mkdir_p(cfg->data_dir, 0700) < 0) {
		log_error("server", "cannot create data dir %s: %s", cfg->data_dir,
		          strerror(errno));
		return 1;
	}
	as.loop = ev_loop_new();
	as.terminating_pods = dict_new();
	as.lb_pending = dict_new();
	as.ns_terminating = dict_new();
	if (!as.loop || !as.terminating_pods || !as.lb_pending || !as.ns_terminating) {
		rc = -ENOMEM;
		goto out;
	}
	rc = as_setup_allocators(&as);
	if (rc < 0)
		goto out;
	rc = as_setup_pki(&as);
	if (rc < 0)
		goto out;
	snprintf(path, sizeof(path), "%s/state.db", cfg->data_dir);
	rc = store_open_sqlite(&as.st, path);
	if (rc < 0) {
		log_error("server", "cannot open the store %s: %s", path, strerror(-rc));
		goto out;
	}
	rc = registry_rebuild(&as);
	if (rc == 0)
		rc = as_bootstrap(&as);
	if (rc < 0) {
		log_error("server", "bootstrap failed: %s", strerror(-rc));
		goto out;
	}
	as_rebuild_terminating(&as);
	ns_ctrl_rebuild(&as);
	as.eps = epslice_ctrl_new(&as);
	as.sched = sched_ctrl_new(&as);
	if (!as.eps || !as.sched) {
		rc = -ENOMEM;
		goto out;
	}
	ho.listen = cfg->listen;
	ho.tls = as.tls;
	ho.max_head = 64 * 1024;
	ho.max_body = 3 * 1024 * 1024; /* kube-apiserver's request size limit */
	ho.request_timeout_ms = cfg->request_timeout_s * 1000;
	ho.idle_timeout_ms = 120000;
	ho.max_stream_queue = 64u << 20;
	ho.max_conns = 20000;
	ho.handler = rest_handle;
	ho.data = &as;
	rc = http_server_start(as.loop, &ho, &as.http);
	if (rc < 0) {
		log_error("server", "cannot listen on %s: %s", cfg->listen, strerror(-rc));
		goto out;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd >= 0)
		ev_add(as.loop, sfd, EV_READ, as_signal, NULL);
	ev_set_before_sleep(as.loop, as_before_sleep, &as);
	ev_timer_add(as.loop, 1000, as_tick, &as);
	ev_timer_add(as.loop, (long long)cfg->compact_interval_s * 1000, as_compact, &as);
	log_info("server", "listening on %s (store revision %lld, started in %llu ms)",
	         as.server_url, (long long)store_rev(as.st),
	         (unsigned long long)(ev_clock_ms() - t0));
	log_info("server", "kubectl: export KUBECONFIG=%s/kubeconfig", cfg->data_dir);
	ev_run(as.loop);
	/* Whatever the last iteration wrote is committed before we go. */
	if (store_commit(as.st) < 0)
		http_server_abort_pending(as.http);
	http_server_flush(as.http);
	rc = 0;
out:
	if (sfd >= 0)
		close(sfd);
	as_free(&as);
	return rc < 0 ? 1 : 0;
}
