/*
 * k8spb_schema.h - the message tables behind k8spb_decode (internal to the
 * k8spb module).
 *
 * One table per protobuf message: for each field its number, how its value
 * maps to JSON and the JSON key. The tables cover the kinds svcnet serves and
 * everything their objects embed. Field numbers come from the protobuf file
 * descriptors compiled into kubectl 1.32 (k8s.io/api and apimachinery
 * generated.proto); JSON names, inlined embeddings and which zero values Go
 * keeps were checked by having kubectl itself render probe messages (every
 * field set, then every field zero) as JSON and comparing with our output.
 */
#ifndef SVCNET_API_K8SPB_SCHEMA_H
#define SVCNET_API_K8SPB_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

enum k8spb_type {
	K8SPB_STRING,
	K8SPB_BYTES, /* base64 string, as Go's encoding/json prints []byte */
	K8SPB_BOOL,
	K8SPB_INT32,
	K8SPB_INT64,
	K8SPB_MESSAGE, /* JSON object under the field's key */
	K8SPB_INLINE,  /* Go embedded struct: its fields land in the parent object */
	K8SPB_TIME,    /* meta/v1 Time: RFC 3339 seconds, empty message -> null */
	K8SPB_MICROTIME,
	K8SPB_INTSTR,   /* intstr.IntOrString: number or string */
	K8SPB_QUANTITY, /* resource.Quantity {string = 1}: a JSON string */
	K8SPB_FIELDSV1, /* meta/v1 FieldsV1 {Raw = 1}: raw JSON */
	K8SPB_MAP_STRING,
	K8SPB_MAP_BYTES,
	K8SPB_MAP_QUANTITY,
};

/* Field flags. */
#define K8SPB_REPEATED 0x01
/*
 * A zero scalar stays in the JSON. Without it a zero value is dropped, as
 * encoding/json's omitempty drops it: gogo-protobuf writes every non-pointer
 * scalar even when zero, so presence on the wire means nothing for those.
 * Set for Go pointer fields (presence is meaningful) and for the few fields
 * without omitempty.
 */
#define K8SPB_KEEPZERO 0x02

struct k8spb_message;

struct k8spb_field {
	uint32_t num;
	uint8_t type;  /* enum k8spb_type */
	uint8_t flags; /* K8SPB_REPEATED, K8SPB_KEEPZERO */
	const char *json;
	const struct k8spb_message *sub; /* K8SPB_MESSAGE and K8SPB_INLINE */
};

struct k8spb_message {
	const char *name;
	const struct k8spb_field *fields;
	size_t nfields;
};

/* Defines k8spb_<pkg>_<name> from the field array <pkg>_<name>_f. */
#define K8SPB_TABLE(pkg, name)                                                                     \
	static const struct k8spb_message k8spb_##pkg##_##name = {                                 \
	    #name, pkg##_##name##_f, sizeof(pkg##_##name##_f) / sizeof(pkg##_##name##_f[0])}
#define K8SPB_TABLE_EXPORT(pkg, name)                                                              \
	const struct k8spb_message k8spb_##pkg##_##name = {                                        \
	    #name, pkg##_##name##_f, sizeof(pkg##_##name##_f) / sizeof(pkg##_##name##_f[0])}

/* A top-level kind. api_version NULL matches any (DeleteOptions is registered
 * in every group version). */
struct k8spb_root {
	const char *api_version;
	const char *kind;
	const struct k8spb_message *msg;
};

extern const struct k8spb_root k8spb_roots[];
extern const size_t k8spb_nroots;

/* Messages shared between the schema files. */
extern const struct k8spb_message k8spb_core_ConfigMap;
extern const struct k8spb_message k8spb_core_Endpoints;
extern const struct k8spb_message k8spb_core_Event;
extern const struct k8spb_message k8spb_core_Namespace;
extern const struct k8spb_message k8spb_core_Node;
extern const struct k8spb_message k8spb_core_Secret;
extern const struct k8spb_message k8spb_core_Service;
extern const struct k8spb_message k8spb_core_TypedLocalObjectReference;
extern const struct k8spb_message k8spb_discovery_EndpointSlice;
extern const struct k8spb_message k8spb_meta_DeleteOptions;
extern const struct k8spb_message k8spb_meta_ObjectMeta;
extern const struct k8spb_message k8spb_networking_Ingress;
extern const struct k8spb_message k8spb_networking_IngressClass;
extern const struct k8spb_message k8spb_core_Pod;
extern const struct k8spb_message k8spb_core_LocalObjectReference;
extern const struct k8spb_message k8spb_core_ObjectFieldSelector;
extern const struct k8spb_message k8spb_core_ResourceFieldSelector;
extern const struct k8spb_message k8spb_core_Volume;
extern const struct k8spb_message k8spb_meta_LabelSelector;

#endif
