/* test_selector.c - label and field selectors: syntax, errors, matching. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>

#include "api/selector.h"
#include "unit.h"

static json_t *J(const char *text)
{
	return json_loads(text, JSON_DECODE_ANY, NULL);
}

/* 1/0 for a match, -1 when the selector does not parse. */
static int lmatch(const char *selstr, const char *labels)
{
	sel *s;
	char err[512];
	json_t *l = labels ? J(labels) : NULL;
	int m;

	if (sel_parse_labels(selstr, &s, err, sizeof(err)) < 0) {
		json_decref(l);
		return -1;
	}
	m = sel_match_labels(s, l);
	sel_free(s);
	json_decref(l);
	return m;
}

/* The parse error message, or "" when it parses. */
static const char *lerr(const char *selstr)
{
	static char err[2048];
	sel *s = NULL;

	err[0] = '\0';
	if (sel_parse_labels(selstr, &s, err, sizeof(err)) == 0) {
		sel_free(s);
		return "";
	}
	return err;
}

UNIT_TEST(sel_labels_equality)
{
	CHECK_INT(lmatch("app=web", "{\"app\":\"web\"}"), 1);
	CHECK_INT(lmatch("app==web", "{\"app\":\"web\"}"), 1);
	CHECK_INT(lmatch("app=web", "{\"app\":\"db\"}"), 0);
	CHECK_INT(lmatch("app=web", "{}"), 0);
	CHECK_INT(lmatch("app=web", NULL), 0);
	CHECK_INT(lmatch("app!=web", "{\"app\":\"db\"}"), 1);
	CHECK_INT(lmatch("app!=web", "{}"), 1); /* absent key satisfies != */
	CHECK_INT(lmatch("app!=web", "{\"app\":\"web\"}"), 0);
	CHECK_INT(lmatch("app=", "{\"app\":\"\"}"), 1); /* empty value */
	CHECK_INT(lmatch("app=", "{}"), 0);
}

UNIT_TEST(sel_labels_sets_and_existence)
{
	CHECK_INT(lmatch("env in (prod,qa)", "{\"env\":\"qa\"}"), 1);
	CHECK_INT(lmatch("env in (prod,qa)", "{\"env\":\"dev\"}"), 0);
	CHECK_INT(lmatch("env in (prod,qa)", "{}"), 0);
	CHECK_INT(lmatch("env notin (prod)", "{\"env\":\"dev\"}"), 1);
	CHECK_INT(lmatch("env notin (prod)", "{}"), 1);
	CHECK_INT(lmatch("env notin (prod)", "{\"env\":\"prod\"}"), 0);
	CHECK_INT(lmatch("env", "{\"env\":\"\"}"), 1);
	CHECK_INT(lmatch("env", "{}"), 0);
	CHECK_INT(lmatch("!env", "{}"), 1);
	CHECK_INT(lmatch("!env", "{\"env\":\"x\"}"), 0);
	/* the apimachinery doc example: empty values inside the set */
	CHECK_INT(lmatch("x in (foo,,baz),y,z notin ()", "{\"x\":\"\",\"y\":\"1\"}"), 1);
	CHECK_INT(lmatch("x in (foo,,baz),y,z notin ()", "{\"x\":\"baz\",\"y\":\"1\",\"z\":\"\"}"),
	          0);
	/* keywords are values in a value position */
	CHECK_INT(lmatch("a in (in,notin)", "{\"a\":\"notin\"}"), 1);
	CHECK_INT(lmatch("in=notin", "{\"in\":\"notin\"}"), 1);
}

UNIT_TEST(sel_labels_and_whitespace)
{
	const char *l = "{\"app\":\"web\",\"tier\":\"fe\",\"example.com/team\":\"a\"}";

	CHECK_INT(lmatch("app=web,tier=fe", l), 1);
	CHECK_INT(lmatch("  app = web ,\ttier in ( fe , be ) ", l), 1);
	CHECK_INT(lmatch("app=web,tier=be", l), 0);
	CHECK_INT(lmatch("example.com/team=a,!missing", l), 1);
	CHECK_INT(lmatch("", l), 1);
	CHECK_INT(lmatch("   ", "{}"), 1);
}

