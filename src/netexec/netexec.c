/* netexec.c - netexec's request -> answer mapping for HTTP and UDP (no I/O). */
#include "netexec/netexec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "lib/net.h"
#include "lib/url.h"

int netexec_state_init(struct netexec_state *st)
{
	const char *env = getenv("POD_NAME");

	memset(st, 0, sizeof(*st));
	st->health = 200;
	if (env && env[0]) {
		snprintf(st->hostname, sizeof(st->hostname), "%s", env);
		return 0;
	}
	if (gethostname(st->hostname, sizeof(st->hostname) - 1) < 0) {
		snprintf(st->hostname, sizeof(st->hostname), "localhost");
		return -errno;
	}
	st->hostname[sizeof(st->hostname) - 1] = '\0';
	return 0;
}

int netexec_fmt_peer(const void *sockaddr, char *out, size_t outlen)
{
	return net_sockaddr_fmt(sockaddr, out, outlen);
}

/* Parses all of s as a decimal integer in [lo, hi]. */
static int netexec_parse_int(const char *s, long lo, long hi, int *out)
{
	char *end;
	long v;

	if (!s || !s[0] || s[0] == ' ' || s[0] == '+')
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

static int netexec_set(struct netexec_reply *out, int status, const char *body)
{
	out->status = status;
	buf_reset(&out->body);
	return buf_puts(&out->body, body);
}

static int netexec_now(buf *b)
{
	struct timespec ts;
	struct tm tm;
	char s[64];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	return buf_printf(b, "NOW: %s.%09ldZ", s, (long)ts.tv_nsec);
}

int netexec_route(struct netexec_state *st, const char *path, const char *query, const char *peer,
                  struct netexec_reply *out)
{
	url_param *p = NULL;
	size_t np = 0;
	const char *v;
	int r, n = 0;

	out->status = 200;
	buf_reset(&out->body);
	r = url_parse_query(query, &p, &np);
	if (r == -ENOMEM) {
		out->status = 500;
		return -ENOMEM;
	}
	if (r < 0) {
		r = netexec_set(out, 400, "malformed query string\n");
		goto out;
	}
	if (!strcmp(path, "/hostname") || !strcmp(path, "/hostName")) {
		r = netexec_set(out, 200, st->hostname);
	} else if (!strcmp(path, "/clientip")) {
		r = netexec_set(out, 200, peer);
	} else if (!strcmp(path, "/echo")) {
		v = url_param_get(p, np, "code");
		if (v && v[0] && netexec_parse_int(v, 200, 599, &n) < 0) {
			r = netexec_set(out, 400, "argument 'code' must be an integer 200-599\n");
			goto out;
		}
		r = netexec_set(out, v && v[0] ? n : 200, "");
		v = url_param_get(p, np, "msg");
		if (v && r == 0)
			r = buf_puts(&out->body, v);
	} else if (!strcmp(path, "/healthz")) {
		r = netexec_set(out, st->health, st->health < 300 ? "ok" : "unhealthy");
	} else if (!strcmp(path, "/sethealth")) {
		v = url_param_get(p, np, "status");
		if (netexec_parse_int(v, 200, 599, &n) < 0) {
			r = netexec_set(out, 400, "argument 'status' must be an integer 200-599\n");
			goto out;
		}
		st->health = n;
		r = netexec_set(out, 200, "");
		if (r == 0)
			r = buf_printf(&out->body, "healthz now answers %d", n);
	} else if (!strcmp(path, "/exit")) {
		v = url_param_get(p, np, "code");
		n = 0;
		if (v && v[0] && netexec_parse_int(v, 0, 255, &n) < 0) {
			r = netexec_set(out, 400, "argument 'code' must be an integer 0-255\n");
			goto out;
		}
		/* The first /exit decides; a racing second one just hears the code. */
		if (!st->exit_requested) {
			st->exit_requested = 1;
			st->exit_code = n;
		}
		r = netexec_set(out, 200, "");
		if (r == 0)
			r = buf_printf(&out->body, "exiting with code %d", st->exit_code);
	} else if (!strcmp(path, "/")) {
		r = netexec_set(out, 200, "");
		if (r == 0)
			r = netexec_now(&out->body);
	} else {
		r = netexec_set(out, 404, "404 page not found\n");
	}
out:
	url_params_free(p, np);
	if (r < 0) {
		/* A partial body must not go out under a 200. */
		out->status = 500;
		buf_reset(&out->body);
		return -ENOMEM;
	}
	return 0;
}

int netexec_udp_reply(const struct netexec_state *st, const char *msg, size_t len, const char *peer,
                      buf *out)
{
	static const char ws[] = " \t\r\n\v\f";

	while (len && strchr(ws, msg[0]) && msg[0])
		msg++, len--;
	while (len && strchr(ws, msg[len - 1]) && msg[len - 1])
		len--;
	if (len == 8 && !strncasecmp(msg, "hostname", 8))
		return buf_puts(out, st->hostname) < 0 ? -ENOMEM : 1;
	if (len == 8 && !strncasecmp(msg, "clientip", 8))
		return buf_puts(out, peer) < 0 ? -ENOMEM : 1;
	/* agnhost splits at the first space after "echo"; "echo" alone (trimmed
	 * of its space) is no command there either. */
	if (len >= 5 && !strncasecmp(msg, "echo ", 5))
		return buf_append(out, msg + 5, len - 5) < 0 ? -ENOMEM : 1;
	return 0;
}
