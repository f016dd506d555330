/*
 * informer.c - the list/watch state machine.
 *
 *   start ─▶ LIST ──ok──▶ WATCH(rv) ──ends cleanly──▶ WATCH(last rv)
 *             ▲  │fail       │ 410 (status or ERROR event) ─▶ LIST at once
 *             │  ▼           │ other ERROR event / bad status ─▶ back off, LIST
 *           back off ◀───────┘ connection lost ─▶ back off, WATCH(last rv)
 *
 * A LIST is read in pages (limit=500 and continue, as client-go's pager
 * does), each applied to the cache as it comes, so only one page of JSON is
 * ever parsed: at 10,000 EndpointSlices one unpaginated list cost the proxy
 * 270 MB of transient jansson trees, and a heap that glibc could not give
 * back. A continue token that expires (410) starts the list over.
 *
 * At most one request is in flight and at most one timer pending. Every
 * next step is taken from a timer or an httpc callback, never recursively
 * from inside informer_start.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/informer_int.h"
#include "lib/log.h"
#include "lib/url.h"

#define INF_BACKOFF_INITIAL_MS 200
#define INF_BACKOFF_MAX_MS     30000
#define INF_LIST_TIMEOUT_MS    60000
#define INF_MAX_LIST_BYTES     ((size_t)1 << 30)
#define INF_LIST_PAGE_SIZE     500 /* client-go's pager and reflector */
#define INF_MAX_EVENT_BYTES    ((size_t)16 << 20)
#define INF_WATCH_GRACE_S      30 /* past timeoutSeconds before we give up on a silent watch */
#define INF_HEALTHY_WATCH_MS   10000

enum { INF_LIST, INF_WATCH };
enum { WATCH_LINE_OK = 0, WATCH_LINE_GONE = 1, WATCH_LINE_ERROR = 2, WATCH_LINE_BAD = 3 };

struct informer {
	ev_loop *loop;
	httpc *cl;
	char *resource;
	char *path;  /* "/api/v1/namespaces/ns/services" */
	char *query; /* "&labelSelector=..." or "" */
	struct informer_callbacks cb;
	void *data;
	struct informer_tuning t;
	dict *cache;
	char rv[INFORMER_RV_MAX];
	int synced;
	httpc_req *req;
	ev_timer *timer;
	int next;
	int backoff_ms;
	int gone_streak;
	uint64_t watch_started;
	unsigned long watch_events;
	int watch_status;
	struct informer_stats st;
	/* A LIST in progress, page by page. */
	char *cont;                    /* the next page's continue token, or NULL */
	char list_rv[INFORMER_RV_MAX]; /* the first page's resourceVersion */
	struct informer_relist rl;     /* the keys listed so far */
	unsigned pages;                /* pages applied */
	int expired;                   /* continue tokens expired in a row */
};

static void informer_list(informer *inf);
static void informer_watch(informer *inf);

static long long informer_fire(ev_loop *l, ev_timer *t, void *data)
{
	informer *inf = data;

	inf->timer = NULL;
	if (inf->next == INF_LIST)
		informer_list(inf);
	else
		informer_watch(inf);
	return EV_TIMER_STOP;
}

static void informer_schedule(informer *inf, int what, int delay_ms)
{
	ev_timer_del(inf->loop, inf->timer);
	inf->next = what;
	inf->timer = ev_timer_add(inf->loop, delay_ms, informer_fire, inf);
	if (!inf->timer) /* out of memory: nothing to do but try again later */
		log_error("informer", "%s: cannot schedule (out of memory)", inf->resource);
}

/* Backs off before doing `what` again; the delay doubles up to the maximum,
 * with +-20% jitter so that many clients do not return in step. */
static void informer_backoff(informer *inf, int what, const char *why)
{
	int d = inf->backoff_ms;

	d = d - d / 5 + (int)(random() % (2 * (d / 5) + 1));
	inf->st.errors++;
	log_warn("informer", "%s: %s; %s again in %d ms", inf->resource, why,
	         what == INF_LIST ? "listing" : "watching", d);
	inf->backoff_ms = inf->backoff_ms * 2 > inf->t.backoff_max_ms ? inf->t.backoff_max_ms
	                                                              : inf->backoff_ms * 2;
	informer_schedule(inf, what, d);
}

