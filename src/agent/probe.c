/*
 * probe.c - container probes: timing and thresholds, and the tcpSocket,
 * httpGet and exec handlers; see probe.h.
 *
 * One attempt at a time. Every way an attempt ends (connected, response
 * head, process exit, deadline, start error) goes through probe_end(),
 * which counts the outcome at once and leaves the callback to a 0 ms timer:
 * so the callback never runs inside httpc's or the runner's callbacks (where
 * freeing the probe, and with it its httpc, would not be allowed).
 */
#include "agent/probe_int.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/httpc.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/net.h"

/* The kubelet reads at most 10 KiB of a probe's response body. */
#define PROBE_MAX_BODY 10240

static void probe_start(probe *p);

/* Go's error strings are strerror in lower case. */
static const char *probe_strerror(int e, char *out, size_t len)
{
	snprintf(out, len, "%s", strerror(e));
	if (out[0] >= 'A' && out[0] <= 'Z')
		out[0] = (char)(out[0] - 'A' + 'a');
	return out;
}

/* --- results --- */

/* Releases whatever the attempt in flight holds. */
static void probe_cancel(probe *p)
{
	ev_timer_del(p->loop, p->deadline);
	p->deadline = NULL;
	if (p->fd >= 0) {
		ev_del(p->loop, p->fd, EV_WRITE);
		close(p->fd);
		p->fd = -1;
	}
	if (p->req) {
		httpc_cancel(p->req);
		p->req = NULL;
	}
	if (p->proc) {
		runner_stop(p->proc, 0);
		runner_proc_free(p->proc); /* reaped later, without a callback */
		p->proc = NULL;
	}
}

static long long probe_on_report(ev_loop *l, ev_timer *t, void *data)
{
	probe *p = data;

	p->report = NULL;
	if (p->due && !p->busy && !p->held)
		probe_start(p);
	if (p->result != p->told) {
		p->told = p->result;
		/* Last: the callback may free p. */
		if (p->cb)
			p->cb(p, p->result, p->told_msg, p->data);
	}
	return EV_TIMER_STOP;
}

