/*
 * store.c - in-memory current state, event window and watchers over a
 * durable backend log. See store.h for the contract.
 */
#include "store/store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dict.h"
#include "lib/log.h"
#include "store/store_int.h"

/* Events kept for watch resumption; older resourceVersions get 410 Gone.
 * Bounded by count and by the bytes the kept values pin. */
#define STORE_WINDOW       20000
#define STORE_WINDOW_BYTES (256u << 20)

struct store_sub {
	store_sub_fn *fn;
	void *data;
};

struct store_watch {
	struct store_watch *next;
	char *prefix;
	size_t prefix_len;
	int64_t last_rev; /* events at or below this were delivered */
	store_watch_fn *fn;
	void *data;
	int dead;
};

struct store_evrec {
	enum store_ev_type type;
	int64_t rev;
	char *key;
	store_val *val;
	store_val *prev;
};

struct store {
	void *be;
	const struct store_backend_ops *ops;
	dict *kinds; /* plural -> dict(key -> store_val*) */
	int64_t rev;
	int64_t committed_rev;
	int64_t compact_rev;
	int in_txn;
	/* Written but not yet committed events, in order. */
	struct store_evrec *pending;
	size_t npending, cappending;
	/* Committed events: a ring of STORE_WINDOW. */
	struct store_evrec *ring;
	size_t ring_head, ring_n;
	int64_t window_start; /* oldest rev a watcher may resume after */
	size_t ring_bytes;
	/* A write failed inside the batch: SQLite may have rolled it back on its
	 * own, so memory and disk no longer agree. Nothing more is accepted and
	 * the next commit fails, which reloads the state from disk. */
	int poisoned;
	struct store_sub subs[16];
	int nsubs;
	struct store_watch *watches;
	int dispatching;
};

void store_val_ref(store_val *v)
{
	if (v)
		v->refs++;
}

void store_val_unref(store_val *v)
{
	if (v && --v->refs == 0)
		free(v);
}

static store_val *store_val_new(const char *data, size_t len, int64_t rev, int64_t create_rev)
{
	store_val *v = malloc(sizeof(*v) + len + 1);

	if (!v)
		return NULL;
	v->refs = 1;
	v->rev = rev;
	v->create_rev = create_rev;
	v->len = len;
	memcpy(v->data, data, len);
	v->data[len] = '\0';
	return v;
}

int store_key(char *out, size_t outlen, const char *plural, const char *ns, const char *name)
{
	int n;

	if (ns && ns[0])
		n = snprintf(out, outlen, "/%s/%s/%s", plural, ns, name ? name : "");
	else
		n = snprintf(out, outlen, "/%s/%s", plural, name ? name : "");
	return n < 0 || (size_t)n >= outlen ? -ENAMETOOLONG : 0;
}

/* "/services/ns/x" -> the per-kind table for "services", created on demand. */
static dict *store_kind(store *s, const char *key, int create)
{
	char plural[64];
	const char *p = key + 1, *e = strchr(p, '/');
	size_t n;
	dict *d;

	if (key[0] != '/')
		return NULL;
	n = e ? (size_t)(e - p) : strlen(p);
	if (n == 0 || n >= sizeof(plural))
		return NULL;
	memcpy(plural, p, n);
	plural[n] = '\0';
	d = dict_get(s->kinds, plural);
	if (!d && create) {
		d = dict_new();
		if (!d)
			return NULL;
		if (dict_set(s->kinds, plural, d, NULL) < 0) {
			dict_free(d, NULL);
			return NULL;
		}
	}
	return d;
}

static void store_free_kind(void *d)
{
	dict_free(d, (void (*)(void *))store_val_unref);
}

static int store_load_row(void *ctx, const char *key, int64_t rev, int64_t create_rev,
                          const char *val, size_t len)
{
	store *s = ctx;
	dict *d = store_kind(s, key, 1);
	store_val *v, *old;

	if (!d)
		return -ENOMEM;
	v = store_val_new(val, len, rev, create_rev);
	if (!v)
		return -ENOMEM;
	if (dict_set(d, key, v, (void **)&old) < 0) {
		store_val_unref(v);
		return -ENOMEM;
	}
	store_val_unref(old);
	return 0;
}

static int store_load(store *s)
{
	int r;

	s->kinds = dict_new();
	if (!s->kinds)
		return -ENOMEM;
	r = s->ops->load(s->be, store_load_row, s, &s->rev, &s->compact_rev);
	if (r < 0)
		return r;
	/* After a start the window is empty: only "now" can be resumed. */
	s->window_start = s->rev + 1;
	s->committed_rev = s->rev;
	return 0;
}

