/*
 * client.c - the generator's HTTPS client: blocking keep-alive TLS
 * connections, one request in flight each, answers read with the project's
 * own response parser so what we time is what a Kubernetes client would see.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "apibench.h"

/* Lists of 10,000 Services are ~10 MB; leave room well past that. */
#define AB_MAX_BODY (512u << 20)

double ab_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int ab_read_file(const char *path, char *out, size_t outlen)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -errno;
	n = fread(out, 1, outlen - 1, f);
	fclose(f);
	out[n] = '\0';
	while (n && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' '))
		out[--n] = '\0';
	return n ? 0 : -EINVAL;
}

int ab_target_init(struct ab_target *t, const char *host, int port, const char *ca_file,
                   const char *token_file, pid_t pid, int io_timeout_ms)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->host, sizeof(t->host), "%s", host);
	t->port = port;
	t->pid = pid;
	t->io_timeout_ms = io_timeout_ms > 0 ? io_timeout_ms : 10000;
	if (token_file && ab_read_file(token_file, t->token, sizeof(t->token)) < 0) {
		fprintf(stderr, "apibench: cannot read token %s\n", token_file);
		return -EINVAL;
	}
	t->ctx = SSL_CTX_new(TLS_client_method());
	if (!t->ctx)
		return -ENOMEM;
	if (SSL_CTX_load_verify_locations(t->ctx, ca_file, NULL) != 1) {
		fprintf(stderr, "apibench: cannot load CA %s\n", ca_file);
		SSL_CTX_free(t->ctx);
		t->ctx = NULL;
		return -EINVAL;
	}
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
	return 0;
}

void ab_target_free(struct ab_target *t)
{
	if (t->ctx)
		SSL_CTX_free(t->ctx);
	t->ctx = NULL;
}

static int ab_tcp_connect(const struct ab_target *t)
{
	struct sockaddr_in sa = {0};
	struct timeval tv = {t->io_timeout_ms / 1000, (t->io_timeout_ms % 1000) * 1000};
	int fd, one = 1;

	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)t->port);
	if (inet_pton(AF_INET, t->host, &sa.sin_addr) != 1)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Blocking calls must not hang a phase forever if the server stalls. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

int ab_conn_open(const struct ab_target *t, struct ab_conn *c)
{
	int fd;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	fd = ab_tcp_connect(t);
	if (fd < 0)
		return fd;
	c->fd = fd;
	c->ssl = SSL_new(t->ctx);
	if (!c->ssl) {
		ab_conn_close(c);
		return -ENOMEM;
	}
	X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), t->host);
	SSL_set_fd(c->ssl, fd);
	if (SSL_connect(c->ssl) != 1) {
		unsigned long e = ERR_get_error();

		if (e)
			fprintf(stderr, "apibench: TLS handshake: %s\n", ERR_error_string(e, NULL));
		ERR_clear_error();
		ab_conn_close(c);
		return -ECONNREFUSED;
	}
	http_parser_init(&c->p, 0, AB_MAX_BODY);
	http_response_init(&c->resp);
	return 0;
}

