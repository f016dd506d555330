/*
 * registry_service.c - what kube-apiserver's service REST storage does around
 * a Service write: IP families, cluster IPs, node ports, the health check
 * node port, and (svcnet's own LB controller) load-balancer IPs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "server/registry.h"
#include "server/registry_svc.h"
#include "server/rest.h"

static int svc_needs_node_ports(const json_t *spec)
{
	const char *t = svc_type(spec);

	if (!strcmp(t, "NodePort"))
		return 1;
	return !strcmp(t, "LoadBalancer") &&
	       !json_is_false(json_object_get(spec, "allocateLoadBalancerNodePorts"));
}

static int svc_needs_hcnp(const json_t *spec)
{
	return !strcmp(svc_type(spec), "LoadBalancer") &&
	       !strcmp(svc_str(spec, "externalTrafficPolicy"), "Local");
}

static int svc_family_idx(struct apiserver *as, int fam)
{
	for (int i = 0; i < as->cfg.n_service_cidrs; i++)
		if (as->svc_cidr[i].addr.family == fam)
			return i;
	return -1;
}

/* Old real cluster IPs that the new object no longer has go back (deferred). */
static void svc_release_old_ips(struct reg_ctx *x, const json_t *old_spec, const json_t *new_ips)
{
	json_t *old_ips = json_object_get(old_spec, "clusterIPs");
	size_t i;
	json_t *v;

	json_array_foreach (old_ips, i, v) {
		const char *ip = json_string_value(v);
		net_addr a;
		int idx;

		if (!ip || net_addr_parse(ip, &a) < 0 || (new_ips && svc_ip_in(new_ips, ip)))
			continue;
		idx = svc_family_idx(x->as, a.family);
		if (idx >= 0)
			svc_track(x, (struct reg_alloc){.kind = REG_SVC_IP, .idx = idx, .addr = a},
			          1);
	}
}

static int svc_alloc_one_ip(struct reg_ctx *x, int idx, const char *want, int pos, json_t *out)
{
	struct apiserver *as = x->as;
	char ip[NET_ADDR_STRLEN], msg[400], field[40], cidr[NET_CIDR_STRLEN];
	net_addr a;
	int r;

	snprintf(field, sizeof(field), "spec.clusterIPs[%d]", pos);
	if (want && want[0]) {
		if (net_addr_parse(want, &a) < 0) {
			snprintf(
			    msg, sizeof(msg),
			    "Invalid value: \"%s\": must be a valid IP address, (e.g. 10.9.8.7 "
			    "or 2001:db8::ffff)",
			    want);
			return registry_invalid(x, field, "FieldValueInvalid", msg);
		}
		r = ipalloc_allocate(as->svc_ip[idx], &a);
		if (r == -EEXIST) {
			snprintf(
			    msg, sizeof(msg),
			    "Invalid value: [\"%s\"]: failed to allocate IP %s: provided IP is "
			    "already allocated",
			    want, want);
			return registry_invalid(x, "spec.clusterIPs", "FieldValueInvalid", msg);
		}
		if (r < 0) {
			net_cidr_fmt(&as->svc_cidr[idx], cidr, sizeof(cidr));
			snprintf(
			    msg, sizeof(msg),
			    "Invalid value: [\"%s\"]: failed to allocate IP %s: the provided IP "
			    "(%s) is not in the valid range. The range of valid IPs is %s",
			    want, want, want, cidr);
			return registry_invalid(x, "spec.clusterIPs", "FieldValueInvalid", msg);
		}
	} else {
		r = ipalloc_allocate_next(as->svc_ip[idx], &a);
		if (r < 0)
			return registry_fail(
			    x, 500, "InternalError",
			    "Internal error occurred: failed to allocate a serviceIP: "
			    "range is full");
	}
	svc_track(x, (struct reg_alloc){.kind = REG_SVC_IP, .idx = idx, .addr = a}, 0);
	net_addr_fmt(&a, ip, sizeof(ip));
	json_array_append_new(out, json_string(ip));
	return 0;
}

