/*
 * defaults_service.c - Service defaulting: SetDefaults_Service, and the registry's
 * clusterIP normalisation, carry-over of allocated values, type-change cleanup
 * and IP-family initialisation (pkg/registry/core/service).
 */
#include "api/defaults_impl.h"
#include "api/validate_impl.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

/* ---- small accessors ---- */

static json_t *spec_of(const json_t *svc)
{
	json_t *s = json_object_get(svc, "spec");

	return json_is_object(s) ? s : NULL;
}

static const char *type_of(const json_t *svc)
{
	const char *t = dft_peek(spec_of(svc), "type");

	return t ? t : "";
}

static int needs_cluster_ip(const json_t *svc)
{
	return strcmp(type_of(svc), "ExternalName") != 0;
}

static int needs_node_port(const json_t *svc)
{
	return !strcmp(type_of(svc), "NodePort") || !strcmp(type_of(svc), "LoadBalancer");
}

static int externally_accessible(const json_t *svc)
{
	const json_t *eips = json_object_get(spec_of(svc), "externalIPs");

	return needs_node_port(svc) ||
	       (!strcmp(type_of(svc), "ClusterIP") && json_array_size(eips) > 0);
}

static int needs_hc_node_port(const json_t *svc)
{
	const char *etp = dft_peek(spec_of(svc), "externalTrafficPolicy");

	return !strcmp(type_of(svc), "LoadBalancer") && etp && !strcmp(etp, "Local");
}

static const json_t *field(const json_t *svc, const char *key)
{
	const json_t *v = json_object_get(spec_of(svc), key);

	return v && !json_is_null(v) ? v : NULL;
}

/* A string field, "" when absent. */
static const char *sfield(const json_t *svc, const char *key)
{
	const char *s = dft_peek(spec_of(svc), key);

	return s ? s : "";
}

/* Length of an array field, 0 when absent or not an array. */
static size_t alen(const json_t *svc, const char *key)
{
	const json_t *a = field(svc, key);

	return json_is_array(a) ? json_array_size(a) : 0;
}

/* Both absent/empty, or equal. */
static int same_list(const json_t *a, const json_t *b)
{
	size_t na = json_is_array(a) ? json_array_size(a) : 0;
	size_t nb = json_is_array(b) ? json_array_size(b) : 0;

	if (na != nb)
		return 0;
	return na == 0 || json_equal((json_t *)a, (json_t *)b);
}

static long long node_port(const json_t *p)
{
	const json_t *v = json_object_get(p, "nodePort");

	return json_is_integer(v) ? json_integer_value(v) : 0;
}

/* ---- SetDefaults_Service ---- */

static void dft_ports(struct dft *d, json_t *spec)
{
	json_t *p;
	size_t i;

	json_array_foreach (dft_arr(spec, "ports"), i, p) {
		const json_t *port = json_object_get(p, "port"), *tp;

		if (!json_is_object(p))
			continue;
		dft_str(d, p, "protocol", "TCP");
		tp = json_object_get(p, "targetPort");
		/* An unset, 0 or "" targetPort means the port itself. */
		if (!tp || json_is_null(tp) || (json_is_integer(tp) && !json_integer_value(tp)) ||
		    (json_is_string(tp) && !json_string_length(tp))) {
			if (json_is_integer(port))
				dft_set_new(d, p, "targetPort", json_copy((json_t *)port));
			else if (!port || json_is_null(port))
				dft_set_new(d, p, "targetPort", json_integer(0));
		}
	}
}

