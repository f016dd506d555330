/* validate_service.c - Service validation (pkg/apis/core/validation: ValidateService*). */
#include "api/validate_impl.h"

#include <ctype.h>
#include <string.h>

static const char *const svc_types[] = {"ClusterIP", "ExternalName", "LoadBalancer", "NodePort",
                                        NULL};
static const char *const svc_affinities[] = {"ClientIP", "None", NULL};
static const char *const svc_protocols[] = {"SCTP", "TCP", "UDP", NULL};
static const char *const svc_families[] = {"IPv4", "IPv6", NULL};
static const char *const svc_policies[] = {"PreferDualStack", "RequireDualStack", "SingleStack",
                                           NULL};
static const char *const svc_traffic[] = {"Cluster", "Local", NULL};
static const char *const svc_distribution[] = {"PreferClose", NULL};
static const char *const lb_ip_modes[] = {"Proxy", "VIP", NULL};

#define MAX_AFFINITY_SECONDS 86400

/* ---- quiet accessors, for the stored object and for cross-field checks ---- */

static const json_t *spec_of(const json_t *svc)
{
	const json_t *s = json_object_get(svc, "spec");

	return json_is_object(s) ? s : NULL;
}

static const char *spec_str(const json_t *svc, const char *key)
{
	return fe_peek_str(spec_of(svc), key);
}

static int is_type(const json_t *svc, const char *t)
{
	const char *v = spec_str(svc, "type");

	return v && !strcmp(v, t);
}

static const json_t *spec_arr(const json_t *svc, const char *key)
{
	const json_t *a = json_object_get(spec_of(svc), key);

	return json_is_array(a) ? a : NULL;
}

static size_t arr_len(const json_t *a)
{
	return json_is_array(a) ? json_array_size(a) : 0;
}

static const char *arr_str(const json_t *a, size_t i)
{
	const json_t *v = json_array_get(a, i);

	return json_is_string(v) ? json_string_value(v) : "";
}

static int is_headless(const json_t *svc)
{
	const json_t *ips = spec_arr(svc, "clusterIPs");

	return arr_len(ips) == 1 && !strcmp(arr_str(ips, 0), "None");
}

static int externally_accessible(const json_t *svc)
{
	return is_type(svc, "LoadBalancer") || is_type(svc, "NodePort") ||
	       (is_type(svc, "ClusterIP") && arr_len(spec_arr(svc, "externalIPs")) > 0);
}

static int needs_health_check(const json_t *svc)
{
	const char *etp = spec_str(svc, "externalTrafficPolicy");

	return is_type(svc, "LoadBalancer") && etp && !strcmp(etp, "Local");
}

static int str_in(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(s, *set))
			return 1;
	return 0;
}

/* Emits an Invalid whose bad value is a Go slice rendering of arr. */
static void invalid_list(struct fe_ctx *c, const char *sub, const char *gotype, const json_t *arr,
                         const char *detail)
{
	buf b = BUF_INIT;

	if (fe_render_strlist(&b, gotype, arr) < 0 || buf_cstr(&b) < 0)
		c->oom = 1;
	else
		fe_invalid_raw(c, sub, b.data, "%s", detail);
	buf_free(&b);
}

/* A *string bad value: the quoted string, or null. */
static void invalid_ptr(struct fe_ctx *c, const char *sub, const char *v, const char *detail)
{
	if (v)
		fe_invalid_str(c, sub, v, "%s", detail);
	else
		fe_invalid_raw(c, sub, "null", "%s", detail);
}

/* ---- ports ---- */

/* Adds key to set; reports -ENOMEM through the context. 1 when already there. */
static int set_add(struct fe_ctx *c, struct fe_set *set, const char *key)
{
	int r = fe_set_add(set, key);

	if (r < 0) {
		c->oom = 1;
		return 0;
	}
	return r;
}

