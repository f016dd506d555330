/* validate.c - the validation entry points and the 422 Status message. */
#include "api/validate_impl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*vld_kind_fn)(struct fe_ctx *, const json_t *, const json_t *);

static const vld_kind_fn vld_kinds[API_NKINDS] = {
    [API_NAMESPACE] = vld_namespace, [API_POD] = vld_pod,
    [API_SERVICE] = vld_service,     [API_ENDPOINTS] = vld_endpoints,
    [API_NODE] = vld_node,           [API_SECRET] = vld_secret,
    [API_EVENT] = vld_event,         [API_ENDPOINTSLICE] = vld_endpointslice,
    [API_INGRESS] = vld_ingress,     [API_INGRESSCLASS] = vld_ingressclass,
};

static int vld_run(vld_kind_fn fn, const json_t *obj, const json_t *old, json_t *causes)
{
	struct fe_ctx c;

	if (!fn || !json_is_array(causes))
		return -EINVAL;
	fe_init(&c, causes);
	if (!json_is_object(obj)) {
		fe_type_invalid(&c, NULL, obj, "object");
	} else {
		if (old && !json_is_object(old))
			old = NULL;
		fn(&c, obj, old);
	}
	return c.oom ? -ENOMEM : c.n;
}

int api_validate(enum api_kind_id kind, const json_t *obj, const json_t *old, json_t *causes)
{
	if ((unsigned)kind >= API_NKINDS)
		return -EINVAL;
	return vld_run(vld_kinds[kind], obj, old, causes);
}

/* Kinds without status rules of their own: the metadata update rules only. */
static void vld_status_meta_only(struct fe_ctx *c, const json_t *obj, const json_t *old)
{
	if (old)
		vld_meta_update(c, obj, old);
}

int api_validate_status(enum api_kind_id kind, const json_t *obj, const json_t *old, json_t *causes)
{
	vld_kind_fn fn;

	switch (kind) {
	case API_SERVICE:
		fn = vld_service_status;
		break;
	case API_POD:
		fn = vld_pod_status;
		break;
	case API_INGRESS:
		fn = vld_ingress_status;
		break;
	case API_NODE:
		/* Node status writes go through the full node update rules. */
		fn = vld_node;
		break;
	case API_NAMESPACE:
		fn = vld_status_meta_only;
		break;
	default:
		return -EINVAL;
	}
	return vld_run(fn, obj, old, causes);
}

static enum vld_name_rule name_rule(enum api_kind_id kind)
{
	if (kind == API_SERVICE)
		return VLD_DNS1035;
	if (kind == API_NAMESPACE)
		return VLD_LABEL;
	return VLD_SUBDOMAIN;
}

int api_validate_name(enum api_kind_id kind, const char *name, int prefix, char *why, size_t whylen)
{
	const char *msgs[API_FMT_MAX_MSGS];
	size_t off = 0;
	int n;

	if (why && whylen)
		why[0] = '\0';
	if ((unsigned)kind >= API_NKINDS || !name)
		return -EINVAL;
	n = vld_name_msgs(name_rule(kind), name, prefix, msgs);
	for (int i = 0; i < n && why && whylen; i++) {
		int w = snprintf(why + off, whylen - off, "%s%s", i ? "; " : "", msgs[i]);

		if (w < 0 || (size_t)w >= whylen - off)
			break;
		off += (size_t)w;
	}
	return n ? -EINVAL : 0;
}

const char *api_qualified_kind(enum api_kind_id kind, char *out, size_t outlen)
{
	const struct api_resource *r;

	if ((unsigned)kind >= API_NKINDS) {
		snprintf(out, outlen, "%s", "");
		return out;
	}
	r = &api_resources[kind];
	if (r->group[0])
		snprintf(out, outlen, "%s.%s", r->kind, r->group);
	else
		snprintf(out, outlen, "%s", r->kind);
	return out;
}

/* "<field>: <message>" of cause i, as field.Error.Error() prints it. */
static int cause_text(buf *b, const json_t *cause)
{
	const char *f = fe_peek_str(cause, "field");
	const char *m = fe_peek_str(cause, "message");

	return buf_printf(b, "%s: %s", f ? f : "", m ? m : "");
}

char *api_invalid_message(const char *kind, const char *name, const json_t *causes)
{
	size_t i, j, n = json_array_size(causes), shown = 0, list_at;
	buf b = BUF_INIT;
	char **texts = n ? calloc(n, sizeof(*texts)) : NULL;
	int r = n && !texts ? -ENOMEM : 0;

	if (!r)
		r = buf_printf(&b, "%s ", kind ? kind : "");
	if (!r)
		r = fe_goquote(&b, name ? name : "", name ? strlen(name) : 0);
	if (!r)
		r = buf_puts(&b, n ? " is invalid: " : " is invalid");
	list_at = b.len;
	for (i = 0; !r && i < n; i++) {
		buf one = BUF_INIT;
		int dup = 0;

		r = cause_text(&one, json_array_get(causes, i));
		texts[i] = r ? NULL : buf_steal(&one, NULL);
		buf_free(&one);
		if (!texts[i]) {
			r = -ENOMEM;
			break;
		}
		/* Identical texts are shown once, as the aggregate error does. */
		for (j = 0; j < i && !dup; j++)
			dup = !strcmp(texts[j], texts[i]);
		if (dup)
			continue;
		if (shown++)
			r = buf_puts(&b, ", ");
		if (!r)
			r = buf_puts(&b, texts[i]);
	}
	if (!r && shown > 1) {
		/* Several errors print as a bracketed list. */
		r = buf_reserve(&b, 2);
		if (!r) {
			memmove(b.data + list_at + 1, b.data + list_at, b.len - list_at);
			b.data[list_at] = '[';
			b.len++;
			r = buf_puts(&b, "]");
		}
	}
	for (i = 0; texts && i < n; i++)
		free(texts[i]);
	free(texts);
	if (r) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
}
