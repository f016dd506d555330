/*
 * openapi_paths.c - the REST paths of one group version, as kube-apiserver
 * lists them in its OpenAPI v3 documents.
 *
 * name, namespace and pretty are path-level parameters; the query parameters
 * of each verb sit on its operation. That placement matters: kubectl's
 * supportsQueryParamV3 reads only the PATCH operation's own parameters when
 * it looks for fieldValidation. Every operation carries x-kubernetes-action
 * and x-kubernetes-group-version-kind, which kubectl matches kinds against.
 */
#include "server/openapi_schema.h"

#include "api/resource.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REF_PREFIX "#/components/schemas/"

struct oa_param {
	const char *name;
	const char *type;
	const char *desc;
};

static const struct oa_param oa_params[] = {
    {"allowWatchBookmarks", "boolean", "Requests watch events with type BOOKMARK."},
    {"continue", "string", "The continue token of a previous list call with a limit."},
    {"dryRun", "string", "When present, modifications are not persisted. Valid value: All."},
    {"fieldManager", "string", "Name of the actor or entity making these changes."},
    {"fieldSelector", "string", "A selector restricting the returned objects by their fields."},
    {"fieldValidation", "string",
     "How to handle unknown or duplicate fields in the request: Ignore, Warn or Strict."},
    {"force", "boolean", "Force Apply requests: re-acquire fields owned by other managers."},
    {"gracePeriodSeconds", "integer", "Seconds before the object should be deleted."},
    {"ignoreStoreReadErrorWithClusterBreakingPotential", "boolean",
     "Delete a resource that cannot be read from storage (unsafe)."},
    {"labelSelector", "string", "A selector restricting the returned objects by their labels."},
    {"limit", "integer", "Maximum number of responses to return for a list call."},
    {"orphanDependents", "boolean", "Deprecated: use propagationPolicy."},
    {"pretty", "string", "If 'true', then the output is pretty printed."},
    {"propagationPolicy", "string", "Garbage collection policy: Orphan, Background or Foreground."},
    {"resourceVersion", "string", "Constraint on what resource versions may serve the request."},
    {"resourceVersionMatch", "string", "How resourceVersion is applied to list calls."},
    {"sendInitialEvents", "boolean", "Start a watch with synthetic events of the current state."},
    {"timeoutSeconds", "integer", "Timeout for the list/watch call."},
    {"watch", "boolean", "Watch for changes to the described resources."},
};

static const char *const p_list[] = {"allowWatchBookmarks",
                                     "continue",
                                     "fieldSelector",
                                     "labelSelector",
                                     "limit",
                                     "resourceVersion",
                                     "resourceVersionMatch",
                                     "sendInitialEvents",
                                     "timeoutSeconds",
                                     "watch",
                                     NULL};
static const char *const p_write[] = {"dryRun", "fieldManager", "fieldValidation", NULL};
static const char *const p_patch[] = {"dryRun", "fieldManager", "fieldValidation", "force", NULL};
static const char *const p_delete[] = {
    "dryRun",           "gracePeriodSeconds", "ignoreStoreReadErrorWithClusterBreakingPotential",
    "orphanDependents", "propagationPolicy",  NULL};
static const char *const p_deletecoll[] = {"continue",
                                           "dryRun",
                                           "fieldSelector",
                                           "gracePeriodSeconds",
                                           "ignoreStoreReadErrorWithClusterBreakingPotential",
                                           "labelSelector",
                                           "limit",
                                           "orphanDependents",
                                           "propagationPolicy",
                                           "resourceVersion",
                                           "resourceVersionMatch",
                                           "sendInitialEvents",
                                           "timeoutSeconds",
                                           NULL};

static const int c_get[] = {200, 0}, c_create[] = {200, 201, 202, 0}, c_put[] = {200, 201, 0},
                 c_delete[] = {200, 202, 0};

enum op_body { BODY_NONE, BODY_KIND, BODY_DELETE, BODY_PATCH };
enum op_resp { RESP_KIND, RESP_LIST, RESP_STATUS, RESP_WATCH };

