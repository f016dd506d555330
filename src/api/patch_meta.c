/*
 * patch_meta.c - strategic merge patch metadata of the served types.
 *
 * Transcribed from the patchStrategy/patchMergeKey struct tags in
 * k8s.io/api core/v1, discovery/v1, networking/v1 and apimachinery meta/v1.
 * Only fields that carry a tag, and the structs on the way to them, are
 * listed: a field absent from a table behaves as an atomic one, which is
 * what an untagged field is. Kinds whose types carry no tags below
 * ObjectMeta (Endpoints, EndpointSlice, Ingress, IngressClass, Secret, Event)
 * get the metadata-only table.
 */
#include "api/patch.h"

#include <string.h>

#define END                                                                                        \
	{                                                                                          \
		NULL, 0, NULL, NULL                                                                \
	}

static const struct patch_field object_meta_fields[] = {
    {"finalizers", PATCH_F_MERGE, NULL, NULL},
    {"ownerReferences", PATCH_F_MERGE, "uid", NULL},
    END,
};
static const struct patch_type object_meta = {"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
                                              object_meta_fields};

/* Container and EphemeralContainer (its EphemeralContainerCommon) share these. */
static const struct patch_field container_fields[] = {
    {"ports", PATCH_F_MERGE, "containerPort", NULL},
    {"env", PATCH_F_MERGE, "name", NULL},
    {"volumeMounts", PATCH_F_MERGE, "mountPath", NULL},
    {"volumeDevices", PATCH_F_MERGE, "devicePath", NULL},
    END,
};
static const struct patch_type container = {"io.k8s.api.core.v1.Container", container_fields};

static const struct patch_field pod_spec_fields[] = {
    {"volumes", PATCH_F_MERGE | PATCH_F_RETAIN_KEYS, "name", NULL},
    {"initContainers", PATCH_F_MERGE, "name", &container},
    {"containers", PATCH_F_MERGE, "name", &container},
    {"ephemeralContainers", PATCH_F_MERGE, "name", &container},
    {"imagePullSecrets", PATCH_F_MERGE, "name", NULL},
    {"hostAliases", PATCH_F_MERGE, "ip", NULL},
    {"topologySpreadConstraints", PATCH_F_MERGE, "topologyKey", NULL},
    {"schedulingGates", PATCH_F_MERGE, "name", NULL},
    {"resourceClaims", PATCH_F_MERGE | PATCH_F_RETAIN_KEYS, "name", NULL},
    END,
};
static const struct patch_type pod_spec = {"io.k8s.api.core.v1.PodSpec", pod_spec_fields};

static const struct patch_field pod_status_fields[] = {
    {"conditions", PATCH_F_MERGE, "type", NULL},
    {"podIPs", PATCH_F_MERGE, "ip", NULL},
    {"hostIPs", PATCH_F_MERGE, "ip", NULL},
    {"resourceClaimStatuses", PATCH_F_MERGE | PATCH_F_RETAIN_KEYS, "name", NULL},
    END,
};
static const struct patch_type pod_status = {"io.k8s.api.core.v1.PodStatus", pod_status_fields};

static const struct patch_field pod_fields[] = {
    {"metadata", 0, NULL, &object_meta},
    {"spec", 0, NULL, &pod_spec},
    {"status", 0, NULL, &pod_status},
    END,
};
static const struct patch_type pod = {"io.k8s.api.core.v1.Pod", pod_fields};

static const struct patch_field service_spec_fields[] = {
    {"ports", PATCH_F_MERGE, "port", NULL},
    END,
};
static const struct patch_type service_spec = {"io.k8s.api.core.v1.ServiceSpec",
                                               service_spec_fields};

/* ServiceStatus, NamespaceStatus and NodeStatus all merge conditions by type. */
static const struct patch_field conditions_status_fields[] = {
    {"conditions", PATCH_F_MERGE, "type", NULL},
    END,
};
static const struct patch_type service_status = {"io.k8s.api.core.v1.ServiceStatus",
                                                 conditions_status_fields};
