/* rest_read.c - get and list, served from the store's memory (no disk reads). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/selector.h"
#include "lib/base64.h"
#include "lib/buf.h"
#include "server/rest.h"
#include "server/table.h"

json_t *rest_load(const store_val *v)
{
	return v ? json_loadb(v->data, v->len, 0, NULL) : NULL;
}

/* kubectl asks for server-side printing with "as=Table" in Accept. */
int rest_wants_table(const struct rest_req *r)
{
	return table_negotiate(http_header_get(r->hr, "Accept")) != TABLE_WANT_NONE;
}

int rest_include_object(const struct rest_req *r)
{
	enum table_include inc = TABLE_INCLUDE_METADATA;
	const char *v = rest_param(r, "includeObject");

	if (v)
		table_parse_include(v, &inc);
	return (int)inc;
}

static void rest_table(struct rest_req *r, json_t *items, int64_t rev, const char *cont)
{
	char rv[32];
	json_t *t;

	snprintf(rv, sizeof(rv), "%" PRId64, rev);
	t = table_build(r->res->id, items, (enum table_include)rest_include_object(r), rv, cont,
	                time(NULL));
	if (!t) {
		rest_internal(r, -ENOMEM);
		return;
	}
	if (table_negotiate(http_header_get(r->hr, "Accept")) == TABLE_WANT_V1BETA1)
		json_object_set_new(t, "apiVersion", json_string("meta.k8s.io/v1beta1"));
	r->table_response = 1;
	rest_json(r, 200, t);
	json_decref(t);
}

void rest_get(struct rest_req *r)
{
	char key[512];
	store_val *v;

	if (rest_key(r, key, sizeof(key)) < 0 || !(v = store_get(r->as->st, key))) {
		rest_not_found(r, r->res, r->name);
		return;
	}
	if (rest_wants_table(r)) {
		json_t *items = json_array();

		json_array_append_new(items, rest_load(v));
		rest_table(r, items, v->rev, NULL);
		json_decref(items);
		return;
	}
	rest_raw(r, 200, v->data, v->len);
}

int rest_selectors(struct rest_req *r, sel **ls, sel **fs)
{
	const char *l = rest_param(r, "labelSelector"), *f = rest_param(r, "fieldSelector");
	char err[256];

	*ls = *fs = NULL;
	if (l && l[0] && sel_parse_labels(l, ls, err, sizeof(err)) < 0) {
		rest_errorf(r, 400, "BadRequest", "%s", err);
		return -1;
	}
	if (f && f[0] && sel_parse_fields(f, fs, err, sizeof(err)) < 0) {
		sel_free(*ls);
		*ls = NULL;
		rest_errorf(r, 400, "BadRequest", "%s", err);
		return -1;
	}
	if (*fs && sel_fields_check(*fs, sel_fields_for_kind(r->res->id), err, sizeof(err)) < 0) {
		sel_free(*ls);
		sel_free(*fs);
		*ls = *fs = NULL;
		rest_errorf(r, 400, "BadRequest", "%s", err);
		return -1;
	}
	return 0;
}

int rest_matches(const struct api_resource *res, const sel *ls, const sel *fs, const json_t *obj)
{
	if (ls &&
	    !sel_match_labels(ls, json_object_get(json_object_get(obj, "metadata"), "labels")))
		return 0;
	if (fs && !sel_match_fields(fs, obj, sel_fields_for_kind(res->id)))
		return 0;
	return 1;
}

int rest_list_prefix(const struct rest_req *r, char *out, size_t outlen)
{
	int n;

	if (r->res->namespaced && r->ns[0])
		n = snprintf(out, outlen, "/%s/%s/", r->res->plural, r->ns);
	else
		n = snprintf(out, outlen, "/%s/", r->res->plural);
	return n < 0 || (size_t)n >= outlen ? -ENAMETOOLONG : 0;
}

/* Continue tokens: base64("<rev>/<last key>"). Lists are served from the
 * current state, so a continued list is consistent per page, not as a whole
 * snapshot (documented in docs/API.md). */
