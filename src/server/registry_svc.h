/*
 * registry_svc.h - internals shared by the Service registry
 * (registry_service.c: IPs and ports) and the LB IP part (registry_lb.c).
 */
#ifndef SVCNET_REGISTRY_SVC_H
#define SVCNET_REGISTRY_SVC_H

#include <jansson.h>
#include <string.h>

#include "server/registry.h"

#define SVC_LB_CLASS      "svcnet.io/lb"
#define SVC_LB_ANNOTATION "svcnet.io/load-balancer-ips"
#define SVC_LB_COND       "svcnet.io/IPAllocated"

static inline const char *svc_str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static inline const char *svc_type(const json_t *spec)
{
	const char *t = svc_str(spec, "type");

	return t[0] ? t : "ClusterIP";
}

static inline int svc_is_our_lb(const json_t *spec)
{
	const char *cls = svc_str(spec, "loadBalancerClass");

	return !strcmp(svc_type(spec), "LoadBalancer") && (!cls[0] || !strcmp(cls, SVC_LB_CLASS));
}

static inline const char *svc_family_name(int fam)
{
	return fam == AF_INET6 ? "IPv6" : "IPv4";
}

static inline void svc_track(struct reg_ctx *x, struct reg_alloc a, int release)
{
	if (release) {
		if (x->nrelease < REG_MAX_ALLOCS)
			x->release[x->nrelease++] = a;
	} else if (x->ndone < REG_MAX_ALLOCS) {
		x->done[x->ndone++] = a;
	}
}

static inline int svc_ip_in(const json_t *arr, const char *ip)
{
	size_t i;
	json_t *v;

	json_array_foreach (arr, i, v) {
		const char *s = json_string_value(v);

		if (s && !strcmp(s, ip))
			return 1;
	}
	return 0;
}

/* The IPs in status.loadBalancer.ingress (a new array). */
json_t *regsvc_lb_ingress_ips(const json_t *svc);
/* Fills status.loadBalancer of an LB service; 1 when it stays pending (why in x->message). */
int regsvc_alloc_lb(struct reg_ctx *x, const json_t *old, json_t *svc);

#endif
