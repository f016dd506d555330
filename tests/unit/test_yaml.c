/*
 * test_yaml.c - YAML bodies as kube-apiserver reads them (sigs.k8s.io/yaml
 * over go-yaml v2), the bounds on hostile input, and the writer.
 */
#include "unit.h"

#include <errno.h>
#include <stdlib.h>

#include "lib/yaml.h"

static char yerr[256];

/* Parses yaml and compares with the JSON text want (NULL: expect an error). */
static int yj(const char *yaml, const char *want)
{
	json_t *v = yaml_to_json(yaml, strlen(yaml), yerr, sizeof(yerr)), *w;
	int ok;

	if (!want) {
		ok = v == NULL && yerr[0] && errno == EINVAL;
		if (!ok)
			printf("    expected an error for: %s\n", yaml);
		json_decref(v);
		return ok;
	}
	w = json_loads(want, JSON_DECODE_ANY, NULL);
	ok = v && w && json_equal(v, w);
	if (!ok) {
		char *g = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

		printf("    yaml: %s\n    got:  %s (%s)\n    want: %s\n", yaml, g ? g : "(null)",
		       yerr, want);
		free(g);
	}
	json_decref(v);
	json_decref(w);
	return ok;
}

UNIT_TEST(yaml_kubernetes_manifest)
{
	CHECK(yj("apiVersion: v1\n"
	         "kind: Service\n"
	         "metadata:\n"
	         "  name: web\n"
	         "  labels: {app: web}\n"
	         "spec:\n"
	         "  type: ClusterIP\n"
	         "  ports:\n"
	         "  - name: http\n"
	         "    port: 80\n"
	         "    targetPort: 8080\n"
	         "  selector:\n"
	         "    app: web\n",
	         "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"web\","
	         "\"labels\":{\"app\":\"web\"}},\"spec\":{\"type\":\"ClusterIP\",\"ports\":"
	         "[{\"name\":\"http\",\"port\":80,\"targetPort\":8080}],\"selector\":{\"app\":"
	         "\"web\"}}}"));
	/* A leading document marker and a closing one are fine. */
	CHECK(yj("---\na: 1\n...\n", "{\"a\":1}"));
	CHECK(yj("---\na: 1\n---\n", "{\"a\":1}"));
	/* JSON is YAML. */
	CHECK(yj("{\"a\": [1, 2.5, \"x\", true, null]}", "{\"a\":[1,2.5,\"x\",true,null]}"));
}

UNIT_TEST(yaml_scalars_yaml11)
{
	CHECK(yj("[~, null, Null, NULL, '']", "[null,null,null,null,\"\"]"));
	CHECK(yj("a:\nb: ~\n", "{\"a\":null,\"b\":null}"));
	CHECK(yj("[true, True, TRUE, yes, Yes, YES, y, Y, on, On, ON]",
	         "[true,true,true,true,true,true,true,true,true,true,true]"));
	CHECK(yj("[false, no, No, NO, n, N, off, Off, OFF]",
	         "[false,false,false,false,false,false,false,false,false]"));
	/* Not booleans. */
	CHECK(yj("[tRue, yEs, 'yes', \"no\", nO]", "[\"tRue\",\"yEs\",\"yes\",\"no\",\"nO\"]"));
	CHECK(yj("[1, -2, +3, 0x1F, 0X1f, 0o17, 017, 0b101, -0x10, 1_000, 0]",
	         "[1,-2,3,31,31,15,15,5,-16,1000,0]"));
	/* 08 is no octal number, but is a float, and Go writes 8.0 as 8. */
	CHECK(yj("[08, 1.5, 1e3, -1.5e-3, .5, 1., 3.0]", "[8,1.5,1000,-0.0015,0.5,1,3]"));
	CHECK(yj("[9223372036854775807, -9223372036854775808]",
	         "[9223372036854775807,-9223372036854775808]"));
	CHECK(yj("[9223372036854775808]", "[9.2233720368547758e18]"));
	/* Go writes -2^63-1 as the float -9223372036854776000, too big to read back as int64. */
	CHECK(yj("[-9223372036854775809, 1e15, 1e20]", "[-9.2233720368547758e18,1000000000000000,"
	                                               "100000000000000000000.0]"));
	/* Past uint64 only decimal digits make a number (a float); 0x... stays text. */
	CHECK(yj("[0x10000000000000000, 18446744073709551616]",
	         "[\"0x10000000000000000\",1.8446744073709552e19]"));
	CHECK(yj("[0x, 1:20, 1.2.3, 12abc, 2001-12-14, 2001-12-14t21:59:43.10-05:00, -, +, 0b2]",
	         "[\"0x\",\"1:20\",\"1.2.3\",\"12abc\",\"2001-12-14\","
	         "\"2001-12-14t21:59:43.10-05:00\",\"-\",\"+\",\"0b2\"]"));
	CHECK(yj("[\"1\", '2', !!str 3, ! 4]", "[\"1\",\"2\",\"3\",\"4\"]"));
	CHECK(yj("a: |\n  line1\n  line2\nb: >-\n  folded\n  text\n",
	         "{\"a\":\"line1\\nline2\\n\",\"b\":\"folded text\"}"));
	CHECK(yj("x", "\"x\""));
}

