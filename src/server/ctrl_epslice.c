/*
 * ctrl_epslice.c - the EndpointSlice and Endpoints controllers, in-process.
 *
 * Store events mark Services dirty (their own changes, changes to Pods that
 * their selector matches before or after, changes to their slices); before
 * each group commit the dirty Services are reconciled with the pure logic in
 * controllers/epslice.c and the resulting writes join the same batch.
 * Parsed selectors are cached per Service so a Pod event costs one label
 * match per Service in its namespace, not one JSON parse.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/selector.h"
#include "controllers/epslice.h"
#include "lib/log.h"
#include "server/ctrl.h"
#include "server/rest.h"

struct epslice_ctrl {
	struct apiserver *as;
	dict *dirty;     /* "ns/name" of services to reconcile */
	dict *selectors; /* "ns/name" -> struct ctrl_sel (services with selectors) */
	dict *slices;    /* "ns/svc" -> dict of slice keys labelled for that service */
	dict *owner_of;  /* slice key -> "ns/svc" (strdup), the reverse of slices */
	int writing;     /* our own writes do not re-mark */
};

struct ctrl_sel {
	char *ns;
	sel *s;
};

static void ctrl_sel_free(void *p)
{
	struct ctrl_sel *cs = p;

	if (!cs)
		return;
	sel_free(cs->s);
	free(cs->ns);
	free(cs);
}

/* "/services/ns/name" -> "ns/name" */
static const char *ctrl_key_tail(const char *key)
{
	const char *p = strchr(key + 1, '/');

	return p ? p + 1 : key;
}

static void ctrl_mark(struct epslice_ctrl *e, const char *nsname)
{
	if (!dict_get(e->dirty, nsname))
		dict_set(e->dirty, nsname, (void *)1, NULL);
}

static void ctrl_service_event(struct epslice_ctrl *e, const store_event *ev)
{
	const char *nsname = ctrl_key_tail(ev->key);
	json_t *svc;
	struct ctrl_sel *cs;
	const char *slash = strchr(nsname, '/');

	ctrl_mark(e, nsname);
	ctrl_sel_free(dict_del(e->selectors, nsname));
	if (ev->type == STORE_DELETED || !slash)
		return;
	svc = ev->obj ? json_incref((json_t *)ev->obj) : rest_load(ev->val);
	if (svc && epslice_service_managed(svc)) {
		cs = calloc(1, sizeof(*cs));
		if (cs &&
		    sel_from_map(json_object_get(json_object_get(svc, "spec"), "selector"),
		                 &cs->s) == 0 &&
		    (cs->ns = strndup(nsname, (size_t)(slash - nsname))) &&
		    dict_set(e->selectors, nsname, cs, NULL) == 0)
			cs = NULL;
		ctrl_sel_free(cs);
	}
	json_decref(svc);
}

static void ctrl_pod_event(struct epslice_ctrl *e, const store_event *ev)
{
	const char *nsname = ctrl_key_tail(ev->key), *slash = strchr(nsname, '/');
	json_t *now = ev->type == STORE_DELETED ? NULL
	              : ev->obj                 ? json_incref((json_t *)ev->obj)
	                                        : rest_load(ev->val);
	json_t *before = ev->prev ? rest_load(ev->prev) : NULL;
	json_t *ln = json_object_get(json_object_get(now, "metadata"), "labels");
	json_t *lb = json_object_get(json_object_get(before, "metadata"), "labels");
	size_t nslen = slash ? (size_t)(slash - nsname) : 0;
	dict_iter it;
	const char *k;
	void *v;

	if (ev->type == STORE_DELETED) {
		ln = NULL;
		lb = json_object_get(json_object_get(before, "metadata"), "labels");
	}
	dict_iter_init(&it, e->selectors);
	while (dict_next(&it, &k, &v)) {
		struct ctrl_sel *cs = v;

		if (strlen(cs->ns) != nslen || strncmp(cs->ns, nsname, nslen) != 0)
			continue;
		if ((ln && sel_match_labels(cs->s, ln)) || (lb && sel_match_labels(cs->s, lb)))
			ctrl_mark(e, k);
	}
	json_decref(now);
	json_decref(before);
}

/*
 * "ns/svc" of the service a slice belongs to, from its kubernetes.io/service-name
 * label; 0 if none. Read from the compact JSON the store holds without a full
 * parse: label keys and values are plain (validated) strings, and the first
 * `"labels":{` of an object is metadata.labels (metadata comes first; an
 * annotation value would be a quoted string).
 */
