/*
 * epslice_mirror.c - the core/v1 Endpoints of a Service, as the endpoints controller builds it.
 *
 * Every (port, address) pair is collected, then "repacked" like upstream's
 * RepackSubsets: ports offered by exactly the same addresses (with the same
 * readiness) share one subset. Addresses sort by IP then pod UID as upstream;
 * ports and subsets sort by their text instead of upstream's md5 order, which
 * is just as stable. Terminating pods are left out unless
 * publishNotReadyAddresses, unlike in EndpointSlices, which keep them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/selector.h"
#include "controllers/epslice.h"
#include "controllers/epslice_int.h"
#include "lib/buf.h"

struct ment {         /* one address offering one port */
	char *pkey;   /* "" for "no ports" (a headless Service without ports) */
	json_t *port; /* NULL with pkey "" */
	char *akey;   /* ip, then pod UID: the dedup and sort key */
	json_t *addr;
	int ready;
};

struct run { /* the entries of one port, and the signature of their address set */
	size_t first, n;
	char *sig;
};

struct mstate {
	struct ment *m;
	size_t n, cap;
};

static void ment_free(struct mstate *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->m[i].pkey);
		free(s->m[i].akey);
		json_decref(s->m[i].port);
		json_decref(s->m[i].addr);
	}
	free(s->m);
}

static int ment_add(struct mstate *s, const char *pkey, const json_t *port, const char *akey,
                    json_t *addr, int ready)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 32;
		struct ment *nm = realloc(s->m, nc * sizeof(*nm));

		if (!nm)
			return -ENOMEM;
		s->m = nm;
		s->cap = nc;
	}
	struct ment *e = &s->m[s->n];
	/* port and addr are shared, not copied: they are never modified once built */
	*e = (struct ment){strdup(pkey), json_incref((json_t *)port), strdup(akey),
	                   json_incref(addr), ready};
	s->n++;
	if (!e->pkey || !e->akey)
		return -ENOMEM;
	return 0;
}

static int ment_cmp(const void *a, const void *b)
{
	const struct ment *x = a, *y = b;
	int c = strcmp(x->pkey, y->pkey);

	return c ? c : strcmp(x->akey, y->akey);
}

static int run_cmp(const void *a, const void *b)
{
	return strcmp(((const struct run *)a)->sig, ((const struct run *)b)->sig);
}

/* The family Endpoints addresses are taken from: the Service's first ipFamily, else
 * its ClusterIP's; 0 for a headless Service from before families were defaulted,
 * which follows each pod's primary IP. */
static int endpoints_family(const json_t *svc)
{
	const json_t *spec = json_object_get(svc, "spec");
	const json_t *fams = json_object_get(spec, "ipFamilies");
	char canon[INET6_ADDRSTRLEN];

	if (json_array_size(fams) > 0) {
		const char *first = epslice_nz(json_string_value(json_array_get(fams, 0)));

		return strcmp(first, "IPv6") == 0 ? 6 : 4;
	}
	if (!epslice_service_ip_set(svc))
		return 0;
	return epslice_ip_family(epslice_str(spec, "clusterIP"), canon) == 6 ? 6 : 4;
}

