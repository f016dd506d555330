/* test_store.c - the store: revisions, conflicts, commit, reload, watch window. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "store/store.h"
#include "unit.h"

static char *store_tmp_path(void)
{
	static char path[64];

	snprintf(path, sizeof(path), "/tmp/svcnet-store-test-%d.db", (int)getpid());
	unlink(path);
	return path;
}

static void store_tmp_cleanup(const char *path)
{
	char p[80];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

struct store_test_seen {
	int n;
	int64_t revs[16];
	int types[16];
};

static void store_test_watch_fn(const store_event *ev, void *data)
{
	struct store_test_seen *seen = data;

	if (seen->n < 16) {
		seen->revs[seen->n] = ev->rev;
		seen->types[seen->n] = ev->type;
	}
	seen->n++;
}

UNIT_TEST(store_put_get_conflict_reload)
{
	char *path = store_tmp_path();
	store *s = NULL;
	store_val *v;
	json_t *o = json_pack("{s:{s:s}}", "metadata", "name", "a");

	CHECK_INT(store_open_sqlite(&s, path), 0);
	CHECK_INT(store_put(s, "/services/default/a", o, 1, 0, &v), 0);
	CHECK_INT(v->rev, 1);
	CHECK(strstr(v->data, "\"resourceVersion\":\"1\""));
	CHECK_INT(store_put(s, "/services/default/a", o, 1, 0, NULL), -EEXIST);
	CHECK_INT(store_put(s, "/services/default/a", o, 0, 7, NULL), -EAGAIN);
	CHECK_INT(store_put(s, "/services/default/a", o, 0, 1, &v), 0);
	CHECK_INT(v->rev, 2);
	CHECK_INT(v->create_rev, 1);
	CHECK_INT(store_put(s, "/services/default/b", o, 0, 0, NULL), -ENOENT);
	CHECK_INT(store_put(s, "/services/default/b", o, 1, 0, NULL), 0);
	CHECK_INT(store_delete(s, "/services/default/b", 0, NULL), 0);
	CHECK_INT(store_commit(s), 0);
	store_close(s);
	json_decref(o);

	s = NULL;
	CHECK_INT(store_open_sqlite(&s, path), 0);
	CHECK_INT(store_rev(s), 4);
	v = store_get(s, "/services/default/a");
	CHECK(v != NULL);
	CHECK_INT(v->rev, 2);
	CHECK(store_get(s, "/services/default/b") == NULL);
	store_close(s);
	store_tmp_cleanup(path);
}

UNIT_TEST(store_uncommitted_is_lost_and_list_sorted)
{
	char *path = store_tmp_path();
	store *s = NULL;
	store_val **vals;
	char **keys;
	size_t n;
	json_t *o = json_pack("{s:{}}", "metadata");

	CHECK_INT(store_open_sqlite(&s, path), 0);
	CHECK_INT(store_put(s, "/pods/ns/z", o, 1, 0, NULL), 0);
	CHECK_INT(store_put(s, "/pods/ns/a", o, 1, 0, NULL), 0);
	CHECK_INT(store_put(s, "/pods/other/m", o, 1, 0, NULL), 0);
	CHECK_INT(store_list(s, "/pods/ns/", &vals, &keys, &n), 0);
	CHECK_INT(n, 2);
	CHECK_STR(keys[0], "/pods/ns/a");
	CHECK_STR(keys[1], "/pods/ns/z");
	free(vals);
	free(keys);
	CHECK_INT(store_commit(s), 0);
	CHECK_INT(store_put(s, "/pods/ns/lost", o, 1, 0, NULL), 0);
	store_close(s); /* no commit: the batch rolls back */
	s = NULL;
	CHECK_INT(store_open_sqlite(&s, path), 0);
	CHECK(store_get(s, "/pods/ns/lost") == NULL);
	CHECK(store_get(s, "/pods/ns/a") != NULL);
	store_close(s);
	json_decref(o);
	store_tmp_cleanup(path);
}

UNIT_TEST(store_watch_after_commit_and_replay)
{
	char *path = store_tmp_path();
	store *s = NULL;
	store_watch *w1, *w2;
	struct store_test_seen a = {0}, b = {0};
	json_t *o = json_pack("{s:{}}", "metadata");

	CHECK_INT(store_open_sqlite(&s, path), 0);
	CHECK_INT(store_watch_add(s, "/services/", 0, store_test_watch_fn, &a, &w1), 0);
	CHECK_INT(store_put(s, "/services/d/x", o, 1, 0, NULL), 0);
	CHECK_INT(store_put(s, "/pods/d/x", o, 1, 0, NULL), 0);
	CHECK_INT(a.n, 0); /* nothing before commit */
	CHECK_INT(store_commit(s), 0);
	CHECK_INT(a.n, 1);
	CHECK_INT(a.revs[0], 1);
	CHECK_INT(store_delete(s, "/services/d/x", 0, NULL), 0);
	CHECK_INT(store_commit(s), 0);
	CHECK_INT(a.n, 2);
	CHECK_INT(a.types[1], STORE_DELETED);
	/* A late watcher from rev 1 gets the delete replayed. */
	CHECK_INT(store_watch_add(s, "/services/", 1, store_test_watch_fn, &b, &w2), 0);
	CHECK_INT(b.n, 1);
	CHECK_INT(b.revs[0], 3);
	store_watch_del(s, w1);
	store_watch_del(s, w2);
	CHECK_INT(store_compact(s, 0), 0);
	store_close(s);
	json_decref(o);
	s = NULL;
	CHECK_INT(store_open_sqlite(&s, path), 0);
	CHECK_INT(store_rev(s), 3);
	CHECK(store_get(s, "/pods/d/x") != NULL);
	/* After a restart an old revision cannot be resumed. */
	CHECK_INT(store_watch_add(s, "/services/", 1, store_test_watch_fn, &b, &w2), -ERANGE);
	store_close(s);
	store_tmp_cleanup(path);
}
