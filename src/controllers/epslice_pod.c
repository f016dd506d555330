/*
 * epslice_pod.c - from a Service and a Pod to endpoints and ports.
 *
 * The predicates mirror the upstream helpers both endpoint controllers use
 * (ShouldPodBeInEndpoints, IsPodReady, FindPort, ShouldSetHostname,
 * podToEndpoint, getEndpointPorts), so a pod shows up in svcnet's slices
 * exactly when it would in a real cluster's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "controllers/epslice.h"
#include "controllers/epslice_int.h"
#include "lib/buf.h"

const char *epslice_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

const char *epslice_meta_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(json_object_get(o, "metadata"), key));
}

static const json_t *spec_of(const json_t *o)
{
	return json_object_get(o, "spec");
}

int epslice_equal_except(const json_t *a, const json_t *b, const char *skip)
{
	const char *k;
	json_t *v;
	size_t na = 0, nb = 0;

	if (!json_is_object(a) || !json_is_object(b))
		return json_equal((json_t *)a, (json_t *)b);
	json_object_foreach ((json_t *)a, k, v) {
		if (strcmp(k, skip) == 0)
			continue;
		na++;
		if (!json_equal(v, json_object_get(b, k)))
			return 0;
	}
	json_object_foreach ((json_t *)b, k, v)
		nb += strcmp(k, skip) != 0;
	return na == nb;
}

int epslice_service_managed(const json_t *svc)
{
	const json_t *selector = json_object_get(spec_of(svc), "selector");

	if (strcmp(epslice_nz(epslice_str(spec_of(svc), "type")), "ExternalName") == 0)
		return 0;
	return json_is_object(selector) && json_object_size(selector) > 0;
}

int epslice_service_ip_set(const json_t *svc)
{
	const char *ip = epslice_nz(epslice_str(spec_of(svc), "clusterIP"));

	return *ip && strcmp(ip, "None") != 0;
}

int epslice_pod_deleting(const json_t *pod)
{
	const json_t *dt = json_object_get(json_object_get(pod, "metadata"), "deletionTimestamp");

	return dt && !json_is_null(dt);
}

int epslice_pod_ready(const json_t *pod)
{
	size_t i;
	json_t *c;

	json_array_foreach (json_object_get(json_object_get(pod, "status"), "conditions"), i, c) {
		if (strcmp(epslice_nz(epslice_str(c, "type")), "Ready") == 0)
			return strcmp(epslice_nz(epslice_str(c, "status")), "True") == 0;
	}
	return 0;
}

int epslice_pod_included(const json_t *pod, int include_terminating)
{
	const json_t *st = json_object_get(pod, "status");
	const char *phase = epslice_nz(epslice_str(st, "phase"));

	/* terminal pods never come back, unlike terminating ones which may still serve */
	if (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0)
		return 0;
	if (!*epslice_nz(epslice_str(st, "podIP")) &&
	    json_array_size(json_object_get(st, "podIPs")) == 0)
		return 0;
	return include_terminating || !epslice_pod_deleting(pod);
}

static int named_port(const json_t *containers, const char *name, const char *proto,
                      int sidecars_only)
{
	size_t i, j;
	json_t *c, *p;

	json_array_foreach (containers, i, c) {
		if (sidecars_only &&
		    strcmp(epslice_nz(epslice_str(c, "restartPolicy")), "Always") != 0)
			continue;
		json_array_foreach (json_object_get(c, "ports"), j, p) {
			const char *pp = epslice_str(p, "protocol");
			json_int_t n = json_integer_value(json_object_get(p, "containerPort"));

			if (strcmp(epslice_nz(epslice_str(p, "name")), name) == 0 &&
			    strcmp(pp ? pp : "TCP", proto) == 0)
				return n > 0 && n <= 65535 ? (int)n : -EINVAL;
		}
	}
	return -ENOENT;
}

int epslice_find_port(const json_t *pod, const json_t *sp)
{
	const json_t *tp = json_object_get(sp, "targetPort");
	const char *proto = epslice_str(sp, "protocol");
	json_int_t n;
	int rc;

	if (json_is_string(tp)) {
		proto = proto ? proto : "TCP";
		rc = named_port(json_object_get(spec_of(pod), "containers"), json_string_value(tp),
		                proto, 0);
		if (rc == -ENOENT) /* restartable init containers are sidecars: they serve too */
			rc = named_port(json_object_get(spec_of(pod), "initContainers"),
			                json_string_value(tp), proto, 1);
		return rc;
	}
	/* the apiserver defaults targetPort to port; cope with objects that skipped that */
	n = json_is_integer(tp) ? json_integer_value(tp) : 0;
	if (n == 0)
		n = json_integer_value(json_object_get(sp, "port"));
	return n > 0 && n <= 65535 ? (int)n : -EINVAL;
}