static void dft_service_static(struct dft *d, json_t *svc, int create)
{
	json_t *spec = dft_obj(d, svc, "spec"), *status, *lb, *ing;
	const char *aff, *type;
	size_t i;

	if (!spec)
		return;
	dft_str(d, spec, "sessionAffinity", "None");
	aff = dft_peek(spec, "sessionAffinity");
	if (aff && !strcmp(aff, "None")) {
		json_object_del(spec, "sessionAffinityConfig");
	} else if (aff && !strcmp(aff, "ClientIP")) {
		json_t *cfg = json_object_get(spec, "sessionAffinityConfig");
		json_t *cip = json_object_get(cfg, "clientIP");

		if ((!cfg || json_is_null(cfg)) ||
		    (json_is_object(cfg) && (!cip || json_is_null(cip))) ||
		    (json_is_object(cip) && dft_unset(cip, "timeoutSeconds")))
			dft_set_new(d, spec, "sessionAffinityConfig",
			            json_pack("{s:{s:i}}", "clientIP", "timeoutSeconds", 10800));
	}
	dft_str(d, spec, "type", "ClusterIP");
	type = dft_peek(spec, "type");
	type = type ? type : "";
	dft_ports(d, spec);
	if (externally_accessible(svc))
		dft_str(d, spec, "externalTrafficPolicy", "Cluster");
	if (!strcmp(type, "NodePort") || !strcmp(type, "LoadBalancer") ||
	    !strcmp(type, "ClusterIP"))
		if (dft_unset(spec, "internalTrafficPolicy"))
			dft_set_new(d, spec, "internalTrafficPolicy", json_string("Cluster"));
	if (!strcmp(type, "LoadBalancer")) {
		dft_bool(d, spec, "allocateLoadBalancerNodePorts", 1);
		status = json_object_get(svc, "status");
		lb = json_object_get(status, "loadBalancer");
		json_array_foreach (dft_arr(lb, "ingress"), i, ing) {
			const char *ip = dft_peek(ing, "ip");

			if (ip && *ip && dft_unset(ing, "ipMode"))
				dft_set_new(d, ing, "ipMode", json_string("VIP"));
		}
	}
	/* Old clients set only clusterIP: the plural follows it. */
	if (create) {
		const char *cip = dft_peek(spec, "clusterIP");

		if (cip && *cip && dft_unset(spec, "clusterIPs"))
			dft_set_new(d, spec, "clusterIPs", json_pack("[s]", cip));
	}
}

/* ---- update: carry-over, normalisation, type-change cleanup ---- */

/* patchAllocatedValues: a resubmitted manifest keeps what was allocated for it. */
static void patch_allocated(struct dft *d, json_t *svc, const json_t *old)
{
	json_t *spec = spec_of(svc), *p;
	const json_t *ospec = spec_of(old), *op, *ports = field(svc, "ports");
	size_t i, j;

	if (!spec || !ospec)
		return;
	if (needs_cluster_ip(old) && needs_cluster_ip(svc)) {
		const json_t *ocip = json_object_get(ospec, "clusterIP");

		if (!*sfield(svc, "clusterIP") && json_is_string(ocip) &&
		    (dft_unset(spec, "clusterIP") || json_is_string(field(svc, "clusterIP"))))
			dft_set_new(d, spec, "clusterIP", json_copy((json_t *)ocip));
		if (!alen(svc, "clusterIPs") && alen(old, "clusterIPs") &&
		    (dft_unset(spec, "clusterIPs") || json_is_array(field(svc, "clusterIPs"))))
			dft_set_new(d, spec, "clusterIPs",
			            json_deep_copy(field(old, "clusterIPs")));
	}
	if (needs_node_port(old) && needs_node_port(svc) && json_is_array(ports)) {
		const json_t *oports = field(old, "ports");

		json_array_foreach (ports, i, p) {
			const char *name = dft_peek(p, "name");
			long long oldval = 0;

			if (!json_is_object(p) || node_port(p) ||
			    !(dft_unset(p, "nodePort") ||
			      json_is_integer(json_object_get(p, "nodePort"))))
				continue;
			/* Old nodePorts by port name; the last port of a name wins. */
			json_array_foreach (oports, j, op) {
				const char *oname = dft_peek(op, "name");

				if (!strcmp(oname ? oname : "", name ? name : ""))
					oldval = node_port(op);
			}
			if (!oldval)
				continue;
			/* A value still used by another new port is not patched in. */
			{
				int used_new = 0, used_old = 0;
				const json_t *q;
				size_t k;

				json_array_foreach (ports, k, q)
					used_new |= node_port(q) == oldval;
				json_array_foreach (oports, k, q)
					used_old |= node_port(q) == oldval;
				if (used_new && used_old)
					continue;
			}
			dft_set_new(d, p, "nodePort", json_integer(oldval));
		}
	}
	if (needs_hc_node_port(old) && needs_hc_node_port(svc)) {
		const json_t *hc = json_object_get(spec, "healthCheckNodePort");
		const json_t *ohc = json_object_get(ospec, "healthCheckNodePort");

		if ((!hc || json_is_null(hc) || (json_is_integer(hc) && !json_integer_value(hc))) &&
		    json_is_integer(ohc))
			dft_set_new(d, spec, "healthCheckNodePort", json_copy((json_t *)ohc));
	}
}

