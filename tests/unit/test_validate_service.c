/* test_validate_service.c - Service validation rules and their Kubernetes wording. */
#include "test_validate_helpers.h"

#define SVC_META                                                                                   \
	"'apiVersion':'v1','kind':'Service','metadata':{'name':'web','namespace':'default'}"

static json_t *svc(const char *spec)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "{" SVC_META ",'spec':%s}", spec);
	return tj(buf);
}

UNIT_TEST(svc_valid_minimal)
{
	json_t *s = svc("{'selector':{'app':'web'},'ports':[{'port':80}]}");

	CHECK_INT(tcheck(API_SERVICE, s, 1), 0);
	json_decref(s);
}

UNIT_TEST(svc_port_range_wording)
{
	json_t *s = svc("{'ports':[{'port':70000}]}"), *c;
	int n;

	api_default(API_SERVICE, s, NULL);
	c = tvalidate(API_SERVICE, s, NULL, &n);
	/* targetPort defaults to the port, so it is out of range too, as in Kubernetes. */
	CHECK_INT(n, 2);
	CHECK_STR(tcause(c, "spec.ports[0].targetPort"),
	          "Invalid value: 70000: must be between 1 and 65535, inclusive");
	CHECK_STR(tcause(c, "spec.ports[0].port"),
	          "Invalid value: 70000: must be between 1 and 65535, inclusive");
	CHECK_STR(treason(c, "spec.ports[0].port"), "FieldValueInvalid");
	json_decref(c);
	json_decref(s);
}

UNIT_TEST(svc_duplicate_port_wording)
{
	json_t *s = svc("{'ports':[{'name':'a','port':80},{'name':'b','port':80}]}"), *c;
	int n;

	api_default(API_SERVICE, s, NULL);
	c = tvalidate(API_SERVICE, s, NULL, &n);
	CHECK_INT(n, 1);
	CHECK_STR(tcause(c, "spec.ports[1]"),
	          "Duplicate value: core.ServicePort{Name:\"\", Protocol:\"TCP\", "
	          "AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, "
	          "IntVal:0, StrVal:\"\"}, NodePort:0}");
	CHECK_STR(treason(c, "spec.ports[1]"), "FieldValueDuplicate");
	json_decref(c);
	json_decref(s);
	/* Same port, other protocol: fine. */
	s = svc("{'ports':[{'name':'a','port':53},{'name':'b','port':53,'protocol':'UDP'}]}");
	CHECK_INT(tcheck(API_SERVICE, s, 1), 0);
	json_decref(s);
}

UNIT_TEST(svc_multi_port_names)
{
	json_t *s = svc("{'ports':[{'port':80},{'port':443}]}"), *c;
	int n;

	api_default(API_SERVICE, s, NULL);
	c = tvalidate(API_SERVICE, s, NULL, &n);
	CHECK_INT(n, 2);
	CHECK_STR(tcause(c, "spec.ports[0].name"), "Required value");
	CHECK_STR(tcause(c, "spec.ports[1].name"), "Required value");
	CHECK_STR(treason(c, "spec.ports[1].name"), "FieldValueRequired");
	json_decref(c);
	json_decref(s);

	s = svc("{'ports':[{'name':'http','port':80},{'name':'http','port':443}]}");
	api_default(API_SERVICE, s, NULL);
	c = tvalidate(API_SERVICE, s, NULL, &n);
	CHECK_STR(tcause(c, "spec.ports[1].name"), "Duplicate value: \"http\"");
	json_decref(c);
	json_decref(s);

	s = svc("{'ports':[{'name':'Http','port':80}]}");
	api_default(API_SERVICE, s, NULL);
	c = tvalidate(API_SERVICE, s, NULL, &n);
	CHECK(thas(c, "spec.ports[0].name", "a lowercase RFC 1123 label must consist of"));
	json_decref(c);
	json_decref(s);
}

