/* test_openapi.c - the OpenAPI v3 documents as kubectl 1.32 reads them. */
#include "unit.h"

#include "api/resource.h"
#include "server/openapi.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const oa_test_gvs[] = {"api/v1", "apis/discovery.k8s.io/v1",
                                          "apis/networking.k8s.io/v1"};

static json_t *load_doc(const char *gv)
{
	buf b = BUF_INIT;
	json_t *doc = NULL;

	if (openapi_v3_doc(gv, &b) == 0)
		doc = json_loadb(b.data, b.len, 0, NULL);
	buf_free(&b);
	return doc;
}

static const char *gv_of(const struct api_resource *r, char *out, size_t n)
{
	if (r->group[0])
		snprintf(out, n, "apis/%s/%s", r->group, r->version);
	else
		snprintf(out, n, "api/%s", r->version);
	return out;
}

/* Counts $refs in node that do not resolve in schemas. */
static int dangling_refs(json_t *node, json_t *schemas)
{
	const char *k;
	json_t *v;
	size_t i;
	int bad = 0;

	if (json_is_array(node)) {
		json_array_foreach (node, i, v)
			bad += dangling_refs(v, schemas);
		return bad;
	}
	json_object_foreach (node, k, v) {
		if (!strcmp(k, "$ref")) {
			const char *ref = json_string_value(v);

			if (!ref || strncmp(ref, "#/components/schemas/", 21) ||
			    !json_object_get(schemas, ref + 21))
				bad++;
		} else {
			bad += dangling_refs(v, schemas);
		}
	}
	return bad;
}

/* What strategicpatch.PatchMetaFromOpenAPIV3 does: a property, then allOf[0],
 * then its $ref; for a slice, the items first. */
static json_t *resolve(json_t *schemas, json_t *s)
{
	json_t *all = json_object_get(s, "allOf");
	const char *ref;

	if (json_array_size(all))
		s = json_array_get(all, 0);
	ref = json_string_value(json_object_get(s, "$ref"));
	if (ref)
		s = json_object_get(schemas, ref + strlen("#/components/schemas/"));
	return s;
}

static json_t *field_of(json_t *schemas, json_t *type, const char *name, int slice)
{
	json_t *f = json_object_get(json_object_get(type, "properties"), name);

	if (!f)
		return NULL;
	return resolve(schemas, slice ? json_object_get(f, "items") : f);
}

UNIT_TEST(openapi_index_lists_gvs_with_matching_hashes)
{
	buf b = BUF_INIT;
	json_t *idx, *paths;

	CHECK_INT(openapi_v3_index(&b), 0);
	idx = json_loadb(b.data, b.len, 0, NULL);
	buf_free(&b);
	CHECK(idx);
	paths = json_object_get(idx, "paths");
	CHECK_INT(json_object_size(paths), 3);
	for (size_t i = 0; i < 3; i++) {
		const char *data, *url, *hash = openapi_v3_hash(oa_test_gvs[i]);
		unsigned char md[64];
		unsigned int mdlen = 0;
		char want[300], hex[129];
		size_t len;

		CHECK(hash);
		CHECK_INT(strlen(hash), 128);
		url = json_string_value(
		    json_object_get(json_object_get(paths, oa_test_gvs[i]), "serverRelativeURL"));
		snprintf(want, sizeof(want), "/openapi/v3/%s?hash=%s", oa_test_gvs[i], hash);
		CHECK_STR(url, want);
		CHECK_INT(openapi_v3_doc_ref(oa_test_gvs[i], &data, &len), 0);
		CHECK(EVP_Digest(data, len, md, &mdlen, EVP_sha512(), NULL));
		for (unsigned int j = 0; j < mdlen; j++)
			snprintf(hex + 2 * j, 3, "%02X", md[j]);
		CHECK_STR(hex, hash);
	}
	json_decref(idx);
}

UNIT_TEST(openapi_docs_are_stable_across_rebuilds)
{
	char before[3][129];

	for (int i = 0; i < 3; i++)
		snprintf(before[i], sizeof(before[i]), "%s", openapi_v3_hash(oa_test_gvs[i]));
	openapi_cleanup();
	CHECK_INT(openapi_init(), 0);
	CHECK_INT(openapi_init(), 0); /* idempotent */
	for (int i = 0; i < 3; i++)
		CHECK_STR(openapi_v3_hash(oa_test_gvs[i]), before[i]);
}

