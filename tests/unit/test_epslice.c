/* test_epslice.c - EndpointSlice reconciliation and the Endpoints mirror. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "controllers/epslice.h"
#include "unit.h"

/* ---- fixtures ---- */

static json_t *svc_new(const char *spec_extra)
{
	json_t *s =
	    json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:{s:s}}, s:{s:s, s:{s:s}, s:[{s:s, "
	              "s:s, s:i, s:i}], s:[s]}}",
	              "apiVersion", "v1", "kind", "Service", "metadata", "name", "web", "namespace",
	              "default", "uid", "svc-uid", "labels", "team", "a", "spec", "clusterIP",
	              "10.96.0.10", "selector", "app", "web", "ports", "name", "http", "protocol",
	              "TCP", "port", 80, "targetPort", 8080, "ipFamilies", "IPv4");

	if (spec_extra) {
		json_t *x = json_loads(spec_extra, 0, NULL);

		json_object_update(json_object_get(s, "spec"), x);
		json_decref(x);
	}
	return s;
}

static json_t *pod_new(const char *name, const char *ip, int ready)
{
	char uid[64];

	snprintf(uid, sizeof(uid), "uid-%s", name);
	return json_pack(
	    "{s:s, s:s, s:{s:s, s:s, s:s, s:{s:s}}, s:{s:s, s:[{s:s, s:[{s:s, s:i}]}]},"
	    " s:{s:s, s:s, s:[{s:s}], s:[{s:s, s:s}]}}",
	    "apiVersion", "v1", "kind", "Pod", "metadata", "name", name, "namespace", "default",
	    "uid", uid, "labels", "app", "web", "spec", "nodeName", "n1", "containers", "name", "c",
	    "ports", "name", "http", "containerPort", 8080, "status", "phase", "Running", "podIP",
	    ip, "podIPs", "ip", ip, "conditions", "type", "Ready", "status",
	    ready ? "True" : "False");
}

static json_t *pods_n(size_t n)
{
	json_t *a = json_array();
	char name[32], ip[32];

	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "p%zu", i);
		snprintf(ip, sizeof(ip), "10.1.%zu.%zu", i / 250, i % 250 + 1);
		json_array_append_new(a, pod_new(name, ip, 1));
	}
	return a;
}

static json_t *pod_find(json_t *pods, const char *name)
{
	size_t i;
	json_t *p;

	json_array_foreach (pods, i, p) {
		if (strcmp(
		        json_string_value(json_object_get(json_object_get(p, "metadata"), "name")),
		        name) == 0)
			return p;
	}
	return NULL;
}

static void pod_set_ready(json_t *pod, int ready)
{
	json_t *c =
	    json_array_get(json_object_get(json_object_get(pod, "status"), "conditions"), 0);

	json_object_set_new(c, "status", json_string(ready ? "True" : "False"));
}

static void pod_set_deleting(json_t *pod)
{
	json_object_set_new(json_object_get(pod, "metadata"), "deletionTimestamp",
	                    json_string("2026-01-01T00:00:00Z"));
}

/* A minimal apiserver for slices: names creates, bumps resourceVersions, deletes. */
static int apply(json_t *store, const json_t *actions)
{
	static int serial, rv = 100;
	size_t i, j;
	json_t *a, *s;
	char buf[64];

	json_array_foreach (actions, i, a) {
		const char *op = json_string_value(json_object_get(a, "op"));
		json_t *obj = json_deep_copy(json_object_get(a, "object"));
		json_t *meta = json_object_get(obj, "metadata");
		const char *name = json_string_value(json_object_get(meta, "name"));
		int found = -1;

		json_array_foreach (store, j, s) {
			if (name && strcmp(json_string_value(json_object_get(
			                       json_object_get(s, "metadata"), "name")),
			                   name) == 0)
				found = (int)j;
		}
		snprintf(buf, sizeof(buf), "%d", ++rv);
		if (strcmp(op, "create") == 0) {
			if (name || json_object_get(meta, "resourceVersion"))
				return -1;
			snprintf(buf, sizeof(buf), "%s%d",
			         json_string_value(json_object_get(meta, "generateName")),
			         ++serial);
			json_object_set_new(meta, "name", json_string(buf));
			snprintf(buf, sizeof(buf), "%d", ++rv);
			json_object_set_new(meta, "resourceVersion", json_string(buf));
			json_array_append_new(store, obj);
		} else if (strcmp(op, "update") == 0) {
			const char *orv =
			    json_string_value(json_object_get(meta, "resourceVersion"));
			const char *srv =
			    found < 0
			        ? NULL
			        : json_string_value(json_object_get(
			              json_object_get(json_array_get(store, found), "metadata"),
			              "resourceVersion"));
			if (found < 0 || !orv || !srv || strcmp(orv, srv) != 0)
				return -1; /* updates must carry the current resourceVersion */
			json_object_set_new(meta, "resourceVersion", json_string(buf));
			json_array_set_new(store, (size_t)found, obj);
		} else {
			json_decref(obj);
			if (found < 0)
				return -1;
			json_array_remove(store, (size_t)found);
		}
	}
	return 0;
}

static size_t count_op(const json_t *actions, const char *op)
{
	size_t i, n = 0;
	json_t *a;

	json_array_foreach (actions, i, a)
		n += strcmp(json_string_value(json_object_get(a, "op")), op) == 0;
	return n;
}

static json_t *obj_of(const json_t *actions, size_t i)
{
	return json_object_get(json_array_get(actions, i), "object");
}

static json_t *eps_of(const json_t *slice)
{
	return json_object_get(slice, "endpoints");
}

static json_t *ep_in(const json_t *slice, const char *pod)
{
	size_t j;
	json_t *e;

	json_array_foreach (eps_of(slice), j, e) {
		const char *n =
		    json_string_value(json_object_get(json_object_get(e, "targetRef"), "name"));
		if (n && strcmp(n, pod) == 0)
			return e;
	}
	return NULL;
}

