/*
 * patch_json.c - JSON patch (RFC 6902) with the behaviour of
 * gopkg.in/evanphx/json-patch.v4, which kube-apiserver uses.
 *
 * What that library does beyond the RFC, and so what clients may rely on:
 * negative array indices count from the end; "replace" of a missing object
 * member adds it; "copy" from a missing member copies null; a missing "value"
 * is null; a path without a leading '/' drops its first segment. Error texts
 * are the library's, wrapping included (errors.Wrapf appends ": cause").
 */
#include "api/patch.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct jp {
	json_t *root; /* the document being patched (owned) */
	char *err;
	size_t errlen;
	size_t copied; /* nodes duplicated by "copy" so far */
};

__attribute__((format(printf, 2, 3))) static int jp_fail(struct jp *p, const char *fmt, ...)
{
	va_list ap;

	if (p->err && p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err, p->errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* strconv.Atoi: optional sign, decimal digits, no overflow. */
static int jp_atoi(const char *s, long long *out, char *why, size_t whylen)
{
	const char *p = s;
	int neg = 0;
	unsigned long long v = 0;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (!*p) {
		snprintf(why, whylen, "strconv.Atoi: parsing \"%s\": invalid syntax", s);
		return -1;
	}
	for (; *p; p++) {
		if (*p < '0' || *p > '9') {
			snprintf(why, whylen, "strconv.Atoi: parsing \"%s\": invalid syntax", s);
			return -1;
		}
		v = v * 10 + (unsigned)(*p - '0');
		if (v > (unsigned long long)LLONG_MAX + neg) {
			snprintf(why, whylen, "strconv.Atoi: parsing \"%s\": value out of range",
			         s);
			return -1;
		}
	}
	*out = neg ? (long long)(0 - v) : (long long)v;
	return 0;
}

/* RFC 6901 unescaping in one left-to-right pass, as strings.Replacer does. */
static char *jp_unescape(const char *s, size_t n)
{
	char *o = malloc(n + 1), *q = o;

	if (!o)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '~' && i + 1 < n && (s[i + 1] == '0' || s[i + 1] == '1')) {
			*q++ = s[i + 1] == '0' ? '~' : '/';
			i++;
		} else {
			*q++ = s[i];
		}
	}
	*q = '\0';
	return o;
}

/* Resolves an array index for get/remove (len = current length). */
static int jp_index(const char *key, size_t len, long long *idx, char *why, size_t whylen)
{
	long long i;

	if (jp_atoi(key, &i, why, whylen) < 0)
		return -1;
	if (i < 0) {
		if (i < -(long long)len) {
			snprintf(why, whylen,
			         "Unable to access invalid index: %lld: invalid index referenced",
			         i);
			return -1;
		}
		i += (long long)len;
	}
	if (i >= (long long)len) {
		snprintf(why, whylen,
		         "Unable to access invalid index: %lld: invalid index referenced", i);
		return -1;
	}
	*idx = i;
	return 0;
}

/*
 * findObject: the container holding the path's last segment, and that
 * segment unescaped in *key (malloc'd). NULL when the path does not lead to a
 * container; *key is NULL then too, or on ENOMEM (*nomem set).
 */
static json_t *jp_find(json_t *root, const char *path, char **key, int *nomem)
{
	const char *seg, *slash;
	json_t *doc = root;

	*key = NULL;
	*nomem = 0;
	seg = strchr(path, '/');
	if (!seg)
		return NULL;
	seg++;
	while ((slash = strchr(seg, '/'))) {
		char *part = jp_unescape(seg, (size_t)(slash - seg));
		json_t *next = NULL;

		if (!part) {
			*nomem = 1;
			return NULL;
		}
		if (json_is_object(doc)) {
			next = json_object_get(doc, part);
		} else {
			char why[128];
			long long i;

			if (jp_index(part, json_array_size(doc), &i, why, sizeof(why)) == 0)
				next = json_array_get(doc, (size_t)i);
		}
		free(part);
		if (!json_is_object(next) && !json_is_array(next))
			return NULL;
		doc = next;
		seg = slash + 1;
	}
	*key = jp_unescape(seg, strlen(seg));
	if (!*key) {
		*nomem = 1;
		return NULL;
	}
	return doc;
}

/* container.get: *val is NULL for a missing (or null) object member. */
static int jp_get(json_t *con, const char *key, json_t **val, char *why, size_t whylen)
{
	long long i;

	if (json_is_object(con)) {
		*val = json_object_get(con, key);
		if (json_is_null(*val))
			*val = NULL;
		return 0;
	}
	if (jp_index(key, json_array_size(con), &i, why, whylen) < 0)
		return -1;
	*val = json_array_get(con, (size_t)i);
	if (json_is_null(*val))
		*val = NULL;
	return 0;
}