/* One operation. In desc and opid, %K is the kind, %G the group-version infix
 * of operation ids ("CoreV1") and %N "Namespaced" on namespaced paths. */
struct op_spec {
	const char *method;
	const char *desc;
	const char *opid;
	const char *action; /* x-kubernetes-action */
	const char *const *params;
	const int *codes;
	enum op_body body;
	enum op_resp resp;
	int watch; /* streaming media type in the responses */
};

#define DEPRECATED_WATCH ". deprecated: use the 'watch' parameter with a list operation instead"

enum {
	OP_LIST,
	OP_LIST_ALL,
	OP_CREATE,
	OP_DELCOLL,
	OP_READ,
	OP_REPLACE,
	OP_PATCH,
	OP_DELETE,
	OP_READ_ST,
	OP_REPLACE_ST,
	OP_PATCH_ST,
	OP_WATCH_LIST,
	OP_WATCH_ALL,
	OP_WATCH_ONE,
};

static const struct op_spec oa_ops[] = {
    [OP_LIST] = {"get", "list or watch objects of kind %K", "list%G%N%K", "list", p_list, c_get,
                 BODY_NONE, RESP_LIST, 1},
    [OP_LIST_ALL] = {"get", "list or watch objects of kind %K", "list%G%KForAllNamespaces", "list",
                     NULL, c_get, BODY_NONE, RESP_LIST, 1},
    [OP_CREATE] = {"post", "create a %K", "create%G%N%K", "post", p_write, c_create, BODY_KIND,
                   RESP_KIND, 0},
    [OP_DELCOLL] = {"delete", "delete collection of %K", "delete%GCollection%N%K",
                    "deletecollection", p_deletecoll, c_get, BODY_DELETE, RESP_STATUS, 0},
    [OP_READ] = {"get", "read the specified %K", "read%G%N%K", "get", NULL, c_get, BODY_NONE,
                 RESP_KIND, 0},
    [OP_REPLACE] = {"put", "replace the specified %K", "replace%G%N%K", "put", p_write, c_put,
                    BODY_KIND, RESP_KIND, 0},
    [OP_PATCH] = {"patch", "partially update the specified %K", "patch%G%N%K", "patch", p_patch,
                  c_put, BODY_PATCH, RESP_KIND, 0},
    [OP_DELETE] = {"delete", "delete a %K", "delete%G%N%K", "delete", p_delete, c_delete,
                   BODY_DELETE, RESP_STATUS, 0},
    [OP_READ_ST] = {"get", "read status of the specified %K", "read%G%N%KStatus", "get", NULL,
                    c_get, BODY_NONE, RESP_KIND, 0},
    [OP_REPLACE_ST] = {"put", "replace status of the specified %K", "replace%G%N%KStatus", "put",
                       p_write, c_put, BODY_KIND, RESP_KIND, 0},
    [OP_PATCH_ST] = {"patch", "partially update status of the specified %K", "patch%G%N%KStatus",
                     "patch", p_patch, c_put, BODY_PATCH, RESP_KIND, 0},
    [OP_WATCH_LIST] = {"get", "watch individual changes to a list of %K" DEPRECATED_WATCH ".",
                       "watch%G%N%KList", "watchlist", NULL, c_get, BODY_NONE, RESP_WATCH, 1},
    [OP_WATCH_ALL] = {"get", "watch individual changes to a list of %K" DEPRECATED_WATCH ".",
                      "watch%G%KListForAllNamespaces", "watchlist", NULL, c_get, BODY_NONE,
                      RESP_WATCH, 1},
    [OP_WATCH_ONE] = {"get",
                      "watch changes to an object of kind %K" DEPRECATED_WATCH
                      ", filtered to a single item with the 'fieldSelector' parameter.",
                      "watch%G%N%K", "watch", NULL, c_get, BODY_NONE, RESP_WATCH, 1},
};

