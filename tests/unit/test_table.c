/* test_table.c - server-side Table rows against hand-written objects. */
#include "unit.h"

#include "server/table.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* 2024-01-01T00:00:00Z */
#define T0 ((time_t)1704067200)

/* JSON written with single quotes, to keep the fixtures readable. */
static json_t *J(const char *s)
{
	char *d = strdup(s);
	json_t *v;

	if (!d)
		return NULL;
	for (char *p = d; *p; p++)
		if (*p == '\'')
			*p = '"';
	v = json_loads(d, JSON_DECODE_ANY, NULL);
	free(d);
	return v;
}

/* The cells of the first row, encoded compactly for comparison. */
static char *row_cells(enum api_kind_id kind, const char *obj, time_t now)
{
	json_t *items = json_array(), *t;
	char *s = NULL;

	json_array_append_new(items, J(obj));
	t = table_build(kind, items, TABLE_INCLUDE_NONE, NULL, NULL, now);
	if (t)
		s = json_dumps(
		    json_object_get(json_array_get(json_object_get(t, "rows"), 0), "cells"),
		    JSON_COMPACT);
	json_decref(t);
	json_decref(items);
	return s;
}

#define CHECK_ROW(kind, obj, now, want)                                                            \
	do {                                                                                       \
		char *got_ = row_cells(kind, obj, now);                                            \
		json_t *w_ = J(want);                                                              \
		char *ws_ = json_dumps(w_, JSON_COMPACT);                                          \
		int ok_ = got_ && ws_ && !strcmp(got_, ws_);                                       \
		if (!ok_)                                                                          \
			unit_fail(__FILE__, __LINE__, "row\n      got  %s\n      want %s",         \
			          got_ ? got_ : "(null)", ws_ ? ws_ : "(bad fixture)");            \
		free(got_);                                                                        \
		free(ws_);                                                                         \
		json_decref(w_);                                                                   \
		if (!ok_)                                                                          \
			return;                                                                    \
	} while (0)