/* An attempt ended: counts it as the kubelet's worker does. */
static void probe_end(probe *p, int ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void probe_end(probe *p, int ok, const char *fmt, ...)
{
	int reached, first;
	va_list ap;

	probe_cancel(p);
	p->busy = 0;
	p->attempts++;
	va_start(ap, fmt);
	vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
	va_end(ap);
	if (ok == p->last) {
		if (p->run < INT_MAX)
			p->run++;
	} else {
		p->last = ok;
		p->run = 1;
	}
	log_debug("probe", "%s probe attempt: %s %s", probe_kind_name(p->kind),
	          ok ? "success" : "failure", p->msg);
	reached = p->run >= (ok ? p->tm.success_threshold : p->tm.failure_threshold);
	/* A first verdict of failure is told also when it matches the starting
	 * result: a startup probe that gives up must get its container killed,
	 * and a readiness probe that never passed deserves its Unhealthy event. */
	first = reached && !p->verdicts && !ok;
	if (reached)
		p->verdicts++;
	if (first && p->result == ok)
		p->told = -1;
	if (reached && (p->result != ok || first)) {
		p->result = ok;
		snprintf(p->told_msg, sizeof(p->told_msg), "%s", p->msg);
		/* The kubelet puts these on hold: the container is restarted (and
		 * gets a new probe), or has started and needs no startup probe. */
		if ((p->kind != PROBE_READINESS && !ok) || (p->kind == PROBE_STARTUP && ok)) {
			p->held = 1;
			ev_timer_del(p->loop, p->tick);
			p->tick = NULL;
		}
	}
	if (!p->report) {
		p->report = ev_timer_add(p->loop, 0, probe_on_report, p);
		if (!p->report)
			log_error("probe", "cannot report a probe result: out of memory");
	}
}

static long long probe_on_deadline(ev_loop *l, ev_timer *t, void *data)
{
	probe *p = data;

	p->deadline = NULL;
	switch (p->handler) {
	case PROBE_TCP:
		probe_end(p, 0, "dial tcp %s: i/o timeout", p->hostport);
		break;
	case PROBE_HTTP:
		probe_end(p, 0,
		          "Get \"%s\": context deadline exceeded (Client.Timeout exceeded while "
		          "awaiting headers)",
		          p->url);
		break;
	case PROBE_EXEC:
		probe_end(p, 0, "command %s timed out", p->cmdq);
		break;
	}
	return EV_TIMER_STOP;
}

/* --- tcpSocket --- */

static void probe_tcp_ready(ev_loop *l, int fd, void *data, int mask)
{
	probe *p = data;
	socklen_t len = sizeof(int);
	char eb[128];
	int e = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
		e = errno;
	if (e == EINPROGRESS || e == EALREADY)
		return;
	if (e)
		probe_end(p, 0, "dial tcp %s: connect: %s", p->hostport,
		          probe_strerror(e, eb, sizeof(eb)));
	else
		probe_end(p, 1, "%s", "");
}

static void probe_tcp_start(probe *p)
{
	char eb[128];
	int fd = socket(p->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), e;

	if (fd < 0) {
		probe_end(p, 0, "dial tcp %s: socket: %s", p->hostport,
		          probe_strerror(errno, eb, sizeof(eb)));
		return;
	}
	p->fd = fd;
	if (connect(fd, (struct sockaddr *)&p->sa, p->salen) == 0) {
		probe_end(p, 1, "%s", "");
		return;
	}
	e = errno;
	if (e != EINPROGRESS) {
		probe_end(p, 0, "dial tcp %s: connect: %s", p->hostport,
		          probe_strerror(e, eb, sizeof(eb)));
		return;
	}
	e = ev_add(p->loop, fd, EV_WRITE, probe_tcp_ready, p);
	if (e < 0)
		probe_end(p, 0, "dial tcp %s: %s", p->hostport, probe_strerror(-e, eb, sizeof(eb)));
}

/* --- httpGet --- */

static void probe_http_status(probe *p, int status)
{
	if (status >= 200 && status < 300)
		probe_end(p, 1, "%s", "");
	else if (status >= 300 && status < 400)
		probe_end(p, 1, "Probe terminated redirects");
	else
		probe_end(p, 0, "HTTP probe failed with statuscode: %d", status);
}

/* The status is all a probe needs: the body is never read. */
static void probe_http_head(httpc_req *r, http_response *resp, void *data)
{
	probe *p = data;
	int status = resp->status;

	httpc_cancel(r);
	p->req = NULL;
	probe_http_status(p, status);
}

static void probe_http_body(httpc_req *r, http_response *resp, void *data)
{
	buf_consume(&resp->body, buf_avail(&resp->body));
}

static void probe_http_done(httpc_req *r, int err, http_response *resp, void *data)
{
	probe *p = data;
	char eb[128];

	p->req = NULL; /* freed by httpc after this call */
	if (err == 0) {
		probe_http_status(p, resp->status);
		return;
	}
	switch (-err) {
	case ECONNREFUSED:
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EADDRNOTAVAIL:
		probe_end(p, 0, "Get \"%s\": dial tcp %s: connect: %s", p->url, p->hostport,
		          probe_strerror(-err, eb, sizeof(eb)));
		break;
	case ECONNRESET:
		probe_end(p, 0, "Get \"%s\": EOF", p->url);
		break;
	default:
		probe_end(p, 0, "Get \"%s\": %s", p->url, probe_strerror(-err, eb, sizeof(eb)));
		break;
	}
}

static void probe_http_start(probe *p)
{
	struct httpc_req_opts o = {
	    .method = "GET",
	    .path = p->path,
	    .extra_headers = p->headers,
	    .own_headers = 1,
	    .timeout_ms =
	        p->tm.timeout_ms + 1000, /* a backstop: the probe's deadline comes first */
	    .max_body = PROBE_MAX_BODY,
	    .stream = 1,
	    .on_head = probe_http_head,
	    .on_body = probe_http_body,
	    .on_done = probe_http_done,
	    .data = p,
	};
	char eb[128];
	int rc = httpc_request(p->http, &o, &p->req);

	if (rc < 0)
		probe_end(p, 0, "Get \"%s\": %s", p->url, probe_strerror(-rc, eb, sizeof(eb)));
}

/* --- exec --- */

static void probe_exec_exit(runner_proc *proc, int exited, int code, int signo, void *data)
{
	probe *p = data;

	p->proc = NULL;
	runner_proc_free(proc);
	if (exited && code == 0)
		probe_end(p, 1, "%s", "");
	else
		probe_end(p, 0, "command '%s' exited with %d", p->cmdline, code);
}

static void probe_exec_start(probe *p)
{
	char err[RUNNER_ERR_LEN];
	struct runner_spec s = {
	    .argv = p->argv,
	    .envp = p->envp,
	    .dir = p->dir,
	    .netns_path = p->netns,
	    .uts_path = p->uts,
	    .binds = p->binds,
	    .nbinds = p->nbinds,
	    .on_exit = probe_exec_exit,
	    .exit_data = p,
	};

	if (runner_start(p->runner, &s, &p->proc, err, sizeof(err)) < 0) {
		p->proc = NULL;
		probe_end(p, 0, "%s", err);
	}
}

/* --- scheduling --- */

static void probe_start(probe *p)
{
	p->busy = 1;
	p->due = 0;
	p->deadline = ev_timer_add(p->loop, p->tm.timeout_ms, probe_on_deadline, p);
	if (!p->deadline) {
		probe_end(p, 0, "out of memory");
		return;
	}
	switch (p->handler) {
	case PROBE_TCP:
		probe_tcp_start(p);
		break;
	case PROBE_HTTP:
		probe_http_start(p);
		break;
	case PROBE_EXEC:
		probe_exec_start(p);
		break;
	}
}

static long long probe_on_tick(ev_loop *l, ev_timer *t, void *data)
{
	probe *p = data;

	/* As a Go ticker: one missed tick is kept, more are dropped. */
	if (p->busy)
		p->due = 1;
	else
		probe_start(p);
	return p->tm.period_ms;
}

int probe_schedule(probe *p)
{
	p->tick = ev_timer_add(p->loop, p->tm.initial_delay_ms, probe_on_tick, p);
	return p->tick ? 0 : -ENOMEM;
}

void probe_free(probe *p)
{
	if (!p)
		return;
	probe_cancel(p);
	ev_timer_del(p->loop, p->tick);
	ev_timer_del(p->loop, p->report);
	httpc_free(p->http);
	free(p->url);
	free(p->path);
	free(p->headers);
	probe_strv_free(p->argv);
	probe_strv_free(p->envp);
	free(p->cmdline);
	free(p->cmdq);
	free(p->dir);
	free(p->netns);
	free(p->uts);
	for (int i = 0; i < p->nbinds; i++) {
		free((char *)p->binds[i].src);
		free((char *)p->binds[i].dst);
	}
	free(p->binds);
	free(p);
}

int probe_result(const probe *p)
{
	return p ? p->result : 0;
}

void probe_seed(probe *p, int ok)
{
	/* Before any attempt only: afterwards the attempts speak. */
	if (p && p->attempts == 0 && !p->busy)
		p->result = p->told = ok ? 1 : 0;
}

const char *probe_last_message(const probe *p)
{
	return p ? p->msg : "";
}

int probe_attempts(const probe *p)
{
	return p ? p->attempts : 0;
}

const char *probe_kind_name(enum probe_kind kind)
{
	switch (kind) {
	case PROBE_READINESS:
		return "Readiness";
	case PROBE_LIVENESS:
		return "Liveness";
	case PROBE_STARTUP:
		return "Startup";
	}
	return "Unknown";
}
