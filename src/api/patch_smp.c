/*
 * patch_smp.c - strategic merge patch, the apply half of
 * k8s.io/apimachinery/pkg/util/strategicpatch as kube-apiserver runs it
 * (StrategicMergeMapPatch: MergeParallelList and IgnoreUnmatchedNulls on).
 *
 * The functions follow upstream's one for one (mergeMap, mergePatchIntoOriginal,
 * mergeSlice, ...) so that behaviour can be checked against it line by line;
 * list ordering lives in patch_order.c. Go's untyped maps become jansson
 * objects: "same Go type" is patch_kind() equality, Go's == on interface values
 * is json_equal(). Both inputs are deep-copied first, so the algorithm may
 * mutate them as upstream does.
 */
#include "api/patch_order.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SMP_DIRECTIVE   "$patch"
#define SMP_RETAIN_KEYS "$retainKeys"
#define SMP_SET_ORDER   "$setElementOrder"
#define SMP_DELETE_LIST "$deleteFromPrimitiveList"

static int smp_map(struct patch_smp *s, json_t *orig, json_t *patch, const struct patch_type *t,
                   int depth, json_t **res);

static int smp_prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

/* extractKey: "<prefix>/<key>" -> key; NULL when malformed. */
static const char *smp_extract_key(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(s, prefix, n) || s[n] != '/')
		return NULL;
	return s + n + 1;
}

enum smp_clean_mode {
	SMP_CLEAN_ADD,      /* removeDirectives after discardNullValuesFromPatch */
	SMP_CLEAN_REMOVE,   /* removeDirectives alone (a map holding $patch is dropped) */
	SMP_CLEAN_VERBATIM, /* upstream keeps the value as is */
};

static int smp_directive_key(const char *k)
{
	return !strcmp(k, SMP_DIRECTIVE) || !strcmp(k, SMP_RETAIN_KEYS) ||
	       smp_prefix(k, SMP_SET_ORDER) || smp_prefix(k, SMP_DELETE_LIST);
}

/*
 * Prepares a value copied from the patch for the result. Directive keys go
 * in every mode (upstream leaves them for the typed decode to drop); a map
 * holding $patch is dropped except in VERBATIM; nulls go now in ADD only.
 * Returns 0 when v itself must be dropped.
 */
static int smp_clean(json_t *v, enum smp_clean_mode mode)
{
	if (json_is_object(v)) {
		const char *k;
		json_t *c;
		void *tmp;

		if (mode != SMP_CLEAN_VERBATIM && json_object_get(v, SMP_DIRECTIVE))
			return 0;
		json_object_foreach_safe (v, tmp, k, c) {
			if ((mode == SMP_CLEAN_ADD && json_is_null(c)) || smp_directive_key(k) ||
			    !smp_clean(c, mode))
				json_object_del(v, k);
		}
	} else if (json_is_array(v)) {
		size_t i = 0;

		while (i < json_array_size(v)) {
			if (!smp_clean(json_array_get(v, i), mode))
				json_array_remove(v, i);
			else
				i++;
		}
	}
	return 1;
}

/* discardNullValuesFromPatch, for the values whose nulls had to wait. */
static void smp_drop_nulls(json_t *v)
{
	const char *k;
	json_t *c;
	void *tmp;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach_safe (v, tmp, k, c) {
			if (json_is_null(c))
				json_object_del(v, k);
			else
				smp_drop_nulls(c);
		}
	} else if (json_is_array(v)) {
		json_array_foreach (v, i, c)
			smp_drop_nulls(c);
	}
}

/*
 * A cleaned deep copy of a patch value; *keep is 0 when it must be dropped.
 * Outside ADD mode the copy keeps its nulls while the list it joins is still
 * being ordered (a null merge key is still a key), and loses them at the end:
 * kube-apiserver's typed decode would drop them too.
 */
