/*
 * pbconn.c - new TCP connections per second, for bench/proxy/run.
 *
 *   pbconn serve PORT
 *       accept-and-close server on 0.0.0.0:PORT (the pod side); runs until
 *       SIGTERM/SIGINT.
 *   pbconn rate IP PORT SECONDS CONC
 *       keeps CONC connections in flight for SECONDS (after 0.3 s of warm-up
 *       that is not counted); each one: non-blocking connect, wait for the
 *       server's FIN, close with SO_LINGER 0 (a RST: no TIME_WAIT on either
 *       side, so ports come back at once). Prints one line:
 *       conns=N errors=N timeouts=N secs=S rate=R p50_us=N p99_us=N all_conns=N
 *       cpu_us=N err=TEXT
 *       (all_conns and cpu_us, this process's user+system CPU, cover the
 *       warm-up too: with the server's CPU over the same call they give the
 *       CPU cost of one connection, which other load on the machine does not
 *       change the way it changes the rate; softirq work done in this
 *       process's context, such as the NAT lookup on veth transmit, is
 *       accounted to it)
 *
 * One thread, epoll. A connection that takes more than 1 s counts as a
 * timeout. Exit status 0 when it ran (errors are reported, not fatal), 2 on
 * bad arguments, 1 when the socket calls themselves fail.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONC    256
#define TIMEOUT_NS  1000000000ull
#define WARMUP_NS   300000000ull
#define MAX_SAMPLES (1u << 23)

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int serve(int port)
{
	struct sockaddr_in a = {0};
	struct sigaction sa = {0};
	int one = 1, ls;

	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls < 0) {
		perror("socket");
		return 1;
	}
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 4096) < 0) {
		perror("bind/listen");
		return 1;
	}
	printf("listening on :%d\n", port);
	fflush(stdout);
	while (!stopping) {
		int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);

		if (c >= 0)
			close(c);
		else if (errno != EINTR && errno != ECONNABORTED && errno != EMFILE &&
		         errno != ENFILE)
			perror("accept");
	}
	close(ls);
	return 0;
}

struct slot {
	int fd;
	int connected;
	uint64_t t0;
};

struct run {
	struct sockaddr_in dst;
	int ep;
	uint64_t measure_from, conns, all_conns, errors, timeouts;
	uint32_t *lat_us;
	size_t n_lat;
	char first_err[64];
	struct slot s[MAX_CONC];
};

static void note_error(struct run *r, const char *what, int err, uint64_t t)
{
	if (t >= r->measure_from) {
		r->errors++;
		if (!r->first_err[0])
			snprintf(r->first_err, sizeof(r->first_err), "%s:%s", what, strerror(err));
	}
}

static void slot_close(struct run *r, struct slot *s)
{
	if (s->fd >= 0) {
		epoll_ctl(r->ep, EPOLL_CTL_DEL, s->fd, NULL);
		close(s->fd);
	}
	s->fd = -1;
}

static int slot_open(struct run *r, struct slot *s, uint32_t idx)
{
	struct linger lg = {1, 0};
	struct epoll_event ev = {0};
	int fd, rc;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	s->fd = fd;
	s->connected = 0;
	s->t0 = now_ns();
	rc = connect(fd, (struct sockaddr *)&r->dst, sizeof(r->dst));
	if (rc < 0 && errno != EINPROGRESS) {
		int e = errno;

		close(fd);
		s->fd = -1;
		return -e;
	}
	if (rc == 0)
		s->connected = 1;
	ev.events = s->connected ? (EPOLLIN | EPOLLRDHUP) : (EPOLLOUT | EPOLLIN | EPOLLRDHUP);
	ev.data.u32 = idx;
	if (epoll_ctl(r->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int e = errno;

		close(fd);
		s->fd = -1;
		return -e;
	}
	return 0;
}

/* Opens slot idx, retrying briefly on a transient error (ports, memory). */
static void slot_start(struct run *r, uint32_t idx)
{
	for (int tries = 0; tries < 100 && !stopping; tries++) {
		int rc = slot_open(r, &r->s[idx], idx);

		if (rc == 0)
			return;
		if (rc == -EMFILE || rc == -ENFILE || rc == -EINVAL) {
			fprintf(stderr, "pbconn: socket: %s\n", strerror(-rc));
			exit(1);
		}
		note_error(r, "connect", -rc, now_ns());
		usleep(1000);
	}
}

