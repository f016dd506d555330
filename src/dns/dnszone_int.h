/*
 * dnszone_int.h - the zone's tables, shared by dnszone.c (tables, lookups)
 * and dnszone_obj.c (Service, EndpointSlice and Pod objects -> tables).
 */
#ifndef SVCNET_DNSZONE_INT_H
#define SVCNET_DNSZONE_INT_H

#include <stddef.h>

#include "dns/dnszone.h"
#include "lib/dict.h"

#define DZ_ADDRKEY 34 /* family letter + 32 hex digits + NUL */

struct dz_zone {
	uint8_t apex[DNS_NAME_MAX];
	size_t apex_len;
	uint32_t ttl, serial;
	size_t nsvc;  /* entries with a Service (not only slices) */
	dict *svcs;   /* "<ns>/<name>" -> struct dz_svc */
	dict *slices; /* "<ns>/<slice>" -> struct dz_slice */
	dict *nss;    /* namespace -> number of Services (as a pointer-sized count) */
	dict *ptrs;   /* address key -> struct dz_ptrset */
	dict *pods;   /* "<ns>/<pod>" -> struct dz_pod */
	dict *podips; /* "<ns>/<address key>" -> number of Pods */
};

struct dz_pod {
	int n;
	net_addr addrs[2];
};

void dz_key(char *out, size_t n, const char *ns, const char *name);
void dz_addr_key(const net_addr *a, char out[DZ_ADDRKEY]);
int dz_count_add(dict *d, const char *key, int delta);
void dz_changed(dz_zone *z);
void dz_slice_free(struct dz_slice *sl);
/* The entry of ns/name, created (kind DZ_NONE) when create and absent. */
struct dz_svc *dz_svc_get(dz_zone *z, const char *ns, const char *name, bool create);
/* Keeps the service count and namespace counts in step with kind changes. */
void dz_svc_set_kind(dz_zone *z, struct dz_svc *s, enum dz_kind kind);
int dz_svc_refresh(dz_zone *z, struct dz_svc *s);

#endif