/* podToEndpointAddressForService: one address, of family fam. */
static int pod_address(const json_t *svc, const json_t *pod, int fam, json_t **addr, buf *akey)
{
	const json_t *st = json_object_get(pod, "status");
	const json_t *ips = json_object_get(st, "podIPs");
	size_t i, n = json_array_size(ips);
	char canon[INET6_ADDRSTRLEN];
	const char *ip = NULL;

	*addr = NULL;
	if (!fam)
		fam = epslice_ip_family(epslice_str(st, "podIP"), canon) == 6 ? 6 : 4;
	for (i = 0; i < (n ? n : 1) && !ip; i++) {
		const char *cand =
		    n ? epslice_str(json_array_get(ips, i), "ip") : epslice_str(st, "podIP");

		if (epslice_ip_family(cand, canon) == fam)
			ip = cand;
	}
	if (!ip)
		return 0;
	const char *node = epslice_str(json_object_get(pod, "spec"), "nodeName");
	const char *host = epslice_should_set_hostname(pod, svc)
	                       ? epslice_str(json_object_get(pod, "spec"), "hostname")
	                       : NULL;
	const char *uid = epslice_meta_str(pod, "uid");
	json_t *a = json_object(), *ref = json_object();
	static const char *const refkeys[] = {"namespace", "name", "uid"};
	int rc = a && ref ? json_object_set_new_nocheck(ref, "kind", json_string("Pod")) : -1;

	for (i = 0; i < 3 && rc == 0; i++) {
		const char *v = epslice_meta_str(pod, refkeys[i]);

		rc = v ? json_object_set_new_nocheck(ref, refkeys[i], json_string(v)) : 0;
	}
	if (rc == 0)
		rc = json_object_set_new_nocheck(a, "ip", json_string(ip));
	if (rc == 0 && host)
		rc = json_object_set_new_nocheck(a, "hostname", json_string(host));
	if (rc == 0 && node && *node)
		rc = json_object_set_new_nocheck(a, "nodeName", json_string(node));
	if (rc == 0) {
		rc = json_object_set_new_nocheck(a, "targetRef",
		                                 ref); /* steals ref, even on error */
		ref = NULL;
	}
	buf_reset(akey);
	/* \x1f sorts below every printable byte, so "10.0.0.1" < "10.0.0.10" as in Go */
	if (rc < 0 || buf_puts(akey, ip) < 0 || buf_puts(akey, "\x1f") < 0 ||
	    buf_puts(akey, epslice_nz(uid)) < 0 || buf_cstr(akey) < 0) {
		json_decref(ref);
		json_decref(a);
		return -ENOMEM;
	}
	*addr = a;
	return 0;
}

/* An Endpoints port and its sort/group key. */
static int make_port(const json_t *sp, int num, json_t **port, buf *pkey)
{
	const char *name = epslice_nz(epslice_str(sp, "name"));
	const char *proto = epslice_str(sp, "protocol");
	const char *app = epslice_str(sp, "appProtocol");

	*port = json_pack("{s:s*, s:i, s:s, s:s*}", "name", *name ? name : NULL, "port", num,
	                  "protocol", proto ? proto : "TCP", "appProtocol", app);
	buf_reset(pkey);
	if (!*port ||
	    buf_printf(pkey, "%s\x1f%d\x1f%s\x1f%s", name, num, proto ? proto : "TCP",
	               epslice_nz(app)) < 0 ||
	    buf_cstr(pkey) < 0) {
		json_decref(*port);
		*port = NULL;
		return -ENOMEM;
	}
	return 0;
}

struct pcache { /* a Service port whose targetPort is a number: the same for every pod */
	json_t *port;
	char *pkey;
};

