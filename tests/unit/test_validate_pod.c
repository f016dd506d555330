/* test_validate_pod.c - Pod validation: containers, ports, probes, spec fields, updates. */
#include "test_validate_helpers.h"

#define POD_META "'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','namespace':'default'}"

static json_t *pod(const char *spec)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "{" POD_META ",'spec':%s}", spec);
	return tj(buf);
}

/* Defaults and validates spec; returns the causes (caller decrefs). */
static json_t *pcheck(const char *spec, int *n)
{
	json_t *p = pod(spec), *c;

	api_default(API_POD, p, NULL);
	c = tvalidate(API_POD, p, NULL, n);
	json_decref(p);
	return c;
}

UNIT_TEST(pod_valid)
{
	json_t *p = pod("{'containers':[{'name':'web','image':'nginx:1.27','ports':[{'name':'http',"
	                "'containerPort':80}],'readinessProbe':{'httpGet':{'port':'http'}},"
	                "'livenessProbe':{'tcpSocket':{'port':80}}}],'hostname':'web-0',"
	                "'nodeName':'node-1','tolerations':[{'operator':'Exists'}]}");

	CHECK_INT(tcheck(API_POD, p, 1), 0);
	json_decref(p);
}

UNIT_TEST(pod_containers_required_and_unique)
{
	int n;
	json_t *c = pcheck("{}", &n);

	CHECK_INT(n, 1);
	CHECK_STR(tcause(c, "spec.containers"), "Required value");
	json_decref(c);

	c = pcheck("{'containers':[{'name':'a','image':'x'},{'name':'a'}],'initContainers':"
	           "[{'name':'a','image':'y'}]}",
	           &n);
	CHECK_STR(tcause(c, "spec.containers[1].name"), "Duplicate value: \"a\"");
	CHECK_STR(tcause(c, "spec.containers[1].image"), "Required value");
	CHECK_STR(tcause(c, "spec.initContainers[0].name"), "Duplicate value: \"a\"");
	json_decref(c);

	c = pcheck("{'containers':[{'name':'Web_1','image':' x'}]}", &n);
	CHECK(thas(c, "spec.containers[0].name", "a lowercase RFC 1123 label"));
	CHECK_STR(tcause(c, "spec.containers[0].image"),
	          "Invalid value: \" x\": must not have leading or trailing whitespace");
	json_decref(c);
}

UNIT_TEST(pod_container_ports)
{
	int n;
	json_t *c = pcheck("{'containers':[{'name':'a','image':'x','ports':[{'containerPort':0},"
	                   "{'containerPort':70000,'hostPort':70000,'name':'HTTP'},"
	                   "{'containerPort':81,'name':'web'},{'containerPort':82,'name':'web'},"
	                   "{'containerPort':83,'protocol':'ICMP'}]}]}",
	                   &n);

	CHECK_STR(tcause(c, "spec.containers[0].ports[0].containerPort"), "Required value");
	CHECK_STR(tcause(c, "spec.containers[0].ports[1].containerPort"),
	          "Invalid value: 70000: must be between 1 and 65535, inclusive");
	CHECK_STR(tcause(c, "spec.containers[0].ports[1].hostPort"),
	          "Invalid value: 70000: must be between 1 and 65535, inclusive");
	CHECK(thas(c, "spec.containers[0].ports[1].name",
	           "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"));
	CHECK(
	    thas(c, "spec.containers[0].ports[1].name", "must contain at least one letter (a-z)"));
	CHECK_STR(tcause(c, "spec.containers[0].ports[3].name"), "Duplicate value: \"web\"");
	CHECK(thas(c, "spec.containers[0].ports[4].protocol", "Unsupported value: \"ICMP\""));
	json_decref(c);

	/* Host ports clash across containers. */
	c = pcheck(
	    "{'containers':[{'name':'a','image':'x','ports':[{'containerPort':80,'hostPort':"
	    "8080}]},{'name':'b','image':'x','ports':[{'containerPort':81,'hostPort':8080}]}]}",
	    &n);
	CHECK_STR(tcause(c, "spec.containers[1].ports[0].hostPort"),
	          "Duplicate value: \"TCP//8080\"");
	json_decref(c);

	/* Under hostNetwork hostPort must equal containerPort. */
	c = pcheck("{'hostNetwork':true,'containers':[{'name':'a','image':'x','ports':"
	           "[{'containerPort':80,'hostPort':81}]}]}",
	           &n);
	CHECK_STR(tcause(c, "spec.containers[0].ports[0].hostPort"),
	          "Invalid value: 81: must match `containerPort` when `hostNetwork` is true");
	json_decref(c);
}

