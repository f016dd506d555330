/*
 * test_podstatus.c - the Pod status as the kubelet writes it: phase
 * (getPhase), conditions with their reasons, messages and transition times,
 * container statuses, IPs, QoS class, rejection, the merge-patch body, and
 * robustness against Pod JSON of the wrong shape.
 */
#include "unit.h"

#include <stdlib.h>

#include <jansson.h>

#include "agent/podstatus.h"

#define T_NOW  1795514400LL /* 2026-11-24T10:00:00Z */
#define T_PREV 1795510800LL /* 2026-11-24T09:00:00Z */
#define S_NOW  "2026-11-24T10:00:00Z"
#define S_PREV "2026-11-24T09:00:00Z"

static json_t *ps_json(const char *s)
{
	char *t = strdup(s);
	json_t *j;

	for (char *p = t; *p; p++)
		if (*p == '`')
			*p = '"';
	j = json_loads(t, 0, NULL);
	if (!j)
		printf("    bad test JSON: %s\n", t);
	free(t);
	return j;
}

static const char *ps_s(const json_t *o, const char *path)
{
	char buf[256], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && o; tok = strtok_r(NULL, ".", &save)) {
		if (tok[0] >= '0' && tok[0] <= '9')
			o = json_array_get(o, (size_t)atoi(tok));
		else
			o = json_object_get(o, tok);
	}
	return json_string_value(o);
}

static const json_t *ps_cond(const json_t *st, const char *type)
{
	const json_t *c;
	size_t i;

	json_array_foreach (json_object_get(st, "conditions"), i, c)
		if (!strcmp(json_string_value(json_object_get(c, "type")), type))
			return c;
	return NULL;
}

static struct podstatus_container ps_ctr(const char *name, enum podstatus_state st, int ready)
{
	struct podstatus_container c;

	memset(&c, 0, sizeof(c));
	c.name = name;
	c.state = st;
	c.ready = c.started = ready;
	c.started_at = T_PREV;
	snprintf(c.container_id, sizeof(c.container_id), "svcnet://%d", 100 + (int)strlen(name));
	return c;
}

#define POD2                                                                                       \
	"{`metadata`:{`name`:`p`,`namespace`:`ns`},`spec`:{`restartPolicy`:`Always`,"              \
	"`containers`:[{`name`:`web`,`image`:`nginx`},{`name`:`sidecar`,`image`:`busybox`}]}}"

static struct podstatus_pod ps_in(const json_t *pod, struct podstatus_container *cs, int n)
{
	struct podstatus_pod in;

	memset(&in, 0, sizeof(in));
	in.pod = pod;
	in.containers = cs;
	in.ncontainers = n;
	in.pod_ips[0] = "fd00::5";
	in.pod_ips[1] = "10.42.0.5";
	in.npod_ips = 2;
	in.host_ip = "198.18.0.2";
	in.start_time = T_PREV;
	in.now = T_NOW;
	in.sandbox_ready = 1;
	return in;
}

