/*
 * selector_fields.c - field selectors and the fields each kind can be selected on.
 *
 * The syntax is apimachinery's pkg/fields: terms split on unescaped commas, each
 * split at the first "!=", "==" or "=", values unescaped ("\\", "\,", "\=").
 * Field names are not trimmed or validated by the parser; the apiserver checks
 * them per resource afterwards ("field label not supported: x"), and so do we.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/selector.h"
#include "api/selector_int.h"
#include "lib/buf.h"

/* UnescapeValue: a bare ',' or '=' in a value is an error, so is an unknown escape. */
static int unescape(const char *p, size_t len, struct sel_req *r, buf *msg)
{
	char *v = malloc(len + 1);
	size_t j = 0;
	int slash = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++) {
		char c = p[i];

		if (slash) {
			if (c != '\\' && c != ',' && c != '=') {
				free(v);
				buf_printf(msg,
				           "invalid field selector: invalid escape sequence: \\%c",
				           c);
				return -EINVAL;
			}
			v[j++] = c;
			slash = 0;
		} else if (c == '\\') {
			slash = 1;
		} else if (c == ',' || c == '=') {
			free(v);
			buf_printf(msg,
			           "invalid field selector: unescaped character in value: '%c'", c);
			return -EINVAL;
		} else {
			v[j++] = c;
		}
	}
	if (slash) {
		free(v);
		buf_puts(msg, "invalid field selector: invalid escape sequence: \\");
		return -EINVAL;
	}
	v[j] = '\0';
	if (!(r->vals = malloc(sizeof(char *)))) {
		free(v);
		return -ENOMEM;
	}
	r->vals[0] = v;
	r->nvals = 1;
	return 0;
}

static int parse_term(const char *all, const char *p, size_t len, sel *s, buf *msg)
{
	struct sel_req r = {0};
	size_t i, oplen = 0;

	for (i = 0; i < len; i++) {
		if (i + 1 < len && p[i] == '!' && p[i + 1] == '=')
			r.op = SEL_NE, oplen = 2;
		else if (i + 1 < len && p[i] == '=' && p[i + 1] == '=')
			r.op = SEL_EQ, oplen = 2;
		else if (p[i] == '=')
			r.op = SEL_EQ, oplen = 1;
		if (oplen)
			break;
	}
	if (!oplen) {
		buf_printf(msg, "invalid selector: '%s'; can't understand '%.*s'", all, (int)len,
		           p);
		return -EINVAL;
	}
	if (!(r.key = strndup(p, i)))
		return -ENOMEM;
	int rc = unescape(p + i + oplen, len - i - oplen, &r, msg);
	if (rc < 0) {
		sel_req_clear(&r);
		return rc;
	}
	return sel_push(s, &r);
}

int sel_parse_fields(const char *str, sel **out, char *err, size_t errlen)
{
	buf msg = BUF_INIT;
	sel *s = sel_new();
	size_t start = 0, i;
	int slash = 0, rc = 0;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	if (!str)
		str = "";
	for (i = 0;; i++) {
		if (str[i] && slash) {
			slash = 0;
		} else if (str[i] == '\\') {
			slash = 1;
		} else if (str[i] == ',' || !str[i]) {
			if (i > start &&
			    (rc = parse_term(str, str + start, i - start, s, &msg)) < 0)
				break;
			start = i + 1;
			if (!str[i])
				break;
		}
	}
	if (rc < 0) {
		if (rc == -EINVAL)
			sel_set_err(err, errlen, msg.data ? msg.data : "", msg.len);
		buf_free(&msg);
		sel_free(s);
		return rc;
	}
	buf_free(&msg);
	sel_sort(s);
	*out = s;
	return 0;
}

/* ---- the selectable fields of each kind (the registries' ToSelectableFields) ---- */

static int in_list(const char *f, const char *const *l)
{
	for (; *l; l++)
		if (strcmp(f, *l) == 0)
			return 1;
	return 0;
}

static int f_cluster(const char *f)
{
	return strcmp(f, "metadata.name") == 0;
}

static int f_namespaced(const char *f)
{
	return strcmp(f, "metadata.name") == 0 || strcmp(f, "metadata.namespace") == 0;
}