/* Families as the registry settles them: requested, implied by IPs, or defaulted. */
static int svc_families(struct reg_ctx *x, json_t *spec, const json_t *cips, int headless,
                        int fams[2], const char **policy_out)
{
	struct apiserver *as = x->as;
	const char *policy = svc_str(spec, "ipFamilyPolicy");
	json_t *req = json_object_get(spec, "ipFamilies");
	char msg[300], field[40];
	int nf = 0;
	size_t i;
	json_t *v;

	if (!policy[0])
		policy = "SingleStack";
	if (json_array_size(req)) {
		json_array_foreach (req, i, v) {
			const char *f = json_string_value(v);

			if (nf == 2)
				break;
			fams[nf++] = f && !strcmp(f, "IPv6") ? AF_INET6 : AF_INET;
		}
	} else if (!headless && json_array_size(cips)) {
		json_array_foreach (cips, i, v) {
			net_addr a;

			if (nf < 2 && json_string_value(v) &&
			    net_addr_parse(json_string_value(v), &a) == 0)
				fams[nf++] = a.family;
		}
	}
	if (!nf)
		fams[nf++] = as->svc_cidr[0].addr.family;
	/* Headless without selector: the user supplies endpoints of any family,
	 * and no IP is allocated, so upstream allows both families anywhere. */
	if (headless && !json_object_size(json_object_get(spec, "selector"))) {
		if (strcmp(policy, "SingleStack") != 0 && nf == 1)
			fams[nf++] = fams[0] == AF_INET ? AF_INET6 : AF_INET;
		*policy_out = policy;
		return nf;
	}
	for (int k = 0; k < nf; k++) {
		if (svc_family_idx(as, fams[k]) < 0) {
			snprintf(field, sizeof(field), "spec.ipFamilies[%d]", k);
			snprintf(msg, sizeof(msg),
			         "Invalid value: \"%s\": not configured on this cluster",
			         svc_family_name(fams[k]));
			return registry_invalid(x, field, "FieldValueInvalid", msg);
		}
	}
	if (!strcmp(policy, "RequireDualStack") && as->cfg.n_service_cidrs < 2)
		return registry_invalid(x, "spec.ipFamilyPolicy", "FieldValueInvalid",
		                        "Invalid value: \"RequireDualStack\": this cluster is not "
		                        "configured for dual-stack services");
	if (strcmp(policy, "SingleStack") != 0 && as->cfg.n_service_cidrs == 2 && nf == 1)
		fams[nf++] = fams[0] == AF_INET ? AF_INET6 : AF_INET;
	if (!strcmp(policy, "SingleStack") && nf > 1)
		nf = 1;
	*policy_out = policy;
	return nf;
}

static int svc_alloc_ips(struct reg_ctx *x, const json_t *old_spec, json_t *spec)
{
	struct apiserver *as = x->as;
	json_t *cips = json_object_get(spec, "clusterIPs"), *ips, *famarr;
	const char *cip = svc_str(spec, "clusterIP"), *policy = "SingleStack";
	int fams[2], nf, headless;

	if (!strcmp(svc_type(spec), "ExternalName")) {
		svc_release_old_ips(x, old_spec, NULL);
		json_object_del(spec, "clusterIP");
		json_object_del(spec, "clusterIPs");
		json_object_del(spec, "ipFamilies");
		json_object_del(spec, "ipFamilyPolicy");
		return 0;
	}
	if (!cip[0] && json_array_size(cips))
		cip = json_string_value(json_array_get(cips, 0))
		          ? json_string_value(json_array_get(cips, 0))
		          : "";
	headless = !strcmp(cip, "None");
	nf = svc_families(x, spec, cips, headless, fams, &policy);
	if (nf < 0)
		return nf;
	ips = json_array();
	famarr = json_array();
	for (int k = 0; k < nf; k++)
		json_array_append_new(famarr, json_string(svc_family_name(fams[k])));
	if (headless) {
		json_array_append_new(ips, json_string("None"));
	} else {
		for (int k = 0; k < nf; k++) {
			const char *want = NULL;
			json_t *w = json_array_get(cips, (size_t)k);
			int idx = svc_family_idx(as, fams[k]);

			if (k == 0 && cip[0])
				want = cip;
			else if (json_string_value(w))
				want = json_string_value(w);
			if (want && want[0] && old_spec &&
			    svc_ip_in(json_object_get(old_spec, "clusterIPs"), want)) {
				json_array_append_new(ips, json_string(want));
				continue;
			}
			if (svc_alloc_one_ip(x, idx, want, k, ips) < 0) {
				json_decref(ips);
				json_decref(famarr);
				return -EINVAL;
			}
		}
	}
	svc_release_old_ips(x, old_spec, ips);
	json_object_set_new(spec, "clusterIP",
	                    json_string(json_string_value(json_array_get(ips, 0))));
	json_object_set_new(spec, "clusterIPs", ips);
	json_object_set_new(spec, "ipFamilies", famarr);
	json_object_set_new(spec, "ipFamilyPolicy", json_string(policy));
	return 0;
}

