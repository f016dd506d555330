/*
 * k8spb_schema.c - protobuf tables for object metadata, DeleteOptions and
 * every served kind except Pod (see k8spb_schema.h for where the numbers and
 * names come from), plus the kind table k8spb_decode dispatches on.
 *
 * Tables are listed leaves first so each one is defined before it is used.
 */
#include "api/k8spb_schema.h"

#include <stddef.h>

static const struct k8spb_field meta_OwnerReference_f[] = {
    {5, K8SPB_STRING, K8SPB_KEEPZERO, "apiVersion", NULL},
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "kind", NULL},
    {3, K8SPB_STRING, K8SPB_KEEPZERO, "name", NULL},
    {4, K8SPB_STRING, K8SPB_KEEPZERO, "uid", NULL},
    {6, K8SPB_BOOL, K8SPB_KEEPZERO, "controller", NULL},
    {7, K8SPB_BOOL, K8SPB_KEEPZERO, "blockOwnerDeletion", NULL},
};
K8SPB_TABLE(meta, OwnerReference);

static const struct k8spb_field meta_ManagedFieldsEntry_f[] = {
    {1, K8SPB_STRING, 0, "manager", NULL},     {2, K8SPB_STRING, 0, "operation", NULL},
    {3, K8SPB_STRING, 0, "apiVersion", NULL},  {4, K8SPB_TIME, 0, "time", NULL},
    {6, K8SPB_STRING, 0, "fieldsType", NULL},  {7, K8SPB_FIELDSV1, 0, "fieldsV1", NULL},
    {8, K8SPB_STRING, 0, "subresource", NULL},
};
K8SPB_TABLE(meta, ManagedFieldsEntry);

static const struct k8spb_field meta_ObjectMeta_f[] = {
    {1, K8SPB_STRING, 0, "name", NULL},
    {2, K8SPB_STRING, 0, "generateName", NULL},
    {3, K8SPB_STRING, 0, "namespace", NULL},
    {4, K8SPB_STRING, 0, "selfLink", NULL},
    {5, K8SPB_STRING, 0, "uid", NULL},
    {6, K8SPB_STRING, 0, "resourceVersion", NULL},
    {7, K8SPB_INT64, 0, "generation", NULL},
    {8, K8SPB_TIME, 0, "creationTimestamp", NULL},
    {9, K8SPB_TIME, 0, "deletionTimestamp", NULL},
    {10, K8SPB_INT64, K8SPB_KEEPZERO, "deletionGracePeriodSeconds", NULL},
    {11, K8SPB_MAP_STRING, 0, "labels", NULL},
    {12, K8SPB_MAP_STRING, 0, "annotations", NULL},
    {13, K8SPB_MESSAGE, K8SPB_REPEATED, "ownerReferences", &k8spb_meta_OwnerReference},
    {14, K8SPB_STRING, K8SPB_REPEATED, "finalizers", NULL},
    {17, K8SPB_MESSAGE, K8SPB_REPEATED, "managedFields", &k8spb_meta_ManagedFieldsEntry},
};
K8SPB_TABLE_EXPORT(meta, ObjectMeta);

static const struct k8spb_field core_NamespaceSpec_f[] = {
    {1, K8SPB_STRING, K8SPB_REPEATED, "finalizers", NULL},
};
K8SPB_TABLE(core, NamespaceSpec);

static const struct k8spb_field core_NamespaceCondition_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "type", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "status", NULL},
    {4, K8SPB_TIME, 0, "lastTransitionTime", NULL},
    {5, K8SPB_STRING, 0, "reason", NULL},
    {6, K8SPB_STRING, 0, "message", NULL},
};
K8SPB_TABLE(core, NamespaceCondition);

static const struct k8spb_field core_NamespaceStatus_f[] = {
    {1, K8SPB_STRING, 0, "phase", NULL},
    {2, K8SPB_MESSAGE, K8SPB_REPEATED, "conditions", &k8spb_core_NamespaceCondition},
};
K8SPB_TABLE(core, NamespaceStatus);

