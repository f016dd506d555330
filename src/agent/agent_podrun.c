/*
 * agent_podrun.c - the containers of one Pod: start, exit, restart with
 * back-off, probes, stop.
 *
 * Each container is a process the runner started (or adopted after an agent
 * restart). Its status (struct podstatus_container) is kept here as the
 * kubelet would report it; agent_pod.c turns it into the Pod status.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/agent_impl.h"
#include "agent/podenv.h"
#include "lib/log.h"

/* A container that ran this long without trouble starts its back-off anew
 * (the kubelet's 10 minutes). */
#define AGENT_BACKOFF_RESET_MS (10 * 60 * 1000)

static void agent_ctr_set_waiting(struct agent_ctr *c, const char *reason, const char *msg)
{
	c->st.state = PODSTATUS_WAITING;
	snprintf(c->st.reason, sizeof(c->st.reason), "%s", reason);
	snprintf(c->st.message, sizeof(c->st.message), "%s", msg ? msg : "");
	c->st.ready = c->st.started = 0;
}

static void agent_ctr_bind_spec(struct agent_ctr *c, json_t *spec)
{
	json_decref(c->spec);
	c->spec = json_incref(spec);
	c->st.name = c->name;
	c->st.image = json_string_value(json_object_get(spec, "image"));
	if (!c->st.image)
		c->st.image = "";
}

static int agent_ctr_was(const struct agent_ctr *c, const char *field);
static void agent_ctr_update_ready(struct agent_ctr *c);

/* A container adopted after an agent restart keeps the readiness the API
 * shows until a probe of this agent says otherwise. That is set here, as
 * soon as the Pod is seen, and not only when the probes start (once the
 * Pod's sandbox has been checked again): a status written in between would
 * say "not ready" for a moment, and the EndpointSlices would follow. */
static void agent_ctr_adopt_seed(struct agent_ctr *c)
{
	if (!c->adopted || !c->proc || c->readiness || c->startup)
		return;
	if (!c->started_ok)
		c->started_ok = agent_ctr_was(c, "started");
	c->ready_ok = agent_ctr_was(c, "ready");
	agent_ctr_update_ready(c);
}

void agent_ctrs_init(agent_pod *p)
{
	json_t *cs = json_object_get(json_object_get(p->obj, "spec"), "containers"), *spec;
	size_t i;

	if (!p->obj)
		return;
	json_array_foreach (cs, i, spec) {
		const char *name = json_string_value(json_object_get(spec, "name"));
		struct agent_ctr *c = NULL;

		if (!name)
			continue;
		for (int k = 0; k < p->nctrs; k++)
			if (!strcmp(p->ctrs[k].name, name))
				c = &p->ctrs[k];
		if (!c) {
			if (p->nctrs == AGENT_MAX_CONTAINERS) {
				log_warn("agent",
				         "pod %s/%s: more than %d containers; the rest do "
				         "not run",
				         p->ns, p->name, AGENT_MAX_CONTAINERS);
				break;
			}
			c = &p->ctrs[p->nctrs];
			memset(c, 0, sizeof(*c));
			c->pod = p;
			p->nctrs++;
			snprintf(c->name, sizeof(c->name), "%s", name);
			agent_ctr_set_waiting(c, "ContainerCreating", NULL);
		}
		agent_ctr_bind_spec(c, spec);
		agent_ctr_adopt_seed(c);
	}
	/* Adopted containers the spec no longer names cannot be; drop them. */
	for (int k = 0; k < p->nctrs; k++)
		if (!p->ctrs[k].spec && p->ctrs[k].proc) {
			runner_proc_free(p->ctrs[k].proc);
			p->ctrs[k].proc = NULL;
			p->ctrs[k].done = 1;
		}
	p->ctrs_inited = 1;
}

static void agent_ctr_probes_free(struct agent_ctr *c)
{
	probe_free(c->readiness);
	probe_free(c->liveness);
	probe_free(c->startup);
	c->readiness = c->liveness = c->startup = NULL;
}