static int ctrl_slice_owner(const char *key, const store_val *v, const json_t *obj, char *out,
                            size_t outlen)
{
	static const char lk[] = "\"" EPSLICE_LABEL_SERVICE_NAME "\":\"";
	const char *ns = key + strlen("/endpointslices/"), *nse = strchr(ns, '/');
	const char *svc = NULL, *end = NULL;
	size_t svclen;

	if (!nse)
		return 0;
	if (obj) {
		svc = json_string_value(
		    json_object_get(json_object_get(json_object_get(obj, "metadata"), "labels"),
		                    EPSLICE_LABEL_SERVICE_NAME));
		if (!svc)
			return 0;
		end = svc + strlen(svc);
	} else {
		const char *l = strstr(v->data, "\"labels\":{"), *close, *p;

		if (!l)
			return 0;
		close = strchr(l + 10, '}');
		p = strstr(l, lk);
		if (!close || !p || p > close)
			return 0;
		svc = p + sizeof(lk) - 1;
		end = strchr(svc, '"');
		if (!end || end > close)
			return 0;
	}
	svclen = (size_t)(end - svc);
	if ((size_t)(nse - ns) + 1 + svclen + 1 > outlen)
		return 0;
	memcpy(out, ns, (size_t)(nse - ns));
	out[nse - ns] = '/';
	memcpy(out + (nse - ns) + 1, svc, svclen);
	out[(nse - ns) + 1 + svclen] = '\0';
	return 1;
}

static void ctrl_index(struct epslice_ctrl *e, const char *owner, const char *key, int add)
{
	dict *set = dict_get(e->slices, owner);

	if (!set && add) {
		set = dict_new();
		if (!set || dict_set(e->slices, owner, set, NULL) < 0) {
			dict_free(set, NULL);
			return;
		}
	}
	if (!set)
		return;
	if (add) {
		char *o = strdup(owner), *prev = NULL;

		dict_set(set, key, (void *)1, NULL);
		if (o && dict_set(e->owner_of, key, o, (void **)&prev) < 0)
			free(o);
		free(prev);
	} else {
		dict_del(set, key);
		free(dict_del(e->owner_of, key));
	}
	if (!dict_size(set))
		dict_free(dict_del(e->slices, owner), NULL);
}

static void ctrl_slice_event(struct epslice_ctrl *e, const store_event *ev)
{
	char before[400], now[400];
	const char *had = dict_get(e->owner_of, ev->key);
	int hb = had && (size_t)snprintf(before, sizeof(before), "%s", had) < sizeof(before);
	int hn = ev->type != STORE_DELETED &&
	         ctrl_slice_owner(ev->key, ev->val, ev->obj, now, sizeof(now));

	if (hb && (!hn || strcmp(before, now) != 0))
		ctrl_index(e, before, ev->key, 0);
	if (hn)
		ctrl_index(e, now, ev->key, 1);
	if (e->writing)
		return;
	if (hb)
		ctrl_mark(e, before);
	if (hn)
		ctrl_mark(e, now);
}

static void ctrl_dict_free_set(void *p)
{
	dict_free(p, NULL);
}

static void ctrl_epslice_on_event(const store_event *ev, void *data)
{
	struct epslice_ctrl *e = data;

	if (!strncmp(ev->key, "/endpointslices/", 16))
		ctrl_slice_event(e, ev); /* keeps the index, even for our own writes */
	else if (e->writing)
		return;
	else if (!strncmp(ev->key, "/services/", 10))
		ctrl_service_event(e, ev);
	else if (!strncmp(ev->key, "/pods/", 6))
		ctrl_pod_event(e, ev);
}

/* Objects under prefix, parsed, optionally filtered. */
static json_t *ctrl_collect(struct apiserver *as, const char *prefix, const sel *ls)
{
	json_t *arr = json_array();
	store_val **vals;
	char **keys;
	size_t n;

	if (!arr || store_list(as->st, prefix, &vals, &keys, &n) < 0)
		return arr;
	for (size_t i = 0; i < n; i++) {
		json_t *o = rest_load(vals[i]);
		json_t *labels = json_object_get(json_object_get(o, "metadata"), "labels");

		if (o && (!ls || sel_match_labels(ls, labels)))
			json_array_append_new(arr, o);
		else
			json_decref(o);
	}
	free(vals);
	free(keys);
	return arr;
}

static json_t *ctrl_slices_of(struct epslice_ctrl *e, const char *nsname)
{
	dict *set = dict_get(e->slices, nsname);
	json_t *arr = json_array();
	dict_iter it;
	const char *k;

	if (!set || !arr)
		return arr;
	dict_iter_init(&it, set);
	while (dict_next(&it, &k, NULL)) {
		store_val *v = store_get(e->as->st, k);
		json_t *o = v ? rest_load(v) : NULL;

		if (o)
			json_array_append_new(arr, o);
	}
	return arr;
}

