/*
 * test_patch.c - the three patch formats, driven with the bodies kubectl
 * sends (apply's $setElementOrder patches, label/annotate merge patches,
 * `kubectl patch --type=json`, a port deleted with $patch: delete) and with
 * malformed and hostile ones. Expected results were worked through against
 * apimachinery's strategicpatch and evanphx/json-patch v4 code.
 */
#include "unit.h"

#include <errno.h>
#include <stdlib.h>

#include "api/patch.h"

static json_t *J(const char *s)
{
	json_error_t e;
	json_t *v = json_loads(s, JSON_DECODE_ANY, &e);

	if (!v)
		printf("    bad JSON in test (%s): %s\n", e.text, s);
	return v;
}

/* Consumes got; prints both sides when they differ. */
static int same(json_t *got, const char *want)
{
	json_t *w = J(want);
	int ok = got && w && json_equal(got, w);

	if (!ok) {
		char *g = got ? json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

		printf("    got:  %s\n    want: %s\n", g ? g : "(null)", want);
		free(g);
	}
	json_decref(got);
	json_decref(w);
	return ok;
}

static char smp_err[512];

/* Runs patch_strategic; on success compares with want, else returns rc. */
static int smp(const char *av, const char *kind, const char *orig, const char *patch,
               const char *want)
{
	json_t *o = J(orig), *p = J(patch), *out = NULL;
	char *before = json_dumps(o, JSON_COMPACT);
	int rc = patch_strategic(o, p, av, kind, &out, smp_err, sizeof(smp_err));
	char *after = json_dumps(o, JSON_COMPACT);

	/* The original must come out untouched. */
	if (strcmp(before, after))
		rc = -1000;
	free(before);
	free(after);
	json_decref(o);
	json_decref(p);
	if (rc < 0) {
		if (want)
			printf("    rc=%d err=%s\n", rc, smp_err);
		return rc;
	}
	if (!want) {
		json_decref(out);
		return 1; /* expected an error */
	}
	return same(out, want) ? 0 : -2000;
}

/* ---- strategic merge patch: kubectl apply ---- */

#define SVC_ORIG                                                                                   \
	"{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"web\","              \
	"\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":\"old\"}},"         \
	"\"spec\":{\"clusterIP\":\"10.0.0.5\",\"ports\":[{\"name\":\"http\",\"port\":80,"          \
	"\"protocol\":\"TCP\",\"targetPort\":80}],\"selector\":{\"app\":\"web\"}}}"

UNIT_TEST(smp_apply_changes_port_target)
{
	CHECK_INT(
	    smp("v1", "Service", SVC_ORIG,
	        "{\"metadata\":{\"annotations\":{\"kubectl.kubernetes.io/"
	        "last-applied-configuration\":\"new\"}},\"spec\":{\"$setElementOrder/ports\":"
	        "[{\"port\":80}],\"ports\":[{\"port\":80,\"targetPort\":8080}]}}",
	        "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"web\","
	        "\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":"
	        "\"new\"}},\"spec\":{\"clusterIP\":\"10.0.0.5\",\"ports\":[{\"name\":\"http\","
	        "\"port\":80,\"protocol\":\"TCP\",\"targetPort\":8080}],\"selector\":{\"app\":"
	        "\"web\"}}}"),
	    0);
}

UNIT_TEST(smp_apply_adds_port_in_order)
{
	CHECK_INT(
	    smp("v1", "Service", SVC_ORIG,
	        "{\"spec\":{\"$setElementOrder/ports\":[{\"port\":80},{\"port\":443}],"
	        "\"ports\":[{\"name\":\"https\",\"port\":443,\"targetPort\":8443}]}}",
	        "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"web\","
	        "\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":"
	        "\"old\"}},\"spec\":{\"clusterIP\":\"10.0.0.5\",\"ports\":[{\"name\":\"http\","
	        "\"port\":80,\"protocol\":\"TCP\",\"targetPort\":80},{\"name\":\"https\","
	        "\"port\":443,\"targetPort\":8443}],\"selector\":{\"app\":\"web\"}}}"),
	    0);
	/* The order list puts the new port first. */
	CHECK_INT(smp("v1", "Service", SVC_ORIG,
	              "{\"spec\":{\"$setElementOrder/ports\":[{\"port\":443},{\"port\":80}],"
	              "\"ports\":[{\"port\":443}]}}",
	              "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"web\","
	              "\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":"
	              "\"old\"}},\"spec\":{\"clusterIP\":\"10.0.0.5\",\"ports\":[{\"port\":443},"
	              "{\"name\":\"http\",\"port\":80,\"protocol\":\"TCP\",\"targetPort\":80}],"
	              "\"selector\":{\"app\":\"web\"}}}"),
	          0);
}

UNIT_TEST(smp_patch_without_order_puts_new_items_first)
{
	/* Upstream's mergeSortedSlice: items unknown to the live list go first. */
	CHECK_INT(smp("v1", "Service", "{\"spec\":{\"ports\":[{\"port\":80},{\"port\":81}]}}",
	              "{\"spec\":{\"ports\":[{\"port\":443},{\"port\":81,\"name\":\"x\"}]}}",
	              "{\"spec\":{\"ports\":[{\"port\":443},{\"port\":80},{\"port\":81,"
	              "\"name\":\"x\"}]}}"),
	          0);
}

