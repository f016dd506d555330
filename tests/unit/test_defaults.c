/* test_defaults.c - defaulting of every kind, and Service IP-family initialisation. */
#include "test_validate_helpers.h"

#include <sys/socket.h>

static long long tint(const json_t *obj, const char *path)
{
	const json_t *v = tget(obj, path);

	return json_is_integer(v) ? json_integer_value(v) : -12345;
}

static const json_t *tidx(const json_t *obj, const char *path, size_t i)
{
	return json_array_get(tget(obj, path), i);
}

UNIT_TEST(dft_service_basics)
{
	json_t *s = tj("{'metadata':{'name':'a','namespace':'d'},'spec':{'ports':[{'port':80},"
	               "{'port':81,'targetPort':'web','protocol':'UDP'}]}}");
	const json_t *p0, *p1;

	CHECK_INT(api_default(API_SERVICE, s, NULL), 0);
	CHECK_STR(tstr(s, "spec.type"), "ClusterIP");
	CHECK_STR(tstr(s, "spec.sessionAffinity"), "None");
	CHECK_STR(tstr(s, "spec.internalTrafficPolicy"), "Cluster");
	CHECK(tget(s, "spec.externalTrafficPolicy") == NULL);
	CHECK(tget(s, "spec.allocateLoadBalancerNodePorts") == NULL);
	CHECK_STR(tstr(s, "spec.ipFamilyPolicy"), "SingleStack");
	CHECK_STR(json_string_value(tidx(s, "spec.ipFamilies", 0)), "IPv4");
	CHECK_INT(json_array_size(tget(s, "spec.ipFamilies")), 1);
	p0 = tidx(s, "spec.ports", 0);
	p1 = tidx(s, "spec.ports", 1);
	CHECK_STR(tstr(p0, "protocol"), "TCP");
	CHECK_INT(tint(p0, "targetPort"), 80);
	CHECK_STR(tstr(p1, "protocol"), "UDP");
	CHECK_STR(tstr(p1, "targetPort"), "web");
	json_decref(s);
}

UNIT_TEST(dft_service_types)
{
	json_t *s = tj("{'spec':{'type':'LoadBalancer','sessionAffinity':'ClientIP',"
	               "'sessionAffinityConfig':{'clientIP':{}},'ports':[{'port':80}]}}");

	CHECK_INT(api_default(API_SERVICE, s, NULL), 0);
	CHECK_STR(tstr(s, "spec.externalTrafficPolicy"), "Cluster");
	CHECK(json_is_true(tget(s, "spec.allocateLoadBalancerNodePorts")));
	CHECK_INT(tint(s, "spec.sessionAffinityConfig.clientIP.timeoutSeconds"), 10800);
	json_decref(s);

	s = tj("{'spec':{'type':'ExternalName','externalName':'x.example.com',"
	       "'sessionAffinityConfig':{'clientIP':{'timeoutSeconds':5}}}}");
	CHECK_INT(api_default(API_SERVICE, s, NULL), 0);
	CHECK(tget(s, "spec.internalTrafficPolicy") == NULL);
	CHECK(tget(s, "spec.ipFamilies") == NULL);
	CHECK(tget(s, "spec.ipFamilyPolicy") == NULL);
	/* sessionAffinity None drops the config. */
	CHECK(tget(s, "spec.sessionAffinityConfig") == NULL);
	json_decref(s);

	/* externalIPs make a ClusterIP service externally accessible. */
	s = tj(
	    "{'spec':{'externalIPs':['192.0.2.1'],'ports':[{'port':80}],'clusterIP':'10.0.0.5'}}");
	CHECK_INT(api_default(API_SERVICE, s, NULL), 0);
	CHECK_STR(tstr(s, "spec.externalTrafficPolicy"), "Cluster");
	CHECK_STR(json_string_value(tidx(s, "spec.clusterIPs", 0)), "10.0.0.5");
	json_decref(s);

	/* Wrong types are left for validation. */
	s = tj("{'spec':{'type':5,'ports':'x','sessionAffinity':[]}}");
	CHECK_INT(api_default(API_SERVICE, s, NULL), 0);
	CHECK(json_is_integer(tget(s, "spec.type")));
	CHECK(json_is_array(tget(s, "spec.sessionAffinity")));
	json_decref(s);
}

