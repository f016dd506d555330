/* validate_pod.c - Pod validation (ValidatePodCreate, ValidatePodUpdate, status). */
#include "api/validate_impl.h"

#include <string.h>

static const char *const restart_policies[] = {"Always", "OnFailure", "Never", NULL};
static const char *const dns_policies[] = {"ClusterFirstWithHostNet", "ClusterFirst", "Default",
                                           "None", NULL};
static const char *const toleration_ops[] = {"Equal", "Exists", NULL};
static const char *const taint_effects[] = {"NoSchedule", "PreferNoSchedule", "NoExecute", NULL};

/* Volume sources a Volume may carry, exactly one of them (a volume without one
 * is defaulted to an emptyDir, as SetDefaults_Volume does). */
const char *const api_volume_sources[] = {"emptyDir",
                                          "hostPath",
                                          "gcePersistentDisk",
                                          "awsElasticBlockStore",
                                          "gitRepo",
                                          "secret",
                                          "nfs",
                                          "iscsi",
                                          "glusterfs",
                                          "persistentVolumeClaim",
                                          "rbd",
                                          "flexVolume",
                                          "cinder",
                                          "cephfs",
                                          "flocker",
                                          "downwardAPI",
                                          "fc",
                                          "azureFile",
                                          "configMap",
                                          "vsphereVolume",
                                          "quobyte",
                                          "azureDisk",
                                          "photonPersistentDisk",
                                          "projected",
                                          "portworxVolume",
                                          "scaleIO",
                                          "storageos",
                                          "csi",
                                          "ephemeral",
                                          "image",
                                          NULL};

static int in_set(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(s, *set))
			return 1;
	return 0;
}

/* Collects volume names into vols while checking them. */
static void vld_volumes(struct fe_ctx *c, const json_t *spec, struct fe_set *vols)
{
	const json_t *vs = fe_arr(c, spec, "volumes"), *v;
	size_t i, mark = fe_push(c, "volumes");

	json_array_foreach (vs, i, v) {
		size_t m2 = fe_push_index(c, i);
		const json_t *o = fe_elem_obj(c, v);
		const char *name = fe_str(c, o, "name");
		int sources = 0;

		if (!o) {
			fe_pop(c, m2);
			continue;
		}
		if (!name || !*name) {
			fe_required(c, "name", "%s", "");
		} else {
			int r;

			vld_dns1123_label(c, "name", name);
			r = fe_set_add(vols, name);
			if (r < 0)
				c->oom = 1;
			else if (r)
				fe_duplicate_str(c, "name", name);
		}
		for (const char *const *s = api_volume_sources; *s; s++) {
			if (!fe_present(o, *s))
				continue;
			if (!fe_obj(c, o, *s))
				continue;
			if (sources++)
				fe_forbidden(c, *s, "may not specify more than 1 volume type");
		}
		if (!sources)
			fe_required(c, NULL, "must specify a volume type");
		fe_pop(c, m2);
	}
	fe_pop(c, mark);
}

static void vld_tolerations(struct fe_ctx *c, const json_t *spec)
{
	const json_t *ts = fe_arr(c, spec, "tolerations"), *t;
	size_t i, mark = fe_push(c, "tolerations");

	json_array_foreach (ts, i, t) {
		size_t m2 = fe_push_index(c, i);
		const json_t *o = fe_elem_obj(c, t);
		const char *key = fe_str(c, o, "key"), *op = fe_str(c, o, "operator");
		const char *value = fe_str(c, o, "value"), *effect = fe_str(c, o, "effect");
		long long secs;
		int has_secs = fe_int(c, o, "tolerationSeconds", &secs);

		if (!o) {
			fe_pop(c, m2);
			continue;
		}
		op = op ? op : "";
		value = value ? value : "";
		effect = effect ? effect : "";
		if (key && *key)
			vld_qualified_name(c, "key", key);
		if ((!key || !*key) && strcmp(op, "Exists"))
			fe_invalid_str(c, "operator", op,
			               "operator must be Exists when `key` is empty, which means "
			               "\"match all values and all keys\"");
		if (has_secs && strcmp(effect, "NoExecute"))
			fe_invalid_str(
			    c, "effect", effect,
			    "effect must be 'NoExecute' when `tolerationSeconds` is set");
		if (!*op || !strcmp(op, "Equal")) {
			const char *msgs[API_FMT_MAX_MSGS];
			int n = api_is_label_value(value, msgs);

			if (n == 1)
				fe_invalid_str(c, "operator", value, "%s", msgs[0]);
			else if (n > 1)
				fe_invalid_str(c, "operator", value, "%s;%s", msgs[0], msgs[1]);
		} else if (!strcmp(op, "Exists")) {
			if (*value)
				fe_invalid_str(c, "operator", value,
				               "value must be empty when `operator` is 'Exists'");
		} else {
			fe_not_supported(c, "operator", op, toleration_ops);
		}
		if (*effect && !in_set(effect, taint_effects))
			fe_not_supported(c, "effect", effect, taint_effects);
		fe_pop(c, m2);
	}
	fe_pop(c, mark);
}

