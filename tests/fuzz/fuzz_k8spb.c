/*
 * fuzz_k8spb.c - libFuzzer target for the Kubernetes protobuf body decoder.
 *
 * Inputs starting with the "k8s\0" magic are decoded as they are (the seeds
 * are real kubectl bodies and kubectl-rendered probes). Any other input is
 * taken as a raw object message: its first byte picks a kind and the rest
 * is wrapped in a valid envelope, so mutations reach the message tables
 * instead of dying in the envelope. A decoded object must be a JSON object
 * with string kind and apiVersion that jansson can print and read back
 * (valid UTF-8, no NUL); a failure must come with a message. Anything else
 * traps.
 */
#include "api/k8spb.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const kinds[][2] = {
    {"v1", "Namespace"},
    {"v1", "Service"},
    {"v1", "Secret"},
    {"v1", "ConfigMap"},
    {"v1", "Pod"},
    {"v1", "Node"},
    {"v1", "Endpoints"},
    {"v1", "Event"},
    {"discovery.k8s.io/v1", "EndpointSlice"},
    {"networking.k8s.io/v1", "Ingress"},
    {"networking.k8s.io/v1", "IngressClass"},
    {"v1", "DeleteOptions"},
};

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	do {
		p[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			p[n] |= 0x80;
		n++;
	} while (v);
	return n;
}

/* "k8s\0" + Unknown{typeMeta{apiVersion, kind}, raw}. */
static uint8_t *wrap(const uint8_t *raw, size_t n, const char *api_version, const char *kind,
                     size_t *outlen)
{
	size_t av = strlen(api_version), kl = strlen(kind);
	size_t tm = 2 + av + 2 + kl; /* both strings are shorter than 128 bytes */
	uint8_t *out = malloc(4 + 2 + tm + 1 + 10 + n), *p = out;

	if (!out)
		return NULL;
	memcpy(p, "k8s\0", 4);
	p += 4;
	*p++ = 0x0a;
	*p++ = (uint8_t)tm;
	*p++ = 0x0a;
	*p++ = (uint8_t)av;
	memcpy(p, api_version, av);
	p += av;
	*p++ = 0x12;
	*p++ = (uint8_t)kl;
	memcpy(p, kind, kl);
	p += kl;
	*p++ = 0x12;
	p += put_varint(p, n);
	if (n)
		memcpy(p, raw, n);
	p += n;
	*outlen = (size_t)(p - out);
	return out;
}

static void check(json_t *j, const char *err)
{
	char *text;
	json_t *back;

	if (!j) {
		if (!err[0] || strncmp(err, "protobuf: ", 10) != 0)
			__builtin_trap();
		return;
	}
	if (!json_is_object(j) || !json_is_string(json_object_get(j, "kind")) ||
	    !json_is_string(json_object_get(j, "apiVersion")))
		__builtin_trap();
	text = json_dumps(j, JSON_COMPACT);
	if (!text)
		return; /* out of memory */
	back = json_loads(text, JSON_DECODE_ANY, NULL);
	if (!back || !json_equal(back, j))
		__builtin_trap();
	json_decref(back);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	json_t *j;

	if (k8spb_is_protobuf(data, size)) {
		j = k8spb_decode(data, size, err, sizeof(err));
		check(j, err);
		json_decref(j);
	} else if (size > 0) {
		const char *const *k = kinds[data[0] % (sizeof(kinds) / sizeof(kinds[0]))];
		size_t len;
		uint8_t *body = wrap(data + 1, size - 1, k[0], k[1], &len);

		if (!body)
			return 0;
		j = k8spb_decode(body, len, err, sizeof(err));
		check(j, err);
		json_decref(j);
		free(body);
	}
	return 0;
}