UNIT_TEST(openapi_unknown_paths)
{
	buf b = BUF_INIT;
	const char *d;
	size_t n;

	CHECK_INT(openapi_v3_doc("apis/apps/v1", &b), -ENOENT);
	CHECK_INT(openapi_v3_doc("api/v1/", &b), -ENOENT);
	CHECK_INT(openapi_v3_doc("", &b), -ENOENT);
	CHECK_INT(openapi_v3_doc(NULL, &b), -ENOENT);
	CHECK_INT(openapi_v3_doc("api", &b), -ENOENT);
	CHECK_INT(openapi_v3_doc_ref("apis/discovery.k8s.io", &d, &n), -ENOENT);
	CHECK_INT(b.len, 0);
	CHECK(openapi_v3_hash("apis/networking.k8s.io/v1beta1") == NULL);
	CHECK(openapi_v3_hash(NULL) == NULL);
	CHECK_INT(openapi_v3_doc("/api/v1", &b), 0); /* a leading slash is fine */
	CHECK(b.len > 1000);
	buf_free(&b);
}

UNIT_TEST(openapi_docs_parse_and_every_ref_resolves)
{
	for (size_t i = 0; i < 3; i++) {
		json_t *doc = load_doc(oa_test_gvs[i]), *schemas;

		CHECK(doc);
		CHECK_STR(json_string_value(json_object_get(doc, "openapi")), "3.0.0");
		CHECK(json_object_get(json_object_get(doc, "info"), "title"));
		schemas = json_object_get(json_object_get(doc, "components"), "schemas");
		CHECK(json_object_size(schemas) > 10);
		CHECK_INT(dangling_refs(doc, schemas), 0);
		CHECK(json_object_size(json_object_get(doc, "paths")) > 3);
		json_decref(doc);
	}
}

/* cli-runtime's supportsQueryParamV3 stops at the first PATCH operation with
 * the kind's GVK (in map order), so every one of them must list the
 * parameter, and gvkSupportsPatchOpenAPIV3 needs the SMP media type. */
UNIT_TEST(openapi_every_patch_supports_field_validation)
{
	int seen[API_NKINDS] = {0};

	for (size_t g = 0; g < 3; g++) {
		json_t *doc = load_doc(oa_test_gvs[g]), *item;
		const char *path;

		CHECK(doc);
		json_object_foreach (json_object_get(doc, "paths"), path, item) {
			json_t *op = json_object_get(item, "patch"), *p, *gvk, *content;
			const struct api_resource *r;
			char av[128];
			int fv = 0;
			size_t i;

			if (!op)
				continue;
			json_array_foreach (json_object_get(op, "parameters"), i, p) {
				if (!strcmp(json_string_value(json_object_get(p, "name")),
				            "fieldValidation"))
					fv = 1;
			}
			CHECK(fv);
			gvk = json_object_get(op, "x-kubernetes-group-version-kind");
			CHECK(json_is_object(gvk));
			CHECK_STR(json_string_value(json_object_get(op, "x-kubernetes-action")),
			          "patch");
			snprintf(av, sizeof(av), "%s%s%s",
			         json_string_value(json_object_get(gvk, "group")),
			         *json_string_value(json_object_get(gvk, "group")) ? "/" : "",
			         json_string_value(json_object_get(gvk, "version")));
			r = api_resource_by_kind(av,
			                         json_string_value(json_object_get(gvk, "kind")));
			CHECK(r);
			seen[r->id]++;
			content = json_object_get(json_object_get(op, "requestBody"), "content");
			CHECK(json_object_get(content, "application/strategic-merge-patch+json"));
			CHECK(json_object_get(content, "application/merge-patch+json"));
			CHECK(json_object_get(content, "application/json-patch+json"));
			CHECK(json_object_get(content, "application/apply-patch+yaml"));
		}
		json_decref(doc);
	}
	for (int k = 0; k < API_NKINDS; k++)
		CHECK_INT(seen[k], api_resources[k].has_status ? 2 : 1);
}

UNIT_TEST(openapi_paths_match_resource_table)
{
	for (int k = 0; k < API_NKINDS; k++) {
		const struct api_resource *r = &api_resources[k];
		char gv[128], base[160], path[300];
		json_t *doc = load_doc(gv_of(r, gv, sizeof(gv))), *paths, *item, *op, *p;
		int label_sel = 0;
		size_t i;

		CHECK(doc);
		paths = json_object_get(doc, "paths");
		snprintf(base, sizeof(base), "/%s", gv);
		if (r->namespaced)
			snprintf(path, sizeof(path), "%s/namespaces/{namespace}/%s/{name}", base,
			         r->plural);
		else
			snprintf(path, sizeof(path), "%s/%s/{name}", base, r->plural);
		item = json_object_get(paths, path);
		CHECK(item);
		CHECK(json_object_get(item, "get") && json_object_get(item, "put") &&
		      json_object_get(item, "delete"));
		/* name (and namespace) are path-level parameters, as kube-apiserver has */
		CHECK_INT(json_array_size(json_object_get(item, "parameters")),
		          r->namespaced ? 3 : 2);
		strcat(path, "/status");
		CHECK(!!json_object_get(paths, path) == !!r->has_status);

		/* the collection lists with selectors, on the operation */
		path[strlen(path) - strlen("/{name}/status")] = '\0';
		op = json_object_get(json_object_get(paths, path), "get");
		CHECK(op);
		CHECK_STR(json_string_value(json_object_get(op, "x-kubernetes-action")), "list");
		json_array_foreach (json_object_get(op, "parameters"), i, p) {
			label_sel +=
			    !strcmp(json_string_value(json_object_get(p, "name")), "labelSelector");
		}
		CHECK_INT(label_sel, 1);
		CHECK(json_object_get(json_object_get(paths, path), "post"));
		if (r->namespaced) {
			snprintf(path, sizeof(path), "%s/%s", base, r->plural);
			op = json_object_get(json_object_get(paths, path), "get");
			CHECK(op);
			CHECK(strstr(json_string_value(json_object_get(op, "operationId")),
			             "ForAllNamespaces"));
		}
		json_decref(doc);
	}
}

