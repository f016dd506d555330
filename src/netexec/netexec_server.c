/*
 * netexec_server.c - netexec's sockets: HTTP/1.1 connections and a UDP socket
 * on one event loop, plus the SIGTERM grace period.
 *
 * Each connection parses requests in place (keep-alive and pipelining) and
 * queues the answers in its output buffer, which is written at once and
 * otherwise when the socket turns writable. A client that reads nothing
 * cannot make us queue without bound: past NX_OUT_HIGH unsent bytes we stop
 * reading from it until it catches up. Errors answer with a status and close
 * gracefully (shutdown, then drain what the client still sends) so the client
 * sees the answer rather than a reset.
 */
#include "netexec/netexec.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/ev.h"
#include "lib/http_parse.h"
#include "lib/log.h"
#include "lib/net.h"

#define NX_MAX_CONNS    20000
#define NX_READ_CHUNK   16384
#define NX_READS_PER_EV 4            /* fairness: at most this many chunks per wakeup */
#define NX_OUT_HIGH     (256 * 1024) /* stop reading a client this far behind */
#define NX_REQUEST_MS   10000        /* a started request must progress within this */
#define NX_IDLE_MS      60000        /* idle keep-alive connections are closed after */
#define NX_LINGER_MS    2000         /* draining after our last answer */
#define NX_EXIT_WAIT_MS 2000         /* /exit waits this long at most for its answer */
#define NX_UDP_MAX      65536
#define NX_UDP_PER_EV   64
#define NX_LOG_TARGET   200

struct nx_server;

struct nx_conn {
	struct nx_conn *prev, *next;
	struct nx_server *srv;
	int fd;
	int reading, writing; /* registered directions */
	int closing;          /* answer what is queued, then close */
	int draining;         /* answered and write side shut: discard input until EOF */
	int eof;              /* the peer shut its write side */
	int sent_continue;    /* "100 Continue" went out for the current request */
	int exit_conn;        /* carries the /exit answer */
	uint64_t last;        /* last progress in either direction, ms */
	buf in, out;
	http_parser p;
	http_request req;
	char peer[NET_ADDR_STRLEN + 8];
};

struct nx_server {
	ev_loop *loop;
	const struct netexec_config *cfg;
	struct netexec_state st;
	int lfd, ufd, sfd;
	int listen_paused;
	int terminating;
	int rc;
	int nconns;
	struct nx_conn *conns;
	char *ubuf;
	buf ureply;
	struct netexec_reply reply;
};

static void nx_stop(struct nx_server *s, int rc)
{
	s->rc = rc;
	ev_stop(s->loop);
}

static void nx_conn_free(struct nx_conn *c)
{
	struct nx_server *s = c->srv;

	ev_del(s->loop, c->fd, EV_READ | EV_WRITE);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	/* Whoever ended it, the /exit answer had its chance. */
	if (c->exit_conn)
		nx_stop(s, s->st.exit_code);
	buf_free(&c->in);
	buf_free(&c->out);
	http_request_free(&c->req);
	free(c);
}

static void nx_on_io(ev_loop *l, int fd, void *data, int mask);

static void nx_want(struct nx_conn *c, int mask, int on)
{
	int *flag = mask == EV_READ ? &c->reading : &c->writing;

	if (on == *flag)
		return;
	if (on) {
		if (ev_add(c->srv->loop, c->fd, mask, nx_on_io, c) == 0)
			*flag = 1;
	} else {
		ev_del(c->srv->loop, c->fd, mask);
		*flag = 0;
	}
}

/* Writes what is queued. Returns -1 if the connection was freed. */
static int nx_flush(struct nx_conn *c)
{
	while (buf_avail(&c->out)) {
		ssize_t n = send(c->fd, buf_head(&c->out), buf_avail(&c->out), MSG_NOSIGNAL);

		if (n > 0) {
			buf_consume(&c->out, (size_t)n);
			c->last = ev_now(c->srv->loop);
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			nx_want(c, EV_WRITE, 1);
			return 0;
		} else {
			nx_conn_free(c);
			return -1;
		}
	}
	buf_reset(&c->out);
	nx_want(c, EV_WRITE, 0);
	if (c->closing && !c->draining) {
		if (c->exit_conn || c->eof) {
			nx_conn_free(c);
			return -1;
		}
		shutdown(c->fd, SHUT_WR);
		c->draining = 1;
		c->last = ev_now(c->srv->loop);
		nx_want(c, EV_READ, 1);
	}
	return 0;
}

