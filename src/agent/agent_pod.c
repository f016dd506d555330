/*
 * agent_pod.c - one Pod's life on the node: admission, sandbox (network and
 * files), deletion, status. Containers are agent_podrun.c's.
 *
 * agent_pod_sync() is level-triggered: it looks at what the API says (the
 * Pod, its deletionTimestamp, or that it is gone) and at what runs, and
 * takes the next step. Anything that changes either only queues the Pod;
 * a zero-delay timer then syncs every queued Pod once, so an informer burst
 * costs one sync per Pod.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent_impl.h"
#include "agent/hostport.h"
#include "agent/podenv.h"
#include "lib/log.h"

/* Back-off of a failed sandbox: 1 s doubling to 30 s, as the kubelet's pod
 * workers retry. */
#define AGENT_SANDBOX_RETRY_MIN_MS 1000
#define AGENT_SANDBOX_RETRY_MAX_MS 30000
/* Longest stretch of Pod syncs in one loop turn. */
#define AGENT_SYNC_SLICE_MS 20

const char *agent_jstr(const json_t *o, const char *k1, const char *k2)
{
	const json_t *v = json_object_get(o, k1);

	if (k2)
		v = json_object_get(v, k2);
	return json_string_value(v);
}

agent_pod *agent_pod_new(agent *a, const char *uid, const char *ns, const char *name)
{
	agent_pod *p;

	/* The uid names files and directories: nothing but [A-Za-z0-9-]. */
	if (!*uid || strlen(uid) > PODNET_UID_MAX ||
	    strspn(uid, "abcdefghijklmnopqrstuvwxyz"
	                "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                "0123456789-") != strlen(uid) ||
	    strlen(ns) >= sizeof(p->ns) || strlen(name) >= sizeof(p->name) ||
	    dict_get(a->pods_by_uid, uid))
		return NULL;
	if (!(p = calloc(1, sizeof(*p))))
		return NULL;
	p->a = a;
	snprintf(p->uid, sizeof(p->uid), "%s", uid);
	snprintf(p->ns, sizeof(p->ns), "%s", ns);
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->dir, sizeof(p->dir), "%s/%s", a->pods_dir, uid);
	snprintf(p->netns, sizeof(p->netns), "%s/%s.net", a->pin_dir, uid);
	snprintf(p->uts, sizeof(p->uts), "%s/%s.uts", a->pin_dir, uid);
	snprintf(p->resolv, sizeof(p->resolv), "%s/resolv.conf", p->dir);
	snprintf(p->hosts, sizeof(p->hosts), "%s/hosts", p->dir);
	snprintf(p->hostname, sizeof(p->hostname), "%s/hostname", p->dir);
	p->binds[0] = (struct podfs_bind){p->resolv, "/etc/resolv.conf"};
	p->binds[1] = (struct podfs_bind){p->hosts, "/etc/hosts"};
	p->binds[2] = (struct podfs_bind){p->hostname, "/etc/hostname"};
	p->state = AGENT_POD_NEW;
	if (dict_set(a->pods_by_uid, p->uid, p, NULL) < 0) {
		free(p);
		return NULL;
	}
	return p;
}

void agent_pod_free(agent_pod *p)
{
	if (p->status_req)
		httpc_cancel(p->status_req);
	if (p->sandbox_timer)
		ev_timer_del(p->a->loop, p->sandbox_timer);
	if (p->api_retry)
		ev_timer_del(p->a->loop, p->api_retry);
	json_decref(p->obj);
	json_decref(p->sent);
	free(p);
}

/* The hostname as the kubelet gives it (spec.hostname or the name, cut at
 * 63 bytes; the FQDN with setHostnameAsFQDN): one answer for the UTS
 * namespace, /etc/hostname, /etc/hosts and $HOSTNAME. */
static const char *agent_pod_hostname(agent_pod *p)
{
	char err[256];

	if (podenv_hostname(p->obj, p->a->cfg.cluster_domain, p->host, sizeof(p->host), err,
	                    sizeof(err)) < 0)
		snprintf(p->host, sizeof(p->host), "%.63s", p->name);
	return p->host;
}

