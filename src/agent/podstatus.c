/*
 * podstatus.c - the Pod status as the kubelet writes it; see podstatus.h.
 *
 * The wording of reasons and messages is the kubelet's (pkg/kubelet/status
 * generate.go), since users and tools match on it ("ContainersNotReady",
 * "containers with unready status: [a b]").
 */
#include "agent/podstatus.h"
#include "lib/rfc3339.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/net.h"

/* ---- small helpers ---- */

static const char *ps_str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* RFC 3339 UTC, or JSON null for 0 (an unset metav1.Time). */
static json_t *ps_time(long long t)
{
	char buf[32];

	if (t <= 0)
		return json_null();
	return json_string(rfc3339_fmt(t, buf, sizeof(buf)));
}

/* Sets o[k] = v (stealing v); a NULL v (ENOMEM) fails. */
static int ps_set(json_t *o, const char *k, json_t *v)
{
	return v ? json_object_set_new(o, k, v) : -1;
}

static int ps_terminal(const char *phase)
{
	return phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"));
}

static const struct podstatus_container *ps_find(const struct podstatus_pod *in, const char *name)
{
	for (int i = 0; in->containers && i < in->ncontainers; i++)
		if (in->containers[i].name && !strcmp(in->containers[i].name, name))
			return &in->containers[i];
	return NULL;
}

static const json_t *ps_old_status(const struct podstatus_pod *in)
{
	const json_t *st = json_object_get(in->pod, "status");

	return json_is_object(st) ? st : NULL;
}

int podstatus_sort_ips(const char *const *in, int n, const char *host_ip, const char *out[2])
{
	net_addr a;
	int fam[2], k = 0;

	fam[0] = host_ip && net_str_family(host_ip) == AF_INET6 ? AF_INET6 : AF_INET;
	fam[1] = fam[0] == AF_INET ? AF_INET6 : AF_INET;
	for (int f = 0; f < 2; f++)
		for (int i = 0; in && i < n; i++)
			if (in[i] && net_addr_parse(in[i], &a) == 0 && a.family == fam[f]) {
				out[k++] = in[i];
				break;
			}
	return k;
}

/* ---- phase (kubelet getPhase, regular containers only) ---- */

const char *podstatus_phase(const struct podstatus_pod *in)
{
	const json_t *spec = in ? json_object_get(in->pod, "spec") : NULL, *c;
	const char *old = in ? ps_str(ps_old_status(in), "phase") : NULL;
	const char *policy = ps_str(spec, "restartPolicy");
	int running = 0, waiting = 0, stopped = 0, succeeded = 0, terminal;
	size_t i;

	if (!in)
		return "Pending";
	/* Pods never leave a terminal phase (generateAPIPodStatus). */
	if (ps_terminal(old))
		return !strcmp(old, "Failed") ? "Failed" : "Succeeded";
	if (in->phase)
		return in->phase;
	if (!policy || !*policy)
		policy = "Always";
	/* The pod worker makes a Pod terminal once it is being deleted and its
	 * containers are stopped; that is the only case the agent has. */
	c = json_object_get(json_object_get(in->pod, "metadata"), "deletionTimestamp");
	terminal = c && !json_is_null(c);
	json_array_foreach (json_object_get(spec, "containers"), i, c) {
		const char *name = ps_str(c, "name");
		const struct podstatus_container *cs = name ? ps_find(in, name) : NULL;

		/* No status yet: the kubelet's default is waiting. */
		if (!cs || cs->state == PODSTATUS_WAITING) {
			if (cs && cs->has_last)
				stopped++;
			else
				waiting++;
		} else if (cs->state == PODSTATUS_RUNNING) {
			running++;
		} else {
			stopped++;
			if (cs->term.exit_code == 0)
				succeeded++;
		}
	}
	if (waiting > 0)
		return "Pending";
	if (running > 0)
		return "Running";
	if (stopped == 0)
		return "Pending";
	if (terminal)
		return stopped == succeeded ? "Succeeded" : "Failed";
	if (!strcmp(policy, "Always"))
		return "Running";
	if (stopped == succeeded)
		return "Succeeded";
	if (!strcmp(policy, "Never"))
		return "Failed";
	return "Running"; /* OnFailure, restarting */
}