/* normalizeClusterIPs on update: keep clusterIP and clusterIPs in step. */
static void normalize_update(struct dft *d, json_t *svc, const json_t *old)
{
	json_t *spec = spec_of(svc);
	const char *cip = sfield(svc, "clusterIP"), *ocip = sfield(old, "clusterIP");

	if (!spec)
		return;
	if (alen(old, "clusterIPs") && !alen(svc, "clusterIPs") && !strcmp(cip, ocip) &&
	    (dft_unset(spec, "clusterIPs") || json_is_array(field(svc, "clusterIPs"))))
		dft_set_new(d, spec, "clusterIPs", json_deep_copy(field(old, "clusterIPs")));
	if (strcmp(cip, ocip) && same_list(field(svc, "clusterIPs"), field(old, "clusterIPs"))) {
		if (*ocip && !*cip)
			json_object_del(spec, "clusterIPs");
		else if (*cip)
			dft_set_new(d, spec, "clusterIPs", json_pack("[s]", cip));
	}
}

/* dropTypeDependentFields: what a type change makes meaningless, unless the
 * client changed it too (then validation complains). */
static void drop_type_dependent(struct dft *d, json_t *svc, const json_t *old)
{
	json_t *spec = spec_of(svc), *p, *status;
	const json_t *ports = field(svc, "ports"), *oports = field(old, "ports"), *q;
	size_t i, j;

	if (!spec)
		return;
	if (needs_cluster_ip(old) && !needs_cluster_ip(svc)) {
		if (!strcmp(sfield(svc, "clusterIP"), sfield(old, "clusterIP")) &&
		    same_list(field(svc, "clusterIPs"), field(old, "clusterIPs"))) {
			json_object_del(spec, "clusterIP");
			json_object_del(spec, "clusterIPs");
		}
		if (same_list(field(svc, "ipFamilies"), field(old, "ipFamilies")))
			json_object_del(spec, "ipFamilies");
		if (!strcmp(sfield(svc, "ipFamilyPolicy"), sfield(old, "ipFamilyPolicy")))
			json_object_del(spec, "ipFamilyPolicy");
	}
	if (needs_node_port(old) && !needs_node_port(svc)) {
		int superset = 1;

		/* Ports may change, as long as no new nodePort appears. */
		json_array_foreach (ports, i, p) {
			int found = 0;

			if (!node_port(p))
				continue;
			json_array_foreach (oports, j, q)
				found |= node_port(q) == node_port(p);
			superset &= found;
		}
		if (superset)
			json_array_foreach (ports, i, p)
				if (json_is_object(p))
					json_object_del(p, "nodePort");
	}
	if (needs_hc_node_port(old) && !needs_hc_node_port(svc) &&
	    vld_same(field(svc, "healthCheckNodePort"), field(old, "healthCheckNodePort")))
		json_object_del(spec, "healthCheckNodePort");
	if (!strcmp(type_of(old), "LoadBalancer") && strcmp(type_of(svc), "LoadBalancer")) {
		const json_t *a = field(svc, "allocateLoadBalancerNodePorts");

		if (a && vld_same(a, field(old, "allocateLoadBalancerNodePorts")))
			json_object_del(spec, "allocateLoadBalancerNodePorts");
		if (vld_same(field(svc, "loadBalancerClass"), field(old, "loadBalancerClass")))
			json_object_del(spec, "loadBalancerClass");
	}
	if (externally_accessible(old) && !externally_accessible(svc) &&
	    !strcmp(sfield(svc, "externalTrafficPolicy"), sfield(old, "externalTrafficPolicy")))
		json_object_del(spec, "externalTrafficPolicy");
	status = json_object_get(svc, "status");
	if (strcmp(type_of(svc), "LoadBalancer") && json_is_object(status))
		dft_set_new(d, status, "loadBalancer", json_object());
}

/* ---- IP families (initIPFamilyFields) ---- */

static const char *fam_name(int af)
{
	return af == AF_INET6 ? "IPv6" : "IPv4";
}

static const char *other_fam(const char *f)
{
	return strcmp(f, "IPv4") ? "IPv4" : "IPv6";
}

