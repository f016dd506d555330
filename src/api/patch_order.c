/*
 * patch_order.c - list helpers and element ordering for strategic merge
 * patch (see patch_order.h).
 *
 * Upstream orders merged lists with sort.SliceStable and a comparator that
 * answers "less" whenever either element is missing from the order list, so
 * the result depends on the sorting algorithm itself. To give the same order
 * kube-apiserver gives, Go's stable sort (insertion sort on blocks of 20,
 * then SymMerge) is replayed step by step here. Ranks are computed once per
 * element so the comparisons are O(1).
 */
#include "api/patch_order.h"
#include "lib/buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int patch_smp_fail(struct patch_smp *s, const char *fmt, ...)
{
	va_list ap;

	if (s->err && s->errlen) {
		va_start(ap, fmt);
		vsnprintf(s->err, s->errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int patch_smp_nomem(struct patch_smp *s)
{
	if (s->err && s->errlen)
		snprintf(s->err, s->errlen, "out of memory");
	return -ENOMEM;
}

static const char *patch_goname(const json_t *v)
{
	switch (patch_kind(v)) {
	case PATCH_K_MAP:
		return "map[string]interface {}";
	case PATCH_K_SLICE:
		return "[]interface {}";
	case PATCH_K_STRING:
		return "string";
	case PATCH_K_INT:
		return "int64";
	case PATCH_K_FLOAT:
		return "float64";
	case PATCH_K_BOOL:
		return "bool";
	default:
		return "%!s(<nil>)";
	}
}

/* strconv.FormatFloat(d, 'g', -1, 64), which fmt's %v uses for float64. */
static void patch_gofloat(double d, char *out, size_t n)
{
	char e[48];
	int p, exp, dec;

	for (p = 1; p < 17; p++) {
		snprintf(e, sizeof(e), "%.*e", p - 1, d);
		if (strtod(e, NULL) == d)
			break;
	}
	snprintf(e, sizeof(e), "%.*e", p - 1, d);
	exp = atoi(strchr(e, 'e') + 1);
	/* Shortest 'g' switches to an exponent outside [-4, 6). */
	if (exp < -4 || exp >= 6) {
		snprintf(out, n, "%s", e);
		return;
	}
	dec = p - (exp + 1);
	snprintf(out, n, "%.*f", dec > 0 ? dec : 0, d);
}

static int patch_key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* fmt's %v of a decoded JSON value: map[a:1 b:[x y]], sorted keys, <nil>. */
static void patch_gov(buf *b, const json_t *v, int depth)
{
	char num[64];

	if (depth > PATCH_MAX_DEPTH + 2) {
		buf_puts(b, "...");
		return;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		size_t n = json_object_size(v), i = 0;
		const char **keys = malloc((n ? n : 1) * sizeof(*keys));
		const char *k;
		json_t *c;

		if (!keys)
			return;
		json_object_foreach ((json_t *)v, k, c)
			keys[i++] = k;
		qsort(keys, n, sizeof(*keys), patch_key_cmp);
		buf_puts(b, "map[");
		for (i = 0; i < n; i++) {
			buf_printf(b, "%s%s:", i ? " " : "", keys[i]);
			patch_gov(b, json_object_get(v, keys[i]), depth + 1);
		}
		buf_puts(b, "]");
		free(keys);
		return;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *c;

		buf_puts(b, "[");
		json_array_foreach (v, i, c) {
			if (i)
				buf_puts(b, " ");
			patch_gov(b, c, depth + 1);
		}
		buf_puts(b, "]");
		return;
	}
	case JSON_STRING:
		buf_append(b, json_string_value(v), strlen(json_string_value(v)));
		return;
	case JSON_INTEGER:
		buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return;
	case JSON_REAL:
		patch_gofloat(json_real_value(v), num, sizeof(num));
		buf_puts(b, num);
		return;
	case JSON_TRUE:
		buf_puts(b, "true");
		return;
	case JSON_FALSE:
		buf_puts(b, "false");
		return;
	default:
		buf_puts(b, "<nil>");
		return;
	}
}

/* %v of v as a malloc'd string, or NULL. */
static char *patch_dump(const json_t *v)
{
	buf b = BUF_INIT;

	if (v)
		patch_gov(&b, v, 0);
	else
		buf_puts(&b, "[]");
	return buf_steal(&b, NULL);
}

int patch_smp_fail_type(struct patch_smp *s, const char *expected, const json_t *actual)
{
	return patch_smp_fail(s, "expected a %s, but received a %s", expected,
	                      patch_goname(actual));
}

int patch_smp_fail_nokey(struct patch_smp *s, const json_t *m, const char *mk)
{
	char *d = patch_dump(m);
	int rc = patch_smp_fail(s, "map: %s does not contain declared merge key: %s", d ? d : "?",
	                        mk ? mk : "");

	free(d);
	return rc;
}

int patch_smp_fail_badpatch(struct patch_smp *s, const json_t *d, const json_t *m)
{
	char *dv = patch_dump(d), *dm = patch_dump(m), what[96];
	int rc;

	/* fmt's %s of a non-string: %!s(type=value). */
	if (json_is_string(d))
		snprintf(what, sizeof(what), "%s", json_string_value(d));
	else if (json_is_null(d))
		snprintf(what, sizeof(what), "%%!s(<nil>)");
	else if (json_is_number(d) || json_is_boolean(d))
		snprintf(what, sizeof(what), "%%!s(%s=%s)", patch_goname(d), dv ? dv : "?");
	else
		snprintf(what, sizeof(what), "%s", dv ? dv : "?");
	rc = patch_smp_fail(s, "unknown patch type: %s in map: %s", what, dm ? dm : "?");
	free(dv);
	free(dm);
	return rc;
}

int patch_smp_fail_json2(struct patch_smp *s, const char *fmt, const json_t *a, const json_t *b)
{
	char *da = patch_dump(a), *db = patch_dump(b);
	int rc;

	/* The format is one of our own literals with exactly two %s. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	rc = patch_smp_fail(s, fmt, da ? da : "?", db ? db : "?");
#pragma GCC diagnostic pop
	free(da);
	free(db);
	return rc;
}

enum patch_kind patch_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return PATCH_K_MAP;
	case JSON_ARRAY:
		return PATCH_K_SLICE;
	case JSON_STRING:
		return PATCH_K_STRING;
	case JSON_INTEGER:
		return PATCH_K_INT;
	case JSON_REAL:
		return PATCH_K_FLOAT;
	case JSON_TRUE:
	case JSON_FALSE:
		return PATCH_K_BOOL;
	default:
		return PATCH_K_NIL;
	}
}

/* Stops descending once past PATCH_MAX_DEPTH, so hostile input costs little. */
static int patch_depth_at(const json_t *v, int d)
{
	int m = d, c;
	const char *k;
	json_t *x;
	size_t i;

	if (d > PATCH_MAX_DEPTH)
		return d;
	if (json_is_object(v)) {
		json_object_foreach ((json_t *)v, k, x) {
			if (json_is_object(x) || json_is_array(x)) {
				c = patch_depth_at(x, d + 1);
				if (c > m)
					m = c;
				if (m > PATCH_MAX_DEPTH)
					break;
			}
		}
	} else if (json_is_array(v)) {
		json_array_foreach (v, i, x) {
			if (json_is_object(x) || json_is_array(x)) {
				c = patch_depth_at(x, d + 1);
				if (c > m)
					m = c;
				if (m > PATCH_MAX_DEPTH)
					break;
			}
		}
	}
	return m;
}

int patch_depth(const json_t *v)
{
	return json_is_object(v) || json_is_array(v) ? patch_depth_at(v, 1) : 0;
}

int patch_has_string(const json_t *arr, const char *k)
{
	size_t i;
	json_t *x;

	json_array_foreach (arr, i, x) {
		if (json_is_string(x) && !strcmp(json_string_value(x), k))
			return 1;
	}
	return 0;
}

int patch_is_delete(const json_t *v)
{
	const char *d = json_string_value(json_object_get(v, "$patch"));

	return d && !strcmp(d, "delete");
}

int patch_vec_push(struct patch_smp *s, struct patch_vec *a, json_t *x)
{
	if (!x)
		return patch_smp_nomem(s);
	if (a->n == a->cap) {
		size_t nc = a->cap ? a->cap * 2 : 8;
		json_t **nv = realloc(a->v, nc * sizeof(*nv));
		long *nr;

		if (!nv) {
			json_decref(x);
			return patch_smp_nomem(s);
		}
		a->v = nv;
		nr = realloc(a->r, nc * sizeof(*nr));
		if (!nr) {
			json_decref(x);
			return patch_smp_nomem(s);
		}
		a->r = nr;
		a->cap = nc;
	}
	a->r[a->n] = -1;
	a->v[a->n++] = x;
	return 0;
}

void patch_vec_free(struct patch_vec *a)
{
	for (size_t i = 0; i < a->n; i++)
		json_decref(a->v[i]);
	free(a->v);
	free(a->r);
	*a = (struct patch_vec)PATCH_VEC_INIT;
}

int patch_vec_from(struct patch_smp *s, struct patch_vec *a, const json_t *arr)
{
	size_t i;
	json_t *x;

	json_array_foreach (arr, i, x) {
		if (patch_vec_push(s, a, json_incref(x)) < 0)
			return -ENOMEM;
	}
	return 0;
}

int patch_vec_copy(struct patch_smp *s, struct patch_vec *dst, const struct patch_vec *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (patch_vec_push(s, dst, json_incref(src->v[i])) < 0)
			return -ENOMEM;
	return 0;
}

json_t *patch_vec_array(const struct patch_vec *a)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < a->n; i++) {
		if (json_array_append(arr, a->v[i]) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

long patch_vec_find(const struct patch_vec *a, const json_t *x)
{
	for (size_t i = 0; i < a->n; i++)
		if (json_equal(a->v[i], (json_t *)x))
			return (long)i;
	return -1;
}

int patch_find_map(struct patch_smp *s, const struct patch_vec *a, const char *mk,
                   const json_t *val, long *idx)
{
	*idx = -1;
	for (size_t i = 0; i < a->n; i++) {
		json_t *kv;

		if (!json_is_object(a->v[i]))
			return patch_smp_fail(s, "value for key %zu is not a map", i);
		kv = json_object_get(a->v[i], mk);
		if (kv && json_equal(kv, (json_t *)val)) {
			*idx = (long)i;
			return 0;
		}
	}
	return 0;
}

int patch_key_equal(struct patch_smp *s, const json_t *l, const json_t *r, const char *mk, int *eq)
{
	json_t *lv, *rv;

	if (!mk) {
		*eq = json_equal((json_t *)l, (json_t *)r);
		return 0;
	}
	if (!json_is_object(l))
		return patch_smp_fail_type(s, "map[string]interface {}", l);
	if (!json_is_object(r))
		return patch_smp_fail_type(s, "map[string]interface {}", r);
	lv = json_object_get(l, mk);
	if (!lv)
		return patch_smp_fail_nokey(s, l, mk);
	rv = json_object_get(r, mk);
	if (!rv)
		return patch_smp_fail_nokey(s, r, mk);
	*eq = json_equal(lv, rv);
	return 0;
}

int patch_elem_kind(struct patch_smp *s, const struct patch_vec *a, const struct patch_vec *b,
                    enum patch_kind *out)
{
	const struct patch_vec *lists[2] = {a, b};
	int have = 0;

	for (int l = 0; l < 2; l++) {
		for (size_t i = 0; i < lists[l]->n; i++) {
			enum patch_kind k = patch_kind(lists[l]->v[i]);

			if (!have) {
				if (k == PATCH_K_SLICE)
					return patch_smp_fail(s,
					                      "lists of lists are not supported");
				if (k == PATCH_K_NIL)
					return patch_smp_fail(s, "list element types are not "
					                         "identical: a list holds null");
				*out = k;
				have = 1;
			} else if (k != *out) {
				json_t *la = patch_vec_array(a), *lb = patch_vec_array(b);
				int rc = patch_smp_fail_json2(
				    s, "list element types are not identical: [%s %s]", la, lb);

				json_decref(la);
				json_decref(lb);
				return rc;
			}
		}
	}
	if (!have)
		return patch_smp_fail(s, "no elements in any of the given slices");
	return 0;
}

size_t patch_dedup(struct patch_vec *a)
{
	long len = (long)a->n - 1;

	/* Upstream's algorithm: a duplicate is overwritten by the last element,
	 * which changes the order that the later sort starts from. */
	for (long i = 0; i < len; i++) {
		for (long j = i + 1; j <= len; j++) {
			if (json_equal(a->v[i], a->v[j])) {
				json_t *old = a->v[j];

				/* j may equal len: take the new reference first. */
				a->v[j] = json_incref(a->v[len]);
				json_decref(old);
				a->r[j] = a->r[len];
				len--;
				j--;
			}
		}
	}
	return (size_t)(len + 1);
}

int patch_partition(struct patch_smp *s, const struct patch_vec *merged, const struct patch_vec *by,
                    const char *mk, struct patch_vec *in, struct patch_vec *out)
{
	for (size_t i = 0; i < merged->n; i++) {
		json_t *v = merged->v[i], *kv;
		long j;
		int rc;

		if (!mk) {
			j = patch_vec_find(by, v);
		} else {
			if (!json_is_object(v))
				return patch_smp_fail_type(s, "map[string]interface {}", v);
			kv = json_object_get(v, mk);
			if (!kv)
				return patch_smp_fail_nokey(s, v, mk);
			rc = patch_find_map(s, by, mk, kv, &j);
			if (rc < 0)
				return rc;
		}
		if (patch_vec_push(s, j >= 0 ? in : out, json_incref(v)) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* The merge key value (maps) or the item itself; NULL plays Go's nil. */
static const json_t *patch_order_val(const json_t *x, const char *mk, enum patch_kind kind)
{
	const json_t *v;

	if (kind != PATCH_K_MAP)
		return x;
	if (!json_is_object(x))
		return NULL;
	v = json_object_get(x, mk ? mk : "");
	return json_is_null(v) ? NULL : v;
}

/* index(): position of item in order, comparing as getValFn does. */
static long patch_index(const struct patch_vec *order, const json_t *item, const char *mk,
                        enum patch_kind kind)
{
	const json_t *want = patch_order_val(item, mk, kind);

	for (size_t i = 0; i < order->n; i++) {
		const json_t *have = patch_order_val(order->v[i], mk, kind);

		if (!want && !have)
			return (long)i;
		if (want && have && json_equal((json_t *)want, (json_t *)have))
			return (long)i;
	}
	return -1;
}

/* The comparator of normalizeSliceOrder, on precomputed ranks. */
static int patch_less(const struct patch_vec *a, long i, long j)
{
	if (a->r[i] >= 0 && a->r[j] >= 0)
		return a->r[i] < a->r[j];
	return 1;
}

static void patch_swap(struct patch_vec *a, long i, long j)
{
	json_t *t = a->v[i];
	long r = a->r[i];

	a->v[i] = a->v[j];
	a->r[i] = a->r[j];
	a->v[j] = t;
	a->r[j] = r;
}

static void patch_insertion_sort(struct patch_vec *a, long lo, long hi)
{
	for (long i = lo + 1; i < hi; i++)
		for (long j = i; j > lo && patch_less(a, j, j - 1); j--)
			patch_swap(a, j, j - 1);
}

static void patch_swap_range(struct patch_vec *a, long x, long y, long n)
{
	for (long i = 0; i < n; i++)
		patch_swap(a, x + i, y + i);
}

static void patch_rotate(struct patch_vec *a, long lo, long m, long hi)
{
	long i = m - lo, j = hi - m;

	while (i != j) {
		if (i > j) {
			patch_swap_range(a, m - i, m, j);
			i -= j;
		} else {
			patch_swap_range(a, m - i, m + j - i, i);
			j -= i;
		}
	}
	patch_swap_range(a, m - i, m, i);
}

/* Go's symMerge; recursion depth is O(log n). */
static void patch_sym_merge(struct patch_vec *a, long lo, long m, long hi)
{
	long mid, n, start, r, p, end;

	if (m - lo == 1) {
		long i = m, j = hi;

		while (i < j) {
			long h = (long)((unsigned long)(i + j) >> 1);

			if (patch_less(a, h, lo))
				i = h + 1;
			else
				j = h;
		}
		for (long k = lo; k < i - 1; k++)
			patch_swap(a, k, k + 1);
		return;
	}
	if (hi - m == 1) {
		long i = lo, j = m;

		while (i < j) {
			long h = (long)((unsigned long)(i + j) >> 1);

			if (!patch_less(a, m, h))
				i = h + 1;
			else
				j = h;
		}
		for (long k = m; k > i; k--)
			patch_swap(a, k, k - 1);
		return;
	}
	mid = (long)((unsigned long)(lo + hi) >> 1);
	n = mid + m;
	if (m > mid) {
		start = n - hi;
		r = mid;
	} else {
		start = lo;
		r = m;
	}
	p = n - 1;
	while (start < r) {
		long c = (long)((unsigned long)(start + r) >> 1);

		if (!patch_less(a, p - c, c))
			start = c + 1;
		else
			r = c;
	}
	end = n - start;
	if (start < m && m < end)
		patch_rotate(a, start, m, end);
	if (lo < start && start < mid)
		patch_sym_merge(a, lo, start, mid);
	if (mid < end && end < hi)
		patch_sym_merge(a, mid, end, hi);
}

/* sort.SliceStable, step for step. */
static void patch_stable_sort(struct patch_vec *a)
{
	long n = (long)a->n, bs = 20, lo = 0, hi = bs;

	while (hi <= n) {
		patch_insertion_sort(a, lo, hi);
		lo = hi;
		hi += bs;
	}
	patch_insertion_sort(a, lo, n);
	while (bs < n) {
		lo = 0;
		hi = 2 * bs;
		while (hi <= n) {
			patch_sym_merge(a, lo, lo + bs, hi);
			lo = hi;
			hi += 2 * bs;
		}
		if (lo + bs < n)
			patch_sym_merge(a, lo, lo + bs, n);
		bs *= 2;
	}
}

/* normalizeSliceOrder: sorts a in place by order; deletions go last. */
static int patch_sort_by(struct patch_smp *s, struct patch_vec *a, const struct patch_vec *order,
                         const char *mk, enum patch_kind kind)
{
	size_t keep = 0, ndel = 0;
	json_t **del = NULL;

	if (kind == PATCH_K_MAP) {
		const char *key = mk ? mk : "";
		const struct patch_vec *lists[2] = {a, order};

		for (int l = 0; l < 2; l++) {
			for (size_t i = 0; i < lists[l]->n; i++) {
				if (!json_is_object(lists[l]->v[i]))
					return patch_smp_fail_type(s, "map[string]interface {}",
					                           lists[l]->v[i]);
				if (!json_object_get(lists[l]->v[i], key))
					return patch_smp_fail_nokey(s, lists[l]->v[i], key);
			}
		}
		for (size_t i = 0; i < a->n; i++)
			ndel += patch_is_delete(a->v[i]);
		if (ndel) {
			del = malloc(ndel * sizeof(*del));
			if (!del)
				return patch_smp_nomem(s);
			ndel = 0;
			for (size_t i = 0; i < a->n; i++) {
				if (patch_is_delete(a->v[i]))
					del[ndel++] = a->v[i];
				else
					a->v[keep++] = a->v[i];
			}
			a->n = keep;
		}
	}
	for (size_t i = 0; i < a->n; i++)
		a->r[i] = patch_index(order, a->v[i], mk, kind);
	patch_stable_sort(a);
	for (size_t i = 0; i < ndel; i++) {
		a->r[a->n] = -1;
		a->v[a->n++] = del[i];
	}
	free(del);
	return 0;
}

int patch_normalize(struct patch_smp *s, struct patch_vec *patch_items,
                    struct patch_vec *server_only, const struct patch_vec *patch_order,
                    const struct patch_vec *server_order, const char *mk, enum patch_kind kind,
                    struct patch_vec *out)
{
	size_t i = 0, j = 0;
	int rc;

	rc = patch_sort_by(s, patch_items, patch_order, mk, kind);
	if (rc == 0)
		rc = patch_sort_by(s, server_only, server_order, mk, kind);
	if (rc < 0)
		return rc;
	/* mergeSortedSlice: server-only items go before a patch item only when
	 * the live list says so for both. */
	for (size_t k = 0; k < server_only->n; k++)
		server_only->r[k] = patch_index(server_order, server_only->v[k], mk, kind);
	for (size_t k = 0; k < patch_items->n; k++)
		patch_items->r[k] = patch_index(server_order, patch_items->v[k], mk, kind);
	while (i < server_only->n && j < patch_items->n) {
		long li = server_only->r[i], ri = patch_items->r[j];

		if (li >= 0 && ri >= 0 && li < ri)
			rc = patch_vec_push(s, out, json_incref(server_only->v[i++]));
		else
			rc = patch_vec_push(s, out, json_incref(patch_items->v[j++]));
		if (rc < 0)
			return rc;
	}
	for (; i < server_only->n; i++)
		if (patch_vec_push(s, out, json_incref(server_only->v[i])) < 0)
			return -ENOMEM;
	for (; j < patch_items->n; j++)
		if (patch_vec_push(s, out, json_incref(patch_items->v[j])) < 0)
			return -ENOMEM;
	return 0;
}
