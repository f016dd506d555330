/*
 * http_server.c - connection handling for the HTTP/1.1 server.
 *
 * A connection is a small state machine: reading requests (parsed by
 * http_parse), streaming a chunked response, or closing. Output is queued in
 * c->out and sent by http_server_flush() (see the header for why). Frees
 * happen only in the connection's own I/O callbacks, its timer and the flush,
 * never inside a handler, so handlers and watch callbacks can touch any
 * connection without use-after-free.
 */
#include "lib/http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/net.h"
#include "lib/sockaddr.h"
#include "lib/tls.h"

#define HTTP_READ_CHUNK 16384
#define HTTP_OUT_PAUSE  (1u << 20) /* stop parsing pipelined requests past this */

struct http_conn {
	http_server *srv;
	int fd;
	tls_conn *tls;
	buf in, out, hdrs;
	http_parser parser;
	http_request req;
	int streaming;
	int closing;   /* close once out is sent */
	int dead;      /* close now, drop out */
	int responded; /* the handler produced a response */
	int read_paused;
	int read_wants_write, write_wants_read;
	int write_armed;
	int in_pending;
	int sent_continue;
	uint64_t req_start; /* ms when the current request's first byte came; 0 if idle */
	uint64_t last_active;
	uint64_t last_progress; /* ms of the last write that moved bytes */
	ev_timer *timer;
	http_close_fn *on_close;
	void *on_close_data;
	struct http_conn *pend_next;
	struct http_conn *prev, *next;
	char peer[64];
};

struct http_server {
	ev_loop *loop;
	struct http_server_opts o;
	int lfd;
	int port;
	int nconns;
	http_conn *conns;
	http_conn *pending;
	ev_timer *accept_retry; /* set while accepting pauses (out of descriptors) */
	size_t in_pause;        /* input buffered past this stops reading */
};

static void http_conn_io(ev_loop *l, int fd, void *data, int mask);
static void http_conn_process(http_conn *c);

