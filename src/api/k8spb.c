/*
 * k8spb.c - a table-driven decoder from Kubernetes protobuf to API JSON.
 *
 * The wire format is plain proto2 as gogo-protobuf writes it: the body is
 * "k8s\0" followed by a runtime.Unknown whose raw field holds the object
 * message. Each message is walked once against its k8spb_schema table and
 * JSON values are added to the object as fields arrive, so a repeated field
 * appends, a repeated singular message merges (as protobuf merges it) and a
 * repeated scalar or map key keeps the last value.
 */
#include "api/k8spb.h"
#include "api/k8spb_schema.h"
#include "api/k8spb_wire.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int decode_message(struct k8spb_dec *d, const struct k8spb_message *m, struct k8spb_rd r,
                          json_t *obj, int depth);

static const struct k8spb_field *find_field(const struct k8spb_message *m, uint32_t num)
{
	for (size_t i = 0; i < m->nfields; i++)
		if (m->fields[i].num == num)
			return &m->fields[i];
	return NULL;
}

/* Adds v under f's key: appended when repeated, replacing otherwise. */
static int store(struct k8spb_dec *d, const struct k8spb_field *f, json_t *obj, json_t *v)
{
	json_t *arr;

	if (!v)
		return -1;
	if (!(f->flags & K8SPB_REPEATED)) {
		if (json_object_set_new(obj, f->json, v) < 0)
			return k8spb_fail(d, "out of memory");
		return 0;
	}
	arr = json_object_get(obj, f->json);
	if (!json_is_array(arr)) {
		if (k8spb_spend(d, 1) < 0 || !(arr = json_array()) ||
		    json_object_set_new(obj, f->json, arr) < 0) {
			json_decref(v);
			return k8spb_fail(d, "out of memory");
		}
	}
	if (json_array_append_new(arr, v) < 0)
		return k8spb_fail(d, "out of memory");
	return 0;
}

/* A varint-encoded scalar: zero values are dropped unless kept (omitempty). */
static int put_varint(struct k8spb_dec *d, const struct k8spb_field *f, json_t *obj, uint64_t v)
{
	json_int_t i;
	json_t *j;

	if (f->type == K8SPB_BOOL)
		i = v != 0;
	else if (f->type == K8SPB_INT32)
		i = (int32_t)(uint32_t)v;
	else
		i = (json_int_t)(int64_t)v;
	if (i == 0 && !(f->flags & (K8SPB_KEEPZERO | K8SPB_REPEATED))) {
		json_object_del(obj, f->json);
		return 0;
	}
	j = f->type == K8SPB_BOOL ? json_boolean(i) : json_integer(i);
	return store(d, f, obj, k8spb_mk(d, j));
}

/* One map<string, V> entry {key = 1, value = 2}; a later key replaces. */
static int decode_map_entry(struct k8spb_dec *d, const struct k8spb_field *f, struct k8spb_rd r,
                            json_t *obj)
{
	struct k8spb_rd key = {NULL, NULL}, val = {NULL, NULL};
	uint32_t num;
	int wt;
	json_t *map, *v;
	const char *k;
	size_t klen;
	char *tofree;

	while (r.p < r.end) {
		if (k8spb_rd_key(&r, &num, &wt) < 0)
			return k8spb_fail(d, "%s: bad map entry key", f->json);
		if ((num == 1 || num == 2) && wt == K8SPB_WT_LEN) {
			if (k8spb_rd_len(&r, num == 1 ? &key : &val) < 0)
				return k8spb_fail(d, "%s: truncated map entry", f->json);
		} else if (num == 1 || num == 2) {
			return k8spb_fail(d, "%s: map entry has wrong wire type %d", f->json, wt);
		} else if (k8spb_skip(d, &r, num, wt, 0) < 0) {
			return -1;
		}
	}
	if (f->type == K8SPB_MAP_QUANTITY)
		v = k8spb_quantity(d, val); /* absent: empty, so "0" */
	else if (f->type == K8SPB_MAP_BYTES)
		v = k8spb_mk_base64(d, val);
	else
		v = k8spb_mk_string(d, val);
	if (!v)
		return -1;
	map = json_object_get(obj, f->json);
	if (!json_is_object(map)) {
		if (k8spb_spend(d, 1) < 0 || !(map = json_object()) ||
		    json_object_set_new(obj, f->json, map) < 0) {
			json_decref(v);
			return k8spb_fail(d, "out of memory");
		}
	}
	if (k8spb_text(d, key, &k, &klen, &tofree) < 0) {
		json_decref(v);
		return -1;
	}
	if (json_object_setn_new(map, k, klen, v) < 0) {
		free(tofree);
		return k8spb_fail(d, "out of memory");
	}
	free(tofree);
	return 0;
}

