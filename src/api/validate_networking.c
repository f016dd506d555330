/* validate_networking.c - EndpointSlice, Ingress and IngressClass validation. */
#include "api/validate_impl.h"

#include <string.h>

static const char *const address_types[] = {"FQDN", "IPv4", "IPv6", NULL};
static const char *const protocols[] = {"SCTP", "TCP", "UDP", NULL};
static const char *const path_types[] = {"Exact", "ImplementationSpecific", "Prefix", NULL};
static const char *const param_scopes[] = {"Cluster", "Namespace", NULL};

#define MAX_ENDPOINTS      1000
#define MAX_ADDRESSES      100
#define MAX_PORTS          100
#define MAX_ZONE_HINTS     8
#define MAX_CONTROLLER_LEN 250

static int in_set(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(s, *set))
			return 1;
	return 0;
}

static void vld_meta_both(struct fe_ctx *c, const json_t *obj, const json_t *old, int namespaced)
{
	if (old)
		vld_meta_update(c, obj, old);
	vld_meta(c, obj, namespaced, VLD_SUBDOMAIN);
}

/* ---- EndpointSlice ---- */

/* IsFullyQualifiedDomainName: at least two labels, a trailing dot allowed. */
static void vld_fqdn(struct fe_ctx *c, const char *v)
{
	char tmp[300];
	size_t n = strlen(v);
	const char *msgs[API_FMT_MAX_MSGS];
	int k;

	if (!n) {
		fe_required(c, NULL, "%s", "");
		return;
	}
	if (v[n - 1] == '.')
		n--;
	if (n >= sizeof(tmp)) {
		fe_invalid_str(c, NULL, v, "must be no more than 253 characters");
		return;
	}
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	k = api_is_dns1123_subdomain(tmp, msgs);
	if (k) {
		fe_invalid_str(c, NULL, tmp, "%s%s%s", msgs[0], k > 1 ? "," : "",
		               k > 1 ? msgs[1] : "");
		return;
	}
	if (!strchr(tmp, '.'))
		fe_invalid_str(c, NULL, tmp,
		               "should be a domain with at least two segments separated by dots");
}

static void vld_hints(struct fe_ctx *c, const json_t *ep)
{
	const json_t *hints = fe_obj(c, ep, "hints"), *zones, *z;
	struct fe_set seen = FE_SET_INIT;
	size_t i, mark;

	if (!hints)
		return;
	mark = fe_push(c, "hints");
	zones = fe_arr(c, hints, "forZones");
	(void)fe_arr(c, hints, "forNodes");
	if (json_array_size(zones) > MAX_ZONE_HINTS) {
		fe_too_many(c, "forZones", (long long)json_array_size(zones), MAX_ZONE_HINTS);
		zones = NULL;
	}
	json_array_foreach (zones, i, z) {
		size_t m = fe_push(c, "forZones");
		size_t m2 = fe_push_index(c, i);
		const json_t *o = fe_elem_obj(c, z);
		const char *name = fe_str(c, o, "name");

		if (o) {
			if (!name || !*name)
				fe_required(c, "name", "%s", "");
			else if (fe_set_add(&seen, name) == 1)
				fe_duplicate_str(c, "name", name);
		}
		fe_pop(c, m2);
		fe_pop(c, m);
	}
	fe_set_free(&seen);
	fe_pop(c, mark);
}