static void http_conn_free(http_conn *c)
{
	http_server *s = c->srv;

	if (c->on_close) {
		http_close_fn *fn = c->on_close;

		c->on_close = NULL;
		fn(c, c->on_close_data);
	}
	ev_del(s->loop, c->fd, EV_READ | EV_WRITE);
	ev_timer_del(s->loop, c->timer);
	if (c->tls) {
		tls_conn_shutdown(c->tls);
		tls_conn_free(c->tls);
	}
	close(c->fd);
	if (c->in_pending) {
		http_conn **pp = &s->pending;

		while (*pp && *pp != c)
			pp = &(*pp)->pend_next;
		if (*pp)
			*pp = c->pend_next;
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	http_request_free(&c->req);
	buf_free(&c->in);
	buf_free(&c->out);
	buf_free(&c->hdrs);
	free(c);
}

/* Output starts queueing now: the no-progress clock starts here, not at the
 * last write of an earlier answer. */
static void http_conn_out_starts(http_conn *c)
{
	if (!buf_avail(&c->out))
		c->last_progress = ev_now(c->srv->loop);
}

static void http_conn_mark_pending(http_conn *c)
{
	if (c->in_pending)
		return;
	c->in_pending = 1;
	c->pend_next = c->srv->pending;
	c->srv->pending = c;
}

/* Sends as much of c->out as the socket takes. Returns -1 if the conn must die. */
static int http_conn_write(http_conn *c)
{
	c->write_wants_read = 0;
	while (buf_avail(&c->out)) {
		ssize_t n;

		if (c->tls) {
			n = tls_conn_write(c->tls, buf_head(&c->out), buf_avail(&c->out));
			if (n == TLS_WANT_WRITE)
				goto arm;
			if (n == TLS_WANT_READ) {
				c->write_wants_read = 1;
				return 0;
			}
			if (n <= 0) {
				log_debug("http", "%s: write: %s", c->peer, tls_conn_error(c->tls));
				return -1;
			}
		} else {
			n = send(c->fd, buf_head(&c->out), buf_avail(&c->out), MSG_NOSIGNAL);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				goto arm;
			if (n <= 0)
				return -1;
		}
		buf_consume(&c->out, (size_t)n);
		c->last_progress = ev_now(c->srv->loop);
	}
	if (c->write_armed && !c->read_wants_write) {
		ev_del(c->srv->loop, c->fd, EV_WRITE);
		c->write_armed = 0;
	}
	return 0;
arm:
	if (!c->write_armed) {
		ev_add(c->srv->loop, c->fd, EV_WRITE, http_conn_io, c);
		c->write_armed = 1;
	}
	return 0;
}

/* After output drained: close, or resume reading work that waited for room. */
static void http_conn_after_write(http_conn *c)
{
	if (buf_avail(&c->out))
		return;
	if (c->closing) {
		http_conn_free(c);
		return;
	}
	if (c->read_paused) {
		c->read_paused = 0;
		ev_add(c->srv->loop, c->fd, EV_READ, http_conn_io, c);
	}
	if (buf_avail(&c->in) && !c->streaming)
		http_conn_process(c);
}

void http_server_flush(http_server *s)
{
	http_conn *c = s->pending;

	s->pending = NULL;
	while (c) {
		http_conn *nx = c->pend_next;

		c->in_pending = 0;
		c->pend_next = NULL;
		if (c->dead || http_conn_write(c) < 0)
			http_conn_free(c);
		else
			http_conn_after_write(c);
		c = nx;
	}
	/* Pipelined requests handled just now queued answers (and maybe store
	 * writes): the loop must come round to commit and flush, not sleep. */
	if (s->pending)
		ev_wake(s->loop);
}

void http_server_abort_pending(http_server *s)
{
	for (http_conn *c = s->pending; c; c = c->pend_next)
		c->dead = 1;
}

static int http_status_line(http_conn *c, int status, const char *ctype)
{
	http_conn_out_starts(c);
	int own_cache = buf_avail(&c->hdrs) && buf_cstr(&c->hdrs) == 0 &&
	                strstr(buf_head(&c->hdrs), "Cache-Control:");
	int r = buf_printf(&c->out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n%s", status,
	                   http_reason(status), ctype,
	                   own_cache ? "" : "Cache-Control: no-cache, private\r\n");

	if (r == 0 && buf_avail(&c->hdrs))
		r = buf_append(&c->out, buf_head(&c->hdrs), buf_avail(&c->hdrs));
	buf_reset(&c->hdrs);
	return r;
}

int http_add_header(http_conn *c, const char *name, const char *value)
{
	/* Header values come from our own code, but never let CR/LF through. */
	if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n"))
		return -EINVAL;
	return buf_printf(&c->hdrs, "%s: %s\r\n", name, value);
}

int http_respond(http_conn *c, int status, const char *content_type, const char *body, size_t len)
{
	int keep = c->req.keep_alive && !c->closing;
	int r;

	c->responded = 1;
	r = http_status_line(c, status, content_type);
	if (r == 0)
		r = buf_printf(&c->out, "Content-Length: %zu\r\n%s\r\n", len,
		               keep ? "" : "Connection: close\r\n");
	if (r == 0 && len && strcmp(c->req.method, "HEAD") != 0)
		r = buf_append(&c->out, body, len);
	if (r < 0 || !keep)
		c->closing = 1;
	if (r < 0)
		c->dead = 1;
	http_conn_mark_pending(c);
	return r;
}

int http_stream_start(http_conn *c, int status, const char *content_type)
{
	int r;

	c->responded = 1;
	c->streaming = 1;
	r = http_status_line(c, status, content_type);
	if (r == 0)
		/* A stream owns its connection until it ends, then it closes: say so. */
		r = buf_puts(&c->out, "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
	if (r < 0)
		c->dead = 1;
	http_conn_mark_pending(c);
	return r;
}

int http_stream_write(http_conn *c, const char *data, size_t len)
{
	int r;

	if (c->dead || c->closing)
		return -EPIPE;
	if (buf_avail(&c->out) > c->srv->o.max_stream_queue) {
		/* A reader this slow would make us buffer without bound. */
		log_warn("http", "%s: stream reader too slow (%zu bytes queued): closing", c->peer,
		         buf_avail(&c->out));
		c->dead = 1;
		http_conn_mark_pending(c);
		return -ENOBUFS;
	}
	if (!len)
		return 0;
	http_conn_out_starts(c);
	r = buf_printf(&c->out, "%zx\r\n", len);
	if (r == 0)
		r = buf_append(&c->out, data, len);
	if (r == 0)
		r = buf_puts(&c->out, "\r\n");
	if (r < 0)
		c->dead = 1;
	http_conn_mark_pending(c);
	return r;
}

void http_stream_end(http_conn *c)
{
	if (c->dead || c->closing)
		return;
	if (buf_puts(&c->out, "0\r\n\r\n") < 0)
		c->dead = 1;
	c->closing = 1;
	http_conn_mark_pending(c);
}

void http_conn_close_soon(http_conn *c)
{
	c->closing = 1;
	http_conn_mark_pending(c);
}

void http_conn_on_close(http_conn *c, http_close_fn *fn, void *data)
{
	c->on_close = fn;
	c->on_close_data = data;
}

size_t http_conn_queued(const http_conn *c)
{
	return buf_avail(&c->out);
}

const char *http_conn_peer(const http_conn *c)
{
	return c->peer;
}

http_server *http_conn_server(const http_conn *c)
{
	return c->srv;
}

static void http_conn_error(http_conn *c, int err)
{
	int status = http_error_status(err);
	char body[256];
	int n;

	n = snprintf(body, sizeof(body),
	             "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
	             "\"status\":\"Failure\",\"message\":\"%s\",\"reason\":\"%s\",\"code\":%d}",
	             http_reason(status),
	             status == 413   ? "RequestEntityTooLarge"
	             : status == 408 ? "Timeout"
	                             : "BadRequest",
	             status);
	c->closing = 1;
	http_respond(c, status, "application/json", body, (size_t)n);
}

/* Parses and handles as many complete requests as the input holds. */
static void http_conn_process(http_conn *c)
{
	while (!c->streaming && !c->closing && !c->dead) {
		int r;

		if (buf_avail(&c->out) > HTTP_OUT_PAUSE)
			return; /* the client reads slower than it pipelines */
		r = http_parse_request(&c->parser, &c->in, &c->req);
		if (r == 0) {
			if (http_parser_in_progress(&c->parser) && !c->req_start)
				c->req_start = ev_now(c->srv->loop);
			if (http_parser_wants_continue(&c->parser) && !c->sent_continue) {
				c->sent_continue = 1;
				http_conn_out_starts(c);
				buf_puts(&c->out, "HTTP/1.1 100 Continue\r\n\r\n");
				http_conn_mark_pending(c);
			}
			return;
		}
		if (r < 0) {
			log_debug("http", "%s: bad request (%d)", c->peer, r);
			http_conn_error(c, r);
			return;
		}
		c->responded = 0;
		c->sent_continue = 0;
		c->srv->o.handler(c, &c->req, c->srv->o.data);
		if (!c->responded)
			http_respond(c, 500, "text/plain", "no response\n", 12);
		c->req_start = 0;
		c->last_active = ev_now(c->srv->loop);
		if (!c->streaming)
			http_request_reset(&c->req);
	}
	/* Streaming or closing: a client has nothing more to say; drop what it sends. */
	if (c->streaming || c->closing)
		buf_reset(&c->in);
}

/* Reads what is available. Returns -1 when the connection must close. */
static int http_conn_read(http_conn *c)
{
	c->read_wants_write = 0;
	/* Read until the socket (and OpenSSL's buffer, which epoll cannot see)
	 * is empty; the input cap below bounds the work per event. */
	for (;;) {
		ssize_t n;

		if (buf_avail(&c->in) > c->srv->in_pause) {
			ev_del(c->srv->loop, c->fd, EV_READ);
			c->read_paused = 1;
			return 0;
		}
		if (buf_reserve(&c->in, HTTP_READ_CHUNK) < 0)
			return -1;
		if (c->tls) {
			n = tls_conn_read(c->tls, c->in.data + c->in.len, HTTP_READ_CHUNK);
			if (n == TLS_WANT_READ)
				return 0;
			if (n == TLS_WANT_WRITE) {
				c->read_wants_write = 1;
				if (!c->write_armed) {
					ev_add(c->srv->loop, c->fd, EV_WRITE, http_conn_io, c);
					c->write_armed = 1;
				}
				return 0;
			}
			if (n < 0) {
				log_debug("http", "%s: %s", c->peer, tls_conn_error(c->tls));
				return -1;
			}
		} else {
			n = recv(c->fd, c->in.data + c->in.len, HTTP_READ_CHUNK, 0);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				return 0;
			if (n < 0)
				return -1;
		}
		if (n == 0)
			return -1; /* EOF: HTTP/1.1 clients close between requests */
		c->in.len += (size_t)n;
		c->last_active = ev_now(c->srv->loop);
	}
	return 0;
}

static void http_conn_io(ev_loop *l, int fd, void *data, int mask)
{
	http_conn *c = data;

	if ((mask & EV_READ) || c->write_wants_read) {
		int eof;

		if (c->write_wants_read && http_conn_write(c) < 0)
			goto die;
		eof = http_conn_read(c) < 0;
		if (eof && c->streaming)
			goto die;
		/* Requests that arrived whole before the client shut its side are
		 * still answered; then the connection closes. */
		http_conn_process(c);
		if (eof) {
			ev_del(l, fd, EV_READ);
			if (!buf_avail(&c->out) && !c->in_pending)
				goto die;
			c->closing = 1;
		}
	}
	if ((mask & EV_WRITE) || c->read_wants_write) {
		if (c->read_wants_write) {
			if (http_conn_read(c) < 0)
				goto die;
			http_conn_process(c);
		}
		if (http_conn_write(c) < 0)
			goto die;
		http_conn_after_write(c);
	}
	return;
die:
	http_conn_free(c);
}

static long long http_conn_timer(ev_loop *l, ev_timer *t, void *data)
{
	http_conn *c = data;
	uint64_t now = ev_clock_ms();
	const struct http_server_opts *o = &c->srv->o;
	uint64_t deadline;

	/* A client that does not read what it asked for is dropped: queued
	 * output without progress would otherwise pin memory for ever. */
	if (buf_avail(&c->out) && now - c->last_progress >= (uint64_t)o->idle_timeout_ms) {
		log_info("http", "%s: no output progress for %d ms: closing", c->peer,
		         o->idle_timeout_ms);
		c->timer = NULL;
		http_conn_free(c);
		return EV_TIMER_STOP;
	}
	if (c->streaming)
		return 5000; /* watches end by their own timeout; the check above remains */
	if (c->req_start && !c->closing) {
		deadline = c->req_start + (uint64_t)o->request_timeout_ms;
		if (now >= deadline) {
			log_info("http", "%s: request not complete after %d ms: closing", c->peer,
			         o->request_timeout_ms);
			/* The 408 leaves with the next flush, after the store's commit:
			 * flushing here would also send other connections' answers early. */
			http_conn_error(c, HTTP_E_TIMEOUT);
			c->req_start = 0;
			return 1000;
		}
	} else if (c->closing) {
		return 1000;
	} else {
		deadline = c->last_active + (uint64_t)o->idle_timeout_ms;
		if (now >= deadline && !buf_avail(&c->out)) {
			c->timer = NULL;
			http_conn_free(c);
			return EV_TIMER_STOP;
		}
		if (now >= deadline)
			deadline = now + 1000;
	}
	return (long long)(deadline - now);
}

static void http_accept(ev_loop *l, int lfd, void *data, int mask);

static long long http_accept_resume(ev_loop *l, ev_timer *t, void *data)
{
	http_server *s = data;

	s->accept_retry = NULL;
	ev_add(l, s->lfd, EV_READ, http_accept, s);
	return EV_TIMER_STOP;
}

static void http_accept(ev_loop *l, int lfd, void *data, int mask)
{
	http_server *s = data;

	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int one = 1;
		http_conn *c;

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				/* Level-triggered: the listener would fire again at once.
				 * Pause accepting; connections wait in the backlog. */
				log_warn("http", "accept: %s: pausing new connections for 100 ms",
				         strerror(errno));
				ev_del(l, lfd, EV_READ);
				s->accept_retry = ev_timer_add(l, 100, http_accept_resume, s);
			} else if (errno != EAGAIN && errno != EINTR) {
				log_warn("http", "accept: %s", strerror(errno));
			}
			return;
		}
		if (s->nconns >= s->o.max_conns) {
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->srv = s;
		c->fd = fd;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		net_sockaddr_fmt(&ss, c->peer, sizeof(c->peer));
		http_parser_init(&c->parser, s->o.max_head, s->o.max_body);
		c->last_active = ev_clock_ms();
		c->last_progress = c->last_active;
		if (s->o.tls && !(c->tls = tls_conn_new(s->o.tls, fd, 1, NULL))) {
			close(fd);
			free(c);
			continue;
		}
		c->timer = ev_timer_add(l,
		                        s->o.idle_timeout_ms < s->o.request_timeout_ms
		                            ? s->o.idle_timeout_ms
		                            : s->o.request_timeout_ms,
		                        http_conn_timer, c);
		if (!c->timer || ev_add(l, fd, EV_READ, http_conn_io, c) < 0) {
			ev_timer_del(l, c->timer);
			tls_conn_free(c->tls);
			close(fd);
			free(c);
			continue;
		}
		/* A TLS handshake must complete in the request timeout too. */
		c->req_start = c->tls ? c->last_active : 0;
		c->next = s->conns;
		if (s->conns)
			s->conns->prev = c;
		s->conns = c;
		s->nconns++;
	}
}

