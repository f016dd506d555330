/* test_informer.c - the informer's pure parts and httpc's URL parsing. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/httpc.h"
#include "client/informer_int.h"
#include "unit.h"

/* --- recording sink ---------------------------------------------------------- */

struct rec {
	char log[4096];
	int n;
};

static void rec_put(struct rec *r, const char *verb, json_t *obj)
{
	char key[INFORMER_KEY_MAX];
	const char *rv = informer_obj_rv(obj);
	size_t l = strlen(r->log);

	if (informer_obj_key(obj, key, sizeof(key)) < 0)
		snprintf(key, sizeof(key), "?");
	snprintf(r->log + l, sizeof(r->log) - l, "%s%s %s %s", l ? ";" : "", verb, key,
	         rv ? rv : "-");
	r->n++;
}

static void rec_add(informer *inf, json_t *obj, void *data)
{
	rec_put(data, "ADD", obj);
}

static void rec_update(informer *inf, json_t *old_obj, json_t *new_obj, void *data)
{
	rec_put(data, "UPDATE", new_obj);
}

static void rec_delete(informer *inf, json_t *obj, void *data)
{
	rec_put(data, "DELETE", obj);
}

static const struct informer_callbacks rec_cb = {rec_add, rec_update, rec_delete, NULL};

static json_t *obj(const char *ns, const char *name, const char *rv)
{
	json_t *o =
	    ns ? json_pack("{s:{s:s,s:s,s:s}}", "metadata", "namespace", ns, "name", name,
	                   "resourceVersion", rv)
	       : json_pack("{s:{s:s,s:s}}", "metadata", "name", name, "resourceVersion", rv);
	return o;
}

