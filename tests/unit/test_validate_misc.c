/* test_validate_misc.c - Namespace, Node, Secret, Event, Endpoints, EndpointSlice, Ingress,
 * IngressClass validation, and hostile input for every kind. */
#include "test_validate_helpers.h"

/* Defaults and validates a literal; returns the causes (caller decrefs). */
static json_t *kcheck(enum api_kind_id kind, const char *lit, int *n)
{
	json_t *o = tj(lit), *c;

	api_default(kind, o, NULL);
	c = tvalidate(kind, o, NULL, n);
	json_decref(o);
	return c;
}

UNIT_TEST(ns_rules)
{
	int n;
	json_t *c = kcheck(API_NAMESPACE, "{'metadata':{'name':'team-a'}}", &n);

	CHECK_INT(n, 0);
	json_decref(c);
	c = kcheck(API_NAMESPACE, "{'metadata':{'name':'Team'},'spec':{'finalizers':['x']}}", &n);
	CHECK(thas(c, "metadata.name", "a lowercase RFC 1123 label must consist of"));
	CHECK_STR(tcause(c, "spec.finalizers"),
	          "Invalid value: \"x\": name is neither a standard finalizer name nor is it fully "
	          "qualified");
	json_decref(c);
}

UNIT_TEST(node_rules)
{
	int n;
	json_t *c = kcheck(API_NODE,
	                   "{'metadata':{'name':'n1'},'spec':{'podCIDRs':['10.244.0.0/24',"
	                   "'fd00:10:244::/64'],'taints':[{'key':'k','effect':'NoSchedule'}]},"
	                   "'status':{'addresses':[{'type':'InternalIP','address':'10.0.0.1'}]}}",
	                   &n);
	json_t *old, *now;

	if (n)
		tdump(c);
	CHECK_INT(n, 0);
	json_decref(c);

	c = kcheck(API_NODE,
	           "{'metadata':{'name':'n1'},'spec':{'podCIDR':'10.244.0.0/33','taints':"
	           "[{'key':'k','effect':'Never'},{'key':'k','effect':'Never'}]},'status':"
	           "{'addresses':[{'type':'PublicIP','address':'1.2.3.4'}]}}",
	           &n);
	CHECK_STR(
	    tcause(c, "spec.podCIDRs[0]"),
	    "Invalid value: \"10.244.0.0/33\": must be a valid CIDR value, (e.g. 10.9.8.0/24 or "
	    "2001:db8::/64)");
	CHECK(thas(c, "metadata.taints[0].effect", "Unsupported value: \"Never\""));
	CHECK_STR(tcause(c, "metadata.taints[1]"),
	          "Duplicate value: core.Taint{Key:\"k\", Value:\"\", Effect:\"Never\", "
	          "TimeAdded:<nil>}: taints must be unique by key and effect pair");
	CHECK(thas(c, "status.addresses[0].type", "Unsupported value: \"PublicIP\""));
	json_decref(c);

	c = kcheck(API_NODE,
	           "{'metadata':{'name':'n1'},'spec':{'podCIDRs':['10.0.0.0/24',"
	           "'10.1.0.0/24']}}",
	           &n);
	CHECK(thas(c, "spec.podCIDRs", "may specify no more than one CIDR for each IP family"));
	json_decref(c);

	old = tj("{'metadata':{'name':'n1'},'spec':{'podCIDR':'10.244.0.0/24'}}");
	api_default(API_NODE, old, NULL);
	now = tj("{'metadata':{'name':'n1'},'spec':{'podCIDR':'10.244.1.0/24'}}");
	api_default_update(API_NODE, now, old, NULL);
	c = tvalidate(API_NODE, now, old, &n);
	CHECK_STR(tcause(c, "spec.podCIDRs"),
	          "Forbidden: node updates may not change podCIDR except from \"\" to valid");
	json_decref(c);
	json_decref(now);
	/* From unset to set is how the allocator assigns it. */
	now = json_deep_copy(old);
	json_object_del(json_object_get(old, "spec"), "podCIDRs");
	json_object_del(json_object_get(old, "spec"), "podCIDR");
	c = tvalidate(API_NODE, now, old, &n);
	CHECK_INT(n, 0);
	json_decref(c);
	json_decref(now);
	json_decref(old);
}

