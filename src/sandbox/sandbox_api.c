/*
 * sandbox_api.c - blocking requests against the sandbox's server, for `up`
 * to wait on /readyz and on the Nodes and to create the cluster addons:
 * httpc on a loop of its own that runs only while a request is in flight.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/httpc.h"
#include "lib/ev.h"
#include "sandbox/sandbox_int.h"

struct sandbox_api {
	ev_loop *loop;
	httpc *c;
};

struct sandbox_get {
	ev_loop *loop;
	int err, status;
	buf *out;
};

int sandbox_api_open(const char *kubeconfig, sandbox_api **out, char *err, size_t errlen)
{
	sandbox_api *a = calloc(1, sizeof(*a));
	int rc;

	if (!a || !(a->loop = ev_loop_new())) {
		free(a);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = httpc_new_kubeconfig(a->loop, kubeconfig, &a->c, err, errlen);
	if (rc < 0) {
		ev_loop_free(a->loop);
		free(a);
		return rc;
	}
	*out = a;
	return 0;
}

void sandbox_api_close(sandbox_api *a)
{
	if (!a)
		return;
	httpc_free(a->c);
	ev_loop_free(a->loop);
	free(a);
}

static void sandbox_get_done(httpc_req *r, int err, http_response *resp, void *data)
{
	struct sandbox_get *g = data;

	g->err = err;
	if (err == 0) {
		g->status = resp->status;
		buf_reset(g->out);
		if (buf_append(g->out, buf_head(&resp->body), buf_avail(&resp->body)) < 0 ||
		    buf_cstr(g->out) < 0)
			g->err = -ENOMEM;
	}
	ev_stop(g->loop);
}

int sandbox_api_call(sandbox_api *a, const char *method, const char *path, const char *body,
                     int timeout_ms, int *status, buf *out)
{
	struct sandbox_get g = {a->loop, 0, 0, out};
	struct httpc_req_opts o = {0};
	int rc;

	o.method = method;
	o.path = path;
	o.body = body;
	o.body_len = body ? strlen(body) : 0;
	o.timeout_ms = timeout_ms;
	o.max_body = 16u << 20;
	o.on_done = sandbox_get_done;
	o.data = &g;
	rc = httpc_request(a->c, &o, NULL);
	if (rc < 0)
		return rc;
	/* on_done always comes: the request's deadline ends it at the latest. */
	ev_run(a->loop);
	*status = g.status;
	return g.err;
}

int sandbox_api_get(sandbox_api *a, const char *path, int timeout_ms, int *status, buf *out)
{
	return sandbox_api_call(a, "GET", path, NULL, timeout_ms, status, out);
}

/* Node "node-<i>" -> i, or 0. */
static int sandbox_node_index(const char *name, int n)
{
	char *end;
	long i;

	if (!name || strncmp(name, "node-", 5) != 0)
		return 0;
	i = strtol(name + 5, &end, 10);
	return *end || end == name + 5 || i < 1 || i > n ? 0 : (int)i;
}

static void sandbox_node_fill(json_t *node, struct sandbox_node_status *st)
{
	json_t *conds = json_object_get(json_object_get(node, "status"), "conditions");
	json_t *addrs = json_object_get(json_object_get(node, "status"), "addresses");
	json_t *c;
	size_t k;

	st->ready = 0;
	st->ip[0] = '\0';
	json_array_foreach (conds, k, c) {
		const char *type = json_string_value(json_object_get(c, "type"));
		const char *val = json_string_value(json_object_get(c, "status"));

		if (type && val && !strcmp(type, "Ready"))
			st->ready = !strcmp(val, "True");
	}
	json_array_foreach (addrs, k, c) {
		const char *type = json_string_value(json_object_get(c, "type"));
		const char *val = json_string_value(json_object_get(c, "address"));

		if (type && val && !strcmp(type, "InternalIP") && !st->ip[0])
			snprintf(st->ip, sizeof(st->ip), "%s", val);
	}
}

int sandbox_api_nodes(sandbox_api *a, int n, struct sandbox_node_status *st)
{
	json_t *list, *items, *node;
	json_error_t jerr;
	int status = 0, rc, ready = 0;
	size_t k;
	buf body;

	buf_init(&body);
	rc = sandbox_api_get(a, "/api/v1/nodes", 5000, &status, &body);
	if (rc == 0 && status != 200)
		rc = -EPROTO;
	if (rc < 0) {
		buf_free(&body);
		return rc;
	}
	list = json_loadb(buf_head(&body), buf_avail(&body), 0, &jerr);
	buf_free(&body);
	items = json_object_get(list, "items");
	if (!json_is_array(items)) {
		json_decref(list);
		return -EPROTO;
	}
	memset(st, 0, (size_t)n * sizeof(*st));
	json_array_foreach (items, k, node) {
		int i = sandbox_node_index(
		    json_string_value(json_object_get(json_object_get(node, "metadata"), "name")),
		    n);

		if (i)
			sandbox_node_fill(node, &st[i - 1]);
	}
	json_decref(list);
	for (int i = 0; i < n; i++)
		ready += st[i].ready;
	return ready;
}
