/*
 * openapi_schema_core.c - core/v1 Namespace, Service, Endpoints, Node, Secret
 * and Event, with the patch/list extensions of their Go struct tags.
 */
#include "server/openapi_schema.h"

#include <stddef.h>

#define MERGE_BY(k) .merge_key = k, .strategy = "merge", .list_type = "map", .map_keys = k

static const struct oa_field namespace_[] = {
    F_APIVERSION,
    F_KIND,
    F_METADATA,
    F_REF("spec", OA_CORE "NamespaceSpec", "Spec defines the behavior of the Namespace.",
          .flags = OA_DEF_OBJ),
    F_REF("status", OA_CORE "NamespaceStatus", "Status describes the current status.",
          .flags = OA_DEF_OBJ),
    F_END,
};

static const struct oa_field namespace_spec[] = {
    F_ASTR("finalizers", "Must be empty before the namespace is removed from storage.",
           .list_type = "atomic"),
    F_END,
};

static const struct oa_field namespace_status[] = {
    F_AREF("conditions", OA_CORE "NamespaceCondition", "The latest observations of the state.",
           MERGE_BY("type")),
    F_STR("phase", "Current lifecycle phase of the namespace: Active or Terminating."),
    F_END,
};

static const struct oa_field namespace_condition[] = {
    F_TIME("lastTransitionTime", "Last time the condition transitioned."),
    F_STR("message", "Human-readable message about the last transition."),
    F_STR("reason", "Unique, one-word, CamelCase reason for the last transition."),
    F_STR("status", "True, False or Unknown.", .flags = OA_REQ | OA_DEF_STR),
    F_STR("type", "Type of namespace controller condition.", .flags = OA_REQ | OA_DEF_STR),
    F_END,
};

static const struct oa_field service[] = {
    F_APIVERSION,
    F_KIND,
    F_METADATA,
    F_REF("spec", OA_CORE "ServiceSpec", "Spec defines the behavior of a service.",
          .flags = OA_DEF_OBJ),
    F_REF("status", OA_CORE "ServiceStatus", "Most recently observed status of the service.",
          .flags = OA_DEF_OBJ),
    F_END,
};

static const struct oa_field service_spec[] = {
    F_BOOL("allocateLoadBalancerNodePorts", "Whether NodePorts are allocated for LoadBalancers."),
    F_STR("clusterIP", "IP address of the service, usually assigned randomly."),
    F_ASTR("clusterIPs", "IP addresses assigned to this service, one per family.",
           .list_type = "atomic"),
    F_ASTR("externalIPs", "IP addresses for which nodes also accept traffic for this service.",
           .list_type = "atomic"),
    F_STR("externalName", "External reference returned as a CNAME (type ExternalName)."),
    F_STR("externalTrafficPolicy", "How external traffic is routed: Cluster or Local."),
    F_I32("healthCheckNodePort", "Health check node port for externalTrafficPolicy Local."),
    F_STR("internalTrafficPolicy", "How cluster-internal traffic is routed: Cluster or Local."),
    F_ASTR("ipFamilies", "IP families (IPv4, IPv6) assigned to this service.",
           .list_type = "atomic"),
    F_STR("ipFamilyPolicy", "SingleStack, PreferDualStack or RequireDualStack."),
    F_STR("loadBalancerClass", "Class of the load balancer implementation."),
    F_STR("loadBalancerIP", "Deprecated: requested IP of a LoadBalancer service."),
    F_ASTR("loadBalancerSourceRanges", "Client IP ranges allowed through the load balancer.",
           .list_type = "atomic"),
    F_AREF("ports", OA_CORE "ServicePort", "The list of ports exposed by this service.",
           .merge_key = "port", .strategy = "merge", .list_type = "map",
           .map_keys = "port,protocol"),
    F_BOOL("publishNotReadyAddresses", "Publish endpoints of pods that are not ready."),
    F_MSTR("selector", "Route traffic to pods with labels matching this selector.",
           .flags = OA_ATOMIC),
    F_STR("sessionAffinity", "ClientIP or None. Defaults to None."),
    F_REF("sessionAffinityConfig", OA_CORE "SessionAffinityConfig",
          "Configurations of session affinity."),
    F_STR("trafficDistribution", "Preference for how traffic is distributed (PreferClose)."),
    F_STR("type", "ClusterIP, NodePort, LoadBalancer or ExternalName. Defaults to ClusterIP."),
    F_END,
};

