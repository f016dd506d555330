/*
 * test_podenv.c - container argv/envp: Service variables as kubelet
 * envvars.FromServices writes them, $(VAR) expansion by the Kubernetes
 * rules, fieldRef, PATH/HOSTNAME, refusals, and robustness against Pod JSON
 * of the wrong shape.
 */
#include "unit.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <jansson.h>

#include "agent/podenv.h"

/* JSON with ` for " so that tests stay readable. */
static json_t *pe_json(const char *s)
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

static const char *pe_get(char **envp, const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; envp && envp[i]; i++)
		if (!strncmp(envp[i], name, n) && envp[i][n] == '=')
			return envp[i] + n + 1;
	return NULL;
}

static int pe_idx(char **envp, const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; envp && envp[i]; i++)
		if (!strncmp(envp[i], name, n) && envp[i][n] == '=')
			return i;
	return -1;
}

static int pe_count(char **v)
{
	int n = 0;

	while (v && v[n])
		n++;
	return n;
}

#define POD_WEB                                                                                    \
	"{`metadata`:{`name`:`web-1`,`namespace`:`web`,`uid`:`u-1`,"                               \
	"`labels`:{`app`:`web`},`annotations`:{`a.io/x`:`y`}},"                                    \
	"`spec`:{`nodeName`:`node-a`,`serviceAccountName`:`sa`,`containers`:[%s]}}"

static json_t *pe_pod(const char *container)
{
	char buf[8192];

	snprintf(buf, sizeof(buf), POD_WEB, container);
	return pe_json(buf);
}

static json_t *pe_svcs[8];
static int pe_nsvcs;

static void pe_svcs_free(void)
{
	for (int i = 0; i < pe_nsvcs; i++)
		json_decref(pe_svcs[i]);
	pe_nsvcs = 0;
}

static void pe_svc(const char *ns, const char *name, const char *ip, const char *ports)
{
	char buf[1024];

	snprintf(buf, sizeof(buf),
	         "{`metadata`:{`name`:`%s`,`namespace`:`%s`},`spec`:{`clusterIP`:`%s`,`ports`:%s}}",
	         name, ns, ip, ports);
	pe_svcs[pe_nsvcs++] = pe_json(buf);
}

/* Runs podenv_build on the first container of pod with the services. */
static int pe_run(json_t *pod, char ***argv, char ***envp, char *err)
{
	struct podenv_in in = {0};

	in.pod = pod;
	in.container =
	    json_array_get(json_object_get(json_object_get(pod, "spec"), "containers"), 0);
	in.services = (const json_t *const *)pe_svcs;
	in.nservices = (size_t)pe_nsvcs;
	in.pod_ips[0] = "fd00::5";
	in.pod_ips[1] = "10.42.0.5";
	in.npod_ips = 2;
	in.host_ip = "198.18.0.2";
	in.path_prefix = "/opt/svcnet";
	return podenv_build(&in, argv, envp, err, 256);
}