static void vld_dns_config(struct fe_ctx *c, const json_t *spec, const char *policy)
{
	const json_t *cfg = fe_obj(c, spec, "dnsConfig");
	const json_t *ns, *search, *opts, *v;
	size_t i, mark = fe_push(c, "dnsConfig"), total = 0;

	ns = fe_arr(c, cfg, "nameservers");
	search = fe_arr(c, cfg, "searches");
	opts = fe_arr(c, cfg, "options");
	if (policy && !strcmp(policy, "None")) {
		if (!cfg) {
			fe_required(c, NULL, "must provide `dnsConfig` when `dnsPolicy` is None");
			goto out;
		}
		if (!json_array_size(ns)) {
			fe_required(
			    c, "nameservers",
			    "must provide at least one DNS nameserver when `dnsPolicy` is None");
			goto out;
		}
	}
	if (!cfg)
		goto out;
	if (json_array_size(ns) > 3)
		fe_invalid(c, "nameservers", ns, "must not have more than 3 nameservers");
	json_array_foreach (ns, i, v) {
		size_t m = fe_push(c, "nameservers");
		size_t m2 = fe_push_index(c, i);
		const char *s = fe_elem_str(c, v);

		if (s)
			vld_ip(c, NULL, s);
		fe_pop(c, m2);
		fe_pop(c, m);
	}
	if (json_array_size(search) > 32)
		fe_invalid(c, "searches", search, "must not have more than 32 search paths");
	json_array_foreach (search, i, v) {
		size_t m = fe_push(c, "searches");
		size_t m2 = fe_push_index(c, i);
		const char *s = fe_elem_str(c, v);

		if (s) {
			char tmp[300];
			size_t n = strlen(s);

			total += n + (i ? 1 : 0);
			if (n && s[n - 1] == '.')
				n--;
			if (n < sizeof(tmp)) {
				memcpy(tmp, s, n);
				tmp[n] = '\0';
				vld_dns1123_subdomain(c, NULL, tmp);
			} else {
				vld_dns1123_subdomain(c, NULL, s);
			}
		}
		fe_pop(c, m2);
		fe_pop(c, m);
	}
	if (total > 2048)
		fe_invalid(c, "searches", search,
		           "must not have more than 2048 characters (including spaces) in the "
		           "search list");
	json_array_foreach (opts, i, v) {
		size_t m = fe_push(c, "options");
		size_t m2 = fe_push_index(c, i);
		const json_t *o = fe_elem_obj(c, v);
		const char *name = fe_str(c, o, "name");

		if (o && (!name || !*name))
			fe_required(c, NULL, "must not be empty");
		fe_pop(c, m2);
		fe_pop(c, m);
	}
out:
	fe_pop(c, mark);
}

static void vld_host_aliases(struct fe_ctx *c, const json_t *spec)
{
	const json_t *as = fe_arr(c, spec, "hostAliases"), *a, *h;
	size_t i, j, mark = fe_push(c, "hostAliases");

	json_array_foreach (as, i, a) {
		size_t m2 = fe_push_index(c, i);
		const json_t *o = fe_elem_obj(c, a);
		const char *ip = fe_str(c, o, "ip");
		const json_t *hosts = fe_arr(c, o, "hostnames");

		if (o)
			vld_ip(c, "ip", ip ? ip : "");
		json_array_foreach (hosts, j, h) {
			size_t m3 = fe_push(c, "hostnames");
			size_t m4 = fe_push_index(c, j);
			const char *s = fe_elem_str(c, h);

			if (s)
				vld_dns1123_subdomain(c, NULL, s);
			fe_pop(c, m4);
			fe_pop(c, m3);
		}
		fe_pop(c, m2);
	}
	fe_pop(c, mark);
}

