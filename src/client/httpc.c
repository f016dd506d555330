/*
 * httpc.c - the HTTP/1.1 client: endpoint and credentials, requests,
 * deadlines, cancellation (connection I/O is in httpc_conn.c).
 *
 * Nothing reaches a callback from inside httpc_request(): even an immediate
 * connect failure is reported from the loop (the request's deadline timer
 * is reset to fire at once), so callers never see their request finish
 * before they hold its handle.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "client/httpc_int.h"
#include "lib/log.h"
#include "lib/net.h"
#include "lib/tls.h"
#include "server/kubeconfig.h"
#include "server/pki.h"

#define HTTPC_DEFAULT_TIMEOUT_MS 30000
#define HTTPC_DEFAULT_MAX_BODY   ((size_t)64 << 20)
#define HTTPC_DEFAULT_MAX_IDLE   4

/* --- URL ------------------------------------------------------------------ */

int httpc_parse_url(const char *url, int *tls, char *host, size_t hostlen, int *port, char *path,
                    size_t pathlen)
{
	const char *p, *h, *he;
	size_t n;

	if (!url)
		return -EINVAL;
	if (!strncasecmp(url, "https://", 8)) {
		*tls = 1;
		p = url + 8;
	} else if (!strncasecmp(url, "http://", 7)) {
		*tls = 0;
		p = url + 7;
	} else {
		return -EINVAL;
	}
	if (*p == '[') {
		h = p + 1;
		he = strchr(h, ']');
		if (!he)
			return -EINVAL;
		p = he + 1;
	} else {
		h = p;
		he = p + strcspn(p, ":/");
		p = he;
	}
	n = (size_t)(he - h);
	if (n == 0 || n >= hostlen)
		return -EINVAL;
	memcpy(host, h, n);
	host[n] = 0;
	if (h[-1] == '[' ? net_str_family(host) != AF_INET6
	                 : net_str_family(host) != AF_INET && strcasecmp(host, "localhost") != 0)
		return -EINVAL;
	*port = *tls ? 443 : 80;
	if (*p == ':') {
		long v = 0;

		p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		while (*p >= '0' && *p <= '9') {
			v = v * 10 + (*p++ - '0');
			if (v > 65535)
				return -EINVAL;
		}
		if (v == 0)
			return -EINVAL;
		*port = (int)v;
	}
	if (*p && *p != '/')
		return -EINVAL;
	n = strlen(p);
	while (n > 0 && p[n - 1] == '/')
		n--;
	if (n >= pathlen)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] <= 0x20 || p[i] == 0x7f || p[i] == '?' || p[i] == '#')
			return -EINVAL;
	memcpy(path, p, n);
	path[n] = 0;
	return 0;
}

/* --- client --------------------------------------------------------------- */

int httpc_new(ev_loop *l, const struct httpc_opts *o, httpc **out, char *err, size_t errlen)
{
	httpc *c;
	net_addr a;
	int tls, port;

	*out = NULL;
	if (err && errlen)
		err[0] = 0;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->loop = l;
	c->max_idle = o->max_idle > 0 ? o->max_idle : HTTPC_DEFAULT_MAX_IDLE;
	if (httpc_parse_url(o->server, &tls, c->host, sizeof(c->host), &port, c->base,
	                    sizeof(c->base)) < 0) {
		if (err)
			snprintf(err, errlen,
			         "unsupported server URL \"%s\" (want https://IP:PORT)",
			         o->server ? o->server : "");
		free(c);
		return -EINVAL;
	}
	if (net_addr_parse(strcasecmp(c->host, "localhost") ? c->host : "127.0.0.1", &a) < 0 ||
	    net_addr_to_sockaddr(&a, port, &c->sa, &c->salen) < 0) {
		free(c);
		return -EINVAL;
	}
	snprintf(c->hostport, sizeof(c->hostport), a.family == AF_INET6 ? "[%s]:%d" : "%s:%d",
	         c->host, port);
	snprintf(c->sni, sizeof(c->sni), "%s",
	         o->tls_server_name && o->tls_server_name[0] ? o->tls_server_name : c->host);
	if (o->token && o->token[0]) {
		buf b = BUF_INIT;

		if (strpbrk(o->token, "\r\n")) {
			if (err)
				snprintf(err, errlen, "token holds a line break");
			free(c);
			return -EINVAL;
		}
		if (buf_printf(&b, "Authorization: Bearer %s\r\n", o->token) < 0 ||
		    buf_cstr(&b) < 0) {
			buf_free(&b);
			free(c);
			return -ENOMEM;
		}
		c->auth = buf_steal(&b, NULL);
	}
	if (tls) {
		c->ssl = pki_client_ctx(o->ca_pem, !o->insecure);
		if (!c->ssl ||
		    (o->client_cert_pem && o->client_key_pem &&
		     pki_client_ctx_use_cert(c->ssl, o->client_cert_pem, o->client_key_pem) < 0)) {
			if (err)
				snprintf(err, errlen,
				         "cannot set up TLS (CA or client key unusable)");
			httpc_free(c);
			return -EPROTO;
		}
	}
	*out = c;
	return 0;
}

int httpc_new_kubeconfig(ev_loop *l, const char *path, httpc **out, char *err, size_t errlen)
{
	struct kubeconfig kc;
	struct httpc_opts o = {0};
	int r;

	*out = NULL;
	r = kubeconfig_load(path, &kc);
	if (r < 0) {
		if (err)
			snprintf(err, errlen, "%s: %s", path, kc.error);
		kubeconfig_free(&kc);
		return r;
	}
	o.server = kc.server;
	o.ca_pem = kc.ca_pem;
	o.insecure = kc.insecure;
	o.tls_server_name = kc.tls_server_name;
	o.token = kc.token;
	o.client_cert_pem = kc.client_cert_pem;
	o.client_key_pem = kc.client_key_pem;
	r = httpc_new(l, &o, out, err, errlen);
	if (r == 0 && kc.namespace) {
		(*out)->ns = strdup(kc.namespace);
		if (!(*out)->ns) {
			httpc_free(*out);
			*out = NULL;
			r = -ENOMEM;
		}
	}
	kubeconfig_free(&kc);
	return r;
}