UNIT_TEST(svc_invalid_name_wording)
{
	json_t *s =
	    tj("{'metadata':{'name':'1web','namespace':'default'},'spec':{'ports':[{'port':80}]}}");
	json_t *c;
	int n;

	api_default(API_SERVICE, s, NULL);
	c = tvalidate(API_SERVICE, s, NULL, &n);
	CHECK_INT(n, 1);
	CHECK_STR(
	    tcause(c, "metadata.name"),
	    "Invalid value: \"1web\": a DNS-1035 label must consist of lower case "
	    "alphanumeric characters or '-', start with an alphabetic character, and end with "
	    "an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for "
	    "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')");
	json_decref(c);
	json_decref(s);
}

UNIT_TEST(svc_immutable_cluster_ip)
{
	json_t *old = svc("{'clusterIP':'10.0.0.1','ports':[{'port':80}]}");
	json_t *now = svc("{'clusterIP':'10.0.0.2','ports':[{'port':80}]}"), *c;
	int n;

	api_default(API_SERVICE, old, NULL);
	CHECK_INT(api_default_update(API_SERVICE, now, old, NULL), 0);
	c = tvalidate(API_SERVICE, now, old, &n);
	CHECK(n >= 1);
	CHECK_STR(tcause(c, "spec.clusterIPs[0]"),
	          "Invalid value: []string{\"10.0.0.2\"}: may not change once set");
	json_decref(c);
	json_decref(now);
	json_decref(old);
}

UNIT_TEST(svc_update_keeps_allocated_values)
{
	json_t *old =
	    svc("{'type':'NodePort','clusterIP':'10.0.0.9','ports':[{'name':'http','port':80,"
	        "'nodePort':30080}]}");
	json_t *now = svc("{'type':'NodePort','ports':[{'name':'http','port':80}]}"), *c;
	int n;

	api_default(API_SERVICE, old, NULL);
	CHECK_INT(api_default_update(API_SERVICE, now, old, NULL), 0);
	CHECK_STR(tstr(now, "spec.clusterIP"), "10.0.0.9");
	CHECK_STR(json_string_value(json_array_get(tget(now, "spec.clusterIPs"), 0)), "10.0.0.9");
	CHECK_INT(json_integer_value(
	              json_object_get(json_array_get(tget(now, "spec.ports"), 0), "nodePort")),
	          30080);
	c = tvalidate(API_SERVICE, now, old, &n);
	if (n)
		tdump(c);
	CHECK_INT(n, 0);
	json_decref(c);
	json_decref(now);
	json_decref(old);
}

UNIT_TEST(svc_update_to_external_name_drops_ips)
{
	json_t *old = svc("{'clusterIP':'10.0.0.9','ports':[{'port':80}]}"), *now, *c;
	int n;

	api_default(API_SERVICE, old, NULL);
	/* A merge patch on the stored object: everything else is kept. */
	now = json_deep_copy(old);
	json_object_set_new(json_object_get(now, "spec"), "type", json_string("ExternalName"));
	json_object_set_new(json_object_get(now, "spec"), "externalName",
	                    json_string("db.example.com"));
	CHECK_INT(api_default_update(API_SERVICE, now, old, NULL), 0);
	CHECK(tget(now, "spec.clusterIP") == NULL);
	CHECK(tget(now, "spec.clusterIPs") == NULL);
	CHECK(tget(now, "spec.ipFamilies") == NULL);
	CHECK(tget(now, "spec.ipFamilyPolicy") == NULL);
	c = tvalidate(API_SERVICE, now, old, &n);
	if (n)
		tdump(c);
	CHECK_INT(n, 0);
	json_decref(c);
	json_decref(now);
	json_decref(old);
}

