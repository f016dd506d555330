/*
 * openapi_schema.h - internal to the openapi module: the table format that
 * describes the API types, the emitter that turns it into OpenAPI v3
 * component schemas, and the path builder.
 *
 * A type is a list of fields; each field names its JSON type and carries the
 * strategic-merge-patch and list extensions that kubectl reads
 * (x-kubernetes-patch-merge-key, -patch-strategy, -list-type, -list-map-keys).
 * Keeping the types as data keeps the generated JSON in one code path, so
 * every schema has the shape the real kube-apiserver emits.
 */
#ifndef SVCNET_SERVER_OPENAPI_SCHEMA_H
#define SVCNET_SERVER_OPENAPI_SCHEMA_H

#include <jansson.h>

#define OA_META   "io.k8s.apimachinery.pkg.apis.meta.v1."
#define OA_CORE   "io.k8s.api.core.v1."
#define OA_DISC   "io.k8s.api.discovery.v1."
#define OA_NET    "io.k8s.api.networking.v1."
#define OA_INTSTR "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
#define OA_QTY    "io.k8s.apimachinery.pkg.api.resource.Quantity"
#define OA_RAWEXT "io.k8s.apimachinery.pkg.runtime.RawExtension"

enum oa_kind {
	OA_STR,
	OA_BYTES, /* string, format byte (base64) */
	OA_I32,
	OA_I64,
	OA_BOOL,
	OA_NUM,
	OA_REF,       /* another component schema */
	OA_ANY,       /* object whose contents are not modelled: preserve unknown fields */
	OA_ARR_STR,   /* array of strings */
	OA_ARR_REF,   /* array of a component schema */
	OA_ARR_ANY,   /* array of unmodelled objects */
	OA_MAP_STR,   /* map of strings */
	OA_MAP_BYTES, /* map of base64 strings (Secret.data) */
	OA_MAP_REF,   /* map of a component schema (resource lists of Quantity) */
};

/* Field flags. */
#define OA_REQ      0x1 /* listed in the parent's "required" */
#define OA_ATOMIC   0x2 /* map field: x-kubernetes-map-type atomic */
#define OA_DEF_OBJ  0x4 /* "default": {} (non-pointer struct fields) */
#define OA_DEF_STR  0x8 /* "default": "" (non-pointer string fields) */
#define OA_DEF_BOOL 0x10

struct oa_field {
	const char *name;
	enum oa_kind kind;
	const char *desc;
	const char *ref;       /* OA_REF, OA_ARR_REF, OA_MAP_REF: full component name */
	unsigned flags;        /* OA_REQ ... */
	const char *list_type; /* "atomic", "set" or "map" */
	const char *map_keys;  /* list_type "map": comma-separated keys, e.g. "port,protocol" */
	const char *merge_key; /* x-kubernetes-patch-merge-key */
	const char *strategy;  /* x-kubernetes-patch-strategy: "merge" or "merge,retainKeys" */
	const char *dflt;      /* default value of a scalar, as JSON text (e.g. "\"TCP\"") */
};

/* Type flags. */
#define OA_T_ATOMIC   0x1 /* x-kubernetes-map-type atomic (struct replaced as a whole) */
#define OA_T_PRESERVE 0x2 /* x-kubernetes-preserve-unknown-fields: partly modelled */

struct oa_type {
	const char *name; /* full component name, e.g. "io.k8s.api.core.v1.ServicePort" */
	const char *desc;
	const struct oa_field *fields; /* terminated by a zero entry; NULL when raw is set */
	/* x-kubernetes-group-version-kind entries "group/version/Kind" separated by ';'
	 * ("/v1/Service" for the core group), or NULL */
	const char *gvk;
	unsigned flags;
	const char *raw; /* non-object schema as JSON text (Time, Quantity, IntOrString) */
};

/* Field shorthands: FIELD(name, desc [, .designator = value ...]). */
#define OA_F(k, n, d, ...)                                                                         \
	{                                                                                          \
		.name = n, .kind = k, .desc = d, __VA_ARGS__                                       \
	}
#define F_STR(n, d, ...)  OA_F(OA_STR, n, d, __VA_ARGS__)
#define F_I32(n, d, ...)  OA_F(OA_I32, n, d, __VA_ARGS__)
#define F_I64(n, d, ...)  OA_F(OA_I64, n, d, __VA_ARGS__)
#define F_BOOL(n, d, ...) OA_F(OA_BOOL, n, d, __VA_ARGS__)
#define F_ANY(n, d, ...)  OA_F(OA_ANY, n, d, __VA_ARGS__)
#define F_REF(n, r, d, ...)                                                                        \
	{                                                                                          \
		.name = n, .kind = OA_REF, .ref = r, .desc = d, __VA_ARGS__                        \
	}
#define F_AREF(n, r, d, ...)                                                                       \
	{                                                                                          \
		.name = n, .kind = OA_ARR_REF, .ref = r, .desc = d, __VA_ARGS__                    \
	}
#define F_MREF(n, r, d, ...)                                                                       \
	{                                                                                          \
		.name = n, .kind = OA_MAP_REF, .ref = r, .desc = d, __VA_ARGS__                    \
	}
#define F_ASTR(n, d, ...) OA_F(OA_ARR_STR, n, d, __VA_ARGS__)
#define F_AANY(n, d, ...) OA_F(OA_ARR_ANY, n, d, __VA_ARGS__)
#define F_MSTR(n, d, ...) OA_F(OA_MAP_STR, n, d, __VA_ARGS__)
#define F_TIME(n, d, ...) F_REF(n, OA_META "Time", d, __VA_ARGS__)
#define F_END                                                                                      \
	{                                                                                          \
		.name = NULL                                                                       \
	}

/* The common head of every top-level kind. */
#define F_APIVERSION                                                                               \
	F_STR("apiVersion",                                                                        \
	      "APIVersion defines the versioned schema of this representation of "                 \
	      "an object.", )
#define F_KIND F_STR("kind", "Kind is a string value representing the REST resource.", )
#define F_METADATA                                                                                 \
	F_REF("metadata", OA_META "ObjectMeta", "Standard object's metadata.", .flags = OA_DEF_OBJ)

/* The type tables, each terminated by an entry whose name is NULL. */
extern const struct oa_type oa_types_meta[];
extern const struct oa_type oa_types_pod[];
extern const struct oa_type oa_types_core[];
extern const struct oa_type oa_types_net[];

/* A served group version, as the documents name it. */
struct oa_gvinfo {
	const char *group;   /* "" for the core group */
	const char *version; /* "v1" */
	const char *opid;    /* operationId infix: "CoreV1", "DiscoveryV1" */
	const char *tag;     /* operation tag: "core_v1" */
};

/* The "paths" object of one group version (openapi_paths.c). NULL on
 * allocation failure. */
json_t *oa_paths_build(const struct oa_gvinfo *gv);

/* Builds the object of every component schema (name -> schema), including the
 * generated <Kind>List types of the served resources. NULL on allocation
 * failure or a malformed table. */
json_t *oa_schemas_build(void);

#endif
