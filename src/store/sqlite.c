/*
 * sqlite.c - the embedded store backend: a revisioned log in SQLite, in the
 * manner of k3s' kine. Every write appends a row (rev is the primary key);
 * the latest live row of a key is its current value. WAL mode with
 * synchronous=FULL: a COMMIT returns only once the WAL is on disk, and the
 * store batches many writes into one COMMIT.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "store/store_int.h"

struct sq {
	sqlite3 *db;
	sqlite3_stmt *ins;
	sqlite3_stmt *begin, *commit, *rollback;
};

static const char *const sq_schema =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "CREATE TABLE IF NOT EXISTS kv ("
    " rev INTEGER PRIMARY KEY,"
    " key TEXT NOT NULL,"
    " created INTEGER NOT NULL,"
    " deleted INTEGER NOT NULL,"
    " create_rev INTEGER NOT NULL,"
    " prev_rev INTEGER NOT NULL,"
    " value BLOB);"
    "CREATE INDEX IF NOT EXISTS kv_key_rev ON kv(key, rev);"
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER);";

static int sq_err(struct sq *q, const char *what)
{
	log_error("store", "sqlite %s: %s", what, sqlite3_errmsg(q->db));
	return -EIO;
}

static int sq_step_done(struct sq *q, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sq_err(q, what);
	return 0;
}

static int sq_load(void *be,
                   int (*row)(void *ctx, const char *key, int64_t rev, int64_t create_rev,
                              const char *val, size_t len),
                   void *ctx, int64_t *max_rev, int64_t *compact_rev)
{
	struct sq *q = be;
	sqlite3_stmt *st = NULL;
	int rc, r = 0;

	*max_rev = 0;
	*compact_rev = 0;
	/* The current value of every key: its newest row, if that is not a tombstone. */
	rc = sqlite3_prepare_v2(q->db,
	                        "SELECT k.key, k.rev, k.create_rev, k.value FROM kv k"
	                        " JOIN (SELECT key, MAX(rev) AS r FROM kv GROUP BY key) m"
	                        " ON k.key = m.key AND k.rev = m.r WHERE k.deleted = 0",
	                        -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sq_err(q, "prepare load");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);
		const char *val = sqlite3_column_blob(st, 3);
		int len = sqlite3_column_bytes(st, 3);

		r = row(ctx, key, sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2),
		        val ? val : "", (size_t)len);
		if (r < 0)
			break;
	}
	sqlite3_finalize(st);
	if (r < 0)
		return r;
	if (rc != SQLITE_DONE)
		return sq_err(q, "load");

	/* The revision survives compaction through meta, since rows may all be gone. */
	rc = sqlite3_prepare_v2(q->db,
	                        "SELECT MAX(COALESCE((SELECT MAX(rev) FROM kv), 0),"
	                        " COALESCE((SELECT value FROM meta WHERE name='rev'), 0)),"
	                        " COALESCE((SELECT value FROM meta WHERE name='compact_rev'), 0)",
	                        -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sq_err(q, "prepare rev");
	if (sqlite3_step(st) == SQLITE_ROW) {
		*max_rev = sqlite3_column_int64(st, 0);
		*compact_rev = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return 0;
}

static int sq_begin(void *be)
{
	struct sq *q = be;

	return sq_step_done(q, q->begin, "begin");
}

static int sq_put(void *be, int64_t rev, const char *key, int created, int deleted,
                  int64_t create_rev, int64_t prev_rev, const char *val, size_t len)
{
	struct sq *q = be;
	sqlite3_stmt *st = q->ins;

	sqlite3_bind_int64(st, 1, rev);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, created);
	sqlite3_bind_int(st, 4, deleted);
	sqlite3_bind_int64(st, 5, create_rev);
	sqlite3_bind_int64(st, 6, prev_rev);
	if (val)
		sqlite3_bind_blob(st, 7, val, (int)len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 7);
	return sq_step_done(q, st, "insert");
}

