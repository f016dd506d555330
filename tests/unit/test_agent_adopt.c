/*
 * test_agent_adopt.c - a restarted agent and the containers it adopted: the
 * readiness the API shows is kept from the moment the Pod is seen, before
 * any probe of this agent ran and before the Services are listed (the
 * window in which a restarted agent used to write Ready=False).
 *
 * The agent is assembled by hand around a real loop and runner: the
 * "adopted" process is a `sleep` this test starts, the informer for the
 * Services is never started (so it never syncs) and the API client points
 * at a closed port on loopback (the loop never runs, so nothing is sent).
 */
#include "unit.h"

#include <signal.h>
#include <stdlib.h>

#include "agent/agent_impl.h"

struct at {
	agent a;
	agent_pod *p;
};

static void at_exit_cb(runner_proc *proc, int exited, int code, int signo, void *data)
{
	runner_proc_free(proc);
}

static int at_setup(struct at *t)
{
	char err[256];

	memset(t, 0, sizeof(*t));
	t->a.loop = ev_loop_new();
	t->a.pods_by_uid = dict_new();
	if (!t->a.loop || !t->a.pods_by_uid)
		return -1;
	if (httpc_new(t->a.loop, &(struct httpc_opts){.server = "http://127.0.0.1:1"}, &t->a.api,
	              err, sizeof(err)) < 0 ||
	    informer_new(t->a.loop, t->a.api, "/api/v1", "services", NULL, NULL, NULL,
	                 &(struct informer_callbacks){0}, NULL, &t->a.svcs) < 0)
		return -1;
	if (!(t->a.run = runner_new(t->a.loop, at_exit_cb, NULL)))
		return -1;
	snprintf(t->a.node_ip, sizeof(t->a.node_ip), "127.0.0.1");
	t->p = agent_pod_new(&t->a, "uid-1", "default", "a1");
	if (!t->p)
		return -1;
	t->p->state = AGENT_POD_RUNNING;
	t->p->sandbox = 1;
	t->p->nips = 1;
	snprintf(t->p->ip_str[0], sizeof(t->p->ip_str[0]), "127.0.0.1");
	return 0;
}

static void at_teardown(struct at *t)
{
	if (t->p) {
		agent_ctrs_release(t->p, 0);
		dict_del(t->a.pods_by_uid, t->p->uid);
		agent_pod_free(t->p);
	}
	runner_free(t->a.run);
	informer_free(t->a.svcs);
	httpc_free(t->a.api);
	dict_free(t->a.pods_by_uid, NULL);
	ev_loop_free(t->a.loop);
}

/* Container "web" as agent_state_load leaves it: running, adopted, no spec yet. */
static int at_adopt(struct at *t)
{
	static char *const argv[] = {"sleep", "30", NULL};
	struct runner_spec rs = {.argv = argv};
	struct agent_ctr *c = &t->p->ctrs[0];
	char err[RUNNER_ERR_LEN];

	memset(c, 0, sizeof(*c));
	c->pod = t->p;
	t->p->nctrs = 1;
	snprintf(c->name, sizeof(c->name), "web");
	c->st.name = c->name;
	c->st.image = "";
	if (runner_start(t->a.run, &rs, &c->proc, err, sizeof(err)) < 0)
		return -1;
	c->st.state = PODSTATUS_RUNNING;
	c->adopted = 1;
	return 0;
}

/* The Pod as the API has it: "web" with a readiness probe, and the status
 * the previous agent run wrote. */
static json_t *at_pod(int ready)
{
	return json_pack("{s:{s:s, s:s, s:s}, s:{s:[{s:s, s:s, s:[s], s:{s:{s:s, s:i}}}]},"
	                 " s:{s:s, s:[{s:s, s:s}], s:[{s:s, s:b, s:b, s:i}]}}",
	                 "metadata", "name", "a1", "namespace", "default", "uid", "uid-1", "spec",
	                 "containers", "name", "web", "image", "svcnet/netexec", "command",
	                 "svcnet", "readinessProbe", "httpGet", "path", "/healthz", "port", 8080,
	                 "status", "phase", "Running", "conditions", "type", "Ready", "status",
	                 ready ? "True" : "False", "containerStatuses", "name", "web", "ready",
	                 ready, "started", 1, "restartCount", 0);
}

