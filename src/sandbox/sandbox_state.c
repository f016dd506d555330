/*
 * sandbox_state.c - DIR/sandbox.json: what `up` made, for `down` and for a
 * second `up` to see that a sandbox exists. Written again after every step,
 * so that even an `up` killed halfway leaves a record; `down` does not need
 * it (it finds everything by scanning) but uses the pids in it.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sandbox/sandbox_int.h"

static json_t *sandbox_proc_json(const struct sandbox_proc *p)
{
	return json_pack("{s:i, s:I}", "pid", (int)p->pid, "start_time", (json_int_t)p->start);
}

static void sandbox_proc_load(json_t *o, struct sandbox_proc *p)
{
	json_t *pid = json_object_get(o, "pid"), *start = json_object_get(o, "start_time");

	p->pid = json_is_integer(pid) ? (pid_t)json_integer_value(pid) : 0;
	p->start = json_is_integer(start) ? (unsigned long long)json_integer_value(start) : 0;
	/* A pid without its start time could be anybody's by now. */
	if (p->pid <= 0 || !p->start)
		p->pid = 0, p->start = 0;
}

static json_t *sandbox_nodes_json(const struct sandbox_state *s)
{
	json_t *arr = json_array();

	for (int i = 1; arr && i <= s->nodes; i++) {
		char name[32], ip[16], netns[64], veth[16], state[PATH_MAX], log[PATH_MAX];
		json_t *n;

		sandbox_node_name(i, name);
		sandbox_node_ip(i, ip);
		sandbox_node_netns(i, netns);
		sandbox_node_veth(i, veth);
		sandbox_path(state, sizeof(state), "%s/nodes/%s", s->dir, name);
		sandbox_path(log, sizeof(log), "%s/logs/%s.log", s->dir, name);
		n = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "name", name, "ip", ip,
		              "netns", netns, "veth", veth, "state_dir", state, "log", log, "agent",
		              sandbox_proc_json(&s->agents[i - 1]));
		if (!n || json_array_append_new(arr, n) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

int sandbox_state_write(const struct sandbox_state *s)
{
	char path[PATH_MAX], tmp[PATH_MAX], log[PATH_MAX];
	json_t *o;
	int rc = 0;

	if (sandbox_path(path, sizeof(path), "%s/sandbox.json", s->dir) < 0 ||
	    sandbox_path(tmp, sizeof(tmp), "%s/sandbox.json.tmp", s->dir) < 0 ||
	    sandbox_path(log, sizeof(log), "%s/logs/server.log", s->dir) < 0)
		return -ENAMETOOLONG;
	o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:b, s:s, s:o, s:o, s:o}", "data_dir", s->dir,
	              "bridge", SANDBOX_BRIDGE, "bridge_address", SANDBOX_BRIDGE_IP "/24",
	              "proxy_mode", s->proxy_mode, "node_count", s->nodes, "detached", s->detached,
	              "server_log", log, "server", sandbox_proc_json(&s->server), "supervisor",
	              sandbox_proc_json(&s->supervisor), "nodes", sandbox_nodes_json(s));
	if (!o)
		return -ENOMEM;
	if (json_dump_file(o, tmp, JSON_INDENT(2)) < 0)
		rc = -EIO;
	else if (rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	json_decref(o);
	return rc;
}

int sandbox_state_read(const char *dir, struct sandbox_state *s)
{
	char path[PATH_MAX];
	json_error_t jerr;
	json_t *o, *nodes, *n;
	const char *mode;
	size_t i;

	memset(s, 0, sizeof(*s));
	if (sandbox_path(s->dir, sizeof(s->dir), "%s", dir) < 0 ||
	    sandbox_path(path, sizeof(path), "%s/sandbox.json", dir) < 0)
		return -ENAMETOOLONG;
	if (access(path, F_OK) < 0)
		return -errno;
	o = json_load_file(path, 0, &jerr);
	if (!json_is_object(o)) {
		json_decref(o);
		return -EINVAL;
	}
	mode = json_string_value(json_object_get(o, "proxy_mode"));
	snprintf(s->proxy_mode, sizeof(s->proxy_mode), "%s", mode ? mode : "");
	s->detached = json_is_true(json_object_get(o, "detached"));
	sandbox_proc_load(json_object_get(o, "server"), &s->server);
	sandbox_proc_load(json_object_get(o, "supervisor"), &s->supervisor);
	nodes = json_object_get(o, "nodes");
	json_array_foreach (nodes, i, n) {
		if (i >= SANDBOX_MAX_NODES)
			break;
		sandbox_proc_load(json_object_get(n, "agent"), &s->agents[i]);
		s->nodes = (int)i + 1;
	}
	json_decref(o);
	return 0;
}

int sandbox_state_live(const struct sandbox_state *s)
{
	if (sandbox_proc_alive(&s->server) || sandbox_proc_alive(&s->supervisor))
		return 1;
	for (int i = 0; i < s->nodes; i++)
		if (sandbox_proc_alive(&s->agents[i]))
			return 1;
	return 0;
}