static const struct oa_field service_port[] = {
    F_STR("appProtocol", "The application protocol for this port."),
    F_STR("name", "The name of this port within the service, a DNS label."),
    F_I32("nodePort", "The port on each node on which this service is exposed."),
    F_I32("port", "The port that will be exposed by this service.", .flags = OA_REQ, .dflt = "0"),
    F_STR("protocol", "The IP protocol for this port: TCP, UDP or SCTP. Defaults to TCP.",
          .dflt = "\"TCP\""),
    F_REF("targetPort", OA_INTSTR, "Number or name of the port to access on the pods."),
    F_END,
};

static const struct oa_field session_affinity_config[] = {
    F_REF("clientIP", OA_CORE "ClientIPConfig", "Settings of ClientIP based session affinity."),
    F_END,
};

static const struct oa_field client_ip_config[] = {
    F_I32("timeoutSeconds", "Seconds of ClientIP session stickiness (default 10800)."),
    F_END,
};

static const struct oa_field service_status[] = {
    F_AREF("conditions", OA_META "Condition", "Current service state.", MERGE_BY("type")),
    F_REF("loadBalancer", OA_CORE "LoadBalancerStatus", "Current status of the load-balancer.",
          .flags = OA_DEF_OBJ),
    F_END,
};

static const struct oa_field load_balancer_status[] = {
    F_AREF("ingress", OA_CORE "LoadBalancerIngress", "Ingress points for the load-balancer.",
           .list_type = "atomic"),
    F_END,
};

static const struct oa_field load_balancer_ingress[] = {
    F_STR("hostname", "Set for load-balancer ingress points that are DNS based."),
    F_STR("ip", "Set for load-balancer ingress points that are IP based."),
    F_STR("ipMode", "How the load-balancer IP behaves: VIP or Proxy."),
    F_AREF("ports", OA_CORE "PortStatus", "Records of service ports.", .list_type = "atomic"),
    F_END,
};

static const struct oa_field port_status[] = {
    F_STR("error", "Problem with the service port, CamelCase."),
    F_I32("port", "Port number of the service port.", .flags = OA_REQ, .dflt = "0"),
    F_STR("protocol", "Protocol of the service port.", .flags = OA_REQ | OA_DEF_STR),
    F_END,
};

static const struct oa_field endpoints[] = {
    F_APIVERSION,
    F_KIND,
    F_METADATA,
    F_AREF("subsets", OA_CORE "EndpointSubset", "The set of all endpoints.", .list_type = "atomic"),
    F_END,
};

static const struct oa_field endpoint_subset[] = {
    F_AREF("addresses", OA_CORE "EndpointAddress", "IP addresses which offer the ports.",
           .list_type = "atomic"),
    F_AREF("notReadyAddresses", OA_CORE "EndpointAddress",
           "IP addresses not currently marked as ready.", .list_type = "atomic"),
    F_AREF("ports", OA_CORE "EndpointPort", "Port numbers available on the addresses.",
           .list_type = "atomic"),
    F_END,
};

static const struct oa_field endpoint_address[] = {
    F_STR("hostname", "The hostname of this endpoint."),
    F_STR("ip", "The IP of this endpoint.", .flags = OA_REQ | OA_DEF_STR),
    F_STR("nodeName", "The node hosting this endpoint."),
    F_REF("targetRef", OA_CORE "ObjectReference", "Reference to the object providing it."),
    F_END,
};

static const struct oa_field endpoint_port[] = {
    F_STR("appProtocol", "The application protocol for this port."),
    F_STR("name", "The name of this port; must match ServicePort.name."),
    F_I32("port", "The port number of the endpoint.", .flags = OA_REQ, .dflt = "0"),
    F_STR("protocol", "The IP protocol for this port: TCP, UDP or SCTP."),
    F_END,
};