static int collect(const json_t *svc, const json_t *pods, const sel *s, struct mstate *st)
{
	const json_t *ports = json_object_get(json_object_get(svc, "spec"), "ports");
	const char *ns = epslice_meta_str(svc, "namespace");
	int pnr =
	    json_is_true(json_object_get(json_object_get(svc, "spec"), "publishNotReadyAddresses"));
	int headless =
	    strcmp(epslice_nz(epslice_str(json_object_get(svc, "spec"), "clusterIP")), "None") == 0;
	size_t np = json_array_size(ports), i, j;
	int fam = endpoints_family(svc);
	struct pcache *pc = calloc(np + 1, sizeof(*pc));
	buf akey = BUF_INIT, pkey = BUF_INIT;
	json_t *pod, *sp;
	int rc = -ENOMEM;

	if (!pc)
		return -ENOMEM;
	json_array_foreach (ports, j, sp) {
		int num = json_is_string(json_object_get(sp, "targetPort"))
		              ? -1
		              : epslice_find_port(NULL, sp);

		if (num > 0 && (make_port(sp, num, &pc[j].port, &pkey) < 0 ||
		                !(pc[j].pkey = strdup(pkey.data))))
			goto out;
	}
	rc = 0;
	json_array_foreach (pods, i, pod) {
		json_t *addr;

		if (!json_is_object(pod) ||
		    strcmp(epslice_nz(epslice_meta_str(pod, "namespace")), ns) != 0 ||
		    !sel_match_labels(
		        s, json_object_get(json_object_get(pod, "metadata"), "labels")) ||
		    !epslice_pod_included(pod, pnr))
			continue;
		if ((rc = pod_address(svc, pod, fam, &addr, &akey)) < 0)
			break;
		if (!addr)
			continue;
		int ready = pnr || epslice_pod_ready(pod);
		if (np == 0 && headless)
			rc = ment_add(st, "", NULL, akey.data, addr, ready);
		json_array_foreach (ports, j, sp) {
			json_t *p = NULL;
			int num;

			if (rc < 0)
				break;
			if (pc[j].port) {
				rc = ment_add(st, pc[j].pkey, pc[j].port, akey.data, addr, ready);
				continue;
			}
			if (!json_is_string(json_object_get(sp, "targetPort")) ||
			    (num = epslice_find_port(pod, sp)) < 0)
				continue; /* the pod does not serve this port */
			if ((rc = make_port(sp, num, &p, &pkey)) == 0)
				rc = ment_add(st, pkey.data, p, akey.data, addr, ready);
			json_decref(p);
		}
		json_decref(addr);
		if (rc < 0)
			break;
	}
out:
	for (j = 0; j < np; j++) {
		json_decref(pc[j].port);
		free(pc[j].pkey);
	}
	free(pc);
	buf_free(&akey);
	buf_free(&pkey);
	return rc;
}

static int append_or_skip(json_t *subset, const char *key, json_t *arr)
{
	if (json_array_size(arr) == 0) {
		json_decref(arr);
		return 0;
	}
	return json_object_set_new(subset, key, arr);
}

/* Sorted, deduplicated entries in, canonical subsets out. */
static json_t *repack(struct mstate *st)
{
	struct run *runs = calloc(st->n + 1, sizeof(*runs));
	json_t *subsets = json_array();
	size_t nr = 0, i, j, k;
	buf sig = BUF_INIT;

	if (!runs || !subsets)
		goto nomem;
	for (i = 0; i < st->n; i = j) {
		/* one port's addresses; an address unready for a port stays unready */
		size_t w = i;
		for (j = i + 1; j < st->n && strcmp(st->m[j].pkey, st->m[i].pkey) == 0; j++) {
			if (strcmp(st->m[j].akey, st->m[w].akey) == 0) {
				st->m[w].ready &= st->m[j].ready;
				st->m[j].ready = -1; /* merged away */
			} else {
				w = j;
			}
		}
		buf_reset(&sig);
		for (k = i; k < j; k++)
			if (st->m[k].ready >= 0 &&
			    (buf_puts(&sig, st->m[k].akey) < 0 ||
			     buf_puts(&sig, st->m[k].ready ? "+\x1e" : "-\x1e") < 0))
				goto nomem;
		if (buf_cstr(&sig) < 0 || !(runs[nr].sig = strdup(sig.data)))
			goto nomem;
		runs[nr].first = i;
		runs[nr++].n = j - i;
	}
	if (nr > 1)
		qsort(runs, nr, sizeof(*runs), run_cmp);
	for (i = 0; i < nr; i = j) {
		json_t *sub = json_object(), *ready = json_array(), *unready = json_array();
		json_t *ports = json_array();

		if (!sub || json_array_append_new(subsets, sub) < 0 || !ready || !unready ||
		    !ports) {
			json_decref(ready);
			json_decref(unready);
			json_decref(ports);
			goto nomem;
		}
		for (j = i; j < nr && strcmp(runs[j].sig, runs[i].sig) == 0; j++) {
			const struct ment *m = &st->m[runs[j].first];

			if (m->port && json_array_append(ports, m->port) < 0)
				goto nomem_arrays;
		}
		for (k = runs[i].first; k < runs[i].first + runs[i].n; k++) {
			const struct ment *m = &st->m[k];

			if (m->ready >= 0 &&
			    json_array_append(m->ready ? ready : unready, m->addr) < 0)
				goto nomem_arrays;
		}
		if (append_or_skip(sub, "addresses", ready) < 0 ||
		    append_or_skip(sub, "notReadyAddresses", unready) < 0 ||
		    append_or_skip(sub, "ports", ports) < 0)
			goto nomem;
		continue;
	nomem_arrays:
		json_decref(ready);
		json_decref(unready);
		json_decref(ports);
		goto nomem;
	}
	for (i = 0; i < nr; i++)
		free(runs[i].sig);
	free(runs);
	buf_free(&sig);
	return subsets;
nomem:
	for (i = 0; runs && i < nr; i++)
		free(runs[i].sig);
	free(runs);
	buf_free(&sig);
	json_decref(subsets);
	return NULL;
}

