/* validate_container.c - containers, their ports, env, mounts, probes and lifecycle hooks. */
#include "api/validate_impl.h"

#include <string.h>

static const char *const protocols[] = {"SCTP", "TCP", "UDP", NULL};
static const char *const pull_policies[] = {"Always", "IfNotPresent", "Never", NULL};
static const char *const msg_policies[] = {"File", "FallbackToLogsOnError", NULL};
static const char *const http_schemes[] = {"HTTP", "HTTPS", NULL};
static const char *const init_restart[] = {"Always", NULL};

static int in_set(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(s, *set))
			return 1;
	return 0;
}

static void vld_container_ports(struct fe_ctx *c, const json_t *ctr)
{
	const json_t *ports = fe_arr(c, ctr, "ports"), *p;
	size_t i, mark = fe_push(c, "ports");
	struct fe_set names = FE_SET_INIT;

	json_array_foreach (ports, i, p) {
		size_t m2 = fe_push_index(c, i);
		const json_t *o = fe_elem_obj(c, p);
		const char *name = fe_str(c, o, "name");
		const char *proto = fe_str(c, o, "protocol");
		const char *msgs[API_FMT_MAX_MSGS];
		long long cp = 0, hp = 0;
		int has_cp = fe_int(c, o, "containerPort", &cp);

		(void)fe_str(c, o, "hostIP");
		if (!o) {
			fe_pop(c, m2);
			continue;
		}
		if (name && *name) {
			int n = api_is_port_name(name, msgs);

			if (n) {
				for (int k = 0; k < n; k++)
					fe_invalid_str(c, "name", name, "%s", msgs[k]);
			} else {
				int r = fe_set_add(&names, name);

				if (r < 0)
					c->oom = 1;
				else if (r)
					fe_duplicate_str(c, "name", name);
			}
		}
		if (has_cp && cp != 0)
			vld_port_num(c, "containerPort", cp);
		else if (!fe_present(o, "containerPort") || (has_cp && cp == 0))
			fe_required(c, "containerPort", "%s", "");
		if (fe_int(c, o, "hostPort", &hp) && hp != 0)
			vld_port_num(c, "hostPort", hp);
		if (!proto || !*proto)
			fe_required(c, "protocol", "%s", "");
		else if (!in_set(proto, protocols))
			fe_not_supported(c, "protocol", proto, protocols);
		fe_pop(c, m2);
	}
	fe_set_free(&names);
	fe_pop(c, mark);
}

static void vld_env(struct fe_ctx *c, const json_t *ctr)
{
	const json_t *env = fe_arr(c, ctr, "env"), *e;
	size_t i, mark = fe_push(c, "env");

	json_array_foreach (env, i, e) {
		size_t m2 = fe_push_index(c, i);
		const json_t *o = fe_elem_obj(c, e);
		const char *name = fe_str(c, o, "name");

		(void)fe_str(c, o, "value");
		(void)fe_obj(c, o, "valueFrom");
		if (o && (!name || !*name)) {
			fe_required(c, "name", "%s", "");
		} else if (name) {
			/* RelaxedEnvironmentVariableValidation is on by default since 1.32. */
			for (const char *p = name; *p; p++) {
				if (*p < 0x20 || *p > 0x7e || *p == '=') {
					fe_invalid_str(
					    c, "name", name,
					    "a valid environment variable name must consist "
					    "only of printable ASCII characters other than '='");
					break;
				}
			}
		}
		fe_pop(c, m2);
	}
	fe_pop(c, mark);
}

static void vld_mounts(struct fe_ctx *c, const json_t *ctr, const struct fe_set *volumes)
{
	const json_t *mounts = fe_arr(c, ctr, "volumeMounts"), *m;
	size_t i, mark = fe_push(c, "volumeMounts");
	struct fe_set paths = FE_SET_INIT;

	json_array_foreach (mounts, i, m) {
		size_t m2 = fe_push_index(c, i);
		const json_t *o = fe_elem_obj(c, m);
		const char *name = fe_str(c, o, "name");
		const char *path = fe_str(c, o, "mountPath");
		int r;

		(void)fe_str(c, o, "subPath");
		if (!o) {
			fe_pop(c, m2);
			continue;
		}
		if (!name || !*name)
			fe_required(c, "name", "%s", "");
		if (!fe_set_has(volumes, name ? name : ""))
			fe_not_found(c, "name", name ? name : "");
		if (!path || !*path)
			fe_required(c, "mountPath", "%s", "");
		r = fe_set_add(&paths, path ? path : "");
		if (r < 0)
			c->oom = 1;
		else if (r)
			fe_invalid_str(c, "mountPath", path ? path : "", "must be unique");
		fe_pop(c, m2);
	}
	fe_set_free(&paths);
	fe_pop(c, mark);
}