static json_t *ep_by_pod(const json_t *slices, const char *pod)
{
	size_t i;
	json_t *s, *e;

	json_array_foreach (slices, i, s) {
		if ((e = ep_in(s, pod)))
			return e;
	}
	return NULL;
}

static int cond(const json_t *ep, const char *c)
{
	return json_is_true(json_object_get(json_object_get(ep, "conditions"), c));
}

/* Reconciles and applies until nothing is left to do; returns the rounds used. */
static int converge(const json_t *svc, const json_t *pods, json_t *store, int opts_max)
{
	struct epslice_opts o = {.max_per_slice = opts_max};

	for (int round = 0; round < 5; round++) {
		json_t *act;

		if (epslice_reconcile(svc, pods, store, &o, &act) < 0)
			return -1;
		if (json_array_size(act) == 0) {
			json_decref(act);
			return round;
		}
		int rc = apply(store, act);
		json_decref(act);
		if (rc < 0)
			return -1;
	}
	return -1;
}

/* ---- EndpointSlices ---- */

UNIT_TEST(epslice_new_service_three_pods)
{
	json_t *svc = svc_new(NULL), *pods = json_array(), *act, *store = json_array();

	json_array_append_new(pods, pod_new("c", "10.1.0.3", 1));
	json_array_append_new(pods, pod_new("a", "10.1.0.10", 1));
	json_array_append_new(pods, pod_new("b", "10.1.0.2", 1));
	CHECK_INT(epslice_reconcile(svc, pods, store, NULL, &act), 0);
	CHECK_INT(json_array_size(act), 1);
	CHECK_INT(count_op(act, "create"), 1);
	json_t *s = obj_of(act, 0), *meta = json_object_get(s, "metadata");
	CHECK_STR(json_string_value(json_object_get(s, "apiVersion")), "discovery.k8s.io/v1");
	CHECK_STR(json_string_value(json_object_get(s, "kind")), "EndpointSlice");
	CHECK_STR(json_string_value(json_object_get(meta, "generateName")), "web-");
	CHECK(json_object_get(meta, "name") == NULL);
	CHECK(json_object_get(meta, "resourceVersion") == NULL);
	CHECK_STR(json_string_value(json_object_get(meta, "namespace")), "default");
	json_t *l = json_object_get(meta, "labels");
	CHECK_STR(json_string_value(json_object_get(l, "kubernetes.io/service-name")), "web");
	CHECK_STR(json_string_value(json_object_get(l, "endpointslice.kubernetes.io/managed-by")),
	          "endpointslice-controller.k8s.io");
	CHECK_STR(json_string_value(json_object_get(l, "team")), "a");
	CHECK(json_object_get(l, "service.kubernetes.io/headless") == NULL);
	json_t *own = json_array_get(json_object_get(meta, "ownerReferences"), 0);
	CHECK_STR(json_string_value(json_object_get(own, "kind")), "Service");
	CHECK_STR(json_string_value(json_object_get(own, "apiVersion")), "v1");
	CHECK_STR(json_string_value(json_object_get(own, "uid")), "svc-uid");
	CHECK(json_is_true(json_object_get(own, "controller")));
	CHECK(json_is_true(json_object_get(own, "blockOwnerDeletion")));
	CHECK_STR(json_string_value(json_object_get(s, "addressType")), "IPv4");
	json_t *port = json_array_get(json_object_get(s, "ports"), 0);
	CHECK_STR(json_string_value(json_object_get(port, "name")), "http");
	CHECK_STR(json_string_value(json_object_get(port, "protocol")), "TCP");
	CHECK_INT(json_integer_value(json_object_get(port, "port")), 8080);
	CHECK_INT(json_array_size(eps_of(s)), 3);
	/* ordered by address, numerically */
	CHECK_STR(json_string_value(json_array_get(
	              json_object_get(json_array_get(eps_of(s), 0), "addresses"), 0)),
	          "10.1.0.2");
	CHECK_STR(json_string_value(json_array_get(
	              json_object_get(json_array_get(eps_of(s), 2), "addresses"), 0)),
	          "10.1.0.10");
	json_t *e = json_array_get(eps_of(s), 0);
	CHECK(cond(e, "ready") && cond(e, "serving") && !cond(e, "terminating"));
	CHECK_STR(json_string_value(json_object_get(e, "nodeName")), "n1");
	json_t *ref = json_object_get(e, "targetRef");
	CHECK_STR(json_string_value(json_object_get(ref, "kind")), "Pod");
	CHECK_STR(json_string_value(json_object_get(ref, "name")), "b");
	CHECK_STR(json_string_value(json_object_get(ref, "namespace")), "default");
	CHECK_STR(json_string_value(json_object_get(ref, "uid")), "uid-b");
	CHECK(json_object_get(e, "hostname") == NULL);

	/* the created slice, read back, needs nothing more */
	CHECK_INT(apply(store, act), 0);
	json_decref(act);
	CHECK_INT(epslice_reconcile(svc, pods, store, NULL, &act), 0);
	CHECK_INT(json_array_size(act), 0);
	json_decref(act);
	/* a pod update that only bumps its resourceVersion changes nothing either */
	json_t *stored_ep = json_array_get(eps_of(json_array_get(store, 0)), 0);
	json_object_set_new(json_object_get(stored_ep, "targetRef"), "resourceVersion",
	                    json_string("77"));
	CHECK_INT(epslice_reconcile(svc, pods, store, NULL, &act), 0);
	CHECK_INT(json_array_size(act), 0);
	json_decref(act);
	json_decref(svc);
	json_decref(pods);
	json_decref(store);
}

