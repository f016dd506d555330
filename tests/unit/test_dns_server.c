/*
 * test_dns_server.c - the DNS server for real over loopback (127.0.0.1,
 * ephemeral ports): UDP and TCP (pipelined) round trips, and the forwarder
 * against a fake upstream that this test runs on another loopback port:
 * failover from a dead upstream, timeout -> SERVFAIL, the cache answering
 * after the upstream went silent, in-flight de-duplication, TC -> TCP retry,
 * an ExternalName chased upstream.
 *
 * The server's loop runs in a thread; the test talks to it only through
 * sockets, and stops it through an atomic flag a timer polls.
 */
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "dns/dns.h"
#include "test_dns_util.h"
#include "unit.h"

enum { UP_ANSWER, UP_SILENT };

static struct fake_up {
	int udp, tcp, port;
	atomic_int mode;
	atomic_int queries;
	atomic_int delay_ms;
	atomic_int stop;
	pthread_t th;
} up;

static struct srv {
	ev_loop *l;
	dns *d;
	atomic_int stop;
	pthread_t th;
	int port;
} sv;

/* The fake upstream's answer: A 192.0.2.1 TTL 60 for any name; "big.test"
 * is truncated over UDP and has 50 addresses over TCP; "nx.test" NXDOMAIN. */
static size_t up_answer(const uint8_t *q, size_t ql, bool tcp, uint8_t *out)
{
	struct dns_query dq;
	struct dnsw w;
	char name[300];
	int big, nx;

	if (dnsmsg_parse_query(q, ql, &dq) != 0)
		return 0;
	dnsmsg_name_to_text(dq.qname, name, sizeof(name));
	big = !strcmp(name, "big.test.");
	nx = !strcmp(name, "nx.test.");
	dnsw_init(&w, out, 65535, &dq, DNS_F_RA, nx ? DNS_R_NXDOMAIN : 0);
	if (big && !tcp) {
		dnsw_truncate(&w);
		return dnsw_finish(&w);
	}
	for (int i = 0; i < (big ? 50 : nx ? 0 : 1); i++) {
		uint8_t a[4] = {192, 0, 2, (uint8_t)(i + 1)};

		dnsw_rr_begin(&w, dq.qname, DNS_T_A, 60);
		dnsw_rd_bytes(&w, a, 4);
		dnsw_rr_end(&w);
	}
	if (nx) {
		uint8_t soa[DNS_NAME_MAX];
		size_t sl;

		dnsmsg_name_from_text("test", soa, &sl);
		dnsw_section(&w, 2);
		dnsw_rr_begin(&w, soa, DNS_T_SOA, 30);
		dnsw_rd_name(&w, soa, true);
		dnsw_rd_name(&w, soa, true);
		for (int i = 0; i < 5; i++)
			dnsw_rd_u32(&w, 30);
		dnsw_rr_end(&w);
	}
	if (dq.edns)
		dnsw_opt(&w, 1232, 0, false);
	return dnsw_finish(&w);
}

static void *up_main(void *arg)
{
	static uint8_t in[65600], out[65600];

	while (!atomic_load(&up.stop)) {
		struct pollfd p[2] = {{up.udp, POLLIN, 0}, {up.tcp, POLLIN, 0}};

		if (poll(p, 2, 20) <= 0)
			continue;
		if (p[0].revents & POLLIN) {
			struct sockaddr_storage peer;
			socklen_t pl = sizeof(peer);
			ssize_t n =
			    recvfrom(up.udp, in, sizeof(in), 0, (struct sockaddr *)&peer, &pl);
			size_t m;

			if (n <= 0)
				continue;
			atomic_fetch_add(&up.queries, 1);
			if (atomic_load(&up.mode) == UP_SILENT)
				continue;
			if (atomic_load(&up.delay_ms))
				usleep((useconds_t)atomic_load(&up.delay_ms) * 1000);
			m = up_answer(in, (size_t)n, false, out);
			if (m)
				sendto(up.udp, out, m, 0, (struct sockaddr *)&peer, pl);
		}
		if (p[1].revents & POLLIN) {
			int c = accept(up.tcp, NULL, NULL);
			ssize_t n = 0, k;
			size_t m;

			if (c < 0)
				continue;
			atomic_fetch_add(&up.queries, 1);
			while (n < 2 || n < 2 + (ssize_t)dns_get16(in)) {
				k = recv(c, in + n, sizeof(in) - (size_t)n, 0);
				if (k <= 0)
					break;
				n += k;
			}
			if (n >= 2 && (m = up_answer(in + 2, (size_t)n - 2, true, out + 2)) > 0) {
				dns_put16(out, (uint16_t)m);
				send(c, out, m + 2, MSG_NOSIGNAL);
			}
			close(c);
		}
	}
	return NULL;
}