UNIT_TEST(svc_wrong_types)
{
	json_t *s = svc("{'ports':[{'port':'80'}]}"), *c;
	int n;

	api_default(API_SERVICE, s, NULL);
	c = tvalidate(API_SERVICE, s, NULL, &n);
	CHECK_STR(treason(c, "spec.ports[0].port"), "FieldValueTypeInvalid");
	CHECK_STR(tcause(c, "spec.ports[0].port"),
	          "Invalid value: \"80\": must be of type integer");
	json_decref(c);
	json_decref(s);

	s = svc("{'ports':'x','selector':{'app':5},'type':7}");
	api_default(API_SERVICE, s, NULL);
	c = tvalidate(API_SERVICE, s, NULL, &n);
	CHECK_STR(tcause(c, "spec.ports"), "Invalid value: \"x\": must be of type array");
	CHECK_STR(treason(c, "spec.selector[app]"), "FieldValueTypeInvalid");
	CHECK_STR(treason(c, "spec.type"), "FieldValueTypeInvalid");
	json_decref(c);
	json_decref(s);

	s = tj("{'metadata':'x','spec':[]}");
	api_default(API_SERVICE, s, NULL);
	c = tvalidate(API_SERVICE, s, NULL, &n);
	CHECK_STR(treason(c, "metadata"), "FieldValueTypeInvalid");
	CHECK_STR(treason(c, "spec"), "FieldValueTypeInvalid");
	/* The fields under a mistyped object still count as missing. */
	CHECK_STR(tcause(c, "metadata.name"), "Required value: name or generateName is required");
	json_decref(c);
	json_decref(s);

	c = json_array();
	CHECK_INT(api_validate(API_SERVICE, json_array_get(c, 0), NULL, c), 1);
	json_decref(c);
}

UNIT_TEST(svc_external_name_rules)
{
	json_t *s = svc("{'type':'ExternalName'}"), *c;
	int n;

	api_default(API_SERVICE, s, NULL);
	c = tvalidate(API_SERVICE, s, NULL, &n);
	CHECK_INT(n, 1);
	CHECK_STR(tcause(c, "spec.externalName"), "Required value");
	json_decref(c);
	json_decref(s);

	s = svc("{'type':'ExternalName','externalName':'db.example.com.','clusterIP':'10.0.0.1'}");
	api_default(API_SERVICE, s, NULL);
	c = tvalidate(API_SERVICE, s, NULL, &n);
	CHECK_INT(n, 1);
	CHECK_STR(tcause(c, "spec.clusterIPs"),
	          "Forbidden: may not be set for ExternalName services");
	json_decref(c);
	json_decref(s);

	s = svc("{'type':'ExternalName','externalName':'Bad_Name'}");
	api_default(API_SERVICE, s, NULL);
	c = tvalidate(API_SERVICE, s, NULL, &n);
	CHECK(thas(c, "spec.externalName", "a lowercase RFC 1123 subdomain"));
	json_decref(c);
	json_decref(s);

	s = svc("{'type':'ExternalName','externalName':'db.example.com'}");
	CHECK_INT(tcheck(API_SERVICE, s, 1), 0);
	json_decref(s);
}

UNIT_TEST(svc_type_and_cluster_ip_rules)
{
	json_t *s = svc("{'type':'NodePort','clusterIP':'None','ports':[{'port':80}]}"), *c;
	int n;

	api_default(API_SERVICE, s, NULL);
	c = tvalidate(API_SERVICE, s, NULL, &n);
	CHECK_STR(tcause(c, "spec.clusterIPs[0]"),
	          "Invalid value: \"None\": may not be set to 'None' for NodePort services");
	json_decref(c);
	json_decref(s);

	s = svc("{'type':'Foo','ports':[{'port':80}]}");
	api_default(API_SERVICE, s, NULL);
	c = tvalidate(API_SERVICE, s, NULL, &n);
	CHECK_STR(tcause(c, "spec.type"),
	          "Unsupported value: \"Foo\": supported values: \"ClusterIP\", \"ExternalName\", "
	          "\"LoadBalancer\", \"NodePort\"");
	json_decref(c);
	json_decref(s);

	s = svc("{'clusterIP':'10.0.0.300','ports':[{'port':80}]}");
	api_default(API_SERVICE, s, NULL);
	c = tvalidate(API_SERVICE, s, NULL, &n);
	CHECK_STR(tcause(c, "spec.clusterIPs[0]"),
	          "Invalid value: \"10.0.0.300\": must be a valid IP address, (e.g. 10.9.8.7 or "
	          "2001:db8::ffff)");
	json_decref(c);
	json_decref(s);

	s = svc("{'clusterIP':'10.0.0.1','clusterIPs':['10.0.0.2'],'ports':[{'port':80}]}");
	api_default(API_SERVICE, s, NULL);
	c = tvalidate(API_SERVICE, s, NULL, &n);
	CHECK_STR(tcause(c, "spec.clusterIPs"),
	          "Invalid value: []string{\"10.0.0.2\"}: first value must match `clusterIP`");
	json_decref(c);
	json_decref(s);

	/* Headless with a selector needs no ports. */
	s = svc("{'clusterIP':'None','selector':{'a':'b'}}");
	CHECK_INT(tcheck(API_SERVICE, s, 1), 0);
	json_decref(s);
	s = svc("{'selector':{'a':'b'}}");
	api_default(API_SERVICE, s, NULL);
	c = tvalidate(API_SERVICE, s, NULL, &n);
	CHECK_STR(tcause(c, "spec.ports"), "Required value");
	json_decref(c);
	json_decref(s);
}

