/*
 * watch.c - write-to-event latency for many concurrent watchers.
 *
 * W watch streams on one collection, all read by one thread with epoll; a
 * writer on the main thread patches M existing objects at a fixed, modest
 * rate (so we measure delivery, not queueing behind a burst) and notes the
 * time just before each request leaves. A watcher stamps an event with the
 * time of the read that completed its line, before any parsing, and finds
 * the object by a plain substring search rather than a JSON parse, so the
 * generator's own CPU use (on a 2-core machine shared with the server) stays
 * small. Latency is taken over every (watcher, object) pair.
 */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "apibench.h"

struct ab_watcher {
	struct ab_conn c;
	int head; /* the 200 head arrived: the server has registered the watch */
	int dead;
};

struct ab_wstate {
	const struct ab_watch_opts *o;
	struct ab_watcher *w;
	double *recv; /* W x M arrival times, 0 = not yet */
	char needle[128];
	size_t needle_len;
	int epfd;
	atomic_int stop;
	atomic_int heads;
	atomic_int dead;
	atomic_size_t nrecv;
	size_t dups, others, errors;
};

static void ab_watch_line(struct ab_wstate *s, int wi, const char *line, size_t len, double now)
{
	const char *p;
	long idx = 0;

	if (!line || len < s->needle_len) {
		s->others++;
		return;
	}
	p = memmem(line, len, s->needle, s->needle_len);
	if (len >= 16 && !memcmp(line, "{\"type\":\"ERROR\"", 15)) {
		s->errors++;
		return;
	}
	if (!p) {
		s->others++;
		return;
	}
	p += s->needle_len;
	while (p < line + len && *p >= '0' && *p <= '9' && idx < 100000000)
		idx = idx * 10 + (*p++ - '0');
	if (p >= line + len || *p != '"' || idx >= s->o->events) {
		s->others++;
		return;
	}
	if (s->recv[(size_t)wi * (size_t)s->o->events + (size_t)idx] != 0) {
		s->dups++;
		return;
	}
	s->recv[(size_t)wi * (size_t)s->o->events + (size_t)idx] = now;
	atomic_fetch_add(&s->nrecv, 1);
}

/* Hands every complete line in the body to ab_watch_line and drops it. */
static void ab_watch_lines(struct ab_wstate *s, int wi, double now)
{
	buf *b = &s->w[wi].c.resp.body;
	char *start, *end, *nl;

	if (!b->data || !buf_avail(b))
		return;
	start = buf_head(b);
	end = start + buf_avail(b);

	while ((nl = memchr(start, '\n', (size_t)(end - start))) != NULL) {
		ab_watch_line(s, wi, start, (size_t)(nl - start), now);
		start = nl + 1;
	}
	buf_consume(b, (size_t)(start - buf_head(b)));
}

static void ab_watch_kill(struct ab_wstate *s, struct ab_watcher *w, const char *why)
{
	if (w->dead)
		return;
	w->dead = 1;
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, w->c.fd, NULL);
	atomic_fetch_add(&s->dead, 1);
	fprintf(stderr, "apibench: watcher %d: %s\n", (int)(w - s->w), why);
}

static void ab_watch_read(struct ab_wstate *s, int wi)
{
	struct ab_watcher *w = &s->w[wi];
	struct ab_conn *c = &w->c;

	while (!w->dead) {
		double now;
		int n, rc;

		if (buf_reserve(&c->in, 64 * 1024) < 0) {
			ab_watch_kill(s, w, "out of memory");
			return;
		}
		n = SSL_read(c->ssl, c->in.data + c->in.len, (int)(c->in.cap - c->in.len));
		if (n <= 0) {
			int e = SSL_get_error(c->ssl, n);

			if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
				return;
			ab_watch_kill(s, w, "the server closed the stream");
			return;
		}
		now = ab_now();
		c->in.len += (size_t)n;
		while ((rc = http_parse_response(&c->p, &c->in, &c->resp)) != HTTP_NEED_MORE) {
			if (rc == HTTP_HEAD_DONE) {
				if (c->resp.status != 200) {
					ab_watch_kill(s, w, "watch not answered 200");
					return;
				}
				w->head = 1;
				atomic_fetch_add(&s->heads, 1);
			} else if (rc == HTTP_BODY_PART) {
				ab_watch_lines(s, wi, now);
			} else if (rc == HTTP_DONE) {
				ab_watch_lines(s, wi, now);
				ab_watch_kill(s, w, "the server ended the stream");
				return;
			} else {
				ab_watch_kill(s, w, "malformed stream");
				return;
			}
		}
	}
}