struct oa_ctx {
	const struct oa_gvinfo *gv;
	const struct api_resource *r;
	char kind_schema[160];
	char list_schema[168];
};

/* Steals v; -1 when v is NULL or the insertion fails. */
static int oset(json_t *o, const char *key, json_t *v)
{
	if (!v)
		return -1;
	return json_object_set_new(o, key, v);
}

static void expand(const char *pat, const struct oa_ctx *c, int namespaced, char *out, size_t n)
{
	size_t len = 0;

	for (; *pat && len + 1 < n; pat++) {
		const char *sub = NULL;

		if (pat[0] == '%' && pat[1] == 'K')
			sub = c->r->kind;
		else if (pat[0] == '%' && pat[1] == 'G')
			sub = c->gv->opid;
		else if (pat[0] == '%' && pat[1] == 'N')
			sub = namespaced ? "Namespaced" : "";
		if (!sub) {
			out[len++] = *pat;
			continue;
		}
		pat++;
		len += (size_t)snprintf(out + len, n - len, "%s", sub);
		if (len >= n)
			len = n - 1;
	}
	out[len] = '\0';
}

static json_t *param_json(const char *name, const char *in, const char *type, const char *desc,
                          int required)
{
	json_t *p = json_pack("{s:s,s:s,s:s,s:{s:s,s:b}}", "description", desc, "in", in, "name",
	                      name, "schema", "type", type, "uniqueItems", 1);

	if (p && required && oset(p, "required", json_true())) {
		json_decref(p);
		return NULL;
	}
	return p;
}

static const struct oa_param *find_param(const char *name)
{
	for (size_t i = 0; i < sizeof(oa_params) / sizeof(oa_params[0]); i++)
		if (!strcmp(oa_params[i].name, name))
			return &oa_params[i];
	return NULL;
}

static json_t *query_param(const char *name)
{
	const struct oa_param *p = find_param(name);

	return p ? param_json(p->name, "query", p->type, p->desc, 0) : NULL;
}

static int by_param_name(const void *a, const void *b)
{
	json_t *const *pa = a, *const *pb = b;

	return strcmp(json_string_value(json_object_get(*pa, "name")),
	              json_string_value(json_object_get(*pb, "name")));
}

/* Path-level parameters: {name} and {namespace} when the path has them,
 * pretty, and the list parameters on watch and all-namespaces paths, sorted
 * by name as in the real documents. */
static json_t *path_params(const struct api_resource *r, int with_name, int with_ns, int list)
{
	json_t *items[16], *a = NULL;
	size_t n = 0;
	char desc[128];

	snprintf(desc, sizeof(desc), "name of the %s", r->kind);
	if (with_name)
		items[n++] = param_json("name", "path", "string", desc, 1);
	if (with_ns)
		items[n++] = param_json("namespace", "path", "string",
		                        "object name and auth scope, such as for teams and "
		                        "projects",
		                        1);
	items[n++] = query_param("pretty");
	for (size_t i = 0; list && p_list[i]; i++)
		items[n++] = query_param(p_list[i]);
	for (size_t i = 0; i < n; i++)
		if (!items[i])
			goto out;
	qsort(items, n, sizeof(items[0]), by_param_name);
	a = json_array();
	for (size_t i = 0; a && i < n; i++) {
		if (json_array_append(a, items[i])) {
			json_decref(a);
			a = NULL;
		}
	}
out:
	for (size_t i = 0; i < n; i++)
		json_decref(items[i]);
	return a;
}

static json_t *ref_json(const char *schema)
{
	char ref[256];

	snprintf(ref, sizeof(ref), REF_PREFIX "%s", schema);
	return json_pack("{s:s}", "$ref", ref);
}

/* Responses for the status codes in codes (0-terminated) in JSON, plus the
 * streaming media type for watches; and 401. */
