/* test_tls.c - tls_conn over non-blocking socketpairs, driven with poll(). */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define _XOPEN_SOURCE_EXTENDED 1
#include <ftw.h>

#include <openssl/err.h>

#include "lib/tls.h"
#include "server/pki.h"

struct tt_fx {
	char dir[64], other_dir[64];
	struct pki p, other;
	SSL_CTX *sctx, *cctx;
	int fd[2]; /* [0] server side, [1] client side */
	tls_conn *s, *c;
};

static int tt_rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int tt_pki(char *dir, size_t n, struct pki *p)
{
	static const char *const ips[] = {"127.0.0.1", "::1"};
	static const char *const dns[] = {"localhost", "kubernetes.default.svc"};

	snprintf(dir, n, "/tmp/svcnet-tls-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	return pki_ensure(p, dir, ips, 2, dns, 2);
}

static int tt_nonblock(int fd)
{
	return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* Server and client over a socketpair; the client trusts ca_pem (or ours). */
static int tt_setup(struct tt_fx *f, const char *ca_pem, int verify, const char *host)
{
	memset(f, 0, sizeof(*f));
	f->fd[0] = f->fd[1] = -1;
	if (tt_pki(f->dir, sizeof(f->dir), &f->p) < 0 ||
	    tt_pki(f->other_dir, sizeof(f->other_dir), &f->other) < 0)
		return -1;
	f->sctx = pki_server_ctx(&f->p);
	f->cctx = pki_client_ctx(ca_pem ? ca_pem : f->p.ca_pem, verify);
	if (!f->sctx || !f->cctx || socketpair(AF_UNIX, SOCK_STREAM, 0, f->fd) < 0)
		return -1;
	tt_nonblock(f->fd[0]);
	tt_nonblock(f->fd[1]);
	f->s = tls_conn_new(f->sctx, f->fd[0], 1, NULL);
	f->c = tls_conn_new(f->cctx, f->fd[1], 0, host);
	return f->s && f->c ? 0 : -1;
}

static void tt_teardown(struct tt_fx *f)
{
	tls_conn_free(f->s);
	tls_conn_free(f->c);
	SSL_CTX_free(f->sctx);
	SSL_CTX_free(f->cctx);
	if (f->fd[0] >= 0)
		close(f->fd[0]);
	if (f->fd[1] >= 0)
		close(f->fd[1]);
	pki_free(&f->p);
	pki_free(&f->other);
	if (f->dir[0])
		nftw(f->dir, tt_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	if (f->other_dir[0])
		nftw(f->other_dir, tt_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static short tt_events(int want)
{
	return want == TLS_WANT_WRITE ? POLLOUT : POLLIN;
}

/* Runs both handshakes to the end; returns server and client results (1 = done). */
static void tt_handshake(struct tt_fx *f, int *rs, int *rc)
{
	*rs = *rc = 0;
	for (int rounds = 0; rounds < 200; rounds++) {
		struct pollfd pfd[2];
		int n = 0;

		if (*rs != 1 && *rs != TLS_ERR)
			*rs = tls_conn_handshake(f->s);
		if (*rc != 1 && *rc != TLS_ERR)
			*rc = tls_conn_handshake(f->c);
		if ((*rs == 1 || *rs == TLS_ERR) && (*rc == 1 || *rc == TLS_ERR))
			return;
		/* One side failing ends the exchange: the other sees an alert or EOF. */
		if (*rs == TLS_ERR || *rc == TLS_ERR) {
			if (*rs == TLS_ERR && *rc != 1 && *rc != TLS_ERR) {
				pfd[n++] = (struct pollfd){f->fd[1], tt_events(*rc), 0};
			} else if (*rc == TLS_ERR && *rs != 1 && *rs != TLS_ERR) {
				pfd[n++] = (struct pollfd){f->fd[0], tt_events(*rs), 0};
			}
		} else {
			if (*rs != 1)
				pfd[n++] = (struct pollfd){f->fd[0], tt_events(*rs), 0};
			if (*rc != 1)
				pfd[n++] = (struct pollfd){f->fd[1], tt_events(*rc), 0};
		}
		if (n == 0 || poll(pfd, (nfds_t)n, 2000) <= 0)
			return;
	}
}

/* Reads exactly n bytes from c, polling for whatever it wants. */
static int tt_read_all(tls_conn *c, int fd, char *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = tls_conn_read(c, p + got, n - got);
		struct pollfd pfd = {fd, 0, 0};

		if (r > 0) {
			got += (size_t)r;
			continue;
		}
		if (r == 0 || r == TLS_ERR)
			return -1;
		pfd.events = tt_events((int)r);
		if (poll(&pfd, 1, 2000) <= 0)
			return -1;
	}
	return 0;
}

static int tt_write_all(tls_conn *c, int fd, const char *p, size_t n)
{
	size_t put = 0;

	while (put < n) {
		ssize_t r = tls_conn_write(c, p + put, n - put);
		struct pollfd pfd = {fd, 0, 0};

		if (r > 0) {
			put += (size_t)r;
			continue;
		}
		if (r == 0 || r == TLS_ERR)
			return -1;
		pfd.events = tt_events((int)r);
		if (poll(&pfd, 1, 2000) <= 0)
			return -1;
	}
	return 0;
}

UNIT_TEST(tls_roundtrip_verified)
{
	struct tt_fx f;
	int rs, rc;
	char buf[16] = {0};
	const unsigned char *alpn;
	unsigned int alpn_len;

	CHECK_INT(tt_setup(&f, NULL, 1, "localhost"), 0);
	CHECK(!tls_conn_established(f.c));
	/* The first write drives the handshake implicitly. */
	CHECK(tls_conn_write(f.c, "hello", 5) < 0);
	tt_handshake(&f, &rs, &rc);
	CHECK_INT(rs, 1);
	CHECK_INT(rc, 1);
	CHECK(tls_conn_established(f.s) && tls_conn_established(f.c));
	CHECK_INT(SSL_get_verify_result(tls_conn_ssl(f.c)), X509_V_OK);
	SSL_get0_alpn_selected(tls_conn_ssl(f.c), &alpn, &alpn_len);
	CHECK_INT(alpn_len, 8);
	CHECK(memcmp(alpn, "http/1.1", 8) == 0);
	CHECK_STR(SSL_get_servername(tls_conn_ssl(f.s), TLSEXT_NAMETYPE_host_name), "localhost");
	CHECK_INT(tt_write_all(f.c, f.fd[1], "hello", 5), 0);
	CHECK_INT(tt_read_all(f.s, f.fd[0], buf, 5), 0);
	CHECK_STR(buf, "hello");
	CHECK_INT(tt_write_all(f.s, f.fd[0], "world!", 6), 0);
	CHECK_INT(tt_read_all(f.c, f.fd[1], buf, 6), 0);
	CHECK(memcmp(buf, "world!", 6) == 0);
	CHECK_INT(tls_conn_write(f.c, "", 0), 0);
	CHECK_STR(tls_conn_error(f.c), "");
	tt_teardown(&f);
}

/* 2 MiB each way at once over small socket buffers: plenty of WANT_WRITE. */
UNIT_TEST(tls_bulk_both_directions)
{
	enum { TOTAL = 2 << 20 };
	struct tt_fx f;
	tls_conn *conn[2];
	char *out = malloc(TOTAL), *in[2] = {malloc(TOTAL), malloc(TOTAL)};
	size_t sent[2] = {0, 0}, recvd[2] = {0, 0};
	int small = 4096, saw_want_write = 0, stuck = 0;

	CHECK(out && in[0] && in[1]);
	for (size_t i = 0; i < TOTAL; i++)
		out[i] = (char)(i * 7 + (i >> 13));
	CHECK_INT(tt_setup(&f, NULL, 1, "localhost"), 0);
	setsockopt(f.fd[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(f.fd[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	conn[0] = f.s;
	conn[1] = f.c;
	while ((recvd[0] < TOTAL || recvd[1] < TOTAL) && stuck < 100) {
		struct pollfd pfd[2];

		for (int k = 0; k < 2; k++) {
			short ev = 0;
			ssize_t r;

			pfd[k] = (struct pollfd){f.fd[k], 0, 0};
			if (sent[k] < TOTAL) {
				r = tls_conn_write(conn[k], out + sent[k],
				                   TOTAL - sent[k] > 65536 ? 65536
				                                           : TOTAL - sent[k]);
				if (r > 0)
					sent[k] += (size_t)r;
				else if (r == TLS_WANT_WRITE || r == TLS_WANT_READ)
					ev |= tt_events((int)r);
				else
					goto fail;
				saw_want_write |= r == TLS_WANT_WRITE;
			}
			do {
				r = tls_conn_read(conn[k], in[k] + recvd[k], TOTAL - recvd[k]);
				if (r > 0)
					recvd[k] += (size_t)r;
			} while (r > 0 && recvd[k] < TOTAL);
			if (r == TLS_WANT_WRITE || r == TLS_WANT_READ)
				ev |= tt_events((int)r);
			else if (r <= 0 && recvd[k] < TOTAL)
				goto fail;
			pfd[k].events = ev;
		}
		if (poll(pfd, 2, 2000) <= 0)
			stuck++;
	}
	CHECK_INT(recvd[0], TOTAL);
	CHECK_INT(recvd[1], TOTAL);
	CHECK(memcmp(in[0], out, TOTAL) == 0);
	CHECK(memcmp(in[1], out, TOTAL) == 0);
	CHECK(saw_want_write);
	free(out);
	free(in[0]);
	free(in[1]);
	tt_teardown(&f);
	return;
fail:
	unit_fail(__FILE__, __LINE__, "transfer failed: %s / %s", tls_conn_error(f.s),
	          tls_conn_error(f.c));
	free(out);
	free(in[0]);
	free(in[1]);
	tt_teardown(&f);
}

UNIT_TEST(tls_alpn_prefers_http11_over_h2)
{
	static const unsigned char h2_first[] = "\x02h2\x08http/1.1";
	static const unsigned char h2_only[] = "\x02h2";
	struct tt_fx f;
	int rs, rc;
	const unsigned char *alpn;
	unsigned int alpn_len;

	CHECK_INT(tt_setup(&f, NULL, 1, "localhost"), 0);
	CHECK_INT(SSL_set_alpn_protos(tls_conn_ssl(f.c), h2_first, sizeof(h2_first) - 1), 0);
	tt_handshake(&f, &rs, &rc);
	CHECK(rs == 1 && rc == 1);
	SSL_get0_alpn_selected(tls_conn_ssl(f.c), &alpn, &alpn_len);
	CHECK_INT(alpn_len, 8);
	CHECK(memcmp(alpn, "http/1.1", 8) == 0);
	tt_teardown(&f);

	/* h2 alone: no protocol is agreed, but the handshake still succeeds. */
	CHECK_INT(tt_setup(&f, NULL, 1, "localhost"), 0);
	CHECK_INT(SSL_set_alpn_protos(tls_conn_ssl(f.c), h2_only, sizeof(h2_only) - 1), 0);
	tt_handshake(&f, &rs, &rc);
	CHECK(rs == 1 && rc == 1);
	SSL_get0_alpn_selected(tls_conn_ssl(f.c), &alpn, &alpn_len);
	CHECK_INT(alpn_len, 0);
	tt_teardown(&f);
}

UNIT_TEST(tls_wrong_ca_fails_clearly)
{
	struct tt_fx f;
	int rs, rc;
	char buf[8];

	CHECK_INT(tt_setup(&f, NULL, 1, "localhost"), 0);
	/* Swap in a client that trusts the other CA. */
	tls_conn_free(f.c);
	SSL_CTX_free(f.cctx);
	f.cctx = pki_client_ctx(f.other.ca_pem, 1);
	f.c = tls_conn_new(f.cctx, f.fd[1], 0, "localhost");
	CHECK(f.c);
	tt_handshake(&f, &rs, &rc);
	CHECK_INT(rc, TLS_ERR);
	CHECK_INT(rs, TLS_ERR);
	CHECK(strstr(tls_conn_error(f.c), "handshake failed: certificate verify failed"));
	CHECK(strstr(tls_conn_error(f.c), "unable to get local issuer certificate"));
	CHECK(strstr(tls_conn_error(f.s), "handshake failed:"));
	CHECK(strstr(tls_conn_error(f.s), "unknown ca"));
	/* Nothing lingers in the thread's error queue for the next connection. */
	CHECK_INT(ERR_peek_error(), 0);
	/* A failed conn stays failed, and close_notify is not attempted. */
	CHECK_INT(tls_conn_read(f.c, buf, sizeof(buf)), TLS_ERR);
	CHECK_INT(tls_conn_write(f.c, "x", 1), TLS_ERR);
	CHECK_INT(tls_conn_shutdown(f.c), TLS_ERR);
	CHECK_INT(tls_conn_pending(f.c), 0);
	CHECK(!tls_conn_established(f.c));
	tt_teardown(&f);

	/* A fresh connection right after is unaffected. */
	CHECK_INT(tt_setup(&f, NULL, 1, "localhost"), 0);
	tt_handshake(&f, &rs, &rc);
	CHECK(rs == 1 && rc == 1);
	tt_teardown(&f);
}

UNIT_TEST(tls_hostname_and_ip_checks)
{
	struct tt_fx f;
	int rs, rc;

	CHECK_INT(tt_setup(&f, NULL, 1, "example.com"), 0);
	tt_handshake(&f, &rs, &rc);
	CHECK_INT(rc, TLS_ERR);
	CHECK(strstr(tls_conn_error(f.c), "hostname mismatch"));
	tt_teardown(&f);

	CHECK_INT(tt_setup(&f, NULL, 1, "kubernetes.default.svc"), 0);
	tt_handshake(&f, &rs, &rc);
	CHECK(rs == 1 && rc == 1);
	tt_teardown(&f);

	/* IP literals are checked against iPAddress SANs and never sent as SNI. */
	CHECK_INT(tt_setup(&f, NULL, 1, "127.0.0.1"), 0);
	tt_handshake(&f, &rs, &rc);
	CHECK(rs == 1 && rc == 1);
	CHECK(SSL_get_servername(tls_conn_ssl(f.s), TLSEXT_NAMETYPE_host_name) == NULL);
	tt_teardown(&f);

	CHECK_INT(tt_setup(&f, NULL, 1, "[::1]"), 0);
	tt_handshake(&f, &rs, &rc);
	CHECK(rs == 1 && rc == 1);
	tt_teardown(&f);

	CHECK_INT(tt_setup(&f, NULL, 1, "192.0.2.1"), 0);
	tt_handshake(&f, &rs, &rc);
	CHECK_INT(rc, TLS_ERR);
	CHECK(strstr(tls_conn_error(f.c), "IP address mismatch"));
	tt_teardown(&f);
}

UNIT_TEST(tls_verify_off_accepts_any_ca)
{
	struct tt_fx f;
	int rs, rc;

	CHECK_INT(tt_setup(&f, NULL, 1, "localhost"), 0);
	tls_conn_free(f.c);
	SSL_CTX_free(f.cctx);
	f.cctx = pki_client_ctx(f.other.ca_pem, 0);
	f.c = tls_conn_new(f.cctx, f.fd[1], 0, "wrong.example");
	tt_handshake(&f, &rs, &rc);
	CHECK(rs == 1 && rc == 1);
	tt_teardown(&f);
}

UNIT_TEST(tls_clean_eof)
{
	struct tt_fx f;
	int rs, rc;
	char buf[8];
	ssize_t r;
	struct pollfd pfd;

	/* close_notify. */
	CHECK_INT(tt_setup(&f, NULL, 1, "localhost"), 0);
	tt_handshake(&f, &rs, &rc);
	CHECK(rs == 1 && rc == 1);
	CHECK_INT(tt_write_all(f.c, f.fd[1], "bye", 3), 0);
	CHECK_INT(tls_conn_shutdown(f.c), 1);
	CHECK_INT(tt_read_all(f.s, f.fd[0], buf, 3), 0);
	pfd = (struct pollfd){f.fd[0], POLLIN, 0};
	poll(&pfd, 1, 2000);
	CHECK_INT(tls_conn_read(f.s, buf, sizeof(buf)), 0);
	CHECK_INT(tls_conn_shutdown(f.s), 1);
	CHECK_INT(ERR_peek_error(), 0);
	tt_teardown(&f);

	/* A bare TCP FIN after the handshake is a clean end too. */
	CHECK_INT(tt_setup(&f, NULL, 1, "localhost"), 0);
	tt_handshake(&f, &rs, &rc);
	CHECK(rs == 1 && rc == 1);
	shutdown(f.fd[1], SHUT_WR);
	pfd = (struct pollfd){f.fd[0], POLLIN, 0};
	poll(&pfd, 1, 2000);
	r = tls_conn_read(f.s, buf, sizeof(buf));
	if (r == TLS_WANT_READ) { /* a TLS 1.3 session ticket may come first */
		poll(&pfd, 1, 2000);
		r = tls_conn_read(f.s, buf, sizeof(buf));
	}
	CHECK_INT(r, 0);
	CHECK_INT(ERR_peek_error(), 0);
	tt_teardown(&f);
}

UNIT_TEST(tls_garbage_and_early_close)
{
	static const char http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	struct tt_fx f;
	char buf[8];
	struct pollfd pfd;
	ssize_t r;

	/* Plain HTTP sent to the TLS port. */
	CHECK_INT(tt_setup(&f, NULL, 1, "localhost"), 0);
	CHECK_INT(write(f.fd[1], http, sizeof(http) - 1), (ssize_t)(sizeof(http) - 1));
	r = tls_conn_read(f.s, buf, sizeof(buf));
	CHECK_INT(r, TLS_ERR);
	CHECK(strstr(tls_conn_error(f.s), "handshake failed: http request"));
	CHECK_INT(ERR_peek_error(), 0);
	tt_teardown(&f);

	/* Random bytes that look like nothing. */
	CHECK_INT(tt_setup(&f, NULL, 1, "localhost"), 0);
	CHECK_INT(write(f.fd[1], "\x16\x03\x01\x00\x05zzzzz", 10), 10);
	pfd = (struct pollfd){f.fd[0], POLLIN, 0};
	poll(&pfd, 1, 2000);
	CHECK_INT(tls_conn_handshake(f.s), TLS_ERR);
	CHECK(strstr(tls_conn_error(f.s), "handshake failed:"));
	tt_teardown(&f);

	/* A peer that connects and hangs up before saying anything. */
	CHECK_INT(tt_setup(&f, NULL, 1, "localhost"), 0);
	close(f.fd[1]);
	f.fd[1] = -1;
	r = tls_conn_read(f.s, buf, sizeof(buf));
	CHECK(r == 0 || r == TLS_ERR);
	CHECK_INT(tls_conn_handshake(f.s), TLS_ERR);
	CHECK_INT(ERR_peek_error(), 0);
	tt_teardown(&f);

	/* A peer that hangs up mid-handshake. */
	CHECK_INT(tt_setup(&f, NULL, 1, "localhost"), 0);
	CHECK_INT(tls_conn_handshake(f.c), TLS_WANT_READ);
	pfd = (struct pollfd){f.fd[0], POLLIN, 0};
	poll(&pfd, 1, 2000);
	CHECK(tls_conn_handshake(f.s) < 0);
	close(f.fd[0]);
	f.fd[0] = -1;
	pfd = (struct pollfd){f.fd[1], POLLIN, 0};
	poll(&pfd, 1, 2000);
	r = tls_conn_handshake(f.c);
	CHECK_INT(r, TLS_ERR);
	CHECK(strstr(tls_conn_error(f.c), "handshake failed"));
	CHECK_INT(tls_conn_shutdown(f.c), TLS_ERR);
	tt_teardown(&f);
}

UNIT_TEST(tls_write_to_reset_peer_no_sigpipe)
{
	struct tt_fx f;
	int rs, rc;
	char chunk[16384];
	ssize_t r = 1;
	void (*old)(int) = signal(SIGPIPE, SIG_DFL);

	memset(chunk, 'x', sizeof(chunk));
	CHECK_INT(tt_setup(&f, NULL, 1, "localhost"), 0);
	tt_handshake(&f, &rs, &rc);
	CHECK(rs == 1 && rc == 1);
	close(f.fd[1]);
	f.fd[1] = -1;
	/* With write(2) this would kill the process; send(MSG_NOSIGNAL) gives EPIPE. */
	for (int i = 0; i < 100 && r != TLS_ERR; i++)
		r = tls_conn_write(f.s, chunk, sizeof(chunk));
	signal(SIGPIPE, old);
	CHECK_INT(r, TLS_ERR);
	CHECK(strstr(tls_conn_error(f.s), "write: Broken pipe") ||
	      strstr(tls_conn_error(f.s), "write: Connection reset"));
	CHECK_INT(ERR_peek_error(), 0);
	tt_teardown(&f);
}

UNIT_TEST(tls_pending_reports_buffered_bytes)
{
	struct tt_fx f;
	int rs, rc;
	char buf[64];
	struct pollfd pfd;
	ssize_t r;

	CHECK_INT(tt_setup(&f, NULL, 1, "localhost"), 0);
	tt_handshake(&f, &rs, &rc);
	CHECK(rs == 1 && rc == 1);
	CHECK_INT(tls_conn_pending(f.s), 0);
	CHECK_INT(tt_write_all(f.c, f.fd[1], "0123456789", 10), 0);
	pfd = (struct pollfd){f.fd[0], POLLIN, 0};
	CHECK(poll(&pfd, 1, 2000) == 1);
	/* Read one byte: the other nine stay decrypted inside OpenSSL. */
	r = tls_conn_read(f.s, buf, 1);
	CHECK_INT(r, 1);
	CHECK_INT(tls_conn_pending(f.s), 9);
	r = tls_conn_read(f.s, buf + 1, sizeof(buf) - 1);
	CHECK_INT(r, 9);
	CHECK(memcmp(buf, "0123456789", 10) == 0);
	CHECK_INT(tls_conn_pending(f.s), 0);
	CHECK_INT(tls_conn_read(f.s, buf, sizeof(buf)), TLS_WANT_READ);
	tt_teardown(&f);
}

UNIT_TEST(tls_null_and_unstarted)
{
	struct tt_fx f;

	tls_conn_free(NULL);
	CHECK_STR(tls_conn_error(NULL), "");
	CHECK(!tls_conn_established(NULL));
	CHECK_INT(tls_conn_pending(NULL), 0);
	CHECK(tls_conn_ssl(NULL) == NULL);
	CHECK_INT(tt_setup(&f, NULL, 1, NULL), 0);
	/* Nothing to close before a handshake; the peer has nothing to read. */
	CHECK_INT(tls_conn_shutdown(f.s), 1);
	CHECK_INT(tls_conn_read(f.s, f.dir, 0), 0);
	CHECK_INT(tls_conn_read(f.s, f.dir, 1), TLS_WANT_READ);
	tt_teardown(&f);
}
