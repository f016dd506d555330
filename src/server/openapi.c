/*
 * openapi.c - the per-group-version OpenAPI v3 documents and their index.
 *
 * Each document lists the REST paths of its resources the way kube-apiserver
 * does (path-level name/namespace/pretty parameters, per-operation query
 * parameters, x-kubernetes-action and x-kubernetes-group-version-kind on
 * every operation), plus exactly the component schemas those paths reach.
 */
#include "server/openapi.h"

#include "api/resource.h"
#include "server/openapi_schema.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REF_PREFIX "#/components/schemas/"

struct oa_gv {
	const char *path; /* index key, e.g. "apis/discovery.k8s.io/v1" */
	const char *group;
	const char *version;
	const char *tag;  /* operation tag: "core_v1" */
	const char *opid; /* operationId infix: "CoreV1" */
	char *doc;
	size_t len;
	char hash[2 * 64 + 1];
};

static struct oa_gv oa_gvs[] = {
	{"api/v1", "", "v1", "core_v1", "CoreV1", NULL, 0, ""},
	{"apis/discovery.k8s.io/v1", "discovery.k8s.io", "v1", "discovery_v1", "DiscoveryV1", NULL,
	 0, ""},
	{"apis/networking.k8s.io/v1", "networking.k8s.io", "v1", "networking_v1", "NetworkingV1",
	 NULL, 0, ""},
};
#define OA_NGV (sizeof(oa_gvs) / sizeof(oa_gvs[0]))

static char *oa_index;
static size_t oa_index_len;

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

static const char *const p_list[] = {
	"allowWatchBookmarks", "continue",	       "fieldSelector",	    "labelSelector",
	"limit",	       "resourceVersion",      "resourceVersionMatch", "sendInitialEvents",
	"timeoutSeconds",      "watch",		       NULL};
static const char *const p_write[] = {"dryRun", "fieldManager", "fieldValidation", NULL};
static const char *const p_patch[] = {"dryRun", "fieldManager", "fieldValidation", "force",
				      NULL};
static const char *const p_delete[] = {"dryRun",
				       "gracePeriodSeconds",
				       "ignoreStoreReadErrorWithClusterBreakingPotential",
				       "orphanDependents",
				       "propagationPolicy",
				       NULL};
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

/* Steals v; -1 when v is NULL or the insertion fails. */
static int oset(json_t *o, const char *key, json_t *v)
{
	if (!v)
		return -1;
	return json_object_set_new(o, key, v);
}

