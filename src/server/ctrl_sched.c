/*
 * ctrl_sched.c - a minimal scheduler: a Pod without spec.nodeName is bound to
 * the Ready, schedulable Node that runs the fewest Pods. Pods wait while no
 * Node is Ready and are retried when Nodes change.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "server/ctrl.h"
#include "server/rest.h"

struct sched_ctrl {
	struct apiserver *as;
	dict *unbound; /* pod keys */
	int kick;      /* nodes changed: retry the unbound */
	int writing;
};

static int sched_pod_unbound(const json_t *pod)
{
	const char *node =
	    json_string_value(json_object_get(json_object_get(pod, "spec"), "nodeName"));
	json_t *md = json_object_get(pod, "metadata");

	return (!node || !node[0]) && !json_object_get(md, "deletionTimestamp");
}

static void sched_on_event(const store_event *ev, void *data)
{
	struct sched_ctrl *s = data;
	json_t *pod;

	if (s->writing)
		return;
	if (!strncmp(ev->key, "/nodes/", 7)) {
		s->kick = dict_size(s->unbound) > 0;
		return;
	}
	if (strncmp(ev->key, "/pods/", 6) != 0)
		return;
	if (ev->type == STORE_DELETED) {
		dict_del(s->unbound, ev->key);
		return;
	}
	pod = ev->obj ? json_incref((json_t *)ev->obj) : rest_load(ev->val);

	if (pod && sched_pod_unbound(pod)) {
		dict_set(s->unbound, ev->key, (void *)1, NULL);
		s->kick = 1;
	} else {
		dict_del(s->unbound, ev->key);
	}
	json_decref(pod);
}

static int sched_node_ready(const json_t *node)
{
	json_t *conds = json_object_get(json_object_get(node, "status"), "conditions"), *c;
	size_t i;

	if (json_is_true(json_object_get(json_object_get(node, "spec"), "unschedulable")))
		return 0;
	json_array_foreach (conds, i, c) {
		const char *t = json_string_value(json_object_get(c, "type"));
		const char *st = json_string_value(json_object_get(c, "status"));

		if (t && !strcmp(t, "Ready"))
			return st && !strcmp(st, "True");
	}
	return 0;
}

/* Ready nodes and how many pods each runs, computed once per run. */
struct sched_view {
	char **names;
	size_t *count;
	size_t n;
};

static void sched_view_free(struct sched_view *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->names[i]);
	free(v->names);
	free(v->count);
}

static int sched_view_build(struct apiserver *as, struct sched_view *v)
{
	store_val **vals;
	char **keys;
	size_t n;

	memset(v, 0, sizeof(*v));
	if (store_list(as->st, "/nodes/", &vals, &keys, &n) < 0)
		return -1;
	v->names = calloc(n ? n : 1, sizeof(*v->names));
	v->count = calloc(n ? n : 1, sizeof(*v->count));
	for (size_t i = 0; v->names && v->count && i < n; i++) {
		json_t *node = rest_load(vals[i]);
		const char *name =
			json_string_value(json_object_get(json_object_get(node, "metadata"), "name"));

		if (name && sched_node_ready(node) && (v->names[v->n] = strdup(name)))
			v->n++;
		json_decref(node);
	}
	free(vals);
	free(keys);
	if (!v->names || !v->count) {
		sched_view_free(v);
		return -1;
	}
	if (!v->n)
		return 0;
	if (store_list(as->st, "/pods/", &vals, &keys, &n) < 0) {
		sched_view_free(v);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *p = rest_load(vals[i]);
		const char *node =
			json_string_value(json_object_get(json_object_get(p, "spec"), "nodeName"));

		for (size_t k = 0; node && k < v->n; k++)
			if (!strcmp(v->names[k], node))
				v->count[k]++;
		json_decref(p);
	}
	free(vals);
	free(keys);
	return 0;
}

/* The Ready node with the fewest pods, or -1. */
static int sched_pick(const struct sched_view *v)
{
	int best = -1;

	for (size_t k = 0; k < v->n; k++)
		if (best < 0 || v->count[k] < v->count[best])
			best = (int)k;
	return best;
}

static void sched_bind(struct sched_ctrl *s, struct sched_view *view, const char *key)
{
	store_val *v = store_get(s->as->st, key);
	json_t *pod = v ? rest_load(v) : NULL, *st, *conds;
	char now[32];
	int k;

	if (!pod || !sched_pod_unbound(pod)) {
		dict_del(s->unbound, key);
		json_decref(pod);
		return;
	}
	k = sched_pick(view);
	if (k < 0) {
		json_decref(pod);
		return; /* stays unbound until a node is Ready */
	}
	json_object_set_new(json_object_get(pod, "spec"), "nodeName", json_string(view->names[k]));
	st = json_object_get(pod, "status");
	if (!json_is_object(st)) {
		st = json_object();
		json_object_set_new(pod, "status", st);
	}
	rest_now(now, sizeof(now));
	conds = json_array();
	json_array_append_new(conds, json_pack("{s:s,s:s,s:n,s:s}", "type", "PodScheduled", "status",
					       "True", "lastProbeTime", "lastTransitionTime", now));
	json_object_set_new(st, "conditions", conds);
	s->writing = 1;
	if (store_put(s->as->st, key, pod, 0, v->rev, NULL) == 0) {
		dict_del(s->unbound, key);
		view->count[k]++;
		log_info("sched", "%s bound to %s", key, view->names[k]);
	}
	s->writing = 0;
	json_decref(pod);
}

struct sched_ctrl *sched_ctrl_new(struct apiserver *as)
{
	struct sched_ctrl *s = calloc(1, sizeof(*s));
	store_val **vals;
	char **keys;
	size_t n;

	if (!s)
		return NULL;
	s->as = as;
	s->unbound = dict_new();
	if (!s->unbound || store_subscribe(as->st, sched_on_event, s) < 0) {
		sched_ctrl_free(s);
		return NULL;
	}
	if (store_list(as->st, "/pods/", &vals, &keys, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			json_t *p = rest_load(vals[i]);

			if (p && sched_pod_unbound(p))
				dict_set(s->unbound, keys[i], (void *)1, NULL);
			json_decref(p);
		}
		free(vals);
		free(keys);
	}
	s->kick = dict_size(s->unbound) > 0;
	return s;
}

void sched_ctrl_free(struct sched_ctrl *s)
{
	if (!s)
		return;
	dict_free(s->unbound, NULL);
	free(s);
}

int sched_ctrl_pending(const struct sched_ctrl *s)
{
	return s && s->kick;
}

void sched_ctrl_run(struct sched_ctrl *s)
{
	struct sched_view view;
	char *keys[256];
	int n = 0;
	dict_iter it;
	const char *k;

	s->kick = 0;
	if (!dict_size(s->unbound) || sched_view_build(s->as, &view) < 0)
		return;
	if (!view.n) {
		/* No Ready node: nothing to do until a node changes (which kicks). */
		sched_view_free(&view);
		return;
	}
	dict_iter_init(&it, s->unbound);
	while (n < 256 && dict_next(&it, &k, NULL))
		keys[n++] = strdup(k);
	for (int i = 0; i < n; i++) {
		if (keys[i])
			sched_bind(s, &view, keys[i]);
		free(keys[i]);
	}
	sched_view_free(&view);
	/* More than one batch waiting: come back before sleeping. */
	if (n == 256 && dict_size(s->unbound))
		s->kick = 1;
}