static int sq_commit(void *be)
{
	struct sq *q = be;

	return sq_step_done(q, q->commit, "commit");
}

static void sq_rollback(void *be)
{
	struct sq *q = be;

	if (!sqlite3_get_autocommit(q->db))
		sq_step_done(q, q->rollback, "rollback");
}

static int sq_exec(struct sq *q, const char *sql, const char *what)
{
	char *msg = NULL;

	if (sqlite3_exec(q->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_error("store", "sqlite %s: %s", what, msg ? msg : "?");
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

static int sq_compact(void *be, int64_t rev)
{
	struct sq *q = be;
	sqlite3_stmt *st = NULL;
	int r;

	if (sq_exec(q, "BEGIN IMMEDIATE", "compact begin") < 0)
		return -EIO;
	/* Rows older than rev go, except each key's newest live row. Tombstones
	 * below rev go too; meta keeps the revision counter. */
	if (sqlite3_prepare_v2(q->db,
	                       "DELETE FROM kv WHERE rev < ?1 AND (deleted = 1 OR rev <"
	                       " (SELECT MAX(k2.rev) FROM kv k2 WHERE k2.key = kv.key))",
	                       -1, &st, NULL) != SQLITE_OK) {
		sq_exec(q, "ROLLBACK", "compact rollback");
		return sq_err(q, "prepare compact");
	}
	sqlite3_bind_int64(st, 1, rev);
	r = sq_step_done(q, st, "compact");
	sqlite3_finalize(st);
	if (r == 0 &&
	    sqlite3_prepare_v2(q->db,
	                       "INSERT OR REPLACE INTO meta(name, value) VALUES"
	                       " ('compact_rev', ?1), ('rev', (SELECT MAX(COALESCE((SELECT"
	                       " MAX(rev) FROM kv), 0), COALESCE((SELECT value FROM meta"
	                       " WHERE name='rev'), 0))))",
	                       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, rev);
		r = sq_step_done(q, st, "compact meta");
		sqlite3_finalize(st);
	}
	if (r < 0) {
		sq_exec(q, "ROLLBACK", "compact rollback");
		return r;
	}
	return sq_exec(q, "COMMIT", "compact commit");
}

static void sq_close(void *be)
{
	struct sq *q = be;

	if (!q)
		return;
	sqlite3_finalize(q->ins);
	sqlite3_finalize(q->begin);
	sqlite3_finalize(q->commit);
	sqlite3_finalize(q->rollback);
	sqlite3_close(q->db);
	free(q);
}

static const struct store_backend_ops sq_ops = {
    "sqlite", sq_load, sq_begin, sq_put, sq_commit, sq_rollback, sq_compact, sq_close,
};

int store_open_sqlite(store **out, const char *path)
{
	struct sq *q = calloc(1, sizeof(*q));

	if (!q)
		return -ENOMEM;
	if (sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		log_error("store", "cannot open %s: %s", path,
		          q->db ? sqlite3_errmsg(q->db) : "out of memory");
		sq_close(q);
		return -EIO;
	}
	/* Another process holding our database lock stalls the one event loop:
	 * give up soon and let the batch fail (clients see an error, not a hang). */
	sqlite3_busy_timeout(q->db, 1000);
	if (sq_exec(q, sq_schema, "schema") < 0 ||
	    sqlite3_prepare_v2(
	        q->db,
	        "INSERT INTO kv(rev, key, created, deleted, create_rev, prev_rev, value)"
	        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	        -1, &q->ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(q->db, "BEGIN IMMEDIATE", -1, &q->begin, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(q->db, "COMMIT", -1, &q->commit, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(q->db, "ROLLBACK", -1, &q->rollback, NULL) != SQLITE_OK) {
		sq_err(q, "open");
		sq_close(q);
		return -EIO;
	}
	return store_open_backend(out, q, &sq_ops);
}