static const struct patch_type namespace_status = {"io.k8s.api.core.v1.NamespaceStatus",
                                                   conditions_status_fields};

static const struct patch_field service_fields[] = {
    {"metadata", 0, NULL, &object_meta},
    {"spec", 0, NULL, &service_spec},
    {"status", 0, NULL, &service_status},
    END,
};
static const struct patch_type service = {"io.k8s.api.core.v1.Service", service_fields};

static const struct patch_field node_spec_fields[] = {
    {"podCIDRs", PATCH_F_MERGE, NULL, NULL},
    END,
};
static const struct patch_type node_spec = {"io.k8s.api.core.v1.NodeSpec", node_spec_fields};

static const struct patch_field node_status_fields[] = {
    {"conditions", PATCH_F_MERGE, "type", NULL},
    {"addresses", PATCH_F_MERGE, "type", NULL},
    END,
};
static const struct patch_type node_status = {"io.k8s.api.core.v1.NodeStatus", node_status_fields};

static const struct patch_field node_fields[] = {
    {"metadata", 0, NULL, &object_meta},
    {"spec", 0, NULL, &node_spec},
    {"status", 0, NULL, &node_status},
    END,
};
static const struct patch_type node = {"io.k8s.api.core.v1.Node", node_fields};

/* NamespaceSpec.finalizers is untagged (atomic), unlike metadata.finalizers. */
static const struct patch_field namespace_fields[] = {
    {"metadata", 0, NULL, &object_meta},
    {"status", 0, NULL, &namespace_status},
    END,
};
static const struct patch_type namespace = {"io.k8s.api.core.v1.Namespace", namespace_fields};

static const struct patch_field meta_only_fields[] = {
    {"metadata", 0, NULL, &object_meta},
    END,
};
static const struct patch_type endpoints = {"io.k8s.api.core.v1.Endpoints", meta_only_fields};
static const struct patch_type secret = {"io.k8s.api.core.v1.Secret", meta_only_fields};
static const struct patch_type event = {"io.k8s.api.core.v1.Event", meta_only_fields};
static const struct patch_type events_event = {"io.k8s.api.events.v1.Event", meta_only_fields};
static const struct patch_type endpoint_slice = {"io.k8s.api.discovery.v1.EndpointSlice",
                                                 meta_only_fields};
static const struct patch_type ingress = {"io.k8s.api.networking.v1.Ingress", meta_only_fields};
static const struct patch_type ingress_class = {"io.k8s.api.networking.v1.IngressClass",
                                                meta_only_fields};

static const struct {
	const char *api_version;
	const char *kind;
	const struct patch_type *type;
} patch_kinds[] = {
    {"v1", "Pod", &pod},
    {"v1", "Service", &service},
    {"v1", "Node", &node},
    {"v1", "Namespace", &namespace},
    {"v1", "Endpoints", &endpoints},
    {"v1", "Secret", &secret},
    {"v1", "Event", &event},
    {"events.k8s.io/v1", "Event", &events_event},
    {"discovery.k8s.io/v1", "EndpointSlice", &endpoint_slice},
    {"networking.k8s.io/v1", "Ingress", &ingress},
    {"networking.k8s.io/v1", "IngressClass", &ingress_class},
};

const struct patch_type *patch_meta_lookup(const char *api_version, const char *kind)
{
	if (!api_version || !kind)
		return NULL;
	for (size_t i = 0; i < sizeof(patch_kinds) / sizeof(patch_kinds[0]); i++)
		if (!strcmp(patch_kinds[i].api_version, api_version) &&
		    !strcmp(patch_kinds[i].kind, kind))
			return patch_kinds[i].type;
	return NULL;
}

const struct patch_field *patch_meta_field(const struct patch_type *t, const char *name)
{
	if (!t || !name)
		return NULL;
	for (const struct patch_field *f = t->fields; f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}
