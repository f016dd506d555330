/*
 * tls.h - a non-blocking TLS connection over a socket fd, for the HTTP server
 * and client.
 *
 * The handshake runs implicitly inside the first read or write (or
 * explicitly with tls_conn_handshake). Return convention of the I/O calls:
 *
 *   > 0            bytes transferred
 *   0              clean end of stream: close_notify or TCP EOF (HTTP frames
 *                  its own messages, so a missing close_notify is not treated
 *                  as a truncation attack). A peer that connects and hangs up
 *                  without a byte (a port probe) also reads as 0, not an error.
 *   TLS_WANT_READ  wait until the fd is readable, then call again
 *   TLS_WANT_WRITE wait until the fd is writable, then call again. A read may
 *                  want write (a handshake or key update flight to send) and a
 *                  write may want read: wait for what is asked, not for what
 *                  the call does.
 *   TLS_ERR        fatal; tls_conn_error() says why. Only free the conn.
 *
 * After TLS_WANT_WRITE on tls_conn_write, call again with the same bytes
 * (the buffer may move: SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER is set).
 * Writes may be partial (SSL_MODE_ENABLE_PARTIAL_WRITE).
 *
 * Edge-triggered epoll: OpenSSL may hold decrypted bytes that the kernel no
 * longer reports as readable, so after a read the caller keeps reading until
 * TLS_WANT_READ (or checks tls_conn_pending) before going back to sleep.
 *
 * SIGPIPE: the socket I/O goes through send(MSG_NOSIGNAL)/recv, so a peer
 * reset never raises SIGPIPE here; the server still sets SIGPIPE to SIG_IGN
 * for every other write path. The fd must be a socket.
 *
 * Each call clears the thread's OpenSSL error queue before it starts and
 * drains it before it returns, so one connection's failure is never
 * reported against another.
 */
#ifndef SVCNET_TLS_H
#define SVCNET_TLS_H

#include <stddef.h>
#include <sys/types.h>

#include <openssl/ssl.h>

#define TLS_WANT_READ  (-2)
#define TLS_WANT_WRITE (-3)
#define TLS_ERR        (-1)

typedef struct tls_conn tls_conn;

/*
 * Wraps fd (a connected, non-blocking socket; not owned). On the client side
 * sni_host (may be NULL) is sent as SNI unless it is an IP literal, and is
 * the name (or IP) the server certificate must match when ctx verifies
 * peers. NULL on allocation failure.
 */
tls_conn *tls_conn_new(SSL_CTX *ctx, int fd, int is_server, const char *sni_host);

/* Drives the handshake: 1 when complete, else TLS_WANT_READ/WRITE or TLS_ERR
 * (EOF before the handshake completed is TLS_ERR here). */
int tls_conn_handshake(tls_conn *c);

ssize_t tls_conn_read(tls_conn *c, void *p, size_t n);
/* n == 0 returns 0 without doing anything. */
ssize_t tls_conn_write(tls_conn *c, const void *p, size_t n);

/* Decrypted bytes buffered inside OpenSSL that epoll cannot see. */
int tls_conn_pending(tls_conn *c);

/*
 * Sends close_notify (best effort; skipped after a fatal error or before the
 * handshake finished). 1 when sent, TLS_WANT_WRITE to retry, TLS_ERR.
 */
int tls_conn_shutdown(tls_conn *c);

/* The last fatal error as text, e.g. "handshake failed: certificate verify
 * failed (unable to get local issuer certificate)"; "" when none. */
const char *tls_conn_error(const tls_conn *c);

/* True once the handshake completed. */
int tls_conn_established(const tls_conn *c);

/* The underlying SSL, for peer certificates and the negotiated ALPN. */
SSL *tls_conn_ssl(tls_conn *c);

/* NULL-safe; does not close the fd. */
void tls_conn_free(tls_conn *c);

#endif