static void agent_ctr_update_ready(struct agent_ctr *c)
{
	int running = c->proc && !runner_proc_done(c->proc);

	c->st.started = running && (!json_object_get(c->spec, "startupProbe") || c->started_ok);
	c->st.ready = c->st.started && (!json_object_get(c->spec, "readinessProbe") || c->ready_ok);
}

static int agent_ctr_grace(const struct agent_ctr *c)
{
	json_t *g =
	    json_object_get(json_object_get(c->pod->obj, "spec"), "terminationGracePeriodSeconds");

	return json_is_integer(g) ? (int)json_integer_value(g) : 30;
}

static void agent_ctr_probe_start(struct agent_ctr *c, enum probe_kind kind);
static long long agent_ctr_restart_due(ev_loop *l, ev_timer *t, void *data);
static void agent_ctr_exited_status(struct agent_ctr *c, int code, int signo, const char *reason,
                                    const char *msg, long long now);

static void agent_ctr_probed(probe *pr, int ok, const char *msg, void *data)
{
	struct agent_ctr *c = data;
	agent_pod *p = c->pod;

	if (pr == c->readiness) {
		c->ready_ok = ok;
		if (!ok)
			agent_api_event(p->a, p->obj, "Warning", "Unhealthy",
			                "Readiness probe failed: %s", msg ? msg : "");
	} else if (pr == c->startup && ok) {
		c->started_ok = 1;
		probe_free(c->startup);
		c->startup = NULL;
		agent_ctr_probe_start(c, PROBE_READINESS);
		agent_ctr_probe_start(c, PROBE_LIVENESS);
	} else if (!ok && c->proc && !runner_proc_stopping(c->proc)) {
		/* liveness, or a startup probe that gave up: the kubelet kills
		 * the container and restarts it by the restart policy */
		const char *what = pr == c->liveness ? "Liveness" : "Startup";

		agent_api_event(p->a, p->obj, "Warning", "Unhealthy", "%s probe failed: %s", what,
		                msg ? msg : "");
		agent_api_event(p->a, p->obj, "Normal", "Killing",
		                "Container %s failed %s probe, will be restarted", c->name,
		                pr == c->liveness ? "liveness" : "startup");
		c->liveness_kill = 1;
		runner_stop(c->proc, agent_ctr_grace(c));
	}
	agent_ctr_update_ready(c);
	agent_pod_queue(p);
}

/* containerStatuses[name=c].<field> of the Pod as the API has it: 1/0. */
static int agent_ctr_was(const struct agent_ctr *c, const char *field)
{
	json_t *cs = json_object_get(json_object_get(c->pod->obj, "status"), "containerStatuses");
	json_t *e;
	size_t i;

	json_array_foreach (cs, i, e) {
		const char *n = json_string_value(json_object_get(e, "name"));

		if (n && !strcmp(n, c->name))
			return json_is_true(json_object_get(e, field));
	}
	return 0;
}

static void agent_ctr_probe_start(struct agent_ctr *c, enum probe_kind kind)
{
	static const char *const keys[] = {"readinessProbe", "livenessProbe", "startupProbe"};
	probe **slot = kind == PROBE_READINESS  ? &c->readiness
	               : kind == PROBE_LIVENESS ? &c->liveness
	                                        : &c->startup;
	json_t *spec = json_object_get(c->spec, keys[kind]);
	struct probe_target t = {0};
	char err[256];

	if (!spec || *slot)
		return;
	t.pod_ip = c->pod->ip_str[0];
	t.container = c->spec;
	t.netns_path = c->pod->netns;
	t.uts_path = c->pod->uts;
	t.binds = c->pod->binds;
	t.nbinds = 3;
	t.envp = c->envp;
	if (probe_new(c->pod->a->loop, c->pod->a->run, kind, spec, &t, agent_ctr_probed, c, slot,
	              err, sizeof(err)) < 0) {
		*slot = NULL;
		agent_api_event(c->pod->a, c->pod->obj, "Warning", "ProbeError", "%s of %s: %s",
		                keys[kind], c->name, err);
		return;
	}
	if (c->adopted) {
		/* what the API last heard from the previous agent run */
		int was = agent_ctr_was(c, kind == PROBE_STARTUP ? "started" : "ready");

		probe_seed(*slot, kind == PROBE_LIVENESS ? 1 : was);
		if (kind == PROBE_READINESS)
			c->ready_ok = was;
		else if (kind == PROBE_STARTUP)
			c->started_ok = was;
	}
}

