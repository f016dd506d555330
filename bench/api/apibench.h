/*
 * apibench.h - the API load generator for `svcnet server` (bench/api/run).
 *
 * One process, several modes (see usage() in apibench.c). Every mode prints
 * its results as "key value" lines on stdout; `apibench report FILE` turns the
 * collected lines into the table with targets. Nothing here asserts a timing:
 * a missed target reads "NO" in the table, it does not fail the run. Failing
 * to run (server died, phase timed out, a request errored) exits nonzero.
 */
#ifndef SVCNET_BENCH_APIBENCH_H
#define SVCNET_BENCH_APIBENCH_H

#include <openssl/ssl.h>
#include <stddef.h>
#include <sys/types.h>

#include "lib/buf.h"
#include "lib/http_parse.h"

/* Where the server is and how to talk to it; read-only once set up, so the
 * create threads share one. */
struct ab_target {
	char host[64];
	int port;
	char token[512];
	SSL_CTX *ctx;
	pid_t pid; /* the server's pid, 0 if unknown: checked when a request fails */
	int io_timeout_ms;
};

/* One keep-alive TLS connection with a blocking socket (or non-blocking once
 * ab_conn_nonblock() was called, for the watchers). */
struct ab_conn {
	int fd;
	SSL *ssl;
	buf in;
	buf out;
	http_parser p;
	http_response resp;
};

/* Seconds on CLOCK_MONOTONIC. */
double ab_now(void);

int ab_target_init(struct ab_target *t, const char *host, int port, const char *ca_file,
                   const char *token_file, pid_t pid, int io_timeout_ms);
void ab_target_free(struct ab_target *t);

/* Connects, handshakes and verifies the server certificate against the CA
 * and the host's IP. Returns 0 or a negative errno. */
int ab_conn_open(const struct ab_target *t, struct ab_conn *c);
void ab_conn_close(struct ab_conn *c);
int ab_conn_nonblock(struct ab_conn *c);

/* Sends one request and waits for the whole answer (in c->resp). body may be
 * NULL. Returns the HTTP status or a negative errno; -ECONNRESET when the
 * server closed. *t_sent (may be NULL) gets the time just before the write. */
int ab_request(const struct ab_target *t, struct ab_conn *c, const char *method, const char *path,
               const char *ctype, const char *body, size_t blen, double *t_sent);
/* Writes the request head (and body) only; for the watchers. */
int ab_send(const struct ab_target *t, struct ab_conn *c, const char *method, const char *path,
            const char *ctype, const char *body, size_t blen);

/* 1 if the process runs (not a zombie), 0 if it is gone, and 1 if pid is 0. */
int ab_server_alive(pid_t pid);
/* Prints why a request failed, naming a dead server; always returns 1 (the
 * exit status). */
int ab_fail(const struct ab_target *t, const char *what, int rc);

/* Sorts v and returns the nearest-rank q-quantile (0 < q <= 1); 0 if n == 0. */
double ab_quantile(double *v, size_t n, double q);

/* VmRSS and VmHWM of pid in KiB; -1 when unreadable. */
int ab_proc_mem(pid_t pid, long *rss_kb, long *hwm_kb);

/* CPU use over a phase: the server's on-CPU and run-queue wait time (from
 * /proc/PID/schedstat: the server is one thread) and this process's CPU. The
 * wait is how long the server was runnable while other work had the CPUs:
 * on a shared 2-core machine it is what separates the server's own cost from
 * contention. */
struct ab_usage {
	double srv_cpu_ms, srv_wait_ms, cli_cpu_ms;
};
void ab_usage_take(pid_t pid, struct ab_usage *u);
/* Prints "server_cpu_ms_per_<what>_<label>", "server_runq_ms_<label>" and
 * "client_cpu_ms_per_<what>_<label>" for the phase from a to b over n units. */
void ab_usage_print(const struct ab_usage *a, const struct ab_usage *b, double n, const char *what,
                    const char *label);

/* The watch phase (watch.c). */
struct ab_watch_opts {
	int watchers;       /* W */
	int events;         /* M updates, one per object */
	double rate;        /* updates per second */
	const char *ns;     /* namespace watched and written */
	const char *prefix; /* the updated objects are <prefix>%06d, 0..M-1 */
	double timeout_s;
};
/* Runs the phase and prints its "key value" lines. Returns 0, or 1 after
 * printing why it could not run. */
int ab_watch_phase(const struct ab_target *t, const struct ab_watch_opts *o);

/* Times 300 back-to-back SQLite commits in DIR made the way the store makes
 * them (WAL, synchronous=FULL, a create's three rows per commit) and prints
 * their p50/p99 (probe.c): the disk's serial commit rate, which bounds
 * creates at c=1. Returns 0 or 1. */
int ab_commit_probe(const char *dir);

/* Prints the table (and one "apibench.KEY=VALUE" line per metric) from a file
 * of "key value" lines (report.c). Returns 0, or 1 if it cannot be read. */
int ab_report(const char *path);

#endif
