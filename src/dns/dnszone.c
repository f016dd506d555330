/*
 * dnszone.c - the cluster zone's tables: services with their slices, the
 * reverse (PTR) index, namespaces, pod addresses. JSON decoding of the
 * objects is in dnszone_obj.c.
 */
#include "dns/dnszone.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns/dnszone_int.h"

dz_zone *dz_new(const char *zone, uint32_t ttl)
{
	dz_zone *z = calloc(1, sizeof(*z));
	char text[DNS_NAME_MAX + 2];

	if (!z)
		return NULL;
	snprintf(text, sizeof(text), "%s", zone);
	for (char *p = text; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	if (dnsmsg_name_from_text(text, z->apex, &z->apex_len) < 0 || z->apex_len < 2 ||
	    z->apex_len > 200) {
		free(z);
		return NULL;
	}
	z->ttl = ttl;
	/* Seconds since the epoch, so a restarted server's serial still grows. */
	z->serial = (uint32_t)time(NULL);
	z->svcs = dict_new();
	z->slices = dict_new();
	z->nss = dict_new();
	z->ptrs = dict_new();
	z->pods = dict_new();
	z->podips = dict_new();
	if (!z->svcs || !z->slices || !z->nss || !z->ptrs || !z->pods || !z->podips) {
		dz_free(z);
		return NULL;
	}
	return z;
}

static void svc_free(void *v)
{
	struct dz_svc *s = v;

	if (!s)
		return;
	free(s->ports);
	free(s->eps);
	free(s);
}

void dz_slice_free(struct dz_slice *sl)
{
	if (!sl)
		return;
	free(sl->ports);
	free(sl->eps);
	free(sl);
}

static void slice_free_v(void *v)
{
	dz_slice_free(v);
}

static void pod_free_v(void *v)
{
	free(v);
}

void dz_free(dz_zone *z)
{
	if (!z)
		return;
	dict_free(z->svcs, svc_free);
	dict_free(z->slices, slice_free_v);
	dict_free(z->nss, NULL);
	dict_free(z->ptrs, free);
	dict_free(z->pods, pod_free_v);
	dict_free(z->podips, NULL);
	free(z);
}

const uint8_t *dz_apex(const dz_zone *z, size_t *len)
{
	*len = z->apex_len;
	return z->apex;
}

uint32_t dz_ttl(const dz_zone *z)
{
	return z->ttl;
}

uint32_t dz_serial(const dz_zone *z)
{
	return z->serial;
}

size_t dz_service_count(const dz_zone *z)
{
	return z->nsvc;
}

size_t dz_slice_count(const dz_zone *z)
{
	return dict_size(z->slices);
}

void dz_changed(dz_zone *z)
{
	z->serial++;
}

/* --- keys ------------------------------------------------------------------ */

/* "<ns>/<name>", cut to fit n; without snprintf: this is on every query's path. */
void dz_key(char *out, size_t n, const char *ns, const char *name)
{
	size_t a = strlen(ns), b = strlen(name);

	if (!n)
		return;
	if (a > n - 1)
		a = n - 1;
	memcpy(out, ns, a);
	if (a + 1 < n) {
		out[a++] = '/';
		if (b > n - 1 - a)
			b = n - 1 - a;
		memcpy(out + a, name, b);
		a += b;
	}
	out[a] = 0;
}

/* Family letter and the address bytes in hex: a string key for the dicts. */
void dz_addr_key(const net_addr *a, char out[DZ_ADDRKEY])
{
	static const char hex[] = "0123456789abcdef";
	int n = a->family == AF_INET ? 4 : 16;

	out[0] = a->family == AF_INET ? '4' : '6';
	for (int i = 0; i < n; i++) {
		out[1 + 2 * i] = hex[a->a[i] >> 4];
		out[2 + 2 * i] = hex[a->a[i] & 15];
	}
	out[1 + 2 * n] = 0;
}

/* --- counters in dicts (namespaces, pod addresses) ------------------------- */

int dz_count_add(dict *d, const char *key, int delta)
{
	uintptr_t v = (uintptr_t)dict_get(d, key);

	if (delta < 0 && v <= (uintptr_t)-delta) {
		dict_del(d, key);
		return 0;
	}
	return dict_set(d, key, (void *)(v + (uintptr_t)(intptr_t)delta), NULL);
}

/* --- PTR index ------------------------------------------------------------- */

struct dz_ptrset {
	int n, cap;
	struct dz_ptr items[];
};

static int ptr_add(dz_zone *z, const net_addr *a, const struct dz_svc *svc, const char *label)
{
	char key[DZ_ADDRKEY];
	struct dz_ptrset *ps, *nps;

	dz_addr_key(a, key);
	ps = dict_get(z->ptrs, key);
	if (!ps || ps->n == ps->cap) {
		int cap = ps ? ps->cap * 2 : 1;

		nps = realloc(ps, sizeof(*ps) + (size_t)cap * sizeof(ps->items[0]));
		if (!nps)
			return -ENOMEM;
		if (!ps)
			nps->n = 0;
		nps->cap = cap;
		/* Replacing an existing key never allocates, so only a new key can fail. */
		if (dict_set(z->ptrs, key, nps, NULL) < 0) {
			free(nps);
			return -ENOMEM;
		}
		ps = nps;
	}
	ps->items[ps->n].svc = svc;
	snprintf(ps->items[ps->n].label, sizeof(ps->items[0].label), "%s", label);
	ps->n++;
	return 0;
}

static void ptr_del(dz_zone *z, const net_addr *a, const struct dz_svc *svc)
{
	char key[DZ_ADDRKEY];
	struct dz_ptrset *ps;
	int j = 0;

	dz_addr_key(a, key);
	ps = dict_get(z->ptrs, key);
	if (!ps)
		return;
	for (int i = 0; i < ps->n; i++)
		if (ps->items[i].svc != svc)
			ps->items[j++] = ps->items[i];
	ps->n = j;
	if (!j)
		free(dict_del(z->ptrs, key));
}

int dz_ptr_find(const dz_zone *z, const net_addr *a, struct dz_ptr *out, int max)
{
	char key[DZ_ADDRKEY];
	const struct dz_ptrset *ps;
	int n;

	dz_addr_key(a, key);
	ps = dict_get(z->ptrs, key);
	if (!ps)
		return 0;
	n = ps->n < max ? ps->n : max;
	memcpy(out, ps->items, (size_t)n * sizeof(*out));
	return n;
}

static void svc_unindex(dz_zone *z, struct dz_svc *s)
{
	for (int i = 0; i < s->nptr_ips; i++)
		ptr_del(z, &s->ptr_ips[i], s);
	s->nptr_ips = 0;
	for (int i = 0; i < s->neps; i++)
		ptr_del(z, &s->eps[i].addr, s);
}

/* Best effort: a failed insert only loses that reverse name. */
static int svc_index(dz_zone *z, struct dz_svc *s)
{
	int rc = 0;

	for (int i = 0; i < s->nips; i++)
		rc |= ptr_add(z, &s->ips[i], s, "");
	memcpy(s->ptr_ips, s->ips, sizeof(s->ips));
	s->nptr_ips = s->nips;
	for (int i = 0; i < s->neps; i++)
		rc |= ptr_add(z, &s->eps[i].addr, s, s->eps[i].label);
	return rc ? -ENOMEM : 0;
}

/* --- services -------------------------------------------------------------- */

struct dz_svc *dz_svc_get(dz_zone *z, const char *ns, const char *name, bool create)
{
	char key[2 * DZ_NAME_MAX + 2];
	struct dz_svc *s;
	uint8_t *o;
	size_t ln = strlen(name), lns = strlen(ns);

	dz_key(key, sizeof(key), ns, name);
	s = dict_get(z->svcs, key);
	if (s || !create)
		return s;
	if (!ln || !lns || ln >= DZ_NAME_MAX || lns >= DZ_NAME_MAX ||
	    ln + lns + 6 + z->apex_len > DNS_NAME_MAX)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	memcpy(s->ns, ns, lns);
	memcpy(s->name, name, ln);
	o = s->owner;
	*o++ = (uint8_t)ln;
	for (size_t i = 0; i < ln; i++)
		*o++ = (uint8_t)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
	*o++ = (uint8_t)lns;
	for (size_t i = 0; i < lns; i++)
		*o++ = (uint8_t)(ns[i] >= 'A' && ns[i] <= 'Z' ? ns[i] + 32 : ns[i]);
	*o++ = 3;
	memcpy(o, "svc", 3);
	o += 3;
	memcpy(o, z->apex, z->apex_len);
	s->owner_len = (size_t)(o - s->owner) + z->apex_len;
	if (dict_set(z->svcs, key, s, NULL) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

/* Recomputes the ready endpoints of a headless service from its slices. */
static int svc_compute_eps(struct dz_svc *s)
{
	int n = 0, cap = 0;
	struct dz_ep *eps = NULL;

	if (s->kind == DZ_HEADLESS) {
		for (const struct dz_slice *sl = s->slices; sl; sl = sl->next)
			cap += sl->neps;
		if (cap) {
			eps = malloc((size_t)cap * sizeof(*eps));
			if (!eps)
				return -ENOMEM;
		}
		for (const struct dz_slice *sl = s->slices; sl; sl = sl->next) {
			for (int i = 0; i < sl->neps; i++) {
				const struct dz_slice_ep *e = &sl->eps[i];
				int dup = 0;

				if (!e->ready)
					continue;
				for (int k = 0; k < n && !dup; k++)
					dup = !memcmp(&eps[k].addr, &e->addr, sizeof(e->addr));
				if (dup)
					continue;
				eps[n].addr = e->addr;
				eps[n].slice = sl;
				if (e->hostname[0])
					memcpy(eps[n].label, e->hostname, sizeof(eps[n].label));
				else
					dz_dashed(&e->addr, eps[n].label);
				n++;
			}
		}
	}
	free(s->eps);
	s->eps = eps;
	s->neps = n;
	return 0;
}

/* After any change to a service or its slices: answers, the reverse index,
 * and the entry's life (gone once neither Service nor slices remain). */
int dz_svc_refresh(dz_zone *z, struct dz_svc *s)
{
	char key[2 * DZ_NAME_MAX + 2];
	int rc;

	svc_unindex(z, s);
	rc = svc_compute_eps(s);
	if (s->kind == DZ_NONE && !s->slices) {
		dz_key(key, sizeof(key), s->ns, s->name);
		dict_del(z->svcs, key);
		svc_free(s);
		dz_changed(z);
		return rc;
	}
	if (rc == 0)
		rc = svc_index(z, s);
	dz_changed(z);
	return rc;
}

void dz_svc_set_kind(dz_zone *z, struct dz_svc *s, enum dz_kind kind)
{
	if ((s->kind != DZ_NONE) != (kind != DZ_NONE)) {
		z->nsvc += kind != DZ_NONE ? 1 : (size_t)-1;
		dz_count_add(z->nss, s->ns, kind != DZ_NONE ? 1 : -1);
	}
	s->kind = kind;
}

const struct dz_svc *dz_find_svc(const dz_zone *z, const char *ns, const char *name)
{
	char key[2 * DZ_NAME_MAX + 2];
	const struct dz_svc *s;

	if (strlen(ns) >= DZ_NAME_MAX || strlen(name) >= DZ_NAME_MAX)
		return NULL;
	dz_key(key, sizeof(key), ns, name);
	s = dict_get(z->svcs, key);
	return s && s->kind != DZ_NONE ? s : NULL;
}

int dz_ns_exists(const dz_zone *z, const char *ns)
{
	return dict_get(z->nss, ns) != NULL;
}

int dz_pod_exists(const dz_zone *z, const char *ns, const net_addr *a)
{
	char key[DZ_NAME_MAX + DZ_ADDRKEY + 2], ak[DZ_ADDRKEY];

	if (strlen(ns) >= DZ_NAME_MAX)
		return 0;
	dz_addr_key(a, ak);
	dz_key(key, sizeof(key), ns, ak);
	return dict_get(z->podips, key) != NULL;
}

/* --- dashed addresses ------------------------------------------------------ */

void dz_dashed(const net_addr *a, char out[DZ_NAME_MAX])
{
	char t[NET_ADDR_STRLEN];

	if (net_addr_fmt(a, t, sizeof(t)) < 0) {
		out[0] = 0;
		return;
	}
	for (char *p = t; *p; p++)
		if (*p == '.' || *p == ':')
			*p = '-';
	snprintf(out, DZ_NAME_MAX, "%s", t);
}

int dz_undash(const char *s, net_addr *out)
{
	char t[NET_ADDR_STRLEN];
	size_t n = strlen(s);

	if (n == 0 || n >= sizeof(t))
		return -EINVAL;
	/* a-b-c-d is IPv4; anything else with dashes for colons IPv6. */
	for (size_t i = 0; i <= n; i++)
		t[i] = s[i] == '-' ? '.' : s[i];
	if (net_addr_parse(t, out) == 0 && out->family == AF_INET)
		return 0;
	for (size_t i = 0; i <= n; i++)
		t[i] = s[i] == '-' ? ':' : s[i];
	if (net_addr_parse(t, out) == 0 && out->family == AF_INET6)
		return 0;
	return -EINVAL;
}