static void informer_backoff_reset(informer *inf)
{
	inf->backoff_ms = inf->t.backoff_initial_ms;
}

static const char *informer_why(int err, char *b, size_t n)
{
	snprintf(b, n, "%s", strerror(-err));
	return b;
}

/* A short excerpt of an error response for the log. */
static void informer_log_status(informer *inf, const char *what, http_response *resp)
{
	json_t *st = json_loadb(buf_head(&resp->body), buf_avail(&resp->body), 0, NULL);
	const char *msg = json_string_value(json_object_get(st, "message"));

	log_warn("informer", "%s: %s answered %d%s%s", inf->resource, what, resp->status,
	         msg ? ": " : "", msg ? msg : "");
	json_decref(st);
}

/* --- LIST ------------------------------------------------------------------ */

/* Forgets a listing in progress (its pages already applied stay applied:
 * they were the server's state; the next listing's finish deletes what
 * it no longer names). */
static void informer_list_reset(informer *inf)
{
	free(inf->cont);
	inf->cont = NULL;
	informer_relist_end(&inf->rl);
	inf->pages = 0;
}

/* Applies one page; sets inf->cont when another one follows. */
static int informer_apply_page(informer *inf, http_response *resp)
{
	struct informer_emit e = {&inf->cb, inf, inf->data, inf->t.stub_cache};
	struct informer_page pg;
	int rc;

	rc = informer_page_parse(buf_head(&resp->body), buf_avail(&resp->body), &pg);
	if (rc < 0)
		return rc;
	/* The watch starts from the first page's resourceVersion: later pages of
	 * kube-apiserver carry the same one (a snapshot); svcnet's server answers
	 * each page from its current state, and a watch from the first page's
	 * version replays whatever changed meanwhile, also in the pages read. */
	if (!inf->pages) {
		snprintf(inf->list_rv, sizeof(inf->list_rv), "%s", pg.rv);
		rc = informer_relist_begin(&inf->rl);
	}
	if (rc == 0 && pg.items)
		rc = informer_relist_page(&inf->rl, inf->cache, pg.items,
		                          pg.kind[0] ? pg.kind : NULL, pg.api_version, &e);
	free(inf->cont);
	inf->cont = NULL;
	if (rc >= 0 && pg.cont && !(inf->cont = strdup(pg.cont)))
		rc = -ENOMEM;
	inf->pages++;
	informer_page_free(&pg);
	return rc < 0 ? rc : 0;
}

/* The last page is in: delete what the list did not name, watch. */
static int informer_list_finish(informer *inf)
{
	struct informer_emit e = {&inf->cb, inf, inf->data, inf->t.stub_cache};
	int rc = informer_relist_finish(&inf->rl, inf->cache, &e);
	unsigned pages = inf->pages;

	informer_list_reset(inf);
	if (rc < 0)
		return rc;
	snprintf(inf->rv, sizeof(inf->rv), "%s", inf->list_rv);
	inf->synced = 1;
	inf->st.lists++;
	inf->expired = 0;
	informer_backoff_reset(inf);
	log_debug("informer", "%s: listed %zu in %u page%s at resourceVersion %s", inf->resource,
	          dict_size(inf->cache), pages, pages == 1 ? "" : "s", inf->rv);
	return 0;
}

static void list_done(httpc_req *r, int err, http_response *resp, void *data)
{
	informer *inf = data;
	char why[128];
	int rc;

	inf->req = NULL;
	if (err) {
		informer_list_reset(inf);
		informer_backoff(inf, INF_LIST, informer_why(err, why, sizeof(why)));
		return;
	}
	if (resp->status == 410 && inf->cont) {
		/* kube-apiserver's continue tokens expire with the compaction of
		 * their resourceVersion (about 5 minutes). List again from the
		 * start; if that expires as well, without pages, as client-go's
		 * pager does (FullListIfExpired): that cannot expire. */
		inf->st.gone++;
		log_info("informer", "%s: continue token expired after %u pages; listing again%s",
		         inf->resource, inf->pages, inf->expired ? " without pages" : "");
		informer_list_reset(inf);
		inf->expired++;
		informer_schedule(inf, INF_LIST, 0);
		return;
	}
	if (resp->status != 200) {
		informer_log_status(inf, "list", resp);
		snprintf(why, sizeof(why), "list failed with status %d", resp->status);
		informer_list_reset(inf);
		informer_backoff(inf, INF_LIST, why);
		return;
	}
	rc = informer_apply_page(inf, resp);
	if (rc == 0 && inf->cont) {
		informer_list(inf); /* the next page */
		return;
	}
	if (rc == 0)
		rc = informer_list_finish(inf);
	if (rc < 0) {
		informer_list_reset(inf);
		informer_backoff(inf, INF_LIST,
		                 rc == -EPROTO ? "malformed list" : "out of memory applying list");
		return;
	}
	if (inf->cb.on_synced)
		inf->cb.on_synced(inf, inf->data);
	informer_watch(inf);
}