UNIT_TEST(podenv_service_vars)
{
	json_t *pod = pe_pod("{`name`:`c`,`command`:[`true`]}");
	char **argv = NULL, **envp = NULL, err[256];
	int rc;

	pe_svc("default", "kubernetes", "10.43.0.1", "[{`name`:`https`,`port`:443}]");
	pe_svc("web", "redis-master", "10.43.0.11", "[{`port`:6379,`protocol`:`TCP`}]");
	pe_svc("web", "db", "None", "[{`port`:5432}]");
	pe_svc("web", "ext", "", "[{`port`:80}]");
	pe_svc("other", "x", "10.43.0.12", "[{`port`:80}]");
	pe_svc("web", "multi", "10.43.0.13",
	       "[{`name`:`http`,`port`:80},{`name`:`dns-udp`,`port`:53,`protocol`:`UDP`}]");
	rc = pe_run(pod, &argv, &envp, err);
	pe_svcs_free();
	json_decref(pod);
	CHECK_INT(rc, 0);
	CHECK_STR(pe_get(envp, "KUBERNETES_SERVICE_HOST"), "10.43.0.1");
	CHECK_STR(pe_get(envp, "KUBERNETES_SERVICE_PORT"), "443");
	CHECK_STR(pe_get(envp, "KUBERNETES_SERVICE_PORT_HTTPS"), "443");
	CHECK_STR(pe_get(envp, "KUBERNETES_PORT"), "tcp://10.43.0.1:443");
	CHECK_STR(pe_get(envp, "KUBERNETES_PORT_443_TCP"), "tcp://10.43.0.1:443");
	CHECK_STR(pe_get(envp, "REDIS_MASTER_SERVICE_HOST"), "10.43.0.11");
	CHECK_STR(pe_get(envp, "REDIS_MASTER_SERVICE_PORT"), "6379");
	CHECK_STR(pe_get(envp, "REDIS_MASTER_PORT"), "tcp://10.43.0.11:6379");
	CHECK_STR(pe_get(envp, "REDIS_MASTER_PORT_6379_TCP"), "tcp://10.43.0.11:6379");
	CHECK_STR(pe_get(envp, "REDIS_MASTER_PORT_6379_TCP_PROTO"), "tcp");
	CHECK_STR(pe_get(envp, "REDIS_MASTER_PORT_6379_TCP_PORT"), "6379");
	CHECK_STR(pe_get(envp, "REDIS_MASTER_PORT_6379_TCP_ADDR"), "10.43.0.11");
	CHECK_STR(pe_get(envp, "MULTI_SERVICE_PORT"), "80");
	CHECK_STR(pe_get(envp, "MULTI_SERVICE_PORT_HTTP"), "80");
	CHECK_STR(pe_get(envp, "MULTI_SERVICE_PORT_DNS_UDP"), "53");
	CHECK_STR(pe_get(envp, "MULTI_PORT"), "tcp://10.43.0.13:80");
	CHECK_STR(pe_get(envp, "MULTI_PORT_53_UDP"), "udp://10.43.0.13:53");
	CHECK_STR(pe_get(envp, "MULTI_PORT_53_UDP_PROTO"), "udp");
	CHECK(!pe_get(envp, "DB_SERVICE_HOST"));
	CHECK(!pe_get(envp, "EXT_SERVICE_HOST"));
	CHECK(!pe_get(envp, "X_SERVICE_HOST"));
	/* PATH, HOSTNAME; kubernetes 3 + 1+4; multi 4 + 1+4+4; redis 2 + 1+4 */
	CHECK_INT(pe_count(envp), 2 + 8 + 13 + 7);
	CHECK_INT(pe_idx(envp, "PATH"), 0);
	CHECK_INT(pe_idx(envp, "HOSTNAME"), 1);
	CHECK_STR(envp[2], "KUBERNETES_SERVICE_HOST=10.43.0.1");
	CHECK(pe_idx(envp, "MULTI_SERVICE_HOST") < pe_idx(envp, "REDIS_MASTER_SERVICE_HOST"));
	CHECK_STR(pe_get(envp, "PATH"), "/opt/svcnet:" PODENV_DEFAULT_PATH);
	CHECK_STR(pe_get(envp, "HOSTNAME"), "web-1");
	CHECK_INT(pe_count(argv), 1);
	CHECK_STR(argv[0], "true");
	podenv_free(argv);
	podenv_free(envp);
}

UNIT_TEST(podenv_service_visibility)
{
	json_t *pod = pe_pod("{`name`:`c`,`command`:[`true`]}");
	char **argv = NULL, **envp = NULL, err[256];
	int rc;

	pe_svc("default", "kubernetes", "10.43.0.1", "[{`name`:`https`,`port`:443}]");
	pe_svc("web", "kubernetes", "10.43.5.5", "[{`port`:80}]");
	pe_svc("web", "api", "10.43.5.6", "[{`port`:80}]");
	pe_svc("default", "api", "10.43.5.7", "[{`port`:80}]");
	CHECK_INT(podenv_service_visible(pod, pe_svcs[0]), 1);
	CHECK_INT(podenv_service_visible(pod, pe_svcs[1]), 1);
	CHECK_INT(podenv_service_visible(pod, pe_svcs[3]), 0);
	/* The Pod's namespace wins over the master Service of the same name. */
	rc = pe_run(pod, &argv, &envp, err);
	CHECK_INT(rc, 0);
	CHECK_STR(pe_get(envp, "KUBERNETES_SERVICE_HOST"), "10.43.5.5");
	CHECK(!pe_get(envp, "KUBERNETES_SERVICE_PORT_HTTPS"));
	CHECK_STR(pe_get(envp, "API_SERVICE_HOST"), "10.43.5.6");
	podenv_free(argv);
	podenv_free(envp);
	/* enableServiceLinks: false leaves only the master Service. */
	json_object_set_new(json_object_get(pod, "spec"), "enableServiceLinks", json_false());
	CHECK_INT(podenv_service_visible(pod, pe_svcs[0]), 1);
	CHECK_INT(podenv_service_visible(pod, pe_svcs[1]), 0);
	rc = pe_run(pod, &argv, &envp, err);
	pe_svcs_free();
	json_decref(pod);
	CHECK_INT(rc, 0);
	CHECK_STR(pe_get(envp, "KUBERNETES_SERVICE_HOST"), "10.43.0.1");
	CHECK_STR(pe_get(envp, "KUBERNETES_SERVICE_PORT_HTTPS"), "443");
	CHECK(!pe_get(envp, "API_SERVICE_HOST"));
	podenv_free(argv);
	podenv_free(envp);
}