int store_open_backend(store **out, void *be, const struct store_backend_ops *ops)
{
	store *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	s->be = be;
	s->ops = ops;
	s->ring = calloc(STORE_WINDOW, sizeof(*s->ring));
	if (!s->ring) {
		free(s);
		return -ENOMEM;
	}
	r = store_load(s);
	if (r < 0) {
		store_close(s);
		return r;
	}
	*out = s;
	return 0;
}

static void store_evrec_clear(struct store_evrec *e)
{
	free(e->key);
	store_val_unref(e->val);
	store_val_unref(e->prev);
	memset(e, 0, sizeof(*e));
}

static void store_drop_pending(store *s)
{
	for (size_t i = 0; i < s->npending; i++)
		store_evrec_clear(&s->pending[i]);
	s->npending = 0;
}

void store_close(store *s)
{
	if (!s)
		return;
	if (s->in_txn)
		s->ops->rollback(s->be);
	store_drop_pending(s);
	free(s->pending);
	for (size_t i = 0; i < STORE_WINDOW && s->ring; i++)
		store_evrec_clear(&s->ring[i]);
	free(s->ring);
	while (s->watches) {
		struct store_watch *w = s->watches;

		s->watches = w->next;
		free(w->prefix);
		free(w);
	}
	dict_free(s->kinds, store_free_kind);
	if (s->ops)
		s->ops->close(s->be);
	free(s);
}

int64_t store_rev(const store *s)
{
	return s->rev;
}

int64_t store_committed_rev(const store *s)
{
	return s->committed_rev;
}

int64_t store_compact_rev(const store *s)
{
	return s->compact_rev;
}

int64_t store_window_start(const store *s)
{
	return s->window_start;
}

int store_dirty(const store *s)
{
	return s->in_txn;
}

store_val *store_get(store *s, const char *key)
{
	dict *d = store_kind(s, key, 0);

	return d ? dict_get(d, key) : NULL;
}

static int store_pending_add(store *s, enum store_ev_type type, const char *key, store_val *val,
                             store_val *prev, const json_t *obj)
{
	struct store_evrec *e;
	store_event ev;

	if (s->npending == s->cappending) {
		size_t nc = s->cappending ? s->cappending * 2 : 64;
		struct store_evrec *p = realloc(s->pending, nc * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->pending = p;
		s->cappending = nc;
	}
	e = &s->pending[s->npending];
	e->key = strdup(key);
	if (!e->key)
		return -ENOMEM;
	e->type = type;
	e->rev = val->rev;
	e->val = val;
	e->prev = prev;
	store_val_ref(val);
	store_val_ref(prev);
	s->npending++;

	ev = (store_event){type, e->rev, e->key, val, prev, obj};
	for (int i = 0; i < s->nsubs; i++)
		s->subs[i].fn(&ev, s->subs[i].data);
	return 0;
}

static int store_begin(store *s)
{
	int r;

	if (s->in_txn)
		return 0;
	r = s->ops->begin(s->be);
	if (r < 0)
		return r;
	s->in_txn = 1;
	return 0;
}

/* Sets metadata.resourceVersion to rev (a string, as the API has it). */
static int store_stamp(json_t *obj, int64_t rev)
{
	json_t *md = json_object_get(obj, "metadata");
	char rv[32];

	if (!json_is_object(md)) {
		md = json_object();
		if (!md || json_object_set_new(obj, "metadata", md) < 0)
			return -ENOMEM;
	}
	snprintf(rv, sizeof(rv), "%" PRId64, rev);
	return json_object_set_new(md, "resourceVersion", json_string(rv)) < 0 ? -ENOMEM : 0;
}

int store_put(store *s, const char *key, json_t *obj, int create, int64_t expect_rev,
              store_val **out)
{
	dict *d = store_kind(s, key, 1);
	store_val *cur, *v, *old;
	int64_t rev = s->rev + 1, create_rev;
	char *text;
	size_t len;
	int r;

	if (!d)
		return -ENOMEM;
	if (s->poisoned)
		return -EIO;
	cur = dict_get(d, key);
	if (create && cur)
		return -EEXIST;
	if (!create && !cur)
		return -ENOENT;
	if (cur && expect_rev && cur->rev != expect_rev)
		return -EAGAIN;
	create_rev = cur ? cur->create_rev : rev;
	if (store_stamp(obj, rev) < 0)
		return -ENOMEM;
	text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!text)
		return -ENOMEM;
	len = strlen(text);
	v = store_val_new(text, len, rev, create_rev);
	free(text);
	if (!v)
		return -ENOMEM;
	r = store_begin(s);
	if (r == 0)
		r = s->ops->put(s->be, rev, key, cur == NULL, 0, create_rev, cur ? cur->rev : 0,
		                v->data, v->len);
	if (r < 0) {
		store_val_unref(v);
		return r;
	}
	/* The row is in the batch: from here on the memory state must follow. */
	if (dict_set(d, key, v, (void **)&old) < 0) {
		/* Cannot record it: poison the batch so it rolls back. */
		store_val_unref(v);
		s->ops->rollback(s->be);
		s->in_txn = 0;
		return -ENOMEM;
	}
	s->rev = rev;
	store_pending_add(s, cur ? STORE_MODIFIED : STORE_ADDED, key, v, old, obj);
	store_val_unref(old);
	if (out)
		*out = v;
	return 0;
}