/* A PreferDualStack service whose IP fields did not change is left as it is,
 * whatever the cluster's stack has become since. */
static int matching_prefer_dual_stack(const json_t *svc, const json_t *old)
{
	const char *pol = dft_peek(spec_of(svc), "ipFamilyPolicy");
	const char *opol = dft_peek(spec_of(old), "ipFamilyPolicy");

	if (!old || !field(svc, "ipFamilyPolicy") || strcmp(type_of(svc), type_of(old)))
		return 0;
	if (strcmp(type_of(svc), "ClusterIP") && !needs_node_port(svc))
		return 0;
	if (!pol || strcmp(pol, "PreferDualStack") || (opol && strcmp(opol, "PreferDualStack")))
		return 0;
	return same_list(field(svc, "clusterIPs"), field(old, "clusterIPs")) &&
	       same_list(field(svc, "ipFamilies"), field(old, "ipFamilies"));
}

static int fam_configured(const struct api_default_opts *o, const char *f)
{
	const char *primary = fam_name(o->primary_family);

	return !strcmp(f, primary) || (o->dual_stack && !strcmp(f, other_fam(primary)));
}

static void policy_invalid(struct fe_ctx *c, const char *pol, const char *detail)
{
	fe_invalid_str(c, "spec.ipFamilyPolicy", pol, "%s", detail);
}

static void append_fam(struct dft *d, json_t *spec, const char *f)
{
	json_t *fams = dft_arr(spec, "ipFamilies");

	if (!fams) {
		fams = json_array();
		dft_set_new(d, spec, "ipFamilies", fams);
		if (d->oom)
			return;
	}
	if (json_array_append_new(fams, json_string(f)) < 0)
		d->oom = 1;
}