static int ctrl_apply(struct apiserver *as, const char *ns, json_t *action)
{
	const char *op = json_string_value(json_object_get(action, "op"));
	json_t *obj = json_object_get(action, "object");
	json_t *md = json_object_get(obj, "metadata");
	const char *name = json_string_value(json_object_get(md, "name"));
	char key[600], gen[300];
	int rc;

	if (!op || !json_is_object(md))
		return -EINVAL;
	if (!strcmp(op, "create")) {
		const char *prefix = json_string_value(json_object_get(md, "generateName"));

		if (!prefix || !prefix[0]) {
			const char *svc = json_string_value(json_object_get(
			    json_object_get(md, "labels"), EPSLICE_LABEL_SERVICE_NAME));
			char p[300];

			snprintf(p, sizeof(p), "%.250s-", svc ? svc : "slice");
			json_object_set_new(md, "generateName", json_string(p));
			prefix = json_string_value(json_object_get(md, "generateName"));
		}

		/* A taken random name is retried: generateName semantics. */
		for (int attempt = 0; attempt < 8; attempt++) {
			rest_generated_name(prefix, 200, gen, sizeof(gen));
			store_key(key, sizeof(key), "endpointslices", ns, gen);
			if (!store_get(as->st, key))
				break;
		}
		json_object_set_new(md, "name", json_string(gen));
		json_object_set_new(md, "namespace", json_string(ns));
		rest_stamp_new(obj);
		return store_put(as->st, key, obj, 1, 0, NULL);
	}
	if (!name)
		return -EINVAL;
	store_key(key, sizeof(key), "endpointslices", ns, name);
	if (!strcmp(op, "delete"))
		return store_delete(as->st, key, 0, NULL);
	{
		/* Identity stays with the object whatever the reconciler rebuilt. */
		store_val *cur = store_get(as->st, key);
		json_t *have = cur ? rest_load(cur) : NULL;
		json_t *hmd = json_object_get(have, "metadata");
		static const char *const keep[] = {"uid", "creationTimestamp", "generation",
		                                   "generateName"};

		for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
			if (json_object_get(hmd, keep[i]))
				json_object_set(md, keep[i], json_object_get(hmd, keep[i]));
		json_decref(have);
	}
	rc = store_put(as->st, key, obj, 0, 0, NULL);
	return rc;
}

static void ctrl_endpoints(struct apiserver *as, const char *ns, const char *name,
                           const json_t *svc, const json_t *pods)
{
	char key[600];
	store_val *cur;
	json_t *want = NULL, *have;

	store_key(key, sizeof(key), "endpoints", ns, name);
	cur = store_get(as->st, key);
	if (svc && epslice_endpoints_for(svc, pods, &want) < 0)
		return;
	if (!want) {
		/* Only remove what the controller made (a selector service's mirror). */
		if (cur && !svc)
			store_delete(as->st, key, 0, NULL);
		return;
	}
	if (cur) {
		have = rest_load(cur);
		if (have && epslice_endpoints_equal(have, want)) {
			json_decref(have);
			json_decref(want);
			return;
		}
		if (have)
			json_object_set(json_object_get(want, "metadata"), "uid",
			                json_object_get(json_object_get(have, "metadata"), "uid"));
		json_object_set(
		    json_object_get(want, "metadata"), "creationTimestamp",
		    json_object_get(json_object_get(have, "metadata"), "creationTimestamp"));
		json_decref(have);
		store_put(as->st, key, want, 0, 0, NULL);
	} else {
		rest_stamp_new(want);
		store_put(as->st, key, want, 1, 0, NULL);
	}
	json_decref(want);
}