int store_delete(store *s, const char *key, int64_t expect_rev, store_val **out)
{
	dict *d = store_kind(s, key, 0);
	store_val *cur, *v;
	int64_t rev = s->rev + 1;
	json_t *obj;
	char *text;
	int r;

	if (s->poisoned)
		return -EIO;
	cur = d ? dict_get(d, key) : NULL;
	if (!cur)
		return -ENOENT;
	if (expect_rev && cur->rev != expect_rev)
		return -EAGAIN;
	/* Watchers get the last state stamped with the delete's revision. */
	obj = json_loadb(cur->data, cur->len, 0, NULL);
	if (!obj)
		return -ENOMEM;
	if (store_stamp(obj, rev) < 0) {
		json_decref(obj);
		return -ENOMEM;
	}
	text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(obj);
	if (!text)
		return -ENOMEM;
	v = store_val_new(text, strlen(text), rev, cur->create_rev);
	free(text);
	if (!v)
		return -ENOMEM;
	r = store_begin(s);
	if (r == 0) {
		r = s->ops->put(s->be, rev, key, 0, 1, cur->create_rev, cur->rev, NULL, 0);
		if (r < 0)
			s->poisoned = 1;
	}
	if (r < 0) {
		store_val_unref(v);
		return r;
	}
	dict_del(d, key);
	s->rev = rev;
	store_pending_add(s, STORE_DELETED, key, v, cur, NULL);
	store_val_unref(cur);
	if (out)
		*out = v;
	store_val_unref(v); /* the pending event holds it until commit */
	return 0;
}

static void store_ring_push(store *s, struct store_evrec *e)
{
	size_t idx;

	while (s->ring_n && (s->ring_n == STORE_WINDOW || s->ring_bytes > STORE_WINDOW_BYTES)) {
		/* The oldest falls off; resuming at or before it is no longer possible. */
		struct store_evrec *old = &s->ring[s->ring_head];

		s->ring_bytes -= (old->val ? old->val->len : 0) + (old->prev ? old->prev->len : 0);
		store_evrec_clear(old);
		s->ring_head = (s->ring_head + 1) % STORE_WINDOW;
		s->ring_n--;
		s->window_start = s->ring_n ? s->ring[s->ring_head].rev : e->rev;
	}
	s->ring_bytes += (e->val ? e->val->len : 0) + (e->prev ? e->prev->len : 0);
	idx = (s->ring_head + s->ring_n) % STORE_WINDOW;
	s->ring[idx] = *e;
	s->ring_n++;
	if (s->ring_n == 1 && s->window_start > e->rev)
		s->window_start = e->rev;
	memset(e, 0, sizeof(*e));
}

static int store_watch_match(const struct store_watch *w, const struct store_evrec *e)
{
	return !w->dead && e->rev > w->last_rev && !strncmp(e->key, w->prefix, w->prefix_len);
}

static void store_watch_deliver(struct store_watch *w, const struct store_evrec *e)
{
	store_event ev = {e->type, e->rev, e->key, e->val, e->prev, NULL};

	w->last_rev = e->rev;
	w->fn(&ev, w->data);
}

static void store_watch_sweep(store *s)
{
	struct store_watch **pp = &s->watches;

	while (*pp) {
		struct store_watch *w = *pp;

		if (w->dead) {
			*pp = w->next;
			free(w->prefix);
			free(w);
		} else {
			pp = &w->next;
		}
	}
}