UNIT_TEST(sel_labels_gt_lt)
{
	CHECK_INT(lmatch("gen>3", "{\"gen\":\"10\"}"), 1);
	CHECK_INT(lmatch("gen>3", "{\"gen\":\"3\"}"), 0);
	CHECK_INT(lmatch("gen<3", "{\"gen\":\"-1\"}"), 1);
	CHECK_INT(lmatch("gen<3", "{\"gen\":\"abc\"}"), 0);
	CHECK_INT(lmatch("gen<3", "{}"), 0);
	CHECK_INT(lmatch("gen>3", "{\"gen\":\"+4\"}"), 1);
	CHECK_INT(lmatch("gen>3", "{\"gen\":\" 4\"}"), 0);
	CHECK_INT(lmatch("gen>3", "{\"gen\":\"4 \"}"), 0);
	/* values are label values first: "-3" is not one, upstream rejects it too */
	CHECK_INT(lmatch("gen>-3", "{\"gen\":\"-2\"}"), -1);
	CHECK_INT(lmatch("gen>3", "{\"gen\":\"99999999999999999999\"}"), 0);
	CHECK_STR(lerr("gen>x"),
	          "unable to parse requirement: values[0]: Invalid value: \"x\": for "
	          "'Gt', 'Lt' operators, the value must be an integer");
}

UNIT_TEST(sel_labels_syntax_errors)
{
	CHECK_STR(lerr("a b"),
	          "unable to parse requirement: found 'b', expected: in, notin, =, ==, "
	          "!=, gt, lt");
	CHECK_STR(lerr("a=b c"), "found 'c', expected: ',' or 'end of string'");
	CHECK_STR(lerr("a=b,"), "found '', expected: identifier after ','");
	CHECK_STR(lerr(",a"), "found ',', expected: !, identifier, or 'end of string'");
	CHECK_STR(lerr("a in x"), "unable to parse requirement: found 'x' expected: '('");
	CHECK_STR(lerr("a in (x"), "unable to parse requirement: found '', expected: ',' or ')'");
	CHECK_STR(lerr("a in (=)"),
	          "unable to parse requirement: found '=', expected: ',', ')' or identifier");
	CHECK_STR(lerr("a===b"), "unable to parse requirement: found '=', expected: identifier");
	CHECK_STR(lerr("!a=b"), "found '=', expected: ',' or 'end of string'");
	CHECK_STR(lerr("!"), "unable to parse requirement: found '', expected: identifier");
	CHECK_STR(lerr("=b"), "found '=', expected: !, identifier, or 'end of string'");
}