static int f_pod(const char *f)
{
	static const char *const l[] = {"spec.nodeName",
	                                "spec.restartPolicy",
	                                "spec.schedulerName",
	                                "spec.serviceAccountName",
	                                "spec.hostNetwork",
	                                "status.phase",
	                                "status.podIP",
	                                "status.nominatedNodeName",
	                                NULL};
	return f_namespaced(f) || in_list(f, l);
}

static int f_node(const char *f)
{
	return f_cluster(f) || strcmp(f, "spec.unschedulable") == 0;
}

static int f_namespace(const char *f)
{
	return f_cluster(f) || strcmp(f, "status.phase") == 0;
}

static int f_service(const char *f)
{
	return f_namespaced(f) || strcmp(f, "spec.clusterIP") == 0 || strcmp(f, "spec.type") == 0;
}

static int f_secret(const char *f)
{
	return f_namespaced(f) || strcmp(f, "type") == 0;
}

static int f_event(const char *f)
{
	static const char *const l[] = {"involvedObject.kind",
	                                "involvedObject.namespace",
	                                "involvedObject.name",
	                                "involvedObject.uid",
	                                "involvedObject.apiVersion",
	                                "involvedObject.resourceVersion",
	                                "involvedObject.fieldPath",
	                                "reason",
	                                "reportingComponent",
	                                "source",
	                                "type",
	                                NULL};
	return f_namespaced(f) || in_list(f, l);
}

sel_field_allowed_fn sel_fields_for_kind(enum api_kind_id kind)
{
	switch (kind) {
	case API_POD:
		return f_pod;
	case API_NODE:
		return f_node;
	case API_NAMESPACE:
		return f_namespace;
	case API_SERVICE:
		return f_service;
	case API_SECRET:
		return f_secret;
	case API_EVENT:
		return f_event;
	case API_INGRESSCLASS:
		return f_cluster;
	default:
		return f_namespaced;
	}
}

int sel_fields_check(const sel *s, sel_field_allowed_fn allowed, char *err, size_t errlen)
{
	for (size_t i = 0; s && allowed && i < s->n; i++) {
		if (!allowed(s->reqs[i].key)) {
			char m[512];
			int n =
			    snprintf(m, sizeof(m), "field label not supported: %s", s->reqs[i].key);

			sel_set_err(err, errlen, m,
			            n < 0                   ? 0
			            : (size_t)n < sizeof(m) ? (size_t)n
			                                    : sizeof(m) - 1);
			return -EINVAL;
		}
	}
	return 0;
}

/* ---- field values ---- */

/* The value a field selector compares against: strings as they are, booleans
 * as "true"/"false" (absent booleans the registries expose read "false"),
 * anything absent as "". tmp holds formatted numbers. */
static const char *field_value(const json_t *obj, const char *field, char *tmp, size_t tmplen)
{
	const json_t *cur = obj;
	const char *p = field;

	if (strcmp(field, "source") == 0)
		p = "source.component"; /* events: the selectable "source" is the component */
	while (cur && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);

		cur = json_is_object(cur) ? json_object_getn(cur, p, n) : NULL;
		p += n + (dot ? 1 : 0);
	}
	if (json_is_string(cur))
		return json_string_value(cur);
	if (json_is_boolean(cur))
		return json_is_true(cur) ? "true" : "false";
	if (json_is_integer(cur)) {
		snprintf(tmp, tmplen, "%" JSON_INTEGER_FORMAT, json_integer_value(cur));
		return tmp;
	}
	if (strcmp(field, "spec.unschedulable") == 0 || strcmp(field, "spec.hostNetwork") == 0)
		return "false";
	return "";
}

int sel_match_fields(const sel *s, const json_t *obj, sel_field_allowed_fn allowed)
{
	char tmp[32];

	if (!s || s->nothing)
		return 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct sel_req *r = &s->reqs[i];

		if (allowed && !allowed(r->key))
			return 0;
		if (!sel_req_match(r, field_value(obj, r->key, tmp, sizeof(tmp))))
			return 0;
	}
	return 1;
}
