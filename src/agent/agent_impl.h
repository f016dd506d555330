/*
 * agent_impl.h - the agent's internal state, shared by agent*.c.
 *
 * One event loop owns everything: informers for Nodes, this node's Pods and
 * Services; the runner for container processes; probes; the API writes.
 * A Pod is an agent_pod, driven by one level-triggered function,
 * agent_pod_sync(), which is called after anything about the Pod changed
 * (an informer event, a process exit, a probe result, a timer) and moves it
 * towards what its spec and deletion state ask for.
 */
#ifndef SVCNET_AGENT_IMPL_H
#define SVCNET_AGENT_IMPL_H

#include <jansson.h>
#include <limits.h>

#include "agent/agent.h"
#include "agent/ipam.h"
#include "agent/podfs.h"
#include "agent/podnet.h"
#include "agent/podstatus.h"
#include "agent/probe.h"
#include "agent/runner.h"
#include "client/httpc.h"
#include "client/informer.h"
#include "lib/dict.h"
#include "lib/ev.h"
#include "lib/net.h"
#include "lib/rfc3339.h"
#include "lib/sigstop.h"

#define AGENT_MAX_CONTAINERS 16
/* Paths: the state dir is at most AGENT_DIR_MAX bytes (checked at start),
 * so every path built from it fits AGENT_PATH_MAX. */
#define AGENT_DIR_MAX  2000
#define AGENT_PATH_MAX 2400

typedef struct agent agent;
typedef struct agent_pod agent_pod;

struct agent_ctr {
	agent_pod *pod;
	json_t *spec; /* the container spec (own reference) */
	char name[64];
	runner_proc *proc;
	probe *readiness, *liveness, *startup;
	int ready_ok, live_ok, started_ok;
	ev_timer *restart_timer;
	uint64_t restart_at;    /* ev_clock_ms() when the back-off ends */
	uint64_t running_since; /* ev_clock_ms() of the last start */
	int backoff_n;          /* restarts since the last long run, for the back-off */
	int liveness_kill;      /* stopped because liveness failed: restart by policy */
	int done;               /* terminated and not to be restarted */
	int lost;               /* ended while the agent could not decide: see lost_* */
	int lost_code;
	char lost_reason[64], lost_msg[256];
	int started_once; /* a container was created: the next one is a restart */
	char **envp;      /* the environment of the running process (exec probes) */
	int adopted;      /* running since before this agent started */
	struct podstatus_container st;
};

enum agent_pod_state {
	AGENT_POD_NEW,      /* not admitted yet */
	AGENT_POD_REJECTED, /* admission failed: phase Failed, nothing runs */
	AGENT_POD_RUNNING,  /* sandbox made (or being retried), containers managed */
	AGENT_POD_FINISHED, /* every container done for good: phase Succeeded/Failed */
	AGENT_POD_STOPPING, /* deletion: containers being stopped */
};

struct agent_pod {
	agent *a;
	char uid[PODNET_UID_MAX + 1];
	char ns[64], name[254];
	char host[80]; /* hostname (agent_pod_hostname) */
	json_t
	    *obj; /* latest Pod from the API (own reference); NULL when adopted and not yet seen */
	enum agent_pod_state state;
	int rejected;  /* admission said no: its status says so to the end */
	int gone;      /* the API no longer has it */
	int confirmed; /* delete with grace 0 sent */
	char dir[2200], netns[AGENT_PATH_MAX], uts[AGENT_PATH_MAX];
	char resolv[AGENT_PATH_MAX], hosts[AGENT_PATH_MAX], hostname[AGENT_PATH_MAX];
	struct podfs_bind binds[3];
	int sandbox; /* network and files in place */
	int nips;
	net_addr ips[PODNET_MAX_IPS];
	char ip_str[PODNET_MAX_IPS][NET_ADDR_STRLEN];
	char sandbox_err[512];
	ev_timer *sandbox_timer; /* retry of a failed sandbox */
	int sandbox_failures;
	long long start_time;
	char reason[64], message[512]; /* pod-level (admission rejection) */
	struct agent_ctr ctrs[AGENT_MAX_CONTAINERS];
	int nctrs;
	int ctrs_inited;  /* ctrs[] matched against the spec (adopted Pods wait for it) */
	int net_released; /* finished: network torn down, IPs kept for the status */
	/* status writes: one in flight, the newest wins */
	json_t *sent; /* last status the server accepted */
	httpc_req *status_req;
	ev_timer *api_retry; /* back-off after a failed write */
	int api_failures;
	int sync_queued;
};