UNIT_TEST(dft_service_ip_families)
{
	struct api_default_opts dual = {AF_INET, 1}, v6 = {AF_INET6, 0};
	json_t *s = tj("{'spec':{'ipFamilyPolicy':'PreferDualStack','ports':[{'port':80}]}}");
	json_t *c;

	CHECK_INT(api_default(API_SERVICE, s, &dual), 0);
	CHECK_INT(json_array_size(tget(s, "spec.ipFamilies")), 2);
	CHECK_STR(json_string_value(tidx(s, "spec.ipFamilies", 1)), "IPv6");
	json_decref(s);

	/* Headless without selector: RequireDualStack and both families, on any cluster. */
	s = tj("{'spec':{'clusterIP':'None'}}");
	CHECK_INT(api_default(API_SERVICE, s, NULL), 0);
	CHECK_STR(tstr(s, "spec.ipFamilyPolicy"), "RequireDualStack");
	CHECK_INT(json_array_size(tget(s, "spec.ipFamilies")), 2);
	json_decref(s);

	/* Headless with selector: SingleStack, primary family. */
	s = tj("{'spec':{'clusterIP':'None','selector':{'a':'b'}}}");
	CHECK_INT(api_default(API_SERVICE, s, &v6), 0);
	CHECK_STR(tstr(s, "spec.ipFamilyPolicy"), "SingleStack");
	CHECK_STR(json_string_value(tidx(s, "spec.ipFamilies", 0)), "IPv6");
	json_decref(s);

	/* Families follow the IPs given. */
	s = tj("{'spec':{'clusterIP':'fd00::10','ports':[{'port':80}]}}");
	CHECK_INT(api_default(API_SERVICE, s, &dual), 0);
	CHECK_STR(json_string_value(tidx(s, "spec.ipFamilies", 0)), "IPv6");
	CHECK_INT(json_array_size(tget(s, "spec.ipFamilies")), 1);
	json_decref(s);

	/* What the cluster cannot serve is an error, worded as kube-apiserver's. */
	s = tj("{'metadata':{'name':'a'},'spec':{'clusterIP':'fd00::10','ports':[{'port':80}]}}");
	api_default(API_SERVICE, s, NULL);
	c = json_array();
	CHECK_INT(api_service_init_ip_families(s, NULL, NULL, c), 1);
	CHECK_STR(tcause(c, "spec.clusterIPs[0]"),
	          "Invalid value: []string{\"fd00::10\"}: IPv6 is not configured on this cluster");
	json_decref(c);
	json_decref(s);

	s = tj("{'spec':{'ipFamilyPolicy':'RequireDualStack','ports':[{'port':80}]}}");
	api_default(API_SERVICE, s, NULL);
	c = json_array();
	CHECK_INT(api_service_init_ip_families(s, NULL, NULL, c), 1);
	CHECK_STR(tcause(c, "spec.ipFamilyPolicy"),
	          "Invalid value: \"RequireDualStack\": this cluster is not configured for "
	          "dual-stack services");
	json_decref(c);
	json_decref(s);

	s = tj("{'spec':{'ipFamilyPolicy':'SingleStack','ipFamilies':['IPv4','IPv6'],"
	       "'ports':[{'port':80}]}}");
	c = json_array();
	CHECK_INT(api_service_init_ip_families(s, NULL, &dual, c), 1);
	CHECK(thas(c, "spec.ipFamilyPolicy", "when multiple IP families are specified"));
	json_decref(c);
	json_decref(s);

	s = tj("{'spec':{'type':'ExternalName','externalName':'a.b'}}");
	c = json_array();
	CHECK_INT(api_service_init_ip_families(s, NULL, &dual, c), 0);
	CHECK(tget(s, "spec.ipFamilyPolicy") == NULL);
	json_decref(c);
	json_decref(s);
}

