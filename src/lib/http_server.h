/*
 * http_server.h - HTTP/1.1 server connections on the event loop, with TLS.
 *
 * Keep-alive and pipelining; chunked streaming responses (watches);
 * request size limits; timeouts for slow and idle clients.
 *
 * Responses are not written when the handler produces them: they are queued
 * and leave in http_server_flush(), which the owner calls from the loop's
 * before-sleep hook after the store's group commit. So no client hears about
 * a write before it is durable, and a failed commit can still close the
 * connections that were about to be told "success" (http_server_abort_pending).
 */
#ifndef SVCNET_HTTP_SERVER_H
#define SVCNET_HTTP_SERVER_H

#include <openssl/ssl.h>
#include <stddef.h>

#include "lib/buf.h"
#include "lib/ev.h"
#include "lib/http_parse.h"

typedef struct http_server http_server;
typedef struct http_conn http_conn;

/* Called once per complete request. It must answer with http_respond*() or
 * start a stream before it returns. */
typedef void http_handler_fn(http_conn *c, http_request *req, void *data);
typedef void http_close_fn(http_conn *c, void *data);

struct http_server_opts {
	const char *listen;      /* "127.0.0.1:6443", "[::1]:6443", ":6443" */
	SSL_CTX *tls;            /* NULL for plain HTTP */
	size_t max_head;         /* bytes of request line + headers (431 past it) */
	size_t max_body;         /* bytes of body (413 past it) */
	int request_timeout_ms;  /* a request must arrive whole within this */
	int idle_timeout_ms;     /* keep-alive connections idle longer are closed */
	size_t max_stream_queue; /* a streaming client this far behind is dropped */
	int max_conns;
	http_handler_fn *handler;
	void *data;
};

int http_server_start(ev_loop *l, const struct http_server_opts *o, http_server **out);
/* A plain-HTTP listener for small status endpoints (/metrics, /healthz,
 * /ready): 8 KiB heads, a request whole within 10 s, idle connections closed
 * after 60 s, nothing streams. 0 or a negative errno. */
int http_server_start_status(ev_loop *l, const char *addr, http_handler_fn *fn, void *data,
                             int max_conns, http_server **out);
/* Answers 200 with what render wrote in the Prometheus text format (lib/prom.h),
 * or 500 when it failed. */
void http_respond_metrics(http_conn *c, int (*render)(void *data, buf *b), void *data);
/* Closes the listener and every connection. NULL-safe. */
void http_server_stop(http_server *s);
/* Sends queued output of every connection that has some. */
void http_server_flush(http_server *s);
/* Drops the connections holding unsent responses (after a failed commit). */
void http_server_abort_pending(http_server *s);
/* The bound port (useful with port 0). */
int http_server_port(const http_server *s);

/* A complete response with a body (Content-Length framed). */
int http_respond(http_conn *c, int status, const char *content_type, const char *body, size_t len);
/* Extra header lines ("Name: value\r\n"...) for the next http_respond/stream_start. */
int http_add_header(http_conn *c, const char *name, const char *value);

/* Starts a chunked response that stays open (watch streams). */
int http_stream_start(http_conn *c, int status, const char *content_type);
int http_stream_write(http_conn *c, const char *data, size_t len);
/* Ends the stream with the last chunk; the connection then closes. */
void http_stream_end(http_conn *c);
/* Closes the connection at the next opportunity (after queued output). */
void http_conn_close_soon(http_conn *c);

/* Registers a callback run when the connection goes away (one per conn). */
void http_conn_on_close(http_conn *c, http_close_fn *fn, void *data);
size_t http_conn_queued(const http_conn *c);
const char *http_conn_peer(const http_conn *c);
http_server *http_conn_server(const http_conn *c);

#endif
