/* validate_meta.c - ObjectMeta rules and the field rules every kind shares. */
#include "api/validate_impl.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define ANNOTATIONS_MAX_BYTES (256 * 1024)

/* ---- shared field rules ---- */

typedef int (*vld_fmt_fn)(const char *, const char **);

static void vld_fmt(struct fe_ctx *c, const char *sub, const char *v, vld_fmt_fn fn)
{
	const char *msgs[API_FMT_MAX_MSGS];
	int n = fn(v, msgs);

	for (int i = 0; i < n; i++)
		fe_invalid_str(c, sub, v, "%s", msgs[i]);
}

void vld_dns1123_label(struct fe_ctx *c, const char *sub, const char *v)
{
	vld_fmt(c, sub, v, api_is_dns1123_label);
}

void vld_dns1123_subdomain(struct fe_ctx *c, const char *sub, const char *v)
{
	vld_fmt(c, sub, v, api_is_dns1123_subdomain);
}

void vld_qualified_name(struct fe_ctx *c, const char *sub, const char *v)
{
	vld_fmt(c, sub, v, api_is_qualified_name);
}

void vld_port_name(struct fe_ctx *c, const char *sub, const char *v)
{
	vld_fmt(c, sub, v, api_is_port_name);
}

void vld_port_num(struct fe_ctx *c, const char *sub, long long v)
{
	if (v < 1 || v > 65535)
		fe_invalid_int(c, sub, v, "must be between 1 and 65535, inclusive");
}

void vld_port_num_or_name(struct fe_ctx *c, const json_t *parent, const char *key)
{
	long long iv = 0;
	const char *sv = NULL;

	switch (fe_intstr(c, parent, key, &iv, &sv)) {
	case 1:
		vld_port_num(c, key, iv);
		break;
	case 2:
		vld_port_name(c, key, sv);
		break;
	default:
		/* Absent: an IntOrString zero value, which is the int 0. */
		if (!fe_present(parent, key))
			vld_port_num(c, key, 0);
		break;
	}
}

