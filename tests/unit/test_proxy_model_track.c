/* test_proxy_model_track.c - the proxy model's change tracker, ordering, and hostile JSON. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/model.h"
#include "proxy/model_int.h" /* pxm_parse_time */
#include "test_proxy_model.h"
#include "unit.h"

#define SVC2(port)                                                                                 \
	"{'metadata':{'namespace':'ns','name':'web','resourceVersion':'1'},'spec':{"               \
	"'clusterIP':'10.43.0.5','ports':[{'name':'http','port':" port "},{'name':'metrics',"      \
	"'port':9100}]}}"

#define SLICE(name, svc, ip, ready, extra)                                                         \
	"{'metadata':{'namespace':'ns','name':'" name                                              \
	"','labels':{'kubernetes.io/service-name':'" svc "'}" extra                                \
	"},'addressType':'IPv4','ports':[{'name':'http','port':8080}],"                            \
	"'endpoints':[{'addresses':['" ip "'],'conditions':{'ready':" ready "}}]}"

static int take(pxm *m, struct pxm_changes *ch)
{
	int rc = pxm_take_changes(m, ch);

	return rc ? rc : (int)ch->n;
}

static int del_svc(pxm *m, const char *name, double now)
{
	char buf[256];
	json_t *o;
	int rc;

	snprintf(buf, sizeof(buf), "{'metadata':{'namespace':'ns','name':'%s'}}", name);
	o = tpm_json(buf);
	rc = pxm_service_delete(m, o, now);
	json_decref(o);
	return rc;
}

static int del_slice(pxm *m, const char *name, double now)
{
	char buf[256];
	json_t *o;
	int rc;

	snprintf(buf, sizeof(buf), "{'metadata':{'namespace':'ns','name':'%s'}}", name);
	o = tpm_json(buf);
	rc = pxm_slice_delete(m, o, now);
	json_decref(o);
	return rc;
}

UNIT_TEST(pxm_track_service_lifecycle)
{
	pxm *m = tpm_model("n1", NULL);
	struct pxm_changes ch;

	CHECK(m);
	CHECK_INT(tpm_svc(m, SVC2("80"), 10), 1);
	CHECK_INT(pxm_pending(m), 2);
	CHECK_INT(take(m, &ch), 2);
	CHECK(!ch.full);
	CHECK_STR(ch.v[0].key, "ns/web:http/TCP");
	CHECK_STR(ch.v[1].key, "ns/web:metrics/TCP");
	CHECK_INT(ch.v[0].kind, PXM_ADDED);
	CHECK(ch.v[0].old == NULL && ch.v[0].cur == pxm_get(m, "ns/web:http/TCP"));
	CHECK(ch.v[0].since == 10);
	pxm_changes_free(&ch);
	CHECK_INT(take(m, &ch), 0);
	CHECK(ch.v == NULL);

	/* Nothing the proxy uses changes: no change. */
	CHECK_INT(tpm_svc(m,
	                  "{'metadata':{'namespace':'ns','name':'web','resourceVersion':'2',"
	                  "'labels':{'team':'a'},'annotations':{'x':'y'}},'spec':{"
	                  "'clusterIP':'10.43.0.5','selector':{'app':'web'},'ports':[{'name':"
	                  "'metrics','port':9100,'targetPort':9100},{'name':'http','port':80,"
	                  "'protocol':'TCP'}]}}",
	                  11),
	          0);
	CHECK_INT(pxm_pending(m), 0);

	CHECK_INT(tpm_svc(m, SVC2("81"), 12), 1);
	CHECK_INT(take(m, &ch), 1);
	CHECK_INT(ch.v[0].kind, PXM_UPDATED);
	CHECK_INT(ch.v[0].old->port, 80);
	CHECK_INT(ch.v[0].cur->port, 81);
	pxm_changes_free(&ch);

	/* A port removed is that key deleted. */
	CHECK_INT(tpm_svc(m,
	                  "{'metadata':{'namespace':'ns','name':'web'},'spec':{'clusterIP':"
	                  "'10.43.0.5','ports':[{'name':'http','port':81}]}}",
	                  13),
	          1);
	CHECK_INT(take(m, &ch), 1);
	CHECK_INT(ch.v[0].kind, PXM_DELETED);
	CHECK_STR(ch.v[0].key, "ns/web:metrics/TCP");
	CHECK(ch.v[0].cur == NULL && ch.v[0].old->port == 9100);
	pxm_changes_free(&ch);

	CHECK_INT(del_svc(m, "web", 14), 1);
	CHECK_INT(del_svc(m, "web", 15), 0);
	CHECK_INT(del_svc(m, "never", 15), 0);
	CHECK_INT(take(m, &ch), 1);
	CHECK_INT(ch.v[0].kind, PXM_DELETED);
	CHECK_STR(ch.v[0].key, "ns/web:http/TCP");
	pxm_changes_free(&ch);
	CHECK_INT(pxm_size(m), 0);
	pxm_free(m);
}

