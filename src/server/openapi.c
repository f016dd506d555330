/*
 * openapi.c - the per-group-version OpenAPI v3 documents and their index.
 *
 * Each document holds the REST paths of its resources (openapi_paths.c) and
 * exactly the component schemas those paths reach (openapi_schema*.c), so
 * every $ref resolves inside the document, as kubectl requires. Documents are
 * serialized once with sorted keys: the bytes, and so the hash that clients
 * cache by, only change when the code does.
 */
#include "server/openapi.h"

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
	struct oa_gvinfo info;
	char *doc;
	size_t len;
	char hash[2 * 64 + 1];
};

static struct oa_gv oa_gvs[] = {
    {"api/v1", {"", "v1", "CoreV1", "core_v1"}, NULL, 0, ""},
    {"apis/discovery.k8s.io/v1",
     {"discovery.k8s.io", "v1", "DiscoveryV1", "discovery_v1"},
     NULL,
     0,
     ""},
    {"apis/networking.k8s.io/v1",
     {"networking.k8s.io", "v1", "NetworkingV1", "networking_v1"},
     NULL,
     0,
     ""},
};
#define OA_NGV (sizeof(oa_gvs) / sizeof(oa_gvs[0]))

static char *oa_index;
static size_t oa_index_len;

/* json_dumps() allocates with jansson's allocator: free with its free. */
static void oa_free(void *p)
{
	json_free_t fr = NULL;

	json_get_alloc_funcs(NULL, &fr);
	(fr ? fr : free)(p);
}

/* Steals v; -1 when v is NULL or the insertion fails. */
static int oset(json_t *o, const char *key, json_t *v)
{
	if (!v)
		return -1;
	return json_object_set_new(o, key, v);
}

/* Copies into out every schema that node references, transitively. A
 * reference to a schema missing from all fails the build. */
static int collect_refs(json_t *node, json_t *all, json_t *out)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_array(node)) {
		json_array_foreach (node, i, v) {
			if (collect_refs(v, all, out))
				return -1;
		}
		return 0;
	}
	if (!json_is_object(node))
		return 0;
	json_object_foreach (node, key, v) {
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
	json_t *paths = oa_paths_build(&gv->info), *schemas = json_object(), *doc = NULL;
	char *text;

	if (!paths || !schemas || collect_refs(paths, all, schemas))
		goto fail;
	doc = json_pack("{s:s,s:{s:s,s:s},s:o,s:{s:o,s:{s:{s:s,s:s,s:s,s:s}}}}", "openapi", "3.0.0",
	                "info", "title", "Kubernetes", "version", "unversioned", "paths", paths,
	                "components", "schemas", schemas, "securitySchemes", "BearerToken",
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
		oa_free(text);
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
		snprintf(url, sizeof(url), "/openapi/v3/%s?hash=%s", oa_gvs[i].path,
		         oa_gvs[i].hash);
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
		oa_free(oa_gvs[i].doc);
		oa_gvs[i].doc = NULL;
		oa_gvs[i].len = 0;
		oa_gvs[i].hash[0] = '\0';
	}
	oa_free(oa_index);
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
