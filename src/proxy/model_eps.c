/*
 * model_eps.c - EndpointSlices read into what the proxy uses of them, and a
 * Service plus its slices joined into service ports (kube-proxy's
 * endpointslicecache: per port name and protocol, every slice's endpoints at
 * that slice's port number, de-duplicated by address and port).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/model_int.h"

static const char *str_of(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* A boolean condition; absent or of the wrong type reads as dflt. */
static bool cond(const json_t *c, const char *k, bool dflt)
{
	const json_t *v = json_object_get(c, k);

	return json_is_boolean(v) ? json_is_true(v) : dflt;
}

static int read_slice_ports(struct pxm_slice *s, const json_t *ports)
{
	const json_t *p;
	size_t i;

	if (!json_is_array(ports) || json_array_size(ports) == 0)
		return 0;
	s->ports = calloc(json_array_size(ports), sizeof(*s->ports));
	if (!s->ports)
		return -ENOMEM;
	json_array_foreach (ports, i, p) {
		const json_t *name = json_object_get(p, "name"),
		             *proto = json_object_get(p, "protocol");
		const json_t *num = json_object_get(p, "port");
		struct pxm_slport *sp = &s->ports[s->n_ports];

		/* An absent name is the unnamed port (svcnet's mirror omits it);
		 * an absent or zero port number means none usable, as kube-proxy
		 * reads it. */
		if (!json_is_object(p) || (name && !json_is_string(name)) ||
		    !json_is_integer(num) || json_integer_value(num) < 1 ||
		    json_integer_value(num) > 65535)
			continue;
		sp->proto = PXM_TCP;
		if (proto && pxm_proto_parse(json_string_value(proto), &sp->proto))
			continue;
		sp->port = (uint16_t)json_integer_value(num);
		sp->name = strdup(name ? json_string_value(name) : "");
		if (!sp->name)
			return -ENOMEM;
		s->n_ports++;
	}
	return 0;
}

/* Moves the node names (still borrowed from the JSON) into s->strs. */
static int pack_nodes(struct pxm_slice *s)
{
	const char **names = malloc((s->n_eps ? s->n_eps : 1) * sizeof(*names));
	int rc = 0;

	if (!names)
		goto nomem;
	for (size_t i = 0; i < s->n_eps; i++)
		names[i] = s->eps[i].node;
	s->strs = pxm_pack_strings(names, s->n_eps, names, &rc);
	if (rc)
		goto nomem;
	for (size_t i = 0; i < s->n_eps; i++)
		s->eps[i].node = names[i];
	free(names);
	return 0;
nomem:
	free(names);
	for (size_t i = 0; i < s->n_eps; i++)
		s->eps[i].node = NULL; /* never leave a pointer into the JSON */
	return -ENOMEM;
}

static int read_slice_eps(struct pxm_slice *s, const json_t *eps)
{
	const json_t *e;
	size_t i;

	if (!json_is_array(eps) || json_array_size(eps) == 0)
		return 0;
	s->eps = calloc(json_array_size(eps), sizeof(*s->eps));
	if (!s->eps)
		return -ENOMEM;
	json_array_foreach (eps, i, e) {
		const json_t *c = json_object_get(e, "conditions");
		const char *ip =
		    json_string_value(json_array_get(json_object_get(e, "addresses"), 0));
		struct pxm_slep *ep = &s->eps[s->n_eps];

		/* kube-proxy uses the first address; one of the wrong family
		 * is dropped (its proxier for the other family never sees it). */
		if (!ip || net_addr_parse(ip, &ep->addr) || ep->addr.family != s->family)
			continue;
		ep->ready = cond(c, "ready", true);
		ep->serving = cond(c, "serving", true);
		ep->terminating = cond(c, "terminating", false);
		ep->node = str_of(e, "nodeName"); /* borrowed until packed below */
		s->n_eps++;
	}
	return pack_nodes(s);
}

