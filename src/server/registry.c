/* registry.c - allocation bookkeeping and the per-kind hooks of the simple kinds. */
#include "server/registry.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "server/rest.h"

void registry_ctx_init(struct reg_ctx *x, struct apiserver *as)
{
	memset(x, 0, sizeof(*x));
	x->as = as;
}

void registry_ctx_free(struct reg_ctx *x)
{
	json_decref(x->causes);
	x->causes = NULL;
	json_decref(x->lb_svc);
	x->lb_svc = NULL;
}

int registry_fail(struct reg_ctx *x, int code, const char *reason, const char *fmt, ...)
{
	va_list ap;

	x->code = code;
	snprintf(x->reason, sizeof(x->reason), "%s", reason);
	va_start(ap, fmt);
	vsnprintf(x->message, sizeof(x->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int registry_invalid(struct reg_ctx *x, const char *field, const char *reason, const char *msg)
{
	if (!x->causes)
		x->causes = json_array();
	json_array_append_new(x->causes, json_pack("{s:s,s:s,s:s}", "reason", reason, "message",
	                                           msg, "field", field));
	x->code = 422;
	return -EINVAL;
}

static void registry_give_back(struct apiserver *as, const struct reg_alloc *a)
{
	switch (a->kind) {
	case REG_SVC_IP:
		if (as->svc_ip[a->idx])
			ipalloc_release(as->svc_ip[a->idx], &a->addr);
		break;
	case REG_NODE_PORT:
		portalloc_release(as->node_ports, a->port);
		break;
	case REG_LB_IP:
		lbipam_release(as->lb, &a->addr);
		break;
	case REG_POD_CIDR:
		if (as->pod_cidrs)
			podcidr_release(as->pod_cidrs, &a->cidr);
		break;
	}
}

void registry_abort(struct reg_ctx *x)
{
	for (int i = x->ndone - 1; i >= 0; i--)
		registry_give_back(x->as, &x->done[i]);
	x->ndone = 0;
	x->nrelease = 0;
	x->lb_pending = 0;
	x->lb_why[0] = '\0';
}

void registry_finish(struct reg_ctx *x)
{
	for (int i = 0; i < x->nrelease; i++)
		registry_give_back(x->as, &x->release[i]);
	x->ndone = 0;
	x->nrelease = 0;
	if (x->lb_pending > 0) {
		if (!dict_get(x->as->lb_pending, x->lb_key)) {
			dict_set(x->as->lb_pending, x->lb_key, (void *)1, NULL);
			if (x->lb_why[0] && x->lb_svc)
				registry_event(x->as, x->lb_svc, "Warning", "AllocationFailed",
					       x->lb_why);
		}
	} else if (x->lb_pending < 0) {
		dict_del(x->as->lb_pending, x->lb_key);
	}
	x->lb_pending = 0;
	x->lb_why[0] = '\0';
}

/* --- Pods --- */

static void registry_pod_create(json_t *pod)
{
	json_t *spec = json_object_get(pod, "spec");
	json_t *st = json_pack("{s:s,s:s}", "phase", "Pending", "qosClass", "BestEffort");
	const char *node = json_string_value(json_object_get(spec, "nodeName"));

	if (st && node && node[0]) {
		char now[32];

		rest_now(now, sizeof(now));
		json_object_set_new(st, "conditions",
		                    json_pack("[{s:s,s:s,s:n,s:s}]", "type", "PodScheduled",
		                              "status", "True", "lastProbeTime",
		                              "lastTransitionTime", now));
	}
	if (st)
		json_object_set_new(pod, "status", st);
}

/* --- Nodes: a pod CIDR each --- */

static int registry_node_alloc(struct reg_ctx *x, const json_t *old, json_t *node)
{
	struct apiserver *as = x->as;
	json_t *spec = json_object_get(node, "spec");
	const char *want;
	net_cidr c;
	char s[NET_CIDR_STRLEN];
	int r;

	if (!as->pod_cidrs)
		return 0;
	if (!json_is_object(spec)) {
		spec = json_object();
		json_object_set_new(node, "spec", spec);
	}
	want = json_string_value(json_object_get(spec, "podCIDR"));
	if (old) {
		const char *had =
		    json_string_value(json_object_get(json_object_get(old, "spec"), "podCIDR"));

		if (had && want && !strcmp(had, want))
			return 0;
		if (had && !want) {
			json_object_set_new(spec, "podCIDR", json_string(had));
			json_object_set_new(spec, "podCIDRs",
			                    json_deep_copy(json_object_get(
			                        json_object_get(old, "spec"), "podCIDRs")));
			return 0;
		}
	}
	if (want && want[0]) {
		if (net_cidr_parse(want, &c, 1) < 0)
			return registry_invalid(x, "spec.podCIDR", "FieldValueInvalid",
			                        "Invalid value: must be a valid CIDR");
		r = podcidr_allocate(as->pod_cidrs, &c);
		if (r == -EEXIST)
			return registry_invalid(x, "spec.podCIDR", "FieldValueInvalid",
			                        "Invalid value: already assigned to another node");
		if (r == 0 && x->ndone < REG_MAX_ALLOCS)
			x->done[x->ndone++] = (struct reg_alloc){.kind = REG_POD_CIDR, .cidr = c};
		/* A CIDR outside the cluster CIDR is the operator's business. */
		return 0;
	}
	r = podcidr_allocate_next(as->pod_cidrs, &c);
	if (r < 0) {
		log_warn(
		    "registry", "no pod CIDR left for node %s",
		    json_string_value(json_object_get(json_object_get(node, "metadata"), "name")));
		return 0; /* the node registers; it just has no pod CIDR yet */
	}
	x->done[x->ndone++] = (struct reg_alloc){.kind = REG_POD_CIDR, .cidr = c};
	net_cidr_fmt(&c, s, sizeof(s));
	json_object_set_new(spec, "podCIDR", json_string(s));
	json_object_set_new(spec, "podCIDRs", json_pack("[s]", s));
	return 0;
}

static void registry_node_release(struct apiserver *as, const json_t *node)
{
	const char *had =
	    json_string_value(json_object_get(json_object_get(node, "spec"), "podCIDR"));
	net_cidr c;

	if (as->pod_cidrs && had && net_cidr_parse(had, &c, 1) == 0)
		podcidr_release(as->pod_cidrs, &c);
}

/* --- hooks --- */

int registry_prepare_create(struct reg_ctx *x, const struct api_resource *res, json_t *obj)
{
	switch (res->id) {
	case API_SERVICE:
		/* Users cannot set status; LB ingress comes from the allocator. */
		json_object_set_new(obj, "status", json_pack("{s:{}}", "loadBalancer"));
		return registry_service_alloc(x, NULL, obj);
	case API_POD:
		registry_pod_create(obj);
		return 0;
	case API_NODE:
		return registry_node_alloc(x, NULL, obj);
	case API_NAMESPACE:
		json_object_set_new(obj, "status", json_pack("{s:s}", "phase", "Active"));
		if (!json_object_get(obj, "spec"))
			json_object_set_new(obj, "spec",
			                    json_pack("{s:[s]}", "finalizers", "kubernetes"));
		return 0;
	case API_INGRESS:
		json_object_set_new(obj, "status", json_pack("{s:{}}", "loadBalancer"));
		return 0;
	default:
		return 0;
	}
}

int registry_prepare_update(struct reg_ctx *x, const struct api_resource *res, const json_t *old,
                            json_t *obj)
{
	switch (res->id) {
	case API_SERVICE:
		return registry_service_alloc(x, old, obj);
	case API_NODE:
		return registry_node_alloc(x, old, obj);
	default:
		return 0;
	}
}

void registry_released(struct apiserver *as, const struct api_resource *res, const json_t *old)
{
	if (res->id == API_SERVICE)
		registry_service_release(as, old);
	else if (res->id == API_NODE)
		registry_node_release(as, old);
}

int registry_rebuild(struct apiserver *as)
{
	store_val **vals;
	char **keys;
	size_t n;
	net_cidr c;

	/* Fresh allocators: the stored objects are the truth. */
	for (int i = 0; i < 2; i++) {
		if (!as->svc_ip[i])
			continue;
		ipalloc_free(as->svc_ip[i]);
		as->svc_ip[i] = ipalloc_new(&as->svc_cidr[i]);
		if (!as->svc_ip[i])
			return -ENOMEM;
	}
	portalloc_free(as->node_ports);
	as->node_ports = portalloc_new(as->cfg.node_port_lo, as->cfg.node_port_hi);
	if (!as->node_ports)
		return -ENOMEM;
	if (as->pod_cidrs) {
		c = *podcidr_cluster(as->pod_cidrs);
		int mask = podcidr_mask(as->pod_cidrs);

		podcidr_free(as->pod_cidrs);
		as->pod_cidrs = podcidr_new(&c, mask);
	}
	lbipam_free(as->lb);
	as->lb = lbipam_new();
	if (!as->lb)
		return -ENOMEM;
	for (int i = 0; i < as->cfg.n_lb_pools; i++)
		lbipam_add_pool(as->lb, as->cfg.lb_pools[i]);

	if (store_list(as->st, "/services/", &vals, &keys, &n) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_t *o = rest_load(vals[i]);

		if (o)
			registry_service_rebuild(as, o);
		json_decref(o);
	}
	free(vals);
	free(keys);
	if (store_list(as->st, "/nodes/", &vals, &keys, &n) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_t *o = rest_load(vals[i]);
		const char *pc =
		    json_string_value(json_object_get(json_object_get(o, "spec"), "podCIDR"));

		if (as->pod_cidrs && pc && net_cidr_parse(pc, &c, 1) == 0)
			podcidr_allocate(as->pod_cidrs, &c);
		json_decref(o);
	}
	free(vals);
	free(keys);
	return 0;
}