static int agent_pod_write_hostname(agent_pod *p)
{
	char text[sizeof(p->host) + 2];

	snprintf(text, sizeof(text), "%s\n", agent_pod_hostname(p));
	return podfs_write_file(p->hostname, text, 0);
}

static long long agent_sandbox_retry(ev_loop *l, ev_timer *t, void *data)
{
	agent_pod *p = data;

	p->sandbox_timer = NULL;
	agent_pod_queue(p);
	return EV_TIMER_STOP;
}

/* Network, files and pins for the Pod. On an agent restart this meets a
 * sandbox that exists: ipam hands back the Pod's own address and podnet
 * leaves working pieces alone, so running Pods are not disturbed. */
static int agent_sandbox_setup(agent_pod *p)
{
	agent *a = p->a;
	struct podnet_pod pp = {0};
	net_addr ip, gw;
	int rc;

	if (mkdir(p->dir, 0700) < 0 && errno != EEXIST) {
		snprintf(p->sandbox_err, sizeof(p->sandbox_err), "mkdir %.300s: %s", p->dir,
		         strerror(errno));
		return -errno;
	}
	rc = ipam_allocate(a->ipam, p->uid, &ip);
	if (rc < 0) {
		if (rc == -ENOSPC)
			snprintf(p->sandbox_err, sizeof(p->sandbox_err),
			         "failed to allocate an IP for the pod: no IP addresses available "
			         "in range %s",
			         a->pod_cidr_str);
		else
			snprintf(p->sandbox_err, sizeof(p->sandbox_err),
			         "failed to allocate an IP for the pod: %s", strerror(-rc));
		return rc;
	}
	ipam_gateway(a->ipam, &gw);
	pp.pin_dir = a->pin_dir;
	pp.uid = p->uid;
	pp.name = agent_pod_hostname(p);
	pp.ips[0].addr = ip;
	pp.ips[0].prefix = a->pod_cidr.prefix;
	pp.ips[0].gw = gw;
	pp.nips = 1;
	p->ips[0] = ip;
	p->nips = 1;
	net_addr_fmt(&ip, p->ip_str[0], sizeof(p->ip_str[0]));
	if ((rc = podnet_pod_create(&pp, NULL)) < 0) {
		snprintf(p->sandbox_err, sizeof(p->sandbox_err), "pod network: %s", strerror(-rc));
		return rc;
	}
	if ((rc = podnet_write_resolv_conf(p->resolv, a->cfg.cluster_dns, p->ns,
	                                   a->cfg.cluster_domain)) < 0 ||
	    (rc = podfs_write_hosts(p->hosts, p->ips, p->nips, agent_pod_hostname(p))) < 0 ||
	    (rc = agent_pod_write_hostname(p)) < 0) {
		snprintf(p->sandbox_err, sizeof(p->sandbox_err), "pod files in %.300s: %s", p->dir,
		         strerror(-rc));
		return rc;
	}
	p->sandbox = 1;
	p->sandbox_err[0] = 0;
	p->sandbox_failures = 0;
	agent_state_save(p);
	return 0;
}

/* The network goes; the files stay until the Pod is deleted (logs). */
static void agent_sandbox_release(agent_pod *p)
{
	struct podnet_pod pp = {0};
	int rc;

	pp.pin_dir = p->a->pin_dir;
	pp.uid = p->uid;
	if ((rc = podnet_pod_delete(&pp)) < 0)
		log_warn("agent", "pod %s/%s network teardown: %s", p->ns, p->name, strerror(-rc));
	if (p->a->ipam && (rc = ipam_release(p->a->ipam, p->uid)) < 0)
		log_warn("agent", "pod %s/%s IP release: %s", p->ns, p->name, strerror(-rc));
	p->sandbox = 0;
	p->net_released = 1;
}