static const struct k8spb_field core_Namespace_f[] = {
    {1, K8SPB_MESSAGE, 0, "metadata", &k8spb_meta_ObjectMeta},
    {2, K8SPB_MESSAGE, 0, "spec", &k8spb_core_NamespaceSpec},
    {3, K8SPB_MESSAGE, 0, "status", &k8spb_core_NamespaceStatus},
};
K8SPB_TABLE_EXPORT(core, Namespace);

static const struct k8spb_field core_ServicePort_f[] = {
    {1, K8SPB_STRING, 0, "name", NULL},
    {2, K8SPB_STRING, 0, "protocol", NULL},
    {6, K8SPB_STRING, K8SPB_KEEPZERO, "appProtocol", NULL},
    {3, K8SPB_INT32, K8SPB_KEEPZERO, "port", NULL},
    {4, K8SPB_INTSTR, 0, "targetPort", NULL},
    {5, K8SPB_INT32, 0, "nodePort", NULL},
};
K8SPB_TABLE(core, ServicePort);

static const struct k8spb_field core_ClientIPConfig_f[] = {
    {1, K8SPB_INT32, K8SPB_KEEPZERO, "timeoutSeconds", NULL},
};
K8SPB_TABLE(core, ClientIPConfig);

static const struct k8spb_field core_SessionAffinityConfig_f[] = {
    {1, K8SPB_MESSAGE, 0, "clientIP", &k8spb_core_ClientIPConfig},
};
K8SPB_TABLE(core, SessionAffinityConfig);

static const struct k8spb_field core_ServiceSpec_f[] = {
    {1, K8SPB_MESSAGE, K8SPB_REPEATED, "ports", &k8spb_core_ServicePort},
    {2, K8SPB_MAP_STRING, 0, "selector", NULL},
    {3, K8SPB_STRING, 0, "clusterIP", NULL},
    {18, K8SPB_STRING, K8SPB_REPEATED, "clusterIPs", NULL},
    {4, K8SPB_STRING, 0, "type", NULL},
    {5, K8SPB_STRING, K8SPB_REPEATED, "externalIPs", NULL},
    {7, K8SPB_STRING, 0, "sessionAffinity", NULL},
    {8, K8SPB_STRING, 0, "loadBalancerIP", NULL},
    {9, K8SPB_STRING, K8SPB_REPEATED, "loadBalancerSourceRanges", NULL},
    {10, K8SPB_STRING, 0, "externalName", NULL},
    {11, K8SPB_STRING, 0, "externalTrafficPolicy", NULL},
    {12, K8SPB_INT32, 0, "healthCheckNodePort", NULL},
    {13, K8SPB_BOOL, 0, "publishNotReadyAddresses", NULL},
    {14, K8SPB_MESSAGE, 0, "sessionAffinityConfig", &k8spb_core_SessionAffinityConfig},
    {19, K8SPB_STRING, K8SPB_REPEATED, "ipFamilies", NULL},
    {17, K8SPB_STRING, K8SPB_KEEPZERO, "ipFamilyPolicy", NULL},
    {20, K8SPB_BOOL, K8SPB_KEEPZERO, "allocateLoadBalancerNodePorts", NULL},
    {21, K8SPB_STRING, K8SPB_KEEPZERO, "loadBalancerClass", NULL},
    {22, K8SPB_STRING, K8SPB_KEEPZERO, "internalTrafficPolicy", NULL},
    {23, K8SPB_STRING, K8SPB_KEEPZERO, "trafficDistribution", NULL},
};
K8SPB_TABLE(core, ServiceSpec);

static const struct k8spb_field core_PortStatus_f[] = {
    {1, K8SPB_INT32, K8SPB_KEEPZERO, "port", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "protocol", NULL},
    {3, K8SPB_STRING, K8SPB_KEEPZERO, "error", NULL},
};
K8SPB_TABLE(core, PortStatus);

static const struct k8spb_field core_LoadBalancerIngress_f[] = {
    {1, K8SPB_STRING, 0, "ip", NULL},
    {2, K8SPB_STRING, 0, "hostname", NULL},
    {3, K8SPB_STRING, K8SPB_KEEPZERO, "ipMode", NULL},
    {4, K8SPB_MESSAGE, K8SPB_REPEATED, "ports", &k8spb_core_PortStatus},
};
K8SPB_TABLE(core, LoadBalancerIngress);

