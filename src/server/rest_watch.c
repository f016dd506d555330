/*
 * rest_watch.c - watch streams: chunked JSON events, one per line.
 *
 *   {"type":"ADDED","object":{...}}
 *
 * resourceVersion "" or "0": synthetic ADDED events for the current state,
 * then live events. resourceVersion N: every event after N, replayed from the
 * store's window; older than the window -> an ERROR event with a 410 Status,
 * as kube-apiserver's watch cache answers, so clients re-list.
 * With selectors, an object that starts or stops matching is seen as ADDED or
 * DELETED, as the real server does.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/selector.h"
#include "lib/log.h"
#include "server/rest.h"
#include "server/table.h"

#define WATCH_BOOKMARK_MS 30000

struct rest_watcher {
	struct apiserver *as;
	http_conn *c;
	store_watch *w;
	const struct api_resource *res;
	sel *ls, *fs;
	ev_timer *timeout;
	ev_timer *bookmark;
	char apiv[64];
	int table;   /* kubectl get -w: each object becomes a one-row Table */
	int include; /* enum table_include */
	int sent_columns;
};

static const char *const watch_types[] = {"ADDED", "MODIFIED", "DELETED"};

/* The object as a Table with one row; column definitions only the first time. */
static char *watch_as_table(struct rest_watcher *w, const char *obj, size_t len)
{
	json_t *o = json_loadb(obj, len, 0, NULL), *items = json_array(), *t;
	const char *rv =
	    json_string_value(json_object_get(json_object_get(o, "metadata"), "resourceVersion"));
	char *s = NULL;

	if (o && items && json_array_append_new(items, o) == 0) {
		o = NULL;
		t = table_build(w->res->id, items, (enum table_include)w->include, rv, NULL,
		                time(NULL));
		if (t) {
			if (w->sent_columns)
				table_drop_columns(t);
			w->sent_columns = 1;
			s = json_dumps(t, JSON_COMPACT | JSON_PRESERVE_ORDER);
			json_decref(t);
		}
	}
	json_decref(o);
	json_decref(items);
	return s;
}

static void watch_send_raw(struct rest_watcher *w, const char *type, const char *obj, size_t len)
{
	buf b = BUF_INIT;

	if (buf_printf(&b, "{\"type\":\"%s\",\"object\":", type) == 0 &&
	    buf_append(&b, obj, len) == 0 && buf_puts(&b, "}\n") == 0)
		http_stream_write(w->c, b.data, b.len);
	buf_free(&b);
}

static void watch_send(struct rest_watcher *w, const char *type, const char *obj, size_t len)
{
	char *t;

	if (!w->table || !strcmp(type, "BOOKMARK") || !strcmp(type, "ERROR")) {
		watch_send_raw(w, type, obj, len);
		return;
	}
	t = watch_as_table(w, obj, len);
	if (t)
		watch_send_raw(w, type, t, strlen(t));
	free(t);
}

static int watch_match(struct rest_watcher *w, const store_val *v)
{
	json_t *o;
	int m;

	if (!v)
		return 0;
	if (!w->ls && !w->fs)
		return 1;
	o = rest_load(v);
	m = o && rest_matches(w->res, w->ls, w->fs, o);
	json_decref(o);
	return m;
}

static void watch_event(const store_event *ev, void *data)
{
	struct rest_watcher *w = data;
	const char *type = watch_types[ev->type];

	if (w->ls || w->fs) {
		int now = ev->type != STORE_DELETED && watch_match(w, ev->val);
		int before = ev->type != STORE_ADDED && watch_match(w, ev->prev);

		if (ev->type == STORE_DELETED)
			now = 0;
		if (!now && !before)
			return;
		if (now && !before)
			type = "ADDED";
		else if (!now && before)
			type = "DELETED";
	}
	watch_send(w, type, ev->val->data, ev->val->len);
}

static void watch_close(http_conn *c, void *data)
{
	struct rest_watcher *w = data;

	store_watch_del(w->as->st, w->w);
	ev_timer_del(w->as->loop, w->timeout);
	ev_timer_del(w->as->loop, w->bookmark);
	sel_free(w->ls);
	sel_free(w->fs);
	free(w);
}

