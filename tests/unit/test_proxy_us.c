/*
 * test_proxy_us.c - the userspace proxy mode with real traffic, in a child's
 * private network namespace: the REDIRECT table, the TCP relay and UDP flows.
 *
 * Addresses sit on lo and the service range 198.18.200.0/24 is routed to lo
 * (rt_proxy_net), so clients here are "the node itself": the output hook
 * REDIRECTs them to 127.0.0.1:<proxy port>. Servers run in a forked process
 * (threads per connection); the proxy's loop runs in the test's main thread
 * while a client thread does blocking work, and syncs happen between phases,
 * so the backend is only ever touched by one thread at a time.
 */
#include "unit.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>

#include "lib/ev.h"
#include "lib/log.h"
#include "lib/nftrun.h"
#include "proxy/backend.h"
#include "proxy/us_int.h"
#include "test_proxy_model.h"
#include "test_rtnl_helpers.h"

#define EP1    "198.18.201.1"
#define EP2    "198.18.201.2"
#define EP3    "198.18.201.3" /* nothing listens: refused */
#define CLIENT "198.18.203.1"
#define SVC    "198.18.200.10"
#define BIG    (16 * 1024 * 1024)

/* ---- servers (a forked process) ---- */

struct tu_srv {
	int fd;
	int kind; /* 80: name; 81: count until EOF; 82: BIG bytes; 83: hold; 53: UDP name */
	char name[8];
};

static void *tu_srv_conn(void *arg)
{
	struct tu_srv *s = arg;
	static char junk[65536];
	char out[64];
	size_t total = 0;
	ssize_t n;

	if (s->kind == 80) {
		n = snprintf(out, sizeof(out), "%s\n", s->name);
		(void)!write(s->fd, out, (size_t)n);
	} else if (s->kind == 81) {
		while ((n = read(s->fd, junk, sizeof(junk))) > 0)
			total += (size_t)n;
		n = snprintf(out, sizeof(out), "got %zu\n", total);
		(void)!write(s->fd, out, (size_t)n);
	} else {
		for (total = 0; total < BIG; total += (size_t)n) {
			n = write(s->fd, junk, sizeof(junk));
			if (n <= 0)
				break;
		}
	}
	close(s->fd);
	free(s);
	return NULL;
}

/* 83: holds every connection open, silent, until the client ends it; one
 * thread for all (the idle-connections test makes thousands). */
static void *tu_srv_hold(struct tu_srv *l)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = l->fd}, got[64];
	int ep = epoll_create1(EPOLL_CLOEXEC);
	char b[512];

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, l->fd, &ev) < 0)
		return NULL;
	for (;;) {
		int n = epoll_wait(ep, got, 64, -1);

		for (int i = 0; i < n; i++) {
			int fd = got[i].data.fd;

			if (fd == l->fd) {
				int c = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);

				ev.data.fd = c;
				if (c >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev) < 0)
					close(c);
			} else if (read(fd, b, sizeof(b)) <= 0) {
				close(fd); /* EOF or reset: closing removes it from ep */
			}
		}
	}
	return NULL;
}

static void *tu_srv_accept(void *arg)
{
	struct tu_srv *l = arg;

	if (l->kind == 83)
		return tu_srv_hold(l);
	for (;;) {
		int c = accept(l->fd, NULL, NULL);
		struct tu_srv *s;
		pthread_t t;

		if (c < 0)
			continue;
		s = malloc(sizeof(*s));
		if (!s) {
			close(c);
			continue;
		}
		*s = *l;
		s->fd = c;
		if (pthread_create(&t, NULL, tu_srv_conn, s) != 0) {
			close(c);
			free(s);
			continue;
		}
		pthread_detach(t);
	}
	return NULL;
}

