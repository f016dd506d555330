/*
 * dnsserver.c - UDP and TCP transport for DNS. See dnsserver.h.
 */
#include "dns/dnsserver.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns/dnsmsg.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/sockaddr.h"

#define SRV_BATCH      32
#define SRV_UDP_IN     4096          /* bigger queries are garbage anyway */
#define SRV_TCP_OUTMAX (1024 * 1024) /* a client that reads nothing is dropped */

struct srv_listener {
	dnssrv *s;
	int udp, tcp;
	int wildcard; /* answer from the query's destination address */
	int family;
	int port;
};

struct tcp_conn {
	dnssrv *s;
	int fd;
	uint32_t slot, gen;
	buf in, out;
	uint64_t last_ms;
	ev_timer *idle;
	struct sockaddr_storage peer;
	socklen_t peerlen;
};

struct dnssrv {
	ev_loop *l;
	struct dnssrv_config cfg;
	struct srv_listener ls[DNSSRV_MAX_LISTEN];
	int nls;
	struct tcp_conn **conns; /* slot -> connection */
	uint32_t *gens;
	struct dnssrv_stats st;
	/* batch buffers (one loop, one thread) */
	uint8_t in[SRV_BATCH][SRV_UDP_IN];
	uint8_t out[SRV_BATCH][DNS_UDP_EDNS];
	uint8_t tcpout[DNS_TCP_MAX];
	struct dns_dest dest[SRV_BATCH];
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cin[SRV_BATCH], cout[SRV_BATCH];
};

/* --- UDP --------------------------------------------------------------------- */

/* The control message that makes a reply leave from the query's address. */
static size_t pktinfo_cmsg(const struct dns_dest *d, void *cbuf, size_t cap)
{
	struct msghdr m = {.msg_control = cbuf, .msg_controllen = cap};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	if (d->local_family == AF_INET) {
		struct in_pktinfo pi = {0};

		pi.ipi_spec_dst = d->local.v4.ipi_addr;
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		return CMSG_SPACE(sizeof(pi));
	}
	if (d->local_family == AF_INET6) {
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(d->local.v6));
		memcpy(CMSG_DATA(c), &d->local.v6, sizeof(d->local.v6));
		return CMSG_SPACE(sizeof(d->local.v6));
	}
	return 0;
}

static void pktinfo_read(struct msghdr *m, struct dns_dest *d)
{
	d->local_family = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			memcpy(&d->local.v4, CMSG_DATA(c), sizeof(d->local.v4));
			d->local_family = AF_INET;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			memcpy(&d->local.v6, CMSG_DATA(c), sizeof(d->local.v6));
			d->local_family = AF_INET6;
		}
	}
}