static void vld_service_ports(struct fe_ctx *c, const json_t *ports, const char *type)
{
	const json_t *p;
	size_t i, n = arr_len(ports);
	size_t mark = fe_push(c, "ports");
	struct fe_set names = FE_SET_INIT, nodeports = FE_SET_INIT, keys = FE_SET_INIT;
	char key[64];

	json_array_foreach (ports, i, p) {
		size_t m2 = fe_push_index(c, i);
		const json_t *sp = fe_elem_obj(c, p);
		const char *name = fe_str(c, sp, "name");
		const char *proto = fe_str(c, sp, "protocol");
		const char *app = fe_str(c, sp, "appProtocol");
		long long port = 0, np = 0;
		int has_port, has_np;

		if (!sp) {
			fe_pop(c, m2);
			continue;
		}
		if (n > 1 && (!name || !*name)) {
			fe_required(c, "name", "%s", "");
		} else if (name && *name) {
			vld_dns1123_label(c, "name", name);
			if (set_add(c, &names, name))
				fe_duplicate_str(c, "name", name);
		}
		has_port = fe_int(c, sp, "port", &port);
		if (has_port || !fe_present(sp, "port"))
			vld_port_num(c, "port", port);
		if (!proto || !*proto)
			fe_required(c, "protocol", "%s", "");
		else if (!str_in(proto, svc_protocols))
			fe_not_supported(c, "protocol", proto, svc_protocols);
		vld_port_num_or_name(c, sp, "targetPort");
		if (app)
			vld_qualified_name(c, "appProtocol", app);
		has_np = fe_int(c, sp, "nodePort", &np);
		if (has_np && np != 0) {
			vld_port_num(c, "nodePort", np);
			if (type && !strcmp(type, "ClusterIP"))
				fe_forbidden(c, "nodePort",
				             "may not be used when `type` is 'ClusterIP'");
			/* (protocol, nodePort) pairs are unique. */
			snprintf(key, sizeof(key), "%.20s/%lld", proto ? proto : "", np);
			if (set_add(c, &nodeports, key))
				fe_duplicate_int(c, "nodePort", np);
		}
		/* (protocol, port) pairs are unique; the Go key struct is printed with %#v. */
		snprintf(key, sizeof(key), "%.20s/%lld", proto ? proto : "", port);
		if (set_add(c, &keys, key)) {
			buf b = BUF_INIT;
			const char *pr = proto ? proto : "";

			if (buf_puts(&b, "core.ServicePort{Name:\"\", Protocol:") < 0 ||
			    fe_goquote(&b, pr, strlen(pr)) < 0 ||
			    buf_printf(
			        &b,
			        ", AppProtocol:(*string)(nil), Port:%lld, "
			        "TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, "
			        "NodePort:0}",
			        port) < 0 ||
			    buf_cstr(&b) < 0)
				c->oom = 1;
			else
				fe_duplicate_raw(c, NULL, b.data);
			buf_free(&b);
		}
		fe_pop(c, m2);
	}
	fe_set_free(&names);
	fe_set_free(&nodeports);
	fe_set_free(&keys);
	fe_pop(c, mark);
}

/* ---- clusterIPs, ipFamilies, ipFamilyPolicy ---- */

