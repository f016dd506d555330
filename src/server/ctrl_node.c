/*
 * ctrl_node.c - node lifecycle: a Node whose agent stops posting status (its
 * Ready condition's lastHeartbeatTime is older than the grace period) gets
 * Ready=Unknown, as kube-controller-manager's node lifecycle controller does
 * after --node-monitor-grace-period, so the scheduler stops choosing it.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "server/ctrl.h"
#include "server/rest.h"
#include "server/table.h"

static json_t *node_ready_cond(json_t *node)
{
	json_t *conds = json_object_get(json_object_get(node, "status"), "conditions"), *c;
	size_t i;

	json_array_foreach(conds, i, c)
	{
		const char *t = json_string_value(json_object_get(c, "type"));

		if (t && !strcmp(t, "Ready"))
			return c;
	}
	return NULL;
}

/* Marks one node Unknown when its heartbeat is too old; 1 when it wrote. */
static int node_check(struct apiserver *as, const char *key, store_val *v, time_t now)
{
	json_t *node = rest_load(v), *c;
	const char *st, *hb;
	time_t last;
	char ts[32];
	int wrote = 0;

	c = node ? node_ready_cond(node) : NULL;
	st = c ? json_string_value(json_object_get(c, "status")) : NULL;
	hb = c ? json_string_value(json_object_get(c, "lastHeartbeatTime")) : NULL;
	if (!c || !st || !strcmp(st, "Unknown") || !hb || table_parse_time(hb, &last) < 0 ||
	    now - last < as->cfg.node_grace_s)
		goto out;
	apiserver_timestamp(ts, sizeof(ts), now);
	json_object_set_new(c, "status", json_string("Unknown"));
	json_object_set_new(c, "reason", json_string("NodeStatusUnknown"));
	json_object_set_new(c, "message", json_string("Kubelet stopped posting node status."));
	json_object_set_new(c, "lastTransitionTime", json_string(ts));
	if (store_put(as->st, key, node, 0, v->rev, NULL) == 0) {
		log_warn("node", "%s: no heartbeat for %lld s: Ready=Unknown", key,
			 (long long)(now - last));
		wrote = 1;
	}
out:
	json_decref(node);
	return wrote;
}

void node_ctrl_run(struct apiserver *as)
{
	store_val **vals;
	char **keys;
	size_t n;
	time_t now = time(NULL);

	if (store_list(as->st, "/nodes/", &vals, &keys, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		char *key = strdup(keys[i]);

		if (key)
			node_check(as, key, vals[i], now);
		free(key);
		/* a write replaced this entry; later ones are untouched */
	}
	free(vals);
	free(keys);
}
