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
 * A LIST is read in pages (limit=500 and continue, as client-go's pager), each
 * applied as it comes, so only one page of JSON is parsed at a time; a
 * re-list's adds and updates thus arrive page by page (the loop may run in
 * between), its deletes after the last page, then on_synced. A continue
 * token that expires (410) starts the list over; a second time, without
 * pages. Only the standard Kubernetes list/watch protocol is used, so the
 * same code serves svcnet's server and kube-apiserver.
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
	size_t max_list_bytes;  /* 1 GiB: one LIST response (a page) */
	/* Items per LIST page (limit=, with continue), as client-go's pager:
	 * only one page of JSON is parsed at a time. Default 500; -1: one
	 * unpaginated LIST. */
	int list_page_size;
	size_t max_event_bytes; /* 16 MiB: one watch event line */
	/* 1: keep only the resourceVersion of each object, for consumers that
	 * hold what they need themselves (the proxy): the cache then costs
	 * about 150 bytes per object instead of the whole JSON tree.
	 * informer_get/iter then return that resourceVersion as a JSON string;
	 * on_update's old_obj and the on_delete of an object found gone by a
	 * re-list get a stub made for the call, {"metadata": {"namespace",
	 * "name", "resourceVersion"}}. */
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
