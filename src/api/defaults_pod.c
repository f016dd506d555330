/* defaults_pod.c - Pod defaulting (SetDefaults_Pod, _PodSpec, _Container, _Probe, ...). */
#include "api/defaults_impl.h"
#include "api/validate.h"

#include <string.h>

/*
 * Whether the image names the "latest" tag, explicitly or by having no tag and
 * no digest (parsers.ParseImageName). The tag is what follows the last ':'
 * after the last '/', so a registry port is not mistaken for one.
 */
static int image_is_latest(const char *image)
{
	const char *at = strchr(image, '@');
	size_t n = at ? (size_t)(at - image) : strlen(image), i, tag = 0;

	if (!*image)
		return 0;
	for (i = 0; i < n; i++) {
		if (image[i] == '/')
			tag = 0;
		else if (image[i] == ':')
			tag = i + 1;
	}
	if (!tag)
		return at == NULL;
	return n - tag == 6 && !strncmp(image + tag, "latest", 6);
}

static void dft_http_get(struct dft *d, json_t *handler)
{
	json_t *http = json_object_get(handler, "httpGet");

	if (!json_is_object(http))
		return;
	dft_str(d, http, "path", "/");
	dft_str(d, http, "scheme", "HTTP");
}

static void dft_probe(struct dft *d, json_t *ctr, const char *key)
{
	json_t *p = json_object_get(ctr, key);

	if (!json_is_object(p))
		return;
	dft_int(d, p, "timeoutSeconds", 1, 1);
	dft_int(d, p, "periodSeconds", 10, 1);
	dft_int(d, p, "successThreshold", 1, 1);
	dft_int(d, p, "failureThreshold", 3, 1);
	dft_http_get(d, p);
}

/* requests default to limits, key by key (SetDefaults_Pod). */
static void dft_requests(struct dft *d, json_t *ctr)
{
	json_t *res = json_object_get(ctr, "resources"), *lim, *req, *v;
	const char *k;

	if (!json_is_object(res))
		return;
	lim = json_object_get(res, "limits");
	if (!json_is_object(lim) || !json_object_size(lim))
		return;
	req = dft_obj(d, res, "requests");
	if (!req)
		return;
	json_object_foreach (lim, k, v)
		if (dft_unset(req, k))
			dft_set_new(d, req, k, json_deep_copy(v));
}

static void dft_container(struct dft *d, json_t *ctr, int host_network)
{
	const char *image = dft_peek(ctr, "image");
	json_t *p, *lc;
	size_t i;

	if (!json_is_object(ctr))
		return;
	if (!dft_peek(ctr, "imagePullPolicy") || !*dft_peek(ctr, "imagePullPolicy"))
		dft_str(d, ctr, "imagePullPolicy",
		        image && image_is_latest(image) ? "Always" : "IfNotPresent");
	dft_str(d, ctr, "terminationMessagePath", "/dev/termination-log");
	dft_str(d, ctr, "terminationMessagePolicy", "File");
	json_array_foreach (dft_arr(ctr, "ports"), i, p) {
		const json_t *cp = json_object_get(p, "containerPort");

		if (!json_is_object(p))
			continue;
		dft_str(d, p, "protocol", "TCP");
		/* Under hostNetwork the host port is the container port. */
		if (host_network && json_is_integer(cp))
			dft_int(d, p, "hostPort", json_integer_value(cp), 1);
	}
	dft_probe(d, ctr, "livenessProbe");
	dft_probe(d, ctr, "readinessProbe");
	dft_probe(d, ctr, "startupProbe");
	lc = json_object_get(ctr, "lifecycle");
	if (json_is_object(lc)) {
		dft_http_get(d, json_object_get(lc, "postStart"));
		dft_http_get(d, json_object_get(lc, "preStop"));
	}
	dft_requests(d, ctr);
}

static void dft_volumes(struct dft *d, json_t *spec)
{
	json_t *v, *src;
	size_t i;

	json_array_foreach (dft_arr(spec, "volumes"), i, v) {
		int any = 0;

		if (!json_is_object(v))
			continue;
		for (const char *const *s = api_volume_sources; *s; s++)
			any |= !dft_unset(v, *s);
		if (!any)
			dft_set_new(d, v, "emptyDir", json_object());
		/* 0644, the defaultMode of secret, configMap, downwardAPI and projected. */
		if (json_is_object(src = json_object_get(v, "secret")))
			dft_int(d, src, "defaultMode", 420, 0);
		if (json_is_object(src = json_object_get(v, "configMap")))
			dft_int(d, src, "defaultMode", 420, 0);
		if (json_is_object(src = json_object_get(v, "downwardAPI")))
			dft_int(d, src, "defaultMode", 420, 0);
		if (json_is_object(src = json_object_get(v, "projected")))
			dft_int(d, src, "defaultMode", 420, 0);
		if (json_is_object(src = json_object_get(v, "hostPath")))
			dft_str(d, src, "type", "");
	}
}

void dft_pod(struct dft *d, json_t *pod)
{
	json_t *spec = dft_obj(d, pod, "spec"), *ctr;
	static const char *const lists[] = {"containers", "initContainers", "ephemeralContainers"};
	int host_network;
	size_t i;

	if (!spec)
		return;
	host_network = json_is_true(json_object_get(spec, "hostNetwork"));
	for (size_t k = 0; k < 3; k++)
		json_array_foreach (dft_arr(spec, lists[k]), i, ctr)
			dft_container(d, ctr, host_network && k < 2);
	dft_volumes(d, spec);
	dft_str(d, spec, "dnsPolicy", "ClusterFirst");
	dft_str(d, spec, "restartPolicy", "Always");
	if (dft_unset(spec, "securityContext"))
		dft_set_new(d, spec, "securityContext", json_object());
	dft_int(d, spec, "terminationGracePeriodSeconds", 30, 0);
	dft_str(d, spec, "schedulerName", "default-scheduler");
	dft_bool(d, spec, "enableServiceLinks", 1);
}