UNIT_TEST(dft_service_update_policy_from_old)
{
	struct api_default_opts dual = {AF_INET, 1};
	json_t *old =
	    tj("{'metadata':{'name':'a','uid':'u1','creationTimestamp':'2024-01-01T00:00:00Z'},"
	       "'spec':{'ipFamilyPolicy':'PreferDualStack','clusterIP':'10.0.0.1',"
	       "'ports':[{'port':80}]}}");
	json_t *now = tj("{'metadata':{'name':'a'},'spec':{'ports':[{'port':80}]}}");

	CHECK_INT(api_default(API_SERVICE, old, &dual), 0);
	CHECK_INT(json_array_size(tget(old, "spec.ipFamilies")), 2);
	CHECK_INT(api_default_update(API_SERVICE, now, old, &dual), 0);
	CHECK_STR(tstr(now, "spec.ipFamilyPolicy"), "PreferDualStack");
	CHECK_STR(tstr(now, "spec.clusterIP"), "10.0.0.1");
	CHECK_STR(tstr(now, "metadata.uid"), "u1");
	CHECK_STR(tstr(now, "metadata.creationTimestamp"), "2024-01-01T00:00:00Z");
	json_decref(now);
	json_decref(old);
}

UNIT_TEST(dft_service_update_node_ports)
{
	json_t *old =
	    tj("{'spec':{'type':'LoadBalancer','externalTrafficPolicy':'Local',"
	       "'healthCheckNodePort':31111,'ports':[{'name':'a','port':80,'nodePort':30001},"
	       "{'name':'b','port':81,'nodePort':30002}]}}");
	json_t *now =
	    tj("{'spec':{'type':'LoadBalancer','externalTrafficPolicy':'Local',"
	       "'ports':[{'name':'b','port':81},{'name':'a','port':80,'nodePort':30002}]}}");

	api_default(API_SERVICE, old, NULL);
	CHECK_INT(api_default_update(API_SERVICE, now, old, NULL), 0);
	/* 30002 is taken by port a now, so b gets nothing patched in. */
	CHECK(tget(tidx(now, "spec.ports", 0), "nodePort") == NULL);
	CHECK_INT(tint(tidx(now, "spec.ports", 1), "nodePort"), 30002);
	CHECK_INT(tint(now, "spec.healthCheckNodePort"), 31111);
	json_decref(now);

	/* To ClusterIP: unchanged node ports and the health-check port go. */
	now = json_deep_copy(old);
	json_object_set_new(json_object_get(now, "spec"), "type", json_string("ClusterIP"));
	CHECK_INT(api_default_update(API_SERVICE, now, old, NULL), 0);
	CHECK(tget(tidx(now, "spec.ports", 0), "nodePort") == NULL);
	CHECK(tget(now, "spec.healthCheckNodePort") == NULL);
	CHECK(tget(now, "spec.externalTrafficPolicy") == NULL);
	CHECK(tget(now, "spec.allocateLoadBalancerNodePorts") == NULL);
	json_decref(now);
	json_decref(old);
}

UNIT_TEST(dft_pod)
{
	json_t *p =
	    tj("{'spec':{'containers':[{'name':'a','image':'nginx','ports':[{'containerPort':80}],"
	       "'livenessProbe':{'httpGet':{'port':80},'periodSeconds':0},"
	       "'resources':{'limits':{'cpu':'1'}}},"
	       "{'name':'b','image':'reg:5000/x/nginx:1.2'},{'name':'c','image':'nginx:latest'},"
	       "{'name':'d','image':'nginx@sha256:abcd'}],'volumes':[{'name':'v'}]}}");
	const json_t *c0;

	CHECK_INT(api_default(API_POD, p, NULL), 0);
	CHECK_STR(tstr(p, "spec.restartPolicy"), "Always");
	CHECK_STR(tstr(p, "spec.dnsPolicy"), "ClusterFirst");
	CHECK_STR(tstr(p, "spec.schedulerName"), "default-scheduler");
	CHECK_INT(tint(p, "spec.terminationGracePeriodSeconds"), 30);
	CHECK(json_is_true(tget(p, "spec.enableServiceLinks")));
	CHECK(json_is_object(tget(p, "spec.securityContext")));
	c0 = tidx(p, "spec.containers", 0);
	CHECK_STR(tstr(c0, "imagePullPolicy"), "Always");
	CHECK_STR(tstr(c0, "terminationMessagePath"), "/dev/termination-log");
	CHECK_STR(tstr(c0, "terminationMessagePolicy"), "File");
	CHECK_STR(tstr(json_array_get(json_object_get(c0, "ports"), 0), "protocol"), "TCP");
	CHECK_INT(tint(c0, "livenessProbe.timeoutSeconds"), 1);
	CHECK_INT(tint(c0, "livenessProbe.periodSeconds"), 10);
	CHECK_INT(tint(c0, "livenessProbe.successThreshold"), 1);
	CHECK_INT(tint(c0, "livenessProbe.failureThreshold"), 3);
	CHECK_STR(tstr(c0, "livenessProbe.httpGet.path"), "/");
	CHECK_STR(tstr(c0, "livenessProbe.httpGet.scheme"), "HTTP");
	CHECK_STR(tstr(c0, "resources.requests.cpu"), "1");
	CHECK_STR(tstr(tidx(p, "spec.containers", 1), "imagePullPolicy"), "IfNotPresent");
	CHECK_STR(tstr(tidx(p, "spec.containers", 2), "imagePullPolicy"), "Always");
	CHECK_STR(tstr(tidx(p, "spec.containers", 3), "imagePullPolicy"), "IfNotPresent");
	CHECK(json_is_object(tget(tidx(p, "spec.volumes", 0), "emptyDir")));
	json_decref(p);

	p = tj("{'spec':{'hostNetwork':true,'containers':[{'name':'a','image':'x:1',"
	       "'ports':[{'containerPort':8080}]}]}}");
	CHECK_INT(api_default(API_POD, p, NULL), 0);
	CHECK_INT(tint(json_array_get(json_object_get(tidx(p, "spec.containers", 0), "ports"), 0),
	               "hostPort"),
	          8080);
	json_decref(p);

	/* No spec at all still gets one: validation then asks for containers. */
	p = tj("{'metadata':{'name':'x'}}");
	CHECK_INT(api_default(API_POD, p, NULL), 0);
	CHECK_STR(tstr(p, "spec.restartPolicy"), "Always");
	json_decref(p);
}