/* One LIST request: the first page, the next (inf->cont), or, after
 * continue tokens expired twice, the whole list at once. A server that
 * ignores limit answers with the whole list and no continue token. */
static void informer_list(informer *inf)
{
	struct httpc_req_opts o = {0};
	buf p = BUF_INIT, q = BUF_INIT;
	int limit = inf->expired >= 2 ? 0 : inf->t.list_page_size, rc = 0;

	/* q: "&limit=..&continue=..&labelSelector=..", each part optional. */
	if (limit > 0 && buf_printf(&q, "&limit=%d", limit) < 0)
		rc = -ENOMEM;
	if (rc == 0 && inf->cont &&
	    (buf_puts(&q, "&continue=") < 0 || url_encode(inf->cont, &q) < 0))
		rc = -ENOMEM;
	if (rc == 0 &&
	    (buf_puts(&q, inf->query) < 0 || buf_cstr(&q) < 0 || buf_puts(&p, inf->path) < 0 ||
	     (q.data[0] && buf_printf(&p, "?%s", q.data + 1) < 0) || buf_cstr(&p) < 0))
		rc = -ENOMEM;
	buf_free(&q);
	if (rc < 0) {
		buf_free(&p);
		informer_list_reset(inf);
		informer_backoff(inf, INF_LIST, "out of memory");
		return;
	}
	o.method = "GET";
	o.path = p.data;
	o.timeout_ms = inf->t.list_timeout_ms;
	o.max_body = inf->t.max_list_bytes;
	o.on_done = list_done;
	o.data = inf;
	rc = httpc_request(inf->cl, &o, &inf->req);
	buf_free(&p);
	if (rc < 0) {
		informer_list_reset(inf);
		informer_backoff(inf, INF_LIST, "cannot start list");
	}
}

/* --- WATCH ----------------------------------------------------------------- */

static int watch_line(const char *line, size_t len, void *arg)
{
	informer *inf = arg;
	struct informer_emit e = {&inf->cb, inf, inf->data, inf->t.stub_cache};
	json_t *obj;
	const char *rv;
	int type, code, rc = WATCH_LINE_OK;

	if (informer_parse_event(line, len, &type, &obj, &code) < 0) {
		log_warn("informer", "%s: malformed watch event", inf->resource);
		return WATCH_LINE_BAD;
	}
	if (type == INFORMER_EV_ERROR) {
		const char *msg = json_string_value(json_object_get(obj, "message"));

		if (code == 410) {
			rc = WATCH_LINE_GONE;
			log_info("informer", "%s: watch expired (%s); re-listing", inf->resource,
			         msg ? msg : "410");
		} else {
			rc = WATCH_LINE_ERROR;
			log_warn("informer", "%s: watch error %d: %s", inf->resource, code,
			         msg ? msg : "");
		}
		json_decref(obj);
		return rc;
	}
	rv = informer_obj_rv(obj);
	if (type != INFORMER_EV_BOOKMARK) {
		int r = informer_cache_event(inf->cache, type, obj, &e);

		if (r == -ENOMEM) {
			json_decref(obj);
			return WATCH_LINE_ERROR; /* re-list later: the event is lost */
		}
		inf->watch_events++;
		inf->st.events++;
		inf->gone_streak = 0;
	}
	if (rv && rv[0] && strlen(rv) < sizeof(inf->rv))
		snprintf(inf->rv, sizeof(inf->rv), "%s", rv);
	json_decref(obj);
	return WATCH_LINE_OK;
}

/* A watch ended in 410: list at once, but not in a tight loop when the
 * server keeps refusing the resourceVersion its own list gave. */
