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

/* Picks the Ready node with the fewest pods; name into out. */
static int sched_pick(struct apiserver *as, char *out, size_t outlen)
{
	store_val **vals;
	char **keys;
	size_t n, best = (size_t)-1;
	dict *count = dict_new();
	int found = 0;

	if (!count)
		return 0;
	if (store_list(as->st, "/pods/", &vals, &keys, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			json_t *p = rest_load(vals[i]);
			const char *node = json_string_value(
			    json_object_get(json_object_get(p, "spec"), "nodeName"));

			if (node && node[0])
				dict_set(count, node, (void *)((size_t)dict_get(count, node) + 1),
				         NULL);
			json_decref(p);
		}
		free(vals);
		free(keys);
	}
	if (store_list(as->st, "/nodes/", &vals, &keys, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			json_t *node = rest_load(vals[i]);
			const char *name = json_string_value(
			    json_object_get(json_object_get(node, "metadata"), "name"));
			size_t c;

			if (name && sched_node_ready(node)) {
				c = (size_t)dict_get(count, name);
				if (c < best) {
					best = c;
					snprintf(out, outlen, "%s", name);
					found = 1;
				}
			}
			json_decref(node);
		}
		free(vals);
		free(keys);
	}
	dict_free(count, NULL);
	return found;
}

static void sched_bind(struct sched_ctrl *s, const char *key)
{
	store_val *v = store_get(s->as->st, key);
	json_t *pod = v ? rest_load(v) : NULL, *st, *conds;
	char node[256], now[32];

	if (!pod || !sched_pod_unbound(pod)) {
		dict_del(s->unbound, key);
		json_decref(pod);
		return;
	}
	if (!sched_pick(s->as, node, sizeof(node))) {
		json_decref(pod);
		return; /* stays unbound until a node is Ready */
	}
	json_object_set_new(json_object_get(pod, "spec"), "nodeName", json_string(node));
	st = json_object_get(pod, "status");
	if (!json_is_object(st)) {
		st = json_object();
		json_object_set_new(pod, "status", st);
	}
	rest_now(now, sizeof(now));
	conds = json_array();
	json_array_append_new(conds,
	                      json_pack("{s:s,s:s,s:n,s:s}", "type", "PodScheduled", "status",
	                                "True", "lastProbeTime", "lastTransitionTime", now));
	json_object_set_new(st, "conditions", conds);
	s->writing = 1;
	if (store_put(s->as->st, key, pod, 0, v->rev, NULL) == 0) {
		dict_del(s->unbound, key);
		log_info("sched", "%s bound to %s", key, node);
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
	char *keys[256];
	int n = 0;
	dict_iter it;
	const char *k;

	s->kick = 0;
	dict_iter_init(&it, s->unbound);
	while (n < 256 && dict_next(&it, &k, NULL))
		keys[n++] = strdup(k);
	for (int i = 0; i < n; i++) {
		if (keys[i])
			sched_bind(s, keys[i]);
		free(keys[i]);
	}
}
