/*
 * informer_cache.c - the informer's pure parts: watch lines, events, and the
 * cache diff that makes a re-list deliver differences only.
 *
 * resourceVersions are compared for equality only: Kubernetes calls them
 * opaque, and equality is all that de-duplication needs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client/informer_int.h"

int informer_split_lines(buf *b, int (*fn)(const char *line, size_t len, void *arg), void *arg)
{
	for (;;) {
		char *s = buf_head(b), *nl;
		size_t n = buf_avail(b), len;
		int rc;

		if (!n)
			return 0;
		nl = memchr(s, '\n', n);
		if (!nl)
			return 0;
		len = (size_t)(nl - s);
		if (len && s[len - 1] == '\r')
			len--;
		rc = len ? fn(s, len, arg) : 0;
		buf_consume(b, (size_t)(nl - s) + 1);
		if (rc)
			return rc;
	}
}

int informer_parse_event(const char *line, size_t len, int *type, json_t **obj, int *code)
{
	static const char *const names[] = {"ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"};
	json_t *root, *o;
	const char *t;
	int ty = -1;

	*obj = NULL;
	*code = 0;
	root = json_loadb(line, len, 0, NULL);
	if (!root)
		return -EINVAL;
	t = json_string_value(json_object_get(root, "type"));
	o = json_object_get(root, "object");
	for (int i = 0; t && i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (!strcmp(t, names[i]))
			ty = i;
	if (ty < 0 || !json_is_object(o)) {
		json_decref(root);
		return -EINVAL;
	}
	if (ty == INFORMER_EV_ERROR) {
		json_t *c = json_object_get(o, "code");

		*code = json_is_integer(c) ? (int)json_integer_value(c) : 0;
	}
	*type = ty;
	*obj = json_incref(o);
	json_decref(root);
	return 0;
}

int informer_obj_key(json_t *obj, char *key, size_t keylen)
{
	json_t *md = json_object_get(obj, "metadata");
	const char *name = json_string_value(json_object_get(md, "name"));
	const char *ns = json_string_value(json_object_get(md, "namespace"));
	size_t nl, sl;

	if (!name || !name[0] || strchr(name, '/'))
		return -EINVAL;
	nl = strlen(name);
	sl = ns && ns[0] ? strlen(ns) : 0;
	if (sl && strchr(ns, '/'))
		return -EINVAL;
	if (sl + nl + 2 > keylen)
		return -EINVAL;
	if (sl) {
		memcpy(key, ns, sl);
		key[sl++] = '/';
	}
	memcpy(key + sl, name, nl + 1);
	return 0;
}

const char *informer_obj_rv(json_t *obj)
{
	return json_string_value(
	    json_object_get(json_object_get(obj, "metadata"), "resourceVersion"));
}

static int same_rv(json_t *a, json_t *b)
{
	const char *x = informer_obj_rv(a), *y = informer_obj_rv(b);

	return x && y && !strcmp(x, y);
}

/* What a stub cache keeps of obj: enough for keys, re-list diffs and deletes. */
static json_t *cache_stub(json_t *obj)
{
	json_t *md = json_object_get(obj, "metadata"), *s, *m;
	static const char *const keep[] = {"namespace", "name", "resourceVersion"};

	s = json_object();
	m = json_object();
	if (!s || !m || json_object_set_new(s, "metadata", m) < 0) {
		json_decref(s);
		json_decref(m);
		return NULL;
	}
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		json_t *v = json_object_get(md, keep[i]);

		if (v && json_object_set(m, keep[i], v) < 0) {
			json_decref(s);
			return NULL;
		}
	}
	return s;
}

