/*
 * test_probe.c - container probes against real sockets on loopback, on a
 * real ev loop: tcpSocket, httpGet (status classes, headers, timeouts),
 * exec (exit codes, timeouts, environment), thresholds, initial delay,
 * initial results and spec errors.
 *
 * The test HTTP server lives on the same loop: it answers each request with
 * the status in pt.status (and closes), or never answers when pt.silent.
 */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/probe.h"

#define PT_MAX_SILENT 16

struct pt {
	ev_loop *loop;
	runner *r;
	probe *p;
	int changes, ok, want, free_in_cb;
	char msg[512];
	int attempts_at_change;
	uint64_t t0, changed_at;
	/* the server */
	int lfd, port, status, alternate, silent, nreq;
	int silent_fds[PT_MAX_SILENT], nsilent;
	char req[2048];
	size_t reqlen;
};

static void pt_on_result(probe *p, int ok, const char *msg, void *data)
{
	struct pt *t = data;

	t->changes++;
	t->ok = ok;
	snprintf(t->msg, sizeof(t->msg), "%s", msg);
	t->attempts_at_change = probe_attempts(p);
	t->changed_at = ev_clock_ms();
	if (t->free_in_cb) {
		probe_free(p);
		t->p = NULL;
	}
	if (t->changes >= t->want)
		ev_stop(t->loop);
}

static long long pt_timeout(ev_loop *l, ev_timer *tm, void *data)
{
	ev_stop(l);
	return EV_TIMER_STOP;
}

/* Runs the loop until want result changes in all, or ms pass; 1 if they came. */
static int pt_run(struct pt *t, int want, long long ms)
{
	ev_timer *tm;

	t->want = want;
	if (t->changes >= want)
		return 1;
	tm = ev_timer_add(t->loop, ms, pt_timeout, t);
	ev_run(t->loop);
	if (t->changes >= want)
		ev_timer_del(t->loop, tm);
	return t->changes >= want;
}

/* Runs the loop for ms, whatever happens. */
static void pt_idle(struct pt *t, long long ms)
{
	t->want = 1 << 30;
	ev_timer_add(t->loop, ms, pt_timeout, t);
	ev_run(t->loop);
}

static void pt_on_client(ev_loop *l, int fd, void *data, int mask)
{
	struct pt *t = data;
	char resp[128];
	ssize_t n = read(fd, t->req + t->reqlen, sizeof(t->req) - 1 - t->reqlen);
	int st;

	if (n > 0) {
		t->reqlen += (size_t)n;
		t->req[t->reqlen] = 0;
		if (!strstr(t->req, "\r\n\r\n") && t->reqlen < sizeof(t->req) - 1)
			return;
		st = t->alternate ? (t->nreq % 2 ? 503 : 200) : t->status;
		t->nreq++;
		n = snprintf(resp, sizeof(resp),
		             "HTTP/1.1 %d X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
		             st);
		if (write(fd, resp, (size_t)n) < 0)
			t->nreq += 1000;
	}
	ev_del(l, fd, EV_READ);
	close(fd);
}

static void pt_on_accept(ev_loop *l, int fd, void *data, int mask)
{
	struct pt *t = data;
	int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (c < 0)
		return;
	if (t->silent) {
		if (t->nsilent < PT_MAX_SILENT)
			t->silent_fds[t->nsilent++] = c;
		else
			close(c);
		return;
	}
	t->reqlen = 0;
	t->req[0] = 0;
	ev_add(l, c, EV_READ, pt_on_client, t);
}

/* A listening socket on a free loopback port; serve: answer HTTP on it. */
static int pt_listen(struct pt *t, int family, int serve)
{
	struct sockaddr_storage ss = {0};
	socklen_t len =
	    family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	ss.ss_family = (sa_family_t)family;
	if (family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	else
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		close(fd);
		return -1;
	}
	t->port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
	                                   : ((struct sockaddr_in *)&ss)->sin_port);
	t->lfd = fd;
	if (serve && ev_add(t->loop, fd, EV_READ, pt_on_accept, t) < 0)
		return -1;
	return 0;
}

/* A loopback port that nothing listens on (bound, then closed). */
static int pt_dead_port(void)
{
	struct pt tmp = {0};
	int port;

	if (pt_listen(&tmp, AF_INET, 0) < 0)
		return -1;
	port = tmp.port;
	close(tmp.lfd);
	return port;
}