static void vld_cluster_ips(struct fe_ctx *c, const json_t *svc, const json_t *spec)
{
	const char *cip = fe_str(c, spec, "clusterIP");
	const json_t *ips = fe_arr(c, spec, "clusterIPs"), *v;
	const json_t *fams = fe_arr(c, spec, "ipFamilies");
	const char *policy = fe_str(c, spec, "ipFamilyPolicy");
	size_t i, j, n = arr_len(ips);
	int bad_ips = 0, n4 = 0, n6 = 0;

	json_array_foreach (ips, i, v) {
		size_t m = fe_push(c, "clusterIPs");
		size_t m2 = fe_push_index(c, i);

		if (!fe_elem_str(c, v))
			bad_ips = 1;
		fe_pop(c, m2);
		fe_pop(c, m);
	}
	json_array_foreach (fams, i, v) {
		size_t m = fe_push(c, "ipFamilies");
		size_t m2 = fe_push_index(c, i);

		(void)fe_elem_str(c, v);
		fe_pop(c, m2);
		fe_pop(c, m);
	}
	if (is_type(svc, "ExternalName"))
		return;

	if (cip && *cip) {
		if (n == 0)
			fe_required(c, "clusterIPs", "%s", "");
		else if (strcmp(arr_str(ips, 0), cip))
			invalid_list(c, "clusterIPs", "[]string", ips,
			             "first value must match `clusterIP`");
	} else if (n) {
		invalid_list(c, "clusterIPs", "[]string", ips,
		             "must be empty when `clusterIP` is not specified");
	}

	json_array_foreach (fams, i, v) {
		const char *f = json_is_string(v) ? json_string_value(v) : NULL;
		char sub[48];

		if (!f)
			continue;
		snprintf(sub, sizeof(sub), "ipFamilies[%zu]", i);
		if (!str_in(f, svc_families))
			fe_not_supported(c, sub, f, svc_families);
		for (j = 0; j < i; j++) {
			if (!strcmp(arr_str(fams, j), f)) {
				fe_duplicate_str(c, sub, f);
				break;
			}
		}
	}
	if (policy && !str_in(policy, svc_policies))
		fe_not_supported(c, "ipFamilyPolicy", policy, svc_policies);

	for (i = 0; i < n; i++) {
		const char *ip = arr_str(ips, i);
		char sub[48];
		int fam;

		if (i == 0 && !strcmp(ip, "None")) {
			if (n > 1) {
				bad_ips = 1;
				invalid_list(c, "clusterIPs", "[]string", ips,
				             "'None' must be the first and only value");
			}
			continue;
		}
		fam = api_parse_ip(ip, NULL);
		if (!fam) {
			bad_ips = 1;
			snprintf(sub, sizeof(sub), "clusterIPs[%zu]", i);
			vld_ip(c, sub, ip);
		}
		n4 += fam == 4;
		n6 += fam == 6;
	}
	if (n > 2)
		invalid_list(c, "clusterIPs", "[]string", ips, "may only hold up to 2 values");
	/* Bad IPs would skew the family checks below. */
	if (bad_ips)
		return;
	if (n > 1 && !(n4 && n6))
		invalid_list(c, "clusterIPs", "[]string", ips,
		             "may specify no more than one IP for each IP family");
	if (!is_headless(svc) && n && arr_len(fams)) {
		for (i = 0; i < n && i < arr_len(fams); i++) {
			const char *ip = arr_str(ips, i), *f = arr_str(fams, i);
			int fam = api_parse_ip(ip, NULL);
			char sub[48];

			snprintf(sub, sizeof(sub), "clusterIPs[%zu]", i);
			if (!strcmp(f, "IPv4") && fam == 6)
				fe_invalid_str(
				    c, sub, ip,
				    "expected an IPv4 value as indicated by `ipFamilies[%zu]`", i);
			if (!strcmp(f, "IPv6") && fam != 6)
				fe_invalid_str(
				    c, sub, ip,
				    "expected an IPv6 value as indicated by `ipFamilies[%zu]`", i);
		}
	}
}

void vld_service_cluster_ips(struct fe_ctx *c, const json_t *svc)
{
	const json_t *spec = json_object_get(svc, "spec");
	size_t mark = fe_push(c, "spec");

	vld_cluster_ips(c, svc, json_is_object(spec) ? spec : NULL);
	fe_pop(c, mark);
}

/* ---- the traffic policies and the fields that depend on type ---- */