static const struct oa_field object_reference[] = {
    F_STR("apiVersion", "API version of the referent."),
    F_STR("fieldPath", "A piece of the object, e.g. spec.containers{name}."),
    F_STR("kind", "Kind of the referent."),
    F_STR("name", "Name of the referent."),
    F_STR("namespace", "Namespace of the referent."),
    F_STR("resourceVersion", "Specific resourceVersion to which this reference is made."),
    F_STR("uid", "UID of the referent."),
    F_END,
};

static const struct oa_field typed_local_object_reference[] = {
    F_STR("apiGroup", "The group of the resource; empty means the core group."),
    F_STR("kind", "The type of resource being referenced.", .flags = OA_REQ | OA_DEF_STR),
    F_STR("name", "The name of resource being referenced.", .flags = OA_REQ | OA_DEF_STR),
    F_END,
};

static const struct oa_field node[] = {
    F_APIVERSION,
    F_KIND,
    F_METADATA,
    F_REF("spec", OA_CORE "NodeSpec", "Spec defines the behavior of a node.", .flags = OA_DEF_OBJ),
    F_REF("status", OA_CORE "NodeStatus", "Most recently observed status of the node.",
          .flags = OA_DEF_OBJ),
    F_END,
};

static const struct oa_field node_spec[] = {
    F_ANY("configSource", "Deprecated: dynamic kubelet configuration source."),
    F_STR("externalID", "Deprecated."),
    F_STR("podCIDR", "The pod IP range assigned to the node."),
    F_ASTR("podCIDRs", "The IP ranges assigned to the node for its pods, one per family.",
           .list_type = "set", .strategy = "merge"),
    F_STR("providerID", "ID of the node assigned by the cloud provider."),
    F_AREF("taints", OA_CORE "Taint", "The node's taints.", .list_type = "atomic"),
    F_BOOL("unschedulable", "Controls node schedulability of new pods."),
    F_END,
};

static const struct oa_field taint[] = {
    F_STR("effect", "NoSchedule, PreferNoSchedule or NoExecute.", .flags = OA_REQ | OA_DEF_STR),
    F_STR("key", "The taint key to be applied to a node.", .flags = OA_REQ | OA_DEF_STR),
    F_TIME("timeAdded", "Time at which a NoExecute taint was added."),
    F_STR("value", "The taint value corresponding to the taint key."),
    F_END,
};

static const struct oa_field node_status[] = {
    F_AREF("addresses", OA_CORE "NodeAddress", "Addresses reachable to the node.",
           MERGE_BY("type")),
    F_MREF("allocatable", OA_QTY, "Resources of the node available for scheduling."),
    F_MREF("capacity", OA_QTY, "Total resources of the node."),
    F_AREF("conditions", OA_CORE "NodeCondition", "Current observed node conditions.",
           MERGE_BY("type")),
    F_ANY("config", "Status of the config assigned to the node."),
    F_REF("daemonEndpoints", OA_CORE "NodeDaemonEndpoints",
          "Endpoints of daemons running on the node.", .flags = OA_DEF_OBJ),
    F_ANY("features", "Features implemented by the node's CRI."),
    F_AREF("images", OA_CORE "ContainerImage", "Container images on this node.",
           .list_type = "atomic"),
    F_REF("nodeInfo", OA_CORE "NodeSystemInfo", "General information about the node.",
          .flags = OA_DEF_OBJ),
    F_STR("phase", "Deprecated: node lifecycle phase."),
    F_AANY("runtimeHandlers", "The available runtime handlers.", .list_type = "atomic"),
    F_AANY("volumesAttached", "Volumes attached to the node.", .list_type = "atomic"),
    F_ASTR("volumesInUse", "Attachable volumes in use (mounted) by the node.",
           .list_type = "atomic"),
    F_END,
};

static const struct oa_field node_address[] = {
    F_STR("address", "The node address.", .flags = OA_REQ | OA_DEF_STR),
    F_STR("type", "Hostname, ExternalIP or InternalIP.", .flags = OA_REQ | OA_DEF_STR),
    F_END,
};

static const struct oa_field node_condition[] = {
    F_TIME("lastHeartbeatTime", "Last time we got an update on a given condition."),
    F_TIME("lastTransitionTime", "Last time the condition transitioned."),
    F_STR("message", "Human readable message indicating details about the last transition."),
    F_STR("reason", "(brief) reason for the condition's last transition."),
    F_STR("status", "True, False or Unknown.", .flags = OA_REQ | OA_DEF_STR),
    F_STR("type", "Type of node condition.", .flags = OA_REQ | OA_DEF_STR),
    F_END,
};

