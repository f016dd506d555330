/*
 * store.h - the object store: a revisioned key/value log with watches.
 *
 * Every write gets the next revision, which becomes the object's
 * metadata.resourceVersion. Current objects live in memory (reads, lists and
 * watches never touch the disk); writes go to a backend (SQLite by default)
 * inside a batch that store_commit() makes durable. The server calls
 * store_commit() once per event-loop iteration, before any response leaves:
 * many concurrent writes share one fsync (group commit), and no client hears
 * 2xx for a write that is not on disk.
 *
 * Keys: "/<plural>/<namespace>/<name>" or "/<plural>/<name>" (cluster-scoped).
 *
 * Threading: none. Everything runs on the server's event loop.
 */
#ifndef SVCNET_STORE_H
#define SVCNET_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct store store;

/* An immutable, reference-counted serialized object (compact JSON). */
typedef struct store_val {
	int refs;
	int64_t rev;        /* mod revision */
	int64_t create_rev; /* revision that created the key */
	size_t len;
	char data[]; /* NUL-terminated JSON text */
} store_val;

enum store_ev_type { STORE_ADDED = 0, STORE_MODIFIED = 1, STORE_DELETED = 2 };

typedef struct store_event {
	enum store_ev_type type;
	int64_t rev;
	const char *key;
	store_val *val;  /* the object after the event (for DELETED: last state, new rev) */
	store_val *prev; /* the object before (NULL for ADDED) */
	/* The object just written, parsed (NULL for DELETED and for watchers):
	 * synchronous subscribers read it instead of parsing val again. */
	const json_t *obj;
} store_event;

/* Called synchronously on every write (controllers use it to mark work). */
typedef void store_sub_fn(const store_event *ev, void *data);

/* Backend operations (sqlite.c; etcd later). Rows are the log. */
struct store_backend_ops {
	const char *name;
	int (*load)(void *be,
	            int (*row)(void *ctx, const char *key, int64_t rev, int64_t create_rev,
	                       const char *val, size_t len),
	            void *ctx, int64_t *max_rev, int64_t *compact_rev);
	int (*begin)(void *be);
	int (*put)(void *be, int64_t rev, const char *key, int created, int deleted,
	           int64_t create_rev, int64_t prev_rev, const char *val, size_t len);
	int (*commit)(void *be);
	void (*rollback)(void *be);
	/* Drops history older than rev (keeping every key's latest live row). */
	int (*compact)(void *be, int64_t rev);
	void (*close)(void *be);
};

/* Opens DIR/state.db (creating it) and loads the current objects. */
int store_open_sqlite(store **out, const char *path);
void store_close(store *s);

int64_t store_rev(const store *s);
/* The newest revision that is on disk (store_rev may be ahead within a batch). */
int64_t store_committed_rev(const store *s);
int64_t store_compact_rev(const store *s);
/* Oldest revision a watch can resume from; older gets 410 Gone. */
int64_t store_window_start(const store *s);

/* Current value of key, or NULL. The pointer is valid until the next write to key. */
store_val *store_get(store *s, const char *key);

/*
 * Writes obj at key, stamping metadata.resourceVersion with the new revision.
 * expect_rev: 0 = unconditional; otherwise the key's current revision must
 * match (-EAGAIN "Conflict" if not). create: the key must not exist (-EEXIST);
 * otherwise it must exist (-ENOENT). Returns 0 and the new value in *out
 * (borrowed; valid until the next write to key).
 */
int store_put(store *s, const char *key, json_t *obj, int create, int64_t expect_rev,
              store_val **out);
/* Deletes key (expect_rev as above). *out gets the final state (borrowed until commit). */
int store_delete(store *s, const char *key, int64_t expect_rev, store_val **out);

/*
 * Makes the current batch durable and publishes its events to watchers.
 * Returns 0, or <0 when the batch was lost: the store then reloads itself from
 * the backend, and the caller must fail every request answered in the batch.
 */
int store_commit(store *s);
/* True while a batch has uncommitted writes. */
int store_dirty(const store *s);

/* Collects the current values whose key starts with prefix, sorted by key. */
int store_list(store *s, const char *prefix, store_val ***vals, char ***keys, size_t *n);

/* Internal, synchronous subscribers (controllers). */
int store_subscribe(store *s, store_sub_fn *fn, void *data);

/*
 * Watchers: events are delivered after commit, in revision order. A watcher
 * registered with from_rev receives every event with rev > from_rev that is
 * still in the window (replayed at once), then live ones.
 */
typedef struct store_watch store_watch;
typedef void store_watch_fn(const store_event *ev, void *data);
int store_watch_add(store *s, const char *prefix, int64_t from_rev, store_watch_fn *fn, void *data,
                    store_watch **out);
void store_watch_del(store *s, store_watch *w);

/* Runs compaction of history older than keep revisions back. */
int store_compact(store *s, int64_t keep);

void store_val_ref(store_val *v);
void store_val_unref(store_val *v);

/* Builds a key: "/plural/ns/name" or "/plural/name" (ns NULL or ""). */
int store_key(char *out, size_t outlen, const char *plural, const char *ns, const char *name);

#endif