static void vld_slice_endpoints(struct fe_ctx *c, const json_t *obj, const char *atype)
{
	const json_t *eps = fe_arr(c, obj, "endpoints"), *e, *a;
	size_t i, j, mark = fe_push(c, "endpoints");

	if (json_array_size(eps) > MAX_ENDPOINTS) {
		fe_too_many(c, NULL, (long long)json_array_size(eps), MAX_ENDPOINTS);
		fe_pop(c, mark);
		return;
	}
	json_array_foreach (eps, i, e) {
		size_t m2 = fe_push_index(c, i);
		const json_t *o = fe_elem_obj(c, e);
		const json_t *addrs = fe_arr(c, o, "addresses");
		const json_t *cond = fe_obj(c, o, "conditions");
		const char *host = fe_str(c, o, "hostname"), *node = fe_str(c, o, "nodeName");
		size_t na = json_array_size(addrs);
		int b;

		if (!o) {
			fe_pop(c, m2);
			continue;
		}
		(void)fe_str(c, o, "zone");
		(void)fe_obj(c, o, "targetRef");
		{
			size_t m3 = fe_push(c, "conditions");

			(void)fe_bool(c, cond, "ready", &b);
			(void)fe_bool(c, cond, "serving", &b);
			(void)fe_bool(c, cond, "terminating", &b);
			fe_pop(c, m3);
		}
		if (!na)
			fe_required(c, "addresses", "must contain at least 1 address");
		else if (na > MAX_ADDRESSES)
			fe_too_many(c, "addresses", (long long)na, MAX_ADDRESSES);
		json_array_foreach (na <= MAX_ADDRESSES ? addrs : NULL, j, a) {
			size_t m3 = fe_push(c, "addresses");
			size_t m4 = fe_push_index(c, j);
			const char *s = fe_elem_str(c, a);
			int fam;

			/* Unknown address types are reported once, on addressType. */
			if (s && atype && !strcmp(atype, "IPv4")) {
				fam = api_parse_ip(s, NULL);
				if (fam != 4 || strchr(s, ':'))
					fe_invalid_str(c, NULL, s, "must be a valid IPv4 address");
				vld_non_special_ip(c, NULL, s);
			} else if (s && atype && !strcmp(atype, "IPv6")) {
				fam = api_parse_ip(s, NULL);
				if (!fam || !strchr(s, ':'))
					fe_invalid_str(c, NULL, s, "must be a valid IPv6 address");
				vld_non_special_ip(c, NULL, s);
			} else if (s && atype && !strcmp(atype, "FQDN")) {
				vld_fqdn(c, s);
			}
			fe_pop(c, m4);
			fe_pop(c, m3);
		}
		vld_labels(c, o, "deprecatedTopology");
		if (host)
			vld_dns1123_label(c, "hostname", host);
		if (node)
			vld_dns1123_subdomain(c, "nodeName", node);
		vld_hints(c, o);
		fe_pop(c, m2);
	}
	fe_pop(c, mark);
}

static void vld_slice_ports(struct fe_ctx *c, const json_t *obj)
{
	const json_t *ports = fe_arr(c, obj, "ports"), *p;
	struct fe_set names = FE_SET_INIT;
	size_t i, mark = fe_push(c, "ports");

	if (json_array_size(ports) > MAX_PORTS) {
		fe_too_many(c, NULL, (long long)json_array_size(ports), MAX_PORTS);
		fe_pop(c, mark);
		return;
	}
	json_array_foreach (ports, i, p) {
		size_t m2 = fe_push_index(c, i);
		const json_t *o = fe_elem_obj(c, p);
		const char *name = fe_str(c, o, "name"), *proto = fe_str(c, o, "protocol");
		const char *app = fe_str(c, o, "appProtocol");
		long long port;
		int r;

		if (!o) {
			fe_pop(c, m2);
			continue;
		}
		name = name ? name : "";
		if (*name)
			vld_dns1123_label(c, "name", name);
		r = fe_set_add(&names, name);
		if (r < 0)
			c->oom = 1;
		else if (r)
			fe_duplicate_str(c, "name", name);
		if (!proto)
			fe_required(c, "protocol", "%s", "");
		else if (!in_set(proto, protocols))
			fe_not_supported(c, "protocol", proto, protocols);
		if (app)
			vld_qualified_name(c, "appProtocol", app);
		/* A port may be left out (all ports); when given it must be a port. */
		if (fe_int(c, o, "port", &port))
			vld_port_num(c, "port", port);
		fe_pop(c, m2);
	}
	fe_set_free(&names);
	fe_pop(c, mark);
}

void vld_endpointslice(struct fe_ctx *c, const json_t *obj, const json_t *old)
{
	const char *atype = fe_str(c, obj, "addressType");

	vld_meta_both(c, obj, old, 1);
	if (!atype || !*atype)
		fe_required(c, "addressType", "%s", "");
	else if (!in_set(atype, address_types) && !(old && !strcmp(atype, "IP")))
		fe_not_supported(c, "addressType", atype, address_types);
	vld_slice_endpoints(c, obj, atype);
	vld_slice_ports(c, obj);
	if (old)
		vld_immutable(c, obj, old, "addressType");
}