static void *ab_watch_thread(void *arg)
{
	struct ab_wstate *s = arg;
	struct epoll_event evs[64];

	while (!atomic_load(&s->stop)) {
		int n = epoll_wait(s->epfd, evs, 64, 50);

		for (int i = 0; i < n; i++)
			ab_watch_read(s, (int)evs[i].data.u32);
	}
	return NULL;
}

/* The collection's current resourceVersion, so watches start from now. */
static int ab_current_rv(const struct ab_target *t, const char *ns, char *rv, size_t rvlen)
{
	struct ab_conn c;
	char path[256];
	json_t *j;
	const char *s;
	int rc;

	rc = ab_conn_open(t, &c);
	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/services?limit=1", ns);
	rc = ab_request(t, &c, "GET", path, NULL, NULL, 0, NULL);
	if (rc == 200) {
		j = json_loadb(buf_head(&c.resp.body), buf_avail(&c.resp.body), 0, NULL);
		s = json_string_value(
		    json_object_get(json_object_get(j, "metadata"), "resourceVersion"));
		rc = s ? 0 : -EPROTO;
		if (s)
			snprintf(rv, rvlen, "%s", s);
		json_decref(j);
	} else if (rc > 0) {
		rc = -EPROTO;
	}
	ab_conn_close(&c);
	return rc;
}

static int ab_watch_open(const struct ab_target *t, struct ab_wstate *s, const char *rv)
{
	char path[256];
	int rc;

	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/services?watch=1&resourceVersion=%s",
	         s->o->ns, rv);
	for (int i = 0; i < s->o->watchers; i++) {
		struct ab_watcher *w = &s->w[i];
		struct epoll_event ev = {.events = EPOLLIN};

		rc = ab_conn_open(t, &w->c);
		if (rc < 0)
			return rc;
		http_parser_set_stream(&w->c.p, 1);
		rc = ab_send(t, &w->c, "GET", path, NULL, NULL, 0);
		if (rc < 0 || (rc = ab_conn_nonblock(&w->c)) < 0)
			return rc;
		ev.data.u32 = (uint32_t)i;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, w->c.fd, &ev) < 0)
			return -errno;
	}
	return 0;
}