/* Under hostNetwork a pod's hostPort must equal its containerPort. */
static void vld_host_network(struct fe_ctx *c, const json_t *spec)
{
	const json_t *ctrs = json_object_get(spec, "containers"), *ctr, *p;
	size_t i, j;

	if (!json_is_true(json_object_get(spec, "hostNetwork")))
		return;
	json_array_foreach (ctrs, i, ctr) {
		json_array_foreach (json_object_get(ctr, "ports"), j, p) {
			const json_t *hp = json_object_get(p, "hostPort");
			const json_t *cp = json_object_get(p, "containerPort");
			long long h = json_is_integer(hp) ? json_integer_value(hp) : 0;
			long long k = json_is_integer(cp) ? json_integer_value(cp) : 0;

			if (h != k) {
				size_t m = fe_push(c, "containers");

				fe_push_index(c, i);
				fe_push(c, "ports");
				fe_push_index(c, j);
				fe_invalid_int(
				    c, "hostPort", h,
				    "must match `containerPort` when `hostNetwork` is true");
				fe_pop(c, m);
			}
		}
	}
}

static void vld_pod_spec(struct fe_ctx *c, const json_t *spec)
{
	const char *restart = fe_str(c, spec, "restartPolicy");
	const char *dns = fe_str(c, spec, "dnsPolicy");
	const char *s;
	struct fe_set vols = FE_SET_INIT;
	const json_t *gates, *g;
	long long grace = -1, v;
	int b;
	size_t i;

	if (!fe_int(c, spec, "terminationGracePeriodSeconds", &grace)) {
		grace = -1;
		fe_required(c, "terminationGracePeriodSeconds", "%s", "");
	}
	vld_volumes(c, spec, &vols);
	vld_containers(c, spec, &vols, grace);
	fe_set_free(&vols);
	(void)fe_arr(c, spec, "ephemeralContainers");
	vld_host_network(c, spec);
	if (!restart || !*restart)
		fe_required(c, "restartPolicy", "%s", "");
	else if (!in_set(restart, restart_policies))
		fe_not_supported(c, "restartPolicy", restart, restart_policies);
	if (!dns || !*dns)
		fe_required(c, "dnsPolicy", "%s", "");
	else if (!in_set(dns, dns_policies))
		fe_not_supported(c, "dnsPolicy", dns, dns_policies);
	vld_labels(c, spec, "nodeSelector");
	(void)fe_obj(c, spec, "securityContext");
	(void)fe_obj(c, spec, "affinity");
	(void)fe_arr(c, spec, "imagePullSecrets");
	(void)fe_bool(c, spec, "hostNetwork", &b);
	(void)fe_bool(c, spec, "hostPID", &b);
	(void)fe_bool(c, spec, "hostIPC", &b);
	(void)fe_bool(c, spec, "enableServiceLinks", &b);
	(void)fe_str(c, spec, "schedulerName");
	vld_dns_config(c, spec, dns);
	gates = fe_arr(c, spec, "readinessGates");
	json_array_foreach (gates, i, g) {
		size_t m = fe_push(c, "readinessGates");
		size_t m2 = fe_push_index(c, i);
		const json_t *o = fe_elem_obj(c, g);
		const char *ct = fe_str(c, o, "conditionType");

		if (o)
			vld_qualified_name(c, "conditionType", ct ? ct : "");
		fe_pop(c, m2);
		fe_pop(c, m);
	}
	if ((s = fe_str(c, spec, "serviceAccountName")) && *s)
		vld_dns1123_subdomain(c, "serviceAccountName", s);
	(void)fe_str(c, spec, "serviceAccount");
	if ((s = fe_str(c, spec, "nodeName")) && *s)
		vld_dns1123_subdomain(c, "nodeName", s);
	if (fe_int(c, spec, "activeDeadlineSeconds", &v) && (v < 1 || v > 2147483647))
		fe_invalid_int(c, "activeDeadlineSeconds", v,
		               "must be between 1 and 2147483647, inclusive");
	if ((s = fe_str(c, spec, "hostname")) && *s)
		vld_dns1123_label(c, "hostname", s);
	if ((s = fe_str(c, spec, "subdomain")) && *s)
		vld_dns1123_label(c, "subdomain", s);
	vld_tolerations(c, spec);
	vld_host_aliases(c, spec);
	if ((s = fe_str(c, spec, "priorityClassName")) && *s)
		vld_dns1123_subdomain(c, "priorityClassName", s);
	(void)fe_int(c, spec, "priority", &v);
}

/* ---- update ---- */

