/*
 * model.c - the proxy model's state and change tracker.
 *
 * Everything about one "namespace/service" lives in one state: the parsed
 * Service (if any), the EndpointSlices labelled for it, and the service ports
 * built from the two. Any event that touches a state rebuilds its ports and
 * compares them with the previous ones; only ports that differ are marked
 * pending, so a resourceVersion bump or an unrelated label costs a rebuild but
 * is never a change. Unchanged ports keep their old (shared) object.
 *
 * Three maps by port key: `ports` (now; borrowed from the states), `applied`
 * (what the last take handed out; owns a reference) and `pending` (keys
 * touched since, with the oldest change time). A take compares applied with
 * now for each pending key, which also drops changes undone in between.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dict.h"
#include "lib/log.h"
#include "proxy/model_int.h"

struct pxm_state {
	struct pxm_svc *svc; /* NULL: no Service object (yet) */
	struct pxm_slice **slices;
	size_t n_slices, cap;
	struct pxm_svcport **ports; /* sorted by key; one reference each */
	size_t n_ports;
};

struct pxm_pend {
	double since;
};

struct pxm {
	char *node_name;  /* NULL: no endpoint is local */
	char *proxy_name; /* NULL: the default proxy */
	double start_time;
	net_addr *node_ips;
	size_t n_node_ips;
	dict *states;  /* "ns/service" -> struct pxm_state */
	dict *slices;  /* "ns/slice" -> struct pxm_slice */
	dict *ports;   /* key -> struct pxm_svcport (borrowed from the states) */
	dict *applied; /* key -> struct pxm_svcport (a reference) */
	dict *pending; /* key -> struct pxm_pend */
	size_t n_svcs, n_skip, n_eps;
	bool lost; /* a change could not be recorded: the next take says "full" */
};

static char *dup_opt(const char *s, int *rc)
{
	char *d;

	if (!s || !*s)
		return NULL;
	d = strdup(s);
	if (!d)
		*rc = -ENOMEM;
	return d;
}

int pxm_new(const struct pxm_config *cfg, pxm **out)
{
	pxm *m = calloc(1, sizeof(*m));
	int rc = 0;

	*out = NULL;
	if (!m)
		return -ENOMEM;
	m->node_name = dup_opt(cfg ? cfg->node_name : NULL, &rc);
	m->proxy_name = dup_opt(cfg ? cfg->proxy_name : NULL, &rc);
	m->start_time = cfg ? cfg->start_time : 0;
	m->states = dict_new();
	m->slices = dict_new();
	m->ports = dict_new();
	m->applied = dict_new();
	m->pending = dict_new();
	if (rc || !m->states || !m->slices || !m->ports || !m->applied || !m->pending) {
		pxm_free(m);
		return -ENOMEM;
	}
	*out = m;
	return 0;
}

static void state_free(void *p)
{
	struct pxm_state *st = p;

	if (!st)
		return;
	pxm_svc_free(st->svc);
	for (size_t i = 0; i < st->n_ports; i++)
		pxm_svcport_unref(st->ports[i]);
	free(st->ports);
	free(st->slices); /* the slices themselves belong to m->slices */
	free(st);
}

static void slice_free_v(void *p)
{
	pxm_slice_free(p);
}

static void port_unref_v(void *p)
{
	pxm_svcport_unref(p);
}

void pxm_free(pxm *m)
{
	if (!m)
		return;
	if (m->states)
		dict_free(m->states, state_free);
	if (m->slices)
		dict_free(m->slices, slice_free_v);
	if (m->ports)
		dict_free(m->ports, NULL);
	if (m->applied)
		dict_free(m->applied, port_unref_v);
	if (m->pending)
		dict_free(m->pending, free);
	free(m->node_ips);
	free(m->node_name);
	free(m->proxy_name);
	free(m);
}

int pxm_set_node_ips(pxm *m, const net_addr *ips, size_t n)
{
	net_addr *v = NULL;

	if (n == m->n_node_ips && (n == 0 || memcmp(ips, m->node_ips, n * sizeof(*ips)) == 0))
		return 0;
	if (n && !(v = malloc(n * sizeof(*v))))
		return -ENOMEM;
	if (n)
		memcpy(v, ips, n * sizeof(*v));
	free(m->node_ips);
	m->node_ips = v;
	m->n_node_ips = n;
	return 1;
}

const net_addr *pxm_node_ips(const pxm *m, size_t *n)
{
	*n = m->n_node_ips;
	return m->node_ips;
}

