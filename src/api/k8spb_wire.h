/*
 * k8spb_wire.h - protobuf wire reading and JSON value builders for k8spb
 * (internal to the module).
 *
 * Every reader checks lengths against the end of its slice and returns -1
 * rather than reading past it. Every builder charges the decoder's value
 * budget and records the first error in the decoder, so callers only need
 * to propagate failure.
 */
#ifndef SVCNET_API_K8SPB_WIRE_H
#define SVCNET_API_K8SPB_WIRE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum {
	K8SPB_WT_VARINT = 0,
	K8SPB_WT_I64 = 1,
	K8SPB_WT_LEN = 2,
	K8SPB_WT_SGROUP = 3,
	K8SPB_WT_EGROUP = 4,
	K8SPB_WT_I32 = 5,
};

/* A slice of the input: [p, end). */
struct k8spb_rd {
	const uint8_t *p, *end;
};

struct k8spb_dec {
	size_t budget; /* JSON values still allowed */
	char *err;
	size_t errlen; /* 0: no message wanted */
	int failed;
};

/* Records the first error as "protobuf: <message>"; returns -1. */
int k8spb_fail(struct k8spb_dec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Takes n values from the budget; -1 (and an error) when it runs out. */
int k8spb_spend(struct k8spb_dec *d, size_t n);

/* Plain readers: 0, or -1 on truncated or malformed data (no error set). */
int k8spb_rd_varint(struct k8spb_rd *r, uint64_t *v);
int k8spb_rd_key(struct k8spb_rd *r, uint32_t *num, int *wt);
int k8spb_rd_len(struct k8spb_rd *r, struct k8spb_rd *sub);
/* Skips one value of wire type wt (a group up to its end); sets the error. */
int k8spb_skip(struct k8spb_dec *d, struct k8spb_rd *r, uint32_t num, int wt, int depth);

/*
 * The text of a proto string as JSON can hold it: invalid UTF-8 bytes become
 * U+FFFD (as Go's JSON encoder prints them), NUL is an error. *out points
 * into s or into *tofree, which the caller frees.
 */
int k8spb_text(struct k8spb_dec *d, struct k8spb_rd s, const char **out, size_t *outlen,
               char **tofree);

/* Builders: a new JSON value, or NULL with the error set. */
json_t *k8spb_mk(struct k8spb_dec *d, json_t *v); /* charges v (NULL: out of memory) */
json_t *k8spb_mk_string(struct k8spb_dec *d, struct k8spb_rd s);
json_t *k8spb_mk_base64(struct k8spb_dec *d, struct k8spb_rd s);
/* meta/v1 Time (micro = 0) or MicroTime (micro = 1): RFC 3339 or null. */
json_t *k8spb_time(struct k8spb_dec *d, struct k8spb_rd r, int micro);
/* intstr.IntOrString: a number or a string. */
json_t *k8spb_intstr(struct k8spb_dec *d, struct k8spb_rd r);
/* resource.Quantity: its string; "0" when empty. */
json_t *k8spb_quantity(struct k8spb_dec *d, struct k8spb_rd r);
/* meta/v1 FieldsV1: the raw JSON it carries, or null. */
json_t *k8spb_fieldsv1(struct k8spb_dec *d, struct k8spb_rd r);

#endif