/* Called after a commit: events enter the window and reach the watchers. */
static void store_publish(store *s)
{
	s->dispatching = 1;
	for (size_t i = 0; i < s->npending; i++) {
		struct store_evrec *e = &s->pending[i];

		for (struct store_watch *w = s->watches; w; w = w->next)
			if (store_watch_match(w, e))
				store_watch_deliver(w, e);
		store_ring_push(s, e);
	}
	s->npending = 0;
	s->dispatching = 0;
	store_watch_sweep(s);
}

static int store_reload(store *s)
{
	s->poisoned = 0;
	store_drop_pending(s);
	dict_free(s->kinds, store_free_kind);
	s->kinds = NULL;
	return store_load(s);
}

int store_commit(store *s)
{
	int r;

	if (!s->in_txn && !s->poisoned)
		return 0;
	r = s->poisoned ? -EIO : s->ops->commit(s->be);
	s->in_txn = 0;
	if (r < 0) {
		log_error("store", "commit failed (%s): reloading state from %s", strerror(-r),
		          s->ops->name);
		s->ops->rollback(s->be);
		if (store_reload(s) < 0)
			log_error("store", "reload failed; state may be stale until restart");
		return r;
	}
	s->committed_rev = s->rev;
	store_publish(s);
	return 0;
}

static int store_cmp_key(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int store_list(store *s, const char *prefix, store_val ***vals, char ***keys, size_t *n)
{
	dict *d = store_kind(s, prefix, 0);
	size_t plen = strlen(prefix), cnt = 0, cap;
	char **ks;
	store_val **vs;
	dict_iter it;
	const char *k;
	void *v;

	*vals = NULL;
	*keys = NULL;
	*n = 0;
	if (!d)
		return 0;
	cap = dict_size(d) ? dict_size(d) : 1;
	ks = malloc(cap * sizeof(*ks));
	vs = malloc(cap * sizeof(*vs));
	if (!ks || !vs) {
		free(ks);
		free(vs);
		return -ENOMEM;
	}
	dict_iter_init(&it, d);
	while (dict_next(&it, &k, &v))
		if (!strncmp(k, prefix, plen))
			ks[cnt++] = (char *)k;
	qsort(ks, cnt, sizeof(*ks), store_cmp_key);
	for (size_t i = 0; i < cnt; i++)
		vs[i] = dict_get(d, ks[i]);
	*vals = vs;
	*keys = ks;
	*n = cnt;
	return 0;
}

int store_subscribe(store *s, store_sub_fn *fn, void *data)
{
	if (s->nsubs == (int)(sizeof(s->subs) / sizeof(s->subs[0])))
		return -ENOSPC;
	s->subs[s->nsubs++] = (struct store_sub){fn, data};
	return 0;
}

int store_watch_add(store *s, const char *prefix, int64_t from_rev, store_watch_fn *fn, void *data,
                    store_watch **out)
{
	struct store_watch *w;

	if (from_rev < s->window_start - 1)
		return -ERANGE; /* 410 Gone */
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->prefix = strdup(prefix);
	if (!w->prefix) {
		free(w);
		return -ENOMEM;
	}
	w->prefix_len = strlen(prefix);
	w->last_rev = from_rev;
	w->fn = fn;
	w->data = data;
	/* Replay the committed events it missed, then it is live. */
	for (size_t i = 0; i < s->ring_n; i++) {
		struct store_evrec *e = &s->ring[(s->ring_head + i) % STORE_WINDOW];

		if (store_watch_match(w, e))
			store_watch_deliver(w, e);
		if (w->dead)
			break;
	}
	w->next = s->watches;
	s->watches = w;
	if (out)
		*out = w;
	return 0;
}

void store_watch_del(store *s, store_watch *w)
{
	if (!w)
		return;
	w->dead = 1;
	if (!s->dispatching)
		store_watch_sweep(s);
}

int store_compact(store *s, int64_t keep)
{
	int64_t target = s->rev - keep;
	int r;

	if (target <= s->compact_rev)
		return 0;
	/* Only between batches: committing one here would bypass the caller's
	 * commit-then-answer order. The next tick tries again. */
	if (s->in_txn || s->poisoned)
		return -EBUSY;
	r = s->ops->compact(s->be, target);
	if (r == 0)
		s->compact_rev = target;
	return r;
}
