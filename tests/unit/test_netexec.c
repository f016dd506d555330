/* test_netexec.c - netexec's request -> answer mapping, UDP commands, peer text. */
#include "unit.h"

#include "netexec/netexec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>

static void netexec_test_state(struct netexec_state *st)
{
	memset(st, 0, sizeof(*st));
	snprintf(st->hostname, sizeof(st->hostname), "pod-a");
	st->health = 200;
}

/* Routes and leaves the body NUL-terminated in r->body for CHECK_STR. */
static int netexec_test_route(struct netexec_state *st, const char *path, const char *query,
                              struct netexec_reply *r)
{
	int rc = netexec_route(st, path, query, "10.42.0.7:51234", r);

	if (buf_cstr(&r->body) < 0)
		return -ENOMEM;
	return rc;
}

#define BODY(r) ((r).body.data ? (r).body.data + (r).body.off : "")

UNIT_TEST(netexec_route_basic)
{
	struct netexec_state st;
	struct netexec_reply r;

	netexec_test_state(&st);
	buf_init(&r.body);
	CHECK_INT(netexec_test_route(&st, "/hostname", NULL, &r), 0);
	CHECK_INT(r.status, 200);
	CHECK_STR(BODY(r), "pod-a");
	CHECK_INT(netexec_test_route(&st, "/hostName", "", &r), 0);
	CHECK_STR(BODY(r), "pod-a");
	CHECK_INT(netexec_test_route(&st, "/clientip", NULL, &r), 0);
	CHECK_STR(BODY(r), "10.42.0.7:51234");
	CHECK_INT(netexec_test_route(&st, "/healthz", NULL, &r), 0);
	CHECK_INT(r.status, 200);
	CHECK_STR(BODY(r), "ok");
	CHECK_INT(netexec_test_route(&st, "/", NULL, &r), 0);
	CHECK_INT(r.status, 200);
	CHECK(!strncmp(BODY(r), "NOW: ", 5));
	CHECK_INT(netexec_test_route(&st, "/nope", NULL, &r), 0);
	CHECK_INT(r.status, 404);
	/* Paths match exactly: no prefix, case or trailing-slash games. */
	CHECK_INT(netexec_test_route(&st, "/hostname/", NULL, &r), 0);
	CHECK_INT(r.status, 404);
	CHECK_INT(netexec_test_route(&st, "/HOSTNAME", NULL, &r), 0);
	CHECK_INT(r.status, 404);
	CHECK_INT(netexec_test_route(&st, "*", NULL, &r), 0);
	CHECK_INT(r.status, 404);
	CHECK_INT(netexec_test_route(&st, "", NULL, &r), 0);
	CHECK_INT(r.status, 404);
	CHECK_INT(st.exit_requested, 0);
	buf_free(&r.body);
}

UNIT_TEST(netexec_route_echo)
{
	struct netexec_state st;
	struct netexec_reply r;

	netexec_test_state(&st);
	buf_init(&r.body);
	CHECK_INT(netexec_test_route(&st, "/echo", "msg=hello%20world+x%2B&other=1", &r), 0);
	CHECK_INT(r.status, 200);
	CHECK_STR(BODY(r), "hello world x+");
	CHECK_INT(netexec_test_route(&st, "/echo", NULL, &r), 0);
	CHECK_INT(r.status, 200);
	CHECK_STR(BODY(r), "");
	CHECK_INT(netexec_test_route(&st, "/echo", "msg=a&msg=b", &r), 0);
	CHECK_STR(BODY(r), "a");
	CHECK_INT(netexec_test_route(&st, "/echo", "msg=gone&code=503", &r), 0);
	CHECK_INT(r.status, 503);
	CHECK_STR(BODY(r), "gone");
	CHECK_INT(netexec_test_route(&st, "/echo", "msg=x&code=", &r), 0);
	CHECK_INT(r.status, 200);
	CHECK_INT(netexec_test_route(&st, "/echo", "msg=x&code=99", &r), 0);
	CHECK_INT(r.status, 400);
	CHECK_INT(netexec_test_route(&st, "/echo", "msg=x&code=600", &r), 0);
	CHECK_INT(r.status, 400);
	CHECK_INT(netexec_test_route(&st, "/echo", "msg=x&code=2x", &r), 0);
	CHECK_INT(r.status, 400);
	CHECK_INT(netexec_test_route(&st, "/echo", "msg=x&code=99999999999999999999", &r), 0);
	CHECK_INT(r.status, 400);
	/* Malformed percent-encoding and %00 are refused, not echoed. */
	CHECK_INT(netexec_test_route(&st, "/echo", "msg=%zz", &r), 0);
	CHECK_INT(r.status, 400);
	CHECK_INT(netexec_test_route(&st, "/echo", "msg=a%00b", &r), 0);
	CHECK_INT(r.status, 400);
	CHECK_INT(netexec_test_route(&st, "/echo", "msg=%4", &r), 0);
	CHECK_INT(r.status, 400);
	buf_free(&r.body);
}