static json_t *smp_clean_copy(struct patch_smp *s, const json_t *v, enum smp_clean_mode mode,
                              int *keep)
{
	json_t *c = json_deep_copy(v);

	if (!c) {
		patch_smp_nomem(s);
		return NULL;
	}
	*keep = smp_clean(c, mode);
	if (mode != SMP_CLEAN_ADD && *keep && json_array_append(s->later, c) < 0) {
		json_decref(c);
		patch_smp_nomem(s);
		return NULL;
	}
	return c;
}

/* o[key] = cleaned copy of pv, or delete o[key] when removeDirectives says so. */
static int smp_set_copy(struct patch_smp *s, json_t *o, const char *key, const json_t *pv,
                        enum smp_clean_mode mode)
{
	int keep;
	json_t *c = smp_clean_copy(s, pv, mode, &keep);

	if (!c)
		return -ENOMEM;
	if (!keep) {
		json_decref(c);
		json_object_del(o, key);
		return 0;
	}
	return json_object_set_new(o, key, c) < 0 ? patch_smp_nomem(s) : 0;
}

/* handleDirectiveInMergeMap */
static int smp_map_directive(struct patch_smp *s, const json_t *d, const json_t *patch,
                             json_t **res)
{
	const char *v = json_string_value(d);
	int keep;

	if (v && !strcmp(v, "replace")) {
		*res = smp_clean_copy(s, patch, SMP_CLEAN_VERBATIM, &keep);
		return *res ? 0 : -ENOMEM;
	}
	if (v && !strcmp(v, "delete")) {
		*res = json_object();
		return *res ? 0 : patch_smp_nomem(s);
	}
	return patch_smp_fail_badpatch(s, d, patch);
}

/* applyRetainKeysDirective */
static int smp_retain_keys(struct patch_smp *s, json_t *o, json_t *patch)
{
	json_t *rk = json_object_get(patch, SMP_RETAIN_KEYS), *v;
	const char *k;
	void *tmp;
	int rc = 0;

	if (!rk)
		return 0;
	json_incref(rk);
	json_object_del(patch, SMP_RETAIN_KEYS);
	if (!json_is_array(rk)) {
		rc = patch_smp_fail(s, "invalid patch format of retainKeys");
		goto out;
	}
	json_object_foreach (patch, k, v) {
		if (json_is_null(v) || smp_prefix(k, SMP_DELETE_LIST) ||
		    smp_prefix(k, SMP_SET_ORDER))
			continue;
		if (!patch_has_string(rk, k)) {
			rc = patch_smp_fail(s, "invalid patch format of retainKeys");
			goto out;
		}
	}
	json_object_foreach_safe (o, tmp, k, v) {
		if (!patch_has_string(rk, k))
			json_object_del(o, k);
	}
out:
	json_decref(rk);
	return rc;
}

/*
 * The array behind the caller's view of the live list. Upstream deletes list
 * elements with append(s[:i], s[i+1:]...) and adds them with append(s, v),
 * both writing into that array while it has room, and mergePatchIntoOriginal
 * later orders the result by what the array then holds. Replaying the writes
 * gives the same order.
 */
struct smp_backing {
	struct patch_vec v; /* as many slots as the live list had */
	size_t len;         /* the length of the slice being worked on */
};

static void smp_backing_delete(struct smp_backing *b, const char *mk, const json_t *val)
{
	for (;;) {
		size_t i;

		for (i = 0; i < b->len; i++) {
			json_t *kv = json_object_get(b->v.v[i], mk);

			if (kv && json_equal(kv, (json_t *)val))
				break;
		}
		if (i == b->len)
			return;
		/* Each slot owns a reference; the last slot keeps its old value. */
		for (size_t t = i; t + 1 < b->len; t++) {
			json_t *old = b->v.v[t];

			b->v.v[t] = json_incref(b->v.v[t + 1]);
			json_decref(old);
		}
		b->len--;
	}
}

