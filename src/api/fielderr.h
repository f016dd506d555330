/*
 * fielderr.h - building Kubernetes StatusCause objects while walking a JSON object.
 *
 * The validators walk decoded JSON (jansson) rather than typed structs, so two jobs
 * meet here: keeping track of the field path ("spec.ports[0].port") and turning
 * each finding into a cause worded exactly as apimachinery's field.Error does
 *
 *   {"reason":"FieldValueInvalid","field":"spec.ports[0].port",
 *    "message":"Invalid value: 70000: must be between 1 and 65535, inclusive"}
 *
 * because kubectl prints those messages verbatim. The typed getters (fe_str,
 * fe_int, ...) report a value of the wrong JSON type as FieldValueTypeInvalid
 * and then behave as if the field were absent, so hostile input never reaches
 * the rules with a surprise type. A "Required value" for a path that already got
 * a type error is not piled on.
 *
 * Allocation failures set ctx->oom and are otherwise swallowed: the caller checks
 * it once at the end and answers -ENOMEM.
 */
#ifndef SVCNET_API_FIELDERR_H
#define SVCNET_API_FIELDERR_H

#include <jansson.h>
#include <stddef.h>

#include "lib/buf.h"

#define FE_PATH_MAX 512
/* Causes kept per object: a bound on work and answer size for hostile input. */
#define FE_MAX_CAUSES 1000

struct fe_ctx {
	json_t *causes; /* array the causes are appended to */
	int n;          /* causes appended */
	int dropped;    /* causes not appended because FE_MAX_CAUSES was reached */
	int oom;        /* an allocation failed */
	size_t first;   /* index in causes of this run's first cause */
	size_t len;     /* strlen(path) */
	char path[FE_PATH_MAX];
};

void fe_init(struct fe_ctx *c, json_t *causes);

/* Path building: each push returns a mark for fe_pop. Paths longer than
 * FE_PATH_MAX are cut, never overflowed. */
size_t fe_push(struct fe_ctx *c, const char *child);
size_t fe_push_index(struct fe_ctx *c, size_t i);
size_t fe_push_key(struct fe_ctx *c, const char *key);
void fe_pop(struct fe_ctx *c, size_t mark);
/* For the few causes Kubernetes reports outside the current subtree: fe_save
 * keeps the path and empties it, fe_restore puts it back. */
struct fe_saved {
	size_t len;
	char path[FE_PATH_MAX];
};
void fe_save(struct fe_ctx *c, struct fe_saved *s);
void fe_restore(struct fe_ctx *c, const struct fe_saved *s);

/*
 * Emitters. The field is the current path plus sub (NULL: the current path
 * itself; "a.b" appends ".a.b"; "[0]" appends without a dot). Details are
 * printf formats.
 */
void fe_required(struct fe_ctx *c, const char *sub, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void fe_forbidden(struct fe_ctx *c, const char *sub, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Invalid with a JSON bad value, rendered as Go's %v / %q would. */
void fe_invalid(struct fe_ctx *c, const char *sub, const json_t *bad, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void fe_invalid_str(struct fe_ctx *c, const char *sub, const char *bad, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void fe_invalid_int(struct fe_ctx *c, const char *sub, long long bad, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Invalid with a bad value already rendered (e.g. `[]string{"a"}`, `null`). */
void fe_invalid_raw(struct fe_ctx *c, const char *sub, const char *rendered, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void fe_duplicate_str(struct fe_ctx *c, const char *sub, const char *bad);
void fe_duplicate_int(struct fe_ctx *c, const char *sub, long long bad);
void fe_duplicate_raw(struct fe_ctx *c, const char *sub, const char *rendered);
void fe_duplicate_detail(struct fe_ctx *c, const char *sub, const char *rendered,
                         const char *detail);
/* "Not found: <quoted bad>" */
void fe_not_found(struct fe_ctx *c, const char *sub, const char *bad);
/* valid: NULL-terminated list, printed as `supported values: "A", "B"`. */
void fe_not_supported(struct fe_ctx *c, const char *sub, const char *bad, const char *const *valid);
/* "Too long: must have at most <max> bytes" */
void fe_too_long(struct fe_ctx *c, const char *sub, long long max);
/* "Too many: <actual>: must have at most <max> items" */
void fe_too_many(struct fe_ctx *c, const char *sub, long long actual, long long max);
/* FieldValueTypeInvalid: "Invalid value: <bad>: must be of type <want>" */
void fe_type_invalid(struct fe_ctx *c, const char *sub, const json_t *bad, const char *want);

/*
 * Typed getters on parent[key] (parent may be NULL). JSON null counts as absent,
 * as in Go's decoder; a value of another type is reported at <path>.<key> and
 * the getter returns "absent".
 */
const json_t *fe_obj(struct fe_ctx *c, const json_t *parent, const char *key);
const json_t *fe_arr(struct fe_ctx *c, const json_t *parent, const char *key);
/* Strings with an embedded NUL are rejected: C consumers would see a shorter name. */
const char *fe_str(struct fe_ctx *c, const json_t *parent, const char *key);
/* 1 and *out set when present as a JSON integer, else 0. */
int fe_int(struct fe_ctx *c, const json_t *parent, const char *key, long long *out);
int fe_bool(struct fe_ctx *c, const json_t *parent, const char *key, int *out);
/* IntOrString: 0 absent, 1 integer (*iv), 2 string (*sv). */
int fe_intstr(struct fe_ctx *c, const json_t *parent, const char *key, long long *iv,
              const char **sv);
/* A map of string to string (labels, selectors, annotations): NULL unless an object;
 * non-string values are reported at <path>.<key>[k]. */
const json_t *fe_strmap(struct fe_ctx *c, const json_t *parent, const char *key);
/* Element checks for the current path (already pushed by the caller). */
const json_t *fe_elem_obj(struct fe_ctx *c, const json_t *v);
const char *fe_elem_str(struct fe_ctx *c, const json_t *v);

/* String value of parent[key] without reporting anything; NULL unless a string. */
const char *fe_peek_str(const json_t *parent, const char *key);
/* Present and not JSON null. */
int fe_present(const json_t *parent, const char *key);

/*
 * A set of strings, for uniqueness rules (port names, container names) that
 * hostile input could otherwise make quadratic. fe_set_add returns 1 when the
 * key was already there, 0 when added, -ENOMEM.
 */
struct fe_set {
	char **slot;
	size_t cap, n;
};
#define FE_SET_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}
int fe_set_add(struct fe_set *s, const char *key);
int fe_set_has(const struct fe_set *s, const char *key);
void fe_set_free(struct fe_set *s);

/* Renders a JSON value as Go's field.Error prints a bad value. 0 or -ENOMEM. */
int fe_render(buf *b, const json_t *v);
/* Go's %q (strconv.Quote) of n bytes. 0 or -ENOMEM. */
int fe_goquote(buf *b, const char *s, size_t n);
/* `<type>{"a", "b"}` for a JSON array of strings (other elements as JSON). */
int fe_render_strlist(buf *b, const char *gotype, const json_t *arr);

#endif