static void done(struct run *r, uint32_t idx, uint64_t t)
{
	struct slot *s = &r->s[idx];

	r->all_conns++;
	if (t >= r->measure_from && s->t0 >= r->measure_from) {
		r->conns++;
		if (r->n_lat < MAX_SAMPLES)
			r->lat_us[r->n_lat++] = (uint32_t)((t - s->t0) / 1000);
	}
	slot_close(r, s);
	slot_start(r, idx);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int rate(const char *ip, int port, double secs, int conc)
{
	struct run *r = calloc(1, sizeof(*r));
	struct epoll_event evs[MAX_CONC];
	struct sigaction sa = {0};
	uint64_t start, end, last_scan;
	uint32_t p50 = 0, p99 = 0;

	if (!r || !(r->lat_us = malloc(sizeof(uint32_t) * MAX_SAMPLES))) {
		fprintf(stderr, "pbconn: out of memory\n");
		return 1;
	}
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	r->dst.sin_family = AF_INET;
	r->dst.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, ip, &r->dst.sin_addr) != 1) {
		fprintf(stderr, "pbconn: %s: not an IPv4 address\n", ip);
		return 2;
	}
	r->ep = epoll_create1(EPOLL_CLOEXEC);
	if (r->ep < 0) {
		perror("epoll_create1");
		return 1;
	}
	start = now_ns();
	r->measure_from = start + WARMUP_NS;
	end = r->measure_from + (uint64_t)(secs * 1e9);
	for (int i = 0; i < conc; i++) {
		r->s[i].fd = -1;
		slot_start(r, (uint32_t)i);
	}
	last_scan = start;
	while (!stopping) {
		uint64_t t;
		int n = epoll_wait(r->ep, evs, MAX_CONC, 10);

		if (n < 0 && errno != EINTR) {
			perror("epoll_wait");
			return 1;
		}
		t = now_ns();
		for (int i = 0; i < n; i++) {
			uint32_t idx = evs[i].data.u32;
			struct slot *s = &r->s[idx];

			if (s->fd < 0)
				continue;
			if (!s->connected) {
				int err = 0;
				socklen_t len = sizeof(err);

				getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
				if (err) {
					note_error(r, "connect", err, t);
					slot_close(r, s);
					slot_start(r, idx);
					continue;
				}
				if (evs[i].events & EPOLLOUT) {
					struct epoll_event ev = {0};

					s->connected = 1;
					ev.events = EPOLLIN | EPOLLRDHUP;
					ev.data.u32 = idx;
					epoll_ctl(r->ep, EPOLL_CTL_MOD, s->fd, &ev);
				}
			}
			if (s->connected && (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) {
				char b[64];
				ssize_t k = read(s->fd, b, sizeof(b));

				if (k == 0) {
					done(r, idx, t);
				} else if (k < 0 && errno != EAGAIN) {
					note_error(r, "read", errno, t);
					slot_close(r, s);
					slot_start(r, idx);
				}
			}
		}
		t = now_ns(); /* slots reopened above started after the t of the events */
		if (t - last_scan > 50000000ull) {
			last_scan = t;
			for (int i = 0; i < conc; i++) {
				struct slot *s = &r->s[i];

				if (s->fd >= 0 && t > s->t0 + TIMEOUT_NS) {
					if (t >= r->measure_from)
						r->timeouts++;
					slot_close(r, s);
					slot_start(r, (uint32_t)i);
				}
			}
		}
		if (t >= end)
			break;
	}
	for (int i = 0; i < conc; i++)
		slot_close(r, &r->s[i]);
	if (r->n_lat) {
		qsort(r->lat_us, r->n_lat, sizeof(uint32_t), cmp_u32);
		p50 = r->lat_us[(r->n_lat - 1) / 2];
		p99 = r->lat_us[(r->n_lat * 99 - 1) / 100];
	}
	{
		double el = (double)(now_ns() - r->measure_from) / 1e9;
		struct rusage ru;
		double cpu;

		getrusage(RUSAGE_SELF, &ru);
		cpu = (double)ru.ru_utime.tv_sec * 1e6 + (double)ru.ru_utime.tv_usec +
		      (double)ru.ru_stime.tv_sec * 1e6 + (double)ru.ru_stime.tv_usec;
		printf("conns=%llu errors=%llu timeouts=%llu secs=%.3f rate=%.1f p50_us=%u p99_us=%u "
		       "all_conns=%llu cpu_us=%.0f err=%s\n",
		       (unsigned long long)r->conns, (unsigned long long)r->errors,
		       (unsigned long long)r->timeouts, el, el > 0 ? (double)r->conns / el : 0.0, p50,
		       p99, (unsigned long long)r->all_conns, cpu, r->first_err[0] ? r->first_err : "-");
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "serve"))
		return serve(atoi(argv[2]));
	if (argc == 6 && !strcmp(argv[1], "rate")) {
		int conc = atoi(argv[5]);
		double secs = atof(argv[4]);

		if (conc < 1 || conc > MAX_CONC || secs <= 0 || secs > 600) {
			fprintf(stderr, "pbconn: CONC 1..%d, SECONDS 0..600\n", MAX_CONC);
			return 2;
		}
		return rate(argv[2], atoi(argv[3]), secs, conc);
	}
	fprintf(stderr, "usage: pbconn serve PORT | pbconn rate IP PORT SECONDS CONC\n");
	return 2;
}
