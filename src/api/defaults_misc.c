/* defaults_misc.c - entry points, shared helpers and the small kinds' defaults. */
#include "api/defaults_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */

int dft_unset(const json_t *parent, const char *key)
{
	const json_t *v = json_object_get(parent, key);

	return !v || json_is_null(v);
}

const char *dft_peek(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

void dft_set_new(struct dft *d, json_t *obj, const char *key, json_t *v)
{
	if (!v || json_object_set_new(obj, key, v) < 0)
		d->oom = 1;
}

json_t *dft_obj(struct dft *d, json_t *parent, const char *key)
{
	json_t *v;

	if (!json_is_object(parent))
		return NULL;
	v = json_object_get(parent, key);
	if (json_is_object(v))
		return v;
	if (v && !json_is_null(v))
		return NULL;
	v = json_object();
	dft_set_new(d, parent, key, v);
	return d->oom ? NULL : v;
}

json_t *dft_arr(json_t *parent, const char *key)
{
	json_t *v = json_object_get(parent, key);

	return json_is_array(v) ? v : NULL;
}

void dft_str(struct dft *d, json_t *obj, const char *key, const char *v)
{
	const json_t *cur = json_object_get(obj, key);

	if (!json_is_object(obj))
		return;
	if (cur && !json_is_null(cur) && !(json_is_string(cur) && !json_string_length(cur)))
		return;
	dft_set_new(d, obj, key, json_string(v));
}

void dft_int(struct dft *d, json_t *obj, const char *key, long long v, int zero_unset)
{
	const json_t *cur = json_object_get(obj, key);

	if (!json_is_object(obj))
		return;
	if (cur && !json_is_null(cur) &&
	    !(zero_unset && json_is_integer(cur) && json_integer_value(cur) == 0))
		return;
	dft_set_new(d, obj, key, json_integer(v));
}

void dft_bool(struct dft *d, json_t *obj, const char *key, int v)
{
	if (json_is_object(obj) && dft_unset(obj, key))
		dft_set_new(d, obj, key, json_boolean(v));
}

/* ---- small kinds ---- */

static void dft_namespace(struct dft *d, json_t *ns)
{
	json_t *meta = json_object_get(ns, "metadata");
	const char *name = dft_peek(meta, "name");
	json_t *labels, *spec, *fins, *status, *f;
	size_t i;
	int has = 0;

	/* The name label lets selectors pick namespaces by name. */
	if (name && *name && (labels = dft_obj(d, meta, "labels")))
		dft_set_new(d, labels, "kubernetes.io/metadata.name", json_string(name));
	spec = dft_obj(d, ns, "spec");
	if (spec && dft_unset(spec, "finalizers"))
		dft_set_new(d, spec, "finalizers", json_array());
	fins = dft_arr(spec, "finalizers");
	json_array_foreach (fins, i, f)
		if (json_is_string(f) && !strcmp(json_string_value(f), "kubernetes"))
			has = 1;
	if (fins && !has && json_array_append_new(fins, json_string("kubernetes")) < 0)
		d->oom = 1;
	status = dft_obj(d, ns, "status");
	dft_str(d, status, "phase", "Active");
}

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *b64_encode(const unsigned char *s, size_t n)
{
	char *out = malloc((n + 2) / 3 * 4 + 1), *p = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i + 2 < n; i += 3) {
		*p++ = b64chars[s[i] >> 2];
		*p++ = b64chars[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
		*p++ = b64chars[((s[i + 1] & 15) << 2) | (s[i + 2] >> 6)];
		*p++ = b64chars[s[i + 2] & 63];
	}
	if (i < n) {
		*p++ = b64chars[s[i] >> 2];
		if (i + 1 < n) {
			*p++ = b64chars[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
			*p++ = b64chars[(s[i + 1] & 15) << 2];
		} else {
			*p++ = b64chars[(s[i] & 3) << 4];
			*p++ = '=';
		}
		*p++ = '=';
	}
	*p = '\0';
	return out;
}

static void dft_secret(struct dft *d, json_t *sec)
{
	json_t *sd = json_object_get(sec, "stringData"), *data, *v;
	const char *k;
	int all_strings = 1;

	dft_str(d, sec, "type", "Opaque");
	if (!json_is_object(sd))
		return;
	json_object_foreach (sd, k, v)
		if (!json_is_string(v))
			all_strings = 0;
	data = dft_obj(d, sec, "data");
	/* Wrong types stay for validation to report. */
	if (!all_strings || !data)
		return;
	/* stringData is write-only: folded into data, overriding it, then dropped. */
	json_object_foreach (sd, k, v) {
		char *enc =
		    b64_encode((const unsigned char *)json_string_value(v), json_string_length(v));

		if (!enc) {
			d->oom = 1;
			return;
		}
		dft_set_new(d, data, k, json_string(enc));
		free(enc);
	}
	json_object_del(sec, "stringData");
}

static void dft_node(struct dft *d, json_t *node)
{
	json_t *spec = json_object_get(node, "spec"), *status = json_object_get(node, "status");
	json_t *cidrs = dft_arr(spec, "podCIDRs");
	const char *cidr = dft_peek(spec, "podCIDR");
	json_t *cap = json_object_get(status, "capacity");

	/* podCIDR is podCIDRs[0] on the wire; either may be given. */
	if (json_is_object(spec)) {
		if (cidr && *cidr && !json_array_size(cidrs))
			dft_set_new(d, spec, "podCIDRs", json_pack("[s]", cidr));
		else if (json_array_size(cidrs) && json_is_string(json_array_get(cidrs, 0)))
			dft_set_new(d, spec, "podCIDR", json_copy(json_array_get(cidrs, 0)));
	}
	if (json_is_object(cap) && dft_unset(status, "allocatable"))
		dft_set_new(d, status, "allocatable", json_deep_copy(cap));
}

static void dft_endpoints(struct dft *d, json_t *ep)
{
	json_t *ss, *p;
	size_t i, j;

	json_array_foreach (dft_arr(ep, "subsets"), i, ss)
		json_array_foreach (dft_arr(ss, "ports"), j, p)
			dft_str(d, p, "protocol", "TCP");
}

static void dft_endpointslice(struct dft *d, json_t *es)
{
	json_t *p;
	size_t i;

	json_array_foreach (dft_arr(es, "ports"), i, p) {
		if (json_is_object(p) && dft_unset(p, "name"))
			dft_set_new(d, p, "name", json_string(""));
		if (json_is_object(p) && dft_unset(p, "protocol"))
			dft_set_new(d, p, "protocol", json_string("TCP"));
	}
}

static void dft_ingressclass(struct dft *d, json_t *ic)
{
	json_t *params = json_object_get(json_object_get(ic, "spec"), "parameters");

	if (json_is_object(params) && dft_unset(params, "scope"))
		dft_set_new(d, params, "scope", json_string("Cluster"));
}

/* ---- entry points ---- */

int api_default(enum api_kind_id kind, json_t *obj, const struct api_default_opts *o)
{
	struct dft d = {0};

	if ((unsigned)kind >= API_NKINDS)
		return -EINVAL;
	if (!json_is_object(obj))
		return 0;
	switch (kind) {
	case API_SERVICE:
		dft_service(&d, obj, o);
		break;
	case API_POD:
		dft_pod(&d, obj);
		break;
	case API_NAMESPACE:
		dft_namespace(&d, obj);
		break;
	case API_SECRET:
		dft_secret(&d, obj);
		break;
	case API_NODE:
		dft_node(&d, obj);
		break;
	case API_ENDPOINTS:
		dft_endpoints(&d, obj);
		break;
	case API_ENDPOINTSLICE:
		dft_endpointslice(&d, obj);
		break;
	case API_INGRESSCLASS:
		dft_ingressclass(&d, obj);
		break;
	default:
		break;
	}
	return d.oom ? -ENOMEM : 0;
}

/* What rest.BeforeUpdate keeps from the stored object whatever the client sent. */
static void dft_meta_update(struct dft *d, json_t *obj, const json_t *old)
{
	json_t *meta = json_object_get(obj, "metadata");
	const json_t *ometa = json_object_get(old, "metadata");
	const json_t *v;

	if (!json_is_object(meta) || !json_is_object(ometa))
		return;
	v = json_object_get(ometa, "uid");
	if (json_is_string(v) && (!dft_peek(meta, "uid") || !*dft_peek(meta, "uid")) &&
	    (dft_unset(meta, "uid") || json_is_string(json_object_get(meta, "uid"))))
		dft_set_new(d, meta, "uid", json_copy((json_t *)v));
	v = json_object_get(ometa, "creationTimestamp");
	if (json_is_string(v) && json_string_length(v))
		dft_set_new(d, meta, "creationTimestamp", json_copy((json_t *)v));
	v = json_object_get(ometa, "deletionTimestamp");
	if (json_is_string(v) && json_string_length(v))
		dft_set_new(d, meta, "deletionTimestamp", json_copy((json_t *)v));
	v = json_object_get(ometa, "deletionGracePeriodSeconds");
	if (json_is_integer(v) && dft_unset(meta, "deletionGracePeriodSeconds"))
		dft_set_new(d, meta, "deletionGracePeriodSeconds", json_copy((json_t *)v));
	/* Clients cannot set generation; strategies bump it. */
	v = json_object_get(ometa, "generation");
	if (json_is_integer(v))
		dft_set_new(d, meta, "generation", json_copy((json_t *)v));
	else
		json_object_del(meta, "generation");
}

int api_default_update(enum api_kind_id kind, json_t *obj, const json_t *old,
                       const struct api_default_opts *o)
{
	struct dft d = {0};
	int r;

	if ((unsigned)kind >= API_NKINDS)
		return -EINVAL;
	if (!json_is_object(obj) || !json_is_object(old))
		return api_default(kind, obj, o);
	/* Service defaults depend on the stored object (allocated values, families). */
	if (kind == API_SERVICE) {
		dft_service_update(&d, obj, old, o);
	} else {
		r = api_default(kind, obj, o);
		if (r < 0)
			return r;
	}
	dft_meta_update(&d, obj, old);
	return d.oom ? -ENOMEM : 0;
}