const char *pxm_node_name(const pxm *m)
{
	return m->node_name ? m->node_name : "";
}

/* ---- rebuilding one Service's ports ---- */

static int mark_pending(pxm *m, const char *key, double t)
{
	struct pxm_pend *p = dict_get(m->pending, key);

	if (p) {
		if (t < p->since)
			p->since = t;
		return 0;
	}
	p = malloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->since = t;
	if (dict_set(m->pending, key, p, NULL)) {
		free(p);
		return -ENOMEM;
	}
	return 0;
}

static size_t count_eps(struct pxm_svcport *const *v, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += v[i]->n_eps;
	return k;
}

/*
 * Rebuilds st's ports and records which keys changed at time t. Returns the
 * number of changed ports, or -ENOMEM when they could not be built (st is then
 * untouched).
 */
static int rebuild(pxm *m, struct pxm_state *st, double t)
{
	struct pxm_svcport **nv, **ov = st->ports;
	size_t nn, on = st->n_ports, i = 0, j = 0;
	int changed = 0, rc;

	rc = pxm_build_ports(st->svc, st->slices, st->n_slices, m->node_name, &nv, &nn);
	if (rc)
		return rc;
	m->n_eps = m->n_eps - count_eps(ov, on) + count_eps(nv, nn);
	/* Both lists are sorted by key: one merge pass. A key that cannot be
	 * indexed or marked does not stop it (the state stays whole); the next
	 * take asks for a full sync instead. */
	while (i < on || j < nn) {
		int c = i >= on ? 1 : j >= nn ? -1 : strcmp(ov[i]->key, nv[j]->key);

		if (c < 0) {
			dict_del(m->ports, ov[i]->key);
			rc |= mark_pending(m, ov[i]->key, t);
			pxm_svcport_unref(ov[i++]);
			changed++;
		} else if (c == 0 && pxm_svcport_equal(ov[i], nv[j])) {
			pxm_svcport_unref(nv[j]);
			nv[j++] = ov[i++];
		} else {
			rc |= dict_set(m->ports, nv[j]->key, nv[j], NULL);
			rc |= mark_pending(m, nv[j]->key, t);
			if (c == 0)
				pxm_svcport_unref(ov[i++]);
			j++;
			changed++;
		}
	}
	free(ov);
	st->ports = nv;
	st->n_ports = nn;
	if (rc) {
		m->lost = true;
		log_warn("proxy", "out of memory while recording service changes: full sync next");
	}
	return changed;
}

static struct pxm_state *state_get(pxm *m, const char *key, bool create)
{
	struct pxm_state *st = dict_get(m->states, key);

	if (st || !create)
		return st;
	st = calloc(1, sizeof(*st));
	if (st && dict_set(m->states, key, st, NULL)) {
		free(st);
		st = NULL;
	}
	return st;
}

/* Forgets a state that holds nothing any more. */
static void state_gc(pxm *m, const char *key, struct pxm_state *st)
{
	if (st && !st->svc && st->n_slices == 0 && st->n_ports == 0)
		state_free(dict_del(m->states, key));
}

static void count_svc(pxm *m, const struct pxm_svc *s, int sign)
{
	if (!s)
		return;
	m->n_svcs += (size_t)sign;
	if (s->skip)
		m->n_skip += (size_t)sign;
}

/* ---- Services ---- */

int pxm_service_set(pxm *m, const json_t *obj, double now)
{
	struct pxm_svc *svc, *old;
	struct pxm_state *st;
	char *key;
	int rc;

	rc = pxm_svc_parse(obj, m->proxy_name, &svc);
	if (rc)
		return rc;
	key = pxm_join_key(svc->ns, svc->name);
	st = key ? state_get(m, key, true) : NULL;
	if (!st) {
		free(key);
		pxm_svc_free(svc);
		return -ENOMEM;
	}
	old = st->svc;
	st->svc = svc;
	rc = rebuild(m, st, now);
	if (rc < 0) {
		/* Nothing was built: the model stays as it was. */
		st->svc = old;
		pxm_svc_free(svc);
		state_gc(m, key, st);
	} else {
		count_svc(m, old, -1);
		count_svc(m, svc, 1);
		pxm_svc_free(old);
	}
	free(key);
	return rc < 0 ? rc : rc > 0;
}