UNIT_TEST(epslice_pod_unready_updates_in_place)
{
	json_t *svc = svc_new(NULL), *pods = pods_n(3), *store = json_array(), *act;

	CHECK_INT(converge(svc, pods, store, 0), 1);
	const char *rv = json_string_value(json_object_get(
	    json_object_get(json_array_get(store, 0), "metadata"), "resourceVersion"));
	char rvcopy[32];
	snprintf(rvcopy, sizeof(rvcopy), "%s", rv);
	pod_set_ready(pod_find(pods, "p1"), 0);
	CHECK_INT(epslice_reconcile(svc, pods, store, NULL, &act), 0);
	CHECK_INT(json_array_size(act), 1);
	CHECK_INT(count_op(act, "update"), 1);
	json_t *meta = json_object_get(obj_of(act, 0), "metadata");
	CHECK_STR(json_string_value(json_object_get(meta, "name")),
	          json_string_value(json_object_get(
	              json_object_get(json_array_get(store, 0), "metadata"), "name")));
	CHECK_STR(json_string_value(json_object_get(meta, "resourceVersion")), rvcopy);
	json_t *e = ep_in(obj_of(act, 0), "p1");
	CHECK(e != NULL);
	CHECK(!cond(e, "ready") && !cond(e, "serving") && !cond(e, "terminating"));
	CHECK(cond(ep_in(obj_of(act, 0), "p0"), "ready"));
	CHECK_INT(json_array_size(eps_of(obj_of(act, 0))), 3);
	CHECK_INT(apply(store, act), 0);
	json_decref(act);
	CHECK_INT(converge(svc, pods, store, 0), 0);
	json_decref(svc);
	json_decref(pods);
	json_decref(store);
}

UNIT_TEST(epslice_terminating_pods)
{
	json_t *svc = svc_new(NULL), *pods = pods_n(2), *store = json_array();

	pod_set_deleting(pod_find(pods, "p0"));
	pod_set_deleting(pod_find(pods, "p1"));
	pod_set_ready(pod_find(pods, "p1"), 0);
	CHECK_INT(converge(svc, pods, store, 0), 1);
	json_t *e0 = ep_by_pod(store, "p0"), *e1 = ep_by_pod(store, "p1");
	CHECK(e0 && e1);
	/* still serving while it drains, but never "ready" */
	CHECK(!cond(e0, "ready") && cond(e0, "serving") && cond(e0, "terminating"));
	CHECK(!cond(e1, "ready") && !cond(e1, "serving") && cond(e1, "terminating"));
	json_decref(store);

	/* terminal pods and pods without an IP are not endpoints at all */
	store = json_array();
	json_object_set_new(json_object_get(pod_find(pods, "p0"), "status"), "phase",
	                    json_string("Succeeded"));
	json_object_del(json_object_get(pod_find(pods, "p1"), "status"), "podIP");
	json_object_del(json_object_get(pod_find(pods, "p1"), "status"), "podIPs");
	CHECK_INT(converge(svc, pods, store, 0), 1);
	CHECK_INT(json_array_size(store), 1);
	CHECK_INT(json_array_size(eps_of(json_array_get(store, 0))), 0);
	json_decref(svc);
	json_decref(pods);
	json_decref(store);
}

UNIT_TEST(epslice_publish_not_ready)
{
	json_t *svc = svc_new("{\"publishNotReadyAddresses\":true}"), *pods = pods_n(2);
	json_t *store = json_array();

	pod_set_ready(pod_find(pods, "p0"), 0);
	pod_set_deleting(pod_find(pods, "p1"));
	CHECK_INT(converge(svc, pods, store, 0), 1);
	json_t *e0 = ep_by_pod(store, "p0"), *e1 = ep_by_pod(store, "p1");
	CHECK(cond(e0, "ready") && !cond(e0, "serving"));
	CHECK(cond(e1, "ready") && cond(e1, "serving") && cond(e1, "terminating"));
	json_decref(svc);
	json_decref(pods);
	json_decref(store);
}

UNIT_TEST(epslice_named_target_port_groups)
{
	json_t *svc = svc_new("{\"ports\":[{\"name\":\"http\",\"port\":80,\"targetPort\":\"web\","
	                      "\"appProtocol\":\"http\"}]}");
	json_t *pods = pods_n(3), *store = json_array();
	json_t *c = json_array_get(
	    json_object_get(json_object_get(pod_find(pods, "p0"), "spec"), "containers"), 0);
	json_object_set_new(c, "ports",
	                    json_pack("[{s:s, s:i}]", "name", "web", "containerPort", 8080));
	c = json_array_get(
	    json_object_get(json_object_get(pod_find(pods, "p1"), "spec"), "containers"), 0);
	json_object_set_new(c, "ports",
	                    json_pack("[{s:s, s:i}]", "name", "web", "containerPort", 9090));
	/* p2 has no port named "web": it lands in a slice without that port */
	CHECK_INT(converge(svc, pods, store, 0), 1);
	CHECK_INT(json_array_size(store), 3);
	int seen8080 = 0, seen9090 = 0, seen_none = 0;
	size_t i;
	json_t *s;
	json_array_foreach (store, i, s) {
		json_t *ports = json_object_get(s, "ports");

		CHECK_INT(json_array_size(eps_of(s)), 1);
		if (json_array_size(ports) == 0) {
			seen_none = 1;
			CHECK(ep_in(s, "p2") != NULL);
			continue;
		}
		json_int_t n =
		    json_integer_value(json_object_get(json_array_get(ports, 0), "port"));
		CHECK_STR(
		    json_string_value(json_object_get(json_array_get(ports, 0), "appProtocol")),
		    "http");
		seen8080 |= n == 8080;
		seen9090 |= n == 9090;
	}
	CHECK(seen8080 && seen9090 && seen_none);

	/* a restartable init container (sidecar) serves named ports too */
	json_object_set_new(json_object_get(pod_find(pods, "p2"), "spec"), "initContainers",
	                    json_pack("[{s:s, s:s, s:[{s:s, s:i}]}]", "name", "side",
	                              "restartPolicy", "Always", "ports", "name", "web",
	                              "containerPort", 8080));
	CHECK_INT(converge(svc, pods, store, 0), 1);
	CHECK_INT(json_array_size(store), 2);
	json_decref(svc);
	json_decref(pods);
	json_decref(store);
}