UNIT_TEST(pod_probes)
{
	int n;
	json_t *c =
	    pcheck("{'containers':[{'name':'a','image':'x','livenessProbe':{'periodSeconds':5},"
	           "'readinessProbe':{'exec':{'command':['true']},'tcpSocket':{'port':80},"
	           "'terminationGracePeriodSeconds':5},'startupProbe':{'exec':{'command':[]},"
	           "'successThreshold':2,'initialDelaySeconds':-1}}]}",
	           &n);

	CHECK_STR(tcause(c, "spec.containers[0].livenessProbe"),
	          "Required value: must specify a handler type");
	CHECK_STR(tcause(c, "spec.containers[0].readinessProbe.tcpSocket"),
	          "Forbidden: may not specify more than 1 handler type");
	CHECK_STR(tcause(c, "spec.containers[0].readinessProbe.terminationGracePeriodSeconds"),
	          "Invalid value: 5: must not be set for readinessProbes");
	CHECK_STR(tcause(c, "spec.containers[0].startupProbe.exec.command"), "Required value");
	CHECK_STR(tcause(c, "spec.containers[0].startupProbe.successThreshold"),
	          "Invalid value: 2: must be 1");
	CHECK_STR(tcause(c, "spec.containers[0].startupProbe.initialDelaySeconds"),
	          "Invalid value: -1: must be greater than or equal to 0");
	json_decref(c);

	c = pcheck("{'containers':[{'name':'a','image':'x','livenessProbe':{'httpGet':{'port':0,"
	           "'scheme':'FTP'}}}]}",
	           &n);
	CHECK_STR(tcause(c, "spec.containers[0].livenessProbe.httpGet.port"),
	          "Invalid value: 0: must be between 1 and 65535, inclusive");
	CHECK_STR(tcause(c, "spec.containers[0].livenessProbe.httpGet.scheme"),
	          "Unsupported value: \"FTP\": supported values: \"HTTP\", \"HTTPS\"");
	json_decref(c);
}

UNIT_TEST(pod_spec_fields)
{
	int n;
	json_t *c = pcheck(
	    "{'containers':[{'name':'a','image':'x','imagePullPolicy':'Sometimes'}],"
	    "'restartPolicy':'Maybe','dnsPolicy':'None','hostname':'Web',"
	    "'subdomain':'a.b','activeDeadlineSeconds':0,'nodeName':'Node_1',"
	    "'tolerations':[{'key':'k','operator':'Exists','value':'v'},{'operator':'Equal'}]}",
	    &n);

	CHECK_STR(
	    tcause(c, "spec.restartPolicy"),
	    "Unsupported value: \"Maybe\": supported values: \"Always\", \"OnFailure\", \"Never\"");
	CHECK_STR(
	    tcause(c, "spec.containers[0].imagePullPolicy"),
	    "Unsupported value: \"Sometimes\": supported values: \"Always\", \"IfNotPresent\", "
	    "\"Never\"");
	CHECK_STR(tcause(c, "spec.dnsConfig"),
	          "Required value: must provide `dnsConfig` when `dnsPolicy` is None");
	CHECK(thas(c, "spec.hostname", "a lowercase RFC 1123 label"));
	CHECK_STR(tcause(c, "spec.subdomain"), "Invalid value: \"a.b\": must not contain dots");
	CHECK_STR(tcause(c, "spec.activeDeadlineSeconds"),
	          "Invalid value: 0: must be between 1 and 2147483647, inclusive");
	CHECK(thas(c, "spec.nodeName", "a lowercase RFC 1123 subdomain"));
	CHECK_STR(tcause(c, "spec.tolerations[0].operator"),
	          "Invalid value: \"v\": value must be empty when `operator` is 'Exists'");
	CHECK(
	    thas(c, "spec.tolerations[1].operator", "operator must be Exists when `key` is empty"));
	json_decref(c);

	c = pcheck(
	    "{'containers':[{'name':'a','image':'x','volumeMounts':[{'name':'nope',"
	    "'mountPath':'/x'}]}],'volumes':[{'name':'v','emptyDir':{},'hostPath':{'path':'/'}}]}",
	    &n);
	CHECK_STR(tcause(c, "spec.containers[0].volumeMounts[0].name"), "Not found: \"nope\"");
	CHECK_STR(treason(c, "spec.containers[0].volumeMounts[0].name"), "FieldValueNotFound");
	CHECK_STR(tcause(c, "spec.volumes[0].hostPath"),
	          "Forbidden: may not specify more than 1 volume type");
	json_decref(c);

	c = pcheck("{'containers':[{'name':'a','image':'x','command':'sh','args':[1],"
	           "'resources':{'limits':{'cpu':[],'memory':'1Gi'},'requests':5}}]}",
	           &n);
	CHECK_INT(n, 4);
	CHECK_STR(tcause(c, "spec.containers[0].command"),
	          "Invalid value: \"sh\": must be of type array");
	CHECK_STR(treason(c, "spec.containers[0].args[0]"), "FieldValueTypeInvalid");
	CHECK_STR(treason(c, "spec.containers[0].resources.limits[cpu]"), "FieldValueTypeInvalid");
	CHECK_STR(treason(c, "spec.containers[0].resources.requests"), "FieldValueTypeInvalid");
	json_decref(c);
}

