/*
 * probe_spec.c - reads a core/v1 Probe (timing, handler, named ports, hosts,
 * headers, command) and the container's target into a probe; see probe.h.
 * Everything is checked and copied here, so that later an attempt can fail
 * only on the network or the command, never on the spec.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent/probe_int.h"
#include "lib/buf.h"

/* The kubelet's User-Agent names its minor version; svcnet answers for 1.32. */
#define PROBE_USER_AGENT "kube-probe/1.32"

static int probe_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int probe_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* A member of a JSON object, with null taken as absent. */
static json_t *probe_get(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_null(v) ? NULL : v;
}

void probe_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static char **probe_strv_dup(char *const *v)
{
	size_t n = 0;
	char **d;

	while (v && v[n])
		n++;
	d = calloc(n + 1, sizeof(*d));
	for (size_t i = 0; d && i < n; i++) {
		d[i] = strdup(v[i]);
		if (!d[i]) {
			probe_strv_free(d);
			return NULL;
		}
	}
	return d;
}

static int probe_timing_from_spec(const json_t *spec, struct probe_timing *tm, char *err,
                                  size_t errlen)
{
	static const struct {
		const char *key;
		int def, scale;
		size_t off;
	} f[] = {
	    {"initialDelaySeconds", 0, 1000, offsetof(struct probe_timing, initial_delay_ms)},
	    {"periodSeconds", 10, 1000, offsetof(struct probe_timing, period_ms)},
	    {"timeoutSeconds", 1, 1000, offsetof(struct probe_timing, timeout_ms)},
	    {"successThreshold", 1, 1, offsetof(struct probe_timing, success_threshold)},
	    {"failureThreshold", 3, 1, offsetof(struct probe_timing, failure_threshold)},
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		json_t *v = probe_get(spec, f[i].key);
		json_int_t n = f[i].def;

		if (v && !json_is_integer(v))
			return probe_err(err, errlen, "%s: must be an integer", f[i].key);
		/* 0 is the API's "unset": defaulting turns it into the default. */
		if (v && json_integer_value(v) != 0)
			n = json_integer_value(v);
		if (n < 0 || n > INT_MAX / 1000)
			return probe_err(err, errlen, "%s: Invalid value: %lld: out of range",
			                 f[i].key, (long long)n);
		*(int *)((char *)tm + f[i].off) = (int)n * f[i].scale;
	}
	return 0;
}

/* Fields <= 0 take the kubelet's defaults. */
static void probe_timing_defaults(struct probe_timing *tm)
{
	if (tm->initial_delay_ms < 0)
		tm->initial_delay_ms = 0;
	if (tm->period_ms <= 0)
		tm->period_ms = 10000;
	if (tm->timeout_ms <= 0)
		tm->timeout_ms = 1000;
	if (tm->success_threshold <= 0)
		tm->success_threshold = 1;
	if (tm->failure_threshold <= 0)
		tm->failure_threshold = 3;
}

/* port: a number, or the name of one of the container's ports. */
static int probe_port(const json_t *h, const json_t *container, int *port, char *err, size_t errlen)
{
	json_t *v = probe_get(h, "port"), *cp;
	const char *name;
	json_int_t n = -1;
	size_t i;

	if (json_is_integer(v)) {
		n = json_integer_value(v);
	} else if (json_is_string(v) && json_string_length(v) > 0) {
		name = json_string_value(v);
		json_array_foreach (probe_get(container, "ports"), i, cp) {
			json_t *pn = json_object_get(cp, "name");

			if (json_is_string(pn) && strcmp(json_string_value(pn), name) == 0) {
				n = json_integer_value(json_object_get(cp, "containerPort"));
				break;
			}
		}
		if (n < 0) {
			const char *c = json_string_value(json_object_get(container, "name"));

			return probe_err(err, errlen, "couldn't find port: %s in container \"%s\"",
			                 name, c ? c : "");
		}
	} else {
		return probe_err(err, errlen, "port: Required value");
	}
	if (n < 1 || n > 65535)
		return probe_err(err, errlen, "invalid port number: %lld", (long long)n);
	*port = (int)n;
	return 0;
}