UNIT_TEST(pxm_track_undone_between_takes)
{
	pxm *m = tpm_model("n1", NULL);
	struct pxm_changes ch;

	CHECK(m);
	CHECK_INT(tpm_svc(m, SVC2("80"), 1), 1);
	CHECK_INT(take(m, &ch), 2);
	pxm_changes_free(&ch);
	CHECK_INT(tpm_svc(m, SVC2("81"), 2), 1);
	CHECK_INT(tpm_svc(m, SVC2("80"), 3), 1);
	CHECK_INT(pxm_pending(m), 1);
	CHECK_INT(take(m, &ch), 0); /* back where the last take left it */
	CHECK_INT(pxm_pending(m), 0);
	/* Added and deleted before a take: nothing to tell. */
	CHECK_INT(tpm_svc(m,
	                  "{'metadata':{'namespace':'ns','name':'tmp'},'spec':{'clusterIP':"
	                  "'10.43.0.9','ports':[{'port':80}]}}",
	                  4),
	          1);
	CHECK_INT(del_svc(m, "tmp", 5), 1);
	CHECK_INT(take(m, &ch), 0);
	pxm_free(m);
}

UNIT_TEST(pxm_track_slices)
{
	pxm *m = tpm_model("n1", NULL);
	struct pxm_changes ch;
	const struct pxm_svcport *before;

	CHECK(m);
	CHECK_INT(tpm_svc(m, SVC2("80"), 1), 1);
	CHECK_INT(tpm_slice(m, SLICE("web-a", "web", "10.1.0.1", "true", ""), 1), 1);
	CHECK_INT(take(m, &ch), 2);
	pxm_changes_free(&ch);
	before = pxm_get(m, "ns/web:http/TCP");

	/* A new resourceVersion alone: no change, same object. */
	CHECK_INT(
	    tpm_slice(m, SLICE("web-a", "web", "10.1.0.1", "true", ",'resourceVersion':'9'"), 2),
	    0);
	CHECK(pxm_get(m, "ns/web:http/TCP") == before);

	/* Readiness flips: only the port whose endpoints changed. */
	CHECK_INT(tpm_slice(m, SLICE("web-a", "web", "10.1.0.1", "false", ""), 3), 1);
	CHECK_INT(take(m, &ch), 1);
	CHECK_STR(ch.v[0].key, "ns/web:http/TCP");
	CHECK_INT(ch.v[0].kind, PXM_UPDATED);
	CHECK(ch.v[0].old == before);
	CHECK(ch.v[0].old->eps[0].ready && !ch.v[0].cur->eps[0].ready);
	pxm_changes_free(&ch);

	/* The slice goes: the port stays, without endpoints. */
	CHECK_INT(del_slice(m, "web-a", 4), 1);
	CHECK_INT(del_slice(m, "web-a", 5), 0);
	CHECK_INT(take(m, &ch), 1);
	CHECK_INT(ch.v[0].kind, PXM_UPDATED);
	CHECK_INT(ch.v[0].cur->n_eps, 0);
	pxm_changes_free(&ch);
	pxm_free(m);
}