UNIT_TEST(epslice_250_pods_three_slices)
{
	json_t *svc = svc_new(NULL), *pods = pods_n(250), *store = json_array(), *act;
	size_t i, total = 0;
	json_t *s;

	CHECK_INT(epslice_reconcile(svc, pods, store, NULL, &act), 0);
	CHECK_INT(count_op(act, "create"), 3);
	json_array_foreach (act, i, s) {
		size_t n = json_array_size(eps_of(json_object_get(s, "object")));

		CHECK(n <= 100);
		total += n;
	}
	CHECK_INT(total, 250);
	CHECK_INT(apply(store, act), 0);
	json_decref(act);
	CHECK_INT(converge(svc, pods, store, 0), 0);

	/* one pod leaves a full slice: that slice alone is rewritten */
	json_t *first = json_array_get(eps_of(json_array_get(store, 0)), 5);
	const char *gone =
	    json_string_value(json_object_get(json_object_get(first, "targetRef"), "name"));
	char name[32];
	snprintf(name, sizeof(name), "%s", gone);
	for (i = 0; i < json_array_size(pods); i++) {
		if (json_array_get(pods, i) == pod_find(pods, name)) {
			json_array_remove(pods, i);
			break;
		}
	}
	CHECK_INT(epslice_reconcile(svc, pods, store, NULL, &act), 0);
	CHECK_INT(json_array_size(act), 1);
	CHECK_INT(count_op(act, "update"), 1);
	CHECK_STR(
	    json_string_value(json_object_get(json_object_get(obj_of(act, 0), "metadata"), "name")),
	    json_string_value(
	        json_object_get(json_object_get(json_array_get(store, 0), "metadata"), "name")));
	CHECK_INT(json_array_size(eps_of(obj_of(act, 0))), 99);
	json_decref(act);

	/* the same world always gives the same writes */
	json_t *a1, *a2;
	CHECK_INT(epslice_reconcile(svc, pods, store, NULL, &a1), 0);
	CHECK_INT(epslice_reconcile(svc, pods, store, NULL, &a2), 0);
	CHECK(json_equal(a1, a2));
	json_decref(a1);
	json_decref(a2);
	json_decref(svc);
	json_decref(pods);
	json_decref(store);
}

UNIT_TEST(epslice_fill_existing_before_creating)
{
	json_t *svc = svc_new(NULL), *pods = pods_n(8), *store = json_array(), *act;
	struct epslice_opts o = {.max_per_slice = 10};

	CHECK_INT(converge(svc, pods, store, 10), 1);
	json_array_append_new(pods, pod_new("new1", "10.9.0.1", 1));
	json_array_append_new(pods, pod_new("new2", "10.9.0.2", 1));
	CHECK_INT(epslice_reconcile(svc, pods, store, &o, &act), 0);
	CHECK_INT(json_array_size(act), 1);
	CHECK_INT(count_op(act, "update"), 1);
	CHECK_INT(json_array_size(eps_of(obj_of(act, 0))), 10);
	CHECK_INT(apply(store, act), 0);
	json_decref(act);
	/* one more does not fit: a new slice */
	json_array_append_new(pods, pod_new("new3", "10.9.0.3", 1));
	CHECK_INT(epslice_reconcile(svc, pods, store, &o, &act), 0);
	CHECK_INT(json_array_size(act), 1);
	CHECK_INT(count_op(act, "create"), 1);
	CHECK_INT(json_array_size(eps_of(obj_of(act, 0))), 1);
	json_decref(act);
	json_decref(svc);
	json_decref(pods);
	json_decref(store);
}

UNIT_TEST(epslice_no_pods_keeps_one_placeholder)
{
	json_t *svc = svc_new(NULL), *pods = json_array(), *store = json_array(), *act;

	CHECK_INT(epslice_reconcile(svc, pods, store, NULL, &act), 0);
	CHECK_INT(json_array_size(act), 1);
	CHECK_INT(count_op(act, "create"), 1);
	CHECK_INT(json_array_size(eps_of(obj_of(act, 0))), 0);
	CHECK(json_is_array(eps_of(obj_of(act, 0))));
	CHECK_INT(json_array_size(json_object_get(obj_of(act, 0), "ports")), 0);
	CHECK_INT(apply(store, act), 0);
	json_decref(act);
	CHECK_INT(converge(svc, pods, store, 0), 0);

	/* pods arrive: the placeholder has other ports, so a real slice replaces it,
	 * as an update of the placeholder rather than a create plus a delete */
	json_t *more = pods_n(2);
	CHECK_INT(epslice_reconcile(svc, more, store, NULL, &act), 0);
	CHECK_INT(json_array_size(act), 1);
	CHECK_INT(count_op(act, "update"), 1);
	CHECK_INT(json_array_size(eps_of(obj_of(act, 0))), 2);
	CHECK(json_object_get(json_object_get(obj_of(act, 0), "metadata"), "generateName") == NULL);
	CHECK_INT(apply(store, act), 0);
	json_decref(act);
	/* and when they leave again the slice turns back into the placeholder */
	CHECK_INT(epslice_reconcile(svc, pods, store, NULL, &act), 0);
	CHECK_INT(json_array_size(act), 1);
	CHECK_INT(count_op(act, "update"), 1);
	CHECK_INT(json_array_size(eps_of(obj_of(act, 0))), 0);
	CHECK_INT(apply(store, act), 0);
	json_decref(act);
	CHECK_INT(converge(svc, pods, store, 0), 0);
	CHECK_INT(json_array_size(store), 1);
	json_decref(more);
	json_decref(svc);
	json_decref(pods);
	json_decref(store);
}