UNIT_TEST(svc_dual_stack_fields)
{
	json_t *s = svc("{'clusterIP':'10.0.0.1','clusterIPs':['10.0.0.1','10.0.0.2'],"
	                "'ipFamilyPolicy':'PreferDualStack','ports':[{'port':80}]}");
	json_t *c;
	int n;

	c = tvalidate(API_SERVICE, s, NULL, &n);
	CHECK_STR(
	    tcause(c, "spec.clusterIPs"),
	    "Invalid value: []string{\"10.0.0.1\", \"10.0.0.2\"}: may specify no more than one "
	    "IP for each IP family");
	json_decref(c);
	json_decref(s);

	s = svc("{'clusterIP':'10.0.0.1','clusterIPs':['10.0.0.1'],'ipFamilies':['IPv6'],"
	        "'ipFamilyPolicy':'Sometimes','ports':[{'port':80}]}");
	api_default(API_SERVICE, s, NULL);
	c = tvalidate(API_SERVICE, s, NULL, &n);
	CHECK_STR(
	    tcause(c, "spec.clusterIPs[0]"),
	    "Invalid value: \"10.0.0.1\": expected an IPv6 value as indicated by `ipFamilies[0]`");
	CHECK_STR(tcause(c, "spec.ipFamilyPolicy"),
	          "Unsupported value: \"Sometimes\": supported values: \"PreferDualStack\", "
	          "\"RequireDualStack\", \"SingleStack\"");
	json_decref(c);
	json_decref(s);

	s = svc("{'clusterIP':'10.0.0.1','clusterIPs':['10.0.0.1','fd00::1'],'ipFamilies':['IPv4',"
	        "'IPv6'],'ipFamilyPolicy':'RequireDualStack','ports':[{'port':80}]}");
	CHECK_INT(tcheck(API_SERVICE, s, 1), 0);
	json_decref(s);
}

UNIT_TEST(svc_family_downgrade_needs_single_stack)
{
	json_t *old =
	    svc("{'clusterIP':'10.0.0.1','clusterIPs':['10.0.0.1','fd00::1'],'ipFamilies':"
	        "['IPv4','IPv6'],'ipFamilyPolicy':'RequireDualStack','ports':[{'port':80}]}");
	json_t *now, *c;
	int n;

	api_default(API_SERVICE, old, NULL);
	now = json_deep_copy(old);
	json_array_remove(json_object_get(json_object_get(now, "spec"), "clusterIPs"), 1);
	json_array_remove(json_object_get(json_object_get(now, "spec"), "ipFamilies"), 1);
	c = tvalidate(API_SERVICE, now, old, &n);
	CHECK_STR(
	    tcause(c, "spec.ipFamilyPolicy"),
	    "Invalid value: \"RequireDualStack\": must be set to 'SingleStack' when releasing "
	    "the secondary clusterIP");
	json_decref(c);
	json_object_set_new(json_object_get(now, "spec"), "ipFamilyPolicy",
	                    json_string("SingleStack"));
	c = tvalidate(API_SERVICE, now, old, &n);
	if (n)
		tdump(c);
	CHECK_INT(n, 0);
	json_decref(c);
	/* The primary family cannot change. */
	json_array_set_new(json_object_get(json_object_get(now, "spec"), "ipFamilies"), 0,
	                   json_string("IPv6"));
	c = tvalidate(API_SERVICE, now, old, &n);
	CHECK(thas(c, "spec.ipFamilies[0]", "may not change once set"));
	json_decref(c);
	json_decref(now);
	json_decref(old);
}