UNIT_TEST(yaml_explicit_tags)
{
	CHECK(yj("[!!int \"12\", !!float 1, !!float 1.5, !!bool yes, !!null ~, !!str true]",
	         "[12,1,1.5,true,null,\"true\"]"));
	CHECK(yj("a: !!timestamp 2001-12-14\n", "{\"a\":\"2001-12-14\"}"));
	CHECK(yj("!!map {a: !!seq [1]}", "{\"a\":[1]}"));
	CHECK(yj("a: !!int abc\n", NULL));
	CHECK_STR(yerr, "line 1:4: cannot decode !!str `abc` as a !!int");
	CHECK(yj("a: !!bool 1\n", NULL));
	CHECK(yj("a: !!null x\n", NULL));
	CHECK(yj("a: !foo x\n", NULL));
	CHECK_STR(yerr, "line 1:4: unsupported tag !foo");
	CHECK(yj("a: !!binary aGVsbG8=\n", NULL));
	CHECK(yj("a: !!set {x}\n", NULL));
	/* go-yaml ignores core tags on collections. */
	CHECK(yj("a: !!seq {x: 1}\nb: !!str [1]\n", "{\"a\":{\"x\":1},\"b\":[1]}"));
	/* !!float takes only int64-range integers. */
	CHECK(yj("a: !!float 9223372036854775807\n", "{\"a\":9.2233720368547758e18}"));
	CHECK(yj("a: !!float 18446744073709551615\n", NULL));
}

UNIT_TEST(yaml_keys_become_strings)
{
	CHECK(yj("1: a\n1.5: b\ntrue: c\nyes: d\n0x10: e\n1e6: f\n",
	         "{\"1\":\"a\",\"1.5\":\"b\","
	         "\"true\":\"d\",\"16\":\"e\",\"1e+06\":\"f\"}"));
	CHECK(yj("0.1: a\n100000: b\n123456.0: c\n", "{\"0.1\":\"a\",\"100000\":\"b\","
	                                             "\"123456\":\"c\"}"));
	CHECK(yj("a: 1\na: 2\n", "{\"a\":2}"));
	/* A bad value can be a fine key. */
	CHECK(
	    yj(".inf: a\n-.Inf: b\n.nan: c\n", "{\".inf\":\"a\",\"-.inf\":\"b\",\".nan\":\"c\"}"));
	CHECK(yj("? a\n: 1\n", "{\"a\":1}"));
	CHECK(yj("~: x\n", NULL));
	CHECK_STR(yerr, "line 1:1: unsupported map key: null");
	CHECK(yj(": x\n", NULL));
	CHECK(yj("? [1]\n: x\n", NULL));
	CHECK(yj("? {a: 1}\n: x\n", NULL));
	/* Past uint64 a decimal is a float, and float keys print as float32. */
	CHECK(yj("18446744073709551616: x\n", "{\"1.8446744e+19\":\"x\"}"));
	/* A uint64 key is a type sigs.k8s.io/yaml does not convert. */
	CHECK(yj("18446744073709551615: x\n", NULL));
}