/* Every node port an object holds: ports[].nodePort and healthCheckNodePort. */
static int svc_held_ports(const json_t *spec, int *out, int max)
{
	json_t *ports = json_object_get(spec, "ports"), *p;
	int n = 0;
	size_t i;

	json_array_foreach (ports, i, p) {
		int np = (int)json_integer_value(json_object_get(p, "nodePort"));

		if (np > 0 && n < max)
			out[n++] = np;
	}
	if (json_integer_value(json_object_get(spec, "healthCheckNodePort")) > 0 && n < max)
		out[n++] = (int)json_integer_value(json_object_get(spec, "healthCheckNodePort"));
	return n;
}

static int svc_in(const int *a, int n, int v)
{
	for (int i = 0; i < n; i++)
		if (a[i] == v)
			return 1;
	return 0;
}

static int svc_take_port(struct reg_ctx *x, int np, const char *field, const int *old, int nold,
                         const int *mine, int nmine)
{
	char msg[300];
	int lo, hi, r;

	if (svc_in(old, nold, np) || svc_in(mine, nmine, np))
		return 0;
	r = portalloc_allocate(x->as->node_ports, np);
	if (r == -EEXIST) {
		snprintf(msg, sizeof(msg), "Invalid value: %d: provided port is already allocated",
		         np);
		return registry_invalid(x, field, "FieldValueInvalid", msg);
	}
	if (r < 0) {
		portalloc_range(x->as->node_ports, &lo, &hi);
		snprintf(msg, sizeof(msg),
		         "Invalid value: %d: provided port is not in the valid range. The range of "
		         "valid ports is %d-%d",
		         np, lo, hi);
		return registry_invalid(x, field, "FieldValueInvalid", msg);
	}
	svc_track(x, (struct reg_alloc){.kind = REG_NODE_PORT, .port = np}, 0);
	return 0;
}

static int svc_next_port(struct reg_ctx *x, int *np)
{
	if (portalloc_allocate_next(x->as->node_ports, np) < 0)
		return registry_fail(
		    x, 500, "InternalError",
		    "Internal error occurred: failed to allocate a nodePort: range "
		    "is full");
	svc_track(x, (struct reg_alloc){.kind = REG_NODE_PORT, .port = *np}, 0);
	return 0;
}

static int svc_alloc_node_ports(struct reg_ctx *x, const json_t *old_spec, json_t *spec)
{
	json_t *ports = json_object_get(spec, "ports"), *p;
	int old[REG_MAX_ALLOCS],
	    nold = old_spec ? svc_held_ports(old_spec, old, REG_MAX_ALLOCS) : 0;
	int mine[REG_MAX_ALLOCS], nmine = 0, need = svc_needs_node_ports(spec);
	int newset[REG_MAX_ALLOCS], nnew;
	char field[48];
	size_t i;

	json_array_foreach (ports, i, p) {
		int np = (int)json_integer_value(json_object_get(p, "nodePort"));
		int port = (int)json_integer_value(json_object_get(p, "port"));

		snprintf(field, sizeof(field), "spec.ports[%zu].nodePort", i);
		if (np > 0) {
			if (svc_take_port(x, np, field, old, nold, mine, nmine) < 0)
				return -EINVAL;
		} else if (need) {
			/* One node port serves a port number on every protocol. */
			for (size_t j = 0; j < i && !np; j++) {
				json_t *q = json_array_get(ports, j);

				if (json_integer_value(json_object_get(q, "port")) == port)
					np =
					    (int)json_integer_value(json_object_get(q, "nodePort"));
			}
			if (!np && svc_next_port(x, &np) < 0)
				return -EINVAL;
			json_object_set_new(p, "nodePort", json_integer(np));
		} else {
			continue;
		}
		if (nmine < REG_MAX_ALLOCS)
			mine[nmine++] = np;
	}
	if (svc_needs_hcnp(spec)) {
		int hc = (int)json_integer_value(json_object_get(spec, "healthCheckNodePort"));

		if (hc > 0) {
			if (svc_take_port(x, hc, "spec.healthCheckNodePort", old, nold, mine,
			                  nmine) < 0)
				return -EINVAL;
		} else {
			if (svc_next_port(x, &hc) < 0)
				return -EINVAL;
			json_object_set_new(spec, "healthCheckNodePort", json_integer(hc));
		}
	} else {
		json_object_del(spec, "healthCheckNodePort");
	}
	nnew = svc_held_ports(spec, newset, REG_MAX_ALLOCS);
	for (int k = 0; k < nold; k++)
		if (!svc_in(newset, nnew, old[k]) && !svc_in(old, k, old[k]))
			svc_track(x, (struct reg_alloc){.kind = REG_NODE_PORT, .port = old[k]}, 1);
	return 0;
}

static void svc_key(const json_t *svc, char *key, size_t keylen)
{
	json_t *md = json_object_get(svc, "metadata");

	store_key(key, keylen, "services", svc_str(md, "namespace"), svc_str(md, "name"));
}

