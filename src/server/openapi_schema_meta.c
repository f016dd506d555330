/*
 * openapi_schema_meta.c - the shared apimachinery types (ObjectMeta, Status,
 * DeleteOptions, ...) as the OpenAPI documents of every group reference them.
 */
#include "server/openapi_schema.h"

#include <stddef.h>

/* Shared kinds are listed with a GVK per served group, as the real server does. */
#define OA_GVK_ALL(k) "/v1/" k ";discovery.k8s.io/v1/" k ";networking.k8s.io/v1/" k

static const struct oa_field object_meta[] = {
    F_MSTR("annotations", "Unstructured key value map stored with a resource."),
    F_TIME("creationTimestamp", "Time at which this object was created, set by the server."),
    F_I64("deletionGracePeriodSeconds", "Seconds allowed for graceful termination."),
    F_TIME("deletionTimestamp", "Time at which this resource will be deleted."),
    F_ASTR("finalizers", "Must be empty before the object is deleted from the registry.",
           .list_type = "set", .strategy = "merge"),
    F_STR("generateName", "Optional prefix used by the server to generate a unique name."),
    F_I64("generation", "A sequence number representing a specific generation of the spec."),
    F_MSTR("labels", "Map of string keys and values used to organize and select objects."),
    F_AREF("managedFields", OA_META "ManagedFieldsEntry",
           "Maps workflow-id and version to the set of fields managed by that workflow.",
           .list_type = "atomic"),
    F_STR("name", "Name must be unique within a namespace."),
    F_STR("namespace", "Namespace defines the space within which each name must be unique."),
    F_AREF("ownerReferences", OA_META "OwnerReference", "Objects depended on by this object.",
           .list_type = "map", .map_keys = "uid", .merge_key = "uid", .strategy = "merge"),
    F_STR("resourceVersion", "An opaque value that represents the internal version."),
    F_STR("selfLink", "Deprecated: selfLink is a legacy read-only field."),
    F_STR("uid", "UID is the unique in time and space value for this object."),
    F_END,
};

static const struct oa_field list_meta[] = {
    F_STR("continue", "Set if the user should retrieve more results from the server."),
    F_I64("remainingItemCount", "Number of subsequent items in the list."),
    F_STR("resourceVersion", "Identifies the server's internal version of this list."),
    F_STR("selfLink", "Deprecated: selfLink is a legacy read-only field."),
    F_END,
};

static const struct oa_field managed_fields_entry[] = {
    F_STR("apiVersion", "Version of the resource that this field set applies to."),
    F_STR("fieldsType", "Discriminator for the format of the fields field (FieldsV1)."),
    F_REF("fieldsV1", OA_META "FieldsV1", "The field set in FieldsV1 format."),
    F_STR("manager", "Identifier of the workflow managing these fields."),
    F_STR("operation", "Operation that caused this entry: Apply or Update."),
    F_STR("subresource", "Subresource used to update the object, if any."),
    F_TIME("time", "Timestamp of when this entry was last changed."),
    F_END,
};

static const struct oa_field owner_reference[] = {
    F_STR("apiVersion", "API version of the referent.", .flags = OA_REQ | OA_DEF_STR),
    F_BOOL("blockOwnerDeletion", "If true, the owner cannot be deleted before this object."),
    F_BOOL("controller", "If true, this reference points to the managing controller."),
    F_STR("kind", "Kind of the referent.", .flags = OA_REQ | OA_DEF_STR),
    F_STR("name", "Name of the referent.", .flags = OA_REQ | OA_DEF_STR),
    F_STR("uid", "UID of the referent.", .flags = OA_REQ | OA_DEF_STR),
    F_END,
};

static const struct oa_field status[] = {
    F_APIVERSION,
    F_I32("code", "Suggested HTTP return code for this status, 0 if not set."),
    F_REF("details", OA_META "StatusDetails", "Extended data associated with the reason."),
    F_KIND,
    F_STR("message", "A human-readable description of the status of this operation."),
    F_REF("metadata", OA_META "ListMeta", "Standard list metadata.", .flags = OA_DEF_OBJ),
    F_STR("reason", "A machine-readable description of why this operation failed."),
    F_STR("status", "Status of the operation: Success or Failure."),
    F_END,
};

static const struct oa_field status_details[] = {
    F_AREF("causes", OA_META "StatusCause", "The causes of the error.", .list_type = "atomic"),
    F_STR("group", "The group attribute of the resource associated with the status."),
    F_STR("kind", "The kind attribute of the resource associated with the status."),
    F_STR("name", "The name attribute of the resource associated with the status."),
    F_I32("retryAfterSeconds", "Seconds the client should wait before retrying."),
    F_STR("uid", "UID of the resource."),
    F_END,
};

static const struct oa_field status_cause[] = {
    F_STR("field", "The field of the resource that has caused this error."),
    F_STR("message", "A human-readable description of the cause of the error."),
    F_STR("reason", "A machine-readable description of the cause of the error."),
    F_END,
};

static const struct oa_field delete_options[] = {
    F_APIVERSION,
    F_ASTR("dryRun", "When present, modifications are not persisted.", .list_type = "atomic"),
    F_I64("gracePeriodSeconds", "Duration in seconds before the object is deleted."),
    F_BOOL("ignoreStoreReadErrorWithClusterBreakingPotential",
           "Delete even if the object cannot be read from storage."),
    F_KIND,
    F_BOOL("orphanDependents", "Deprecated: use propagationPolicy."),
    F_REF("preconditions", OA_META "Preconditions",
          "Must be fulfilled before a deletion is carried out."),
    F_STR("propagationPolicy", "Whether and how garbage collection will be performed."),
    F_END,
};