UNIT_TEST(smp_delete_port_directive)
{
	const char *orig = "{\"spec\":{\"ports\":[{\"port\":80,\"name\":\"http\"},{\"port\":443,"
	                   "\"name\":\"https\"}]}}";

	CHECK_INT(smp("v1", "Service", orig,
	              "{\"spec\":{\"ports\":[{\"$patch\":\"delete\",\"port\":80}]}}",
	              "{\"spec\":{\"ports\":[{\"port\":443,\"name\":\"https\"}]}}"),
	          0);
	/* kubectl apply's form of the same deletion. */
	CHECK_INT(smp("v1", "Service", orig,
	              "{\"spec\":{\"$setElementOrder/ports\":[{\"port\":443}],\"ports\":"
	              "[{\"$patch\":\"delete\",\"port\":80}]}}",
	              "{\"spec\":{\"ports\":[{\"port\":443,\"name\":\"https\"}]}}"),
	          0);
	/* Deleting something absent is not an error. */
	CHECK_INT(smp("v1", "Service", orig,
	              "{\"spec\":{\"ports\":[{\"$patch\":\"delete\",\"port\":9}]}}", orig),
	          0);
	/* A delete directive needs the merge key. */
	CHECK_INT(
	    smp("v1", "Service", orig, "{\"spec\":{\"ports\":[{\"$patch\":\"delete\"}]}}", NULL),
	    -EINVAL);
	CHECK(strstr(smp_err, "does not contain declared merge key: port"));
}

#define POD_ORIG                                                                                   \
	"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"labels\":"         \
	"{\"app\":\"web\"},\"finalizers\":[\"a\",\"b\"]},\"spec\":{\"containers\":[{\"name\":"     \
	"\"app\",\"image\":\"nginx:1\",\"ports\":[{\"containerPort\":80}],\"env\":[{\"name\":"     \
	"\"A\",\"value\":\"1\"}]},{\"name\":\"side\",\"image\":\"busybox\"}],\"tolerations\":"     \
	"[{\"key\":\"k\",\"operator\":\"Exists\"}],\"volumes\":[{\"name\":\"v\",\"emptyDir\":{}}]" \
	"}}"

UNIT_TEST(smp_apply_container_image_and_env)
{
	CHECK_INT(
	    smp("v1", "Pod", POD_ORIG,
	        "{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"app\"},{\"name\":"
	        "\"side\"}],\"containers\":[{\"$setElementOrder/env\":[{\"name\":\"A\"},"
	        "{\"name\":\"B\"}],\"env\":[{\"name\":\"B\",\"value\":\"2\"}],\"image\":"
	        "\"nginx:2\",\"name\":\"app\"}]}}",
	        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\","
	        "\"labels\":{\"app\":\"web\"},\"finalizers\":[\"a\",\"b\"]},\"spec\":"
	        "{\"containers\":[{\"name\":\"app\",\"image\":\"nginx:2\",\"ports\":"
	        "[{\"containerPort\":80}],\"env\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":"
	        "\"B\",\"value\":\"2\"}]},{\"name\":\"side\",\"image\":\"busybox\"}],"
	        "\"tolerations\":[{\"key\":\"k\",\"operator\":\"Exists\"}],\"volumes\":"
	        "[{\"name\":\"v\",\"emptyDir\":{}}]}}"),
	    0);
}

UNIT_TEST(smp_new_container_keeps_no_directives)
{
	json_t *o = J("{\"spec\":{\"containers\":[{\"name\":\"a\"}]}}"), *out = NULL;
	json_t *p = J("{\"spec\":{\"containers\":[{\"name\":\"b\",\"$setElementOrder/env\":"
	              "[{\"name\":\"X\"}],\"env\":[{\"name\":\"X\",\"value\":null}]}]}}");
	char err[256];

	CHECK_INT(patch_strategic(o, p, "v1", "Pod", &out, err, sizeof(err)), 0);
	CHECK(same(out, "{\"spec\":{\"containers\":[{\"name\":\"b\",\"env\":[{\"name\":\"X\"}]},"
	                "{\"name\":\"a\"}]}}"));
	json_decref(o);
	json_decref(p);
}