/* host: an IP address; the Pod's IP when empty. */
static int probe_addr(probe *p, const json_t *h, const struct probe_target *t, int port, char *err,
                      size_t errlen)
{
	const char *host = json_string_value(probe_get(h, "host"));
	char txt[NET_ADDR_STRLEN];
	net_addr a;

	if (!host || !*host)
		host = t->pod_ip;
	if (!host || !*host)
		return probe_err(err, errlen, "no host to probe: the Pod has no IP");
	if (net_addr_parse(host, &a) < 0 || net_addr_to_sockaddr(&a, port, &p->sa, &p->salen) < 0 ||
	    net_addr_fmt(&a, txt, sizeof(txt)) < 0)
		return probe_err(err, errlen,
		                 "host \"%s\": only IP addresses are supported (no DNS lookup)",
		                 host);
	snprintf(p->hostport, sizeof(p->hostport), a.family == AF_INET6 ? "[%s]:%d" : "%s:%d", txt,
	         port);
	return 0;
}

static int probe_tcp_setup(probe *p, const json_t *h, const struct probe_target *t, char *err,
                           size_t errlen)
{
	int port, rc = probe_port(h, t->container, &port, err, errlen);

	return rc < 0 ? rc : probe_addr(p, h, t, port, err, errlen);
}

static int probe_token(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f ||
		    strchr("()<>@,;:\\\"/[]?={}", *s))
			return 0;
	return 1;
}

/*
 * httpc writes its own Host, User-Agent and Accept. Until it can take the
 * probe's values instead, those are left out here rather than sent twice (a
 * second Host header is a 400 for Go's server and nginx).
 */
static int probe_header_put(buf *b, const char *name, const char *value)
{
	return buf_printf(b, "%s: %s\r\n", name, value);
}

/* The kubelet's headers: the probe's own, then User-Agent and Accept unless given. */
static int probe_http_headers(probe *p, const json_t *h, char *err, size_t errlen)
{
	json_t *list = probe_get(h, "httpHeaders"), *e;
	int ua = 0, accept = 0, rc = 0;
	buf b = BUF_INIT;
	size_t i;

	if (list && !json_is_array(list))
		return probe_err(err, errlen, "httpHeaders: must be a list");
	json_array_foreach (list, i, e) {
		const char *n = json_string_value(json_object_get(e, "name"));
		const char *v = json_string_value(json_object_get(e, "value"));

		if (!n || !probe_token(n)) {
			buf_free(&b);
			return probe_err(err, errlen, "httpHeaders[%zu].name: invalid header name",
			                 i);
		}
		if (!v)
			v = "";
		if (strpbrk(v, "\r\n")) {
			buf_free(&b);
			return probe_err(err, errlen, "httpHeaders[%zu].value: holds a line break",
			                 i);
		}
		ua |= !strcasecmp(n, "User-Agent");
		accept |= !strcasecmp(n, "Accept");
		rc |= probe_header_put(&b, n, v);
	}
	if (!ua)
		rc |= probe_header_put(&b, "User-Agent", PROBE_USER_AGENT);
	if (!accept)
		rc |= probe_header_put(&b, "Accept", "*/*");
	/* The kubelet's transport keeps no connection between probes. */
	rc |= buf_puts(&b, "Connection: close\r\n");
	if (rc < 0 || buf_cstr(&b) < 0) {
		buf_free(&b);
		return -ENOMEM;
	}
	p->headers = buf_steal(&b, NULL);
	return 0;
}

