/*
 * epslice.c - desired EndpointSlices for one Service, diffed against the existing ones.
 *
 * This follows k8s.io/endpointslice's Reconciler step by step, because its
 * choices are what keep churn low on big Services: endpoints are identified by
 * (addresses, hostname, pod) so a readiness flip updates one slice in place;
 * slices are grouped by their resolved port set; leftovers go first into slices
 * already being rewritten, then into the unchanged slice they fill best, then
 * into new slices; a create that coincides with a delete becomes an update.
 * Where upstream iterates Go maps (random order) we use sorted orders, so the
 * same input always gives the same writes and a second run gives none.
 */
#include "controllers/epslice.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/selector.h"
#include "controllers/epslice_int.h"
#include "lib/buf.h"

struct xs { /* an existing slice of the address type being reconciled */
	const json_t *o;
	char *pkey;
	int owned;
};

struct rc {
	const json_t *svc;
	const char *name, *ns, *uid;
	json_t *labels; /* what every slice of the Service must carry */
	int max, pnr;
	sel *sel;
	json_t *actions;
};

/* ---- slices ---- */

static json_t *new_slice(const struct rc *c, const char *atype, const json_t *ports)
{
	json_t *owner =
	    json_pack("{s:s, s:s, s:s, s:s*, s:b, s:b}", "apiVersion", "v1", "kind", "Service",
	              "name", c->name, "uid", c->uid, "controller", 1, "blockOwnerDeletion", 1);

	if (!owner)
		return NULL;
	return json_pack("{s:s, s:s, s:{s:s+, s:s, s:o, s:[o]}, s:s, s:[], s:o}", "apiVersion",
	                 "discovery.k8s.io/v1", "kind", "EndpointSlice", "metadata", "generateName",
	                 c->name, "-", "namespace", c->ns, "labels", json_deep_copy(c->labels),
	                 "ownerReferences", owner, "addressType", atype, "endpoints", "ports",
	                 json_deep_copy(ports));
}

static int owned_by(const json_t *slice, const struct rc *c)
{
	size_t i;
	json_t *o;

	json_array_foreach (json_object_get(json_object_get(slice, "metadata"), "ownerReferences"),
	                    i, o) {
		const char *uid = json_string_value(json_object_get(o, "uid"));

		if (strcmp(epslice_nz(uid), epslice_nz(c->uid)) == 0 &&
		    strcmp(epslice_nz(epslice_str(o, "kind")), "Service") == 0 &&
		    strcmp(epslice_nz(epslice_str(o, "apiVersion")), "v1") == 0)
			return 1;
	}
	return 0;
}

static int labels_equal(const json_t *slice, const json_t *want)
{
	const json_t *l = json_object_get(json_object_get(slice, "metadata"), "labels");

	return l ? json_equal((json_t *)l, (json_t *)want) : json_object_size(want) == 0;
}

enum ws_state { WS_UNCHANGED, WS_UPDATE, WS_DELETE };

struct ws {
	struct xs *x;
	json_t *obj; /* the rewritten slice, once it changes */
	size_t neps;
	enum ws_state st;
};

static int ws_by_len_desc(const void *a, const void *b)
{
	const struct ws *x = *(struct ws *const *)a, *y = *(struct ws *const *)b;

	if (x->neps != y->neps)
		return x->neps > y->neps ? -1 : 1;
	return strcmp(epslice_meta_str(x->x->o, "name"), epslice_meta_str(y->x->o, "name"));
}

/* Takes a slice from unchanged to rewritten. */
static int ws_materialize(struct ws *w, const json_t *labels)
{
	if (!(w->obj = json_deep_copy(w->x->o)))
		return -ENOMEM;
	if (!json_is_array(json_object_get(w->obj, "endpoints")) &&
	    json_object_set_new(w->obj, "endpoints", json_array()) < 0)
		return -ENOMEM;
	json_t *meta = json_object_get(w->obj, "metadata");
	if (json_object_set_new(meta, "labels", json_deep_copy(labels)) < 0)
		return -ENOMEM;
	w->st = WS_UPDATE;
	return 0;
}

/* Step 1 of reconcileByPortMapping for one existing slice: keep the endpoints still
 * desired (in their current order, at their desired version), drop the rest. */
