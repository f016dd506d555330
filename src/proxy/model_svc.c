/*
 * model_svc.c - a Service object read into what the proxy uses of it
 * (kube-proxy's newBaseServiceInfo and ShouldSkipService, for all families at
 * once). Every field is type-checked: a wrong type reads as absent.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/rfc3339.h"
#include "proxy/model_int.h"

static const char *str_of(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

int pxm_obj_ns_name(const json_t *o, const char **ns, const char **name)
{
	const json_t *meta = json_object_get(o, "metadata");

	*ns = str_of(meta, "namespace");
	*name = str_of(meta, "name");
	return *ns && **ns && *name && **name ? 0 : -EINVAL;
}

char *pxm_join_key(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 2);

	if (!s)
		return NULL;
	memcpy(s, a, la);
	s[la] = '/';
	memcpy(s + la + 1, b, lb + 1);
	return s;
}

int pxm_parse_time(const char *s, double *out)
{
	/* nothing before the epoch: a trigger time there is garbage */
	if (rfc3339_parse(s, out) < 0 || strncmp(s, "1970", 4) < 0)
		return -EINVAL;
	return 0;
}

int pxm_proto_parse(const char *s, enum pxm_proto *out)
{
	static const char *const names[] = {"TCP", "UDP", "SCTP"};

	for (int i = 0; s && i < 3; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum pxm_proto)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *pxm_proto_name(enum pxm_proto p)
{
	return p == PXM_UDP ? "UDP" : p == PXM_SCTP ? "SCTP" : "TCP";
}

/* An integer member within [lo, hi], else 0. */
static long long int_in(const json_t *o, const char *k, long long lo, long long hi)
{
	const json_t *v = json_object_get(o, k);
	long long x;

	if (!json_is_integer(v))
		return 0;
	x = json_integer_value(v);
	return x >= lo && x <= hi ? x : 0;
}

/*
 * The proxy-name and headless labels decide whether kube-proxy sees the object
 * at all (its informers list with "!service-proxy-name,!headless"). A label value
 * of the wrong type counts as set: such an object is not ours to program.
 */
static bool labels_skip(const json_t *o, const char *proxy_name)
{
	const json_t *labels = json_object_get(json_object_get(o, "metadata"), "labels");
	const json_t *pn = json_object_get(labels, PXM_LABEL_PROXY_NAME);

	if (json_object_get(labels, PXM_LABEL_HEADLESS))
		return true;
	if (!proxy_name)
		return pn != NULL;
	return !json_is_string(pn) || strcmp(json_string_value(pn), proxy_name) != 0;
}

static bool have_family(const struct pxm_svc *s, int family)
{
	for (size_t i = 0; i < s->n_cluster_ips; i++)
		if (s->cluster_ips[i].family == family)
			return true;
	return false;
}

static bool addr_in(const net_addr *v, size_t n, const net_addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (net_addr_cmp(&v[i], a) == 0)
			return true;
	return false;
}

/* spec.clusterIPs (or the older spec.clusterIP alone), one per family. "None"
 * or nothing usable leaves none: the Service is headless, or not yet allocated. */
static void read_cluster_ips(struct pxm_svc *s, const json_t *spec)
{
	const json_t *ips = json_object_get(spec, "clusterIPs");
	const json_t *v;
	size_t i;
	net_addr a;

	if (!json_is_array(ips) || json_array_size(ips) == 0) {
		const char *ip = str_of(spec, "clusterIP");

		if (ip && net_addr_parse(ip, &a) == 0)
			s->cluster_ips[s->n_cluster_ips++] = a;
		return;
	}
	json_array_foreach (ips, i, v) {
		const char *ip = json_string_value(v);

		if (!ip || (i == 0 && strcmp(ip, "None") == 0))
			return;
		if (net_addr_parse(ip, &a) == 0 && !have_family(s, a.family) &&
		    s->n_cluster_ips < 2)
			s->cluster_ips[s->n_cluster_ips++] = a;
	}
}

static int read_ports(struct pxm_svc *s, const json_t *spec)
{
	const json_t *ports = json_object_get(spec, "ports"), *p;
	size_t i;

	if (!json_is_array(ports) || json_array_size(ports) == 0)
		return 0;
	s->ports = calloc(json_array_size(ports), sizeof(*s->ports));
	if (!s->ports)
		return -ENOMEM;
	json_array_foreach (ports, i, p) {
		const json_t *name = json_object_get(p, "name"),
		             *proto = json_object_get(p, "protocol");
		struct pxm_sport *sp = &s->ports[s->n_ports];

		if (!json_is_object(p) || (name && !json_is_string(name)))
			continue;
		sp->proto = PXM_TCP;
		if (proto && pxm_proto_parse(json_string_value(proto), &sp->proto))
			continue;
		sp->port = (uint16_t)int_in(p, "port", 1, 65535);
		sp->node_port = (uint16_t)int_in(p, "nodePort", 1, 65535);
		if (!sp->port)
			continue;
		sp->name = strdup(name ? json_string_value(name) : "");
		if (!sp->name)
			return -ENOMEM;
		s->n_ports++;
	}
	return 0;
}

/* An array of address strings; only families with a cluster IP are kept
 * (kube-proxy's proxier for a family never sees the others), no duplicates.
 * *n_valid counts every address that parsed, whatever its family. */
static int read_ips(const struct pxm_svc *s, const json_t *arr, const char *member, net_addr **out,
                    size_t *n, size_t *n_valid)
{
	const json_t *v;
	size_t i;
	net_addr a;

	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return 0;
	*out = calloc(json_array_size(arr), sizeof(**out));
	if (!*out)
		return -ENOMEM;
	json_array_foreach (arr, i, v) {
		const char *ip = json_string_value(member ? json_object_get(v, member) : v);

		if (member) {
			/* ipMode unset or "VIP" (kube-proxy's IsVIPMode); a non-string
			 * ipMode reads as unset. */
			const char *mode = json_string_value(json_object_get(v, "ipMode"));

			if (mode && strcmp(mode, "VIP") != 0)
				continue;
		}
		if (!ip || net_addr_parse(ip, &a))
			continue;
		if (n_valid)
			(*n_valid)++;
		if (have_family(s, a.family) && !addr_in(*out, *n, &a))
			(*out)[(*n)++] = a;
	}
	return 0;
}

static int read_ranges(struct pxm_svc *s, const json_t *arr)
{
	const json_t *v;
	size_t i;
	char buf[NET_CIDR_STRLEN + 1];

	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return 0;
	s->ranges = calloc(json_array_size(arr), sizeof(*s->ranges));
	if (!s->ranges)
		return -ENOMEM;
	json_array_foreach (arr, i, v) {
		const char *r = json_string_value(v), *end;
		net_cidr c;
		size_t len;
		bool dup = false;

		if (!r)
			continue;
		/* Validation lets padding through; kube-proxy trims it. */
		while (isspace((unsigned char)*r))
			r++;
		end = r + strlen(r);
		while (end > r && isspace((unsigned char)end[-1]))
			end--;
		len = (size_t)(end - r);
		if (len == 0 || len >= sizeof(buf))
			continue;
		memcpy(buf, r, len);
		buf[len] = '\0';
		if (net_cidr_parse(buf, &c, 0))
			continue;
		for (size_t j = 0; j < s->n_ranges && !dup; j++)
			dup = s->ranges[j].prefix == c.prefix &&
			      net_addr_cmp(&s->ranges[j].addr, &c.addr) == 0;
		if (!dup)
			s->ranges[s->n_ranges++] = c;
	}
	return 0;
}

static int read_spec(struct pxm_svc *s, const json_t *o, const char *proxy_name)
{
	const json_t *spec = json_object_get(o, "spec");
	const json_t *lb = json_object_get(json_object_get(o, "status"), "loadBalancer");
	const char *type = str_of(spec, "type"), *v;
	size_t n_ext_valid = 0;
	int rc;

	if (type && strcmp(type, "ExternalName") == 0)
		s->skip = true;
	else if (type && strcmp(type, "NodePort") == 0)
		s->type = PXM_TYPE_NODE_PORT;
	else if (type && strcmp(type, "LoadBalancer") == 0)
		s->type = PXM_TYPE_LOAD_BALANCER;
	if (labels_skip(o, proxy_name))
		s->skip = true;
	read_cluster_ips(s, spec);
	if (s->n_cluster_ips == 0)
		s->skip = true;
	if (s->skip)
		return 0;
	if ((rc = read_ports(s, spec)) ||
	    (rc = read_ips(s, json_object_get(spec, "externalIPs"), NULL, &s->external_ips,
	                   &s->n_external_ips, &n_ext_valid)) ||
	    (rc = read_ips(s, json_object_get(lb, "ingress"), "ip", &s->lb_ips, &s->n_lb_ips,
	                   NULL)) ||
	    (rc = read_ranges(s, json_object_get(spec, "loadBalancerSourceRanges"))))
		return rc;

	v = str_of(spec, "sessionAffinity");
	if (v && strcmp(v, "ClientIP") == 0) {
		const json_t *cfg =
		    json_object_get(json_object_get(spec, "sessionAffinityConfig"), "clientIP");

		s->affinity = true;
		s->affinity_timeout =
		    (uint32_t)int_in(cfg, "timeoutSeconds", 1, PXM_AFFINITY_TIMEOUT_MAX);
		if (!s->affinity_timeout)
			s->affinity_timeout = PXM_AFFINITY_TIMEOUT_DEFAULT;
	}
	/* apiservice.ExternalPolicyLocal: only for a Service reachable from
	 * outside (NodePort, LoadBalancer, or ClusterIP with externalIPs). */
	v = str_of(spec, "externalTrafficPolicy");
	s->etp_local =
	    v && strcmp(v, "Local") == 0 && (s->type != PXM_TYPE_CLUSTER_IP || n_ext_valid > 0);
	v = str_of(spec, "internalTrafficPolicy");
	s->itp_local = v && strcmp(v, "Local") == 0;
	/* apiservice.NeedsHealthCheck: LoadBalancer with eTP Local. */
	if (s->type == PXM_TYPE_LOAD_BALANCER && s->etp_local)
		s->hc_node_port = (uint16_t)int_in(spec, "healthCheckNodePort", 1, 65535);
	return 0;
}

int pxm_svc_parse(const json_t *o, const char *proxy_name, struct pxm_svc **out)
{
	struct pxm_svc *s;
	const char *ns, *name;
	int rc;

	*out = NULL;
	if (pxm_obj_ns_name(o, &ns, &name))
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->ns = strdup(ns);
	s->name = strdup(name);
	if (!s->ns || !s->name) {
		pxm_svc_free(s);
		return -ENOMEM;
	}
	rc = read_spec(s, o, proxy_name && *proxy_name ? proxy_name : NULL);
	if (rc) {
		pxm_svc_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void pxm_svc_free(struct pxm_svc *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_ports; i++)
		free(s->ports[i].name);
	free(s->ports);
	free(s->external_ips);
	free(s->lb_ips);
	free(s->ranges);
	free(s->ns);
	free(s->name);
	free(s);
}
