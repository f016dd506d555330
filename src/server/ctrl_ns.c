/*
 * ctrl_ns.c - the namespace lifecycle, as kube-controller-manager's namespace
 * controller runs it: a deleted Namespace turns Terminating, refuses new
 * content, has everything in it deleted the ordinary way (finalizers and pod
 * grace periods honoured), and goes once it is empty.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "server/ctrl.h"
#include "server/rest.h"

void ns_ctrl_mark(struct apiserver *as, const char *name)
{
	dict_set(as->ns_terminating, name, (void *)1, NULL);
	as->ns_kick = 1;
}

/* Work right after a deletion; otherwise the 1 s timer re-checks (what holds
 * a namespace -- finalizers, grace periods -- does not change every loop). */
int ns_ctrl_pending(const struct apiserver *as)
{
	return as->ns_kick && dict_size(as->ns_terminating) > 0;
}

int ns_ctrl_terminating(struct apiserver *as, const char *ns)
{
	char key[300];
	store_val *v;
	json_t *o;
	int t;

	if (store_key(key, sizeof(key), "namespaces", NULL, ns) < 0 ||
	    !(v = store_get(as->st, key)))
		return 0;
	if (!strstr(v->data, "\"deletionTimestamp\""))
		return 0;
	o = rest_load(v);
	t = json_object_get(json_object_get(o, "metadata"), "deletionTimestamp") != NULL;
	json_decref(o);
	return t;
}

/* Deletes what is left in ns; returns how many objects remain. */
static size_t ns_ctrl_empty(struct apiserver *as, const char *ns)
{
	struct rest_delopts opts = {-1, NULL, NULL, 0};
	size_t remaining = 0;

	for (int k = 0; k < API_NKINDS; k++) {
		const struct api_resource *res = &api_resources[k];
		struct rest_req q = {0};
		char prefix[300];
		store_val **vals;
		char **keys;
		size_t n;

		if (!res->namespaced)
			continue;
		snprintf(prefix, sizeof(prefix), "/%s/%s/", res->plural, ns);
		if (store_list(as->st, prefix, &vals, &keys, &n) < 0) {
			remaining++;
			continue;
		}
		q.as = as;
		q.res = res;
		q.quiet = 1;
		for (size_t i = 0; i < n; i++) {
			char *key = strdup(keys[i]);
			json_t *o = rest_load(vals[i]);
			json_t *md = json_object_get(o, "metadata");
			const char *name = json_string_value(json_object_get(md, "name"));
			store_val *out;

			remaining++;
			/* Already on its way out: finalizers or a grace period hold it. */
			if (key && name && !json_object_get(md, "deletionTimestamp"))
				rest_delete_one(&q, key, name, &opts, &out);
			free(key);
			json_decref(o);
			vals[i] = NULL; /* may be freed by the delete */
		}
		free(vals);
		free(keys);
	}
	return remaining;
}

static int ns_ctrl_still_there(struct apiserver *as, const char *ns)
{
	for (int k = 0; k < API_NKINDS; k++) {
		const struct api_resource *res = &api_resources[k];
		char prefix[300];
		store_val **vals;
		char **keys;
		size_t n;

		if (!res->namespaced)
			continue;
		snprintf(prefix, sizeof(prefix), "/%s/%s/", res->plural, ns);
		if (store_list(as->st, prefix, &vals, &keys, &n) < 0)
			return 1;
		free(vals);
		free(keys);
		if (n)
			return 1;
	}
	return 0;
}

void ns_ctrl_run(struct apiserver *as)
{
	char *names[64];
	int n = 0;
	dict_iter it;
	const char *k;

	as->ns_kick = 0;
	dict_iter_init(&it, as->ns_terminating);
	while (n < 64 && dict_next(&it, &k, NULL))
		names[n++] = strdup(k);
	for (int i = 0; i < n; i++) {
		char key[300];

		if (!names[i])
			continue;
		store_key(key, sizeof(key), "namespaces", NULL, names[i]);
		if (!store_get(as->st, key) || !ns_ctrl_terminating(as, names[i])) {
			dict_del(as->ns_terminating, names[i]);
		} else if (ns_ctrl_empty(as, names[i]) == 0 || !ns_ctrl_still_there(as, names[i])) {
			log_info("ns", "namespace %s is empty: removing it", names[i]);
			rest_finalize_delete(as, &api_resources[API_NAMESPACE], key, 0, NULL);
			dict_del(as->ns_terminating, names[i]);
		}
		free(names[i]);
	}
}

void ns_ctrl_rebuild(struct apiserver *as)
{
	store_val **vals;
	char **keys;
	size_t n;

	if (store_list(as->st, "/namespaces/", &vals, &keys, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		const char *name = keys[i] + strlen("/namespaces/");

		if (ns_ctrl_terminating(as, name))
			ns_ctrl_mark(as, name);
	}
	free(vals);
	free(keys);
}