/* container.add; takes the reference to val. -ENOMEM, -1 with why, or 0. */
static int jp_add(json_t *con, const char *key, json_t *val, char *why, size_t whylen)
{
	size_t len;
	long long i;

	if (!val)
		return -ENOMEM;
	if (json_is_object(con))
		return json_object_set_new(con, key, val) < 0 ? -ENOMEM : 0;
	len = json_array_size(con);
	if (!strcmp(key, "-"))
		return json_array_append_new(con, val) < 0 ? -ENOMEM : 0;
	if (jp_atoi(key, &i, why, whylen) < 0) {
		char cause[96];

		snprintf(cause, sizeof(cause), "%s", why);
		snprintf(why, whylen, "value was not a proper array index: '%s': %s", key, cause);
		json_decref(val);
		return -1;
	}
	if (i >= (long long)len + 1 || i < -((long long)len + 1)) {
		snprintf(why, whylen,
		         "Unable to access invalid index: %lld: invalid index referenced", i);
		json_decref(val);
		return -1;
	}
	if (i < 0)
		i += (long long)len + 1;
	return json_array_insert_new(con, (size_t)i, val) < 0 ? -ENOMEM : 0;
}

static int jp_remove(json_t *con, const char *key, char *why, size_t whylen)
{
	long long i;

	if (json_is_object(con)) {
		if (!json_object_get(con, key)) {
			snprintf(why, whylen, "Unable to remove nonexistent key: %s: missing value",
			         key);
			return -1;
		}
		json_object_del(con, key);
		return 0;
	}
	if (jp_index(key, json_array_size(con), &i, why, whylen) < 0)
		return -1;
	json_array_remove(con, (size_t)i);
	return 0;
}

/* Operation.Path()/From(): the member as a string, or an error text. */
static const char *jp_str_field(const json_t *op, const char *name, const char **why)
{
	const json_t *v = json_object_get(op, name);

	if (!v || json_is_null(v)) {
		*why = NULL;
		return NULL;
	}
	if (!json_is_string(v)) {
		*why = json_is_number(v)
		           ? "json: cannot unmarshal number into Go value of type string"
		       : json_is_boolean(v)
		           ? "json: cannot unmarshal bool into Go value of type string"
		       : json_is_array(v)
		           ? "json: cannot unmarshal array into Go value of type string"
		           : "json: cannot unmarshal object into Go value of type string";
		return NULL;
	}
	return json_string_value(v);
}

/* Copy of the operation's value; a missing value is null as upstream. */
static json_t *jp_value(const json_t *op)
{
	const json_t *v = json_object_get(op, "value");

	return v ? json_deep_copy(v) : json_null();
}

static size_t jp_count(const json_t *v)
{
	size_t n = 1;
	const char *k;
	json_t *c;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach ((json_t *)v, k, c)
			n += jp_count(c);
	} else if (json_is_array(v)) {
		json_array_foreach (v, i, c)
			n += jp_count(c);
	}
	return n;
}

#define JP_PATH_MISSING "operation missing path field: missing value"
#define JP_FROM_MISSING "operation, missing from field: missing value"

static int jp_op_add(struct jp *p, const json_t *op)
{
	const char *why0, *path = jp_str_field(op, "path", &why0);
	char why[256], *key;
	json_t *con;
	int nomem, rc;

	if (!path)
		return jp_fail(p, "add operation failed to decode path: missing value");
	con = jp_find(p->root, path, &key, &nomem);
	if (nomem)
		return -ENOMEM;
	if (!con)
		return jp_fail(
		    p, "add operation does not apply: doc is missing path: \"%s\": missing value",
		    path);
	rc = jp_add(con, key, jp_value(op), why, sizeof(why));
	free(key);
	if (rc == -1)
		return jp_fail(p, "error in add for path: '%s': %s", path, why);
	return rc;
}

static int jp_op_remove(struct jp *p, const json_t *op)
{
	const char *why0, *path = jp_str_field(op, "path", &why0);
	char why[256], *key;
	json_t *con;
	int nomem, rc;

	if (!path)
		return jp_fail(p, "remove operation failed to decode path: missing value");
	con = jp_find(p->root, path, &key, &nomem);
	if (nomem)
		return -ENOMEM;
	if (!con)
		return jp_fail(
		    p,
		    "remove operation does not apply: doc is missing path: \"%s\": missing value",
		    path);
	rc = jp_remove(con, key, why, sizeof(why));
	free(key);
	if (rc < 0)
		return jp_fail(p, "error in remove for path: '%s': %s", path, why);
	return 0;
}

