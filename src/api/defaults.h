/*
 * defaults.h - defaulting of API objects as kube-apiserver does it.
 *
 * Runs on decoded JSON (jansson) in place, before validation. Fields that hold
 * a value of the wrong JSON type are left alone: validation reports them.
 * Defaulting never fails on bad input; it only fails when memory runs out.
 *
 * What is defaulted (pkg/apis/core/v1/defaults.go and friends):
 *   Service   type ClusterIP, sessionAffinity None (ClientIP: timeout 10800),
 *             ports[].protocol TCP, ports[].targetPort = port, internal/external
 *             traffic policy Cluster, allocateLoadBalancerNodePorts true,
 *             loadBalancer ingress ipMode VIP, clusterIPs from clusterIP.
 *   Pod       restartPolicy Always, dnsPolicy ClusterFirst, schedulerName,
 *             terminationGracePeriodSeconds 30, enableServiceLinks, securityContext,
 *             containers' imagePullPolicy, terminationMessage*, ports[].protocol,
 *             hostPort under hostNetwork, probes' timings and httpGet path/scheme,
 *             resources.requests from limits.
 *   Namespace label kubernetes.io/metadata.name, spec.finalizers ["kubernetes"],
 *             status.phase Active.
 *   Secret    type Opaque; stringData folded into data (base64) and dropped.
 *   Node      status.allocatable from capacity.
 *   Endpoints / EndpointSlice  ports' protocol TCP (slice ports' name "").
 *   IngressClass  spec.parameters.scope Cluster.
 */
#ifndef SVCNET_API_DEFAULTS_H
#define SVCNET_API_DEFAULTS_H

#include <jansson.h>

#include "api/resource.h"

/* Server settings that defaulting needs. */
struct api_default_opts {
	/* Family of the primary service CIDR: AF_INET or AF_INET6 (0 means AF_INET). */
	int primary_family;
	/* Non-zero when a secondary service CIDR of the other family exists. */
	int dual_stack;
};

/* Create-time defaulting. Returns 0, or -ENOMEM. o may be NULL (IPv4 single-stack). */
int api_default(enum api_kind_id kind, json_t *obj, const struct api_default_opts *o);

/*
 * Update-time defaulting: api_default plus what the registry does before
 * validating an update (old is the stored object):
 *   all kinds  uid, creationTimestamp, deletionTimestamp, deletionGracePeriodSeconds
 *              and generation are kept from old, as rest.BeforeUpdate does;
 *   Service    values allocated before (clusterIP(s), nodePorts by port name,
 *              healthCheckNodePort) are carried over when the client left them out;
 *              clusterIPs follow a changed clusterIP; fields that stop applying after
 *              a type change (clusterIPs, ipFamilies, nodePorts, ...) are dropped
 *              when the client did not change them.
 * Returns 0, or -ENOMEM.
 */
int api_default_update(enum api_kind_id kind, json_t *obj, const json_t *old,
                       const struct api_default_opts *o);

/*
 * Service IP-family initialisation, as kube-apiserver's allocator does it right
 * before allocating cluster IPs (old is NULL on create): defaults
 * spec.ipFamilyPolicy (SingleStack; RequireDualStack for headless selectorless
 * services) and spec.ipFamilies (from the clusterIPs given, else the server's
 * families), and rejects what the server cannot serve ("this cluster is not
 * configured for dual-stack services", "IPv6 is not configured on this cluster").
 * Appends causes; returns how many (0: fine, go on allocating), or -ENOMEM.
 * Does nothing for ExternalName services.
 */
int api_service_init_ip_families(json_t *svc, const json_t *old, const struct api_default_opts *o,
                                 json_t *causes);

#endif