int epslice_should_set_hostname(const json_t *pod, const json_t *svc)
{
	const char *h = epslice_str(spec_of(pod), "hostname");
	const char *sub = epslice_str(spec_of(pod), "subdomain");

	return h && *h && sub && strcmp(sub, epslice_nz(epslice_meta_str(svc, "name"))) == 0 &&
	       strcmp(epslice_nz(epslice_meta_str(pod, "namespace")),
	              epslice_nz(epslice_meta_str(svc, "namespace"))) == 0;
}

int epslice_ip_family(const char *ip, char *canon)
{
	unsigned char b[16];

	if (!ip)
		return 0;
	if (inet_pton(AF_INET, ip, b) == 1) {
		/* glibc takes only plain dotted quads (no leading zeros): already canonical */
		memcpy(canon, ip, strlen(ip) + 1);
		return 4;
	}
	if (inet_pton(AF_INET6, ip, b) != 1)
		return 0;
	if (IN6_IS_ADDR_V4MAPPED((struct in6_addr *)b)) {
		inet_ntop(AF_INET, b + 12, canon, INET6_ADDRSTRLEN);
		return 4;
	}
	inet_ntop(AF_INET6, b, canon, INET6_ADDRSTRLEN);
	return 6;
}

int epslice_service_families(const json_t *svc, int fams[2])
{
	size_t i;
	json_t *f;
	int n = 0;
	char canon[INET6_ADDRSTRLEN];

	json_array_foreach (json_object_get(spec_of(svc), "ipFamilies"), i, f) {
		const char *s = epslice_nz(json_string_value(f));
		int fam = strcmp(s, "IPv4") == 0 ? 4 : strcmp(s, "IPv6") == 0 ? 6 : 0;

		if (fam && n < 2 && (n == 0 || fams[0] != fam))
			fams[n++] = fam;
	}
	if (n == 0) {
		/* objects from before dual-stack defaulting: the ClusterIP's family, else IPv4 */
		int fam = epslice_service_ip_set(svc)
		              ? epslice_ip_family(epslice_str(spec_of(svc), "clusterIP"), canon)
		              : 0;
		fams[n++] = fam ? fam : 4;
	}
	return n;
}

/* ---- ports ---- */

struct pitem {
	char *k;
	json_t *p;
};

static int pitem_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pitem *)a)->k, ((const struct pitem *)b)->k);
}

int epslice_ports_key(json_t *ports, int reorder, char **key)
{
	size_t n = json_array_size(ports), i;
	struct pitem *it = calloc(n + 1, sizeof(*it));
	buf b = BUF_INIT;
	int rc = -ENOMEM;
	json_t *p;

	*key = NULL;
	if (!it)
		return -ENOMEM;
	json_array_foreach (ports, i, p) {
		const json_t *num = json_object_get(p, "port");
		const char *proto = epslice_str(p, "protocol");

		buf_reset(&b);
		/* \x1f and \x1e cannot occur in names or protocols, which are validated */
		if (buf_printf(&b, "%s\x1f%s\x1f%lld\x1f%s", epslice_nz(epslice_str(p, "name")),
		               proto ? proto : "TCP",
		               json_is_integer(num) ? (long long)json_integer_value(num) : -1LL,
		               epslice_nz(epslice_str(p, "appProtocol"))) < 0 ||
		    buf_cstr(&b) < 0 || !(it[i].k = strdup(b.data)))
			goto out;
		it[i].p = json_incref(p);
	}
	if (n > 1)
		qsort(it, n, sizeof(*it), pitem_cmp);
	buf_reset(&b);
	for (i = 0; i < n; i++)
		if (buf_printf(&b, "%s%s", i ? "\x1e" : "", it[i].k) < 0)
			goto out;
	if (buf_cstr(&b) < 0 || !(*key = buf_steal(&b, NULL)))
		goto out;
	if (reorder) {
		json_array_clear(ports);
		for (i = 0; i < n; i++)
			if (json_array_append(ports, it[i].p) < 0)
				goto out;
	}
	rc = 0;
out:
	for (i = 0; i < n; i++) {
		free(it[i].k);
		json_decref(it[i].p);
	}
	free(it);
	buf_free(&b);
	if (rc < 0) {
		free(*key);
		*key = NULL;
	}
	return rc;
}