static int aappend(json_t *a, json_t *v)
{
	if (!v)
		return -1;
	return json_array_append_new(a, v);
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

static int add_query_params(json_t *arr, const char *const *names)
{
	for (; *names; names++) {
		const struct oa_param *p = find_param(*names);

		if (!p || aappend(arr, param_json(p->name, "query", p->type, p->desc, 0)))
			return -1;
	}
	return 0;
}

static int by_param_name(const void *a, const void *b)
{
	json_t *const *pa = a, *const *pb = b;

	return strcmp(json_string_value(json_object_get(*pa, "name")),
		      json_string_value(json_object_get(*pb, "name")));
}

/* Path-level parameters: {name} and {namespace} when the path has them,
 * pretty, and extra query parameters (watch paths list them here), sorted by
 * name as in the real documents. */
static json_t *path_params(const struct api_resource *r, int with_name, int with_ns,
			   const char *const *extra)
{
	json_t *items[24], *a = NULL;
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
	items[n++] = param_json("pretty", "query", "string", find_param("pretty")->desc, 0);
	for (; extra && *extra && n < sizeof(items) / sizeof(items[0]); extra++) {
		const struct oa_param *p = find_param(*extra);

		items[n++] = p ? param_json(p->name, "query", p->type, p->desc, 0) : NULL;
	}
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

/* Responses for the status codes in codes (0-terminated), each with the JSON
 * media types; watch adds the streaming one. */
static json_t *responses(const int *codes, const char *schema, int watch)
{
	json_t *rs = json_object();

	if (!rs)
		return NULL;
	for (; *codes; codes++) {
		const char *desc = *codes == 200 ? "OK" : *codes == 201 ? "Created" : "Accepted";
		json_t *content = json_object();
		char code[8];

		if (!content || oset(content, "application/json",
				     json_pack("{s:o}", "schema", ref_json(schema))))
			goto fail_content;
		if (watch && oset(content, "application/json;stream=watch",
				  json_pack("{s:o}", "schema", ref_json(schema))))
			goto fail_content;
		snprintf(code, sizeof(code), "%d", *codes);
		if (oset(rs, code, json_pack("{s:o,s:s}", "content", content, "description", desc)))
			goto fail;
		continue;
fail_content:
		json_decref(content);
		goto fail;
	}
	if (oset(rs, "401", json_pack("{s:s}", "description", "Unauthorized")))
		goto fail;
	return rs;
fail:
	json_decref(rs);
	return NULL;
}

struct op_spec {
	const char *method; /* "get", "post", ... */
	const char *desc_pre; /* description: desc_pre + kind + desc_post */
	const char *desc_post;
	const char *opid_verb; /* "list", "create", ... */
	const char *opid_mid;  /* between the group infix and the kind: "Collection" */
	const char *opid_suffix; /* after the kind: "Status", "ForAllNamespaces" */
	const char *action;      /* x-kubernetes-action */
	const char *const *params;
	const int *codes;
	int body;       /* 0 none, 1 the kind, 2 DeleteOptions, 3 Patch */
	int resp;       /* 0 the kind, 1 the list kind, 2 Status, 3 WatchEvent */
	int watch;      /* streaming media type in the responses */
};

static const int c_get[] = {200, 0}, c_create[] = {200, 201, 202, 0}, c_put[] = {200, 201, 0},
		 c_delete[] = {200, 202, 0};

static json_t *request_body(int body, const char *kind_schema)
{
	static const char *const patch_types[] = {
		"application/apply-patch+yaml", "application/json-patch+json",
		"application/merge-patch+json", "application/strategic-merge-patch+json"};
	json_t *content;

	if (body == 1)
		return json_pack("{s:{s:{s:o}}}", "content", "*/*", "schema",
				 ref_json(kind_schema));
	if (body == 2)
		return json_pack("{s:{s:{s:o}}}", "content", "*/*", "schema",
				 ref_json(OA_META "DeleteOptions"));
	content = json_object();
	if (!content)
		return NULL;
	for (size_t i = 0; i < sizeof(patch_types) / sizeof(patch_types[0]); i++)
		if (oset(content, patch_types[i],
			 json_pack("{s:o}", "schema", ref_json(OA_META "Patch")))) {
			json_decref(content);
			return NULL;
		}
	return json_pack("{s:o}", "content", content);
}

static json_t *operation(const struct oa_gv *gv, const struct api_resource *r,
			 const struct op_spec *op, int namespaced_path)
{
	char kind_schema[160], list_schema[168], opid[200], desc[200];
	const char *resp_schema;
	json_t *o, *params;
	int err = 0;

	snprintf(kind_schema, sizeof(kind_schema), "io.k8s.api.%s.%s.%s", r->openapi_pkg,
		 r->version, r->kind);
	snprintf(list_schema, sizeof(list_schema), "%sList", kind_schema);
	snprintf(opid, sizeof(opid), "%s%s%s%s%s%s", op->opid_verb, gv->opid, op->opid_mid,
		 namespaced_path ? "Namespaced" : "", r->kind, op->opid_suffix);
	snprintf(desc, sizeof(desc), "%s%s%s", op->desc_pre, r->kind, op->desc_post);
	resp_schema = op->resp == 0   ? kind_schema
		      : op->resp == 1 ? list_schema
		      : op->resp == 2 ? OA_META "Status"
				      : OA_META "WatchEvent";

	o = json_pack("{s:s,s:s,s:o,s:[s],s:s,s:{s:s,s:s,s:s}}", "description", desc,
		      "operationId", opid, "responses", responses(op->codes, resp_schema, op->watch),
		      "tags", gv->tag, "x-kubernetes-action", op->action,
		      "x-kubernetes-group-version-kind", "group", r->group, "kind", r->kind,
		      "version", r->version);
	if (!o)
		return NULL;
	if (op->params) {
		params = json_array();
		if (!params || add_query_params(params, op->params)) {
			json_decref(params);
			json_decref(o);
			return NULL;
		}
		err |= oset(o, "parameters", params);
	}
	if (op->body)
		err |= oset(o, "requestBody", request_body(op->body, kind_schema));
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int add_path(json_t *paths, const char *path, json_t *item)
{
	return oset(paths, path, item);
}

static json_t *path_item(json_t *params)
{
	json_t *p = json_object();

	if (!p || oset(p, "parameters", params)) {
		json_decref(p);
		return NULL;
	}
	return p;
}

static int add_op(json_t *item, const struct oa_gv *gv, const struct api_resource *r,
		  const struct op_spec *op, int namespaced_path)
{
	return oset(item, op->method, operation(gv, r, op, namespaced_path));
}

static int resource_paths(json_t *paths, const struct oa_gv *gv, const char *base,
			  const struct api_resource *r)
{
#define WATCH_DEPRECATED ". deprecated: use the 'watch' parameter with a list operation instead"
	static const struct op_spec list = {
		.method = "get", .desc_pre = "list or watch objects of kind ", .desc_post = "",
		.opid_verb = "list", .opid_mid = "", .opid_suffix = "", .action = "list",
		.params = p_list, .codes = c_get, .resp = 1, .watch = 1};
	static const struct op_spec list_all = {
		.method = "get", .desc_pre = "list or watch objects of kind ", .desc_post = "",
		.opid_verb = "list", .opid_mid = "", .opid_suffix = "ForAllNamespaces",
		.action = "list", .codes = c_get, .resp = 1, .watch = 1};
	static const struct op_spec create = {
		.method = "post", .desc_pre = "create a ", .desc_post = "", .opid_verb = "create",
		.opid_mid = "", .opid_suffix = "", .action = "post", .params = p_write,
		.codes = c_create, .body = 1};
	static const struct op_spec delcoll = {
		.method = "delete", .desc_pre = "delete collection of ", .desc_post = "",
		.opid_verb = "delete", .opid_mid = "Collection", .opid_suffix = "",
		.action = "deletecollection", .params = p_deletecoll, .codes = c_get, .body = 2,
		.resp = 2};
	static const struct op_spec read = {
		.method = "get", .desc_pre = "read the specified ", .desc_post = "",
		.opid_verb = "read", .opid_mid = "", .opid_suffix = "", .action = "get",
		.codes = c_get};
	static const struct op_spec replace = {
		.method = "put", .desc_pre = "replace the specified ", .desc_post = "",
		.opid_verb = "replace", .opid_mid = "", .opid_suffix = "", .action = "put",
		.params = p_write, .codes = c_put, .body = 1};
	static const struct op_spec patch = {
		.method = "patch", .desc_pre = "partially update the specified ", .desc_post = "",
		.opid_verb = "patch", .opid_mid = "", .opid_suffix = "", .action = "patch",
		.params = p_patch, .codes = c_put, .body = 3};
	static const struct op_spec del = {
		.method = "delete", .desc_pre = "delete a ", .desc_post = "", .opid_verb = "delete",
		.opid_mid = "", .opid_suffix = "", .action = "delete", .params = p_delete,
		.codes = c_delete, .body = 2, .resp = 2};
	static const struct op_spec read_st = {
		.method = "get", .desc_pre = "read status of the specified ", .desc_post = "",
		.opid_verb = "read", .opid_mid = "", .opid_suffix = "Status", .action = "get",
		.codes = c_get};
	static const struct op_spec replace_st = {
		.method = "put", .desc_pre = "replace status of the specified ", .desc_post = "",
		.opid_verb = "replace", .opid_mid = "", .opid_suffix = "Status", .action = "put",
		.params = p_write, .codes = c_put, .body = 1};
	static const struct op_spec patch_st = {
		.method = "patch", .desc_pre = "partially update status of the specified ",
		.desc_post = "", .opid_verb = "patch", .opid_mid = "", .opid_suffix = "Status",
		.action = "patch", .params = p_patch, .codes = c_put, .body = 3};
	static const struct op_spec watch_list = {
		.method = "get", .desc_pre = "watch individual changes to a list of ",
		.desc_post = WATCH_DEPRECATED ".", .opid_verb = "watch", .opid_mid = "",
		.opid_suffix = "List", .action = "watchlist", .codes = c_get, .resp = 3,
		.watch = 1};
	static const struct op_spec watch_list_all = {
		.method = "get", .desc_pre = "watch individual changes to a list of ",
		.desc_post = WATCH_DEPRECATED ".", .opid_verb = "watch", .opid_mid = "",
		.opid_suffix = "ListForAllNamespaces", .action = "watchlist", .codes = c_get,
		.resp = 3, .watch = 1};
	static const struct op_spec watch_one = {
		.method = "get", .desc_pre = "watch changes to an object of kind ",
		.desc_post = WATCH_DEPRECATED
		", filtered to a single item with the 'fieldSelector' parameter.",
		.opid_verb = "watch", .opid_mid = "", .opid_suffix = "", .action = "watch",
		.codes = c_get, .resp = 3, .watch = 1};
	char coll[256], one[288], st[300], all[256], wcoll[264], wone[300], wall[264];
	json_t *item;
	int ns = r->namespaced, err = 0;

	if (ns) {
		snprintf(coll, sizeof(coll), "%s/namespaces/{namespace}/%s", base, r->plural);
		snprintf(wcoll, sizeof(wcoll), "%s/watch/namespaces/{namespace}/%s", base,
			 r->plural);
	} else {
		snprintf(coll, sizeof(coll), "%s/%s", base, r->plural);
		snprintf(wcoll, sizeof(wcoll), "%s/watch/%s", base, r->plural);
	}
	snprintf(one, sizeof(one), "%s/{name}", coll);
	snprintf(st, sizeof(st), "%s/status", one);
	snprintf(wone, sizeof(wone), "%s/{name}", wcoll);

	/* Collection: list, create, and deletecollection (namespaces have none). */
	item = path_item(path_params(r, 0, ns, NULL));
	if (!item)
		return -1;
	err |= add_op(item, gv, r, &list, ns);
	err |= add_op(item, gv, r, &create, ns);
	if (r->id != API_NAMESPACE)
		err |= add_op(item, gv, r, &delcoll, ns);
	err |= add_path(paths, coll, item);

	item = path_item(path_params(r, 1, ns, NULL));
	if (!item)
		return -1;
	err |= add_op(item, gv, r, &read, ns);
	err |= add_op(item, gv, r, &replace, ns);
	err |= add_op(item, gv, r, &patch, ns);
	err |= add_op(item, gv, r, &del, ns);
	err |= add_path(paths, one, item);

	if (r->has_status) {
		item = path_item(path_params(r, 1, ns, NULL));
		if (!item)
			return -1;
		err |= add_op(item, gv, r, &read_st, ns);
		err |= add_op(item, gv, r, &replace_st, ns);
		err |= add_op(item, gv, r, &patch_st, ns);
		err |= add_path(paths, st, item);
	}

	item = path_item(path_params(r, 0, ns, p_list));
	if (!item)
		return -1;
	err |= add_op(item, gv, r, &watch_list, ns);
	err |= add_path(paths, wcoll, item);

	item = path_item(path_params(r, 1, ns, p_list));
	if (!item)
		return -1;
	err |= add_op(item, gv, r, &watch_one, ns);
	err |= add_path(paths, wone, item);

	if (ns) {
		snprintf(all, sizeof(all), "%s/%s", base, r->plural);
		snprintf(wall, sizeof(wall), "%s/watch/%s", base, r->plural);
		item = path_item(path_params(r, 0, 0, p_list));
		if (!item)
			return -1;
		err |= add_op(item, gv, r, &list_all, 0);
		err |= add_path(paths, all, item);

		item = path_item(path_params(r, 0, 0, p_list));
		if (!item)
			return -1;
		err |= add_op(item, gv, r, &watch_list_all, 0);
		err |= add_path(paths, wall, item);
	}
	return err ? -1 : 0;
}

static json_t *gv_paths(const struct oa_gv *gv)
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

/* Copies into out every schema that node references, transitively. A
 * reference to a schema missing from all fails the build. */
static int collect_refs(json_t *node, json_t *all, json_t *out)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_array(node)) {
		json_array_foreach(node, i, v)
		{
			if (collect_refs(v, all, out))
				return -1;
		}
		return 0;
	}
	if (!json_is_object(node))
		return 0;
	json_object_foreach(node, key, v)
	{
		if (!strcmp(key, "$ref") && json_is_string(v)) {
			const char *ref = json_string_value(v), *name;
			json_t *schema;

			if (strncmp(ref, REF_PREFIX, strlen(REF_PREFIX)))
				return -1;
			name = ref + strlen(REF_PREFIX);
			if (json_object_get(out, name))
				continue;
			schema = json_object_get(all, name);
			if (!schema || json_object_set(out, name, schema) ||
			    collect_refs(schema, all, out))
				return -1;
		} else if (collect_refs(v, all, out)) {
			return -1;
		}
	}
	return 0;
}

static int hash_hex(const char *data, size_t len, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha512(), NULL) || mdlen != 64)
		return -ENOMEM;
	for (unsigned int i = 0; i < mdlen; i++)
		snprintf(out + 2 * i, 3, "%02X", md[i]);
	return 0;
}

