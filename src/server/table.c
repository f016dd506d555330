/*
 * table.c - meta.k8s.io/v1 Table assembly: column definitions per kind, the
 * row objects (includeObject), Accept negotiation and the shared helpers of
 * the per-kind printers in table_kinds.c and table_pod.c.
 */
#include "server/table.h"

#include "lib/rfc3339.h"
#include "server/table_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct table_col {
	const char *name;
	const char *type;
	const char *format;
	const char *desc;
	int priority;
};

#define COL_NAME                                                                                   \
	{                                                                                          \
		"Name", "string", "name", "Name must be unique within a namespace.", 0             \
	}
#define COL_AGE                                                                                    \
	{                                                                                          \
		"Age", "string", "",                                                               \
		    "CreationTimestamp is a timestamp representing the server time when this "     \
		    "object was "                                                                  \
		    "created.",                                                                    \
		    0                                                                              \
	}
#define COL(n, d)                                                                                  \
	{                                                                                          \
		n, "string", "", d, 0                                                              \
	}
#define COL_WIDE(n, d)                                                                             \
	{                                                                                          \
		n, "string", "", d, 1                                                              \
	}

static const struct table_col cols_namespace[] = {
    COL_NAME, COL("Status", "The status of the namespace"), COL_AGE, {.name = NULL}};

static const struct table_col cols_pod[] = {
    COL_NAME,
    COL("Ready", "The aggregate readiness state of this pod for accepting traffic."),
    COL("Status", "The aggregate status of the containers in this pod."),
    COL("Restarts", "The number of times the containers in this pod have been restarted and "
                    "when the last container in this pod has restarted."),
    COL_AGE,
    COL_WIDE("IP", "IP address allocated to the pod."),
    COL_WIDE("Node", "The node the pod is bound to."),
    COL_WIDE("Nominated Node", "Node where preemption may let the pod be scheduled."),
    COL_WIDE("Readiness Gates", "Conditions evaluated for pod readiness."),
    {.name = NULL}};

static const struct table_col cols_service[] = {
    COL_NAME,
    COL("Type", "ClusterIP, NodePort, LoadBalancer or ExternalName."),
    COL("Cluster-IP", "IP address of the service, usually assigned randomly."),
    COL("External-IP", "IP addresses for which nodes also accept traffic for this service."),
    COL("Port(s)", "The list of ports exposed by this service."),
    COL_AGE,
    COL_WIDE("Selector", "Route traffic to pods with labels matching this selector."),
    {.name = NULL}};

static const struct table_col cols_endpoints[] = {
    COL_NAME, COL("Endpoints", "The set of all endpoints."), COL_AGE, {.name = NULL}};

static const struct table_col cols_node[] = {
    COL_NAME,
    COL("Status", "The status of the node"),
    COL("Roles", "The roles of the node"),
    COL_AGE,
    COL("Version", "Kubelet version reported by the node."),
    COL_WIDE("Internal-IP", "Addresses reachable to the node."),
    COL_WIDE("External-IP", "Addresses reachable to the node."),
    COL_WIDE("OS-Image", "OS image reported by the node from /etc/os-release."),
    COL_WIDE("Kernel-Version", "Kernel version reported by the node."),
    COL_WIDE("Container-Runtime", "Container runtime version reported by the node."),
    {.name = NULL}};

static const struct table_col cols_secret[] = {
    COL_NAME,
    COL("Type", "Used to facilitate programmatic handling of secret data."),
    COL("Data", "Secret data; values are base64 encoded."),
    COL_AGE,
    {.name = NULL}};

static const struct table_col cols_event[] = {
    COL("Last Seen", "The time of the most recent occurrence of this event."),
    COL("Type", "Type of this event (Normal, Warning)."),
    COL("Reason", "Short, machine understandable string for the transition."),
    COL("Object", "The object this event is about."),
    COL_WIDE("Subobject", "A piece of the object, e.g. spec.containers{name}."),
    COL_WIDE("Source", "The component reporting this event."),
    COL("Message", "A human-readable description of the status of this operation."),
    COL_WIDE("First Seen", "The time at which the event was first recorded."),
    COL_WIDE("Count", "The number of times this event has occurred."),
    {"Name", "string", "name", "Name must be unique within a namespace.", 1},
    {.name = NULL}};