static json_t *list_of(const char *spec)
{
	/* "ns/name@rv ns/name@rv ..." */
	json_t *a = json_array();
	char *s = strdup(spec), *save = NULL;

	for (char *t = strtok_r(s, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		char *at = strchr(t, '@'), *sl = strchr(t, '/');

		*at = 0;
		if (sl) {
			*sl = 0;
			json_array_append_new(a, obj(t, sl + 1, at + 1));
		} else {
			json_array_append_new(a, obj(NULL, t, at + 1));
		}
	}
	free(s);
	return a;
}

/* --- line splitting ------------------------------------------------------------ */

struct lines {
	char got[512];
	int n, stop_at;
};

static int line_cb(const char *line, size_t len, void *arg)
{
	struct lines *l = arg;
	size_t o = strlen(l->got);

	snprintf(l->got + o, sizeof(l->got) - o, "[%.*s]", (int)len, line);
	return ++l->n == l->stop_at ? 7 : 0;
}

UNIT_TEST(informer_split_lines_basic)
{
	buf b = BUF_INIT;
	struct lines l = {{0}, 0, 0};

	buf_puts(&b, "a\nbb\r\n\n\r\nccc");
	CHECK_INT(informer_split_lines(&b, line_cb, &l), 0);
	CHECK_STR(l.got, "[a][bb]");
	CHECK_INT(buf_avail(&b), 3); /* the partial line stays */
	buf_puts(&b, "c\n");
	CHECK_INT(informer_split_lines(&b, line_cb, &l), 0);
	CHECK_STR(l.got, "[a][bb][cccc]");
	CHECK_INT(buf_avail(&b), 0);
	CHECK_INT(informer_split_lines(&b, line_cb, &l), 0); /* empty buffer */
	buf_free(&b);
}

UNIT_TEST(informer_split_lines_stops)
{
	buf b = BUF_INIT;
	struct lines l = {{0}, 0, 2};

	buf_puts(&b, "x\ny\nz\n");
	CHECK_INT(informer_split_lines(&b, line_cb, &l), 7);
	CHECK_STR(l.got, "[x][y]");
	/* The stopping line was consumed; the rest is left for the caller. */
	CHECK_INT(buf_avail(&b), 2);
	buf_free(&b);
}

UNIT_TEST(informer_split_lines_byte_by_byte)
{
	const char *s = "{\"a\":1}\n{\"b\":2}\n";
	buf b = BUF_INIT;
	struct lines l = {{0}, 0, 0};

	for (size_t i = 0; s[i]; i++) {
		buf_append(&b, s + i, 1);
		CHECK_INT(informer_split_lines(&b, line_cb, &l), 0);
	}
	CHECK_STR(l.got, "[{\"a\":1}][{\"b\":2}]");
	buf_free(&b);
}

/* --- event decoding ----------------------------------------------------------- */

UNIT_TEST(informer_parse_event_types)
{
	static const char *ok[] = {
	    "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}",
	    "{\"type\":\"MODIFIED\",\"object\":{}}",
	    "{\"type\":\"DELETED\",\"object\":{}}",
	    "{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{\"resourceVersion\":\"9\"}}}",
	};
	json_t *o;
	int type, code;

	for (int i = 0; i < 4; i++) {
		CHECK_INT(informer_parse_event(ok[i], strlen(ok[i]), &type, &o, &code), 0);
		CHECK_INT(type, i);
		CHECK_INT(code, 0);
		CHECK(json_is_object(o));
		json_decref(o);
	}
	CHECK_INT(informer_parse_event(ok[3], strlen(ok[3]), &type, &o, &code), 0);
	CHECK_STR(informer_obj_rv(o), "9");
	json_decref(o);
}

UNIT_TEST(informer_parse_event_error_410)
{
	const char *s = "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410,"
	                "\"reason\":\"Expired\"}}";
	json_t *o;
	int type, code;

	CHECK_INT(informer_parse_event(s, strlen(s), &type, &o, &code), 0);
	CHECK_INT(type, INFORMER_EV_ERROR);
	CHECK_INT(code, 410);
	json_decref(o);
}

UNIT_TEST(informer_parse_event_malformed)
{
	static const char *bad[] = {
	    "",
	    "{",
	    "[]",
	    "{\"type\":\"ADDED\"}",
	    "{\"type\":\"ADDED\",\"object\":[]}",
	    "{\"type\":\"SYNC\",\"object\":{}}",
	    "{\"type\":7,\"object\":{}}",
	    "{\"object\":{}}",
	    "{\"type\":\"ADDED\",\"object\":{}} trailing",
	};
	json_t *o = (json_t *)1;
	int type, code;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(informer_parse_event(bad[i], strlen(bad[i]), &type, &o, &code), -EINVAL);
		CHECK(o == NULL);
	}
}

UNIT_TEST(informer_obj_key_forms)
{
	char k[INFORMER_KEY_MAX], small[4];
	json_t *a = obj("ns", "n", "1"), *b = obj(NULL, "node1", "1"), *c;

	CHECK_INT(informer_obj_key(a, k, sizeof(k)), 0);
	CHECK_STR(k, "ns/n");
	CHECK_INT(informer_obj_key(b, k, sizeof(k)), 0);
	CHECK_STR(k, "node1");
	CHECK_INT(informer_obj_key(a, small, sizeof(small)), -EINVAL);
	json_decref(a);
	json_decref(b);
	c = json_pack("{s:{s:s}}", "metadata", "name", "");
	CHECK_INT(informer_obj_key(c, k, sizeof(k)), -EINVAL);
	json_decref(c);
	c = json_pack("{s:{s:s}}", "metadata", "name", "a/b");
	CHECK_INT(informer_obj_key(c, k, sizeof(k)), -EINVAL);
	json_decref(c);
	c = json_pack("{s:{s:i}}", "metadata", "name", 5);
	CHECK_INT(informer_obj_key(c, k, sizeof(k)), -EINVAL);
	json_decref(c);
	CHECK_INT(informer_obj_key(NULL, k, sizeof(k)), -EINVAL);
}

/* --- cache: events -------------------------------------------------------------- */

static int ev(dict *cache, int type, const char *ns, const char *name, const char *rv,
              struct rec *r)
{
	struct informer_emit e = {&rec_cb, NULL, r, 0};
	json_t *o = obj(ns, name, rv);
	int rc = informer_cache_event(cache, type, o, &e);

