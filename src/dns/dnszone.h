/*
 * dnszone.h - the cluster zone in memory: what the Kubernetes DNS
 * specification (kubernetes/dns docs/specification.md, schema 1.1.0) derives
 * from Services, EndpointSlices and (for --pods verified) Pods.
 *
 * Informer events go in as JSON objects; the zone keeps its own compact copy
 * of what answers need, so the informers can run with stub caches. Lookups
 * are hashed on "<ns>/<name>" (a service) and on the address (PTR, pods), so
 * an answer costs O(1) in the number of Services. Every change bumps the
 * serial that the SOA carries.
 *
 * A service's answers are recomputed from its Service and its slices on
 * every change to either (dz_svc.eps: the ready addresses, de-duplicated
 * across slices, with the name each answers to).
 */
#ifndef SVCNET_DNSZONE_H
#define SVCNET_DNSZONE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "dns/dnsmsg.h"
#include "lib/net.h"

#define DZ_NAME_MAX 64 /* a DNS label (63) and its NUL */

enum dz_kind { DZ_NONE = 0, DZ_CLUSTERIP, DZ_HEADLESS, DZ_EXTERNAL };

struct dz_port {
	char name[DZ_NAME_MAX];
	char proto[8]; /* "tcp", "udp", "sctp" */
	uint16_t port;
};

struct dz_slice;

/* A ready endpoint address of a service. */
struct dz_ep {
	net_addr addr;
	char label[DZ_NAME_MAX];      /* its hostname, or the dashed address */
	const struct dz_slice *slice; /* for the SRV port of that slice */
};

struct dz_svc {
	char ns[DZ_NAME_MAX], name[DZ_NAME_MAX];
	enum dz_kind kind; /* DZ_NONE: only slices are known so far */
	net_addr ips[2];   /* cluster IPs (ClusterIP kind) */
	int nips;
	uint8_t ext[DNS_NAME_MAX]; /* ExternalName target, wire form */
	size_t ext_len;
	struct dz_port *ports; /* the Service's ports */
	int nports;
	uint8_t owner[DNS_NAME_MAX]; /* <svc>.<ns>.svc.<zone>, wire form */
	size_t owner_len;
	struct dz_ep *eps; /* ready endpoints (headless only) */
	int neps;
	struct dz_slice *slices; /* list through dz_slice.next */
	net_addr ptr_ips[2];     /* the cluster IPs in the PTR index (ips may have moved on) */
	int nptr_ips;
};

struct dz_slice {
	char ns[DZ_NAME_MAX], name[DZ_NAME_MAX], svc[DZ_NAME_MAX];
	struct dz_port *ports;
	int nports;
	struct dz_slice_ep {
		net_addr addr;
		char hostname[DZ_NAME_MAX];
		bool ready;
	} * eps;
	int neps;
	struct dz_slice *next;
};

/* One name an address points back to (PTR). */
struct dz_ptr {
	const struct dz_svc *svc;
	char label[DZ_NAME_MAX]; /* "" for a cluster IP */
};

typedef struct dz_zone dz_zone;

/* zone: "cluster.local"; ttl of every record (and the SOA minimum). NULL on ENOMEM/bad zone. */
dz_zone *dz_new(const char *zone, uint32_t ttl);
void dz_free(dz_zone *z);

/* Informer events. 1 when answers changed, 0 when not, -ENOMEM (the zone
 * keeps its previous state for that object), -EINVAL for an object without
 * namespace/name. */
int dz_service_set(dz_zone *z, json_t *svc);
int dz_service_delete(dz_zone *z, json_t *svc);
int dz_slice_set(dz_zone *z, json_t *slice);
int dz_slice_delete(dz_zone *z, json_t *slice);
int dz_pod_set(dz_zone *z, json_t *pod);
int dz_pod_delete(dz_zone *z, json_t *pod);

/* The zone apex, wire form, lower case. */
const uint8_t *dz_apex(const dz_zone *z, size_t *len);
uint32_t dz_ttl(const dz_zone *z);
uint32_t dz_serial(const dz_zone *z);

/* Lookups; labels are lower case and NUL-terminated. */
const struct dz_svc *dz_find_svc(const dz_zone *z, const char *ns, const char *name);
/* 1 when some Service lives in ns. */
int dz_ns_exists(const dz_zone *z, const char *ns);
/* The names that point back to a; returns how many (at most max). */
int dz_ptr_find(const dz_zone *z, const net_addr *a, struct dz_ptr *out, int max);
/* 1 when a Pod in ns has address a (--pods verified). */
int dz_pod_exists(const dz_zone *z, const char *ns, const net_addr *a);

size_t dz_service_count(const dz_zone *z);
size_t dz_slice_count(const dz_zone *z);

/* "10-42-1-5", "fd00--1" (IPv6 with ':' as '-'). */
void dz_dashed(const net_addr *a, char out[DZ_NAME_MAX]);
/* Parses a dashed address; 0 or -EINVAL. */
int dz_undash(const char *s, net_addr *out);

#endif