static int bind_lo(int type, int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, type, 0), one = 1;
	socklen_t al = sizeof(a);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &al) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (type == SOCK_STREAM)
		listen(fd, 16);
	return fd;
}

static long long stop_check(ev_loop *l, ev_timer *t, void *data)
{
	if (atomic_load(&sv.stop))
		ev_stop(l);
	return 20;
}

static void *srv_main(void *arg)
{
	ev_run(sv.l);
	return NULL;
}

/* A dead port: bound and closed again, so nothing answers there. */
static int dead_port(void)
{
	int fd = bind_lo(SOCK_DGRAM, 0);
	struct sockaddr_in a;
	socklen_t al = sizeof(a);

	getsockname(fd, (struct sockaddr *)&a, &al);
	close(fd);
	return ntohs(a.sin_port);
}

static int start_all(void)
{
	struct dns_config c = {0};
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof(a);
	char err[256];

	memset(&up, 0, sizeof(up));
	memset(&sv, 0, sizeof(sv));
	up.udp = bind_lo(SOCK_DGRAM, 0);
	if (up.udp < 0 || getsockname(up.udp, (struct sockaddr *)&a, &al) < 0)
		return -1;
	up.port = ntohs(a.sin_port);
	up.tcp = bind_lo(SOCK_STREAM, up.port);
	if (up.tcp < 0 || pthread_create(&up.th, NULL, up_main, NULL))
		return -1;
	c.listen[0] = "127.0.0.1:0";
	c.nlisten = 1;
	c.ttl = 5;
	c.pods = DNSA_PODS_INSECURE;
	c.tcp_idle_ms = 1000;
	c.fwd.timeout_ms = 300;
	c.fwd.cache_size = 100;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)dead_port());
	memcpy(&c.fwd.up[0], &a, sizeof(a));
	c.fwd.uplen[0] = sizeof(a);
	a.sin_port = htons((uint16_t)up.port);
	memcpy(&c.fwd.up[1], &a, sizeof(a));
	c.fwd.uplen[1] = sizeof(a);
	c.fwd.nup = 2;
	sv.l = ev_loop_new();
	if (!sv.l || dns_start(sv.l, NULL, &c, &sv.d, err, sizeof(err)) < 0) {
		printf("    dns_start: %s\n", err);
		return -1;
	}
	sv.port = dns_port(sv.d, 0);
	tz_svc(dns_zone(sv.d), "{\"metadata\":{\"namespace\":\"default\",\"name\":\"web\"},"
	                       "\"spec\":{\"clusterIP\":\"10.43.0.20\"}}");
	tz_svc(dns_zone(sv.d), "{\"metadata\":{\"namespace\":\"default\",\"name\":\"ext\"},"
	                       "\"spec\":{\"type\":\"ExternalName\",\"externalName\":"
	                       "\"target.test\"}}");
	ev_timer_add(sv.l, 20, stop_check, NULL);
	return pthread_create(&sv.th, NULL, srv_main, NULL) ? -1 : 0;
}

static void stop_all(void)
{
	atomic_store(&sv.stop, 1);
	pthread_join(sv.th, NULL);
	dns_free(sv.d);
	ev_loop_free(sv.l);
	atomic_store(&up.stop, 1);
	pthread_join(up.th, NULL);
	close(up.udp);
	close(up.tcp);
}

