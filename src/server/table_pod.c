/*
 * table_pod.c - the Pod row of `kubectl get pods`: READY, the STATUS reason
 * derived from init and app container states exactly as kube-apiserver's
 * printPod does, RESTARTS with the time of the last restart, and the wide
 * columns.
 */
#include "server/table.h"
#include "server/table_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct restarts {
	long long count;
	time_t last; /* latest lastState.terminated.finishedAt; valid when have_last */
	int have_last;
};

static void note_restart(struct restarts *r, json_t *status)
{
	json_t *fin = table_get(status, "lastState.terminated.finishedAt");
	time_t t;

	r->count += table_int(status, "restartCount");
	if (json_is_string(fin) && !table_parse_time(json_string_value(fin), &t) &&
	    (!r->have_last || t > r->last)) {
		r->last = t;
		r->have_last = 1;
	}
}

static json_t *find_named(json_t *arr, const char *name)
{
	size_t i;
	json_t *v;

	json_array_foreach (arr, i, v) {
		if (!strcmp(table_str(v, "name"), name))
			return v;
	}
	return NULL;
}

/* A sidecar: an init container with restartPolicy Always. */
static int restartable(json_t *spec_init, const char *name)
{
	json_t *c = find_named(spec_init, name);

	return c && !strcmp(table_str(c, "restartPolicy"), "Always");
}

static int condition_true(json_t *conds, const char *type)
{
	size_t i;
	json_t *c;

	json_array_foreach (conds, i, c) {
		if (!strcmp(table_str(c, "type"), type))
			return !strcmp(table_str(c, "status"), "True");
	}
	return 0;
}

static int row_conditions(json_t *row, const char *phase)
{
	const char *msg;

	if (!strcmp(phase, "Succeeded"))
		msg = "The pod has completed successfully.";
	else if (!strcmp(phase, "Failed"))
		msg = "The pod failed.";
	else
		return 0;
	return json_object_set_new(row, "conditions",
	                           json_pack("[{s:s,s:s,s:s,s:s}]", "type", "Completed", "status",
	                                     "True", "reason", phase, "message", msg))
	           ? -ENOMEM
	           : 0;
}

/* The init container loop: the reason while initialization is in progress
 * or failed. Returns 1 when still initializing. */
static int init_status(json_t *pod, char *reason, size_t rlen, long long *ready,
                       struct restarts *all, struct restarts *sidecars)
{
	json_t *spec_init = table_get(pod, "spec.initContainers");
	json_t *statuses = table_get(pod, "status.initContainerStatuses");
	size_t i, n_init = json_is_array(spec_init) ? json_array_size(spec_init) : 0;
	json_t *cs;

	json_array_foreach (statuses, i, cs) {
		json_t *term = table_get(cs, "state.terminated");
		json_t *wait = table_get(cs, "state.waiting");
		int sidecar = restartable(spec_init, table_str(cs, "name"));

		note_restart(all, cs);
		if (sidecar)
			note_restart(sidecars, cs);
		if (json_is_object(term) && table_int(term, "exitCode") == 0)
			continue;
		if (sidecar && json_is_true(json_object_get(cs, "started"))) {
			if (json_is_true(json_object_get(cs, "ready")))
				(*ready)++;
			continue;
		}
		if (json_is_object(term)) {
			if (*table_str(term, "reason"))
				snprintf(reason, rlen, "Init:%s", table_str(term, "reason"));
			else if (table_int(term, "signal"))
				snprintf(reason, rlen, "Init:Signal:%lld",
				         table_int(term, "signal"));
			else
				snprintf(reason, rlen, "Init:ExitCode:%lld",
				         table_int(term, "exitCode"));
		} else if (json_is_object(wait) && *table_str(wait, "reason") &&
		           strcmp(table_str(wait, "reason"), "PodInitializing")) {
			snprintf(reason, rlen, "Init:%s", table_str(wait, "reason"));
		} else {
			snprintf(reason, rlen, "Init:%zu/%zu", i, n_init);
		}
		return 1;
	}
	return 0;
}

static void app_status(json_t *pod, char *reason, size_t rlen, long long *ready, struct restarts *r)
{
	json_t *statuses = table_get(pod, "status.containerStatuses");
	size_t n = json_is_array(statuses) ? json_array_size(statuses) : 0;
	int has_running = 0;

	/* Backwards, so the first container's state decides the reason. */
	for (size_t i = n; i-- > 0;) {
		json_t *cs = json_array_get(statuses, i);
		json_t *term = table_get(cs, "state.terminated");
		json_t *wait = table_get(cs, "state.waiting");

		note_restart(r, cs);
		if (json_is_object(wait) && *table_str(wait, "reason")) {
			snprintf(reason, rlen, "%s", table_str(wait, "reason"));
		} else if (json_is_object(term) && *table_str(term, "reason")) {
			snprintf(reason, rlen, "%s", table_str(term, "reason"));
		} else if (json_is_object(term)) {
			if (table_int(term, "signal"))
				snprintf(reason, rlen, "Signal:%lld", table_int(term, "signal"));
			else
				snprintf(reason, rlen, "ExitCode:%lld",
				         table_int(term, "exitCode"));
		} else if (json_is_true(json_object_get(cs, "ready")) &&
		           json_is_object(table_get(cs, "state.running"))) {
			has_running = 1;
			(*ready)++;
		}
	}
	if (!strcmp(reason, "Completed") && has_running)
		snprintf(reason, rlen, "%s",
		         condition_true(table_get(pod, "status.conditions"), "Ready") ? "Running"
		                                                                      : "NotReady");
}