	json_decref(o);
	return rc;
}

UNIT_TEST(informer_cache_events_dedup)
{
	dict *cache = dict_new();
	struct rec r = {{0}, 0};

	CHECK_INT(ev(cache, INFORMER_EV_ADDED, "d", "a", "1", &r), 1);
	CHECK_INT(ev(cache, INFORMER_EV_ADDED, "d", "a", "1", &r), 0);    /* duplicate */
	CHECK_INT(ev(cache, INFORMER_EV_MODIFIED, "d", "a", "1", &r), 0); /* same rv */
	CHECK_INT(ev(cache, INFORMER_EV_MODIFIED, "d", "a", "2", &r), 1);
	CHECK_INT(ev(cache, INFORMER_EV_ADDED, "d", "a", "3", &r), 1); /* add of known: update */
	CHECK_INT(ev(cache, INFORMER_EV_MODIFIED, "d", "b", "4", &r),
	          1); /* update of unknown: add */
	CHECK_INT(ev(cache, INFORMER_EV_DELETED, "d", "a", "5", &r), 1);
	CHECK_INT(ev(cache, INFORMER_EV_DELETED, "d", "a", "5", &r), 0); /* already gone */
	CHECK_INT(ev(cache, INFORMER_EV_BOOKMARK, "d", "a", "6", &r), 0);
	CHECK_STR(r.log, "ADD d/a 1;UPDATE d/a 2;UPDATE d/a 3;ADD d/b 4;DELETE d/a 5");
	CHECK_INT(dict_size(cache), 1);
	CHECK_STR(informer_obj_rv(dict_get(cache, "d/b")), "4");
	informer_cache_free(cache);
}

/* A stub cache keeps the resourceVersion only, yet callbacks see whole
 * objects, and old_obj a stub object with the key fields. */
static char stub_old[256];

static void stub_update(informer *inf, json_t *old_obj, json_t *new_obj, void *data)
{
	json_t *md = json_object_get(old_obj, "metadata");

	snprintf(stub_old, sizeof(stub_old), "%s/%s@%s",
	         json_string_value(json_object_get(md, "namespace")),
	         json_string_value(json_object_get(md, "name")), informer_obj_rv(old_obj));
	rec_update(inf, old_obj, new_obj, data);
}

UNIT_TEST(informer_cache_stub)
{
	static const struct informer_callbacks cb = {rec_add, stub_update, rec_delete, NULL};
	dict *cache = dict_new();
	struct rec r = {{0}, 0};
	struct informer_emit e = {&cb, NULL, &r, 1};
	json_t *o = obj("d", "a", "1"), *c, *items;

	json_object_set_new(o, "spec", json_pack("{s:s}", "big", "payload"));
	json_object_set_new(json_object_get(o, "metadata"), "labels", json_pack("{s:s}", "a", "b"));
	CHECK_INT(informer_cache_event(cache, INFORMER_EV_ADDED, o, &e), 1);
	c = dict_get(cache, "d/a");
	CHECK(c && c != o);
	CHECK_STR(json_string_value(c), "1");
	/* Same resourceVersion: still de-duplicated against the stub. */
	CHECK_INT(informer_cache_event(cache, INFORMER_EV_MODIFIED, o, &e), 0);
	json_decref(o);
	o = obj("d", "a", "2");
	CHECK_INT(informer_cache_event(cache, INFORMER_EV_MODIFIED, o, &e), 1);
	json_decref(o);
	CHECK_STR(stub_old, "d/a@1");
	CHECK_STR(r.log, "ADD d/a 1;UPDATE d/a 2");
	/* A re-list's delete sees the stub object, cluster-scoped ones too. */
	o = obj(NULL, "n", "3");
	CHECK_INT(informer_cache_event(cache, INFORMER_EV_ADDED, o, &e), 1);
	json_decref(o);
	r.log[0] = 0;
	items = json_array();
	CHECK_INT(informer_cache_replace(cache, items, NULL, NULL, &e), 2);
	json_decref(items);
	CHECK(strstr(r.log, "DELETE d/a 2") && strstr(r.log, "DELETE n 3"));
	CHECK_INT(dict_size(cache), 0);
	informer_cache_free(cache);
}