UNIT_TEST(podstatus_running_ready)
{
	json_t *pod = ps_json(POD2), *st;
	struct podstatus_container cs[2] = {ps_ctr("web", PODSTATUS_RUNNING, 1),
	                                    ps_ctr("sidecar", PODSTATUS_RUNNING, 1)};
	struct podstatus_pod in = ps_in(pod, cs, 2);
	const char *types[] = {"PodReadyToStartContainers", "Initialized", "Ready",
	                       "ContainersReady", "PodScheduled"};
	const json_t *c;

	st = podstatus_build(&in);
	json_decref(pod);
	CHECK(st);
	CHECK_STR(ps_s(st, "phase"), "Running");
	CHECK_INT(json_array_size(json_object_get(st, "conditions")), 5);
	for (int i = 0; i < 5; i++) {
		c = json_array_get(json_object_get(st, "conditions"), (size_t)i);
		CHECK_STR(ps_s(c, "type"), types[i]);
		CHECK_STR(ps_s(c, "status"), "True");
		CHECK_STR(ps_s(c, "lastTransitionTime"), S_NOW);
		CHECK(json_is_null(json_object_get(c, "lastProbeTime")));
		CHECK(!json_object_get(c, "reason"));
	}
	CHECK_STR(ps_s(st, "hostIP"), "198.18.0.2");
	CHECK_STR(ps_s(st, "hostIPs.0.ip"), "198.18.0.2");
	/* The node IP's family first. */
	CHECK_STR(ps_s(st, "podIP"), "10.42.0.5");
	CHECK_STR(ps_s(st, "podIPs.0.ip"), "10.42.0.5");
	CHECK_STR(ps_s(st, "podIPs.1.ip"), "fd00::5");
	CHECK_STR(ps_s(st, "startTime"), S_PREV);
	CHECK_STR(ps_s(st, "qosClass"), "BestEffort");
	/* Sorted by name, as the kubelet does. */
	c = json_object_get(st, "containerStatuses");
	CHECK_INT(json_array_size(c), 2);
	CHECK_STR(ps_s(c, "0.name"), "sidecar");
	CHECK_STR(ps_s(c, "0.image"), "busybox");
	CHECK_STR(ps_s(c, "0.imageID"), "");
	CHECK_STR(ps_s(c, "0.containerID"), "svcnet://107");
	CHECK_STR(ps_s(c, "0.state.running.startedAt"), S_PREV);
	CHECK(json_is_true(json_object_get(json_array_get(c, 0), "ready")));
	CHECK(json_is_true(json_object_get(json_array_get(c, 0), "started")));
	CHECK_INT(json_integer_value(json_object_get(json_array_get(c, 0), "restartCount")), 0);
	CHECK_INT(json_object_size(json_object_get(json_array_get(c, 0), "lastState")), 0);
	CHECK_STR(ps_s(c, "1.name"), "web");
	CHECK(!json_object_get(st, "reason"));
	json_decref(st);
}

UNIT_TEST(podstatus_not_ready_and_times)
{
	json_t *pod = ps_json(POD2), *st;
	struct podstatus_container cs[2] = {ps_ctr("web", PODSTATUS_RUNNING, 0),
	                                    ps_ctr("sidecar", PODSTATUS_WAITING, 0)};
	struct podstatus_pod in = ps_in(pod, cs, 2);
	const json_t *c;

	/* The previous status: Ready was True since T_PREV, PodScheduled too. */
	json_object_set_new(
	    pod, "status",
	    ps_json("{`phase`:`Running`,`conditions`:["
	            "{`type`:`PodScheduled`,`status`:`True`,`lastTransitionTime`:`" S_PREV
	            "`},{`type`:`Ready`,`status`:`True`,`lastTransitionTime`:`" S_PREV
	            "`},{`type`:`ContainersReady`,`status`:`False`,"
	            "`lastTransitionTime`:`" S_PREV "`}]}"));
	st = podstatus_build(&in);
	CHECK(st);
	CHECK_STR(ps_s(st, "phase"), "Pending");
	c = ps_cond(st, "Ready");
	CHECK_STR(ps_s(c, "status"), "False");
	CHECK_STR(ps_s(c, "reason"), "ContainersNotReady");
	CHECK_STR(ps_s(c, "message"), "containers with unready status: [web sidecar]");
	CHECK_STR(ps_s(c, "lastTransitionTime"), S_NOW);
	c = ps_cond(st, "ContainersReady");
	CHECK_STR(ps_s(c, "status"), "False");
	CHECK_STR(ps_s(c, "reason"), "ContainersNotReady");
	CHECK_STR(ps_s(c, "message"), "containers with unready status: [web sidecar]");
	CHECK_STR(ps_s(c, "lastTransitionTime"), S_PREV);
	CHECK_STR(ps_s(ps_cond(st, "PodScheduled"), "lastTransitionTime"), S_PREV);
	/* A waiting container says why (ContainerCreating by default). */
	c = json_object_get(st, "containerStatuses");
	CHECK_STR(ps_s(c, "0.name"), "sidecar");
	CHECK_STR(ps_s(c, "0.state.waiting.reason"), "ContainerCreating");
	CHECK(json_is_false(json_object_get(json_array_get(c, 1), "ready")));
	json_decref(st);

	/* Only web unready; a missing status counts as waiting. */
	cs[1] = ps_ctr("sidecar", PODSTATUS_RUNNING, 1);
	in.ncontainers = 1;
	in.sandbox_ready = 0;
	st = podstatus_build(&in);
	CHECK(st);
	CHECK_STR(ps_s(st, "phase"), "Pending");
	CHECK_STR(ps_s(ps_cond(st, "Ready"), "message"),
	          "containers with unready status: [web sidecar]");
	CHECK_STR(ps_s(ps_cond(st, "PodReadyToStartContainers"), "status"), "False");
	json_decref(st);
	in.ncontainers = 2;
	st = podstatus_build(&in);
	json_decref(pod);
	CHECK(st);
	CHECK_STR(ps_s(st, "phase"), "Running");
	CHECK_STR(ps_s(ps_cond(st, "Ready"), "message"), "containers with unready status: [web]");
	json_decref(st);
}