int http_server_start(ev_loop *l, const struct http_server_opts *o, http_server **out)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	http_server *s;
	int one = 1, r;

	r = sa_parse(o->listen, &ss, &sl);
	if (r < 0)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->loop = l;
	s->o = *o;
	if (!s->o.max_conns)
		s->o.max_conns = 10000;
	if (!s->o.max_stream_queue)
		s->o.max_stream_queue = 64u << 20;
	s->in_pause = s->o.max_head + s->o.max_body + 65536;
	s->lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0) {
		r = -errno;
		free(s);
		return r;
	}
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->lfd, (struct sockaddr *)&ss, sl) < 0 || listen(s->lfd, 1024) < 0) {
		r = -errno;
		close(s->lfd);
		free(s);
		return r;
	}
	sl = sizeof(ss);
	getsockname(s->lfd, (struct sockaddr *)&ss, &sl);
	s->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
	                                         : ((struct sockaddr_in *)&ss)->sin_port);
	r = ev_add(l, s->lfd, EV_READ, http_accept, s);
	if (r < 0) {
		close(s->lfd);
		free(s);
		return r;
	}
	*out = s;
	return 0;
}

int http_server_port(const http_server *s)
{
	return s->port;
}

void http_server_stop(http_server *s)
{
	if (!s)
		return;
	ev_del(s->loop, s->lfd, EV_READ);
	ev_timer_del(s->loop, s->accept_retry);
	close(s->lfd);
	while (s->conns)
		http_conn_free(s->conns);
	free(s);
}

int http_server_start_status(ev_loop *l, const char *addr, http_handler_fn *fn, void *data,
                             int max_conns, http_server **out)
{
	struct http_server_opts o = {0};

	o.listen = addr;
	o.max_head = 8192;
	o.request_timeout_ms = 10000;
	o.idle_timeout_ms = 60000;
	o.max_stream_queue = 1 << 16; /* nothing streams; a bound all the same */
	o.max_conns = max_conns;
	o.handler = fn;
	o.data = data;
	return http_server_start(l, &o, out);
}

void http_respond_metrics(http_conn *c, int (*render)(void *data, buf *b), void *data)
{
	buf b;

	buf_init(&b);
	if (render(data, &b) < 0)
		http_respond(c, 500, "text/plain", "out of memory\n", 14);
	else
		http_respond(c, 200, "text/plain; version=0.0.4; charset=utf-8", buf_head(&b),
		             buf_avail(&b));
	buf_free(&b);
}