static void truncate_list(json_t *sub, const char *key, size_t keep)
{
	json_t *a = json_object_get(sub, key);

	while (json_array_size(a) > keep)
		json_array_remove(a, json_array_size(a) - 1);
	if (a && json_array_size(a) == 0)
		json_object_del(sub, key);
}

/* truncateEndpoints: keep EPSLICE_ENDPOINTS_MAX addresses, ready ones first, each
 * subset keeping its share (rounded up the way upstream's float math does). */
static int truncate_subsets(json_t *subsets)
{
	size_t tr = 0, tn = 0, i;
	json_t *sub;

	json_array_foreach (subsets, i, sub) {
		tr += json_array_size(json_object_get(sub, "addresses"));
		tn += json_array_size(json_object_get(sub, "notReadyAddresses"));
	}
	if (tr + tn <= EPSLICE_ENDPOINTS_MAX)
		return 0;
	int trunc_ready = tr > EPSLICE_ENDPOINTS_MAX;
	size_t max = trunc_ready ? EPSLICE_ENDPOINTS_MAX : EPSLICE_ENDPOINTS_MAX - tr;
	size_t total = trunc_ready ? tr : tn, can = max;
	json_array_foreach (subsets, i, sub) {
		const char *key = trunc_ready ? "addresses" : "notReadyAddresses";
		size_t in = json_array_size(json_object_get(sub, key));
		size_t add = (size_t)ceil((double)in / (double)total * (double)max);

		if (add > can)
			add = can;
		truncate_list(sub, key, add);
		if (trunc_ready)
			truncate_list(sub, "notReadyAddresses", 0);
		can -= json_array_size(json_object_get(sub, key));
	}
	return 1;
}

static json_t *endpoints_labels(const json_t *svc)
{
	json_t *l = json_object(), *v;
	const char *k;

	if (!l)
		return NULL;
	json_object_foreach (json_object_get(json_object_get(svc, "metadata"), "labels"), k, v) {
		if (json_is_string(v) && json_object_set_new(l, k, json_copy(v)) < 0)
			goto nomem;
	}
	if (epslice_service_ip_set(svc))
		json_object_del(l, EPSLICE_LABEL_HEADLESS);
	else if (json_object_set_new(l, EPSLICE_LABEL_HEADLESS, json_string("")) < 0)
		goto nomem;
	return l;
nomem:
	json_decref(l);
	return NULL;
}

