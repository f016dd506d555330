/*
 * rest_write.c - create, update (PUT) and patch.
 *
 * The pipeline of every write, as kube-apiserver runs it:
 *   decode -> check apiVersion/kind/name/namespace -> carry over server-owned
 *   fields -> default -> validate -> allocate (registry) -> store write.
 * Allocation is undone when anything after it fails; releases an update
 * implies are applied only once the write is in the batch.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/defaults.h"
#include "api/k8spb.h"
#include "api/patch.h"
#include "api/validate.h"
#include "lib/log.h"
#include "lib/yaml.h"
#include "server/ctrl.h"
#include "server/registry.h"
#include "server/rest.h"

void rest_uuid(char *out)
{
	unsigned char b[16];
	static int fd = -1;

	if (fd < 0)
		fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, b, sizeof(b)) != (ssize_t)sizeof(b)) {
		for (int i = 0; i < 16; i++)
			b[i] = (unsigned char)rand();
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
	         b[13], b[14], b[15]);
}

void rest_now(char *out, size_t outlen)
{
	apiserver_timestamp(out, outlen, time(NULL));
}

static int rest_ctype_is(const char *ct, const char *want)
{
	size_t n = strlen(want);

	return ct && !strncasecmp(ct, want, n) && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

json_t *rest_decode_body(struct rest_req *r)
{
	const char *ct = http_header_get(r->hr, "Content-Type");
	buf *b = &r->hr->body;
	json_error_t jerr;
	char err[256];
	json_t *o;

	if (!buf_avail(b)) {
		rest_errorf(r, 400, "BadRequest", "the request body is empty");
		return NULL;
	}
	if (rest_ctype_is(ct, K8SPB_CONTENT_TYPE)) {
		/* kubectl's typed clients (create namespace|service|secret ...) */
		o = k8spb_decode(buf_head(b), buf_avail(b), err, sizeof(err));
		if (!o) {
			rest_errorf(r, 400, "BadRequest",
			            "the body of the request could not be "
			            "decoded: %s",
			            err);
			return NULL;
		}
	} else if (rest_ctype_is(ct, "application/yaml") ||
	           rest_ctype_is(ct, "application/x-yaml") || rest_ctype_is(ct, "text/yaml")) {
		o = yaml_to_json(buf_head(b), buf_avail(b), err, sizeof(err));
		if (!o) {
			rest_errorf(r, 400, "BadRequest",
			            "the body of the request was in an unknown "
			            "format - error converting YAML to JSON: %s",
			            err);
			return NULL;
		}
	} else {
		/* JSON_REJECT_DUPLICATES: ambiguity in a hostile body is an error, not a guess. */
		o = json_loadb(buf_head(b), buf_avail(b), JSON_REJECT_DUPLICATES, &jerr);
		if (!o) {
			rest_errorf(
			    r, 400, "BadRequest",
			    "the body of the request was in an unknown format - accepted media "
			    "types include: application/json, application/yaml (%s at line %d "
			    "column %d)",
			    jerr.text, jerr.line, jerr.column);
			return NULL;
		}
	}
	if (!json_is_object(o)) {
		json_decref(o);
		rest_errorf(r, 400, "BadRequest", "the body of the request must be an object");
		return NULL;
	}
	return o;
}

static json_t *rest_md(json_t *obj)
{
	json_t *md = json_object_get(obj, "metadata");

	if (!json_is_object(md)) {
		md = json_object();
		json_object_set_new(obj, "metadata", md);
	}
	return md;
}

const char *rest_str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* apiVersion and kind must be this resource's (filled in when absent). */
static int rest_check_type(struct rest_req *r, json_t *obj)
{
	char apiv[64];
	const char *av = rest_str(obj, "apiVersion"), *k = rest_str(obj, "kind");

	api_resource_apiversion(r->res, apiv, sizeof(apiv));
	if (json_object_get(obj, "apiVersion") &&
	    !json_is_string(json_object_get(obj, "apiVersion")))
		av = "?";
	if (json_object_get(obj, "kind") && !json_is_string(json_object_get(obj, "kind")))
		k = "?";
	if (av[0] && strcmp(av, apiv) != 0) {
		rest_errorf(r, 400, "BadRequest",
		            "the API version in the data (%s) does not match the expected API "
		            "version (%s)",
		            av, apiv);
		return -1;
	}
	if (k[0] && strcmp(k, r->res->kind) != 0) {
		rest_errorf(r, 400, "BadRequest",
		            "the kind in the data (%s) does not match the expected kind (%s)", k,
		            r->res->kind);
		return -1;
	}
	json_object_set_new(obj, "apiVersion", json_string(apiv));
	json_object_set_new(obj, "kind", json_string(r->res->kind));
	return 0;
}

