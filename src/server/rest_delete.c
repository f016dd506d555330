/*
 * rest_delete.c - delete and deletecollection.
 *
 * Objects with finalizers get a deletionTimestamp and stay until the last
 * finalizer is removed. Pods bound to a node are deleted gracefully: they get
 * deletionTimestamp = now + grace period, the node's agent stops them and
 * confirms with a delete of grace 0, and the server removes them itself once
 * the grace period is over (apiserver.c sweeps). Deleting a Namespace deletes
 * everything in it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/k8spb.h"
#include "api/selector.h"
#include "lib/log.h"
#include "server/registry.h"
#include "server/ctrl.h"
#include "server/rest.h"

/* Removes key for good and gives back what the object held. */
int rest_finalize_delete(struct apiserver *as, const struct api_resource *res, const char *key,
                         int64_t expect_rev, store_val **out)
{
	store_val *cur = store_get(as->st, key);
	json_t *old;
	int rc;

	if (!cur)
		return -ENOENT;
	old = rest_load(cur);
	rc = store_delete(as->st, key, expect_rev, out);
	if (rc == 0 && old) {
		registry_released(as, res, old);
		if (res->id == API_POD)
			free(dict_del(as->terminating_pods, key));
	}
	json_decref(old);
	return rc;
}

void rest_pod_deadline(struct apiserver *as, const char *key, uint64_t when)
{
	uint64_t *deadline = malloc(sizeof(*deadline));
	void *old = NULL;

	if (!deadline)
		return;
	*deadline = when;
	if (dict_set(as->terminating_pods, key, deadline, &old) < 0)
		free(deadline);
	free(old);
}

/*
 * A Pod being deleted lost its last finalizer: unbound, finished or without a
 * grace period it goes now; otherwise at the end of its grace period (the
 * node still has to stop it).
 */