/* ---- Ingress ---- */

static void vld_path_segment(struct fe_ctx *c, const char *sub, const char *v)
{
	if (!strcmp(v, ".") || !strcmp(v, ".."))
		fe_invalid_str(c, sub, v, "may not be '%s'", v);
	if (strchr(v, '/'))
		fe_invalid_str(c, sub, v, "may not contain '/'");
	if (strchr(v, '%'))
		fe_invalid_str(c, sub, v, "may not contain '%%'");
}

static void vld_backend(struct fe_ctx *c, const json_t *be)
{
	const json_t *res = fe_obj(c, be, "resource"), *svc = fe_obj(c, be, "service"), *port;
	size_t mark;

	if (res && svc) {
		fe_invalid_str(c, NULL, "", "cannot set both resource and service backends");
		return;
	}
	if (res) {
		const char *group, *kind, *name;

		mark = fe_push(c, "resource");
		group = fe_str(c, res, "apiGroup");
		kind = fe_str(c, res, "kind");
		name = fe_str(c, res, "name");
		if (group)
			vld_dns1123_subdomain(c, "apiGroup", group);
		if (!kind || !*kind)
			fe_required(c, "kind", "%s", "");
		else
			vld_path_segment(c, "kind", kind);
		if (!name || !*name)
			fe_required(c, "name", "%s", "");
		else
			vld_path_segment(c, "name", name);
		fe_pop(c, mark);
		return;
	}
	if (!svc) {
		fe_invalid_str(c, NULL, "", "resource or service backend is required");
		return;
	}
	{
		const char *name, *pname = NULL;
		long long num = 0;
		const char *msgs[API_FMT_MAX_MSGS];
		int n;

		mark = fe_push(c, "service");
		name = fe_str(c, svc, "name");
		port = fe_obj(c, svc, "port");
		{
			size_t m2 = fe_push(c, "port");

			pname = fe_str(c, port, "name");
			fe_int(c, port, "number", &num);
			fe_pop(c, m2);
		}
		if (!name || !*name) {
			fe_required(c, "name", "%s", "");
		} else {
			n = api_is_dns1035_label(name, msgs);
			for (int i = 0; i < n; i++)
				fe_invalid_str(c, "name", name, "%s", msgs[i]);
		}
		fe_pop(c, mark);
		if (pname && *pname && num != 0) {
			fe_invalid_str(c, NULL, "", "cannot set both port name & port number");
		} else if (pname && *pname) {
			n = api_is_port_name(pname, msgs);
			for (int i = 0; i < n; i++)
				fe_invalid_str(c, "service.port.name", pname, "%s", msgs[i]);
		} else if (num != 0) {
			vld_port_num(c, "service.port.number", num);
		} else {
			fe_required(c, NULL, "port name or number is required");
		}
	}
}

static void vld_host(struct fe_ctx *c, const char *sub, const char *host, int check_ip)
{
	if (check_ip && api_parse_ip(host, NULL))
		fe_invalid_str(c, sub, host, "must be a DNS name, not an IP address");
	if (strchr(host, '*')) {
		const char *msgs[API_FMT_MAX_MSGS];
		int n = api_is_wildcard_dns1123_subdomain(host, msgs);

		for (int i = 0; i < n; i++)
			fe_invalid_str(c, sub, host, "%s", msgs[i]);
	} else {
		vld_dns1123_subdomain(c, sub, host);
	}
}