static const struct oa_field preconditions[] = {
    F_STR("resourceVersion", "Specifies the target ResourceVersion."),
    F_STR("uid", "Specifies the target UID."),
    F_END,
};

static const struct oa_field watch_event[] = {
    F_REF("object", OA_RAWEXT,
          "The object: the new state for ADDED/MODIFIED, the last for DELETED.", .flags = OA_REQ),
    F_STR("type", "ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.", .flags = OA_REQ | OA_DEF_STR),
    F_END,
};

static const struct oa_field api_resource_list[] = {
    F_APIVERSION,
    F_STR("groupVersion", "The group and version of this resource list.",
          .flags = OA_REQ | OA_DEF_STR),
    F_KIND,
    F_AREF("resources", OA_META "APIResource", "The resources of this group version.",
           .flags = OA_REQ, .list_type = "atomic"),
    F_END,
};

static const struct oa_field api_resource[] = {
    F_ASTR("categories", "Grouped resources this resource belongs to (e.g. 'all').",
           .list_type = "atomic"),
    F_STR("group", "The preferred group of the resource."),
    F_STR("kind", "The kind for the resource.", .flags = OA_REQ | OA_DEF_STR),
    F_STR("name", "The plural name of the resource.", .flags = OA_REQ | OA_DEF_STR),
    F_BOOL("namespaced", "Whether the resource is namespaced.", .flags = OA_REQ | OA_DEF_BOOL),
    F_ASTR("shortNames", "Suggested short names of the resource.", .list_type = "atomic"),
    F_STR("singularName", "The singular name of the resource.", .flags = OA_REQ | OA_DEF_STR),
    F_STR("storageVersionHash", "Hash of the storage version."),
    F_ASTR("verbs", "The verbs supported by the resource.", .flags = OA_REQ),
    F_STR("version", "The preferred version of the resource."),
    F_END,
};

static const struct oa_field condition[] = {
    F_TIME("lastTransitionTime", "Last time the condition changed from one status to another.",
           .flags = OA_REQ),
    F_STR("message", "A human readable message about the transition.",
          .flags = OA_REQ | OA_DEF_STR),
    F_I64("observedGeneration", "The .metadata.generation the condition was set upon."),
    F_STR("reason", "A programmatic identifier of the reason for the last transition.",
          .flags = OA_REQ | OA_DEF_STR),
    F_STR("status", "Status of the condition: True, False or Unknown.",
          .flags = OA_REQ | OA_DEF_STR),
    F_STR("type", "Type of condition in CamelCase.", .flags = OA_REQ | OA_DEF_STR),
    F_END,
};

static const struct oa_field no_fields[] = {F_END};

#define TIME_RAW "{\"type\":\"string\",\"format\":\"date-time\"}"

const struct oa_type oa_types_meta[] = {
    {OA_META "ObjectMeta", "Metadata that all persisted resources must have.", object_meta, NULL, 0,
     NULL},
    {OA_META "ListMeta", "Metadata that synthetic resources must have.", list_meta, NULL, 0, NULL},
    {OA_META "ManagedFieldsEntry", "A workflow-id, a FieldSet and the group version.",
     managed_fields_entry, NULL, 0, NULL},
    {OA_META "FieldsV1", "Stores a set of fields in a trie-like JSON structure.", no_fields, NULL,
     0, NULL},
    {OA_META "OwnerReference", "Enough information to identify an owning object.", owner_reference,
     NULL, OA_T_ATOMIC, NULL},
    {OA_META "Time", "A wrapper around time.Time in RFC 3339 form.", NULL, NULL, 0, TIME_RAW},
    {OA_META "MicroTime", "Time with microsecond precision.", NULL, NULL, 0, TIME_RAW},
    {OA_META "Status", "The return value for calls that don't return other objects.", status,
     "/v1/Status", 0, NULL},
    {OA_META "StatusDetails", "Extended data associated with the reason.", status_details, NULL, 0,
     NULL},
    {OA_META "StatusCause", "More information about an API error.", status_cause, NULL, 0, NULL},
    {OA_META "DeleteOptions", "May be provided when deleting an API object.", delete_options,
     OA_GVK_ALL("DeleteOptions"), 0, NULL},
    {OA_META "Preconditions", "Must be fulfilled before an operation is carried out.",
     preconditions, NULL, 0, NULL},
    {OA_META "Patch", "A concrete name and type for the Kubernetes PATCH request body.", no_fields,
     NULL, 0, NULL},
    {OA_META "WatchEvent", "An event in a watch stream.", watch_event, OA_GVK_ALL("WatchEvent"), 0,
     NULL},
    {OA_META "APIResourceList", "The resources available in a group version.", api_resource_list,
     "/v1/APIResourceList", 0, NULL},
    {OA_META "APIResource", "The name of a resource and whether it is namespaced.", api_resource,
     NULL, 0, NULL},
    {OA_META "Condition", "Details for one aspect of the current state of an API resource.",
     condition, NULL, 0, NULL},
    {OA_RAWEXT, "Holds an embedded object in its external JSON form.", no_fields, NULL, 0, NULL},
    {OA_INTSTR, "Holds an int32 or a string.", NULL, NULL, 0,
     "{\"format\":\"int-or-string\",\"oneOf\":[{\"type\":\"integer\"},{\"type\":\"string\"}]}"},
    {OA_QTY, "A fixed-point representation of a number, e.g. 100m or 1Gi.", NULL, NULL, 0,
     "{\"oneOf\":[{\"type\":\"string\"},{\"type\":\"number\"}]}"},
    {NULL, NULL, NULL, NULL, 0, NULL},
};