static void agent_ctr_probes_start(struct agent_ctr *c)
{
	if (c->adopted && !c->started_ok && agent_ctr_was(c, "started"))
		c->started_ok = 1; /* it got through its startup probe before */
	if (json_object_get(c->spec, "startupProbe") && !c->started_ok) {
		agent_ctr_probe_start(c, PROBE_STARTUP);
		return;
	}
	agent_ctr_probe_start(c, PROBE_READINESS);
	agent_ctr_probe_start(c, PROBE_LIVENESS);
}

/* The Services the Pod sees in its environment, from the informer cache. */
static const json_t **agent_ctr_services(agent_pod *p, size_t *n)
{
	size_t cap = informer_size(p->a->svcs) + 1, k = 0;
	const json_t **v = calloc(cap, sizeof(*v));
	informer_iter it;
	json_t *s;

	if (!v)
		return NULL;
	informer_iter_init(&it, p->a->svcs);
	while (informer_iter_next(&it, &s) && k < cap)
		if (podenv_service_visible(p->obj, s))
			v[k++] = s;
	*n = k;
	return v;
}

static void agent_ctr_start(struct agent_ctr *c)
{
	agent_pod *p = c->pod;
	struct podenv_in in = {0};
	struct runner_spec rs = {0};
	char **argv = NULL, **envp = NULL, err[RUNNER_ERR_LEN], log_path[PATH_MAX + 80];
	const json_t **svcs;
	size_t nsvcs = 0;
	int rc;

	svcs = agent_ctr_services(p, &nsvcs);
	in.pod = p->obj;
	in.container = c->spec;
	in.services = svcs;
	in.nservices = nsvcs;
	in.pod_ips[0] = p->ip_str[0];
	in.npod_ips = p->nips;
	in.host_ip = p->a->node_ip;
	in.path_prefix = p->a->cfg.svcnet_dir;
	in.cluster_domain = p->a->cfg.cluster_domain;
	rc = podenv_build(&in, &argv, &envp, err, sizeof(err));
	free(svcs);
	if (rc < 0) {
		if (strcmp(c->st.reason, "CreateContainerConfigError") != 0)
			agent_api_event(p->a, p->obj, "Warning", "Failed", "Error: %s", err);
		agent_ctr_set_waiting(c, "CreateContainerConfigError", err);
		/* the kubelet retries with its pod sync; so do we, in 10 s */
		c->restart_at = ev_clock_ms() + 10000;
		c->restart_timer = ev_timer_add(p->a->loop, 10000, agent_ctr_restart_due, c);
		return;
	}
	/* restartCount counts containers made after the first, as the kubelet's */
	if (c->started_once)
		c->st.restart_count++;
	c->started_once = 1;
	snprintf(log_path, sizeof(log_path), "%s/%s.log", p->dir, c->name);
	rs.argv = argv;
	rs.envp = envp;
	rs.dir = json_string_value(json_object_get(c->spec, "workingDir"));
	rs.log_path = log_path;
	rs.netns_path = p->netns;
	rs.uts_path = p->uts;
	rs.binds = p->binds;
	rs.nbinds = 3;
	rs.data = c;
	rc = runner_start(p->a->run, &rs, &c->proc, err, sizeof(err));
	podenv_free(argv);
	podenv_free(c->envp);
	c->envp = envp;
	if (rc < 0) {
		long long now = time(NULL);

		c->proc = NULL;
		agent_api_event(p->a, p->obj, "Warning", "Failed", "Error: %s", err);
		/* As the kubelet reports it: terminated with StartError, exit 128. */
		agent_ctr_exited_status(c, 128, 0, "StartError", err, now);
		return;
	}
	c->running_since = ev_clock_ms();
	c->adopted = 0;
	c->ready_ok = c->started_ok = 0;
	c->liveness_kill = 0;
	c->st.state = PODSTATUS_RUNNING;
	c->st.reason[0] = c->st.message[0] = 0;
	c->st.started_at = time(NULL);
	snprintf(c->st.container_id, sizeof(c->st.container_id), "svcnet://%d",
	         (int)runner_proc_pid(c->proc));
	agent_ctr_update_ready(c);
	agent_ctr_probes_start(c);
	agent_api_event(p->a, p->obj, "Normal", "Started", "Started container %s", c->name);
	agent_state_save(p);
}

