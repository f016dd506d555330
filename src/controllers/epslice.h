/*
 * epslice.h - the EndpointSlice controller's logic, without I/O.
 *
 * Given a Service, the Pods of its namespace and the EndpointSlices that exist
 * for it, epslice_reconcile() says which slices to create, update and delete, as
 * kube-controller-manager's endpointslice reconciler would: endpoints stay in
 * the slice that holds them, only changed slices are written, slices with room
 * are filled before new ones are made, an endpoint-less Service keeps one empty
 * placeholder slice per address type, and an unchanged world yields no action.
 * epslice_endpoints_for() builds the legacy core/v1 Endpoints the same way the
 * endpoints controller does. The caller does the API writes.
 *
 * Objects are jansson JSON in their API shape. Functions return 0, -EINVAL for
 * input that is not the expected shape, or -ENOMEM.
 */
#ifndef SVCNET_CONTROLLERS_EPSLICE_H
#define SVCNET_CONTROLLERS_EPSLICE_H

#include <jansson.h>

#define EPSLICE_LABEL_SERVICE_NAME "kubernetes.io/service-name"
#define EPSLICE_LABEL_MANAGED_BY   "endpointslice.kubernetes.io/managed-by"
#define EPSLICE_CONTROLLER_NAME    "endpointslice-controller.k8s.io"
#define EPSLICE_LABEL_HEADLESS     "service.kubernetes.io/headless"
#define EPSLICE_ANN_OVER_CAPACITY  "endpoints.kubernetes.io/over-capacity"
/* Endpoints objects hold at most this many addresses (the rest are truncated). */
#define EPSLICE_ENDPOINTS_MAX 1000

struct epslice_opts {
	int max_per_slice; /* endpoints per slice; <= 0 means 100, the upstream default */
};

/*
 * Computes the writes that bring the Service's slices to the desired state.
 *   pods:     Pod objects (others in the array, or pods of other namespaces, are ignored)
 *   existing: EndpointSlices labelled kubernetes.io/service-name=<svc>; only those
 *             managed by this controller (managed-by label) are considered, so user
 *             and mirrored slices are never touched
 *   opts:     may be NULL
 *   actions:  new array of {"op": "create"|"update"|"delete", "object": EndpointSlice}.
 *             create: metadata.generateName "<svc>-", no name (the caller names it);
 *             update: the full slice, with the existing name and resourceVersion;
 *             delete: the existing slice.
 * Services without a selector (user-managed endpoints) and ExternalName Services
 * produce no actions at all, not even deletes. Endpoints within a new slice are
 * ordered by address so that repeated runs converge to identical objects.
 */
int epslice_reconcile(const json_t *svc, const json_t *pods, const json_t *existing,
                      const struct epslice_opts *opts, json_t **actions);

/*
 * The core/v1 Endpoints object mirroring the Service (name and namespace of the
 * Service, its labels plus service.kubernetes.io/headless for headless ones):
 * subsets grouped by identical port sets, ready pods in addresses, unready ones in
 * notReadyAddresses (all in addresses with publishNotReadyAddresses), terminating
 * pods left out unless publishNotReadyAddresses, one address per pod of the
 * Service's primary IP family, truncated past EPSLICE_ENDPOINTS_MAX with the
 * over-capacity annotation. *out is NULL (and 0 returned) when the Service has no
 * controller-managed endpoints (no selector, or ExternalName). A pod's address
 * object may appear in several subsets as one shared (refcounted) value: deep-copy
 * before editing the result in place.
 */
int epslice_endpoints_for(const json_t *svc, const json_t *pods, json_t **out);
/* 1 when two Endpoints objects have the same subsets (ignoring targetRef
 * resourceVersions), labels and over-capacity annotation: the write can be skipped. */
int epslice_endpoints_equal(const json_t *a, const json_t *b);

/* ---- helpers shared by the two controllers (also useful to other callers) ---- */

/* 1 when the controllers manage this Service's endpoints: it has a non-empty
 * spec.selector and is not of type ExternalName. */
int epslice_service_managed(const json_t *svc);
/* The Pod's Ready condition is "True". */
int epslice_pod_ready(const json_t *pod);
/* ShouldPodBeInEndpoints: not Succeeded/Failed, has an IP, and (unless
 * include_terminating) no deletionTimestamp. */
int epslice_pod_included(const json_t *pod, int include_terminating);
/* The container port a Service port targets on this pod: an integer targetPort as
 * is (absent or 0: the Service port), a named one looked up in the containers'
 * (and restartable init containers') ports with the same protocol; -ENOENT when
 * the name does not resolve, -EINVAL for a malformed port. */
int epslice_find_port(const json_t *pod, const json_t *svc_port);
/* ShouldSetHostname: spec.hostname set and spec.subdomain names the Service (same namespace). */
int epslice_should_set_hostname(const json_t *pod, const json_t *svc);
/* 4 or 6 with the canonical text of ip in canon (size >= 46), 0 when ip is not an address.
 * IPv4-mapped IPv6 addresses count as IPv4, as in Go's net package. */
int epslice_ip_family(const char *ip, char *canon);
/* The address families the Service serves, in ipFamilies order: fams[i] is 4 or 6. */
int epslice_service_families(const json_t *svc, int fams[2]);

#endif
