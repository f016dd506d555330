/*
 * epslice_int.h - what the epslice*.c files share; not API.
 */
#ifndef SVCNET_CONTROLLERS_EPSLICE_INT_H
#define SVCNET_CONTROLLERS_EPSLICE_INT_H

#include <jansson.h>
#include <stddef.h>

#include "api/selector.h"

const char *epslice_str(const json_t *o, const char *key);
const char *epslice_meta_str(const json_t *o, const char *key);
static inline const char *epslice_nz(const char *s)
{
	return s ? s : "";
}
/* clusterIP is neither "" nor "None". */
int epslice_service_ip_set(const json_t *svc);
/* metadata.deletionTimestamp is set (on any object, despite the name). */
int epslice_pod_deleting(const json_t *pod);
/* json_equal, except that for two objects the member skip is ignored. */
int epslice_equal_except(const json_t *a, const json_t *b, const char *skip);

/* Canonical text of a port set (order-insensitive; absent name "", protocol "TCP").
 * With reorder, ports is also sorted into that canonical order. */
int epslice_ports_key(json_t *ports, int reorder, char **key);
/* getEndpointPorts: the EndpointSlice ports this pod serves, canonically ordered. */
int epslice_pod_ports(const json_t *svc, const json_t *pod, json_t **ports, char **pkey);
/* The endpoint's identity: sorted addresses, hostname, targetRef namespace/name. */
char *epslice_ep_key(const json_t *ep);
/* The labels every EndpointSlice of svc carries. */
json_t *epslice_slice_labels(const json_t *svc);

/* ---- desired endpoints (epslice_desired.c) ---- */

/*
 * One desired endpoint. Its strings are borrowed from the caller's Pod, and its
 * JSON is built only when a slice holding it must be written: a no-op run over a
 * big Service then compares C fields with the stored JSON and allocates little.
 */
struct epslice_dep {
	char *key;
	json_t *obj; /* built on demand by epslice_dep_json */
	char addr[2][46];
	size_t naddr; /* 0: the pod has no address of this family */
	const char *hostname, *ns, *name, *uid, *node;
	unsigned char ready, serving, terminating;
	unsigned char sk[17]; /* family, then address bytes: the fill order */
	size_t idx;           /* pod order: the last of duplicates wins, like a Go map insert */
	int taken;            /* placed, or a shadowed duplicate */
};

/* podToEndpoint for family fam (4 or 6), into d (key included unless naddr is 0). */
int epslice_pod_dep(const json_t *svc, const json_t *pod, int fam, int publish_not_ready,
                    struct epslice_dep *d);
/* d's discovery/v1 Endpoint (borrowed; NULL on allocation failure). */
json_t *epslice_dep_json(struct epslice_dep *d);
/* 1 when the stored endpoint ep is exactly what d would write (targetRef
 * resourceVersion aside: pod updates bump it and nothing else). */
int epslice_dep_equal(const struct epslice_dep *d, const json_t *ep);

struct epslice_group { /* desired endpoints sharing one resolved port set */
	char *pkey;
	json_t *ports;
	struct epslice_dep *d; /* sorted by key once complete */
	size_t n, cap;
	struct epslice_dep **order; /* untaken endpoints by address */
	size_t norder, cursor, left;
};

/* Desired endpoints of family fam for the pods svc selects (s), by port set. */
int epslice_build_desired(const json_t *svc, const sel *s, int pnr, const json_t *pods, int fam,
                          struct epslice_group **gs, size_t *ng);
void epslice_groups_free(struct epslice_group *g, size_t ng);
/* The live, not yet placed endpoint with this identity key, or NULL. */
struct epslice_dep *epslice_group_find(struct epslice_group *g, const char *key);
void epslice_group_take(struct epslice_group *g, struct epslice_dep *d);
/* Appends unplaced endpoints in address order until eps holds max. */
int epslice_group_fill(struct epslice_group *g, json_t *eps, size_t *neps, int max);

#endif