static json_t *responses(const int *codes, const char *schema, int watch)
{
	json_t *rs = json_object();

	for (; rs && *codes; codes++) {
		const char *desc = *codes == 200 ? "OK" : *codes == 201 ? "Created" : "Accepted";
		json_t *content =
		    json_pack("{s:{s:o}}", "application/json", "schema", ref_json(schema));
		char code[8];

		if (content && watch &&
		    oset(content, "application/json;stream=watch",
		         json_pack("{s:o}", "schema", ref_json(schema)))) {
			json_decref(content);
			content = NULL;
		}
		snprintf(code, sizeof(code), "%d", *codes);
		if (!content ||
		    oset(rs, code,
		         json_pack("{s:o,s:s}", "content", content, "description", desc))) {
			json_decref(rs);
			return NULL;
		}
	}
	if (rs && oset(rs, "401", json_pack("{s:s}", "description", "Unauthorized"))) {
		json_decref(rs);
		return NULL;
	}
	return rs;
}

static json_t *request_body(enum op_body body, const char *kind_schema)
{
	static const char *const patch_types[] = {
	    "application/apply-patch+yaml", "application/json-patch+json",
	    "application/merge-patch+json", "application/strategic-merge-patch+json"};
	json_t *content;

	if (body == BODY_KIND)
		return json_pack("{s:{s:{s:o}}}", "content", "*/*", "schema",
		                 ref_json(kind_schema));
	if (body == BODY_DELETE)
		return json_pack("{s:{s:{s:o}}}", "content", "*/*", "schema",
		                 ref_json(OA_META "DeleteOptions"));
	content = json_object();
	for (size_t i = 0; content && i < sizeof(patch_types) / sizeof(patch_types[0]); i++)
		if (oset(content, patch_types[i],
		         json_pack("{s:o}", "schema", ref_json(OA_META "Patch")))) {
			json_decref(content);
			return NULL;
		}
	return content ? json_pack("{s:o}", "content", content) : NULL;
}