static const struct k8spb_field core_LoadBalancerStatus_f[] = {
    {1, K8SPB_MESSAGE, K8SPB_REPEATED, "ingress", &k8spb_core_LoadBalancerIngress},
};
K8SPB_TABLE(core, LoadBalancerStatus);

static const struct k8spb_field meta_Condition_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "type", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "status", NULL},
    {3, K8SPB_INT64, 0, "observedGeneration", NULL},
    {4, K8SPB_TIME, 0, "lastTransitionTime", NULL},
    {5, K8SPB_STRING, K8SPB_KEEPZERO, "reason", NULL},
    {6, K8SPB_STRING, K8SPB_KEEPZERO, "message", NULL},
};
K8SPB_TABLE(meta, Condition);

static const struct k8spb_field core_ServiceStatus_f[] = {
    {1, K8SPB_MESSAGE, 0, "loadBalancer", &k8spb_core_LoadBalancerStatus},
    {2, K8SPB_MESSAGE, K8SPB_REPEATED, "conditions", &k8spb_meta_Condition},
};
K8SPB_TABLE(core, ServiceStatus);

static const struct k8spb_field core_Service_f[] = {
    {1, K8SPB_MESSAGE, 0, "metadata", &k8spb_meta_ObjectMeta},
    {2, K8SPB_MESSAGE, 0, "spec", &k8spb_core_ServiceSpec},
    {3, K8SPB_MESSAGE, 0, "status", &k8spb_core_ServiceStatus},
};
K8SPB_TABLE_EXPORT(core, Service);

static const struct k8spb_field core_Secret_f[] = {
    {1, K8SPB_MESSAGE, 0, "metadata", &k8spb_meta_ObjectMeta},
    {5, K8SPB_BOOL, K8SPB_KEEPZERO, "immutable", NULL},
    {2, K8SPB_MAP_BYTES, 0, "data", NULL},
    {4, K8SPB_MAP_STRING, 0, "stringData", NULL},
    {3, K8SPB_STRING, 0, "type", NULL},
};
K8SPB_TABLE_EXPORT(core, Secret);

static const struct k8spb_field core_ConfigMap_f[] = {
    {1, K8SPB_MESSAGE, 0, "metadata", &k8spb_meta_ObjectMeta},
    {4, K8SPB_BOOL, K8SPB_KEEPZERO, "immutable", NULL},
    {2, K8SPB_MAP_STRING, 0, "data", NULL},
    {3, K8SPB_MAP_BYTES, 0, "binaryData", NULL},
};
K8SPB_TABLE_EXPORT(core, ConfigMap);

static const struct k8spb_field core_Taint_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "key", NULL},
    {2, K8SPB_STRING, 0, "value", NULL},
    {3, K8SPB_STRING, K8SPB_KEEPZERO, "effect", NULL},
    {4, K8SPB_TIME, 0, "timeAdded", NULL},
};
K8SPB_TABLE(core, Taint);

static const struct k8spb_field core_ConfigMapNodeConfigSource_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "namespace", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "name", NULL},
    {3, K8SPB_STRING, 0, "uid", NULL},
    {4, K8SPB_STRING, 0, "resourceVersion", NULL},
    {5, K8SPB_STRING, K8SPB_KEEPZERO, "kubeletConfigKey", NULL},
};
K8SPB_TABLE(core, ConfigMapNodeConfigSource);

static const struct k8spb_field core_NodeConfigSource_f[] = {
    {2, K8SPB_MESSAGE, 0, "configMap", &k8spb_core_ConfigMapNodeConfigSource},
};
K8SPB_TABLE(core, NodeConfigSource);

static const struct k8spb_field core_NodeSpec_f[] = {
    {1, K8SPB_STRING, 0, "podCIDR", NULL},
    {7, K8SPB_STRING, K8SPB_REPEATED, "podCIDRs", NULL},
    {3, K8SPB_STRING, 0, "providerID", NULL},
    {4, K8SPB_BOOL, 0, "unschedulable", NULL},
    {5, K8SPB_MESSAGE, K8SPB_REPEATED, "taints", &k8spb_core_Taint},
    {6, K8SPB_MESSAGE, 0, "configSource", &k8spb_core_NodeConfigSource},
    {2, K8SPB_STRING, 0, "externalID", NULL},
};
K8SPB_TABLE(core, NodeSpec);