UNIT_TEST(informer_cache_event_no_name)
{
	dict *cache = dict_new();
	struct rec r = {{0}, 0};
	struct informer_emit e = {&rec_cb, NULL, &r, 0};
	json_t *o = json_pack("{s:{}}", "metadata");

	CHECK_INT(informer_cache_event(cache, INFORMER_EV_ADDED, o, &e), -EINVAL);
	CHECK_INT(r.n, 0);
	json_decref(o);
	informer_cache_free(cache);
}

/* --- cache: re-list diff -------------------------------------------------------- */

static int relist(dict *cache, const char *spec, struct rec *r)
{
	struct informer_emit e = {&rec_cb, NULL, r, 0};
	json_t *items = list_of(spec);
	int rc;

	r->log[0] = 0;
	r->n = 0;
	rc = informer_cache_replace(cache, items, "Service", "v1", &e);
	json_decref(items);
	return rc;
}

UNIT_TEST(informer_cache_replace_diff)
{
	dict *cache = dict_new();
	struct rec r;

	CHECK_INT(relist(cache, "d/a@1 d/b@2 d/c@3", &r), 3);
	CHECK_STR(r.log, "ADD d/a 1;ADD d/b 2;ADD d/c 3");
	/* Unchanged list: nothing at all. */
	CHECK_INT(relist(cache, "d/a@1 d/b@2 d/c@3", &r), 0);
	CHECK_STR(r.log, "");
	/* b changed, c vanished, e appeared. */
	CHECK_INT(relist(cache, "d/a@1 d/b@7 d/e@8", &r), 3);
	CHECK_STR(r.log, "UPDATE d/b 7;ADD d/e 8;DELETE d/c 3");
	CHECK_INT(dict_size(cache), 3);
	/* Kind and apiVersion were filled in. */
	CHECK_STR(json_string_value(json_object_get(dict_get(cache, "d/a"), "kind")), "Service");
	CHECK_STR(json_string_value(json_object_get(dict_get(cache, "d/a"), "apiVersion")), "v1");
	/* Everything gone. */
	CHECK_INT(relist(cache, "", &r), 3);
	CHECK_INT(dict_size(cache), 0);
	informer_cache_free(cache);
}

UNIT_TEST(informer_cache_replace_skips_bad_items)
{
	dict *cache = dict_new();
	struct rec r = {{0}, 0};
	struct informer_emit e = {&rec_cb, NULL, &r, 0};
	json_t *items = list_of("d/a@1 x@2");

	json_array_append_new(items, json_string("junk"));
	json_array_append_new(items, json_pack("{s:{s:s}}", "metadata", "name", "norv"));
	json_array_append_new(items, json_pack("{s:{s:s}}", "metadata", "resourceVersion", "3"));
	json_array_append_new(items, json_null());
	CHECK_INT(informer_cache_replace(cache, items, NULL, NULL, &e), 2);
	CHECK_STR(r.log, "ADD d/a 1;ADD x 2");
	CHECK(json_object_get(dict_get(cache, "x"), "kind") == NULL);
	json_decref(items);
	informer_cache_free(cache);
}

UNIT_TEST(informer_cache_replace_duplicates_last_wins)
{
	dict *cache = dict_new();
	struct rec r;

	CHECK_INT(relist(cache, "d/a@1 d/a@2", &r), 1);
	CHECK_STR(r.log, "ADD d/a 2");
	informer_cache_free(cache);
}

