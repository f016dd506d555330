/*
 * rest.h - internals shared by the REST handlers (rest_*.c) and registries.
 *
 * A request is routed into a struct rest_req (resource, namespace, name,
 * subresource, verb) and handled synchronously: every handler answers before
 * it returns, as the HTTP layer requires.
 */
#ifndef SVCNET_REST_H
#define SVCNET_REST_H

#include <jansson.h>

#include "api/resource.h"
#include "lib/url.h"
#include "server/apiserver.h"

struct rest_req {
	struct apiserver *as;
	http_conn *c;
	http_request *hr;
	url_param *params;
	size_t nparams;
	const struct api_resource *res;
	char ns[64];
	char name[256];
	const char *subresource; /* "status", or NULL */
	int has_name;
	int quiet;          /* internal use: errors are not answered */
	int table_response; /* the answer is a meta.k8s.io Table */
};

/* Responses. */
void rest_json(struct rest_req *r, int code, json_t *obj);
void rest_raw(struct rest_req *r, int code, const char *json, size_t len);
/* A Status failure. details may be NULL; it is stolen. */
void rest_status(struct rest_req *r, int code, const char *reason, const char *message,
                 json_t *details);
void rest_errorf(struct rest_req *r, int code, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void rest_not_found(struct rest_req *r, const struct api_resource *res, const char *name);
void rest_conflict(struct rest_req *r, const char *name);
/* 422 Invalid with causes (stolen). */
void rest_invalid(struct rest_req *r, const char *name, json_t *causes);
void rest_internal(struct rest_req *r, int err);

const char *rest_param(const struct rest_req *r, const char *key);
int rest_param_bool(const struct rest_req *r, const char *key);

/* Body -> JSON object (JSON or YAML by Content-Type); answers 400 itself on failure. */
json_t *rest_decode_body(struct rest_req *r);

/* Store keys. */
int rest_key(const struct rest_req *r, char *out, size_t outlen);
int rest_key_for(const struct api_resource *res, const char *ns, const char *name, char *out,
                 size_t outlen);

/* Verbs (rest_read.c, rest_watch.c, rest_write.c, rest_delete.c). */
void rest_get(struct rest_req *r);
void rest_list(struct rest_req *r);
void rest_watch(struct rest_req *r);
void rest_create(struct rest_req *r);
void rest_update(struct rest_req *r);
void rest_patch(struct rest_req *r);
void rest_delete(struct rest_req *r);
void rest_delete_collection(struct rest_req *r);

/* Discovery and friends (discovery.c). */
int discovery_handle(struct rest_req *r, const char *path);

/* Selectors from ?labelSelector= and ?fieldSelector= (answers 400 itself). */
struct sel;
int rest_selectors(struct rest_req *r, struct sel **ls, struct sel **fs);
int rest_matches(const struct api_resource *res, const struct sel *ls, const struct sel *fs,
                 const json_t *obj);
int rest_list_prefix(const struct rest_req *r, char *out, size_t outlen);

/* Server-side printing (kubectl get): Accept asks for a Table. */
int rest_wants_table(const struct rest_req *r);
int rest_include_object(const struct rest_req *r);

/* Deleting one object with the options of a DELETE (rest_delete.c). */
struct rest_delopts {
	long long grace; /* -1: not given */
	const char *uid;
	const char *rv;
	int dry_run;
};
int rest_delete_one(struct rest_req *r, const char *key, const char *name,
                    const struct rest_delopts *o, store_val **out);

/* A deleting Pod's last finalizer went: delete it now or at its deadline. */
int rest_pod_finalized(struct apiserver *as, const char *key, const json_t *pod, store_val **out);

/* Records when a terminating pod is due (seconds since the epoch). */
void rest_pod_deadline(struct apiserver *as, const char *key, uint64_t when);

/* Helpers. */
/* The string at o[k], or "" (never NULL). */
const char *rest_str(const json_t *o, const char *k);
/* prefix (cut to max_prefix) + 5 random characters, as generateName does. */
int rest_generated_name(const char *prefix, size_t max_prefix, char *out, size_t outlen);
json_t *rest_load(const store_val *v);
void rest_uuid(char *out); /* 37 bytes */
void rest_now(char *out, size_t outlen);
/* uid, creationTimestamp, generation 1 on a new object. */
void rest_stamp_new(json_t *obj);
int rest_namespace_exists(struct apiserver *as, const char *ns);
int rest_finalize_delete(struct apiserver *as, const struct api_resource *res, const char *key,
                         int64_t expect_rev, store_val **out);

#endif