UNIT_TEST(svc_affinity_and_traffic_policy)
{
	json_t *s = svc("{'sessionAffinity':'ClientIP','sessionAffinityConfig':{'clientIP':"
	                "{'timeoutSeconds':86401}},'ports':[{'port':80}]}");
	json_t *c;
	int n;

	api_default(API_SERVICE, s, NULL);
	c = tvalidate(API_SERVICE, s, NULL, &n);
	CHECK_STR(tcause(c, "spec.sessionAffinityConfig.clientIP.timeoutSeconds"),
	          "Invalid value: 86401: must be greater than 0 and less than 86400");
	json_decref(c);
	json_decref(s);

	s = svc("{'sessionAffinity':'Sticky','ports':[{'port':80}]}");
	api_default(API_SERVICE, s, NULL);
	c = tvalidate(API_SERVICE, s, NULL, &n);
	CHECK_STR(tcause(c, "spec.sessionAffinity"),
	          "Unsupported value: \"Sticky\": supported values: \"ClientIP\", \"None\"");
	json_decref(c);
	json_decref(s);

	s = svc(
	    "{'externalTrafficPolicy':'Local','healthCheckNodePort':30000,'ports':[{'port':80}]}");
	api_default(API_SERVICE, s, NULL);
	c = tvalidate(API_SERVICE, s, NULL, &n);
	CHECK_STR(tcause(c, "spec.externalTrafficPolicy"),
	          "Invalid value: \"Local\": may only be set for externally-accessible services");
	CHECK(thas(c, "spec.healthCheckNodePort", "may only be set when `type` is 'LoadBalancer'"));
	json_decref(c);
	json_decref(s);

	s = svc(
	    "{'type':'LoadBalancer','externalTrafficPolicy':'Local','healthCheckNodePort':31000,"
	    "'ports':[{'port':80,'nodePort':30080}]}");
	CHECK_INT(tcheck(API_SERVICE, s, 1), 0);
	json_decref(s);

	s = svc("{'internalTrafficPolicy':'Nearby','ports':[{'port':80,'nodePort':30000}]}");
	api_default(API_SERVICE, s, NULL);
	c = tvalidate(API_SERVICE, s, NULL, &n);
	CHECK(thas(c, "spec.internalTrafficPolicy", "Unsupported value: \"Nearby\""));
	CHECK_STR(tcause(c, "spec.ports[0].nodePort"),
	          "Forbidden: may not be used when `type` is 'ClusterIP'");
	json_decref(c);
	json_decref(s);
}

