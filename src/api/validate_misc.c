/* validate_misc.c - Namespace, Node, Secret, Event and Endpoints validation. */
#include "api/validate_impl.h"

#include <stdlib.h>
#include <string.h>

#define SECRET_MAX_BYTES (1024 * 1024)

static const char *const protocols[] = {"SCTP", "TCP", "UDP", NULL};
static const char *const taint_effects[] = {"NoSchedule", "PreferNoSchedule", "NoExecute", NULL};
static const char *const address_types[] = {"ExternalDNS", "ExternalIP", "Hostname",
                                            "InternalDNS", "InternalIP", NULL};

static int in_set(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(s, *set))
			return 1;
	return 0;
}

/* Create rules, plus the metadata update rules when old is given. */
static void vld_meta_both(struct fe_ctx *c, const json_t *obj, const json_t *old, int namespaced,
                          enum vld_name_rule rule)
{
	if (old)
		vld_meta_update(c, obj, old);
	vld_meta(c, obj, namespaced, rule);
}

/* ---- Namespace ---- */

void vld_namespace(struct fe_ctx *c, const json_t *obj, const json_t *old)
{
	const json_t *spec, *fins, *f;
	size_t i, mark;

	vld_meta_both(c, obj, old, 0, VLD_LABEL);
	spec = fe_obj(c, obj, "spec");
	mark = fe_push(c, "spec");
	fins = fe_arr(c, spec, "finalizers");
	json_array_foreach (fins, i, f) {
		size_t m = fe_push(c, "finalizers");
		size_t m2 = fe_push_index(c, i);
		const char *s = fe_elem_str(c, f);

		fe_pop(c, m2);
		/* Reported at the list path, as Kubernetes does. */
		if (s) {
			vld_qualified_name(c, NULL, s);
			if (!strchr(s, '/') && strcmp(s, "kubernetes") && strcmp(s, "orphan") &&
			    strcmp(s, "foregroundDeletion"))
				fe_invalid_str(
				    c, NULL, s,
				    "name is neither a standard finalizer name nor is it "
				    "fully qualified");
		}
		fe_pop(c, m);
	}
	fe_pop(c, mark);
}

/* ---- Node ---- */

static void vld_taints(struct fe_ctx *c, const json_t *spec)
{
	const json_t *taints = fe_arr(c, spec, "taints"), *t;
	struct fe_set seen = FE_SET_INIT;
	struct fe_saved saved;
	size_t i;

	if (!taints)
		return;
	/* Kubernetes reports node taints under "metadata.taints". */
	fe_save(c, &saved);
	fe_push(c, "metadata");
	fe_push(c, "taints");
	json_array_foreach (taints, i, t) {
		size_t m2 = fe_push_index(c, i);
		const json_t *o = fe_elem_obj(c, t);
		const char *key = fe_str(c, o, "key"), *value = fe_str(c, o, "value");
		const char *effect = fe_str(c, o, "effect");
		const char *msgs[API_FMT_MAX_MSGS];
		char k[400];
		int n;

		(void)fe_str(c, o, "timeAdded");
		if (!o) {
			fe_pop(c, m2);
			continue;
		}
		vld_qualified_name(c, "key", key ? key : "");
		n = api_is_label_value(value ? value : "", msgs);
		if (n == 1)
			fe_invalid_str(c, "value", value, "%s", msgs[0]);
		else if (n > 1)
			fe_invalid_str(c, "value", value, "%s;%s", msgs[0], msgs[1]);
		if (!effect || !*effect)
			fe_required(c, "effect", "%s", "");
		else if (!in_set(effect, taint_effects))
			fe_not_supported(c, "effect", effect, taint_effects);
		snprintf(k, sizeof(k), "%.300s\n%.40s", key ? key : "", effect ? effect : "");
		n = fe_set_add(&seen, k);
		if (n < 0) {
			c->oom = 1;
		} else if (n) {
			buf b = BUF_INIT;
			const char *kk = key ? key : "", *vv = value ? value : "";
			const char *ee = effect ? effect : "";

			if (buf_puts(&b, "core.Taint{Key:") < 0 ||
			    fe_goquote(&b, kk, strlen(kk)) < 0 || buf_puts(&b, ", Value:") < 0 ||
			    fe_goquote(&b, vv, strlen(vv)) < 0 || buf_puts(&b, ", Effect:") < 0 ||
			    fe_goquote(&b, ee, strlen(ee)) < 0 ||
			    buf_puts(&b, ", TimeAdded:<nil>}") < 0 || buf_cstr(&b) < 0)
				c->oom = 1;
			else
				fe_duplicate_detail(c, NULL, b.data,
				                    "taints must be unique by key and effect pair");
			buf_free(&b);
		}
		fe_pop(c, m2);
	}
	fe_set_free(&seen);
	fe_restore(c, &saved);
}

