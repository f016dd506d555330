/*
 * table_kinds.c - the rows of every kind but Pod, after kube-apiserver's
 * printers (printService, printNode, formatEndpoints, ...). The server always
 * prints the wide columns and never clips load-balancer addresses.
 */
#include "server/table.h"
#include "server/table_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define LIST_MAX 3 /* entries shown before "+ N more..." */

static int cell_age(json_t *obj, time_t now, json_t *cells)
{
	char age[32];

	return table_cell_str(cells, table_since(table_get(obj, "metadata.creationTimestamp"), now,
	                                         age, sizeof(age)));
}

static int cell_name(json_t *obj, json_t *cells)
{
	return table_cell_str(cells, table_str(obj, "metadata.name"));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The sorted, de-duplicated ip-or-hostname of each load-balancer ingress
 * point, joined by ',' (loadBalancerStatusStringer with wide output). */
static int lb_addresses(json_t *ingress, buf *out)
{
	size_t n = json_is_array(ingress) ? json_array_size(ingress) : 0, k = 0, i;
	const char **v;
	json_t *e;
	int rc = 0;

	if (!n)
		return 0;
	v = malloc(n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	json_array_foreach (ingress, i, e) {
		const char *s = *table_str(e, "ip") ? table_str(e, "ip") : table_str(e, "hostname");

		if (*s)
			v[k++] = s;
	}
	qsort(v, k, sizeof(*v), cmp_str);
	for (i = 0; i < k && !rc; i++)
		if (!i || strcmp(v[i], v[i - 1]))
			rc = buf_printf(out, "%s%s", out->len ? "," : "", v[i]);
	free(v);
	return rc;
}

/* Joins the strings of arr with ',' after what out already holds. */
static int join_strings(json_t *arr, buf *out)
{
	size_t i;
	json_t *s;
	int rc = 0;

	json_array_foreach (arr, i, s) {
		if (json_is_string(s) && !rc)
			rc = buf_printf(out, "%s%s", out->len ? "," : "", json_string_value(s));
	}
	return rc;
}

static int service_external_ip(json_t *svc, const char *type, buf *out)
{
	json_t *ext = table_get(svc, "spec.externalIPs");
	int has_ext = json_is_array(ext) && json_array_size(ext);
	int rc;

	if (!strcmp(type, "ClusterIP") || !strcmp(type, "NodePort"))
		return has_ext ? join_strings(ext, out) : buf_puts(out, "<none>");
	if (!strcmp(type, "LoadBalancer")) {
		rc = lb_addresses(table_get(svc, "status.loadBalancer.ingress"), out);
		if (!rc && has_ext)
			rc = join_strings(ext, out);
		if (!rc && !out->len)
			rc = buf_puts(out, "<pending>");
		return rc;
	}
	if (!strcmp(type, "ExternalName"))
		return buf_puts(out, table_str(svc, "spec.externalName"));
	return buf_puts(out, "<unknown>");
}

int table_row_service(json_t *svc, time_t now, json_t *cells, json_t *row)
{
	const char *type = *table_str(svc, "spec.type") ? table_str(svc, "spec.type") : "ClusterIP";
	const char *cip;
	json_t *ips = table_get(svc, "spec.clusterIPs"), *p;
	buf ext = BUF_INIT, ports = BUF_INIT, sel = BUF_INIT;
	size_t i;
	int rc;

	if (json_is_string(json_array_get(ips, 0)))
		cip = json_string_value(json_array_get(ips, 0));
	else if (!json_is_array(ips) && *table_str(svc, "spec.clusterIP"))
		cip = table_str(svc, "spec.clusterIP"); /* objects from before dual-stack */
	else
		cip = "<none>";

	rc = service_external_ip(svc, type, &ext);
	json_array_foreach (table_get(svc, "spec.ports"), i, p) {
		const char *proto = *table_str(p, "protocol") ? table_str(p, "protocol") : "TCP";

		if (rc)
			break;
		if (table_int(p, "nodePort") > 0)
			rc = buf_printf(&ports, "%s%lld:%lld/%s", i ? "," : "",
			                table_int(p, "port"), table_int(p, "nodePort"), proto);
		else
			rc = buf_printf(&ports, "%s%lld/%s", i ? "," : "", table_int(p, "port"),
			                proto);
	}
	if (!rc && !ports.len)
		rc = buf_puts(&ports, "<none>");
	rc = rc ? rc : table_format_labels(table_get(svc, "spec.selector"), &sel);
	rc = rc ? rc : cell_name(svc, cells);
	rc = rc ? rc : table_cell_str(cells, type);
	rc = rc ? rc : table_cell_str(cells, cip);
	rc = rc ? rc : table_cell_buf(cells, &ext);
	rc = rc ? rc : table_cell_buf(cells, &ports);
	rc = rc ? rc : cell_age(svc, now, cells);
	rc = rc ? rc : table_cell_buf(cells, &sel);
	buf_free(&ext);
	buf_free(&ports);
	buf_free(&sel);
	return rc;
}

int table_row_namespace(json_t *ns, time_t now, json_t *cells, json_t *row)
{
	int rc = cell_name(ns, cells);

	rc = rc ? rc : table_cell_str(cells, table_str(ns, "status.phase"));
	return rc ? rc : cell_age(ns, now, cells);
}

/* One "ip" or "ip:port" entry of formatEndpoints; IPv6 gets brackets. */
static int endpoint_entry(buf *out, const char *ip, json_t *port)
{
	const char *sep = out->len ? "," : "";

	if (!port)
		return buf_printf(out, "%s%s", sep, ip);
	if (strchr(ip, ':'))
		return buf_printf(out, "%s[%s]:%lld", sep, ip, table_int(port, "port"));
	return buf_printf(out, "%s%s:%lld", sep, ip, table_int(port, "port"));
}

int table_row_endpoints(json_t *ep, time_t now, json_t *cells, json_t *row)
{
	json_t *subsets = table_get(ep, "subsets"), *ss;
	size_t i, shown = 0;
	long long count = 0;
	int more = 0, rc = 0;
	buf out = BUF_INIT;

	if (!json_is_array(subsets) || !json_array_size(subsets))
		rc = buf_puts(&out, "<none>");
	json_array_foreach (subsets, i, ss) {
		json_t *addrs = json_object_get(ss, "addresses"),
		       *ports = json_object_get(ss, "ports");
		size_t naddr = json_is_array(addrs) ? json_array_size(addrs) : 0;
		size_t nport = json_is_array(ports) ? json_array_size(ports) : 0;

		/* Headless services may have no ports: list the bare addresses. */
		for (size_t p = 0; p < (nport ? nport : 1) && !rc; p++) {
			count += (long long)naddr;
			for (size_t a = 0; a < naddr && !rc; a++) {
				if (shown == LIST_MAX) {
					more = 1;
					break;
				}
				rc = endpoint_entry(&out, table_str(json_array_get(addrs, a), "ip"),
				                    nport ? json_array_get(ports, p) : NULL);
				shown++;
			}
		}
	}
	if (!rc && more)
		rc = buf_printf(&out, " + %lld more...", count - LIST_MAX);
	rc = rc ? rc : cell_name(ep, cells);
	rc = rc ? rc : table_cell_buf(cells, &out);
	rc = rc ? rc : cell_age(ep, now, cells);
	buf_free(&out);
	return rc;
}

static int node_roles(json_t *labels, buf *out)
{
	const char *k, *roles[64];
	size_t n = 0;
	json_t *v;
	int rc = 0;

	json_object_foreach (labels, k, v) {
		const char *role = NULL;

		if (!strncmp(k, "node-role.kubernetes.io/", 24) && k[24])
			role = k + 24;
		else if (!strcmp(k, "kubernetes.io/role") && json_is_string(v) &&
		         *json_string_value(v))
			role = json_string_value(v);
		if (role && n < sizeof(roles) / sizeof(roles[0]))
			roles[n++] = role;
	}
	qsort(roles, n, sizeof(roles[0]), cmp_str);
	for (size_t i = 0; i < n && !rc; i++)
		if (!i || strcmp(roles[i], roles[i - 1]))
			rc = buf_printf(out, "%s%s", out->len ? "," : "", roles[i]);
	if (!rc && !out->len)
		rc = buf_puts(out, "<none>");
	return rc;
}

static const char *node_address(json_t *node, const char *type)
{
	size_t i;
	json_t *a;

	json_array_foreach (table_get(node, "status.addresses"), i, a) {
		if (!strcmp(table_str(a, "type"), type))
			return table_str(a, "address");
	}
	return "<none>";
}

static const char *or_unknown(const char *s)
{
	return *s ? s : "<unknown>";
}

int table_row_node(json_t *node, time_t now, json_t *cells, json_t *row)
{
	const char *status = "Unknown";
	buf st = BUF_INIT, roles = BUF_INIT;
	size_t i;
	json_t *c;
	int rc;

	/* The last Ready condition wins, as with printNode's condition map. */
	json_array_foreach (table_get(node, "status.conditions"), i, c) {
		if (!strcmp(table_str(c, "type"), "Ready"))
			status = !strcmp(table_str(c, "status"), "True") ? "Ready" : "NotReady";
	}
	rc = buf_puts(&st, status);
	if (!rc && json_is_true(table_get(node, "spec.unschedulable")))
		rc = buf_puts(&st, ",SchedulingDisabled");
	rc = rc ? rc : node_roles(table_get(node, "metadata.labels"), &roles);
	rc = rc ? rc : cell_name(node, cells);
	rc = rc ? rc : table_cell_buf(cells, &st);
	rc = rc ? rc : table_cell_buf(cells, &roles);
	rc = rc ? rc : cell_age(node, now, cells);
	rc = rc ? rc : table_cell_str(cells, table_str(node, "status.nodeInfo.kubeletVersion"));
	rc = rc ? rc : table_cell_str(cells, node_address(node, "InternalIP"));
	rc = rc ? rc : table_cell_str(cells, node_address(node, "ExternalIP"));
	rc =
	    rc ? rc : table_cell_str(cells, or_unknown(table_str(node, "status.nodeInfo.osImage")));
	rc = rc ? rc
	        : table_cell_str(cells,
	                         or_unknown(table_str(node, "status.nodeInfo.kernelVersion")));
	rc =
	    rc ? rc
	       : table_cell_str(
	             cells, or_unknown(table_str(node, "status.nodeInfo.containerRuntimeVersion")));
	buf_free(&st);
	buf_free(&roles);
	return rc;
}

int table_row_secret(json_t *secret, time_t now, json_t *cells, json_t *row)
{
	json_t *data = json_object_get(secret, "data");
	int rc = cell_name(secret, cells);

	rc = rc ? rc : table_cell_str(cells, table_str(secret, "type"));
	rc = rc ? rc
	        : table_cell_int(cells,
	                         json_is_object(data) ? (long long)json_object_size(data) : 0);
	return rc ? rc : cell_age(secret, now, cells);
}

static const char *first_nonempty(const char *a, const char *b)
{
	return *a ? a : b;
}

int table_row_event(json_t *ev, time_t now, json_t *cells, json_t *row)
{
	char first[32], last[32], *lower = NULL;
	const char *kind = table_str(ev, "involvedObject.kind");
	const char *oname = table_str(ev, "involvedObject.name");
	const char *component =
	    first_nonempty(table_str(ev, "source.component"), table_str(ev, "reportingComponent"));
	const char *instance =
	    first_nonempty(table_str(ev, "source.host"), table_str(ev, "reportingInstance"));
	const char *msg = table_str(ev, "message");
	json_t *series = json_object_get(ev, "series");
	long long count = table_int(ev, "count");
	buf target = BUF_INIT, source = BUF_INIT, message = BUF_INIT;
	size_t mlen;
	int rc;

	if (json_is_string(json_object_get(ev, "firstTimestamp")))
		table_since(json_object_get(ev, "firstTimestamp"), now, first, sizeof(first));
	else
		table_since(json_object_get(ev, "eventTime"), now, first, sizeof(first));
	if (json_is_string(json_object_get(ev, "lastTimestamp")))
		table_since(json_object_get(ev, "lastTimestamp"), now, last, sizeof(last));
	else
		memcpy(last, first, sizeof(last));
	if (json_is_object(series)) {
		table_since(json_object_get(series, "lastObservedTime"), now, last, sizeof(last));
		count = table_int(series, "count");
	} else if (count == 0) {
		count = 1; /* singleton events of the events.k8s.io API carry no count */
	}

	lower = strdup(kind);
	if (!lower)
		return -ENOMEM;
	for (char *p = lower; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	rc = *oname ? buf_printf(&target, "%s/%s", lower, oname) : buf_puts(&target, lower);
	free(lower);
	if (!rc)
		rc = *instance ? buf_printf(&source, "%s, %s", component, instance)
		               : buf_puts(&source, component);
	while (isspace((unsigned char)*msg))
		msg++;
	mlen = strlen(msg);
	while (mlen && isspace((unsigned char)msg[mlen - 1]))
		mlen--;
	rc = rc ? rc : buf_append(&message, msg, mlen);

	rc = rc ? rc : table_cell_str(cells, last);
	rc = rc ? rc : table_cell_str(cells, table_str(ev, "type"));
	rc = rc ? rc : table_cell_str(cells, table_str(ev, "reason"));
	rc = rc ? rc : table_cell_buf(cells, &target);
	rc = rc ? rc : table_cell_str(cells, table_str(ev, "involvedObject.fieldPath"));
	rc = rc ? rc : table_cell_buf(cells, &source);
	rc = rc ? rc : table_cell_buf(cells, &message);
	rc = rc ? rc : table_cell_str(cells, first);
	rc = rc ? rc : table_cell_int(cells, count);
	rc = rc ? rc : cell_name(ev, cells);
	buf_free(&target);
	buf_free(&source);
	buf_free(&message);
	return rc;
}

/* listWithMoreString: the first LIST_MAX entries, "+ N more...", or <unset>. */
static int finish_list(buf *out, int more, long long count)
{
	if (more)
		return buf_printf(out, " + %lld more...", count - LIST_MAX);
	if (!out->len)
		return buf_puts(out, "<unset>");
	return 0;
}

int table_row_endpointslice(json_t *es, time_t now, json_t *cells, json_t *row)
{
	buf ports = BUF_INIT, eps = BUF_INIT;
	long long count = 0, shown = 0;
	int more = 0, rc = 0;
	size_t i, j;
	json_t *p, *e, *a;

	json_array_foreach (json_object_get(es, "ports"), i, p) {
		if (shown < LIST_MAX && !rc) {
			json_t *num = json_object_get(p, "port"),
			       *name = json_object_get(p, "name");
			const char *sep = shown ? "," : "";

			if (json_is_integer(num))
				rc = buf_printf(&ports, "%s%lld", sep,
				                (long long)json_integer_value(num));
			else if (json_is_string(name))
				rc = buf_printf(&ports, "%s%s", sep, json_string_value(name));
			else
				rc = buf_printf(&ports, "%s*", sep);
			shown++;
		} else {
			more = 1;
		}
		count++;
	}
	rc = rc ? rc : finish_list(&ports, more, count);
	count = shown = more = 0;
	json_array_foreach (json_object_get(es, "endpoints"), i, e) {
		json_array_foreach (json_object_get(e, "addresses"), j, a) {
			if (shown < LIST_MAX && json_is_string(a) && !rc) {
				rc = buf_printf(&eps, "%s%s", shown ? "," : "",
				                json_string_value(a));
				shown++;
			} else if (shown == LIST_MAX) {
				more = 1;
			}
			count++;
		}
	}
	rc = rc ? rc : finish_list(&eps, more, count);
	rc = rc ? rc : cell_name(es, cells);
	rc = rc ? rc : table_cell_str(cells, table_str(es, "addressType"));
	rc = rc ? rc : table_cell_buf(cells, &ports);
	rc = rc ? rc : table_cell_buf(cells, &eps);
	rc = rc ? rc : cell_age(es, now, cells);
	buf_free(&ports);
	buf_free(&eps);
	return rc;
}

int table_row_ingress(json_t *ing, time_t now, json_t *cells, json_t *row)
{
	json_t *cls = table_get(ing, "spec.ingressClassName"),
	       *rules = table_get(ing, "spec.rules");
	json_t *tls = table_get(ing, "spec.tls"), *r;
	buf hosts = BUF_INIT, addr = BUF_INIT;
	size_t i, listed = 0;
	int more = 0, rc = 0;

	json_array_foreach (rules, i, r) {
		if (listed == LIST_MAX)
			more = 1;
		if (!more && *table_str(r, "host") && !rc) {
			rc = buf_printf(&hosts, "%s%s", listed ? "," : "", table_str(r, "host"));
			listed++;
		}
	}
	if (!rc && !listed)
		rc = buf_puts(&hosts, "*");
	else if (!rc && more)
		rc = buf_printf(&hosts, " + %zu more...", json_array_size(rules) - LIST_MAX);
	rc = rc ? rc : lb_addresses(table_get(ing, "status.loadBalancer.ingress"), &addr);
	rc = rc ? rc : cell_name(ing, cells);
	rc = rc ? rc
	        : table_cell_str(cells, json_is_string(cls) ? json_string_value(cls) : "<none>");
	rc = rc ? rc : table_cell_buf(cells, &hosts);
	rc = rc ? rc : table_cell_buf(cells, &addr);
	rc = rc ? rc
	        : table_cell_str(cells,
	                         json_is_array(tls) && json_array_size(tls) ? "80, 443" : "80");
	rc = rc ? rc : cell_age(ing, now, cells);
	buf_free(&hosts);
	buf_free(&addr);
	return rc;
}

int table_row_ingressclass(json_t *ic, time_t now, json_t *cells, json_t *row)
{
	json_t *params = table_get(ic, "spec.parameters");
	buf p = BUF_INIT;
	int rc;

	if (!json_is_object(params))
		rc = buf_puts(&p, "<none>");
	else if (json_is_string(json_object_get(params, "apiGroup")))
		rc = buf_printf(&p, "%s.%s/%s", table_str(params, "kind"),
		                table_str(params, "apiGroup"), table_str(params, "name"));
	else
		rc = buf_printf(&p, "%s/%s", table_str(params, "kind"), table_str(params, "name"));
	rc = rc ? rc : cell_name(ic, cells);
	rc = rc ? rc : table_cell_str(cells, table_str(ic, "spec.controller"));
	rc = rc ? rc : table_cell_buf(cells, &p);
	rc = rc ? rc : cell_age(ic, now, cells);
	buf_free(&p);
	return rc;
}