static void ctrl_reconcile(struct epslice_ctrl *e, const char *nsname)
{
	struct apiserver *as = e->as;
	const char *slash = strchr(nsname, '/');
	char ns[256], key[600], prefix[300];
	struct epslice_opts opts = {0};
	json_t *svc = NULL, *pods = NULL, *slices = NULL, *actions = NULL;
	struct ctrl_sel *cs;
	store_val *v;
	size_t i;
	json_t *a;

	if (!slash || (size_t)(slash - nsname) >= sizeof(ns))
		return;
	memcpy(ns, nsname, (size_t)(slash - nsname));
	ns[slash - nsname] = '\0';
	store_key(key, sizeof(key), "services", ns, slash + 1);
	v = store_get(as->st, key);
	svc = v ? rest_load(v) : NULL;
	slices = ctrl_slices_of(e, nsname);
	if (!svc || !epslice_service_managed(svc)) {
		/* Gone or selectorless: our slices and mirror go away. */
		json_array_foreach (slices, i, a) {
			json_t *l = json_object_get(json_object_get(a, "metadata"), "labels");
			const char *mb =
			    json_string_value(json_object_get(l, EPSLICE_LABEL_MANAGED_BY));
			char skey[600];

			if (mb && !strcmp(mb, EPSLICE_CONTROLLER_NAME)) {
				store_key(skey, sizeof(skey), "endpointslices", ns,
				          json_string_value(json_object_get(
				              json_object_get(a, "metadata"), "name")));
				store_delete(as->st, skey, 0, NULL);
			}
		}
		if (!svc)
			ctrl_endpoints(as, ns, slash + 1, NULL, NULL);
		goto out;
	}
	cs = dict_get(e->selectors, nsname);
	snprintf(prefix, sizeof(prefix), "/pods/%s/", ns);
	pods = cs ? ctrl_collect(as, prefix, cs->s) : json_array();
	if (epslice_reconcile(svc, pods, slices, &opts, &actions) < 0) {
		log_warn("epslice", "%s: reconcile failed", nsname);
		goto out;
	}
	json_array_foreach (actions, i, a) {
		int rc = ctrl_apply(as, ns, a);

		if (rc < 0)
			log_warn("epslice", "%s: %s failed: %s", nsname,
			         json_string_value(json_object_get(a, "op")), strerror(-rc));
	}
	ctrl_endpoints(as, ns, slash + 1, svc, pods);
out:
	json_decref(svc);
	json_decref(pods);
	json_decref(slices);
	json_decref(actions);
}

struct epslice_ctrl *epslice_ctrl_new(struct apiserver *as)
{
	struct epslice_ctrl *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->as = as;
	e->dirty = dict_new();
	e->selectors = dict_new();
	e->slices = dict_new();
	e->owner_of = dict_new();
	if (!e->dirty || !e->selectors || !e->slices || !e->owner_of ||
	    store_subscribe(as->st, ctrl_epslice_on_event, e) < 0) {
		epslice_ctrl_free(e);
		return NULL;
	}
	epslice_ctrl_resync(e);
	return e;
}

void epslice_ctrl_free(struct epslice_ctrl *e)
{
	if (!e)
		return;
	dict_free(e->dirty, NULL);
	dict_free(e->selectors, ctrl_sel_free);
	dict_free(e->slices, ctrl_dict_free_set);
	dict_free(e->owner_of, free);
	free(e);
}

void epslice_ctrl_resync(struct epslice_ctrl *e)
{
	store_val **vals;
	char **keys;
	size_t n;

	/* Caches only: every write reconciles in the batch that made it, so the
	 * stored slices already agree with the stored Services and Pods. */
	dict_free(e->selectors, ctrl_sel_free);
	dict_free(e->slices, ctrl_dict_free_set);
	dict_free(e->owner_of, free);
	e->selectors = dict_new();
	e->slices = dict_new();
	e->owner_of = dict_new();
	if (!e->selectors || !e->slices || !e->owner_of)
		return;
	if (store_list(e->as->st, "/services/", &vals, &keys, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			store_event ev = {STORE_MODIFIED, vals[i]->rev, keys[i],
			                  vals[i],        NULL,         NULL};

			ctrl_service_event(e, &ev);
		}
		free(vals);
		free(keys);
	}
	if (store_list(e->as->st, "/endpointslices/", &vals, &keys, &n) == 0) {
		e->writing = 1;
		for (size_t i = 0; i < n; i++) {
			store_event ev = {STORE_ADDED, vals[i]->rev, keys[i], vals[i], NULL, NULL};

			ctrl_slice_event(e, &ev);
		}
		e->writing = 0;
		free(vals);
		free(keys);
	}
	dict_free(e->dirty, NULL);
	e->dirty = dict_new();
}

int epslice_ctrl_pending(const struct epslice_ctrl *e)
{
	return e && dict_size(e->dirty) > 0;
}

void epslice_ctrl_run(struct epslice_ctrl *e)
{
	dict *work = e->dirty;
	dict_iter it;
	const char *k;

	e->dirty = dict_new();
	if (!e->dirty) {
		e->dirty = work;
		return;
	}
	e->writing = 1;
	dict_iter_init(&it, work);
	while (dict_next(&it, &k, NULL))
		ctrl_reconcile(e, k);
	e->writing = 0;
	dict_free(work, NULL);
}