static void *tu_srv_udp(void *arg)
{
	struct tu_srv *l = arg;
	char b[2048];

	for (;;) {
		struct sockaddr_in from;
		socklen_t len = sizeof(from);
		ssize_t n = recvfrom(l->fd, b, sizeof(b), 0, (struct sockaddr *)&from, &len);

		if (n < 0)
			continue;
		sendto(l->fd, l->name, strlen(l->name), 0, (struct sockaddr *)&from, len);
	}
	return NULL;
}

static int tu_listen(int type, const char *ip, int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int one = 1, fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	inet_pton(AF_INET, ip, &sa.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 1024) < 0)) {
		printf("    child: listen %s:%d: %s\n", ip, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* The servers' process: pid, or -1. */
static pid_t tu_servers(void)
{
	static const struct {
		const char *ip, *name;
		int port, type;
	} v[] = {{EP1, "ep1", 80, SOCK_STREAM}, {EP2, "ep2", 80, SOCK_STREAM},
	         {EP1, "ep1", 81, SOCK_STREAM}, {EP1, "ep1", 82, SOCK_STREAM},
	         {EP1, "ep1", 83, SOCK_STREAM}, {EP1, "ep1", 53, SOCK_DGRAM},
	         {EP2, "ep2", 53, SOCK_DGRAM}};
	enum { TU_NSRV = sizeof(v) / sizeof(v[0]) };
	int fds[TU_NSRV];
	pid_t pid;

	for (size_t i = 0; i < TU_NSRV; i++)
		if ((fds[i] = tu_listen(v[i].type, v[i].ip, v[i].port)) < 0)
			return -1;
	fflush(stdout);
	pid = fork();
	if (pid != 0) {
		for (size_t i = 0; i < TU_NSRV; i++)
			close(fds[i]);
		return pid;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (size_t i = 0; i < TU_NSRV; i++) {
		struct tu_srv *s = calloc(1, sizeof(*s));
		pthread_t t;

		s->fd = fds[i];
		s->kind = v[i].type == SOCK_DGRAM ? 53 : v[i].port;
		snprintf(s->name, sizeof(s->name), "%s", v[i].name);
		pthread_create(&t, NULL, v[i].type == SOCK_DGRAM ? tu_srv_udp : tu_srv_accept, s);
	}
	for (;;)
		pause();
}

/* ---- the proxy ---- */

struct tu {
	ev_loop *l;
	pxm *m;
	pxb *b;
	struct pxb_config cfg;
	struct pxb_result res;
	char err[512];
	pid_t srv;
};

/* Service "ns/s" at SVC with TCP ports 80, 81, 82, 83 and UDP 53 (same
 * target numbers), extra in spec; eps: JSON endpoint list. */
static int tu_service(struct tu *t, const char *extra, const char *eps)
{
	if (tpm_fmt(t->m, false,
	            "{'metadata':{'namespace':'ns','name':'s'},'spec':{'clusterIP':'" SVC "',"
	            "'ports':[{'name':'a','port':80,'protocol':'TCP'},{'name':'b','port':81,"
	            "'protocol':'TCP'},{'name':'c','port':82,'protocol':'TCP'},{'name':'h',"
	            "'port':83,'protocol':'TCP'},{'name':'u','port':53,'protocol':'UDP'}]%s}}",
	            extra) < 0)
		return -1;
	return tpm_fmt(t->m, true,
	               "{'metadata':{'namespace':'ns','name':'s-x','labels':{"
	               "'kubernetes.io/service-name':'s'}},'addressType':'IPv4','ports':["
	               "{'name':'a','port':80,'protocol':'TCP'},{'name':'b','port':81,"
	               "'protocol':'TCP'},{'name':'c','port':82,'protocol':'TCP'},{'name':'h',"
	               "'port':83,'protocol':'TCP'},{'name':'u','port':53,'protocol':'UDP'}],"
	               "'endpoints':[%s]}",
	               eps) < 0
	           ? -1
	           : 0;
}

static const char *tu_eps(const char *const *ips, size_t n)
{
	static char b[1024];
	size_t off = 0;

	b[0] = 0;
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(b + off, sizeof(b) - off, "%s{'addresses':['%s']}",
		                        i ? "," : "", ips[i]);
	return b;
}

static int tu_sync(struct tu *t, bool full)
{
	return tpm_sync(&pxb_us_ops, t->b, t->m, full, &t->res, t->err, sizeof(t->err));
}

static int tu_open(struct tu *t, unsigned udp_ms)
{
	static const char *const addrs[] = {EP1, EP2, EP3, CLIENT};

	memset(t, 0, sizeof(*t));
	t->srv = -1;
	/* As the daemons do: splice() to a reset socket raises SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if (rt_proxy_net(addrs, 4, "lo") != 0)
		return -1;
	t->srv = tu_servers();
	if (t->srv < 0)
		return -1;
	t->l = ev_loop_new();
	t->cfg.family = AF_INET;
	t->cfg.node_name = "n1";
	t->cfg.masq_mark = PXB_MASQ_MARK_DEFAULT;
	t->cfg.loop = t->l;
	t->cfg.udp_timeout_ms = udp_ms;
	t->m = tpm_model("n1", NULL);
	if (!t->l || !t->m || pxb_us_ops.create(&t->cfg, &t->b, t->err, sizeof(t->err)) != 0) {
		printf("    child: create: %s\n", t->err);
		return -1;
	}
	return 0;
}

static void tu_close(struct tu *t)
{
	char err[256];

	pxb_us_ops.free(t->b);
	pxb_us_ops.cleanup(&t->cfg, err, sizeof(err));
	pxm_free(t->m);
	ev_loop_free(t->l);
	if (t->srv > 0) {
		kill(t->srv, SIGKILL);
		waitpid(t->srv, NULL, 0);
	}
}

/* ---- running clients against the loop ---- */

struct tu_phase {
	void *(*fn)(void *);
	void *arg;
	atomic_int done;
	int rc;
};

static long long tu_poll_done(ev_loop *l, ev_timer *t, void *data)
{
	struct tu_phase *ph = data;

	if (atomic_load(&ph->done)) {
		ev_stop(l);
		return EV_TIMER_STOP;
	}
	return 2;
}

static void *tu_phase_main(void *arg)
{
	struct tu_phase *ph = arg;

	ph->rc = (int)(intptr_t)ph->fn(ph->arg);
	atomic_store(&ph->done, 1);
	return NULL;
}

/* Runs fn(arg) in a thread while the loop turns; its return value (0: ok). */
static int tu_clients(struct tu *t, void *(*fn)(void *), void *arg)
{
	struct tu_phase ph = {fn, arg, 0, 0};
	pthread_t th;

	if (pthread_create(&th, NULL, tu_phase_main, &ph) != 0)
		return -1;
	ev_timer_add(t->l, 2, tu_poll_done, &ph);
	ev_run(t->l);
	pthread_join(th, NULL);
	return ph.rc;
}

static long long tu_stop(ev_loop *l, ev_timer *t, void *data)
{
	ev_stop(l);
	return EV_TIMER_STOP;
}

static void tu_spin(struct tu *t, long long ms)
{
	ev_timer_add(t->l, ms, tu_stop, NULL);
	ev_run(t->l);
}

static int tu_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* A TCP connection to SVC:port from src (NULL: any), blocking, 5 s timeouts. */
static int tu_connect(const char *src, int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct timeval tv = {5, 0};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (src) {
		struct sockaddr_in me = {.sin_family = AF_INET};

		inet_pton(AF_INET, src, &me.sin_addr);
		if (bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0) {
			close(fd);
			return -1;
		}
	}
	inet_pton(AF_INET, SVC, &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

/* Reads until EOF into out (NUL-terminated, truncated): bytes read, or -1. */
static long tu_read_all(int fd, char *out, size_t outlen)
{
	char b[65536];
	long total = 0;
	ssize_t n;

	if (outlen)
		out[0] = 0;
	while ((n = read(fd, b, sizeof(b))) > 0) {
		if ((size_t)total + 1 < outlen) {
			size_t k = (size_t)n < outlen - 1 - (size_t)total
			               ? (size_t)n
			               : outlen - 1 - (size_t)total;
			memcpy(out + total, b, k);
			out[total + (long)k] = 0;
		}
		total += n;
	}
	return n < 0 ? -1 : total;
}

/* The name the endpoint behind one new connection gives ("" on failure). */
static void tu_name(const char *src, char out[16])
{
	int fd = tu_connect(src, 80);

	out[0] = 0;
	if (fd < 0)
		return;
	tu_read_all(fd, out, 16);
	close(fd);
	if (out[0])
		out[strcspn(out, "\n")] = 0;
}

struct tu_count {
	const char *src;
	int n;
	int ep1, ep2, other;
};

static void *tu_names(void *arg)
{
	struct tu_count *c = arg;

	for (int i = 0; i < c->n; i++) {
		char name[16];

		tu_name(c->src, name);
		if (!strcmp(name, "ep1"))
			c->ep1++;
		else if (!strcmp(name, "ep2"))
			c->ep2++;
		else
			c->other++;
	}
	return NULL;
}

/* ---- the tests ---- */

static int tu_spread_retry_affinity(void)
{
	const char *two[] = {EP1, EP2}, *dead[] = {EP3, EP1, EP3, EP2};
	struct tu t;
	struct tu_count c = {NULL, 40, 0, 0, 0};
	char *list = NULL, err[256];
	int rc = 1;

	if (tu_open(&t, 0) < 0)
		goto out;
	T(tu_service(&t, "", tu_eps(two, 2)) == 0);
	T(tu_sync(&t, true) == 0);
	T(nftrun_list("list table ip svcnet-userspace", &list, err, sizeof(err)) == 0);
	T(strstr(list, SVC " . tcp . 80 : "));
	free(list);
	/* round robin: exactly even */
	T(tu_clients(&t, tu_names, &c) == 0);
	if (c.ep1 != 20 || c.ep2 != 20 || c.other) {
		printf("    child: round robin ep1=%d ep2=%d other=%d\n", c.ep1, c.ep2, c.other);
		goto out;
	}
	/* two endpoints refuse: every connection still lands on a live one */
	T(tu_service(&t, "", tu_eps(dead, 4)) == 0);
	T(tu_sync(&t, false) == 0);
	T(t.res.written == 0); /* an endpoint change writes no rule */
	memset(&c, 0, sizeof(c));
	c.n = 20;
	T(tu_clients(&t, tu_names, &c) == 0);
	if (c.ep1 + c.ep2 != 20 || !c.ep1 || !c.ep2) {
		printf("    child: retry ep1=%d ep2=%d other=%d\n", c.ep1, c.ep2, c.other);
		goto out;
	}
	/* ClientIP affinity: one client keeps one endpoint */
	T(tu_service(&t, ",'sessionAffinity':'ClientIP'", tu_eps(two, 2)) == 0);
	T(tu_sync(&t, false) == 0);
	memset(&c, 0, sizeof(c));
	c.n = 20;
	c.src = CLIENT;
	T(tu_clients(&t, tu_names, &c) == 0);
	if (!((c.ep1 == 20) ^ (c.ep2 == 20))) {
		printf("    child: affinity ep1=%d ep2=%d other=%d\n", c.ep1, c.ep2, c.other);
		goto out;
	}
	/* no endpoints: refused at once by the table */
	T(tu_service(&t, "", "") == 0);
	T(tu_sync(&t, false) == 0);
	T(t.res.written > 0);
	memset(&c, 0, sizeof(c));
	T(tu_connect(NULL, 80) == -ECONNREFUSED);
	rc = 0;
out:
	tu_close(&t);
	return rc;
}

UNIT_TEST(proxy_us_spread_retry_affinity_in_netns)
{
	RUN_IN_NETNS(tu_spread_retry_affinity);
}

struct tu_stream {
	int rc;
	long got;
	double secs;
};

static double tu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Half-close, back-pressure and a reset, in one client phase. */
static void *tu_streams(void *arg)
{
	struct tu_stream *r = arg;
	static char b[100000];
	char ans[64];
	int fd, idle, rst;
	double t0;

	r->rc = 1;
	/* half-close: send, shut down our side, still get the answer */
	fd = tu_connect(NULL, 81);
	if (fd < 0 || write(fd, b, sizeof(b)) != (ssize_t)sizeof(b) || shutdown(fd, SHUT_WR) < 0)
		return (void *)1;
	tu_read_all(fd, ans, sizeof(ans));
	close(fd);
	if (strcmp(ans, "got 100000\n")) {
		printf("    child: half-close answer '%s'\n", ans);
		return (void *)1;
	}
	/* a client that never reads, and one that reads everything */
	idle = tu_connect(NULL, 82);
	fd = tu_connect(NULL, 82);
	if (idle < 0 || fd < 0)
		return (void *)1;
	t0 = tu_now();
	r->got = tu_read_all(fd, NULL, 0);
	r->secs = tu_now() - t0;
	close(fd);
	/* a reset mid-stream */
	rst = tu_connect(NULL, 82);
	if (rst < 0 || read(rst, b, sizeof(b)) <= 0)
		return (void *)1;
	struct linger lg = {1, 0};
	setsockopt(rst, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(rst);
	close(idle);
	r->rc = 0;
	return NULL;
}

static int tu_tcp_relay(void)
{
	const char *one[] = {EP1};
	struct tu t;
	struct tu_stream r = {0};
	int rc = 1, base;

	if (tu_open(&t, 0) < 0)
		goto out;
	T(tu_service(&t, "", tu_eps(one, 1)) == 0);
	T(tu_sync(&t, true) == 0);
	base = tu_fds();
	T(tu_clients(&t, tu_streams, &r) == 0);
	if (r.got != BIG) {
		printf("    child: the reading client got %ld of %d bytes\n", r.got, BIG);
		goto out;
	}
	printf("    %d MB beside a stalled client in %.2f s\n", BIG >> 20, r.secs);
	/* every relay ends: the stalled one and the reset one too */
	for (int i = 0; i < 100 && (t.b->n_conns || tu_fds() != base); i++)
		tu_spin(&t, 20);
	if (t.b->n_conns || tu_fds() != base) {
		printf("    child: %zu relays and %d fds left (base %d)\n", t.b->n_conns, tu_fds(),
		       base);
		goto out;
	}
	rc = 0;
out:
	tu_close(&t);
	return rc;
}

UNIT_TEST(proxy_us_tcp_halfclose_backpressure_reset_in_netns)
{
	RUN_IN_NETNS(tu_tcp_relay);
}

struct tu_dgram {
	int fd;
	char name[16];
};

static void *tu_udp_ask(void *arg)
{
	struct tu_dgram *d = arg;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(53)};
	struct pollfd p = {.fd = d->fd, .events = POLLIN};
	ssize_t n;

	d->name[0] = 0;
	inet_pton(AF_INET, SVC, &sa.sin_addr);
	/* connected: only answers from the service address count */
	if (connect(d->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || send(d->fd, "?", 1, 0) != 1)
		return (void *)1;
	if (poll(&p, 1, 3000) != 1 || (n = recv(d->fd, d->name, sizeof(d->name) - 1, 0)) <= 0)
		return (void *)1;
	d->name[n] = 0;
	return NULL;
}

static int tu_udp(void)
{
	const char *two[] = {EP1, EP2}, *o1[] = {EP1}, *o2[] = {EP2};
	struct tu t;
	struct tu_dgram d = {-1, ""};
	int rc = 1, base;
	char first[16];

	if (tu_open(&t, 300) < 0)
		goto out;
	T(tu_service(&t, "", tu_eps(two, 2)) == 0);
	T(tu_sync(&t, true) == 0);
	base = tu_fds();
	d.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	T(d.fd >= 0);
	T(tu_clients(&t, tu_udp_ask, &d) == 0);
	T(!strcmp(d.name, "ep1") || !strcmp(d.name, "ep2"));
	T(t.b->n_flows == 1);
	/* the same flow keeps its endpoint */
	snprintf(first, sizeof(first), "%s", d.name);
	T(tu_clients(&t, tu_udp_ask, &d) == 0);
	T(!strcmp(d.name, first) && t.b->n_flows == 1);
	/* its endpoint goes: the flow closes at once, the next datagram uses the other */
	T(tu_service(&t, "", tu_eps(!strcmp(first, "ep1") ? o2 : o1, 1)) == 0);
	T(tu_sync(&t, false) == 0);
	T(t.b->n_flows == 0);
	T(tu_clients(&t, tu_udp_ask, &d) == 0);
	T(strcmp(d.name, first) && d.name[0]);
	T(t.b->n_flows == 1);
	/* idle for the timeout (300 ms): gone */
	tu_spin(&t, 1200);
	T(t.b->n_flows == 0);
	close(d.fd);
	d.fd = -1;
	T(tu_fds() == base);
	rc = 0;
out:
	if (d.fd >= 0)
		close(d.fd);
	tu_close(&t);
	return rc;
}

UNIT_TEST(proxy_us_udp_flows_in_netns)
{
	RUN_IN_NETNS(tu_udp);
}

/* The fd cap: accept pauses (no spin) and resumes when relays close. */
static void *tu_many(void *arg)
{
	int *fds = arg, n = 0;

	for (int i = 0; i < 40; i++) {
		int fd = tu_connect(NULL, 82);

		if (fd >= 0)
			fds[n++] = fd;
	}
	return (void *)(intptr_t)(n == 40 ? 0 : 1);
}

static int tu_cap(void)
{
	const char *one[] = {EP1};
	struct tu t;
	int fds[40], rc = 1;
	char name[16];

	if (tu_open(&t, 0) < 0)
		goto out;
	T(tu_service(&t, "", tu_eps(one, 1)) == 0);
	T(tu_sync(&t, true) == 0);
	/* room for 10 relays (2 sockets + 2 pipe fds each while streaming) */
	t.b->fd_cap = t.b->fds + 40;
	/* connects complete in the kernel's backlog even when accept pauses */
	T(tu_clients(&t, tu_many, fds) == 0);
	tu_spin(&t, 300);
	T(t.b->n_conns <= 20);
	T(t.b->n_conns >= 5);
	for (int i = 0; i < 40; i++)
		close(fds[i]);
	t.b->fd_cap = 100000;
	for (int i = 0; i < 100 && t.b->n_conns; i++)
		tu_spin(&t, 50);
	T(t.b->n_conns == 0);
	/* and new connections are accepted again */
	struct tu_count c = {NULL, 2, 0, 0, 0};
	T(tu_clients(&t, tu_names, &c) == 0);
	T(c.ep1 == 2);
	(void)name;
	rc = 0;
out:
	tu_close(&t);
	return rc;
}

UNIT_TEST(proxy_us_fd_cap_in_netns)
{
	RUN_IN_NETNS(tu_cap);
}

/*
 * Idle connections: N clients connect and never send (the hostile-clients
 * target is 10,000). The proxy must hold them all, stay responsive and not
 * spin, and give back every fd when they go. This process holds the
 * clients' sockets and the proxy's two per connection, so it needs 3N fds:
 * the build machine's hard RLIMIT_NOFILE (20,000) allows about 6,500, so
 * here the default is 1,000, and the VM tier (root in its own kernel, limit
 * raised) runs it with SVCNET_UNIT_US_IDLE=10000. A count set in the
 * environment that the limit cannot hold fails instead of shrinking.
 */
#define TU_IDLE_DEFAULT 1000

struct tu_idle {
	int n, made;
	int *fds;
};

static void *tu_idle_open(void *arg)
{
	struct tu_idle *x = arg;

	for (x->made = 0; x->made < x->n; x->made++) {
		int fd = tu_connect(NULL, 83);

		if (fd < 0) {
			printf("    child: idle connection %d: %s\n", x->made, strerror(-fd));
			return (void *)1;
		}
		x->fds[x->made] = fd;
	}
	return NULL;
}

static double tu_cpu(void)
{
	struct rusage r;

	getrusage(RUSAGE_SELF, &r);
	return (double)(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
	       (double)(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

static int tu_idle_conns(void)
{
	const char *one[] = {EP1}, *env = getenv("SVCNET_UNIT_US_IDLE");
	struct tu t;
	struct tu_idle x = {.n = env ? atoi(env) : TU_IDLE_DEFAULT};
	struct tu_count c = {NULL, 3, 0, 0, 0};
	struct rlimit rl;
	double t0, cpu;
	int base, rc = 1;

	T(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	rl.rlim_cur = rl.rlim_max;
	T(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	if (x.n < 1 || (rlim_t)x.n * 3 + 500 > rl.rlim_cur) {
		if (env) {
			printf(
			    "    child: %d idle connections need %d fds; RLIMIT_NOFILE is %llu\n",
			    x.n, x.n * 3 + 500, (unsigned long long)rl.rlim_cur);
			return 1;
		}
		x.n = (int)((rl.rlim_cur - 500) / 3);
	}
	T((x.fds = calloc((size_t)x.n, sizeof(int))));
	if (tu_open(&t, 0) < 0)
		goto out;
	T(tu_service(&t, "", tu_eps(one, 1)) == 0);
	T(tu_sync(&t, true) == 0);
	base = tu_fds();

	t0 = tu_now();
	T(tu_clients(&t, tu_idle_open, &x) == 0);
	for (int i = 0; i < 600 && t.b->n_conns < (size_t)x.n; i++)
		tu_spin(&t, 50);
	printf("    %d idle connections in %.1f s; proxy fds %d -> %d\n", x.n, tu_now() - t0, base,
	       tu_fds() - x.n);
	T(t.b->n_conns == (size_t)x.n);
	/* two sockets per relay, no pipes while nothing flows */
	T(tu_fds() - x.n >= base + 2 * x.n);

	/* idle means idle: a loop that spins would use the whole second */
	cpu = tu_cpu();
	tu_spin(&t, 1000);
	cpu = tu_cpu() - cpu;
	printf("    CPU in 1 s with %d idle: %.3f s\n", x.n, cpu);
	T(cpu < 0.5);
	/* and others are still served */
	T(tu_clients(&t, tu_names, &c) == 0);
	T(c.ep1 == 3);

	for (int i = 0; i < x.made; i++)
		close(x.fds[i]);
	x.made = 0;
	for (int i = 0; i < 600 && t.b->n_conns; i++)
		tu_spin(&t, 50);
	T(t.b->n_conns == 0);
	T(tu_fds() == base);
	rc = 0;
out:
	for (int i = 0; i < x.made; i++)
		close(x.fds[i]);
	free(x.fds);
	tu_close(&t);
	return rc;
}

UNIT_TEST(proxy_us_idle_conns_in_netns)
{
	RUN_IN_NETNS(tu_idle_conns);
}

static int tu_refuse(void)
{
	struct pxb_config c = {.family = AF_INET6};
	pxb *b = NULL;
	char err[256] = "";

	T(pxb_us_ops.create(&c, &b, err, sizeof(err)) == -ENOTSUP && !b);
	T(strstr(err, "IPv4 only"));
	c.family = AF_INET;
	T(pxb_us_ops.create(&c, &b, err, sizeof(err)) == -EINVAL && !b);
	T(pxb_us_ops.cleanup(&c, err, sizeof(err)) == 0); /* nothing there: fine */
	return 0;
}

UNIT_TEST(proxy_us_refuses_ipv6_in_netns)
{
	RUN_IN_NETNS(tu_refuse);
}