UNIT_TEST(podstatus_readiness_gates)
{
	json_t *pod = ps_json(
	    "{`metadata`:{`name`:`p`},`spec`:{`readinessGates`:[{`conditionType`:`x.io/lb`}],"
	    "`containers`:[{`name`:`c`}]},`status`:{`conditions`:["
	    "{`type`:`x.io/lb`,`status`:`False`,`lastTransitionTime`:`" S_PREV "`},"
	    "{`type`:`Ready`,`status`:`False`,`lastTransitionTime`:`" S_PREV "`}]}}");
	struct podstatus_container cs[1] = {ps_ctr("c", PODSTATUS_RUNNING, 1)};
	struct podstatus_pod in = ps_in(pod, cs, 1);
	json_t *st = podstatus_build(&in);
	const json_t *c;

	CHECK(st);
	/* Conditions the kubelet does not own stay, first, untouched. */
	CHECK_STR(ps_s(st, "conditions.0.type"), "x.io/lb");
	CHECK_STR(ps_s(st, "conditions.0.lastTransitionTime"), S_PREV);
	c = ps_cond(st, "Ready");
	CHECK_STR(ps_s(c, "status"), "False");
	CHECK_STR(ps_s(c, "reason"), "ReadinessGatesNotReady");
	CHECK_STR(ps_s(c, "message"),
	          "the status of pod readiness gate \"x.io/lb\" is not \"True\", but False");
	CHECK_STR(ps_s(c, "lastTransitionTime"), S_PREV);
	CHECK_STR(ps_s(ps_cond(st, "ContainersReady"), "status"), "True");
	json_decref(st);
	json_object_set_new(
	    json_array_get(json_object_get(json_object_get(pod, "status"), "conditions"), 0),
	    "status", json_string("True"));
	st = podstatus_build(&in);
	CHECK(st);
	CHECK_STR(ps_s(ps_cond(st, "Ready"), "status"), "True");
	CHECK_STR(ps_s(ps_cond(st, "Ready"), "lastTransitionTime"), S_NOW);
	json_decref(st);
	json_object_del(json_object_get(pod, "status"), "conditions");
	st = podstatus_build(&in);
	json_decref(pod);
	CHECK(st);
	CHECK_STR(ps_s(ps_cond(st, "Ready"), "message"),
	          "corresponding condition of pod readiness gate \"x.io/lb\" does not exist.");
	json_decref(st);
}

