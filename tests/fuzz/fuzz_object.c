/*
 * fuzz_object.c - libFuzzer target for defaulting and validation of API objects.
 *
 * The input is a JSON document (any type, NUL bytes in strings allowed, depth
 * bounded by jansson's parser). Each kind is defaulted and validated on create,
 * then as an update against a defaulted stored copy, then as a status write;
 * the Service IP-family initialisation and the 422 message builder run too.
 * Beyond what the sanitizers catch, every cause must be a well-formed
 * StatusCause that serialises as JSON.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "api/defaults.h"
#include "api/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_causes(const json_t *causes, int n)
{
	size_t i;
	json_t *c;
	char *s;

	if (n < 0)
		return;
	if ((size_t)n > json_array_size(causes))
		abort();
	json_array_foreach (causes, i, c) {
		if (!json_is_string(json_object_get(c, "reason")) ||
		    !json_is_string(json_object_get(c, "message")) ||
		    !json_is_string(json_object_get(c, "field")))
			abort();
	}
	/* Causes reach clients as JSON: they must serialise. */
	s = json_dumps(causes, JSON_COMPACT);
	if (!s)
		abort();
	free(s);
}

static void run_kind(enum api_kind_id kind, const json_t *doc, const struct api_default_opts *o)
{
	json_t *obj = json_deep_copy(doc), *old, *upd, *causes = json_array();
	const char *name;
	char why[256];
	char *msg;
	int n;

	if (!obj || !causes)
		goto out;
	api_default(kind, obj, o);
	n = api_validate(kind, obj, NULL, causes);
	check_causes(causes, n);
	if (kind == API_SERVICE) {
		n = api_service_init_ip_families(obj, NULL, o, causes);
		check_causes(causes, n);
	}
	msg = api_invalid_message("Kind", "name", causes);
	free(msg);

	/* Update: the defaulted object is the stored one, the raw input the new one. */
	old = obj;
	obj = NULL;
	upd = json_deep_copy(doc);
	if (upd) {
		json_array_clear(causes);
		api_default_update(kind, upd, old, o);
		if (kind == API_SERVICE) {
			n = api_service_init_ip_families(upd, old, o, causes);
			check_causes(causes, n);
		}
		n = api_validate(kind, upd, old, causes);
		check_causes(causes, n);
		n = api_validate_status(kind, upd, old, causes);
		check_causes(causes, n);
		msg = api_invalid_message("Kind", "name", causes);
		free(msg);
		json_decref(upd);
	}
	name = json_string_value(json_object_get(json_object_get(doc, "metadata"), "name"));
	if (name) {
		api_validate_name(kind, name, 0, why, sizeof(why));
		api_validate_name(kind, name, 1, why, 8);
	}
	json_decref(old);
out:
	json_decref(obj);
	json_decref(causes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct api_default_opts opts[] = {
	    {AF_INET, 0}, {AF_INET, 1}, {AF_INET6, 0}, {AF_INET6, 1}};
	json_t *doc;
	size_t pick = size ? data[size - 1] % 4 : 0;

	doc = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (!doc)
		return 0;
	for (int k = 0; k < API_NKINDS; k++)
		run_kind((enum api_kind_id)k, doc, &opts[pick]);
	json_decref(doc);
	return 0;
}
