/*
 * us.c - the userspace proxy mode (pxb_us_ops): a listener per service port
 * on a port of the proxy's choosing, and the nftables table that REDIRECTs
 * the service's addresses to it (see us_int.h for the parts).
 *
 * table ip svcnet-userspace, written in one transaction per sync:
 *   map svc      daddr . l4proto . dport : proxy port   cluster/external/LB IPs
 *   map np       l4proto . dport : proxy port           node ports, local addresses
 *   set rej/rejnp, dropsvc/dropnp                       no endpoints: reject; eTP
 *                                                       Local without a local one: drop
 *   chains filter-pre/-out (priority dstnat - 10: before NAT) drop and reject,
 *   nat-pre/-out redirect; prerouting for Pods and other nodes, output for
 *   the node itself. Node ports skip 127.0.0.0/8, as in the other modes.
 * A full sync deletes and rewrites the table; a partial one adds and deletes
 * only the elements of the changed ports. Listener ports live as long as their
 * service port, so endpoint changes write nothing: only the listener's
 * endpoint list changes (new connections use it; relays go on).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/log.h"
#include "lib/nftrun.h"
#include "proxy/us_int.h"

#define PXUS_UDP_TIMEOUT_DEFAULT 30000

static const char pxus_base[] =
    "table ip " PXUS_TABLE " {\n"
    "\tmap svc { type ipv4_addr . inet_proto . inet_service : inet_service; }\n"
    "\tmap np { type inet_proto . inet_service : inet_service; }\n"
    "\tset rej { type ipv4_addr . inet_proto . inet_service; }\n"
    "\tset rejnp { type inet_proto . inet_service; }\n"
    "\tset dropsvc { type ipv4_addr . inet_proto . inet_service; }\n"
    "\tset dropnp { type inet_proto . inet_service; }\n"
    "\tchain " PXUS_CANARY " { }\n"
    "\tchain filter-pre { type filter hook prerouting priority -110; policy accept;\n"
    "\t\tjump filter-svc; }\n"
    "\tchain filter-out { type filter hook output priority -110; policy accept;\n"
    "\t\tjump filter-svc; }\n"
    "\tchain filter-svc {\n"
    "\t\tip daddr . meta l4proto . th dport @dropsvc drop\n"
    "\t\tfib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport @dropnp drop\n"
    "\t\tip daddr . meta l4proto . th dport @rej meta l4proto tcp reject with tcp reset\n"
    "\t\tip daddr . meta l4proto . th dport @rej reject\n"
    "\t\tfib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport @rejnp "
    "meta l4proto tcp reject with tcp reset\n"
    "\t\tfib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport @rejnp "
    "reject\n"
    "\t}\n"
    "\tchain nat-pre { type nat hook prerouting priority dstnat; policy accept;\n"
    "\t\tjump nat-svc; }\n"
    "\tchain nat-out { type nat hook output priority -100; policy accept;\n"
    "\t\tjump nat-svc; }\n"
    "\tchain nat-svc {\n"
    "\t\tmeta l4proto { tcp, udp } redirect to : ip daddr . meta l4proto . th dport map "
    "@svc\n"
    "\t\tfib daddr type local ip daddr != 127.0.0.0/8 meta l4proto { tcp, udp } redirect "
    "to : meta l4proto . th dport map @np\n"
    "\t}\n"
    "}\n";

/* Rules in the table above, for pxb_result. */
#define PXUS_RULES  12
#define PXUS_CHAINS 7

/* A script being written; one allocation failure spoils it. */
struct pxus_out {
	buf b;
	bool oom;
};

static void pxus_printf(struct pxus_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void pxus_printf(struct pxus_out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (buf_vprintf(&o->b, fmt, ap) < 0)
		o->oom = true;
	va_end(ap);
}

void pxus_sa_str(const struct sockaddr_in *sa, char *out, size_t outlen)
{
	char ip[INET_ADDRSTRLEN] = "?";

	inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof(ip));
	snprintf(out, outlen, "%s:%u", ip, ntohs(sa->sin_port));
}

bool pxus_fd_room(pxb *b, long n)
{
	return b->fds + n <= b->fd_cap;
}

void pxus_lsn_pause(struct pxus_lsn *l)
{
	pxb *b = l->b;
	uint64_t now = ev_now(b->loop);

	if (l->paused)
		return;
	l->paused = true;
	ev_del(b->loop, l->fd, EV_READ);
	if (now - b->last_cap_log_ms > 10000) {
		b->last_cap_log_ms = now;
		log_warn("proxy",
		         "userspace: file descriptor limit reached (%ld of %ld for relays, %zu "
		         "connections): accepting paused until some close (raise ulimit -n)",
		         b->fds, b->fd_cap, b->n_conns);
	}
}