static void smp_backing_append(struct smp_backing *b, json_t *v)
{
	if (b->len < b->v.n) {
		json_decref(b->v.v[b->len]);
		b->v.v[b->len] = json_incref(v);
	}
	b->len++;
}

/* mergeSliceWithSpecialElements: applies "$patch" list elements. */
static int smp_special_elements(struct patch_smp *s, struct patch_vec *o, struct patch_vec *p,
                                const char *mk, struct smp_backing *b, int *replace)
{
	struct patch_vec rest = PATCH_VEC_INIT;
	int rc = 0;

	*replace = 0;
	for (size_t i = 0; i < p->n && rc == 0; i++) {
		json_t *v = p->v[i], *d = json_object_get(v, SMP_DIRECTIVE), *mv;
		const char *ds = json_string_value(d);

		if (!d) {
			rc = patch_vec_push(s, &rest, json_incref(v));
		} else if (ds && !strcmp(ds, "delete")) {
			mv = json_object_get(v, mk);
			if (!mv)
				rc = patch_smp_fail_nokey(s, v, mk);
			else
				smp_backing_delete(b, mk, mv);
		} else if (ds && !strcmp(ds, "replace")) {
			/* Keeps going to prune the other $patch elements. */
			*replace = 1;
		} else if (ds && !strcmp(ds, "merge")) {
			rc =
			    patch_smp_fail(s, "merging lists cannot yet be specified in the patch");
		} else {
			rc = patch_smp_fail_badpatch(s, d, v);
		}
	}
	if (rc < 0) {
		patch_vec_free(&rest);
		return rc;
	}
	patch_vec_free(p);
	*p = rest;
	patch_vec_free(o);
	for (size_t i = 0; i < b->len; i++)
		if (patch_vec_push(s, o, json_incref(b->v.v[i])) < 0)
			return -ENOMEM;
	if (*replace) {
		patch_vec_free(o);
		*o = *p;
		*p = (struct patch_vec)PATCH_VEC_INIT;
		/* The list now comes from the patch: a verbatim value. */
		for (size_t i = 0; i < o->n; i++) {
			int keep;
			json_t *c = smp_clean_copy(s, o->v[i], SMP_CLEAN_VERBATIM, &keep);

			if (!c)
				return -ENOMEM;
			json_decref(o->v[i]);
			o->v[i] = c;
		}
	}
	return 0;
}

/* mergeSliceWithoutSpecialElements: merges p into m by merge key. */
static int smp_merge_elements(struct patch_smp *s, struct patch_vec *m, const struct patch_vec *p,
                              const char *mk, const struct patch_type *et, int depth,
                              struct smp_backing *b)
{
	for (size_t i = 0; i < p->n; i++) {
		json_t *v = p->v[i], *mv = json_object_get(v, mk), *r;
		long j;
		int rc, keep;

		if (!mv)
			return patch_smp_fail_nokey(s, v, mk);
		rc = patch_find_map(s, m, mk, mv, &j);
		if (rc < 0)
			return rc;
		if (j >= 0) {
			rc = smp_map(s, m->v[j], v, et, depth + 1, &r);
			if (rc < 0)
				return rc;
			json_decref(m->v[j]);
			m->v[j] = r;
			continue;
		}
		r = smp_clean_copy(s, v, SMP_CLEAN_VERBATIM, &keep);
		if (!r || patch_vec_push(s, m, r) < 0)
			return -ENOMEM;
		if (b)
			smp_backing_append(b, r);
	}
	return 0;
}

/*
 * Scalar lists: union (deduplicated as upstream does), or a deletion list.
 * With an empty patch list Go's append(original) hands the live list's own
 * array to deduplicateScalars, so the order the result is sorted by is that
 * array as deduplication left it; ol is rewritten the same way, as callers
 * (mergePatchIntoOriginal) go on to read it.
 */