/* metadata.namespace must agree with the URL; cluster-scoped objects have none. */
static int rest_check_namespace(struct rest_req *r, json_t *md)
{
	json_t *nsj = json_object_get(md, "namespace");
	const char *ns = json_string_value(nsj);

	if (!r->res->namespaced) {
		json_object_del(md, "namespace");
		return 0;
	}
	if (!r->ns[0]) {
		if (!ns || !ns[0]) {
			rest_errorf(r, 400, "BadRequest",
			            "the namespace of the provided object does not match the "
			            "namespace sent on the request");
			return -1;
		}
		snprintf(r->ns, sizeof(r->ns), "%s", ns);
	}
	if (nsj && (!ns || (ns[0] && strcmp(ns, r->ns) != 0))) {
		rest_errorf(r, 400, "BadRequest",
		            "the namespace of the provided object does not match the namespace "
		            "sent on the request");
		return -1;
	}
	json_object_set_new(md, "namespace", json_string(r->ns));
	return 0;
}

int rest_namespace_exists(struct apiserver *as, const char *ns)
{
	char key[300];

	return store_key(key, sizeof(key), "namespaces", NULL, ns) == 0 && store_get(as->st, key);
}

void rest_stamp_new(json_t *obj)
{
	json_t *md = rest_md(obj);
	char uid[37], now[32];

	rest_uuid(uid);
	rest_now(now, sizeof(now));
	json_object_set_new(md, "uid", json_string(uid));
	json_object_set_new(md, "creationTimestamp", json_string(now));
	json_object_set_new(md, "generation", json_integer(1));
}

int rest_generated_name(const char *prefix, size_t max_prefix, char *out, size_t outlen)
{
	/* The apiserver's alphabet: no vowels (no words), no confusable 0/1/3. */
	static const char alnum[] = "bcdfghjklmnpqrstvwxz2456789";
	int n = snprintf(out, outlen > 5 ? outlen - 5 : 0, "%.*s", (int)max_prefix, prefix);

	if (n < 0 || (size_t)n + 6 > outlen)
		return -ENAMETOOLONG;
	for (int i = 0; i < 5; i++)
		out[n++] = alnum[rand() % (int)(sizeof(alnum) - 1)];
	out[n] = '\0';
	return 0;
}

static void rest_generate_name(json_t *md)
{
	const char *gen = rest_str(md, "generateName");
	char name[300];

	if (rest_str(md, "name")[0] || !gen[0])
		return;
	if (rest_generated_name(gen, 58, name, sizeof(name)) == 0)
		json_object_set_new(md, "name", json_string(name));
}

static int rest_validate(struct rest_req *r, const char *name, json_t *obj, const json_t *old)
{
	json_t *causes = json_array();
	int n;

	if (!causes) {
		rest_internal(r, -ENOMEM);
		return -1;
	}
	n = api_validate(r->res->id, obj, old, causes);
	if (n < 0) {
		json_decref(causes);
		rest_internal(r, n);
		return -1;
	}
	if (n > 0) {
		rest_invalid(r, name, causes);
		return -1;
	}
	json_decref(causes);
	return 0;
}

static void rest_registry_error(struct rest_req *r, struct reg_ctx *x, const char *name)
{
	if (x->causes) {
		rest_invalid(r, name, x->causes);
		x->causes = NULL;
	} else {
		rest_status(r, x->code ? x->code : 500, x->reason[0] ? x->reason : "InternalError",
		            x->message[0] ? x->message : "internal error", NULL);
	}
}

static void rest_default(struct rest_req *r, json_t *obj)
{
	struct api_default_opts o;

	apiserver_default_opts(r->as, &o);
	api_default(r->res->id, obj, &o);
}

static int rest_dry_run(const struct rest_req *r)
{
	const char *d = rest_param(r, "dryRun");

	return d && !strcmp(d, "All");
}