/* One container in state st (exit code for terminated), policy, deletion. */
static const char *ps_phase1(const char *policy, enum podstatus_state s, int code, int has_last,
                             int deleting, const char *old_phase)
{
	char buf[512];
	json_t *pod;
	struct podstatus_container cs[1] = {ps_ctr("c", s, 0)};
	struct podstatus_pod in;
	const char *ph;

	snprintf(
	    buf, sizeof(buf),
	    "{`metadata`:{`name`:`p`%s},`spec`:{`restartPolicy`:`%s`,`containers`:[{`name`:`c`}]}"
	    ",`status`:{`phase`:`%s`}}",
	    deleting ? ",`deletionTimestamp`:`" S_NOW "`" : "", policy,
	    old_phase ? old_phase : "Pending");
	pod = ps_json(buf);
	cs[0].term.exit_code = code;
	cs[0].has_last = has_last;
	cs[0].last.exit_code = code;
	in = ps_in(pod, cs, 1);
	ph = podstatus_phase(&in);
	json_decref(pod);
	return ph;
}

UNIT_TEST(podstatus_phases)
{
	CHECK_STR(ps_phase1("Always", PODSTATUS_WAITING, 0, 0, 0, NULL), "Pending");
	CHECK_STR(ps_phase1("Always", PODSTATUS_RUNNING, 0, 0, 0, NULL), "Running");
	CHECK_STR(ps_phase1("Always", PODSTATUS_TERMINATED, 0, 0, 0, NULL), "Running");
	CHECK_STR(ps_phase1("Always", PODSTATUS_TERMINATED, 1, 0, 0, NULL), "Running");
	CHECK_STR(ps_phase1("Always", PODSTATUS_WAITING, 1, 1, 0, NULL), "Running");
	CHECK_STR(ps_phase1("OnFailure", PODSTATUS_TERMINATED, 0, 0, 0, NULL), "Succeeded");
	CHECK_STR(ps_phase1("OnFailure", PODSTATUS_TERMINATED, 2, 0, 0, NULL), "Running");
	CHECK_STR(ps_phase1("Never", PODSTATUS_TERMINATED, 2, 0, 0, NULL), "Failed");
	CHECK_STR(ps_phase1("Never", PODSTATUS_TERMINATED, 0, 0, 0, NULL), "Succeeded");
	CHECK_STR(ps_phase1("", PODSTATUS_TERMINATED, 0, 0, 0, NULL), "Running");
	/* Deleted: stopped containers end the Pod whatever the policy. */
	CHECK_STR(ps_phase1("Always", PODSTATUS_TERMINATED, 143, 0, 1, NULL), "Failed");
	CHECK_STR(ps_phase1("Always", PODSTATUS_TERMINATED, 0, 0, 1, NULL), "Succeeded");
	CHECK_STR(ps_phase1("Always", PODSTATUS_RUNNING, 0, 0, 1, NULL), "Running");
	/* Never out of a terminal phase. */
	CHECK_STR(ps_phase1("Always", PODSTATUS_RUNNING, 0, 0, 0, "Failed"), "Failed");
	CHECK_STR(ps_phase1("Always", PODSTATUS_RUNNING, 0, 0, 0, "Succeeded"), "Succeeded");
}