UNIT_TEST(informer_cache_replace_many)
{
	dict *cache = dict_new();
	struct rec r = {{0}, 0};
	struct informer_emit e = {&rec_cb, NULL, &r, 0};
	json_t *items = json_array();
	char name[32];

	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		json_array_append_new(items, obj("d", name, "1"));
	}
	r.n = 0;
	CHECK_INT(informer_cache_replace(cache, items, NULL, NULL, &e), 5000);
	/* Drop every other one, bump the rest's rv. */
	json_decref(items);
	items = json_array();
	for (int i = 0; i < 5000; i += 2) {
		snprintf(name, sizeof(name), "s%d", i);
		json_array_append_new(items, obj("d", name, i % 4 ? "2" : "1"));
	}
	r.log[0] = 0;
	r.n = 0;
	CHECK_INT(informer_cache_replace(cache, items, NULL, NULL, &e), 2500 + 1250);
	CHECK_INT(dict_size(cache), 2500);
	json_decref(items);
	informer_cache_free(cache);
}

/* --- httpc URL ---------------------------------------------------------------- */

/* --- LIST pages ------------------------------------------------------------------ */

static int page(const char *body, struct informer_page *pg)
{
	return informer_page_parse(body, strlen(body), pg);
}

UNIT_TEST(informer_page_parse_forms)
{
	struct informer_page pg;
	char *big;

	CHECK_INT(page("{\"kind\":\"ServiceList\",\"apiVersion\":\"v1\",\"metadata\":{"
	               "\"resourceVersion\":\"7\",\"continue\":\"abc\"},\"items\":[{}]}",
	               &pg),
	          0);
	CHECK_STR(pg.rv, "7");
	CHECK_STR(pg.cont, "abc");
	CHECK_STR(pg.kind, "Service");
	CHECK_STR(pg.api_version, "v1");
	CHECK_INT(json_array_size(pg.items), 1);
	informer_page_free(&pg);
	/* The last page: no continue, or an empty one; items null. */
	CHECK_INT(
	    page("{\"metadata\":{\"resourceVersion\":\"8\",\"continue\":\"\"},\"items\":null}",
	         &pg),
	    0);
	CHECK(pg.cont == NULL && pg.items == NULL && pg.kind[0] == 0);
	informer_page_free(&pg);
	CHECK_INT(page("{\"metadata\":{},\"items\":[]}", &pg), -EPROTO);
	CHECK_INT(page("{\"metadata\":{\"resourceVersion\":\"\"},\"items\":[]}", &pg), -EPROTO);
	CHECK_INT(page("{\"metadata\":{\"resourceVersion\":\"1\"},\"items\":{}}", &pg), -EPROTO);
	CHECK_INT(page("[1]", &pg), -EPROTO);
	CHECK_INT(page("{\"metadata\":{\"resourceVersion\":\"1\"", &pg), -EPROTO);
	big = malloc(INFORMER_CONTINUE_MAX + 100);
	CHECK(big);
	snprintf(big, INFORMER_CONTINUE_MAX + 100,
	         "{\"metadata\":{\"resourceVersion\":\"1\","
	         "\"continue\":\"%0*d\"},\"items\":[]}",
	         INFORMER_CONTINUE_MAX, 0);
	CHECK_INT(page(big, &pg), -EPROTO);
	free(big);
	CHECK(pg.doc == NULL);
}

/* Pages apply as they come; deletes wait for the end of the whole list. */
UNIT_TEST(informer_relist_pages)
{
	dict *cache = dict_new();
	struct rec r = {{0}, 0};
	struct informer_emit e = {&rec_cb, NULL, &r, 0};
	struct informer_relist rl;
	json_t *p1, *p2;

	CHECK_INT(relist(cache, "d/a@1 d/b@1 d/c@1", &r), 3);
	r.log[0] = 0;
	p1 = list_of("d/a@1 d/b@2");
	p2 = list_of("d/d@1");
	CHECK_INT(informer_relist_begin(&rl), 0);
	CHECK_INT(informer_relist_page(&rl, cache, p1, "Service", "v1", &e), 1);
	CHECK_STR(r.log, "UPDATE d/b 2");
	CHECK_INT(informer_relist_page(&rl, cache, p2, "Service", "v1", &e), 1);
	CHECK_INT(dict_size(cache), 4); /* c goes only at the end */
	CHECK_INT(informer_relist_finish(&rl, cache, &e), 1);
	informer_relist_end(&rl);
	informer_relist_end(&rl);
	CHECK_STR(r.log, "UPDATE d/b 2;ADD d/d 1;DELETE d/c 1");
	CHECK_STR(json_string_value(json_object_get(dict_get(cache, "d/d"), "kind")), "Service");
	json_decref(p1);
	json_decref(p2);
	informer_cache_free(cache);
}