static int rest_continue_decode(const char *tok, char *key, size_t keylen)
{
	unsigned char *raw = NULL;
	size_t n;
	char *slash;
	int r = -EINVAL;

	if (base64_decode(tok, strlen(tok), &raw, &n) < 0)
		return -EINVAL;
	if (memchr(raw, 0, n) == NULL) {
		char *s = strndup((char *)raw, n);

		slash = s ? strchr(s, '/') : NULL;
		if (slash && strlen(slash) < keylen) {
			strcpy(key, slash);
			r = 0;
		}
		free(s);
	}
	free(raw);
	return r;
}

static char *rest_continue_encode(int64_t rev, const char *key)
{
	char raw[600];
	int n = snprintf(raw, sizeof(raw), "%" PRId64 "%s", rev, key);

	if (n < 0 || (size_t)n >= sizeof(raw))
		return NULL;
	return base64_encode_alloc(raw, (size_t)n);
}

void rest_list(struct rest_req *r)
{
	char prefix[300], start[600] = "", apiv[64];
	const char *lim = rest_param(r, "limit"), *cont = rest_param(r, "continue");
	int table = rest_wants_table(r);
	long limit = 0;
	sel *ls, *fs;
	store_val **vals;
	char **keys;
	size_t n, i, count = 0;
	char *next = NULL;
	json_t *titems = NULL;
	buf out = BUF_INIT;
	int64_t rev = store_rev(r->as->st);

	if (lim) {
		char *end;

		limit = strtol(lim, &end, 10);
		if (*end || limit < 0) {
			rest_errorf(r, 400, "BadRequest", "invalid limit: %s", lim);
			return;
		}
	}
	if (cont && cont[0] && rest_continue_decode(cont, start, sizeof(start)) < 0) {
		rest_errorf(r, 400, "BadRequest", "continue key is not valid: invalid token");
		return;
	}
	if (rest_list_prefix(r, prefix, sizeof(prefix)) < 0) {
		rest_errorf(r, 400, "BadRequest", "invalid namespace");
		return;
	}
	if (rest_selectors(r, &ls, &fs) < 0)
		return;
	if (store_list(r->as->st, prefix, &vals, &keys, &n) < 0) {
		rest_internal(r, -ENOMEM);
		goto out;
	}
	if (table)
		titems = json_array();
	for (i = 0; i < n; i++) {
		json_t *obj = NULL;

		if (start[0] && strcmp(keys[i], start) <= 0)
			continue;
		if (limit && (long)count == limit) {
			next = rest_continue_encode(rev, keys[i - 1]);
			break;
		}
		if (ls || fs || table) {
			obj = rest_load(vals[i]);
			if (!obj || !rest_matches(r->res, ls, fs, obj)) {
				json_decref(obj);
				continue;
			}
		}
		if (table) {
			json_array_append_new(titems, obj);
		} else {
			if (count)
				buf_puts(&out, ",");
			buf_append(&out, vals[i]->data, vals[i]->len);
			json_decref(obj);
		}
		count++;
	}
	if (table) {
		rest_table(r, titems, rev, next);
	} else {
		/* Items were gathered into out; the head needs the continue token,
		 * which is known only now. */
		buf fin = BUF_INIT;

		buf_printf(&fin,
		           "{\"kind\":\"%sList\",\"apiVersion\":\"%s\",\"metadata\":{"
		           "\"resourceVersion\":\"%" PRId64 "\"",
		           r->res->kind, api_resource_apiversion(r->res, apiv, sizeof(apiv)), rev);
		if (next)
			buf_printf(&fin, ",\"continue\":\"%s\"", next);
		buf_puts(&fin, "},\"items\":[");
		if (buf_append(&fin, buf_head(&out), buf_avail(&out)) < 0 ||
		    buf_puts(&fin, "]}") < 0)
			rest_internal(r, -ENOMEM);
		else
			rest_raw(r, 200, fin.data, fin.len);
		buf_free(&fin);
	}
out:
	free(next);
	free(vals);
	free(keys);
	json_decref(titems);
	sel_free(ls);
	sel_free(fs);
	buf_free(&out);
}
