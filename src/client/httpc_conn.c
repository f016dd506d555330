/*
 * httpc_conn.c - httpc's connections: non-blocking connect, TLS handshake,
 * writing a request, parsing its response, keep-alive reuse, and the
 * transport failures (with one retry on a stale keep-alive connection).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/httpc_int.h"
#include "lib/log.h"
#include "lib/net.h"
#include "lib/tls.h"

static void conn_io(ev_loop *l, int fd, void *data, int mask);

/* --- connections ---------------------------------------------------------- */

void httpc_conn_close(httpc_conn *k)
{
	httpc *c = k->cl;

	if (k->req)
		k->req->conn = NULL;
	if (k->idle)
		c->nidle--;
	ev_del(c->loop, k->fd, EV_READ | EV_WRITE);
	tls_conn_free(k->tls);
	close(k->fd);
	if (k->prev)
		k->prev->next = k->next;
	else
		c->conns = k->next;
	if (k->next)
		k->next->prev = k->prev;
	c->nconns--;
	buf_free(&k->in);
	buf_free(&k->out);
	free(k);
}

static int conn_open(httpc *c, httpc_conn **out)
{
	httpc_conn *k = NULL;
	int one = 1, idle = 30, intvl = 10, cnt = 3;

	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->cl = c;
	k->fd = socket(c->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (k->fd < 0) {
		int e = -errno;

		free(k);
		return e;
	}
	/* A watch can be silent for minutes: keepalive finds a peer that vanished. */
	setsockopt(k->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(k->fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(k->fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(k->fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(k->fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	if (connect(k->fd, (struct sockaddr *)&c->sa, c->salen) < 0 && errno != EINPROGRESS) {
		int e = -errno;

		close(k->fd);
		free(k);
		return e;
	}
	k->connecting = 1;
	if (ev_add(c->loop, k->fd, EV_READ | EV_WRITE, conn_io, k) < 0) {
		close(k->fd);
		free(k);
		return -ENOMEM;
	}
	k->write_armed = 1;
	k->next = c->conns;
	if (c->conns)
		c->conns->prev = k;
	c->conns = k;
	c->nconns++;
	*out = k;
	return 0;
}

/* Takes an idle connection, or opens one. */
static int conn_get(httpc *c, httpc_conn **out)
{
	for (httpc_conn *k = c->conns; k; k = k->next) {
		if (k->idle) {
			k->idle = 0;
			c->nidle--;
			k->reused = 1;
			*out = k;
			return 0;
		}
	}
	return conn_open(c, out);
}

static void conn_arm(httpc_conn *k)
{
	int want = k->connecting || k->read_wants_write || k->hs_wants_write ||
	           (buf_avail(&k->out) && !k->write_wants_read);

	if (want && !k->write_armed) {
		if (ev_add(k->cl->loop, k->fd, EV_WRITE, conn_io, k) == 0)
			k->write_armed = 1;
	} else if (!want && k->write_armed) {
		ev_del(k->cl->loop, k->fd, EV_WRITE);
		k->write_armed = 0;
	}
}

/* --- request completion ---------------------------------------------------- */

void httpc_req_free(httpc_req *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		r->cl->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	ev_timer_del(r->cl->loop, r->timer);
	buf_free(&r->msg);
	http_response_free(&r->resp);
	free(r);
}

/* Runs on_done once and frees the request. */
void httpc_req_finish(httpc_req *r, int err)
{
	if (r->conn) {
		r->conn->req = NULL;
		r->conn = NULL;
	}
	ev_timer_del(r->cl->loop, r->timer);
	r->timer = NULL;
	log_debug("httpc", "%s: request done: %s, status %d", r->cl->hostport,
	          err ? strerror(-err) : "ok", r->resp.status);
	r->in_cb = 1;
	if (r->o.on_done)
		r->o.on_done(r, err, &r->resp, r->o.data);
	httpc_req_free(r);
}

/* Calls a stream callback; 1 if the request was cancelled inside it (and is
 * now gone along with its connection). */
static int req_call(httpc_req *r, httpc_head_fn *fn)
{
	if (fn) {
		r->in_cb = 1;
		fn(r, &r->resp, r->o.data);
		r->in_cb = 0;
	}
	if (r->cancelled) {
		if (r->conn)
			httpc_conn_close(r->conn);
		httpc_req_free(r);
		return 1;
	}
	return 0;
}

/* A transport failure on k (closed here). A request that went out on a reused
 * keep-alive connection and got no byte back may have raced the server's
 * idle close: an idempotent one is sent once more on a fresh connection. */
static void conn_fail(httpc_conn *k, int err)
{
	httpc_req *r = k->req;
	int stale = k->reused && err != -ETIMEDOUT;

	httpc_conn_close(k);
	if (!r)
		return;
	if (stale && r->idempotent && !r->got_bytes && !r->retried) {
		r->retried = 1;
		log_debug("httpc", "%s: retrying on a new connection (%s)", r->cl->hostport,
		          strerror(-err));
		if (httpc_req_attach(r) == 0)
			return;
	}
	httpc_req_finish(r, err);
}

/* The response is complete. */
static void conn_done(httpc_conn *k)
{
	httpc_req *r = k->req;
	httpc *c = k->cl;
	int keep;

	if (r->o.stream) {
		if (!r->head_called) {
			r->head_called = 1;
			if (req_call(r, r->o.on_head))
				return;
		}
		if (buf_avail(&r->resp.body) && req_call(r, r->o.on_body))
			return;
	}
	/* Not after a stream: servers may close once a watch ends (svcnet's
	 * does), and a watch's connection is rarely worth keeping. */
	keep = r->resp.keep_alive && !r->o.stream && r->resp.status != 101 && !buf_avail(&k->in) &&
	       !buf_avail(&k->out) && c->nidle < c->max_idle;
	k->req = NULL;
	r->conn = NULL;
	if (keep) {
		k->idle = 1;
		c->nidle++;
		k->write_wants_read = 0;
		k->read_wants_write = 0;
		conn_arm(k);
	} else {
		httpc_conn_close(k);
	}
	httpc_req_finish(r, 0);
}

/* Parses what arrived. 1 when k no longer belongs to this call (the request
 * ended or was cancelled). */
static int conn_process(httpc_conn *k)
{
	httpc_req *r = k->req;

	for (;;) {
		int rc = http_parse_response(&k->p, &k->in, &r->resp);

		switch (rc) {
		case HTTP_NEED_MORE:
			return 0;
		case HTTP_HEAD_DONE:
			r->head_called = 1;
			if (req_call(r, r->o.on_head))
				return 1;
			break;
		case HTTP_BODY_PART:
			if (req_call(r, r->o.on_body))
				return 1;
			break;
		case HTTP_DONE:
			conn_done(k);
			return 1;
		default:
			log_debug("httpc", "%s: bad response (%d)", k->cl->hostport, rc);
			conn_fail(k, rc == HTTP_E_BODY_TOO_BIG ? -EMSGSIZE
			             : rc == HTTP_E_NOMEM      ? -ENOMEM
			                                       : -EPROTO);
			return 1;
		}
	}
}

static int conn_tls_err(httpc_conn *k)
{
	if (!tls_conn_established(k->tls)) {
		log_warn("httpc", "%s: TLS: %s", k->cl->hostport, tls_conn_error(k->tls));
		return -EPROTO;
	}
	log_debug("httpc", "%s: TLS: %s", k->cl->hostport, tls_conn_error(k->tls));
	return -ECONNRESET;
}

static void conn_eof(httpc_conn *k)
{
	httpc_req *r = k->req;

	if (r && http_parse_response_eof(&k->p, &k->in, &r->resp) == HTTP_DONE) {
		r->resp.keep_alive = 0;
		conn_done(k);
		return;
	}
	conn_fail(k, -ECONNRESET);
}

/* Reads and parses until the socket is drained. 1 when k no longer belongs
 * to this call. */
static int conn_read(httpc_conn *k)
{
	k->read_wants_write = 0;
	for (;;) {
		ssize_t n;

		if (buf_reserve(&k->in, HTTPC_READ_CHUNK) < 0) {
			conn_fail(k, -ENOMEM);
			return 1;
		}
		if (k->tls) {
			n = tls_conn_read(k->tls, k->in.data + k->in.len, HTTPC_READ_CHUNK);
			if (n == TLS_WANT_READ)
				return 0;
			if (n == TLS_WANT_WRITE) {
				k->read_wants_write = 1;
				return 0;
			}
			if (n < 0) {
				conn_fail(k, conn_tls_err(k));
				return 1;
			}
		} else {
			n = recv(k->fd, k->in.data + k->in.len, HTTPC_READ_CHUNK, 0);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				return 0;
			if (n < 0) {
				conn_fail(k, -errno);
				return 1;
			}
		}
		if (n == 0) {
			conn_eof(k);
			return 1;
		}
		k->in.len += (size_t)n;
		if (!k->req) {
			/* Bytes nobody asked for: the connection is out of step. */
			httpc_conn_close(k);
			return 1;
		}
		k->req->got_bytes = 1;
		if (conn_process(k))
			return 1;
	}
}

static int conn_write(httpc_conn *k)
{
	k->write_wants_read = 0;
	while (buf_avail(&k->out)) {
		ssize_t n;

		if (k->tls) {
			n = tls_conn_write(k->tls, buf_head(&k->out), buf_avail(&k->out));
			if (n == TLS_WANT_WRITE)
				return 0;
			if (n == TLS_WANT_READ) {
				k->write_wants_read = 1;
				return 0;
			}
			if (n <= 0)
				return conn_tls_err(k);
		} else {
			n = send(k->fd, buf_head(&k->out), buf_avail(&k->out), MSG_NOSIGNAL);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				return 0;
			if (n < 0)
				return -errno;
		}
		buf_consume(&k->out, (size_t)n);
	}
	return 0;
}

/* Connected? 1 yes, 0 not yet (a stale event), < 0 failed. */
static int conn_check_connected(httpc_conn *k)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss), el = sizeof(int);
	int e = 0;

	if (getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
		e = errno;
	if (e)
		return -e;
	if (getpeername(k->fd, (struct sockaddr *)&ss, &sl) < 0)
		return errno == ENOTCONN ? 0 : -errno;
	return 1;
}

/* An idle connection became readable: the server closed it, or sent
 * something the TLS layer consumes by itself (a TLS 1.3 session ticket). */
static void conn_idle_event(httpc_conn *k)
{
	char tmp[512];
	ssize_t n;

	if (k->tls)
		n = tls_conn_read(k->tls, tmp, sizeof(tmp));
	else
		n = recv(k->fd, tmp, sizeof(tmp), 0) < 0 && (errno == EAGAIN || errno == EINTR)
		        ? TLS_WANT_READ
		        : -1;
	if (n != TLS_WANT_READ)
		httpc_conn_close(k);
}

static void conn_io(ev_loop *l, int fd, void *data, int mask)
{
	httpc_conn *k = data;
	int r;

	if (k->connecting) {
		r = conn_check_connected(k);
		if (r == 0)
			return;
		if (r < 0) {
			conn_fail(k, r);
			return;
		}
		k->connecting = 0;
		if (k->cl->ssl) {
			k->tls = tls_conn_new(k->cl->ssl, k->fd, 0, k->cl->sni);
			if (!k->tls) {
				conn_fail(k, -ENOMEM);
				return;
			}
		}
	}
	if (k->idle) {
		if (mask & EV_READ)
			conn_idle_event(k);
		return;
	}
	/* The handshake runs on its own first, so that a read that completes
	 * it never strands the request bytes behind a want-read. */
	if (k->tls && !tls_conn_established(k->tls)) {
		r = tls_conn_handshake(k->tls);
		k->hs_wants_write = r == TLS_WANT_WRITE;
		if (r == TLS_WANT_READ || r == TLS_WANT_WRITE) {
			conn_arm(k);
			return;
		}
		if (r < 0) {
			conn_fail(k, conn_tls_err(k));
			return;
		}
	}
	r = conn_write(k);
	if (r < 0) {
		conn_fail(k, r);
		return;
	}
	if (conn_read(k))
		return;
	/* The read may have brought what a TLS write waited for; with nothing
	 * left in the socket, no event would come to retry it. */
	if (k->write_wants_read && buf_avail(&k->out)) {
		r = conn_write(k);
		if (r < 0) {
			conn_fail(k, r);
			return;
		}
	}
	conn_arm(k);
}

/* --- requests -------------------------------------------------------------- */

int httpc_req_attach(httpc_req *r)
{
	httpc_conn *k = NULL;
	int rc;

	rc = conn_get(r->cl, &k);
	if (rc < 0)
		return rc;
	buf_reset(&k->in);
	buf_reset(&k->out);
	if (buf_append(&k->out, r->msg.data, r->msg.len) < 0) {
		httpc_conn_close(k);
		return -ENOMEM;
	}
	k->req = r;
	r->conn = k;
	r->got_bytes = 0;
	r->head_called = 0;
	http_response_reset(&r->resp);
	http_parser_init(&k->p, 0, r->o.max_body);
	http_parser_set_stream(&k->p, r->o.stream);
	if (r->is_head)
		http_parser_response_to_head(&k->p);
	conn_arm(k);
	return 0;
}
