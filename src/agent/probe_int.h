/*
 * probe_int.h - the probe's internals, shared by probe.c (attempts, results,
 * scheduling) and probe_spec.c (reading a core/v1 Probe into a probe).
 */
#ifndef SVCNET_PROBE_INT_H
#define SVCNET_PROBE_INT_H

#include <sys/socket.h>

#include "agent/probe.h"
#include "client/httpc.h"
#include "lib/net.h"

#define PROBE_MSG_LEN 512

enum probe_handler { PROBE_EXEC, PROBE_HTTP, PROBE_TCP };

struct probe {
	ev_loop *loop;
	runner *runner;
	enum probe_kind kind;
	enum probe_handler handler;
	struct probe_timing tm;
	probe_result_fn *cb;
	void *data;

	int result;   /* current result */
	int told;     /* the result the callback last heard of (the initial one at first) */
	int last;     /* outcome of the last attempt, -1 before the first */
	int run;      /* consecutive attempts with that outcome */
	int attempts; /* finished */
	int verdicts; /* times a threshold was reached */
	int busy;     /* an attempt is in flight */
	int due;      /* a tick came while busy: start again when it ends */
	int held;     /* no more attempts (liveness/startup after their verdict) */
	ev_timer *tick, *deadline, *report;
	char msg[PROBE_MSG_LEN];      /* why the last attempt ended so */
	char told_msg[PROBE_MSG_LEN]; /* of the attempt that last changed the result */

	/* tcpSocket and httpGet */
	struct sockaddr_storage sa;
	socklen_t salen;
	char hostport[NET_ADDR_STRLEN + 8]; /* "10.42.1.5:8080", "[fd00::5]:8080" */
	int fd;
	httpc *http;
	httpc_req *req;
	char *url; /* "http://10.42.1.5:8080/healthz", for messages */
	char *path;
	char *headers;

	/* exec */
	char **argv, **envp;
	char *cmdline; /* the command joined by spaces, for messages */
	char *cmdq;    /* the same quoted as Go's %q, which the kubelet uses for timeouts */
	char *dir, *netns, *uts;
	struct podfs_bind *binds;
	int nbinds;
	runner_proc *proc;
};

/* Arms the first attempt, initial_delay_ms from now. 0 or -ENOMEM. */
int probe_schedule(probe *p);
void probe_strv_free(char **v);

#endif
