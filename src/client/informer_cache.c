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

/* The resourceVersion of a cached value: an object's, or a stub's (the
 * string itself). */
static const char *cached_rv(json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : informer_obj_rv(v);
}

static int same_rv(json_t *cached, json_t *obj)
{
	const char *x = cached_rv(cached), *y = informer_obj_rv(obj);

	return x && y && !strcmp(x, y);
}

/* What a callback is shown of a stub: {metadata: {namespace, name,
 * resourceVersion}}, made for the call from the key (a jansson object with
 * its hash tables costs about 1 KB, a string 80 bytes: at 20,000 cached
 * objects that was 18 MB of the proxy's heap). */
static json_t *stub_obj(const char *key, json_t *stub)
{
	const char *sl = strchr(key, '/'), *rv = json_string_value(stub);
	json_t *md = json_object(), *o = json_object();
	int bad = !md || !o || json_object_set_new(o, "metadata", md) < 0;

	if (!bad && sl) {
		json_t *ns = json_stringn(key, (size_t)(sl - key));

		bad = json_object_set_new(md, "namespace", ns) < 0;
	}
	if (!bad)
		bad = json_object_set_new(md, "name", json_string(sl ? sl + 1 : key)) < 0 ||
		      (rv && json_object_set_new(md, "resourceVersion", json_string(rv)) < 0);
	if (bad) {
		if (!o)
			json_decref(md);
		json_decref(o);
		return NULL;
	}
	return o;
}

/* A cached value as callbacks see it: the object, or a stub's object (a new
 * reference either way). */
static json_t *cached_obj(const char *key, json_t *v)
{
	return json_is_string(v) ? stub_obj(key, v) : json_incref(v);
}

/* Stores obj (or its stub: the resourceVersion alone) under key and reports
 * the add or update. */
static int cache_put(dict *cache, const char *key, json_t *obj, const struct informer_emit *e)
{
	json_t *old = dict_get(cache, key), *val, *shown = NULL;
	void *prev = NULL;

	if (old && same_rv(old, obj))
		return 0;
	if (old && e->cb->on_update && !(shown = cached_obj(key, old)))
		return -ENOMEM;
	if (e->stub) {
		const char *rv = informer_obj_rv(obj);

		val = json_string(rv ? rv : "");
	} else {
		val = json_incref(obj);
	}
	if (!val || dict_set(cache, key, val, &prev) < 0) {
		json_decref(val);
		json_decref(shown);
		return -ENOMEM;
	}
	if (!old) {
		if (e->cb->on_add)
			e->cb->on_add(e->inf, obj, e->data);
	} else if (e->cb->on_update) {
		e->cb->on_update(e->inf, shown, obj, e->data);
	}
	json_decref(shown);
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

/* --- LIST pages ---------------------------------------------------------------- */

int informer_page_parse(const char *body, size_t len, struct informer_page *pg)
{
	json_t *md;
	const char *kind;
	size_t kl;

	memset(pg, 0, sizeof(*pg));
	pg->doc = json_loadb(body, len, 0, NULL);
	pg->items = json_object_get(pg->doc, "items");
	md = json_object_get(pg->doc, "metadata");
	pg->rv = json_string_value(json_object_get(md, "resourceVersion"));
	pg->cont = json_string_value(json_object_get(md, "continue"));
	if (!json_is_object(pg->doc) || !(json_is_array(pg->items) || json_is_null(pg->items)) ||
	    !pg->rv || !pg->rv[0] || strlen(pg->rv) >= INFORMER_RV_MAX ||
	    (pg->cont && strlen(pg->cont) >= INFORMER_CONTINUE_MAX)) {
		informer_page_free(pg);
		return -EPROTO;
	}
	if (!json_is_array(pg->items))
		pg->items = NULL; /* an empty list may come as "items": null */
	if (pg->cont && !pg->cont[0])
		pg->cont = NULL;
	pg->api_version = json_string_value(json_object_get(pg->doc, "apiVersion"));
	kind = json_string_value(json_object_get(pg->doc, "kind"));
	kl = kind ? strlen(kind) : 0;
	if (kl > 4 && kl < sizeof(pg->kind) && !strcmp(kind + kl - 4, "List")) {
		memcpy(pg->kind, kind, kl - 4);
		pg->kind[kl - 4] = 0;
	}
	return 0;
}

void informer_page_free(struct informer_page *pg)
{
	json_decref(pg->doc);
	memset(pg, 0, sizeof(*pg));
}

static int fill_type(json_t *item, const char *field, const char *val)
{
	if (!val || json_object_get(item, field))
		return 0;
	return json_object_set_new(item, field, json_string(val)) < 0 ? -ENOMEM : 0;
}

int informer_relist_begin(struct informer_relist *rl)
{
	rl->seen = dict_new();
	return rl->seen ? 0 : -ENOMEM;
}

void informer_relist_end(struct informer_relist *rl)
{
	if (rl->seen)
		dict_free(rl->seen, NULL);
	rl->seen = NULL;
}

int informer_relist_page(struct informer_relist *rl, dict *cache, json_t *items, const char *kind,
                         const char *api_version, const struct informer_emit *e)
{
	char key[INFORMER_KEY_MAX];
	dict *fresh = dict_new();
	json_t *item;
	size_t i;
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
		    dict_set(fresh, key, item, NULL) < 0 ||
		    dict_set(rl->seen, key, (void *)1, NULL) < 0) {
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
out:
	dict_free(fresh, NULL);
	return rc < 0 ? rc : calls;
}

int informer_relist_finish(struct informer_relist *rl, dict *cache, const struct informer_emit *e)
{
	char **gone = NULL;
	size_t ngone = 0, i;
	int rc = 0, calls = 0;

	/* Every listed key is cached by now, so extra entries are the vanished.
	 * Keys are collected first: the dict must not change while iterated. */
	if (dict_size(cache) > dict_size(rl->seen)) {
		dict_iter it;
		const char *k;
		void *v;

		gone = calloc(dict_size(cache) + 1, sizeof(*gone));
		if (!gone)
			return -ENOMEM;
		dict_iter_init(&it, cache);
		while (dict_next(&it, &k, &v)) {
			if (dict_get(rl->seen, k))
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
		json_t *old = dict_get(cache, gone[i]), *shown;

		if (!old)
			continue;
		shown = e->cb->on_delete ? cached_obj(gone[i], old) : NULL;
		if (e->cb->on_delete && !shown) {
			rc = -ENOMEM;
			goto out;
		}
		dict_del(cache, gone[i]);
		if (e->cb->on_delete)
			e->cb->on_delete(e->inf, shown, e->data);
		json_decref(shown);
		json_decref(old);
		calls++;
	}
out:
	for (i = 0; i < ngone; i++)
		free(gone[i]);
	free(gone);
	return rc < 0 ? rc : calls;
}

int informer_cache_replace(dict *cache, json_t *items, const char *kind, const char *api_version,
                           const struct informer_emit *e)
{
	struct informer_relist rl;
	int rc, calls;

	if (informer_relist_begin(&rl) < 0)
		return -ENOMEM;
	rc = calls = informer_relist_page(&rl, cache, items, kind, api_version, e);
	if (rc >= 0)
		rc = informer_relist_finish(&rl, cache, e);
	informer_relist_end(&rl);
	return rc < 0 ? rc : calls + rc;
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