static long long agent_ctr_restart_due(ev_loop *l, ev_timer *t, void *data)
{
	struct agent_ctr *c = data;

	c->restart_timer = NULL;
	agent_pod_queue(c->pod);
	return EV_TIMER_STOP;
}

/* What to do after container c ended with code (exit status or 128+signal):
 * the status says terminated; a restart is scheduled when the policy wants
 * one, after the back-off. */
static void agent_ctr_exited_status(struct agent_ctr *c, int code, int signo, const char *reason,
                                    const char *msg, long long now)
{
	agent_pod *p = c->pod;
	const char *policy = agent_jstr(p->obj, "spec", "restartPolicy");
	struct podstatus_term term = {0};
	int restart;

	agent_ctr_probes_free(c);
	term.exit_code = code;
	term.signal = signo;
	snprintf(term.reason, sizeof(term.reason), "%s", reason);
	snprintf(term.message, sizeof(term.message), "%s", msg ? msg : "");
	term.started_at = c->st.state == PODSTATUS_RUNNING ? c->st.started_at : now;
	term.finished_at = now;
	c->st.state = PODSTATUS_TERMINATED;
	c->st.term = term;
	c->st.ready = c->st.started = 0;
	c->st.reason[0] = c->st.message[0] = 0;
	if (p->state == AGENT_POD_STOPPING) {
		c->done = 1;
		return;
	}
	restart = runner_should_restart(policy, c->liveness_kill && !code ? 1 : code);
	if (restart <= 0) {
		c->done = 1;
		return;
	}
	if (c->running_since && ev_clock_ms() - c->running_since > AGENT_BACKOFF_RESET_MS)
		c->backoff_n = 0;
	{
		long long delay = runner_backoff_ms(c->backoff_n++);
		char m[512];

		c->st.has_last = 1;
		c->st.last = term;
		c->restart_at = ev_clock_ms() + (uint64_t)delay;
		if (delay > 0) {
			snprintf(m, sizeof(m),
			         "back-off %llds restarting failed container=%s pod=%.100s_%s(%s)",
			         delay / 1000, c->name, p->name, p->ns, p->uid);
			agent_ctr_set_waiting(c, "CrashLoopBackOff", m);
			agent_api_event(p->a, p->obj, "Warning", "BackOff",
			                "Back-off restarting "
			                "failed container %s",
			                c->name);
		}
		c->restart_timer = ev_timer_add(p->a->loop, delay, agent_ctr_restart_due, c);
	}
}

void agent_ctr_exited(runner_proc *proc, int exited, int code, int signo, void *data)
{
	struct agent_ctr *c = runner_proc_data(proc);
	agent_pod *p;
	char msg[128] = "";
	const char *reason;

	if (!c || c->proc != proc) {
		runner_proc_free(proc);
		return;
	}
	p = c->pod;
	c->proc = NULL;
	runner_proc_free(proc);
	if (code == -1) {
		/* adopted after an agent restart: not our child, so its exit
		 * status cannot be had (reported as the kubelet reports a lost one) */
		code = 137;
		reason = "ContainerStatusUnknown";
		snprintf(msg, sizeof(msg),
		         "the container ended after an agent restart adopted it; its exit status "
		         "is unknown");
	} else {
		reason = code == 0 ? "Completed" : "Error";
	}
	log_info("agent", "pod %s/%s container %s ended: exit %d%s%s", p->ns, p->name, c->name,
	         code, signo ? " by signal " : "", signo ? strsignal(signo) : "");
	if (!p->obj || !c->spec) {
		/* adopted, and the API has not spoken yet: the restart policy is
		 * not known, so the next sync with the Pod in hand decides */
		c->lost = 1;
		c->lost_code = code;
		snprintf(c->lost_reason, sizeof(c->lost_reason), "%s", reason);
		snprintf(c->lost_msg, sizeof(c->lost_msg), "%s", msg);
		agent_pod_queue(p);
		return;
	}
	agent_ctr_exited_status(c, code, exited ? 0 : signo, reason, msg, time(NULL));
	agent_state_save(p);
	agent_pod_queue(p);
}