/* --- the LIST state machine against a scripted loopback server ------------------- */

/* A server that answers each request from a script, with Connection: close
 * (a watch is left open until the test ends). The informer's requests are
 * recorded as "path?query" lines, its callbacks in rec. */
#define FK_CONNS 16

struct fk_conn {
	struct fk *f;
	int fd;
	char in[4096];
	size_t n;
};

struct fk {
	ev_loop *loop;
	int lfd;
	char reqs[2048];
	const char *(*answer)(struct fk *f, const char *target, int *status);
	struct fk_conn *conns[FK_CONNS];
	struct rec rec;
	int synced, timed_out;
};

static void fk_close(struct fk_conn *c)
{
	for (int i = 0; i < FK_CONNS; i++)
		if (c->f->conns[i] == c)
			c->f->conns[i] = NULL;
	ev_del(c->f->loop, c->fd, EV_READ);
	close(c->fd);
	free(c);
}

static void fk_conn_read(ev_loop *l, int fd, void *data, int mask)
{
	struct fk_conn *c = data;
	char target[1024], head[256];
	const char *body;
	int status = 200;
	ssize_t n = read(fd, c->in + c->n, sizeof(c->in) - 1 - c->n);

	if (n < 0 && errno == EAGAIN)
		return;
	if (n > 0) {
		size_t used = strlen(c->f->reqs);

		c->n += (size_t)n;
		c->in[c->n] = 0;
		if (!strstr(c->in, "\r\n\r\n"))
			return;
		if (sscanf(c->in, "GET %1023s", target) != 1) {
			fk_close(c);
			return;
		}
		snprintf(c->f->reqs + used, sizeof(c->f->reqs) - used, "%s\n", target);
		body = c->f->answer(c->f, target, &status);
		if (!body)
			return; /* a watch: stays open, silent */
		snprintf(head, sizeof(head),
		         "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
		         "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		         status, strlen(body));
		/* Small answers: the socket buffer takes them at once. */
		if (write(fd, head, strlen(head)) < 0 || write(fd, body, strlen(body)) < 0)
			c->n = 0;
	}
	fk_close(c);
}

static void fk_accept(ev_loop *l, int fd, void *data, int mask)
{
	struct fk *f = data;
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), slot = -1;
	struct fk_conn *c;

	if (cfd < 0)
		return;
	for (int i = 0; i < FK_CONNS && slot < 0; i++)
		if (!f->conns[i])
			slot = i;
	c = slot >= 0 ? calloc(1, sizeof(*c)) : NULL;
	if (!c) {
		close(cfd);
		return;
	}
	c->f = f;
	c->fd = cfd;
	f->conns[slot] = c;
	ev_add(l, cfd, EV_READ, fk_conn_read, c);
}

static long long fk_timeout(ev_loop *l, ev_timer *t, void *data)
{
	struct fk *f = data;

	f->timed_out = 1;
	ev_stop(l);
	return EV_TIMER_STOP;
}

static void fk_add(informer *inf, json_t *obj, void *data)
{
	rec_put(&((struct fk *)data)->rec, "ADD", obj);
}

static void fk_update(informer *inf, json_t *old_obj, json_t *new_obj, void *data)
{
	rec_put(&((struct fk *)data)->rec, "UPDATE", new_obj);
}

static void fk_delete(informer *inf, json_t *obj, void *data)
{
	rec_put(&((struct fk *)data)->rec, "DELETE", obj);
}

static void fk_synced(informer *inf, void *data)
{
	struct fk *f = data;

	f->synced = 1;
	ev_stop(f->loop);
}

/* Runs an informer with pages of 2 against f until its first sync (or 5 s).
 * The number of cached objects, or -1. */