UNIT_TEST(epslice_headless_hostname)
{
	json_t *svc = svc_new("{\"clusterIP\":\"None\",\"ports\":[]}"), *pods = pods_n(2);
	json_t *store = json_array();
	json_t *spec = json_object_get(pod_find(pods, "p0"), "spec");

	json_object_set_new(spec, "hostname", json_string("db-0"));
	json_object_set_new(spec, "subdomain", json_string("web"));
	json_object_set_new(json_object_get(pod_find(pods, "p1"), "spec"), "hostname",
	                    json_string("db-1")); /* no subdomain: no hostname */
	CHECK_INT(converge(svc, pods, store, 0), 1);
	CHECK_INT(json_array_size(store), 1);
	json_t *s = json_array_get(store, 0);
	CHECK_STR(json_string_value(
	              json_object_get(json_object_get(json_object_get(s, "metadata"), "labels"),
	                              "service.kubernetes.io/headless")),
	          "");
	CHECK_INT(json_array_size(json_object_get(s, "ports")), 0);
	CHECK_STR(json_string_value(json_object_get(ep_by_pod(store, "p0"), "hostname")), "db-0");
	CHECK(json_object_get(ep_by_pod(store, "p1"), "hostname") == NULL);
	json_decref(svc);
	json_decref(pods);
	json_decref(store);
}

UNIT_TEST(epslice_dual_stack)
{
	json_t *svc = svc_new("{\"ipFamilies\":[\"IPv4\",\"IPv6\"]}"), *pods = pods_n(2);
	json_t *store = json_array(), *act;
	size_t i;
	json_t *p;

	json_array_foreach (pods, i, p) {
		char ip6[64];

		snprintf(ip6, sizeof(ip6), "fd00:0:0:0::%zx", i + 1);
		json_array_append_new(json_object_get(json_object_get(p, "status"), "podIPs"),
		                      json_pack("{s:s}", "ip", ip6));
	}
	CHECK_INT(epslice_reconcile(svc, pods, store, NULL, &act), 0);
	CHECK_INT(count_op(act, "create"), 2);
	CHECK_STR(json_string_value(json_object_get(obj_of(act, 0), "addressType")), "IPv4");
	CHECK_STR(json_string_value(json_object_get(obj_of(act, 1), "addressType")), "IPv6");
	json_t *e6 = json_array_get(eps_of(obj_of(act, 1)), 0);
	/* canonical text */
	CHECK_STR(json_string_value(json_array_get(json_object_get(e6, "addresses"), 0)),
	          "fd00::1");
	CHECK_INT(json_array_size(json_object_get(e6, "addresses")), 1);
	CHECK_INT(apply(store, act), 0);
	json_decref(act);
	CHECK_INT(converge(svc, pods, store, 0), 0);
	/* back to single stack: the IPv6 slice goes */
	json_object_set_new(json_object_get(svc, "spec"), "ipFamilies", json_pack("[s]", "IPv4"));
	CHECK_INT(epslice_reconcile(svc, pods, store, NULL, &act), 0);
	CHECK_INT(json_array_size(act), 1);
	CHECK_INT(count_op(act, "delete"), 1);
	CHECK_STR(json_string_value(json_object_get(obj_of(act, 0), "addressType")), "IPv6");
	json_decref(act);
	json_decref(svc);
	json_decref(pods);
	json_decref(store);
}

UNIT_TEST(epslice_unmanaged_services_and_slices)
{
	json_t *svc = svc_new(NULL), *pods = pods_n(2), *store = json_array(), *act;

	CHECK_INT(converge(svc, pods, store, 0), 1);
	/* a user's slice for the same Service is never touched */
	json_t *mine = json_deep_copy(json_array_get(store, 0));
	json_object_set_new(json_object_get(mine, "metadata"), "name", json_string("user-slice"));
	json_object_set_new(json_object_get(json_object_get(mine, "metadata"), "labels"),
	                    "endpointslice.kubernetes.io/managed-by", json_string("someone-else"));
	json_array_append_new(store, mine);
	CHECK_INT(converge(svc, pods, store, 0), 0);

	/* selectorless and ExternalName Services: no actions, not even deletes */
	json_object_del(json_object_get(svc, "spec"), "selector");
	CHECK_INT(epslice_reconcile(svc, pods, store, NULL, &act), 0);
	CHECK_INT(json_array_size(act), 0);
	json_decref(act);
	json_object_set_new(json_object_get(svc, "spec"), "selector", json_object());
	CHECK_INT(epslice_reconcile(svc, pods, store, NULL, &act), 0);
	CHECK_INT(json_array_size(act), 0);
	json_decref(act);
	json_decref(svc);
	svc = svc_new("{\"type\":\"ExternalName\",\"externalName\":\"example.com\"}");
	CHECK_INT(epslice_reconcile(svc, pods, store, NULL, &act), 0);
	CHECK_INT(json_array_size(act), 0);
	json_decref(act);
	json_decref(svc);
	json_decref(pods);
	json_decref(store);
}

