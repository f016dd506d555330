/*
 * httpc.h - an HTTP/1.1 client on the event loop, for talking to an API server
 * (svcnet's own or kube-apiserver).
 *
 * One httpc is one server endpoint (from a kubeconfig or explicit options):
 * an IP:port (no DNS; "localhost" means 127.0.0.1), TLS with the configured
 * CA and the host name or IP checked against the certificate, a bearer token
 * or client certificate, and a small pool of idle keep-alive connections.
 * Each request gets a connection of its own for its lifetime (no
 * pipelining), so a long watch never holds up a list.
 *
 * A request ends in exactly one on_done call, unless it is cancelled first:
 *   err == 0   a complete response; resp->status may be anything
 *   err < 0    -ECONNREFUSED, -ECONNRESET, -ETIMEDOUT (the request's
 *              deadline passed), -EPROTO (TLS failure or malformed HTTP),
 *              -EMSGSIZE (body over max_body), -ENOMEM, -EHOSTUNREACH...
 * The response (and the request handle) are valid only during the callback.
 *
 * Stream mode (watches): on_head runs once when the head has arrived (before
 * on_done also when there is no body), then on_body each time de-chunked
 * bytes were appended to resp->body; it consumes what it used (buf_consume)
 * and leaves a partial line for the next call. max_body then bounds the
 * bytes it leaves undrained.
 *
 * Callbacks may start new requests and may cancel any request, their own
 * included; after httpc_cancel no callback of that request runs again.
 * httpc_free must not be called from a callback.
 */
#ifndef SVCNET_HTTPC_H
#define SVCNET_HTTPC_H

#include <stddef.h>

#include "lib/ev.h"
#include "lib/http_parse.h"

typedef struct httpc httpc;
typedef struct httpc_req httpc_req;

struct httpc_opts {
	const char *server; /* "https://10.0.0.1:6443", "https://[::1]:6443", "http://..." */
	const char *ca_pem; /* PEM text or file; NULL = system roots */
	int insecure;       /* skip certificate verification */
	const char *tls_server_name; /* name to check instead of the URL's host, or NULL */
	const char *token;           /* bearer token, or NULL */
	const char *client_cert_pem; /* PEM text or file, with client_key_pem, or NULL */
	const char *client_key_pem;
	int max_idle; /* idle keep-alive connections kept; 0 = 4 */
};

typedef void httpc_done_fn(httpc_req *r, int err, http_response *resp, void *data);
typedef void httpc_head_fn(httpc_req *r, http_response *resp, void *data);
typedef void httpc_body_fn(httpc_req *r, http_response *resp, void *data);

struct httpc_req_opts {
	const char *method;       /* "GET", "POST", ... */
	const char *path;         /* path and query, already encoded; appended to the URL's path */
	const char *content_type; /* for a body; NULL = application/json */
	const char *body;         /* NULL for none */
	size_t body_len;
	const char *extra_headers; /* "Name: value\r\n"..., or NULL */
	int own_headers;           /* no User-Agent/Accept of ours; Host only if
	                              extra_headers has none */
	int timeout_ms;            /* deadline for the whole exchange; 0 = 30 s */
	size_t max_body;           /* 0 = 64 MiB (stream mode: undrained bytes) */
	int stream;
	httpc_head_fn *on_head; /* stream mode only */
	httpc_body_fn *on_body; /* stream mode only */
	httpc_done_fn *on_done;
	void *data;
};

/* The server's endpoint and credentials. 0, -EINVAL (bad URL: err says why),
 * -EPROTO (TLS context: CA or key unusable), -ENOMEM. */
int httpc_new(ev_loop *l, const struct httpc_opts *o, httpc **out, char *err, size_t errlen);
/* As httpc_new, from a kubeconfig file (its current context). */
int httpc_new_kubeconfig(ev_loop *l, const char *path, httpc **out, char *err, size_t errlen);
/* Cancels every request without callbacks and closes every connection. NULL-safe. */
void httpc_free(httpc *c);

/* The context's namespace from the kubeconfig, or NULL. */
const char *httpc_namespace(const httpc *c);
/* "host:port" of the server, for logs. */
const char *httpc_endpoint(const httpc *c);

/* Starts a request. 0 (and *out, which may be NULL when not wanted), -EINVAL,
 * -ENOMEM. Connection errors are reported through on_done, never here. */
int httpc_request(httpc *c, const struct httpc_req_opts *o, httpc_req **out);
/* Aborts a request: no callback of it runs afterwards. Safe from its own
 * callbacks; a no-op inside its on_done. NULL-safe. */
void httpc_cancel(httpc_req *r);

/* Connections open now (active and idle), for tests. */
int httpc_conn_count(const httpc *c);

/*
 * Splits a server URL into scheme, host (brackets removed), port and base
 * path (without a trailing '/', "" when none). Only IP literals and
 * "localhost" are accepted as hosts. Returns 0 or -EINVAL. Pure; for tests.
 */
int httpc_parse_url(const char *url, int *tls, char *host, size_t hostlen, int *port, char *path,
                    size_t pathlen);

#endif