void rest_create(struct rest_req *r)
{
	json_t *obj, *md;
	struct reg_ctx x;
	char key[600];
	const char *name;
	store_val *v;
	int rc;

	if (r->subresource) {
		rest_errorf(r, 405, "MethodNotAllowed",
		            "the server does not allow this method on the requested resource");
		return;
	}
	obj = rest_decode_body(r);
	if (!obj)
		return;
	registry_ctx_init(&x, r->as);
	if (rest_check_type(r, obj) < 0)
		goto out;
	md = rest_md(obj);
	if (rest_check_namespace(r, md) < 0)
		goto out;
	rest_generate_name(md);
	name = rest_str(md, "name");
	/* Server-owned metadata is never taken from a client on create. */
	json_object_del(md, "resourceVersion");
	json_object_del(md, "deletionTimestamp");
	json_object_del(md, "deletionGracePeriodSeconds");
	json_object_del(md, "managedFields");
	json_object_del(md, "selfLink");
	rest_stamp_new(obj);
	rest_default(r, obj);
	if (rest_validate(r, name, obj, NULL) < 0)
		goto out;
	if (r->res->namespaced && !rest_namespace_exists(r->as, r->ns)) {
		rest_not_found(r, &api_resources[API_NAMESPACE], r->ns);
		goto out;
	}
	if (r->res->namespaced && ns_ctrl_terminating(r->as, r->ns)) {
		char msg[600];

		snprintf(msg, sizeof(msg),
		         "%s \"%s\" is forbidden: unable to create new content in namespace %s "
		         "because it is being terminated",
		         r->res->plural, name, r->ns);
		rest_status(r, 403, "Forbidden", msg,
		            json_pack("{s:s,s:s,s:[{s:s,s:s,s:s}]}", "name", name, "kind",
		                      r->res->plural, "causes", "reason", "NamespaceTerminating",
		                      "message", msg, "field", "metadata.namespace"));
		goto out;
	}
	if (rest_key_for(r->res, r->ns, name, key, sizeof(key)) < 0) {
		rest_errorf(r, 400, "BadRequest", "name too long");
		goto out;
	}
	if (store_get(r->as->st, key)) {
		char msg[512];
		json_t *d = json_pack("{s:s,s:s,s:s}", "name", name, "group", r->res->group, "kind",
		                      r->res->plural);

		snprintf(msg, sizeof(msg), "%s%s%s \"%s\" already exists", r->res->plural,
		         r->res->group[0] ? "." : "", r->res->group, name);
		rest_status(r, 409, "AlreadyExists", msg, d);
		goto out;
	}
	if (registry_prepare_create(&x, r->res, obj) < 0) {
		registry_abort(&x);
		rest_registry_error(r, &x, name);
		goto out;
	}
	if (rest_dry_run(r)) {
		registry_abort(&x);
		rest_json(r, 201, obj);
		goto out;
	}
	rc = store_put(r->as->st, key, obj, 1, 0, &v);
	if (rc < 0) {
		registry_abort(&x);
		rest_internal(r, rc);
		goto out;
	}
	registry_finish(&x);
	rest_raw(r, 201, v->data, v->len);
out:
	registry_ctx_free(&x);
	json_decref(obj);
}

/* True when anything outside metadata and status differs: generation moves. */
static int rest_spec_changed(const json_t *a, const json_t *b)
{
	const char *k;
	json_t *v;

	json_object_foreach ((json_t *)a, k, v) {
		if (!strcmp(k, "metadata") || !strcmp(k, "status"))
			continue;
		if (!json_equal(v, json_object_get(b, k)))
			return 1;
	}
	json_object_foreach ((json_t *)b, k, v) {
		if (!strcmp(k, "metadata") || !strcmp(k, "status"))
			continue;
		if (!json_object_get(a, k))
			return 1;
	}
	return 0;
}

static int rest_same_object(const json_t *old, json_t *obj)
{
	json_t *md = json_object_get(obj, "metadata");
	json_t *rv = json_object_get(md, "resourceVersion");
	json_t *orv = json_object_get(json_object_get(old, "metadata"), "resourceVersion");
	int same;

	if (rv)
		json_incref(rv);
	if (orv)
		json_object_set(md, "resourceVersion", orv);
	same = json_equal(old, obj);
	if (rv)
		json_object_set_new(md, "resourceVersion", rv);
	else
		json_object_del(md, "resourceVersion");
	return same;
}

/* Kinds for which PUT on a missing object creates it (AllowCreateOnUpdate). */
static int rest_create_on_update(const struct api_resource *res)
{
	return res->id == API_ENDPOINTS || res->id == API_ENDPOINTSLICE || res->id == API_EVENT;
}