/* One handler of exec, httpGet, tcpSocket, grpc (probes) or sleep (hooks). */
static void vld_handler(struct fe_ctx *c, const json_t *h, int is_probe, long long grace)
{
	const json_t *exec = fe_obj(c, h, "exec"), *http = fe_obj(c, h, "httpGet");
	const json_t *tcp = fe_obj(c, h, "tcpSocket");
	const json_t *grpc = is_probe ? fe_obj(c, h, "grpc") : NULL;
	const json_t *sleep = is_probe ? NULL : fe_obj(c, h, "sleep");
	int handlers = 0;
	size_t mark;

	if (exec) {
		handlers++;
		mark = fe_push(c, "exec");
		if (!json_array_size(fe_arr(c, exec, "command")))
			fe_required(c, "command", "%s", "");
		fe_pop(c, mark);
	}
	if (http) {
		if (handlers++) {
			fe_forbidden(c, "httpGet", "may not specify more than 1 handler type");
		} else {
			const char *path, *scheme;

			mark = fe_push(c, "httpGet");
			path = fe_str(c, http, "path");
			scheme = fe_str(c, http, "scheme");
			(void)fe_str(c, http, "host");
			(void)fe_arr(c, http, "httpHeaders");
			if (!path || !*path)
				fe_required(c, "path", "%s", "");
			vld_port_num_or_name(c, http, "port");
			if (!scheme || !in_set(scheme, http_schemes))
				fe_not_supported(c, "scheme", scheme ? scheme : "", http_schemes);
			fe_pop(c, mark);
		}
	}
	if (tcp) {
		if (handlers++) {
			fe_forbidden(c, "tcpSocket", "may not specify more than 1 handler type");
		} else {
			mark = fe_push(c, "tcpSocket");
			vld_port_num_or_name(c, tcp, "port");
			fe_pop(c, mark);
		}
	}
	if (grpc) {
		if (handlers++) {
			fe_forbidden(c, "grpc", "may not specify more than 1 handler type");
		} else {
			long long port = 0;

			mark = fe_push(c, "grpc");
			(void)fe_str(c, grpc, "service");
			if (fe_int(c, grpc, "port", &port) || !fe_present(grpc, "port"))
				vld_port_num(c, "port", port);
			fe_pop(c, mark);
		}
	}
	if (sleep) {
		if (handlers++) {
			fe_forbidden(c, "sleep", "may not specify more than 1 handler type");
		} else {
			long long s = 0;

			mark = fe_push(c, "sleep");
			fe_int(c, sleep, "seconds", &s);
			if (grace >= 0 && (s <= 0 || s > grace))
				fe_invalid_int(
				    c, NULL, s,
				    "must be greater than 0 and less than "
				    "terminationGracePeriodSeconds (%lld). Enable "
				    "AllowPodLifecycleSleepActionZeroValue feature gate for "
				    "zero sleep.",
				    grace);
			fe_pop(c, mark);
		}
	}
	if (!handlers)
		fe_required(c, NULL, "must specify a handler type");
}

enum probe_kind { PROBE_LIVENESS, PROBE_READINESS, PROBE_STARTUP };

static void vld_probe(struct fe_ctx *c, const json_t *ctr, const char *key, enum probe_kind kind)
{
	static const char *const ints[] = {"initialDelaySeconds", "timeoutSeconds", "periodSeconds",
	                                   "successThreshold", "failureThreshold"};
	const json_t *p = fe_obj(c, ctr, key);
	size_t mark;
	long long v;

	if (!p)
		return;
	mark = fe_push(c, key);
	vld_handler(c, p, 1, -1);
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		if (fe_int(c, p, ints[i], &v))
			vld_nonnegative(c, ints[i], v);
	if (fe_int(c, p, "terminationGracePeriodSeconds", &v)) {
		if (kind == PROBE_READINESS)
			fe_invalid_int(c, "terminationGracePeriodSeconds", v,
			               "must not be set for readinessProbes");
		else if (v <= 0)
			fe_invalid_int(c, "terminationGracePeriodSeconds", v,
			               "must be greater than 0");
	}
	if (kind != PROBE_READINESS) {
		v = 0;
		fe_int(c, p, "successThreshold", &v);
		if (v != 1)
			fe_invalid_int(c, "successThreshold", v, "must be 1");
	}
	fe_pop(c, mark);
}