struct agent {
	struct agent_config cfg;
	ev_loop *loop;
	httpc *api;
	runner *run;
	informer *nodes, *pods, *svcs;
	dict *pods_by_uid; /* uid -> agent_pod */
	sigstop *stop;     /* SIGTERM/SIGINT */
	char node_ip[NET_ADDR_STRLEN];
	/* pod network of this node */
	int have_cidr;
	net_cidr cluster_cidr; /* --cluster-cidr */
	net_cidr service_cidr; /* --service-cidr */
	struct proxy *proxy;   /* the service proxy on this loop; NULL for mode none */
	net_cidr pod_cidr;
	char pod_cidr_str[64];
	ipam *ipam;
	char pin_dir[AGENT_DIR_MAX + 8], pods_dir[AGENT_DIR_MAX + 8], bin_dir[AGENT_DIR_MAX + 8];
	/* node registration and heartbeats */
	int registered;
	httpc_req *node_req;
	ev_timer *heartbeat;
	long long ready_since;
	/* host-gw routes: node name -> "cidr via ip" installed */
	dict *routes;
	ev_timer *routes_timer; /* a routes pass after Node events, batched */
	int routes_pruned;      /* a pass ran with every Node listed */
	int pods_synced;
	int ipam_gc_done;
	char *hostport_sig; /* the Pods whose host ports the nft tables forward */
	int stopping;
	ev_timer *sync_timer; /* batched agent_pod_sync calls */
};

/* agent_node.c */
int agent_node_start(agent *a);
void agent_node_stop(agent *a);
void agent_node_changed(agent *a, json_t *node, int deleted);

/* agent_pod.c */
void agent_pod_event(agent *a, json_t *pod, int deleted);
void agent_pods_synced(agent *a);
void agent_pod_queue(agent_pod *p);
void agent_pod_free(agent_pod *p);
void agent_pods_queue_all(agent *a);
void agent_pods_resync(agent *a);
void agent_ipam_gc(agent *a);
void agent_ctr_exited(runner_proc *proc, int exited, int code, int signo, void *data);

/* agent_podrun.c: containers and probes of one Pod */
void agent_ctrs_init(agent_pod *p);
void agent_ctrs_sync(agent_pod *p);
int agent_ctrs_stop(agent_pod *p, int grace_s);
int agent_ctrs_running(const agent_pod *p);
void agent_ctrs_release(agent_pod *p, int detach);
/* every container terminated for good */
int agent_ctrs_all_done(const agent_pod *p);
/* agent_pod.c helpers shared with agent_podrun.c and agent_state.c */
agent_pod *agent_pod_new(agent *a, const char *uid, const char *ns, const char *name);
const char *agent_jstr(const json_t *o, const char *k1, const char *k2);

/* agent_state.c: what survives an agent restart */
int agent_state_save(agent_pod *p);
void agent_state_load(agent *a);
void agent_state_remove(agent_pod *p);

/* agent_api.c: writes to the API server */
void agent_api_status(agent_pod *p);
/* agent_pod.c: the status to send now (new reference), NULL on ENOMEM. */
json_t *agent_pod_status(agent_pod *p);
void agent_api_confirm_delete(agent_pod *p);
void agent_api_event(agent *a, const json_t *obj, const char *type, const char *reason,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