void agent_ctrs_sync(agent_pod *p)
{
	/* Without the Services a container would miss its service variables
	 * for life; the kubelet waits for them too. Only starts wait: the
	 * probes of containers already running need no Services, and an
	 * adopted container must not lose its readiness meanwhile. */
	int can_start = informer_has_synced(p->a->svcs);

	for (int i = 0; i < p->nctrs; i++) {
		struct agent_ctr *c = &p->ctrs[i];

		if (!c->spec || c->done)
			continue;
		if (c->lost) {
			c->lost = 0;
			agent_ctr_exited_status(c, c->lost_code, 0, c->lost_reason, c->lost_msg,
			                        time(NULL));
			agent_state_save(p);
			if (c->done || c->restart_timer || c->restart_at > ev_clock_ms())
				continue;
		}
		if (c->proc) {
			/* adopted, or started: make sure the probes run */
			if (c->st.state != PODSTATUS_RUNNING)
				c->st.state = PODSTATUS_RUNNING;
			agent_ctr_probes_start(c);
			agent_ctr_update_ready(c);
			continue;
		}
		if (c->restart_timer || !can_start)
			continue; /* agent_pods_queue_all() once the Services are listed */
		if (c->restart_at > ev_clock_ms()) {
			c->restart_timer =
			    ev_timer_add(p->a->loop, (long long)(c->restart_at - ev_clock_ms()),
			                 agent_ctr_restart_due, c);
			continue;
		}
		agent_ctr_start(c);
	}
}

int agent_ctrs_stop(agent_pod *p, int grace_s)
{
	int n = 0;

	for (int i = 0; i < p->nctrs; i++) {
		struct agent_ctr *c = &p->ctrs[i];

		/* Readiness keeps being probed while the Pod terminates (its
		 * endpoint shows serving/terminating); liveness no longer. */
		probe_free(c->liveness);
		probe_free(c->startup);
		c->liveness = c->startup = NULL;
		if (c->restart_timer) {
			ev_timer_del(p->a->loop, c->restart_timer);
			c->restart_timer = NULL;
		}
		if (c->proc && !runner_proc_done(c->proc)) {
			runner_stop(c->proc, grace_s);
			n++;
		} else {
			c->done = 1;
		}
	}
	return n;
}

int agent_ctrs_running(const agent_pod *p)
{
	int n = 0;

	for (int i = 0; i < p->nctrs; i++)
		if (p->ctrs[i].proc && !runner_proc_done(p->ctrs[i].proc))
			n++;
	return n;
}

int agent_ctrs_all_done(const agent_pod *p)
{
	if (!p->nctrs)
		return 0;
	for (int i = 0; i < p->nctrs; i++)
		if (!p->ctrs[i].done)
			return 0;
	return 1;
}

void agent_ctrs_release(agent_pod *p, int detach)
{
	for (int i = 0; i < p->nctrs; i++) {
		struct agent_ctr *c = &p->ctrs[i];

		agent_ctr_probes_free(c);
		if (c->restart_timer)
			ev_timer_del(p->a->loop, c->restart_timer);
		c->restart_timer = NULL;
		if (c->proc && !detach)
			runner_proc_free(c->proc);
		c->proc = NULL;
		podenv_free(c->envp);
		c->envp = NULL;
		json_decref(c->spec);
		c->spec = NULL;
	}
	p->nctrs = 0;
}