UNIT_TEST(epslice_foreign_owner_and_labels)
{
	json_t *svc = svc_new(NULL), *pods = pods_n(2), *store = json_array(), *act;

	CHECK_INT(converge(svc, pods, store, 0), 1);
	/* the Service was recreated: the old slice (other uid) is replaced, not reused */
	json_object_set_new(json_object_get(svc, "metadata"), "uid", json_string("svc-uid-2"));
	CHECK_INT(epslice_reconcile(svc, pods, store, NULL, &act), 0);
	CHECK_INT(count_op(act, "create"), 1);
	CHECK_INT(count_op(act, "delete"), 1);
	CHECK_INT(apply(store, act), 0);
	json_decref(act);
	CHECK_INT(converge(svc, pods, store, 0), 0);

	/* Service labels are mirrored, reserved ones are not copied */
	json_t *l = json_object_get(json_object_get(svc, "metadata"), "labels");
	json_object_set_new(l, "team", json_string("b"));
	json_object_set_new(l, "kubernetes.io/service-name", json_string("evil"));
	CHECK_INT(epslice_reconcile(svc, pods, store, NULL, &act), 0);
	CHECK_INT(json_array_size(act), 1);
	CHECK_INT(count_op(act, "update"), 1);
	json_t *sl = json_object_get(json_object_get(obj_of(act, 0), "metadata"), "labels");
	CHECK_STR(json_string_value(json_object_get(sl, "team")), "b");
	CHECK_STR(json_string_value(json_object_get(sl, "kubernetes.io/service-name")), "web");
	CHECK_INT(apply(store, act), 0);
	json_decref(act);
	CHECK_INT(converge(svc, pods, store, 0), 0);

	/* no new slices while the Service is being deleted */
	json_t *fresh = json_array();
	json_object_set_new(json_object_get(svc, "metadata"), "deletionTimestamp",
	                    json_string("2026-01-01T00:00:00Z"));
	CHECK_INT(epslice_reconcile(svc, pods, fresh, NULL, &act), 0);
	CHECK_INT(json_array_size(act), 0);
	json_decref(act);
	json_decref(fresh);
	json_decref(svc);
	json_decref(pods);
	json_decref(store);
}

UNIT_TEST(epslice_pod_filtering)
{
	json_t *svc = svc_new(NULL), *pods = pods_n(3), *store = json_array();

	json_object_set_new(json_object_get(pod_find(pods, "p0"), "metadata"), "namespace",
	                    json_string("other"));
	json_object_set_new(
	    json_object_get(json_object_get(pod_find(pods, "p1"), "metadata"), "labels"), "app",
	    json_string("db"));
	json_array_append_new(pods, json_string("not a pod"));
	CHECK_INT(converge(svc, pods, store, 0), 1);
	CHECK_INT(json_array_size(eps_of(json_array_get(store, 0))), 1);
	CHECK(ep_by_pod(store, "p2") != NULL);
	json_decref(svc);
	json_decref(pods);
	json_decref(store);
}

UNIT_TEST(epslice_bad_input)
{
	json_t *svc = svc_new(NULL), *act = (json_t *)1;
	json_t *notarray = json_object(), *nameless = json_pack("{s:{}}", "metadata");

	CHECK_INT(epslice_reconcile(NULL, NULL, NULL, NULL, &act), -EINVAL);
	CHECK(act == NULL);
	CHECK_INT(epslice_reconcile(nameless, NULL, NULL, NULL, &act), -EINVAL);
	CHECK_INT(epslice_reconcile(svc, notarray, NULL, NULL, &act), -EINVAL);
	CHECK_INT(epslice_reconcile(svc, NULL, notarray, NULL, &act), -EINVAL);
	/* NULL pods and existing are empty lists */
	CHECK_INT(epslice_reconcile(svc, NULL, NULL, NULL, &act), 0);
	CHECK_INT(count_op(act, "create"), 1);
	json_decref(act);
	/* garbage inside the arrays is skipped, not trusted */
	json_t *junk =
	    json_pack("[s, {s:s}, {s:{s:s}}]", "x", "addressType", "IPv4", "metadata", "name", "y");
	CHECK_INT(epslice_reconcile(svc, junk, junk, NULL, &act), 0);
	CHECK_INT(json_array_size(act), 1);
	json_decref(act);
	json_decref(junk);
	json_decref(notarray);
	json_decref(nameless);
	json_decref(svc);
}

UNIT_TEST(epslice_helpers)
{
	char canon[64];
	json_t *pod = pod_new("p", "10.0.0.1", 1);

	CHECK_INT(epslice_ip_family("10.0.0.1", canon), 4);
	CHECK_INT(epslice_ip_family("::ffff:10.0.0.1", canon), 4);
	CHECK_STR(canon, "10.0.0.1");
	CHECK_INT(epslice_ip_family("FD00::0:1", canon), 6);
	CHECK_STR(canon, "fd00::1");
	CHECK_INT(epslice_ip_family("10.0.0", canon), 0);
	CHECK_INT(epslice_ip_family(NULL, canon), 0);
	json_t *sp = json_pack("{s:i}", "port", 80);
	CHECK_INT(epslice_find_port(pod, sp), 80);
	json_object_set_new(sp, "targetPort", json_string("http"));
	CHECK_INT(epslice_find_port(pod, sp), 8080);
	json_object_set_new(sp, "protocol", json_string("UDP"));
	CHECK_INT(epslice_find_port(pod, sp), -ENOENT);
	json_object_set_new(sp, "targetPort", json_integer(70000));
	CHECK_INT(epslice_find_port(pod, sp), -EINVAL);
	CHECK_INT(epslice_pod_ready(pod), 1);
	CHECK_INT(epslice_pod_included(pod, 0), 1);
	pod_set_deleting(pod);
	CHECK_INT(epslice_pod_included(pod, 0), 0);
	CHECK_INT(epslice_pod_included(pod, 1), 1);
	int fams[2];
	json_t *svc = svc_new("{\"ipFamilies\":null,\"clusterIP\":\"fd00::10\"}");
	CHECK_INT(epslice_service_families(svc, fams), 1);
	CHECK_INT(fams[0], 6);
	json_decref(svc);
	json_decref(sp);
	json_decref(pod);
}

/* ---- Endpoints ---- */

static json_t *subset(const json_t *ep, size_t i)
{
	return json_array_get(json_object_get(ep, "subsets"), i);
}