static int ws_diff(struct ws *w, struct epslice_group *g, const json_t *labels)
{
	json_t *old = json_object_get(w->x->o, "endpoints"), *e, *arr;
	size_t i, n = json_array_size(old), nk = 0;
	struct epslice_dep **keep = malloc((n + 1) * sizeof(*keep));
	int changed = 0, rc = -ENOMEM;

	if (!keep)
		return -ENOMEM;
	json_array_foreach (old, i, e) {
		char *key = epslice_ep_key(e);
		struct epslice_dep *d;

		if (!key)
			goto out;
		d = epslice_group_find(g, key);
		free(key);
		if (!d)
			continue;
		keep[nk++] = d;
		changed |= !epslice_dep_equal(d, e);
		epslice_group_take(g, d);
	}
	w->neps = n;
	if (changed || nk != n) {
		if (nk == 0) {
			w->st = WS_DELETE;
		} else {
			if (ws_materialize(w, labels) < 0 || !(arr = json_array()) ||
			    json_object_set_new(w->obj, "endpoints", arr) < 0)
				goto out;
			for (i = 0; i < nk; i++) {
				json_t *obj = epslice_dep_json(keep[i]);

				if (!obj || json_array_append(arr, obj) < 0)
					goto out;
			}
			w->neps = nk;
		}
	} else if (!labels_equal(w->x->o, labels)) {
		if (ws_materialize(w, labels) < 0)
			goto out;
	}
	rc = 0;
out:
	free(keep);
	return rc;
}

struct out {
	json_t *creates, *updates;
	struct xs **dels;
	size_t ndel;
};

