/*
 * httpc_int.h - httpc's internals shared by httpc.c (client, requests) and
 * httpc_conn.c (connection I/O).
 */
#ifndef SVCNET_HTTPC_INT_H
#define SVCNET_HTTPC_INT_H

#include <sys/socket.h>

#include "client/httpc.h"
#include "lib/buf.h"
#include "lib/http_parse.h"
#include "lib/tls.h"

#define HTTPC_READ_CHUNK 16384

typedef struct httpc_conn httpc_conn;

struct httpc {
	ev_loop *loop;
	SSL_CTX *ssl; /* NULL for plain http:// */
	struct sockaddr_storage sa;
	socklen_t salen;
	char host[64];     /* URL host, brackets removed */
	char sni[256];     /* the name checked in the certificate */
	char hostport[80]; /* Host header and logs */
	char base[256];    /* the URL's path prefix */
	char *auth;        /* "Authorization: Bearer ...\r\n" or NULL */
	char *ns;          /* the kubeconfig context's namespace */
	int max_idle;
	int nidle;
	int nconns;
	httpc_conn *conns; /* every open connection */
	httpc_req *reqs;   /* every request not yet finished */
};

struct httpc_conn {
	httpc *cl;
	httpc_conn *prev, *next;
	int fd;
	tls_conn *tls;
	int connecting;
	int idle;
	int reused;           /* served a request before: the server may have closed it */
	int write_wants_read; /* a TLS write waits for the socket to become readable */
	int read_wants_write;
	int hs_wants_write; /* the handshake waits for room to send */
	int write_armed;
	buf in, out;
	http_parser p;
	httpc_req *req;
};

struct httpc_req {
	httpc *cl;
	httpc_req *prev, *next;
	httpc_conn *conn;
	struct httpc_req_opts o;
	buf msg; /* the request bytes, kept for one retry on a stale connection */
	http_response resp;
	ev_timer *timer;
	int pending_err; /* reported by the timer: a failure seen inside httpc_request */
	int in_cb;
	int cancelled;
	int head_called;
	int got_bytes; /* response bytes arrived on the current connection */
	int retried;
	int idempotent;
	int is_head;
};

/* Closes a connection; its request (if any) loses it but is not finished. */
void httpc_conn_close(httpc_conn *k);
/* Puts r on an idle or new connection and arms it. 0 or -errno. */
int httpc_req_attach(httpc_req *r);
/* Unlinks and frees r without callbacks. */
void httpc_req_free(httpc_req *r);
/* Runs on_done once, then frees r. */
void httpc_req_finish(httpc_req *r, int err);

#endif
