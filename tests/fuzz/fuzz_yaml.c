/*
 * fuzz_yaml.c - libFuzzer target for the YAML reader/writer and the three
 * patch formats.
 *
 * The first byte picks the target; the rest is the input. For the patches
 * the rest is split in two (at the first NUL byte, else in the middle) and
 * each half parsed as JSON (selector 4: as YAML). Besides the sanitizers,
 * it traps when an input value is modified, when a successful call returns
 * nothing, or when YAML written by yaml_from_json does not read back equal.
 *
 *   clang -std=c11 -D_GNU_SOURCE -Isrc -O1 -g -fsanitize=fuzzer,address,undefined \
 *     tests/fuzz/fuzz_yaml.c src/api/patch*.c src/lib/yaml*.c src/lib/buf.c \
 *     src/lib/log.c -o /tmp/fuzz_yaml $(pkg-config --libs jansson yaml-0.1) -lm
 *   /tmp/fuzz_yaml -runs=100000 tests/fuzz/corpus/fuzz_yaml
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/patch.h"
#include "lib/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *fz_dump(const json_t *v)
{
	return v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
}

/* Traps unless v still prints as before (then frees before). */
static void fz_unchanged(const json_t *v, char *before)
{
	char *after = fz_dump(v);

	if (before && after && strcmp(before, after))
		__builtin_trap();
	free(before);
	free(after);
}

static int fz_has_nul_key(const json_t *v)
{
	const char *k;
	json_t *c;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach ((json_t *)v, k, c) {
			if (json_object_iter_key_len(json_object_key_to_iter(k)) != strlen(k) ||
			    fz_has_nul_key(c))
				return 1;
		}
	} else if (json_is_array(v)) {
		json_array_foreach (v, i, c)
			if (fz_has_nul_key(c))
				return 1;
	}
	return 0;
}

static void fz_yaml(const char *p, size_t n)
{
	char err[256];
	json_t *v = yaml_to_json(p, n, err, sizeof(err)), *back;
	buf b = BUF_INIT;

	if (!v)
		return;
	if (yaml_from_json(v, &b) == 0) {
		back = yaml_to_json(b.data, b.len, err, sizeof(err));
		/* json_equal cannot see keys with NUL bytes; skip those. */
		if (!back || (!fz_has_nul_key(v) && !json_equal(v, back)))
			__builtin_trap();
		json_decref(back);
	}
	buf_free(&b);
	json_decref(v);
}

static json_t *fz_parse(const char *p, size_t n, int as_yaml)
{
	char err[256];

	if (as_yaml)
		return yaml_to_json(p, n, err, sizeof(err));
	return json_loadb(p, n, JSON_DECODE_ANY, NULL);
}

static void fz_patch(int sel, const char *p, size_t n)
{
	static const char *const kinds[][2] = {
	    {"v1", "Pod"}, {"v1", "Service"}, {"v1", "Node"}, {NULL, NULL}};
	const char *cut = memchr(p, '\0', n);
	size_t an = cut ? (size_t)(cut - p) : n / 2, bo = cut ? an + 1 : an;
	json_t *a = fz_parse(p, an, sel == 4), *b = fz_parse(p + bo, n - bo, sel == 4);
	json_t *out = NULL;
	char err[512], *sa, *sb;
	int rc = 0;

	if (!a || !b)
		goto out;
	sa = fz_dump(a);
	sb = fz_dump(b);
	if (sel == 1) {
		out = patch_merge(a, b);
		if (!out)
			__builtin_trap();
	} else if (sel == 2) {
		rc = patch_json(a, b, &out, err, sizeof(err));
	} else {
		int k = (int)(n % 4);

		rc = patch_strategic(a, b, kinds[k][0], kinds[k][1], &out, err, sizeof(err));
	}
	if (rc == 0 && !out)
		__builtin_trap();
	if (rc < 0 && (out || !err[0]))
		__builtin_trap();
	fz_unchanged(a, sa);
	fz_unchanged(b, sb);
	/* Results must be writable JSON. */
	free(fz_dump(out));
out:
	json_decref(out);
	json_decref(a);
	json_decref(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sel;

	if (size < 1)
		return 0;
	sel = data[0] % 5;
	if (sel == 0)
		fz_yaml((const char *)data + 1, size - 1);
	else
		fz_patch(sel, (const char *)data + 1, size - 1);
	return 0;
}
