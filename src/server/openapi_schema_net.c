/*
 * openapi_schema_net.c - discovery.k8s.io/v1 EndpointSlice and
 * networking.k8s.io/v1 Ingress and IngressClass.
 */
#include "server/openapi_schema.h"

#include <stddef.h>

static const struct oa_field endpoint_slice[] = {
    F_STR("addressType", "Type of address carried: IPv4, IPv6 or FQDN. Immutable.",
          .flags = OA_REQ | OA_DEF_STR),
    F_APIVERSION,
    F_AREF("endpoints", OA_DISC "Endpoint", "Unique endpoints in this slice (at most 1000).",
           .flags = OA_REQ, .list_type = "atomic"),
    F_KIND,
    F_METADATA,
    F_AREF("ports", OA_DISC "EndpointPort", "Network ports exposed by each endpoint.",
           .list_type = "atomic"),
    F_END,
};

static const struct oa_field endpoint[] = {
    F_ASTR("addresses", "Addresses of this endpoint, of the slice's addressType.", .flags = OA_REQ,
           .list_type = "set"),
    F_REF("conditions", OA_DISC "EndpointConditions", "Current status of the endpoint.",
          .flags = OA_DEF_OBJ),
    F_MSTR("deprecatedTopology", "Deprecated topology information from v1beta1."),
    F_REF("hints", OA_DISC "EndpointHints", "How the endpoint should be consumed."),
    F_STR("hostname", "Hostname of this endpoint, a DNS label."),
    F_STR("nodeName", "Name of the Node hosting this endpoint."),
    F_REF("targetRef", OA_CORE "ObjectReference", "The object that represents this endpoint."),
    F_STR("zone", "Name of the zone this endpoint exists in."),
    F_END,
};

static const struct oa_field endpoint_conditions[] = {
    F_BOOL("ready", "The endpoint is prepared to receive traffic."),
    F_BOOL("serving", "Like ready, but set regardless of the terminating state."),
    F_BOOL("terminating", "The endpoint is terminating."),
    F_END,
};

static const struct oa_field endpoint_hints[] = {
    F_AREF("forZones", OA_DISC "ForZone", "Zones this endpoint should be consumed by.",
           .list_type = "atomic"),
    F_END,
};

static const struct oa_field for_zone[] = {
    F_STR("name", "Name of the zone.", .flags = OA_REQ | OA_DEF_STR),
    F_END,
};

static const struct oa_field discovery_endpoint_port[] = {
    F_STR("appProtocol", "The application protocol for this port."),
    F_STR("name", "Name of this port; matches Service.ports[].name."),
    F_I32("port", "Port number of the endpoint; unset means all ports."),
    F_STR("protocol", "IP protocol for this port: TCP, UDP or SCTP. Defaults to TCP."),
    F_END,
};

static const struct oa_field ingress[] = {
    F_APIVERSION,
    F_KIND,
    F_METADATA,
    F_REF("spec", OA_NET "IngressSpec", "Desired state of the Ingress.", .flags = OA_DEF_OBJ),
    F_REF("status", OA_NET "IngressStatus", "Current state of the Ingress.", .flags = OA_DEF_OBJ),
    F_END,
};

static const struct oa_field ingress_spec[] = {
    F_REF("defaultBackend", OA_NET "IngressBackend", "Backend for requests matching no rule."),
    F_STR("ingressClassName", "Name of the IngressClass cluster resource."),
    F_AREF("rules", OA_NET "IngressRule", "Host rules used to configure the Ingress.",
           .list_type = "atomic"),
    F_AREF("tls", OA_NET "IngressTLS", "TLS configuration.", .list_type = "atomic"),
    F_END,
};

static const struct oa_field ingress_backend[] = {
    F_REF("resource", OA_CORE "TypedLocalObjectReference",
          "An object in the Ingress' namespace; exclusive with service."),
    F_REF("service", OA_NET "IngressServiceBackend", "A Service as a backend."),
    F_END,
};

static const struct oa_field ingress_service_backend[] = {
    F_STR("name", "The referenced service, in the Ingress' namespace.",
          .flags = OA_REQ | OA_DEF_STR),
    F_REF("port", OA_NET "ServiceBackendPort", "Port of the referenced service.",
          .flags = OA_DEF_OBJ),
    F_END,
};

static const struct oa_field service_backend_port[] = {
    F_STR("name", "The name of the port on the Service; exclusive with number."),
    F_I32("number", "The numerical port number on the Service; exclusive with name."),
    F_END,
};

static const struct oa_field ingress_rule[] = {
    F_STR("host", "Fully qualified domain name of a network host, may start with *."),
    F_REF("http", OA_NET "HTTPIngressRuleValue", "HTTP paths forwarded to backends."),
    F_END,
};

static const struct oa_field http_ingress_rule_value[] = {
    F_AREF("paths", OA_NET "HTTPIngressPath", "Paths mapped to backends.", .flags = OA_REQ,
           .list_type = "atomic"),
    F_END,
};

static const struct oa_field http_ingress_path[] = {
    F_REF("backend", OA_NET "IngressBackend", "Where matching traffic is sent.",
          .flags = OA_REQ | OA_DEF_OBJ),
    F_STR("path", "Matched against the path of an incoming request; starts with /."),
    F_STR("pathType", "Exact, Prefix or ImplementationSpecific.", .flags = OA_REQ),
    F_END,
};

