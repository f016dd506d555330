/*
 * validate_impl.h - what the validate_*.c files share; not for other modules.
 *
 * Each per-kind validator walks the object with a struct fe_ctx whose path
 * starts empty; it pushes "metadata", "spec", ... itself, so causes carry the
 * full field path.
 */
#ifndef SVCNET_API_VALIDATE_IMPL_H
#define SVCNET_API_VALIDATE_IMPL_H

#include "api/fielderr.h"
#include "api/validate.h"

/* The rule metadata.name must follow. */
enum vld_name_rule { VLD_SUBDOMAIN, VLD_LABEL, VLD_DNS1035 };

/* ---- shared field rules (validate_meta.c) ---- */

/* Each emits one FieldValueInvalid per problem, at current path + sub. */
void vld_dns1123_label(struct fe_ctx *c, const char *sub, const char *v);
void vld_dns1123_subdomain(struct fe_ctx *c, const char *sub, const char *v);
void vld_qualified_name(struct fe_ctx *c, const char *sub, const char *v);
void vld_port_name(struct fe_ctx *c, const char *sub, const char *v);
/* "must be between 1 and 65535, inclusive" */
void vld_port_num(struct fe_ctx *c, const char *sub, long long v);
/* IntOrString port: number 1-65535 or IANA_SVC_NAME. */
void vld_port_num_or_name(struct fe_ctx *c, const json_t *parent, const char *key);
void vld_ip(struct fe_ctx *c, const char *sub, const char *v);
void vld_cidr(struct fe_ctx *c, const char *sub, const char *v);
/* Rejects unspecified, loopback and link-local addresses (Endpoints, externalIPs). */
void vld_non_special_ip(struct fe_ctx *c, const char *sub, const char *v);
/* "must be greater than or equal to 0" */
void vld_nonnegative(struct fe_ctx *c, const char *sub, long long v);
/* A string-to-string map of labels (also selectors, nodeSelector, topology). */
void vld_labels(struct fe_ctx *c, const json_t *parent, const char *key);
/* Appends problems for a metadata.name under rule. */
int vld_name_msgs(enum vld_name_rule rule, const char *name, int prefix, const char **msgs);
/* Whether two optional JSON values are equal, absent and null being equal. */
int vld_same(const json_t *a, const json_t *b);
/* Invalid(new, "field is immutable") at sub when parent[key] changed. */
void vld_immutable(struct fe_ctx *c, const json_t *newp, const json_t *oldp, const char *key);

/* ---- metadata (validate_meta.c) ---- */

/* Validates obj.metadata on create (and as the create half of update). */
void vld_meta(struct fe_ctx *c, const json_t *obj, int namespaced, enum vld_name_rule rule);
/* The update-only rules: immutable name, namespace, uid, timestamps, ... */
void vld_meta_update(struct fe_ctx *c, const json_t *obj, const json_t *old);

/* ---- pods (validate_container.c) ---- */

/* spec.containers and spec.initContainers; vols holds the pod's volume names,
 * grace its terminationGracePeriodSeconds (-1 when unknown). */
void vld_containers(struct fe_ctx *c, const json_t *spec, const struct fe_set *vols,
                    long long grace);

/* ---- per kind ---- */

void vld_service(struct fe_ctx *c, const json_t *obj, const json_t *old);
/* ValidateServiceClusterIPsRelatedFields alone (the allocator's pre-check). */
void vld_service_cluster_ips(struct fe_ctx *c, const json_t *svc);
void vld_service_status(struct fe_ctx *c, const json_t *obj, const json_t *old);
void vld_pod(struct fe_ctx *c, const json_t *obj, const json_t *old);
void vld_pod_status(struct fe_ctx *c, const json_t *obj, const json_t *old);
void vld_namespace(struct fe_ctx *c, const json_t *obj, const json_t *old);
void vld_node(struct fe_ctx *c, const json_t *obj, const json_t *old);
void vld_secret(struct fe_ctx *c, const json_t *obj, const json_t *old);
void vld_event(struct fe_ctx *c, const json_t *obj, const json_t *old);
void vld_endpoints(struct fe_ctx *c, const json_t *obj, const json_t *old);
void vld_endpointslice(struct fe_ctx *c, const json_t *obj, const json_t *old);
void vld_ingress(struct fe_ctx *c, const json_t *obj, const json_t *old);
void vld_ingress_status(struct fe_ctx *c, const json_t *obj, const json_t *old);
void vld_ingressclass(struct fe_ctx *c, const json_t *obj, const json_t *old);
/* status.loadBalancer of a Service or an Ingress (at the current path). */
void vld_lb_status(struct fe_ctx *c, const json_t *lb, int service_is_lb, int is_service);

#endif