static void informer_gone(informer *inf)
{
	inf->st.gone++;
	if (inf->gone_streak++ > 0)
		informer_backoff(inf, INF_LIST, "resourceVersion expired again");
	else
		informer_schedule(inf, INF_LIST, 0);
}

static void watch_head(httpc_req *r, http_response *resp, void *data)
{
	informer *inf = data;

	inf->watch_status = resp->status;
}

static void watch_body(httpc_req *r, http_response *resp, void *data)
{
	informer *inf = data;
	int rc;

	if (inf->watch_status != 200)
		return; /* an error Status; read whole in watch_done (bounded by max_body) */
	rc = informer_split_lines(&resp->body, watch_line, inf);
	if (rc == WATCH_LINE_OK)
		return;
	httpc_cancel(r);
	inf->req = NULL;
	if (rc == WATCH_LINE_GONE)
		informer_gone(inf);
	else if (rc == WATCH_LINE_BAD)
		informer_backoff(inf, INF_WATCH, "malformed watch stream");
	else
		informer_backoff(inf, INF_LIST, "watch failed");
}

static void watch_done(httpc_req *r, int err, http_response *resp, void *data)
{
	informer *inf = data;
	uint64_t lived = ev_now(inf->loop) - inf->watch_started;
	char why[128];

	inf->req = NULL;
	if (err) {
		informer_backoff(inf, INF_WATCH, informer_why(err, why, sizeof(why)));
		return;
	}
	if (resp->status == 410) {
		informer_gone(inf);
		return;
	}
	if (resp->status != 200) {
		informer_log_status(inf, "watch", resp);
		snprintf(why, sizeof(why), "watch failed with status %d", resp->status);
		informer_backoff(inf, INF_LIST, why);
		return;
	}
	/* The server ended the stream (timeoutSeconds, shutdown): resume. A
	 * stream that ends at once without news is a server in trouble. */
	if (lived >= INF_HEALTHY_WATCH_MS)
		informer_backoff_reset(inf);
	if (inf->watch_events == 0 && lived < 1000)
		informer_backoff(inf, INF_WATCH, "watch ended at once");
	else
		informer_schedule(inf, INF_WATCH, 0);
}

static void informer_watch(informer *inf)
{
	struct httpc_req_opts o = {0};
	buf p = BUF_INIT;
	int timeout_s =
	    inf->t.watch_timeout_s > 0 ? inf->t.watch_timeout_s : 300 + (int)(random() % 300);
	int rc;

	if (buf_printf(&p, "%s?watch=1&resourceVersion=", inf->path) < 0 ||
	    url_encode(inf->rv, &p) < 0 ||
	    buf_printf(&p, "&allowWatchBookmarks=true&timeoutSeconds=%d%s", timeout_s, inf->query) <
	        0 ||
	    buf_cstr(&p) < 0) {
		buf_free(&p);
		informer_backoff(inf, INF_WATCH, "out of memory");
		return;
	}
	o.method = "GET";
	o.path = p.data;
	o.timeout_ms = (timeout_s + INF_WATCH_GRACE_S) * 1000;
	o.max_body = inf->t.max_event_bytes;
	o.stream = 1;
	o.on_head = watch_head;
	o.on_body = watch_body;
	o.on_done = watch_done;
	o.data = inf;
	inf->watch_started = ev_now(inf->loop);
	inf->watch_events = 0;
	inf->watch_status = 0;
	rc = httpc_request(inf->cl, &o, &inf->req);
	buf_free(&p);
	if (rc < 0) {
		informer_backoff(inf, INF_WATCH, "cannot start watch");
		return;
	}
	inf->st.watches++;
}

/* --- API ------------------------------------------------------------------- */

static int valid_segment(const char *s)
{
	if (!s || !s[0] || strlen(s) > 253)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      *s == '.'))
			return 0;
	return 1;
}

static int valid_prefix(const char *s)
{
	if (!s || s[0] != '/' || strlen(s) > 200)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || *s == '?' || *s == '#' || *s == '%' || *s == 0x7f)
			return 0;
	return 1;
}

