/*
 * model.h - the service proxy's desired state and change tracker, shared by
 * every proxy mode (nftables, iptables, ipvs, userspace, ebpf).
 *
 * kube-proxy's ServicePort/Endpoint model in C. The informer callbacks feed
 * Services and EndpointSlices in (pxm_service_set/_delete, pxm_slice_set/
 * _delete); out come immutable service ports, one per Service port, keyed
 * "namespace/name:portName/PROTOCOL" ("default/web:http/TCP", "default/web:/UDP"
 * for an unnamed port), each with the endpoints the EndpointSlices give it,
 * merged, de-duplicated, sorted and categorised as kube-proxy's
 * CategorizeEndpoints does.
 *
 * A sync loop uses it like this:
 *
 *   pxm_take_changes(m, &ch);           // ports added/updated/deleted since the last take
 *   for (i = 0; i < ch.n; i++) ...      // partial sync: ch.v[i].old -> ch.v[i].cur
 *   pxm_snapshot(m, &all, &n);          // full sync: every port, sorted by key
 *   pxm_changes_free(&ch);
 *
 * What kube-proxy skips gets no service port at all: Services without a cluster
 * IP ("None" or empty: headless), type ExternalName, Services labelled
 * service.kubernetes.io/headless, and Services whose
 * service.kubernetes.io/service-proxy-name label does not name this proxy (see
 * struct pxm_config). EndpointSlices labelled service.kubernetes.io/headless, or
 * without kubernetes.io/service-name, or of addressType FQDN are held but give no
 * endpoints.
 *
 * Objects come from any API server, so nothing is trusted: a field of the wrong
 * type is treated as absent (a port without a valid number, an address that
 * does not parse, an unknown protocol are dropped), and an object without a
 * namespace and name is rejected with -EINVAL. Nothing here does I/O; time is
 * passed in as wall-clock seconds since the epoch (CLOCK_REALTIME), the clock of
 * the last-change-trigger-time annotation.
 *
 * Not thread-safe; one loop owns a model.
 */
#ifndef SVCNET_PROXY_MODEL_H
#define SVCNET_PROXY_MODEL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/net.h"

#define PXM_LABEL_PROXY_NAME   "service.kubernetes.io/service-proxy-name"
#define PXM_LABEL_HEADLESS     "service.kubernetes.io/headless"
#define PXM_LABEL_SERVICE_NAME "kubernetes.io/service-name"
#define PXM_ANN_TRIGGER_TIME   "endpoints.kubernetes.io/last-change-trigger-time"
/* sessionAffinityConfig.clientIP.timeoutSeconds when absent (3 hours), and its range. */
#define PXM_AFFINITY_TIMEOUT_DEFAULT 10800
#define PXM_AFFINITY_TIMEOUT_MAX     86400

/*
 * Hashes for chain, map and set names: the first 16 characters of the RFC 4648
 * base32 (A-Z, 2-7) encoding of SHA-256 over kube-proxy's own input, so the names
 * are the ones kube-proxy's iptables mode uses (KUBE-SVC-<hash>, KUBE-SEP-<hash>):
 *   service port: "<ns>/<name>" [":" <portName> when named] <protocol in lower case>
 *                 "default/kubernetes:https" "tcp" -> NPX46M4PTMTKRN6Y
 *   endpoint:     the same followed by "<ip>:<port>" ("[<ip6>]:<port>" for IPv6)
 */
#define PXM_HASH_LEN 16

enum pxm_proto { PXM_TCP = 0, PXM_UDP = 1, PXM_SCTP = 2 };

/* ExternalName Services have no service ports, so they have no type here. */
enum pxm_svc_type { PXM_TYPE_CLUSTER_IP = 0, PXM_TYPE_NODE_PORT, PXM_TYPE_LOAD_BALANCER };

/* Index of a family in pxm_svcport.fam[]. */
enum { PXM_V4 = 0, PXM_V6 = 1 };

/* Category bits of an endpoint, set by pxm_categorize(). */
#define PXM_CAT_CLUSTER   0x1 /* clusterEndpoints: Cluster traffic policy uses it */
#define PXM_CAT_LOCAL     0x2 /* localEndpoints: Local traffic policy uses it */
#define PXM_CAT_REACHABLE 0x4 /* allReachableEndpoints: the union of the two */

struct pxm_endpoint {
	net_addr addr;
	uint16_t port;    /* resolved target port (the slice port named like the Service port) */
	bool ready;       /* conditions.ready; absent means true (discovery/v1) */
	bool serving;     /* conditions.serving; absent means true (as kube-proxy reads it) */
	bool terminating; /* conditions.terminating; absent means false */
	bool local;       /* nodeName is this node's name */
	uint8_t cat;      /* PXM_CAT_* within its family */
	char hash[PXM_HASH_LEN + 1];
	/* NULL when the slice gave none. Each distinct name is stored once per
	 * service port: with 10 endpoints on 2 nodes, 2 strings, not 10. */
	const char *node_name;
};