static int build_gv(struct oa_gv *gv, json_t *all)
{
	json_t *paths = gv_paths(gv), *schemas = json_object(), *doc = NULL;
	char *text;

	if (!paths || !schemas || collect_refs(paths, all, schemas))
		goto fail;
	doc = json_pack("{s:s,s:{s:s,s:s},s:o,s:{s:o,s:{s:{s:s,s:s,s:s,s:s}}}}", "openapi",
			"3.0.0", "info", "title", "Kubernetes", "version", "unversioned", "paths",
			paths, "components", "schemas", schemas, "securitySchemes", "BearerToken",
			"description", "Bearer Token authentication", "in", "header", "name",
			"authorization", "type", "apiKey");
	paths = schemas = NULL;
	if (!doc)
		goto fail;
	text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(doc);
	if (!text)
		return -ENOMEM;
	if (hash_hex(text, strlen(text), gv->hash)) {
		free(text);
		return -ENOMEM;
	}
	gv->doc = text;
	gv->len = strlen(text);
	return 0;
fail:
	json_decref(paths);
	json_decref(schemas);
	return -ENOMEM;
}

static int build_index(void)
{
	json_t *idx = json_object(), *paths = json_object();
	char url[256];

	if (!idx || !paths || oset(idx, "paths", json_incref(paths)))
		goto fail;
	for (size_t i = 0; i < OA_NGV; i++) {
		snprintf(url, sizeof(url), "/openapi/v3/%s?hash=%s", oa_gvs[i].path, oa_gvs[i].hash);
		if (oset(paths, oa_gvs[i].path, json_pack("{s:s}", "serverRelativeURL", url)))
			goto fail;
	}
	oa_index = json_dumps(idx, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(paths);
	json_decref(idx);
	if (!oa_index)
		return -ENOMEM;
	oa_index_len = strlen(oa_index);
	return 0;
fail:
	json_decref(paths);
	json_decref(idx);
	return -ENOMEM;
}

void openapi_cleanup(void)
{
	for (size_t i = 0; i < OA_NGV; i++) {
		free(oa_gvs[i].doc);
		oa_gvs[i].doc = NULL;
		oa_gvs[i].len = 0;
		oa_gvs[i].hash[0] = '\0';
	}
	free(oa_index);
	oa_index = NULL;
	oa_index_len = 0;
}

int openapi_init(void)
{
	json_t *all;
	int rc = 0;

	if (oa_index)
		return 0;
	all = oa_schemas_build();
	if (!all)
		return -ENOMEM;
	for (size_t i = 0; i < OA_NGV && !rc; i++)
		rc = build_gv(&oa_gvs[i], all);
	json_decref(all);
	if (!rc)
		rc = build_index();
	if (rc)
		openapi_cleanup();
	return rc;
}

static struct oa_gv *find_gv(const char *gv_path)
{
	if (!gv_path)
		return NULL;
	if (*gv_path == '/')
		gv_path++;
	for (size_t i = 0; i < OA_NGV; i++)
		if (!strcmp(oa_gvs[i].path, gv_path))
			return &oa_gvs[i];
	return NULL;
}

int openapi_v3_index(buf *out)
{
	int rc = openapi_init();

	if (rc)
		return rc;
	return buf_append(out, oa_index, oa_index_len);
}

int openapi_v3_doc_ref(const char *gv_path, const char **data, size_t *len)
{
	struct oa_gv *gv = find_gv(gv_path);
	int rc;

	if (!gv)
		return -ENOENT;
	rc = openapi_init();
	if (rc)
		return rc;
	*data = gv->doc;
	*len = gv->len;
	return 0;
}

int openapi_v3_doc(const char *gv_path, buf *out)
{
	const char *data;
	size_t len;
	int rc = openapi_v3_doc_ref(gv_path, &data, &len);

	if (rc)
		return rc;
	return buf_append(out, data, len);
}

const char *openapi_v3_hash(const char *gv_path)
{
	struct oa_gv *gv = find_gv(gv_path);

	if (!gv || openapi_init())
		return NULL;
	return gv->hash;
}
