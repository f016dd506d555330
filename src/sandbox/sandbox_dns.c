/*
 * sandbox_dns.c - the cluster DNS addon of `svcnet up`: the Service kube-dns
 * in kube-system at SANDBOX_CLUSTER_DNS (where the agents point every Pod's
 * resolv.conf) and one `svcnet dns` Pod per node behind it, as kubeadm and
 * k3s deploy CoreDNS, only with a Pod on every node.
 *
 * The DNS Pods are ordinary Pods: the agent runs the svcnet binary (the
 * host's filesystem is the image) in the Pod's namespace; their informers
 * reach the API server at 198.18.0.1:6443 through the node's masquerade
 * (flannel's ip-masq: pod CIDR -> outside of it), with the sandbox's admin
 * kubeconfig. They never forward to the host's resolver (the machine has no
 * network): `--upstream none` unless `up --dns-upstream` names a server.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "sandbox/sandbox_int.h"

#define DNS_NS      "kube-system"
#define DNS_SVC     "kube-dns"
#define DNS_LABEL   "k8s-app"
#define DNS_IMAGE   "svcnet/dns"
#define DNS_METRICS 9153
#define DNS_CALL_MS 10000
#define DNS_SLICES                                                                                 \
	"/apis/discovery.k8s.io/v1/namespaces/" DNS_NS "/endpointslices"                           \
	"?labelSelector=kubernetes.io%2Fservice-name%3D" DNS_SVC

/* POSTs obj (stolen) to path; 201 and 409 AlreadyExists (a re-`up` over a
 * store that kept it) are success. */
static int sandbox_dns_create(sandbox_api *a, const char *path, json_t *obj, const char *what)
{
	char *body = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	int rc, status = 0;
	buf out;

	json_decref(obj);
	if (!body) {
		log_warn("sandbox", "DNS addon: %s: out of memory", what);
		return -ENOMEM;
	}
	buf_init(&out);
	rc = sandbox_api_call(a, "POST", path, body, DNS_CALL_MS, &status, &out);
	free(body);
	if (rc == 0 && status != 201 && status != 200 && status != 409) {
		buf_cstr(&out);
		log_warn("sandbox", "DNS addon: creating %s: HTTP %d: %.300s", what, status,
		         out.data ? buf_head(&out) : "");
		rc = -EPROTO;
	} else if (rc < 0) {
		log_warn("sandbox", "DNS addon: creating %s: %s", what, strerror(-rc));
	}
	buf_free(&out);
	return rc;
}

static json_t *sandbox_dns_service(void)
{
	return json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s, s:s}},"
	                 " s:{s:s, s:{s:s}, s:[{s:s, s:i, s:s, s:i},"
	                 " {s:s, s:i, s:s, s:i}, {s:s, s:i, s:s, s:i}]}}",
	                 "apiVersion", "v1", "kind", "Service", "metadata", "name", DNS_SVC,
	                 "namespace", DNS_NS, "labels", DNS_LABEL, DNS_SVC, "kubernetes.io/name",
	                 "svcnet-dns", "spec", "clusterIP", SANDBOX_CLUSTER_DNS, "selector",
	                 DNS_LABEL, DNS_SVC, "ports", "name", "dns", "port", 53, "protocol", "UDP",
	                 "targetPort", 53, "name", "dns-tcp", "port", 53, "protocol", "TCP",
	                 "targetPort", 53, "name", "metrics", "port", DNS_METRICS, "protocol",
	                 "TCP", "targetPort", DNS_METRICS);
}

/* The container's command line: the binary by absolute path (there is no
 * image to find it in), a listener on every address of the Pod, and the
 * health/metrics endpoint the readiness probe asks. */