static long long watch_timeout(ev_loop *l, ev_timer *t, void *data)
{
	struct rest_watcher *w = data;

	w->timeout = NULL;
	http_stream_end(w->c);
	return EV_TIMER_STOP;
}

static long long watch_bookmark(ev_loop *l, ev_timer *t, void *data)
{
	struct rest_watcher *w = data;
	char obj[256];
	int n;

	n = snprintf(
	    obj, sizeof(obj),
	    "{\"kind\":\"%s\",\"apiVersion\":\"%s\",\"metadata\":{\"resourceVersion\":\"%" PRId64
	    "\"}}",
	    w->res->kind, w->apiv, store_committed_rev(w->as->st));
	watch_send(w, "BOOKMARK", obj, (size_t)n);
	return WATCH_BOOKMARK_MS;
}

/* The 410 answer, inside the stream as the watch cache gives it. */
static void watch_gone(struct rest_watcher *w, int64_t rv)
{
	char obj[512];
	int n;

	n = snprintf(obj, sizeof(obj),
	             "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":"
	             "\"Failure\",\"message\":\"too old resource version: %" PRId64 " (%" PRId64
	             ")\",\"reason\":\"Expired\",\"code\":410}",
	             rv, store_window_start(w->as->st) - 1);
	watch_send(w, "ERROR", obj, (size_t)n);
	http_stream_end(w->c);
}

static int watch_initial(struct rest_watcher *w, const char *prefix)
{
	store_val **vals;
	char **keys;
	size_t n;

	if (store_list(w->as->st, prefix, &vals, &keys, &n) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (watch_match(w, vals[i]))
			watch_send(w, "ADDED", vals[i]->data, vals[i]->len);
	free(vals);
	free(keys);
	return 0;
}

void rest_watch(struct rest_req *r)
{
	const char *rvs = rest_param(r, "resourceVersion");
	const char *tos = rest_param(r, "timeoutSeconds");
	char prefix[300];
	struct rest_watcher *w;
	long long timeout_s;
	int64_t from;
	int rc;

	if (rest_list_prefix(r, prefix, sizeof(prefix)) < 0) {
		rest_errorf(r, 400, "BadRequest", "invalid namespace");
		return;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		rest_internal(r, -ENOMEM);
		return;
	}
	w->as = r->as;
	w->c = r->c;
	w->res = r->res;
	api_resource_apiversion(r->res, w->apiv, sizeof(w->apiv));
	w->table = rest_wants_table(r);
	w->include = rest_include_object(r);
	if (rest_selectors(r, &w->ls, &w->fs) < 0) {
		free(w);
		return;
	}
	if (rvs && rvs[0] && strcmp(rvs, "0") != 0) {
		char *end;

		from = strtoll(rvs, &end, 10);
		if (*end || from < 0) {
			watch_close(NULL, w);
			rest_errorf(r, 400, "BadRequest", "invalid resourceVersion: %s", rvs);
			return;
		}
	} else {
		from = -1;
	}
	timeout_s = tos ? strtoll(tos, NULL, 10) : 0;
	if (timeout_s <= 0)
		timeout_s = 1800 + rand() % 1800; /* like --min-request-timeout */
	if (timeout_s > 86400)
		timeout_s = 86400; /* and no overflow in the ms below */
	http_stream_start(r->c, 200, "application/json");
	http_conn_on_close(r->c, watch_close, w);
	if (from < 0) {
		if (watch_initial(w, prefix) < 0) {
			http_stream_end(r->c);
			return;
		}
		from = store_rev(r->as->st);
	}
	rc = store_watch_add(r->as->st, prefix, from, watch_event, w, &w->w);
	if (rc == -ERANGE) {
		watch_gone(w, from);
		return;
	}
	if (rc < 0) {
		http_stream_end(r->c);
		return;
	}
	w->timeout = ev_timer_add(r->as->loop, timeout_s * 1000, watch_timeout, w);
	if (rest_param_bool(r, "allowWatchBookmarks"))
		w->bookmark = ev_timer_add(r->as->loop, WATCH_BOOKMARK_MS, watch_bookmark, w);
}