static void vld_traffic(struct fe_ctx *c, const json_t *svc, const json_t *spec, const char *type)
{
	const char *etp = fe_str(c, spec, "externalTrafficPolicy");
	const char *itp = fe_str(c, spec, "internalTrafficPolicy");
	const char *td = fe_str(c, spec, "trafficDistribution");
	long long hc = 0;

	fe_int(c, spec, "healthCheckNodePort", &hc);
	if (!externally_accessible(svc)) {
		if (etp && *etp)
			fe_invalid_str(c, "externalTrafficPolicy", etp,
			               "may only be set for externally-accessible services");
	} else if (!etp || !*etp) {
		fe_required(c, "externalTrafficPolicy", "%s", "");
	} else if (!str_in(etp, svc_traffic)) {
		fe_not_supported(c, "externalTrafficPolicy", etp, svc_traffic);
	}
	/* An unset health-check port is allocated by the registry, so 0 passes here. */
	if (!needs_health_check(svc)) {
		if (hc != 0)
			fe_invalid_int(c, "healthCheckNodePort", hc,
			               "may only be set when `type` is 'LoadBalancer' and "
			               "`externalTrafficPolicy` is 'Local'");
	} else if (hc != 0) {
		vld_port_num(c, "healthCheckNodePort", hc);
	}
	if (!itp) {
		if (type && (!strcmp(type, "NodePort") || !strcmp(type, "LoadBalancer") ||
		             !strcmp(type, "ClusterIP")))
			fe_required(c, "internalTrafficPolicy", "%s", "");
	} else if (!str_in(itp, svc_traffic)) {
		fe_not_supported(c, "internalTrafficPolicy", itp, svc_traffic);
	}
	if (td && !str_in(td, svc_distribution))
		fe_not_supported(c, "trafficDistribution", td, svc_distribution);
}

static void vld_source_ranges(struct fe_ctx *c, const json_t *obj, const json_t *spec, int is_lb)
{
	const json_t *ranges = fe_arr(c, spec, "loadBalancerSourceRanges"), *v;
	const json_t *ann = json_object_get(json_object_get(obj, "metadata"), "annotations");
	const char *key = "service.beta.kubernetes.io/load-balancer-source-ranges";
	const char *val = fe_peek_str(ann, key);
	char tmp[128];
	size_t i;

	if (arr_len(ranges)) {
		/* The field path really is spelt with a capital L in Kubernetes. */
		size_t mark = fe_push(c, "LoadBalancerSourceRanges");

		if (!is_lb)
			fe_forbidden(c, NULL, "may only be used when `type` is 'LoadBalancer'");
		json_array_foreach (ranges, i, v) {
			size_t m2 = fe_push_index(c, i);
			const char *s = fe_elem_str(c, v);

			if (s) {
				/* Values may be space-padded, a leftover of the annotation. */
				while (isspace((unsigned char)*s))
					s++;
				snprintf(tmp, sizeof(tmp), "%s", s);
				for (size_t k = strlen(tmp);
				     k && isspace((unsigned char)tmp[k - 1]); k--)
					tmp[k - 1] = '\0';
				vld_cidr(c, NULL, tmp);
			}
			fe_pop(c, m2);
		}
		fe_pop(c, mark);
	} else if (val) {
		struct fe_saved saved;
		const char *p = val;

		fe_save(c, &saved);
		fe_push(c, "metadata");
		fe_push(c, "annotations");
		fe_push_key(c, key);
		if (!is_lb)
			fe_forbidden(c, NULL, "may only be used when `type` is 'LoadBalancer'");
		while (*p) {
			const char *end = strchr(p, ',');
			size_t n = end ? (size_t)(end - p) : strlen(p);

			while (n && isspace((unsigned char)*p))
				p++, n--;
			while (n && isspace((unsigned char)p[n - 1]))
				n--;
			if (n || end) {
				snprintf(tmp, sizeof(tmp), "%.*s", (int)(n < 127 ? n : 127), p);
				vld_cidr(c, NULL, tmp);
			}
			if (!end)
				break;
			p = end + 1;
		}
		fe_restore(c, &saved);
	}
}

