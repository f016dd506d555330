/*
 * dnszone_obj.c - Service, EndpointSlice and Pod objects into the zone.
 *
 * Each event decodes the object into a fresh compact copy first; the zone
 * changes only once that worked, so an -ENOMEM leaves the previous answers.
 * Updates that change nothing the answers use (status, annotations, a
 * resync) leave the serial alone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dnszone_int.h"

static const char *jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Namespace and name, checked to be labels we can hold. */
static int obj_meta(json_t *obj, const char **ns, const char **name)
{
	json_t *md = json_object_get(obj, "metadata");

	*ns = jstr(md, "namespace");
	*name = jstr(md, "name");
	if (!*ns || !*name || !**ns || !**name || strlen(*ns) >= DZ_NAME_MAX ||
	    strlen(*name) >= DZ_NAME_MAX)
		return -EINVAL;
	return 0;
}

static void lower_copy(char *dst, const char *src, size_t n)
{
	size_t i = 0;

	for (; src[i] && i + 1 < n; i++)
		dst[i] = (char)(src[i] >= 'A' && src[i] <= 'Z' ? src[i] + 32 : src[i]);
	dst[i] = 0;
}

/* ports[] of a Service or an EndpointSlice: name, protocol, port. */
static int ports_decode(json_t *arr, struct dz_port **out, int *nout)
{
	size_t n = json_array_size(arr), i;
	struct dz_port *p;
	json_t *v;
	int k = 0;

	*out = NULL;
	*nout = 0;
	if (!n)
		return 0;
	p = calloc(n, sizeof(*p));
	if (!p)
		return -ENOMEM;
	json_array_foreach (arr, i, v) {
		const char *name = jstr(v, "name"), *proto = jstr(v, "protocol");
		json_int_t port = json_integer_value(json_object_get(v, "port"));

		if (port < 0 || port > 65535)
			continue;
		lower_copy(p[k].name, name ? name : "", sizeof(p[k].name));
		lower_copy(p[k].proto, proto ? proto : "TCP", sizeof(p[k].proto));
		p[k].port = (uint16_t)port;
		k++;
	}
	*out = p;
	*nout = k;
	return 0;
}

/* --- Services --------------------------------------------------------------- */

int dz_service_set(dz_zone *z, json_t *obj)
{
	json_t *spec = json_object_get(obj, "spec"), *ips, *v;
	const char *ns, *name, *type, *cip;
	struct dz_svc nw = {0}, *s;
	size_t i;
	int rc;

	if (obj_meta(obj, &ns, &name) < 0)
		return -EINVAL;
	type = jstr(spec, "type");
	cip = jstr(spec, "clusterIP");
	if (type && !strcmp(type, "ExternalName")) {
		const char *ext = jstr(spec, "externalName");
		char t[DNS_NAME_MAX + 2];

		nw.kind = DZ_EXTERNAL;
		lower_copy(t, ext ? ext : "", sizeof(t));
		if (!t[0] || dnsmsg_name_from_text(t, nw.ext, &nw.ext_len) < 0 || nw.ext_len < 2)
			nw.ext_len = 0; /* answers NXDOMAIN, as a Service without a target */
	} else if (cip && !strcmp(cip, "None")) {
		nw.kind = DZ_HEADLESS;
	} else {
		nw.kind = DZ_CLUSTERIP;
		ips = json_object_get(spec, "clusterIPs");
		json_array_foreach (ips, i, v) {
			net_addr a;

			if (nw.nips < 2 && json_is_string(v) &&
			    net_addr_parse(json_string_value(v), &a) == 0)
				nw.ips[nw.nips++] = a;
		}
		if (!nw.nips && cip && net_addr_parse(cip, &nw.ips[0]) == 0)
			nw.nips = 1;
	}
	if (ports_decode(json_object_get(spec, "ports"), &nw.ports, &nw.nports) < 0)
		return -ENOMEM;
	s = dz_svc_get(z, ns, name, true);
	if (!s) {
		free(nw.ports);
		return -ENOMEM;
	}
	if (s->kind == nw.kind && s->nips == nw.nips &&
	    !memcmp(s->ips, nw.ips, sizeof(nw.ips[0]) * (size_t)nw.nips) &&
	    s->ext_len == nw.ext_len && !memcmp(s->ext, nw.ext, nw.ext_len) &&
	    s->nports == nw.nports &&
	    (!nw.nports || !memcmp(s->ports, nw.ports, sizeof(nw.ports[0]) * (size_t)nw.nports))) {
		free(nw.ports);
		return 0;
	}
	dz_svc_set_kind(z, s, nw.kind);
	memcpy(s->ips, nw.ips, sizeof(s->ips));
	s->nips = nw.nips;
	memcpy(s->ext, nw.ext, sizeof(s->ext));
	s->ext_len = nw.ext_len;
	free(s->ports);
	s->ports = nw.ports;
	s->nports = nw.nports;
	rc = dz_svc_refresh(z, s);
	return rc < 0 ? rc : 1;
}

