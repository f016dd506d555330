/*
 * patch_merge.c - JSON merge patch (RFC 7386) with the null pruning of
 * evanphx/json-patch v4, the library kube-apiserver applies it with: a value
 * that lands where the target had no object loses its null object members and
 * its null array elements, recursively; a patch member merged into an existing
 * object is applied recursively; anything else replaces as is.
 */
#include "api/patch.h"

/* Mutates v (which the caller owns) in place. */
static void merge_prune_nulls(json_t *v)
{
	if (json_is_object(v)) {
		const char *k;
		json_t *c;
		void *tmp;

		json_object_foreach_safe (v, tmp, k, c) {
			if (json_is_null(c))
				json_object_del(v, k);
			else
				merge_prune_nulls(c);
		}
	} else if (json_is_array(v)) {
		size_t i = 0;

		while (i < json_array_size(v)) {
			json_t *c = json_array_get(v, i);

			if (json_is_null(c)) {
				json_array_remove(v, i);
				continue;
			}
			merge_prune_nulls(c);
			i++;
		}
	}
}

static json_t *merge_pruned_copy(const json_t *v)
{
	json_t *c = json_deep_copy(v);

	if (c)
		merge_prune_nulls(c);
	return c;
}

/* cur and patch are objects; cur is the caller's own copy. */
static int merge_into(json_t *cur, const json_t *patch)
{
	const char *k;
	json_t *pv;

	json_object_foreach ((json_t *)patch, k, pv) {
		json_t *cv = json_object_get(cur, k);
		json_t *nv;

		if (json_is_null(pv)) {
			json_object_del(cur, k);
			continue;
		}
		if (json_is_object(cv) && json_is_object(pv)) {
			if (merge_into(cv, pv) < 0)
				return -1;
			continue;
		}
		/* Upstream returns a non-object patch unpruned when the target
		 * held an object there, and prunes it everywhere else. */
		nv = json_is_object(cv) ? json_deep_copy(pv) : merge_pruned_copy(pv);
		if (!nv || json_object_set_new(cur, k, nv) < 0)
			return -1;
	}
	return 0;
}

json_t *patch_merge(const json_t *target, const json_t *patch)
{
	json_t *out;

	if (json_is_array(patch))
		return merge_pruned_copy(patch);
	if (!json_is_object(patch))
		return json_deep_copy(patch);
	if (!json_is_object(target))
		return merge_pruned_copy(patch);
	out = json_deep_copy(target);
	if (!out)
		return NULL;
	if (merge_into(out, patch) < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}