/* status.conditions[type].status of the status the agent would write now. */
static int at_cond(agent_pod *p, const char *type, char *out, size_t len)
{
	json_t *st = agent_pod_status(p), *c;
	size_t i;

	snprintf(out, len, "-");
	if (!st)
		return -1;
	json_array_foreach (json_object_get(st, "conditions"), i, c) {
		const char *ty = json_string_value(json_object_get(c, "type"));

		if (ty && !strcmp(ty, type))
			snprintf(out, len, "%s", json_string_value(json_object_get(c, "status")));
	}
	json_decref(st);
	return 0;
}

UNIT_TEST(agent_adopt_keeps_api_readiness_before_probes)
{
	struct at t;
	char ready[16] = "";
	int ok = at_setup(&t) == 0 && at_adopt(&t) == 0;

	if (ok) {
		t.p->obj = at_pod(1);
		/* what agent_pod_sync does first with an adopted Pod it now sees */
		agent_ctrs_init(t.p);
		ok = t.p->ctrs[0].st.ready && t.p->ctrs[0].st.started && !t.p->ctrs[0].readiness &&
		     at_cond(t.p, "Ready", ready, sizeof(ready)) == 0;
	}
	at_teardown(&t);
	CHECK(ok);
	CHECK_STR(ready, "True");
}

UNIT_TEST(agent_adopt_unready_stays_unready)
{
	struct at t;
	char ready[16] = "";
	int ok = at_setup(&t) == 0 && at_adopt(&t) == 0;

	if (ok) {
		t.p->obj = at_pod(0);
		agent_ctrs_init(t.p);
		ok = !t.p->ctrs[0].st.ready && t.p->ctrs[0].st.started &&
		     at_cond(t.p, "Ready", ready, sizeof(ready)) == 0;
	}
	at_teardown(&t);
	CHECK(ok);
	CHECK_STR(ready, "False");
}

/* The Services not listed yet hold back container starts only: the adopted
 * container's probes start (seeded with the API's readiness), and the
 * status stays Ready. */
UNIT_TEST(agent_adopt_probes_before_services_synced)
{
	struct at t;
	char ready[16] = "";
	int ok = at_setup(&t) == 0 && at_adopt(&t) == 0, probing = 0, still = 0;

	if (ok) {
		t.p->obj = at_pod(1);
		agent_ctrs_init(t.p);
		ok = !informer_has_synced(t.a.svcs);
		agent_ctrs_sync(t.p);
		probing =
		    t.p->ctrs[0].readiness != NULL && probe_result(t.p->ctrs[0].readiness) == 1;
		still = t.p->ctrs[0].st.ready && at_cond(t.p, "Ready", ready, sizeof(ready)) == 0;
	}
	at_teardown(&t);
	CHECK(ok);
	CHECK(probing);
	CHECK(still);
	CHECK_STR(ready, "True");
}

/* ...while a container that is not running waits for them. */
UNIT_TEST(agent_start_waits_for_services)
{
	struct at t;
	int ok = at_setup(&t) == 0, started = 1;

	if (ok) {
		t.p->obj = at_pod(0);
		agent_ctrs_init(t.p);
		ok = t.p->nctrs == 1 && !t.p->ctrs[0].proc;
		agent_ctrs_sync(t.p);
		started = t.p->ctrs[0].proc != NULL || t.p->ctrs[0].st.state != PODSTATUS_WAITING;
	}
	at_teardown(&t);
	CHECK(ok);
	CHECK(!started);
}