static json_t *operation(const struct oa_ctx *c, const struct op_spec *op, int namespaced)
{
	const char *resp = op->resp == RESP_KIND     ? c->kind_schema
	                   : op->resp == RESP_LIST   ? c->list_schema
	                   : op->resp == RESP_STATUS ? OA_META "Status"
	                                             : OA_META "WatchEvent";
	char opid[200], desc[256];
	json_t *o, *params;

	expand(op->opid, c, namespaced, opid, sizeof(opid));
	expand(op->desc, c, namespaced, desc, sizeof(desc));
	o = json_pack("{s:s,s:s,s:o,s:[s],s:s,s:{s:s,s:s,s:s}}", "description", desc, "operationId",
	              opid, "responses", responses(op->codes, resp, op->watch), "tags", c->gv->tag,
	              "x-kubernetes-action", op->action, "x-kubernetes-group-version-kind", "group",
	              c->r->group, "kind", c->r->kind, "version", c->r->version);
	if (o && op->params) {
		params = json_array();
		for (size_t i = 0; params && op->params[i]; i++)
			if (json_array_append_new(params, query_param(op->params[i]))) {
				json_decref(params);
				params = NULL;
			}
		if (oset(o, "parameters", params))
			goto fail;
	}
	if (o && op->body != BODY_NONE &&
	    oset(o, "requestBody", request_body(op->body, c->kind_schema)))
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

/* Adds the path with its parameters and the operations listed in ops (ended
 * by -1). */
static int add_path(json_t *paths, const struct oa_ctx *c, const char *path, json_t *params,
                    const int *ops, int namespaced)
{
	json_t *item = json_object();

	if (!item) {
		json_decref(params);
		return -1;
	}
	if (oset(item, "parameters", params)) {
		json_decref(item);
		return -1;
	}
	for (; *ops >= 0; ops++)
		if (oset(item, oa_ops[*ops].method, operation(c, &oa_ops[*ops], namespaced))) {
			json_decref(item);
			return -1;
		}
	return oset(paths, path, item);
}

static int resource_paths(json_t *paths, const struct oa_gvinfo *gv, const char *base,
                          const struct api_resource *r)
{
	static const int coll_ops[] = {OP_LIST, OP_CREATE, OP_DELCOLL, -1};
	static const int ns_coll_ops[] = {OP_LIST, OP_CREATE,
	                                  -1}; /* namespaces: no deletecollection */
	static const int one_ops[] = {OP_READ, OP_REPLACE, OP_PATCH, OP_DELETE, -1};
	static const int st_ops[] = {OP_READ_ST, OP_REPLACE_ST, OP_PATCH_ST, -1};
	static const int wlist_ops[] = {OP_WATCH_LIST, -1}, wone_ops[] = {OP_WATCH_ONE, -1};
	static const int all_ops[] = {OP_LIST_ALL, -1}, wall_ops[] = {OP_WATCH_ALL, -1};
	const char *nsp = r->namespaced ? "/namespaces/{namespace}" : "";
	int ns = r->namespaced, err = 0;
	struct oa_ctx c = {.gv = gv, .r = r};
	char p[320];

	snprintf(c.kind_schema, sizeof(c.kind_schema), "io.k8s.api.%s.%s.%s", r->openapi_pkg,
	         r->version, r->kind);
	snprintf(c.list_schema, sizeof(c.list_schema), "%sList", c.kind_schema);

	snprintf(p, sizeof(p), "%s%s/%s", base, nsp, r->plural);
	err |= add_path(paths, &c, p, path_params(r, 0, ns, 0),
	                r->id == API_NAMESPACE ? ns_coll_ops : coll_ops, ns);
	snprintf(p, sizeof(p), "%s%s/%s/{name}", base, nsp, r->plural);
	err |= add_path(paths, &c, p, path_params(r, 1, ns, 0), one_ops, ns);
	if (r->has_status) {
		snprintf(p, sizeof(p), "%s%s/%s/{name}/status", base, nsp, r->plural);
		err |= add_path(paths, &c, p, path_params(r, 1, ns, 0), st_ops, ns);
	}
	snprintf(p, sizeof(p), "%s/watch%s/%s", base, nsp, r->plural);
	err |= add_path(paths, &c, p, path_params(r, 0, ns, 1), wlist_ops, ns);
	snprintf(p, sizeof(p), "%s/watch%s/%s/{name}", base, nsp, r->plural);
	err |= add_path(paths, &c, p, path_params(r, 1, ns, 1), wone_ops, ns);
	if (ns) {
		snprintf(p, sizeof(p), "%s/%s", base, r->plural);
		err |= add_path(paths, &c, p, path_params(r, 0, 0, 1), all_ops, 0);
		snprintf(p, sizeof(p), "%s/watch/%s", base, r->plural);
		err |= add_path(paths, &c, p, path_params(r, 0, 0, 1), wall_ops, 0);
	}
	return err ? -1 : 0;
}

json_t *oa_paths_build(const struct oa_gvinfo *gv)
{
	char base[128], root[136], opid[64];
	json_t *paths = json_object();

	if (!paths)
		return NULL;
	if (gv->group[0])
		snprintf(base, sizeof(base), "/apis/%s/%s", gv->group, gv->version);
	else
		snprintf(base, sizeof(base), "/api/%s", gv->version);
	snprintf(root, sizeof(root), "%s/", base);
	snprintf(opid, sizeof(opid), "get%sAPIResources", gv->opid);
	if (oset(paths, root,
	         json_pack("{s:{s:s,s:s,s:o,s:[s]}}", "get", "description",
	                   "get available resources", "operationId", opid, "responses",
	                   responses(c_get, OA_META "APIResourceList", 0), "tags", gv->tag)))
		goto fail;
	for (size_t i = 0; i < API_NKINDS; i++) {
		const struct api_resource *r = &api_resources[i];

		if (strcmp(r->group, gv->group) || strcmp(r->version, gv->version))
			continue;
		if (resource_paths(paths, gv, base, r))
			goto fail;
	}
	return paths;
fail:
	json_decref(paths);
	return NULL;
}