static int jp_op_replace(struct jp *p, const json_t *op)
{
	const char *why0, *path = jp_str_field(op, "path", &why0);
	char why[256], *key;
	json_t *con, *val;
	int nomem;
	long long i;

	if (!path)
		return jp_fail(p, "replace operation failed to decode path: %s",
		               why0 ? why0 : JP_PATH_MISSING);
	if (!*path) {
		val = jp_value(op);
		if (!val)
			return -ENOMEM;
		if (!json_is_object(val) && !json_is_array(val)) {
			json_decref(val);
			return jp_fail(p, "replace operation value must be object or array");
		}
		json_decref(p->root);
		p->root = val;
		return 0;
	}
	con = jp_find(p->root, path, &key, &nomem);
	if (nomem)
		return -ENOMEM;
	if (!con)
		return jp_fail(
		    p, "replace operation does not apply: doc is missing path: %s: missing value",
		    path);
	if (json_is_array(con) && jp_index(key, json_array_size(con), &i, why, sizeof(why)) < 0) {
		free(key);
		return jp_fail(
		    p, "replace operation does not apply: doc is missing key: %s: missing value",
		    path);
	}
	val = jp_value(op);
	if (!val) {
		free(key);
		return -ENOMEM;
	}
	if (json_is_object(con)) {
		nomem = json_object_set_new(con, key, val) < 0;
	} else {
		nomem = json_array_set_new(con, (size_t)i, val) < 0;
	}
	free(key);
	return nomem ? -ENOMEM : 0;
}

static int jp_op_move(struct jp *p, const json_t *op)
{
	const char *why0, *from = jp_str_field(op, "from", &why0), *path;
	char why[256], *key;
	json_t *con, *val;
	int nomem, rc;

	if (!from)
		return jp_fail(p, "move operation failed to decode from: %s",
		               why0 ? why0 : JP_FROM_MISSING);
	con = jp_find(p->root, from, &key, &nomem);
	if (nomem)
		return -ENOMEM;
	if (!con)
		return jp_fail(
		    p, "move operation does not apply: doc is missing from path: %s: missing value",
		    from);
	if (jp_get(con, key, &val, why, sizeof(why)) < 0) {
		rc = jp_fail(p, "error in move for path: '%s': %s", key, why);
		free(key);
		return rc;
	}
	val = val ? json_incref(val) : json_null();
	if (jp_remove(con, key, why, sizeof(why)) < 0) {
		rc = jp_fail(p, "error in move for path: '%s': %s", key, why);
		free(key);
		json_decref(val);
		return rc;
	}
	free(key);
	path = jp_str_field(op, "path", &why0);
	if (!path) {
		json_decref(val);
		return jp_fail(p, "move operation failed to decode path: %s",
		               why0 ? why0 : JP_PATH_MISSING);
	}
	con = jp_find(p->root, path, &key, &nomem);
	if (!con) {
		json_decref(val);
		if (nomem)
			return -ENOMEM;
		return jp_fail(p,
		               "move operation does not apply: doc is missing destination path: "
		               "%s: missing value",
		               path);
	}
	rc = jp_add(con, key, val, why, sizeof(why));
	free(key);
	if (rc == -1)
		return jp_fail(p, "error in move for path: '%s': %s", path, why);
	return rc;
}

static int jp_op_test(struct jp *p, const json_t *op)
{
	const char *why0, *path = jp_str_field(op, "path", &why0);
	const json_t *want = json_object_get(op, "value");
	char why[256], *key;
	json_t *con, *val;
	int nomem, rc;

	if (!path)
		return jp_fail(p, "test operation failed to decode path: %s",
		               why0 ? why0 : JP_PATH_MISSING);
	if (json_is_null(want))
		want = NULL;
	if (!*path) {
		if (want && json_equal(p->root, (json_t *)want))
			return 0;
		return jp_fail(p, "testing value %s failed: test failed", path);
	}
	con = jp_find(p->root, path, &key, &nomem);
	if (nomem)
		return -ENOMEM;
	if (!con)
		return jp_fail(
		    p, "test operation does not apply: is missing path: %s: missing value", path);
	rc = jp_get(con, key, &val, why, sizeof(why));
	free(key);
	if (rc < 0)
		return jp_fail(p, "error in test for path: '%s': %s", path, why);
	/* Without a value upstream fails the test (or panics): fail it. */
	if (!json_object_get(op, "value"))
		return jp_fail(p, "testing value %s failed: test failed", path);
	/* A missing member and null compare equal, as upstream. */
	if (!val && !want)
		return 0;
	if (val && want && json_equal(val, (json_t *)want))
		return 0;
	return jp_fail(p, "testing value %s failed: test failed", path);
}