UNIT_TEST(table_human_duration_matches_kubernetes)
{
	static const struct {
		long long s;
		const char *want;
	} cases[] = {
	    {-5, "<invalid>"},
	    {-1, "0s"},
	    {0, "0s"},
	    {59, "59s"},
	    {119, "119s"},
	    {120, "2m"},
	    {200, "3m20s"},
	    {599, "9m59s"},
	    {600, "10m"},
	    {10799, "179m"},
	    {10800, "3h"},
	    {12600, "3h30m"},
	    {28800, "8h"},
	    {47 * 3600, "47h"},
	    {48 * 3600, "2d"},
	    {52 * 3600, "2d4h"},
	    {191 * 3600, "7d23h"},
	    {8 * 86400, "8d"},
	    {729 * 86400, "729d"},
	    {730 * 86400, "2y"},
	    {731 * 86400, "2y1d"},
	    {2920LL * 86400, "8y"},
	};
	char out[32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_STR(table_human_duration(cases[i].s, out, sizeof(out)), cases[i].want);
}

UNIT_TEST(table_parse_time_forms)
{
	time_t t;

	CHECK_INT(table_parse_time("2024-01-01T00:00:00Z", &t), 0);
	CHECK_INT(t, T0);
	CHECK_INT(table_parse_time("2024-01-01T00:00:05.123456Z", &t), 0);
	CHECK_INT(t, T0 + 5);
	CHECK_INT(table_parse_time("2024-01-01T02:00:00+02:00", &t), 0);
	CHECK_INT(t, T0);
	CHECK_INT(table_parse_time("2023-12-31T23:30:00-00:30", &t), 0);
	CHECK_INT(t, T0);
	CHECK_INT(table_parse_time("", &t), -EINVAL);
	CHECK_INT(table_parse_time(NULL, &t), -EINVAL);
	CHECK_INT(table_parse_time("2024-01-01T00:00:00", &t), -EINVAL);
	CHECK_INT(table_parse_time("2024-13-01T00:00:00Z", &t), -EINVAL);
	CHECK_INT(table_parse_time("2024-01-01T00:00:00Zjunk", &t), -EINVAL);
	CHECK_INT(table_parse_time("2024-01-01T00:00:00.Z", &t), -EINVAL);
	CHECK_INT(table_parse_time("2024-01-01 00:00:00Z", &t), -EINVAL);
	CHECK_INT(table_parse_time("2024-0a-01T00:00:00Z", &t), -EINVAL);
}

UNIT_TEST(table_negotiate_accept)
{
	CHECK_INT(table_negotiate("application/json;as=Table;v=v1;g=meta.k8s.io,application/"
	                          "json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"),
	          TABLE_WANT_V1);
	CHECK_INT(table_negotiate("application/json;as=Table;v=v1beta1;g=meta.k8s.io"),
	          TABLE_WANT_V1BETA1);
	CHECK_INT(table_negotiate("application/json; as=Table; g=meta.k8s.io; v=v1"),
	          TABLE_WANT_V1);
	CHECK_INT(table_negotiate("application/json"), TABLE_WANT_NONE);
	CHECK_INT(table_negotiate("application/json, */*"), TABLE_WANT_NONE);
	CHECK_INT(table_negotiate("*/*"), TABLE_WANT_NONE);
	CHECK_INT(table_negotiate(NULL), TABLE_WANT_NONE);
	CHECK_INT(table_negotiate(""), TABLE_WANT_NONE);
	CHECK_INT(table_negotiate(",,;;=,"), TABLE_WANT_NONE);
	/* an unservable first choice falls through to the next clause */
	CHECK_INT(table_negotiate("application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s."
	                          "io,application/json;as=Table;v=v1;g=meta.k8s.io"),
	          TABLE_WANT_V1);
	CHECK_INT(table_negotiate("application/json;as=Table;v=v2;g=meta.k8s.io"), TABLE_WANT_NONE);
	CHECK_INT(table_negotiate("application/yaml;as=Table;v=v1;g=meta.k8s.io,application/json"),
	          TABLE_WANT_NONE);
}

UNIT_TEST(table_include_values)
{
	enum table_include inc;

	CHECK_INT(table_parse_include(NULL, &inc), 0);
	CHECK_INT(inc, TABLE_INCLUDE_METADATA);
	CHECK_INT(table_parse_include("Object", &inc), 0);
	CHECK_INT(inc, TABLE_INCLUDE_OBJECT);
	CHECK_INT(table_parse_include("None", &inc), 0);
	CHECK_INT(inc, TABLE_INCLUDE_NONE);
	CHECK_INT(table_parse_include("Metadata", &inc), 0);
	CHECK_INT(inc, TABLE_INCLUDE_METADATA);
	CHECK_INT(table_parse_include("object", &inc), -EINVAL);
}

static json_t *meta_get(json_t *t, const char *k)
{
	return json_object_get(json_object_get(t, "metadata"), k);
}

UNIT_TEST(table_shape_and_row_objects)
{
	json_t *items = J("[{'apiVersion':'v1','kind':'Namespace','metadata':{'name':'a',"
	                  "'labels':{'x':'y'},'creationTimestamp':'2024-01-01T00:00:00Z'},"
	                  "'status':{'phase':'Active'}}, 7, {'metadata':{'name':'b'}}]");
	json_t *t, *cols, *rows, *obj;

	CHECK(items);
	t = table_build(API_NAMESPACE, items, TABLE_INCLUDE_METADATA, "42", "tok", T0 + 30);
	CHECK(t);
	CHECK_STR(json_string_value(json_object_get(t, "kind")), "Table");
	CHECK_STR(json_string_value(json_object_get(t, "apiVersion")), "meta.k8s.io/v1");
	CHECK_STR(json_string_value(meta_get(t, "resourceVersion")), "42");
	CHECK_STR(json_string_value(meta_get(t, "continue")), "tok");
	cols = json_object_get(t, "columnDefinitions");
	CHECK_INT(json_array_size(cols), 3);
	CHECK_STR(json_string_value(json_object_get(json_array_get(cols, 0), "name")), "Name");
	CHECK_STR(json_string_value(json_object_get(json_array_get(cols, 0), "format")), "name");
	CHECK_STR(json_string_value(json_object_get(json_array_get(cols, 2), "type")), "string");
	CHECK(json_is_integer(json_object_get(json_array_get(cols, 1), "priority")));
	rows = json_object_get(t, "rows");
	CHECK_INT(json_array_size(rows), 2); /* the non-object item is skipped */
	obj = json_object_get(json_array_get(rows, 0), "object");
	CHECK_STR(json_string_value(json_object_get(obj, "kind")), "PartialObjectMetadata");
	CHECK_STR(json_string_value(json_object_get(obj, "apiVersion")), "meta.k8s.io/v1");
	CHECK_STR(json_string_value(json_object_get(
	              json_object_get(json_object_get(obj, "metadata"), "labels"), "x")),
	          "y");
	CHECK(!json_object_get(obj, "status"));
	/* an object without a creation time ages as <unknown> */
	CHECK_STR(
	    json_string_value(json_array_get(json_object_get(json_array_get(rows, 1), "cells"), 2)),
	    "<unknown>");
	table_drop_columns(t);
	CHECK(json_is_null(json_object_get(t, "columnDefinitions")));
	json_decref(t);

	t = table_build(API_NAMESPACE, items, TABLE_INCLUDE_OBJECT, "", NULL, T0);
	CHECK(t);
	CHECK(!meta_get(t, "resourceVersion") && !meta_get(t, "continue"));
	rows = json_object_get(t, "rows");
	CHECK(json_object_get(json_array_get(rows, 0), "object") == json_array_get(items, 0));
	obj = json_object_get(json_array_get(rows, 1), "object");
	CHECK_STR(json_string_value(json_object_get(obj, "kind")), "Namespace"); /* type added */
	CHECK_STR(json_string_value(json_object_get(obj, "apiVersion")), "v1");
	json_decref(t);

	t = table_build(API_NAMESPACE, items, TABLE_INCLUDE_NONE, NULL, NULL, T0);
	CHECK(t);
	CHECK(
	    json_is_null(json_object_get(json_array_get(json_object_get(t, "rows"), 0), "object")));
	json_decref(t);
	json_decref(items);
}

UNIT_TEST(table_rejects_bad_arguments)
{
	json_t *obj = J("{'metadata':{'name':'x'}}"), *empty = json_array(), *t;

	CHECK(table_build(API_POD, obj, TABLE_INCLUDE_NONE, NULL, NULL, T0) == NULL);
	CHECK(table_build(API_POD, NULL, TABLE_INCLUDE_NONE, NULL, NULL, T0) == NULL);
	CHECK(table_build((enum api_kind_id)API_NKINDS, empty, TABLE_INCLUDE_NONE, NULL, NULL,
	                  T0) == NULL);
	t = table_build(API_POD, empty, TABLE_INCLUDE_NONE, NULL, NULL, T0);
	CHECK(t);
	CHECK(json_is_array(json_object_get(t, "rows")));
	CHECK_INT(json_array_size(json_object_get(t, "rows")), 0);
	CHECK_INT(json_array_size(json_object_get(t, "columnDefinitions")), 9);
	table_drop_columns(NULL);
	json_decref(t);
	json_decref(obj);
	json_decref(empty);
}

UNIT_TEST(table_service_rows)
{
	CHECK_ROW(API_SERVICE,
	          "{'metadata':{'name':'web','creationTimestamp':'2024-01-01T00:00:00Z'},"
	          "'spec':{'type':'ClusterIP','clusterIP':'10.96.0.10','clusterIPs':['10.96.0.10'],"
	          "'ports':[{'port':80,'protocol':'TCP'},{'port':53,'protocol':'UDP'}],"
	          "'selector':{'tier':'fe','app':'web'}}}",
	          T0 + 200,
	          "['web','ClusterIP','10.96.0.10','<none>','80/TCP,53/UDP','3m20s',"
	          "'app=web,tier=fe']");
	CHECK_ROW(API_SERVICE,
	          "{'metadata':{'name':'np'},'spec':{'type':'NodePort','clusterIPs':['10.0.0.1'],"
	          "'externalIPs':['1.2.3.4','5.6.7.8'],'ports':[{'port':80,'nodePort':30080}]}}",
	          T0,
	          "['np','NodePort','10.0.0.1','1.2.3.4,5.6.7.8','80:30080/TCP','<unknown>',"
	          "'<none>']");
	CHECK_ROW(
	    API_SERVICE,
	    "{'metadata':{'name':'lb'},'spec':{'type':'LoadBalancer','clusterIPs':['10.0.0.2'],"
	    "'ports':[{'port':443,'nodePort':31443,'protocol':'TCP'}]},'status':{}}",
	    T0,
	    "['lb','LoadBalancer','10.0.0.2','<pending>','443:31443/TCP','<unknown>',"
	    "'<none>']");
	CHECK_ROW(
	    API_SERVICE,
	    "{'metadata':{'name':'lb'},'spec':{'type':'LoadBalancer','clusterIPs':['10.0.0.2'],"
	    "'externalIPs':['9.9.9.9']},'status':{'loadBalancer':{'ingress':[{'ip':"
	    "'192.0.2.20'},{'hostname':'lb.example'},{'ip':'192.0.2.10'},{'ip':'192.0.2.10'}]}}}",
	    T0,
	    "['lb','LoadBalancer','10.0.0.2','192.0.2.10,192.0.2.20,lb.example,9.9.9.9',"
	    "'<none>','<unknown>','<none>']");
	CHECK_ROW(API_SERVICE,
	          "{'metadata':{'name':'ext'},'spec':{'type':'ExternalName','externalName':"
	          "'db.example.com','ports':[]}}",
	          T0,
	          "['ext','ExternalName','<none>','db.example.com','<none>','<unknown>','<none>']");
	CHECK_ROW(
	    API_SERVICE,
	    "{'metadata':{'name':'headless'},'spec':{'clusterIP':'None','clusterIPs':['None'],"
	    "'ports':[{'port':5353,'protocol':'SCTP'}],'selector':{}}}",
	    T0, "['headless','ClusterIP','None','<none>','5353/SCTP','<unknown>','<none>']");
	/* hostile shapes: wrong types produce text, never a crash */
	CHECK_ROW(API_SERVICE,
	          "{'metadata':[],'spec':{'type':7,'clusterIPs':[1],'ports':'x','selector':[]}}",
	          T0, "['','ClusterIP','<none>','<none>','<none>','<unknown>','<none>']");
	CHECK_ROW(API_SERVICE, "{'spec':{'type':'Weird'}}", T0,
	          "['','Weird','<none>','<unknown>','<none>','<unknown>','<none>']");
}

#define POD_META "'metadata':{'name':'p','creationTimestamp':'2024-01-01T00:00:00Z'}"

UNIT_TEST(table_pod_rows)
{
	CHECK_ROW(
	    API_POD,
	    "{" POD_META ",'spec':{'containers':[{'name':'c'}],'nodeName':'n1'},"
	    "'status':{'phase':'Running','podIPs':[{'ip':'10.244.1.5'}],"
	    "'conditions':[{'type':'Ready','status':'True'}],'containerStatuses':[{'name':'c',"
	    "'ready':true,'restartCount':0,'state':{'running':{}}}]}}",
	    T0 + 3600 * 5, "['p','1/1','Running','0','5h','10.244.1.5','n1','<none>','<none>']");
	/* restarts show the time of the last termination */
	CHECK_ROW(API_POD,
	          "{" POD_META ",'spec':{'containers':[{'name':'a'},{'name':'b'}]},"
	          "'status':{'phase':'Running','containerStatuses':[{'name':'a','ready':false,"
	          "'restartCount':2,'state':{'waiting':{'reason':'CrashLoopBackOff'}},"
	          "'lastState':{'terminated':{'exitCode':1,'finishedAt':'2024-01-01T00:55:00Z'}}},"
	          "{'name':'b','ready':true,'restartCount':1,'state':{'running':{}}}]}}",
	          T0 + 3600,
	          "['p','1/2','CrashLoopBackOff','3 (5m ago)','60m','<none>','<none>','<none>',"
	          "'<none>']");
	/* deletion in progress */
	CHECK_ROW(API_POD,
	          "{'metadata':{'name':'p','deletionTimestamp':'2024-01-01T00:00:00Z'},"
	          "'spec':{'containers':[{'name':'c'}]},'status':{'phase':'Running'}}",
	          T0,
	          "['p','0/1','Terminating','0','<unknown>','<none>','<none>','<none>','<none>']");
	CHECK_ROW(API_POD,
	          "{'metadata':{'name':'p','deletionTimestamp':'2024-01-01T00:00:00Z'},"
	          "'spec':{'containers':[{'name':'c'}]},'status':{'phase':'Running','reason':"
	          "'NodeLost'}}",
	          T0, "['p','0/1','Unknown','0','<unknown>','<none>','<none>','<none>','<none>']");
	/* init containers */
	CHECK_ROW(
	    API_POD,
	    "{'metadata':{'name':'p'},'spec':{'initContainers':[{'name':'i1'},{'name':'i2'}],"
	    "'containers':[{'name':'c'}]},'status':{'phase':'Pending','initContainerStatuses':"
	    "[{'name':'i1','state':{'terminated':{'exitCode':0}}},{'name':'i2','state':"
	    "{'running':{}}}]}}",
	    T0, "['p','0/1','Init:1/2','0','<unknown>','<none>','<none>','<none>','<none>']");
	CHECK_ROW(
	    API_POD,
	    "{'metadata':{'name':'p'},'spec':{'initContainers':[{'name':'i1'}],"
	    "'containers':[{'name':'c'}]},'status':{'phase':'Pending','initContainerStatuses':"
	    "[{'name':'i1','restartCount':4,'state':{'waiting':{'reason':'CrashLoopBackOff'}}}]}}",
	    T0,
	    "['p','0/1','Init:CrashLoopBackOff','4','<unknown>','<none>','<none>','<none>',"
	    "'<none>']");
	CHECK_ROW(API_POD,
	          "{'metadata':{'name':'p'},'spec':{'initContainers':[{'name':'i1'}],"
	          "'containers':[{'name':'c'}]},'status':{'phase':'Failed','initContainerStatuses':"
	          "[{'name':'i1','state':{'terminated':{'exitCode':3}}}]}}",
	          T0,
	          "['p','0/1','Init:ExitCode:3','0','<unknown>','<none>','<none>','<none>',"
	          "'<none>']");
	/* a started sidecar counts towards READY and the total */
	CHECK_ROW(API_POD,
	          "{'metadata':{'name':'p'},'spec':{'initContainers':[{'name':'side',"
	          "'restartPolicy':'Always'}],'containers':[{'name':'c'}]},'status':{'phase':"
	          "'Running','conditions':[{'type':'Initialized','status':'True'}],"
	          "'initContainerStatuses':[{'name':'side','started':true,'ready':true,"
	          "'restartCount':1,'state':{'running':{}}}],'containerStatuses':[{'name':'c',"
	          "'ready':true,'state':{'running':{}}}]}}",
	          T0, "['p','2/2','Running','1','<unknown>','<none>','<none>','<none>','<none>']");
	/* completed containers, readiness gates, nominated node, scheduling gates */
	CHECK_ROW(API_POD,
	          "{'metadata':{'name':'p'},'spec':{'containers':[{'name':'c'}],'readinessGates':"
	          "[{'conditionType':'a'},{'conditionType':'b'}]},'status':{'phase':'Succeeded',"
	          "'nominatedNodeName':'n2','conditions':[{'type':'a','status':'True'},"
	          "{'type':'b','status':'False'}],'containerStatuses':[{'name':'c','state':"
	          "{'terminated':{'exitCode':0,'reason':'Completed'}}}]}}",
	          T0, "['p','0/1','Completed','0','<unknown>','<none>','<none>','n2','1/2']");
	CHECK_ROW(API_POD,
	          "{'metadata':{'name':'p'},'spec':{'containers':[{'name':'c'}]},'status':{'phase':"
	          "'Pending','conditions':[{'type':'PodScheduled','status':'False','reason':"
	          "'SchedulingGated'}]}}",
	          T0,
	          "['p','0/1','SchedulingGated','0','<unknown>','<none>','<none>','<none>',"
	          "'<none>']");
	CHECK_ROW(
	    API_POD,
	    "{'metadata':{'name':'p'},'spec':{'containers':[{'name':'c'}]},'status':{'phase':"
	    "'Running','containerStatuses':[{'name':'c','state':{'terminated':{'signal':9}}}]}}",
	    T0, "['p','0/1','Signal:9','0','<unknown>','<none>','<none>','<none>','<none>']");
	CHECK_ROW(API_POD, "{'spec':'x','status':{'containerStatuses':{}}}", T0,
	          "['','0/0','','0','<unknown>','<none>','<none>','<none>','<none>']");
}

UNIT_TEST(table_pod_completed_condition)
{
	json_t *items = J("[{'metadata':{'name':'p'},'status':{'phase':'Failed'}}]"), *t, *c;

	t = table_build(API_POD, items, TABLE_INCLUDE_NONE, NULL, NULL, T0);
	CHECK(t);
	c = json_array_get(
	    json_object_get(json_array_get(json_object_get(t, "rows"), 0), "conditions"), 0);
	CHECK_STR(json_string_value(json_object_get(c, "type")), "Completed");
	CHECK_STR(json_string_value(json_object_get(c, "reason")), "Failed");
	json_decref(t);
	json_decref(items);
}

UNIT_TEST(table_node_rows)
{
	CHECK_ROW(
	    API_NODE,
	    "{'metadata':{'name':'n1','creationTimestamp':'2024-01-01T00:00:00Z','labels':"
	    "{'node-role.kubernetes.io/worker':'','node-role.kubernetes.io/control-plane':'',"
	    "'kubernetes.io/role':'edge','node-role.kubernetes.io/':'x'}},"
	    "'status':{'conditions':[{'type':'MemoryPressure','status':'False'},{'type':'Ready',"
	    "'status':'True'}],'addresses':[{'type':'Hostname','address':'n1'},{'type':"
	    "'InternalIP','address':'10.0.0.11'}],'nodeInfo':{'kubeletVersion':'v1.32.0-svcnet',"
	    "'osImage':'Debian GNU/Linux 13','kernelVersion':'6.12.0','containerRuntimeVersion':"
	    "'svcnet://0.1'}}}",
	    T0 + 86400 * 3 + 3600 * 4,
	    "['n1','Ready','control-plane,edge,worker','3d4h','v1.32.0-svcnet','10.0.0.11',"
	    "'<none>','Debian GNU/Linux 13','6.12.0','svcnet://0.1']");
	CHECK_ROW(
	    API_NODE,
	    "{'metadata':{'name':'n2'},'spec':{'unschedulable':true},'status':{'conditions':"
	    "[{'type':'Ready','status':'Unknown'}],'addresses':[{'type':'ExternalIP','address':"
	    "'203.0.113.5'}]}}",
	    T0,
	    "['n2','NotReady,SchedulingDisabled','<none>','<unknown>','','<none>',"
	    "'203.0.113.5','<unknown>','<unknown>','<unknown>']");
	CHECK_ROW(API_NODE, "{'metadata':{'name':'n3'},'status':{}}", T0,
	          "['n3','Unknown','<none>','<unknown>','','<none>','<none>','<unknown>',"
	          "'<unknown>','<unknown>']");
}

UNIT_TEST(table_namespace_secret_ingressclass_rows)
{
	CHECK_ROW(API_NAMESPACE,
	          "{'metadata':{'name':'kube-system','creationTimestamp':'2024-01-01T00:00:00Z'},"
	          "'status':{'phase':'Terminating'}}",
	          T0 + 45, "['kube-system','Terminating','45s']");
	CHECK_ROW(API_SECRET,
	          "{'metadata':{'name':'tls'},'type':'kubernetes.io/tls','data':{'tls.crt':'QQ==',"
	          "'tls.key':'Qg=='}}",
	          T0, "['tls','kubernetes.io/tls',2,'<unknown>']");
	CHECK_ROW(API_SECRET, "{'metadata':{'name':'e'},'type':'Opaque'}", T0,
	          "['e','Opaque',0,'<unknown>']");
	CHECK_ROW(API_INGRESSCLASS,
	          "{'metadata':{'name':'svcnet'},'spec':{'controller':'svcnet.io/ingress',"
	          "'parameters':{'apiGroup':'k8s.example.com','kind':'IngressParameters','name':"
	          "'external-lb'}}}",
	          T0,
	          "['svcnet','svcnet.io/ingress','IngressParameters.k8s.example.com/external-lb',"
	          "'<unknown>']");
	CHECK_ROW(API_INGRESSCLASS,
	          "{'metadata':{'name':'c'},'spec':{'controller':'x/y','parameters':{'kind':'K',"
	          "'name':'n'}}}",
	          T0, "['c','x/y','K/n','<unknown>']");
	CHECK_ROW(API_INGRESSCLASS, "{'metadata':{'name':'c'},'spec':{'controller':'x/y'}}", T0,
	          "['c','x/y','<none>','<unknown>']");
}

UNIT_TEST(table_endpoints_rows)
{
	CHECK_ROW(API_ENDPOINTS,
	          "{'metadata':{'name':'web'},'subsets':[{'addresses':[{'ip':'10.0.0.1'},"
	          "{'ip':'10.0.0.2'}],'ports':[{'port':80},{'port':443}]}]}",
	          T0, "['web','10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...','<unknown>']");
	CHECK_ROW(API_ENDPOINTS,
	          "{'metadata':{'name':'v6'},'subsets':[{'addresses':[{'ip':'fd00::1'}],"
	          "'ports':[{'port':53}]}]}",
	          T0, "['v6','[fd00::1]:53','<unknown>']");
	CHECK_ROW(API_ENDPOINTS,
	          "{'metadata':{'name':'headless'},'subsets':[{'addresses':[{'ip':'10.0.0.1'}]}]}",
	          T0, "['headless','10.0.0.1','<unknown>']");
	CHECK_ROW(API_ENDPOINTS, "{'metadata':{'name':'none'},'subsets':[]}", T0,
	          "['none','<none>','<unknown>']");
	CHECK_ROW(API_ENDPOINTS,
	          "{'metadata':{'name':'nr'},'subsets':[{'notReadyAddresses':"
	          "[{'ip':'10.0.0.9'}],'ports':[{'port':80}]}]}",
	          T0, "['nr','','<unknown>']");
}

UNIT_TEST(table_endpointslice_rows)
{
	CHECK_ROW(API_ENDPOINTSLICE,
	          "{'metadata':{'name':'web-abc','creationTimestamp':'2024-01-01T00:00:00Z'},"
	          "'addressType':'IPv4','ports':[{'port':80,'name':'http'},{'name':'dns'},{},"
	          "{'port':9}],'endpoints':[{'addresses':['10.0.0.1']},{'addresses':['10.0.0.2',"
	          "'10.0.0.3']},{'addresses':['10.0.0.4']},{'addresses':['10.0.0.5']}]}",
	          T0 + 125,
	          "['web-abc','IPv4','80,dns,* + 1 more...',"
	          "'10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...','2m5s']");
	CHECK_ROW(API_ENDPOINTSLICE,
	          "{'metadata':{'name':'empty'},'addressType':'IPv6','endpoints':[]}", T0,
	          "['empty','IPv6','<unset>','<unset>','<unknown>']");
}

UNIT_TEST(table_ingress_rows)
{
	CHECK_ROW(API_INGRESS,
	          "{'metadata':{'name':'ing'},'spec':{'ingressClassName':'svcnet','rules':[{'host':"
	          "'a.example'},{'host':'b.example'}],'tls':[{'hosts':['a.example']}]},"
	          "'status':{'loadBalancer':{'ingress':[{'ip':'192.0.2.1'}]}}}",
	          T0, "['ing','svcnet','a.example,b.example','192.0.2.1','80, 443','<unknown>']");
	CHECK_ROW(API_INGRESS,
	          "{'metadata':{'name':'many'},'spec':{'rules':[{'host':'a'},{},{'host':'b'},"
	          "{'host':'c'},{'host':'d'}]}}",
	          T0, "['many','<none>','a,b,c + 2 more...','','80','<unknown>']");
	CHECK_ROW(API_INGRESS, "{'metadata':{'name':'catchall'},'spec':{'defaultBackend':{}}}", T0,
	          "['catchall','<none>','*','','80','<unknown>']");
}

UNIT_TEST(table_event_rows)
{
	CHECK_ROW(API_EVENT,
	          "{'metadata':{'name':'p.17a'},'involvedObject':{'kind':'Pod','name':'web-1',"
	          "'fieldPath':'spec.containers{c}'},'reason':'Pulled','type':'Normal',"
	          "'message':'  Container image pulled \\n','source':{'component':'kubelet','host':"
	          "'node1'},'firstTimestamp':'2024-01-01T00:00:00Z','lastTimestamp':"
	          "'2024-01-01T00:09:00Z','count':4}",
	          T0 + 600,
	          "['60s','Normal','Pulled','pod/web-1','spec.containers{c}',"
	          "'kubelet, node1','Container image pulled','10m',4,'p.17a']");
	/* events.k8s.io style: eventTime, series, reporting fields, no count */
	CHECK_ROW(API_EVENT,
	          "{'metadata':{'name':'e2'},'involvedObject':{'kind':'Node'},'reason':'R',"
	          "'type':'Warning','message':'m','eventTime':'2024-01-01T00:00:00.000001Z',"
	          "'reportingComponent':'svcnet-proxy','reportingInstance':'n1'}",
	          T0 + 30, "['30s','Warning','R','node','','svcnet-proxy, n1','m','30s',1,'e2']");
	CHECK_ROW(API_EVENT,
	          "{'metadata':{'name':'e3'},'involvedObject':{'kind':'Service','name':'s'},"
	          "'eventTime':'2024-01-01T00:00:00Z','series':{'count':7,'lastObservedTime':"
	          "'2024-01-01T00:01:00.5Z'}}",
	          T0 + 120, "['60s','','','service/s','','','','2m',7,'e3']");
}

/* Every kind, fed objects whose fields have the wrong types, still yields
 * one cell per column. */
UNIT_TEST(table_hostile_shapes_all_kinds)
{
	static const char *const objs[] = {
	    "{}",
	    "{'metadata':5,'spec':[],'status':'x','subsets':{},'endpoints':'x','ports':{},"
	    "'data':[],'involvedObject':1,'series':[],'type':{},'addressType':[]}",
	    "{'metadata':{'name':7,'labels':[],'creationTimestamp':'not-a-time',"
	    "'deletionTimestamp':{}},'spec':{'containers':{},'initContainers':'x','ports':[1,"
	    "'a',null],'rules':[1,[]],'tls':{},'parameters':[],'readinessGates':[{}]},"
	    "'status':{'conditions':[1,{'type':5}],'containerStatuses':[1,{'state':[]}],"
	    "'initContainerStatuses':[{'state':{'terminated':5}}],'addresses':[{}],"
	    "'loadBalancer':{'ingress':[1,{'ip':5}]},'podIPs':[7]},'subsets':[1,{'addresses':"
	    "[1],'ports':[{}]}],'endpoints':[1,{'addresses':[1,2]}],'ports':[1],"
	    "'series':{'count':'x'},'source':[]}",
	};

	for (int k = 0; k < API_NKINDS; k++) {
		for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
			json_t *items = json_array(), *t, *cols, *cells;

			CHECK(json_array_append_new(items, J(objs[i])) == 0);
			t = table_build((enum api_kind_id)k, items, TABLE_INCLUDE_METADATA, NULL,
			                NULL, T0);
			CHECK(t);
			cols = json_object_get(t, "columnDefinitions");
			cells =
			    json_object_get(json_array_get(json_object_get(t, "rows"), 0), "cells");
			CHECK_INT(json_array_size(cells), json_array_size(cols));
			json_decref(t);
			json_decref(items);
		}
	}
}

