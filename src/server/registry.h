/*
 * registry.h - per-kind logic around writes: allocation of cluster IPs, node
 * ports, LB IPs and pod CIDRs, status resets, graceful deletion.
 *
 * Allocations are in-memory; they become durable with the object that records
 * them (the same store batch). A failed write undoes them (registry_abort);
 * releases of what an update gave up are deferred until the write succeeded
 * (registry_finish). After a restart or a failed commit the allocators are
 * rebuilt from the stored objects (registry_rebuild).
 */
#ifndef SVCNET_REGISTRY_H
#define SVCNET_REGISTRY_H

#include <jansson.h>

#include "api/resource.h"
#include "lib/net.h"
#include "server/apiserver.h"

/* A Service holds at most a node port per port plus a health check port and
 * a few IPs; services are limited to REG_MAX_PORTS ports so this never fills. */
#define REG_MAX_PORTS  256
#define REG_MAX_ALLOCS (REG_MAX_PORTS + 8)

enum reg_alloc_kind { REG_SVC_IP, REG_NODE_PORT, REG_LB_IP, REG_POD_CIDR };

struct reg_alloc {
	enum reg_alloc_kind kind;
	int idx; /* service CIDR index for REG_SVC_IP */
	net_addr addr;
	net_cidr cidr;
	int port;
};

struct reg_ctx {
	struct apiserver *as;
	/* Failure: either causes for 422, or code/reason/message. */
	json_t *causes;
	int code;
	char reason[32];
	char message[512];
	/* Done in this request (undone on abort) and to release on finish. */
	struct reg_alloc done[REG_MAX_ALLOCS];
	int ndone;
	struct reg_alloc release[REG_MAX_ALLOCS];
	int nrelease;
	int status_only; /* a /status write: allocations of spec stay as they are */
	/* LB bookkeeping applied by registry_finish only (never for dry runs). */
	int lb_pending;      /* 1: wait for an IP, -1: no longer waiting, 0: nothing */
	char lb_key[512];
	char lb_why[256];    /* non-empty: record a Warning Event */
	json_t *lb_svc;      /* the Service, for the Event */
};

void registry_ctx_init(struct reg_ctx *x, struct apiserver *as);
void registry_ctx_free(struct reg_ctx *x);
/* Undo this request's allocations. */
void registry_abort(struct reg_ctx *x);
/* The write succeeded: release what the old object held and the new does not. */
void registry_finish(struct reg_ctx *x);

/* Sets what a create must reset (status), then allocates. <0 with x filled on failure. */
int registry_prepare_create(struct reg_ctx *x, const struct api_resource *res, json_t *obj);
int registry_prepare_update(struct reg_ctx *x, const struct api_resource *res, const json_t *old,
                            json_t *obj);
/* An object is gone: give back what it held. */
void registry_released(struct apiserver *as, const struct api_resource *res, const json_t *old);

/* Rebuilds every allocator from the store. */
int registry_rebuild(struct apiserver *as);

/* Failure helpers. */
int registry_fail(struct reg_ctx *x, int code, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int registry_invalid(struct reg_ctx *x, const char *field, const char *reason, const char *msg);

/* registry_service.c */
int registry_service_alloc(struct reg_ctx *x, const json_t *old, json_t *svc);
void registry_service_release(struct apiserver *as, const json_t *svc);
void registry_service_rebuild(struct apiserver *as, const json_t *svc);
/* Records an Event about obj (best effort). */
void registry_event(struct apiserver *as, const json_t *obj, const char *type, const char *reason,
                    const char *message);
/* Retries LB IP allocation for services that were waiting on an empty pool. */
void registry_lb_retry(struct apiserver *as);

#endif