UNIT_TEST(podenv_expansion)
{
	json_t *pod =
	    pe_pod("{`name`:`c`,`command`:[`sh`,`-c`,`echo $(A) $$(A) $(HOSTNAME) $(G) $(PATH)`],"
	           "`args`:[`$(B)`,`$`,`$(`],`env`:["
	           "{`name`:`A`,`value`:`x`},"
	           "{`name`:`B`,`value`:`$(A)-$(REDIS_SERVICE_HOST)`},"
	           "{`name`:`C`,`value`:`$$(A)`},"
	           "{`name`:`D`,`value`:`$(UNKNOWN)`},"
	           "{`name`:`E`,`value`:`$(C)`},"
	           "{`name`:`F`,`value`:`$(G)`},"
	           "{`name`:`G`,`value`:`g`},"
	           "{`name`:`H`,`value`:`$(A`},"
	           "{`name`:`I`,`value`:`a$`},"
	           "{`name`:`J`,`value`:`$x$y$$$(A)$()`},"
	           "{`name`:`K`},"
	           "{`name`:`A`,`value`:`second`},"
	           "{`name`:`REDIS_SERVICE_PORT`,`value`:`1`}]}");
	char **argv = NULL, **envp = NULL, err[256];
	int rc;

	pe_svc("web", "redis", "10.43.0.20", "[{`port`:6379}]");
	rc = pe_run(pod, &argv, &envp, err);
	pe_svcs_free();
	json_decref(pod);
	CHECK_INT(rc, 0);
	CHECK_STR(pe_get(envp, "B"), "x-10.43.0.20");
	CHECK_STR(pe_get(envp, "C"), "$(A)");
	CHECK_STR(pe_get(envp, "D"), "$(UNKNOWN)");
	CHECK_STR(pe_get(envp, "E"), "$(A)");
	CHECK_STR(pe_get(envp, "F"), "$(G)");
	CHECK_STR(pe_get(envp, "H"), "$(A");
	CHECK_STR(pe_get(envp, "I"), "a$");
	CHECK_STR(pe_get(envp, "J"), "$x$y$x$()");
	CHECK_STR(pe_get(envp, "K"), "");
	/* A repeated name keeps its first place and takes the last value. */
	CHECK_STR(pe_get(envp, "A"), "second");
	CHECK(pe_idx(envp, "A") < pe_idx(envp, "B"));
	/* A container variable replaces the Service one, after the Service vars. */
	CHECK_STR(pe_get(envp, "REDIS_SERVICE_PORT"), "1");
	CHECK(pe_idx(envp, "REDIS_SERVICE_PORT") > pe_idx(envp, "K"));
	CHECK(pe_idx(envp, "REDIS_SERVICE_HOST") < pe_idx(envp, "A"));
	/* argv: expanded with the final variables; the runtime's PATH and
	 * HOSTNAME are not among the kubelet's. */
	CHECK_INT(pe_count(argv), 6);
	CHECK_STR(argv[0], "sh");
	CHECK_STR(argv[2], "echo second $(A) $(HOSTNAME) g $(PATH)");
	CHECK_STR(argv[3], "x-10.43.0.20");
	CHECK_STR(argv[4], "$");
	CHECK_STR(argv[5], "$(");
	podenv_free(argv);
	podenv_free(envp);
}