int rest_finalize_delete(struct apiserver *as, const struct api_resource *res, const char *key,
                         int64_t expect_rev, store_val **out);

/*
 * Applies obj as the new state of the object at the request's key, whose
 * current value is cur. From PUT and PATCH alike.
 */
static void rest_apply_update(struct rest_req *r, store_val *cur, json_t *obj)
{
	json_t *old = NULL, *md, *omd;
	struct reg_ctx x;
	char key[600];
	const char *rv;
	store_val *v;
	int rc;

	registry_ctx_init(&x, r->as);
	rest_key(r, key, sizeof(key));
	old = rest_load(cur);
	if (!old) {
		rest_internal(r, -ENOMEM);
		goto out;
	}
	md = rest_md(obj);
	omd = json_object_get(old, "metadata");
	rv = rest_str(md, "resourceVersion");
	if (json_object_get(md, "resourceVersion") &&
	    !json_is_string(json_object_get(md, "resourceVersion")))
		rv = "?";
	if (rv[0] && strtoll(rv, NULL, 10) != cur->rev) {
		rest_conflict(r, r->name);
		goto out;
	}
	if (r->subresource) {
		/* A status write changes status only. */
		json_t *st = json_object_get(obj, "status");
		json_t *n = json_deep_copy(old);

		if (st)
			json_object_set(n, "status", st);
		else
			json_object_del(n, "status");
		json_decref(obj);
		obj = n;
		md = rest_md(obj);
		x.status_only = 1;
	} else {
		static const char *const keep[] = {"uid", "creationTimestamp", "deletionTimestamp",
		                                   "deletionGracePeriodSeconds", "generation"};

		for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
			json_t *ov = json_object_get(omd, keep[i]);

			if (ov)
				json_object_set(md, keep[i], ov);
			else
				json_object_del(md, keep[i]);
		}
		if (r->res->has_status) {
			if (json_object_get(old, "status"))
				json_object_set_new(obj, "status",
				                    json_deep_copy(json_object_get(old, "status")));
			else
				json_object_del(obj, "status");
		}
	}
	json_object_del(md, "managedFields");
	{
		struct api_default_opts o;

		apiserver_default_opts(r->as, &o);
		if (api_default_update(r->res->id, obj, old, &o) == -ENOMEM) {
			rest_internal(r, -ENOMEM);
			goto out;
		}
	}
	/* generation follows the spec as it will be stored, after defaulting. */
	if (!r->subresource && rest_spec_changed(old, obj))
		json_object_set_new(
		    md, "generation",
		    json_integer(json_integer_value(json_object_get(omd, "generation")) + 1));
	if (rest_validate(r, r->name, obj, old) < 0)
		goto out;
	if (registry_prepare_update(&x, r->res, old, obj) < 0) {
		registry_abort(&x);
		rest_registry_error(r, &x, r->name);
		goto out;
	}
	if (rest_dry_run(r)) {
		registry_abort(&x);
		rest_json(r, 200, obj);
		goto out;
	}
	/* An update that changes nothing writes nothing: same resourceVersion, no
	 * event (kubectl then says "patched (no change)"). */
	if (rest_same_object(old, obj)) {
		registry_abort(&x);
		rest_raw(r, 200, cur->data, cur->len);
		goto out;
	}
	rc = store_put(r->as->st, key, obj, 0, cur->rev, &v);
	/* The last finalizer gone from an object being deleted: it goes now
	 * (Namespaces are the namespace controller's; Pods wait for their grace). */
	if (rc == 0 && r->res->id != API_NAMESPACE && json_object_get(md, "deletionTimestamp") &&
	    json_array_size(json_object_get(omd, "finalizers")) &&
	    !json_array_size(json_object_get(md, "finalizers")))
		rc = r->res->id == API_POD ? rest_pod_finalized(r->as, key, obj, &v)
					   : rest_finalize_delete(r->as, r->res, key, 0, &v);
	if (rc == -EAGAIN) {
		registry_abort(&x);
		rest_conflict(r, r->name);
		goto out;
	}
	if (rc < 0) {
		registry_abort(&x);
		rest_internal(r, rc);
		goto out;
	}
	registry_finish(&x);
	rest_raw(r, 200, v->data, v->len);