static int smp_merge_scalars(struct patch_smp *s, json_t *ol, struct patch_vec *o,
                             struct patch_vec *p, int isdel, struct patch_vec *out)
{
	struct patch_vec merged = PATCH_VEC_INIT, pi = PATCH_VEC_INIT, so = PATCH_VEC_INIT;
	struct patch_vec server = PATCH_VEC_INIT;
	size_t n;
	int rc = -ENOMEM;

	if (isdel) {
		/* deleteFromSlice: no reordering. */
		for (size_t i = 0; i < o->n; i++)
			if (patch_vec_find(p, o->v[i]) < 0 &&
			    patch_vec_push(s, out, json_incref(o->v[i])) < 0)
				return -ENOMEM;
		return 0;
	}
	for (size_t i = 0; i < o->n; i++)
		if (patch_vec_push(s, &merged, json_incref(o->v[i])) < 0)
			goto out;
	for (size_t i = 0; i < p->n; i++)
		if (patch_vec_push(s, &merged, json_deep_copy(p->v[i])) < 0)
			goto out;
	n = patch_dedup(&merged);
	if (patch_vec_copy(s, &server, p->n ? o : &merged) < 0)
		goto out;
	if (!p->n) {
		for (size_t i = 0; i < server.n; i++)
			if (json_array_set(ol, i, server.v[i]) < 0)
				goto out;
	}
	while (merged.n > n)
		json_decref(merged.v[--merged.n]);
	rc = patch_partition(s, &merged, p, NULL, &pi, &so);
	if (rc == 0)
		rc = patch_normalize(s, &pi, &so, p, &server, NULL, PATCH_K_STRING, out);
out:
	if (rc == -ENOMEM)
		patch_smp_nomem(s);
	patch_vec_free(&merged);
	patch_vec_free(&server);
	patch_vec_free(&pi);
	patch_vec_free(&so);
	return rc;
}

/* mergeSlice: ol and pl are arrays; *res is the merged array. */
static int smp_merge_slice(struct patch_smp *s, json_t *ol, json_t *pl, const struct patch_type *et,
                           const char *mk, int isdel, int depth, json_t **res)
{
	struct patch_vec o = PATCH_VEC_INIT, p = PATCH_VEC_INIT, m = PATCH_VEC_INIT;
	struct patch_vec pi = PATCH_VEC_INIT, so = PATCH_VEC_INIT, out = PATCH_VEC_INIT;
	struct smp_backing back = {PATCH_VEC_INIT, 0};
	enum patch_kind kind;
	int rc, replace;

	*res = NULL;
	if (json_array_size(ol) > PATCH_MAX_LIST || json_array_size(pl) > PATCH_MAX_LIST)
		return patch_smp_fail(s,
		                      "list too long for a strategic merge (more than %d elements)",
		                      PATCH_MAX_LIST);
	if (json_array_size(ol) == 0 && json_array_size(pl) == 0) {
		*res = json_array();
		return *res ? 0 : patch_smp_nomem(s);
	}
	rc = patch_vec_from(s, &o, ol);
	if (rc == 0)
		rc = patch_vec_from(s, &p, pl);
	if (rc == 0)
		rc = patch_elem_kind(s, &o, &p, &kind);
	if (rc < 0)
		goto out;
	if (kind != PATCH_K_MAP) {
		rc = smp_merge_scalars(s, ol, &o, &p, isdel, &out);
		goto done;
	}
	if (!mk) {
		/* Upstream names the Go kind of the element type: a struct. */
		rc = patch_smp_fail(s, "cannot merge lists without merge key for struct");
		goto out;
	}
	rc = patch_vec_copy(s, &back.v, &o);
	back.len = back.v.n;
	if (rc == 0)
		rc = smp_special_elements(s, &o, &p, mk, &back, &replace);
	if (rc == 0)
		rc = patch_vec_copy(s, &m, &o);
	if (rc == 0)
		rc = smp_merge_elements(s, &m, &p, mk, et, depth, replace ? NULL : &back);
	for (size_t i = 0; rc == 0 && i < back.v.n; i++)
		if (json_array_set(ol, i, back.v.v[i]) < 0)
			rc = patch_smp_nomem(s);
	if (rc == 0)
		rc = patch_partition(s, &m, &p, mk, &pi, &so);
	if (rc == 0)
		rc = patch_normalize(s, &pi, &so, &p, &o, mk, kind, &out);
done:
	if (rc == 0) {
		*res = patch_vec_array(&out);
		if (!*res)
			rc = patch_smp_nomem(s);
	}
out:
	patch_vec_free(&o);
	patch_vec_free(&p);
	patch_vec_free(&m);
	patch_vec_free(&pi);
	patch_vec_free(&so);
	patch_vec_free(&out);
	patch_vec_free(&back.v);
	return rc;
}

