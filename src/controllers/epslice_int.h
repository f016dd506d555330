/*
 * epslice_int.h - what epslice.c, epslice_pod.c and epslice_mirror.c share; not API.
 */
#ifndef SVCNET_CONTROLLERS_EPSLICE_INT_H
#define SVCNET_CONTROLLERS_EPSLICE_INT_H

#include <jansson.h>

const char *epslice_str(const json_t *o, const char *key);
const char *epslice_meta_str(const json_t *o, const char *key);
static inline const char *epslice_nz(const char *s)
{
	return s ? s : "";
}
/* clusterIP is neither "" nor "None". */
int epslice_service_ip_set(const json_t *svc);
int epslice_pod_deleting(const json_t *pod);
/* json_equal, except that for two objects the member skip is ignored. */
int epslice_equal_except(const json_t *a, const json_t *b, const char *skip);

/* Canonical text of a port set (order-insensitive; absent name "", protocol "TCP").
 * With reorder, ports is also sorted into that canonical order. */
int epslice_ports_key(json_t *ports, int reorder, char **key);
/* getEndpointPorts: the EndpointSlice ports this pod serves, canonically ordered. */
int epslice_pod_ports(const json_t *svc, const json_t *pod, json_t **ports, char **pkey);
/* podToEndpoint for family fam (4/6); *ep is NULL when the pod has no such address.
 * sk receives a sort key (family, address bytes) for ordering endpoints. */
int epslice_pod_endpoint(const json_t *svc, const json_t *pod, int fam, int publish_not_ready,
			 json_t **ep, unsigned char sk[17]);
/* The endpoint's identity: sorted addresses, hostname, targetRef namespace/name. */
char *epslice_ep_key(const json_t *ep);
/* The labels every EndpointSlice of svc carries. */
json_t *epslice_slice_labels(const json_t *svc);

#endif