static const struct table_col cols_endpointslice[] = {
    COL_NAME,
    COL("AddressType", "Type of address carried by this EndpointSlice."),
    COL("Ports", "Network ports exposed by each endpoint in this slice."),
    COL("Endpoints", "Unique endpoints in this slice."),
    COL_AGE,
    {.name = NULL}};

static const struct table_col cols_ingress[] = {
    COL_NAME,
    COL("Class", "The name of the IngressClass resource that should be used for additional "
                 "configuration"),
    COL("Hosts", "Hosts that incoming requests are matched against before the ingress rule"),
    COL("Address", "Address is a list containing ingress points for the load-balancer"),
    COL("Ports", "Ports of TLS configurations that open"),
    COL_AGE,
    {.name = NULL}};

static const struct table_col cols_ingressclass[] = {
    COL_NAME,
    COL("Controller", "Controller that is responsible for handling this class"),
    COL("Parameters", "A reference to a resource with additional parameters"),
    COL_AGE,
    {.name = NULL}};

static const struct {
	const struct table_col *cols;
	table_row_fn row;
} table_kinds[API_NKINDS] = {
    [API_NAMESPACE] = {cols_namespace, table_row_namespace},
    [API_POD] = {cols_pod, table_row_pod},
    [API_SERVICE] = {cols_service, table_row_service},
    [API_ENDPOINTS] = {cols_endpoints, table_row_endpoints},
    [API_NODE] = {cols_node, table_row_node},
    [API_SECRET] = {cols_secret, table_row_secret},
    [API_EVENT] = {cols_event, table_row_event},
    [API_ENDPOINTSLICE] = {cols_endpointslice, table_row_endpointslice},
    [API_INGRESS] = {cols_ingress, table_row_ingress},
    [API_INGRESSCLASS] = {cols_ingressclass, table_row_ingressclass},
};

int table_parse_include(const char *value, enum table_include *out)
{
	if (!value || !*value || !strcmp(value, "Metadata"))
		*out = TABLE_INCLUDE_METADATA;
	else if (!strcmp(value, "Object"))
		*out = TABLE_INCLUDE_OBJECT;
	else if (!strcmp(value, "None"))
		*out = TABLE_INCLUDE_NONE;
	else
		return -EINVAL;
	return 0;
}