static const struct k8spb_field core_NodeCondition_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "type", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "status", NULL},
    {3, K8SPB_TIME, 0, "lastHeartbeatTime", NULL},
    {4, K8SPB_TIME, 0, "lastTransitionTime", NULL},
    {5, K8SPB_STRING, 0, "reason", NULL},
    {6, K8SPB_STRING, 0, "message", NULL},
};
K8SPB_TABLE(core, NodeCondition);

static const struct k8spb_field core_NodeAddress_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "type", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "address", NULL},
};
K8SPB_TABLE(core, NodeAddress);

static const struct k8spb_field core_DaemonEndpoint_f[] = {
    {1, K8SPB_INT32, K8SPB_KEEPZERO, "Port", NULL},
};
K8SPB_TABLE(core, DaemonEndpoint);

static const struct k8spb_field core_NodeDaemonEndpoints_f[] = {
    {1, K8SPB_MESSAGE, 0, "kubeletEndpoint", &k8spb_core_DaemonEndpoint},
};
K8SPB_TABLE(core, NodeDaemonEndpoints);

static const struct k8spb_field core_NodeSystemInfo_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "machineID", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "systemUUID", NULL},
    {3, K8SPB_STRING, K8SPB_KEEPZERO, "bootID", NULL},
    {4, K8SPB_STRING, K8SPB_KEEPZERO, "kernelVersion", NULL},
    {5, K8SPB_STRING, K8SPB_KEEPZERO, "osImage", NULL},
    {6, K8SPB_STRING, K8SPB_KEEPZERO, "containerRuntimeVersion", NULL},
    {7, K8SPB_STRING, K8SPB_KEEPZERO, "kubeletVersion", NULL},
    {8, K8SPB_STRING, K8SPB_KEEPZERO, "kubeProxyVersion", NULL},
    {9, K8SPB_STRING, K8SPB_KEEPZERO, "operatingSystem", NULL},
    {10, K8SPB_STRING, K8SPB_KEEPZERO, "architecture", NULL},
};
K8SPB_TABLE(core, NodeSystemInfo);

static const struct k8spb_field core_ContainerImage_f[] = {
    {1, K8SPB_STRING, K8SPB_REPEATED, "names", NULL},
    {2, K8SPB_INT64, 0, "sizeBytes", NULL},
};
K8SPB_TABLE(core, ContainerImage);

static const struct k8spb_field core_AttachedVolume_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "name", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "devicePath", NULL},
};
K8SPB_TABLE(core, AttachedVolume);

static const struct k8spb_field core_NodeConfigStatus_f[] = {
    {1, K8SPB_MESSAGE, 0, "assigned", &k8spb_core_NodeConfigSource},
    {2, K8SPB_MESSAGE, 0, "active", &k8spb_core_NodeConfigSource},
    {3, K8SPB_MESSAGE, 0, "lastKnownGood", &k8spb_core_NodeConfigSource},
    {4, K8SPB_STRING, 0, "error", NULL},
};
K8SPB_TABLE(core, NodeConfigStatus);

static const struct k8spb_field core_NodeRuntimeHandlerFeatures_f[] = {
    {1, K8SPB_BOOL, K8SPB_KEEPZERO, "recursiveReadOnlyMounts", NULL},
    {2, K8SPB_BOOL, K8SPB_KEEPZERO, "userNamespaces", NULL},
};
K8SPB_TABLE(core, NodeRuntimeHandlerFeatures);

static const struct k8spb_field core_NodeRuntimeHandler_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "name", NULL},
    {2, K8SPB_MESSAGE, 0, "features", &k8spb_core_NodeRuntimeHandlerFeatures},
};
K8SPB_TABLE(core, NodeRuntimeHandler);

static const struct k8spb_field core_NodeFeatures_f[] = {
    {1, K8SPB_BOOL, K8SPB_KEEPZERO, "supplementalGroupsPolicy", NULL},
};
K8SPB_TABLE(core, NodeFeatures);