UNIT_TEST(pxm_track_slice_moves_between_services)
{
	pxm *m = tpm_model("n1", NULL);
	struct pxm_changes ch;

	CHECK(m);
	CHECK_INT(tpm_svc(m,
	                  "{'metadata':{'namespace':'ns','name':'a'},'spec':{'clusterIP':"
	                  "'10.43.0.1','ports':[{'name':'http','port':80}]}}",
	                  1),
	          1);
	CHECK_INT(tpm_svc(m,
	                  "{'metadata':{'namespace':'ns','name':'b'},'spec':{'clusterIP':"
	                  "'10.43.0.2','ports':[{'name':'http','port':80}]}}",
	                  1),
	          1);
	CHECK_INT(tpm_slice(m, SLICE("s", "a", "10.1.0.1", "true", ""), 1), 1);
	CHECK_INT(take(m, &ch), 2);
	pxm_changes_free(&ch);
	CHECK_INT(pxm_get(m, "ns/a:http/TCP")->n_eps, 1);

	CHECK_INT(tpm_slice(m, SLICE("s", "b", "10.1.0.1", "true", ""), 2), 1);
	CHECK_INT(take(m, &ch), 2);
	CHECK_STR(ch.v[0].key, "ns/a:http/TCP");
	CHECK_INT(ch.v[0].cur->n_eps, 0);
	CHECK_STR(ch.v[1].key, "ns/b:http/TCP");
	CHECK_INT(ch.v[1].cur->n_eps, 1);
	pxm_changes_free(&ch);

	/* Losing its label detaches it. */
	CHECK_INT(tpm_slice(m,
	                    "{'metadata':{'namespace':'ns','name':'s'},'addressType':'IPv4',"
	                    "'ports':[{'name':'http','port':8080}],'endpoints':[{'addresses':["
	                    "'10.1.0.1']}]}",
	                    3),
	          1);
	CHECK_INT(pxm_get(m, "ns/b:http/TCP")->n_eps, 0);
	pxm_free(m);
}

UNIT_TEST(pxm_track_change_times)
{
	struct pxm_config cfg = {.node_name = "n1", .start_time = 100};
	struct pxm_changes ch;
	pxm *m = NULL;
	double t;

	CHECK_INT(pxm_new(&cfg, &m), 0);
	CHECK_INT(pxm_parse_time("1970-01-01T00:02:30.5Z", &t), 0);
	CHECK(fabs(t - 150.5) < 1e-9);
	CHECK_INT(pxm_parse_time("1970-01-01T01:02:30+01:00", &t), 0);
	CHECK(fabs(t - 150) < 1e-9);
	CHECK_INT(pxm_parse_time("yesterday", &t), -EINVAL);

	CHECK_INT(tpm_svc(m, SVC2("80"), 200), 1);
	CHECK_INT(take(m, &ch), 2);
	CHECK(ch.v[0].since == 200);
	pxm_changes_free(&ch);

#define TRIG(ts) ",'annotations':{'endpoints.kubernetes.io/last-change-trigger-time':'" ts "'}"
	/* The annotation dates the change; the oldest pending one is kept. */
	CHECK_INT(tpm_slice(m,
	                    SLICE("s", "web", "10.1.0.1", "true", TRIG("1970-01-01T00:02:30.5Z")),
	                    210),
	          1);
	CHECK_INT(
	    tpm_slice(m, SLICE("s", "web", "10.1.0.2", "true", TRIG("1970-01-01T00:02:40Z")), 211),
	    1);
	CHECK_INT(take(m, &ch), 1);
	CHECK(fabs(ch.v[0].since - 150.5) < 1e-9);
	pxm_changes_free(&ch);
	/* From before the model started, from the future, absent, garbage: the
	 * event's arrival. */
	static const char *const trig[] = {TRIG("1970-01-01T00:00:50Z"),
	                                   TRIG("1970-01-01T01:00:00Z"), "", TRIG("soon")};
	static const char *const ips[] = {"10.1.0.3", "10.1.0.4", "10.1.0.5", "10.1.0.6"};
	for (int i = 0; i < 4; i++) {
		char buf[512];

		snprintf(buf, sizeof(buf),
		         "{'metadata':{'namespace':'ns','name':'s','labels':{'kubernetes.io/"
		         "service-name':'web'}%s},'addressType':'IPv4','ports':[{'name':'http',"
		         "'port':8080}],'endpoints':[{'addresses':['%s']}]}",
		         trig[i], ips[i]);
		CHECK_INT(tpm_slice(m, buf, 300 + i), 1);
		CHECK_INT(take(m, &ch), 1);
		CHECK(ch.v[0].since == 300 + i);
		pxm_changes_free(&ch);
	}
	/* A delete is dated when it arrives. */
	CHECK_INT(del_slice(m, "s", 400), 1);
	CHECK_INT(take(m, &ch), 1);
	CHECK(ch.v[0].since == 400);
	pxm_changes_free(&ch);
	pxm_free(m);
}