static void agent_pod_remove_dir(agent_pod *p)
{
	DIR *d = opendir(p->dir);
	struct dirent *de;
	char path[PATH_MAX + 256];

	if (d) {
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", p->dir, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(p->dir);
}

/* hostPort admission against the Pods already admitted on this node. */
static int agent_pod_admit(agent_pod *p)
{
	agent *a = p->a;
	const json_t **adm = calloc(dict_size(a->pods_by_uid) + 1, sizeof(*adm));
	dict_iter it;
	const char *k;
	void *v;
	size_t n = 0;
	int rc;

	if (!adm)
		return -ENOMEM;
	dict_iter_init(&it, a->pods_by_uid);
	while (dict_next(&it, &k, &v)) {
		agent_pod *o = v;

		if (o != p && o->obj &&
		    (o->state == AGENT_POD_RUNNING || o->state == AGENT_POD_STOPPING))
			adm[n++] = o->obj;
	}
	rc = hostport_check((const json_t *const *)adm, n, p->obj, p->reason, sizeof(p->reason),
	                    p->message, sizeof(p->message));
	free(adm);
	return rc;
}

static void agent_pod_finish_delete(agent_pod *p)
{
	agent *a = p->a;

	if (p->sandbox || !p->net_released)
		agent_sandbox_release(p);
	agent_state_remove(p);
	agent_pod_remove_dir(p);
	if (!p->gone) {
		agent_api_confirm_delete(p);
		return;
	}
	log_info("agent", "pod %s/%s removed", p->ns, p->name);
	agent_ctrs_release(p, 0);
	dict_del(a->pods_by_uid, p->uid);
	agent_pod_free(p);
}

static int agent_pod_grace(agent_pod *p)
{
	json_t *md = json_object_get(p->obj, "metadata");
	json_t *g = json_object_get(md, "deletionGracePeriodSeconds");

	if (p->gone)
		return 0; /* deleted with grace 0 or by the server: nothing to wait for */
	if (json_is_integer(g))
		return (int)json_integer_value(g);
	g = json_object_get(json_object_get(p->obj, "spec"), "terminationGracePeriodSeconds");
	return json_is_integer(g) ? (int)json_integer_value(g) : 30;
}

/* What of the Pod's spec the agent cannot honour, or NULL. */
static const char *agent_pod_unsupported(const json_t *pod)
{
	json_t *spec = json_object_get(pod, "spec");

	if (json_array_size(json_object_get(spec, "initContainers")))
		return "initContainers are";
	if (json_array_size(json_object_get(spec, "ephemeralContainers")))
		return "ephemeralContainers are";
	if (json_is_true(json_object_get(spec, "hostNetwork")))
		return "hostNetwork Pods are";
	if (json_array_size(json_object_get(spec, "containers")) > AGENT_MAX_CONTAINERS)
		return "more than 16 containers are";
	return NULL;
}

/* 1 when the server holds the status the agent would write now (nothing in
 * flight, nothing to retry); otherwise starts or waits for that write. */
static int agent_pod_status_sent(agent_pod *p)
{
	json_t *st;
	int same;

	agent_api_status(p);
	if (p->status_req || p->api_retry || !p->sent)
		return 0;
	st = agent_pod_status(p);
	same = st && json_equal(st, p->sent);
	json_decref(st);
	return same;
}

/* Returns 1 when p was freed. */
static int agent_pod_sync(agent_pod *p)
{
	agent *a = p->a;
	const char *why;
	int rc;

	if (!p->obj && !a->pods_synced)
		return 0; /* adopted; wait for the API's word */
	if (!p->obj)
		p->gone = 1;
	if (p->gone || agent_jstr(p->obj, "metadata", "deletionTimestamp")) {
		int grace = agent_pod_grace(p);

		if (p->state != AGENT_POD_STOPPING && p->obj && agent_ctrs_running(p))
			agent_api_event(a, p->obj, "Normal", "Killing",
			                "Stopping pod (grace period %d s)", grace);
		p->state = AGENT_POD_STOPPING;
		/* again on every sync: a second delete with a shorter grace period
		 * shortens it (runner_stop never lengthens one) */
		agent_ctrs_stop(p, grace);
		if (agent_ctrs_running(p)) {
			agent_api_status(p);
			return 0;
		}
		if (p->gone) {
			agent_pod_finish_delete(p);
			return 1;
		}
		/* The terminal status goes first, as the kubelet writes it: a Pod
		 * held by a finalizer shows how it ended. */
		if (!p->confirmed && agent_pod_status_sent(p))
			agent_pod_finish_delete(p);
		return 0;
	}
	if (p->state == AGENT_POD_NEW) {
		rc = agent_pod_admit(p);
		if (rc == 0 && (why = agent_pod_unsupported(p->obj))) {
			/* Running it without that would break the Pod's contract, so
			 * say no plainly. */
			snprintf(p->reason, sizeof(p->reason), "UnsupportedPodSpec");
			snprintf(p->message, sizeof(p->message),
			         "Pod was rejected: %s not supported by the svcnet agent yet", why);
			rc = 1;
		}
		if (rc > 0) {
			p->state = AGENT_POD_REJECTED;
			p->rejected = 1;
			/* the Event says it without the status's prefix */
			const char *m = p->message;

			if (!strncmp(m, HOSTPORT_REJECT_PREFIX, strlen(HOSTPORT_REJECT_PREFIX)))
				m += strlen(HOSTPORT_REJECT_PREFIX);
			agent_api_event(a, p->obj, "Warning", p->reason, "%s", m);
		} else {
			p->state = AGENT_POD_RUNNING;
			p->start_time = time(NULL);
		}
	}
	if ((p->state == AGENT_POD_RUNNING || p->state == AGENT_POD_FINISHED) && !p->ctrs_inited)
		agent_ctrs_init(p);
	if (!a->have_cidr && p->nips)
		return 0; /* adopted: its network is checked (and its status said) once
		             the node's pod CIDR is back */
	if (p->state == AGENT_POD_RUNNING && !p->sandbox && !p->net_released && a->have_cidr &&
	    !p->sandbox_timer) {
		if (agent_sandbox_setup(p) < 0) {
			long long ms = AGENT_SANDBOX_RETRY_MIN_MS
			               << (p->sandbox_failures < 5 ? p->sandbox_failures : 5);

			if (ms > AGENT_SANDBOX_RETRY_MAX_MS)
				ms = AGENT_SANDBOX_RETRY_MAX_MS;
			if (p->sandbox_failures++ == 0)
				agent_api_event(a, p->obj, "Warning", "FailedCreatePodSandBox",
				                "Failed to create pod sandbox: %s", p->sandbox_err);
			p->sandbox_timer = ev_timer_add(a->loop, ms, agent_sandbox_retry, p);
		}
	}
	if (p->state == AGENT_POD_RUNNING && p->sandbox) {
		agent_ctrs_sync(p);
		if (agent_ctrs_all_done(p)) {
			p->state = AGENT_POD_FINISHED;
			agent_sandbox_release(p);
			agent_state_save(p);
		}
	}
	agent_api_status(p);
	return 0;
}

json_t *agent_pod_status(agent_pod *p)
{
	struct podstatus_container cs[AGENT_MAX_CONTAINERS];
	struct podstatus_pod in = {0};

	for (int i = 0; i < p->nctrs; i++) {
		cs[i] = p->ctrs[i].st;
		/* why a container cannot start yet: the sandbox's trouble */
		if (!p->sandbox && p->sandbox_err[0] && cs[i].state == PODSTATUS_WAITING)
			snprintf(cs[i].message, sizeof(cs[i].message), "%s", p->sandbox_err);
	}
	in.pod = p->obj;
	in.containers = cs;
	in.ncontainers = p->nctrs;
	if (p->nips && !p->rejected) {
		in.pod_ips[0] = p->ip_str[0];
		in.npod_ips = 1;
	}
	in.host_ip = p->a->node_ip;
	in.start_time = p->start_time ? p->start_time : time(NULL);
	in.now = time(NULL);
	in.sandbox_ready = p->sandbox;
	if (p->rejected) { /* also while it is being deleted */
		in.rejected = 1;
		in.phase = "Failed";
		in.reason = p->reason;
		in.message = p->message;
	}
	return podstatus_build(&in);
}

static int agent_pod_has_hostport(const json_t *pod)
{
	json_t *cs = json_object_get(json_object_get(pod, "spec"), "containers"), *c, *pt;
	size_t i, j;

	json_array_foreach (cs, i, c) {
		json_array_foreach (json_object_get(c, "ports"), j, pt) {
			if (json_integer_value(json_object_get(pt, "hostPort")) > 0)
				return 1;
		}
	}
	return 0;
}

/* hostPort forwarding follows the set of running Pods with host ports: the
 * nft tables are rewritten only when that set (uid and IP) changed. */
static void agent_hostports(agent *a)
{
	size_t n = 0, cap = dict_size(a->pods_by_uid) + 1;
	struct hostport_pod *hp = calloc(cap, sizeof(*hp));
	char *sig = NULL, err[256];
	size_t siglen = 0;
	FILE *f = NULL;
	dict_iter it;
	const char *k;
	void *v;
	int rc;

	if (!hp || !(f = open_memstream(&sig, &siglen)))
		goto out;
	dict_iter_init(&it, a->pods_by_uid);
	while (dict_next(&it, &k, &v) && n < cap) {
		agent_pod *p = v;

		/* Stopping Pods keep serving through their grace period. */
		if (!p->obj || !p->sandbox ||
		    (p->state != AGENT_POD_RUNNING && p->state != AGENT_POD_STOPPING) ||
		    !agent_pod_has_hostport(p->obj))
			continue;
		hp[n].pod = p->obj;
		hp[n].pod_ips[0] = p->ip_str[0];
		hp[n].npod_ips = 1;
		n++;
		fprintf(f, "%s=%s;", p->uid, p->ip_str[0]);
	}
	fclose(f);
	f = NULL;
	if (a->hostport_sig && !strcmp(a->hostport_sig, sig)) /* NULL: never synced */
		goto out;
	if ((rc = hostport_sync(hp, n, PODNET_BRIDGE, err, sizeof(err))) < 0) {
		log_error("agent", "hostPort rules: %s", err);
		goto out; /* tried again after the next change */
	}
	log_info("agent", "hostPort rules for %zu pod(s)", n);
	free(a->hostport_sig);
	a->hostport_sig = sig;
	sig = NULL;
out:
	if (f)
		fclose(f);
	free(sig);
	free(hp);
}

static long long agent_sync_queued(ev_loop *l, ev_timer *t, void *data)
{
	agent *a = data;
	size_t n = dict_size(a->pods_by_uid), k = 0;
	char(*uids)[PODNET_UID_MAX + 1];
	uint64_t start;
	dict_iter it;
	const char *key;
	void *v;

	a->sync_timer = NULL;
	if (!n || !(uids = calloc(n, sizeof(*uids))))
		return EV_TIMER_STOP;
	dict_iter_init(&it, a->pods_by_uid);
	while (dict_next(&it, &key, &v)) {
		agent_pod *p = v;

		if (p->sync_queued && k < n) {
			p->sync_queued = 0;
			snprintf(uids[k++], sizeof(uids[0]), "%s", p->uid);
		}
	}
	/* A sync may free its Pod, so look each one up again. A burst (100 Pods
	 * created at once) is worked off in slices of AGENT_SYNC_SLICE_MS: the
	 * rest is queued again for the next loop turn, so the status writes and
	 * watch events of Pods already started move meanwhile instead of all
	 * waiting for the last Pod. */
	start = ev_clock_ms();
	for (size_t i = 0; i < k; i++) {
		agent_pod *p = dict_get(a->pods_by_uid, uids[i]);

		if (!p)
			continue;
		if (ev_clock_ms() - start >= AGENT_SYNC_SLICE_MS) {
			agent_pod_queue(p);
			continue;
		}
		agent_pod_sync(p);
	}
	free(uids);
	if (a->have_cidr)
		agent_hostports(a);
	return EV_TIMER_STOP;
}

void agent_pod_queue(agent_pod *p)
{
	agent *a = p->a;

	p->sync_queued = 1;
	if (!a->sync_timer && !a->stopping)
		a->sync_timer = ev_timer_add(a->loop, 0, agent_sync_queued, a);
}

void agent_pod_event(agent *a, json_t *obj, int deleted)
{
	const char *uid = agent_jstr(obj, "metadata", "uid");
	const char *ns = agent_jstr(obj, "metadata", "namespace");
	const char *name = agent_jstr(obj, "metadata", "name");
	const char *node = agent_jstr(obj, "spec", "nodeName");
	agent_pod *p;

	if (!uid || !ns || !name)
		return;
	p = dict_get(a->pods_by_uid, uid);
	if (!p) {
		const char *phase = agent_jstr(obj, "status", "phase");

		/* Finished Pods of an earlier agent run need nothing more. */
		if (deleted || !node || strcmp(node, a->cfg.node_name) ||
		    (phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"))))
			return;
		if (!(p = agent_pod_new(a, uid, ns, name))) {
			log_error("agent", "pod %s/%s: cannot track it (uid %.40s)", ns, name, uid);
			return;
		}
		log_info("agent", "pod %s/%s bound here", ns, name);
	}
	if (!deleted) {
		json_decref(p->obj);
		p->obj = json_incref(obj);
	} else {
		p->gone = 1;
	}
	agent_pod_queue(p);
}

static void agent_ipam_gc_one(const net_addr *addr, const char *owner, void *arg)
{
	agent *a = arg;
	char s[NET_ADDR_STRLEN];

	if (*owner && dict_get(a->pods_by_uid, owner))
		return;
	net_addr_fmt(addr, s, sizeof(s));
	log_info("agent", "IPAM: %s was held by %s, which is no Pod here: released", s,
	         *owner ? owner : "(unreadable)");
	ipam_release_addr(a->ipam, addr);
}

/* Addresses whose Pods are gone (an agent that died between allocating and
 * recording, Pods deleted while it was down) go back, once both the Pods
 * and the IPAM store are known. */
void agent_ipam_gc(agent *a)
{
	if (a->ipam_gc_done || !a->ipam || !a->pods_synced)
		return;
	a->ipam_gc_done = 1;
	ipam_list(a->ipam, agent_ipam_gc_one, a);
}

void agent_pods_synced(agent *a)
{
	dict_iter it;
	const char *k;
	void *v;

	a->pods_synced = 1;
	agent_ipam_gc(a);
	dict_iter_init(&it, a->pods_by_uid);
	while (dict_next(&it, &k, &v))
		agent_pod_queue(v); /* adopted Pods the API no longer has go now */
}

/* json_equal, with object members whose value is null counted as absent: a
 * patch's "lastProbeTime": null is stored as no member at all (merge-patch
 * semantics), which is no difference. */
static int agent_json_same(const json_t *a, const json_t *b)
{
	const char *k;
	json_t *v;
	size_t i;

	if (json_is_object(a) && json_is_object(b)) {
		json_object_foreach ((json_t *)a, k, v)
			if (!json_is_null(v) && !agent_json_same(v, json_object_get(b, k)))
				return 0;
		json_object_foreach ((json_t *)b, k, v)
			if (!json_is_null(v) && !json_object_get(a, k))
				return 0;
		return 1;
	}
	if (json_is_array(a) && json_is_array(b)) {
		if (json_array_size(a) != json_array_size(b))
			return 0;
		json_array_foreach ((json_t *)a, i, v)
			if (!agent_json_same(v, json_array_get(b, i)))
				return 0;
		return 1;
	}
	return json_equal((json_t *)a, (json_t *)b);
}

/* The kubelet's status manager re-checks the API's copy now and then: if
 * something else changed a Pod's status (a client patching /status, a
 * restored backup), the agent's view is written again. Called from the
 * heartbeat. Only the fields the agent writes are compared. */
void agent_pods_resync(agent *a)
{
	dict_iter it;
	const char *k;
	void *v;

	dict_iter_init(&it, a->pods_by_uid);
	while (dict_next(&it, &k, &v)) {
		agent_pod *p = v;
		json_t *stored = json_object_get(p->obj, "status"), *val;
		const char *key;

		if (!p->sent || p->status_req || p->api_retry || p->gone)
			continue;
		json_object_foreach (p->sent, key, val) {
			if (!agent_json_same(val, json_object_get(stored, key))) {
				log_info("agent",
				         "pod %s/%s: status.%s differs from the agent's; "
				         "writing it again",
				         p->ns, p->name, key);
				json_decref(p->sent);
				p->sent = NULL;
				agent_pod_queue(p);
				break;
			}
		}
	}
}

void agent_pods_queue_all(agent *a)
{
	dict_iter it;
	const char *k;
	void *v;

	dict_iter_init(&it, a->pods_by_uid);
	while (dict_next(&it, &k, &v))
		agent_pod_queue(v);
}