UNIT_TEST(podenv_field_ref)
{
	json_t *pod = pe_pod(
	    "{`name`:`c`,`command`:[`true`],`env`:["
	    "{`name`:`N`,`valueFrom`:{`fieldRef`:{`fieldPath`:`metadata.name`}}},"
	    "{`name`:`NS`,`valueFrom`:{`fieldRef`:{`apiVersion`:`v1`,`fieldPath`:`metadata."
	    "namespace`}}},"
	    "{`name`:`U`,`valueFrom`:{`fieldRef`:{`fieldPath`:`metadata.uid`}}},"
	    "{`name`:`L`,`valueFrom`:{`fieldRef`:{`fieldPath`:`metadata.labels['app']`}}},"
	    "{`name`:`LM`,`valueFrom`:{`fieldRef`:{`fieldPath`:`metadata.labels['nope']`}}},"
	    "{`name`:`AN`,`valueFrom`:{`fieldRef`:{`fieldPath`:`metadata.annotations['a.io/x']`}}},"
	    "{`name`:`NODE`,`valueFrom`:{`fieldRef`:{`fieldPath`:`spec.nodeName`}}},"
	    "{`name`:`SA`,`valueFrom`:{`fieldRef`:{`fieldPath`:`spec.serviceAccountName`}}},"
	    "{`name`:`HIP`,`valueFrom`:{`fieldRef`:{`fieldPath`:`status.hostIP`}}},"
	    "{`name`:`HIPS`,`valueFrom`:{`fieldRef`:{`fieldPath`:`status.hostIPs`}}},"
	    "{`name`:`PIP`,`valueFrom`:{`fieldRef`:{`fieldPath`:`status.podIP`}}},"
	    "{`name`:`PIPS`,`valueFrom`:{`fieldRef`:{`fieldPath`:`status.podIPs`}}},"
	    "{`name`:`X`,`value`:`$(PIP)/$(N)`}]}");
	char **argv = NULL, **envp = NULL, err[256];
	int rc;

	rc = pe_run(pod, &argv, &envp, err);
	json_decref(pod);
	CHECK_INT(rc, 0);
	CHECK_STR(pe_get(envp, "N"), "web-1");
	CHECK_STR(pe_get(envp, "NS"), "web");
	CHECK_STR(pe_get(envp, "U"), "u-1");
	CHECK_STR(pe_get(envp, "L"), "web");
	CHECK_STR(pe_get(envp, "LM"), "");
	CHECK_STR(pe_get(envp, "AN"), "y");
	CHECK_STR(pe_get(envp, "NODE"), "node-a");
	CHECK_STR(pe_get(envp, "SA"), "sa");
	CHECK_STR(pe_get(envp, "HIP"), "198.18.0.2");
	CHECK_STR(pe_get(envp, "HIPS"), "198.18.0.2");
	/* The node IP's family first, as kubelet sortPodIPs orders them. */
	CHECK_STR(pe_get(envp, "PIP"), "10.42.0.5");
	CHECK_STR(pe_get(envp, "PIPS"), "10.42.0.5,fd00::5");
	CHECK_STR(pe_get(envp, "X"), "10.42.0.5/web-1");
	podenv_free(argv);
	podenv_free(envp);
}

/* Each env (or container) yields -EINVAL with this message. */
static int pe_refuse(const char *container, const char *want)
{
	json_t *pod = pe_pod(container);
	char **argv = (char **)1, **envp = (char **)1, err[256] = "";
	int rc = pe_run(pod, &argv, &envp, err);

	json_decref(pod);
	if (rc != -EINVAL || argv || envp || strcmp(err, want)) {
		printf("    %s: rc %d err \"%s\", want \"%s\"\n", container, rc, err, want);
		podenv_free(argv);
		podenv_free(envp);
		return 0;
	}
	return 1;
}