UNIT_TEST(netexec_route_health_and_exit)
{
	struct netexec_state st;
	struct netexec_reply r;

	netexec_test_state(&st);
	buf_init(&r.body);
	CHECK_INT(netexec_test_route(&st, "/sethealth", "status=500", &r), 0);
	CHECK_INT(r.status, 200);
	CHECK_INT(st.health, 500);
	CHECK_INT(netexec_test_route(&st, "/healthz", NULL, &r), 0);
	CHECK_INT(r.status, 500);
	CHECK_STR(BODY(r), "unhealthy");
	CHECK_INT(netexec_test_route(&st, "/sethealth", NULL, &r), 0);
	CHECK_INT(r.status, 400);
	CHECK_INT(netexec_test_route(&st, "/sethealth", "status=199", &r), 0);
	CHECK_INT(r.status, 400);
	CHECK_INT(netexec_test_route(&st, "/sethealth", "status=ok", &r), 0);
	CHECK_INT(r.status, 400);
	CHECK_INT(netexec_test_route(&st, "/sethealth", "status=-500", &r), 0);
	CHECK_INT(r.status, 400);
	CHECK_INT(st.health, 500); /* refused changes change nothing */
	CHECK_INT(netexec_test_route(&st, "/sethealth", "status=200", &r), 0);
	CHECK_INT(netexec_test_route(&st, "/healthz", NULL, &r), 0);
	CHECK_INT(r.status, 200);

	CHECK_INT(netexec_test_route(&st, "/exit", "code=256", &r), 0);
	CHECK_INT(r.status, 400);
	CHECK_INT(netexec_test_route(&st, "/exit", "code=-1", &r), 0);
	CHECK_INT(r.status, 400);
	CHECK_INT(netexec_test_route(&st, "/exit", "code=+3", &r), 0);
	CHECK_INT(r.status, 400);
	CHECK_INT(netexec_test_route(&st, "/exit", "code=%203", &r), 0);
	CHECK_INT(r.status, 400);
	CHECK_INT(st.exit_requested, 0);
	CHECK_INT(netexec_test_route(&st, "/exit", "code=255", &r), 0);
	CHECK_INT(r.status, 200);
	CHECK_INT(st.exit_requested, 1);
	CHECK_INT(st.exit_code, 255);
	CHECK_INT(netexec_test_route(&st, "/exit", "code=3", &r), 0);
	CHECK_INT(st.exit_code, 255); /* the first /exit decides */
	CHECK_STR(BODY(r), "exiting with code 255");
	netexec_test_state(&st);
	CHECK_INT(netexec_test_route(&st, "/exit", NULL, &r), 0);
	CHECK_INT(st.exit_requested, 1);
	CHECK_INT(st.exit_code, 0);
	buf_free(&r.body);
}