/* Spec keys whose changes the munging below forgives. */
static void munge(json_t *spec, const json_t *old)
{
	static const char *const lists[] = {"containers", "initContainers"};
	static const char *const keys[] = {"activeDeadlineSeconds", "schedulingGates",
	                                   "tolerations"};
	const json_t *v;

	for (size_t k = 0; k < 2; k++) {
		json_t *now = json_object_get(spec, lists[k]);
		const json_t *before = json_object_get(old, lists[k]);
		size_t i;
		json_t *ctr;

		json_array_foreach (now, i, ctr) {
			const json_t *oc = json_array_get(before, i);
			const json_t *img = json_object_get(oc, "image");

			if (!json_is_object(ctr))
				continue;
			if (img)
				json_object_set(ctr, "image", (json_t *)img);
			else
				json_object_del(ctr, "image");
		}
	}
	for (size_t k = 0; k < 3; k++) {
		v = json_object_get(old, keys[k]);
		if (v)
			json_object_set(spec, keys[k], (json_t *)v);
		else
			json_object_del(spec, keys[k]);
	}
	/* terminationGracePeriodSeconds may go from negative to 1. */
	v = json_object_get(old, "terminationGracePeriodSeconds");
	if (json_is_integer(v) && json_integer_value(v) < 0 &&
	    json_integer_value(json_object_get(spec, "terminationGracePeriodSeconds")) == 1)
		json_object_set(spec, "terminationGracePeriodSeconds", (json_t *)v);
}

/* A short cmp.Diff-like listing of the spec keys that differ. */
static int spec_diff(buf *b, const json_t *now, const json_t *old)
{
	const char *k;
	const json_t *v;
	int r = buf_puts(b, "  core.PodSpec{\n");

	json_object_foreach ((json_t *)old, k, v) {
		const json_t *nv = json_object_get(now, k);

		if (!r && !vld_same(nv, v)) {
			r = buf_printf(b, "- \t%s: ", k);
			if (!r)
				r = fe_render(b, v);
			if (!r)
				r = buf_puts(b, ",\n");
			if (!r && nv) {
				r = buf_printf(b, "+ \t%s: ", k);
				if (!r)
					r = fe_render(b, nv);
				if (!r)
					r = buf_puts(b, ",\n");
			}
		}
	}
	json_object_foreach ((json_t *)now, k, v) {
		if (!r && !json_object_get(old, k) && !json_is_null(v)) {
			r = buf_printf(b, "+ \t%s: ", k);
			if (!r)
				r = fe_render(b, v);
			if (!r)
				r = buf_puts(b, ",\n");
		}
	}
	if (!r)
		r = buf_puts(b, "  }\n");
	return r ? r : buf_cstr(b);
}

static void vld_only_added_tolerations(struct fe_ctx *c, const json_t *spec, const json_t *ospec)
{
	const json_t *now = json_object_get(spec, "tolerations");
	const json_t *before = json_object_get(ospec, "tolerations"), *ot, *nt;
	size_t i, j;

	json_array_foreach (before, i, ot) {
		int found = 0;

		json_array_foreach (now, j, nt) {
			json_t *a, *b;

			if (!json_is_object(ot) || !json_is_object(nt))
				continue;
			a = json_deep_copy(ot);
			b = json_deep_copy(nt);
			if (!a || !b) {
				c->oom = 1;
			} else {
				/* tolerationSeconds may change. */
				json_object_del(a, "tolerationSeconds");
				json_object_del(b, "tolerationSeconds");
				found = json_equal(a, b);
			}
			json_decref(a);
			json_decref(b);
			if (found)
				break;
		}
		if (!found) {
			fe_forbidden(c, "tolerations",
			             "existing toleration can not be modified except its "
			             "tolerationSeconds");
			return;
		}
	}
}

static void vld_pod_update(struct fe_ctx *c, const json_t *obj, const json_t *old)
{
	const json_t *spec = json_object_get(obj, "spec");
	const json_t *ospec = json_object_get(old, "spec");
	static const char *const lists[] = {"containers", "initContainers"};
	size_t mark = fe_push(c, "spec");
	const json_t *nad, *oad;
	json_t *munged;

	if (!json_is_object(spec) || !json_is_object(ospec))
		goto out;
	for (size_t k = 0; k < 2; k++) {
		const json_t *now = json_object_get(spec, lists[k]);
		const json_t *before = json_object_get(ospec, lists[k]);

		if (json_array_size(now) != json_array_size(before)) {
			fe_forbidden(c, lists[k], "pod updates may not add or remove containers");
			goto out;
		}
	}
	nad = json_object_get(spec, "activeDeadlineSeconds");
	oad = json_object_get(ospec, "activeDeadlineSeconds");
	if (json_is_integer(nad)) {
		long long n = json_integer_value(nad);

		if (n < 0 || n > 2147483647) {
			fe_invalid_int(c, "activeDeadlineSeconds", n,
			               "must be between 0 and 2147483647, inclusive");
			goto out;
		}
		if (json_is_integer(oad) && json_integer_value(oad) < n) {
			fe_invalid_int(c, "activeDeadlineSeconds", n,
			               "must be less than or equal to previous value");
			goto out;
		}
	} else if (json_is_integer(oad)) {
		fe_invalid_raw(c, "activeDeadlineSeconds", "null",
		               "must not update from a positive integer to nil value");
	}
	vld_only_added_tolerations(c, spec, ospec);
	if (json_equal((json_t *)spec, (json_t *)ospec))
		goto out;
	munged = json_deep_copy(spec);
	if (!munged) {
		c->oom = 1;
		goto out;
	}
	munge(munged, ospec);
	if (!json_equal(munged, (json_t *)ospec)) {
		buf d = BUF_INIT;

		if (spec_diff(&d, munged, ospec) < 0)
			c->oom = 1;
		else
			fe_forbidden(
			    c, NULL,
			    "pod updates may not change fields other than "
			    "`spec.containers[*].image`,`spec.initContainers[*].image`,"
			    "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions "
			    "to existing tolerations),`spec.terminationGracePeriodSeconds` "
			    "(allow it to be set to 1 if it was previously negative)\n%s",
			    d.data);
		buf_free(&d);
	}
	json_decref(munged);
out:
	fe_pop(c, mark);
}