UNIT_TEST(pxm_track_snapshot_and_refs)
{
	pxm *m = tpm_model("n1", NULL);
	const struct pxm_svcport **all;
	struct pxm_changes ch;
	struct pxm_stats st;
	size_t n;

	CHECK(m);
	CHECK_INT(tpm_svc(m,
	                  "{'metadata':{'namespace':'ns','name':'z'},'spec':{'clusterIP':"
	                  "'10.43.0.3','ports':[{'name':'b','port':80},{'name':'a','port':81}]}}",
	                  1),
	          1);
	CHECK_INT(tpm_svc(m, SVC2("80"), 1), 1);
	CHECK_INT(tpm_slice(m, SLICE("web-a", "web", "10.1.0.1", "true", ""), 1), 1);
	CHECK_INT(pxm_snapshot(m, &all, &n), 0);
	CHECK_INT(n, 4);
	CHECK_STR(all[0]->key, "ns/web:http/TCP");
	CHECK_STR(all[1]->key, "ns/web:metrics/TCP");
	CHECK_STR(all[2]->key, "ns/z:a/TCP");
	CHECK_STR(all[3]->key, "ns/z:b/TCP");
	free(all);
	pxm_get_stats(m, &st);
	CHECK_INT(st.services, 2);
	CHECK_INT(st.slices, 1);
	CHECK_INT(st.ports, 4);
	CHECK_INT(st.endpoints, 1);
	CHECK_INT(st.pending, 4);

	/* Changes outlive the model. */
	CHECK_INT(take(m, &ch), 4);
	pxm_free(m);
	CHECK_STR(ch.v[0].cur->key, "ns/web:http/TCP");
	CHECK_INT(ch.v[0].cur->n_eps, 1);
	pxm_changes_free(&ch);
	pxm_changes_free(NULL);
	pxm_free(NULL);
}

/* The same objects in another order give identical ports, down to which of
 * two conflicting duplicates wins and the endpoint order. */
UNIT_TEST(pxm_track_deterministic)
{
	static const char *const objs[] = {
	    SLICE("s1", "web", "10.1.0.9", "true", ""),
	    SLICE("s2", "web", "10.1.0.9", "false", ""),
	    SLICE("s3", "web", "10.1.0.1", "true", ""),
	    "{'metadata':{'namespace':'ns','name':'s4','labels':{'kubernetes.io/service-name':"
	    "'web'}},'addressType':'IPv4','ports':[{'name':'http','port':8081}],'endpoints':[{"
	    "'addresses':['10.1.0.1']},{'addresses':['10.1.0.10']}]}",
	};
	pxm *a = tpm_model("n1", NULL), *b = tpm_model("n1", NULL);
	const struct pxm_svcport *pa, *pb;

	CHECK(a && b);
	CHECK_INT(tpm_svc(a, SVC2("80"), 1), 1);
	for (int i = 0; i < 4; i++)
		CHECK(tpm_slice(a, objs[i], 1) >= 0);
	for (int i = 3; i >= 0; i--)
		CHECK(tpm_slice(b, objs[i], 1) >= 0);
	CHECK_INT(tpm_svc(b, SVC2("80"), 1), 1);
	pa = pxm_get(a, "ns/web:http/TCP");
	pb = pxm_get(b, "ns/web:http/TCP");
	CHECK(pa && pb && pa != pb);
	CHECK(pxm_svcport_equal(pa, pb));
	/* A target port that differs between slices (a rolling change) gives two
	 * endpoints; the duplicate 10.1.0.9:8080 is one, from the first slice. */
	CHECK_STR(tpm_eps(pa, AF_INET, 0),
	          "10.1.0.1:8080 10.1.0.1:8081 10.1.0.9:8080 10.1.0.10:8081");
	CHECK(pa->eps[2].ready);
	CHECK(
	    pxm_svcport_equal(pxm_get(a, "ns/web:metrics/TCP"), pxm_get(b, "ns/web:metrics/TCP")));
	CHECK(!pxm_svcport_equal(pa, pxm_get(a, "ns/web:metrics/TCP")));
	CHECK(!pxm_svcport_equal(pa, NULL));
	pxm_free(a);
	pxm_free(b);
}