UNIT_TEST(podstatus_terminated)
{
	json_t *pod = ps_json("{`metadata`:{`name`:`p`},`spec`:{`restartPolicy`:`OnFailure`,"
	                      "`containers`:[{`name`:`a`,`image`:`i`},{`name`:`b`}]}}");
	struct podstatus_container cs[2] = {ps_ctr("a", PODSTATUS_TERMINATED, 1),
	                                    ps_ctr("b", PODSTATUS_TERMINATED, 1)};
	struct podstatus_pod in = ps_in(pod, cs, 2);
	json_t *st;
	const json_t *c;

	cs[0].term.started_at = T_PREV;
	cs[0].term.finished_at = T_NOW;
	cs[1].term = cs[0].term;
	cs[1].image = "own";
	cs[1].restart_count = 2;
	cs[1].has_last = 1;
	cs[1].last.exit_code = 137;
	cs[1].last.signal = 9;
	snprintf(cs[1].last.reason, sizeof(cs[1].last.reason), "OOMKilled");
	snprintf(cs[1].last.container_id, sizeof(cs[1].last.container_id), "svcnet://7");
	in.sandbox_ready = 0;
	st = podstatus_build(&in);
	CHECK(st);
	CHECK_STR(ps_s(st, "phase"), "Succeeded");
	CHECK_STR(ps_s(ps_cond(st, "Ready"), "reason"), "PodCompleted");
	CHECK_STR(ps_s(ps_cond(st, "ContainersReady"), "reason"), "PodCompleted");
	CHECK_STR(ps_s(ps_cond(st, "ContainersReady"), "status"), "False");
	CHECK_STR(ps_s(ps_cond(st, "Initialized"), "reason"), "PodCompleted");
	CHECK_STR(ps_s(ps_cond(st, "Initialized"), "status"), "True");
	c = json_array_get(json_object_get(st, "containerStatuses"), 0);
	CHECK_STR(ps_s(c, "state.terminated.reason"), "Completed");
	CHECK_STR(ps_s(c, "state.terminated.containerID"), "svcnet://101");
	CHECK_STR(ps_s(c, "state.terminated.startedAt"), S_PREV);
	CHECK_STR(ps_s(c, "state.terminated.finishedAt"), S_NOW);
	CHECK(
	    !json_object_get(json_object_get(json_object_get(c, "state"), "terminated"), "signal"));
	/* Not running: neither ready nor started, whatever the caller said. */
	CHECK(json_is_false(json_object_get(c, "ready")));
	CHECK(json_is_false(json_object_get(c, "started")));
	c = json_array_get(json_object_get(st, "containerStatuses"), 1);
	CHECK_STR(ps_s(c, "image"), "own");
	CHECK_INT(json_integer_value(json_object_get(c, "restartCount")), 2);
	CHECK_STR(ps_s(c, "lastState.terminated.reason"), "OOMKilled");
	CHECK_STR(ps_s(c, "lastState.terminated.containerID"), "svcnet://7");
	CHECK_INT(json_integer_value(json_object_get(
	              json_object_get(json_object_get(c, "lastState"), "terminated"), "signal")),
	          9);
	json_decref(st);
	/* One failure under OnFailure: restarting, reason Error. */
	cs[0].term.exit_code = 3;
	cs[0].state = PODSTATUS_TERMINATED;
	st = podstatus_build(&in);
	json_decref(pod);
	CHECK(st);
	CHECK_STR(ps_s(st, "phase"), "Running");
	CHECK_STR(ps_s(st, "containerStatuses.0.state.terminated.reason"), "Error");
	CHECK_STR(ps_s(ps_cond(st, "Ready"), "reason"), "ContainersNotReady");
	json_decref(st);
}

UNIT_TEST(podstatus_rejected_and_patch)
{
	json_t *pod =
	    ps_json("{`metadata`:{`name`:`p`},`spec`:{`containers`:[{`name`:`c`,"
	            "`resources`:{`requests`:{`cpu`:`100m`}}}]},`status`:{`phase`:`Pending`,"
	            "`qosClass`:`BestEffort`,`conditions`:[{`type`:`PodScheduled`,"
	            "`status`:`True`},{`type`:`x.io/keep`,`status`:`True`}]}}");
	struct podstatus_pod in = ps_in(pod, NULL, 0);
	json_t *st, *body;

	in.rejected = 1;
	in.reason = "NodePorts";
	in.message = "Pod was rejected: Predicate NodePorts failed: x";
	st = podstatus_build(&in);
	CHECK(st);
	CHECK_STR(ps_s(st, "phase"), "Failed");
	CHECK_STR(ps_s(st, "reason"), "NodePorts");
	CHECK_STR(ps_s(st, "message"), "Pod was rejected: Predicate NodePorts failed: x");
	CHECK_STR(ps_s(st, "qosClass"), "Burstable");
	CHECK_STR(ps_s(st, "startTime"), S_PREV);
	CHECK_INT(json_array_size(json_object_get(st, "conditions")), 1);
	CHECK_STR(ps_s(st, "conditions.0.type"), "x.io/keep");
	CHECK(!json_object_get(st, "hostIP") && !json_object_get(st, "containerStatuses"));
	body = podstatus_patch(json_object_get(pod, "status"), st);
	CHECK(body);
	CHECK_STR(ps_s(body, "status.phase"), "Failed");
	CHECK_INT(json_object_size(json_object_get(body, "status")), json_object_size(st));
	json_decref(body);
	json_object_del(st, "conditions");
	body = podstatus_patch(json_object_get(pod, "status"), st);
	CHECK(body);
	CHECK(json_is_null(json_object_get(json_object_get(body, "status"), "conditions")));
	json_decref(body);
	json_decref(st);
	/* Later writes keep the reason and message with the phase. */
	json_object_set_new(pod, "status",
	                    ps_json("{`phase`:`Failed`,`reason`:`NodePorts`,`message`:`m`,"
	                            "`startTime`:`" S_NOW "`}"));
	in.rejected = 0;
	in.reason = in.message = NULL;
	st = podstatus_build(&in);
	json_decref(pod);
	CHECK(st);
	CHECK_STR(ps_s(st, "phase"), "Failed");
	CHECK_STR(ps_s(st, "reason"), "NodePorts");
	CHECK_STR(ps_s(st, "message"), "m");
	CHECK_STR(ps_s(st, "startTime"), S_NOW);
	json_decref(st);
}

