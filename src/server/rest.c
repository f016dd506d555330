/*
 * rest.c - routing: authentication, URL -> (resource, namespace, name,
 * subresource), method -> verb.
 *
 *   /api/v1/<plural>[/<name>[/<sub>]]
 *   /api/v1/namespaces/<ns>/<plural>[/<name>[/<sub>]]
 *   /apis/<group>/<version>/... likewise
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/validate.h"
#include "lib/log.h"
#include "server/rest.h"

const char *rest_param(const struct rest_req *r, const char *key)
{
	return url_param_get(r->params, r->nparams, key);
}

int rest_param_bool(const struct rest_req *r, const char *key)
{
	const char *v = rest_param(r, key);

	/* Go's strconv.ParseBool, which kube-apiserver uses: the Python client sends "True". */
	return v && (!strcmp(v, "1") || !strcmp(v, "t") || !strcmp(v, "T") || !strcmp(v, "true") ||
	             !strcmp(v, "True") || !strcmp(v, "TRUE"));
}

int rest_key_for(const struct api_resource *res, const char *ns, const char *name, char *out,
                 size_t outlen)
{
	return store_key(out, outlen, res->plural, res->namespaced ? ns : NULL, name);
}

int rest_key(const struct rest_req *r, char *out, size_t outlen)
{
	return rest_key_for(r->res, r->ns, r->name, out, outlen);
}

static int rest_authorized(struct rest_req *r)
{
	const char *h = http_header_get(r->hr, "Authorization");

	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return 0;
	h += 7;
	while (*h == ' ')
		h++;
	return pki_token_equal(h, r->as->pki.token);
}

static int rest_public_path(const char *path)
{
	return !strcmp(path, "/healthz") || !strcmp(path, "/livez") || !strcmp(path, "/readyz") ||
	       !strcmp(path, "/version") || !strcmp(path, "/version/");
}

static void rest_dispatch(struct rest_req *r)
{
	const char *m = r->hr->method;

	if (r->subresource && strcmp(r->subresource, "status") != 0) {
		rest_errorf(r, 404, "NotFound", "the server could not find the requested resource");
		return;
	}
	if (r->subresource && !r->res->has_status) {
		rest_errorf(r, 404, "NotFound", "the server could not find the requested resource");
		return;
	}
	if (!strcmp(m, "GET") || !strcmp(m, "HEAD")) {
		if (r->has_name) {
			if (rest_param_bool(r, "watch")) {
				rest_errorf(
				    r, 405, "MethodNotAllowed",
				    "watch a single object with fieldSelector=metadata.name=%s",
				    r->name);
				return;
			}
			rest_get(r);
		} else if (rest_param_bool(r, "watch")) {
			rest_watch(r);
		} else {
			rest_list(r);
		}
	} else if (!strcmp(m, "POST")) {
		if (r->has_name)
			rest_errorf(
			    r, 405, "MethodNotAllowed",
			    "the server does not allow this method on the requested resource");
		else
			rest_create(r);
	} else if (!strcmp(m, "PUT")) {
		if (!r->has_name)
			rest_errorf(
			    r, 405, "MethodNotAllowed",
			    "the server does not allow this method on the requested resource");
		else
			rest_update(r);
	} else if (!strcmp(m, "PATCH")) {
		if (!r->has_name)
			rest_errorf(
			    r, 405, "MethodNotAllowed",
			    "the server does not allow this method on the requested resource");
		else
			rest_patch(r);
	} else if (!strcmp(m, "DELETE")) {
		if (r->subresource)
			rest_errorf(
			    r, 405, "MethodNotAllowed",
			    "the server does not allow this method on the requested resource");
		else if (r->has_name)
			rest_delete(r);
		else
			rest_delete_collection(r);
	} else {
		rest_errorf(r, 405, "MethodNotAllowed",
		            "the server does not allow this method on the requested resource");
	}
}

static int rest_copy_seg(char *out, size_t outlen, const char *seg)
{
	size_t n = strlen(seg);

	if (n == 0 || n >= outlen)
		return -1;
	memcpy(out, seg, n + 1);
	return 0;
}

