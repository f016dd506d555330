/*
 * informer_int.h - the informer's pure parts (no sockets), shared by
 * informer.c and the unit tests: watch stream line splitting, event
 * decoding, and applying events and re-lists to the cache.
 */
#ifndef SVCNET_INFORMER_INT_H
#define SVCNET_INFORMER_INT_H

#include <jansson.h>
#include <stddef.h>

#include "client/informer.h"
#include "lib/buf.h"
#include "lib/dict.h"

/* "namespace/name" or "name": namespace (63) + '/' + name (253) + NUL. */
#define INFORMER_KEY_MAX 320
/* Longest resourceVersion kept (etcd's are 64-bit decimals), and continue
 * token (kube-apiserver's are base64 JSON of about 100 bytes). */
#define INFORMER_RV_MAX       64
#define INFORMER_CONTINUE_MAX 4096

enum informer_ev_type {
	INFORMER_EV_ADDED,
	INFORMER_EV_MODIFIED,
	INFORMER_EV_DELETED,
	INFORMER_EV_BOOKMARK,
	INFORMER_EV_ERROR,
};

/* Where cache changes are reported. */
struct informer_emit {
	const struct informer_callbacks *cb;
	informer *inf;
	void *data;
	/* Cache only the resourceVersion of each object, as a JSON string
	 * (informer_tuning.stub_cache); callbacks still get the whole new
	 * object, but old_obj and re-list deletes see a stub object made for
	 * the call: {metadata: {namespace, name, resourceVersion}}. */
	int stub;
};

/*
 * Calls fn for each complete line of b (terminated by '\n'; a '\r' before it
 * is dropped; empty lines skipped) and consumes it; a partial last line stays
 * in b. Stops at the first nonzero return of fn and returns it, else 0.
 */
int informer_split_lines(buf *b, int (*fn)(const char *line, size_t len, void *arg), void *arg);

/*
 * Decodes one watch event line {"type":..., "object":{...}}. *obj is a new
 * reference (the Status for ERROR, whose "code" goes to *code, else 0).
 * 0, or -EINVAL for anything malformed or of an unknown type.
 */
int informer_parse_event(const char *line, size_t len, int *type, json_t **obj, int *code);

/* The cache key of obj: 0, or -EINVAL without a usable metadata.name. */
int informer_obj_key(json_t *obj, char *key, size_t keylen);
/* metadata.resourceVersion, or NULL. */
const char *informer_obj_rv(json_t *obj);

/*
 * Applies a watch event (ADDED, MODIFIED, DELETED) to cache, whose values are
 * owned json_t references. Adds of known objects with a new resourceVersion
 * become updates, updates of unknown ones adds; an add or update with the
 * cached resourceVersion and a delete of an unknown key change nothing.
 * Returns 1 if a callback ran, 0 if nothing changed, -EINVAL (no key),
 * -ENOMEM.
 */
int informer_cache_event(dict *cache, int type, json_t *obj, const struct informer_emit *e);

/* One page of a LIST response (the whole list when unpaginated). */
struct informer_page {
	json_t *doc;             /* owns what the pointers below point into */
	json_t *items;           /* an array, or NULL ("items": null or absent) */
	const char *rv;          /* metadata.resourceVersion, non-empty */
	const char *cont;        /* metadata.continue, NULL on the last page */
	const char *api_version; /* the list's, or NULL */
	char kind[128];          /* the items' kind ("Service" of "ServiceList"), or "" */
};

/* Parses a LIST body. 0, or -EPROTO for anything malformed (no
 * resourceVersion, items not an array, a key past the limits above). */
int informer_page_parse(const char *body, size_t len, struct informer_page *pg);
void informer_page_free(struct informer_page *pg);

/*
 * A re-list, one page at a time: each page's items are put into the cache
 * at once (adds, updates for changed resourceVersions; items without a name
 * or resourceVersion are skipped, later duplicates win, kind and apiVersion
 * are set on items that lack them), and the keys are remembered, so that
 * finish can delete what the whole list did not name. Only one page of
 * parsed JSON is ever alive, and callbacks see only the differences.
 */
struct informer_relist {
	dict *seen; /* keys listed so far */
};

int informer_relist_begin(struct informer_relist *rl); /* 0 or -ENOMEM */
/* The number of callbacks run, or -ENOMEM (the cache is then partly
 * updated; listing again completes it). */
int informer_relist_page(struct informer_relist *rl, dict *cache, json_t *items, const char *kind,
                         const char *api_version, const struct informer_emit *e);
/* Deletes (with on_delete) what no page named: the callbacks run, or -ENOMEM. */
int informer_relist_finish(struct informer_relist *rl, dict *cache, const struct informer_emit *e);
/* NULL-safe, and safe to repeat. */
void informer_relist_end(struct informer_relist *rl);

/* begin + one page + finish + end: makes cache equal to the list items (a
 * JSON array). The number of callbacks run, or -ENOMEM. */
int informer_cache_replace(dict *cache, json_t *items, const char *kind, const char *api_version,
                           const struct informer_emit *e);

/* Frees a cache and its references. NULL-safe. */
void informer_cache_free(dict *cache);

#endif