static json_t *columns_json(const struct table_col *cols)
{
	json_t *a = json_array();

	for (; a && cols->name; cols++) {
		json_t *c = json_pack("{s:s,s:s,s:s,s:s,s:i}", "name", cols->name, "type",
		                      cols->type, "format", cols->format, "description", cols->desc,
		                      "priority", cols->priority);

		if (!c || json_array_append_new(a, c)) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* The object a row carries, as the apiserver's transformTable produces it. */
static json_t *row_object(json_t *obj, enum api_kind_id kind, enum table_include include)
{
	char api_version[128];
	json_t *o, *meta;

	switch (include) {
	case TABLE_INCLUDE_NONE:
		return json_null();
	case TABLE_INCLUDE_OBJECT:
		if (json_object_get(obj, "kind") && json_object_get(obj, "apiVersion"))
			return json_incref(obj);
		/* Stored objects normally carry their type; add it when they don't
		 * so that kubectl can decode the row. */
		o = json_copy(obj);
		if (!o || json_object_set_new(o, "kind", json_string(api_resources[kind].kind)) ||
		    json_object_set_new(
		        o, "apiVersion",
		        json_string(api_resource_apiversion(&api_resources[kind], api_version,
		                                            sizeof(api_version))))) {
			json_decref(o);
			return NULL;
		}
		return o;
	case TABLE_INCLUDE_METADATA:
		break;
	}
	meta = json_object_get(obj, "metadata");
	return json_pack("{s:s,s:s,s:o}", "kind", "PartialObjectMetadata", "apiVersion",
	                 "meta.k8s.io/v1", "metadata",
	                 json_is_object(meta) ? json_incref(meta) : json_object());
}

static json_t *build_row(json_t *obj, enum api_kind_id kind, enum table_include include, time_t now)
{
	json_t *row = json_object(), *cells = json_array(), *ro;

	if (!row || !cells || json_object_set(row, "cells", cells) ||
	    table_kinds[kind].row(obj, now, cells, row))
		goto fail;
	ro = row_object(obj, kind, include);
	if (!ro || json_object_set_new(row, "object", ro))
		goto fail;
	json_decref(cells);
	return row;
fail:
	json_decref(cells);
	json_decref(row);
	return NULL;
}

json_t *table_build(enum api_kind_id kind, json_t *items, enum table_include include,
                    const char *resource_version, const char *continue_token, time_t now)
{
	json_t *table, *meta, *rows, *obj;
	size_t i;

	if ((unsigned)kind >= API_NKINDS || !json_is_array(items))
		return NULL;
	table = json_pack("{s:s,s:s,s:{},s:o,s:[]}", "kind", "Table", "apiVersion",
	                  "meta.k8s.io/v1", "metadata", "columnDefinitions",
	                  columns_json(table_kinds[kind].cols), "rows");
	if (!table)
		return NULL;
	meta = json_object_get(table, "metadata");
	rows = json_object_get(table, "rows");
	if (resource_version && *resource_version &&
	    json_object_set_new(meta, "resourceVersion", json_string(resource_version)))
		goto fail;
	if (continue_token && *continue_token &&
	    json_object_set_new(meta, "continue", json_string(continue_token)))
		goto fail;
	json_array_foreach (items, i, obj) {
		json_t *row;

		if (!json_is_object(obj))
			continue;
		row = build_row(obj, kind, include, now);
		if (!row || json_array_append_new(rows, row))
			goto fail;
	}
	return table;
fail:
	json_decref(table);
	return NULL;
}

void table_drop_columns(json_t *table)
{
	if (json_is_object(table))
		json_object_set_new(table, "columnDefinitions", json_null());
}

/* One Accept clause: "type/subtype;k=v;k=v". Returns 1 when it names a media
 * type we serve, with *want set. */
static int clause_want(const char *c, size_t n, enum table_want *want)
{
	char type[64], as[32] = "", g[32] = "", v[16] = "";
	size_t tl = 0;
	const char *p = c, *end = c + n;

	while (p < end && *p != ';' && tl < sizeof(type) - 1) {
		if (!isspace((unsigned char)*p))
			type[tl++] = *p;
		p++;
	}
	type[tl] = '\0';
	while (p < end) {
		const char *k, *eq, *vs, *ve;
		char *dst = NULL;
		size_t cap = 0, kl;

		p++; /* ';' */
		while (p < end && isspace((unsigned char)*p))
			p++;
		k = p;
		while (p < end && *p != ';')
			p++;
		eq = memchr(k, '=', (size_t)(p - k));
		if (!eq)
			continue;
		kl = (size_t)(eq - k);
		while (kl && isspace((unsigned char)k[kl - 1]))
			kl--;
		vs = eq + 1;
		ve = p;
		while (vs < ve && isspace((unsigned char)*vs))
			vs++;
		while (ve > vs && isspace((unsigned char)ve[-1]))
			ve--;
		if (kl == 2 && !strncmp(k, "as", 2))
			dst = as, cap = sizeof(as);
		else if (kl == 1 && *k == 'g')
			dst = g, cap = sizeof(g);
		else if (kl == 1 && *k == 'v')
			dst = v, cap = sizeof(v);
		if (dst && (size_t)(ve - vs) < cap) {
			memcpy(dst, vs, (size_t)(ve - vs));
			dst[ve - vs] = '\0';
		}
	}
	if (strcasecmp(type, "application/json") && strcasecmp(type, "application/*") &&
	    strcmp(type, "*/*"))
		return 0;
	if (!as[0]) {
		*want = TABLE_WANT_NONE;
		return 1;
	}
	if (strcmp(as, "Table") || strcmp(g, "meta.k8s.io"))
		return 0;
	if (!strcmp(v, "v1")) {
		*want = TABLE_WANT_V1;
		return 1;
	}
	if (!strcmp(v, "v1beta1")) {
		*want = TABLE_WANT_V1BETA1;
		return 1;
	}
	return 0;
}

enum table_want table_negotiate(const char *accept)
{
	const char *p = accept;
	enum table_want want;

	if (!accept)
		return TABLE_WANT_NONE;
	while (*p) {
		size_t n = strcspn(p, ",");

		if (clause_want(p, n, &want))
			return want;
		p += n;
		if (*p == ',')
			p++;
	}
	return TABLE_WANT_NONE;
}

char *table_human_duration(long long d, char *out, size_t outlen)
{
	long long minutes, hours;

	if (d < -1) {
		snprintf(out, outlen, "<invalid>");
		return out;
	}
	if (d < 0)
		d = 0;
	if (d < 60 * 2) {
		snprintf(out, outlen, "%llds", d);
		return out;
	}
	minutes = d / 60;
	if (minutes < 10) {
		if (d % 60 == 0)
			snprintf(out, outlen, "%lldm", minutes);
		else
			snprintf(out, outlen, "%lldm%llds", minutes, d % 60);
		return out;
	}
	if (minutes < 60 * 3) {
		snprintf(out, outlen, "%lldm", minutes);
		return out;
	}
	hours = d / 3600;
	if (hours < 8) {
		if (minutes % 60 == 0)
			snprintf(out, outlen, "%lldh", hours);
		else
			snprintf(out, outlen, "%lldh%lldm", hours, minutes % 60);
	} else if (hours < 48) {
		snprintf(out, outlen, "%lldh", hours);
	} else if (hours < 24 * 8) {
		if (hours % 24 == 0)
			snprintf(out, outlen, "%lldd", hours / 24);
		else
			snprintf(out, outlen, "%lldd%lldh", hours / 24, hours % 24);
	} else if (hours < 24 * 365 * 2) {
		snprintf(out, outlen, "%lldd", hours / 24);
	} else if (hours < 24 * 365 * 8) {
		long long dy = (hours / 24) % 365;

		if (dy == 0)
			snprintf(out, outlen, "%lldy", hours / 24 / 365);
		else
			snprintf(out, outlen, "%lldy%lldd", hours / 24 / 365, dy);
	} else {
		snprintf(out, outlen, "%lldy", hours / 24 / 365);
	}
	return out;
}

int table_parse_time(const char *s, time_t *out)
{
	double t;

	if (rfc3339_parse(s, &t) < 0)
		return -EINVAL;
	*out = (time_t)floor(t); /* whole seconds: the fraction goes */
	return 0;
}

json_t *table_get(json_t *obj, const char *path)
{
	char key[64];

	while (obj && *path) {
		size_t n = strcspn(path, ".");

		if (n >= sizeof(key) || !json_is_object(obj))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		obj = json_object_get(obj, key);
		path += n;
		if (*path == '.')
			path++;
	}
	return obj;
}

const char *table_str(json_t *obj, const char *path)
{
	const char *s = json_string_value(table_get(obj, path));

	return s ? s : "";
}

long long table_int(json_t *obj, const char *path)
{
	json_t *v = table_get(obj, path);

	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

const char *table_since(json_t *ts, time_t now, char *out, size_t outlen)
{
	time_t t;

	if (!json_is_string(ts) || table_parse_time(json_string_value(ts), &t)) {
		snprintf(out, outlen, "<unknown>");
		return out;
	}
	return table_human_duration((long long)now - (long long)t, out, outlen);
}

int table_cell_str(json_t *cells, const char *s)
{
	return json_array_append_new(cells, json_string(s ? s : "")) ? -ENOMEM : 0;
}

int table_cell_int(json_t *cells, long long v)
{
	return json_array_append_new(cells, json_integer(v)) ? -ENOMEM : 0;
}

int table_cell_buf(json_t *cells, const buf *b)
{
	json_t *s = json_stringn(b->len ? buf_head(b) : "", buf_avail(b));

	return json_array_append_new(cells, s) ? -ENOMEM : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int table_format_labels(json_t *map, buf *out)
{
	size_t n = json_is_object(map) ? json_object_size(map) : 0, i = 0;
	const char **keys;
	const char *k;
	json_t *v;
	int rc = 0;

	if (!n)
		return buf_puts(out, "<none>");
	keys = malloc(n * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	json_object_foreach (map, k, v) {
		if (i < n)
			keys[i++] = k;
	}
	qsort(keys, i, sizeof(*keys), cmp_str);
	for (size_t j = 0; j < i && !rc; j++)
		rc = buf_printf(out, "%s%s=%s", j ? "," : "", keys[j],
		                json_is_string(json_object_get(map, keys[j]))
		                    ? json_string_value(json_object_get(map, keys[j]))
		                    : "");
	free(keys);
	return rc;
}