static int decode_submessage(struct k8spb_dec *d, const struct k8spb_field *f, struct k8spb_rd r,
                             json_t *obj, int depth)
{
	json_t *sub = NULL;

	if (!(f->flags & K8SPB_REPEATED))
		sub = json_object_get(obj, f->json);
	if (!json_is_object(sub)) {
		if (k8spb_spend(d, 1) < 0)
			return -1;
		sub = json_object();
		if (store(d, f, obj, sub) < 0)
			return sub ? -1 : k8spb_fail(d, "out of memory");
	}
	return decode_message(d, f->sub, r, sub, depth + 1);
}

static int is_varint_type(int type)
{
	return type == K8SPB_BOOL || type == K8SPB_INT32 || type == K8SPB_INT64;
}

static int decode_field(struct k8spb_dec *d, const struct k8spb_message *m,
                        const struct k8spb_field *f, struct k8spb_rd *r, int wt, json_t *obj,
                        int depth)
{
	const char *name = f->json ? f->json : f->sub->name;
	struct k8spb_rd val;
	uint64_t v;

	if (is_varint_type(f->type) && wt == K8SPB_WT_VARINT) {
		if (k8spb_rd_varint(r, &v) < 0)
			return k8spb_fail(d, "%s.%s: truncated varint", m->name, name);
		return put_varint(d, f, obj, v);
	}
	if (wt != K8SPB_WT_LEN)
		return k8spb_fail(d, "%s.%s: wrong wire type %d", m->name, name, wt);
	if (k8spb_rd_len(r, &val) < 0)
		return k8spb_fail(d, "%s.%s: length past the end of the message", m->name, name);
	switch (f->type) {
	case K8SPB_BOOL:
	case K8SPB_INT32:
	case K8SPB_INT64:
		/* Packed repeated scalars: Go accepts both encodings. */
		if (!(f->flags & K8SPB_REPEATED))
			return k8spb_fail(d, "%s.%s: wrong wire type %d", m->name, name, wt);
		while (val.p < val.end) {
			if (k8spb_rd_varint(&val, &v) < 0)
				return k8spb_fail(d, "%s.%s: truncated packed varint", m->name,
				                  name);
			if (put_varint(d, f, obj, v) < 0)
				return -1;
		}
		return 0;
	case K8SPB_STRING:
		if (val.p == val.end && !(f->flags & (K8SPB_KEEPZERO | K8SPB_REPEATED))) {
			json_object_del(obj, f->json);
			return 0;
		}
		return store(d, f, obj, k8spb_mk_string(d, val));
	case K8SPB_BYTES:
		if (val.p == val.end && !(f->flags & (K8SPB_KEEPZERO | K8SPB_REPEATED))) {
			json_object_del(obj, f->json);
			return 0;
		}
		return store(d, f, obj, k8spb_mk_base64(d, val));
	case K8SPB_MESSAGE:
		return decode_submessage(d, f, val, obj, depth);
	case K8SPB_INLINE:
		return decode_message(d, f->sub, val, obj, depth + 1);
	case K8SPB_TIME:
	case K8SPB_MICROTIME:
		return store(d, f, obj, k8spb_time(d, val, f->type == K8SPB_MICROTIME));
	case K8SPB_INTSTR:
		return store(d, f, obj, k8spb_intstr(d, val));
	case K8SPB_QUANTITY:
		return store(d, f, obj, k8spb_quantity(d, val));
	case K8SPB_FIELDSV1:
		return store(d, f, obj, k8spb_fieldsv1(d, val));
	case K8SPB_MAP_STRING:
	case K8SPB_MAP_BYTES:
	case K8SPB_MAP_QUANTITY:
		return decode_map_entry(d, f, val, obj);
	default:
		return k8spb_fail(d, "%s.%s: bad schema type %d", m->name, name, f->type);
	}
}

static int decode_message(struct k8spb_dec *d, const struct k8spb_message *m, struct k8spb_rd r,
                          json_t *obj, int depth)
{
	if (depth > K8SPB_MAX_DEPTH)
		return k8spb_fail(d, "%s: messages nested deeper than %d", m->name,
		                  K8SPB_MAX_DEPTH);
	while (r.p < r.end) {
		const struct k8spb_field *f;
		uint32_t num;
		int wt;

		if (k8spb_rd_key(&r, &num, &wt) < 0)
			return k8spb_fail(d, "%s: bad field key", m->name);
		f = find_field(m, num);
		if (!f ? k8spb_skip(d, &r, num, wt, depth) < 0
		       : decode_field(d, m, f, &r, wt, obj, depth) < 0)
			return -1;
	}
	return 0;
}