int informer_new(ev_loop *l, httpc *c, const char *api_prefix, const char *resource, const char *ns,
                 const char *label_selector, const char *field_selector,
                 const struct informer_callbacks *cb, void *data, informer **out)
{
	informer *inf;
	buf p = BUF_INIT, q = BUF_INIT;

	*out = NULL;
	if (!valid_prefix(api_prefix) || !valid_segment(resource) ||
	    (ns && ns[0] && !valid_segment(ns)))
		return -EINVAL;
	inf = calloc(1, sizeof(*inf));
	if (!inf)
		return -ENOMEM;
	inf->loop = l;
	inf->cl = c;
	if (cb)
		inf->cb = *cb;
	inf->data = data;
	informer_set_tuning(inf, NULL);
	inf->cache = dict_new();
	inf->resource = strdup(resource);
	if (buf_puts(&p, api_prefix) < 0 ||
	    (ns && ns[0] && buf_printf(&p, "/namespaces/%s", ns) < 0) ||
	    buf_printf(&p, "/%s", resource) < 0 || buf_cstr(&p) < 0 || buf_puts(&q, "") < 0 ||
	    (label_selector && label_selector[0] &&
	     (buf_puts(&q, "&labelSelector=") < 0 || url_encode(label_selector, &q) < 0)) ||
	    (field_selector && field_selector[0] &&
	     (buf_puts(&q, "&fieldSelector=") < 0 || url_encode(field_selector, &q) < 0)) ||
	    buf_cstr(&q) < 0 || !inf->cache || !inf->resource) {
		buf_free(&p);
		buf_free(&q);
		informer_free(inf);
		return -ENOMEM;
	}
	inf->path = buf_steal(&p, NULL);
	inf->query = buf_steal(&q, NULL);
	*out = inf;
	return 0;
}

void informer_set_tuning(informer *inf, const struct informer_tuning *t)
{
	struct informer_tuning z = {0};

	if (!t)
		t = &z;
	inf->t = *t;
	if (inf->t.backoff_initial_ms <= 0)
		inf->t.backoff_initial_ms = INF_BACKOFF_INITIAL_MS;
	if (inf->t.backoff_max_ms <= 0)
		inf->t.backoff_max_ms = INF_BACKOFF_MAX_MS;
	if (inf->t.backoff_max_ms < inf->t.backoff_initial_ms)
		inf->t.backoff_max_ms = inf->t.backoff_initial_ms;
	if (inf->t.list_timeout_ms <= 0)
		inf->t.list_timeout_ms = INF_LIST_TIMEOUT_MS;
	if (!inf->t.max_list_bytes)
		inf->t.max_list_bytes = INF_MAX_LIST_BYTES;
	if (!inf->t.list_page_size)
		inf->t.list_page_size = INF_LIST_PAGE_SIZE;
	if (!inf->t.max_event_bytes)
		inf->t.max_event_bytes = INF_MAX_EVENT_BYTES;
	informer_backoff_reset(inf);
}

int informer_start(informer *inf)
{
	informer_schedule(inf, INF_LIST, 0);
	return inf->timer ? 0 : -ENOMEM;
}

void informer_free(informer *inf)
{
	if (!inf)
		return;
	httpc_cancel(inf->req);
	ev_timer_del(inf->loop, inf->timer);
	informer_list_reset(inf);
	informer_cache_free(inf->cache);
	free(inf->resource);
	free(inf->path);
	free(inf->query);
	free(inf);
}

json_t *informer_get(const informer *inf, const char *ns, const char *name)
{
	char key[INFORMER_KEY_MAX];
	int n;

	if (!name)
		return NULL;
	n = ns && ns[0] ? snprintf(key, sizeof(key), "%s/%s", ns, name)
	                : snprintf(key, sizeof(key), "%s", name);
	if (n < 0 || (size_t)n >= sizeof(key))
		return NULL;
	return dict_get(inf->cache, key);
}

size_t informer_size(const informer *inf)
{
	return dict_size(inf->cache);
}

int informer_has_synced(const informer *inf)
{
	return inf->synced;
}

const char *informer_resource_version(const informer *inf)
{
	return inf->rv;
}

const char *informer_resource(const informer *inf)
{
	return inf->resource;
}

void informer_get_stats(const informer *inf, struct informer_stats *st)
{
	*st = inf->st;
}

void informer_iter_init(informer_iter *it, const informer *inf)
{
	dict_iter_init(&it->it, inf->cache);
}

int informer_iter_next(informer_iter *it, json_t **obj)
{
	const char *k;
	void *v;

	if (!dict_next(&it->it, &k, &v))
		return 0;
	*obj = v;
	return 1;
}