static long tb_alloc_n, tb_fail_at = -1;

static void *tb_failing_malloc(size_t n)
{
	if (tb_alloc_n++ == tb_fail_at)
		return NULL;
	return malloc(n);
}

/* Every allocation of a build may fail: the result is NULL, never a crash
 * or a half-built table. */
UNIT_TEST(table_survives_allocation_failures)
{
	static const enum api_kind_id kinds[] = {API_POD, API_SERVICE, API_EVENT, API_NODE};
	json_t *items[4];
	long bad = 0;

	items[0] = J("[{'metadata':{'name':'p','labels':{'a':'b'}},'spec':{'containers':[{'name':"
	             "'c'}],'readinessGates':[{'conditionType':'x'}]},'status':{'phase':'Running',"
	             "'containerStatuses':[{'name':'c','restartCount':1,'state':{'running':{}},"
	             "'lastState':{'terminated':{'finishedAt':'2024-01-01T00:00:00Z'}}}]}}]");
	items[1] =
	    J("[{'metadata':{'name':'s'},'spec':{'type':'LoadBalancer','externalIPs':['1.1.1.1'"
	      "],'ports':[{'port':1},{'port':2,'nodePort':3}],'selector':{'b':'1','a':'2'}},"
	      "'status':{'loadBalancer':{'ingress':[{'ip':'9.9.9.9'},{'hostname':'h'}]}}}]");
	items[2] = J("[{'metadata':{'name':'e'},'involvedObject':{'kind':'Pod','name':'p'},"
	             "'source':{'component':'c','host':'h'},'message':' m '}]");
	items[3] = J("[{'metadata':{'name':'n','labels':{'node-role.kubernetes.io/a':''}},"
	             "'spec':{'unschedulable':true},'status':{'conditions':[{'type':'Ready'}]}}]");
	for (int i = 0; i < 4; i++) {
		json_t *t;
		long total;

		CHECK(items[i]);
		tb_alloc_n = 0;
		tb_fail_at = -1;
		json_set_alloc_funcs(tb_failing_malloc, free);
		t = table_build(kinds[i], items[i], TABLE_INCLUDE_METADATA, "1", "c", T0);
		total = tb_alloc_n;
		bad += !t;
		json_decref(t);
		for (long k = 0; k < total; k++) {
			tb_alloc_n = 0;
			tb_fail_at = k;
			t = table_build(kinds[i], items[i], TABLE_INCLUDE_OBJECT, "1", "c", T0);
			bad += t != NULL && k < 3; /* the first allocations are essential */
			json_decref(t);
		}
		tb_fail_at = -1;
		json_set_alloc_funcs(malloc, free);
	}
	for (int i = 0; i < 4; i++)
		json_decref(items[i]);
	CHECK_INT(bad, 0);
}
