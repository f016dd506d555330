/*
 * tls.c - non-blocking TLS over a socket, on OpenSSL 3.
 *
 * OpenSSL's own socket BIO writes with write(2), which raises SIGPIPE when
 * the peer has reset the connection; ours sends with MSG_NOSIGNAL so the
 * library is safe even in a process that forgot to ignore the signal.
 */
#include "lib/tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

struct tls_conn {
	SSL *ssl;
	int fd;
	int failed;
	char err[256];
};

static BIO_METHOD *tls_bio_method;
static pthread_once_t tls_bio_once = PTHREAD_ONCE_INIT;

static int tls_bio_fd(BIO *b)
{
	return (int)(intptr_t)BIO_get_data(b);
}

static int tls_bio_write(BIO *b, const char *p, int n)
{
	ssize_t r;

	BIO_clear_retry_flags(b);
	do {
		r = send(tls_bio_fd(b), p, (size_t)n, MSG_NOSIGNAL);
	} while (r < 0 && errno == EINTR);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		BIO_set_retry_write(b);
	return (int)r;
}

static int tls_bio_read(BIO *b, char *p, int n)
{
	ssize_t r;

	BIO_clear_retry_flags(b);
	do {
		r = recv(tls_bio_fd(b), p, (size_t)n, 0);
	} while (r < 0 && errno == EINTR);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		BIO_set_retry_read(b);
	/* OpenSSL asks BIO_CTRL_EOF to tell a FIN from an error (IGNORE_UNEXPECTED_EOF). */
	if (r == 0)
		BIO_set_flags(b, BIO_FLAGS_IN_EOF);
	return (int)r;
}

static long tls_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	switch (cmd) {
	case BIO_C_GET_FD:
		if (ptr)
			*(int *)ptr = tls_bio_fd(b);
		return tls_bio_fd(b);
	case BIO_CTRL_EOF:
		return BIO_test_flags(b, BIO_FLAGS_IN_EOF) != 0;
	case BIO_CTRL_FLUSH:
	case BIO_CTRL_DUP:
		return 1;
	default:
		/* Everything else (kTLS, pending counts) is "not supported". */
		return 0;
	}
}

static int tls_bio_create(BIO *b)
{
	BIO_set_init(b, 0);
	BIO_set_data(b, NULL);
	return 1;
}

static void tls_bio_setup(void)
{
	int idx = BIO_get_new_index();
	BIO_METHOD *m;

	if (idx < 0)
		return;
	m = BIO_meth_new(idx | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "svcnet socket");
	if (!m)
		return;
	if (!BIO_meth_set_write(m, tls_bio_write) || !BIO_meth_set_read(m, tls_bio_read) ||
	    !BIO_meth_set_ctrl(m, tls_bio_ctrl) || !BIO_meth_set_create(m, tls_bio_create)) {
		BIO_meth_free(m);
		return;
	}
	tls_bio_method = m;
}

static BIO *tls_bio_new(int fd)
{
	BIO *b;

	pthread_once(&tls_bio_once, tls_bio_setup);
	if (!tls_bio_method)
		return NULL;
	b = BIO_new(tls_bio_method);
	if (!b)
		return NULL;
	BIO_set_data(b, (void *)(intptr_t)fd);
	BIO_set_init(b, 1);
	return b;
}

/* Accepts "1.2.3.4", "::1" and the URL form "[::1]"; 1 if host is an IP literal. */
static int tls_ip_literal(const char *host, char *out, size_t outsz)
{
	unsigned char a[16];
	size_t n = strlen(host);

	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		host++;
		n -= 2;
	}
	if (n >= outsz)
		return 0;
	memcpy(out, host, n);
	out[n] = '\0';
	return inet_pton(AF_INET, out, a) == 1 || inet_pton(AF_INET6, out, a) == 1;
}

tls_conn *tls_conn_new(SSL_CTX *ctx, int fd, int is_server, const char *sni_host)
{
	tls_conn *c;
	BIO *b;

	ERR_clear_error();
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->fd = fd;
	c->ssl = SSL_new(ctx);
	if (!c->ssl)
		goto fail;
	b = tls_bio_new(fd);
	if (!b)
		goto fail;
	SSL_set_bio(c->ssl, b, b);
	SSL_set_mode(c->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
	                         SSL_MODE_RELEASE_BUFFERS);
	/* HTTP frames its messages itself; a bare TCP FIN is a normal close. */
	SSL_set_options(c->ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
	if (is_server) {
		SSL_set_accept_state(c->ssl);
	} else {
		SSL_set_connect_state(c->ssl);
		if (sni_host && *sni_host) {
			char ip[64];

			/* RFC 6066 forbids IP literals in SNI; verify them as iPAddress SANs. */
			if (tls_ip_literal(sni_host, ip, sizeof(ip))) {
				if (!X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), ip))
					goto fail;
			} else {
				if (!SSL_set_tlsext_host_name(c->ssl, sni_host) ||
				    !SSL_set1_host(c->ssl, sni_host))
					goto fail;
				SSL_set_hostflags(c->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
			}
		}
	}
	ERR_clear_error();
	return c;
fail:
	ERR_clear_error();
	tls_conn_free(c);
	return NULL;
}

