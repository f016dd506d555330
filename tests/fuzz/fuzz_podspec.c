/*
 * fuzz_podspec.c - libFuzzer target for the agent's readers of Pod and
 * Service JSON: what users write in a Pod reaches the agent through the API
 * (validation may be lax, and the agent also runs against kube-apiserver
 * versions it does not know), so none of these may crash on any shape.
 *
 * The input is one JSON document used as the Pod, as each of its containers,
 * as a Service and as the previous status; probe specs are parsed (not run:
 * no loop iteration happens), the environment and argv are built, the status
 * is built and patched, and host ports are checked and turned into nft text.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/hostport.h"
#include "agent/podenv.h"
#include "agent/podstatus.h"
#include "agent/probe.h"
#include "lib/ev.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ev_loop *fuzz_loop;

static void fuzz_probe_cb(probe *p, int ok, const char *msg, void *d)
{
}

static void fuzz_container(const json_t *pod, const json_t *ctr, const json_t *svc)
{
	static const char *const probes[] = {"readinessProbe", "livenessProbe", "startupProbe"};
	const json_t *svcs[2] = {svc, pod};
	struct podenv_in in = {0};
	struct probe_target t = {0};
	char **argv = NULL, **envp = NULL, err[512];

	in.pod = pod;
	in.container = ctr;
	in.services = svcs;
	in.nservices = 2;
	in.pod_ips[0] = "10.42.1.5";
	in.npod_ips = 1;
	in.host_ip = "198.18.0.11";
	in.path_prefix = "/opt/svcnet/bin";
	if (podenv_build(&in, &argv, &envp, err, sizeof(err)) == 0) {
		if (!argv || !argv[0] || !envp)
			abort();
	}
	podenv_free(argv);
	podenv_free(envp);
	t.pod_ip = "10.42.1.5";
	t.container = ctr;
	for (int k = 0; k < 3; k++) {
		json_t *spec = json_object_get(ctr, probes[k]);
		probe *p = NULL;

		if (spec && probe_new(fuzz_loop, NULL, (enum probe_kind)k, spec, &t, fuzz_probe_cb,
		                      NULL, &p, err, sizeof(err)) == 0)
			probe_free(p);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL), *c, *st, *patch;
	struct podstatus_container cs[4];
	struct podstatus_pod in = {0};
	struct hostport_pod hp = {0};
	const json_t *adm[1];
	char reason[64], msg[512], *script = NULL;
	size_t i;
	int n = 0;

	if (!doc)
		return 0;
	if (!fuzz_loop)
		fuzz_loop = ev_loop_new();
	json_array_foreach(json_object_get(json_object_get(doc, "spec"), "containers"), i, c)
	{
		fuzz_container(doc, c, doc);
		if (n < 4) {
			memset(&cs[n], 0, sizeof(cs[n]));
			cs[n].name = json_string_value(json_object_get(c, "name"));
			if (!cs[n].name)
				cs[n].name = "c";
			cs[n].image = "";
			cs[n].state = (enum podstatus_state)(i % 3);
			cs[n].ready = (int)(i & 1);
			n++;
		}
	}
	fuzz_container(doc, doc, doc);
	in.pod = doc;
	in.containers = cs;
	in.ncontainers = n;
	in.pod_ips[0] = "10.42.1.5";
	in.npod_ips = 1;
	in.host_ip = "198.18.0.11";
	in.start_time = 1795000000;
	in.now = 1795000100;
	in.sandbox_ready = 1;
	podstatus_phase(&in);
	st = podstatus_build(&in);
	if (st) {
		patch = podstatus_patch(json_object_get(doc, "status"), st);
		json_decref(patch);
		json_decref(st);
	}
	podstatus_qos_class(doc);
	adm[0] = doc;
	hostport_check(adm, 1, doc, reason, sizeof(reason), msg, sizeof(msg));
	hp.pod = doc;
	hp.pod_ips[0] = "10.42.1.5";
	hp.npod_ips = 1;
	if (hostport_script(&hp, 1, "cni0", &script) == 0)
		free(script);
	json_decref(doc);
	return 0;
}