static void vld_lifecycle(struct fe_ctx *c, const json_t *ctr, long long grace)
{
	const json_t *lc = fe_obj(c, ctr, "lifecycle");
	size_t mark;

	if (!lc)
		return;
	mark = fe_push(c, "lifecycle");
	for (int i = 0; i < 2; i++) {
		const char *k = i ? "preStop" : "postStart";
		const json_t *h = fe_obj(c, lc, k);

		if (h) {
			size_t m2 = fe_push(c, k);

			vld_handler(c, h, 0, grace);
			fe_pop(c, m2);
		}
	}
	fe_pop(c, mark);
}

/* An array whose elements must all be strings (command, args). */
static void vld_str_list(struct fe_ctx *c, const json_t *parent, const char *key)
{
	const json_t *a = fe_arr(c, parent, key), *v;
	size_t i, mark = fe_push(c, key);

	json_array_foreach (a, i, v) {
		size_t m2 = fe_push_index(c, i);

		(void)fe_elem_str(c, v);
		fe_pop(c, m2);
	}
	fe_pop(c, mark);
}

/* resources.limits / requests: quantities, given as JSON strings or numbers. */
static void vld_resources(struct fe_ctx *c, const json_t *ctr)
{
	const json_t *res = fe_obj(c, ctr, "resources");
	size_t mark = fe_push(c, "resources");

	for (int i = 0; i < 2; i++) {
		const char *key = i ? "requests" : "limits";
		const json_t *m = fe_obj(c, res, key), *v;
		const char *k;

		json_object_foreach ((json_t *)m, k, v) {
			size_t m2 = fe_push(c, key);

			if (!json_is_string(v) && !json_is_number(v)) {
				size_t m3 = fe_push_key(c, k);

				fe_type_invalid(c, NULL, v, "string");
				fe_pop(c, m3);
			}
			fe_pop(c, m2);
		}
	}
	fe_pop(c, mark);
}

/* validateContainerCommon plus the pod-only image whitespace rule. */
static void vld_container_common(struct fe_ctx *c, const json_t *ctr, const struct fe_set *vols)
{
	const char *name = fe_str(c, ctr, "name");
	const char *image = fe_str(c, ctr, "image");
	const char *tmp = fe_str(c, ctr, "terminationMessagePolicy");
	const char *pull = fe_str(c, ctr, "imagePullPolicy");
	size_t n;

	(void)fe_str(c, ctr, "terminationMessagePath");
	vld_str_list(c, ctr, "command");
	vld_str_list(c, ctr, "args");
	(void)fe_str(c, ctr, "workingDir");
	(void)fe_arr(c, ctr, "envFrom");
	vld_resources(c, ctr);
	(void)fe_obj(c, ctr, "securityContext");
	if (!name || !*name)
		fe_required(c, "name", "%s", "");
	else
		vld_dns1123_label(c, "name", name);
	if (!image || !*image)
		fe_required(c, "image", "%s", "");
	if (!tmp || !*tmp)
		fe_required(c, "terminationMessagePolicy", "%s", "");
	else if (!in_set(tmp, msg_policies))
		fe_not_supported(c, "terminationMessagePolicy", tmp, msg_policies);
	vld_container_ports(c, ctr);
	vld_env(c, ctr);
	vld_mounts(c, ctr, vols);
	if (!pull || !*pull)
		fe_required(c, "imagePullPolicy", "%s", "");
	else if (!in_set(pull, pull_policies))
		fe_not_supported(c, "imagePullPolicy", pull, pull_policies);
	n = image ? strlen(image) : 0;
	if (n && (image[0] == ' ' || image[0] == '\t' || image[0] == '\n' || image[0] == '\r' ||
	          image[n - 1] == ' ' || image[n - 1] == '\t' || image[n - 1] == '\n' ||
	          image[n - 1] == '\r'))
		fe_invalid_str(c, "image", image, "must not have leading or trailing whitespace");
}

/* Host ports are unique per (protocol, hostIP, port) within the list given. */
static void host_port_conflicts(struct fe_ctx *c, const json_t *ctrs, size_t only,
                                struct fe_set *seen)
{
	const json_t *ctr;
	size_t i, j;