void vld_ip(struct fe_ctx *c, const char *sub, const char *v)
{
	if (!api_parse_ip(v, NULL))
		fe_invalid_str(c, sub, v,
		               "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
}

void vld_cidr(struct fe_ctx *c, const char *sub, const char *v)
{
	if (!api_parse_cidr(v, NULL, NULL))
		fe_invalid_str(c, sub, v,
		               "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)");
}

void vld_non_special_ip(struct fe_ctx *c, const char *sub, const char *v)
{
	unsigned char a[16];
	int fam = api_parse_ip(v, a);
	static const unsigned char zero[16];

	if (!fam) {
		fe_invalid_str(c, sub, v, "must be a valid IP address");
		return;
	}
	if ((fam == 4 && !memcmp(a + 12, zero, 4)) || (fam == 6 && !memcmp(a, zero, 16)))
		fe_invalid_str(c, sub, v, "may not be unspecified (%s)", v);
	if ((fam == 4 && a[12] == 127) || (fam == 6 && !memcmp(a, zero, 15) && a[15] == 1))
		fe_invalid_str(c, sub, v,
		               "may not be in the loopback range (127.0.0.0/8, ::1/128)");
	if ((fam == 4 && a[12] == 169 && a[13] == 254) ||
	    (fam == 6 && a[0] == 0xfe && (a[1] & 0xc0) == 0x80))
		fe_invalid_str(c, sub, v,
		               "may not be in the link-local range (169.254.0.0/16, fe80::/10)");
	if ((fam == 4 && a[12] == 224 && a[13] == 0 && a[14] == 0) ||
	    (fam == 6 && a[0] == 0xff && (a[1] & 0x0f) == 0x02))
		fe_invalid_str(
		    c, sub, v,
		    "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)");
}

void vld_nonnegative(struct fe_ctx *c, const char *sub, long long v)
{
	if (v < 0)
		fe_invalid_int(c, sub, v, "must be greater than or equal to 0");
}

void vld_labels(struct fe_ctx *c, const json_t *parent, const char *key)
{
	const json_t *m = fe_strmap(c, parent, key), *v;
	const char *k;

	if (!m)
		return;
	json_object_foreach ((json_t *)m, k, v) {
		vld_fmt(c, key, k, api_is_qualified_name);
		if (json_is_string(v))
			vld_fmt(c, key, json_string_value(v), api_is_label_value);
	}
}

int vld_name_msgs(enum vld_name_rule rule, const char *name, int prefix, const char **msgs)
{
	char tmp[300];
	size_t n = strlen(name);

	/* A generateName prefix may end in '-': the random suffix follows it. */
	if (prefix && n > 1 && n < sizeof(tmp) && name[n - 1] == '-') {
		memcpy(tmp, name, n + 1);
		tmp[n - 1] = 'a';
		name = tmp;
	}
	switch (rule) {
	case VLD_LABEL:
		return api_is_dns1123_label(name, msgs);
	case VLD_DNS1035:
		return api_is_dns1035_label(name, msgs);
	default:
		return api_is_dns1123_subdomain(name, msgs);
	}
}

int vld_same(const json_t *a, const json_t *b)
{
	if (a && json_is_null(a))
		a = NULL;
	if (b && json_is_null(b))
		b = NULL;
	if (!a || !b)
		return a == b;
	return json_equal((json_t *)a, (json_t *)b);
}

void vld_immutable(struct fe_ctx *c, const json_t *newp, const json_t *oldp, const char *key)
{
	const json_t *nv = newp ? json_object_get(newp, key) : NULL;
	const json_t *ov = oldp ? json_object_get(oldp, key) : NULL;

	if (!vld_same(nv, ov))
		fe_invalid(c, key, nv, "field is immutable");
}

/* ---- metadata ---- */

static int is_standard_finalizer(const char *f)
{
	return !strcmp(f, "kubernetes") || !strcmp(f, "orphan") || !strcmp(f, "foregroundDeletion");
}

static void vld_annotations(struct fe_ctx *c, const json_t *meta)
{
	const json_t *m = fe_strmap(c, meta, "annotations"), *v;
	const char *k;
	size_t total = 0;
	char low[320];

	if (!m)
		return;
	json_object_foreach ((json_t *)m, k, v) {
		size_t n = strlen(k);
		const char *msgs[API_FMT_MAX_MSGS];
		int nm;

		/* Annotation keys are qualified names compared case-insensitively. */
		if (n < sizeof(low)) {
			for (size_t i = 0; i <= n; i++)
				low[i] = (char)tolower((unsigned char)k[i]);
			nm = api_is_qualified_name(low, msgs);
		} else {
			nm = api_is_qualified_name(k, msgs);
		}
		for (int i = 0; i < nm; i++)
			fe_invalid_str(c, "annotations", k, "%s", msgs[i]);
		total += n;
		if (json_is_string(v))
			total += json_string_length(v);
	}
	if (total > ANNOTATIONS_MAX_BYTES)
		fe_too_long(c, "annotations", ANNOTATIONS_MAX_BYTES);
}

static void vld_owner_refs(struct fe_ctx *c, const json_t *meta)
{
	const json_t *refs = fe_arr(c, meta, "ownerReferences"), *ref;
	size_t i, mark = fe_push(c, "ownerReferences");
	char first[300] = "";

	json_array_foreach (refs, i, ref) {
		size_t m2 = fe_push_index(c, i);
		const json_t *r = fe_elem_obj(c, ref);
		const char *av = fe_str(c, r, "apiVersion"), *kind = fe_str(c, r, "kind");
		const char *name = fe_str(c, r, "name"), *uid = fe_str(c, r, "uid");
		const char *slash = av ? strrchr(av, '/') : NULL;
		int ctl = 0;

		fe_pop(c, m2);
		if (!r)
			continue;
		/* Errors go to the list path, as apimachinery reports them. */
		if (!av || !*av || (slash && !slash[1]))
			fe_invalid_str(c, "apiVersion", av ? av : "", "version must not be empty");
		if (!kind || !*kind)
			fe_invalid_str(c, "kind", "", "must not be empty");
		if (!name || !*name)
			fe_invalid_str(c, "name", "", "must not be empty");
		if (!uid || !*uid)
			fe_invalid_str(c, "uid", "", "must not be empty");
		if (av && kind && !strcmp(av, "v1") && !strcmp(kind, "Event"))
			fe_invalid(c, NULL, r, "/v1, Kind=Event is disallowed from being an owner");
		if (fe_bool(c, r, "controller", &ctl) && ctl && kind && name) {
			if (first[0])
				fe_invalid(
				    c, NULL, refs,
				    "Only one reference can have Controller set to true. Found "
				    "\"true\" in references for %s and %s/%s",
				    first, kind, name);
			else
				snprintf(first, sizeof(first), "%.140s/%.140s", kind, name);
		}
	}
	fe_pop(c, mark);
}

static void vld_finalizers(struct fe_ctx *c, const json_t *meta)
{
	const json_t *fins = fe_arr(c, meta, "finalizers"), *f;
	size_t i, mark = fe_push(c, "finalizers");
	int orphan = 0, fg = 0;

	json_array_foreach (fins, i, f) {
		size_t m2 = fe_push_index(c, i);
		const char *s = fe_elem_str(c, f);

		fe_pop(c, m2);
		if (!s)
			continue;
		/* apimachinery reports the name check at the list path ... */
		vld_qualified_name(c, NULL, s);
		/* ... and core's "standard or qualified" check at the element. */
		if (!strchr(s, '/') && !is_standard_finalizer(s)) {
			m2 = fe_push_index(c, i);
			fe_invalid_str(c, NULL, s,
			               "name is neither a standard finalizer name nor is it fully "
			               "qualified");
			fe_pop(c, m2);
		}
		orphan |= !strcmp(s, "orphan");
		fg |= !strcmp(s, "foregroundDeletion");
	}
	if (orphan && fg)
		fe_invalid(c, NULL, fins,
		           "finalizer orphan and foregroundDeletion cannot be both set");
	fe_pop(c, mark);
}

void vld_meta(struct fe_ctx *c, const json_t *obj, int namespaced, enum vld_name_rule rule)
{
	const json_t *meta = fe_obj(c, obj, "metadata");
	size_t mark = fe_push(c, "metadata");
	const char *msgs[API_FMT_MAX_MSGS];
	const char *name = fe_str(c, meta, "name");
	const char *gen = fe_str(c, meta, "generateName");
	const char *ns = fe_str(c, meta, "namespace");
	long long v;
	int n;

	if (gen && *gen) {
		n = vld_name_msgs(rule, gen, 1, msgs);
		for (int i = 0; i < n; i++)
			fe_invalid_str(c, "generateName", gen, "%s", msgs[i]);
	}
	if (!name || !*name) {
		fe_required(c, "name", "name or generateName is required");
	} else {
		n = vld_name_msgs(rule, name, 0, msgs);
		for (int i = 0; i < n; i++)
			fe_invalid_str(c, "name", name, "%s", msgs[i]);
	}
	if (namespaced) {
		if (!ns || !*ns) {
			fe_required(c, "namespace", "%s", "");
		} else {
			n = api_is_dns1123_label(ns, msgs);
			for (int i = 0; i < n; i++)
				fe_invalid_str(c, "namespace", ns, "%s", msgs[i]);
		}
	} else if (ns && *ns) {
		fe_forbidden(c, "namespace", "not allowed on this type");
	}
	if (fe_int(c, meta, "generation", &v))
		vld_nonnegative(c, "generation", v);
	(void)fe_str(c, meta, "uid");
	(void)fe_str(c, meta, "resourceVersion");
	(void)fe_str(c, meta, "creationTimestamp");
	(void)fe_str(c, meta, "deletionTimestamp");
	if (fe_int(c, meta, "deletionGracePeriodSeconds", &v))
		vld_nonnegative(c, "deletionGracePeriodSeconds", v);
	(void)fe_arr(c, meta, "managedFields");
	vld_labels(c, meta, "labels");
	vld_annotations(c, meta);
	vld_owner_refs(c, meta);
	vld_finalizers(c, meta);
	fe_pop(c, mark);
}

/* `[]string{"a", "b"}` of the finalizers in now that are not in before. */
static int new_finalizers(buf *b, const json_t *now, const json_t *before)
{
	size_t i, j, k = 0;
	const json_t *f, *g;
	int r = buf_puts(b, "[]string{");

	json_array_foreach (now, i, f) {
		int found = 0;

		if (!json_is_string(f))
			continue;
		json_array_foreach (before, j, g)
			if (json_is_string(g) &&
			    !strcmp(json_string_value(f), json_string_value(g)))
				found = 1;
		if (found)
			continue;
		if (!r && k++)
			r = buf_puts(b, ", ");
		if (!r)
			r = fe_goquote(b, json_string_value(f), json_string_length(f));
	}
	if (!r)
		r = buf_puts(b, "}");
	if (!r)
		r = buf_cstr(b);
	return r < 0 ? r : (int)k;
}

void vld_meta_update(struct fe_ctx *c, const json_t *obj, const json_t *old)
{
	const json_t *meta = json_object_get(obj, "metadata");
	const json_t *ometa = json_object_get(old, "metadata");
	size_t mark = fe_push(c, "metadata");
	long long g = 0, og = 0;

	if (!json_is_object(meta))
		meta = NULL;
	if (!json_is_object(ometa))
		ometa = NULL;
	if (fe_present(ometa, "deletionTimestamp")) {
		const json_t *nf = json_object_get(meta, "finalizers");
		const json_t *of = json_object_get(ometa, "finalizers");
		buf b = BUF_INIT;
		int n = json_is_array(nf) ? new_finalizers(&b, nf, of) : 0;

		if (n < 0)
			c->oom = 1;
		else if (n > 0)
			fe_forbidden(
			    c, "finalizers",
			    "no new finalizers can be added if the object is being deleted, "
			    "found new finalizers %s",
			    b.data);
		buf_free(&b);
	}
	if (meta && ometa && json_is_integer(json_object_get(meta, "generation")) &&
	    json_is_integer(json_object_get(ometa, "generation"))) {
		g = json_integer_value(json_object_get(meta, "generation"));
		og = json_integer_value(json_object_get(ometa, "generation"));
		if (g < og)
			fe_invalid_int(c, "generation", g, "must not be decremented");
	}
	vld_immutable(c, meta, ometa, "name");
	vld_immutable(c, meta, ometa, "namespace");
	vld_immutable(c, meta, ometa, "uid");
	vld_immutable(c, meta, ometa, "creationTimestamp");
	vld_immutable(c, meta, ometa, "deletionTimestamp");
	vld_immutable(c, meta, ometa, "deletionGracePeriodSeconds");
	fe_pop(c, mark);
}
