/* test_validate_meta.c - metadata rules, name checks and the string format checks. */
#include "test_validate_helpers.h"
#include "api/fielderr.h"

static json_t *secret_with_meta(const char *meta)
{
	char text[4096];

	snprintf(text, sizeof(text), "{'metadata':%s}", meta);
	return tj(text);
}

static json_t *mcheck(const char *meta, int *n)
{
	json_t *s = secret_with_meta(meta), *c;

	api_default(API_SECRET, s, NULL);
	c = tvalidate(API_SECRET, s, NULL, n);
	json_decref(s);
	return c;
}

UNIT_TEST(meta_name_and_namespace)
{
	int n;
	json_t *c = mcheck("{'namespace':'default'}", &n);

	CHECK_INT(n, 1);
	CHECK_STR(tcause(c, "metadata.name"), "Required value: name or generateName is required");
	json_decref(c);

	c = mcheck("{'name':'Bad_Name','namespace':'Not.Valid'}", &n);
	CHECK_STR(
	    tcause(c, "metadata.name"),
	    "Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower "
	    "case alphanumeric characters, '-' or '.', and must start and end with an "
	    "alphanumeric character (e.g. 'example.com', regex used for validation is "
	    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
	CHECK(thas(c, "metadata.namespace", "a lowercase RFC 1123 label must consist of"));
	json_decref(c);

	c = mcheck("{'name':'ok'}", &n);
	CHECK_STR(tcause(c, "metadata.namespace"), "Required value");
	json_decref(c);

	/* Cluster-scoped kinds take no namespace. */
	{
		json_t *o = tj("{'metadata':{'name':'n1','namespace':'x'}}");

		api_default(API_NODE, o, NULL);
		c = tvalidate(API_NODE, o, NULL, &n);
		CHECK_STR(tcause(c, "metadata.namespace"), "Forbidden: not allowed on this type");
		json_decref(c);
		json_decref(o);
	}

	/* generateName prefixes may end in '-'. */
	c = mcheck("{'name':'web-x7k2p','generateName':'web-','namespace':'d'}", &n);
	CHECK_INT(n, 0);
	json_decref(c);
	c = mcheck("{'name':'web-x7k2p','generateName':'Web-','namespace':'d'}", &n);
	CHECK(thas(c, "metadata.generateName", "a lowercase RFC 1123 subdomain"));
	json_decref(c);

	{
		char name[300], meta[400];

		memset(name, 'a', 254);
		name[254] = '\0';
		snprintf(meta, sizeof(meta), "{'name':'%s','namespace':'d'}", name);
		c = mcheck(meta, &n);
		CHECK(thas(c, "metadata.name", "must be no more than 253 characters"));
		json_decref(c);
	}
}

UNIT_TEST(meta_labels_annotations)
{
	int n;
	json_t *c = mcheck("{'name':'a','namespace':'d','labels':{'app':'web','a/b/c':'x',"
	                   "'example.com/ok':'-bad-','k':'this-value-is-way-too-long-for-a-label-"
	                   "because-it-exceeds-sixty-three'}}",
	                   &n);

	CHECK_INT(n, 3);
	CHECK_STR(
	    tcause(c, "metadata.labels"),
	    "Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric "
	    "characters, '-', '_' or '.', and must start and end with an alphanumeric "
	    "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation "
	    "is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain "
	    "prefix and '/' (e.g. 'example.com/MyName')");
	CHECK(thas(c, "metadata.labels",
	           "Invalid value: \"-bad-\": a valid label must be an empty "
	           "string or consist of alphanumeric characters"));
	CHECK(thas(c, "metadata.labels", "must be no more than 63 characters"));
	json_decref(c);

	c = mcheck("{'name':'a','namespace':'d','annotations':{'Example.COM/Key':'v','/x':'v'},"
	           "'labels':{'n':1}}",
	           &n);
	CHECK_INT(n, 2);
	CHECK_STR(tcause(c, "metadata.annotations"),
	          "Invalid value: \"/x\": prefix part must be non-empty");
	CHECK_STR(treason(c, "metadata.labels[n]"), "FieldValueTypeInvalid");
	json_decref(c);

	{
		json_t *s = secret_with_meta("{'name':'a','namespace':'d','annotations':{}}");
		char *big = malloc(300 * 1024);

		memset(big, 'x', 300 * 1024 - 1);
		big[300 * 1024 - 1] = '\0';
		json_object_set_new(json_object_get(json_object_get(s, "metadata"), "annotations"),
		                    "big", json_string(big));
		free(big);
		c = tvalidate(API_SECRET, s, NULL, &n);
		CHECK_STR(tcause(c, "metadata.annotations"),
		          "Too long: must have at most 262144 bytes");
		CHECK_STR(treason(c, "metadata.annotations"), "FieldValueTooLong");
		json_decref(c);
		json_decref(s);
	}
}

UNIT_TEST(meta_finalizers_and_owners)
{
	int n;
	json_t *c = mcheck("{'name':'a','namespace':'d','finalizers':['example.com/x','custom',"
	                   "'orphan','foregroundDeletion'],'ownerReferences':[{'apiVersion':'v1',"
	                   "'kind':'Event','name':'e','uid':'1'},{'kind':'Pod'}]}",
	                   &n);

	CHECK_STR(tcause(c, "metadata.finalizers[1]"),
	          "Invalid value: \"custom\": name is neither a standard finalizer name nor is it "
	          "fully qualified");
	CHECK(thas(c, "metadata.finalizers",
	           "finalizer orphan and foregroundDeletion cannot be both set"));
	CHECK(thas(c, "metadata.ownerReferences",
	           "/v1, Kind=Event is disallowed from being an owner"));
	CHECK_STR(tcause(c, "metadata.ownerReferences.name"),
	          "Invalid value: \"\": must not be empty");
	CHECK_STR(tcause(c, "metadata.ownerReferences.apiVersion"),
	          "Invalid value: \"\": version must not be empty");
	json_decref(c);
}

UNIT_TEST(meta_update_rules)
{
	json_t *old = tj("{'metadata':{'name':'a','namespace':'d','uid':'1','generation':3,"
	                 "'creationTimestamp':'2024-01-01T00:00:00Z',"
	                 "'deletionTimestamp':'2024-01-01T00:00:00Z','finalizers':['a.io/x']}}");
	json_t *now =
	    tj("{'metadata':{'name':'a','namespace':'d','uid':'1','generation':2,"
	       "'deletionTimestamp':'2024-01-01T00:00:00Z','finalizers':['a.io/x','b.io/y'],"
	       "'creationTimestamp':'2025-01-01T00:00:00Z'}}");
	json_t *c;
	int n;

	c = tvalidate(API_SECRET, now, old, &n);
	CHECK_STR(tcause(c, "metadata.generation"), "Invalid value: 2: must not be decremented");
	CHECK_STR(tcause(c, "metadata.finalizers"),
	          "Forbidden: no new finalizers can be added if the object is being deleted, found "
	          "new finalizers []string{\"b.io/y\"}");
	CHECK_STR(tcause(c, "metadata.creationTimestamp"),
	          "Invalid value: \"2025-01-01T00:00:00Z\": field is immutable");
	json_decref(c);
	/* api_default_update restores what clients may not change. */
	CHECK_INT(api_default_update(API_SECRET, now, old, NULL), 0);
	c = tvalidate(API_SECRET, now, old, &n);
	CHECK(tcause(c, "metadata.generation") == NULL);
	CHECK(tcause(c, "metadata.creationTimestamp") == NULL);
	json_decref(c);
	json_decref(now);
	json_decref(old);
}

UNIT_TEST(meta_validate_name_api)
{
	char why[512];

	CHECK_INT(api_validate_name(API_SERVICE, "web", 0, why, sizeof(why)), 0);
	CHECK_STR(why, "");
	CHECK_INT(api_validate_name(API_SERVICE, "1web", 0, why, sizeof(why)), -22);
	CHECK(strstr(why, "a DNS-1035 label") == why);
	CHECK_INT(api_validate_name(API_NAMESPACE, "a.b", 0, why, sizeof(why)), -22);
	CHECK_STR(why, "must not contain dots");
	CHECK_INT(api_validate_name(API_POD, "a.b", 0, why, sizeof(why)), 0);
	CHECK_INT(api_validate_name(API_POD, "web-", 1, why, sizeof(why)), 0);
	CHECK_INT(api_validate_name(API_POD, "web-", 0, why, sizeof(why)), -22);
	CHECK_INT(api_validate_name(API_POD, "", 0, why, 4), -22);
	CHECK(strlen(why) < 4);
	CHECK_INT(api_validate_name(API_NKINDS, "a", 0, NULL, 0), -22);
}

UNIT_TEST(fmt_checks)
{
	const char *m[API_FMT_MAX_MSGS];
	char big[80];

	CHECK_INT(api_is_port_name("http", m), 0);
	CHECK_INT(api_is_port_name("h-2", m), 0);
	CHECK_INT(api_is_port_name("-a--b-", m), 2);
	CHECK_STR(m[0], "must not contain consecutive hyphens");
	CHECK_STR(m[1], "must not begin or end with a hyphen");
	CHECK_INT(api_is_port_name("123", m), 1);
	CHECK_INT(api_is_port_name("", m), 2);
	CHECK_INT(api_is_port_name("abcdefghijklmnop", m), 1);
	CHECK_STR(m[0], "must be no more than 15 characters");
	CHECK_INT(api_is_qualified_name("example.com/My.Name_1", m), 0);
	CHECK_INT(api_is_qualified_name("example.com/", m), 2);
	CHECK_STR(m[0], "name part must be non-empty");
	CHECK_INT(api_is_qualified_name("Bad_/x", m), 1);
	CHECK(strstr(m[0], "prefix part a lowercase RFC 1123 subdomain") == m[0]);
	CHECK_INT(api_is_label_value("", m), 0);
	CHECK_INT(api_is_config_key("..x", m), 1);
	CHECK_STR(m[0], "must not start with '..'");
	CHECK_INT(api_is_config_key("a b", m), 1);
	CHECK_INT(api_is_wildcard_dns1123_subdomain("*.example.com", m), 0);
	CHECK_INT(api_is_wildcard_dns1123_subdomain("*.*.example.com", m), 1);
	CHECK_INT(api_is_dns1123_label("a-", m), 1);
	memset(big, 'a', 64);
	big[64] = '\0';
	CHECK_INT(api_is_dns1123_label(big, m), 1);
	CHECK_INT(api_is_dns1035_label("a1", m), 0);
	CHECK_INT(api_is_dns1035_label("1a", m), 1);
}

UNIT_TEST(fmt_ip_and_cidr)
{
	unsigned char a[16];
	int pfx = -1;

	CHECK_INT(api_parse_ip("10.0.0.1", a), 4);
	CHECK_INT(a[12], 10);
	CHECK_INT(api_parse_ip("010.000.000.001", NULL), 4);
	CHECK_INT(api_parse_ip("fd00::1", NULL), 6);
	CHECK_INT(api_parse_ip("::ffff:10.0.0.1", NULL), 4);
	CHECK_INT(api_parse_ip("256.0.0.1", NULL), 0);
	CHECK_INT(api_parse_ip("1.2.3", NULL), 0);
	CHECK_INT(api_parse_ip(" 1.2.3.4", NULL), 0);
	CHECK_INT(api_parse_ip("fe80::1%eth0", NULL), 0);
	CHECK_INT(api_parse_ip("", NULL), 0);
	CHECK_INT(api_parse_cidr("10.0.0.0/8", a, &pfx), 4);
	CHECK_INT(pfx, 8);
	CHECK_INT(api_parse_cidr("10.0.0.1/32", NULL, NULL), 4);
	CHECK_INT(api_parse_cidr("fd00::/64", NULL, &pfx), 6);
	CHECK_INT(pfx, 64);
	CHECK_INT(api_parse_cidr("10.0.0.0/33", NULL, NULL), 0);
	CHECK_INT(api_parse_cidr("10.0.0.0/", NULL, NULL), 0);
	CHECK_INT(api_parse_cidr("10.0.0.0", NULL, NULL), 0);
	CHECK_INT(api_parse_cidr("10.0.0.0/-1", NULL, NULL), 0);
	CHECK_INT(api_parse_cidr("fd00::/129", NULL, NULL), 0);
}

UNIT_TEST(fe_quoting_like_go)
{
	buf b = BUF_INIT;

	CHECK_INT(fe_goquote(&b, "a\"b\\c\n\x01\x7f\xc3\xa9\xff", 11), 0);
	CHECK_INT(buf_cstr(&b), 0);
	CHECK_STR(b.data, "\"a\\\"b\\\\c\\n\\x01\\x7fé\\xff\"");
	buf_free(&b);
	{
		json_t *v = json_real(1.5);

		CHECK_INT(fe_render(&b, v), 0);
		json_decref(v);
		v = json_real(3.0);
		CHECK_INT(buf_puts(&b, " "), 0);
		CHECK_INT(fe_render(&b, v), 0);
		json_decref(v);
		CHECK_INT(buf_cstr(&b), 0);
		CHECK_STR(b.data, "1.5 3");
		buf_free(&b);
	}
}