UNIT_TEST(yaml_anchors_and_merge_keys)
{
	CHECK(yj("a: &x {p: 1}\nb: *x\nc: [*x, *x]\n",
	         "{\"a\":{\"p\":1},\"b\":{\"p\":1},\"c\":[{\"p\":1},{\"p\":1}]}"));
	CHECK(yj("a: &k key\n*k : v\n", "{\"a\":\"key\",\"key\":\"v\"}"));
	CHECK(yj("base: &b {x: 1, z: 2}\nd:\n  <<: *b\n  z: 3\n",
	         "{\"base\":{\"x\":1,\"z\":2},\"d\":{\"x\":1,\"z\":3}}"));
	/* Earlier maps in a merge list win. */
	CHECK(yj("m: {<<: [{a: 1}, {a: 2, b: 2}], c: 3}\n", "{\"m\":{\"a\":1,\"b\":2,\"c\":3}}"));
	CHECK(yj("m: {!!merge <<: {a: 1}}\n", "{\"m\":{\"a\":1}}"));
	/* libyaml marks the non-specific tag as plain, so this merges too. */
	CHECK(yj("m: {! <<: {a: 1}}\n", "{\"m\":{\"a\":1}}"));
	/* A merge overwrites keys before it; keys after it win. */
	CHECK(yj("m: {a: 1, <<: {a: 2, b: 2}, b: 3}\n", "{\"m\":{\"a\":2,\"b\":3}}"));
	/* Quoted, it is an ordinary key; as a value, an ordinary string. */
	CHECK(yj("m: {\"<<\": {a: 1}, b: <<}\n", "{\"m\":{\"<<\":{\"a\":1},\"b\":\"<<\"}}"));
	CHECK(yj("m: {<<: 1}\n", NULL));
	CHECK_STR(yerr, "line 1:9: map merge requires map or sequence of maps as the value");
	CHECK(yj("m: {<<: [{a: 1}, 2]}\n", NULL));
	CHECK(yj("a: *nope\n", NULL));
	CHECK_STR(yerr, "line 1:4: unknown anchor 'nope' referenced");
	/* An anchor cannot be used inside itself. */
	CHECK(yj("a: &r [*r]\n", NULL));
	CHECK_STR(yerr, "line 1:8: anchor 'r' value contains itself");
	CHECK(yj("a: &r 1\nb: &r {x: *r}\n", NULL));
	/* Redefining a name is fine once the new node is complete. */
	CHECK(yj("a: &r 1\nb: &r [2]\nc: *r\n", "{\"a\":1,\"b\":[2],\"c\":[2]}"));
}

UNIT_TEST(yaml_billion_laughs_bounded)
{
	char doc[2048];
	size_t n = 0;

	n += (size_t)snprintf(doc + n, sizeof(doc) - n, "a: &a [x,x,x,x,x,x,x,x,x,x]\n");
	for (int i = 1; i < 10; i++) {
		n += (size_t)snprintf(doc + n, sizeof(doc) - n, "%c: &%c [", 'a' + i, 'a' + i);
		for (int j = 0; j < 10; j++)
			n += (size_t)snprintf(doc + n, sizeof(doc) - n, "%s*%c", j ? "," : "",
			                      'a' + i - 1);
		n += (size_t)snprintf(doc + n, sizeof(doc) - n, "]\n");
	}
	CHECK(yj(doc, NULL));
	CHECK(strstr(yerr, "aliases expand to more than 100000 nodes"));
}

static char *nested(int levels)
{
	char *d = malloc((size_t)levels * 2 + 2);
	int i;

	for (i = 0; i < levels; i++)
		d[i] = '[';
	d[i++] = '1';
	for (int j = 0; j < levels; j++)
		d[i++] = ']';
	d[i] = '\0';
	return d;
}

UNIT_TEST(yaml_depth_bounded)
{
	char *ok = nested(100), *bad = nested(101);
	json_t *v = yaml_to_json(ok, strlen(ok), yerr, sizeof(yerr));
	int fine = v != NULL;

	json_decref(v);
	v = yaml_to_json(bad, strlen(bad), yerr, sizeof(yerr));
	free(ok);
	free(bad);
	CHECK(fine);
	CHECK(!v);
	CHECK_STR(yerr, "line 1:101: nesting deeper than 100 levels");
}

UNIT_TEST(yaml_errors_have_positions)
{
	CHECK(yj("a: 1\n---\nb: 2\n", NULL));
	CHECK_STR(yerr, "line 3:1: a YAML body holds one document; found a second");
	CHECK(yj("a: b: c\n", NULL));
	CHECK_STR(yerr, "line 1:5: mapping values are not allowed in this context");
	CHECK(yj("a:\n  - 1\n b: 2\n", NULL));
	CHECK(yj("a: [1, 2\n", NULL));
	CHECK(yj("a: .inf\n", NULL));
	CHECK(yj("a: .nan\n", NULL));
	CHECK(yj("a: \"\\ud800\"\n", NULL));
	CHECK(yj("\t- a\n", NULL));
}

UNIT_TEST(yaml_empty_and_binary_input)
{
	json_t *v;

	CHECK(yj("", "null"));
	CHECK(yj("# nothing here\n", "null"));
	CHECK(yj("--- \n--- \n", "null"));
	v = yaml_to_json("a: \"\\0\"\n", 8, yerr, sizeof(yerr));
	CHECK(v && json_string_length(json_object_get(v, "a")) == 1);
	json_decref(v);
	v = yaml_to_json("a: b\0c: d\n", 10, yerr, sizeof(yerr));
	CHECK(!v);
	v = yaml_to_json("a: \xff\n", 5, yerr, sizeof(yerr));
	CHECK(!v);
	CHECK(strstr(yerr, "byte"));
}

