/*
 * probe.h - the kubelet's prober for one container probe (readiness,
 * liveness or startup), on the agent's ev loop.
 *
 * A probe runs one attempt at a time: the first after initialDelaySeconds,
 * then one every periodSeconds (a tick that comes while an attempt is still
 * running is kept and starts the next one as soon as it ends, like Go's
 * ticker in the kubelet's worker). Each attempt ends in success or failure
 * within timeoutSeconds; the result changes only after successThreshold
 * consecutive successes or failureThreshold consecutive failures.
 *
 * Handlers, as the kubelet runs them:
 *   tcpSocket  a connect from the node's namespace; success once connected.
 *   httpGet    GET over a fresh connection each time ("Connection: close"),
 *              TLS unverified for HTTPS; success when 200 <= status < 400
 *              (redirects are not followed: a 3xx counts as success, as
 *              the kubelet does for a redirect to another host).
 *   exec       the command in the Pod's namespaces with the container's
 *              environment and working directory, output discarded;
 *              success on exit 0; killed (with its process group) on timeout.
 * grpc probes are not supported; hosts must be IP addresses (no DNS).
 *
 * As in the kubelet, a liveness or startup probe stops probing once it has
 * reported failure (the container is restarted and gets a new probe), and a
 * startup probe stops once it has reported success.
 */
#ifndef SVCNET_PROBE_H
#define SVCNET_PROBE_H

#include <jansson.h>
#include <stddef.h>

#include "agent/podfs.h"
#include "agent/runner.h"
#include "lib/ev.h"

typedef struct probe probe;

enum probe_kind { PROBE_READINESS, PROBE_LIVENESS, PROBE_STARTUP };

struct probe_target {
	const char *pod_ip;      /* default host for httpGet/tcpSocket ("10.42.1.5" or IPv6) */
	const json_t *container; /* the container spec: ports[].name, workingDir */
	const char *netns_path;  /* exec probes run in the Pod's namespaces */
	const char *uts_path;
	const struct podfs_bind *binds; /* and see its resolv.conf/hosts */
	int nbinds;
	char *const *envp; /* the container's environment, for exec */
};                         /* everything is copied by probe_new */

/*
 * Called when the result changes, and once for the first failure verdict
 * (failureThreshold reached) even though readiness and startup probes start
 * as failures: a startup probe that gives up must get its container killed.
 * Never from inside probe_new() nor
 * from inside another module's callback (always from a timer of the probe's
 * own), so it may call probe_free(p) and start or stop anything else.
 * ok: 1 success, 0 failure. msg: why, in the kubelet's words where it has
 * some, e.g. "HTTP probe failed with statuscode: 503",
 * "dial tcp 10.42.1.5:8080: connect: connection refused",
 * `command "sleep 5" timed out`, "command 'false' exited with 1"; "" or a
 * note on success.
 */
typedef void probe_result_fn(probe *p, int ok, const char *msg, void *data);

/*
 * Creates and schedules a probe. spec is a core/v1 Probe object. Returns 0
 * and *out, or -EINVAL with a message in err for a probe it cannot run (no
 * handler, more than one, grpc: "grpc probes are not supported by svcnet",
 * a named port the container does not declare, a host that is no IP
 * address, bad values), -ENOMEM. Exec probes need r; the probe must be freed
 * before the runner.
 */
int probe_new(ev_loop *l, runner *r, enum probe_kind kind, const json_t *spec,
              const struct probe_target *t, probe_result_fn *cb, void *data, probe **out, char *err,
              size_t errlen);

/* Timing in milliseconds, for tests. A field <= 0 takes the kubelet default
 * (0, 10000, 1000, 1, 3). */
struct probe_timing {
	int initial_delay_ms, period_ms, timeout_ms, success_threshold, failure_threshold;
};

/* As probe_new, with tm (when not NULL) instead of the spec's timing fields. */
int probe_new_timing(ev_loop *l, runner *r, enum probe_kind kind, const json_t *spec,
                     const struct probe_target *t, const struct probe_timing *tm,
                     probe_result_fn *cb, void *data, probe **out, char *err, size_t errlen);

/* Cancels an attempt in flight (an exec probe's process group is SIGKILLed)
 * and frees p. NULL-safe; safe from p's own result callback. */
void probe_free(probe *p);

/* The current result: 1 success, 0 failure. Readiness and startup probes
 * start as failure, liveness as success. */
/* Sets the result a new probe starts from, without a callback (before its
 * first attempt; later calls do nothing). The agent uses it for containers
 * it adopted after a restart: a container that the API shows ready stays
 * ready until a probe says otherwise, instead of flapping to unready. */
void probe_seed(probe *p, int ok);
int probe_result(const probe *p);
/* Why the last attempt ended as it did ("" before the first). */
const char *probe_last_message(const probe *p);
/* Attempts finished so far. */
int probe_attempts(const probe *p);
/* "Readiness", "Liveness", "Startup": for events such as "Readiness probe failed: ...". */
const char *probe_kind_name(enum probe_kind kind);

#endif