int epslice_pod_ports(const json_t *svc, const json_t *pod, json_t **ports, char **pkey)
{
	json_t *out = json_array(), *sp;
	size_t i;

	*ports = NULL;
	if (!out)
		return -ENOMEM;
	/* a headless Service may have no ports: that is the empty port set */
	json_array_foreach (json_object_get(spec_of(svc), "ports"), i, sp) {
		const char *proto = epslice_str(sp, "protocol");
		const json_t *app = json_object_get(sp, "appProtocol");
		int port = epslice_find_port(pod, sp);

		if (port < 0)
			continue; /* not served by this pod: it lands in a slice without that port
			           */
		json_t *ep =
		    json_pack("{s:s, s:s, s:i}", "name", epslice_nz(epslice_str(sp, "name")),
		              "protocol", proto ? proto : "TCP", "port", port);
		if (!ep ||
		    (json_is_string(app) &&
		     json_object_set_new(ep, "appProtocol", json_string(json_string_value(app))) <
		         0) ||
		    json_array_append_new(out, ep) < 0) {
			json_decref(out);
			return -ENOMEM;
		}
	}
	if (epslice_ports_key(out, 1, pkey) < 0) {
		json_decref(out);
		return -ENOMEM;
	}
	*ports = out;
	return 0;
}

/* ---- endpoints ---- */