int pxm_slice_parse(const json_t *o, struct pxm_slice **out)
{
	const json_t *meta = json_object_get(o, "metadata");
	const json_t *labels = json_object_get(meta, "labels");
	const char *ns, *name, *svc, *at, *tt;
	struct pxm_slice *s;
	int rc = -ENOMEM;

	*out = NULL;
	if (pxm_obj_ns_name(o, &ns, &name))
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	if (!(s->key = pxm_join_key(ns, name)) || !(s->name = strdup(name)))
		goto fail;
	svc = str_of(labels, PXM_LABEL_SERVICE_NAME);
	/* A headless label hides the slice from kube-proxy's informer. */
	if (svc && *svc && !json_object_get(labels, PXM_LABEL_HEADLESS) &&
	    !(s->svc_key = pxm_join_key(ns, svc)))
		goto fail;
	at = str_of(o, "addressType");
	if (at && strcmp(at, "IPv4") == 0)
		s->family = AF_INET;
	else if (at && strcmp(at, "IPv6") == 0)
		s->family = AF_INET6;
	tt = str_of(json_object_get(meta, "annotations"), PXM_ANN_TRIGGER_TIME);
	if (!tt || pxm_parse_time(tt, &s->trigger))
		s->trigger = 0;
	if (s->family && ((rc = read_slice_ports(s, json_object_get(o, "ports"))) ||
	                  (rc = read_slice_eps(s, json_object_get(o, "endpoints")))))
		goto fail;
	*out = s;
	return 0;
fail:
	pxm_slice_free(s);
	return rc;
}

void pxm_slice_free(struct pxm_slice *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_ports; i++)
		free(s->ports[i].name);
	free(s->strs);
	free(s->ports);
	free(s->eps);
	free(s->key);
	free(s->name);
	free(s->svc_key);
	free(s);
}

/* ---- joining a Service and its slices ---- */

struct cand {
	const struct pxm_slep *ep;
	uint16_t port;
	size_t seq; /* slice order, then position: decides between duplicates */
};