UNIT_TEST(pxm_node_ips_and_names)
{
	pxm *m = tpm_model("n1", "");
	net_addr ips[2];
	size_t n;

	CHECK(m);
	net_addr_parse("198.18.0.2", &ips[0]);
	net_addr_parse("fd00::2", &ips[1]);
	CHECK_INT(pxm_set_node_ips(m, ips, 2), 1);
	CHECK_INT(pxm_set_node_ips(m, ips, 2), 0);
	CHECK_INT(pxm_set_node_ips(m, ips, 1), 1);
	CHECK(pxm_node_ips(m, &n) != NULL && n == 1);
	CHECK_INT(pxm_set_node_ips(m, NULL, 0), 1);
	CHECK_STR(pxm_node_name(m), "n1");
	CHECK_STR(pxm_proto_name(PXM_SCTP), "SCTP");
	pxm_free(m);
}

/* ---- hostile JSON: every node of a sample swapped for every other type ---- */

static const char *const hostile_svc =
    "{'apiVersion':'v1','kind':'Service','metadata':{'namespace':'ns','name':'web',"
    "'labels':{'app':'web','service.kubernetes.io/service-proxy-name':'svcnet'},"
    "'annotations':{'a':'b'}},'spec':{'type':'LoadBalancer','clusterIP':'10.43.0.5',"
    "'clusterIPs':['10.43.0.5','fd00::5'],'ipFamilies':['IPv4','IPv6'],'ports':[{'name':"
    "'http','port':80,'protocol':'TCP','targetPort':8080,'nodePort':30080},{'name':'dns',"
    "'port':53,'protocol':'UDP','nodePort':30053}],'externalIPs':['192.0.2.1','2001:db8::1'],"
    "'loadBalancerSourceRanges':['10.0.0.0/8','fd00::/8'],'sessionAffinity':'ClientIP',"
    "'sessionAffinityConfig':{'clientIP':{'timeoutSeconds':60}},'externalTrafficPolicy':"
    "'Local','internalTrafficPolicy':'Local','healthCheckNodePort':32000},'status':{"
    "'loadBalancer':{'ingress':[{'ip':'198.51.100.1'},{'ip':'198.51.100.2','ipMode':"
    "'Proxy'}]}}}";

static const char *const hostile_slice =
    "{'apiVersion':'discovery.k8s.io/v1','kind':'EndpointSlice','metadata':{'namespace':"
    "'ns','name':'web-abc','labels':{'kubernetes.io/service-name':'web'},'annotations':{"
    "'endpoints.kubernetes.io/last-change-trigger-time':'2024-05-01T10:00:00.5Z'}},"
    "'addressType':'IPv4','ports':[{'name':'http','port':8080,'protocol':'TCP'},{'name':"
    "'dns','port':53,'protocol':'UDP'}],'endpoints':[{'addresses':['10.1.0.1'],"
    "'conditions':{'ready':true,'serving':true,'terminating':false},'nodeName':'n1',"
    "'zone':'z','hints':{'forZones':[{'name':'z'}]}},{'addresses':['10.1.0.2'],"
    "'conditions':{'ready':false,'serving':true,'terminating':true},'nodeName':'n2'}]}";

/* The k-th node of root in pre-order (0 is root), with its parent and place. */
static json_t *nth_node(json_t *root, size_t *k, json_t **parent, const char **key, size_t *idx)
{
	const char *kk;
	json_t *v, *r;
	size_t i;

	if ((*k)-- == 0)
		return root;
	if (json_is_object(root)) {
		json_object_foreach (root, kk, v) {
			json_t *p0 = *parent;

			*parent = root;
			*key = kk;
			if ((r = nth_node(v, k, parent, key, idx)))
				return r;
			*parent = p0;
		}
	} else if (json_is_array(root)) {
		json_array_foreach (root, i, v) {
			*parent = root;
			*key = NULL;
			*idx = i;
			if ((r = nth_node(v, k, parent, key, idx)))
				return r;
		}
	}
	return NULL;
}

static json_t *replacement(int r)
{
	switch (r) {
	case 0:
		return json_null();
	case 1:
		return json_integer(-1);
	case 2:
		return json_string("None");
	case 3:
		return json_pack("[s, i]", "x", 1);
	default:
		return json_pack("{s:s}", "x", "y");
	}
}

/* Every node of sample replaced by each of five values, applied (as an add and
 * as an update of the valid object), taken, snapshotted and deleted. */