UNIT_TEST(openapi_kinds_carry_gvk_extension)
{
	for (int k = 0; k < API_NKINDS; k++) {
		const struct api_resource *r = &api_resources[k];
		char gv[128], name[200];
		json_t *doc = load_doc(gv_of(r, gv, sizeof(gv))), *schemas, *g;

		CHECK(doc);
		schemas = json_object_get(json_object_get(doc, "components"), "schemas");
		for (int list = 0; list < 2; list++) {
			snprintf(name, sizeof(name), "io.k8s.api.%s.%s.%s%s", r->openapi_pkg,
			         r->version, r->kind, list ? "List" : "");
			g = json_array_get(json_object_get(json_object_get(schemas, name),
			                                   "x-kubernetes-group-version-kind"),
			                   0);
			CHECK(g);
			CHECK_STR(json_string_value(json_object_get(g, "group")), r->group);
			CHECK_STR(json_string_value(json_object_get(g, "version")), r->version);
			CHECK(!strncmp(json_string_value(json_object_get(g, "kind")), r->kind,
			               strlen(r->kind)));
		}
		json_decref(doc);
	}
}

UNIT_TEST(openapi_service_ports_patch_metadata)
{
	json_t *doc = load_doc("api/v1"), *schemas, *svc, *spec, *ports, *keys, *port;

	CHECK(doc);
	schemas = json_object_get(json_object_get(doc, "components"), "schemas");
	svc = json_object_get(schemas, "io.k8s.api.core.v1.Service");
	spec = field_of(schemas, svc, "spec", 0);
	CHECK(spec);
	ports = json_object_get(json_object_get(spec, "properties"), "ports");
	CHECK_STR(json_string_value(json_object_get(ports, "x-kubernetes-patch-merge-key")),
	          "port");
	CHECK_STR(json_string_value(json_object_get(ports, "x-kubernetes-patch-strategy")),
	          "merge");
	CHECK_STR(json_string_value(json_object_get(ports, "x-kubernetes-list-type")), "map");
	keys = json_object_get(ports, "x-kubernetes-list-map-keys");
	CHECK_INT(json_array_size(keys), 2);
	CHECK_STR(json_string_value(json_array_get(keys, 0)), "port");
	CHECK_STR(json_string_value(json_array_get(keys, 1)), "protocol");
	port = field_of(schemas, spec, "ports", 1);
	CHECK(port);
	CHECK_STR(json_string_value(json_object_get(
	              json_object_get(json_object_get(port, "properties"), "protocol"), "default")),
	          "TCP");
	CHECK_STR(json_string_value(json_object_get(
	              resolve(schemas,
	                      json_object_get(json_object_get(port, "properties"), "targetPort")),
	              "format")),
	          "int-or-string");
	/* selector is replaced as a whole */
	CHECK_STR(json_string_value(json_object_get(
	              json_object_get(json_object_get(spec, "properties"), "selector"),
	              "x-kubernetes-map-type")),
	          "atomic");
	json_decref(doc);
}

static const char *ext_of(json_t *schemas, json_t *type, const char *field, const char *ext)
{
	return json_string_value(
	    json_object_get(json_object_get(json_object_get(type, "properties"), field), ext));
}

