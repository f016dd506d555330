/* rest_status.c - JSON responses and Status errors as kube-apiserver shapes them. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "api/validate.h"
#include "lib/log.h"
#include "lib/yaml.h"
#include "server/rest.h"

/* Accept: application/yaml first (curl users, `kubectl get --raw` style tools). */
static int rest_wants_yaml(const struct rest_req *r)
{
	const char *a = http_header_get(r->hr, "Accept");

	return a && (!strncmp(a, "application/yaml", 16) || !strncmp(a, "application/x-yaml", 18));
}

void rest_raw(struct rest_req *r, int code, const char *json, size_t len)
{
	if (r->quiet)
		return;
	if (rest_wants_yaml(r)) {
		json_t *o = json_loadb(json, len, 0, NULL);
		buf y = BUF_INIT;

		if (o && yaml_from_json(o, &y) == 0) {
			http_respond(r->c, code, "application/yaml", y.data, y.len);
			json_decref(o);
			buf_free(&y);
			return;
		}
		json_decref(o);
		buf_free(&y);
	}
	http_respond(r->c, code,
	             r->table_response ? "application/json;as=Table;v=v1;g=meta.k8s.io"
	                               : "application/json",
	             json, len);
}

void rest_json(struct rest_req *r, int code, json_t *obj)
{
	char *s;

	if (r->quiet)
		return;
	s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (!s) {
		http_respond(r->c, 500, "text/plain", "out of memory\n", 14);
		return;
	}
	rest_raw(r, code, s, strlen(s));
	free(s);
}

void rest_status(struct rest_req *r, int code, const char *reason, const char *message,
                 json_t *details)
{
	json_t *st;

	if (r->quiet) {
		/* Internal callers (controllers) have no client to answer. */
		log_warn("rest", "%s %s: %d %s: %s", r->res ? r->res->plural : "?", r->name, code,
			 reason, message);
		json_decref(details);
		return;
	}
	st = json_pack("{s:s,s:s,s:{},s:s,s:s,s:s,s:i}", "kind", "Status", "apiVersion",
	                       "v1", "metadata", "status", "Failure", "message", message, "reason",
	                       reason, "code", code);

	if (st && details)
		json_object_set(st, "details", details);
	json_decref(details);
	if (!st) {
		http_respond(r->c, 500, "text/plain", "out of memory\n", 14);
		return;
	}
	/* Move code after details, as the real server orders them (cosmetic). */
	rest_json(r, code, st);
	json_decref(st);
}

void rest_errorf(struct rest_req *r, int code, const char *reason, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rest_status(r, code, reason, msg, NULL);
}

static json_t *rest_details(const struct api_resource *res, const char *name, const char *kind)
{
	json_t *d = json_object();

	if (!d)
		return NULL;
	if (name && name[0])
		json_object_set_new(d, "name", json_string(name));
	if (res->group[0])
		json_object_set_new(d, "group", json_string(res->group));
	json_object_set_new(d, "kind", json_string(kind));
	return d;
}

void rest_not_found(struct rest_req *r, const struct api_resource *res, const char *name)
{
	char msg[512];
	char gr[128];

	if (res->group[0])
		snprintf(gr, sizeof(gr), "%s.%s", res->plural, res->group);
	else
		snprintf(gr, sizeof(gr), "%s", res->plural);
	snprintf(msg, sizeof(msg), "%s \"%s\" not found", gr, name);
	rest_status(r, 404, "NotFound", msg, rest_details(res, name, res->plural));
}

void rest_conflict(struct rest_req *r, const char *name)
{
	char msg[600], gr[128];

	if (r->res->group[0])
		snprintf(gr, sizeof(gr), "%s.%s", r->res->plural, r->res->group);
	else
		snprintf(gr, sizeof(gr), "%s", r->res->plural);
	snprintf(msg, sizeof(msg),
	         "Operation cannot be fulfilled on %s \"%s\": the object has been modified; please "
	         "apply your changes to the latest version and try again",
	         gr, name);
	rest_status(r, 409, "Conflict", msg, rest_details(r->res, name, r->res->plural));
}

void rest_invalid(struct rest_req *r, const char *name, json_t *causes)
{
	char *msg = api_invalid_message(r->res->kind, name, causes);
	json_t *d = rest_details(r->res, name, r->res->kind);

	if (d)
		json_object_set(d, "causes", causes);
	rest_status(r, 422, "Invalid", msg ? msg : "invalid object", d);
	free(msg);
	json_decref(causes);
}

void rest_internal(struct rest_req *r, int err)
{
	log_error("rest", "%s %s: internal error: %s", r->hr->method, r->hr->path,
	          strerror(err < 0 ? -err : err));
	rest_errorf(r, 500, "InternalError", "Internal error occurred: %s",
	            strerror(err < 0 ? -err : err));
}