static void vld_pod_cidrs(struct fe_ctx *c, const json_t *spec)
{
	const json_t *cidrs = fe_arr(c, spec, "podCIDRs"), *v;
	size_t i, n = json_array_size(cidrs), mark = fe_push(c, "podCIDRs");
	struct fe_set seen = FE_SET_INIT;
	int n4 = 0, n6 = 0;

	(void)fe_str(c, spec, "podCIDR");
	json_array_foreach (cidrs, i, v) {
		size_t m2 = fe_push_index(c, i);
		const char *s = fe_elem_str(c, v);
		int fam = s ? api_parse_cidr(s, NULL, NULL) : 0;

		if (s && !fam)
			vld_cidr(c, NULL, s);
		n4 += fam == 4;
		n6 += fam == 6;
		fe_pop(c, m2);
	}
	if (n > 1) {
		if (!(n4 && n6) || n > 2)
			fe_invalid(c, NULL, cidrs,
			           "may specify no more than one CIDR for each IP family");
		json_array_foreach (cidrs, i, v) {
			if (json_is_string(v) && fe_set_add(&seen, json_string_value(v)) == 1) {
				size_t m2 = fe_push_index(c, i);

				fe_duplicate_str(c, NULL, json_string_value(v));
				fe_pop(c, m2);
			}
		}
	}
	fe_set_free(&seen);
	fe_pop(c, mark);
}

static void vld_node_status(struct fe_ctx *c, const json_t *obj, int update)
{
	const json_t *status = fe_obj(c, obj, "status"), *addrs, *a;
	struct fe_set seen = FE_SET_INIT;
	size_t i, mark = fe_push(c, "status");

	(void)fe_obj(c, status, "capacity");
	(void)fe_obj(c, status, "allocatable");
	(void)fe_arr(c, status, "conditions");
	(void)fe_obj(c, status, "nodeInfo");
	addrs = fe_arr(c, status, "addresses");
	json_array_foreach (addrs, i, a) {
		size_t m2 = fe_push(c, "addresses");
		size_t m3 = fe_push_index(c, i);
		const json_t *o = fe_elem_obj(c, a);
		const char *type = fe_str(c, o, "type"), *addr = fe_str(c, o, "address");
		char key[300];
		int r;

		if (o && type && !in_set(type, address_types))
			fe_not_supported(c, "type", type, address_types);
		snprintf(key, sizeof(key), "%.40s\n%.250s", type ? type : "", addr ? addr : "");
		r = o && update ? fe_set_add(&seen, key) : 0;
		if (r < 0) {
			c->oom = 1;
		} else if (r) {
			buf b = BUF_INIT;

			if (buf_puts(&b, "core.NodeAddress{Type:") < 0 ||
			    fe_goquote(&b, type ? type : "", type ? strlen(type) : 0) < 0 ||
			    buf_puts(&b, ", Address:") < 0 ||
			    fe_goquote(&b, addr ? addr : "", addr ? strlen(addr) : 0) < 0 ||
			    buf_puts(&b, "}") < 0 || buf_cstr(&b) < 0)
				c->oom = 1;
			else
				fe_duplicate_raw(c, NULL, b.data);
			buf_free(&b);
		}
		fe_pop(c, m3);
		fe_pop(c, m2);
	}
	fe_set_free(&seen);
	fe_pop(c, mark);
}

void vld_node(struct fe_ctx *c, const json_t *obj, const json_t *old)
{
	const json_t *spec, *ospec;
	size_t mark;
	int b;

	vld_meta_both(c, obj, old, 0, VLD_SUBDOMAIN);
	spec = fe_obj(c, obj, "spec");
	vld_taints(c, spec);
	mark = fe_push(c, "spec");
	vld_pod_cidrs(c, spec);
	(void)fe_str(c, spec, "providerID");
	(void)fe_bool(c, spec, "unschedulable", &b);
	fe_pop(c, mark);
	vld_node_status(c, obj, old != NULL);
	if (!old)
		return;
	ospec = json_object_get(old, "spec");
	mark = fe_push(c, "spec");
	{
		const json_t *oc = json_object_get(ospec, "podCIDRs");
		const json_t *nc = json_object_get(spec, "podCIDRs");
		const char *op = fe_peek_str(ospec, "providerID");
		const char *np = fe_peek_str(spec, "providerID");

		/* Allowed once, from unset to set. */
		if (json_array_size(oc) && !vld_same(oc, nc))
			fe_forbidden(
			    c, "podCIDRs",
			    "node updates may not change podCIDR except from \"\" to valid");
		if (op && *op && strcmp(op, np ? np : ""))
			fe_forbidden(
			    c, "providerID",
			    "node updates may not change providerID except from \"\" to valid");
		if (!vld_same(json_object_get(spec, "externalID"),
		              json_object_get(ospec, "externalID")))
			fe_forbidden(c, "externalID", "may not be updated");
	}
	fe_pop(c, mark);
}