static void ab_sleep_until(double t)
{
	double d = t - ab_now();
	struct timespec ts;

	if (d <= 0)
		return;
	ts.tv_sec = (time_t)d;
	ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

/* Patches object i at t0 + i/rate; fills sent[] and the write latencies. */
static int ab_watch_write(const struct ab_target *t, const struct ab_watch_opts *o, double *sent,
                          double *wlat, double deadline, double *elapsed)
{
	struct ab_conn c;
	char path[256], body[256];
	double t0;
	int rc = ab_conn_open(t, &c);

	if (rc < 0)
		return ab_fail(t, "watch writer: connect", rc);
	t0 = ab_now();
	for (int i = 0; i < o->events; i++) {
		int n;

		ab_sleep_until(t0 + (double)i / o->rate);
		if (ab_now() > deadline) {
			ab_conn_close(&c);
			fprintf(stderr, "apibench: watch writer: timed out after %d updates\n", i);
			return 1;
		}
		snprintf(path, sizeof(path), "/api/v1/namespaces/%s/services/%s%06d", o->ns,
		         o->prefix, i);
		n = snprintf(body, sizeof(body),
		             "{\"metadata\":{\"annotations\":{\"bench.svcnet.io/seq\":\"%d\"}}}",
		             i);
		rc = ab_request(t, &c, "PATCH", path, "application/merge-patch+json", body,
		                (size_t)n, &sent[i]);
		if (rc != 200) {
			ab_conn_close(&c);
			return ab_fail(t, "watch writer: PATCH", rc);
		}
		wlat[i] = ab_now() - sent[i];
	}
	*elapsed = ab_now() - t0;
	ab_conn_close(&c);
	return 0;
}

static int ab_watch_report(struct ab_wstate *s, const double *sent, double *wlat, double elapsed)
{
	size_t W = (size_t)s->o->watchers, M = (size_t)s->o->events, n = 0;
	double *lat = malloc(W * M * sizeof(double)), mx = 0;

	if (!lat)
		return 1;
	for (size_t w = 0; w < W; w++)
		for (size_t i = 0; i < M; i++) {
			double r = s->recv[w * M + i];

			if (r == 0)
				continue;
			lat[n] = (r - sent[i]) * 1e3;
			if (lat[n] > mx)
				mx = lat[n];
			n++;
		}
	printf("watch_watchers %zu\nwatch_updates %zu\n", W, M);
	printf("watch_rate %.0f\n", (double)M / elapsed);
	printf("watch_p50_ms %.2f\n", ab_quantile(lat, n, 0.50));
	printf("watch_p99_ms %.2f\n", ab_quantile(lat, n, 0.99));
	printf("watch_max_ms %.2f\n", mx);
	printf("watch_missing %zu\n", W * M - n);
	for (size_t i = 0; i < M; i++)
		wlat[i] *= 1e3;
	printf("watch_write_p50_ms %.2f\n", ab_quantile(wlat, M, 0.50));
	printf("watch_write_p99_ms %.2f\n", ab_quantile(wlat, M, 0.99));
	if (s->dups || s->errors)
		fprintf(stderr, "apibench: watch: %zu duplicate events, %zu ERROR events\n",
		        s->dups, s->errors);
	free(lat);
	return 0;
}

int ab_watch_phase(const struct ab_target *t, const struct ab_watch_opts *o)
{
	struct ab_wstate s = {0};
	double *sent = calloc((size_t)o->events, sizeof(double));
	double *wlat = calloc((size_t)o->events, sizeof(double));
	double deadline = ab_now() + o->timeout_s, elapsed = 1, grace;
	char rv[32];
	struct ab_usage u0, u1;
	pthread_t th;
	int rc, started = 0, ret = 1;

	s.o = o;
	s.epfd = epoll_create1(EPOLL_CLOEXEC);
	s.w = calloc((size_t)o->watchers, sizeof(*s.w));
	s.recv = calloc((size_t)o->watchers * (size_t)o->events, sizeof(double));
	s.needle_len = (size_t)snprintf(s.needle, sizeof(s.needle), "\"name\":\"%s", o->prefix);
	for (int i = 0; s.w && i < o->watchers; i++)
		s.w[i].c.fd = -1;
	if (!sent || !wlat || !s.w || !s.recv || s.epfd < 0) {
		fprintf(stderr, "apibench: watch: out of memory\n");
		goto out;
	}
	rc = ab_current_rv(t, o->ns, rv, sizeof(rv));
	if (rc < 0) {
		ret = ab_fail(t, "watch: resourceVersion", rc);
		goto out;
	}
	rc = ab_watch_open(t, &s, rv);
	if (rc < 0) {
		ret = ab_fail(t, "watch: opening the watchers", rc);
		goto out;
	}
	if (pthread_create(&th, NULL, ab_watch_thread, &s) != 0)
		goto out;
	started = 1;
	while (atomic_load(&s.heads) + atomic_load(&s.dead) < o->watchers && ab_now() < deadline)
		ab_sleep_until(ab_now() + 0.005);
	if (atomic_load(&s.heads) < o->watchers) {
		fprintf(stderr, "apibench: watch: only %d of %d watches started\n",
		        atomic_load(&s.heads), o->watchers);
		ret = ab_fail(t, "watch: start", 0);
		goto out;
	}
	ab_usage_take(t->pid, &u0);
	if (ab_watch_write(t, o, sent, wlat, deadline, &elapsed) != 0)
		goto out;
	/* The last events may still be in flight; a bounded wait for them. */
	grace = ab_now() + 10;
	while (atomic_load(&s.nrecv) < (size_t)o->watchers * (size_t)o->events &&
	       atomic_load(&s.dead) == 0 && ab_now() < grace)
		ab_sleep_until(ab_now() + 0.005);
	ab_usage_take(t->pid, &u1);
	atomic_store(&s.stop, 1);
	pthread_join(th, NULL);
	started = 0;
	if (atomic_load(&s.dead)) {
		ret = ab_fail(t, "watch", 0);
		goto out;
	}
	ret = ab_watch_report(&s, sent, wlat, elapsed);
	ab_usage_print(&u0, &u1, o->events, "update", "watch");
out:
	if (started) {
		atomic_store(&s.stop, 1);
		pthread_join(th, NULL);
	}
	for (int i = 0; s.w && i < o->watchers; i++)
		if (s.w[i].c.fd >= 0)
			ab_conn_close(&s.w[i].c);
	if (s.epfd >= 0)
		close(s.epfd);
	free(s.w);
	free(s.recv);
	free(sent);
	free(wlat);
	return ret;
}
