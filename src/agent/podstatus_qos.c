/*
 * podstatus_qos.c - the Pod's QoS class as the API server computes it
 * (ComputePodQOS), with resource.Quantity values compared exactly.
 */
#include "agent/podstatus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const ps_qos_res[2] = {"cpu", "memory"};

/* A resource.Quantity as m * 10^e with m free of trailing zeros, so equal
 * values compare equal ("100m" and "0.1", "1Ki" and "1024"). bad: overflowed
 * 128 bits, equal to nothing. */
struct ps_qty {
	unsigned __int128 m;
	int e, bad;
};

#define PS_QTY_MAX (~(unsigned __int128)0)

static void ps_qty_norm(struct ps_qty *q)
{
	if (q->m == 0)
		q->e = 0;
	while (q->m && q->m % 10 == 0) {
		q->m /= 10;
		q->e++;
	}
}

static int ps_qty_mul(unsigned __int128 *m, unsigned k)
{
	if (*m > PS_QTY_MAX / k)
		return -1;
	*m *= k;
	return 0;
}

/* 1 and *q for a positive quantity; 0 for zero, negative or malformed (the
 * API server's Cmp(zero) == 1 test skips those). */
static int ps_qty_parse(const json_t *v, struct ps_qty *q)
{
	static const char dec[] = "num kMGTPE"; /* 10^(3*(i-3)) */
	char num[64];
	const char *s = json_string_value(v), *p;
	int digits = 0, frac = 0, seen = 0;

	memset(q, 0, sizeof(*q));
	if (json_is_integer(v) || json_is_real(v)) {
		snprintf(num, sizeof(num), "%.17g", json_number_value(v));
		s = num;
	}
	if (!s)
		return 0;
	p = s + (*s == '+');
	for (; (*p >= '0' && *p <= '9') || (*p == '.' && !frac); p++) {
		if (*p == '.') {
			frac = 1;
			continue;
		}
		seen = 1;
		if (q->m == 0 && *p == '0') {
			q->e -= frac;
			continue;
		}
		if (++digits > 36)
			return 0;
		q->m = q->m * 10 + (unsigned)(*p - '0');
		q->e -= frac;
	}
	if (!seen)
		return 0;
	if ((*p == 'e' || *p == 'E') && p[1]) { /* an exponent; "E" alone is exa */
		char *end;
		long x = strtol(p + 1, &end, 10);

		if (end == p + 1 || *end || x < -1000 || x > 1000)
			return 0;
		q->e += (int)x;
	} else if (*p && p[1] == 'i' && !p[2] && strchr("KMGTPE", *p)) {
		for (int k = (int)(strchr("KMGTPE", *p) - "KMGTPE") + 1; k > 0; k--)
			if (ps_qty_mul(&q->m, 1024) < 0)
				return 0;
	} else if (*p && (p[1] || *p == ' ' || !strchr(dec, *p))) {
		return 0;
	} else if (*p) {
		q->e += 3 * ((int)(strchr(dec, *p) - dec) - 3);
	}
	ps_qty_norm(q);
	return q->m != 0;
}

static void ps_qty_add(struct ps_qty *a, const struct ps_qty *b)
{
	struct ps_qty lo = *a, hi = *b;

	if (a->bad || b->bad || lo.e > hi.e) {
		lo = *b;
		hi = *a;
	}
	for (; !a->bad && !b->bad && hi.e > lo.e; hi.e--)
		if (ps_qty_mul(&hi.m, 10) < 0)
			hi.bad = 1;
	if (a->bad || b->bad || hi.bad || lo.m > PS_QTY_MAX - hi.m) {
		a->bad = 1;
		return;
	}
	a->m = lo.m + hi.m;
	a->e = lo.e;
	ps_qty_norm(a);
}

struct ps_res {
	int have;
	struct ps_qty q;
};

/* Adds one requests/limits pair. A request left out defaults to the limit,
 * as API defaulting does before the QoS class is computed. Returns how many
 * of cpu and memory had a positive limit. */
static int ps_qos_add(const json_t *res, struct ps_res req[2], struct ps_res lim[2])
{
	const json_t *rq = json_object_get(res, "requests"), *lm = json_object_get(res, "limits");
	struct ps_qty q;
	int nlim = 0;

	for (int r = 0; r < 2; r++) {
		const json_t *rv = json_object_get(rq, ps_qos_res[r]);
		int has_lim = ps_qty_parse(json_object_get(lm, ps_qos_res[r]), &q);

		if (has_lim) {
			nlim++;
			if (lim[r].have)
				ps_qty_add(&lim[r].q, &q);
			else
				lim[r] = (struct ps_res){1, q};
		}
		if (rv && !ps_qty_parse(rv, &q))
			continue;
		if (!rv && !has_lim)
			continue;
		if (req[r].have)
			ps_qty_add(&req[r].q, &q);
		else
			req[r] = (struct ps_res){1, q};
	}
	return nlim;
}

const char *podstatus_qos_class(const json_t *pod)
{
	const json_t *spec = json_object_get(pod, "spec"), *c;
	struct ps_res req[2] = {{0}}, lim[2] = {{0}};
	const char *lists[2] = {"containers", "initContainers"};
	int guaranteed = 1, nreq = 0, nlim = 0;
	size_t i;

	if (json_is_object(json_object_get(spec, "resources"))) {
		/* Pod-level resources (PodLevelResources) decide alone. */
		if (ps_qos_add(json_object_get(spec, "resources"), req, lim) < 2)
			guaranteed = 0;
	} else {
		for (int l = 0; l < 2; l++)
			json_array_foreach (json_object_get(spec, lists[l]), i, c)
				if (ps_qos_add(json_object_get(c, "resources"), req, lim) < 2)
					guaranteed = 0;
	}
	for (int r = 0; r < 2; r++) {
		nreq += req[r].have;
		nlim += lim[r].have;
		if (req[r].have && (!lim[r].have || req[r].q.bad || lim[r].q.bad ||
		                    req[r].q.m != lim[r].q.m || req[r].q.e != lim[r].q.e))
			guaranteed = 0;
	}
	if (!nreq && !nlim)
		return "BestEffort";
	return guaranteed && nreq == nlim ? "Guaranteed" : "Burstable";
}