static const char *ps_qos(const char *spec)
{
	char buf[1024];
	json_t *pod;
	const char *q;

	snprintf(buf, sizeof(buf), "{`spec`:%s}", spec);
	pod = ps_json(buf);
	q = podstatus_qos_class(pod);
	json_decref(pod);
	return q;
}

#define R(req, lim) "{`resources`:{`requests`:{" req "},`limits`:{" lim "}}}"

UNIT_TEST(podstatus_qos)
{
	CHECK_STR(ps_qos("{`containers`:[{}]}"), "BestEffort");
	CHECK_STR(ps_qos("{`containers`:[" R("`cpu`:`0`", "") "]}"), "BestEffort");
	CHECK_STR(ps_qos("{`containers`:[" R("`cpu`:`100m`", "") "]}"), "Burstable");
	CHECK_STR(ps_qos("{`containers`:[" R("`cpu`:`100m`,`memory`:`1Gi`",
	                                     "`cpu`:`0.1`,`memory`:`1073741824`") "]}"),
	          "Guaranteed");
	/* Requests default to limits. */
	CHECK_STR(ps_qos("{`containers`:[" R("", "`cpu`:1,`memory`:`1536Mi`") "]}"), "Guaranteed");
	CHECK_STR(
	    ps_qos("{`containers`:[" R("`memory`:`1.5Gi`", "`cpu`:`1000m`,`memory`:`1536Mi`") "]}"),
	    "Guaranteed");
	CHECK_STR(ps_qos("{`containers`:[" R("`cpu`:`1`,`memory`:`1E`",
	                                     "`cpu`:`1`,`memory`:`1e18`") "]}"),
	          "Guaranteed");
	CHECK_STR(
	    ps_qos("{`containers`:[" R("`cpu`:`1`,`memory`:`1G`", "`cpu`:`1`,`memory`:`1Gi`") "]}"),
	    "Burstable");
	CHECK_STR(ps_qos("{`containers`:[" R("", "`memory`:`1Gi`") "]}"), "Burstable");
	CHECK_STR(ps_qos("{`containers`:[" R("", "`cpu`:`1`,`memory`:`1Gi`") ",{}]}"), "Burstable");
	CHECK_STR(ps_qos("{`containers`:[" R(
	              "", "`cpu`:`1`,`memory`:`1Gi`") "],"
	                                              "`initContainers`:[" R(
	                                                  "", "`cpu`:`2`,`memory`:`1Gi`") "]}"),
	          "Guaranteed");
	CHECK_STR(ps_qos("{`containers`:[" R("`cpu`:`bogus`", "") "]}"), "BestEffort");
	CHECK_STR(ps_qos("{`containers`:[" R("`cpu`:`-1`", "") "]}"), "BestEffort");
	/* Pod-level resources decide alone. */
	CHECK_STR(ps_qos("{`resources`:{`limits`:{`cpu`:`1`,`memory`:`1Gi`}},`containers`:[{}]}"),
	          "Guaranteed");
	CHECK_STR(ps_qos("{`resources`:{`requests`:{`cpu`:`1`}},`containers`:[" R(
	              "", "`cpu`:`1`,`memory`:`1Gi`") "]}"),
	          "Burstable");
}