static int jp_op_copy(struct jp *p, const json_t *op)
{
	const char *why0, *from = jp_str_field(op, "from", &why0), *path;
	char why[256], *key;
	json_t *con, *val;
	size_t n;
	int nomem, rc;

	if (!from)
		return jp_fail(p, "copy operation failed to decode from: %s",
		               why0 ? why0 : JP_FROM_MISSING);
	con = jp_find(p->root, from, &key, &nomem);
	if (nomem)
		return -ENOMEM;
	if (!con)
		return jp_fail(
		    p, "copy operation does not apply: doc is missing from path: %s: missing value",
		    from);
	rc = jp_get(con, key, &val, why, sizeof(why));
	free(key);
	if (rc < 0)
		return jp_fail(p, "error in copy for from: '%s': %s", from, why);
	path = jp_str_field(op, "path", &why0);
	if (!path)
		return jp_fail(p, "copy operation failed to decode path: missing value");
	/* Copies are the one way a small patch grows a document without bound. */
	n = val ? jp_count(val) : 1;
	p->copied += n;
	if (p->copied > PATCH_MAX_COPY_NODES)
		return jp_fail(p,
		               "Unable to complete the copy, the accumulated size increase of copy "
		               "is %zu, exceeding the limit %d",
		               p->copied, PATCH_MAX_COPY_NODES);
	val = val ? json_deep_copy(val) : json_null();
	if (!val)
		return -ENOMEM;
	con = jp_find(p->root, path, &key, &nomem);
	if (!con) {
		json_decref(val);
		if (nomem)
			return -ENOMEM;
		return jp_fail(p,
		               "copy operation does not apply: doc is missing destination path: "
		               "%s: missing value",
		               path);
	}
	rc = jp_add(con, key, val, why, sizeof(why));
	free(key);
	if (rc == -1)
		return jp_fail(p, "error while adding value during copy: %s", why);
	return rc;
}

int patch_json(const json_t *doc, const json_t *ops, json_t **out, char *err, size_t errlen)
{
	struct jp p = {NULL, err, errlen, 0};
	size_t i, n;
	int rc = 0;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (!json_is_array(ops))
		return jp_fail(&p,
		               "json: cannot unmarshal %s into Go value of type jsonpatch.Patch",
		               json_is_object(ops) ? "object" : "value");
	n = json_array_size(ops);
	for (i = 0; i < n; i++)
		if (!json_is_object(json_array_get(ops, i)))
			return jp_fail(&p, "json: cannot unmarshal value into Go value of type "
			                   "jsonpatch.Operation");
	if (n > PATCH_MAX_OPS) {
		jp_fail(&p, "The allowed maximum operations in a JSON patch is %d, got %zu",
		        PATCH_MAX_OPS, n);
		return -E2BIG;
	}
	if (!json_is_object(doc) && !json_is_array(doc))
		return jp_fail(&p, "invalid JSON document: expected an object or an array");
	p.root = json_deep_copy(doc);
	if (!p.root)
		return -ENOMEM;
	for (i = 0; i < n && rc == 0; i++) {
		const json_t *op = json_array_get(ops, i);
		const json_t *kv = json_object_get(op, "op");
		const char *kind = json_is_string(kv) ? json_string_value(kv) : "unknown";

		if (!strcmp(kind, "add"))
			rc = jp_op_add(&p, op);
		else if (!strcmp(kind, "remove"))
			rc = jp_op_remove(&p, op);
		else if (!strcmp(kind, "replace"))
			rc = jp_op_replace(&p, op);
		else if (!strcmp(kind, "move"))
			rc = jp_op_move(&p, op);
		else if (!strcmp(kind, "test"))
			rc = jp_op_test(&p, op);
		else if (!strcmp(kind, "copy"))
			rc = jp_op_copy(&p, op);
		else
			rc = jp_fail(&p, "Unexpected kind: %s", kind);
	}
	if (rc < 0) {
		if (rc == -ENOMEM && err && errlen)
			snprintf(err, errlen, "out of memory");
		json_decref(p.root);
		return rc;
	}
	*out = p.root;
	return 0;
}