static int probe_http_setup(probe *p, const json_t *h, const struct probe_target *t, char *err,
                            size_t errlen)
{
	const char *scheme = json_string_value(probe_get(h, "scheme"));
	const char *path = json_string_value(probe_get(h, "path"));
	struct httpc_opts o = {0};
	char server[sizeof(p->hostport) + 16], e2[256];
	int port, tls, rc;

	/* The kubelet lower-cases the scheme. */
	if (!scheme || !*scheme || !strcasecmp(scheme, "HTTP"))
		tls = 0;
	else if (!strcasecmp(scheme, "HTTPS"))
		tls = 1;
	else
		return probe_err(err, errlen, "scheme \"%s\": must be HTTP or HTTPS", scheme);
	rc = probe_port(h, t->container, &port, err, errlen);
	if (rc == 0)
		rc = probe_addr(p, h, t, port, err, errlen);
	if (rc < 0)
		return rc;
	if (!path || !*path)
		path = "/";
	for (const char *c = path; *c; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f)
			return probe_err(err, errlen,
			                 "path \"%s\": holds a space or control character", path);
	snprintf(server, sizeof(server), "%s://%s", tls ? "https" : "http", p->hostport);
	if (asprintf(&p->path, "%s%s", path[0] == '/' ? "" : "/", path) < 0) {
		p->path = NULL;
		return -ENOMEM;
	}
	if (asprintf(&p->url, "%s%s", server, p->path) < 0) {
		p->url = NULL;
		return -ENOMEM;
	}
	rc = probe_http_headers(p, h, err, errlen);
	if (rc < 0)
		return rc;
	o.server = server;
	o.insecure = 1; /* as the kubelet: a probe checks liveness, not identity */
	o.max_idle = 1;
	e2[0] = 0;
	rc = httpc_new(p->loop, &o, &p->http, e2, sizeof(e2));
	if (rc < 0 && err && errlen)
		snprintf(err, errlen, "%s", e2[0] ? e2 : strerror(-rc));
	return rc;
}

/* The command in Go's %q: in double quotes, with quotes, backslashes and
 * control characters escaped. */
static int probe_quote(buf *b, const char *s)
{
	int rc = buf_puts(b, "\"");

	for (; *s && rc == 0; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			rc = buf_printf(b, "\\%c", c);
		else if (c == '\n')
			rc = buf_puts(b, "\\n");
		else if (c == '\t')
			rc = buf_puts(b, "\\t");
		else if (c < 0x20 || c == 0x7f)
			rc = buf_printf(b, "\\x%02x", c);
		else
			rc = buf_append(b, s, 1);
	}
	return rc < 0 ? rc : buf_puts(b, "\"");
}

static int probe_exec_setup(probe *p, const json_t *h, const struct probe_target *t, char *err,
                            size_t errlen)
{
	json_t *cmd = probe_get(h, "command"), *v;
	buf line = BUF_INIT, q = BUF_INIT;
	size_t n = json_array_size(cmd), i;
	int rc = 0;

	if (!p->runner)
		return probe_err(err, errlen, "exec probes need a process runner");
	if (!json_is_array(cmd) || n == 0)
		return probe_err(err, errlen, "exec.command: Required value");
	p->argv = calloc(n + 1, sizeof(*p->argv));
	if (!p->argv)
		return -ENOMEM;
	json_array_foreach (cmd, i, v) {
		if (!json_is_string(v)) {
			rc = probe_err(err, errlen, "exec.command[%zu]: must be a string", i);
			break;
		}
		p->argv[i] = strdup(json_string_value(v));
		if (!p->argv[i] || buf_printf(&line, "%s%s", i ? " " : "", p->argv[i]) < 0) {
			rc = -ENOMEM;
			break;
		}
	}
	if (rc == 0 && (buf_cstr(&line) < 0 || probe_quote(&q, line.data) < 0 || buf_cstr(&q) < 0))
		rc = -ENOMEM;
	if (rc < 0) {
		buf_free(&line);
		buf_free(&q);
		return rc;
	}
	p->cmdline = buf_steal(&line, NULL);
	p->cmdq = buf_steal(&q, NULL);
	p->envp = probe_strv_dup(t->envp);
	if (!p->envp)
		return -ENOMEM;
	v = probe_get(t->container, "workingDir");
	if ((json_string_value(v) && !(p->dir = strdup(json_string_value(v)))) ||
	    (t->netns_path && !(p->netns = strdup(t->netns_path))) ||
	    (t->uts_path && !(p->uts = strdup(t->uts_path))))
		return -ENOMEM;
	if (t->nbinds < 0 || (t->nbinds > 0 && !t->binds))
		return probe_err(err, errlen, "bad bind list");
	if (t->nbinds > 0) {
		p->binds = calloc((size_t)t->nbinds, sizeof(*p->binds));
		if (!p->binds)
			return -ENOMEM;
		for (; p->nbinds < t->nbinds; p->nbinds++) {
			const struct podfs_bind *b = &t->binds[p->nbinds];

			p->binds[p->nbinds].src = b->src ? strdup(b->src) : NULL;
			p->binds[p->nbinds].dst = b->dst ? strdup(b->dst) : NULL;
			if (!p->binds[p->nbinds].src || !p->binds[p->nbinds].dst) {
				p->nbinds++; /* so that probe_free frees what was copied */
				return b->src && b->dst ? -ENOMEM
				                        : probe_err(err, errlen, "bad bind list");
			}
		}
	}
	return 0;
}

