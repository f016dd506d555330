/*
 * informer.h - list+watch of one resource into a local cache, with
 * add/update/delete callbacks (client-go's reflector + store, in one piece).
 *
 * LIST, then WATCH from the list's resourceVersion with bookmarks; a watch
 * that ends (the server's timeoutSeconds, a dropped connection) resumes from
 * the last resourceVersion seen (an event's or a bookmark's). 410 Gone, as an
 * HTTP status or as an ERROR event with code 410, means that point fell out of
 * the server's window: the informer lists again and delivers only the
 * differences against its cache (adds, updates for changed resourceVersions,
 * deletes for vanished objects), so consumers never see a duplicate. Failures
 * back off exponentially with jitter (200 ms doubling to 30 s by default).
 * Only the standard Kubernetes list/watch protocol is used, so the same code
 * serves svcnet's server and kube-apiserver.
 *
 * Objects are jansson values owned by the cache; callbacks borrow them
 * (json_incref to keep one). They must be treated as read-only. List items
 * get the "kind" and "apiVersion" their list implies, so cached objects look
 * alike whether they came from a list or a watch.
 *
 * Callbacks run on the loop, after the cache already holds the new state. They
 * may read the cache and start other work, but must not free the informer.
 */
#ifndef SVCNET_INFORMER_H
#define SVCNET_INFORMER_H

#include <jansson.h>
#include <stddef.h>

#include "client/httpc.h"
#include "lib/dict.h"
#include "lib/ev.h"

typedef struct informer informer;

struct informer_callbacks {
	void (*on_add)(informer *inf, json_t *obj, void *data);
	void (*on_update)(informer *inf, json_t *old_obj, json_t *new_obj, void *data);
	/* obj is the watch event's final state, or the cached object when a
	 * re-list found it gone. */
	void (*on_delete)(informer *inf, json_t *obj, void *data);
	/* After every applied LIST (the first sets has_synced). */
	void (*on_synced)(informer *inf, void *data);
};

/* Zero fields keep their defaults. */
struct informer_tuning {
	int watch_timeout_s;    /* timeoutSeconds of each watch; default random 300..599 */
	int backoff_initial_ms; /* 200 */
	int backoff_max_ms;     /* 30000 */
	int list_timeout_ms;    /* 60000 */
	size_t max_list_bytes;  /* 1 GiB */
	size_t max_event_bytes; /* 16 MiB: one watch event line */
	/* 1: keep only namespace, name and resourceVersion of each object, for
	 * consumers that hold what they need themselves (the proxy, DNS): the
	 * cache then costs a few hundred bytes per object instead of the whole
	 * JSON tree. on_update's old_obj, informer_get/iter and the on_delete of
	 * an object found gone by a re-list then see that stub. */
	int stub_cache;
};

struct informer_stats {
	unsigned long lists;   /* LISTs applied */
	unsigned long watches; /* WATCH requests started */
	unsigned long gone;    /* 410s seen */
	unsigned long errors;  /* failed requests (each one backed off) */
	unsigned long events;  /* watch events applied, bookmarks excluded */
};

typedef struct informer_iter {
	dict_iter it;
} informer_iter;

/*
 * api_prefix is "/api/v1" or "/apis/<group>/<version>"; resource the plural
 * ("services"); ns NULL or "" for all namespaces (and for cluster-scoped
 * resources); selectors NULL or "" for none. Strings are copied. The
 * informer does nothing until informer_start. 0, -EINVAL, -ENOMEM.
 */
int informer_new(ev_loop *l, httpc *c, const char *api_prefix, const char *resource, const char *ns,
                 const char *label_selector, const char *field_selector,
                 const struct informer_callbacks *cb, void *data, informer **out);
void informer_set_tuning(informer *inf, const struct informer_tuning *t);
/* Starts the first LIST (from the loop, never inside this call). 0 or -ENOMEM. */
int informer_start(informer *inf);
/* Cancels everything; no callback runs afterwards. Not from a callback. NULL-safe. */
void informer_free(informer *inf);

/* The cached object, borrowed; NULL when absent. ns NULL or "" for cluster-scoped. */
json_t *informer_get(const informer *inf, const char *ns, const char *name);
size_t informer_size(const informer *inf);
/* 1 once the first LIST was applied. */
int informer_has_synced(const informer *inf);
/* The resourceVersion the next watch starts from ("" before the first LIST). */
const char *informer_resource_version(const informer *inf);
const char *informer_resource(const informer *inf);
void informer_get_stats(const informer *inf, struct informer_stats *st);

/* Iterates the cache in no particular order; do not let the loop run (or
 * the cache change) in between. */
void informer_iter_init(informer_iter *it, const informer *inf);
/* 1 and *obj (borrowed) while objects remain, then 0. */
int informer_iter_next(informer_iter *it, json_t **obj);

#endif