int epslice_endpoints_for(const json_t *svc, const json_t *pods, json_t **out)
{
	struct mstate st = {0};
	json_t *subsets = NULL, *ep = NULL;
	sel *s = NULL;
	int rc;

	*out = NULL;
	if (!json_is_object(svc) || !epslice_meta_str(svc, "name") ||
	    !epslice_meta_str(svc, "namespace") || (pods && !json_is_array(pods)))
		return -EINVAL;
	if (!epslice_service_managed(svc))
		return 0;
	if ((rc = sel_from_map(json_object_get(json_object_get(svc, "spec"), "selector"), &s)) < 0)
		return rc;
	if ((rc = collect(svc, pods, s, &st)) < 0)
		goto out;
	rc = -ENOMEM;
	if (st.n > 1)
		qsort(st.m, st.n, sizeof(*st.m), ment_cmp);
	if (!(subsets = repack(&st)))
		goto out;
	int over = truncate_subsets(subsets);
	ep = json_pack("{s:s, s:s, s:{s:s, s:s, s:o*}}", "apiVersion", "v1", "kind", "Endpoints",
	               "metadata", "name", epslice_meta_str(svc, "name"), "namespace",
	               epslice_meta_str(svc, "namespace"), "labels", endpoints_labels(svc));
	if (!ep || json_object_get(json_object_get(ep, "metadata"), "labels") == NULL)
		goto out;
	if (over &&
	    json_object_set_new(json_object_get(ep, "metadata"), "annotations",
	                        json_pack("{s:s}", EPSLICE_ANN_OVER_CAPACITY, "truncated")) < 0)
		goto out;
	if (json_array_size(subsets) && json_object_set(ep, "subsets", subsets) < 0)
		goto out;
	*out = ep;
	ep = NULL;
	rc = 0;
out:
	json_decref(ep);
	json_decref(subsets);
	ment_free(&st);
	sel_free(s);
	return rc;
}

/* Deep equality that ignores targetRef.resourceVersion anywhere. */
static int eq_ign_rv(const json_t *a, const json_t *b)
{
	size_t i;

	if (json_is_object(a) && json_is_object(b)) {
		const char *k;
		json_t *v;

		if (json_object_size(a) != json_object_size(b))
			return 0;
		json_object_foreach ((json_t *)a, k, v) {
			json_t *w = json_object_get(b, k);

			if (!w || !(strcmp(k, "targetRef") == 0
			                ? epslice_equal_except(v, w, "resourceVersion")
			                : eq_ign_rv(v, w)))
				return 0;
		}
		return 1;
	}
	if (json_is_array(a) && json_is_array(b)) {
		if (json_array_size(a) != json_array_size(b))
			return 0;
		for (i = 0; i < json_array_size(a); i++)
			if (!eq_ign_rv(json_array_get(a, i), json_array_get(b, i)))
				return 0;
		return 1;
	}
	return json_equal(a, b);
}

static const json_t *meta_get(const json_t *o, const char *k)
{
	return json_object_get(json_object_get(o, "metadata"), k);
}

int epslice_endpoints_equal(const json_t *a, const json_t *b)
{
	const json_t *sa = json_object_get(a, "subsets"), *sb = json_object_get(b, "subsets");
	const json_t *la = meta_get(a, "labels"), *lb = meta_get(b, "labels");
	const char *oa = json_string_value(
	    json_object_get(meta_get(a, "annotations"), EPSLICE_ANN_OVER_CAPACITY));
	const char *ob = json_string_value(
	    json_object_get(meta_get(b, "annotations"), EPSLICE_ANN_OVER_CAPACITY));

	/* absent, null and empty all mean "none" after an API round trip */
	if (json_array_size(sa) || json_array_size(sb) ? !eq_ign_rv(sa, sb) : 0)
		return 0;
	if (json_object_size(la) || json_object_size(lb) ? !json_equal(la, lb) : 0)
		return 0;
	return strcmp(epslice_nz(oa), epslice_nz(ob)) == 0;
}