UNIT_TEST(epslice_endpoints_basic)
{
	json_t *svc = svc_new(NULL), *pods = json_array(), *ep;

	json_array_append_new(pods, pod_new("b", "10.1.0.10", 1));
	json_array_append_new(pods, pod_new("a", "10.1.0.2", 1));
	json_array_append_new(pods, pod_new("c", "10.1.0.3", 0));
	CHECK_INT(epslice_endpoints_for(svc, pods, &ep), 0);
	CHECK(ep != NULL);
	CHECK_STR(json_string_value(json_object_get(ep, "kind")), "Endpoints");
	json_t *meta = json_object_get(ep, "metadata");
	CHECK_STR(json_string_value(json_object_get(meta, "name")), "web");
	CHECK_STR(json_string_value(json_object_get(meta, "namespace")), "default");
	CHECK_STR(json_string_value(json_object_get(json_object_get(meta, "labels"), "team")), "a");
	CHECK(json_object_get(meta, "annotations") == NULL);
	CHECK_INT(json_array_size(json_object_get(ep, "subsets")), 1);
	json_t *ss = subset(ep, 0), *addrs = json_object_get(ss, "addresses");
	CHECK_INT(json_array_size(addrs), 2);
	/* upstream sorts addresses by their text */
	CHECK_STR(json_string_value(json_object_get(json_array_get(addrs, 0), "ip")), "10.1.0.10");
	CHECK_STR(json_string_value(json_object_get(json_array_get(addrs, 1), "ip")), "10.1.0.2");
	json_t *a0 = json_array_get(addrs, 0);
	CHECK_STR(json_string_value(json_object_get(a0, "nodeName")), "n1");
	CHECK_STR(json_string_value(json_object_get(json_object_get(a0, "targetRef"), "uid")),
	          "uid-b");
	CHECK_INT(json_array_size(json_object_get(ss, "notReadyAddresses")), 1);
	json_t *port = json_array_get(json_object_get(ss, "ports"), 0);
	CHECK_STR(json_string_value(json_object_get(port, "name")), "http");
	CHECK_INT(json_integer_value(json_object_get(port, "port")), 8080);
	CHECK_STR(json_string_value(json_object_get(port, "protocol")), "TCP");

	/* equality for skipping writes: resourceVersions in targetRefs do not count */
	json_t *copy = json_deep_copy(ep);
	json_object_set_new(json_object_get(a0, "targetRef"), "resourceVersion", json_string("5"));
	CHECK(epslice_endpoints_equal(ep, copy));
	json_object_set_new(json_object_get(json_object_get(copy, "metadata"), "labels"), "x",
	                    json_string("y"));
	CHECK(!epslice_endpoints_equal(ep, copy));
	json_decref(copy);
	json_decref(ep);

	/* terminating pods are left out; with publishNotReadyAddresses all are ready */
	pod_set_deleting(pod_find(pods, "a"));
	CHECK_INT(epslice_endpoints_for(svc, pods, &ep), 0);
	CHECK_INT(json_array_size(json_object_get(subset(ep, 0), "addresses")), 1);
	json_decref(ep);
	json_object_set_new(json_object_get(svc, "spec"), "publishNotReadyAddresses", json_true());
	CHECK_INT(epslice_endpoints_for(svc, pods, &ep), 0);
	CHECK_INT(json_array_size(json_object_get(subset(ep, 0), "addresses")), 3);
	CHECK(json_object_get(subset(ep, 0), "notReadyAddresses") == NULL);
	json_decref(ep);
	json_decref(svc);
	json_decref(pods);
}

UNIT_TEST(epslice_endpoints_port_groups)
{
	json_t *svc = svc_new("{\"ports\":[{\"name\":\"http\",\"port\":80,\"targetPort\":\"web\"},"
	                      "{\"name\":\"metrics\",\"port\":9100,\"targetPort\":9100}]}");
	json_t *pods = pods_n(3), *ep;
	json_t *c = json_array_get(
	    json_object_get(json_object_get(pod_find(pods, "p0"), "spec"), "containers"), 0);

	json_object_set_new(c, "ports",
	                    json_pack("[{s:s, s:i}]", "name", "web", "containerPort", 8080));
	c = json_array_get(
	    json_object_get(json_object_get(pod_find(pods, "p1"), "spec"), "containers"), 0);
	json_object_set_new(c, "ports",
	                    json_pack("[{s:s, s:i}]", "name", "web", "containerPort", 8080));
	/* p0, p1: http 8080 + metrics; p2: metrics only. Repacked: {p0,p1}:{http}, {all}:{metrics}
	 */
	CHECK_INT(epslice_endpoints_for(svc, pods, &ep), 0);
	CHECK_INT(json_array_size(json_object_get(ep, "subsets")), 2);
	size_t i;
	json_t *ss;
	int seen_http = 0, seen_metrics = 0;
	json_array_foreach (json_object_get(ep, "subsets"), i, ss) {
		json_t *ports = json_object_get(ss, "ports");
		const char *name =
		    json_string_value(json_object_get(json_array_get(ports, 0), "name"));

		CHECK_INT(json_array_size(ports), 1);
		if (strcmp(name, "http") == 0) {
			seen_http = 1;
			CHECK_INT(json_array_size(json_object_get(ss, "addresses")), 2);
		} else {
			seen_metrics = 1;
			CHECK_INT(json_array_size(json_object_get(ss, "addresses")), 3);
		}
	}
	CHECK(seen_http && seen_metrics);
	json_t *again;
	CHECK_INT(epslice_endpoints_for(svc, pods, &again), 0);
	CHECK(json_equal(ep, again));
	CHECK(epslice_endpoints_equal(ep, again));
	json_decref(again);
	json_decref(ep);
	json_decref(svc);
	json_decref(pods);
}