static json_t *stored_pod(void)
{
	json_t *p =
	    pod("{'containers':[{'name':'a','image':'nginx:1.0'}],'tolerations':[{'key':'k',"
	        "'operator':'Exists','effect':'NoExecute','tolerationSeconds':10}]}");

	api_default(API_POD, p, NULL);
	json_object_set_new(json_object_get(p, "metadata"), "uid", json_string("u-1"));
	return p;
}

UNIT_TEST(pod_update_rules)
{
	json_t *old = stored_pod(), *now, *c;
	int n;

	/* The image may change; so may tolerationSeconds and new tolerations. */
	now = json_deep_copy(old);
	json_object_set_new(json_array_get(tget(now, "spec.containers"), 0), "image",
	                    json_string("nginx:1.1"));
	json_object_set_new(json_array_get(tget(now, "spec.tolerations"), 0), "tolerationSeconds",
	                    json_integer(20));
	json_array_append_new((json_t *)tget(now, "spec.tolerations"),
	                      tj("{'key':'x','operator':'Exists'}"));
	c = tvalidate(API_POD, now, old, &n);
	if (n)
		tdump(c);
	CHECK_INT(n, 0);
	json_decref(c);
	json_decref(now);

	/* Anything else may not. */
	now = json_deep_copy(old);
	json_object_set_new(json_object_get(now, "spec"), "restartPolicy", json_string("Never"));
	c = tvalidate(API_POD, now, old, &n);
	CHECK_INT(n, 1);
	CHECK_STR(treason(c, "spec"), "FieldValueForbidden");
	CHECK(thas(c, "spec",
	           "Forbidden: pod updates may not change fields other than "
	           "`spec.containers[*].image`,`spec.initContainers[*].image`,"
	           "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to "
	           "existing tolerations),`spec.terminationGracePeriodSeconds` (allow it "
	           "to be set to 1 if it was previously negative)\n"));
	CHECK(thas(c, "spec", "restartPolicy: \"Never\""));
	json_decref(c);
	json_decref(now);

	now = json_deep_copy(old);
	json_array_append_new((json_t *)tget(now, "spec.containers"),
	                      tj("{'name':'b','image':'x'}"));
	api_default(API_POD, now, NULL);
	c = tvalidate(API_POD, now, old, &n);
	CHECK_STR(tcause(c, "spec.containers"),
	          "Forbidden: pod updates may not add or remove containers");
	json_decref(c);
	json_decref(now);

	now = json_deep_copy(old);
	json_array_clear((json_t *)tget(now, "spec.tolerations"));
	c = tvalidate(API_POD, now, old, &n);
	CHECK_STR(
	    tcause(c, "spec.tolerations"),
	    "Forbidden: existing toleration can not be modified except its tolerationSeconds");
	json_decref(c);
	json_decref(now);

	now = json_deep_copy(old);
	json_object_set_new(json_object_get(now, "metadata"), "uid", json_string("u-2"));
	json_object_set_new(json_object_get(now, "metadata"), "name", json_string("q"));
	c = tvalidate(API_POD, now, old, &n);
	CHECK_STR(tcause(c, "metadata.uid"), "Invalid value: \"u-2\": field is immutable");
	CHECK_STR(tcause(c, "metadata.name"), "Invalid value: \"q\": field is immutable");
	json_decref(c);
	json_decref(now);
	json_decref(old);
}

UNIT_TEST(pod_status_ips)
{
	json_t *old = stored_pod(), *now = json_deep_copy(old), *c = json_array();

	json_object_set_new(now, "status",
	                    tj("{'podIPs':[{'ip':'10.1.0.5'},{'ip':'10.1.0.6'}],"
	                       "'hostIP':'192.0.2.1','hostIPs':[{'ip':'192.0.2.2'}]}"));
	CHECK(api_validate_status(API_POD, now, old, c) >= 2);
	CHECK_STR(
	    tcause(c, "status.podIPs"),
	    "Invalid value: [{\"ip\":\"10.1.0.5\"},{\"ip\":\"10.1.0.6\"}]: may specify no more "
	    "than one IP for each IP family");
	CHECK_STR(tcause(c, "status.hostIPs[0].ip"),
	          "Invalid value: \"192.0.2.2\": must be equal to `hostIP`");
	json_decref(c);
	json_decref(now);
	json_decref(old);
}