UNIT_TEST(secret_rules)
{
	int n;
	json_t *c = kcheck(API_SECRET,
	                   "{'metadata':{'name':'s','namespace':'d'},'data':{'ok.key':"
	                   "'aGk=','bad key':'aGk=','b64':'a!=='}}",
	                   &n);
	json_t *o, *old;

	CHECK_INT(n, 2);
	CHECK(thas(c, "data[bad key]",
	           "Invalid value: \"bad key\": a valid config key must consist"));
	CHECK_STR(
	    tcause(c, "data[b64]"),
	    "Invalid value: \"<secret contents redacted>\": illegal base64 data at input byte 1");
	json_decref(c);

	c = kcheck(API_SECRET,
	           "{'metadata':{'name':'s','namespace':'d'},'type':'kubernetes.io/tls',"
	           "'data':{'tls.crt':''}}",
	           &n);
	CHECK_INT(n, 1);
	CHECK_STR(tcause(c, "data[tls.key]"), "Required value");
	json_decref(c);

	c = kcheck(API_SECRET,
	           "{'metadata':{'name':'s','namespace':'d'},'type':"
	           "'kubernetes.io/dockerconfigjson','data':{'.dockerconfigjson':'bm9wZQ=='}}",
	           &n);
	CHECK_INT(n, 1);
	CHECK_STR(treason(c, "data[.dockerconfigjson]"), "FieldValueInvalid");
	json_decref(c);

	/* 1 MiB of decoded data at most. */
	o = tj("{'metadata':{'name':'s','namespace':'d'},'data':{}}");
	{
		size_t len = (1024 * 1024 / 3 + 2) * 4;
		char *big = malloc(len + 1);

		memset(big, 'A', len);
		big[len] = '\0';
		json_object_set_new(json_object_get(o, "data"), "big", json_string(big));
		free(big);
	}
	c = tvalidate(API_SECRET, o, NULL, &n);
	CHECK_STR(tcause(c, "data"), "Too long: must have at most 1048576 bytes");
	json_decref(c);
	json_decref(o);

	old = tj("{'metadata':{'name':'s','namespace':'d'},'immutable':true,'data':{'a':'YQ=='}}");
	api_default(API_SECRET, old, NULL);
	o = json_deep_copy(old);
	json_object_set_new(o, "type", json_string("kubernetes.io/basic-auth"));
	json_object_set_new(json_object_get(o, "data"), "a", json_string("Yg=="));
	c = tvalidate(API_SECRET, o, old, &n);
	CHECK_STR(tcause(c, "type"),
	          "Invalid value: \"kubernetes.io/basic-auth\": field is immutable");
	CHECK_STR(tcause(c, "data"), "Forbidden: field is immutable when `immutable` is set");
	json_decref(c);
	json_decref(o);
	json_decref(old);
}

UNIT_TEST(event_rules)
{
	int n;
	json_t *c = kcheck(API_EVENT,
	                   "{'metadata':{'name':'web.17a5b','namespace':'default'},"
	                   "'involvedObject':{'kind':'Pod','name':'web','namespace':'default'},"
	                   "'reason':'Started','message':'ok','count':1}",
	                   &n);

	CHECK_INT(n, 0);
	json_decref(c);
	c = kcheck(API_EVENT,
	           "{'metadata':{'name':'e','namespace':'a'},'involvedObject':{'namespace':"
	           "'b'}}",
	           &n);
	CHECK_STR(tcause(c, "involvedObject.namespace"),
	          "Invalid value: \"b\": does not match event.namespace");
	json_decref(c);
	c = kcheck(API_EVENT,
	           "{'metadata':{'name':'e','namespace':'a'},'eventTime':"
	           "'2024-01-01T00:00:00.000000Z','involvedObject':{'namespace':'a'}}",
	           &n);
	CHECK_STR(tcause(c, "reportingComponent"), "Required value");
	CHECK_STR(tcause(c, "action"), "Required value");
	json_decref(c);
}