static int netexec_test_udp(const char *msg, size_t len, char *out, size_t outlen)
{
	struct netexec_state st;
	buf b = BUF_INIT;
	int r;

	netexec_test_state(&st);
	r = netexec_udp_reply(&st, msg, len, "[fd00::7]:4000", &b);
	snprintf(out, outlen, "%.*s", (int)buf_avail(&b), b.data ? buf_head(&b) : "");
	buf_free(&b);
	return r;
}

UNIT_TEST(netexec_udp_commands)
{
	char out[128];

	CHECK_INT(netexec_test_udp("hostname", 8, out, sizeof(out)), 1);
	CHECK_STR(out, "pod-a");
	CHECK_INT(netexec_test_udp("  HostName\r\n", 12, out, sizeof(out)), 1);
	CHECK_STR(out, "pod-a");
	CHECK_INT(netexec_test_udp("clientip", 8, out, sizeof(out)), 1);
	CHECK_STR(out, "[fd00::7]:4000");
	CHECK_INT(netexec_test_udp("echo Hello World\n", 17, out, sizeof(out)), 1);
	CHECK_STR(out, "Hello World");
	CHECK_INT(netexec_test_udp("ECHO  x", 7, out, sizeof(out)), 1);
	CHECK_STR(out, " x");
	CHECK_INT(netexec_test_udp("echo ", 5, out, sizeof(out)), 0); /* trimmed to "echo" */
	CHECK_INT(netexec_test_udp("echo", 4, out, sizeof(out)), 0);
	CHECK_INT(netexec_test_udp("echox", 5, out, sizeof(out)), 0);
	CHECK_INT(netexec_test_udp("hostnames", 9, out, sizeof(out)), 0);
	CHECK_INT(netexec_test_udp("", 0, out, sizeof(out)), 0);
	CHECK_INT(netexec_test_udp("   ", 3, out, sizeof(out)), 0);
	CHECK_INT(netexec_test_udp("host\0name", 9, out, sizeof(out)), 0);
	/* Bytes after a NUL are data, not a terminator. */
	CHECK_INT(netexec_test_udp("echo a\0b", 8, out, sizeof(out)), 1);
}

UNIT_TEST(netexec_peer_format)
{
	struct sockaddr_in v4 = {0};
	struct sockaddr_in6 v6 = {0};
	char out[64];

	v4.sin_family = AF_INET;
	v4.sin_port = htons(51234);
	inet_pton(AF_INET, "10.42.0.7", &v4.sin_addr);
	CHECK_INT(netexec_fmt_peer(&v4, out, sizeof(out)), 0);
	CHECK_STR(out, "10.42.0.7:51234");
	v6.sin6_family = AF_INET6;
	v6.sin6_port = htons(80);
	inet_pton(AF_INET6, "fd00:0:0::7", &v6.sin6_addr);
	CHECK_INT(netexec_fmt_peer(&v6, out, sizeof(out)), 0);
	CHECK_STR(out, "[fd00::7]:80");
	/* What a dual-stack socket reports for an IPv4 client. */
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &v6.sin6_addr);
	CHECK_INT(netexec_fmt_peer(&v6, out, sizeof(out)), 0);
	CHECK_STR(out, "127.0.0.1:80");
	v6.sin6_family = AF_UNIX;
	CHECK_INT(netexec_fmt_peer(&v6, out, sizeof(out)), -EINVAL);
	CHECK_STR(out, "?");
}

UNIT_TEST(netexec_state_pod_name)
{
	struct netexec_state st;
	const char *old = getenv("POD_NAME");
	char *saved = old ? strdup(old) : NULL;

	setenv("POD_NAME", "web-7f9c-abcde", 1);
	CHECK_INT(netexec_state_init(&st), 0);
	CHECK_STR(st.hostname, "web-7f9c-abcde");
	CHECK_INT(st.health, 200);
	CHECK_INT(st.exit_requested, 0);
	setenv("POD_NAME", "", 1);
	CHECK_INT(netexec_state_init(&st), 0);
	CHECK(st.hostname[0] != '\0'); /* the system hostname */
	if (saved)
		setenv("POD_NAME", saved, 1);
	else
		unsetenv("POD_NAME");
	free(saved);
}