/* ---- writing ---- */

static int yw(const char *json, const char *want)
{
	json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);
	buf b = BUF_INIT;
	int rc = v ? yaml_from_json(v, &b) : -1, ok;

	ok = rc == 0 && buf_cstr(&b) == 0 && !strcmp(b.data, want);
	if (!ok)
		printf("    rc=%d got:\n%s----\nwant:\n%s----\n", rc, b.data ? b.data : "", want);
	buf_free(&b);
	json_decref(v);
	return ok;
}

UNIT_TEST(yaml_write_block_style)
{
	CHECK(yw("{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"web\","
	         "\"labels\":{}},\"spec\":{\"ports\":[{\"port\":80,\"name\":\"http\"}],"
	         "\"ipFamilies\":[],\"x\":1.5,\"on\":true,\"n\":null}}",
	         "apiVersion: v1\n"
	         "kind: Service\n"
	         "metadata:\n"
	         "  labels: {}\n"
	         "  name: web\n"
	         "spec:\n"
	         "  ipFamilies: []\n"
	         "  \"n\": null\n"
	         "  \"on\": true\n"
	         "  ports:\n"
	         "  - name: http\n"
	         "    port: 80\n"
	         "  x: 1.5\n"));
}

UNIT_TEST(yaml_write_quotes_ambiguous_strings)
{
	CHECK(
	    yw("[\"yes\",\"no\",\"y\",\"null\",\"~\",\"\",\"123\",\"0x1F\",\"1.5\",\"1e3\","
	       "\".inf\",\"2001-12-14\",\"1:20\",\"<<\",\"plain\",\"8080/TCP\"]",
	       "- \"yes\"\n- \"no\"\n- \"y\"\n- \"null\"\n- \"~\"\n- \"\"\n- \"123\"\n- \"0x1F\"\n"
	       "- \"1.5\"\n- \"1e3\"\n- \".inf\"\n- \"2001-12-14\"\n- \"1:20\"\n- \"<<\"\n"
	       "- plain\n- 8080/TCP\n"));
	CHECK(yw("{\"a\":\"line1\\nline2\\n\",\"b\":\"- x\",\"c\":\"a: b\",\"d\":\"#x\"}",
	         "a: |\n  line1\n  line2\nb: '- x'\nc: 'a: b'\nd: '#x'\n"));
	CHECK(yw("{\"r\":1e300,\"i\":-7,\"f\":0.1}", "f: 0.1\ni: -7\nr: 1e+300\n"));
}

UNIT_TEST(yaml_write_nul_key)
{
	json_t *v = json_object();
	buf b = BUF_INIT;
	json_t *back;

	json_object_setn_new(v, "k\0ey", 4, json_string("v"));
	CHECK_INT(yaml_from_json(v, &b), 0);
	back = yaml_to_json(b.data, b.len, yerr, sizeof(yerr));
	json_decref(v);
	buf_free(&b);
	/* json_equal looks keys up as C strings, so compare by hand. */
	CHECK(back && json_object_size(back) == 1);
	CHECK_STR(json_string_value(json_object_getn(back, "k\0ey", 4)), "v");
	json_decref(back);
}

/* Whatever is written reads back as the same JSON. */
UNIT_TEST(yaml_round_trip)
{
	static const char *const docs[] = {
	    "{\"a\":[\"yes\",\"No\",\"\",\" lead\",\"trail \",\"x\\ty\",\"\\u00e9t\\u00e9\","
	    "\"\\u0001\",\"a\\nb\",\"\\n\",\"---\",\"...\",\"0o7\",\"+1\",\"-.5\",\"Y\"]}",
	    "{\"\":2,\"yes\":3,\"1\":{\"2\":[[],{}]},\"n\":[null,true,false,"
	    "-1.25,12345678901234]}",
	    "[[[[\"deep\"]]],{\"a\":{\"b\":{\"c\":\"d\"}}}]",
	    "\"top\"",
	    "42",
	};

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		json_t *v = json_loads(docs[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL), *back;
		buf b = BUF_INIT;

		CHECK(v);
		CHECK_INT(yaml_from_json(v, &b), 0);
		back = yaml_to_json(b.data, b.len, yerr, sizeof(yerr));
		if (!back || !json_equal(v, back)) {
			buf_cstr(&b);
			printf("    doc %zu did not round-trip (%s):\n%s", i, yerr, b.data);
		}
		CHECK(back && json_equal(v, back));
		json_decref(back);
		json_decref(v);
		buf_free(&b);
	}
}