static int fk_run(struct fk *f, char *rv, size_t rvlen, struct informer_stats *st)
{
	static const struct informer_callbacks cb = {fk_add, fk_update, fk_delete, fk_synced};
	struct informer_tuning t = {.list_page_size = 2, .backoff_initial_ms = 10};
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	char url[64], err[128];
	httpc *c = NULL;
	informer *inf = NULL;
	ev_timer *tm = NULL;
	int rc = -1;

	f->loop = ev_loop_new();
	f->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (!f->loop || f->lfd < 0 || bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(f->lfd, 16) < 0 || getsockname(f->lfd, (struct sockaddr *)&sa, &sl) < 0)
		goto out;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", ntohs(sa.sin_port));
	if (ev_add(f->loop, f->lfd, EV_READ, fk_accept, f) < 0 ||
	    httpc_new(f->loop, &(struct httpc_opts){.server = url}, &c, err, sizeof(err)) < 0 ||
	    informer_new(f->loop, c, "/api/v1", "services", NULL, NULL, NULL, &cb, f, &inf) < 0)
		goto out;
	informer_set_tuning(inf, &t);
	tm = ev_timer_add(f->loop, 5000, fk_timeout, f);
	if (!tm || informer_start(inf) < 0)
		goto out;
	ev_run(f->loop);
	if (!f->timed_out)
		ev_timer_del(f->loop, tm);
	snprintf(rv, rvlen, "%s", informer_resource_version(inf));
	informer_get_stats(inf, st);
	rc = (int)informer_size(inf);
out:
	informer_free(inf);
	httpc_free(c);
	for (int i = 0; i < FK_CONNS; i++)
		if (f->conns[i])
			fk_close(f->conns[i]);
	if (f->lfd >= 0)
		close(f->lfd);
	ev_loop_free(f->loop);
	return rc;
}

#define FK_ITEM(n, rv)                                                                             \
	"{\"metadata\":{\"namespace\":\"d\",\"name\":\"" n "\",\"resourceVersion\":\"" rv "\"}}"
#define FK_LIST(rv, cont, items)                                                                   \
	"{\"kind\":\"ServiceList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"" rv  \
	"\",\"continue\":\"" cont "\"},\"items\":[" items "]}"

static const char *fk_paged(struct fk *f, const char *target, int *status)
{
	if (strstr(target, "watch=1"))
		return NULL;
	if (!strstr(target, "continue="))
		return FK_LIST("10", "t1", FK_ITEM("a", "1") "," FK_ITEM("b", "2"));
	if (strstr(target, "continue=t1"))
		return FK_LIST("11", "t2", FK_ITEM("c", "3") "," FK_ITEM("d", "4"));
	return FK_LIST("12", "", FK_ITEM("e", "5"));
}

UNIT_TEST(informer_list_paged)
{
	struct fk f = {.answer = fk_paged, .lfd = -1};
	struct informer_stats st;
	char rv[64];

	CHECK_INT(fk_run(&f, rv, sizeof(rv), &st), 5);
	CHECK_STR(f.rec.log, "ADD d/a 1;ADD d/b 2;ADD d/c 3;ADD d/d 4;ADD d/e 5");
	CHECK(f.synced);
	/* The watch will start from the first page's resourceVersion. */
	CHECK_STR(rv, "10");
	CHECK_STR(f.reqs, "/api/v1/services?limit=2\n/api/v1/services?limit=2&continue=t1\n"
	                  "/api/v1/services?limit=2&continue=t2\n");
	CHECK_INT(st.lists, 1);
}

/* kube-apiserver: the continue token expired (410) -> list again from the
 * start; expired again -> one list without limit. What the first pages
 * added and the full list lacks is deleted. */
static const char *fk_expiring(struct fk *f, const char *target, int *status)
{
	if (strstr(target, "watch=1"))
		return NULL;
	if (strstr(target, "continue=")) {
		*status = 410;
		return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
		       "\"message\":\"The provided continue parameter is too old\","
		       "\"reason\":\"Expired\",\"code\":410}";
	}
	if (strstr(target, "limit="))
		return FK_LIST("20", "t1", FK_ITEM("a", "1") "," FK_ITEM("b", "2"));
	return FK_LIST("30", "", FK_ITEM("b", "2") "," FK_ITEM("c", "3"));
}

