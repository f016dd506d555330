/*
 * us_tcp.c - the userspace mode's TCP relay: accept on a service port's
 * listener, connect to an endpoint (the next ones after a failure), then move
 * bytes both ways with splice() through one pipe per direction, so they never
 * pass through user memory.
 *
 * A connection's state is which handlers its fds have (nginx style):
 * connecting (the upstream fd waits for EV_WRITE, the client fd is not polled:
 * what it sends waits in the kernel), then relaying (pxus_tcp_io on both).
 * Per direction d (0: client -> endpoint, 1: endpoint -> client):
 *  - read fd[d] only while the pipe is empty: bytes left in the pipe mean the
 *    other side's send buffer is full, so wait for its EV_WRITE instead
 *    (back-pressure; also why a pipe that fills with small segments before
 *    its byte size never makes the loop spin);
 *  - at EOF, once the pipe is drained, shutdown(SHUT_WR) the other side
 *    (half-close); when both directions are shut, close;
 *  - a reset or error on either side closes both, the other with a reset.
 * Idle connections are in no timer and wake nothing. Pipes are made on the
 * first byte of a direction, so an idle connection holds two fds, not six.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/log.h"
#include "proxy/us_int.h"

/* Bytes a pipe is asked to hold (F_SETPIPE_SZ); 64 KiB when refused. */
#define PXUS_PIPE_SZ (256 * 1024)
/* A connect that has not finished after this moves on to the next endpoint. */
#define PXUS_CONNECT_MS 3000
/* Round trips through the pump per event, so one busy connection cannot
 * starve the others on the loop. */
#define PXUS_PUMP_ROUNDS 4

struct pxus_conn {
	pxb *b;
	struct pxus_lsn *l; /* ref held while connecting */
	int fd[2];          /* 0: client, 1: endpoint */
	int pipe[2][2];     /* direction d: fd[d] -> pipe[d] -> fd[!d] */
	size_t inpipe[2];
	bool eof[2], shut[2];
	struct sockaddr_in client;
	struct sockaddr_in cand[PXUS_MAX_TRIES];
	size_t n_cand, at;
	ev_timer *timer;               /* connect timeout */
	struct pxus_conn *prev, *next; /* pxb's list */
};

static void pxus_tcp_io(ev_loop *loop, int fd, void *data, int mask);
static void pxus_tcp_connected(ev_loop *loop, int fd, void *data, int mask);
static int pxus_tcp_connect(struct pxus_conn *c);