	json_array_foreach (ctrs, i, ctr) {
		const json_t *ports = json_object_get(ctr, "ports"), *p;

		if (only != (size_t)-1 && i != only)
			continue;
		json_array_foreach (ports, j, p) {
			const json_t *hp = json_object_get(p, "hostPort");
			const char *proto = fe_peek_str(p, "protocol");
			const char *hip = fe_peek_str(p, "hostIP");
			char key[160];
			int r;

			if (!json_is_integer(hp) || json_integer_value(hp) == 0)
				continue;
			snprintf(key, sizeof(key), "%.20s/%.100s/%lld", proto ? proto : "",
			         hip ? hip : "", (long long)json_integer_value(hp));
			r = fe_set_add(seen, key);
			if (r < 0) {
				c->oom = 1;
			} else if (r) {
				size_t m = fe_push_index(c, i);
				size_t m2 = fe_push(c, "ports");

				fe_push_index(c, j);
				fe_duplicate_str(c, "hostPort", key);
				fe_pop(c, m2);
				fe_pop(c, m);
			}
		}
	}
}

void vld_containers(struct fe_ctx *c, const json_t *spec, const struct fe_set *vols,
                    long long grace)
{
	const json_t *ctrs = fe_arr(c, spec, "containers"), *ctr;
	const json_t *inits = fe_arr(c, spec, "initContainers");
	struct fe_set names = FE_SET_INIT, seen = FE_SET_INIT;
	size_t i, mark = fe_push(c, "containers");

	if (!json_array_size(ctrs))
		fe_required(c, NULL, "%s", "");
	json_array_foreach (ctrs, i, ctr) {
		size_t m2 = fe_push_index(c, i);
		const json_t *o = fe_elem_obj(c, ctr);
		const char *name = fe_peek_str(o, "name");

		if (o) {
			vld_container_common(c, o, vols);
			if (fe_set_add(&names, name ? name : "") == 1)
				fe_duplicate_str(c, "name", name ? name : "");
			vld_lifecycle(c, o, grace);
			vld_probe(c, o, "livenessProbe", PROBE_LIVENESS);
			vld_probe(c, o, "readinessProbe", PROBE_READINESS);
			vld_probe(c, o, "startupProbe", PROBE_STARTUP);
			if (fe_present(o, "restartPolicy"))
				fe_forbidden(c, "restartPolicy",
				             "may not be set for non-init containers");
		}
		fe_pop(c, m2);
	}
	host_port_conflicts(c, ctrs, (size_t)-1, &seen);
	fe_pop(c, mark);

	mark = fe_push(c, "initContainers");
	json_array_foreach (inits, i, ctr) {
		size_t m2 = fe_push_index(c, i);
		const json_t *o = fe_elem_obj(c, ctr);
		const char *name = fe_peek_str(o, "name");
		const char *rp = o ? fe_str(c, o, "restartPolicy") : NULL;
		int always = rp && !strcmp(rp, "Always");

		if (o) {
			vld_container_common(c, o, vols);
			if (rp && !always)
				fe_not_supported(c, "restartPolicy", rp, init_restart);
			if (name && fe_set_has(&names, name))
				fe_duplicate_str(c, "name", name);
			else if (name && *name && fe_set_add(&names, name) < 0)
				c->oom = 1;
			if (always) {
				vld_lifecycle(c, o, grace);
				vld_probe(c, o, "livenessProbe", PROBE_LIVENESS);
				vld_probe(c, o, "readinessProbe", PROBE_READINESS);
				vld_probe(c, o, "startupProbe", PROBE_STARTUP);
			} else {
				static const char *const forbidden[] = {
				    "lifecycle", "livenessProbe", "readinessProbe", "startupProbe"};

				for (size_t k = 0; k < 4; k++)
					if (fe_present(o, forbidden[k]))
						fe_forbidden(
						    c, forbidden[k],
						    "may not be set for init containers without "
						    "restartPolicy=Always");
			}
		}
		fe_pop(c, m2);
		/* Init containers run one by one: host ports only clash within one. */
		{
			struct fe_set one = FE_SET_INIT;

			host_port_conflicts(c, inits, i, &one);
			fe_set_free(&one);
		}
	}
	fe_pop(c, mark);
	fe_set_free(&names);
	fe_set_free(&seen);
}
