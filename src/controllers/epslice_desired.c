/*
 * epslice_desired.c - the endpoints a Service should have, grouped by port set.
 *
 * Upstream keeps these in Go maps keyed by hashes; here each group is a sorted
 * array (binary search by identity key) plus an address-ordered fill list, so
 * placement is deterministic and lookups stay O(log n) for big Services.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/selector.h"
#include "controllers/epslice.h"
#include "controllers/epslice_int.h"

/* ---- desired state ---- */

static int dep_key_cmp(const void *a, const void *b)
{
	const struct epslice_dep *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

static int dep_addr_cmp(const void *a, const void *b)
{
	const struct epslice_dep *x = *(struct epslice_dep *const *)a,
	                         *y = *(struct epslice_dep *const *)b;
	int c = memcmp(x->sk, y->sk, sizeof(x->sk));

	return c ? c : strcmp(x->key, y->key);
}

void epslice_groups_free(struct epslice_group *g, size_t ng)
{
	for (size_t i = 0; i < ng; i++) {
		for (size_t j = 0; j < g[i].n; j++) {
			free(g[i].d[j].key);
			json_decref(g[i].d[j].obj);
		}
		free(g[i].d);
		free(g[i].order);
		free(g[i].pkey);
		json_decref(g[i].ports);
	}
	free(g);
}

static struct epslice_group *group_get(struct epslice_group **gs, size_t *ng, json_t *ports,
                                       char *pkey)
{
	for (size_t i = 0; i < *ng; i++) {
		if (strcmp((*gs)[i].pkey, pkey) == 0) {
			free(pkey);
			json_decref(ports);
			return &(*gs)[i];
		}
	}
	struct epslice_group *n = realloc(*gs, (*ng + 1) * sizeof(*n));
	if (!n) {
		free(pkey);
		json_decref(ports);
		return NULL;
	}
	*gs = n;
	n[*ng] = (struct epslice_group){.pkey = pkey, .ports = ports};
	return &n[(*ng)++];
}

static int group_add(struct epslice_group *g, const struct epslice_dep *d)
{
	if (g->n == g->cap) {
		size_t nc = g->cap ? g->cap * 2 : 16;
		struct epslice_dep *nd = realloc(g->d, nc * sizeof(*nd));

		if (!nd)
			return -ENOMEM;
		g->d = nd;
		g->cap = nc;
	}
	g->d[g->n++] = *d;
	return 0;
}

/* Sorts for lookup, shadows duplicates and prepares the fill order. */
static int group_seal(struct epslice_group *g)
{
	if (g->n > 1)
		qsort(g->d, g->n, sizeof(*g->d), dep_key_cmp);
	if (!(g->order = malloc((g->n + 1) * sizeof(*g->order))))
		return -ENOMEM;
	for (size_t i = 0; i < g->n; i++) {
		if (i + 1 < g->n && strcmp(g->d[i].key, g->d[i + 1].key) == 0)
			g->d[i].taken = 1;
		else
			g->order[g->norder++] = &g->d[i];
	}
	if (g->norder > 1)
		qsort(g->order, g->norder, sizeof(*g->order), dep_addr_cmp);
	g->left = g->norder;
	return 0;
}

struct epslice_dep *epslice_group_find(struct epslice_group *g, const char *key)
{
	struct epslice_dep probe = {.key = (char *)key, .idx = (size_t)-1};
	size_t lo = 0, hi = g->n;

	/* upper bound of key, then step back: the last duplicate is the live one */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (dep_key_cmp(&g->d[mid], &probe) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || strcmp(g->d[lo - 1].key, key) != 0 || g->d[lo - 1].taken)
		return NULL;
	return &g->d[lo - 1];
}

void epslice_group_take(struct epslice_group *g, struct epslice_dep *d)
{
	d->taken = 1;
	g->left--;
}

/* Appends untaken endpoints, in address order, until the slice holds max. */
int epslice_group_fill(struct epslice_group *g, json_t *eps, size_t *neps, int max)
{
	while (g->left > 0 && *neps < (size_t)max && g->cursor < g->norder) {
		struct epslice_dep *d = g->order[g->cursor++];

		if (d->taken)
			continue;
		json_t *obj = epslice_dep_json(d);
		if (!obj || json_array_append(eps, obj) < 0)
			return -ENOMEM;
		epslice_group_take(g, d);
		(*neps)++;
	}
	return 0;
}

int epslice_build_desired(const json_t *svc, const sel *s, int pnr, const json_t *pods, int fam,
                          struct epslice_group **gs, size_t *ng)
{
	size_t i, shared = (size_t)-1;
	json_t *pod, *sp;
	int named = 0;

	/* without named targetPorts every pod serves the same port set: resolve it once */
	json_array_foreach (json_object_get(json_object_get(svc, "spec"), "ports"), i, sp) {
		named |= json_is_string(json_object_get(sp, "targetPort"));
	}
	json_array_foreach (pods, i, pod) {
		const char *ns = epslice_meta_str(pod, "namespace");
		json_t *ports;
		char *pkey;
		int rc;

		if (!json_is_object(pod) || !ns ||
		    strcmp(ns, epslice_nz(epslice_meta_str(svc, "namespace"))) != 0 ||
		    !sel_match_labels(
		        s, json_object_get(json_object_get(pod, "metadata"), "labels")) ||
		    !epslice_pod_included(pod, 1))
			continue;
		struct epslice_group *g;
		if (shared != (size_t)-1) {
			g = &(*gs)[shared];
		} else {
			if ((rc = epslice_pod_ports(svc, pod, &ports, &pkey)) < 0)
				return rc;
			/* the group exists even when this family has no address, as upstream */
			if (!(g = group_get(gs, ng, ports, pkey)))
				return -ENOMEM;
			if (!named)
				shared = (size_t)(g - *gs);
		}
		struct epslice_dep d = {.idx = i};
		if ((rc = epslice_pod_dep(svc, pod, fam, pnr, &d)) < 0)
			return rc;
		if (d.naddr == 0)
			continue;
		if (group_add(g, &d) < 0) {
			free(d.key);
			return -ENOMEM;
		}
	}
	for (i = 0; i < *ng; i++)
		if (group_seal(&(*gs)[i]) < 0)
			return -ENOMEM;
	return 0;
}
