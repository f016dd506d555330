/*
 * sandbox.h - `svcnet up`, `svcnet down`, `svcnet exec`: a cluster of network
 * namespaces on one machine.
 *
 * The root namespace gets one bridge, svcnet0 (198.18.0.1/24), and one veth
 * per node enslaved to it (svn-node-<i>); nothing else: no routes besides the
 * bridge's own subnet, no forwarding, no nft. Node i is the network namespace
 * pinned at /run/netns/svcnet-node-<i>, whose eth0 (198.18.0.<10+i>/24) is the
 * peer of svn-node-<i>; it has no default route, so nothing can leave the
 * machine. The API server runs in the root namespace on 198.18.0.1:6443, each
 * node's agent inside its namespace. Once the nodes are Ready, `up` adds the
 * cluster DNS through the API (sandbox_dns.c): the Service kube-system/kube-dns
 * at 10.43.0.10, where every Pod's resolv.conf points, and a `svcnet dns` Pod
 * on each node; they are ordinary Pods, so `down` stops them with the others.
 *
 * Data dir layout (default /var/lib/svcnet/sandbox):
 *   server/             the server's --data-dir
 *   kubeconfig          admin kubeconfig for https://198.18.0.1:6443
 *   nodes/<node>/       the agent's --state-dir (pins/, pods/<uid>/meta.json)
 *   logs/server.log, logs/<node>.log
 *   sandbox.json        what `up` made, for `down` (which also works without it)
 *
 * The entry points return a process exit status.
 */
#ifndef SVCNET_SANDBOX_H
#define SVCNET_SANDBOX_H

#define SANDBOX_DEFAULT_DIR   "/var/lib/svcnet/sandbox"
#define SANDBOX_MAX_NODES     200
#define SANDBOX_MAX_UPSTREAMS 4

struct sandbox_up_opts {
	const char *data_dir;   /* NULL: SANDBOX_DEFAULT_DIR */
	int nodes;              /* 0..SANDBOX_MAX_NODES; 0 = server and fabric only */
	const char *proxy_mode; /* passed to every agent */
	int detach;             /* exit once Ready instead of supervising */
	int timeout_s;          /* for the server and the nodes to be Ready; 0 = 60 */
	int node_cidr_mask;     /* size of each node's pod CIDR; 0 = the server's (24) */
	/* The cluster DNS Pods' upstreams (IP[:PORT]); none: no forwarding, as
	 * the machine has no resolver to forward to. */
	const char *dns_upstreams[SANDBOX_MAX_UPSTREAMS];
	int dns_nupstreams;
	int no_dns; /* no cluster DNS addon */
};

/* Builds the sandbox, waits until every node is Ready, creates the cluster
 * DNS addon (kube-dns and one `svcnet dns` Pod per node; a warning, not a
 * failure, when it does not come up), then supervises it
 * until SIGINT/SIGTERM (and tears it down) or, with detach, returns at once.
 * 0 on success; 1 after a failure, with everything made torn down again. */
int sandbox_up(const struct sandbox_up_opts *o);

/* Stops every process and removes every namespace, link, mount and file of
 * the sandbox. Idempotent. 0 when nothing is left; 1 (after printing what
 * is left) otherwise; 2 for a data dir refused ("/", empty). */
int sandbox_down(const char *data_dir);

struct sandbox_exec_opts {
	const char *data_dir;  /* NULL: SANDBOX_DEFAULT_DIR */
	const char *namespace; /* NULL: "default" */
	const char *pod;
	char *const *argv; /* NULL-terminated, argv[0] required */
};

/* Runs argv in the Pod's network, UTS and (private) mount namespaces with
 * stdio inherited; returns its exit status (128+signal when killed), 127 when
 * the command is not found, 126 when it cannot be run, 1 for other errors
 * (Pod not found...). */
int sandbox_exec(const struct sandbox_exec_opts *o);

#endif