/* ---- Secret ---- */

static int b64val(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/*
 * Decodes standard (padded) base64 as Go's base64.StdEncoding decodes []byte
 * fields, skipping newlines as Go does. out may be NULL to only measure.
 * Returns the decoded length, or -(offset+1) of the first bad byte.
 */
static long long b64_decode(const char *s, size_t n, unsigned char *out)
{
	size_t i, q = 0, pad = 0, last = 0;
	long long len = 0;
	unsigned acc = 0;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		int v;

		if (ch == '\r' || ch == '\n')
			continue;
		last = i;
		if (pad || ch == '=') {
			if (ch != '=' || (!pad && q < 2) || (pad && q == 0))
				return -(long long)i - 1;
			if (!pad++) {
				/* q is 2 or 3 here: 1 or 2 bytes remain in acc. */
				if (out) {
					out[len] = (unsigned char)(acc >> (q == 2 ? 4 : 10));
					if (q == 3)
						out[len + 1] = (unsigned char)(acc >> 2);
				}
				len += (long long)q - 1;
			}
			q = (q + 1) % 4;
			continue;
		}
		v = b64val(ch);
		if (v < 0)
			return -(long long)i - 1;
		acc = (acc << 6) | (unsigned)v;
		if (++q == 4) {
			if (out) {
				out[len] = (unsigned char)(acc >> 16);
				out[len + 1] = (unsigned char)(acc >> 8);
				out[len + 2] = (unsigned char)acc;
			}
			len += 3;
			q = 0;
			acc = 0;
		}
	}
	if (q != 0)
		return -(long long)(pad ? last : n) - 1;
	return len;
}

static int secret_has(const json_t *data, const char *key)
{
	return json_object_get(data, key) != NULL;
}

static void vld_secret_type(struct fe_ctx *c, const json_t *obj, const json_t *data,
                            const char *type)
{
	const json_t *ann = json_object_get(json_object_get(obj, "metadata"), "annotations");
	struct fe_saved saved;

	if (!type || !*type || !strcmp(type, "Opaque"))
		return;
	if (!strcmp(type, "kubernetes.io/service-account-token")) {
		const char *sa = fe_peek_str(ann, "kubernetes.io/service-account.name");

		if (!sa || !*sa) {
			fe_save(c, &saved);
			fe_push(c, "metadata");
			fe_push(c, "annotations");
			fe_push_key(c, "kubernetes.io/service-account.name");
			fe_required(c, NULL, "%s", "");
			fe_restore(c, &saved);
		}
	} else if (!strcmp(type, "kubernetes.io/dockercfg") ||
	           !strcmp(type, "kubernetes.io/dockerconfigjson")) {
		const char *key =
		    strcmp(type, "kubernetes.io/dockercfg") ? ".dockerconfigjson" : ".dockercfg";
		const char *val = fe_peek_str(data, key);
		char sub[40];

		snprintf(sub, sizeof(sub), "data[%s]", key);
		if (!secret_has(data, key)) {
			fe_required(c, sub, "%s", "");
		} else if (val) {
			size_t n = strlen(val);
			unsigned char *raw = malloc(n / 4 * 3 + 3);
			long long len = raw ? b64_decode(val, n, raw) : 0;
			json_error_t err;
			json_t *doc;

			if (!raw) {
				c->oom = 1;
				return;
			}
			/* The content must be a JSON object; bad base64 was reported already. */
			if (len >= 0) {
				doc = json_loadb((const char *)raw, (size_t)len, 0, &err);
				if (!json_is_object(doc)) {
					/* The parser's text may quote secret bytes: keep ASCII
					 * only. */
					for (char *t = err.text; *t; t++)
						if ((unsigned char)*t < 0x20 ||
						    (unsigned char)*t > 0x7e)
							*t = '?';
					fe_invalid_raw(c, sub, "\"<secret contents redacted>\"",
					               "%s",
					               doc ? "must be a JSON object" : err.text);
				}
				json_decref(doc);
			}
			free(raw);
		}
	} else if (!strcmp(type, "kubernetes.io/basic-auth")) {
		if (!secret_has(data, "username") && !secret_has(data, "password")) {
			fe_required(c, "data[username]", "%s", "");
			fe_required(c, "data[password]", "%s", "");
		}
	} else if (!strcmp(type, "kubernetes.io/ssh-auth")) {
		const char *v = fe_peek_str(data, "ssh-privatekey");

		if (!v || !*v)
			fe_required(c, "data[ssh-privatekey]", "%s", "");
	} else if (!strcmp(type, "kubernetes.io/tls")) {
		if (!secret_has(data, "tls.crt"))
			fe_required(c, "data[tls.crt]", "%s", "");
		if (!secret_has(data, "tls.key"))
			fe_required(c, "data[tls.key]", "%s", "");
	}
}