int dz_service_delete(dz_zone *z, json_t *obj)
{
	const char *ns, *name;
	struct dz_svc *s;

	if (obj_meta(obj, &ns, &name) < 0)
		return -EINVAL;
	s = dz_svc_get(z, ns, name, false);
	if (!s || s->kind == DZ_NONE)
		return 0;
	dz_svc_set_kind(z, s, DZ_NONE);
	free(s->ports);
	s->ports = NULL;
	s->nports = 0;
	s->nips = 0;
	s->ext_len = 0;
	dz_svc_refresh(z, s);
	return 1;
}

/* --- EndpointSlices --------------------------------------------------------- */

static struct dz_slice *slice_decode(json_t *obj, const char *ns, const char *name, const char *svc)
{
	json_t *eps = json_object_get(obj, "endpoints"), *e, *a;
	const char *at = jstr(obj, "addressType");
	struct dz_slice *sl = calloc(1, sizeof(*sl));
	size_t i, j, total = 0;

	if (!sl)
		return NULL;
	lower_copy(sl->ns, ns, sizeof(sl->ns));
	lower_copy(sl->name, name, sizeof(sl->name));
	lower_copy(sl->svc, svc, sizeof(sl->svc));
	if (ports_decode(json_object_get(obj, "ports"), &sl->ports, &sl->nports) < 0)
		goto fail;
	/* FQDN slices (deprecated) carry no addresses DNS could answer. */
	if (at && strcmp(at, "IPv4") && strcmp(at, "IPv6"))
		return sl;
	json_array_foreach (eps, i, e)
		total += json_array_size(json_object_get(e, "addresses"));
	if (!total)
		return sl;
	sl->eps = calloc(total, sizeof(*sl->eps));
	if (!sl->eps)
		goto fail;
	json_array_foreach (eps, i, e) {
		json_t *ready = json_object_get(json_object_get(e, "conditions"), "ready");
		const char *host = jstr(e, "hostname");

		json_array_foreach (json_object_get(e, "addresses"), j, a) {
			struct dz_slice_ep *x = &sl->eps[sl->neps];

			if (!json_is_string(a) ||
			    net_addr_parse(json_string_value(a), &x->addr) < 0)
				continue;
			/* Unknown readiness counts as ready (EndpointSlice API). */
			x->ready = !ready || json_is_null(ready) || json_is_true(ready);
			if (host && strlen(host) < DZ_NAME_MAX && !strchr(host, '.'))
				lower_copy(x->hostname, host, sizeof(x->hostname));
			sl->neps++;
		}
	}
	return sl;
fail:
	dz_slice_free(sl);
	return NULL;
}

static void slice_detach(struct dz_svc *s, struct dz_slice *sl)
{
	for (struct dz_slice **pp = &s->slices; *pp; pp = &(*pp)->next) {
		if (*pp == sl) {
			*pp = sl->next;
			sl->next = NULL;
			return;
		}
	}
}

