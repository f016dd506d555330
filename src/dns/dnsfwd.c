/*
 * dnsfwd.c - upstream queries: sockets, in-flight table, timeouts and
 * failover, TCP retry, delivery to the waiting clients. See dnsfwd.h.
 */
#include "dns/dnsfwd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns/dnsanswer.h"
#include "dns/dnscache.h"
#include "lib/dict.h"
#include "lib/log.h"

#define FWD_NSOCK       4     /* connected UDP sockets per upstream */
#define FWD_ROTATE_MS   15000 /* one of them is replaced this often */
#define FWD_MAX_WAITERS 256   /* clients sharing one upstream query */
#define FWD_MAX_CLIENTS 16384 /* clients waiting in all (memory bound) */

struct fwd_up {
	dnsfwd *f;
	int idx;
	int fd[FWD_NSOCK], old[FWD_NSOCK];
	int rot;
};

struct fwd_waiter {
	struct fwd_waiter *next;
	struct dns_dest dest;
	struct dns_query q;
	size_t max;
	uint8_t *prefix; /* ExternalName chase: the CNAME response so far */
	size_t prefix_len;
};

struct fwd_tcp {
	int fd;
	size_t sent, have;
	uint8_t *in; /* 2 + 65535 */
};

struct fwd_pending {
	dnsfwd *f;
	char hkey[2 * DNSCACHE_KEY_MAX + 1];
	uint8_t key[DNSCACHE_KEY_MAX];
	size_t klen;
	uint16_t id;
	uint8_t msg[2 + DNS_HDR_LEN + DNS_NAME_MAX + 4 + 11]; /* TCP length, then the query */
	size_t mlen;
	int up, tries;
	long long delay; /* until the current try times out (0: failed at once) */
	ev_timer *timer;
	struct fwd_tcp *tcp;
	struct fwd_waiter *waiters;
	int nwaiters;
};

struct dnsfwd {
	ev_loop *l;
	struct dnsfwd_config cfg;
	dns_reply_fn *reply;
	void *data;
	struct fwd_up ups[DNSFWD_MAX_UPSTREAMS];
	dnscache *cache;
	dict *inflight; /* hex key -> pending */
	ev_timer *rot_timer;
	struct dnsfwd_stats st;
	size_t nwaiting; /* clients waiting, over all pending questions */
	struct fwd_pending *byid[65536];
	uint8_t in[DNS_TCP_MAX + 2];
	uint8_t out[DNS_TCP_MAX];
};

static void up_read(ev_loop *l, int fd, void *data, int mask);
static int pending_next(struct fwd_pending *p);

/* --- sockets --------------------------------------------------------------- */