void vld_pod(struct fe_ctx *c, const json_t *obj, const json_t *old)
{
	const json_t *spec;
	size_t mark;

	if (old)
		vld_meta_update(c, obj, old);
	vld_meta(c, obj, 1, VLD_SUBDOMAIN);
	spec = fe_obj(c, obj, "spec");
	mark = fe_push(c, "spec");
	vld_pod_spec(c, spec);
	fe_pop(c, mark);
	if (old)
		vld_pod_update(c, obj, old);
}

/* status.podIPs / status.hostIPs: valid, one per family, no duplicates. */
static void vld_ip_list(struct fe_ctx *c, const json_t *status, const char *key, const char *gotype)
{
	const json_t *ips = fe_arr(c, status, key), *e;
	size_t i, mark = fe_push(c, key), n = json_array_size(ips);
	int n4 = 0, n6 = 0;
	struct fe_set seen = FE_SET_INIT;

	json_array_foreach (ips, i, e) {
		size_t m2 = fe_push_index(c, i);
		const json_t *o = fe_elem_obj(c, e);
		const char *ip = fe_str(c, o, "ip");
		int fam;

		if (o) {
			fam = api_parse_ip(ip ? ip : "", NULL);
			if (!fam)
				vld_ip(c, "ip", ip ? ip : "");
			n4 += fam == 4;
			n6 += fam == 6;
			if (fe_set_add(&seen, ip ? ip : "") == 1) {
				buf b = BUF_INIT;

				if (buf_printf(&b, "%s{IP:", gotype) < 0 ||
				    fe_goquote(&b, ip ? ip : "", ip ? strlen(ip) : 0) < 0 ||
				    buf_puts(&b, "}") < 0 || buf_cstr(&b) < 0)
					c->oom = 1;
				else
					fe_duplicate_raw(c, NULL, b.data);
				buf_free(&b);
			}
		}
		fe_pop(c, m2);
	}
	if (n > 1 && (!(n4 && n6) || n > 2))
		fe_invalid(c, NULL, ips, "may specify no more than one IP for each IP family");
	fe_set_free(&seen);
	fe_pop(c, mark);
}

void vld_pod_status(struct fe_ctx *c, const json_t *obj, const json_t *old)
{
	const json_t *status = fe_obj(c, obj, "status");
	const json_t *spec = json_object_get(obj, "spec"), *ospec = json_object_get(old, "spec");
	size_t mark;

	vld_meta_update(c, obj, old);
	mark = fe_push(c, "status");
	if (!vld_same(json_object_get(spec, "nodeName"), json_object_get(ospec, "nodeName")))
		fe_forbidden(c, "nodeName", "may not be changed directly");
	(void)fe_str(c, status, "phase");
	(void)fe_arr(c, status, "conditions");
	(void)fe_arr(c, status, "containerStatuses");
	vld_ip_list(c, status, "podIPs", "core.PodIP");
	vld_ip_list(c, status, "hostIPs", "core.HostIP");
	{
		const json_t *hips = json_object_get(status, "hostIPs");
		const char *hip = fe_peek_str(status, "hostIP");
		const char *first = fe_peek_str(json_array_get(hips, 0), "ip");

		if (json_array_size(hips) && strcmp(hip ? hip : "", first ? first : ""))
			fe_invalid_str(c, "hostIPs[0].ip", first ? first : "",
			               "must be equal to `hostIP`");
	}
	fe_pop(c, mark);
}