void ab_conn_close(struct ab_conn *c)
{
	if (c->ssl) {
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	buf_free(&c->in);
	buf_free(&c->out);
	http_response_free(&c->resp);
}

int ab_conn_nonblock(struct ab_conn *c)
{
	int fl = fcntl(c->fd, F_GETFL);

	if (fl < 0 || fcntl(c->fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

static int ab_ssl_errno(SSL *ssl, int n)
{
	int e = SSL_get_error(ssl, n);

	ERR_clear_error();
	if (e == SSL_ERROR_ZERO_RETURN)
		return -ECONNRESET;
	if (e == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK))
		return -ETIMEDOUT;
	if (e == SSL_ERROR_SYSCALL && errno)
		return -errno;
	return -ECONNRESET;
}

int ab_send(const struct ab_target *t, struct ab_conn *c, const char *method, const char *path,
            const char *ctype, const char *body, size_t blen)
{
	size_t off = 0;

	buf_reset(&c->out);
	if (buf_printf(&c->out,
	               "%s %s HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: Bearer %s\r\n"
	               "Accept: application/json\r\nUser-Agent: svcnet-apibench\r\n",
	               method, path, t->host, t->port, t->token) < 0)
		return -ENOMEM;
	if (body && buf_printf(&c->out, "Content-Type: %s\r\nContent-Length: %zu\r\n",
	                       ctype ? ctype : "application/json", blen) < 0)
		return -ENOMEM;
	if (buf_puts(&c->out, "\r\n") < 0 || (body && buf_append(&c->out, body, blen) < 0))
		return -ENOMEM;
	while (off < c->out.len) {
		int n = SSL_write(c->ssl, c->out.data + off, (int)(c->out.len - off));

		if (n <= 0)
			return ab_ssl_errno(c->ssl, n);
		off += (size_t)n;
	}
	return 0;
}

int ab_request(const struct ab_target *t, struct ab_conn *c, const char *method, const char *path,
               const char *ctype, const char *body, size_t blen, double *t_sent)
{
	int rc;

	if (t_sent)
		*t_sent = ab_now();
	rc = ab_send(t, c, method, path, ctype, body, blen);
	if (rc < 0)
		return rc;
	for (;;) {
		int n;

		rc = http_parse_response(&c->p, &c->in, &c->resp);
		if (rc == HTTP_DONE)
			break;
		if (rc < 0)
			return -EPROTO;
		if (buf_reserve(&c->in, 64 * 1024) < 0)
			return -ENOMEM;
		n = SSL_read(c->ssl, c->in.data + c->in.len, (int)(c->in.cap - c->in.len));
		if (n <= 0)
			return ab_ssl_errno(c->ssl, n);
		c->in.len += (size_t)n;
	}
	return c->resp.status;
}

int ab_server_alive(pid_t pid)
{
	char path[64], st[512];
	FILE *f;
	char *p;
	size_t n;

	if (pid <= 0)
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(st, 1, sizeof(st) - 1, f);
	fclose(f);
	st[n] = '\0';
	/* "pid (comm) S ...": the comm may hold spaces, so look after the last ')'. */
	p = strrchr(st, ')');
	return !(p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'));
}

int ab_fail(const struct ab_target *t, const char *what, int rc)
{
	if (!ab_server_alive(t->pid))
		fprintf(stderr, "apibench: %s: the server (pid %d) died\n", what, (int)t->pid);
	else if (rc < 0)
		fprintf(stderr, "apibench: %s: %s\n", what, strerror(-rc));
	else if (rc == 0)
		fprintf(stderr, "apibench: %s failed\n", what);
	else
		fprintf(stderr, "apibench: %s: HTTP %d\n", what, rc);
	return 1;
}

static int ab_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double ab_quantile(double *v, size_t n, double q)
{
	size_t i;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), ab_cmp_double);
	i = (size_t)(q * (double)n + 0.999999);
	if (i < 1)
		i = 1;
	if (i > n)
		i = n;
	return v[i - 1];
}

int ab_proc_mem(pid_t pid, long *rss_kb, long *hwm_kb)
{
	char path[64], line[256];
	FILE *f;

	*rss_kb = *hwm_kb = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "VmRSS:", 6))
			*rss_kb = strtol(line + 6, NULL, 10);
		else if (!strncmp(line, "VmHWM:", 6))
			*hwm_kb = strtol(line + 6, NULL, 10);
	}
	fclose(f);
	return *rss_kb >= 0 ? 0 : -1;
}

void ab_usage_take(pid_t pid, struct ab_usage *u)
{
	char path[64];
	unsigned long long cpu = 0, wait = 0;
	struct rusage ru;
	FILE *f;

	u->srv_cpu_ms = u->srv_wait_ms = -1;
	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	f = pid > 0 ? fopen(path, "r") : NULL;
	if (f) {
		if (fscanf(f, "%llu %llu", &cpu, &wait) == 2) {
			u->srv_cpu_ms = (double)cpu / 1e6;
			u->srv_wait_ms = (double)wait / 1e6;
		}
		fclose(f);
	}
	getrusage(RUSAGE_SELF, &ru);
	u->cli_cpu_ms = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	                (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

void ab_usage_print(const struct ab_usage *a, const struct ab_usage *b, double n, const char *what,
                    const char *label)
{
	if (a->srv_cpu_ms >= 0 && b->srv_cpu_ms >= 0) {
		printf("server_cpu_ms_per_%s_%s %.3f\n", what, label,
		       (b->srv_cpu_ms - a->srv_cpu_ms) / n);
		printf("server_runq_ms_%s %.0f\n", label, b->srv_wait_ms - a->srv_wait_ms);
	}
	printf("client_cpu_ms_per_%s_%s %.3f\n", what, label, (b->cli_cpu_ms - a->cli_cpu_ms) / n);
}