UNIT_TEST(smp_finalizers_parallel_lists)
{
	/* kubectl apply turning finalizers [a b] into [b c]. */
	CHECK_INT(smp("v1", "Pod", "{\"metadata\":{\"finalizers\":[\"a\",\"b\"]}}",
	              "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":[\"a\"],"
	              "\"$setElementOrder/finalizers\":[\"b\",\"c\"],\"finalizers\":[\"c\"]}}",
	              "{\"metadata\":{\"finalizers\":[\"b\",\"c\"]}}"),
	          0);
	/* A plain list is a union for a merge primitive list... */
	CHECK_INT(smp("v1", "Pod", "{\"metadata\":{\"finalizers\":[\"a\",\"b\"]}}",
	              "{\"metadata\":{\"finalizers\":[\"b\",\"c\"]}}",
	              "{\"metadata\":{\"finalizers\":[\"a\",\"b\",\"c\"]}}"),
	          0);
	/* ...and only deletes with the parallel list. */
	CHECK_INT(smp("v1", "Pod", "{\"metadata\":{\"finalizers\":[\"a\",\"b\"]}}",
	              "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":[\"b\",\"x\"]}}",
	              "{\"metadata\":{\"finalizers\":[\"a\"]}}"),
	          0);
	/* A deletion list for an absent field adds nothing. */
	CHECK_INT(smp("v1", "Pod", "{\"metadata\":{}}",
	              "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":[\"b\"]}}",
	              "{\"metadata\":{}}"),
	          0);
	CHECK_INT(smp("v1", "Pod", "{\"metadata\":{}}",
	              "{\"metadata\":{\"$deleteFromPrimitiveListX\":[\"b\"]}}", NULL),
	          -EINVAL);
	CHECK_STR(smp_err, "invalid patch format of primitive list");
	/* Namespace spec.finalizers has no strategy: replaced. */
	CHECK_INT(smp("v1", "Namespace", "{\"spec\":{\"finalizers\":[\"kubernetes\"]}}",
	              "{\"spec\":{\"finalizers\":[\"x\"]}}", "{\"spec\":{\"finalizers\":[\"x\"]}}"),
	          0);
}

/*
 * Upstream's Go slices share arrays: deduplicating with an empty patch list,
 * and deleting then appending elements, rewrite the live list that the final
 * ordering consults. These results were checked against the Go code.
 */
UNIT_TEST(smp_go_slice_aliasing_order)
{
	CHECK_INT(smp("v1", "Pod", "{\"metadata\":{\"finalizers\":[\"b\",\"b\",\"d\",\"a\"]}}",
	              "{\"metadata\":{\"finalizers\":[]}}",
	              "{\"metadata\":{\"finalizers\":[\"b\",\"a\",\"d\"]}}"),
	          0);
	CHECK_INT(
	    smp("v1", "Pod",
	        "{\"spec\":{\"containers\":[{\"name\":\"d\"},{\"name\":\"a\",\"image\":\"x\"}]}}",
	        "{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"y\"},{\"name\":\"d\","
	        "\"$patch\":\"delete\"},{\"name\":\"c\",\"image\":\"y\"}],"
	        "\"$setElementOrder/"
	        "containers\":[{\"name\":\"c\"},{\"name\":\"d\"},{\"name\":\"c\"}]}}",
	        "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"},{\"name\":\"c\","
	        "\"image\":\"y\"}]}}"),
	    0);
	/* A null merge key is still a key while the list is ordered. */
	CHECK_INT(smp("v1", "Service", "{\"spec\":{\"ports\":[{\"port\":79}]}}",
	              "{\"spec\":{\"ports\":[{\"port\":null,\"protocol\":\"x\"}]}}",
	              "{\"spec\":{\"ports\":[{\"protocol\":\"x\"},{\"port\":79}]}}"),
	          0);
}

UNIT_TEST(smp_messages_match_go_formatting)
{
	CHECK_INT(smp("v1", "Service", "{\"spec\":{\"ports\":[{\"port\":80}]}}",
	              "{\"spec\":{\"ports\":[{}]}}", NULL),
	          -EINVAL);
	CHECK_STR(smp_err, "map: map[] does not contain declared merge key: port");
	CHECK_INT(smp("v1", "Service", "{\"spec\":{\"ports\":[{\"port\":80}]}}",
	              "{\"spec\":{\"ports\":[{\"$patch\":1,\"x\":[true,null,1.5]}]}}", NULL),
	          -EINVAL);
	CHECK_STR(smp_err,
	          "unknown patch type: %!s(int64=1) in map: map[$patch:1 x:[true <nil> 1.5]]");
	CHECK_INT(smp("v1", "Pod", "{\"metadata\":{\"finalizers\":[\"a\"]}}",
	              "{\"metadata\":{\"finalizers\":[1]}}", NULL),
	          -EINVAL);
	CHECK_STR(smp_err, "list element types are not identical: [[a] [1]]");
}

UNIT_TEST(smp_node_pod_cidrs_union_and_addresses)
{
	CHECK_INT(smp("v1", "Node", "{\"spec\":{\"podCIDRs\":[\"10.0.0.0/24\"]}}",
	              "{\"spec\":{\"podCIDRs\":[\"fd00::/64\"]}}",
	              "{\"spec\":{\"podCIDRs\":[\"fd00::/64\",\"10.0.0.0/24\"]}}"),
	          0);
	CHECK_INT(
	    smp("v1", "Node",
	        "{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"10.0.0.1\"},"
	        "{\"type\":\"Hostname\",\"address\":\"n1\"}],\"conditions\":[{\"type\":"
	        "\"Ready\",\"status\":\"False\"}]}}",
	        "{\"status\":{\"$setElementOrder/conditions\":[{\"type\":\"Ready\"}],"
	        "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}],\"addresses\":"
	        "[{\"type\":\"InternalIP\",\"address\":\"10.0.0.2\"}]}}",
	        "{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"10.0.0.2\"},"
	        "{\"type\":\"Hostname\",\"address\":\"n1\"}],\"conditions\":[{\"type\":"
	        "\"Ready\",\"status\":\"True\"}]}}"),
	    0);
}

UNIT_TEST(smp_lists_without_strategy_replace)
{
	CHECK_INT(smp("v1", "Pod", "{\"spec\":{\"tolerations\":[{\"key\":\"a\"},{\"key\":\"b\"}]}}",
	              "{\"spec\":{\"tolerations\":[{\"key\":\"c\",\"value\":null}]}}",
	              "{\"spec\":{\"tolerations\":[{\"key\":\"c\"}]}}"),
	          0);
	/* No metadata at all: every list replaces, maps still merge. */
	CHECK_INT(smp(NULL, NULL, "{\"a\":{\"x\":1,\"l\":[1,2]}}", "{\"a\":{\"y\":2,\"l\":[3]}}",
	              "{\"a\":{\"x\":1,\"y\":2,\"l\":[3]}}"),
	          0);
	/* EndpointSlice endpoints are atomic. */
	CHECK_INT(smp("discovery.k8s.io/v1", "EndpointSlice",
	              "{\"endpoints\":[{\"addresses\":[\"10.0.0.1\"]}]}",
	              "{\"endpoints\":[{\"addresses\":[\"10.0.0.2\"]}]}",
	              "{\"endpoints\":[{\"addresses\":[\"10.0.0.2\"]}]}"),
	          0);
}

UNIT_TEST(smp_maps_null_and_directives)
{
	/* kubectl label/annotate style, sent as strategic (kubectl patch default). */
	CHECK_INT(smp("v1", "Pod", "{\"metadata\":{\"labels\":{\"app\":\"web\",\"tier\":\"fe\"}}}",
	              "{\"metadata\":{\"labels\":{\"tier\":null,\"env\":\"prod\"}}}",
	              "{\"metadata\":{\"labels\":{\"app\":\"web\",\"env\":\"prod\"}}}"),
	          0);
	/* Nulls in a value the original lacks are dropped. */
	CHECK_INT(smp("v1", "Pod", "{\"metadata\":{}}",
	              "{\"metadata\":{\"labels\":{\"a\":null,\"b\":\"1\"}},\"spec\":null}",
	              "{\"metadata\":{\"labels\":{\"b\":\"1\"}}}"),
	          0);
	CHECK_INT(smp("v1", "Service", "{\"spec\":{\"selector\":{\"a\":\"1\",\"b\":\"2\"}}}",
	              "{\"spec\":{\"selector\":{\"$patch\":\"replace\",\"c\":\"3\"}}}",
	              "{\"spec\":{\"selector\":{\"c\":\"3\"}}}"),
	          0);
	CHECK_INT(smp("v1", "Service", "{\"spec\":{\"selector\":{\"a\":\"1\"}}}",
	              "{\"spec\":{\"selector\":{\"$patch\":\"delete\"}}}",
	              "{\"spec\":{\"selector\":{}}}"),
	          0);
	/* A map holding $patch that lands where nothing was is dropped (removeDirectives). */
	CHECK_INT(smp("v1", "Service", "{\"spec\":{}}",
	              "{\"spec\":{\"selector\":{\"$patch\":\"replace\",\"c\":\"3\"}}}",
	              "{\"spec\":{}}"),
	          0);
	CHECK_INT(smp("v1", "Service", "{\"spec\":{\"selector\":{}}}",
	              "{\"spec\":{\"selector\":{\"$patch\":\"frob\"}}}", NULL),
	          -EINVAL);
	CHECK(strstr(smp_err, "unknown patch type: frob in map:"));
	/* A different type replaces. */
	CHECK_INT(smp("v1", "Service", "{\"spec\":{\"selector\":{\"a\":\"1\"}}}",
	              "{\"spec\":{\"selector\":\"x\"}}", "{\"spec\":{\"selector\":\"x\"}}"),
	          0);
}

UNIT_TEST(smp_list_replace_and_merge_directives)
{
	const char *orig = "{\"spec\":{\"ports\":[{\"port\":80},{\"port\":81}]}}";

	CHECK_INT(smp("v1", "Service", orig,
	              "{\"spec\":{\"ports\":[{\"$patch\":\"replace\"},{\"port\":90,\"x\":null}]}}",
	              "{\"spec\":{\"ports\":[{\"port\":90}]}}"),
	          0);
	CHECK_INT(
	    smp("v1", "Service", orig, "{\"spec\":{\"ports\":[{\"$patch\":\"merge\"}]}}", NULL),
	    -EINVAL);
	CHECK_STR(smp_err, "merging lists cannot yet be specified in the patch");
	/* An empty merge list changes nothing. */
	CHECK_INT(smp("v1", "Service", orig, "{\"spec\":{\"ports\":[]}}", orig), 0);
}

UNIT_TEST(smp_retain_keys_volume)
{
	CHECK_INT(smp("v1", "Pod", "{\"spec\":{\"volumes\":[{\"name\":\"v\",\"emptyDir\":{}}]}}",
	              "{\"spec\":{\"volumes\":[{\"$retainKeys\":[\"configMap\",\"name\"],"
	              "\"configMap\":{\"name\":\"c\"},\"name\":\"v\"}]}}",
	              "{\"spec\":{\"volumes\":[{\"name\":\"v\",\"configMap\":{\"name\":\"c\"}}]}}"),
	          0);
	CHECK_INT(smp("v1", "Pod", "{\"spec\":{\"volumes\":[{\"name\":\"v\",\"emptyDir\":{}}]}}",
	              "{\"spec\":{\"volumes\":[{\"$retainKeys\":[\"name\"],\"configMap\":{},"
	              "\"name\":\"v\"}]}}",
	              NULL),
	          -EINVAL);
	CHECK_STR(smp_err, "invalid patch format of retainKeys");
	CHECK_INT(smp("v1", "Pod", "{\"spec\":{}}", "{\"spec\":{\"$retainKeys\":\"x\"}}", NULL),
	          -EINVAL);
}

UNIT_TEST(smp_owner_references_by_uid)
{
	CHECK_INT(smp("v1", "Pod",
	              "{\"metadata\":{\"ownerReferences\":[{\"uid\":\"1\",\"name\":\"a\"},{\"uid\":"
	              "\"2\",\"name\":\"b\"}]}}",
	              "{\"metadata\":{\"ownerReferences\":[{\"uid\":\"2\",\"controller\":true}]}}",
	              "{\"metadata\":{\"ownerReferences\":[{\"uid\":\"1\",\"name\":\"a\"},{\"uid\":"
	              "\"2\",\"name\":\"b\",\"controller\":true}]}}"),
	          0);
}

UNIT_TEST(smp_set_element_order_errors)
{
	/* The patch list must follow the order list. */
	CHECK_INT(smp("v1", "Service", "{\"spec\":{\"ports\":[{\"port\":80}]}}",
	              "{\"spec\":{\"$setElementOrder/ports\":[{\"port\":80},{\"port\":81}],"
	              "\"ports\":[{\"port\":81},{\"port\":80}]}}",
	              NULL),
	          -EINVAL);
	CHECK(strstr(smp_err, "doesn't match $setElementOrder list"));
	CHECK_INT(smp("v1", "Service", "{\"spec\":{}}",
	              "{\"spec\":{\"$setElementOrder/ports\":{\"port\":80}}}", NULL),
	          -EINVAL);
	CHECK_STR(smp_err, "expected a []interface {}, but received a map[string]interface {}");
	CHECK_INT(smp("v1", "Service", "{\"spec\":{}}", "{\"spec\":{\"$setElementOrderports\":[]}}",
	              NULL),
	          -EINVAL);
	CHECK_STR(smp_err, "invalid patch format of setElementOrder list");
	/* An order list alone reorders the live list. */
	CHECK_INT(smp("v1", "Service", "{\"spec\":{\"ports\":[{\"port\":80},{\"port\":81}]}}",
	              "{\"spec\":{\"$setElementOrder/ports\":[{\"port\":81},{\"port\":80}]}}",
	              "{\"spec\":{\"ports\":[{\"port\":81},{\"port\":80}]}}"),
	          0);
}

UNIT_TEST(smp_malformed_and_hostile)
{
	char deep[4096] = "", tail[4096] = "";
	json_t *o = J("{}"), *p, *out = (json_t *)1;
	char err[128];

	CHECK_INT(smp("v1", "Service", "{\"spec\":{\"ports\":[{\"port\":80}]}}",
	              "{\"spec\":{\"ports\":[{\"name\":\"x\"}]}}", NULL),
	          -EINVAL);
	CHECK(strstr(smp_err, "does not contain declared merge key: port"));
	CHECK_INT(smp("v1", "Service", "{\"spec\":{\"ports\":[{\"port\":80}]}}",
	              "{\"spec\":{\"ports\":[\"x\"]}}", NULL),
	          -EINVAL);
	CHECK_INT(smp("v1", "Pod", "{\"metadata\":{\"finalizers\":[\"a\"]}}",
	              "{\"metadata\":{\"finalizers\":[[\"b\"]]}}", NULL),
	          -EINVAL);
	CHECK_INT(smp("v1", "Pod", "{\"metadata\":{\"finalizers\":[[\"a\"]]}}",
	              "{\"metadata\":{\"finalizers\":[[\"b\"]]}}", NULL),
	          -EINVAL);
	CHECK_STR(smp_err, "lists of lists are not supported");
	CHECK_INT(smp("v1", "Pod", "{}", "[]", NULL), -EINVAL);
	CHECK_STR(smp_err, "invalid JSON document");
	CHECK_INT(smp("example.com/v1", "Widget", "{}", "{}", NULL), -EOPNOTSUPP);
	for (int i = 0; i < 70; i++) {
		strcat(deep, "{\"a\":");
		strcat(tail, "}");
	}
	strcat(deep, "1");
	strcat(deep, tail);
	p = J(deep);
	CHECK_INT(patch_strategic(o, p, "v1", "Pod", &out, err, sizeof(err)), -EINVAL);
	CHECK(out == NULL);
	json_decref(o);
	json_decref(p);
}

UNIT_TEST(smp_long_lists_bounded)
{
	json_t *o = json_object(), *p = json_object(), *l = json_array(), *out;
	char err[128];

	for (int i = 0; i < PATCH_MAX_LIST + 1; i++)
		json_array_append_new(l, json_string("x"));
	json_object_set_new(o, "metadata", json_pack("{s:[s]}", "finalizers", "a"));
	json_object_set_new(p, "metadata", json_pack("{s:o}", "finalizers", l));
	CHECK_INT(patch_strategic(o, p, "v1", "Pod", &out, err, sizeof(err)), -EINVAL);
	json_decref(o);
	json_decref(p);
}

UNIT_TEST(smp_meta_table)
{
	const struct patch_type *t = patch_meta_lookup("v1", "Pod");
	const struct patch_field *f;

	CHECK(t);
	f = patch_meta_field(patch_meta_field(t, "spec")->type, "containers");
	CHECK(f && (f->flags & PATCH_F_MERGE));
	CHECK_STR(f->merge_key, "name");
	CHECK_STR(patch_meta_field(f->type, "ports")->merge_key, "containerPort");
	CHECK(patch_meta_field(patch_meta_field(t, "spec")->type, "volumes")->flags &
	      PATCH_F_RETAIN_KEYS);
	CHECK(!patch_meta_field(patch_meta_field(t, "spec")->type, "tolerations"));
	CHECK_STR(patch_meta_field(
	              patch_meta_field(patch_meta_lookup("v1", "Service"), "spec")->type, "ports")
	              ->merge_key,
	          "port");
	CHECK(patch_meta_lookup("networking.k8s.io/v1", "Ingress"));
	CHECK(!patch_meta_lookup("v1", "Ingress"));
	CHECK(!patch_meta_lookup(NULL, "Pod"));
}

/* ---- JSON merge patch ---- */

static int mp(const char *target, const char *patch, const char *want)
{
	json_t *t = J(target), *p = J(patch);
	char *before = json_dumps(t, JSON_COMPACT | JSON_ENCODE_ANY);
	json_t *out = patch_merge(t, p);
	char *after = json_dumps(t, JSON_COMPACT | JSON_ENCODE_ANY);
	int ok = !strcmp(before, after);

	free(before);
	free(after);
	json_decref(t);
	json_decref(p);
	return same(out, want) && ok;
}

UNIT_TEST(merge_rfc7386_examples)
{
	CHECK(mp("{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"));
	CHECK(mp("{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}"));
	CHECK(mp("{\"a\":\"b\"}", "{\"a\":null}", "{}"));
	CHECK(mp("{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}"));
	CHECK(mp("{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"));
	CHECK(mp("{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}"));
	CHECK(mp("{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}",
	         "{\"a\":{\"b\":\"d\"}}"));
	CHECK(mp("{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}"));
	CHECK(mp("[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]"));
	CHECK(mp("{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]"));
	CHECK(mp("{\"a\":\"foo\"}", "null", "null"));
	CHECK(mp("{\"a\":\"foo\"}", "\"bar\"", "\"bar\""));
	CHECK(mp("{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}"));
	CHECK(mp("[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}"));
	CHECK(mp("{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}"));
}

UNIT_TEST(merge_kubectl_label_and_pruning)
{
	CHECK(mp("{\"metadata\":{\"name\":\"p\",\"labels\":{\"app\":\"web\",\"tier\":\"fe\"}}}",
	         "{\"metadata\":{\"labels\":{\"env\":\"prod\",\"tier\":null}}}",
	         "{\"metadata\":{\"name\":\"p\",\"labels\":{\"app\":\"web\",\"env\":\"prod\"}}}"));
	/* evanphx v4 prunes nulls from values it adds, arrays included. */
	CHECK(mp("{}", "{\"a\":[1,null,{\"x\":null,\"y\":2}]}", "{\"a\":[1,{\"y\":2}]}"));
	CHECK(mp("{\"a\":\"s\"}", "{\"a\":{\"x\":null}}", "{\"a\":{}}"));
	/* ...but not from an array replacing an object. */
	CHECK(mp("{\"a\":{}}", "{\"a\":[null]}", "{\"a\":[null]}"));
	/* An explicit null in the target is replaced like a missing member. */
	CHECK(mp("{\"a\":null}", "{\"a\":{\"b\":null,\"c\":1}}", "{\"a\":{\"c\":1}}"));
}

/* ---- JSON patch ---- */

static char jp_err[512];

static int jp(const char *doc, const char *ops, const char *want)
{
	json_t *d = J(doc), *o = J(ops), *out = NULL;
	char *before = json_dumps(d, JSON_COMPACT | JSON_ENCODE_ANY);
	int rc = patch_json(d, o, &out, jp_err, sizeof(jp_err));
	char *after = json_dumps(d, JSON_COMPACT | JSON_ENCODE_ANY);

	if (strcmp(before, after))
		rc = -1000;
	free(before);
	free(after);
	json_decref(d);
	json_decref(o);
	if (rc < 0) {
		if (want)
			printf("    rc=%d err=%s\n", rc, jp_err);
		return rc;
	}
	if (!want) {
		json_decref(out);
		return 1;
	}
	return same(out, want) ? 0 : -2000;
}

#define JPOD                                                                                       \
	"{\"metadata\":{\"name\":\"p\",\"labels\":{\"app\":\"web\"}},\"spec\":{\"replicas\":1,"    \
	"\"l\":[1,2,3]}}"

UNIT_TEST(jsonpatch_kubectl_ops)
{
	CHECK_INT(jp(JPOD, "[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":3}]",
	             "{\"metadata\":{\"name\":\"p\",\"labels\":{\"app\":\"web\"}},\"spec\":"
	             "{\"replicas\":3,\"l\":[1,2,3]}}"),
	          0);
	CHECK_INT(
	    jp(JPOD,
	       "[{\"op\":\"add\",\"path\":\"/metadata/labels/app.kubernetes.io~1name\","
	       "\"value\":\"x\"},{\"op\":\"add\",\"path\":\"/metadata/a~0b\",\"value\":1},"
	       "{\"op\":\"remove\",\"path\":\"/metadata/labels/app\"}]",
	       "{\"metadata\":{\"name\":\"p\",\"a~b\":1,\"labels\":{\"app.kubernetes.io/name\":"
	       "\"x\"}},\"spec\":{\"replicas\":1,\"l\":[1,2,3]}}"),
	    0);
	CHECK_INT(
	    jp(JPOD,
	       "[{\"op\":\"test\",\"path\":\"/spec/replicas\",\"value\":1},{\"op\":\"move\","
	       "\"from\":\"/spec/replicas\",\"path\":\"/spec/n\"},{\"op\":\"copy\",\"from\":"
	       "\"/spec/l\",\"path\":\"/spec/m\"}]",
	       "{\"metadata\":{\"name\":\"p\",\"labels\":{\"app\":\"web\"}},\"spec\":{\"n\":1,"
	       "\"l\":[1,2,3],\"m\":[1,2,3]}}"),
	    0);
}

UNIT_TEST(jsonpatch_arrays)
{
	CHECK_INT(jp("{\"l\":[1,2,3]}",
	             "[{\"op\":\"add\",\"path\":\"/l/-\",\"value\":4},{\"op\":\"add\",\"path\":"
	             "\"/l/0\",\"value\":0},{\"op\":\"add\",\"path\":\"/l/5\",\"value\":5}]",
	             "{\"l\":[0,1,2,3,4,5]}"),
	          0);
	/* Negative indices count from the end, as evanphx allows. */
	CHECK_INT(
	    jp("{\"l\":[1,2,3]}",
	       "[{\"op\":\"remove\",\"path\":\"/l/-1\"},{\"op\":\"replace\",\"path\":\"/l/-2\","
	       "\"value\":9},{\"op\":\"add\",\"path\":\"/l/-1\",\"value\":7}]",
	       "{\"l\":[9,2,7]}"),
	    0);
	CHECK_INT(jp("{\"l\":[1]}", "[{\"op\":\"add\",\"path\":\"/l/3\",\"value\":4}]", NULL),
	          -EINVAL);
	CHECK_STR(jp_err, "error in add for path: '/l/3': Unable to access invalid index: 3: "
	                  "invalid index referenced");
	CHECK_INT(jp("{\"l\":[1]}", "[{\"op\":\"remove\",\"path\":\"/l/-\"}]", NULL), -EINVAL);
	CHECK_STR(jp_err, "error in remove for path: '/l/-': strconv.Atoi: parsing \"-\": invalid "
	                  "syntax");
	CHECK_INT(jp("{\"l\":[1]}", "[{\"op\":\"replace\",\"path\":\"/l/1\",\"value\":4}]", NULL),
	          -EINVAL);
	CHECK_STR(jp_err,
	          "replace operation does not apply: doc is missing key: /l/1: missing value");
	CHECK_INT(jp("{\"l\":[{\"a\":1}]}", "[{\"op\":\"add\",\"path\":\"/l/0/b\",\"value\":2}]",
	             "{\"l\":[{\"a\":1,\"b\":2}]}"),
	          0);
	CHECK_INT(jp("[1,2]", "[{\"op\":\"remove\",\"path\":\"/0\"}]", "[2]"), 0);
}

UNIT_TEST(jsonpatch_errors_match_upstream)
{
	CHECK_INT(jp("{\"x\":1}", "[{\"op\":\"test\",\"path\":\"/x\",\"value\":2}]", NULL),
	          -EINVAL);
	CHECK_STR(jp_err, "testing value /x failed: test failed");
	CHECK_INT(jp("{\"spec\":{}}", "[{\"op\":\"remove\",\"path\":\"/spec/x\"}]", NULL), -EINVAL);
	CHECK_STR(jp_err,
	          "error in remove for path: '/spec/x': Unable to remove nonexistent key: x: "
	          "missing value");
	CHECK_INT(jp("{}", "[{\"op\":\"remove\",\"path\":\"/spec/x\"}]", NULL), -EINVAL);
	CHECK_STR(jp_err, "remove operation does not apply: doc is missing path: \"/spec/x\": "
	                  "missing value");
	CHECK_INT(jp("{}", "[{\"op\":\"add\",\"path\":\"/a/b\",\"value\":1}]", NULL), -EINVAL);
	CHECK_STR(jp_err,
	          "add operation does not apply: doc is missing path: \"/a/b\": missing value");
	CHECK_INT(jp("{}", "[{\"op\":\"frob\",\"path\":\"/a\"}]", NULL), -EINVAL);
	CHECK_STR(jp_err, "Unexpected kind: frob");
	CHECK_INT(jp("{}", "[{\"path\":\"/a\"}]", NULL), -EINVAL);
	CHECK_STR(jp_err, "Unexpected kind: unknown");
	CHECK_INT(jp("{}", "[{\"op\":\"add\",\"value\":1}]", NULL), -EINVAL);
	CHECK_STR(jp_err, "add operation failed to decode path: missing value");
	CHECK_INT(jp("{}", "[{\"op\":\"move\",\"path\":\"/b\"}]", NULL), -EINVAL);
	CHECK_STR(jp_err, "move operation failed to decode from: operation, missing from field: "
	                  "missing value");
	CHECK_INT(jp("{\"a\":1}", "[{\"op\":\"move\",\"from\":\"/x\",\"path\":\"/b\"}]", NULL),
	          -EINVAL);
	CHECK_STR(jp_err,
	          "error in move for path: 'x': Unable to remove nonexistent key: x: missing "
	          "value");
	CHECK_INT(jp("{\"a\":{}}", "[{\"op\":\"test\",\"path\":\"/b/c\",\"value\":1}]", NULL),
	          -EINVAL);
	CHECK_STR(jp_err, "test operation does not apply: is missing path: /b/c: missing value");
	CHECK_INT(jp("{}", "{\"op\":\"add\"}", NULL), -EINVAL);
	CHECK_INT(jp("{}", "[1]", NULL), -EINVAL);
	CHECK_INT(jp("\"s\"", "[]", NULL), -EINVAL);
}

UNIT_TEST(jsonpatch_upstream_quirks)
{
	/* replace of a missing member adds it; copy of a missing one copies null. */
	CHECK_INT(jp("{}", "[{\"op\":\"replace\",\"path\":\"/a\",\"value\":1}]", "{\"a\":1}"), 0);
	CHECK_INT(jp("{}", "[{\"op\":\"copy\",\"from\":\"/x\",\"path\":\"/a\"}]", "{\"a\":null}"),
	          0);
	/* test for null passes on a missing member; a test without a value fails. */
	CHECK_INT(jp("{}", "[{\"op\":\"test\",\"path\":\"/a\",\"value\":null}]", "{}"), 0);
	CHECK_INT(jp("{\"a\":[null]}", "[{\"op\":\"test\",\"path\":\"/a/0\"}]", NULL), -EINVAL);
	/* A missing value is null. */
	CHECK_INT(jp("{}", "[{\"op\":\"add\",\"path\":\"/a\"}]", "{\"a\":null}"), 0);
	/* The whole document. */
	CHECK_INT(jp("{\"a\":1}",
	             "[{\"op\":\"test\",\"path\":\"\",\"value\":{\"a\":1}},{\"op\":"
	             "\"replace\",\"path\":\"\",\"value\":{\"b\":2}}]",
	             "{\"b\":2}"),
	          0);
	CHECK_INT(jp("{}", "[{\"op\":\"add\",\"path\":\"\",\"value\":{}}]", NULL), -EINVAL);
	/* No leading slash: the first segment is dropped. */
	CHECK_INT(jp("{}", "[{\"op\":\"add\",\"path\":\"x/a\",\"value\":1}]", "{\"a\":1}"), 0);
	/* A failing op leaves no partial result. */
	CHECK_INT(jp("{}",
	             "[{\"op\":\"add\",\"path\":\"/a\",\"value\":1},{\"op\":\"test\","
	             "\"path\":\"/a\",\"value\":2}]",
	             NULL),
	          -EINVAL);
}

UNIT_TEST(jsonpatch_bounds)
{
	json_t *ops = json_array(), *doc = json_object(), *out;
	char err[256];
	int rc;

	for (int i = 0; i <= PATCH_MAX_OPS; i++)
		json_array_append_new(ops, json_pack("{s:s,s:s}", "op", "test", "path", "/x"));
	rc = patch_json(doc, ops, &out, err, sizeof(err));
	CHECK_INT(rc, -E2BIG);
	CHECK_STR(err, "The allowed maximum operations in a JSON patch is 10000, got 10001");
	json_decref(ops);
	/* Doubling a document with copies stops at the copy budget. */
	ops = json_array();
	json_object_set_new(doc, "a", json_pack("[iiiiiiii]", 1, 2, 3, 4, 5, 6, 7, 8));
	for (int i = 0; i < 60; i++)
		json_array_append_new(
		    ops, json_pack("{s:s,s:s,s:s}", "op", "copy", "from", "/a", "path", "/a/-"));
	rc = patch_json(doc, ops, &out, err, sizeof(err));
	CHECK_INT(rc, -EINVAL);
	CHECK(strstr(err, "accumulated size increase of copy"));
	json_decref(ops);
	json_decref(doc);
}