UNIT_TEST(sel_labels_validation_errors)
{
	CHECK_STR(
	    lerr("a@=b"),
	    "unable to parse requirement: <nil>: Invalid value: \"a@\": name part must consist "
	    "of alphanumeric characters, '-', '_' or '.', and must start and end with an "
	    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used "
	    "for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
	CHECK_STR(
	    lerr("a=b@"),
	    "unable to parse requirement: values[0][a]: Invalid value: \"b@\": a valid label "
	    "must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and "
	    "must start and end with an alphanumeric character (e.g. 'MyValue',  or "
	    "'my_value',  or '12345', regex used for validation is "
	    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
	/* two bad values print as an aggregate */
	const char *e = lerr("a in (-x,y-)");
	CHECK(strncmp(e, "unable to parse requirement: [values[0][a]: Invalid value: \"-x\"", 62) ==
	      0);
	CHECK(strstr(e, ", values[1][a]: Invalid value: \"y-\"") != NULL);
	CHECK(strstr(lerr("a/b/c"), "a qualified name must consist of") != NULL);
	CHECK(strstr(lerr("/b"), "prefix part must be non-empty") != NULL);
	CHECK(strstr(lerr("Example.com/b"), "prefix part a lowercase RFC 1123 subdomain") != NULL);
	CHECK(strstr(lerr("example.com/"), "name part must be non-empty") != NULL);
	char longkey[80];
	memset(longkey, 'k', 64);
	longkey[64] = '\0';
	CHECK(strstr(lerr(longkey), "name part must be no more than 63 characters") != NULL);
	char longval[80] = "a=";
	memset(longval + 2, 'v', 64);
	longval[66] = '\0';
	CHECK(strstr(lerr(longval), "must be no more than 63 characters") != NULL);
	/* quoting of odd bytes in the echoed value */
	CHECK(strstr(lerr("a=\"x"), "Invalid value: \"\\\"x\"") != NULL);
	/* a small error buffer is truncated, not overrun */
	char small[8];
	sel *s = NULL;
	CHECK_INT(sel_parse_labels("a b", &s, small, sizeof(small)), -EINVAL);
	CHECK(s == NULL);
	CHECK_STR(small, "unable ");
	CHECK_INT(sel_parse_labels("a b", &s, NULL, 0), -EINVAL);
}

UNIT_TEST(sel_labels_exact_and_empty)
{
	sel *s;

	CHECK_INT(sel_parse_labels("b in (x), a=1, c in (y,z)", &s, NULL, 0), 0);
	CHECK_STR(sel_exact_value(s, "a"), "1");
	CHECK_STR(sel_exact_value(s, "b"), "x");
	CHECK(sel_exact_value(s, "c") == NULL);
	CHECK(sel_exact_value(s, "d") == NULL);
	CHECK(!sel_is_empty(s));
	sel_free(s);
	CHECK_INT(sel_parse_labels(NULL, &s, NULL, 0), 0);
	CHECK(sel_is_empty(s));
	sel_free(s);
	sel_free(NULL);
}

UNIT_TEST(sel_from_map_service_selector)
{
	json_t *m = J("{\"app\":\"web\",\"tier\":\"fe\"}");
	json_t *pod = J("{\"app\":\"web\",\"tier\":\"fe\",\"x\":\"y\"}");
	json_t *other = J("{\"app\":\"web\"}");
	json_t *empty = J("{}");
	json_t *bad = J("{\"app\":1}");
	sel *s;

	CHECK_INT(sel_from_map(m, &s), 0);
	CHECK_INT(sel_match_labels(s, pod), 1);
	CHECK_INT(sel_match_labels(s, other), 0);
	sel_free(s);
	/* for Services, no selector selects nothing */
	CHECK_INT(sel_from_map(empty, &s), 0);
	CHECK_INT(sel_match_labels(s, pod), 0);
	CHECK(!sel_is_empty(s));
	sel_free(s);
	CHECK_INT(sel_from_map(NULL, &s), 0);
	CHECK_INT(sel_match_labels(s, empty), 0);
	sel_free(s);
	CHECK_INT(sel_from_map(bad, &s), -EINVAL);
	CHECK(s == NULL);
	json_decref(m);
	json_decref(pod);
	json_decref(other);
	json_decref(empty);
	json_decref(bad);
}

UNIT_TEST(sel_from_label_selector_object)
{
	json_t *ls = J("{\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":["
	               "{\"key\":\"env\",\"operator\":\"In\",\"values\":[\"prod\",\"qa\"]},"
	               "{\"key\":\"canary\",\"operator\":\"DoesNotExist\"}]}");
	json_t *yes = J("{\"app\":\"web\",\"env\":\"qa\"}");
	json_t *no = J("{\"app\":\"web\",\"env\":\"qa\",\"canary\":\"1\"}");
	json_t *empty = J("{}");
	sel *s;

	CHECK_INT(sel_from_label_selector(ls, &s), 0);
	CHECK_INT(sel_match_labels(s, yes), 1);
	CHECK_INT(sel_match_labels(s, no), 0);
	sel_free(s);
	CHECK_INT(sel_from_label_selector(empty, &s), 0); /* {} selects everything */
	CHECK_INT(sel_match_labels(s, no), 1);
	CHECK_INT(sel_match_labels(s, NULL), 1);
	sel_free(s);
	CHECK_INT(sel_from_label_selector(NULL, &s), 0); /* nil selects nothing */
	CHECK_INT(sel_match_labels(s, no), 0);
	sel_free(s);

	static const char *const bad[] = {
	    "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\"}]}",
	    "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Exists\",\"values\":[\"x\"]}]}",
	    "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Near\"}]}",
	    "{\"matchExpressions\":[{\"operator\":\"Exists\"}]}",
	    "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\",\"values\":[1]}]}",
	    "{\"matchExpressions\":{}}",
	    "{\"matchLabels\":[]}",
	    "[]",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *b = J(bad[i]);

		CHECK(b != NULL);
		s = (sel *)1;
		CHECK_INT(sel_from_label_selector(b, &s), -EINVAL);
		CHECK(s == NULL);
		json_decref(b);
	}
	json_decref(ls);
	json_decref(yes);
	json_decref(no);
	json_decref(empty);
}

/* ---- fields ---- */

static int fmatch(const char *selstr, const char *obj, enum api_kind_id kind)
{
	sel *s;
	json_t *o = J(obj);
	int m;

	if (sel_parse_fields(selstr, &s, NULL, 0) < 0) {
		json_decref(o);
		return -1;
	}
	m = sel_match_fields(s, o, sel_fields_for_kind(kind));
	sel_free(s);
	json_decref(o);
	return m;
}

static const char *ferr(const char *selstr)
{
	static char err[512];
	sel *s = NULL;

	err[0] = '\0';
	if (sel_parse_fields(selstr, &s, err, sizeof(err)) == 0) {
		sel_free(s);
		return "";
	}
	return err;
}

#define POD                                                                                        \
	"{\"metadata\":{\"name\":\"web-1\",\"namespace\":\"default\"},"                            \
	"\"spec\":{\"nodeName\":\"n1\"},\"status\":{\"phase\":\"Running\"}}"

UNIT_TEST(sel_fields_pods)
{
	CHECK_INT(fmatch("metadata.name=web-1", POD, API_POD), 1);
	CHECK_INT(fmatch("metadata.name==web-1,spec.nodeName=n1", POD, API_POD), 1);
	CHECK_INT(fmatch("metadata.name=web-1,metadata.namespace!=kube-system,spec.nodeName=n1,"
	                 "status.phase=Running",
	                 POD, API_POD),
	          1);
	CHECK_INT(fmatch("status.phase!=Running", POD, API_POD), 0);
	CHECK_INT(fmatch("spec.nodeName=n2", POD, API_POD), 0);
	CHECK_INT(fmatch("spec.nodeName=", "{\"metadata\":{\"name\":\"p\"}}", API_POD), 1);
	CHECK_INT(fmatch("spec.hostNetwork=false", POD, API_POD), 1);
	CHECK_INT(fmatch("", POD, API_POD), 1);
	CHECK_INT(fmatch(",,", POD, API_POD), 1);
	/* an unsupported field never matches */
	CHECK_INT(fmatch("spec.restartPolicy=", POD, API_NODE), 0);
}

UNIT_TEST(sel_fields_other_kinds)
{
	const char *node = "{\"metadata\":{\"name\":\"n1\"},\"spec\":{}}";
	const char *cordoned = "{\"metadata\":{\"name\":\"n2\"},\"spec\":{\"unschedulable\":true}}";
	const char *ev =
	    "{\"metadata\":{\"name\":\"e\",\"namespace\":\"d\"},\"involvedObject\":{"
	    "\"kind\":\"Pod\",\"name\":\"web-1\",\"uid\":\"u1\"},\"reason\":\"Started\","
	    "\"type\":\"Normal\",\"source\":{\"component\":\"kubelet\"}}";
	const char *secret = "{\"metadata\":{\"name\":\"s\"},\"type\":\"kubernetes.io/tls\"}";

	CHECK_INT(fmatch("spec.unschedulable=false", node, API_NODE), 1);
	CHECK_INT(fmatch("spec.unschedulable=true", cordoned, API_NODE), 1);
	CHECK_INT(fmatch("spec.unschedulable!=true", cordoned, API_NODE), 0);
	CHECK_INT(fmatch("involvedObject.kind=Pod,involvedObject.name=web-1,reason=Started,"
	                 "type=Normal,source=kubelet",
	                 ev, API_EVENT),
	          1);
	CHECK_INT(fmatch("involvedObject.uid=u2", ev, API_EVENT), 0);
	CHECK_INT(fmatch("type=kubernetes.io/tls", secret, API_SECRET), 1);
	CHECK_INT(fmatch("type=Opaque", secret, API_SECRET), 0);
}

UNIT_TEST(sel_fields_escapes)
{
	const char *obj = "{\"metadata\":{\"name\":\"a,b=c\\\\d\"}}";

	CHECK_INT(fmatch("metadata.name=a\\,b\\=c\\\\d", obj, API_SECRET), 1);
	CHECK_INT(fmatch("metadata.name!=a\\,b\\=c\\\\d", obj, API_SECRET), 0);
	CHECK_STR(ferr("metadata.name=a=b"),
	          "invalid field selector: unescaped character in value: '='");
	CHECK_STR(ferr("metadata.name=a\\x"),
	          "invalid field selector: invalid escape sequence: \\x");
	CHECK_STR(ferr("metadata.name=a\\"), "invalid field selector: invalid escape sequence: \\");
	CHECK_STR(ferr("a=b,foo"), "invalid selector: 'a=b,foo'; can't understand 'foo'");
	/* the first operator wins: "a=!b" compares a with "!b" */
	CHECK_INT(fmatch("metadata.name=!x", "{\"metadata\":{\"name\":\"!x\"}}", API_SECRET), 1);
}

UNIT_TEST(sel_fields_supported_check)
{
	sel *s;
	char err[256];

	CHECK_INT(sel_parse_fields("metadata.name=x,spec.bogus=y", &s, err, sizeof(err)), 0);
	CHECK_INT(sel_fields_check(s, sel_fields_for_kind(API_POD), err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "field label not supported: spec.bogus");
	CHECK_STR(sel_exact_value(s, "metadata.name"), "x");
	sel_free(s);

	CHECK_INT(sel_parse_fields("spec.nodeName=n1,status.phase!=Failed", &s, err, sizeof(err)),
	          0);
	CHECK_INT(sel_fields_check(s, sel_fields_for_kind(API_POD), err, sizeof(err)), 0);
	CHECK_INT(sel_fields_check(s, sel_fields_for_kind(API_NODE), err, sizeof(err)), -EINVAL);
	sel_free(s);

	/* metadata.namespace is not selectable on cluster-scoped kinds */
	CHECK_INT(sel_parse_fields("metadata.namespace=x", &s, err, sizeof(err)), 0);
	CHECK_INT(sel_fields_check(s, sel_fields_for_kind(API_NODE), err, sizeof(err)), -EINVAL);
	CHECK_INT(sel_fields_check(s, sel_fields_for_kind(API_ENDPOINTSLICE), err, sizeof(err)), 0);
	sel_free(s);
}
