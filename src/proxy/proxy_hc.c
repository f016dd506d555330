/*
 * proxy_hc.c - healthCheckNodePort servers: for a LoadBalancer Service with
 * externalTrafficPolicy Local, an HTTP listener on its healthCheckNodePort
 * that tells the load balancer whether this node has a ready endpoint of it
 * (200) or not (503), so traffic only goes to nodes that will not drop it.
 * The body is kube-proxy's:
 *   {"service":{"namespace":"ns","name":"svc"},"localEndpoints":1,"serviceProxyHealthy":true}
 *
 * Ports come and go with the service ports; the count is the number of
 * local ready endpoints (kube-proxy's LocalReadyEndpoints), the largest over
 * the Service's ports.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dict.h"
#include "lib/log.h"
#include "proxy/proxy_int.h"

struct hc_port { /* what one service port asks for */
	char nsn[320];
	uint16_t port;
	size_t count;
};

struct hc_srv {
	struct proxy_hc *hc;
	uint16_t port;
	char ns[64], name[256];
	size_t count;
	bool seen;
	http_server *srv;
};

struct proxy_hc {
	ev_loop *loop;
	dict *ports; /* svcport key -> struct hc_port */
	struct hc_srv **srv;
	size_t nsrv;
};

static void hc_flush(ev_loop *l, void *data)
{
	struct proxy_hc *hc = data;

	for (size_t i = 0; i < hc->nsrv; i++)
		http_server_flush(hc->srv[i]->srv);
}

struct proxy_hc *proxy_hc_new(ev_loop *l)
{
	struct proxy_hc *hc = calloc(1, sizeof(*hc));

	if (!hc)
		return NULL;
	hc->loop = l;
	hc->ports = dict_new();
	if (!hc->ports || ev_add_before_sleep(l, hc_flush, hc) < 0) {
		dict_free(hc->ports, NULL);
		free(hc);
		return NULL;
	}
	return hc;
}

static void hc_srv_free(struct hc_srv *s)
{
	http_server_stop(s->srv);
	free(s);
}

void proxy_hc_free(struct proxy_hc *hc)
{
	if (!hc)
		return;
	ev_del_before_sleep(hc->loop, hc_flush, hc);
	for (size_t i = 0; i < hc->nsrv; i++)
		hc_srv_free(hc->srv[i]);
	free(hc->srv);
	dict_free(hc->ports, free);
	free(hc);
}

size_t proxy_hc_count(const struct proxy_hc *hc)
{
	return hc->nsrv;
}

static void hc_handler(http_conn *c, http_request *req, void *data)
{
	struct hc_srv *s = data;
	char body[512];
	int n = snprintf(body, sizeof(body),
	                 "{\"service\":{\"namespace\":\"%s\",\"name\":\"%s\"},"
	                 "\"localEndpoints\":%zu,\"serviceProxyHealthy\":true}\n",
	                 s->ns, s->name, s->count);

	http_add_header(c, "X-Content-Type-Options", "nosniff");
	http_add_header(c, "X-Load-Balancing-Endpoint-Weight", s->count ? "1" : "0");
	http_respond(c, s->count ? 200 : 503, "application/json", body, (size_t)n);
}

static size_t hc_local_ready(const struct pxm_svcport *sp)
{
	size_t n = 0;

	for (size_t i = 0; i < sp->n_eps; i++)
		if (sp->eps[i].local && sp->eps[i].ready)
			n++;
	return n;
}

static int hc_put(struct proxy_hc *hc, const struct pxm_svcport *sp)
{
	struct hc_port *e;
	void *old = NULL;

	if (!sp->health_check_node_port) {
		free(dict_del(hc->ports, sp->key));
		return 0;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	snprintf(e->nsn, sizeof(e->nsn), "%s/%s", sp->ns, sp->name);
	e->port = sp->health_check_node_port;
	e->count = hc_local_ready(sp);
	if (dict_set(hc->ports, sp->key, e, &old) < 0) {
		free(e);
		return -ENOMEM;
	}
	free(old);
	return 0;
}

static struct hc_srv *hc_find(struct proxy_hc *hc, uint16_t port)
{
	for (size_t i = 0; i < hc->nsrv; i++)
		if (hc->srv[i]->port == port)
			return hc->srv[i];
	return NULL;
}

static struct hc_srv *hc_start(struct proxy_hc *hc, const struct hc_port *e)
{
	struct hc_srv *s = calloc(1, sizeof(*s)), **v;
	const char *slash = strchr(e->nsn, '/');
	char addr[32];
	int rc;

	if (!s)
		return NULL;
	v = realloc(hc->srv, (hc->nsrv + 1) * sizeof(*v));
	if (!v) {
		free(s);
		return NULL;
	}
	hc->srv = v;
	s->hc = hc;
	s->port = e->port;
	snprintf(s->ns, sizeof(s->ns), "%.*s", (int)(slash - e->nsn), e->nsn);
	snprintf(s->name, sizeof(s->name), "%s", slash + 1);
	snprintf(addr, sizeof(addr), "0.0.0.0:%u", e->port);
	rc = http_server_start_status(hc->loop, addr, hc_handler, s, 256, &s->srv);
	if (rc < 0) {
		/* kube-proxy logs and goes on: the rules still work, only the
		 * load balancer's view of this node is missing. */
		log_error("proxy", "healthCheckNodePort %u of %s: listen: %s", e->port, e->nsn,
		          strerror(-rc));
		free(s);
		return NULL;
	}
	log_info("proxy", "healthCheckNodePort %u of %s: serving", e->port, e->nsn);
	hc->srv[hc->nsrv++] = s;
	return s;
}

/* Listeners to match the ports: one per healthCheckNodePort. */
static void hc_reconcile(struct proxy_hc *hc)
{
	dict_iter it;
	const char *k;
	void *v;
	size_t i, j;

	for (i = 0; i < hc->nsrv; i++) {
		hc->srv[i]->seen = false;
		hc->srv[i]->count = 0;
	}
	dict_iter_init(&it, hc->ports);
	while (dict_next(&it, &k, &v)) {
		struct hc_port *e = v;
		struct hc_srv *s = hc_find(hc, e->port);

		if (!s)
			s = hc_start(hc, e);
		if (!s)
			continue;
		s->seen = true;
		if (e->count > s->count)
			s->count = e->count;
	}
	for (i = j = 0; i < hc->nsrv; i++) {
		if (hc->srv[i]->seen) {
			hc->srv[j++] = hc->srv[i];
			continue;
		}
		log_info("proxy", "healthCheckNodePort %u of %s/%s: closed", hc->srv[i]->port,
		         hc->srv[i]->ns, hc->srv[i]->name);
		hc_srv_free(hc->srv[i]);
	}
	hc->nsrv = j;
}

void proxy_hc_update(struct proxy_hc *hc, const struct pxm_change *ch, size_t n,
                     const struct pxm_svcport *const *all, size_t n_all)
{
	bool touched = false;

	if (all) {
		dict *fresh = dict_new();

		if (!fresh)
			return;
		dict_free(hc->ports, free);
		hc->ports = fresh;
		for (size_t i = 0; i < n_all; i++)
			hc_put(hc, all[i]);
		touched = true;
	}
	for (size_t i = 0; i < n && !all; i++) {
		const struct pxm_svcport *o = ch[i].old, *c = ch[i].cur;

		if ((o && o->health_check_node_port) || (c && c->health_check_node_port)) {
			touched = true;
			if (c)
				hc_put(hc, c);
			else
				free(dict_del(hc->ports, o->key));
		}
	}
	if (touched)
		hc_reconcile(hc);
}