void vld_secret(struct fe_ctx *c, const json_t *obj, const json_t *old)
{
	const json_t *data = fe_strmap(c, obj, "data"), *v;
	const char *type = fe_str(c, obj, "type"), *k;
	long long total = 0;
	int imm = 0;

	vld_meta_both(c, obj, old, 1, VLD_SUBDOMAIN);
	(void)fe_bool(c, obj, "immutable", &imm);
	(void)fe_strmap(c, obj, "stringData");
	json_object_foreach ((json_t *)data, k, v) {
		const char *msgs[API_FMT_MAX_MSGS];
		int n = api_is_config_key(k, msgs);
		size_t mark = fe_push(c, "data");
		size_t m2 = fe_push_key(c, k);
		long long len;

		for (int i = 0; i < n; i++)
			fe_invalid_str(c, NULL, k, "%s", msgs[i]);
		if (json_is_string(v)) {
			len = b64_decode(json_string_value(v), json_string_length(v), NULL);
			if (len < 0)
				fe_invalid_raw(c, NULL, "\"<secret contents redacted>\"",
				               "illegal base64 data at input byte %lld", -len - 1);
			else
				total += len;
		}
		fe_pop(c, m2);
		fe_pop(c, mark);
	}
	if (total > SECRET_MAX_BYTES)
		fe_too_long(c, "data", SECRET_MAX_BYTES);
	vld_secret_type(c, obj, data, type);
	if (!old)
		return;
	vld_immutable(c, obj, old, "type");
	if (json_is_true(json_object_get(old, "immutable"))) {
		if (!json_is_true(json_object_get(obj, "immutable")))
			fe_forbidden(c, "immutable", "field is immutable when `immutable` is set");
		if (!vld_same(json_object_get(obj, "data"), json_object_get(old, "data")))
			fe_forbidden(c, "data", "field is immutable when `immutable` is set");
	}
}

/* ---- Event ---- */

void vld_event(struct fe_ctx *c, const json_t *obj, const json_t *old)
{
	const json_t *meta = fe_obj(c, obj, "metadata");
	const json_t *io = fe_obj(c, obj, "involvedObject");
	const char *ns = fe_str(c, meta, "namespace"), *name;
	const char *ions, *et = fe_str(c, obj, "eventTime");
	const char *msgs[API_FMT_MAX_MSGS];
	size_t mark;
	long long v;
	int n;

	ns = ns ? ns : "";
	mark = fe_push(c, "metadata");
	name = fe_str(c, meta, "name");
	/* Legacy events are checked loosely: any name that is a usable URL segment. */
	if (!name || !*name)
		fe_required(c, "name", "name or generateName is required");
	else if (!strcmp(name, ".") || !strcmp(name, ".."))
		fe_invalid_str(c, "name", name, "may not be '%s'", name);
	else if (strchr(name, '/') || strchr(name, '%'))
		fe_invalid_str(c, "name", name, "may not contain '%c'",
		               strchr(name, '/') ? '/' : '%');
	vld_labels(c, meta, "labels");
	fe_pop(c, mark);
	mark = fe_push(c, "involvedObject");
	ions = fe_str(c, io, "namespace");
	ions = ions ? ions : "";
	(void)fe_str(c, io, "kind");
	(void)fe_str(c, io, "name");
	fe_pop(c, mark);
	(void)fe_str(c, obj, "reason");
	(void)fe_str(c, obj, "message");
	(void)fe_str(c, obj, "type");
	(void)fe_obj(c, obj, "source");
	if (fe_int(c, obj, "count", &v))
		vld_nonnegative(c, "count", v);
	if (!et || !*et) {
		if (*ions ? strcmp(ns, ions) != 0 : (*ns && strcmp(ns, "default")))
			fe_invalid_str(c, "involvedObject.namespace", ions,
			               "does not match event.namespace");
	} else {
		const char *rc = fe_str(c, obj, "reportingComponent");
		const char *ri = fe_str(c, obj, "reportingInstance");
		const char *action = fe_str(c, obj, "action"), *reason = fe_peek_str(obj, "reason");
		const char *message = fe_peek_str(obj, "message");

		if (!*ions && strcmp(ns, "default") && strcmp(ns, "kube-system"))
			fe_invalid_str(c, "involvedObject.namespace", ions,
			               "does not match event.namespace");
		if (!rc || !*rc)
			fe_required(c, "reportingComponent", "%s", "");
		vld_qualified_name(c, "reportingComponent", rc ? rc : "");
		if (!ri || !*ri)
			fe_required(c, "reportingInstance", "%s", "");
		else if (strlen(ri) > 128)
			fe_invalid_str(c, "reportingInstance", "",
			               "can have at most 128 characters");
		if (!action || !*action)
			fe_required(c, "action", "%s", "");
		else if (strlen(action) > 128)
			fe_invalid_str(c, "action", "", "can have at most 128 characters");
		if (!reason || !*reason)
			fe_required(c, "reason", "%s", "");
		else if (strlen(reason) > 128)
			fe_invalid_str(c, "reason", "", "can have at most 128 characters");
		if (message && strlen(message) > 1024)
			fe_invalid_str(c, "message", "", "can have at most 1024 characters");
	}
	n = api_is_dns1123_subdomain(ns, msgs);
	for (int i = 0; i < n; i++)
		fe_invalid_str(c, "namespace", ns, "%s", msgs[i]);
	if (old)
		vld_meta_update(c, obj, old);
}