void pxus_lsn_unref(struct pxus_lsn *l)
{
	if (--l->refs)
		return;
	pxus_lsn_free_eps(l);
	free(l);
}

static void pxus_lsn_close(struct pxus_lsn *l)
{
	pxb *b;

	if (!l)
		return;
	b = l->b;
	if (l->proto == PXM_UDP)
		pxus_udp_prune(l, true);
	dict_free(l->flows, NULL);
	l->flows = NULL;
	ev_del(b->loop, l->fd, EV_READ);
	close(l->fd);
	pxus_fd_add(b, -1);
	l->dead = true;
	pxus_lsn_unref(l);
}

static struct pxus_lsn *pxus_lsn_open(pxb *b, const struct pxm_svcport *sp, bool external)
{
	struct pxus_lsn *l = calloc(1, sizeof(*l));
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int one = 1, udp = sp->proto == PXM_UDP;

	if (!l)
		return NULL;
	l->b = b;
	l->proto = sp->proto;
	l->external = external;
	l->refs = 1;
	snprintf(l->name, sizeof(l->name), "%s%s", sp->key, external ? " (external)" : "");
	if (!pxus_fd_room(b, 1) ||
	    (l->fd = socket(AF_INET,
	                    (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) <
	        0) {
		free(l);
		return NULL;
	}
	pxus_fd_add(b, 1);
	if (udp)
		setsockopt(l->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	if (bind(l->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (!udp && listen(l->fd, 4096) < 0) ||
	    getsockname(l->fd, (struct sockaddr *)&sa, &len) < 0 ||
	    (udp && !(l->flows = dict_new())) ||
	    ev_add(b->loop, l->fd, EV_READ, udp ? pxus_udp_read : pxus_tcp_accept, l) < 0) {
		log_warn("proxy", "userspace %s: cannot listen: %s", l->name, strerror(errno));
		dict_free(l->flows, NULL);
		close(l->fd);
		pxus_fd_add(b, -1);
		free(l);
		return NULL;
	}
	l->port = ntohs(sa.sin_port);
	return l;
}

/* --- ports and their elements ------------------------------------------------ */

static void pxus_port_free(void *v)
{
	struct pxus_port *p = v;

	if (!p)
		return;
	pxus_lsn_close(p->in);
	pxus_lsn_close(p->ex);
	pxm_svcport_unref(p->sp);
	free(p->elems);
	free(p);
}

/* No usable endpoint for this kind of traffic: reject, or drop when
 * endpoints exist elsewhere (eTP/iTP Local). */
static void pxus_elem(struct pxus_out *o, const char *ip, const struct pxm_svcport *sp,
                      uint16_t port, const struct pxus_lsn *l, bool has_any)
{
	const char *proto = sp->proto == PXM_TCP ? "tcp" : "udp";

	if (l && l->n_eps)
		pxus_printf(o, "%s { %s%s%s . %u : %u }\n", ip ? "svc" : "np", ip ? ip : "",
		            ip ? " . " : "", proto, port, l->port);
	else
		pxus_printf(o, "%s%s { %s%s%s . %u }\n", has_any ? "drop" : "rej",
		            ip ? (has_any ? "svc" : "") : "np", ip ? ip : "", ip ? " . " : "",
		            proto, port);
}

static int pxus_port_elems(pxb *b, struct pxus_port *p)
{
	const struct pxm_svcport *sp = p->sp;
	const struct pxm_family *f = pxm_svcport_family(sp, AF_INET);
	char ip[NET_ADDR_STRLEN];
	struct pxus_out o = {BUF_INIT, false};
	int rc = 0;

	free(p->elems);
	p->elems = NULL;
	if (!f || sp->proto == PXM_SCTP)
		return 0;
	net_addr_fmt(&f->cluster_ip, ip, sizeof(ip));
	pxus_elem(&o, ip, sp, sp->port, p->in, f->cat.has_any);
	for (size_t i = 0; i < sp->n_external_ips + sp->n_lb_ips; i++) {
		const net_addr *a = i < sp->n_external_ips ? &sp->external_ips[i]
		                                           : &sp->lb_ips[i - sp->n_external_ips];

		if (a->family != AF_INET)
			continue;
		net_addr_fmt(a, ip, sizeof(ip));
		pxus_elem(&o, ip, sp, sp->port, p->ex, f->cat.has_any);
	}
	if (sp->node_port)
		pxus_elem(&o, NULL, sp, sp->node_port, p->ex, f->cat.has_any);
	if (o.oom)
		rc = -ENOMEM;
	else if (o.b.len)
		p->elems = buf_steal(&o.b, NULL);
	buf_free(&o.b);
	return rc;
}

/* Brings p's listeners and endpoints in line with sp (a new reference). */
static int pxus_port_update(pxb *b, struct pxus_port *p, const struct pxm_svcport *sp)
{
	const struct pxm_family *f = pxm_svcport_family(sp, AF_INET);
	bool ext = f && pxm_svcport_external(sp, AF_INET);

	if (p->sp != sp) {
		pxm_svcport_unref(p->sp);
		p->sp = pxm_svcport_ref(sp);
	}
	if (!f || sp->proto == PXM_SCTP) {
		if (sp->proto == PXM_SCTP && f)
			log_warn("proxy",
			         "userspace mode does not relay SCTP (kube-proxy's did not "
			         "either): %s gets no rules",
			         sp->key);
		pxus_lsn_close(p->in);
		pxus_lsn_close(p->ex);
		p->in = p->ex = NULL;
		return pxus_port_elems(b, p);
	}
	if (!p->in && !(p->in = pxus_lsn_open(b, sp, false)))
		return -EMFILE;
	if (ext && !p->ex && !(p->ex = pxus_lsn_open(b, sp, true)))
		return -EMFILE;
	if (!ext && p->ex) {
		pxus_lsn_close(p->ex);
		p->ex = NULL;
	}
	if (pxus_lsn_set_eps(p->in, sp, AF_INET) < 0 ||
	    (p->ex && pxus_lsn_set_eps(p->ex, sp, AF_INET) < 0))
		return -ENOMEM;
	if (sp->proto == PXM_UDP) {
		pxus_udp_prune(p->in, false);
		if (p->ex)
			pxus_udp_prune(p->ex, false);
	}
	return pxus_port_elems(b, p);
}

static void pxus_elems_emit(struct pxus_out *o, const char *elems, bool add)
{
	const char *s = elems, *e;

	for (; s && *s; s = e + 1) {
		const char *colon;

		e = strchr(s, '\n');
		if (!e)
			break;
		if (add) {
			pxus_printf(o, "add element ip " PXUS_TABLE " %.*s\n", (int)(e - s), s);
			continue;
		}
		/* Deletes name the key only. */
		colon = memchr(s, ':', (size_t)(e - s));
		if (colon)
			pxus_printf(o, "delete element ip " PXUS_TABLE " %.*s}\n", (int)(colon - s),
			            s);
		else
			pxus_printf(o, "delete element ip " PXUS_TABLE " %.*s\n", (int)(e - s), s);
	}
}

static size_t pxus_count_lines(const char *s)
{
	size_t n = 0;

	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

static void pxus_result(pxb *b, struct pxb_result *res, size_t written)
{
	dict_iter it;
	const char *k;
	void *v;

	memset(res, 0, sizeof(*res));
	dict_iter_init(&it, b->ports);
	while (dict_next(&it, &k, &v))
		res->elements += pxus_count_lines(((struct pxus_port *)v)->elems);
	res->rules = PXUS_RULES;
	res->chains = PXUS_CHAINS;
	res->written = written;
}

static int pxus_apply(pxb *b, struct pxus_out *o, struct pxb_result *res, char *err, size_t errlen)
{
	int rc;

	if (o->oom || buf_cstr(&o->b) < 0) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (!o->b.len) {
		pxus_result(b, res, 0);
		return 0;
	}
	rc = nftrun_apply(o->b.data, err, errlen);
	if (rc < 0) {
		b->fresh = true;
		return rc;
	}
	pxus_result(b, res, pxus_count_lines(o->b.data));
	return 0;
}

static int pxus_sync_full(pxb *b, const struct pxb_sync *s, struct pxb_result *res, char *err,
                          size_t errlen)
{
	dict *seen = dict_new(), *keys = dict_new();
	dict_iter it;
	const char *k;
	void *v;
	struct pxus_out o = {BUF_INIT, false};
	int rc = 0;

	if (!seen || !keys) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < s->n_all; i++) {
		const struct pxm_svcport *sp = s->all[i];
		struct pxus_port *p = dict_get(b->ports, sp->key);

		if (!p) {
			if (!(p = calloc(1, sizeof(*p))) ||
			    dict_set(b->ports, sp->key, p, NULL) < 0) {
				free(p);
				rc = -ENOMEM;
				goto out;
			}
		}
		rc = pxus_port_update(b, p, sp);
		if (rc < 0)
			goto out;
		if (dict_set(seen, sp->key, p, NULL) < 0) {
			rc = -ENOMEM;
			goto out;
		}
	}
	/* Ports no longer there: their listeners close (relays finish). */
	for (;;) {
		const char *gone = NULL;

		dict_iter_init(&it, b->ports);
		while (dict_next(&it, &k, &v))
			if (!dict_get(seen, k)) {
				gone = k;
				break;
			}
		if (!gone)
			break;
		pxus_port_free(dict_del(b->ports, gone));
	}
	pxus_printf(&o, "add table ip " PXUS_TABLE "\ndelete table ip " PXUS_TABLE "\n%s",
	            pxus_base);
	/* The same key twice (two Services claiming one external IP:port) would
	 * fail the whole transaction: the first (in key order) wins. */
	for (size_t i = 0; i < s->n_all; i++) {
		struct pxus_port *p = dict_get(b->ports, s->all[i]->key);
		const char *e = p ? p->elems : NULL, *nl;

		for (; e && *e && (nl = strchr(e, '\n')); e = nl + 1) {
			char key[160];
			const char *colon = memchr(e, ':', (size_t)(nl - e));
			size_t kl = (size_t)((colon ? colon : nl) - e);

			snprintf(key, sizeof(key), "%.*s", (int)(kl < sizeof(key) ? kl : 0), e);
			if (dict_get(keys, key)) {
				log_warn("proxy", "userspace: %s: %.*s is taken by another service",
				         s->all[i]->key, (int)kl, e);
				continue;
			}
			if (dict_set(keys, key, p, NULL) < 0) {
				rc = -ENOMEM;
				goto out;
			}
			pxus_printf(&o, "add element ip " PXUS_TABLE " %.*s\n", (int)(nl - e), e);
		}
	}
	rc = pxus_apply(b, &o, res, err, errlen);
	if (rc == 0)
		b->fresh = false;
out:
	if (rc == -ENOMEM || rc == -EMFILE) {
		snprintf(err, errlen, "%s",
		         rc == -ENOMEM ? "out of memory" : "no file descriptor for a listener");
		b->fresh = true;
	}
	buf_free(&o.b);
	dict_free(seen, NULL);
	dict_free(keys, NULL);
	return rc;
}

static int pxus_sync_partial(pxb *b, const struct pxb_sync *s, struct pxb_result *res, char *err,
                             size_t errlen)
{
	struct pxus_out del = {BUF_INIT, false}, add = {BUF_INIT, false};
	int rc = 0;

	for (size_t i = 0; i < s->n_ch; i++) {
		const struct pxm_change *c = &s->ch[i];
		struct pxus_port *p = dict_get(b->ports, c->key);
		char *old = NULL;

		if (!c->cur) {
			if (p) {
				pxus_elems_emit(&del, p->elems, false);
				pxus_port_free(dict_del(b->ports, c->key));
			}
			continue;
		}
		if (!p) {
			if (!(p = calloc(1, sizeof(*p))) ||
			    dict_set(b->ports, c->key, p, NULL) < 0) {
				free(p);
				rc = -ENOMEM;
				break;
			}
		}
		old = p->elems ? strdup(p->elems) : NULL;
		if (p->elems && !old) {
			rc = -ENOMEM;
			break;
		}
		rc = pxus_port_update(b, p, c->cur);
		if (rc < 0) {
			free(old);
			break;
		}
		/* Most updates are endpoint changes: the same elements. */
		if (!old || !p->elems || strcmp(old, p->elems)) {
			pxus_elems_emit(&del, old, false);
			pxus_elems_emit(&add, p->elems, true);
		}
		free(old);
	}
	if (rc == 0) {
		if (add.b.len && buf_append(&del.b, add.b.data, add.b.len) < 0)
			del.oom = true;
		del.oom |= add.oom;
		rc = pxus_apply(b, &del, res, err, errlen);
	} else {
		snprintf(err, errlen, "%s",
		         rc == -ENOMEM ? "out of memory" : "no file descriptor for a listener");
		b->fresh = true;
	}
	buf_free(&del.b);
	buf_free(&add.b);
	return rc;
}

static int pxus_sync(pxb *b, const struct pxb_sync *s, struct pxb_result *res, char *err,
                     size_t errlen)
{
	if (!b || !s || !res)
		return -EINVAL;
	if (s->full || b->fresh) {
		if (!s->full || (s->n_all && !s->all)) {
			snprintf(err, errlen, "userspace: a full sync is needed");
			b->fresh = true;
			return -EINVAL;
		}
		return pxus_sync_full(b, s, res, err, errlen);
	}
	return pxus_sync_partial(b, s, res, err, errlen);
}

static int pxus_canary_ok(pxb *b)
{
	char *out = NULL, err[256];
	int rc;

	if (!b)
		return -EINVAL;
	rc = nftrun_list("list chain ip " PXUS_TABLE " " PXUS_CANARY, &out, err, sizeof(err));
	free(out);
	return rc == 0 ? 1 : rc == -ENOENT ? 0 : rc;
}

static long long pxus_sweep(ev_loop *loop, ev_timer *t, void *data)
{
	pxb *b = data;
	dict_iter it;
	const char *k;
	void *v;

	pxus_udp_sweep(b, ev_now(loop));
	/* Paused listeners resume once there is room again. */
	dict_iter_init(&it, b->ports);
	while (dict_next(&it, &k, &v)) {
		struct pxus_port *p = v;
		struct pxus_lsn *ls[2] = {p->in, p->ex};

		for (int i = 0; i < 2; i++)
			if (ls[i] && ls[i]->paused && pxus_fd_room(b, 16) &&
			    ev_add(loop, ls[i]->fd, EV_READ, pxus_tcp_accept, ls[i]) == 0)
				ls[i]->paused = false;
	}
	return b->udp_timeout_ms / 4 < 1000 ? (b->udp_timeout_ms / 4 ?: 1) : 1000;
}

static long pxus_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	long n = 0;

	if (!d)
		return 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n > 2 ? n - 2 : 0;
}

static void pxus_free(pxb *b)
{
	if (!b)
		return;
	if (b->sweep)
		ev_timer_del(b->loop, b->sweep);
	/* Relays first: connecting ones hold their listener. */
	pxus_tcp_close_all(b);
	dict_free(b->ports, pxus_port_free);
	free(b->ubuf);
	free(b);
}

static int pxus_create(const struct pxb_config *cfg, pxb **out, char *err, size_t errlen)
{
	struct rlimit rl;
	char *list = NULL;
	pxb *b;
	int rc;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!cfg || cfg->family != AF_INET) {
		snprintf(err, errlen,
		         "userspace: IPv4 only (the mode relays through an IPv4 "
		         "nftables REDIRECT table; use nftables for IPv6)");
		return -ENOTSUP;
	}
	if (!cfg->loop) {
		snprintf(err, errlen, "userspace: needs the proxy's event loop");
		return -EINVAL;
	}
	rc = nftrun_list("list table ip " PXUS_TABLE, &list, err, errlen);
	free(list);
	if (rc < 0 && rc != -ENOENT) {
		snprintf(err, errlen, "userspace: nf_tables is not usable here (%s)",
		         strerror(-rc));
		return rc == -ENOMEM ? -ENOMEM : -ENOTSUP;
	}
	b = calloc(1, sizeof(*b));
	if (!b || !(b->ports = dict_new()) || !(b->ubuf = malloc(65536))) {
		if (b)
			dict_free(b->ports, NULL);
		free(b);
		return -ENOMEM;
	}
	b->cfg = *cfg;
	b->cfg.node_name = NULL; /* not kept: not needed */
	b->loop = cfg->loop;
	b->fresh = true;
	b->udp_timeout_ms = cfg->udp_timeout_ms ? cfg->udp_timeout_ms : PXUS_UDP_TIMEOUT_DEFAULT;
	/* Every relay holds 2 to 6 fds: take what the hard limit allows. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		rl.rlim_cur = 1024;
	b->fd_cap = (long)rl.rlim_cur - pxus_open_fds() - PXUS_FD_RESERVE;
	if (b->fd_cap < 16)
		b->fd_cap = 16;
	b->sweep = ev_timer_add(b->loop, 1000, pxus_sweep, b);
	if (!b->sweep) {
		pxus_free(b);
		return -ENOMEM;
	}
	log_info("proxy",
	         "userspace: up to %ld fds for listeners and relays, UDP flows idle "
	         "after %u ms; SCTP is not relayed; clients' source addresses are not "
	         "kept (endpoints see the node)",
	         b->fd_cap, b->udp_timeout_ms);
	*out = b;
	return 0;
}

static int pxus_cleanup(const struct pxb_config *cfg, char *err, size_t errlen)
{
	int rc;

	if (!cfg || cfg->family != AF_INET)
		return 0; /* the mode never made anything else */
	rc = nftrun_apply("delete table ip " PXUS_TABLE, err, errlen);
	return rc == -ENOENT ? 0 : rc;
}

const struct pxb_ops pxb_us_ops = {
    .name = "userspace",
    .skip_conntrack = true,
    .create = pxus_create,
    .sync = pxus_sync,
    .canary_ok = pxus_canary_ok,
    .free = pxus_free,
    .cleanup = pxus_cleanup,
};