static int cand_cmp(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;
	int c = net_addr_cmp(&a->ep->addr, &b->ep->addr);

	if (c)
		return c;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int slice_name_cmp(const void *x, const void *y)
{
	const struct pxm_slice *a = *(const struct pxm_slice *const *)x;
	const struct pxm_slice *b = *(const struct pxm_slice *const *)y;

	return strcmp(a->name, b->name);
}

static int port_key_cmp(const void *x, const void *y)
{
	const struct pxm_svcport *a = *(const struct pxm_svcport *const *)x;
	const struct pxm_svcport *b = *(const struct pxm_svcport *const *)y;

	return strcmp(a->key, b->key);
}

static bool svc_has_family(const struct pxm_svc *svc, int family)
{
	for (size_t i = 0; i < svc->n_cluster_ips; i++)
		if (svc->cluster_ips[i].family == family)
			return true;
	return false;
}

static void *dup_mem(const void *p, size_t n, size_t size, int *rc)
{
	void *q;

	if (n == 0)
		return NULL;
	q = malloc(n * size);
	if (!q)
		*rc = -ENOMEM;
	else
		memcpy(q, p, n * size);
	return q;
}

/* kube-proxy's ServicePortName.String() + protocol in lower case: the hash
 * input that makes chain names match kube-proxy's. */
static char *hash_base(const struct pxm_svc *svc, const struct pxm_sport *p)
{
	const char *proto = p->proto == PXM_UDP ? "udp" : p->proto == PXM_SCTP ? "sctp" : "tcp";
	const char *colon = *p->name ? ":" : "";
	char *s = NULL;
	int n = asprintf(&s, "%s/%s%s%s%s", svc->ns, svc->name, colon, p->name, proto);

	return n < 0 ? NULL : s;
}

/* Gives the port its own copy of its endpoints' node names. */
static int pack_ep_nodes(struct pxm_svcport *sp)
{
	const char **names;
	int rc = 0;

	if (sp->n_eps == 0)
		return 0;
	names = malloc(sp->n_eps * sizeof(*names));
	if (!names)
		return -ENOMEM;
	for (size_t i = 0; i < sp->n_eps; i++)
		names[i] = sp->eps[i].node_name;
	sp->strs = pxm_pack_strings(names, sp->n_eps, names, &rc);
	for (size_t i = 0; i < sp->n_eps; i++)
		sp->eps[i].node_name = rc ? NULL : names[i];
	free(names);
	return rc;
}

/*
 * The endpoints of one service port: every slice of a family the Service has,
 * at the number of its port with the same name and protocol. One endpoint per
 * address and port; between duplicates the first (by slice name) wins unless a
 * later one is local (kube-proxy favours local in that case too).
 */
static int collect_eps(struct pxm_svcport *out, const struct pxm_svc *svc,
                       const struct pxm_sport *p, struct pxm_slice *const *sl, size_t n_sl,
                       const char *node, const char *hbase)
{
	struct cand *c;
	size_t total = 0, n = 0, k = 0, seq = 0;
	int rc = 0;

	for (size_t i = 0; i < n_sl; i++)
		total += sl[i]->n_eps;
	if (total == 0)
		return 0;
	c = malloc(total * sizeof(*c));
	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < n_sl; i++) {
		const struct pxm_slport *sp = NULL;

		if (!svc_has_family(svc, sl[i]->family))
			continue;
		for (size_t j = 0; j < sl[i]->n_ports && !sp; j++)
			if (sl[i]->ports[j].proto == p->proto &&
			    strcmp(sl[i]->ports[j].name, p->name) == 0)
				sp = &sl[i]->ports[j];
		for (size_t j = 0; sp && j < sl[i]->n_eps; j++)
			c[n++] = (struct cand){&sl[i]->eps[j], sp->port, seq++};
	}
	qsort(c, n, sizeof(*c), cand_cmp);
	out->eps = n ? calloc(n, sizeof(*out->eps)) : NULL;
	if (n && !out->eps) {
		free(c);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n;) {
		size_t j = i, pick = i;
		struct pxm_endpoint *e = &out->eps[k];
		char buf[64], *h;

		while (j < n && c[j].port == c[i].port &&
		       net_addr_cmp(&c[j].ep->addr, &c[i].ep->addr) == 0)
			j++;
		for (size_t x = i; x < j; x++) {
			if (node && c[x].ep->node && strcmp(c[x].ep->node, node) == 0) {
				pick = x;
				break;
			}
		}
		e->addr = c[pick].ep->addr;
		e->port = c[pick].port;
		e->ready = c[pick].ep->ready;
		e->serving = c[pick].ep->serving;
		e->terminating = c[pick].ep->terminating;
		e->local = node && c[pick].ep->node && strcmp(c[pick].ep->node, node) == 0;
		e->node_name = c[pick].ep->node; /* the slice's, until packed below */
		k++;
		if (pxm_endpoint_str(e, buf, sizeof(buf)) < 0 ||
		    asprintf(&h, "%s%s", hbase, buf) < 0) {
			rc = -ENOMEM;
			break;
		}
		pxm_hash(h, strlen(h), e->hash);
		free(h);
		i = j;
	}
	out->n_eps = k;
	free(c);
	return rc ? rc : pack_ep_nodes(out);
}

/* Per family: the cluster IP, the endpoint range, and the categories. */
static void fill_families(struct pxm_svcport *sp)
{
	size_t first = 0;

	for (int f = 0; f < 2; f++) {
		struct pxm_family *fam = &sp->fam[f];
		int af = f == PXM_V4 ? AF_INET : AF_INET6;
		bool uses_cluster, uses_local;

		fam->ep_first = first;
		while (first < sp->n_eps && sp->eps[first].addr.family == af)
			first++;
		fam->n_eps = first - fam->ep_first;
		for (size_t i = 0; i < sp->n_cluster_ips; i++) {
			if (sp->cluster_ips[i].family == af) {
				fam->family = af;
				fam->cluster_ip = sp->cluster_ips[i];
			}
		}
		if (!fam->family)
			continue;
		pxm_svcport_uses(sp, af, &uses_cluster, &uses_local);
		pxm_categorize(sp->eps + fam->ep_first, fam->n_eps, uses_cluster, uses_local,
		               &fam->cat);
	}
}

static int build_one(const struct pxm_svc *svc, const struct pxm_sport *p,
                     struct pxm_slice *const *sl, size_t n_sl, const char *node,
                     struct pxm_svcport **out)
{
	struct pxm_svcport *sp = calloc(1, sizeof(*sp));
	char *hbase = NULL;
	int rc = 0;