UNIT_TEST(dft_small_kinds)
{
	json_t *o = tj("{'metadata':{'name':'team-a'}}");

	CHECK_INT(api_default(API_NAMESPACE, o, NULL), 0);
	CHECK_STR(json_string_value(
	              json_object_get(tget(o, "metadata.labels"), "kubernetes.io/metadata.name")),
	          "team-a");
	CHECK_STR(json_string_value(tidx(o, "spec.finalizers", 0)), "kubernetes");
	CHECK_STR(tstr(o, "status.phase"), "Active");
	json_decref(o);

	o = tj("{'stringData':{'user':'admin','pw':'s3cr3t!'},'data':{'user':'eA=='}}");
	CHECK_INT(api_default(API_SECRET, o, NULL), 0);
	CHECK_STR(tstr(o, "type"), "Opaque");
	CHECK_STR(tstr(o, "data.user"), "YWRtaW4=");
	CHECK_STR(tstr(o, "data.pw"), "czNjcjN0IQ==");
	CHECK(tget(o, "stringData") == NULL);
	json_decref(o);

	o = tj("{'spec':{'podCIDR':'10.244.1.0/24'},'status':{'capacity':{'cpu':'4'}}}");
	CHECK_INT(api_default(API_NODE, o, NULL), 0);
	CHECK_STR(json_string_value(tidx(o, "spec.podCIDRs", 0)), "10.244.1.0/24");
	CHECK_STR(tstr(o, "status.allocatable.cpu"), "4");
	json_decref(o);

	o = tj("{'addressType':'IPv4','ports':[{'port':80}]}");
	CHECK_INT(api_default(API_ENDPOINTSLICE, o, NULL), 0);
	CHECK_STR(tstr(tidx(o, "ports", 0), "protocol"), "TCP");
	CHECK_STR(tstr(tidx(o, "ports", 0), "name"), "");
	json_decref(o);

	o = tj("{'subsets':[{'ports':[{'port':80}]}]}");
	CHECK_INT(api_default(API_ENDPOINTS, o, NULL), 0);
	CHECK_STR(
	    tstr(json_array_get(json_object_get(tidx(o, "subsets", 0), "ports"), 0), "protocol"),
	    "TCP");
	json_decref(o);

	o = tj("{'spec':{'controller':'a.io/b','parameters':{'kind':'K','name':'n'}}}");
	CHECK_INT(api_default(API_INGRESSCLASS, o, NULL), 0);
	CHECK_STR(tstr(o, "spec.parameters.scope"), "Cluster");
	json_decref(o);

	/* Non-objects and bad kinds. */
	o = tj("[1,2]");
	CHECK_INT(api_default(API_POD, o, NULL), 0);
	CHECK_INT(api_default(API_NKINDS, o, NULL), -22);
	json_decref(o);
}
