/*
 * sandbox_int.h - internals shared by the sandbox files (not an API).
 *
 * sandbox_fabric.c  bridge, node namespaces and veths in the root namespace
 * sandbox_proc.c    children in their own sessions; /proc reading
 * sandbox_kill.c    finding and stopping every process of a sandbox
 * sandbox_fs.c      data dir paths, mountinfo, safe removal, log tails
 * sandbox_state.c   sandbox.json
 * sandbox_api.c     blocking requests to the server (readyz, nodes, creates)
 * sandbox_dns.c     the cluster DNS addon: kube-dns Service, one DNS Pod per node
 * sandbox_up.c, sandbox_down.c, sandbox_exec.c   the three commands
 *
 * Functions return 0 or a negative errno unless stated otherwise.
 */
#ifndef SVCNET_SANDBOX_INT_H
#define SVCNET_SANDBOX_INT_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "lib/buf.h"
#include "sandbox/sandbox.h"

#define SANDBOX_BRIDGE        "svcnet0"
#define SANDBOX_BRIDGE_IP     "198.18.0.1"
#define SANDBOX_FABRIC_PREFIX 24
#define SANDBOX_FABRIC_NET    "198.18.0.0/24"
#define SANDBOX_LISTEN        "198.18.0.1:6443"
#define SANDBOX_NETNS_DIR     "/run/netns"
#define SANDBOX_NETNS_PREFIX  "svcnet-node-"
#define SANDBOX_VETH_PREFIX   "svn-node-"
#define SANDBOX_CLUSTER_CIDR  "10.42.0.0/16"
#define SANDBOX_CLUSTER_DNS   "10.43.0.10"
/* The server marks a node NotReady after this long without a heartbeat:
 * shorter than the default 40 s so that a dead agent shows soon. */
#define SANDBOX_NODE_GRACE_S "20"

/* What `up` makes inside the data dir; `down` removes exactly these. */
extern const char *const sandbox_owned_entries[];

/* ---- a list of what could not be cleaned up ---- */

struct sandbox_report {
	buf text; /* one "  - ...\n" line per item */
	int n;
};