static json_t *sandbox_dns_command(const struct sandbox_dns_opts *o)
{
	char http[32];
	json_t *cmd;
	int n = 0;

	snprintf(http, sizeof(http), "0.0.0.0:%d", DNS_METRICS);
	cmd = json_pack("[s, s, s, s, s, s, s, s]", o->exe, "dns", "--kubeconfig", o->kubeconfig,
	                "--listen", "0.0.0.0:53", "--http-bind-address", http);
	for (int i = 0; cmd && i < o->nupstreams; i++) {
		n += json_array_append_new(cmd, json_string("--upstream")) < 0;
		n += json_array_append_new(cmd, json_string(o->upstreams[i])) < 0;
	}
	if (cmd && !o->nupstreams) {
		n += json_array_append_new(cmd, json_string("--upstream")) < 0;
		n += json_array_append_new(cmd, json_string("none")) < 0;
	}
	if (n) {
		json_decref(cmd);
		return NULL;
	}
	return cmd;
}

static json_t *sandbox_dns_pod(const struct sandbox_dns_opts *o, const char *node, const char *name)
{
	json_t *cmd = sandbox_dns_command(o);

	if (!cmd)
		return NULL;
	/* dnsPolicy Default: the server itself does not resolve through the
	 * cluster DNS it is part of. */
	return json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s}},"
	                 " s:{s:s, s:s, s:i, s:[{s:s, s:s, s:o,"
	                 " s:[{s:s, s:i, s:s}, {s:s, s:i, s:s}, {s:s, s:i, s:s}],"
	                 " s:{s:{s:s, s:i}, s:i, s:i}}]}}",
	                 "apiVersion", "v1", "kind", "Pod", "metadata", "name", name, "namespace",
	                 DNS_NS, "labels", DNS_LABEL, DNS_SVC, "spec", "nodeName", node,
	                 "dnsPolicy", "Default", "terminationGracePeriodSeconds", 5, "containers",
	                 "name", "dns", "image", DNS_IMAGE, "command", cmd, "ports", "name", "dns",
	                 "containerPort", 53, "protocol", "UDP", "name", "dns-tcp", "containerPort",
	                 53, "protocol", "TCP", "name", "metrics", "containerPort", DNS_METRICS,
	                 "protocol", "TCP", "readinessProbe", "httpGet", "path", "/ready", "port",
	                 DNS_METRICS, "periodSeconds", 1, "failureThreshold", 3);
}

int sandbox_dns_apply(sandbox_api *a, const struct sandbox_dns_opts *o)
{
	int rc, failed = 0;

	rc = sandbox_dns_create(a, "/api/v1/namespaces/" DNS_NS "/services", sandbox_dns_service(),
	                        "Service " DNS_NS "/" DNS_SVC);
	if (rc < 0)
		return rc;
	for (int i = 1; i <= o->nodes; i++) {
		char node[32], name[64], what[96];

		sandbox_node_name(i, node);
		snprintf(name, sizeof(name), "svcnet-dns-%s", node);
		snprintf(what, sizeof(what), "Pod %s/%s", DNS_NS, name);
		if (sandbox_dns_create(a, "/api/v1/namespaces/" DNS_NS "/pods",
		                       sandbox_dns_pod(o, node, name), what) < 0)
			failed++;
	}
	return failed ? -EPROTO : 0;
}

/* Ready addresses in kube-dns' EndpointSlices (conditions.ready unset counts
 * as ready, as the API defines it). */
int sandbox_dns_ready(sandbox_api *a)
{
	json_t *list, *sl, *ep;
	json_error_t jerr;
	int status = 0, rc, ready = 0;
	size_t i, j;
	buf body;

	buf_init(&body);
	rc = sandbox_api_get(a, DNS_SLICES, 5000, &status, &body);
	if (rc == 0 && status != 200)
		rc = -EPROTO;
	if (rc < 0) {
		buf_free(&body);
		return rc;
	}
	list = json_loadb(buf_head(&body), buf_avail(&body), 0, &jerr);
	buf_free(&body);
	json_array_foreach (json_object_get(list, "items"), i, sl) {
		json_array_foreach (json_object_get(sl, "endpoints"), j, ep) {
			json_t *r = json_object_get(json_object_get(ep, "conditions"), "ready");

			if (!json_is_false(r))
				ready++;
		}
	}
	json_decref(list);
	return ready;
}