UNIT_TEST(endpoints_rules)
{
	int n;
	json_t *c = kcheck(API_ENDPOINTS,
	                   "{'metadata':{'name':'web','namespace':'d'},'subsets':[{"
	                   "'addresses':[{'ip':'10.1.0.5','nodeName':'n1'}],'ports':"
	                   "[{'port':8080}]}]}",
	                   &n);

	CHECK_INT(n, 0);
	json_decref(c);
	c = kcheck(API_ENDPOINTS,
	           "{'metadata':{'name':'web','namespace':'d'},'subsets':[{},"
	           "{'addresses':[{'ip':'169.254.1.1'},{'ip':'x'}],'ports':[{'port':80},"
	           "{'port':81}]}]}",
	           &n);
	CHECK_STR(tcause(c, "subsets[0]"),
	          "Required value: must specify `addresses` or `notReadyAddresses`");
	CHECK_STR(
	    tcause(c, "subsets[1].addresses[0].ip"),
	    "Invalid value: \"169.254.1.1\": may not be in the link-local range (169.254.0.0/16, "
	    "fe80::/10)");
	CHECK(thas(c, "subsets[1].addresses[1].ip", "must be a valid IP address"));
	CHECK_STR(tcause(c, "subsets[1].ports[0].name"), "Required value");
	json_decref(c);
}

UNIT_TEST(endpointslice_rules)
{
	int n;
	json_t *c = kcheck(API_ENDPOINTSLICE,
	                   "{'metadata':{'name':'web-abc','namespace':'d'},'addressType':'IPv4',"
	                   "'endpoints':[{'addresses':['10.1.0.5'],'conditions':{'ready':true},"
	                   "'nodeName':'n1','zone':'z'}],'ports':[{'name':'http','port':8080}]}",
	                   &n);
	json_t *o, *eps, *old;

	if (n)
		tdump(c);
	CHECK_INT(n, 0);
	json_decref(c);

	c = kcheck(
	    API_ENDPOINTSLICE,
	    "{'metadata':{'name':'s','namespace':'d'},'endpoints':[{'addresses':[],"
	    "'conditions':{'ready':'yes'}}],'ports':[{'name':'a'},{'name':'a','protocol':'X'}]}",
	    &n);
	CHECK_STR(tcause(c, "addressType"), "Required value");
	CHECK_STR(tcause(c, "endpoints[0].addresses"),
	          "Required value: must contain at least 1 address");
	CHECK_STR(treason(c, "endpoints[0].conditions.ready"), "FieldValueTypeInvalid");
	CHECK_STR(tcause(c, "ports[1].name"), "Duplicate value: \"a\"");
	CHECK(thas(c, "ports[1].protocol", "Unsupported value: \"X\""));
	json_decref(c);

	c = kcheck(API_ENDPOINTSLICE,
	           "{'metadata':{'name':'s','namespace':'d'},'addressType':'IPv6','endpoints':"
	           "[{'addresses':['10.0.0.1','::1']}]}",
	           &n);
	CHECK_STR(tcause(c, "endpoints[0].addresses[0]"),
	          "Invalid value: \"10.0.0.1\": must be a valid IPv6 address");
	CHECK(thas(c, "endpoints[0].addresses[1]", "may not be in the loopback range"));
	json_decref(c);

	c = kcheck(API_ENDPOINTSLICE,
	           "{'metadata':{'name':'s','namespace':'d'},'addressType':'FQDN','endpoints':"
	           "[{'addresses':['db.example.com','localhost']}]}",
	           &n);
	CHECK_INT(n, 1);
	CHECK(thas(c, "endpoints[0].addresses[1]", "at least two segments"));
	json_decref(c);

	/* At most 1000 endpoints. */
	o = tj("{'metadata':{'name':'s','namespace':'d'},'addressType':'IPv4','endpoints':[]}");
	eps = json_object_get(o, "endpoints");
	for (int i = 0; i < 1001; i++)
		json_array_append_new(eps, tj("{'addresses':['10.0.0.1']}"));
	c = tvalidate(API_ENDPOINTSLICE, o, NULL, &n);
	CHECK_STR(tcause(c, "endpoints"), "Too many: 1001: must have at most 1000 items");
	json_decref(c);
	json_decref(o);

	/* addressType is immutable. */
	old = tj("{'metadata':{'name':'s','namespace':'d'},'addressType':'IPv4'}");
	o = tj("{'metadata':{'name':'s','namespace':'d'},'addressType':'IPv6'}");
	c = tvalidate(API_ENDPOINTSLICE, o, old, &n);
	CHECK_STR(tcause(c, "addressType"), "Invalid value: \"IPv6\": field is immutable");
	json_decref(c);
	json_decref(o);
	json_decref(old);
}