static void vld_affinity(struct fe_ctx *c, const json_t *spec)
{
	const char *aff = fe_str(c, spec, "sessionAffinity");
	const json_t *cfg = fe_obj(c, spec, "sessionAffinityConfig");
	const json_t *cip = fe_obj(c, cfg, "clientIP");
	long long t = 0;
	int has_t;

	{
		size_t m = fe_push(c, "sessionAffinityConfig");
		size_t m2 = fe_push(c, "clientIP");

		has_t = fe_int(c, cip, "timeoutSeconds", &t);
		fe_pop(c, m2);
		fe_pop(c, m);
	}
	if (!aff || !*aff) {
		fe_required(c, "sessionAffinity", "%s", "");
	} else if (!str_in(aff, svc_affinities)) {
		fe_not_supported(c, "sessionAffinity", aff, svc_affinities);
	} else if (!strcmp(aff, "ClientIP")) {
		if (!cfg)
			fe_required(c, "sessionAffinityConfig",
			            "when session affinity type is ClientIP");
		else if (!cip)
			fe_required(c, "sessionAffinityConfig.clientIP",
			            "when session affinity type is ClientIP");
		else if (!has_t)
			fe_required(c, "sessionAffinityConfig.clientIP.timeoutSeconds",
			            "when session affinity type is ClientIP");
		else if (t <= 0 || t > MAX_AFFINITY_SECONDS)
			fe_invalid_int(c, "sessionAffinityConfig.clientIP.timeoutSeconds", t,
			               "must be greater than 0 and less than %d",
			               MAX_AFFINITY_SECONDS);
	} else if (cfg) {
		fe_forbidden(c, "sessionAffinityConfig",
		             "must not be set when session affinity is None");
	}
}

/* ValidateService: everything that holds on create and on update. */
static void vld_service_spec(struct fe_ctx *c, const json_t *obj)
{
	const json_t *spec = fe_obj(c, obj, "spec"), *v;
	const json_t *ann = json_object_get(json_object_get(obj, "metadata"), "annotations");
	const char *type, *ename, *lbclass;
	const char *topo = fe_peek_str(ann, "service.kubernetes.io/topology-mode");
	const char *hints = fe_peek_str(ann, "service.kubernetes.io/topology-aware-hints");
	const json_t *eips, *ports;
	size_t mark, i;
	int alloc;

	if (topo && hints && strcmp(topo, hints)) {
		mark = fe_push(c, "metadata");
		fe_push(c, "annotations");
		fe_push_key(c, "service.kubernetes.io/topology-mode");
		fe_invalid_str(c, NULL, topo,
		               "must match annotations[service.kubernetes.io/topology-aware-hints] "
		               "when both are specified");
		fe_pop(c, mark);
	}
	mark = fe_push(c, "spec");
	type = fe_str(c, spec, "type");
	ename = fe_str(c, spec, "externalName");
	lbclass = fe_str(c, spec, "loadBalancerClass");
	ports = fe_arr(c, spec, "ports");

	if (arr_len(ports) == 0 && !is_headless(obj) && !(type && !strcmp(type, "ExternalName")))
		fe_required(c, "ports", "%s", "");

	if (type && !strcmp(type, "LoadBalancer") && is_headless(obj)) {
		fe_invalid_str(c, "clusterIPs[0]", "None",
		               "may not be set to 'None' for LoadBalancer services");
	} else if (type && !strcmp(type, "NodePort") && is_headless(obj)) {
		fe_invalid_str(c, "clusterIPs[0]", "None",
		               "may not be set to 'None' for NodePort services");
	} else if (type && !strcmp(type, "ExternalName")) {
		size_t n;

		if (arr_len(spec_arr(obj, "clusterIPs")))
			fe_forbidden(c, "clusterIPs", "may not be set for ExternalName services");
		if (arr_len(spec_arr(obj, "ipFamilies")))
			fe_forbidden(c, "ipFamilies", "may not be set for ExternalName services");
		if (fe_present(spec, "ipFamilyPolicy"))
			fe_forbidden(c, "ipFamilyPolicy",
			             "may not be set for ExternalName services");
		/* A CNAME may end in a dot to mark it fully qualified. */
		n = ename ? strlen(ename) : 0;
		if (n && ename[n - 1] == '.')
			n--;
		if (n) {
			char tmp[300];

			if (n < sizeof(tmp)) {
				memcpy(tmp, ename, n);
				tmp[n] = '\0';
				vld_dns1123_subdomain(c, "externalName", tmp);
			} else {
				vld_dns1123_subdomain(c, "externalName", ename);
			}
		} else {
			fe_required(c, "externalName", "%s", "");
		}
	}

	vld_service_ports(c, ports, type);
	vld_labels(c, spec, "selector");
	vld_affinity(c, spec);
	vld_cluster_ips(c, obj, spec);

	eips = fe_arr(c, spec, "externalIPs");
	json_array_foreach (eips, i, v) {
		size_t m = fe_push(c, "externalIPs");
		size_t m2 = fe_push_index(c, i);
		const char *ip = fe_elem_str(c, v);

		if (ip && !api_parse_ip(ip, NULL))
			vld_ip(c, NULL, ip);
		else if (ip)
			vld_non_special_ip(c, NULL, ip);
		fe_pop(c, m2);
		fe_pop(c, m);
	}

	if (!type || !*type)
		fe_required(c, "type", "%s", "");
	else if (!str_in(type, svc_types))
		fe_not_supported(c, "type", type, svc_types);

	vld_source_ranges(c, obj, spec, type && !strcmp(type, "LoadBalancer"));

	if (fe_bool(c, spec, "allocateLoadBalancerNodePorts", &alloc)) {
		if (!type || strcmp(type, "LoadBalancer"))
			fe_forbidden(c, "allocateLoadBalancerNodePorts",
			             "may only be used when `type` is 'LoadBalancer'");
	} else if (type && !strcmp(type, "LoadBalancer") &&
	           !fe_present(spec, "allocateLoadBalancerNodePorts")) {
		/* Kubernetes reports this one without the "spec." prefix. */
		struct fe_saved saved;

		fe_save(c, &saved);
		fe_required(c, "allocateLoadBalancerNodePorts", "%s", "");
		fe_restore(c, &saved);
	}

	if (type && !strcmp(type, "LoadBalancer")) {
		if (lbclass)
			vld_qualified_name(c, "loadBalancerClass", lbclass);
	} else if (lbclass) {
		fe_forbidden(c, "loadBalancerClass",
		             "may only be used when `type` is 'LoadBalancer'");
	}

	vld_traffic(c, obj, spec, type);
	(void)fe_str(c, spec, "loadBalancerIP");
	fe_pop(c, mark);
}