UNIT_TEST(openapi_pod_and_meta_patch_strategies)
{
	json_t *doc = load_doc("api/v1"), *schemas, *pod, *spec, *ctr, *meta, *node_spec;

	CHECK(doc);
	schemas = json_object_get(json_object_get(doc, "components"), "schemas");
	pod = json_object_get(schemas, "io.k8s.api.core.v1.Pod");
	spec = field_of(schemas, pod, "spec", 0);
	CHECK(spec);
	CHECK_STR(ext_of(schemas, spec, "containers", "x-kubernetes-patch-merge-key"), "name");
	CHECK_STR(ext_of(schemas, spec, "volumes", "x-kubernetes-patch-strategy"),
	          "merge,retainKeys");
	CHECK_STR(ext_of(schemas, spec, "tolerations", "x-kubernetes-list-type"), "atomic");
	ctr = field_of(schemas, spec, "containers", 1);
	CHECK(ctr);
	CHECK_STR(ext_of(schemas, ctr, "ports", "x-kubernetes-patch-merge-key"), "containerPort");
	CHECK_STR(ext_of(schemas, ctr, "env", "x-kubernetes-patch-merge-key"), "name");
	CHECK_STR(ext_of(schemas, ctr, "volumeMounts", "x-kubernetes-patch-merge-key"),
	          "mountPath");
	/* unmodelled areas stay open for validation and explain */
	CHECK(json_is_true(
	    json_object_get(json_object_get(json_object_get(ctr, "properties"), "securityContext"),
	                    "x-kubernetes-preserve-unknown-fields")));
	meta = field_of(schemas, pod, "metadata", 0);
	CHECK(meta);
	CHECK_STR(ext_of(schemas, meta, "ownerReferences", "x-kubernetes-patch-merge-key"), "uid");
	CHECK_STR(ext_of(schemas, meta, "finalizers", "x-kubernetes-list-type"), "set");
	node_spec =
	    field_of(schemas, json_object_get(schemas, "io.k8s.api.core.v1.Node"), "spec", 0);
	CHECK_STR(ext_of(schemas, node_spec, "podCIDRs", "x-kubernetes-patch-strategy"), "merge");
	json_decref(doc);
}

UNIT_TEST(openapi_docs_hold_only_reachable_schemas)
{
	json_t *doc = load_doc("apis/discovery.k8s.io/v1"), *schemas;

	CHECK(doc);
	schemas = json_object_get(json_object_get(doc, "components"), "schemas");
	CHECK(json_object_get(schemas, "io.k8s.api.discovery.v1.EndpointSlice"));
	CHECK(json_object_get(schemas, "io.k8s.api.core.v1.ObjectReference")); /* targetRef */
	CHECK(json_object_get(schemas, "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent"));
	CHECK(!json_object_get(schemas, "io.k8s.api.core.v1.Pod"));
	CHECK(!json_object_get(schemas, "io.k8s.api.networking.v1.Ingress"));
	json_decref(doc);
}

UNIT_TEST(openapi_operations_are_tagged)
{
	for (size_t g = 0; g < 3; g++) {
		json_t *doc = load_doc(oa_test_gvs[g]), *item, *op;
		const char *path, *method;
		int ops = 0;

		CHECK(doc);
		json_object_foreach (json_object_get(doc, "paths"), path, item) {
			json_object_foreach (item, method, op) {
				if (!strcmp(method, "parameters"))
					continue;
				ops++;
				CHECK(json_object_get(op, "operationId"));
				CHECK(json_object_get(json_object_get(op, "responses"), "200"));
				/* only the group-version root has no kind */
				if (path[strlen(path) - 1] != '/') {
					CHECK(json_object_get(op, "x-kubernetes-action"));
					CHECK(
					    json_object_get(op, "x-kubernetes-group-version-kind"));
				}
			}
		}
		CHECK(ops > 10);
		json_decref(doc);
	}
}

static long oa_alloc_n, oa_fail_at = -1;

static void *oa_failing_malloc(size_t n)
{
	if (oa_alloc_n++ == oa_fail_at)
		return NULL;
	return malloc(n);
}

/* A failed allocation anywhere in the build is reported, leaks nothing (the
 * leak checkers see to that) and leaves the next attempt free to succeed. */
UNIT_TEST(openapi_survives_allocation_failures)
{
	long total, step, bad = 0, failed = 0;

	openapi_cleanup();
	oa_alloc_n = 0;
	oa_fail_at = -1;
	json_set_alloc_funcs(oa_failing_malloc, free);
	if (openapi_init() != 0)
		bad++;
	total = oa_alloc_n;
	openapi_cleanup();
	step = total / 60 + 1;
	for (long k = 0; k < total; k += step) {
		int rc;

		oa_alloc_n = 0;
		oa_fail_at = k;
		rc = openapi_init();
		if (rc != 0 && rc != -ENOMEM)
			bad++;
		failed += rc != 0;
		openapi_cleanup();
	}
	oa_fail_at = -1;
	json_set_alloc_funcs(malloc, free);
	CHECK_INT(bad, 0);
	CHECK(total > 1000);
	CHECK(failed > 50);
	CHECK_INT(openapi_init(), 0);
	CHECK(openapi_v3_hash("api/v1"));
}