/* ---- Endpoints ---- */

static void vld_endpoint_addresses(struct fe_ctx *c, const json_t *ss, const char *key)
{
	const json_t *addrs = fe_arr(c, ss, key), *a;
	size_t i, mark = fe_push(c, key);

	json_array_foreach (addrs, i, a) {
		size_t m2 = fe_push_index(c, i);
		const json_t *o = fe_elem_obj(c, a);
		const char *ip = fe_str(c, o, "ip"), *host = fe_str(c, o, "hostname");
		const char *node = fe_str(c, o, "nodeName");

		(void)fe_obj(c, o, "targetRef");
		if (o) {
			vld_ip(c, "ip", ip ? ip : "");
			if (host && *host)
				vld_dns1123_label(c, "hostname", host);
			if (node)
				vld_dns1123_subdomain(c, "nodeName", node);
			vld_non_special_ip(c, "ip", ip ? ip : "");
		}
		fe_pop(c, m2);
	}
	fe_pop(c, mark);
}

void vld_endpoints(struct fe_ctx *c, const json_t *obj, const json_t *old)
{
	const json_t *subsets = fe_arr(c, obj, "subsets"), *ss;
	size_t i, j, mark;

	vld_meta_both(c, obj, old, 1, VLD_SUBDOMAIN);
	mark = fe_push(c, "subsets");
	json_array_foreach (subsets, i, ss) {
		size_t m2 = fe_push_index(c, i);
		const json_t *o = fe_elem_obj(c, ss);
		const json_t *ports, *p;

		if (!o) {
			fe_pop(c, m2);
			continue;
		}
		if (!json_array_size(json_object_get(o, "addresses")) &&
		    !json_array_size(json_object_get(o, "notReadyAddresses")))
			fe_required(c, NULL, "must specify `addresses` or `notReadyAddresses`");
		vld_endpoint_addresses(c, o, "addresses");
		vld_endpoint_addresses(c, o, "notReadyAddresses");
		ports = fe_arr(c, o, "ports");
		json_array_foreach (ports, j, p) {
			size_t m3 = fe_push(c, "ports");
			size_t m4 = fe_push_index(c, j);
			const json_t *po = fe_elem_obj(c, p);
			const char *name = fe_str(c, po, "name"),
			           *proto = fe_str(c, po, "protocol");
			const char *app = fe_str(c, po, "appProtocol");
			long long port = 0;
			int has = fe_int(c, po, "port", &port);

			if (po) {
				if (json_array_size(ports) > 1 && (!name || !*name))
					fe_required(c, "name", "%s", "");
				else if (name && *name)
					vld_dns1123_label(c, "name", name);
				if (has || !fe_present(po, "port"))
					vld_port_num(c, "port", port);
				if (!proto || !*proto)
					fe_required(c, "protocol", "%s", "");
				else if (!in_set(proto, protocols))
					fe_not_supported(c, "protocol", proto, protocols);
				if (app)
					vld_qualified_name(c, "appProtocol", app);
			}
			fe_pop(c, m4);
			fe_pop(c, m3);
		}
		fe_pop(c, m2);
	}
	fe_pop(c, mark);
}