/* ---- container statuses ---- */

static json_t *ps_term_json(const struct podstatus_term *t, const char *cid)
{
	json_t *o = json_object();
	const char *reason = t->reason[0] ? t->reason : t->exit_code == 0 ? "Completed" : "Error";

	if (!o || ps_set(o, "exitCode", json_integer(t->exit_code)) < 0 ||
	    (t->signal && ps_set(o, "signal", json_integer(t->signal)) < 0) ||
	    ps_set(o, "reason", json_string(reason)) < 0 ||
	    (t->message[0] && ps_set(o, "message", json_string(t->message)) < 0) ||
	    ps_set(o, "startedAt", ps_time(t->started_at)) < 0 ||
	    ps_set(o, "finishedAt", ps_time(t->finished_at)) < 0 ||
	    (cid && cid[0] && ps_set(o, "containerID", json_string(cid)) < 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *ps_state_json(const struct podstatus_container *cs)
{
	json_t *o = json_object(), *v = NULL;
	const char *k = "waiting";

	if (!o)
		return NULL;
	if (!cs || cs->state == PODSTATUS_WAITING) {
		v = json_object();
		if (v && (ps_set(v, "reason",
		                 json_string(cs && cs->reason[0] ? cs->reason
		                                                 : "ContainerCreating")) < 0 ||
		          (cs && cs->message[0] &&
		           ps_set(v, "message", json_string(cs->message)) < 0))) {
			json_decref(v);
			v = NULL;
		}
	} else if (cs->state == PODSTATUS_RUNNING) {
		k = "running";
		v = json_pack("{s:o*}", "startedAt", ps_time(cs->started_at));
	} else {
		k = "terminated";
		v = ps_term_json(&cs->term, cs->term.container_id[0] ? cs->term.container_id
		                                                     : cs->container_id);
	}
	if (ps_set(o, k, v) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *ps_container_json(const json_t *spec_c, const struct podstatus_container *cs)
{
	const char *name = ps_str(spec_c, "name"), *image = cs && cs->image ? cs->image : NULL;
	int running = cs && cs->state == PODSTATUS_RUNNING;
	json_t *o = json_object(), *last = json_object();

	if (!image)
		image = ps_str(spec_c, "image");
	if (!o || !last) {
		json_decref(o);
		json_decref(last);
		return NULL;
	}
	/* ps_set() consumes its value, on failure too. */
	if (ps_set(o, "name", json_string(name)) < 0 || ps_set(o, "state", ps_state_json(cs)) < 0 ||
	    ps_set(o, "lastState", last) < 0) {
		if (!json_object_get(o, "state"))
			json_decref(last);
		json_decref(o);
		return NULL;
	}
	if (cs && cs->has_last &&
	    ps_set(last, "terminated",
	           ps_term_json(&cs->last,
	                        cs->last.container_id[0] ? cs->last.container_id : NULL)) < 0)
		goto fail;
	/* A container that is not running is neither ready nor started. */
	if (ps_set(o, "ready", json_boolean(running && cs->ready)) < 0 ||
	    ps_set(o, "restartCount", json_integer(cs ? cs->restart_count : 0)) < 0 ||
	    ps_set(o, "image", json_string(image ? image : "")) < 0 ||
	    ps_set(o, "imageID", json_string("")) < 0 ||
	    (cs && cs->container_id[0] &&
	     ps_set(o, "containerID", json_string(cs->container_id)) < 0) ||
	    ps_set(o, "started", json_boolean(running && cs->started)) < 0)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

static int ps_by_name(const void *a, const void *b)
{
	const char *x = ps_str(*(json_t *const *)a, "name"),
	           *y = ps_str(*(json_t *const *)b, "name");

	return strcmp(x ? x : "", y ? y : "");
}

/* One status per named spec container, sorted by name (kubelet
 * SortedContainerStatuses). */
static json_t *ps_container_statuses(const struct podstatus_pod *in)
{
	const json_t *ctrs = json_object_get(json_object_get(in->pod, "spec"), "containers"), *c;
	size_t n = json_array_size(ctrs), k = 0, i;
	json_t **v = calloc(n + 1, sizeof(*v)), *arr = json_array();

	if (!v || !arr)
		goto fail;
	json_array_foreach (ctrs, i, c) {
		const char *name = ps_str(c, "name");

		if (!name)
			continue;
		if (!(v[k] = ps_container_json(c, ps_find(in, name))))
			goto fail;
		k++;
	}
	qsort(v, k, sizeof(*v), ps_by_name);
	for (i = 0; i < k; i++) {
		if (json_array_append_new(arr, v[i]) < 0) {
			v[i] = NULL;
			goto fail;
		}
		v[i] = NULL;
	}
	free(v);
	return arr;
fail:
	for (i = 0; v && i < k; i++)
		json_decref(v[i]);
	free(v);
	json_decref(arr);
	return NULL;
}

/* ---- conditions ---- */

static const char *const ps_kubelet_conds[] = {
    "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled", NULL,
};

static int ps_kubelet_owned(const char *type)
{
	for (int i = 0; ps_kubelet_conds[i]; i++)
		if (!strcmp(type, ps_kubelet_conds[i]))
			return 1;
	return 0;
}

static const json_t *ps_cond_find(const json_t *conds, const char *type)
{
	const json_t *c;
	size_t i;

	json_array_foreach (conds, i, c) {
		const char *t = ps_str(c, "type");

		if (t && !strcmp(t, type))
			return c;
	}
	return NULL;
}

/* Appends a kubelet condition; lastTransitionTime stays the previous one
 * while the status does not change (status manager updateLastTransitionTime). */
static int ps_cond_add(json_t *conds, const struct podstatus_pod *in, long long now,
                       const char *type, int ok, const char *reason, const char *msg)
{
	const json_t *prev = ps_cond_find(json_object_get(ps_old_status(in), "conditions"), type);
	const char *status = ok ? "True" : "False";
	const char *pt = ps_str(prev, "lastTransitionTime"), *ps = ps_str(prev, "status");
	json_t *c = json_object();

	if (!c || ps_set(c, "type", json_string(type)) < 0 ||
	    ps_set(c, "status", json_string(status)) < 0 ||
	    ps_set(c, "lastProbeTime", json_null()) < 0 ||
	    ps_set(c, "lastTransitionTime",
	           pt && ps && !strcmp(ps, status) ? json_string(pt) : ps_time(now)) < 0 ||
	    (reason && ps_set(c, "reason", json_string(reason)) < 0) ||
	    (msg && msg[0] && ps_set(c, "message", json_string(msg)) < 0))
		goto fail;
	return json_array_append_new(conds, c);
fail:
	json_decref(c);
	return -1;
}

/* "[a b]": a Go %s of a []string. */
static void ps_names_append(char *buf, size_t len, const char *name)
{
	size_t l = strlen(buf);

	if (l + 1 < len)
		snprintf(buf + l, len - l, "%s%s", l ? " " : "", name);
}

/* ContainersReady: 1 ready, else 0 with reason/msg set. */
static int ps_containers_ready(const struct podstatus_pod *in, const char *phase,
                               const char **reason, char *msg, size_t mlen)
{
	const json_t *c;
	char names[400] = "";
	size_t i;

	if (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed")) {
		*reason = !strcmp(phase, "Failed") ? "PodFailed" : "PodCompleted";
		return 0;
	}
	json_array_foreach (json_object_get(json_object_get(in->pod, "spec"), "containers"), i, c) {
		const char *name = ps_str(c, "name");
		const struct podstatus_container *cs = name ? ps_find(in, name) : NULL;

		if (name && !(cs && cs->state == PODSTATUS_RUNNING && cs->ready))
			ps_names_append(names, sizeof(names), name);
	}
	if (!names[0])
		return 1;
	*reason = "ContainersNotReady";
	snprintf(msg, mlen, "containers with unready status: [%s]", names);
	return 0;
}

/* Ready adds the readiness gates to ContainersReady; conds is what is known
 * so far (the preserved conditions and the earlier kubelet ones). */
static int ps_gates_ready(const struct podstatus_pod *in, const json_t *conds, char *msg,
                          size_t mlen)
{
	const json_t *g;
	size_t i;

	msg[0] = '\0';
	json_array_foreach (json_object_get(json_object_get(in->pod, "spec"), "readinessGates"), i,
	                    g) {
		const char *t = ps_str(g, "conditionType");
		const json_t *c = t ? ps_cond_find(conds, t) : NULL;
		const char *st = ps_str(c, "status");
		size_t l = strlen(msg);

		if (!t || (st && !strcmp(st, "True")))
			continue;
		if (l + 1 >= mlen)
			break;
		if (!c)
			snprintf(msg + l, mlen - l,
			         "%scorresponding condition of pod readiness gate \"%s\" does not "
			         "exist.",
			         l ? ", " : "", t);
		else
			snprintf(
			    msg + l, mlen - l,
			    "%sthe status of pod readiness gate \"%s\" is not \"True\", but %s",
			    l ? ", " : "", t, st ? st : "");
	}
	return msg[0] == '\0';
}

static json_t *ps_conditions(const struct podstatus_pod *in, const char *phase, long long now)
{
	const json_t *old = json_object_get(ps_old_status(in), "conditions"), *c;
	const char *reason = NULL;
	char msg[512], gmsg[512];
	json_t *conds = json_array();
	int cready;
	size_t i;

	if (!conds)
		return NULL;
	/* Conditions the kubelet does not own (readiness gates set by
	 * controllers, DisruptionTarget) are kept, first. */
	json_array_foreach (old, i, c) {
		const char *t = ps_str(c, "type");

		if (t && !ps_kubelet_owned(t) && json_array_append(conds, (json_t *)c) < 0)
			goto fail;
	}
	msg[0] = '\0';
	cready = ps_containers_ready(in, phase, &reason, msg, sizeof(msg));
	if (ps_cond_add(conds, in, now, "PodReadyToStartContainers", in->sandbox_ready, NULL,
	                NULL) < 0 ||
	    ps_cond_add(conds, in, now, "Initialized", 1,
	                !strcmp(phase, "Succeeded") ? "PodCompleted" : NULL, NULL) < 0)
		goto fail;
	if (!cready) {
		if (ps_cond_add(conds, in, now, "Ready", 0, reason, msg) < 0)
			goto fail;
	} else if (!ps_gates_ready(in, conds, gmsg, sizeof(gmsg))) {
		if (ps_cond_add(conds, in, now, "Ready", 0, "ReadinessGatesNotReady", gmsg) < 0)
			goto fail;
	} else if (ps_cond_add(conds, in, now, "Ready", 1, NULL, NULL) < 0) {
		goto fail;
	}
	if (ps_cond_add(conds, in, now, "ContainersReady", cready, cready ? NULL : reason, msg) <
	        0 ||
	    ps_cond_add(conds, in, now, "PodScheduled", 1, NULL, NULL) < 0)
		goto fail;
	return conds;
fail:
	json_decref(conds);
	return NULL;
}

/* ---- the whole status ---- */

static json_t *ps_ip_list(const char *const *ips, int n)
{
	json_t *a = json_array();

	for (int i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_pack("{s:s}", "ip", ips[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static int ps_start_time(json_t *st, const struct podstatus_pod *in, long long now)
{
	const char *prev = ps_str(ps_old_status(in), "startTime");

	/* The status manager never changes a startTime once set. */
	if (prev && prev[0])
		return ps_set(st, "startTime", json_string(prev));
	return ps_set(st, "startTime", ps_time(in->start_time > 0 ? in->start_time : now));
}

/* reason/message: the given ones, else those of the previous status while
 * the phase stays (generateAPIPodStatus keeps them with the phase). */
static int ps_reason(json_t *st, const struct podstatus_pod *in, const char *phase)
{
	const json_t *old = ps_old_status(in);
	const char *oph = ps_str(old, "phase"), *r = in->reason, *m = in->message;

	if (!r && !m && oph && !strcmp(oph, phase)) {
		r = ps_str(old, "reason");
		m = ps_str(old, "message");
	}
	if (m && m[0] && ps_set(st, "message", json_string(m)) < 0)
		return -1;
	if (r && r[0] && ps_set(st, "reason", json_string(r)) < 0)
		return -1;
	return 0;
}

json_t *podstatus_build(const struct podstatus_pod *in)
{
	long long now;
	const char *phase, *ips[2];
	const json_t *spec;
	json_t *st;
	int nips;

	if (!in || !in->pod)
		return NULL;
	now = in->now > 0 ? in->now : (long long)time(NULL);
	phase = in->rejected ? "Failed" : podstatus_phase(in);
	spec = json_object_get(in->pod, "spec");
	if (!(st = json_object()) || ps_set(st, "phase", json_string(phase)) < 0)
		goto fail;
	if (in->rejected) {
		/* kubelet rejectPod: only these, and the conditions it does not own. */
		json_t *keep = json_array();
		const json_t *c;
		size_t i;

		json_array_foreach (json_object_get(ps_old_status(in), "conditions"), i, c) {
			const char *t = ps_str(c, "type");

			if (keep && t && !ps_kubelet_owned(t) &&
			    json_array_append(keep, (json_t *)c) < 0)
				json_decref(keep), keep = NULL;
		}
		if (ps_set(st, "conditions", keep) < 0 || ps_reason(st, in, phase) < 0 ||
		    ps_start_time(st, in, now) < 0 ||
		    ps_set(st, "qosClass", json_string(podstatus_qos_class(in->pod))) < 0)
			goto fail;
		if (!json_array_size(keep))
			json_object_del(st, "conditions");
		return st;
	}
	if (ps_set(st, "conditions", ps_conditions(in, phase, now)) < 0 ||
	    ps_reason(st, in, phase) < 0)
		goto fail;
	if (in->host_ip && in->host_ip[0] &&
	    (ps_set(st, "hostIP", json_string(in->host_ip)) < 0 ||
	     ps_set(st, "hostIPs", ps_ip_list(&in->host_ip, 1)) < 0))
		goto fail;
	/* Host-network Pods have the node's IPs. */
	if (in->npod_ips > 0)
		nips = podstatus_sort_ips(in->pod_ips, in->npod_ips > 2 ? 2 : in->npod_ips,
		                          in->host_ip, ips);
	else if (json_is_true(json_object_get(spec, "hostNetwork")) && in->host_ip)
		nips = podstatus_sort_ips(&in->host_ip, 1, in->host_ip, ips);
	else
		nips = 0;
	if (nips > 0 && (ps_set(st, "podIP", json_string(ips[0])) < 0 ||
	                 ps_set(st, "podIPs", ps_ip_list(ips, nips)) < 0))
		goto fail;
	if (ps_start_time(st, in, now) < 0 ||
	    ps_set(st, "containerStatuses", ps_container_statuses(in)) < 0 ||
	    ps_set(st, "qosClass", json_string(podstatus_qos_class(in->pod))) < 0)
		goto fail;
	return st;
fail:
	json_decref(st);
	return NULL;
}

json_t *podstatus_patch(const json_t *old_status, json_t *new_status)
{
	json_t *st, *body;
	const char *k;
	json_t *v;

	if (!new_status || !(st = json_deep_copy(new_status)))
		return NULL;
	json_object_foreach ((json_t *)old_status, k, v) {
		if (!json_object_get(st, k) && json_object_set_new(st, k, json_null()) < 0) {
			json_decref(st);
			return NULL;
		}
	}
	body = json_object();
	if (!body || json_object_set_new(body, "status", st) < 0) {
		json_decref(body);
		return NULL;
	}
	return body;
}