UNIT_TEST(ingress_rules)
{
	int n;
	json_t *c = kcheck(API_INGRESS,
	                   "{'metadata':{'name':'web','namespace':'d'},'spec':{'ingressClassName':"
	                   "'nginx','tls':[{'hosts':['*.example.com'],'secretName':'tls'}],'rules':"
	                   "[{'host':'www.example.com','http':{'paths':[{'path':'/','pathType':"
	                   "'Prefix','backend':{'service':{'name':'web','port':{'number':80}}}},"
	                   "{'path':'/api','pathType':'Exact','backend':{'service':{'name':'api',"
	                   "'port':{'name':'http'}}}}]}}]}}",
	                   &n);

	if (n)
		tdump(c);
	CHECK_INT(n, 0);
	json_decref(c);

	c = kcheck(API_INGRESS, "{'metadata':{'name':'web','namespace':'d'},'spec':{}}", &n);
	CHECK_STR(tcause(c, "spec"),
	          "Invalid value: null: either `defaultBackend` or `rules` must be specified");
	json_decref(c);

	c = kcheck(API_INGRESS,
	           "{'metadata':{'name':'web','namespace':'d'},'spec':{'rules':[{'host':'10.0.0.1',"
	           "'http':{'paths':[{'path':'api','pathType':'Prefix','backend':{'service':"
	           "{'name':'web'}}},{'path':'/a//b','pathType':'Regex','backend':{}},{'path':'/x',"
	           "'backend':{'service':{'name':'w','port':{'number':70000}}}},{'path':'/a/..',"
	           "'pathType':'Exact','backend':{'resource':{'kind':'K','name':'a/b'},'service':"
	           "{'name':'x'}}}]}},{'host':'*.*.bad'}]}}",
	           &n);
	CHECK_STR(tcause(c, "spec.rules[0].host"),
	          "Invalid value: \"10.0.0.1\": must be a DNS name, not an IP address");
	CHECK_STR(tcause(c, "spec.rules[0].http.paths[0].path"),
	          "Invalid value: \"api\": must be an absolute path");
	CHECK_STR(tcause(c, "spec.rules[0].http.paths[0].backend"),
	          "Required value: port name or number is required");
	CHECK(thas(c, "spec.rules[0].http.paths[1].pathType", "Unsupported value: \"Regex\""));
	CHECK_STR(tcause(c, "spec.rules[0].http.paths[2].pathType"),
	          "Required value: pathType must be specified");
	CHECK_STR(tcause(c, "spec.rules[0].http.paths[3].path"),
	          "Invalid value: \"/a/..\": cannot end with '/..'");
	CHECK_STR(tcause(c, "spec.rules[0].http.paths[3].backend"),
	          "Invalid value: \"\": cannot set both resource and service backends");
	CHECK(thas(c, "spec.rules[1].host", "a wildcard DNS-1123 subdomain must start with"));
	json_decref(c);
}