static const struct oa_field node_daemon_endpoints[] = {
    F_REF("kubeletEndpoint", OA_CORE "DaemonEndpoint", "Endpoint on which the kubelet listens.",
          .flags = OA_DEF_OBJ),
    F_END,
};

static const struct oa_field daemon_endpoint[] = {
    F_I32("Port", "Port number of the given endpoint.", .flags = OA_REQ, .dflt = "0"),
    F_END,
};

static const struct oa_field container_image[] = {
    F_ASTR("names", "Names by which this image is known.", .list_type = "atomic"),
    F_I64("sizeBytes", "The size of the image in bytes."),
    F_END,
};

#define SYSINFO(n, d) F_STR(n, d, .flags = OA_REQ | OA_DEF_STR)
static const struct oa_field node_system_info[] = {
    SYSINFO("architecture", "The architecture reported by the node."),
    SYSINFO("bootID", "Boot ID reported by the node."),
    SYSINFO("containerRuntimeVersion", "Container runtime version (e.g. containerd://1.7)."),
    SYSINFO("kernelVersion", "Kernel version reported by the node (uname -r)."),
    SYSINFO("kubeProxyVersion", "Deprecated: KubeProxy version reported by the node."),
    SYSINFO("kubeletVersion", "Kubelet version reported by the node."),
    SYSINFO("machineID", "MachineID reported by the node."),
    SYSINFO("operatingSystem", "The operating system reported by the node."),
    SYSINFO("osImage", "OS image reported by the node from /etc/os-release."),
    SYSINFO("systemUUID", "SystemUUID reported by the node."),
    F_END,
};

static const struct oa_field secret[] = {
    F_APIVERSION,
    OA_F(OA_MAP_BYTES, "data", "Secret data; values are base64 encoded."),
    F_BOOL("immutable", "If true, only metadata can be modified."),
    F_KIND,
    F_METADATA,
    F_MSTR("stringData", "Write-only convenience: non-binary secret data in string form."),
    F_STR("type", "Used to facilitate programmatic handling of secret data."),
    F_END,
};

static const struct oa_field event[] = {
    F_STR("action", "What action was taken/failed regarding the regarding object."),
    F_APIVERSION,
    F_I32("count", "The number of times this event has occurred."),
    F_REF("eventTime", OA_META "MicroTime", "Time when this Event was first observed."),
    F_TIME("firstTimestamp", "The time at which the event was first recorded."),
    F_REF("involvedObject", OA_CORE "ObjectReference", "The object this event is about.",
          .flags = OA_REQ | OA_DEF_OBJ),
    F_KIND,
    F_TIME("lastTimestamp", "The time of the most recent occurrence of this event."),
    F_STR("message", "A human-readable description of the status of this operation."),
    F_REF("metadata", OA_META "ObjectMeta", "Standard object's metadata.",
          .flags = OA_REQ | OA_DEF_OBJ),
    F_STR("reason", "Short, machine understandable string for the transition."),
    F_REF("related", OA_CORE "ObjectReference", "Optional secondary object."),
    F_STR("reportingComponent", "Controller that emitted this Event.", .flags = OA_DEF_STR),
    F_STR("reportingInstance", "ID of the controller instance.", .flags = OA_DEF_STR),
    F_REF("series", OA_CORE "EventSeries", "Data about the Event series."),
    F_REF("source", OA_CORE "EventSource", "The component reporting this event.",
          .flags = OA_DEF_OBJ),
    F_STR("type", "Type of this event (Normal, Warning)."),
    F_END,
};

static const struct oa_field event_series[] = {
    F_I32("count", "Number of occurrences in this series up to the last heartbeat."),
    F_REF("lastObservedTime", OA_META "MicroTime", "Time of the last occurrence observed."),
    F_END,
};

static const struct oa_field event_source[] = {
    F_STR("component", "Component from which the event is generated."),
    F_STR("host", "Node name on which the event is generated."),
    F_END,
};