/* segs after the group-version: [namespaces, ns,] plural [, name [, sub]] */
static void rest_route_resource(struct rest_req *r, const char *group, const char *version,
                                char **segs, size_t n)
{
	const struct api_resource *res;
	size_t i = 0;

	if (n >= 3 && !strcmp(segs[0], "namespaces")) {
		if (rest_copy_seg(r->ns, sizeof(r->ns), segs[1]) < 0)
			goto notfound;
		i = 2;
	}
	if (i >= n)
		goto notfound;
	res = api_resource_find(group, version, segs[i]);
	if (!res)
		goto notfound;
	/* /api/v1/namespaces/<name>[/status] addresses a Namespace itself. */
	if (i == 2 && !res->namespaced) {
		goto notfound;
	}
	r->res = res;
	if (i + 1 < n) {
		if (rest_copy_seg(r->name, sizeof(r->name), segs[i + 1]) < 0)
			goto notfound;
		r->has_name = 1;
	}
	if (i + 2 < n)
		r->subresource = segs[i + 2];
	if (i + 3 < n)
		goto notfound;
	rest_dispatch(r);
	return;
notfound:
	rest_errorf(r, 404, "NotFound", "the server could not find the requested resource");
}

static void rest_route(struct rest_req *r, char **segs, size_t n)
{
	/* Namespaces are both a resource and a path prefix. */
	if (n >= 3 && !strcmp(segs[0], "api") && !strcmp(segs[1], "v1") &&
	    !strcmp(segs[2], "namespaces") && n <= 5 &&
	    (n <= 4 || !strcmp(segs[4], "status") || !strcmp(segs[4], "finalize"))) {
		r->res = &api_resources[API_NAMESPACE];
		if (n >= 4) {
			if (rest_copy_seg(r->name, sizeof(r->name), segs[3]) < 0)
				goto notfound;
			r->has_name = 1;
		}
		if (n == 5)
			r->subresource = strcmp(segs[4], "finalize") ? segs[4] : "status";
		rest_dispatch(r);
		return;
	}
	if (n >= 3 && !strcmp(segs[0], "api") && !strcmp(segs[1], "v1")) {
		rest_route_resource(r, "", "v1", segs + 2, n - 2);
		return;
	}
	if (n >= 4 && !strcmp(segs[0], "apis")) {
		rest_route_resource(r, segs[1], segs[2], segs + 3, n - 3);
		return;
	}
notfound:
	rest_errorf(r, 404, "NotFound", "the server could not find the requested resource");
}

void rest_handle(http_conn *c, http_request *req, void *data)
{
	struct rest_req r = {0};
	char **segs = NULL;
	size_t nsegs = 0;
	int rc;

	r.as = data;
	r.c = c;
	r.hr = req;
	if (req->query && url_parse_query(req->query, &r.params, &r.nparams) < 0) {
		rest_errorf(&r, 400, "BadRequest", "malformed query string");
		goto out;
	}
	if (rest_public_path(req->path)) {
		if (!strncmp(req->path, "/version", 8))
			discovery_handle(&r, "/version");
		else
			http_respond(c, 200, "text/plain; charset=utf-8", "ok", 2);
		goto out;
	}
	if (!rest_authorized(&r)) {
		log_debug("rest", "%s %s: unauthorized from %s", req->method, req->path,
		          http_conn_peer(c));
		rest_status(&r, 401, "Unauthorized", "Unauthorized", NULL);
		goto out;
	}
	if (discovery_handle(&r, req->path))
		goto out;
	rc = url_split_path(req->path, &segs, &nsegs);
	if (rc < 0) {
		rest_errorf(&r, 400, "BadRequest", "malformed path");
		goto out;
	}
	rest_route(&r, segs, nsegs);
out:
	log_debug("rest", "%s %s?%s from %s", req->method, req->path, req->query ? req->query : "",
	          http_conn_peer(c));
	url_segs_free(segs, nsegs);
	url_params_free(r.params, r.nparams);
}
