/*
 * probe.c - the data dir's disk as the store uses it: back-to-back commits
 * made the way src/store/sqlite.c makes them (WAL, synchronous=FULL, a log
 * table keyed by revision with a (key, rev) index), each carrying one
 * create's three rows (Service, EndpointSlice, Endpoints) of realistic size.
 * This is the disk's rate for serial commits, i.e. the ceiling of creates at
 * c=1. It is not the latency of every server commit: on a virtual disk a
 * flush that follows another at once can wait longer than one after a pause,
 * so commits with CPU work between them may finish sooner.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apibench.h"

#define AB_PROBE_COMMITS 300

static int ab_probe_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "apibench: commit probe: %s\n", err ? err : "sqlite error");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

static void ab_probe_unlink(const char *path)
{
	char p[4200];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

static int ab_probe_run(sqlite3 *db, double *lat)
{
	static const int sizes[3] = {700, 450, 350}; /* Service, EndpointSlice, Endpoints */
	char val[1024], key[128];
	sqlite3_stmt *ins = NULL;
	long long rev = 0;
	int ret = -1;

	memset(val, 'x', sizeof(val));
	if (sqlite3_prepare_v2(db, "INSERT INTO kv(rev, key, value) VALUES (?, ?, ?)", -1, &ins,
	                       NULL) != SQLITE_OK)
		return -1;
	for (int i = 0; i < AB_PROBE_COMMITS; i++) {
		double t0 = ab_now();

		if (ab_probe_exec(db, "BEGIN") < 0)
			goto out;
		for (int k = 0; k < 3; k++) {
			snprintf(key, sizeof(key), "/kind%d/default/probe-%06d", k, i);
			sqlite3_bind_int64(ins, 1, ++rev);
			sqlite3_bind_text(ins, 2, key, -1, SQLITE_TRANSIENT);
			sqlite3_bind_blob(ins, 3, val, sizes[k], SQLITE_STATIC);
			if (sqlite3_step(ins) != SQLITE_DONE) {
				fprintf(stderr, "apibench: commit probe: %s\n", sqlite3_errmsg(db));
				goto out;
			}
			sqlite3_reset(ins);
		}
		if (ab_probe_exec(db, "COMMIT") < 0)
			goto out;
		lat[i] = (ab_now() - t0) * 1e3;
	}
	ret = 0;
out:
	sqlite3_finalize(ins);
	return ret;
}

int ab_commit_probe(const char *dir)
{
	char path[4096];
	double lat[AB_PROBE_COMMITS];
	sqlite3 *db = NULL;
	int ret = 1;

	snprintf(path, sizeof(path), "%s/apibench-probe.db", dir);
	ab_probe_unlink(path);
	if (sqlite3_open(path, &db) != SQLITE_OK) {
		fprintf(stderr, "apibench: commit probe: cannot open %s\n", path);
		goto out;
	}
	if (ab_probe_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	                      "CREATE TABLE kv (rev INTEGER PRIMARY KEY, key TEXT NOT NULL,"
	                      " value BLOB);"
	                      "CREATE INDEX kv_key_rev ON kv(key, rev);") < 0 ||
	    ab_probe_run(db, lat) < 0)
		goto out;
	printf("disk_commit_p50_ms %.2f\n", ab_quantile(lat, AB_PROBE_COMMITS, 0.50));
	printf("disk_commit_p99_ms %.2f\n", ab_quantile(lat, AB_PROBE_COMMITS, 0.99));
	ret = 0;
out:
	sqlite3_close(db);
	ab_probe_unlink(path);
	return ret;
}