static void udp_read(ev_loop *l, int fd, void *data, int mask)
{
	struct srv_listener *ls = data;
	dnssrv *s = ls->s;
	struct mmsghdr rm[SRV_BATCH], sm[SRV_BATCH];
	struct iovec riov[SRV_BATCH], siov[SRV_BATCH];

	/* A few batches per wakeup, so TCP and timers get their turn too. */
	for (int round = 0; round < 8; round++) {
		int n, ns = 0;

		for (int i = 0; i < SRV_BATCH; i++) {
			riov[i].iov_base = s->in[i];
			riov[i].iov_len = SRV_UDP_IN;
			memset(&rm[i].msg_hdr, 0, sizeof(rm[i].msg_hdr));
			rm[i].msg_hdr.msg_name = &s->dest[i].peer;
			rm[i].msg_hdr.msg_namelen = sizeof(s->dest[i].peer);
			rm[i].msg_hdr.msg_iov = &riov[i];
			rm[i].msg_hdr.msg_iovlen = 1;
			if (ls->wildcard) {
				rm[i].msg_hdr.msg_control = s->cin[i].buf;
				rm[i].msg_hdr.msg_controllen = sizeof(s->cin[i].buf);
			}
		}
		n = recvmmsg(fd, rm, SRV_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		for (int i = 0; i < n; i++) {
			struct dns_dest *d = &s->dest[i];
			size_t len;

			s->st.udp_queries++;
			d->tcp = false;
			d->fd = fd;
			d->peerlen = rm[i].msg_hdr.msg_namelen;
			d->local_family = 0;
			if (ls->wildcard)
				pktinfo_read(&rm[i].msg_hdr, d);
			if (rm[i].msg_hdr.msg_flags & MSG_TRUNC)
				continue;
			len = s->cfg.fn(s->cfg.data, s->in[i], rm[i].msg_len, d, s->out[i],
			                sizeof(s->out[i]));
			if (!len)
				continue;
			siov[ns].iov_base = s->out[i];
			siov[ns].iov_len = len;
			memset(&sm[ns].msg_hdr, 0, sizeof(sm[ns].msg_hdr));
			sm[ns].msg_hdr.msg_name = &d->peer;
			sm[ns].msg_hdr.msg_namelen = d->peerlen;
			sm[ns].msg_hdr.msg_iov = &siov[ns];
			sm[ns].msg_hdr.msg_iovlen = 1;
			if (d->local_family) {
				sm[ns].msg_hdr.msg_control = s->cout[ns].buf;
				sm[ns].msg_hdr.msg_controllen =
				    pktinfo_cmsg(d, s->cout[ns].buf, sizeof(s->cout[ns].buf));
			}
			ns++;
		}
		for (int done = 0; done < ns;) {
			int k = sendmmsg(fd, sm + done, (unsigned)(ns - done), MSG_DONTWAIT);

			if (k <= 0) {
				/* A full socket buffer or an unreachable peer: UDP may drop. */
				s->st.send_errors += (unsigned long long)(ns - done);
				break;
			}
			done += k;
		}
		if (n < SRV_BATCH)
			return;
	}
}

static void udp_send_one(dnssrv *s, const struct dns_dest *d, const uint8_t *msg, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = {.iov_base = (void *)msg, .iov_len = len};
	struct msghdr m = {0};

	m.msg_name = (void *)&d->peer;
	m.msg_namelen = d->peerlen;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	if (d->local_family) {
		m.msg_control = cbuf.buf;
		m.msg_controllen = pktinfo_cmsg(d, cbuf.buf, sizeof(cbuf.buf));
	}
	if (sendmsg(d->fd, &m, MSG_DONTWAIT) < 0)
		s->st.send_errors++;
}

/* --- TCP ---------------------------------------------------------------------- */

static void tcp_close(struct tcp_conn *c)
{
	dnssrv *s = c->s;

	ev_del(s->l, c->fd, EV_READ | EV_WRITE);
	close(c->fd);
	ev_timer_del(s->l, c->idle);
	s->conns[c->slot] = NULL;
	s->gens[c->slot]++;
	s->st.tcp_open--;
	buf_free(&c->in);
	buf_free(&c->out);
	free(c);
}

static void tcp_event(ev_loop *l, int fd, void *data, int mask);

/* Sends what is queued; 0, or -1 when the connection was closed. */
static int tcp_flush(struct tcp_conn *c)
{
	while (buf_avail(&c->out)) {
		ssize_t n =
		    send(c->fd, buf_head(&c->out), buf_avail(&c->out), MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (ev_add(c->s->l, c->fd, EV_WRITE, tcp_event, c) < 0) {
				tcp_close(c);
				return -1;
			}
			return 0;
		}
		if (n <= 0) {
			tcp_close(c);
			return -1;
		}
		buf_consume(&c->out, (size_t)n);
	}
	buf_reset(&c->out);
	ev_del(c->s->l, c->fd, EV_WRITE);
	return 0;
}

static int tcp_queue(struct tcp_conn *c, const uint8_t *msg, size_t len)
{
	uint8_t pre[2];

	if (buf_avail(&c->out) > SRV_TCP_OUTMAX) {
		tcp_close(c);
		return -1;
	}
	dns_put16(pre, (uint16_t)len);
	if (buf_append(&c->out, pre, 2) < 0 || buf_append(&c->out, msg, len) < 0) {
		tcp_close(c);
		return -1;
	}
	return 0;
}

static void tcp_read(struct tcp_conn *c)
{
	dnssrv *s = c->s;
	struct dns_dest d = {0};

	for (;;) {
		ssize_t n;

		if (buf_reserve(&c->in, 4096) < 0) {
			tcp_close(c);
			return;
		}
		n = recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
			tcp_close(c);
			return;
		}
		if (n < 0)
			break;
		c->in.len += (size_t)n;
		c->last_ms = ev_now(s->l);
		if ((size_t)n < 4096)
			break;
	}
	d.tcp = true;
	d.fd = c->fd;
	d.conn_slot = c->slot;
	d.conn_gen = c->gen;
	d.peer = c->peer;
	d.peerlen = c->peerlen;
	while (buf_avail(&c->in) >= 2) {
		const uint8_t *p = (const uint8_t *)buf_head(&c->in);
		size_t ml = dns_get16(p), len;

		if (buf_avail(&c->in) < 2 + ml)
			break;
		s->st.tcp_queries++;
		len = s->cfg.fn(s->cfg.data, p + 2, ml, &d, s->tcpout, sizeof(s->tcpout));
		buf_consume(&c->in, 2 + ml);
		if (len && tcp_queue(c, s->tcpout, len) < 0)
			return;
	}
	tcp_flush(c);
}