static int pt_init(struct pt *t)
{
	memset(t, 0, sizeof(*t));
	t->lfd = -1;
	t->status = 200;
	t->loop = ev_loop_new();
	if (!t->loop)
		return -1;
	t->r = runner_new(t->loop, NULL, NULL);
	t->t0 = ev_clock_ms();
	return t->r ? 0 : -1;
}

static void pt_fini(struct pt *t)
{
	probe_free(t->p);
	t->p = NULL;
	for (int i = 0; i < t->nsilent; i++)
		close(t->silent_fds[i]);
	t->nsilent = 0;
	if (t->lfd >= 0) {
		ev_del(t->loop, t->lfd, EV_READ);
		close(t->lfd);
		t->lfd = -1;
	}
	runner_free(t->r);
	t->r = NULL;
	ev_loop_free(t->loop);
	t->loop = NULL;
}

static json_t *pt_json(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static json_t *pt_json(const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return json_loads(text, 0, NULL);
}

static const struct probe_target pt_target = {.pod_ip = "127.0.0.1"};

/* Starts probe spec (JSON text) with fast timing. 0 or the probe_new error. */
static int pt_probe(struct pt *t, enum probe_kind kind, const char *spec,
                    const struct probe_target *tg, const struct probe_timing *tm, char *err,
                    size_t errlen)
{
	json_t *j = json_loads(spec, 0, NULL);
	int rc;

	if (!j)
		return -1000;
	rc = probe_new_timing(t->loop, t->r, kind, j, tg ? tg : &pt_target, tm, pt_on_result, t,
	                      &t->p, err, errlen);
	json_decref(j);
	return rc;
}

static const struct probe_timing pt_fast = {0, 50, 500, 1, 1};

UNIT_TEST(probe_tcp_success_and_refused)
{
	char spec[128], err[256], want[128];
	struct pt t;
	int port;

	CHECK(pt_init(&t) == 0);
	CHECK(pt_listen(&t, AF_INET, 0) == 0); /* the kernel completes the handshake */
	snprintf(spec, sizeof(spec), "{\"tcpSocket\":{\"port\":%d}}", t.port);
	CHECK_INT(pt_probe(&t, PROBE_READINESS, spec, NULL, &pt_fast, err, sizeof(err)), 0);
	CHECK_INT(probe_result(t.p), 0);
	CHECK_INT(t.changes, 0); /* never from inside probe_new */
	CHECK(pt_run(&t, 1, 2000));
	CHECK_INT(t.ok, 1);
	CHECK_INT(probe_result(t.p), 1);
	probe_free(t.p);
	t.p = NULL;

	port = pt_dead_port();
	CHECK(port > 0);
	snprintf(spec, sizeof(spec), "{\"tcpSocket\":{\"port\":%d,\"host\":\"127.0.0.1\"}}", port);
	CHECK_INT(pt_probe(&t, PROBE_LIVENESS, spec, NULL, &pt_fast, err, sizeof(err)), 0);
	CHECK_INT(probe_result(t.p), 1);
	CHECK(pt_run(&t, 2, 2000));
	CHECK_INT(t.ok, 0);
	snprintf(want, sizeof(want), "dial tcp 127.0.0.1:%d: connect: connection refused", port);
	CHECK_STR(t.msg, want);
	/* A failed liveness probe is on hold: the container gets restarted. */
	pt_idle(&t, 200);
	CHECK_INT(probe_attempts(t.p), 1);
	pt_fini(&t);
}

UNIT_TEST(probe_tcp_ipv6_named_port)
{
	char spec[128], err[256], ctr[256];
	struct probe_target tg = {.pod_ip = "::1"};
	json_t *c;
	struct pt t;

	CHECK(pt_init(&t) == 0);
	if (pt_listen(&t, AF_INET6, 0) < 0) {
		pt_fini(&t);
		printf("    skip: no IPv6 loopback\n");
		return;
	}
	snprintf(ctr, sizeof(ctr),
	         "{\"name\":\"web\",\"ports\":[{\"name\":\"x\",\"containerPort\":1},"
	         "{\"name\":\"http\",\"containerPort\":%d}]}",
	         t.port);
	c = json_loads(ctr, 0, NULL);
	CHECK(c != NULL);
	tg.container = c;
	snprintf(spec, sizeof(spec), "{\"tcpSocket\":{\"port\":\"http\"}}");
	CHECK_INT(pt_probe(&t, PROBE_READINESS, spec, &tg, &pt_fast, err, sizeof(err)), 0);
	CHECK(pt_run(&t, 1, 2000));
	CHECK_INT(t.ok, 1);
	probe_free(t.p);
	t.p = NULL;
	CHECK_INT(pt_probe(&t, PROBE_READINESS, "{\"tcpSocket\":{\"port\":\"nope\"}}", &tg,
	                   &pt_fast, err, sizeof(err)),
	          -EINVAL);
	CHECK_STR(err, "couldn't find port: nope in container \"web\"");
	CHECK(t.p == NULL);
	json_decref(c);
	pt_fini(&t);
}

UNIT_TEST(probe_http_ok_headers)
{
	char spec[512], err[256];
	struct pt t;

	CHECK(pt_init(&t) == 0);
	CHECK(pt_listen(&t, AF_INET, 1) == 0);
	snprintf(spec, sizeof(spec),
	         "{\"httpGet\":{\"path\":\"healthz?x=1\",\"port\":%d,\"scheme\":\"HTTP\","
	         "\"httpHeaders\":[{\"name\":\"X-Probe\",\"value\":\"yes\"}]}}",
	         t.port);
	CHECK_INT(pt_probe(&t, PROBE_READINESS, spec, NULL, &pt_fast, err, sizeof(err)), 0);
	CHECK(pt_run(&t, 1, 2000));
	CHECK_INT(t.ok, 1);
	CHECK_STR(t.msg, "");
	CHECK(strncmp(t.req, "GET /healthz?x=1 HTTP/1.1\r\n", 27) == 0);
	CHECK(strstr(t.req, "\r\nX-Probe: yes\r\n") != NULL);
	CHECK(strstr(t.req, "\r\nConnection: close\r\n") != NULL);
	pt_fini(&t);
}

UNIT_TEST(probe_http_status_classes)
{
	static const struct {
		int status, ok;
		const char *msg;
	} cases[] = {
	    {503, 0, "HTTP probe failed with statuscode: 503"},
	    {404, 0, "HTTP probe failed with statuscode: 404"},
	    {302, 1, "Probe terminated redirects"},
	    {204, 1, ""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char spec[128], err[256];
		struct pt t;

		CHECK(pt_init(&t) == 0);
		CHECK(pt_listen(&t, AF_INET, 1) == 0);
		t.status = cases[i].status;
		snprintf(spec, sizeof(spec), "{\"httpGet\":{\"port\":%d}}", t.port);
		/* Liveness starts ok, readiness not: each case is a change. */
		CHECK_INT(pt_probe(&t, cases[i].ok ? PROBE_READINESS : PROBE_LIVENESS, spec, NULL,
		                   &pt_fast, err, sizeof(err)),
		          0);
		CHECK(pt_run(&t, 1, 2000));
		CHECK_INT(t.ok, cases[i].ok);
		CHECK_STR(t.msg, cases[i].msg);
		pt_fini(&t);
	}
}

UNIT_TEST(probe_http_timeout_and_refused)
{
	const struct probe_timing tm = {0, 50, 200, 1, 1};
	char spec[128], err[256], want[256];
	struct pt t;
	uint64_t t0;
	int port;

	CHECK(pt_init(&t) == 0);
	CHECK(pt_listen(&t, AF_INET, 1) == 0);
	t.silent = 1;
	snprintf(spec, sizeof(spec), "{\"httpGet\":{\"port\":%d,\"path\":\"/h\"}}", t.port);
	t0 = ev_clock_ms();
	CHECK_INT(pt_probe(&t, PROBE_LIVENESS, spec, NULL, &tm, err, sizeof(err)), 0);
	CHECK(pt_run(&t, 1, 2000));
	CHECK_INT(t.ok, 0);
	CHECK(t.changed_at - t0 >= 190);
	snprintf(want, sizeof(want),
	         "Get \"http://127.0.0.1:%d/h\": context deadline exceeded (Client.Timeout "
	         "exceeded while awaiting headers)",
	         t.port);
	CHECK_STR(t.msg, want);
	probe_free(t.p);
	t.p = NULL;

	port = pt_dead_port();
	snprintf(spec, sizeof(spec), "{\"httpGet\":{\"port\":%d}}", port);
	CHECK_INT(pt_probe(&t, PROBE_LIVENESS, spec, NULL, &tm, err, sizeof(err)), 0);
	CHECK(pt_run(&t, 2, 2000));
	snprintf(want, sizeof(want),
	         "Get \"http://127.0.0.1:%d/\": dial tcp 127.0.0.1:%d: connect: connection refused",
	         port, port);
	CHECK_STR(t.msg, want);
	pt_fini(&t);
}

static long long pt_set_503(ev_loop *l, ev_timer *tm, void *data)
{
	((struct pt *)data)->status = 503;
	return EV_TIMER_STOP;
}

UNIT_TEST(probe_thresholds)
{
	const struct probe_timing tm = {0, 30, 500, 2, 2};
	char spec[128], err[256];
	struct pt t;
	int a;

	CHECK(pt_init(&t) == 0);
	CHECK(pt_listen(&t, AF_INET, 1) == 0);
	snprintf(spec, sizeof(spec), "{\"httpGet\":{\"port\":%d}}", t.port);
	/* Alternating answers never make two in a row: no change. */
	t.alternate = 1;
	CHECK_INT(pt_probe(&t, PROBE_READINESS, spec, NULL, &tm, err, sizeof(err)), 0);
	pt_idle(&t, 300);
	CHECK(probe_attempts(t.p) >= 4);
	CHECK_INT(t.changes, 0);
	/* Steady 200: ready after two successes in a row. */
	t.alternate = 0;
	a = probe_attempts(t.p);
	CHECK(pt_run(&t, 1, 2000));
	CHECK_INT(t.ok, 1);
	CHECK(t.attempts_at_change - a >= 1 && t.attempts_at_change - a <= 2);
	/* 503 from now on: not ready after exactly two failures. */
	a = t.attempts_at_change;
	ev_timer_add(t.loop, 0, pt_set_503, &t);
	CHECK(pt_run(&t, 2, 2000));
	CHECK_INT(t.ok, 0);
	CHECK(t.attempts_at_change - a >= 2 && t.attempts_at_change - a <= 3);
	CHECK_STR(t.msg, "HTTP probe failed with statuscode: 503");
	/* A readiness probe keeps probing after failing. */
	a = probe_attempts(t.p);
	pt_idle(&t, 100);
	CHECK(probe_attempts(t.p) > a);
	pt_fini(&t);
}

UNIT_TEST(probe_initial_delay_and_results)
{
	const struct probe_timing tm = {300, 50, 500, 1, 3};
	char spec[128], err[256];
	struct pt t;
	probe *l, *s;
	uint64_t t0;

	CHECK(pt_init(&t) == 0);
	CHECK(pt_listen(&t, AF_INET, 0) == 0);
	snprintf(spec, sizeof(spec), "{\"tcpSocket\":{\"port\":%d}}", t.port);
	t0 = ev_clock_ms();
	CHECK_INT(pt_probe(&t, PROBE_LIVENESS, spec, NULL, &tm, err, sizeof(err)), 0);
	l = t.p;
	CHECK_INT(pt_probe(&t, PROBE_STARTUP, spec, NULL, &tm, err, sizeof(err)), 0);
	s = t.p;
	CHECK_INT(pt_probe(&t, PROBE_READINESS, spec, NULL, &tm, err, sizeof(err)), 0);
	CHECK_INT(probe_result(l), 1); /* alive until proven dead */
	CHECK_INT(probe_result(s), 0);
	CHECK_INT(probe_result(t.p), 0);
	pt_idle(&t, 200);
	CHECK_INT(probe_attempts(t.p), 0);
	CHECK(pt_run(&t, 2, 2000)); /* startup and readiness succeed; liveness stays */
	CHECK(t.changed_at - t0 >= 290);
	CHECK_INT(probe_result(l), 1);
	CHECK_INT(probe_result(s), 1);
	CHECK_INT(probe_result(t.p), 1);
	pt_idle(&t, 150);
	CHECK_INT(probe_attempts(s), 1); /* a startup probe is done once it succeeded */
	CHECK(probe_attempts(t.p) > 1);
	CHECK(probe_attempts(l) > 1);
	CHECK_INT(t.changes, 2);
	probe_free(l);
	probe_free(s);
	pt_fini(&t);
}

UNIT_TEST(probe_exec)
{
	const struct probe_timing tm = {0, 50, 200, 1, 1};
	char *env[] = {"PATH=/usr/bin:/bin", "FOO=bar", NULL};
	char pidf[128], spec[512], err[256], *txt, path[64];
	struct probe_target tg = {.pod_ip = "127.0.0.1", .envp = env};
	json_t *c = pt_json("{\"name\":\"c\",\"workingDir\":\"/tmp\"}");
	struct pt t;
	uint64_t t0;
	int pid = 0, fd, gone = 0;

	CHECK(c != NULL);
	tg.container = c;
	CHECK(pt_init(&t) == 0);
	CHECK_INT(pt_probe(&t, PROBE_READINESS,
	                   "{\"exec\":{\"command\":[\"sh\",\"-c\","
	                   "\"test \\\"$FOO\\\" = bar && test \\\"$(pwd)\\\" = /tmp\"]}}",
	                   &tg, &tm, err, sizeof(err)),
	          0);
	CHECK(pt_run(&t, 1, 2000));
	CHECK_INT(t.ok, 1);
	probe_free(t.p);
	t.p = NULL;

	CHECK_INT(pt_probe(&t, PROBE_LIVENESS, "{\"exec\":{\"command\":[\"/bin/false\"]}}", &tg,
	                   &tm, err, sizeof(err)),
	          0);
	CHECK(pt_run(&t, 2, 2000));
	CHECK_INT(t.ok, 0);
	CHECK_STR(t.msg, "command '/bin/false' exited with 1");
	probe_free(t.p);
	t.p = NULL;

	CHECK_INT(pt_probe(&t, PROBE_LIVENESS, "{\"exec\":{\"command\":[\"no-such-cmd\"]}}", &tg,
	                   &tm, err, sizeof(err)),
	          0);
	CHECK(pt_run(&t, 3, 2000));
	CHECK_STR(t.msg, "exec: \"no-such-cmd\": executable file not found in $PATH");
	probe_free(t.p);
	t.p = NULL;

	/* A command past its timeout fails the probe and is killed. */
	snprintf(pidf, sizeof(pidf), "/tmp/probe-test-%d-pid", (int)getpid());
	unlink(pidf);
	snprintf(spec, sizeof(spec),
	         "{\"exec\":{\"command\":[\"sh\",\"-c\",\"echo $$ > %s; exec sleep 5\"]}}", pidf);
	t0 = ev_clock_ms();
	CHECK_INT(pt_probe(&t, PROBE_LIVENESS, spec, &tg, &tm, err, sizeof(err)), 0);
	CHECK(pt_run(&t, 4, 2000));
	CHECK(t.changed_at - t0 < 1000);
	snprintf(spec, sizeof(spec), "command \"sh -c echo $$ > %s; exec sleep 5\" timed out",
	         pidf);
	CHECK_STR(t.msg, spec);
	fd = open(pidf, O_RDONLY);
	CHECK(fd >= 0);
	txt = spec;
	memset(spec, 0, sizeof(spec));
	CHECK(read(fd, txt, 32) > 0);
	close(fd);
	pid = atoi(txt);
	CHECK(pid > 0);
	snprintf(path, sizeof(path), "/proc/%d", pid);
	for (int i = 0; i < 50 && !gone; i++) {
		pt_idle(&t, 20); /* the runner reaps it */
		gone = access(path, F_OK) < 0;
	}
	CHECK(gone);
	unlink(pidf);
	json_decref(c);
	pt_fini(&t);
}

/* The callback may free its probe; a probe freed mid-attempt leaves nothing behind. */
UNIT_TEST(probe_free_in_callback_and_in_flight)
{
	const struct probe_timing tm = {0, 50, 2000, 1, 1};
	char spec[128], err[256];
	struct pt t;

	CHECK(pt_init(&t) == 0);
	CHECK(pt_listen(&t, AF_INET, 1) == 0);
	t.free_in_cb = 1;
	snprintf(spec, sizeof(spec), "{\"httpGet\":{\"port\":%d}}", t.port);
	CHECK_INT(pt_probe(&t, PROBE_READINESS, spec, NULL, &tm, err, sizeof(err)), 0);
	CHECK(pt_run(&t, 1, 2000));
	CHECK(t.p == NULL);
	t.free_in_cb = 0;
	t.silent = 1;
	CHECK_INT(pt_probe(&t, PROBE_READINESS, spec, NULL, &tm, err, sizeof(err)), 0);
	pt_idle(&t, 100);
	probe_free(t.p); /* an HTTP request in flight */
	t.p = NULL;
	CHECK_INT(pt_probe(&t, PROBE_READINESS, "{\"exec\":{\"command\":[\"sleep\",\"5\"]}}", NULL,
	                   &tm, err, sizeof(err)),
	          0);
	pt_idle(&t, 100);
	probe_free(t.p); /* a process in flight: killed, reaped by runner_free */
	t.p = NULL;
	pt_idle(&t, 50);
	CHECK_INT(t.changes, 1);
	pt_fini(&t);
}

UNIT_TEST(probe_spec_errors)
{
	static const struct {
		const char *spec, *err;
	} cases[] = {
	    {"{\"grpc\":{\"port\":9000}}", "grpc probes are not supported by svcnet"},
	    {"{\"periodSeconds\":5}", "probe has no handler: must specify a handler type"},
	    {"{\"tcpSocket\":{\"port\":80},\"exec\":{\"command\":[\"true\"]}}",
	     "may not specify more than 1 handler type"},
	    {"{\"tcpSocket\":{}}", "port: Required value"},
	    {"{\"tcpSocket\":{\"port\":70000}}", "invalid port number: 70000"},
	    {"{\"tcpSocket\":{\"port\":80,\"host\":\"example.com\"}}",
	     "host \"example.com\": only IP addresses are supported (no DNS lookup)"},
	    {"{\"httpGet\":{\"port\":80,\"scheme\":\"FTP\"}}",
	     "scheme \"FTP\": must be HTTP or HTTPS"},
	    {"{\"httpGet\":{\"port\":80,\"path\":\"/a b\"}}",
	     "path \"/a b\": holds a space or control character"},
	    {"{\"httpGet\":{\"port\":80,\"httpHeaders\":[{\"name\":\"X:Y\",\"value\":\"1\"}]}}",
	     "httpHeaders[0].name: invalid header name"},
	    {"{\"exec\":{\"command\":[]}}", "exec.command: Required value"},
	    {"{\"exec\":{\"command\":[\"true\",1]}}", "exec.command[1]: must be a string"},
	    {"{\"tcpSocket\":{\"port\":80},\"periodSeconds\":-1}",
	     "periodSeconds: Invalid value: -1: out of range"},
	    {"{\"tcpSocket\":{\"port\":80},\"timeoutSeconds\":\"1\"}",
	     "timeoutSeconds: must be an integer"},
	};
	struct probe_target none = {0};
	char err[256];
	struct pt t;

	CHECK(pt_init(&t) == 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = 0;
		CHECK_INT(
		    pt_probe(&t, PROBE_READINESS, cases[i].spec, NULL, NULL, err, sizeof(err)),
		    -EINVAL);
		CHECK(t.p == NULL);
		CHECK_STR(err, cases[i].err);
	}
	/* No pod IP yet and no host. */
	CHECK_INT(pt_probe(&t, PROBE_READINESS, "{\"tcpSocket\":{\"port\":80}}", &none, NULL, err,
	                   sizeof(err)),
	          -EINVAL);
	CHECK_STR(err, "no host to probe: the Pod has no IP");
	/* Defaults from the spec: the first attempt would come 10 s later. */
	CHECK_INT(pt_probe(&t, PROBE_READINESS,
	                   "{\"tcpSocket\":{\"port\":80},\"timeoutSeconds\":0,\"grpc\":null}", NULL,
	                   NULL, err, sizeof(err)),
	          0);
	CHECK_STR(probe_kind_name(PROBE_STARTUP), "Startup");
	CHECK_STR(probe_last_message(t.p), "");
	probe_free(NULL);
	pt_fini(&t);
}

/* A startup probe that reaches its failure threshold is told (the agent then
 * kills the container), although its result stays "failure" throughout. */
UNIT_TEST(probe_startup_gives_up)
{
	const struct probe_timing tm = {0, 30, 200, 1, 2};
	char err[256];
	struct pt t;

	CHECK(pt_init(&t) == 0);
	/* port 1 on loopback: refused at once */
	CHECK_INT(pt_probe(&t, PROBE_STARTUP, "{\"tcpSocket\":{\"port\":1}}", NULL, &tm, err,
	                   sizeof(err)),
	          0);
	CHECK(pt_run(&t, 1, 2000));
	CHECK_INT(t.ok, 0);
	CHECK(probe_attempts(t.p) >= 2);
	pt_idle(&t, 150);
	CHECK_INT(t.changes, 1); /* told once; the probe is on hold afterwards */
	pt_fini(&t);
}