/* ---- update rules ---- */

static void vld_upgrade_downgrade(struct fe_ctx *c, const json_t *svc, const json_t *old)
{
	const json_t *ips = spec_arr(svc, "clusterIPs"), *oips = spec_arr(old, "clusterIPs");
	const json_t *fams = spec_arr(svc, "ipFamilies"), *ofams = spec_arr(old, "ipFamilies");
	const char *policy = spec_str(svc, "ipFamilyPolicy");
	size_t n = arr_len(ips), on = arr_len(oips), i;
	int single = policy && !strcmp(policy, "SingleStack");

	if (is_type(svc, "ExternalName") || is_type(old, "ExternalName"))
		return;
	if (!(is_headless(svc) && is_headless(old))) {
		if (n == on) {
			for (i = 0; i < on; i++)
				if (strcmp(arr_str(oips, i), arr_str(ips, i))) {
					char sub[48];

					snprintf(sub, sizeof(sub), "clusterIPs[%zu]", i);
					invalid_list(c, sub, "[]string", ips,
					             "may not change once set");
				}
		} else if (on > n) {
			if (n == 0)
				invalid_list(c, "clusterIPs[0]", "[]string", ips,
				             "primary clusterIP can not be unset");
			if (n > 0 && strcmp(arr_str(ips, 0), arr_str(oips, 0)))
				invalid_list(c, "clusterIPs[0]", "[]string", ips,
				             "may not change once set");
			if (n == 1 && !single)
				invalid_ptr(
				    c, "ipFamilyPolicy", policy,
				    "must be set to 'SingleStack' when releasing the secondary "
				    "clusterIP");
		} else if (on > 0 && strcmp(arr_str(ips, 0), arr_str(oips, 0))) {
			invalid_list(c, "clusterIPs[0]", "[]string", ips,
			             "may not change once set");
		}
	}

	/* Headless services may change families, also on the way to or from headless. */
	if (is_headless(svc) || is_headless(old))
		return;
	n = arr_len(fams);
	on = arr_len(ofams);
	if (n == on) {
		for (i = 0; i < on; i++)
			if (strcmp(arr_str(ofams, i), arr_str(fams, i)))
				invalid_list(c, "ipFamilies[0]", "[]core.IPFamily", fams,
				             "may not change once set");
	} else if (on > n) {
		if (arr_len(ips) == 0)
			invalid_list(c, "ipFamilies[0]", "[]core.IPFamily", fams,
			             "primary ipFamily can not be unset");
		if (n > 0 && strcmp(arr_str(fams, 0), arr_str(ofams, 0)))
			invalid_list(c, "ipFamilies[0]", "[]string", ips,
			             "may not change once set");
		if (n == 1 && !single)
			invalid_ptr(
			    c, "ipFamilyPolicy", policy,
			    "must be set to 'SingleStack' when releasing the secondary ipFamily");
	} else if (on > 0 && n > 0 && strcmp(arr_str(fams, 0), arr_str(ofams, 0))) {
		invalid_list(c, "ipFamilies[0]", "[]string", ips, "may not change once set");
	}
}