static int cli_socket(int type)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)sv.port)};
	struct timeval tv = {3, 0};
	int fd = socket(AF_INET, type, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One query over UDP; the parsed answer. */
static void udp_ask(const char *name, uint16_t qt, uint16_t id, struct tr *t)
{
	uint8_t q[600], r[4096];
	size_t ql = tq_make(q, name, qt, 1232, id);
	int fd = cli_socket(SOCK_DGRAM);
	ssize_t n;

	memset(t, 0, sizeof(*t));
	send(fd, q, ql, 0);
	n = recv(fd, r, sizeof(r), 0);
	if (n > 0)
		tr_parse(r, (size_t)n, t);
	close(fd);
}

static ssize_t tcp_read_msg(int fd, uint8_t *b, size_t cap)
{
	size_t have = 0, need = 2;

	while (have < need) {
		ssize_t k = recv(fd, b + have, need - have, 0);

		if (k <= 0)
			return -1;
		have += (size_t)k;
		if (have == 2) {
			need = 2 + dns_get16(b);
			if (need > cap)
				return -1;
		}
	}
	return (ssize_t)have;
}

UNIT_TEST(dns_server_udp_tcp_forward)
{
	struct tr t;
	int base;

	if (start_all() < 0) {
		unit_fail(__FILE__, __LINE__, "cannot start the servers");
		return;
	}
	/* The cluster zone over UDP. */
	udp_ask("web.default.svc.cluster.local", DNS_T_A, 1, &t);
	CHECK(t.ok);
	CHECK_INT(t.id, 1);
	CHECK(tr_has(&t, "an web.default.svc.cluster.local. A 10.43.0.20"));
	CHECK(t.flags & DNS_F_RA);

	/* TCP: two queries pipelined in one write, both answered. */
	{
		uint8_t q[1200], r[65600];
		size_t l1, l2;
		int fd = cli_socket(SOCK_STREAM), seen = 0;

		CHECK(fd >= 0);
		l1 = tq_make(q + 2, "web.default.svc.cluster.local", DNS_T_A, 0, 21);
		dns_put16(q, (uint16_t)l1);
		l2 = tq_make(q + 4 + l1, "nope.default.svc.cluster.local", DNS_T_A, 0, 22);
		dns_put16(q + 2 + l1, (uint16_t)l2);
		send(fd, q, 4 + l1 + l2, 0);
		for (int i = 0; i < 2; i++) {
			ssize_t n = tcp_read_msg(fd, r, sizeof(r));

			if (n < 0)
				break;
			tr_parse(r + 2, (size_t)n - 2, &t);
			if (t.id == 21 && tr_has(&t, "an web.default.svc.cluster.local. A"))
				seen |= 1;
			if (t.id == 22 && t.rcode == DNS_R_NXDOMAIN)
				seen |= 2;
		}
		close(fd);
		CHECK_INT(seen, 3);
	}

	/* Forwarded: the first upstream is dead, the second answers (failover). */
	udp_ask("www.Example.TEST", DNS_T_A, 2, &t);
	CHECK_INT(t.rcode, DNS_R_NOERROR);
	CHECK_STR(t.qname, "www.Example.TEST.");
	CHECK(tr_has(&t, "an www.Example.TEST. A 192.0.2.1"));
	CHECK_INT(t.opt_size, 1232);

	/* Negative answers are cached too. */
	udp_ask("nx.test", DNS_T_A, 3, &t);
	CHECK_INT(t.rcode, DNS_R_NXDOMAIN);

	/* ExternalName outside the zone: CNAME plus the target's answer. */
	udp_ask("ext.default.svc.cluster.local", DNS_T_A, 4, &t);
	CHECK_INT(t.rcode, DNS_R_NOERROR);
	CHECK(tr_has(&t, "an ext.default.svc.cluster.local. CNAME target.test."));
	CHECK(tr_has(&t, "an target.test. A 192.0.2.1"));
	CHECK_INT(t.opt_size, 1232);

	/* TC from the upstream: retried over TCP; our client asks over TCP. */
	{
		uint8_t q[600], r[65600];
		size_t ql = tq_make(q + 2, "big.test", DNS_T_A, 0, 5);
		int fd = cli_socket(SOCK_STREAM);
		ssize_t n;

		dns_put16(q, (uint16_t)ql);
		send(fd, q, ql + 2, 0);
		n = tcp_read_msg(fd, r, sizeof(r));
		close(fd);
		CHECK(n > 0);
		tr_parse(r + 2, (size_t)n - 2, &t);
		CHECK_INT(t.count[1], 50);
	}

	/* In-flight de-duplication: 5 clients, one upstream query. */
	atomic_store(&up.delay_ms, 150);
	base = atomic_load(&up.queries);
	{
		int fds[5], ok = 0;
		uint8_t q[600], r[4096];

		for (int i = 0; i < 5; i++) {
			size_t ql = tq_make(q, i % 2 ? "DEDUP.test" : "dedup.test", DNS_T_A, 0,
			                    (uint16_t)(100 + i));

			fds[i] = cli_socket(SOCK_DGRAM);
			send(fds[i], q, ql, 0);
		}
		for (int i = 0; i < 5; i++) {
			ssize_t n = recv(fds[i], r, sizeof(r), 0);

			if (n > 0) {
				tr_parse(r, (size_t)n, &t);
				ok += t.id == 100 + i && tr_has(&t, "an ") &&
				      !strcmp(t.qname, i % 2 ? "DEDUP.test." : "dedup.test.");
			}
			close(fds[i]);
		}
		CHECK_INT(ok, 5);
		/* The dead upstream may have been tried first: at most 1 to ours. */
		CHECK(atomic_load(&up.queries) - base <= 1);
	}
	atomic_store(&up.delay_ms, 0);

	/* The upstream goes silent: cached names still answer, others SERVFAIL. */
	atomic_store(&up.mode, UP_SILENT);
	base = atomic_load(&up.queries);
	udp_ask("www.example.test", DNS_T_A, 6, &t);
	CHECK(tr_has(&t, "an www.example.test. A 192.0.2.1"));
	CHECK(t.count[1] == 1);
	CHECK_INT(atomic_load(&up.queries), base); /* from the cache */
	udp_ask("nx.test", DNS_T_A, 7, &t);
	CHECK_INT(t.rcode, DNS_R_NXDOMAIN);
	udp_ask("uncached.test", DNS_T_A, 8, &t);
	CHECK(t.ok);
	CHECK_INT(t.rcode, DNS_R_SERVFAIL);
	stop_all();
}

UNIT_TEST(dns_server_tcp_idle_and_garbage)
{
	struct tr t;
	uint8_t junk[64], r[600];
	int fd;
	ssize_t n;

	if (start_all() < 0) {
		unit_fail(__FILE__, __LINE__, "cannot start the servers");
		return;
	}
	/* Garbage over UDP: a header gets FORMERR, less is dropped; the server lives on. */
	fd = cli_socket(SOCK_DGRAM);
	memset(junk, 0xff, sizeof(junk));
	junk[2] = 0; /* QR=0 */
	send(fd, junk, 5, 0);
	send(fd, junk, sizeof(junk), 0);
	n = recv(fd, r, sizeof(r), 0);
	close(fd);
	CHECK(n >= 12);
	tr_parse(r, (size_t)n, &t);
	CHECK_INT(t.rcode, DNS_R_FORMERR);
	/* A TCP client announcing 65535 bytes and leaving; one sending half a query. */
	fd = cli_socket(SOCK_STREAM);
	send(fd, "\xff\xff\x01\x02", 4, 0);
	close(fd);
	/* An idle TCP connection is closed after tcp_idle_ms (1 s here). */
	fd = cli_socket(SOCK_STREAM);
	send(fd, "\x00\x20\x01", 3, 0);
	n = recv(fd, r, sizeof(r), 0); /* blocks until the server closes (3 s timeout) */
	close(fd);
	CHECK_INT(n, 0);
	udp_ask("web.default.svc.cluster.local", DNS_T_A, 9, &t);
	CHECK(tr_has(&t, "an web.default.svc.cluster.local. A 10.43.0.20"));
	stop_all();
}