UNIT_TEST(ingressclass_rules)
{
	int n;
	json_t *c = kcheck(
	    API_INGRESSCLASS,
	    "{'metadata':{'name':'nginx'},'spec':{'controller':'k8s.io/ingress-nginx'}}", &n);

	CHECK_INT(n, 0);
	json_decref(c);
	c = kcheck(API_INGRESSCLASS, "{'metadata':{'name':'nginx'},'spec':{}}", &n);
	CHECK_STR(tcause(c, "spec.controller"), "Required value");
	json_decref(c);
	c = kcheck(API_INGRESSCLASS,
	           "{'metadata':{'name':'nginx'},'spec':{'controller':'nginx','parameters':{'kind':"
	           "'K','name':'n','scope':'Namespace'}}}",
	           &n);
	CHECK_STR(
	    tcause(c, "spec.controller"),
	    "Invalid value: \"nginx\": must be a domain-prefixed path (such as \"acme.io/foo\")");
	CHECK_STR(tcause(c, "spec.parameters.namespace"),
	          "Required value: `parameters.scope` is set to 'Namespace'");
	json_decref(c);
}

/* Every field of every kind given the wrong type: causes, never a crash. */
UNIT_TEST(hostile_types_all_kinds)
{
	static const char *const docs[] = {
	    "{'metadata':{'name':1,'labels':[],'annotations':'x','finalizers':{},"
	    "'ownerReferences':[1,{'controller':'yes'}]},'spec':7,'status':[]}",
	    "{'metadata':{'name':'a','namespace':'b'},'spec':{'containers':[1,{'name':[],"
	    "'ports':{},'env':[{'name':1}],'livenessProbe':{'httpGet':{'port':{}}}}],"
	    "'volumes':'v','tolerations':[[]],'dnsConfig':{'nameservers':[1]}},'type':{},"
	    "'data':{'k':1},'stringData':{'a':2},'subsets':[{'addresses':[{'ip':5}],'ports':[1]}],"
	    "'addressType':5,'endpoints':[{'addresses':[1],'hints':{'forZones':'z'}}],'ports':"
	    "[{'port':'x','protocol':1}],'involvedObject':'x','count':'1'}",
	    "{'metadata':{'name':'a','namespace':'b'},'spec':{'ports':[{'port':1.5,"
	    "'targetPort':true,'nodePort':'x'}],'clusterIPs':'x','ipFamilies':[1],"
	    "'sessionAffinityConfig':{'clientIP':{'timeoutSeconds':'x'}},'externalIPs':[null,1],"
	    "'rules':[{'http':{'paths':[{'backend':{'service':{'port':{'number':'x'}}}}]}}],"
	    "'tls':[{'hosts':[1]}],'podCIDRs':[1],'taints':[{'key':1}],'controller':[],"
	    "'parameters':{'scope':1}},'status':{'loadBalancer':{'ingress':[{'ip':1}]},"
	    "'addresses':[{'type':1}],'podIPs':[1]},'subsets':'x','data':5}",
	};

	for (size_t d = 0; d < sizeof(docs) / sizeof(docs[0]) + 3; d++) {
		for (int k = 0; k < API_NKINDS; k++) {
			json_t *o, *old, *c;
			int n;

			if (d < 3)
				o = tj(docs[d]);
			else
				o = json_loads(d == 3   ? "[]"
				               : d == 4 ? "null"
				                        : "\"a string\"",
				               JSON_DECODE_ANY, NULL);
			CHECK(o != NULL);
			c = json_array();
			CHECK_INT(api_default(k, o, NULL), 0);
			old = json_deep_copy(o);
			n = api_validate(k, o, NULL, c);
			if (n <= 0)
				printf("    doc %zu kind %d: %d\n", d, k, n);
			CHECK(n > 0);
			CHECK_INT(api_default_update(k, o, old, NULL), 0);
			n = api_validate(k, o, old, c);
			CHECK(n > 0);
			if (k == API_SERVICE)
				CHECK(api_service_init_ip_families(o, old, NULL, c) >= 0);
			api_validate_status(k, o, old, c);
			json_decref(old);
			json_decref(o);
			json_decref(c);
		}
	}
}