int probe_new_timing(ev_loop *l, runner *r, enum probe_kind kind, const json_t *spec,
                     const struct probe_target *t, const struct probe_timing *tm,
                     probe_result_fn *cb, void *data, probe **out, char *err, size_t errlen)
{
	/* The same order as enum probe_handler. */
	static const char *const handlers[] = {"exec", "httpGet", "tcpSocket"};
	const json_t *h = NULL;
	int nh = 0, hi = 0, rc = 0;
	probe *p;

	if (err && errlen)
		err[0] = 0;
	if (out)
		*out = NULL;
	if (!l || !t || !out || !json_is_object(spec) || kind < PROBE_READINESS ||
	    kind > PROBE_STARTUP)
		return probe_err(err, errlen, "invalid arguments");
	if (probe_get(spec, "grpc"))
		return probe_err(err, errlen, "grpc probes are not supported by svcnet");
	for (int i = 0; i < 3; i++) {
		const json_t *v = probe_get(spec, handlers[i]);

		if (!v)
			continue;
		if (!json_is_object(v))
			return probe_err(err, errlen, "%s: must be an object", handlers[i]);
		if (nh++ == 0) {
			h = v;
			hi = i;
		}
	}
	if (nh == 0)
		return probe_err(err, errlen, "probe has no handler: must specify a handler type");
	if (nh > 1)
		return probe_err(err, errlen, "may not specify more than 1 handler type");
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->loop = l;
	p->runner = r;
	p->kind = kind;
	p->handler = (enum probe_handler)hi;
	p->cb = cb;
	p->data = data;
	p->fd = -1;
	p->last = -1;
	/* Not ready and not started until a success; alive until proven dead. */
	p->result = p->told = kind == PROBE_LIVENESS;
	if (tm)
		p->tm = *tm;
	else
		rc = probe_timing_from_spec(spec, &p->tm, err, errlen);
	probe_timing_defaults(&p->tm);
	if (rc == 0)
		rc = p->handler == PROBE_EXEC   ? probe_exec_setup(p, h, t, err, errlen)
		     : p->handler == PROBE_HTTP ? probe_http_setup(p, h, t, err, errlen)
		                                : probe_tcp_setup(p, h, t, err, errlen);
	if (rc == 0)
		rc = probe_schedule(p);
	if (rc < 0) {
		if (rc == -ENOMEM && err && errlen && !err[0])
			snprintf(err, errlen, "%s", strerror(ENOMEM));
		probe_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

int probe_new(ev_loop *l, runner *r, enum probe_kind kind, const json_t *spec,
              const struct probe_target *t, probe_result_fn *cb, void *data, probe **out, char *err,
              size_t errlen)
{
	return probe_new_timing(l, r, kind, spec, t, NULL, cb, data, out, err, errlen);
}