static void svc_init_families(struct dft *d, json_t *svc, const json_t *old,
                              const struct api_default_opts *o, struct fe_ctx *c)
{
	json_t *spec = spec_of(svc), *ips, *fams;
	const char *pol, *primary = fam_name(o->primary_family);
	const json_t *sel;
	size_t i, n;
	int errs;

	if (!spec || !needs_cluster_ip(svc) || matching_prefer_dual_stack(svc, old))
		return;
	sel = field(svc, "selector");
	if (dft_unset(spec, "ipFamilyPolicy")) {
		const json_t *opol = field(old, "ipFamilyPolicy");

		if (opol && json_is_string(opol))
			dft_set_new(d, spec, "ipFamilyPolicy", json_copy((json_t *)opol));
		else if (!strcmp(sfield(svc, "clusterIP"), "None") &&
		         !(json_is_object(sel) && json_object_size(sel)))
			dft_set_new(d, spec, "ipFamilyPolicy", json_string("RequireDualStack"));
		else
			dft_set_new(d, spec, "ipFamilyPolicy", json_string("SingleStack"));
	}
	errs = c->n;
	/* Loose pre-validation: what follows may assume well-formed fields. */
	vld_service_cluster_ips(c, svc);
	pol = dft_peek(spec, "ipFamilyPolicy");
	if (c->n > errs || d->oom || !pol)
		return;
	ips = dft_arr(spec, "clusterIPs");
	fams = dft_arr(spec, "ipFamilies");
	if (old) {
		if (!strcmp(pol, "SingleStack")) {
			/* With the fields unchanged, SingleStack is intent to downgrade. */
			if (same_list(ips, field(old, "clusterIPs")) && json_array_size(ips) > 1)
				json_array_remove(ips, 1);
			if (same_list(fams, field(old, "ipFamilies")) && json_array_size(fams) > 1)
				json_array_remove(fams, 1);
		} else {
			if (json_array_size(ips) && json_array_size(ips) < alen(old, "clusterIPs"))
				policy_invalid(
				    c, pol,
				    "must be 'SingleStack' to release the secondary cluster IP");
			if (json_array_size(fams) &&
			    json_array_size(fams) < alen(old, "ipFamilies"))
				policy_invalid(
				    c, pol,
				    "must be 'SingleStack' to release the secondary IP family");
		}
	}
	if (!strcmp(pol, "SingleStack")) {
		if (json_array_size(ips) == 2)
			policy_invalid(
			    c, pol,
			    "must be 'RequireDualStack' or 'PreferDualStack' when multiple "
			    "cluster IPs are specified");
		if (json_array_size(fams) == 2)
			policy_invalid(
			    c, pol,
			    "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP "
			    "families are specified");
	}
	/* ipFamilies follow the clusterIPs given. */
	n = json_array_size(ips);
	for (i = 0; i < n; i++) {
		const char *ip = json_string_value(json_array_get(ips, i));
		const char *f;

		if (!ip || !strcmp(ip, "None"))
			break;
		f = api_parse_ip(ip, NULL) == 6 ? "IPv6" : "IPv4";
		if (i < json_array_size(dft_arr(spec, "ipFamilies")))
			continue;
		if (!fam_configured(o, f)) {
			buf b = BUF_INIT;
			char sub[40];

			snprintf(sub, sizeof(sub), "spec.clusterIPs[%zu]", i);
			if (fe_render_strlist(&b, "[]string", ips) < 0 || buf_cstr(&b) < 0)
				c->oom = 1;
			else
				fe_invalid_raw(c, sub, b.data,
				               "%s is not configured on this cluster", f);
			buf_free(&b);
		} else {
			append_fam(d, spec, f);
		}
	}
	if (c->n > errs || d->oom)
		return;
	fams = dft_arr(spec, "ipFamilies");
	/* Headless without selector: endpoints are the user's, of any family. */
	if (!strcmp(sfield(svc, "clusterIP"), "None") &&
	    !(json_is_object(sel) && json_object_size(sel))) {
		if (!json_array_size(fams))
			append_fam(d, spec, primary);
		fams = dft_arr(spec, "ipFamilies");
		if (json_array_size(fams) < 2 && strcmp(pol, "SingleStack"))
			append_fam(d, spec, other_fam(json_string_value(json_array_get(fams, 0))));
		return;
	}
	if (!strcmp(pol, "RequireDualStack") && !o->dual_stack)
		policy_invalid(c, pol, "this cluster is not configured for dual-stack services");
	for (i = 0; i < json_array_size(fams); i++) {
		const char *f = json_string_value(json_array_get(fams, i));
		char sub[40];

		snprintf(sub, sizeof(sub), "spec.ipFamilies[%zu]", i);
		if (f && !fam_configured(o, f))
			fe_invalid_str(c, sub, f, "not configured on this cluster");
	}
	if (c->n > errs)
		return;
	if (!json_array_size(fams))
		append_fam(d, spec, primary);
	fams = dft_arr(spec, "ipFamilies");
	if (strcmp(pol, "SingleStack") && json_array_size(fams) == 1 && o->dual_stack)
		append_fam(d, spec, other_fam(json_string_value(json_array_get(fams, 0))));
}

/* ---- entry points ---- */

static const struct api_default_opts dft_v4_only = {AF_INET, 0};

/* Runs the family initialisation for its defaults only. */
static void dft_families_quietly(struct dft *d, json_t *svc, const json_t *old,
                                 const struct api_default_opts *o)
{
	json_t *scratch = json_array();
	struct fe_ctx c;

	if (!scratch) {
		d->oom = 1;
		return;
	}
	fe_init(&c, scratch);
	svc_init_families(d, svc, old, o ? o : &dft_v4_only, &c);
	if (c.oom)
		d->oom = 1;
	json_decref(scratch);
}

void dft_service(struct dft *d, json_t *svc, const struct api_default_opts *o)
{
	dft_service_static(d, svc, 1);
	dft_families_quietly(d, svc, NULL, o);
}

void dft_service_update(struct dft *d, json_t *svc, const json_t *old,
                        const struct api_default_opts *o)
{
	dft_service_static(d, svc, 0);
	patch_allocated(d, svc, old);
	normalize_update(d, svc, old);
	dft_families_quietly(d, svc, old, o);
	drop_type_dependent(d, svc, old);
}

int api_service_init_ip_families(json_t *svc, const json_t *old, const struct api_default_opts *o,
                                 json_t *causes)
{
	struct dft d = {0};
	struct fe_ctx c;

	if (!json_is_array(causes))
		return -EINVAL;
	if (!json_is_object(svc))
		return 0;
	if (old && !json_is_object(old))
		old = NULL;
	fe_init(&c, causes);
	svc_init_families(&d, svc, old, o ? o : &dft_v4_only, &c);
	return d.oom || c.oom ? -ENOMEM : c.n;
}