static int hostile_run(const char *sample, bool is_slice, size_t *nodes)
{
	json_t *orig = tpm_json(sample), *other = tpm_json(is_slice ? hostile_svc : hostile_slice);
	int (*set)(pxm *, const json_t *, double) = is_slice ? pxm_slice_set : pxm_service_set;
	int (*del)(pxm *, const json_t *, double) =
	    is_slice ? pxm_slice_delete : pxm_service_delete;

	if (!orig || !other)
		return -1;
	for (size_t k = 0;; k++) {
		for (int r = 0; r < 5; r++) {
			json_t *copy = json_deep_copy(orig), *parent = NULL, *node, *obj;
			const char *key = NULL;
			size_t kk = k, idx = 0;
			struct pxm_changes ch;
			const struct pxm_svcport **all;
			size_t n;

			node = nth_node(copy, &kk, &parent, &key, &idx);
			if (!node) {
				json_decref(copy);
				json_decref(orig);
				json_decref(other);
				*nodes = k;
				return 0;
			}
			if (!parent) {
				obj = replacement(r);
			} else {
				obj = json_incref(copy);
				if (key)
					json_object_set_new(parent, key, replacement(r));
				else
					json_array_set_new(parent, idx, replacement(r));
			}
			for (int pass = 0; pass < 2; pass++) {
				pxm *m = tpm_model("n1", "svcnet");

				if (!m)
					return -1;
				if (pass == 1) {
					(is_slice ? pxm_slice_set : pxm_service_set)(m, orig, 1);
					(is_slice ? pxm_service_set : pxm_slice_set)(m, other, 1);
					pxm_take_changes(m, &ch);
					pxm_changes_free(&ch);
				}
				set(m, obj, 2);
				if (pxm_take_changes(m, &ch) == 0)
					pxm_changes_free(&ch);
				if (pxm_snapshot(m, &all, &n) == 0)
					free(all);
				del(m, obj, 3);
				del(m, orig, 3);
				if (pxm_take_changes(m, &ch) == 0)
					pxm_changes_free(&ch);
				pxm_free(m);
			}
			json_decref(obj);
			json_decref(copy);
		}
	}
}

UNIT_TEST(pxm_hostile_json)
{
	size_t nodes_svc = 0, nodes_slice = 0;
	pxm *m = tpm_model("n1", "svcnet");
	const struct pxm_svcport *sp;
	json_t *s = tpm_json(hostile_svc), *sl = tpm_json(hostile_slice);

	/* The samples themselves are fully used. */
	CHECK(m && s && sl);
	CHECK_INT(pxm_service_set(m, s, 1), 1);
	CHECK_INT(pxm_slice_set(m, sl, 1), 1);
	sp = pxm_get(m, "ns/web:http/TCP");
	CHECK(sp);
	CHECK_INT(sp->n_eps, 2);
	CHECK_INT(sp->n_lb_ips, 1);
	CHECK_INT(sp->health_check_node_port, 32000);
	json_decref(s);
	json_decref(sl);
	pxm_free(m);

	CHECK_INT(hostile_run(hostile_svc, false, &nodes_svc), 0);
	CHECK_INT(hostile_run(hostile_slice, true, &nodes_slice), 0);
	/* Every node was visited (counted independently of the walk). */
	CHECK_INT(nodes_svc, 53);
	CHECK_INT(nodes_slice, 42);
}

UNIT_TEST(pxm_pack_strings_dedup)
{
	const char *in[6] = {"n2", NULL, "n1", "n2", "n10", "n1"};
	const char *out[6];
	int rc = 0;
	char *block = pxm_pack_strings(in, 6, out, &rc);

	CHECK_INT(rc, 0);
	CHECK(block);
	CHECK_STR(out[0], "n2");
	CHECK(out[1] == NULL);
	CHECK_STR(out[2], "n1");
	CHECK(out[3] == out[0] && out[5] == out[2]);
	CHECK_STR(out[4], "n10");
	CHECK(out[0] >= block && out[4] < block + 9); /* "n1\0n10\0n2\0" */
	free(block);
	/* In place, and nothing to pack. */
	CHECK(pxm_pack_strings(out, 0, out, &rc) == NULL);
	in[0] = in[2] = in[3] = in[4] = in[5] = NULL;
	CHECK(pxm_pack_strings(in, 6, in, &rc) == NULL && rc == 0);
}