/* Stores obj (or its stub) under key and reports the add or update. */
static int cache_put(dict *cache, const char *key, json_t *obj, const struct informer_emit *e)
{
	json_t *old = dict_get(cache, key), *val;
	void *prev = NULL;

	if (old && same_rv(old, obj))
		return 0;
	val = e->stub ? cache_stub(obj) : json_incref(obj);
	if (!val)
		return -ENOMEM;
	if (dict_set(cache, key, val, &prev) < 0) {
		json_decref(val);
		return -ENOMEM;
	}
	if (!old) {
		if (e->cb->on_add)
			e->cb->on_add(e->inf, obj, e->data);
	} else if (e->cb->on_update) {
		e->cb->on_update(e->inf, old, obj, e->data);
	}
	json_decref(prev);
	return 1;
}

int informer_cache_event(dict *cache, int type, json_t *obj, const struct informer_emit *e)
{
	char key[INFORMER_KEY_MAX];
	json_t *old;

	if (informer_obj_key(obj, key, sizeof(key)) < 0)
		return -EINVAL;
	switch (type) {
	case INFORMER_EV_ADDED:
	case INFORMER_EV_MODIFIED:
		return cache_put(cache, key, obj, e);
	case INFORMER_EV_DELETED:
		old = dict_del(cache, key);
		if (!old)
			return 0;
		if (e->cb->on_delete)
			e->cb->on_delete(e->inf, obj, e->data);
		json_decref(old);
		return 1;
	default:
		return 0;
	}
}

static int fill_type(json_t *item, const char *field, const char *val)
{
	if (!val || json_object_get(item, field))
		return 0;
	return json_object_set_new(item, field, json_string(val)) < 0 ? -ENOMEM : 0;
}

int informer_cache_replace(dict *cache, json_t *items, const char *kind, const char *api_version,
                           const struct informer_emit *e)
{
	char key[INFORMER_KEY_MAX];
	dict *fresh = dict_new();
	char **gone = NULL;
	size_t ngone = 0, i;
	json_t *item;
	int rc = 0, calls = 0;

	if (!fresh)
		return -ENOMEM;
	/* Later duplicates win, as a map built from the list would have it. */
	json_array_foreach (items, i, item) {
		if (!json_is_object(item) || !informer_obj_rv(item) ||
		    informer_obj_key(item, key, sizeof(key)) < 0)
			continue;
		if (fill_type(item, "kind", kind) < 0 ||
		    fill_type(item, "apiVersion", api_version) < 0 ||
		    dict_set(fresh, key, item, NULL) < 0) {
			rc = -ENOMEM;
			goto out;
		}
	}
	json_array_foreach (items, i, item) {
		int r;

		if (!json_is_object(item) || informer_obj_key(item, key, sizeof(key)) < 0 ||
		    dict_get(fresh, key) != item)
			continue;
		r = cache_put(cache, key, item, e);
		if (r < 0) {
			rc = r;
			goto out;
		}
		calls += r;
	}
	/* Keys are collected first: the dict must not change while iterated. */
	/* Every listed key is cached by now, so extra entries are the vanished. */
	if (dict_size(cache) > dict_size(fresh)) {
		dict_iter it;
		const char *k;
		void *v;

		gone = calloc(dict_size(cache) + 1, sizeof(*gone));
		if (!gone) {
			rc = -ENOMEM;
			goto out;
		}
		dict_iter_init(&it, cache);
		while (dict_next(&it, &k, &v)) {
			if (dict_get(fresh, k))
				continue;
			gone[ngone] = strdup(k);
			if (!gone[ngone]) {
				rc = -ENOMEM;
				goto out;
			}
			ngone++;
		}
	}
	for (i = 0; i < ngone; i++) {
		json_t *old = dict_del(cache, gone[i]);

		if (!old)
			continue;
		if (e->cb->on_delete)
			e->cb->on_delete(e->inf, old, e->data);
		json_decref(old);
		calls++;
	}
out:
	for (i = 0; i < ngone; i++)
		free(gone[i]);
	free(gone);
	dict_free(fresh, NULL);
	return rc < 0 ? rc : calls;
}

static void cache_val_free(void *v)
{
	json_decref(v);
}

void informer_cache_free(dict *cache)
{
	if (cache)
		dict_free(cache, cache_val_free);
}