UNIT_TEST(podenv_refusals)
{
	CHECK(pe_refuse("{`name`:`c`,`command`:[`x`],`env`:[{`name`:`S`,`valueFrom`:{"
	                "`secretKeyRef`:{`name`:`s`,`key`:`k`}}}]}",
	                "secretKeyRef is not supported by svcnet agent"));
	CHECK(pe_refuse("{`name`:`c`,`command`:[`x`],`env`:[{`name`:`S`,`valueFrom`:{"
	                "`configMapKeyRef`:{`name`:`s`,`key`:`k`}}}]}",
	                "configMapKeyRef is not supported by svcnet agent"));
	CHECK(pe_refuse("{`name`:`c`,`command`:[`x`],`env`:[{`name`:`S`,`valueFrom`:{"
	                "`resourceFieldRef`:{`resource`:`limits.cpu`}}}]}",
	                "resourceFieldRef is not supported by svcnet agent"));
	CHECK(pe_refuse("{`name`:`c`,`command`:[`x`],`envFrom`:[{`configMapRef`:{`name`:`m`}}]}",
	                "envFrom is not supported by svcnet agent"));
	CHECK(pe_refuse("{`name`:`c`,`command`:[`x`],`env`:[{`name`:`S`,`valueFrom`:{"
	                "`fieldRef`:{`fieldPath`:`metadata.foo`}}}]}",
	                "field label not supported: metadata.foo"));
	CHECK(pe_refuse("{`name`:`c`,`command`:[`x`],`env`:[{`name`:`S`,`valueFrom`:{"
	                "`fieldRef`:{`apiVersion`:`v2`,`fieldPath`:`metadata.name`}}}]}",
	                "unsupported pod version: v2"));
	CHECK(pe_refuse("{`name`:`app`}", "container \"app\" has no command: svcnet runs no image "
	                                  "entrypoints, so set command"));
	CHECK(pe_refuse("{`name`:`app`,`command`:[],`args`:[]}",
	                "container \"app\" has no command: svcnet runs no image "
	                "entrypoints, so set command"));
	CHECK(
	    pe_refuse("{`name`:`c`,`command`:`sh`}", "command and args must be lists of strings"));
	CHECK(pe_refuse("{`name`:`c`,`command`:[`sh`,1]}", "command[1] must be a string"));
	CHECK(pe_refuse("{`name`:`c`,`command`:[`x`],`env`:[{`name`:`A=B`,`value`:`1`}]}",
	                "env[0]: invalid environment variable name \"A=B\""));
	CHECK(pe_refuse("{`name`:`c`,`command`:[`x`],`env`:[{`value`:`1`}]}",
	                "env[0]: invalid environment variable name \"\""));
	CHECK(pe_refuse("{`name`:`c`,`command`:[`x`],`env`:[{`name`:`A`,`value`:1}]}",
	                "env A: value must be a string"));
	CHECK(pe_refuse("{`name`:`c`,`command`:[`x`],`env`:{`A`:`1`}}", "env must be a list"));
}

UNIT_TEST(podenv_args_path_hostname)
{
	json_t *pod = pe_pod("{`name`:`c`,`args`:[`/bin/echo`,`$(A)`],"
	                     "`env`:[{`name`:`A`,`value`:`a`},{`name`:`PATH`,`value`:`/x:$(A)`},"
	                     "{`name`:`HOSTNAME`,`value`:`h`}]}");
	char **argv = NULL, **envp = NULL, err[256], host[80], want[300];
	int rc;

	rc = pe_run(pod, &argv, &envp, err);
	CHECK_INT(rc, 0);
	/* No command: args alone are the command line. */
	CHECK_INT(pe_count(argv), 2);
	CHECK_STR(argv[0], "/bin/echo");
	CHECK_STR(argv[1], "a");
	/* The container's PATH and HOSTNAME replace the runtime's in place. */
	CHECK_STR(envp[0], "PATH=/x:a");
	CHECK_STR(envp[1], "HOSTNAME=h");
	CHECK_INT(pe_count(envp), 3);
	CHECK_STR(envp[2], "A=a");
	podenv_free(argv);
	podenv_free(envp);
	json_decref(pod);

	/* Hostnames: spec.hostname, the 63-byte cut, FQDN, host network. */
	pod = pe_json("{`metadata`:{`name`:`p`,`namespace`:`ns`},`spec`:{`hostname`:`h1`}}");
	CHECK_INT(podenv_hostname(pod, NULL, host, sizeof(host), err, sizeof(err)), 0);
	CHECK_STR(host, "h1");
	json_object_set_new(json_object_get(pod, "spec"), "subdomain", json_string("sub"));
	json_object_set_new(json_object_get(pod, "spec"), "setHostnameAsFQDN", json_true());
	CHECK_INT(podenv_hostname(pod, NULL, host, sizeof(host), err, sizeof(err)), 0);
	CHECK_STR(host, "h1.sub.ns.svc.cluster.local");
	CHECK_INT(podenv_hostname(pod, "example.org", host, sizeof(host), err, sizeof(err)), 0);
	CHECK_STR(host, "h1.sub.ns.svc.example.org");
	CHECK_INT(podenv_hostname(pod, "a-very-long-cluster-domain-that-overflows.example.org",
	                          host, sizeof(host), err, sizeof(err)),
	          -EINVAL);
	CHECK(strstr(err, "is too long (64 characters is the max, 67 characters requested)"));
	json_object_set_new(json_object_get(pod, "spec"), "hostname", json_string("Bad_Name"));
	CHECK_INT(podenv_hostname(pod, NULL, host, sizeof(host), err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "pod Hostname \"Bad_Name\" is not a valid DNS label");
	json_object_set_new(json_object_get(pod, "spec"), "hostNetwork", json_true());
	CHECK_INT(podenv_hostname(pod, NULL, host, sizeof(host), err, sizeof(err)), 0);
	gethostname(want, sizeof(want));
	CHECK_STR(host, want);
	json_decref(pod);
	/* 61 x "a", "--bcd": cut at 63, trailing dashes dropped. */
	memset(want, 'a', 61);
	strcpy(want + 61, "--bcd");
	pod = json_pack("{s:{s:s}}", "metadata", "name", want);
	CHECK_INT(podenv_hostname(pod, NULL, host, sizeof(host), err, sizeof(err)), 0);
	want[61] = '\0';
	CHECK_STR(host, want);
	CHECK_INT(podenv_hostname(pod, NULL, host, 10, err, sizeof(err)), -ENOSPC);
	json_decref(pod);
}

/* Replaces, one at a time, every value in the tree under root with values
 * of every other type, and runs fn on the whole document each time: the
 * code must not crash (and ASan/valgrind must find nothing). */
typedef void (*pe_mut_fn)(json_t *doc);

static void pe_mutate_at(json_t *doc, json_t *node, pe_mut_fn fn, int *runs)
{
	json_t *subs[5] = {json_null(), json_integer(-7), json_string("x"), json_array(),
	                   json_object()};
	const char *k;
	json_t *v;
	size_t i;
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
			pe_mutate_at(doc, v, fn, runs);
		}
	} else if (json_is_array(node)) {
		for (i = 0; i < json_array_size(node); i++) {
			v = json_incref(json_array_get(node, i));
			for (int s = 0; s < 5; s++) {
				json_array_set(node, i, subs[s]);
				fn(doc);
				(*runs)++;
			}
			json_array_set(node, i, v);
			json_decref(v);
			pe_mutate_at(doc, v, fn, runs);
		}
	}
	for (int s = 0; s < 5; s++)
		json_decref(subs[s]);
}