/* mergeSliceHandler */
static int smp_slice_handler(struct patch_smp *s, json_t *ol, json_t *pl,
                             const struct patch_field *f, int isdel, int depth, json_t **res)
{
	int keep;

	if ((f && (f->flags & PATCH_F_MERGE)) || isdel)
		return smp_merge_slice(s, ol, pl, f ? f->type : NULL, f ? f->merge_key : NULL,
		                       isdel, depth, res);
	*res = smp_clean_copy(s, pl, SMP_CLEAN_VERBATIM, &keep);
	return *res ? 0 : -ENOMEM;
}

/* validatePatchWithSetOrderList: the patch list must follow the order list. */
static int smp_check_order(struct patch_smp *s, const json_t *pl, const json_t *seo, const char *mk)
{
	size_t pn = json_array_size(pl), sn = json_array_size(seo), pi = 0, si = 0;
	struct patch_vec nd = PATCH_VEC_INIT;
	int rc = 0;

	if (!pn || !sn)
		return 0;
	for (size_t i = 0; i < pn; i++) {
		json_t *v = json_array_get(pl, i);

		if (mk && !json_is_object(v))
			return patch_smp_fail_type(s, "map[string]interface {}", v);
		if (mk && patch_is_delete(v))
			continue;
		if (patch_vec_push(s, &nd, json_incref(v)) < 0)
			return -ENOMEM;
	}
	while (pi < nd.n && si < sn) {
		int eq;

		if (json_is_object(nd.v[pi]) && json_object_get(nd.v[pi], SMP_DIRECTIVE)) {
			pi++;
			continue;
		}
		rc = patch_key_equal(s, nd.v[pi], json_array_get(seo, si), mk, &eq);
		if (rc < 0)
			break;
		if (eq)
			pi++;
		si++;
	}
	if (rc == 0 && pi < nd.n && si >= sn)
		rc = patch_smp_fail_json2(
		    s, "the order in patch list:\n%s\n doesn't match " SMP_SET_ORDER " list:\n%s",
		    pl, seo);
	patch_vec_free(&nd);
	return rc;
}

