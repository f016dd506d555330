/*
 * podstatus.h - the Pod status the agent writes, as the kubelet builds it
 * (generateAPIPodStatus, getPhase, the status manager's condition times).
 *
 * podstatus_build() returns the whole status: phase, conditions (those the
 * kubelet does not own, kept from the previous status, then
 * PodReadyToStartContainers, Initialized, Ready, ContainersReady,
 * PodScheduled), reason/message, hostIP(s), podIP(s), startTime,
 * containerStatuses (sorted by name, as the kubelet sorts them) and qosClass.
 * A JSON merge patch keeps what its body leaves out, so send it through
 * podstatus_patch(), which nulls the fields that went away.
 *
 * Times are unix seconds, written as RFC 3339 UTC ("2026-11-24T10:00:00Z");
 * 0 is written as null (an unset metav1.Time).
 */
#ifndef SVCNET_PODSTATUS_H
#define SVCNET_PODSTATUS_H

#include <jansson.h>

enum podstatus_state { PODSTATUS_WAITING, PODSTATUS_RUNNING, PODSTATUS_TERMINATED };

struct podstatus_term {
	int exit_code;
	int signal;
	char reason[64]; /* "" => "Completed" for exit 0, else "Error" */
	char message[512];
	long long started_at, finished_at; /* unix seconds */
	/* Added by h2: the terminated container's ID; "" => the status's own
	 * container_id for state.terminated, none for lastState. */
	char container_id[96];
};

struct podstatus_container {
	const char *name, *image; /* image NULL: the spec's */
	enum podstatus_state state;
	char reason[64], message[512]; /* waiting: ContainerCreating, CrashLoopBackOff,
	                                   CreateContainerConfigError, StartError... ("" =>
	                                   ContainerCreating) */
	long long started_at;          /* running */
	struct podstatus_term term;    /* terminated */
	int has_last;
	struct podstatus_term last;        /* lastState.terminated */
	int restart_count, ready, started; /* ready/started count only while running */
	char container_id[96];             /* "svcnet://<pid>" or "" */
};

struct podstatus_pod {
	/* As last seen from the API: spec (restartPolicy, containers and their
	 * order, readinessGates, resources for qosClass), metadata
	 * (deletionTimestamp), and status (the previous conditions keep their
	 * lastTransitionTime while their status stays; a previous startTime is
	 * kept; a terminal phase is never left). */
	const json_t *pod;
	struct podstatus_container *containers; /* spec containers missing here are
	                                           waiting in ContainerCreating */
	int ncontainers;
	const char *pod_ips[2];
	int npod_ips;
	const char *host_ip;
	long long start_time, now;    /* unix seconds; now 0 => time(NULL) */
	int sandbox_ready;            /* network set up: condition PodReadyToStartContainers */
	const char *phase;            /* NULL: computed; or forced, e.g. "Failed" */
	const char *reason, *message; /* pod-level, e.g. "NodePorts" / "Pod was rejected: ..." */
	/* Added by h2: an admission rejection (kubelet rejectPod): the status is
	 * only phase Failed, reason, message, qosClass and startTime, with no
	 * kubelet conditions, IPs or container statuses. */
	int rejected;
};

/* A new status object, or NULL when memory runs out (or in/in->pod is NULL). */
json_t *podstatus_build(const struct podstatus_pod *in);

/* kubelet getPhase for the containers and restartPolicy (a deletionTimestamp
 * makes the Pod terminal: all stopped => Succeeded if every exit was 0, else
 * Failed), or the forced in->phase; a terminal phase of the previous status
 * is kept. A static string. */
const char *podstatus_phase(const struct podstatus_pod *in);

/* QoS class as the API server computes it at creation (ComputePodQOS): cpu
 * and memory requests/limits summed over containers and init containers, or
 * the Pod-level spec.resources when set. "BestEffort", "Burstable" or
 * "Guaranteed"; unparsable quantities count as absent. */
const char *podstatus_qos_class(const json_t *pod);

/* The body of the merge patch that makes the stored status equal new_status:
 * {"status": new_status + null for every top-level field old_status has and
 * new_status lacks}. old_status may be NULL. A new object (new_status is
 * copied, not taken), or NULL on ENOMEM. */
json_t *podstatus_patch(const json_t *old_status, json_t *new_status);

/* Pod IPs ordered as the kubelet reports them (sortPodIPs): the first of the
 * node IP's family (IPv4 when host_ip is NULL or not an IP), then the first
 * of the other family; unparsable ones dropped. Returns the count (0..2);
 * out[] points into in[]. */
int podstatus_sort_ips(const char *const *in, int n, const char *host_ip, const char *out[2]);

#endif