const struct oa_type oa_types_core[] = {
    {OA_CORE "Namespace", "Namespace provides a scope for Names.", namespace_, "/v1/Namespace", 0,
     NULL},
    {OA_CORE "NamespaceSpec", "Attributes on a Namespace.", namespace_spec, NULL, 0, NULL},
    {OA_CORE "NamespaceStatus", "Information about the status of a Namespace.", namespace_status,
     NULL, 0, NULL},
    {OA_CORE "NamespaceCondition", "Details about the state of the namespace.", namespace_condition,
     NULL, 0, NULL},
    {OA_CORE "Service", "A named abstraction of software service.", service, "/v1/Service", 0,
     NULL},
    {OA_CORE "ServiceSpec", "The attributes a user creates on a service.", service_spec, NULL, 0,
     NULL},
    {OA_CORE "ServicePort", "Information on a service's port.", service_port, NULL, 0, NULL},
    {OA_CORE "SessionAffinityConfig", "The configurations of session affinity.",
     session_affinity_config, NULL, 0, NULL},
    {OA_CORE "ClientIPConfig", "Configurations of Client IP based session affinity.",
     client_ip_config, NULL, 0, NULL},
    {OA_CORE "ServiceStatus", "The current status of a service.", service_status, NULL, 0, NULL},
    {OA_CORE "LoadBalancerStatus", "The status of a load-balancer.", load_balancer_status, NULL, 0,
     NULL},
    {OA_CORE "LoadBalancerIngress", "An ingress point for a load-balancer.", load_balancer_ingress,
     NULL, 0, NULL},
    {OA_CORE "PortStatus", "The status of a service port.", port_status, NULL, 0, NULL},
    {OA_CORE "Endpoints", "A collection of endpoints that implement the actual service.", endpoints,
     "/v1/Endpoints", 0, NULL},
    {OA_CORE "EndpointSubset", "A group of addresses with a common set of ports.", endpoint_subset,
     NULL, 0, NULL},
    {OA_CORE "EndpointAddress", "A single IP address.", endpoint_address, NULL, OA_T_ATOMIC, NULL},
    {OA_CORE "EndpointPort", "A port used by an EndpointPort.", endpoint_port, NULL, OA_T_ATOMIC,
     NULL},
    {OA_CORE "ObjectReference", "Enough information to inspect or modify the referred object.",
     object_reference, NULL, OA_T_ATOMIC, NULL},
    {OA_CORE "TypedLocalObjectReference", "A reference to a typed object in the namespace.",
     typed_local_object_reference, NULL, OA_T_ATOMIC, NULL},
    {OA_CORE "Node", "A worker node in Kubernetes.", node, "/v1/Node", 0, NULL},
    {OA_CORE "NodeSpec", "The attributes a node is created with.", node_spec, NULL, 0, NULL},
    {OA_CORE "Taint", "A node taint that repels pods not tolerating it.", taint, NULL, 0, NULL},
    {OA_CORE "NodeStatus", "The current status of a node.", node_status, NULL, 0, NULL},
    {OA_CORE "NodeAddress", "Information for the node's address.", node_address, NULL, 0, NULL},
    {OA_CORE "NodeCondition", "Condition information for a node.", node_condition, NULL, 0, NULL},
    {OA_CORE "NodeDaemonEndpoints", "Ports opened by daemons running on the Node.",
     node_daemon_endpoints, NULL, 0, NULL},
    {OA_CORE "DaemonEndpoint", "Information about a single daemon endpoint.", daemon_endpoint, NULL,
     0, NULL},
    {OA_CORE "ContainerImage", "A container image.", container_image, NULL, 0, NULL},
    {OA_CORE "NodeSystemInfo", "A set of ids/uuids to uniquely identify the node.",
     node_system_info, NULL, 0, NULL},
    {OA_CORE "Secret", "Holds secret data of a certain type.", secret, "/v1/Secret", 0, NULL},
    {OA_CORE "Event", "A report of an event somewhere in the cluster.", event, "/v1/Event", 0,
     NULL},
    {OA_CORE "EventSeries", "Information on a series of events.", event_series, NULL, 0, NULL},
    {OA_CORE "EventSource", "The source from which an event is generated.", event_source, NULL, 0,
     NULL},
    {NULL, NULL, NULL, NULL, 0, NULL},
};
