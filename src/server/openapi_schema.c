/*
 * openapi_schema.c - turns the type tables into OpenAPI v3 component schemas.
 *
 * The shapes follow what kube-openapi's v3 builder emits, because kubectl's
 * strategic-merge-patch lookup (PatchMetaFromOpenAPIV3) resolves a field by
 * taking allOf[0] and then its $ref: a reference with a description beside it
 * is wrapped as {"allOf":[{"$ref":...}],"description":...}, array items of
 * struct type as {"allOf":[{"$ref":...}],"default":{}}.
 */
#include "server/openapi_schema.h"

#include "api/resource.h"

#include <stdio.h>
#include <string.h>

#define REF_PREFIX "#/components/schemas/"

static const struct oa_type *const oa_tables[] = {oa_types_meta, oa_types_pod, oa_types_core,
                                                  oa_types_net};

static const struct oa_type *oa_find(const char *name)
{
	for (size_t t = 0; t < sizeof(oa_tables) / sizeof(oa_tables[0]); t++)
		for (const struct oa_type *ty = oa_tables[t]; ty->name; ty++)
			if (!strcmp(ty->name, name))
				return ty;
	return NULL;
}

/* Steals v; -1 when v is NULL (an earlier allocation failed) or on failure. */
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

static json_t *ref_plain(const char *name)
{
	char buf[256];

	snprintf(buf, sizeof(buf), REF_PREFIX "%s", name);
	return json_pack("{s:s}", "$ref", buf);
}

/* allOf wrapper, as used when a reference needs siblings. */
static json_t *ref_wrapped(const char *name)
{
	json_t *all = json_array();

	if (!all || aappend(all, ref_plain(name))) {
		json_decref(all);
		return NULL;
	}
	return json_pack("{s:o}", "allOf", all);
}

/* An element of an array or map: struct types carry "default": {} like the real
 * documents; scalar-like types (Quantity, Time) are a bare reference. */