static const struct k8spb_field core_NodeStatus_f[] = {
    {1, K8SPB_MAP_QUANTITY, 0, "capacity", NULL},
    {2, K8SPB_MAP_QUANTITY, 0, "allocatable", NULL},
    {3, K8SPB_STRING, 0, "phase", NULL},
    {4, K8SPB_MESSAGE, K8SPB_REPEATED, "conditions", &k8spb_core_NodeCondition},
    {5, K8SPB_MESSAGE, K8SPB_REPEATED, "addresses", &k8spb_core_NodeAddress},
    {6, K8SPB_MESSAGE, 0, "daemonEndpoints", &k8spb_core_NodeDaemonEndpoints},
    {7, K8SPB_MESSAGE, 0, "nodeInfo", &k8spb_core_NodeSystemInfo},
    {8, K8SPB_MESSAGE, K8SPB_REPEATED, "images", &k8spb_core_ContainerImage},
    {9, K8SPB_STRING, K8SPB_REPEATED, "volumesInUse", NULL},
    {10, K8SPB_MESSAGE, K8SPB_REPEATED, "volumesAttached", &k8spb_core_AttachedVolume},
    {11, K8SPB_MESSAGE, 0, "config", &k8spb_core_NodeConfigStatus},
    {12, K8SPB_MESSAGE, K8SPB_REPEATED, "runtimeHandlers", &k8spb_core_NodeRuntimeHandler},
    {13, K8SPB_MESSAGE, 0, "features", &k8spb_core_NodeFeatures},
};
K8SPB_TABLE(core, NodeStatus);

static const struct k8spb_field core_Node_f[] = {
    {1, K8SPB_MESSAGE, 0, "metadata", &k8spb_meta_ObjectMeta},
    {2, K8SPB_MESSAGE, 0, "spec", &k8spb_core_NodeSpec},
    {3, K8SPB_MESSAGE, 0, "status", &k8spb_core_NodeStatus},
};
K8SPB_TABLE_EXPORT(core, Node);

static const struct k8spb_field core_ObjectReference_f[] = {
    {1, K8SPB_STRING, 0, "kind", NULL},       {2, K8SPB_STRING, 0, "namespace", NULL},
    {3, K8SPB_STRING, 0, "name", NULL},       {4, K8SPB_STRING, 0, "uid", NULL},
    {5, K8SPB_STRING, 0, "apiVersion", NULL}, {6, K8SPB_STRING, 0, "resourceVersion", NULL},
    {7, K8SPB_STRING, 0, "fieldPath", NULL},
};
K8SPB_TABLE(core, ObjectReference);

static const struct k8spb_field core_EndpointAddress_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "ip", NULL},
    {3, K8SPB_STRING, 0, "hostname", NULL},
    {4, K8SPB_STRING, K8SPB_KEEPZERO, "nodeName", NULL},
    {2, K8SPB_MESSAGE, 0, "targetRef", &k8spb_core_ObjectReference},
};
K8SPB_TABLE(core, EndpointAddress);

static const struct k8spb_field core_EndpointPort_f[] = {
    {1, K8SPB_STRING, 0, "name", NULL},
    {2, K8SPB_INT32, K8SPB_KEEPZERO, "port", NULL},
    {3, K8SPB_STRING, 0, "protocol", NULL},
    {4, K8SPB_STRING, K8SPB_KEEPZERO, "appProtocol", NULL},
};
K8SPB_TABLE(core, EndpointPort);

static const struct k8spb_field core_EndpointSubset_f[] = {
    {1, K8SPB_MESSAGE, K8SPB_REPEATED, "addresses", &k8spb_core_EndpointAddress},
    {2, K8SPB_MESSAGE, K8SPB_REPEATED, "notReadyAddresses", &k8spb_core_EndpointAddress},
    {3, K8SPB_MESSAGE, K8SPB_REPEATED, "ports", &k8spb_core_EndpointPort},
};
K8SPB_TABLE(core, EndpointSubset);

static const struct k8spb_field core_Endpoints_f[] = {
    {1, K8SPB_MESSAGE, 0, "metadata", &k8spb_meta_ObjectMeta},
    {2, K8SPB_MESSAGE, K8SPB_REPEATED, "subsets", &k8spb_core_EndpointSubset},
};
K8SPB_TABLE_EXPORT(core, Endpoints);

static const struct k8spb_field core_EventSource_f[] = {
    {1, K8SPB_STRING, 0, "component", NULL},
    {2, K8SPB_STRING, 0, "host", NULL},
};
K8SPB_TABLE(core, EventSource);