static void tcp_event(ev_loop *l, int fd, void *data, int mask)
{
	struct tcp_conn *c = data;

	if (mask & EV_WRITE) {
		if (tcp_flush(c) < 0)
			return;
	}
	if (mask & EV_READ)
		tcp_read(c);
}

static long long tcp_idle(ev_loop *l, ev_timer *t, void *data)
{
	struct tcp_conn *c = data;
	uint64_t now = ev_now(l), idle = (uint64_t)c->s->cfg.tcp_idle_ms;

	if (now - c->last_ms >= idle) {
		c->idle = NULL; /* freed by the loop after we return */
		tcp_close(c);
		return EV_TIMER_STOP;
	}
	return (long long)(idle - (now - c->last_ms));
}

static void tcp_accept(ev_loop *l, int fd, void *data, int mask)
{
	struct srv_listener *ls = data;
	dnssrv *s = ls->s;

	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		int cfd =
		    accept4(fd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct tcp_conn *c;
		int slot = -1;

		if (cfd < 0)
			return;
		for (int k = 0; k < s->cfg.max_tcp; k++)
			if (!s->conns[k]) {
				slot = k;
				break;
			}
		c = slot >= 0 ? calloc(1, sizeof(*c)) : NULL;
		if (!c) {
			s->st.tcp_refused++;
			close(cfd);
			continue;
		}
		c->s = s;
		c->fd = cfd;
		c->slot = (uint32_t)slot;
		c->gen = s->gens[slot];
		c->peer = peer;
		c->peerlen = plen;
		c->last_ms = ev_now(l);
		buf_init(&c->in);
		buf_init(&c->out);
		c->idle = ev_timer_add(l, s->cfg.tcp_idle_ms, tcp_idle, c);
		if (!c->idle || ev_add(l, cfd, EV_READ, tcp_event, c) < 0) {
			ev_timer_del(l, c->idle);
			close(cfd);
			free(c);
			s->st.tcp_refused++;
			continue;
		}
		s->conns[slot] = c;
		s->st.tcp_accepted++;
		s->st.tcp_open++;
	}
}

void dnssrv_reply(void *srv, const struct dns_dest *d, const uint8_t *msg, size_t len)
{
	dnssrv *s = srv;
	struct tcp_conn *c;

	if (!d->tcp) {
		udp_send_one(s, d, msg, len);
		return;
	}
	if (d->conn_slot >= (uint32_t)s->cfg.max_tcp)
		return;
	c = s->conns[d->conn_slot];
	if (!c || c->gen != d->conn_gen)
		return; /* the client went away */
	if (tcp_queue(c, msg, len) == 0)
		tcp_flush(c);
}

/* --- listeners ------------------------------------------------------------------- */