static json_t *ref_element(const char *name)
{
	const struct oa_type *ty = oa_find(name);
	json_t *o;

	if (!ty || !ty->fields)
		return ref_plain(name);
	o = ref_wrapped(name);
	if (o && oset(o, "default", json_object())) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *scalar(const char *type, const char *format)
{
	json_t *o = json_pack("{s:s}", "type", type);

	if (o && format && oset(o, "format", json_string(format))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *preserve_object(void)
{
	return json_pack("{s:s,s:b}", "type", "object", "x-kubernetes-preserve-unknown-fields", 1);
}

static json_t *field_base(const struct oa_field *f)
{
	switch (f->kind) {
	case OA_STR:
		return scalar("string", NULL);
	case OA_BYTES:
		return scalar("string", "byte");
	case OA_I32:
		return scalar("integer", "int32");
	case OA_I64:
		return scalar("integer", "int64");
	case OA_BOOL:
		return scalar("boolean", NULL);
	case OA_NUM:
		return scalar("number", "double");
	case OA_REF:
		return ref_wrapped(f->ref);
	case OA_ANY:
		return preserve_object();
	case OA_ARR_STR:
		return json_pack("{s:s,s:{s:s,s:s}}", "type", "array", "items", "type", "string",
		                 "default", "");
	case OA_ARR_REF:
		return json_pack("{s:s,s:o}", "type", "array", "items", ref_element(f->ref));
	case OA_ARR_ANY:
		return json_pack("{s:s,s:o}", "type", "array", "items", preserve_object());
	case OA_MAP_STR:
		return json_pack("{s:s,s:{s:s,s:s}}", "type", "object", "additionalProperties",
		                 "type", "string", "default", "");
	case OA_MAP_BYTES:
		return json_pack("{s:s,s:{s:s,s:s}}", "type", "object", "additionalProperties",
		                 "type", "string", "format", "byte");
	case OA_MAP_REF:
		return json_pack("{s:s,s:o}", "type", "object", "additionalProperties",
		                 ref_element(f->ref));
	}
	return NULL;
}

static json_t *split_keys(const char *keys)
{
	json_t *a = json_array();
	const char *p = keys;

	while (a && *p) {
		size_t n = strcspn(p, ",");

		if (aappend(a, json_stringn(p, n))) {
			json_decref(a);
			return NULL;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return a;
}

static json_t *field_schema(const struct oa_field *f)
{
	json_t *s = field_base(f);
	int err = 0;

	if (!s)
		return NULL;
	if (f->flags & OA_DEF_OBJ)
		err |= oset(s, "default", json_object());
	if (f->flags & OA_DEF_STR)
		err |= oset(s, "default", json_string(""));
	if (f->flags & OA_DEF_BOOL)
		err |= oset(s, "default", json_false());
	if (f->dflt)
		err |= oset(s, "default", json_loads(f->dflt, JSON_DECODE_ANY, NULL));
	if (f->desc)
		err |= oset(s, "description", json_string(f->desc));
	if (f->flags & OA_ATOMIC)
		err |= oset(s, "x-kubernetes-map-type", json_string("atomic"));
	if (f->list_type)
		err |= oset(s, "x-kubernetes-list-type", json_string(f->list_type));
	if (f->map_keys)
		err |= oset(s, "x-kubernetes-list-map-keys", split_keys(f->map_keys));
	if (f->merge_key)
		err |= oset(s, "x-kubernetes-patch-merge-key", json_string(f->merge_key));
	if (f->strategy)
		err |= oset(s, "x-kubernetes-patch-strategy", json_string(f->strategy));
	if (err) {
		json_decref(s);
		return NULL;
	}
	return s;
}

/* "group/version/Kind;..." as the array kubectl's gvkMatchesArray decodes. */
static json_t *gvk_array(const char *spec)
{
	json_t *a = json_array();
	const char *p = spec;

	while (a && *p) {
		size_t n = strcspn(p, ";");
		char part[128], *v, *k;

		if (n >= sizeof(part))
			goto fail;
		memcpy(part, p, n);
		part[n] = '\0';
		v = strchr(part, '/');
		k = v ? strchr(v + 1, '/') : NULL;
		if (!k)
			goto fail;
		*v++ = '\0';
		*k++ = '\0';
		if (aappend(a, json_pack("{s:s,s:s,s:s}", "group", part, "kind", k, "version", v)))
			goto fail;
		p += n;
		if (*p == ';')
			p++;
	}
	return a;
fail:
	json_decref(a);
	return NULL;
}

static json_t *type_schema(const struct oa_type *ty)
{
	json_t *s, *props, *req;
	int err = 0;

	if (ty->raw) {
		s = json_loads(ty->raw, 0, NULL);
		if (s && oset(s, "description", json_string(ty->desc))) {
			json_decref(s);
			return NULL;
		}
		return s;
	}
	s = json_object();
	props = json_object();
	req = json_array();
	if (!s || !props || !req)
		goto fail;
	for (const struct oa_field *f = ty->fields; f->name; f++) {
		/* A reference to a type missing from the tables would leave a
		 * dangling $ref in the document: refuse to build instead. */
		if (f->ref && !oa_find(f->ref))
			goto fail;
		if (oset(props, f->name, field_schema(f)))
			goto fail;
		if ((f->flags & OA_REQ) && aappend(req, json_string(f->name)))
			goto fail;
	}
	err |= oset(s, "description", json_string(ty->desc));
	err |= oset(s, "type", json_string("object"));
	if (json_object_size(props))
		err |= oset(s, "properties", json_incref(props));
	if (json_array_size(req))
		err |= oset(s, "required", json_incref(req));
	if (ty->gvk)
		err |= oset(s, "x-kubernetes-group-version-kind", gvk_array(ty->gvk));
	if (ty->flags & OA_T_ATOMIC)
		err |= oset(s, "x-kubernetes-map-type", json_string("atomic"));
	if (ty->flags & OA_T_PRESERVE)
		err |= oset(s, "x-kubernetes-preserve-unknown-fields", json_true());
	json_decref(props);
	json_decref(req);
	if (err) {
		json_decref(s);
		return NULL;
	}
	return s;
fail:
	json_decref(s);
	json_decref(props);
	json_decref(req);
	return NULL;
}

/* <Kind>List for a served resource, generated rather than tabled since all
 * lists share one shape. */
static json_t *list_schema(const struct api_resource *r)
{
	char item[160], desc[160], gvk[160];
	json_t *s;

	snprintf(item, sizeof(item), "io.k8s.api.%s.%s.%s", r->openapi_pkg, r->version, r->kind);
	snprintf(desc, sizeof(desc), "%sList is a list of %s objects.", r->kind, r->kind);
	snprintf(gvk, sizeof(gvk), "%s/%s/%sList", r->group, r->version, r->kind);
	s = json_pack("{s:s,s:s,s:{s:{s:s,s:s},s:{s:s,s:s,s:o},s:{s:s,s:s},s:o},s:[s]}",
	              "description", desc, "type", "object", "properties", "apiVersion", "type",
	              "string", "description", "APIVersion of this representation of an object.",
	              "items", "type", "array", "description", "List of objects.", "items",
	              ref_element(item), "kind", "type", "string", "description",
	              "Kind of this list.", "metadata", ref_wrapped(OA_META "ListMeta"), "required",
	              "items");
	if (s && oset(s, "x-kubernetes-group-version-kind", gvk_array(gvk))) {
		json_decref(s);
		return NULL;
	}
	return s;
}

json_t *oa_schemas_build(void)
{
	json_t *all = json_object();

	if (!all)
		return NULL;
	for (size_t t = 0; t < sizeof(oa_tables) / sizeof(oa_tables[0]); t++)
		for (const struct oa_type *ty = oa_tables[t]; ty->name; ty++)
			if (oset(all, ty->name, type_schema(ty)))
				goto fail;
	for (size_t i = 0; i < API_NKINDS; i++) {
		char name[160];
		const struct api_resource *r = &api_resources[i];

		snprintf(name, sizeof(name), "io.k8s.api.%s.%s.%sList", r->openapi_pkg, r->version,
		         r->kind);
		if (oset(all, name, list_schema(r)))
			goto fail;
	}
	return all;
fail:
	json_decref(all);
	return NULL;
}