static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The identity upstream hashes (endpointHashObj): sorted addresses, hostname, pod. */
static char *make_key(const char **addrs, size_t n, const char *host, const char *ns,
                      const char *name)
{
	const char *parts[3] = {host, ns, name};
	buf b = BUF_INIT;
	int rc = 0;
	size_t i;

	if (n > 1)
		qsort(addrs, n, sizeof(*addrs), strp_cmp);
	for (i = 0; i < n && rc == 0; i++)
		rc = (i ? buf_puts(&b, ",") : 0) || buf_puts(&b, addrs[i]);
	for (i = 0; i < 3 && rc == 0; i++)
		rc = buf_puts(&b, "|") || buf_puts(&b, epslice_nz(parts[i]));
	if (rc || buf_cstr(&b) < 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
}

char *epslice_ep_key(const json_t *ep)
{
	const json_t *addrs = json_object_get(ep, "addresses");
	const json_t *ref = json_object_get(ep, "targetRef");
	size_t n = json_array_size(addrs), i;
	const char *one, **v = &one;
	char *key;

	if (n > 1 && !(v = calloc(n, sizeof(*v))))
		return NULL;
	for (i = 0; i < n; i++)
		v[i] = epslice_nz(json_string_value(json_array_get(addrs, i)));
	key = make_key(v, n, epslice_str(ep, "hostname"), epslice_str(ref, "namespace"),
	               epslice_str(ref, "name"));
	if (v != &one)
		free(v);
	return key;
}

int epslice_pod_dep(const json_t *svc, const json_t *pod, int fam, int publish_not_ready,
                    struct epslice_dep *d)
{
	const json_t *st = json_object_get(pod, "status");
	const json_t *ips = json_object_get(st, "podIPs");
	size_t i, n = json_array_size(ips);

	d->naddr = 0;
	memset(d->sk, 0, sizeof(d->sk));
	/* podIPs is authoritative; podIP alone covers writers that set only that. A valid
	 * pod has one address per family; more would be rejected upstream, two are kept. */
	for (i = 0; i < (n ? n : 1) && d->naddr < 2; i++) {
		const char *ip =
		    n ? epslice_str(json_array_get(ips, i), "ip") : epslice_str(st, "podIP");

		if (epslice_ip_family(ip, d->addr[d->naddr]) != fam)
			continue;
		if (d->naddr++ == 0) {
			d->sk[0] = (unsigned char)fam;
			inet_pton(fam == 4 ? AF_INET : AF_INET6, d->addr[0], d->sk + 1);
		}
	}
	if (d->naddr == 0)
		return 0;
	d->serving = (unsigned char)epslice_pod_ready(pod);
	d->terminating = (unsigned char)epslice_pod_deleting(pod);
	/* ready never holds for a terminating pod, for consumers that predate serving */
	d->ready = publish_not_ready || (d->serving && !d->terminating);
	d->hostname =
	    epslice_should_set_hostname(pod, svc) ? epslice_str(spec_of(pod), "hostname") : NULL;
	d->ns = epslice_meta_str(pod, "namespace");
	d->name = epslice_meta_str(pod, "name");
	d->uid = epslice_meta_str(pod, "uid");
	d->node = epslice_str(spec_of(pod), "nodeName");
	if (d->node && !*d->node)
		d->node = NULL;
	const char *a[2] = {d->addr[0], d->addr[1]};
	if (!(d->key = make_key(a, d->naddr, d->hostname, d->ns, d->name)))
		return -ENOMEM;
	return 0;
}

static int set_str(json_t *o, const char *k, const char *v)
{
	return v ? json_object_set_new_nocheck(o, k, json_string(v)) : 0;
}

json_t *epslice_dep_json(struct epslice_dep *d)
{
	json_t *e, *a = NULL, *c = NULL, *r = NULL;
	size_t i;

	if (d->obj)
		return d->obj;
	if (!(e = json_object()))
		return NULL;
	/* the set_new calls take their value even when they fail */
	int rc = json_object_set_new_nocheck(e, "addresses", a = json_array());
	for (i = 0; i < d->naddr && rc == 0; i++)
		rc = json_array_append_new(a, json_string(d->addr[i]));
	if (rc == 0)
		rc = json_object_set_new_nocheck(e, "conditions", c = json_object());
	if (rc == 0)
		rc = json_object_set_new_nocheck(c, "ready", json_boolean(d->ready)) ||
		     json_object_set_new_nocheck(c, "serving", json_boolean(d->serving)) ||
		     json_object_set_new_nocheck(c, "terminating", json_boolean(d->terminating)) ||
		     set_str(e, "hostname", d->hostname) ||
		     json_object_set_new_nocheck(e, "targetRef", r = json_object());
	if (rc == 0)
		rc = set_str(r, "kind", "Pod") || set_str(r, "namespace", d->ns) ||
		     set_str(r, "name", d->name) || set_str(r, "uid", d->uid) ||
		     set_str(e, "nodeName", d->node);
	if (rc) { /* a NULL value makes its set_new fail, so rc covers allocation too */
		json_decref(e);
		return NULL;
	}
	return d->obj = e;
}

static int str_is(const json_t *o, const char *k, const char *want)
{
	const char *v = epslice_str(o, k);

	return v && strcmp(v, want) == 0;
}

static int bool_is(const json_t *o, const char *k, int want)
{
	const json_t *v = json_object_get(o, k);

	return json_is_boolean(v) && json_is_true(v) == !!want;
}

int epslice_dep_equal(const struct epslice_dep *d, const json_t *ep)
{
	const json_t *addrs = json_object_get(ep, "addresses");
	const json_t *cond = json_object_get(ep, "conditions");
	const json_t *ref = json_object_get(ep, "targetRef");
	size_t i, want = 3 + !!d->hostname + !!d->node;
	size_t wref = 1 + !!d->ns + !!d->name + !!d->uid;

	/* exactly the members epslice_dep_json writes, with the same values */
	if (json_object_size(ep) != want || json_array_size(addrs) != d->naddr ||
	    json_object_size(cond) != 3 || !json_is_object(ref))
		return 0;
	for (i = 0; i < d->naddr; i++)
		if (strcmp(epslice_nz(json_string_value(json_array_get(addrs, i))), d->addr[i]))
			return 0;
	if (!bool_is(cond, "ready", d->ready) || !bool_is(cond, "serving", d->serving) ||
	    !bool_is(cond, "terminating", d->terminating) ||
	    (d->hostname && !str_is(ep, "hostname", d->hostname)) ||
	    (d->node && !str_is(ep, "nodeName", d->node)))
		return 0;
	if (json_object_size(ref) - (json_object_get(ref, "resourceVersion") != NULL) != wref ||
	    !str_is(ref, "kind", "Pod") || (d->ns && !str_is(ref, "namespace", d->ns)) ||
	    (d->name && !str_is(ref, "name", d->name)) || (d->uid && !str_is(ref, "uid", d->uid)))
		return 0;
	return 1;
}

static int reserved_label(const char *k)
{
	return strcmp(k, EPSLICE_LABEL_SERVICE_NAME) == 0 ||
	       strcmp(k, EPSLICE_LABEL_MANAGED_BY) == 0 || strcmp(k, EPSLICE_LABEL_HEADLESS) == 0;
}

json_t *epslice_slice_labels(const json_t *svc)
{
	json_t *l = json_object(), *v;
	const char *k;

	if (!l)
		return NULL;
	json_object_foreach (json_object_get(json_object_get(svc, "metadata"), "labels"), k, v) {
		if (!reserved_label(k) && json_is_string(v) && json_object_set(l, k, v) < 0)
			goto nomem;
	}
	if ((!epslice_service_ip_set(svc) &&
	     json_object_set_new(l, EPSLICE_LABEL_HEADLESS, json_string("")) < 0) ||
	    json_object_set_new(l, EPSLICE_LABEL_SERVICE_NAME,
	                        json_string(epslice_nz(epslice_meta_str(svc, "name")))) < 0 ||
	    json_object_set_new(l, EPSLICE_LABEL_MANAGED_BY, json_string(EPSLICE_CONTROLLER_NAME)) <
	        0)
		goto nomem;
	return l;
nomem:
	json_decref(l);
	return NULL;
}