static const struct k8spb_field core_EventSeries_f[] = {
    {1, K8SPB_INT32, 0, "count", NULL},
    {2, K8SPB_MICROTIME, 0, "lastObservedTime", NULL},
};
K8SPB_TABLE(core, EventSeries);

static const struct k8spb_field core_Event_f[] = {
    {1, K8SPB_MESSAGE, 0, "metadata", &k8spb_meta_ObjectMeta},
    {2, K8SPB_MESSAGE, 0, "involvedObject", &k8spb_core_ObjectReference},
    {3, K8SPB_STRING, 0, "reason", NULL},
    {4, K8SPB_STRING, 0, "message", NULL},
    {5, K8SPB_MESSAGE, 0, "source", &k8spb_core_EventSource},
    {6, K8SPB_TIME, 0, "firstTimestamp", NULL},
    {7, K8SPB_TIME, 0, "lastTimestamp", NULL},
    {8, K8SPB_INT32, 0, "count", NULL},
    {9, K8SPB_STRING, 0, "type", NULL},
    {10, K8SPB_MICROTIME, 0, "eventTime", NULL},
    {11, K8SPB_MESSAGE, 0, "series", &k8spb_core_EventSeries},
    {12, K8SPB_STRING, 0, "action", NULL},
    {13, K8SPB_MESSAGE, 0, "related", &k8spb_core_ObjectReference},
    {14, K8SPB_STRING, K8SPB_KEEPZERO, "reportingComponent", NULL},
    {15, K8SPB_STRING, K8SPB_KEEPZERO, "reportingInstance", NULL},
};
K8SPB_TABLE_EXPORT(core, Event);

static const struct k8spb_field discovery_EndpointConditions_f[] = {
    {1, K8SPB_BOOL, K8SPB_KEEPZERO, "ready", NULL},
    {2, K8SPB_BOOL, K8SPB_KEEPZERO, "serving", NULL},
    {3, K8SPB_BOOL, K8SPB_KEEPZERO, "terminating", NULL},
};
K8SPB_TABLE(discovery, EndpointConditions);

static const struct k8spb_field discovery_ForZone_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "name", NULL},
};
K8SPB_TABLE(discovery, ForZone);

static const struct k8spb_field discovery_EndpointHints_f[] = {
    {1, K8SPB_MESSAGE, K8SPB_REPEATED, "forZones", &k8spb_discovery_ForZone},
};
K8SPB_TABLE(discovery, EndpointHints);

static const struct k8spb_field discovery_Endpoint_f[] = {
    {1, K8SPB_STRING, K8SPB_REPEATED, "addresses", NULL},
    {2, K8SPB_MESSAGE, 0, "conditions", &k8spb_discovery_EndpointConditions},
    {3, K8SPB_STRING, K8SPB_KEEPZERO, "hostname", NULL},
    {4, K8SPB_MESSAGE, 0, "targetRef", &k8spb_core_ObjectReference},
    {5, K8SPB_MAP_STRING, 0, "deprecatedTopology", NULL},
    {6, K8SPB_STRING, K8SPB_KEEPZERO, "nodeName", NULL},
    {7, K8SPB_STRING, K8SPB_KEEPZERO, "zone", NULL},
    {8, K8SPB_MESSAGE, 0, "hints", &k8spb_discovery_EndpointHints},
};
K8SPB_TABLE(discovery, Endpoint);

static const struct k8spb_field discovery_EndpointPort_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "name", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "protocol", NULL},
    {3, K8SPB_INT32, K8SPB_KEEPZERO, "port", NULL},
    {4, K8SPB_STRING, K8SPB_KEEPZERO, "appProtocol", NULL},
};
K8SPB_TABLE(discovery, EndpointPort);

static const struct k8spb_field discovery_EndpointSlice_f[] = {
    {1, K8SPB_MESSAGE, 0, "metadata", &k8spb_meta_ObjectMeta},
    {4, K8SPB_STRING, K8SPB_KEEPZERO, "addressType", NULL},
    {2, K8SPB_MESSAGE, K8SPB_REPEATED, "endpoints", &k8spb_discovery_Endpoint},
    {3, K8SPB_MESSAGE, K8SPB_REPEATED, "ports", &k8spb_discovery_EndpointPort},
};
K8SPB_TABLE_EXPORT(discovery, EndpointSlice);