static void vld_http_path(struct fe_ctx *c, const json_t *p)
{
	static const char *const bad_seq[] = {"//", "/./", "/../", "%2f", "%2F"};
	static const char *const bad_suffix[] = {"/..", "/."};
	const char *path = fe_str(c, p, "path"), *pt = fe_str(c, p, "pathType");
	const json_t *be = fe_obj(c, p, "backend");
	size_t n, mark;

	path = path ? path : "";
	n = strlen(path);
	if (!pt) {
		fe_required(c, "pathType", "pathType must be specified");
		return;
	}
	if (!strcmp(pt, "Exact") || !strcmp(pt, "Prefix")) {
		if (path[0] != '/')
			fe_invalid_str(c, "path", path, "must be an absolute path");
		for (size_t i = 0; n && i < 5; i++)
			if (strstr(path, bad_seq[i]))
				fe_invalid_str(c, "path", path, "must not contain '%s'",
				               bad_seq[i]);
		for (size_t i = 0; n && i < 2; i++) {
			size_t k = strlen(bad_suffix[i]);

			if (n >= k && !strcmp(path + n - k, bad_suffix[i]))
				fe_invalid_str(c, "path", path, "cannot end with '%s'",
				               bad_suffix[i]);
		}
	} else if (!strcmp(pt, "ImplementationSpecific")) {
		if (n && path[0] != '/')
			fe_invalid_str(c, "path", path, "must be an absolute path");
	} else {
		fe_not_supported(c, "pathType", pt, path_types);
	}
	mark = fe_push(c, "backend");
	vld_backend(c, be);
	fe_pop(c, mark);
}

static void vld_rules(struct fe_ctx *c, const json_t *spec)
{
	const json_t *rules = fe_arr(c, spec, "rules"), *r, *p;
	size_t i, j, mark = fe_push(c, "rules");

	json_array_foreach (rules, i, r) {
		size_t m2 = fe_push_index(c, i);
		const json_t *o = fe_elem_obj(c, r);
		const char *host = fe_str(c, o, "host");
		const json_t *http = fe_obj(c, o, "http");

		if (host && *host)
			vld_host(c, "host", host, 1);
		if (http) {
			size_t m3 = fe_push(c, "http");
			const json_t *paths = fe_arr(c, http, "paths");

			if (!json_array_size(paths))
				fe_required(c, "paths", "%s", "");
			json_array_foreach (paths, j, p) {
				size_t m4 = fe_push(c, "paths");
				size_t m5 = fe_push_index(c, j);
				const json_t *po = fe_elem_obj(c, p);

				if (po)
					vld_http_path(c, po);
				fe_pop(c, m5);
				fe_pop(c, m4);
			}
			fe_pop(c, m3);
		}
		fe_pop(c, m2);
	}
	fe_pop(c, mark);
}

static void vld_tls(struct fe_ctx *c, const json_t *spec)
{
	const json_t *tls = fe_arr(c, spec, "tls"), *t, *h;
	size_t i, j, mark = fe_push(c, "tls");

	json_array_foreach (tls, i, t) {
		size_t m2 = fe_push_index(c, i);
		const json_t *o = fe_elem_obj(c, t);
		const json_t *hosts = fe_arr(c, o, "hosts");
		const char *secret = fe_str(c, o, "secretName");

		json_array_foreach (hosts, j, h) {
			size_t m3 = fe_push(c, "hosts");
			size_t m4 = fe_push_index(c, j);
			const char *s = fe_elem_str(c, h);

			if (s)
				vld_host(c, NULL, s, 0);
			fe_pop(c, m4);
			fe_pop(c, m3);
		}
		if (secret && *secret)
			vld_dns1123_subdomain(c, "secretName", secret);
		fe_pop(c, m2);
	}
	fe_pop(c, mark);
}

void vld_ingress(struct fe_ctx *c, const json_t *obj, const json_t *old)
{
	const json_t *spec = fe_obj(c, obj, "spec"), *be;
	const json_t *ann = json_object_get(json_object_get(obj, "metadata"), "annotations");
	const char *cls, *annv = fe_peek_str(ann, "kubernetes.io/ingress.class");
	size_t mark;

	vld_meta_both(c, obj, old, 1);
	mark = fe_push(c, "spec");
	be = fe_obj(c, spec, "defaultBackend");
	cls = fe_str(c, spec, "ingressClassName");
	if (!json_array_size(json_object_get(spec, "rules")) && !be)
		fe_invalid(c, NULL, json_object_get(spec, "rules"),
		           "either `defaultBackend` or `rules` must be specified");
	if (be) {
		size_t m = fe_push(c, "defaultBackend");

		vld_backend(c, be);
		fe_pop(c, m);
	}
	vld_rules(c, spec);
	vld_tls(c, spec);
	if (cls)
		vld_dns1123_subdomain(c, "ingressClassName", cls);
	fe_pop(c, mark);
	if (!old && annv && cls && strcmp(annv, cls))
		fe_invalid_str(c, "annotations.kubernetes.io/ingress.class", annv,
		               "must match `ingressClassName` when both are specified");
}