static int up_socket(dnsfwd *f, struct fwd_up *u)
{
	const struct sockaddr_storage *sa = &f->cfg.up[u->idx];
	int fd = socket(sa->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	/* Connected: the kernel drops datagrams from any other source, and the
	 * ephemeral port the kernel picks is random. */
	if (connect(fd, (const struct sockaddr *)sa, f->cfg.uplen[u->idx]) < 0 ||
	    ev_add(f->l, fd, EV_READ, up_read, u) < 0) {
		int e = errno ? -errno : -ENOMEM;

		close(fd);
		return e;
	}
	return fd;
}

static void sock_close(dnsfwd *f, int *fd)
{
	if (*fd >= 0) {
		ev_del(f->l, *fd, EV_READ);
		close(*fd);
		*fd = -1;
	}
}

static long long rotate(ev_loop *l, ev_timer *t, void *data)
{
	dnsfwd *f = data;

	for (int i = 0; i < f->cfg.nup; i++) {
		struct fwd_up *u = &f->ups[i];
		int k = u->rot++ % FWD_NSOCK, fd = up_socket(f, u);

		if (fd < 0)
			continue;
		sock_close(f, &u->old[k]);
		u->old[k] = u->fd[k]; /* still takes the answers it is owed */
		u->fd[k] = fd;
	}
	return FWD_ROTATE_MS;
}

/* --- pending questions ----------------------------------------------------- */

static void tcp_close(struct fwd_pending *p)
{
	if (!p->tcp)
		return;
	if (p->tcp->fd >= 0) {
		ev_del(p->f->l, p->tcp->fd, EV_READ | EV_WRITE);
		close(p->tcp->fd);
	}
	free(p->tcp->in);
	free(p->tcp);
	p->tcp = NULL;
}

static void pending_free(struct fwd_pending *p)
{
	dnsfwd *f = p->f;

	f->byid[p->id] = NULL;
	dict_del(f->inflight, p->hkey);
	ev_timer_del(f->l, p->timer);
	tcp_close(p);
	for (struct fwd_waiter *w = p->waiters, *n; w; w = n) {
		n = w->next;
		free(w->prefix);
		free(w);
		f->nwaiting--;
	}
	free(p);
}

static void send_udp(struct fwd_pending *p)
{
	struct fwd_up *u = &p->f->ups[p->up];
	int k = (int)arc4random_uniform(FWD_NSOCK), fd = u->fd[k];

	/* A socket that could not be made before (no route to the upstream
	 * yet) is made now; failing again fails over to the next upstream. */
	if (fd < 0 && (fd = up_socket(p->f, u)) >= 0)
		u->fd[k] = fd;
	p->f->st.upstream++;
	if (fd < 0 || send(fd, p->msg + 2, p->mlen - 2, 0) < 0)
		p->delay = 0; /* fail over at once */
	else
		p->delay = p->f->cfg.timeout_ms;
	/* From inside the timer's own callback this does nothing: on_timeout
	 * returns the delay instead. */
	ev_timer_reset(p->f->l, p->timer, p->delay);
}

/* All upstreams failed: SERVFAIL to everyone waiting. */
static void pending_fail(struct fwd_pending *p)
{
	dnsfwd *f = p->f;

	for (struct fwd_waiter *w = p->waiters; w; w = w->next) {
		size_t n = dnsa_error(&w->q, DNS_F_RA, DNS_R_SERVFAIL, f->out, w->max);

		f->st.servfail++;
		if (n)
			f->reply(f->data, &w->dest, f->out, n);
	}
	pending_free(p);
}

static int try_limit(const dnsfwd *f)
{
	return f->cfg.nup < 2 ? 2 : f->cfg.nup;
}

/* The next try; 1 when none was left (p is gone then). */
static int pending_next(struct fwd_pending *p)
{
	tcp_close(p);
	if (++p->tries >= try_limit(p->f)) {
		pending_fail(p);
		return 1;
	}
	p->up = (p->up + 1) % p->f->cfg.nup;
	send_udp(p);
	return 0;
}

static long long on_timeout(ev_loop *l, ev_timer *t, void *data)
{
	struct fwd_pending *p = data;

	p->f->st.timeouts++;
	if (pending_next(p))
		return EV_TIMER_STOP; /* p and this timer are gone */
	return p->delay;
}

/* A valid answer: cache it and hand it to every waiting client. */
static void pending_done(struct fwd_pending *p, uint8_t *resp, size_t len, const struct dns_scan *s)
{
	dnsfwd *f = p->f;

	if ((s->rcode == DNS_R_SERVFAIL || s->rcode == DNS_R_REFUSED) &&
	    p->tries + 1 < try_limit(f)) {
		pending_next(p); /* another upstream may do better */
		return;
	}
	dnscache_put(f->cache, p->key, p->klen, resp, len, s, ev_clock_ms());
	if (s->opt_off && s->opt_end == len) {
		len = s->opt_off;
		dns_put16(resp + 10, (uint16_t)(dns_get16(resp + 10) - 1));
	} else if (s->opt_off) {
		/* An OPT in the middle: we cannot cut it; relay as it is. */
	}
	for (struct fwd_waiter *w = p->waiters; w; w = w->next) {
		size_t n = dnsfwd_finish(&w->q, w->max, w->prefix, w->prefix_len, resp, len, f->out,
		                         sizeof(f->out));

		if (n)
			f->reply(f->data, &w->dest, f->out, n);
	}
	pending_free(p);
}

/* Our ID, our question, from the upstream we asked. */
static int answer_matches(const struct fwd_pending *p, const struct dns_scan *s)
{
	const uint8_t *q = p->msg + 2 + DNS_HDR_LEN;
	size_t ql = dnsmsg_name_len(q);

	return s->id == p->id && s->qname_len == ql && dnsmsg_name_eq(s->qname, q) &&
	       s->qtype == dns_get16(q + ql) && s->qclass == dns_get16(q + ql + 2);
}

/* --- TCP retry -------------------------------------------------------------- */

static void tcp_event(ev_loop *l, int fd, void *data, int mask)
{
	struct fwd_pending *p = data;
	struct fwd_tcp *t = p->tcp;
	struct dns_scan s;
	ssize_t n;

	if (mask & EV_WRITE) {
		n = send(fd, p->msg + t->sent, p->mlen - t->sent, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN)
			goto fail;
		if (n > 0)
			t->sent += (size_t)n;
		if (t->sent == p->mlen) {
			ev_del(l, fd, EV_WRITE);
			if (ev_add(l, fd, EV_READ, tcp_event, p) < 0)
				goto fail;
		}
		return;
	}
	n = recv(fd, t->in + t->have, 2 + DNS_TCP_MAX - t->have, 0);
	if (n == 0 || (n < 0 && errno != EAGAIN))
		goto fail;
	if (n < 0)
		return;
	t->have += (size_t)n;
	if (t->have < 2 || t->have < 2 + (size_t)dns_get16(t->in))
		return;
	n = dns_get16(t->in);
	if (dnsmsg_scan(t->in + 2, (size_t)n, &s) < 0 || !answer_matches(p, &s)) {
		p->f->st.bad++;
		goto fail;
	}
	memcpy(p->f->in, t->in + 2, (size_t)n);
	tcp_close(p);
	pending_done(p, p->f->in, (size_t)n, &s);
	return;
fail:
	pending_next(p);
}

static void start_tcp(struct fwd_pending *p)
{
	dnsfwd *f = p->f;
	const struct sockaddr_storage *sa = &f->cfg.up[p->up];
	struct fwd_tcp *t = calloc(1, sizeof(*t));

	f->st.tcp_retry++;
	f->st.upstream++;
	if (!t)
		goto fail;
	p->tcp = t;
	t->in = malloc(2 + DNS_TCP_MAX);
	t->fd = socket(sa->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (!t->in || t->fd < 0)
		goto fail;
	if (connect(t->fd, (const struct sockaddr *)sa, f->cfg.uplen[p->up]) < 0 &&
	    errno != EINPROGRESS)
		goto fail;
	if (ev_add(f->l, t->fd, EV_WRITE, tcp_event, p) < 0)
		goto fail;
	p->delay = f->cfg.timeout_ms;
	ev_timer_reset(f->l, p->timer, p->delay);
	return;
fail:
	pending_next(p);
}

/* --- UDP answers ------------------------------------------------------------ */

static void up_read(ev_loop *l, int fd, void *data, int mask)
{
	struct fwd_up *u = data;
	dnsfwd *f = u->f;

	for (int i = 0; i < 64; i++) {
		ssize_t n = recv(fd, f->in, sizeof(f->in), 0);
		struct fwd_pending *p;
		struct dns_scan s;

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			continue; /* ICMP errors of earlier sends: the timer handles them */
		}
		if (dnsmsg_scan(f->in, (size_t)n, &s) < 0 || !(p = f->byid[s.id]) ||
		    p->up != u->idx || p->tcp || !answer_matches(p, &s)) {
			f->st.bad++;
			continue;
		}
		if (s.flags & DNS_F_TC)
			start_tcp(p);
		else
			pending_done(p, f->in, (size_t)n, &s);
	}
}

/* --- queries ----------------------------------------------------------------- */

static struct fwd_pending *pending_new(dnsfwd *f, const uint8_t *name, size_t nlen, uint16_t qtype,
                                       uint16_t qclass, const struct dns_query *q,
                                       const uint8_t *key, size_t klen, const char *hkey)
{
	struct fwd_pending *p;
	uint8_t *m;
	uint16_t id;
	int tries = 0;

	if (dict_size(f->inflight) >= f->cfg.max_pending)
		return NULL;
	do {
		id = (uint16_t)arc4random_uniform(65536);
	} while (f->byid[id] && ++tries < 64);
	if (f->byid[id])
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->f = f;
	p->id = id;
	memcpy(p->key, key, klen);
	p->klen = klen;
	strcpy(p->hkey, hkey);
	p->timer = ev_timer_add(f->l, f->cfg.timeout_ms, on_timeout, p);
	if (!p->timer || dict_set(f->inflight, hkey, p, NULL) < 0) {
		ev_timer_del(f->l, p->timer);
		free(p);
		return NULL;
	}
	f->byid[id] = p;
	m = p->msg + 2;
	dns_put16(m, id);
	dns_put16(m + 2, (uint16_t)(DNS_F_RD | (q->flags & DNS_F_CD)));
	dns_put16(m + 4, 1);
	dns_put16(m + 6, 0);
	dns_put16(m + 8, 0);
	dns_put16(m + 10, 1);
	dnsmsg_name_lower(name, nlen, m + DNS_HDR_LEN);
	m += DNS_HDR_LEN + nlen;
	dns_put16(m, qtype);
	dns_put16(m + 2, qclass);
	m += 4;
	/* OPT: we take 1232 bytes; DO as the client asked (it is in the key). */
	m[0] = 0;
	dns_put16(m + 1, DNS_T_OPT);
	dns_put16(m + 3, DNS_UDP_EDNS);
	m[5] = m[6] = 0;
	m[7] = q->do_bit ? 0x80 : 0;
	m[8] = 0;
	dns_put16(m + 9, 0);
	m += 11;
	p->mlen = (size_t)(m - p->msg);
	dns_put16(p->msg, (uint16_t)(p->mlen - 2));
	return p;
}

size_t dnsfwd_query(dnsfwd *f, const struct dns_query *q, size_t max, const struct dns_dest *dest,
                    const uint8_t *prefix, size_t prefix_len, const uint8_t *target,
                    size_t target_len, uint8_t *out, size_t outcap)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *name = prefix ? target : q->qname;
	size_t nlen = prefix ? target_len : q->qname_len, klen, n;
	uint16_t qclass = prefix ? DNS_C_IN : q->qclass;
	uint8_t key[DNSCACHE_KEY_MAX];
	char hkey[2 * DNSCACHE_KEY_MAX + 1];
	struct fwd_pending *p;
	struct fwd_waiter *w;

	f->st.queries++;
	klen = dnscache_key(name, nlen, q->qtype, qclass, q->do_bit, key);
	n = dnscache_get(f->cache, key, klen, ev_clock_ms(), f->in, sizeof(f->in));
	if (n) {
		n = dnsfwd_finish(q, max, prefix, prefix_len, f->in, n, out, outcap);
		if (n)
			return n;
	}
	for (size_t i = 0; i < klen; i++) {
		hkey[2 * i] = hex[key[i] >> 4];
		hkey[2 * i + 1] = hex[key[i] & 15];
	}
	hkey[2 * klen] = 0;
	p = dict_get(f->inflight, hkey);
	if (p) {
		f->st.shared++;
	} else {
		p = pending_new(f, name, nlen, q->qtype, qclass, q, key, klen, hkey);
		if (!p)
			goto servfail;
		p->up = 0;
		send_udp(p);
	}
	if (p->nwaiters >= FWD_MAX_WAITERS || f->nwaiting >= FWD_MAX_CLIENTS)
		goto servfail_pending;
	w = calloc(1, sizeof(*w));
	if (!w)
		goto servfail_pending;
	w->dest = *dest;
	w->q = *q;
	w->max = max;
	if (prefix) {
		w->prefix = malloc(prefix_len);
		if (!w->prefix) {
			free(w);
			goto servfail_pending;
		}
		memcpy(w->prefix, prefix, prefix_len);
		w->prefix_len = prefix_len;
	}
	w->next = p->waiters;
	p->waiters = w;
	p->nwaiters++;
	f->nwaiting++;
	return 0;
servfail_pending:
	/* A question nobody waits for is not worth its upstream query. */
	if (!p->waiters)
		pending_free(p);
servfail:
	f->st.servfail++;
	return dnsa_error(q, DNS_F_RA, DNS_R_SERVFAIL, out, max < outcap ? max : outcap);
}