static const struct k8spb_field networking_ServiceBackendPort_f[] = {
    {1, K8SPB_STRING, 0, "name", NULL},
    {2, K8SPB_INT32, 0, "number", NULL},
};
K8SPB_TABLE(networking, ServiceBackendPort);

static const struct k8spb_field networking_IngressServiceBackend_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "name", NULL},
    {2, K8SPB_MESSAGE, 0, "port", &k8spb_networking_ServiceBackendPort},
};
K8SPB_TABLE(networking, IngressServiceBackend);

static const struct k8spb_field core_TypedLocalObjectReference_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "apiGroup", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "kind", NULL},
    {3, K8SPB_STRING, K8SPB_KEEPZERO, "name", NULL},
};
K8SPB_TABLE_EXPORT(core, TypedLocalObjectReference);

static const struct k8spb_field networking_IngressBackend_f[] = {
    {4, K8SPB_MESSAGE, 0, "service", &k8spb_networking_IngressServiceBackend},
    {3, K8SPB_MESSAGE, 0, "resource", &k8spb_core_TypedLocalObjectReference},
};
K8SPB_TABLE(networking, IngressBackend);

static const struct k8spb_field networking_IngressTLS_f[] = {
    {1, K8SPB_STRING, K8SPB_REPEATED, "hosts", NULL},
    {2, K8SPB_STRING, 0, "secretName", NULL},
};
K8SPB_TABLE(networking, IngressTLS);

static const struct k8spb_field networking_HTTPIngressPath_f[] = {
    {1, K8SPB_STRING, 0, "path", NULL},
    {3, K8SPB_STRING, K8SPB_KEEPZERO, "pathType", NULL},
    {2, K8SPB_MESSAGE, 0, "backend", &k8spb_networking_IngressBackend},
};
K8SPB_TABLE(networking, HTTPIngressPath);

static const struct k8spb_field networking_HTTPIngressRuleValue_f[] = {
    {1, K8SPB_MESSAGE, K8SPB_REPEATED, "paths", &k8spb_networking_HTTPIngressPath},
};
K8SPB_TABLE(networking, HTTPIngressRuleValue);

static const struct k8spb_field networking_IngressRuleValue_f[] = {
    {1, K8SPB_MESSAGE, 0, "http", &k8spb_networking_HTTPIngressRuleValue},
};
K8SPB_TABLE(networking, IngressRuleValue);

static const struct k8spb_field networking_IngressRule_f[] = {
    {1, K8SPB_STRING, 0, "host", NULL},
    {2, K8SPB_INLINE, 0, NULL, &k8spb_networking_IngressRuleValue},
};
K8SPB_TABLE(networking, IngressRule);

static const struct k8spb_field networking_IngressSpec_f[] = {
    {4, K8SPB_STRING, K8SPB_KEEPZERO, "ingressClassName", NULL},
    {1, K8SPB_MESSAGE, 0, "defaultBackend", &k8spb_networking_IngressBackend},
    {2, K8SPB_MESSAGE, K8SPB_REPEATED, "tls", &k8spb_networking_IngressTLS},
    {3, K8SPB_MESSAGE, K8SPB_REPEATED, "rules", &k8spb_networking_IngressRule},
};
K8SPB_TABLE(networking, IngressSpec);

static const struct k8spb_field networking_IngressPortStatus_f[] = {
    {1, K8SPB_INT32, K8SPB_KEEPZERO, "port", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "protocol", NULL},
    {3, K8SPB_STRING, K8SPB_KEEPZERO, "error", NULL},
};
K8SPB_TABLE(networking, IngressPortStatus);

static const struct k8spb_field networking_IngressLoadBalancerIngress_f[] = {
    {1, K8SPB_STRING, 0, "ip", NULL},
    {2, K8SPB_STRING, 0, "hostname", NULL},
    {4, K8SPB_MESSAGE, K8SPB_REPEATED, "ports", &k8spb_networking_IngressPortStatus},
};
K8SPB_TABLE(networking, IngressLoadBalancerIngress);