int pxm_service_delete(pxm *m, const json_t *obj, double now)
{
	const char *ns, *name;
	struct pxm_state *st;
	struct pxm_svc *old;
	char *key;
	int rc;

	if (pxm_obj_ns_name(obj, &ns, &name))
		return -EINVAL;
	if (!(key = pxm_join_key(ns, name)))
		return -ENOMEM;
	st = state_get(m, key, false);
	if (!st || !st->svc) {
		free(key);
		return 0;
	}
	old = st->svc;
	st->svc = NULL;
	rc = rebuild(m, st, now);
	if (rc < 0) {
		st->svc = old; /* the ports still stand: so does their Service */
	} else {
		count_svc(m, old, -1);
		pxm_svc_free(old);
		state_gc(m, key, st);
	}
	free(key);
	return rc < 0 ? rc : rc > 0;
}

/* ---- EndpointSlices ---- */

static void detach(struct pxm_state *st, const struct pxm_slice *s)
{
	for (size_t i = 0; st && i < st->n_slices; i++) {
		if (st->slices[i] == s) {
			st->slices[i] = st->slices[--st->n_slices];
			return;
		}
	}
}

static int reserve(struct pxm_state *st)
{
	struct pxm_slice **v;
	size_t cap;

	if (st->n_slices < st->cap)
		return 0;
	cap = st->cap ? st->cap * 2 : 4;
	v = realloc(st->slices, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	st->slices = v;
	st->cap = cap;
	return 0;
}

/* The change time of a slice update: its trigger-time annotation, unless it
 * is from before the model started (or from the future: clock skew). */
static double slice_time(const pxm *m, const struct pxm_slice *s, double now)
{
	if (s->trigger > 0 && s->trigger >= m->start_time && s->trigger <= now)
		return s->trigger;
	return now;
}

/* Rebuilds the state of a slice's old Service (if another) and new one. */
static int rebuild_pair(pxm *m, const char *old_key, const char *new_key, double t)
{
	struct pxm_state *st;
	int rc = 0, r, changed = 0;

	if (old_key && (!new_key || strcmp(old_key, new_key) != 0)) {
		st = state_get(m, old_key, false);
		if (st) {
			r = rebuild(m, st, t);
			rc = r < 0 ? r : rc;
			changed |= r > 0;
			state_gc(m, old_key, st);
		}
	}
	if (new_key && (st = state_get(m, new_key, false))) {
		r = rebuild(m, st, t);
		rc = r < 0 ? r : rc;
		changed |= r > 0;
		state_gc(m, new_key, st);
	}
	return rc < 0 ? rc : changed;
}

int pxm_slice_set(pxm *m, const json_t *obj, double now)
{
	struct pxm_slice *s, *old;
	struct pxm_state *nst = NULL;
	int rc;

	rc = pxm_slice_parse(obj, &s);
	if (rc)
		return rc;
	if (s->svc_key && (!(nst = state_get(m, s->svc_key, true)) || reserve(nst))) {
		if (nst)
			state_gc(m, s->svc_key, nst);
		pxm_slice_free(s);
		return -ENOMEM;
	}
	old = dict_get(m->slices, s->key);
	if (dict_set(m->slices, s->key, s, NULL)) {
		if (nst)
			state_gc(m, s->svc_key, nst);
		pxm_slice_free(s);
		return -ENOMEM;
	}
	if (old && old->svc_key)
		detach(state_get(m, old->svc_key, false), old);
	if (nst)
		nst->slices[nst->n_slices++] = s;
	rc = rebuild_pair(m, old ? old->svc_key : NULL, s->svc_key, slice_time(m, s, now));
	pxm_slice_free(old);
	return rc;
}

int pxm_slice_delete(pxm *m, const json_t *obj, double now)
{
	const char *ns, *name;
	struct pxm_slice *old;
	char *key;
	int rc;

	if (pxm_obj_ns_name(obj, &ns, &name))
		return -EINVAL;
	if (!(key = pxm_join_key(ns, name)))
		return -ENOMEM;
	old = dict_del(m->slices, key);
	free(key);
	if (!old)
		return 0;
	if (old->svc_key)
		detach(state_get(m, old->svc_key, false), old);
	/* A deleted slice's trigger time dates its last update, not the
	 * delete (kube-proxy ignores it too): the delete is dated now. */
	rc = rebuild_pair(m, old->svc_key, NULL, now);
	pxm_slice_free(old);
	return rc;
}

/* ---- handing changes out ---- */

size_t pxm_pending(const pxm *m)
{
	return dict_size(m->pending);
}

struct pend_ent {
	const char *key;
	double since;
};

static int pend_cmp(const void *x, const void *y)
{
	return strcmp(((const struct pend_ent *)x)->key, ((const struct pend_ent *)y)->key);
}

int pxm_take_changes(pxm *m, struct pxm_changes *out)
{
	size_t n = dict_size(m->pending), k = 0;
	struct pend_ent *pe;
	dict_iter it;
	const char *key;
	void *val;

	memset(out, 0, sizeof(*out));
	out->full = m->lost;
	m->lost = false;
	if (n == 0)
		return 0;
	pe = malloc(n * sizeof(*pe));
	out->v = calloc(n, sizeof(*out->v));
	if (!pe || !out->v) {
		free(pe);
		free(out->v);
		out->v = NULL;
		m->lost = out->full;
		return -ENOMEM;
	}
	dict_iter_init(&it, m->pending);
	while (dict_next(&it, &key, &val) && k < n)
		pe[k++] = (struct pend_ent){key, ((struct pxm_pend *)val)->since};
	qsort(pe, k, sizeof(*pe), pend_cmp);

	for (size_t i = 0; i < k; i++) {
		struct pxm_svcport *a = dict_get(m->applied, pe[i].key);
		struct pxm_svcport *c = dict_get(m->ports, pe[i].key);
		struct pxm_change *ch = &out->v[out->n];

		if (c && !a) {
			/* The one insert that can fail: then the key stays
			 * pending (a later take hands it out) and the backend
			 * is told to sync in full now. */
			if (dict_set(m->applied, pe[i].key, c, NULL)) {
				out->full = true;
				continue;
			}
			pxm_svcport_ref(c); /* applied's; the change gets its own */
			*ch = (struct pxm_change){PXM_ADDED, c->key, NULL, pxm_svcport_ref(c),
			                          pe[i].since};
			out->n++;
		} else if (c && a && a != c) {
			/* Applied's reference to a moves into the change. */
			dict_set(m->applied, pe[i].key, (void *)pxm_svcport_ref(c), NULL);
			if (pxm_svcport_equal(a, c)) {
				pxm_svcport_unref(a); /* undone in between: no change */
			} else {
				*ch = (struct pxm_change){PXM_UPDATED, c->key, a,
				                          pxm_svcport_ref(c), pe[i].since};
				out->n++;
			}
		} else if (!c && a) {
			dict_del(m->applied, pe[i].key);
			*ch = (struct pxm_change){PXM_DELETED, a->key, a, NULL, pe[i].since};
			out->n++;
		}
		/* Last: the key string belongs to the pending entry. */
		free(dict_del(m->pending, pe[i].key));
	}
	free(pe);
	if (out->n == 0) {
		free(out->v);
		out->v = NULL;
	}
	return 0;
}

void pxm_changes_free(struct pxm_changes *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		pxm_svcport_unref(c->v[i].old);
		pxm_svcport_unref(c->v[i].cur);
	}
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

/* ---- reading the state ---- */

const struct pxm_svcport *pxm_get(const pxm *m, const char *key)
{
	return dict_get(m->ports, key);
}

size_t pxm_size(const pxm *m)
{
	return dict_size(m->ports);
}

static int port_ptr_cmp(const void *x, const void *y)
{
	return strcmp((*(const struct pxm_svcport *const *)x)->key,
	              (*(const struct pxm_svcport *const *)y)->key);
}

int pxm_snapshot(const pxm *m, const struct pxm_svcport ***out, size_t *n)
{
	size_t k = 0, total = dict_size(m->ports);
	const struct pxm_svcport **v;
	dict_iter it;
	const char *key;
	void *val;

	*out = NULL;
	*n = 0;
	if (total == 0)
		return 0;
	v = malloc(total * sizeof(*v));
	if (!v)
		return -ENOMEM;
	dict_iter_init(&it, m->ports);
	while (k < total && dict_next(&it, &key, &val))
		v[k++] = val;
	qsort(v, k, sizeof(*v), port_ptr_cmp);
	*out = v;
	*n = k;
	return 0;
}

void pxm_get_stats(const pxm *m, struct pxm_stats *st)
{
	st->services = m->n_svcs;
	st->services_skip = m->n_skip;
	st->slices = dict_size(m->slices);
	st->ports = dict_size(m->ports);
	st->endpoints = m->n_eps;
	st->pending = dict_size(m->pending);
}
