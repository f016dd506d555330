/*
 * agent_api.c - the agent's writes: Pod status, the final delete of a Pod
 * it has stopped, and Events.
 *
 * Status goes as a merge patch of the whole status object (lists in a merge
 * patch replace, so conditions and containerStatuses arrive as computed),
 * with keys that disappeared since the last accepted status sent as null.
 * One write per Pod is in flight at a time; a newer status waits for it and
 * then goes alone, so bursts of changes collapse into one request.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/agent_impl.h"
#include "lib/log.h"

static int agent_api_send(agent *a, const char *method, const char *path, const char *ctype,
                          json_t *body, httpc_done_fn *done, void *data, httpc_req **out)
{
	struct httpc_req_opts o = {0};
	char *text = json_dumps(body, JSON_COMPACT);
	int rc;

	if (!text)
		return -ENOMEM;
	o.method = method;
	o.path = path;
	o.content_type = ctype;
	o.body = text;
	o.body_len = strlen(text);
	o.timeout_ms = 10000;
	o.on_done = done;
	o.data = data;
	rc = httpc_request(a->api, &o, out);
	free(text);
	return rc;
}

static void agent_api_status_done(httpc_req *r, int err, http_response *resp, void *data);

static void agent_api_backoff(agent_pod *p);

/* status.conditions[type].status of a status object, for the debug log. */
static const char *agent_api_cond(const json_t *st, const char *type)
{
	json_t *conds = json_object_get(st, "conditions"), *c;
	size_t i;

	json_array_foreach ((json_t *)conds, i, c) {
		const char *t = json_string_value(json_object_get(c, "type"));

		if (t && !strcmp(t, type))
			return json_string_value(json_object_get(c, "status")) ?: "?";
	}
	return "-";
}

/* Sends the Pod's status if it differs from the last one the server took. */
void agent_api_status(agent_pod *p)
{
	json_t *st, *body, *base;
	const char *k;
	json_t *v;
	char path[512];

	if (p->status_req || p->api_retry || p->gone || !p->obj)
		return;
	st = agent_pod_status(p);
	if (!st)
		return;
	if (p->sent && json_equal(st, p->sent)) {
		json_decref(st);
		return;
	}
	/* Fields that went away are nulled: against the server's copy, and
	 * against what was sent last in case the watch has not caught up. */
	base = json_deep_copy(json_object_get(p->obj, "status"));
	if (!base)
		base = json_object();
	json_object_foreach (p->sent, k, v) {
		if (!json_object_get(base, k))
			json_object_set(base, k, v);
	}
	body = podstatus_patch(base, st);
	json_decref(base);
	if (body)
		json_object_set_new(body, "metadata", json_pack("{s:s}", "uid", p->uid));
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s/status", p->ns, p->name);
	if (!body || agent_api_send(p->a, "PATCH", path, "application/merge-patch+json", body,
	                            agent_api_status_done, p, &p->status_req) < 0) {
		p->status_req = NULL;
		json_decref(st);
		agent_api_backoff(p);
	} else {
		log_debug("agent", "pod %s/%s: status write: phase %s, Ready=%s", p->ns, p->name,
		          json_string_value(json_object_get(st, "phase")) ?: "?",
		          agent_api_cond(st, "Ready"));
		json_decref(p->sent);
		p->sent = st; /* optimistic; dropped on failure */
	}
	json_decref(body);
}

static long long agent_api_retry_due(ev_loop *l, ev_timer *t, void *data)
{
	agent_pod *p = data;

	p->api_retry = NULL;
	agent_pod_queue(p);
	return EV_TIMER_STOP;
}

/* A failed write waits before the next one: 1 s doubling to 30 s, so an
 * unreachable server costs a request now and then, not a busy loop. */
static void agent_api_backoff(agent_pod *p)
{
	long long ms = 1000LL << (p->api_failures < 5 ? p->api_failures : 5);

	if (ms > 30000)
		ms = 30000;
	p->api_failures++;
	if (!p->api_retry)
		p->api_retry = ev_timer_add(p->a->loop, ms, agent_api_retry_due, p);
}