/* CategorizeEndpoints' answer for one family of a service port. */
struct pxm_cat {
	bool uses_cluster; /* the port ever sends traffic by Cluster policy */
	bool uses_local;   /* ... by Local policy (iTP Local, or eTP Local when external) */
	bool has_any;      /* a usable endpoint exists anywhere in the cluster, even if
	                    * none is reachable from here (drop, not reject) */
	size_t n_cluster, n_local, n_reachable;
};

/* One family of a service port. kube-proxy runs one proxier per family; here
 * the family is present only when the Service has a cluster IP of it, and
 * external IPs, LB IPs and endpoints of families without one are dropped. */
struct pxm_family {
	int family; /* AF_INET or AF_INET6; 0: the port has no rules in this family */
	net_addr cluster_ip;
	size_t ep_first; /* this family's endpoints: eps[ep_first .. ep_first + n_eps) */
	size_t n_eps;
	struct pxm_cat cat;
};

/*
 * A service port. Immutable once built and shared by reference: the same
 * pointer stays valid as long as the port did not change, so backends may
 * compare pointers to skip work.
 */
struct pxm_svcport {
	char *key; /* "ns/name:portName/PROTOCOL" */
	char *ns, *name, *port_name;
	char hash[PXM_HASH_LEN + 1];
	enum pxm_proto proto;
	enum pxm_svc_type type;
	uint16_t port;
	uint16_t node_port;              /* 0: none */
	uint16_t health_check_node_port; /* type LoadBalancer with eTP Local only; 0: none */
	/* spec.clusterIPs in order (the primary family first), one per family. */
	net_addr cluster_ips[2];
	size_t n_cluster_ips;
	/* Both families, in the object's order, duplicates removed. */
	net_addr *external_ips;
	size_t n_external_ips;
	/* status.loadBalancer.ingress[].ip with ipMode VIP or unset. ipMode Proxy
	 * addresses are left out, as kube-proxy does: such a load balancer delivers
	 * to the node (NodePort) itself, so no rule may short-circuit its IP. */
	net_addr *lb_ips;
	size_t n_lb_ips;
	/* loadBalancerSourceRanges (whitespace trimmed, host bits cleared), both
	 * families: a backend filters by family, and an empty list for its family
	 * means every source is allowed. */
	net_cidr *lb_source_ranges;
	size_t n_lb_source_ranges;
	bool affinity_client_ip;
	uint32_t affinity_timeout_s; /* 0 unless affinity_client_ip */
	bool ext_policy_local;       /* eTP Local, and the Service is externally accessible */
	bool int_policy_local;       /* iTP Local */
	/* Endpoints of all families: IPv4 first, then by address and port. */
	struct pxm_endpoint *eps;
	size_t n_eps;
	struct pxm_family fam[2]; /* [PXM_V4], [PXM_V6] */
	unsigned refs;            /* private */
	char *strs;               /* private: the node names */
};

struct pxm_config {
	/* Endpoints whose nodeName equals this are local. NULL or "": none is. */
	const char *node_name;
	/* service.kubernetes.io/service-proxy-name. NULL or "" (kube-proxy's case):
	 * Services carrying the label at all are ignored. A name: only Services
	 * labelled with exactly it are handled (unlabelled ones belong to the
	 * default proxy), as other proxies that implement the label do. */
	const char *proxy_name;
	/* Trigger-time annotations older than this (wall clock) are not used, as
	 * kube-proxy ignores those from before it started: the initial LIST would
	 * otherwise report the age of every slice as programming latency. 0: use all. */
	double start_time;
};

typedef struct pxm pxm;

enum pxm_change_kind { PXM_ADDED = 1, PXM_UPDATED = 2, PXM_DELETED = 3 };

struct pxm_change {
	enum pxm_change_kind kind;
	const char *key;
	/* The port as last taken (NULL when ADDED) and as it is now (NULL when
	 * DELETED); both stay valid until pxm_changes_free. */
	const struct pxm_svcport *old;
	const struct pxm_svcport *cur;
	/* Oldest change time not yet handed out for this port (wall clock): the
	 * slice's last-change-trigger-time, else when the event arrived. */
	double since;
};

struct pxm_changes {
	struct pxm_change *v; /* sorted by key */
	size_t n;
	/* Running out of memory lost track of some change: sync everything
	 * from pxm_snapshot (a full sync), not just v. */
	bool full;
};

struct pxm_stats {
	size_t services;      /* Service objects held (skipped ones too) */
	size_t services_skip; /* ... of which give no rules */
	size_t slices;        /* EndpointSlice objects held */
	size_t ports;         /* service ports */
	size_t endpoints;     /* endpoints over all service ports */
	size_t pending;       /* ports with changes not yet taken */
};

/* Strings are copied. 0, -ENOMEM. */
int pxm_new(const struct pxm_config *cfg, pxm **out);
/* NULL-safe. Service ports still referenced by a pxm_changes stay valid. */
void pxm_free(pxm *m);

