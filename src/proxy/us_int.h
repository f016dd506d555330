/*
 * us_int.h - the userspace proxy mode's parts (pxus_): us.c (the backend ops,
 * listeners and the nftables REDIRECT table), us_pick.c (endpoint choice and
 * ClientIP affinity), us_tcp.c (the splice relay) and us_udp.c (UDP flows).
 *
 * kube-proxy's original proxier: for every service port the proxy listens on a
 * port of its own choosing (0.0.0.0, ephemeral), and the table
 * `ip svcnet-userspace` REDIRECTs the service's addresses there. REDIRECT
 * rewrites the destination to the incoming interface's primary address
 * (127.0.0.1 for traffic the node makes itself), which a socket bound to
 * 0.0.0.0 accepts whatever it is. The proxy then connects to an endpoint
 * itself, so the endpoint sees the node's address: the client's is lost.
 *
 * A service port gets up to two listeners: "internal" for its cluster IP and
 * "external" for node port, external and LB IPs, because the two may use
 * different endpoints (iTP / eTP Local). Listener ports stay the same while
 * the service port lives, so an endpoint change touches no rule at all.
 */
#ifndef SVCNET_PROXY_US_INT_H
#define SVCNET_PROXY_US_INT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/dict.h"
#include "lib/ev.h"
#include "proxy/backend.h"
#include "proxy/model.h"

#define PXUS_TABLE  "svcnet-userspace"
#define PXUS_CANARY "canary"
/* How many endpoints a TCP connection tries before it gives up on a client. */
#define PXUS_MAX_TRIES 4
/* UDP flows over all listeners; more new clients are dropped (logged). */
#define PXUS_MAX_FLOWS 20000
/* Affinity entries per listener; past it the oldest-looking is overwritten. */
#define PXUS_MAX_AFFINITY 65536
/* fds kept free for the core (informers, nft, health checks). */
#define PXUS_FD_RESERVE 64

struct pxus_ep {
	struct sockaddr_in sa;
};

/* ClientIP affinity: client address -> endpoint, until idle for the timeout. */
struct pxus_aff {
	uint32_t client; /* network order */
	struct sockaddr_in ep;
	uint64_t last_ms;
	bool used;
};

struct pxus_lsn;
struct pxus_conn;

/* One UDP client of a listener: its own connected socket to an endpoint. */
struct pxus_flow {
	struct pxus_lsn *l;
	int fd;
	struct sockaddr_in client;
	struct in_addr local; /* the address the client sent to (after REDIRECT) */
	struct sockaddr_in ep;
	uint64_t last_ms;
	char key[24];
	struct pxus_flow *prev, *next; /* pxb's list of all flows */
};

struct pxus_lsn {
	pxb *b;
	int fd;
	enum pxm_proto proto;
	uint16_t port; /* the proxy port REDIRECT sends to */
	bool external;
	bool paused;   /* accept paused by the fd cap */
	bool dead;     /* its port went: fd closed, freed when refs drop to 0 */
	unsigned refs; /* the port, plus connections still connecting */
	char name[80];
	/* Endpoints new connections choose from; rr is the next one. */
	struct pxus_ep *eps;
	size_t n_eps, rr;
	bool affinity;
	uint32_t affinity_s;
	struct pxus_aff *aff; /* open addressing, PXUS_MAX_AFFINITY slots at most */
	size_t aff_cap, aff_n;
	/* eTP Local: traffic from the node itself or the cluster CIDR goes the
	 * Cluster way (kube-proxy's short-circuit): these endpoints then. */
	struct pxus_ep *cl_eps;
	size_t n_cl_eps, cl_rr;
	dict *flows; /* UDP: "a.b.c.d:port" -> pxus_flow */
};

/* A service port as this mode programmed it. */
struct pxus_port {
	const struct pxm_svcport *sp; /* ref held */
	struct pxus_lsn *in, *ex;
	char *elems; /* the nft element lines it added, '\n'-separated */
};

struct pxb {
	struct pxb_config cfg;
	ev_loop *loop;
	dict *ports; /* key -> pxus_port */
	bool fresh;  /* nothing programmed that we know of: the next sync must be full */
	unsigned udp_timeout_ms;
	/* fds this mode holds (sockets, pipes) and the cap from RLIMIT_NOFILE. */
	long fds, fd_cap;
	ev_timer *sweep; /* UDP idle flows, paused listeners */
	struct pxus_flow *flows;
	size_t n_flows;
	struct pxus_conn *conns; /* every TCP relay, connecting ones too */
	size_t n_conns;
	uint64_t last_cap_log_ms, last_flow_log_ms;
	unsigned char *ubuf; /* one datagram */
};

/* us_pick.c */
/* Replaces the listener's endpoints (affinity entries to endpoints that went
 * are forgotten). 0 or -ENOMEM (the old ones are kept then). */
int pxus_lsn_set_eps(struct pxus_lsn *l, const struct pxm_svcport *sp, int family);
/* The endpoints a new connection or flow from client tries, in order (the
 * first by round robin or affinity, then the ones after it): how many went
 * into out (0: none). local_src: the client is the node itself or a Pod (eTP
 * Local short-circuit: the Cluster endpoints then). */
size_t pxus_pick(struct pxus_lsn *l, const struct sockaddr_in *client, bool local_src,
                 uint64_t now_ms, struct sockaddr_in *out, size_t max);
/* A retry reached ep instead: the client's affinity follows it. */
void pxus_pick_moved(struct pxus_lsn *l, const struct sockaddr_in *client,
                     const struct sockaddr_in *ep, uint64_t now_ms);
bool pxus_lsn_has_ep(const struct pxus_lsn *l, const struct sockaddr_in *ep);
void pxus_lsn_free_eps(struct pxus_lsn *l);

/* us_tcp.c */
void pxus_tcp_accept(ev_loop *loop, int fd, void *data, int mask);
/* Closes every relay (the backend is going). */
void pxus_tcp_close_all(pxb *b);

/* us_udp.c */
void pxus_udp_read(ev_loop *loop, int fd, void *data, int mask);
/* Closes the listener's flows to endpoints it no longer has (all when
 * all is true). */
void pxus_udp_prune(struct pxus_lsn *l, bool all);
/* Closes flows idle for the timeout; every sweep. */
void pxus_udp_sweep(pxb *b, uint64_t now_ms);

/* us.c */
/* An fd opened / closed by the mode (for the cap). */
static inline void pxus_fd_add(pxb *b, long n)
{
	b->fds += n;
}
bool pxus_fd_room(pxb *b, long n);
/* Pauses accepting on l after EMFILE or the cap, for a moment. */
void pxus_lsn_pause(struct pxus_lsn *l);
void pxus_lsn_unref(struct pxus_lsn *l);
/* "a.b.c.d:port" */
void pxus_sa_str(const struct sockaddr_in *sa, char *out, size_t outlen);

#endif