int k8spb_is_protobuf(const void *body, size_t len)
{
	return body && len >= 4 && memcmp(body, "k8s\0", 4) == 0;
}

/* runtime.Unknown: typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2. */
struct envelope {
	struct k8spb_rd api_version, kind, raw;
};

static int parse_envelope(struct k8spb_dec *d, struct k8spb_rd r, struct envelope *e)
{
	uint32_t num;
	int wt;
	struct k8spb_rd sub;

	memset(e, 0, sizeof(*e));
	while (r.p < r.end) {
		if (k8spb_rd_key(&r, &num, &wt) < 0)
			return k8spb_fail(d, "Unknown: bad field key");
		if (num > 4) {
			if (k8spb_skip(d, &r, num, wt, 1) < 0)
				return -1;
			continue;
		}
		if (wt != K8SPB_WT_LEN || k8spb_rd_len(&r, &sub) < 0)
			return k8spb_fail(d, "Unknown: field %u malformed", num);
		if (num == 2)
			e->raw = sub;
		if (num != 1)
			continue; /* contentEncoding and contentType: unused, as in Go */
		while (sub.p < sub.end) {
			struct k8spb_rd s;

			if (k8spb_rd_key(&sub, &num, &wt) < 0)
				return k8spb_fail(d, "TypeMeta: bad field key");
			if (num > 2) {
				if (k8spb_skip(d, &sub, num, wt, 2) < 0)
					return -1;
				continue;
			}
			if (wt != K8SPB_WT_LEN || k8spb_rd_len(&sub, &s) < 0)
				return k8spb_fail(d, "TypeMeta: field %u malformed", num);
			*(num == 1 ? &e->api_version : &e->kind) = s;
		}
	}
	return 0;
}

static int rd_eq(struct k8spb_rd r, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(r.end - r.p) == n && (n == 0 || memcmp(r.p, s, n) == 0);
}

/* Prints peer-supplied text safely into an error message. */
static const char *printable(struct k8spb_rd r, char *buf, size_t size)
{
	size_t n = 0;

	for (const uint8_t *p = r.p; p < r.end && n + 1 < size; p++)
		buf[n++] = *p >= 0x20 && *p < 0x7f ? (char)*p : '?';
	buf[n] = 0;
	return buf;
}

json_t *k8spb_decode(const void *body, size_t len, char *err, size_t errlen)
{
	struct k8spb_dec d = {K8SPB_MAX_ELEMENTS, err, errlen, 0};
	struct envelope e;
	const struct k8spb_root *root = NULL;
	char b1[64], b2[64];
	json_t *obj;
	struct k8spb_rd in;

	if (err && errlen)
		err[0] = 0;
	else
		d.errlen = 0;
	if (!k8spb_is_protobuf(body, len))
		return k8spb_fail(&d, "body does not start with the k8s\\0 magic"), NULL;
	if (len == 4)
		return k8spb_fail(&d, "empty body"), NULL;
	in.p = (const uint8_t *)body + 4;
	in.end = (const uint8_t *)body + len;
	if (parse_envelope(&d, in, &e) < 0)
		return NULL;
	if (e.kind.p == e.kind.end || e.api_version.p == e.api_version.end)
		return k8spb_fail(&d, "object has no apiVersion or kind"), NULL;
	for (size_t i = 0; i < k8spb_nroots && !root; i++)
		if (rd_eq(e.kind, k8spb_roots[i].kind) &&
		    (!k8spb_roots[i].api_version ||
		     rd_eq(e.api_version, k8spb_roots[i].api_version)))
			root = &k8spb_roots[i];
	if (!root)
		return k8spb_fail(&d, "unsupported kind %s %s",
		                  printable(e.api_version, b1, sizeof(b1)),
		                  printable(e.kind, b2, sizeof(b2))),
		       NULL;
	obj = json_object();
	if (!obj || k8spb_spend(&d, 3) < 0 ||
	    json_object_set_new(obj, "kind", json_string(root->kind)) < 0 ||
	    json_object_set_new(obj, "apiVersion", k8spb_mk_string(&d, e.api_version)) < 0 ||
	    decode_message(&d, root->msg, e.raw, obj, 1) < 0) {
		k8spb_fail(&d, "out of memory");
		json_decref(obj);
		return NULL;
	}
	return obj;
}
