/*
 * agent_state.c - what a restarted agent needs to find its Pods again.
 *
 * One file per Pod, <state>/pods/<uid>/meta.json, written atomically after
 * each change that matters (sandbox made, container started or ended):
 *
 *   {"namespace": "default", "name": "web-1", "uid": "...",
 *    "netns": "<state>/pins/<uid>.net", "uts": "<state>/pins/<uid>.uts",
 *    "binds": [{"src": ".../resolv.conf", "dst": "/etc/resolv.conf"}, ...],
 *    "ips": ["10.42.1.5"], "start_time": 1795000000, "finished": false,
 *    "containers": {"web": {"pid": 4242, "start_time": 123456,
 *                           "restart_count": 0, "started_at": 1795000001}}}
 *
 * `svcnet exec` reads the same file to enter a Pod. On start the agent
 * adopts each listed process whose pid still has the recorded start time
 * (so a recycled pid is never mistaken for a container).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent_impl.h"
#include "lib/log.h"

static json_t *agent_state_term(const struct podstatus_term *t)
{
	return json_pack("{s:i, s:i, s:s, s:s, s:I, s:I, s:s}", "exit_code", t->exit_code, "signal",
	                 t->signal, "reason", t->reason, "message", t->message, "started_at",
	                 (json_int_t)t->started_at, "finished_at", (json_int_t)t->finished_at,
	                 "container_id", t->container_id);
}

static void agent_state_str(char *out, size_t len, const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	snprintf(out, len, "%s", v ? v : "");
}

static void agent_state_load_term(const json_t *o, struct podstatus_term *t)
{
	memset(t, 0, sizeof(*t));
	t->exit_code = (int)json_integer_value(json_object_get(o, "exit_code"));
	t->signal = (int)json_integer_value(json_object_get(o, "signal"));
	agent_state_str(t->reason, sizeof(t->reason), o, "reason");
	agent_state_str(t->message, sizeof(t->message), o, "message");
	t->started_at = json_integer_value(json_object_get(o, "started_at"));
	t->finished_at = json_integer_value(json_object_get(o, "finished_at"));
	agent_state_str(t->container_id, sizeof(t->container_id), o, "container_id");
}

int agent_state_save(agent_pod *p)
{
	json_t *m, *binds = json_array(), *ips = json_array(), *cs = json_object();
	char path[PATH_MAX + 16];
	char *text;
	int rc;

	for (int i = 0; i < 3; i++)
		json_array_append_new(binds, json_pack("{s:s, s:s}", "src", p->binds[i].src, "dst",
		                                       p->binds[i].dst));
	for (int i = 0; i < p->nips; i++)
		json_array_append_new(ips, json_string(p->ip_str[i]));
	for (int i = 0; i < p->nctrs; i++) {
		struct agent_ctr *c = &p->ctrs[i];
		int live = c->proc && !runner_proc_done(c->proc);
		json_t *e = json_pack(
		    "{s:i, s:I, s:i, s:I, s:b, s:i, s:i, s:s, s:s, s:s}", "pid",
		    live ? (int)runner_proc_pid(c->proc) : 0, "start_time",
		    (json_int_t)(live ? runner_proc_start_time(c->proc) : 0), "restart_count",
		    c->st.restart_count, "started_at", (json_int_t)c->st.started_at, "done", c->done,
		    "backoff", c->backoff_n, "state", (int)c->st.state, "reason", c->st.reason,
		    "message", c->st.message, "container_id", c->st.container_id);

		if (e)
			json_object_set_new(e, "started_once", json_boolean(c->started_once));
		/* what a restarted agent must still report: how it ended */
		if (e && c->st.state == PODSTATUS_TERMINATED)
			json_object_set_new(e, "term", agent_state_term(&c->st.term));
		if (e && c->st.has_last)
			json_object_set_new(e, "last", agent_state_term(&c->st.last));
		json_object_set_new(cs, c->name, e);
	}
	m = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:I, s:b, s:o}", "namespace", p->ns,
	              "name", p->name, "uid", p->uid, "netns", p->netns, "uts", p->uts, "binds",
	              binds, "ips", ips, "start_time", (json_int_t)p->start_time, "finished",
	              p->state == AGENT_POD_FINISHED, "containers", cs);
	text = m ? json_dumps(m, JSON_INDENT(1)) : NULL;
	json_decref(m);
	if (!text)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/meta.json", p->dir);
	rc = podfs_write_file(path, text, 1);
	free(text);
	if (rc < 0)
		log_warn("agent", "pod %s/%s: saving %s: %s", p->ns, p->name, path, strerror(-rc));
	return rc;
}

void agent_state_remove(agent_pod *p)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/meta.json", p->dir);
	unlink(path);
}

