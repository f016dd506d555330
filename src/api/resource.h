/*
 * resource.h - the table of API resources that svcnet serves.
 *
 * Discovery, OpenAPI, the REST router and the store keys are all driven from
 * this one table, so adding a resource is one row here plus its validation.
 */
#ifndef SVCNET_API_RESOURCE_H
#define SVCNET_API_RESOURCE_H

#include <stddef.h>

enum api_kind_id {
	API_NAMESPACE,
	API_POD,
	API_SERVICE,
	API_ENDPOINTS,
	API_NODE,
	API_SECRET,
	API_EVENT,
	API_ENDPOINTSLICE,
	API_INGRESS,
	API_INGRESSCLASS,
	API_NKINDS
};

struct api_resource {
	enum api_kind_id id;
	const char *group;   /* "" for the core group */
	const char *version; /* "v1" */
	const char *kind;    /* "Service" */
	const char *plural;  /* "services": the URL segment and the store key prefix */
	const char *singular;
	const char *short_names[3];
	int namespaced;
	int has_status; /* serves the /status subresource */
	int in_all;     /* member of the "all" category (kubectl get all) */
	/* Proto-compatible type name used by OpenAPI: io.k8s.api.<pkg>.<ver>.<Kind> */
	const char *openapi_pkg; /* "core", "discovery", "networking" */
};

extern const struct api_resource api_resources[API_NKINDS];

/* Looks up by group ("" for core), version and plural; NULL when unknown. */
const struct api_resource *api_resource_find(const char *group, const char *version,
                                             const char *plural);
/* Looks up by apiVersion ("v1", "discovery.k8s.io/v1") and kind. */
const struct api_resource *api_resource_by_kind(const char *api_version, const char *kind);
/* "v1" or "group/version", into out. */
const char *api_resource_apiversion(const struct api_resource *r, char *out, size_t outlen);

#endif
