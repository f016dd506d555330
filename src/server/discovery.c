/*
 * discovery.c - /version, legacy discovery (/api, /apis, /api/v1,
 * /apis/<group>/<version>) and the OpenAPI v3 documents.
 *
 * kubectl asks for aggregated discovery first; answering with the legacy
 * documents (plain application/json) makes it fall back, which it supports.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "server/openapi.h"
#include "server/rest.h"

#define DISCOVERY_K8S_MINOR "32"

static const char *const disc_groups[] = {"discovery.k8s.io", "networking.k8s.io"};

static void disc_version(struct rest_req *r)
{
	json_t *v = json_pack(
	    "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "major", "1", "minor", DISCOVERY_K8S_MINOR,
	    "gitVersion", "v1." DISCOVERY_K8S_MINOR ".0-svcnet", "gitCommit", "svcnet",
	    "gitTreeState", "clean", "buildDate", "2026-11-24T00:00:00Z", "goVersion", "none (C11)",
	    "compiler", "gcc", "platform", "linux/amd64");

	rest_json(r, 200, v);
	json_decref(v);
}

static json_t *disc_resource_list(const char *group, const char *version)
{
	char gv[96];
	json_t *list, *arr = json_array();

	snprintf(gv, sizeof(gv), "%s%s%s", group, group[0] ? "/" : "", version);
	for (int i = 0; i < API_NKINDS; i++) {
		const struct api_resource *res = &api_resources[i];
		json_t *e, *sn;

		if (strcmp(res->group, group) || strcmp(res->version, version))
			continue;
		sn = json_array();
		for (int k = 0; k < 3 && res->short_names[k]; k++)
			json_array_append_new(sn, json_string(res->short_names[k]));
		e = json_pack("{s:s,s:s,s:b,s:s,s:[s,s,s,s,s,s,s,s]}", "name", res->plural,
		              "singularName", res->singular, "namespaced", res->namespaced, "kind",
		              res->kind, "verbs", "create", "delete", "deletecollection", "get",
		              "list", "patch", "update", "watch");
		if (json_array_size(sn))
			json_object_set(e, "shortNames", sn);
		if (res->in_all)
			json_object_set_new(e, "categories", json_pack("[s]", "all"));
		json_decref(sn);
		json_array_append_new(arr, e);
		if (res->has_status) {
			char sub[80];

			snprintf(sub, sizeof(sub), "%s/status", res->plural);
			json_array_append_new(
			    arr, json_pack("{s:s,s:s,s:b,s:s,s:[s,s,s]}", "name", sub, "singularName",
			                   "", "namespaced", res->namespaced, "kind", res->kind,
			                   "verbs", "get", "patch", "update"));
		}
	}
	list = json_pack("{s:s,s:s,s:s,s:o}", "kind", "APIResourceList", "apiVersion", "v1",
	                 "groupVersion", gv, "resources", arr);
	return list;
}

static json_t *disc_group(const char *group)
{
	char gv[96];

	snprintf(gv, sizeof(gv), "%s/v1", group);
	return json_pack("{s:s,s:s,s:s,s:[{s:s,s:s}],s:{s:s,s:s}}", "kind", "APIGroup",
	                 "apiVersion", "v1", "name", group, "versions", "groupVersion", gv,
	                 "version", "v1", "preferredVersion", "groupVersion", gv, "version", "v1");
}

static void disc_send(struct rest_req *r, json_t *o)
{
	if (!o) {
		rest_internal(r, -12);
		return;
	}
	rest_json(r, 200, o);
	json_decref(o);
}

/* Documents are immutable per hash: clients cache them as kube-apiserver lets them. */
static void disc_openapi(struct rest_req *r, const char *path)
{
	const char *gv = path + strlen("/openapi/v3/"), *want = rest_param(r, "hash"), *hash;
	const char *data;
	char etag[160], loc[300];
	size_t len;
	buf b = BUF_INIT;

	if (!strcmp(path, "/openapi/v3") || !strcmp(path, "/openapi/v3/")) {
		if (openapi_v3_index(&b) < 0)
			rest_internal(r, -ENOMEM);
		else
			http_respond(r->c, 200, "application/json", b.data, b.len);
		buf_free(&b);
		return;
	}
	hash = openapi_v3_hash(gv);
	if (!hash || openapi_v3_doc_ref(gv, &data, &len) < 0) {
		rest_errorf(r, 404, "NotFound", "the server could not find the requested resource");
		return;
	}
	snprintf(etag, sizeof(etag), "\"%s\"", hash);
	http_add_header(r->c, "Etag", etag);
	if (want && strcmp(want, hash) != 0) {
		snprintf(loc, sizeof(loc), "/openapi/v3/%s?hash=%s", gv, hash);
		http_add_header(r->c, "Location", loc);
		http_respond(r->c, 301, "text/plain", "", 0);
		return;
	}
	if (want) {
		http_add_header(r->c, "Cache-Control", "public, immutable");
		http_add_header(r->c, "Expires", "Fri, 01 Jan 2038 00:00:00 GMT");
	}
	http_respond(r->c, 200, "application/json", data, len);
}

int discovery_handle(struct rest_req *r, const char *path)
{
	char gpath[128];

	if (strcmp(r->hr->method, "GET") != 0 && strcmp(r->hr->method, "HEAD") != 0)
		return 0;
	if (!strcmp(path, "/version") || !strcmp(path, "/version/")) {
		disc_version(r);
		return 1;
	}
	if (!strcmp(path, "/api") || !strcmp(path, "/api/")) {
		disc_send(r, json_pack("{s:s,s:[s],s:[{s:s,s:s}]}", "kind", "APIVersions",
		                       "versions", "v1", "serverAddressByClientCIDRs", "clientCIDR",
		                       "0.0.0.0/0", "serverAddress", r->as->cfg.listen));
		return 1;
	}
	if (!strcmp(path, "/api/v1") || !strcmp(path, "/api/v1/")) {
		disc_send(r, disc_resource_list("", "v1"));
		return 1;
	}
	if (!strcmp(path, "/apis") || !strcmp(path, "/apis/")) {
		json_t *groups = json_array();

		for (size_t i = 0; i < sizeof(disc_groups) / sizeof(disc_groups[0]); i++)
			json_array_append_new(groups, disc_group(disc_groups[i]));
		disc_send(r, json_pack("{s:s,s:s,s:o}", "kind", "APIGroupList", "apiVersion", "v1",
		                       "groups", groups));
		return 1;
	}
	if (!strncmp(path, "/openapi/v3", 11)) {
		disc_openapi(r, path);
		return 1;
	}
	for (size_t i = 0; i < sizeof(disc_groups) / sizeof(disc_groups[0]); i++) {
		snprintf(gpath, sizeof(gpath), "/apis/%s", disc_groups[i]);
		if (!strcmp(path, gpath)) {
			disc_send(r, disc_group(disc_groups[i]));
			return 1;
		}
		snprintf(gpath, sizeof(gpath), "/apis/%s/v1", disc_groups[i]);
		if (!strcmp(path, gpath)) {
			disc_send(r, disc_resource_list(disc_groups[i], "v1"));
			return 1;
		}
	}
	return 0;
}