static int add_del(struct out *o, struct xs *x)
{
	struct xs **n = realloc(o->dels, (o->ndel + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	o->dels = n;
	o->dels[o->ndel++] = x;
	return 0;
}

/* reconcileByPortMapping: xv holds the owned slices with g's port set. */
static int reconcile_ports(struct rc *c, const char *atype, struct epslice_group *g, struct xs **xv,
                           size_t nx, struct out *o)
{
	struct ws *ws = calloc(nx + 1, sizeof(*ws));
	struct ws **upd = calloc(nx + 1, sizeof(*upd));
	size_t i, nupd = 0;
	int rc = -ENOMEM;

	if (!ws || !upd)
		goto out;
	for (i = 0; i < nx; i++) {
		ws[i].x = xv[i];
		if (ws_diff(&ws[i], g, c->labels) < 0)
			goto out;
		if (ws[i].st == WS_UPDATE)
			upd[nupd++] = &ws[i];
	}
	/* 2. top up the slices being rewritten anyway, fullest first */
	if (g->left > 0 && nupd > 0) {
		qsort(upd, nupd, sizeof(*upd), ws_by_len_desc);
		for (i = 0; i < nupd; i++)
			if (epslice_group_fill(g, json_object_get(upd[i]->obj, "endpoints"),
			                       &upd[i]->neps, c->max) < 0)
				goto out;
	}
	/* 3. the rest: into the unchanged slice they fill best, else into new slices */
	while (g->left > 0) {
		struct ws *best = NULL;
		size_t closest = (size_t)c->max;

		if (g->left < (size_t)c->max) {
			for (i = 0; i < nx; i++) {
				size_t after = g->left + ws[i].neps;

				if (ws[i].st != WS_UNCHANGED || after > (size_t)c->max)
					continue;
				if ((size_t)c->max - after < closest) {
					closest = (size_t)c->max - after;
					best = &ws[i];
					if (closest == 0)
						break;
				}
			}
		}
		if (best) {
			if (ws_materialize(best, c->labels) < 0 ||
			    epslice_group_fill(g, json_object_get(best->obj, "endpoints"),
			                       &best->neps, c->max) < 0)
				goto out;
			continue;
		}
		json_t *s = new_slice(c, atype, g->ports);
		size_t n = 0;
		if (!s || json_array_append_new(o->creates, s) < 0 ||
		    epslice_group_fill(g, json_object_get(s, "endpoints"), &n, c->max) < 0)
			goto out;
	}
	for (i = 0; i < nx; i++) {
		if (ws[i].st == WS_UPDATE && json_array_append(o->updates, ws[i].obj) < 0)
			goto out;
		if (ws[i].st == WS_DELETE && add_del(o, ws[i].x) < 0)
			goto out;
	}
	rc = 0;
out:
	for (i = 0; ws && i < nx; i++)
		json_decref(ws[i].obj);
	free(ws);
	free(upd);
	return rc;
}

/* The placeholder an endpoint-less Service keeps: no endpoints, no ports. */
static int is_placeholder(const struct xs *x, const json_t *labels)
{
	return x->owned && json_array_size(json_object_get(x->o, "endpoints")) == 0 &&
	       json_array_size(json_object_get(x->o, "ports")) == 0 && labels_equal(x->o, labels);
}

static int name_cmp(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;

	return strcmp(epslice_nz(epslice_meta_str(x, "name")),
	              epslice_nz(epslice_meta_str(y, "name")));
}

static int xs_name_cmp(const void *a, const void *b)
{
	const json_t *x = (*(struct xs *const *)a)->o, *y = (*(struct xs *const *)b)->o;

	return name_cmp(&x, &y);
}

static int emit(json_t *actions, const char *op, json_t *obj)
{
	return json_array_append_new(actions, json_pack("{s:s, s:o}", "op", op, "object", obj));
}

/* finalize: creates become updates of slices about to be deleted, then the
 * writes are appended in a fixed order (creates, updates by name, deletes by name). */
static int finalize(struct rc *c, struct out *o)
{
	size_t i = 0;

	while (i < o->ndel && json_array_size(o->creates) > 0) {
		struct xs *x = o->dels[i];

		if (!x->owned) {
			i++;
			continue;
		}
		size_t last = json_array_size(o->creates) - 1;
		json_t *s = json_incref(json_array_get(o->creates, last));
		json_t *meta = json_object_get(s, "metadata");
		const char *rv = epslice_meta_str(x->o, "resourceVersion");
		json_array_remove(o->creates, last);
		json_object_del(meta, "generateName");
		if (json_object_set_new(meta, "name", json_string(epslice_meta_str(x->o, "name"))) <
		        0 ||
		    (rv && json_object_set_new(meta, "resourceVersion", json_string(rv)) < 0) ||
		    json_array_append_new(o->updates, s) < 0)
			return -ENOMEM;
		memmove(&o->dels[i], &o->dels[i + 1], (o->ndel - i - 1) * sizeof(*o->dels));
		o->ndel--;
	}
	/* no new slices for a Service being deleted: the garbage collector races us */
	if (!epslice_pod_deleting(c->svc)) {
		json_t *s;
		json_array_foreach (o->creates, i, s) {
			if (emit(c->actions, "create", json_incref(s)) < 0)
				return -ENOMEM;
		}
	}
	size_t nu = json_array_size(o->updates);
	json_t **uv = malloc((nu + 1) * sizeof(*uv));
	if (!uv)
		return -ENOMEM;
	for (i = 0; i < nu; i++)
		uv[i] = json_array_get(o->updates, i);
	if (nu > 1)
		qsort(uv, nu, sizeof(*uv), name_cmp);
	for (i = 0; i < nu; i++) {
		if (emit(c->actions, "update", json_incref(uv[i])) < 0) {
			free(uv);
			return -ENOMEM;
		}
	}
	free(uv);
	if (o->ndel > 1)
		qsort(o->dels, o->ndel, sizeof(*o->dels), xs_name_cmp);
	for (i = 0; i < o->ndel; i++)
		if (emit(c->actions, "delete", json_deep_copy(o->dels[i]->o)) < 0)
			return -ENOMEM;
	return 0;
}

/* reconcileByAddressType; ex holds this type's managed slices, sorted by name. */
static int reconcile_type(struct rc *c, const json_t *pods, int fam, const json_t **ex, size_t nex)
{
	const char *atype = fam == 6 ? "IPv6" : "IPv4";
	struct out o = {json_array(), json_array(), NULL, 0};
	struct xs *xs = calloc(nex + 1, sizeof(*xs));
	struct xs **xv = calloc(nex + 1, sizeof(*xv));
	struct epslice_group *gs = NULL;
	size_t ng = 0, i, j;
	int rc = -ENOMEM;

	if (!o.creates || !o.updates || !xs || !xv)
		goto out;
	for (i = 0; i < nex; i++) {
		xs[i].o = ex[i];
		xs[i].owned = owned_by(ex[i], c);
		if (!xs[i].owned) {
			if (add_del(&o, &xs[i]) < 0)
				goto out;
		} else if (epslice_ports_key(json_object_get(ex[i], "ports"), 0, &xs[i].pkey) < 0) {
			goto out;
		}
	}
	if ((rc = epslice_build_desired(c->svc, c->sel, c->pnr, pods, fam, &gs, &ng)) < 0)
		goto out;
	rc = -ENOMEM;
	for (j = 0; j < ng; j++) {
		size_t nx = 0;

		for (i = 0; i < nex; i++)
			if (xs[i].pkey && strcmp(xs[i].pkey, gs[j].pkey) == 0)
				xv[nx++] = &xs[i];
		if (reconcile_ports(c, atype, &gs[j], xv, nx, &o) < 0)
			goto out;
	}
	/* port sets nobody wants any more */
	for (i = 0; i < nex; i++) {
		int wanted = 0;

		for (j = 0; xs[i].pkey && j < ng && !wanted; j++)
			wanted = strcmp(xs[i].pkey, gs[j].pkey) == 0;
		if (xs[i].owned && !wanted && add_del(&o, &xs[i]) < 0)
			goto out;
	}
	/* an endpoint-less Service keeps exactly one empty slice per address type */
	if (o.ndel == nex && json_array_size(o.creates) == 0) {
		if (o.ndel == 1 && is_placeholder(o.dels[0], c->labels)) {
			o.ndel = 0;
		} else {
			json_t *none = json_array();
			json_t *s = none ? new_slice(c, atype, none) : NULL;

			json_decref(none);
			if (!s || json_array_append_new(o.creates, s) < 0)
				goto out;
		}
	}
	rc = finalize(c, &o);
out:
	for (i = 0; xs && i < nex; i++)
		free(xs[i].pkey);
	free(xs);
	free(xv);
	free(o.dels);
	json_decref(o.creates);
	json_decref(o.updates);
	epslice_groups_free(gs, ng);
	return rc;
}

static int slice_managed(const json_t *s)
{
	const json_t *l = json_object_get(json_object_get(s, "metadata"), "labels");

	return epslice_meta_str(s, "name") &&
	       strcmp(epslice_nz(epslice_str(l, EPSLICE_LABEL_MANAGED_BY)),
	              EPSLICE_CONTROLLER_NAME) == 0;
}

int epslice_reconcile(const json_t *svc, const json_t *pods, const json_t *existing,
                      const struct epslice_opts *opts, json_t **actions)
{
	struct rc c = {.svc = svc};
	const json_t **ex = NULL;
	size_t nex = 0, i, k;
	int fams[2], nf, rc = -ENOMEM;
	json_t *s;

	*actions = NULL;
	c.name = epslice_meta_str(svc, "name");
	c.ns = epslice_meta_str(svc, "namespace");
	c.uid = epslice_meta_str(svc, "uid");
	if (!json_is_object(svc) || !c.name || !c.ns || (pods && !json_is_array(pods)) ||
	    (existing && !json_is_array(existing)))
		return -EINVAL;
	if (!(c.actions = json_array()))
		return -ENOMEM;
	if (!epslice_service_managed(svc)) {
		*actions = c.actions;
		return 0;
	}
	c.max = opts && opts->max_per_slice > 0 ? opts->max_per_slice : 100;
	c.pnr =
	    json_is_true(json_object_get(json_object_get(svc, "spec"), "publishNotReadyAddresses"));
	if ((rc = sel_from_map(json_object_get(json_object_get(svc, "spec"), "selector"), &c.sel)) <
	    0)
		goto out;
	rc = -ENOMEM;
	if (!(c.labels = epslice_slice_labels(svc)))
		goto out;
	nf = epslice_service_families(svc, fams);
	if (!(ex = calloc(json_array_size(existing) + 1, sizeof(*ex))))
		goto out;
	for (k = 0; k < (size_t)nf; k++) {
		const char *atype = fams[k] == 6 ? "IPv6" : "IPv4";

		nex = 0;
		json_array_foreach (existing, i, s) {
			if (slice_managed(s) &&
			    strcmp(epslice_nz(epslice_str(s, "addressType")), atype) == 0)
				ex[nex++] = s;
		}
		if (nex > 1)
			qsort(ex, nex, sizeof(*ex), name_cmp);
		if ((rc = reconcile_type(&c, pods, fams[k], ex, nex)) < 0)
			goto out;
	}
	/* slices of an address type the Service no longer has */
	nex = 0;
	json_array_foreach (existing, i, s) {
		const char *at = epslice_nz(epslice_str(s, "addressType"));
		int keep = 0;

		for (k = 0; k < (size_t)nf; k++)
			keep |= strcmp(at, fams[k] == 6 ? "IPv6" : "IPv4") == 0;
		if (slice_managed(s) && !keep)
			ex[nex++] = s;
	}
	if (nex > 1)
		qsort(ex, nex, sizeof(*ex), name_cmp);
	rc = -ENOMEM;
	for (i = 0; i < nex; i++)
		if (emit(c.actions, "delete", json_deep_copy(ex[i])) < 0)
			goto out;
	rc = 0;
out:
	free(ex);
	sel_free(c.sel);
	json_decref(c.labels);
	if (rc < 0) {
		json_decref(c.actions);
		return rc;
	}
	*actions = c.actions;
	return 0;
}