UNIT_TEST(svc_ports_protocol_target_and_ips)
{
	json_t *s = svc("{'ports':[{'port':80,'protocol':'HTTP','targetPort':'Http_1'}],"
	                "'externalIPs':['127.0.0.1','nope']}");
	json_t *c;
	int n;

	api_default(API_SERVICE, s, NULL);
	c = tvalidate(API_SERVICE, s, NULL, &n);
	CHECK_STR(tcause(c, "spec.ports[0].protocol"),
	          "Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"");
	CHECK(thas(c, "spec.ports[0].targetPort",
	           "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"));
	CHECK_STR(tcause(c, "spec.externalIPs[0]"),
	          "Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, "
	          "::1/128)");
	CHECK(thas(c, "spec.externalIPs[1]", "must be a valid IP address"));
	json_decref(c);
	json_decref(s);

	s = svc(
	    "{'ports':[{'port':80,'targetPort':'http'},{'name':'b','port':81,'targetPort':0}]}");
	api_default(API_SERVICE, s, NULL);
	CHECK_INT(json_integer_value(
	              json_object_get(json_array_get(tget(s, "spec.ports"), 1), "targetPort")),
	          81);
	json_decref(s);

	s = svc("{'type':'NodePort','ports':[{'name':'a','port':80,'nodePort':30000},"
	        "{'name':'b','port':81,'nodePort':30000}]}");
	api_default(API_SERVICE, s, NULL);
	c = tvalidate(API_SERVICE, s, NULL, &n);
	CHECK_STR(tcause(c, "spec.ports[1].nodePort"), "Duplicate value: 30000");
	json_decref(c);
	json_decref(s);
}

UNIT_TEST(svc_lb_fields)
{
	json_t *s =
	    svc("{'loadBalancerSourceRanges':['10.0.0.0/33'],'allocateLoadBalancerNodePorts':"
	        "false,'loadBalancerClass':'x/y','ports':[{'port':80}]}");
	json_t *c;
	int n;

	api_default(API_SERVICE, s, NULL);
	c = tvalidate(API_SERVICE, s, NULL, &n);
	CHECK_STR(tcause(c, "spec.LoadBalancerSourceRanges"),
	          "Forbidden: may only be used when `type` is 'LoadBalancer'");
	CHECK_STR(
	    tcause(c, "spec.LoadBalancerSourceRanges[0]"),
	    "Invalid value: \"10.0.0.0/33\": must be a valid CIDR value, (e.g. 10.9.8.0/24 or "
	    "2001:db8::/64)");
	CHECK(thas(c, "spec.allocateLoadBalancerNodePorts", "may only be used when"));
	CHECK(thas(c, "spec.loadBalancerClass", "may only be used when"));
	json_decref(c);
	json_decref(s);

	s = svc("{'type':'LoadBalancer','loadBalancerSourceRanges':[' 10.0.0.0/8 '],"
	        "'ports':[{'port':80}]}");
	CHECK_INT(tcheck(API_SERVICE, s, 1), 0);
	json_decref(s);
}

UNIT_TEST(svc_status_lb_ingress)
{
	json_t *old = svc("{'type':'LoadBalancer','ports':[{'port':80}]}"), *now, *c;
	int n;

	api_default(API_SERVICE, old, NULL);
	now = json_deep_copy(old);
	json_object_set_new(now, "status",
	                    tj("{'loadBalancer':{'ingress':[{'ip':'192.0.2.10'},"
	                       "{'hostname':'10.1.2.3'}]}}"));
	api_default(API_SERVICE, now, NULL);
	CHECK_STR(json_string_value(json_object_get(
	              json_array_get(tget(now, "status.loadBalancer.ingress"), 0), "ipMode")),
	          "VIP");
	c = json_array();
	n = api_validate_status(API_SERVICE, now, old, c);
	CHECK_INT(n, 1);
	CHECK_STR(tcause(c, "status.loadBalancer.ingress[1].hostname"),
	          "Invalid value: \"10.1.2.3\": must be a DNS name, not an IP address");
	json_decref(c);
	json_decref(now);
	json_decref(old);
}

UNIT_TEST(svc_invalid_message_format)
{
	json_t *s = svc("{'ports':[{'port':70000,'targetPort':8080}]}"), *c;
	char *m;
	int n;

	api_default(API_SERVICE, s, NULL);
	c = tvalidate(API_SERVICE, s, NULL, &n);
	m = api_invalid_message("Service", "web", c);
	CHECK_STR(m, "Service \"web\" is invalid: spec.ports[0].port: Invalid value: 70000: must "
	             "be between 1 and 65535, inclusive");
	free(m);
	json_array_append(c, json_array_get(c, 0));
	json_array_append_new(c, json_pack("{s:s,s:s,s:s}", "reason", "FieldValueRequired",
	                                   "message", "Required value", "field", "spec.type"));
	m = api_invalid_message("Service", "web", c);
	CHECK_STR(m, "Service \"web\" is invalid: [spec.ports[0].port: Invalid value: 70000: must "
	             "be between 1 and 65535, inclusive, spec.type: Required value]");
	free(m);
	json_decref(c);
	json_decref(s);
	c = json_array();
	m = api_invalid_message("Ingress.networking.k8s.io", "a\"b", c);
	CHECK_STR(m, "Ingress.networking.k8s.io \"a\\\"b\" is invalid");
	free(m);
	json_decref(c);
}