static const struct k8spb_field networking_IngressLoadBalancerStatus_f[] = {
    {1, K8SPB_MESSAGE, K8SPB_REPEATED, "ingress", &k8spb_networking_IngressLoadBalancerIngress},
};
K8SPB_TABLE(networking, IngressLoadBalancerStatus);

static const struct k8spb_field networking_IngressStatus_f[] = {
    {1, K8SPB_MESSAGE, 0, "loadBalancer", &k8spb_networking_IngressLoadBalancerStatus},
};
K8SPB_TABLE(networking, IngressStatus);

static const struct k8spb_field networking_Ingress_f[] = {
    {1, K8SPB_MESSAGE, 0, "metadata", &k8spb_meta_ObjectMeta},
    {2, K8SPB_MESSAGE, 0, "spec", &k8spb_networking_IngressSpec},
    {3, K8SPB_MESSAGE, 0, "status", &k8spb_networking_IngressStatus},
};
K8SPB_TABLE_EXPORT(networking, Ingress);

static const struct k8spb_field networking_IngressClassParametersReference_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "apiGroup", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "kind", NULL},
    {3, K8SPB_STRING, K8SPB_KEEPZERO, "name", NULL},
    {4, K8SPB_STRING, K8SPB_KEEPZERO, "scope", NULL},
    {5, K8SPB_STRING, K8SPB_KEEPZERO, "namespace", NULL},
};
K8SPB_TABLE(networking, IngressClassParametersReference);

static const struct k8spb_field networking_IngressClassSpec_f[] = {
    {1, K8SPB_STRING, 0, "controller", NULL},
    {2, K8SPB_MESSAGE, 0, "parameters", &k8spb_networking_IngressClassParametersReference},
};
K8SPB_TABLE(networking, IngressClassSpec);

static const struct k8spb_field networking_IngressClass_f[] = {
    {1, K8SPB_MESSAGE, 0, "metadata", &k8spb_meta_ObjectMeta},
    {2, K8SPB_MESSAGE, 0, "spec", &k8spb_networking_IngressClassSpec},
};
K8SPB_TABLE_EXPORT(networking, IngressClass);

static const struct k8spb_field meta_Preconditions_f[] = {
    {1, K8SPB_STRING, K8SPB_KEEPZERO, "uid", NULL},
    {2, K8SPB_STRING, K8SPB_KEEPZERO, "resourceVersion", NULL},
};
K8SPB_TABLE(meta, Preconditions);

static const struct k8spb_field meta_DeleteOptions_f[] = {
    {1, K8SPB_INT64, K8SPB_KEEPZERO, "gracePeriodSeconds", NULL},
    {2, K8SPB_MESSAGE, 0, "preconditions", &k8spb_meta_Preconditions},
    {3, K8SPB_BOOL, K8SPB_KEEPZERO, "orphanDependents", NULL},
    {4, K8SPB_STRING, K8SPB_KEEPZERO, "propagationPolicy", NULL},
    {5, K8SPB_STRING, K8SPB_REPEATED, "dryRun", NULL},
    {6, K8SPB_BOOL, K8SPB_KEEPZERO, "ignoreStoreReadErrorWithClusterBreakingPotential", NULL},
};
K8SPB_TABLE_EXPORT(meta, DeleteOptions);

const struct k8spb_root k8spb_roots[] = {
    {"v1", "Namespace", &k8spb_core_Namespace},
    {"v1", "Service", &k8spb_core_Service},
    {"v1", "Secret", &k8spb_core_Secret},
    {"v1", "ConfigMap", &k8spb_core_ConfigMap},
    {"v1", "Pod", &k8spb_core_Pod},
    {"v1", "Node", &k8spb_core_Node},
    {"v1", "Endpoints", &k8spb_core_Endpoints},
    {"v1", "Event", &k8spb_core_Event},
    {"discovery.k8s.io/v1", "EndpointSlice", &k8spb_discovery_EndpointSlice},
    {"networking.k8s.io/v1", "Ingress", &k8spb_networking_Ingress},
    {"networking.k8s.io/v1", "IngressClass", &k8spb_networking_IngressClass},
    {NULL, "DeleteOptions", &k8spb_meta_DeleteOptions},
};

const size_t k8spb_nroots = sizeof(k8spb_roots) / sizeof(k8spb_roots[0]);