void sandbox_report_init(struct sandbox_report *r);
void sandbox_report_free(struct sandbox_report *r);
void sandbox_report_add(struct sandbox_report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- names (sandbox_fabric.c); i is 1-based ---- */

void sandbox_node_name(int i, char out[32]);
void sandbox_node_ip(int i, char out[16]);
void sandbox_node_netns(int i, char out[64]);
void sandbox_node_veth(int i, char out[16]);

/* ---- fabric (sandbox_fabric.c) ---- */

/* Creates svcnet0 with 198.18.0.1/24 and sets it up. */
int sandbox_fabric_setup(void);
/* Pins the namespace of node i, creates its veth pair (eth0 born inside),
 * addresses, lo and eth0 up. */
int sandbox_node_setup(int i);
/* 1 and a description in what when the bridge, a node veth or a node
 * namespace pin exists; 0 when none does. */
int sandbox_fabric_present(char *what, size_t len);
/* Unmounts and deletes every /run/netns/svcnet-node-*, deletes every
 * svn-node-* link and svcnet0. Missing pieces are fine; what remains is
 * added to r. */
void sandbox_fabric_teardown(struct sandbox_report *r);
/* A set of namespaces by nsfs identity (st_dev, st_ino), as `ip netns
 * identify` compares them (sandbox_kill.c). */
struct sandbox_nsids {
	unsigned long long *v; /* dev0, ino0, dev1, ino1, ... */
	size_t n, cap;
};
/* Adds the namespace a pin (or /proc/PID/ns/...) names; a pin that is not
 * mounted adds an identity that no process has. */
int sandbox_nsids_add_file(struct sandbox_nsids *ids, const char *path);
int sandbox_nsids_has(const struct sandbox_nsids *ids, unsigned long long dev,
                      unsigned long long ino);
void sandbox_nsids_free(struct sandbox_nsids *ids);
/* Adds every /run/netns/svcnet-node-* (sandbox_fabric.c). */
void sandbox_fabric_nsids(struct sandbox_nsids *ids);

/* ---- processes (sandbox_proc.c) ---- */

struct sandbox_proc {
	pid_t pid;
	unsigned long long start; /* /proc/PID/stat starttime: tells a reused pid */
};

struct sandbox_procstat {
	char state; /* 'R', 'S', 'Z'... */
	pid_t ppid;
	unsigned long long start;
};

/* Reads /proc/PID/stat. -ENOENT when the process is gone. */
int sandbox_proc_stat(pid_t pid, struct sandbox_procstat *st);
/* 1 when p names a live (not zombie) process started at p->start. */
int sandbox_proc_alive(const struct sandbox_proc *p);
/* Reaps every exited child of this process without blocking. */
void sandbox_reap_children(void);
/* The path of the running svcnet binary. */
int sandbox_self_exe(char out[PATH_MAX]);
/* Starts argv[0] (a path) in a session of its own, stdin /dev/null, stdout
 * and stderr appended to log_path, inside the network namespace pinned at
 * netns_path when that is not NULL. Returns once the exec succeeded (or its
 * errno). */
int sandbox_spawn(char *const argv[], const char *log_path, const char *netns_path,
                  struct sandbox_proc *out);

/* ---- finding and stopping processes (sandbox_kill.c) ---- */

struct sandbox_state;
/* Stops (SIGTERM, SIGKILL after a grace) every process of the sandbox: the
 * ones in st (may be NULL), every process in a node or Pod namespace of the
 * sandbox (found by nsfs inode), a sandbox server found by its command line,
 * and all their descendants. What survives goes into r. */
void sandbox_kill_all(const char *dir, const struct sandbox_state *st, struct sandbox_report *r);

/* ---- files (sandbox_fs.c) ---- */

/* Makes dir absolute and canonical (realpath when it exists); -EINVAL for ""
 * and "/" (and anything that resolves to it). create: mkdir -p first. */
int sandbox_resolve_dir(const char *in, int create, char out[PATH_MAX]);
/* snprintf into out; -ENAMETOOLONG when cut. */
int sandbox_path(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int sandbox_mkdir_p(const char *path, unsigned mode);
/* Calls cb for every mount point at or below prefix (canonical path), from
 * the last mounted to the first. Returns the count or a negative errno. */
typedef void (*sandbox_mount_cb)(const char *mnt, void *arg);
int sandbox_mounts_under(const char *prefix, sandbox_mount_cb cb, void *arg);
/* Undoes mountinfo's octal escapes (\040 and the like) in place. */
void sandbox_mountinfo_unescape(char *s);
/* 1 when path is prefix or lies below it (by components, not bytes). */
int sandbox_path_under(const char *path, const char *prefix);
/* Unmounts everything at or below prefix (lazily), deepest first. */
void sandbox_umount_under(const char *prefix);
/* Removes path and, for a directory, everything in it, never following a
 * symbolic link and never crossing into another file system. Missing: 0. */
int sandbox_rm_tree(const char *path);
/* Prints the last `lines` lines of a log, indented. */
void sandbox_log_tail(const char *path, int lines, const char *indent);
/* Copies a small file (the kubeconfig), atomically, with mode. */
int sandbox_copy_file(const char *src, const char *dst, unsigned mode);

/* ---- sandbox.json (sandbox_state.c) ---- */

struct sandbox_state {
	char dir[PATH_MAX];
	char proxy_mode[64];
	int nodes;
	int detached;
	struct sandbox_proc supervisor; /* a foreground `up`, or pid 0 */
	struct sandbox_proc server;
	struct sandbox_proc agents[SANDBOX_MAX_NODES]; /* [i - 1] for node i */
};

int sandbox_state_write(const struct sandbox_state *s);
/* -ENOENT without a sandbox.json, -EINVAL for one that does not parse. */
int sandbox_state_read(const char *dir, struct sandbox_state *s);
/* 1 when a recorded process is alive. */
int sandbox_state_live(const struct sandbox_state *s);

/* ---- the API server (sandbox_api.c) ---- */

typedef struct sandbox_api sandbox_api;

int sandbox_api_open(const char *kubeconfig, sandbox_api **out, char *err, size_t errlen);
void sandbox_api_close(sandbox_api *a);
/* A blocking GET: 0 and *status, body into *out (caller's buf), or the
 * transport's negative errno. */
int sandbox_api_get(sandbox_api *a, const char *path, int timeout_ms, int *status, buf *out);
/* The same with any method and a JSON body (NULL: none). */
int sandbox_api_call(sandbox_api *a, const char *method, const char *path, const char *body,
                     int timeout_ms, int *status, buf *out);

struct sandbox_node_status {
	int ready;
	char ip[48]; /* InternalIP, "" when none */
};
/* Reads /api/v1/nodes and fills st[i - 1] for node-<i>, i = 1..n. Returns
 * the number of Ready ones or a negative errno. */
int sandbox_api_nodes(sandbox_api *a, int n, struct sandbox_node_status *st);

/* ---- the cluster DNS addon (sandbox_dns.c) ---- */

struct sandbox_dns_opts {
	const char *exe;              /* the svcnet binary, absolute */
	const char *kubeconfig;       /* the sandbox's admin kubeconfig, absolute */
	int nodes;                    /* one DNS Pod on each of node-1..node-<nodes> */
	const char *const *upstreams; /* `svcnet dns --upstream` values; none: "none" */
	int nupstreams;
};

/* Creates the Service kube-dns (kube-system, SANDBOX_CLUSTER_DNS, ports dns
 * 53/UDP, dns-tcp 53/TCP, metrics 9153/TCP) and the Pods svcnet-dns-<node>.
 * AlreadyExists is success. Failures are logged as warnings. */
int sandbox_dns_apply(sandbox_api *a, const struct sandbox_dns_opts *o);
/* The number of ready endpoints of kube-dns, or a negative errno. */
int sandbox_dns_ready(sandbox_api *a);

/* ---- shared by up and down (sandbox_down.c) ---- */

/* Which data dir the sandbox of this machine uses (there is one bridge, so
 * one sandbox): `down` with another --data-dir still finds its files. */
#define SANDBOX_RECORD "/run/svcnet-sandbox.dir"
int sandbox_record_write(const char *dir);
/* The whole of `down` on a resolved dir; quiet leaves out the progress
 * lines. 0 when nothing is left, else 1 after printing what is. */
int sandbox_teardown(const char *dir, int quiet);
/* Removes the data dir entries that `up` made, refusing any that still has
 * a mount below it. */
void sandbox_remove_owned(const char *dir, struct sandbox_report *r);

#endif