out:
	registry_ctx_free(&x);
	json_decref(obj);
	json_decref(old);
}

void rest_update(struct rest_req *r)
{
	json_t *obj = rest_decode_body(r), *md;
	char key[600];
	store_val *cur;

	if (!obj)
		return;
	if (rest_check_type(r, obj) < 0)
		goto fail;
	md = rest_md(obj);
	if (rest_check_namespace(r, md) < 0)
		goto fail;
	if (strcmp(rest_str(md, "name"), r->name) != 0) {
		rest_errorf(r, 400, "BadRequest",
		            "the name of the object (%s) does not match the name on the URL (%s)",
		            rest_str(md, "name"), r->name);
		goto fail;
	}
	rest_key(r, key, sizeof(key));
	cur = store_get(r->as->st, key);
	if (!cur) {
		if (rest_create_on_update(r->res) && !r->subresource) {
			json_decref(obj);
			rest_create(r);
			return;
		}
		rest_not_found(r, r->res, r->name);
		goto fail;
	}
	rest_apply_update(r, cur, obj);
	return;
fail:
	json_decref(obj);
}

void rest_patch(struct rest_req *r)
{
	const char *ct = http_header_get(r->hr, "Content-Type");
	json_t *patch = NULL, *cur_obj = NULL, *res = NULL;
	char key[600], err[512];
	store_val *cur;
	int rc = 0;

	rest_key(r, key, sizeof(key));
	cur = store_get(r->as->st, key);
	if (!cur) {
		rest_not_found(r, r->res, r->name);
		return;
	}
	if (rest_ctype_is(ct, "application/apply-patch+yaml")) {
		rest_errorf(r, 415, "UnsupportedMediaType",
		            "server-side apply is not supported by svcnet: use kubectl apply "
		            "without --server-side");
		return;
	}
	if (!rest_ctype_is(ct, "application/merge-patch+json") &&
	    !rest_ctype_is(ct, "application/json-patch+json") &&
	    !rest_ctype_is(ct, "application/strategic-merge-patch+json")) {
		rest_errorf(r, 415, "UnsupportedMediaType",
		            "the body of the request was in an unknown "
		            "format - accepted media types include: "
		            "application/json-patch+json, "
		            "application/merge-patch+json, "
		            "application/strategic-merge-patch+json");
		return;
	}
	patch = json_loadb(buf_head(&r->hr->body), buf_avail(&r->hr->body), JSON_DECODE_ANY, NULL);
	if (!patch) {
		rest_errorf(r, 400, "BadRequest", "the patch is not valid JSON");
		return;
	}
	cur_obj = rest_load(cur);
	err[0] = '\0';
	if (rest_ctype_is(ct, "application/json-patch+json")) {
		if (!json_is_array(patch)) {
			rest_errorf(
			    r, 400, "BadRequest",
			    "json: cannot unmarshal object into Go value of type jsonpatch.Patch");
			goto out;
		}
		rc = patch_json(cur_obj, patch, &res, err, sizeof(err));
	} else if (!json_is_object(patch)) {
		rest_errorf(r, 400, "BadRequest", "the patch must be a JSON object");
		goto out;
	} else if (rest_ctype_is(ct, "application/merge-patch+json")) {
		res = patch_merge(cur_obj, patch);
		rc = res ? 0 : -ENOMEM;
	} else {
		char apiv[64];

		rc = patch_strategic(cur_obj, patch,
		                     api_resource_apiversion(r->res, apiv, sizeof(apiv)),
		                     r->res->kind, &res, err, sizeof(err));
	}
	if (rc == -ENOMEM) {
		rest_internal(r, rc);
		goto out;
	}
	if (rc == -E2BIG) {
		rest_errorf(r, 413, "RequestEntityTooLarge", "%s", err);
		goto out;
	}
	if (rc < 0 || !json_is_object(res)) {
		rest_errorf(r, 422, "Invalid", "%s",
		            err[0] ? err : "the patch could not be applied");
		goto out;
	}
	if (rest_check_type(r, res) < 0)
		goto out;
	if (strcmp(rest_str(json_object_get(res, "metadata"), "name"), r->name) != 0) {
		rest_errorf(r, 400, "BadRequest", "metadata.name cannot be changed by a patch");
		goto out;
	}
	rest_apply_update(r, cur, res);
	res = NULL;
out:
	json_decref(res);
	json_decref(patch);
	json_decref(cur_obj);
}