static int nx_respond(struct nx_conn *c, int status, const char *body, size_t len, int head_only)
{
	const char *conn = "";

	/* These have no body by definition (RFC 9110 6.4.1); a client would read
	 * one as the start of the next response. */
	if (status == 204 || status == 304) {
		if (buf_printf(&c->out, "HTTP/1.1 %d %s\r\n%s\r\n", status, http_reason(status),
		               c->closing ? "Connection: close\r\n" : "") < 0)
			return -ENOMEM;
		return 0;
	}
	if (c->closing)
		conn = "Connection: close\r\n";
	else if (c->req.minor_version == 0)
		conn = "Connection: keep-alive\r\n";
	if (buf_printf(&c->out,
	               "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
	               "X-Content-Type-Options: nosniff\r\nContent-Length: %zu\r\n%s\r\n",
	               status, http_reason(status), len, conn) < 0)
		return -ENOMEM;
	if (!head_only && len && buf_append(&c->out, body, len) < 0)
		return -ENOMEM;
	return 0;
}

static void nx_log_request(struct nx_conn *c, int status)
{
	const char *t = c->req.target ? c->req.target : "";

	log_info("netexec", "%s %s %.*s%s -> %d", c->peer, c->req.method, NX_LOG_TARGET, t,
	         strlen(t) > NX_LOG_TARGET ? "..." : "", status);
}

static long long nx_exit_timeout(ev_loop *l, ev_timer *t, void *data)
{
	struct nx_server *s = data;

	log_warn("netexec", "/exit answer not delivered in time; exiting anyway");
	nx_stop(s, s->st.exit_code);
	return EV_TIMER_STOP;
}

/* One complete request. Returns -ENOMEM if its answer could not be queued. */
static int nx_handle(struct nx_conn *c)
{
	struct nx_server *s = c->srv;
	struct netexec_reply *rp = &s->reply;
	int was_exit = s->st.exit_requested;

	netexec_route(&s->st, c->req.path ? c->req.path : "", c->req.query, c->peer, rp);
	if (!c->req.keep_alive)
		c->closing = 1;
	if (s->st.exit_requested && !was_exit) {
		c->exit_conn = 1;
		c->closing = 1;
		log_info("netexec", "/exit from %s: exiting with code %d", c->peer,
		         s->st.exit_code);
		ev_timer_add(s->loop, NX_EXIT_WAIT_MS, nx_exit_timeout, s);
	}
	if (s->cfg->verbose)
		nx_log_request(c, rp->status);
	return nx_respond(c, rp->status, buf_head(&rp->body), buf_avail(&rp->body),
	                  !strcmp(c->req.method, "HEAD"));
}

/* Parses and answers what is buffered, then writes. Returns -1 if freed. */
static int nx_work(struct nx_conn *c)
{
	int r;

	while (!c->closing && buf_avail(&c->out) < NX_OUT_HIGH) {
		r = http_parse_request(&c->p, &c->in, &c->req);
		if (r == HTTP_DONE) {
			c->sent_continue = 0;
			if (nx_handle(c) < 0) {
				nx_conn_free(c);
				return -1;
			}
			continue;
		}
		if (r == HTTP_NEED_MORE) {
			if (http_parser_wants_continue(&c->p) && !c->sent_continue) {
				c->sent_continue = 1;
				if (buf_puts(&c->out, "HTTP/1.1 100 Continue\r\n\r\n") < 0) {
					nx_conn_free(c);
					return -1;
				}
			}
			break;
		}
		/* Sticky parse error: say why and close. */
		{
			int st = http_error_status(r);
			char msg[64];
			int n = snprintf(msg, sizeof(msg), "%s\n", http_reason(st));

			c->closing = 1;
			if (c->srv->cfg->verbose)
				log_info("netexec", "%s: bad request -> %d", c->peer, st);
			if (nx_respond(c, st, msg, (size_t)n, 0) < 0) {
				nx_conn_free(c);
				return -1;
			}
		}
	}
	if (c->eof)
		c->closing = 1;
	if (nx_flush(c) < 0)
		return -1;
	if (!c->draining)
		nx_want(c, EV_READ, !c->closing && !c->eof && buf_avail(&c->out) < NX_OUT_HIGH);
	return 0;
}

static void nx_on_read(struct nx_conn *c)
{
	for (int i = 0; i < NX_READS_PER_EV; i++) {
		ssize_t n;

		if (buf_reserve(&c->in, NX_READ_CHUNK) < 0) {
			nx_conn_free(c);
			return;
		}
		n = recv(c->fd, c->in.data + c->in.len, NX_READ_CHUNK, 0);
		if (n > 0) {
			c->last = ev_now(c->srv->loop);
			if (c->draining)
				continue; /* discarded: the buffer is never advanced */
			c->in.len += (size_t)n;
			if ((size_t)n < NX_READ_CHUNK)
				break;
		} else if (n < 0 && errno == EINTR) {
			i--;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			break;
		} else if (n == 0 && !c->draining) {
			/* Answer what arrived whole; a truncated request just ends. */
			c->eof = 1;
			nx_want(c, EV_READ, 0);
			break;
		} else {
			nx_conn_free(c);
			return;
		}
	}
	if (!c->draining)
		nx_work(c);
}

