/*
 * model_int.h - the proxy model's parsed objects, shared by its files:
 * model_svc.c (Service -> struct pxm_svc), model_eps.c (EndpointSlice ->
 * struct pxm_slice, and both -> service ports), model.c (the tracker).
 */
#ifndef SVCNET_PROXY_MODEL_INT_H
#define SVCNET_PROXY_MODEL_INT_H

#include "proxy/model.h"

/* One entry of spec.ports. */
struct pxm_sport {
	char *name;
	enum pxm_proto proto;
	uint16_t port, node_port;
};

/* What the proxy uses of a Service. */
struct pxm_svc {
	char *ns, *name;
	bool skip; /* no rules: see model.h */
	enum pxm_svc_type type;
	net_addr cluster_ips[2];
	size_t n_cluster_ips;
	struct pxm_sport *ports;
	size_t n_ports;
	net_addr *external_ips;
	size_t n_external_ips;
	net_addr *lb_ips;
	size_t n_lb_ips;
	net_cidr *ranges;
	size_t n_ranges;
	bool affinity;
	uint32_t affinity_timeout;
	bool etp_local, itp_local;
	uint16_t hc_node_port;
};

/* One entry of an EndpointSlice's ports. */
struct pxm_slport {
	char *name;
	enum pxm_proto proto;
	uint16_t port;
};

/* One endpoint of an EndpointSlice (its first address). */
struct pxm_slep {
	net_addr addr;
	bool ready, serving, terminating;
	const char *node; /* in the slice's strs */
};

/* What the proxy uses of an EndpointSlice. */
struct pxm_slice {
	char *key;      /* "ns/name" of the slice */
	char *name;     /* the slice's name: slices merge in name order */
	char *svc_key;  /* "ns/service", or NULL: the slice feeds no Service */
	int family;     /* AF_INET/AF_INET6 from addressType; 0 for others (no endpoints) */
	double trigger; /* last-change-trigger-time, 0 when absent or invalid */
	struct pxm_slport *ports;
	size_t n_ports;
	struct pxm_slep *eps;
	size_t n_eps;
	char *strs; /* the endpoints' node names, each once */
};

/* model_svc.c */
/* 0 (with *out), -EINVAL without metadata.namespace/name, -ENOMEM. proxy_name
 * as in struct pxm_config (NULL for ""). */
int pxm_svc_parse(const json_t *o, const char *proxy_name, struct pxm_svc **out);
void pxm_svc_free(struct pxm_svc *s);
/* metadata.namespace and name when both are non-empty strings, else -EINVAL. */
int pxm_obj_ns_name(const json_t *o, const char **ns, const char **name);
/* "a/b" in a new string, NULL on ENOMEM. */
char *pxm_join_key(const char *a, const char *b);
/* RFC 3339 (fractions, Z or +hh:mm) to seconds since the epoch; -EINVAL. */
int pxm_parse_time(const char *s, double *out);

/* model_eps.c */
int pxm_slice_parse(const json_t *o, struct pxm_slice **out);
void pxm_slice_free(struct pxm_slice *s);
/*
 * The service ports of svc (NULL or skipped: none) with the endpoints of the
 * given slices (in any order; they are merged by name). *out is sorted by key;
 * each port has refs 1. 0 or -ENOMEM.
 */
int pxm_build_ports(const struct pxm_svc *svc, struct pxm_slice *const *slices, size_t n_slices,
                    const char *node_name, struct pxm_svcport ***out, size_t *n_out);

#endif