static const struct oa_field ingress_tls[] = {
    F_ASTR("hosts", "Hosts included in the TLS certificate.", .list_type = "atomic"),
    F_STR("secretName", "Secret used to terminate TLS traffic on port 443."),
    F_END,
};

static const struct oa_field ingress_status[] = {
    F_REF("loadBalancer", OA_NET "IngressLoadBalancerStatus", "Current status of the LB.",
          .flags = OA_DEF_OBJ),
    F_END,
};

static const struct oa_field ingress_lb_status[] = {
    F_AREF("ingress", OA_NET "IngressLoadBalancerIngress", "Ingress points of the LB.",
           .list_type = "atomic"),
    F_END,
};

static const struct oa_field ingress_lb_ingress[] = {
    F_STR("hostname", "Set for ingress points that are DNS based."),
    F_STR("ip", "Set for ingress points that are IP based."),
    F_AREF("ports", OA_NET "IngressPortStatus", "Information about the ingress ports.",
           .list_type = "atomic"),
    F_END,
};

static const struct oa_field ingress_port_status[] = {
    F_STR("error", "Problem with the service port, CamelCase."),
    F_I32("port", "Port number of the ingress port.", .flags = OA_REQ, .dflt = "0"),
    F_STR("protocol", "Protocol of the ingress port.", .flags = OA_REQ | OA_DEF_STR),
    F_END,
};

static const struct oa_field ingress_class[] = {
    F_APIVERSION,
    F_KIND,
    F_METADATA,
    F_REF("spec", OA_NET "IngressClassSpec", "Desired state of the IngressClass.",
          .flags = OA_DEF_OBJ),
    F_END,
};

static const struct oa_field ingress_class_spec[] = {
    F_STR("controller", "Name of the controller that implements this class."),
    F_REF("parameters", OA_NET "IngressClassParametersReference",
          "Resource holding additional controller configuration."),
    F_END,
};

static const struct oa_field ingress_class_params[] = {
    F_STR("apiGroup", "The group of the referenced resource."),
    F_STR("kind", "The type of resource being referenced.", .flags = OA_REQ | OA_DEF_STR),
    F_STR("name", "The name of resource being referenced.", .flags = OA_REQ | OA_DEF_STR),
    F_STR("namespace", "Namespace of the resource when scope is Namespace."),
    F_STR("scope", "Cluster or Namespace. Defaults to Cluster."),
    F_END,
};

const struct oa_type oa_types_net[] = {
    {OA_DISC "EndpointSlice", "A subset of the endpoints that implement a service.", endpoint_slice,
     "discovery.k8s.io/v1/EndpointSlice", 0, NULL},
    {OA_DISC "Endpoint", "A single logical backend implementing a service.", endpoint, NULL, 0,
     NULL},
    {OA_DISC "EndpointConditions", "The current condition of an endpoint.", endpoint_conditions,
     NULL, 0, NULL},
    {OA_DISC "EndpointHints", "Hints on how an endpoint should be consumed.", endpoint_hints, NULL,
     0, NULL},
    {OA_DISC "ForZone", "A zone that should consume this endpoint.", for_zone, NULL, 0, NULL},
    {OA_DISC "EndpointPort", "A port used by an EndpointSlice.", discovery_endpoint_port, NULL,
     OA_T_ATOMIC, NULL},
    {OA_NET "Ingress", "A collection of rules that route external traffic to services.", ingress,
     "networking.k8s.io/v1/Ingress", 0, NULL},
    {OA_NET "IngressSpec", "The Ingress the user wishes to exist.", ingress_spec, NULL, 0, NULL},
    {OA_NET "IngressBackend", "The endpoint of a backend.", ingress_backend, NULL, 0, NULL},
    {OA_NET "IngressServiceBackend", "A referenced Service as a backend.", ingress_service_backend,
     NULL, 0, NULL},
    {OA_NET "ServiceBackendPort", "The service port being referenced.", service_backend_port, NULL,
     OA_T_ATOMIC, NULL},
    {OA_NET "IngressRule", "Maps the paths under a host to backends.", ingress_rule, NULL, 0, NULL},
    {OA_NET "HTTPIngressRuleValue", "A list of http selectors pointing to backends.",
     http_ingress_rule_value, NULL, 0, NULL},
    {OA_NET "HTTPIngressPath", "A path matched to a backend.", http_ingress_path, NULL, 0, NULL},
    {OA_NET "IngressTLS", "The transport layer security associated with an ingress.", ingress_tls,
     NULL, 0, NULL},
    {OA_NET "IngressStatus", "The current state of the Ingress.", ingress_status, NULL, 0, NULL},
    {OA_NET "IngressLoadBalancerStatus", "The status of a load-balancer.", ingress_lb_status, NULL,
     0, NULL},
    {OA_NET "IngressLoadBalancerIngress", "An ingress point for a load-balancer.",
     ingress_lb_ingress, NULL, 0, NULL},
    {OA_NET "IngressPortStatus", "The error condition of a service port.", ingress_port_status,
     NULL, 0, NULL},
    {OA_NET "IngressClass", "The class of an Ingress, referenced by ingressClassName.",
     ingress_class, "networking.k8s.io/v1/IngressClass", 0, NULL},
    {OA_NET "IngressClassSpec", "Information about the class of an Ingress.", ingress_class_spec,
     NULL, 0, NULL},
    {OA_NET "IngressClassParametersReference", "A reference to a controller parameters object.",
     ingress_class_params, NULL, 0, NULL},
    {NULL, NULL, NULL, NULL, 0, NULL},
};
