/*
 * netexec.h - a small HTTP and UDP test server for Pods, after Kubernetes'
 * agnhost netexec.
 *
 * HTTP (any method; HEAD answers without a body; responses text/plain):
 *   /hostname, /hostName   the Pod name (POD_NAME, else the system hostname)
 *   /clientip              the peer as the server sees it: "10.42.0.7:51234",
 *                          "[fd00::7]:51234" (IPv4-mapped peers are unmapped)
 *   /echo?msg=X[&code=N]   X percent-decoded, with status N (200-599) if given
 *                          (204 and 304 go out without a body)
 *   /healthz               the current health status (200 "ok" at start)
 *   /sethealth?status=N    makes /healthz answer N (200-599) from now on;
 *                          not in agnhost, for readiness-probe tests
 *   /exit?code=N           answers, then the process exits with N (0-255,
 *                          default 0)
 *   /                      "NOW: <time>", as agnhost
 *   anything else          404
 *
 * UDP: a datagram "hostname", "clientip" or "echo X" (command word case-
 * insensitive, surrounding whitespace ignored) is answered with the same as
 * HTTP would; anything else gets no answer, as in agnhost.
 *
 * The routing and UDP logic below does no I/O, so it is unit-testable; the
 * server (netexec_server.c) owns sockets, the event loop and signals.
 */
#ifndef SVCNET_NETEXEC_H
#define SVCNET_NETEXEC_H

#include <stddef.h>

#include "lib/buf.h"

#define NETEXEC_MAX_HEAD     8192        /* request line + headers; 431 beyond */
#define NETEXEC_MAX_BODY     (64 * 1024) /* request body; 413 beyond */
#define NETEXEC_HOSTNAME_MAX 256

/* What the handlers read and change. */
struct netexec_state {
	char hostname[NETEXEC_HOSTNAME_MAX];
	int health;         /* status /healthz answers */
	int exit_requested; /* set by /exit: the server exits once the answer is out */
	int exit_code;
};

/* A routed request's answer. body must be initialised (buf_init) by the caller. */
struct netexec_reply {
	int status;
	buf body;
};

/* Fills hostname from POD_NAME when set and non-empty, else gethostname();
 * health 200, no exit pending. Returns 0 or -errno from gethostname. */
int netexec_state_init(struct netexec_state *st);

/*
 * Maps one request to its answer, applying /sethealth and /exit to st.
 * path and query are raw (query without '?', NULL when absent); peer is the
 * text /clientip returns. Always fills out->status and its body (a message
 * ending in "\n" for errors); returns 0, or -ENOMEM when the body could not be
 * built (the caller then answers 500).
 */
int netexec_route(struct netexec_state *st, const char *path, const char *query, const char *peer,
                  struct netexec_reply *out);

/*
 * Answer to one UDP datagram msg[0..len) from peer: appends it to out and
 * returns 1, returns 0 when the datagram gets no answer, -ENOMEM.
 */
int netexec_udp_reply(const struct netexec_state *st, const char *msg, size_t len, const char *peer,
                      buf *out);

/* "ip:port" or "[ip6]:port" of a socket address, IPv4-mapped addresses
 * unmapped. Returns 0, or -EINVAL for an unknown family (out is then "?"). */
int netexec_fmt_peer(const void *sockaddr, char *out, size_t outlen);

struct netexec_config {
	const char *listen_address; /* NULL: all addresses, dual-stack when possible */
	int http_port;              /* 0 picks a free one (logged) */
	int udp_port;               /* <= 0 disables UDP */
	double delay_shutdown_s;    /* keep serving this long after SIGTERM */
	int verbose;                /* one log line per request */
};

/*
 * Runs the server in the foreground until SIGTERM/SIGINT (after the delay;
 * a second signal ends it at once) or /exit. Returns the process exit code:
 * 0 after a signal, the /exit code, 1 when it could not start. Leaves SIGTERM
 * and SIGINT blocked (it is meant to be the process' last act).
 */
int netexec_run(const struct netexec_config *cfg);

#endif
