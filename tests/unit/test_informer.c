/* test_informer.c - the informer's pure parts and httpc's URL parsing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* A stub cache keeps the key fields only, yet callbacks see whole objects. */
UNIT_TEST(informer_cache_stub)
{
	dict *cache = dict_new();
	struct rec r = {{0}, 0};
	struct informer_emit e = {&rec_cb, NULL, &r, 1};
	json_t *o = obj("d", "a", "1"), *c;

	json_object_set_new(o, "spec", json_pack("{s:s}", "big", "payload"));
	json_object_set_new(json_object_get(o, "metadata"), "labels", json_pack("{s:s}", "a", "b"));
	CHECK_INT(informer_cache_event(cache, INFORMER_EV_ADDED, o, &e), 1);
	c = dict_get(cache, "d/a");
	CHECK(c && c != o);
	CHECK(json_object_get(c, "spec") == NULL);
	CHECK(json_object_get(json_object_get(c, "metadata"), "labels") == NULL);
	CHECK_STR(informer_obj_rv(c), "1");
	/* Same resourceVersion: still de-duplicated against the stub. */
	CHECK_INT(informer_cache_event(cache, INFORMER_EV_MODIFIED, o, &e), 0);
	json_decref(o);
	o = obj("d", "a", "2");
	CHECK_INT(informer_cache_event(cache, INFORMER_EV_MODIFIED, o, &e), 1);
	json_decref(o);
	CHECK_STR(r.log, "ADD d/a 1;UPDATE d/a 2");
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