int rest_pod_finalized(struct apiserver *as, const char *key, const json_t *pod, store_val **out)
{
	json_t *md = json_object_get(pod, "metadata");
	const char *phase = rest_str(json_object_get(pod, "status"), "phase");
	long long grace = json_integer_value(json_object_get(md, "deletionGracePeriodSeconds"));

	if (!rest_str(json_object_get(pod, "spec"), "nodeName")[0] || grace <= 0 ||
	    !strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"))
		return rest_finalize_delete(as, &api_resources[API_POD], key, 0, out);
	rest_pod_deadline(as, key, (uint64_t)time(NULL) + (uint64_t)grace);
	return 0;
}

static int rest_parse_delopts(struct rest_req *r, json_t *body, struct rest_delopts *o)
{
	const char *g = rest_param(r, "gracePeriodSeconds");
	json_t *pre;

	o->grace = -1;
	o->uid = o->rv = NULL;
	o->dry_run = 0;
	if (g) {
		char *end;

		o->grace = strtoll(g, &end, 10);
		if (*end || o->grace < 0) {
			rest_errorf(r, 400, "BadRequest", "invalid gracePeriodSeconds: %s", g);
			return -1;
		}
	}
	if (body) {
		json_t *gj = json_object_get(body, "gracePeriodSeconds"), *dr;

		if (gj && !json_is_null(gj)) {
			if (!json_is_integer(gj) || json_integer_value(gj) < 0) {
				rest_errorf(r, 400, "BadRequest",
				            "gracePeriodSeconds must be a non-negative integer");
				return -1;
			}
			o->grace = json_integer_value(gj);
		}
		pre = json_object_get(body, "preconditions");
		if (json_is_object(pre)) {
			o->uid = json_string_value(json_object_get(pre, "uid"));
			o->rv = json_string_value(json_object_get(pre, "resourceVersion"));
		}
		dr = json_object_get(body, "dryRun");
		if (json_array_size(dr))
			o->dry_run = json_string_value(json_array_get(dr, 0)) &&
			             !strcmp(json_string_value(json_array_get(dr, 0)), "All");
	}
	if (rest_param(r, "dryRun") && !strcmp(rest_param(r, "dryRun"), "All"))
		o->dry_run = 1;
	return 0;
}

static int rest_protected_namespace(const char *name)
{
	return !strcmp(name, "default") || !strcmp(name, "kube-system") ||
	       !strcmp(name, "kube-public");
}

/*
 * Deletes the object at key per the options. Returns 0 with *out set (the
 * final or updated state), or an HTTP code with the response already sent
 * when r is given.
 */
int rest_delete_one(struct rest_req *r, const char *key, const char *name,
                    const struct rest_delopts *o, store_val **out)
{
	struct apiserver *as = r->as;
	store_val *cur = store_get(as->st, key);
	json_t *obj, *md;
	char now[32];
	long long grace;
	int rc;

	if (!cur) {
		rest_not_found(r, r->res, name);
		return 404;
	}
	obj = rest_load(cur);
	if (!obj) {
		rest_internal(r, -ENOMEM);
		return 500;
	}
	md = json_object_get(obj, "metadata");
	if ((o->uid && strcmp(o->uid, rest_str(md, "uid")) != 0) ||
	    (o->rv && strcmp(o->rv, rest_str(md, "resourceVersion")) != 0)) {
		rest_errorf(
		    r, 409, "Conflict",
		    "Operation cannot be fulfilled on %s \"%s\": Precondition failed: %s in "
		    "precondition: %s, %s in object meta: %s",
		    r->res->plural, name, o->uid ? "UID" : "ResourceVersion",
		    o->uid ? o->uid : o->rv, o->uid ? "UID" : "ResourceVersion",
		    o->uid ? rest_str(md, "uid") : rest_str(md, "resourceVersion"));
		json_decref(obj);
		return 409;
	}
	if (r->res->id == API_NAMESPACE && rest_protected_namespace(name)) {
		rest_errorf(r, 403, "Forbidden",
		            "namespaces \"%s\" is forbidden: this namespace may not be deleted",
		            name);
		json_decref(obj);
		return 403;
	}
	if (o->dry_run) {
		*out = cur;
		json_decref(obj);
		return 0;
	}
	rest_now(now, sizeof(now));
	if (r->res->id == API_NAMESPACE) {
		/* Terminating: the namespace controller empties it, then it goes. */
		if (!json_object_get(md, "deletionTimestamp")) {
			json_t *st = json_object_get(obj, "status");

			json_object_set_new(md, "deletionTimestamp", json_string(now));
			json_object_set_new(md, "deletionGracePeriodSeconds", json_integer(0));
			if (!json_is_object(st)) {
				st = json_object();
				json_object_set_new(obj, "status", st);
			}
			json_object_set_new(st, "phase", json_string("Terminating"));
			rc = store_put(as->st, key, obj, 0, cur->rev, out);
			if (rc == 0)
				ns_ctrl_mark(as, name);
		} else {
			*out = cur;
			rc = 0;
		}
		json_decref(obj);
		if (rc < 0) {
			rest_internal(r, rc);
			return 500;
		}
		return 0;
	}
	if (json_array_size(json_object_get(md, "finalizers"))) {
		/* Finalizers hold it: mark it and let their owners finish. */
		if (!json_object_get(md, "deletionTimestamp")) {
			json_object_set_new(md, "deletionTimestamp", json_string(now));
			json_object_set_new(md, "deletionGracePeriodSeconds", json_integer(0));
			rc = store_put(as->st, key, obj, 0, cur->rev, out);
		} else {
			*out = cur;
			rc = 0;
		}
		json_decref(obj);
		if (rc < 0) {
			rest_internal(r, rc);
			return 500;
		}
		return 0;
	}
	if (r->res->id == API_POD) {
		json_t *spec = json_object_get(obj, "spec");
		const char *phase = rest_str(json_object_get(obj, "status"), "phase");
		json_t *tg = json_object_get(spec, "terminationGracePeriodSeconds");

		grace = o->grace >= 0         ? o->grace
		        : json_is_integer(tg) ? json_integer_value(tg)
		                              : 30;
		/* Nothing runs an unbound or finished pod: nobody to wait for. */
		if (!rest_str(spec, "nodeName")[0] || !strcmp(phase, "Succeeded") ||
		    !strcmp(phase, "Failed"))
			grace = 0;
		if (grace > 0) {
			json_t *dg = json_object_get(md, "deletionGracePeriodSeconds");

			if (json_object_get(md, "deletionTimestamp") && json_is_integer(dg) &&
			    json_integer_value(dg) <= grace) {
				*out = cur; /* already terminating, no shorter grace asked */
				json_decref(obj);
				return 0;
			}
			apiserver_timestamp(now, sizeof(now), time(NULL) + grace);
			json_object_set_new(md, "deletionTimestamp", json_string(now));
			json_object_set_new(md, "deletionGracePeriodSeconds", json_integer(grace));
			rc = store_put(as->st, key, obj, 0, cur->rev, out);
			json_decref(obj);
			if (rc < 0) {
				rest_internal(r, rc);
				return 500;
			}
			rest_pod_deadline(as, key, (uint64_t)time(NULL) + (uint64_t)grace);
			return 0;
		}
	}
	json_decref(obj);
	rc = rest_finalize_delete(as, r->res, key, 0, out);
	if (rc < 0) {
		rest_internal(r, rc);
		return 500;
	}
	return 0;
}

static json_t *rest_delete_body(struct rest_req *r, int *bad)
{
	json_t *body = NULL;

	*bad = 0;
	if (buf_avail(&r->hr->body)) {
		if (k8spb_is_protobuf(buf_head(&r->hr->body), buf_avail(&r->hr->body)))
			body =
			    k8spb_decode(buf_head(&r->hr->body), buf_avail(&r->hr->body), NULL, 0);
		else
			body = json_loadb(buf_head(&r->hr->body), buf_avail(&r->hr->body), 0, NULL);
		if (!json_is_object(body)) {
			json_decref(body);
			rest_errorf(r, 400, "BadRequest",
			            "the DeleteOptions body is not valid JSON");
			*bad = 1;
			return NULL;
		}
	}
	return body;
}

void rest_delete(struct rest_req *r)
{
	struct rest_delopts o;
	char key[600];
	store_val *v = NULL;
	json_t *body;
	int bad;

	body = rest_delete_body(r, &bad);
	if (bad)
		return;
	if (rest_parse_delopts(r, body, &o) < 0)
		goto out;
	rest_key(r, key, sizeof(key));
	if (rest_delete_one(r, key, r->name, &o, &v) == 0)
		rest_raw(r, 200, v->data, v->len);
out:
	json_decref(body);
}

void rest_delete_collection(struct rest_req *r)
{
	struct rest_delopts o;
	char prefix[300];
	store_val **vals;
	char **keys;
	size_t n, deleted = 0;
	sel *ls = NULL, *fs = NULL;
	json_t *body;
	int bad;

	body = rest_delete_body(r, &bad);
	if (bad)
		return;
	if (rest_parse_delopts(r, body, &o) < 0)
		goto out;
	if (rest_list_prefix(r, prefix, sizeof(prefix)) < 0) {
		rest_errorf(r, 400, "BadRequest", "invalid namespace");
		goto out;
	}
	if (rest_selectors(r, &ls, &fs) < 0)
		goto out;
	if (store_list(r->as->st, prefix, &vals, &keys, &n) < 0) {
		rest_internal(r, -ENOMEM);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *obj = rest_load(vals[i]);
		char *key = strdup(keys[i]);
		const char *name = rest_str(json_object_get(obj, "metadata"), "name");
		store_val *v;

		if (obj && key && rest_matches(r->res, ls, fs, obj) &&
		    !(r->res->id == API_NAMESPACE && rest_protected_namespace(name))) {
			/* Per-item failures must not produce a response mid-loop. */
			struct rest_req quiet = *r;

			quiet.quiet = 1;

			if (store_get(r->as->st, key) &&
			    rest_delete_one(&quiet, key, name, &o, &v) == 0)
				deleted++;
		}
		free(key);
		json_decref(obj);
		/* The table may have changed: re-list would be safer, but keys were
		 * copied per item and vals are not used after a delete. */
		vals[i] = NULL;
	}
	free(vals);
	free(keys);
	rest_raw(r, 200,
	         "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
	         "\"status\":\"Success\"}",
	         strlen("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
	                "\"status\":\"Success\"}"));
	log_info("rest", "deletecollection %s in %s: %zu deleted", r->res->plural,
	         r->ns[0] ? r->ns : "(all)", deleted);
out:
	sel_free(ls);
	sel_free(fs);
	json_decref(body);
}