int dz_slice_set(dz_zone *z, json_t *obj)
{
	json_t *labels = json_object_get(json_object_get(obj, "metadata"), "labels");
	const char *ns, *name, *svcname = jstr(labels, "kubernetes.io/service-name");
	char key[2 * DZ_NAME_MAX + 2];
	struct dz_slice *sl, *old;
	struct dz_svc *s, *os = NULL;
	int rc;

	if (obj_meta(obj, &ns, &name) < 0)
		return -EINVAL;
	if (!svcname || !svcname[0] || strlen(svcname) >= DZ_NAME_MAX)
		return dz_slice_delete(z, obj); /* no (longer a) service's slice */
	sl = slice_decode(obj, ns, name, svcname);
	if (!sl)
		return -ENOMEM;
	s = dz_svc_get(z, sl->ns, sl->svc, true);
	dz_key(key, sizeof(key), ns, name);
	if (!s || dict_set(z->slices, key, sl, (void **)&old) < 0) {
		dz_slice_free(sl);
		return -ENOMEM;
	}
	if (old) {
		os = dz_svc_get(z, old->ns, old->svc, false);
		if (os)
			slice_detach(os, old);
	}
	sl->next = s->slices;
	s->slices = sl;
	rc = dz_svc_refresh(z, s);
	if (os && os != s)
		dz_svc_refresh(z, os);
	dz_slice_free(old);
	return rc < 0 ? rc : 1;
}

int dz_slice_delete(dz_zone *z, json_t *obj)
{
	const char *ns, *name;
	char key[2 * DZ_NAME_MAX + 2];
	struct dz_slice *sl;
	struct dz_svc *s;

	if (obj_meta(obj, &ns, &name) < 0)
		return -EINVAL;
	dz_key(key, sizeof(key), ns, name);
	sl = dict_del(z->slices, key);
	if (!sl)
		return 0;
	s = dz_svc_get(z, sl->ns, sl->svc, false);
	if (s) {
		slice_detach(s, sl);
		dz_svc_refresh(z, s);
	}
	dz_slice_free(sl);
	return 1;
}

/* --- Pods (--pods verified) ------------------------------------------------- */

static void pod_index(dz_zone *z, const char *ns, const struct dz_pod *p, int delta)
{
	char key[DZ_NAME_MAX + DZ_ADDRKEY + 2], ak[DZ_ADDRKEY];

	for (int i = 0; i < p->n; i++) {
		dz_addr_key(&p->addrs[i], ak);
		dz_key(key, sizeof(key), ns, ak);
		dz_count_add(z->podips, key, delta);
	}
}

int dz_pod_set(dz_zone *z, json_t *obj)
{
	json_t *st = json_object_get(obj, "status"), *v;
	const char *ns, *name, *ip;
	char key[2 * DZ_NAME_MAX + 2];
	struct dz_pod nw = {0}, *p, *old;
	size_t i;

	if (obj_meta(obj, &ns, &name) < 0)
		return -EINVAL;
	json_array_foreach (json_object_get(st, "podIPs"), i, v) {
		ip = jstr(v, "ip");
		if (nw.n < 2 && ip && net_addr_parse(ip, &nw.addrs[nw.n]) == 0)
			nw.n++;
	}
	ip = jstr(st, "podIP");
	if (!nw.n && ip && net_addr_parse(ip, &nw.addrs[0]) == 0)
		nw.n = 1;
	dz_key(key, sizeof(key), ns, name);
	old = dict_get(z->pods, key);
	if (old && old->n == nw.n && !memcmp(old->addrs, nw.addrs, sizeof(nw.addrs)))
		return 0;
	p = malloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	*p = nw;
	if (dict_set(z->pods, key, p, NULL) < 0) {
		free(p);
		return -ENOMEM;
	}
	if (old)
		pod_index(z, ns, old, -1);
	pod_index(z, ns, p, 1);
	free(old);
	dz_changed(z);
	return 1;
}

int dz_pod_delete(dz_zone *z, json_t *obj)
{
	const char *ns, *name;
	char key[2 * DZ_NAME_MAX + 2];
	struct dz_pod *p;

	if (obj_meta(obj, &ns, &name) < 0)
		return -EINVAL;
	dz_key(key, sizeof(key), ns, name);
	p = dict_del(z->pods, key);
	if (!p)
		return 0;
	pod_index(z, ns, p, -1);
	free(p);
	dz_changed(z);
	return 1;
}