static void pe_fuzz_one(json_t *doc)
{
	json_t *pod = json_object_get(doc, "pod");
	json_t *svcs = json_object_get(doc, "svcs");
	const json_t *sv[4] = {0};
	struct podenv_in in = {0};
	char **argv = NULL, **envp = NULL, err[128], host[80];
	size_t n = 0, i;
	json_t *s;

	json_array_foreach (svcs, i, s)
		if (n < 4)
			sv[n++] = s;
	in.pod = pod;
	in.container =
	    json_array_get(json_object_get(json_object_get(pod, "spec"), "containers"), 0);
	in.services = sv;
	in.nservices = n;
	in.npod_ips = 1;
	in.pod_ips[0] = "10.42.0.9";
	if (podenv_build(&in, &argv, &envp, err, sizeof(err)) == 0) {
		podenv_free(argv);
		podenv_free(envp);
	}
	for (i = 0; i < n; i++)
		podenv_service_visible(pod, sv[i]);
	podenv_hostname(pod, NULL, host, sizeof(host), err, sizeof(err));
}

UNIT_TEST(podenv_wrong_types)
{
	json_t *doc = pe_json(
	    "{`pod`:{`metadata`:{`name`:`p`,`namespace`:`web`,`labels`:{`a`:`b`}},"
	    "`spec`:{`hostname`:`h`,`subdomain`:`s`,`setHostnameAsFQDN`:true,"
	    "`enableServiceLinks`:true,`containers`:[{`name`:`c`,`command`:[`a`,`$(X)`],"
	    "`args`:[`b`],`env`:[{`name`:`X`,`value`:`$(Y_SERVICE_HOST)`},"
	    "{`name`:`Y`,`valueFrom`:{`fieldRef`:{`apiVersion`:`v1`,"
	    "`fieldPath`:`metadata.labels['a']`}}}]}]}},"
	    "`svcs`:[{`metadata`:{`name`:`y`,`namespace`:`web`},`spec`:{`clusterIP`:`10.43.0.3`,"
	    "`ports`:[{`name`:`p`,`port`:80,`protocol`:`UDP`}]}}]}");
	int runs = 0;

	CHECK(doc);
	pe_mutate_at(doc, doc, pe_fuzz_one, &runs);
	json_decref(doc);
	CHECK(runs > 100);
}