static void tls_fail(tls_conn *c, int sslerr, int sys_errno, const char *op)
{
	const char *what = SSL_is_init_finished(c->ssl) ? op : "handshake failed";
	unsigned long e = ERR_get_error();

	c->failed = 1;
	if (e) {
		const char *reason = ERR_reason_error_string(e);
		char buf[128];
		long vr = SSL_get_verify_result(c->ssl);

		if (!reason) {
			ERR_error_string_n(e, buf, sizeof(buf));
			reason = buf;
		}
		if (ERR_GET_LIB(e) == ERR_LIB_SSL &&
		    ERR_GET_REASON(e) == SSL_R_CERTIFICATE_VERIFY_FAILED && vr != X509_V_OK)
			snprintf(c->err, sizeof(c->err), "%s: %s (%s)", what, reason,
			         X509_verify_cert_error_string(vr));
		else
			snprintf(c->err, sizeof(c->err), "%s: %s", what, reason);
	} else if (sslerr == SSL_ERROR_SYSCALL && sys_errno) {
		snprintf(c->err, sizeof(c->err), "%s: %s", what, strerror(sys_errno));
	} else if (sslerr == SSL_ERROR_SYSCALL) {
		snprintf(c->err, sizeof(c->err), "%s: connection closed by peer", what);
	} else {
		snprintf(c->err, sizeof(c->err), "%s: ssl error %d", what, sslerr);
	}
	ERR_clear_error();
}

/* Maps a failed OpenSSL I/O call (ok == 0) to the tls.h return convention. */
static int tls_status(tls_conn *c, int ret, const char *op)
{
	int sys_errno = errno;
	int e = SSL_get_error(c->ssl, ret);

	switch (e) {
	case SSL_ERROR_WANT_READ:
		ERR_clear_error();
		return TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		ERR_clear_error();
		return TLS_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		ERR_clear_error();
		return 0;
	default:
		tls_fail(c, e, sys_errno, op);
		return TLS_ERR;
	}
}

int tls_conn_handshake(tls_conn *c)
{
	int r;

	if (c->failed)
		return TLS_ERR;
	if (SSL_is_init_finished(c->ssl))
		return 1;
	ERR_clear_error();
	errno = 0;
	r = SSL_do_handshake(c->ssl);
	if (r == 1)
		return 1;
	r = tls_status(c, r, "handshake");
	/* A peer that closes mid-handshake has failed it, not ended a stream. */
	if (r == 0) {
		c->failed = 1;
		snprintf(c->err, sizeof(c->err), "handshake failed: connection closed by peer");
		return TLS_ERR;
	}
	return r;
}

ssize_t tls_conn_read(tls_conn *c, void *p, size_t n)
{
	size_t got = 0;

	if (c->failed)
		return TLS_ERR;
	if (n == 0)
		return 0;
	ERR_clear_error();
	errno = 0;
	if (SSL_read_ex(c->ssl, p, n, &got) == 1)
		return (ssize_t)got;
	return tls_status(c, 0, "read");
}

ssize_t tls_conn_write(tls_conn *c, const void *p, size_t n)
{
	size_t put = 0;

	if (c->failed)
		return TLS_ERR;
	if (n == 0)
		return 0;
	ERR_clear_error();
	errno = 0;
	if (SSL_write_ex(c->ssl, p, n, &put) == 1)
		return (ssize_t)put;
	return tls_status(c, 0, "write");
}

int tls_conn_pending(tls_conn *c)
{
	if (!c || c->failed)
		return 0;
	return SSL_pending(c->ssl);
}

int tls_conn_shutdown(tls_conn *c)
{
	int r;

	/* SSL_shutdown after a fatal error is forbidden and would mask the cause. */
	if (c->failed)
		return TLS_ERR;
	if (!SSL_is_init_finished(c->ssl))
		return 1;
	ERR_clear_error();
	errno = 0;
	r = SSL_shutdown(c->ssl);
	if (r >= 0) {
		/* 0: our close_notify is out, the peer's has not arrived; we do not wait. */
		return 1;
	}
	r = tls_status(c, r, "shutdown");
	if (r == TLS_WANT_READ || r == 0)
		return 1;
	return r;
}

const char *tls_conn_error(const tls_conn *c)
{
	return c ? c->err : "";
}

int tls_conn_established(const tls_conn *c)
{
	return c && !c->failed && SSL_is_init_finished(c->ssl);
}

SSL *tls_conn_ssl(tls_conn *c)
{
	return c ? c->ssl : NULL;
}

void tls_conn_free(tls_conn *c)
{
	if (!c)
		return;
	SSL_free(c->ssl);
	free(c);
}