UNIT_TEST(podstatus_host_network)
{
	json_t *pod = ps_json("{`metadata`:{`name`:`p`},`spec`:{`hostNetwork`:true,"
	                      "`containers`:[{`name`:`c`}]}}");
	struct podstatus_pod in = ps_in(pod, NULL, 0);
	json_t *st;

	in.npod_ips = 0;
	st = podstatus_build(&in);
	json_decref(pod);
	CHECK(st);
	CHECK_STR(ps_s(st, "podIP"), "198.18.0.2");
	CHECK_STR(ps_s(st, "phase"), "Pending");
	CHECK_STR(ps_s(st, "containerStatuses.0.state.waiting.reason"), "ContainerCreating");
	json_decref(st);
}

typedef void (*ps_mut_fn)(json_t *doc);

static void ps_mutate_at(json_t *doc, json_t *node, ps_mut_fn fn, int *runs)
{
	json_t *subs[5] = {json_null(), json_integer(3), json_string("Running"), json_array(),
	                   json_object()};
	const char *k;
	json_t *v;
	void *tmp;

	if (json_is_object(node)) {
		json_object_foreach_safe (node, tmp, k, v) {
			json_incref(v);
			for (int s = 0; s < 5; s++) {
				json_object_set(node, k, subs[s]);
				fn(doc);
				(*runs)++;
			}
			json_object_set(node, k, v);
			json_decref(v);
			ps_mutate_at(doc, v, fn, runs);
		}
	} else if (json_is_array(node)) {
		for (size_t i = 0; i < json_array_size(node); i++) {
			v = json_incref(json_array_get(node, i));
			for (int s = 0; s < 5; s++) {
				json_array_set(node, i, subs[s]);
				fn(doc);
				(*runs)++;
			}
			json_array_set(node, i, v);
			json_decref(v);
			ps_mutate_at(doc, v, fn, runs);
		}
	}
	for (int s = 0; s < 5; s++)
		json_decref(subs[s]);
}

static void ps_fuzz_one(json_t *pod)
{
	struct podstatus_container cs[2] = {ps_ctr("a", PODSTATUS_RUNNING, 1),
	                                    ps_ctr("b", PODSTATUS_TERMINATED, 0)};
	struct podstatus_pod in = ps_in(pod, cs, 2);
	json_t *st, *body;

	cs[1].name = NULL;
	st = podstatus_build(&in);
	body = podstatus_patch(json_object_get(pod, "status"), st);
	json_decref(body);
	json_decref(st);
	in.rejected = 1;
	json_decref(podstatus_build(&in));
	podstatus_qos_class(pod);
}

UNIT_TEST(podstatus_wrong_types)
{
	json_t *pod = ps_json(
	    "{`metadata`:{`name`:`p`,`deletionTimestamp`:`x`},`spec`:{`restartPolicy`:`Never`,"
	    "`readinessGates`:[{`conditionType`:`g`}],`resources`:{`limits`:{`cpu`:`1`}},"
	    "`containers`:[{`name`:`a`,`image`:`i`,`resources`:{`requests`:{`cpu`:`1`,"
	    "`memory`:`1Ki`},`limits`:{`cpu`:1}}}],`initContainers`:[{`name`:`i`}]},"
	    "`status`:{`phase`:`Running`,`startTime`:`t`,`reason`:`r`,"
	    "`conditions`:[{`type`:`Ready`,`status`:`True`,`lastTransitionTime`:`t`},"
	    "{`type`:`g`,`status`:`True`}]}}");
	int runs = 0;

	CHECK(pod);
	ps_mutate_at(pod, pod, ps_fuzz_one, &runs);
	json_decref(pod);
	CHECK(runs > 100);
	CHECK(!podstatus_build(NULL));
}