static int listen_one(dnssrv *s, struct srv_listener *ls, const char *addr, char *err,
                      size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int one = 1, rcvbuf = 4 << 20, rc;

	ls->s = s;
	ls->udp = ls->tcp = -1;
	if (sa_parse(addr, &ss, &sl) < 0) {
		snprintf(err, errlen, "listen address %s: expected ADDR:PORT", addr);
		return -EINVAL;
	}
	ls->family = ss.ss_family;
	if (ss.ss_family == AF_INET)
		ls->wildcard = ((struct sockaddr_in *)&ss)->sin_addr.s_addr == htonl(INADDR_ANY);
	else
		ls->wildcard = IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)&ss)->sin6_addr);
	ls->udp = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ls->udp < 0)
		goto fail;
	setsockopt(ls->udp, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (ls->wildcard) {
		if (ss.ss_family == AF_INET)
			setsockopt(ls->udp, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
		else
			setsockopt(ls->udp, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	}
	if (bind(ls->udp, (struct sockaddr *)&ss, sl) < 0)
		goto fail;
	/* Port 0: TCP takes the port UDP got. */
	if (getsockname(ls->udp, (struct sockaddr *)&ss, &sl) < 0)
		goto fail;
	ls->port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
	                                         : ((struct sockaddr_in6 *)&ss)->sin6_port);
	ls->tcp = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ls->tcp < 0)
		goto fail;
	setsockopt(ls->tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls->tcp, (struct sockaddr *)&ss, sl) < 0 || listen(ls->tcp, 128) < 0)
		goto fail;
	if (ev_add(s->l, ls->udp, EV_READ, udp_read, ls) < 0 ||
	    ev_add(s->l, ls->tcp, EV_READ, tcp_accept, ls) < 0) {
		snprintf(err, errlen, "listen on %s: out of memory", addr);
		return -ENOMEM;
	}
	return 0;
fail:
	rc = errno ? errno : EINVAL;
	snprintf(err, errlen, "listen on %s: %s", addr, strerror(rc));
	return -rc;
}

int dnssrv_start(ev_loop *l, const struct dnssrv_config *cfg, dnssrv **out, char *err,
                 size_t errlen)
{
	dnssrv *s;
	int rc;

	*out = NULL;
	if (cfg->nlisten < 1 || cfg->nlisten > DNSSRV_MAX_LISTEN) {
		snprintf(err, errlen, "1 to %d listen addresses", DNSSRV_MAX_LISTEN);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->l = l;
	s->cfg = *cfg;
	if (s->cfg.tcp_idle_ms <= 0)
		s->cfg.tcp_idle_ms = 10000;
	if (s->cfg.max_tcp <= 0)
		s->cfg.max_tcp = 256;
	s->conns = calloc((size_t)s->cfg.max_tcp, sizeof(*s->conns));
	s->gens = calloc((size_t)s->cfg.max_tcp, sizeof(*s->gens));
	if (!s->conns || !s->gens) {
		dnssrv_free(s);
		return -ENOMEM;
	}
	for (int i = 0; i < cfg->nlisten; i++) {
		s->nls = i + 1;
		rc = listen_one(s, &s->ls[i], cfg->listen[i], err, errlen);
		if (rc < 0) {
			dnssrv_free(s);
			return rc;
		}
	}
	*out = s;
	return 0;
}

void dnssrv_free(dnssrv *s)
{
	if (!s)
		return;
	for (int i = 0; s->conns && i < s->cfg.max_tcp; i++)
		if (s->conns[i])
			tcp_close(s->conns[i]);
	for (int i = 0; i < s->nls; i++) {
		if (s->ls[i].udp >= 0) {
			ev_del(s->l, s->ls[i].udp, EV_READ);
			close(s->ls[i].udp);
		}
		if (s->ls[i].tcp >= 0) {
			ev_del(s->l, s->ls[i].tcp, EV_READ);
			close(s->ls[i].tcp);
		}
	}
	free(s->conns);
	free(s->gens);
	free(s);
}

int dnssrv_port(const dnssrv *s, int i)
{
	return i >= 0 && i < s->nls ? s->ls[i].port : -1;
}

void dnssrv_get_stats(const dnssrv *s, struct dnssrv_stats *st)
{
	*st = s->st;
}