UNIT_TEST(informer_list_continue_expired)
{
	struct fk f = {.answer = fk_expiring, .lfd = -1};
	struct informer_stats st;
	char rv[64];

	CHECK_INT(fk_run(&f, rv, sizeof(rv), &st), 2);
	/* No duplicate: the second first page changed nothing. */
	CHECK_STR(f.rec.log, "ADD d/a 1;ADD d/b 2;ADD d/c 3;DELETE d/a 1");
	CHECK(f.synced);
	CHECK_STR(rv, "30");
	CHECK_STR(f.reqs, "/api/v1/services?limit=2\n/api/v1/services?limit=2&continue=t1\n"
	                  "/api/v1/services?limit=2\n/api/v1/services?limit=2&continue=t1\n"
	                  "/api/v1/services\n");
	CHECK_INT(st.gone, 2);
	CHECK_INT(st.lists, 1);
}

/* A server that ignores limit answers with everything and no token. */
static const char *fk_unpaged(struct fk *f, const char *target, int *status)
{
	if (strstr(target, "watch=1"))
		return NULL;
	return FK_LIST("5", "", FK_ITEM("a", "1") "," FK_ITEM("b", "2") "," FK_ITEM("c", "3"));
}

UNIT_TEST(informer_list_limit_ignored)
{
	struct fk f = {.answer = fk_unpaged, .lfd = -1};
	struct informer_stats st;
	char rv[64];

	CHECK_INT(fk_run(&f, rv, sizeof(rv), &st), 3);
	CHECK_STR(rv, "5");
	CHECK_STR(f.reqs, "/api/v1/services?limit=2\n");
}

UNIT_TEST(httpc_parse_url_forms)
{
	char host[64], path[64];
	int tls, port;

	CHECK_INT(httpc_parse_url("https://127.0.0.1:6443", &tls, host, sizeof(host), &port, path,
	                          sizeof(path)),
	          0);
	CHECK_INT(tls, 1);
	CHECK_STR(host, "127.0.0.1");
	CHECK_INT(port, 6443);
	CHECK_STR(path, "");
	CHECK_INT(httpc_parse_url("https://[::1]:8443/k8s/", &tls, host, sizeof(host), &port, path,
	                          sizeof(path)),
	          0);
	CHECK_STR(host, "::1");
	CHECK_INT(port, 8443);
	CHECK_STR(path, "/k8s");
	CHECK_INT(httpc_parse_url("https://localhost", &tls, host, sizeof(host), &port, path,
	                          sizeof(path)),
	          0);
	CHECK_STR(host, "localhost");
	CHECK_INT(port, 443);
	CHECK_INT(httpc_parse_url("http://10.0.0.1/", &tls, host, sizeof(host), &port, path,
	                          sizeof(path)),
	          0);
	CHECK_INT(tls, 0);
	CHECK_INT(port, 80);
}

UNIT_TEST(httpc_parse_url_rejects)
{
	static const char *bad[] = {
	    "127.0.0.1:6443",          "ftp://1.2.3.4",       "https://",
	    "https://example.com:443", "https://[::1",        "https://[1.2.3.4]:1",
	    "https://::1:6443",        "https://1.2.3.4:0",   "https://1.2.3.4:65536",
	    "https://1.2.3.4:",        "https://1.2.3.4:x",   "https://1.2.3.4?x",
	    "https://u@1.2.3.4",       "https://1.2.3.4/a b", "https://1.2.3.4:6443junk",
	};
	char host[64], path[64];
	int tls, port;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(
		    httpc_parse_url(bad[i], &tls, host, sizeof(host), &port, path, sizeof(path)),
		    -EINVAL);
	CHECK_INT(httpc_parse_url(NULL, &tls, host, sizeof(host), &port, path, sizeof(path)),
	          -EINVAL);
}