static void agent_state_adopt(agent *a, agent_pod *p, json_t *cs)
{
	const char *name;
	json_t *c;

	json_object_foreach(cs, name, c)
	{
		struct agent_ctr *ctr;
		json_int_t pid = json_integer_value(json_object_get(c, "pid"));
		json_int_t st = json_integer_value(json_object_get(c, "start_time"));

		if (p->nctrs == AGENT_MAX_CONTAINERS || strlen(name) >= sizeof(ctr->name))
			break;
		ctr = &p->ctrs[p->nctrs];
		memset(ctr, 0, sizeof(*ctr));
		ctr->pod = p;
		p->nctrs++;
		snprintf(ctr->name, sizeof(ctr->name), "%s", name);
		ctr->st.name = ctr->name;
		ctr->st.image = "";
		ctr->st.restart_count = (int)json_integer_value(json_object_get(c, "restart_count"));
		ctr->st.started_at = json_integer_value(json_object_get(c, "started_at"));
		ctr->backoff_n = (int)json_integer_value(json_object_get(c, "backoff"));
		ctr->started_once = json_is_true(json_object_get(c, "started_once"));
		agent_state_str(ctr->st.container_id, sizeof(ctr->st.container_id), c,
		                "container_id");
		if (json_object_get(c, "last")) {
			ctr->st.has_last = 1;
			agent_state_load_term(json_object_get(c, "last"), &ctr->st.last);
		}
		if (pid > 0 && runner_adopt(a->run, (pid_t)pid, (unsigned long long)st, ctr,
		                            &ctr->proc) == 0) {
			ctr->st.state = PODSTATUS_RUNNING;
			ctr->adopted = 1;
			ctr->running_since = ev_clock_ms();
			log_info("agent", "pod %s/%s: adopted container %s (pid %d)", p->ns, p->name,
			         name, (int)pid);
		} else if (pid > 0) {
			ctr->proc = NULL;
			ctr->st.state = PODSTATUS_RUNNING;
			ctr->lost = 1;
			ctr->lost_code = 137;
			snprintf(ctr->lost_reason, sizeof(ctr->lost_reason), "ContainerStatusUnknown");
			snprintf(ctr->lost_msg, sizeof(ctr->lost_msg),
			         "the container was gone when the agent restarted");
		} else {
			/* not running when the agent stopped: as it was (terminated
			 * for good, or waiting to start again, which the next sync
			 * does) */
			int state = (int)json_integer_value(json_object_get(c, "state"));

			ctr->done = json_is_true(json_object_get(c, "done"));
			ctr->st.state = state == PODSTATUS_TERMINATED ? PODSTATUS_TERMINATED
			                                               : PODSTATUS_WAITING;
			agent_state_str(ctr->st.reason, sizeof(ctr->st.reason), c, "reason");
			agent_state_str(ctr->st.message, sizeof(ctr->st.message), c, "message");
			if (json_object_get(c, "term"))
				agent_state_load_term(json_object_get(c, "term"), &ctr->st.term);
		}
	}
}

void agent_state_load(agent *a)
{
	DIR *d = opendir(a->pods_dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[PATH_MAX + 300];
		json_t *m, *ips;
		const char *ns, *name, *uid;
		agent_pod *p;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/meta.json", a->pods_dir, de->d_name);
		if (!(m = json_load_file(path, 0, NULL)))
			continue;
		ns = json_string_value(json_object_get(m, "namespace"));
		name = json_string_value(json_object_get(m, "name"));
		uid = json_string_value(json_object_get(m, "uid"));
		if (!ns || !name || !uid || strcmp(uid, de->d_name) ||
		    !(p = agent_pod_new(a, uid, ns, name))) {
			log_warn("agent", "%s: not a Pod of this agent; ignored", path);
			json_decref(m);
			continue;
		}
		ips = json_object_get(m, "ips");
		for (size_t i = 0; i < json_array_size(ips) && i < PODNET_MAX_IPS; i++) {
			const char *s = json_string_value(json_array_get(ips, i));

			if (s && net_addr_parse(s, &p->ips[p->nips]) == 0)
				snprintf(p->ip_str[p->nips++], NET_ADDR_STRLEN, "%s", s);
		}
		p->start_time = json_integer_value(json_object_get(m, "start_time"));
		if (json_is_true(json_object_get(m, "finished"))) {
			p->state = AGENT_POD_FINISHED;
			p->net_released = 1;
		} else {
			p->state = AGENT_POD_RUNNING;
		}
		/* finished ones too: their final status must still be told if the
		 * last write did not make it before the agent stopped */
		agent_state_adopt(a, p, json_object_get(m, "containers"));
		json_decref(m);
	}
	closedir(d);
}