	*out = NULL;
	if (!sp)
		return -ENOMEM;
	sp->refs = 1;
	if (asprintf(&sp->key, "%s/%s:%s/%s", svc->ns, svc->name, p->name,
	             pxm_proto_name(p->proto)) < 0) {
		sp->key = NULL;
		goto nomem;
	}
	if (!(sp->ns = strdup(svc->ns)) || !(sp->name = strdup(svc->name)) ||
	    !(sp->port_name = strdup(p->name)) || !(hbase = hash_base(svc, p)))
		goto nomem;
	pxm_hash(hbase, strlen(hbase), sp->hash);
	sp->proto = p->proto;
	sp->type = svc->type;
	sp->port = p->port;
	sp->node_port = p->node_port;
	sp->health_check_node_port = svc->hc_node_port;
	memcpy(sp->cluster_ips, svc->cluster_ips, sizeof(sp->cluster_ips));
	sp->n_cluster_ips = svc->n_cluster_ips;
	sp->external_ips = dup_mem(svc->external_ips, svc->n_external_ips, sizeof(net_addr), &rc);
	sp->n_external_ips = sp->external_ips ? svc->n_external_ips : 0;
	sp->lb_ips = dup_mem(svc->lb_ips, svc->n_lb_ips, sizeof(net_addr), &rc);
	sp->n_lb_ips = sp->lb_ips ? svc->n_lb_ips : 0;
	sp->lb_source_ranges = dup_mem(svc->ranges, svc->n_ranges, sizeof(net_cidr), &rc);
	sp->n_lb_source_ranges = sp->lb_source_ranges ? svc->n_ranges : 0;
	sp->affinity_client_ip = svc->affinity;
	sp->affinity_timeout_s = svc->affinity ? svc->affinity_timeout : 0;
	sp->ext_policy_local = svc->etp_local;
	sp->int_policy_local = svc->itp_local;
	if (rc || (rc = collect_eps(sp, svc, p, sl, n_sl, node, hbase)))
		goto fail;
	fill_families(sp);
	free(hbase);
	*out = sp;
	return 0;
nomem:
	rc = -ENOMEM;
fail:
	free(hbase);
	pxm_svcport_unref(sp);
	return rc;
}

int pxm_build_ports(const struct pxm_svc *svc, struct pxm_slice *const *slices, size_t n_slices,
                    const char *node_name, struct pxm_svcport ***out, size_t *n_out)
{
	struct pxm_slice **sl = NULL;
	struct pxm_svcport **v;
	size_t n = 0;
	int rc = 0;

	*out = NULL;
	*n_out = 0;
	if (!svc || svc->skip || svc->n_ports == 0)
		return 0;
	if (n_slices) {
		sl = malloc(n_slices * sizeof(*sl));
		if (!sl)
			return -ENOMEM;
		memcpy(sl, slices, n_slices * sizeof(*sl));
		qsort(sl, n_slices, sizeof(*sl), slice_name_cmp);
	}
	v = calloc(svc->n_ports, sizeof(*v));
	if (!v) {
		free(sl);
		return -ENOMEM;
	}
	for (size_t i = 0; i < svc->n_ports && !rc; i++) {
		const struct pxm_sport *p = &svc->ports[i];
		bool dup = false;

		/* Validation forbids two ports with one name and protocol; if
		 * they come anyway, the first one stands (keys must be unique). */
		for (size_t j = 0; j < i && !dup; j++)
			dup = svc->ports[j].proto == p->proto &&
			      strcmp(svc->ports[j].name, p->name) == 0;
		if (!dup && (rc = build_one(svc, p, sl, n_slices, node_name, &v[n])) == 0)
			n++;
	}
	free(sl);
	if (rc) {
		for (size_t i = 0; i < n; i++)
			pxm_svcport_unref(v[i]);
		free(v);
		return rc;
	}
	qsort(v, n, sizeof(*v), port_key_cmp);
	*out = v;
	*n_out = n;
	return 0;
}
