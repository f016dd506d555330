/*
 * defaults_impl.h - helpers the defaults_*.c files share; not for other modules.
 *
 * Defaulting mirrors Go's zero-value rules: a string field is "unset" when
 * absent, null or ""; an int32 field such as a probe's timeoutSeconds when
 * absent, null or 0; a pointer field only when absent or null. A value of the
 * wrong JSON type is never touched, so validation still sees and reports it.
 * Allocation failures set d->oom; the entry points then return -ENOMEM.
 */
#ifndef SVCNET_API_DEFAULTS_IMPL_H
#define SVCNET_API_DEFAULTS_IMPL_H

#include <jansson.h>

#include "api/defaults.h"

struct dft {
	int oom;
};

/* parent[key] as an object, created when absent or null; NULL when parent is
 * not an object or the value has another type. */
json_t *dft_obj(struct dft *d, json_t *parent, const char *key);
/* parent[key] when it is an array, else NULL (nothing is created). */
json_t *dft_arr(json_t *parent, const char *key);
/* Absent or null. */
int dft_unset(const json_t *parent, const char *key);
/* Sets a string when the field is absent, null or "". */
void dft_str(struct dft *d, json_t *obj, const char *key, const char *v);
/* Sets an integer when the field is absent or null (zero too, with zero_unset). */
void dft_int(struct dft *d, json_t *obj, const char *key, long long v, int zero_unset);
/* Sets a boolean when the field is absent or null. */
void dft_bool(struct dft *d, json_t *obj, const char *key, int v);
/* Unconditional set; v is stolen. */
void dft_set_new(struct dft *d, json_t *obj, const char *key, json_t *v);
/* The string value, or NULL when absent or not a string. */
const char *dft_peek(const json_t *obj, const char *key);

/* Create-time Service defaults, IP families included (errors are left to
 * api_service_init_ip_families). */
void dft_service(struct dft *d, json_t *svc, const struct api_default_opts *o);
/* Update-time Service defaults; old is the stored object. */
void dft_service_update(struct dft *d, json_t *svc, const json_t *old,
                        const struct api_default_opts *o);
void dft_pod(struct dft *d, json_t *pod);

#endif