/* mergePatchIntoOriginal for one "$setElementOrder/<field>" directive. */
static int smp_set_order_one(struct patch_smp *s, json_t *o, json_t *patch, const char *key,
                             json_t *seo, const struct patch_type *t, int depth)
{
	struct patch_vec merged = PATCH_VEC_INIT, pi = PATCH_VEC_INIT, so = PATCH_VEC_INIT;
	struct patch_vec order = PATCH_VEC_INIT, server = PATCH_VEC_INIT, out = PATCH_VEC_INIT;
	struct patch_vec ov = PATCH_VEC_INIT, pv = PATCH_VEC_INIT;
	const struct patch_field *f;
	const char *name, *mk;
	json_t *ol, *pl, *arr = NULL;
	enum patch_kind kind;
	int rc, keep;

	if (!json_is_array(seo))
		return patch_smp_fail_type(s, "[]interface {}", seo);
	name = smp_extract_key(key, SMP_SET_ORDER);
	if (!name)
		return patch_smp_fail(s, "invalid patch format of setElementOrder list");
	ol = json_object_get(o, name);
	pl = json_object_get(patch, name);
	if (ol && !json_is_array(ol))
		return patch_smp_fail_type(s, "[]interface {}", ol);
	if (pl && !json_is_array(pl))
		return patch_smp_fail_type(s, "[]interface {}", pl);
	f = patch_meta_field(t, name);
	mk = f && f->merge_key ? f->merge_key : NULL;
	rc = smp_check_order(s, pl, seo, mk);
	if (rc < 0)
		return rc;
	if (ol && !pl) {
		arr = json_incref(ol);
	} else if (!ol && pl) {
		arr = smp_clean_copy(s, pl, SMP_CLEAN_REMOVE, &keep);
		if (!arr)
			return -ENOMEM;
	} else if (ol && pl) {
		rc = smp_slice_handler(s, ol, pl, f, 0, depth, &arr);
		if (rc < 0)
			return rc;
	} else {
		return 0;
	}
	rc = patch_vec_from(s, &merged, arr);
	json_decref(arr);
	if (rc == 0)
		rc = patch_vec_from(s, &order, seo);
	if (rc == 0)
		rc = patch_vec_from(s, &server, ol);
	if (rc == 0)
		rc = patch_partition(s, &merged, &order, mk, &pi, &so);
	if (rc == 0)
		rc = patch_vec_from(s, &ov, ol);
	if (rc == 0)
		rc = patch_vec_from(s, &pv, pl);
	if (rc == 0)
		rc = patch_elem_kind(s, &ov, &pv, &kind);
	if (rc == 0)
		rc = patch_normalize(s, &pi, &so, &order, &server, mk, kind, &out);
	if (rc == 0) {
		arr = patch_vec_array(&out);
		if (!arr || json_object_set_new(o, name, arr) < 0)
			rc = patch_smp_nomem(s);
		else
			json_object_del(patch, name);
	}
	patch_vec_free(&merged);
	patch_vec_free(&order);
	patch_vec_free(&server);
	patch_vec_free(&pi);
	patch_vec_free(&so);
	patch_vec_free(&ov);
	patch_vec_free(&pv);
	patch_vec_free(&out);
	return rc;
}

/* mergePatchIntoOriginal: every $setElementOrder directive of this map. */
static int smp_set_order(struct patch_smp *s, json_t *o, json_t *patch, const struct patch_type *t,
                         int depth)
{
	json_t *keys = json_array(), *v;
	const char *k;
	size_t i;
	int rc = 0;

	if (!keys)
		return patch_smp_nomem(s);
	json_object_foreach (patch, k, v) {
		if (smp_prefix(k, SMP_SET_ORDER) &&
		    json_array_append_new(keys, json_string(k)) < 0) {
			json_decref(keys);
			return patch_smp_nomem(s);
		}
	}
	json_array_foreach (keys, i, v) {
		const char *key = json_string_value(v);
		json_t *seo = json_incref(json_object_get(patch, key));

		json_object_del(patch, key);
		rc = smp_set_order_one(s, o, patch, key, seo, t, depth);
		json_decref(seo);
		if (rc < 0)
			break;
	}
	json_decref(keys);
	return rc;
}