static void nx_on_io(ev_loop *l, int fd, void *data, int mask)
{
	struct nx_conn *c = data;

	if (mask == EV_READ) {
		nx_on_read(c);
		return;
	}
	if (nx_flush(c) < 0)
		return;
	if (!c->closing && !c->draining)
		nx_work(c);
}

static void nx_on_accept(ev_loop *l, int fd, void *data, int mask)
{
	struct nx_server *s = data;

	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct nx_conn *c;
		int cfd = accept4(fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int one = 1;

		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				/* Stop listening for a moment, or the loop would spin on
				 * a backlog it cannot take; the sweep resumes it. */
				log_warn("netexec", "accept: %s; pausing for a second",
				         strerror(errno));
				ev_del(l, fd, EV_READ);
				s->listen_paused = 1;
			}
			return;
		}
		if (s->nconns >= NX_MAX_CONNS || !(c = calloc(1, sizeof(*c)))) {
			close(cfd);
			continue;
		}
		setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->srv = s;
		c->fd = cfd;
		c->last = ev_now(l);
		http_parser_init(&c->p, NETEXEC_MAX_HEAD, NETEXEC_MAX_BODY);
		netexec_fmt_peer(&ss, c->peer, sizeof(c->peer));
		c->next = s->conns;
		if (s->conns)
			s->conns->prev = c;
		s->conns = c;
		s->nconns++;
		nx_want(c, EV_READ, 1);
		if (!c->reading)
			nx_conn_free(c);
	}
}

static void nx_on_udp(ev_loop *l, int fd, void *data, int mask)
{
	struct nx_server *s = data;

	for (int i = 0; i < NX_UDP_PER_EV; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		char peer[NET_ADDR_STRLEN + 8];
		ssize_t n = recvfrom(fd, s->ubuf, NX_UDP_MAX, 0, (struct sockaddr *)&ss, &sl);
		int r;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		netexec_fmt_peer(&ss, peer, sizeof(peer));
		buf_reset(&s->ureply);
		r = netexec_udp_reply(&s->st, s->ubuf, (size_t)n, peer, &s->ureply);
		if (s->cfg->verbose)
			log_info("netexec", "udp %s: %zd bytes%s", peer, n,
			         r > 0 ? "" : ", no answer");
		/* A lost answer is a lost datagram; the client retries. */
		if (r > 0)
			(void)sendto(fd, buf_head(&s->ureply), buf_avail(&s->ureply), MSG_DONTWAIT,
			             (struct sockaddr *)&ss, sl);
	}
}

static long long nx_delay_done(ev_loop *l, ev_timer *t, void *data)
{
	struct nx_server *s = data;

	log_info("netexec", "shutdown delay over");
	nx_stop(s, 0);
	return EV_TIMER_STOP;
}

static void nx_on_signal(ev_loop *l, int fd, void *data, int mask)
{
	struct nx_server *s = data;
	struct signalfd_siginfo si;
	double d = s->cfg->delay_shutdown_s;

	if (read(fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return;
	if (s->terminating || d <= 0) {
		log_info("netexec", "signal %u: stopping", si.ssi_signo);
		nx_stop(s, 0);
		return;
	}
	s->terminating = 1;
	log_info("netexec", "signal %u: serving %g s more before exiting", si.ssi_signo, d);
	if (!ev_timer_add(l, (long long)(d * 1000.0), nx_delay_done, s))
		nx_stop(s, 0);
}

static long long nx_sweep(ev_loop *l, ev_timer *t, void *data)
{
	struct nx_server *s = data;
	uint64_t now = ev_clock_ms();
	struct nx_conn *c = s->conns, *next;

	for (; c; c = next) {
		uint64_t age = now - c->last;
		uint64_t limit = NX_IDLE_MS;

		next = c->next;
		if (c->draining)
			limit = NX_LINGER_MS;
		else if (buf_avail(&c->out) || http_parser_in_progress(&c->p))
			limit = NX_REQUEST_MS;
		if (age > limit)
			nx_conn_free(c);
	}
	if (s->listen_paused && ev_add(l, s->lfd, EV_READ, nx_on_accept, s) == 0)
		s->listen_paused = 0;
	return 1000;
}

/*
 * Binds a socket of type on the configured address. With no address: the
 * IPv6 wildcard with IPV6_V6ONLY off, which takes IPv4 too, or 0.0.0.0 where
 * the kernel has no IPv6.
 */
static int nx_listen(const char *addr, int type, int port, int *bound)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	net_addr a;
	int fd, err, one = 1, zero = 0, any = !addr || !addr[0];
	char tmp[NET_ADDR_STRLEN + 2];

	if (any) {
		net_addr_parse("::", &a);
	} else {
		size_t n = strlen(addr);

		/* "[::1]" as well as "::1" */
		if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']' && n - 2 < sizeof(tmp)) {
			memcpy(tmp, addr + 1, n - 2);
			tmp[n - 2] = '\0';
			addr = tmp;
		}
		if (net_addr_parse(addr, &a) < 0)
			return -EINVAL;
	}
	for (;;) {
		net_addr_to_sockaddr(&a, port, &ss, &sl);
		fd = socket(a.family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd >= 0) {
			if (a.family == AF_INET6)
				setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
			if (type == SOCK_STREAM)
				setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			if (bind(fd, (struct sockaddr *)&ss, sl) == 0 &&
			    (type != SOCK_STREAM || listen(fd, 4096) == 0))
				break;
			err = errno;
			close(fd);
		} else {
			err = errno;
		}
		if (any && a.family == AF_INET6 && (err == EAFNOSUPPORT || err == EADDRNOTAVAIL)) {
			net_addr_parse("0.0.0.0", &a);
			continue;
		}
		return -err;
	}
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		net_addr_from_sockaddr((struct sockaddr *)&ss, &a, bound);
	else
		*bound = port;
	return fd;
}