static void pxus_close_fd(pxb *b, int *fd, bool rst)
{
	if (*fd < 0)
		return;
	ev_del(b->loop, *fd, EV_READ | EV_WRITE);
	if (rst) {
		struct linger lg = {1, 0};

		setsockopt(*fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	close(*fd);
	*fd = -1;
	pxus_fd_add(b, -1);
}

static void pxus_conn_free(struct pxus_conn *c, bool rst)
{
	pxb *b = c->b;

	if (c->timer)
		ev_timer_del(b->loop, c->timer);
	for (int d = 0; d < 2; d++) {
		pxus_close_fd(b, &c->fd[d], rst);
		for (int e = 0; e < 2; e++)
			if (c->pipe[d][e] >= 0) {
				close(c->pipe[d][e]);
				pxus_fd_add(b, -1);
			}
	}
	if (c->l)
		pxus_lsn_unref(c->l);
	if (c->prev)
		c->prev->next = c->next;
	else
		b->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	b->n_conns--;
	free(c);
}

static int pxus_pipe(struct pxus_conn *c, int d)
{
	if (c->pipe[d][0] >= 0)
		return 0;
	if (!pxus_fd_room(c->b, 2) || pipe2(c->pipe[d], O_NONBLOCK | O_CLOEXEC) < 0) {
		uint64_t now = ev_now(c->b->loop);

		c->pipe[d][0] = c->pipe[d][1] = -1;
		if (now - c->b->last_cap_log_ms > 10000) {
			c->b->last_cap_log_ms = now;
			log_warn("proxy",
			         "userspace: no fds for a relay pipe (%ld of %ld in use): "
			         "closing the connection",
			         c->b->fds, c->b->fd_cap);
		}
		return -EMFILE;
	}
	pxus_fd_add(c->b, 2);
	fcntl(c->pipe[d][1], F_SETPIPE_SZ, PXUS_PIPE_SZ);
	return 0;
}

/* Moves what it can in direction d. 0, or -1 when the connection is closed. */
static int pxus_pump(struct pxus_conn *c, int d)
{
	int s = c->fd[d], t = c->fd[!d];
	ssize_t n;

	if (!c->eof[d] && pxus_pipe(c, d) < 0)
		goto reset;
	for (int i = 0; i < PXUS_PUMP_ROUNDS; i++) {
		bool moved = false;

		if (!c->eof[d] && !c->inpipe[d]) {
			n = splice(s, NULL, c->pipe[d][1], NULL, PXUS_PIPE_SZ,
			           SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				c->inpipe[d] += (size_t)n;
				moved = true;
			} else if (n == 0) {
				c->eof[d] = true;
			} else if (errno != EAGAIN && errno != EINTR) {
				goto reset;
			}
		}
		if (c->inpipe[d]) {
			n = splice(c->pipe[d][0], NULL, t, NULL, c->inpipe[d],
			           SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				c->inpipe[d] -= (size_t)n;
				moved = true;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				goto reset;
			}
		}
		if (!moved)
			break;
	}
	if (c->eof[d] && !c->inpipe[d] && !c->shut[d]) {
		shutdown(t, SHUT_WR);
		c->shut[d] = true;
	}
	if (c->shut[0] && c->shut[1]) {
		pxus_conn_free(c, false);
		return -1;
	}
	/* Interest: read the source while the pipe is empty, write the sink
	 * while it is not. */
	if (!c->eof[d] && !c->inpipe[d]) {
		if (ev_add(c->b->loop, s, EV_READ, pxus_tcp_io, c) < 0)
			goto reset;
	} else {
		ev_del(c->b->loop, s, EV_READ);
	}
	if (c->inpipe[d]) {
		if (ev_add(c->b->loop, t, EV_WRITE, pxus_tcp_io, c) < 0)
			goto reset;
	} else {
		ev_del(c->b->loop, t, EV_WRITE);
	}
	return 0;
reset:
	pxus_conn_free(c, true);
	return -1;
}

static void pxus_tcp_io(ev_loop *loop, int fd, void *data, int mask)
{
	struct pxus_conn *c = data;
	int side = fd == c->fd[0] ? 0 : 1;

	/* Reading side s drives direction s; writing side s drains direction !s. */
	pxus_pump(c, mask & EV_READ ? side : !side);
}

static void pxus_tcp_relay(struct pxus_conn *c)
{
	int one = 1;

	if (c->timer) {
		ev_timer_del(c->b->loop, c->timer);
		c->timer = NULL;
	}
	if (c->l) {
		if (c->at)
			pxus_pick_moved(c->l, &c->client, &c->cand[c->at], ev_now(c->b->loop));
		pxus_lsn_unref(c->l);
		c->l = NULL;
	}
	setsockopt(c->fd[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ev_del(c->b->loop, c->fd[1], EV_WRITE);
	if (ev_add(c->b->loop, c->fd[0], EV_READ, pxus_tcp_io, c) < 0 ||
	    ev_add(c->b->loop, c->fd[1], EV_READ, pxus_tcp_io, c) < 0)
		pxus_conn_free(c, true);
}

/* This endpoint failed: the next one, or give up on the client (a reset:
 * a plain close would look like an empty answer). */
static void pxus_tcp_next(struct pxus_conn *c, int err)
{
	char ep[32];

	pxus_sa_str(&c->cand[c->at], ep, sizeof(ep));
	log_debug("proxy", "userspace %s: connect to %s: %s", c->l ? c->l->name : "?", ep,
	          strerror(err));
	pxus_close_fd(c->b, &c->fd[1], false);
	while (++c->at < c->n_cand) {
		if (pxus_tcp_connect(c) == 0)
			return;
	}
	log_info("proxy",
	         "userspace %s: no endpoint accepted the connection (%zu tried, last "
	         "%s: %s)",
	         c->l ? c->l->name : "?", c->n_cand, ep, strerror(err));
	pxus_conn_free(c, true);
}

static void pxus_tcp_connected(ev_loop *loop, int fd, void *data, int mask)
{
	struct pxus_conn *c = data;
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == EINPROGRESS || err == EALREADY)
		return;
	if (err) {
		pxus_tcp_next(c, err);
		return;
	}
	pxus_tcp_relay(c);
}

static long long pxus_tcp_timeout(ev_loop *loop, ev_timer *t, void *data)
{
	struct pxus_conn *c = data;

	c->timer = NULL;
	pxus_tcp_next(c, ETIMEDOUT);
	return EV_TIMER_STOP;
}

/* Starts connecting to cand[at]: 0 (in progress or done), else a negative
 * errno (the caller tries the next). */
static int pxus_tcp_connect(struct pxus_conn *c)
{
	pxb *b = c->b;
	int fd, rc;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	pxus_fd_add(b, 1);
	c->fd[1] = fd;
	rc = connect(fd, (const struct sockaddr *)&c->cand[c->at], sizeof(c->cand[0]));
	if (rc < 0 && errno != EINPROGRESS) {
		rc = -errno;
		pxus_close_fd(b, &c->fd[1], false);
		return rc;
	}
	if (ev_add(b->loop, fd, EV_WRITE, pxus_tcp_connected, c) < 0) {
		pxus_close_fd(b, &c->fd[1], false);
		return -ENOMEM;
	}
	if (c->timer)
		ev_timer_reset(b->loop, c->timer, PXUS_CONNECT_MS);
	else
		c->timer = ev_timer_add(b->loop, PXUS_CONNECT_MS, pxus_tcp_timeout, c);
	return 0;
}

/* Traffic from the node itself (REDIRECTed to 127.0.0.1) or from a Pod. */
static bool pxus_local_src(const pxb *b, int fd, const struct sockaddr_in *peer)
{
	struct sockaddr_in me;
	socklen_t len = sizeof(me);
	net_addr a = {.family = AF_INET};

	if (getsockname(fd, (struct sockaddr *)&me, &len) == 0 &&
	    (ntohl(me.sin_addr.s_addr) >> 24) == 127)
		return true;
	memcpy(a.a, &peer->sin_addr, 4);
	return b->cfg.cluster_cidr.addr.family == AF_INET &&
	       net_cidr_contains(&b->cfg.cluster_cidr, &a) > 0;
}

static void pxus_tcp_new(struct pxus_lsn *l, int fd, const struct sockaddr_in *peer)
{
	pxb *b = l->b;
	struct pxus_conn *c = calloc(1, sizeof(*c));
	bool local = l->cl_eps && pxus_local_src(b, fd, peer);
	int one = 1;

	if (!c) {
		close(fd);
		pxus_fd_add(b, -1);
		return;
	}
	c->b = b;
	c->fd[0] = fd;
	c->fd[1] = -1;
	memset(c->pipe, -1, sizeof(c->pipe));
	c->client = *peer;
	c->next = b->conns;
	if (b->conns)
		b->conns->prev = c;
	b->conns = c;
	b->n_conns++;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->n_cand = pxus_pick(l, peer, local, ev_now(b->loop), c->cand, PXUS_MAX_TRIES);
	if (!c->n_cand) { /* the rules reject these; a race with a sync */
		pxus_conn_free(c, true);
		return;
	}
	c->l = l;
	l->refs++;
	for (; c->at < c->n_cand; c->at++)
		if (pxus_tcp_connect(c) == 0)
			return;
	pxus_conn_free(c, true);
}

void pxus_tcp_accept(ev_loop *loop, int fd, void *data, int mask)
{
	struct pxus_lsn *l = data;

	/* A bounded batch: other listeners and relays get their turn. */
	for (int i = 0; i < 64; i++) {
		struct sockaddr_in peer;
		socklen_t len = sizeof(peer);
		int c;

		/* Room for both sockets; pipes come later and may fail alone. */
		if (!pxus_fd_room(l->b, 2)) {
			pxus_lsn_pause(l);
			return;
		}
		c = accept4(fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				pxus_lsn_pause(l);
			return;
		}
		pxus_fd_add(l->b, 1);
		if (len != sizeof(peer) || peer.sin_family != AF_INET) {
			close(c);
			pxus_fd_add(l->b, -1);
			continue;
		}
		pxus_tcp_new(l, c, &peer);
		if (l->dead)
			return;
	}
}

void pxus_tcp_close_all(pxb *b)
{
	while (b->conns)
		pxus_conn_free(b->conns, true);
}