/* The field loop of mergeMap. */
static int smp_map_fields(struct patch_smp *s, json_t *o, json_t *patch, const struct patch_type *t,
                          int depth)
{
	const char *k;
	json_t *pv;

	json_object_foreach (patch, k, pv) {
		const char *key = k;
		const struct patch_field *f;
		json_t *ov, *r;
		int isdel = 0, rc;

		if (smp_prefix(k, SMP_DELETE_LIST)) {
			const char *name = smp_extract_key(k, SMP_DELETE_LIST);

			if (!name)
				return patch_smp_fail(s, "invalid patch format of primitive list");
			isdel = 1;
			if (*name)
				key = name;
		}
		if (json_is_null(pv)) {
			json_object_del(o, key);
			continue;
		}
		ov = json_object_get(o, key);
		if (!ov || patch_kind(ov) != patch_kind(pv)) {
			if (!isdel && smp_set_copy(s, o, key, pv, SMP_CLEAN_ADD) < 0)
				return -ENOMEM;
			continue;
		}
		f = patch_meta_field(t, key);
		switch (patch_kind(ov)) {
		case PATCH_K_MAP:
			if (f && (f->flags & PATCH_F_REPLACE)) {
				if (smp_set_copy(s, o, key, pv, SMP_CLEAN_VERBATIM) < 0)
					return -ENOMEM;
				continue;
			}
			rc = smp_map(s, ov, pv, f ? f->type : NULL, depth + 1, &r);
			break;
		case PATCH_K_SLICE:
			rc = smp_slice_handler(s, ov, pv, f, isdel, depth, &r);
			break;
		default:
			r = json_deep_copy(pv);
			rc = r ? 0 : patch_smp_nomem(s);
			break;
		}
		if (rc < 0)
			return rc;
		if (json_object_set_new(o, key, r) < 0)
			return patch_smp_nomem(s);
	}
	return 0;
}

/* mergeMap: orig may be NULL; *res is a new reference. */
static int smp_map(struct patch_smp *s, json_t *orig, json_t *patch, const struct patch_type *t,
                   int depth, json_t **res)
{
	json_t *d = json_object_get(patch, SMP_DIRECTIVE), *o;
	int rc;

	*res = NULL;
	if (depth > PATCH_MAX_DEPTH)
		return patch_smp_fail(s, "patch nested deeper than %d levels", PATCH_MAX_DEPTH);
	if (d)
		return smp_map_directive(s, d, patch, res);
	o = orig ? json_incref(orig) : json_object();
	if (!o)
		return patch_smp_nomem(s);
	rc = smp_retain_keys(s, o, patch);
	if (rc == 0)
		rc = smp_set_order(s, o, patch, t, depth);
	if (rc == 0)
		rc = smp_map_fields(s, o, patch, t, depth);
	if (rc < 0) {
		json_decref(o);
		return rc;
	}
	*res = o;
	return 0;
}

int patch_strategic(const json_t *orig, const json_t *patch, const char *api_version,
                    const char *kind, json_t **out, char *err, size_t errlen)
{
	struct patch_smp s = {err, errlen, NULL};
	size_t i;
	json_t *v;
	const struct patch_type *t = NULL;
	json_t *o, *p;
	int rc;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (api_version || kind) {
		t = patch_meta_lookup(api_version, kind);
		if (!t) {
			patch_smp_fail(&s, "strategic merge patch format is not supported");
			return -EOPNOTSUPP;
		}
	}
	s.later = json_array();
	if (!s.later)
		return patch_smp_nomem(&s);
	if (!json_is_object(orig) || !json_is_object(patch))
		rc = patch_smp_fail(&s, "invalid JSON document");
	else if (patch_depth(orig) > PATCH_MAX_DEPTH || patch_depth(patch) > PATCH_MAX_DEPTH)
		rc = patch_smp_fail(&s, "document nested deeper than %d levels", PATCH_MAX_DEPTH);
	else
		rc = 0;
	if (rc < 0) {
		json_decref(s.later);
		return rc;
	}
	o = json_deep_copy(orig);
	p = json_deep_copy(patch);
	rc = o && p ? smp_map(&s, o, p, t, 1, out) : patch_smp_nomem(&s);
	if (rc == 0)
		json_array_foreach (s.later, i, v)
			smp_drop_nulls(v);
	json_decref(s.later);
	json_decref(o);
	json_decref(p);
	return rc;
}