void vld_ingress_status(struct fe_ctx *c, const json_t *obj, const json_t *old)
{
	const json_t *status = fe_obj(c, obj, "status");
	size_t mark = fe_push(c, "status");
	const json_t *lb = fe_obj(c, status, "loadBalancer");

	fe_push(c, "loadBalancer");
	vld_lb_status(c, lb, 1, 0);
	fe_pop(c, mark);
	vld_meta_update(c, obj, old);
}

/* ---- IngressClass ---- */

/* IsDomainPrefixedPath: "acme.io/foo". */
static void vld_domain_prefixed_path(struct fe_ctx *c, const char *sub, const char *v)
{
	const char *slash = strchr(v, '/');
	const char *msgs[API_FMT_MAX_MSGS];
	char host[300];
	size_t hl;
	int n;

	if (!slash || slash == v || !slash[1]) {
		fe_invalid_str(c, sub, v,
		               "must be a domain-prefixed path (such as \"acme.io/foo\")");
		return;
	}
	hl = (size_t)(slash - v);
	if (hl < sizeof(host)) {
		memcpy(host, v, hl);
		host[hl] = '\0';
		n = api_is_dns1123_subdomain(host, msgs);
		for (int i = 0; i < n; i++)
			fe_invalid_str(c, sub, host, "%s", msgs[i]);
	} else {
		fe_invalid_str(c, sub, v, "must be no more than 253 characters");
	}
	for (const char *p = slash + 1; *p; p++) {
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/"
		            "-._~%!$&'()*+,;=:",
		            *p)) {
			fe_invalid_str(c, sub, slash + 1,
			               "Invalid path (regex used for validation is "
			               "'[A-Za-z0-9/\\-._~%%!$&'()*+,;=:]+')");
			break;
		}
	}
}

void vld_ingressclass(struct fe_ctx *c, const json_t *obj, const json_t *old)
{
	const json_t *spec = fe_obj(c, obj, "spec"), *params;
	const char *ctl;
	size_t mark;

	vld_meta_both(c, obj, old, 0);
	mark = fe_push(c, "spec");
	ctl = fe_str(c, spec, "controller");
	params = fe_obj(c, spec, "parameters");
	if (!ctl || !*ctl) {
		fe_required(c, "controller", "%s", "");
	} else {
		if (strlen(ctl) > MAX_CONTROLLER_LEN)
			fe_too_long(c, "controller", MAX_CONTROLLER_LEN);
		vld_domain_prefixed_path(c, "controller", ctl);
	}
	if (params) {
		size_t m = fe_push(c, "parameters");
		const char *group = fe_str(c, params, "apiGroup"),
		           *kind = fe_str(c, params, "kind");
		const char *name = fe_str(c, params, "name"), *scope = fe_str(c, params, "scope");
		const char *ns = fe_str(c, params, "namespace");

		if (group)
			vld_dns1123_subdomain(c, "apiGroup", group);
		if (!kind || !*kind)
			fe_required(c, "kind", "%s", "");
		else
			vld_path_segment(c, "kind", kind);
		if (!name || !*name)
			fe_required(c, "name", "%s", "");
		else
			vld_path_segment(c, "name", name);
		if (!scope) {
			fe_required(c, "scope", "%s", "");
		} else if (!in_set(scope, param_scopes)) {
			fe_not_supported(c, "scope", scope, param_scopes);
		} else if (!strcmp(scope, "Namespace")) {
			if (!ns)
				fe_required(c, "namespace",
				            "`parameters.scope` is set to 'Namespace'");
			else
				vld_dns1123_label(c, "namespace", ns);
		} else if (ns) {
			fe_forbidden(c, "namespace", "`parameters.scope` is set to 'Cluster'");
		}
		fe_pop(c, m);
	}
	if (old) {
		const json_t *ospec = json_object_get(old, "spec");

		vld_immutable(c, spec, json_is_object(ospec) ? ospec : NULL, "controller");
	}
	fe_pop(c, mark);
}
