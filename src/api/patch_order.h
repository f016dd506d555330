/*
 * patch_order.h - internals shared by patch_smp.c and patch_order.c: list
 * vectors, Go-typed comparisons, error texts, and the element ordering of
 * strategic merge patch (normalizeElementOrder and friends). Not an API:
 * include api/patch.h instead.
 */
#ifndef SVCNET_API_PATCH_ORDER_H
#define SVCNET_API_PATCH_ORDER_H

#include "api/patch.h"

struct patch_smp {
	char *err;
	size_t errlen;
	json_t *later; /* values copied from the patch whose nulls go at the end */
};

/* The Go dynamic types of decoded JSON; "same type" decides merge vs replace. */
enum patch_kind {
	PATCH_K_NIL,
	PATCH_K_MAP,
	PATCH_K_SLICE,
	PATCH_K_STRING,
	PATCH_K_INT,
	PATCH_K_FLOAT,
	PATCH_K_BOOL,
};

/* A list under reordering: references to elements, plus a rank per element. */
struct patch_vec {
	json_t **v;
	long *r;
	size_t n, cap;
};
#define PATCH_VEC_INIT                                                                             \
	{                                                                                          \
		NULL, NULL, 0, 0                                                                   \
	}

/* Error helpers: format into s->err and return -EINVAL (-ENOMEM for nomem). */
int patch_smp_fail(struct patch_smp *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int patch_smp_nomem(struct patch_smp *s);
/* mergepatch.ErrBadArgType: "expected a <expected>, but received a <Go type>". */
int patch_smp_fail_type(struct patch_smp *s, const char *expected, const json_t *actual);
/* mergepatch.ErrNoMergeKey */
int patch_smp_fail_nokey(struct patch_smp *s, const json_t *m, const char *mk);
/* mergepatch.ErrBadPatchType */
int patch_smp_fail_badpatch(struct patch_smp *s, const json_t *d, const json_t *m);
/* fmt has two %s, filled with the compact JSON of a and b. */
int patch_smp_fail_json2(struct patch_smp *s, const char *fmt, const json_t *a, const json_t *b);

enum patch_kind patch_kind(const json_t *v);
/* Container nesting depth (a scalar is 0, {} is 1). */
int patch_depth(const json_t *v);
int patch_has_string(const json_t *arr, const char *k);
/* An object whose "$patch" is "delete". */
int patch_is_delete(const json_t *v);

/* Takes the reference to x; x NULL (a failed allocation) gives -ENOMEM. */
int patch_vec_push(struct patch_smp *s, struct patch_vec *a, json_t *x);
void patch_vec_free(struct patch_vec *a);
/* References to the elements of arr (NULL is an empty list). */
int patch_vec_from(struct patch_smp *s, struct patch_vec *a, const json_t *arr);
int patch_vec_copy(struct patch_smp *s, struct patch_vec *dst, const struct patch_vec *src);
json_t *patch_vec_array(const struct patch_vec *a);
/* Index of the first element json_equal to x, or -1. */
long patch_vec_find(const struct patch_vec *a, const json_t *x);
/* findMapInSliceBasedOnKeyValue: *idx is -1 when absent; non-maps are errors. */
int patch_find_map(struct patch_smp *s, const struct patch_vec *a, const char *mk,
                   const json_t *val, long *idx);
/* mergeKeyValueEqual (mk NULL compares the values themselves). */
int patch_key_equal(struct patch_smp *s, const json_t *l, const json_t *r, const char *mk, int *eq);
/* sliceElementType over two lists. */
int patch_elem_kind(struct patch_smp *s, const struct patch_vec *a, const struct patch_vec *b,
                    enum patch_kind *out);
/*
 * deduplicateScalars in place: returns the deduplicated length L; a->v[0..L)
 * is upstream's result and the whole of a->v is what the backing array holds
 * afterwards (which Go's append aliasing can make the live list's order).
 */
size_t patch_dedup(struct patch_vec *a);
/* partition{Primitives,Maps}ByPresentInList (mk NULL for primitives). */
int patch_partition(struct patch_smp *s, const struct patch_vec *merged, const struct patch_vec *by,
                    const char *mk, struct patch_vec *in, struct patch_vec *out);
/*
 * normalizeElementOrder: sorts patch_items by patch_order and server_only by
 * server_order (sort.SliceStable, replayed exactly because upstream's
 * comparator is not a strict weak order), then interleaves them
 * (mergeSortedSlice). Appends the result to *out; may reorder its inputs.
 */
int patch_normalize(struct patch_smp *s, struct patch_vec *patch_items,
                    struct patch_vec *server_only, const struct patch_vec *patch_order,
                    const struct patch_vec *server_order, const char *mk, enum patch_kind kind,
                    struct patch_vec *out);

#endif
