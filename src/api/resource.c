/* resource.c - the served API resources. */
#include "api/resource.h"

#include <stdio.h>
#include <string.h>

const struct api_resource api_resources[API_NKINDS] = {
    {API_NAMESPACE, "", "v1", "Namespace", "namespaces", "namespace", {"ns"}, 0, 1, 0, "core"},
    {API_POD, "", "v1", "Pod", "pods", "pod", {"po"}, 1, 1, 1, "core"},
    {API_SERVICE, "", "v1", "Service", "services", "service", {"svc"}, 1, 1, 1, "core"},
    {API_ENDPOINTS, "", "v1", "Endpoints", "endpoints", "endpoints", {"ep"}, 1, 0, 0, "core"},
    {API_NODE, "", "v1", "Node", "nodes", "node", {"no"}, 0, 1, 0, "core"},
    {API_SECRET, "", "v1", "Secret", "secrets", "secret", {NULL}, 1, 0, 0, "core"},
    {API_EVENT, "", "v1", "Event", "events", "event", {"ev"}, 1, 0, 0, "core"},
    {API_ENDPOINTSLICE,
     "discovery.k8s.io",
     "v1",
     "EndpointSlice",
     "endpointslices",
     "endpointslice",
     {NULL},
     1,
     0,
     0,
     "discovery"},
    {API_INGRESS,
     "networking.k8s.io",
     "v1",
     "Ingress",
     "ingresses",
     "ingress",
     {"ing"},
     1,
     1,
     0,
     "networking"},
    {API_INGRESSCLASS,
     "networking.k8s.io",
     "v1",
     "IngressClass",
     "ingressclasses",
     "ingressclass",
     {NULL},
     0,
     0,
     0,
     "networking"},
};

const struct api_resource *api_resource_find(const char *group, const char *version,
                                             const char *plural)
{
	for (size_t i = 0; i < API_NKINDS; i++) {
		const struct api_resource *r = &api_resources[i];

		if (!strcmp(r->group, group) && !strcmp(r->version, version) &&
		    !strcmp(r->plural, plural))
			return r;
	}
	return NULL;
}

const struct api_resource *api_resource_by_kind(const char *api_version, const char *kind)
{
	char buf[128];

	for (size_t i = 0; i < API_NKINDS; i++) {
		const struct api_resource *r = &api_resources[i];

		if (!strcmp(r->kind, kind) &&
		    !strcmp(api_resource_apiversion(r, buf, sizeof(buf)), api_version))
			return r;
	}
	return NULL;
}

const char *api_resource_apiversion(const struct api_resource *r, char *out, size_t outlen)
{
	if (r->group[0])
		snprintf(out, outlen, "%s/%s", r->group, r->version);
	else
		snprintf(out, outlen, "%s", r->version);
	return out;
}
