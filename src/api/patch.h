/*
 * patch.h - the three PATCH body formats kube-apiserver accepts, as pure
 * functions over jansson values.
 *
 *   application/merge-patch+json            patch_merge()      (RFC 7386)
 *   application/json-patch+json             patch_json()       (RFC 6902)
 *   application/strategic-merge-patch+json  patch_strategic()  (apimachinery)
 *
 * None of them touches its inputs; each result is a new value. The server
 * turns the error codes into Status objects: -EINVAL is 422 Invalid for JSON
 * patch and strategic merge patch content errors (kube-apiserver answers some
 * malformed strategic patches with 400; the message says which), -E2BIG is
 * 413 (too many JSON patch operations), -EOPNOTSUPP is 415 (no strategic
 * merge patch for that kind), -ENOMEM is 500.
 *
 * The quirks of the Go libraries kube-apiserver uses are kept where a client
 * could observe them (evanphx/json-patch v4 messages, negative array indices,
 * "replace" of a missing object member acting as "add", nulls pruned from
 * values a merge patch adds), so kubectl and scripts behave as they do against
 * a real cluster.
 */
#ifndef SVCNET_API_PATCH_H
#define SVCNET_API_PATCH_H

#include <stddef.h>

#include <jansson.h>

/* kube-apiserver's limit (maxJSONPatchOperations). */
#define PATCH_MAX_OPS 10000
/* Deeper documents are refused by patch_strategic(): real objects nest ~15. */
#define PATCH_MAX_DEPTH 64
/* Longest list patch_strategic() merges element-wise (its work is O(n*m)). */
#define PATCH_MAX_LIST 10000
/* Nodes "copy" operations of one JSON patch may duplicate in total. */
#define PATCH_MAX_COPY_NODES 250000

/*
 * JSON merge patch. A null member deletes; objects merge recursively; any
 * other value replaces. As in evanphx/json-patch v4 (which kube-apiserver
 * uses), nulls are pruned from values that land where there was no object
 * (null members of objects and null array elements, recursively). A
 * non-object patch replaces the whole target as RFC 7386 says; kube-apiserver
 * answers a scalar or null patch (or a null target) with 400 instead, so the
 * caller checks that. Returns a new reference, or NULL only when memory runs
 * out.
 */
json_t *patch_merge(const json_t *target, const json_t *patch);

/*
 * JSON patch: ops is an array of {"op","path","value"|"from"} objects;
 * add/remove/replace/move/copy/test with RFC 6901 pointers (~0 ~1, "-" for
 * the end of an array, negative indices counting from the end as
 * evanphx/json-patch allows). Returns 0 and *out (new reference); or -EINVAL
 * with the Go library's message in err ("testing value /x failed: test
 * failed", "remove operation does not apply: doc is missing path:
 * \"/spec/x\": missing value"); -E2BIG with kube-apiserver's message when
 * there are more than PATCH_MAX_OPS operations; -ENOMEM.
 */
int patch_json(const json_t *doc, const json_t *ops, json_t **out, char *err, size_t errlen);

/*
 * Strategic merge patch as kube-apiserver applies it
 * (strategicpatch.StrategicMergeMapPatch with the type's patch metadata):
 * maps merge, null deletes, merge lists merge by their patchMergeKey,
 * primitive merge lists take the union, other lists are replaced; the
 * directives $patch (replace/delete/merge), $setElementOrder/<field>,
 * $deleteFromPrimitiveList/<field> and $retainKeys work as upstream,
 * including its ordering rules. api_version/kind pick the metadata
 * (patch_meta_lookup); both NULL means "no metadata" (every list replaces).
 * Returns 0 and *out; -EINVAL with a message; -EOPNOTSUPP for a kind with no
 * metadata table; -ENOMEM.
 *
 * Results were differential-tested against upstream's code; list order
 * follows it exactly, including what Go's slice aliasing does to it. Where a
 * patch has both <field> and $deleteFromPrimitiveList/<field> without
 * $setElementOrder/<field>, upstream's order of the two is random (Go map
 * iteration); here it is the patch's key order. Two differences are
 * invisible after kube-apiserver's typed decode: directive keys left in
 * values copied from the patch are dropped, and so are their null members.
 * Error texts are upstream's, Go %v formatting included. Key order follows
 * the original object, new keys appended.
 */
int patch_strategic(const json_t *orig, const json_t *patch, const char *api_version,
                    const char *kind, json_t **out, char *err, size_t errlen);

/*
 * Patch metadata: the patchStrategy/patchMergeKey struct tags of the served
 * types (k8s.io/api), as a tree of field tables. A field missing from a table
 * has no metadata, which for the apply side is the same as an atomic field.
 */
enum patch_field_flags {
	PATCH_F_MERGE = 1,       /* patchStrategy:"merge" */
	PATCH_F_RETAIN_KEYS = 2, /* patchStrategy:"retainKeys" (used by diffing only) */
	PATCH_F_REPLACE = 4,     /* patchStrategy:"replace" */
};

struct patch_type;

struct patch_field {
	const char *name;              /* JSON field name */
	unsigned flags;                /* enum patch_field_flags */
	const char *merge_key;         /* patchMergeKey, or NULL */
	const struct patch_type *type; /* the field's struct (a list's element) */
};

struct patch_type {
	const char *name;                 /* "io.k8s.api.core.v1.PodSpec" */
	const struct patch_field *fields; /* ends with a {NULL} row */
};

/* The top-level type for apiVersion/kind ("v1"/"Pod"), or NULL. */
const struct patch_type *patch_meta_lookup(const char *api_version, const char *kind);
/* The field's metadata in t, or NULL (also when t is NULL). */
const struct patch_field *patch_meta_field(const struct patch_type *t, const char *name);

#endif