static int wide_cells(json_t *pod, json_t *cells)
{
	json_t *gates = table_get(pod, "spec.readinessGates");
	const char *ip = table_str(json_array_get(table_get(pod, "status.podIPs"), 0), "ip");
	const char *node = table_str(pod, "spec.nodeName");
	const char *nominated = table_str(pod, "status.nominatedNodeName");
	char gates_str[48] = "<none>";
	int rc;

	if (json_is_array(gates) && json_array_size(gates)) {
		json_t *conds = table_get(pod, "status.conditions"), *g, *c;
		size_t i, j, ok = 0;

		json_array_foreach (gates, i, g) {
			json_array_foreach (conds, j, c) {
				if (!strcmp(table_str(c, "type"), table_str(g, "conditionType"))) {
					ok += !strcmp(table_str(c, "status"), "True");
					break;
				}
			}
		}
		snprintf(gates_str, sizeof(gates_str), "%zu/%zu", ok, json_array_size(gates));
	}
	rc = table_cell_str(cells, *ip ? ip : "<none>");
	rc = rc ? rc : table_cell_str(cells, *node ? node : "<none>");
	rc = rc ? rc : table_cell_str(cells, *nominated ? nominated : "<none>");
	return rc ? rc : table_cell_str(cells, gates_str);
}

int table_row_pod(json_t *pod, time_t now, json_t *cells, json_t *row)
{
	const char *phase = table_str(pod, "status.phase");
	json_t *spec_init = table_get(pod, "spec.initContainers"), *c;
	json_t *conds = table_get(pod, "status.conditions");
	struct restarts all = {0}, sidecars = {0};
	long long ready = 0, total;
	char reason[160], ready_str[48], restarts_str[64], age[32], since[32];
	size_t i;
	int rc;

	total = json_is_array(table_get(pod, "spec.containers"))
	            ? (long long)json_array_size(table_get(pod, "spec.containers"))
	            : 0;
	snprintf(reason, sizeof(reason), "%s",
	         *table_str(pod, "status.reason") ? table_str(pod, "status.reason") : phase);
	json_array_foreach (conds, i, c) {
		if (!strcmp(table_str(c, "type"), "PodScheduled") &&
		    !strcmp(table_str(c, "reason"), "SchedulingGated"))
			snprintf(reason, sizeof(reason), "SchedulingGated");
	}
	rc = row_conditions(row, phase);
	if (rc)
		return rc;
	json_array_foreach (spec_init, i, c) {
		if (!strcmp(table_str(c, "restartPolicy"), "Always"))
			total++;
	}

	if (!init_status(pod, reason, sizeof(reason), &ready, &all, &sidecars) ||
	    condition_true(conds, "Initialized")) {
		/* Past initialization only sidecar restarts count from the init
		 * containers. */
		all = sidecars;
		app_status(pod, reason, sizeof(reason), &ready, &all);
	}

	if (json_is_string(table_get(pod, "metadata.deletionTimestamp"))) {
		if (!strcmp(table_str(pod, "status.reason"), "NodeLost"))
			snprintf(reason, sizeof(reason), "Unknown");
		else if (strcmp(phase, "Succeeded") && strcmp(phase, "Failed"))
			snprintf(reason, sizeof(reason), "Terminating");
	}

	snprintf(ready_str, sizeof(ready_str), "%lld/%lld", ready, total);
	if (all.count != 0 && all.have_last)
		snprintf(restarts_str, sizeof(restarts_str), "%lld (%s ago)", all.count,
		         table_human_duration((long long)now - (long long)all.last, since,
		                              sizeof(since)));
	else
		snprintf(restarts_str, sizeof(restarts_str), "%lld", all.count);

	rc = table_cell_str(cells, table_str(pod, "metadata.name"));
	rc = rc ? rc : table_cell_str(cells, ready_str);
	rc = rc ? rc : table_cell_str(cells, reason);
	rc = rc ? rc : table_cell_str(cells, restarts_str);
	rc = rc ? rc
	        : table_cell_str(cells, table_since(table_get(pod, "metadata.creationTimestamp"),
	                                            now, age, sizeof(age)));
	return rc ? rc : wide_cells(pod, cells);
}