/* --- lifecycle --------------------------------------------------------------- */

int dnsfwd_new(ev_loop *l, const struct dnsfwd_config *cfg, dns_reply_fn *reply, void *data,
               dnsfwd **out)
{
	dnsfwd *f;
	int rc = -ENOMEM;

	*out = NULL;
	if (cfg->nup < 1 || cfg->nup > DNSFWD_MAX_UPSTREAMS)
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->l = l;
	f->cfg = *cfg;
	if (!f->cfg.cache_size)
		f->cfg.cache_size = 10000;
	if (f->cfg.timeout_ms <= 0)
		f->cfg.timeout_ms = 1500;
	if (!f->cfg.max_pending)
		f->cfg.max_pending = 4096;
	f->reply = reply;
	f->data = data;
	for (int i = 0; i < DNSFWD_MAX_UPSTREAMS; i++) {
		f->ups[i].f = f;
		f->ups[i].idx = i;
		for (int k = 0; k < FWD_NSOCK; k++)
			f->ups[i].fd[k] = f->ups[i].old[k] = -1;
	}
	f->cache = dnscache_new(f->cfg.cache_size);
	f->inflight = dict_new();
	f->rot_timer = ev_timer_add(l, FWD_ROTATE_MS, rotate, f);
	if (!f->cache || !f->inflight || !f->rot_timer)
		goto fail;
	for (int i = 0; i < f->cfg.nup; i++) {
		for (int k = 0; k < FWD_NSOCK; k++) {
			/* An upstream out of reach at start (no route yet) is not
			 * fatal: its queries fail over, and its sockets are made
			 * when they are first needed. */
			rc = up_socket(f, &f->ups[i]);
			if (rc == -ENOMEM || rc == -EMFILE || rc == -ENFILE)
				goto fail;
			if (rc < 0 && k == 0)
				log_warn("dns",
				         "upstream %d: %s (failing over until it is reachable)",
				         i + 1, strerror(-rc));
			f->ups[i].fd[k] = rc < 0 ? -1 : rc;
			rc = 0;
		}
	}
	*out = f;
	return 0;
fail:
	dnsfwd_free(f);
	return rc;
}

void dnsfwd_free(dnsfwd *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < 65536; i++)
		if (f->byid[i])
			pending_free(f->byid[i]);
	for (int i = 0; i < DNSFWD_MAX_UPSTREAMS; i++)
		for (int k = 0; k < FWD_NSOCK; k++) {
			sock_close(f, &f->ups[i].fd[k]);
			sock_close(f, &f->ups[i].old[k]);
		}
	ev_timer_del(f->l, f->rot_timer);
	dict_free(f->inflight, NULL);
	dnscache_free(f->cache);
	free(f);
}

void dnsfwd_get_stats(const dnsfwd *f, struct dnsfwd_stats *st)
{
	struct dnscache_stats cs;

	*st = f->st;
	dnscache_get_stats(f->cache, &cs);
	st->cache_hits = cs.hits;
	st->cache_misses = cs.misses;
	st->cache_entries = cs.entries;
	st->pending = dict_size(f->inflight);
}