/* The node's addresses (where NodePorts listen); held for the backends, they
 * do not change any service port. 1 when they differ from before (a backend
 * then needs a full sync), 0 when not, -ENOMEM. */
int pxm_set_node_ips(pxm *m, const net_addr *ips, size_t n);
const net_addr *pxm_node_ips(const pxm *m, size_t *n);
const char *pxm_node_name(const pxm *m);

/*
 * Informer events: set is add or update (the object's full new state), delete
 * takes the last state (only its namespace and name are used). Each returns 1
 * when some service port changed, 0 when the event changed nothing the proxy
 * uses (a resourceVersion bump, an unrelated label, a skipped Service, a delete
 * of something unknown), -EINVAL for an object without namespace and name, or
 * -ENOMEM (the change may then be lost until the object's next event).
 * The JSON is only read, never kept.
 */
int pxm_service_set(pxm *m, const json_t *svc, double now);
int pxm_service_delete(pxm *m, const json_t *svc, double now);
int pxm_slice_set(pxm *m, const json_t *slice, double now);
int pxm_slice_delete(pxm *m, const json_t *slice, double now);

/* Ports touched since the last take (some may turn out unchanged). */
size_t pxm_pending(const pxm *m);
/*
 * Hands out what changed since the last take, compared with what that take
 * handed out (a change that was undone in between is no change), and starts
 * over. *out is zeroed first; free it with pxm_changes_free. 0 or -ENOMEM (the
 * pending set is then kept for the next try).
 */
int pxm_take_changes(pxm *m, struct pxm_changes *out);
void pxm_changes_free(struct pxm_changes *c);

/* The current port for a key, borrowed until the next event call; NULL if none. */
const struct pxm_svcport *pxm_get(const pxm *m, const char *key);
size_t pxm_size(const pxm *m);
/* Every current port sorted by key, borrowed until the next event call; the
 * array is the caller's to free(). 0 or -ENOMEM. */
int pxm_snapshot(const pxm *m, const struct pxm_svcport ***out, size_t *n);
void pxm_get_stats(const pxm *m, struct pxm_stats *st);

/* Keeps a port past the model's next change (or its end); NULL-safe. */
const struct pxm_svcport *pxm_svcport_ref(const struct pxm_svcport *sp);
void pxm_svcport_unref(const struct pxm_svcport *sp);
/* Same content (pointers aside); NULL equals only NULL. */
bool pxm_svcport_equal(const struct pxm_svcport *a, const struct pxm_svcport *b);

/* kube-proxy's ExternallyAccessible for one family: a node port, or an external
 * or LB IP of that family. */
bool pxm_svcport_external(const struct pxm_svcport *sp, int family);
/* kube-proxy's UsesClusterEndpoints / UsesLocalEndpoints for one family: Cluster
 * endpoints unless iTP Local on a port reachable only from inside (eTP Local
 * traffic from this node still short-circuits to them); Local endpoints for iTP
 * Local, or eTP Local on an externally reachable port. */
void pxm_svcport_uses(const struct pxm_svcport *sp, int family, bool *uses_cluster,
                      bool *uses_local);
/* The family's slot, or NULL when the port has no rules in that family. */
const struct pxm_family *pxm_svcport_family(const struct pxm_svcport *sp, int family);

/*
 * kube-proxy's CategorizeEndpoints (topology hints ignored: every endpoint is
 * available in every zone). eps are one family's endpoints; sets each one's
 * cat bits and fills *out:
 *   clusterEndpoints (uses_cluster only): the ready ones; if none is ready, the
 *     serving-and-terminating ones;
 *   localEndpoints (uses_local only): the local ready ones; if no local one is
 *     ready, the local serving-and-terminating ones;
 *   allReachableEndpoints: their union;
 *   has_any: a ready or serving-terminating endpoint exists anywhere.
 * Pure: no state besides its arguments.
 */
void pxm_categorize(struct pxm_endpoint *eps, size_t n, bool uses_cluster, bool uses_local,
                    struct pxm_cat *out);

/* "TCP", "UDP", "SCTP"; and 0 with *out set, or -EINVAL, from those names. */
const char *pxm_proto_name(enum pxm_proto p);
int pxm_proto_parse(const char *s, enum pxm_proto *out);

/* PXM_HASH_LEN characters + NUL of base32(SHA-256(data)). */
void pxm_hash(const void *data, size_t len, char out[PXM_HASH_LEN + 1]);
/*
 * The distinct strings among in[0..n) (NULLs allowed) packed into one new
 * block, returned; out[i] points at in[i]'s copy (NULL for NULL). With no
 * string at all, returns NULL and *rc stays; on ENOMEM, NULL and *rc = -ENOMEM.
 * in and out may be the same array.
 */
char *pxm_pack_strings(const char **in, size_t n, const char **out, int *rc);

/* "<ip>:<port>" or "[<ip6>]:<port>", as kube-proxy names an endpoint. Returns
 * the length or -ENOSPC; 56 bytes always suffice. */
int pxm_endpoint_str(const struct pxm_endpoint *ep, char *out, size_t outlen);

#endif