int registry_service_alloc(struct reg_ctx *x, const json_t *old, json_t *svc)
{
	json_t *spec = json_object_get(svc, "spec");
	const json_t *old_spec = old ? json_object_get(old, "spec") : NULL;
	char key[512];
	int pending;

	if (!json_is_object(spec))
		return registry_invalid(x, "spec", "FieldValueRequired", "Required value");
	if (json_array_size(json_object_get(spec, "ports")) > REG_MAX_PORTS) {
		char msg[128];

		snprintf(msg, sizeof(msg), "Too many: %zu: must have at most %d items",
		         json_array_size(json_object_get(spec, "ports")), REG_MAX_PORTS);
		return registry_invalid(x, "spec.ports", "FieldValueTooMany", msg);
	}
	if (x->status_only) {
		/* Our LB controller owns status.loadBalancer: a status write cannot
		 * claim (or give back) pool addresses behind the allocator's back. */
		if (old && svc_is_our_lb(spec)) {
			json_t *st = json_object_get(svc, "status");
			json_t *olb =
			    json_object_get(json_object_get(old, "status"), "loadBalancer");

			if (!json_is_object(st)) {
				st = json_object();
				json_object_set_new(svc, "status", st);
			}
			if (olb)
				json_object_set_new(st, "loadBalancer", json_deep_copy(olb));
			else
				json_object_del(st, "loadBalancer");
		}
		return 0;
	}
	if (svc_alloc_ips(x, old_spec, spec) < 0 || svc_alloc_node_ports(x, old_spec, spec) < 0)
		goto fail;
	pending = regsvc_alloc_lb(x, old, svc);
	svc_key(svc, key, sizeof(key));
	snprintf(x->lb_key, sizeof(x->lb_key), "%s", key);
	if (pending) {
		/* The Event and the retry start only once the write succeeded. */
		x->lb_pending = 1;
		snprintf(x->lb_why, sizeof(x->lb_why), "%.200s", x->message);
		json_decref(x->lb_svc);
		x->lb_svc = json_incref(svc);
		x->message[0] = '\0';
	} else {
		x->lb_pending = -1;
	}
	return 0;
fail:
	registry_abort(x);
	return -EINVAL;
}

void registry_service_release(struct apiserver *as, const json_t *svc)
{
	struct reg_ctx x;
	json_t *spec = json_object_get(svc, "spec"), *ips;
	int held[REG_MAX_ALLOCS], n;
	size_t i;
	json_t *v;
	char key[512];

	registry_ctx_init(&x, as);
	svc_release_old_ips(&x, spec, NULL);
	n = svc_held_ports(spec, held, REG_MAX_ALLOCS);
	for (int k = 0; k < n; k++)
		svc_track(&x, (struct reg_alloc){.kind = REG_NODE_PORT, .port = held[k]}, 1);
	if (svc_is_our_lb(spec)) {
		ips = regsvc_lb_ingress_ips(svc);
		json_array_foreach (ips, i, v) {
			net_addr a;

			if (net_addr_parse(json_string_value(v), &a) == 0)
				svc_track(&x, (struct reg_alloc){.kind = REG_LB_IP, .addr = a}, 1);
		}
		json_decref(ips);
	}
	registry_finish(&x);
	registry_ctx_free(&x);
	svc_key(svc, key, sizeof(key));
	dict_del(as->lb_pending, key);
}

void registry_service_rebuild(struct apiserver *as, const json_t *svc)
{
	json_t *spec = json_object_get(svc, "spec"), *v;
	int held[REG_MAX_ALLOCS], n;
	size_t i;
	char key[512];

	json_array_foreach (json_object_get(spec, "clusterIPs"), i, v) {
		net_addr a;
		int idx;

		if (json_string_value(v) && net_addr_parse(json_string_value(v), &a) == 0 &&
		    (idx = svc_family_idx(as, a.family)) >= 0)
			ipalloc_allocate(as->svc_ip[idx], &a);
	}
	n = svc_held_ports(spec, held, REG_MAX_ALLOCS);
	for (int k = 0; k < n; k++)
		portalloc_allocate(as->node_ports, held[k]);
	if (svc_is_our_lb(spec)) {
		json_t *ips = regsvc_lb_ingress_ips(svc);

		json_array_foreach (ips, i, v) {
			net_addr a;

			if (net_addr_parse(json_string_value(v), &a) == 0)
				lbipam_allocate(as->lb, &a);
		}
		if (!json_array_size(ips)) {
			svc_key(svc, key, sizeof(key));
			dict_set(as->lb_pending, key, (void *)1, NULL);
		}
		json_decref(ips);
	}
}