const char *httpc_namespace(const httpc *c)
{
	return c->ns;
}

const char *httpc_endpoint(const httpc *c)
{
	return c->hostport;
}

int httpc_conn_count(const httpc *c)
{
	return c->nconns;
}

static long long req_timeout(ev_loop *l, ev_timer *t, void *data)
{
	httpc_req *r = data;
	int err = r->pending_err ? r->pending_err : -ETIMEDOUT;

	r->timer = NULL;
	if (r->conn)
		httpc_conn_close(r->conn);
	if (err == -ETIMEDOUT)
		log_debug("httpc", "%s: request timed out", r->cl->hostport);
	httpc_req_finish(r, err);
	return EV_TIMER_STOP;
}

static int valid_token(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= 16)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 'A' || s[i] > 'Z')
			return 0;
	return 1;
}

static int valid_target(const char *s)
{
	if (s[0] != '/')
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int req_build(httpc_req *r)
{
	httpc *c = r->cl;
	const struct httpc_req_opts *o = &r->o;
	buf *b = &r->msg;
	int need_len = o->body || !strcmp(o->method, "POST") || !strcmp(o->method, "PUT") ||
	               !strcmp(o->method, "PATCH");

	if (o->own_headers) {
		/* The caller speaks for itself (kubelet-style probes): only a Host
		 * of ours, and only when it sent none. */
		int has_host = o->extra_headers && (!strncasecmp(o->extra_headers, "Host:", 5) ||
		                                    strcasestr(o->extra_headers, "\r\nHost:"));

		if (buf_printf(b, "%s %s%s HTTP/1.1\r\n", o->method, c->base, o->path) < 0 ||
		    (!has_host && buf_printf(b, "Host: %s\r\n", c->hostport) < 0))
			return -ENOMEM;
	} else if (buf_printf(b,
	                      "%s %s%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: svcnet/0.1\r\n"
	                      "Accept: application/json\r\n",
	                      o->method, c->base, o->path, c->hostport) < 0) {
		return -ENOMEM;
	}
	if ((c->auth && buf_puts(b, c->auth) < 0) ||
	    (o->extra_headers && buf_puts(b, o->extra_headers) < 0))
		return -ENOMEM;
	if (o->body && buf_printf(b, "Content-Type: %s\r\n",
	                          o->content_type ? o->content_type : "application/json") < 0)
		return -ENOMEM;
	if (need_len && buf_printf(b, "Content-Length: %zu\r\n", o->body ? o->body_len : 0) < 0)
		return -ENOMEM;
	if (buf_puts(b, "\r\n") < 0 || (o->body && buf_append(b, o->body, o->body_len) < 0))
		return -ENOMEM;
	return 0;
}

int httpc_request(httpc *c, const struct httpc_req_opts *o, httpc_req **out)
{
	httpc_req *r;
	int rc;

	if (out)
		*out = NULL;
	if (!o->method || !valid_token(o->method) || !o->path || !valid_target(o->path) ||
	    (o->extra_headers && strstr(o->extra_headers, "\r\n\r\n")))
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->cl = c;
	r->o = *o;
	if (!r->o.timeout_ms)
		r->o.timeout_ms = HTTPC_DEFAULT_TIMEOUT_MS;
	if (!r->o.max_body)
		r->o.max_body = HTTPC_DEFAULT_MAX_BODY;
	r->idempotent = !strcmp(o->method, "GET") || !strcmp(o->method, "HEAD") ||
	                !strcmp(o->method, "PUT") || !strcmp(o->method, "DELETE") ||
	                !strcmp(o->method, "OPTIONS");
	r->is_head = !strcmp(o->method, "HEAD");
	http_response_init(&r->resp);
	if (req_build(r) < 0) {
		buf_free(&r->msg);
		free(r);
		return -ENOMEM;
	}
	/* The strings in o are the caller's; only the message copy is kept. */
	r->o.method = NULL;
	r->o.path = NULL;
	r->o.body = NULL;
	r->o.extra_headers = NULL;
	r->o.content_type = NULL;
	r->timer = ev_timer_add(c->loop, r->o.timeout_ms, req_timeout, r);
	if (!r->timer) {
		buf_free(&r->msg);
		free(r);
		return -ENOMEM;
	}
	r->next = c->reqs;
	if (c->reqs)
		c->reqs->prev = r;
	c->reqs = r;
	rc = httpc_req_attach(r);
	if (rc < 0) {
		r->pending_err = rc;
		ev_timer_reset(c->loop, r->timer, 0);
	}
	if (out)
		*out = r;
	return 0;
}

void httpc_cancel(httpc_req *r)
{
	if (!r)
		return;
	if (r->in_cb) {
		r->cancelled = 1;
		return;
	}
	if (r->conn)
		httpc_conn_close(r->conn);
	httpc_req_free(r);
}

void httpc_free(httpc *c)
{
	if (!c)
		return;
	while (c->reqs) {
		httpc_req *r = c->reqs;

		if (r->conn)
			httpc_conn_close(r->conn);
		httpc_req_free(r);
	}
	while (c->conns)
		httpc_conn_close(c->conns);
	if (c->ssl)
		SSL_CTX_free(c->ssl);
	if (c->auth) {
		memset(c->auth, 0, strlen(c->auth));
		free(c->auth);
	}
	free(c->ns);
	free(c);
}