static void vld_service_update(struct fe_ctx *c, const json_t *obj, const json_t *old)
{
	size_t mark;

	vld_meta_update(c, obj, old);
	mark = fe_push(c, "spec");
	vld_upgrade_downgrade(c, obj, old);
	if (is_type(obj, "LoadBalancer") && is_type(old, "LoadBalancer") &&
	    !vld_same(json_object_get(spec_of(obj), "loadBalancerClass"),
	              json_object_get(spec_of(old), "loadBalancerClass")))
		invalid_ptr(c, "loadBalancerClass", spec_str(obj, "loadBalancerClass"),
		            "may not change once set");
	if (needs_health_check(old) && needs_health_check(obj) &&
	    !vld_same(json_object_get(spec_of(obj), "healthCheckNodePort"),
	              json_object_get(spec_of(old), "healthCheckNodePort")))
		fe_forbidden(c, "healthCheckNodePort", "field is immutable");
	fe_pop(c, mark);
}

void vld_service(struct fe_ctx *c, const json_t *obj, const json_t *old)
{
	if (old)
		vld_service_update(c, obj, old);
	vld_meta(c, obj, 1, VLD_DNS1035);
	vld_service_spec(c, obj);
}

/* ---- status ---- */

void vld_lb_status(struct fe_ctx *c, const json_t *lb, int service_is_lb, int is_service)
{
	const json_t *ing = fe_arr(c, lb, "ingress"), *e;
	size_t i, mark = fe_push(c, "ingress");

	if (is_service && !service_is_lb && arr_len(ing)) {
		fe_forbidden(c, NULL, "may only be used when `spec.type` is 'LoadBalancer'");
		fe_pop(c, mark);
		return;
	}
	json_array_foreach (ing, i, e) {
		size_t m2 = fe_push_index(c, i);
		const json_t *o = fe_elem_obj(c, e);
		const char *ip = fe_str(c, o, "ip");
		const char *host = fe_str(c, o, "hostname");
		const char *mode = is_service ? fe_str(c, o, "ipMode") : NULL;

		(void)fe_arr(c, o, "ports");
		if (ip && *ip)
			vld_ip(c, "ip", ip);
		if (is_service) {
			if (!mode && ip && *ip)
				fe_required(c, "ipMode", "must be specified when `ip` is set");
			else if (mode && !(ip && *ip))
				fe_forbidden(c, "ipMode",
				             "may not be specified when `ip` is not set");
			else if (mode && !str_in(mode, lb_ip_modes))
				fe_not_supported(c, "ipMode", mode, lb_ip_modes);
		}
		if (host && *host) {
			vld_dns1123_subdomain(c, "hostname", host);
			if (api_parse_ip(host, NULL))
				fe_invalid_str(c, "hostname", host,
				               "must be a DNS name, not an IP address");
		}
		fe_pop(c, m2);
	}
	fe_pop(c, mark);
}

void vld_service_status(struct fe_ctx *c, const json_t *obj, const json_t *old)
{
	const json_t *status = fe_obj(c, obj, "status");
	size_t mark = fe_push(c, "status");
	const json_t *lb = fe_obj(c, status, "loadBalancer");

	fe_push(c, "loadBalancer");
	vld_lb_status(c, lb, is_type(obj, "LoadBalancer"), 1);
	fe_pop(c, mark);
	vld_meta_update(c, obj, old);
}