static void nx_cleanup(struct nx_server *s)
{
	while (s->conns) {
		s->conns->exit_conn = 0;
		nx_conn_free(s->conns);
	}
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->ufd >= 0)
		close(s->ufd);
	if (s->sfd >= 0)
		close(s->sfd);
	ev_loop_free(s->loop);
	free(s->ubuf);
	buf_free(&s->ureply);
	buf_free(&s->reply.body);
}

int netexec_run(const struct netexec_config *cfg)
{
	struct nx_server s = {0};
	const char *where =
	    cfg->listen_address && cfg->listen_address[0] ? cfg->listen_address : "all addresses";
	sigset_t mask, old;
	int hport = 0, uport = 0, r;

	s.cfg = cfg;
	s.lfd = s.ufd = s.sfd = -1;
	s.rc = 1;
	r = netexec_state_init(&s.st);
	if (r < 0)
		log_warn("netexec", "gethostname: %s; answering \"%s\"", strerror(-r),
		         s.st.hostname);
	s.loop = ev_loop_new();
	s.ubuf = malloc(NX_UDP_MAX);
	if (!s.loop || !s.ubuf) {
		log_error("netexec", "out of memory");
		goto out;
	}
	s.lfd = nx_listen(cfg->listen_address, SOCK_STREAM, cfg->http_port, &hport);
	if (s.lfd < 0) {
		log_error("netexec", "cannot listen on %s port %d (tcp): %s", where, cfg->http_port,
		          strerror(-s.lfd));
		goto out;
	}
	if (cfg->udp_port > 0) {
		s.ufd = nx_listen(cfg->listen_address, SOCK_DGRAM, cfg->udp_port, &uport);
		if (s.ufd < 0) {
			log_error("netexec", "cannot listen on %s port %d (udp): %s", where,
			          cfg->udp_port, strerror(-s.ufd));
			goto out;
		}
	}
	if (ev_add(s.loop, s.lfd, EV_READ, nx_on_accept, &s) < 0 ||
	    (s.ufd >= 0 && ev_add(s.loop, s.ufd, EV_READ, nx_on_udp, &s) < 0) ||
	    !ev_timer_add(s.loop, 1000, nx_sweep, &s)) {
		log_error("netexec", "event loop setup failed");
		goto out;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, &old);
	s.sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s.sfd < 0 || ev_add(s.loop, s.sfd, EV_READ, nx_on_signal, &s) < 0) {
		log_error("netexec", "signalfd: %s", strerror(errno));
		sigprocmask(SIG_SETMASK, &old, NULL);
		goto out;
	}
	if (s.ufd >= 0)
		log_info("netexec", "serving as \"%s\": HTTP on %s port %d, UDP port %d",
		         s.st.hostname, where, hport, uport);
	else
		log_info("netexec", "serving as \"%s\": HTTP on %s port %d, no UDP", s.st.hostname,
		         where, hport);
	ev_run(s.loop);
	/* SIGTERM and SIGINT stay blocked: restoring them could kill the process
	 * with a signal that arrived just now instead of returning s.rc. */
	log_info("netexec", "exiting with code %d", s.rc);
out:
	nx_cleanup(&s);
	return s.rc;
}