UNIT_TEST(epslice_endpoints_headless_dualstack_empty)
{
	json_t *svc = svc_new("{\"clusterIP\":\"None\",\"ports\":[],"
	                      "\"ipFamilies\":[\"IPv6\",\"IPv4\"]}");
	json_t *pods = pods_n(2), *ep;
	size_t i;
	json_t *p;

	json_array_foreach (pods, i, p) {
		json_array_append_new(json_object_get(json_object_get(p, "status"), "podIPs"),
		                      json_pack("{s:s}", "ip", i ? "fd00::2" : "fd00::1"));
	}
	json_t *spec = json_object_get(pod_find(pods, "p0"), "spec");
	json_object_set_new(spec, "hostname", json_string("h0"));
	json_object_set_new(spec, "subdomain", json_string("web"));
	CHECK_INT(epslice_endpoints_for(svc, pods, &ep), 0);
	json_t *ss = subset(ep, 0);
	CHECK(json_object_get(ss, "ports") == NULL);
	CHECK_INT(json_array_size(json_object_get(ss, "addresses")), 2);
	json_t *a0 = json_array_get(json_object_get(ss, "addresses"), 0);
	CHECK_STR(json_string_value(json_object_get(a0, "ip")), "fd00::1"); /* primary family */
	CHECK_STR(json_string_value(json_object_get(a0, "hostname")), "h0");
	CHECK_STR(json_string_value(
	              json_object_get(json_object_get(json_object_get(ep, "metadata"), "labels"),
	                              "service.kubernetes.io/headless")),
	          "");
	json_decref(ep);
	json_decref(svc);

	/* no pods: no subsets; no selector: no Endpoints managed at all */
	svc = svc_new(NULL);
	json_t *none = json_array();
	CHECK_INT(epslice_endpoints_for(svc, none, &ep), 0);
	CHECK(ep != NULL && json_object_get(ep, "subsets") == NULL);
	json_t *withempty = json_deep_copy(ep);
	json_object_set_new(withempty, "subsets", json_array());
	CHECK(epslice_endpoints_equal(ep, withempty));
	json_decref(withempty);
	json_decref(ep);
	json_object_del(json_object_get(svc, "spec"), "selector");
	ep = (json_t *)1;
	CHECK_INT(epslice_endpoints_for(svc, none, &ep), 0);
	CHECK(ep == NULL);
	CHECK_INT(epslice_endpoints_for(NULL, none, &ep), -EINVAL);
	json_decref(none);
	json_decref(svc);
	json_decref(pods);
}

UNIT_TEST(epslice_endpoints_over_capacity)
{
	json_t *svc = svc_new(NULL), *pods = pods_n(1100), *ep;
	size_t i;

	for (i = 0; i < 300; i++)
		pod_set_ready(json_array_get(pods, i), 0);
	CHECK_INT(epslice_endpoints_for(svc, pods, &ep), 0);
	json_t *ss = subset(ep, 0);
	/* ready addresses first: all 800 stay, unready ones fill the rest */
	CHECK_INT(json_array_size(json_object_get(ss, "addresses")), 800);
	CHECK_INT(json_array_size(json_object_get(ss, "notReadyAddresses")), 200);
	CHECK_STR(json_string_value(json_object_get(
	              json_object_get(json_object_get(ep, "metadata"), "annotations"),
	              "endpoints.kubernetes.io/over-capacity")),
	          "truncated");
	json_t *small;
	json_t *few = pods_n(3);
	CHECK_INT(epslice_endpoints_for(svc, few, &small), 0);
	CHECK(!epslice_endpoints_equal(ep, small));
	json_decref(small);
	json_decref(few);
	json_decref(ep);
	json_decref(svc);
	json_decref(pods);
}

/* ---- randomized: whatever the churn, one round of writes converges ---- */

static unsigned rnd(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 16) & 0x7fff;
}

UNIT_TEST(epslice_random_worlds_converge)
{
	json_t *svc =
	    svc_new("{\"ports\":[{\"name\":\"http\",\"port\":80,\"targetPort\":\"web\"}]}");
	json_t *store = json_array();
	unsigned seed = 12345;

	for (int round = 0; round < 40; round++) {
		json_t *pods = json_array();
		size_t want = 0, have = 0, i;
		json_t *s;
		int n = (int)(rnd(&seed) % 40);

		for (int k = 0; k < n; k++) {
			char name[16], ip[32];
			int which = (int)(rnd(&seed) % 60);

			snprintf(name, sizeof(name), "p%d", which);
			if (pod_find(pods, name))
				continue;
			snprintf(ip, sizeof(ip), "10.2.0.%d", which + 1);
			json_t *p = pod_new(name, ip, (int)(rnd(&seed) % 3));
			json_t *c = json_array_get(
			    json_object_get(json_object_get(p, "spec"), "containers"), 0);
			unsigned port = rnd(&seed) % 10;
			json_object_set_new(json_array_get(json_object_get(c, "ports"), 0), "name",
			                    json_string(port == 0 ? "other" : "web"));
			json_object_set_new(json_array_get(json_object_get(c, "ports"), 0),
			                    "containerPort", json_integer(port < 5 ? 8080 : 9090));
			if (rnd(&seed) % 8 == 0)
				pod_set_deleting(p);
			if (rnd(&seed) % 20 == 0)
				json_object_set_new(json_object_get(p, "status"), "phase",
				                    json_string("Failed"));
			else
				want++;
			json_array_append_new(pods, p);
		}
		CHECK(converge(svc, pods, store, 7) <= 1);
		json_array_foreach (store, i, s) {
			CHECK(json_array_size(eps_of(s)) <= 7);
			have += json_array_size(eps_of(s));
		}
		CHECK_INT(have, want);
		/* empty slices are deleted, except the single placeholder of an empty Service */
		json_array_foreach (store, i, s) {
			CHECK(want == 0 || json_array_size(eps_of(s)) > 0);
		}
		CHECK(want > 0 || json_array_size(store) == 1);
		json_decref(pods);
	}
	json_decref(svc);
	json_decref(store);
}