static void agent_api_status_done(httpc_req *r, int err, http_response *resp, void *data)
{
	agent_pod *p = data;

	p->status_req = NULL;
	if (err == 0 && resp->status < 300) {
		p->api_failures = 0;
		agent_pod_queue(p);
		return;
	}
	if (err < 0)
		log_warn("agent", "pod %s/%s status: %s", p->ns, p->name, strerror(-err));
	else if (resp->status != 404 || p->api_failures == 0)
		log_warn("agent", "pod %s/%s status: HTTP %d %.200s", p->ns, p->name, resp->status,
		         resp->body.data ? resp->body.data : "");
	json_decref(p->sent);
	p->sent = NULL;
	/* a 404 means the Pod is going (its delete event follows): the
	 * back-off keeps the agent from asking again meanwhile */
	agent_api_backoff(p);
}

static void agent_api_delete_done(httpc_req *r, int err, http_response *resp, void *data)
{
	agent_pod *p = data;

	p->status_req = NULL;
	if (err < 0 || (resp->status >= 300 && resp->status != 404 && resp->status != 409)) {
		log_warn("agent", "pod %s/%s final delete: %s %d", p->ns, p->name,
		         err < 0 ? strerror(-err) : "HTTP", err < 0 ? 0 : resp->status);
		p->confirmed = 0; /* again after the back-off */
		agent_api_backoff(p);
		return;
	}
	p->api_failures = 0;
	agent_pod_queue(p);
}

/* The kubelet's last word on a Pod it stopped: delete with grace 0 and the
 * uid as precondition, so a new Pod of the same name is never hit. */
void agent_api_confirm_delete(agent_pod *p)
{
	char path[512];
	json_t *body;

	if (p->confirmed || p->status_req || p->api_retry || p->gone)
		return;
	body = json_pack("{s:s, s:s, s:i, s:{s:s}}", "kind", "DeleteOptions", "apiVersion", "v1",
	                 "gracePeriodSeconds", 0, "preconditions", "uid", p->uid);
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s", p->ns, p->name);
	if (body && agent_api_send(p->a, "DELETE", path, NULL, body, agent_api_delete_done, p,
	                           &p->status_req) == 0)
		p->confirmed = 1;
	json_decref(body);
}

static void agent_api_event_done(httpc_req *r, int err, http_response *resp, void *data)
{
	if (err < 0 || resp->status >= 300)
		log_debug("agent", "event not recorded: %s",
		          err < 0 ? strerror(-err) : "HTTP error");
}

void agent_api_event(agent *a, const json_t *obj, const char *type, const char *reason,
                     const char *fmt, ...)
{
	json_t *md = json_object_get(obj, "metadata"), *ev;
	const char *ns = json_string_value(json_object_get(md, "namespace"));
	const char *name = json_string_value(json_object_get(md, "name"));
	const char *uid = json_string_value(json_object_get(md, "uid"));
	char msg[1024], now[32], path[320], ename[300];
	static unsigned seq;
	va_list ap;

	if (!ns || !name)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rfc3339_fmt(time(NULL), now, sizeof(now));
	snprintf(ename, sizeof(ename), "%.200s.%llx%04x", name, (unsigned long long)time(NULL),
	         ++seq & 0xffff);
	ev = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s, s:s, s:s}, s:s, s:s, s:s, "
	               "s:s, s:s, s:i, s:{s:s, s:s}}",
	               "apiVersion", "v1", "kind", "Event", "metadata", "name", ename, "namespace",
	               ns, "involvedObject", "kind", "Pod", "apiVersion", "v1", "namespace", ns,
	               "name", name, "uid", uid ? uid : "", "type", type, "reason", reason,
	               "message", msg, "firstTimestamp", now, "lastTimestamp", now, "count", 1,
	               "source", "component", "kubelet", "host", a->cfg.node_name);
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/events", ns);
	if (ev)
		agent_api_send(a, "POST", path, NULL, ev, agent_api_event_done, NULL, NULL);
	json_decref(ev);
	log_info("agent", "pod %s/%s: %s %s: %s", ns, name, type, reason, msg);
}
